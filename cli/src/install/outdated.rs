//! What newer versions exist for a tree: the newest the requirements allow (what `update` or
//! `upgrade` would pick) and the newest published.

use osops_index::AssetName;
use semver::Version;

use super::{Engine, Error, Want};
use crate::lockfile::Lockfile;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outdated {
    pub name: AssetName,
    pub current: Version,
    /// The newest version every requirement allows; `None` when it would be removed.
    pub compatible: Option<Version>,
    /// The newest version published (not yanked; a pre-release only if `current` is one).
    pub latest: Option<Version>,
}

/// Resolves `want` without preferences and compares it with `current`; only assets with a newer
/// version somewhere are listed.
pub fn compare(
    engine: &Engine<'_>,
    want: &Want,
    current: &Lockfile,
) -> Result<Vec<Outdated>, Error> {
    let fresh = engine.resolve(want)?;
    let mut rows = Vec::new();
    for locked in current.assets() {
        let compatible = fresh.lock.get(&locked.name).map(|l| l.version.clone());
        let latest = fresh
            .available
            .get(&locked.name)
            .into_iter()
            .flatten()
            .filter(|e| !e.yanked && (e.vers.pre.is_empty() || !locked.version.pre.is_empty()))
            .map(|e| e.vers.clone())
            .max();
        let newer = |v: &Option<Version>| v.as_ref().is_some_and(|v| v > &locked.version);
        if newer(&compatible) || newer(&latest) {
            rows.push(Outdated {
                name: locked.name.clone(),
                current: locked.version.clone(),
                compatible,
                latest,
            });
        }
    }
    Ok(rows)
}
