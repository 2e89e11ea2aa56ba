//! Organization rules and monetization through the real server and the sandbox's fake Stripe: platform rules in
//! the editor, on fan pages, in previews and on click-outs; each access mode from refusal to publishing; packages
//! and base fees bought through Stripe Checkout, with webhooks forged, replayed, stale, delayed and refunded.
use crate::common;

use app::server::demo::{
    DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD,
};
use app::server::Clock as _;
use common::api::{Client, Reply};
use common::TestServer;
use serde_json::{json, Value};
use server::sandbox::stripe::FakeStripe;

struct World {
    server: TestServer,
    admin: Client,
    artist: Client,
    nova: i64,
    single: i64,
    album: i64,
}

async fn world() -> World {
    let server = TestServer::start().await;
    fake_stripe(&server).set_webhook_url(&server.url("/webhooks/stripe"));
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artist = server
        .sign_in(DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD)
        .await;
    let releases = server
        .call(&artist, "list_releases", json!({ "filter": "all" }))
        .await;
    let id_of = |title: &str| {
        releases
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == title)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (single, album) = (id_of("Midnight Signal"), id_of("Afterglow Atlas"));
    let nova = releases.ok()[0]["artist_id"].as_i64().unwrap();
    World {
        server,
        admin,
        artist,
        nova,
        single,
        album,
    }
}

fn fake_stripe(server: &TestServer) -> &FakeStripe {
    &server.state.sandbox.as_ref().expect("sandbox").stripe
}

impl World {
    async fn organization(&self, request: Value) -> Reply {
        self.server
            .call(
                &self.admin,
                "manage_organization",
                json!({ "request": request }),
            )
            .await
    }

    async fn publish(&self, client: &Client, release_id: i64, publish: bool) -> Reply {
        self.server
            .call(
                client,
                "publish_release",
                json!({ "release_id": release_id, "publish": publish }),
            )
            .await
    }

    async fn publishing(&self, request: Value) -> Reply {
        self.server
            .call(&self.artist, "publishing", json!({ "request": request }))
            .await
    }

    async fn editor(&self, release_id: i64) -> Value {
        self.server
            .call(
                &self.artist,
                "load_release_editor",
                json!({ "release_id": release_id }),
            )
            .await
            .ok()
            .clone()
    }

