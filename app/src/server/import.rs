//! Importing a release from a JSON document: an organization, its artist and one release with its links, each
//! created if missing. For scripted and bulk set-up (`dropday import release.json`).
use super::models::{
    artists::{self, NewArtist, ProfileLink},
    organizations,
    releases::{self, NewCustomLink, NewRelease, NewServiceLink},
};
use crate::types::{AppError, ReleaseKind, ReleaseMode, ReleaseStatus, StreamingService};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportDocument {
    pub organization: ImportOrganization,
    pub artist: ImportArtist,
    pub release: ImportRelease,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportOrganization {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportArtist {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub profile_links: Vec<ProfileLink>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRelease {
    pub slug: String,
    pub title: String,
    pub kind: ReleaseKind,
    #[serde(default)]
    pub artwork_url: Option<String>,
    #[serde(default)]
    pub upc: Option<String>,
    #[serde(default)]
    pub isrc: Option<String>,
    #[serde(default)]
    pub spotify_id: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    #[serde(default = "utc")]
    pub time_zone: String,
    #[serde(default)]
    pub release_mode: ReleaseMode,
    pub status: ReleaseStatus,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub links: Vec<ImportLink>,
    #[serde(default)]
    pub custom_links: Vec<ImportCustomLink>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportLink {
    pub service: StreamingService,
    pub url: String,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub show_before_release: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportCustomLink {
    pub label: String,
    pub url: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// Parses a document, naming the line and column of a mistake.
pub fn parse(json: &str) -> Result<ImportDocument, AppError> {
    serde_json::from_str(json)
        .map_err(|e| AppError::BadRequest(format!("the import file is not valid: {e}")))
}

/// Creates what is missing; an existing artist must belong to the named organization. Returns the fan page path.
pub async fn import(
    db: &DatabaseConnection,
    document: ImportDocument,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let organization = match organizations::find_by_slug(db, &document.organization.slug).await? {
        Some(existing) => existing,
        None => {
            organizations::create(
                db,
                &document.organization.name,
                &document.organization.slug,
                now,
            )
            .await?
        }
    };
    let artist = match artists::find_by_slug(db, &document.artist.slug).await? {
        Some(existing) if existing.organization_id == organization.id => existing,
        Some(_) => {
            return Err(AppError::Conflict(format!(
                "the artist \"{}\" belongs to another organization",
                document.artist.slug
            )))
        }
        None => {
            artists::create(
                db,
                NewArtist {
                    organization_id: organization.id,
                    slug: document.artist.slug,
                    name: document.artist.name,
                    image_url: document.artist.image_url,
                    profile_links: document.artist.profile_links,
                    spotify_artist_id: None,
                },
                now,
            )
            .await?
        }
    };
    let release = document.release;
    let created = releases::create(
        db,
        NewRelease {
            artist_id: artist.id,
            slug: release.slug,
            kind: release.kind,
            title: release.title,
            artwork_url: release.artwork_url,
            upc: release.upc,
            isrc: release.isrc,
            spotify_id: release.spotify_id,
            release_at: release.release_at,
            time_zone: release.time_zone,
            status: release.status,
            release_mode: release.release_mode,
            theme: release.theme,
            video_url: release.video_url,
            links: release
                .links
                .into_iter()
                .map(|link| NewServiceLink {
                    service: link.service,
                    url: link.url,
                    hidden: link.hidden,
                    show_before_release: link.show_before_release,
                })
                .collect(),
            custom_links: release
                .custom_links
                .into_iter()
                .map(|link| NewCustomLink {
                    label: link.label,
                    url: link.url,
                })
                .collect(),
        },
        now,
    )
    .await?;
    Ok(format!("/{}/{}", artist.slug, created.slug))
}
