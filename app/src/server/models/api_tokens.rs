//! Personal API tokens: created by a member for their current organization, shown once, stored as a SHA-256,
//! revocable. A token acts with its user's rights as they are at each call.
use crate::server::auth::{caller, session, Caller, Membership};
use crate::server::entities::{api_tokens, users};
use crate::types::{ApiTokenView, AppError};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// Tokens start with this, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "ddt_";
pub const MAX_TOKENS_PER_USER: usize = 20;

fn view(token: api_tokens::Model) -> ApiTokenView {
    ApiTokenView {
        id: token.id,
        name: token.name,
        prefix: token.prefix,
        created_at: token.created_at,
        last_used_at: token.last_used_at,
    }
}

/// The caller's live tokens in their current organization, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> Result<Vec<ApiTokenView>, AppError> {
    let membership = caller.member()?;
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(caller.user.id))
        .filter(api_tokens::Column::OrganizationId.eq(membership.organization_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .order_by_desc(api_tokens::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// A new token named `name`; returns it with the secret, which is never shown again.
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(ApiTokenView, String), AppError> {
    let membership = caller.member()?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "name the token (up to 100 characters), e.g. \"weekly report\"".into(),
        ));
    }
    if list(db, caller).await?.len() >= MAX_TOKENS_PER_USER {
        return Err(AppError::Conflict(format!(
            "you have {MAX_TOKENS_PER_USER} tokens here; revoke one first"
        )));
    }
    let secret = format!("{TOKEN_PREFIX}{}", session::new_token());
    let token = api_tokens::ActiveModel {
        user_id: Set(caller.user.id),
        organization_id: Set(membership.organization_id),
        name: Set(name.to_owned()),
        token_hash: Set(session::hash_token(&secret)),
        prefix: Set(secret.chars().take(10).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((view(token), secret))
}

pub async fn revoke(
    db: &impl ConnectionTrait,
    caller: &Caller,
    token_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let revoked = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_tokens::Column::Id.eq(token_id))
        .filter(api_tokens::Column::UserId.eq(caller.user.id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The user and membership a bearer token acts as, if it is live and its user still belongs to the organization.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(users::Model, Membership)>, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 100 {
        return Ok(None);
    }
    let Some(token) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(session::hash_token(secret)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = users::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    let Some(membership) = caller::membership_in(db, user.id, token.organization_id).await? else {
        return Ok(None);
    };
    // Written at most once a minute per token, so busy API clients do not turn reads into writes.
    if token
        .last_used_at
        .is_none_or(|used| now - used >= Duration::minutes(1))
    {
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_tokens::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(Some((user, membership)))
}
