//! Server-side sessions. The browser holds a random token in an HttpOnly cookie; the database holds only its
//! SHA-256, so a copy of the database signs nobody in.
use crate::server::entities::{sessions, users};
use crate::types::AppError;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// A session ends after this long without use...
pub const IDLE_TIMEOUT: Duration = Duration::days(14);
/// ...and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(60);
/// `last_seen_at` is written at most this often, so reads stay reads.
const TOUCH_INTERVAL: Duration = Duration::minutes(10);

/// The cookie's name. `__Host-` (over https) pins it to this host and path `/` with `Secure`.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dropday_session"
    } else {
        "dropday_session"
    }
}

/// The `Set-Cookie` value that stores `token`.
pub fn session_cookie(token: &str, secure: bool) -> String {
    http_only_cookie(cookie_name(secure), token, ABSOLUTE_TIMEOUT, secure)
}

/// A `Set-Cookie` value for a token: whole site, HttpOnly, SameSite=Lax, `Secure` over https.
pub fn http_only_cookie(name: &str, token: &str, lifetime: Duration, secure: bool) -> String {
    format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        lifetime.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clearing_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The session token from a `Cookie` header, if any.
pub fn token_from_cookie_header(header: &str, secure: bool) -> Option<&str> {
    cookie_value(header, cookie_name(secure))
}

/// The value of cookie `name` in a `Cookie` header, if present and of a token's size.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && value.len() <= 100)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random token: 32 bytes, base64url.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a session for `user_id` showing `organization_id`; returns the token for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    organization_id: Option<i32>,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = new_token();
    sessions::ActiveModel {
        id: Set(hash_token(&token)),
        user_id: Set(user_id),
        organization_id: Set(organization_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + IDLE_TIMEOUT),
        user_agent: Set(user_agent.map(|agent| agent.chars().take(200).collect())),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live session for `token` and its user; expired sessions are deleted on sight.
pub async fn find(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(sessions::Model, users::Model)>, AppError> {
    let id = hash_token(token);
    let Some((session, Some(user))) = sessions::Entity::find_by_id(id)
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now || session.created_at + ABSOLUTE_TIMEOUT <= now {
        sessions::Entity::delete_by_id(session.id).exec(db).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL {
        let expires_at = (now + IDLE_TIMEOUT).min(session.created_at + ABSOLUTE_TIMEOUT);
        let mut active: sessions::ActiveModel = session.clone().into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(expires_at);
        let session = active.update(db).await?;
        return Ok(Some((session, user)));
    }
    Ok(Some((session, user)))
}

/// Ends one session (sign-out).
pub async fn delete(db: &impl ConnectionTrait, session_id: &str) -> Result<(), AppError> {
    sessions::Entity::delete_by_id(session_id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` except `keep` (after a password change: other devices sign in again).
pub async fn delete_others(
    db: &impl ConnectionTrait,
    user_id: i32,
    keep: Option<&str>,
) -> Result<u64, AppError> {
    let mut query = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        query = query.filter(sessions::Column::Id.ne(keep));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// Points the session at another organization (the switcher).
pub async fn set_organization(
    db: &impl ConnectionTrait,
    session_id: &str,
    organization_id: Option<i32>,
) -> Result<(), AppError> {
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::OrganizationId,
            sea_orm::sea_query::Expr::value(organization_id),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let plain = session_cookie("abc", false);
        assert!(plain.starts_with("dropday_session=abc;"));
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let secure = session_cookie("abc", true);
        assert!(secure.starts_with("__Host-dropday_session=abc;"));
        assert!(secure.ends_with("; Secure") && secure.contains("Path=/"));
        assert!(clearing_cookie(true).contains("Max-Age=0"));
    }

    #[test]
    fn token_from_cookies() {
        let header = "theme=dark; dropday_session=tok123; other=x";
        assert_eq!(token_from_cookie_header(header, false), Some("tok123"));
        assert_eq!(token_from_cookie_header(header, true), None);
        assert_eq!(
            token_from_cookie_header("dropday_session=", false),
            None,
            "an empty cookie is no token"
        );
        assert_ne!(new_token(), new_token());
        assert_eq!(hash_token("x").len(), 64);
    }
}
