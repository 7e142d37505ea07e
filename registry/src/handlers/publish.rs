//! `PUT /api/v1/assets[?dry_run=true]`: the body is the archive, read up to the upload limit and
//! no further.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::publish::Published;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct PublishParams {
    dry_run: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Result<Query<PublishParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let dry_run = match super::present(params.dry_run).as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`dry_run` is `{}`; it must be `true` or `false`",
                other.escape_debug()
            )));
        }
    };
    crate::publish::require_some_publish_scope(&actor)?;
    let limit = state.settings.limits.max_compressed;
    let bytes = read_limited(&headers, body, limit).await?;
    let published = crate::publish::publish(&state, &actor, bytes, dry_run).await?;
    let status = if published.new && !published.dry_run {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published)))
}

fn too_large(limit: u64) -> ApiError {
    ApiError::too_large(format!(
        "the archive is larger than this registry's upload limit of {limit} bytes \
         (hint: leave large files out with `asset.include` in osops.toml)"
    ))
}

/// The body, refused with 413 as soon as it is known to exceed `limit`: from `Content-Length`
/// before reading, else while streaming, never holding more than `limit` bytes. A body shorter than
/// its `Content-Length` fails in hyper and arrives here as a read error (400).
async fn read_limited(headers: &HeaderMap, body: Body, limit: u64) -> Result<Bytes, ApiError> {
    let declared = match headers.get(header::CONTENT_LENGTH) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request("the `Content-Length` header is not a number")
                })?,
        ),
    };
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let capacity = usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut buf = BytesMut::with_capacity(capacity);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    if buf.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty; it must be the `.osops` archive",
        ));
    }
    Ok(buf.freeze())
}
