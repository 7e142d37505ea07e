//! `NAME[@REQ]` install specs and choosing a version from an asset's index entries.
//!
//! Rules (SECURITY-TESTS 15): the newest version matching REQ that is not yanked; an exact pin
//! (`1.2.0` or `=1.2.0`) of a yanked version still resolves, flagged so the caller warns;
//! pre-releases only when REQ names one (semver's own rule).

use osops_index::{AssetName, IndexEntry, NameError};
use semver::{Op, Version, VersionReq};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid asset name in `{spec}`")]
    Name {
        spec: String,
        #[source]
        source: NameError,
    },
    #[error("`{req}` in `{spec}` is not a version or a semver requirement")]
    Req {
        spec: String,
        req: String,
        #[source]
        source: semver::Error,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Req { .. } => Some(
                "write a version (`1.2.0`) or a requirement (`1.2`, `^1`, `=1.2.0`, `>=1, <2`)"
                    .into(),
            ),
            Error::Name { .. } => None,
        }
    }
}

/// What the user asked to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub name: AssetName,
    /// The name as typed, when it was not canonical (`Nova_Tools`).
    pub folded_from: Option<String>,
    /// `None`: any version.
    pub req: Option<VersionReq>,
    /// The requirement as typed, for messages.
    pub req_text: Option<String>,
}

impl Spec {
    pub fn parse(spec: &str) -> Result<Spec, Error> {
        let (name, req_text) = match spec.split_once('@') {
            Some((name, req)) => (name, Some(req.trim())),
            None => (spec, None),
        };
        let canonical = AssetName::canonical_form(name).map_err(|source| Error::Name {
            spec: spec.to_owned(),
            source,
        })?;
        let folded_from = (canonical.as_str() != name).then(|| name.to_owned());
        let req = match req_text {
            None => None,
            // A bare full version is an exact pin, as in `cargo install foo@1.2.0`.
            Some(text) => Some(
                match Version::parse(text) {
                    Ok(v) => VersionReq::parse(&format!("={v}")),
                    Err(_) => VersionReq::parse(text),
                }
                .map_err(|source| Error::Req {
                    spec: spec.to_owned(),
                    req: text.to_owned(),
                    source,
                })?,
            ),
        };
        Ok(Spec {
            name: canonical,
            folded_from,
            req,
            req_text: req_text.map(str::to_owned),
        })
    }

    /// Whether the requirement pins one version exactly (`=1.2.0`).
    pub fn is_exact(&self) -> bool {
        self.req.as_ref().is_some_and(|req| {
            matches!(req.comparators.as_slice(),
                [c] if c.op == Op::Exact && c.minor.is_some() && c.patch.is_some())
        })
    }
}

/// The version chosen for a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub entry: IndexEntry,
    /// The version is yanked and was chosen only because the spec pinned it exactly.
    pub yanked: bool,
}

/// Why no version was chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoMatch {
    #[error("no version of `{name}` matches `{req}` (available: {available})")]
    None {
        name: AssetName,
        req: String,
        available: String,
    },
    #[error("every version of `{name}` that matches `{req}` is yanked ({yanked})")]
    AllYanked {
        name: AssetName,
        req: String,
        yanked: String,
        newest: Version,
    },
}

/// Picks the newest matching version (see the module docs for the rules).
pub fn select(entries: &[IndexEntry], spec: &Spec) -> Result<Selected, NoMatch> {
    let req = spec.req.clone().unwrap_or(VersionReq::STAR);
    let mut matching: Vec<&IndexEntry> = entries.iter().filter(|e| req.matches(&e.vers)).collect();
    matching.sort_by(|a, b| b.vers.cmp(&a.vers));
    if let Some(entry) = matching.iter().find(|e| !e.yanked) {
        return Ok(Selected {
            entry: (*entry).clone(),
            yanked: false,
        });
    }
    let req_text = spec.req_text.clone().unwrap_or_else(|| "*".into());
    match matching.first() {
        Some(entry) if spec.is_exact() => Ok(Selected {
            entry: (*entry).clone(),
            yanked: true,
        }),
        Some(entry) => Err(NoMatch::AllYanked {
            name: spec.name.clone(),
            req: req_text,
            yanked: list(matching.iter().map(|e| &e.vers)),
            newest: entry.vers.clone(),
        }),
        None => {
            let mut all: Vec<&IndexEntry> = entries.iter().collect();
            all.sort_by(|a, b| b.vers.cmp(&a.vers));
            let available = list(all.iter().filter(|e| !e.yanked).map(|e| &e.vers));
            Err(NoMatch::None {
                name: spec.name.clone(),
                req: req_text,
                available: if available.is_empty() {
                    "none".into()
                } else {
                    available
                },
            })
        }
    }
}

