//! A fake Spotify: the accounts service (client credentials here; fans' authorization code + PKCE and refresh
//! tokens in `spotify_accounts`) and the Web API's catalog endpoints (fans' `/me` and library endpoints in
//! `spotify_library`), in the documented shapes of a 2026 development-mode app (no `popularity`, `label` or
//! `album_group`; `external_ids` only where the catalog has them; discography pages of at most 10), with its
//! errors: OAuth-style 400s from the accounts service, `{"error":{"status","message"}}` from the API, 401 on
//! missing, unknown or expired tokens, 429 with `Retry-After` over a rolling 30-second window, and the
//! development-mode allow-list's plain-text 403.
//!
//! Tokens carry a `Grant`: the app itself (client credentials) or a fan (account and scopes).
use super::catalog::{
    self, AlbumGroup, FakeAlbum, FakeArtist, FakeCatalog, FakePlaylist, FakeTrack,
};
use super::control::{self, faults_and_log, lock, Control, Fault, RollingWindow, Running};
use super::spotify_accounts::{self as accounts, Accounts, Scopes};
use super::spotify_library as library;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rand::Rng as _;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;

/// The Web API's rate limit is computed over a rolling 30-second window.
const RATE_WINDOW: Duration = Duration::from_secs(30);
/// Development mode caps `/artists/{id}/albums` at 10 per page and defaults to 5.
const MAX_PAGE: usize = 10;
const DEFAULT_PAGE: usize = 5;

#[derive(Debug, Clone)]
pub struct FakeSpotifyOptions {
    pub client_id: String,
    pub client_secret: String,
    /// How long an access token lives (`expires_in` is its whole seconds).
    pub token_lifetime: Duration,
    /// Web API requests allowed per rolling 30 seconds; `None` for no limit.
    pub requests_per_30s: Option<u32>,
    /// The app's registered redirect URIs, matched exactly by `/authorize`; empty accepts any http(s) URI.
    pub redirect_uris: Vec<String>,
    /// Whether a refresh returns a new refresh token and invalidates the old one (what PKCE clients get), or
    /// returns none and the old one stays good.
    pub rotate_refresh_tokens: bool,
    /// A development-mode app's allow-list of fans' account ids: anyone else's token gets a plain-text 403 on
    /// every Web API call. `None` for an app without one (extended quota).
    pub allowed_users: Option<Vec<String>>,
}

impl Default for FakeSpotifyOptions {
    fn default() -> Self {
        FakeSpotifyOptions {
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            requests_per_30s: None,
            redirect_uris: Vec::new(),
            rotate_refresh_tokens: true,
            allowed_users: None,
        }
    }
}

/// A running fake Spotify; stops when dropped.
pub struct FakeSpotify {
    state: Arc<SpotifyState>,
    server: Running,
}

pub(super) struct SpotifyState {
    pub(super) catalog: Arc<FakeCatalog>,
    pub(super) options: FakeSpotifyOptions,
    control: Arc<Control>,
    /// `http://127.0.0.1:PORT`: the accounts service, the API under `/v1` and cover images under `/image`.
    pub(super) base_url: String,
    /// Access tokens of the app and of fans. A fan's refresh leaves the previous access token valid until it
    /// expires, as Spotify does; expired ones are swept now and then so a long benchmark does not keep them.
    tokens: Mutex<Tokens>,
    rate: Mutex<RollingWindow>,
    /// Fans: accounts, codes, refresh tokens, libraries.
    pub(super) accounts: Mutex<Accounts>,
}

#[derive(Default)]
struct Tokens {
    issued: HashMap<String, IssuedToken>,
    /// How many were left after the last sweep of long-expired tokens.
    after_sweep: usize,
}

struct IssuedToken {
    grant: Grant,
    expires_at: Instant,
}

/// Whom a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Grant {
    /// Client credentials: the app itself, catalog endpoints only.
    App {
        #[allow(dead_code)] // kept to say which app, as Spotify's tokens do
        client_id: String,
    },
    /// Authorization code: a fan, with the scopes they granted. `epoch` is the account's at issue; a revocation
    /// moves the account on and the token stops working.
    User {
        account: Arc<str>,
        scopes: Scopes,
        epoch: u32,
    },
}

/// Who is calling a Web API route, as the token middleware found it; user routes read it as an extension.
#[derive(Debug, Clone)]
pub(super) enum Caller {
    App,
    User { account: Arc<str>, scopes: Scopes },
}

