//! Conversion tracking through the real server and the sandbox's fake Meta, TikTok and GA4: pixel settings with
//! sealed secrets, consent before anything is queued or loaded, event ids shared between the page's pixels and
//! the server's events, the queue's batching, retries, age limits and reasons, and "send a test event".
use crate::common;

use app::server::conversions::queue::status;
use app::server::demo::{DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD};
use app::server::entities::{ad_pixels, conversion_events, releases};
use app::server::Clock as _;
use common::api::Client;
use common::TestServer;
use reqwest::header::{COOKIE, REFERER, SET_COOKIE};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use server::sandbox::ads::FakeAds;
use server::sandbox::Fault;
use std::time::Duration;

const PAGE: &str = "/nova-lights/midnight-signal";
const META_TOKEN: &str = "EAAB-meta-capi-token-secret";
const TIKTOK_TOKEN: &str = "tiktok-events-token-secret";
const GA4_SECRET: &str = "ga4-api-secret-value";

fn ads(server: &TestServer) -> &FakeAds {
    &server
        .state
        .sandbox
        .as_ref()
        .expect("the sandbox runs in tests")
        .ads
}

/// The demo single.
async fn single(server: &TestServer) -> releases::Model {
    releases::Entity::find()
        .filter(releases::Column::Slug.eq("midnight-signal"))
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn single_id(server: &TestServer) -> i32 {
    single(server).await.id
}

async fn artist_id(server: &TestServer) -> i32 {
    single(server).await.artist_id
}

/// Signs in the demo admin and switches on all three pixels for the artist, with their secrets.
async fn with_pixels(server: &TestServer) -> Client {
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artist = artist_id(server).await;
    for (platform, pixel_id, secret, code) in [
        ("meta", "1234567890", META_TOKEN, "TEST123"),
        ("tiktok", "CABCDEFGHIJ1234567", TIKTOK_TOKEN, ""),
        ("ga4", "G-AB12CD34", GA4_SECRET, ""),
    ] {
        server
            .call(
                &admin,
                "ad_tracking",
                json!({ "subject": format!("artist:{artist}"), "request": { "save_pixel": {
                        "platform": platform, "mode": "on", "pixel_id": pixel_id, "secret": secret,
                        "clear_secret": false, "test_event_code": code } } }),
            )
            .await
            .ok();
    }
    admin
}

/// Queues `n` page views of the demo single for each of its pixels with server events, in one insert.
async fn queue_page_views(server: &TestServer, n: usize) {
    use app::server::conversions::clients::{ConversionKind, FanContext, OutgoingEvent};
    use app::server::conversions::{consent, queue, settings};
    let pixels = settings::release_pixels(&server.state.db, single_id(server).await)
        .await
        .unwrap()
        .unwrap();
    let now = server.clock.now();
    let subject = queue::Subject {
        artist_id: pixels.artist_id,
        release_id: Some(pixels.release_id),
    };
    let mut rows = Vec::new();
    for _ in 0..n {
        let event = OutgoingEvent {
            kind: ConversionKind::PageView,
            event_id: consent::new_event_id(),
            event_time: now,
            source_url: server.url(PAGE),
            referrer_url: None,
            service: None,
            content_name: Some(pixels.content_name.clone()),
            fan: FanContext {
                ip: Some("203.0.113.7".into()),
                user_agent: Some(common::PHONE_USER_AGENT.into()),
                ..FanContext::default()
            },
        };
        for pixel in pixels
            .pixels
            .iter()
            .filter(|p| p.platform.as_str() != "ga4")
        {
            rows.push(queue::queued_row(
                &server.state.conversions.keys,
                subject,
                pixel,
                &event,
                now,
            ));
        }
    }
    conversion_events::Entity::insert_many(rows)
        .exec(&server.state.db)
        .await
        .unwrap();
}

/// The admin decides fans of the organization are not asked for consent.
async fn consent_not_required(server: &TestServer, admin: &Client) {
    server
        .call(
            admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{}", artist_id(server).await),
                    "request": { "set_consent_required": false } }),
        )
        .await
        .ok();
}

