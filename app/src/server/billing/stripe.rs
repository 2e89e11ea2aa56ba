//! Stripe Checkout: creating and reading Checkout Sessions over Stripe's form-encoded API, and verifying the
//! webhooks Stripe sends about them. Contract: ../shared/reference/external-apis.md §6 and §7.
//!
//! The client never retries by itself: a create carries the caller's idempotency key, so the caller can safely
//! send it again after a timeout or a 5xx and get the same session back.
//!
//! The secret key travels in a header and the webhook secret never travels at all. Neither may reach an error
//! string, a log line or a `Debug` output: reqwest's errors are stripped of their URL, and every text that
//! leaves this module is scrubbed of both secrets besides.
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How far a webhook's signed timestamp may be from now, either way: Stripe's SDKs' default tolerance.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;
/// The API version requests pin with `Stripe-Version`, so that answers keep the shape parsed here.
pub const API_VERSION: &str = "2024-06-20";
/// Error text kept from Stripe's answer; proxies can answer with whole HTML pages.
const MAX_MESSAGE_CHARS: usize = 300;
/// What a secret is replaced with wherever it would have appeared.
const REDACTED: &str = "[redacted]";

type HmacSha256 = Hmac<Sha256>;

/// Where Stripe is and the account's keys. Debug does NOT print the keys.
#[derive(Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com`; requests go to `{api_url}/v1/…`.
    pub api_url: String,
    /// `sk_live_…` / `sk_test_…` (or a restricted `rk_…` key allowed to write Checkout Sessions).
    pub secret_key: String,
    /// The webhook endpoint's signing secret, `whsec_…`.
    pub webhook_secret: String,
    /// Per request, connecting included.
    pub timeout: Duration,
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |secret: &str| {
            if secret.is_empty() {
                "[not set]"
            } else {
                REDACTED
            }
        };
        formatter
            .debug_struct("StripeConfig")
            .field("api_url", &self.api_url)
            .field("secret_key", &format_args!("{}", shown(&self.secret_key)))
            .field(
                "webhook_secret",
                &format_args!("{}", shown(&self.webhook_secret)),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A one-off payment to start: one line item, quantity one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Sent as `Idempotency-Key`: the same key with the same request gives back the same session, so a create
    /// can be retried safely. Empty sends none.
    pub idempotency_key: String,
    pub product_name: String,
    /// In the currency's minor units (cents).
    pub unit_amount: i64,
    /// ISO 4217; sent lowercase.
    pub currency: String,
    /// Where the buyer lands after paying; Stripe replaces a literal `{CHECKOUT_SESSION_ID}` with the session id.
    pub success_url: String,
    pub cancel_url: String,
    /// Ours: what the payment is for, echoed in the session and its webhooks.
    pub client_reference_id: String,
    pub customer_email: Option<String>,
    pub metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    Paid,
    /// Not paid yet: still open, or completed with a delayed method (bank transfer) that has not settled.
    Unpaid,
    NoPaymentRequired,
}

impl PaymentStatus {
    fn parse(text: &str) -> Option<PaymentStatus> {
        match text {
            "paid" => Some(PaymentStatus::Paid),
            "unpaid" => Some(PaymentStatus::Unpaid),
            "no_payment_required" => Some(PaymentStatus::NoPaymentRequired),
            _ => None,
        }
    }
}

/// The fields of a Checkout Session Dropday reads.
#[derive(Debug, Clone)]
pub struct CheckoutSession {
    pub id: String,
    /// The hosted payment page; only while the session is open.
    pub url: Option<String>,
    /// `open`, `complete` or `expired` (empty if Stripe sent none).
    pub status: String,
    pub payment_status: PaymentStatus,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub client_reference_id: Option<String>,
    pub payment_intent: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

/// A verified webhook event.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// `evt_…`: Stripe may deliver the same event more than once.
    pub id: String,
    /// The event's `type`: `checkout.session.completed`, `charge.refunded`, …
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    /// `data.object`.
    pub object: Value,
}

