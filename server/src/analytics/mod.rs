//! Server-side analytics events. Handlers hand an event to the recorder and move on; a background task writes
//! them in batches. Nothing a fan waits for touches the database here.
mod recorder;
pub mod user_agent;
pub mod visitor;

pub use recorder::{EventRecorder, RecorderStats};

use app::types::CountryCode;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};

/// One thing that happened on a fan page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEvent {
    pub occurred_at: DateTime<Utc>,
    pub kind: EventKind,
    pub artist_id: Option<i32>,
    pub release_id: Option<i32>,
    /// Service key (`spotify`) for click-outs, or `custom` for call-to-action buttons.
    pub service: Option<String>,
    pub referrer_domain: Option<String>,
    pub utm: Utm,
    pub country: Option<CountryCode>,
    pub locale: Option<String>,
    /// Who asked, held only until the writer has turned it into a visitor hash and device families.
    pub client: Option<ClientRequest>,
    /// A prefetch, prerender or HEAD request: kept apart with the bots, never counted as a visit or click.
    pub speculative: bool,
    /// Server-side conversion events for ad platforms, queued with this event (sealed rows, see `conversions`).
    pub conversions: Vec<app::server::entities::conversion_events::ActiveModel>,
}

/// The client's address and User-Agent, never written to the database as they are.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRequest {
    pub ip: std::net::IpAddr,
    pub user_agent: String,
}

impl std::fmt::Debug for ClientRequest {
    // Logs must not carry what the database may not.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientRequest(…)")
    }
}

impl ClientRequest {
    /// From a request: the resolved client address, and the User-Agent capped at 512 bytes.
    pub fn from_headers(headers: &HeaderMap, ip: std::net::IpAddr) -> ClientRequest {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let end = user_agent
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|end| *end <= 512)
            .last()
            .unwrap_or(0);
        ClientRequest {
            ip,
            user_agent: user_agent[..end].to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventKind {
    #[default]
    PageView,
    ClickOut,
    CustomClick,
    Share,
    VideoPlay,
    /// A fan finished the Spotify login of a pre-save (library adds and follows are recorded at delivery).
    PreSave,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PageView => "page_view",
            EventKind::ClickOut => "click_out",
            EventKind::CustomClick => "custom_click",
            EventKind::Share => "share",
            EventKind::VideoPlay => "video_play",
            EventKind::PreSave => "pre_save",
        }
    }
}

/// Campaign tags from the page URL's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Utm {
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
}

impl Utm {
    /// Trims, drops empty values and caps each at 200 characters, so a crafted URL cannot bloat the table.
    pub fn cleaned(self) -> Utm {
        let clean = |value: Option<String>| {
            value
                .map(|v| v.trim().chars().take(200).collect::<String>())
                .filter(|v| !v.is_empty())
        };
        Utm {
            utm_source: clean(self.utm_source),
            utm_medium: clean(self.utm_medium),
            utm_campaign: clean(self.utm_campaign),
            utm_content: clean(self.utm_content),
            utm_term: clean(self.utm_term),
        }
    }
}

/// The referring site's host (`www.instagram.com` -> `instagram.com`), never the full URL with its path.
pub fn referrer_domain(headers: &HeaderMap) -> Option<String> {
    let referrer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referrer
        .strip_prefix("https://")
        .or_else(|| referrer.strip_prefix("http://"))?;
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    (!host.is_empty() && host.len() <= 253).then(|| host.to_owned())
}

/// The fan's preferred language as sent by the browser (`de-DE`), for the locale breakdown.
pub fn locale(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let first = header.split(',').next()?.split(';').next()?.trim();
    let valid = !first.is_empty()
        && first.len() <= 35
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn keeps_only_the_referring_domain() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://www.instagram.com/p/secret?x=1"),
        );
        assert_eq!(referrer_domain(&headers).as_deref(), Some("instagram.com"));
        headers.insert(header::REFERER, HeaderValue::from_static("android-app://x"));
        assert_eq!(referrer_domain(&headers), None);
    }

    #[test]
    fn locale_is_the_first_language_tag() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE,de;q=0.9,en;q=0.5"),
        );
        assert_eq!(locale(&headers).as_deref(), Some("de-DE"));
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("<script>"),
        );
        assert_eq!(locale(&headers), None);
    }

    #[test]
    fn utm_values_are_trimmed_and_capped() {
        let utm = Utm {
            utm_source: Some("  ig ".into()),
            utm_medium: Some("".into()),
            utm_campaign: Some("x".repeat(500)),
            ..Default::default()
        }
        .cleaned();
        assert_eq!(utm.utm_source.as_deref(), Some("ig"));
        assert_eq!(utm.utm_medium, None);
        assert_eq!(utm.utm_campaign.map(|c| c.len()), Some(200));
    }
}
