//! `osops-registry gc [--dry-run] [--min-age DURATION]`: removes the archives no version
//! references.
//!
//! A publish writes its blob before the version row commits (docs/ARCHITECTURE.md, "Life of a
//! publish"), so a crash, a refused publish or a lost race can leave a blob nothing references.
//! [`collect`] lists every archive in the blob store, then reads the sha256 of every version
//! (yanked ones included: they stay downloadable) and removes the rest, but only those older than
//! `--min-age`: a younger blob may belong to a publish in flight on another replica, whose row is
//! not committed yet. The listing comes first, so a version committed while it runs is read
//! with the references and its blob is kept.
//!
//! It also finds the opposite, a version whose archive is missing from the store: corruption,
//! reported so that the archive can be restored from a backup.
//!
//! One race is left, narrow and reported rather than prevented: a publish retrying the very
//! bytes of an old unreferenced archive as it is removed commits a version without its archive.
//! The references are read again after the removals, so that this run (or else the next) says
//! so.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, SystemTime};

use futures_util::{StreamExt, TryStreamExt};

use super::with_store;
use crate::blobs::{BlobKey, Blobs, PartialWrite, StoredArchive};
use crate::error::{Error, chain};
use crate::store::{AssetStore, Database};

/// `--min-age`'s default.
pub const DEFAULT_MIN_AGE: &str = "1h";

/// How many deletions run at once (each is one request to S3).
const CONCURRENT_DELETES: usize = 8;

/// What `gc` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// List what would be removed, remove nothing.
    pub dry_run: bool,
    /// Unreferenced archives younger than this are kept.
    pub min_age: Duration,
}

/// An archive no version references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreferenced {
    pub sha256: String,
    pub size: u64,
    /// How long ago it was written, by the store's clock (zero if that is ahead of ours).
    pub age: Duration,
}

/// What `gc` found and did. Lists are sorted by sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub options: Options,
    /// Archives in the store that some version references.
    pub referenced: usize,
    /// Unreferenced archives removed (with `--dry-run`: that would be).
    pub removed: Vec<Unreferenced>,
    /// Unreferenced archives younger than `--min-age`, kept.
    pub young: Vec<Unreferenced>,
    /// Unreferenced archives whose removal failed, with the cause.
    pub failed: Vec<(Unreferenced, String)>,
    /// The sha256 of archives versions reference but the store does not have.
    pub missing: Vec<String>,
    /// Staging files of writes that never finished, older than `--min-age`, removed (with
    /// `--dry-run`: that would be). Younger ones may be writes in progress and are kept.
    pub partial: Vec<PartialWrite>,
}

impl Report {
    /// Nothing is missing and every removal worked: exit 0.
    pub fn success(&self) -> bool {
        self.missing.is_empty() && self.failed.is_empty()
    }

    /// The bytes of the archives removed (or that would be).
    pub fn removed_bytes(&self) -> u64 {
        self.removed.iter().map(|a| a.size).sum()
    }
}

/// Runs `gc` on the registry's database and blob store.
pub async fn run(db: &Database, blobs: &Blobs, options: Options) -> Result<Report, Error> {
    with_store(db, async |store| collect(store, blobs, options).await).await
}

