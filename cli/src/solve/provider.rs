//! The PubGrub view of a [`Problem`]: its packages, its version sets, and the
//! [`DependencyProvider`] that chooses versions.
//!
//! A version set is never a semver interval: the set for requirement `R` on asset `P` is the union
//! of the *known* versions of `P` that `R` matches (semver's own matching, with its pre-release
//! rule) and that may be chosen (not yanked, unless `R` pins that version exactly or it is the
//! preferred one). So semver's exact semantics hold, and the yanked rule lives in the sets rather
//! than in the choice of versions.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::ops::Bound;
use std::rc::Rc;

use osops_index::{AssetName, IndexEntry};
use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics, Ranges};
use semver::{Op, Version, VersionReq};

use super::Problem;

/// A set of versions of one package.
pub(super) type Set = Ranges<Version>;

/// A PubGrub package: the one asking, or an asset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Pkg {
    /// Displayed as the problem's `root` ("region-one-ops", "your request").
    Root(Rc<str>),
    Asset(AssetName),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root(root) => f.write_str(root),
            Pkg::Asset(name) => write!(f, "{name}"),
        }
    }
}

/// What one package (at one version) requires of one asset, grouped by name: every requirement
/// written for that name applies.
#[derive(Debug, Clone)]
pub(super) struct Dep {
    pub name: AssetName,
    /// As written, in order; usually one.
    pub reqs: Vec<VersionReq>,
    /// The versions of `name` that satisfy them and may be chosen.
    pub set: Set,
}

impl Dep {
    /// The requirement as written: `^0.3`, or `>=1, ^1.2` when a name was given twice.
    pub fn text(&self) -> String {
        req_text(&self.reqs)
    }
}

/// Requirements as written, joined: `^0.3`, `>=1, ^1.2`.
pub(super) fn req_text(reqs: &[VersionReq]) -> String {
    let texts: Vec<String> = reqs.iter().map(VersionReq::to_string).collect();
    texts.join(", ")
}

/// The known versions of every asset, and the rules that turn requirements into sets.
pub(super) struct Catalog<'a> {
    root: Rc<str>,
    /// Name → version → entry. The first entry wins when the index repeats a version.
    known: BTreeMap<&'a AssetName, BTreeMap<&'a Version, &'a IndexEntry>>,
    preferred: &'a BTreeMap<AssetName, Version>,
    root_deps: Vec<Dep>,
}

impl<'a> Catalog<'a> {
    pub fn new(problem: &Problem<'a>) -> Self {
        let mut known: BTreeMap<&AssetName, BTreeMap<&Version, &IndexEntry>> = BTreeMap::new();
        for (name, entries) in problem.available {
            let versions = known.entry(name).or_default();
            for entry in entries {
                versions.entry(&entry.vers).or_insert(entry);
            }
        }
        let mut catalog = Catalog {
            root: Rc::from(problem.root.as_str()),
            known,
            preferred: problem.preferred,
            root_deps: Vec::new(),
        };
        catalog.root_deps = catalog.group(
            problem
                .requirements
                .iter()
                .map(|r| (&r.name, &r.req))
                .collect(),
        );
        catalog
    }

    pub fn root(&self) -> Pkg {
        Pkg::Root(self.root.clone())
    }

    pub fn root_name(&self) -> &str {
        &self.root
    }

    /// The root has one version; its number is never shown.
    pub fn root_version() -> Version {
        Version::new(0, 0, 0)
    }

    /// Whether the registry has the asset at all.
    pub fn has(&self, name: &AssetName) -> bool {
        self.known.contains_key(name)
    }

