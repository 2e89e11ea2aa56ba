//! The one place that decides which services a fan sees, and in what order.
//!
//! Every fan page goes through [`order_services`]: the artist's links, the fan's country, the artist's choice of
//! [`ServiceOrder`] and the organization's [`PlatformRules`] go in; the buttons to show come out.
use super::availability::is_available;
use crate::types::{CountryCode, StreamingService};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// How the artist wants the services ordered on the fan page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceOrder {
    /// The services most popular in the fan's country first.
    #[default]
    ByCountry,
    /// The artist's own order, everywhere.
    Fixed,
}

impl ServiceOrder {
    pub const ALL: [ServiceOrder; 2] = [ServiceOrder::ByCountry, ServiceOrder::Fixed];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceOrder::ByCountry => "by_country",
            ServiceOrder::Fixed => "fixed",
        }
    }
}

impl FromStr for ServiceOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServiceOrder::ALL
            .into_iter()
            .find(|order| order.as_str() == s)
            .ok_or_else(|| format!("unknown service order {s:?}"))
    }
}

impl fmt::Display for ServiceOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organization's rules for the services its artists' fan pages show. The default allows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformRules {
    /// When set, only these services are shown.
    pub allowed: Option<BTreeSet<StreamingService>>,
    /// Never shown, even when also allowed or prioritized.
    pub blocked: BTreeSet<StreamingService>,
    /// Shown first, in this order, ahead of the artist's order or the country's ranking.
    pub priority: Vec<StreamingService>,
}

impl PlatformRules {
    /// Whether the rules let `service` be shown at all.
    pub fn admits(&self, service: StreamingService) -> bool {
        !self.blocked.contains(&service)
            && self
                .allowed
                .as_ref()
                .is_none_or(|allowed| allowed.contains(&service))
    }
}

/// The worldwide ranking, used when the fan's country is unknown and, after a country's own preferences, for
/// the services that country does not rank. Every service appears exactly once.
const GLOBAL_RANKING: &[StreamingService] = {
    use StreamingService as S;
    &[
        S::Spotify,
        S::AppleMusic,
        S::YoutubeMusic,
        S::AmazonMusic,
        S::Deezer,
        S::Tidal,
        S::Soundcloud,
        S::Youtube,
        S::Audiomack,
        S::Boomplay,
        S::Anghami,
        S::Pandora,
        S::Qobuz,
        S::Bandcamp,
        S::ItunesStore,
        S::Beatport,
        S::Napster,
        S::Audius,
    ]
};

// Per-market preferences, on top of the global ranking. Approximate and easy to edit: a list only needs the
// services whose place differs from the global order; the rest follow in global order.
mod markets {
    use crate::types::StreamingService as S;

