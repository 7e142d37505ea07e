//! [`AppState`]: what every handler is handed, a `Clone` struct of `Arc`s.

use std::sync::Arc;

use crate::blobs::Blobs;
use crate::config::Settings;
use crate::rate_limit::RateLimiter;
use crate::store::{
    AssetStore, AuditStore, Health, NeedStore, OwnerStore, TokenStore, TrustedStore, UserStore,
};
use crate::trusted::TrustedPublishing;

#[derive(Clone)]
pub struct AppState {
    pub assets: Arc<dyn AssetStore>,
    pub needs: Arc<dyn NeedStore>,
    pub users: Arc<dyn UserStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub owners: Arc<dyn OwnerStore>,
    pub audit: Arc<dyn AuditStore>,
    /// Trusted publishers' rules and used identity-token ids.
    pub trusted_rules: Arc<dyn TrustedStore>,
    pub health: Arc<dyn Health>,
    pub blobs: Blobs,
    pub settings: Arc<Settings>,
    /// Per-process buckets (see [`crate::rate_limit`]).
    pub limiter: Arc<RateLimiter>,
    /// Trusted publishing's issuers: none unless the config file lists some.
    pub trusted: Arc<TrustedPublishing>,
}

impl AppState {
    /// State over one store that implements every store trait (SQLite does).
    pub fn new<S>(store: S, blobs: Blobs, settings: Settings) -> AppState
    where
        S: AssetStore
            + NeedStore
            + UserStore
            + TokenStore
            + OwnerStore
            + AuditStore
            + TrustedStore
            + Health
            + 'static,
    {
        let store = Arc::new(store);
        let limiter = Arc::new(RateLimiter::new(settings.rate_limits));
        AppState {
            assets: store.clone(),
            needs: store.clone(),
            users: store.clone(),
            tokens: store.clone(),
            owners: store.clone(),
            audit: store.clone(),
            trusted_rules: store.clone(),
            health: store,
            blobs,
            settings: Arc::new(settings),
            limiter,
            trusted: Arc::new(TrustedPublishing::default()),
        }
    }

    /// The same state, trusting `trusted`'s issuers.
    pub fn with_trusted_publishing(mut self, trusted: TrustedPublishing) -> AppState {
        self.trusted = Arc::new(trusted);
        self
    }
}
