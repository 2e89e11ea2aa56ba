//! Database round trips on the backend this run targets (SQLite, or PostgreSQL via DROPDAY_TEST_DATABASE_URL).
#![cfg(feature = "ssr")]

use app::server::entities::{events, prelude::*, release_links};
use app::server::models::{
    artists::{self, NewArtist, ProfileLink},
    organizations,
    releases::{self, NewCustomLink, NewRelease, NewServiceLink, ReleaseLookup, Visibility},
};
use app::server::testing::TestDb;
use app::types::{
    AppError, ReleaseFilter, ReleaseKind, ReleaseMode, ReleasePhase, ReleaseStatus,
    StreamingService,
};
use chrono::{Duration, TimeZone, Utc};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

async fn artist(db: &TestDb) -> app::server::entities::artists::Model {
    let org = organizations::create(&db.db, "Label", "label", now())
        .await
        .unwrap();
    artists::create(
        &db.db,
        NewArtist {
            organization_id: org.id,
            slug: "The-Band".into(),
            name: "The Band".into(),
            image_url: None,
            profile_links: vec![ProfileLink {
                label: "Site".into(),
                url: "https://band.example".into(),
            }],
            spotify_artist_id: None,
        },
        now(),
    )
    .await
    .unwrap()
}

fn release(artist_id: i32, slug: &str, status: ReleaseStatus, days_from_now: i64) -> NewRelease {
    NewRelease {
        artist_id,
        slug: slug.into(),
        kind: ReleaseKind::Ep,
        title: format!("Title {slug}"),
        artwork_url: Some("https://img.example/a.jpg".into()),
        upc: Some("123456789012".into()),
        isrc: None,
        spotify_id: None,
        release_at: Some(now() + Duration::days(days_from_now)),
        time_zone: "America/New_York".into(),
        status,
        release_mode: ReleaseMode::Fixed,
        theme: None,
        video_url: None,
        custom_links: vec![NewCustomLink {
            label: "Tickets".into(),
            url: "https://tix.example/1".into(),
        }],
        links: vec![
            NewServiceLink {
                service: StreamingService::Deezer,
                url: "https://deezer.example/1".into(),
                hidden: false,
                show_before_release: false,
            },
            NewServiceLink {
                service: StreamingService::Spotify,
                url: "https://spotify.example/1".into(),
                hidden: true,
                show_before_release: false,
            },
            NewServiceLink {
                service: StreamingService::Tidal,
                url: "https://tidal.example/1".into(),
                hidden: false,
                show_before_release: false,
            },
        ],
    }
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::unmigrated().await;
    Migrator::up(&db.db, None).await.unwrap();
    assert!(Migrator::get_pending_migrations(&db.db)
        .await
        .unwrap()
        .is_empty());
    Migrator::down(&db.db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&db.db)
            .await
            .unwrap()
            .len(),
        0
    );
    // Every table is gone: creating the schema again works from nothing.
    Migrator::up(&db.db, None).await.unwrap();
    assert_eq!(Organizations::find().count(&db.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_release_and_its_links_round_trip() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    assert_eq!(artist.slug, "the-band", "slugs are stored lower-cased");
    assert_eq!(
        artists::profile_links(&artist)[0].url,
        "https://band.example"
    );

    let created = releases::create(
        &db.db,
        release(artist.id, "first-ep", ReleaseStatus::Published, -1),
        now(),
    )
    .await
    .unwrap();
    let loaded = releases::find_published(&db.db, "THE-BAND", "First-EP")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(loaded.release.id, created.id);
    assert_eq!(loaded.kind, ReleaseKind::Ep);
    assert_eq!(loaded.release.release_at, Some(now() - Duration::days(1)));
    assert_eq!(loaded.release.time_zone, "America/New_York");
    let services: Vec<_> = loaded.links.iter().map(|(service, _)| *service).collect();
    assert_eq!(
        services,
        [StreamingService::Deezer, StreamingService::Tidal],
        "hidden links are left out, order kept"
    );
}

#[tokio::test]
async fn drafts_are_never_public() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    releases::create(
        &db.db,
        release(artist.id, "secret", ReleaseStatus::Draft, 5),
        now(),
    )
    .await
    .unwrap();
    releases::create(
        &db.db,
        release(artist.id, "soon", ReleaseStatus::Published, 5),
        now(),
    )
    .await
    .unwrap();
    releases::create(
        &db.db,
        release(artist.id, "out", ReleaseStatus::Published, -5),
        now(),
    )
    .await
    .unwrap();

    assert!(releases::find_published(&db.db, "the-band", "secret")
        .await
        .unwrap()
        .is_none());
    let public = releases::list_summaries(&db.db, Visibility::Public, ReleaseFilter::All, now())
        .await
        .unwrap();
    let titles: Vec<_> = public.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Title soon", "Title out"],
        "published only, newest release moment first"
    );
    assert_eq!(public[0].phase, ReleasePhase::Upcoming);
    assert_eq!(public[0].service_count, 2);
    assert_eq!(public[0].fan_path, "/the-band/soon");

    let org = releases::list_summaries(
        &db.db,
        Visibility::Organization(artist.organization_id),
        ReleaseFilter::All,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(org.len(), 3, "members see drafts too");
    let other_org = releases::list_summaries(
        &db.db,
        Visibility::Organization(artist.organization_id + 1),
        ReleaseFilter::All,
        now(),
    )
    .await
    .unwrap();
    assert!(other_org.is_empty(), "another organization sees nothing");
    let upcoming =
        releases::list_summaries(&db.db, Visibility::Public, ReleaseFilter::Upcoming, now())
            .await
            .unwrap();
    assert_eq!(upcoming.len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_reason_and_writes_nothing() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    releases::create(
        &db.db,
        release(artist.id, "taken", ReleaseStatus::Draft, 1),
        now(),
    )
    .await
    .unwrap();

    let duplicate = releases::create(
        &db.db,
        release(artist.id, "Taken", ReleaseStatus::Draft, 1),
        now(),
    )
    .await;
    assert!(
        matches!(duplicate, Err(AppError::Conflict(ref m)) if m.contains("taken")),
        "{duplicate:?}"
    );

    let mut bad_url = release(artist.id, "bad-url", ReleaseStatus::Draft, 1);
    bad_url.links[0].url = "javascript:alert(1)".into();
    let error = releases::create(&db.db, bad_url, now()).await.unwrap_err();
    assert_eq!(
        error,
        AppError::BadRequest("Deezer must start with https:// or http://".into())
    );

    let mut bad_zone = release(artist.id, "bad-zone", ReleaseStatus::Draft, 1);
    bad_zone.time_zone = "Mars/Olympus".into();
    assert!(matches!(
        releases::create(&db.db, bad_zone, now()).await,
        Err(AppError::BadRequest(_))
    ));

    let mut twice = release(artist.id, "twice", ReleaseStatus::Draft, 1);
    twice.links[1].service = StreamingService::Deezer;
    assert!(matches!(
        releases::create(&db.db, twice, now()).await,
        Err(AppError::BadRequest(_))
    ));

    assert_eq!(
        Releases::find().count(&db.db).await.unwrap(),
        1,
        "only the first release exists"
    );
    assert_eq!(ReleaseLinks::find().count(&db.db).await.unwrap(), 3);

    let reserved = artists::create(
        &db.db,
        NewArtist {
            organization_id: artist.organization_id,
            slug: "dashboard".into(),
            name: "X".into(),
            image_url: None,
            profile_links: vec![],
            spotify_artist_id: None,
        },
        now(),
    )
    .await;
    assert!(
        matches!(reserved, Err(AppError::BadRequest(ref m)) if m.contains("reserved")),
        "{reserved:?}"
    );
}

#[tokio::test]
async fn the_database_enforces_unique_links_and_cascades() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    let release = releases::create(
        &db.db,
        release(artist.id, "ep", ReleaseStatus::Draft, 1),
        now(),
    )
    .await
    .unwrap();
    let duplicate_service = release_links::ActiveModel {
        release_id: Set(release.id),
        service: Set("deezer".into()),
        url: Set("https://x.example".into()),
        position: Set(9),
        hidden: Set(false),
        ..Default::default()
    }
    .insert(&db.db)
    .await;
    assert!(
        duplicate_service.is_err(),
        "one link per service and release"
    );

    Organizations::delete_by_id(artist.organization_id)
        .exec(&db.db)
        .await
        .unwrap();
    assert_eq!(Artists::find().count(&db.db).await.unwrap(), 0);
    assert_eq!(Releases::find().count(&db.db).await.unwrap(), 0);
    assert_eq!(ReleaseLinks::find().count(&db.db).await.unwrap(), 0);
}