/// `gc` on any asset store: see the module's documentation.
pub async fn collect<S: AssetStore + ?Sized>(
    assets: &S,
    blobs: &Blobs,
    options: Options,
) -> Result<Report, Error> {
    let now = SystemTime::now();
    // First the listing, then the references (see the module's documentation).
    let mut listed: Vec<StoredArchive> = blobs.list_archives().try_collect().await?;
    listed.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    let references = assets.archive_checksums().await?;
    let partial: Vec<PartialWrite> = (blobs.partial_writes().await?)
        .into_iter()
        .filter(|p| now.duration_since(p.last_modified).unwrap_or_default() >= options.min_age)
        .collect();

    let mut referenced = 0;
    let mut old = Vec::new();
    let mut young = Vec::new();
    for archive in &listed {
        if references.contains(&archive.sha256) {
            referenced += 1;
            continue;
        }
        let unreferenced = Unreferenced {
            sha256: archive.sha256.clone(),
            size: archive.size,
            age: now
                .duration_since(archive.last_modified)
                .unwrap_or_default(),
        };
        if unreferenced.age >= options.min_age {
            old.push(unreferenced);
        } else {
            young.push(unreferenced);
        }
    }

    // Referenced but not listed: missing, unless the blob was written after the listing (a
    // publish that committed while this ran).
    let listed_shas: BTreeSet<&str> = listed.iter().map(|a| a.sha256.as_str()).collect();
    let mut missing = Vec::new();
    for sha256 in references
        .iter()
        .filter(|s| !listed_shas.contains(s.as_str()))
    {
        let present = match BlobKey::archive(sha256) {
            Ok(key) => blobs.exists(&key).await?,
            // Not a sha256 at all: no blob can hold it.
            Err(_) => false,
        };
        if !present {
            missing.push(sha256.clone());
        }
    }

    if options.dry_run {
        return Ok(Report {
            options,
            referenced,
            removed: old,
            young,
            failed: Vec::new(),
            missing,
            partial,
        });
    }
    if references.is_empty() && !old.is_empty() {
        // Most likely the wrong database (a fresh `--data-dir`, a forgotten `--database-url`)
        // beside the right store: removing would empty it.
        return Err(Error::Invalid(format!(
            "the database has no version, but the blob store holds {} unreferenced {}; nothing \
             was removed (hint: check --data-dir/--database-url, and look with --dry-run)",
            old.len(),
            plural(old.len(), "archive")
        )));
    }

    let results: Vec<(Unreferenced, Result<(), String>)> =
        futures_util::stream::iter(old.into_iter().map(|archive| async move {
            let result = match BlobKey::archive(&archive.sha256) {
                Ok(key) => blobs.delete(&key).await.map_err(|e| chain(&e)),
                Err(e) => Err(chain(&e)),
            };
            (archive, result)
        }))
        .buffered(CONCURRENT_DELETES)
        .collect()
        .await;
    let mut partial_removed = Vec::new();
    for write in partial {
        match blobs.remove_partial_write(&write).await {
            Ok(()) => partial_removed.push(write),
            Err(e) => {
                tracing::warn!(path = %write.path.display(), "cannot remove a partial write: {e}")
            }
        }
    }
    let mut removed = Vec::new();
    let mut failed = Vec::new();
    for (archive, result) in results {
        match result {
            Ok(()) => removed.push(archive),
            Err(cause) => failed.push((archive, cause)),
        }
    }

    // A publish of the very bytes of a removed archive (a retry of the publish that left it)
    // may have committed between the references' read and the removal: say so.
    if !removed.is_empty() {
        let references = assets.archive_checksums().await?;
        for archive in removed.iter().filter(|a| references.contains(&a.sha256)) {
            let key = BlobKey::archive(&archive.sha256)?;
            if !blobs.exists(&key).await? {
                missing.push(archive.sha256.clone());
            }
        }
        missing.sort();
    }

    Ok(Report {
        options,
        referenced,
        removed,
        young,
        failed,
        missing,
        partial: partial_removed,
    })
}

/// `removed SHA256 (SIZE bytes, AGE old)`, or `would remove …` for a dry run.
pub struct RemovedLine<'a> {
    pub archive: &'a Unreferenced,
    pub dry_run: bool,
}

impl fmt::Display for RemovedLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.archive;
        let verb = if self.dry_run {
            "would remove"
        } else {
            "removed"
        };
        write!(
            f,
            "{verb} {} ({} bytes, {} old)",
            a.sha256,
            a.size,
            Age(a.age)
        )
    }
}

/// `removed partial write PATH (SIZE bytes, AGE old)`, or `would remove …` for a dry run.
pub struct PartialLine<'a> {
    pub write: &'a PartialWrite,
    pub dry_run: bool,
    pub now: SystemTime,
}

impl fmt::Display for PartialLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would remove"
        } else {
            "removed"
        };
        let age = (self.now.duration_since(self.write.last_modified)).unwrap_or_default();
        write!(
            f,
            "{verb} partial write {} ({} bytes, {} old)",
            self.write.path.display(),
            self.write.size,
            Age(age)
        )
    }
}

/// A warning, for stderr: `warning: cannot remove SHA256: CAUSE`.
pub struct FailedLine<'a>(pub &'a Unreferenced, pub &'a str);

