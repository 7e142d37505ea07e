//! Index files served from memory: each asset's `/index/…` body and its ETag, made once per
//! change instead of once per request.
//!
//! Index reads are the registry's hottest path (every install, every CI run) and change only
//! when a version is published, yanked or unyanked. The cache is on only where every such change
//! goes through this process, which [`crate::store::Store::sole_writer`] tells (the embedded
//! SQLite store); replicas sharing PostgreSQL read the database each time, since another replica's
//! publish must show at once.
//!
//! Coherence: a change removes the name's entry and bumps a generation; a reader that built a
//! body from the database keeps it only if no change happened since it started reading, so a
//! body read before a publish can never be kept after it. The cache holds at most
//! [`MAX_BYTES`]; past that, arbitrary entries make room (they are rebuilt on the next read).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::HeaderValue;
use bytes::Bytes;
use osops_index::AssetName;

/// The bodies kept, in bytes: about 16,000 assets of five versions.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

/// One asset's index file, ready to send.
#[derive(Debug)]
pub struct IndexFile {
    pub body: Bytes,
    /// The quoted sha256 of `body`.
    pub etag: HeaderValue,
}

/// The cache; a disabled one keeps nothing.
#[derive(Debug, Default)]
pub struct IndexFiles {
    enabled: bool,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    files: HashMap<AssetName, Arc<IndexFile>>,
    bytes: usize,
    /// Bumped by every change.
    generation: u64,
}

/// Where a read started: see [`IndexFiles::keep`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl IndexFiles {
    pub fn new(enabled: bool) -> IndexFiles {
        IndexFiles {
            enabled,
            inner: Mutex::default(),
        }
    }

    /// The kept file of `name`, or a ticket to pass to [`IndexFiles::keep`] with the file built
    /// from the database.
    pub fn get(&self, name: &AssetName) -> Result<Arc<IndexFile>, Ticket> {
        let inner = self.lock();
        match inner.files.get(name) {
            Some(file) => Ok(Arc::clone(file)),
            None => Err(Ticket(inner.generation)),
        }
    }

    /// Keeps `file` for `name`, unless disabled or something changed since `ticket`.
    pub fn keep(&self, name: &AssetName, file: Arc<IndexFile>, ticket: Ticket) {
        if !self.enabled || file.body.len() > MAX_BYTES {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return;
        }
        while inner.bytes + file.body.len() > MAX_BYTES {
            let Some(victim) = inner.files.keys().next().cloned() else {
                break;
            };
            if let Some(old) = inner.files.remove(&victim) {
                inner.bytes -= old.body.len();
            }
        }
        inner.bytes += file.body.len();
        if let Some(old) = inner.files.insert(name.clone(), file) {
            inner.bytes -= old.body.len();
        }
    }

    /// `name`'s versions changed: its file is rebuilt on the next read.
    pub fn changed(&self, name: &AssetName) {
        let mut inner = self.lock();
        inner.generation += 1;
        if let Some(old) = inner.files.remove(name) {
            inner.bytes -= old.body.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(body: &str) -> Arc<IndexFile> {
        Arc::new(IndexFile {
            body: Bytes::from(body.to_owned()),
            etag: HeaderValue::from_static("\"x\""),
        })
    }

    fn name(n: &str) -> AssetName {
        n.parse().expect("name")
    }

    #[test]
    fn a_file_read_before_a_change_is_not_kept_after_it() {
        let cache = IndexFiles::new(true);
        let nova = name("nova-tools");
        let ticket = cache.get(&nova).expect_err("empty");
        cache.changed(&nova);
        cache.keep(&nova, file("old"), ticket);
        let ticket = cache.get(&nova).expect_err("the stale body was not kept");
        cache.keep(&nova, file("new"), ticket);
        assert_eq!(cache.get(&nova).expect("kept").body, "new");
        cache.changed(&nova);
        assert!(cache.get(&nova).is_err(), "a change drops the file");
    }

    #[test]
    fn a_disabled_cache_keeps_nothing_and_a_full_one_makes_room() {
        let off = IndexFiles::new(false);
        let nova = name("nova-tools");
        let ticket = off.get(&nova).expect_err("empty");
        off.keep(&nova, file("x"), ticket);
        assert!(off.get(&nova).is_err());

        let on = IndexFiles::new(true);
        let big = "x".repeat(MAX_BYTES / 2 + 1);
        for n in ["a-one", "a-two", "a-three"] {
            let ticket = on.get(&name(n)).expect_err("empty");
            on.keep(&name(n), file(&big), ticket);
            assert!(on.get(&name(n)).is_ok(), "the newest file is kept");
        }
        assert!(on.lock().bytes <= MAX_BYTES);
        assert_eq!(on.lock().files.len(), 1);
    }
}
