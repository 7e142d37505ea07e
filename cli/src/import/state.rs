//! The overlay's memory of earlier imports: `osops-import.json`, one entry per tool (keyed by its
//! path in the repository) with its name, version, the sha256 of each of its files, and the sha256
//! of the manifest as osops last wrote it.
//!
//! Re-importing a later revision compares digests: a tool whose files changed gets a patch bump,
//! the others keep their version, and every tool keeps its name. The manifest digest tells a
//! manifest a human edited from one osops wrote (see `overlay.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Error;

/// The state file's name, at the overlay's top.
pub const STATE_FILE: &str = "osops-import.json";
/// The format written; a newer one is refused rather than half understood.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct State {
    pub format: u32,
    /// The repository last imported, for humans reading the file.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub assets: BTreeMap<String, AssetState>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssetState {
    pub name: String,
    pub version: String,
    /// Repository-relative path → sha256 of the file's bytes.
    pub files: BTreeMap<String, String>,
    /// sha256 of `osops.toml` as osops last wrote it (or found it, when edited).
    pub manifest_sha256: String,
    /// A human edited the manifest: from then on only `version` and `include` are changed.
    #[serde(default)]
    pub edited: bool,
}

/// What happened to a tool's version in this import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// First seen: `0.1.0`.
    New,
    /// Files changed since the last import: patch bump.
    Changed,
    /// Same files: same version.
    Unchanged,
}

pub fn path(overlay: &Path) -> PathBuf {
    overlay.join(STATE_FILE)
}

/// Reads the state, or an empty one when the overlay has none yet.
pub fn load(overlay: &Path) -> Result<State, Error> {
    let path = path(overlay);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(State {
                format: FORMAT,
                ..State::default()
            });
        }
        Err(source) => return Err(Error::Read { path, source }),
    };
    let state: State = serde_json::from_str(&text).map_err(|e| Error::State {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if state.format != FORMAT {
        return Err(Error::State {
            path,
            reason: format!(
                "format {} is not the {FORMAT} this osops writes",
                state.format
            ),
        });
    }
    Ok(state)
}

pub fn save(overlay: &Path, state: &State) -> Result<(), Error> {
    let path = path(overlay);
    let mut text = serde_json::to_string_pretty(state).map_err(|e| Error::State {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    text.push('\n');
    crate::fs::write_atomic(&path, text.as_bytes()).map_err(|source| Error::Write { path, source })
}

/// The version a tool gets now: `0.1.0` when new, the earlier one when its files are the same,
/// that one with the patch number bumped when they changed.
pub fn next_version(
    earlier: Option<&AssetState>,
    files: &BTreeMap<String, String>,
) -> (semver::Version, Change) {
    let Some(earlier) = earlier else {
        return (semver::Version::new(0, 1, 0), Change::New);
    };
    let Ok(version) = semver::Version::parse(&earlier.version) else {
        return (semver::Version::new(0, 1, 0), Change::New);
    };
    if &earlier.files == files {
        (version, Change::Unchanged)
    } else {
        let mut bumped = semver::Version::new(version.major, version.minor, version.patch + 1);
        bumped.pre = semver::Prerelease::EMPTY;
        (bumped, Change::Changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, d)| (p.to_string(), d.to_string()))
            .collect()
    }

    #[test]
    fn only_changed_files_bump_the_patch_version() {
        let earlier = AssetState {
            name: "x".into(),
            version: "0.1.3".into(),
            files: files(&[("a.sh", "1"), ("lib.sh", "2")]),
            manifest_sha256: String::new(),
            edited: false,
        };
        let same = next_version(Some(&earlier), &files(&[("a.sh", "1"), ("lib.sh", "2")]));
        assert_eq!(same, (semver::Version::new(0, 1, 3), Change::Unchanged));
        let edited = next_version(Some(&earlier), &files(&[("a.sh", "1"), ("lib.sh", "3")]));
        assert_eq!(edited, (semver::Version::new(0, 1, 4), Change::Changed));
        let grew = next_version(Some(&earlier), &files(&[("a.sh", "1")]));
        assert_eq!(grew.1, Change::Changed);
        assert_eq!(
            next_version(None, &files(&[])),
            (semver::Version::new(0, 1, 0), Change::New)
        );
    }

    #[test]
    fn state_round_trips_through_the_overlay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut state = load(dir.path()).expect("empty state");
        assert!(state.assets.is_empty());
        state.assets.insert(
            "bin/a.sh".into(),
            AssetState {
                name: "a".into(),
                version: "0.1.0".into(),
                files: files(&[("bin/a.sh", "abc")]),
                manifest_sha256: "def".into(),
                edited: false,
            },
        );
        save(dir.path(), &state).expect("save");
        assert_eq!(load(dir.path()).expect("load"), state);
    }
}
