//! `osops import`: proposes one asset per tool of an old repository of loose operational code,
//! writing manifests into an overlay directory and never touching the originals.
//!
//! Operators' code lives in repositories of scripts, playbooks, checks and templates with no
//! metadata; nobody will write hundreds of manifests by hand. The import does the reading a human
//! would do (what kind is this, what does it say it does, under which license, which services
//! does it call, which files does it need) and flags what it could not decide, so a human reviews
//! a table instead of writing manifests. The steps, one file each:
//!
//! - [`scan`]: every regular file, read once (text, executable bit, sha256); compiled files,
//!   empty files, links and caches set aside.
//! - [`credentials`]: files that look like secrets, kept out of every asset unless named with
//!   `--include-credentials`.
//! - [`detect`]: which files and directories are tools, of which [`Kind`].
//! - [`helpers`]: the files a tool uses by relative path, bundled with it (shell `source`s,
//!   Python imports, the task files, variables and roles a playbook names — see [`ansible`] —
//!   and the nested templates and `get_file` targets of a Heat template); a file bundled this way
//!   is no asset of its own.
//! - [`describe`], [`license`], [`services`]: the inferred description, SPDX license and
//!   OpenStack services; [`assemble`] puts one proposed asset together from them.
//! - [`names`]: canonical, mutually distinct asset names.
//! - [`state`] and [`overlay`]: the overlay's manifests and `osops-import.json` (versions and
//!   digests, for re-imports).
//! - [`report`]: the table and the `--json` document; [`publish`]: staging an asset's files
//!   with its manifest and publishing it through the same path as `osops publish`.

pub mod ansible;
pub mod assemble;
pub mod credentials;
pub mod describe;
pub mod detect;
pub mod helpers;
pub mod license;
pub mod names;
pub mod overlay;
pub mod publish;
pub mod report;
pub mod scan;
pub mod services;
pub mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use osops_index::Kind;

