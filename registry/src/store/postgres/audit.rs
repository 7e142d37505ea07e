//! The PostgreSQL [`AuditStore`]: being written.

#![allow(unused_variables, unused_imports)]

use crate::access::*;
use crate::store::trusted::*;
use crate::store::*;
use osops_index::*;
use std::collections::BTreeMap;
use super::{PgStore, not_yet};

impl AuditStore for PgStore {
    fn record<'a>(&'a self, event: &'a NewAuditEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move { Err(not_yet()) })
    }
    fn events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditEvent>> {
        Box::pin(async move { Err(not_yet()) })
    }
}