    /// Nigeria and Ghana: Boomplay leads, Audiomack close behind.
    pub const WEST_AFRICA: &[S] = &[
        S::Boomplay,
        S::Audiomack,
        S::Spotify,
        S::AppleMusic,
        S::YoutubeMusic,
        S::Youtube,
    ];
    /// The rest of sub-Saharan Africa but its French-speaking countries.
    pub const AFRICA: &[S] = &[
        S::Boomplay,
        S::Audiomack,
        S::Spotify,
        S::YoutubeMusic,
        S::AppleMusic,
        S::Youtube,
    ];
    /// French-speaking Africa, where Deezer is also sold through mobile operators.
    pub const FRANCOPHONE_AFRICA: &[S] = &[
        S::Boomplay,
        S::Audiomack,
        S::Spotify,
        S::Deezer,
        S::YoutubeMusic,
        S::AppleMusic,
        S::Youtube,
    ];
    /// South Africa: the global services lead, the African ones follow closely.
    pub const SOUTH_AFRICA: &[S] = &[
        S::Spotify,
        S::AppleMusic,
        S::YoutubeMusic,
        S::Audiomack,
        S::Boomplay,
        S::Deezer,
    ];
    /// The Gulf: Anghami leads, Apple Music is strong.
    pub const GULF: &[S] = &[
        S::Anghami,
        S::Spotify,
        S::AppleMusic,
        S::YoutubeMusic,
        S::Deezer,
        S::AmazonMusic,
    ];
    /// The Levant, Iraq, Egypt, Sudan, Yemen.
    pub const MIDDLE_EAST: &[S] = &[
        S::Anghami,
        S::Spotify,
        S::YoutubeMusic,
        S::Youtube,
        S::AppleMusic,
        S::Deezer,
    ];
    /// The Maghreb: Anghami, and Deezer strong through French.
    pub const MAGHREB: &[S] = &[
        S::Anghami,
        S::Spotify,
        S::Deezer,
        S::YoutubeMusic,
        S::Youtube,
        S::AppleMusic,
    ];
    /// France, Monaco and France's overseas departments and territories: Deezer's home market.
    pub const FRANCE: &[S] = &[
        S::Spotify,
        S::Deezer,
        S::AppleMusic,
        S::YoutubeMusic,
        S::AmazonMusic,
    ];
    /// The United States: Amazon Music and Pandora big, Apple Music close to Spotify.
    pub const UNITED_STATES: &[S] = &[
        S::Spotify,
        S::AppleMusic,
        S::AmazonMusic,
        S::YoutubeMusic,
        S::Pandora,
        S::Soundcloud,
        S::Tidal,
    ];
    /// The UK and Ireland.
    pub const BRITISH_ISLES: &[S] = &[
        S::Spotify,
        S::AppleMusic,
        S::AmazonMusic,
        S::YoutubeMusic,
        S::Soundcloud,
    ];
    /// Germany and Austria: Amazon Music second.
    pub const GERMAN_SPEAKING: &[S] = &[
        S::Spotify,
        S::AmazonMusic,
        S::AppleMusic,
        S::YoutubeMusic,
        S::Deezer,
    ];
    /// Japan: Amazon Music (with Prime) and Apple Music ahead of Spotify.
    pub const JAPAN: &[S] = &[
        S::AmazonMusic,
        S::AppleMusic,
        S::Spotify,
        S::YoutubeMusic,
        S::Youtube,
    ];
    /// South Korea (the local services are not in our list): YouTube Music leads.
    pub const SOUTH_KOREA: &[S] = &[S::YoutubeMusic, S::Spotify, S::AppleMusic, S::Youtube];
    /// India: YouTube Music and YouTube lead with Spotify.
    pub const INDIA: &[S] = &[
        S::YoutubeMusic,
        S::Spotify,
        S::Youtube,
        S::AmazonMusic,
        S::AppleMusic,
    ];
    /// South-east Asia: YouTube Music second.
    pub const SOUTHEAST_ASIA: &[S] = &[S::Spotify, S::YoutubeMusic, S::Youtube, S::AppleMusic];
    /// Brazil: YouTube Music and Deezer (its second home) strong.
    pub const BRAZIL: &[S] = &[
        S::Spotify,
        S::YoutubeMusic,
        S::Deezer,
        S::AppleMusic,
        S::AmazonMusic,
    ];
    /// Spanish-speaking Latin America.
    pub const LATIN_AMERICA: &[S] = &[
        S::Spotify,
        S::YoutubeMusic,
        S::AppleMusic,
        S::AmazonMusic,
        S::Deezer,
    ];
    /// Norway: TIDAL's home market.
    pub const NORWAY: &[S] = &[S::Spotify, S::AppleMusic, S::Tidal, S::YoutubeMusic];
    /// Russia and Belarus (Spotify gone; Yandex Music is not in our list).
    pub const RUSSIA: &[S] = &[
        S::YoutubeMusic,
        S::AppleMusic,
        S::Youtube,
        S::Soundcloud,
        S::Deezer,
    ];
}

