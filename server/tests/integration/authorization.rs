//! The authorization matrix: every server function, called over HTTP as a visitor, an admin, an artist, a team
//! member with edit rights, one with view rights, and the admin of another organization, answers as the rules
//! say. A server function missing from the matrix fails the test, so new ones cannot skip it.
use crate::common;

use app::server::demo::{
    DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD,
};
use app::server::models::{accounts, artists, members, releases};
use app::server::Clock as _;
use app::types::{Access, GrantTarget, ReleaseKind, ReleaseMode, ReleaseStatus, Role};
use common::api::{Client, Reply};
use common::TestServer;
use sea_orm::EntityTrait as _;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Visitor,
    Admin,
    Artist,
    TeamEdit,
    TeamView,
    Outsider,
}

const ACTORS: [Actor; 6] = [
    Actor::Visitor,
    Actor::Admin,
    Actor::Artist,
    Actor::TeamEdit,
    Actor::TeamView,
    Actor::Outsider,
];

const TEAM_PASSWORD: &str = "team member passphrase";
const OUTSIDER_PASSWORD: &str = "outsider passphrase";

/// The ids the matrix aims at: Nightfall's (the demo organization) and the outsider's.
struct World {
    nightfall: i32,
    single: i32,
    album: i32,
    nova_lights: i32,
    outsider_release: i32,
    outsider_artist: i32,
}

async fn world(server: &TestServer) -> World {
    let db = &server.state.db;
    let now = server.clock.now();
    let nightfall = app::server::models::organizations::find_by_slug(db, "nightfall-records")
        .await
        .unwrap()
        .unwrap()
        .id;
    let all = releases::list_summaries(
        db,
        releases::Visibility::Organization(nightfall),
        app::types::ReleaseFilter::All,
        now,
    )
    .await
    .unwrap();
    let id_of = |title: &str| all.iter().find(|r| r.title == title).unwrap().id;
    let (single, album, nova_lights) = (
        id_of("Midnight Signal"),
        id_of("Afterglow Atlas"),
        all[0].artist_id,
    );

    for (email, access, target) in [
        (
            "edit@team.example",
            Access::Edit,
            GrantTarget::Release(single),
        ),
        (
            "view@team.example",
            Access::View,
            GrantTarget::Artist(nova_lights),
        ),
    ] {
        let user = accounts::create_user(db, email, email, TEAM_PASSWORD, now)
            .await
            .unwrap();
        let membership = accounts::add_membership(db, nightfall, user.id, Role::Team, now)
            .await
            .unwrap();
        insert_grant(db, membership.id, target, access).await;
    }

    let (_, outsider_org) = accounts::create_organization_with_admin(
        db,
        accounts::NewOrganizationAdmin {
            organization_name: "Rival Records",
            email: "boss@rival.example",
            display_name: "Rival Boss",
            password: OUTSIDER_PASSWORD,
        },
        now,
    )
    .await
    .unwrap();
    let artist = artists::create(
        db,
        artists::NewArtist {
            organization_id: outsider_org,
            slug: "rival-act".into(),
            name: "Rival Act".into(),
            image_url: None,
            profile_links: vec![],
            spotify_artist_id: None,
        },
        now,
    )
    .await
    .unwrap();
    let release = releases::create(
        db,
        releases::NewRelease {
            artist_id: artist.id,
            slug: "rival-single".into(),
            kind: ReleaseKind::Single,
            title: "Rival Single".into(),
            artwork_url: None,
            upc: None,
            isrc: None,
            spotify_id: None,
            release_at: Some(now),
            time_zone: "UTC".into(),
            status: ReleaseStatus::Published,
            release_mode: ReleaseMode::Fixed,
            theme: None,
            video_url: None,
            links: vec![],
            custom_links: vec![],
        },
        now,
    )
    .await
    .unwrap();
    World {
        nightfall,
        single,
        album,
        nova_lights,
        outsider_release: release.id,
        outsider_artist: artist.id,
    }
}

