//! The sparse index: `GET /index/config.json` and `GET /index/{prefix}/{name}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use osops_index::{AssetName, IndexConfig, NeedRecord, NeedStatus, index_path};

use crate::error::ApiError;
use crate::index_files::IndexFile;
use crate::state::AppState;

/// `GET /index/config.json`, with a strong ETag like every index file, so clients revalidate it
/// for the price of a `304`.
#[utoipa::path(
    get,
    path = "/index/config.json",
    tag = "index",
    operation_id = "index_config",
    summary = "The index's configuration",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag this file had: `304` if it still has it.")),
    responses(
        (status = 200, description = "Where to download archives and where the API is.",
            body = crate::openapi::IndexConfigSchema, headers(("ETag" = String, description = "Strong: the quoted sha256 of the body."))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag.", headers(("ETag" = String, description = "The tag."))),
        (status = 500, description = "The document could not be made."),
    )
)]
pub async fn config(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let url = &state.settings.public_url;
    let config = IndexConfig {
        dl: format!("{url}/api/v1/assets/{{name}}/{{version}}/download"),
        api: url.clone(),
        v: 1,
    };
    let body = serde_json::to_string(&config).map_err(ApiError::internal)?;
    tagged(&headers, "application/json", body)
}

/// One line per version, oldest (first published) first, with a strong ETag over the body.
#[utoipa::path(
    get,
    path = "/index/{*path}",
    tag = "index",
    operation_id = "index_file",
    summary = "An asset's index file",
    description = "One `IndexEntry` JSON object per line, in publish order (a file only grows at \
                   the end, except for `yanked` flips).",
    params(
        ("path" = String, Path,
            description = "`PREFIX/NAME` as cargo lays it out (`osops_index::index_path`), and so \
                           spanning segments: `2/ab`, `3/a/abc`, `no/va/nova-tools`."),
        ("If-None-Match" = Option<String>, Header, description = "An ETag this file had: `304` if it still has it."),
    ),
    responses(
        (status = 200, description = "The asset's versions.", body = crate::openapi::IndexFile,
            content_type = "text/plain; charset=utf-8", headers(("ETag" = String, description = "Strong: the quoted sha256 of the body."))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag.", headers(("ETag" = String, description = "The tag."))),
        (status = 404, description = "The name has no versions, the prefix is not the name's, or the name is not canonical."),
        (status = 500, description = "The store failed."),
    )
)]
pub async fn entries(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no index file `/index/{path}`"));
    let raw = path.rsplit('/').next().unwrap_or_default();
    let name = AssetName::parse(raw).map_err(|_| not_found())?;
    if index_path(&name) != path {
        return Err(not_found());
    }
    let file = match state.index_files.get(&name) {
        Ok(file) => file,
        Err(ticket) => {
            let entries = state.assets.index_entries(&name).await?;
            if entries.is_empty() {
                return Err(not_found());
            }
            let mut body = String::new();
            for entry in &entries {
                body.push_str(&serde_json::to_string(entry).map_err(ApiError::internal)?);
                body.push('\n');
            }
            let etag = HeaderValue::from_str(&crate::etag::of(body.as_bytes()))
                .map_err(ApiError::internal)?;
            let file = Arc::new(IndexFile {
                body: Bytes::from(body),
                etag,
            });
            state.index_files.keep(&name, Arc::clone(&file), ticket);
            file
        }
    };
    let etag = file.etag.clone();
    let matches = etag
        .to_str()
        .is_ok_and(|tag| crate::etag::none_match(&headers, tag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        ),
        (header::ETAG, etag),
    ];
    Ok((StatusCode::OK, headers, file.body.clone()).into_response())
}

/// `/index/needs.json`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct NeedsCatalog {
    /// Format version; 1.
    v: u32,
    /// By id.
    needs: Vec<CatalogItem>,
}

/// A need in the catalog.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = NeedsCatalogItem)]
struct CatalogItem {
    #[serde(flatten)]
    #[schema(value_type = crate::openapi::NeedRecordSchema)]
    record: NeedRecord,
    #[schema(value_type = crate::openapi::NeedStatusSchema)]
    status: NeedStatus,
    /// Why it was retired, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    retired_reason: Option<String>,
    votes: u64,
    /// The answering assets' names, sorted.
    answers: Vec<String>,
    /// RFC 3339, UTC.
    created_at: String,
    updated_at: String,
}

/// `GET /index/needs.json`: every need, by id, with its status, votes and answering assets'
/// names, with a strong ETag over the body.
#[utoipa::path(
    get,
    path = "/index/needs.json",
    tag = "index",
    operation_id = "index_needs",
    summary = "Every need, with status, votes and answers",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag this file had: `304` if it still has it.")),
    responses(
        (status = 200, description = "The needs catalog.", body = NeedsCatalog, headers(("ETag" = String, description = "Strong: the quoted sha256 of the body."))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag.", headers(("ETag" = String, description = "The tag."))),
        (status = 500, description = "The store failed."),
    )
)]
pub async fn needs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let needs = state.needs.needs_catalog().await?;
    let catalog = NeedsCatalog {
        v: 1,
        needs: needs
            .into_iter()
            .map(|n| CatalogItem {
                record: n.record,
                status: n.status,
                retired_reason: n.retired_reason,
                votes: n.votes,
                answers: n.answers,
                created_at: n.created_at,
                updated_at: n.updated_at,
            })
            .collect(),
    };
    let body = serde_json::to_string(&catalog).map_err(ApiError::internal)?;
    tagged(&headers, "application/json", body)
}

/// `body` with a strong ETag (its quoted sha256), or `304` when `If-None-Match` names it.
fn tagged(
    headers: &HeaderMap,
    content_type: &'static str,
    body: String,
) -> Result<Response, ApiError> {
    let etag = crate::etag::of(body.as_bytes());
    let etag_value = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    if crate::etag::none_match(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::ETAG, etag_value),
    ];
    Ok((StatusCode::OK, headers, body).into_response())
}
