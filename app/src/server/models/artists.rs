//! Artists: a name, a unique slug (their hub at `/{slug}`), an image and profile links.
use super::validate_web_url;
use crate::server::entities::artists;
use crate::types::{AppError, Slug};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// A link on the artist's hub: "Instagram" -> https://instagram.com/…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct NewArtist {
    pub organization_id: i32,
    pub slug: String,
    pub name: String,
    pub image_url: Option<String>,
    pub profile_links: Vec<ProfileLink>,
    pub spotify_artist_id: Option<String>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    new: NewArtist,
    now: DateTime<Utc>,
) -> Result<artists::Model, AppError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("the artist needs a name".into()));
    }
    let slug =
        Slug::parse(&new.slug).map_err(|e| AppError::BadRequest(format!("artist slug: {e}")))?;
    if find_by_slug(db, slug.as_str()).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the artist slug \"{slug}\" is taken"
        )));
    }
    let image_url = new
        .image_url
        .as_deref()
        .map(|url| validate_image_url(url))
        .transpose()?;
    let mut links = Vec::with_capacity(new.profile_links.len());
    for link in new.profile_links {
        let label = link.label.trim();
        if label.is_empty() {
            return Err(AppError::BadRequest(
                "every profile link needs a label".into(),
            ));
        }
        links.push(ProfileLink {
            label: label.to_owned(),
            url: validate_web_url("profile link", &link.url)?,
        });
    }
    let model = artists::ActiveModel {
        organization_id: Set(new.organization_id),
        slug: Set(slug.to_string()),
        name: Set(name.to_owned()),
        image_url: Set(image_url),
        profile_links: Set(serde_json::to_string(&links).map_err(AppError::internal)?),
        spotify_artist_id: Set(new.spotify_artist_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(model.insert(db).await?)
}

/// Case-insensitive: slugs are stored lower-cased.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<artists::Model>, AppError> {
    Ok(artists::Entity::find()
        .filter(artists::Column::Slug.eq(slug.to_ascii_lowercase()))
        .one(db)
        .await?)
}

pub fn profile_links(artist: &artists::Model) -> Vec<ProfileLink> {
    serde_json::from_str(&artist.profile_links).unwrap_or_default()
}

/// Artwork and artist images are either site-relative (`/demo/…`, served by Dropday) or http(s) URLs.
pub fn validate_image_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    let site_relative = url.starts_with('/')
        && !url.starts_with("//")
        && url
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
    if site_relative {
        Ok(url.to_owned())
    } else {
        validate_web_url("image URL", url)
    }
}
