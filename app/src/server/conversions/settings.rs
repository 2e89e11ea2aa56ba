//! Each artist's ad pixels, overridable per release, with their server-side secrets sealed at rest; and what a
//! release's fan page ends up using.
use super::clients::{Destination, Platform};
use crate::server::entities::{ad_pixels, artists, organizations, releases};
use crate::server::sealed::TokenKeys;
use crate::types::{AppError, PixelDraft, PixelSetting, AD_PLATFORMS};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

/// The artist's own setting has scope 0; a release's has the release id.
const ARTIST_SCOPE: i32 = 0;

pub const MODE_ON: &str = "on";
pub const MODE_OFF: &str = "off";
pub const MODE_INHERIT: &str = "inherit";

/// A pixel a release's page uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivePixel {
    /// The `ad_pixels` row whose secret sends its server-side events.
    pub row_id: i32,
    pub platform: Platform,
    pub pixel_id: String,
    /// A secret is stored, so events also go server-side.
    pub server_events: bool,
}

/// What a release's page and its click-outs need to know about ads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasePixels {
    pub artist_id: i32,
    pub release_id: i32,
    pub consent_required: bool,
    /// In platform order (Meta, TikTok, GA4); empty when the release has none.
    pub pixels: Vec<ActivePixel>,
    /// The fan page's path, `/artist/release`.
    pub page_path: String,
    /// "Title by Artist", what ad platforms show as the content.
    pub content_name: String,
}

impl ReleasePixels {
    pub fn pixel(&self, platform: Platform) -> Option<&ActivePixel> {
        self.pixels.iter().find(|p| p.platform == platform)
    }
}

fn platform_of(key: &str) -> Result<Platform, AppError> {
    key.parse()
        .map_err(|_| AppError::BadRequest(format!("unknown ad platform \"{key}\"")))
}

