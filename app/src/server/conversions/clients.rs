//! HTTP clients for the ad platforms' server-side event APIs: Meta's Conversions API, TikTok's Events API 2.0 and
//! the GA4 Measurement Protocol. Contracts: ../shared/reference/external-apis.md §5.
//!
//! A client sends one batch for one pixel in one request and says what became of it; it never retries or waits
//! by itself, since the delivery queue owns retries (and survives restarts). Every event carries the id its
//! browser pixel fired with, so a batch sent twice (after a timeout that the platform in fact processed) is
//! deduplicated by Meta and TikTok instead of counted twice.
//!
//! Secrets (Meta's access token, TikTok's access token, GA4's API secret) travel in URLs and headers. None may
//! reach an error string, a log line or a `Debug` output: reqwest's errors are stripped of their URL, and every
//! text that leaves this module is scrubbed of the destination's secret besides.
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The Graph API version the docs' examples use; Meta supports each version for about two years.
pub const META_API_VERSION: &str = "v21.0";
/// Error text kept from a platform's answer; proxies can answer with whole HTML pages.
const MAX_MESSAGE_CHARS: usize = 300;
/// GA4's limit on a parameter's string value, and the larger ones for the page parameters.
const GA4_MAX_VALUE_CHARS: usize = 100;
const GA4_MAX_PAGE_LOCATION_CHARS: usize = 1000;
const GA4_MAX_PAGE_REFERRER_CHARS: usize = 420;
/// Graph error codes that mean "later" rather than "never": unknown error, service unavailable, and the
/// app, user, page and hourly rate limits (Meta sends these with HTTP 400, not 429).
const META_TRANSIENT_CODES: [i64; 7] = [1, 2, 4, 17, 32, 341, 613];
/// TikTok's "too many requests". TikTok's codes are not documented in a source we could verify
/// (external-apis.md §8.6); 40100 is the rate-limit code every client we found handles, and 5xxxx are its
/// system errors.
const TIKTOK_RATE_LIMITED: i64 = 40_100;
const TIKTOK_SYSTEM_ERRORS: std::ops::RangeInclusive<i64> = 50_000..=59_999;
/// Meta refuses events timestamped in the future; a little slack for clocks that disagree.
const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// An ad or analytics platform Dropday sends conversions to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Meta,
    Tiktok,
    Ga4,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Meta, Platform::Tiktok, Platform::Ga4];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Meta => "meta",
            Platform::Tiktok => "tiktok",
            Platform::Ga4 => "ga4",
        }
    }

    /// The name artists know it by.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Meta => "Meta",
            Platform::Tiktok => "TikTok",
            Platform::Ga4 => "Google Analytics 4",
        }
    }

    /// The prefix of this platform's error messages: short, since they end up in a dashboard table.
    pub fn short_label(self) -> &'static str {
        match self {
            Platform::Ga4 => "GA4",
            other => other.label(),
        }
    }
}

impl FromStr for Platform {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|platform| platform.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "platform",
                name: name.to_owned(),
            })
    }
}

/// What a fan did that counts as a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionKind {
    PageView,
    ClickOut,
    PreSave,
}

impl ConversionKind {
    pub const ALL: [ConversionKind; 3] = [
        ConversionKind::PageView,
        ConversionKind::ClickOut,
        ConversionKind::PreSave,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConversionKind::PageView => "page_view",
            ConversionKind::ClickOut => "click_out",
            ConversionKind::PreSave => "pre_save",
        }
    }
}

impl FromStr for ConversionKind {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        ConversionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "conversion kind",
                name: name.to_owned(),
            })
    }
}

/// A stored name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {name:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

/// The event name each platform gets (also what its browser pixel fires, so the two pair up):
/// Meta: PageView, Lead, CompleteRegistration; TikTok: ViewContent, ClickButton, CompleteRegistration;
/// GA4: page_view, click_out, pre_save.
///
/// Meta and TikTok deduplicate a pixel event and a server event only when both the name and the id match, so
/// this table is the one place both sides read their names from.
pub fn event_name(platform: Platform, kind: ConversionKind) -> &'static str {
    match (platform, kind) {
        (Platform::Meta, ConversionKind::PageView) => "PageView",
        (Platform::Meta, ConversionKind::ClickOut) => "Lead",
        (Platform::Meta, ConversionKind::PreSave) => "CompleteRegistration",
        (Platform::Tiktok, ConversionKind::PageView) => "ViewContent",
        (Platform::Tiktok, ConversionKind::ClickOut) => "ClickButton",
        (Platform::Tiktok, ConversionKind::PreSave) => "CompleteRegistration",
        (Platform::Ga4, kind) => kind.as_str(),
    }
}

/// The most events one request may carry: Meta and TikTok take 1,000, GA4 25.
pub fn max_batch(platform: Platform) -> usize {
    match platform {
        Platform::Meta | Platform::Tiktok => 1_000,
        Platform::Ga4 => 25,
    }
}

/// The oldest event a platform accepts. Meta: 7 days (one older event fails the whole request). TikTok: 7 days,
/// assumed — its Events API documentation we could verify does not say, and 7 days is what its help pages give
/// for web events. GA4: 72 hours of backdating.
pub fn max_age(platform: Platform) -> chrono::Duration {
    match platform {
        Platform::Meta | Platform::Tiktok => chrono::Duration::days(7),
        Platform::Ga4 => chrono::Duration::hours(72),
    }
}

const TOO_OLD: &str = "older than the platform accepts";

/// Whether a `why_unsendable` reason is the event's age (the queue words that one with the platform's limit).
pub fn is_too_old_reason(reason: &str) -> bool {
    reason == TOO_OLD
}

/// Why `event` cannot be sent to `platform` as it is, if it cannot: the platform would refuse it (and Meta the
/// whole batch with it), so the queue drops such events instead of sending them.
pub fn why_unsendable(
    platform: Platform,
    event: &OutgoingEvent,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    if now - event.event_time > max_age(platform) {
        return Some(TOO_OLD);
    }
    if (event.event_time - now).num_seconds() > MAX_CLOCK_SKEW_SECS {
        return Some("timestamped in the future");
    }
    match platform {
        Platform::Meta if present(&event.fan.user_agent).is_none() => {
            Some("Meta requires the browser's user agent for website events")
        }
        Platform::Ga4 if present(&event.fan.ga_client_id).is_none() => {
            Some("GA4 requires the client id from the _ga cookie")
        }
        _ => None,
    }
}

