//! A fan's country from their IP address, read from a MaxMind-format database: GeoLite2-Country,
//! GeoIP2-Country, GeoLite2/GeoIP2-City or DB-IP's country and city `.mmdb` files.
use anyhow::{bail, Context as _};
use app::types::CountryCode;
use maxminddb::{geoip2, Reader};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

#[cfg(test)]
pub(crate) mod mmdb_writer;

/// An opened country (or city) database, read whole into memory. Cheap to share behind an `Arc`; lookups take
/// `&self` and allocate nothing.
pub struct CountryDatabase {
    reader: Reader<Vec<u8>>,
}

impl CountryDatabase {
    /// Reads and checks the database at `path`. The error names the file when it is missing or unreadable,
    /// is not a MaxMind DB file, or is a MaxMind DB of a kind without countries (ASN, ISP, …).
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the country database {}", path.display()))?;
        let reader = Reader::from_source(bytes).with_context(|| {
            format!(
                "{} is not a MaxMind DB (.mmdb) file, such as GeoLite2-Country.mmdb",
                path.display()
            )
        })?;
        let database_type = &reader.metadata().database_type;
        if !(database_type.contains("Country") || database_type.contains("City")) {
            bail!(
                "{} is a {database_type:?} database, which has no countries: use a Country or City database \
                 (GeoLite2-Country, GeoIP2-City, DB-IP country, …)",
                path.display()
            );
        }
        Ok(CountryDatabase { reader })
    }

    /// The database's own name for its kind, e.g. `GeoLite2-Country` or `DBIP-Country-Lite`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The country the address is in: the record's `country`, else its `registered_country`. `None` for
    /// addresses that are not on the public internet (loopback, private, link-local, …), for addresses the
    /// database does not know, and for a record it cannot read.
    pub fn country(&self, ip: IpAddr) -> Option<CountryCode> {
        // `::ffff:81.2.69.1` (an IPv4 client on a dual-stack socket) is looked up as `81.2.69.1`.
        let ip = ip.to_canonical();
        if !is_public(ip) {
            return None;
        }
        let record = match self
            .reader
            .lookup(ip)
            .and_then(|found| found.decode::<geoip2::Country>())
        {
            Ok(record) => record?,
            Err(error) => {
                tracing::debug!(%ip, %error, "country lookup failed");
                return None;
            }
        };
        record
            .country
            .iso_code
            .and_then(CountryCode::parse)
            .or_else(|| {
                record
                    .registered_country
                    .iso_code
                    .and_then(CountryCode::parse)
            })
    }
}

impl fmt::Debug for CountryDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let metadata = self.reader.metadata();
        f.debug_struct("CountryDatabase")
            .field("database_type", &metadata.database_type)
            .field("build_epoch", &metadata.build_epoch)
            .finish_non_exhaustive()
    }
}

/// False for addresses that never reach us from a fan's own network: loopback, unspecified, private and shared
/// (carrier-grade NAT) IPv4, link-local, unique-local IPv6, multicast, broadcast.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || is_shared_v4(v4))
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_unicast_link_local()
                || v6.is_unique_local()
                || v6.is_multicast()
                || is_ipv4_compatible(v6))
        }
    }
}

/// 100.64.0.0/10, the carrier-grade NAT range.
fn is_shared_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    a == 100 && (b & 0b1100_0000) == 64
}

/// `::a.b.c.d`: the deprecated IPv4-compatible form, which databases use to hold their IPv4 subtree. A client
/// never has one; looking it up would answer for the IPv4 address.
fn is_ipv4_compatible(v6: Ipv6Addr) -> bool {
    v6.segments()[..6].iter().all(|&segment| segment == 0)
}

#[cfg(test)]
mod tests {
    use super::mmdb_writer::{country_database, MmdbWriter, Value};
    use super::*;

