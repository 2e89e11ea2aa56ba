//! Sign-in throttling per account and per client address, kept in the database so every server instance
//! enforces the same count. Keys are keyed hashes: the table holds no email and no IP address.
use crate::server::entities::sign_in_throttle;
use crate::types::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// How many failures a key gets before it is locked, the first lock's length (doubling after each further
/// failure), and the longest lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub free_failures: i32,
    pub first_lock: Duration,
    pub max_lock: Duration,
}

/// A person guessing one account's password.
pub const ACCOUNT_LIMIT: Limit = Limit {
    free_failures: 5,
    first_lock: Duration::seconds(30),
    max_lock: Duration::minutes(15),
};

/// One address trying many accounts (an office or a carrier NAT shares addresses, hence the higher allowance).
pub const ADDRESS_LIMIT: Limit = Limit {
    free_failures: 20,
    first_lock: Duration::minutes(1),
    max_lock: Duration::minutes(30),
};

/// Failures older than this are forgotten.
pub const WINDOW: Duration = Duration::hours(1);

impl Limit {
    /// The lock after `failures` failures in the window, if any.
    pub fn lock_after(&self, failures: i32) -> Option<Duration> {
        if failures < self.free_failures {
            return None;
        }
        let doublings = (failures - self.free_failures).clamp(0, 20) as u32;
        let lock = self.first_lock * 2_i32.saturating_pow(doublings);
        Some(lock.min(self.max_lock))
    }
}

/// The throttle keys of one sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKeys {
    pub account: String,
    pub address: Option<String>,
}

impl AttemptKeys {
    pub fn new(secret: &[u8; 32], email: &str, address: Option<IpAddr>) -> AttemptKeys {
        AttemptKeys {
            account: format!("account:{}", keyed_hash(secret, email)),
            address: address.map(|ip| format!("ip:{}", keyed_hash(secret, &normalized_ip(ip)))),
        }
    }

    fn with_limits(&self) -> impl Iterator<Item = (&str, Limit)> {
        std::iter::once((self.account.as_str(), ACCOUNT_LIMIT))
            .chain(self.address.as_deref().map(|key| (key, ADDRESS_LIMIT)))
    }
}

/// IPv6 clients get a whole /64 each, so they are throttled by their /64.
fn normalized_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            format!(
                "{:x}:{:x}:{:x}:{:x}::/64",
                segments[0], segments[1], segments[2], segments[3]
            )
        }
    }
}

fn keyed_hash(secret: &[u8; 32], value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"dropday sign-in throttle\0");
    hasher.update(secret);
    hasher.update(value.as_bytes());
    hex::encode(&hasher.finalize()[..24])
}

/// Seconds until the caller may try again, when any of the keys is locked now.
pub async fn locked_for(
    db: &impl ConnectionTrait,
    keys: &AttemptKeys,
    now: DateTime<Utc>,
) -> Result<Option<u64>, AppError> {
    let mut wait: Option<u64> = None;
    for (key, _) in keys.with_limits() {
        let Some(row) = sign_in_throttle::Entity::find_by_id(key.to_owned())
            .one(db)
            .await?
        else {
            continue;
        };
        if let Some(until) = row.locked_until.filter(|until| *until > now) {
            // Rounded up: "try again in 0 seconds" would be a lie.
            let seconds = ((until - now).num_milliseconds() + 999).max(1000) as u64 / 1000;
            wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
        }
    }
    Ok(wait)
}

/// Counts a failed attempt against every key; returns the resulting wait in seconds if one is now locked.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    keys: &AttemptKeys,
    now: DateTime<Utc>,
) -> Result<Option<u64>, AppError> {
    let mut wait: Option<u64> = None;
    for (key, limit) in keys.with_limits() {
        let existing = sign_in_throttle::Entity::find_by_id(key.to_owned())
            .one(db)
            .await?;
        let (failures, window_started_at) = match &existing {
            Some(row) if now - row.window_started_at < WINDOW => {
                (row.failures.saturating_add(1), row.window_started_at)
            }
            _ => (1, now),
        };
        let locked_until = limit.lock_after(failures).map(|lock| now + lock);
        if let Some(until) = locked_until {
            let seconds = (until - now).num_seconds().max(1) as u64;
            wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
        }
        let row = sign_in_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(failures),
            window_started_at: Set(window_started_at),
            locked_until: Set(locked_until),
        };
        if existing.is_some() {
            row.update(db).await?;
        } else {
            row.insert(db).await?;
        }
    }
    Ok(wait)
}

/// Checks a password under the throttle: 429 while any key is locked; a wrong password is counted and answered
/// with `wrong`, or with 429 when this failure locked a key. The one place every password check goes through.
pub async fn check_password(
    db: &impl ConnectionTrait,
    keys: &AttemptKeys,
    now: DateTime<Utc>,
    password: &str,
    stored: Option<&str>,
    wrong: AppError,
) -> Result<(), AppError> {
    if let Some(retry_after_secs) = locked_for(db, keys, now).await? {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let valid = password.chars().count() <= super::password::MAX_PASSWORD_CHARS
        && super::password::verify_password_blocking(
            password.to_owned(),
            stored.map(str::to_owned),
        )
        .await;
    if valid {
        return Ok(());
    }
    match record_failure(db, keys, now).await? {
        Some(retry_after_secs) => Err(AppError::TooManyRequests { retry_after_secs }),
        None => Err(wrong),
    }
}

/// A successful sign-in clears the account's count (the address keeps its own).
pub async fn record_success(db: &impl ConnectionTrait, keys: &AttemptKeys) -> Result<(), AppError> {
    sign_in_throttle::Entity::delete_by_id(keys.account.clone())
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_and_cap() {
        assert_eq!(ACCOUNT_LIMIT.lock_after(4), None);
        assert_eq!(ACCOUNT_LIMIT.lock_after(5), Some(Duration::seconds(30)));
        assert_eq!(ACCOUNT_LIMIT.lock_after(6), Some(Duration::seconds(60)));
        assert_eq!(ACCOUNT_LIMIT.lock_after(50), Some(Duration::minutes(15)));
        assert_eq!(ADDRESS_LIMIT.lock_after(19), None);
    }

    #[test]
    fn keys_hide_what_they_count() {
        let secret = [7u8; 32];
        let keys = AttemptKeys::new(
            &secret,
            "fan@example.com",
            Some("203.0.113.9".parse().unwrap()),
        );
        assert!(!keys.account.contains("fan@example.com"));
        assert!(!keys.address.as_deref().unwrap().contains("203.0.113"));
        let other_secret = AttemptKeys::new(&[8u8; 32], "fan@example.com", None);
        assert_ne!(keys.account, other_secret.account);
        let same_64 = AttemptKeys::new(&secret, "x", Some("2001:db8:1:2::1".parse().unwrap()));
        let same_64b =
            AttemptKeys::new(&secret, "x", Some("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert_eq!(same_64.address, same_64b.address);
    }
}
