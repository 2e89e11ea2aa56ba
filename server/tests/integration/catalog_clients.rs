//! The Spotify and Odesli clients against the local fakes, over real HTTP on loopback: parsing, paging, tokens,
//! rate limits, retries and every error a caller has to tell apart.
use app::server::catalog::odesli::{Odesli, OdesliConfig};
use app::server::catalog::spotify::{SpotifyCatalog, SpotifyConfig};
use app::server::catalog::CatalogError;
use app::types::{CountryCode, StreamingService};
use server::sandbox::catalog::{
    AlbumType, FakeAlbum, FakeCatalog, DEMO_ALBUM_ID, DEMO_ALBUM_NAME, DEMO_ALBUM_UPC,
    DEMO_APPEARS_ON_ALBUM_ID, DEMO_ARTIST_ID, DEMO_ARTIST_NAME, DEMO_COMPILATION_ALBUM_ID,
    DEMO_EP_ALBUM_ID, DEMO_PLAYLIST_ID, DEMO_RELEASE_COUNT, DEMO_SECOND_ARTIST_ID,
    DEMO_SECOND_ARTIST_RELEASE_COUNT, DEMO_SINGLE_ALBUM_ID, DEMO_SINGLE_ISRC, DEMO_SINGLE_TRACK_ID,
    DEMO_UPCOMING_ALBUM_ID, DEMO_VARIOUS_ARTISTS_ID, DEMO_YEAR_ALBUM_ID,
};
use server::sandbox::odesli::{FakeOdesli, FakeOdesliOptions};
use server::sandbox::spotify::{FakeSpotify, FakeSpotifyOptions};
use server::sandbox::{Fault, Sandbox};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const UNKNOWN_ID: &str = "0NobodyHasThisId000000";

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).expect("a country code")
}

async fn spotify_with(options: FakeSpotifyOptions) -> FakeSpotify {
    FakeSpotify::start(Arc::new(FakeCatalog::demo()), options).await
}

fn spotify_config(fake: &FakeSpotify) -> SpotifyConfig {
    SpotifyConfig {
        accounts_url: fake.base_url().to_owned(),
        api_url: fake.api_url(),
        client_id: fake.options().client_id.clone(),
        client_secret: fake.options().client_secret.clone(),
        timeout: Duration::from_secs(2),
        max_retry_wait: Duration::from_secs(5),
    }
}

async fn spotify() -> (FakeSpotify, SpotifyCatalog) {
    let fake = spotify_with(FakeSpotifyOptions::default()).await;
    let client = SpotifyCatalog::new(spotify_config(&fake));
    (fake, client)
}

async fn odesli_with(options: FakeOdesliOptions) -> FakeOdesli {
    FakeOdesli::start(Arc::new(FakeCatalog::demo()), options).await
}

fn odesli_config(fake: &FakeOdesli, requests_per_minute: u32) -> OdesliConfig {
    OdesliConfig {
        base_url: fake.base_url().to_owned(),
        api_key: None,
        requests_per_minute,
        timeout: Duration::from_secs(2),
        max_retry_wait: Duration::from_secs(5),
    }
}

/// A fake generous enough that only faults limit it, and a client that does not hold itself back much.
async fn odesli() -> (FakeOdesli, Odesli) {
    let fake = odesli_with(FakeOdesliOptions {
        requests_per_window: 1_000,
        window: Duration::from_secs(60),
        api_keys: Vec::new(),
        send_retry_after: true,
    })
    .await;
    let client = Odesli::new(odesli_config(&fake, 600));
    (fake, client)
}

fn album_url(id: &str) -> String {
    format!("https://open.spotify.com/album/{id}")
}

fn link(links: &[(StreamingService, String)], service: StreamingService) -> Option<&str> {
    links
        .iter()
        .find(|(known, _)| *known == service)
        .map(|(_, url)| url.as_str())
}

// Spotify