/// A country's preference list: these services first, in this order; the rest follow in global order.
fn country_ranking(country: CountryCode) -> &'static [StreamingService] {
    match country.as_str() {
        "NG" | "GH" => markets::WEST_AFRICA,
        "AO" | "BW" | "CV" | "ER" | "ET" | "GM" | "GW" | "KE" | "LR" | "LS" | "MW" | "MZ"
        | "NA" | "RW" | "SL" | "SO" | "SS" | "ST" | "SZ" | "TZ" | "UG" | "ZM" | "ZW" => {
            markets::AFRICA
        }
        "BF" | "BI" | "BJ" | "CD" | "CF" | "CG" | "CI" | "CM" | "DJ" | "GA" | "GN" | "GQ"
        | "KM" | "MG" | "ML" | "MU" | "NE" | "SC" | "SN" | "TD" | "TG" => {
            markets::FRANCOPHONE_AFRICA
        }
        "ZA" => markets::SOUTH_AFRICA,
        "AE" | "BH" | "KW" | "OM" | "QA" | "SA" => markets::GULF,
        "EG" | "IQ" | "JO" | "LB" | "PS" | "SD" | "SY" | "YE" => markets::MIDDLE_EAST,
        "DZ" | "LY" | "MA" | "MR" | "TN" => markets::MAGHREB,
        "FR" | "MC" | "RE" | "GP" | "MQ" | "GF" | "YT" | "PF" | "NC" | "PM" | "BL" | "MF"
        | "WF" => markets::FRANCE,
        "US" | "PR" | "GU" | "VI" | "AS" | "MP" => markets::UNITED_STATES,
        "GB" | "IE" => markets::BRITISH_ISLES,
        "DE" | "AT" => markets::GERMAN_SPEAKING,
        "JP" => markets::JAPAN,
        "KR" => markets::SOUTH_KOREA,
        "IN" => markets::INDIA,
        "ID" | "MY" | "PH" | "TH" | "VN" => markets::SOUTHEAST_ASIA,
        "BR" => markets::BRAZIL,
        "AR" | "BO" | "CL" | "CO" | "CR" | "DO" | "EC" | "GT" | "HN" | "MX" | "NI" | "PA"
        | "PE" | "PY" | "SV" | "UY" | "VE" => markets::LATIN_AMERICA,
        "NO" => markets::NORWAY,
        "RU" | "BY" => markets::RUSSIA,
        _ => &[],
    }
}

/// How popular `service` is in `country` (or worldwide, when the country is unknown): lower is more popular.
/// Only the relative order is meaningful; every service gets a distinct rank for a given country.
pub fn popularity_rank(service: StreamingService, country: Option<CountryCode>) -> u32 {
    let preferred = country.map_or(&[][..], country_ranking);
    let rank = match preferred.iter().position(|s| *s == service) {
        Some(place) => place,
        None => {
            let global = GLOBAL_RANKING
                .iter()
                .position(|s| *s == service)
                .unwrap_or(GLOBAL_RANKING.len());
            preferred.len() + global
        }
    };
    u32::try_from(rank).unwrap_or(u32::MAX)
}

