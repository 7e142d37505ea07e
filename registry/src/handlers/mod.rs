//! One file per resource; each handler parses its input, calls the store or an operation, and
//! shapes the JSON of docs/http-api.md.

pub mod assets;
pub mod download;
pub mod health;
pub mod index;
pub mod publish;

use axum::http::{Method, Uri};

use crate::error::ApiError;

/// Unknown routes.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such resource `{}`", uri.path()))
}

/// Known routes, wrong method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("`{method}` is not allowed on `{}`", uri.path()),
    )
}
