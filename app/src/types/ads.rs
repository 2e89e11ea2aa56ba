//! What the dashboard shows and sends of an artist's (or a release's) ad pixels and their delivery log. Kept to
//! plain strings and numbers: every type here costs WASM in the dashboard.
use serde::{Deserialize, Serialize};

/// The three platforms, in the order the dashboard shows them: (key, label).
pub const AD_PLATFORMS: [(&str, &str); 3] = [
    ("meta", "Meta (Pixel + Conversions API)"),
    ("tiktok", "TikTok (Pixel + Events API)"),
    ("ga4", "Google Analytics 4 (gtag + Measurement Protocol)"),
];

/// One platform's setting. For a release, `mode` says whether it uses the artist's setting (`inherit`), its own
/// (`on`) or none (`off`); an artist's setting is `on` or `off`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelSetting {
    pub platform: String,
    pub mode: String,
    /// Meta pixel id, TikTok pixel code or GA4 measurement id: public, it is in the page.
    pub pixel_id: String,
    /// The server-side secret is never sent to a browser; only whether one is stored.
    pub has_secret: bool,
    pub test_event_code: String,
    /// For a release: what the artist's setting is, e.g. "pixel 1234 (server events on)", or "none".
    pub inherited: String,
}

/// A change to one platform's setting. An empty `secret` keeps the stored one; `clear_secret` removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelDraft {
    pub platform: String,
    pub mode: String,
    pub pixel_id: String,
    pub secret: String,
    pub clear_secret: bool,
    pub test_event_code: String,
}

/// One server-side event in the delivery log, as one line ("2026-11-23 14:05:09 UTC · Meta Lead · sent · 1 attempt ·
/// 3 events received · event id …"): one string is less WASM than a table's worth of fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLogRow {
    /// queued, sent, failed or dropped
    pub status: String,
    pub line: String,
    pub test: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdTrackingData {
    pub artist_id: i32,
    pub release_id: Option<i32>,
    /// "Aurora Vale" or "Midnight Signal by Aurora Vale".
    pub subject: String,
    pub pixels: Vec<PixelSetting>,
    pub can_edit: bool,
    /// The organization asks fans for consent before any pixel or server event (the default).
    pub consent_required: bool,
    /// Only organization admins may change that.
    pub can_change_consent: bool,
    /// Counts over the log's subject: queued, sent, failed, dropped, retried (sent after more than one attempt).
    pub counts: [u64; 5],
    pub log: Vec<DeliveryLogRow>,
    /// Events go to the sandbox's local fake platforms, not the real ones.
    pub sandbox: bool,
    /// What the last request did, when there is something to say (a test event's answer).
    pub notice: Option<String>,
}