/// The pixels in effect for `release_id`: per platform, the release's own setting when it has one (which may be
/// "off"), else the artist's when switched on.
pub async fn release_pixels(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<Option<ReleasePixels>, AppError> {
    let Some((release, Some(artist))) = releases::Entity::find_by_id(release_id)
        .find_also_related(artists::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let consent_required = consent_required(db, artist.organization_id).await?;
    let rows = ad_pixels::Entity::find()
        .filter(ad_pixels::Column::ArtistId.eq(artist.id))
        .filter(ad_pixels::Column::Scope.is_in([ARTIST_SCOPE, release.id]))
        .all(db)
        .await?;
    let mut pixels = Vec::new();
    for (key, _) in AD_PLATFORMS {
        let Some(row) = in_effect(&rows, key, release.id) else {
            continue;
        };
        pixels.push(ActivePixel {
            row_id: row.id,
            platform: platform_of(key)?,
            pixel_id: row.pixel_id.clone(),
            server_events: row.secret.is_some(),
        });
    }
    Ok(Some(ReleasePixels {
        artist_id: artist.id,
        release_id: release.id,
        consent_required,
        pixels,
        page_path: format!("/{}/{}", artist.slug, release.slug),
        content_name: format!("{} by {}", release.title, artist.name),
    }))
}

/// Where a pixel's server-side events go, with its secret opened. `None` when the row is gone or has no secret.
pub async fn destination(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    row_id: i32,
) -> Result<Option<Destination>, AppError> {
    let Some(row) = ad_pixels::Entity::find_by_id(row_id).one(db).await? else {
        return Ok(None);
    };
    let (Some(key_id), Some(sealed)) = (&row.key_id, &row.secret) else {
        return Ok(None);
    };
    let secret = keys
        .open(key_id, sealed, &secret_context(&row))
        .map_err(|error| AppError::internal(format!("ad pixel {row_id}: {error}")))?;
    Ok(Some(Destination {
        platform: platform_of(&row.platform)?,
        pixel_id: row.pixel_id,
        secret,
        test_event_code: row.test_event_code,
    }))
}

fn secret_context(row: &ad_pixels::Model) -> String {
    secret_context_of(row.artist_id, row.scope, &row.platform)
}

/// Binds a sealed secret to its artist, scope and platform: copied into another row it does not open.
fn secret_context_of(artist_id: i32, scope: i32, platform: &str) -> String {
    format!("ad-secret:{artist_id}:{scope}:{platform}")
}

/// The settings the dashboard shows for an artist (`release_id` None) or a release, one per platform.
pub async fn load_settings(
    db: &impl ConnectionTrait,
    artist_id: i32,
    release_id: Option<i32>,
) -> Result<Vec<PixelSetting>, AppError> {
    let scope = release_id.unwrap_or(ARTIST_SCOPE);
    let rows = ad_pixels::Entity::find()
        .filter(ad_pixels::Column::ArtistId.eq(artist_id))
        .filter(ad_pixels::Column::Scope.is_in([ARTIST_SCOPE, scope]))
        .all(db)
        .await?;
    Ok(AD_PLATFORMS
        .iter()
        .map(|(key, _)| {
            let own = rows.iter().find(|r| r.platform == *key && r.scope == scope);
            let artist_row = rows
                .iter()
                .find(|r| r.platform == *key && r.scope == ARTIST_SCOPE);
            let default_mode = if release_id.is_some() {
                MODE_INHERIT
            } else {
                MODE_OFF
            };
            PixelSetting {
                platform: (*key).to_owned(),
                mode: match own {
                    Some(row) if row.enabled => MODE_ON,
                    Some(_) => MODE_OFF,
                    None => default_mode,
                }
                .to_owned(),
                pixel_id: own.map(|r| r.pixel_id.clone()).unwrap_or_default(),
                has_secret: own.is_some_and(|r| r.secret.is_some()),
                test_event_code: own
                    .and_then(|r| r.test_event_code.clone())
                    .unwrap_or_default(),
                inherited: match (release_id, artist_row) {
                    (None, _) => String::new(),
                    (Some(_), Some(row)) if row.enabled => format!(
                        "{} {}{}",
                        if *key == "ga4" { "stream" } else { "pixel" },
                        row.pixel_id,
                        if row.secret.is_some() {
                            ", server events on"
                        } else {
                            ", browser only"
                        }
                    ),
                    (Some(_), _) => "none".to_owned(),
                },
            }
        })
        .collect())
}

/// Checks a draft; the message names the field.
fn validate(draft: &PixelDraft, platform: Platform, for_release: bool) -> Result<(), AppError> {
    let allowed_modes: &[&str] = if for_release {
        &[MODE_ON, MODE_OFF, MODE_INHERIT]
    } else {
        &[MODE_ON, MODE_OFF]
    };
    if !allowed_modes.contains(&draft.mode.as_str()) {
        return Err(AppError::BadRequest(format!(
            "{}: choose one of {}",
            platform.label(),
            allowed_modes.join(", ")
        )));
    }
    if draft.mode != MODE_ON {
        return Ok(());
    }
    let id = draft.pixel_id.trim();
    let (valid, expected) = match platform {
        Platform::Meta => (
            (5..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()),
            "a Meta pixel id is 5 to 20 digits",
        ),
        Platform::Tiktok => (
            (10..=30).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()),
            "a TikTok pixel code is 10 to 30 letters and digits",
        ),
        Platform::Ga4 => (
            id.strip_prefix("G-").is_some_and(|rest| {
                (4..=20).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            }),
            "a GA4 measurement id looks like G-ABC123XYZ",
        ),
    };
    if !valid {
        return Err(AppError::BadRequest(format!(
            "{}: \"{}\" is not valid: {expected}",
            platform.label(),
            id
        )));
    }
    let secret = draft.secret.trim();
    if secret.len() > 1000 || secret.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(AppError::BadRequest(format!(
            "{}: the secret is up to 1,000 printable characters, without spaces",
            platform.label()
        )));
    }
    let code = draft.test_event_code.trim();
    if code.len() > 40
        || code
            .bytes()
            .any(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(AppError::BadRequest(format!(
            "{}: a test event code is up to 40 letters, digits, - and _",
            platform.label()
        )));
    }
    Ok(())
}

