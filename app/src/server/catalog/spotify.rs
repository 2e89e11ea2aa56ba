//! The Spotify Web API's catalog endpoints with client credentials (no user involved): albums, tracks,
//! playlists, artists and an artist's discography. Contract: ../shared/reference/external-apis.md §1.2–1.5,
//! including the 2026 development-mode limits (`/artists/{id}/albums` pages of at most 10, batch `GET /albums`
//! removed, `external_ids` and `popularity` optional).
use super::CatalogError;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub const SERVICE: &str = "Spotify";

#[derive(Debug, Clone)]
pub struct SpotifyConfig {
    /// `https://accounts.spotify.com` (the token endpoint is `{accounts_url}/api/token`).
    pub accounts_url: String,
    /// `https://api.spotify.com/v1`.
    pub api_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Per request.
    pub timeout: Duration,
    /// The longest `Retry-After` the client waits out by itself before giving up with `RateLimited`.
    pub max_retry_wait: Duration,
}

/// What a pasted Spotify link or URI points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpotifyRef {
    Album(String),
    Track(String),
    Playlist(String),
    Artist(String),
}

/// Reads `https://open.spotify.com/album/ID?si=…`, `https://open.spotify.com/intl-de/track/ID`,
/// `spotify:album:ID`, `spotify.link`-less forms only (short links need a network call and are refused with a
/// message saying so). Ids are 22 base-62 characters.
pub fn parse_spotify_ref(input: &str) -> Result<SpotifyRef, String> {
    const NOT_SPOTIFY: &str = "not a Spotify link";
    let input = input.trim();
    if input.is_empty() {
        return Err("paste a Spotify link".to_owned());
    }
    if is_spotify_id(input) {
        return Err("paste the whole Spotify link, not only its id".to_owned());
    }
    if input.len() > 8 && input[..8].eq_ignore_ascii_case("spotify:") {
        let parts: Vec<&str> = input[8..].split(':').collect();
        return match parts.as_slice() {
            [kind, id] => typed_ref(kind, id),
            // The pre-2018 form some apps still copy: `spotify:user:NAME:playlist:ID`.
            [user, _, playlist, id]
                if user.eq_ignore_ascii_case("user")
                    && playlist.eq_ignore_ascii_case("playlist") =>
            {
                typed_ref(playlist, id)
            }
            [kind, ..] => typed_ref(kind, ""),
            [] => Err(NOT_SPOTIFY.to_owned()),
        };
    }
    // People paste links without a scheme (`open.spotify.com/album/…`) as often as with one.
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| NOT_SPOTIFY.to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(NOT_SPOTIFY.to_owned());
    }
    match url.host_str().unwrap_or_default() {
        "open.spotify.com" | "play.spotify.com" => {}
        "spotify.link" | "spotify.app.link" => {
            return Err(
                "spotify.link short links cannot be read; open it and copy the full link"
                    .to_owned(),
            )
        }
        _ => return Err(NOT_SPOTIFY.to_owned()),
    }
    let mut segments: Vec<&str> = url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|segment| !segment.is_empty())
        .collect();
    // `intl-de/` (localised site) and `embed/` (players) wrap the same paths.
    if segments.first().is_some_and(|s| s.starts_with("intl-")) {
        segments.remove(0);
    }
    if segments.first().is_some_and(|s| *s == "embed") {
        segments.remove(0);
    }
    match segments.as_slice() {
        ["user", _, "playlist", id, ..] => typed_ref("playlist", id),
        [kind, id, ..] => typed_ref(kind, id),
        [kind] => typed_ref(kind, ""),
        [] => Err(NOT_A_RELEASE.to_owned()),
    }
}

const NOT_A_RELEASE: &str =
    "this Spotify link does not point at an album, track, playlist or artist";

