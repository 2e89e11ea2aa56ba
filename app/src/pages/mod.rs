//! Pages: the hydrated dashboard, and (server-only) the fan pages that load no WASM.
pub mod auth;
pub mod dashboard;

#[cfg(feature = "ssr")]
pub mod fan;
