//! `DELETE /api/v1/assets/{name}/{version}/yank` and `PUT /api/v1/assets/{name}/{version}/unyank`:
//! owners hide a version from resolution, search and needs' answers, or show it again. A yanked
//! version stays downloadable and in the index (with `"yanked": true`).

use axum::Json;
use axum::extract::{Path, State};
use osops_index::AssetName;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{YankOutcome, version_key};

#[derive(Debug, serde::Serialize)]
pub struct YankBody {
    name: String,
    version: String,
    yanked: bool,
}

pub async fn yank(
    state: State<AppState>,
    user: Authenticated,
    path: Path<(String, String)>,
) -> Result<Json<YankBody>, ApiError> {
    set(state, user, path, true).await
}

pub async fn unyank(
    state: State<AppState>,
    user: Authenticated,
    path: Path<(String, String)>,
) -> Result<Json<YankBody>, ApiError> {
    set(state, user, path, false).await
}

async fn set(
    State(state): State<AppState>,
    Authenticated(user): Authenticated,
    Path((raw_name, raw_version)): Path<(String, String)>,
    yanked: bool,
) -> Result<Json<YankBody>, ApiError> {
    let name = AssetName::canonical_form(&raw_name)
        .map_err(|e| ApiError::not_found(format!("no asset `{}`: {e}", raw_name.escape_debug())))?;
    let version = semver::Version::parse(&raw_version).map_err(|e| {
        ApiError::not_found(format!(
            "`{}` is not a version: {e}",
            raw_version.escape_debug()
        ))
    })?;
    match state
        .assets
        .set_yanked(&name, &version_key(&version), &user, yanked)
        .await?
    {
        YankOutcome::Done { version } => Ok(Json(YankBody {
            name: name.to_string(),
            version,
            yanked,
        })),
        YankOutcome::NoSuchVersion => Err(ApiError::not_found(format!(
            "`{name}` has no version `{version}` (hint: `osops info {name}` lists its versions)"
        ))),
        YankOutcome::NotOwner { owners } => Err(ApiError::forbidden(format!(
            "only the owners of `{name}` may {} its versions, and `{}` is not one of them (owners: {})",
            if yanked { "yank" } else { "unyank" },
            user.name,
            owners
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
