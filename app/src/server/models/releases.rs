//! Releases and their streaming-service links: creating them, listing them for the dashboard, and loading a
//! published one for its fan page.
use super::{artists::validate_image_url, validate_web_url};
use crate::server::entities::{
    artists, custom_links, release_link_variants, release_links, release_slug_redirects, releases,
};
use crate::server::fan::moment::ReleaseMoment;
use crate::types::{
    AppError, CountryCode, ReleaseFilter, ReleaseKind, ReleaseMode, ReleasePhase, ReleaseStatus,
    ReleaseSummary, Slug, StreamingService,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
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
    pub release_mode: ReleaseMode,
    /// A theme key overriding the artist's default.
    pub theme: Option<String>,
    /// A YouTube video shown behind a click-to-load facade.
    pub video_url: Option<String>,
    /// In display order; the first is shown first where no country order applies.
    pub links: Vec<NewServiceLink>,
    /// Call-to-action buttons ("Buy now", "Tickets") in display order.
    pub custom_links: Vec<NewCustomLink>,
}

#[derive(Debug, Clone)]
pub struct NewCustomLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct NewServiceLink {
    pub service: StreamingService,
    pub url: String,
    pub hidden: bool,
    /// Also shown on the pre-save page, as a pre-order or pre-add link.
    pub show_before_release: bool,
}

/// Creates a release and its links in one transaction, so a failure leaves nothing half-made.
pub async fn create(
    db: &DatabaseConnection,
    new: NewRelease,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    let txn = crate::server::db::begin_write(db).await?;
    let release = create_in(&txn, new, now).await?;
    txn.commit().await?;
    Ok(release)
}

