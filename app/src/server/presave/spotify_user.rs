//! A fan's side of Spotify: authorization (code + PKCE S256, refresh with rotation) through the `oauth2` crate,
//! the profile (`/me`), and the library adds and follows a pre-save delivers, through the unified
//! `/me/library` (development-mode apps) or the type-specific endpoints (extended-quota apps).
//! Contract: ../shared/reference/external-apis.md §1.1, §1.3–1.5.
//!
//! The client never sleeps or retries: every documented failure becomes a `SpotifyUserError` and the delivery
//! queue decides what to do. Tokens never appear in errors, logs or `Debug` output.
use crate::server::catalog;
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SpotifyUserConfig {
    pub client_id: String,
    /// Like `https://accounts.spotify.com`: authorize at `{accounts_url}/authorize`, tokens at
    /// `{accounts_url}/api/token`.
    pub accounts_url: String,
    /// Like `https://api.spotify.com/v1`.
    pub api_url: String,
    /// Exactly as registered with Spotify, e.g. `{public_url}/oauth/spotify/callback`.
    pub redirect_url: String,
    pub library_api: LibraryApi,
    /// Per request.
    pub timeout: Duration,
}

/// Which endpoints write to a fan's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LibraryApi {
    /// `PUT /me/library` (URIs of any type, 40 per call): the only one development-mode apps have since 2026.
    Unified,
    /// `PUT /me/albums`, `/me/tracks`, `/me/following`, `/playlists/{id}/followers`: extended-quota apps.
    TypeSpecific,
}

/// What a pre-save asks the fan for: saving (library), following artists, users and playlists, reading both
/// back ("already saved?"), and the profile.
pub const PRESAVE_SCOPES: &[&str] = &[
    "user-library-modify",
    "user-library-read",
    "user-follow-modify",
    "user-follow-read",
    "playlist-modify-public",
    "playlist-modify-private",
    // `/me/library/contains` lists it beside user-library-read and user-follow-read.
    "playlist-read-private",
    "user-read-private",
];

/// The most URIs `/me/library` and `/me/library/contains` take per call.
const MAX_LIBRARY_URIS: usize = 40;
/// The most ids the type-specific endpoints take per call.
const MAX_IDS: usize = 50;
/// A 429 without `Retry-After` waits this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Spotify's access tokens live an hour; used when `expires_in` is missing.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The start of an authorization: send the fan's browser to `url`, keep `state` and `pkce_verifier` (secret)
/// for the callback.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub pkce_verifier: String,
}

impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("url", &self.url)
            .field("state", &self.state)
            .field("pkce_verifier", &"[redacted]")
            .finish()
    }
}

/// A token response for a fan.
#[derive(Clone, PartialEq, Eq)]
pub struct UserTokens {
    pub access_token: String,
    pub expires_in: Duration,
    /// Some when issued (code exchange) or rotated (refresh): always keep the newest. None when a refresh did
    /// not rotate it, and the old one stays good.
    pub refresh_token: Option<String>,
    /// The scopes the fan granted, from the response's `scope`; empty when Spotify left it out.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTokens")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotifyProfile {
    /// `account_id`: immutable, the one to link accounts by; `id` when Spotify leaves it out.
    pub account_id: String,
    /// `id`.
    pub user_id: String,
    pub display_name: Option<String>,
}

/// Something a fan can save or follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpotifyItem {
    Album(String),
    Track(String),
    Artist(String),
    User(String),
    Playlist(String),
}

impl SpotifyItem {
    /// `spotify:<type>:<id>`.
    pub fn uri(&self) -> String {
        format!("spotify:{}:{}", self.kind_label(), self.id())
    }

