//! The PostgreSQL [`TokenStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl TokenStore for PgStore {
    fn create_token<'a>(
        &'a self,
        new: &'a NewToken,
        action: AuditAction,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, TokenInfo> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn token_by_hash<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<TokenLookup>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn touch_token<'a>(&'a self, id: TokenId, at: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn tokens<'a>(&'a self, user: UserId) -> StoreFuture<'a, Vec<TokenInfo>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn revoke_token<'a>(
        &'a self,
        id: TokenId,
        owner: Option<UserId>,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, Revoked> {
        Box::pin(async move { Err(not_yet()) })
    }
}
