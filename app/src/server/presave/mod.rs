//! Spotify pre-saves: the fan's authorization (OAuth code + PKCE, kept server-side so it can finish in another
//! browser), their tokens sealed at rest, and delivery of library adds and follows at the release moment through a
//! durable queue in the database.
//!
//! - `logins`: starting and finishing an authorization, and what a finished one records.
//! - `fans`: fans, their sealed tokens, their sessions on "my pre-saves", cancelling and disconnecting.
//! - `delivery`: the queue worker's rounds (claim fans, refresh, save, record), exactly once across crashes and
//!   instances.
//! - `report`: what the dashboard shows per release, and the email opt-in export.
pub mod delivery;
pub mod fans;
pub mod logins;
pub mod report;
pub mod spotify_user;

use crate::server::entities::{artists, releases};
use crate::server::sealed::TokenKeys;
use spotify_user::{SpotifyItem, SpotifyUser};
use std::sync::Arc;
use std::time::Duration;

/// A pre-save's status in the queue.
pub mod status {
    /// Waiting for its moment (or for a retry).
    pub const QUEUED: &str = "queued";
    /// Handed to Spotify by a worker that has not recorded the answer yet. Found like this after a crash, it is
    /// checked against the fan's library before anything is sent again.
    pub const SENDING: &str = "sending";
    pub const DELIVERED: &str = "delivered";
    /// The release is not on Spotify yet (no Spotify id, or Spotify does not know it); retried for days.
    pub const PENDING_SOURCE: &str = "pending_source";
    pub const FAILED: &str = "failed";
    /// The fan took it back.
    pub const CANCELLED: &str = "cancelled";
    /// Still to be delivered: what a worker may pick up.
    pub const OPEN: [&str; 3] = [QUEUED, SENDING, PENDING_SOURCE];
}

/// Where a pre-save came from.
pub mod origin {
    /// The fan pre-saved before the release.
    pub const PRESAVE: &str = "presave";
    /// Queued for a fan who opted in to every future release of the artist.
    pub const FOREVER: &str = "forever";
    /// "Save on Spotify" after the release: delivered at once.
    pub const SAVE: &str = "save";
}

/// How many other Spotify entities a release may ask fans to follow, besides the artist.
pub const MAX_EXTRA_FOLLOWS: usize = 3;

/// The pre-save service as configured: the Spotify client (real or sandbox), the sealing keys and the delivery pace.
#[derive(Clone)]
pub struct Presaves {
    pub spotify: SpotifyUser,
    pub keys: Arc<TokenKeys>,
    /// The local fake Spotify stands in for the real one (the dashboard says so).
    pub sandbox: bool,
    pub delivery: DeliverySettings,
}

impl std::fmt::Debug for Presaves {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presaves")
            .field("sandbox", &self.sandbox)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

impl Presaves {
    /// The origin of Spotify's login page (`https://accounts.spotify.com`), for the fan page's `form-action`.
    pub fn accounts_origin(&self) -> String {
        let accounts = &self.spotify.config().accounts_url;
        url::Url::parse(accounts)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_else(|_| accounts.clone())
    }

    /// Which Spotify this is, for the dashboard.
    pub fn describe(&self) -> String {
        let mode = match self.spotify.config().library_api {
            spotify_user::LibraryApi::Unified => "PUT /me/library",
            spotify_user::LibraryApi::TypeSpecific => "type-specific endpoints",
        };
        if self.sandbox {
            format!("the sandbox's fake Spotify ({mode}); set DROPDAY_SPOTIFY_CLIENT_ID for the real one")
        } else {
            format!("Spotify ({mode})")
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Web API requests per second for all instances together; each instance takes its share.
    pub requests_per_second: f64,
    /// How long a worker holds the fans it claimed; after a crash, their pre-saves wait this long.
    pub lease: Duration,
    /// Fans claimed per round.
    pub fans_per_round: usize,
    /// Fans worked on at once within a round (requests still keep to the rate).
    pub concurrency: usize,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            requests_per_second: 5.0,
            lease: Duration::from_secs(60),
            fans_per_round: 200,
            concurrency: 32,
        }
    }
}

/// What the release itself is on Spotify: its album or track, from the Spotify id an import stored or the Spotify
/// link someone set. `None`: not on Spotify (yet).
pub fn release_item(release: &releases::Model, spotify_link: Option<&str>) -> Option<SpotifyItem> {
    release
        .spotify_id
        .as_deref()
        .and_then(SpotifyItem::parse)
        .or_else(|| spotify_link.and_then(SpotifyItem::parse))
        .filter(|item| matches!(item, SpotifyItem::Album(_) | SpotifyItem::Track(_)))
}

/// What a pre-save of this release follows: the artist (when the release asks and the artist is on Spotify) and
/// the release's extra follows.
pub fn release_follows(release: &releases::Model, artist: &artists::Model) -> Vec<SpotifyItem> {
    let mut follows = Vec::new();
    if release.presave_follow_artist {
        if let Some(id) = &artist.spotify_artist_id {
            follows.push(SpotifyItem::Artist(id.clone()));
        }
    }
    for item in parse_follows(&release.presave_follows) {
        if !follows.contains(&item) {
            follows.push(item);
        }
    }
    follows
}

/// A stored JSON array of Spotify URIs; anything unreadable is skipped.
pub fn parse_follows(json: &str) -> Vec<SpotifyItem> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|uri| SpotifyItem::parse(uri))
        .collect()
}

pub fn follows_json(items: &[SpotifyItem]) -> String {
    serde_json::to_string(&items.iter().map(SpotifyItem::uri).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_owned())
}

/// Validates what an editor entered as extra follows: at most three Spotify artists, users or playlists.
pub fn clean_extra_follows(entries: &[String]) -> Result<Vec<SpotifyItem>, String> {
    let mut items = Vec::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let item = SpotifyItem::parse(entry).ok_or_else(|| {
            format!("Follows: {entry:?} is not a Spotify artist, user or playlist link")
        })?;
        if !matches!(
            item,
            SpotifyItem::Artist(_) | SpotifyItem::User(_) | SpotifyItem::Playlist(_)
        ) {
            return Err(format!(
                "Follows: {entry:?} is a {}; fans can follow artists, users and playlists",
                item.kind_label()
            ));
        }
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.len() > MAX_EXTRA_FOLLOWS {
        return Err(format!(
            "Follows: at most {MAX_EXTRA_FOLLOWS} besides the artist"
        ));
    }
    Ok(items)
}
