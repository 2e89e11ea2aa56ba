//! The rollup job's work: hour by hour, count human events per artist, release, kind and dimension value; day by
//! day, count distinct visitors. Each hour is rewritten whole in one transaction, so a crash or a second run never
//! double-counts, and a lease keeps several instances from doing the same hour at once.
use super::sessions::{OpenSessions, ENGAGED_KIND, SESSION_KIND};
use super::{column, TOTAL};
use crate::server::entities::{event_rollups, events, rollup_state, visitor_rollups};
use crate::types::{AppError, Dimension};
use chrono::{DateTime, Duration, DurationRound, NaiveTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

const STATE: &str = "events";
/// The rollups' kind for bot, link-preview and prefetch requests.
pub const FILTERED_KIND: &str = "filtered";
/// Events of an hour may still be in a server's write buffer just after it ends.
pub const GRACE: Duration = Duration::minutes(2);
const LEASE: Duration = Duration::minutes(5);
/// Hours per run, so one run stays short; the next run continues.
const MAX_HOURS_PER_RUN: i64 = 24 * 7;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupRun {
    pub hours: u32,
    pub days: u32,
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
        let next = hour + Duration::hours(1);
        let txn = crate::server::db::begin_write(db).await?;
        roll_up_hour(&txn, hour).await?;
        // An hour that ends a day completes that day's unique visitors.
        if next.time() == NaiveTime::MIN {
            roll_up_day(&txn, hour.date_naive()).await?;
            run.days += 1;
        }
        rollup_state::Entity::update_many()
            .col_expr(rollup_state::Column::DoneUntil, Expr::value(next))
            .col_expr(rollup_state::Column::LeaseUntil, Expr::value(now + LEASE))
            .filter(rollup_state::Column::Name.eq(STATE))
            .filter(rollup_state::Column::LeaseHolder.eq(holder))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        run.hours += 1;
        hour = next;
    }
    Ok(run)
}

pub fn floor_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
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

fn humans_between(from: DateTime<Utc>, to: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(events::Column::OccurredAt.gte(from))
        .add(events::Column::OccurredAt.lt(to))
        .add(events::Column::IsBot.eq(false))
        .add(events::Column::ArtistId.is_not_null())
}

/// Event counts of one hour, grouped by (artist, release, kind, value of `dimension`); `None` is the total.
pub async fn count_events(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dimension: Option<Dimension>,
) -> Result<Vec<(i32, Option<i32>, String, Option<String>, i64)>, AppError> {
    let mut query = events::Entity::find()
        .select_only()
        .column(events::Column::ArtistId)
        .column(events::Column::ReleaseId)
        .column(events::Column::Kind);
    query = match dimension {
        Some(dimension) => query.column(column(dimension)),
        None => query.expr(Expr::value(Option::<String>::None)),
    };
    query = query
        .column_as(events::Column::Id.count(), "events")
        .filter(humans_between(from, to))
        .group_by(events::Column::ArtistId)
        .group_by(events::Column::ReleaseId)
        .group_by(events::Column::Kind);
    if let Some(dimension) = dimension {
        query = query.group_by(column(dimension));
    }
    Ok(query.into_tuple().all(db).await?)
}

