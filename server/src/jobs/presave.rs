//! The pre-save delivery worker: rounds of `app::server::presave::delivery` whenever pre-saves are due. Every
//! instance runs one; they share the configured Spotify rate by counting each other's heartbeats, and leases on
//! fans keep them from ever holding the same fan.
use super::BackgroundTasks;
use crate::config::Config;
use crate::sandbox::Sandbox;
use app::server::presave::delivery::{self, RateLimiter};
use app::server::presave::spotify_user::{SpotifyUser, SpotifyUserConfig};
use app::server::presave::{DeliverySettings, Presaves};
use app::server::sealed::TokenKeys;
use app::server::SharedClock;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

const HEARTBEAT: Duration = Duration::from_secs(10);
/// A worker not heard from for this long no longer takes a share of the rate.
const HEARTBEAT_LIFETIME: chrono::Duration = chrono::Duration::seconds(30);
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Finished logins and ended fan sessions are deleted this often.
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// The path Spotify sends fans back to; register `{public_url}/oauth/spotify/callback` with your Spotify app.
pub const CALLBACK_PATH: &str = "/oauth/spotify/callback";

/// The pre-save service from the configuration: the sandbox's fake Spotify when it runs, the real one with a client
/// id, none otherwise.
pub fn presaves(
    config: &Config,
    sandbox: Option<&Sandbox>,
    public_url: &str,
    secret_key: &[u8; 32],
) -> anyhow::Result<Option<Presaves>> {
    let redirect_url = format!("{public_url}{CALLBACK_PATH}");
    let timeout = Duration::from_secs(config.spotify_timeout_secs.max(1));
    let library_api = config.spotify_library_api.into();
    let spotify_config = match (sandbox, &config.spotify_client_id) {
        (Some(sandbox), _) => SpotifyUserConfig {
            timeout,
            ..sandbox.spotify_user_config(redirect_url, library_api)
        },
        (None, Some(client_id)) => SpotifyUserConfig {
            client_id: client_id.clone(),
            accounts_url: config.spotify_accounts_url.trim_end_matches('/').to_owned(),
            api_url: config.spotify_api_url.trim_end_matches('/').to_owned(),
            redirect_url,
            library_api,
            timeout,
        },
        (None, None) => return Ok(None),
    };
    if !(config.spotify_requests_per_second > 0.0 && config.spotify_requests_per_second.is_finite())
    {
        anyhow::bail!("--spotify-requests-per-second must be a positive number");
    }
    if config.presave_lease_secs < 3 * timeout.as_secs() {
        anyhow::bail!(
            "--presave-lease-secs ({}) must be at least three times --spotify-timeout-secs ({})",
            config.presave_lease_secs,
            timeout.as_secs()
        );
    }
    let previous: Vec<[u8; 32]> = config
        .previous_secret_keys()?
        .iter()
        .map(|key| *key.bytes())
        .collect();
    let spotify = SpotifyUser::new(spotify_config)
        .map_err(|error| anyhow::anyhow!("Spotify settings: {error}"))?;
    Ok(Some(Presaves {
        spotify,
        keys: Arc::new(TokenKeys::new(secret_key, &previous)),
        sandbox: sandbox.is_some(),
        delivery: DeliverySettings {
            requests_per_second: config.spotify_requests_per_second,
            lease: Duration::from_secs(config.presave_lease_secs),
            ..DeliverySettings::default()
        },
    }))
}

pub fn spawn(
    db: DatabaseConnection,
    clock: SharedClock,
    presaves: Presaves,
    wake: Arc<Notify>,
    tasks: &BackgroundTasks,
) {
    let holder = format!("instance-{}", hex::encode(rand::random::<[u8; 8]>()));
    tasks.spawn("presave-delivery", move |cancel| async move {
        let rate = presaves.delivery.requests_per_second;
        let limiter = RateLimiter::new(rate);
        let mut last_heartbeat: Option<tokio::time::Instant> = None;
        let mut last_cleanup: Option<tokio::time::Instant> = None;
        while !cancel.is_cancelled() {
            if last_heartbeat.is_none_or(|at| at.elapsed() >= HEARTBEAT) {
                match delivery::heartbeat(&db, &holder, clock.now(), HEARTBEAT_LIFETIME).await {
                    Ok(live) => limiter.set_rate(rate / live as f64),
                    Err(error) => tracing::warn!(%error, "pre-save worker heartbeat failed"),
                }
                if last_cleanup.is_none_or(|at| at.elapsed() >= CLEANUP_EVERY) {
                    if let Err(error) =
                        app::server::presave::logins::clean_up(&db, clock.now()).await
                    {
                        tracing::warn!(%error, "cleaning up old pre-save logins failed");
                    }
                    last_cleanup = Some(tokio::time::Instant::now());
                }
                last_heartbeat = Some(tokio::time::Instant::now());
            }
            // A round in hand is finished even during shutdown: its outcomes are recorded before we stop.
            let busy = match delivery::run_round(&db, &presaves, &limiter, &clock, &holder).await {
                Ok(report) => {
                    if report.did_work() {
                        tracing::debug!(?report, "pre-save delivery round");
                    }
                    report.did_work()
                }
                Err(error) => {
                    tracing::warn!(%error, "pre-save delivery round failed; retrying");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    () = tokio::time::sleep(IDLE_POLL) => {}
                    () = wake.notified() => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
        if let Err(error) = delivery::sign_off(&db, &holder).await {
            tracing::warn!(%error, "pre-save worker sign-off failed");
        }
    });
}
