//! The durable email outbox: a message is a row first, so it survives a crash or an SMTP outage, and a background
//! worker in the server delivers it.
use crate::server::entities::email_outbox;
use crate::types::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// A plain-text email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
}

/// Queues `email` for delivery. Call it inside the transaction that makes the email true (an invitation), so the
/// two commit or fail together.
pub async fn enqueue_email(
    db: &impl ConnectionTrait,
    email: OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let row = email_outbox::ActiveModel {
        to_address: Set(email.to),
        subject: Set(email.subject),
        body_text: Set(email.body_text),
        created_at: Set(now),
        run_at: Set(now),
        attempts: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Still to deliver: neither sent nor given up on.
fn pending() -> Condition {
    Condition::all()
        .add(email_outbox::Column::SentAt.is_null())
        .add(email_outbox::Column::FailedAt.is_null())
}

/// Pending, due at `now`, and not held by a live lease.
fn due(now: DateTime<Utc>) -> Condition {
    pending().add(email_outbox::Column::RunAt.lte(now)).add(
        Condition::any()
            .add(email_outbox::Column::LockedUntil.is_null())
            .add(email_outbox::Column::LockedUntil.lt(now)),
    )
}

/// Up to `limit` emails due for delivery at `now` that no worker holds, oldest first. Only candidates: a worker
/// must still win [`claim_email`] before sending one.
pub async fn due_emails(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<email_outbox::Model>, AppError> {
    Ok(email_outbox::Entity::find()
        .filter(due(now))
        .order_by_asc(email_outbox::Column::RunAt)
        .order_by_asc(email_outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Takes a lease on email `id` until `lease_until`, with one conditional UPDATE: it succeeds only while the row is
/// still due and no other worker holds a live lease, so two workers (or two instances) never both get it, and a
/// crashed worker's lease simply lapses. Returns the row when this caller won it.
pub async fn claim_email(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<email_outbox::Model>, AppError> {
    let claimed = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::LockedUntil, Expr::value(lease_until))
        .filter(email_outbox::Column::Id.eq(id))
        .filter(due(now))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    Ok(email_outbox::Entity::find_by_id(id).one(db).await?)
}

/// Records a delivery. `attempts` counts every attempt, this one included.
pub async fn mark_email_sent(
    db: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::SentAt, Expr::value(now))
        .col_expr(email_outbox::Column::Attempts, Expr::value(attempts))
        .col_expr(
            email_outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(email_outbox::Column::Id.eq(id))
        .filter(pending())
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt to be retried at `run_at`, and gives up the lease.
pub async fn mark_email_retry(
    db: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    error: &str,
    run_at: DateTime<Utc>,
) -> Result<(), AppError> {
    record_failed_attempt(db, id, attempts, error, email_outbox::Column::RunAt, run_at).await
}

/// Gives up on email `id` (a permanent error, or too many attempts): it is never tried again.
pub async fn mark_email_failed(
    db: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    record_failed_attempt(db, id, attempts, error, email_outbox::Column::FailedAt, now).await
}

/// A failed attempt: counts it, keeps the error, releases the lease and sets `column` (when to retry, or when it
/// was given up).
async fn record_failed_attempt(
    db: &impl ConnectionTrait,
    id: i64,
    attempts: i32,
    error: &str,
    column: email_outbox::Column,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Attempts, Expr::value(attempts))
        .col_expr(email_outbox::Column::LastError, Expr::value(error))
        .col_expr(column, Expr::value(at))
        .col_expr(
            email_outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(email_outbox::Column::Id.eq(id))
        .filter(pending())
        .exec(db)
        .await?;
    Ok(())
}
