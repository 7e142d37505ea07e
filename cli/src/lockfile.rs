//! `osops.lock`: the exact set of assets a project installs, with the sha256 of each archive.
//!
//! The file is TOML, sorted by name, one `[[asset]]` table per asset, so a change reads well in a
//! diff. `version` is the format version: a lock from a newer osops is refused, never rewritten.
//! See `docs/install.md` for the contract.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use osops_index::AssetName;
use semver::{Version, VersionReq};

pub const FILE_NAME: &str = "osops.lock";

/// The format this osops reads and writes.
pub const FORMAT_VERSION: u32 = 1;

const HEADER: &str = "\
# This file is written by osops: do not edit it by hand.
# It pins every asset the project installs, with the sha256 of its archive.
";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot access `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid lockfile: {message}", .path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("`{}` has format version {found}; this osops reads version {FORMAT_VERSION}", .path.display())]
    NewerFormat { path: PathBuf, found: u32 },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Invalid { .. } => Some(
                "restore it from version control, or delete it and run `osops install` to write a new one"
                    .into(),
            ),
            Error::NewerFormat { .. } => Some("upgrade osops to read this lockfile".into()),
            Error::Io { .. } => None,
        }
    }
}

/// One pinned asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    pub name: AssetName,
    pub version: Version,
    /// The registry's URL, as `client::normalize_registry` writes it.
    pub source: String,
    /// sha256 of the archive, lowercase hex.
    pub sha256: String,
    /// The names this version depends on, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<AssetName>,
}

/// A whole lockfile: at most one entry per name, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lockfile {
    assets: BTreeMap<AssetName, Locked>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    #[serde(default, rename = "asset")]
    assets: Vec<Locked>,
}

/// One root requirement, as a project states it, with the registries it may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub name: AssetName,
    pub req: VersionReq,
    /// Where it may come from: one URL when the project or the user chose a registry, every
    /// configured registry otherwise.
    pub sources: Vec<String>,
}

/// How a lock changes between two resolutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(Locked),
    Removed(Locked),
    Changed { from: Locked, to: Locked },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(l) | Change::Removed(l) => write!(f, "{} v{}", l.name, l.version),
            Change::Changed { from, to } if from.version != to.version => {
                write!(f, "{} v{} → v{}", to.name, from.version, to.version)
            }
            Change::Changed { from, to } if from.source != to.source => write!(
                f,
                "{} v{} from {} instead of {}",
                to.name, to.version, to.source, from.source
            ),
            Change::Changed { to, .. } => {
                write!(f, "{} v{} (checksum changed)", to.name, to.version)
            }
        }
    }
}

impl Lockfile {
    pub fn new(assets: impl IntoIterator<Item = Locked>) -> Lockfile {
        Lockfile {
            assets: assets
                .into_iter()
                .map(|mut l| {
                    l.dependencies.sort();
                    l.dependencies.dedup();
                    (l.name.clone(), l)
                })
                .collect(),
        }
    }

    pub fn assets(&self) -> impl Iterator<Item = &Locked> {
        self.assets.values()
    }

    pub fn get(&self, name: &AssetName) -> Option<&Locked> {
        self.assets.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    /// The lockfile at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Lockfile>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Lockfile::parse(path, &text).map(Some)
    }

