//! Passwords: argon2id with the library's recommended parameters, and the rules a new password must meet.
use crate::types::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing it is no denial-of-service lever.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a password someone is choosing.
pub fn validate_new_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::BadRequest(format!(
            "choose a password of at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::BadRequest(format!(
            "a password can have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    if password.trim().is_empty() {
        return Err(AppError::BadRequest(
            "a password cannot be only spaces".into(),
        ));
    }
    Ok(())
}

/// An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(AppError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(AppError::internal)
}

/// True when `password` matches `stored`. Pass `None` for an unknown account: a fixed hash is checked instead, so
/// the answer takes as long whether or not the email exists.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let candidate = stored.unwrap_or(UNKNOWN_ACCOUNT_HASH);
    let Ok(parsed) = PasswordHash::new(candidate) else {
        tracing::error!("a stored password hash does not parse");
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

/// `hash_password` off the async runtime's threads (it takes tens of milliseconds of CPU by design).
pub async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(AppError::internal)?
}

/// `verify_password` off the async runtime's threads.
pub async fn verify_password_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

/// The argon2id hash of a random string nobody knows, with the default parameters.
const UNKNOWN_ACCOUNT_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZHJvcGRheS11bmtub3du$vG0l9XW4kbz9cV3cQ4G6Sx9n7Z8h3nH2mJm3a3jM8QE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_password("correct horse battery", Some(&first)));
        assert!(!verify_password("correct horse battery!", Some(&first)));
    }

    #[test]
    fn unknown_accounts_never_verify() {
        assert!(PasswordHash::new(UNKNOWN_ACCOUNT_HASH).is_ok());
        assert!(!verify_password("anything", None));
        assert!(!verify_password("", None));
    }

    #[test]
    fn new_password_rules() {
        assert!(validate_new_password("short").is_err());
        assert!(validate_new_password("          ").is_err());
        assert!(validate_new_password(&"x".repeat(257)).is_err());
        assert!(validate_new_password("a fine passphrase").is_ok());
    }
}