impl WebhookEvent {
    /// The Checkout Session the event is about, when it is about one.
    pub fn checkout_session(&self) -> Option<CheckoutSession> {
        if self.object_type() != Some("checkout.session") {
            return None;
        }
        parse_session(&self.object).ok()
    }

    /// The refund state of the charge the event is about, when it is about a charge.
    pub fn refund(&self) -> Option<ChargeRefund> {
        if self.object_type() != Some("charge") {
            return None;
        }
        let object = &self.object;
        Some(ChargeRefund {
            charge_id: object.get("id")?.as_str()?.to_owned(),
            payment_intent: id_or_expanded(object.get("payment_intent")),
            amount: object.get("amount")?.as_i64()?,
            amount_refunded: object
                .get("amount_refunded")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            fully_refunded: object
                .get("refunded")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            currency: object.get("currency")?.as_str()?.to_owned(),
        })
    }

    /// The PaymentIntent the event concerns: the object itself, or the one a charge or session points to.
    pub fn payment_intent_id(&self) -> Option<String> {
        match self.object_type()? {
            "payment_intent" => self.object.get("id")?.as_str().map(str::to_owned),
            _ => id_or_expanded(self.object.get("payment_intent")),
        }
    }

    fn object_type(&self) -> Option<&str> {
        self.object.get("object")?.as_str()
    }
}

/// A charge's refund state, from `charge.refunded` (and other `charge.*` events).
#[derive(Debug, Clone)]
pub struct ChargeRefund {
    pub charge_id: String,
    pub payment_intent: Option<String>,
    /// Minor units.
    pub amount: i64,
    pub amount_refunded: i64,
    /// The charge's `refunded`: the whole amount was refunded.
    pub fully_refunded: bool,
    pub currency: String,
}

