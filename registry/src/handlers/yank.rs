//! `DELETE /api/v1/assets/{name}/{version}/yank` (optional body `{"reason": "…"}`) and
//! `PUT /api/v1/assets/{name}/{version}/unyank`: owners hide a version from resolution, search and
//! needs' answers, or show it again. A yanked version stays downloadable and in the index (with
//! `"yanked": true`).

use axum::Json;
use axum::extract::{Path, State};
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

#[derive(Debug, serde::Serialize)]
pub struct YankBody {
    name: String,
    version: String,
    yanked: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct YankRequest {
    reason: Option<String>,
}

pub async fn yank(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((name, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<YankBody>, ApiError> {
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
