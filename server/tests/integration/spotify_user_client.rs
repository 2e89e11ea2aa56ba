//! The fans' Spotify client against the fake Spotify, over real HTTP on loopback: the consent page and PKCE code
//! exchange, refresh-token rotation and revocation, library writes in both modes, and every error the delivery
//! queue has to tell apart.
use app::server::presave::spotify_user::{
    LibraryApi, SpotifyItem, SpotifyUser, SpotifyUserConfig, SpotifyUserError, UserTokens,
    PRESAVE_SCOPES,
};
use reqwest::StatusCode;
use server::sandbox::catalog::{
    AlbumGroup, FakeCatalog, DEMO_ALBUM_ID, DEMO_ARTIST_ID, DEMO_PLAYLIST_ID,
    DEMO_SECOND_ARTIST_ID, DEMO_SINGLE_ALBUM_ID, DEMO_SINGLE_TRACK_ID,
};
use server::sandbox::spotify::{FakeSpotify, FakeSpotifyOptions};
use server::sandbox::{Fault, Sandbox};
use std::sync::Arc;
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:3000/oauth/spotify/callback";
const UNKNOWN_ID: &str = "0NobodyHasThisId000000";

async fn fake_with(options: FakeSpotifyOptions) -> FakeSpotify {
    FakeSpotify::start(Arc::new(FakeCatalog::demo()), options).await
}

async fn fake() -> FakeSpotify {
    fake_with(FakeSpotifyOptions::default()).await
}

fn config(fake: &FakeSpotify, library_api: LibraryApi) -> SpotifyUserConfig {
    SpotifyUserConfig {
        client_id: fake.options().client_id.clone(),
        accounts_url: fake.base_url().to_owned(),
        api_url: fake.api_url(),
        redirect_url: REDIRECT.to_owned(),
        library_api,
        timeout: Duration::from_secs(2),
    }
}

fn client(fake: &FakeSpotify, library_api: LibraryApi) -> SpotifyUser {
    SpotifyUser::new(config(fake, library_api)).expect("a valid configuration")
}

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .expect("an absolute URL")
        .query_pairs()
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

/// Every `<input>` of the page as `(type, name, value)`.
fn inputs(html: &str) -> Vec<(String, String, String)> {
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            Some((
                attribute(tag, "type").unwrap_or_default(),
                attribute(tag, "name").unwrap_or_default(),
                attribute(tag, "value").unwrap_or_default(),
            ))
        })
        .collect()
}

/// The consent page at `authorize_url`, answered with `decision` as `account`: the callback's URL.
async fn consent(fake: &FakeSpotify, authorize_url: &str, account: &str, decision: &str) -> String {
    let browser = browser();
    let page = browser.get(authorize_url).send().await.expect("the page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the page's HTML");
    let mut form: Vec<(String, String)> = inputs(&html)
        .into_iter()
        .filter(|(kind, _, _)| kind == "hidden")
        .map(|(_, name, value)| (name, value))
        .collect();
    form.push(("user".to_owned(), account.to_owned()));
    form.push(("decision".to_owned(), decision.to_owned()));
    let answer = browser
        .post(format!("{}/authorize", fake.base_url()))
        .form(&form)
        .send()
        .await
        .expect("the decision");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|location| location.to_str().ok())
        .expect("a Location")
        .to_owned()
}

/// A fan who agreed (without the page): their tokens.
async fn login(
    fake: &FakeSpotify,
    spotify: &SpotifyUser,
    account: &str,
    scopes: &[&str],
) -> UserTokens {
    let flow = spotify.authorize(scopes);
    let challenge = param(&query_pairs(&flow.url), "code_challenge").expect("a challenge");
    let code = fake.authorize_directly(
        account,
        scopes,
        &spotify.config().redirect_url,
        &challenge,
        &spotify.config().client_id,
    );
    spotify
        .exchange_code(&code, &flow.pkce_verifier)
        .await
        .expect("the code exchange")
}

fn album() -> SpotifyItem {
    SpotifyItem::Album(DEMO_ALBUM_ID.to_owned())
}

