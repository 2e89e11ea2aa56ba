//! The Dropday server: fan pages, the dashboard (Leptos), health and assets, background work, and a clean
//! shutdown. `run(config, listener, shutdown)` is the seam tests use to start the real server on port 0.
#![forbid(unsafe_code)]

pub mod analytics;
pub mod cli;
pub mod config;
pub mod conversions;
pub mod error;
pub mod fan;
pub mod geo;
pub mod jobs;
pub mod mail;
pub mod middleware;
pub mod routes;
pub mod sandbox;
pub mod shutdown;
pub mod state;
pub mod telemetry;

use anyhow::Context as _;
use app::server::{demo, SystemClock};
use axum::Router;
use config::{Config, Environment};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Opens and migrates the database, seeds demo data where asked, and builds the shared state.
pub async fn prepare(config: &Config) -> anyhow::Result<AppState> {
    prepare_with_clock(config, Arc::new(SystemClock)).await
}

/// `prepare` with a given clock: tests pass one they move, and every background job follows it.
pub async fn prepare_with_clock(
    config: &Config,
    clock: app::server::SharedClock,
) -> anyhow::Result<AppState> {
    let public_url = config.public_url()?;
    let secret_key = config.secret_key()?;
    let database_url = config.database_url()?;
    let mailer = mail::Mailer::from_config(config)?;
    let db = app::server::db::connect_and_migrate(&database_url)
        .await
        .context("opening and migrating the database")?;

    let first_start = demo::database_is_empty(&db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if config.demo || (first_start && config.environment == Environment::Development) {
        let outcome = demo::seed(&db, clock.now())
            .await
            .map_err(|e| anyhow::anyhow!("seeding demo data: {e}"))?;
        tracing::info!(?outcome, "demo data");
        if config.environment == Environment::Production {
            tracing::warn!("demo accounts with published passwords exist: remove them or do not use --demo here");
        }
        tracing::info!(
            "demo sign-in: {} / {} (admin), {} / {} (artist)",
            demo::DEMO_ADMIN_EMAIL,
            demo::DEMO_ADMIN_PASSWORD,
            demo::DEMO_ARTIST_EMAIL,
            demo::DEMO_ARTIST_PASSWORD
        );
    }

    let tasks = jobs::BackgroundTasks::new();
    let site = public_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(&public_url)
        .to_owned();
    let events = analytics::EventRecorder::start(db.clone(), &tasks, config.event_buffer, site);
    analytics::visitor::spawn_salt_cleanup(db.clone(), clock.clone(), &tasks);
    jobs::rollups::spawn(db.clone(), clock.clone(), &tasks);
    let country = fan::country::CountryResolver {
        country_header: header_name(config.country_header.as_deref(), "--country-header")?,
        client_ip_header: header_name(config.client_ip_header.as_deref(), "--client-ip-header")?,
        database: match &config.geoip_database {
            Some(path) => Some(geo::CountryDatabase::open(path)?),
            None => None,
        },
    };
    let sandbox = if config.sandbox() {
        let sandbox = start_sandbox(config.listen_addr, clock.clone()).await;
        tracing::info!(spotify = %sandbox.spotify.base_url(), odesli = %sandbox.odesli.base_url(), ads = %sandbox.ads.base_url(), stripe = %sandbox.stripe.base_url(), "sandbox: Spotify, Odesli, Meta, TikTok, GA4 and Stripe are local fakes");
        Some(Arc::new(sandbox))
    } else {
        None
    };
    let catalog = jobs::catalog::clients(config, sandbox.as_deref())?;
    let presaves =
        jobs::presave::presaves(config, sandbox.as_deref(), &public_url, secret_key.bytes())?;
    let previous_keys: Vec<[u8; 32]> = config
        .previous_secret_keys()?
        .iter()
        .map(|key| *key.bytes())
        .collect();
    let conversions = conversions::conversions(
        config,
        sandbox.as_deref(),
        Arc::new(app::server::sealed::TokenKeys::new(
            secret_key.bytes(),
            &previous_keys,
        )),
    )?;
    jobs::conversions::spawn(db.clone(), clock.clone(), conversions.clone(), &tasks);
    let stripe = stripe_client(config, sandbox.as_deref(), &public_url)?;
    let presave_wake = Arc::new(tokio::sync::Notify::new());
    if let Some(presaves) = &presaves {
        jobs::presave::spawn(
            db.clone(),
            clock.clone(),
            presaves.clone(),
            presave_wake.clone(),
            &tasks,
        );
    }
    let pages = Arc::new(fan::cache::PageCache::new(
        chrono::Duration::seconds(i64::try_from(config.page_cache_ttl_secs).unwrap_or(60)),
        10_000,
    ));
    {
        let pages = pages.clone();
        jobs::catalog::spawn(
            db.clone(),
            clock.clone(),
            catalog.clone(),
            Arc::new(move || pages.clear()),
            &tasks,
        );
    }
    // Started last: nothing after this can fail and leave the worker running without a server.
    let outbox = match mailer {
        Some(mailer) => {
            tracing::info!(smtp = %mailer.url(), from = %mailer.from_address(), "email goes out through SMTP");
            let outbox = jobs::outbox::Outbox::new();
            jobs::outbox::OutboxWorker::new(
                db.clone(),
                clock.clone(),
                Arc::new(mailer),
                outbox.clone(),
            )
            .start(&tasks);
            Some(outbox)
        }
        None => {
            tracing::info!("no --smtp-url: queued emails wait in the outbox, none are sent");
            None
        }
    };
    Ok(AppState {
        db,
        clock,
        public_url: public_url.into(),
        secret_key: Arc::new(secret_key),
        leptos_options: state::leptos_options(config),
        tasks,
        shutdown_timeout: Duration::from_secs(config.shutdown_timeout_secs),
        pages,
        events,
        country: Arc::new(country),
        open_sign_up: config.open_sign_up,
        outbox,
        metrics_token: config
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(Arc::from),
        catalog,
        sandbox,
        presaves,
        presave_wake,
        conversions,
        stripe,
    })
}

/// Stripe Checkout from the configuration, or the sandbox's fake Stripe (its webhooks come back to us).
fn stripe_client(
    config: &Config,
    sandbox: Option<&sandbox::Sandbox>,
    public_url: &str,
) -> anyhow::Result<Option<app::server::billing::stripe::StripeClient>> {
    use app::server::billing::stripe::{StripeClient, StripeConfig};
    let timeout = Duration::from_secs(20);
    let stripe_config = match (
        &config.stripe_secret_key,
        &config.stripe_webhook_secret,
        sandbox,
    ) {
        (Some(secret_key), Some(webhook_secret), _) => StripeConfig {
            api_url: config.stripe_api_url.trim_end_matches('/').to_owned(),
            secret_key: secret_key.clone(),
            webhook_secret: webhook_secret.clone(),
            timeout,
        },
        (Some(_), None, _) => anyhow::bail!(
            "--stripe-secret-key needs --stripe-webhook-secret: without webhooks, refunds would never take access back"
        ),
        (None, _, Some(sandbox)) => {
            sandbox
                .stripe
                .set_webhook_url(&format!("{public_url}{}", routes::stripe::WEBHOOK_PATH));
            sandbox.stripe.client_config(timeout)
        }
        (None, _, None) => return Ok(None),
    };
    StripeClient::new(stripe_config)
        .map(Some)
        .map_err(|error| anyhow::anyhow!("Stripe client: {error}"))
}

/// The sandbox's fakes next to the server's own port (+7, +8, +9) when they are free, so artwork URLs stored by an
/// earlier run keep working after a restart; elsewhere (port 0 in tests, or taken) on any free port.
async fn start_sandbox(listen: SocketAddr, clock: app::server::SharedClock) -> sandbox::Sandbox {
    if listen.port() != 0 {
        let near = |offset: u16| {
            let port = listen.port().checked_add(offset);
            async move {
                match port {
                    Some(port) => TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port))
                        .await
                        .ok(),
                    None => None,
                }
            }
        };
        if let (Some(spotify), Some(odesli), Some(ads), Some(stripe)) =
            (near(7).await, near(8).await, near(9).await, near(10).await)
        {
            match sandbox::Sandbox::start_on([spotify, odesli, ads, stripe], clock.clone()) {
                Ok(sandbox) => return sandbox,
                Err(error) => tracing::warn!(%error, "sandbox ports; using any free ones"),
            }
        }
    }
    sandbox::Sandbox::start(clock).await
}

