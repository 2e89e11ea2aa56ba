//! What the release and artist editors load and save. Dates and times travel as the text the form shows, in the
//! release's own time zone; the server converts them, so the time-zone database stays out of the WASM bundle.
use super::{Access, ReleaseKind, ReleaseMode, ReleaseStatus, StreamingService};
use serde::{Deserialize, Serialize};

/// A release as the editor shows and saves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDraft {
    pub id: i32,
    /// The version this draft was loaded at; a save naming an older one is refused.
    pub version: i32,
    pub title: String,
    pub slug: String,
    pub kind: ReleaseKind,
    /// Empty: no artwork.
    pub artwork_url: String,
    /// `YYYY-MM-DD`; empty: no release date (a smart link from the start).
    pub release_date: String,
    /// `HH:MM`, in `time_zone`.
    pub release_time: String,
    pub time_zone: String,
    pub release_mode: ReleaseMode,
    /// A theme key; empty: the artist's default.
    pub theme: String,
    pub video_url: String,
    /// What the share button offers; empty: "<title> by <artist>".
    pub share_text: String,
    /// In display order.
    pub links: Vec<DraftLink>,
    /// Services the editor removed. Only these are deleted: a link that a background lookup added after the
    /// draft was loaded is kept (after the draft's links), not lost to a save that never saw it.
    #[serde(default)]
    pub removed_services: Vec<StreamingService>,
    pub custom_links: Vec<DraftCustomLink>,
    /// A pre-save also follows the artist on Spotify.
    #[serde(default = "yes")]
    pub presave_follow_artist: bool,
    /// Up to three more Spotify artists, users or playlists a pre-save follows (links or URIs).
    #[serde(default)]
    pub presave_follows: Vec<String>,
    /// The pre-save form asks for an email, with a consent box.
    #[serde(default)]
    pub presave_ask_email: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLink {
    pub service: StreamingService,
    pub url: String,
    pub hidden: bool,
    pub show_before_release: bool,
    /// Countries where Odesli found a different link (shown, not edited here).
    pub country_variants: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCustomLink {
    /// Kept across saves so a button's click counts stay with it; `None` for a new button.
    pub id: Option<i32>,
    pub label: String,
    pub url: String,
}

/// Progress of the background lookups that fill in a release's links on other services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkLookupProgress {
    pub done: u32,
    pub total: u32,
    pub failed: u32,
}

impl LinkLookupProgress {
    pub fn running(&self) -> bool {
        self.done + self.failed < self.total
    }
}

/// Everything the release editor page needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseEditorData {
    pub draft: ReleaseDraft,
    pub status: ReleaseStatus,
    pub artist_id: i32,
    pub artist_name: String,
    pub artist_slug: String,
    pub fan_path: String,
    pub access: Access,
    /// "Saved by Ana, Sun 22 Nov 2026, 10:04 UTC".
    pub last_saved: String,
    /// Theme keys and labels.
    pub themes: Vec<(String, String)>,
    pub lookups: LinkLookupProgress,
    /// Last lookup failures, newest first: "DE: Odesli is unavailable: …".
    pub lookup_errors: Vec<String>,
    /// The release's pre-saves as the page was loaded (the panel keeps them current).
    pub presaves: crate::types::presave::PresaveReport,
    /// The organization's platform rules: the editor offers only the services they admit.
    pub rules: crate::types::PlatformRulesForm,
    /// Whether publishing is allowed, and if not, why and what to do.
    pub publishing: crate::types::PublishCheck,
}

/// An artist as the profile and hub editor shows and saves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistDraft {
    pub id: i32,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub profile_links: Vec<ProfileLinkDraft>,
    pub theme: String,
    /// `by_country` or `fixed`.
    pub service_order: String,
    /// Publish releases an import finds, instead of leaving them as drafts.
    pub auto_publish_imports: bool,
    /// `https://open.spotify.com/artist/…`, or empty.
    pub spotify_artist: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileLinkDraft {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistEditorData {
    pub draft: ArtistDraft,
    pub access: Access,
    pub hub_path: String,
    pub themes: Vec<(String, String)>,
    pub import: Option<ImportProgress>,
    /// Whether this server can reach Spotify (credentials or the sandbox).
    pub spotify_configured: bool,
    /// "sandbox" or "spotify".
    pub spotify_mode: String,
}

/// An artist import as its progress bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub id: i32,
    /// queued, running, done, failed
    pub status: String,
    pub found: u32,
    pub added: u32,
    pub existing: u32,
    pub lookups: LinkLookupProgress,
    pub error: Option<String>,
}

impl ImportProgress {
    /// Discography listed and every new release's links looked up (or given up on).
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "done" | "failed") && !self.lookups.running()
    }

    /// 0–100: releases handled, then their link lookups.
    pub fn percent(&self) -> u32 {
        let steps = self.found + self.lookups.total;
        if self.status == "failed" || (steps == 0 && self.status == "done") {
            return 100;
        }
        if steps == 0 {
            return 0;
        }
        let done = self.added + self.existing + self.lookups.done + self.lookups.failed;
        (done * 100 / steps).min(100)
    }
}

/// An artist in the dashboard's artist list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistSummary {
    pub id: i32,
    pub name: String,
    pub slug: String,
    pub access: Access,
    pub releases: u32,
}
