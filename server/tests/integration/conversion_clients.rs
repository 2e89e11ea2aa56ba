//! The ad platforms' server-side clients (Meta Conversions API, TikTok Events API, GA4 Measurement Protocol)
//! against the fake ad platforms, over real HTTP on loopback: the payloads each platform records, batching,
//! every outcome the delivery queue has to tell apart, secrets kept out of every error, and the fake browser
//! pixels pairing with server events by event id.
use app::server::conversions::clients::{
    ConversionClients, ConversionKind, Destination, FanContext, OutgoingEvent, Platform,
    SendOutcome,
};
use chrono::{Duration as TimeDelta, Utc};
use serde_json::{json, Value};
use server::sandbox::ads::{
    FakeAds, FakeAdsOptions, RecordedEvent, GA4_COLLECT_PATH, GA4_DEBUG_PATH, TIKTOK_TRACK_PATH,
};
use server::sandbox::Fault;
use sha2::{Digest, Sha256};
use std::time::Duration;

const META_PIXEL: &str = "123456789012345";
const TIKTOK_PIXEL: &str = "CABCDEFGHIJ1234567";
const GA4_ID: &str = "G-DROPDAY1";
/// Distinctive enough that finding it anywhere in an error is a leak.
const META_TOKEN: &str = "EAABsecretMetaToken0123456789";
const TIKTOK_TOKEN: &str = "tiktokSecretToken0123456789";
const GA4_SECRET: &str = "ga4SecretApiKey0123456789";
const FBC: &str = "fb.1.1772366400000.IwAR0AbCdEfGhIj";
const FBP: &str = "fb.1.1772366400000.1234567890";
const GA_CLIENT: &str = "1234567890.1772366400";

async fn fake() -> FakeAds {
    FakeAds::start(FakeAdsOptions::default()).await
}

fn clients(fake: &FakeAds) -> ConversionClients {
    clients_with_timeout(fake, Duration::from_secs(5))
}

fn clients_with_timeout(fake: &FakeAds, timeout: Duration) -> ConversionClients {
    ConversionClients::new(fake.clients_config(timeout)).expect("an HTTP client")
}

fn destination(platform: Platform) -> Destination {
    let (pixel_id, secret) = match platform {
        Platform::Meta => (META_PIXEL, META_TOKEN),
        Platform::Tiktok => (TIKTOK_PIXEL, TIKTOK_TOKEN),
        Platform::Ga4 => (GA4_ID, GA4_SECRET),
    };
    Destination {
        platform,
        pixel_id: pixel_id.to_owned(),
        secret: secret.to_owned(),
        test_event_code: None,
    }
}