/// A `Stripe-Signature` header value, `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<payload>">`: what
/// Stripe's SDKs call a test header string. For fakes and tests.
pub fn signature_header(webhook_secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mac = signed_payload_mac(webhook_secret, timestamp, payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn signed_payload_mac(webhook_secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(webhook_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// Why a webhook was not accepted. None of these is worth a retry by Stripe with the same body.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the request has no Stripe-Signature header")]
    MissingSignature,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    MalformedSignature,
    #[error("no v1 signature in the Stripe-Signature header matches the payload")]
    NoMatchingSignature,
    #[error("{}", stale_message(.age_secs))]
    StaleTimestamp { age_secs: i64 },
    #[error("the event is not a Stripe event: {0}")]
    InvalidPayload(String),
}

fn stale_message(age_secs: &i64) -> String {
    let age_secs = *age_secs;
    if age_secs < 0 {
        format!(
            "the signature's timestamp is {} s in the future (tolerance {WEBHOOK_TOLERANCE_SECS} s)",
            -age_secs
        )
    } else {
        format!("the signature is {age_secs} s old (tolerance {WEBHOOK_TOLERANCE_SECS} s)")
    }
}

/// What went wrong talking to Stripe. No variant's text contains the secret key.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// 401 or 403: the key is wrong, revoked, or not allowed to do this.
    #[error("Stripe refused the API key: {0}")]
    Unauthorized(String),
    /// 429: worth trying again, after `retry_after` when Stripe said.
    #[error("Stripe is rate limiting requests{}", retry_after_text(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// Stripe refused the request as it is (4xx): `kind` is the error's `type` (`invalid_request_error`,
    /// `idempotency_error`, `card_error`, …), `param` the parameter at fault.
    #[error("Stripe rejected the request ({kind}{}): {message}", param_text(.param))]
    Rejected {
        status: u16,
        kind: String,
        code: Option<String>,
        param: Option<String>,
        message: String,
    },
    /// 404: no such object (usually a session id that is not this account's).
    #[error("not found at Stripe: {0}")]
    NotFound(String),
    /// 5xx: worth trying again with the same idempotency key.
    #[error("Stripe answered HTTP {0}")]
    Server(u16),
    #[error("Stripe did not answer in time")]
    Timeout,
    /// The request did not get an answer: connection refused, reset, TLS, … (and an unusable `api_url`).
    #[error("could not reach Stripe: {0}")]
    Network(String),
    /// An answer that is not what the API documents.
    #[error("unexpected answer from Stripe: {0}")]
    Malformed(String),
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (retry after {} s)", wait.as_secs_f64().ceil()),
        None => String::new(),
    }
}

fn param_text(param: &Option<String>) -> String {
    match param {
        Some(param) => format!(", parameter {param}"),
        None => String::new(),
    }
}

/// Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct StripeClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: StripeConfig,
    /// `{api_url}/v1/checkout/sessions`.
    sessions_url: reqwest::Url,
    http: reqwest::Client,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("StripeClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl StripeClient {
    /// Builds the HTTP client once: no redirects (the API does not redirect, and a redirect must not carry the
    /// key elsewhere), the timeout for connecting and for the whole request, and a User-Agent naming us.
    /// `Network` when `api_url` is not an http(s) URL or the TLS backend cannot start.
    pub fn new(config: StripeConfig) -> Result<StripeClient, StripeError> {
        let sessions_url = endpoint(&config.api_url, &["v1", "checkout", "sessions"])?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Dropday/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| StripeError::Network(transport_text(error)))?;
        Ok(StripeClient {
            inner: Arc::new(Inner {
                config,
                sessions_url,
                http,
            }),
        })
    }

    pub fn config(&self) -> &StripeConfig {
        &self.inner.config
    }

    /// `POST /v1/checkout/sessions`: a hosted payment page for one line item.
    pub async fn create_checkout_session(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, StripeError> {
        let mut builder = self
            .inner
            .http
            .post(self.inner.sessions_url.clone())
            .bearer_auth(&self.inner.config.secret_key)
            .header("Stripe-Version", API_VERSION)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(checkout_form(request));
        if !request.idempotency_key.is_empty() {
            builder = builder.header("Idempotency-Key", request.idempotency_key.as_str());
        }
        self.session_from(builder).await
    }

    /// `GET /v1/checkout/sessions/{id}`: the session as it is now.
    pub async fn retrieve_checkout_session(
        &self,
        id: &str,
    ) -> Result<CheckoutSession, StripeError> {
        let mut url = self.inner.sessions_url.clone();
        // One percent-encoded segment: an id can never change the path.
        url.path_segments_mut()
            .map_err(|()| StripeError::Network("the API URL cannot take a path".to_owned()))?
            .push(id);
        let builder = self
            .inner
            .http
            .get(url)
            .bearer_auth(&self.inner.config.secret_key)
            .header("Stripe-Version", API_VERSION);
        self.session_from(builder).await
    }

    /// Checks a webhook's `Stripe-Signature` against the raw body exactly as received (any `v1` signature made
    /// with the webhook secret matches, compared in constant time), refuses timestamps more than
    /// `WEBHOOK_TOLERANCE_SECS` from `now` either way, then reads the event. With no webhook secret configured
    /// nothing verifies.
    pub fn verify_webhook(
        &self,
        payload: &[u8],
        signature_header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, WebhookError> {
        verify(
            &self.inner.config.webhook_secret,
            payload,
            signature_header,
            now,
        )
    }

    async fn session_from(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<CheckoutSession, StripeError> {
        let result = self.exchange(builder).await.and_then(|answer| {
            if !answer.status.is_success() {
                return Err(error_from(&answer));
            }
            let json: Value = serde_json::from_slice(&answer.body)
                .map_err(|error| StripeError::Malformed(format!("not JSON: {error}")))?;
            parse_session(&json).map_err(StripeError::Malformed)
        });
        result.map_err(|error| self.scrubbed(error))
    }

    /// Sends the request and reads the whole answer.
    async fn exchange(&self, builder: reqwest::RequestBuilder) -> Result<Answer, StripeError> {
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = crate::server::catalog::retry_after(response.headers());
        let body = response.bytes().await.map_err(transport_error)?;
        Ok(Answer {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }

    /// The error with both secrets taken out of its texts, then cut to a readable length.
    fn scrubbed(&self, error: StripeError) -> StripeError {
        let config = &self.inner.config;
        let clean = |text: String| scrub(&text, &[&config.secret_key, &config.webhook_secret]);
        match error {
            StripeError::Unauthorized(message) => StripeError::Unauthorized(clean(message)),
            StripeError::Rejected {
                status,
                kind,
                code,
                param,
                message,
            } => StripeError::Rejected {
                status,
                kind: clean(kind),
                code: code.map(clean),
                param: param.map(clean),
                message: clean(message),
            },
            StripeError::NotFound(message) => StripeError::NotFound(clean(message)),
            StripeError::Network(message) => StripeError::Network(clean(message)),
            StripeError::Malformed(message) => StripeError::Malformed(clean(message)),
            other @ (StripeError::RateLimited { .. }
            | StripeError::Server(_)
            | StripeError::Timeout) => other,
        }
    }
}

/// An HTTP answer, read whole.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// `{base}/{segments…}`.
fn endpoint(base: &str, segments: &[&str]) -> Result<reqwest::Url, StripeError> {
    let unusable =
        || StripeError::Network("the configured API URL is not an http(s) URL".to_owned());
    let mut url = reqwest::Url::parse(base.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(unusable)?;
    url.path_segments_mut()
        .map_err(|()| unusable())?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The create request's form body, in Stripe's bracketed parameter names.
fn checkout_form(request: &CheckoutRequest) -> String {
    let mut fields: Vec<(String, String)> = vec![
        ("mode".to_owned(), "payment".to_owned()),
        (
            "line_items[0][price_data][currency]".to_owned(),
            request.currency.to_ascii_lowercase(),
        ),
        (
            "line_items[0][price_data][unit_amount]".to_owned(),
            request.unit_amount.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]".to_owned(),
            request.product_name.clone(),
        ),
        ("line_items[0][quantity]".to_owned(), "1".to_owned()),
        ("success_url".to_owned(), request.success_url.clone()),
        ("cancel_url".to_owned(), request.cancel_url.clone()),
        (
            "client_reference_id".to_owned(),
            request.client_reference_id.clone(),
        ),
    ];
    if let Some(email) = &request.customer_email {
        fields.push(("customer_email".to_owned(), email.clone()));
    }
    for (key, value) in &request.metadata {
        fields.push((format!("metadata[{key}]"), value.clone()));
    }
    serde_urlencoded::to_string(&fields).unwrap_or_default()
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
}

/// A non-2xx answer as an error. Messages are kept whole here: `scrubbed` must see an echoed secret entire
/// before anything is cut.
fn error_from(answer: &Answer) -> StripeError {
    let status = answer.status.as_u16();
    if answer.status == StatusCode::TOO_MANY_REQUESTS {
        return StripeError::RateLimited {
            retry_after: answer.retry_after,
        };
    }
    if answer.status.is_server_error() {
        return StripeError::Server(status);
    }
    if !answer.status.is_client_error() {
        return StripeError::Malformed(format!("HTTP {status}"));
    }
    let detail = serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|body| body.error);
    let message = detail
        .as_ref()
        .and_then(|detail| detail.message.clone())
        .filter(|message| !message.trim().is_empty())
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&answer.body).trim().to_owned();
            if text.is_empty() {
                answer
                    .status
                    .canonical_reason()
                    .unwrap_or("no message")
                    .to_owned()
            } else {
                text
            }
        });
    match answer.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => StripeError::Unauthorized(message),
        StatusCode::NOT_FOUND => StripeError::NotFound(message),
        _ => {
            let (kind, code, param) = match detail {
                Some(detail) => (detail.kind, detail.code, detail.param),
                None => (None, None, None),
            };
            StripeError::Rejected {
                status,
                kind: kind.unwrap_or_else(|| "unknown".to_owned()),
                code,
                param,
                message,
            }
        }
    }
}

fn transport_error(error: reqwest::Error) -> StripeError {
    if error.is_timeout() {
        StripeError::Timeout
    } else {
        StripeError::Network(transport_text(error))
    }
}

/// reqwest's text and its causes, without the request URL.
fn transport_text(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = if error.is_connect() {
        "could not connect".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}

/// `text` with every secret (raw or form-encoded) replaced, then cut to `MAX_MESSAGE_CHARS`.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut clean = text.to_owned();
    for secret in secrets {
        let secret = secret.trim();
        // A secret this short would blank out ordinary words; real keys are dozens of characters.
        if secret.len() < 8 {
            continue;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        clean = clean.replace(secret, REDACTED).replace(&encoded, REDACTED);
    }
    // Cut only now, so that no part of a secret survives at the cut.
    cut(&clean)
}

/// `text`, cut to `MAX_MESSAGE_CHARS`.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A Checkout Session object, as answered or inside an event.
fn parse_session(json: &Value) -> Result<CheckoutSession, String> {
    #[derive(Deserialize)]
    struct Wire {
        id: String,
        object: String,
        url: Option<String>,
        status: Option<String>,
        payment_status: String,
        amount_total: Option<i64>,
        currency: Option<String>,
        client_reference_id: Option<String>,
        payment_intent: Option<Value>,
        metadata: Option<BTreeMap<String, String>>,
        expires_at: Option<i64>,
    }
    let wire =
        Wire::deserialize(json).map_err(|error| format!("not a Checkout Session: {error}"))?;
    if wire.object != "checkout.session" {
        return Err(format!(
            "expected a checkout.session, got a {}",
            wire.object
        ));
    }
    let payment_status = PaymentStatus::parse(&wire.payment_status)
        .ok_or_else(|| format!("unknown payment_status {:?}", wire.payment_status))?;
    Ok(CheckoutSession {
        id: wire.id,
        url: wire.url,
        status: wire.status.unwrap_or_default(),
        payment_status,
        amount_total: wire.amount_total,
        currency: wire.currency,
        client_reference_id: wire.client_reference_id,
        payment_intent: id_or_expanded(wire.payment_intent.as_ref()),
        metadata: wire.metadata.unwrap_or_default(),
        expires_at: wire.expires_at,
    })
}

/// An id field Stripe can expand into the whole object: `"pi_…"` or `{"id":"pi_…",…}`.
fn id_or_expanded(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}

fn verify(
    webhook_secret: &str,
    payload: &[u8],
    header: Option<&str>,
    now: DateTime<Utc>,
) -> Result<WebhookEvent, WebhookError> {
    let header = header
        .map(str::trim)
        .filter(|header| !header.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    let mut timestamp = None;
    let mut signatures: Vec<&str> = Vec::new();
    for item in header.split(',') {
        let Some((scheme, value)) = item.split_once('=') else {
            continue;
        };
        match scheme.trim() {
            "t" if timestamp.is_none() => {
                timestamp = Some(
                    value
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| WebhookError::MalformedSignature)?,
                );
            }
            "v1" => signatures.push(value.trim()),
            // Other schemes (`v0`, Stripe's test-mode-only signature) are not ours to check.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MalformedSignature)?;
    if signatures.is_empty() {
        return Err(WebhookError::MalformedSignature);
    }
    if webhook_secret.is_empty() {
        return Err(WebhookError::NoMatchingSignature);
    }
    // One that is not hex cannot match; it does not spoil the others.
    let matches = signatures
        .iter()
        .filter_map(|signature| hex::decode(signature).ok())
        .any(|signature| {
            signed_payload_mac(webhook_secret, timestamp, payload)
                .verify_slice(&signature)
                .is_ok()
        });
    if !matches {
        return Err(WebhookError::NoMatchingSignature);
    }
    let age_secs = now.timestamp() - timestamp;
    if age_secs.abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(WebhookError::StaleTimestamp { age_secs });
    }
    parse_event(payload)
}

fn parse_event(payload: &[u8]) -> Result<WebhookEvent, WebhookError> {
    #[derive(Deserialize)]
    struct Envelope {
        id: String,
        object: String,
        #[serde(rename = "type")]
        kind: String,
        created: i64,
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        object: Value,
    }
    let envelope: Envelope = serde_json::from_slice(payload).map_err(|error| {
        let text = error.to_string();
        WebhookError::InvalidPayload(cut(&text))
    })?;
    if envelope.object != "event" {
        return Err(WebhookError::InvalidPayload(format!(
            "expected an event, got a {}",
            cut(&envelope.object)
        )));
    }
    if !envelope.data.object.is_object() {
        return Err(WebhookError::InvalidPayload(
            "data.object is not an object".to_owned(),
        ));
    }
    Ok(WebhookEvent {
        id: envelope.id,
        kind: envelope.kind,
        created: envelope.created,
        object: envelope.data.object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    const WEBHOOK_SECRET: &str = "whsec_test_0123456789abcdef";
    const SECRET_KEY: &str = "sk_test_51SecretKey0123456789";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn payload() -> Vec<u8> {
        serde_json::to_vec_pretty(&json!({
            "id": "evt_1Test",
            "object": "event",
            "api_version": API_VERSION,
            "created": now().timestamp(),
            "data": {"object": {
                "id": "cs_test_1",
                "object": "checkout.session",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": 1500,
                "currency": "eur",
                "client_reference_id": "purchase-7",
                "payment_intent": "pi_1",
                "metadata": {"purchase": "7"},
                "expires_at": now().timestamp() + 86_400,
                "url": null
            }},
            "livemode": false,
            "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null},
            "type": "checkout.session.completed"
        }))
        .unwrap()
    }

    fn check(payload: &[u8], header: Option<&str>) -> Result<WebhookEvent, WebhookError> {
        verify(WEBHOOK_SECRET, payload, header, now())
    }

    fn signature(secret: &str, timestamp: i64, payload: &[u8]) -> String {
        signature_header(secret, timestamp, payload)
            .split_once(",v1=")
            .unwrap()
            .1
            .to_owned()
    }

    #[test]
    fn a_good_signature_verifies_and_the_event_is_read() {
        let body = payload();
        let header = signature_header(WEBHOOK_SECRET, now().timestamp(), &body);
        let event = check(&body, Some(&header)).unwrap();
        assert_eq!(event.id, "evt_1Test");
        assert_eq!(event.kind, "checkout.session.completed");
        assert_eq!(event.created, now().timestamp());
        let session = event.checkout_session().unwrap();
        assert_eq!(session.payment_status, PaymentStatus::Paid);
        assert_eq!(session.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(
            session.metadata.get("purchase").map(String::as_str),
            Some("7")
        );
        assert_eq!(event.payment_intent_id().as_deref(), Some("pi_1"));
        assert!(event.refund().is_none());
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_x
        assert_eq!(
            signature_header("whsec_x", 1_700_000_000, b"{}"),
            "t=1700000000,v1=be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661"
        );
    }

    #[test]
    fn any_one_matching_v1_is_enough() {
        let body = payload();
        let t = now().timestamp();
        let good = signature(WEBHOOK_SECRET, t, &body);
        let old = signature("whsec_rolled_over_secret", t, &body);
        for header in [
            format!("t={t},v1={old},v1={good}"),
            format!("t={t},v1={good},v1={old}"),
            format!("t={t},v1=nothex,v0={old},v1={good}"),
            format!("v1={good}, t={t}"),
        ] {
            assert!(check(&body, Some(&header)).is_ok(), "{header}");
        }
    }

    #[test]
    fn a_wrong_secret_does_not_verify() {
        let body = payload();
        let header = signature_header("whsec_someone_else", now().timestamp(), &body);
        assert!(matches!(
            check(&body, Some(&header)),
            Err(WebhookError::NoMatchingSignature)
        ));
        // Nor does anything when no secret is configured.
        let header = signature_header("", now().timestamp(), &body);
        assert!(matches!(
            verify("", &body, Some(&header), now()),
            Err(WebhookError::NoMatchingSignature)
        ));
    }

    #[test]
    fn a_tampered_body_does_not_verify() {
        let body = payload();
        let header = signature_header(WEBHOOK_SECRET, now().timestamp(), &body);
        let tampered = String::from_utf8(body)
            .unwrap()
            .replace("\"amount_total\": 1500", "\"amount_total\": 1");
        assert!(matches!(
            check(tampered.as_bytes(), Some(&header)),
            Err(WebhookError::NoMatchingSignature)
        ));
        // Re-serialized JSON (same data, other bytes) does not verify either: the raw body is what is signed.
        let reserialized =
            serde_json::to_vec(&serde_json::from_slice::<Value>(&payload()).unwrap()).unwrap();
        assert!(matches!(
            check(&reserialized, Some(&header)),
            Err(WebhookError::NoMatchingSignature)
        ));
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let body = payload();
        let t = now().timestamp();
        let at = |timestamp: i64| signature_header(WEBHOOK_SECRET, timestamp, &body);
        assert!(check(&body, Some(&at(t - WEBHOOK_TOLERANCE_SECS))).is_ok());
        assert!(check(&body, Some(&at(t + WEBHOOK_TOLERANCE_SECS))).is_ok());
        assert!(matches!(
            check(&body, Some(&at(t - WEBHOOK_TOLERANCE_SECS - 1))),
            Err(WebhookError::StaleTimestamp { age_secs: 301 })
        ));
        let future = check(&body, Some(&at(t + 3600))).unwrap_err();
        assert!(matches!(
            future,
            WebhookError::StaleTimestamp { age_secs: -3600 }
        ));
        assert!(future.to_string().contains("in the future"), "{future}");
    }

    #[test]
    fn missing_and_garbled_headers_are_refused() {
        let body = payload();
        let good = signature(WEBHOOK_SECRET, now().timestamp(), &body);
        assert!(matches!(
            check(&body, None),
            Err(WebhookError::MissingSignature)
        ));
        assert!(matches!(
            check(&body, Some("  ")),
            Err(WebhookError::MissingSignature)
        ));
        for garbled in [
            "garbage".to_owned(),
            format!("v1={good}"),
            format!("t=yesterday,v1={good}"),
            format!("t={}", now().timestamp()),
        ] {
            assert!(
                matches!(
                    check(&body, Some(&garbled)),
                    Err(WebhookError::MalformedSignature)
                ),
                "{garbled}"
            );
        }
        let not_hex = format!("t={},v1=zz", now().timestamp());
        assert!(matches!(
            check(&body, Some(&not_hex)),
            Err(WebhookError::NoMatchingSignature)
        ));
    }

    #[test]
    fn a_v0_only_header_is_refused() {
        let body = payload();
        let t = now().timestamp();
        // A v0 entry carrying what would be a valid v1 signature: v0 is not a scheme Stripe signs live events with.
        let header = format!("t={t},v0={}", signature(WEBHOOK_SECRET, t, &body));
        assert!(matches!(
            check(&body, Some(&header)),
            Err(WebhookError::MalformedSignature)
        ));
    }

    #[test]
    fn a_signed_body_that_is_not_an_event_is_refused() {
        let t = now().timestamp();
        for body in [
            &b"not json"[..],
            br#"{"id":"x","object":"charge","type":"t","created":1,"data":{"object":{}}}"#,
        ] {
            let header = signature_header(WEBHOOK_SECRET, t, body);
            assert!(matches!(
                check(body, Some(&header)),
                Err(WebhookError::InvalidPayload(_))
            ));
        }
    }

    #[test]
    fn refunds_and_payment_intents_are_read_from_charges() {
        let event = WebhookEvent {
            id: "evt_2".to_owned(),
            kind: "charge.refunded".to_owned(),
            created: 0,
            object: json!({
                "id": "ch_1", "object": "charge", "amount": 1500, "amount_refunded": 1500,
                "refunded": true, "currency": "eur", "payment_intent": {"id": "pi_9", "object": "payment_intent"}
            }),
        };
        let refund = event.refund().unwrap();
        assert_eq!(refund.charge_id, "ch_1");
        assert_eq!(refund.payment_intent.as_deref(), Some("pi_9"));
        assert_eq!((refund.amount, refund.amount_refunded), (1500, 1500));
        assert!(refund.fully_refunded);
        assert_eq!(event.payment_intent_id().as_deref(), Some("pi_9"));
        assert!(event.checkout_session().is_none());
        let intent = WebhookEvent {
            object: json!({"id": "pi_3", "object": "payment_intent"}),
            ..event
        };
        assert_eq!(intent.payment_intent_id().as_deref(), Some("pi_3"));
    }

    #[test]
    fn the_form_uses_stripes_parameter_names() {
        let request = CheckoutRequest {
            idempotency_key: "k".to_owned(),
            product_name: "Release fee & more".to_owned(),
            unit_amount: 1500,
            currency: "EUR".to_owned(),
            success_url: "https://drop.example/ok?session_id={CHECKOUT_SESSION_ID}".to_owned(),
            cancel_url: "https://drop.example/no".to_owned(),
            client_reference_id: "purchase-7".to_owned(),
            customer_email: Some("a@b.example".to_owned()),
            metadata: vec![("purchase".to_owned(), "7".to_owned())],
        };
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_str(&checkout_form(&request)).unwrap();
        let get = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(get("mode"), Some("payment"));
        assert_eq!(get("line_items[0][price_data][currency]"), Some("eur"));
        assert_eq!(get("line_items[0][price_data][unit_amount]"), Some("1500"));
        assert_eq!(
            get("line_items[0][price_data][product_data][name]"),
            Some("Release fee & more")
        );
        assert_eq!(get("line_items[0][quantity]"), Some("1"));
        assert_eq!(
            get("success_url"),
            Some("https://drop.example/ok?session_id={CHECKOUT_SESSION_ID}")
        );
        assert_eq!(get("customer_email"), Some("a@b.example"));
        assert_eq!(get("metadata[purchase]"), Some("7"));
    }

    #[test]
    fn errors_are_mapped_and_scrubbed() {
        let answer = |status: u16, body: Value| Answer {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: None,
            body: serde_json::to_vec(&body).unwrap(),
        };
        let error = error_from(&answer(
            400,
            json!({"error": {"type": "invalid_request_error", "code": "parameter_missing",
                "param": "cancel_url", "message": "Missing required param: cancel_url."}}),
        ));
        assert!(matches!(
            &error,
            StripeError::Rejected { status: 400, kind, code: Some(code), param: Some(param), .. }
                if kind == "invalid_request_error" && code == "parameter_missing" && param == "cancel_url"
        ));
        let echoed = error_from(&answer(
            401,
            json!({"error": {"type": "invalid_request_error",
                "message": format!("Invalid API Key provided: {SECRET_KEY} {}", "x".repeat(1000))}}),
        ));
        let StripeError::Unauthorized(message) = echoed else {
            panic!("expected Unauthorized");
        };
        let clean = scrub(&message, &[SECRET_KEY]);
        assert!(!clean.contains(SECRET_KEY), "{clean}");
        assert!(clean.chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(matches!(
            error_from(&answer(503, json!({}))),
            StripeError::Server(503)
        ));
        assert!(matches!(
            error_from(&answer(
                404,
                json!({"error": {"message": "No such checkout.session"}})
            )),
            StripeError::NotFound(_)
        ));
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let config = StripeConfig {
            api_url: "https://api.stripe.com".to_owned(),
            secret_key: SECRET_KEY.to_owned(),
            webhook_secret: WEBHOOK_SECRET.to_owned(),
            timeout: Duration::from_secs(10),
        };
        let client = StripeClient::new(config.clone()).unwrap();
        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains(SECRET_KEY), "{text}");
            assert!(!text.contains(WEBHOOK_SECRET), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
        assert!(matches!(
            StripeClient::new(StripeConfig {
                api_url: "api.stripe.com".to_owned(),
                ..config
            }),
            Err(StripeError::Network(_))
        ));
    }
}
