//! One file per resource; each handler parses its input, calls the store or an operation, and
//! shapes the JSON of docs/http-api.md.

pub mod assets;
pub mod audit;
pub mod download;
pub mod health;
pub mod index;
pub mod needs;
pub mod owners;
pub mod publish;
pub mod tokens;
pub mod trusted;
pub mod yank;

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use osops_index::{AssetName, NameError};

use crate::error::ApiError;

/// The name in a URL path: already canonical, or another spelling of a canonical name (which the
/// API and the pages answer with a redirect to the canonical URL).
pub(crate) enum PathName {
    Canonical(AssetName),
    Respelled(AssetName),
}

/// What the path segment `raw` names; the error says why it names nothing.
pub(crate) fn path_name(raw: &str) -> Result<PathName, NameError> {
    match AssetName::parse(raw) {
        Ok(name) => Ok(PathName::Canonical(name)),
        Err(err) => AssetName::canonical_form(raw)
            .map(PathName::Respelled)
            .map_err(|_| err),
    }
}

/// A permanent redirect (308) to `location`, a path built from canonical values.
pub(crate) fn redirect(location: &str) -> Response {
    // Canonical names, kinds, services and releases are `[a-z0-9.-]`: always a valid header value.
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, value)]).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Known routes, wrong method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("`{method}` is not allowed on `{}`", uri.path()),
    )
}

/// A JSON body that could not be read as `what`: 400 for bad JSON, 413 past `max` bytes, 415
/// without `Content-Type: application/json`.
pub(crate) fn json_rejection(rejection: JsonRejection, what: &str, max: usize) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request(format!("the body is not {what}: {}", rejection.body_text()))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(format!(
            "the body is larger than the {max} bytes {what} may take"
        )),
        other => ApiError::new(other.status(), other.body_text()),
    }
}

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;

/// A query parameter, trimmed; empty counts as absent.
pub(crate) fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `page`: from 1 (default), bounded so that the offset stays in range.
pub(crate) fn page_number(value: Option<String>) -> Result<u32, ApiError> {
    number("page", value, 1, u32::MAX / MAX_PER_PAGE)
}

/// `per_page`: 1 to [`MAX_PER_PAGE`], default [`DEFAULT_PER_PAGE`].
pub(crate) fn per_page(value: Option<String>) -> Result<u32, ApiError> {
    number("per_page", value, DEFAULT_PER_PAGE, MAX_PER_PAGE)
}

fn number(name: &str, value: Option<String>, default: u32, max: u32) -> Result<u32, ApiError> {
    match present(value) {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`{name}` is `{v}`; it must be a whole number from 1 to {max}"
                ))
            }),
    }
}
