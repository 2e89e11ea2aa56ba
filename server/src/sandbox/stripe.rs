//! A fake Stripe for Checkout: `POST /v1/checkout/sessions` and `GET /v1/checkout/sessions/{id}` with Stripe's
//! authentication, parameter checks, idempotency keys and `{"error":{…}}` bodies; a hosted payment page at
//! `/c/pay/{id}` for browsers; and signed webhooks for what becomes of a session (paid, paid later by bank
//! transfer, refunded, expired), delivered to one endpoint, awaited, recorded, and redeliverable as Stripe's
//! retries are. Contract: ../shared/reference/external-apis.md §6 and §7.
//!
//! Nothing happens by itself: sessions expire, delayed payments settle and refunds happen when a test (or the
//! hosted page) says so, and a failed delivery is retried only by `redeliver`.
use super::control::{self, escape_html, faults_and_log, lock, Control, Fault, Running};
use app::server::billing::stripe::{signature_header, StripeConfig, API_VERSION};
use app::server::clock::{SharedClock, SystemClock};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng as _;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The Checkout Sessions endpoint; faults for it are queued with this prefix.
pub const SESSIONS_PATH: &str = "/v1/checkout/sessions";
/// The hosted payment pages, `/c/pay/{id}`.
pub const PAY_PATH: &str = "/c/pay";
/// Stripe's default: a session can be paid for 24 hours.
const SESSION_LIFETIME_SECS: i64 = 24 * 3600;
/// How long a delivery waits for the endpoint's answer (an assumption: Stripe does not document its own).
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// What the endpoint's answer is read up to: its status line is all that counts.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The create parameters the fake understands, besides `metadata[…]`; anything else is unknown to it.
const CURRENCY: &str = "line_items[0][price_data][currency]";
const UNIT_AMOUNT: &str = "line_items[0][price_data][unit_amount]";
const PRODUCT_NAME: &str = "line_items[0][price_data][product_data][name]";
const QUANTITY: &str = "line_items[0][quantity]";
const KNOWN_PARAMS: [&str; 9] = [
    "mode",
    CURRENCY,
    UNIT_AMOUNT,
    PRODUCT_NAME,
    QUANTITY,
    "success_url",
    "cancel_url",
    "client_reference_id",
    "customer_email",
];
/// Currencies whose amounts have no minor unit, so `unit_amount` 500 is ¥500, not ¥5.00.
const ZERO_DECIMAL_CURRENCIES: &str =
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf";

#[derive(Clone)]
pub struct FakeStripeOptions {
    /// The one API key accepted.
    pub secret_key: String,
    /// Signs the webhooks.
    pub webhook_secret: String,
    /// Time for `created`, `expires_at` and the signatures' `t`: tests that move a `ManualClock` pass it here.
    pub clock: SharedClock,
}

