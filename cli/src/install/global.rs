//! `osops install NAME…`, `upgrade`, `list --outdated` and `uninstall` for `$OSOPS_HOME`.
//!
//! The global tree is a project whose requirements are the assets installed by name (each with
//! the requirement it was installed with) and whose lock is the set of receipts: installing one
//! more asset resolves it together with everything already there.

use std::collections::{BTreeMap, BTreeSet};

use osops_index::AssetName;
use semver::{Version, VersionReq};

use super::outdated::{self, Outdated};
use super::{Applied, Engine, Error, Requested, Tree, Want, apply, report_changes};
use crate::home::Receipt;
use crate::lockfile::{Locked, Lockfile, Root};
use crate::resolve::Spec;

/// What the user asked for, with the registries it may come from.
pub struct Request {
    pub spec: Spec,
    pub sources: Vec<String>,
}

/// Who asks, in explanations ("this install depends on nova-tools ^9, but …").
const LABEL: &str = "this install";

/// The receipts of `tree`, by name.
fn receipts(tree: &Tree) -> Result<BTreeMap<AssetName, Receipt>, Error> {
    Ok(tree
        .home
        .receipts()?
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect())
}

/// The receipts as a lock.
pub fn installed_lock(receipts: &BTreeMap<AssetName, Receipt>) -> Lockfile {
    Lockfile::new(receipts.values().map(|r| Locked {
        name: r.name.clone(),
        version: r.version.clone(),
        source: r.registry.clone(),
        sha256: r.cksum.clone(),
        dependencies: r.dependencies.clone(),
    }))
}

/// The assets installed by name, as requirements.
fn installed_roots(receipts: &BTreeMap<AssetName, Receipt>) -> Vec<Root> {
    receipts
        .values()
        .filter(|r| r.requested)
        .map(|r| Root {
            name: r.name.clone(),
            req: r
                .req
                .as_deref()
                .and_then(|req| VersionReq::parse(req).ok())
                .unwrap_or(VersionReq::STAR),
            sources: vec![r.registry.clone()],
        })
        .collect()
}

fn want(
    receipts: &BTreeMap<AssetName, Receipt>,
    roots: Vec<Root>,
    keep: impl Fn(&AssetName) -> bool,
) -> Want {
    Want {
        label: LABEL.into(),
        roots,
        preferred: receipts
            .values()
            .filter(|r| keep(&r.name))
            .map(|r| (r.name.clone(), r.version.clone()))
            .collect(),
        known_sources: receipts
            .values()
            .map(|r| (r.name.clone(), r.registry.clone()))
            .collect(),
    }
}

/// `osops install NAME[@REQ]…`: the named assets at the newest versions their requirements
/// allow, resolved together with what is installed (kept where it still fits).
pub fn install(engine: &Engine<'_>, tree: &Tree, requests: &[Request]) -> Result<Applied, Error> {
    let receipts = receipts(tree)?;
    let named: BTreeSet<&AssetName> = requests.iter().map(|r| &r.spec.name).collect();
    let mut roots: Vec<Root> = installed_roots(&receipts)
        .into_iter()
        .filter(|r| !named.contains(&r.name))
        .collect();
    let mut requested = Requested::new();
    for request in requests {
        let spec = &request.spec;
        roots.push(Root {
            name: spec.name.clone(),
            req: spec.req.clone().unwrap_or(VersionReq::STAR),
            sources: request.sources.clone(),
        });
        requested.insert(spec.name.clone(), spec.req_text.clone());
    }
    let mut want = want(&receipts, roots, |name| !named.contains(name));
    if engine.options.force {
        // `--force` may replace an asset installed from another registry: ask again.
        want.known_sources.retain(|name, _| !named.contains(name));
    }
    let lock = engine.resolve(&want)?.lock;
    engine.apply(tree, &lock, &requested)
}

/// `osops upgrade [NAME…]`: resolve again without keeping the installed versions of `names`
/// (of everything when empty).
pub fn upgrade(
    engine: &Engine<'_>,
    tree: &Tree,
    names: &[AssetName],
) -> Result<(Lockfile, Lockfile, Option<Applied>), Error> {
    let receipts = receipts(tree)?;
    if let Some(name) = names.iter().find(|n| !receipts.contains_key(*n)) {
        return Err(Error::NotInstalled(name.clone()));
    }
    let old = installed_lock(&receipts);
    let want = want(&receipts, installed_roots(&receipts), |name| {
        !names.is_empty() && !names.contains(name)
    });
    let new = engine.resolve(&want)?.lock;
    report_changes(engine.printer, &old, &new);
    if engine.options.dry_run {
        return Ok((old, new, None));
    }
    let applied = engine.apply(tree, &new, &Requested::new())?;
    Ok((old, new, Some(applied)))
}

/// `osops list --outdated`.
pub fn outdated(engine: &Engine<'_>, tree: &Tree) -> Result<Vec<Outdated>, Error> {
    let receipts = receipts(tree)?;
    let want = want(&receipts, installed_roots(&receipts), |_| false);
    outdated::compare(engine, &want, &installed_lock(&receipts))
}

/// `osops uninstall NAME…`: removes the assets, then the dependencies nothing else needs.
/// Refuses while another installed asset depends on one of them. Returns what was removed, with
/// the version that was installed (`None`: only leftovers of an interrupted install).
pub fn uninstall(
    tree: &Tree,
    names: &[AssetName],
) -> Result<Vec<(AssetName, Option<Version>)>, Error> {
    let receipts = receipts(tree)?;
    let going: BTreeSet<&AssetName> = names.iter().collect();
    for name in names {
        let by: Vec<String> = receipts
            .values()
            .filter(|r| !going.contains(&r.name) && r.dependencies.contains(name))
            .map(|r| r.name.to_string())
            .collect();
        if !by.is_empty() {
            return Err(Error::NeededBy {
                name: name.clone(),
                by,
            });
        }
    }
    let mut removed = Vec::new();
    for name in names {
        if !apply::uninstall(&tree.home, name)? {
            return Err(Error::NotInstalled(name.clone()));
        }
        removed.push((name.clone(), receipts.get(name).map(|r| r.version.clone())));
    }
    // Dependencies no asset installed by name reaches any more.
    let mut reached = BTreeSet::new();
    let mut todo: Vec<&AssetName> = receipts
        .values()
        .filter(|r| r.requested && !going.contains(&r.name))
        .map(|r| &r.name)
        .collect();
    while let Some(name) = todo.pop() {
        if reached.insert(name) {
            todo.extend(receipts.get(name).into_iter().flat_map(|r| &r.dependencies));
        }
    }
    for receipt in receipts.values() {
        if !reached.contains(&receipt.name)
            && !going.contains(&receipt.name)
            && apply::uninstall(&tree.home, &receipt.name)?
        {
            removed.push((receipt.name.clone(), Some(receipt.version.clone())));
        }
    }
    Ok(removed)
}