fn list<'a>(versions: impl Iterator<Item = &'a Version>) -> String {
    let versions: Vec<String> = versions.map(Version::to_string).collect();
    if versions.len() > 8 {
        format!("{}, …", versions[..8].join(", "))
    } else {
        versions.join(", ")
    }
}

impl NoMatch {
    pub fn hint(&self) -> Option<String> {
        match self {
            NoMatch::AllYanked { name, newest, .. } => Some(format!(
                "a yanked version installs only when pinned exactly: `osops install {name}@={newest}`"
            )),
            NoMatch::None { name, .. } => {
                Some(format!("see every version with `osops info {name}`"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use osops_index::Kind;

    fn entry(vers: &str, yanked: bool) -> IndexEntry {
        IndexEntry {
            name: AssetName::parse("nova-tools").expect("name"),
            vers: Version::parse(vers).expect("version"),
            kind: Kind::Script,
            cksum: "0".repeat(64),
            deps: vec![],
            services: vec![],
            releases: None,
            needs: vec![],
            yanked,
            published_at: "2026-01-01T00:00:00Z".into(),
            v: 1,
        }
    }

    fn pick(entries: &[IndexEntry], spec: &str) -> Result<(String, bool), NoMatch> {
        let spec = Spec::parse(spec).expect("spec");
        select(entries, &spec).map(|s| (s.entry.vers.to_string(), s.yanked))
    }

    fn catalog() -> Vec<IndexEntry> {
        vec![
            entry("1.0.0", false),
            entry("1.2.0", false),
            entry("1.3.0", true),
            entry("2.0.0-rc.1", false),
            entry("1.10.0", false),
        ]
    }

    #[test]
    fn newest_non_yanked_wins() {
        assert_eq!(
            pick(&catalog(), "nova-tools").expect("pick"),
            ("1.10.0".into(), false)
        );
        assert_eq!(
            pick(&catalog(), "nova-tools@1.2").expect("pick"),
            ("1.10.0".into(), false)
        );
        assert_eq!(
            pick(&catalog(), "nova-tools@~1.2").expect("pick"),
            ("1.2.0".into(), false)
        );
        assert_eq!(
            pick(&catalog(), "nova-tools@>=1, <1.3").expect("pick"),
            ("1.2.0".into(), false)
        );
    }

    #[test]
    fn ranges_skip_yanked_versions() {
        assert!(matches!(
            pick(&catalog(), "nova-tools@~1.3"),
            Err(NoMatch::AllYanked { .. })
        ));
    }

    #[test]
    fn exact_pin_of_yanked_version_installs_flagged() {
        assert_eq!(
            pick(&catalog(), "nova-tools@1.3.0").expect("pick"),
            ("1.3.0".into(), true)
        );
        assert_eq!(
            pick(&catalog(), "nova-tools@=1.3.0").expect("pick"),
            ("1.3.0".into(), true)
        );
    }

    #[test]
    fn pre_releases_only_when_named() {
        assert_eq!(
            pick(&catalog(), "nova-tools@^2")
                .expect_err("no match")
                .to_string(),
            "no version of `nova-tools` matches `^2` (available: 2.0.0-rc.1, 1.10.0, 1.2.0, 1.0.0)"
        );
        assert_eq!(
            pick(&catalog(), "nova-tools@>=2.0.0-rc.1").expect("pick"),
            ("2.0.0-rc.1".into(), false)
        );
    }

    #[test]
    fn names_fold_to_canonical() {
        let spec = Spec::parse("Nova_Tools@1").expect("spec");
        assert_eq!(spec.name.as_str(), "nova-tools");
        assert_eq!(spec.folded_from.as_deref(), Some("Nova_Tools"));
        assert_eq!(Spec::parse("nova-tools").expect("spec").folded_from, None);
    }

    #[test]
    fn bad_requirements_are_errors() {
        assert!(matches!(
            Spec::parse("nova-tools@banana"),
            Err(Error::Req { .. })
        ));
        assert!(matches!(Spec::parse("nova tools"), Err(Error::Name { .. })));
        assert!(Spec::parse("nova-tools@1.2.0").expect("spec").is_exact());
        assert!(!Spec::parse("nova-tools@=1.2").expect("spec").is_exact());
    }
}