impl Default for FakeStripeOptions {
    fn default() -> Self {
        FakeStripeOptions {
            secret_key: "sk_test_sandbox_0000000000000000".to_owned(),
            webhook_secret: "whsec_sandbox_0000000000000000".to_owned(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event_id: String,
    /// The event's `type`.
    pub kind: String,
    /// The endpoint's HTTP status; `None` when there was no endpoint or it could not be reached.
    pub status: Option<u16>,
}

/// A running fake Stripe; stops when dropped.
pub struct FakeStripe {
    state: Arc<StripeState>,
    server: Running,
}

struct StripeState {
    options: FakeStripeOptions,
    base_url: String,
    control: Arc<Control>,
    webhook_url: Mutex<Option<String>>,
    ledger: Mutex<Ledger>,
    deliveries: Mutex<Vec<Delivery>>,
}

#[derive(Default)]
struct Ledger {
    /// In creation order.
    sessions: Vec<Session>,
    /// Idempotency key → the create's parameters (sorted) and the answer it got.
    idempotency: HashMap<String, (Vec<(String, String)>, Value)>,
    events: HashMap<String, Event>,
}

struct Session {
    /// The Checkout Session object as the API answers it.
    object: Value,
    product_name: String,
    /// Completed with a delayed method that has not settled yet.
    awaiting_settlement: bool,
    /// The Charge object, once paid.
    charge: Option<Value>,
}

#[derive(Clone)]
struct Event {
    id: String,
    kind: String,
    /// Exactly the bytes delivered, every time.
    body: String,
}

/// What a test can make happen to a session.
#[derive(Clone, Copy)]
enum Transition {
    Pay,
    PayDelayed,
    Settle { succeeded: bool },
    Refund,
    Expire,
}

impl FakeStripe {
    /// Serves on a loopback port.
    ///
    /// # Panics
    /// If no loopback port can be bound, which leaves a test nothing to test.
    pub async fn start(options: FakeStripeOptions) -> FakeStripe {
        let listener = control::bind_loopback()
            .await
            .expect("binding a loopback port for the fake Stripe");
        FakeStripe::start_on(listener, options).expect("starting the fake Stripe")
    }

    pub fn start_on(
        listener: TcpListener,
        options: FakeStripeOptions,
    ) -> std::io::Result<FakeStripe> {
        let address = listener.local_addr()?;
        let state = Arc::new(StripeState {
            options,
            base_url: format!("http://{address}"),
            control: Control::new(fault_body),
            webhook_url: Mutex::new(None),
            ledger: Mutex::new(Ledger::default()),
            deliveries: Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route(SESSIONS_PATH, post(create_session))
            .route(&format!("{SESSIONS_PATH}/{{id}}"), get(retrieve_session))
            .route(
                &format!("{PAY_PATH}/{{id}}"),
                get(payment_page).post(payment_submitted),
            )
            .fallback(unrecognized_url)
            .with_state(state.clone())
            .layer(from_fn_with_state(state.control.clone(), faults_and_log));
        let server = Running::start(listener, router)?;
        Ok(FakeStripe { state, server })
    }

    /// Like `https://api.stripe.com`; the hosted pages are here too.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    pub fn options(&self) -> &FakeStripeOptions {
        &self.state.options
    }

    /// Where events are POSTed from now on.
    pub fn set_webhook_url(&self, url: &str) {
        *lock(&self.state.webhook_url) = Some(url.to_owned());
    }

    /// A client configuration for this fake, with its keys.
    pub fn client_config(&self, timeout: Duration) -> StripeConfig {
        StripeConfig {
            api_url: self.state.base_url.clone(),
            secret_key: self.state.options.secret_key.clone(),
            webhook_secret: self.state.options.webhook_secret.clone(),
            timeout,
        }
    }

    /// Answers the next `n` requests whose path starts with `path_prefix` with `fault`, in Stripe's error shape.
    pub fn fail_next_on(&self, path_prefix: &str, n: usize, fault: Fault) {
        self.state.control.fail_next_on(path_prefix, n, fault);
    }

    /// Requests received whose path starts with `path_prefix`, whatever the answer.
    pub fn calls(&self, path_prefix: &str) -> usize {
        self.state.control.calls(path_prefix)
    }

    /// The session as `GET /v1/checkout/sessions/{id}` would answer it.
    pub fn session(&self, id: &str) -> Option<Value> {
        lock(&self.state.ledger)
            .session(id)
            .map(|session| session.object.clone())
    }

    /// Every session, oldest first.
    pub fn sessions(&self) -> Vec<Value> {
        let ledger = lock(&self.state.ledger);
        ledger
            .sessions
            .iter()
            .map(|session| session.object.clone())
            .collect()
    }

    /// The buyer pays by card: the session completes `paid` with a PaymentIntent and a charge, and
    /// `checkout.session.completed` is delivered. Returns the event's id.
    pub async fn pay(&self, session_id: &str) -> Result<String, String> {
        self.state.happen(session_id, Transition::Pay).await
    }

    /// The buyer chooses a delayed method (bank transfer): the session completes `unpaid`, and
    /// `checkout.session.completed` is delivered.
    pub async fn pay_delayed(&self, session_id: &str) -> Result<String, String> {
        self.state.happen(session_id, Transition::PayDelayed).await
    }

    /// The delayed payment arrives (`checkout.session.async_payment_succeeded`, now `paid`, with a charge) or
    /// fails (`checkout.session.async_payment_failed`, still `unpaid`).
    pub async fn settle_delayed(
        &self,
        session_id: &str,
        succeeded: bool,
    ) -> Result<String, String> {
        self.state
            .happen(session_id, Transition::Settle { succeeded })
            .await
    }

    /// The whole payment is refunded: `charge.refunded` with the Charge.
    pub async fn refund(&self, session_id: &str) -> Result<String, String> {
        self.state.happen(session_id, Transition::Refund).await
    }

    /// An open session expires unpaid: `checkout.session.expired`.
    pub async fn expire(&self, session_id: &str) -> Result<String, String> {
        self.state.happen(session_id, Transition::Expire).await
    }

    /// Delivers an earlier event again, same id and same body, signed now: what Stripe does after a failed
    /// delivery, and sometimes after a successful one. Returns the endpoint's status.
    pub async fn redeliver(&self, event_id: &str) -> Result<u16, String> {
        let event = lock(&self.state.ledger).events.get(event_id).cloned();
        let event = event.ok_or_else(|| format!("no such event: {event_id}"))?;
        self.state.deliver(&event).await
    }

    /// Every delivery attempt, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.state.deliveries).clone()
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

impl StripeState {
    fn now(&self) -> i64 {
        self.options.clock.now().timestamp()
    }

    /// Applies `transition` and delivers the event it makes.
    async fn happen(&self, session_id: &str, transition: Transition) -> Result<String, String> {
        let event = self.apply(session_id, transition)?;
        // A failed delivery is recorded; the event happened all the same.
        let _ = self.deliver(&event).await;
        Ok(event.id)
    }

    fn apply(&self, session_id: &str, transition: Transition) -> Result<Event, String> {
        let now = self.now();
        let mut ledger = lock(&self.ledger);
        let session = ledger
            .session_mut(session_id)
            .ok_or_else(|| format!("no such checkout session: {session_id}"))?;
        let (kind, object) = session.apply(transition, now)?;
        let id = new_id("evt_");
        let event = Event {
            body: envelope(&id, kind, object, now),
            id,
            kind: kind.to_owned(),
        };
        ledger.events.insert(event.id.clone(), event.clone());
        Ok(event)
    }

    /// POSTs `event` to the webhook URL, signed now, and records what became of it.
    async fn deliver(&self, event: &Event) -> Result<u16, String> {
        let url = lock(&self.webhook_url).clone();
        let result = match url {
            Some(url) => {
                let body = event.body.as_bytes();
                let signature = signature_header(&self.options.webhook_secret, self.now(), body);
                post_webhook(&url, &signature, body).await
            }
            None => Err("no webhook URL is set".to_owned()),
        };
        if let Err(error) = &result {
            tracing::warn!(event = %event.id, %error, "fake Stripe could not deliver a webhook");
        }
        lock(&self.deliveries).push(Delivery {
            event_id: event.id.clone(),
            kind: event.kind.clone(),
            status: result.as_ref().ok().copied(),
        });
        result
    }

    /// `Ok` when the request carries the secret key as Bearer or as Basic's user name.
    fn authenticate(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(unauthorized(
                "You did not provide an API key. Provide it in the Authorization header, using Bearer auth \
                 (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            ));
        };
        let (scheme, credentials) = value.trim().split_once(' ').unwrap_or((value, ""));
        let presented = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => credentials.trim().to_owned(),
            "basic" => base64_decode(credentials.trim())
                .map(|decoded| String::from_utf8_lossy(&decoded).into_owned())
                .map(|user_pass| user_pass.split(':').next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        if presented.is_empty() || presented != self.options.secret_key {
            let masked = masked_key(&presented);
            return Err(unauthorized(format!("Invalid API Key provided: {masked}")));
        }
        Ok(())
    }
}

impl Ledger {
    fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.iter().find(|session| session.id() == id)
    }

    fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.sessions.iter_mut().find(|session| session.id() == id)
    }
}

impl Session {
    fn id(&self) -> &str {
        self.text("id")
    }

    fn text(&self, field: &str) -> &str {
        self.object[field].as_str().unwrap_or_default()
    }

    /// Why the buyer cannot pay now, if they cannot.
    fn unpayable(&self, now: i64) -> Option<String> {
        let status = self.text("status");
        if status != "open" {
            return Some(format!(
                "This checkout session is {status} and can no longer be paid."
            ));
        }
        let expired = self.object["expires_at"]
            .as_i64()
            .is_some_and(|at| now >= at);
        expired.then(|| "This checkout session has expired.".to_owned())
    }

    /// The event `transition` makes: its type and its object.
    fn apply(&mut self, transition: Transition, now: i64) -> Result<(&'static str, Value), String> {
        let id = self.id().to_owned();
        let kind = match transition {
            Transition::Pay | Transition::PayDelayed => {
                if let Some(reason) = self.unpayable(now) {
                    return Err(format!("{id}: {reason}"));
                }
                let email = self.object["customer_email"].clone();
                self.object["status"] = json!("complete");
                self.object["url"] = Value::Null;
                self.object["payment_intent"] = json!(new_id("pi_"));
                self.object["customer_details"] = json!({ "email": email });
                if matches!(transition, Transition::Pay) {
                    self.charge_now(now);
                } else {
                    self.awaiting_settlement = true;
                }
                "checkout.session.completed"
            }
            Transition::Settle { succeeded } => {
                if !self.awaiting_settlement {
                    return Err(format!("{id} has no delayed payment waiting to settle"));
                }
                self.awaiting_settlement = false;
                if succeeded {
                    self.charge_now(now);
                    "checkout.session.async_payment_succeeded"
                } else {
                    "checkout.session.async_payment_failed"
                }
            }
            Transition::Refund => {
                let charge = self
                    .charge
                    .as_mut()
                    .ok_or_else(|| format!("{id} has no payment to refund"))?;
                if charge["refunded"] == json!(true) {
                    return Err(format!("{id} is already refunded"));
                }
                charge["amount_refunded"] = charge["amount"].clone();
                charge["refunded"] = json!(true);
                return Ok(("charge.refunded", charge.clone()));
            }
            Transition::Expire => {
                if self.text("status") != "open" {
                    return Err(format!("{id} is {}, not open", self.text("status")));
                }
                self.object["status"] = json!("expired");
                self.object["url"] = Value::Null;
                "checkout.session.expired"
            }
        };
        Ok((kind, self.object.clone()))
    }

    /// The card (or the settled transfer) is charged: the session is paid.
    fn charge_now(&mut self, now: i64) {
        let object = &mut self.object;
        object["payment_status"] = json!("paid");
        self.charge = Some(json!({
            "id": new_id("ch_"),
            "object": "charge",
            "amount": object["amount_total"],
            "amount_captured": object["amount_total"],
            "amount_refunded": 0,
            "captured": true,
            "created": now,
            "currency": object["currency"],
            "livemode": false,
            "paid": true,
            "payment_intent": object["payment_intent"],
            "refunded": false,
            "status": "succeeded",
        }));
    }
}

/// An event's body as Stripe sends it: pretty-printed, so a receiver that re-serializes before verifying fails.
fn envelope(id: &str, kind: &str, object: Value, created: i64) -> String {
    let event = json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
    });
    serde_json::to_string_pretty(&event).unwrap_or_default()
}

// The API.

/// An error as Stripe answers it: `{"error":{"type","code","param","message"}}`.
struct ApiError {
    status: StatusCode,
    kind: &'static str,
    code: Option<&'static str>,
    param: Option<String>,
    message: String,
}

/// 400 `invalid_request_error` about `param` ("" for none), with `code` ("" for none).
fn invalid(param: &str, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        kind: "invalid_request_error",
        code: (!code.is_empty()).then_some(code),
        param: (!param.is_empty()).then(|| param.to_owned()),
        message: message.into(),
    }
}

fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        ..invalid("", "", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("type".to_owned(), json!(self.kind));
        if let Some(code) = self.code {
            error.insert("code".to_owned(), json!(code));
        }
        if let Some(param) = self.param {
            error.insert("param".to_owned(), json!(param));
        }
        error.insert("message".to_owned(), json!(self.message));
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

/// `POST /v1/checkout/sessions`.
async fn create_session(
    State(state): State<Arc<StripeState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    state.authenticate(&headers)?;
    let mut params = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .map_err(|_| invalid("", "", "Invalid request body: expected a form."))?;
    params.sort();
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut ledger = lock(&state.ledger);
    if let Some((key, (first_params, answer))) = key
        .as_ref()
        .and_then(|key| Some((key, ledger.idempotency.get(key)?)))
    {
        if *first_params != params {
            return Err(ApiError {
                kind: "idempotency_error",
                ..invalid("", "", idempotency_conflict(key))
            });
        }
        return Ok(([("idempotent-replayed", "true")], Json(answer.clone())).into_response());
    }
    // Like Stripe, only a request that got past validation keeps its key.
    let session = new_session(&params, &state.base_url, state.now())?;
    if let Some(key) = key {
        ledger
            .idempotency
            .insert(key, (params, session.object.clone()));
    }
    let answer = Json(session.object.clone()).into_response();
    ledger.sessions.push(session);
    Ok(answer)
}

fn idempotency_conflict(key: &str) -> String {
    format!(
        "Keys for idempotent requests can only be used with the same parameters they were first used with. \
         Try using a key other than '{key}' if you meant to execute a different request."
    )
}

/// Checks the create parameters as Stripe does and makes the open session.
fn new_session(params: &[(String, String)], base_url: &str, now: i64) -> Result<Session, ApiError> {
    let mut form: BTreeMap<&str, &str> = BTreeMap::new();
    let mut metadata = Map::new();
    for (name, value) in params {
        if let Some(key) = name
            .strip_prefix("metadata[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            metadata.insert(key.to_owned(), json!(value));
        } else if KNOWN_PARAMS.contains(&name.as_str()) {
            form.insert(name, value);
        } else {
            let message = format!("Received unknown parameter: {name}");
            return Err(invalid(name, "parameter_unknown", message));
        }
    }
    let required = |name: &'static str| -> Result<&str, ApiError> {
        match form.get(name).copied() {
            None => {
                let message = format!("Missing required param: {name}.");
                Err(invalid(name, "parameter_missing", message))
            }
            Some("") => {
                let message =
                    format!("You passed an empty string for '{name}', which cannot be empty.");
                Err(invalid(name, "parameter_invalid_empty", message))
            }
            Some(value) => Ok(value),
        }
    };
    let mode = required("mode")?;
    if mode != "payment" {
        let message = format!("Invalid mode: {mode}. The fake Stripe supports only payment.");
        return Err(invalid("mode", "", message));
    }
    let currency = required(CURRENCY)?.to_ascii_lowercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        let message = format!("Invalid currency: {currency}.");
        return Err(invalid(CURRENCY, "", message));
    }
    let amount = positive_integer(UNIT_AMOUNT, required(UNIT_AMOUNT)?)?;
    let product_name = required(PRODUCT_NAME)?.to_owned();
    let quantity = positive_integer(QUANTITY, required(QUANTITY)?)?;
    let mut urls = Vec::new();
    for name in ["success_url", "cancel_url"] {
        let url = required(name)?;
        if !is_absolute_http_url(url) {
            return Err(invalid(name, "url_invalid", "Not a valid URL"));
        }
        urls.push(url);
    }
    let client_reference_id = form.get("client_reference_id").copied();
    let customer_email = form.get("customer_email").copied();
    if let Some(email) = customer_email.filter(|email| !is_email(email)) {
        let message = format!("Invalid email address: {email}");
        return Err(invalid("customer_email", "email_invalid", message));
    }
    let id = new_id("cs_test_");
    let total = amount.saturating_mul(quantity);
    let object = json!({
        "id": id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": urls[1],
        "client_reference_id": client_reference_id,
        "created": now,
        "currency": currency,
        "customer": null,
        "customer_details": null,
        "customer_email": customer_email,
        "expires_at": now + SESSION_LIFETIME_SECS,
        "livemode": false,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": null,
        "payment_status": "unpaid",
        "status": "open",
        "success_url": urls[0],
        "url": format!("{base_url}{PAY_PATH}/{id}"),
    });
    Ok(Session {
        object,
        product_name,
        awaiting_settlement: false,
        charge: None,
    })
}

/// `GET /v1/checkout/sessions/{id}`.
async fn retrieve_session(
    State(state): State<Arc<StripeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.authenticate(&headers)?;
    let ledger = lock(&state.ledger);
    let session = ledger.session(&id).ok_or_else(|| ApiError {
        status: StatusCode::NOT_FOUND,
        ..invalid(
            "id",
            "resource_missing",
            format!("No such checkout.session: '{id}'"),
        )
    })?;
    Ok(Json(session.object.clone()).into_response())
}

async fn unrecognized_url(method: Method, uri: Uri) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        ..invalid(
            "",
            "",
            format!("Unrecognized request URL ({method}: {}).", uri.path()),
        )
    }
}

