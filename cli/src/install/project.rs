//! `osops install`, `update` and `outdated` in a project: `osops.toml` → `osops.lock` → `.osops/`.

use osops_index::AssetName;

use super::outdated::{self, Outdated};
use super::{Applied, Engine, Error, Requested, Tree, Want, report_changes};
use crate::home::Home;
use crate::lockfile::{Lockfile, Root};
use crate::project::Project;

/// A project with its requirements, each with the registries it may come from.
pub struct Site<'p> {
    pub project: &'p Project,
    pub roots: Vec<Root>,
}

impl Site<'_> {
    fn lock(&self) -> Result<Option<Lockfile>, Error> {
        Ok(Lockfile::read(&self.project.lock_path())?)
    }

    fn want(&self, lock: Option<&Lockfile>, keep: impl Fn(&AssetName) -> bool) -> Want {
        let locked: Vec<_> = lock.into_iter().flat_map(Lockfile::assets).collect();
        Want {
            label: self.project.name.clone(),
            roots: self.roots.clone(),
            preferred: locked
                .iter()
                .filter(|l| keep(&l.name))
                .map(|l| (l.name.clone(), l.version.clone()))
                .collect(),
            known_sources: locked
                .iter()
                .map(|l| (l.name.clone(), l.source.clone()))
                .collect(),
        }
    }

    fn requested(&self) -> Requested {
        self.roots
            .iter()
            .map(|r| (r.name.clone(), Some(r.req.to_string())))
            .collect()
    }

    fn open_tree(&self, engine: &Engine<'_>) -> Result<Tree, Error> {
        let dir = self.project.install_dir();
        let tree = Tree::open(Home::at(&dir), engine.printer)?;
        // What is installed is rebuilt from the lock: keep it out of version control.
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            crate::fs::write_atomic(&ignore, b"*\n").map_err(crate::home::io_error(&ignore))?;
        }
        Ok(tree)
    }

    /// `osops install`: the lock as it is when it still fits `osops.toml`, else a new lock
    /// (refused with `--locked`), then the tree made to match it.
    pub fn install(&self, engine: &Engine<'_>) -> Result<Applied, Error> {
        let old = self.lock()?;
        let stale = match &old {
            Some(lock) => lock.stale_reason(&self.roots),
            None if self.roots.is_empty() => None,
            None => Some(format!("there is no {}", crate::lockfile::FILE_NAME)),
        };
        let tree = self.open_tree(engine)?;
        let lock = match (stale, old) {
            (None, old) => old.unwrap_or_default(),
            (Some(reason), _) if engine.options.locked => {
                return Err(Error::LockStale {
                    path: self.project.lock_path(),
                    reason,
                });
            }
            (Some(reason), old) => {
                engine.printer.detail("Resolving", &reason);
                let resolution = engine.resolve(&self.want(old.as_ref(), |_| true))?;
                report_changes(engine.printer, &old.unwrap_or_default(), &resolution.lock);
                resolution.lock.write(&self.project.lock_path())?;
                resolution.lock
            }
        };
        engine.apply(&tree, &lock, &self.requested())
    }

    /// `osops update [NAME…]`: resolve again without keeping the locked versions of `names`
    /// (of everything when empty). Returns the old and new locks, and what was applied unless
    /// it was a dry run.
    pub fn update(
        &self,
        engine: &Engine<'_>,
        names: &[AssetName],
    ) -> Result<(Lockfile, Lockfile, Option<Applied>), Error> {
        let old = self.lock()?.unwrap_or_default();
        if let Some(name) = names.iter().find(|n| old.get(n).is_none()) {
            return Err(Error::NotInstalled(name.clone()));
        }
        let want = self.want(Some(&old), |name| {
            !names.is_empty() && !names.contains(name)
        });
        let new = engine.resolve(&want)?.lock;
        report_changes(engine.printer, &old, &new);
        if engine.options.dry_run {
            return Ok((old, new, None));
        }
        let tree = self.open_tree(engine)?;
        new.write(&self.project.lock_path())?;
        let applied = engine.apply(&tree, &new, &self.requested())?;
        Ok((old, new, Some(applied)))
    }

    /// `osops outdated`: each locked asset with the newest version the requirements allow and
    /// the newest published.
    pub fn outdated(&self, engine: &Engine<'_>) -> Result<Vec<Outdated>, Error> {
        let old = self.lock()?.ok_or_else(|| Error::LockStale {
            path: self.project.lock_path(),
            reason: "there is none yet".into(),
        })?;
        outdated::compare(engine, &self.want(Some(&old), |_| false), &old)
    }
}
