//! The catalog worker: artist imports and Odesli link lookups from the `catalog_tasks` queue. Any number of
//! instances run it; a lease lets one work at a time, so Odesli's per-key rate holds across them, and a dead
//! holder's lease lapses. Tasks are rows: a crash or restart picks up where it stopped.
use super::BackgroundTasks;
use app::server::release_import::{self, Catalog, RunOutcome};
use app::server::SharedClock;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Renewed every `HEARTBEAT` while a task runs, so only a dead holder's lease lapses.
const LEASE: chrono::Duration = chrono::Duration::minutes(3);
const HEARTBEAT: Duration = Duration::from_secs(30);
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How often the worker looks for connected artists due a new look at their discography.
const RECHECK_EVERY: chrono::Duration = chrono::Duration::hours(1);

pub fn spawn(
    db: DatabaseConnection,
    clock: SharedClock,
    catalog: Catalog,
    pages_changed: Arc<dyn Fn() + Send + Sync>,
    tasks: &BackgroundTasks,
) {
    if catalog.clients().is_none() {
        return;
    }
    let holder = format!("instance-{}", hex::encode(rand::random::<[u8; 8]>()));
    tasks.spawn("catalog", move |cancel| async move {
        let Some(clients) = catalog.clients() else {
            return;
        };
        // Clock time, so tests that move the clock see the daily re-check.
        let mut last_recheck: Option<chrono::DateTime<chrono::Utc>> = None;
        loop {
            let work = async {
                let now = clock.now();
                let recheck_due = last_recheck.is_none_or(|at| now - at >= RECHECK_EVERY);
                if recheck_due
                    && release_import::take_lease(
                        &db,
                        release_import::LEASE_NAME,
                        &holder,
                        now,
                        LEASE,
                    )
                    .await?
                {
                    let queued = release_import::schedule_rechecks(&db, now).await?;
                    if queued > 0 {
                        tracing::info!(queued, "looking for new releases of connected artists");
                    }
                    last_recheck = Some(now);
                }
                // Renewed before every task, so the lease never lapses mid-task.
                while !cancel.is_cancelled()
                    && release_import::take_lease(
                        &db,
                        release_import::LEASE_NAME,
                        &holder,
                        clock.now(),
                        LEASE,
                    )
                    .await?
                {
                    let run = release_import::run_next(&db, clients, clock.now());
                    match with_heartbeat(run, || async {
                        // A long import (a big discography, rate-limit waits) keeps the lease while it runs.
                        if let Err(error) = release_import::take_lease(
                            &db,
                            release_import::LEASE_NAME,
                            &holder,
                            clock.now(),
                            LEASE,
                        )
                        .await
                        {
                            tracing::warn!(%error, "renewing the catalog lease failed");
                        }
                    })
                    .await?
                    {
                        RunOutcome::Idle => break,
                        RunOutcome::Ran {
                            pages_changed: true,
                        } => pages_changed(),
                        RunOutcome::Ran { .. } => {}
                    }
                }
                Ok::<_, app::types::AppError>(())
            };
            // A shutdown waits for the task in hand: its result is written before the process stops.
            if let Err(error) = work.await {
                tracing::warn!(%error, "catalog queue failed; retrying");
            }
            tokio::select! {
                () = tokio::time::sleep(IDLE_POLL) => {}
                () = cancel.cancelled() => break,
            }
        }
    });
}

/// Runs `work` to its end, calling `beat` every `HEARTBEAT` meanwhile.
async fn with_heartbeat<T, B, BF>(work: impl std::future::Future<Output = T>, beat: B) -> T
where
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
{
    tokio::pin!(work);
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await; // the first tick is immediate: the lease was just taken
    loop {
        tokio::select! {
            result = &mut work => return result,
            _ = ticks.tick() => beat().await,
        }
    }
}

/// The catalog clients from the configuration: the sandbox's fakes when it runs, else the real services (Spotify
/// only with credentials).
pub fn clients(
    config: &crate::config::Config,
    sandbox: Option<&crate::sandbox::Sandbox>,
) -> anyhow::Result<Catalog> {
    use app::server::catalog::odesli::{Odesli, OdesliConfig};
    use app::server::catalog::spotify::{SpotifyCatalog, SpotifyConfig};
    let (default_country, countries) = config.link_countries()?;
    let timeout = Duration::from_secs(10);
    let spotify_config = match sandbox {
        Some(sandbox) => Some(sandbox.spotify_config()),
        None => match (&config.spotify_client_id, &config.spotify_client_secret) {
            (Some(id), Some(secret)) => Some(SpotifyConfig {
                accounts_url: config.spotify_accounts_url.trim_end_matches('/').to_owned(),
                api_url: config.spotify_api_url.trim_end_matches('/').to_owned(),
                client_id: id.clone(),
                client_secret: secret.clone(),
                timeout,
                max_retry_wait: Duration::from_secs(5),
            }),
            (Some(_), None) | (None, Some(_)) => anyhow::bail!(
                "set both --spotify-client-id and --spotify-client-secret, or neither"
            ),
            (None, None) => None,
        },
    };
    let odesli_url = match sandbox {
        Some(sandbox) => sandbox.odesli.base_url().to_owned(),
        None => config.odesli_url.trim_end_matches('/').to_owned(),
    };
    // The sandbox's fake allows far more than the real free tier, so demos and tests do not wait minutes.
    let default_rate = match (sandbox.is_some(), config.odesli_api_key.is_some()) {
        (true, _) => 600,
        (false, true) => 60,
        (false, false) => 10,
    };
    let requests_per_minute = config.odesli_requests_per_minute.unwrap_or(default_rate);
    if requests_per_minute == 0 {
        anyhow::bail!("--odesli-requests-per-minute must be at least 1");
    }
    let odesli = Odesli::new(OdesliConfig {
        base_url: odesli_url,
        api_key: config.odesli_api_key.clone(),
        requests_per_minute,
        timeout,
        max_retry_wait: Duration::from_secs(60),
    });
    Ok(Catalog(Some(Arc::new(release_import::CatalogClients {
        spotify: spotify_config.map(SpotifyCatalog::new),
        odesli: Some(odesli),
        default_country,
        countries,
        mode: if sandbox.is_some() {
            "sandbox"
        } else {
            "spotify"
        },
    }))))
}
