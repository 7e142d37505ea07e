//! [`AppState`]: what every handler is handed, a `Clone` struct of `Arc`s.

use std::sync::Arc;

use crate::blobs::Blobs;
use crate::config::Settings;
use crate::download_cache::DownloadCache;
use crate::downloads::Downloads;
use crate::index_files::IndexFiles;
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
    /// Download counts on their way to the database (see [`crate::downloads`]).
    pub downloads: Downloads,
    /// Which archive each version is, and small archives' bytes (see
    /// [`crate::download_cache`]).
    pub download_cache: Arc<DownloadCache>,
    /// Index files kept in memory where this process is the only writer (see
    /// [`crate::index_files`]).
    pub index_files: Arc<IndexFiles>,
}

impl AppState {
    /// State over one store that implements every store trait. Starts the download counter's
    /// writer, so it must be called inside a tokio runtime.
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
            health: store.clone(),
            blobs,
            settings: Arc::new(settings),
            limiter,
            trusted: Arc::new(TrustedPublishing::default()),
            metrics: Arc::new(Metrics::new()),
            downloads: Downloads::start(store.clone()),
            download_cache: Arc::default(),
            index_files: Arc::new(IndexFiles::new(store.sole_writer())),
        }
    }

    /// The same state, trusting `trusted`'s issuers.
    pub fn with_trusted_publishing(mut self, trusted: TrustedPublishing) -> AppState {
        self.trusted = Arc::new(trusted);
        self
    }
}
