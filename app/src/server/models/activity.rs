//! The per-organization activity log: who changed which release, link, member or setting, and when. Written in the
//! same transaction as the change it describes.
use crate::server::entities::activity_log;
use crate::types::{ActivityEntry, ActivityPage, AppError};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Organization(i32),
    Member(i32),
    Invitation(i32),
    Artist(i32),
    Release(i32),
    Link(i32),
}

impl Subject {
    fn parts(self) -> (&'static str, i32) {
        match self {
            Subject::Organization(id) => ("organization", id),
            Subject::Member(id) => ("member", id),
            Subject::Invitation(id) => ("invitation", id),
            Subject::Artist(id) => ("artist", id),
            Subject::Release(id) => ("release", id),
            Subject::Link(id) => ("link", id),
        }
    }
}

pub struct Entry {
    pub organization_id: i32,
    pub actor_user_id: Option<i32>,
    pub actor_name: String,
    /// A stable machine name, e.g. `release.updated`.
    pub action: &'static str,
    pub subject: Subject,
    /// One sentence for people, e.g. `Renamed "Midnight Signal" to "Midnight Signal (Live)"`.
    pub summary: String,
}

impl Entry {
    /// An entry written by the signed-in caller.
    pub fn by(
        caller: &crate::server::auth::Caller,
        organization_id: i32,
        action: &'static str,
        subject: Subject,
        summary: String,
    ) -> Entry {
        Entry {
            organization_id,
            actor_user_id: Some(caller.user.id),
            actor_name: caller.name(),
            action,
            subject,
            summary,
        }
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    entry: Entry,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (subject_kind, subject_id) = entry.subject.parts();
    activity_log::ActiveModel {
        organization_id: Set(entry.organization_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_name: Set(entry.actor_name),
        action: Set(entry.action.to_owned()),
        subject_kind: Set(subject_kind.to_owned()),
        subject_id: Set(Some(subject_id)),
        summary: Set(entry.summary),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub const PAGE_SIZE: u64 = 50;

/// One page of an organization's log, newest first; `before` is the id the previous page ended at.
pub async fn page(
    db: &impl ConnectionTrait,
    organization_id: i32,
    before: Option<i64>,
) -> Result<ActivityPage, AppError> {
    let mut query = activity_log::Entity::find()
        .filter(activity_log::Column::OrganizationId.eq(organization_id));
    if let Some(before) = before {
        query = query.filter(activity_log::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(activity_log::Column::Id)
        .limit(PAGE_SIZE + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > PAGE_SIZE;
    let entries: Vec<ActivityEntry> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|row| ActivityEntry {
            id: row.id,
            actor_name: row.actor_name,
            action: row.action,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            summary: row.summary,
            created_at: row.created_at,
        })
        .collect();
    let next_before = if more {
        entries.last().map(|entry| entry.id)
    } else {
        None
    };
    Ok(ActivityPage {
        entries,
        next_before,
    })
}
