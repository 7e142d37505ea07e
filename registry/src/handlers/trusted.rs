//! Trusted publishing: `POST /api/v1/trusted-publishing/exchange` (an identity token for a
//! short-lived publish token), and owners' rules, `GET|POST /api/v1/assets/{name}/trusted-publishers`
//! and `DELETE /api/v1/assets/{name}/trusted-publishers/{id}`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use osops_index::AssetName;

use crate::access::{Actor, Denied, Scope};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::trusted::TrustedRule;
use crate::trusted::{self, claims};

/// Largest body of either POST: an identity token is a few kilobytes.
pub const MAX_BODY: usize = 32 * 1024;

/// An OIDC identity token to exchange.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = IdentityToken)]
pub struct ExchangeRequest {
    /// The identity token (a JWT, RS256 or ES256), at most 16 KiB.
    jwt: String,
}

/// A short-lived publish token for the assets whose rules match the identity.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ExchangedToken)]
pub struct ExchangeBody {
    /// `osops_…`, with scope `publish-update` and patterns that are exactly `assets`.
    token: String,
    /// As long as the identity token had left, but 5 to 30 minutes.
    expires_at: String,
    /// Sorted.
    assets: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/trusted-publishing/exchange",
    tag = "trusted-publishing",
    operation_id = "exchange_identity_token",
    summary = "Exchange an identity token for a publish token",
    description = "No `Authorization`: the identity token is the credential. It is checked in \
                   the order of docs/http-api.md (Trusted publishing), each refusal with its own \
                   `detail`, and used up once it verifies, even when no rule matches.",
    request_body(content = ExchangeRequest, description = "At most 32 KiB."),
    responses(
        (status = 200, description = "A publish token.", body = ExchangeBody),
        (status = 400, description = "JSON that is not `{\"jwt\": \"…\"}`."),
        (status = 401, description = "The identity token does not verify: not a JWT, an algorithm, issuer, key, signature, audience or time that does not fit, no `jti`, or a replay."),
        (status = 403, description = "No trusted publisher rule of any asset matches the identity."),
        (status = 413, description = "The body is over 32 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
        (status = 503, description = "The issuer's `jwks-url` cannot be fetched."),
    )
)]
pub async fn exchange(
    State(state): State<AppState>,
    body: Result<Json<ExchangeRequest>, JsonRejection>,
) -> Result<Json<ExchangeBody>, ApiError> {
    let Json(request) =
        body.map_err(|e| super::json_rejection(e, "`{\"jwt\": \"<identity token>\"}`", MAX_BODY))?;
    let exchanged = trusted::exchange(&state, request.jwt.trim(), SystemTime::now()).await?;
    Ok(Json(ExchangeBody {
        token: exchanged.token,
        expires_at: exchanged.expires_at,
        assets: exchanged.assets,
    }))
}

/// A trusted publisher rule to add.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewTrustedPublisher)]
pub struct RuleRequest {
    /// An issuer this registry trusts (its config file's `url`), exactly.
    issuer: String,
    /// Claim name to glob (`*` matches any run of characters, `/` included): 1 to 32 claims,
    /// not all `*`, none of `iss`, `aud`, `exp`, `nbf`, `iat`, `jti`.
    claims: BTreeMap<String, String>,
}

/// A trusted publisher rule: identity tokens of `issuer` whose claims match `claims` may publish
/// new versions of the asset.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = TrustedPublisher)]
pub struct RuleBody {
    id: i64,
    issuer: String,
    claims: BTreeMap<String, String>,
    created_at: String,
    created_by: String,
}

