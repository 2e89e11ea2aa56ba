//! The state every handler shares.
use crate::analytics::EventRecorder;
use crate::config::{Config, SecretKey};
use crate::fan::{cache::PageCache, country::CountryResolver};
use crate::jobs::BackgroundTasks;
use app::server::{ServerCtx, SharedClock};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub public_url: Arc<str>,
    pub secret_key: Arc<SecretKey>,
    pub leptos_options: LeptosOptions,
    pub tasks: BackgroundTasks,
    pub shutdown_timeout: Duration,
    pub pages: Arc<PageCache>,
    pub events: EventRecorder,
    pub country: Arc<CountryResolver>,
    /// Anyone may sign up (creating their own organization); otherwise invitations only.
    pub open_sign_up: bool,
    /// Wakes the email outbox worker after an email was queued; `None` when SMTP is not configured (no worker).
    pub outbox: Option<crate::jobs::outbox::Outbox>,
    /// What `/metrics` asks for; `None`: loopback only.
    pub metrics_token: Option<Arc<str>>,
    pub catalog: app::server::release_import::Catalog,
    /// The local fake Spotify and Odesli, kept running while the server runs (`--sandbox`).
    pub sandbox: Option<Arc<crate::sandbox::Sandbox>>,
    /// Spotify pre-saves (real or sandbox); `None` when no Spotify app is configured.
    pub presaves: Option<app::server::presave::Presaves>,
    /// Wakes the delivery worker (a "Save on Spotify" is due at once).
    pub presave_wake: Arc<tokio::sync::Notify>,
    /// Ad platforms' clients and pixel scripts (real, or the sandbox's fake).
    pub conversions: app::server::conversions::Conversions,
    /// Stripe Checkout (real, or the sandbox's fake); `None` when no Stripe keys are configured.
    pub stripe: Option<app::server::billing::stripe::StripeClient>,
}

impl AppState {
    /// Cookies carry `Secure` when fans reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// How server functions wake the email sender: set only when SMTP is configured and the worker runs.
    fn email_queued_hook(&self) -> app::server::ctx::Hook {
        match &self.outbox {
            Some(outbox) => app::server::ctx::Hook::new(outbox.wake_fn()),
            None => app::server::ctx::Hook::default(),
        }
    }

    /// What server functions see.
    pub fn server_ctx(&self) -> ServerCtx {
        ServerCtx {
            db: self.db.clone(),
            clock: self.clock.clone(),
            public_url: self.public_url.clone(),
            secret_key: Arc::new(*self.secret_key.bytes()),
            open_sign_up: self.open_sign_up,
            email_queued: self.email_queued_hook(),
            fan_pages_changed: {
                let pages = self.pages.clone();
                app::server::ctx::Hook::new(Arc::new(move || pages.clear()))
            },
            catalog: self.catalog.clone(),
            presaves: self.presaves.clone(),
            conversions: self.conversions.clone(),
            stripe: self.stripe.clone(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Leptos settings from our configuration. Content-hashed asset names are used when cargo-leptos wrote its
/// `hash.txt` beside the binary (it does with `hash-files = true`).
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file_present = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name(option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("dropday"))
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(config.listen_addr)
        .hash_files(hash_file_present)
        .build()
}
