//! The durable queue of server-side conversion events, which is also the delivery log. A request only inserts
//! rows (through the analytics writer, never waiting on a platform); the conversions worker claims due rows by
//! lease, sends them in batches and settles them. The fan's details are sealed in the row and deleted when it
//! settles.
use super::clients::{self, ConversionKind, FanContext, OutgoingEvent, Platform};
use super::settings::ActivePixel;
use crate::server::entities::conversion_events;
use crate::server::sealed::TokenKeys;
use crate::types::{AppError, DeliveryLogRow};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait as _, QueryFilter, QueryOrder,
    QuerySelect, Set, UpdateMany,
};

pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    /// The platform refused it (its error is kept).
    pub const FAILED: &str = "failed";
    /// Not sent: older than the platform accepts, its pixel lost its secret, or retries ran out.
    pub const DROPPED: &str = "dropped";
}

/// What an event is about, beside the event itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub artist_id: i32,
    pub release_id: Option<i32>,
}

fn fan_context(event_id: &str, platform: Platform) -> String {
    format!("conversion-fan:{event_id}:{}", platform.as_str())
}

/// The row that queues `event` for `pixel`. The fan's details are sealed.
pub fn queued_row(
    keys: &TokenKeys,
    subject: Subject,
    pixel: &ActivePixel,
    event: &OutgoingEvent,
    now: DateTime<Utc>,
) -> conversion_events::ActiveModel {
    let fan = serde_json::to_string(&event.fan).unwrap_or_default();
    let sealed = keys.seal(&fan, &fan_context(&event.event_id, pixel.platform));
    conversion_events::ActiveModel {
        pixel_id: Set(Some(pixel.row_id)),
        platform: Set(pixel.platform.as_str().to_owned()),
        artist_id: Set(subject.artist_id),
        release_id: Set(subject.release_id),
        kind: Set(event.kind.as_str().to_owned()),
        event_name: Set(clients::event_name(pixel.platform, event.kind).to_owned()),
        event_id: Set(event.event_id.clone()),
        event_time: Set(event.event_time),
        source_url: Set(event.source_url.clone()),
        referrer_url: Set(event.referrer_url.clone()),
        service: Set(event.service.clone()),
        content_name: Set(event.content_name.clone()),
        key_id: Set(Some(sealed.key_id)),
        fan: Set(Some(sealed.value)),
        test: Set(false),
        status: Set(status::QUEUED.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_holder: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        detail: Set(None),
        created_at: Set(now),
        settled_at: Set(None),
        ..Default::default()
    }
}

/// The event a queued row stands for, with the fan's details opened (empty when they no longer open, e.g. the
/// key that sealed them was retired: the event is still worth sending).
pub fn outgoing(keys: &TokenKeys, row: &conversion_events::Model) -> OutgoingEvent {
    let platform = row.platform.parse().unwrap_or(Platform::Meta);
    let fan = match (&row.key_id, &row.fan) {
        (Some(key_id), Some(sealed)) => keys
            .open(key_id, sealed, &fan_context(&row.event_id, platform))
            .ok()
            .and_then(|json| serde_json::from_str::<FanContext>(&json).ok())
            .unwrap_or_default(),
        _ => FanContext::default(),
    };
    OutgoingEvent {
        kind: row.kind.parse().unwrap_or(ConversionKind::PageView),
        event_id: row.event_id.clone(),
        event_time: row.event_time,
        source_url: row.source_url.clone(),
        referrer_url: row.referrer_url.clone(),
        service: row.service.clone(),
        content_name: row.content_name.clone(),
        fan,
    }
}

fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(conversion_events::Column::Status.eq(status::QUEUED))
        .add(conversion_events::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(conversion_events::Column::LeaseUntil.is_null())
                .add(conversion_events::Column::LeaseUntil.lt(now)),
        )
}