fn fan() -> FanContext {
    FanContext {
        ip: Some("203.0.113.7".to_owned()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/130".to_owned()),
        fbc: Some(FBC.to_owned()),
        fbp: Some(FBP.to_owned()),
        ttclid: Some("E.C.P.CscBAbCdEf".to_owned()),
        ttp: Some("2XyZttpCookieValue".to_owned()),
        ga_client_id: Some(GA_CLIENT.to_owned()),
        ga_session_id: Some("1772366400".to_owned()),
        external_id: Some("  fan-42 ".to_owned()),
    }
}

fn event(kind: ConversionKind, event_id: &str) -> OutgoingEvent {
    OutgoingEvent {
        kind,
        event_id: event_id.to_owned(),
        event_time: Utc::now() - TimeDelta::seconds(30),
        source_url: "https://drop.example/nova-lights/afterglow-atlas".to_owned(),
        referrer_url: Some("https://l.instagram.com/".to_owned()),
        service: (kind == ConversionKind::ClickOut).then(|| "spotify".to_owned()),
        content_name: Some("Afterglow Atlas by Nova Lights".to_owned()),
        fan: fan(),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The path prefix of each platform's server API, for faults and call counts.
fn api_path(fake: &FakeAds, platform: Platform) -> String {
    match platform {
        Platform::Meta => fake.meta_events_path(META_PIXEL),
        Platform::Tiktok => TIKTOK_TRACK_PATH.to_owned(),
        Platform::Ga4 => GA4_COLLECT_PATH.to_owned(),
    }
}

fn assert_no_secret(text: &str) {
    for secret in [META_TOKEN, TIKTOK_TOKEN, GA4_SECRET] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

fn rejected(outcome: &SendOutcome) -> &str {
    match outcome {
        SendOutcome::Rejected { error } => {
            assert_no_secret(error);
            error
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn retried(outcome: &SendOutcome) -> (&str, Option<Duration>) {
    match outcome {
        SendOutcome::Retry { error, after } => {
            assert_no_secret(error);
            (error, *after)
        }
        other => panic!("expected Retry, got {other:?}"),
    }
}

fn sent(outcome: &SendOutcome) -> &str {
    match outcome {
        SendOutcome::Sent { detail } => detail,
        other => panic!("expected Sent, got {other:?}"),
    }
}

// Each platform's payload, as the platform records it.

#[tokio::test]
async fn meta_records_the_event_with_hashed_external_id_and_raw_cookies() {
    let fake = fake().await;
    let clients = clients(&fake);
    let destination = Destination {
        test_event_code: Some("TEST12345".to_owned()),
        ..destination(Platform::Meta)
    };
    let click = event(ConversionKind::ClickOut, "ev-click-1");

    let outcome = clients
        .send(&destination, std::slice::from_ref(&click))
        .await;
    assert_eq!(sent(&outcome), "1 event received");

    let recorded = fake.server_events();
    assert_eq!(recorded.len(), 1);
    let recorded = &recorded[0];
    assert_eq!(recorded.platform, Platform::Meta);
    assert_eq!(recorded.pixel_id, META_PIXEL);
    assert_eq!(recorded.event_name, "Lead");
    assert_eq!(recorded.event_id.as_deref(), Some("ev-click-1"));
    assert_eq!(recorded.event_time, Some(click.event_time.timestamp()));
    assert_eq!(recorded.test_event_code.as_deref(), Some("TEST12345"));
    assert_eq!(
        recorded.user,
        json!({
            "client_ip_address": "203.0.113.7",
            "client_user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130",
            "fbc": FBC,
            "fbp": FBP,
            // SHA-256 of the trimmed value.
            "external_id": [sha256_hex("fan-42")],
        })
    );
    assert_eq!(
        recorded.custom,
        json!({"content_name": "Afterglow Atlas by Nova Lights", "content_category": "spotify"})
    );
}

#[tokio::test]
async fn tiktok_records_the_event_with_hashed_external_id_and_raw_click_ids() {
    let fake = fake().await;
    let clients = clients(&fake);
    let destination = Destination {
        test_event_code: Some("TEST98765".to_owned()),
        ..destination(Platform::Tiktok)
    };
    let presave = event(ConversionKind::PreSave, "ev-presave-1");

    let outcome = clients
        .send(&destination, std::slice::from_ref(&presave))
        .await;
    let detail = sent(&outcome);
    assert!(detail.starts_with("OK, request "), "{detail}");

    let recorded = fake.server_events();
    assert_eq!(recorded.len(), 1);
    let recorded = &recorded[0];
    assert_eq!(
        (
            recorded.platform,
            recorded.pixel_id.as_str(),
            recorded.event_name.as_str()
        ),
        (Platform::Tiktok, TIKTOK_PIXEL, "CompleteRegistration")
    );
    assert_eq!(recorded.event_id.as_deref(), Some("ev-presave-1"));
    assert_eq!(recorded.event_time, Some(presave.event_time.timestamp()));
    assert_eq!(recorded.test_event_code.as_deref(), Some("TEST98765"));
    assert_eq!(
        recorded.user,
        json!({
            "ttclid": "E.C.P.CscBAbCdEf",
            "ttp": "2XyZttpCookieValue",
            "external_id": sha256_hex("fan-42"),
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130",
        })
    );
    assert_eq!(
        recorded.custom,
        json!({"content_name": "Afterglow Atlas by Nova Lights"})
    );
}

#[tokio::test]
async fn ga4_records_the_event_for_the_client_id_and_validates_it() {
    let fake = fake().await;
    let clients = clients(&fake);
    // A test event code means nothing to GA4 and must not reach it.
    let destination = Destination {
        test_event_code: Some("TEST1".to_owned()),
        ..destination(Platform::Ga4)
    };
    let mut click = event(ConversionKind::ClickOut, "ev-click-ga4");
    // Longer than GA4's 100 characters: the client shortens it rather than have GA4 drop the event.
    click.content_name = Some(format!("{} by Nova Lights", "Very Long Title ".repeat(10)));

    let messages = clients
        .validate_ga4(&destination, std::slice::from_ref(&click))
        .await
        .expect("the debug endpoint answers");
    assert_eq!(messages, Vec::<String>::new());
    assert!(
        fake.server_events().is_empty(),
        "the debug endpoint records nothing"
    );

    let outcome = clients
        .send(&destination, std::slice::from_ref(&click))
        .await;
    assert_eq!(sent(&outcome), "accepted");
    assert_eq!(fake.discarded(), Vec::new());
    let recorded = fake.server_events();
    assert_eq!(recorded.len(), 1);
    let recorded = &recorded[0];
    assert_eq!(
        (
            recorded.platform,
            recorded.pixel_id.as_str(),
            recorded.event_name.as_str()
        ),
        (Platform::Ga4, GA4_ID, "click_out")
    );
    assert_eq!(recorded.event_id.as_deref(), Some("ev-click-ga4"));
    assert_eq!(recorded.event_time, Some(click.event_time.timestamp()));
    assert_eq!(recorded.test_event_code, None);
    assert_eq!(recorded.user, json!({"client_id": GA_CLIENT}));
    let params = &recorded.custom;
    assert_eq!(
        params["page_location"],
        "https://drop.example/nova-lights/afterglow-atlas"
    );
    assert_eq!(params["page_referrer"], "https://l.instagram.com/");
    assert_eq!(params["service"], "spotify");
    assert_eq!(params["session_id"], "1772366400");
    assert_eq!(params["engagement_time_msec"], 1);
    let content_name = params["content_name"].as_str().unwrap();
    assert_eq!(content_name.chars().count(), 100);
    assert!(content_name.starts_with("Very Long Title"));
    // The external id identifies a person and GA4 has no use for it.
    assert!(!recorded.custom.to_string().contains("fan-42"));
    assert!(!recorded.custom.to_string().contains(&sha256_hex("fan-42")));
}

// Batching.

#[tokio::test]
async fn several_events_go_in_one_request() {
    let fake = fake().await;
    let clients = clients(&fake);
    let batch = [
        event(ConversionKind::PageView, "ev-a"),
        event(ConversionKind::ClickOut, "ev-b"),
        event(ConversionKind::PreSave, "ev-c"),
    ];
    for platform in Platform::ALL {
        let outcome = clients.send(&destination(platform), &batch).await;
        sent(&outcome);
        assert_eq!(fake.calls(&api_path(&fake, platform)), 1, "{platform:?}");
    }
    assert_eq!(
        clients.send(&destination(Platform::Meta), &batch).await,
        SendOutcome::Sent {
            detail: "3 events received".to_owned()
        }
    );

    let recorded = fake.server_events();
    let names = |platform: Platform| -> Vec<(String, Option<String>)> {
        recorded
            .iter()
            .filter(|event| event.platform == platform)
            .map(|event| (event.event_name.clone(), event.event_id.clone()))
            .collect()
    };
    let expected = |names: [&str; 3]| -> Vec<(String, Option<String>)> {
        names
            .iter()
            .zip(["ev-a", "ev-b", "ev-c"])
            .map(|(name, id)| ((*name).to_owned(), Some(id.to_owned())))
            .collect()
    };
    assert_eq!(
        names(Platform::Tiktok),
        expected(["ViewContent", "ClickButton", "CompleteRegistration"])
    );
    assert_eq!(
        names(Platform::Ga4),
        expected(["page_view", "click_out", "pre_save"])
    );
    let meta = names(Platform::Meta);
    assert_eq!(meta.len(), 6);
    assert_eq!(
        meta[..3].to_vec(),
        expected(["PageView", "Lead", "CompleteRegistration"])
    );
}

// Refusals.

#[tokio::test]
async fn invalid_tokens_are_rejected_in_each_platforms_words_without_the_token() {
    let fake = fake().await;
    let clients = clients(&fake);
    for token in [META_TOKEN, TIKTOK_TOKEN, GA4_SECRET] {
        fake.reject_token(token);
    }
    let batch = [event(ConversionKind::PageView, "ev-1")];

    let meta = clients.send(&destination(Platform::Meta), &batch).await;
    assert_eq!(
        rejected(&meta),
        "Meta: Invalid OAuth access token - Cannot parse access token (code 190)"
    );

    let tiktok = clients.send(&destination(Platform::Tiktok), &batch).await;
    assert_eq!(
        rejected(&tiktok),
        "TikTok: Access token is invalid or has been revoked. (code 40105)"
    );
    // TikTok says so with HTTP 200; Meta with 400.
    assert_eq!(fake.responses_with_status(400), 1);

    // GA4 never says: the request is "accepted", and the events are gone.
    let ga4 = clients.send(&destination(Platform::Ga4), &batch).await;
    assert_eq!(sent(&ga4), "accepted");
    assert!(fake.server_events().is_empty());
    let discarded = fake.discarded();
    assert_eq!(discarded.len(), 1);
    assert_eq!(discarded[0].0, Platform::Ga4);
    assert!(discarded[0].1.contains("api_secret"), "{discarded:?}");
    // Only the debug endpoint tells.
    let messages = clients
        .validate_ga4(&destination(Platform::Ga4), &batch)
        .await
        .unwrap();
    assert_eq!(
        messages,
        vec!["api_secret: The API secret is not valid for this measurement ID. (VALUE_INVALID)"]
    );
}

#[tokio::test]
async fn a_stale_event_makes_meta_reject_the_whole_batch() {
    let fake = fake().await;
    let clients = clients(&fake);
    let mut stale = event(ConversionKind::PageView, "ev-old");
    stale.event_time = Utc::now() - TimeDelta::days(8);
    let batch = [
        event(ConversionKind::PageView, "ev-new-1"),
        stale,
        event(ConversionKind::ClickOut, "ev-new-2"),
    ];

    let outcome = clients.send(&destination(Platform::Meta), &batch).await;
    let error = rejected(&outcome);
    assert!(error.starts_with("Meta: "), "{error}");
    assert!(error.contains("more than 7 days in the past"), "{error}");
    assert!(error.contains("data[1].event_time"), "{error}");
    assert!(error.contains("subcode 2804003"), "{error}");
    assert!(
        fake.server_events().is_empty(),
        "not even the fresh events were taken"
    );
    assert_eq!(fake.calls(&api_path(&fake, Platform::Meta)), 1);
}

#[tokio::test]
async fn tiktok_errors_come_as_non_zero_codes_in_http_200() {
    let fake = fake().await;
    let clients = clients(&fake);
    let mut stale = event(ConversionKind::PageView, "ev-old");
    stale.event_time = Utc::now() - TimeDelta::days(8);

    let outcome = clients
        .send(
            &destination(Platform::Tiktok),
            &[event(ConversionKind::PageView, "ev-new"), stale],
        )
        .await;
    assert_eq!(
        rejected(&outcome),
        "TikTok: data[1].event_time: events older than 7 days are not accepted. (code 40002)"
    );
    assert_eq!(fake.responses_with_status(200), 1);
    assert!(fake.server_events().is_empty());
}

#[tokio::test]
async fn ga4_takes_an_invalid_event_with_a_2xx_and_drops_it() {
    let fake = fake().await;
    let clients = clients(&fake);
    let mut stale = event(ConversionKind::PreSave, "ev-old");
    stale.event_time = Utc::now() - TimeDelta::hours(80);

    let outcome = clients
        .send(&destination(Platform::Ga4), std::slice::from_ref(&stale))
        .await;
    assert_eq!(sent(&outcome), "accepted");
    assert!(fake.server_events().is_empty());
    let discarded = fake.discarded();
    assert_eq!(discarded.len(), 1, "{discarded:?}");
    assert!(
        discarded[0].1.contains("backdated by at most 72 hours"),
        "{discarded:?}"
    );

    let messages = clients
        .validate_ga4(&destination(Platform::Ga4), &[stale])
        .await
        .unwrap();
    assert!(
        messages.contains(
            &"timestamp_micros: Events can be backdated by at most 72 hours. (VALUE_OUT_OF_BOUNDS)"
                .to_owned()
        ),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"events[0].timestamp_micros: Events can be backdated by at most 72 hours. (VALUE_OUT_OF_BOUNDS)".to_owned()),
        "{messages:?}"
    );
    assert_eq!(fake.calls(GA4_DEBUG_PATH), 1);
}

#[tokio::test]
async fn ga4_events_without_one_shared_client_id_are_refused_without_a_request() {
    let fake = fake().await;
    let clients = clients(&fake);
    let first = event(ConversionKind::PageView, "ev-1");
    let mut second = event(ConversionKind::ClickOut, "ev-2");
    second.fan.ga_client_id = Some("999999999.1772366400".to_owned());
    let mut anonymous = event(ConversionKind::ClickOut, "ev-3");
    anonymous.fan.ga_client_id = None;

    let mixed = clients
        .send(
            &destination(Platform::Ga4),
            &[first.clone(), second.clone()],
        )
        .await;
    assert_eq!(
        rejected(&mixed),
        "GA4: the events belong to different client ids; GA4 takes one client id per request"
    );
    let missing = clients
        .send(&destination(Platform::Ga4), &[anonymous.clone()])
        .await;
    assert!(rejected(&missing).contains("no client id"));
    let validation = clients
        .validate_ga4(&destination(Platform::Ga4), &[first, second])
        .await;
    assert!(validation.is_err());
    assert_eq!(fake.calls("/"), 0, "nothing was sent");
}

// Transient failures.

#[tokio::test]
async fn rate_limits_say_when_to_come_back() {
    let fake = fake().await;
    let clients = clients(&fake);
    let batch = [event(ConversionKind::PageView, "ev-1")];
    for platform in Platform::ALL {
        fake.fail_next_on(
            &api_path(&fake, platform),
            1,
            Fault::TooManyRequests {
                retry_after_secs: Some(7),
            },
        );
        let outcome = clients.send(&destination(platform), &batch).await;
        let (error, after) = retried(&outcome);
        assert_eq!(after, Some(Duration::from_secs(7)), "{platform:?}: {error}");
        assert!(
            error.starts_with(&format!("{}: ", short(platform))),
            "{error}"
        );
        // Without Retry-After, the queue picks its own backoff.
        fake.fail_next_on(
            &api_path(&fake, platform),
            1,
            Fault::TooManyRequests {
                retry_after_secs: None,
            },
        );
        let outcome = clients.send(&destination(platform), &batch).await;
        assert_eq!(retried(&outcome).1, None, "{platform:?}");
    }
    assert!(fake.server_events().is_empty());
}

fn short(platform: Platform) -> &'static str {
    match platform {
        Platform::Meta => "Meta",
        Platform::Tiktok => "TikTok",
        Platform::Ga4 => "GA4",
    }
}

#[tokio::test]
async fn server_errors_are_retried_and_the_next_attempt_goes_through() {
    let fake = fake().await;
    let clients = clients(&fake);
    let batch = [event(ConversionKind::ClickOut, "ev-1")];
    for platform in Platform::ALL {
        fake.fail_next_on(&api_path(&fake, platform), 1, Fault::ServerError);
        let outcome = clients.send(&destination(platform), &batch).await;
        let (error, after) = retried(&outcome);
        assert_eq!(after, None, "{platform:?}");
        assert!(error.contains("Server error"), "{error}");
        sent(&clients.send(&destination(platform), &batch).await);
    }
    assert_eq!(fake.server_events().len(), 3);
}

#[tokio::test]
async fn timeouts_are_retried_and_never_show_the_url() {
    let fake = fake().await;
    let clients = clients_with_timeout(&fake, Duration::from_millis(300));
    let batch = [event(ConversionKind::PageView, "ev-1")];
    for platform in Platform::ALL {
        fake.fail_next_on(
            &api_path(&fake, platform),
            1,
            Fault::Delay(Duration::from_secs(2)),
        );
        let outcome = clients.send(&destination(platform), &batch).await;
        let (error, after) = retried(&outcome);
        assert_eq!(error, format!("{}: timed out", short(platform)));
        assert_eq!(after, None);
        assert!(!error.contains(fake.base_url()), "{error}");
    }
    // The debug endpoint times out the same way.
    fake.fail_next_on(GA4_DEBUG_PATH, 1, Fault::Delay(Duration::from_secs(2)));
    let error = clients
        .validate_ga4(&destination(Platform::Ga4), &batch)
        .await
        .unwrap_err();
    assert_eq!(error, "GA4: timed out");
}

#[tokio::test]
async fn an_unreadable_success_is_retried_where_the_answer_matters() {
    let fake = fake().await;
    let clients = clients(&fake);
    let batch = [event(ConversionKind::PageView, "ev-1")];
    for platform in [Platform::Meta, Platform::Tiktok] {
        fake.fail_next_on(&api_path(&fake, platform), 1, Fault::Malformed);
        let outcome = clients.send(&destination(platform), &batch).await;
        let (error, _) = retried(&outcome);
        assert!(error.contains("could not read"), "{error}");
    }
    // GA4 never reads /mp/collect's body: any 2xx is all it says.
    fake.fail_next_on(GA4_COLLECT_PATH, 1, Fault::Malformed);
    let outcome = clients.send(&destination(Platform::Ga4), &batch).await;
    assert_eq!(sent(&outcome), "accepted");
    // The debug endpoint's answer is read, and an unreadable one is an error, not "valid".
    fake.fail_next_on(GA4_DEBUG_PATH, 1, Fault::Malformed);
    let validation = clients
        .validate_ga4(&destination(Platform::Ga4), &batch)
        .await;
    assert!(validation.is_err(), "{validation:?}");
}

// The fake itself: what it refuses, so that tests against it mean something.

async fn post_json(url: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let mut request = reqwest::Client::new().post(url).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the fake answers");
    response.json().await.expect("a JSON answer")
}

#[tokio::test]
async fn the_fake_refuses_what_the_platforms_refuse() {
    let fake = fake().await;
    let now = Utc::now().timestamp();
    let meta_url = format!(
        "{}{}?access_token=any-token",
        fake.base_url(),
        fake.meta_events_path(META_PIXEL)
    );
    let meta_event = |user_data: Value| {
        json!({"data": [{
            "event_name": "PageView", "event_time": now, "event_id": "x", "action_source": "website",
            "event_source_url": "https://drop.example/a", "user_data": user_data,
        }]})
    };
    let graph_error = |answer: &Value| {
        answer["error"]["error_user_msg"]
            .as_str()
            .map(str::to_owned)
    };
    let cases = [
        (
            json!({"client_ip_address": "203.0.113.7"}),
            "client_user_agent",
        ),
        (
            json!({"client_user_agent": "UA", "em": "fan@example.com"}),
            "user_data.em",
        ),
        (
            json!({"client_user_agent": "UA", "external_id": ["fan-42"]}),
            "user_data.external_id",
        ),
        (
            json!({"client_user_agent": "UA", "fbc": "IwAR0AbCdEf"}),
            "user_data.fbc",
        ),
        (
            json!({"client_user_agent": "UA", "fbp": "fb.1.abc.def"}),
            "user_data.fbp",
        ),
    ];
    for (user_data, field) in cases {
        let answer = post_json(&meta_url, &[], meta_event(user_data)).await;
        assert_eq!(answer["error"]["code"], 100, "{answer}");
        let message = graph_error(&answer).unwrap_or_default();
        assert!(message.contains(field), "{field}: {answer}");
    }
    // Milliseconds instead of seconds land in the future.
    let mut millis = meta_event(json!({"client_user_agent": "UA"}));
    millis["data"][0]["event_time"] = json!(now * 1000);
    let answer = post_json(&meta_url, &[], millis).await;
    assert_eq!(answer["error"]["error_subcode"], 2804004, "{answer}");
    let valid = post_json(
        &meta_url,
        &[],
        meta_event(json!({"client_user_agent": "UA"})),
    )
    .await;
    assert_eq!(valid["events_received"], 1, "{valid}");

    let tiktok_url = format!("{}{TIKTOK_TRACK_PATH}", fake.base_url());
    let tiktok_body = json!({"event_source": "web", "event_source_id": TIKTOK_PIXEL, "data": [{
        "event": "ViewContent", "event_time": now, "user": {"email": "fan@example.com"},
    }]});
    let answer = post_json(&tiktok_url, &[("Access-Token", "t")], tiktok_body).await;
    assert_eq!(answer["code"], 40002, "{answer}");
    let answer = post_json(&tiktok_url, &[], json!({})).await;
    assert_eq!(answer["code"], 40104, "{answer}");

    let debug_url = format!(
        "{}{GA4_DEBUG_PATH}?measurement_id={GA4_ID}&api_secret=s",
        fake.base_url()
    );
    let answer = post_json(
        &debug_url,
        &[],
        json!({"events": [
            {"name": "session_start"},
            {"name": "click-out", "params": {"google_x": "1", "content_name": "x".repeat(101)}},
        ]}),
    )
    .await;
    let codes: Vec<(String, String)> = answer["validationMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| {
            (
                message["fieldPath"].as_str().unwrap().to_owned(),
                message["validationCode"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("client_id", "VALUE_REQUIRED"),
        ("events[0].name", "NAME_RESERVED"),
        ("events[1].name", "NAME_INVALID"),
        ("events[1].params.content_name", "VALUE_OUT_OF_BOUNDS"),
        ("events[1].params.google_x", "NAME_RESERVED"),
    ]
    .iter()
    .map(|(path, code)| ((*path).to_owned(), (*code).to_owned()))
    .collect();
    assert_eq!(codes, expected);
    let too_many: Vec<Value> = (0..26).map(|_| json!({"name": "page_view"})).collect();
    let answer = post_json(
        &debug_url,
        &[],
        json!({"client_id": "1.2", "events": too_many}),
    )
    .await;
    assert_eq!(
        answer["validationMessages"][0]["validationCode"],
        "EXCEEDED_MAX_ENTITIES"
    );

    assert_eq!(fake.server_events().len(), 1, "only the valid Meta event");
}

// The browser pixels.

#[tokio::test]
async fn the_pixel_scripts_are_served_as_javascript() {
    let fake = fake().await;
    for url in [
        fake.meta_script_url(),
        fake.tiktok_script_url(),
        format!("{}?id={GA4_ID}", fake.ga4_script_url()),
    ] {
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response.headers()["content-type"],
            "application/javascript; charset=utf-8"
        );
        let source = response.text().await.unwrap();
        // The fallback report address is this fake.
        assert!(
            source.contains(&format!("\"{}\"", fake.base_url())),
            "{url}"
        );
        assert!(!source.contains("eval("), "{url}");
    }
}

#[tokio::test]
async fn browser_reports_pair_with_server_events_by_pixel_name_and_id() {
    let fake = fake().await;
    let clients = clients(&fake);
    let http = reqwest::Client::new();
    let report = |path: &str, query: &str| format!("{}{path}?{query}", fake.base_url());

    // What the fake scripts send when the page fires its pixels.
    let meta = http
        .get(report(
            "/tr",
            &format!("id={META_PIXEL}&ev=Lead&eid=ev-click&fbp={FBP}"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(meta.status(), 200);
    assert_eq!(meta.headers()["content-type"], "image/gif");
    assert_eq!(meta.headers()["access-control-allow-origin"], "*");
    assert_eq!(&meta.bytes().await.unwrap()[..6], b"GIF89a");
    for (path, query) in [
        // The same event id on another pixel, and a page view without an id: neither pairs.
        ("/tr", "id=999&ev=Lead&eid=ev-click".to_owned()),
        ("/tr", format!("id={META_PIXEL}&ev=PageView")),
        (
            "/tiktok/track",
            format!(
                "sdkid={TIKTOK_PIXEL}&event=ClickButton&event_id=ev-click&ttp=2XyZttpCookieValue"
            ),
        ),
        (
            "/tiktok/track",
            format!("sdkid={TIKTOK_PIXEL}&event=Pageview"),
        ),
        (
            "/g/collect",
            format!("v=2&tid={GA4_ID}&cid={GA_CLIENT}&en=click_out&eid=ev-click"),
        ),
    ] {
        let response = http.get(report(path, &query)).send().await.unwrap();
        assert!(response.status().is_success(), "{path}?{query}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
    }
    // A report without a pixel or an event is ignored.
    http.get(report("/tr", "ev=Lead")).send().await.unwrap();
    assert_eq!(fake.browser_events().len(), 6);
    let first = &fake.browser_events()[0];
    assert_eq!(
        (
            first.platform,
            first.pixel_id.as_str(),
            first.event_name.as_str(),
            first.event_id.as_deref()
        ),
        (Platform::Meta, META_PIXEL, "Lead", Some("ev-click"))
    );
    assert_eq!(first.user, json!({"fbp": FBP}));

    // The server's copies: the click-out (pairs on every platform) and a pre-save no browser saw.
    let batch = [
        event(ConversionKind::ClickOut, "ev-click"),
        event(ConversionKind::PreSave, "ev-presave"),
    ];
    for platform in Platform::ALL {
        sent(&clients.send(&destination(platform), &batch).await);
    }
    // A server event whose name differs from the browser's does not pair either.
    sent(
        &clients
            .send(
                &destination(Platform::Meta),
                &[event(ConversionKind::PageView, "ev-click")],
            )
            .await,
    );
    assert_eq!(fake.server_events().len(), 7);

    let paired: Vec<RecordedEvent> = fake.paired();
    let summary: Vec<(Platform, &str, &str, Option<&str>)> = paired
        .iter()
        .map(|event| {
            (
                event.platform,
                event.pixel_id.as_str(),
                event.event_name.as_str(),
                event.event_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (Platform::Meta, META_PIXEL, "Lead", Some("ev-click")),
            (
                Platform::Tiktok,
                TIKTOK_PIXEL,
                "ClickButton",
                Some("ev-click")
            ),
            (Platform::Ga4, GA4_ID, "click_out", Some("ev-click")),
        ]
    );

    // The same, over HTTP, for browser tests.
    let response = http
        .get(format!("{}/_fake/events", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["server"].as_array().unwrap().len(), 7);
    assert_eq!(body["browser"].as_array().unwrap().len(), 6);
    assert_eq!(body["paired"].as_array().unwrap().len(), paired.len());
    assert_eq!(body["paired"][1]["platform"], "tiktok");
    assert_eq!(body["paired"][1]["event_id"], "ev-click");
}
