//! `GET|PUT|DELETE /api/v1/assets/{name}/owners`: who owns an asset, and owners adding or removing
//! users and teams (`team:NAME`). An asset never loses its last owner.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use osops_index::AssetName;

use crate::access::{Denied, Scope};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{OwnerRef, OwnersOutcome};

/// Largest owners body, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

#[derive(Debug, serde::Serialize)]
pub struct OwnerBody {
    kind: &'static str,
    name: String,
}

#[derive(Debug, serde::Serialize)]
pub struct OwnersBody {
    owners: Vec<OwnerBody>,
}

impl From<Vec<OwnerRef>> for OwnersBody {
    fn from(owners: Vec<OwnerRef>) -> Self {
        OwnersBody {
            owners: owners
                .into_iter()
                .map(|o| OwnerBody {
                    kind: o.kind(),
                    name: o.name().to_owned(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    owners: Vec<String>,
}

/// `GET /api/v1/assets/{name}/owners`: public.
pub async fn list(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<OwnersBody>, ApiError> {
    let name = asset_name(&raw)?;
    match state.owners.owners(&name).await? {
        Some(owners) => Ok(Json(owners.into())),
        None => Err(no_asset(&name)),
    }
}

/// `PUT /api/v1/assets/{name}/owners`: adds owners.
pub async fn add(
    state: State<AppState>,
    actor: Authenticated,
    path: Path<String>,
    body: Result<Json<ChangeBody>, JsonRejection>,
) -> Result<Json<OwnersBody>, ApiError> {
    change(state, actor, path, body, true).await
}

/// `DELETE /api/v1/assets/{name}/owners`: removes owners.
pub async fn remove(
    state: State<AppState>,
    actor: Authenticated,
    path: Path<String>,
    body: Result<Json<ChangeBody>, JsonRejection>,
) -> Result<Json<OwnersBody>, ApiError> {
    change(state, actor, path, body, false).await
}

async fn change(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
    body: Result<Json<ChangeBody>, JsonRejection>,
    add: bool,
) -> Result<Json<OwnersBody>, ApiError> {
    let name = asset_name(&raw)?;
    actor.require(Scope::ChangeOwners)?;
    actor.require_asset(&name)?;
    let Json(body) = body.map_err(|e| {
        super::json_rejection(e, "`{\"owners\": [\"user\", \"team:NAME\"]}`", MAX_BODY)
    })?;
    if body.owners.is_empty() {
        return Err(ApiError::bad_request(
            "`owners` must list at least one user or `team:NAME`",
        ));
    }
    let owners = body
        .owners
        .iter()
        .map(|o| OwnerRef::parse(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::bad_request)?;
    match state
        .owners
        .change_owners(&name, &actor, &owners, add)
        .await?
    {
        OwnersOutcome::Done(owners) => {
            tracing::info!(%name, user = %actor.user.name, add, "owners changed");
            Ok(Json(owners.into()))
        }
        OwnersOutcome::NoSuchAsset => Err(no_asset(&name)),
        OwnersOutcome::NotOwner { owners } => Err(Denied::NotOwner {
            user: actor.user.name.clone(),
            asset: name.to_string(),
            owners: owners.iter().map(ToString::to_string).collect(),
            action: "change its owners",
        }
        .into()),
        OwnersOutcome::Unknown(owner) => Err(ApiError::bad_request(match owner {
            OwnerRef::User(user) => format!(
                "no user `{user}` (hint: users are created by an administrator with `osops-registry user add`)"
            ),
            OwnerRef::Team(team) => format!(
                "no team `{team}` (hint: teams are created by an administrator with `osops-registry team add`)"
            ),
        })),
        OwnersOutcome::LastOwner => Err(ApiError::conflict(format!(
            "that would leave `{name}` without an owner; an asset always keeps at least one \
             (hint: add the new owner first, then remove the old one)"
        ))),
    }
}

/// `{name}` in any spelling that folds to a canonical name.
pub(crate) fn asset_name(raw: &str) -> Result<AssetName, ApiError> {
    AssetName::canonical_form(raw)
        .map_err(|e| ApiError::not_found(format!("no asset `{}`: {e}", raw.escape_debug())))
}

pub(crate) fn no_asset(name: &AssetName) -> ApiError {
    ApiError::not_found(format!(
        "no asset `{name}` (hint: `osops search` finds assets)"
    ))
}