/// Saves the settings of an artist (`release_id` None) or one of its releases. Every draft is checked before
/// anything is written. A new secret is sealed; an empty one keeps what is stored.
pub async fn save_settings(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    artist_id: i32,
    release_id: Option<i32>,
    drafts: &[PixelDraft],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let scope = release_id.unwrap_or(ARTIST_SCOPE);
    let mut checked = Vec::new();
    for draft in drafts {
        let platform = platform_of(&draft.platform)?;
        validate(draft, platform, release_id.is_some())?;
        if checked.iter().any(|(p, _)| *p == platform) {
            return Err(AppError::BadRequest(format!(
                "{} appears twice",
                platform.label()
            )));
        }
        checked.push((platform, draft));
    }
    for (platform, draft) in checked {
        let existing = ad_pixels::Entity::find()
            .filter(ad_pixels::Column::ArtistId.eq(artist_id))
            .filter(ad_pixels::Column::Scope.eq(scope))
            .filter(ad_pixels::Column::Platform.eq(platform.as_str()))
            .one(db)
            .await?;
        if draft.mode == MODE_INHERIT {
            if let Some(row) = existing {
                ad_pixels::Entity::delete_by_id(row.id).exec(db).await?;
            }
            continue;
        }
        let enabled = draft.mode == MODE_ON;
        let pixel_id = draft.pixel_id.trim().to_owned();
        let mut row = match existing {
            Some(row) => row.into_active_model(),
            None => ad_pixels::ActiveModel {
                artist_id: Set(artist_id),
                release_id: Set(release_id),
                scope: Set(scope),
                platform: Set(platform.as_str().to_owned()),
                key_id: Set(None),
                secret: Set(None),
                ..Default::default()
            },
        };
        // Switching off keeps the ids, so switching on again is one click; an emptied id field keeps them too.
        if enabled || !pixel_id.is_empty() {
            row.pixel_id = Set(pixel_id);
        } else if row.pixel_id.is_not_set() {
            row.pixel_id = Set(String::new());
        }
        row.enabled = Set(enabled);
        let code = draft.test_event_code.trim();
        row.test_event_code = Set((!code.is_empty()).then(|| code.to_owned()));
        row.updated_at = Set(now);
        let secret = draft.secret.trim();
        if draft.clear_secret {
            row.key_id = Set(None);
            row.secret = Set(None);
        } else if !secret.is_empty() {
            let sealed = keys.seal(
                secret,
                &secret_context_of(artist_id, scope, platform.as_str()),
            );
            row.key_id = Set(Some(sealed.key_id));
            row.secret = Set(Some(sealed.value));
        }
        row.save(db).await?;
    }
    Ok(())
}

/// Whether the organization asks fans for consent.
pub async fn consent_required(
    db: &impl ConnectionTrait,
    organization_id: i32,
) -> Result<bool, AppError> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .is_none_or(|organization| organization.ad_consent_required))
}

pub async fn set_consent_required(
    db: &impl ConnectionTrait,
    organization_id: i32,
    required: bool,
) -> Result<(), AppError> {
    let organization = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut organization = organization.into_active_model();
    organization.ad_consent_required = Set(required);
    organization.update(db).await?;
    Ok(())
}

/// The `ad_pixels` row `platform` uses for an artist (`release_id` None) or a release, when switched on.
pub async fn effective_pixel(
    db: &impl ConnectionTrait,
    artist_id: i32,
    release_id: Option<i32>,
    platform: Platform,
) -> Result<Option<i32>, AppError> {
    let scope = release_id.unwrap_or(ARTIST_SCOPE);
    let rows = ad_pixels::Entity::find()
        .filter(ad_pixels::Column::ArtistId.eq(artist_id))
        .filter(ad_pixels::Column::Scope.is_in([ARTIST_SCOPE, scope]))
        .filter(ad_pixels::Column::Platform.eq(platform.as_str()))
        .all(db)
        .await?;
    Ok(in_effect(&rows, platform.as_str(), scope).map(|row| row.id))
}

/// Of an artist's rows, the one `platform` uses in `scope`: the scope's own setting when it has one (which may be
/// "off"), else the artist's; `None` when that is switched off.
fn in_effect<'a>(
    rows: &'a [ad_pixels::Model],
    platform: &str,
    scope: i32,
) -> Option<&'a ad_pixels::Model> {
    let own = rows
        .iter()
        .find(|r| r.platform == platform && r.scope == scope);
    let inherited = rows
        .iter()
        .find(|r| r.platform == platform && r.scope == ARTIST_SCOPE);
    own.or(inherited).filter(|row| row.enabled)
}
