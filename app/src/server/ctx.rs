//! What server functions and handlers need from the running server, provided to Leptos as context.
use super::clock::SharedClock;
use crate::types::AppError;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct ServerCtx {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The public base URL without a trailing slash, e.g. `https://links.example.com`.
    pub public_url: Arc<str>,
}

impl ServerCtx {
    /// The context of the current server function call.
    pub fn current() -> Result<ServerCtx, AppError> {
        use_context::<ServerCtx>()
            .ok_or_else(|| AppError::internal("ServerCtx missing from the Leptos context"))
    }
}