fn artist() -> SpotifyItem {
    SpotifyItem::Artist(DEMO_ARTIST_ID.to_owned())
}

fn playlist() -> SpotifyItem {
    SpotifyItem::Playlist(DEMO_PLAYLIST_ID.to_owned())
}

#[tokio::test]
async fn a_fan_logs_in_through_the_consent_page() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let flow = spotify.authorize(PRESAVE_SCOPES);

    let page = browser().get(&flow.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Log in to Spotify (sandbox)</title>"));
    assert_eq!(html.matches("<form").count(), 1);
    assert!(html.contains(r#"<form method="post" action="/authorize">"#));
    for scope in PRESAVE_SCOPES {
        assert!(html.contains(scope), "{scope} is shown");
    }
    let fields = inputs(&html);
    let user = fields
        .iter()
        .find(|(_, name, _)| name == "user")
        .expect("the account field");
    assert_eq!(user.0, "text");
    let suggested = user.2.strip_prefix("sandbox-fan-").expect("a sandbox name");
    assert!(!suggested.is_empty() && suggested.bytes().all(|b| b.is_ascii_digit()));
    assert!(html.contains(r#"name="decision" value="accept""#) && html.contains(">Agree<"));
    assert!(html.contains(r#"name="decision" value="deny""#) && html.contains(">Cancel<"));
    for name in [
        "client_id",
        "redirect_uri",
        "code_challenge",
        "state",
        "scope",
    ] {
        assert!(
            fields
                .iter()
                .any(|(kind, field, _)| kind == "hidden" && field == name),
            "{name} is carried"
        );
    }

    let callback = consent(&fake, &flow.url, "fan-form", "accept").await;
    assert!(callback.starts_with(&format!("{REDIRECT}?")), "{callback}");
    let pairs = query_pairs(&callback);
    assert_eq!(param(&pairs, "state"), Some(flow.state.clone()));
    let code = param(&pairs, "code").expect("a code");

    let tokens = spotify
        .exchange_code(&code, &flow.pkce_verifier)
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.expires_in, Duration::from_secs(3600));
    let mut granted = tokens.scopes.clone();
    granted.sort();
    let mut asked: Vec<String> = PRESAVE_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    asked.sort();
    assert_eq!(granted, asked);

    let profile = spotify.me(&tokens.access_token).await.unwrap();
    assert_eq!(profile.account_id, "fan-form");
    assert_ne!(profile.user_id, profile.account_id);
    assert!(!profile.user_id.is_empty());
    assert_eq!(profile.display_name.as_deref(), Some("Fan Form"));
    assert_eq!(fake.users(), vec!["fan-form".to_owned()]);
}

#[tokio::test]
async fn the_callback_keeps_the_redirect_uris_own_query_and_odd_states() {
    let fake = fake().await;
    let spotify = SpotifyUser::new(SpotifyUserConfig {
        redirect_url: format!("{REDIRECT}?flow=presave"),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    let state = r#"a&b<c>"d'e f"#;
    let verifier = "v".repeat(64);
    let url = spotify.authorize_url(PRESAVE_SCOPES, state, &verifier);
    let callback = consent(&fake, &url, "fan-query", "accept").await;
    assert!(
        callback.starts_with(&format!("{REDIRECT}?flow=presave&code=")),
        "{callback}"
    );
    let pairs = query_pairs(&callback);
    assert_eq!(param(&pairs, "flow").as_deref(), Some("presave"));
    assert_eq!(param(&pairs, "state").as_deref(), Some(state));
    let code = param(&pairs, "code").unwrap();
    let tokens = spotify.exchange_code(&code, &verifier).await.unwrap();
    assert_eq!(
        spotify.me(&tokens.access_token).await.unwrap().account_id,
        "fan-query"
    );
}

#[tokio::test]
async fn an_empty_account_name_gets_a_generated_one() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&fake, &flow.url, "   ", "accept").await;
    let code = param(&query_pairs(&callback), "code").unwrap();
    let tokens = spotify
        .exchange_code(&code, &flow.pkce_verifier)
        .await
        .unwrap();
    let account = spotify.me(&tokens.access_token).await.unwrap().account_id;
    assert!(account.starts_with("sandbox-fan-"), "{account}");
    assert_eq!(fake.users(), vec![account]);
}

#[tokio::test]
async fn a_denied_authorization_comes_back_as_access_denied() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&fake, &flow.url, "fan-no", "deny").await;
    assert!(callback.starts_with(REDIRECT));
    let pairs = query_pairs(&callback);
    assert_eq!(param(&pairs, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&pairs, "state"), Some(flow.state));
    assert_eq!(param(&pairs, "code"), None);
    assert!(fake.users().is_empty());
}

#[tokio::test]
async fn the_code_needs_the_flows_verifier() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&fake, &flow.url, "fan-verifier", "accept").await;
    let code = param(&query_pairs(&callback), "code").unwrap();
    let other = spotify.authorize(PRESAVE_SCOPES);
    let refused = spotify
        .exchange_code(&code, &other.pkce_verifier)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        SpotifyUserError::GrantRevoked {
            message: "code_verifier was incorrect".to_owned()
        }
    );
    assert!(!refused.is_transient());
}

