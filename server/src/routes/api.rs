//! The analytics JSON API for scripts: `Authorization: Bearer <personal token>`, the same numbers and access
//! rules as the dashboard. `/api/v1/stats` returns a report; `/api/v1/events` pages through raw events.
use crate::state::AppState;
use app::server::analytics::stats;
use app::server::models::api_tokens;
use app::types::AppError;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stats", get(stats_report))
        .route("/api/v1/events", get(events_page))
}

#[derive(Debug, Deserialize)]
struct RangeQuery {
    release: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// For `/events`: the `next_after` of the previous page.
    after: Option<i64>,
    /// For `/events`: rows per page, at most 5,000.
    limit: Option<u64>,
}

/// An error as JSON with its status; 401 tells the client how to authenticate.
struct ApiError(AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"dropday\""),
            );
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

async fn member(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<app::server::auth::Membership, ApiError> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(AppError::Unauthorized)?;
    let (_, membership) = api_tokens::authenticate(&state.db, secret, state.clock.now())
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(membership)
}

async fn stats_report(
    State(state): State<AppState>,
    Query(query): Query<RangeQuery>,
    headers: HeaderMap,
) -> Result<Json<app::types::StatsReport>, ApiError> {
    let membership = member(&state, &headers).await?;
    let now = state.clock.now();
    let days = stats::days_for(query.from, query.to, now.date_naive())?;
    let (target, title) = stats::target_for(&state.db, &membership, query.release).await?;
    Ok(Json(
        stats::report(&state.db, &target, title, days, now, 100).await?,
    ))
}

#[derive(Debug, Serialize)]
struct EventsPage {
    events: Vec<ApiEvent>,
    /// Pass as `after` for the next page; `null` at the end.
    next_after: Option<i64>,
}

#[derive(Debug, Serialize)]
struct ApiEvent {
    id: i64,
    occurred_at: chrono::DateTime<chrono::Utc>,
    kind: String,
    release_id: Option<i32>,
    service: Option<String>,
    referrer_domain: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    utm_term: Option<String>,
    device_class: Option<String>,
    browser: Option<String>,
    os: Option<String>,
    country: Option<String>,
    locale: Option<String>,
    visitor_hash: Option<String>,
    is_bot: bool,
}

async fn events_page(
    State(state): State<AppState>,
    Query(query): Query<RangeQuery>,
    headers: HeaderMap,
) -> Result<Json<EventsPage>, ApiError> {
    let membership = member(&state, &headers).await?;
    let days = stats::days_for(query.from, query.to, state.clock.now().date_naive())?;
    let (target, _) = stats::target_for(&state.db, &membership, query.release).await?;
    let limit = query.limit.unwrap_or(1_000).clamp(1, 5_000);
    let rows = stats::raw_events(&state.db, &target, days, query.after.unwrap_or(0), limit).await?;
    let next_after = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|row| row.id))
        .flatten();
    Ok(Json(EventsPage {
        events: rows
            .into_iter()
            .map(|row| ApiEvent {
                id: row.id,
                occurred_at: row.occurred_at,
                kind: row.kind,
                release_id: row.release_id,
                service: row.service,
                referrer_domain: row.referrer_domain,
                utm_source: row.utm_source,
                utm_medium: row.utm_medium,
                utm_campaign: row.utm_campaign,
                utm_content: row.utm_content,
                utm_term: row.utm_term,
                device_class: row.device_class,
                browser: row.browser,
                os: row.os,
                country: row.country,
                locale: row.locale,
                visitor_hash: row.visitor_hash,
                is_bot: row.is_bot,
            })
            .collect(),
        next_after,
    }))
}
