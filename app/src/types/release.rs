//! Releases as the dashboard and fan pages see them.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    Album,
    Single,
    Ep,
    Compilation,
    Playlist,
}

impl ReleaseKind {
    pub const ALL: [ReleaseKind; 5] = [
        ReleaseKind::Album,
        ReleaseKind::Single,
        ReleaseKind::Ep,
        ReleaseKind::Compilation,
        ReleaseKind::Playlist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Album => "album",
            ReleaseKind::Single => "single",
            ReleaseKind::Ep => "ep",
            ReleaseKind::Compilation => "compilation",
            ReleaseKind::Playlist => "playlist",
        }
    }

    /// How the kind is written for people ("EP", not "ep").
    pub fn label(self) -> &'static str {
        match self {
            ReleaseKind::Album => "Album",
            ReleaseKind::Single => "Single",
            ReleaseKind::Ep => "EP",
            ReleaseKind::Compilation => "Compilation",
            ReleaseKind::Playlist => "Playlist",
        }
    }
}

impl FromStr for ReleaseKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReleaseKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown release kind {s:?}"))
    }
}

impl fmt::Display for ReleaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    Draft,
    Published,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Draft => "draft",
            ReleaseStatus::Published => "published",
        }
    }
}

impl FromStr for ReleaseStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(ReleaseStatus::Draft),
            "published" => Ok(ReleaseStatus::Published),
            other => Err(format!("unknown release status {other:?}")),
        }
    }
}

/// How a release moment is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseMode {
    /// One instant everywhere: the date-time chosen in the release's time zone.
    #[default]
    Fixed,
    /// 00:00 of the release date in each fan's own country, the way Spotify releases.
    LocalMidnight,
}

impl ReleaseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseMode::Fixed => "fixed",
            ReleaseMode::LocalMidnight => "local_midnight",
        }
    }
}

impl FromStr for ReleaseMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fixed" => Ok(ReleaseMode::Fixed),
            "local_midnight" => Ok(ReleaseMode::LocalMidnight),
            other => Err(format!("unknown release mode {other:?}")),
        }
    }
}

/// Where a release stands relative to its release moment: before it, the link is a pre-save page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleasePhase {
    Upcoming,
    OutNow,
}

impl ReleasePhase {
    /// A release without a date is treated as out: it can only be a smart link.
    pub fn at(release_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match release_at {
            Some(moment) if moment > now => ReleasePhase::Upcoming,
            _ => ReleasePhase::OutNow,
        }
    }
}

/// Which releases the dashboard list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseFilter {
    #[default]
    All,
    Upcoming,
    OutNow,
}

impl ReleaseFilter {
    pub fn admits(self, phase: ReleasePhase) -> bool {
        match self {
            ReleaseFilter::All => true,
            ReleaseFilter::Upcoming => phase == ReleasePhase::Upcoming,
            ReleaseFilter::OutNow => phase == ReleasePhase::OutNow,
        }
    }
}

/// One row of the dashboard's release list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSummary {
    pub id: i32,
    pub title: String,
    pub kind: ReleaseKind,
    pub status: ReleaseStatus,
    pub artist_name: String,
    pub release_at: Option<DateTime<Utc>>,
    pub time_zone: String,
    /// The release moment as people read it, in the release's own time zone (formatted on the server, so the
    /// time-zone database stays out of the WASM bundle).
    pub release_label: String,
    pub phase: ReleasePhase,
    pub service_count: u32,
    /// The fan page's path, `/{artist}/{release}`.
    pub fan_path: String,
    pub artist_id: i32,
    /// What the dashboard's caller may do with it (filled in per caller).
    pub access: Option<crate::types::Access>,
}
