//! Spotify pre-saves through the real server and the sandbox's fake Spotify: the OAuth flow and its tampering
//! cases, in-app browser hand-off, delivery at the release moment with token refresh and rotation, 429s, outages
//! and revoked grants, "Save on Spotify" after the release, forever pre-saves, email opt-ins, and the fan's own
//! page (cancel, disconnect).
use crate::common;

use app::server::demo::{DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_ALBUM_SLUG};
use app::server::entities::{events, fan_email_opt_ins, fans, presaves, releases, spotify_tokens};
use app::server::presave::status;
use app::server::Clock as _;
use chrono::{Duration, Utc};
use common::api::Client;
use common::TestServer;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE, USER_AGENT};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use server::sandbox::spotify::FakeSpotify;
use server::sandbox::Fault;

const ALBUM_URI: &str = "spotify:album:0AfterglowAtlasAlbum00";
const ARTIST_URI: &str = "spotify:artist:0NovaLightsDemoArtist0";
const INSTAGRAM: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 334.0.4.32.98 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 612762312)";

fn spotify(server: &TestServer) -> &FakeSpotify {
    &server
        .state
        .sandbox
        .as_ref()
        .expect("the sandbox runs in tests")
        .spotify
}

pub(crate) async fn album(server: &TestServer) -> releases::Model {
    releases::Entity::find()
        .filter(releases::Column::Slug.eq(DEMO_ALBUM_SLUG))
        .one(&server.state.db)
        .await
        .unwrap()
        .expect("the demo album")
}

/// What Spotify's redirect back to us looks like, pointed at the test server (the configured public URL is not
/// where it listens).
pub(crate) fn at_server(server: &TestServer, location: &str) -> String {
    let url = reqwest::Url::parse(location).unwrap();
    format!(
        "{}{}?{}",
        server.base_url,
        url.path(),
        url.query().unwrap_or_default()
    )
}

/// Submits the release page's pre-save form; returns the response (a redirect to Spotify, or the hand-off page).
async fn submit_form(
    server: &TestServer,
    client: &reqwest::Client,
    release_id: i32,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(server.url(&format!("/presave/{release_id}")))
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// On the fake's consent page: agrees (or cancels) as `account`; returns Spotify's redirect to our callback.
async fn consent(
    server: &TestServer,
    authorize_url: &str,
    account: &str,
    decision: &str,
) -> String {
    let fake = spotify(server);
    assert!(
        authorize_url.starts_with(fake.base_url()),
        "{authorize_url}"
    );
    let page = server.client.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Log in to Spotify"));
    let url = reqwest::Url::parse(authorize_url).unwrap();
    let mut fields: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    fields.push(("user".into(), account.into()));
    fields.push(("decision".into(), decision.into()));
    let answer = server
        .client
        .post(format!("{}/authorize", fake.base_url()))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    answer.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Starts a login on the release page and answers Spotify's consent page as `account`; returns Spotify's redirect.
pub(crate) async fn spotify_answer(
    server: &TestServer,
    release_id: i32,
    account: &str,
    decision: &str,
    form: &[(&str, &str)],
) -> String {
    let started = submit_form(server, &server.client, release_id, form).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let authorize = started.headers()[LOCATION].to_str().unwrap().to_owned();
    consent(server, &authorize, account, decision).await
}

/// Follows Spotify's redirect to our callback and expects a refusal saying `message`.
async fn assert_refused(server: &TestServer, back: &str, message: &str) {
    let answer = server
        .client
        .get(at_server(server, back))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let text = answer.text().await.unwrap();
    assert!(text.contains(message), "{text}");
}

/// The whole login as `account`: form, consent, callback. Returns the callback's response.
async fn pre_save(
    server: &TestServer,
    release_id: i32,
    account: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let back = spotify_answer(server, release_id, account, "accept", form).await;
    server
        .client
        .get(at_server(server, &back))
        .send()
        .await
        .unwrap()
}

pub(crate) fn fan_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("dropday_fan="))
        .and_then(|c| c.split(';').next())
        .expect("the fan's session cookie")
        .to_owned()
}

