//! HTTP routes outside Leptos: a `router()` each.
pub mod api;
pub mod assets;
pub mod exports;
pub mod fan;
pub mod health;
pub mod presave;
pub mod preview;
pub mod stripe;
