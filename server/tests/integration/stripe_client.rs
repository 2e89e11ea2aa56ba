//! The Stripe Checkout client against the fake Stripe, over real HTTP on loopback: what a create sends, idempotent
//! retries, every error the callers tell apart (with the secret key kept out of all of them), reading sessions
//! back, the hosted payment page, and webhooks signed by the fake and verified by the client.
use app::server::billing::stripe::{
    CheckoutRequest, PaymentStatus, StripeClient, StripeError, WebhookError, WebhookEvent,
};
use app::server::{Clock, ManualClock, SharedClock};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Duration as TimeDelta, TimeZone, Utc};
use serde_json::Value;
use server::sandbox::stripe::{Delivery, FakeStripe, FakeStripeOptions, SESSIONS_PATH};
use server::sandbox::Fault;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Distinctive enough that finding it anywhere in an error is a leak.
const SECRET_KEY: &str = "sk_test_51DropdaySecretKey0123456789abcdef";
const WEBHOOK_SECRET: &str = "whsec_DropdayWebhookSecret0123456789";
const WEBHOOK_PATH: &str = "/webhooks/stripe";

struct Setup {
    fake: FakeStripe,
    client: StripeClient,
    clock: Arc<ManualClock>,
}

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

async fn setup() -> Setup {
    setup_with_timeout(Duration::from_secs(5)).await
}

async fn setup_with_timeout(timeout: Duration) -> Setup {
    let clock = Arc::new(ManualClock::new(start_time()));
    let shared: SharedClock = clock.clone();
    let fake = FakeStripe::start(FakeStripeOptions {
        secret_key: SECRET_KEY.to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
        clock: shared,
    })
    .await;
    let client = StripeClient::new(fake.client_config(timeout)).expect("a Stripe client");
    Setup {
        fake,
        client,
        clock,
    }
}

fn request(idempotency_key: &str) -> CheckoutRequest {
    CheckoutRequest {
        idempotency_key: idempotency_key.to_owned(),
        product_name: "Release fee: Afterglow Atlas".to_owned(),
        unit_amount: 1500,
        currency: "EUR".to_owned(),
        success_url: "https://drop.example/billing/return?session_id={CHECKOUT_SESSION_ID}"
            .to_owned(),
        cancel_url: "https://drop.example/billing/cancelled".to_owned(),
        client_reference_id: "payment-42".to_owned(),
        customer_email: Some("artist@drop.example".to_owned()),
        metadata: vec![
            ("payment_id".to_owned(), "42".to_owned()),
            ("release".to_owned(), "afterglow-atlas".to_owned()),
        ],
    }
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET_KEY), "the secret key leaked: {text}");
    assert!(
        !text.contains(WEBHOOK_SECRET),
        "the webhook secret leaked: {text}"
    );
}

/// The error, checked for secrets in both its Display and Debug forms.
fn failed<T: std::fmt::Debug>(result: Result<T, StripeError>) -> StripeError {
    let error = result.expect_err("expected an error");
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    error
}

/// `(kind, code, param)` of a `Rejected`.
fn rejected(error: StripeError) -> (String, Option<String>, Option<String>) {
    match error {
        StripeError::Rejected {
            status: 400,
            kind,
            code,
            param,
            ..
        } => (kind, code, param),
        other => panic!("expected a 400 Rejected, got {other:?}"),
    }
}

/// What a webhook endpoint received: each delivery's `Stripe-Signature` and raw body.
type Received = Arc<Mutex<Vec<(Option<String>, Bytes)>>>;

/// A webhook endpoint that records what it receives and answers `status`.
struct Receiver {
    url: String,
    received: Received,
}

async fn receiver(status: StatusCode) -> Receiver {
    async fn record(
        State((received, status)): State<(Received, StatusCode)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let signature = headers
            .get("stripe-signature")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        received.lock().unwrap().push((signature, body));
        status
    }
    let received: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr().unwrap());
    let router = Router::new()
        .route(WEBHOOK_PATH, post(record))
        .with_state((received.clone(), status));
    tokio::spawn(async move { axum::serve(listener, router).await });
    Receiver { url, received }
}

impl Receiver {
    fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// The last delivery: its signature header and raw body.
    fn last(&self) -> (Option<String>, Bytes) {
        self.received
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a delivery")
    }
}

