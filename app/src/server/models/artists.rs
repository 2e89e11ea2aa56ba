//! Artists: a name, a unique slug (their hub at `/{slug}`), an image and profile links.
use super::validate_web_url;
use crate::server::entities::{artist_slug_redirects, artists};
use crate::types::{AppError, Slug};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
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
        .map(validate_image_url)
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
        theme: Set("midnight".to_owned()),
        service_order: Set("by_country".to_owned()),
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

/// What an artist slug in a URL leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum ArtistLookup {
    Found(artists::Model),
    /// An old slug: answer with a permanent redirect to the current one.
    Moved {
        current_slug: String,
    },
    Missing,
}

/// Finds an artist by current slug, else by a slug it had before.
pub async fn lookup(db: &impl ConnectionTrait, slug: &str) -> Result<ArtistLookup, AppError> {
    if let Some(artist) = find_by_slug(db, slug).await? {
        return Ok(ArtistLookup::Found(artist));
    }
    let redirect = artist_slug_redirects::Entity::find()
        .filter(artist_slug_redirects::Column::OldSlug.eq(slug.to_ascii_lowercase()))
        .find_also_related(artists::Entity)
        .one(db)
        .await?;
    Ok(match redirect {
        Some((_, Some(artist))) => ArtistLookup::Moved {
            current_slug: artist.slug,
        },
        _ => ArtistLookup::Missing,
    })
}

/// Gives an artist a new slug; the old one keeps answering with a permanent redirect.
pub async fn rename_slug(
    db: &DatabaseConnection,
    artist_id: i32,
    new_slug: &str,
    now: DateTime<Utc>,
) -> Result<artists::Model, AppError> {
    let slug =
        Slug::parse(new_slug).map_err(|e| AppError::BadRequest(format!("artist slug: {e}")))?;
    let txn = crate::server::db::begin_write(db).await?;
    let artist = artists::Entity::find_by_id(artist_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if artist.slug == slug.as_str() {
        return Ok(artist);
    }
    let taken_by_artist = find_by_slug(&txn, slug.as_str()).await?.is_some();
    let redirect = artist_slug_redirects::Entity::find()
        .filter(artist_slug_redirects::Column::OldSlug.eq(slug.as_str()))
        .one(&txn)
        .await?;
    match redirect {
        // Taking back one's own old slug: it stops being a redirect.
        Some(own) if own.artist_id == artist_id => {
            artist_slug_redirects::Entity::delete_by_id(own.id)
                .exec(&txn)
                .await?;
        }
        Some(_) => {
            return Err(AppError::Conflict(format!(
                "the artist slug \"{slug}\" is taken"
            )))
        }
        None if taken_by_artist => {
            return Err(AppError::Conflict(format!(
                "the artist slug \"{slug}\" is taken"
            )))
        }
        None => {}
    }
    artist_slug_redirects::ActiveModel {
        old_slug: Set(artist.slug.clone()),
        artist_id: Set(artist_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active: artists::ActiveModel = artist.into();
    active.slug = Set(slug.to_string());
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// An artist profile and hub edit, checked in full before anything is written.
pub struct ProfileEdit<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub image_url: &'a str,
    pub profile_links: Vec<ProfileLink>,
    pub theme: &'a str,
    pub service_order: &'a str,
    pub auto_publish_imports: bool,
    /// The keys `theme` may take.
    pub themes: &'a [&'a str],
}

/// Saves a profile edit; a new slug keeps the old one answering with a redirect.
pub async fn update_profile(
    db: &DatabaseConnection,
    artist: artists::Model,
    edit: ProfileEdit<'_>,
    now: DateTime<Utc>,
) -> Result<artists::Model, AppError> {
    let name = edit.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "the artist's name needs 1 to 100 characters".into(),
        ));
    }
    let slug =
        Slug::parse(edit.slug).map_err(|e| AppError::BadRequest(format!("artist link: {e}")))?;
    let image_url = Some(edit.image_url.trim())
        .filter(|url| !url.is_empty())
        .map(validate_image_url)
        .transpose()?;
    if !edit.themes.contains(&edit.theme) {
        return Err(AppError::BadRequest(format!(
            "unknown theme \"{}\"",
            edit.theme
        )));
    }
    let order: crate::server::fan::ordering::ServiceOrder =
        edit.service_order.parse().map_err(AppError::BadRequest)?;
    if edit.profile_links.len() > 12 {
        return Err(AppError::BadRequest(
            "an artist can have at most 12 profile links".into(),
        ));
    }
    let mut links = Vec::with_capacity(edit.profile_links.len());
    for link in edit.profile_links {
        let label = link.label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            return Err(AppError::BadRequest(
                "every profile link needs a label of 1 to 40 characters".into(),
            ));
        }
        links.push(ProfileLink {
            label: label.to_owned(),
            url: validate_web_url(label, &link.url)?,
        });
    }
    let artist = if artist.slug == slug.as_str() {
        artist
    } else {
        rename_slug(db, artist.id, slug.as_str(), now).await?
    };
    let mut active: artists::ActiveModel = artist.into();
    active.name = Set(name.to_owned());
    active.image_url = Set(image_url);
    active.profile_links = Set(serde_json::to_string(&links).map_err(AppError::internal)?);
    active.theme = Set(edit.theme.to_owned());
    active.service_order = Set(order.as_str().to_owned());
    active.auto_publish_imports = Set(edit.auto_publish_imports);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// A free artist slug from a name: `nova-lights`, else `nova-lights-2`… (slugs are unique on the whole server,
/// old ones included, since they keep redirecting).
pub async fn free_slug(db: &impl ConnectionTrait, name: &str) -> Result<String, AppError> {
    let base = Slug::from_title(name)
        .map(|slug| slug.to_string())
        .unwrap_or_else(|_| "artist".to_owned());
    let taken = |slug: String| async move {
        let current = find_by_slug(db, &slug).await?.is_some();
        let old = artist_slug_redirects::Entity::find()
            .filter(artist_slug_redirects::Column::OldSlug.eq(slug.as_str()))
            .one(db)
            .await?
            .is_some();
        Ok::<_, AppError>(current || old)
    };
    if !taken(base.clone()).await? && Slug::parse(&base).is_ok() {
        return Ok(base);
    }
    let stem: String = base.chars().take(56).collect();
    for n in 2..1000 {
        let candidate = format!("{}-{n}", stem.trim_end_matches('-'));
        if !taken(candidate.clone()).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::Conflict("no free link for this name".into()))
}

/// The names of an organization's artists, by id.
pub async fn names_in(
    db: &impl ConnectionTrait,
    organization_id: i32,
) -> Result<std::collections::HashMap<i32, String>, AppError> {
    Ok(artists::Entity::find()
        .filter(artists::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|artist| (artist.id, artist.name))
        .collect())
}