#[tokio::test]
async fn a_code_works_once() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&fake, &flow.url, "fan-once", "accept").await;
    let code = param(&query_pairs(&callback), "code").unwrap();
    spotify
        .exchange_code(&code, &flow.pkce_verifier)
        .await
        .unwrap();
    assert_eq!(
        spotify.exchange_code(&code, &flow.pkce_verifier).await,
        Err(SpotifyUserError::GrantRevoked {
            message: "Invalid authorization code".to_owned()
        })
    );
    assert_eq!(
        spotify
            .exchange_code("AQnotacode", &flow.pkce_verifier)
            .await,
        Err(SpotifyUserError::GrantRevoked {
            message: "Invalid authorization code".to_owned()
        })
    );
}

#[tokio::test]
async fn the_exchange_needs_the_same_redirect_uri() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let elsewhere = SpotifyUser::new(SpotifyUserConfig {
        redirect_url: "http://127.0.0.1:3000/other/callback".to_owned(),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&fake, &flow.url, "fan-redirect", "accept").await;
    let code = param(&query_pairs(&callback), "code").unwrap();
    assert_eq!(
        elsewhere.exchange_code(&code, &flow.pkce_verifier).await,
        Err(SpotifyUserError::GrantRevoked {
            message: "Invalid redirect URI".to_owned()
        })
    );
}