/// One configured pixel: where events go. Debug must NOT print `secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct Destination {
    pub platform: Platform,
    /// Meta pixel id / TikTok pixel code / GA4 measurement id (`G-…`).
    pub pixel_id: String,
    /// Meta CAPI access token / TikTok Events API access token / GA4 API secret.
    pub secret: String,
    /// Meta's and TikTok's `test_event_code` (events then show under Test Events); ignored for GA4.
    pub test_event_code: Option<String>,
}

impl fmt::Debug for Destination {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.secret.is_empty() {
            "[not set]"
        } else {
            "[redacted]"
        };
        formatter
            .debug_struct("Destination")
            .field("platform", &self.platform)
            .field("pixel_id", &self.pixel_id)
            .field("secret", &format_args!("{secret}"))
            .field("test_event_code", &self.test_event_code)
            .finish()
    }
}

/// What is known about the fan, held (encrypted) only until the event is delivered. Its `Debug` prints no
/// values: they identify a person.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FanContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Meta's `_fbc` and `_fbp` cookies, sent unhashed and unmodified (`fbclid` is case-sensitive).
    pub fbc: Option<String>,
    pub fbp: Option<String>,
    /// TikTok's click id (`ttclid` URL parameter or cookie) and `_ttp` cookie, sent unhashed.
    pub ttclid: Option<String>,
    pub ttp: Option<String>,
    /// GA4's client id (from the `_ga` cookie: `GA1.1.<client id>`) and session id (from `_ga_<container>`).
    pub ga_client_id: Option<String>,
    pub ga_session_id: Option<String>,
    /// Raw; the client hashes it (SHA-256 hex of the trimmed value) for Meta and TikTok; not sent to GA4.
    pub external_id: Option<String>,
}

impl fmt::Debug for FanContext {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("FanContext(…)")
    }
}

/// One conversion for one destination.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    pub kind: ConversionKind,
    /// The id the browser pixel fired with: how the platforms pair the two.
    pub event_id: String,
    pub event_time: DateTime<Utc>,
    /// The fan page URL.
    pub source_url: String,
    pub referrer_url: Option<String>,
    /// The streaming service key of a click-out (`spotify`).
    pub service: Option<String>,
    /// `Title by Artist`.
    pub content_name: Option<String>,
    pub fan: FanContext,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionClientsConfig {
    /// `https://graph.facebook.com` (requests go to `{meta_base_url}/{meta_api_version}/{pixel id}/events`).
    pub meta_base_url: String,
    pub meta_api_version: String,
    /// `https://business-api.tiktok.com` (requests go to `/open_api/v1.3/event/track/`).
    pub tiktok_base_url: String,
    /// `https://www.google-analytics.com` (requests go to `/mp/collect` and `/debug/mp/collect`).
    pub ga4_base_url: String,
    /// Per request, connecting included.
    pub timeout: Duration,
}