use self::scan::SourceFile;
pub use self::state::Change;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{}` is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("the overlay `{}` would be inside the repository `{}`", .overlay.display(), .source_dir.display())]
    OverlayInside {
        overlay: PathBuf,
        source_dir: PathBuf,
    },
    #[error("`{}` is not empty and holds no `{}` from an earlier import", .0.display(), state::STATE_FILE)]
    NotAnOverlay(PathBuf),
    #[error("`--include-credentials {0}` names no file that looks like credentials")]
    NotACredential(String),
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write `{}`", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the import state `{}` cannot be used: {reason}", .path.display())]
    State { path: PathBuf, reason: String },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NotADirectory(_) => Some("pass the repository's top directory".into()),
            Error::OverlayInside { .. } => Some(
                "choose an `--out` directory outside the repository, or `--in-place` for `.osops-import/` inside it".into(),
            ),
            Error::NotAnOverlay(_) => Some(
                "choose a new or empty `--out` directory, or the overlay of an earlier import".into(),
            ),
            Error::NotACredential(_) => Some(
                "give the path, relative to the repository, of a file the import listed under credentials".into(),
            ),
            Error::State { .. } => Some(
                "import into a new `--out` directory, or restore the file from a backup".into(),
            ),
            Error::Read { .. } | Error::Write { .. } => None,
        }
    }
}

/// A file left out of every asset, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl Skipped {
    pub fn new(path: &str, reason: &str) -> Self {
        Skipped {
            path: path.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// Something a human should look at. `blocking` flags keep the asset from `--publish`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    pub flag: &'static str,
    pub blocking: bool,
    pub detail: String,
}

impl Flag {
    pub fn new(flag: &'static str, blocking: bool, detail: impl Into<String>) -> Self {
        Flag {
            flag,
            blocking,
            detail: detail.into(),
        }
    }
}

/// A file that looks like credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CredentialFile {
    pub path: String,
    pub reason: &'static str,
    /// Named with `--include-credentials`, and so treated as any other file.
    pub included: bool,
}

/// One file of a proposed asset: where it is in the repository, and where in the asset.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct AssetFile {
    pub source: String,
    pub path: String,
}

/// What `osops run` / `osops install` will use.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Entrypoints {
    pub bin: BTreeMap<String, String>,
    pub playbook: Option<String>,
}

/// One proposed asset.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Proposed {
    pub name: String,
    pub kind: Kind,
    pub version: String,
    pub change: Change,
    /// The tool's path in the repository (a file, or a directory).
    pub path: String,
    /// The repository directory the asset's files are laid out from.
    pub root: String,
    /// The manifest, relative to the overlay.
    pub manifest: String,
    pub files: Vec<AssetFile>,
    pub description: Option<String>,
    pub description_from: Option<String>,
    pub license: Option<String>,
    pub license_from: Option<String>,
    pub services: Vec<String>,
    pub entrypoints: Entrypoints,
    /// Repository paths of the helper files bundled with it.
    pub helpers: Vec<String>,
    pub flags: Vec<Flag>,
    /// No blocking flag: `--publish` publishes it.
    pub publishable: bool,
}

/// The result of an import.
#[derive(Debug)]
pub struct Import {
    pub source: PathBuf,
    pub overlay: PathBuf,
    pub assets: Vec<Proposed>,
    pub credentials: Vec<CredentialFile>,
    pub skipped: Vec<Skipped>,
}

/// What to import, and where to.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: PathBuf,
    /// The overlay; default `DIR/../NAME-osops-import`.
    pub overlay: Option<PathBuf>,
    /// The overlay is [`IN_PLACE`] inside the repository instead (`--in-place`).
    pub in_place: bool,
    /// Repository-relative paths of credential files to treat as ordinary files.
    pub include_credentials: Vec<String>,
}

/// The overlay of `--in-place`, inside the repository: a directory of its own, so that the
/// manifests can be committed with the tools while no original file is written, and one
/// `osops.toml` per tool never collides with tools that share a directory. The scan never enters
/// it.
pub const IN_PLACE: &str = ".osops-import";

/// The overlay used when `--out` is not given: `NAME-osops-import` beside the repository.
pub fn default_overlay(source: &Path) -> Option<PathBuf> {
    let name = source.file_name()?.to_string_lossy().into_owned();
    Some(source.parent()?.join(format!("{name}-osops-import")))
}

/// Scans the repository, proposes the assets, and writes their manifests and the state into the
/// overlay. The repository is only read.
pub fn run(options: &Options) -> Result<Import, Error> {
    let source = std::fs::canonicalize(&options.source)
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| Error::NotADirectory(options.source.clone()))?;
    let overlay = if options.in_place {
        checked_overlay(source.join(IN_PLACE))?
    } else {
        resolve_overlay(&source, options.overlay.as_deref())?
    };

    let scan = scan::scan(&source, &BTreeSet::from([overlay.clone()]))?;
    let mut skipped = scan.skipped;
    let mut credentials = Vec::new();
    let mut excluded: BTreeMap<String, &'static str> = BTreeMap::new();
    let wanted: BTreeSet<&str> = options
        .include_credentials
        .iter()
        .map(|p| p.trim_start_matches("./"))
        .collect();
    // Tools that write a password into themselves are still proposed, flagged (blocking).
    let mut embedded: BTreeMap<String, credentials::LiteralSecret> = BTreeMap::new();
    for file in &scan.files {
        if let Some(secret) = credentials::literal_secret(file) {
            embedded.insert(file.rel.clone(), secret);
        }
        if let Some(reason) = credentials::looks_like_credentials(file) {
            let included = wanted.contains(file.rel.as_str());
            credentials.push(CredentialFile {
                path: file.rel.clone(),
                reason,
                included,
            });
            if !included {
                excluded.insert(file.rel.clone(), reason);
            }
        }
    }
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !credentials.iter().any(|c| c.path == **w))
    {
        return Err(Error::NotACredential((*unknown).to_owned()));
    }

    let usable: Vec<&SourceFile> = scan
        .files
        .iter()
        .filter(|f| !excluded.contains_key(&f.rel))
        .collect();
    let mut candidates = detect::detect(&usable, &mut skipped);
    let all: BTreeMap<&str, &SourceFile> = scan.files.iter().map(|f| (f.rel.as_str(), f)).collect();
    let helpers: BTreeMap<String, helpers::Helpers> = candidates
        .iter()
        .filter_map(|c| {
            let main = all.get(c.main.as_deref()?)?;
            Some((c.path.clone(), helpers::helpers_of(main, &all)))
        })
        .collect();
    let used: BTreeSet<&String> = helpers.values().flat_map(|h| &h.found).collect();
    set_aside_bundled(&mut candidates, &used, &all, &mut skipped);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));

    let mut state = state::load(&overlay)?;
    let repo_name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".into());
    let tools: Vec<(String, bool)> = candidates
        .iter()
        .map(|c| (c.path.clone(), c.is_dir))
        .collect();
    let kept: BTreeMap<String, String> = state
        .assets
        .iter()
        .map(|(path, a)| (path.clone(), a.name.clone()))
        .collect();
    let names = names::assign(&tools, &kept, &repo_name);

    let context = assemble::Context::new(&all, &excluded, &embedded, &candidates, &helpers);
    let mut assets = Vec::new();
    let mut next_state = state::State {
        format: state.format,
        source: source.display().to_string(),
        assets: BTreeMap::new(),
    };
    for candidate in &candidates {
        let Some(assigned) = names.get(&candidate.path) else {
            continue;
        };
        let mut proposed = assemble::assemble(candidate, assigned, &context);
        let earlier = state.assets.remove(&candidate.path);
        let digests: BTreeMap<String, String> = proposed
            .files
            .iter()
            .filter_map(|f| {
                all.get(f.source.as_str())
                    .map(|s| (f.source.clone(), s.sha256.clone()))
            })
            .collect();
        let asset_state = overlay::write(&overlay, &mut proposed, earlier.as_ref(), digests)?;
        next_state
            .assets
            .insert(candidate.path.clone(), asset_state);
        assets.push(proposed);
    }
    state::save(&overlay, &next_state)?;
    Ok(Import {
        source,
        overlay,
        assets,
        credentials,
        skipped,
    })
}

/// Why a file bundled with the tools that use it is not listed as an asset of its own.
const BUNDLED: &str = "helper bundled with the tools that use it";

/// Drops the candidates that other tools bundle, and lists their files as set aside: a helper
/// script that cannot run on its own (no shebang, not executable), a nested Heat template, a role
/// a playbook applies, and the members of a configuration group that a playbook includes (task
/// and variable files). A playbook another imports stays a tool: it still runs alone.
fn set_aside_bundled(
    candidates: &mut Vec<detect::Candidate>,
    used: &BTreeSet<&String>,
    all: &BTreeMap<&str, &SourceFile>,
    skipped: &mut Vec<Skipped>,
) {
    let mut bundled: BTreeSet<String> = BTreeSet::new();
    candidates.retain_mut(|c| {
        let is_used = |p: &String| used.contains(p);
        let drop = match c.kind {
            Kind::Playbook => false,
            Kind::Config => {
                bundled.extend(c.members.iter().filter(|m| is_used(m)).cloned());
                c.members.retain(|m| !is_used(m));
                c.members.is_empty()
            }
            Kind::Role => {
                let applied = c.members.iter().any(is_used);
                if applied {
                    bundled.extend(c.members.iter().cloned());
                }
                applied
            }
            Kind::Template if !c.is_dir => is_used(&c.path),
            _ => {
                is_used(&c.path)
                    && all
                        .get(c.path.as_str())
                        .is_some_and(|f| !f.executable && f.shebang().is_none())
            }
        };
        if drop && !c.is_dir {
            bundled.insert(c.path.clone());
        }
        !drop
    });
    // A helper that was not recognised on its own (`functions`) is no longer "set aside" either.
    for s in skipped.iter_mut().filter(|s| used.contains(&s.path)) {
        s.reason = BUNDLED.into();
    }
    let listed: BTreeSet<String> = skipped.iter().map(|s| s.path.clone()).collect();
    skipped.extend(
        bundled
            .iter()
            .filter(|p| !listed.contains(*p))
            .map(|p| Skipped::new(p, BUNDLED)),
    );
}

/// The overlay directory: outside the repository, and new, empty or an earlier import's.
fn resolve_overlay(source: &Path, chosen: Option<&Path>) -> Result<PathBuf, Error> {
    let overlay = match chosen {
        Some(path) => std::path::absolute(path).map_err(|e| Error::Read {
            path: path.to_owned(),
            source: e,
        })?,
        None => default_overlay(source).ok_or_else(|| Error::NotADirectory(source.to_owned()))?,
    };
    // Resolve what exists of it, so `..` and links cannot hide that it is inside the repository.
    let mut existing = overlay.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent.to_owned();
            }
            _ => break,
        }
    }
    let mut resolved = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    if resolved.starts_with(source) || source.starts_with(&resolved) {
        return Err(Error::OverlayInside {
            overlay: resolved,
            source_dir: source.to_owned(),
        });
    }
    checked_overlay(resolved)
}

/// `resolved`, created, unless it is a directory that is neither empty nor an earlier import's
/// overlay.
fn checked_overlay(resolved: PathBuf) -> Result<PathBuf, Error> {
    if resolved.is_dir() && !state::path(&resolved).exists() {
        let empty = std::fs::read_dir(&resolved)
            .map_err(|e| Error::Read {
                path: resolved.clone(),
                source: e,
            })?
            .next()
            .is_none();
        if !empty {
            return Err(Error::NotAnOverlay(resolved));
        }
    }
    std::fs::create_dir_all(&resolved).map_err(|e| Error::Write {
        path: resolved.clone(),
        source: e,
    })?;
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str, executable: bool) -> SourceFile {
        SourceFile::in_memory(rel, text, executable)
    }

    fn candidate(kind: Kind, path: &str, is_dir: bool, members: &[&str]) -> detect::Candidate {
        detect::Candidate {
            kind,
            path: path.into(),
            is_dir,
            main: (!is_dir).then(|| path.to_owned()),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn what_a_tool_bundles_is_no_asset_of_its_own() {
        let files = [
            file("heat/lib/net.yaml", "heat_template_version: x\n", false),
            file("heat/app.yaml", "heat_template_version: x\n", false),
            file("plays/other.yml", "- hosts: all\n", false),
            file("bin/run.sh", "#!/bin/sh\n", true),
        ];
        let all: BTreeMap<&str, &SourceFile> = files.iter().map(|f| (f.rel.as_str(), f)).collect();
        let mut candidates = vec![
            candidate(Kind::Config, "tasks", true, &["tasks/a.yml", "tasks/b.yml"]),
            candidate(
                Kind::Role,
                "roles/drain",
                true,
                &["roles/drain/tasks/main.yml"],
            ),
            candidate(
                Kind::Template,
                "heat/lib/net.yaml",
                false,
                &["heat/lib/net.yaml"],
            ),
            candidate(Kind::Template, "heat/app.yaml", false, &["heat/app.yaml"]),
            candidate(
                Kind::Playbook,
                "plays/other.yml",
                false,
                &["plays/other.yml"],
            ),
            candidate(Kind::Script, "bin/run.sh", false, &["bin/run.sh"]),
        ];
        let used_paths = [
            "tasks/a.yml",
            "roles/drain/tasks/main.yml",
            "heat/lib/net.yaml",
            "plays/other.yml",
            "bin/run.sh",
        ]
        .map(String::from);
        let used: BTreeSet<&String> = used_paths.iter().collect();
        let mut skipped = Vec::new();
        set_aside_bundled(&mut candidates, &used, &all, &mut skipped);
        let kept: Vec<(&str, Vec<String>)> = candidates
            .iter()
            .map(|c| (c.path.as_str(), c.members.clone()))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("tasks", vec!["tasks/b.yml".to_owned()]),
                ("heat/app.yaml", vec!["heat/app.yaml".to_owned()]),
                ("plays/other.yml", vec!["plays/other.yml".to_owned()]),
                ("bin/run.sh", vec!["bin/run.sh".to_owned()]),
            ],
            "a playbook and a runnable script stay tools when others use them"
        );
        let set_aside: BTreeSet<&str> = skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            set_aside,
            BTreeSet::from([
                "heat/lib/net.yaml",
                "roles/drain/tasks/main.yml",
                "tasks/a.yml"
            ])
        );
        assert!(skipped.iter().all(|s| s.reason == BUNDLED));
    }
}
