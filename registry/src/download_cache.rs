//! What a download needs, kept in memory: which archive a version is, and the bytes of small
//! archives.
//!
//! Both never change once published: a version's archive is fixed (a re-publish with other bytes
//! is refused, and nothing deletes a version), and an archive is stored under its own sha256. So
//! nothing here is ever invalidated, and it stays true for replicas sharing a database. A
//! download found here touches neither the database nor the disk.
//!
//! Bounded: at most [`MAX_VERSIONS`] versions and [`MAX_ARCHIVE_BYTES`] of archives, each at most
//! [`MAX_ARCHIVE`]; past that, arbitrary entries make room. Larger archives are streamed from
//! the blob store every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use osops_index::AssetName;

/// Versions remembered: about 2 MiB.
pub const MAX_VERSIONS: usize = 16 * 1024;
/// Archive bytes kept.
pub const MAX_ARCHIVE_BYTES: usize = 16 * 1024 * 1024;
/// The largest archive kept; most are scripts of a few KiB.
pub const MAX_ARCHIVE: u64 = 64 * 1024;

/// Which archive a version is, and how it is spelled (`1.2.0+build.7`).
#[derive(Debug, PartialEq, Eq)]
pub struct Located {
    pub version: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct DownloadCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By name, then version key: a lookup borrows both, so a download allocates nothing here.
    versions: HashMap<AssetName, HashMap<String, Arc<Located>>>,
    version_count: usize,
    archives: HashMap<String, Bytes>,
    archive_bytes: usize,
}

impl DownloadCache {
    /// The archive of `name`'s version `version_key`, if remembered.
    pub fn version(&self, name: &AssetName, version_key: &str) -> Option<Arc<Located>> {
        self.lock().versions.get(name)?.get(version_key).cloned()
    }

    pub fn keep_version(&self, name: &AssetName, version_key: &str, located: Arc<Located>) {
        let mut inner = self.lock();
        if inner.version_count >= MAX_VERSIONS
            && let Some(victim) = inner.versions.keys().next().cloned()
            && let Some(dropped) = inner.versions.remove(&victim)
        {
            inner.version_count -= dropped.len();
        }
        let versions = inner.versions.entry(name.clone()).or_default();
        let added = versions.insert(version_key.to_owned(), located).is_none();
        inner.version_count += usize::from(added);
    }

    /// The bytes of the archive `sha256`, if kept.
    pub fn archive(&self, sha256: &str) -> Option<Bytes> {
        self.lock().archives.get(sha256).cloned()
    }

    /// Keeps `bytes` as the archive `sha256` if it is small enough.
    pub fn keep_archive(&self, sha256: &str, bytes: Bytes) {
        if bytes.len() as u64 > MAX_ARCHIVE {
            return;
        }
        let mut inner = self.lock();
        while inner.archive_bytes + bytes.len() > MAX_ARCHIVE_BYTES {
            let Some(victim) = inner.archives.keys().next().cloned() else {
                break;
            };
            if let Some(old) = inner.archives.remove(&victim) {
                inner.archive_bytes -= old.len();
            }
        }
        inner.archive_bytes += bytes.len();
        if let Some(old) = inner.archives.insert(sha256.to_owned(), bytes) {
            inner.archive_bytes -= old.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_small_archives_are_kept_within_their_bounds() {
        let cache = DownloadCache::default();
        let nova: AssetName = "nova-tools".parse().expect("name");
        assert!(cache.version(&nova, "1.0.0").is_none());
        let located = Arc::new(Located {
            version: "1.0.0+b".into(),
            sha256: "ab".into(),
            size: 3,
        });
        cache.keep_version(&nova, "1.0.0", Arc::clone(&located));
        assert_eq!(cache.version(&nova, "1.0.0"), Some(located));

        cache.keep_archive("big", Bytes::from(vec![0; MAX_ARCHIVE as usize + 1]));
        assert!(cache.archive("big").is_none(), "too large to keep");
        let chunk = Bytes::from(vec![7; MAX_ARCHIVE as usize]);
        let fits = MAX_ARCHIVE_BYTES / MAX_ARCHIVE as usize;
        for i in 0..fits + 3 {
            cache.keep_archive(&format!("sha-{i}"), chunk.clone());
            assert_eq!(cache.archive(&format!("sha-{i}")), Some(chunk.clone()));
        }
        assert!(cache.lock().archive_bytes <= MAX_ARCHIVE_BYTES);
        assert_eq!(cache.lock().archives.len(), fits);
    }
}
