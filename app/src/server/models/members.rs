//! Members of an organization, their grants, and invitations: who may invite whom, accepting an invitation,
//! changing roles and removing people. Every function takes the acting membership and enforces its rights.
use crate::server::auth::{access, caller, session, throttle, Membership};
use crate::server::entities::{
    artists, invitations, member_grants, memberships, organizations, releases, users,
};
use crate::server::models::{accounts, activity, outbox};
use crate::types::{
    Access, AppError, GrantInput, GrantOption, GrantTarget, GrantView, InvitationPreview,
    InvitationStatus, InvitationView, MemberView, Role,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How long an invitation link works.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);
pub const MAX_GRANTS: usize = 200;

/// True when the member may invite anyone: admins, and artists who own an artist profile.
pub async fn may_invite(
    db: &impl ConnectionTrait,
    membership: &Membership,
) -> Result<bool, AppError> {
    Ok(match membership.role {
        Role::Admin => true,
        Role::Artist => owned_artist_ids(db, membership).await?.next().is_some(),
        Role::Team => false,
    })
}

async fn owned_artist_ids(
    db: &impl ConnectionTrait,
    membership: &Membership,
) -> Result<impl Iterator<Item = i32>, AppError> {
    let grants = access::grants_of(db, membership.id).await?;
    Ok(grants
        .artists
        .into_iter()
        .filter(|(_, access)| *access == Access::Owner)
        .map(|(artist, _)| artist))
}

/// The artists an actor manages people for: `None` for admins (all of them), the owned ones for artists; team
/// members manage nobody.
async fn managed_artists(
    db: &impl ConnectionTrait,
    membership: &Membership,
) -> Result<Option<HashSet<i32>>, AppError> {
    match membership.role {
        Role::Admin => Ok(None),
        Role::Artist => Ok(Some(owned_artist_ids(db, membership).await?.collect())),
        Role::Team => Err(AppError::Forbidden),
    }
}

/// The artist a grant is about: itself, or the release's artist.
async fn artist_of(db: &impl ConnectionTrait, target: GrantTarget) -> Result<i32, AppError> {
    Ok(match target {
        GrantTarget::Artist(id) => id,
        GrantTarget::Release(id) => releases::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|release| release.artist_id)
            .unwrap_or_default(),
    })
}

/// Checks `grants` for an invitation or a role change by `actor`, and returns them with their labels.
async fn checked_grants(
    db: &impl ConnectionTrait,
    actor: &Membership,
    role: Role,
    grants: &[GrantInput],
) -> Result<Vec<GrantView>, AppError> {
    if grants.len() > MAX_GRANTS {
        return Err(AppError::BadRequest(format!(
            "at most {MAX_GRANTS} grants per member"
        )));
    }
    match role {
        Role::Admin if !grants.is_empty() => {
            return Err(AppError::BadRequest(
                "admins reach everything; they take no grants".into(),
            ))
        }
        Role::Artist
            if grants
                .iter()
                .any(|g| !matches!(g.target, GrantTarget::Artist(_))) =>
        {
            return Err(AppError::BadRequest(
                "an artist is granted artist profiles, not single releases".into(),
            ))
        }
        Role::Team if grants.iter().any(|g| g.access == Access::Owner) => {
            return Err(AppError::BadRequest(
                "a team member can view or edit, not own".into(),
            ))
        }
        Role::Team if grants.is_empty() => {
            return Err(AppError::BadRequest(
                "choose at least one artist or release for the team member".into(),
            ))
        }
        _ => {}
    }
    let owned = managed_artists(db, actor).await?.unwrap_or_default();
    let mut seen = HashSet::new();
    let mut views = Vec::with_capacity(grants.len());
    for grant in grants {
        if !seen.insert(grant.target) {
            continue;
        }
        let label = access::grant_target_label(db, actor.organization_id, grant.target).await?;
        if actor.role == Role::Artist {
            // An artist shares only their own profiles, and only as view or edit.
            if !owned.contains(&artist_of(db, grant.target).await?) || grant.access == Access::Owner
            {
                return Err(AppError::Forbidden);
            }
        }
        views.push(GrantView {
            target: grant.target,
            access: grant.access,
            label,
        });
    }
    Ok(views)
}

