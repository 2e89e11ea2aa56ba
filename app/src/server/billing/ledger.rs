//! The entitlement ledger: what each artist holds (bought packages, paid base fees, admins' grants), how much of
//! it is used, and taking it back. Taking back an entitlement unpublishes the releases it paid for, unless
//! something else the artist holds covers them.
use super::access::{self, kind, Verdict, ACTIVE, REVOKED};
use crate::server::entities::{entitlements, organizations, release_access, releases, users};
use crate::server::models::activity;
use crate::types::{AppError, EntitlementView, ReleaseStatus};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

pub struct NewGrant {
    pub organization_id: i32,
    pub artist_id: i32,
    pub release_id: Option<i32>,
    pub name: String,
    pub releases_included: Option<i32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub granted_by: i32,
}

/// An admin's grant.
pub async fn grant(
    db: &impl ConnectionTrait,
    grant: NewGrant,
    now: DateTime<Utc>,
) -> Result<entitlements::Model, AppError> {
    Ok(entitlements::ActiveModel {
        organization_id: Set(grant.organization_id),
        artist_id: Set(grant.artist_id),
        kind: Set(kind::GRANT.into()),
        package_id: Set(None),
        release_id: Set(grant.release_id),
        name: Set(grant.name),
        releases_included: Set(grant.releases_included),
        starts_at: Set(now),
        expires_at: Set(grant.expires_at),
        status: Set(ACTIVE.into()),
        revoked_reason: Set(None),
        revoked_at: Set(None),
        granted_by: Set(Some(grant.granted_by)),
        payment_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Takes an entitlement back. Each release it paid for is moved to another entitlement the artist holds, or
/// unpublished. Returns the releases unpublished. Taking back twice changes nothing.
pub async fn revoke(
    txn: &impl ConnectionTrait,
    entitlement: entitlements::Model,
    reason: &str,
    actor: (Option<i32>, &str),
    now: DateTime<Utc>,
) -> Result<Vec<i32>, AppError> {
    if entitlement.status == REVOKED {
        return Ok(Vec::new());
    }
    let organization = organizations::Entity::find_by_id(entitlement.organization_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = entitlement.name.clone();
    let artist_id = entitlement.artist_id;
    let paid_for = release_access::Entity::find()
        .filter(release_access::Column::EntitlementId.eq(entitlement.id))
        .all(txn)
        .await?;
    let mut active: entitlements::ActiveModel = entitlement.into();
    active.status = Set(REVOKED.into());
    active.revoked_reason = Set(Some(reason.to_owned()));
    active.revoked_at = Set(Some(now));
    active.update(txn).await?;

    let mut unpublished = Vec::new();
    for row in paid_for {
        let release_id = row.release_id;
        row.delete(txn).await?;
        let Some(release) = releases::Entity::find_by_id(release_id).one(txn).await? else {
            continue;
        };
        if release.status != ReleaseStatus::Published.as_str() {
            continue;
        }
        if let Verdict::Covered { .. } | Verdict::Free =
            access::check(txn, &organization, artist_id, release_id, now).await?
        {
            access::claim(txn, &organization, artist_id, release_id, None, now).await?;
            continue;
        }
        let title = release.title.clone();
        let version = release.version + 1;
        let mut draft: releases::ActiveModel = release.into();
        draft.status = Set(ReleaseStatus::Draft.as_str().into());
        draft.version = Set(version);
        draft.updated_at = Set(now);
        draft.update(txn).await?;
        activity::record(
            txn,
            activity::Entry {
                organization_id: organization.id,
                actor_user_id: actor.0,
                actor_name: actor.1.to_owned(),
                action: "release.unpublished",
                subject: activity::Subject::Release(release_id),
                summary: format!(
                    "Unpublished \u{201c}{title}\u{201d}: {name} was taken back ({reason})"
                ),
            },
            now,
        )
        .await?;
        unpublished.push(release_id);
    }
    Ok(unpublished)
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Ledger lines, newest first: the whole organization's, or one artist's.
pub async fn views(
    db: &impl ConnectionTrait,
    organization_id: i32,
    artist_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<EntitlementView>, AppError> {
    let mut query = entitlements::Entity::find()
        .filter(entitlements::Column::OrganizationId.eq(organization_id))
        .order_by_desc(entitlements::Column::Id)
        .limit(200);
    if let Some(artist_id) = artist_id {
        query = query.filter(entitlements::Column::ArtistId.eq(artist_id));
    }
    let rows = query.all(db).await?;
    let artist_names = crate::server::models::artists::names_in(db, organization_id).await?;
    let payments: HashMap<i32, (i64, String)> = crate::server::entities::payments::Entity::find()
        .filter(
            crate::server::entities::payments::Column::Id
                .is_in(rows.iter().filter_map(|e| e.payment_id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, (p.amount_cents, p.currency)))
        .collect();
    let granters: HashMap<i32, String> = users::Entity::find()
        .filter(
            users::Column::Id.is_in(rows.iter().filter_map(|e| e.granted_by).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|e| {
            let used = i64::from(e.releases_used);
            let plural = |n: i64| if n == 1 { "release" } else { "releases" };
            let usage = match e.releases_included {
                Some(limit) => format!("{used} of {limit} {} used", plural(i64::from(limit))),
                None => format!("{used} {} used", plural(used)),
            };
            let used_up = e
                .releases_included
                .is_some_and(|limit| used >= i64::from(limit));
            let state = if e.status == REVOKED {
                format!(
                    "taken back {}: {}",
                    e.revoked_at.map(day).unwrap_or_default(),
                    e.revoked_reason.clone().unwrap_or_default()
                )
            } else if e.expires_at.is_some_and(|end| end <= now) {
                format!("ended {}", e.expires_at.map(day).unwrap_or_default())
            } else if used_up {
                "used up".into()
            } else {
                match e.expires_at {
                    Some(end) => format!("active until {}", day(end)),
                    None => "active".into(),
                }
            };
            let source = match (e.payment_id.and_then(|id| payments.get(&id)), e.granted_by) {
                (Some((cents, currency)), _) => {
                    format!("{} paid", super::money::format(*cents, currency))
                }
                (None, Some(user)) => format!(
                    "granted by {}",
                    granters.get(&user).map_or("an admin", String::as_str)
                ),
                (None, None) => "granted".into(),
            };
            EntitlementView {
                id: e.id,
                artist: artist_names.get(&e.artist_id).cloned().unwrap_or_default(),
                name: e.name.clone(),
                usage,
                active: access::in_force(&e, now) && !used_up,
                revocable: e.status != REVOKED,
                state,
                source,
                created: day(e.created_at),
            }
        })
        .collect())
}
