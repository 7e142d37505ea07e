//! From requirements to a lock: find each root's registry, read the index files the graph
//! reaches, solve, and check that every asset and its dependencies come from one registry.

use std::collections::BTreeMap;

use osops_index::{AssetName, IndexEntry};
use semver::Version;

use super::Error;
use super::sources::Sources;
use crate::lockfile::{Locked, Lockfile, Root};
use crate::solve::{self, Problem, Requirement};

/// What a run asks for.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// Who asks, for explanations: the project's name, or "your request".
    pub label: String,
    pub roots: Vec<Root>,
    /// Versions to keep when they still fit: the lock's, or what is installed.
    pub preferred: BTreeMap<AssetName, Version>,
    /// Where a root came from last time (the lock or a receipt): used instead of asking every
    /// registry again, when it is one of the root's sources.
    pub known_sources: BTreeMap<AssetName, String>,
}

/// A solved set, with what the solution was chosen from.
#[derive(Debug)]
pub struct Resolution {
    pub lock: Lockfile,
    /// Every version of every asset the graph reached, for `outdated`.
    pub available: BTreeMap<AssetName, Vec<IndexEntry>>,
}

pub fn resolve(sources: &Sources, want: &Want) -> Result<Resolution, Error> {
    let mut root_registry = BTreeMap::new();
    for root in &want.roots {
        let registry = match want.known_sources.get(&root.name) {
            Some(known) if root.sources.contains(known) => known.clone(),
            _ => sources.locate(&root.name, &root.sources)?,
        };
        if let Some(other) = root_registry.insert(root.name.clone(), registry.clone())
            && other != registry
        {
            return Err(Error::SourceConflict {
                name: root.name.clone(),
                first: other,
                second: registry,
            });
        }
    }
    let gathered = sources.gather(&root_registry)?;
    for root in &want.roots {
        if !gathered.available.contains_key(&root.name) {
            return Err(Error::NotFound {
                name: root.name.clone(),
                registry: gathered
                    .registry_of
                    .get(&root.name)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    let problem = Problem {
        root: want.label.clone(),
        requirements: want
            .roots
            .iter()
            .map(|r| Requirement {
                name: r.name.clone(),
                req: r.req.clone(),
            })
            .collect(),
        available: &gathered.available,
        preferred: &want.preferred,
    };
    let solved = solve::solve(&problem)?;

    let mut locked = Vec::new();
    for (name, resolved) in solved {
        let source = gathered
            .registry_of
            .get(&name)
            .cloned()
            .ok_or_else(|| Error::UnknownRegistry(name.to_string()))?;
        // A dependency is taken from its dependent's registry; one name, one registry.
        for dep in &resolved.dependencies {
            if let Some(dep_source) = gathered.registry_of.get(dep)
                && dep_source != &source
            {
                return Err(Error::SourceConflict {
                    name: dep.clone(),
                    first: dep_source.clone(),
                    second: source.clone(),
                });
            }
        }
        if !crate::lockfile::is_sha256(&resolved.entry.cksum) {
            return Err(Error::BadIndexChecksum {
                name: name.clone(),
                version: resolved.entry.vers.clone(),
                cksum: resolved.entry.cksum.clone(),
            });
        }
        locked.push(Locked {
            name,
            version: resolved.entry.vers,
            source,
            sha256: resolved.entry.cksum,
            dependencies: resolved.dependencies.into_iter().collect(),
        });
    }
    Ok(Resolution {
        lock: Lockfile::new(locked),
        available: gathered.available,
    })
}
