//! Fans who pre-saved the demo album and are due now, in a test database, with tokens from a fake Spotify; and the
//! real server binary started against both. Shared by the exactly-once tests and the delivery benchmark.
#![allow(dead_code)] // the benchmark takes a subset

use app::server::demo;
use app::server::entities::{presaves, releases, spotify_tokens};
use app::server::presave::spotify_user::{
    LibraryApi, SpotifyItem, SpotifyProfile, SpotifyUser, SpotifyUserConfig, PRESAVE_SCOPES,
};
use app::server::presave::{fans as fan_store, follows_json, origin, status};
use app::server::sealed::TokenKeys;
use app::server::testing::TestDb;
use chrono::{Duration, Utc};
use futures_util::StreamExt as _;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use server::sandbox::catalog::{FakeCatalog, DEMO_ALBUM_ID, DEMO_ARTIST_ID};
use server::sandbox::spotify::{FakeSpotify, FakeSpotifyOptions};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub const SECRET: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
const CLIENT_ID: &str = "sandbox-client";
const REDIRECT: &str = "http://127.0.0.1:3000/oauth/spotify/callback";

pub struct Setup {
    pub test_db: TestDb,
    pub fake: FakeSpotify,
    /// The fans' Spotify account ids.
    pub accounts: Vec<String>,
}

pub fn album_uri() -> String {
    format!("spotify:album:{DEMO_ALBUM_ID}")
}

pub fn artist_uri() -> String {
    format!("spotify:artist:{DEMO_ARTIST_ID}")
}

/// The demo data and `count` fans who pre-saved the demo album (and follow its artist), due now, against a fake
/// Spotify with `options`. Their access tokens are fresh, as right after login, unless `expired_access`: then
/// every delivery starts with a refresh, as it does days after the login.
pub async fn setup(count: usize, options: FakeSpotifyOptions, expired_access: bool) -> Setup {
    let test_db = TestDb::new().await;
    let db = &test_db.db;
    let now = Utc::now();
    demo::seed(db, now).await.expect("demo data");
    let fake = FakeSpotify::start(
        Arc::new(FakeCatalog::demo()),
        FakeSpotifyOptions {
            client_id: CLIENT_ID.into(),
            ..options
        },
    )
    .await;
    let album = releases::Entity::find()
        .filter(releases::Column::Slug.eq(demo::DEMO_ALBUM_SLUG))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut active: releases::ActiveModel = album.clone().into();
    active.release_at = Set(Some(now - Duration::minutes(1)));
    active.release_mode = Set("fixed".into());
    active.update(db).await.unwrap();

    let client = SpotifyUser::new(SpotifyUserConfig {
        client_id: CLIENT_ID.into(),
        accounts_url: fake.base_url().to_owned(),
        api_url: fake.api_url(),
        redirect_url: REDIRECT.into(),
        library_api: LibraryApi::Unified,
        timeout: std::time::Duration::from_secs(10),
    })
    .unwrap();
    let keys = TokenKeys::new(&hex_key(SECRET), &[]);
    let follows = follows_json(&[SpotifyItem::Artist(DEMO_ARTIST_ID.into())]);
    let mut accounts = Vec::with_capacity(count);
    for chunk_start in (0..count).step_by(1000) {
        let chunk_end = (chunk_start + 1000).min(count);
        // Logins through the fake's token endpoint, as the callback does them.
        let logins = futures_util::stream::iter(chunk_start..chunk_end)
            .map(|i| {
                let client = client.clone();
                let fake = &fake;
                async move {
                    let authorization = client.authorize(PRESAVE_SCOPES);
                    let challenge = reqwest::Url::parse(&authorization.url)
                        .unwrap()
                        .query_pairs()
                        .find(|(k, _)| k == "code_challenge")
                        .map(|(_, v)| v.into_owned())
                        .unwrap();
                    let code = fake.authorize_directly(
                        &format!("fan-{i}"),
                        PRESAVE_SCOPES,
                        REDIRECT,
                        &challenge,
                        CLIENT_ID,
                    );
                    let tokens = client
                        .exchange_code(&code, &authorization.pkce_verifier)
                        .await
                        .unwrap();
                    // The fake's account id is the name given on its consent page; asking `/me` for 100,000 fans
                    // would spend the rate limit the benchmark measures.
                    let profile = SpotifyProfile {
                        account_id: format!("fan-{i}"),
                        user_id: format!("user-{i}"),
                        display_name: Some(format!("Fan {i}")),
                    };
                    (tokens, profile)
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let txn = db.begin().await.unwrap();
        for (tokens, profile) in logins {
            let fan_id = fan_store::upsert_fan(&txn, &profile, now).await.unwrap();
            fan_store::store_tokens(&txn, &keys, fan_id, &tokens, None, now)
                .await
                .unwrap();
            presaves::ActiveModel {
                release_id: Set(album.id),
                fan_id: Set(fan_id),
                origin: Set(origin::PRESAVE.into()),
                status: Set(status::QUEUED.into()),
                follows: Set(follows.clone()),
                country: Set(None),
                deliver_at: Set(now - Duration::minutes(1)),
                next_attempt_at: Set(now - Duration::minutes(1)),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                delivered_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .unwrap();
            accounts.push(profile.account_id);
        }
        txn.commit().await.unwrap();
    }
    if expired_access {
        spotify_tokens::Entity::update_many()
            .col_expr(
                spotify_tokens::Column::AccessExpiresAt,
                Expr::value(now - Duration::hours(1)),
            )
            .exec(db)
            .await
            .unwrap();
    }
    Setup {
        test_db,
        fake,
        accounts,
    }
}

fn hex_key(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}

/// The server binary (`binary`) against the set-up database and fake Spotify, delivering at most `rate` Web API
/// requests a second, holding fans for `lease_secs`.
pub fn start_server(binary: &str, setup: &Setup, rate: u32, lease_secs: u32) -> Child {
    let data_dir = tempfile::tempdir().unwrap().keep();
    Command::new(binary)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DROPDAY_ENVIRONMENT", "production")
        .env("DROPDAY_DATABASE_URL", &setup.test_db.url)
        .env("DROPDAY_DATA_DIR", &data_dir)
        .env("DROPDAY_SECRET_KEY", SECRET)
        .env("DROPDAY_LISTEN_ADDR", "127.0.0.1:0")
        .env("DROPDAY_SPOTIFY_CLIENT_ID", CLIENT_ID)
        .env("DROPDAY_SPOTIFY_CLIENT_SECRET", "sandbox-secret")
        .env("DROPDAY_SPOTIFY_ACCOUNTS_URL", setup.fake.base_url())
        .env("DROPDAY_SPOTIFY_API_URL", setup.fake.api_url())
        .env("DROPDAY_ODESLI_URL", "http://127.0.0.1:9")
        .env("DROPDAY_SPOTIFY_REQUESTS_PER_SECOND", rate.to_string())
        .env("DROPDAY_PRESAVE_LEASE_SECS", lease_secs.to_string())
        .env(
            "DROPDAY_SPOTIFY_TIMEOUT_SECS",
            (lease_secs / 3).max(1).to_string(),
        )
        .env("DROPDAY_LOG", "warn,server::routes::assets=error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the server binary")
}

/// Pre-saves with this status now.
pub async fn count_with_status(db: &sea_orm::DatabaseConnection, wanted: &str) -> u64 {
    use sea_orm::PaginatorTrait as _;
    presaves::Entity::find()
        .filter(presaves::Column::Status.eq(wanted))
        .count(db)
        .await
        .unwrap()
}
