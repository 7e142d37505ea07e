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

/// A user or a team that owns an asset.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Owner)]
pub struct OwnerBody {
    /// `user` or `team`.
    #[schema(pattern = "^(user|team)$")]
    kind: &'static str,
    name: String,
}

/// An asset's owners: users, then teams, each by name.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Owners)]
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

/// Owners to add or remove.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OwnersChange)]
pub struct ChangeBody {
    /// User names and `team:NAME`s; at least one.
    #[schema(min_items = 1)]
    owners: Vec<String>,
}

/// `GET /api/v1/assets/{name}/owners`: public.
#[utoipa::path(
    get,
    path = "/api/v1/assets/{name}/owners",
    tag = "owners",
    operation_id = "list_owners",
    summary = "An asset's owners",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected).")),
    responses(
        (status = 200, description = "Its owners.", body = OwnersBody),
        (status = 404, description = "No such asset."),
        (status = 500, description = "The store failed."),
    )
)]
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
#[utoipa::path(
    put,
    path = "/api/v1/assets/{name}/owners",
    tag = "owners",
    operation_id = "add_owners",
    summary = "Add owners",
    description = "Owners only, with scope `change-owners` and patterns matching the name. \
                   Adding an owner twice changes nothing.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected).")),
    request_body(content = ChangeBody, description = "At most 16 KiB."),
    responses(
        (status = 200, description = "Every owner after the change.", body = OwnersBody),
        (status = 400, description = "Bad JSON, an empty list, a string that is neither a user name nor `team:NAME`, or an unknown user or team (nothing changes)."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset."),
        (status = 413, description = "The body is over 16 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn add(
    state: State<AppState>,
    actor: Authenticated,
    path: Path<String>,
    body: Result<Json<ChangeBody>, JsonRejection>,
) -> Result<Json<OwnersBody>, ApiError> {
    change(state, actor, path, body, true).await
}

/// `DELETE /api/v1/assets/{name}/owners`: removes owners.
#[utoipa::path(
    delete,
    path = "/api/v1/assets/{name}/owners",
    tag = "owners",
    operation_id = "remove_owners",
    summary = "Remove owners",
    description = "Owners only, with scope `change-owners` and patterns matching the name. \
                   Naming a user or team that is no owner changes nothing.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected).")),
    request_body(content = ChangeBody, description = "At most 16 KiB."),
    responses(
        (status = 200, description = "Every owner after the change.", body = OwnersBody),
        (status = 400, description = "Bad JSON, an empty list, a string that is neither a user name nor `team:NAME`, or an unknown user or team (nothing changes)."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset."),
        (status = 409, description = "The change would leave the asset without an owner (nothing changes)."),
        (status = 413, description = "The body is over 16 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
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
