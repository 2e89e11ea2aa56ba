//! Errors of plain HTTP handlers. A user sees a short public message; causes are logged, never sent.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<app::types::AppError> for HttpError {
    fn from(error: app::types::AppError) -> Self {
        match error {
            app::types::AppError::NotFound => HttpError::NotFound,
            other => HttpError::Internal(format!("{other:?}")),
        }
    }
}

impl From<sea_orm::DbErr> for HttpError {
    fn from(error: sea_orm::DbErr) -> Self {
        HttpError::Internal(error.to_string())
    }
}

/// A dashboard route's error (exports, preview): its status and its public message, as server functions give it.
pub fn dashboard_error(error: app::types::AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.to_string()).into_response()
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        match self {
            HttpError::NotFound => {
                let page = app::pages::fan::render_not_found();
                crate::routes::fan::html_response(StatusCode::NOT_FOUND, page)
            }
            HttpError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.",
                )
                    .into_response()
            }
        }
    }
}
