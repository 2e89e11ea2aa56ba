//! Releases from catalogs: a release made from a Spotify link, an artist's whole discography imported, and the
//! Odesli lookups that fill in every other service, per country. The slow parts run from a durable queue in the
//! database (`catalog_tasks`), worked by one server instance at a time (a named lease), so Odesli's rate limit
//! holds across instances and a restart loses nothing.
mod from_spotify;
mod links;
mod queue;

pub use from_spotify::{
    create_from_spotify, spotify_artist_id, start_artist_import, CreatedRelease,
};
pub use links::apply_lookup;
pub use queue::{
    enqueue_link_lookups, import_progress, link_progress, recent_lookup_errors, run_next,
    schedule_rechecks, take_lease, RunOutcome, LEASE_NAME, RECHECK_AFTER,
};

use super::catalog::{odesli::Odesli, spotify::SpotifyCatalog};
use crate::types::CountryCode;
use std::sync::Arc;

/// The catalog clients this server has, and the countries links are looked up for.
pub struct CatalogClients {
    /// `None` without Spotify credentials (and outside the sandbox): releases are made by hand.
    pub spotify: Option<SpotifyCatalog>,
    pub odesli: Option<Odesli>,
    /// The country whose answer fills in the services a release links to.
    pub default_country: CountryCode,
    /// Further countries asked for links that differ there (storefront URLs).
    pub countries: Vec<CountryCode>,
    /// `spotify` (real credentials) or `sandbox` (the local fakes).
    pub mode: &'static str,
}

/// Shared by server functions and the queue worker. `Debug` says only what is configured.
#[derive(Clone, Default)]
pub struct Catalog(pub Option<Arc<CatalogClients>>);

impl Catalog {
    pub fn spotify(&self) -> Option<&SpotifyCatalog> {
        self.0.as_ref()?.spotify.as_ref()
    }

    pub fn clients(&self) -> Option<&CatalogClients> {
        self.0.as_deref()
    }

    pub fn mode(&self) -> &'static str {
        self.0.as_ref().map_or("off", |clients| clients.mode)
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.clients() {
            Some(clients) => f
                .debug_struct("Catalog")
                .field("mode", &clients.mode)
                .field("spotify", &clients.spotify.is_some())
                .field("odesli", &clients.odesli.is_some())
                .finish(),
            None => f.write_str("Catalog(off)"),
        }
    }
}

/// `spotify:album:ID` → `https://open.spotify.com/album/ID`; the form Odesli and fans can open.
pub fn spotify_web_url(uri: &str) -> Option<String> {
    let mut parts = uri.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("spotify"), Some(kind), Some(id), None) if !kind.is_empty() && !id.is_empty() => {
            Some(format!("https://open.spotify.com/{kind}/{id}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spotify_uris_become_web_links() {
        assert_eq!(
            super::spotify_web_url("spotify:album:5AfterglowAtlasDemo001").as_deref(),
            Some("https://open.spotify.com/album/5AfterglowAtlasDemo001")
        );
        assert_eq!(super::spotify_web_url("https://open.spotify.com/x"), None);
        assert_eq!(super::spotify_web_url("spotify:album:"), None);
    }
}