async fn roll_up_hour(db: &impl ConnectionTrait, hour: DateTime<Utc>) -> Result<(), AppError> {
    let end = hour + Duration::hours(1);
    event_rollups::Entity::delete_many()
        .filter(event_rollups::Column::HourStart.eq(hour))
        .exec(db)
        .await?;
    let mut rows = Vec::new();
    for dimension in std::iter::once(None).chain(Dimension::ALL.into_iter().map(Some)) {
        for (artist_id, release_id, kind, value, count) in
            count_events(db, hour, end, dimension).await?
        {
            rows.push(event_rollups::ActiveModel {
                hour_start: Set(hour),
                artist_id: Set(artist_id),
                release_id: Set(release_id.unwrap_or(0)),
                kind: Set(kind),
                dimension: Set(dimension.map_or(TOTAL, Dimension::as_str).to_owned()),
                value: Set(value.unwrap_or_default()),
                events: Set(count),
                ..Default::default()
            });
        }
    }
    // Bots, link previews and prefetches: one count per release, so admins can see what was filtered.
    let bots: Vec<(i32, Option<i32>, i64)> = events::Entity::find()
        .select_only()
        .column(events::Column::ArtistId)
        .column(events::Column::ReleaseId)
        .column_as(events::Column::Id.count(), "events")
        .filter(events::Column::OccurredAt.gte(hour))
        .filter(events::Column::OccurredAt.lt(end))
        .filter(events::Column::IsBot.eq(true))
        .filter(events::Column::ArtistId.is_not_null())
        .group_by(events::Column::ArtistId)
        .group_by(events::Column::ReleaseId)
        .into_tuple()
        .all(db)
        .await?;
    for (artist_id, release_id, count) in bots {
        rows.push(event_rollups::ActiveModel {
            hour_start: Set(hour),
            artist_id: Set(artist_id),
            release_id: Set(release_id.unwrap_or(0)),
            kind: Set(FILTERED_KIND.to_owned()),
            dimension: Set(TOTAL.to_owned()),
            value: Set(String::new()),
            events: Set(count),
            ..Default::default()
        });
    }
    // Sessions continue from the hour before and stay open into the next.
    let mut open = OpenSessions::load(db).await?;
    let sessions = open.walk(db, hour, end, hour).await?;
    open.save(db, end).await?;
    for ((artist_id, release_id), (started, engaged)) in sessions {
        for (kind, count) in [(SESSION_KIND, started), (ENGAGED_KIND, engaged)] {
            rows.push(event_rollups::ActiveModel {
                hour_start: Set(hour),
                artist_id: Set(artist_id),
                release_id: Set(release_id),
                kind: Set(kind.to_owned()),
                dimension: Set(TOTAL.to_owned()),
                value: Set(String::new()),
                events: Set(count as i64),
                ..Default::default()
            });
        }
    }
    // Batches keep each statement under the backends' bind-parameter limits.
    for chunk in rows.chunks(500) {
        event_rollups::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Distinct visitors (by page views) of a span, grouped by (artist, release, value of `dimension`).
pub async fn count_visitors(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dimension: Option<Dimension>,
) -> Result<Vec<(i32, Option<i32>, Option<String>, i64)>, AppError> {
    let mut query = events::Entity::find()
        .select_only()
        .column(events::Column::ArtistId)
        .column(events::Column::ReleaseId);
    query = match dimension {
        Some(dimension) => query.column(column(dimension)),
        None => query.expr(Expr::value(Option::<String>::None)),
    };
    query = query
        .column_as(
            Expr::col(events::Column::VisitorHash).count_distinct(),
            "visitors",
        )
        .filter(humans_between(from, to))
        .filter(events::Column::Kind.eq("page_view"))
        .filter(events::Column::VisitorHash.is_not_null())
        .group_by(events::Column::ArtistId)
        .group_by(events::Column::ReleaseId);
    if let Some(dimension) = dimension {
        query = query.group_by(column(dimension));
    }
    Ok(query.into_tuple().all(db).await?)
}

async fn roll_up_day(db: &impl ConnectionTrait, day: chrono::NaiveDate) -> Result<(), AppError> {
    let key = day.format("%Y-%m-%d").to_string();
    let start = day.and_time(NaiveTime::MIN).and_utc();
    let end = start + Duration::days(1);
    visitor_rollups::Entity::delete_many()
        .filter(visitor_rollups::Column::Day.eq(key.clone()))
        .exec(db)
        .await?;
    let mut rows = Vec::new();
    for dimension in std::iter::once(None).chain(Dimension::ALL.into_iter().map(Some)) {
        for (artist_id, release_id, value, visitors) in
            count_visitors(db, start, end, dimension).await?
        {
            rows.push(visitor_rollups::ActiveModel {
                day: Set(key.clone()),
                artist_id: Set(artist_id),
                release_id: Set(release_id.unwrap_or(0)),
                dimension: Set(dimension.map_or(TOTAL, Dimension::as_str).to_owned()),
                value: Set(value.unwrap_or_default()),
                visitors: Set(visitors),
                ..Default::default()
            });
        }
    }
    for chunk in rows.chunks(500) {
        visitor_rollups::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