    async fn fan_page(&self, path: &str) -> (u16, String) {
        let response = self.server.get(path).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A Stripe Checkout Session id from the page the server sent the browser to.
    async fn checkout(&self, request: Value) -> String {
        let reply = self.publishing(request).await;
        let url = reply.ok()["checkout"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with(fake_stripe(&self.server).base_url()),
            "{url}"
        );
        url.rsplit('/').next().unwrap().to_owned()
    }

    async fn set_mode(&self, mode: &str, fee: &str, currency: &str) {
        self.organization(
            json!({ "save_access": { "mode": mode, "base_fee": fee, "currency": currency } }),
        )
        .await
        .ok();
    }
}

/// The services a release page links out to, in page order.
fn services_on_page(html: &str, release_id: i64) -> Vec<String> {
    let marker = format!("/go/{release_id}/");
    let mut services = Vec::new();
    for piece in html.split(&marker).skip(1) {
        let service: String = piece
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !services.contains(&service) {
            services.push(service);
        }
    }
    services
}

fn error_text(reply: &Reply) -> String {
    reply.body.to_string()
}

#[tokio::test]
async fn platform_rules_decide_what_editors_pages_previews_and_click_outs_offer() {
    let w = world().await;
    let path = "/nova-lights/midnight-signal";
    let (_, before) = w.fan_page(path).await;
    let all = services_on_page(&before, w.single);
    assert!(all.len() >= 6, "the demo single links out widely: {all:?}");
    assert!(all.contains(&"deezer".to_owned()) && all.contains(&"tidal".to_owned()));

    // The matrix: rules → what the page shows, first, and what a click-out to an excluded service gets.
    struct Case {
        rules: Value,
        expect_only: Option<&'static [&'static str]>,
        expect_absent: &'static [&'static str],
        expect_first: &'static [&'static str],
    }
    let cases = [
        Case {
            rules: json!({ "allowed": [], "blocked": ["deezer"], "priority": ["tidal", "apple_music"] }),
            expect_only: None,
            expect_absent: &["deezer"],
            expect_first: &["tidal", "apple_music"],
        },
        Case {
            rules: json!({ "allowed": ["spotify", "apple_music", "bandcamp"], "blocked": [], "priority": ["bandcamp"] }),
            expect_only: Some(&["bandcamp", "spotify", "apple_music"]),
            expect_absent: &["deezer", "tidal", "youtube_music"],
            expect_first: &["bandcamp"],
        },
        Case {
            rules: json!({ "allowed": [], "blocked": ["spotify", "tidal"], "priority": [] }),
            expect_only: None,
            expect_absent: &["spotify", "tidal"],
            expect_first: &[],
        },
    ];
    for (index, case) in cases.iter().enumerate() {
        w.organization(json!({ "save_rules": case.rules }))
            .await
            .ok();
        let (status, html) = w.fan_page(path).await;
        assert_eq!(status, 200);
        let shown = services_on_page(&html, w.single);
        if let Some(only) = case.expect_only {
            let mut sorted_shown = shown.clone();
            sorted_shown.sort();
            let mut expected: Vec<String> = only.iter().map(|s| (*s).to_owned()).collect();
            expected.sort();
            assert_eq!(sorted_shown, expected, "case {index}");
        }
        for absent in case.expect_absent {
            assert!(
                !shown.iter().any(|s| s == absent),
                "case {index}: {absent} shown in {shown:?}"
            );
            let click = w.server.get(&format!("/go/{}/{absent}", w.single)).await;
            assert_eq!(
                click.status().as_u16(),
                404,
                "case {index}: click-out to {absent}"
            );
        }
        assert_eq!(
            &shown[..case.expect_first.len()],
            case.expect_first,
            "case {index}: page order {shown:?}"
        );
        // The editor offers only what the rules admit, and says which ones.
        let editor = w.editor(w.single).await;
        assert_eq!(editor["rules"], case.rules, "case {index}");
        // The preview the editor shows applies them too.
        let preview = w
            .server
            .client
            .get(
                w.server
                    .url(&format!("/dashboard/releases/{}/preview", w.single)),
            )
            .header("cookie", w.artist.cookie.clone().unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let previewed = services_on_page(&preview, w.single);
        for absent in case.expect_absent {
            assert!(
                !previewed.iter().any(|s| s == absent),
                "case {index}: preview shows {absent}"
            );
        }
    }

    // Spotify and Tidal are blocked now. The editor keeps a blocked link as it is, lets it be removed, and
    // refuses adding or changing one.
    let mut draft = w.editor(w.single).await["draft"].clone();
    w.server
        .call(&w.artist, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    let mut changed = w.editor(w.single).await["draft"].clone();
    for link in changed["links"].as_array_mut().unwrap() {
        if link["service"] == "spotify" {
            link["url"] = json!("https://open.spotify.com/album/changed");
        }
    }
    let refused = w
        .server
        .call(&w.artist, "save_release", json!({ "draft": changed }))
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        error_text(&refused).contains("Spotify is not allowed by your organization"),
        "{}",
        error_text(&refused)
    );
    draft = w.editor(w.single).await["draft"].clone();
    let links = draft["links"].as_array_mut().unwrap();
    links.retain(|link| link["service"] != "tidal");
    draft["removed_services"] = json!(["tidal"]);
    w.server
        .call(&w.artist, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    let after = w.editor(w.single).await;
    assert!(!after["draft"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["service"] == "tidal"));

    // Contradictions are refused with the service named; artists cannot change rules at all.
    let both = w
        .organization(
            json!({ "save_rules": { "allowed": ["tidal"], "blocked": ["tidal"], "priority": [] } }),
        )
        .await;
    assert_eq!(both.status, 400);
    assert!(
        error_text(&both).contains("TIDAL is both allowed and blocked"),
        "{}",
        error_text(&both)
    );
    let first_blocked = w
        .organization(json!({ "save_rules": { "allowed": [], "blocked": ["deezer"], "priority": ["deezer"] } }))
        .await;
    assert_eq!(first_blocked.status, 400);
    let by_artist = w
        .server
        .call(&w.artist, "manage_organization", json!({ "request": { "save_rules": { "allowed": [], "blocked": [], "priority": [] } } }))
        .await;
    assert_eq!(by_artist.status, 403);
    // Lifting the rules brings Spotify back on the same page.
    w.organization(json!({ "save_rules": { "allowed": [], "blocked": [], "priority": [] } }))
        .await
        .ok();
    let (_, html) = w.fan_page(path).await;
    assert!(services_on_page(&html, w.single).contains(&"spotify".to_owned()));
}

#[tokio::test]
async fn free_mode_publishes_denied_mode_waits_for_an_admin_grant() {
    let w = world().await;
    // Free for all.
    w.publish(&w.artist, w.single, false).await.ok();
    w.publish(&w.artist, w.single, true).await.ok();

    w.set_mode("denied", "", "").await;
    w.publish(&w.artist, w.single, false).await.ok();
    let refused = w.publish(&w.artist, w.single, true).await;
    assert_eq!(refused.status, 402);
    assert!(
        error_text(&refused).contains("Ask an admin"),
        "{}",
        error_text(&refused)
    );
    let check = &w.editor(w.single).await["publishing"];
    assert_eq!(check["allowed"], false);
    assert_eq!(check["ask_admin"], true);
    assert_eq!(w.fan_page("/nova-lights/midnight-signal").await.0, 404);

    // An admin grants one release.
    let settings = w
        .organization(json!({ "grant": { "artist_id": w.nova, "releases": "1", "days": "" } }))
        .await;
    let grant_id = settings.ok()["ledger"][0]["id"].as_i64().unwrap();
    w.publish(&w.artist, w.single, true).await.ok();
    assert_eq!(w.fan_page("/nova-lights/midnight-signal").await.0, 200);
    let ledger = w.organization(json!("load")).await.ok()["ledger"].clone();
    assert_eq!(ledger[0]["usage"], "1 of 1 release used");
    assert_eq!(ledger[0]["state"], "used up");

    // Unpublishing and publishing again costs nothing; another release needs another grant.
    w.publish(&w.artist, w.single, false).await.ok();
    w.publish(&w.artist, w.single, true).await.ok();
    w.publish(&w.artist, w.album, false).await.ok();
    assert_eq!(w.publish(&w.artist, w.album, true).await.status, 402);
    // An admin publishing is their grant, recorded in the ledger.
    w.publish(&w.admin, w.album, true).await.ok();
    let ledger = w.organization(json!("load")).await.ok()["ledger"].clone();
    assert!(ledger
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "Published by an admin"));

    // Taking the grant back unpublishes the release it paid for.
    let taken = w
        .organization(json!({ "revoke": { "entitlement_id": grant_id, "reason": "" } }))
        .await;
    let line = taken.ok()["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == grant_id)
        .unwrap()
        .clone();
    assert!(
        line["state"].as_str().unwrap().starts_with("taken back"),
        "{line}"
    );
    assert_eq!(w.fan_page("/nova-lights/midnight-signal").await.0, 404);
    assert_eq!(w.fan_page("/nova-lights/afterglow-atlas").await.0, 200);
}

#[tokio::test]
async fn package_mode_sells_packages_through_checkout_and_a_refund_takes_them_back() {
    let w = world().await;
    let stripe = fake_stripe(&w.server);
    w.set_mode("package", "", "").await;
    let saved = w
        .organization(
            json!({ "save_package": { "id": null, "name": "Two drops", "price": "19.90",
            "currency": "eur", "releases_included": "2", "duration_days": "365" } }),
        )
        .await;
    let package = saved.ok()["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Two drops")
        .unwrap()
        .clone();
    assert_eq!(package["price"], "EUR 19.90");
    assert_eq!(package["terms"], "2 releases within 365 days");
    // The admin's edit form starts from what was saved, normalized (currency in capitals).
    assert_eq!(
        package["form"],
        json!({ "id": package["id"], "name": "Two drops", "price": "19.90", "currency": "EUR",
            "releases_included": "2", "duration_days": "365" })
    );

    w.publish(&w.artist, w.single, false).await.ok();
    let refused = w.publish(&w.artist, w.single, true).await;
    assert_eq!(refused.status, 402);
    assert!(
        error_text(&refused).contains("Buy a package"),
        "{}",
        error_text(&refused)
    );

    let page = w
        .publishing(json!({ "load": { "artist_id": w.nova, "session_id": null } }))
        .await;
    let view = page.ok()["view"].clone();
    assert_eq!(view["can_buy"], true);
    assert!(view["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Two drops"));

    let session_id = w
        .checkout(json!({ "buy_package": { "artist_id": w.nova, "package_id": package["id"] } }))
        .await;
    let session = stripe.session(&session_id).unwrap();
    assert_eq!(session["amount_total"], 1990);
    assert_eq!(session["currency"], "eur");
    assert_eq!(session["metadata"]["artist_id"], w.nova.to_string());
    // Not paid yet: still refused.
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);

    let event_id = stripe.pay(&session_id).await.unwrap();
    let delivered = stripe.deliveries();
    assert_eq!(delivered.last().unwrap().status, Some(200), "{delivered:?}");
    w.publish(&w.artist, w.single, true).await.ok();
    assert_eq!(w.fan_page("/nova-lights/midnight-signal").await.0, 200);
    let back = w
        .publishing(json!({ "load": { "artist_id": w.nova, "session_id": session_id } }))
        .await;
    let view = back.ok()["view"].clone();
    assert!(
        view["payment_note"]
            .as_str()
            .unwrap()
            .starts_with("Payment received"),
        "{view}"
    );
    assert_eq!(view["holdings"][0]["usage"], "1 of 2 releases used");

    // Stripe delivering the same event again changes nothing.
    assert_eq!(stripe.redeliver(&event_id).await.unwrap(), 200);
    let settings = w.organization(json!("load")).await;
    let ledger = settings.ok()["ledger"].as_array().unwrap().clone();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(settings.ok()["revenue"][0]["paid"], "EUR 19.90");

    // A refund takes the package back, and the release it paid for goes offline.
    stripe.refund(&session_id).await.unwrap();
    assert_eq!(stripe.deliveries().last().unwrap().status, Some(200));
    assert_eq!(w.fan_page("/nova-lights/midnight-signal").await.0, 404);
    let settings = w.organization(json!("load")).await;
    let body = settings.ok();
    assert_eq!(body["payments"][0]["status"], "refunded");
    assert_eq!(body["revenue"][0]["net"], "EUR 0.00");
    assert_eq!(body["revenue"][0]["refunded"], "EUR 19.90");
    assert!(body["ledger"][0]["state"]
        .as_str()
        .unwrap()
        .contains("refunded"));
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);
}

