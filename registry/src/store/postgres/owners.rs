//! The PostgreSQL [`OwnerStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl OwnerStore for PgStore {
    fn owners<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Option<Vec<OwnerRef>>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn is_owner<'a>(&'a self, asset: &'a AssetName, user: UserId) -> StoreFuture<'a, Option<bool>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn change_owners<'a>(
        &'a self,
        asset: &'a AssetName,
        actor: &'a Actor,
        owners: &'a [OwnerRef],
        add: bool,
    ) -> StoreFuture<'a, OwnersOutcome> {
        Box::pin(async move { Err(not_yet()) })
    }
}
