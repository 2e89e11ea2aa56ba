//! Organizations: the label, distributor or solo artist that owns artists and releases.
use crate::server::entities::organizations;
use crate::types::{AppError, Slug};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<organizations::Model, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("the organization needs a name".into()));
    }
    let slug =
        Slug::parse(slug).map_err(|e| AppError::BadRequest(format!("organization slug: {e}")))?;
    if find_by_slug(db, slug.as_str()).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "an organization with the slug \"{slug}\" exists"
        )));
    }
    let model = organizations::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(slug.to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(model.insert(db).await?)
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organizations::Model>, AppError> {
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(slug.to_ascii_lowercase()))
        .one(db)
        .await?)
}

/// `base`, or `base-2`, `base-3`... whichever is free.
pub async fn free_slug(db: &impl ConnectionTrait, base: &str) -> Result<String, AppError> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        if find_by_slug(db, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(AppError::Conflict(
        "choose another organization name".into(),
    ))
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<organizations::Model>, AppError> {
    Ok(organizations::Entity::find_by_id(id).one(db).await?)
}
