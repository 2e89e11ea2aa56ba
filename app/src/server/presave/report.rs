//! What the dashboard shows of a release's pre-saves, and the opted-in fans' export.
use super::status;
use crate::server::entities::{fan_email_opt_ins, fans, presaves};
use crate::types::presave::PresaveReport;
use crate::types::AppError;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

const FAILURES_SHOWN: u64 = 20;

pub async fn release_report(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<PresaveReport, AppError> {
    let counts: Vec<(String, i64)> = presaves::Entity::find()
        .select_only()
        .column(presaves::Column::Status)
        .column_as(presaves::Column::Id.count(), "n")
        .filter(presaves::Column::ReleaseId.eq(release_id))
        .group_by(presaves::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count = |wanted: &str| {
        counts
            .iter()
            .filter(|(s, _)| s == wanted)
            .map(|(_, n)| *n as u64)
            .sum::<u64>()
    };
    let failures = presaves::Entity::find()
        .filter(presaves::Column::ReleaseId.eq(release_id))
        .filter(presaves::Column::Status.eq(status::FAILED))
        .order_by_desc(presaves::Column::UpdatedAt)
        .limit(FAILURES_SHOWN)
        .find_also_related(fans::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(presave, fan)| {
            format!(
                "{}: {}",
                fan.and_then(|f| f.display_name)
                    .unwrap_or_else(|| "A Spotify user".to_owned()),
                presave.last_error.unwrap_or_default()
            )
        })
        .collect();
    let email_opt_ins = fan_email_opt_ins::Entity::find()
        .filter(fan_email_opt_ins::Column::ReleaseId.eq(release_id))
        .count(db)
        .await?;
    Ok(PresaveReport {
        queued: count(status::QUEUED),
        sending: count(status::SENDING),
        delivered: count(status::DELIVERED),
        pending_source: count(status::PENDING_SOURCE),
        failed: count(status::FAILED),
        cancelled: count(status::CANCELLED),
        failures,
        email_opt_ins,
        spotify: String::new(),
    })
}

/// One opted-in fan, as exported.
pub struct OptInRow {
    pub email: String,
    pub spotify_name: Option<String>,
    pub country: Option<String>,
    pub consented_at: chrono::DateTime<chrono::Utc>,
    pub consent_text: String,
}

/// The fans who gave their email on this release's page, oldest first.
pub async fn email_opt_ins(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<Vec<OptInRow>, AppError> {
    Ok(fan_email_opt_ins::Entity::find()
        .filter(fan_email_opt_ins::Column::ReleaseId.eq(release_id))
        .order_by_asc(fan_email_opt_ins::Column::ConsentedAt)
        .find_also_related(fans::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(opt_in, fan)| OptInRow {
            email: opt_in.email,
            spotify_name: fan.and_then(|f| f.display_name),
            country: opt_in.country,
            consented_at: opt_in.consented_at,
            consent_text: opt_in.consent_text,
        })
        .collect())
}