impl ConversionClientsConfig {
    /// The platforms' public endpoints.
    pub fn production(timeout: Duration) -> Self {
        ConversionClientsConfig {
            meta_base_url: "https://graph.facebook.com".to_owned(),
            meta_api_version: META_API_VERSION.to_owned(),
            tiktok_base_url: "https://business-api.tiktok.com".to_owned(),
            ga4_base_url: "https://www.google-analytics.com".to_owned(),
            timeout,
        }
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// Accepted. `detail` is short and human readable: "3 events received" (Meta), "OK, request <id>" (TikTok),
    /// "accepted" (GA4, which accepts anything: see `validate_ga4`).
    Sent { detail: String },
    /// Worth trying again later: 429 (with `Retry-After` when given), 5xx, a timeout or connection error, the
    /// platforms' rate-limit codes, and a success status with an unreadable body (resending is safe: the events
    /// carry their ids).
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// The platform refused the request (bad token, invalid event, ...): its own error message, e.g.
    /// "Meta: Invalid OAuth access token (code 190)". Not worth retrying as is.
    Rejected { error: String },
}

/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct ConversionClients {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ConversionClientsConfig,
    http: reqwest::Client,
}

/// An HTTP answer, read whole.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl ConversionClients {
    /// Builds the HTTP client once: no redirects (none of the APIs redirects, and a redirect must not carry a
    /// token elsewhere), the timeout for connecting and for the whole request, and a User-Agent naming us.
    pub fn new(config: ConversionClientsConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Dropday/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ConversionClients {
            inner: Arc::new(Inner { config, http }),
        })
    }

    pub fn config(&self) -> &ConversionClientsConfig {
        &self.inner.config
    }

    /// Sends `events` (all for `destination`) in ONE request. GA4: all events must share one `fan.ga_client_id`
    /// (the caller groups them); if not, or if it is missing, returns `Rejected` without a request. Events older
    /// than `max_age(platform)` are the caller's to drop (`why_unsendable`); if one slips in, Meta rejects the
    /// whole batch. More than `max_batch(platform)` events are refused without a request.
    pub async fn send(&self, destination: &Destination, events: &[OutgoingEvent]) -> SendOutcome {
        let label = destination.platform.short_label();
        if let Err(error) = check_request(destination, events) {
            return SendOutcome::Rejected {
                error: format!("{label}: {error}"),
            };
        }
        if events.is_empty() {
            return SendOutcome::Sent {
                detail: "nothing to send".to_owned(),
            };
        }
        let outcome = match destination.platform {
            Platform::Meta => self.send_meta(destination, events).await,
            Platform::Tiktok => self.send_tiktok(destination, events).await,
            Platform::Ga4 => self.send_ga4(destination, events).await,
        };
        match outcome {
            SendOutcome::Sent { detail } => SendOutcome::Sent {
                detail: redact(&detail, &destination.secret),
            },
            SendOutcome::Retry { error, after } => SendOutcome::Retry {
                error: redact(&format!("{label}: {error}"), &destination.secret),
                after,
            },
            SendOutcome::Rejected { error } => SendOutcome::Rejected {
                error: redact(&format!("{label}: {error}"), &destination.secret),
            },
        }
    }

    /// GA4 only: the same request to `/debug/mp/collect`, returning its validation messages as
    /// "fieldPath: description (validationCode)" strings (empty = valid). For the dashboard's "send a test
    /// event", since `/mp/collect` accepts anything. `Err` when the check itself could not be made.
    pub async fn validate_ga4(
        &self,
        destination: &Destination,
        events: &[OutgoingEvent],
    ) -> Result<Vec<String>, String> {
        if destination.platform != Platform::Ga4 {
            return Err(format!(
                "{} events cannot be validated with GA4's debug endpoint",
                destination.platform.label()
            ));
        }
        check_request(destination, events).map_err(|error| format!("GA4: {error}"))?;
        let answer = match self.ga4_request("debug/mp/collect", destination, events) {
            Ok(request) => self.exchange(request).await,
            Err(error) => Err(error),
        };
        let result = answer.and_then(|answer| {
            if !answer.status.is_success() {
                return Err(format!(
                    "HTTP {}: {}",
                    answer.status.as_u16(),
                    body_message(&answer.body)
                ));
            }
            parse_validation_messages(&answer.body)
        });
        result.map_err(|error| redact(&format!("GA4: {error}"), &destination.secret))
    }

    async fn send_meta(&self, destination: &Destination, events: &[OutgoingEvent]) -> SendOutcome {
        let config = &self.inner.config;
        let url = match endpoint(
            &config.meta_base_url,
            &[&config.meta_api_version, &destination.pixel_id, "events"],
        ) {
            Ok(url) => url,
            Err(error) => return SendOutcome::Rejected { error },
        };
        let request = self
            .inner
            .http
            .post(url)
            .query(&[("access_token", destination.secret.as_str())])
            .json(&meta_payload(destination, events));
        match self.exchange(request).await {
            Ok(answer) => meta_outcome(&answer),
            Err(error) => SendOutcome::Retry { error, after: None },
        }
    }

    async fn send_tiktok(
        &self,
        destination: &Destination,
        events: &[OutgoingEvent],
    ) -> SendOutcome {
        let url = match endpoint(
            &self.inner.config.tiktok_base_url,
            &["open_api", "v1.3", "event", "track", ""],
        ) {
            Ok(url) => url,
            Err(error) => return SendOutcome::Rejected { error },
        };
        let request = self
            .inner
            .http
            .post(url)
            .header("Access-Token", destination.secret.as_str())
            .json(&tiktok_payload(destination, events));
        match self.exchange(request).await {
            Ok(answer) => tiktok_outcome(&answer),
            Err(error) => SendOutcome::Retry { error, after: None },
        }
    }

    async fn send_ga4(&self, destination: &Destination, events: &[OutgoingEvent]) -> SendOutcome {
        let request = match self.ga4_request("mp/collect", destination, events) {
            Ok(request) => request,
            Err(error) => return SendOutcome::Rejected { error },
        };
        match self.exchange(request).await {
            Ok(answer) => ga4_outcome(&answer),
            Err(error) => SendOutcome::Retry { error, after: None },
        }
    }

    /// A GA4 request to `path` (`mp/collect` or `debug/mp/collect`); `check_request` has made sure every event
    /// has the same client id.
    fn ga4_request(
        &self,
        path: &str,
        destination: &Destination,
        events: &[OutgoingEvent],
    ) -> Result<reqwest::RequestBuilder, String> {
        let segments: Vec<&str> = path.split('/').collect();
        let url = endpoint(&self.inner.config.ga4_base_url, &segments)?;
        Ok(self
            .inner
            .http
            .post(url)
            .query(&[
                ("measurement_id", destination.pixel_id.as_str()),
                ("api_secret", destination.secret.as_str()),
            ])
            .json(&ga4_payload(events)))
    }

    /// Sends `request` and reads the whole answer; `Err` is what went wrong on the wire, without the URL.
    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<Answer, String> {
        let response = request.send().await.map_err(transport_message)?;
        let status = response.status();
        let retry_after = crate::server::catalog::retry_after(response.headers());
        let body = response.bytes().await.map_err(transport_message)?;
        Ok(Answer {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }
}

/// What makes a request pointless to send: missing credentials, too many events, GA4 events without one shared
/// client id.
fn check_request(destination: &Destination, events: &[OutgoingEvent]) -> Result<(), String> {
    let platform = destination.platform;
    if destination.pixel_id.trim().is_empty() {
        return Err(match platform {
            Platform::Meta => "no pixel id is configured",
            Platform::Tiktok => "no pixel code is configured",
            Platform::Ga4 => "no measurement id is configured",
        }
        .to_owned());
    }
    if destination.secret.trim().is_empty() {
        return Err(match platform {
            Platform::Meta | Platform::Tiktok => "no access token is configured",
            Platform::Ga4 => "no API secret is configured",
        }
        .to_owned());
    }
    if events.len() > max_batch(platform) {
        return Err(format!(
            "{} events in one request; at most {} are accepted",
            events.len(),
            max_batch(platform)
        ));
    }
    if platform == Platform::Ga4 {
        ga4_client_id(events)?;
    }
    Ok(())
}

/// The one client id a GA4 batch is sent for.
fn ga4_client_id(events: &[OutgoingEvent]) -> Result<Option<&str>, String> {
    let mut shared: Option<&str> = None;
    for event in events {
        let Some(client_id) = present(&event.fan.ga_client_id) else {
            return Err(format!(
                "event {} has no client id (from the _ga cookie), which GA4 requires",
                event.event_id
            ));
        };
        match shared {
            Some(first) if first != client_id => return Err(
                "the events belong to different client ids; GA4 takes one client id per request"
                    .to_owned(),
            ),
            _ => shared = Some(client_id),
        }
    }
    Ok(shared)
}

/// `{base}/{segments…}` with each segment percent-encoded, so a pixel id can never change the path.
fn endpoint(base: &str, segments: &[&str]) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(base.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| "the configured base URL is not an http(s) URL".to_owned())?;
    url.path_segments_mut()
        .map_err(|()| "the configured base URL cannot take a path".to_owned())?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

// Payloads.

fn meta_payload(destination: &Destination, events: &[OutgoingEvent]) -> Value {
    let data: Vec<Value> = events
        .iter()
        .map(|event| {
            let fan = &event.fan;
            let mut user_data = Map::new();
            insert_present(&mut user_data, "client_ip_address", &fan.ip);
            insert_present(&mut user_data, "client_user_agent", &fan.user_agent);
            insert_present(&mut user_data, "fbc", &fan.fbc);
            insert_present(&mut user_data, "fbp", &fan.fbp);
            if let Some(hash) = fan.external_id.as_deref().and_then(hash_external_id) {
                user_data.insert("external_id".to_owned(), json!([hash]));
            }
            let mut custom_data = Map::new();
            insert_present(&mut custom_data, "content_name", &event.content_name);
            insert_present(&mut custom_data, "content_category", &event.service);
            let mut object = Map::new();
            object.insert(
                "event_name".to_owned(),
                json!(event_name(Platform::Meta, event.kind)),
            );
            object.insert("event_time".to_owned(), json!(event.event_time.timestamp()));
            object.insert("event_id".to_owned(), json!(event.event_id));
            object.insert("action_source".to_owned(), json!("website"));
            object.insert("event_source_url".to_owned(), json!(event.source_url));
            object.insert("user_data".to_owned(), Value::Object(user_data));
            if !custom_data.is_empty() {
                object.insert("custom_data".to_owned(), Value::Object(custom_data));
            }
            Value::Object(object)
        })
        .collect();
    let mut payload = Map::new();
    payload.insert("data".to_owned(), Value::Array(data));
    insert_present(
        &mut payload,
        "test_event_code",
        &destination.test_event_code,
    );
    Value::Object(payload)
}

fn tiktok_payload(destination: &Destination, events: &[OutgoingEvent]) -> Value {
    let data: Vec<Value> = events
        .iter()
        .map(|event| {
            let fan = &event.fan;
            let mut user = Map::new();
            insert_present(&mut user, "ttclid", &fan.ttclid);
            insert_present(&mut user, "ttp", &fan.ttp);
            if let Some(hash) = fan.external_id.as_deref().and_then(hash_external_id) {
                user.insert("external_id".to_owned(), json!(hash));
            }
            insert_present(&mut user, "ip", &fan.ip);
            insert_present(&mut user, "user_agent", &fan.user_agent);
            let mut page = Map::new();
            page.insert("url".to_owned(), json!(event.source_url));
            insert_present(&mut page, "referrer", &event.referrer_url);
            let mut properties = Map::new();
            insert_present(&mut properties, "content_name", &event.content_name);
            insert_present(&mut properties, "description", &event.service);
            let mut object = Map::new();
            object.insert(
                "event".to_owned(),
                json!(event_name(Platform::Tiktok, event.kind)),
            );
            object.insert("event_time".to_owned(), json!(event.event_time.timestamp()));
            object.insert("event_id".to_owned(), json!(event.event_id));
            object.insert("user".to_owned(), Value::Object(user));
            object.insert("page".to_owned(), Value::Object(page));
            if !properties.is_empty() {
                object.insert("properties".to_owned(), Value::Object(properties));
            }
            Value::Object(object)
        })
        .collect();
    let mut payload = Map::new();
    payload.insert("event_source".to_owned(), json!("web"));
    payload.insert("event_source_id".to_owned(), json!(destination.pixel_id));
    insert_present(
        &mut payload,
        "test_event_code",
        &destination.test_event_code,
    );
    payload.insert("data".to_owned(), Value::Array(data));
    Value::Object(payload)
}

/// GA4's body. The request's `timestamp_micros` is the earliest event's time (so the 72-hour limit is checked
/// against the oldest), and each event carries its own, which GA4 lets override the request's.
fn ga4_payload(events: &[OutgoingEvent]) -> Value {
    let client_id = ga4_client_id(events).ok().flatten().unwrap_or_default();
    let earliest = events.iter().map(|event| event.event_time).min();
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            let mut params = Map::new();
            params.insert(
                "event_id".to_owned(),
                json!(truncate_chars(&event.event_id, GA4_MAX_VALUE_CHARS)),
            );
            params.insert(
                "page_location".to_owned(),
                json!(truncate_chars(
                    &event.source_url,
                    GA4_MAX_PAGE_LOCATION_CHARS
                )),
            );
            if let Some(referrer) = present(&event.referrer_url) {
                params.insert(
                    "page_referrer".to_owned(),
                    json!(truncate_chars(referrer, GA4_MAX_PAGE_REFERRER_CHARS)),
                );
            }
            for (name, value) in [
                ("service", &event.service),
                ("content_name", &event.content_name),
                ("session_id", &event.fan.ga_session_id),
            ] {
                if let Some(value) = present(value) {
                    params.insert(
                        name.to_owned(),
                        json!(truncate_chars(value, GA4_MAX_VALUE_CHARS)),
                    );
                }
            }
            // Without it GA4 does not count the fan as active (Realtime, engagement); 1 ms claims nothing more.
            params.insert("engagement_time_msec".to_owned(), json!(1));
            json!({
                "name": event_name(Platform::Ga4, event.kind),
                "timestamp_micros": event.event_time.timestamp_micros(),
                "params": params,
            })
        })
        .collect();
    let mut payload = Map::new();
    payload.insert("client_id".to_owned(), json!(client_id));
    if let Some(earliest) = earliest {
        payload.insert(
            "timestamp_micros".to_owned(),
            json!(earliest.timestamp_micros()),
        );
    }
    payload.insert("events".to_owned(), Value::Array(events));
    Value::Object(payload)
}

