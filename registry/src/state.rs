//! [`AppState`]: what every handler is handed, a `Clone` struct of `Arc`s.

use std::sync::Arc;

use crate::blobs::Blobs;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::store::{
    AssetStore, AuditStore, Health, NeedStore, OwnerStore, Store, TokenStore, TrustedStore,
    UserStore,
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
    /// What `GET /metrics` reports (see [`crate::metrics`]).
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over one store that implements every store trait.
    pub fn new(store: impl Store + 'static, blobs: Blobs, settings: Settings) -> AppState {
        AppState::from_store(Arc::new(store), blobs, settings)
    }

    /// State over an opened [`Store`] (see [`crate::store::Database::open`]).
    pub fn from_store(store: Arc<dyn Store>, blobs: Blobs, settings: Settings) -> AppState {
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
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// The same state, trusting `trusted`'s issuers.
    pub fn with_trusted_publishing(mut self, trusted: TrustedPublishing) -> AppState {
        self.trusted = Arc::new(trusted);
        self
    }
}
