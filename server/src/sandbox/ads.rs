//! A fake of the ad platforms, browser and server side, on one loopback port: Meta's Conversions API
//! (`POST /{version}/{pixel id}/events`), TikTok's Events API 2.0 (`POST /open_api/v1.3/event/track/`) and the GA4
//! Measurement Protocol (`POST /mp/collect`, `POST /debug/mp/collect`), each validating what the real one
//! validates and answering in its own error format; and tiny stand-ins for the three browser pixels
//! (`/en_US/fbevents.js`, `/i18n/pixel/events.js`, `/gtag/js`) that consume the official base-code stubs and
//! report each event they fire back here. Tests (and the local sandbox) can then check what Meta and TikTok
//! would deduplicate: a server event and a browser event of the same pixel, event name and event id.
//! Contract: ../shared/reference/external-apis.md §5 and §7.
//!
//! A request the platform would refuse records nothing. `/mp/collect` answers 204 whatever it is sent, as the
//! real one does; the events it would drop land in `discarded` instead of `server_events`.
use super::control::{self, faults_and_log, lock, Control, Fault, Running};
use app::server::clock::{SharedClock, SystemClock};
use app::server::conversions::clients::{ConversionClientsConfig, Platform};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// TikTok's Events API path; faults for it are queued with this prefix.
pub const TIKTOK_TRACK_PATH: &str = "/open_api/v1.3/event/track/";
pub const GA4_COLLECT_PATH: &str = "/mp/collect";
pub const GA4_DEBUG_PATH: &str = "/debug/mp/collect";
/// Where the fake browser scripts report the events they fire.
pub const META_PIXEL_REPORT_PATH: &str = "/tr";
pub const TIKTOK_PIXEL_REPORT_PATH: &str = "/tiktok/track";
pub const GA4_PIXEL_REPORT_PATH: &str = "/g/collect";

const MAX_EVENTS: usize = 1_000;
const MAX_AGE_SECS: i64 = 7 * 24 * 3600;
const GA4_MAX_AGE_SECS: i64 = 72 * 3600;
/// How far in the future an event time may be before it is refused: a few minutes of clock disagreement.
const MAX_FUTURE_SECS: i64 = 300;
const GA4_MAX_EVENTS: usize = 25;
const GA4_MAX_PARAMS: usize = 25;
const GA4_MAX_NAME_CHARS: usize = 40;
/// Meta's `action_source` values.
const ACTION_SOURCES: &[&str] = &[
    "website",
    "app",
    "email",
    "phone_call",
    "chat",
    "physical_store",
    "system_generated",
    "business_messaging",
    "other",
];
/// Meta's customer information parameters that must be SHA-256 hashed.
const META_HASHED_FIELDS: &[&str] = &[
    "em",
    "ph",
    "external_id",
    "fn",
    "ln",
    "ge",
    "db",
    "ct",
    "st",
    "zp",
    "country",
];
/// Event names the Measurement Protocol refuses (collected automatically by Google's own tags).
const GA4_RESERVED_EVENTS: &[&str] = &[
    "ad_activeview",
    "ad_click",
    "ad_exposure",
    "ad_impression",
    "ad_query",
    "ad_reward",
    "adunit_exposure",
    "app_background",
    "app_clear_data",
    "app_exception",
    "app_remove",
    "app_store_refund",
    "app_store_subscription_cancel",
    "app_store_subscription_convert",
    "app_store_subscription_renew",
    "app_update",
    "app_upgrade",
    "dynamic_link_app_open",
    "dynamic_link_app_update",
    "dynamic_link_first_open",
    "error",
    "first_open",
    "first_visit",
    "in_app_purchase",
    "notification_dismiss",
    "notification_foreground",
    "notification_open",
    "notification_receive",
    "os_update",
    "session_start",
    "session_start_with_rollout",
    "user_engagement",
];
const GA4_RESERVED_PREFIXES: &[&str] = &["google_", "ga_", "firebase_"];

#[derive(Debug, Clone)]
pub struct FakeAdsOptions {
    /// The Graph API version served; others get Meta's "deprecated version" error.
    pub meta_api_version: String,
    /// What "now" is when judging event times (too old, in the future). Tests that move a `ManualClock` pass it
    /// here, so that the fake and Dropday agree on the time.
    pub clock: SharedClock,
}