    fn parse(path: &Path, text: &str) -> Result<Lockfile, Error> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_owned(),
            message,
        };
        // The format version first, so a newer lock is named as such, not as a syntax error.
        let found = text
            .parse::<toml::Table>()
            .map_err(|e| invalid(e.message().to_owned()))?
            .get("version")
            .and_then(toml::Value::as_integer);
        match found {
            None => return Err(invalid("`version` is missing or not a number".into())),
            Some(v) if v != i64::from(FORMAT_VERSION) => {
                return Err(Error::NewerFormat {
                    path: path.to_owned(),
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                });
            }
            Some(_) => {}
        }
        let raw: Raw = toml::from_str(text).map_err(|e| invalid(e.message().to_owned()))?;
        let mut assets = BTreeMap::new();
        for locked in raw.assets {
            if !is_sha256(&locked.sha256) {
                return Err(invalid(format!(
                    "the sha256 of `{}` is not 64 lowercase hex digits",
                    locked.name
                )));
            }
            let normalized = crate::client::normalize_registry(&locked.source).map_err(|_| {
                invalid(format!(
                    "the source of `{}` is not a registry URL (http, https or file)",
                    locked.name
                ))
            })?;
            if normalized != locked.source {
                return Err(invalid(format!(
                    "the source of `{}` is not written as osops writes it (`{normalized}`)",
                    locked.name
                )));
            }
            if assets.contains_key(&locked.name) {
                return Err(invalid(format!("`{}` is listed twice", locked.name)));
            }
            assets.insert(locked.name.clone(), locked);
        }
        for locked in assets.values() {
            if let Some(missing) = locked
                .dependencies
                .iter()
                .find(|d| !assets.contains_key(*d))
            {
                return Err(invalid(format!(
                    "`{}` depends on `{missing}`, which the lock does not list",
                    locked.name
                )));
            }
        }
        Ok(Lockfile { assets })
    }

    /// The file's text: the header, the format version, the assets sorted by name.
    pub fn to_toml(&self) -> String {
        let raw = Raw {
            version: FORMAT_VERSION,
            assets: self.assets.values().cloned().collect(),
        };
        // Serialising plain strings, numbers and arrays cannot fail.
        let body = toml::to_string(&raw).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Writes the lockfile atomically (a synced temporary file renamed over the old one).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        crate::fs::write_atomic(path, self.to_toml().as_bytes()).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Why this lock cannot be installed as it is for `roots`, or `None` when it can: every
    /// root has an entry from one of its sources whose version matches, and the entries are
    /// exactly those the roots reach through `dependencies`. No index is needed to decide.
    pub fn stale_reason(&self, roots: &[Root]) -> Option<String> {
        for root in roots {
            let Some(locked) = self.assets.get(&root.name) else {
                return Some(format!("`{}` is not in the lock", root.name));
            };
            if !root.req.matches(&locked.version) {
                return Some(format!(
                    "`{}` is locked at v{}, which does not match `{}`",
                    root.name, locked.version, root.req
                ));
            }
            if !root.sources.contains(&locked.source) {
                return Some(format!(
                    "`{}` is locked from {}, not from {}",
                    root.name,
                    locked.source,
                    root.sources.join(" or ")
                ));
            }
        }
        let reached = self.reachable(roots.iter().map(|r| &r.name));
        self.assets
            .keys()
            .find(|name| !reached.contains(*name))
            .map(|name| format!("`{name}` is in the lock, but nothing requires it any more"))
    }

    /// The names reachable from `roots` through the locked dependencies.
    fn reachable<'a>(
        &'a self,
        roots: impl Iterator<Item = &'a AssetName>,
    ) -> BTreeSet<&'a AssetName> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&AssetName> = roots.collect();
        while let Some(name) = todo.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(locked) = self.assets.get(name) {
                todo.extend(locked.dependencies.iter());
            }
        }
        seen
    }

    /// What changes from `self` to `new`, sorted by name.
    pub fn changes(&self, new: &Lockfile) -> Vec<Change> {
        let names: BTreeSet<&AssetName> = self.assets.keys().chain(new.assets.keys()).collect();
        names
            .into_iter()
            .filter_map(|name| match (self.assets.get(name), new.assets.get(name)) {
                (Some(old), None) => Some(Change::Removed(old.clone())),
                (None, Some(new)) => Some(Change::Added(new.clone())),
                (Some(old), Some(new)) if old != new => Some(Change::Changed {
                    from: old.clone(),
                    to: new.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}

pub(crate) fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "https://osops.example.org";

    fn name(n: &str) -> AssetName {
        AssetName::parse(n).expect("name")
    }

    fn locked(n: &str, v: &str, deps: &[&str]) -> Locked {
        Locked {
            name: name(n),
            version: Version::parse(v).expect("version"),
            source: REG.into(),
            sha256: osops_index::sha256_hex(format!("{n}-{v}").as_bytes()),
            dependencies: deps.iter().map(|d| name(d)).collect(),
        }
    }

    fn root(n: &str, req: &str) -> Root {
        Root {
            name: name(n),
            req: VersionReq::parse(req).expect("req"),
            sources: vec![REG.into()],
        }
    }

    fn sample() -> Lockfile {
        Lockfile::new([
            locked("nova-tools", "1.2.0", &["os-helpers"]),
            locked("os-helpers", "0.3.1", &[]),
            locked("galera-health", "2.1.0", &["os-helpers"]),
        ])
    }

    #[test]
    fn writes_sorted_with_a_header_and_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        sample().write(&path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("# This file is written by osops"),
            "{text}"
        );
        assert!(text.contains("version = 1\n"), "{text}");
        let order: Vec<usize> = ["galera-health", "nova-tools", "os-helpers"]
            .iter()
            .map(|n| text.find(&format!("name = \"{n}\"")).expect("listed"))
            .collect();
        assert!(order.is_sorted(), "{text}");
        assert!(text.contains("dependencies = [\"os-helpers\"]"), "{text}");
        assert_eq!(Lockfile::read(&path).expect("read"), Some(sample()));
        assert_eq!(
            Lockfile::read(&dir.path().join("none")).expect("read"),
            None
        );
    }

    #[test]
    fn refuses_newer_formats_and_broken_files() {
        let path = Path::new("osops.lock");
        let newer = Lockfile::parse(path, "version = 2\n").expect_err("newer");
        assert!(
            matches!(newer, Error::NewerFormat { found: 2, .. }),
            "{newer}"
        );
        let text = sample().to_toml();
        let broken = [
            text.replacen("sha256 = \"", "sha256 = \"x", 1),
            text.replacen(REG, "ftp://x", 1),
            text.replace("version = 1\n", ""),
            format!(
                "{text}\n[[asset]]\nname = \"os-helpers\"\nversion = \"0.3.1\"\nsource = \"{REG}\"\nsha256 = \"{}\"\n",
                "a".repeat(64)
            ),
            text.replacen(
                "dependencies = [\"os-helpers\"]",
                "dependencies = [\"ghost\"]",
                1,
            ),
            format!("{text}\nextra = 1\n"),
        ];
        for bad in broken {
            let err = Lockfile::parse(path, &bad).expect_err(&bad);
            assert!(matches!(err, Error::Invalid { .. }), "{err}: {bad}");
        }
    }

    #[test]
    fn a_lock_is_fresh_only_when_it_is_exactly_what_the_roots_reach() {
        let lock = sample();
        let roots = [root("nova-tools", "^1.2"), root("galera-health", "=2.1.0")];
        assert_eq!(lock.stale_reason(&roots), None);

        let reason = |roots: &[Root]| lock.stale_reason(roots).expect("stale");
        assert_eq!(
            reason(&[root("nova-tools", "^2"), root("galera-health", "2")]),
            "`nova-tools` is locked at v1.2.0, which does not match `^2`"
        );
        assert_eq!(
            reason(&[
                root("nova-tools", "1"),
                root("galera-health", "2"),
                root("new-one", "1")
            ]),
            "`new-one` is not in the lock"
        );
        assert_eq!(
            reason(&[root("nova-tools", "1")]),
            "`galera-health` is in the lock, but nothing requires it any more"
        );
        let mut other = root("nova-tools", "1");
        other.sources = vec!["https://internal.example".into()];
        assert_eq!(
            reason(&[other, root("galera-health", "2")]),
            "`nova-tools` is locked from https://osops.example.org, not from https://internal.example"
        );
    }

    #[test]
    fn changes_name_what_moved() {
        let old = sample();
        let new = Lockfile::new([
            locked("nova-tools", "1.3.0", &["os-helpers"]),
            locked("os-helpers", "0.3.1", &[]),
            locked("rabbit-check", "0.1.0", &[]),
        ]);
        let changes = old.changes(&new);
        assert!(matches!(changes[0], Change::Removed(_)));
        assert!(matches!(changes[2], Change::Added(_)));
        let shown: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "galera-health v2.1.0",
                "nova-tools v1.2.0 → v1.3.0",
                "rabbit-check v0.1.0"
            ]
        );
        assert!(old.changes(&old).is_empty());
    }
}
