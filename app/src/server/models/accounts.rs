//! Users and their organizations: creating accounts, signing in, changing passwords, and what the dashboard's
//! header shows about the signed-in user.
use crate::server::auth::{caller, password, session, throttle, Caller};
use crate::server::entities::{memberships, users};
use crate::server::models::{activity, organizations};
use crate::types::{AppError, Me, OrganizationSummary, Role, Slug};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use std::net::IpAddr;

pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_NAME_CHARS: usize = 100;

/// Emails are compared trimmed and lower-cased; this checks the shape and returns that form.
pub fn normalize_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(AppError::BadRequest(
            "enter an email address like name@example.com".into(),
        ))
    }
}

/// A person's name as shown to their team.
pub fn clean_display_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("enter your name".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "a name can have at most {MAX_NAME_CHARS} characters and no control characters"
        )));
    }
    Ok(name.to_owned())
}

/// How a user is named to others: their display name, or their email when they gave none.
pub fn display_name(user: &users::Model) -> String {
    if user.display_name.trim().is_empty() {
        user.email.clone()
    } else {
        user.display_name.clone()
    }
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await?)
}

/// A user checked and with the password hashed, ready to insert: hashing takes tens of milliseconds, so it happens
/// before a transaction takes the database's write lock, not inside it.
pub struct PreparedUser {
    email: String,
    display_name: String,
    password_hash: String,
}

pub async fn prepare_user(
    email: &str,
    display_name: &str,
    new_password: &str,
) -> Result<PreparedUser, AppError> {
    let email = normalize_email(email)?;
    let display_name = clean_display_name(display_name)?;
    password::validate_new_password(new_password)?;
    Ok(PreparedUser {
        email,
        display_name,
        password_hash: password::hash_password_blocking(new_password.to_owned()).await?,
    })
}