fn typed_ref(kind: &str, id: &str) -> Result<SpotifyRef, String> {
    let make = match kind.to_ascii_lowercase().as_str() {
        "album" => SpotifyRef::Album,
        "track" => SpotifyRef::Track,
        "playlist" => SpotifyRef::Playlist,
        "artist" => SpotifyRef::Artist,
        other => {
            let what = match other {
                "episode" => "episode",
                "show" => "podcast",
                "audiobook" | "chapter" => "audiobook",
                "user" => "profile",
                _ => return Err(NOT_A_RELEASE.to_owned()),
            };
            return Err(format!(
                "this is a Spotify {what} link; paste an album, track, playlist or artist link"
            ));
        }
    };
    if !is_spotify_id(id) {
        return Err(format!(
            "the {kind} id in this Spotify link is not valid (Spotify ids are 22 letters and digits)"
        ));
    }
    Ok(make(id.to_owned()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistRef {
    pub id: String,
    pub name: String,
}

/// An album as `GET /albums/{id}` and the discography pages describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Album {
    pub id: String,
    pub name: String,
    /// `album`, `single` or `compilation` (Spotify has no EP type: EPs are singles of 4–6 tracks).
    pub album_type: String,
    pub total_tracks: u32,
    /// `2026-11-27`, `2026-11` or `2026`, as `release_date_precision` says.
    pub release_date: String,
    pub release_date_precision: String,
    pub artists: Vec<ArtistRef>,
    /// The largest image.
    pub image_url: Option<String>,
    /// `external_ids.upc` when present (optional since 2026).
    pub upc: Option<String>,
    /// `external_urls.spotify`.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub id: String,
    pub name: String,
    pub artists: Vec<ArtistRef>,
    pub album: Album,
    /// `external_ids.isrc` when present.
    pub isrc: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    pub id: String,
    pub name: String,
    pub owner_name: Option<String>,
    pub image_url: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artist {
    pub id: String,
    pub name: String,
    pub image_url: Option<String>,
    pub url: String,
}

/// A client for one app's credentials. Cheap to clone (shares its HTTP pool and its cached access token, which it
/// renews before expiry and once more on a 401). Retries 429 (honouring `Retry-After` up to `max_retry_wait`),
/// timeouts and 5xx with backoff (3 attempts); non-JSON error bodies (dev-mode 403s are plain text) are read too.
#[derive(Clone)]
pub struct SpotifyCatalog {
    inner: Arc<Inner>,
}

struct Inner {
    config: SpotifyConfig,
    http: reqwest::Client,
    /// Held while a token is being fetched, so concurrent callers wait for one token request instead of each
    /// making their own.
    token: tokio::sync::Mutex<Option<AccessToken>>,
    /// Set by a 429: every caller of this client waits it out, not only the one that was told.
    blocked_until: std::sync::Mutex<Option<Instant>>,
}

struct AccessToken {
    value: String,
    /// A little before Spotify's expiry, so a request never leaves with a token that dies on the way.
    renew_at: Instant,
}

/// Without `Retry-After`, a 429 waits this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(3);
/// A discography longer than this many pages of 10 is a paging loop, not an artist.
const MAX_DISCOGRAPHY_PAGES: usize = 200;

/// A response the retry loop did not swallow: its status and whole body.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl SpotifyCatalog {
    pub fn new(config: SpotifyConfig) -> Self {
        let http = super::http_client(config.timeout);
        SpotifyCatalog {
            inner: Arc::new(Inner {
                config,
                http,
                token: tokio::sync::Mutex::new(None),
                blocked_until: std::sync::Mutex::new(None),
            }),
        }
    }

    pub async fn album(&self, id: &str) -> Result<Album, CatalogError> {
        let raw: RawAlbum = self.get_json(&self.api_path("albums", id)?).await?;
        raw.into_album()
    }

    pub async fn track(&self, id: &str) -> Result<Track, CatalogError> {
        let raw: RawTrack = self.get_json(&self.api_path("tracks", id)?).await?;
        raw.into_track()
    }

    pub async fn playlist(&self, id: &str) -> Result<Playlist, CatalogError> {
        let raw: RawPlaylist = self.get_json(&self.api_path("playlists", id)?).await?;
        Ok(raw.into_playlist())
    }

    pub async fn artist(&self, id: &str) -> Result<Artist, CatalogError> {
        let raw: RawArtist = self.get_json(&self.api_path("artists", id)?).await?;
        Ok(raw.into_artist())
    }

    /// Every album, single and compilation of the artist (`include_groups=album,single,compilation`, not
    /// `appears_on`), following `next` through pages of 10, oldest page order as Spotify gives it.
    pub async fn artist_albums(&self, artist_id: &str) -> Result<Vec<Album>, CatalogError> {
        let first = format!(
            "{}/albums?include_groups=album,single,compilation&limit=10&offset=0",
            self.api_path("artists", artist_id)?
        );
        let api_url = self.inner.config.api_url.trim_end_matches('/');
        let mut albums: Vec<Album> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_DISCOGRAPHY_PAGES {
                return Err(malformed(format!(
                    "the discography did not end after {MAX_DISCOGRAPHY_PAGES} pages"
                )));
            }
            let page: RawPage<Option<RawAlbum>> = self.get_json(&url).await?;
            for raw in page.items.into_iter().flatten() {
                // Dev mode drops `album_group`; where it is still sent, it is the surer sign of a guest spot.
                if raw.album_group.as_deref() == Some("appears_on") {
                    continue;
                }
                let album = raw.into_album()?;
                // A release added while we page shifts the offsets; the same album can come twice.
                if seen.insert(album.id.clone()) {
                    albums.push(album);
                }
            }
            if let Some(next_url) = page.next.filter(|n| !n.is_empty()) {
                // The token goes wherever `next` points, so it must point at the API we were configured with.
                if !next_url.starts_with(&format!("{api_url}/")) {
                    return Err(malformed(format!(
                        "the next page is not on the API: {next_url}"
                    )));
                }
                if next_url == url {
                    return Err(malformed(format!("the next page is this page: {url}")));
                }
                next = Some(next_url);
            }
        }
        Ok(albums)
    }

    /// `{api_url}/{kind}/{id}`, refusing ids that are not Spotify ids before they reach a URL path.
    fn api_path(&self, kind: &str, id: &str) -> Result<String, CatalogError> {
        if !is_spotify_id(id) {
            return Err(CatalogError::Rejected {
                service: SERVICE,
                status: 400,
                message: format!("{id:?} is not a Spotify id (22 letters and digits)"),
            });
        }
        let api_url = self.inner.config.api_url.trim_end_matches('/');
        Ok(format!("{api_url}/{kind}/{id}"))
    }

    /// A Web API GET with a current token: renews the token once on a 401, maps errors, parses the body.
    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, CatalogError> {
        let mut token = self.access_token(None).await?;
        let mut renewed = false;
        loop {
            let answer = self
                .send(|| self.inner.http.get(url).bearer_auth(&token))
                .await?;
            match answer.status {
                status if status.is_success() => {
                    return serde_json::from_slice(&answer.body)
                        .map_err(|error| malformed(format!("{url}: {error}")));
                }
                // Revoked or expired early (the clock is Spotify's, not ours): one fresh token, then give up.
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    token = self.access_token(Some(&token)).await?;
                }
                StatusCode::UNAUTHORIZED => {
                    return Err(CatalogError::Unauthorized {
                        service: SERVICE,
                        message: super::error_message(&answer.body, "Unauthorized"),
                    });
                }
                StatusCode::NOT_FOUND => return Err(CatalogError::NotFound { service: SERVICE }),
                status => return Err(rejected(status, &answer.body)),
            }
        }
    }

    /// The cached token, or a new one when it is due for renewal or is the one the API just refused
    /// (`rejected`). A caller that finds the token already replaced by another caller uses that one.
    async fn access_token(&self, rejected: Option<&str>) -> Result<String, CatalogError> {
        let mut cached = self.inner.token.lock().await;
        if let Some(token) = cached.as_ref() {
            if Instant::now() < token.renew_at && rejected != Some(token.value.as_str()) {
                return Ok(token.value.clone());
            }
        }
        let token = self.request_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Client credentials: `POST {accounts_url}/api/token` with the app's id and secret.
    async fn request_token(&self) -> Result<AccessToken, CatalogError> {
        let config = &self.inner.config;
        let url = format!("{}/api/token", config.accounts_url.trim_end_matches('/'));
        let answer = self
            .send(|| {
                self.inner
                    .http
                    .post(&url)
                    .basic_auth(&config.client_id, Some(&config.client_secret))
                    .form(&[("grant_type", "client_credentials")])
            })
            .await?;
        if !answer.status.is_success() {
            let oauth_error = serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|json| json.get("error")?.as_str().map(str::to_owned));
            if oauth_error.as_deref() == Some("invalid_client")
                || answer.status == StatusCode::UNAUTHORIZED
            {
                return Err(CatalogError::Unauthorized {
                    service: SERVICE,
                    message: super::error_message(&answer.body, "Invalid client"),
                });
            }
            return Err(rejected(answer.status, &answer.body));
        }
        let token: RawToken = serde_json::from_slice(&answer.body)
            .map_err(|error| malformed(format!("token endpoint: {error}")))?;
        if token.access_token.is_empty() {
            return Err(malformed("token endpoint: empty access_token".to_owned()));
        }
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600));
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        tracing::debug!(expires_in = lifetime.as_secs(), "new Spotify access token");
        Ok(AccessToken {
            value: token.access_token,
            renew_at: Instant::now() + lifetime - margin,
        })
    }

    /// Sends the request `build` makes until it gets an answer worth interpreting: waits out 429s (shared with
    /// every caller) while the total stays within `max_retry_wait`, and retries timeouts, connection errors and
    /// 5xx with backoff. Everything else (2xx, 4xx) is returned with its body.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, CatalogError> {
        let max_wait = self.inner.config.max_retry_wait;
        let mut waited = Duration::ZERO;
        let mut attempts = 0;
        loop {
            if let Some(pause) = self.blocked_for() {
                if waited + pause > max_wait {
                    return Err(CatalogError::RateLimited {
                        service: SERVICE,
                        retry_after: pause,
                    });
                }
                tokio::time::sleep(pause).await;
                waited += pause;
            }
            let failure = match build().send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = super::retry_after(response.headers());
                    match response.bytes().await.map(Vec::from) {
                        Ok(_) if status == StatusCode::TOO_MANY_REQUESTS => {
                            let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                            tracing::info!(wait_ms = wait.as_millis() as u64, "Spotify rate limit");
                            self.block_for(wait);
                            // Refused here rather than by the pause check, so the error names this wait.
                            if waited + wait > max_wait {
                                return Err(CatalogError::RateLimited {
                                    service: SERVICE,
                                    retry_after: wait,
                                });
                            }
                            continue;
                        }
                        Ok(body) if status.is_server_error() => format!(
                            "{status}: {}",
                            super::error_message(&body, status.canonical_reason().unwrap_or(""))
                        ),
                        Ok(body) => return Ok(Answer { status, body }),
                        Err(error) => super::transport_message(&error),
                    }
                }
                Err(error) => super::transport_message(&error),
            };
            attempts += 1;
            if attempts >= super::TRANSIENT_ATTEMPTS {
                return Err(CatalogError::Unavailable {
                    service: SERVICE,
                    message: failure,
                });
            }
            tracing::debug!(attempts, %failure, "Spotify request failed; retrying");
            tokio::time::sleep(super::backoff(attempts)).await;
        }
    }

    /// How long a 429 still holds every caller back, if at all.
    fn blocked_for(&self) -> Option<Duration> {
        let blocked_until = *self
            .inner
            .blocked_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        blocked_until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .filter(|pause| !pause.is_zero())
    }

    fn block_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut blocked_until = self
            .inner
            .blocked_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *blocked_until = Some(blocked_until.map_or(until, |current| current.max(until)));
    }
}

