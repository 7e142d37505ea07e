//! SECURITY-TESTS.md cases 1–10: one test per attack, each archive built header by header.
//!
//! Every archive is the valid baseline (top directory, manifest, entry point) plus the one hostile
//! thing under test, so the only rule that can reject it is the one the test is named for. Each
//! goes through the full install path — [`read`], then [`Archive::extract_to`] into a sandbox —
//! and the sandbox is checked afterwards: nothing outside the target, no partial target.

mod collisions;
mod corrupt;
mod limits;
mod links;
mod markers;
mod paths;

use std::path::{Path, PathBuf};

use osops_index::archive::{Archive, ArchiveError, EntryData, Limits, read};
use osops_tests::hostile::tar::{Header, Tar, gzip};
use osops_tests::hostile::{self as support, PREFIX, baseline, p};

/// Small limits so the limit tests run in milliseconds.
fn limits() -> Limits {
    Limits {
        max_compressed: 1024 * 1024,
        max_unpacked: 256 * 1024,
        max_entries: 100,
        max_path_len: 255,
        max_ratio: 200,
    }
}

/// A temporary directory with a decoy file beside the extraction target, to prove that nothing
/// outside the target is written, replaced or re-moded.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    target: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("sandbox");
        std::fs::create_dir_all(root.join("decoy")).expect("decoy dir");
        std::fs::write(root.join("decoy/keep.txt"), b"untouched").expect("decoy file");
        let target = root.join("target");
        Sandbox {
            _tmp: tmp,
            root,
            target,
        }
    }

    /// What the CLI does: validate, then extract what was validated.
    fn install(&self, bytes: &[u8]) -> Result<Archive, ArchiveError> {
        self.install_with(bytes, &limits())
    }

    fn install_with(&self, bytes: &[u8], limits: &Limits) -> Result<Archive, ArchiveError> {
        let archive = read(bytes, limits)?;
        archive
            .extract_to(&self.target)
            .expect("extraction of a validated archive");
        Ok(archive)
    }

    /// Everything under the sandbox root other than the target is exactly the decoy.
    fn assert_nothing_outside(&self) {
        let mut seen: Vec<String> = walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.expect("walk")
                    .path()
                    .strip_prefix(&self.root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|p| p != "target" && !p.starts_with("target/"))
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            ["decoy", "decoy/keep.txt"],
            "something was written outside the target"
        );
        assert_eq!(
            std::fs::read(self.root.join("decoy/keep.txt")).expect("decoy"),
            b"untouched"
        );
        let outside = self
            .root
            .parent()
            .expect("tmp")
            .read_dir()
            .expect("tmp")
            .count();
        assert_eq!(outside, 1, "something was written beside the sandbox");
    }
}

/// Installs the archive, expecting rejection with nothing on disk; returns the error.
fn rejected(bytes: Vec<u8>) -> ArchiveError {
    rejected_with(bytes, &limits())
}

fn rejected_with(bytes: Vec<u8>, limits: &Limits) -> ArchiveError {
    let sandbox = Sandbox::new();
    let err = sandbox
        .install_with(&bytes, limits)
        .expect_err("hostile archive accepted");
    sandbox.assert_nothing_outside();
    assert!(
        !sandbox.target.exists(),
        "a rejected archive left a target behind"
    );
    err
}

/// The entry path and reason of a `BadEntry`, or a panic naming what came instead.
fn bad_entry(err: ArchiveError) -> (String, String) {
    match err {
        ArchiveError::BadEntry { path, reason } => (path, reason),
        other => panic!("expected BadEntry, got {other:?}: {other}"),
    }
}

fn assert_bad_entry(err: ArchiveError, path: &str, reason_contains: &str) {
    let (p, reason) = bad_entry(err);
    assert_eq!(p, path);
    assert!(
        reason.contains(reason_contains),
        "reason `{reason}` lacks `{reason_contains}`"
    );
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

// --- The baseline itself is fine -------------------------------------------------------------

#[test]
fn baseline_archive_installs_exactly_its_entries() {
    let sandbox = Sandbox::new();
    let archive = sandbox
        .install(&baseline().gz())
        .expect("baseline is valid");
    let paths: Vec<_> = archive.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["osops.toml", "bin", "bin/run.sh"]);
    assert_eq!(archive.manifest.asset.name.as_str(), support::NAME);
    assert!(sandbox.target.join("bin/run.sh").is_file());
    sandbox.assert_nothing_outside();
}