#[tokio::test]
async fn the_consent_page_refuses_bad_clients_and_redirect_uris() {
    let fake = fake_with(FakeSpotifyOptions {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..FakeSpotifyOptions::default()
    })
    .await;
    let browser = browser();

    let unregistered = SpotifyUser::new(SpotifyUserConfig {
        redirect_url: "http://127.0.0.1:4000/callback".to_owned(),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    let page = browser
        .get(unregistered.authorize(PRESAVE_SCOPES).url)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("INVALID_CLIENT: Invalid redirect URI"));

    let stranger = SpotifyUser::new(SpotifyUserConfig {
        client_id: "someone-elses-app".to_owned(),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    let page = browser
        .get(stranger.authorize(PRESAVE_SCOPES).url)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("INVALID_CLIENT: Invalid client"));

    // Other problems go back to the app, which can tell the fan.
    let registered = client(&fake, LibraryApi::Unified);
    let plain = registered
        .authorize(PRESAVE_SCOPES)
        .url
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let answer = browser.get(&plain).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let location = answer.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.starts_with(REDIRECT));
    assert_eq!(
        param(&query_pairs(&location), "error").as_deref(),
        Some("invalid_request")
    );
    let unknown_scope = registered
        .authorize(&["user-library-modify", "no-such-scope"])
        .url;
    let answer = browser.get(&unknown_scope).send().await.unwrap();
    let location = answer.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        param(&query_pairs(&location), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let first = login(&fake, &spotify, "fan-rotate", PRESAVE_SCOPES).await;
    let first_refresh = first.refresh_token.clone().unwrap();

    let second = spotify.refresh(&first_refresh).await.unwrap();
    let second_refresh = second
        .refresh_token
        .clone()
        .expect("a rotated refresh token");
    assert_ne!(second_refresh, first_refresh);
    assert_ne!(second.access_token, first.access_token);
    assert!(second.scopes.iter().any(|s| s == "user-library-modify"));
    assert_eq!(
        spotify.me(&second.access_token).await.unwrap().account_id,
        "fan-rotate"
    );

    assert_eq!(
        spotify.refresh(&first_refresh).await,
        Err(SpotifyUserError::GrantRevoked {
            message: "Invalid refresh token".to_owned()
        })
    );
    let third = spotify.refresh(&second_refresh).await.unwrap();
    assert!(third.refresh_token.is_some());
}

#[tokio::test]
async fn without_rotation_the_refresh_token_stays_good() {
    let fake = fake_with(FakeSpotifyOptions {
        rotate_refresh_tokens: false,
        ..FakeSpotifyOptions::default()
    })
    .await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-keep", PRESAVE_SCOPES).await;
    let refresh_token = tokens.refresh_token.unwrap();
    for _ in 0..2 {
        let refreshed = spotify.refresh(&refresh_token).await.unwrap();
        assert_eq!(refreshed.refresh_token, None);
        spotify.me(&refreshed.access_token).await.unwrap();
    }
}

#[tokio::test]
async fn a_revoked_fan_must_log_in_again() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-revoked", PRESAVE_SCOPES).await;
    fake.revoke_user("fan-revoked");

    let refused = spotify
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        SpotifyUserError::GrantRevoked {
            message: "Refresh token revoked".to_owned()
        }
    );
    assert!(!refused.is_transient());
    assert_eq!(
        spotify.me(&tokens.access_token).await,
        Err(SpotifyUserError::AccessTokenExpired)
    );

    // A code from before a revocation is void too.
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let challenge = param(&query_pairs(&flow.url), "code_challenge").unwrap();
    let stale = fake.authorize_directly(
        "fan-revoked",
        PRESAVE_SCOPES,
        REDIRECT,
        &challenge,
        &spotify.config().client_id,
    );
    fake.revoke_user("fan-revoked");
    assert_eq!(
        spotify.exchange_code(&stale, &flow.pkce_verifier).await,
        Err(SpotifyUserError::GrantRevoked {
            message: "Invalid authorization code".to_owned()
        })
    );

    let again = login(&fake, &spotify, "fan-revoked", PRESAVE_SCOPES).await;
    spotify.save(&again.access_token, &[album()]).await.unwrap();
    assert_eq!(fake.library("fan-revoked"), vec![album().uri()]);
}

#[tokio::test]
async fn an_expired_access_token_is_told_apart_and_refreshed() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-expired", PRESAVE_SCOPES).await;
    fake.expire_access_tokens();
    assert_eq!(
        spotify.save(&tokens.access_token, &[album()]).await,
        Err(SpotifyUserError::AccessTokenExpired)
    );
    assert_eq!(fake.total_writes(), 0);
    let refreshed = spotify
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    spotify
        .save(&refreshed.access_token, &[album()])
        .await
        .unwrap();
    assert_eq!(fake.writes("fan-expired", &album().uri()), 1);
}

#[tokio::test]
async fn unified_save_is_one_put_for_album_artist_and_playlist() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-unified", PRESAVE_SCOPES).await;
    let items = [album(), artist(), playlist()];
    assert_eq!(spotify.requests_for(&items), 1);

    spotify.save(&tokens.access_token, &items).await.unwrap();
    assert_eq!(fake.calls("/v1/me/library"), 1);
    for item in &items {
        assert_eq!(fake.writes("fan-unified", &item.uri()), 1, "{item:?}");
    }
    assert_eq!(fake.total_writes(), 3);
    let uris: Vec<String> = items.iter().map(SpotifyItem::uri).collect();
    assert_eq!(fake.library("fan-unified"), uris);
    assert_eq!(fake.calls("/v1/me/albums"), 0);
    assert_eq!(fake.calls("/v1/me/following"), 0);

    assert_eq!(
        spotify
            .contains(&tokens.access_token, &items)
            .await
            .unwrap(),
        vec![true, true, true]
    );

    // Saving again is harmless on Spotify's side; the fake counts the second write.
    spotify.save(&tokens.access_token, &items).await.unwrap();
    assert_eq!(fake.writes("fan-unified", &album().uri()), 2);
    assert_eq!(fake.library("fan-unified"), uris);
}