#[tokio::test]
async fn albums_tracks_playlists_and_artists_are_read() {
    let (fake, client) = spotify().await;

    let album = client.album(DEMO_ALBUM_ID).await.unwrap();
    assert_eq!(album.id, DEMO_ALBUM_ID);
    assert_eq!(album.name, DEMO_ALBUM_NAME);
    assert_eq!(album.album_type, "album");
    assert_eq!(album.total_tracks, 10);
    assert_eq!(
        (
            album.release_date.as_str(),
            album.release_date_precision.as_str()
        ),
        ("2024-09-20", "day")
    );
    assert_eq!(album.artists.len(), 1);
    assert_eq!(
        (album.artists[0].id.as_str(), album.artists[0].name.as_str()),
        (DEMO_ARTIST_ID, DEMO_ARTIST_NAME)
    );
    assert_eq!(album.upc.as_deref(), Some(DEMO_ALBUM_UPC));
    assert_eq!(
        album.url,
        format!("https://open.spotify.com/album/{DEMO_ALBUM_ID}")
    );
    // The largest of the three covers, and it is a real 640-pixel PNG.
    let cover_url = album.image_url.clone().unwrap();
    assert!(cover_url.contains("/image/ab67616d0000b273"), "{cover_url}");
    let cover = reqwest::get(&cover_url).await.unwrap();
    assert_eq!(cover.headers()["content-type"], "image/png");
    let png = cover.bytes().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(&png[16..20], &640u32.to_be_bytes());

    // Dated by year only and without `external_ids`.
    let debut = client.album(DEMO_YEAR_ALBUM_ID).await.unwrap();
    assert_eq!(
        (
            debut.release_date.as_str(),
            debut.release_date_precision.as_str()
        ),
        ("2016", "year")
    );
    assert_eq!(debut.upc, None);

    let track = client.track(DEMO_SINGLE_TRACK_ID).await.unwrap();
    assert_eq!(track.name, "Midnight Signal");
    assert_eq!(track.isrc.as_deref(), Some(DEMO_SINGLE_ISRC));
    assert_eq!(track.album.id, DEMO_SINGLE_ALBUM_ID);
    assert_eq!(
        (track.album.album_type.as_str(), track.album.total_tracks),
        ("single", 1)
    );
    assert_eq!(track.artists[0].name, DEMO_ARTIST_NAME);
    assert_eq!(
        track.url,
        format!("https://open.spotify.com/track/{DEMO_SINGLE_TRACK_ID}")
    );

    let playlist = client.playlist(DEMO_PLAYLIST_ID).await.unwrap();
    assert_eq!(playlist.name, "Night Drive (Dropday demo)");
    assert_eq!(playlist.owner_name.as_deref(), Some("Dropday Demo"));
    assert!(
        playlist.image_url.is_some(),
        "a cover with null sizes is still a cover"
    );

    let artist = client.artist(DEMO_ARTIST_ID).await.unwrap();
    assert_eq!(artist.name, DEMO_ARTIST_NAME);
    assert!(artist
        .image_url
        .unwrap()
        .contains("/image/ab6761610000e5eb"));
    let various = client.artist(DEMO_VARIOUS_ARTISTS_ID).await.unwrap();
    assert_eq!(
        (various.name.as_str(), various.image_url),
        ("Various Artists", None)
    );

    assert_eq!(fake.calls("/api/token"), 1, "one token for every call");
}

