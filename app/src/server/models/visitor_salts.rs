//! The daily visitor salts: created on first use of a UTC day by whichever instance comes first, read by all, and
//! deleted once 48 hours old.
use crate::server::entities::visitor_salts;
use crate::types::AppError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// How long a salt lives: long enough to cover its own day in every time zone's reports, short enough that
/// hashes cannot be linked across days.
pub const SALT_LIFETIME: Duration = Duration::hours(48);

/// The salt of `day`, created if this is the first request for it. Instances racing to create it agree on one.
pub async fn salt_for_day(
    db: &impl ConnectionTrait,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<[u8; 32], AppError> {
    let key = day.format("%Y-%m-%d").to_string();
    let fresh: [u8; 32] = rand::random();
    visitor_salts::Entity::insert(visitor_salts::ActiveModel {
        day: Set(key.clone()),
        salt: Set(hex::encode(fresh)),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    let stored = visitor_salts::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("visitor salt missing right after its insert"))?;
    let bytes = hex::decode(&stored.salt).map_err(AppError::internal)?;
    bytes
        .try_into()
        .map_err(|_| AppError::internal("a stored visitor salt is not 32 bytes"))
}

/// Deletes salts older than `SALT_LIFETIME`; returns how many.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(visitor_salts::Entity::delete_many()
        .filter(visitor_salts::Column::CreatedAt.lt(now - SALT_LIFETIME))
        .exec(db)
        .await?
        .rows_affected)
}
