//! Words for the parts of a conflict: a package at some versions ("galera-health 2.1.0"), a
//! requirement as written ("os-cloud-helpers ^0.3"), a dependency, and why nothing satisfies a
//! requirement (no such asset, no matching version, every match yanked).

use std::collections::{BTreeMap, BTreeSet};

use osops_index::AssetName;
use pubgrub::External;
use semver::{Version, VersionReq};

use super::provider::{Catalog, Dep, Pkg, Set, req_text};

type Ext = External<Pkg, Set, String>;

/// How many versions a list of available ones names before it is cut short.
const LIST_MAX: usize = 8;

/// One side of a dependency, as words.
pub(super) struct Dependency {
    /// "galera-health 2.1.0", "region-one-ops", "every version of x".
    pub subject: String,
    /// "os-cloud-helpers ^0.3".
    pub target: String,
    /// Why nothing satisfies it, when nothing does: "but no version of x matches ^9 (…)".
    pub reason: Option<String>,
}

impl Dependency {
    /// "x 1.0.0 depends on y ^1" for a dependency as written; a derived one (through other
    /// dependencies) reads "x 1.0.0 requires y ^1".
    pub fn sentence(&self, verb: &str) -> String {
        match &self.reason {
            Some(reason) => format!("{} {verb} {}, {reason}", self.subject, self.target),
            None => format!("{} {verb} {}", self.subject, self.target),
        }
    }
}

/// How a set of versions of an asset reads.
pub(super) enum Desc {
    /// No known version.
    Empty,
    /// Every known version.
    All,
    One(Version),
    /// A requirement as written, or a list of versions.
    Text(String),
}

pub(super) struct Formatter<'c, 'a> {
    pub catalog: &'c Catalog<'a>,
    /// Each set built from a requirement, by asset, to the requirement as written, when the set is
    /// exactly what the requirement matches (no yanked version left out, so the text cannot
    /// mislead). The root's requirements come first and win over an asset's.
    texts: BTreeMap<(AssetName, Set), String>,
    /// Yanked versions some requirement may choose (an exact pin, or the preferred version).
    yanked_in_play: BTreeSet<(AssetName, Version)>,
}

impl<'c, 'a> Formatter<'c, 'a> {
    pub fn new(catalog: &'c Catalog<'a>) -> Self {
        let mut texts = BTreeMap::new();
        let mut yanked_in_play = BTreeSet::new();
        let root = catalog.root();
        let version = Catalog::root_version();
        let all_deps = catalog.deps(&root, &version).into_iter().chain(
            catalog
                .all_entries()
                .filter_map(|(name, v)| catalog.deps(&Pkg::Asset(name.clone()), v)),
        );
        for deps in all_deps {
            for dep in deps {
                let inside = catalog.known_in(&dep.name, &dep.set);
                for v in &inside {
                    if catalog.entry(&dep.name, v).is_some_and(|e| e.yanked) {
                        yanked_in_play.insert((dep.name.clone(), (*v).clone()));
                    }
                }
                if inside == catalog.matching(&dep.name, &dep.reqs) {
                    let text = dep.text();
                    texts.entry((dep.name, dep.set)).or_insert(text);
                }
            }
        }
        Formatter {
            catalog,
            texts,
            yanked_in_play,
        }
    }

    /// How `set` reads: for a subject, one version is named before a requirement
    /// ("galera-health 2.1.0"); for a requirement, the requirement is named first ("^0.3").
    pub fn describe(&self, name: &AssetName, set: &Set, as_requirement: bool) -> Desc {
        let inside = self.catalog.known_in(name, set);
        let total = self.catalog.versions(name).count();
        let text = || {
            self.texts
                .get(&(name.clone(), self.catalog.project(name, set)))
                .cloned()
        };
        match inside.as_slice() {
            [] => Desc::Empty,
            [one] => match text().filter(|_| as_requirement) {
                Some(text) => Desc::Text(text),
                None => Desc::One((*one).clone()),
            },
            _ if inside.len() == total => Desc::All,
            _ => Desc::Text(text().unwrap_or_else(|| self.list(name, &inside))),
        }
    }

