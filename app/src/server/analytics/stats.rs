//! The numbers the dashboard shows, read from the rollups for the rolled-up past and from raw events for the few
//! hours since, so a report is both fast and current.
use super::rollups::{self, FILTERED_KIND};
use super::sessions::{OpenSessions, SessionCounts, ENGAGED_KIND, SESSION_KIND};
use super::TOTAL;
use crate::server::entities::{event_rollups, events, visitor_rollups};
use crate::types::{
    AppError, Breakdown, BreakdownRow, Dimension, LinkRow, ReleaseRow, SeriesPoint, StatCards,
    StreamingService,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::collections::{BTreeMap, HashMap};

/// Whose numbers: one release, or every event (hubs included) of some artists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Release { artist_id: i32, release_id: i32 },
    Artists(Vec<i32>),
}

impl Target {
    fn admits(&self, artist_id: i32, release_id: Option<i32>) -> bool {
        match self {
            Target::Release { release_id: id, .. } => release_id == Some(*id),
            Target::Artists(ids) => ids.contains(&artist_id),
        }
    }

    fn rollup_condition(&self) -> Condition {
        match self {
            Target::Release { release_id, .. } => {
                Condition::all().add(event_rollups::Column::ReleaseId.eq(*release_id))
            }
            Target::Artists(ids) => {
                Condition::all().add(event_rollups::Column::ArtistId.is_in(ids.clone()))
            }
        }
    }

    fn visitor_condition(&self) -> Condition {
        match self {
            Target::Release { release_id, .. } => {
                Condition::all().add(visitor_rollups::Column::ReleaseId.eq(*release_id))
            }
            Target::Artists(ids) => {
                Condition::all().add(visitor_rollups::Column::ArtistId.is_in(ids.clone()))
            }
        }
    }

    fn event_condition(&self) -> Condition {
        match self {
            Target::Release { release_id, .. } => {
                Condition::all().add(events::Column::ReleaseId.eq(*release_id))
            }
            Target::Artists(ids) => {
                Condition::all().add(events::Column::ArtistId.is_in(ids.clone()))
            }
        }
    }
}

/// A span of whole UTC days, `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Days {
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_time(NaiveTime::MIN).and_utc()
    }

    pub fn end(&self) -> DateTime<Utc> {
        (self.to + Duration::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc()
    }

    pub fn count(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The same number of days just before.
    pub fn previous(&self) -> Days {
        Days {
            from: self.from - Duration::days(self.count()),
            to: self.from - Duration::days(1),
        }
    }
}

/// SUM as BIGINT: PostgreSQL sums bigints into NUMERIC, which does not decode as an i64.
fn sum_bigint(column: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col(column).sum().cast_as("BIGINT")
}

/// Counts per (kind, value) over `days` for `dimension` (`None`: totals).
async fn counts(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    dimension: Option<Dimension>,
    now: DateTime<Utc>,
) -> Result<HashMap<(String, String), u64>, AppError> {
    let done = rollups::done_until(db).await?.unwrap_or(days.start());
    let rolled_end = done.min(days.end());
    let mut totals: HashMap<(String, String), u64> = HashMap::new();
    if days.start() < rolled_end {
        let rows: Vec<(String, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::Kind)
            .column(event_rollups::Column::Value)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.rollup_condition())
            .filter(event_rollups::Column::Dimension.eq(dimension.map_or(TOTAL, Dimension::as_str)))
            .filter(event_rollups::Column::HourStart.gte(days.start()))
            .filter(event_rollups::Column::HourStart.lt(rolled_end))
            .group_by(event_rollups::Column::Kind)
            .group_by(event_rollups::Column::Value)
            .into_tuple()
            .all(db)
            .await?;
        for (kind, value, sum) in rows {
            *totals.entry((kind, value)).or_default() += sum.unwrap_or(0).max(0) as u64;
        }
    }
    // The hours since the last rollup, straight from the events.
    let tail_start = done.max(days.start());
    let tail_end = days.end().min(now + Duration::seconds(1));
    if tail_start < tail_end {
        for (artist_id, release_id, kind, value, count) in
            rollups::count_events(db, tail_start, tail_end, dimension).await?
        {
            if target.admits(artist_id, release_id) {
                *totals.entry((kind, value.unwrap_or_default())).or_default() +=
                    count.max(0) as u64;
            }
        }
        if dimension.is_none() {
            for (_, (started, engaged)) in
                tail_sessions(db, target, done, tail_start, tail_end).await?
            {
                *totals
                    .entry((SESSION_KIND.to_owned(), String::new()))
                    .or_default() += started;
                *totals
                    .entry((ENGAGED_KIND.to_owned(), String::new()))
                    .or_default() += engaged;
            }
            let bots = events::Entity::find()
                .filter(target.event_condition())
                .filter(events::Column::OccurredAt.gte(tail_start))
                .filter(events::Column::OccurredAt.lt(tail_end))
                .filter(events::Column::IsBot.eq(true))
                .count(db)
                .await?;
            *totals
                .entry((FILTERED_KIND.to_owned(), String::new()))
                .or_default() += bots;
        }
    }
    Ok(totals)
}

