//! `POST /api/v1/tokens`, `GET /api/v1/tokens` and `DELETE /api/v1/tokens/{id}`: a user's own
//! tokens. A token only makes tokens no wider than itself (scopes, patterns, lifetime); the plain
//! token is in the answer to its creation and nowhere else.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::access::{Actor, Denied, Pattern, Scope, Scopes, pattern_list};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AuditAction, Revoked, TokenInfo};
use crate::tokens::{
    DEFAULT_EXPIRY_DAYS, TokenSpec, check_days, check_label, days_from_now, mint, rfc3339,
};

/// Largest token request body, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// What a new token may do; no wider than the token asking.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewToken)]
pub struct NewTokenBody {
    /// A label, 1 to 64 characters.
    #[schema(min_length = 1, max_length = 64)]
    name: String,
    /// At least one of `publish-new`, `publish-update`, `yank`, `change-owners`, `needs`.
    #[schema(min_items = 1)]
    scopes: Vec<String>,
    /// Asset-name globs (`nova-*`); none or empty means every asset.
    #[serde(default)]
    patterns: Option<Vec<String>>,
    /// 1 to 365; default 90, shortened to the asking token's expiry.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<u32>,
}

/// A new token; the only answer that holds the token itself.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CreatedToken)]
pub struct CreatedBody {
    id: i64,
    name: String,
    /// `osops_…`, 44 characters.
    token: String,
    #[schema(value_type = Vec<String>)]
    scopes: Scopes,
    /// Empty for every asset.
    #[schema(value_type = Vec<String>)]
    patterns: Vec<Pattern>,
    expires_at: Option<String>,
}

/// A token as its owner lists it, never its secret.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Token)]
pub struct TokenBody {
    id: i64,
    name: String,
    #[schema(value_type = Vec<String>)]
    scopes: Scopes,
    /// Empty for every asset.
    #[schema(value_type = Vec<String>)]
    patterns: Vec<Pattern>,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked: bool,
    /// The identity, for a token minted by trusted publishing.
    trusted_publisher: Option<String>,
}

impl From<TokenInfo> for TokenBody {
    fn from(t: TokenInfo) -> Self {
        TokenBody {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            patterns: t.patterns,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
            trusted_publisher: t.trusted_publisher,
        }
    }
}

/// The caller's tokens, oldest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = TokenList)]
pub struct ListBody {
    tokens: Vec<TokenBody>,
}

/// A revoked token.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = RevokedToken)]
pub struct RevokedBody {
    id: i64,
    /// Always `true`.
    revoked: bool,
}

