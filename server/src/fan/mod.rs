//! Serving fan pages fast: the rendered-page cache and where a fan is (for ordering and release moments).
pub mod cache;
pub mod country;

use axum::http::{header, HeaderMap};

/// A cookie of the request, as sent (fan-page cookies: the remembered service, consent, ad platforms' ids).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}