impl FakeSpotify {
    /// Serves `catalog` on a loopback port.
    ///
    /// # Panics
    /// If no loopback port can be bound, which leaves a test nothing to test.
    pub async fn start(catalog: Arc<FakeCatalog>, options: FakeSpotifyOptions) -> FakeSpotify {
        let listener = control::bind_loopback()
            .await
            .expect("binding a loopback port for the fake Spotify");
        FakeSpotify::start_on(listener, catalog, options).expect("starting the fake Spotify")
    }

    /// Serves `catalog` on `listener` (a fixed port, for a sandbox whose URLs outlive a restart).
    pub fn start_on(
        listener: TcpListener,
        catalog: Arc<FakeCatalog>,
        options: FakeSpotifyOptions,
    ) -> std::io::Result<FakeSpotify> {
        let address = listener.local_addr()?;
        let state = Arc::new(SpotifyState {
            catalog,
            options,
            control: Control::new(api_error_body),
            base_url: format!("http://{address}"),
            tokens: Mutex::new(Tokens::default()),
            rate: Mutex::new(RollingWindow::default()),
            accounts: Mutex::new(Accounts::default()),
        });
        let server = Running::start(listener, router(state.clone()))?;
        debug_assert_eq!(server.address(), address);
        Ok(FakeSpotify { state, server })
    }

    /// The accounts service's base (`{base_url}/api/token`), like `https://accounts.spotify.com`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// The Web API's base, like `https://api.spotify.com/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.state.base_url)
    }

    pub fn catalog(&self) -> &Arc<FakeCatalog> {
        &self.state.catalog
    }

    pub fn options(&self) -> &FakeSpotifyOptions {
        &self.state.options
    }

    /// Answers the next `n` requests (to any path, the token endpoint included) with `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.state.control.fail_next_on("/", n, fault);
    }

    /// Answers the next `n` requests whose path starts with `path_prefix` (`/v1`, `/api/token`) with `fault`.
    pub fn fail_next_on(&self, path_prefix: &str, n: usize, fault: Fault) {
        self.state.control.fail_next_on(path_prefix, n, fault);
    }

    /// Requests received whose path starts with `path_prefix` (`/api/token`, `/v1/albums`, `/v1`), whatever
    /// they were answered with.
    pub fn calls(&self, path_prefix: &str) -> usize {
        self.state.control.calls(path_prefix)
    }

    /// Responses sent with `status`, faults included.
    pub fn responses_with_status(&self, status: u16) -> usize {
        self.state.control.responses_with_status(status)
    }

    /// Invalidates every access token issued so far (the app's and fans'), as a revoked app or an early expiry
    /// would: the next API call with one gets a 401. Fans' refresh tokens keep working.
    pub fn revoke_tokens(&self) {
        lock(&self.state.tokens).issued.clear();
    }

    /// What the fan has in their library or follows now, as `spotify:<type>:<id>` URIs in the order first saved.
    pub fn library(&self, account_id: &str) -> Vec<String> {
        lock(&self.state.accounts).library(account_id)
    }

    /// How many `PUT`s (`/me/library` or a type-specific endpoint) wrote `uri` (`spotify:<type>:<id>`) for the
    /// fan; a request naming it twice counts once.
    pub fn writes(&self, account_id: &str, uri: &str) -> usize {
        lock(&self.state.accounts).writes(account_id, uri)
    }

    /// Writes over every fan and item.
    pub fn total_writes(&self) -> usize {
        lock(&self.state.accounts).total_writes()
    }

    /// Every fan's account id (created at their first login), sorted.
    pub fn users(&self) -> Vec<String> {
        lock(&self.state.accounts).users()
    }

    /// The fan removed the app's access: their access tokens get 401 and their refresh tokens 400
    /// `invalid_grant` "Refresh token revoked". Logging in again gives new tokens that work.
    pub fn revoke_user(&self, account_id: &str) {
        lock(&self.state.accounts).revoke(account_id);
    }

    /// Every fan's access token expires now: the next call gets 401 "The access token expired".
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for issued in lock(&self.state.tokens).issued.values_mut() {
            if matches!(issued.grant, Grant::User { .. }) {
                issued.expires_at = issued.expires_at.min(now);
            }
        }
    }

    /// An authorization code as if `account_id` had agreed on the consent page (creating the account), for
    /// tests that are not about the page. Unknown scopes are dropped. The code is exchanged as usual, with the
    /// verifier whose S256 challenge is `code_challenge`.
    pub fn authorize_directly(
        &self,
        account_id: &str,
        scopes: &[&str],
        redirect_uri: &str,
        code_challenge: &str,
        client_id: &str,
    ) -> String {
        accounts::authorize_directly(
            &self.state,
            account_id,
            scopes,
            redirect_uri,
            code_challenge,
            client_id,
        )
    }

    /// Stops the server and waits for requests in flight.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn router(state: Arc<SpotifyState>) -> Router {
    let api = Router::new()
        .route("/albums/{id}", get(album))
        .route("/tracks/{id}", get(track))
        .route("/playlists/{id}", get(playlist))
        .route("/artists/{id}", get(artist))
        .route("/artists/{id}/albums", get(artist_albums))
        .route("/me", get(library::me))
        .route(
            "/me/library",
            put(library::save_library).delete(library::remove_library),
        )
        .route("/me/library/contains", get(library::library_contains))
        .route("/me/albums", put(library::save_albums))
        .route("/me/tracks", put(library::save_tracks))
        .route("/me/following", put(library::follow))
        .route("/playlists/{id}/followers", put(library::follow_playlist))
        .route_layer(from_fn_with_state(state.clone(), rate_limit_and_token));
    Router::new()
        .route("/api/token", post(token))
        .route(
            "/authorize",
            get(accounts::authorize_page).post(accounts::authorize_decision),
        )
        .nest("/v1", api)
        .route("/image/{key}", get(catalog::cover))
        .fallback(|State(state): State<Arc<SpotifyState>>| async move {
            state
                .control
                .error(StatusCode::NOT_FOUND, "Service not found")
        })
        .with_state(state.clone())
        .layer(from_fn_with_state(state.control.clone(), faults_and_log))
}

