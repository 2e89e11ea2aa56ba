//! The release editor and catalog import through the real server, with the sandbox's fake Spotify and Odesli:
//! whole-draft saves and their conflicts, validation, publishing, the preview, releases made from Spotify links
//! with their links looked up per country, and artist imports that never duplicate.
use crate::common;

use app::server::demo::{DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD};
use common::api::Client;
use common::TestServer;
use serde_json::{json, Value};
use server::sandbox::catalog::{
    AlbumType, FakeAlbum, DEMO_ALBUM_ID, DEMO_ARTIST_ID, DEMO_RELEASE_COUNT,
};
use std::time::Duration;

async fn admin(server: &TestServer) -> Client {
    server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await
}

async fn nova_lights(server: &TestServer, client: &Client) -> i64 {
    let artists = server.call(client, "list_artists", json!({})).await;
    artists.ok().as_array().unwrap()[0]["id"].as_i64().unwrap()
}

async fn editor(server: &TestServer, client: &Client, release_id: i64) -> Value {
    server
        .call(
            client,
            "load_release_editor",
            json!({ "release_id": release_id }),
        )
        .await
        .ok()
        .clone()
}

async fn create_by_hand(server: &TestServer, client: &Client, title: &str) -> i64 {
    let artist_id = nova_lights(server, client).await;
    server
        .call(
            client,
            "create_release",
            json!({ "artist_id": artist_id, "spotify_link": "", "title": title }),
        )
        .await
        .ok()
        .as_i64()
        .unwrap()
}

