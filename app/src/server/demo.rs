//! Demo data, so a newcomer sees real pages at once: a label, an artist with a hub, one single that is out with
//! eight services, and an album whose release moment is a few weeks ahead (a pre-save page).
use super::models::{
    accounts,
    artists::{self, NewArtist, ProfileLink},
    members, organizations,
    releases::{self, NewCustomLink, NewRelease, NewServiceLink},
};
use crate::types::{AppError, ReleaseKind, ReleaseMode, ReleaseStatus, Role, StreamingService};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

pub const DEMO_ORGANIZATION_SLUG: &str = "nightfall-records";
pub const DEMO_ARTIST_SLUG: &str = "nova-lights";
pub const DEMO_SINGLE_SLUG: &str = "midnight-signal";
pub const DEMO_ALBUM_SLUG: &str = "afterglow-atlas";

/// The demo's sign-ins, printed by `make run`. Development data only: never seed these into a real deployment.
pub const DEMO_ADMIN_EMAIL: &str = "admin@dropday.test";
pub const DEMO_ADMIN_PASSWORD: &str = "dropday-demo-admin";
pub const DEMO_ARTIST_EMAIL: &str = "artist@dropday.test";
pub const DEMO_ARTIST_PASSWORD: &str = "dropday-demo-artist";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Created,
    AlreadyPresent,
}

/// True when the database has no organization yet: a first start.
pub async fn database_is_empty(db: &DatabaseConnection) -> Result<bool, AppError> {
    Ok(super::entities::organizations::Entity::find()
        .count(db)
        .await?
        == 0)
}

/// Seeds the demo organization; does nothing if it exists, so `--demo` can be passed on every start.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<SeedOutcome, AppError> {
    if organizations::find_by_slug(db, DEMO_ORGANIZATION_SLUG)
        .await?
        .is_some()
    {
        return Ok(SeedOutcome::AlreadyPresent);
    }
    let organization =
        organizations::create(db, "Nightfall Records", DEMO_ORGANIZATION_SLUG, now).await?;
    let artist = artists::create(
        db,
        NewArtist {
            organization_id: organization.id,
            slug: DEMO_ARTIST_SLUG.into(),
            name: "Nova Lights".into(),
            image_url: Some("/demo/nova-lights.svg".into()),
            profile_links: vec![
                ProfileLink {
                    label: "Instagram".into(),
                    url: "https://www.instagram.com/novalights.demo".into(),
                },
                ProfileLink {
                    label: "TikTok".into(),
                    url: "https://www.tiktok.com/@novalights.demo".into(),
                },
                ProfileLink {
                    label: "Tour dates".into(),
                    url: "https://novalights.example/tour".into(),
                },
            ],
            spotify_artist_id: Some("0NovaLightsDemoArtist0".into()),
        },
        now,
    )
    .await?;

    let single_links = [
        (
            StreamingService::Spotify,
            "https://open.spotify.com/track/0MidnightSignalTrack00",
        ),
        (
            StreamingService::AppleMusic,
            "https://music.apple.com/us/album/midnight-signal/1790000001?i=1790000002",
        ),
        (
            StreamingService::YoutubeMusic,
            "https://music.youtube.com/watch?v=mSignalDemo1",
        ),
        (
            StreamingService::AmazonMusic,
            "https://music.amazon.com/albums/B0DEMO0001",
        ),
        (
            StreamingService::Deezer,
            "https://www.deezer.com/track/3100000001",
        ),
        (
            StreamingService::Tidal,
            "https://tidal.com/browse/track/410000001",
        ),
        (
            StreamingService::Soundcloud,
            "https://soundcloud.com/novalights-demo/midnight-signal",
        ),
        (
            StreamingService::Bandcamp,
            "https://novalights-demo.bandcamp.com/track/midnight-signal",
        ),
    ];
    releases::create(
        db,
        NewRelease {
            artist_id: artist.id,
            slug: DEMO_SINGLE_SLUG.into(),
            kind: ReleaseKind::Single,
            title: "Midnight Signal".into(),
            artwork_url: Some("/demo/midnight-signal.svg".into()),
            upc: Some("196000000017".into()),
            isrc: Some("QZDEM2600001".into()),
            spotify_id: Some("spotify:track:0MidnightSignalTrack00".into()),
            release_at: Some(now - Duration::days(14)),
            time_zone: "Europe/Berlin".into(),
            status: ReleaseStatus::Published,
            release_mode: ReleaseMode::Fixed,
            theme: None,
            video_url: Some("https://www.youtube.com/watch?v=mSignalDemo1".into()),
            custom_links: vec![
                NewCustomLink {
                    label: "Tickets".into(),
                    url: "https://novalights.example/tour".into(),
                },
                NewCustomLink {
                    label: "Buy the vinyl".into(),
                    url: "https://novalights-demo.bandcamp.com/merch".into(),
                },
            ],
            links: single_links
                .into_iter()
                .map(|(service, url)| NewServiceLink {
                    service,
                    url: url.into(),
                    hidden: false,
                    show_before_release: matches!(
                        service,
                        StreamingService::AppleMusic | StreamingService::ItunesStore
                    ),
                })
                .collect(),
        },
        now,
    )
    .await?;

    let album_links = [
        (
            StreamingService::Spotify,
            "https://open.spotify.com/album/0AfterglowAtlasAlbum00",
        ),
        (
            StreamingService::AppleMusic,
            "https://music.apple.com/us/album/afterglow-atlas/1790000010",
        ),
        (
            StreamingService::ItunesStore,
            "https://music.apple.com/us/album/afterglow-atlas/1790000010?app=itunes",
        ),
        (
            StreamingService::AmazonMusic,
            "https://music.amazon.com/albums/B0DEMO0010",
        ),
        (
            StreamingService::Deezer,
            "https://www.deezer.com/album/610000010",
        ),
    ];
    releases::create(
        db,
        NewRelease {
            artist_id: artist.id,
            slug: DEMO_ALBUM_SLUG.into(),
            kind: ReleaseKind::Album,
            title: "Afterglow Atlas".into(),
            artwork_url: Some("/demo/afterglow-atlas.svg".into()),
            upc: Some("197341882010".into()),
            isrc: None,
            spotify_id: Some("spotify:album:0AfterglowAtlasAlbum00".into()),
            release_at: Some(friday_midnight_after(
                now + Duration::days(14),
                chrono_tz::Europe::Berlin,
            )),
            time_zone: "Europe/Berlin".into(),
            status: ReleaseStatus::Published,
            // Like Spotify: the album goes live at midnight in each fan's own country.
            release_mode: ReleaseMode::LocalMidnight,
            theme: Some("sunset".into()),
            video_url: None,
            custom_links: vec![],
            links: album_links
                .into_iter()
                .map(|(service, url)| NewServiceLink {
                    service,
                    url: url.into(),
                    hidden: false,
                    show_before_release: matches!(
                        service,
                        StreamingService::AppleMusic | StreamingService::ItunesStore
                    ),
                })
                .collect(),
        },
        now,
    )
    .await?;

    let admin =
        accounts::create_user(db, DEMO_ADMIN_EMAIL, "Dana Admin", DEMO_ADMIN_PASSWORD, now).await?;
    accounts::add_membership(db, organization.id, admin.id, Role::Admin, now).await?;
    let artist_user = accounts::create_user(
        db,
        DEMO_ARTIST_EMAIL,
        "Nova Lights",
        DEMO_ARTIST_PASSWORD,
        now,
    )
    .await?;
    let membership =
        accounts::add_membership(db, organization.id, artist_user.id, Role::Artist, now).await?;
    members::grant_artist_ownership(db, membership.id, artist.id, now).await?;
    seed_monetization(db, organization, now).await?;
    Ok(SeedOutcome::Created)
}

