//! Local fakes of the external services Dropday talks to, for tests and for the development sandbox (`make run`
//! with no credentials configured). They speak the documented protocols, errors included, and decide nothing
//! about Dropday's behaviour.
pub mod ads;
pub mod catalog;
mod control;
pub mod odesli;
pub mod spotify;
mod spotify_accounts;
mod spotify_library;
pub mod stripe;

pub use control::Fault;

use ads::{FakeAds, FakeAdsOptions};
use app::server::catalog::odesli::OdesliConfig;
use app::server::catalog::spotify::SpotifyConfig;
use app::server::presave::spotify_user::{LibraryApi, SpotifyUserConfig};
use app::server::SharedClock;
use catalog::FakeCatalog;
use odesli::{FakeOdesli, FakeOdesliOptions};
use spotify::{FakeSpotify, FakeSpotifyOptions};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The fake Spotify and Odesli serving the demo catalog, the fake ad platforms and a fake Stripe, for running
/// Dropday without any credentials.
pub struct Sandbox {
    pub catalog: Arc<FakeCatalog>,
    pub spotify: FakeSpotify,
    pub odesli: FakeOdesli,
    pub ads: FakeAds,
    pub stripe: stripe::FakeStripe,
}

impl Sandbox {
    pub const SPOTIFY_CLIENT_ID: &'static str = "sandbox-client";
    pub const SPOTIFY_CLIENT_SECRET: &'static str = "sandbox-secret";
    /// Generous, so that clicking around never waits, while 429s stay reachable by a runaway loop.
    const SPOTIFY_REQUESTS_PER_30S: u32 = 1_000;
    const ODESLI_REQUESTS_PER_MINUTE: u32 = 600;

    /// The fakes on loopback ports of the system's choosing.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start(clock: SharedClock) -> Sandbox {
        let catalog = Arc::new(FakeCatalog::demo());
        Sandbox {
            spotify: FakeSpotify::start(catalog.clone(), Self::spotify_options()).await,
            odesli: FakeOdesli::start(catalog.clone(), Self::odesli_options()).await,
            ads: FakeAds::start(FakeAdsOptions::default()).await,
            stripe: stripe::FakeStripe::start(Self::stripe_options(clock)).await,
            catalog,
        }
    }

    /// The fakes on the given listeners: fixed ports keep the image URLs stored by an earlier run working.
    pub fn start_on(listeners: [TcpListener; 4], clock: SharedClock) -> std::io::Result<Sandbox> {
        let [spotify, odesli, ads, stripe] = listeners;
        let catalog = Arc::new(FakeCatalog::demo());
        Ok(Sandbox {
            spotify: FakeSpotify::start_on(spotify, catalog.clone(), Self::spotify_options())?,
            odesli: FakeOdesli::start_on(odesli, catalog.clone(), Self::odesli_options())?,
            ads: FakeAds::start_on(ads, FakeAdsOptions::default())?,
            stripe: stripe::FakeStripe::start_on(stripe, Self::stripe_options(clock))?,
            catalog,
        })
    }

    /// The sandbox's Stripe keys: test-mode shaped, and public, since the fake only serves loopback.
    fn stripe_options(clock: SharedClock) -> stripe::FakeStripeOptions {
        stripe::FakeStripeOptions {
            secret_key: "sk_test_dropday_sandbox".into(),
            webhook_secret: "whsec_dropday_sandbox".into(),
            clock,
        }
    }

    /// A Spotify client configuration pointing at the fake.
    pub fn spotify_config(&self) -> SpotifyConfig {
        SpotifyConfig {
            accounts_url: self.spotify.base_url().to_owned(),
            api_url: self.spotify.api_url(),
            client_id: Self::SPOTIFY_CLIENT_ID.to_owned(),
            client_secret: Self::SPOTIFY_CLIENT_SECRET.to_owned(),
            timeout: Duration::from_secs(10),
            max_retry_wait: Duration::from_secs(30),
        }
    }

    /// A configuration for fans' Spotify authorization and library writes against the fake. `redirect_url` is
    /// Dropday's callback; the fake accepts any redirect URI, so one sandbox serves whatever address Dropday runs
    /// on. `library_api` picks the endpoints: the fake serves both.
    pub fn spotify_user_config(
        &self,
        redirect_url: String,
        library_api: LibraryApi,
    ) -> SpotifyUserConfig {
        SpotifyUserConfig {
            client_id: Self::SPOTIFY_CLIENT_ID.to_owned(),
            accounts_url: self.spotify.base_url().to_owned(),
            api_url: self.spotify.api_url(),
            redirect_url,
            library_api,
            timeout: Duration::from_secs(10),
        }
    }

    /// An Odesli client configuration pointing at the fake.
    pub fn odesli_config(&self) -> OdesliConfig {
        OdesliConfig {
            base_url: self.odesli.base_url().to_owned(),
            api_key: None,
            requests_per_minute: Self::ODESLI_REQUESTS_PER_MINUTE,
            timeout: Duration::from_secs(10),
            max_retry_wait: Duration::from_secs(60),
        }
    }

    pub async fn shutdown(self) {
        self.spotify.shutdown().await;
        self.odesli.shutdown().await;
        self.ads.shutdown().await;
        self.stripe.shutdown().await;
    }

    fn spotify_options() -> FakeSpotifyOptions {
        FakeSpotifyOptions {
            client_id: Self::SPOTIFY_CLIENT_ID.to_owned(),
            client_secret: Self::SPOTIFY_CLIENT_SECRET.to_owned(),
            token_lifetime: Duration::from_secs(3600),
            requests_per_30s: Some(Self::SPOTIFY_REQUESTS_PER_30S),
            // Any redirect URI: the sandbox does not know the address Dropday is reached at.
            redirect_uris: Vec::new(),
            // What PKCE clients get from Spotify, so the sandbox exercises storing the newest refresh token.
            rotate_refresh_tokens: true,
            // No allow-list: any account name typed on the consent page may pre-save.
            allowed_users: None,
        }
    }

    fn odesli_options() -> FakeOdesliOptions {
        FakeOdesliOptions {
            requests_per_window: Self::ODESLI_REQUESTS_PER_MINUTE,
            window: Duration::from_secs(60),
            api_keys: Vec::new(),
            send_retry_after: true,
        }
    }
}