impl Default for FakeAdsOptions {
    fn default() -> Self {
        FakeAdsOptions {
            meta_api_version: app::server::conversions::clients::META_API_VERSION.to_owned(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// An event the fake accepted from a server API or a browser script.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedEvent {
    pub platform: Platform,
    /// Meta pixel id / TikTok pixel code / GA4 measurement id.
    pub pixel_id: String,
    pub event_name: String,
    pub event_id: Option<String>,
    /// Unix seconds: the event's own time from a server API, the arrival time for a browser report.
    pub event_time: Option<i64>,
    pub test_event_code: Option<String>,
    /// Meta `user_data` / TikTok `user` / GA4 `{client_id}`; for browser reports, the cookies the script sent
    /// (`fbp`, `fbc` / `ttp` / `client_id`).
    pub user: Value,
    /// Meta `custom_data` / TikTok `properties` / GA4 `params`; `null` for browser reports.
    pub custom: Value,
}

/// A running fake; stops when dropped.
pub struct FakeAds {
    state: Arc<AdsState>,
    server: Running,
}

struct AdsState {
    options: FakeAdsOptions,
    base_url: String,
    /// One per platform, so that injected faults answer in that platform's error format.
    meta: Arc<Control>,
    tiktok: Arc<Control>,
    ga4: Arc<Control>,
    browser: Arc<Control>,
    rejected_tokens: Mutex<HashSet<String>>,
    server_events: Mutex<Vec<RecordedEvent>>,
    browser_events: Mutex<Vec<RecordedEvent>>,
    discarded: Mutex<Vec<(Platform, String)>>,
}

impl FakeAds {
    /// Serves on a loopback port.
    ///
    /// # Panics
    /// If no loopback port can be bound, which leaves a test nothing to test.
    pub async fn start(options: FakeAdsOptions) -> FakeAds {
        let listener = control::bind_loopback()
            .await
            .expect("binding a loopback port for the fake ad platforms");
        FakeAds::start_on(listener, options).expect("starting the fake ad platforms")
    }

    pub fn start_on(listener: TcpListener, options: FakeAdsOptions) -> std::io::Result<FakeAds> {
        let address = listener.local_addr()?;
        let state = Arc::new(AdsState {
            options,
            base_url: format!("http://{address}"),
            meta: Control::new(meta_fault_body),
            tiktok: Control::new(tiktok_fault_body),
            ga4: Control::new(google_fault_body),
            browser: Control::new(browser_fault_body),
            rejected_tokens: Mutex::new(HashSet::new()),
            server_events: Mutex::new(Vec::new()),
            browser_events: Mutex::new(Vec::new()),
            discarded: Mutex::new(Vec::new()),
        });
        let layer = |router: Router<Arc<AdsState>>, control: &Arc<Control>| {
            router.layer(from_fn_with_state(control.clone(), faults_and_log))
        };
        let meta = Router::new().route("/{version}/{pixel_id}/events", post(meta_events));
        let tiktok = Router::new()
            .route(TIKTOK_TRACK_PATH, post(tiktok_track))
            .route(TIKTOK_TRACK_PATH.trim_end_matches('/'), post(tiktok_track));
        let ga4 = Router::new()
            .route(GA4_COLLECT_PATH, post(ga4_collect))
            .route(GA4_DEBUG_PATH, post(ga4_debug));
        let browser = Router::new()
            .route("/en_US/fbevents.js", get(meta_script))
            .route("/i18n/pixel/events.js", get(tiktok_script))
            .route("/gtag/js", get(gtag_script))
            .route(META_PIXEL_REPORT_PATH, get(meta_pixel).post(meta_pixel))
            .route(
                TIKTOK_PIXEL_REPORT_PATH,
                get(tiktok_pixel).post(tiktok_pixel),
            )
            .route(GA4_PIXEL_REPORT_PATH, get(ga4_pixel).post(ga4_pixel))
            .route("/_fake/events", get(recorded));
        let router = Router::new()
            .merge(layer(meta, &state.meta))
            .merge(layer(tiktok, &state.tiktok))
            .merge(layer(ga4, &state.ga4))
            .merge(layer(browser, &state.browser))
            .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
            .with_state(state.clone());
        let server = Running::start(listener, router)?;
        Ok(FakeAds { state, server })
    }

    /// `http://127.0.0.1:PORT`: the base of all three APIs and of the scripts.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    pub fn options(&self) -> &FakeAdsOptions {
        &self.state.options
    }

    /// The clients' configuration for this fake.
    pub fn clients_config(&self, timeout: Duration) -> ConversionClientsConfig {
        ConversionClientsConfig {
            meta_base_url: self.state.base_url.clone(),
            meta_api_version: self.state.options.meta_api_version.clone(),
            tiktok_base_url: self.state.base_url.clone(),
            ga4_base_url: self.state.base_url.clone(),
            timeout,
        }
    }

    /// Stands in for `https://connect.facebook.net/en_US/fbevents.js`.
    pub fn meta_script_url(&self) -> String {
        format!("{}/en_US/fbevents.js", self.state.base_url)
    }

    /// Stands in for `https://analytics.tiktok.com/i18n/pixel/events.js`.
    pub fn tiktok_script_url(&self) -> String {
        format!("{}/i18n/pixel/events.js", self.state.base_url)
    }

    /// Stands in for `https://www.googletagmanager.com/gtag/js` (the page appends `?id=G-…`).
    pub fn ga4_script_url(&self) -> String {
        format!("{}/gtag/js", self.state.base_url)
    }

    /// The path Meta events for `pixel_id` are posted to, for `fail_next_on` and `calls`.
    pub fn meta_events_path(&self, pixel_id: &str) -> String {
        format!("/{}/{pixel_id}/events", self.state.options.meta_api_version)
    }

    /// From now on this token (or GA4 API secret) gets the platform's invalid-token answer: Meta's code 190
    /// (HTTP 400), TikTok's code 40105 (HTTP 200); GA4's `/mp/collect` still answers 204 and discards the
    /// events, and its debug endpoint says why.
    pub fn reject_token(&self, token: &str) {
        lock(&self.state.rejected_tokens).insert(token.to_owned());
    }

    /// Answers the next `n` requests whose path starts with `path_prefix` with `fault`, in the error format of
    /// the platform that path belongs to (`/v21.0/`, `/open_api/`, `/mp/`, `/debug/mp/`, or a browser path). A
    /// prefix that covers several platforms' paths (`/`) queues `n` faults for each.
    pub fn fail_next_on(&self, path_prefix: &str, n: usize, fault: Fault) {
        for control in self.state.controls_for(path_prefix) {
            control.fail_next_on(path_prefix, n, fault.clone());
        }
    }

    /// Requests received whose path starts with `path_prefix`, whatever the answer.
    pub fn calls(&self, path_prefix: &str) -> usize {
        self.state
            .all_controls()
            .iter()
            .map(|control| control.calls(path_prefix))
            .sum()
    }

    /// Responses sent with `status`, over every path.
    pub fn responses_with_status(&self, status: u16) -> usize {
        self.state
            .all_controls()
            .iter()
            .map(|control| control.responses_with_status(status))
            .sum()
    }

    /// The events the server APIs accepted, in arrival order.
    pub fn server_events(&self) -> Vec<RecordedEvent> {
        lock(&self.state.server_events).clone()
    }

    /// The events the fake browser scripts reported, in arrival order.
    pub fn browser_events(&self) -> Vec<RecordedEvent> {
        lock(&self.state.browser_events).clone()
    }

    /// Server events that a browser event pairs with (same platform, pixel id, event name and event id): what
    /// Meta and TikTok would count once.
    pub fn paired(&self) -> Vec<RecordedEvent> {
        self.state.paired()
    }

    /// Events `/mp/collect` took with a 2xx but would drop, with the reason.
    pub fn discarded(&self) -> Vec<(Platform, String)> {
        lock(&self.state.discarded).clone()
    }

    /// Forgets every recorded event (not the request log or rejected tokens).
    pub fn clear_events(&self) {
        lock(&self.state.server_events).clear();
        lock(&self.state.browser_events).clear();
        lock(&self.state.discarded).clear();
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

impl AdsState {
    fn all_controls(&self) -> [&Arc<Control>; 4] {
        [&self.meta, &self.tiktok, &self.ga4, &self.browser]
    }

    /// The controls of the platforms whose paths `prefix` can match.
    fn controls_for(&self, prefix: &str) -> Vec<&Arc<Control>> {
        let overlaps = |path: &str| path.starts_with(prefix) || prefix.starts_with(path);
        let mut controls = Vec::new();
        // Meta's paths start with the API version: `/v21.0/…`.
        let meta_path = format!("/{}/", self.options.meta_api_version);
        if overlaps(&meta_path) || (prefix.starts_with("/v") && !prefix.starts_with(&meta_path)) {
            controls.push(&self.meta);
        }
        if overlaps("/open_api/") {
            controls.push(&self.tiktok);
        }
        if overlaps(GA4_COLLECT_PATH) || overlaps(GA4_DEBUG_PATH) {
            controls.push(&self.ga4);
        }
        let browser_paths = [
            "/en_US/",
            "/i18n/",
            "/gtag/",
            META_PIXEL_REPORT_PATH,
            TIKTOK_PIXEL_REPORT_PATH,
            GA4_PIXEL_REPORT_PATH,
            "/_fake/",
        ];
        if browser_paths.iter().any(|path| overlaps(path)) {
            controls.push(&self.browser);
        }
        controls
    }

    fn now_secs(&self) -> i64 {
        self.options.clock.now().timestamp()
    }

    fn is_rejected(&self, token: &str) -> bool {
        lock(&self.rejected_tokens).contains(token)
    }

    fn record_server(&self, events: Vec<RecordedEvent>) {
        lock(&self.server_events).extend(events);
    }

    fn record_browser(&self, event: RecordedEvent) {
        lock(&self.browser_events).push(event);
    }

    fn paired(&self) -> Vec<RecordedEvent> {
        let browser = lock(&self.browser_events).clone();
        lock(&self.server_events)
            .iter()
            .filter(|server| {
                server.event_id.is_some()
                    && browser.iter().any(|seen| {
                        seen.platform == server.platform
                            && seen.pixel_id == server.pixel_id
                            && seen.event_name == server.event_name
                            && seen.event_id == server.event_id
                    })
            })
            .cloned()
            .collect()
    }
}

fn random_id(length: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A string of 64 lowercase hex digits, or a non-empty array of them.
fn is_hashed(value: &Value) -> bool {
    match value {
        Value::String(text) => is_sha256_hex(text),
        Value::Array(items) => {
            !items.is_empty()
                && items
                    .iter()
                    .all(|item| item.as_str().is_some_and(is_sha256_hex))
        }
        _ => false,
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `fb.<subdomain index 0|1|2>.<creation time, ms>.<fbclid>`.
fn is_fbc(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(4, '.').collect();
    matches!(parts.as_slice(), ["fb", "0" | "1" | "2", time, fbclid] if all_digits(time) && !fbclid.is_empty())
}

/// `fb.<subdomain index>.<creation time, ms>.<random number>`.
fn is_fbp(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(4, '.').collect();
    matches!(parts.as_slice(), ["fb", index, time, random] if all_digits(index) && all_digits(time) && all_digits(random))
}

fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
}

// Meta.

/// A Graph API error: `{"error":{"message","type","code",…,"fbtrace_id"}}`.
struct GraphError {
    status: StatusCode,
    message: String,
    code: i64,
    subcode: Option<i64>,
    user_title: Option<&'static str>,
    user_message: Option<String>,
}

impl GraphError {
    fn new(code: i64, message: impl Into<String>) -> GraphError {
        GraphError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code,
            subcode: None,
            user_title: None,
            user_message: None,
        }
    }

    /// Graph's answer to a bad event: a generic message, with the specifics for people in `error_user_*`.
    fn invalid(subcode: i64, title: &'static str, message: impl Into<String>) -> GraphError {
        GraphError {
            subcode: Some(subcode),
            user_title: Some(title),
            user_message: Some(message.into()),
            ..GraphError::new(100, "Invalid parameter")
        }
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("message".to_owned(), json!(self.message));
        error.insert("type".to_owned(), json!("OAuthException"));
        error.insert("code".to_owned(), json!(self.code));
        if let Some(subcode) = self.subcode {
            error.insert("error_subcode".to_owned(), json!(subcode));
        }
        error.insert("is_transient".to_owned(), json!(false));
        if let Some(title) = self.user_title {
            error.insert("error_user_title".to_owned(), json!(title));
        }
        if let Some(message) = self.user_message {
            error.insert("error_user_msg".to_owned(), json!(message));
        }
        error.insert("fbtrace_id".to_owned(), json!(random_id(23)));
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

/// Injected faults from Meta: Graph's error shape, marked transient as Meta marks outages and rate limits.
fn meta_fault_body(status: StatusCode, message: &str) -> Value {
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        4
    } else {
        2
    };
    json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "is_transient": true,
        "fbtrace_id": random_id(23),
    }})
}

async fn meta_events(
    State(state): State<Arc<AdsState>>,
    Path((version, pixel_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    match state.meta_accept(&version, &pixel_id, &query, &body) {
        Ok(events) => {
            let received = events.len();
            state.record_server(events);
            Json(json!({
                "events_received": received,
                "messages": [],
                "fbtrace_id": random_id(23),
            }))
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

impl AdsState {
    fn meta_accept(
        &self,
        version: &str,
        pixel_id: &str,
        query: &HashMap<String, String>,
        body: &[u8],
    ) -> Result<Vec<RecordedEvent>, GraphError> {
        let served = &self.options.meta_api_version;
        if version != served {
            let looks_like_version = version
                .strip_prefix('v')
                .is_some_and(|rest| rest.split('.').all(all_digits));
            return Err(if looks_like_version {
                GraphError::new(
                    2635,
                    format!("(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: {served}."),
                )
            } else {
                GraphError::new(
                    2500,
                    format!("Unknown path components: /{version}/{pixel_id}/events"),
                )
            });
        }
        let token = query.get("access_token").map(String::as_str).unwrap_or("");
        if token.is_empty() {
            return Err(GraphError::new(
                104,
                "An access token is required to request this resource.",
            ));
        }
        if self.is_rejected(token) {
            return Err(GraphError::new(
                190,
                "Invalid OAuth access token - Cannot parse access token",
            ));
        }
        if !all_digits(pixel_id) {
            return Err(GraphError {
                subcode: Some(33),
                ..GraphError::new(
                    100,
                    format!("Unsupported post request. Object with ID '{pixel_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
                )
            });
        }
        let Ok(Value::Object(payload)) = serde_json::from_slice::<Value>(body) else {
            return Err(GraphError::invalid(
                2804001,
                "Invalid Body",
                "The request body must be a JSON object with a data array.",
            ));
        };
        let Some(Value::Array(data)) = payload.get("data") else {
            return Err(GraphError::new(
                100,
                "(#100) The parameter data is required",
            ));
        };
        if data.is_empty() || data.len() > MAX_EVENTS {
            return Err(GraphError::invalid(
                2804002,
                "Invalid Number Of Events",
                format!(
                    "A request must contain between 1 and {MAX_EVENTS} events; it contained {}.",
                    data.len()
                ),
            ));
        }
        let test_event_code = match payload.get("test_event_code") {
            None | Some(Value::Null) => None,
            Some(Value::String(code)) => Some(code.clone()),
            Some(_) => {
                return Err(GraphError::invalid(
                    2804005,
                    "Invalid Test Event Code",
                    "test_event_code must be a string.",
                ))
            }
        };
        let now = self.now_secs();
        let mut recorded = Vec::with_capacity(data.len());
        for (index, event) in data.iter().enumerate() {
            let at = |field: &str| format!("data[{index}].{field}");
            if !event.is_object() {
                return Err(GraphError::invalid(
                    2804006,
                    "Invalid Event",
                    format!("data[{index}] must be an object."),
                ));
            }
            let Some(event_name) = text(event, "event_name") else {
                return Err(GraphError::invalid(
                    2804007,
                    "Missing Event Name",
                    format!("{} is required.", at("event_name")),
                ));
            };
            let Some(event_time) = event.get("event_time").and_then(Value::as_i64) else {
                return Err(GraphError::invalid(
                    2804008,
                    "Invalid Event Time",
                    format!("{} must be a Unix timestamp in seconds.", at("event_time")),
                ));
            };
            if now - event_time > MAX_AGE_SECS {
                return Err(GraphError::invalid(
                    2804003,
                    "Event Timestamp Too Old",
                    format!("The timestamp for this event ({}) is more than 7 days in the past; events must be sent within 7 days of when they occurred, and no event in this request was processed.", at("event_time")),
                ));
            }
            if event_time - now > MAX_FUTURE_SECS {
                return Err(GraphError::invalid(
                    2804004,
                    "Event Timestamp In Future",
                    format!("The timestamp for this event ({}) is in the future. Send event_time in seconds, not milliseconds.", at("event_time")),
                ));
            }
            let action_source = text(event, "action_source");
            if !action_source.is_some_and(|source| ACTION_SOURCES.contains(&source)) {
                return Err(GraphError::invalid(
                    2804009,
                    "Invalid Action Source",
                    format!(
                        "{} must be one of {}.",
                        at("action_source"),
                        ACTION_SOURCES.join(", ")
                    ),
                ));
            }
            let Some(user_data) = event.get("user_data").filter(|value| value.is_object()) else {
                return Err(GraphError::invalid(
                    2804010,
                    "Missing User Data",
                    format!("{} is required and must be an object.", at("user_data")),
                ));
            };
            if action_source == Some("website") {
                if text(event, "event_source_url").is_none() {
                    return Err(GraphError::invalid(
                        2804011,
                        "Missing Event Source URL",
                        format!("{} is required for website events.", at("event_source_url")),
                    ));
                }
                if text(user_data, "client_user_agent").is_none() {
                    return Err(GraphError::invalid(
                        2804012,
                        "Missing Client User Agent",
                        format!(
                            "{} is required for website events.",
                            at("user_data.client_user_agent")
                        ),
                    ));
                }
            }
            for field in META_HASHED_FIELDS {
                if user_data.get(field).is_some_and(|value| !is_hashed(value)) {
                    return Err(GraphError::invalid(
                        2804013,
                        "Unhashed Customer Information",
                        format!(
                            "{} must be SHA-256 hashed (64 lowercase hex digits).",
                            at(&format!("user_data.{field}"))
                        ),
                    ));
                }
            }
            if let Some(fbc) = user_data.get("fbc") {
                if !fbc.as_str().is_some_and(is_fbc) {
                    return Err(GraphError::invalid(
                        2804019,
                        "Invalid Click ID",
                        format!(
                            "{} must be fb.<subdomain index>.<creation time>.<fbclid>.",
                            at("user_data.fbc")
                        ),
                    ));
                }
            }
            if let Some(fbp) = user_data.get("fbp") {
                if !fbp.as_str().is_some_and(is_fbp) {
                    return Err(GraphError::invalid(
                        2804020,
                        "Invalid Browser ID",
                        format!(
                            "{} must be fb.<subdomain index>.<creation time>.<random number>.",
                            at("user_data.fbp")
                        ),
                    ));
                }
            }
            recorded.push(RecordedEvent {
                platform: Platform::Meta,
                pixel_id: pixel_id.to_owned(),
                event_name: event_name.to_owned(),
                event_id: event
                    .get("event_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                event_time: Some(event_time),
                test_event_code: test_event_code.clone(),
                user: user_data.clone(),
                custom: event.get("custom_data").cloned().unwrap_or(Value::Null),
            });
        }
        Ok(recorded)
    }
}

// TikTok.

/// TikTok answers errors with HTTP 200 and a non-zero `code`.
fn tiktok_answer(code: i64, message: &str) -> Response {
    Json(json!({
        "code": code,
        "message": message,
        "request_id": tiktok_request_id(),
        "data": {},
    }))
    .into_response()
}

fn tiktok_request_id() -> String {
    format!(
        "{}{}",
        chrono::Utc::now().format("%Y%m%d%H%M%S"),
        random_id(18).to_ascii_uppercase()
    )
}

/// Injected faults from TikTok: its envelope, with its rate-limit code for a 429 and a system error otherwise.
fn tiktok_fault_body(status: StatusCode, message: &str) -> Value {
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        40_100
    } else {
        50_000
    };
    json!({"code": code, "message": message, "request_id": tiktok_request_id(), "data": {}})
}

async fn tiktok_track(
    State(state): State<Arc<AdsState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("Access-Token")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    match state.tiktok_accept(token, &body) {
        Ok(events) => {
            state.record_server(events);
            tiktok_answer(0, "OK")
        }
        Err((code, message)) => tiktok_answer(code, &message),
    }
}

impl AdsState {
    fn tiktok_accept(&self, token: &str, body: &[u8]) -> Result<Vec<RecordedEvent>, (i64, String)> {
        let invalid = |message: String| (40_002, message);
        if token.is_empty() {
            return Err((
                40_104,
                "Access token is empty. Pass it in the Access-Token header.".to_owned(),
            ));
        }
        if self.is_rejected(token) {
            return Err((
                40_105,
                "Access token is invalid or has been revoked.".to_owned(),
            ));
        }
        let Ok(payload @ Value::Object(_)) = serde_json::from_slice::<Value>(body) else {
            return Err(invalid("The request body is not valid JSON.".to_owned()));
        };
        if text(&payload, "event_source") != Some("web") {
            return Err(invalid(
                "event_source: must be \"web\" for pixel events.".to_owned(),
            ));
        }
        let Some(pixel_code) = text(&payload, "event_source_id") else {
            return Err(invalid(
                "event_source_id: the pixel code is required.".to_owned(),
            ));
        };
        let data = match payload.get("data") {
            Some(Value::Array(data)) if !data.is_empty() && data.len() <= MAX_EVENTS => data,
            _ => {
                return Err(invalid(format!(
                    "data: between 1 and {MAX_EVENTS} events are required."
                )))
            }
        };
        let test_event_code = text(&payload, "test_event_code").map(str::to_owned);
        let now = self.now_secs();
        let mut recorded = Vec::with_capacity(data.len());
        for (index, event) in data.iter().enumerate() {
            let Some(name) = text(event, "event") else {
                return Err(invalid(format!("data[{index}].event: required.")));
            };
            let Some(event_time) = event.get("event_time").and_then(Value::as_i64) else {
                return Err(invalid(format!(
                    "data[{index}].event_time: a Unix timestamp in seconds is required."
                )));
            };
            if now - event_time > MAX_AGE_SECS {
                return Err(invalid(format!(
                    "data[{index}].event_time: events older than 7 days are not accepted."
                )));
            }
            if event_time - now > MAX_FUTURE_SECS {
                return Err(invalid(format!(
                    "data[{index}].event_time: the time is in the future."
                )));
            }
            let user = event.get("user").cloned().unwrap_or(Value::Null);
            if !user.is_null() && !user.is_object() {
                return Err(invalid(format!("data[{index}].user: must be an object.")));
            }
            for field in ["email", "phone", "external_id"] {
                if user.get(field).is_some_and(|value| !is_hashed(value)) {
                    return Err(invalid(format!(
                        "data[{index}].user.{field}: must be SHA-256 hashed (64 lowercase hex digits)."
                    )));
                }
            }
            recorded.push(RecordedEvent {
                platform: Platform::Tiktok,
                pixel_id: pixel_code.to_owned(),
                event_name: name.to_owned(),
                event_id: text(event, "event_id").map(str::to_owned),
                event_time: Some(event_time),
                test_event_code: test_event_code.clone(),
                user,
                custom: event.get("properties").cloned().unwrap_or(Value::Null),
            });
        }
        Ok(recorded)
    }
}

// GA4.

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ValidationMessage {
    field_path: String,
    description: String,
    validation_code: &'static str,
}

impl ValidationMessage {
    fn new(
        field_path: impl Into<String>,
        description: impl Into<String>,
        validation_code: &'static str,
    ) -> Self {
        ValidationMessage {
            field_path: field_path.into(),
            description: description.into(),
            validation_code,
        }
    }
}

/// What the Measurement Protocol makes of a request: problems with the request as a whole (which drop every
/// event), and each event with its own problems.
struct Ga4Check {
    request: Vec<ValidationMessage>,
    events: Vec<(RecordedEvent, Vec<ValidationMessage>)>,
}

fn reasons(messages: &[ValidationMessage]) -> String {
    messages
        .iter()
        .map(|message| {
            format!(
                "{}: {} ({})",
                message.field_path, message.description, message.validation_code
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Google's error shape, for injected faults.
fn google_fault_body(status: StatusCode, message: &str) -> Value {
    let reason = match status {
        StatusCode::TOO_MANY_REQUESTS => "RESOURCE_EXHAUSTED",
        StatusCode::SERVICE_UNAVAILABLE => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    json!({"error": {"code": status.as_u16(), "message": message, "status": reason}})
}

async fn ga4_collect(
    State(state): State<Arc<AdsState>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> StatusCode {
    let check = state.ga4_check(&query, &body);
    let mut accepted = Vec::new();
    {
        let mut discarded = lock(&state.discarded);
        if !check.request.is_empty() {
            let reason = reasons(&check.request);
            if check.events.is_empty() {
                discarded.push((Platform::Ga4, reason));
            } else {
                discarded.extend(check.events.iter().map(|_| (Platform::Ga4, reason.clone())));
            }
        } else {
            for (event, problems) in check.events {
                if problems.is_empty() {
                    accepted.push(event);
                } else {
                    discarded.push((Platform::Ga4, reasons(&problems)));
                }
            }
        }
    }
    state.record_server(accepted);
    StatusCode::NO_CONTENT
}

async fn ga4_debug(
    State(state): State<Arc<AdsState>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Json<Value> {
    let check = state.ga4_check(&query, &body);
    let mut messages = check.request;
    for (_, problems) in check.events {
        messages.extend(problems);
    }
    Json(json!({ "validationMessages": messages }))
}

/// GA4's rule for event and parameter names: at most 40 characters, letters, digits and underscores, starting
/// with a letter.
fn is_ga4_name(name: &str) -> bool {
    name.chars().count() <= GA4_MAX_NAME_CHARS
        && name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The longest string value a parameter may have: 100 characters, more for the page parameters.
fn ga4_max_value_chars(param: &str) -> usize {
    match param {
        "page_location" => 1000,
        "page_referrer" => 420,
        "page_title" => 300,
        _ => 100,
    }
}

impl AdsState {
    fn ga4_check(&self, query: &HashMap<String, String>, body: &[u8]) -> Ga4Check {
        let mut request = Vec::new();
        let measurement_id = query
            .get("measurement_id")
            .map(String::as_str)
            .unwrap_or("");
        if measurement_id.is_empty() {
            request.push(ValidationMessage::new(
                "measurement_id",
                "measurement_id is required.",
                "VALUE_REQUIRED",
            ));
        }
        match query.get("api_secret").map(String::as_str).unwrap_or("") {
            "" => request.push(ValidationMessage::new(
                "api_secret",
                "api_secret is required.",
                "VALUE_REQUIRED",
            )),
            secret if self.is_rejected(secret) => request.push(ValidationMessage::new(
                "api_secret",
                "The API secret is not valid for this measurement ID.",
                "VALUE_INVALID",
            )),
            _ => {}
        }
        let payload = match serde_json::from_slice::<Value>(body) {
            Ok(payload @ Value::Object(_)) => payload,
            _ => {
                request.push(ValidationMessage::new(
                    "",
                    "Unable to parse Measurement Protocol JSON payload.",
                    "VALUE_INVALID",
                ));
                return Ga4Check {
                    request,
                    events: Vec::new(),
                };
            }
        };
        let client_id = text(&payload, "client_id");
        if client_id.is_none() {
            request.push(ValidationMessage::new(
                "client_id",
                "client_id is required for web streams.",
                "VALUE_REQUIRED",
            ));
        }
        let now_micros = self.options.clock.now().timestamp_micros();
        let timestamp_problem = |path: String, value: &Value| -> Option<ValidationMessage> {
            let Some(micros) = value.as_i64() else {
                return Some(ValidationMessage::new(
                    path,
                    "timestamp_micros must be an integer number of microseconds.",
                    "VALUE_INVALID",
                ));
            };
            if now_micros - micros > GA4_MAX_AGE_SECS * 1_000_000 {
                Some(ValidationMessage::new(
                    path,
                    "Events can be backdated by at most 72 hours.",
                    "VALUE_OUT_OF_BOUNDS",
                ))
            } else if micros - now_micros > MAX_FUTURE_SECS * 1_000_000 {
                Some(ValidationMessage::new(
                    path,
                    "timestamp_micros is in the future.",
                    "VALUE_OUT_OF_BOUNDS",
                ))
            } else {
                None
            }
        };
        let request_time = payload.get("timestamp_micros");
        if let Some(problem) =
            request_time.and_then(|value| timestamp_problem("timestamp_micros".to_owned(), value))
        {
            request.push(problem);
        }
        let events = match payload.get("events") {
            Some(Value::Array(events)) if !events.is_empty() => events.as_slice(),
            _ => {
                request.push(ValidationMessage::new(
                    "events",
                    "At least one event is required.",
                    "VALUE_REQUIRED",
                ));
                &[]
            }
        };
        if events.len() > GA4_MAX_EVENTS {
            request.push(ValidationMessage::new(
                "events",
                format!("A request may contain at most {GA4_MAX_EVENTS} events."),
                "EXCEEDED_MAX_ENTITIES",
            ));
        }
        let mut user = Map::new();
        if let Some(client_id) = client_id {
            user.insert("client_id".to_owned(), json!(client_id));
        }
        if let Some(user_id) = text(&payload, "user_id") {
            user.insert("user_id".to_owned(), json!(user_id));
        }
        let checked = events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let mut problems = Vec::new();
                let path = |rest: &str| format!("events[{index}].{rest}");
                let name = text(event, "name").unwrap_or("");
                if !is_ga4_name(name) {
                    problems.push(ValidationMessage::new(
                        path("name"),
                        format!("Event name {name:?} must be at most 40 letters, digits or underscores and start with a letter."),
                        "NAME_INVALID",
                    ));
                } else if GA4_RESERVED_EVENTS.contains(&name) {
                    problems.push(ValidationMessage::new(
                        path("name"),
                        format!("Event name {name:?} is reserved."),
                        "NAME_RESERVED",
                    ));
                }
                let empty = Map::new();
                let params = match event.get("params") {
                    None | Some(Value::Null) => &empty,
                    Some(Value::Object(params)) => params,
                    Some(_) => {
                        problems.push(ValidationMessage::new(
                            path("params"),
                            "params must be an object.",
                            "VALUE_INVALID",
                        ));
                        &empty
                    }
                };
                if params.len() > GA4_MAX_PARAMS {
                    problems.push(ValidationMessage::new(
                        path("params"),
                        format!("An event may have at most {GA4_MAX_PARAMS} parameters."),
                        "EXCEEDED_MAX_ENTITIES",
                    ));
                }
                for (param, value) in params {
                    let param_path = path(&format!("params.{param}"));
                    if !is_ga4_name(param) {
                        problems.push(ValidationMessage::new(
                            param_path,
                            format!("Parameter name {param:?} must be at most 40 letters, digits or underscores and start with a letter."),
                            "NAME_INVALID",
                        ));
                    } else if GA4_RESERVED_PREFIXES.iter().any(|prefix| param.starts_with(prefix)) {
                        problems.push(ValidationMessage::new(
                            param_path,
                            format!("Parameter name {param:?} uses a reserved prefix."),
                            "NAME_RESERVED",
                        ));
                    } else if let Some(text) = value.as_str() {
                        let limit = ga4_max_value_chars(param);
                        if text.chars().count() > limit {
                            problems.push(ValidationMessage::new(
                                param_path,
                                format!("Parameter value is longer than {limit} characters."),
                                "VALUE_OUT_OF_BOUNDS",
                            ));
                        }
                    }
                }
                let event_time = event.get("timestamp_micros");
                if let Some(problem) = event_time
                    .and_then(|value| timestamp_problem(path("timestamp_micros"), value))
                {
                    problems.push(problem);
                }
                let micros = event_time
                    .or(request_time)
                    .and_then(Value::as_i64)
                    .unwrap_or(now_micros);
                let recorded = RecordedEvent {
                    platform: Platform::Ga4,
                    pixel_id: measurement_id.to_owned(),
                    event_name: name.to_owned(),
                    event_id: params
                        .get("event_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    event_time: Some(micros.div_euclid(1_000_000)),
                    test_event_code: None,
                    user: Value::Object(user.clone()),
                    custom: Value::Object(params.clone()),
                };
                (recorded, problems)
            })
            .collect();
        Ga4Check {
            request,
            events: checked,
        }
    }
}

// Browser scripts and their reports.

fn browser_fault_body(_status: StatusCode, message: &str) -> Value {
    json!({ "error": message })
}

const CORS_ANY: (header::HeaderName, HeaderValue) = (
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    HeaderValue::from_static("*"),
);

/// A script with `__BASE__` replaced by the fake's address (as a JS string literal), used when the script
/// cannot tell where it was loaded from.
fn script(state: &AdsState, source: &'static str) -> Response {
    let base = serde_json::to_string(&state.base_url).unwrap_or_else(|_| "\"\"".to_owned());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            CORS_ANY,
        ],
        source.replace("__BASE__", &base),
    )
        .into_response()
}

async fn meta_script(State(state): State<Arc<AdsState>>) -> Response {
    script(&state, META_SCRIPT)
}

async fn tiktok_script(State(state): State<Arc<AdsState>>) -> Response {
    script(&state, TIKTOK_SCRIPT)
}

async fn gtag_script(State(state): State<Arc<AdsState>>) -> Response {
    script(&state, GTAG_SCRIPT)
}

/// The smallest transparent GIF: what `facebook.com/tr` answers an image request with.
const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The named query values that are present, as a JSON object.
fn picked(query: &HashMap<String, String>, names: &[(&str, &str)]) -> Value {
    let mut object = Map::new();
    for (param, key) in names {
        if let Some(value) = query.get(*param).filter(|value| !value.is_empty()) {
            object.insert((*key).to_owned(), json!(value));
        }
    }
    Value::Object(object)
}

impl AdsState {
    /// Records a browser report if it names a pixel and an event.
    fn browser_report(
        &self,
        platform: Platform,
        query: &HashMap<String, String>,
        [pixel, event, id]: [&str; 3],
        user: &[(&str, &str)],
    ) {
        let field = |name: &str| query.get(name).filter(|value| !value.is_empty()).cloned();
        let (Some(pixel_id), Some(event_name)) = (field(pixel), field(event)) else {
            return;
        };
        self.record_browser(RecordedEvent {
            platform,
            pixel_id,
            event_name,
            event_id: field(id),
            event_time: Some(self.now_secs()),
            test_event_code: None,
            user: picked(query, user),
            custom: Value::Null,
        });
    }
}

async fn meta_pixel(
    State(state): State<Arc<AdsState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state.browser_report(
        Platform::Meta,
        &query,
        ["id", "ev", "eid"],
        &[("fbp", "fbp"), ("fbc", "fbc")],
    );
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/gif")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            CORS_ANY,
        ],
        PIXEL_GIF,
    )
        .into_response()
}

async fn tiktok_pixel(
    State(state): State<Arc<AdsState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state.browser_report(
        Platform::Tiktok,
        &query,
        ["sdkid", "event", "event_id"],
        &[("ttp", "ttp")],
    );
    (StatusCode::NO_CONTENT, [CORS_ANY]).into_response()
}

async fn ga4_pixel(
    State(state): State<Arc<AdsState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state.browser_report(
        Platform::Ga4,
        &query,
        ["tid", "en", "eid"],
        &[("cid", "client_id"), ("sid", "session_id")],
    );
    (StatusCode::NO_CONTENT, [CORS_ANY]).into_response()
}

/// `{"server":[…],"browser":[…],"paired":[…],"discarded":[…]}`, for browser tests that read the pairing over
/// HTTP.
async fn recorded(State(state): State<Arc<AdsState>>) -> Response {
    let discarded: Vec<Value> = lock(&state.discarded)
        .iter()
        .map(|(platform, reason)| json!({"platform": platform, "reason": reason}))
        .collect();
    // One lock at a time: `paired` takes both.
    let server = lock(&state.server_events).clone();
    let browser = lock(&state.browser_events).clone();
    let body = json!({
        "server": server,
        "browser": browser,
        "paired": state.paired(),
        "discarded": discarded,
    });
    ([CORS_ANY], Json(body)).into_response()
}

// The scripts share a prelude: where to report (the origin the script was loaded from, else the fake's
// address), cookies, and a report that survives the page navigating away (a keepalive fetch, which the page's
// connect-src allows for the script's own origin; an image request where fetch is missing or refused).

/// Stands in for `fbevents.js`: consumes the base code's `fbq.queue`, then runs calls at once through
/// `fbq.callMethod`. `init` remembers a pixel; `track`/`trackCustom` report to every pixel, `trackSingle*` to
/// one; `consent` `revoke` holds events until `grant`. Sets `_fbp`, and `_fbc` when the URL has an `fbclid`.
const META_SCRIPT: &str = r#"(function (w, d) {
  "use strict";
  var f = w.fbq;
  if (!f || f.__fake) return;
  f.__fake = true;
  var base = __BASE__;
  try { if (d.currentScript && d.currentScript.src) base = new URL(d.currentScript.src).origin; } catch (e) {}
  function cookie(n) { var m = d.cookie.match(new RegExp("(?:^|; )" + n + "=([^;]*)")); return m ? decodeURIComponent(m[1]) : null; }
  function setCookie(n, v) { d.cookie = n + "=" + encodeURIComponent(v) + "; path=/; max-age=7776000; SameSite=Lax"; }
  function send(url) {
    function image() { var i = new Image(1, 1); i.src = url; }
    try { if (w.fetch) { w.fetch(url, { mode: "no-cors", keepalive: true, credentials: "omit" }).catch(image); return; } } catch (e) {}
    image();
  }
  var fbp = cookie("_fbp");
  if (!fbp) { fbp = "fb.1." + Date.now() + "." + Math.floor(Math.random() * 2147483647); setCookie("_fbp", fbp); }
  var fbc = cookie("_fbc"), fbclid = null;
  try { fbclid = new URL(w.location.href).searchParams.get("fbclid"); } catch (e) {}
  if (fbclid && (!fbc || fbc.split(".").slice(3).join(".") !== fbclid)) { fbc = "fb.1." + Date.now() + "." + fbclid; setCookie("_fbc", fbc); }
  var pixels = [], held = [], revoked = false;
  function report(pixel, name, eventId) {
    var q = "id=" + encodeURIComponent(pixel) + "&ev=" + encodeURIComponent(name) + "&fbp=" + encodeURIComponent(fbp);
    if (eventId != null && eventId !== "") q += "&eid=" + encodeURIComponent(eventId);
    if (fbc) q += "&fbc=" + encodeURIComponent(fbc);
    send(base + "/tr?" + q);
  }
  function track(targets, name, options) {
    if (!name) return;
    var eventId = options && options.eventID;
    for (var i = 0; i < targets.length; i++) {
      if (revoked) held.push([targets[i], String(name), eventId]); else report(targets[i], String(name), eventId);
    }
  }
  function call() {
    var a = arguments;
    if (a[0] === "init") { var id = String(a[1] || ""); if (id && pixels.indexOf(id) < 0) pixels.push(id); }
    else if (a[0] === "track" || a[0] === "trackCustom") track(pixels.slice(), a[1], a[3]);
    else if (a[0] === "trackSingle" || a[0] === "trackSingleCustom") track([String(a[1])], a[2], a[4]);
    else if (a[0] === "consent" && a[1] === "revoke") revoked = true;
    else if (a[0] === "consent" && a[1] === "grant") {
      revoked = false;
      var h = held; held = [];
      for (var i = 0; i < h.length; i++) report(h[i][0], h[i][1], h[i][2]);
    }
  }
  function safe() { try { call.apply(null, arguments); } catch (e) {} }
  var queue = f.queue || [];
  f.queue = [];
  for (var i = 0; i < queue.length; i++) safe.apply(null, queue[i]);
  f.callMethod = safe;
  f.loaded = true;
})(window, document);
"#;

/// Stands in for TikTok's `events.js`: takes the pixel codes from `ttq._i` (set by the base code's
/// `ttq.load`), runs the queued `[method, …args]` entries (global ones for every pixel, `ttq._i[code]` ones for
/// that pixel), then replaces the stub's methods so later calls run at once. `page()` reports `Pageview`,
/// `track(name, props, {event_id})` reports `name`; `holdConsent` holds events until `grantConsent`,
/// `revokeConsent` drops them. Sets `_ttp`.
const TIKTOK_SCRIPT: &str = r#"(function (w, d) {
  "use strict";
  var ttq = w[w.TiktokAnalyticsObject || "ttq"];
  if (!ttq || ttq.__fake) return;
  ttq.__fake = true;
  var base = __BASE__;
  try { if (d.currentScript && d.currentScript.src) base = new URL(d.currentScript.src).origin; } catch (e) {}
  function cookie(n) { var m = d.cookie.match(new RegExp("(?:^|; )" + n + "=([^;]*)")); return m ? decodeURIComponent(m[1]) : null; }
  function send(url) {
    function image() { var i = new Image(1, 1); i.src = url; }
    try { if (w.fetch) { w.fetch(url, { mode: "no-cors", keepalive: true, credentials: "omit" }).catch(image); return; } } catch (e) {}
    image();
  }
  var ttp = cookie("_ttp");
  if (!ttp) {
    ttp = "";
    var chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (var c = 0; c < 27; c++) ttp += chars.charAt(Math.floor(Math.random() * chars.length));
    d.cookie = "_ttp=" + ttp + "; path=/; max-age=34190000; SameSite=Lax";
  }
  var slice = Array.prototype.slice, codes = [], consent = "granted", held = [];
  function report(code, event, id) {
    var q = "sdkid=" + encodeURIComponent(code) + "&event=" + encodeURIComponent(event) + "&ttp=" + encodeURIComponent(ttp);
    if (id != null && id !== "") q += "&event_id=" + encodeURIComponent(id);
    send(base + "/tiktok/track?" + q);
  }
  function run(targets, entry) {
    var method = entry[0], args = slice.call(entry, 1), event, id = null;
    if (method === "load") { var code = String(args[0] || ""); if (code && codes.indexOf(code) < 0) codes.push(code); return; }
    if (method === "holdConsent") { if (consent !== "revoked") consent = "held"; return; }
    if (method === "revokeConsent") { consent = "revoked"; held = []; return; }
    if (method === "grantConsent") {
      consent = "granted";
      var h = held; held = [];
      for (var k = 0; k < h.length; k++) report(h[k][0], h[k][1], h[k][2]);
      return;
    }
    if (method === "page") event = "Pageview";
    else if (method === "track" && args[0]) { event = String(args[0]); id = args[2] && args[2].event_id; }
    else return;
    if (consent === "revoked") return;
    for (var i = 0; i < targets.length; i++) {
      if (consent === "held") held.push([targets[i], event, id]); else report(targets[i], event, id);
    }
  }
  function safe(targets, entry) { try { run(targets, entry); } catch (e) {} }
  var instances = ttq._i || {}, names = Object.keys(instances), queued = slice.call(ttq), n;
  for (n = 0; n < names.length; n++) safe(codes, ["load", names[n]]);
  ttq.length = 0;
  for (n = 0; n < queued.length; n++) safe(codes, queued[n]);
  for (n = 0; n < names.length; n++) {
    var own = slice.call(instances[names[n]] || []);
    if (instances[names[n]]) instances[names[n]].length = 0;
    for (var j = 0; j < own.length; j++) safe([names[n]], own[j]);
  }
  var methods = ttq.methods || ["page", "track", "identify", "holdConsent", "revokeConsent", "grantConsent"];
  function bind(target, targets) {
    for (var m = 0; m < methods.length; m++) (function (method) {
      target[method] = function () { safe(targets, [method].concat(slice.call(arguments))); return target; };
    })(methods[m]);
    return target;
  }
  bind(ttq, codes);
  ttq.instance = function (code) { return bind({}, [String(code)]); };
  ttq.load = function (code) { safe(codes, ["load", code]); };
})(window, document);
"#;

/// Stands in for `gtag.js`: runs the `dataLayer` entries (`arguments` objects) and then every later push.
/// `config` remembers a measurement id and reports a `page_view` unless `send_page_view` is false; `event`
/// reports to every configured id (or to `send_to`); `get` answers `client_id` and `session_id`. Sets `_ga` and
/// `_ga_<id>`. Consent mode is not modelled: the real gtag sends cookieless pings when storage is denied.
const GTAG_SCRIPT: &str = r#"(function (w, d) {
  "use strict";
  var dl = w.dataLayer = w.dataLayer || [];
  if (dl.__fake) return;
  dl.__fake = true;
  var base = __BASE__;
  try { if (d.currentScript && d.currentScript.src) base = new URL(d.currentScript.src).origin; } catch (e) {}
  function cookie(n) { var m = d.cookie.match(new RegExp("(?:^|; )" + n + "=([^;]*)")); return m ? decodeURIComponent(m[1]) : null; }
  function setCookie(n, v) { d.cookie = n + "=" + v + "; path=/; max-age=63072000; SameSite=Lax"; }
  function send(url) {
    function image() { var i = new Image(1, 1); i.src = url; }
    try { if (w.fetch) { w.fetch(url, { mode: "no-cors", keepalive: true, credentials: "omit" }).catch(image); return; } } catch (e) {}
    image();
  }
  var now = Math.floor(Date.now() / 1000), ga = (cookie("_ga") || "").match(/^GA\d+\.\d+\.(\d+\.\d+)$/), cid;
  if (ga) cid = ga[1]; else { cid = Math.floor(Math.random() * 2147483647) + "." + now; setCookie("_ga", "GA1.1." + cid); }
  function session(id) {
    var name = "_ga_" + String(id).replace(/^G-/, ""), m = (cookie(name) || "").match(/^GS\d+\.\d+\.(\d+)/);
    if (m) return m[1];
    setCookie(name, "GS1.1." + now + ".1.0." + now + ".0.0.0");
    return String(now);
  }
  var ids = [];
  function report(id, name, eventId) {
    var q = "v=2&tid=" + encodeURIComponent(id) + "&cid=" + encodeURIComponent(cid) + "&sid=" + encodeURIComponent(session(id)) + "&en=" + encodeURIComponent(name);
    if (eventId != null && eventId !== "") q += "&eid=" + encodeURIComponent(eventId);
    send(base + "/g/collect?" + q);
  }
  function handle(entry) {
    if (!entry || typeof entry !== "object" || typeof entry.length !== "number") return;
    var command = entry[0], params = entry[2] || {}, i;
    if (command === "config" && entry[1]) {
      var id = String(entry[1]);
      if (ids.indexOf(id) < 0) ids.push(id);
      if (params.send_page_view !== false) report(id, "page_view", params.event_id);
    } else if (command === "event" && entry[1]) {
      var to = params.send_to ? [].concat(params.send_to) : ids;
      for (i = 0; i < to.length; i++) if (ids.indexOf(String(to[i])) >= 0) report(String(to[i]), String(entry[1]), params.event_id);
    } else if (command === "get" && typeof entry[3] === "function") {
      var value = entry[2] === "client_id" ? cid : entry[2] === "session_id" ? session(entry[1]) : undefined, callback = entry[3];
      setTimeout(function () { try { callback(value); } catch (e) {} }, 0);
    }
  }
  function safe(entry) { try { handle(entry); } catch (e) {} }
  for (var i = 0; i < dl.length; i++) safe(dl[i]);
  var push = dl.push;
  dl.push = function () {
    var result = push.apply(dl, arguments);
    for (var i = 0; i < arguments.length; i++) safe(arguments[i]);
    return result;
  };
})(window, document);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_and_browser_ids_are_checked() {
        assert!(is_fbc("fb.1.1712345678901.IwAR0AbC-dEf.x"));
        assert!(is_fbc("fb.0.1712345678901.a"));
        assert!(!is_fbc("fb.3.1712345678901.a"));
        assert!(!is_fbc("fb.1.1712345678901."));
        assert!(!is_fbc("IwAR0AbCdEf"));
        assert!(is_fbp("fb.1.1712345678901.1234567890"));
        assert!(!is_fbp("fb.1.1712345678901.abc"));
        assert!(!is_fbp("fb.1.1712345678901"));
    }

    #[test]
    fn hashes_are_64_lowercase_hex() {
        let hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(is_hashed(&json!(hash)));
        assert!(is_hashed(&json!([hash, hash])));
        assert!(!is_hashed(&json!(hash.to_uppercase())));
        assert!(!is_hashed(&json!("fan@example.com")));
        assert!(!is_hashed(&json!([])));
        assert!(!is_hashed(&json!(42)));
    }

    #[test]
    fn ga4_names_follow_the_rules() {
        assert!(is_ga4_name("click_out"));
        assert!(is_ga4_name(&"a".repeat(40)));
        assert!(!is_ga4_name(&"a".repeat(41)));
        assert!(!is_ga4_name("_private"));
        assert!(!is_ga4_name("1st"));
        assert!(!is_ga4_name("click-out"));
        assert!(!is_ga4_name(""));
    }

    #[test]
    fn scripts_load_nothing_else() {
        for source in [META_SCRIPT, TIKTOK_SCRIPT, GTAG_SCRIPT] {
            assert!(source.contains("__BASE__"));
            for forbidden in [
                "eval(",
                "createElement",
                "Function(",
                "import(",
                "document.write",
            ] {
                assert!(!source.contains(forbidden), "{forbidden}");
            }
        }
    }
}