/// Packages and a base fee to try paid publishing with; the mode stays "free for all" until an admin picks another.
async fn seed_monetization(
    db: &DatabaseConnection,
    organization: crate::server::entities::organizations::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use super::billing::settings;
    use crate::types::PackageForm;
    let organization_id = organization.id;
    settings::save_access(db, organization, "free", "9", "EUR").await?;
    for (name, price, releases, days) in [
        ("Single drop", "9", "1", ""),
        ("Three drops", "24", "3", "365"),
        ("Label year", "99", "", "365"),
    ] {
        let form = PackageForm {
            id: None,
            name: name.into(),
            price: price.into(),
            currency: "EUR".into(),
            releases_included: releases.into(),
            duration_days: days.into(),
        };
        settings::save_package(db, organization_id, &form, now).await?;
    }
    Ok(())
}

/// The first Friday 00:00 in `zone` on or after `from`: music's global release day.
fn friday_midnight_after(from: DateTime<Utc>, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let mut day = from.with_timezone(&zone).date_naive();
    while day.weekday() != Weekday::Fri {
        day = day.succ_opt().unwrap_or(day);
    }
    zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn album_releases_on_a_friday_at_local_midnight() {
        let from = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(); // a Saturday
        let moment = friday_midnight_after(from, chrono_tz::Europe::Berlin);
        let local = moment.with_timezone(&chrono_tz::Europe::Berlin);
        assert_eq!(local.weekday(), Weekday::Fri);
        assert_eq!(local.time(), NaiveTime::MIN);
        assert_eq!(
            moment,
            Utc.with_ymd_and_hms(2026, 11, 26, 23, 0, 0).unwrap()
        );
    }
}
