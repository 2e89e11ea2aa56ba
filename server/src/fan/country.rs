//! Where a fan is, for ordering services and for "midnight local time" releases: a trusted proxy header (e.g.
//! Cloudflare's CF-IPCountry), else a MaxMind-format country database, else the region in Accept-Language.
use crate::geo::CountryDatabase;
use app::server::fan::language::region_from_accept_language;
use app::types::CountryCode;
use axum::http::{header, HeaderMap, HeaderName};
use std::net::IpAddr;

pub struct CountryResolver {
    pub country_header: Option<HeaderName>,
    pub client_ip_header: Option<HeaderName>,
    pub database: Option<CountryDatabase>,
}

impl CountryResolver {
    pub fn resolve(&self, headers: &HeaderMap, peer: IpAddr) -> Option<CountryCode> {
        if let Some(name) = &self.country_header {
            if let Some(code) = headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(CountryCode::parse)
            {
                return Some(code);
            }
        }
        if let Some(database) = &self.database {
            if let Some(code) = database.country(self.client_ip(headers, peer)) {
                return Some(code);
            }
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(region_from_accept_language)
    }

    /// The fan's address: the peer, or, behind a configured proxy, the address the proxy appended last to its
    /// header (the one entry a client cannot forge).
    pub fn client_ip(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        self.client_ip_header
            .as_ref()
            .and_then(|name| headers.get(name))
            .and_then(|value| value.to_str().ok())
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
            .unwrap_or(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn resolver() -> CountryResolver {
        CountryResolver {
            country_header: Some(HeaderName::from_static("cf-ipcountry")),
            client_ip_header: Some(HeaderName::from_static("x-forwarded-for")),
            database: None,
        }
    }

    #[test]
    fn trusted_header_first_then_accept_language() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR,fr;q=0.9"),
        );
        assert_eq!(resolver().resolve(&headers, peer).unwrap().as_str(), "FR");
        headers.insert("cf-ipcountry", HeaderValue::from_static("ng"));
        assert_eq!(resolver().resolve(&headers, peer).unwrap().as_str(), "NG");
        headers.insert("cf-ipcountry", HeaderValue::from_static("XX"));
        assert_eq!(
            resolver().resolve(&headers, peer).unwrap().as_str(),
            "FR",
            "unknown falls through"
        );
        let untrusted = CountryResolver {
            country_header: None,
            client_ip_header: None,
            database: None,
        };
        headers.insert("cf-ipcountry", HeaderValue::from_static("NG"));
        assert_eq!(
            untrusted.resolve(&headers, peer).unwrap().as_str(),
            "FR",
            "header ignored unless configured"
        );
    }

    #[test]
    fn client_ip_is_the_last_proxy_entry() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 81.2.69.160"),
        );
        assert_eq!(
            resolver().client_ip(&headers, peer),
            "81.2.69.160".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(resolver().client_ip(&headers, peer), peer);
    }
}