async fn conversions(server: &TestServer) -> Vec<conversion_events::Model> {
    conversion_events::Entity::find()
        .order_by_asc(conversion_events::Column::Id)
        .all(&server.state.db)
        .await
        .unwrap()
}

/// Waits until `n` conversion events are queued (the analytics writer batches them).
async fn wait_for_queued(server: &TestServer, n: usize) -> Vec<conversion_events::Model> {
    for _ in 0..200 {
        let rows = conversions(server).await;
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "{n} conversion events were not queued: {:?}",
        conversions(server).await
    );
}

/// Waits until no conversion event is queued any more.
async fn wait_for_settled(server: &TestServer) -> Vec<conversion_events::Model> {
    for _ in 0..400 {
        let rows = conversions(server).await;
        if !rows.is_empty() && rows.iter().all(|r| r.status != status::QUEUED) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "conversion events did not settle: {:?}",
        conversions(server).await
    );
}

fn page_view_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("dropday_pv="))
        .map(|rest| rest.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn nothing_is_queued_or_loaded_before_consent_and_the_page_never_carries_a_secret() {
    let server = TestServer::start().await;
    with_pixels(&server).await;

    let page = server.get(PAGE).await;
    assert_eq!(page.status(), 200);
    assert!(
        page_view_cookie(&page).is_none(),
        "no event id without consent"
    );
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#""m":"1234567890""#),
        "the public pixel id is in the page"
    );
    assert!(
        html.contains("id=\"dd-consent\""),
        "the consent banner is there"
    );
    assert!(html.contains("May Meta, TikTok and Google measure"));
    for secret in [META_TOKEN, TIKTOK_TOKEN, GA4_SECRET] {
        assert!(!html.contains(secret), "a secret reached the page");
    }
    // No third-party script element in the page: they are only added by the page's script after consent.
    assert!(!html.contains("<script src"), "{html}");
    assert!(policy.contains(ads(&server).base_url()), "{policy}");

    // A click without consent: the click is counted, no conversion is queued.
    let release = single_id(&server).await;
    let click = server
        .get(&format!(
            "/go/{release}/spotify?eid=0b7f2c1e-9a1d-4c1f-8f00-1234567890ab"
        ))
        .await;
    assert_eq!(click.status(), 302);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(conversions(&server).await.is_empty());
    assert_eq!(ads(&server).server_events().len(), 0);

    // Secrets are sealed at rest.
    let stored = ad_pixels::Entity::find()
        .all(&server.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    for row in &stored {
        let sealed = row.secret.as_deref().unwrap();
        for secret in [META_TOKEN, TIKTOK_TOKEN, GA4_SECRET] {
            assert!(!sealed.contains(secret));
        }
    }
}

#[tokio::test]
async fn consented_page_views_and_click_outs_reach_each_platform_once_with_the_browsers_event_id() {
    let server = TestServer::start().await;
    with_pixels(&server).await;
    let release = single_id(&server).await;

    // Meta and GA4 allowed, TikTok refused.
    let page = server
        .client
        .get(server.url(&format!("{PAGE}?utm_source=ig&fbclid=IwAR-Click_Id")))
        .header(COOKIE, "dropday_consent=m1t0g1; _fbp=fb.1.1700000000000.987654321; _ga=GA1.1.555666777.1700000000")
        .send()
        .await
        .unwrap();
    let page_view_id =
        page_view_cookie(&page).expect("the page view's event id for the browser pixel");
    assert_eq!(
        page.headers()["cache-control"],
        "private, no-cache",
        "a page carrying a fan's event id is not for shared caches"
    );
    let queued = wait_for_queued(&server, 1).await;
    // GA4 page views come from gtag in the browser only (GA4 has no deduplication); TikTok was refused.
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].platform, "meta");
    assert_eq!(queued[0].event_name, "PageView");
    assert_eq!(queued[0].event_id, page_view_id);
    assert!(
        queued[0].fan.is_some(),
        "the fan's details are kept (sealed) until delivery"
    );

    // The click-out carries the event id the page's script gave the browser pixels.
    let click_id = "5f0c3c8e-2d7b-4a51-9d0e-abcdefabcdef";
    let click = server
        .client
        .get(server.url(&format!("/go/{release}/spotify?eid={click_id}")))
        .header(COOKIE, "dropday_consent=m1t0g1; _fbp=fb.1.1700000000000.987654321; _ga=GA1.1.555666777.1700000000")
        .header(REFERER, server.url(&format!("{PAGE}?utm_source=ig&fbclid=IwAR-Click_Id")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        click.status(),
        302,
        "the click-out never waits for ad platforms"
    );
    let settled = wait_for_settled(&server).await;
    assert_eq!(settled.len(), 3, "{settled:?}");
    for row in &settled {
        assert!(
            !row.source_url.contains("fbclid"),
            "click ids are not kept in the log: {row:?}"
        );
        if row.kind == "page_view" {
            assert!(row.source_url.ends_with("?utm_source=ig"), "{row:?}");
        }
        assert_eq!(row.status, status::SENT, "{row:?}");
        assert!(
            row.fan.is_none(),
            "the fan's details are deleted once delivered"
        );
        assert!(row.key_id.is_none());
    }

    let events = ads(&server).server_events();
    let meta_click = events
        .iter()
        .find(|e| e.event_name == "Lead")
        .expect("Meta got the click-out");
    assert_eq!(meta_click.event_id.as_deref(), Some(click_id));
    assert_eq!(meta_click.pixel_id, "1234567890");
    assert_eq!(meta_click.test_event_code.as_deref(), Some("TEST123"));
    let fbc = meta_click.user["fbc"].as_str().unwrap();
    assert!(
        fbc.starts_with("fb.1.") && fbc.ends_with(".IwAR-Click_Id"),
        "{fbc}"
    );
    assert_eq!(meta_click.user["fbp"], "fb.1.1700000000000.987654321");
    assert_eq!(meta_click.user["client_ip_address"], "127.0.0.1");
    assert!(meta_click.user["client_user_agent"]
        .as_str()
        .unwrap()
        .contains("iPhone"));
    let ga = events
        .iter()
        .find(|e| e.event_name == "click_out")
        .expect("GA4 got the click-out");
    assert_eq!(ga.user["client_id"], "555666777.1700000000");
    assert_eq!(ga.custom["event_id"], click_id);
    assert!(
        events.iter().all(|e| e.platform.as_str() != "tiktok"),
        "TikTok was refused: {events:?}"
    );
    let meta_page_view = events.iter().find(|e| e.event_name == "PageView").unwrap();
    assert_eq!(
        meta_page_view.event_id.as_deref(),
        Some(page_view_id.as_str())
    );
}

