//! [`TrustedStore`]: trusted-publisher rules per asset, and the identity-token ids already
//! exchanged (so that an identity token works once). The publish token an exchange answers is
//! minted by [`crate::tokens::mint`] like any other.

use std::collections::BTreeMap;

use osops_index::AssetName;

use super::{StoreFuture, User};

pub type RuleId = i64;

/// An identity allowed to publish an asset: tokens of `issuer` whose every named claim matches
/// its glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRule {
    pub id: RuleId,
    pub asset: String,
    pub issuer: String,
    pub claims: BTreeMap<String, String>,
    pub created_at: String,
    pub created_by: String,
}

pub trait TrustedStore: Send + Sync {
    /// The asset's rules, oldest first; [`super::StoreError::NotFound`] if there is no such asset.
    fn trusted_rules<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Vec<TrustedRule>>;
    /// Every rule for this issuer, of every asset.
    fn trusted_rules_for_issuer<'a>(&'a self, issuer: &'a str)
    -> StoreFuture<'a, Vec<TrustedRule>>;
    /// Adds a rule; `NotFound` without the asset, `Conflict` if an identical rule exists.
    fn add_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        issuer: &'a str,
        claims: &'a BTreeMap<String, String>,
        created_by: &'a User,
    ) -> StoreFuture<'a, TrustedRule>;
    /// Removes the asset's rule `id`, returning it; `None` if the asset has no such rule.
    fn remove_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        id: RuleId,
    ) -> StoreFuture<'a, Option<TrustedRule>>;
    /// Records that the token `jti` of `issuer` was used, to be forgotten after `expires_at`
    /// (when the token is worthless anyway). `false` if it was already recorded: a replay.
    /// Forgets the ids that expired before `now` on the way.
    fn record_token_use<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: &'a str,
        now: &'a str,
    ) -> StoreFuture<'a, bool>;
}

/// The user minted tokens belong to. Created on demand; not an owner of anything: a token with
/// `trusted_publisher` set may publish new versions of exactly its patterns' assets.
pub const TRUSTED_PUBLISHER_USER: &str = "trusted-publisher";