/// The links a fan sees, in the order they see them.
///
/// `links` come in the artist's order. Services the rules block (or do not allow) are dropped, and so, when
/// the fan's country is known, are services unavailable there. The rules' priority services come first, in
/// the rules' order; the rest follow in the artist's order ([`ServiceOrder::Fixed`]) or by popularity in the
/// fan's country ([`ServiceOrder::ByCountry`]), ties keeping the artist's order.
pub fn order_services<T>(
    links: Vec<(StreamingService, T)>,
    country: Option<CountryCode>,
    order: ServiceOrder,
    rules: &PlatformRules,
) -> Vec<(StreamingService, T)> {
    let mut shown: Vec<(StreamingService, T)> = links
        .into_iter()
        .filter(|(service, _)| rules.admits(*service))
        .filter(|(service, _)| country.is_none_or(|country| is_available(*service, country)))
        .collect();
    // `sort_by_key` is stable: equal keys keep the artist's order.
    shown.sort_by_key(
        |(service, _)| match rules.priority.iter().position(|p| p == service) {
            Some(place) => (0, u32::try_from(place).unwrap_or(u32::MAX)),
            None => match order {
                ServiceOrder::Fixed => (1, 0),
                ServiceOrder::ByCountry => (1, popularity_rank(*service, country)),
            },
        },
    );
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use StreamingService as S;

    fn cc(code: &str) -> Option<CountryCode> {
        Some(CountryCode::parse(code).unwrap())
    }

    /// One link per service, in the given (artist's) order; the payload records the artist's position.
    fn links(services: &[S]) -> Vec<(S, usize)> {
        services
            .iter()
            .copied()
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect()
    }

    /// Every service, in the order `StreamingService::ALL` lists them.
    fn every_link() -> Vec<(S, usize)> {
        links(S::ALL)
    }

    fn services<T>(ordered: &[(S, T)]) -> Vec<S> {
        ordered.iter().map(|(s, _)| *s).collect()
    }

    fn by_country(country: Option<CountryCode>) -> Vec<S> {
        services(&order_services(
            every_link(),
            country,
            ServiceOrder::ByCountry,
            &PlatformRules::default(),
        ))
    }

    fn position(list: &[S], service: S) -> usize {
        list.iter()
            .position(|s| *s == service)
            .unwrap_or_else(|| panic!("{} missing from {list:?}", service.name()))
    }

    #[test]
    fn service_order_round_trips() {
        assert_eq!(ServiceOrder::default(), ServiceOrder::ByCountry);
        for order in ServiceOrder::ALL {
            assert_eq!(order.as_str().parse::<ServiceOrder>(), Ok(order));
            assert_eq!(order.to_string(), order.as_str());
            let json = serde_json::to_string(&order).unwrap();
            assert_eq!(json, format!("\"{}\"", order.as_str()));
            assert_eq!(serde_json::from_str::<ServiceOrder>(&json).unwrap(), order);
        }
        assert!("ByCountry".parse::<ServiceOrder>().is_err());
        assert!("".parse::<ServiceOrder>().is_err());
    }

    #[test]
    fn global_ranking_lists_every_service_once() {
        assert_eq!(GLOBAL_RANKING.len(), S::ALL.len());
        for service in S::ALL {
            assert_eq!(
                GLOBAL_RANKING.iter().filter(|s| *s == service).count(),
                1,
                "{}",
                service.name()
            );
        }
    }

    #[test]
    fn country_rankings_have_no_duplicates_and_ranks_are_distinct() {
        for code in [
            "NG", "GH", "KE", "CI", "ZA", "SA", "EG", "MA", "FR", "US", "GB", "DE", "JP", "KR",
            "IN", "ID", "BR", "MX", "NO", "RU", "SE",
        ] {
            let country = cc(code);
            let preferred = country_ranking(country.unwrap());
            let unique: BTreeSet<_> = preferred.iter().collect();
            assert_eq!(
                unique.len(),
                preferred.len(),
                "{code} lists a service twice"
            );
            let ranks: BTreeSet<u32> = S::ALL
                .iter()
                .map(|s| popularity_rank(*s, country))
                .collect();
            assert_eq!(ranks.len(), S::ALL.len(), "{code}: ranks must be distinct");
        }
        let ranks: BTreeSet<u32> = S::ALL.iter().map(|s| popularity_rank(*s, None)).collect();
        assert_eq!(ranks.len(), S::ALL.len());
    }

    #[test]
    fn unknown_country_uses_the_global_ranking() {
        assert_eq!(by_country(None), GLOBAL_RANKING);
        let shuffled = links(&[S::Tidal, S::Audius, S::Youtube, S::Spotify, S::AppleMusic]);
        let ordered = order_services(
            shuffled,
            None,
            ServiceOrder::ByCountry,
            &PlatformRules::default(),
        );
        assert_eq!(
            services(&ordered),
            [S::Spotify, S::AppleMusic, S::Tidal, S::Youtube, S::Audius]
        );
        // With no country, nothing is hidden for availability, not even Pandora or Anghami.
        assert_eq!(ordered.len(), 5);
        assert_eq!(by_country(None).len(), S::ALL.len());
    }

    #[test]
    fn countries_without_preferences_follow_the_global_order() {
        let sweden = by_country(cc("SE"));
        let expected: Vec<S> = GLOBAL_RANKING
            .iter()
            .copied()
            .filter(|s| is_available(*s, CountryCode::parse("SE").unwrap()))
            .collect();
        assert_eq!(sweden, expected);
        assert_eq!(sweden[0], S::Spotify);
    }

    #[test]
    fn nigeria_puts_boomplay_and_audiomack_first() {
        let nigeria = by_country(cc("NG"));
        assert_eq!(&nigeria[..3], [S::Boomplay, S::Audiomack, S::Spotify]);
        assert!(!nigeria.contains(&S::Pandora));
        assert!(!nigeria.contains(&S::Anghami));
        let ghana = by_country(cc("GH"));
        assert_eq!(ghana[0], S::Boomplay);
        for code in ["KE", "TZ", "UG", "CM", "CI", "SN", "ZA"] {
            let list = by_country(cc(code));
            assert!(position(&list, S::Boomplay) < 5, "{code}: {list:?}");
            assert!(position(&list, S::Audiomack) < 5, "{code}: {list:?}");
        }
    }

    #[test]
    fn the_gulf_and_mena_put_anghami_first() {
        for code in ["SA", "AE", "EG", "KW", "QA", "LB", "JO", "MA"] {
            let list = by_country(cc(code));
            assert_eq!(list[0], S::Anghami, "{code}: {list:?}");
            assert_eq!(list[1], S::Spotify, "{code}: {list:?}");
            assert!(!list.contains(&S::Pandora), "{code}: {list:?}");
        }
    }

    #[test]
    fn france_ranks_deezer_high() {
        let france = by_country(cc("FR"));
        assert_eq!(&france[..2], [S::Spotify, S::Deezer]);
        assert!(!france.contains(&S::Pandora));
        // Without a country, Deezer is fifth.
        assert_eq!(position(&by_country(None), S::Deezer), 4);
    }

    #[test]
    fn the_us_ranks_apple_amazon_and_pandora_high() {
        let us = by_country(cc("US"));
        assert_eq!(
            &us[..5],
            [
                S::Spotify,
                S::AppleMusic,
                S::AmazonMusic,
                S::YoutubeMusic,
                S::Pandora
            ]
        );
        assert!(!us.contains(&S::Boomplay));
        assert!(!us.contains(&S::Anghami));
        assert!(us.contains(&S::Qobuz));
    }

    #[test]
    fn other_markets_reflect_local_habits() {
        let japan = by_country(cc("JP"));
        assert_eq!(&japan[..3], [S::AmazonMusic, S::AppleMusic, S::Spotify]);
        assert!(!japan.contains(&S::Deezer));
        assert_eq!(by_country(cc("DE"))[1], S::AmazonMusic);
        assert_eq!(by_country(cc("IN"))[0], S::YoutubeMusic);
        assert!(!by_country(cc("IN")).contains(&S::Tidal));
        assert_eq!(&by_country(cc("ID"))[..2], [S::Spotify, S::YoutubeMusic]);
        assert_eq!(
            &by_country(cc("BR"))[..3],
            [S::Spotify, S::YoutubeMusic, S::Deezer]
        );
        let russia = by_country(cc("RU"));
        assert!(!russia.contains(&S::Spotify));
        assert_eq!(russia[0], S::YoutubeMusic);
    }

    #[test]
    fn spotify_leads_almost_everywhere_else() {
        for code in [
            "GB", "DE", "FR", "US", "BR", "MX", "AR", "SE", "NL", "IT", "ES", "PL", "AU", "CA",
            "ZA", "ID", "PH", "TR",
        ] {
            assert_eq!(by_country(cc(code))[0], S::Spotify, "{code}");
        }
    }

    #[test]
    fn fixed_keeps_the_artists_order() {
        let artist = [
            S::Bandcamp,
            S::Tidal,
            S::Spotify,
            S::Boomplay,
            S::AppleMusic,
            S::Pandora,
        ];
        let none = PlatformRules::default();
        let anywhere = order_services(links(&artist), None, ServiceOrder::Fixed, &none);
        assert_eq!(services(&anywhere), artist);
        // In Nigeria, Pandora goes (unavailable) but the order stays the artist's.
        let nigeria = order_services(links(&artist), cc("NG"), ServiceOrder::Fixed, &none);
        assert_eq!(
            services(&nigeria),
            [
                S::Bandcamp,
                S::Tidal,
                S::Spotify,
                S::Boomplay,
                S::AppleMusic
            ]
        );
        // In the US, Boomplay goes instead.
        let us = order_services(links(&artist), cc("US"), ServiceOrder::Fixed, &none);
        assert_eq!(
            services(&us),
            [S::Bandcamp, S::Tidal, S::Spotify, S::AppleMusic, S::Pandora]
        );
    }

    #[test]
    fn payloads_travel_with_their_services() {
        let artist = [S::Audius, S::Deezer, S::Spotify];
        let ordered = order_services(
            links(&artist),
            cc("FR"),
            ServiceOrder::ByCountry,
            &PlatformRules::default(),
        );
        assert_eq!(ordered, [(S::Spotify, 2), (S::Deezer, 1), (S::Audius, 0)]);
    }

    #[test]
    fn ties_keep_the_artists_order() {
        // Two links to the same service (say, two Spotify editions) tie; they keep the artist's order.
        let artist = vec![
            (S::Tidal, "a"),
            (S::Spotify, "first"),
            (S::Bandcamp, "b"),
            (S::Spotify, "second"),
        ];
        let ordered = order_services(
            artist.clone(),
            None,
            ServiceOrder::ByCountry,
            &PlatformRules::default(),
        );
        assert_eq!(
            ordered,
            [
                (S::Spotify, "first"),
                (S::Spotify, "second"),
                (S::Tidal, "a"),
                (S::Bandcamp, "b")
            ]
        );
        // Fixed order: everything not prioritized ties, so nothing moves.
        let fixed = order_services(
            artist.clone(),
            None,
            ServiceOrder::Fixed,
            &PlatformRules::default(),
        );
        assert_eq!(fixed, artist);
        // Priority services that tie keep the artist's order too.
        let rules = PlatformRules {
            priority: vec![S::Spotify],
            ..PlatformRules::default()
        };
        let pinned = order_services(artist, None, ServiceOrder::Fixed, &rules);
        assert_eq!(
            pinned,
            [
                (S::Spotify, "first"),
                (S::Spotify, "second"),
                (S::Tidal, "a"),
                (S::Bandcamp, "b")
            ]
        );
    }

    #[test]
    fn priority_blocked_and_allowed_work_together() {
        let rules = PlatformRules {
            allowed: Some(
                [
                    S::Spotify,
                    S::AppleMusic,
                    S::Tidal,
                    S::Bandcamp,
                    S::Deezer,
                    S::Pandora,
                    S::Qobuz,
                ]
                .into(),
            ),
            blocked: [S::Deezer].into(),
            // Deezer is blocked and Soundcloud not allowed: priority cannot bring them back.
            priority: vec![S::Bandcamp, S::Deezer, S::Soundcloud, S::Tidal],
        };
        let artist = [
            S::Soundcloud,
            S::Spotify,
            S::Deezer,
            S::Tidal,
            S::AppleMusic,
            S::Bandcamp,
            S::Pandora,
            S::Qobuz,
            S::Youtube,
        ];

        let unknown = order_services(links(&artist), None, ServiceOrder::ByCountry, &rules);
        assert_eq!(
            services(&unknown),
            [
                S::Bandcamp,
                S::Tidal,
                S::Spotify,
                S::AppleMusic,
                S::Pandora,
                S::Qobuz
            ]
        );

        let fixed = order_services(links(&artist), None, ServiceOrder::Fixed, &rules);
        assert_eq!(
            services(&fixed),
            [
                S::Bandcamp,
                S::Tidal,
                S::Spotify,
                S::AppleMusic,
                S::Pandora,
                S::Qobuz
            ]
        );

        // In India: TIDAL and Pandora and Qobuz are unavailable, priority or not.
        let india = order_services(links(&artist), cc("IN"), ServiceOrder::ByCountry, &rules);
        assert_eq!(services(&india), [S::Bandcamp, S::Spotify, S::AppleMusic]);

        // In the US, under Fixed, the rest keep the artist's order.
        let artist_us = [S::Qobuz, S::Pandora, S::AppleMusic, S::Spotify, S::Tidal];
        let us = order_services(links(&artist_us), cc("US"), ServiceOrder::Fixed, &rules);
        assert_eq!(
            services(&us),
            [S::Tidal, S::Qobuz, S::Pandora, S::AppleMusic, S::Spotify]
        );
        let us = order_services(links(&artist_us), cc("US"), ServiceOrder::ByCountry, &rules);
        assert_eq!(
            services(&us),
            [S::Tidal, S::Spotify, S::AppleMusic, S::Pandora, S::Qobuz]
        );
    }

    #[test]
    fn rules_admit() {
        let open = PlatformRules::default();
        assert!(S::ALL.iter().all(|s| open.admits(*s)));
        let empty_allow = PlatformRules {
            allowed: Some(BTreeSet::new()),
            ..PlatformRules::default()
        };
        assert!(S::ALL.iter().all(|s| !empty_allow.admits(*s)));
        assert!(
            order_services(every_link(), None, ServiceOrder::ByCountry, &empty_allow).is_empty()
        );
        let blocked = PlatformRules {
            blocked: [S::Spotify].into(),
            ..PlatformRules::default()
        };
        assert!(!blocked.admits(S::Spotify));
        assert!(blocked.admits(S::AppleMusic));
    }

    #[test]
    fn empty_input_gives_empty_output() {
        let nothing: Vec<(S, ())> = Vec::new();
        assert!(order_services(
            nothing,
            cc("US"),
            ServiceOrder::ByCountry,
            &PlatformRules::default()
        )
        .is_empty());
    }
}