/// SHA-256 hex of the trimmed value (what Meta and TikTok expect for `external_id`); `None` for a blank one.
pub fn hash_external_id(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| hex::encode(Sha256::digest(trimmed.as_bytes())))
}

/// The value unless absent or blank. Values are sent as they are: Meta's `fbclid` is case-sensitive and must
/// not be modified.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.trim().is_empty())
}

fn insert_present(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = present(value) {
        object.insert(key.to_owned(), json!(value));
    }
}

// Answers.

#[derive(Deserialize)]
struct MetaSuccess {
    events_received: u64,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    message: Option<String>,
    code: Option<i64>,
    error_subcode: Option<i64>,
    is_transient: Option<bool>,
    error_user_title: Option<String>,
    error_user_msg: Option<String>,
}

impl GraphError {
    /// "Invalid parameter: Event Timestamp Too Old: The timestamp … (code 100, subcode 2804003)": Graph's own
    /// `message` is often generic, and the user title and message say what was wrong.
    fn describe(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for part in [&self.message, &self.error_user_title, &self.error_user_msg]
            .into_iter()
            .filter_map(present)
        {
            if !parts.iter().any(|known| known.contains(part.trim())) {
                parts.push(part.trim());
            }
        }
        let mut text = if parts.is_empty() {
            "unknown error".to_owned()
        } else {
            parts.join(": ")
        };
        match (self.code, self.error_subcode) {
            (Some(code), Some(subcode)) => {
                text.push_str(&format!(" (code {code}, subcode {subcode})"))
            }
            (Some(code), None) => text.push_str(&format!(" (code {code})")),
            _ => {}
        }
        text
    }
}

