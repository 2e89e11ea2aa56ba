//! Static files from the built site root: `/pkg/*` (WASM, JS, CSS from cargo-leptos) and the public assets
//! (icons, favicon, demo artwork). Each is its own route, so they never collide with `/{artist}` fan pages.
use crate::state::AppState;
use axum::http::{header, HeaderValue};
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Content-hashed files never change under their name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed public assets: cached a day, then revalidated.
const ONE_DAY: &str = "public, max-age=86400";

pub fn router(site_root: &Path, hashed_pkg: bool) -> Router<AppState> {
    let mut router = Router::new();
    let Ok(entries) = std::fs::read_dir(site_root) else {
        tracing::warn!(site_root = %site_root.display(), "no built site found: run through cargo-leptos to serve assets");
        return router;
    };
    let pkg_cache = if hashed_pkg { IMMUTABLE } else { "no-cache" };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let cache = if name == "pkg" { pkg_cache } else { ONE_DAY };
        let cache_layer = SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache),
        );
        if path.is_dir() {
            let service = ServeDir::new(&path).precompressed_br().precompressed_gzip();
            router = router.nest_service(
                &format!("/{name}"),
                tower::ServiceBuilder::new()
                    .layer(cache_layer)
                    .service(service),
            );
        } else {
            router = router.route_service(
                &format!("/{name}"),
                tower::ServiceBuilder::new()
                    .layer(cache_layer)
                    .service(ServeFile::new(&path)),
            );
        }
    }
    router
}
