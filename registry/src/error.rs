//! Errors: [`ApiError`], the one error every handler returns, rendered as RFC 7807
//! `application/problem+json`; and [`Error`], what starting the registry or its admin commands can
//! fail with.

use std::error::Error as StdError;
use std::path::PathBuf;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::blobs::BlobError;
use crate::store::StoreError;

/// What a client is told about a 5xx; the cause goes to the log.
pub const INTERNAL_DETAIL: &str = "internal error; see the registry's log";

type Cause = Box<dyn StdError + Send + Sync>;

/// An HTTP error answer: a status and a `detail` sentence for a human. For 5xx the `detail` sent is
/// always [`INTERNAL_DETAIL`] and the cause is logged instead.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    cause: Option<Cause>,
    /// `Retry-After`, in seconds (429).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            cause: None,
            retry_after: None,
        }
    }

    /// A 429 with `Retry-After: seconds`.
    pub fn too_many_requests(detail: impl Into<String>, retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail)
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// A 500 whose cause is logged, not sent.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: INTERNAL_DETAIL.into(),
            cause: Some(cause.into()),
            retry_after: None,
        }
    }

    /// A 503 whose cause is logged, not sent.
    pub fn unavailable(detail: impl Into<String>, cause: impl Into<Cause>) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            detail: detail.into(),
            cause: Some(cause.into()),
            retry_after: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// `error: cause: cause…`, the whole source chain on one line.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An RFC 7807 problem: the body of every 4xx/5xx answer of the API.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Not Found", "status": 404,
    "detail": "no asset `nova-tools` (hint: `osops search` finds assets)"}))]
pub(crate) struct Problem<'a> {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The status's reason phrase.
    title: &'a str,
    /// The HTTP status.
    status: u16,
    /// A sentence for a human, naming the value in backticks and saying how to fix it; for 5xx
    /// always "internal error; see the registry's log".
    detail: &'a str,
}

impl ApiError {
    /// Logs a 5xx with its cause; the API and the web pages call it before answering.
    pub fn log_if_server_error(&self) {
        if self.status.is_server_error() {
            match &self.cause {
                Some(cause) => {
                    tracing::error!(status = self.status.as_u16(), "{}", chain(cause.as_ref()))
                }
                None => tracing::error!(status = self.status.as_u16(), "{}", self.detail),
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log_if_server_error();
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
        };
        let mut response = (self.status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"osops\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(text) => ApiError::conflict(text),
            StoreError::NotFound(text) => ApiError::not_found(text),
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::rate_limit::Limited> for ApiError {
    fn from(limited: crate::rate_limit::Limited) -> Self {
        ApiError::too_many_requests(limited.to_string(), limited.retry_after.as_secs())
    }
}

impl From<crate::tokens::MintError> for ApiError {
    fn from(err: crate::tokens::MintError) -> Self {
        match err {
            crate::tokens::MintError::Store(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(err: BlobError) -> Self {
        ApiError::internal(err)
    }
}

/// Why the registry could not start, or an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot use `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on `{addr}`")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server failed")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the blob storage failed")]
    Blob(#[from] BlobError),
    /// A bad flag or argument; the text names it and says how to fix it.
    #[error("{0}")]
    Invalid(String),
    #[error("no user `{0}` (hint: create it with `osops-registry user add {0}`)")]
    NoSuchUser(String),
    #[error(transparent)]
    Mint(#[from] crate::tokens::MintError),
}
