//! HTTP routes outside Leptos: a `router()` each.
pub mod assets;
pub mod exports;
pub mod fan;
pub mod health;