#[tokio::test]
async fn type_specific_save_uses_the_extended_quota_endpoints() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::TypeSpecific);
    let tokens = login(&fake, &spotify, "fan-typed", PRESAVE_SCOPES).await;
    let items = [
        album(),
        SpotifyItem::Album(DEMO_SINGLE_ALBUM_ID.to_owned()),
        SpotifyItem::Track(DEMO_SINGLE_TRACK_ID.to_owned()),
        artist(),
        SpotifyItem::Artist(DEMO_SECOND_ARTIST_ID.to_owned()),
        SpotifyItem::User("some.curator".to_owned()),
        playlist(),
    ];
    assert_eq!(spotify.requests_for(&items), 5);

    spotify.save(&tokens.access_token, &items).await.unwrap();
    assert_eq!(fake.calls("/v1/me/albums"), 1);
    assert_eq!(fake.calls("/v1/me/tracks"), 1);
    assert_eq!(fake.calls("/v1/me/following"), 2);
    assert_eq!(
        fake.calls(&format!("/v1/playlists/{DEMO_PLAYLIST_ID}/followers")),
        1
    );
    assert_eq!(fake.calls("/v1/me/library"), 0);
    assert_eq!(fake.responses_with_status(204), 2);
    for item in &items {
        assert_eq!(fake.writes("fan-typed", &item.uri()), 1, "{item:?}");
    }
    let mut library = fake.library("fan-typed");
    library.sort();
    let mut expected: Vec<String> = items.iter().map(SpotifyItem::uri).collect();
    expected.sort();
    assert_eq!(library, expected);

    // "Already saved?" is asked the same way in both modes.
    assert_eq!(
        spotify
            .contains(&tokens.access_token, &items)
            .await
            .unwrap(),
        vec![true; items.len()]
    );
}

#[tokio::test]
async fn more_than_40_items_take_two_unified_calls() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-many", PRESAVE_SCOPES).await;
    let items: Vec<SpotifyItem> = fake
        .catalog()
        .artist_albums(DEMO_ARTIST_ID, &AlbumGroup::ALL)
        .iter()
        .flat_map(|album| album.tracks.iter().map(|track| track.id.clone()))
        .map(SpotifyItem::Track)
        .take(45)
        .collect();
    assert_eq!(items.len(), 45);
    assert_eq!(spotify.requests_for(&items), 2);

    spotify.save(&tokens.access_token, &items).await.unwrap();
    assert_eq!(fake.calls("/v1/me/library"), 2);
    assert_eq!(fake.library("fan-many").len(), 45);
    assert_eq!(fake.total_writes(), 45);

    let before = fake.calls("/v1/me/library/contains");
    assert_eq!(
        spotify
            .contains(&tokens.access_token, &items)
            .await
            .unwrap(),
        vec![true; 45]
    );
    assert_eq!(fake.calls("/v1/me/library/contains") - before, 2);
}

#[tokio::test]
async fn contains_answers_in_input_order() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-order", PRESAVE_SCOPES).await;
    spotify
        .save(&tokens.access_token, &[artist(), playlist()])
        .await
        .unwrap();
    let asked = [
        album(),
        artist(),
        SpotifyItem::Track(DEMO_SINGLE_TRACK_ID.to_owned()),
        playlist(),
        SpotifyItem::User("never.followed".to_owned()),
    ];
    assert_eq!(
        spotify
            .contains(&tokens.access_token, &asked)
            .await
            .unwrap(),
        vec![false, true, false, true, false]
    );
    assert_eq!(
        spotify.contains(&tokens.access_token, &[]).await.unwrap(),
        Vec::<bool>::new()
    );
}