fn positive_integer(name: &str, value: &str) -> Result<i64, ApiError> {
    let number: i64 = value.parse().map_err(|_| {
        invalid(
            name,
            "parameter_invalid_integer",
            format!("Invalid integer: {value}"),
        )
    })?;
    if number < 1 {
        return Err(invalid(
            name,
            "",
            "This value must be greater than or equal to 1.",
        ));
    }
    Ok(number)
}

fn is_absolute_http_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !url.chars().any(char::is_whitespace)
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let domain_ok = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
    !local.is_empty() && domain_ok && !text.chars().any(char::is_whitespace)
}

/// Injected faults in Stripe's shape: 429 `rate_limit`, 5xx `api_error`.
fn fault_body(status: StatusCode, message: &str) -> Value {
    let error = match status.as_u16() {
        429 => json!({"type": "invalid_request_error", "code": "rate_limit", "message": message}),
        500.. => json!({"type": "api_error", "message": message}),
        _ => json!({"type": "invalid_request_error", "message": message}),
    };
    json!({ "error": error })
}

/// A presented key as Stripe echoes it: the `sk_test_` prefix and the last four characters.
fn masked_key(key: &str) -> String {
    let prefix_len = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .iter()
        .find(|prefix| key.starts_with(*prefix))
        .map_or(0, |prefix| prefix.len());
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < prefix_len + 8 {
        return "*".repeat(chars.len().max(4));
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    let hidden = "*".repeat(chars.len() - prefix_len - 4);
    format!("{}{hidden}{tail}", &key[..prefix_len])
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn new_id(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("{prefix}{suffix}")
}

// The hosted payment page.

/// `GET /c/pay/{id}`: what is bought, for how much, and the ways to pay.
async fn payment_page(
    State(state): State<Arc<StripeState>>,
    Path(id): Path<String>,
) -> Result<Response, Closed> {
    let body = state.payable(&id, |session| {
        let email = match session.object["customer_email"].as_str() {
            Some(email) => format!("<p class=\"note\">Receipt to {}</p>\n", escape_html(email)),
            None => String::new(),
        };
        let amount = session.object["amount_total"].as_i64().unwrap_or_default();
        format!(
            r#"<p class="product">{product}</p>
<p class="amount">{amount}</p>
{email}<form method="post" action="{PAY_PATH}/{id}">
<button type="submit" name="outcome" value="paid">Pay</button>
<button type="submit" name="outcome" value="delayed">Pay later (bank transfer)</button>
</form>
<p><a href="{cancel}">Cancel</a></p>
<p class="note">Dropday's local stand-in for Stripe Checkout: no money moves.</p>"#,
            product = escape_html(&session.product_name),
            amount = escape_html(&format_amount(amount, session.text("currency"))),
            id = escape_html(&id),
            cancel = escape_html(session.text("cancel_url")),
        )
    })?;
    Ok(page(StatusCode::OK, "Pay (sandbox)", &body))
}

/// `POST /c/pay/{id}`: completes the session, delivers the webhook (awaiting the endpoint, so Dropday knows
/// before the browser is back), then sends the browser to `success_url`.
async fn payment_submitted(
    State(state): State<Arc<StripeState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Closed> {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let transition = match form.get("outcome").map(String::as_str) {
        Some("paid") => Transition::Pay,
        Some("delayed") => Transition::PayDelayed,
        _ => return Err(Closed::bad_request("Choose a way to pay.")),
    };
    let success_url = state.payable(&id, |session| {
        session
            .text("success_url")
            .replace("{CHECKOUT_SESSION_ID}", &id)
    })?;
    state
        .happen(&id, transition)
        .await
        .map_err(Closed::bad_request)?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, success_url)]).into_response())
}

