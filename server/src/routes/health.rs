//! `/healthz`: 200 when the server can reach its database, 503 when it cannot.
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
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