fn malformed(message: String) -> CatalogError {
    CatalogError::Malformed {
        service: SERVICE,
        message,
    }
}

fn rejected(status: StatusCode, body: &[u8]) -> CatalogError {
    CatalogError::Rejected {
        service: SERVICE,
        status: status.as_u16(),
        message: super::error_message(body, status.canonical_reason().unwrap_or("")),
    }
}

fn is_spotify_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

// The wire shapes, read leniently: only what Dropday cannot do without is required; fields the 2026 dev mode
// dropped or made optional (`external_ids`, `popularity`, `label`, `album_group`) and nullable lists are not.

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct RawImage {
    url: String,
    width: Option<u32>,
    height: Option<u32>,
}

#[derive(Deserialize, Default)]
struct RawExternalUrls {
    spotify: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawExternalIds {
    isrc: Option<String>,
    upc: Option<String>,
}

#[derive(Deserialize)]
struct RawArtistRef {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawTrackCount {
    total: Option<u32>,
}

#[derive(Deserialize)]
struct RawAlbum {
    id: String,
    name: String,
    album_type: String,
    album_group: Option<String>,
    total_tracks: Option<u32>,
    release_date: String,
    release_date_precision: Option<String>,
    artists: Option<Vec<RawArtistRef>>,
    images: Option<Vec<RawImage>>,
    external_ids: Option<RawExternalIds>,
    external_urls: Option<RawExternalUrls>,
    tracks: Option<RawTrackCount>,
}

impl RawAlbum {
    fn into_album(self) -> Result<Album, CatalogError> {
        if !is_spotify_id(&self.id) {
            return Err(malformed(format!("album id {:?}", self.id)));
        }
        let release_date_precision = self.release_date_precision.unwrap_or_else(|| {
            match self.release_date.len() {
                4 => "year",
                7 => "month",
                _ => "day",
            }
            .to_owned()
        });
        Ok(Album {
            url: spotify_url(self.external_urls, "album", &self.id),
            total_tracks: self
                .total_tracks
                .or(self.tracks.and_then(|tracks| tracks.total))
                .unwrap_or(0),
            album_type: self.album_type.to_ascii_lowercase(),
            release_date: self.release_date,
            release_date_precision,
            artists: artist_refs(self.artists),
            image_url: largest_image(self.images),
            upc: self
                .external_ids
                .and_then(|ids| ids.upc)
                .filter(|upc| !upc.is_empty()),
            id: self.id,
            name: self.name,
        })
    }
}

#[derive(Deserialize)]
struct RawTrack {
    id: String,
    name: String,
    artists: Option<Vec<RawArtistRef>>,
    album: RawAlbum,
    external_ids: Option<RawExternalIds>,
    external_urls: Option<RawExternalUrls>,
}

impl RawTrack {
    fn into_track(self) -> Result<Track, CatalogError> {
        if !is_spotify_id(&self.id) {
            return Err(malformed(format!("track id {:?}", self.id)));
        }
        Ok(Track {
            url: spotify_url(self.external_urls, "track", &self.id),
            artists: artist_refs(self.artists),
            album: self.album.into_album()?,
            isrc: self
                .external_ids
                .and_then(|ids| ids.isrc)
                .filter(|isrc| !isrc.is_empty()),
            id: self.id,
            name: self.name,
        })
    }
}

#[derive(Deserialize)]
struct RawOwner {
    display_name: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawPlaylist {
    id: String,
    name: String,
    owner: Option<RawOwner>,
    images: Option<Vec<RawImage>>,
    external_urls: Option<RawExternalUrls>,
}

impl RawPlaylist {
    fn into_playlist(self) -> Playlist {
        Playlist {
            url: spotify_url(self.external_urls, "playlist", &self.id),
            // Users without a display name are shown by their user id, as Spotify itself does.
            owner_name: self
                .owner
                .and_then(|owner| owner.display_name.filter(|n| !n.is_empty()).or(owner.id)),
            image_url: largest_image(self.images),
            id: self.id,
            name: self.name,
        }
    }
}

#[derive(Deserialize)]
struct RawArtist {
    id: String,
    name: String,
    images: Option<Vec<RawImage>>,
    external_urls: Option<RawExternalUrls>,
}

impl RawArtist {
    fn into_artist(self) -> Artist {
        Artist {
            url: spotify_url(self.external_urls, "artist", &self.id),
            image_url: largest_image(self.images),
            id: self.id,
            name: self.name,
        }
    }
}

fn spotify_url(urls: Option<RawExternalUrls>, kind: &str, id: &str) -> String {
    urls.and_then(|urls| urls.spotify)
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| format!("https://open.spotify.com/{kind}/{id}"))
}

fn artist_refs(artists: Option<Vec<RawArtistRef>>) -> Vec<ArtistRef> {
    artists
        .unwrap_or_default()
        .into_iter()
        .filter_map(|artist| {
            Some(ArtistRef {
                id: artist.id?,
                name: artist.name.unwrap_or_default(),
            })
        })
        .collect()
}

/// Spotify lists images largest first, but says so nowhere binding; sizes can also be null.
fn largest_image(images: Option<Vec<RawImage>>) -> Option<String> {
    let images = images.unwrap_or_default();
    let mut best: Option<(u64, String)> = None;
    for image in images.into_iter().filter(|image| !image.url.is_empty()) {
        let area = u64::from(image.width.unwrap_or(0)) * u64::from(image.height.unwrap_or(0));
        if best.as_ref().is_none_or(|(best_area, _)| area > *best_area) {
            best = Some((area, image.url));
        }
    }
    best.map(|(_, url)| url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4aawyAB9vmqN3uQ7FjRGTy";

    #[test]
    fn reads_links_and_uris() {
        let album = Ok(SpotifyRef::Album(ID.to_owned()));
        for input in [
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
            "  https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=AbC123&nd=1 ",
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy/",
            "http://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
            "https://open.spotify.com/intl-de/album/4aawyAB9vmqN3uQ7FjRGTy",
            "https://open.spotify.com/intl-pt-BR/album/4aawyAB9vmqN3uQ7FjRGTy?si=x",
            "https://open.spotify.com/embed/album/4aawyAB9vmqN3uQ7FjRGTy",
            "https://play.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
            "open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
            "HTTPS://OPEN.SPOTIFY.COM/album/4aawyAB9vmqN3uQ7FjRGTy",
            "spotify:album:4aawyAB9vmqN3uQ7FjRGTy",
            "Spotify:Album:4aawyAB9vmqN3uQ7FjRGTy",
        ] {
            assert_eq!(parse_spotify_ref(input), album, "{input}");
        }
        assert_eq!(
            parse_spotify_ref("https://open.spotify.com/track/4aawyAB9vmqN3uQ7FjRGTy?si=1"),
            Ok(SpotifyRef::Track(ID.to_owned()))
        );
        assert_eq!(
            parse_spotify_ref("spotify:playlist:4aawyAB9vmqN3uQ7FjRGTy"),
            Ok(SpotifyRef::Playlist(ID.to_owned()))
        );
        assert_eq!(
            parse_spotify_ref("spotify:user:someone:playlist:4aawyAB9vmqN3uQ7FjRGTy"),
            Ok(SpotifyRef::Playlist(ID.to_owned()))
        );
        assert_eq!(
            parse_spotify_ref(
                "https://open.spotify.com/user/someone/playlist/4aawyAB9vmqN3uQ7FjRGTy"
            ),
            Ok(SpotifyRef::Playlist(ID.to_owned()))
        );
        assert_eq!(
            parse_spotify_ref(
                "https://open.spotify.com/artist/4aawyAB9vmqN3uQ7FjRGTy/discography/all"
            ),
            Ok(SpotifyRef::Artist(ID.to_owned()))
        );
    }

    #[test]
    fn refuses_everything_else_with_a_reason() {
        let cases = [
            (
                "https://spotify.link/AbCdEf",
                "spotify.link short links cannot be read; open it and copy the full link",
            ),
            (
                "spotify.app.link/AbCdEf?_p=1",
                "spotify.link short links cannot be read; open it and copy the full link",
            ),
            (
                "https://open.spotify.com/episode/4aawyAB9vmqN3uQ7FjRGTy",
                "this is a Spotify episode link; paste an album, track, playlist or artist link",
            ),
            (
                "spotify:show:4aawyAB9vmqN3uQ7FjRGTy",
                "this is a Spotify podcast link; paste an album, track, playlist or artist link",
            ),
            (
                "https://open.spotify.com/user/someone",
                "this is a Spotify profile link; paste an album, track, playlist or artist link",
            ),
            (
                "https://music.apple.com/us/album/x/123",
                "not a Spotify link",
            ),
            (
                "https://open.spotify.com.evil.example/album/4aawyAB9vmqN3uQ7FjRGTy",
                "not a Spotify link",
            ),
            (
                "ftp://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
                "not a Spotify link",
            ),
            ("hello world", "not a Spotify link"),
            ("", "paste a Spotify link"),
            (
                "4aawyAB9vmqN3uQ7FjRGTy",
                "paste the whole Spotify link, not only its id",
            ),
            (
                "https://open.spotify.com/",
                "this Spotify link does not point at an album, track, playlist or artist",
            ),
            (
                "https://open.spotify.com/genre/pop",
                "this Spotify link does not point at an album, track, playlist or artist",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_spotify_ref(input),
                Err(expected.to_owned()),
                "{input}"
            );
        }
        for bad_id in [
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGT",
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTyy",
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRG-y",
            "spotify:album:",
            "spotify:track:4aawyAB9vmqN3uQ7FjRGTé",
        ] {
            let error = parse_spotify_ref(bad_id).unwrap_err();
            assert!(error.contains("22 letters and digits"), "{bad_id}: {error}");
        }
    }

    #[test]
    fn albums_are_read_without_optional_fields() {
        let json = r#"{
            "id": "4aawyAB9vmqN3uQ7FjRGTy", "name": "Global Warming", "album_type": "ALBUM",
            "release_date": "2012-11", "artists": [{"id": "0TnOYISbd1XYRBk9myaseg", "name": "Pitbull"}, {"name": "no id"}],
            "images": [
                {"url": "https://i.scdn.co/small", "width": 64, "height": 64},
                {"url": "https://i.scdn.co/large", "width": 640, "height": 640},
                {"url": "https://i.scdn.co/unsized", "width": null, "height": null}
            ],
            "tracks": {"total": 14}
        }"#;
        let album = serde_json::from_str::<RawAlbum>(json)
            .unwrap()
            .into_album()
            .unwrap();
        assert_eq!(album.album_type, "album");
        assert_eq!(album.release_date_precision, "month");
        assert_eq!(album.total_tracks, 14);
        assert_eq!(album.upc, None);
        assert_eq!(album.image_url.as_deref(), Some("https://i.scdn.co/large"));
        assert_eq!(
            album.url,
            "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"
        );
        assert_eq!(album.artists.len(), 1);

        let playlist: RawPlaylist = serde_json::from_str(
            r#"{"id": "37i9dQZF1DXcBWIGoYBM5M", "name": "Hits", "images": null, "owner": {"id": "someone", "display_name": null}}"#,
        )
        .unwrap();
        let playlist = playlist.into_playlist();
        assert_eq!(playlist.image_url, None);
        assert_eq!(playlist.owner_name.as_deref(), Some("someone"));
    }
}
