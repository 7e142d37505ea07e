//! Trusted publishing: a CI job exchanges the OIDC identity token its CI system signed for a
//! short-lived publish token, so that no long-lived secret sits in the pipeline.
//!
//! - [`config`]: the `[[trusted-publishing.issuer]]` tables of the registry's config file.
//! - [`jwks`]: each issuer's signing keys, from a file or fetched from a URL.
//! - [`jwt`]: verifying an identity token (algorithm, issuer, key, signature, audience, times, id).
//! - [`claims`]: owners' rules (`{claim: glob}` per asset) and matching them.
//! - [`exchange`]: the operation behind `POST /api/v1/trusted-publishing/exchange`, independent of
//!   HTTP: verify, refuse a replayed `jti`, find the assets whose rules match, mint the token.
//!
//! The minted token has scope `publish-update` only, patterns exactly the matching assets' names,
//! and lives as long as the identity token has left, but at least [`MIN_LIFETIME`] and at most
//! [`MAX_LIFETIME`]. Rules exist only for existing assets and the scope cannot create a name, so
//! trusted publishing never creates new names.

pub mod claims;
pub mod config;
pub mod jwks;
pub mod jwt;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::access::{Pattern, Scope};
use crate::error::{ApiError, Error};
use crate::state::AppState;
use crate::store::trusted::TRUSTED_PUBLISHER_USER;
use crate::store::{AuditAction, AuditActor, StoreError};
use crate::tokens::{MintError, TokenSpec};
use config::TrustedPublishingConfig;
use jwks::IssuerKeys;

/// Longest a minted token lives.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Shortest: an identity token about to expire still buys time for one upload.
pub const MIN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The configured issuers and their keys. Without issuers every exchange is refused.
#[derive(Debug, Default)]
pub struct TrustedPublishing {
    issuers: Vec<Issuer>,
}

/// One trusted issuer.
#[derive(Debug)]
pub struct Issuer {
    /// The `iss` its tokens carry.
    pub url: String,
    pub audience: String,
    pub keys: IssuerKeys,
}

impl TrustedPublishing {
    /// Loads every issuer's keys: `jwks-file`s must read, `jwks-url`s are fetched (a failure
    /// is logged and retried later).
    pub async fn from_config(config: &TrustedPublishingConfig) -> Result<TrustedPublishing, Error> {
        let mut client: Option<reqwest::Client> = None;
        let mut issuers = Vec::with_capacity(config.issuers.len());
        for issuer in &config.issuers {
            let location = issuer.jwks()?;
            let keys = IssuerKeys::load(&issuer.url, &location, || match &client {
                Some(c) => Ok(c.clone()),
                None => {
                    let c = jwks::http_client()?;
                    client = Some(c.clone());
                    Ok(c)
                }
            })
            .await?;
            tracing::info!(issuer = %issuer.url, audience = %issuer.audience, "trusting identity tokens of this issuer");
            issuers.push(Issuer {
                url: issuer.url.clone(),
                audience: issuer.audience.clone(),
                keys,
            });
        }
        Ok(TrustedPublishing { issuers })
    }

    /// Adds an issuer with keys already at hand (tests, and embedders).
    pub fn with_issuer(mut self, url: &str, audience: &str, keys: IssuerKeys) -> TrustedPublishing {
        self.issuers.push(Issuer {
            url: url.to_owned(),
            audience: audience.to_owned(),
            keys,
        });
        self
    }

    pub fn issuer(&self, iss: &str) -> Option<&Issuer> {
        self.issuers.iter().find(|i| i.url == iss)
    }

    /// The configured issuers' URLs, in config order.
    pub fn issuer_urls(&self) -> Vec<&str> {
        self.issuers.iter().map(|i| i.url.as_str()).collect()
    }
}

/// Why an exchange was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// 401: the identity token itself is not acceptable; the text says why.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a valid identity that no rule lets publish anything.
    #[error("{0}")]
    Forbidden(String),
    /// 503: an issuer's keys could not be fetched.
    #[error("{detail}")]
    Unavailable { detail: String, cause: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mint(#[from] MintError),
    /// A matching asset's name is no token pattern (cannot happen for canonical names).
    #[error("asset name `{0}` is not a token pattern")]
    Pattern(String),
}

impl From<ExchangeError> for ApiError {
    fn from(err: ExchangeError) -> Self {
        match err {
            ExchangeError::Unauthorized(text) => ApiError::unauthorized(text),
            ExchangeError::Forbidden(text) => ApiError::forbidden(text),
            ExchangeError::Unavailable { detail, cause } => ApiError::unavailable(detail, cause),
            ExchangeError::Store(e) => e.into(),
            ExchangeError::Mint(MintError::Store(e)) => e.into(),
            ExchangeError::Mint(_) | ExchangeError::Pattern(_) => ApiError::internal(err),
        }
    }
}

/// A successful exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanged {
    /// The plain token, returned once and stored only as its sha256.
    pub token: String,
    pub token_id: i64,
    pub expires_at: String,
    /// Sorted; exactly the token's patterns.
    pub assets: Vec<String>,
    /// `{iss} ({main claims})`, as recorded on the token and in the audit log.
    pub identity: String,
}

