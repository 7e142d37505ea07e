//! The download cache: `$OSOPS_CACHE/REGISTRY-ID/`, one per registry, never shared between them.
//!
//! ```text
//! $OSOPS_CACHE/                 default $XDG_CACHE_HOME/osops, else ~/.cache/osops
//!   REGISTRY-ID/                client::registry_id(URL): 16 hex digits
//!     registry                  the registry's URL, for `osops cache info`
//!     archives/SHA256.osops     verified archives; re-hashed on every use
//!     archives/.download-XXXX   a download in progress (never read)
//!     index/config.json         index files as fetched, with their ETag: one JSON object,
//!     index/PREFIX/NAME         {"url", "etag", "fetched_at", "body"} (a [`CachedFile`])
//! ```
//!
//! [`Cache`] finds the root and reports on or empties it; [`RegistryCache`] reads and writes one
//! registry's archives and index files. An archive reaches its final name only through
//! [`PendingArchive::commit`], after its sha256 matched; a cached file that does not hash or parse
//! is deleted and treated as a miss. [`IndexReader`] reads index files through the cache
//! (revalidating with `If-None-Match` online, cache only offline) and [`download`] fetches archives
//! in parallel into it (and, for `osops mirror`, into a mirror, verified the same way).

mod index;
#[cfg(test)]
mod tests;

pub mod download;

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

pub use index::{IndexReader, ReadError};

/// Largest cached index file read back (a JSON-escaped body of at most the client's 16 MiB).
const MAX_INDEX_FILE: u64 = 64 * 1024 * 1024;
/// A `.download-` temporary file older than this was left by a killed process.
const STALE_DOWNLOAD: Duration = Duration::from_secs(24 * 60 * 60);
/// The name prefix of downloads in progress, in `archives/`.
const DOWNLOAD_PREFIX: &str = ".download-";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot find a cache directory for osops: none of OSOPS_CACHE, XDG_CACHE_HOME or HOME is set"
    )]
    NoCacheDir,
    #[error("cannot access the download cache at `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{sha256}` is not a sha256 (64 lowercase hex digits); it cannot name a cached archive"
    )]
    BadChecksum { sha256: String },
    #[error("`{rel}` is not the path of an index file")]
    BadIndexPath { rel: String },
    #[error(
        "the download `{}` has sha256 {got}, not the expected {expected}; it was deleted",
        .path.display()
    )]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        got: String,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoCacheDir => {
                Some("set OSOPS_CACHE to the directory osops should keep downloads in".into())
            }
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                Some("fix the directory's permissions, or point OSOPS_CACHE elsewhere".into())
            }
            _ => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// The root of the download cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// `$OSOPS_CACHE`, else `$XDG_CACHE_HOME/osops` (when absolute), else `$HOME/.cache/osops`.
    pub fn from_env() -> Result<Cache, Error> {
        let var = |name: &str| std::env::var_os(name);
        let root = Cache::root_from(var("OSOPS_CACHE"), var("XDG_CACHE_HOME"), var("HOME"))
            .ok_or(Error::NoCacheDir)?;
        let root = std::path::absolute(&root).map_err(io_error(&root))?;
        Ok(Cache { root })
    }

    /// [`Cache::from_env`]'s rule on given values of the three variables.
    fn root_from(
        osops_cache: Option<std::ffi::OsString>,
        xdg_cache_home: Option<std::ffi::OsString>,
        home: Option<std::ffi::OsString>,
    ) -> Option<PathBuf> {
        let set = |v: Option<std::ffi::OsString>| v.filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(root) = set(osops_cache) {
            Some(root)
        } else if let Some(xdg) = set(xdg_cache_home).filter(|p| p.is_absolute()) {
            Some(xdg.join("osops"))
        } else {
            set(home).map(|home| home.join(".cache").join("osops"))
        }
    }

    pub fn at(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The cache of the registry at `url` (any spelling [`crate::client::registry_id`] accepts).
    /// Nothing is created until something is written.
    pub fn registry(&self, url: &str) -> RegistryCache {
        RegistryCache {
            dir: self.root.join(crate::client::registry_id(url)),
            url: url.trim().trim_end_matches('/').to_owned(),
        }
    }

    /// What each registry's cache holds, sorted by URL (unknown URLs last, by id).
    pub fn info(&self) -> Result<Vec<RegistryUsage>, Error> {
        let mut usage = Vec::new();
        for (id, dir) in self.registry_dirs()? {
            let url = std::fs::read_to_string(dir.join("registry"))
                .ok()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty() && !u.contains(char::is_control));
            usage.push(RegistryUsage {
                archives: count_files(&dir.join("archives"), |name| name.ends_with(".osops"))?,
                index_files: count_files(&dir.join("index"), |name| !name.starts_with('.'))?,
                bytes: disk_usage(&dir)?,
                id,
                url,
                path: dir,
            });
        }
        usage.sort_by(|a, b| {
            (a.url.is_none(), &a.url, &a.id).cmp(&(b.url.is_none(), &b.url, &b.id))
        });
        Ok(usage)
    }

    /// Empties the cache of `registry`, or of every registry; returns the bytes freed. Only the
    /// per-registry directories are removed, never anything else `OSOPS_CACHE` may point at.
    pub fn clean(&self, registry: Option<&str>) -> Result<u64, Error> {
        let dirs = match registry {
            Some(url) => vec![self.registry(url).dir],
            None => self
                .registry_dirs()?
                .into_iter()
                .map(|(_, dir)| dir)
                .collect(),
        };
        let mut freed = 0;
        for dir in dirs {
            freed += disk_usage(&dir)?;
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&dir)(e)),
            }
        }
        Ok(freed)
    }

    /// The `REGISTRY-ID` directories under the root, by id.
    fn registry_dirs(&self) -> Result<Vec<(String, PathBuf)>, Error> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.root)(e)),
        };
        let mut dirs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&self.root))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let is_id = name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit());
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_id && is_dir {
                dirs.push((name, entry.path()));
            }
        }
        dirs.sort();
        Ok(dirs)
    }
}