/// Takes a lease on up to `limit` due events for `holder`, oldest first, and returns them. The UPDATE re-checks
/// that each row is still due, so two workers (or instances) never both hold one.
pub async fn claim(
    db: &impl ConnectionTrait,
    holder: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<conversion_events::Model>, AppError> {
    let ids: Vec<i64> = conversion_events::Entity::find()
        .select_only()
        .column(conversion_events::Column::Id)
        .filter(due(now))
        .order_by_asc(conversion_events::Column::NextAttemptAt)
        .order_by_asc(conversion_events::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    conversion_events::Entity::update_many()
        .col_expr(conversion_events::Column::LeaseHolder, Expr::value(holder))
        .col_expr(
            conversion_events::Column::LeaseUntil,
            Expr::value(lease_until),
        )
        .filter(conversion_events::Column::Id.is_in(ids))
        .filter(due(now))
        .exec(db)
        .await?;
    Ok(conversion_events::Entity::find()
        .filter(conversion_events::Column::LeaseHolder.eq(holder))
        .filter(conversion_events::Column::LeaseUntil.eq(lease_until))
        .filter(conversion_events::Column::Status.eq(status::QUEUED))
        .order_by_asc(conversion_events::Column::Id)
        .all(db)
        .await?)
}

/// Only rows `holder` still holds: a worker whose lease lapsed records nothing over another's work.
fn held(ids: &[i64], holder: &str) -> Condition {
    Condition::all()
        .add(conversion_events::Column::Id.is_in(ids.iter().copied()))
        .add(conversion_events::Column::LeaseHolder.eq(holder))
        .add(conversion_events::Column::Status.eq(status::QUEUED))
}

/// Makes `changes` to the events `holder` still holds among `ids`, and gives up its lease on them, in one UPDATE.
async fn update_held(
    db: &impl ConnectionTrait,
    ids: &[i64],
    holder: &str,
    changes: UpdateMany<conversion_events::Entity>,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    changes
        .col_expr(
            conversion_events::Column::LeaseHolder,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            conversion_events::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(held(ids, holder))
        .exec(db)
        .await?;
    Ok(())
}

/// An event settled for good (any outcome): the fan's details are deleted.
fn settled(
    changes: UpdateMany<conversion_events::Entity>,
    now: DateTime<Utc>,
) -> UpdateMany<conversion_events::Entity> {
    changes
        .col_expr(
            conversion_events::Column::Fan,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            conversion_events::Column::KeyId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            conversion_events::Column::ReferrerUrl,
            Expr::value(Option::<String>::None),
        )
        .col_expr(conversion_events::Column::SettledAt, Expr::value(now))
}

fn one_more_attempt() -> sea_orm::sea_query::SimpleExpr {
    Expr::col(conversion_events::Column::Attempts).add(1)
}

/// Settles events after an attempt: sent, failed or dropped, with the platform's answer or the reason.
pub async fn settle(
    db: &impl ConnectionTrait,
    ids: &[i64],
    holder: &str,
    final_status: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let note: String = note.chars().take(500).collect();
    let (detail, error) = if final_status == status::SENT {
        (Some(note), None)
    } else {
        (None, Some(note))
    };
    let changes = conversion_events::Entity::update_many()
        .col_expr(conversion_events::Column::Status, Expr::value(final_status))
        .col_expr(conversion_events::Column::Attempts, one_more_attempt())
        .col_expr(conversion_events::Column::Detail, Expr::value(detail))
        .col_expr(conversion_events::Column::LastError, Expr::value(error));
    update_held(db, ids, holder, settled(changes, now)).await
}

/// Settles events that were not attempted (too old, no secret any more): dropped, with the reason.
pub async fn drop_unsent(
    db: &impl ConnectionTrait,
    ids: &[i64],
    holder: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let changes = conversion_events::Entity::update_many()
        .col_expr(
            conversion_events::Column::Status,
            Expr::value(status::DROPPED),
        )
        .col_expr(conversion_events::Column::LastError, Expr::value(reason));
    update_held(db, ids, holder, settled(changes, now)).await
}

/// A failed attempt worth repeating at `next_attempt_at`: counted, its error kept.
pub async fn retry_later(
    db: &impl ConnectionTrait,
    ids: &[i64],
    holder: &str,
    error: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<(), AppError> {
    let error: String = error.chars().take(500).collect();
    let changes = conversion_events::Entity::update_many()
        .col_expr(conversion_events::Column::Attempts, one_more_attempt())
        .col_expr(conversion_events::Column::LastError, Expr::value(error))
        .col_expr(
            conversion_events::Column::NextAttemptAt,
            Expr::value(next_attempt_at),
        );
    update_held(db, ids, holder, changes).await
}

/// Gives back events a worker claimed but did not get to (its lease was running out).
pub async fn release(db: &impl ConnectionTrait, ids: &[i64], holder: &str) -> Result<(), AppError> {
    update_held(db, ids, holder, conversion_events::Entity::update_many()).await
}

/// A "send a test event" from the dashboard, already sent: recorded in the log like any other, with the
/// platform's answer (`Ok`: sent, with its detail; `Err`: its error).
pub async fn record_test(
    db: &impl ConnectionTrait,
    subject: Subject,
    pixel_row_id: i32,
    platform: Platform,
    event: &OutgoingEvent,
    answer: Result<&str, &str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let sent = answer.is_ok();
    let note: String = answer
        .unwrap_or_else(|error| error)
        .chars()
        .take(500)
        .collect();
    let row = conversion_events::ActiveModel {
        pixel_id: Set(Some(pixel_row_id)),
        platform: Set(platform.as_str().to_owned()),
        artist_id: Set(subject.artist_id),
        release_id: Set(subject.release_id),
        kind: Set(event.kind.as_str().to_owned()),
        event_name: Set(clients::event_name(platform, event.kind).to_owned()),
        event_id: Set(event.event_id.clone()),
        event_time: Set(event.event_time),
        source_url: Set(event.source_url.clone()),
        referrer_url: Set(None),
        service: Set(event.service.clone()),
        content_name: Set(event.content_name.clone()),
        key_id: Set(None),
        fan: Set(None),
        test: Set(true),
        status: Set(if sent { status::SENT } else { status::FAILED }.to_owned()),
        attempts: Set(1),
        next_attempt_at: Set(now),
        lease_holder: Set(None),
        lease_until: Set(None),
        last_error: Set((!sent).then(|| note.clone())),
        detail: Set(sent.then_some(note)),
        created_at: Set(now),
        settled_at: Set(Some(now)),
        ..Default::default()
    };
    conversion_events::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The delivery log of an artist (all its releases) or of one release: counts by outcome (queued, sent, failed,
/// dropped, retried) and the newest `limit` events.
pub async fn delivery_log(
    db: &impl ConnectionTrait,
    subject: Subject,
    limit: u64,
) -> Result<([u64; 5], Vec<DeliveryLogRow>), AppError> {
    let scoped = || {
        let mut condition =
            Condition::all().add(conversion_events::Column::ArtistId.eq(subject.artist_id));
        if let Some(release_id) = subject.release_id {
            condition = condition.add(conversion_events::Column::ReleaseId.eq(release_id));
        }
        condition
    };
    let by_status: Vec<(String, i64)> = conversion_events::Entity::find()
        .select_only()
        .column(conversion_events::Column::Status)
        .column_as(conversion_events::Column::Id.count(), "n")
        .filter(scoped())
        .group_by(conversion_events::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let retried: i64 = conversion_events::Entity::find()
        .filter(scoped())
        .filter(conversion_events::Column::Status.eq(status::SENT))
        .filter(conversion_events::Column::Attempts.gt(1))
        .select_only()
        .column_as(conversion_events::Column::Id.count(), "n")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or(0);
    let count = |wanted: &str| {
        by_status
            .iter()
            .find(|(status, _)| status == wanted)
            .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
    };
    let counts = [
        count(status::QUEUED),
        count(status::SENT),
        count(status::FAILED),
        count(status::DROPPED),
        u64::try_from(retried).unwrap_or(0),
    ];
    let rows = conversion_events::Entity::find()
        .filter(scoped())
        .order_by_desc(conversion_events::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let platform = row
                .platform
                .parse::<Platform>()
                .map_or(row.platform.clone(), |p| p.short_label().to_owned());
            let note = match row.status.as_str() {
                status::SENT => row.detail.unwrap_or_default(),
                status::QUEUED => match row.last_error {
                    Some(error) => format!(
                        "retrying at {}: {error}",
                        row.next_attempt_at.format("%H:%M:%S")
                    ),
                    None => String::new(),
                },
                _ => row.last_error.unwrap_or_default(),
            };
            let attempts = match row.attempts {
                1 => "1 attempt".to_owned(),
                n => format!("{n} attempts"),
            };
            DeliveryLogRow {
                line: format!(
                    "{} UTC · {platform} {}{} · {} · {attempts}{}{} · event id {}",
                    row.settled_at
                        .unwrap_or(row.created_at)
                        .format("%Y-%m-%d %H:%M:%S"),
                    row.event_name,
                    if row.test { " (test)" } else { "" },
                    row.status,
                    if note.is_empty() { "" } else { " · " },
                    note,
                    row.event_id,
                ),
                status: row.status,
                test: row.test,
            }
        })
        .collect();
    Ok((counts, rows))
}

/// Forgets settled events older than `cutoff` (the log keeps 30 days).
pub async fn delete_settled_before(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(conversion_events::Entity::delete_many()
        .filter(conversion_events::Column::Status.ne(status::QUEUED))
        .filter(conversion_events::Column::SettledAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