#[tokio::test]
async fn the_discography_pages_through_tens_and_leaves_out_appears_on() {
    let (fake, client) = spotify().await;
    let albums_path = format!("/v1/artists/{DEMO_ARTIST_ID}/albums");

    let albums = client.artist_albums(DEMO_ARTIST_ID).await.unwrap();
    assert_eq!(albums.len(), DEMO_RELEASE_COUNT);
    assert_eq!(fake.calls(&albums_path), 2, "pages of 10: two requests");
    let ids: HashSet<&str> = albums.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), albums.len(), "no album twice");
    assert!(!ids.contains(DEMO_APPEARS_ON_ALBUM_ID));
    for id in [
        DEMO_ALBUM_ID,
        DEMO_SINGLE_ALBUM_ID,
        DEMO_EP_ALBUM_ID,
        DEMO_COMPILATION_ALBUM_ID,
        DEMO_UPCOMING_ALBUM_ID,
    ] {
        assert!(ids.contains(id), "{id}");
    }
    let types: HashSet<&str> = albums.iter().map(|a| a.album_type.as_str()).collect();
    assert_eq!(types, HashSet::from(["album", "single", "compilation"]));
    let upcoming = albums
        .iter()
        .find(|a| a.id == DEMO_UPCOMING_ALBUM_ID)
        .unwrap();
    assert_eq!(upcoming.release_date, "2027-03-19");
    let ep = albums.iter().find(|a| a.id == DEMO_EP_ALBUM_ID).unwrap();
    assert_eq!((ep.album_type.as_str(), ep.total_tracks), ("single", 5));
    assert!(
        albums.iter().any(|a| a.upc.is_none()),
        "discography pages carry no external_ids"
    );

    let second = client.artist_albums(DEMO_SECOND_ARTIST_ID).await.unwrap();
    assert_eq!(second.len(), DEMO_SECOND_ARTIST_RELEASE_COUNT);
    assert!(second
        .iter()
        .all(|a| a.artists.iter().any(|r| r.id == DEMO_SECOND_ARTIST_ID)));

    // A release added while Dropday runs shows up on the next import.
    let new_single = FakeAlbum::new(
        DEMO_ARTIST_ID,
        "Aurora Line",
        AlbumType::Single,
        "2026-01-09",
        &["Aurora Line"],
    );
    let new_id = new_single.id.clone();
    fake.catalog().add_album(new_single);
    let again = client.artist_albums(DEMO_ARTIST_ID).await.unwrap();
    assert_eq!(again.len(), DEMO_RELEASE_COUNT + 1);
    assert!(again
        .iter()
        .any(|a| a.id == new_id && a.name == "Aurora Line"));

    assert_eq!(
        client.artist_albums(UNKNOWN_ID).await,
        Err(CatalogError::NotFound { service: "Spotify" })
    );
}

#[tokio::test]
async fn one_token_serves_concurrent_calls_and_is_renewed_on_expiry_and_on_a_401() {
    let fake = spotify_with(FakeSpotifyOptions {
        token_lifetime: Duration::from_secs(1),
        ..FakeSpotifyOptions::default()
    })
    .await;
    let client = SpotifyCatalog::new(spotify_config(&fake));

    let calls = (0..10).map(|_| {
        let client = client.clone();
        async move { client.album(DEMO_ALBUM_ID).await }
    });
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.unwrap().id, DEMO_ALBUM_ID);
    }
    assert_eq!(
        fake.calls("/api/token"),
        1,
        "concurrent callers share one token request"
    );

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    client.track(DEMO_SINGLE_TRACK_ID).await.unwrap();
    assert_eq!(
        fake.calls("/api/token"),
        2,
        "renewed before use once expired"
    );
    assert_eq!(
        fake.responses_with_status(401),
        0,
        "renewed before the API had to refuse it"
    );

    fake.revoke_tokens();
    client.artist(DEMO_ARTIST_ID).await.unwrap();
    assert_eq!(fake.responses_with_status(401), 1);
    assert_eq!(fake.calls("/api/token"), 3, "renewed once after the 401");
}

