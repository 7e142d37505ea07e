//! The file list of an archive, for the asset page. Archives never change under their sha256,
//! so each list is read once (through the same validator as publish) and kept in a small cache.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use osops_index::archive::{self, EntryData};

use crate::blobs::BlobKey;
use crate::error::ApiError;
use crate::state::AppState;

/// Lists kept at most; the cache is emptied when full (pages of popular assets refill it first).
const CACHED_LISTS: usize = 256;

/// One file or directory of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    /// None for directories.
    pub size: Option<u64>,
    pub executable: bool,
}

impl FileEntry {
    /// `1234` → `1.2 KiB`; empty for directories.
    pub fn size_text(&self) -> String {
        const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
        let Some(bytes) = self.size else {
            return String::new();
        };
        let mut size = bytes as f64;
        let mut unit = 0;
        while size >= 1024.0 && unit + 1 < UNITS.len() {
            size /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            format!("{bytes} B")
        } else {
            format!("{size:.1} {}", UNITS[unit])
        }
    }
}

static CACHE: LazyLock<Mutex<HashMap<String, Arc<Vec<FileEntry>>>>> =
    LazyLock::new(Default::default);

/// The entries of the archive stored under `sha256`.
pub async fn list(state: &AppState, sha256: &str) -> Result<Arc<Vec<FileEntry>>, ApiError> {
    if let Some(hit) = cache().get(sha256) {
        return Ok(hit.clone());
    }
    let bytes = state.blobs.get_bytes(&BlobKey::archive(sha256)?).await?;
    let limits = state.settings.limits;
    let archive = tokio::task::spawn_blocking(move || archive::read(&bytes, &limits))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let files = Arc::new(
        archive
            .entries
            .into_iter()
            .map(|e| match e.data {
                EntryData::Dir => FileEntry {
                    path: format!("{}/", e.path),
                    size: None,
                    executable: false,
                },
                EntryData::File {
                    contents,
                    executable,
                } => FileEntry {
                    path: e.path,
                    size: Some(contents.len() as u64),
                    executable,
                },
            })
            .collect(),
    );
    let mut cache = cache();
    if cache.len() >= CACHED_LISTS {
        cache.clear();
    }
    cache.insert(sha256.to_owned(), Arc::clone(&files));
    Ok(files)
}

fn cache() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Vec<FileEntry>>>> {
    // A panic while holding the lock leaves a usable map; keep serving.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::FileEntry;

    #[test]
    fn sizes() {
        let file = |size| FileEntry {
            path: "x".into(),
            size,
            executable: false,
        };
        assert_eq!(file(Some(12)).size_text(), "12 B");
        assert_eq!(file(Some(2048)).size_text(), "2.0 KiB");
        assert_eq!(file(Some(3 * 1024 * 1024 + 1)).size_text(), "3.0 MiB");
        assert_eq!(file(None).size_text(), "");
    }
}