    /// `spotify:album:ID` URIs (also the old `spotify:user:NAME:playlist:ID`) and
    /// `https://open.spotify.com/{album,track,artist,user,playlist}/ID[?si=…]` links, with or without the scheme,
    /// with `/intl-xx/` or `/embed/` prefixes. Album, track, artist and playlist ids are 22 base-62 characters.
    pub fn parse(text: &str) -> Option<SpotifyItem> {
        let text = text.trim();
        if text.len() > 8 && text[..8].eq_ignore_ascii_case("spotify:") {
            let parts: Vec<&str> = text[8..].split(':').collect();
            return match parts.as_slice() {
                [kind, id] => SpotifyItem::typed(kind, id),
                [user, _, playlist, id]
                    if user.eq_ignore_ascii_case("user")
                        && playlist.eq_ignore_ascii_case("playlist") =>
                {
                    SpotifyItem::typed("playlist", id)
                }
                _ => None,
            };
        }
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = url::Url::parse(&with_scheme).ok()?;
        if !matches!(url.scheme(), "http" | "https")
            || !matches!(
                url.host_str(),
                Some("open.spotify.com" | "play.spotify.com")
            )
        {
            return None;
        }
        let mut segments: Vec<&str> = url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|segment| !segment.is_empty())
            .collect();
        if segments.first().is_some_and(|s| s.starts_with("intl-")) {
            segments.remove(0);
        }
        if segments.first() == Some(&"embed") {
            segments.remove(0);
        }
        match segments.as_slice() {
            ["user", _, "playlist", id, ..] => SpotifyItem::typed("playlist", id),
            [kind, id, ..] => SpotifyItem::typed(kind, id),
            _ => None,
        }
    }

    /// `album`, `track`, `artist`, `user` or `playlist`: the type in its URI.
    pub fn kind_label(&self) -> &'static str {
        match self {
            SpotifyItem::Album(_) => "album",
            SpotifyItem::Track(_) => "track",
            SpotifyItem::Artist(_) => "artist",
            SpotifyItem::User(_) => "user",
            SpotifyItem::Playlist(_) => "playlist",
        }
    }

    fn id(&self) -> &str {
        match self {
            SpotifyItem::Album(id)
            | SpotifyItem::Track(id)
            | SpotifyItem::Artist(id)
            | SpotifyItem::User(id)
            | SpotifyItem::Playlist(id) => id,
        }
    }

    fn typed(kind: &str, id: &str) -> Option<SpotifyItem> {
        let item = match kind.to_ascii_lowercase().as_str() {
            "album" => SpotifyItem::Album(id.to_owned()),
            "track" => SpotifyItem::Track(id.to_owned()),
            "artist" => SpotifyItem::Artist(id.to_owned()),
            "user" => SpotifyItem::User(id.to_owned()),
            "playlist" => SpotifyItem::Playlist(id.to_owned()),
            _ => return None,
        };
        item.has_valid_id().then_some(item)
    }

    /// Checked before an id goes into a URL: base-62 ids for catalog items, user names for users (old accounts
    /// have chosen names, not base-62 ids).
    fn has_valid_id(&self) -> bool {
        let id = self.id();
        match self {
            SpotifyItem::User(_) => {
                (1..=64).contains(&id.len())
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            _ => id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        }
    }
}

/// Why a call for a fan failed, in terms the delivery queue can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotifyUserError {
    /// 429: try again after `retry_after` (`Retry-After`, or 1 s when absent).
    #[error("Spotify is rate limiting us; try again in {} s", retry_after.as_secs_f64().ceil())]
    RateLimited { retry_after: Duration },
    /// 401 from the Web API: refresh the access token and try again.
    #[error("the fan's Spotify access token expired or was refused")]
    AccessTokenExpired,
    /// `invalid_grant` from the token endpoint (revoked, rotated-away or unknown refresh token; bad code,
    /// verifier or redirect URI): the fan must log in again. Never retry.
    #[error("the fan's Spotify authorization is no longer valid: {message}")]
    GrantRevoked { message: String },
    /// 403: a missing scope, or a development-mode app's unregistered user (plain text). Never retry.
    #[error("Spotify refused: {message}")]
    Forbidden { message: String },
    /// 404: e.g. the release is not on Spotify (yet).
    #[error("not found on Spotify: {message}")]
    NotFound { message: String },
    /// Any other 4xx (including `invalid_client`), or a request refused before sending (a bad id or URL).
    #[error("Spotify rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// Timeouts, connection errors, 5xx.
    #[error("Spotify is unavailable: {message}")]
    Unavailable { message: String },
    /// A success status with a body that is not the documented shape.
    #[error("Spotify sent an answer we could not read: {message}")]
    Malformed { message: String },
}

impl SpotifyUserError {
    /// Worth trying again later: rate limits and outages.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SpotifyUserError::RateLimited { .. } | SpotifyUserError::Unavailable { .. }
        )
    }
}

type OAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A client for one app's fans. Cheap to clone (shares the HTTP pool); holds no fan's tokens.
#[derive(Clone)]
pub struct SpotifyUser {
    inner: Arc<Inner>,
}

struct Inner {
    config: SpotifyUserConfig,
    oauth: OAuthClient,
    http: reqwest::Client,
    /// `api_url` without a trailing slash.
    api_url: String,
}

impl std::fmt::Debug for SpotifyUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpotifyUser")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// One request `save` makes.
#[derive(Debug, PartialEq, Eq)]
enum SaveCall {
    /// `PUT /me/library?uris=…`
    Library(Vec<String>),
    /// `PUT /me/albums` `{"ids":[…]}`
    Albums(Vec<String>),
    /// `PUT /me/tracks` `{"ids":[…]}`
    Tracks(Vec<String>),
    /// `PUT /me/following?type=artist|user` `{"ids":[…]}`
    Following(&'static str, Vec<String>),
    /// `PUT /playlists/{id}/followers`
    Playlist(String),
}

fn config_error(what: &str, error: impl std::fmt::Display) -> SpotifyUserError {
    SpotifyUserError::Rejected {
        status: 400,
        message: format!("{what} is not a valid URL: {error}"),
    }
}

impl SpotifyUser {
    /// Checks the URLs (`Rejected` when one is not a valid absolute URL).
    pub fn new(config: SpotifyUserConfig) -> Result<SpotifyUser, SpotifyUserError> {
        let accounts = config.accounts_url.trim_end_matches('/');
        let auth_url = AuthUrl::new(format!("{accounts}/authorize"))
            .map_err(|e| config_error("accounts_url", e))?;
        let token_url = TokenUrl::new(format!("{accounts}/api/token"))
            .map_err(|e| config_error("accounts_url", e))?;
        let redirect_url = RedirectUrl::new(config.redirect_url.clone())
            .map_err(|e| config_error("redirect_url", e))?;
        let api_url = config.api_url.trim_end_matches('/').to_owned();
        let parsed_api = url::Url::parse(&api_url).map_err(|e| config_error("api_url", e))?;
        for (what, scheme) in [
            ("accounts_url", auth_url.url().scheme()),
            ("api_url", parsed_api.scheme()),
            ("redirect_url", redirect_url.url().scheme()),
        ] {
            if !matches!(scheme, "http" | "https") {
                return Err(config_error(what, "not http(s)"));
            }
        }
        // A PKCE client: `client_id` in the body, no secret.
        let oauth = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            .set_redirect_uri(redirect_url)
            .set_auth_type(AuthType::RequestBody);
        // No redirects (oauth2 requires it: a redirect could carry the code elsewhere), the timeout, our name.
        let http = catalog::http_client(config.timeout);
        Ok(SpotifyUser {
            inner: Arc::new(Inner {
                config,
                oauth,
                http,
                api_url,
            }),
        })
    }

    pub fn config(&self) -> &SpotifyUserConfig {
        &self.inner.config
    }

