//! What server functions and handlers need from the running server, provided to Leptos as context.
use super::clock::SharedClock;
use crate::types::AppError;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct ServerCtx {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The public base URL without a trailing slash, e.g. `https://links.example.com`.
    pub public_url: Arc<str>,
    /// The server's secret key: keys the throttle's hashes (and, later, encrypts tokens at rest).
    pub secret_key: Arc<[u8; 32]>,
    /// Anyone may create an account (and with it a new organization); otherwise only invitations add people.
    pub open_sign_up: bool,
    /// Set when SMTP is configured: wakes the email sender after a message is queued (it also polls, so a missed
    /// wake only delays delivery).
    pub email_queued: Hook,
    /// Called after a change to anything a fan page shows, so this instance's page cache drops stale pages at once
    /// (other instances' caches expire by their TTL).
    pub fan_pages_changed: Hook,
    /// Spotify and Odesli clients (or the sandbox's), when configured.
    pub catalog: crate::server::release_import::Catalog,
    /// Spotify pre-saves, when a Spotify app (or the sandbox) is configured.
    pub presaves: Option<crate::server::presave::Presaves>,
    /// Ad platforms: their clients (for "send a test event") and the key that seals pixel secrets.
    pub conversions: crate::server::conversions::Conversions,
    /// Stripe Checkout (or the sandbox's fake), when keys are configured: packages and base fees are sold
    /// only then.
    pub stripe: Option<crate::server::billing::stripe::StripeClient>,
}

impl ServerCtx {
    /// The context of the current server function call.
    pub fn current() -> Result<ServerCtx, AppError> {
        use_context::<ServerCtx>()
            .ok_or_else(|| AppError::internal("ServerCtx missing from the Leptos context"))
    }

    /// Cookies carry `Secure` (and the `__Host-` prefix) when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A callback into the server (the app crate cannot name the server's types). Unset hooks do nothing.
#[derive(Clone, Default)]
pub struct Hook(Option<Arc<dyn Fn() + Send + Sync>>);

impl Hook {
    pub fn new(callback: Arc<dyn Fn() + Send + Sync>) -> Hook {
        Hook(Some(callback))
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    pub fn call(&self) {
        if let Some(callback) = &self.0 {
            callback();
        }
    }
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_set() {
            "Hook(set)"
        } else {
            "Hook(unset)"
        })
    }
}
