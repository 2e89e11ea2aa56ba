//! Releases from Spotify: one made from a pasted link, and an artist's discography imported as drafts (or
//! published, when the artist asked for that). Re-running an import adds what is new and never duplicates: a
//! release counts as present by its Spotify id, its UPC, or, where it has no Spotify album id (made by hand, or
//! from a track link), its title.
use super::queue::{enqueue_link_lookups, queue_import, set_import_status, TaskError};
use super::CatalogClients;
use crate::server::catalog::spotify::{parse_spotify_ref, Album, SpotifyCatalog, SpotifyRef};
use crate::server::catalog::CatalogError;
use crate::server::entities::{artists, catalog_imports, catalog_tasks, release_links, releases};
use crate::server::models::release_edits::free_slug;
use crate::server::models::releases::{self as release_model, NewRelease, NewServiceLink};
use crate::types::{AppError, ReleaseKind, ReleaseMode, ReleaseStatus, StreamingService};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

/// What the catalog said about a release, in Dropday's terms.
struct Found {
    uri: String,
    title: String,
    kind: ReleaseKind,
    artwork_url: Option<String>,
    upc: Option<String>,
    isrc: Option<String>,
    release_at: Option<DateTime<Utc>>,
    url: String,
}

/// Spotify has no EP type: an EP is a "single" of 4–6 tracks (Spotify's own definition, under 30 minutes).
fn kind_of(album: &Album) -> ReleaseKind {
    match album.album_type.as_str() {
        "album" => ReleaseKind::Album,
        "compilation" => ReleaseKind::Compilation,
        _ if album.total_tracks >= 4 => ReleaseKind::Ep,
        _ => ReleaseKind::Single,
    }
}

/// `2026-11-27`, `2026-11` or `2026` as the first moment of that day (UTC date, released at local midnight).
fn release_date(date: &str) -> Option<DateTime<Utc>> {
    let full = match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        _ => date.to_owned(),
    };
    NaiveDate::parse_from_str(&full, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

fn from_album(album: &Album) -> Found {
    Found {
        uri: format!("spotify:album:{}", album.id),
        title: album.name.clone(),
        kind: kind_of(album),
        artwork_url: album.image_url.clone(),
        upc: album.upc.clone(),
        isrc: None,
        release_at: release_date(&album.release_date),
        url: album.url.clone(),
    }
}

/// A catalog error as the person who pasted the link should read it.
fn user_error(error: CatalogError) -> AppError {
    match error {
        CatalogError::NotFound { .. } => AppError::BadRequest(
            "Spotify has nothing at this link; check that it is complete".into(),
        ),
        CatalogError::RateLimited { retry_after, .. } => AppError::TooManyRequests {
            retry_after_secs: retry_after.as_secs().max(1),
        },
        CatalogError::Unauthorized { .. } => {
            tracing::error!(%error, "Spotify refused the configured credentials");
            AppError::BadRequest(
                "Spotify refused this server's credentials; ask your administrator to check them"
                    .into(),
            )
        }
        other => AppError::BadRequest(format!("could not read the release from Spotify: {other}")),
    }
}

async fn look_up(spotify: &SpotifyCatalog, reference: &SpotifyRef) -> Result<Found, AppError> {
    match reference {
        SpotifyRef::Album(id) => Ok(from_album(&spotify.album(id).await.map_err(user_error)?)),
        SpotifyRef::Track(id) => {
            let track = spotify.track(id).await.map_err(user_error)?;
            Ok(Found {
                uri: format!("spotify:track:{}", track.id),
                title: track.name.clone(),
                kind: ReleaseKind::Single,
                artwork_url: track.album.image_url.clone(),
                upc: None,
                isrc: track.isrc.clone(),
                release_at: release_date(&track.album.release_date),
                url: track.url.clone(),
            })
        }
        SpotifyRef::Playlist(id) => {
            let playlist = spotify.playlist(id).await.map_err(user_error)?;
            Ok(Found {
                uri: format!("spotify:playlist:{}", playlist.id),
                title: playlist.name.clone(),
                kind: ReleaseKind::Playlist,
                artwork_url: playlist.image_url.clone(),
                upc: None,
                isrc: None,
                release_at: None,
                url: playlist.url.clone(),
            })
        }
        SpotifyRef::Artist(_) => Err(AppError::BadRequest(
            "this is an artist link: connect the artist on their profile page to import every release"
                .into(),
        )),
    }
}

/// The artist's releases, read once per import and checked against each found release.
async fn releases_of(
    db: &impl ConnectionTrait,
    artist_id: i32,
) -> Result<Vec<releases::Model>, AppError> {
    Ok(releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(artist_id))
        .all(db)
        .await?)
}