impl StripeState {
    /// `read` of the session if it can be paid now; otherwise why not.
    fn payable<T>(&self, id: &str, read: impl FnOnce(&Session) -> T) -> Result<T, Closed> {
        let ledger = lock(&self.ledger);
        let Some(session) = ledger.session(id) else {
            return Err(Closed(
                StatusCode::NOT_FOUND,
                "There is no such checkout session.".into(),
            ));
        };
        match session.unpayable(self.now()) {
            Some(reason) => Err(Closed::bad_request(reason)),
            None => Ok(read(session)),
        }
    }
}

/// Why a payment page cannot be paid, answered as a page saying so.
struct Closed(StatusCode, String);

impl Closed {
    fn bad_request(reason: impl Into<String>) -> Closed {
        Closed(StatusCode::BAD_REQUEST, reason.into())
    }
}

impl IntoResponse for Closed {
    fn into_response(self) -> Response {
        page(
            self.0,
            "Checkout",
            &format!("<p>{}</p>", escape_html(&self.1)),
        )
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let title = escape_html(title);
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>
body {{ margin: 0; background: #f6f9fc; color: #30313d; font: 16px/1.5 system-ui, sans-serif; }}
main {{ max-width: 26rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 8px; }}
.amount {{ font-size: 2rem; font-weight: 700; }}
.note {{ color: #6d6e78; font-size: .875rem; }}
button {{ display: block; width: 100%; padding: .75rem; margin-top: .75rem; font: inherit; cursor: pointer; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#
    );
    (status, Html(html)).into_response()
}

/// `1500, "eur"` → `15.00 EUR`; zero-decimal currencies have no minor unit.
fn format_amount(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL_CURRENCIES
        .split(' ')
        .any(|code| code == currency)
    {
        return format!("{amount} {code}");
    }
    format!("{}.{:02} {code}", amount / 100, amount % 100)
}

// Webhook delivery: a plain HTTP/1.1 POST, enough for an endpoint on this machine.

/// POSTs `body` to `url` (http only) and returns the answer's status.
async fn post_webhook(url: &str, signature: &str, body: &[u8]) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("the fake delivers webhooks over plain http only, not to {url}"))?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let (host, port) =
        host_and_port(authority).ok_or_else(|| format!("not a usable webhook URL: {url}"))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n\
         Content-Type: application/json; charset=utf-8\r\nStripe-Signature: {signature}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let exchange = async {
        let mut stream = TcpStream::connect((host, port)).await?;
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        while answer.len() < MAX_ANSWER_BYTES {
            let read = stream.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..read]);
        }
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(WEBHOOK_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("{url} did not answer within {WEBHOOK_TIMEOUT:?}"))?
        .map_err(|error| format!("{url}: {error}"))?;
    // `HTTP/1.1 200 OK`
    let status_line = answer
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    String::from_utf8_lossy(status_line)
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| format!("{url} did not answer in HTTP"))
}

/// `127.0.0.1:3000`, `localhost`, `[::1]:3000`.
fn host_and_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => 80,
    };
    (!host.is_empty()).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_as_stripe_echoes_them() {
        assert_eq!(
            masked_key("sk_test_abcdefghijklmnop1234"),
            "sk_test_****************1234"
        );
        assert_eq!(masked_key("short"), "*****");
        assert_eq!(masked_key(""), "****");
    }