fn meta_outcome(answer: &Answer) -> SendOutcome {
    let status = answer.status;
    if status.is_success() {
        return match serde_json::from_slice::<MetaSuccess>(&answer.body) {
            Ok(success) => SendOutcome::Sent {
                detail: match success.events_received {
                    1 => "1 event received".to_owned(),
                    n => format!("{n} events received"),
                },
            },
            Err(_) => unreadable(answer),
        };
    }
    let graph = serde_json::from_slice::<GraphErrorBody>(&answer.body).ok();
    let error = match &graph {
        Some(body) => body.error.describe(),
        None => format!("HTTP {}: {}", status.as_u16(), body_message(&answer.body)),
    };
    let transient = graph.as_ref().is_some_and(|body| {
        body.error.is_transient == Some(true)
            || body
                .error
                .code
                .is_some_and(|code| META_TRANSIENT_CODES.contains(&code))
    });
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || transient {
        SendOutcome::Retry {
            error,
            after: answer.retry_after,
        }
    } else {
        SendOutcome::Rejected { error }
    }
}

#[derive(Deserialize)]
struct TiktokAnswer {
    code: i64,
    message: Option<String>,
    request_id: Option<String>,
}

fn tiktok_outcome(answer: &Answer) -> SendOutcome {
    let status = answer.status;
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return SendOutcome::Retry {
            error: format!("HTTP {}: {}", status.as_u16(), body_message(&answer.body)),
            after: answer.retry_after,
        };
    }
    if !status.is_success() {
        return SendOutcome::Rejected {
            error: format!("HTTP {}: {}", status.as_u16(), body_message(&answer.body)),
        };
    }
    // Errors come as HTTP 200 with a non-zero `code`.
    let Ok(body) = serde_json::from_slice::<TiktokAnswer>(&answer.body) else {
        return unreadable(answer);
    };
    let message = body
        .message
        .as_deref()
        .map(str::trim)
        .filter(|message| !message.is_empty());
    if body.code == 0 {
        let message = message.unwrap_or("OK");
        return SendOutcome::Sent {
            detail: match body.request_id.as_deref().filter(|id| !id.is_empty()) {
                Some(id) => format!("{message}, request {id}"),
                None => message.to_owned(),
            },
        };
    }
    let error = format!(
        "{} (code {})",
        truncate_chars(message.unwrap_or("error"), MAX_MESSAGE_CHARS),
        body.code
    );
    if body.code == TIKTOK_RATE_LIMITED || TIKTOK_SYSTEM_ERRORS.contains(&body.code) {
        SendOutcome::Retry {
            error,
            after: answer.retry_after,
        }
    } else {
        SendOutcome::Rejected { error }
    }
}

/// `/mp/collect` answers 2xx whatever it thinks of the events, so a 2xx says only that the request arrived.
fn ga4_outcome(answer: &Answer) -> SendOutcome {
    let status = answer.status;
    if status.is_success() {
        return SendOutcome::Sent {
            detail: "accepted".to_owned(),
        };
    }
    let error = format!("HTTP {}: {}", status.as_u16(), body_message(&answer.body));
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        SendOutcome::Retry {
            error,
            after: answer.retry_after,
        }
    } else {
        SendOutcome::Rejected { error }
    }
}

