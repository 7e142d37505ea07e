//! Making a tree hold exactly a lock, in an order that survives a crash.
//!
//! Nothing in the tree changes until every archive needed is in the cache with the sha256 the lock
//! names, has passed the same validator as the registry's, names the version it should, and every
//! bin link is known to be free. Then, dependencies first, asset by asset: extraction into
//! `assets/NAME/.tmp-VERSION-XXXX/`, renamed to `assets/NAME/VERSION/` → bin links → the receipt,
//! last and atomically. An asset is installed iff its receipt exists: a crash leaves at most
//! complete unlinked directories and temporary ones, which the next run removes and redoes.
//! Assets the lock no longer lists are removed last, links first, then receipt, then directory.

use std::collections::{BTreeMap, BTreeSet};

use osops_index::archive::{self, Archive, Limits};
use osops_index::{AssetName, IndexConfig};
use semver::Version;

use super::tree::Tree;
use super::{Engine, Error};
use crate::cache::Lookup;
use crate::cache::download::{self, Download};
use crate::fs::{make_executable, random_suffix, remove_leftovers, remove_path};
use crate::home::{self, Receipt, io_error};
use crate::links::{self, LinkState};
use crate::lockfile::{Locked, Lockfile};

/// What a run asked for by name, with the requirement as typed (`None`: any version). Assets
/// not listed were installed as dependencies.
pub type Requested = BTreeMap<AssetName, Option<String>>;

/// One asset the run installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub name: AssetName,
    pub version: Version,
    pub bins: Vec<String>,
    pub playbook: Option<String>,
    /// The version this one replaced.
    pub replaced: Option<Version>,
    /// Installed because another asset needs it, not by name.
    pub dependency: bool,
}

/// What a run did to a tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub installed: Vec<Installed>,
    pub removed: Vec<(AssetName, Version)>,
    /// Already there as the lock wants them.
    pub unchanged: Vec<(AssetName, Version)>,
}

/// An archive read and checked, ready to extract.
struct Ready<'l> {
    locked: &'l Locked,
    archive: Archive,
    bins: BTreeMap<String, String>,
}

