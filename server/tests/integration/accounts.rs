//! Accounts over HTTP: sign-in and sessions, throttling, CSRF, invitations, roles, the activity log and the admin
//! command. Runs against the real server on SQLite and on PostgreSQL.
use crate::common;

use app::server::demo::{
    DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD,
};
use chrono::{Duration, Utc};
use common::api::Client;
use common::TestServer;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn demo_release_id(server: &TestServer, admin: &Client, title: &str) -> i64 {
    let releases = server
        .call(admin, "list_releases", json!({ "filter": "all" }))
        .await;
    releases
        .ok()
        .as_array()
        .expect("a list")
        .iter()
        .find(|release| release["title"] == title)
        .and_then(|release| release["id"].as_i64())
        .expect("the demo release")
}

async fn demo_artist_id(server: &TestServer, admin: &Client) -> i64 {
    let options = server.call(admin, "grant_options", json!({})).await;
    options
        .ok()
        .as_array()
        .expect("options")
        .iter()
        .find(|option| option["label"] == "Nova Lights")
        .and_then(|option| option["target"]["artist"].as_i64())
        .expect("the demo artist")
}

#[tokio::test]
async fn sign_in_sets_an_http_only_session_and_sign_out_ends_it() {
    let server = TestServer::start().await;
    let reply = server
        .call(
            &Client::default(),
            "sign_in",
            json!({ "email": " Admin@Dropday.test ", "password": DEMO_ADMIN_PASSWORD, "next": "/dashboard/members" }),
        )
        .await;
    assert_eq!(reply.ok(), &json!("/dashboard/members"));
    let set_cookie = reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("dropday_session="))
        .expect("session cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "http public URL: {set_cookie}"
    );
    let admin = Client {
        cookie: reply.session_cookie(),
    };

    let me = server.call(&admin, "current_user", json!({})).await;
    assert_eq!(me.ok()["email"], DEMO_ADMIN_EMAIL);
    assert_eq!(me.ok()["role"], "admin");
    assert_eq!(me.ok()["organization"]["name"], "Nightfall Records");

    // The dashboard renders for the session and redirects a visitor to sign in.
    let page = server
        .client
        .get(server.url("/dashboard"))
        .header("cookie", admin.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Nightfall Records releases"));
    let visitor = server
        .client
        .get(server.url("/dashboard/members"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(visitor.status(), StatusCode::FOUND);
    assert_eq!(
        visitor.headers()["location"],
        "/sign-in?next=/dashboard/members"
    );

    // An open redirect through ?next= is not possible.
    let reply = server
        .call(
            &Client::default(),
            "sign_in",
            json!({ "email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD, "next": "//evil.example/x" }),
        )
        .await;
    assert_eq!(reply.ok(), &json!("/dashboard"));

    let out = server.call(&admin, "sign_out", json!({})).await;
    out.ok();
    assert!(out.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
    let after = server.call(&admin, "current_user", json!({})).await;
    assert_eq!(
        after.ok(),
        &Value::Null,
        "the old cookie no longer signs in"
    );
    let denied = server
        .call(&admin, "list_releases", json!({ "filter": "all" }))
        .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn https_public_urls_get_secure_host_only_cookies() {
    let server = TestServer::start_with(Utc::now(), |config| {
        config.public_url = "https://links.example.com".into();
    })
    .await;
    let reply = server
        .call_with_headers(
            &Client::default(),
            "sign_in",
            json!({ "email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD }),
            &[("origin", "https://links.example.com")],
        )
        .await;
    reply.ok();
    let cookie = &reply.set_cookies[0];
    assert!(cookie.starts_with("__Host-dropday_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
}

#[tokio::test]
async fn wrong_email_and_wrong_password_answer_alike() {
    let server = TestServer::start().await;
    let unknown = server
        .call(
            &Client::default(),
            "sign_in",
            json!({ "email": "nobody@dropday.test", "password": "whatever-password" }),
        )
        .await;
    let wrong = server
        .call(
            &Client::default(),
            "sign_in",
            json!({ "email": DEMO_ADMIN_EMAIL, "password": "whatever-password" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.body, wrong.body);
    assert!(unknown.set_cookies.is_empty() && wrong.set_cookies.is_empty());
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_with_a_retry_time() {
    let server = TestServer::start().await;
    let visitor = Client::default();
    let attempt = |password: &'static str| {
        server.call(
            &visitor,
            "sign_in",
            json!({ "email": DEMO_ARTIST_EMAIL, "password": password }),
        )
    };
    for _ in 0..4 {
        assert_eq!(
            attempt("not-the-password").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    let locked = attempt("not-the-password").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        locked.body,
        json!({ "TooManyRequests": { "retry_after_secs": 30 } })
    );
    // Locked means locked: even the right password waits.
    let still = attempt(DEMO_ARTIST_PASSWORD).await;
    assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(still.set_cookies.is_empty());

    server.clock.advance(Duration::seconds(31));
    attempt(DEMO_ARTIST_PASSWORD).await.ok();
    // Success clears the account's count.
    assert_eq!(
        attempt("not-the-password").await.status,
        StatusCode::BAD_REQUEST
    );

    // Another account is not affected by this one's lock.
    server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn sign_in_is_throttled_per_address_across_accounts() {
    let server = TestServer::start().await;
    for n in 0..20 {
        let reply = server
            .call(
                &Client::default(),
                "sign_in",
                json!({ "email": format!("guess{n}@example.com"), "password": "guess-guess" }),
            )
            .await;
        let expected = if n < 19 {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(reply.status, expected, "attempt {n}");
    }
    let fresh_account = server
        .call(
            &Client::default(),
            "sign_in",
            json!({ "email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(fresh_account.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        fresh_account.body["TooManyRequests"]["retry_after_secs"],
        60
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_password_changes_end_the_others() {
    let server = TestServer::start().await;
    let laptop = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let phone = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;

    let wrong = server
        .call(
            &laptop,
            "change_password",
            json!({ "current_password": "nope-nope-nope", "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let short = server
        .call(
            &laptop,
            "change_password",
            json!({ "current_password": DEMO_ADMIN_PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.to_string().contains("at least 10 characters"));

    let changed = server
        .call(
            &laptop,
            "change_password",
            json!({ "current_password": DEMO_ADMIN_PASSWORD, "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(changed.ok(), &json!(1), "the phone's session ended");
    assert_eq!(
        server.call(&phone, "current_user", json!({})).await.ok(),
        &Value::Null
    );
    assert_eq!(
        server.call(&laptop, "current_user", json!({})).await.ok()["email"],
        DEMO_ADMIN_EMAIL
    );
    server
        .sign_in(DEMO_ADMIN_EMAIL, "a brand new passphrase")
        .await;

    // Idle for longer than the idle timeout: signed out.
    server.clock.advance(Duration::days(15));
    assert_eq!(
        server.call(&laptop, "current_user", json!({})).await.ok(),
        &Value::Null
    );
}

/// `save_release`'s arguments: the release as `client`'s editor loads it, with a new title.
async fn retitled(
    server: &TestServer,
    client: &Client,
    release_id: impl serde::Serialize,
    title: &str,
) -> serde_json::Value {
    let data = server
        .call(
            client,
            "load_release_editor",
            json!({ "release_id": release_id }),
        )
        .await;
    let mut draft = data.ok()["draft"].clone();
    draft["title"] = json!(title);
    json!({ "draft": draft })
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let server = TestServer::start().await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let release = demo_release_id(&server, &admin, "Midnight Signal").await;
    for headers in [
        [("sec-fetch-site", "cross-site")],
        [("origin", "https://evil.example")],
    ] {
        let reply = server
            .call_with_headers(
                &admin,
                "save_release",
                retitled(&server, &admin, release, "Pwned").await,
                &headers,
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        let login_csrf = server
            .call_with_headers(
                &Client::default(),
                "sign_in",
                json!({ "email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD }),
                &headers,
            )
            .await;
        assert_eq!(login_csrf.status, StatusCode::FORBIDDEN);
    }
    let detail = server
        .call(&admin, "load_release", json!({ "release_id": release }))
        .await;
    assert_eq!(detail.ok()["title"], "Midnight Signal", "nothing changed");
    // The same change from the dashboard itself goes through.
    let reply = server
        .call_with_headers(
            &admin,
            "save_release",
            retitled(&server, &admin, release, "Midnight Signal (Live)").await,
            &[("origin", &server.base_url)],
        )
        .await;
    reply.ok();
}

#[tokio::test]
async fn an_invited_team_member_joins_sees_only_their_grant_and_cannot_edit_with_view_rights() {
    let server = TestServer::start().await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let single = demo_release_id(&server, &admin, "Midnight Signal").await;
    let album = demo_release_id(&server, &admin, "Afterglow Atlas").await;

    let created = server
        .call(
            &admin,
            "invite_member",
            json!({
                "email": "Viewer@Example.com",
                "role": "team",
                "grants": [{ "target": { "release": single }, "access": "view" }],
            }),
        )
        .await;
    let created = created.ok().clone();
    assert_eq!(created["invitation"]["email"], "viewer@example.com");
    assert_eq!(created["invitation"]["status"], "pending");
    assert_eq!(created["emailed"], false, "no SMTP configured");
    let link = created["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/invite/", server.state.public_url)));
    let token = link.rsplit('/').next().unwrap().to_owned();

    // The link's page (server-rendered) names the organization.
    let page = server.get(&format!("/invite/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let preview = server
        .call(
            &Client::default(),
            "load_invitation",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(preview.ok()["organization_name"], "Nightfall Records");
    assert_eq!(preview.ok()["account_exists"], false);

    let bad_password = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": token, "display_name": "Vera Viewer", "password": "short" }),
        )
        .await;
    assert_eq!(bad_password.status, StatusCode::BAD_REQUEST);
    let accepted = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": token, "display_name": "Vera Viewer", "password": "viewer passphrase" }),
        )
        .await;
    accepted.ok();
    let viewer = Client {
        cookie: accepted.session_cookie(),
    };
    let me = server.call(&viewer, "current_user", json!({})).await;
    assert_eq!(me.ok()["role"], "team");
    assert_eq!(me.ok()["can_invite"], false);

    // Single use.
    let again = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": token, "display_name": "Mallory", "password": "mallory passphrase" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.to_string().contains("already used"));

    let visible = server
        .call(&viewer, "list_releases", json!({ "filter": "all" }))
        .await;
    let visible = visible.ok().as_array().unwrap().clone();
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["id"], single);
    assert_eq!(visible[0]["access"], "view");
    assert_eq!(
        server
            .call(&viewer, "load_release", json!({ "release_id": album }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let refused = server
        .call(
            &viewer,
            "save_release",
            retitled(&server, &viewer, single, "Nope").await,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The admin upgrades them to edit; the edit lands in the activity log under their name.
    let members = server.call(&admin, "list_members", json!({})).await;
    let membership_id = members
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "viewer@example.com")
        .map(|m| m["membership_id"].clone())
        .unwrap();
    server
        .call(
            &admin,
            "change_member_role",
            json!({
                "membership_id": membership_id,
                "role": "team",
                "grants": [{ "target": { "release": single }, "access": "edit" }],
            }),
        )
        .await
        .ok();
    server
        .call(
            &viewer,
            "save_release",
            retitled(&server, &viewer, single, "Midnight Signal (Radio Edit)").await,
        )
        .await
        .ok();
    let fan_page = server.get("/nova-lights/midnight-signal").await;
    assert!(fan_page
        .text()
        .await
        .unwrap()
        .contains("Midnight Signal (Radio Edit)"));

    let activity = server.call(&admin, "list_activity", json!({})).await;
    let entries = activity.ok()["entries"].as_array().unwrap().clone();
    let newest = &entries[0];
    assert_eq!(newest["actor_name"], "Vera Viewer");
    assert_eq!(newest["action"], "release.updated");
    assert!(newest["summary"]
        .as_str()
        .unwrap()
        .contains("Midnight Signal (Radio Edit)"));
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"member.invited"));
    assert!(actions.contains(&"member.joined"));
    assert!(actions.contains(&"member.role_changed"));
    // Only admins read the log.
    assert_eq!(
        server
            .call(&viewer, "list_activity", json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn invitations_expire_can_be_withdrawn_and_link_existing_accounts_by_password() {
    let server = TestServer::start().await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artist_id = demo_artist_id(&server, &admin).await;
    let invite = |email: &'static str| {
        server.call(
            &admin,
            "invite_member",
            json!({ "email": email, "role": "team", "grants": [{ "target": { "artist": artist_id }, "access": "edit" }] }),
        )
    };
    let token_of = |reply: &common::api::Reply| {
        reply.ok()["link"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };

    let expiring = token_of(&invite("late@example.com").await);
    let withdrawn_reply = invite("withdrawn@example.com").await;
    let withdrawn = token_of(&withdrawn_reply);
    let withdrawn_id = withdrawn_reply.ok()["invitation"]["id"].clone();
    server
        .call(
            &admin,
            "revoke_invitation",
            json!({ "invitation_id": withdrawn_id }),
        )
        .await
        .ok();
    let reply = server
        .call(
            &Client::default(),
            "load_invitation",
            json!({ "token": withdrawn }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.to_string().contains("withdrawn"));

    // A second organization's admin already has an account: joining asks for its password.
    let other = app::server::models::accounts::create_organization_with_admin(
        &server.state.db,
        app::server::models::accounts::NewOrganizationAdmin {
            organization_name: "Other Label",
            email: "boss@other.example",
            display_name: "Other Boss",
            password: "other boss passphrase",
        },
        app::server::Clock::now(server.clock.as_ref()),
    )
    .await
    .unwrap();
    assert!(other.1 > 0);
    let linking = token_of(&invite("boss@other.example").await);
    let preview = server
        .call(
            &Client::default(),
            "load_invitation",
            json!({ "token": linking }),
        )
        .await;
    assert_eq!(preview.ok()["account_exists"], true);
    let wrong = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": linking, "password": "not their password" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let linked = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": linking, "password": "other boss passphrase" }),
        )
        .await;
    linked.ok();
    let boss = Client {
        cookie: linked.session_cookie(),
    };
    let me = server.call(&boss, "current_user", json!({})).await;
    assert_eq!(me.ok()["organization"]["name"], "Nightfall Records");
    assert_eq!(me.ok()["organizations"].as_array().unwrap().len(), 2);
    // Switching back to their own label shows its (empty) catalog, not Nightfall's.
    server
        .call(
            &boss,
            "switch_organization",
            json!({ "organization_id": other.1 }),
        )
        .await
        .ok();
    assert_eq!(
        server
            .call(&boss, "list_releases", json!({ "filter": "all" }))
            .await
            .ok(),
        &json!([])
    );

    server.clock.advance(Duration::days(8));
    let late = server
        .call(
            &Client::default(),
            "accept_invitation",
            json!({ "token": expiring, "display_name": "Late", "password": "late passphrase" }),
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.body.to_string().contains("expired"));
    let listed = server.call(&admin, "list_invitations", json!({})).await;
    let statuses: Vec<&str> = listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["status"].as_str())
        .collect();
    assert_eq!(statuses, ["accepted", "revoked", "expired"]);
}

#[tokio::test]
async fn the_last_admin_stays_and_removed_members_lose_access_at_once() {
    let server = TestServer::start().await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artist = server
        .sign_in(DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD)
        .await;
    let members = server.call(&admin, "list_members", json!({})).await;
    let id_of = |email: &str| {
        members
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .map(|m| m["membership_id"].clone())
            .unwrap()
    };
    let admin_membership = id_of(DEMO_ADMIN_EMAIL);
    let artist_membership = id_of(DEMO_ARTIST_EMAIL);

    let demote = server
        .call(
            &admin,
            "change_member_role",
            json!({ "membership_id": admin_membership, "role": "team", "grants": [] }),
        )
        .await;
    assert_eq!(
        demote.status,
        StatusCode::BAD_REQUEST,
        "a team member needs a grant"
    );
    let remove_self = server
        .call(
            &admin,
            "remove_member",
            json!({ "membership_id": admin_membership }),
        )
        .await;
    assert_eq!(remove_self.status, StatusCode::CONFLICT);

    assert_eq!(
        server
            .call(&artist, "list_releases", json!({ "filter": "all" }))
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    server
        .call(
            &admin,
            "remove_member",
            json!({ "membership_id": artist_membership }),
        )
        .await
        .ok();
    let after = server
        .call(&artist, "list_releases", json!({ "filter": "all" }))
        .await;
    assert_eq!(
        after.status,
        StatusCode::FORBIDDEN,
        "no organization any more"
    );
}

#[tokio::test]
async fn open_sign_up_creates_an_organization_and_can_be_turned_off() {
    let server = TestServer::start().await;
    let reply = server
        .call(
            &Client::default(),
            "sign_up",
            json!({
                "organization_name": "Moth Tapes",
                "display_name": "Mo",
                "email": "mo@mothtapes.example",
                "password": "moth tapes passphrase",
            }),
        )
        .await;
    reply.ok();
    let mo = Client {
        cookie: reply.session_cookie(),
    };
    let me = server.call(&mo, "current_user", json!({})).await;
    assert_eq!(me.ok()["organization"]["name"], "Moth Tapes");
    assert_eq!(me.ok()["role"], "admin");
    let duplicate = server
        .call(
            &Client::default(),
            "sign_up",
            json!({
                "organization_name": "Moth Tapes",
                "display_name": "Mo again",
                "email": "MO@mothtapes.example",
                "password": "moth tapes passphrase",
            }),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let closed = TestServer::start_with(Utc::now(), |config| config.open_sign_up = false).await;
    let refused = closed
        .call(
            &Client::default(),
            "sign_up",
            json!({
                "organization_name": "X",
                "display_name": "X",
                "email": "x@example.com",
                "password": "x passphrase long",
            }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admin_command_creates_an_organization_and_resets_passwords() {
    use server::config::{AdminCommand, Command};
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("password");
    std::fs::write(&password_file, "first admin passphrase\n").unwrap();
    let mut config = server::config::Config::for_tests(server.database_url());
    config.command = Some(Command::Admin(AdminCommand::Create {
        email: "first@label.example".into(),
        name: "First Admin".into(),
        organization: "First Label".into(),
        password_file: Some(password_file.clone()),
    }));
    server::cli::main(config.clone()).await.unwrap();
    let first = server
        .sign_in("first@label.example", "first admin passphrase")
        .await;
    let me = server.call(&first, "current_user", json!({})).await;
    assert_eq!(me.ok()["organization"]["name"], "First Label");
    assert_eq!(me.ok()["role"], "admin");

    // A second create with the same email is refused with a reason.
    let error = server::cli::main(config).await.unwrap_err();
    assert!(error.to_string().contains("exists"), "{error}");

    std::fs::write(&password_file, "second admin passphrase").unwrap();
    let mut reset = server::config::Config::for_tests(server.database_url());
    reset.command = Some(Command::Admin(AdminCommand::ResetPassword {
        email: "first@label.example".into(),
        password_file: Some(password_file),
    }));
    server::cli::main(reset).await.unwrap();
    assert_eq!(
        server.call(&first, "current_user", json!({})).await.ok(),
        &Value::Null,
        "a reset ends the sessions"
    );
    server
        .sign_in("first@label.example", "second admin passphrase")
        .await;
}

#[test]
fn the_run_script_prints_the_demo_credentials() {
    let script = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/run.sh"))
        .expect("scripts/run.sh");
    for credential in [
        DEMO_ADMIN_EMAIL,
        DEMO_ADMIN_PASSWORD,
        DEMO_ARTIST_EMAIL,
        DEMO_ARTIST_PASSWORD,
    ] {
        assert!(
            script.contains(credential),
            "run.sh should print {credential}"
        );
    }
}

#[tokio::test]
async fn invitations_are_emailed_when_smtp_is_configured() {
    let smtp = common::fake_smtp::FakeSmtp::start().await;
    let server = TestServer::start_with(Utc::now(), |config| {
        config.smtp_url = Some(smtp.url());
        config.mail_from = "Nightfall via Dropday <links@nightfall.example>".into();
    })
    .await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let artist_id = demo_artist_id(&server, &admin).await;
    let created = server
        .call(
            &admin,
            "invite_member",
            json!({ "email": "new.artist@example.com", "role": "artist",
                    "grants": [{ "target": { "artist": artist_id }, "access": "owner" }] }),
        )
        .await;
    assert_eq!(created.ok()["emailed"], true);
    let link = created.ok()["link"].as_str().unwrap().to_owned();

    let messages = smtp
        .wait_for_messages(1, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(
        message.header("To").as_deref(),
        Some("new.artist@example.com")
    );
    assert!(message
        .header("Subject")
        .unwrap()
        .contains("invited you to Nightfall Records"));
    assert!(message.body().contains(&link), "{}", message.body());
    assert!(message.body().contains("as artist"));
}
