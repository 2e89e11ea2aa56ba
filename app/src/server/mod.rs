//! Server-only code: database entities and queries, the request context server functions read, and helpers.
pub mod analytics;
pub mod auth;
pub mod billing;
pub mod catalog;
pub mod clock;
pub mod conversions;
pub mod csp;
pub mod ctx;
pub mod db;
pub mod demo;
pub mod entities;
pub mod fan;
pub mod import;
pub mod models;
pub mod presave;
pub mod release_import;
pub mod sealed;
pub mod testing;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use ctx::ServerCtx;
