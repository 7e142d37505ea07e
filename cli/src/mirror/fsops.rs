//! The mirror's own file-system steps: its record, its lock, leftovers of a run cut short,
//! atomic writes (0644, for the web server), and removals that tidy up empty directories.

use std::path::Path;

use super::Error;
use super::layout::{ARCHIVES_DIR, INDEX_DIR};
use super::plan::is_mirror_file;
use super::record::{RECORD_FILE, Record, Stamp};

/// Held while a run writes the mirror.
const LOCK_FILE: &str = ".osops-mirror.lock";
/// Temporary files of an interrupted run: downloads (`cache::PendingArchive::beside`) and
/// atomic writes (`crate::fs::write_atomic`).
const LEFTOVER_PREFIXES: [&str; 2] = [".download-", ".tmp-"];

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// The record an earlier run left, if any.
pub(super) fn read_record(dir: &Path) -> Result<Option<Record>, Error> {
    let path = dir.join(RECORD_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::BadRecord {
            path,
            message: e.to_string(),
        })
}

/// Whether `dir` holds anything but the mirror's lock file.
pub(super) fn has_entries(dir: &Path) -> Result<bool, Error> {
    let entries = std::fs::read_dir(dir).map_err(io(dir))?;
    Ok(entries
        .flatten()
        .any(|entry| entry.file_name() != LOCK_FILE))
}

/// Takes the mirror's lock, or fails at once if another run holds it. The OS drops it when the
/// process ends, so a killed run leaves no stale lock.
pub(super) fn lock(dir: &Path) -> Result<std::fs::File, Error> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy {
            dir: dir.to_owned(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}

/// Removes the temporary files an interrupted run left under `index/` and `archives/` (safe:
/// the lock says no other run is writing them).
pub(super) fn remove_leftovers(dir: &Path) -> Result<(), Error> {
    let mut pending = vec![dir.join(INDEX_DIR), dir.join(ARCHIVES_DIR)];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir)(e)),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let leftover = entry
                .file_name()
                .to_str()
                .is_some_and(|n| LEFTOVER_PREFIXES.iter().any(|p| n.starts_with(p)));
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                Ok(t) if t.is_file() && leftover => {
                    std::fs::remove_file(&path).map_err(io(&path))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The sha256 of the file at `path`, `None` when there is none.
pub(super) fn sha256_of(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(osops_index::sha256_hex(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // A directory where a file belongs: as good as missing; the write will say what is wrong.
        Err(_) if path.is_dir() => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// The size and modification time of the file at `path`, `None` when there is no file there.
pub(super) fn stamp_of(path: &Path) -> Result<Option<Stamp>, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok());
    Ok(mtime_ns.map(|mtime_ns| Stamp {
        size: meta.len(),
        mtime_ns,
    }))
}

/// Writes `path` atomically, mode 0644.
pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::fs::write_atomic(path, bytes).map_err(io(path))
}

/// Removes the file `rel` of the mirror and the directories it leaves empty (up to `index/` or
/// `archives/`); its size, or `None` when it was already gone. `rel` comes from `mirror.json`,
/// which travels with the mirror and may have been edited: a path that no mirror writes is
/// refused, so a hostile record cannot make a run delete anything outside `index/` and
/// `archives/`.
pub(super) fn remove(dir: &Path, rel: &str) -> Result<Option<u64>, Error> {
    if !is_mirror_file(rel) {
        return Err(Error::BadRecord {
            path: dir.join(RECORD_FILE),
            message: format!("it lists `{rel}`, which no mirror writes; nothing was removed"),
        });
    }
    let path = dir.join(rel);
    let size = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path)(e)),
    };
    std::fs::remove_file(&path).map_err(io(&path))?;
    let stops = [dir.join(INDEX_DIR), dir.join(ARCHIVES_DIR), dir.to_owned()];
    let mut parent = path.parent();
    while let Some(p) = parent.filter(|p| !stops.iter().any(|s| s == p)) {
        // Not empty (or not ours to remove): stop there.
        if std::fs::remove_dir(p).is_err() {
            break;
        }
        parent = p.parent();
    }
    Ok(Some(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_cannot_remove_anything_outside_the_mirror_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mirror = dir.path().join("mirror");
        write(&dir.path().join("precious"), b"x").expect("write");
        write(&mirror.join("index/config.json"), b"{}").expect("write");
        for rel in [
            "../precious",
            "index/../../precious",
            "/etc/passwd",
            "mirror.json",
            "index",
            "index/",
            "index//x",
            "archives/.hidden",
            "elsewhere/file",
        ] {
            let refused = remove(&mirror, rel).expect_err(rel);
            assert!(matches!(refused, Error::BadRecord { .. }), "{rel}");
        }
        assert!(dir.path().join("precious").is_file());
        assert!(mirror.join("index/config.json").is_file());
        assert!(is_mirror_file("index/config.json"));
        assert!(is_mirror_file("archives/a/a-1.osops"));
    }

    #[test]
    fn removals_tidy_empty_directories_but_keep_the_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        for rel in [
            "index/no/va/nova-tools",
            "index/no/vb/novb-x",
            "archives/a/a-1.osops",
        ] {
            write(&dir.path().join(rel), b"x").expect("write");
        }
        assert_eq!(
            remove(dir.path(), "index/no/va/nova-tools").expect("rm"),
            Some(1)
        );
        assert!(!dir.path().join("index/no/va").exists());
        assert!(dir.path().join("index/no/vb/novb-x").exists());
        assert_eq!(
            remove(dir.path(), "archives/a/a-1.osops").expect("rm"),
            Some(1)
        );
        assert!(!dir.path().join("archives/a").exists());
        assert!(dir.path().join("archives").is_dir());
        assert_eq!(
            remove(dir.path(), "archives/a/a-1.osops").expect("gone"),
            None
        );
    }

    #[test]
    fn leftovers_of_a_cut_run_go_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        for rel in [
            "archives/a/.download-x1",
            "archives/a/a-1.osops",
            "index/no/va/.tmp-y",
            "index/no/va/nova-tools",
            ".keep-me",
        ] {
            write(&dir.path().join(rel), b"x").expect("write");
        }
        remove_leftovers(dir.path()).expect("clean");
        assert!(!dir.path().join("archives/a/.download-x1").exists());
        assert!(!dir.path().join("index/no/va/.tmp-y").exists());
        assert!(dir.path().join("archives/a/a-1.osops").exists());
        assert!(dir.path().join("index/no/va/nova-tools").exists());
        assert!(dir.path().join(".keep-me").exists());
    }

    #[test]
    fn a_second_run_finds_the_mirror_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = lock(dir.path()).expect("first");
        assert!(matches!(lock(dir.path()), Err(Error::Busy { .. })));
        drop(held);
        lock(dir.path()).expect("free again");
        assert!(
            !has_entries(dir.path()).expect("read"),
            "the lock file does not count"
        );
    }
}
