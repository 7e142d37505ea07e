//! What an incremental run does with each file: add it, replace it, leave it, or remove it.
//!
//! Every file is judged by its sha256: an archive already on disk with the index's `cksum` is
//! not downloaded again, an index file already holding the bytes to write is not rewritten. An
//! archive the last run recorded, still with the size and modification time it had then, is not
//! even read again ([`known_unchanged`]), so an update of a large mirror costs a `stat` per
//! archive rather than a pass over every byte.
//! Removal is limited to files the previous run's record lists, under `index/` or `archives/`,
//! with plain relative paths: a record edited by hand (or by an attacker with write access to a
//! USB stick) cannot make `osops mirror` delete anything else.

use std::collections::BTreeSet;

use super::layout::{ARCHIVES_DIR, INDEX_DIR};
use super::record::{Record, Stamp};

/// What happens to one wanted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Not on disk yet.
    Added,
    /// On disk with other contents (an archive that no longer hashes right, a changed index file).
    Updated,
    /// On disk with exactly the wanted contents: not touched.
    Unchanged,
}

/// `on_disk`: the sha256 of the file there now, if there is one.
pub fn decide(on_disk: Option<&str>, wanted: &str) -> Change {
    match on_disk {
        None => Change::Added,
        Some(have) if have == wanted => Change::Unchanged,
        Some(_) => Change::Updated,
    }
}

/// Whether the archive at `rel` can be taken as unchanged without hashing it: the previous run
/// recorded it with the wanted sha256, and it still has the size and modification time that run
/// saw (`now`). The quick check rsync makes; `osops mirror --verify` hashes every archive
/// instead. A file changed behind the record's back with its stamp restored is still caught
/// where it matters: every install hashes what it downloads.
pub fn known_unchanged(
    previous: Option<&Record>,
    rel: &str,
    wanted: &str,
    now: Option<Stamp>,
) -> bool {
    previous.is_some_and(|record| {
        record.files.get(rel).is_some_and(|sha| sha == wanted)
            && now.is_some_and(|now| record.stamps.get(rel) == Some(&now))
    })
}

/// How many files of one kind were added, updated, left unchanged and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
}

impl Counts {
    pub fn count(&mut self, change: Change) {
        match change {
            Change::Added => self.added += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    /// Whether anything was written or removed.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.removed > 0
    }
}

/// The files the previous record lists that this run does not want, that a mirror may remove:
/// plain paths under `index/` or `archives/`. Sorted.
pub fn stale(previous: &Record, wanted: &BTreeSet<String>) -> Vec<String> {
    previous
        .files
        .keys()
        .filter(|rel| !wanted.contains(*rel) && is_mirror_file(rel))
        .cloned()
        .collect()
}

/// Whether `rel` can name a file a mirror writes, and so one a run may remove: under `index/` or
/// `archives/`, plain names only. [`super::fsops`] checks it again before removing anything.
pub fn is_mirror_file(rel: &str) -> bool {
    let under_ours = [INDEX_DIR, ARCHIVES_DIR]
        .iter()
        .any(|dir| rel.strip_prefix(dir).is_some_and(|r| r.starts_with('/')));
    under_ours && crate::client::is_plain_rel(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_their_sha256() {
        assert_eq!(decide(None, "aa"), Change::Added);
        assert_eq!(decide(Some("aa"), "aa"), Change::Unchanged);
        assert_eq!(decide(Some("bb"), "aa"), Change::Updated);
        let mut counts = Counts::default();
        assert!(!counts.changed());
        counts.count(Change::Unchanged);
        assert!(!counts.changed(), "{counts:?}");
        counts.count(Change::Added);
        assert!(counts.changed());
        assert_eq!((counts.added, counts.unchanged), (1, 1));
    }

    #[test]
    fn an_archive_is_trusted_only_with_its_recorded_sha256_and_stamp() {
        let rel = "archives/x/x-1.0.0.osops";
        let stamp = Stamp {
            size: 10,
            mtime_ns: 1_700_000_000_000_000_000,
        };
        let mut record = Record::default();
        record.files.insert(rel.into(), "aa".into());
        record.stamps.insert(rel.into(), stamp);
        assert!(known_unchanged(Some(&record), rel, "aa", Some(stamp)));
        assert!(!known_unchanged(None, rel, "aa", Some(stamp)), "no record");
        assert!(
            !known_unchanged(Some(&record), rel, "bb", Some(stamp)),
            "a new cksum"
        );
        assert!(!known_unchanged(Some(&record), rel, "aa", None), "gone");
        let touched = Stamp {
            mtime_ns: stamp.mtime_ns + 1,
            ..stamp
        };
        assert!(!known_unchanged(Some(&record), rel, "aa", Some(touched)));
        let grown = Stamp { size: 11, ..stamp };
        assert!(!known_unchanged(Some(&record), rel, "aa", Some(grown)));
        record.stamps.clear();
        assert!(
            !known_unchanged(Some(&record), rel, "aa", Some(stamp)),
            "a record without stamps (an older osops) hashes"
        );
    }

    #[test]
    fn only_recorded_files_under_the_mirror_are_removed() {
        let mut previous = Record::default();
        for rel in [
            "index/no/va/nova-tools",
            "index/ga/le/galera-check",
            "archives/nova-tools/nova-tools-1.0.0.osops",
            "archives/../../home/me/.bashrc",
            "index/../mirror.json",
            "/etc/passwd",
            "archives",
            "indexes/x",
            "notes.txt",
        ] {
            previous.files.insert(rel.to_owned(), "00".into());
        }
        let wanted = BTreeSet::from(["index/ga/le/galera-check".to_owned()]);
        assert_eq!(
            stale(&previous, &wanted),
            [
                "archives/nova-tools/nova-tools-1.0.0.osops",
                "index/no/va/nova-tools"
            ]
        );
    }
}
