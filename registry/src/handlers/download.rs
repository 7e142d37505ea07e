//! `GET /api/v1/assets/{name}/{version}/download`: the archive, from memory when it is small and
//! has been downloaded before (`crate::download_cache`), else streamed from blob storage.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::TryStreamExt;
use osops_index::AssetName;

use crate::blobs::BlobKey;
use crate::download_cache::{Located, MAX_ARCHIVE};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::version_key;

#[utoipa::path(
    get,
    path = "/api/v1/assets/{name}/{version}/download",
    tag = "assets",
    operation_id = "download",
    summary = "Download a version's archive",
    description = "Yanked versions stay downloadable. Counts a download; `HEAD` (answered by \
                   this route) counts nothing.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected)."), ("version" = String, Path, description = "A semver version, matched ignoring build metadata.")),
    responses(
        (status = 200, description = "The archive.", body = crate::openapi::Archive,
            content_type = "application/octet-stream",
            headers(
                ("Content-Length" = u64, description = "The archive's size in bytes."),
                ("Content-Disposition" = String, description = "`attachment; filename=\"NAME-VERSION.osops\"`."),
            )),
        (status = 404, description = "No such asset or version."),
        (status = 500, description = "The store or the blob storage failed."),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    method: Method,
    Path((raw_name, raw_version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let name = AssetName::canonical_form(&raw_name)
        .map_err(|e| ApiError::not_found(format!("no asset: {e}")))?;
    let version = semver::Version::parse(&raw_version)
        .map_err(|e| ApiError::not_found(format!("`{raw_version}` is not a version: {e}")))?;
    let key = version_key(&version);
    let located = match state.download_cache.version(&name, &key) {
        Some(located) => located,
        None => {
            let Some(info) = state.assets.version(&name, &key).await? else {
                return Err(ApiError::not_found(format!(
                    "`{name}` has no version `{version}`"
                )));
            };
            let located = Arc::new(Located {
                version: info.version,
                sha256: info.sha256,
                size: info.size,
            });
            state
                .download_cache
                .keep_version(&name, &key, Arc::clone(&located));
            located
        }
    };
    let (size, body) = archive_body(&state, &located.sha256).await?;
    // HEAD (answered by this GET route) fetches nothing, so counts nothing.
    if method != Method::HEAD {
        state.metrics.count_download();
        state.downloads.record(name.clone(), key);
    }
    // Names are `[a-z0-9-]` and versions semver (`[0-9A-Za-z.+-]`): nothing to escape or refuse.
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}-{}.osops\"",
        located.version
    ))
    .map_err(ApiError::internal)?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(size)),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((StatusCode::OK, headers, body).into_response())
}

/// The archive's size and body: a small archive from memory (read whole and kept the first
/// time), a larger one streamed from the blob store.
async fn archive_body(state: &AppState, sha256: &str) -> Result<(u64, Body), ApiError> {
    if let Some(bytes) = state.download_cache.archive(sha256) {
        return Ok((bytes.len() as u64, Body::from(bytes)));
    }
    let blob = state.blobs.get(&BlobKey::archive(sha256)?).await?;
    if blob.size > MAX_ARCHIVE {
        return Ok((blob.size, Body::from_stream(blob.stream)));
    }
    let chunks: Vec<Bytes> = blob.stream.try_collect().await?;
    let bytes = Bytes::from(chunks.concat());
    state.download_cache.keep_archive(sha256, bytes.clone());
    Ok((bytes.len() as u64, Body::from(bytes)))
}