    #[test]
    fn basic_credentials_decode() {
        // base64("sk_test_x:") and base64("hello")
        assert_eq!(base64_decode("c2tfdGVzdF94Og==").unwrap(), b"sk_test_x:");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert!(base64_decode("not base64!").is_none());
    }

    #[test]
    fn webhook_urls_split_into_host_and_port() {
        assert_eq!(host_and_port("127.0.0.1:3000"), Some(("127.0.0.1", 3000)));
        assert_eq!(host_and_port("localhost"), Some(("localhost", 80)));
        assert_eq!(host_and_port("[::1]:8080"), Some(("::1", 8080)));
        assert_eq!(host_and_port(":80"), None);
        assert_eq!(host_and_port("host:port"), None);
    }

    #[test]
    fn amounts_show_in_major_units() {
        assert_eq!(format_amount(1500, "eur"), "15.00 EUR");
        assert_eq!(format_amount(5, "usd"), "0.05 USD");
        assert_eq!(format_amount(500, "jpy"), "500 JPY");
    }

    #[test]
    fn urls_and_emails_are_checked() {
        assert!(is_absolute_http_url(
            "https://drop.example/ok?session_id={CHECKOUT_SESSION_ID}"
        ));
        assert!(is_absolute_http_url("http://127.0.0.1:3000/x"));
        assert!(!is_absolute_http_url("/relative"));
        assert!(!is_absolute_http_url("ftp://drop.example/"));
        assert!(!is_absolute_http_url("https:///path"));
        assert!(is_email("fan@drop.example"));
        assert!(!is_email("fan@localhost"));
        assert!(!is_email("not an email"));
    }
}