fn header_name(value: Option<&str>, flag: &str) -> anyhow::Result<Option<axum::http::HeaderName>> {
    value
        .map(|name| {
            axum::http::HeaderName::try_from(name.trim())
                .with_context(|| format!("{flag}: {name:?} is not a valid header name"))
        })
        .transpose()
}

/// Prepares the state and serves until `shutdown` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = prepare(&config).await?;
    serve(state, listener, shutdown).await
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let leptos_options = state.leptos_options.clone();
    let hashed_pkg = leptos_options.hash_files;
    let hsts = state.public_url.starts_with("https://");
    let server_ctx = state.server_ctx();
    let leptos_routes = generate_route_list(app::App);
    let public_origin: Arc<str> = middleware::origin_of(&state.public_url).into();
    let resolver = state.country.clone();

    Router::new()
        .merge(routes::health::router())
        .merge(routes::exports::router())
        .merge(routes::preview::router())
        .merge(routes::api::router())
        .merge(routes::assets::router(
            std::path::Path::new(leptos_options.site_root.as_ref()),
            hashed_pkg,
        ))
        .leptos_routes_with_context(
            &state,
            leptos_routes,
            move || provide_context(server_ctx.clone()),
            move || app::shell(leptos_options.clone()),
        )
        .layer(axum::middleware::from_fn(
            middleware::server_fn_error_status,
        ))
        .layer(axum::middleware::from_fn(move |request, next| {
            middleware::client_ip(resolver.clone(), request, next)
        }))
        .merge(routes::presave::router())
        .merge(routes::stripe::router())
        .merge(routes::fan::router())
        .fallback(|| async { error::HttpError::NotFound })
        .layer(axum::middleware::from_fn(move |request, next| {
            middleware::refuse_cross_site(public_origin.clone(), request, next)
        }))
        .layer(axum::middleware::from_fn(move |request, next| {
            middleware::security_headers(hsts, request, next)
        }))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::request_span))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` completes; then in-flight requests and background tasks get the
/// configured drain timeout before the process lets go of them.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    let drain = state.shutdown_timeout;
    let tasks = state.tasks.clone();
    let db = state.db.clone();
    let app = router(state);
    tracing::info!(%address, "Dropday is listening");

    let connections = hyper_util::server::graceful::GracefulShutdown::new();
    let http = http_builder();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => serve_connection(&http, &connections, app.clone(), stream, peer),
                Err(error) => {
                    // Usually out of file descriptors: wait for some to free rather than spin.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(drain, connections.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?drain,
            "requests still open after the drain timeout; closing them"
        );
    }
    tasks.shutdown(drain).await;
    if let Err(error) = db.close().await {
        tracing::warn!(%error, "closing the database pool");
    }
    tracing::info!("Dropday stopped");
    Ok(())
}

/// HTTP/1.1 and HTTP/2 (prior knowledge) as axum serves them, with two differences. A client that sends its request
/// and closes its side (an in-app browser closing on a click-out) still gets the request handled, so the click is
/// counted: hyper's default drops such requests unhandled. And a client has 30 s to send its request headers.
fn http_builder() -> hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor> {
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        .half_close(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    builder
}

fn serve_connection(
    http: &hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    connections: &hyper_util::server::graceful::GracefulShutdown,
    app: Router,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    // Small responses (redirects, fan pages) go out at once rather than waiting on Nagle.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY");
    }
    let service =
        hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower::Service::call(&mut app.clone(), request)
        });
    let connection = connections.watch(
        http.serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .into_owned(),
    );
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::trace!(%error, "connection ended");
        }
    });
}
