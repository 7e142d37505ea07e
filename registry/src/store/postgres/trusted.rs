//! The PostgreSQL [`TrustedStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl TrustedStore for PgStore {
    fn trusted_rules<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Vec<TrustedRule>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn trusted_rules_for_issuer<'a>(
        &'a self,
        issuer: &'a str,
    ) -> StoreFuture<'a, Vec<TrustedRule>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn add_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        issuer: &'a str,
        claims: &'a BTreeMap<String, String>,
        created_by: &'a User,
    ) -> StoreFuture<'a, TrustedRule> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn remove_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        id: RuleId,
    ) -> StoreFuture<'a, Option<TrustedRule>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn record_token_use<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: &'a str,
        now: &'a str,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { Err(not_yet()) })
    }
}