#[tokio::test]
async fn base_fee_mode_charges_per_release_and_only_signed_fresh_webhooks_count() {
    let w = world().await;
    let stripe = fake_stripe(&w.server);
    let no_fee = w
        .organization(
            json!({ "save_access": { "mode": "base_fee", "base_fee": "", "currency": "usd" } }),
        )
        .await;
    assert_eq!(no_fee.status, 400);
    w.set_mode("base_fee", "9", "usd").await;
    w.publish(&w.artist, w.single, false).await.ok();
    let refused = w.publish(&w.artist, w.single, true).await;
    assert_eq!(refused.status, 402);
    assert!(
        error_text(&refused).contains("charges USD 9.00 per release"),
        "{}",
        error_text(&refused)
    );
    assert_eq!(w.editor(w.single).await["publishing"]["fee"], "USD 9.00");

    // A delayed payment: nothing until it clears; a failed one grants nothing.
    let delayed = w
        .checkout(json!({ "pay_fee": { "release_id": w.single } }))
        .await;
    stripe.pay_delayed(&delayed).await.unwrap();
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);
    let payments = w.organization(json!("load")).await.ok()["payments"].clone();
    assert_eq!(payments[0]["status"], "processing");
    stripe.settle_delayed(&delayed, false).await.unwrap();
    assert_eq!(
        w.organization(json!("load")).await.ok()["payments"][0]["status"],
        "failed"
    );
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);

    // Webhooks that must not count: forged, stale, unsigned. They change nothing.
    let forged_session = w
        .checkout(json!({ "pay_fee": { "release_id": w.single } }))
        .await;
    let body = json!({
        "id": "evt_forged_1", "object": "event", "type": "checkout.session.completed",
        "created": w.server.clock.now().timestamp(),
        "data": { "object": { "id": forged_session, "object": "checkout.session", "payment_status": "paid",
            "status": "complete", "amount_total": 900, "currency": "usd", "payment_intent": "pi_forged" } }
    })
    .to_string();
    let now = w.server.clock.now().timestamp();
    let secret = stripe.options().webhook_secret.clone();
    for (label, header) in [
        (
            "forged",
            Some(app::server::billing::stripe::signature_header(
                "whsec_wrong",
                now,
                body.as_bytes(),
            )),
        ),
        (
            "stale",
            Some(app::server::billing::stripe::signature_header(
                &secret,
                now - 301,
                body.as_bytes(),
            )),
        ),
        ("unsigned", None),
    ] {
        let mut request = w
            .server
            .client
            .post(w.server.url("/webhooks/stripe"))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(header) = header {
            request = request.header("stripe-signature", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{label}");
    }
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);
    // The same body signed with the endpoint's secret now is accepted, once.
    let signed = app::server::billing::stripe::signature_header(&secret, now, body.as_bytes());
    for expect_duplicate in [false, true] {
        let response = w
            .server
            .client
            .post(w.server.url("/webhooks/stripe"))
            .header("stripe-signature", signed.clone())
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["duplicate"], expect_duplicate, "{answer}");
    }
    w.publish(&w.artist, w.single, true).await.ok();

    // The fee is per release: the album still needs its own.
    w.publish(&w.artist, w.album, false).await.ok();
    assert_eq!(w.publish(&w.artist, w.album, true).await.status, 402);
    let paid = w
        .checkout(json!({ "pay_fee": { "release_id": w.album } }))
        .await;
    stripe.pay(&paid).await.unwrap();
    w.publish(&w.artist, w.album, true).await.ok();
    // Paying for a release already covered is refused before Stripe is asked.
    let again = w
        .publishing(json!({ "pay_fee": { "release_id": w.album } }))
        .await;
    assert_eq!(again.status, 400);
    let revenue = w.organization(json!("load")).await.ok()["revenue"].clone();
    assert_eq!(revenue[0]["paid"], "USD 18.00", "{revenue}");
}