/// The last delivery, verified by the client at the fake's clock.
fn verified(setup: &Setup, receiver: &Receiver) -> WebhookEvent {
    let (signature, body) = receiver.last();
    setup
        .client
        .verify_webhook(&body, signature.as_deref(), setup.clock.now())
        .expect("the fake's signature verifies")
}

// Creating sessions.

#[tokio::test]
async fn a_created_session_carries_what_was_sent() {
    let setup = setup().await;
    let session = setup
        .client
        .create_checkout_session(&request("create-1"))
        .await
        .expect("a session");

    assert!(session.id.starts_with("cs_test_"), "{}", session.id);
    assert_eq!(session.status, "open");
    assert_eq!(session.payment_status, PaymentStatus::Unpaid);
    assert_eq!(session.amount_total, Some(1500));
    assert_eq!(session.currency.as_deref(), Some("eur"));
    assert_eq!(session.client_reference_id.as_deref(), Some("payment-42"));
    assert_eq!(session.payment_intent, None);
    assert_eq!(
        session.metadata.get("payment_id").map(String::as_str),
        Some("42")
    );
    assert_eq!(
        session.metadata.get("release").map(String::as_str),
        Some("afterglow-atlas")
    );
    assert_eq!(
        session.expires_at,
        Some(start_time().timestamp() + 24 * 3600)
    );
    let url = session.url.clone().expect("an open session has a url");
    assert_eq!(
        url,
        format!("{}/c/pay/{}", setup.fake.base_url(), session.id)
    );

    // What the fake stored: the fields Stripe answers with.
    let stored = setup.fake.session(&session.id).expect("stored");
    assert_eq!(stored["customer_email"], "artist@drop.example");
    assert_eq!(stored["mode"], "payment");
    assert_eq!(
        stored["success_url"],
        "https://drop.example/billing/return?session_id={CHECKOUT_SESSION_ID}"
    );
    assert_eq!(
        stored["cancel_url"],
        "https://drop.example/billing/cancelled"
    );
    assert_eq!(setup.fake.sessions().len(), 1);

    // The product's name and the amount reach the hosted page.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Release fee: Afterglow Atlas"), "{html}");
    assert!(html.contains("15.00 EUR"), "{html}");
    assert!(html.contains("https://drop.example/billing/cancelled"));
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_same_session() {
    let setup = setup().await;
    let first = setup
        .client
        .create_checkout_session(&request("retry-1"))
        .await
        .unwrap();
    let again = setup
        .client
        .create_checkout_session(&request("retry-1"))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.url, first.url);
    assert_eq!(setup.fake.sessions().len(), 1);
    assert_eq!(setup.fake.calls(SESSIONS_PATH), 2);

    // Another key is another session.
    let other = setup
        .client
        .create_checkout_session(&request("retry-2"))
        .await
        .unwrap();
    assert_ne!(other.id, first.id);
    assert_eq!(setup.fake.sessions().len(), 2);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused() {
    let setup = setup().await;
    setup
        .client
        .create_checkout_session(&request("changed-1"))
        .await
        .unwrap();
    let changed = CheckoutRequest {
        unit_amount: 2500,
        ..request("changed-1")
    };
    let error = failed(setup.client.create_checkout_session(&changed).await);
    let (kind, _, _) = rejected(error);
    assert_eq!(kind, "idempotency_error");
    assert_eq!(setup.fake.sessions().len(), 1);
}

#[tokio::test]
async fn invalid_parameters_are_rejected_with_the_parameter() {
    let setup = setup().await;
    let cases: Vec<(CheckoutRequest, &str, Option<&str>)> = vec![
        (
            CheckoutRequest {
                currency: "euro".to_owned(),
                ..request("bad-currency")
            },
            "line_items[0][price_data][currency]",
            None,
        ),
        (
            CheckoutRequest {
                unit_amount: 0,
                ..request("bad-amount")
            },
            "line_items[0][price_data][unit_amount]",
            None,
        ),
        (
            CheckoutRequest {
                product_name: String::new(),
                ..request("bad-name")
            },
            "line_items[0][price_data][product_data][name]",
            Some("parameter_invalid_empty"),
        ),
        (
            CheckoutRequest {
                success_url: "/billing/return".to_owned(),
                ..request("bad-success")
            },
            "success_url",
            Some("url_invalid"),
        ),
        (
            CheckoutRequest {
                cancel_url: String::new(),
                ..request("bad-cancel")
            },
            "cancel_url",
            Some("parameter_invalid_empty"),
        ),
        (
            CheckoutRequest {
                customer_email: Some("not an email".to_owned()),
                ..request("bad-email")
            },
            "customer_email",
            Some("email_invalid"),
        ),
    ];
    for (bad, expected_param, expected_code) in cases {
        let error = failed(setup.client.create_checkout_session(&bad).await);
        let (kind, code, param) = rejected(error);
        assert_eq!(kind, "invalid_request_error", "{expected_param}");
        assert_eq!(param.as_deref(), Some(expected_param));
        assert_eq!(code.as_deref(), expected_code, "{expected_param}");
    }
    assert!(setup.fake.sessions().is_empty());
    // A refused request does not keep its key: fixed, it goes through.
    setup
        .client
        .create_checkout_session(&request("bad-amount"))
        .await
        .expect("the corrected request");
}

#[tokio::test]
async fn the_fake_checks_the_form_as_stripe_does() {
    let setup = setup().await;
    let url = format!("{}{SESSIONS_PATH}", setup.fake.base_url());
    let http = reqwest::Client::new();
    let post = |form: Vec<(&'static str, &'static str)>| {
        http.post(&url)
            .basic_auth(SECRET_KEY, Some(""))
            .form(&form)
            .send()
    };
    let complete = vec![
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "900"),
        ("line_items[0][price_data][product_data][name]", "Package"),
        ("line_items[0][quantity]", "1"),
        ("success_url", "http://127.0.0.1:3000/ok"),
        ("cancel_url", "http://127.0.0.1:3000/no"),
    ];
    // Basic auth with the key as the user works as Bearer does.
    let answer = post(complete.clone()).await.unwrap();
    assert_eq!(answer.status(), 200);

    let error_of = |body: Value| -> (String, String, String) {
        let error = &body["error"];
        let text = |field: &str| error[field].as_str().unwrap_or_default().to_owned();
        (text("type"), text("code"), text("param"))
    };
    let without_cancel: Vec<_> = complete
        .iter()
        .copied()
        .filter(|(name, _)| *name != "cancel_url")
        .collect();
    let answer = post(without_cancel).await.unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(
        error_of(answer.json().await.unwrap()),
        (
            "invalid_request_error".to_owned(),
            "parameter_missing".to_owned(),
            "cancel_url".to_owned()
        )
    );

    let mut unknown = complete.clone();
    unknown.push(("line_items[0][price]", "price_123"));
    let answer = post(unknown).await.unwrap();
    assert_eq!(answer.status(), 400);
    let (_, code, param) = error_of(answer.json().await.unwrap());
    assert_eq!(
        (code.as_str(), param.as_str()),
        ("parameter_unknown", "line_items[0][price]")
    );

    let mut subscription = complete.clone();
    subscription[0] = ("mode", "subscription");
    let answer = post(subscription).await.unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(error_of(answer.json().await.unwrap()).2, "mode");

    let mut zero_quantity = complete;
    zero_quantity[4] = ("line_items[0][quantity]", "0");
    let answer = post(zero_quantity).await.unwrap();
    assert_eq!(
        error_of(answer.json().await.unwrap()).2,
        "line_items[0][quantity]"
    );

    let answer = http
        .get(format!("{}/v1/nothing", setup.fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}

// Errors.

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_never_echoed() {
    let setup = setup().await;
    let wrong_key = "sk_test_51SomeoneElsesKeyThatIsLong9876";
    let client = StripeClient::new(app::server::billing::stripe::StripeConfig {
        secret_key: wrong_key.to_owned(),
        ..setup.fake.client_config(Duration::from_secs(5))
    })
    .unwrap();
    let error = client
        .create_checkout_session(&request("wrong-key"))
        .await
        .expect_err("a wrong key is refused");
    let StripeError::Unauthorized(message) = &error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert!(message.contains("Invalid API Key provided"), "{message}");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(wrong_key), "the key leaked: {text}");
        assert_no_secret(&text);
    }
    let error = client.retrieve_checkout_session("cs_test_x").await;
    assert!(matches!(failed(error), StripeError::Unauthorized(_)));
    assert!(setup.fake.sessions().is_empty());
}

