//! Releases and their streaming-service links: creating them, listing them for the dashboard, and loading a
//! published one for its fan page.
use super::{artists::validate_image_url, validate_web_url};
use crate::server::entities::{artists, release_links, releases};
use crate::types::{
    AppError, ReleaseFilter, ReleaseKind, ReleasePhase, ReleaseStatus, ReleaseSummary, Slug,
    StreamingService,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct NewRelease {
    pub artist_id: i32,
    pub slug: String,
    pub kind: ReleaseKind,
    pub title: String,
    pub artwork_url: Option<String>,
    pub upc: Option<String>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    /// IANA zone name the release moment was chosen in, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub status: ReleaseStatus,
    /// In display order; the first is shown first where no country order applies.
    pub links: Vec<NewServiceLink>,
}

#[derive(Debug, Clone)]
pub struct NewServiceLink {
    pub service: StreamingService,
    pub url: String,
    pub hidden: bool,
}

/// Creates a release and its links in one transaction, so a failure leaves nothing half-made.
pub async fn create(
    db: &DatabaseConnection,
    new: NewRelease,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    let title = new.title.trim().to_owned();
    if title.is_empty() {
        return Err(AppError::BadRequest("the release needs a title".into()));
    }
    let slug =
        Slug::parse(&new.slug).map_err(|e| AppError::BadRequest(format!("release slug: {e}")))?;
    if new.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(AppError::BadRequest(format!(
            "unknown time zone \"{}\"",
            new.time_zone
        )));
    }
    let artwork_url = new
        .artwork_url
        .as_deref()
        .map(validate_image_url)
        .transpose()?;
    let mut seen = HashSet::new();
    let mut links = Vec::with_capacity(new.links.len());
    for link in &new.links {
        if !seen.insert(link.service) {
            return Err(AppError::BadRequest(format!(
                "{} is listed twice",
                link.service.name()
            )));
        }
        links.push((link, validate_web_url(link.service.name(), &link.url)?));
    }

    let txn = db.begin().await?;
    let taken = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(new.artist_id))
        .filter(releases::Column::Slug.eq(slug.as_str()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::Conflict(format!(
            "this artist already has a release at \"{slug}\""
        )));
    }
    let release = releases::ActiveModel {
        artist_id: Set(new.artist_id),
        slug: Set(slug.to_string()),
        kind: Set(new.kind.as_str().to_owned()),
        title: Set(title),
        artwork_url: Set(artwork_url),
        upc: Set(new.upc),
        isrc: Set(new.isrc),
        spotify_id: Set(new.spotify_id),
        release_at: Set(new.release_at),
        time_zone: Set(new.time_zone),
        status: Set(new.status.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (position, (link, url)) in links.into_iter().enumerate() {
        release_links::ActiveModel {
            release_id: Set(release.id),
            service: Set(link.service.key().to_owned()),
            url: Set(url),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            hidden: Set(link.hidden),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(release)
}

/// Which releases a caller may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Anyone: published releases only.
    Public,
    /// Members of this organization: drafts too.
    Organization(i32),
}

/// The dashboard's release list, newest release moment first.
pub async fn list_summaries(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    filter: ReleaseFilter,
    now: DateTime<Utc>,
) -> Result<Vec<ReleaseSummary>, AppError> {
    let mut query = releases::Entity::find().find_also_related(artists::Entity);
    query = match visibility {
        Visibility::Public => {
            query.filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        }
        Visibility::Organization(org) => query.filter(artists::Column::OrganizationId.eq(org)),
    };
    let rows = query
        .order_by_desc(releases::Column::ReleaseAt)
        .order_by_asc(releases::Column::Id)
        .all(db)
        .await?;

    let ids: Vec<i32> = rows.iter().map(|(release, _)| release.id).collect();
    let mut service_counts: HashMap<i32, u32> = HashMap::new();
    if !ids.is_empty() {
        let links = release_links::Entity::find()
            .filter(release_links::Column::ReleaseId.is_in(ids))
            .filter(release_links::Column::Hidden.eq(false))
            .all(db)
            .await?;
        for link in links {
            *service_counts.entry(link.release_id).or_default() += 1;
        }
    }

    let mut summaries = Vec::with_capacity(rows.len());
    for (release, artist) in rows {
        let Some(artist) = artist else { continue };
        let phase = ReleasePhase::at(release.release_at, now);
        if !filter.admits(phase) {
            continue;
        }
        summaries.push(ReleaseSummary {
            id: release.id,
            kind: release.kind.parse().map_err(AppError::internal)?,
            status: release.status.parse().map_err(AppError::internal)?,
            fan_path: format!("/{}/{}", artist.slug, release.slug),
            title: release.title,
            artist_name: artist.name,
            release_label: release_moment_label(release.release_at, &release.time_zone),
            release_at: release.release_at,
            time_zone: release.time_zone,
            phase,
            service_count: service_counts.get(&release.id).copied().unwrap_or(0),
        });
    }
    Ok(summaries)
}

/// Everything a fan page shows about one published release.
#[derive(Debug, Clone)]
pub struct FanRelease {
    pub release: releases::Model,
    pub kind: ReleaseKind,
    pub artist: artists::Model,
    /// Visible links in the artist's order; unknown service keys (from a newer version) are skipped.
    pub links: Vec<(StreamingService, release_links::Model)>,
}

/// Loads a published release by its URL slugs; drafts and unknown slugs are `None` alike.
pub async fn find_published(
    db: &impl ConnectionTrait,
    artist_slug: &str,
    release_slug: &str,
) -> Result<Option<FanRelease>, AppError> {
    let Some(artist) = super::artists::find_by_slug(db, artist_slug).await? else {
        return Ok(None);
    };
    let release = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(artist.id))
        .filter(releases::Column::Slug.eq(release_slug.to_ascii_lowercase()))
        .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        .one(db)
        .await?;
    let Some(release) = release else {
        return Ok(None);
    };
    let links = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release.id))
        .filter(release_links::Column::Hidden.eq(false))
        .order_by_asc(release_links::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|link| Some((link.service.parse::<StreamingService>().ok()?, link)))
        .collect();
    Ok(Some(FanRelease {
        kind: release.kind.parse().map_err(AppError::internal)?,
        release,
        artist,
        links,
    }))
}

/// An artist's published releases for their hub, newest first.
pub async fn published_for_artist(
    db: &impl ConnectionTrait,
    artist_id: i32,
) -> Result<Vec<releases::Model>, AppError> {
    Ok(releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(artist_id))
        .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        .order_by_desc(releases::Column::ReleaseAt)
        .all(db)
        .await?)
}

/// "Fri 27 Nov 2026, 00:00 CET": the moment in the release's own zone; UTC if the zone name is unknown.
pub fn release_moment_label(release_at: Option<DateTime<Utc>>, time_zone: &str) -> String {
    let Some(moment) = release_at else {
        return "No release date".to_owned();
    };
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => moment
            .with_timezone(&zone)
            .format("%a %-d %b %Y, %H:%M %Z")
            .to_string(),
        Err(_) => moment.format("%a %-d %b %Y, %H:%M UTC").to_string(),
    }
}