    const NETWORKS: &[(&str, &str)] = &[
        ("81.2.69.0/24", "GB"),
        ("2.125.160.0/19", "GB"),
        ("89.160.20.0/20", "SE"),
        ("2001:db8::/32", "US"),
        ("102.88.0.0/16", "NG"),
        // Private: present in the file, yet never looked up.
        ("10.0.0.0/8", "DE"),
    ];

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn open_fixture(database_type: &str) -> (tempfile::TempDir, CountryDatabase) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "fixture.mmdb",
            &country_database(database_type, NETWORKS),
        );
        let database = CountryDatabase::open(&path).unwrap();
        (dir, database)
    }

    fn country(database: &CountryDatabase, ip: &str) -> Option<String> {
        database
            .country(ip.parse().unwrap())
            .map(|code| code.to_string())
    }

    #[test]
    fn looks_up_ipv4_and_ipv6_inside_and_outside_the_networks() {
        let (_dir, database) = open_fixture("GeoLite2-Country");
        assert_eq!(database.database_type(), "GeoLite2-Country");
        // The fixture is a valid MaxMind DB by the reader's own full check.
        database.reader.verify().unwrap();
        let expected = [
            ("81.2.69.142", Some("GB")),
            ("81.2.69.0", Some("GB")),
            ("81.2.69.255", Some("GB")),
            ("81.2.70.1", None),
            ("81.2.68.255", None),
            ("2.125.160.216", Some("GB")),
            ("2.125.191.255", Some("GB")),
            ("2.125.192.0", None),
            ("89.160.20.128", Some("SE")),
            ("89.160.31.255", Some("SE")),
            ("89.160.32.0", None),
            ("102.88.12.34", Some("NG")),
            ("102.89.0.1", None),
            ("8.8.8.8", None),
            ("2001:db8::1", Some("US")),
            ("2001:db8:ffff:ffff::1", Some("US")),
            ("2001:db9::1", None),
            ("2a00:1450::1", None),
            // An IPv4 client seen on a dual-stack socket.
            ("::ffff:81.2.69.142", Some("GB")),
            ("::ffff:102.88.1.1", Some("NG")),
        ];
        for (ip, want) in expected {
            assert_eq!(country(&database, ip).as_deref(), want, "{ip}");
        }
    }

    #[test]
    fn addresses_off_the_public_internet_have_no_country() {
        let (_dir, database) = open_fixture("GeoLite2-Country");
        for ip in [
            "127.0.0.1",
            "0.0.0.0",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::5102:458e", // 81.2.69.142 in the IPv4-compatible form the database stores it under
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert_eq!(country(&database, ip), None, "{ip}");
        }
    }

    #[test]
    fn falls_back_to_the_registered_country() {
        let registered_only = Value::Map(vec![(
            "registered_country",
            Value::Map(vec![("iso_code", Value::str("NG"))]),
        )]);
        let placeholder = Value::Map(vec![
            ("country", Value::Map(vec![("iso_code", Value::str("XX"))])),
            (
                "registered_country",
                Value::Map(vec![("iso_code", Value::str("SE"))]),
            ),
        ]);
        let nothing = Value::Map(vec![(
            "continent",
            Value::Map(vec![("code", Value::str("EU"))]),
        )]);
        let bytes = MmdbWriter::new("GeoIP2-Country")
            .insert("102.88.0.0/16", &registered_only)
            .insert("89.160.20.0/20", &placeholder)
            .insert("81.2.69.0/24", &nothing)
            .to_bytes();
        let dir = tempfile::tempdir().unwrap();
        let database = CountryDatabase::open(&write(&dir, "registered.mmdb", &bytes)).unwrap();
        assert_eq!(country(&database, "102.88.1.1").as_deref(), Some("NG"));
        assert_eq!(country(&database, "89.160.20.1").as_deref(), Some("SE"));
        assert_eq!(country(&database, "81.2.69.1"), None);
    }

    #[test]
    fn a_more_specific_network_splits_a_wider_one() {
        let bytes = MmdbWriter::new("DBIP-Country-Lite")
            .insert("89.160.0.0/16", &Value::country_record("SE"))
            .insert("89.160.20.0/24", &Value::country_record("NO"))
            .to_bytes();
        let dir = tempfile::tempdir().unwrap();
        let database = CountryDatabase::open(&write(&dir, "dbip.mmdb", &bytes)).unwrap();
        database.reader.verify().unwrap();
        assert_eq!(country(&database, "89.160.19.255").as_deref(), Some("SE"));
        assert_eq!(country(&database, "89.160.20.7").as_deref(), Some("NO"));
        assert_eq!(country(&database, "89.160.21.0").as_deref(), Some("SE"));
        assert_eq!(country(&database, "89.161.0.0"), None);
    }

    #[test]
    fn a_city_database_works_too() {
        let city = |name: &str, iso_code: &str| {
            let Value::Map(mut entries) = Value::country_record(iso_code) else {
                unreachable!()
            };
            entries.insert(
                0,
                (
                    "city",
                    Value::Map(vec![("names", Value::Map(vec![("en", Value::str(name))]))]),
                ),
            );
            entries.push((
                "location",
                Value::Map(vec![
                    ("time_zone", Value::str("Europe/London")),
                    ("accuracy_radius", Value::U16(100)),
                ]),
            ));
            entries.push((
                "subdivisions",
                Value::Array(vec![Value::Map(vec![("iso_code", Value::str("ENG"))])]),
            ));
            Value::Map(entries)
        };
        let bytes = MmdbWriter::new("GeoIP2-City")
            .insert("81.2.69.0/24", &city("London", "GB"))
            .insert("2001:db8::/32", &city("Boston", "US"))
            .to_bytes();
        let dir = tempfile::tempdir().unwrap();
        let database = CountryDatabase::open(&write(&dir, "GeoIP2-City.mmdb", &bytes)).unwrap();
        database.reader.verify().unwrap();
        assert_eq!(country(&database, "81.2.69.160").as_deref(), Some("GB"));
        assert_eq!(country(&database, "2001:db8::abcd").as_deref(), Some("US"));
        assert_eq!(country(&database, "81.2.70.1"), None);
    }

    #[test]
    fn clear_errors_for_a_missing_file_a_non_mmdb_file_and_a_database_without_countries() {
        let dir = tempfile::tempdir().unwrap();

        let missing = dir.path().join("GeoLite2-Country.mmdb");
        let error = format!("{:#}", CountryDatabase::open(&missing).unwrap_err());
        assert!(
            error.contains("cannot read the country database"),
            "{error}"
        );
        assert!(error.contains(&missing.display().to_string()), "{error}");

        let text = write(&dir, "countries.csv", b"network,country\n81.2.69.0/24,GB\n");
        let error = format!("{:#}", CountryDatabase::open(&text).unwrap_err());
        assert!(
            error.contains("is not a MaxMind DB (.mmdb) file"),
            "{error}"
        );
        assert!(error.contains(&text.display().to_string()), "{error}");

        let truncated = country_database("GeoLite2-Country", NETWORKS);
        let truncated = write(&dir, "truncated.mmdb", &truncated[..truncated.len() - 40]);
        let error = format!("{:#}", CountryDatabase::open(&truncated).unwrap_err());
        assert!(
            error.contains("is not a MaxMind DB (.mmdb) file"),
            "{error}"
        );

        let asn = write(
            &dir,
            "GeoLite2-ASN.mmdb",
            &country_database("GeoLite2-ASN", NETWORKS),
        );
        let error = format!("{:#}", CountryDatabase::open(&asn).unwrap_err());
        assert!(error.contains("\"GeoLite2-ASN\" database"), "{error}");
        assert!(error.contains("use a Country or City database"), "{error}");
        assert!(error.contains(&asn.display().to_string()), "{error}");
    }

    #[test]
    fn a_garbled_record_is_no_country_not_a_panic() {
        // `country` is a string where a map belongs.
        let garbled = Value::Map(vec![("country", Value::str("GB"))]);
        let bytes = MmdbWriter::new("GeoLite2-Country")
            .insert("81.2.69.0/24", &garbled)
            .to_bytes();
        let dir = tempfile::tempdir().unwrap();
        let database = CountryDatabase::open(&write(&dir, "garbled.mmdb", &bytes)).unwrap();
        assert_eq!(country(&database, "81.2.69.1"), None);
    }
}