    /// Versions oldest first; a run of three or more consecutive known versions reads
    /// "1.0.0 to 1.4.0".
    pub fn list(&self, name: &AssetName, versions: &[&Version]) -> String {
        let inside: BTreeSet<&Version> = versions.iter().copied().collect();
        let mut parts: Vec<String> = Vec::new();
        let mut run: Vec<&Version> = Vec::new();
        let flush = |run: &mut Vec<&Version>, parts: &mut Vec<String>| {
            match run.as_slice() {
                [] => {}
                [first, .., last] if run.len() >= 3 => parts.push(format!("{first} to {last}")),
                short => parts.extend(short.iter().map(|v| v.to_string())),
            }
            run.clear();
        };
        for (v, _) in self.catalog.versions(name) {
            if inside.contains(v) {
                run.push(v);
            } else {
                flush(&mut run, &mut parts);
            }
        }
        flush(&mut run, &mut parts);
        parts.join(", ")
    }

    /// "x 1.2.0", "x ^1.2", "x": the package of a positive term.
    pub fn noun(&self, pkg: &Pkg, set: &Set) -> String {
        match pkg {
            Pkg::Root(_) => pkg.to_string(),
            Pkg::Asset(name) => match self.describe(name, set, false) {
                Desc::Empty | Desc::All => name.to_string(),
                Desc::One(v) => format!("{name} {v}"),
                Desc::Text(text) => format!("{name} {text}"),
            },
        }
    }

    /// "x ^0.3": what is required of a package, when no written requirement is known.
    pub fn requirement(&self, pkg: &Pkg, set: &Set) -> String {
        match pkg {
            Pkg::Root(_) => pkg.to_string(),
            Pkg::Asset(name) => match self.describe(name, set, true) {
                Desc::All => name.to_string(),
                Desc::Empty => format!("{name} (no version)"),
                Desc::One(v) => format!("{name} {v}"),
                Desc::Text(text) => format!("{name} {text}"),
            },
        }
    }

    /// `pkg` (at the versions in `set_p`) depends on `dep` (at the versions in `set_dep`), with the
    /// requirement as its dependents wrote it when they agree.
    pub fn dependency(&self, pkg: &Pkg, set_p: &Set, dep: &Pkg, set_dep: &Set) -> Dependency {
        let subject = match pkg {
            Pkg::Asset(name) if matches!(self.describe(name, set_p, false), Desc::All) => {
                format!("every version of {name}")
            }
            _ => self.noun(pkg, set_p),
        };
        let Pkg::Asset(dep_name) = dep else {
            return Dependency {
                subject,
                target: dep.to_string(),
                reason: None,
            };
        };
        let written = self.written(pkg, set_p, dep_name, set_dep);
        let missing = !self.catalog.has(dep_name);
        let (target, reqs) = match &written {
            Some(dep) => {
                let text = dep.text();
                let name = if missing {
                    format!("`{dep_name}`")
                } else {
                    dep_name.to_string()
                };
                let target = if text == "*" {
                    name
                } else {
                    format!("{name} {text}")
                };
                (target, Some(dep.reqs.as_slice()))
            }
            None if missing => (format!("`{dep_name}`"), None),
            None => (self.requirement(dep, set_dep), None),
        };
        let reason = if missing {
            Some("which the registry does not have".to_owned())
        } else if self.catalog.known_in(dep_name, set_dep).is_empty() {
            Some(self.why_none(dep_name, reqs))
        } else {
            reqs.and_then(|reqs| self.yanked_left_out(dep_name, reqs, set_dep))
        };
        Dependency {
            subject,
            target,
            reason,
        }
    }