#[tokio::test]
async fn rate_limits_say_when_to_come_back() {
    let setup = setup().await;
    setup.fake.fail_next_on(
        SESSIONS_PATH,
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(7),
        },
    );
    let error = failed(
        setup
            .client
            .create_checkout_session(&request("limited"))
            .await,
    );
    assert!(
        matches!(error, StripeError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(7)),
        "{error:?}"
    );
    // The same key afterwards creates the session: the 429 kept nothing.
    setup
        .client
        .create_checkout_session(&request("limited"))
        .await
        .unwrap();
}

#[tokio::test]
async fn server_errors_and_malformed_answers_are_told_apart() {
    let setup = setup().await;
    setup
        .fake
        .fail_next_on(SESSIONS_PATH, 1, Fault::ServerError);
    let error = failed(
        setup
            .client
            .create_checkout_session(&request("broken"))
            .await,
    );
    assert!(matches!(error, StripeError::Server(500)), "{error:?}");

    setup.fake.fail_next_on(SESSIONS_PATH, 1, Fault::Malformed);
    let error = failed(
        setup
            .client
            .create_checkout_session(&request("broken"))
            .await,
    );
    assert!(matches!(error, StripeError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let setup = setup_with_timeout(Duration::from_millis(300)).await;
    setup
        .fake
        .fail_next_on(SESSIONS_PATH, 1, Fault::Delay(Duration::from_secs(2)));
    let error = failed(setup.client.create_checkout_session(&request("slow")).await);
    assert!(matches!(error, StripeError::Timeout), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_stripe_is_a_network_error_without_the_url_or_key() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = StripeClient::new(app::server::billing::stripe::StripeConfig {
        api_url: format!("http://{address}"),
        secret_key: SECRET_KEY.to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    let error = failed(client.create_checkout_session(&request("down")).await);
    assert!(matches!(error, StripeError::Network(_)), "{error:?}");
    assert!(!error.to_string().contains("/v1/checkout"), "{error}");
}

// Reading sessions back.

#[tokio::test]
async fn a_paid_session_reads_back_paid_with_its_payment_intent() {
    let setup = setup().await;
    let session = setup
        .client
        .create_checkout_session(&request("paid-1"))
        .await
        .unwrap();
    setup.fake.pay(&session.id).await.unwrap();

    let read = setup
        .client
        .retrieve_checkout_session(&session.id)
        .await
        .unwrap();
    assert_eq!(read.id, session.id);
    assert_eq!(read.status, "complete");
    assert_eq!(read.payment_status, PaymentStatus::Paid);
    assert_eq!(read.url, None);
    let payment_intent = read.payment_intent.expect("a payment intent");
    assert!(payment_intent.starts_with("pi_"), "{payment_intent}");
    assert_eq!(read.client_reference_id.as_deref(), Some("payment-42"));

    // Paying twice is not possible.
    assert!(setup.fake.pay(&session.id).await.is_err());
}

#[tokio::test]
async fn an_unknown_session_is_not_found() {
    let setup = setup().await;
    let error = failed(
        setup
            .client
            .retrieve_checkout_session("cs_test_doesnotexist")
            .await,
    );
    let StripeError::NotFound(message) = error else {
        panic!("expected NotFound, got {error:?}");
    };
    assert!(message.contains("cs_test_doesnotexist"), "{message}");
    // An id cannot change the path.
    let error = failed(
        setup
            .client
            .retrieve_checkout_session("../../sessions?x=1")
            .await,
    );
    assert!(matches!(error, StripeError::NotFound(_)), "{error:?}");
}

// Webhooks.

#[tokio::test]
async fn a_payment_is_delivered_signed_and_verifies() {
    let setup = setup().await;
    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    let session = setup
        .client
        .create_checkout_session(&request("hook-1"))
        .await
        .unwrap();

    let event_id = setup.fake.pay(&session.id).await.unwrap();
    assert_eq!(receiver.count(), 1, "delivered before pay() returns");
    let event = verified(&setup, &receiver);
    assert_eq!(event.id, event_id);
    assert!(event.id.starts_with("evt_"));
    assert_eq!(event.kind, "checkout.session.completed");
    assert_eq!(event.created, start_time().timestamp());
    let paid = event.checkout_session().expect("a checkout session");
    assert_eq!(paid.id, session.id);
    assert_eq!(paid.status, "complete");
    assert_eq!(paid.payment_status, PaymentStatus::Paid);
    assert_eq!(paid.client_reference_id.as_deref(), Some("payment-42"));
    assert_eq!(
        paid.metadata.get("payment_id").map(String::as_str),
        Some("42")
    );
    assert_eq!(event.payment_intent_id(), paid.payment_intent);
    assert_eq!(
        setup.fake.deliveries(),
        vec![Delivery {
            event_id: event_id.clone(),
            kind: "checkout.session.completed".to_owned(),
            status: Some(200),
        }]
    );

    // The body is Stripe's envelope.
    let (_, body) = receiver.last();
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(envelope["object"], "event");
    assert_eq!(envelope["livemode"], false);
    assert_eq!(envelope["api_version"], "2024-06-20");
    assert_eq!(envelope["data"]["object"]["object"], "checkout.session");

    // Five minutes and a second later, the same delivery is refused as stale.
    setup.clock.advance(TimeDelta::seconds(301));
    let (signature, body) = receiver.last();
    let stale = setup
        .client
        .verify_webhook(&body, signature.as_deref(), setup.clock.now())
        .expect_err("stale");
    assert!(
        matches!(stale, WebhookError::StaleTimestamp { age_secs: 301 }),
        "{stale:?}"
    );
}

#[tokio::test]
async fn a_refund_names_the_sessions_payment_intent() {
    let setup = setup().await;
    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    let session = setup
        .client
        .create_checkout_session(&request("refund-1"))
        .await
        .unwrap();
    setup.fake.pay(&session.id).await.unwrap();
    let payment_intent = verified(&setup, &receiver)
        .checkout_session()
        .and_then(|session| session.payment_intent)
        .expect("a payment intent");

    setup.clock.advance(TimeDelta::minutes(10));
    let event_id = setup.fake.refund(&session.id).await.unwrap();
    let event = verified(&setup, &receiver);
    assert_eq!(event.id, event_id);
    assert_eq!(event.kind, "charge.refunded");
    assert!(event.checkout_session().is_none());
    let refund = event.refund().expect("a charge");
    assert!(refund.charge_id.starts_with("ch_"), "{}", refund.charge_id);
    assert_eq!(
        refund.payment_intent.as_deref(),
        Some(payment_intent.as_str())
    );
    assert_eq!((refund.amount, refund.amount_refunded), (1500, 1500));
    assert!(refund.fully_refunded);
    assert_eq!(refund.currency, "eur");
    assert_eq!(event.payment_intent_id(), Some(payment_intent));

    assert!(
        setup.fake.refund(&session.id).await.is_err(),
        "refunded once"
    );
}

#[tokio::test]
async fn a_redelivery_is_the_same_event_signed_anew() {
    let setup = setup().await;
    // An endpoint that fails, as Dropday's does when applying an event fails: Stripe then tries again.
    let failing = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    setup.fake.set_webhook_url(&failing.url);
    let session = setup
        .client
        .create_checkout_session(&request("again-1"))
        .await
        .unwrap();
    let event_id = setup.fake.pay(&session.id).await.unwrap();
    let (first_signature, first_body) = failing.last();

    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    setup.clock.advance(TimeDelta::hours(1));
    assert_eq!(setup.fake.redeliver(&event_id).await, Ok(200));
    let (signature, body) = receiver.last();
    assert_eq!(body, first_body, "the same body, byte for byte");
    assert_ne!(signature, first_signature, "signed at the time of delivery");
    let event = verified(&setup, &receiver);
    assert_eq!(event.id, event_id);
    assert_eq!(event.created, start_time().timestamp());

    let statuses: Vec<Option<u16>> = setup
        .fake
        .deliveries()
        .iter()
        .map(|delivery| delivery.status)
        .collect();
    assert_eq!(statuses, vec![Some(500), Some(200)]);
    assert!(setup.fake.redeliver("evt_unknown").await.is_err());
}

#[tokio::test]
async fn delayed_payments_complete_unpaid_then_settle() {
    let setup = setup().await;
    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    let client = &setup.client;
    let first = client
        .create_checkout_session(&request("delayed-1"))
        .await
        .unwrap();
    let second = client
        .create_checkout_session(&request("delayed-2"))
        .await
        .unwrap();

    for session in [&first, &second] {
        setup.fake.pay_delayed(&session.id).await.unwrap();
        let event = verified(&setup, &receiver);
        assert_eq!(event.kind, "checkout.session.completed");
        let completed = event.checkout_session().unwrap();
        assert_eq!(completed.status, "complete");
        assert_eq!(completed.payment_status, PaymentStatus::Unpaid);
    }

    setup.fake.settle_delayed(&first.id, true).await.unwrap();
    let event = verified(&setup, &receiver);
    assert_eq!(event.kind, "checkout.session.async_payment_succeeded");
    assert_eq!(
        event.checkout_session().unwrap().payment_status,
        PaymentStatus::Paid
    );
    setup
        .fake
        .refund(&first.id)
        .await
        .expect("a settled payment can be refunded");

    setup.fake.settle_delayed(&second.id, false).await.unwrap();
    let event = verified(&setup, &receiver);
    assert_eq!(event.kind, "checkout.session.async_payment_failed");
    assert_eq!(
        event.checkout_session().unwrap().payment_status,
        PaymentStatus::Unpaid
    );
    assert!(setup.fake.settle_delayed(&second.id, true).await.is_err());
    assert!(
        setup.fake.refund(&second.id).await.is_err(),
        "nothing was paid"
    );
}

#[tokio::test]
async fn an_expired_session_cannot_be_paid() {
    let setup = setup().await;
    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    let session = setup
        .client
        .create_checkout_session(&request("expire-1"))
        .await
        .unwrap();
    setup.fake.expire(&session.id).await.unwrap();
    let event = verified(&setup, &receiver);
    assert_eq!(event.kind, "checkout.session.expired");
    assert_eq!(event.checkout_session().unwrap().status, "expired");
    assert!(setup.fake.pay(&session.id).await.is_err());

    // Past `expires_at` (Stripe's 24 hours) a session still open is not payable either.
    let late = setup
        .client
        .create_checkout_session(&request("expire-2"))
        .await
        .unwrap();
    setup.clock.advance(TimeDelta::hours(24));
    assert!(setup.fake.pay(&late.id).await.is_err());
    let page = reqwest::get(late.url.unwrap()).await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn without_a_webhook_url_deliveries_are_recorded_as_unreachable() {
    let setup = setup().await;
    let session = setup
        .client
        .create_checkout_session(&request("nowhere"))
        .await
        .unwrap();
    let event_id = setup.fake.pay(&session.id).await.unwrap();
    assert_eq!(
        setup.fake.deliveries(),
        vec![Delivery {
            event_id: event_id.clone(),
            kind: "checkout.session.completed".to_owned(),
            status: None,
        }]
    );
    assert!(setup.fake.redeliver(&event_id).await.is_err());
}

// The hosted payment page.

#[tokio::test]
async fn the_hosted_page_pays_delivers_then_redirects() {
    let setup = setup().await;
    let receiver = receiver(StatusCode::OK).await;
    setup.fake.set_webhook_url(&receiver.url);
    let session = setup
        .client
        .create_checkout_session(&request("browser-1"))
        .await
        .unwrap();
    let page_url = session.url.clone().unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let html = browser
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"name="outcome" value="paid""#), "{html}");
    assert!(html.contains(r#"name="outcome" value="delayed""#), "{html}");
    assert!(html.contains("Pay later (bank transfer)"));

    let answer = browser
        .post(&page_url)
        .form(&[("outcome", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(
        answer.headers()["location"],
        format!(
            "https://drop.example/billing/return?session_id={}",
            session.id
        )
        .as_str()
    );
    // The webhook came first.
    assert_eq!(receiver.count(), 1);
    let event = verified(&setup, &receiver);
    assert_eq!(
        event.checkout_session().unwrap().payment_status,
        PaymentStatus::Paid
    );

    // Paid once: the page says so.
    let again = browser
        .post(&page_url)
        .form(&[("outcome", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("complete"));
    assert_eq!(receiver.count(), 1);

    // A bank transfer from the page completes unpaid.
    let later = setup
        .client
        .create_checkout_session(&request("browser-2"))
        .await
        .unwrap();
    let answer = browser
        .post(later.url.unwrap())
        .form(&[("outcome", "delayed")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    let event = verified(&setup, &receiver);
    assert_eq!(
        event.checkout_session().unwrap().payment_status,
        PaymentStatus::Unpaid
    );
}
