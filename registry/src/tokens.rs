//! Making tokens: [`mint`] generates the secret, stores only its sha256 with the token's scopes,
//! patterns, expiry and trusted-publisher identity, and records the audit event, all in one
//! store call. The admin command `token create`, `POST /api/v1/tokens` and the trusted-publishing
//! exchange all go through it.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::access::{Pattern, Scopes};
use crate::store::{AuditAction, AuditActor, NewToken, StoreError, TokenInfo, TokenStore, User};

/// How long a token lives unless told otherwise.
pub const DEFAULT_EXPIRY_DAYS: u32 = 90;
/// The longest `expires_in_days` (API) and `--expires-in-days` (admin) accept.
pub const MAX_EXPIRY_DAYS: u32 = 365;

/// What to mint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// A label to tell the user's tokens apart.
    pub name: String,
    pub scopes: Scopes,
    /// Empty: every asset.
    pub patterns: Vec<Pattern>,
    /// `None`: never expires (admins only).
    pub expires_at: Option<SystemTime>,
    /// The identity, for a token minted by trusted publishing.
    pub trusted_publisher: Option<String>,
}

/// A minted token: the secret, shown once, and what was stored.
#[derive(Clone)]
pub struct Minted {
    pub token: String,
    pub info: TokenInfo,
}

impl fmt::Debug for Minted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minted")
            .field("token", &"<redacted>")
            .field("info", &self.info)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("cannot get random bytes for a token: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `now + days`.
pub fn days_from_now(days: u32) -> SystemTime {
    SystemTime::now() + Duration::from_secs(u64::from(days) * 86_400)
}

/// An RFC 3339 time as stored (`2026-11-23T15:21:06Z`).
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Mints a token for `user` and records `action` (normally [`AuditAction::TokenCreate`]; the
/// trusted-publishing exchange passes [`AuditAction::TrustedPublishingExchange`]) by `by`.
/// Checks nothing: callers decide what `user` and `by` may have.
pub async fn mint(
    tokens: &dyn TokenStore,
    user: &User,
    spec: &TokenSpec,
    action: AuditAction,
    by: &AuditActor,
) -> Result<Minted, MintError> {
    let token = crate::token::generate().map_err(|e| MintError::Random(e.to_string()))?;
    let new = NewToken {
        user: user.id,
        name: spec.name.clone(),
        sha256: crate::token::hash(&token),
        scopes: spec.scopes,
        patterns: spec.patterns.clone(),
        expires_at: spec.expires_at.map(rfc3339),
        trusted_publisher: spec.trusted_publisher.clone(),
    };
    let info = tokens.create_token(&new, action, by).await?;
    Ok(Minted { token, info })
}

/// A token label: 1 to 64 characters, no control characters.
pub fn check_label(name: &str) -> Result<String, String> {
    let name = name.trim();
    if (1..=64).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "token name `{}` must be 1 to 64 characters without control characters",
            name.escape_debug()
        ))
    }
}

/// `expires_in_days`: 1 to [`MAX_EXPIRY_DAYS`].
pub fn check_days(days: u32) -> Result<u32, String> {
    if (1..=MAX_EXPIRY_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "a token expires in 1 to {MAX_EXPIRY_DAYS} days, not {days}"
        ))
    }
}