    /// A fresh authorization: random `state` and PKCE verifier, and the URL to send the fan to.
    pub fn authorize(&self, scopes: &[&str]) -> AuthorizeRequest {
        let (_, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let url = self.authorize_url(scopes, state.secret(), verifier.secret());
        AuthorizeRequest {
            url,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// The authorization URL for a kept flow: `response_type=code`, the client id, the exact redirect URI,
    /// `scope` space-separated, `state`, and the S256 challenge of `pkce_verifier`.
    pub fn authorize_url(&self, scopes: &[&str], state: &str, pkce_verifier: &str) -> String {
        let verifier = PkceCodeVerifier::new(pkce_verifier.to_owned());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let (url, _) = self
            .inner
            .oauth
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        url.to_string()
    }

    /// The callback's `code` for the fan's tokens (with the flow's verifier and the configured redirect URI).
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<UserTokens, SpotifyUserError> {
        let http = self.inner.http.clone();
        let send = move |request| token_http(http.clone(), request);
        let response = self
            .inner
            .oauth
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&send)
            .await;
        user_tokens(response)
    }

    /// A new access token; `refresh_token` in the result is Some when Spotify rotated it (store it: the old one
    /// no longer works).
    pub async fn refresh(&self, refresh_token: &str) -> Result<UserTokens, SpotifyUserError> {
        let http = self.inner.http.clone();
        let send = move |request| token_http(http.clone(), request);
        let refresh_token = RefreshToken::new(refresh_token.to_owned());
        let response = self
            .inner
            .oauth
            .exchange_refresh_token(&refresh_token)
            .request_async(&send)
            .await;
        user_tokens(response)
    }

    /// `GET /me`.
    pub async fn me(&self, access_token: &str) -> Result<SpotifyProfile, SpotifyUserError> {
        #[derive(Deserialize)]
        struct RawProfile {
            id: Option<String>,
            account_id: Option<String>,
            display_name: Option<String>,
        }
        let url = format!("{}/me", self.inner.api_url);
        let body = self
            .send(self.inner.http.get(url).bearer_auth(access_token))
            .await?;
        let raw: RawProfile =
            serde_json::from_slice(&body).map_err(|error| SpotifyUserError::Malformed {
                message: format!("/me: {error}"),
            })?;
        let user_id =
            raw.id
                .filter(|id| !id.is_empty())
                .ok_or_else(|| SpotifyUserError::Malformed {
                    message: "/me: the profile has no id".to_owned(),
                })?;
        Ok(SpotifyProfile {
            account_id: raw
                .account_id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| user_id.clone()),
            user_id,
            display_name: raw.display_name.filter(|name| !name.is_empty()),
        })
    }

    /// Adds albums/tracks to the library and follows artists/users/playlists, in as few requests as the mode
    /// allows (Unified: chunks of 40 URIs; TypeSpecific: albums ≤50 per call, tracks ≤50, following per type
    /// ≤50, one call per playlist; public playlist follows, Spotify's default). Duplicates are sent once.
    /// Stops at the first error and returns it. Idempotent on Spotify's side.
    pub async fn save(
        &self,
        access_token: &str,
        items: &[SpotifyItem],
    ) -> Result<(), SpotifyUserError> {
        check_ids(items)?;
        let api = &self.inner.api_url;
        let http = &self.inner.http;
        for call in self.plan(items) {
            let request = match call {
                SaveCall::Library(uris) => http
                    .put(format!("{api}/me/library"))
                    .query(&[("uris", uris.join(","))])
                    // An empty body with its length: Google's front end answers 411 to a PUT without one.
                    .header(reqwest::header::CONTENT_LENGTH, "0"),
                SaveCall::Albums(ids) => http
                    .put(format!("{api}/me/albums"))
                    .json(&serde_json::json!({ "ids": ids })),
                SaveCall::Tracks(ids) => http
                    .put(format!("{api}/me/tracks"))
                    .json(&serde_json::json!({ "ids": ids })),
                SaveCall::Following(kind, ids) => http
                    .put(format!("{api}/me/following"))
                    .query(&[("type", kind)])
                    .json(&serde_json::json!({ "ids": ids })),
                SaveCall::Playlist(id) => http
                    .put(format!("{api}/playlists/{id}/followers"))
                    .json(&serde_json::json!({ "public": true })),
            };
            self.send(request.bearer_auth(access_token)).await?;
        }
        Ok(())
    }

    /// How many HTTP requests `save` makes for these items (for rate budgeting).
    pub fn requests_for(&self, items: &[SpotifyItem]) -> usize {
        self.plan(items).len()
    }

    /// Which items are already saved or followed: `GET /me/library/contains` (chunks of 40), in input order.
    /// Used in both modes.
    pub async fn contains(
        &self,
        access_token: &str,
        items: &[SpotifyItem],
    ) -> Result<Vec<bool>, SpotifyUserError> {
        check_ids(items)?;
        let url = format!("{}/me/library/contains", self.inner.api_url);
        let mut answers = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_LIBRARY_URIS) {
            let uris: Vec<String> = chunk.iter().map(SpotifyItem::uri).collect();
            let body = self
                .send(
                    self.inner
                        .http
                        .get(&url)
                        .query(&[("uris", uris.join(","))])
                        .bearer_auth(access_token),
                )
                .await?;
            let flags: Vec<bool> =
                serde_json::from_slice(&body).map_err(|error| SpotifyUserError::Malformed {
                    message: format!("/me/library/contains: {error}"),
                })?;
            if flags.len() != chunk.len() {
                return Err(SpotifyUserError::Malformed {
                    message: format!(
                        "/me/library/contains: {} answers for {} items",
                        flags.len(),
                        chunk.len()
                    ),
                });
            }
            answers.extend(flags);
        }
        Ok(answers)
    }