async fn presave_of(server: &TestServer, account: &str) -> presaves::Model {
    let fan = fans::Entity::find()
        .filter(fans::Column::SpotifyAccountId.eq(account))
        .one(&server.state.db)
        .await
        .unwrap()
        .expect("the fan");
    presaves::Entity::find()
        .filter(presaves::Column::FanId.eq(fan.id))
        .one(&server.state.db)
        .await
        .unwrap()
        .expect("their pre-save")
}

/// Waits (the worker runs in real time) until `account`'s pre-save has `wanted` status.
async fn wait_for_status(server: &TestServer, account: &str, wanted: &str) -> presaves::Model {
    for _ in 0..200 {
        let presave = presave_of(server, account).await;
        if presave.status == wanted {
            return presave;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{account}'s pre-save never became {wanted}: {:?}",
        presave_of(server, account).await
    );
}

async fn count_events(server: &TestServer, kind: &str) -> u64 {
    events::Entity::find()
        .filter(events::Column::Kind.eq(kind))
        .count(&server.state.db)
        .await
        .unwrap()
}

async fn my_presaves(server: &TestServer, cookie: &str, query: &str) -> String {
    let page = server
        .client
        .get(server.url(&format!("/presaves{query}")))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_presave_lands_in_the_library_at_the_release_moment_once() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let page = server.get("/nova-lights/afterglow-atlas").await;
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains(&format!(
            "form-action 'self' {}",
            spotify(&server).base_url()
        )),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/presave/{}\"", release.id)));
    assert!(html.contains("and you follow Nova Lights"));

    let started = submit_form(&server, &server.client, release.id, &[]).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let authorize = reqwest::Url::parse(started.headers()[LOCATION].to_str().unwrap()).unwrap();
    let query: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["response_type"], "code");
    assert!(query["scope"]
        .split(' ')
        .any(|s| s == "user-library-modify"));
    assert!(query["scope"].split(' ').any(|s| s == "user-follow-modify"));
    assert_eq!(
        query["redirect_uri"],
        "http://127.0.0.1:3000/oauth/spotify/callback"
    );
    assert!(query["state"].len() >= 20);

    let back = consent(&server, authorize.as_str(), "fan-happy", "accept").await;
    // A link scanner's HEAD does not use up the code.
    let head = server
        .client
        .head(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let done = server
        .client
        .get(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        done.headers()[LOCATION],
        format!("/presaves?done={}", release.id).as_str()
    );
    let cookie = fan_cookie(&done);
    let confirmation = my_presaves(&server, &cookie, &format!("?done={}", release.id)).await;
    assert!(
        confirmation.contains("Pre-saved! Afterglow Atlas will be in your library on"),
        "{confirmation}"
    );

    // Queued for the release moment; the refresh token is sealed, not stored as Spotify sent it.
    let queued = presave_of(&server, "fan-happy").await;
    assert_eq!(queued.status, status::QUEUED);
    assert_eq!(Some(queued.deliver_at), release.release_at);
    let tokens_before = spotify_tokens::Entity::find_by_id(queued.fan_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap();
    let keys = server.state.presaves.as_ref().unwrap().keys.clone();
    let refresh_before = keys
        .open(
            &tokens_before.key_id,
            &tokens_before.refresh_token,
            &format!("spotify-refresh:{}", queued.fan_id),
        )
        .unwrap();
    assert!(!tokens_before.refresh_token.contains(&refresh_before));

    // Nothing goes out before the moment.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(spotify(&server).writes("fan-happy", ALBUM_URI), 0);

    server
        .clock
        .set(release.release_at.unwrap() + Duration::minutes(1));
    let delivered = wait_for_status(&server, "fan-happy", status::DELIVERED).await;
    assert!(delivered.delivered_at.is_some());
    let fake = spotify(&server);
    assert_eq!(fake.writes("fan-happy", ALBUM_URI), 1);
    assert_eq!(fake.writes("fan-happy", ARTIST_URI), 1);
    assert!(fake.library("fan-happy").contains(&ALBUM_URI.to_owned()));

    // The access token had expired by then: it was refreshed, and the rotated refresh token stored.
    let tokens_after = spotify_tokens::Entity::find_by_id(queued.fan_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap();
    let refresh_after = keys
        .open(
            &tokens_after.key_id,
            &tokens_after.refresh_token,
            &format!("spotify-refresh:{}", queued.fan_id),
        )
        .unwrap();
    assert_ne!(refresh_after, refresh_before);
    assert!(tokens_after.lease_holder.is_none());

    assert_eq!(count_events(&server, "library_add").await, 1);
    assert_eq!(count_events(&server, "follow").await, 1);
    for _ in 0..50 {
        if count_events(&server, "pre_save").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count_events(&server, "pre_save").await, 1);

    let after = my_presaves(&server, &cookie, "").await;
    assert!(after.contains("In your library"), "{after}");
}

#[tokio::test]
async fn tampered_denied_replayed_and_expired_logins_change_nothing() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let fans_now = || async { fans::Entity::find().count(&server.state.db).await.unwrap() };

    // A state we never issued.
    let forged = server
        .get("/oauth/spotify/callback?code=abc&state=forged-state-value")
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(forged
        .text()
        .await
        .unwrap()
        .contains("not valid or was already used"));

    // The fan cancels on Spotify's page.
    let back = spotify_answer(&server, release.id, "fan-denies", "deny", &[]).await;
    assert!(back.contains("error=access_denied"));
    assert_refused(&server, &back, "You cancelled the Spotify login").await;
    assert_eq!(fans_now().await, 0);

    // A code that is not the one Spotify issued.
    let back = spotify_answer(&server, release.id, "fan-bad-code", "accept", &[]).await;
    let mut url = reqwest::Url::parse(&back).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    url.set_query(Some(&format!("code=not-the-code&state={state}")));
    assert_refused(&server, url.as_str(), "did not accept this login").await;
    assert_eq!(fans_now().await, 0);

    // A login left too long.
    let back = spotify_answer(&server, release.id, "fan-slow", "accept", &[]).await;
    server.clock.advance(Duration::minutes(31));
    let expired = server
        .client
        .get(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::BAD_REQUEST);
    assert!(expired.text().await.unwrap().contains("expired"));
    assert_eq!(fans_now().await, 0);
    assert_eq!(
        presaves::Entity::find()
            .count(&server.state.db)
            .await
            .unwrap(),
        0
    );

    // A good login, then its callback replayed.
    let back = spotify_answer(&server, release.id, "fan-ok", "accept", &[]).await;
    let first = server
        .client
        .get(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let replay = server
        .client
        .get(at_server(&server, &back))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used"));
    assert_eq!(fans_now().await, 1);
    assert_eq!(
        presaves::Entity::find()
            .count(&server.state.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_in_app_browser_hands_the_login_to_another_browser() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let instagram = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(INSTAGRAM)
        .build()
        .unwrap();
    let handoff = submit_form(&server, &instagram, release.id, &[]).await;
    assert_eq!(handoff.status(), StatusCode::OK);
    let html = handoff.text().await.unwrap();
    assert!(html.contains("Open this in your browser"));
    assert!(html.contains("inside Instagram"));
    let start = html
        .find("http://127.0.0.1:3000/presave/continue/")
        .unwrap();
    let end = start + html[start..].find('"').unwrap();
    let continue_url = html[start..end].to_owned();

    // Safari, with no cookie of Instagram's: the state lives on the server.
    let safari = &server.client;
    let confirm = safari
        .get(at_server(&server, &continue_url))
        .header(USER_AGENT, common::PHONE_USER_AGENT)
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), StatusCode::OK);
    let policy = confirm.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains(spotify(&server).base_url()), "{policy}");
    assert!(confirm
        .text()
        .await
        .unwrap()
        .contains("Continue to Spotify"));
    // Continuing takes the fan's click: a same-origin POST (another site cannot continue it for them).
    let forged = safari
        .post(at_server(&server, &continue_url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let continued = safari
        .post(at_server(&server, &continue_url))
        .header("sec-fetch-site", "same-origin")
        .header(USER_AGENT, common::PHONE_USER_AGENT)
        .send()
        .await
        .unwrap();
    assert_eq!(continued.status(), StatusCode::SEE_OTHER);
    let authorize = continued.headers()[LOCATION].to_str().unwrap().to_owned();
    let back = consent(&server, &authorize, "fan-from-instagram", "accept").await;
    let done = safari.get(at_server(&server, &back)).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        presave_of(&server, "fan-from-instagram").await.status,
        status::QUEUED
    );
    // The link is used up.
    let again = safari
        .get(at_server(&server, &continue_url))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn delivery_rides_out_429s_and_outages_and_fails_revoked_grants_with_a_reason() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    for account in ["fan-steady", "fan-revoked", "fan-unlucky"] {
        let done = pre_save(&server, release.id, account, &[]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
    }
    let fake = spotify(&server);
    fake.revoke_user("fan-revoked");
    // A storm of 429s, then one outage that reaches no library.
    fake.fail_next_on(
        "/v1/me/library",
        4,
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
    );
    fake.fail_next_on("/v1/me/library", 1, Fault::ServerError);
    server
        .clock
        .set(release.release_at.unwrap() + Duration::minutes(1));

    let revoked = wait_for_status(&server, "fan-revoked", status::FAILED).await;
    assert!(
        revoked.last_error.as_deref().unwrap().contains("revoked"),
        "{revoked:?}"
    );
    assert!(spotify_tokens::Entity::find_by_id(revoked.fan_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .is_none());

    // The one hit by the outage waits in `sending` for its backoff, then is checked against the library before
    // it is sent again. Whoever it was, after the clock moves on everyone is delivered once.
    // Each jump of the clock is longer than a lease, so a round still running across one loses its fans and
    // records nothing: after a jump, rounds get a few real seconds without another.
    'rounds: for _ in 0..60 {
        server.clock.advance(Duration::minutes(5));
        for _ in 0..30 {
            let steady = presave_of(&server, "fan-steady").await.status;
            let unlucky = presave_of(&server, "fan-unlucky").await.status;
            if steady == status::DELIVERED && unlucky == status::DELIVERED {
                break 'rounds;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    for account in ["fan-steady", "fan-unlucky"] {
        assert_eq!(
            presave_of(&server, account).await.status,
            status::DELIVERED,
            "{account}"
        );
        assert_eq!(fake.writes(account, ALBUM_URI), 1, "{account}");
        assert_eq!(fake.writes(account, ARTIST_URI), 1, "{account}");
    }
    assert_eq!(fake.writes("fan-revoked", ALBUM_URI), 0);
    assert!(fake.responses_with_status(429) >= 4);
    assert!(fake.calls("/v1/me/library/contains") >= 1);
    assert_eq!(count_events(&server, "library_add").await, 2);
}

#[tokio::test]
async fn extended_quota_apps_deliver_through_the_type_specific_endpoints() {
    let server = TestServer::start_with(Utc::now(), |config| {
        config.spotify_library_api = server::config::LibraryApiChoice::TypeSpecific;
    })
    .await;
    let release = album(&server).await;
    pre_save(&server, release.id, "fan-extended", &[]).await;
    server
        .clock
        .set(release.release_at.unwrap() + Duration::minutes(1));
    wait_for_status(&server, "fan-extended", status::DELIVERED).await;
    let fake = spotify(&server);
    assert_eq!(fake.calls("/v1/me/albums"), 1);
    assert_eq!(fake.calls("/v1/me/following"), 1);
    assert_eq!(fake.calls("/v1/me/library?"), 0);
    assert_eq!(fake.writes("fan-extended", ALBUM_URI), 1);
    assert_eq!(fake.writes("fan-extended", ARTIST_URI), 1);
}

#[tokio::test]
async fn after_the_release_save_on_spotify_delivers_at_once() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    server
        .clock
        .set(release.release_at.unwrap() + Duration::days(1));
    server.state.pages.clear();
    let page = server.text("/nova-lights/afterglow-atlas").await;
    assert!(page.contains("Save on Spotify"));
    let done = pre_save(&server, release.id, "fan-late", &[]).await;
    let cookie = fan_cookie(&done);
    let delivered = wait_for_status(&server, "fan-late", status::DELIVERED).await;
    assert_eq!(delivered.origin, "save");
    assert_eq!(spotify(&server).writes("fan-late", ALBUM_URI), 1);
    let confirmation = my_presaves(&server, &cookie, &format!("?done={}", release.id)).await;
    assert!(
        confirmation.contains("is in your Spotify library"),
        "{confirmation}"
    );
}

#[tokio::test]
async fn a_forever_presave_queues_the_artists_next_release() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    pre_save(&server, release.id, "fan-forever", &[("forever", "1")]).await;

    // The artist adds and publishes a new release, out in a month.
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artists = server.call(&admin, "list_artists", json!({})).await;
    let artist_id = artists.ok().as_array().unwrap()[0]["id"].as_i64().unwrap();
    let new_id = server
        .call(
            &admin,
            "create_release",
            json!({ "artist_id": artist_id, "spotify_link": "", "title": "Next Orbit" }),
        )
        .await
        .ok()
        .as_i64()
        .unwrap();
    let mut draft = server
        .call(
            &admin,
            "load_release_editor",
            json!({ "release_id": new_id }),
        )
        .await
        .ok()["draft"]
        .clone();
    let date = (server.clock.now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    draft["release_date"] = json!(date);
    draft["links"] = json!([{ "service": "spotify", "url": "https://open.spotify.com/track/0MidnightSignalTrack00", "hidden": false, "show_before_release": false, "country_variants": 0 }]);
    server
        .call(&admin, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    server
        .call(
            &admin,
            "publish_release",
            json!({ "release_id": new_id, "publish": true }),
        )
        .await
        .ok();
    let queued = presaves::Entity::find()
        .filter(presaves::Column::ReleaseId.eq(new_id as i32))
        .one(&server.state.db)
        .await
        .unwrap()
        .expect("queued for the subscriber");
    assert_eq!(queued.origin, "forever");
    assert_eq!(queued.status, status::QUEUED);
    assert!(queued.deliver_at > server.clock.now() + Duration::days(29));
}

#[tokio::test]
async fn email_opt_ins_need_consent_and_export_to_members_only() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let mut active: releases::ActiveModel = release.clone().into();
    active.presave_ask_email = Set(true);
    active.update(&server.state.db).await.unwrap();
    server.state.pages.clear();
    let page = server.text("/nova-lights/afterglow-atlas").await;
    assert!(page.contains("name=\"email_consent\""));

    let no_consent = submit_form(
        &server,
        &server.client,
        release.id,
        &[("email", "fan@example.com")],
    )
    .await;
    assert_eq!(no_consent.status(), StatusCode::BAD_REQUEST);
    assert!(no_consent.text().await.unwrap().contains("Tick the box"));
    let bad = submit_form(
        &server,
        &server.client,
        release.id,
        &[("email", "not an email"), ("email_consent", "1")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        fan_email_opt_ins::Entity::find()
            .count(&server.state.db)
            .await
            .unwrap(),
        0
    );

    pre_save(
        &server,
        release.id,
        "fan-mail",
        &[("email", "Fan@Example.com"), ("email_consent", "1")],
    )
    .await;
    let opt_in = fan_email_opt_ins::Entity::find()
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(opt_in.email, "fan@example.com");
    assert!(opt_in.consent_text.contains("Nova Lights"));

    let export = format!("/dashboard/export/fans.csv?release={}", release.id);
    assert_eq!(server.get(&export).await.status(), StatusCode::UNAUTHORIZED);
    let admin: Client = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let csv = server
        .client
        .get(server.url(&export))
        .header(COOKIE, admin.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("email,spotify_name,country,consented_at,consent_text"));
    assert!(csv.contains("fan@example.com"));

    let editor = server
        .call(
            &admin,
            "load_release_editor",
            json!({ "release_id": release.id }),
        )
        .await;
    let report = &editor.ok()["presaves"];
    assert_eq!(report["queued"], 1);
    assert_eq!(report["email_opt_ins"], 1);
    assert!(report["spotify"].as_str().unwrap().contains("sandbox"));
}

#[tokio::test]
async fn a_fan_can_cancel_and_disconnect_from_their_page() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let done = pre_save(&server, release.id, "fan-changes-mind", &[("forever", "1")]).await;
    let cookie = fan_cookie(&done);
    let presave = presave_of(&server, "fan-changes-mind").await;

    // Not without their session.
    let anonymous = server
        .client
        .post(server.url(&format!("/presaves/{}/cancel", presave.id)))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        presave_of(&server, "fan-changes-mind").await.status,
        status::QUEUED
    );

    let page = my_presaves(&server, &cookie, "").await;
    assert!(page.contains("Every new release by Nova Lights is pre-saved for you."));
    let cancelled = server
        .client
        .post(server.url(&format!("/presaves/{}/cancel", presave.id)))
        .header("sec-fetch-site", "same-origin")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    let cancelled_row = presave_of(&server, "fan-changes-mind").await;
    assert_eq!(cancelled_row.status, status::CANCELLED);
    // The "future releases" subscription still needs the tokens.
    assert!(spotify_tokens::Entity::find_by_id(cancelled_row.fan_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .is_some());

    // Logging in again queues it again.
    pre_save(&server, release.id, "fan-changes-mind", &[]).await;
    assert_eq!(
        presave_of(&server, "fan-changes-mind").await.status,
        status::QUEUED
    );

    let disconnected = server
        .client
        .post(server.url("/presaves/disconnect"))
        .header("sec-fetch-site", "same-origin")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(disconnected.status(), StatusCode::SEE_OTHER);
    let presave = presave_of(&server, "fan-changes-mind").await;
    assert_eq!(presave.status, status::CANCELLED);
    assert!(spotify_tokens::Entity::find_by_id(presave.fan_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .is_none());
    let page = my_presaves(&server, &cookie, "").await;
    assert!(!page.contains("Disconnect Spotify"));
    assert!(!page.contains("Every new release by"));

    // Past the moment nothing is sent for them.
    server
        .clock
        .set(release.release_at.unwrap() + Duration::minutes(1));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(spotify(&server).writes("fan-changes-mind", ALBUM_URI), 0);
}

#[tokio::test]
async fn cancelling_the_last_presave_deletes_the_fans_tokens() {
    let server = TestServer::start().await;
    let release = album(&server).await;
    let done = pre_save(&server, release.id, "fan-one-off", &[]).await;
    let cookie = fan_cookie(&done);
    let presave = presave_of(&server, "fan-one-off").await;
    let tokens = || async {
        spotify_tokens::Entity::find_by_id(presave.fan_id)
            .one(&server.state.db)
            .await
            .unwrap()
    };
    assert!(tokens().await.is_some());
    let cancelled = server
        .client
        .post(server.url(&format!("/presaves/{}/cancel", presave.id)))
        .header("sec-fetch-site", "same-origin")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    assert!(tokens().await.is_none());
    assert!(!my_presaves(&server, &cookie, "")
        .await
        .contains("Disconnect Spotify"));
}