impl From<TrustedRule> for RuleBody {
    fn from(r: TrustedRule) -> Self {
        RuleBody {
            id: r.id,
            issuer: r.issuer,
            claims: r.claims,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// An asset's trusted publisher rules, oldest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = TrustedPublisherList)]
pub struct ListBody {
    trusted_publishers: Vec<RuleBody>,
}

/// A removed rule.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = RemovedTrustedPublisher)]
pub struct RemovedBody {
    id: i64,
    /// Always `true`.
    removed: bool,
}

/// `GET /api/v1/assets/{name}/trusted-publishers` (owners, any scope).
#[utoipa::path(
    get,
    path = "/api/v1/assets/{name}/trusted-publishers",
    tag = "trusted-publishing",
    operation_id = "list_trusted_publishers",
    summary = "An asset's trusted publisher rules",
    description = "Owners only (a team's members count), any scope, patterns matching the name.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it.")),
    responses(
        (status = 200, description = "The rules, oldest first.", body = ListBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a pattern that does not match, or a disabled user."),
        (status = 404, description = "No such asset."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
) -> Result<Json<ListBody>, ApiError> {
    let name = owned_asset(&state, &actor, &raw, None, "list its trusted publishers").await?;
    let rules = state.trusted_rules.trusted_rules(&name).await?;
    Ok(Json(ListBody {
        trusted_publishers: rules.into_iter().map(RuleBody::from).collect(),
    }))
}

/// `POST /api/v1/assets/{name}/trusted-publishers` (owners, scope `change-owners`): 201 and the
/// rule.
#[utoipa::path(
    post,
    path = "/api/v1/assets/{name}/trusted-publishers",
    tag = "trusted-publishing",
    operation_id = "add_trusted_publisher",
    summary = "Add a trusted publisher rule",
    description = "Owners only, with scope `change-owners` and patterns matching the name.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it.")),
    request_body(content = RuleRequest, description = "At most 32 KiB."),
    responses(
        (status = 201, description = "The rule.", body = RuleBody),
        (status = 400, description = "Bad JSON, an issuer the registry does not trust (the detail lists those it does), or claims that break a rule."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset."),
        (status = 409, description = "An identical rule exists."),
        (status = 413, description = "The body is over 32 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
    body: Result<Json<RuleRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RuleBody>), ApiError> {
    let name = owned_asset(
        &state,
        &actor,
        &raw,
        Some(Scope::ChangeOwners),
        "add trusted publishers",
    )
    .await?;
    let Json(rule) = body.map_err(|e| {
        super::json_rejection(
            e,
            "`{\"issuer\": \"https://…\", \"claims\": {\"repository\": \"org/repo\", …}}`",
            MAX_BODY,
        )
    })?;
    if state.trusted.issuer(&rule.issuer).is_none() {
        let issuers = state.trusted.issuer_urls();
        return Err(ApiError::bad_request(if issuers.is_empty() {
            format!(
                "issuer `{}` is not trusted by this registry, which trusts no issuer \
                 (hint: an administrator lists issuers under `[[trusted-publishing.issuer]]` in the registry's config file)",
                rule.issuer.escape_debug()
            )
        } else {
            format!(
                "issuer `{}` is not trusted by this registry; it trusts {}",
                rule.issuer.escape_debug(),
                issuers
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }));
    }
    claims::check_rule(&rule.claims).map_err(ApiError::bad_request)?;
    let added = state
        .trusted_rules
        .add_trusted_rule(&name, &rule.issuer, &rule.claims, &actor.user)
        .await?;
    tracing::info!(asset = %name, id = added.id, user = %actor.user.name, issuer = %added.issuer, "trusted publisher added");
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// `DELETE /api/v1/assets/{name}/trusted-publishers/{id}` (owners, scope `change-owners`).
#[utoipa::path(
    delete,
    path = "/api/v1/assets/{name}/trusted-publishers/{id}",
    tag = "trusted-publishing",
    operation_id = "remove_trusted_publisher",
    summary = "Remove a trusted publisher rule",
    description = "Owners only, with scope `change-owners` and patterns matching the name.",
    params(("name" = String, Path, description = "The asset's name, in any spelling that folds to it."), ("id" = i64, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule is removed.", body = RemovedBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not an owner, a missing scope or pattern, or a disabled user."),
        (status = 404, description = "No such asset, or the asset has no such rule."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((raw, raw_id)): Path<(String, String)>,
) -> Result<Json<RemovedBody>, ApiError> {
    let name = owned_asset(
        &state,
        &actor,
        &raw,
        Some(Scope::ChangeOwners),
        "remove trusted publishers",
    )
    .await?;
    let no_rule = || {
        ApiError::not_found(format!(
            "`{name}` has no trusted publisher `{}` (hint: `GET /api/v1/assets/{name}/trusted-publishers` lists them)",
            raw_id.escape_debug()
        ))
    };
    let id: i64 = raw_id.parse().map_err(|_| no_rule())?;
    match state.trusted_rules.remove_trusted_rule(&name, id).await? {
        Some(rule) => {
            tracing::info!(asset = %name, id, user = %actor.user.name, issuer = %rule.issuer, "trusted publisher removed");
            Ok(Json(RemovedBody { id, removed: true }))
        }
        None => Err(no_rule()),
    }
}

/// The asset named in the URL, if the actor's token has `scope` and covers it and the actor owns
/// it (directly or through a team): 404 without the asset, 403 naming the rule that refused.
async fn owned_asset(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    scope: Option<Scope>,
    action: &'static str,
) -> Result<AssetName, ApiError> {
    let name = AssetName::canonical_form(raw)
        .map_err(|e| ApiError::not_found(format!("no asset `{}`: {e}", raw.escape_debug())))?;
    if let Some(scope) = scope {
        actor.require(scope)?;
    }
    actor.require_asset(&name)?;
    match state.owners.is_owner(&name, actor.user.id).await? {
        None => Err(ApiError::not_found(format!(
            "no asset `{name}` (hint: trusted publishers are added to assets that exist: publish a first version with a token)"
        ))),
        Some(true) => Ok(name),
        Some(false) => {
            let owners = state.owners.owners(&name).await?.unwrap_or_default();
            Err(Denied::NotOwner {
                user: actor.user.name.clone(),
                asset: name.to_string(),
                owners: owners.iter().map(ToString::to_string).collect(),
                action,
            }
            .into())
        }
    }
}
