//! Where each streaming service can be used, so a fan page never offers a button that leads nowhere.
//!
//! The tables are approximate and easy to edit: they are lists of ISO 3166-1 alpha-2 codes, checked by the
//! tests below to be well-formed. They err on the side of showing a service: a market is only left out where
//! the service is known not to operate, because hiding a link that works loses a fan, while showing one that
//! does not merely costs a click. Whether the fan's country is known at all is the caller's business.
use crate::types::{CountryCode, StreamingService};

/// Where a service can be used.
#[derive(Debug, Clone, Copy)]
enum Reach {
    Everywhere,
    /// Only in these markets.
    Only(&'static [&'static str]),
    /// Everywhere but these markets.
    Except(&'static [&'static str]),
}

/// Where US sanctions (or the service's own exit) keep most US-based services out; Russia and China added per
/// service below.
const SANCTIONED: &[&str] = &["CU", "IR", "KP", "SY"];

/// Spotify: everywhere but China, Russia (suspended in 2022) and the sanctioned countries. Approximate.
const SPOTIFY_EXCEPT: &[&str] = &["CN", "CU", "IR", "KP", "RU", "SY"];

/// YouTube and YouTube Music: blocked in China and North Korea, and by Iran's government. Approximate.
const YOUTUBE_EXCEPT: &[&str] = &["CN", "IR", "KP"];

/// Amazon Music never launched in China or Russia. Approximate.
const AMAZON_MUSIC_EXCEPT: &[&str] = &["CN", "CU", "IR", "KP", "RU", "SY"];

/// Deezer has never launched in China or Japan. Approximate.
const DEEZER_EXCEPT: &[&str] = &["CN", "CU", "IR", "JP", "KP", "SY"];

/// TIDAL is in fewer markets than this suggests; these are only the ones it is known to be absent from.
/// Approximate.
const TIDAL_EXCEPT: &[&str] = &["BY", "CN", "CU", "IN", "IR", "KP", "RU", "SY"];

/// Pandora is a US service; the US territories have their own ISO codes, so they are listed too.
const PANDORA_MARKETS: &[&str] = &["AS", "GU", "MP", "PR", "US", "VI"];

/// Anghami: the Middle East and North Africa. Approximate.
const ANGHAMI_MARKETS: &[&str] = &[
    "AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA", "MR", "OM", "PS", "QA", "SA", "SD",
    "SY", "TN", "YE",
];

/// Boomplay: the African continent (its stronghold is sub-Saharan Africa; North Africa is kept in so as not to
/// hide it where it may work). Approximate.
const BOOMPLAY_MARKETS: &[&str] = &[
    "AO", "BF", "BI", "BJ", "BW", "CD", "CF", "CG", "CI", "CM", "CV", "DJ", "DZ", "EG", "ER", "ET",
    "GA", "GH", "GM", "GN", "GQ", "GW", "KE", "KM", "LR", "LS", "LY", "MA", "MG", "ML", "MR", "MU",
    "MW", "MZ", "NA", "NE", "NG", "RW", "SC", "SD", "SL", "SN", "SO", "SS", "ST", "SZ", "TD", "TG",
    "TN", "TZ", "UG", "ZA", "ZM", "ZW",
];

/// Napster: the Americas and Europe, where it has long operated, plus Japan and Oceania. Approximate.
const NAPSTER_MARKETS: &[&str] = &[
    "AR", "AT", "AU", "BE", "BG", "BO", "BR", "CA", "CH", "CL", "CO", "CR", "CZ", "DE", "DK", "DO",
    "EC", "ES", "FI", "FR", "GB", "GR", "GT", "HN", "HU", "IE", "IS", "IT", "JP", "LU", "MX", "NI",
    "NL", "NO", "NZ", "PA", "PE", "PL", "PR", "PT", "PY", "RO", "SE", "SK", "SV", "US", "UY",
];

/// Qobuz: the markets it has launched in (Europe, North America, Oceania, Japan, Latin America). Approximate.
const QOBUZ_MARKETS: &[&str] = &[
    "AD", "AR", "AT", "AU", "BE", "BR", "CA", "CH", "CL", "CO", "DE", "DK", "ES", "FI", "FR", "GB",
    "IE", "IT", "JP", "LI", "LU", "MC", "MX", "NL", "NO", "NZ", "PT", "SE", "US",
];

fn reach(service: StreamingService) -> Reach {
    use StreamingService as S;
    match service {
        S::Spotify => Reach::Except(SPOTIFY_EXCEPT),
        S::AppleMusic | S::ItunesStore => Reach::Except(SANCTIONED),
        S::YoutubeMusic | S::Youtube => Reach::Except(YOUTUBE_EXCEPT),
        S::AmazonMusic => Reach::Except(AMAZON_MUSIC_EXCEPT),
        S::Deezer => Reach::Except(DEEZER_EXCEPT),
        S::Tidal => Reach::Except(TIDAL_EXCEPT),
        S::Pandora => Reach::Only(PANDORA_MARKETS),
        S::Anghami => Reach::Only(ANGHAMI_MARKETS),
        S::Boomplay => Reach::Only(BOOMPLAY_MARKETS),
        S::Napster => Reach::Only(NAPSTER_MARKETS),
        S::Qobuz => Reach::Only(QOBUZ_MARKETS),
        S::Soundcloud | S::Bandcamp | S::Audiomack | S::Beatport | S::Audius => Reach::Everywhere,
    }
}

