//! The signed-in caller of a server function: their user, session and membership in the organization the
//! dashboard is showing. Resolved from the session cookie on every call, so a removed member or a changed role
//! takes effect at once.
use super::session;
use crate::server::entities::{memberships, organizations, users};
use crate::server::ServerCtx;
use crate::types::{AppError, Role};
use http::request::Parts;
use leptos::prelude::use_context;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::net::IpAddr;

/// The client's address as the server resolved it (behind a trusted proxy, from its header). Put into request
/// extensions by the server; used for sign-in throttling and never stored raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// A membership: the caller's role in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: i32,
    pub organization_id: i32,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: users::Model,
    /// The session's id (the token's hash).
    pub session_id: String,
    /// `None` when the user belongs to no organization (they left, or were removed).
    pub membership: Option<Membership>,
}

impl Caller {
    /// The membership, or 403 when the caller has no organization.
    pub fn member(&self) -> Result<&Membership, AppError> {
        self.membership.as_ref().ok_or(AppError::Forbidden)
    }

    /// The membership when the caller is an admin of their organization, else 403.
    pub fn admin(&self) -> Result<&Membership, AppError> {
        match self.member()? {
            membership if membership.role == Role::Admin => Ok(membership),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The display name written into the activity log.
    pub fn name(&self) -> String {
        crate::server::models::accounts::display_name(&self.user)
    }
}

/// The request being served (server functions and SSR both see it).
pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))
}

/// The caller if signed in.
pub async fn current(ctx: &ServerCtx) -> Result<Option<Caller>, AppError> {
    from_headers(ctx, &request_parts()?.headers).await
}

/// The caller of a request with these headers (plain axum handlers, which have no Leptos context).
pub async fn from_headers(
    ctx: &ServerCtx,
    headers: &http::HeaderMap,
) -> Result<Option<Caller>, AppError> {
    let Some(token) = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| session::token_from_cookie_header(header, ctx.secure_cookies()))
        .map(str::to_owned)
    else {
        return Ok(None);
    };
    let Some((session, user)) = session::find(&ctx.db, &token, ctx.clock.now()).await? else {
        return Ok(None);
    };
    let membership = match session.organization_id {
        Some(organization_id) => membership_in(&ctx.db, user.id, organization_id).await?,
        None => None,
    };
    // The session's organization is gone or the user was removed from it: fall back to another one, if any.
    let membership = match membership {
        Some(membership) => Some(membership),
        None => {
            let fallback = first_membership(&ctx.db, user.id).await?;
            let organization_id = fallback.as_ref().map(|m| m.organization_id);
            if organization_id != session.organization_id {
                session::set_organization(&ctx.db, &session.id, organization_id).await?;
            }
            fallback
        }
    };
    Ok(Some(Caller {
        user,
        session_id: session.id,
        membership,
    }))
}

/// The caller, or 401.
pub async fn require(ctx: &ServerCtx) -> Result<Caller, AppError> {
    current(ctx).await?.ok_or(AppError::Unauthorized)
}

pub async fn membership_in(
    db: &impl ConnectionTrait,
    user_id: i32,
    organization_id: i32,
) -> Result<Option<Membership>, AppError> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .map(to_membership)
        .transpose()
}

/// The user's oldest membership: where a fresh session starts.
pub async fn first_membership(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<Membership>, AppError> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::Id)
        .one(db)
        .await?
        .map(to_membership)
        .transpose()
}

/// Every organization the user belongs to, oldest membership first.
pub async fn organizations_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(memberships::Model, organizations::Model)>, AppError> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .find_also_related(organizations::Entity)
        .order_by_asc(memberships::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(membership, organization)| organization.map(|o| (membership, o)))
        .collect())
}

fn to_membership(model: memberships::Model) -> Result<Membership, AppError> {
    Ok(Membership {
        id: model.id,
        organization_id: model.organization_id,
        role: model.role.parse().map_err(AppError::internal)?,
    })
}

/// The client's address for this request, when the server provided it.
pub fn client_ip() -> Option<IpAddr> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .map(|ClientIp(ip)| ip)
}
