//! The release moment: one instant for everyone, or midnight local time in each fan's country (how Spotify
//! releases), and the time zone each country's releases follow.
use crate::types::{CountryCode, ReleasePhase};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// When a release comes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseMoment {
    /// One instant everywhere (chosen in the release's time zone, stored as UTC).
    Fixed(DateTime<Utc>),
    /// 00:00 on `date` in each fan's country; in `fallback_zone` when the fan's country is unknown (or has no
    /// zone in our table).
    LocalMidnight { date: NaiveDate, fallback_zone: Tz },
}

/// The most ahead of UTC any inhabited place is (Kiribati's Line Islands, UTC+14).
const MOST_AHEAD: Duration = Duration::hours(14);
/// The most behind UTC any place is (UTC−12; nobody lives there, so this is a safe bound).
const MOST_BEHIND: Duration = Duration::hours(12);

impl ReleaseMoment {
    /// The instant the release comes out for a fan in `country`.
    pub fn instant_for(&self, country: Option<CountryCode>) -> DateTime<Utc> {
        match *self {
            ReleaseMoment::Fixed(instant) => instant,
            ReleaseMoment::LocalMidnight {
                date,
                fallback_zone,
            } => {
                let zone = country.and_then(country_time_zone).unwrap_or(fallback_zone);
                local_midnight(date, zone)
            }
        }
    }

    /// Whether the release is out for a fan in `country` at `now`: upcoming strictly before its instant.
    pub fn phase_for(&self, country: Option<CountryCode>, now: DateTime<Utc>) -> ReleasePhase {
        ReleasePhase::at(Some(self.instant_for(country)), now)
    }

    /// The first instant the release is out anywhere: before it, it is upcoming for every fan.
    pub fn earliest(&self) -> DateTime<Utc> {
        match *self {
            ReleaseMoment::Fixed(instant) => instant,
            ReleaseMoment::LocalMidnight {
                date,
                fallback_zone,
            } => {
                let midnight = midnight_naive(date).and_utc();
                let bound = midnight
                    .checked_sub_signed(MOST_AHEAD)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC);
                // Also covers the fallback zone's instant, even for a zone with a historical offset beyond +14.
                bound.min(local_midnight(date, fallback_zone))
            }
        }
    }

    /// The last instant the release comes out anywhere: from it on, it is out for every fan.
    pub fn latest(&self) -> DateTime<Utc> {
        match *self {
            ReleaseMoment::Fixed(instant) => instant,
            ReleaseMoment::LocalMidnight {
                date,
                fallback_zone,
            } => {
                let midnight = midnight_naive(date).and_utc();
                let bound = midnight
                    .checked_add_signed(MOST_BEHIND)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                bound.max(local_midnight(date, fallback_zone))
            }
        }
    }
}

fn midnight_naive(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

/// 00:00 on `date` in `zone`. When midnight happens twice (clocks turned back), the first one; when it does not
/// happen at all (clocks turned forward at midnight), the first instant after the gap, which is when the clock
/// would have read 00:00 under the offset in force before the change.
fn local_midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let naive = midnight_naive(date);
    if let Some(instant) = zone.from_local_datetime(&naive).earliest() {
        return instant.with_timezone(&Utc);
    }
    // In a gap. The offset a day before is the one in force before the change (zones do not change twice a day).
    let day_before = naive.checked_sub_signed(Duration::days(1)).unwrap_or(naive);
    let before = zone.offset_from_utc_datetime(&day_before).fix();
    let offset = Duration::seconds(i64::from(before.local_minus_utc()));
    naive.checked_sub_signed(offset).unwrap_or(naive).and_utc()
}

/// The time zone a country's releases follow: for countries spanning several zones, the one where most people
/// live and where labels time releases (the US follows New York, Russia Moscow, Brazil São Paulo, ...).
/// `None` for the few codes without inhabitants or a zone of their own (Antarctica, Bouvet Island, ...).
pub fn country_time_zone(country: CountryCode) -> Option<Tz> {
    let code = country.as_str();
    COUNTRY_ZONES
        .binary_search_by(|(candidate, _)| (*candidate).cmp(code))
        .ok()
        .and_then(|index| COUNTRY_ZONES.get(index))
        .map(|(_, zone)| *zone)
}

