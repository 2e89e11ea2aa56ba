//! `/healthz`: 200 when the server can reach its database, 503 when it cannot. `/metrics`: the analytics write
//! buffer's counters in Prometheus text, so a lost event shows on a graph and not only in a log.
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database =
        tokio::time::timeout(Duration::from_secs(2), app::server::db::ping(&state.db)).await;
    let (status, database) = match database {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::error!(%error, "health check: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "error")
        }
        Err(_) => {
            tracing::error!("health check: database did not answer within 2 s");
            (StatusCode::SERVICE_UNAVAILABLE, "timeout")
        }
    };
    let overall = if status == StatusCode::OK {
        "ok"
    } else {
        "degraded"
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "status": overall, "database": database })),
    )
}

/// With a configured token, its bearer may read; without one, only a request made on this machine that no proxy
/// passed on.
fn may_read_metrics(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    match &state.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|given| same_secret(given.trim().as_bytes(), token.as_bytes())),
        None => {
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|name| headers.contains_key(*name));
            peer.ip().is_loopback() && !proxied
        }
    }
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> impl IntoResponse {
    if !may_read_metrics(&state, peer, &headers) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let stats = state.events.stats();
    let mut body = String::new();
    for (name, help, value) in [
        (
            "dropday_events_accepted_total",
            "Analytics events taken into the write buffer.",
            stats.accepted.load(Ordering::Relaxed),
        ),
        (
            "dropday_events_written_total",
            "Analytics events written to the database.",
            stats.written.load(Ordering::Relaxed),
        ),
        (
            "dropday_events_dropped_total",
            "Analytics events lost: the buffer was full or a batch could not be written.",
            stats.dropped.load(Ordering::Relaxed),
        ),
    ] {
        body.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