#[tokio::test]
async fn racing_payments_and_publishes_never_grant_twice() {
    let w = world().await;
    let stripe = fake_stripe(&w.server);
    w.set_mode("package", "", "").await;
    let saved = w
        .organization(
            json!({ "save_package": { "id": null, "name": "One drop", "price": "9",
            "currency": "EUR", "releases_included": "1", "duration_days": "" } }),
        )
        .await;
    let package_id = saved.ok()["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "One drop")
        .unwrap()["id"]
        .clone();
    let session_id = w
        .checkout(json!({ "buy_package": { "artist_id": w.nova, "package_id": package_id } }))
        .await;
    // The package changes after the checkout started: the buyer gets what they paid for.
    w.organization(
        json!({ "save_package": { "id": package_id, "name": "One drop", "price": "9",
        "currency": "EUR", "releases_included": "5", "duration_days": "" } }),
    )
    .await
    .ok();

    // The webhook and three returns from Checkout at once: one entitlement.
    let back = json!({ "load": { "artist_id": w.nova, "session_id": session_id } });
    let (paid, first, second, third) = tokio::join!(
        stripe.pay(&session_id),
        w.publishing(back.clone()),
        w.publishing(back.clone()),
        w.publishing(back.clone()),
    );
    paid.unwrap();
    for reply in [first, second, third] {
        reply.ok();
    }
    let ledger = w.organization(json!("load")).await.ok()["ledger"].clone();
    assert_eq!(ledger.as_array().unwrap().len(), 1, "{ledger}");
    assert_eq!(ledger[0]["usage"], "0 of 1 release used", "{ledger}");

    // Two releases race for its one release: exactly one goes live.
    w.publish(&w.artist, w.single, false).await.ok();
    w.publish(&w.artist, w.album, false).await.ok();
    let (single, album) = tokio::join!(
        w.publish(&w.artist, w.single, true),
        w.publish(&w.artist, w.album, true),
    );
    let mut statuses = [single.status.as_u16(), album.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 402], "{single:?} {album:?}");
    let ledger = w.organization(json!("load")).await.ok()["ledger"].clone();
    assert_eq!(ledger[0]["usage"], "1 of 1 release used");

    // Bought under "package", it does not count once the organization denies publishing.
    let live = if single.status.as_u16() == 200 {
        w.single
    } else {
        w.album
    };
    w.set_mode("denied", "", "").await;
    w.publish(&w.artist, live, false).await.ok();
    assert_eq!(w.publish(&w.artist, live, true).await.status, 402);
}