    /// Every known version of `name` with its entry, oldest first.
    pub fn versions(
        &self,
        name: &AssetName,
    ) -> impl DoubleEndedIterator<Item = (&'a Version, &'a IndexEntry)> + '_ {
        self.known
            .get(name)
            .into_iter()
            .flat_map(|versions| versions.iter().map(|(v, e)| (*v, *e)))
    }

    /// Every known (name, version), in order.
    pub fn all_entries(&self) -> impl Iterator<Item = (&'a AssetName, &'a Version)> + '_ {
        self.known
            .iter()
            .flat_map(|(name, versions)| versions.keys().map(|v| (*name, *v)))
    }

    pub fn entry(&self, name: &AssetName, version: &Version) -> Option<&'a IndexEntry> {
        self.known.get(name)?.get(version).copied()
    }

    /// What `pkg` at `version` requires, one [`Dep`] per name, sorted by name. `None` for a
    /// version the index does not have.
    pub fn deps(&self, pkg: &Pkg, version: &Version) -> Option<Vec<Dep>> {
        match pkg {
            Pkg::Root(_) => Some(self.root_deps.clone()),
            Pkg::Asset(name) => {
                let entry = self.entry(name, version)?;
                Some(self.group(entry.deps.iter().map(|d| (&d.name, &d.req)).collect()))
            }
        }
    }

    fn group(&self, reqs: Vec<(&AssetName, &VersionReq)>) -> Vec<Dep> {
        let mut by_name: BTreeMap<&AssetName, Vec<VersionReq>> = BTreeMap::new();
        for (name, req) in reqs {
            let same = by_name.entry(name).or_default();
            if !same.contains(req) {
                same.push(req.clone());
            }
        }
        by_name
            .into_iter()
            .map(|(name, reqs)| Dep {
                set: self.allowed(name, &reqs),
                name: name.clone(),
                reqs,
            })
            .collect()
    }

    /// The known versions of `name` that every requirement matches and that may be chosen: not
    /// yanked, unless pinned exactly by one of the requirements or preferred (locked).
    pub fn allowed(&self, name: &AssetName, reqs: &[VersionReq]) -> Set {
        let preferred = self.preferred.get(name);
        self.set_of(name, |v, entry| {
            reqs.iter().all(|r| r.matches(v))
                && (!entry.yanked
                    || preferred == Some(v)
                    || reqs.iter().any(|r| is_exact_pin(r, v)))
        })
    }

    /// The set of the known versions of `name` that `keep` keeps, one singleton each.
    ///
    /// Not intervals over runs of consecutive versions, although they would be smaller: PubGrub
    /// states each dependency for one version, so the unknown versions between two known ones
    /// would show up in derived sets, and it would try to choose a version there and report
    /// that none exists.
    fn set_of(&self, name: &AssetName, keep: impl Fn(&Version, &IndexEntry) -> bool) -> Set {
        self.versions(name)
            .filter(|(v, entry)| keep(v, entry))
            .map(|(v, _)| (Bound::Included(v.clone()), Bound::Included(v.clone())))
            .collect()
    }

    /// The known versions of `name` that every requirement matches, yanked or not, oldest first.
    pub fn matching(&self, name: &AssetName, reqs: &[VersionReq]) -> Vec<&'a Version> {
        self.versions(name)
            .filter(|(v, _)| reqs.iter().all(|r| r.matches(v)))
            .map(|(v, _)| v)
            .collect()
    }

    /// The known versions of `name` in `set`, oldest first.
    pub fn known_in(&self, name: &AssetName, set: &Set) -> Vec<&'a Version> {
        self.versions(name)
            .filter(|(v, _)| set.contains(*v))
            .map(|(v, _)| v)
            .collect()
    }

    /// `set` reduced to the known versions of `name`, in the same form as the sets built from
    /// requirements, so that sets PubGrub derived (complements, intersections) compare equal to
    /// them.
    pub fn project(&self, name: &AssetName, set: &Set) -> Set {
        self.set_of(name, |v, _| set.contains(v))
    }
}

/// `=1.2.0` (one `=` comparator naming major, minor and patch) of this version.
fn is_exact_pin(req: &VersionReq, v: &Version) -> bool {
    matches!(req.comparators.as_slice(),
        [c] if c.op == Op::Exact && c.minor.is_some() && c.patch.is_some())
        && req.matches(v)
}

impl DependencyProvider for Catalog<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Set;
    /// Packages that conflicted most first, then those with the fewest candidate versions.
    type Priority = (u32, Reverse<usize>);
    /// Why a version cannot be used (a dependency on itself that excludes itself).
    type M = String;
    type Err = Infallible;

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Set,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let candidates = match package {
            Pkg::Root(_) => 1,
            Pkg::Asset(name) => self
                .versions(name)
                .filter(|(v, _)| range.contains(*v))
                .count(),
        };
        (stats.conflict_count(), Reverse(candidates))
    }

    fn choose_version(&self, package: &Pkg, range: &Set) -> Result<Option<Version>, Infallible> {
        Ok(match package {
            Pkg::Root(_) => Some(Self::root_version()).filter(|v| range.contains(v)),
            Pkg::Asset(name) => {
                let preferred = self
                    .preferred
                    .get(name)
                    .filter(|v| range.contains(*v) && self.entry(name, v).is_some());
                preferred.cloned().or_else(|| {
                    self.versions(name)
                        .rev()
                        .find(|(v, _)| range.contains(*v))
                        .map(|(v, _)| v.clone())
                })
            }
        })
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Set, String>, Infallible> {
        let Some(deps) = self.deps(package, version) else {
            return Ok(Dependencies::Unavailable(
                "is not in the registry's index".into(),
            ));
        };
        let mut constraints = Vec::with_capacity(deps.len());
        for dep in deps {
            if let Pkg::Asset(name) = package
                && *name == dep.name
            {
                // PubGrub cannot express a package depending on itself. One that its own version
                // satisfies is a cycle, reported after solving; one that excludes it makes this
                // version unusable.
                if dep.reqs.iter().all(|r| r.matches(version)) {
                    continue;
                }
                return Ok(Dependencies::Unavailable(format!(
                    "depends on {} {}, which excludes itself",
                    dep.name,
                    dep.text()
                )));
            }
            constraints.push((Pkg::Asset(dep.name), dep.set));
        }
        Ok(Dependencies::Available(constraints.into_iter().collect()))
    }
}