async fn insert_grant(
    db: &sea_orm::DatabaseConnection,
    membership_id: i32,
    target: GrantTarget,
    access: Access,
) {
    members::add_grant(db, membership_id, target, access, chrono::Utc::now())
        .await
        .unwrap();
}

async fn sign_in_as(server: &TestServer, actor: Actor) -> Client {
    let (email, password) = match actor {
        Actor::Visitor => return Client::default(),
        Actor::Admin => (DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD),
        Actor::Artist => (DEMO_ARTIST_EMAIL, DEMO_ARTIST_PASSWORD),
        Actor::TeamEdit => ("edit@team.example", TEAM_PASSWORD),
        Actor::TeamView => ("view@team.example", TEAM_PASSWORD),
        Actor::Outsider => ("boss@rival.example", OUTSIDER_PASSWORD),
    };
    server.sign_in(email, password).await
}

static UNIQUE: AtomicU32 = AtomicU32::new(0);

/// A Nightfall team member to change or remove: each cell gets its own.
async fn disposable_member(server: &TestServer, world: &World) -> i32 {
    let db = &server.state.db;
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let now = server.clock.now();
    let user = accounts::create_user(
        db,
        &format!("temp{n}@team.example"),
        "Temp",
        TEAM_PASSWORD,
        now,
    )
    .await
    .unwrap();
    let membership = accounts::add_membership(db, world.nightfall, user.id, Role::Team, now)
        .await
        .unwrap();
    insert_grant(
        db,
        membership.id,
        GrantTarget::Release(world.single),
        Access::View,
    )
    .await;
    membership.id
}

/// A pending Nightfall invitation sent by the admin.
async fn disposable_invitation(server: &TestServer) -> Value {
    let admin = sign_in_as(server, Actor::Admin).await;
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let release = server
        .call(&admin, "list_releases", json!({ "filter": "all" }))
        .await
        .ok()[0]["id"]
        .clone();
    server
        .call(
            &admin,
            "invite_member",
            json!({ "email": format!("invitee{n}@example.com"), "role": "team",
                    "grants": [{ "target": { "release": release }, "access": "view" }] }),
        )
        .await
        .ok()["invitation"]["id"]
        .clone()
}

/// One row of the matrix: a server function with its arguments, and the status each actor gets.
struct Row {
    endpoint: &'static str,
    /// [visitor, admin, artist, team-edit, team-view, outsider]
    expected: [u16; 6],
}