/// What an invitation stores about its grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredGrant {
    target: GrantTarget,
    access: Access,
}

pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub role: Role,
    pub grants: &'a [GrantInput],
}

/// Creates an invitation and, when email is on, queues the email; returns it with its one-time token.
pub async fn invite(
    db: &DatabaseConnection,
    actor: &caller::Caller,
    new: NewInvitation<'_>,
    public_url: &str,
    send_email: bool,
    now: DateTime<Utc>,
) -> Result<(InvitationView, String), AppError> {
    let membership = actor.member()?;
    if !may_invite(db, membership).await? {
        return Err(AppError::Forbidden);
    }
    if membership.role == Role::Artist && new.role != Role::Team {
        return Err(AppError::Forbidden);
    }
    let email = accounts::normalize_email(new.email)?;
    let grants = checked_grants(db, membership, new.role, new.grants).await?;
    if let Some(user) = accounts::find_by_email(db, &email).await? {
        if caller::membership_in(db, user.id, membership.organization_id)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "{email} is already a member; change their role or grants instead"
            )));
        }
    }
    let organization = organizations::Entity::find_by_id(membership.organization_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;

    let token = session::new_token();
    let stored: Vec<StoredGrant> = grants
        .iter()
        .map(|grant| StoredGrant {
            target: grant.target,
            access: grant.access,
        })
        .collect();
    let txn = crate::server::db::begin_write(db).await?;
    let invitation = invitations::ActiveModel {
        organization_id: Set(membership.organization_id),
        email: Set(email.clone()),
        role: Set(new.role.as_str().to_owned()),
        grants: Set(serde_json::to_string(&stored).map_err(AppError::internal)?),
        token_hash: Set(session::hash_token(&token)),
        invited_by: Set(Some(actor.user.id)),
        created_at: Set(now),
        expires_at: Set(now + INVITATION_LIFETIME),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let link = invitation_link(public_url, &token);
    if send_email {
        outbox::enqueue_email(
            &txn,
            outbox::OutgoingEmail {
                to: email.clone(),
                subject: format!("{} invited you to {} on Dropday", actor.name(), organization.name),
                body_text: format!(
                    "{inviter} invited you to join {organization} on Dropday as {role}.\n\n\
                     Accept the invitation:\n{link}\n\n\
                     The link works once and expires on {expires} UTC. If you did not expect this email, \
                     you can ignore it.\n",
                    inviter = actor.name(),
                    organization = organization.name,
                    role = new.role.label().to_lowercase(),
                    expires = invitation.expires_at.format("%Y-%m-%d %H:%M"),
                ),
            },
            now,
        )
        .await?;
    }
    activity::record(
        &txn,
        activity::Entry::by(
            actor,
            membership.organization_id,
            "member.invited",
            activity::Subject::Invitation(invitation.id),
            format!("Invited {email} as {}", new.role.label().to_lowercase()),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    let inviter = Some(actor.name());
    Ok((invitation_view(invitation, grants, inviter, now)?, link))
}

pub fn invitation_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/invite/{token}")
}

fn invitation_status(invitation: &invitations::Model, now: DateTime<Utc>) -> InvitationStatus {
    if invitation.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if invitation.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if invitation.expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn invitation_view(
    invitation: invitations::Model,
    grants: Vec<GrantView>,
    invited_by: Option<String>,
    now: DateTime<Utc>,
) -> Result<InvitationView, AppError> {
    Ok(InvitationView {
        status: invitation_status(&invitation, now),
        id: invitation.id,
        role: invitation.role.parse().map_err(AppError::internal)?,
        email: invitation.email,
        grants,
        invited_by,
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
    })
}

async fn stored_grant_views(
    db: &impl ConnectionTrait,
    organization_id: i32,
    stored: &str,
) -> Result<Vec<GrantView>, AppError> {
    let stored: Vec<StoredGrant> = serde_json::from_str(stored).map_err(AppError::internal)?;
    let mut views = Vec::with_capacity(stored.len());
    for grant in stored {
        // A release or artist deleted since: the grant lapses with it.
        if let Ok(label) = access::grant_target_label(db, organization_id, grant.target).await {
            views.push(GrantView {
                target: grant.target,
                access: grant.access,
                label,
            });
        }
    }
    Ok(views)
}

/// Invitations an admin sees (all of the organization's) or an artist sees (the ones they sent), newest first.
pub async fn list_invitations(
    db: &impl ConnectionTrait,
    actor: &caller::Caller,
    now: DateTime<Utc>,
) -> Result<Vec<InvitationView>, AppError> {
    let membership = actor.member()?;
    let mut query = invitations::Entity::find()
        .filter(invitations::Column::OrganizationId.eq(membership.organization_id));
    match membership.role {
        Role::Admin => {}
        Role::Artist => query = query.filter(invitations::Column::InvitedBy.eq(actor.user.id)),
        Role::Team => return Err(AppError::Forbidden),
    }
    let rows = query.order_by_desc(invitations::Column::Id).all(db).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let inviter = match row.invited_by {
            Some(id) => users::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|user| user.display_name),
            None => None,
        };
        let grants = stored_grant_views(db, membership.organization_id, &row.grants).await?;
        views.push(invitation_view(row, grants, inviter, now)?);
    }
    Ok(views)
}

/// Withdraws a pending invitation: its link stops working.
pub async fn revoke_invitation(
    db: &DatabaseConnection,
    actor: &caller::Caller,
    invitation_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let membership = actor.member()?;
    let invitation = invitations::Entity::find_by_id(invitation_id)
        .one(db)
        .await?
        .filter(|invitation| invitation.organization_id == membership.organization_id)
        .ok_or(AppError::NotFound)?;
    let allowed = match membership.role {
        Role::Admin => true,
        Role::Artist => invitation.invited_by == Some(actor.user.id),
        Role::Team => false,
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if invitation_status(&invitation, now) != InvitationStatus::Pending {
        return Err(AppError::Conflict(
            "this invitation is no longer pending".into(),
        ));
    }
    let txn = crate::server::db::begin_write(db).await?;
    let email = invitation.email.clone();
    let mut active: invitations::ActiveModel = invitation.into();
    active.revoked_at = Set(Some(now));
    active.update(&txn).await?;
    activity::record(
        &txn,
        activity::Entry::by(
            actor,
            membership.organization_id,
            "invitation.revoked",
            activity::Subject::Invitation(invitation_id),
            format!("Withdrew the invitation to {email}"),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn pending_invitation(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<invitations::Model, AppError> {
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(session::hash_token(token.trim())))
        .one(db)
        .await?
        .ok_or_else(|| AppError::BadRequest("this invitation link is not valid".into()))?;
    match invitation_status(&invitation, now) {
        InvitationStatus::Pending => Ok(invitation),
        InvitationStatus::Accepted => Err(AppError::BadRequest(
            "this invitation was already used; sign in instead".into(),
        )),
        InvitationStatus::Expired => Err(AppError::BadRequest(
            "this invitation has expired; ask for a new one".into(),
        )),
        InvitationStatus::Revoked => {
            Err(AppError::BadRequest("this invitation was withdrawn".into()))
        }
    }
}

/// What the accept page shows. Anyone with the link may see it: the link is the secret.
pub async fn preview(
    db: &impl ConnectionTrait,
    token: &str,
    signed_in_user: Option<&users::Model>,
    now: DateTime<Utc>,
) -> Result<InvitationPreview, AppError> {
    let invitation = pending_invitation(db, token, now).await?;
    let organization = organizations::Entity::find_by_id(invitation.organization_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let invited_by = match invitation.invited_by {
        Some(id) => users::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|user| user.display_name),
        None => None,
    };
    Ok(InvitationPreview {
        organization_name: organization.name,
        account_exists: accounts::find_by_email(db, &invitation.email)
            .await?
            .is_some(),
        signed_in_as_invitee: signed_in_user.is_some_and(|user| user.email == invitation.email),
        role: invitation.role.parse().map_err(AppError::internal)?,
        email: invitation.email,
        invited_by,
    })
}

/// The invitee's answer: the password of their existing account, or the name and password of a new one. Not
/// needed when they are signed in as the invited email already.
pub struct Acceptance<'a> {
    pub display_name: Option<&'a str>,
    pub password: &'a str,
}

/// Accepts an invitation: creates the account or links the existing one, adds the membership and grants, and
/// uses up the link. Returns the user and organization the new session should show.
pub async fn accept(
    db: &DatabaseConnection,
    token: &str,
    signed_in_user: Option<&users::Model>,
    acceptance: Acceptance<'_>,
    sign_in: accounts::SignInContext<'_>,
    now: DateTime<Utc>,
) -> Result<(users::Model, i32), AppError> {
    let invitation = pending_invitation(db, token, now).await?;
    let existing = accounts::find_by_email(db, &invitation.email).await?;
    let signed_in_as_invitee = signed_in_user.is_some_and(|user| user.email == invitation.email);
    if let (Some(user), false) = (&existing, signed_in_as_invitee) {
        // Linking an existing account proves it is theirs, under the same throttle as sign-in.
        let keys = throttle::AttemptKeys::new(sign_in.secret_key, &user.email, sign_in.client_ip);
        throttle::check_password(
            db,
            &keys,
            now,
            acceptance.password,
            user.password_hash.as_deref(),
            AppError::BadRequest(format!(
                "{} already has an account: enter its password to accept",
                user.email
            )),
        )
        .await?;
    }

    let prepared = match &existing {
        Some(_) => None,
        None => Some(
            accounts::prepare_user(
                &invitation.email,
                acceptance.display_name.unwrap_or_default(),
                acceptance.password,
            )
            .await?,
        ),
    };

    let txn = crate::server::db::begin_write(db).await?;
    // Single use even when two tabs accept at once: only one UPDATE finds the row still open.
    let claimed = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::BadRequest(
            "this invitation was already used; sign in instead".into(),
        ));
    }
    let user = match (existing, prepared) {
        (Some(user), _) => user,
        (None, Some(prepared)) => accounts::insert_user(&txn, prepared, now).await?,
        (None, None) => {
            return Err(AppError::internal(
                "an invitee with neither account nor form",
            ))
        }
    };
    invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedBy,
            sea_orm::sea_query::Expr::value(Some(user.id)),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .exec(&txn)
        .await?;

    let role: Role = invitation.role.parse().map_err(AppError::internal)?;
    let membership = match caller::membership_in(&txn, user.id, invitation.organization_id).await? {
        Some(existing) => {
            // Already a member (invited twice): keep the stronger role.
            if role_rank(role) > role_rank(existing.role) {
                set_role(&txn, existing.id, role).await?;
            }
            existing.id
        }
        None => {
            accounts::add_membership(&txn, invitation.organization_id, user.id, role, now)
                .await?
                .id
        }
    };
    let stored: Vec<StoredGrant> =
        serde_json::from_str(&invitation.grants).map_err(AppError::internal)?;
    for grant in stored {
        if access::grant_target_label(&txn, invitation.organization_id, grant.target)
            .await
            .is_ok()
        {
            add_grant(&txn, membership, grant.target, grant.access, now).await?;
        }
    }
    activity::record(
        &txn,
        activity::Entry {
            organization_id: invitation.organization_id,
            actor_user_id: Some(user.id),
            actor_name: user.display_name.clone(),
            action: "member.joined",
            subject: activity::Subject::Member(membership),
            summary: format!("Joined as {}", role.label().to_lowercase()),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((user, invitation.organization_id))
}

fn role_rank(role: Role) -> u8 {
    match role {
        Role::Team => 0,
        Role::Artist => 1,
        Role::Admin => 2,
    }
}

async fn set_role(
    db: &impl ConnectionTrait,
    membership_id: i32,
    role: Role,
) -> Result<(), AppError> {
    memberships::Entity::update_many()
        .col_expr(
            memberships::Column::Role,
            sea_orm::sea_query::Expr::value(role.as_str()),
        )
        .filter(memberships::Column::Id.eq(membership_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Grants `access` on `target` to a membership (callers check that the target is in its organization).
pub async fn add_grant(
    db: &impl ConnectionTrait,
    membership_id: i32,
    target: GrantTarget,
    access: Access,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (artist_id, release_id) = target.columns();
    member_grants::ActiveModel {
        membership_id: Set(membership_id),
        artist_id: Set(artist_id),
        release_id: Set(release_id),
        access: Set(access.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn grant_views(
    db: &impl ConnectionTrait,
    organization_id: i32,
    membership_id: i32,
) -> Result<Vec<GrantView>, AppError> {
    let mut views = Vec::new();
    for row in member_grants::Entity::find()
        .filter(member_grants::Column::MembershipId.eq(membership_id))
        .order_by_asc(member_grants::Column::Id)
        .all(db)
        .await?
    {
        let target = match (row.artist_id, row.release_id) {
            (Some(id), _) => GrantTarget::Artist(id),
            (None, Some(id)) => GrantTarget::Release(id),
            (None, None) => continue,
        };
        views.push(GrantView {
            target,
            access: row.access.parse().map_err(AppError::internal)?,
            label: access::grant_target_label(db, organization_id, target).await?,
        });
    }
    Ok(views)
}

/// The members page: admins see everyone; artists see the people working on their artists.
pub async fn list_members(
    db: &impl ConnectionTrait,
    actor: &caller::Caller,
) -> Result<Vec<MemberView>, AppError> {
    let membership = actor.member()?;
    let owned = managed_artists(db, membership).await?;
    let rows = memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(membership.organization_id))
        .find_also_related(users::Entity)
        .order_by_asc(memberships::Column::Id)
        .all(db)
        .await?;
    let mut members = Vec::with_capacity(rows.len());
    for (row, user) in rows {
        let Some(user) = user else { continue };
        let grants = grant_views(db, membership.organization_id, row.id).await?;
        if let Some(owned) = &owned {
            let mut touches_owned = false;
            for grant in &grants {
                touches_owned |= owned.contains(&artist_of(db, grant.target).await?);
            }
            if !touches_owned && row.id != membership.id {
                continue;
            }
        }
        members.push(MemberView {
            membership_id: row.id,
            user_id: user.id,
            is_you: user.id == actor.user.id,
            email: user.email,
            display_name: user.display_name,
            role: row.role.parse().map_err(AppError::internal)?,
            grants,
            joined_at: row.created_at,
        });
    }
    Ok(members)
}

async fn member_of_organization(
    db: &impl ConnectionTrait,
    organization_id: i32,
    membership_id: i32,
) -> Result<(memberships::Model, users::Model), AppError> {
    match memberships::Entity::find_by_id(membership_id)
        .find_also_related(users::Entity)
        .one(db)
        .await?
    {
        Some((membership, Some(user))) if membership.organization_id == organization_id => {
            Ok((membership, user))
        }
        _ => Err(AppError::NotFound),
    }
}

async fn admin_count(db: &impl ConnectionTrait, organization_id: i32) -> Result<u64, AppError> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.eq(Role::Admin.as_str()))
        .count(db)
        .await?)
}

/// Admins only: sets a member's role and replaces their grants.
pub async fn change_role(
    db: &DatabaseConnection,
    actor: &caller::Caller,
    membership_id: i32,
    role: Role,
    grants: &[GrantInput],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let admin = actor.admin()?;
    let (target, user) = member_of_organization(db, admin.organization_id, membership_id).await?;
    let checked = checked_grants(db, admin, role, grants).await?;
    let txn = crate::server::db::begin_write(db).await?;
    if target.role == Role::Admin.as_str()
        && role != Role::Admin
        && admin_count(&txn, admin.organization_id).await? <= 1
    {
        return Err(AppError::Conflict(
            "an organization needs at least one admin; make someone else admin first".into(),
        ));
    }
    set_role(&txn, target.id, role).await?;
    member_grants::Entity::delete_many()
        .filter(member_grants::Column::MembershipId.eq(target.id))
        .exec(&txn)
        .await?;
    for grant in &checked {
        add_grant(&txn, target.id, grant.target, grant.access, now).await?;
    }
    let scope = if checked.is_empty() {
        String::new()
    } else {
        let labels: Vec<String> = checked
            .iter()
            .map(|grant| format!("{} ({})", grant.label, grant.access.label().to_lowercase()))
            .collect();
        format!(" on {}", labels.join(", "))
    };
    activity::record(
        &txn,
        activity::Entry::by(
            actor,
            admin.organization_id,
            "member.role_changed",
            activity::Subject::Member(target.id),
            format!("Made {} {}{scope}", user.email, role.label().to_lowercase()),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Admins only: removes a member from the organization (their account stays; their sessions here end at their
/// next request, because every call re-reads the membership).
pub async fn remove_member(
    db: &DatabaseConnection,
    actor: &caller::Caller,
    membership_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let admin = actor.admin()?;
    let (target, user) = member_of_organization(db, admin.organization_id, membership_id).await?;
    let txn = crate::server::db::begin_write(db).await?;
    if target.role == Role::Admin.as_str() && admin_count(&txn, admin.organization_id).await? <= 1 {
        return Err(AppError::Conflict(
            "the last admin cannot be removed; make someone else admin first".into(),
        ));
    }
    memberships::Entity::delete_by_id(target.id)
        .exec(&txn)
        .await?;
    activity::record(
        &txn,
        activity::Entry::by(
            actor,
            admin.organization_id,
            "member.removed",
            activity::Subject::Member(target.id),
            format!("Removed {} from the organization", user.email),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What the actor may grant in an invitation: every artist and release for admins, their own for artists.
pub async fn grant_options(
    db: &impl ConnectionTrait,
    actor: &caller::Caller,
) -> Result<Vec<GrantOption>, AppError> {
    let membership = actor.member()?;
    let owned = managed_artists(db, membership).await?;
    let artists = artists::Entity::find()
        .filter(artists::Column::OrganizationId.eq(membership.organization_id))
        .order_by_asc(artists::Column::Name)
        .all(db)
        .await?;
    let mut options = Vec::new();
    for artist in artists {
        if owned
            .as_ref()
            .is_some_and(|owned| !owned.contains(&artist.id))
        {
            continue;
        }
        options.push(GrantOption {
            target: GrantTarget::Artist(artist.id),
            label: artist.name.clone(),
        });
        for release in releases::Entity::find()
            .filter(releases::Column::ArtistId.eq(artist.id))
            .order_by_asc(releases::Column::Title)
            .all(db)
            .await?
        {
            options.push(GrantOption {
                target: GrantTarget::Release(release.id),
                label: format!("{} · {}", artist.name, release.title),
            });
        }
    }
    Ok(options)
}

/// Grants an artist profile to a member as its owner (the demo data and `dropday admin` use it).
pub async fn grant_artist_ownership(
    db: &impl ConnectionTrait,
    membership_id: i32,
    artist_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    add_grant(
        db,
        membership_id,
        GrantTarget::Artist(artist_id),
        Access::Owner,
        now,
    )
    .await
}
