//! [`AppState`]: what every handler is handed, a `Clone` struct of `Arc`s.

use std::sync::Arc;

use crate::blobs::Blobs;
use crate::config::Settings;
use crate::store::{AssetStore, Health, NeedStore, UserStore};

#[derive(Clone)]
pub struct AppState {
    pub assets: Arc<dyn AssetStore>,
    pub needs: Arc<dyn NeedStore>,
    pub users: Arc<dyn UserStore>,
    pub health: Arc<dyn Health>,
    pub blobs: Blobs,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// State over one store that implements every store trait (SQLite does).
    pub fn new<S>(store: S, blobs: Blobs, settings: Settings) -> AppState
    where
        S: AssetStore + NeedStore + UserStore + Health + 'static,
    {
        let store = Arc::new(store);
        AppState {
            assets: store.clone(),
            needs: store.clone(),
            users: store.clone(),
            health: store,
            blobs,
            settings: Arc::new(settings),
        }
    }
}