#[tokio::test]
async fn a_refund_that_overtakes_its_payment_still_takes_it_back() {
    let w = world().await;
    let stripe = fake_stripe(&w.server);
    w.set_mode("base_fee", "5", "EUR").await;
    w.publish(&w.artist, w.single, false).await.ok();
    let session_id = w
        .checkout(json!({ "pay_fee": { "release_id": w.single } }))
        .await;
    // The completion does not reach Dropday (an outage); the refund comes first.
    stripe.set_webhook_url("http://127.0.0.1:9/unreachable");
    let completed = stripe.pay(&session_id).await.unwrap();
    stripe.set_webhook_url(&w.server.url("/webhooks/stripe"));
    let refunded = stripe.refund(&session_id).await.unwrap();
    assert_eq!(
        stripe.deliveries().last().unwrap().status,
        Some(500),
        "a refund of a payment not known yet is refused, so Stripe retries it"
    );
    // Stripe's retries: the completion, then the refund.
    assert_eq!(stripe.redeliver(&completed).await.unwrap(), 200);
    assert_eq!(stripe.redeliver(&refunded).await.unwrap(), 200);
    let body = w.organization(json!("load")).await;
    assert_eq!(body.ok()["payments"][0]["status"], "refunded");
    assert_eq!(w.publish(&w.artist, w.single, true).await.status, 402);
}

