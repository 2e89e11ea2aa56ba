//! The server's integration tests, one module per feature, compiled into a single test binary: one link instead
//! of one per file, which keeps `make test` minutes and gigabytes shorter. Run one feature with
//! `cargo test -p server --test integration presaves::`.
mod common;

mod accounts;
mod analytics;
mod authorization;
mod catalog_clients;
mod conversion_clients;
mod conversions;
mod email;
mod fan_pages;
mod load;
mod monetization;
mod presave_exactly_once;
mod presaves;
mod release_editor;
mod serving;
mod spotify_user_client;
mod stripe_client;
mod visitors;