#[tokio::test]
async fn a_storm_of_429s_is_ridden_out_and_a_long_one_is_reported() {
    let (fake, client) = spotify().await;
    client.album(DEMO_ALBUM_ID).await.unwrap();

    fake.fail_next_on(
        "/v1",
        3,
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
    );
    let started = Instant::now();
    let album = client.album(DEMO_ALBUM_ID).await.unwrap();
    assert_eq!(album.id, DEMO_ALBUM_ID);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.responses_with_status(429), 3);

    // Longer than `max_retry_wait` (5 s): reported at once with Spotify's wait.
    fake.fail_next_on(
        "/v1",
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(30),
        },
    );
    let started = Instant::now();
    assert_eq!(
        client.album(DEMO_ALBUM_ID).await,
        Err(CatalogError::RateLimited {
            service: "Spotify",
            retry_after: Duration::from_secs(30)
        })
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // Every caller of the client now holds back instead of sending into the limit.
    let sent = fake.calls("/v1");
    let error = client.track(DEMO_SINGLE_TRACK_ID).await.unwrap_err();
    assert!(
        matches!(error, CatalogError::RateLimited { retry_after, .. } if retry_after > Duration::from_secs(25))
    );
    assert_eq!(
        fake.calls("/v1"),
        sent,
        "nothing sent while the limit holds"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn the_fakes_rolling_window_answers_429_with_retry_after() {
    let fake = spotify_with(FakeSpotifyOptions {
        requests_per_30s: Some(3),
        ..FakeSpotifyOptions::default()
    })
    .await;
    let client = SpotifyCatalog::new(spotify_config(&fake));
    for _ in 0..3 {
        client.album(DEMO_ALBUM_ID).await.unwrap();
    }
    match client.album(DEMO_ALBUM_ID).await {
        Err(CatalogError::RateLimited { retry_after, .. }) => {
            assert!(
                retry_after > Duration::from_secs(25) && retry_after <= Duration::from_secs(30),
                "{retry_after:?}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(fake.responses_with_status(429), 1);
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_unavailable() {
    let (fake, client) = spotify().await;
    client.album(DEMO_ALBUM_ID).await.unwrap();
    let before = fake.calls("/v1/albums");

    fake.fail_next_on("/v1", 2, Fault::ServerError);
    assert_eq!(client.album(DEMO_ALBUM_ID).await.unwrap().id, DEMO_ALBUM_ID);
    assert_eq!(fake.calls("/v1/albums"), before + 3);

    fake.fail_next_on("/v1", 3, Fault::ServerError);
    match client.album(DEMO_ALBUM_ID).await {
        Err(CatalogError::Unavailable { message, .. }) => {
            assert!(message.contains("500"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(
        fake.calls("/v1/albums"),
        before + 6,
        "three attempts, no more"
    );
}

#[tokio::test]
async fn a_200_that_is_not_the_documented_json_is_malformed() {
    let (fake, client) = spotify().await;
    client.album(DEMO_ALBUM_ID).await.unwrap();
    fake.fail_next_on("/v1", 1, Fault::Malformed);
    assert!(matches!(
        client.album(DEMO_ALBUM_ID).await,
        Err(CatalogError::Malformed { .. })
    ));
    assert_eq!(
        fake.calls("/v1/albums"),
        2,
        "a malformed answer is not retried"
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let fake = spotify_with(FakeSpotifyOptions::default()).await;
    let client = SpotifyCatalog::new(SpotifyConfig {
        timeout: Duration::from_millis(300),
        ..spotify_config(&fake)
    });
    client.album(DEMO_ALBUM_ID).await.unwrap();

    fake.fail_next_on("/v1", 1, Fault::Delay(Duration::from_secs(2)));
    assert_eq!(
        client.album(DEMO_ALBUM_ID).await.unwrap().id,
        DEMO_ALBUM_ID,
        "the retry is answered"
    );

    fake.fail_next_on("/v1", 3, Fault::Delay(Duration::from_secs(2)));
    let started = Instant::now();
    match client.album(DEMO_ALBUM_ID).await {
        Err(CatalogError::Unavailable { message, .. }) => assert_eq!(message, "timed out"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_service_that_is_not_there_is_unavailable() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let client = SpotifyCatalog::new(SpotifyConfig {
        accounts_url: format!("http://{address}"),
        api_url: format!("http://{address}/v1"),
        client_id: "id".to_owned(),
        client_secret: "secret".to_owned(),
        timeout: Duration::from_secs(1),
        max_retry_wait: Duration::from_secs(1),
    });
    assert!(matches!(
        client.album(DEMO_ALBUM_ID).await,
        Err(CatalogError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn a_wrong_client_secret_is_unauthorized() {
    let fake = spotify_with(FakeSpotifyOptions::default()).await;
    let client = SpotifyCatalog::new(SpotifyConfig {
        client_secret: "not-the-secret".to_owned(),
        ..spotify_config(&fake)
    });
    assert_eq!(
        client.album(DEMO_ALBUM_ID).await,
        Err(CatalogError::Unauthorized {
            service: "Spotify",
            message: "Invalid client".to_owned()
        })
    );
    assert_eq!(
        fake.calls("/api/token"),
        1,
        "refused credentials are not retried"
    );
    assert_eq!(fake.calls("/v1"), 0);
}

#[tokio::test]
async fn a_plain_text_403_is_rejected_with_its_text() {
    let (fake, client) = spotify().await;
    client.album(DEMO_ALBUM_ID).await.unwrap();
    fake.fail_next_on("/v1", 1, Fault::PlainTextForbidden);
    assert_eq!(
        client.album(DEMO_ALBUM_ID).await,
        Err(CatalogError::Rejected {
            service: "Spotify",
            status: 403,
            message: "User not registered in the Developer Dashboard".to_owned(),
        })
    );
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_malformed_ids_never_leave() {
    let (fake, client) = spotify().await;
    let not_found: Result<(), _> = Err(CatalogError::NotFound { service: "Spotify" });
    assert_eq!(client.album(UNKNOWN_ID).await.map(|_| ()), not_found);
    assert_eq!(client.track(UNKNOWN_ID).await.map(|_| ()), not_found);
    assert_eq!(client.playlist(UNKNOWN_ID).await.map(|_| ()), not_found);
    assert_eq!(client.artist(UNKNOWN_ID).await.map(|_| ()), not_found);

    let sent = fake.calls("/v1");
    assert!(matches!(
        client.album("../me/library").await,
        Err(CatalogError::Rejected { status: 400, .. })
    ));
    assert_eq!(fake.calls("/v1"), sent);
}

#[tokio::test]
async fn the_fake_spotify_answers_in_the_documented_shapes() {
    let fake = spotify_with(FakeSpotifyOptions::default()).await;
    let http = reqwest::Client::new();
    let token_url = format!("{}/api/token", fake.base_url());

    let refused = http
        .post(&token_url)
        .basic_auth("sandbox-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_client", "error_description": "Invalid client"})
    );

    let token: serde_json::Value = http
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (token["token_type"].as_str(), token["expires_in"].as_u64()),
        (Some("Bearer"), Some(3600))
    );
    let access_token = token["access_token"].as_str().unwrap();

    let albums_url = format!("{}/artists/{DEMO_ARTIST_ID}/albums", fake.api_url());
    let unauthenticated = http.get(&albums_url).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let body: serde_json::Value = unauthenticated.json().await.unwrap();
    assert_eq!(body["error"]["status"], 401);

    let too_many = http
        .get(&albums_url)
        .query(&[("limit", "11")])
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), 400);
    let body: serde_json::Value = too_many.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": {"status": 400, "message": "Invalid limit"}})
    );

    // Spotify's default `include_groups` lists guest spots too, last.
    let page: serde_json::Value = http
        .get(&albums_url)
        .query(&[("limit", "10"), ("offset", "10")])
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], DEMO_RELEASE_COUNT + 1);
    assert_eq!(page["offset"], 10);
    assert!(page["next"].is_null());
    assert!(page["previous"].as_str().unwrap().contains("offset=0"));
    assert_eq!(
        page["items"].as_array().unwrap().last().unwrap()["id"],
        DEMO_APPEARS_ON_ALBUM_ID
    );
    assert!(
        page["items"][0].get("album_group").is_none(),
        "development mode drops album_group"
    );
}

// Odesli

#[tokio::test]
async fn odesli_links_are_read_and_unknown_platforms_skipped() {
    let (fake, client) = odesli().await;
    let links = client
        .links(&album_url(DEMO_ALBUM_ID), country("US"))
        .await
        .unwrap();

    assert_eq!(links.title.as_deref(), Some(DEMO_ALBUM_NAME));
    assert_eq!(links.artist_name.as_deref(), Some(DEMO_ARTIST_NAME));
    assert_eq!(
        links.page_url,
        Some(format!("https://album.link/s/{DEMO_ALBUM_ID}"))
    );
    assert!(links.thumbnail_url.unwrap().starts_with(fake.base_url()));
    assert_eq!(
        link(&links.links, StreamingService::Spotify),
        Some(album_url(DEMO_ALBUM_ID).as_str())
    );
    let apple = link(&links.links, StreamingService::AppleMusic).unwrap();
    assert!(
        apple.starts_with("https://music.apple.com/us/album/afterglow-atlas/"),
        "{apple}"
    );
    assert!(link(&links.links, StreamingService::ItunesStore)
        .unwrap()
        .contains("app=itunes"));
    assert!(link(&links.links, StreamingService::AmazonMusic)
        .unwrap()
        .starts_with("https://music.amazon.com/albums/B0"));
    assert!(link(&links.links, StreamingService::YoutubeMusic)
        .unwrap()
        .starts_with("https://music.youtube.com/playlist?list=OLAK5uy_"));
    for service in [
        StreamingService::Youtube,
        StreamingService::Deezer,
        StreamingService::Tidal,
        StreamingService::Soundcloud,
        StreamingService::Pandora,
        StreamingService::Napster,
        StreamingService::Audiomack,
        StreamingService::Audius,
        StreamingService::Bandcamp,
    ] {
        assert!(link(&links.links, service).is_some(), "{service:?}");
    }
    let services: HashSet<StreamingService> = links.links.iter().map(|(s, _)| *s).collect();
    assert_eq!(services.len(), links.links.len(), "one link per service");

    // The raw answer had more platforms than Dropday keeps: the store duplicate and two it does not know.
    let raw: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1-alpha.1/links", fake.base_url()))
        .query(&[
            ("url", album_url(DEMO_ALBUM_ID).as_str()),
            ("userCountry", "US"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let platforms = raw["linksByPlatform"].as_object().unwrap();
    for skipped in ["amazonStore", "yandex", "newPlatform2026"] {
        assert!(platforms.contains_key(skipped), "{skipped}");
    }
    assert_eq!(links.links.len(), platforms.len() - 3);
    assert_eq!(
        raw["entityUniqueId"],
        format!("SPOTIFY_ALBUM::{DEMO_ALBUM_ID}")
    );
    assert!(
        raw["entitiesByUniqueId"][format!("SPOTIFY_ALBUM::{DEMO_ALBUM_ID}")]["platforms"]
            .is_array()
    );
}

#[tokio::test]
async fn odesli_links_differ_by_country() {
    let (_fake, client) = odesli().await;
    let url = album_url(DEMO_ALBUM_ID);
    let us = client.links(&url, country("US")).await.unwrap().links;
    let de = client.links(&url, country("DE")).await.unwrap().links;
    let ng = client.links(&url, country("NG")).await.unwrap().links;
    let jp = client.links(&url, country("JP")).await.unwrap().links;

    assert!(link(&de, StreamingService::AppleMusic)
        .unwrap()
        .starts_with("https://music.apple.com/de/album/"));
    assert!(link(&de, StreamingService::AmazonMusic)
        .unwrap()
        .starts_with("https://music.amazon.de/albums/"));
    assert!(link(&jp, StreamingService::AmazonMusic)
        .unwrap()
        .starts_with("https://music.amazon.co.jp/albums/"));
    assert_ne!(
        link(&us, StreamingService::AmazonMusic),
        link(&de, StreamingService::AmazonMusic)
    );
    // Regional services only where they operate.
    assert!(link(&us, StreamingService::Pandora).is_some());
    assert!(link(&de, StreamingService::Pandora).is_none());
    assert!(link(&ng, StreamingService::Boomplay).is_some());
    assert!(link(&us, StreamingService::Boomplay).is_none());
    // And the same everywhere where the service is global.
    assert_eq!(
        link(&us, StreamingService::Deezer),
        link(&de, StreamingService::Deezer)
    );
    // Deterministic: asking again gives the same answer.
    assert_eq!(client.links(&url, country("US")).await.unwrap().links, us);
}

#[tokio::test]
async fn odesli_partial_answers_singles_as_songs_and_unknown_urls() {
    let (_fake, client) = odesli().await;

    let upcoming = client
        .links(&album_url(DEMO_UPCOMING_ALBUM_ID), country("US"))
        .await
        .unwrap();
    let services: HashSet<StreamingService> = upcoming.links.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        services,
        HashSet::from([
            StreamingService::Spotify,
            StreamingService::AppleMusic,
            StreamingService::ItunesStore,
            StreamingService::AmazonMusic,
            StreamingService::Deezer,
        ])
    );

    // `songIfSingle=true`: a one-track single answers as its song.
    let single = client
        .links(&album_url(DEMO_SINGLE_ALBUM_ID), country("GB"))
        .await
        .unwrap();
    assert_eq!(single.title.as_deref(), Some("Midnight Signal"));
    assert_eq!(
        single.page_url,
        Some(format!("https://song.link/s/{DEMO_SINGLE_TRACK_ID}"))
    );
    assert!(link(&single.links, StreamingService::AppleMusic)
        .unwrap()
        .contains("?i="));
    let by_uri = client
        .links(
            &format!("spotify:track:{DEMO_SINGLE_TRACK_ID}"),
            country("GB"),
        )
        .await
        .unwrap();
    assert_eq!(by_uri.links, single.links);

    let not_found = Err(CatalogError::NotFound { service: "Odesli" });
    assert_eq!(
        client.links(&album_url(UNKNOWN_ID), country("US")).await,
        not_found
    );
    assert_eq!(
        client
            .links("https://example.com/not/music", country("US"))
            .await,
        not_found
    );
}

#[tokio::test]
async fn odesli_429s_are_waited_out_and_reported_when_too_long() {
    let (fake, client) = odesli().await;
    let url = album_url(DEMO_ALBUM_ID);

    fake.fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
    );
    let started = Instant::now();
    client.links(&url, country("US")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));

    // Without `Retry-After`: a minute's share of 600/min (100 ms), then twice that.
    fake.fail_next(
        2,
        Fault::TooManyRequests {
            retry_after_secs: None,
        },
    );
    let started = Instant::now();
    client.links(&url, country("US")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.responses_with_status(429), 3);

    fake.fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(60),
        },
    );
    assert_eq!(
        client.links(&url, country("US")).await,
        Err(CatalogError::RateLimited {
            service: "Odesli",
            retry_after: Duration::from_secs(60)
        })
    );
}

#[tokio::test]
async fn odesli_outages_are_retried_then_unavailable() {
    let (fake, client) = odesli().await;
    let url = album_url(DEMO_ALBUM_ID);
    fake.fail_next(2, Fault::ServerError);
    client.links(&url, country("US")).await.unwrap();
    assert_eq!(fake.calls("/v1-alpha.1/links"), 3);

    fake.fail_next(3, Fault::ServerError);
    assert!(matches!(
        client.links(&url, country("US")).await,
        Err(CatalogError::Unavailable { .. })
    ));
    fake.fail_next(1, Fault::Malformed);
    assert!(matches!(
        client.links(&url, country("US")).await,
        Err(CatalogError::Malformed { .. })
    ));
}

#[tokio::test]
async fn the_rate_queue_keeps_concurrent_callers_under_the_limit() {
    let options = FakeOdesliOptions {
        requests_per_window: 20,
        window: Duration::from_secs(1),
        api_keys: Vec::new(),
        send_retry_after: false,
    };
    let fake = odesli_with(options.clone()).await;
    // 800 a minute is one every 75 ms: 20 of them span 1.43 s, so even a first request held up for 400 ms on
    // a busy machine cannot land a 21st inside the fake's one-second window.
    let client = Odesli::new(odesli_config(&fake, 800));
    let calls = (0..30).map(|i| {
        let client = client.clone();
        let code = ["US", "DE", "GB"][i % 3];
        async move { client.links(&album_url(DEMO_ALBUM_ID), country(code)).await }
    });
    let started = Instant::now();
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(fake.calls("/v1-alpha.1/links"), 30);
    assert_eq!(
        fake.responses_with_status(429),
        0,
        "the queue never exceeded the rate"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(29 * 75),
        "{:?}",
        started.elapsed()
    );

    // The same burst without a queue is refused past the 20th (over a minute, so however slowly it arrives).
    let unqueued = odesli_with(FakeOdesliOptions {
        window: Duration::from_secs(60),
        ..options
    })
    .await;
    let http = reqwest::Client::new();
    let endpoint = format!("{}/v1-alpha.1/links", unqueued.base_url());
    let url = album_url(DEMO_ALBUM_ID);
    let burst = (0..30).map(|_| {
        http.get(&endpoint)
            .query(&[("url", url.as_str()), ("userCountry", "US")])
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10);
    assert_eq!(unqueued.responses_with_status(429), 10);
}

#[tokio::test]
async fn an_odesli_key_raises_the_limit() {
    let fake = odesli_with(FakeOdesliOptions {
        requests_per_window: 1,
        window: Duration::from_secs(60),
        api_keys: vec!["valid-key".to_owned()],
        send_retry_after: true,
    })
    .await;
    let keyed = Odesli::new(OdesliConfig {
        api_key: Some("valid-key".to_owned()),
        ..odesli_config(&fake, 6_000)
    });
    for _ in 0..6 {
        keyed
            .links(&album_url(DEMO_ALBUM_ID), country("US"))
            .await
            .unwrap();
    }
    let keyless = Odesli::new(odesli_config(&fake, 6_000));
    keyless
        .links(&album_url(DEMO_ALBUM_ID), country("US"))
        .await
        .unwrap();
    assert!(matches!(
        keyless
            .links(&album_url(DEMO_ALBUM_ID), country("US"))
            .await,
        Err(CatalogError::RateLimited { .. })
    ));
}

// The sandbox

#[tokio::test]
async fn the_sandbox_serves_an_import_end_to_end() {
    let sandbox = Sandbox::start(std::sync::Arc::new(app::server::SystemClock)).await;
    let spotify = SpotifyCatalog::new(sandbox.spotify_config());
    let odesli = Odesli::new(sandbox.odesli_config());

    let releases = spotify.artist_albums(DEMO_ARTIST_ID).await.unwrap();
    assert_eq!(releases.len(), DEMO_RELEASE_COUNT);
    let links = odesli.links(&releases[0].url, country("FR")).await.unwrap();
    assert_eq!(links.title.as_deref(), Some(releases[0].name.as_str()));
    assert!(link(&links.links, StreamingService::AmazonMusic)
        .unwrap()
        .contains("music.amazon.fr"));
    sandbox.shutdown().await;
}
