//! The PostgreSQL [`AssetStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl AssetStore for PgStore {
    fn check_publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishCheck> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishOutcome> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn asset<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Option<AssetDetail>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn version<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
    ) -> StoreFuture<'a, Option<VersionInfo>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn index_entries<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Vec<IndexEntry>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn count_download<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn search_candidates<'a>(&'a self, q: Option<&'a str>) -> StoreFuture<'a, Vec<AssetSummary>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn set_yanked<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
        actor: &'a Actor,
        yank: Yank<'a>,
    ) -> StoreFuture<'a, YankOutcome> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn asset_count(&self) -> StoreFuture<'_, u64> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn dependents<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Vec<Dependent>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn catalog_counts(&self) -> StoreFuture<'_, CatalogCounts> {
        Box::pin(async move { Err(not_yet()) })
    }
}
