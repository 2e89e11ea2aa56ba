//! Fan pages through the real server: click-outs, remembered services, renamed slugs, country order, caching,
//! SEO documents. On SQLite and PostgreSQL alike.
use crate::common;

use app::server::entities::{events, prelude::Events};
use app::server::Clock as _;
use common::TestServer;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::time::Duration;

/// Events are written in batches by a background task; wait (bounded) until `count` of `kind` are stored.
/// The human (non-bot) events of `kind`, once at least `count` are stored (or after 5 s).
async fn wait_for_events(server: &TestServer, kind: &str, count: u64) -> Vec<events::Model> {
    wait_for(server, kind, false, count).await
}

async fn wait_for(server: &TestServer, kind: &str, bots: bool, count: u64) -> Vec<events::Model> {
    for _ in 0..100 {
        let stored = Events::find()
            .filter(events::Column::Kind.eq(kind))
            .filter(events::Column::IsBot.eq(bots))
            .count(&server.state.db)
            .await
            .unwrap();
        if stored >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Events::find()
        .filter(events::Column::Kind.eq(kind))
        .filter(events::Column::IsBot.eq(bots))
        .all(&server.state.db)
        .await
        .unwrap()
}

async fn release_id(server: &TestServer) -> i32 {
    let page = server.text("/nova-lights/midnight-signal").await;
    let start = page.find("/go/").expect("a click-out link") + 4;
    page[start..].split('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_fan_who_leaves_before_the_redirect_is_still_counted() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start().await;
    let page = server.text("/nova-lights/midnight-signal").await;
    let mut targets: Vec<&str> = page
        .split("href=\"/go/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .filter(|target| !target.starts_with("link/"))
        .collect();
    targets.dedup();
    assert!(targets.len() >= 3, "{targets:?}");
    // The fan's browser sends the request and closes its side at once (an in-app browser closing on the tap). The
    // server still handles it: the click is recorded, and the redirect goes to a socket nobody reads.
    for target in &targets[..3] {
        let address = server.base_url.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "GET /go/{target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {}\r\n\r\n",
            common::PHONE_USER_AGENT
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);
    }
    let clicks = wait_for_events(&server, "click_out", 3).await;
    assert_eq!(clicks.len(), 3, "{clicks:?}");
}

#[tokio::test]
async fn click_outs_redirect_to_the_stored_url_and_are_recorded() {
    let server = TestServer::start().await;
    let id = release_id(&server).await;
    let response = server
        .client
        .get(server.url(&format!(
            "/go/{id}/spotify?url=https://evil.example&to=https://evil.example"
        )))
        .header(
            "referer",
            server.url("/nova-lights/midnight-signal?utm_source=instagram&utm_campaign=launch"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://open.spotify.com/track/0MidnightSignalTrack00"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");

    let clicks = wait_for_events(&server, "click_out", 1).await;
    assert_eq!(clicks.len(), 1);
    assert_eq!(clicks[0].service.as_deref(), Some("spotify"));
    assert_eq!(clicks[0].release_id, Some(id));
    assert_eq!(clicks[0].utm_source.as_deref(), Some("instagram"));
    assert_eq!(clicks[0].utm_campaign.as_deref(), Some("launch"));

    // Unknown services, hidden or foreign links and HEAD scanners: nothing to follow, nothing counted.
    assert_eq!(server.get(&format!("/go/{id}/pandora")).await.status(), 404);
    assert_eq!(server.get(&format!("/go/{id}/myspace")).await.status(), 404);
    assert_eq!(server.get("/go/99999/spotify").await.status(), 404);
    let head = server
        .client
        .head(server.url(&format!("/go/{id}/deezer")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 302);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        wait_for_events(&server, "click_out", 1).await.len(),
        1,
        "HEAD is not a click"
    );
    assert_eq!(
        wait_for(&server, "click_out", true, 1).await.len(),
        1,
        "it is kept apart with the bots"
    );
}

#[tokio::test]
async fn a_remembered_service_sends_a_returning_fan_straight_there() {
    let server = TestServer::start().await;
    let id = release_id(&server).await;
    let remember = server.get(&format!("/go/{id}/deezer?remember=1")).await;
    let cookie = remember.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("dropday_service=deezer;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let cookie_header = "dropday_service=deezer";
    let again = server
        .client
        .get(server.url("/nova-lights/midnight-signal"))
        .header("cookie", cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 302);
    assert_eq!(
        again.headers()["location"],
        "https://www.deezer.com/track/3100000001"
    );

    let choose = server
        .client
        .get(server.url("/nova-lights/midnight-signal?choose=1"))
        .header("cookie", cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(choose.status(), 200, "?choose=1 shows the page");
    assert!(
        choose.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "and forgets the choice"
    );
}

#[tokio::test]
async fn page_views_are_recorded_without_counting_prefetches() {
    let server = TestServer::start().await;
    let view = server
        .client
        .get(server.url("/nova-lights/midnight-signal?utm_source=tiktok"))
        .header("referer", "https://www.tiktok.com/@someone/video/1")
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(view.status(), 200);
    let prefetch = server
        .client
        .get(server.url("/nova-lights/midnight-signal"))
        .header("sec-purpose", "prefetch")
        .send()
        .await
        .unwrap();
    assert_eq!(prefetch.status(), 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let views = wait_for_events(&server, "page_view", 1).await;
    assert_eq!(views.len(), 1, "the prefetch is not a visit");
    assert_eq!(views[0].referrer_domain.as_deref(), Some("tiktok.com"));
    assert_eq!(views[0].utm_source.as_deref(), Some("tiktok"));
    assert_eq!(
        views[0].country.as_deref(),
        Some("DE"),
        "from Accept-Language without a proxy header"
    );
    assert_eq!(views[0].locale.as_deref(), Some("de-DE"));
    assert_eq!(views[0].device_class.as_deref(), Some("mobile"));
    assert_eq!(views[0].browser.as_deref(), Some("Safari"));
    assert_eq!(views[0].os.as_deref(), Some("iOS"));
    assert_eq!(
        wait_for(&server, "page_view", true, 1).await.len(),
        1,
        "the prefetch is counted apart"
    );
}

#[tokio::test]
async fn services_are_ordered_for_the_fans_country() {
    let server = TestServer::start().await;
    let order = |html: String| -> Vec<String> {
        html.split("href=\"/go/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|path| !path.starts_with("link/"))
            .filter_map(|path| path.split('/').nth(1).map(str::to_owned))
            .collect()
    };
    let page_for = |language: &'static str| {
        server
            .client
            .get(server.url("/nova-lights/midnight-signal"))
            .header("accept-language", language)
            .send()
    };
    let france = order(page_for("fr-FR").await.unwrap().text().await.unwrap());
    let usa = order(page_for("en-US").await.unwrap().text().await.unwrap());
    assert_eq!(france.len(), 8);
    let position = |list: &[String], key: &str| list.iter().position(|s| s == key).unwrap();
    assert!(
        position(&france, "deezer") < position(&usa, "deezer"),
        "Deezer ranks higher in France: {france:?} vs {usa:?}"
    );
}

#[tokio::test]
async fn gzip_pages_stay_within_the_size_budget() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.url("/nova-lights/midnight-signal"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.unwrap();
    // The whole page (HTML, CSS and JS inline, no other request) in 25 KB gzip.
    assert!(
        compressed.len() < 25 * 1024,
        "{} bytes gzip",
        compressed.len()
    );
}

#[tokio::test]
async fn renamed_slugs_answer_with_a_permanent_redirect() {
    let server = TestServer::start().await;
    let artist = app::server::models::artists::find_by_slug(&server.state.db, "nova-lights")
        .await
        .unwrap()
        .unwrap();
    app::server::models::artists::rename_slug(
        &server.state.db,
        artist.id,
        "novalights",
        server.clock.now(),
    )
    .await
    .unwrap();
    server.state.pages.clear();
    let old_release = server.get("/nova-lights/midnight-signal").await;
    assert_eq!(old_release.status(), 301);
    assert_eq!(
        old_release.headers()["location"],
        "/novalights/midnight-signal"
    );
    let old_hub = server.get("/Nova-Lights").await;
    assert_eq!(old_hub.status(), 301);
    assert_eq!(old_hub.headers()["location"], "/novalights");
    assert_eq!(
        server.get("/novalights/midnight-signal").await.status(),
        200
    );
}

#[tokio::test]
async fn sitemap_and_robots() {
    let server = TestServer::start().await;
    let sitemap = server.get("/sitemap.xml").await;
    assert_eq!(sitemap.status(), 200);
    let xml = sitemap.text().await.unwrap();
    for path in [
        "/nova-lights/midnight-signal",
        "/nova-lights/afterglow-atlas",
        "/nova-lights<",
    ] {
        assert!(
            xml.contains(&format!("http://127.0.0.1:3000{path}")),
            "{path} in {xml}"
        );
    }
    let robots = server.get("/robots.txt").await.text().await.unwrap();
    assert!(
        robots.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"),
        "{robots}"
    );
    assert!(robots.contains("Disallow: /go/"), "{robots}");
}

#[tokio::test]
async fn share_and_video_beacons_are_counted() {
    let server = TestServer::start().await;
    let id = release_id(&server).await;
    let share = server
        .client
        .post(server.url(&format!("/t/{id}/share")))
        .send()
        .await
        .unwrap();
    assert_eq!(share.status(), 204);
    let play = server
        .client
        .post(server.url(&format!("/t/{id}/video_play")))
        .send()
        .await
        .unwrap();
    assert_eq!(play.status(), 204);
    assert_eq!(
        server
            .client
            .post(server.url(&format!("/t/{id}/nonsense")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(wait_for_events(&server, "share", 1).await.len(), 1);
    assert_eq!(wait_for_events(&server, "video_play", 1).await.len(), 1);
}