/// Waits (on the worker, which runs in real time) until the release's lookups are all done or given up.
async fn lookups_finished(server: &TestServer, client: &Client, release_id: i64) -> Value {
    for _ in 0..300 {
        let data = editor(server, client, release_id).await;
        let lookups = &data["lookups"];
        let settled = lookups["done"].as_u64().unwrap() + lookups["failed"].as_u64().unwrap();
        if lookups["total"].as_u64().unwrap() > 0 && settled == lookups["total"].as_u64().unwrap() {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the link lookups of release {release_id} did not finish in 30 s");
}

fn services(draft: &Value) -> Vec<String> {
    draft["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["service"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_save_on_top_of_someone_elses_is_refused_and_names_them() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let id = create_by_hand(&server, &client, "Two Editors").await;
    let loaded = editor(&server, &client, id).await["draft"].clone();

    let mut first = loaded.clone();
    first["title"] = json!("Two Editors (First)");
    let version = server
        .call(&client, "save_release", json!({ "draft": first }))
        .await;
    assert_eq!(
        version.ok().as_i64(),
        Some(loaded["version"].as_i64().unwrap() + 1)
    );

    let mut second = loaded.clone();
    second["title"] = json!("Two Editors (Second)");
    let refused = server
        .call(&client, "save_release", json!({ "draft": second }))
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    let message = refused.body.to_string();
    assert!(message.contains("someone else saved"), "{message}");
    assert!(message.contains("Saved by"), "{message}");
    let stored = editor(&server, &client, id).await;
    assert_eq!(stored["draft"]["title"], "Two Editors (First)");
    server.stop().await.unwrap();
}

/// A change to a draft, for table-driven cases.
type Edit = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let id = create_by_hand(&server, &client, "Careful").await;
    let loaded = editor(&server, &client, id).await["draft"].clone();

    let cases: Vec<(Edit, u16, &str)> = vec![
        (
            Box::new(|d| {
                d["links"] = json!([{ "service": "deezer", "url": "https://open.spotify.com/album/1",
                "hidden": false, "show_before_release": false, "country_variants": 0 }])
            }),
            400,
            "Deezer: this link goes to open.spotify.com, not to Deezer",
        ),
        (
            Box::new(|d| {
                d["links"] = json!([{ "service": "tidal", "url": "tidal.com/album/1",
                "hidden": false, "show_before_release": false, "country_variants": 0 }])
            }),
            400,
            "TIDAL must start with https://",
        ),
        (
            Box::new(|d| d["slug"] = json!("midnight-signal")),
            409,
            "already has a release at",
        ),
        (
            Box::new(|d| d["release_date"] = json!("31/12/2026")),
            400,
            "is not a date",
        ),
        (
            Box::new(|d| d["time_zone"] = json!("Mars/Olympus")),
            400,
            "unknown time zone",
        ),
        (
            Box::new(|d| d["video_url"] = json!("https://vimeo.com/1")),
            400,
            "must be a YouTube link",
        ),
        (
            Box::new(|d| d["title"] = json!("   ")),
            400,
            "needs a title",
        ),
    ];
    for (change, status, expected) in cases {
        let mut draft = loaded.clone();
        draft["title"] = json!("Careful (changed)");
        change(&mut draft);
        let reply = server
            .call(&client, "save_release", json!({ "draft": draft }))
            .await;
        assert_eq!(reply.status.as_u16(), status, "{expected}: {reply:?}");
        assert!(
            reply.body.to_string().contains(expected),
            "{expected}: {}",
            reply.body
        );
    }
    // Nothing of the refused drafts was kept: the version, title and slug are as loaded.
    let stored = editor(&server, &client, id).await["draft"].clone();
    assert_eq!(stored, loaded);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn reordered_hidden_and_published_services_show_on_the_fan_page_at_once() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let id = create_by_hand(&server, &client, "Order Matters").await;
    let refused = server
        .call(
            &client,
            "publish_release",
            json!({ "release_id": id, "publish": true }),
        )
        .await;
    assert_eq!(refused.status, 400, "nothing to link to yet: {refused:?}");

    let mut draft = editor(&server, &client, id).await["draft"].clone();
    let link = |service: &str, url: &str, hidden: bool| {
        json!({ "service": service, "url": url, "hidden": hidden, "show_before_release": false,
            "country_variants": 0 })
    };
    draft["links"] = json!([
        link("deezer", "https://www.deezer.com/album/42", false),
        link(
            "spotify",
            "https://open.spotify.com/album/0OrderMattersAlbum0000",
            false
        ),
        link("tidal", "https://tidal.com/browse/album/42", true),
    ]);
    draft["custom_links"] =
        json!([{ "id": null, "label": "Tickets", "url": "https://tickets.example/tour" }]);
    draft["share_text"] = json!("Out now: turn it up");
    server
        .call(&client, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    let path = "/nova-lights/order-matters";
    assert_eq!(
        server.get(path).await.status(),
        404,
        "drafts are not public"
    );
    let before_publish = editor(&server, &client, id).await["draft"].clone();
    let published = server
        .call(
            &client,
            "publish_release",
            json!({ "release_id": id, "publish": true }),
        )
        .await;
    // The editor goes on from the version publishing left, without a conflict with itself.
    let mut after_publish = before_publish.clone();
    after_publish["version"] = published.ok().clone();
    server
        .call(&client, "save_release", json!({ "draft": after_publish }))
        .await
        .ok();
    let page = server.get(path).await.text().await.unwrap();
    assert!(page.contains("Tickets"), "{page}");
    assert!(
        page.contains(r#"data-share-text="Out now: turn it up""#),
        "{page}"
    );
    assert!(page.contains(&format!("/go/{id}/deezer")), "{page}");
    assert!(page.contains(&format!("/go/{id}/spotify")), "{page}");
    assert!(
        !page.contains(&format!("/go/{id}/tidal")),
        "hidden TIDAL shown"
    );

    // The artist's fixed order puts Deezer first; the page cached above changes at once on a new order.
    let mut draft = editor(&server, &client, id).await["draft"].clone();
    let mut links = draft["links"].as_array().unwrap().clone();
    links.swap(0, 1);
    draft["links"] = json!(links);
    server
        .call(&client, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    let saved = editor(&server, &client, id).await["draft"].clone();
    assert_eq!(services(&saved), ["spotify", "deezer", "tidal"]);
    // A link left out of a draft is kept (a lookup may have added it after the draft was loaded); one the
    // editor removed is deleted.
    let without_tidal = |removed: Value| {
        let mut draft = saved.clone();
        draft["links"] = json!(saved["links"].as_array().unwrap()[..2]);
        draft["removed_services"] = removed;
        draft
    };
    let mut left_out = without_tidal(json!([]));
    left_out["version"] = saved["version"].clone();
    server
        .call(&client, "save_release", json!({ "draft": left_out }))
        .await
        .ok();
    let kept = editor(&server, &client, id).await["draft"].clone();
    assert_eq!(services(&kept), ["spotify", "deezer", "tidal"]);
    let mut removed = without_tidal(json!(["tidal"]));
    removed["version"] = kept["version"].clone();
    server
        .call(&client, "save_release", json!({ "draft": removed }))
        .await
        .ok();
    let saved = editor(&server, &client, id).await["draft"].clone();
    assert_eq!(services(&saved), ["spotify", "deezer"]);
    assert_eq!(saved["custom_links"][0]["label"], "Tickets");

    server
        .call(
            &client,
            "publish_release",
            json!({ "release_id": id, "publish": false }),
        )
        .await
        .ok();
    assert_eq!(
        server.get(path).await.status(),
        404,
        "unpublishing takes the cached page down at once"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_preview_shows_drafts_before_and_after_the_moment_to_members_only() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let id = create_by_hand(&server, &client, "Soon").await;
    let mut draft = editor(&server, &client, id).await["draft"].clone();
    draft["release_date"] = json!("2030-01-01");
    draft["links"] = json!([{ "service": "spotify", "url": "https://open.spotify.com/album/0SoonAlbum000000000000",
        "hidden": false, "show_before_release": false, "country_variants": 0 }]);
    server
        .call(&client, "save_release", json!({ "draft": draft }))
        .await
        .ok();

    let preview =
        |moment: &str| format!("/dashboard/releases/{id}/preview?country=DE&moment={moment}");
    let get = |path: String, cookie: Option<String>| {
        let mut request = server.client.get(server.url(&path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let before = get(preview("before"), client.cookie.clone()).await.unwrap();
    assert_eq!(before.status(), 200);
    assert_eq!(before.headers()["x-frame-options"], "SAMEORIGIN");
    assert_eq!(before.headers()["cache-control"], "no-store");
    let before = before.text().await.unwrap();
    let after = get(preview("after"), client.cookie.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        before.contains("Pre-save"),
        "before the moment: a pre-save page"
    );
    assert!(
        !after.contains("Pre-save"),
        "after the moment: a smart link"
    );
    assert_ne!(before, after);

    assert_eq!(get(preview("after"), None).await.unwrap().status(), 401);
    // Someone from another organization does not learn that the release exists.
    app::server::models::accounts::create_organization_with_admin(
        &server.state.db,
        app::server::models::accounts::NewOrganizationAdmin {
            organization_name: "Rival Records",
            email: "boss@rival.example",
            display_name: "Rival Boss",
            password: "rival boss passphrase",
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let rival = server
        .sign_in("boss@rival.example", "rival boss passphrase")
        .await;
    assert_eq!(
        get(preview("after"), rival.cookie.clone())
            .await
            .unwrap()
            .status(),
        404
    );
    let bad = get(
        format!("/dashboard/releases/{id}/preview?country=Germany"),
        client.cookie.clone(),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("two-letter country code"));
    // Everywhere else, frames stay forbidden.
    assert_eq!(
        server.get("/nova-lights").await.headers()["x-frame-options"],
        "DENY"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_release_from_a_spotify_link_gets_every_service_and_country_links() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let artist_id = nova_lights(&server, &client).await;
    // The demo already has Afterglow Atlas: the same link again is refused, naming it.
    let twin = server
        .call(
            &client,
            "create_release",
            json!({ "artist_id": artist_id, "title": "",
                "spotify_link": format!("https://open.spotify.com/album/{DEMO_ALBUM_ID}?si=abc") }),
        )
        .await;
    assert_eq!(twin.status, 409, "{twin:?}");
    assert!(twin.body.to_string().contains("Afterglow Atlas"));
    let bad = server
        .call(
            &client,
            "create_release",
            json!({ "artist_id": artist_id, "title": "", "spotify_link": "https://example.com/album/1" }),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.to_string().contains("not a Spotify link"),
        "{bad:?}"
    );

    let album_id = server::sandbox::catalog::DEMO_EP_ALBUM_ID;
    let id = server
        .call(
            &client,
            "create_release",
            json!({ "artist_id": artist_id, "title": "",
                "spotify_link": format!("spotify:album:{album_id}") }),
        )
        .await
        .ok()
        .as_i64()
        .unwrap();
    // Someone opens the editor at once, before the lookups have found anything.
    let stale = editor(&server, &client, id).await["draft"].clone();
    assert_eq!(services(&stale), ["spotify"]);
    let again = server
        .call(
            &client,
            "refresh_release_links",
            json!({ "release_id": id }),
        )
        .await;
    assert_eq!(
        again.status, 409,
        "one round of lookups at a time: {again:?}"
    );
    let data = lookups_finished(&server, &client, id).await;
    // Their save, made on what they loaded, keeps what the lookups found meanwhile.
    let mut stale = stale;
    stale["title"] = json!("Low Orbit EP (Deluxe)");
    server
        .call(&client, "save_release", json!({ "draft": stale }))
        .await
        .ok();
    let data = {
        let saved = editor(&server, &client, id).await;
        assert_eq!(services(&saved["draft"]), services(&data["draft"]));
        assert_eq!(saved["draft"]["title"], "Low Orbit EP (Deluxe)");
        saved
    };
    let draft = &data["draft"];
    assert_eq!(draft["kind"], "ep", "a single of 4–6 tracks is an EP");
    let found = services(draft);
    assert_eq!(found[0], "spotify", "the pasted link stays first");
    for service in ["apple_music", "deezer", "amazon_music", "youtube_music"] {
        assert!(
            found.contains(&service.to_owned()),
            "{service} in {found:?}"
        );
    }
    let amazon = draft["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["service"] == "amazon_music")
        .unwrap();
    assert!(amazon["country_variants"].as_u64().unwrap() >= 1);

    // Published, a German fan's Amazon click goes to the German store; an American's to the default one.
    server
        .call(
            &client,
            "publish_release",
            json!({ "release_id": id, "publish": true }),
        )
        .await
        .ok();
    let click = |language: &'static str| {
        server
            .client
            .get(server.url(&format!("/go/{id}/amazon_music")))
            .header("accept-language", language)
            .send()
    };
    let german = click("de-DE,de;q=0.9").await.unwrap();
    let american = click("en-US").await.unwrap();
    assert_eq!(german.status(), 302);
    let german = german.headers()["location"].to_str().unwrap().to_owned();
    let american = american.headers()["location"].to_str().unwrap().to_owned();
    assert_ne!(german, american);
    assert!(german.contains("amazon.de"), "{german}");

    // A corrected link is the one every fan gets: its country variants go, and new lookups add none.
    let mut draft = editor(&server, &client, id).await["draft"].clone();
    let corrected = "https://music.amazon.com/albums/B0CORRECTED";
    for link in draft["links"].as_array_mut().unwrap() {
        if link["service"] == "amazon_music" {
            link["url"] = json!(corrected);
        }
    }
    server
        .call(&client, "save_release", json!({ "draft": draft }))
        .await
        .ok();
    server
        .call(
            &client,
            "refresh_release_links",
            json!({ "release_id": id }),
        )
        .await
        .ok();
    let data = lookups_finished(&server, &client, id).await;
    let amazon = data["draft"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["service"] == "amazon_music")
        .unwrap()
        .clone();
    assert_eq!(amazon["url"], corrected);
    assert_eq!(amazon["country_variants"], 0, "{amazon}");
    let german = click("de-DE,de;q=0.9").await.unwrap();
    assert_eq!(german.headers()["location"], corrected);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn importing_an_artist_again_adds_only_what_is_new() {
    let server = TestServer::start().await;
    let client = admin(&server).await;
    let artist_id = nova_lights(&server, &client).await;
    let link = format!("https://open.spotify.com/artist/{DEMO_ARTIST_ID}");
    let count_releases = || async {
        server
            .call(&client, "list_releases", json!({ "filter": "all" }))
            .await
            .ok()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count_releases().await;

    let import = |link: String| {
        let client = client.clone();
        let server = &server;
        async move {
            server
                .call(
                    &client,
                    "import_artist_releases",
                    json!({ "artist_id": artist_id, "spotify_link": link }),
                )
                .await
                .ok();
            for _ in 0..600 {
                let progress = server
                    .call(
                        &client,
                        "load_import_progress",
                        json!({ "artist_id": artist_id }),
                    )
                    .await
                    .ok()
                    .clone();
                let lookups = &progress["lookups"];
                let settled = progress["status"] == "done"
                    && lookups["done"].as_u64().unwrap() + lookups["failed"].as_u64().unwrap()
                        == lookups["total"].as_u64().unwrap();
                if settled || progress["status"] == "failed" {
                    return progress;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the import did not finish in 60 s");
        }
    };

    let first = import(link.clone()).await;
    assert_eq!(first["status"], "done", "{first}");
    assert_eq!(
        first["found"], DEMO_RELEASE_COUNT as u64,
        "appears_on is not theirs"
    );
    // The demo's two releases are already here (by Spotify id and by title); the rest is new.
    assert_eq!(first["existing"], 2, "{first}");
    assert_eq!(first["added"], DEMO_RELEASE_COUNT as u64 - 2);
    assert_eq!(first["lookups"]["failed"], 0, "{first}");
    let after_first = count_releases().await;
    assert_eq!(after_first, before + DEMO_RELEASE_COUNT - 2);

    let second = import(link.clone()).await;
    assert_eq!(second["added"], 0, "{second}");
    assert_eq!(second["existing"], DEMO_RELEASE_COUNT as u64);
    assert_eq!(count_releases().await, after_first, "nothing duplicated");

    // A new release on Spotify, and the artist asked for imports to go live: the third run publishes it.
    let sandbox = server.state.sandbox.clone().unwrap();
    sandbox.catalog.add_album(FakeAlbum::new(
        DEMO_ARTIST_ID,
        "Comet Tail",
        AlbumType::Single,
        "2026-11-20",
        &["Comet Tail"],
    ));
    let artist = server
        .call(
            &client,
            "load_artist_editor",
            json!({ "artist_id": artist_id }),
        )
        .await
        .ok()
        .clone();
    let mut draft = artist["draft"].clone();
    draft["auto_publish_imports"] = json!(true);
    server
        .call(&client, "save_artist", json!({ "draft": draft }))
        .await
        .ok();
    let third = import(link.clone()).await;
    assert_eq!(third["added"], 1, "{third}");
    let page = server.get("/nova-lights/comet-tail").await;
    assert_eq!(page.status(), 200, "published by the import");
    assert_eq!(count_releases().await, after_first + 1);

    // A day later nobody pressed anything: the worker looks at the connected artist's discography again.
    let last_id = third["id"].as_i64().unwrap();
    sandbox.catalog.add_album(FakeAlbum::new(
        DEMO_ARTIST_ID,
        "Nebula Dust",
        AlbumType::Single,
        "2026-11-21",
        &["Nebula Dust"],
    ));
    server.clock.advance(chrono::Duration::hours(25));
    let mut recheck = Value::Null;
    for _ in 0..300 {
        recheck = server
            .call(
                &client,
                "load_import_progress",
                json!({ "artist_id": artist_id }),
            )
            .await
            .ok()
            .clone();
        if recheck["id"].as_i64().unwrap() > last_id && recheck["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recheck["id"].as_i64().unwrap() > last_id,
        "a new import ran: {recheck}"
    );
    assert_eq!(recheck["status"], "done", "{recheck}");
    assert_eq!(recheck["added"], 1, "{recheck}");
    assert_eq!(
        server.get("/nova-lights/nebula-dust").await.status(),
        200,
        "found and published without anyone asking"
    );

    // Where the organization denies publishing, what an import finds stays a draft.
    server
        .call(
            &client,
            "manage_organization",
            json!({ "request": { "save_access": { "mode": "denied", "base_fee": "", "currency": "" } } }),
        )
        .await
        .ok();
    sandbox.catalog.add_album(FakeAlbum::new(
        DEMO_ARTIST_ID,
        "Quasar Glow",
        AlbumType::Single,
        "2026-11-22",
        &["Quasar Glow"],
    ));
    let fourth = import(link).await;
    assert_eq!(fourth["added"], 1, "{fourth}");
    assert_eq!(
        server.get("/nova-lights/quasar-glow").await.status(),
        404,
        "imported as a draft: this organization does not let the artist publish"
    );

    let wrong = server
        .call(
            &client,
            "import_artist_releases",
            json!({ "artist_id": artist_id,
                "spotify_link": format!("https://open.spotify.com/album/{DEMO_ALBUM_ID}") }),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.to_string().contains("artist's Spotify link"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn two_instances_on_one_database_look_each_release_up_once() {
    use server::sandbox::catalog::{
        DEMO_COMPILATION_ALBUM_ID, DEMO_EP_ALBUM_ID, DEMO_YEAR_ALBUM_ID,
    };
    let first = TestServer::start().await;
    // A second instance of the server on the same database, with its own workers and its own fakes.
    let mut config = server::config::Config::for_tests(first.database_url());
    config.site_root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public");
    let second = server::prepare_with_clock(&config, first.clock.clone())
        .await
        .expect("second instance");
    let client = admin(&first).await;
    let artist_id = nova_lights(&first, &client).await;
    let mut ids = Vec::new();
    for album in [
        DEMO_EP_ALBUM_ID,
        DEMO_COMPILATION_ALBUM_ID,
        DEMO_YEAR_ALBUM_ID,
    ] {
        let id = first
            .call(
                &client,
                "create_release",
                json!({ "artist_id": artist_id, "title": "",
                    "spotify_link": format!("https://open.spotify.com/album/{album}") }),
            )
            .await
            .ok()
            .as_i64()
            .unwrap();
        ids.push(id);
    }
    for id in &ids {
        let data = lookups_finished(&first, &client, *id).await;
        assert_eq!(data["lookups"]["failed"], 0, "{}", data["lookups"]);
    }
    let (default_country, countries) = config.link_countries().unwrap();
    assert_eq!(default_country.as_str(), "US");
    let lookups_per_release = 1 + countries.len();
    let calls = |state: &server::state::AppState| {
        state
            .sandbox
            .as_ref()
            .expect("sandbox")
            .odesli
            .calls("/v1-alpha.1/links")
    };
    // Whichever instance held the lease did the work; between them, every lookup ran exactly once.
    assert_eq!(
        calls(&first.state) + calls(&second),
        ids.len() * lookups_per_release
    );
    assert!(second.tasks.shutdown(Duration::from_secs(10)).await);
    first.stop().await.unwrap();
}