fn rows() -> Vec<(&'static str, Row)> {
    let row = |endpoint, expected| Row { endpoint, expected };
    vec![
        (
            "sign_up_open",
            row("sign_up_open", [200, 200, 200, 200, 200, 200]),
        ),
        (
            "current_user",
            row("current_user", [200, 200, 200, 200, 200, 200]),
        ),
        (
            "sign_in wrong password",
            row("sign_in", [400, 400, 400, 400, 400, 400]),
        ),
        (
            "sign_up taken email",
            row("sign_up", [409, 409, 409, 409, 409, 409]),
        ),
        (
            "load_invitation bogus",
            row("load_invitation", [400, 400, 400, 400, 400, 400]),
        ),
        (
            "accept_invitation bogus",
            row("accept_invitation", [400, 400, 400, 400, 400, 400]),
        ),
        (
            "list_releases",
            row("list_releases", [401, 200, 200, 200, 200, 200]),
        ),
        (
            "load_release single",
            row("load_release", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "load_release album",
            row("load_release", [401, 200, 200, 404, 200, 404]),
        ),
        (
            "load_release rival",
            row("load_release", [401, 404, 404, 404, 404, 200]),
        ),
        (
            "load_release_editor single",
            row("load_release_editor", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "load_release_editor rival",
            row("load_release_editor", [401, 404, 404, 404, 404, 200]),
        ),
        (
            "save_release single",
            row("save_release", [401, 200, 200, 200, 403, 404]),
        ),
        (
            "save_release album",
            row("save_release", [401, 200, 200, 404, 403, 404]),
        ),
        (
            "save_release rival",
            row("save_release", [401, 404, 404, 404, 404, 200]),
        ),
        (
            "publish_release single",
            row("publish_release", [401, 200, 200, 200, 403, 404]),
        ),
        (
            "refresh_release_links single",
            row("refresh_release_links", [401, 200, 200, 200, 403, 404]),
        ),
        (
            "create_release by hand",
            row("create_release", [401, 200, 200, 404, 403, 404]),
        ),
        (
            "create_artist",
            row("create_artist", [401, 200, 403, 403, 403, 200]),
        ),
        (
            "list_artists",
            row("list_artists", [401, 200, 200, 200, 200, 200]),
        ),
        (
            "load_artist_editor",
            row("load_artist_editor", [401, 200, 200, 404, 200, 404]),
        ),
        (
            "save_artist",
            row("save_artist", [401, 200, 200, 404, 403, 404]),
        ),
        (
            "import_artist_releases",
            row("import_artist_releases", [401, 200, 200, 404, 403, 404]),
        ),
        (
            "load_import_progress",
            row("load_import_progress", [401, 200, 200, 404, 200, 404]),
        ),
        (
            "list_members",
            row("list_members", [401, 200, 200, 403, 403, 200]),
        ),
        (
            "list_invitations",
            row("list_invitations", [401, 200, 200, 403, 403, 200]),
        ),
        (
            "grant_options",
            row("grant_options", [401, 200, 200, 403, 403, 200]),
        ),
        (
            "invite_member team",
            row("invite_member", [401, 200, 200, 403, 403, 400]),
        ),
        (
            "invite_member admin",
            row("invite_member", [401, 200, 403, 403, 403, 200]),
        ),
        (
            "invite_member rival grant",
            row("invite_member", [401, 400, 400, 403, 403, 200]),
        ),
        (
            "revoke_invitation",
            row("revoke_invitation", [401, 200, 403, 403, 403, 404]),
        ),
        (
            "change_member_role",
            row("change_member_role", [401, 200, 403, 403, 403, 404]),
        ),
        (
            "remove_member",
            row("remove_member", [401, 200, 403, 403, 403, 404]),
        ),
        (
            "list_activity",
            row("list_activity", [401, 200, 403, 403, 403, 200]),
        ),
        (
            "load_stats single",
            row("load_stats", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "load_stats organization",
            row("load_stats", [401, 200, 200, 403, 200, 200]),
        ),
        (
            "list_api_tokens",
            row("list_api_tokens", [401, 200, 200, 200, 200, 200]),
        ),
        (
            "create_api_token",
            row("create_api_token", [401, 200, 200, 200, 200, 200]),
        ),
        (
            "revoke_api_token of the admin",
            row("revoke_api_token", [401, 200, 404, 404, 404, 404]),
        ),
        (
            "build_campaign_link single",
            row("build_campaign_link", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "update_profile",
            row("update_profile", [401, 200, 200, 200, 200, 200]),
        ),
        (
            "change_password wrong current",
            row("change_password", [401, 400, 400, 400, 400, 400]),
        ),
        (
            "switch_organization nightfall",
            row("switch_organization", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "ad_tracking load artist",
            row("ad_tracking", [401, 200, 200, 404, 200, 404]),
        ),
        (
            "ad_tracking load single",
            row("ad_tracking", [401, 200, 200, 200, 200, 404]),
        ),
        (
            "ad_tracking save artist",
            row("ad_tracking", [401, 200, 200, 404, 403, 404]),
        ),
        (
            "ad_tracking save single",
            row("ad_tracking", [401, 200, 200, 200, 403, 404]),
        ),
        (
            // No secret stored: refused with a reason, once access is established.
            "ad_tracking test single",
            row("ad_tracking", [401, 400, 400, 400, 403, 404]),
        ),
        (
            // The organization's rule: its admins only (after access to the page's subject).
            "ad_tracking consent",
            row("ad_tracking", [401, 200, 403, 404, 403, 404]),
        ),
        (
            // Admins only; the outsider's admin sees (and changes) their own organization.
            "manage_organization load",
            row("manage_organization", [401, 200, 403, 403, 403, 200]),
        ),
        (
            "manage_organization rules",
            row("manage_organization", [401, 200, 403, 403, 403, 200]),
        ),
        (
            "manage_organization grant nova",
            row("manage_organization", [401, 200, 403, 403, 403, 404]),
        ),
        (
            "manage_organization revoke",
            row("manage_organization", [401, 200, 403, 403, 403, 404]),
        ),
        (
            "publishing load nova",
            row("publishing", [401, 200, 200, 404, 200, 404]),
        ),
        (
            // Buying is for the artist's owner (and admins); the demo organization is free, so nothing is for sale.
            "publishing buy nova",
            row("publishing", [401, 400, 400, 404, 403, 404]),
        ),
        (
            "publishing fee single",
            row("publishing", [401, 400, 400, 403, 403, 404]),
        ),
        ("sign_out", row("sign_out", [200, 200, 200, 200, 200, 200])),
    ]
}

async fn args(name: &str, server: &TestServer, world: &World) -> Value {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    match name {
        "sign_up_open" | "current_user" | "list_members" | "list_invitations" | "grant_options"
        | "list_activity" | "sign_out" => json!({}),
        "sign_in wrong password" => {
            json!({ "email": format!("nobody{n}@example.com"), "password": "wrong password" })
        }
        "sign_up taken email" => json!({ "organization_name": "Copycat", "display_name": "Copy",
            "email": DEMO_ADMIN_EMAIL, "password": "copycat passphrase" }),
        "load_invitation bogus" => json!({ "token": "not-a-real-token" }),
        "accept_invitation bogus" => {
            json!({ "token": "not-a-real-token", "password": "whatever password" })
        }
        "list_releases" => json!({ "filter": "all" }),
        "load_release single" => json!({ "release_id": world.single }),
        "load_release album" => json!({ "release_id": world.album }),
        "load_release rival" => json!({ "release_id": world.outsider_release }),
        "load_release_editor single" => json!({ "release_id": world.single }),
        "load_release_editor rival" => json!({ "release_id": world.outsider_release }),

        "save_release single" => json!({ "draft": current_draft(server, world.single).await }),
        "save_release album" => json!({ "draft": current_draft(server, world.album).await }),
        "save_release rival" => {
            json!({ "draft": current_draft(server, world.outsider_release).await })
        }
        "publish_release single" => json!({ "release_id": world.single, "publish": true }),
        "refresh_release_links single" => {
            // One round of lookups at a time: wait for the previous caller's round to end.
            lookups_settled(server, world.single).await;
            json!({ "release_id": world.single })
        }
        "create_release by hand" => json!({ "artist_id": world.nova_lights, "spotify_link": "",
            "title": format!("Hand-made {n}") }),
        "list_artists" => json!({}),
        "create_artist" => json!({ "name": format!("New Act {n}"), "spotify_link": "" }),
        "load_artist_editor" | "load_import_progress" => json!({ "artist_id": world.nova_lights }),
        "save_artist" => {
            let artist = app::server::entities::artists::Entity::find_by_id(world.nova_lights)
                .one(&server.state.db)
                .await
                .unwrap()
                .unwrap();
            json!({ "draft": { "id": artist.id, "name": artist.name, "slug": artist.slug,
                "image_url": artist.image_url.unwrap_or_default(), "profile_links": [],
                "theme": artist.theme, "service_order": artist.service_order,
                "auto_publish_imports": false, "spotify_artist": "" } })
        }
        "import_artist_releases" => json!({ "artist_id": world.nova_lights,
            "spotify_link": format!("https://open.spotify.com/artist/{}",
                server::sandbox::catalog::DEMO_ARTIST_ID) }),
        "invite_member team" => json!({ "email": format!("new{n}@example.com"), "role": "team",
            "grants": [{ "target": { "artist": world.nova_lights }, "access": "edit" }] }),
        "invite_member admin" => {
            json!({ "email": format!("boss{n}@example.com"), "role": "admin", "grants": [] })
        }
        "invite_member rival grant" => {
            json!({ "email": format!("x{n}@example.com"), "role": "team",
            "grants": [{ "target": { "artist": world.outsider_artist }, "access": "view" }] })
        }
        "revoke_invitation" => json!({ "invitation_id": disposable_invitation(server).await }),
        "change_member_role" => json!({ "membership_id": disposable_member(server, world).await,
            "role": "team", "grants": [{ "target": { "release": world.album }, "access": "view" }] }),
        "remove_member" => json!({ "membership_id": disposable_member(server, world).await }),
        "update_profile" => json!({ "display_name": "Same Person" }),
        "change_password wrong current" => json!({ "current_password": "not my password",
            "new_password": "a whole new passphrase" }),
        "load_stats single" => {
            json!({ "release_id": world.single, "from": "2026-11-01", "to": "2026-11-21" })
        }
        "list_api_tokens" => json!({}),
        "create_api_token" => json!({ "name": format!("token {n}") }),
        "revoke_api_token of the admin" => {
            let admin = sign_in_as(server, Actor::Admin).await;
            let created = server
                .call(
                    &admin,
                    "create_api_token",
                    json!({ "name": format!("admin token {n}") }),
                )
                .await;
            json!({ "token_id": created.ok()["token"]["id"] })
        }
        "build_campaign_link single" => {
            json!({ "release_id": world.single, "utm_source": "instagram", "utm_campaign": "launch" })
        }
        "load_stats organization" => json!({ "from": "2026-11-01", "to": "2026-11-21" }),
        "switch_organization nightfall" => json!({ "organization_id": world.nightfall }),
        "ad_tracking load artist" => {
            json!({ "subject": format!("artist:{}", world.nova_lights), "request": "load" })
        }
        "ad_tracking load single" => {
            json!({ "subject": format!("release:{}", world.single), "request": "load" })
        }
        "ad_tracking save artist" => json!({ "subject": format!("artist:{}", world.nova_lights),
            "request": { "save_pixel": { "platform": "meta", "mode": "on", "pixel_id": "1234567890",
                "secret": "", "clear_secret": false, "test_event_code": "" } } }),
        "ad_tracking save single" => json!({ "subject": format!("release:{}", world.single),
            "request": { "save_pixel": { "platform": "tiktok", "mode": "on", "pixel_id": "CABCDEFGHIJ123",
                "secret": "", "clear_secret": false, "test_event_code": "" } } }),
        "ad_tracking test single" => json!({ "subject": format!("release:{}", world.single),
            "request": { "send_test": "meta" } }),
        "ad_tracking consent" => json!({ "subject": format!("artist:{}", world.nova_lights),
            "request": { "set_consent_required": true } }),
        "manage_organization load" => json!({ "request": "load" }),
        "manage_organization rules" => json!({ "request": { "save_rules": {
            "allowed": [], "blocked": ["napster"], "priority": ["spotify"] } } }),
        "manage_organization grant nova" => json!({ "request": { "grant": {
            "artist_id": world.nova_lights, "releases": "1", "days": "30" } } }),
        "manage_organization revoke" => {
            let grant = app::server::billing::ledger::grant(
                &server.state.db,
                app::server::billing::ledger::NewGrant {
                    organization_id: world.nightfall,
                    artist_id: world.nova_lights,
                    release_id: None,
                    name: format!("Matrix grant {n}"),
                    releases_included: Some(1),
                    expires_at: None,
                    granted_by: 1,
                },
                server.clock.now(),
            )
            .await
            .unwrap();
            json!({ "request": { "revoke": { "entitlement_id": grant.id, "reason": "matrix" } } })
        }
        "publishing load nova" => {
            json!({ "request": { "load": { "artist_id": world.nova_lights, "session_id": null } } })
        }
        "publishing buy nova" => {
            let package = app::server::billing::settings::packages_of(
                &server.state.db,
                world.nightfall,
                true,
            )
            .await
            .unwrap()
            .remove(0);
            json!({ "request": { "buy_package": { "artist_id": world.nova_lights, "package_id": package.id } } })
        }
        "publishing fee single" => {
            json!({ "request": { "pay_fee": { "release_id": world.single } } })
        }
        other => panic!("no arguments for {other}"),
    }
}

/// Waits until no link lookup of the release is queued (the sandbox's fakes answer at once).
async fn lookups_settled(server: &TestServer, release_id: i32) {
    for _ in 0..300 {
        let progress = app::server::release_import::link_progress(&server.state.db, release_id)
            .await
            .unwrap();
        if !progress.running() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the lookups of release {release_id} did not settle in 30 s");
}

/// The release as the editor would load it now (so each save names the current version).
async fn current_draft(server: &TestServer, release_id: i32) -> Value {
    let release = app::server::entities::releases::Entity::find_by_id(release_id)
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap();
    let draft = app::server::models::release_edits::load_draft(&server.state.db, &release)
        .await
        .unwrap();
    serde_json::to_value(draft).unwrap()
}

/// Whatever an outsider gets back must not name anything of Nightfall's.
fn assert_nothing_of_nightfall(name: &str, reply: &Reply) {
    let text = reply.body.to_string();
    for secret in [
        "Nightfall",
        "Nova Lights",
        "Midnight Signal",
        "Afterglow",
        DEMO_ADMIN_EMAIL,
    ] {
        assert!(
            !text.contains(secret),
            "{name}: an outsider saw {secret:?} in {text}"
        );
    }
}

#[tokio::test]
async fn every_server_function_checks_who_calls_and_what_they_may_touch() {
    let server = TestServer::start().await;
    let world = world(&server).await;
    let rows = rows();

    // Every registered server function is in the matrix.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let covered: BTreeSet<String> = rows
        .iter()
        .map(|(_, row)| row.endpoint.to_owned())
        .collect();
    assert_eq!(
        registered, covered,
        "server functions and the matrix differ"
    );

    let mut failures = Vec::new();
    for (name, row) in &rows {
        // Rows that fail passwords on purpose must not lock later rows out: let the throttle's window pass.
        server
            .clock
            .advance(app::server::auth::throttle::WINDOW + chrono::Duration::seconds(1));
        for (index, actor) in ACTORS.iter().enumerate() {
            // Each cell signs in afresh: earlier cells may have signed out or switched organizations.
            let client = sign_in_as(&server, *actor).await;
            let body = args(name, &server, &world).await;
            let reply = server.call(&client, row.endpoint, body).await;
            let expected = row.expected[index];
            if reply.status.as_u16() != expected {
                failures.push(format!(
                    "{name} as {actor:?}: expected {expected}, got {} {}",
                    reply.status, reply.body
                ));
            }
            if *actor == Actor::Outsider {
                assert_nothing_of_nightfall(name, &reply);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn listings_hold_only_what_the_caller_may_see() {
    let server = TestServer::start().await;
    let world = world(&server).await;
    let ids = |reply: Reply| -> BTreeSet<i64> {
        reply
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect()
    };
    let list = json!({ "filter": "all" });
    let (single, album, rival) = (
        world.single as i64,
        world.album as i64,
        world.outsider_release as i64,
    );
    for (actor, expected) in [
        (Actor::Admin, BTreeSet::from([single, album])),
        (Actor::Artist, BTreeSet::from([single, album])),
        (Actor::TeamEdit, BTreeSet::from([single])),
        (Actor::TeamView, BTreeSet::from([single, album])),
        (Actor::Outsider, BTreeSet::from([rival])),
    ] {
        let client = sign_in_as(&server, actor).await;
        let got = ids(server.call(&client, "list_releases", list.clone()).await);
        assert_eq!(got, expected, "{actor:?}");
    }
    // Team members granted view on the artist see its releases read-only.
    let viewer = sign_in_as(&server, Actor::TeamView).await;
    let listed = server.call(&viewer, "list_releases", list).await;
    assert!(listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["access"] == "view"));
    // An artist's members page shows the people on their artist, not the whole label.
    let artist = sign_in_as(&server, Actor::Artist).await;
    let people = server.call(&artist, "list_members", json!({})).await;
    let emails: BTreeSet<&str> = people
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        BTreeSet::from([DEMO_ARTIST_EMAIL, "edit@team.example", "view@team.example"])
    );
}
