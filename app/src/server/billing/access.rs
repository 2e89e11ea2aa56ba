//! Who may publish. An organization's access mode decides: free for all; a package (or membership) the release's
//! artist holds; a base fee per release unless a package covers it; or denied until an admin grants access.
//!
//! What an artist holds is the entitlement ledger (`entitlements`): bought packages, paid fees and admins'
//! grants. Publishing a release for the first time under a limited package uses one of its releases, recorded
//! in `release_access`; that row stays when the release is unpublished, so publishing it again costs nothing.
//! Releases published before a mode changed stay published: the check is made when publishing.
use super::money;
use crate::server::entities::{entitlements, organizations, packages, release_access};
use crate::types::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Free,
    Package,
    BaseFee,
    Denied,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode, AppError> {
        Ok(match text {
            "free" => Mode::Free,
            "package" => Mode::Package,
            "base_fee" => Mode::BaseFee,
            "denied" => Mode::Denied,
            other => {
                return Err(AppError::BadRequest(format!(
                    "unknown access mode \"{other}\""
                )))
            }
        })
    }

    pub fn of(organization: &organizations::Model) -> Mode {
        // A value this version does not know locks publishing rather than opening it.
        Mode::parse(&organization.access_mode).unwrap_or(Mode::Denied)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Free => "free",
            Mode::Package => "package",
            Mode::BaseFee => "base_fee",
            Mode::Denied => "denied",
        }
    }
}

/// What an entitlement is.
pub mod kind {
    pub const PACKAGE: &str = "package";
    pub const BASE_FEE: &str = "base_fee";
    pub const GRANT: &str = "grant";
}

pub const ACTIVE: &str = "active";
pub const REVOKED: &str = "revoked";

/// Whether a release may be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The organization does not charge.
    Free,
    /// An entitlement covers it; `first_use` when publishing will use one of its releases.
    Covered {
        entitlement: entitlements::Model,
        first_use: bool,
    },
    Refused(Refusal),
}

/// Why a release may not be published, and what would change that.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refusal {
    pub reason: String,
    /// The base fee ("EUR 9.00"), when paying it would allow publishing.
    pub fee: Option<String>,
    pub packages_for_sale: bool,
    pub ask_admin: bool,
}

/// Whether `entitlement` has a release left to use.
pub fn has_room(entitlement: &entitlements::Model) -> bool {
    entitlement
        .releases_included
        .is_none_or(|limit| entitlement.releases_used < limit)
}

/// Whether `entitlement` is in force at `now` (not revoked, started, not expired); its releases aside.
pub fn in_force(entitlement: &entitlements::Model, now: DateTime<Utc>) -> bool {
    entitlement.status == ACTIVE
        && entitlement.starts_at <= now
        && entitlement.expires_at.is_none_or(|end| end > now)
}

/// Whether publishing `release_id` of `artist_id` is allowed now, and by what.
pub async fn check(
    db: &impl ConnectionTrait,
    organization: &organizations::Model,
    artist_id: i32,
    release_id: i32,
    now: DateTime<Utc>,
) -> Result<Verdict, AppError> {
    let mode = Mode::of(organization);
    if mode == Mode::Free {
        return Ok(Verdict::Free);
    }
    if let Some(access) = release_access::Entity::find_by_id(release_id)
        .one(db)
        .await?
    {
        if let Some(entitlement) = entitlements::Entity::find_by_id(access.entitlement_id)
            .one(db)
            .await?
            // Denied: only what an admin granted counts, also for a release paid for under an earlier mode.
            .filter(|e| e.status == ACTIVE && (mode != Mode::Denied || e.kind == kind::GRANT))
        {
            return Ok(Verdict::Covered {
                entitlement,
                first_use: false,
            });
        }
    }
    let held = entitlements::Entity::find()
        .filter(entitlements::Column::ArtistId.eq(artist_id))
        .filter(entitlements::Column::Status.eq(ACTIVE))
        .filter(
            Condition::any()
                .add(entitlements::Column::ReleaseId.is_null())
                .add(entitlements::Column::ReleaseId.eq(release_id)),
        )
        .all(db)
        .await?;
    let mut usable: Vec<&entitlements::Model> = held
        .iter()
        .filter(|e| in_force(e, now) && has_room(e))
        .filter(|e| mode != Mode::Denied || e.kind == kind::GRANT)
        .collect();
    // What is tied to this release first, then what ends soonest, then what is limited: the artist's
    // open-ended access is kept for last.
    usable.sort_by_key(|e| {
        (
            e.release_id.is_none(),
            e.expires_at.is_none(),
            e.expires_at,
            e.releases_included.is_none(),
            e.id,
        )
    });
    if let Some(entitlement) = usable.first() {
        return Ok(Verdict::Covered {
            entitlement: (*entitlement).clone(),
            first_use: true,
        });
    }
    let packages_for_sale = mode != Mode::Denied
        && packages::Entity::find()
            .filter(packages::Column::OrganizationId.eq(organization.id))
            .filter(packages::Column::Active.eq(true))
            .one(db)
            .await?
            .is_some();
    let spent = if held.is_empty() {
        ""
    } else {
        " What this artist holds is used up or has ended."
    };
    let name = &organization.name;
    Ok(Verdict::Refused(match mode {
        Mode::Free => unreachable!("handled above"),
        Mode::Package => Refusal {
            reason: format!(
                "{name} lets artists publish with a membership or package.{spent} {}",
                if packages_for_sale {
                    "Buy a package, or ask an admin."
                } else {
                    "None is for sale: ask an admin."
                }
            ),
            packages_for_sale,
            ask_admin: !packages_for_sale,
            fee: None,
        },
        Mode::BaseFee => {
            let fee = base_fee(organization);
            Refusal {
                reason: match &fee {
                    Some(fee) => format!(
                        "{name} charges {fee} per release unless a package covers it.{spent} Pay the fee{}, or ask an admin.",
                        if packages_for_sale { " or buy a package" } else { "" }
                    ),
                    None => format!("{name} charges a fee per release, but none is set: ask an admin."),
                },
                ask_admin: fee.is_none() && !packages_for_sale,
                fee,
                packages_for_sale,
            }
        }
        Mode::Denied => Refusal {
            reason: format!(
                "{name} has not allowed publishing this release yet. Ask an admin to grant it."
            ),
            ask_admin: true,
            ..Default::default()
        },
    }))
}