/// A success status with a body not in the documented shape. Retried rather than dropped: the platform may not
/// have taken the events, and if it did, the resent ones are deduplicated by their ids.
fn unreadable(answer: &Answer) -> SendOutcome {
    SendOutcome::Retry {
        error: format!(
            "HTTP {} with an answer we could not read: {}",
            answer.status.as_u16(),
            body_message(&answer.body)
        ),
        after: answer.retry_after,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationAnswer {
    /// Required: the debug endpoint always sends it, empty when all is well, so an answer without it is not one
    /// to read as "valid".
    validation_messages: Vec<ValidationMessage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationMessage {
    #[serde(default)]
    field_path: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    validation_code: String,
}

fn parse_validation_messages(body: &[u8]) -> Result<Vec<String>, String> {
    let answer: ValidationAnswer = serde_json::from_slice(body).map_err(|_| {
        format!(
            "the debug endpoint's answer could not be read: {}",
            body_message(body)
        )
    })?;
    Ok(answer
        .validation_messages
        .into_iter()
        .map(|message| {
            let text = match message.field_path.trim() {
                "" => message.description,
                path => format!("{path}: {}", message.description),
            };
            match message.validation_code.trim() {
                "" => text,
                code => format!("{text} ({code})"),
            }
        })
        .collect())
}

/// A body's message for an error string: the JSON error message when there is one, else the (shortened) text.
fn body_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|json| {
        let message = json
            .pointer("/error/message")
            .or_else(|| json.get("message"))
            .or_else(|| json.get("error"))?;
        message.as_str().map(str::to_owned)
    });
    let message = from_json.unwrap_or_else(|| text.to_owned());
    if message.trim().is_empty() {
        "empty answer".to_owned()
    } else {
        // Whole: `redact` must see an echoed secret entire before anything is cut (it cuts after).
        message.trim().to_owned()
    }
}

/// What went wrong on the wire. reqwest's errors name the URL, and Meta's and GA4's URLs carry the secret, so
/// the URL is dropped before anything is turned into text.
fn transport_message(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    if error.is_connect() {
        return "could not connect".to_owned();
    }
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    truncate_chars(&message, MAX_MESSAGE_CHARS)
}

/// `text` with every occurrence of `secret` (raw or percent-encoded) blanked. Belt and braces: no text should
/// contain it in the first place, but a platform or proxy echoing a request line must not leak it either.
fn redact(text: &str, secret: &str) -> String {
    let secret = secret.trim();
    if secret.len() < 4 {
        return truncate_chars(text, MAX_MESSAGE_CHARS + 100);
    }
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let redacted = text
        .replace(secret, "[redacted]")
        .replace(&encoded, "[redacted]");
    // Cut only now, so that no part of a secret survives at the cut.
    truncate_chars(&redacted, MAX_MESSAGE_CHARS + 100)
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "EAAB-very-secret-token-42";

    fn destination(platform: Platform) -> Destination {
        Destination {
            platform,
            pixel_id: match platform {
                Platform::Meta => "123456789012345",
                Platform::Tiktok => "CABCDEFGHIJ1234567",
                Platform::Ga4 => "G-TEST123",
            }
            .to_owned(),
            secret: SECRET.to_owned(),
            test_event_code: Some("TEST4321".to_owned()),
        }
    }

    fn full_fan() -> FanContext {
        FanContext {
            ip: Some("203.0.113.7".to_owned()),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".to_owned()),
            fbc: Some("fb.1.1712345678901.IwAR0AbCdEf".to_owned()),
            fbp: Some("fb.1.1712345678901.1234567890".to_owned()),
            ttclid: Some("E.C.P.CscBAbc".to_owned()),
            ttp: Some("2XyZttpCookie".to_owned()),
            ga_client_id: Some("1234567890.1712345678".to_owned()),
            ga_session_id: Some("1712345678".to_owned()),
            external_id: Some("  abc ".to_owned()),
        }
    }

    fn event(kind: ConversionKind, fan: FanContext) -> OutgoingEvent {
        OutgoingEvent {
            kind,
            event_id: "ev-1".to_owned(),
            event_time: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
            source_url: "https://drop.example/nova-lights/afterglow".to_owned(),
            referrer_url: Some("https://instagram.com/".to_owned()),
            service: Some("spotify".to_owned()),
            content_name: Some("Afterglow Atlas by Nova Lights".to_owned()),
            fan,
        }
    }

    /// SHA-256("abc"), the FIPS 180-2 test vector: what `"  abc "` hashes to once trimmed.
    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn names_round_trip() {
        for platform in Platform::ALL {
            assert_eq!(platform.as_str().parse::<Platform>(), Ok(platform));
            assert_eq!(
                serde_json::to_value(platform).unwrap(),
                json!(platform.as_str())
            );
        }
        for kind in ConversionKind::ALL {
            assert_eq!(kind.as_str().parse::<ConversionKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        assert!("Meta".parse::<Platform>().is_err());
        assert!("pageview".parse::<ConversionKind>().is_err());
        assert_eq!(Platform::Tiktok.label(), "TikTok");
        assert_eq!(Platform::Ga4.label(), "Google Analytics 4");
    }

    #[test]
    fn event_names_pair_with_the_pixels() {
        use ConversionKind::*;
        let table = [
            (Platform::Meta, ["PageView", "Lead", "CompleteRegistration"]),
            (
                Platform::Tiktok,
                ["ViewContent", "ClickButton", "CompleteRegistration"],
            ),
            (Platform::Ga4, ["page_view", "click_out", "pre_save"]),
        ];
        for (platform, names) in table {
            for (kind, name) in [PageView, ClickOut, PreSave].into_iter().zip(names) {
                assert_eq!(event_name(platform, kind), name);
            }
        }
        assert_eq!(max_batch(Platform::Ga4), 25);
        assert_eq!(max_age(Platform::Ga4), chrono::Duration::hours(72));
    }

    #[test]
    fn external_ids_are_hashed_trimmed_and_blank_ones_dropped() {
        assert_eq!(hash_external_id("  abc \n").as_deref(), Some(ABC_SHA256));
        assert_eq!(hash_external_id("abc").as_deref(), Some(ABC_SHA256));
        // Trimmed, not lowercased: an external id is the caller's own opaque value.
        assert_ne!(hash_external_id("ABC").as_deref(), Some(ABC_SHA256));
        assert_eq!(hash_external_id("   "), None);
    }

    #[test]
    fn meta_payload_is_the_documented_shape() {
        let destination = destination(Platform::Meta);
        let payload = meta_payload(&destination, &[event(ConversionKind::ClickOut, full_fan())]);
        assert_eq!(
            payload,
            json!({
                "data": [{
                    "event_name": "Lead",
                    "event_time": 1_772_366_400,
                    "event_id": "ev-1",
                    "action_source": "website",
                    "event_source_url": "https://drop.example/nova-lights/afterglow",
                    "user_data": {
                        "client_ip_address": "203.0.113.7",
                        "client_user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                        "fbc": "fb.1.1712345678901.IwAR0AbCdEf",
                        "fbp": "fb.1.1712345678901.1234567890",
                        "external_id": [ABC_SHA256],
                    },
                    "custom_data": {
                        "content_name": "Afterglow Atlas by Nova Lights",
                        "content_category": "spotify",
                    },
                }],
                "test_event_code": "TEST4321",
            })
        );

        // Absent and blank values are left out, and so is an empty custom_data.
        let mut bare = event(
            ConversionKind::PageView,
            FanContext {
                user_agent: Some("UA".to_owned()),
                fbc: Some("  ".to_owned()),
                ..FanContext::default()
            },
        );
        bare.service = None;
        bare.content_name = None;
        let no_test_code = Destination {
            test_event_code: None,
            ..destination
        };
        let payload = meta_payload(&no_test_code, &[bare]);
        assert_eq!(
            payload["data"][0]["user_data"],
            json!({"client_user_agent": "UA"})
        );
        assert!(payload["data"][0].get("custom_data").is_none());
        assert!(payload.get("test_event_code").is_none());
        assert_eq!(payload["data"][0]["event_name"], "PageView");
    }

    #[test]
    fn tiktok_payload_is_the_documented_shape() {
        let payload = tiktok_payload(
            &destination(Platform::Tiktok),
            &[event(ConversionKind::PreSave, full_fan())],
        );
        assert_eq!(
            payload,
            json!({
                "event_source": "web",
                "event_source_id": "CABCDEFGHIJ1234567",
                "test_event_code": "TEST4321",
                "data": [{
                    "event": "CompleteRegistration",
                    "event_time": 1_772_366_400,
                    "event_id": "ev-1",
                    "user": {
                        "ttclid": "E.C.P.CscBAbc",
                        "ttp": "2XyZttpCookie",
                        "external_id": ABC_SHA256,
                        "ip": "203.0.113.7",
                        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                    },
                    "page": {
                        "url": "https://drop.example/nova-lights/afterglow",
                        "referrer": "https://instagram.com/",
                    },
                    "properties": {
                        "content_name": "Afterglow Atlas by Nova Lights",
                        "description": "spotify",
                    },
                }],
            })
        );
    }

    #[test]
    fn ga4_payload_is_the_documented_shape_within_its_limits() {
        let mut first = event(ConversionKind::PageView, full_fan());
        first.event_time = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 5).unwrap();
        let mut second = event(ConversionKind::ClickOut, full_fan());
        second.event_id = "ev-2".to_owned();
        second.referrer_url = None;
        second.content_name = Some("é".repeat(150));
        let payload = ga4_payload(&[first, second]);
        assert_eq!(
            payload,
            json!({
                "client_id": "1234567890.1712345678",
                // The earliest of the two.
                "timestamp_micros": 1_772_366_400_000_000_i64,
                "events": [
                    {
                        "name": "page_view",
                        "timestamp_micros": 1_772_366_405_000_000_i64,
                        "params": {
                            "event_id": "ev-1",
                            "page_location": "https://drop.example/nova-lights/afterglow",
                            "page_referrer": "https://instagram.com/",
                            "service": "spotify",
                            "content_name": "Afterglow Atlas by Nova Lights",
                            "session_id": "1712345678",
                            "engagement_time_msec": 1,
                        },
                    },
                    {
                        "name": "click_out",
                        "timestamp_micros": 1_772_366_400_000_000_i64,
                        "params": {
                            "event_id": "ev-2",
                            "page_location": "https://drop.example/nova-lights/afterglow",
                            "service": "spotify",
                            "content_name": "é".repeat(100),
                            "session_id": "1712345678",
                            "engagement_time_msec": 1,
                        },
                    },
                ],
            })
        );
    }

    #[test]
    fn requests_that_cannot_succeed_are_refused_before_sending() {
        let ga4 = destination(Platform::Ga4);
        let one = event(ConversionKind::PageView, full_fan());
        let mut other = one.clone();
        other.fan.ga_client_id = Some("999.888".to_owned());
        let error = check_request(&ga4, &[one.clone(), other]).unwrap_err();
        assert!(error.contains("different client ids"), "{error}");
        let mut missing = one.clone();
        missing.fan.ga_client_id = None;
        let error = check_request(&ga4, &[missing]).unwrap_err();
        assert!(error.contains("no client id"), "{error}");
        assert_eq!(check_request(&ga4, &[one.clone(), one.clone()]), Ok(()));

        let too_many = vec![one.clone(); 26];
        assert!(check_request(&ga4, &too_many)
            .unwrap_err()
            .contains("26 events"));
        let meta = destination(Platform::Meta);
        assert_eq!(check_request(&meta, &too_many), Ok(()));
        let no_token = Destination {
            secret: " ".to_owned(),
            ..meta
        };
        assert!(check_request(&no_token, &[one]).is_err());
    }

    #[test]
    fn unsendable_events_are_named() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let mut fresh = event(ConversionKind::PageView, full_fan());
        fresh.event_time = now - chrono::Duration::hours(1);
        for platform in Platform::ALL {
            assert_eq!(why_unsendable(platform, &fresh, now), None);
        }
        let mut stale = fresh.clone();
        stale.event_time = now - chrono::Duration::hours(80);
        assert!(why_unsendable(Platform::Ga4, &stale, now).is_some());
        assert_eq!(why_unsendable(Platform::Meta, &stale, now), None);
        stale.event_time = now - chrono::Duration::days(8);
        assert!(why_unsendable(Platform::Meta, &stale, now).is_some());
        let mut no_agent = fresh.clone();
        no_agent.fan.user_agent = None;
        assert!(why_unsendable(Platform::Meta, &no_agent, now).is_some());
        assert_eq!(why_unsendable(Platform::Tiktok, &no_agent, now), None);
    }

    #[test]
    fn meta_answers_are_read() {
        assert_eq!(
            meta_outcome(&answer(
                200,
                r#"{"events_received":3,"messages":[],"fbtrace_id":"AbC"}"#
            )),
            SendOutcome::Sent {
                detail: "3 events received".to_owned()
            }
        );
        assert_eq!(
            meta_outcome(&answer(
                400,
                r#"{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"x"}}"#
            )),
            SendOutcome::Rejected {
                error: "Invalid OAuth access token - Cannot parse access token (code 190)"
                    .to_owned()
            }
        );
        let stale = meta_outcome(&answer(
            400,
            r#"{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"error_subcode":2804003,"is_transient":false,"error_user_title":"Event Timestamp Too Old","error_user_msg":"The timestamp for this event is more than 7 days in the past.","fbtrace_id":"x"}}"#,
        ));
        assert_eq!(
            stale,
            SendOutcome::Rejected {
                error: "Invalid parameter: Event Timestamp Too Old: The timestamp for this event is more than 7 days in the past. (code 100, subcode 2804003)".to_owned()
            }
        );
        // Meta's rate limits come as 400s with their own codes.
        assert!(matches!(
            meta_outcome(&answer(
                400,
                r#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}"#
            )),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            meta_outcome(&answer(503, "<html>Service Unavailable</html>")),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            meta_outcome(&answer(200, r#"{"data":null}"#)),
            SendOutcome::Retry { .. }
        ));
    }

    #[test]
    fn tiktok_answers_are_read() {
        assert_eq!(
            tiktok_outcome(&answer(
                200,
                r#"{"code":0,"message":"OK","request_id":"2026030112000001","data":{}}"#
            )),
            SendOutcome::Sent {
                detail: "OK, request 2026030112000001".to_owned()
            }
        );
        assert_eq!(
            tiktok_outcome(&answer(
                200,
                r#"{"code":40105,"message":"Access token is invalid or has been revoked.","request_id":"r"}"#
            )),
            SendOutcome::Rejected {
                error: "Access token is invalid or has been revoked. (code 40105)".to_owned()
            }
        );
        for code in [40_100, 50_000] {
            let body = format!(r#"{{"code":{code},"message":"later","request_id":"r"}}"#);
            assert!(
                matches!(
                    tiktok_outcome(&answer(200, &body)),
                    SendOutcome::Retry { .. }
                ),
                "{code}"
            );
        }
        assert!(matches!(
            tiktok_outcome(&answer(200, "not json")),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            tiktok_outcome(&answer(401, "Unauthorized")),
            SendOutcome::Rejected { .. }
        ));
    }

    #[test]
    fn ga4_validation_messages_are_formatted() {
        let body = r#"{"validationMessages":[
            {"fieldPath":"events[0].name","description":"Event name is reserved.","validationCode":"NAME_RESERVED"},
            {"description":"Unable to parse.","validationCode":"VALUE_INVALID"}
        ]}"#;
        assert_eq!(
            parse_validation_messages(body.as_bytes()).unwrap(),
            vec![
                "events[0].name: Event name is reserved. (NAME_RESERVED)".to_owned(),
                "Unable to parse. (VALUE_INVALID)".to_owned(),
            ]
        );
        assert_eq!(
            parse_validation_messages(br#"{"validationMessages":[]}"#).unwrap(),
            Vec::<String>::new()
        );
        assert!(parse_validation_messages(b"<html>").is_err());
        assert!(parse_validation_messages(br#"{"data":null}"#).is_err());
    }

    #[test]
    fn secrets_never_show() {
        let destination = destination(Platform::Meta);
        let debug = format!("{destination:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(debug.contains("[redacted]") && debug.contains("123456789012345"));

        let fan = full_fan();
        assert_eq!(format!("{fan:?}"), "FanContext(…)");
        let event_debug = format!("{:?}", event(ConversionKind::PageView, fan));
        for value in ["203.0.113.7", "IwAR0AbCdEf", "1234567890.1712345678", "abc"] {
            assert!(!event_debug.contains(value), "{event_debug}");
        }

        // A platform echoing the request line cannot leak the token through an error either.
        let echoed = format!("bad request: POST /v21.0/1/events?access_token={SECRET}");
        assert_eq!(
            redact(&echoed, SECRET),
            "bad request: POST /v21.0/1/events?access_token=[redacted]"
        );
        let encoded = redact("token=a%2Bb%2Fc%3D%3D", "a+b/c==");
        assert_eq!(encoded, "token=[redacted]");
    }

    #[tokio::test]
    async fn transport_errors_carry_neither_the_url_nor_the_secret() {
        // Nothing listens on port 1: the connection is refused, and reqwest's error would name the URL, which
        // carries Meta's token and GA4's secret.
        let base = "http://127.0.0.1:1".to_owned();
        let clients = ConversionClients::new(ConversionClientsConfig {
            meta_base_url: base.clone(),
            meta_api_version: META_API_VERSION.to_owned(),
            tiktok_base_url: base.clone(),
            ga4_base_url: base,
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        for platform in Platform::ALL {
            let destination = destination(platform);
            let outcome = clients
                .send(&destination, &[event(ConversionKind::PageView, full_fan())])
                .await;
            let SendOutcome::Retry { error, after: None } = &outcome else {
                panic!("{outcome:?}");
            };
            assert!(!error.contains(SECRET), "{error}");
            assert!(!error.contains("127.0.0.1"), "{error}");
            assert!(error.starts_with(platform.short_label()), "{error}");
        }
        let error = clients
            .validate_ga4(
                &destination(Platform::Ga4),
                &[event(ConversionKind::PageView, full_fan())],
            )
            .await
            .unwrap_err();
        assert!(!error.contains(SECRET), "{error}");

        // A server that hangs up mid-request: neither a timeout nor a refused connection, so the message is
        // reqwest's own, whose text names the URL unless it is taken out.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(Platform::ALL.len()) {
                drop(stream);
            }
        });
        let base = format!("http://{address}");
        let hanging_up = ConversionClients::new(ConversionClientsConfig {
            meta_base_url: base.clone(),
            meta_api_version: META_API_VERSION.to_owned(),
            tiktok_base_url: base.clone(),
            ga4_base_url: base,
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        for platform in Platform::ALL {
            let outcome = hanging_up
                .send(
                    &destination(platform),
                    &[event(ConversionKind::PageView, full_fan())],
                )
                .await;
            let SendOutcome::Retry { error, .. } = &outcome else {
                panic!("{outcome:?}");
            };
            assert!(!error.contains(SECRET), "{error}");
            assert!(!error.contains(&address.to_string()), "{error}");
            assert!(!error.contains("could not connect"), "{error}");
        }

        // Too many events are refused without a request: a refused connection would have said Retry.
        let too_many = vec![event(ConversionKind::PageView, full_fan()); 1_001];
        assert!(matches!(
            clients.send(&destination(Platform::Meta), &too_many).await,
            SendOutcome::Rejected { .. }
        ));
    }
}
