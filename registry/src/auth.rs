//! Authentication: turning an `Authorization: Bearer` header into an [`Actor`].
//!
//! In order, each with its own answer: no header or another scheme (401), a malformed token (401,
//! decided by [`crate::token::check`] alone, before any database lookup), an unknown token (401),
//! a revoked token (401), an expired token (401), a disabled user (403). A token that passes has
//! its `last_used_at` set (at most once a minute, so reads do not turn into writes).

use std::time::{Duration, SystemTime};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::access::{Actor, Denied, Grant};
use crate::error::ApiError;
use crate::state::AppState;

/// How stale `last_used_at` may get before a use rewrites it.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The actor of a request with a valid token. Extracting it refuses the request before its body
/// is read.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "this needs an API token: send `Authorization: Bearer <token>` \
                 (hint: an administrator creates one with `osops-registry token create --user NAME`)",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = token else {
            return Err(ApiError::unauthorized(
                "the `Authorization` header must be `Bearer <token>`",
            ));
        };
        authenticate(state, token).await.map(Authenticated)
    }
}

/// The actor `token` stands for, or the refusal.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    if let Err(why) = crate::token::check(token) {
        return Err(ApiError::unauthorized(format!(
            "malformed token: {why} (hint: copy the whole token as `osops token create` or \
             `osops-registry token create` printed it)"
        )));
    }
    let Some(found) = state
        .tokens
        .token_by_hash(&crate::token::hash(token))
        .await?
    else {
        return Err(ApiError::unauthorized(
            "unknown token: this registry never issued it (hint: check `OSOPS_TOKEN` and `--registry`)",
        ));
    };
    let t = found.token;
    if let Some(at) = &t.revoked_at {
        return Err(ApiError::unauthorized(format!(
            "token was revoked on {at} (hint: create a new one with `osops token create`, or ask an administrator)"
        )));
    }
    let now = SystemTime::now();
    let now_text = crate::tokens::rfc3339(now);
    if let Some(at) = t
        .expires_at
        .as_deref()
        .filter(|at| *at <= now_text.as_str())
    {
        return Err(ApiError::unauthorized(format!(
            "token expired on {at} (hint: create a new one with `osops token create`, or ask an administrator)"
        )));
    }
    if found.user_disabled {
        return Err(Denied::Disabled(found.user.name).into());
    }
    let stale = crate::tokens::rfc3339(now - TOUCH_EVERY);
    if t.last_used_at
        .as_deref()
        .is_none_or(|at| at < stale.as_str())
    {
        // Bookkeeping: a failure here must not refuse the request.
        if let Err(e) = state.tokens.touch_token(t.id, &now_text).await {
            tracing::warn!(
                token = t.id,
                "cannot record the token's last use: {}",
                crate::error::chain(&e)
            );
        }
    }
    Ok(Actor {
        user: found.user,
        grant: Some(Grant {
            token_id: t.id,
            scopes: t.scopes,
            patterns: t.patterns,
            expires_at: t.expires_at,
            trusted_publisher: t.trusted_publisher,
        }),
    })
}