/// Inserts a prepared user; an email that has an account already is a conflict.
pub async fn insert_user(
    db: &impl ConnectionTrait,
    user: PreparedUser,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    if find_by_email(db, &user.email).await?.is_some() {
        return Err(AppError::Conflict(
            "an account with this email exists; sign in instead".into(),
        ));
    }
    Ok(users::ActiveModel {
        email: Set(user.email),
        display_name: Set(user.display_name),
        password_hash: Set(Some(user.password_hash)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Creates a user with a password.
pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    display_name: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    let user = prepare_user(email, display_name, new_password).await?;
    insert_user(db, user, now).await
}

pub async fn add_membership(
    db: &impl ConnectionTrait,
    organization_id: i32,
    user_id: i32,
    role: Role,
    now: DateTime<Utc>,
) -> Result<memberships::Model, AppError> {
    Ok(memberships::ActiveModel {
        organization_id: Set(organization_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A new organization with its first admin: `dropday admin create` and open sign-up.
pub struct NewOrganizationAdmin<'a> {
    pub organization_name: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
}

pub async fn create_organization_with_admin(
    db: &DatabaseConnection,
    new: NewOrganizationAdmin<'_>,
    now: DateTime<Utc>,
) -> Result<(users::Model, i32), AppError> {
    let prepared = prepare_user(new.email, new.display_name, new.password).await?;
    let txn = crate::server::db::begin_write(db).await?;
    let user = insert_user(&txn, prepared, now).await?;
    let organization_name = new.organization_name.trim();
    let base = Slug::from_title(organization_name)
        .map_err(|e| AppError::BadRequest(format!("organization name: {e}")))?;
    let slug = organizations::free_slug(&txn, base.as_str()).await?;
    let organization = organizations::create(&txn, organization_name, &slug, now).await?;
    add_membership(&txn, organization.id, user.id, Role::Admin, now).await?;
    activity::record(
        &txn,
        activity::Entry {
            organization_id: organization.id,
            actor_user_id: Some(user.id),
            actor_name: user.display_name.clone(),
            action: "organization.created",
            subject: activity::Subject::Organization(organization.id),
            summary: format!("Created the organization {}", organization.name),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((user, organization.id))
}

/// What signing in needs besides the form: who is asking, from where.
pub struct SignInContext<'a> {
    pub secret_key: &'a [u8; 32],
    pub client_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl<'a> SignInContext<'a> {
    /// The context of the server function being served.
    pub fn of_request(ctx: &'a crate::server::ServerCtx) -> SignInContext<'a> {
        SignInContext {
            secret_key: &ctx.secret_key,
            client_ip: crate::server::auth::caller::client_ip(),
            user_agent: crate::server::auth::user_agent(),
        }
    }
}

/// The single answer for a wrong email or a wrong password: it never says which.
pub fn wrong_credentials() -> AppError {
    AppError::BadRequest("the email or password is not correct".into())
}

/// Checks the credentials under the throttle and starts a session; returns the user and the cookie's token.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    email: &str,
    password_text: &str,
    context: SignInContext<'_>,
    now: DateTime<Utc>,
) -> Result<(users::Model, String), AppError> {
    // An address that is not an email still counts against the throttle, under its own key.
    let email_key = email.trim().to_lowercase();
    let keys = throttle::AttemptKeys::new(context.secret_key, &email_key, context.client_ip);
    let user = match normalize_email(email) {
        Ok(email) => find_by_email(db, &email).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|user| user.password_hash.as_deref());
    throttle::check_password(db, &keys, now, password_text, stored, wrong_credentials()).await?;
    // A password only verifies against a stored hash, so there is a user here.
    let user = user.ok_or_else(wrong_credentials)?;
    throttle::record_success(db, &keys).await?;
    let organization = caller::first_membership(db, user.id)
        .await?
        .map(|membership| membership.organization_id);
    let token = session::create(
        db,
        user.id,
        organization,
        context.user_agent.as_deref(),
        now,
    )
    .await?;
    Ok((user, token))
}

/// Changes the caller's password after checking the current one; every other session of theirs ends.
pub async fn change_password(
    db: &impl ConnectionTrait,
    caller: &Caller,
    current: &str,
    new_password: &str,
    context: SignInContext<'_>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let keys =
        throttle::AttemptKeys::new(context.secret_key, &caller.user.email, context.client_ip);
    throttle::check_password(
        db,
        &keys,
        now,
        current,
        caller.user.password_hash.as_deref(),
        AppError::BadRequest("your current password is not correct".into()),
    )
    .await?;
    password::validate_new_password(new_password)?;
    if current == new_password {
        return Err(AppError::BadRequest(
            "the new password is the same as the current one".into(),
        ));
    }
    let mut user: users::ActiveModel = caller.user.clone().into();
    user.password_hash = Set(Some(
        password::hash_password_blocking(new_password.to_owned()).await?,
    ));
    user.update(db).await?;
    session::delete_others(db, caller.user.id, Some(&caller.session_id)).await
}

pub async fn update_display_name(
    db: &impl ConnectionTrait,
    caller: &Caller,
    display_name: &str,
) -> Result<(), AppError> {
    let display_name = clean_display_name(display_name)?;
    let mut user: users::ActiveModel = caller.user.clone().into();
    user.display_name = Set(display_name);
    user.update(db).await?;
    Ok(())
}

/// The dashboard header's view of the caller.
pub async fn me(db: &impl ConnectionTrait, caller: &Caller) -> Result<Me, AppError> {
    let organizations: Vec<OrganizationSummary> = caller::organizations_of(db, caller.user.id)
        .await?
        .into_iter()
        .map(|(_, organization)| OrganizationSummary {
            id: organization.id,
            name: organization.name,
            slug: organization.slug,
        })
        .collect();
    let membership = caller.membership.as_ref();
    let organization = membership.and_then(|membership| {
        organizations
            .iter()
            .find(|organization| organization.id == membership.organization_id)
            .cloned()
    });
    let can_invite = match membership {
        Some(membership) => super::members::may_invite(db, membership).await?,
        None => false,
    };
    Ok(Me {
        user_id: caller.user.id,
        email: caller.user.email.clone(),
        display_name: caller.user.display_name.clone(),
        organization,
        role: membership.map(|membership| membership.role),
        organizations,
        can_invite,
    })
}

/// Sets a new password for `email` and ends all their sessions (`dropday admin reset-password`).
pub async fn reset_password(
    db: &impl ConnectionTrait,
    email: &str,
    new_password: &str,
) -> Result<(), AppError> {
    let email = normalize_email(email)?;
    password::validate_new_password(new_password)?;
    let user = find_by_email(db, &email)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("no account has the email {email}")))?;
    let user_id = user.id;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(Some(
        password::hash_password_blocking(new_password.to_owned()).await?,
    ));
    active.update(db).await?;
    session::delete_others(db, user_id, None).await?;
    Ok(())
}

/// A random password for accounts created from the command line: 20 characters from an unambiguous alphabet.
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalize_or_explain() {
        assert_eq!(
            normalize_email("  Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "ana@@x.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(clean_display_name("  Ana Lima ").unwrap(), "Ana Lima");
        assert!(clean_display_name("   ").is_err());
        assert!(clean_display_name(&"x".repeat(101)).is_err());
    }
}