#[tokio::test]
async fn a_blocked_spotify_takes_no_pre_saves_and_pages_need_an_allowed_service() {
    let w = world().await;
    let (_, upcoming) = w.fan_page("/nova-lights/afterglow-atlas").await;
    let form = format!("action=\"/presave/{}\"", w.album);
    assert!(upcoming.contains(&form), "the demo album takes pre-saves");
    w.organization(
        json!({ "save_rules": { "allowed": [], "blocked": ["spotify"], "priority": [] } }),
    )
    .await
    .ok();
    let (status, upcoming) = w.fan_page("/nova-lights/afterglow-atlas").await;
    assert_eq!(status, 200);
    assert!(
        !upcoming.contains(&form),
        "no Spotify pre-save when Spotify is blocked"
    );
    let start = w
        .server
        .client
        .post(w.server.url(&format!("/presave/{}", w.album)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 404);

    // A release whose only visible service is excluded cannot be published.
    let created = w
        .server
        .call(
            &w.artist,
            "create_release",
            json!({ "artist_id": w.nova, "spotify_link": "", "title": "Only Spotify" }),
        )
        .await;
    let release_id = created.ok().as_i64().unwrap();
    w.organization(json!({ "save_rules": { "allowed": [], "blocked": [], "priority": [] } }))
        .await
        .ok();
    let mut draft = w.editor(release_id).await["draft"].clone();
    draft["links"] = json!([{ "service": "spotify", "url": "https://open.spotify.com/album/onlyspotify",
        "hidden": false, "show_before_release": false, "country_variants": 0 }]);
    w.server
        .call(&w.artist, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    w.organization(
        json!({ "save_rules": { "allowed": [], "blocked": ["spotify"], "priority": [] } }),
    )
    .await
    .ok();
    let refused = w.publish(&w.artist, release_id, true).await;
    assert_eq!(refused.status, 400);
    assert!(
        error_text(&refused).contains("does not allow"),
        "{}",
        error_text(&refused)
    );
}
