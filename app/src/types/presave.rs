//! What the dashboard shows of a release's pre-saves.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresaveReport {
    pub queued: u64,
    /// Handed to Spotify, answer not recorded yet.
    pub sending: u64,
    pub delivered: u64,
    /// The release is not on Spotify yet; retried hourly for a week.
    pub pending_source: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// The latest failures: "<fan's Spotify name>: <reason>" (plain strings keep the dashboard's WASM small).
    pub failures: Vec<String>,
    /// Fans who left their email on this release's page.
    pub email_opt_ins: u64,
    /// Which Spotify delivers: "Spotify" or "the sandbox's fake Spotify", and its API mode; empty when none is
    /// configured.
    pub spotify: String,
}

impl PresaveReport {
    /// Pre-saves that count: everything not taken back.
    pub fn total(&self) -> u64 {
        self.queued + self.sending + self.delivered + self.pending_source + self.failed
    }

    /// Delivered or finally failed, out of the total.
    pub fn done(&self) -> u64 {
        self.delivered + self.failed
    }

    /// Whether a delivery run is going on: some done, some still open and due.
    pub fn in_progress(&self) -> bool {
        self.sending > 0 || (self.done() > 0 && self.queued > 0)
    }
}