/// One registry's share of the cache, for `osops cache info`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryUsage {
    /// `REGISTRY-ID`, the directory's name.
    pub id: String,
    /// The registry's URL, when its `registry` file says.
    pub url: Option<String>,
    pub path: PathBuf,
    pub archives: u64,
    pub index_files: u64,
    /// Everything under the directory, downloads in progress included.
    pub bytes: u64,
}

/// One index file as fetched, stored as one JSON object at `index/REL`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CachedFile {
    pub url: String,
    pub etag: Option<String>,
    /// RFC 3339, UTC.
    pub fetched_at: String,
    pub body: String,
}

/// What [`RegistryCache::read_archive`] and [`RegistryCache::verify_archive`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The archive is cached and its sha256 is right.
    Hit(T),
    Miss,
    /// A cached file of that name had another sha256 (or was too large): it was deleted. The
    /// caller warns and downloads again.
    Corrupt {
        path: PathBuf,
    },
}

/// The cache of one registry: `ROOT/REGISTRY-ID/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryCache {
    dir: PathBuf,
    url: String,
}

impl RegistryCache {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The registry's URL, as given to [`Cache::registry`] (without a trailing `/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn archives_dir(&self) -> PathBuf {
        self.dir.join("archives")
    }

    /// `archives/SHA256.osops`; `sha256` must be 64 lowercase hex digits, so a hostile index
    /// cannot name a path outside the cache.
    pub fn archive_path(&self, sha256: &str) -> Result<PathBuf, Error> {
        check_sha256(sha256)?;
        Ok(self.archives_dir().join(format!("{sha256}.osops")))
    }

    /// The cached archive's bytes, hashed again as read.
    pub fn read_archive(&self, sha256: &str, max_bytes: u64) -> Result<Lookup<Vec<u8>>, Error> {
        let path = self.archive_path(sha256)?;
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io_error(&path))?;
        if bytes.len() as u64 <= max_bytes && osops_index::sha256_hex(&bytes) == sha256 {
            return Ok(Lookup::Hit(bytes));
        }
        remove_file(&path)?;
        Ok(Lookup::Corrupt { path })
    }

    /// Whether the cached archive is there with the right sha256, hashed as it streams (nothing
    /// is kept in memory); a wrong one is deleted.
    pub fn verify_archive(&self, sha256: &str, max_bytes: u64) -> Result<Lookup<PathBuf>, Error> {
        let path = self.archive_path(sha256)?;
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let (size, got) = hash_file(&mut file, max_bytes).map_err(io_error(&path))?;
        if size <= max_bytes && got == sha256 {
            return Ok(Lookup::Hit(path));
        }
        remove_file(&path)?;
        Ok(Lookup::Corrupt { path })
    }

    /// A temporary file in `archives/` for the download of the archive `sha256`; dropped
    /// uncommitted, it is deleted.
    pub fn start_archive(&self, sha256: &str) -> Result<PendingArchive, Error> {
        let path = self.archive_path(sha256)?;
        let dir = self.archives_dir();
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        self.record_url()?;
        let tmp = tempfile::Builder::new()
            .prefix(DOWNLOAD_PREFIX)
            .tempfile_in(&dir)
            .map_err(io_error(&dir))?;
        Ok(PendingArchive {
            tmp,
            path,
            sha256: sha256.to_owned(),
        })
    }

    /// Removes the `.download-` files a killed process left more than a day ago (a younger one
    /// may be another osops's download in progress).
    pub fn remove_stale_downloads(&self) -> Result<(), Error> {
        let dir = self.archives_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&dir)(e)),
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > STALE_DOWNLOAD));
            let ours = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(DOWNLOAD_PREFIX));
            if ours && stale {
                remove_file(&entry.path())?;
            }
        }
        Ok(())
    }

    /// `index/REL`.
    pub fn index_path(&self, rel: &str) -> Result<PathBuf, Error> {
        check_index_rel(rel)?;
        Ok(self.dir.join("index").join(rel))
    }

    /// The cached index file `rel` (`config.json` or `osops_index::index_path(name)`). One that
    /// cannot be read as a [`CachedFile`] is deleted and is a miss.
    pub fn read_index(&self, rel: &str) -> Result<Option<CachedFile>, Error> {
        let path = self.index_path(rel)?;
        if path.is_dir() {
            // A directory where a file belongs is as corrupt as bad JSON.
            std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
            return Ok(None);
        }
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_INDEX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error(&path))?;
        let parsed = if bytes.len() as u64 <= MAX_INDEX_FILE {
            serde_json::from_slice::<CachedFile>(&bytes).ok()
        } else {
            None
        };
        if parsed.is_none() {
            remove_file(&path)?;
        }
        Ok(parsed)
    }

    /// Writes the index file `rel` atomically.
    pub fn write_index(&self, rel: &str, file: &CachedFile) -> Result<(), Error> {
        let path = self.index_path(rel)?;
        self.record_url()?;
        let text =
            serde_json::to_vec(file).map_err(|e| io_error(&path)(std::io::Error::other(e)))?;
        write_atomic(&path, &text)
    }

    /// Removes the cached index file `rel`, if any.
    pub fn remove_index(&self, rel: &str) -> Result<(), Error> {
        let path = self.index_path(rel)?;
        remove_file(&path)
    }

    /// Writes the `registry` file (the URL) when there is none yet.
    fn record_url(&self) -> Result<(), Error> {
        let path = self.dir.join("registry");
        if path.is_file() {
            return Ok(());
        }
        write_atomic(&path, format!("{}\n", self.url).as_bytes())
    }
}