/// Whether a fan in `country` can use `service`.
pub fn is_available(service: StreamingService, country: CountryCode) -> bool {
    let code = country.as_str();
    match reach(service) {
        Reach::Everywhere => true,
        Reach::Only(markets) => markets.contains(&code),
        Reach::Except(markets) => !markets.contains(&code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(code: &str) -> CountryCode {
        CountryCode::parse(code).unwrap()
    }

    fn all_tables() -> Vec<(&'static str, &'static [&'static str])> {
        vec![
            ("SANCTIONED", SANCTIONED),
            ("SPOTIFY_EXCEPT", SPOTIFY_EXCEPT),
            ("YOUTUBE_EXCEPT", YOUTUBE_EXCEPT),
            ("AMAZON_MUSIC_EXCEPT", AMAZON_MUSIC_EXCEPT),
            ("DEEZER_EXCEPT", DEEZER_EXCEPT),
            ("TIDAL_EXCEPT", TIDAL_EXCEPT),
            ("PANDORA_MARKETS", PANDORA_MARKETS),
            ("ANGHAMI_MARKETS", ANGHAMI_MARKETS),
            ("BOOMPLAY_MARKETS", BOOMPLAY_MARKETS),
            ("NAPSTER_MARKETS", NAPSTER_MARKETS),
            ("QOBUZ_MARKETS", QOBUZ_MARKETS),
        ]
    }

    #[test]
    fn tables_hold_sorted_unique_upper_case_codes() {
        for (name, table) in all_tables() {
            for code in table {
                let parsed = CountryCode::parse(code).unwrap_or_else(|| panic!("{name}: {code:?}"));
                assert_eq!(parsed.as_str(), *code, "{name}: {code} must be upper case");
            }
            assert!(
                table.windows(2).all(|w| w[0] < w[1]),
                "{name} must be sorted and free of duplicates"
            );
        }
    }

    #[test]
    fn pandora_is_us_only() {
        assert!(is_available(StreamingService::Pandora, cc("US")));
        assert!(is_available(StreamingService::Pandora, cc("PR")));
        for code in ["CA", "GB", "DE", "AU", "NZ", "MX", "NG", "JP"] {
            assert!(!is_available(StreamingService::Pandora, cc(code)), "{code}");
        }
    }

    #[test]
    fn boomplay_is_african() {
        for code in [
            "NG", "GH", "KE", "TZ", "UG", "ZA", "CM", "CI", "SN", "ZM", "RW", "ET", "MW", "ZW",
        ] {
            assert!(is_available(StreamingService::Boomplay, cc(code)), "{code}");
        }
        for code in ["US", "GB", "FR", "DE", "BR", "IN", "JP", "SA", "AE"] {
            assert!(
                !is_available(StreamingService::Boomplay, cc(code)),
                "{code}"
            );
        }
    }

    #[test]
    fn anghami_is_mena() {
        for code in [
            "SA", "AE", "EG", "LB", "JO", "KW", "QA", "BH", "OM", "IQ", "MA", "DZ", "TN",
        ] {
            assert!(is_available(StreamingService::Anghami, cc(code)), "{code}");
        }
        for code in ["US", "FR", "NG", "TR", "IR", "IN"] {
            assert!(!is_available(StreamingService::Anghami, cc(code)), "{code}");
        }
    }

    #[test]
    fn restricted_services_are_hidden_where_known_absent() {
        let absent = [
            (StreamingService::Spotify, "CN"),
            (StreamingService::Spotify, "RU"),
            (StreamingService::Spotify, "KP"),
            (StreamingService::Youtube, "CN"),
            (StreamingService::YoutubeMusic, "KP"),
            (StreamingService::Tidal, "IN"),
            (StreamingService::Tidal, "RU"),
            (StreamingService::Qobuz, "IN"),
            (StreamingService::Qobuz, "NG"),
            (StreamingService::Napster, "CN"),
            (StreamingService::Deezer, "JP"),
        ];
        for (service, code) in absent {
            assert!(
                !is_available(service, cc(code)),
                "{} in {code}",
                service.name()
            );
        }
        let present = [
            (StreamingService::Spotify, "NG"),
            (StreamingService::Spotify, "US"),
            (StreamingService::AppleMusic, "CN"),
            (StreamingService::Qobuz, "FR"),
            (StreamingService::Qobuz, "US"),
            (StreamingService::Napster, "US"),
            (StreamingService::Tidal, "NO"),
            (StreamingService::Deezer, "FR"),
        ];
        for (service, code) in present {
            assert!(
                is_available(service, cc(code)),
                "{} in {code}",
                service.name()
            );
        }
    }

    #[test]
    fn global_services_are_everywhere() {
        for service in [
            StreamingService::Audiomack,
            StreamingService::Soundcloud,
            StreamingService::Bandcamp,
            StreamingService::Beatport,
            StreamingService::Audius,
        ] {
            for code in ["US", "NG", "CN", "KP", "RU", "JP", "BR", "AQ"] {
                assert!(
                    is_available(service, cc(code)),
                    "{} in {code}",
                    service.name()
                );
            }
        }
    }

    #[test]
    fn the_big_services_cover_the_big_markets() {
        let big = [
            StreamingService::Spotify,
            StreamingService::AppleMusic,
            StreamingService::YoutubeMusic,
            StreamingService::Youtube,
            StreamingService::AmazonMusic,
        ];
        for service in big {
            for code in [
                "US", "GB", "DE", "FR", "BR", "MX", "JP", "AU", "IN", "NG", "ZA", "SA",
            ] {
                assert!(
                    is_available(service, cc(code)),
                    "{} in {code}",
                    service.name()
                );
            }
        }
    }
}
