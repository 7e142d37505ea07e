//! `PUT /api/v1/assets[?dry_run=true]`: the body is the archive, read up to the upload limit and
//! no further.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::access::Actor;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::metrics::Publish;
use crate::publish::Published;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishParams {
    /// Run every check and store nothing: `true`/`1` or `false`/`0` (default).
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/v1/assets",
    tag = "assets",
    operation_id = "publish",
    summary = "Publish a version",
    description = "The body is the archive; the manifest inside it is the only metadata. The \
                   first publisher of a name becomes its owner. A token without a publish scope \
                   is refused before the body is read.",
    params(PublishParams),
    request_body(content = crate::openapi::Archive, content_type = "application/octet-stream",
        description = "The `.osops` archive, at most the registry's upload limit (10 MiB by default)."),
    responses(
        (status = 201, description = "A new version.", body = Published),
        (status = 200, description = "A byte-identical re-publish, which changes nothing, or a dry run (`\"dry_run\": true`).", body = Published),
        (status = 400, description = "A bad `dry_run`, an empty body, an invalid archive or manifest, or an unknown need in `[needs] addresses`."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "The token lacks the scope (`publish-new`, `publish-update`) or a matching pattern, the user is not an owner, or is disabled."),
        (status = 409, description = "The version exists with different contents, or the new name looks like another user's asset."),
        (status = 413, description = "The body is over the upload limit."),
        (status = 429, description = "Past the `new-name` or `new-version` rate limit."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Result<Query<PublishParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    // A dry run, passed or refused, is not a publish (a bad `dry_run` value is refused as one).
    let dry_run = matches!(&params, Ok(Query(p)) if matches!(
        super::present(p.dry_run.clone()).as_deref(),
        Some("true" | "1")
    ));
    let answer = answer(&state, &actor, params, &headers, body).await;
    if let Some(outcome) = outcome(&answer).filter(|_| !dry_run) {
        state.metrics.count_publish(outcome);
    }
    answer
}

/// What `osops_publishes_total` counts this answer as: nothing for a server error (the request
/// counter has those).
fn outcome(answer: &Result<(StatusCode, Json<Published>), ApiError>) -> Option<Publish> {
    match answer {
        Ok((_, Json(published))) if published.dry_run => None,
        Ok((_, Json(published))) if published.new => Some(Publish::Created),
        Ok(_) => Some(Publish::AlreadyPublished),
        Err(e) if e.status().is_client_error() => Some(Publish::Refused),
        Err(_) => None,
    }
}

async fn answer(
    state: &AppState,
    actor: &Actor,
    params: Result<Query<PublishParams>, QueryRejection>,
    headers: &HeaderMap,
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
    crate::publish::require_some_publish_scope(actor)?;
    let limit = state.settings.limits.max_compressed;
    let bytes = read_limited(headers, body, limit).await?;
    let published = crate::publish::publish(state, actor, bytes, dry_run).await?;
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
