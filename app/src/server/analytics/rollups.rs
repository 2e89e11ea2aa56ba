//! The rollup job's work. Hour by hour it counts human events per artist, release, kind and dimension value, and
//! walks the hour's sessions. When an hour closes a day, the day's hours become one day row per value, per release
//! and per artist (release -1), with the day's distinct visitors; when a day closes a month, the month's days become
//! month rows. So a report reads at most a month row, a day row or an hour row per value and period, however many
//! events there were. Each hour is done in one transaction with the watermark, so a crash or a second run never
//! double-counts, and a lease keeps several instances from doing the same hour at once.
use super::sessions::{OpenSessions, ENGAGED_KIND, SESSION_KIND};
use super::{column, dimension_value, sum_bigint, TOTAL};
use crate::server::entities::{event_rollups, events, rollup_state, visitor_rollups};
use crate::types::{AppError, Dimension};
use chrono::{DateTime, Datelike, Duration, DurationRound, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

const STATE: &str = "events";
/// The rollups' kind for bot, link-preview and prefetch requests.
pub const FILTERED_KIND: &str = "filtered";
/// Events of an hour may still be in a server's write buffer just after it ends.
pub const GRACE: Duration = Duration::minutes(2);
const LEASE: Duration = Duration::minutes(5);
/// Hours per run, so one run stays short; the next run continues.
const MAX_HOURS_PER_RUN: i64 = 24 * 7;

/// The periods a rollup row covers.
pub const HOUR: &str = "hour";
pub const DAY: &str = "day";
pub const MONTH: &str = "month";
/// The release id of an artist's rows over all their pages (days and months).
pub const ALL_RELEASES: i32 = -1;
/// Kinds counted per dimension value: what the breakdowns and the links table show. Everything else is counted in
/// the totals only, which keeps the rollups a third of the size.
pub const DIMENSION_KINDS: [&str; 3] = ["page_view", "click_out", "custom_click"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupRun {
    pub hours: u32,
    pub days: u32,
    pub months: u32,
    /// Another instance holds the lease.
    pub skipped: bool,
}

/// Everything before this instant is in the rollups (`None`: nothing rolled up yet).
pub async fn done_until(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(rollup_state::Entity::find_by_id(STATE.to_owned())
        .one(db)
        .await?
        .and_then(|state| state.done_until))
}

/// Rolls up the closed hours not yet rolled up (at most a week of them per call).
pub async fn run_once(
    db: &DatabaseConnection,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<RollupRun, AppError> {
    if !take_lease(db, holder, now).await? {
        return Ok(RollupRun {
            skipped: true,
            ..Default::default()
        });
    }
    let mut run = RollupRun::default();
    let closed_until = floor_hour(now - GRACE);
    let mut hour = match done_until(db).await? {
        Some(done) => done,
        None => match first_event_at(db).await? {
            Some(first) => floor_hour(first),
            None => return Ok(run),
        },
    };
    while hour < closed_until && i64::from(run.hours) < MAX_HOURS_PER_RUN {
        let txn = crate::server::db::begin_write(db).await?;
        // Catching up (after downtime, an upgrade, an import): a whole closed day goes straight into day rows.
        let whole_day = hour.time() == NaiveTime::MIN && hour + Duration::days(1) <= closed_until;
        let next = if whole_day {
            roll_up_whole_day(&txn, hour.date_naive()).await?;
            run.hours += 24;
            run.days += 1;
            hour + Duration::days(1)
        } else {
            roll_up_hour(&txn, hour).await?;
            run.hours += 1;
            let next = hour + Duration::hours(1);
            if next.time() == NaiveTime::MIN {
                close_day(&txn, hour.date_naive()).await?;
                run.days += 1;
            }
            next
        };
        if next.time() == NaiveTime::MIN && next.day() == 1 {
            let last_day = next.date_naive() - Duration::days(1);
            roll_up_month(&txn, last_day.with_day(1).unwrap_or(last_day)).await?;
            run.months += 1;
        }
        rollup_state::Entity::update_many()
            .col_expr(rollup_state::Column::DoneUntil, Expr::value(next))
            .col_expr(rollup_state::Column::LeaseUntil, Expr::value(now + LEASE))
            .filter(rollup_state::Column::Name.eq(STATE))
            .filter(rollup_state::Column::LeaseHolder.eq(holder))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        hour = next;
    }
    Ok(run)
}

pub fn floor_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The first day of the month after `day`'s.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(day)
}

/// How days and months are keyed in `visitor_rollups`.
pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

async fn take_lease(
    db: &impl ConnectionTrait,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    rollup_state::Entity::insert(rollup_state::ActiveModel {
        name: Set(STATE.to_owned()),
        done_until: Set(None),
        lease_holder: Set(None),
        lease_until: Set(None),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    let taken = rollup_state::Entity::update_many()
        .col_expr(rollup_state::Column::LeaseHolder, Expr::value(holder))
        .col_expr(rollup_state::Column::LeaseUntil, Expr::value(now + LEASE))
        .filter(rollup_state::Column::Name.eq(STATE))
        .filter(
            rollup_state::Column::LeaseUntil
                .is_null()
                .or(rollup_state::Column::LeaseUntil.lt(now))
                .or(rollup_state::Column::LeaseHolder.eq(holder)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

async fn first_event_at(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(events::Entity::find()
        .order_by_asc(events::Column::OccurredAt)
        .one(db)
        .await?
        .map(|event| event.occurred_at))
}

fn humans_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(events::Column::OccurredAt.gte(from))
        .add(events::Column::OccurredAt.lt(to))
        .add(events::Column::IsBot.eq(false))
        .add(events::Column::ArtistId.is_not_null())
}

/// Human event counts of `from..to` within `scope`, grouped by (artist, release, kind, value of `dimension`);
/// `None` is the total. Per dimension, only `DIMENSION_KINDS`.
pub async fn count_events(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dimension: Option<Dimension>,
    scope: Condition,
) -> Result<Vec<(i32, Option<i32>, String, Option<String>, i64)>, AppError> {
    let mut query = events::Entity::find()
        .select_only()
        .column(events::Column::ArtistId)
        .column(events::Column::ReleaseId)
        .column(events::Column::Kind);
    query = match dimension {
        Some(dimension) => query
            .column(column(dimension))
            .filter(events::Column::Kind.is_in(DIMENSION_KINDS)),
        None => query.expr(Expr::value(Option::<String>::None)),
    };
    query = query
        .column_as(events::Column::Id.count(), "events")
        .filter(humans_between(from, to))
        .filter(scope)
        .group_by(events::Column::ArtistId)
        .group_by(events::Column::ReleaseId)
        .group_by(events::Column::Kind);
    if let Some(dimension) = dimension {
        query = query.group_by(column(dimension));
    }
    Ok(query.into_tuple().all(db).await?)
}

fn rollup_row(
    span: &str,
    start: DateTime<Utc>,
    (artist_id, release_id): (i32, i32),
    kind: &str,
    dimension: &str,
    value: String,
    events: i64,
) -> event_rollups::ActiveModel {
    event_rollups::ActiveModel {
        span: Set(span.to_owned()),
        period_start: Set(start),
        artist_id: Set(artist_id),
        release_id: Set(release_id),
        kind: Set(kind.to_owned()),
        dimension: Set(dimension.to_owned()),
        value: Set(value),
        events: Set(events),
        ..Default::default()
    }
}

/// Batches keep each statement under the backends' bind-parameter limits.
async fn insert_rollups(
    db: &impl ConnectionTrait,
    rows: Vec<event_rollups::ActiveModel>,
) -> Result<(), AppError> {
    for chunk in rows.chunks(500) {
        event_rollups::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn delete_period(
    db: &impl ConnectionTrait,
    span: &str,
    start: DateTime<Utc>,
) -> Result<(), AppError> {
    event_rollups::Entity::delete_many()
        .filter(event_rollups::Column::Span.eq(span))
        .filter(event_rollups::Column::PeriodStart.eq(start))
        .exec(db)
        .await?;
    Ok(())
}

/// One pass over the events of `from..to` in time order: human events per (artist, release, kind, dimension,
/// value) (per dimension only `DIMENSION_KINDS`), bots as `filtered`, and the sessions started and engaged,
/// continuing those left open before `from`.
async fn aggregate(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<RollupKey, i64>, AppError> {
    let mut open = OpenSessions::load(db).await?;
    let rows = events::Entity::find()
        .filter(events::Column::OccurredAt.gte(from))
        .filter(events::Column::OccurredAt.lt(to))
        .filter(events::Column::ArtistId.is_not_null())
        .order_by_asc(events::Column::OccurredAt)
        .order_by_asc(events::Column::Id)
        .all(db)
        .await?;
    let mut counts: HashMap<RollupKey, i64> = HashMap::new();
    let mut add = |artist_id: i32, release_id: i32, kind: &str, dimension: &str, value: &str| {
        *counts
            .entry((
                artist_id,
                release_id,
                kind.to_owned(),
                dimension.to_owned(),
                value.to_owned(),
            ))
            .or_default() += 1;
    };
    for event in &rows {
        let Some(artist_id) = event.artist_id else {
            continue;
        };
        let release_id = event.release_id.unwrap_or(0);
        if event.is_bot {
            add(artist_id, release_id, FILTERED_KIND, TOTAL, "");
            continue;
        }
        add(artist_id, release_id, &event.kind, TOTAL, "");
        if DIMENSION_KINDS.contains(&event.kind.as_str()) {
            for dimension in Dimension::ALL {
                let value = dimension_value(event, dimension).unwrap_or_default();
                add(
                    artist_id,
                    release_id,
                    &event.kind,
                    dimension.as_str(),
                    value,
                );
            }
        }
        if let Some(visitor_hash) = &event.visitor_hash {
            let step = open.observe(
                visitor_hash,
                artist_id,
                release_id,
                &event.kind,
                event.occurred_at,
            );
            if step.started {
                add(artist_id, release_id, SESSION_KIND, TOTAL, "");
            }
            if step.engaged {
                add(artist_id, release_id, ENGAGED_KIND, TOTAL, "");
            }
        }
    }
    open.save(db, to).await?;
    Ok(counts)
}

/// Rollup rows of one period from `counts`, per release, plus per artist (release -1) when `per_artist`.
fn rows_of(
    span: &str,
    start: DateTime<Utc>,
    counts: HashMap<RollupKey, i64>,
    per_artist: bool,
) -> Vec<event_rollups::ActiveModel> {
    let mut merged = counts;
    if per_artist {
        let mut artists: HashMap<RollupKey, i64> = HashMap::new();
        for ((artist_id, _, kind, dimension, value), events) in &merged {
            *artists
                .entry((
                    *artist_id,
                    ALL_RELEASES,
                    kind.clone(),
                    dimension.clone(),
                    value.clone(),
                ))
                .or_default() += events;
        }
        merged.extend(artists);
    }
    merged
        .into_iter()
        .map(
            |((artist_id, release_id, kind, dimension, value), events)| {
                rollup_row(
                    span,
                    start,
                    (artist_id, release_id),
                    &kind,
                    &dimension,
                    value,
                    events,
                )
            },
        )
        .collect()
}

async fn roll_up_hour(db: &impl ConnectionTrait, hour: DateTime<Utc>) -> Result<(), AppError> {
    delete_period(db, HOUR, hour).await?;
    let counts = aggregate(db, hour, hour + Duration::hours(1)).await?;
    insert_rollups(db, rows_of(HOUR, hour, counts, false)).await
}

/// A whole closed day none of whose hours were rolled up: straight into day rows.
async fn roll_up_whole_day(db: &impl ConnectionTrait, day: NaiveDate) -> Result<(), AppError> {
    let start = day_start(day);
    delete_period(db, DAY, start).await?;
    let counts = aggregate(db, start, start + Duration::days(1)).await?;
    insert_rollups(db, rows_of(DAY, start, counts, true)).await?;
    roll_up_day_visitors(db, day).await
}

/// (artist, release, kind, dimension, value) → events.
type RollupKey = (i32, i32, String, String, String);

/// Sums the rows of `span` starting in `from..to` into rows of `into` starting at `from`; per release, plus per
/// artist when `per_artist` (the finer rows already have artist rows otherwise).
async fn merge_periods(
    db: &impl ConnectionTrait,
    span: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    into: &str,
    per_artist: bool,
) -> Result<(), AppError> {
    delete_period(db, into, from).await?;
    let finer: Vec<(i32, i32, String, String, String, Option<i64>)> = event_rollups::Entity::find()
        .select_only()
        .column(event_rollups::Column::ArtistId)
        .column(event_rollups::Column::ReleaseId)
        .column(event_rollups::Column::Kind)
        .column(event_rollups::Column::Dimension)
        .column(event_rollups::Column::Value)
        .column_as(sum_bigint(event_rollups::Column::Events), "events")
        .filter(event_rollups::Column::Span.eq(span))
        .filter(event_rollups::Column::PeriodStart.gte(from))
        .filter(event_rollups::Column::PeriodStart.lt(to))
        .group_by(event_rollups::Column::ArtistId)
        .group_by(event_rollups::Column::ReleaseId)
        .group_by(event_rollups::Column::Kind)
        .group_by(event_rollups::Column::Dimension)
        .group_by(event_rollups::Column::Value)
        .into_tuple()
        .all(db)
        .await?;
    let merged: HashMap<RollupKey, i64> = finer
        .into_iter()
        .map(|(artist_id, release_id, kind, dimension, value, events)| {
            (
                (artist_id, release_id, kind, dimension, value),
                events.unwrap_or(0),
            )
        })
        .collect();
    insert_rollups(db, rows_of(into, from, merged, per_artist)).await
}

/// Distinct visitors (by page views) of `from..to` within `scope`, per (artist, release) or, not `per_release`,
/// per artist (release `None`).
pub async fn count_visitors(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    per_release: bool,
    scope: Condition,
) -> Result<Vec<(i32, Option<i32>, i64)>, AppError> {
    let mut query = events::Entity::find()
        .select_only()
        .column(events::Column::ArtistId);
    query = if per_release {
        query.column(events::Column::ReleaseId)
    } else {
        query.expr(Expr::value(Option::<i32>::None))
    };
    query = query
        .column_as(
            Expr::col(events::Column::VisitorHash).count_distinct(),
            "visitors",
        )
        .filter(humans_between(from, to))
        .filter(scope)
        .filter(events::Column::Kind.eq("page_view"))
        .filter(events::Column::VisitorHash.is_not_null())
        .group_by(events::Column::ArtistId);
    if per_release {
        query = query.group_by(events::Column::ReleaseId);
    }
    Ok(query.into_tuple().all(db).await?)
}

fn visitor_row(
    period: &str,
    artist_id: i32,
    release_id: i32,
    visitors: i64,
) -> visitor_rollups::ActiveModel {
    visitor_rollups::ActiveModel {
        period: Set(period.to_owned()),
        artist_id: Set(artist_id),
        release_id: Set(release_id),
        visitors: Set(visitors),
        ..Default::default()
    }
}

async fn insert_visitors(
    db: &impl ConnectionTrait,
    period: &str,
    rows: Vec<visitor_rollups::ActiveModel>,
) -> Result<(), AppError> {
    visitor_rollups::Entity::delete_many()
        .filter(visitor_rollups::Column::Period.eq(period))
        .exec(db)
        .await?;
    for chunk in rows.chunks(500) {
        visitor_rollups::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A closed day whose hours were rolled up one by one: its hours become day rows (and go).
async fn close_day(db: &impl ConnectionTrait, day: NaiveDate) -> Result<(), AppError> {
    let start = day_start(day);
    let end = start + Duration::days(1);
    merge_periods(db, HOUR, start, end, DAY, true).await?;
    event_rollups::Entity::delete_many()
        .filter(event_rollups::Column::Span.eq(HOUR))
        .filter(event_rollups::Column::PeriodStart.gte(start))
        .filter(event_rollups::Column::PeriodStart.lt(end))
        .exec(db)
        .await?;
    roll_up_day_visitors(db, day).await
}

/// A closed day's distinct visitors, per release and per artist.
async fn roll_up_day_visitors(db: &impl ConnectionTrait, day: NaiveDate) -> Result<(), AppError> {
    let start = day_start(day);
    let end = start + Duration::days(1);
    let key = day_key(day);
    let mut rows = Vec::new();
    for per_release in [true, false] {
        for (artist_id, release_id, visitors) in
            count_visitors(db, start, end, per_release, Condition::all()).await?
        {
            let release_id = if per_release {
                release_id.unwrap_or(0)
            } else {
                ALL_RELEASES
            };
            rows.push(visitor_row(&key, artist_id, release_id, visitors));
        }
    }
    insert_visitors(db, &key, rows).await
}

/// A closed month: its days become month rows (the days stay, for ranges that start or end mid-month), and its
/// daily unique visitors are summed.
async fn roll_up_month(db: &impl ConnectionTrait, first: NaiveDate) -> Result<(), AppError> {
    let end = next_month(first);
    merge_periods(db, DAY, day_start(first), day_start(end), MONTH, false).await?;
    let days: Vec<String> = first
        .iter_days()
        .take_while(|day| *day < end)
        .map(day_key)
        .collect();
    let sums: Vec<(i32, i32, Option<i64>)> = visitor_rollups::Entity::find()
        .select_only()
        .column(visitor_rollups::Column::ArtistId)
        .column(visitor_rollups::Column::ReleaseId)
        .column_as(sum_bigint(visitor_rollups::Column::Visitors), "visitors")
        .filter(visitor_rollups::Column::Period.is_in(days))
        .group_by(visitor_rollups::Column::ArtistId)
        .group_by(visitor_rollups::Column::ReleaseId)
        .into_tuple()
        .all(db)
        .await?;
    let key = month_key(first);
    let rows = sums
        .into_iter()
        .map(|(artist_id, release_id, visitors)| {
            visitor_row(&key, artist_id, release_id, visitors.unwrap_or(0))
        })
        .collect();
    insert_visitors(db, &key, rows).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_the_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(next_month(day(2026, 11, 21)), day(2026, 12, 1));
        assert_eq!(next_month(day(2026, 12, 31)), day(2027, 1, 1));
        assert_eq!(month_key(day(2026, 2, 1)), "2026-02");
        assert_eq!(day_key(day(2026, 2, 3)), "2026-02-03");
    }
}