#[tokio::test]
async fn analytics_events_are_append_only() {
    let db = TestDb::new().await;
    let event = events::ActiveModel {
        occurred_at: Set(now()),
        kind: Set("page_view".into()),
        release_id: Set(Some(1)),
        country: Set(Some("DE".into())),
        visitor_hash: Set(Some("abc".into())),
        is_bot: Set(false),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
    assert!(event.id > 0);
    let stored = Events::find_by_id(event.id)
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.occurred_at, now());
    assert_eq!(stored.country.as_deref(), Some("DE"));

    let update = db
        .db
        .execute_unprepared("UPDATE events SET kind = 'click_out'")
        .await;
    let error = update
        .expect_err("an UPDATE of an event is refused")
        .to_string();
    assert!(error.contains("append-only"), "{error}");
    let unchanged = Events::find()
        .filter(events::Column::Kind.eq("page_view"))
        .count(&db.db)
        .await
        .unwrap();
    assert_eq!(unchanged, 1);
}

#[tokio::test]
async fn demo_seed_is_idempotent() {
    let db = TestDb::new().await;
    use app::server::demo::{seed, SeedOutcome};
    assert_eq!(seed(&db.db, now()).await.unwrap(), SeedOutcome::Created);
    assert_eq!(
        seed(&db.db, now()).await.unwrap(),
        SeedOutcome::AlreadyPresent
    );
    let single = releases::find_published(&db.db, "nova-lights", "midnight-signal")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(single.links.len(), 8);
    let album = releases::find_published(&db.db, "nova-lights", "afterglow-atlas")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ReleasePhase::at(album.release.release_at, now()),
        ReleasePhase::Upcoming
    );
}