/// Sessions of `target` started (and engaged) in `from..to`, continuing the sessions the rollups left open at
/// `done`.
async fn tail_sessions(
    db: &impl ConnectionTrait,
    target: &Target,
    done: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<SessionCounts, AppError> {
    let mut open = OpenSessions::load(db).await?;
    let mut sessions = open.walk(db, done, to, from).await?;
    sessions.retain(|(artist_id, release_id), _| {
        target.admits(*artist_id, Some(*release_id).filter(|id| *id != 0))
    });
    Ok(sessions)
}

/// The days of `days` the rollups cover (as `YYYY-MM-DD`), and the days still to be read from raw events.
fn split_days(done: Option<DateTime<Utc>>, days: Days) -> (Vec<String>, Vec<NaiveDate>) {
    let mut rolled_days = Vec::new();
    let mut raw_days = Vec::new();
    let mut day = days.from;
    while day <= days.to {
        let day_end = (day + Duration::days(1)).and_time(NaiveTime::MIN).and_utc();
        if done.is_some_and(|done| done >= day_end) {
            rolled_days.push(day.format("%Y-%m-%d").to_string());
        } else {
            raw_days.push(day);
        }
        day += Duration::days(1);
    }
    (rolled_days, raw_days)
}

/// Unique visitors per value over `days`: daily uniques summed (hashes change every day by design).
async fn visitors(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    dimension: Option<Dimension>,
) -> Result<HashMap<String, u64>, AppError> {
    let (rolled_days, raw_days) = split_days(rollups::done_until(db).await?, days);
    let mut totals: HashMap<String, u64> = HashMap::new();
    if !rolled_days.is_empty() {
        let rows: Vec<(String, Option<i64>)> = visitor_rollups::Entity::find()
            .select_only()
            .column(visitor_rollups::Column::Value)
            .column_as(sum_bigint(visitor_rollups::Column::Visitors), "visitors")
            .filter(target.visitor_condition())
            .filter(
                visitor_rollups::Column::Dimension.eq(dimension.map_or(TOTAL, Dimension::as_str)),
            )
            .filter(visitor_rollups::Column::Day.is_in(rolled_days))
            .group_by(visitor_rollups::Column::Value)
            .into_tuple()
            .all(db)
            .await?;
        for (value, sum) in rows {
            *totals.entry(value).or_default() += sum.unwrap_or(0).max(0) as u64;
        }
    }
    for day in raw_days {
        let start = day.and_time(NaiveTime::MIN).and_utc();
        for (artist_id, release_id, value, count) in
            rollups::count_visitors(db, start, start + Duration::days(1), dimension).await?
        {
            if target.admits(artist_id, release_id) {
                *totals.entry(value.unwrap_or_default()).or_default() += count.max(0) as u64;
            }
        }
    }
    Ok(totals)
}

fn kind_total(counts: &HashMap<(String, String), u64>, kind: &str) -> u64 {
    counts
        .iter()
        .filter(|((k, _), _)| k == kind)
        .map(|(_, n)| *n)
        .sum()
}

pub async fn cards(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
) -> Result<StatCards, AppError> {
    let counts = counts(db, target, days, None, now).await?;
    let visitors = visitors(db, target, days, None).await?;
    let visits = kind_total(&counts, "page_view");
    let click_outs = kind_total(&counts, "click_out");
    let sessions = kind_total(&counts, SESSION_KIND);
    let engaged_sessions = kind_total(&counts, ENGAGED_KIND);
    Ok(StatCards {
        visits,
        unique_visitors: visitors.values().sum(),
        click_outs,
        click_through_rate: if visits == 0 {
            0.0
        } else {
            click_outs as f64 / visits as f64
        },
        custom_clicks: kind_total(&counts, "custom_click"),
        shares: kind_total(&counts, "share"),
        video_plays: kind_total(&counts, "video_play"),
        pre_saves: kind_total(&counts, "pre_save"),
        library_adds: kind_total(&counts, "library_add"),
        follows: kind_total(&counts, "follow"),
        sessions,
        engaged_sessions,
        // A session counts where it starts, its engagement where the action is: a range can cut between them.
        engagement_rate: if sessions == 0 {
            0.0
        } else {
            engaged_sessions.min(sessions) as f64 / sessions as f64
        },
        filtered: kind_total(&counts, FILTERED_KIND),
    })
}

/// Visits and click-outs per day of `days`.
pub async fn series(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
) -> Result<Vec<SeriesPoint>, AppError> {
    let mut points: BTreeMap<NaiveDate, SeriesPoint> = BTreeMap::new();
    let mut day = days.from;
    while day <= days.to {
        points.insert(
            day,
            SeriesPoint {
                day,
                visits: 0,
                click_outs: 0,
            },
        );
        day += Duration::days(1);
    }
    let done = rollups::done_until(db).await?.unwrap_or(days.start());
    let rolled_end = done.min(days.end());
    let mut add = |at: DateTime<Utc>, kind: &str, count: u64| {
        if let Some(point) = points.get_mut(&at.date_naive()) {
            match kind {
                "page_view" => point.visits += count,
                "click_out" => point.click_outs += count,
                _ => {}
            }
        }
    };
    if days.start() < rolled_end {
        let rows: Vec<(DateTime<Utc>, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::HourStart)
            .column(event_rollups::Column::Kind)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.rollup_condition())
            .filter(event_rollups::Column::Dimension.eq(TOTAL))
            .filter(event_rollups::Column::Kind.is_in(["page_view", "click_out"]))
            .filter(event_rollups::Column::HourStart.gte(days.start()))
            .filter(event_rollups::Column::HourStart.lt(rolled_end))
            .group_by(event_rollups::Column::HourStart)
            .group_by(event_rollups::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
        for (hour, kind, sum) in rows {
            add(hour, &kind, sum.unwrap_or(0).max(0) as u64);
        }
    }
    let mut hour = done.max(days.start());
    let tail_end = days.end().min(now + Duration::seconds(1));
    while hour < tail_end {
        let next = (rollups::floor_hour(hour) + Duration::hours(1)).min(tail_end);
        for (artist_id, release_id, kind, _, count) in
            rollups::count_events(db, hour, next, None).await?
        {
            if target.admits(artist_id, release_id) {
                add(hour, &kind, count.max(0) as u64);
            }
        }
        hour = next;
    }
    Ok(points.into_values().collect())
}

/// The top values of `dimension` by visits and click-outs.
pub async fn breakdown(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    dimension: Dimension,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Breakdown, AppError> {
    let counts = counts(db, target, days, Some(dimension), now).await?;
    let mut rows: BTreeMap<String, BreakdownRow> = BTreeMap::new();
    for ((kind, value), count) in counts {
        let row = rows.entry(value.clone()).or_insert(BreakdownRow {
            value,
            visits: 0,
            click_outs: 0,
        });
        match kind.as_str() {
            "page_view" => row.visits += count,
            "click_out" => row.click_outs += count,
            _ => {}
        }
    }
    let mut rows: Vec<BreakdownRow> = rows
        .into_values()
        .filter(|row| row.visits + row.click_outs > 0)
        // Visits have no service; the service breakdown is about where clicks went.
        .filter(|row| dimension != Dimension::Service || !row.value.is_empty())
        .collect();
    rows.sort_by(|a, b| {
        (b.visits + b.click_outs)
            .cmp(&(a.visits + a.click_outs))
            .then_with(|| a.value.cmp(&b.value))
    });
    rows.truncate(limit);
    Ok(Breakdown { dimension, rows })
}

/// (artist, release id; 0 for the artist's page).
type ReleaseKey = (i32, i32);

/// Event counts per release and kind over `days` (sessions included).
async fn totals_by_release(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
) -> Result<HashMap<ReleaseKey, HashMap<String, u64>>, AppError> {
    let done = rollups::done_until(db).await?.unwrap_or(days.start());
    let rolled_end = done.min(days.end());
    let mut totals: HashMap<ReleaseKey, HashMap<String, u64>> = HashMap::new();
    let mut add = |key: ReleaseKey, kind: &str, count: u64| {
        *totals
            .entry(key)
            .or_default()
            .entry(kind.to_owned())
            .or_default() += count;
    };
    if days.start() < rolled_end {
        let rows: Vec<(i32, i32, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::ArtistId)
            .column(event_rollups::Column::ReleaseId)
            .column(event_rollups::Column::Kind)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.rollup_condition())
            .filter(event_rollups::Column::Dimension.eq(TOTAL))
            .filter(event_rollups::Column::HourStart.gte(days.start()))
            .filter(event_rollups::Column::HourStart.lt(rolled_end))
            .group_by(event_rollups::Column::ArtistId)
            .group_by(event_rollups::Column::ReleaseId)
            .group_by(event_rollups::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
        for (artist_id, release_id, kind, sum) in rows {
            add(
                (artist_id, release_id),
                &kind,
                sum.unwrap_or(0).max(0) as u64,
            );
        }
    }
    let tail_start = done.max(days.start());
    let tail_end = days.end().min(now + Duration::seconds(1));
    if tail_start < tail_end {
        for (artist_id, release_id, kind, _, count) in
            rollups::count_events(db, tail_start, tail_end, None).await?
        {
            if target.admits(artist_id, release_id) {
                add(
                    (artist_id, release_id.unwrap_or(0)),
                    &kind,
                    count.max(0) as u64,
                );
            }
        }
        for (key, (started, engaged)) in
            tail_sessions(db, target, done, tail_start, tail_end).await?
        {
            add(key, SESSION_KIND, started);
            add(key, ENGAGED_KIND, engaged);
        }
    }
    Ok(totals)
}

/// Unique visitors per release over `days` (daily uniques summed).
async fn visitors_by_release(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
) -> Result<HashMap<ReleaseKey, u64>, AppError> {
    let (rolled_days, raw_days) = split_days(rollups::done_until(db).await?, days);
    let mut totals: HashMap<ReleaseKey, u64> = HashMap::new();
    if !rolled_days.is_empty() {
        let rows: Vec<(i32, i32, Option<i64>)> = visitor_rollups::Entity::find()
            .select_only()
            .column(visitor_rollups::Column::ArtistId)
            .column(visitor_rollups::Column::ReleaseId)
            .column_as(sum_bigint(visitor_rollups::Column::Visitors), "visitors")
            .filter(target.visitor_condition())
            .filter(visitor_rollups::Column::Dimension.eq(TOTAL))
            .filter(visitor_rollups::Column::Day.is_in(rolled_days))
            .group_by(visitor_rollups::Column::ArtistId)
            .group_by(visitor_rollups::Column::ReleaseId)
            .into_tuple()
            .all(db)
            .await?;
        for (artist_id, release_id, sum) in rows {
            *totals.entry((artist_id, release_id)).or_default() += sum.unwrap_or(0).max(0) as u64;
        }
    }
    for day in raw_days {
        let start = day.and_time(NaiveTime::MIN).and_utc();
        for (artist_id, release_id, _, count) in
            rollups::count_visitors(db, start, start + Duration::days(1), None).await?
        {
            if target.admits(artist_id, release_id) {
                *totals
                    .entry((artist_id, release_id.unwrap_or(0)))
                    .or_default() += count.max(0) as u64;
            }
        }
    }
    Ok(totals)
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part.min(whole) as f64 / whole as f64
    }
}

/// Every release (and artist page) of a several-release `target` with visits or clicks in `days`, busiest first.
pub async fn releases_table(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
) -> Result<Vec<ReleaseRow>, AppError> {
    use crate::server::entities::{artists, releases};
    let Target::Artists(artist_ids) = target else {
        return Ok(Vec::new());
    };
    let totals = totals_by_release(db, target, days, now).await?;
    let visitors = visitors_by_release(db, target, days).await?;
    let release_ids: Vec<i32> = totals
        .keys()
        .map(|(_, id)| *id)
        .filter(|id| *id != 0)
        .collect();
    let titles: HashMap<i32, String> = releases::Entity::find()
        .filter(releases::Column::Id.is_in(release_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|release| (release.id, release.title))
        .collect();
    let names: HashMap<i32, String> = artists::Entity::find()
        .filter(artists::Column::Id.is_in(artist_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|artist| (artist.id, artist.name))
        .collect();
    let mut rows: Vec<ReleaseRow> = totals
        .into_iter()
        .filter_map(|((artist_id, release_id), kinds)| {
            let count = |kind: &str| kinds.get(kind).copied().unwrap_or(0);
            let (visits, click_outs) = (count("page_view"), count("click_out"));
            if visits + click_outs + count("custom_click") + count("pre_save") == 0 {
                return None;
            }
            let title = match release_id {
                0 => "Artist page".to_owned(),
                id => titles
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "Deleted release".to_owned()),
            };
            Some(ReleaseRow {
                artist_id,
                release_id: Some(release_id).filter(|id| *id != 0),
                artist: names.get(&artist_id).cloned().unwrap_or_default(),
                title,
                visits,
                unique_visitors: visitors.get(&(artist_id, release_id)).copied().unwrap_or(0),
                click_outs,
                click_through_rate: ratio(click_outs, visits),
                engagement_rate: ratio(count(ENGAGED_KIND), count(SESSION_KIND)),
                pre_saves: count("pre_save"),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.visits, b.click_outs)
            .cmp(&(a.visits, a.click_outs))
            .then_with(|| (&a.artist, &a.title).cmp(&(&b.artist, &b.title)))
    });
    Ok(rows)
}

/// The key custom-button clicks are stored under (in the events' `service` column).
pub fn custom_link_key(link_id: i32) -> String {
    format!("custom:{link_id}")
}

/// Every link of a one-release `target`, its services and custom buttons, with its clicks over `days`; links
/// removed since still show while they have clicks in the range.
pub async fn links_table(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    visits: u64,
    now: DateTime<Utc>,
) -> Result<Vec<LinkRow>, AppError> {
    use crate::server::entities::{custom_links, release_links};
    use sea_orm::QueryOrder;
    let Target::Release { release_id, .. } = target else {
        return Ok(Vec::new());
    };
    let mut clicks: HashMap<String, u64> = HashMap::new();
    for ((kind, value), count) in counts(db, target, days, Some(Dimension::Service), now).await? {
        if kind == "click_out" || kind == "custom_click" {
            *clicks.entry(value).or_default() += count;
        }
    }
    // (key, label, url) of every current link, in page order.
    let mut links: Vec<(String, String, String)> = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(*release_id))
        .order_by_asc(release_links::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|link| {
            let label = link.service.parse::<StreamingService>().map_or_else(
                |_| link.service.clone(),
                |service| service.name().to_owned(),
            );
            (link.service, label, link.url)
        })
        .collect();
    links.extend(
        custom_links::Entity::find()
            .filter(custom_links::Column::ReleaseId.eq(*release_id))
            .order_by_asc(custom_links::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|link| (custom_link_key(link.id), link.label, link.url)),
    );
    for key in clicks.keys() {
        if !key.is_empty() && !links.iter().any(|(known, _, _)| known == key) {
            let label = match key.parse::<StreamingService>() {
                Ok(service) => format!("{} (removed)", service.name()),
                Err(_) => "Custom button (removed)".to_owned(),
            };
            links.push((key.clone(), label, String::new()));
        }
    }
    let all_clicks: u64 = clicks.values().sum();
    let mut rows: Vec<LinkRow> = links
        .into_iter()
        .map(|(key, label, url)| {
            let count = clicks.get(&key).copied().unwrap_or(0);
            LinkRow {
                key,
                label,
                url,
                clicks: count,
                share_of_clicks: ratio(count, all_clicks),
                click_through_rate: ratio(count, visits),
            }
        })
        .collect();
    // Busiest first; ties keep the page's order.
    rows.sort_by_key(|row| std::cmp::Reverse(row.clicks));
    Ok(rows)
}

/// Human visits in the 30 minutes before `now`.
pub async fn live_visits(
    db: &impl ConnectionTrait,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(events::Entity::find()
        .filter(target.event_condition())
        .filter(events::Column::Kind.eq("page_view"))
        .filter(events::Column::IsBot.eq(false))
        .filter(events::Column::OccurredAt.gte(now - Duration::minutes(30)))
        .filter(events::Column::OccurredAt.lte(now))
        .count(db)
        .await?)
}

/// Whose numbers a member asked for: one release they may view, or (no release) every artist they may view, for
/// admins the whole organization. Returns the target and the report's title.
pub async fn target_for(
    db: &impl ConnectionTrait,
    membership: &crate::server::auth::Membership,
    release_id: Option<i32>,
) -> Result<(Target, String), AppError> {
    use crate::server::auth::access;
    use crate::server::entities::artists;
    use crate::types::{Access, Role};
    match release_id {
        Some(id) => {
            let (release, artist, _) =
                access::release_for(db, membership, id, Access::View).await?;
            Ok((
                Target::Release {
                    artist_id: artist.id,
                    release_id: release.id,
                },
                format!("{} · {}", artist.name, release.title),
            ))
        }
        None => {
            let in_organization = artists::Entity::find()
                .filter(artists::Column::OrganizationId.eq(membership.organization_id))
                .all(db)
                .await?;
            let scope = access::scope_of(db, membership).await?;
            let ids: Vec<i32> = in_organization
                .iter()
                .filter(|artist| scope.artist_access(artist.id).is_some())
                .map(|artist| artist.id)
                .collect();
            if ids.is_empty() {
                return Err(AppError::Forbidden);
            }
            let title = if membership.role == Role::Admin {
                "All releases"
            } else {
                "Your artists"
            };
            Ok((Target::Artists(ids), title.to_owned()))
        }
    }
}

/// The longest range a report or export covers.
pub const MAX_DAYS: i64 = 366;

/// The range asked for, or the last 28 days up to `today`; refused when backwards or longer than `MAX_DAYS`.
pub fn days_for(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Days, AppError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(27));
    if to < from || (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::BadRequest(format!(
            "choose a range of 1 to {MAX_DAYS} days, the start before the end"
        )));
    }
    Ok(Days { from, to })
}