/// The label of minted tokens in token listings; the identity is their `trusted_publisher`.
pub const TOKEN_NAME: &str = "trusted publishing";

/// Exchanges the identity token `jwt` as of `now` (the handler passes the clock; tests may not).
pub async fn exchange(
    state: &AppState,
    jwt: &str,
    now: SystemTime,
) -> Result<Exchanged, ExchangeError> {
    let trusted = &state.trusted;
    let verified = jwt::verify(trusted, jwt, now).await.map_err(|e| {
        if trusted.issuers.is_empty()
            && let ExchangeError::Unauthorized(text) = e
        {
            return ExchangeError::Unauthorized(format!(
                "{text} (this registry trusts no issuer: trusted publishing is not configured)"
            ));
        }
        e
    })?;
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let summary = claims::summary(&verified.claims);
    // Every verified identity token works once, whatever it is then refused for.
    let first_use = state
        .trusted_rules
        .record_token_use(
            &verified.issuer,
            &verified.jti,
            &jwt::rfc3339(verified.exp.saturating_add(jwt::LEEWAY.as_secs())),
            &jwt::rfc3339(now_secs),
        )
        .await?;
    if !first_use {
        return Err(ExchangeError::Unauthorized(
            "identity token was already used (replay); request a new one from the CI system".into(),
        ));
    }
    let rules = state
        .trusted_rules
        .trusted_rules_for_issuer(&verified.issuer)
        .await?;
    let mut assets: Vec<String> = rules
        .into_iter()
        .filter(|rule| claims::rule_matches(&rule.claims, &verified.claims))
        .map(|rule| rule.asset)
        .collect();
    assets.sort();
    assets.dedup();
    if assets.is_empty() {
        return Err(ExchangeError::Forbidden(format!(
            "no trusted publisher rule of any asset matches this identity ({summary}) of issuer `{}` \
             (hint: an owner of the asset adds a rule with `osops trusted-publisher add`)",
            verified.issuer
        )));
    }
    let left = Duration::from_secs(verified.exp.saturating_sub(now_secs));
    let lifetime = left.clamp(MIN_LIFETIME, MAX_LIFETIME);
    let expires_at = UNIX_EPOCH + Duration::from_secs(now_secs.saturating_add(lifetime.as_secs()));
    let identity = format!("{} ({summary})", verified.issuer);
    let patterns = assets
        .iter()
        .map(|name| Pattern::parse(name).map_err(|_| ExchangeError::Pattern(name.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = TokenSpec {
        name: TOKEN_NAME.into(),
        scopes: [Scope::PublishUpdate].into_iter().collect(),
        patterns,
        expires_at: Some(expires_at),
        trusted_publisher: Some(identity.clone()),
    };
    // The system user owns nothing: the token's patterns and `trusted_publisher` are what let it
    // publish new versions of exactly these assets.
    let user = state.users.ensure_user(TRUSTED_PUBLISHER_USER).await?;
    let by = AuditActor {
        name: user.name.clone(),
        token_id: None,
        trusted_publisher: Some(identity.clone()),
    };
    let minted = crate::tokens::mint(
        state.tokens.as_ref(),
        &user,
        &spec,
        AuditAction::TrustedPublishingExchange,
        &by,
    )
    .await?;
    let expires_at = minted.info.expires_at.clone().unwrap_or_default();
    let token_id = minted.info.id;
    let token = minted.token;
    tracing::info!(%identity, assets = %assets.join(","), token_id, %expires_at, "trusted publishing exchange");
    Ok(Exchanged {
        token,
        token_id,
        expires_at,
        assets,
        identity,
    })
}

/// Text from outside (an identity token's claims) for a message: escaped, so control characters
/// cannot forge lines, and cut at `max` characters with `…`.
fn shorten(text: &str, max: usize) -> String {
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() <= max {
        escaped
    } else {
        let mut cut: String = escaped.chars().take(max).collect();
        cut.push('…');
        cut
    }
}