/// `{"error":{"status":404,"message":"…"}}`, the Web API's documented error body.
pub(super) fn api_error_body(status: StatusCode, message: &str) -> Value {
    json!({"error": {"status": status.as_u16(), "message": message}})
}

/// The accounts service's OAuth-style error: always 400 with `error` and `error_description`.
pub(super) fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /api/token`. Client credentials come in the Basic header or the form; a fan's authorization code and
/// refresh token come with the app's `client_id` in the form (PKCE, no secret) or its Basic credentials.
async fn token(
    State(state): State<Arc<SpotifyState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let options = &state.options;
    let expected_basic = format!("{}:{}", options.client_id, options.client_secret);
    let basic_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, credentials) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| credentials.trim() == base64_encode(expected_basic.as_bytes()))
        });
    let form_ok = match (form.get("client_id"), form.get("client_secret")) {
        (Some(id), Some(secret)) => {
            Some(*id == options.client_id && *secret == options.client_secret)
        }
        _ => None,
    };
    let client_ok = match (basic_ok, form_ok) {
        (None, None) => false,
        (basic, form) => basic.unwrap_or(true) && form.unwrap_or(true),
    };
    match form.get("grant_type").map(String::as_str) {
        None => return oauth_error("unsupported_grant_type", "grant_type parameter is missing"),
        Some("client_credentials") => {}
        Some(grant @ ("authorization_code" | "refresh_token")) => {
            let named = basic_ok.is_some() || form.contains_key("client_id");
            let pkce_client_ok = named
                && basic_ok.unwrap_or(true)
                && form
                    .get("client_id")
                    .is_none_or(|id| *id == options.client_id)
                && form
                    .get("client_secret")
                    .is_none_or(|secret| *secret == options.client_secret);
            if !pkce_client_ok {
                return oauth_error("invalid_client", "Invalid client");
            }
            return if grant == "authorization_code" {
                accounts::exchange_code(&state, &form)
            } else {
                accounts::refresh(&state, &form)
            };
        }
        Some(_) => {
            return oauth_error(
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        }
    }
    if !client_ok {
        return oauth_error("invalid_client", "Invalid client");
    }
    let access_token = issue_token(
        &state,
        Grant::App {
            client_id: options.client_id.clone(),
        },
    );
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": options.token_lifetime.as_secs(),
    }))
    .into_response()
}

pub(super) fn issue_token(state: &SpotifyState, grant: Grant) -> String {
    let value: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(118)
        .map(char::from)
        .collect();
    // Spotify's access tokens start with "BQ".
    let value = format!("BQ{value}");
    let now = Instant::now();
    let mut tokens = lock(&state.tokens);
    if tokens.issued.len() > 2 * tokens.after_sweep + 10_000 {
        // Long expired: nobody will present them again except to be told so, and "Invalid access token" is the
        // same 401.
        tokens
            .issued
            .retain(|_, issued| issued.expires_at + TOKEN_SWEEP_GRACE > now);
        tokens.after_sweep = tokens.issued.len();
    }
    tokens.issued.insert(
        value.clone(),
        IssuedToken {
            grant,
            expires_at: now + state.options.token_lifetime,
        },
    );
    value
}

/// How long an expired access token is still recognised as expired (rather than unknown) before it is swept.
const TOKEN_SWEEP_GRACE: Duration = Duration::from_secs(3600);

/// Every Web API route: the app's rolling rate window first (Spotify counts every call), then the bearer token,
/// then (for a fan's token) the development-mode allow-list. The caller goes to the route as a `Caller`.
async fn rate_limit_and_token(
    State(state): State<Arc<SpotifyState>>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    // Google's front end refuses a bodiless write without `Content-Length` before Spotify sees it
    // (spotify/web-api#859): the classic mistake with `PUT /me/library`, whose parameters are all in the query.
    let method = request.method().clone();
    let headers = request.headers();
    if matches!(method.as_str(), "POST" | "PUT")
        && !headers.contains_key(header::CONTENT_LENGTH)
        && !headers.contains_key(header::TRANSFER_ENCODING)
    {
        return (
            StatusCode::LENGTH_REQUIRED,
            axum::response::Html(format!(
                "<!DOCTYPE html>\n<title>Error 411 (Length Required)!!1</title>\n<p><b>411.</b> <ins>That’s an \
                 error.</ins>\n<p>{method} requests require a <code>Content-length</code> header. \
                 <ins>That’s all we know.</ins>\n"
            )),
        )
            .into_response();
    }
    if let Some(limit) = state.options.requests_per_30s {
        if let Err(wait) = lock(&state.rate).admit(RATE_WINDOW, limit) {
            let mut response = state
                .control
                .error(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(control::retry_after_secs(wait)),
            );
            return response;
        }
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    let grant = match bearer {
        None => Err("No token provided"),
        Some(token) => match lock(&state.tokens).issued.get(&token) {
            None => Err("Invalid access token"),
            Some(issued) if issued.expires_at <= Instant::now() => Err("The access token expired"),
            Some(issued) => Ok(issued.grant.clone()),
        },
    };
    let caller = match grant {
        Err(message) => return state.control.error(StatusCode::UNAUTHORIZED, message),
        Ok(Grant::App { .. }) => Caller::App,
        Ok(Grant::User {
            account,
            scopes,
            epoch,
        }) => {
            if !lock(&state.accounts).is_current(&account, epoch) {
                return state
                    .control
                    .error(StatusCode::UNAUTHORIZED, "Invalid access token");
            }
            let allowed = state
                .options
                .allowed_users
                .as_ref()
                .is_none_or(|allowed| allowed.iter().any(|user| **user == *account));
            if !allowed {
                // Plain text, not JSON: what Spotify sends a development-mode app's unregistered user.
                return (
                    StatusCode::FORBIDDEN,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "User not registered in the Developer Dashboard",
                )
                    .into_response();
            }
            Caller::User { account, scopes }
        }
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// A Web API error in its documented body.
struct ApiError(StatusCode, &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(api_error_body(self.0, self.1))).into_response()
    }
}

const NOT_FOUND: ApiError = ApiError(StatusCode::NOT_FOUND, "Resource not found");

type ApiResult = Result<Json<Value>, ApiError>;

/// Spotify refuses malformed ids with a 400 before looking anything up.
fn check_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ApiError(StatusCode::BAD_REQUEST, "Invalid base62 id"))
    }
}

async fn album(State(state): State<Arc<SpotifyState>>, Path(id): Path<String>) -> ApiResult {
    check_id(&id)?;
    let album = state.catalog.album(&id).ok_or(NOT_FOUND)?;
    Ok(Json(state.full_album(&album)))
}

async fn track(State(state): State<Arc<SpotifyState>>, Path(id): Path<String>) -> ApiResult {
    check_id(&id)?;
    let (track, album) = state.catalog.track(&id).ok_or(NOT_FOUND)?;
    Ok(Json(state.full_track(&track, &album)))
}

async fn playlist(State(state): State<Arc<SpotifyState>>, Path(id): Path<String>) -> ApiResult {
    check_id(&id)?;
    let playlist = state.catalog.playlist(&id).ok_or(NOT_FOUND)?;
    Ok(Json(state.playlist(&playlist)))
}

async fn artist(State(state): State<Arc<SpotifyState>>, Path(id): Path<String>) -> ApiResult {
    check_id(&id)?;
    let artist = state.catalog.artist(&id).ok_or(NOT_FOUND)?;
    Ok(Json(state.artist(&artist)))
}

/// `GET /artists/{id}/albums?include_groups=…&limit=…&offset=…`: a paging object of simplified albums.
async fn artist_albums(
    State(state): State<Arc<SpotifyState>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult {
    check_id(&id)?;
    let bad_request = |message: &'static str| ApiError(StatusCode::BAD_REQUEST, message);
    let limit = match query.get("limit") {
        None => DEFAULT_PAGE,
        Some(limit) => limit
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| bad_request("Invalid limit"))?,
    };
    let offset = match query.get("offset") {
        None => 0,
        Some(offset) => offset
            .parse::<usize>()
            .map_err(|_| bad_request("Invalid offset"))?,
    };
    let groups = match query.get("include_groups").filter(|g| !g.is_empty()) {
        None => AlbumGroup::ALL.to_vec(),
        Some(groups) => groups
            .split(',')
            .map(|group| AlbumGroup::parse(group.trim()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad_request("Invalid include_groups"))?,
    };
    state.catalog.artist(&id).ok_or(NOT_FOUND)?;
    let albums = state.catalog.artist_albums(&id, &groups);
    let total = albums.len();
    let include_groups = groups
        .iter()
        .map(|group| group.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let page_url = |offset: usize| {
        format!(
            "{}/v1/artists/{id}/albums?offset={offset}&limit={limit}&include_groups={include_groups}",
            state.base_url
        )
    };
    let items: Vec<Value> = albums
        .iter()
        .skip(offset)
        .take(limit)
        .map(|album| state.simplified_album(album))
        .collect();
    Ok(Json(json!({
        "href": page_url(offset),
        "items": items,
        "limit": limit,
        "next": (offset + limit < total).then(|| page_url(offset + limit)),
        "offset": offset,
        "previous": (offset > 0).then(|| page_url(offset.saturating_sub(limit))),
        "total": total,
    })))
}

// The documented object shapes.
impl SpotifyState {
    fn api(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    fn artist_refs(&self, ids: &[String]) -> Vec<Value> {
        self.catalog
            .artist_names(ids)
            .into_iter()
            .map(|(id, name)| {
                json!({
                    "external_urls": {"spotify": format!("https://open.spotify.com/artist/{id}")},
                    "href": format!("{}/artists/{id}", self.api()),
                    "id": id,
                    "name": name,
                    "type": "artist",
                    "uri": format!("spotify:artist:{id}"),
                })
            })
            .collect()
    }

    /// Three sizes, largest first, as Spotify serves album covers (`i.scdn.co/image/<size prefix><hash>`).
    fn album_images(&self, album: &FakeAlbum) -> Value {
        let seed = album.image_seed();
        json!([
            {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ALBUM_640), "height": 640, "width": 640},
            {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ALBUM_300), "height": 300, "width": 300},
            {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ALBUM_64), "height": 64, "width": 64},
        ])
    }

    fn simplified_album(&self, album: &FakeAlbum) -> Value {
        let id = &album.id;
        json!({
            "album_type": album.album_type.as_str(),
            "total_tracks": album.tracks.len(),
            "external_urls": {"spotify": format!("https://open.spotify.com/album/{id}")},
            "href": format!("{}/albums/{id}", self.api()),
            "id": id,
            "images": self.album_images(album),
            "name": album.name,
            "release_date": album.release_date,
            "release_date_precision": album.release_date_precision,
            "type": "album",
            "uri": format!("spotify:album:{id}"),
            "artists": self.artist_refs(&album.artist_ids),
            "is_playable": true,
        })
    }

    fn full_album(&self, album: &FakeAlbum) -> Value {
        let mut value = self.simplified_album(album);
        let tracks: Vec<Value> = album
            .tracks
            .iter()
            .enumerate()
            .map(|(index, track)| self.simplified_track(track, index))
            .collect();
        let id = &album.id;
        let year = album.release_date.get(..4).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "tracks".to_owned(),
                json!({
                    "href": format!("{}/albums/{id}/tracks?offset=0&limit=50", self.api()),
                    "items": tracks,
                    "limit": 50,
                    "next": null,
                    "offset": 0,
                    "previous": null,
                    "total": album.tracks.len(),
                }),
            );
            object.insert(
                "copyrights".to_owned(),
                json!([
                    {"text": format!("{year} {}", album.label), "type": "C"},
                    {"text": format!("{year} {}", album.label), "type": "P"},
                ]),
            );
            object.insert("genres".to_owned(), json!([]));
            if let Some(upc) = &album.upc {
                object.insert("external_ids".to_owned(), json!({"upc": upc}));
            }
        }
        value
    }

    fn simplified_track(&self, track: &FakeTrack, index: usize) -> Value {
        let id = &track.id;
        json!({
            "artists": self.artist_refs(&track.artist_ids),
            "disc_number": 1,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_urls": {"spotify": format!("https://open.spotify.com/track/{id}")},
            "href": format!("{}/tracks/{id}", self.api()),
            "id": id,
            "is_playable": true,
            "is_local": false,
            "name": track.name,
            "track_number": index + 1,
            "type": "track",
            "uri": format!("spotify:track:{id}"),
        })
    }

    fn full_track(&self, track: &FakeTrack, album: &FakeAlbum) -> Value {
        let index = album
            .tracks
            .iter()
            .position(|t| t.id == track.id)
            .unwrap_or(0);
        let mut value = self.simplified_track(track, index);
        if let Some(object) = value.as_object_mut() {
            object.insert("album".to_owned(), self.simplified_album(album));
            if let Some(isrc) = &track.isrc {
                object.insert("external_ids".to_owned(), json!({"isrc": isrc}));
            }
        }
        value
    }

    fn artist(&self, artist: &FakeArtist) -> Value {
        let id = &artist.id;
        let images = if artist.has_image {
            let seed = catalog::image_seed(id);
            json!([
                {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ARTIST_640), "height": 640, "width": 640},
                {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ARTIST_320), "height": 320, "width": 320},
                {"url": format!("{}/image/{}{seed}", self.base_url, catalog::ARTIST_160), "height": 160, "width": 160},
            ])
        } else {
            json!([])
        };
        json!({
            "external_urls": {"spotify": format!("https://open.spotify.com/artist/{id}")},
            "genres": artist.genres,
            "href": format!("{}/artists/{id}", self.api()),
            "id": id,
            "images": images,
            "name": artist.name,
            "type": "artist",
            "uri": format!("spotify:artist:{id}"),
        })
    }

    fn playlist(&self, playlist: &FakePlaylist) -> Value {
        let id = &playlist.id;
        let owner = &playlist.owner_id;
        let snapshot = hex::encode(catalog::seeded_number(id).to_be_bytes());
        json!({
            "collaborative": false,
            "description": playlist.description,
            "external_urls": {"spotify": format!("https://open.spotify.com/playlist/{id}")},
            "href": format!("{}/playlists/{id}", self.api()),
            "id": id,
            // Playlist covers come with null sizes.
            "images": [{
                "url": format!("{}/image/{}{}", self.base_url, catalog::PLAYLIST, catalog::image_seed(id)),
                "height": null,
                "width": null,
            }],
            "name": playlist.name,
            "owner": {
                "display_name": playlist.owner_name,
                "external_urls": {"spotify": format!("https://open.spotify.com/user/{owner}")},
                "href": format!("{}/users/{owner}", self.api()),
                "id": owner,
                "type": "user",
                "uri": format!("spotify:user:{owner}"),
            },
            "public": true,
            "snapshot_id": snapshot,
            // `items` is only for the owner's own playlists; others get the (deprecated) count.
            "tracks": {
                "href": format!("{}/playlists/{id}/tracks", self.api()),
                "total": playlist.track_ids.len(),
            },
            "type": "playlist",
            "uri": format!("spotify:playlist:{id}"),
        })
    }
}

/// Standard base64 with padding, for comparing HTTP Basic credentials (and, URL-safe, for PKCE challenges).
pub(super) fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64_encode;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            (
                "sandbox-client:sandbox-secret",
                "c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=",
            ),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected, "{input}");
        }
    }
}