#[tokio::test]
async fn consent_given_on_the_page_queues_its_page_view_for_the_platforms_just_allowed() {
    let server = TestServer::start().await;
    with_pixels(&server).await;
    let release = single_id(&server).await;
    let event_id = "11111111-2222-4333-8444-555555555555";
    // The fan had allowed Meta before (its page view was queued when the page was served) and now allows TikTok.
    let beacon = server
        .client
        .post(server.url(&format!("/t/{release}/page_view?eid={event_id}&p=t")))
        .header(COOKIE, "dropday_consent=m1t1g0; _ttp=ttp-cookie-value")
        .header(
            REFERER,
            server.url(&format!("{PAGE}?ttclid=E.C.P.tiktok-click")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(beacon.status(), 204);
    let settled = wait_for_settled(&server).await;
    assert_eq!(
        settled.len(),
        1,
        "only the platform allowed just now: {settled:?}"
    );
    assert_eq!(settled[0].platform, "tiktok");
    let tiktok = ads(&server).server_events();
    assert_eq!(tiktok[0].event_name, "ViewContent");
    assert_eq!(tiktok[0].event_id.as_deref(), Some(event_id));
    assert_eq!(tiktok[0].user["ttclid"], "E.C.P.tiktok-click");
    assert_eq!(tiktok[0].user["ttp"], "ttp-cookie-value");

    // A beacon naming a platform the fan has not allowed queues nothing; a made-up event id is refused.
    let refused = server
        .client
        .post(server.url(&format!("/t/{release}/page_view?eid={event_id}&p=g")))
        .header(COOKIE, "dropday_consent=m1t1g0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 204);
    let bogus = server
        .client
        .post(server.url(&format!("/t/{release}/page_view?eid=<script>&p=m")))
        .header(COOKIE, "dropday_consent=m1t1g0")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 404);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(conversions(&server).await.len(), 1);
}

#[tokio::test]
async fn an_organization_may_decide_fans_are_not_asked() {
    let server = TestServer::start().await;
    let admin = with_pixels(&server).await;
    consent_not_required(&server, &admin).await;
    let page = server.get(PAGE).await;
    assert!(page_view_cookie(&page).is_some());
    let html = page.text().await.unwrap();
    assert!(!html.contains("id=\"dd-consent\""), "no banner");
    assert!(html.contains(r#""q":false"#));
    let queued = wait_for_queued(&server, 2).await;
    let platforms: Vec<&str> = queued.iter().map(|r| r.platform.as_str()).collect();
    assert_eq!(
        platforms,
        ["meta", "tiktok"],
        "GA4 page views stay in the browser"
    );

    // Bots never become conversions.
    let before = conversions(&server).await.len();
    let bot = server
        .client
        .get(server.url(PAGE))
        .header(
            "user-agent",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bot.status(), 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(conversions(&server).await.len(), before);
}

#[tokio::test]
async fn failures_are_retried_refused_or_dropped_with_their_reasons() {
    let server = TestServer::start().await;
    let admin = with_pixels(&server).await;
    consent_not_required(&server, &admin).await;
    let fake = ads(&server);
    // Meta: a 429 with Retry-After, then it answers. TikTok: the token is revoked.
    fake.fail_next_on(
        "/v21.0/",
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
    );
    fake.reject_token(TIKTOK_TOKEN);
    // Three page views queued in one write, as the analytics writer does for fans arriving together, so that the
    // worker's first claim takes all of them (through the page, their arrival could span two claims).
    queue_page_views(&server, 3).await;
    let queued = wait_for_queued(&server, 6).await;
    assert_eq!(queued.len(), 6);
    // The first Meta attempt hit the 429: retried after its backoff, which the test skips, once the round is over
    // (TikTok's refusal settled): a clock jump mid-round makes the worker give back what it has not sent.
    for _ in 0..100 {
        let rows = conversions(&server).await;
        let meta_tried = rows
            .iter()
            .filter(|r| r.platform == "meta")
            .all(|r| r.attempts >= 1);
        let tiktok_settled = rows
            .iter()
            .filter(|r| r.platform == "tiktok")
            .all(|r| r.status != status::QUEUED);
        if meta_tried && tiktok_settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.clock.advance(chrono::Duration::minutes(2));
    let settled = wait_for_settled(&server).await;
    let meta: Vec<_> = settled.iter().filter(|r| r.platform == "meta").collect();
    let tiktok: Vec<_> = settled.iter().filter(|r| r.platform == "tiktok").collect();
    assert!(
        meta.iter()
            .all(|r| r.status == status::SENT && r.attempts == 2),
        "{meta:?}"
    );
    // The three page views went out as one request: one 429, then one batch.
    assert_eq!(fake.calls("/v21.0/1234567890/events"), 2);
    // The refused TikTok batch: its first event alone is refused the same way (the token, not an event), so the
    // batch fails with one more request instead of one per event.
    assert_eq!(
        fake.calls(server::sandbox::ads::TIKTOK_TRACK_PATH),
        2,
        "{tiktok:?}"
    );
    for row in &tiktok {
        assert_eq!(row.status, status::FAILED, "{row:?}");
        let error = row.last_error.as_deref().unwrap();
        assert!(error.contains("TikTok"), "{error}");
        assert!(
            !error.contains(TIKTOK_TOKEN),
            "the token leaked into the log: {error}"
        );
        assert!(row.fan.is_none());
    }

    // An event that waits (a 500, then its backoff) until it is older than Meta accepts is dropped with the
    // reason, without another request.
    let before = fake.calls("/v21.0/1234567890/events");
    fake.fail_next_on("/v21.0/", 1, Fault::ServerError);
    assert_eq!(server.get(PAGE).await.status(), 200);
    let mut waiting = false;
    for _ in 0..200 {
        let rows = conversions(&server).await;
        // The round that got the 500 must be over (its TikTok event refused too) before the clock jumps: a jump
        // mid-round makes the worker give its remaining events back unsent.
        waiting = rows.len() == 8
            && rows
                .iter()
                .any(|r| r.platform == "meta" && r.status == status::QUEUED && r.attempts == 1)
            && rows
                .iter()
                .filter(|r| r.platform == "tiktok")
                .all(|r| r.status == status::FAILED);
        if waiting {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(waiting, "{:?}", conversions(&server).await);
    server.clock.advance(chrono::Duration::days(8));
    let settled = wait_for_settled(&server).await;
    let stale = settled
        .iter()
        .find(|r| r.platform == "meta" && r.status == status::DROPPED)
        .expect("the stale Meta event was dropped");
    assert!(
        stale.last_error.as_deref().unwrap().contains("7 days"),
        "{stale:?}"
    );
    assert_eq!(
        fake.calls("/v21.0/1234567890/events"),
        before + 1,
        "only the attempt that got the 500"
    );

    // The dashboard's log says the same.
    let log = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{}", artist_id(&server).await), "request": "load" }),
        )
        .await;
    let log = log.ok();
    assert_eq!(log["counts"], json!([0, 3, 4, 1, 3]), "{log}");
    let text = log.to_string();
    for secret in [META_TOKEN, TIKTOK_TOKEN, GA4_SECRET] {
        assert!(!text.contains(secret), "a secret reached the dashboard");
    }
    assert!(log["pixels"][0]["has_secret"].as_bool().unwrap());
}

#[tokio::test]
async fn a_test_event_reports_what_the_platform_answered() {
    let server = TestServer::start().await;
    let admin = with_pixels(&server).await;
    let artist = artist_id(&server).await;
    let sent = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{artist}"), "request": { "send_test": "meta" } }),
        )
        .await;
    let answer: Value = sent.ok()["notice"].clone();
    assert!(
        answer.as_str().unwrap().contains("test event sent"),
        "{answer}"
    );
    let events = ads(&server).server_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].test_event_code.as_deref(), Some("TEST123"));

    let ga4 = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{artist}"), "request": { "send_test": "ga4" } }),
        )
        .await;
    assert!(
        ga4.ok()["notice"].as_str().unwrap().contains("valid and"),
        "{ga4:?}"
    );

    ads(&server).reject_token(META_TOKEN);
    let refused = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{artist}"), "request": { "send_test": "meta" } }),
        )
        .await;
    let text = refused.ok()["notice"].as_str().unwrap().to_owned();
    assert!(text.contains("not sent"), "{text}");
    assert!(!text.contains(META_TOKEN));

    let log = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{artist}"), "request": "load" }),
        )
        .await;
    let rows = log.ok()["log"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["test"] == true));
    assert_eq!(rows[0]["status"], "failed");

    // A release can switch a platform off: its page then has no Meta pixel.
    let release = single_id(&server).await;
    server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("release:{release}"), "request": { "save_pixel": {
                    "platform": "meta", "mode": "off", "pixel_id": "", "secret": "", "clear_secret": false,
                    "test_event_code": "" } } }),
        )
        .await
        .ok();
    let html = server.get(PAGE).await.text().await.unwrap();
    assert!(!html.contains(r#""m":"#), "Meta is off for this release");
    assert!(html.contains(r#""t":"CABCDEFGHIJ1234567""#));
    // Bad input is refused with a clear message and changes nothing.
    let bad = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": format!("artist:{artist}"), "request": { "save_pixel": {
                    "platform": "meta", "mode": "on", "pixel_id": "not-digits", "secret": "",
                    "clear_secret": false, "test_event_code": "" } } }),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.to_string().contains("5 to 20 digits"),
        "{:?}",
        bad.body
    );
}

