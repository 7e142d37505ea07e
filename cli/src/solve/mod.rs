//! The dependency resolver: every requirement, direct and transitive, solved together with
//! PubGrub (`docs/install.md`, "Resolution").
//!
//! [`solve`] takes a [`Problem`] (who asks, the root [`Requirement`]s, every known version of
//! every reachable asset, the versions to keep) and returns one [`Resolved`] version per asset, or
//! an [`Error`] that explains the conflict in plain words or names the dependency cycle.
//!
//! - `provider`: the PubGrub view of a problem: packages, version sets built from the known
//!   versions (so semver's matching, pre-release and yanked rules apply exactly), version choice.
//! - `explain`: turns PubGrub's derivation tree into the plain-words report, with the words
//!   for its parts from `describe`.
//! - `cycle`: finds a cycle in the chosen graph, which PubGrub itself accepts.

mod cycle;
mod describe;
mod explain;
mod provider;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use osops_index::{AssetName, IndexEntry};
use pubgrub::PubGrubError;
use semver::{Version, VersionReq};

use provider::{Catalog, Pkg};

/// One requirement of the root: `name` at a version matching `req`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: AssetName,
    pub req: VersionReq,
}

/// Everything a resolution needs, borrowed from the caller.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// Who asks, named in explanations: a project name ("region-one-ops"), or "your request".
    pub root: String,
    /// All apply; a name may appear more than once.
    pub requirements: Vec<Requirement>,
    /// Every version of every asset the graph can reach (from the index, in any order).
    /// A name absent from this map is an asset the registry does not have.
    pub available: &'a BTreeMap<AssetName, Vec<IndexEntry>>,
    /// Versions to keep when they still satisfy every requirement (from a lockfile, or what is
    /// installed).
    pub preferred: &'a BTreeMap<AssetName, Version>,
}

/// The version chosen for one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub entry: IndexEntry,
    /// Chosen although yanked: only possible for an exact pin (`=1.2.0`) or a preferred (locked)
    /// version.
    pub yanked: bool,
    /// The names this version depends on (from `entry.deps`), sorted.
    pub dependencies: BTreeSet<AssetName>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `explanation` is the report, every line indented by two spaces.
    #[error("no set of versions satisfies every requirement:\n{explanation}")]
    Conflict { explanation: String },
    /// The first element is repeated at the end: `a 1.0.0 → b 2.0.0 → a 1.0.0`.
    #[error("dependency cycle: {}", cycle::display(cycle))]
    Cycle { cycle: Vec<(AssetName, Version)> },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Conflict { .. } => "loosen one of the requirements named above, or see every \
                                       version with `osops info NAME`"
                .into(),
            Error::Cycle { .. } => {
                "a cycle cannot be installed; ask the assets' owners to break it".into()
            }
        })
    }
}

/// Chooses one version of every asset the requirements reach: the newest versions that satisfy
/// the whole graph, keeping the preferred ones where they still fit.
pub fn solve(problem: &Problem<'_>) -> Result<BTreeMap<AssetName, Resolved>, Error> {
    let catalog = Catalog::new(problem);
    let solution = match pubgrub::resolve(&catalog, catalog.root(), Catalog::root_version()) {
        Ok(solution) => solution,
        Err(PubGrubError::NoSolution(tree)) => {
            return Err(Error::Conflict {
                explanation: explain::explain(&catalog, &tree),
            });
        }
        // The provider's error type is `Infallible`: these cannot happen.
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => match source {},
    };
    let mut resolved = BTreeMap::new();
    for (pkg, version) in solution {
        let Pkg::Asset(name) = pkg else { continue };
        // Every chosen version is a known one: sets are built from the index entries.
        let Some(entry) = catalog.entry(&name, &version) else {
            continue;
        };
        resolved.insert(
            name,
            Resolved {
                entry: entry.clone(),
                yanked: entry.yanked,
                dependencies: entry.deps.iter().map(|d| d.name.clone()).collect(),
            },
        );
    }
    if let Some(cycle) = cycle::find(&resolved) {
        return Err(Error::Cycle { cycle });
    }
    Ok(resolved)
}