/// Country → zone, sorted by code (the tests check it). Easy to edit; multi-zone choices are marked.
const COUNTRY_ZONES: &[(&str, Tz)] = &[
    ("AD", Tz::Europe__Andorra),
    ("AE", Tz::Asia__Dubai),
    ("AF", Tz::Asia__Kabul),
    ("AG", Tz::America__Antigua),
    ("AI", Tz::America__Anguilla),
    ("AL", Tz::Europe__Tirane),
    ("AM", Tz::Asia__Yerevan),
    ("AO", Tz::Africa__Luanda),
    ("AR", Tz::America__Argentina__Buenos_Aires),
    ("AS", Tz::Pacific__Pago_Pago),
    ("AT", Tz::Europe__Vienna),
    ("AU", Tz::Australia__Sydney), // multi-zone: Sydney and Melbourne hold most people
    ("AW", Tz::America__Aruba),
    ("AX", Tz::Europe__Mariehamn),
    ("AZ", Tz::Asia__Baku),
    ("BA", Tz::Europe__Sarajevo),
    ("BB", Tz::America__Barbados),
    ("BD", Tz::Asia__Dhaka),
    ("BE", Tz::Europe__Brussels),
    ("BF", Tz::Africa__Ouagadougou),
    ("BG", Tz::Europe__Sofia),
    ("BH", Tz::Asia__Bahrain),
    ("BI", Tz::Africa__Bujumbura),
    ("BJ", Tz::Africa__PortoNovo),
    ("BL", Tz::America__St_Barthelemy),
    ("BM", Tz::Atlantic__Bermuda),
    ("BN", Tz::Asia__Brunei),
    ("BO", Tz::America__La_Paz),
    ("BQ", Tz::America__Kralendijk),
    ("BR", Tz::America__Sao_Paulo), // multi-zone: São Paulo and Rio
    ("BS", Tz::America__Nassau),
    ("BT", Tz::Asia__Thimphu),
    ("BW", Tz::Africa__Gaborone),
    ("BY", Tz::Europe__Minsk),
    ("BZ", Tz::America__Belize),
    ("CA", Tz::America__Toronto), // multi-zone: Ontario and Quebec
    ("CC", Tz::Indian__Cocos),
    ("CD", Tz::Africa__Kinshasa), // multi-zone: the capital
    ("CF", Tz::Africa__Bangui),
    ("CG", Tz::Africa__Brazzaville),
    ("CH", Tz::Europe__Zurich),
    ("CI", Tz::Africa__Abidjan),
    ("CK", Tz::Pacific__Rarotonga),
    ("CL", Tz::America__Santiago), // multi-zone: mainland, not Easter Island
    ("CM", Tz::Africa__Douala),
    ("CN", Tz::Asia__Shanghai),
    ("CO", Tz::America__Bogota),
    ("CR", Tz::America__Costa_Rica),
    ("CU", Tz::America__Havana),
    ("CV", Tz::Atlantic__Cape_Verde),
    ("CW", Tz::America__Curacao),
    ("CX", Tz::Indian__Christmas),
    ("CY", Tz::Asia__Nicosia),
    ("CZ", Tz::Europe__Prague),
    ("DE", Tz::Europe__Berlin),
    ("DJ", Tz::Africa__Djibouti),
    ("DK", Tz::Europe__Copenhagen),
    ("DM", Tz::America__Dominica),
    ("DO", Tz::America__Santo_Domingo),
    ("DZ", Tz::Africa__Algiers),
    ("EC", Tz::America__Guayaquil), // multi-zone: mainland, not Galápagos
    ("EE", Tz::Europe__Tallinn),
    ("EG", Tz::Africa__Cairo),
    ("EH", Tz::Africa__El_Aaiun),
    ("ER", Tz::Africa__Asmara),
    ("ES", Tz::Europe__Madrid), // multi-zone: mainland, not the Canaries
    ("ET", Tz::Africa__Addis_Ababa),
    ("FI", Tz::Europe__Helsinki),
    ("FJ", Tz::Pacific__Fiji),
    ("FK", Tz::Atlantic__Stanley),
    ("FM", Tz::Pacific__Pohnpei), // multi-zone: the capital's
    ("FO", Tz::Atlantic__Faroe),
    ("FR", Tz::Europe__Paris),
    ("GA", Tz::Africa__Libreville),
    ("GB", Tz::Europe__London),
    ("GD", Tz::America__Grenada),
    ("GE", Tz::Asia__Tbilisi),
    ("GF", Tz::America__Cayenne),
    ("GG", Tz::Europe__Guernsey),
    ("GH", Tz::Africa__Accra),
    ("GI", Tz::Europe__Gibraltar),
    ("GL", Tz::America__Nuuk), // multi-zone: the capital's
    ("GM", Tz::Africa__Banjul),
    ("GN", Tz::Africa__Conakry),
    ("GP", Tz::America__Guadeloupe),
    ("GQ", Tz::Africa__Malabo),
    ("GR", Tz::Europe__Athens),
    ("GS", Tz::Atlantic__South_Georgia),
    ("GT", Tz::America__Guatemala),
    ("GU", Tz::Pacific__Guam),
    ("GW", Tz::Africa__Bissau),
    ("GY", Tz::America__Guyana),
    ("HK", Tz::Asia__Hong_Kong),
    ("HN", Tz::America__Tegucigalpa),
    ("HR", Tz::Europe__Zagreb),
    ("HT", Tz::America__PortauPrince),
    ("HU", Tz::Europe__Budapest),
    ("ID", Tz::Asia__Jakarta), // multi-zone: Java
    ("IE", Tz::Europe__Dublin),
    ("IL", Tz::Asia__Jerusalem),
    ("IM", Tz::Europe__Isle_of_Man),
    ("IN", Tz::Asia__Kolkata),
    ("IO", Tz::Indian__Chagos),
    ("IQ", Tz::Asia__Baghdad),
    ("IR", Tz::Asia__Tehran),
    ("IS", Tz::Atlantic__Reykjavik),
    ("IT", Tz::Europe__Rome),
    ("JE", Tz::Europe__Jersey),
    ("JM", Tz::America__Jamaica),
    ("JO", Tz::Asia__Amman),
    ("JP", Tz::Asia__Tokyo),
    ("KE", Tz::Africa__Nairobi),
    ("KG", Tz::Asia__Bishkek),
    ("KH", Tz::Asia__Phnom_Penh),
    ("KI", Tz::Pacific__Tarawa), // multi-zone: Tarawa, where most people live
    ("KM", Tz::Indian__Comoro),
    ("KN", Tz::America__St_Kitts),
    ("KP", Tz::Asia__Pyongyang),
    ("KR", Tz::Asia__Seoul),
    ("KW", Tz::Asia__Kuwait),
    ("KY", Tz::America__Cayman),
    ("KZ", Tz::Asia__Almaty), // multi-zone: Almaty and Astana
    ("LA", Tz::Asia__Vientiane),
    ("LB", Tz::Asia__Beirut),
    ("LC", Tz::America__St_Lucia),
    ("LI", Tz::Europe__Vaduz),
    ("LK", Tz::Asia__Colombo),
    ("LR", Tz::Africa__Monrovia),
    ("LS", Tz::Africa__Maseru),
    ("LT", Tz::Europe__Vilnius),
    ("LU", Tz::Europe__Luxembourg),
    ("LV", Tz::Europe__Riga),
    ("LY", Tz::Africa__Tripoli),
    ("MA", Tz::Africa__Casablanca),
    ("MC", Tz::Europe__Monaco),
    ("MD", Tz::Europe__Chisinau),
    ("ME", Tz::Europe__Podgorica),
    ("MF", Tz::America__Marigot),
    ("MG", Tz::Indian__Antananarivo),
    ("MH", Tz::Pacific__Majuro),
    ("MK", Tz::Europe__Skopje),
    ("ML", Tz::Africa__Bamako),
    ("MM", Tz::Asia__Yangon),
    ("MN", Tz::Asia__Ulaanbaatar),
    ("MO", Tz::Asia__Macau),
    ("MP", Tz::Pacific__Saipan),
    ("MQ", Tz::America__Martinique),
    ("MR", Tz::Africa__Nouakchott),
    ("MS", Tz::America__Montserrat),
    ("MT", Tz::Europe__Malta),
    ("MU", Tz::Indian__Mauritius),
    ("MV", Tz::Indian__Maldives),
    ("MW", Tz::Africa__Blantyre),
    ("MX", Tz::America__Mexico_City), // multi-zone: central Mexico
    ("MY", Tz::Asia__Kuala_Lumpur),
    ("MZ", Tz::Africa__Maputo),
    ("NA", Tz::Africa__Windhoek),
    ("NC", Tz::Pacific__Noumea),
    ("NE", Tz::Africa__Niamey),
    ("NF", Tz::Pacific__Norfolk),
    ("NG", Tz::Africa__Lagos),
    ("NI", Tz::America__Managua),
    ("NL", Tz::Europe__Amsterdam),
    ("NO", Tz::Europe__Oslo),
    ("NP", Tz::Asia__Kathmandu),
    ("NR", Tz::Pacific__Nauru),
    ("NU", Tz::Pacific__Niue),
    ("NZ", Tz::Pacific__Auckland), // multi-zone: not the Chatham Islands
    ("OM", Tz::Asia__Muscat),
    ("PA", Tz::America__Panama),
    ("PE", Tz::America__Lima),
    ("PF", Tz::Pacific__Tahiti), // multi-zone: Tahiti, where most people live
    ("PG", Tz::Pacific__Port_Moresby),
    ("PH", Tz::Asia__Manila),
    ("PK", Tz::Asia__Karachi),
    ("PL", Tz::Europe__Warsaw),
    ("PM", Tz::America__Miquelon),
    ("PN", Tz::Pacific__Pitcairn),
    ("PR", Tz::America__Puerto_Rico),
    ("PS", Tz::Asia__Hebron), // multi-zone: the West Bank (Gaza follows Asia/Gaza, nearly the same rules)
    ("PT", Tz::Europe__Lisbon), // multi-zone: mainland, not the Azores
    ("PW", Tz::Pacific__Palau),
    ("PY", Tz::America__Asuncion),
    ("QA", Tz::Asia__Qatar),
    ("RE", Tz::Indian__Reunion),
    ("RO", Tz::Europe__Bucharest),
    ("RS", Tz::Europe__Belgrade),
    ("RU", Tz::Europe__Moscow), // multi-zone: Moscow time, where most people live
    ("RW", Tz::Africa__Kigali),
    ("SA", Tz::Asia__Riyadh),
    ("SB", Tz::Pacific__Guadalcanal),
    ("SC", Tz::Indian__Mahe),
    ("SD", Tz::Africa__Khartoum),
    ("SE", Tz::Europe__Stockholm),
    ("SG", Tz::Asia__Singapore),
    ("SH", Tz::Atlantic__St_Helena),
    ("SI", Tz::Europe__Ljubljana),
    ("SJ", Tz::Arctic__Longyearbyen),
    ("SK", Tz::Europe__Bratislava),
    ("SL", Tz::Africa__Freetown),
    ("SM", Tz::Europe__San_Marino),
    ("SN", Tz::Africa__Dakar),
    ("SO", Tz::Africa__Mogadishu),
    ("SR", Tz::America__Paramaribo),
    ("SS", Tz::Africa__Juba),
    ("ST", Tz::Africa__Sao_Tome),
    ("SV", Tz::America__El_Salvador),
    ("SX", Tz::America__Lower_Princes),
    ("SY", Tz::Asia__Damascus),
    ("SZ", Tz::Africa__Mbabane),
    ("TC", Tz::America__Grand_Turk),
    ("TD", Tz::Africa__Ndjamena),
    ("TF", Tz::Indian__Kerguelen),
    ("TG", Tz::Africa__Lome),
    ("TH", Tz::Asia__Bangkok),
    ("TJ", Tz::Asia__Dushanbe),
    ("TK", Tz::Pacific__Fakaofo),
    ("TL", Tz::Asia__Dili),
    ("TM", Tz::Asia__Ashgabat),
    ("TN", Tz::Africa__Tunis),
    ("TO", Tz::Pacific__Tongatapu),
    ("TR", Tz::Europe__Istanbul),
    ("TT", Tz::America__Port_of_Spain),
    ("TV", Tz::Pacific__Funafuti),
    ("TW", Tz::Asia__Taipei),
    ("TZ", Tz::Africa__Dar_es_Salaam),
    ("UA", Tz::Europe__Kyiv),
    ("UG", Tz::Africa__Kampala),
    ("US", Tz::America__New_York), // multi-zone: Eastern time, where most people live and US releases are timed
    ("UY", Tz::America__Montevideo),
    ("UZ", Tz::Asia__Tashkent),
    ("VA", Tz::Europe__Vatican),
    ("VC", Tz::America__St_Vincent),
    ("VE", Tz::America__Caracas),
    ("VG", Tz::America__Tortola),
    ("VI", Tz::America__St_Thomas),
    ("VN", Tz::Asia__Ho_Chi_Minh),
    ("VU", Tz::Pacific__Efate),
    ("WF", Tz::Pacific__Wallis),
    ("WS", Tz::Pacific__Apia),
    ("XK", Tz::Europe__Belgrade), // Kosovo: the user-assigned code geo-IP databases use
    ("YE", Tz::Asia__Aden),
    ("YT", Tz::Indian__Mayotte),
    ("ZA", Tz::Africa__Johannesburg),
    ("ZM", Tz::Africa__Lusaka),
    ("ZW", Tz::Africa__Harare),
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn cc(code: &str) -> Option<CountryCode> {
        Some(CountryCode::parse(code).unwrap())
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn local(date: NaiveDate, fallback_zone: Tz) -> ReleaseMoment {
        ReleaseMoment::LocalMidnight {
            date,
            fallback_zone,
        }
    }

    #[test]
    fn table_is_sorted_unique_and_large() {
        assert!(
            COUNTRY_ZONES.windows(2).all(|w| w[0].0 < w[1].0),
            "COUNTRY_ZONES must be sorted by code"
        );
        assert!(COUNTRY_ZONES.len() >= 150, "{}", COUNTRY_ZONES.len());
        for (code, zone) in COUNTRY_ZONES {
            let country = CountryCode::parse(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!(country.as_str(), *code);
            assert_eq!(country_time_zone(country), Some(*zone), "{code}");
        }
    }

    #[test]
    fn multi_zone_countries_follow_their_main_zone() {
        let expected = [
            ("US", Tz::America__New_York),
            ("CA", Tz::America__Toronto),
            ("BR", Tz::America__Sao_Paulo),
            ("RU", Tz::Europe__Moscow),
            ("AU", Tz::Australia__Sydney),
            ("MX", Tz::America__Mexico_City),
            ("ID", Tz::Asia__Jakarta),
            ("NG", Tz::Africa__Lagos),
            ("DE", Tz::Europe__Berlin),
        ];
        for (code, zone) in expected {
            assert_eq!(country_time_zone(cc(code).unwrap()), Some(zone), "{code}");
        }
        assert_eq!(country_time_zone(cc("AQ").unwrap()), None);
        assert_eq!(country_time_zone(cc("BV").unwrap()), None);
    }

    #[test]
    fn fixed_is_the_same_everywhere() {
        let at = utc("2025-06-06T22:00:00Z");
        let moment = ReleaseMoment::Fixed(at);
        for country in [None, cc("NZ"), cc("US"), cc("AQ")] {
            assert_eq!(moment.instant_for(country), at);
        }
        assert_eq!(moment.earliest(), at);
        assert_eq!(moment.latest(), at);
        assert_eq!(
            moment.phase_for(None, at - Duration::seconds(1)),
            ReleasePhase::Upcoming
        );
        assert_eq!(moment.phase_for(None, at), ReleasePhase::OutNow);
        assert_eq!(
            moment.phase_for(cc("NZ"), at + Duration::days(3)),
            ReleasePhase::OutNow
        );
    }

    #[test]
    fn local_midnight_reaches_new_zealand_17_hours_before_new_york() {
        // 6 June 2025: New Zealand is on standard time (+12), New York on daylight time (−4).
        let moment = local(date(2025, 6, 6), Tz::Europe__London);
        let nz = moment.instant_for(cc("NZ"));
        let us = moment.instant_for(cc("US"));
        assert_eq!(nz, utc("2025-06-05T12:00:00Z"));
        assert_eq!(us, utc("2025-06-06T04:00:00Z"));
        assert_eq!(us - nz, Duration::hours(16));
        // In January, NZ is on daylight time (+13) and New York on standard time (−5): 18 hours.
        let january = local(date(2026, 1, 9), Tz::Europe__London);
        assert_eq!(
            january.instant_for(cc("US")) - january.instant_for(cc("NZ")),
            Duration::hours(18)
        );
        // In mid-March, NZ is still on daylight time (+13) and New York already on it (−4): 17 hours.
        let march = local(date(2025, 3, 14), Tz::Europe__London);
        assert_eq!(
            march.instant_for(cc("US")) - march.instant_for(cc("NZ")),
            Duration::hours(17)
        );

        // Between the two, it is out in New Zealand and still upcoming in the US.
        let now = utc("2025-06-05T20:00:00Z");
        assert_eq!(moment.phase_for(cc("NZ"), now), ReleasePhase::OutNow);
        assert_eq!(moment.phase_for(cc("US"), now), ReleasePhase::Upcoming);
        // Exactly at the instant it is out; a second before, upcoming.
        assert_eq!(moment.phase_for(cc("US"), us), ReleasePhase::OutNow);
        assert_eq!(
            moment.phase_for(cc("US"), us - Duration::seconds(1)),
            ReleasePhase::Upcoming
        );
    }

    #[test]
    fn other_countries_flip_at_their_own_midnight() {
        let moment = local(date(2025, 1, 10), Tz::America__New_York);
        assert_eq!(moment.instant_for(cc("NG")), utc("2025-01-09T23:00:00Z"));
        assert_eq!(moment.instant_for(cc("GB")), utc("2025-01-10T00:00:00Z"));
        assert_eq!(moment.instant_for(cc("DE")), utc("2025-01-09T23:00:00Z"));
        assert_eq!(moment.instant_for(cc("IN")), utc("2025-01-09T18:30:00Z"));
        assert_eq!(moment.instant_for(cc("NP")), utc("2025-01-09T18:15:00Z"));
        assert_eq!(moment.instant_for(cc("JP")), utc("2025-01-09T15:00:00Z"));
        assert_eq!(moment.instant_for(cc("AU")), utc("2025-01-09T13:00:00Z"));
        assert_eq!(moment.instant_for(cc("BR")), utc("2025-01-10T03:00:00Z"));
    }

    #[test]
    fn unknown_country_uses_the_fallback_zone() {
        let moment = local(date(2025, 1, 10), Tz::Europe__Berlin);
        assert_eq!(moment.instant_for(None), utc("2025-01-09T23:00:00Z"));
        // A code with no zone of its own also falls back.
        assert_eq!(moment.instant_for(cc("AQ")), utc("2025-01-09T23:00:00Z"));
        let tokyo = local(date(2025, 1, 10), Tz::Asia__Tokyo);
        assert_eq!(tokyo.instant_for(None), utc("2025-01-09T15:00:00Z"));
        assert_eq!(tokyo.instant_for(cc("GB")), utc("2025-01-10T00:00:00Z"));
        assert_eq!(
            tokyo.phase_for(None, utc("2025-01-09T14:59:59Z")),
            ReleasePhase::Upcoming
        );
        assert_eq!(
            tokyo.phase_for(None, utc("2025-01-09T15:00:00Z")),
            ReleasePhase::OutNow
        );
    }

    #[test]
    fn earliest_and_latest_contain_every_country() {
        let fallbacks = [
            Tz::UTC,
            Tz::Pacific__Kiritimati,
            Tz::Pacific__Pago_Pago,
            Tz::Europe__Berlin,
        ];
        // A date in each half of the year (for daylight saving time on either hemisphere), plus a DST change.
        for day in [
            date(2025, 1, 10),
            date(2025, 6, 6),
            date(2025, 3, 30),
            date(2024, 9, 8),
            date(2024, 11, 3),
        ] {
            for fallback in fallbacks {
                let moment = local(day, fallback);
                let (earliest, latest) = (moment.earliest(), moment.latest());
                assert!(earliest < latest);
                assert!(latest - earliest <= Duration::hours(26));
                for (code, _) in COUNTRY_ZONES {
                    let instant = moment.instant_for(cc(code));
                    assert!(
                        earliest <= instant && instant <= latest,
                        "{code} on {day}: {instant}"
                    );
                }
                let instant = moment.instant_for(None);
                assert!(
                    earliest <= instant && instant <= latest,
                    "fallback on {day}"
                );
            }
            // The extremes are reached: Kiribati's Line Islands are UTC+14.
            let kiritimati = local(day, Tz::Pacific__Kiritimati);
            assert_eq!(kiritimati.earliest(), kiritimati.instant_for(None));
        }
    }

    #[test]
    fn earliest_and_latest_bound_the_day() {
        let moment = local(date(2025, 6, 6), Tz::UTC);
        assert_eq!(moment.earliest(), utc("2025-06-05T10:00:00Z"));
        assert_eq!(moment.latest(), utc("2025-06-06T12:00:00Z"));
        assert_eq!(
            moment.phase_for(cc("KI"), moment.earliest() - Duration::seconds(1)),
            ReleasePhase::Upcoming
        );
    }

    #[test]
    fn midnight_in_a_dst_gap_is_the_end_of_the_gap() {
        // Chile springs forward at 00:00 on 8 September 2024: 00:00 −04 becomes 01:00 −03.
        let chile = local(date(2024, 9, 8), Tz::UTC);
        let instant = chile.instant_for(cc("CL"));
        assert_eq!(instant, utc("2024-09-08T04:00:00Z"));
        let seen = instant.with_timezone(&Tz::America__Santiago);
        assert_eq!(
            (seen.date_naive(), seen.hour(), seen.minute()),
            (date(2024, 9, 8), 1, 0)
        );
        // Cuba (00:00 → 01:00 on 10 March 2024) and Lebanon (00:00 → 01:00 on 31 March 2024).
        assert_eq!(
            local(date(2024, 3, 10), Tz::UTC).instant_for(cc("CU")),
            utc("2024-03-10T05:00:00Z")
        );
        assert_eq!(
            local(date(2024, 3, 31), Tz::UTC).instant_for(cc("LB")),
            utc("2024-03-30T22:00:00Z")
        );
        // Samoa skipped 30 December 2011 altogether; the release comes out when 31 December begins.
        let samoa = local(date(2011, 12, 30), Tz::Pacific__Apia);
        assert_eq!(samoa.instant_for(None), utc("2011-12-30T10:00:00Z"));
        assert_eq!(
            samoa.instant_for(cc("WS")),
            local(date(2011, 12, 31), Tz::UTC).instant_for(cc("WS"))
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        for day in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            date(1, 1, 1),
            date(1900, 1, 1),
        ] {
            for fallback in [Tz::UTC, Tz::Pacific__Kiritimati, Tz::America__New_York] {
                let moment = local(day, fallback);
                assert!(moment.earliest() <= moment.latest());
                for (code, _) in COUNTRY_ZONES {
                    let _ = moment.phase_for(cc(code), DateTime::<Utc>::MIN_UTC);
                }
            }
        }
    }

    #[test]
    fn midnight_that_happens_twice_is_the_first_one() {
        // Cuba falls back from 01:00 −04 to 00:00 −05 on 3 November 2024, so midnight happens twice.
        let cuba = local(date(2024, 11, 3), Tz::UTC);
        assert_eq!(cuba.instant_for(cc("CU")), utc("2024-11-03T04:00:00Z"));
    }

    #[test]
    fn ordinary_dst_days_keep_midnight() {
        // Europe changes at 01:00 UTC, the US at 02:00 local: midnight itself is ordinary on those days.
        assert_eq!(
            local(date(2025, 3, 30), Tz::UTC).instant_for(cc("DE")),
            utc("2025-03-29T23:00:00Z")
        );
        assert_eq!(
            local(date(2025, 10, 26), Tz::UTC).instant_for(cc("DE")),
            utc("2025-10-25T22:00:00Z")
        );
        assert_eq!(
            local(date(2025, 3, 9), Tz::UTC).instant_for(cc("US")),
            utc("2025-03-09T05:00:00Z")
        );
        assert_eq!(
            local(date(2025, 11, 2), Tz::UTC).instant_for(cc("US")),
            utc("2025-11-02T04:00:00Z")
        );
    }
}