/// Every event of `target` in `days` (bots included, flagged), oldest first, a page at a time: `after_id` is
/// the last id of the previous page.
pub async fn raw_events(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    after_id: i64,
    page_size: u64,
) -> Result<Vec<events::Model>, AppError> {
    use sea_orm::QueryOrder;
    Ok(events::Entity::find()
        .filter(target.event_condition())
        .filter(events::Column::OccurredAt.gte(days.start()))
        .filter(events::Column::OccurredAt.lt(days.end()))
        .filter(events::Column::Id.gt(after_id))
        .order_by_asc(events::Column::Id)
        .limit(page_size)
        .all(db)
        .await?)
}

/// The whole report of `target` over `days`: cards against the previous period, the daily series, the top
/// `breakdown_limit` values of every dimension and the last 30 minutes. The dashboard, the JSON API and the CSV
/// export all read this.
pub async fn report(
    db: &impl ConnectionTrait,
    target: &Target,
    title: String,
    days: Days,
    now: DateTime<Utc>,
    breakdown_limit: usize,
) -> Result<crate::types::StatsReport, AppError> {
    let mut breakdowns = Vec::with_capacity(Dimension::ALL.len());
    for dimension in Dimension::ALL {
        breakdowns.push(breakdown(db, target, days, dimension, now, breakdown_limit).await?);
    }
    let headline = cards(db, target, days, now).await?;
    Ok(crate::types::StatsReport {
        title,
        from: days.from,
        to: days.to,
        releases: releases_table(db, target, days, now).await?,
        links: links_table(db, target, days, headline.visits, now).await?,
        cards: headline,
        previous: cards(db, target, days.previous(), now).await?,
        series: series(db, target, days, now).await?,
        breakdowns,
        live_visits: live_visits(db, target, now).await?,
        generated_at: now,
    })
}
