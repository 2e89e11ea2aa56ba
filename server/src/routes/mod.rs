//! HTTP routes outside Leptos: a `router()` each.
pub mod assets;
pub mod fan;
pub mod health;
