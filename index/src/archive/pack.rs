use std::path::{Path, PathBuf};

use crate::Manifest;

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read `{path}`")]
    Io { path: PathBuf, #[source] source: std::io::Error },
    /// A symlink, device or other non-regular file among the files to package.
    #[error("`{0}` is not a regular file or directory; archives hold only files and directories")]
    NotRegular(PathBuf),
    #[error("`{path}`: {reason}")]
    BadPath { path: PathBuf, reason: String },
    #[error("entry point `{0}` is not among the packaged files (hint: check `include` in osops.toml)")]
    MissingEntrypoint(String),
    #[error(transparent)]
    Limit(#[from] super::ArchiveError),
}

/// The files of `dir` that go into the archive, relative, sorted: everything but VCS directories
/// (`.git`, `.hg`, `.svn`) and `*.osops` files, or only what `asset.include` matches (`osops.toml`
/// is always included).
pub fn package_files(dir: &Path, manifest: &Manifest) -> Result<Vec<PathBuf>, PackError> {
    todo!("{} {manifest:?}", dir.display())
}

/// Packs `dir` into the bytes of a `.osops` archive. Deterministic: same files, same bytes.
/// The result is checked with [`super::read`] against `limits` before it is returned, so what packs
/// will also publish.
pub fn pack(dir: &Path, manifest: &Manifest, limits: &super::Limits) -> Result<Vec<u8>, PackError> {
    todo!("{} {manifest:?} {limits:?}", dir.display())
}
