//! Sessions, for the engagement rate. A session is one visitor's events on one release (or artist hub) with no gap
//! longer than ten minutes; it is engaged once it holds an action (a click-out, custom link, share, video play,
//! pre-save, library add or follow), not just page views. Visitor hashes change at midnight UTC, so sessions do
//! too.
//!
//! The rollup job walks each hour's events in time order and keeps the sessions still open at the hour's end in
//! `open_sessions`, so the next hour continues them. A session counts in the hour it starts; it counts as engaged
//! in the hour of its first action.
use crate::server::entities::{events, open_sessions};
use crate::types::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// The longest quiet gap inside one session.
pub const WINDOW: Duration = Duration::minutes(10);
/// The rollups' kinds for sessions started and sessions that became engaged.
pub const SESSION_KIND: &str = "session";
pub const ENGAGED_KIND: &str = "engaged_session";

/// Everything but a page view is something the fan did.
pub fn is_action(kind: &str) -> bool {
    kind != "page_view"
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open {
    artist_id: i32,
    last_seen: DateTime<Utc>,
    engaged: bool,
}

/// What one event did to the sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    pub started: bool,
    pub engaged: bool,
}

/// (visitor hash, artist, release, kind, time) of one event.
type SeenEvent = (String, i32, Option<i32>, String, DateTime<Utc>);

/// Sessions and engaged sessions per (artist, release id; 0 for the hub).
pub type SessionCounts = HashMap<(i32, i32), (u64, u64)>;

/// The sessions open at some instant, keyed by (visitor hash, release id).
#[derive(Debug, Clone, Default)]
pub struct OpenSessions {
    open: HashMap<(String, i32), Open>,
}

impl OpenSessions {
    /// The sessions the rollup job left open at the end of the last hour it rolled up.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, AppError> {
        let open = open_sessions::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|row| {
                (
                    (row.visitor_hash, row.release_id),
                    Open {
                        artist_id: row.artist_id,
                        last_seen: row.last_seen_at,
                        engaged: row.engaged,
                    },
                )
            })
            .collect();
        Ok(OpenSessions { open })
    }

    /// Replaces the stored sessions with those still open at `at`.
    pub async fn save(&self, db: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<(), AppError> {
        open_sessions::Entity::delete_many().exec(db).await?;
        let rows: Vec<open_sessions::ActiveModel> = self
            .open
            .iter()
            .filter(|(_, open)| at - open.last_seen <= WINDOW)
            .map(
                |((visitor_hash, release_id), open)| open_sessions::ActiveModel {
                    visitor_hash: Set(visitor_hash.clone()),
                    release_id: Set(*release_id),
                    artist_id: Set(open.artist_id),
                    last_seen_at: Set(open.last_seen),
                    engaged: Set(open.engaged),
                },
            )
            .collect();
        for chunk in rows.chunks(500) {
            open_sessions::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await?;
        }
        Ok(())
    }

    /// Takes one event; events must come in time order.
    pub fn observe(
        &mut self,
        visitor_hash: &str,
        artist_id: i32,
        release_id: i32,
        kind: &str,
        at: DateTime<Utc>,
    ) -> Step {
        let action = is_action(kind);
        let key = (visitor_hash.to_owned(), release_id);
        match self.open.get_mut(&key) {
            Some(open) if at - open.last_seen <= WINDOW => {
                open.last_seen = open.last_seen.max(at);
                let engaged = action && !open.engaged;
                open.engaged |= action;
                Step {
                    started: false,
                    engaged,
                }
            }
            _ => {
                self.open.insert(
                    key,
                    Open {
                        artist_id,
                        last_seen: at,
                        engaged: action,
                    },
                );
                Step {
                    started: true,
                    engaged: action,
                }
            }
        }
    }

    /// Walks the human events of `from..to` in time order, continuing these sessions, and counts the sessions
    /// started and engaged from `counted_from` on.
    pub async fn walk(
        &mut self,
        db: &impl ConnectionTrait,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        counted_from: DateTime<Utc>,
    ) -> Result<SessionCounts, AppError> {
        let rows: Vec<SeenEvent> = events::Entity::find()
            .select_only()
            .column(events::Column::VisitorHash)
            .column(events::Column::ArtistId)
            .column(events::Column::ReleaseId)
            .column(events::Column::Kind)
            .column(events::Column::OccurredAt)
            .filter(events::Column::OccurredAt.gte(from))
            .filter(events::Column::OccurredAt.lt(to))
            .filter(events::Column::IsBot.eq(false))
            .filter(events::Column::ArtistId.is_not_null())
            .filter(events::Column::VisitorHash.is_not_null())
            .order_by_asc(events::Column::OccurredAt)
            .order_by_asc(events::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let mut counts = SessionCounts::new();
        for (visitor_hash, artist_id, release_id, kind, at) in rows {
            let release_id = release_id.unwrap_or(0);
            let step = self.observe(&visitor_hash, artist_id, release_id, &kind, at);
            if at >= counted_from && (step.started || step.engaged) {
                let entry = counts.entry((artist_id, release_id)).or_default();
                entry.0 += u64::from(step.started);
                entry.1 += u64::from(step.engaged);
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn a_gap_over_ten_minutes_starts_a_new_session() {
        let mut sessions = OpenSessions::default();
        assert!(sessions.observe("a", 1, 7, "page_view", at(0)).started);
        // Nine minutes, then exactly ten: still the same session.
        assert!(!sessions.observe("a", 1, 7, "page_view", at(9)).started);
        assert!(!sessions.observe("a", 1, 7, "page_view", at(19)).started);
        // Eleven minutes of quiet ends it.
        assert!(sessions.observe("a", 1, 7, "page_view", at(30)).started);
    }

    #[test]
    fn visitors_and_releases_have_sessions_of_their_own() {
        let mut sessions = OpenSessions::default();
        assert!(sessions.observe("a", 1, 7, "page_view", at(0)).started);
        assert!(sessions.observe("b", 1, 7, "page_view", at(1)).started);
        assert!(sessions.observe("a", 1, 8, "page_view", at(2)).started);
        assert!(!sessions.observe("a", 1, 7, "page_view", at(3)).started);
    }

    #[test]
    fn a_session_engages_once_at_its_first_action() {
        let mut sessions = OpenSessions::default();
        let view = sessions.observe("a", 1, 7, "page_view", at(0));
        assert_eq!(
            view,
            Step {
                started: true,
                engaged: false
            }
        );
        let click = sessions.observe("a", 1, 7, "click_out", at(1));
        assert_eq!(
            click,
            Step {
                started: false,
                engaged: true
            }
        );
        // A second action in the same session adds nothing; one after the gap is a new engaged session.
        assert_eq!(sessions.observe("a", 1, 7, "share", at(2)), Step::default());
        assert_eq!(
            sessions.observe("a", 1, 7, "click_out", at(20)),
            Step {
                started: true,
                engaged: true
            }
        );
    }
}
