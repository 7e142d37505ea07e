//! Archive storage: one [`Blobs`] type over `object_store`, keys built only by [`BlobKey`].
//!
//! A local directory by default (`DATA/blobs/`), [`Blobs::in_memory`] in unit tests, S3-compatible
//! storage later, all through the same calls. Writes are atomic on every backend: the local store
//! writes a staging file and renames it into place, S3 makes an object visible only when its PUT
//! completes, so a reader never sees half an archive.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;

/// The key of a blob. Only the constructors below make one, so every key in the store has a known
/// shape and no request text ever becomes a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobKey(ObjectPath);

impl BlobKey {
    /// `archives/ab/cd/<sha256>.osops` for the archive with this (lowercase hex) sha256.
    pub fn archive(sha256: &str) -> Result<BlobKey, BlobError> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(BlobError::InvalidKey(sha256.to_owned()));
        }
        Ok(BlobKey(ObjectPath::from(format!(
            "archives/{}/{}/{sha256}.osops",
            &sha256[..2],
            &sha256[2..4]
        ))))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("`{0}` is not a lowercase hex sha256")]
    InvalidKey(String),
    #[error("blob `{0}` is missing")]
    NotFound(String),
    #[error("blob `{key}`")]
    Store {
        key: String,
        #[source]
        source: object_store::Error,
    },
    #[error("cannot create the blob directory `{}`", path.display())]
    Dir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The bytes of a blob as they arrive, and its size.
pub struct BlobStream {
    pub size: u64,
    pub stream: Pin<Box<dyn Stream<Item = Result<Bytes, BlobError>> + Send>>,
}

/// The blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

impl Blobs {
    /// Blobs under `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Blobs, BlobError> {
        std::fs::create_dir_all(dir).map_err(|source| BlobError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|source| BlobError::Store {
            key: String::new(),
            source,
        })?;
        Ok(Blobs {
            store: Arc::new(store),
        })
    }

    /// Blobs in memory, gone with the process: for unit tests.
    pub fn in_memory() -> Blobs {
        Blobs {
            store: Arc::new(InMemory::new()),
        }
    }

    /// Stores `bytes` under `key`, atomically, replacing what was there.
    pub async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        self.store
            .put(&key.0, bytes.into())
            .await
            .map_err(|e| store_error(key, e))?;
        Ok(())
    }

    pub async fn get(&self, key: &BlobKey) -> Result<BlobStream, BlobError> {
        let result = self
            .store
            .get(&key.0)
            .await
            .map_err(|e| store_error(key, e))?;
        let size = result.meta.size;
        let owned = key.to_string();
        let stream = result.into_stream().map(move |chunk| {
            chunk.map_err(|source| BlobError::Store {
                key: owned.clone(),
                source,
            })
        });
        Ok(BlobStream {
            size,
            stream: Box::pin(stream),
        })
    }

    pub async fn get_bytes(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        let result = self
            .store
            .get(&key.0)
            .await
            .map_err(|e| store_error(key, e))?;
        result.bytes().await.map_err(|e| store_error(key, e))
    }

    /// Removes the blob; a missing blob is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&key.0).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(key, e)),
        }
    }

    pub async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError> {
        match self.store.head(&key.0).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(key, e)),
        }
    }
}

fn store_error(key: &BlobKey, err: object_store::Error) -> BlobError {
    match err {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        source => BlobError::Store {
            key: key.to_string(),
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    #[test]
    fn archive_keys_are_sharded_by_the_first_two_bytes() {
        assert_eq!(
            BlobKey::archive(SHA).expect("key").as_str(),
            format!("archives/ab/cd/{SHA}.osops")
        );
    }

    #[test]
    fn archive_keys_refuse_anything_but_a_sha256() {
        for bad in [
            "",
            "../../etc/passwd",
            &SHA.to_uppercase(),
            &SHA[1..],
            &format!("{SHA}0"),
            &SHA.replace('a', "/"),
        ] {
            assert!(BlobKey::archive(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[tokio::test]
    async fn put_get_delete_in_memory() {
        let blobs = Blobs::in_memory();
        let key = BlobKey::archive(SHA).expect("key");
        assert!(!blobs.exists(&key).await.expect("exists"));
        blobs
            .put(&key, Bytes::from_static(b"archive"))
            .await
            .expect("put");
        assert_eq!(
            blobs.get_bytes(&key).await.expect("get"),
            Bytes::from_static(b"archive")
        );
        let got = blobs.get(&key).await.expect("stream");
        assert_eq!(got.size, 7);
        blobs.delete(&key).await.expect("delete");
        assert!(matches!(
            blobs.get_bytes(&key).await,
            Err(BlobError::NotFound(_))
        ));
        blobs.delete(&key).await.expect("deleting twice is fine");
    }

    #[tokio::test]
    async fn local_files_land_under_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = Blobs::local(&dir.path().join("blobs")).expect("local");
        let key = BlobKey::archive(SHA).expect("key");
        blobs
            .put(&key, Bytes::from_static(b"x"))
            .await
            .expect("put");
        let file = dir
            .path()
            .join("blobs/archives/ab/cd")
            .join(format!("{SHA}.osops"));
        assert_eq!(std::fs::read(file).expect("file"), b"x");
    }
}