/// The base fee as people read it, when one is set.
pub fn base_fee(organization: &organizations::Model) -> Option<String> {
    match (
        &organization.base_fee_cents,
        &organization.base_fee_currency,
    ) {
        (Some(cents), Some(currency)) => Some(money::format(*cents, currency)),
        _ => None,
    }
}

/// Makes sure publishing `release_id` is allowed, recording the use of an entitlement when it is the first.
/// Refused: `AppError::PaymentRequired` with the reason. Admins are never refused: publishing on their own
/// authority is recorded in the ledger as their grant.
pub async fn claim(
    txn: &impl ConnectionTrait,
    organization: &organizations::Model,
    artist_id: i32,
    release_id: i32,
    admin: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let entitlement_id = match check(txn, organization, artist_id, release_id, now).await? {
        Verdict::Free => return Ok(()),
        Verdict::Covered {
            first_use: false, ..
        } => return Ok(()),
        Verdict::Covered {
            entitlement,
            first_use: true,
        } => entitlement.id,
        Verdict::Refused(refusal) => match admin {
            Some(user_id) => {
                super::ledger::grant(
                    txn,
                    super::ledger::NewGrant {
                        organization_id: organization.id,
                        artist_id,
                        release_id: Some(release_id),
                        name: "Published by an admin".into(),
                        releases_included: Some(1),
                        expires_at: None,
                        granted_by: user_id,
                    },
                    now,
                )
                .await?
                .id
            }
            None => return Err(AppError::PaymentRequired(refusal.reason)),
        },
    };
    // A concurrent publish of the same release may have claimed it first: then it is covered, once.
    let inserted = release_access::Entity::insert(release_access::ActiveModel {
        release_id: Set(release_id),
        entitlement_id: Set(entitlement_id),
        granted_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(release_access::Column::ReleaseId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted == 0 {
        return Ok(());
    }
    // One conditional UPDATE: two publishes racing for a package's last release cannot both have it (the loser's
    // transaction, and its status change, are dropped).
    let counted = entitlements::Entity::update_many()
        .col_expr(
            entitlements::Column::ReleasesUsed,
            Expr::col(entitlements::Column::ReleasesUsed).add(1),
        )
        .filter(entitlements::Column::Id.eq(entitlement_id))
        .filter(entitlements::Column::Status.eq(ACTIVE))
        .filter(
            Condition::any()
                .add(entitlements::Column::ReleasesIncluded.is_null())
                .add(
                    Expr::col(entitlements::Column::ReleasesUsed)
                        .lt(Expr::col(entitlements::Column::ReleasesIncluded)),
                ),
        )
        .exec(txn)
        .await?;
    if counted.rows_affected == 0 {
        return Err(AppError::PaymentRequired(
            "what covered this release was used up or taken back a moment ago: reload and try again".into(),
        ));
    }
    Ok(())
}

/// For publishing without a person asking (an import set to publish what it finds): claims access for a just
/// created, published `release`, or turns it back into a draft when the artist may not publish it. Returns
/// whether it stays published.
pub async fn try_claim(
    txn: &impl ConnectionTrait,
    organization: &organizations::Model,
    release: &crate::server::entities::releases::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    use crate::server::entities::releases;
    match claim(txn, organization, release.artist_id, release.id, None, now).await {
        Ok(()) => Ok(true),
        Err(AppError::PaymentRequired(_)) => {
            releases::Entity::update_many()
                .col_expr(
                    releases::Column::Status,
                    Expr::value(crate::types::ReleaseStatus::Draft.as_str()),
                )
                .filter(releases::Column::Id.eq(release.id))
                .exec(txn)
                .await?;
            Ok(false)
        }
        Err(error) => Err(error),
    }
}

/// The editor's and the API's view of a verdict.
pub fn describe(verdict: &Verdict) -> crate::types::PublishCheck {
    match verdict {
        Verdict::Free => crate::types::PublishCheck {
            allowed: true,
            reason: "Publishing is free in this organization.".into(),
            ..Default::default()
        },
        Verdict::Covered { entitlement, .. } => crate::types::PublishCheck {
            allowed: true,
            reason: format!(
                "Covered by {}{}.",
                entitlement.name,
                match entitlement.releases_included {
                    Some(limit) =>
                        format!(" ({} of {limit} releases used)", entitlement.releases_used),
                    None => String::new(),
                }
            ),
            ..Default::default()
        },
        Verdict::Refused(refusal) => crate::types::PublishCheck {
            allowed: false,
            reason: refusal.reason.clone(),
            fee: refusal.fee.clone(),
            packages_for_sale: refusal.packages_for_sale,
            ask_admin: refusal.ask_admin,
        },
    }
}

/// `check` as the release editor shows it.
pub async fn publish_check(
    db: &impl ConnectionTrait,
    organization: &organizations::Model,
    artist_id: i32,
    release_id: i32,
    now: DateTime<Utc>,
) -> Result<crate::types::PublishCheck, AppError> {
    Ok(describe(
        &check(db, organization, artist_id, release_id, now).await?,
    ))
}
