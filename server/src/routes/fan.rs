//! Fan pages: `/{artist}` (the hub) and `/{artist}/{release}` (pre-save page or smart link). Server-rendered,
//! no WASM.
use crate::error::HttpError;
use crate::state::AppState;
use app::pages::fan::{self, FanPage};
use app::server::models::{artists, releases};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{artist}", get(artist_hub))
        .route("/{artist}/{release}", get(release_page))
}

async fn artist_hub(
    State(state): State<AppState>,
    Path(artist_slug): Path<String>,
) -> Result<Response, HttpError> {
    let artist = artists::find_by_slug(&state.db, &artist_slug)
        .await?
        .ok_or(HttpError::NotFound)?;
    let published = releases::published_for_artist(&state.db, artist.id).await?;
    let page = fan::render_artist_hub(&artist, &published, state.clock.now(), &state.public_url);
    Ok(html_response(StatusCode::OK, page))
}

async fn release_page(
    State(state): State<AppState>,
    Path((artist_slug, release_slug)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let release = releases::find_published(&state.db, &artist_slug, &release_slug)
        .await?
        .ok_or(HttpError::NotFound)?;
    let page = fan::render_release_page(&release, state.clock.now(), &state.public_url);
    Ok(html_response(StatusCode::OK, page))
}

pub fn html_response(status: StatusCode, page: FanPage) -> Response {
    let mut response = (status, page.html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Revalidate every time: the same URL turns from pre-save page into smart link at the release moment.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(policy) = HeaderValue::from_str(&page.content_security_policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
