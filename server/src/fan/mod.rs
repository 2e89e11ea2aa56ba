//! Serving fan pages fast: the rendered-page cache and where a fan is (for ordering and release moments).
pub mod cache;
pub mod country;
