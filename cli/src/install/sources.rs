//! Where assets come from: one client and one cache per registry, index files read through the
//! cache (revalidated online, cache only offline), fetched a bounded number at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use osops_index::{AssetName, IndexConfig, IndexEntry};

use super::{Error, parallel};
use crate::cache::{Cache, IndexReader, ReadError};
use crate::client::{Client, Silent};

/// Every version of every asset a resolution can reach, and the registry each name comes from.
#[derive(Debug, Default)]
pub struct Gathered {
    pub available: BTreeMap<AssetName, Vec<IndexEntry>>,
    pub registry_of: BTreeMap<AssetName, String>,
}

/// Index files already read in this run, by registry and name.
type Memo = Mutex<BTreeMap<(String, AssetName), Option<Vec<IndexEntry>>>>;

pub struct Sources {
    clients: BTreeMap<String, Client>,
    /// A run reads each index file once, however many steps ask for it.
    memo: Memo,
    pub cache: Cache,
    pub offline: bool,
    pub jobs: usize,
}

impl Sources {
    /// `clients`: one per registry the run may use, keyed by its normalized URL.
    pub fn new(
        clients: BTreeMap<String, Client>,
        cache: Cache,
        offline: bool,
        jobs: usize,
    ) -> Self {
        Sources {
            clients,
            memo: Memo::default(),
            cache,
            offline,
            jobs: jobs.max(1),
        }
    }

    /// Every client, for the downloader.
    pub fn clients(&self) -> Vec<&Client> {
        self.clients.values().collect()
    }

    pub fn client(&self, registry: &str) -> Result<&Client, Error> {
        self.clients
            .get(registry)
            .ok_or_else(|| Error::UnknownRegistry(registry.to_owned()))
    }

    fn reader(&self, registry: &str) -> Result<IndexReader<'_>, Error> {
        Ok(IndexReader::new(
            self.client(registry)?,
            self.cache.registry(registry),
            self.offline,
        ))
    }

    /// The registry's `config.json` (for its download URL template).
    pub fn config(&self, registry: &str) -> Result<IndexConfig, Error> {
        self.reader(registry)?
            .config(&Silent)
            .map_err(|e| index_error(registry, "the index configuration", e))
    }

    /// The index files of `wanted` (registry, name), side by side. `None` for a name the registry
    /// does not have. Offline, every miss is reported at once.
    pub fn entries(
        &self,
        wanted: &[(String, AssetName)],
    ) -> Result<Vec<Option<Vec<IndexEntry>>>, Error> {
        let results = parallel::map(wanted, self.jobs, |(registry, name)| {
            let key = (registry.clone(), name.clone());
            if let Some(known) = self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
                return Ok(known);
            }
            let entries = self
                .reader(registry)?
                .entries(name, &Silent)
                .map_err(|e| index_error(registry, &format!("the index file of `{name}`"), e))?;
            if let Ok(mut memo) = self.memo.lock() {
                memo.insert(key, entries.clone());
            }
            Ok(entries)
        });
        let mut found = Vec::with_capacity(results.len());
        let mut missing = Vec::new();
        for result in results {
            match result {
                Ok(entries) => found.push(entries),
                Err(Error::Offline { missing: m }) => missing.extend(m),
                Err(e) => return Err(e),
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(Error::Offline { missing })
        }
    }

    /// The one registry among `candidates` that serves `name`. Asking every configured registry
    /// and refusing when several answer is what stops dependency confusion (SECURITY-TESTS 27).
    pub fn locate(&self, name: &AssetName, candidates: &[String]) -> Result<String, Error> {
        if let [only] = candidates {
            return Ok(only.clone());
        }
        let wanted: Vec<(String, AssetName)> = candidates
            .iter()
            .map(|r| (r.clone(), name.clone()))
            .collect();
        let serving: Vec<String> = self
            .entries(&wanted)?
            .into_iter()
            .zip(candidates)
            .filter(|(entries, _)| entries.is_some())
            .map(|(_, registry)| registry.clone())
            .collect();
        match serving.as_slice() {
            [] => Err(Error::NotFound {
                name: name.clone(),
                registry: candidates.join(", "),
            }),
            [one] => Ok(one.clone()),
            _ => Err(Error::Ambiguous {
                name: name.clone(),
                registries: serving,
            }),
        }
    }

    /// Reads the index files of `roots` and of everything any of their versions depend on, wave
    /// by wave. A dependency comes from its dependent's registry.
    pub fn gather(&self, roots: &BTreeMap<AssetName, String>) -> Result<Gathered, Error> {
        let mut gathered = Gathered::default();
        let mut wave: Vec<(String, AssetName)> = roots
            .iter()
            .map(|(name, registry)| (registry.clone(), name.clone()))
            .collect();
        for (registry, name) in &wave {
            gathered.registry_of.insert(name.clone(), registry.clone());
        }
        while !wave.is_empty() {
            let found = self.entries(&wave)?;
            let mut next = BTreeSet::new();
            for ((registry, name), entries) in wave.iter().zip(found) {
                let Some(entries) = entries else { continue };
                for dep in entries.iter().flat_map(|e| &e.deps) {
                    if !gathered.registry_of.contains_key(&dep.name) {
                        gathered
                            .registry_of
                            .insert(dep.name.clone(), registry.clone());
                        next.insert((registry.clone(), dep.name.clone()));
                    }
                }
                gathered.available.insert(name.clone(), entries);
            }
            wave = next.into_iter().collect();
        }
        Ok(gathered)
    }
}

fn index_error(registry: &str, what: &str, e: ReadError) -> Error {
    match e {
        ReadError::NotCached { what, registry } => Error::Offline {
            missing: vec![format!("{what} from {registry}")],
        },
        other => Error::Index {
            what: what.to_owned(),
            registry: registry.to_owned(),
            source: Box::new(other),
        },
    }
}