#[tokio::test]
async fn a_429_comes_back_with_its_retry_after() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-429", PRESAVE_SCOPES).await;

    fake.fail_next_on(
        "/v1",
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(7),
        },
    );
    let limited = spotify
        .save(&tokens.access_token, &[album()])
        .await
        .unwrap_err();
    assert_eq!(
        limited,
        SpotifyUserError::RateLimited {
            retry_after: Duration::from_secs(7)
        }
    );
    assert!(limited.is_transient());
    assert_eq!(fake.total_writes(), 0);

    fake.fail_next_on(
        "/v1",
        1,
        Fault::TooManyRequests {
            retry_after_secs: None,
        },
    );
    assert_eq!(
        spotify.me(&tokens.access_token).await,
        Err(SpotifyUserError::RateLimited {
            retry_after: Duration::from_secs(1)
        })
    );

    fake.fail_next_on(
        "/api/token",
        1,
        Fault::TooManyRequests {
            retry_after_secs: Some(3),
        },
    );
    assert_eq!(
        spotify
            .refresh(tokens.refresh_token.as_deref().unwrap())
            .await,
        Err(SpotifyUserError::RateLimited {
            retry_after: Duration::from_secs(3)
        })
    );
    // Nothing was sent again by the client itself.
    assert_eq!(fake.responses_with_status(429), 3);
}

#[tokio::test]
async fn the_fakes_own_rate_limit_reads_the_same() {
    let fake = fake_with(FakeSpotifyOptions {
        requests_per_30s: Some(1),
        ..FakeSpotifyOptions::default()
    })
    .await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-window", PRESAVE_SCOPES).await;
    spotify.me(&tokens.access_token).await.unwrap();
    match spotify.save(&tokens.access_token, &[album()]).await {
        Err(SpotifyUserError::RateLimited { retry_after }) => {
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(30));
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
}

#[tokio::test]
async fn unregistered_fans_of_a_development_mode_app_are_forbidden() {
    let fake = fake_with(FakeSpotifyOptions {
        allowed_users: Some(vec!["fan-registered".to_owned()]),
        ..FakeSpotifyOptions::default()
    })
    .await;
    let spotify = client(&fake, LibraryApi::Unified);
    let outsider = login(&fake, &spotify, "fan-outsider", PRESAVE_SCOPES).await;
    let forbidden = SpotifyUserError::Forbidden {
        message: "User not registered in the Developer Dashboard".to_owned(),
    };
    assert_eq!(
        spotify.me(&outsider.access_token).await,
        Err(forbidden.clone())
    );
    let refused = spotify
        .save(&outsider.access_token, &[album()])
        .await
        .unwrap_err();
    assert_eq!(refused, forbidden);
    assert!(!refused.is_transient());
    assert_eq!(fake.total_writes(), 0);

    let member = login(&fake, &spotify, "fan-registered", PRESAVE_SCOPES).await;
    spotify
        .save(&member.access_token, &[album()])
        .await
        .unwrap();
    assert_eq!(fake.writes("fan-registered", &album().uri()), 1);
}

#[tokio::test]
async fn a_token_without_the_scope_is_forbidden() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-narrow", &["user-read-private"]).await;
    assert_eq!(tokens.scopes, vec!["user-read-private".to_owned()]);
    spotify.me(&tokens.access_token).await.unwrap();
    assert_eq!(
        spotify.save(&tokens.access_token, &[album()]).await,
        Err(SpotifyUserError::Forbidden {
            message: "Insufficient client scope".to_owned()
        })
    );
    let typed = client(&fake, LibraryApi::TypeSpecific);
    assert!(matches!(
        typed.save(&tokens.access_token, &[artist()]).await,
        Err(SpotifyUserError::Forbidden { .. })
    ));
}

#[tokio::test]
async fn a_release_not_on_spotify_is_not_found() {
    let fake = fake().await;
    for mode in [LibraryApi::Unified, LibraryApi::TypeSpecific] {
        let spotify = client(&fake, mode);
        let tokens = login(&fake, &spotify, "fan-404", PRESAVE_SCOPES).await;
        let result = spotify
            .save(
                &tokens.access_token,
                &[SpotifyItem::Album(UNKNOWN_ID.to_owned())],
            )
            .await;
        assert!(
            matches!(result, Err(SpotifyUserError::NotFound { .. })),
            "{mode:?}: {result:?}"
        );
    }
    assert_eq!(fake.total_writes(), 0);
}