    /// The requirement on `dep` written by every version of `pkg` in `set_p`, when they all wrote
    /// the same one and it makes exactly `set_dep`.
    fn written(&self, pkg: &Pkg, set_p: &Set, dep: &AssetName, set_dep: &Set) -> Option<Dep> {
        let versions: Vec<Version> = match pkg {
            Pkg::Root(_) => vec![Catalog::root_version()],
            Pkg::Asset(name) => self
                .catalog
                .known_in(name, set_p)
                .into_iter()
                .cloned()
                .collect(),
        };
        let wanted = self.catalog.project(dep, set_dep);
        let mut found: Option<Dep> = None;
        for v in &versions {
            let d = self
                .catalog
                .deps(pkg, v)?
                .into_iter()
                .find(|d| d.name == *dep && d.set == wanted)?;
            match &found {
                Some(f) if f.reqs != d.reqs => return None,
                Some(_) => {}
                None => found = Some(d),
            }
        }
        found
    }

    /// Why no version of `name` satisfies `reqs` (or an unknown requirement, when `None`).
    fn why_none(&self, name: &AssetName, reqs: Option<&[VersionReq]>) -> String {
        let available = self.available(name);
        let Some(reqs) = reqs else {
            return format!("but no version of {name} can be chosen {available}");
        };
        let text = req_text(reqs);
        let matching = self.catalog.matching(name, reqs);
        if matching.is_empty() {
            format!("but no version of {name} matches {text} {available}")
        } else {
            format!(
                "but every version of {name} that matches {text} is yanked ({})",
                self.list(name, &matching)
            )
        }
    }

    /// "which leaves out the yanked 1.3.0": the yanked versions a requirement matches but may not
    /// choose, named when another requirement may choose them, since the clash then looks
    /// impossible otherwise.
    fn yanked_left_out(&self, name: &AssetName, reqs: &[VersionReq], set: &Set) -> Option<String> {
        let left_out: Vec<&Version> = self
            .catalog
            .matching(name, reqs)
            .into_iter()
            .filter(|v| {
                !set.contains(*v) && self.yanked_in_play.contains(&(name.clone(), (*v).clone()))
            })
            .collect();
        if left_out.is_empty() {
            return None;
        }
        Some(format!(
            "which leaves out the yanked {}",
            self.list(name, &left_out)
        ))
    }

    /// "(available: 1.0.0, 1.2.0)": the versions of `name` that are not yanked, oldest first, at
    /// most the newest [`LIST_MAX`].
    pub fn available(&self, name: &AssetName) -> String {
        let versions: Vec<String> = self
            .catalog
            .versions(name)
            .filter(|(_, e)| !e.yanked)
            .map(|(v, _)| v.to_string())
            .collect();
        match versions.len() {
            0 if self.catalog.versions(name).next().is_some() => {
                format!("(every version of {name} is yanked)")
            }
            0 => format!("(the registry has no version of {name})"),
            n if n > LIST_MAX => format!("(available: …, {})", versions[n - LIST_MAX..].join(", ")),
            _ => format!("(available: {})", versions.join(", ")),
        }
    }

    /// Two dependencies of the same subject as one clause ("x depends on a ^1 and b ^2").
    pub fn merged(&self, first: &Ext, second: &Ext) -> Option<String> {
        let (
            External::FromDependencyOf(p1, s1, d1, r1),
            External::FromDependencyOf(p2, s2, d2, r2),
        ) = (first, second)
        else {
            return None;
        };
        let a = self.dependency(p1, s1, d1, r1);
        let b = self.dependency(p2, s2, d2, r2);
        if a.subject != b.subject || a.reason.is_some() || b.reason.is_some() {
            return None;
        }
        let (x, y) = if d1 <= d2 { (a, b) } else { (b, a) };
        Some(format!(
            "{} depends on {} and {}",
            x.subject, x.target, y.target
        ))
    }
}