/// `POST /api/v1/tokens` → 201 with the token, the only time it is shown.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "create_token",
    summary = "Create a token",
    description = "A token creates tokens no wider than itself: its scopes, within its \
                   patterns, never outliving it. Tokens minted by trusted publishing create none.",
    request_body(content = NewTokenBody, description = "At most 16 KiB."),
    responses(
        (status = 201, description = "The new token, shown only here.", body = CreatedBody),
        (status = 400, description = "Bad JSON, an unknown field, an empty or unknown scope, a bad pattern or name, or `expires_in_days` outside 1–365."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Wider than the asking token (a scope, a pattern, or outliving it), a trusted-publishing token, or a disabled user."),
        (status = 413, description = "The body is over 16 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    body: Result<Json<NewTokenBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    let Json(body) = body.map_err(|e| super::json_rejection(e, "a token request", MAX_BODY))?;
    let spec = spec(&actor, body)?;
    let minted = mint(
        state.tokens.as_ref(),
        &actor.user,
        &spec,
        AuditAction::TokenCreate,
        &actor.audit(),
    )
    .await?;
    tracing::info!(user = %actor.user.name, token = minted.info.id, "token created");
    let info = minted.info;
    Ok((
        StatusCode::CREATED,
        Json(CreatedBody {
            id: info.id,
            name: info.name,
            token: minted.token,
            scopes: info.scopes,
            patterns: info.patterns,
            expires_at: info.expires_at,
        }),
    ))
}

/// What the body asks for, if `actor`'s token may make it: 400 for a bad request, 403 for one
/// wider than the token making it.
fn spec(actor: &Actor, body: NewTokenBody) -> Result<TokenSpec, ApiError> {
    let name = check_label(&body.name).map_err(ApiError::bad_request)?;
    if body.scopes.is_empty() {
        return Err(ApiError::bad_request(format!(
            "`scopes` must name at least one scope (hint: scopes are {})",
            Scopes::all()
        )));
    }
    let scopes = body
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Scopes, _>>()
        .map_err(ApiError::bad_request)?;
    let mut patterns = body
        .patterns
        .unwrap_or_default()
        .iter()
        .map(|p| Pattern::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::bad_request)?;
    patterns.sort();
    patterns.dedup();
    let days = body
        .expires_in_days
        .map(check_days)
        .transpose()
        .map_err(ApiError::bad_request)?;

    let Some(grant) = &actor.grant else {
        return Err(ApiError::internal("a token request without a token"));
    };
    if grant.trusted_publisher.is_some() {
        return Err(Denied::Other(
            "tokens minted by trusted publishing cannot create tokens".into(),
        )
        .into());
    }
    for scope in scopes.iter() {
        if !grant.scopes.contains(scope) {
            return Err(Denied::Other(format!(
                "token lacks the `{scope}` scope, so it cannot create a token with it (its scopes: {}) \
                 (hint: ask only for scopes this token has)",
                grant.scopes
            ))
            .into());
        }
    }
    if !grant.patterns.is_empty() {
        let allowed = pattern_list(&grant.patterns);
        if patterns.is_empty() {
            return Err(Denied::Other(format!(
                "token may only act on assets matching {allowed}, so the new token needs patterns within them \
                 (hint: add `--pattern` with one of them)"
            ))
            .into());
        }
        if let Some(wider) = patterns
            .iter()
            .find(|p| !grant.patterns.iter().any(|g| g.covers(p)))
        {
            return Err(Denied::Other(format!(
                "token may only act on assets matching {allowed}, and pattern `{wider}` is wider \
                 (hint: use patterns within {allowed})"
            ))
            .into());
        }
    }
    // A token never outlives the token that made it. Without `expires_in_days` the default is
    // shortened to fit; an explicit ask that does not fit is refused.
    let requested = days_from_now(days.unwrap_or(DEFAULT_EXPIRY_DAYS));
    let expires_at = match grant.expires_at.as_deref() {
        Some(limit) if rfc3339(requested).as_str() > limit => {
            if days.is_some() {
                return Err(Denied::Other(format!(
                    "the new token would outlive this token, which expires on {limit} \
                     (hint: ask for fewer days, or leave `expires_in_days` out)"
                ))
                .into());
            }
            humantime::parse_rfc3339(limit).map_err(ApiError::internal)?
        }
        _ => requested,
    };
    Ok(TokenSpec {
        name,
        scopes,
        patterns,
        expires_at: Some(expires_at),
        trusted_publisher: None,
    })
}

/// `GET /api/v1/tokens`: the caller's tokens, oldest first, never their secrets.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "list_tokens",
    summary = "The caller's tokens",
    description = "Oldest first, revoked and expired ones included; never a token or its hash.",
    responses(
        (status = 200, description = "The caller's tokens.", body = ListBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "A disabled user."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<ListBody>, ApiError> {
    let tokens = state.tokens.tokens(actor.user.id).await?;
    Ok(Json(ListBody {
        tokens: tokens.into_iter().map(TokenBody::from).collect(),
    }))
}

/// `DELETE /api/v1/tokens/{id}`: revokes one of the caller's tokens; idempotent.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    operation_id = "revoke_token",
    summary = "Revoke one of the caller's tokens",
    description = "A token may revoke itself; revoking a revoked token answers 200 again.",
    params(("id" = i64, Path, description = "The token's id.")),
    responses(
        (status = 200, description = "The token is revoked.", body = RevokedBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "A disabled user."),
        (status = 404, description = "The caller has no such token (or the id is not a number)."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
) -> Result<Json<RevokedBody>, ApiError> {
    let not_found = || {
        ApiError::not_found(format!(
            "you have no token `{}` (hint: `osops token list` shows yours)",
            raw.escape_debug()
        ))
    };
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    match state
        .tokens
        .revoke_token(id, Some(actor.user.id), &actor.audit())
        .await?
    {
        Revoked::Now => {
            tracing::info!(user = %actor.user.name, token = id, "token revoked");
            Ok(Json(RevokedBody { id, revoked: true }))
        }
        Revoked::Already => Ok(Json(RevokedBody { id, revoked: true })),
        Revoked::NotFound => Err(not_found()),
    }
}
