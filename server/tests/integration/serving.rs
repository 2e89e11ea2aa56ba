//! The real server on port 0: health, fan pages, the dashboard and its server function, headers, shutdown.
use crate::common;

use chrono::Duration;
use common::TestServer;

#[tokio::test]
async fn healthz_checks_the_database() {
    let server = TestServer::start().await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok", "database": "ok"}));

    // With the pool closed, the same check reports the database as unavailable instead of pretending.
    server.state.db.clone().close().await.unwrap();
    let response = server.get("/healthz").await;
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn demo_single_is_a_server_rendered_smart_link() {
    let server = TestServer::start().await;
    let response = server.get("/nova-lights/midnight-signal").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("script-src 'sha256-"),
        "only the inline script, by hash: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );

    let html = response.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // `<!>`: the markers type-erased Leptos views leave around dynamic text (the dashboard hydrates against them).
    assert!(
        html.replace("<!>", "").contains("<h1>Midnight Signal</h1>"),
        "{html}"
    );
    assert_eq!(
        html.matches("class=\"service\"").count(),
        8,
        "eight services"
    );
    assert!(
        !html.contains("<script src") && !html.contains("type=\"module\""),
        "no script file on a fan page"
    );
    assert!(html.contains("<script type=\"application/ld+json\">"));
    assert!(
        html.contains("href=\"/go/"),
        "buttons link to the click-out endpoint"
    );
    assert!(!html.contains(".wasm"), "no WASM on a fan page");
    assert!(html.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/nova-lights/midnight-signal\"",
        "http://127.0.0.1:3000"
    )));
}

#[tokio::test]
async fn slugs_are_case_insensitive_and_unknown_links_are_404() {
    let server = TestServer::start().await;
    assert_eq!(
        server.get("/Nova-Lights/MIDNIGHT-SIGNAL").await.status(),
        200
    );
    assert_eq!(server.get("/nova-lights").await.status(), 200);
    let missing = server.get("/nova-lights/unreleased-secret").await;
    assert_eq!(missing.status(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("This link does not exist"));
    assert_eq!(server.get("/nobody").await.status(), 404);
    assert_eq!(server.get("/a/b/c").await.status(), 404);
}

#[tokio::test]
async fn the_album_turns_from_pre_save_page_into_smart_link_at_its_moment() {
    let server = TestServer::start().await;
    let before = server.text("/nova-lights/afterglow-atlas").await;
    assert!(before.contains("class=\"moment\""), "{before}");
    assert!(!before.contains("aria-label=\"Listen on\""));
    assert!(before.contains("Pre-save on Spotify"), "{before}");
    assert!(
        before.contains(">Pre-add<"),
        "Apple Music pre-add before release"
    );

    server.clock.advance(Duration::days(60));
    let after = server.text("/nova-lights/afterglow-atlas").await;
    assert!(!after.contains("class=\"moment\""));
    assert_eq!(after.matches("class=\"service\"").count(), 5);
}

#[tokio::test]
async fn dashboard_is_server_rendered_with_a_nonce_policy() {
    let server = TestServer::start().await;
    let admin = server
        .sign_in(
            app::server::demo::DEMO_ADMIN_EMAIL,
            app::server::demo::DEMO_ADMIN_PASSWORD,
        )
        .await;
    let cookie = admin.cookie.clone().unwrap();
    let dashboard = || {
        server
            .client
            .get(server.url("/dashboard"))
            .header("cookie", cookie.clone())
            .send()
    };
    let response = dashboard().await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Midnight Signal") && html.contains("Afterglow Atlas"),
        "{html}"
    );
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the request's nonce"
    );

    // A second request gets a different nonce.
    let again = dashboard().await.unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));
}

#[tokio::test]
async fn list_releases_server_function_filters_by_phase() {
    let server = TestServer::start().await;
    let admin = server
        .sign_in(
            app::server::demo::DEMO_ADMIN_EMAIL,
            app::server::demo::DEMO_ADMIN_PASSWORD,
        )
        .await;
    let cookie = admin.cookie.clone().unwrap();
    let call = |filter: &'static str| {
        server
            .client
            .post(server.url("/api/list_releases"))
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(format!("filter={filter}"))
            .send()
    };
    let titles = |list: serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let upcoming = call("upcoming").await.unwrap();
    assert_eq!(upcoming.status(), 200);
    assert_eq!(titles(upcoming.json().await.unwrap()), ["Afterglow Atlas"]);
    let out = call("out_now").await.unwrap().json().await.unwrap();
    assert_eq!(titles(out), ["Midnight Signal"]);

    let bad = call("sideways").await.unwrap();
    assert_eq!(
        bad.status(),
        400,
        "an unknown filter is a client error, not a 500"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_404_and_security_headers() {
    let server = TestServer::start().await;
    let response = server.get("/a/b/c/d").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn public_assets_are_served_with_cache_headers_and_never_shadowed_by_fan_routes() {
    let server = TestServer::start().await;
    let icon = server.get("/icons/spotify.svg").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["cache-control"], "public, max-age=86400");
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert_eq!(server.get("/favicon.svg").await.status(), 200);
}

#[tokio::test]
async fn shutdown_drains_and_returns() {
    let server = TestServer::start().await;
    assert_eq!(server.get("/healthz").await.status(), 200);
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(15), server.stop()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "serve returns cleanly after the shutdown signal"
    );
}
