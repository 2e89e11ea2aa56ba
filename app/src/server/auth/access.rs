//! What a member may touch. Admins reach everything in their organization; artists and team members reach what
//! their grants name. Every lookup is scoped by the caller's organization first, so another organization's ids
//! answer "not found", never "forbidden": guessing ids reveals nothing.
use super::caller::Membership;
use crate::server::entities::{artists, member_grants, releases};
use crate::types::{Access, AppError, GrantTarget, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A member's grants, loaded once per call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub artists: HashMap<i32, Access>,
    pub releases: HashMap<i32, Access>,
}

impl Grants {
    /// The access a release gets through its artist's grant or its own, whichever is higher.
    pub fn release_access(&self, artist_id: i32, release_id: i32) -> Option<Access> {
        let through_artist = self.artists.get(&artist_id).copied();
        let direct = self.releases.get(&release_id).copied();
        through_artist.max(direct)
    }
}

/// Which releases and artists a member may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Admins: the whole organization.
    Organization,
    /// Everyone else: what their grants name.
    Granted(Grants),
}

impl Scope {
    pub fn release_access(&self, artist_id: i32, release_id: i32) -> Option<Access> {
        match self {
            Scope::Organization => Some(Access::Owner),
            Scope::Granted(grants) => grants.release_access(artist_id, release_id),
        }
    }

    pub fn artist_access(&self, artist_id: i32) -> Option<Access> {
        match self {
            Scope::Organization => Some(Access::Owner),
            Scope::Granted(grants) => grants.artists.get(&artist_id).copied(),
        }
    }
}

pub async fn grants_of(db: &impl ConnectionTrait, membership_id: i32) -> Result<Grants, AppError> {
    let mut grants = Grants::default();
    for row in member_grants::Entity::find()
        .filter(member_grants::Column::MembershipId.eq(membership_id))
        .all(db)
        .await?
    {
        let access: Access = row.access.parse().map_err(AppError::internal)?;
        let slot = match (row.artist_id, row.release_id) {
            (Some(artist), None) => grants.artists.entry(artist).or_insert(access),
            (None, Some(release)) => grants.releases.entry(release).or_insert(access),
            _ => continue,
        };
        *slot = (*slot).max(access);
    }
    Ok(grants)
}

pub async fn scope_of(
    db: &impl ConnectionTrait,
    membership: &Membership,
) -> Result<Scope, AppError> {
    Ok(match membership.role {
        Role::Admin => Scope::Organization,
        Role::Artist | Role::Team => Scope::Granted(grants_of(db, membership.id).await?),
    })
}

/// A release of the caller's organization with the caller's access to it, when they need at least `needed`.
/// Outside the organization or without any grant: 404. Seen but not enough access: 403.
pub async fn release_for(
    db: &impl ConnectionTrait,
    membership: &Membership,
    release_id: i32,
    needed: Access,
) -> Result<(releases::Model, artists::Model, Access), AppError> {
    let Some((release, Some(artist))) = releases::Entity::find_by_id(release_id)
        .find_also_related(artists::Entity)
        .one(db)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    if artist.organization_id != membership.organization_id {
        return Err(AppError::NotFound);
    }
    let access = scope_of(db, membership)
        .await?
        .release_access(artist.id, release.id)
        .ok_or(AppError::NotFound)?;
    if access < needed {
        return Err(AppError::Forbidden);
    }
    Ok((release, artist, access))
}

/// An artist of the caller's organization with the caller's access to it (same rules as `release_for`).
pub async fn artist_for(
    db: &impl ConnectionTrait,
    membership: &Membership,
    artist_id: i32,
    needed: Access,
) -> Result<(artists::Model, Access), AppError> {
    let artist = artists::Entity::find_by_id(artist_id)
        .one(db)
        .await?
        .filter(|artist| artist.organization_id == membership.organization_id)
        .ok_or(AppError::NotFound)?;
    let access = scope_of(db, membership)
        .await?
        .artist_access(artist.id)
        .ok_or(AppError::NotFound)?;
    if access < needed {
        return Err(AppError::Forbidden);
    }
    Ok((artist, access))
}

/// Checks that a grant names something in `organization_id`, and returns what it will be shown as.
pub async fn grant_target_label(
    db: &impl ConnectionTrait,
    organization_id: i32,
    target: GrantTarget,
) -> Result<String, AppError> {
    match target {
        GrantTarget::Artist(id) => artists::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|artist| artist.organization_id == organization_id)
            .map(|artist| artist.name)
            .ok_or_else(|| AppError::BadRequest("that artist is not in this organization".into())),
        GrantTarget::Release(id) => match releases::Entity::find_by_id(id)
            .find_also_related(artists::Entity)
            .one(db)
            .await?
        {
            Some((release, Some(artist))) if artist.organization_id == organization_id => {
                Ok(format!("{} · {}", artist.name, release.title))
            }
            _ => Err(AppError::BadRequest(
                "that release is not in this organization".into(),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_access_takes_the_higher_grant() {
        let mut grants = Grants::default();
        grants.artists.insert(1, Access::View);
        grants.releases.insert(10, Access::Edit);
        assert_eq!(grants.release_access(1, 10), Some(Access::Edit));
        assert_eq!(grants.release_access(1, 11), Some(Access::View));
        assert_eq!(grants.release_access(2, 12), None);
        assert_eq!(
            Scope::Organization.release_access(9, 99),
            Some(Access::Owner)
        );
    }
}