impl fmt::Display for FailedLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: cannot remove {}: {}", self.0.sha256, self.1)
    }
}

/// A warning, for stderr: a version's archive is not in the store.
pub struct MissingLine<'a>(pub &'a str);

impl fmt::Display for MissingLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sha256 = self.0;
        write!(
            f,
            "warning: archive {sha256} is missing from the blob store"
        )?;
        if let Ok(key) = BlobKey::archive(sha256) {
            write!(f, " (key `{key}`)")?;
        }
        write!(
            f,
            ", but a version references it: its downloads fail (hint: restore the file from a \
             backup)"
        )
    }
}

/// The last line: `removed N unreferenced archives (B bytes); kept R referenced and Y younger
/// than AGE[; F could not be removed][; M referenced archives missing]`.
pub struct Summary<'a>(pub &'a Report);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let verb = if r.options.dry_run {
            "would remove"
        } else {
            "removed"
        };
        write!(
            f,
            "{verb} {} unreferenced {} ({} bytes); kept {} referenced and {} younger than {}",
            r.removed.len(),
            plural(r.removed.len(), "archive"),
            r.removed_bytes(),
            r.referenced,
            r.young.len(),
            Age(r.options.min_age)
        )?;
        if !r.partial.is_empty() {
            write!(
                f,
                "; {verb} {} partial {} ({} bytes)",
                r.partial.len(),
                plural(r.partial.len(), "write"),
                r.partial.iter().map(|p| p.size).sum::<u64>()
            )?;
        }
        if !r.failed.is_empty() {
            write!(f, "; {} could not be removed", r.failed.len())?;
        }
        if !r.missing.is_empty() {
            write!(
                f,
                "; {} referenced {} missing",
                r.missing.len(),
                plural(r.missing.len(), "archive")
            )?;
        }
        Ok(())
    }
}

/// A duration to the second, as humantime writes it: `1h 2m 3s`, `0s`.
struct Age(Duration);

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = Duration::from_secs(self.0.as_secs());
        write!(f, "{}", humantime::format_duration(seconds))
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    fn archive(size: u64, age: u64) -> Unreferenced {
        Unreferenced {
            sha256: SHA.to_owned(),
            size,
            age: Duration::from_millis(age * 1000 + 400),
        }
    }

    #[test]
    fn lines() {
        let a = archive(1234, 3723);
        assert_eq!(
            RemovedLine {
                archive: &a,
                dry_run: true
            }
            .to_string(),
            format!("would remove {SHA} (1234 bytes, 1h 2m 3s old)")
        );
        assert_eq!(
            RemovedLine {
                archive: &a,
                dry_run: false
            }
            .to_string(),
            format!("removed {SHA} (1234 bytes, 1h 2m 3s old)")
        );
        assert_eq!(
            FailedLine(&a, "blob `x`: denied").to_string(),
            format!("warning: cannot remove {SHA}: blob `x`: denied")
        );
        assert_eq!(
            MissingLine(SHA).to_string(),
            format!(
                "warning: archive {SHA} is missing from the blob store (key \
                 `archives/ab/cd/{SHA}.osops`), but a version references it: its downloads fail \
                 (hint: restore the file from a backup)"
            )
        );
    }

    #[test]
    fn summaries() {
        let mut report = Report {
            options: Options {
                dry_run: true,
                min_age: Duration::from_secs(3600),
            },
            referenced: 2,
            removed: vec![archive(10, 7200)],
            young: vec![],
            failed: vec![],
            missing: vec![],
            partial: vec![],
        };
        assert_eq!(
            Summary(&report).to_string(),
            "would remove 1 unreferenced archive (10 bytes); kept 2 referenced and 0 younger than 1h"
        );
        assert!(report.success());
        report.options.dry_run = false;
        report.removed.push(archive(5, 7200));
        report.young.push(archive(1, 0));
        report.failed.push((archive(1, 7200), "denied".into()));
        report.missing.push(SHA.to_owned());
        assert_eq!(
            Summary(&report).to_string(),
            "removed 2 unreferenced archives (15 bytes); kept 2 referenced and 1 younger than 1h; \
             1 could not be removed; 1 referenced archive missing"
        );
        assert!(!report.success());
    }
}
