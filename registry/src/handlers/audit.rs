//! `GET /api/v1/assets/{name}/audit`: an asset's audit events, newest first, for its owners.

use axum::Json;
use axum::extract::{Path, State};

use super::owners::{asset_name, no_asset};
use crate::access::Denied;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AuditEvent, AuditFilter};

/// An asset's audit log.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AuditLog)]
pub struct AuditBody {
    /// Newest first.
    events: Vec<AuditEvent>,
}

#[utoipa::path(
    get,
    path = "/api/v1/assets/{name}/audit",
    tag = "owners",
    operation_id = "asset_audit_log",
    summary = "An asset's audit log, for its owners",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it (not redirected).")),
    responses(
        (status = 200, description = "The asset's events, newest first.", body = AuditBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner (a team's members count), a pattern that does not match, or a disabled user."),
        (status = 404, description = "No such asset."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn asset_events(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
) -> Result<Json<AuditBody>, ApiError> {
    let name = asset_name(&raw)?;
    actor.require_asset(&name)?;
    match state.owners.is_owner(&name, actor.user.id).await? {
        None => return Err(no_asset(&name)),
        Some(false) => {
            let owners = state
                .owners
                .owners(&name)
                .await?
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect();
            return Err(Denied::NotOwner {
                user: actor.user.name.clone(),
                asset: name.to_string(),
                owners,
                action: "read its audit log",
            }
            .into());
        }
        Some(true) => {}
    }
    let events = state
        .audit
        .events(&AuditFilter {
            asset: Some(name.to_string()),
            actor: None,
        })
        .await?;
    Ok(Json(AuditBody { events }))
}
