//! The PostgreSQL [`NeedStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl NeedStore for PgStore {
    fn create_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
    ) -> StoreFuture<'a, NeedDetail> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn put_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
        rule: UpdateRule,
    ) -> StoreFuture<'a, PutNeed> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn need<'a>(&'a self, id: &'a AssetName) -> StoreFuture<'a, Option<NeedDetail>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn need_candidates<'a>(&'a self, q: Option<&'a str>) -> StoreFuture<'a, Vec<NeedSummary>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn vote<'a>(&'a self, id: &'a AssetName, user: UserId, voted: bool) -> StoreFuture<'a, u64> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn retire_need<'a>(&'a self, id: &'a AssetName, reason: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn needs_catalog(&self) -> StoreFuture<'_, Vec<CatalogNeed>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn unknown_needs<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move { Err(not_yet()) })
    }
}
