//! `POST /webhooks/stripe`: Stripe's events about Checkout payments. The signature is checked over the raw body
//! with a 5-minute tolerance before anything is read; each event is applied once (a repeated delivery answers
//! 200 and changes nothing). A failure to apply answers 500, so Stripe delivers the event again later.
use crate::state::AppState;
use app::server::billing::payments;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

pub const WEBHOOK_PATH: &str = "/webhooks/stripe";

pub fn router() -> Router<AppState> {
    Router::new().route(WEBHOOK_PATH, post(webhook))
}

async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(stripe) = &state.stripe else {
        return (StatusCode::NOT_FOUND, "payments are not configured").into_response();
    };
    let now = state.clock.now();
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    let event = match stripe.verify_webhook(&body, signature, now) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(%error, "refused a Stripe webhook");
            return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };
    match payments::handle_event(&state.db, &event, now).await {
        Ok(handled) => {
            if !handled.unpublished.is_empty() {
                state.pages.clear();
            }
            tracing::info!(event = %event.id, kind = %event.kind, outcome = %handled.outcome, duplicate = handled.duplicate, "Stripe webhook");
            Json(serde_json::json!({
                "received": true,
                "duplicate": handled.duplicate,
                "outcome": handled.outcome,
            }))
            .into_response()
        }
        Err(error) => {
            tracing::error!(event = %event.id, %error, "applying a Stripe webhook failed; Stripe will retry");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
        }
    }
}
