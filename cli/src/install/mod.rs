//! The install engine: resolve requirements to a lock, and make a tree hold exactly that lock.
//!
//! - [`sources`]: one client and one cache per registry; index files read side by side.
//! - [`resolution`]: requirements → registries → index files → the solver → a [`Lockfile`].
//! - [`apply`]: a lock → the tree, downloads first, changes last, in an order a crash survives.
//! - [`tree`]: the tree (`$OSOPS_HOME` or a project's `.osops/`) under an exclusive file lock.
//! - [`project`] and [`global`]: the operations behind `osops install`, `update`, `outdated`,
//!   `upgrade` and `uninstall`, for a project and for `$OSOPS_HOME`.
//!
//! `docs/install.md` is the contract.

pub mod apply;
pub mod global;
pub mod outdated;
pub(crate) mod parallel;
pub mod project;
pub mod resolution;
pub mod sources;
pub mod tree;

use std::path::PathBuf;

use osops_index::AssetName;
use osops_index::archive::ArchiveError;
use semver::Version;

pub use apply::{Applied, Installed, Requested};
pub use resolution::{Resolution, Want};
pub use sources::Sources;
pub use tree::Tree;

use crate::lockfile::Lockfile;
use crate::printer::Printer;
use crate::{cache, home, lockfile, solve};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {what} from {registry}")]
    Index {
        what: String,
        registry: String,
        #[source]
        source: Box<cache::ReadError>,
    },
    #[error("no asset named `{name}` in {registry}")]
    NotFound { name: AssetName, registry: String },
    #[error("`{name}` is served by several registries: {}", .registries.join(", "))]
    Ambiguous {
        name: AssetName,
        registries: Vec<String>,
    },
    #[error("`{name}` would come from both {first} and {second}; osops installs one `{name}`")]
    SourceConflict {
        name: AssetName,
        first: String,
        second: String,
    },
    #[error("no client for the registry `{0}`")]
    UnknownRegistry(String),
    #[error("offline, and the cache lacks:\n  {}", .missing.join("\n  "))]
    Offline { missing: Vec<String> },
    #[error(transparent)]
    Solve(#[from] solve::Error),
    #[error("`{}` needs updating: {reason}", .path.display())]
    LockStale { path: PathBuf, reason: String },
    #[error(transparent)]
    Lockfile(#[from] lockfile::Error),
    #[error(transparent)]
    Cache(#[from] cache::Error),
    #[error(transparent)]
    Download(#[from] cache::download::DownloadError),
    #[error(
        "`{name}` is installed from {installed_from}, not from {registry}; refusing to replace it"
    )]
    OtherRegistry {
        name: AssetName,
        installed_from: String,
        registry: String,
    },
    #[error(
        "the index lists `{cksum}` as the checksum of {name} v{version}, which is not a sha256"
    )]
    BadIndexChecksum {
        name: AssetName,
        version: Version,
        cksum: String,
    },
    #[error("the registry's download URL `{0}` is not an http(s) URL")]
    BadDownloadUrl(String),
    #[error("the archive of {name} v{version} is invalid")]
    Archive {
        name: AssetName,
        version: Version,
        #[source]
        source: Box<ArchiveError>,
    },
    #[error("the archive the lock lists as {name} v{version} contains {found}")]
    ManifestMismatch {
        name: AssetName,
        version: Version,
        found: String,
    },
    #[error("entry point `{cmd}` (`{path}`) of {name}: {reason}")]
    BadEntrypoint {
        name: AssetName,
        cmd: String,
        path: String,
        reason: String,
    },
    #[error("command `{cmd}` is already provided by `{owner}`")]
    BinConflict { cmd: String, owner: String },
    #[error("`{}` exists and was not created by osops", .path.display())]
    BinForeign { cmd: String, path: PathBuf },
    #[error("cannot extract {name} v{version} into `{}`", .path.display())]
    Extract {
        name: AssetName,
        version: Version,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("commands the assets need are not on PATH: {}", missing_list(.missing))]
    MissingCommands { missing: Vec<(AssetName, String)> },
    #[error("`{0}` is not installed")]
    NotInstalled(AssetName),
    #[error("`{name}` is needed by {}", .by.join(", "))]
    NeededBy { name: AssetName, by: Vec<String> },
    #[error(transparent)]
    Home(#[from] home::Error),
}

fn missing_list(missing: &[(AssetName, String)]) -> String {
    missing
        .iter()
        .map(|(name, cmd)| format!("`{cmd}` (for {name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Index { source, .. } => source.hint(),
            Error::NotFound { name, .. } => Some(format!("look for it with `osops search {name}`")),
            Error::Ambiguous { name, .. } => Some(format!(
                "say which one: `osops install {name} --registry NAME`, or `registry = \"NAME\"` \
                 on the dependency in osops.toml"
            )),
            Error::Offline { .. } => Some(
                "run once with network access to fill the cache, or drop --offline/--frozen".into(),
            ),
            Error::Solve(e) => e.hint(),
            Error::LockStale { .. } => Some(
                "run `osops install` without --locked/--frozen to update osops.lock, and commit it"
                    .into(),
            ),
            Error::Lockfile(e) => e.hint(),
            Error::Cache(e) => e.hint(),
            Error::Download(e) => e.hint(),
            Error::OtherRegistry { name, .. } => Some(format!(
                "run `osops uninstall {name}` first, or pass `--force` if you trust both registries"
            )),
            Error::BinConflict { cmd, owner } => Some(format!(
                "pass `--force` to take `{cmd}` over, or run `osops uninstall {owner}` first"
            )),
            Error::BinForeign { cmd, .. } => Some(format!(
                "move it away, or pass `--force` to replace `{cmd}`"
            )),
            Error::MissingCommands { .. } => Some(
                "install them with the system's package manager, or drop --strict to install anyway"
                    .into(),
            ),
            Error::NotInstalled(_) => Some("see what is installed with `osops list`".into()),
            Error::NeededBy { by, .. } => {
                Some(format!("uninstall {} first", by.join(" and ")))
            }
            Error::Home(e) => e.hint(),
            _ => None,
        }
    }
}

/// How a run behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Reinstall what is installed, take commands over, replace assets from another registry.
    pub force: bool,
    /// Use only the cache.
    pub offline: bool,
    /// Fail instead of changing the lock.
    pub locked: bool,
    /// Missing `[requires] commands` are an error.
    pub strict: bool,
    /// Show what would change, change nothing.
    pub dry_run: bool,
}

/// Everything a run needs: where assets come from, how to behave, where to talk.
pub struct Engine<'a> {
    pub sources: Sources,
    pub options: Options,
    pub printer: &'a Printer,
}

impl Engine<'_> {
    pub fn resolve(&self, want: &Want) -> Result<Resolution, Error> {
        self.printer.detail(
            "Resolving",
            format_args!("{} requirement(s) of {}", want.roots.len(), want.label),
        );
        resolution::resolve(&self.sources, want)
    }
}

/// Prints what changes between two locks, cargo-style (`Updating nova-tools v1.2.0 -> v1.3.0`).
pub fn report_changes(printer: &Printer, old: &Lockfile, new: &Lockfile) {
    for change in old.changes(new) {
        let verb = match change {
            lockfile::Change::Added(_) => "Adding",
            lockfile::Change::Removed(_) => "Removing",
            lockfile::Change::Changed { .. } => "Updating",
        };
        printer.status(verb, &change);
    }
}

#[cfg(test)]
mod tests;