    /// The requests `save` makes, in order: library adds before follows.
    fn plan(&self, items: &[SpotifyItem]) -> Vec<SaveCall> {
        let mut unique: Vec<&SpotifyItem> = Vec::with_capacity(items.len());
        for item in items {
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
        match self.inner.config.library_api {
            LibraryApi::Unified => unique
                .chunks(MAX_LIBRARY_URIS)
                .map(|chunk| SaveCall::Library(chunk.iter().map(|item| item.uri()).collect()))
                .collect(),
            LibraryApi::TypeSpecific => {
                let ids = |wanted: &str| -> Vec<String> {
                    unique
                        .iter()
                        .filter(|item| item.kind_label() == wanted)
                        .map(|item| item.id().to_owned())
                        .collect()
                };
                let mut calls = Vec::new();
                for chunk in ids("album").chunks(MAX_IDS) {
                    calls.push(SaveCall::Albums(chunk.to_vec()));
                }
                for chunk in ids("track").chunks(MAX_IDS) {
                    calls.push(SaveCall::Tracks(chunk.to_vec()));
                }
                for kind in ["artist", "user"] {
                    for chunk in ids(kind).chunks(MAX_IDS) {
                        calls.push(SaveCall::Following(kind, chunk.to_vec()));
                    }
                }
                calls.extend(ids("playlist").into_iter().map(SaveCall::Playlist));
                calls
            }
        }
    }

    /// Sends a Web API request; the body of a 2xx, or the error its status means.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, SpotifyUserError> {
        let response = request.send().await.map_err(unavailable)?;
        let status = response.status();
        let retry_after = catalog::retry_after(response.headers());
        let body = response.bytes().await.map_err(unavailable)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let message = catalog::error_message(&body, status.canonical_reason().unwrap_or(""));
        Err(match status {
            StatusCode::TOO_MANY_REQUESTS => SpotifyUserError::RateLimited {
                retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
            },
            StatusCode::UNAUTHORIZED => SpotifyUserError::AccessTokenExpired,
            StatusCode::FORBIDDEN => SpotifyUserError::Forbidden { message },
            StatusCode::NOT_FOUND => SpotifyUserError::NotFound { message },
            status if status.is_server_error() => SpotifyUserError::Unavailable {
                message: format!("{status}: {message}"),
            },
            status => SpotifyUserError::Rejected {
                status: status.as_u16(),
                message,
            },
        })
    }
}

/// Ids go into URLs and bodies only once they look like Spotify ids.
fn check_ids(items: &[SpotifyItem]) -> Result<(), SpotifyUserError> {
    match items.iter().find(|item| !item.has_valid_id()) {
        Some(item) => Err(SpotifyUserError::Rejected {
            status: 400,
            message: format!(
                "{:?} is not a valid Spotify {} id (refused before sending)",
                item.id(),
                item.kind_label()
            ),
        }),
        None => Ok(()),
    }
}

fn unavailable(error: reqwest::Error) -> SpotifyUserError {
    SpotifyUserError::Unavailable {
        message: catalog::transport_message(&error),
    }
}

/// The HTTP client oauth2 calls for the token endpoint: reqwest, with every non-2xx answer mapped here (oauth2
/// would otherwise lose the status and `Retry-After`), so oauth2 only ever parses successes.
async fn token_http(
    http: reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, SpotifyUserError> {
    let request = reqwest::Request::try_from(request).map_err(|_| SpotifyUserError::Rejected {
        status: 400,
        message: "the token request could not be built".to_owned(),
    })?;
    let response = http.execute(request).await.map_err(unavailable)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(unavailable)?.to_vec();
    if status.is_success() {
        let mut answer = http::Response::builder().status(status);
        if let Some(content_type) = headers.get(reqwest::header::CONTENT_TYPE) {
            answer = answer.header(http::header::CONTENT_TYPE, content_type);
        }
        return answer
            .body(body)
            .map_err(|error| SpotifyUserError::Malformed {
                message: format!("token endpoint: {error}"),
            });
    }
    let message = catalog::error_message(&body, status.canonical_reason().unwrap_or(""));
    let oauth_error = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|json| json.get("error")?.as_str().map(str::to_owned));
    Err(match status {
        StatusCode::TOO_MANY_REQUESTS => SpotifyUserError::RateLimited {
            retry_after: catalog::retry_after(&headers).unwrap_or(DEFAULT_RETRY_AFTER),
        },
        status if status.is_server_error() => SpotifyUserError::Unavailable {
            message: format!("{status}: {message}"),
        },
        _ if oauth_error.as_deref() == Some("invalid_grant") => {
            SpotifyUserError::GrantRevoked { message }
        }
        status => SpotifyUserError::Rejected {
            status: status.as_u16(),
            message,
        },
    })
}

fn user_tokens(
    response: Result<
        BasicTokenResponse,
        RequestTokenError<SpotifyUserError, oauth2::basic::BasicErrorResponse>,
    >,
) -> Result<UserTokens, SpotifyUserError> {
    let response = response.map_err(|error| match error {
        RequestTokenError::Request(error) => error,
        // Only reachable for a 2xx other than 200 carrying an OAuth error body.
        RequestTokenError::ServerResponse(error) => {
            let message = error
                .error_description()
                .cloned()
                .unwrap_or_else(|| error.error().as_ref().to_owned());
            match error.error() {
                oauth2::basic::BasicErrorResponseType::InvalidGrant => {
                    SpotifyUserError::GrantRevoked { message }
                }
                _ => SpotifyUserError::Rejected {
                    status: 400,
                    message,
                },
            }
        }
        // Only the path: serde's message can quote a value, and values here are tokens.
        RequestTokenError::Parse(error, _) => SpotifyUserError::Malformed {
            message: format!(
                "the token endpoint's answer is not the documented shape (at `{}`)",
                error.path()
            ),
        },
        RequestTokenError::Other(message) => SpotifyUserError::Malformed {
            message: format!("token endpoint: {message}"),
        },
    })?;
    let access_token = response.access_token().secret().clone();
    if access_token.is_empty() {
        return Err(SpotifyUserError::Malformed {
            message: "token endpoint: empty access_token".to_owned(),
        });
    }
    Ok(UserTokens {
        access_token,
        expires_in: response.expires_in().unwrap_or(DEFAULT_TOKEN_LIFETIME),
        refresh_token: response
            .refresh_token()
            .map(|token| token.secret().clone())
            .filter(|token| !token.is_empty()),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sha2::Digest as _;

    const ALBUM: &str = "0AfterglowAtlasAlbum00";
    const ARTIST: &str = "0NovaLightsDemoArtist0";

    fn client(library_api: LibraryApi) -> SpotifyUser {
        SpotifyUser::new(SpotifyUserConfig {
            client_id: "client-123".to_owned(),
            accounts_url: "https://accounts.example/".to_owned(),
            api_url: "https://api.example/v1".to_owned(),
            redirect_url: "https://dropday.example/oauth/spotify/callback".to_owned(),
            library_api,
            timeout: Duration::from_secs(5),
        })
        .expect("valid configuration")
    }

    fn query(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .expect("a URL")
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    #[test]
    fn items_parse_from_uris_and_links() {
        let cases: [(&str, Option<SpotifyItem>); 14] = [
            (
                "spotify:album:0AfterglowAtlasAlbum00",
                Some(SpotifyItem::Album(ALBUM.to_owned())),
            ),
            (
                " https://open.spotify.com/album/0AfterglowAtlasAlbum00?si=abc123 ",
                Some(SpotifyItem::Album(ALBUM.to_owned())),
            ),
            (
                "https://open.spotify.com/intl-de/artist/0NovaLightsDemoArtist0",
                Some(SpotifyItem::Artist(ARTIST.to_owned())),
            ),
            (
                "open.spotify.com/track/0MidnightSignalTrack00",
                Some(SpotifyItem::Track("0MidnightSignalTrack00".to_owned())),
            ),
            (
                "https://open.spotify.com/playlist/0NightDriveDemoList000?si=x&pt=y",
                Some(SpotifyItem::Playlist("0NightDriveDemoList000".to_owned())),
            ),
            (
                "https://open.spotify.com/user/spotify.fan_1?si=z",
                Some(SpotifyItem::User("spotify.fan_1".to_owned())),
            ),
            (
                "spotify:user:someone:playlist:0NightDriveDemoList000",
                Some(SpotifyItem::Playlist("0NightDriveDemoList000".to_owned())),
            ),
            (
                "https://open.spotify.com/embed/album/0AfterglowAtlasAlbum00",
                Some(SpotifyItem::Album(ALBUM.to_owned())),
            ),
            (
                "SPOTIFY:ARTIST:0NovaLightsDemoArtist0",
                Some(SpotifyItem::Artist(ARTIST.to_owned())),
            ),
            (
                "https://open.spotify.com/episode/0AfterglowAtlasAlbum00",
                None,
            ),
            ("https://example.com/album/0AfterglowAtlasAlbum00", None),
            ("spotify:album:tooshort", None),
            ("0AfterglowAtlasAlbum00", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(SpotifyItem::parse(text), expected, "{text}");
        }
    }

    #[test]
    fn items_name_their_uri_and_kind() {
        let album = SpotifyItem::Album(ALBUM.to_owned());
        assert_eq!(album.uri(), "spotify:album:0AfterglowAtlasAlbum00");
        assert_eq!(album.kind_label(), "album");
        assert_eq!(
            SpotifyItem::User("fan".to_owned()).uri(),
            "spotify:user:fan"
        );
        assert_eq!(
            SpotifyItem::Playlist("p".to_owned()).kind_label(),
            "playlist"
        );
        for item in [
            SpotifyItem::Album(ALBUM.to_owned()),
            SpotifyItem::Track(ALBUM.to_owned()),
            SpotifyItem::Artist(ARTIST.to_owned()),
            SpotifyItem::User("some.fan".to_owned()),
            SpotifyItem::Playlist(ALBUM.to_owned()),
        ] {
            assert_eq!(SpotifyItem::parse(&item.uri()), Some(item));
        }
    }

    #[test]
    fn the_authorize_url_carries_pkce_state_and_scopes() {
        let spotify = client(LibraryApi::Unified);
        let request = spotify.authorize(PRESAVE_SCOPES);
        assert!(request
            .url
            .starts_with("https://accounts.example/authorize?"));
        let pairs = query(&request.url);
        assert_eq!(param(&pairs, "response_type"), Some("code"));
        assert_eq!(param(&pairs, "client_id"), Some("client-123"));
        assert_eq!(
            param(&pairs, "redirect_uri"),
            Some("https://dropday.example/oauth/spotify/callback")
        );
        assert_eq!(param(&pairs, "code_challenge_method"), Some("S256"));
        assert_eq!(param(&pairs, "state"), Some(request.state.as_str()));
        assert_eq!(
            param(&pairs, "scope"),
            Some(PRESAVE_SCOPES.join(" ").as_str())
        );
        // RFC 7636: 43 to 128 characters of the unreserved set.
        assert!((43..=128).contains(&request.pkce_verifier.len()));
        assert!(request
            .pkce_verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        let expected_challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(request.pkce_verifier.as_bytes()));
        assert_eq!(
            param(&pairs, "code_challenge"),
            Some(expected_challenge.as_str())
        );
        assert!(!request.state.is_empty());
        assert!(!request.url.contains(&request.pkce_verifier));

        // Fresh every time; the same again from what a kept flow stores.
        let other = spotify.authorize(PRESAVE_SCOPES);
        assert_ne!(other.state, request.state);
        assert_ne!(other.pkce_verifier, request.pkce_verifier);
        assert_eq!(
            spotify.authorize_url(PRESAVE_SCOPES, &request.state, &request.pkce_verifier),
            request.url
        );
    }

    #[test]
    fn the_challenge_matches_an_independent_computation() {
        // Computed with Python's hashlib and base64.urlsafe_b64encode, padding stripped.
        let url = client(LibraryApi::Unified).authorize_url(
            &["user-library-modify"],
            "s",
            "dBjftJeZ4CVP-mJ92K9KVf-RK7QnB6IE3dv4J-yF5TcJdO1ld",
        );
        assert_eq!(
            param(&query(&url), "code_challenge"),
            Some("9eHeAsPfSJeWllgdBMr4-RLu1_-Lcmq0wD9JLVTWyMI")
        );
    }

    #[test]
    fn bad_urls_are_refused() {
        for (accounts_url, api_url, redirect_url) in [
            (
                "not a url",
                "https://api.example/v1",
                "https://d.example/cb",
            ),
            ("https://accounts.example", "nope", "https://d.example/cb"),
            (
                "https://accounts.example",
                "https://api.example/v1",
                "/relative",
            ),
            (
                "ftp://accounts.example",
                "https://api.example/v1",
                "https://d.example/cb",
            ),
        ] {
            let result = SpotifyUser::new(SpotifyUserConfig {
                client_id: "c".to_owned(),
                accounts_url: accounts_url.to_owned(),
                api_url: api_url.to_owned(),
                redirect_url: redirect_url.to_owned(),
                library_api: LibraryApi::Unified,
                timeout: Duration::from_secs(1),
            });
            assert!(
                matches!(result, Err(SpotifyUserError::Rejected { status: 400, .. })),
                "{accounts_url} {api_url} {redirect_url}"
            );
        }
    }

    #[test]
    fn requests_are_counted_per_mode() {
        let album = SpotifyItem::Album(ALBUM.to_owned());
        let artist = SpotifyItem::Artist(ARTIST.to_owned());
        let playlist = SpotifyItem::Playlist("0NightDriveDemoList000".to_owned());
        let user = SpotifyItem::User("fan".to_owned());
        let track = SpotifyItem::Track("0MidnightSignalTrack00".to_owned());
        let items = vec![
            album.clone(),
            artist.clone(),
            playlist.clone(),
            user.clone(),
            track.clone(),
            album.clone(),
        ];
        let unified = client(LibraryApi::Unified);
        assert_eq!(unified.requests_for(&items), 1);
        assert_eq!(unified.requests_for(&[]), 0);
        let many: Vec<SpotifyItem> = (0..81)
            .map(|n| SpotifyItem::User(format!("fan{n}")))
            .collect();
        assert_eq!(unified.requests_for(&many), 3);

        let typed = client(LibraryApi::TypeSpecific);
        assert_eq!(
            typed.plan(&items),
            vec![
                SaveCall::Albums(vec![ALBUM.to_owned()]),
                SaveCall::Tracks(vec!["0MidnightSignalTrack00".to_owned()]),
                SaveCall::Following("artist", vec![ARTIST.to_owned()]),
                SaveCall::Following("user", vec!["fan".to_owned()]),
                SaveCall::Playlist("0NightDriveDemoList000".to_owned()),
            ]
        );
        assert_eq!(typed.requests_for(&items), 5);
        assert_eq!(typed.requests_for(&many), 2);
    }

    #[test]
    fn only_rate_limits_and_outages_are_transient() {
        assert!(SpotifyUserError::RateLimited {
            retry_after: Duration::from_secs(1)
        }
        .is_transient());
        assert!(SpotifyUserError::Unavailable {
            message: String::new()
        }
        .is_transient());
        assert!(!SpotifyUserError::AccessTokenExpired.is_transient());
        assert!(!SpotifyUserError::GrantRevoked {
            message: String::new()
        }
        .is_transient());
        assert!(!SpotifyUserError::Forbidden {
            message: String::new()
        }
        .is_transient());
    }

    #[test]
    fn debug_output_hides_tokens() {
        let tokens = UserTokens {
            access_token: "BQsecret".to_owned(),
            expires_in: Duration::from_secs(3600),
            refresh_token: Some("AQsecret".to_owned()),
            scopes: vec!["user-library-modify".to_owned()],
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("user-library-modify"));
    }
}

#[cfg(test)]
mod send_check {
    use super::*;

    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}

    #[allow(dead_code)]
    fn futures_can_be_spawned(spotify: SpotifyUser, token: String, items: Vec<SpotifyItem>) {
        spawnable(async move {
            let _ = spotify.exchange_code(&token, &token).await;
            let _ = spotify.refresh(&token).await;
            let _ = spotify.me(&token).await;
            let _ = spotify.save(&token, &items).await;
            let _ = spotify.contains(&token, &items).await;
        });
    }

    struct Holder {
        spotify: SpotifyUser,
    }

    impl Holder {
        async fn deliver(&self, token: &str, items: &[SpotifyItem]) {
            let _ = self.spotify.refresh(token).await;
            let _ = self.spotify.exchange_code(token, token).await;
            let _ = self.spotify.save(token, items).await;
        }
    }

    #[allow(dead_code)]
    fn borrowed_futures_can_be_spawned(
        holder: Arc<Holder>,
        token: String,
        items: Vec<SpotifyItem>,
    ) {
        spawnable(async move {
            holder.deliver(&token, &items).await;
        });
    }
}