/// The release among `releases` that `found` already is, if any.
fn existing<'a>(releases: &'a [releases::Model], found: &Found) -> Option<&'a releases::Model> {
    let normalized = |title: &str| title.trim().to_lowercase();
    releases.iter().find(|release| {
        release.spotify_id.as_deref() == Some(found.uri.as_str())
            || (found.upc.is_some() && release.upc == found.upc)
            // By title only where the release has no Spotify album of its own: made by hand, or from a track.
            || (release
                .spotify_id
                .as_deref()
                .is_none_or(|id| id.starts_with("spotify:track:"))
                && normalized(&release.title) == normalized(&found.title))
    })
}

/// Makes the release inside `txn`; the caller queues its lookups in the same transaction, so a crash never
/// leaves a release that nobody will look up.
async fn create(
    txn: &impl ConnectionTrait,
    artist: &artists::Model,
    found: Found,
    status: ReleaseStatus,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    let slug = free_slug(txn, artist.id, &found.title).await?;
    // A title Dropday would refuse (control characters, too long) is cut to what it accepts.
    let title: String = found
        .title
        .chars()
        .filter(|c| !c.is_control())
        .take(release_model::MAX_TITLE_CHARS)
        .collect();
    let release = release_model::create_in(
        txn,
        NewRelease {
            artist_id: artist.id,
            slug,
            kind: found.kind,
            title: if title.trim().is_empty() {
                "Untitled".into()
            } else {
                title
            },
            artwork_url: found.artwork_url,
            upc: found.upc,
            isrc: found.isrc,
            spotify_id: Some(found.uri),
            release_at: found.release_at,
            time_zone: "UTC".into(),
            status,
            release_mode: ReleaseMode::LocalMidnight,
            theme: None,
            video_url: None,
            links: vec![NewServiceLink {
                service: StreamingService::Spotify,
                url: found.url,
                hidden: false,
                show_before_release: false,
            }],
            custom_links: Vec::new(),
        },
        now,
    )
    .await?;
    // The Spotify link came from the catalog, not from a person: lookups may add its country variants.
    release_links::Entity::update_many()
        .col_expr(release_links::Column::SetByHand, Expr::value(false))
        .filter(release_links::Column::ReleaseId.eq(release.id))
        .exec(txn)
        .await?;
    Ok(release)
}

/// A release made by pasting a Spotify link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRelease {
    pub release_id: i32,
    pub title: String,
}

/// Creates a draft from a Spotify album, track or playlist link and queues the lookups of its other links.
pub async fn create_from_spotify(
    db: &DatabaseConnection,
    clients: Option<&CatalogClients>,
    artist: &artists::Model,
    link: &str,
    now: DateTime<Utc>,
) -> Result<CreatedRelease, AppError> {
    let reference = parse_spotify_ref(link).map_err(AppError::BadRequest)?;
    let Some(spotify) = clients.and_then(|c| c.spotify.as_ref()) else {
        return Err(AppError::BadRequest(
            "this server has no Spotify credentials: create the release by hand, or ask your administrator to set them"
                .into(),
        ));
    };
    let found = look_up(spotify, &reference).await?;
    if let Some(release) = existing(&releases_of(db, artist.id).await?, &found) {
        return Err(AppError::Conflict(format!(
            "{} already has this release: \u{201c}{}\u{201d}",
            artist.name, release.title
        )));
    }
    let title = found.title.clone();
    let txn = crate::server::db::begin_write(db).await?;
    let release = create(&txn, artist, found, ReleaseStatus::Draft, now).await?;
    if let Some(clients) = clients.filter(|c| c.odesli.is_some()) {
        enqueue_link_lookups(&txn, artist.id, release.id, None, &clients.countries, now).await?;
    }
    txn.commit().await?;
    Ok(CreatedRelease {
        release_id: release.id,
        title,
    })
}

/// The Spotify artist a pasted link names, checked with Spotify so a typo is reported at once.
pub async fn spotify_artist_id(
    clients: Option<&CatalogClients>,
    link: &str,
) -> Result<String, AppError> {
    let id = match parse_spotify_ref(link).map_err(AppError::BadRequest)? {
        SpotifyRef::Artist(id) => id,
        _ => {
            return Err(AppError::BadRequest(
                "paste the artist's Spotify link (open.spotify.com/artist/…), not a release's"
                    .into(),
            ))
        }
    };
    let Some(spotify) = clients.and_then(|c| c.spotify.as_ref()) else {
        return Err(AppError::BadRequest(
            "this server has no Spotify credentials, so it cannot import from Spotify".into(),
        ));
    };
    spotify.artist(&id).await.map_err(user_error)?;
    Ok(id)
}

