//! The editor's preview: a release's fan page exactly as the fan page route renders it, for drafts too, for a
//! chosen country, before or after the release moment. Only for members who may see the release; never cached,
//! never indexed, and framed only by the dashboard itself.
use crate::state::AppState;
use app::pages::fan::{self, ReleasePageInput};
use app::server::auth::{access, caller};
use app::server::models::releases;
use app::types::{Access, AppError, CountryCode};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/releases/{id}/preview", get(preview))
}

#[derive(Debug, serde::Deserialize)]
struct PreviewQuery {
    /// Two letters; empty: a fan whose country is unknown.
    #[serde(default)]
    country: String,
    /// `now`, `before` or `after` the release moment (for the chosen country).
    #[serde(default)]
    moment: String,
}

async fn preview(
    State(state): State<AppState>,
    Path(release_id): Path<i32>,
    Query(query): Query<PreviewQuery>,
    headers: HeaderMap,
) -> Response {
    render(&state, release_id, query, &headers)
        .await
        .unwrap_or_else(crate::error::dashboard_error)
}

async fn render(
    state: &AppState,
    release_id: i32,
    query: PreviewQuery,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let ctx = state.server_ctx();
    let caller = caller::from_headers(&ctx, headers)
        .await?
        .ok_or(AppError::Unauthorized)?;
    access::release_for(&ctx.db, caller.member()?, release_id, Access::View).await?;
    let country = match query.country.trim() {
        "" => None,
        code => Some(CountryCode::parse(code).ok_or_else(|| {
            AppError::BadRequest(format!("\"{code}\" is not a two-letter country code"))
        })?),
    };
    let found = releases::fan_release_by_id(&ctx.db, release_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    let instant = found.moment().map(|m| m.instant_for(country));
    let at = match (query.moment.as_str(), instant) {
        ("before", Some(instant)) => instant - chrono::Duration::minutes(1),
        ("after", Some(instant)) => instant + chrono::Duration::minutes(1),
        ("" | "now" | "before" | "after", _) => now,
        (other, _) => {
            return Err(AppError::BadRequest(format!(
                "unknown moment \"{other}\" (now, before or after)"
            )))
        }
    };
    let presave_origin = state.presaves.as_ref().map(|p| p.accounts_origin());
    let rules =
        app::server::billing::rules::for_organization(&state.db, found.artist.organization_id)
            .await?;
    let rendered = fan::render_release_page(ReleasePageInput {
        release: &found,
        country,
        now: at,
        public_url: &state.public_url,
        rules: &rules,
        presave: presave_origin
            .as_deref()
            .filter(|_| rules.admits(app::types::StreamingService::Spotify))
            .map(|accounts_origin| fan::PresaveSetup { accounts_origin }),
        // A preview is the artist looking: no pixel fires.
        ads: None,
    });
    let mut page = rendered.page;
    page.content_security_policy = page
        .content_security_policy
        .replace("frame-ancestors 'none'", "frame-ancestors 'self'");
    let mut response = super::fan::html_response(StatusCode::OK, page);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(response)
}
