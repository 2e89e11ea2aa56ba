//! Unique visitors without cookies: the SHA-256 of the day's random salt, the site, the client's address and its
//! User-Agent. Without the salt (deleted after 48 hours) a hash leads back to nobody, and the same person gets a
//! new hash each day.
use app::server::models::visitor_salts;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Hashes visitors; keeps the current day's salt in memory so only the first event of a day reads the database.
pub struct VisitorHasher {
    db: DatabaseConnection,
    site: String,
    cached: Option<(NaiveDate, [u8; 32])>,
}

impl VisitorHasher {
    /// `site` is this installation's public host, so two installations never share hashes.
    pub fn new(db: DatabaseConnection, site: String) -> Self {
        VisitorHasher {
            db,
            site,
            cached: None,
        }
    }

    /// The visitor hash of a request at `when`, or `None` if the day's salt cannot be had (the event is still
    /// written, without a visitor).
    pub async fn hash(
        &mut self,
        when: DateTime<Utc>,
        now: DateTime<Utc>,
        ip: IpAddr,
        user_agent: &str,
    ) -> Option<String> {
        let day = when.date_naive();
        let salt = match self.cached {
            Some((cached_day, salt)) if cached_day == day => salt,
            _ => match visitor_salts::salt_for_day(&self.db, day, now).await {
                Ok(salt) => {
                    self.cached = Some((day, salt));
                    salt
                }
                Err(error) => {
                    tracing::warn!(%error, "no visitor salt; events written without a visitor hash");
                    return None;
                }
            },
        };
        Some(visitor_hash(&salt, &self.site, ip, user_agent))
    }
}

/// 16 bytes of SHA-256 over salt, site, address and User-Agent, hex: plenty to tell visitors apart.
pub fn visitor_hash(salt: &[u8; 32], site: &str, ip: IpAddr, user_agent: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    for part in [site, &ip.to_string(), user_agent] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Deletes expired salts at start and then hourly, on every instance (the delete is idempotent).
pub fn spawn_salt_cleanup(
    db: DatabaseConnection,
    clock: app::server::SharedClock,
    tasks: &crate::jobs::BackgroundTasks,
) {
    tasks.spawn("visitor-salt-cleanup", move |cancel| async move {
        loop {
            match visitor_salts::delete_expired(&db, clock.now()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "expired visitor salts deleted"),
                Err(error) => tracing::warn!(%error, "deleting expired visitor salts failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
                () = cancel.cancelled() => break,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_tell_visitors_apart_and_reveal_nothing() {
        let salt = [1u8; 32];
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let base = visitor_hash(&salt, "links.example.com", ip, "UA");
        assert_eq!(base.len(), 32);
        assert_eq!(base, visitor_hash(&salt, "links.example.com", ip, "UA"));
        assert!(!base.contains("203"));
        assert_ne!(
            base,
            visitor_hash(&[2u8; 32], "links.example.com", ip, "UA")
        );
        assert_ne!(base, visitor_hash(&salt, "other.example.com", ip, "UA"));
        assert_ne!(
            base,
            visitor_hash(
                &salt,
                "links.example.com",
                "203.0.113.8".parse().unwrap(),
                "UA"
            )
        );
        assert_ne!(base, visitor_hash(&salt, "links.example.com", ip, "UA2"));
    }
}
