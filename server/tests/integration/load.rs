//! Click-outs under load: every redirect the server answers is a recorded click, through a graceful shutdown too;
//! when the write buffer overflows the fan still gets their redirect and the loss is counted, never silent.
use crate::common;

use app::server::entities::{events, prelude::*, releases};
use chrono::{TimeZone, Utc};
use common::TestServer;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::atomic::Ordering;

async fn single_id(server: &TestServer) -> i32 {
    Releases::find()
        .filter(releases::Column::Slug.eq("midnight-signal"))
        .one(&server.state.db)
        .await
        .unwrap()
        .expect("the demo single")
        .id
}

/// `workers` concurrent fans click `per_worker` times each; returns how many got their redirect.
async fn click_storm(
    server: &TestServer,
    release_id: i32,
    workers: usize,
    per_worker: usize,
) -> u64 {
    let services = ["spotify", "apple_music", "deezer", "tidal"];
    let mut fans = Vec::new();
    for worker in 0..workers {
        let client = server.client.clone();
        let base = server.base_url.clone();
        fans.push(tokio::spawn(async move {
            let mut redirected = 0u64;
            for click in 0..per_worker {
                let service = services[(worker + click) % services.len()];
                let response = client
                    .get(format!("{base}/go/{release_id}/{service}"))
                    .send()
                    .await
                    .expect("click-out");
                if response.status() == 302 {
                    redirected += 1;
                }
            }
            redirected
        }));
    }
    let mut redirected = 0;
    for fan in fans {
        redirected += fan.await.unwrap();
    }
    redirected
}

/// Shuts the server down gracefully; returns the click-outs stored, and the writer's written and dropped counts.
async fn stop_and_count(server: TestServer) -> (u64, u64, u64) {
    let recorder = server.state.events.clone();
    let (stopped, test_db) = server.shut_down().await;
    stopped.expect("clean shutdown");
    let recorded = Events::find()
        .filter(events::Column::Kind.eq("click_out"))
        .count(&test_db.db)
        .await
        .unwrap();
    let stats = recorder.stats();
    (
        recorded,
        stats.written.load(Ordering::Relaxed),
        stats.dropped.load(Ordering::Relaxed),
    )
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_click_out_served_under_load_is_recorded_through_shutdown() {
    let server = TestServer::start_at(Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap()).await;
    let release_id = single_id(&server).await;

    let redirected = click_storm(&server, release_id, 32, 50).await;
    assert_eq!(
        redirected, 1_600,
        "every click-out was answered with its redirect"
    );

    // The counters as an operator's scraper sees them, from this machine.
    let metrics = server.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        metric(&metrics, "dropday_events_accepted_total"),
        redirected
    );
    assert_eq!(metric(&metrics, "dropday_events_dropped_total"), 0);

    // Stop at once: whatever is still buffered is written before the server returns.
    let (recorded, written, dropped) = stop_and_count(server).await;
    assert_eq!(
        recorded, redirected,
        "click-outs recorded = redirects served"
    );
    assert_eq!((written, dropped), (redirected, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflowing_buffer_never_slows_a_fan_and_counts_what_it_lost() {
    let server = TestServer::start_with(
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
        |config| {
            // Room for a single waiting event: a burst must overflow it.
            config.event_buffer = 1;
        },
    )
    .await;
    let release_id = single_id(&server).await;

    let redirected = click_storm(&server, release_id, 40, 10).await;
    assert_eq!(
        redirected, 400,
        "fans get their redirect even when the event is lost"
    );
    let metrics = server.get("/metrics").await.text().await.unwrap();
    let dropped = metric(&metrics, "dropday_events_dropped_total");
    assert!(dropped > 0, "a one-event buffer overflowed: {metrics}");

    let (recorded, written, lost) = stop_and_count(server).await;
    assert_eq!(recorded, written);
    // Nothing vanishes unaccounted: each redirect is either a stored click or a counted loss.
    assert_eq!(
        written + lost,
        redirected,
        "written {written}, dropped counted {dropped} before shutdown"
    );
}

#[tokio::test]
async fn metrics_need_the_token_or_a_request_from_this_machine() {
    let open = TestServer::start_at(Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap()).await;
    assert_eq!(open.get("/metrics").await.status(), 200);
    // A request a proxy passed on is not from this machine, even when the proxy is.
    let proxied = open
        .client
        .get(open.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);

    let guarded = TestServer::start_with(
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
        |config| {
            config.metrics_token = Some("s3cret-metrics".into());
        },
    )
    .await;
    assert_eq!(guarded.get("/metrics").await.status(), 404);
    let with = |token: &str| {
        guarded
            .client
            .get(guarded.url("/metrics"))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(with("wrong").await.unwrap().status(), 404);
    let allowed = with("s3cret-metrics").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert!(allowed
        .text()
        .await
        .unwrap()
        .contains("# TYPE dropday_events_written_total counter"));
}
