//! The PostgreSQL [`UserStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl UserStore for PgStore {
    fn create_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn ensure_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<User>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn account<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<UserAccount>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn users(&self) -> StoreFuture<'_, Vec<UserAccount>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn set_disabled<'a>(
        &'a self,
        name: &'a str,
        disabled: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn create_team<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Team> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn teams(&self) -> StoreFuture<'_, Vec<Team>> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn set_member<'a>(
        &'a self,
        team: &'a str,
        user: &'a str,
        member: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { Err(not_yet()) })
    }
}