impl Engine<'_> {
    /// Makes `tree` hold exactly `lock`.
    pub fn apply(
        &self,
        tree: &Tree,
        lock: &Lockfile,
        requested: &Requested,
    ) -> Result<Applied, Error> {
        let home = &tree.home;
        let receipts: BTreeMap<AssetName, Receipt> = home
            .receipts()?
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect();
        // `--force` reinstalls what was asked for by name, not every dependency.
        let forced = |name: &AssetName| self.options.force && requested.contains_key(name);
        let mut applied = Applied::default();
        let mut todo = Vec::new();
        for locked in install_order(lock) {
            match receipts.get(&locked.name) {
                Some(r) if !forced(&locked.name) && is_current(tree, r, locked) => {
                    applied
                        .unchanged
                        .push((locked.name.clone(), locked.version.clone()));
                }
                Some(r) if r.registry != locked.source && !forced(&locked.name) => {
                    return Err(Error::OtherRegistry {
                        name: locked.name.clone(),
                        installed_from: r.registry.clone(),
                        registry: locked.source.clone(),
                    });
                }
                _ => todo.push(locked),
            }
        }
        let leaving: BTreeSet<&AssetName> = receipts
            .keys()
            .filter(|name| lock.get(name).is_none())
            .collect();

        self.warn_yanked(&todo);
        let ready = self.prepare(tree, &todo, &receipts, &leaving)?;
        self.check_requirements(&ready)?;

        // From here on, the tree changes.
        for item in ready {
            let previous = receipts.get(&item.locked.name);
            applied
                .installed
                .push(self.install_one(home, item, previous, requested)?);
        }
        for (name, _) in &applied.unchanged {
            // Asked for by name now, or with another requirement: the receipt says so.
            if let Some(receipt) = receipts.get(name) {
                let wanted = wanted_receipt(receipt, lock, requested);
                if &wanted != receipt {
                    home.write_receipt(&wanted)?;
                }
            }
        }
        for name in leaving {
            uninstall(home, name)?;
            if let Some(receipt) = receipts.get(name) {
                applied
                    .removed
                    .push((name.clone(), receipt.version.clone()));
            }
        }
        Ok(applied)
    }

    /// Warns about each asset of `todo` whose version is yanked: it installs only because an
    /// exact pin or the lock names it (SECURITY-TESTS 15). Best effort: the index files are the
    /// ones resolving read (or the cache offline); when they cannot be read, nothing is said.
    fn warn_yanked(&self, todo: &[&Locked]) {
        let wanted: Vec<(String, AssetName)> = todo
            .iter()
            .map(|l| (l.source.clone(), l.name.clone()))
            .collect();
        let Ok(found) = self.sources.entries(&wanted) else {
            return;
        };
        for (locked, entries) in todo.iter().zip(found) {
            let yanked = entries
                .into_iter()
                .flatten()
                .any(|e| e.vers == locked.version && e.yanked);
            if yanked {
                self.printer.warn(format_args!(
                    "{} v{} is yanked; installing it because it is pinned exactly or locked",
                    locked.name, locked.version
                ));
            }
        }
    }

    /// Every archive of `todo`, fetched, verified and validated, with its bin links planned.
    fn prepare<'l>(
        &self,
        tree: &Tree,
        todo: &[&'l Locked],
        receipts: &BTreeMap<AssetName, Receipt>,
        leaving: &BTreeSet<&AssetName>,
    ) -> Result<Vec<Ready<'l>>, Error> {
        let limits = Limits::default();
        let archives = self.fetch(todo, &limits)?;
        // Commands the assets that stay as they are keep.
        let mut claimed: BTreeMap<String, AssetName> = receipts
            .values()
            .filter(|r| !leaving.contains(&r.name) && !todo.iter().any(|l| l.name == r.name))
            .flat_map(|r| r.bins.keys().map(|cmd| (cmd.clone(), r.name.clone())))
            .collect();
        let mut ready = Vec::with_capacity(todo.len());
        for (locked, bytes) in todo.iter().zip(archives) {
            let (name, version) = (&locked.name, &locked.version);
            // The cache hashed exactly these bytes against the lock's sha256.
            let archive = archive::read(&bytes, &limits).map_err(|e| Error::Archive {
                name: name.clone(),
                version: version.clone(),
                source: Box::new(e),
            })?;
            let found = &archive.manifest.asset;
            if &found.name != name || &found.version != version {
                return Err(Error::ManifestMismatch {
                    name: name.clone(),
                    version: version.clone(),
                    found: format!("{} v{}", found.name, found.version),
                });
            }
            let bins = self.plan_bins(tree, &archive, &mut claimed)?;
            ready.push(Ready {
                locked,
                archive,
                bins,
            });
        }
        Ok(ready)
    }

    /// The verified bytes of `todo`'s archives: from the cache, after downloading those it lacks.
    fn fetch(&self, todo: &[&Locked], limits: &Limits) -> Result<Vec<Vec<u8>>, Error> {
        let sources = &self.sources;
        let mut cached = Vec::with_capacity(todo.len());
        let mut jobs = Vec::new();
        let mut missing = Vec::new();
        let mut configs: BTreeMap<&str, IndexConfig> = BTreeMap::new();
        for locked in todo {
            let what = format!("{} v{}", locked.name, locked.version);
            let bytes = match self.read_cached(locked, limits)? {
                Some(bytes) => {
                    self.printer.detail("Cached", &what);
                    Some(bytes)
                }
                None if sources.offline => {
                    missing.push(format!(
                        "the archive of {what} (sha256 {}) from {}",
                        locked.sha256, locked.source
                    ));
                    None
                }
                None => {
                    if !configs.contains_key(locked.source.as_str()) {
                        configs.insert(&locked.source, sources.config(&locked.source)?);
                    }
                    let dl = configs
                        .get(locked.source.as_str())
                        .map(|c| c.dl.as_str())
                        .unwrap_or_default();
                    jobs.push(Download {
                        registry: locked.source.clone(),
                        url: download_url(&locked.source, dl, &locked.name, &locked.version)?,
                        sha256: locked.sha256.clone(),
                        what,
                    });
                    None
                }
            };
            cached.push(bytes);
        }
        if !missing.is_empty() {
            return Err(Error::Offline { missing });
        }
        if !jobs.is_empty() {
            download::download_all(
                &jobs,
                &sources.clients(),
                &sources.cache,
                sources.jobs,
                limits.max_compressed,
                &download::Progress::new(self.printer),
            )?;
        }
        todo.iter()
            .zip(cached)
            .map(|(locked, bytes)| match bytes {
                Some(bytes) => Ok(bytes),
                None => self
                    .read_cached(locked, limits)?
                    .ok_or_else(|| Error::Offline {
                        missing: vec![format!(
                            "the archive of {} v{} (it vanished from the cache during the run)",
                            locked.name, locked.version
                        )],
                    }),
            })
            .collect()
    }

    /// The cached archive of `locked`, re-hashed; a corrupt one is deleted, with a warning.
    fn read_cached(&self, locked: &Locked, limits: &Limits) -> Result<Option<Vec<u8>>, Error> {
        let cache = self.sources.cache.registry(&locked.source);
        Ok(
            match cache.read_archive(&locked.sha256, limits.max_compressed)? {
                Lookup::Hit(bytes) => Some(bytes),
                Lookup::Miss => None,
                Lookup::Corrupt { path } => {
                    self.printer.warn(format_args!(
                        "cached archive `{}` was corrupt; downloading it again",
                        path.display()
                    ));
                    None
                }
            },
        )
    }

    /// The bin links `archive` asks for, checked: plain command names, files the archive holds,
    /// and commands no other asset keeps (unless forced).
    fn plan_bins(
        &self,
        tree: &Tree,
        archive: &Archive,
        claimed: &mut BTreeMap<String, AssetName>,
    ) -> Result<BTreeMap<String, String>, Error> {
        let name = &archive.manifest.asset.name;
        let force = self.options.force;
        let mut bins = BTreeMap::new();
        for (cmd, path) in &archive.manifest.entrypoints.bin {
            let bad = |reason: String| Error::BadEntrypoint {
                name: name.clone(),
                cmd: cmd.clone(),
                path: path.clone(),
                reason,
            };
            links::check_command_name(cmd).map_err(|r| bad(format!("the command name {r}")))?;
            let wanted = path.trim_start_matches("./");
            let is_file = archive
                .entries
                .iter()
                .any(|e| e.path == wanted && matches!(e.data, archive::EntryData::File { .. }));
            if !is_file {
                return Err(bad("not a file in the archive".into()));
            }
            if let Some(owner) = claimed.get(cmd).filter(|o| *o != name) {
                if !force {
                    return Err(Error::BinConflict {
                        cmd: cmd.clone(),
                        owner: owner.to_string(),
                    });
                }
                self.printer
                    .warn(format_args!("taking command `{cmd}` over from `{owner}`"));
            } else if links::inspect(&tree.home, cmd)? == LinkState::Foreign {
                let path = tree.home.bin_dir().join(cmd);
                if !force {
                    return Err(Error::BinForeign {
                        cmd: cmd.clone(),
                        path,
                    });
                }
                self.printer
                    .warn(format_args!("replacing `{}`", path.display()));
            }
            claimed.insert(cmd.clone(), name.clone());
            bins.insert(cmd.clone(), wanted.to_owned());
        }
        Ok(bins)
    }

    /// `[requires] commands` missing from PATH: a warning, or with `--strict` an error before
    /// anything changes.
    fn check_requirements(&self, ready: &[Ready<'_>]) -> Result<(), Error> {
        let mut missing = Vec::new();
        for item in ready {
            for command in &item.archive.manifest.requires.commands {
                if crate::runner::find_in_path(command).is_none() {
                    missing.push((item.locked.name.clone(), command.clone()));
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        if self.options.strict {
            return Err(Error::MissingCommands { missing });
        }
        for (name, command) in missing {
            self.printer.warn(format_args!(
                "{name} needs `{command}`, which is not on PATH"
            ));
        }
        Ok(())
    }

    fn install_one(
        &self,
        home: &home::Home,
        item: Ready<'_>,
        previous: Option<&Receipt>,
        requested: &Requested,
    ) -> Result<Installed, Error> {
        let Ready {
            locked,
            archive,
            bins,
        } = item;
        let (name, version) = (&locked.name, &locked.version);
        // Reinstalling the installed version: it stops being installed until the new receipt.
        if previous.is_some_and(|p| &p.version == version) {
            home.remove_receipt(name)?;
        }
        extract(home, &archive, &bins)?;
        let receipt = Receipt {
            name: name.clone(),
            version: version.clone(),
            cksum: locked.sha256.clone(),
            registry: locked.source.clone(),
            installed_at: home::now_rfc3339(),
            bins: bins.clone(),
            requested: requested.contains_key(name) || previous.is_some_and(|p| p.requested),
            // Asked for by name now: the requirement as typed now (none: any version).
            req: match requested.get(name) {
                Some(req) => req.clone(),
                None => previous.and_then(|p| p.req.clone()),
            },
            dependencies: locked.dependencies.clone(),
        };
        if let Err(e) = link_and_record(home, &receipt) {
            // Not installed (a full disk, say): take back what this run did to the tree for it.
            undo_install(home, &receipt, previous);
            return Err(e);
        }
        // Installed. What follows is tidying: a failure is worth a warning, not an error.
        if let Err(e) = tidy(home, name, version, previous, &bins) {
            self.printer.warn(format_args!(
                "installed {name} v{version}, but could not remove the old files: {e}"
            ));
        }
        Ok(Installed {
            name: name.clone(),
            version: version.clone(),
            bins: bins.into_keys().collect(),
            playbook: archive.manifest.entrypoints.playbook.clone(),
            replaced: previous.map(|p| p.version.clone()).filter(|v| v != version),
            dependency: !receipt.requested,
        })
    }
}

/// Points `receipt`'s bin links at its version, then writes it: the asset is installed.
fn link_and_record(home: &home::Home, receipt: &Receipt) -> Result<(), Error> {
    let (name, version) = (&receipt.name, &receipt.version);
    for (cmd, path) in &receipt.bins {
        links::link(home, cmd, &links::target(name, version, path))?;
    }
    crate::failpoint::pause("install-linked");
    let path = home.receipt_path(name);
    crate::failpoint::hit("install-receipt").map_err(io_error(&path))?;
    home.write_receipt(receipt)?;
    Ok(())
}

/// After [`link_and_record`] failed: the bin links go back to what `previous` lists (or away)
/// and the new version's directory goes, so nothing unrecorded is left to run. Best effort: what
/// a failure here leaves is what a crash leaves, which the next run removes and redoes.
fn undo_install(home: &home::Home, receipt: &Receipt, previous: Option<&Receipt>) {
    let (name, version) = (&receipt.name, &receipt.version);
    match previous.filter(|p| &p.version != version) {
        Some(prev) => {
            for (cmd, path) in &prev.bins {
                let _ = links::link(home, cmd, &links::target(name, &prev.version, path));
            }
            for cmd in receipt.bins.keys().filter(|c| !prev.bins.contains_key(*c)) {
                let _ = links::unlink_if_owned(home, cmd, name);
            }
        }
        None => {
            let _ = links::unlink_all(home, name);
        }
    }
    let _ = remove_path(&home.version_dir(name, version));
}

/// Whether the receipt is for exactly what the lock names, and its directory is there.
fn is_current(tree: &Tree, receipt: &Receipt, locked: &Locked) -> bool {
    receipt.version == locked.version
        && receipt.cksum == locked.sha256
        && receipt.registry == locked.source
        && tree
            .home
            .version_dir(&locked.name, &locked.version)
            .is_dir()
}

/// The receipt an unchanged asset should have after this run.
fn wanted_receipt(receipt: &Receipt, lock: &Lockfile, requested: &Requested) -> Receipt {
    let mut wanted = receipt.clone();
    if let Some(req) = requested.get(&receipt.name) {
        wanted.requested = true;
        wanted.req = req.clone();
    }
    if let Some(locked) = lock.get(&receipt.name) {
        wanted.dependencies = locked.dependencies.clone();
    }
    wanted
}

/// The lock's assets, each after the assets it depends on (cycles were refused by the solver;
/// whatever remains is appended in name order).
fn install_order(lock: &Lockfile) -> Vec<&Locked> {
    let mut order: Vec<&Locked> = Vec::new();
    let mut placed: BTreeSet<&AssetName> = BTreeSet::new();
    let mut pending: Vec<&Locked> = lock.assets().collect();
    while !pending.is_empty() {
        let (now, later): (Vec<&Locked>, Vec<&Locked>) = pending.into_iter().partition(|l| {
            l.dependencies
                .iter()
                .all(|d| placed.contains(d) || lock.get(d).is_none())
        });
        if now.is_empty() {
            order.extend(later);
            break;
        }
        placed.extend(now.iter().map(|l| &l.name));
        order.extend(now);
        pending = later;
    }
    order
}

/// Extracts into a fresh temporary directory beside the target and renames it into place, so
/// `assets/NAME/VERSION/` is either absent or complete.
fn extract(
    home: &home::Home,
    archive: &Archive,
    bins: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let (name, version) = (
        &archive.manifest.asset.name,
        &archive.manifest.asset.version,
    );
    let asset_dir = home.asset_dir(name);
    std::fs::create_dir_all(&asset_dir).map_err(io_error(&asset_dir))?;
    remove_leftovers(&asset_dir, |file_name| file_name.starts_with(".tmp-"))?;
    let dest = home.version_dir(name, version);
    // No receipt names this version now: whatever is there is a leftover.
    remove_path(&dest)?;

    let tmp = asset_dir.join(format!(".tmp-{version}-{}", random_suffix()));
    let extract_error = |source| Error::Extract {
        name: name.clone(),
        version: version.clone(),
        path: tmp.clone(),
        source,
    };
    let result = archive
        .extract_to(&tmp)
        .and_then(|()| crate::failpoint::hit_partial("install-extracting", &tmp))
        .and_then(|()| make_executable(&tmp, bins.values()));
    if let Err(source) = result {
        // Freeing what was written also frees the space a full disk lacked; should it fail, the
        // `.tmp-` directory is a leftover the next run removes (above).
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(extract_error(source));
    }
    crate::failpoint::pause("install-extracted");
    std::fs::rename(&tmp, &dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        extract_error(e)
    })
}

/// After the receipt: drop the old version's links that the new one does not have, and every
/// other directory under `assets/NAME/`.
fn tidy(
    home: &home::Home,
    name: &AssetName,
    version: &Version,
    previous: Option<&Receipt>,
    bins: &BTreeMap<String, String>,
) -> Result<(), home::Error> {
    if let Some(prev) = previous {
        for cmd in prev.bins.keys().filter(|cmd| !bins.contains_key(*cmd)) {
            links::unlink_if_owned(home, cmd, name)?;
        }
    }
    let keep = version.to_string();
    remove_leftovers(&home.asset_dir(name), |file_name| file_name != keep)
}

/// Removes `name`'s links, then its receipt, then its directory: a crash part-way leaves an
/// asset that a later run can still finish removing. `false` when there was nothing to remove.
pub fn uninstall(home: &home::Home, name: &AssetName) -> Result<bool, Error> {
    let unlinked = links::unlink_all(home, name)?;
    let had_receipt = home.remove_receipt(name)?;
    let asset_dir = home.asset_dir(name);
    let leftovers = std::fs::symlink_metadata(&asset_dir).is_ok();
    remove_path(&asset_dir)?;
    Ok(had_receipt || leftovers || !unlinked.is_empty())
}

/// The archive's URL from the registry's `dl` template (cargo's rules: `{name}` and `{version}`
/// markers, else `/{name}/{version}/download` appended); a relative one is on the registry (for a
/// directory registry, a `file:` URL inside its directory).
pub fn download_url(
    registry: &str,
    dl: &str,
    name: &AssetName,
    version: &Version,
) -> Result<String, Error> {
    let url = if dl.contains("{name}") || dl.contains("{version}") {
        dl.replace("{name}", name.as_str())
            .replace("{version}", &version.to_string())
    } else {
        format!("{}/{name}/{version}/download", dl.trim_end_matches('/'))
    };
    let url = if url.starts_with('/') {
        format!("{registry}{url}")
    } else {
        url
    };
    // A `file:` URL only from a directory registry, and only inside it: an http registry's
    // index must never make the client read local files.
    let inside_directory =
        registry.starts_with("file://") && url.starts_with(&format!("{registry}/"));
    if !(url.starts_with("https://") || url.starts_with("http://") || inside_directory)
        || url.contains(char::is_whitespace)
    {
        return Err(Error::BadDownloadUrl(url));
    }
    Ok(url)
}