#[tokio::test]
async fn a_pre_save_is_a_conversion_and_its_confirmation_fires_the_browser_pixels_with_its_id() {
    use crate::presaves::{album, at_server, fan_cookie, spotify_answer};
    let server = TestServer::start().await;
    with_pixels(&server).await;
    let album = album(&server).await;

    // Without consent: the pre-save works, and nothing goes to the ad platforms.
    let back = spotify_answer(&server, album.id, "fan-no-ads", "accept", &[]).await;
    let done = server
        .client
        .get(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    // The confirmation still gets an event id: the browser fires its pixels only with the fan's consent.
    assert!(done.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("/presaves?done={}&eid=", album.id)));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        conversions(&server).await.is_empty(),
        "nothing queued without consent"
    );

    // With consent: each platform gets the pre-save, with the id the confirmation page hands its pixels.
    let back = spotify_answer(&server, album.id, "fan-ads", "accept", &[]).await;
    let done = server
        .client
        .get(at_server(&server, &back))
        .header(COOKIE, "dropday_consent=m1t1g1")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    let prefix = format!("/presaves?done={}&eid=", album.id);
    let event_id = location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let settled = wait_for_settled(&server).await;
    let names: Vec<(&str, &str)> = settled
        .iter()
        .map(|r| (r.platform.as_str(), r.event_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("meta", "CompleteRegistration"),
            ("tiktok", "CompleteRegistration"),
            ("ga4", "pre_save")
        ]
    );
    assert!(settled
        .iter()
        .all(|r| r.event_id == event_id && r.kind == "pre_save" && r.status == status::SENT));

    let page = server
        .client
        .get(server.url(&location))
        .header(
            COOKIE,
            format!("{}; dropday_consent=m1t1g1", fan_cookie(&done)),
        )
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Pre-saved!"), "{html}");
    assert!(html.contains(&format!(r#""e":"{event_id}""#)), "{html}");
    assert!(
        html.contains(r#""v":false"#),
        "no page view fired from the confirmation"
    );
    assert!(
        !html.contains("id=\"dd-consent\""),
        "no banner on the confirmation"
    );
}

#[tokio::test]
async fn a_secret_that_no_longer_opens_stops_its_pixel_only() {
    let server = TestServer::start().await;
    let admin = with_pixels(&server).await;
    consent_not_required(&server, &admin).await;
    // As after a key rotation that dropped the old key: Meta's token was sealed under a key no longer configured.
    let meta = ad_pixels::Entity::find()
        .filter(ad_pixels::Column::Platform.eq("meta"))
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut retired = sea_orm::IntoActiveModel::into_active_model(meta);
    retired.key_id = sea_orm::Set(Some("0badc0de".into()));
    sea_orm::ActiveModelTrait::update(retired, &server.state.db)
        .await
        .unwrap();

    assert_eq!(server.get(PAGE).await.status(), 200);
    let settled = wait_for_settled(&server).await;
    let meta = settled.iter().find(|r| r.platform == "meta").unwrap();
    assert_eq!(meta.status, status::DROPPED);
    assert!(
        meta.last_error
            .as_deref()
            .unwrap()
            .contains("cannot be opened"),
        "{meta:?}"
    );
    let tiktok = settled.iter().find(|r| r.platform == "tiktok").unwrap();
    assert_eq!(tiktok.status, status::SENT, "the other pixels go on");

    // A release that goes back to its artist's setting keeps its log.
    let release = single_id(&server).await;
    let subject = format!("release:{release}");
    let own = |mode: &str| {
        json!({ "subject": subject, "request": { "save_pixel": { "platform": "tiktok", "mode": mode,
            "pixel_id": "CRELEASE0000001", "secret": "release-token-1234", "clear_secret": false,
            "test_event_code": "" } } })
    };
    server.call(&admin, "ad_tracking", own("on")).await.ok();
    let tested = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": subject, "request": { "send_test": "tiktok" } }),
        )
        .await;
    assert!(tested.ok()["notice"]
        .as_str()
        .unwrap()
        .contains("test event sent"));
    server
        .call(&admin, "ad_tracking", own("inherit"))
        .await
        .ok();
    let log = server
        .call(
            &admin,
            "ad_tracking",
            json!({ "subject": subject, "request": "load" }),
        )
        .await;
    let log = log.ok();
    assert!(
        log["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["test"] == true),
        "{log}"
    );
    assert_eq!(log["pixels"][1]["mode"], "inherit");
}