/// A download in progress: a temporary file in `archives/`, deleted unless committed.
#[derive(Debug)]
pub struct PendingArchive {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
    sha256: String,
}

impl PendingArchive {
    /// A temporary `.download-` file beside `path` (its directory is created), for an archive
    /// that goes outside the cache (a mirror's): mode 0644, so a web server may read it once it
    /// is renamed to `path` by [`PendingArchive::commit`].
    pub fn beside(path: &Path, sha256: &str) -> Result<PendingArchive, Error> {
        check_sha256(sha256)?;
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(DOWNLOAD_PREFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let tmp = builder.tempfile_in(dir).map_err(io_error(dir))?;
        Ok(PendingArchive {
            tmp,
            path: path.to_owned(),
            sha256: sha256.to_owned(),
        })
    }

    /// The file to write the download into.
    pub fn file_mut(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// The temporary file's path (for messages).
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Checks `streamed` (the sha256 computed as the bytes were written) and then the file's
    /// contents as read back against the expected sha256, syncs the file and renames it to
    /// `archives/SHA256.osops`, which it returns. On a mismatch the file is deleted and the
    /// error names both checksums.
    pub fn commit(mut self, streamed: &str) -> Result<PathBuf, Error> {
        let mismatch = |got: String, path: &Path| Error::ChecksumMismatch {
            path: path.to_owned(),
            expected: self.sha256.clone(),
            got,
        };
        if streamed != self.sha256 {
            return Err(mismatch(streamed.to_owned(), self.tmp.path()));
        }
        let file = self.tmp.as_file_mut();
        let (_, again) = hash_file(file, u64::MAX).map_err(io_error(self.tmp.path()))?;
        if again != self.sha256 {
            return Err(mismatch(again, self.tmp.path()));
        }
        self.tmp
            .as_file()
            .sync_all()
            .map_err(io_error(self.tmp.path()))?;
        let path = self.path.clone();
        self.tmp.persist(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(path)
    }
}

/// `sha256` must be 64 lowercase hex digits.
pub fn check_sha256(sha256: &str) -> Result<(), Error> {
    let ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::BadChecksum {
            sha256: sha256.to_owned(),
        })
    }
}

/// `rel` must be `/`-separated plain names (letters, digits, `-`, `_`, `.`), none of them `.` or
/// `..` or hidden.
fn check_index_rel(rel: &str) -> Result<(), Error> {
    let ok = !rel.is_empty()
        && rel.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::BadIndexPath {
            rel: rel.to_owned(),
        })
    }
}

/// The size and sha256 of the file from its start, reading at most `max + 1` bytes.
fn hash_file(file: &mut std::fs::File, max: u64) -> std::io::Result<(u64, String)> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size: u64 = 0;
    let mut reader = file.take(max.saturating_add(1));
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// [`crate::fs::write_atomic`], with the path in the error.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    crate::fs::write_atomic(path, contents).map_err(io_error(path))
}

fn remove_file(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// How many files under `dir` (recursively) have a name `counted` accepts.
fn count_files(dir: &Path, counted: impl Fn(&str) -> bool + Copy) -> Result<u64, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut n = 0;
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let kind = entry.file_type().map_err(io_error(&entry.path()))?;
        if kind.is_dir() {
            n += count_files(&entry.path(), counted)?;
        } else if kind.is_file() && entry.file_name().to_str().is_some_and(counted) {
            n += 1;
        }
    }
    Ok(n)
}

/// The total size of the files under `path` (symbolic links are not followed).
fn disk_usage(path: &Path) -> Result<u64, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(path)(e)),
    };
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path).map_err(io_error(path))? {
        let entry = entry.map_err(io_error(path))?;
        total += disk_usage(&entry.path())?;
    }
    Ok(total)
}
