//! The numbers the dashboard shows. A range is read from the coarsest rollups that cover it (month rows for whole
//! closed months, day rows for other closed days, hour rows for today's closed hours) and from raw events for the
//! minutes since the last rollup, so a report is both fast at tens of millions of events and current.
use super::rollups::{
    self, day_key, day_start, month_key, next_month, ALL_RELEASES, DAY, FILTERED_KIND, HOUR, MONTH,
};
use super::sessions::{OpenSessions, SessionCounts, ENGAGED_KIND, SESSION_KIND};
use super::{sum_bigint, TOTAL};
use crate::server::entities::{event_rollups, events, visitor_rollups};
use crate::types::{
    AppError, Breakdown, BreakdownRow, Dimension, LinkRow, ReleaseRow, SeriesPoint, StatCards,
    StreamingService,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
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

    /// The rows of `span` that add up to this target's numbers: for several artists, their artist rows in days and
    /// months and their release rows in hours (hours have no artist rows). Each matches an index prefix.
    fn rollup_condition(&self, span: &str) -> Condition {
        match self {
            Target::Release {
                artist_id,
                release_id,
            } => Condition::all()
                .add(event_rollups::Column::ReleaseId.eq(*release_id))
                .add(event_rollups::Column::ArtistId.eq(*artist_id)),
            Target::Artists(ids) if span == HOUR => {
                Condition::all().add(event_rollups::Column::ArtistId.is_in(ids.clone()))
            }
            Target::Artists(ids) => Condition::all()
                .add(event_rollups::Column::ReleaseId.eq(ALL_RELEASES))
                .add(event_rollups::Column::ArtistId.is_in(ids.clone())),
        }
    }

    /// The per-release rollup rows of this target (no artist rows).
    fn release_rows_condition(&self) -> Condition {
        match self {
            Target::Release { release_id, .. } => {
                Condition::all().add(event_rollups::Column::ReleaseId.eq(*release_id))
            }
            Target::Artists(ids) => Condition::all()
                .add(event_rollups::Column::ArtistId.is_in(ids.clone()))
                .add(event_rollups::Column::ReleaseId.ne(ALL_RELEASES)),
        }
    }

    /// Distinct visitors of a release, or of each artist over all their pages.
    fn visitor_condition(&self) -> Condition {
        match self {
            Target::Release {
                artist_id,
                release_id,
            } => Condition::all()
                .add(visitor_rollups::Column::ReleaseId.eq(*release_id))
                .add(visitor_rollups::Column::ArtistId.eq(*artist_id)),
            Target::Artists(ids) => Condition::all()
                .add(visitor_rollups::Column::ReleaseId.eq(ALL_RELEASES))
                .add(visitor_rollups::Column::ArtistId.is_in(ids.clone())),
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
        day_start(self.from)
    }

    pub fn end(&self) -> DateTime<Utc> {
        day_start(self.to + Duration::days(1))
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

/// Where each part of a range is read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Whole closed months (their first days): month rows.
    pub months: Vec<NaiveDate>,
    /// Other closed days: day rows.
    pub days: Vec<NaiveDate>,
    /// The closed hours of the day the rollups are in: hour rows.
    pub hours: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Since the last rollup: raw events.
    pub raw: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Days not closed yet and already begun, whose distinct visitors come from raw events.
    pub open_days: Vec<NaiveDate>,
}

/// Splits `days` between the rollups (everything before `done`) and raw events (up to `now`). With `months`,
/// whole months read as one row each; without, every day has rows of its own (for the daily series).
pub fn plan(days: Days, done: Option<DateTime<Utc>>, now: DateTime<Utc>, months: bool) -> Plan {
    let mut plan = Plan::default();
    let rolled = done.map_or(days.start(), |done| done.clamp(days.start(), days.end()));
    let mut day = days.from;
    while day <= days.to && day_start(day + Duration::days(1)) <= rolled {
        let month_end = next_month(day);
        if months
            && day.day() == 1
            && month_end - Duration::days(1) <= days.to
            && day_start(month_end) <= rolled
        {
            plan.months.push(day);
            day = month_end;
        } else {
            plan.days.push(day);
            day += Duration::days(1);
        }
    }
    if day <= days.to && day_start(day) < rolled {
        plan.hours = Some((day_start(day), rolled));
    }
    let raw_end = days.end().min(now + Duration::seconds(1));
    if rolled < raw_end {
        plan.raw = Some((rolled, raw_end));
    }
    while day <= days.to && day_start(day) <= now {
        plan.open_days.push(day);
        day += Duration::days(1);
    }
    plan
}

impl Plan {
    /// The planned rollup rows, one condition per span: each query stays on one index range.
    fn parts(&self) -> Vec<(&'static str, Condition)> {
        let mut parts = Vec::new();
        for (span, firsts, next) in [
            (
                MONTH,
                &self.months,
                next_month as fn(NaiveDate) -> NaiveDate,
            ),
            (DAY, &self.days, |day: NaiveDate| day + Duration::days(1)),
        ] {
            // Consecutive periods as ranges: an index seeks a range better than a long IN list.
            let mut ranges = Condition::any();
            let mut start: Option<(NaiveDate, NaiveDate)> = None;
            for first in firsts {
                start = match start {
                    Some((from, to)) if to == *first => Some((from, next(*first))),
                    Some((from, to)) => {
                        ranges = ranges.add(period_range(from, to));
                        Some((*first, next(*first)))
                    }
                    None => Some((*first, next(*first))),
                };
            }
            if let Some((from, to)) = start {
                ranges = ranges.add(period_range(from, to));
                parts.push((
                    span,
                    Condition::all()
                        .add(event_rollups::Column::Span.eq(span))
                        .add(ranges),
                ));
            }
        }
        if let Some((from, to)) = self.hours {
            parts.push((
                HOUR,
                Condition::all()
                    .add(event_rollups::Column::Span.eq(HOUR))
                    .add(event_rollups::Column::PeriodStart.gte(from))
                    .add(event_rollups::Column::PeriodStart.lt(to)),
            ));
        }
        parts
    }

    /// The `visitor_rollups` periods of the closed days and months.
    fn visitor_periods(&self) -> Vec<String> {
        let months = self.months.iter().map(|first| month_key(*first));
        months
            .chain(self.days.iter().map(|day| day_key(*day)))
            .collect()
    }
}

/// Rollup rows starting in `from..to` (whole days).
fn period_range(from: NaiveDate, to: NaiveDate) -> Condition {
    Condition::all()
        .add(event_rollups::Column::PeriodStart.gte(day_start(from)))
        .add(event_rollups::Column::PeriodStart.lt(day_start(to)))
}

/// Counts per (kind, value) over `days` for `dimension` (`None`: totals, with sessions and filtered requests).
async fn counts(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    dimension: Option<Dimension>,
    now: DateTime<Utc>,
) -> Result<HashMap<(String, String), u64>, AppError> {
    let done = rollups::done_until(db).await?;
    let plan = plan(days, done, now, true);
    let mut totals: HashMap<(String, String), u64> = HashMap::new();
    for (span, periods) in plan.parts() {
        let rows: Vec<(String, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::Kind)
            .column(event_rollups::Column::Value)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.rollup_condition(span))
            .filter(event_rollups::Column::Dimension.eq(dimension.map_or(TOTAL, Dimension::as_str)))
            .filter(periods)
            .group_by(event_rollups::Column::Kind)
            .group_by(event_rollups::Column::Value)
            .into_tuple()
            .all(db)
            .await?;
        for (kind, value, sum) in rows {
            *totals.entry((kind, value)).or_default() += sum.unwrap_or(0).max(0) as u64;
        }
    }
    if let Some((from, to)) = plan.raw {
        for (_, _, kind, value, count) in
            rollups::count_events(db, from, to, dimension, target.event_condition()).await?
        {
            *totals.entry((kind, value.unwrap_or_default())).or_default() += count.max(0) as u64;
        }
        if dimension.is_none() {
            for (_, (started, engaged)) in tail_sessions(db, target, done, from, to).await? {
                *totals
                    .entry((SESSION_KIND.to_owned(), String::new()))
                    .or_default() += started;
                *totals
                    .entry((ENGAGED_KIND.to_owned(), String::new()))
                    .or_default() += engaged;
            }
            let bots = events::Entity::find()
                .filter(target.event_condition())
                .filter(events::Column::OccurredAt.gte(from))
                .filter(events::Column::OccurredAt.lt(to))
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
    done: Option<DateTime<Utc>>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<SessionCounts, AppError> {
    let mut open = if done.is_some() {
        OpenSessions::load(db).await?
    } else {
        OpenSessions::default()
    };
    let mut sessions = open
        .walk(db, done.unwrap_or(from).min(from), to, from)
        .await?;
    sessions.retain(|(artist_id, release_id), _| {
        target.admits(*artist_id, Some(*release_id).filter(|id| *id != 0))
    });
    Ok(sessions)
}

/// Unique visitors of `target` over `days`: daily uniques summed (hashes change every day by design).
async fn visitors(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(visitors_by_release(db, target, days, now, false)
        .await?
        .values()
        .sum())
}

/// Unique visitors over `days` per (artist, release), or with `!per_release` the target's own count (per release
/// for one release, per artist over all their pages for several).
async fn visitors_by_release(
    db: &impl ConnectionTrait,
    target: &Target,
    days: Days,
    now: DateTime<Utc>,
    per_release: bool,
) -> Result<HashMap<ReleaseKey, u64>, AppError> {
    let plan = plan(days, rollups::done_until(db).await?, now, true);
    let mut totals: HashMap<ReleaseKey, u64> = HashMap::new();
    let periods = plan.visitor_periods();
    if !periods.is_empty() {
        let level = if per_release {
            match target {
                Target::Release { .. } => target.visitor_condition(),
                Target::Artists(ids) => Condition::all()
                    .add(visitor_rollups::Column::ArtistId.is_in(ids.clone()))
                    .add(visitor_rollups::Column::ReleaseId.ne(ALL_RELEASES)),
            }
        } else {
            target.visitor_condition()
        };
        let rows: Vec<(i32, i32, Option<i64>)> = visitor_rollups::Entity::find()
            .select_only()
            .column(visitor_rollups::Column::ArtistId)
            .column(visitor_rollups::Column::ReleaseId)
            .column_as(sum_bigint(visitor_rollups::Column::Visitors), "visitors")
            .filter(level)
            .filter(visitor_rollups::Column::Period.is_in(periods))
            .group_by(visitor_rollups::Column::ArtistId)
            .group_by(visitor_rollups::Column::ReleaseId)
            .into_tuple()
            .all(db)
            .await?;
        for (artist_id, release_id, sum) in rows {
            *totals.entry((artist_id, release_id)).or_default() += sum.unwrap_or(0).max(0) as u64;
        }
    }
    let by_release = per_release || matches!(target, Target::Release { .. });
    for day in plan.open_days {
        let start = day_start(day);
        for (artist_id, release_id, count) in rollups::count_visitors(
            db,
            start,
            start + Duration::days(1),
            by_release,
            target.event_condition(),
        )
        .await?
        {
            let release_id = release_id.unwrap_or(if by_release { 0 } else { ALL_RELEASES });
            *totals.entry((artist_id, release_id)).or_default() += count.max(0) as u64;
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
    let visits = kind_total(&counts, "page_view");
    let click_outs = kind_total(&counts, "click_out");
    let sessions = kind_total(&counts, SESSION_KIND);
    let engaged_sessions = kind_total(&counts, ENGAGED_KIND);
    Ok(StatCards {
        visits,
        unique_visitors: visitors(db, target, days, now).await?,
        click_outs,
        click_through_rate: ratio(click_outs, visits),
        custom_clicks: kind_total(&counts, "custom_click"),
        shares: kind_total(&counts, "share"),
        video_plays: kind_total(&counts, "video_play"),
        pre_saves: kind_total(&counts, "pre_save"),
        library_adds: kind_total(&counts, "library_add"),
        follows: kind_total(&counts, "follow"),
        sessions,
        engaged_sessions,
        // A session counts where it starts, its engagement where the action is: a range can cut between them.
        engagement_rate: ratio(engaged_sessions, sessions),
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
    let mut points: BTreeMap<NaiveDate, SeriesPoint> = days
        .from
        .iter_days()
        .take_while(|day| *day <= days.to)
        .map(|day| {
            (
                day,
                SeriesPoint {
                    day,
                    visits: 0,
                    click_outs: 0,
                },
            )
        })
        .collect();
    let mut add = |day: NaiveDate, kind: &str, count: u64| {
        if let Some(point) = points.get_mut(&day) {
            match kind {
                "page_view" => point.visits += count,
                "click_out" => point.click_outs += count,
                _ => {}
            }
        }
    };
    let plan = plan(days, rollups::done_until(db).await?, now, false);
    for (span, periods) in plan.parts() {
        let rows: Vec<(DateTime<Utc>, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::PeriodStart)
            .column(event_rollups::Column::Kind)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.rollup_condition(span))
            .filter(event_rollups::Column::Dimension.eq(TOTAL))
            .filter(event_rollups::Column::Kind.is_in(["page_view", "click_out"]))
            .filter(periods)
            .group_by(event_rollups::Column::PeriodStart)
            .group_by(event_rollups::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
        for (start, kind, sum) in rows {
            add(start.date_naive(), &kind, sum.unwrap_or(0).max(0) as u64);
        }
    }
    if let Some((from, to)) = plan.raw {
        let mut slice = from;
        while slice < to {
            let slice_end = day_start(slice.date_naive() + Duration::days(1)).min(to);
            for (_, _, kind, _, count) in
                rollups::count_events(db, slice, slice_end, None, target.event_condition()).await?
            {
                add(slice.date_naive(), &kind, count.max(0) as u64);
            }
            slice = slice_end;
        }
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
    let done = rollups::done_until(db).await?;
    let plan = plan(days, done, now, true);
    let mut totals: HashMap<ReleaseKey, HashMap<String, u64>> = HashMap::new();
    let mut add = |key: ReleaseKey, kind: &str, count: u64| {
        *totals
            .entry(key)
            .or_default()
            .entry(kind.to_owned())
            .or_default() += count;
    };
    for (_, periods) in plan.parts() {
        let rows: Vec<(i32, i32, String, Option<i64>)> = event_rollups::Entity::find()
            .select_only()
            .column(event_rollups::Column::ArtistId)
            .column(event_rollups::Column::ReleaseId)
            .column(event_rollups::Column::Kind)
            .column_as(sum_bigint(event_rollups::Column::Events), "events")
            .filter(target.release_rows_condition())
            .filter(event_rollups::Column::Dimension.eq(TOTAL))
            .filter(periods)
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
    if let Some((from, to)) = plan.raw {
        for (artist_id, release_id, kind, _, count) in
            rollups::count_events(db, from, to, None, target.event_condition()).await?
        {
            add(
                (artist_id, release_id.unwrap_or(0)),
                &kind,
                count.max(0) as u64,
            );
        }
        for (key, (started, engaged)) in tail_sessions(db, target, done, from, to).await? {
            add(key, SESSION_KIND, started);
            add(key, ENGAGED_KIND, engaged);
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
    let visitors = visitors_by_release(db, target, days, now, true).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn at(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn whole_closed_months_read_as_months_the_rest_as_days_hours_and_raw_events() {
        let range = Days {
            from: day(9, 15),
            to: day(11, 21),
        };
        let now = at(11, 21, 9, 30);
        let plan = plan(range, Some(at(11, 21, 9, 0)), now, true);
        assert_eq!(plan.months, [day(10, 1)], "October is whole and closed");
        assert_eq!(
            plan.days.len(),
            16 + 20,
            "half of September and November 1-20"
        );
        assert_eq!(plan.days[0], day(9, 15));
        assert_eq!(plan.hours, Some((at(11, 21, 0, 0), at(11, 21, 9, 0))));
        assert_eq!(
            plan.raw,
            Some((at(11, 21, 9, 0), now + Duration::seconds(1)))
        );
        assert_eq!(plan.open_days, [day(11, 21)]);

        let daily = super::plan(range, Some(at(11, 21, 9, 0)), now, false);
        assert!(daily.months.is_empty());
        assert_eq!(daily.days.len(), 16 + 31 + 20);
    }

    #[test]
    fn without_rollups_everything_is_raw_and_a_past_range_has_no_raw_part() {
        let range = Days {
            from: day(11, 1),
            to: day(11, 2),
        };
        let now = at(11, 21, 9, 30);
        let nothing = plan(range, None, now, true);
        assert!(nothing.months.is_empty() && nothing.days.is_empty() && nothing.hours.is_none());
        assert_eq!(nothing.raw, Some((at(11, 1, 0, 0), at(11, 3, 0, 0))));
        assert_eq!(nothing.open_days, [day(11, 1), day(11, 2)]);

        let rolled = plan(range, Some(at(11, 21, 9, 0)), now, true);
        assert_eq!(rolled.days, [day(11, 1), day(11, 2)]);
        assert_eq!((rolled.hours, rolled.raw), (None, None));
        assert!(rolled.open_days.is_empty());
    }
}