#[tokio::test]
async fn runs_on_the_backend_the_test_script_asked_for() {
    let db = TestDb::new().await;
    let wants_postgres = std::env::var(app::server::testing::TEST_DATABASE_URL_VAR)
        .map(|url| url.starts_with("postgres"))
        .unwrap_or(false);
    let expected = if wants_postgres {
        sea_orm::DatabaseBackend::Postgres
    } else {
        sea_orm::DatabaseBackend::Sqlite
    };
    assert_eq!(db.backend(), expected);
}

#[tokio::test]
async fn renamed_slugs_keep_answering_with_the_new_address() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    let renamed = releases::create(
        &db.db,
        release(artist.id, "old-name", ReleaseStatus::Published, -1),
        now(),
    )
    .await
    .unwrap();
    releases::rename_slug(&db.db, renamed.id, "New-Name", now())
        .await
        .unwrap();
    artists::rename_slug(&db.db, artist.id, "the-band-official", now())
        .await
        .unwrap();

    let moved = |lookup: ReleaseLookup| match lookup {
        ReleaseLookup::Moved {
            artist_slug,
            release_slug,
        } => format!("/{artist_slug}/{release_slug}"),
        ReleaseLookup::Found(found) => format!("found {}", found.release.slug),
        ReleaseLookup::Missing => "missing".into(),
    };
    for (artist_slug, release_slug) in [
        ("the-band", "old-name"),
        ("the-band", "new-name"),
        ("the-band-official", "old-name"),
    ] {
        let lookup = releases::lookup_published(&db.db, artist_slug, release_slug)
            .await
            .unwrap();
        assert_eq!(
            moved(lookup),
            "/the-band-official/new-name",
            "{artist_slug}/{release_slug}"
        );
    }
    let current = releases::lookup_published(&db.db, "the-band-official", "new-name")
        .await
        .unwrap();
    assert_eq!(moved(current), "found new-name");
    assert_eq!(
        moved(
            releases::lookup_published(&db.db, "the-band", "never")
                .await
                .unwrap()
        ),
        "missing"
    );

    // The old slug cannot be taken by another release, but the release can take it back.
    let other = releases::create(
        &db.db,
        release(artist.id, "other", ReleaseStatus::Published, -1),
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        releases::rename_slug(&db.db, other.id, "old-name", now()).await,
        Err(AppError::Conflict(_))
    ));
    releases::rename_slug(&db.db, renamed.id, "old-name", now())
        .await
        .unwrap();
    let back = releases::lookup_published(&db.db, "the-band-official", "old-name")
        .await
        .unwrap();
    assert_eq!(moved(back), "found old-name");

    // Another artist cannot take the old artist slug.
    let org = organizations::create(&db.db, "Other", "other-label", now())
        .await
        .unwrap();
    let second = artists::create(
        &db.db,
        NewArtist {
            organization_id: org.id,
            slug: "second".into(),
            name: "Second".into(),
            image_url: None,
            profile_links: vec![],
            spotify_artist_id: None,
        },
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        artists::rename_slug(&db.db, second.id, "the-band", now()).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn import_creates_what_is_missing_and_explains_bad_files() {
    use app::server::import::{import, parse};
    let db = TestDb::new().await;
    let document = r#"{
        "organization": {"slug": "indie", "name": "Indie"},
        "artist": {"slug": "Solo", "name": "Solo"},
        "release": {"slug": "first", "title": "First", "kind": "ep", "status": "published",
                    "release_at": "2026-12-04T00:00:00Z", "time_zone": "Europe/Paris", "release_mode": "local_midnight",
                    "links": [{"service": "deezer", "url": "https://www.deezer.com/album/1", "show_before_release": true}],
                    "custom_links": [{"label": "Merch", "url": "https://shop.example"}]}
    }"#;
    let path = import(&db.db, parse(document).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(path, "/solo/first");
    let found = releases::find_published(&db.db, "solo", "first")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.release.release_mode, "local_midnight");
    assert!(found.links[0].1.show_before_release);
    assert_eq!(found.custom_links[0].label, "Merch");

    // A second release for the same artist reuses the organization and artist.
    let second = document.replace("\"first\"", "\"second\"");
    assert_eq!(
        import(&db.db, parse(&second).unwrap(), now())
            .await
            .unwrap(),
        "/solo/second"
    );
    assert_eq!(Organizations::find().count(&db.db).await.unwrap(), 1);

    let typo = parse(
        r#"{"organization": {"slug": "a", "name": "A"}, "artist": {"slug": "b", "name": "B"}, "release": {"slug": "c", "title": "C", "kind": "mixtape", "status": "published", "release_at": null}}"#,
    );
    let message = typo.unwrap_err().to_string();
    assert!(
        message.contains("unknown variant `mixtape`") && message.contains("line 1"),
        "{message}"
    );
    let foreign = document
        .replace("\"indie\"", "\"other\"")
        .replace("\"first\"", "\"third\"");
    assert!(matches!(
        import(&db.db, parse(&foreign).unwrap(), now()).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn the_sitemap_lists_published_pages_only() {
    let db = TestDb::new().await;
    let artist = artist(&db).await;
    releases::create(
        &db.db,
        release(artist.id, "draft", ReleaseStatus::Draft, 1),
        now(),
    )
    .await
    .unwrap();
    releases::create(
        &db.db,
        release(artist.id, "live", ReleaseStatus::Published, -1),
        now(),
    )
    .await
    .unwrap();
    let paths: Vec<String> = releases::sitemap_paths(&db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(paths, ["/the-band/live", "/the-band"]);

    // Hub links (no release) are listed in their order for the hub.
    use app::server::entities::custom_links;
    for (position, label) in ["Tour", "Shop"].into_iter().enumerate() {
        custom_links::ActiveModel {
            artist_id: Set(artist.id),
            release_id: Set(None),
            label: Set(label.into()),
            url: Set(format!("https://band.example/{label}")),
            position: Set(position as i32),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .unwrap();
    }
    let hub: Vec<String> = releases::hub_custom_links(&db.db, artist.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.label)
        .collect();
    assert_eq!(hub, ["Tour", "Shop"], "release buttons are not hub links");
}

/// A write transaction that reads first must not fail when another connection commits meanwhile (SQLite's
/// deferred transactions would: they cannot upgrade a stale read snapshot to a write). `begin_write` waits its
/// turn instead.
#[tokio::test]
async fn write_transactions_that_read_first_survive_a_concurrent_writer() {
    let test = TestDb::new().await;
    let txn = app::server::db::begin_write(&test.db).await.unwrap();
    assert!(organizations::find_by_slug(&txn, "mine")
        .await
        .unwrap()
        .is_none());
    let db = test.db.clone();
    let other =
        tokio::spawn(async move { organizations::create(&db, "Other", "other", now()).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    organizations::create(&txn, "Mine", "mine", now())
        .await
        .expect("the write after the read goes through");
    txn.commit().await.unwrap();
    other
        .await
        .unwrap()
        .expect("the other writer waited, then went through");
    assert!(organizations::find_by_slug(&test.db, "other")
        .await
        .unwrap()
        .is_some());
}