/// Connects the artist to a Spotify artist and queues an import of their discography. An import already
/// waiting or running is returned instead of a second one.
pub async fn start_artist_import(
    db: &DatabaseConnection,
    clients: Option<&CatalogClients>,
    artist: artists::Model,
    link: &str,
    requested_by: i32,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let spotify_artist_id = spotify_artist_id(clients, link).await?;
    let txn = crate::server::db::begin_write(db).await?;
    if let Some(running) = catalog_imports::Entity::find()
        .filter(catalog_imports::Column::ArtistId.eq(artist.id))
        .filter(catalog_imports::Column::Status.is_in(["queued", "running"]))
        .one(&txn)
        .await?
    {
        return Ok(running.id);
    }
    let artist_id = artist.id;
    if artist.spotify_artist_id.as_deref() != Some(spotify_artist_id.as_str()) {
        let mut active: artists::ActiveModel = artist.into();
        active.spotify_artist_id = Set(Some(spotify_artist_id.clone()));
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    let import = queue_import(&txn, artist_id, spotify_artist_id, Some(requested_by), now).await?;
    txn.commit().await?;
    Ok(import.id)
}

/// The import task: list the discography, make what is missing, queue its link lookups.
pub(super) async fn run_import(
    db: &DatabaseConnection,
    clients: &CatalogClients,
    task: &catalog_tasks::Model,
    now: DateTime<Utc>,
) -> Result<bool, TaskError> {
    let Some(spotify) = &clients.spotify else {
        return Err(TaskError::Permanent(
            "this server has no Spotify credentials".into(),
        ));
    };
    let import_id = task
        .import_id
        .ok_or_else(|| TaskError::Permanent("the task names no import".into()))?;
    let Some(import) = catalog_imports::Entity::find_by_id(import_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let Some(artist) = artists::Entity::find_by_id(import.artist_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    catalog_imports::Entity::update_many()
        .col_expr(catalog_imports::Column::Status, Expr::value("running"))
        .filter(catalog_imports::Column::Id.eq(import_id))
        .exec(db)
        .await?;
    let albums = spotify.artist_albums(&import.spotify_artist_id).await?;
    let (mut added, mut present) = (0, 0);
    let status = if artist.auto_publish_imports {
        ReleaseStatus::Published
    } else {
        ReleaseStatus::Draft
    };
    let mut published = false;
    let organization = crate::server::models::organizations::find_by_id(db, artist.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut known = releases_of(db, artist.id).await?;
    // Oldest first, so slugs of re-releases with the same title get their `-2` in release order.
    for album in albums.iter().rev() {
        let found = from_album(album);
        if existing(&known, &found).is_some() {
            present += 1;
        } else {
            let txn = crate::server::db::begin_write(db).await?;
            match create(&txn, &artist, found, status, now).await {
                Ok(release) => {
                    if clients.odesli.is_some() {
                        enqueue_link_lookups(
                            &txn,
                            artist.id,
                            release.id,
                            Some(import_id),
                            &clients.countries,
                            now,
                        )
                        .await?;
                    }
                    // An import publishes only what the organization's access mode lets this artist publish;
                    // the rest stay drafts.
                    let live = status == ReleaseStatus::Published
                        && crate::server::billing::access::try_claim(
                            &txn,
                            &organization,
                            &release,
                            now,
                        )
                        .await?;
                    if live {
                        if let Some(found) =
                            crate::server::models::releases::fan_release_by_id(&txn, release.id)
                                .await?
                        {
                            crate::server::presave::logins::queue_for_subscribers(
                                &txn, &found, now,
                            )
                            .await?;
                        }
                    }
                    txn.commit().await?;
                    known.push(release);
                    added += 1;
                    published |= live;
                }
                // Another path made it meanwhile (the unique Spotify id refused a twin): it is present.
                Err(AppError::Conflict(_)) => present += 1,
                Err(error) => return Err(error.into()),
            }
        }
        catalog_imports::Entity::update_many()
            .col_expr(
                catalog_imports::Column::Found,
                Expr::value(i32::try_from(albums.len()).unwrap_or(i32::MAX)),
            )
            .col_expr(catalog_imports::Column::Added, Expr::value(added))
            .col_expr(catalog_imports::Column::Existing, Expr::value(present))
            .filter(catalog_imports::Column::Id.eq(import_id))
            .exec(db)
            .await?;
    }
    catalog_imports::Entity::update_many()
        .col_expr(
            catalog_imports::Column::Found,
            Expr::value(i32::try_from(albums.len()).unwrap_or(i32::MAX)),
        )
        .filter(catalog_imports::Column::Id.eq(import_id))
        .exec(db)
        .await?;
    set_import_status(db, import_id, "done", None, now).await?;
    Ok(published)
}