#[tokio::test]
async fn bad_ids_are_refused_before_sending() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::TypeSpecific);
    let result = spotify
        .save(
            "BQwhatever",
            &[SpotifyItem::Playlist("../../me/albums".to_owned())],
        )
        .await;
    assert!(matches!(
        result,
        Err(SpotifyUserError::Rejected { status: 400, .. })
    ));
    assert_eq!(fake.calls("/"), 0);
}

#[tokio::test]
async fn server_errors_and_timeouts_are_unavailable() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-5xx", PRESAVE_SCOPES).await;

    fake.fail_next_on("/v1", 1, Fault::ServerError);
    let failed = spotify
        .save(&tokens.access_token, &[album()])
        .await
        .unwrap_err();
    assert!(
        matches!(&failed, SpotifyUserError::Unavailable { message } if message.starts_with("500")),
        "{failed:?}"
    );
    assert!(failed.is_transient());

    fake.fail_next_on("/api/token", 1, Fault::ServerError);
    assert!(matches!(
        spotify
            .refresh(tokens.refresh_token.as_deref().unwrap())
            .await,
        Err(SpotifyUserError::Unavailable { .. })
    ));

    let impatient = SpotifyUser::new(SpotifyUserConfig {
        timeout: Duration::from_millis(300),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    fake.fail_next_on("/v1/me", 1, Fault::Delay(Duration::from_secs(2)));
    assert_eq!(
        impatient.me(&tokens.access_token).await,
        Err(SpotifyUserError::Unavailable {
            message: "timed out".to_owned()
        })
    );

    // Nothing listening.
    let address = fake.base_url().to_owned();
    fake.shutdown().await;
    let gone = SpotifyUser::new(SpotifyUserConfig {
        client_id: "sandbox-client".to_owned(),
        accounts_url: address.clone(),
        api_url: format!("{address}/v1"),
        redirect_url: REDIRECT.to_owned(),
        library_api: LibraryApi::Unified,
        timeout: Duration::from_secs(1),
    })
    .unwrap();
    assert!(matches!(
        gone.me(&tokens.access_token).await,
        Err(SpotifyUserError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn malformed_answers_are_malformed() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-malformed", PRESAVE_SCOPES).await;

    fake.fail_next_on("/v1/me", 1, Fault::Malformed);
    let failed = spotify.me(&tokens.access_token).await.unwrap_err();
    assert!(
        matches!(failed, SpotifyUserError::Malformed { .. }),
        "{failed:?}"
    );
    assert!(!failed.is_transient());

    fake.fail_next_on("/v1/me/library/contains", 1, Fault::Malformed);
    assert!(matches!(
        spotify.contains(&tokens.access_token, &[album()]).await,
        Err(SpotifyUserError::Malformed { .. })
    ));

    fake.fail_next_on("/api/token", 1, Fault::Malformed);
    let refresh_token = tokens.refresh_token.as_deref().unwrap();
    match spotify.refresh(refresh_token).await {
        Err(SpotifyUserError::Malformed { message }) => {
            assert!(!message.contains(refresh_token));
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_client_is_rejected_by_the_token_endpoint() {
    let fake = fake().await;
    let stranger = SpotifyUser::new(SpotifyUserConfig {
        client_id: "someone-elses-app".to_owned(),
        ..config(&fake, LibraryApi::Unified)
    })
    .unwrap();
    let flow = stranger.authorize(PRESAVE_SCOPES);
    assert_eq!(
        stranger
            .exchange_code("AQwhatever", &flow.pkce_verifier)
            .await,
        Err(SpotifyUserError::Rejected {
            status: 400,
            message: "Invalid client".to_owned()
        })
    );
}

#[tokio::test]
async fn errors_never_carry_tokens() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-quiet", PRESAVE_SCOPES).await;
    fake.revoke_user("fan-quiet");
    let refresh_token = tokens.refresh_token.clone().unwrap();
    let errors = [
        spotify.me(&tokens.access_token).await.unwrap_err(),
        spotify.refresh(&refresh_token).await.unwrap_err(),
    ];
    for error in errors {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(&tokens.access_token), "{shown}");
        assert!(!shown.contains(&refresh_token), "{shown}");
    }
    let shown = format!("{tokens:?}");
    assert!(!shown.contains(&tokens.access_token) && !shown.contains(&refresh_token));
}

/// The fake's answers at the HTTP level, for what the client never sends.
#[tokio::test]
async fn the_fake_refuses_what_spotify_refuses() {
    let fake = fake().await;
    let spotify = client(&fake, LibraryApi::Unified);
    let tokens = login(&fake, &spotify, "fan-raw", PRESAVE_SCOPES).await;
    let http = reqwest::Client::new();
    let library = format!("{}/me/library", fake.api_url());

    let ok = http
        .put(&library)
        .query(&[("uris", album().uri())])
        .bearer_auth(&tokens.access_token)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.bytes().await.unwrap().is_empty());

    // A bodiless PUT without `Content-Length: 0` (what reqwest sends by default) gets Google's front end's 411
    // (spotify/web-api#859).
    let unsized_put = http
        .put(&library)
        .query(&[("uris", album().uri())])
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(unsized_put.status(), StatusCode::LENGTH_REQUIRED);
    assert_eq!(fake.writes("fan-raw", &album().uri()), 1);

    let forty_one = vec![album().uri(); 41].join(",");
    for uris in [
        forty_one.as_str(),
        "spotify:chapter:0AfterglowAtlasAlbum00",
        "spotify:album:not-an-id",
        "",
    ] {
        let refused = http
            .put(&library)
            .query(&[("uris", uris)])
            .bearer_auth(&tokens.access_token)
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{uris}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["status"], 400, "{uris}: {body}");
        assert!(body["message"].is_string(), "{uris}: {body}");
    }

    // An app token (client credentials) cannot act for a fan.
    let app_token: serde_json::Value = http
        .post(format!("{}/api/token", fake.base_url()))
        .basic_auth(
            &fake.options().client_id,
            Some(&fake.options().client_secret),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_token = app_token["access_token"].as_str().unwrap().to_owned();
    let me = http
        .get(format!("{}/me", fake.api_url()))
        .bearer_auth(&app_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = me.json().await.unwrap();
    assert_eq!(body["error"]["status"], 403);

    // `/me` in its development-mode shape.
    let profile: serde_json::Value = http
        .get(format!("{}/me", fake.api_url()))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["type"], "user");
    assert_eq!(profile["account_id"], "fan-raw");
    assert!(profile.get("email").is_none() && profile.get("country").is_none());
    let id = profile["id"].as_str().unwrap();
    assert_eq!(profile["uri"], format!("spotify:user:{id}"));

    // DELETE takes an item out of the library; the write count stays.
    let removed = http
        .delete(&library)
        .query(&[("uris", album().uri())])
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    assert!(fake.library("fan-raw").is_empty());
    assert_eq!(fake.writes("fan-raw", &album().uri()), 1);
}

#[tokio::test]
async fn the_sandbox_serves_fans_too() {
    let sandbox = Sandbox::start(std::sync::Arc::new(app::server::SystemClock)).await;
    let spotify =
        SpotifyUser::new(sandbox.spotify_user_config(REDIRECT.to_owned(), LibraryApi::Unified))
            .unwrap();
    let flow = spotify.authorize(PRESAVE_SCOPES);
    let callback = consent(&sandbox.spotify, &flow.url, "fan-sandbox", "accept").await;
    let code = param(&query_pairs(&callback), "code").unwrap();
    let tokens = spotify
        .exchange_code(&code, &flow.pkce_verifier)
        .await
        .unwrap();
    spotify
        .save(&tokens.access_token, &[album(), artist()])
        .await
        .unwrap();
    assert_eq!(
        sandbox.spotify.library("fan-sandbox"),
        vec![album().uri(), artist().uri()]
    );
    let rotated = spotify
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    assert!(rotated.refresh_token.is_some());
    sandbox.shutdown().await;
}
