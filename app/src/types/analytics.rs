//! Analytics as the dashboard sees it: the dimensions events are broken down by, and the report of a date range.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What a breakdown groups events by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Service,
    Referrer,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmContent,
    UtmTerm,
    Country,
    Device,
    Browser,
    Os,
    Locale,
}

impl Dimension {
    pub const ALL: [Dimension; 12] = [
        Dimension::Service,
        Dimension::Referrer,
        Dimension::UtmSource,
        Dimension::UtmMedium,
        Dimension::UtmCampaign,
        Dimension::UtmContent,
        Dimension::UtmTerm,
        Dimension::Country,
        Dimension::Device,
        Dimension::Browser,
        Dimension::Os,
        Dimension::Locale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Service => "service",
            Dimension::Referrer => "referrer",
            Dimension::UtmSource => "utm_source",
            Dimension::UtmMedium => "utm_medium",
            Dimension::UtmCampaign => "utm_campaign",
            Dimension::UtmContent => "utm_content",
            Dimension::UtmTerm => "utm_term",
            Dimension::Country => "country",
            Dimension::Device => "device",
            Dimension::Browser => "browser",
            Dimension::Os => "os",
            Dimension::Locale => "locale",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Service => "Service",
            Dimension::Referrer => "Referrer",
            Dimension::UtmSource => "UTM source",
            Dimension::UtmMedium => "UTM medium",
            Dimension::UtmCampaign => "UTM campaign",
            Dimension::UtmContent => "UTM content",
            Dimension::UtmTerm => "UTM term",
            Dimension::Country => "Country",
            Dimension::Device => "Device",
            Dimension::Browser => "Browser",
            Dimension::Os => "Operating system",
            Dimension::Locale => "Locale",
        }
    }

    /// How an empty value reads: no referrer is a direct visit, the rest is unknown.
    pub fn empty_label(self) -> &'static str {
        match self {
            Dimension::Referrer => "Direct or app",
            Dimension::UtmSource
            | Dimension::UtmMedium
            | Dimension::UtmCampaign
            | Dimension::UtmContent
            | Dimension::UtmTerm => "Not tagged",
            _ => "Unknown",
        }
    }
}

impl FromStr for Dimension {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown dimension {s:?}"))
    }
}

/// The headline numbers of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatCards {
    pub visits: u64,
    pub unique_visitors: u64,
    pub click_outs: u64,
    /// Click-outs ÷ visits, 0 when there were no visits.
    pub click_through_rate: f64,
    pub custom_clicks: u64,
    pub shares: u64,
    pub video_plays: u64,
    pub pre_saves: u64,
    pub library_adds: u64,
    pub follows: u64,
    /// A visitor's events on one release with no gap over ten minutes.
    pub sessions: u64,
    /// Sessions with an action in them: a click-out, custom link, share, video play, pre-save, add or follow.
    pub engaged_sessions: u64,
    /// Engaged sessions ÷ sessions, 0 when there were none.
    pub engagement_rate: f64,
    /// Requests from bots, link previews and prefetches: counted apart, never as visits or clicks.
    pub filtered: u64,
}

/// One day of the time series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub day: NaiveDate,
    pub visits: u64,
    pub click_outs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakdownRow {
    /// The stored value; empty for "unknown" (see `Dimension::empty_label`).
    pub value: String,
    pub visits: u64,
    pub click_outs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub rows: Vec<BreakdownRow>,
}

/// One release (or artist page) in a report over several releases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRow {
    pub artist_id: i32,
    /// `None` for the artist's page (the hub), which belongs to no release.
    pub release_id: Option<i32>,
    pub artist: String,
    pub title: String,
    pub visits: u64,
    pub unique_visitors: u64,
    pub click_outs: u64,
    pub click_through_rate: f64,
    pub engagement_rate: f64,
    pub pre_saves: u64,
}

/// One link on a release's page: a streaming service or a custom button.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRow {
    /// What the event rows store: the service key, or `custom:<id>` for a custom button.
    pub key: String,
    pub label: String,
    /// Empty when the link has since been removed.
    pub url: String,
    pub clicks: u64,
    /// This link's clicks ÷ all the release's link clicks.
    pub share_of_clicks: f64,
    /// This link's clicks ÷ the release's visits.
    pub click_through_rate: f64,
}

/// What the analytics page shows for a release (or the whole organization) over `from..=to` (UTC days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cards: StatCards,
    /// The same length of time just before `from`, for comparison.
    pub previous: StatCards,
    pub series: Vec<SeriesPoint>,
    pub breakdowns: Vec<Breakdown>,
    /// Per release, busiest first: for reports over several releases (empty for one release).
    pub releases: Vec<ReleaseRow>,
    /// Per link of the page, busiest first: for a one-release report (empty otherwise).
    pub links: Vec<LinkRow>,
    /// Human visits in the last 30 minutes.
    pub live_visits: u64,
    pub generated_at: DateTime<Utc>,
}