/// `create` inside the caller's transaction (with what else must happen with it, or not at all).
pub async fn create_in(
    txn: &impl ConnectionTrait,
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
    let video_url = new
        .video_url
        .as_deref()
        .map(|url| validate_web_url("video URL", url))
        .transpose()?;
    let mut custom_links = Vec::with_capacity(new.custom_links.len());
    for link in &new.custom_links {
        let label = link.label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            return Err(AppError::BadRequest(
                "a button label needs 1 to 40 characters".into(),
            ));
        }
        custom_links.push((label.to_owned(), validate_web_url(label, &link.url)?));
    }
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

    let taken = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(new.artist_id))
        .filter(releases::Column::Slug.eq(slug.as_str()))
        .count(txn)
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
        release_mode: Set(new.release_mode.as_str().to_owned()),
        theme: Set(new.theme),
        video_url: Set(video_url),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|error| match error.sql_err() {
        // Another request made the same release (by its Spotify id) in the meantime.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("this artist already has this release".into())
        }
        _ => AppError::from(error),
    })?;
    for (position, (link, url)) in links.into_iter().enumerate() {
        release_links::ActiveModel {
            release_id: Set(release.id),
            service: Set(link.service.key().to_owned()),
            url: Set(url),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            hidden: Set(link.hidden),
            show_before_release: Set(link.show_before_release),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    for (position, (label, url)) in custom_links.into_iter().enumerate() {
        custom_links::ActiveModel {
            artist_id: Set(new.artist_id),
            release_id: Set(Some(release.id)),
            label: Set(label),
            url: Set(url),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
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
        // Where fans' countries differ (local-midnight releases), the dashboard counts in the release's zone.
        let phase = release_moment(&release)
            .map(|moment| moment.phase_for(None, now))
            .unwrap_or(ReleasePhase::OutNow);
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
            artist_id: artist.id,
            access: None,
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
    /// Call-to-action buttons in order.
    pub custom_links: Vec<custom_links::Model>,
    /// Links that differ in some countries (an Amazon or Apple Music storefront): (service key, country, URL).
    pub variants: Vec<release_link_variants::Model>,
}

impl FanRelease {
    /// The country's own link for a service, where it differs from the default one.
    pub fn url_in(&self, service: StreamingService, country: Option<CountryCode>) -> Option<&str> {
        let country = country?;
        self.variants
            .iter()
            .find(|v| v.service == service.key() && v.country == country.as_str())
            .map(|v| v.url.as_str())
    }

    pub fn moment(&self) -> Option<ReleaseMoment> {
        release_moment(&self.release)
    }
}

/// The release moment of a release, if it has a date.
pub fn release_moment(release: &releases::Model) -> Option<ReleaseMoment> {
    let instant = release.release_at?;
    let mode = release.release_mode.parse().unwrap_or_default();
    let zone = release
        .time_zone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC);
    Some(match mode {
        ReleaseMode::Fixed => ReleaseMoment::Fixed(instant),
        ReleaseMode::LocalMidnight => ReleaseMoment::LocalMidnight {
            date: instant.with_timezone(&zone).date_naive(),
            fallback_zone: zone,
        },
    })
}

/// What `/{artist}/{release}` leads to.
#[derive(Debug, Clone)]
pub enum ReleaseLookup {
    Found(Box<FanRelease>),
    /// An old artist or release slug: answer with a permanent redirect to the current URL.
    Moved {
        artist_slug: String,
        release_slug: String,
    },
    Missing,
}

/// Finds a published release by its URL, following renamed artist and release slugs.
pub async fn lookup_published(
    db: &impl ConnectionTrait,
    artist_slug: &str,
    release_slug: &str,
) -> Result<ReleaseLookup, AppError> {
    use super::artists::{lookup, ArtistLookup};
    let artist = match lookup(db, artist_slug).await? {
        ArtistLookup::Found(artist) => artist,
        ArtistLookup::Moved { current_slug } => {
            return Ok(
                match current_release_slug(db, &current_slug, release_slug).await? {
                    Some(release_slug) => ReleaseLookup::Moved {
                        artist_slug: current_slug,
                        release_slug,
                    },
                    None => ReleaseLookup::Missing,
                },
            );
        }
        ArtistLookup::Missing => return Ok(ReleaseLookup::Missing),
    };
    if let Some(found) = find_published(db, &artist.slug, release_slug).await? {
        return Ok(ReleaseLookup::Found(Box::new(found)));
    }
    Ok(
        match current_release_slug(db, &artist.slug, release_slug).await? {
            Some(current) if current != release_slug.to_ascii_lowercase() => ReleaseLookup::Moved {
                artist_slug: artist.slug,
                release_slug: current,
            },
            _ => ReleaseLookup::Missing,
        },
    )
}

/// The current slug of a published release reached by its current or an old slug.
async fn current_release_slug(
    db: &impl ConnectionTrait,
    artist_slug: &str,
    slug: &str,
) -> Result<Option<String>, AppError> {
    let Some(artist) = super::artists::find_by_slug(db, artist_slug).await? else {
        return Ok(None);
    };
    let slug = slug.to_ascii_lowercase();
    let direct = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(artist.id))
        .filter(releases::Column::Slug.eq(slug.as_str()))
        .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        .one(db)
        .await?;
    if let Some(release) = direct {
        return Ok(Some(release.slug));
    }
    let redirect = release_slug_redirects::Entity::find()
        .filter(release_slug_redirects::Column::ArtistId.eq(artist.id))
        .filter(release_slug_redirects::Column::OldSlug.eq(slug))
        .find_also_related(releases::Entity)
        .one(db)
        .await?;
    Ok(match redirect {
        Some((_, Some(release))) if release.status == ReleaseStatus::Published.as_str() => {
            Some(release.slug)
        }
        _ => None,
    })
}

/// Gives a release a new slug; the old one keeps answering with a permanent redirect.
pub async fn rename_slug(
    db: &DatabaseConnection,
    release_id: i32,
    new_slug: &str,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    let txn = crate::server::db::begin_write(db).await?;
    let release = releases::Entity::find_by_id(release_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = change_slug(&txn, release, new_slug, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// `rename_slug` inside the caller's transaction.
pub async fn change_slug(
    txn: &impl ConnectionTrait,
    release: releases::Model,
    new_slug: &str,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    let slug =
        Slug::parse(new_slug).map_err(|e| AppError::BadRequest(format!("release slug: {e}")))?;
    let release_id = release.id;
    if release.slug == slug.as_str() {
        return Ok(release);
    }
    let taken = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(release.artist_id))
        .filter(releases::Column::Slug.eq(slug.as_str()))
        .count(txn)
        .await?
        > 0;
    let redirect = release_slug_redirects::Entity::find()
        .filter(release_slug_redirects::Column::ArtistId.eq(release.artist_id))
        .filter(release_slug_redirects::Column::OldSlug.eq(slug.as_str()))
        .one(txn)
        .await?;
    match redirect {
        // Taking back its own old slug: that slug stops being a redirect.
        Some(own) if own.release_id == release_id => {
            release_slug_redirects::Entity::delete_by_id(own.id)
                .exec(txn)
                .await?;
        }
        Some(_) => {
            return Err(AppError::Conflict(format!(
                "\"{slug}\" was used by another release of this artist"
            )))
        }
        None if taken => {
            return Err(AppError::Conflict(format!(
                "this artist already has a release at \"{slug}\""
            )))
        }
        None => {}
    }
    release_slug_redirects::ActiveModel {
        artist_id: Set(release.artist_id),
        old_slug: Set(release.slug.clone()),
        release_id: Set(release_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut active: releases::ActiveModel = release.into();
    active.slug = Set(slug.to_string());
    active.updated_at = Set(now);
    Ok(active.update(txn).await?)
}

/// Custom links on an artist's hub, in order.
pub async fn hub_custom_links(
    db: &impl ConnectionTrait,
    artist_id: i32,
) -> Result<Vec<custom_links::Model>, AppError> {
    Ok(custom_links::Entity::find()
        .filter(custom_links::Column::ArtistId.eq(artist_id))
        .filter(custom_links::Column::ReleaseId.is_null())
        .order_by_asc(custom_links::Column::Position)
        .all(db)
        .await?)
}

/// Every public page for the sitemap, with when it last changed; drafts are never included.
pub async fn sitemap_paths(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, DateTime<Utc>)>, AppError> {
    let rows = releases::Entity::find()
        .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        .find_also_related(artists::Entity)
        .order_by_asc(releases::Column::Id)
        .all(db)
        .await?;
    let mut hubs: std::collections::BTreeMap<String, DateTime<Utc>> = Default::default();
    let mut paths = Vec::with_capacity(rows.len());
    for (release, artist) in rows {
        let Some(artist) = artist else { continue };
        let modified = release.updated_at.max(artist.updated_at);
        let hub = hubs.entry(artist.slug.clone()).or_insert(modified);
        *hub = (*hub).max(modified);
        paths.push((format!("/{}/{}", artist.slug, release.slug), modified));
    }
    paths.extend(
        hubs.into_iter()
            .map(|(slug, modified)| (format!("/{slug}"), modified)),
    );
    Ok(paths)
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
    Ok(Some(fan_release(db, release, artist).await?))
}

/// Any release, draft or not, as its fan page would show it (the editor's preview).
pub async fn fan_release_by_id(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<Option<FanRelease>, AppError> {
    let Some((release, Some(artist))) = releases::Entity::find_by_id(release_id)
        .find_also_related(artists::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(fan_release(db, release, artist).await?))
}

async fn fan_release(
    db: &impl ConnectionTrait,
    release: releases::Model,
    artist: artists::Model,
) -> Result<FanRelease, AppError> {
    let links = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release.id))
        .filter(release_links::Column::Hidden.eq(false))
        .order_by_asc(release_links::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|link| Some((link.service.parse::<StreamingService>().ok()?, link)))
        .collect();
    let custom_links = custom_links::Entity::find()
        .filter(custom_links::Column::ReleaseId.eq(release.id))
        .order_by_asc(custom_links::Column::Position)
        .all(db)
        .await?;
    let variants = release_link_variants::Entity::find()
        .filter(release_link_variants::Column::ReleaseId.eq(release.id))
        .all(db)
        .await?;
    Ok(FanRelease {
        kind: release.kind.parse().map_err(AppError::internal)?,
        release,
        artist,
        links,
        custom_links,
        variants,
    })
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

/// Where a click-out goes: a visible link of a published release. Only stored URLs are ever returned.
pub async fn click_target(
    db: &impl ConnectionTrait,
    release_id: i32,
    service: StreamingService,
    country: Option<CountryCode>,
) -> Result<Option<(releases::Model, String)>, AppError> {
    let row = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release_id))
        .filter(release_links::Column::Service.eq(service.key()))
        .filter(release_links::Column::Hidden.eq(false))
        .find_also_related(releases::Entity)
        .one(db)
        .await?;
    Ok(match row {
        Some((link, Some(release))) if release.status == ReleaseStatus::Published.as_str() => {
            let variant = match country {
                Some(country) => {
                    release_link_variants::Entity::find()
                        .filter(release_link_variants::Column::ReleaseId.eq(release_id))
                        .filter(release_link_variants::Column::Service.eq(service.key()))
                        .filter(release_link_variants::Column::Country.eq(country.as_str()))
                        .one(db)
                        .await?
                }
                None => None,
            };
            Some((release, variant.map_or(link.url, |v| v.url)))
        }
        _ => None,
    })
}

/// Where a custom button goes: (artist id, release id if on a release page, URL), for published pages only.
pub async fn custom_link_target(
    db: &impl ConnectionTrait,
    link_id: i32,
) -> Result<Option<(i32, Option<i32>, String)>, AppError> {
    let Some(link) = custom_links::Entity::find_by_id(link_id).one(db).await? else {
        return Ok(None);
    };
    if let Some(release_id) = link.release_id {
        let published = releases::Entity::find_by_id(release_id)
            .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
            .count(db)
            .await?
            > 0;
        if !published {
            return Ok(None);
        }
    }
    Ok(Some((link.artist_id, link.release_id, link.url)))
}

/// A published release by id (for beacons); `None` for drafts and unknown ids.
pub async fn find_published_by_id(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<Option<releases::Model>, AppError> {
    Ok(releases::Entity::find_by_id(release_id)
        .filter(releases::Column::Status.eq(ReleaseStatus::Published.as_str()))
        .one(db)
        .await?)
}

pub const MAX_TITLE_CHARS: usize = 200;

/// Checks a release title and returns it trimmed.
pub fn clean_title(title: &str) -> Result<String, AppError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::BadRequest("the release needs a title".into()));
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "a title can have at most {MAX_TITLE_CHARS} characters and no control characters"
        )));
    }
    Ok(title.to_owned())
}
