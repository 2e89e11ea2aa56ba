//! The one error type server functions return. Its messages are safe to show to a user; causes of internal errors
//! are logged on the server and never serialized.
use serde::{Deserialize, Serialize};
use server_fn_error::{FromServerFnError, ServerFnErrorErr};

// Re-exported under a local name so the rest of the file reads plainly.
mod server_fn_error {
    pub use leptos::server_fn::{
        codec::JsonEncoding,
        error::{FromServerFnError, ServerFnErrorErr},
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("please sign in")]
    Unauthorized,
    #[error("you do not have access to this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// Publishing needs access this organization sells or grants: the message says why and what to do.
    #[error("{0}")]
    PaymentRequired(String),
    /// Throttled (sign-in attempts): the message says when to try again.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    /// Deliberately opaque: the cause is in the server log, correlated by time and request span.
    #[error("something went wrong on our side; please try again")]
    Internal,
    /// The server function call itself failed (network, encoding): the text comes from the framework.
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::PaymentRequired(_) => 402,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// Logs `cause` and returns the opaque internal error, so a database message never reaches a browser.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = server_fn_error::JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::BadRequest(message)
            }
            ServerFnErrorErr::ServerError(message) => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %message, "server function error");
                let _ = message;
                AppError::Internal
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal(err)
    }
}
