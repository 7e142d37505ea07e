//! `DELETE /api/v1/assets/{name}/{version}/yank` (optional body `{"reason": "…"}`) and
//! `PUT /api/v1/assets/{name}/{version}/unyank`: owners hide a version from resolution, search and
//! needs' answers, or show it again. A yanked version stays downloadable and in the index (with
//! `"yanked": true`).

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use osops_index::AssetName;

use crate::access::{Actor, Denied, Scope};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::rate_limit::RateAction;
use crate::state::AppState;
use crate::store::{Yank, YankOutcome, version_key};

/// Largest yank body accepted, in bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// Longest yank reason, in characters.
pub const MAX_REASON: usize = 500;

/// A version's yank state after a yank or unyank.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = YankState)]
pub struct YankBody {
    name: String,
    /// As published.
    version: String,
    yanked: bool,
}

/// The optional body of a yank.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct YankRequest {
    /// One line of at most 500 characters, trimmed; empty means none.
    #[schema(max_length = 500)]
    reason: Option<String>,
}

#[utoipa::path(
    delete,
    path = "/api/v1/assets/{name}/{version}/yank",
    tag = "assets",
    operation_id = "yank",
    summary = "Yank a version",
    description = "Hides the version from resolution, search and needs' answers; it stays \
                   downloadable and in the index with `\"yanked\": true`. Owners only, with scope \
                   `yank` and patterns matching the name. Idempotent: yanking a yanked version \
                   changes nothing, its first reason included.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected)."), ("version" = String, Path, description = "A semver version, matched ignoring build metadata.")),
    request_body(content = Option<YankRequest>, content_type = "application/json",
        description = "Optional, at most 16 KiB; an empty body means no reason."),
    responses(
        (status = 200, description = "The version is yanked.", body = YankBody),
        (status = 400, description = "A body that is not `{\"reason\": \"…\"}`, or a reason that is not one line of at most 500 characters."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset or version."),
        (status = 413, description = "The body is over 16 KiB."),
        (status = 429, description = "Past the `yank` rate limit."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn yank(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((name, version)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<YankBody>, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "the body is larger than the {MAX_BODY} bytes a yank may take"
            ))
        } else {
            ApiError::new(e.status(), e.body_text())
        }
    })?;
    let reason = reason(&body)?;
    set(
        &state,
        &actor,
        &name,
        &version,
        Yank::Yank {
            reason: reason.as_deref(),
        },
    )
    .await
}

#[utoipa::path(
    put,
    path = "/api/v1/assets/{name}/{version}/unyank",
    tag = "assets",
    operation_id = "unyank",
    summary = "Unyank a version",
    description = "Shows a yanked version again. As for a yank: owners only, scope `yank` \
                   (and its rate limit), idempotent.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected)."), ("version" = String, Path, description = "A semver version, matched ignoring build metadata.")),
    responses(
        (status = 200, description = "The version is not yanked.", body = YankBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset or version."),
        (status = 429, description = "Past the `yank` rate limit."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn unyank(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((name, version)): Path<(String, String)>,
) -> Result<Json<YankBody>, ApiError> {
    set(&state, &actor, &name, &version, Yank::Unyank).await
}

/// The reason of an optional `{"reason": "…"}` body: one line of at most [`MAX_REASON`]
/// characters (an empty one counts as none).
fn reason(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let request: YankRequest = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be empty or `{{\"reason\": \"…\"}}`: {e}"
        ))
    })?;
    let Some(reason) = request
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    if reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "the yank reason must be one line of at most {MAX_REASON} characters"
        )));
    }
    Ok(Some(reason))
}

async fn set(
    state: &AppState,
    actor: &Actor,
    raw_name: &str,
    raw_version: &str,
    yank: Yank<'_>,
) -> Result<Json<YankBody>, ApiError> {
    let name = AssetName::canonical_form(raw_name)
        .map_err(|e| ApiError::not_found(format!("no asset `{}`: {e}", raw_name.escape_debug())))?;
    let version = semver::Version::parse(raw_version).map_err(|e| {
        ApiError::not_found(format!(
            "`{}` is not a version: {e}",
            raw_version.escape_debug()
        ))
    })?;
    actor.require(Scope::Yank)?;
    actor.require_asset(&name)?;
    let permit = if actor.rate_limited() {
        Some(
            state
                .limiter
                .acquire(actor.rate_subject(), RateAction::Yank)?,
        )
    } else {
        None
    };
    let yanked = matches!(yank, Yank::Yank { .. });
    match state
        .assets
        .set_yanked(&name, &version_key(&version), actor, yank)
        .await?
    {
        YankOutcome::Done { version, changed } => {
            if changed {
                state.index_files.changed(&name);
            }
            if let (Some(permit), true) = (permit, changed) {
                permit.commit();
            }
            Ok(Json(YankBody {
                name: name.to_string(),
                version,
                yanked,
            }))
        }
        YankOutcome::NoSuchVersion => Err(ApiError::not_found(format!(
            "`{name}` has no version `{version}` (hint: `osops info {name}` lists its versions)"
        ))),
        YankOutcome::NotOwner { owners } => Err(Denied::NotOwner {
            user: actor.user.name.clone(),
            asset: name.to_string(),
            owners,
            action: if yanked {
                "yank its versions"
            } else {
                "unyank its versions"
            },
        }
        .into()),
    }
}
