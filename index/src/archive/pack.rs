//! [`pack`]: a directory into the bytes of a `.osops` archive, deterministically.
//!
//! Same files, same bytes, on any machine: entries sorted by path components, every directory
//! an explicit entry, everything under `NAME-VERSION/`, mtime [`super::FIXED_MTIME`], uid/gid 0
//! with empty owner names, modes 0644/0755 (0755 when the source has any execute bit; 0755 for
//! directories), GNU headers (long paths as GNU long-name records), and a gzip header with no
//! file name, no mtime and OS byte 255. The bytes then go through [`super::read`], the same
//! validator the registry runs, so an archive that packs also publishes.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};

use super::{FIXED_MTIME, paths};
use crate::Manifest;
use crate::manifest::MANIFEST_FILE;

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A symlink, device or other non-regular file among the files to package.
    #[error("`{0}` is not a regular file or directory; archives hold only files and directories")]
    NotRegular(PathBuf),
    #[error("`{path}`: {reason}")]
    BadPath { path: PathBuf, reason: String },
    #[error(
        "entry point `{0}` is not among the packaged files (hint: check `include` in osops.toml)"
    )]
    MissingEntrypoint(String),
    #[error(transparent)]
    Limit(#[from] super::ArchiveError),
}

/// Directories never packaged, at any depth: version control metadata, and `.osops`, where
/// `osops install` puts an asset's own dependencies while it is being written.
const SKIPPED_DIRS: &[&str] = &[
    ".git", ".hg", ".svn", ".bzr", "_darcs", ".pijul", ".jj", ".osops",
];

/// The files of `dir` that go into the archive, relative, sorted: everything but VCS directories
/// (`.git`, `.hg`, `.svn`), `.osops/` and `*.osops` files, or only what `asset.include` matches (`osops.toml`
/// is always included).
///
/// An `include` pattern matches a file's path or any of its parent directories, so `bin` and
/// `bin/**` both take everything under `bin/`. Files outside the selection are never looked at, so
/// a symlink there is no error; one inside it is [`PackError::NotRegular`]. Sorted by path
/// components (`PathBuf`'s order), the order they are packed in.
pub fn package_files(dir: &Path, manifest: &Manifest) -> Result<Vec<PathBuf>, PackError> {
    let patterns = manifest
        .asset
        .include
        .iter()
        .map(|p| glob::Pattern::new(p.strip_suffix('/').unwrap_or(p)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PackError::BadPath {
            path: dir.join(MANIFEST_FILE),
            reason: format!("bad `include` pattern: {e}"),
        })?;
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let included = |rel: &str| {
        rel == MANIFEST_FILE
            || patterns.is_empty()
            || ancestors_and_self(rel)
                .any(|p| patterns.iter().any(|pat| pat.matches_with(p, options)))
    };

    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name();
    let walk = walk
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && is_skipped(e.file_name())));
    let mut files = Vec::new();
    for item in walk {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            PackError::Io {
                path,
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("filesystem loop")),
            }
        })?;
        let file_type = item.file_type();
        if file_type.is_dir() {
            continue;
        }
        let rel = relative(dir, item.path())?;
        if !included(&rel) || (rel.ends_with(".osops") && file_type.is_file()) {
            continue;
        }
        if !file_type.is_file() {
            return Err(PackError::NotRegular(item.path().to_path_buf()));
        }
        paths::check(rel.as_bytes(), false, usize::MAX).map_err(|reason| PackError::BadPath {
            path: item.path().to_path_buf(),
            reason,
        })?;
        files.push(PathBuf::from(rel));
    }
    files.sort();

    let has = |path: &str| files.iter().any(|f| f.to_str() == Some(path));
    if !has(MANIFEST_FILE) {
        return Err(PackError::BadPath {
            path: dir.join(MANIFEST_FILE),
            reason: "is missing".into(),
        });
    }
    let entrypoints = manifest
        .entrypoints
        .bin
        .values()
        .chain(&manifest.entrypoints.playbook);
    if let Some(missing) = entrypoints.chain(&manifest.asset.readme).find(|p| !has(p)) {
        return Err(PackError::MissingEntrypoint(missing.clone()));
    }
    Ok(files)
}

/// Packs `dir` into the bytes of a `.osops` archive. Deterministic: same files, same bytes.
/// The result is checked with [`super::read`] against `limits` before it is returned, so what packs
/// will also publish.
pub fn pack(dir: &Path, manifest: &Manifest, limits: &super::Limits) -> Result<Vec<u8>, PackError> {
    let files = package_files(dir, manifest)?;
    let stem = manifest.archive_stem();

    // Every directory that holds a packaged file, as an explicit entry; `BTreeSet<PathBuf>`
    // orders by components, so parents come before their contents.
    let mut entries: BTreeSet<(PathBuf, bool)> = BTreeSet::new();
    for file in &files {
        entries.extend(
            file.ancestors()
                .skip(1)
                .filter(|a| !a.as_os_str().is_empty())
                .map(|a| (a.to_path_buf(), true)),
        );
        entries.insert((file.clone(), false));
    }

    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PackError::Io { path, source }
    };
    let gzip = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gzip);
    let out = Path::new("<archive>");
    append(&mut tar, &format!("{stem}/"), None).map_err(io_err(out))?;
    for (rel, is_dir) in &entries {
        let name = format!("{stem}/{}", slashed(rel));
        if *is_dir {
            append(&mut tar, &format!("{name}/"), None).map_err(io_err(rel))?;
            continue;
        }
        let source = dir.join(rel);
        let meta = std::fs::symlink_metadata(&source).map_err(io_err(&source))?;
        if !meta.is_file() {
            // Replaced since the walk.
            return Err(PackError::NotRegular(source));
        }
        let contents = std::fs::read(&source).map_err(io_err(&source))?;
        append(&mut tar, &name, Some((&contents, is_executable(&meta))))
            .map_err(io_err(&source))?;
    }
    let gzip = tar.into_inner().map_err(io_err(out))?;
    let bytes = gzip.finish().map_err(io_err(out))?;

    let archive = super::read(&bytes, limits)?;
    if archive.manifest != *manifest {
        return Err(PackError::BadPath {
            path: dir.join(MANIFEST_FILE),
            reason: "differs from the manifest being packaged (was it changed while packing?)"
                .into(),
        });
    }
    Ok(bytes)
}

/// Appends one entry with fixed metadata: a directory when `file` is `None`.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    file: Option<(&[u8], bool)>,
) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    let (kind, mode, data) = match file {
        None => (tar::EntryType::Directory, 0o755, &[][..]),
        Some((data, true)) => (tar::EntryType::Regular, 0o755, data),
        Some((data, false)) => (tar::EntryType::Regular, 0o644, data),
    };
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(data.len() as u64);
    header.set_mtime(FIXED_MTIME);
    header.set_uid(0);
    header.set_gid(0);
    header.set_username("")?;
    header.set_groupname("")?;
    tar.append_data(&mut header, name, data)
}

fn is_skipped(name: &std::ffi::OsStr) -> bool {
    SKIPPED_DIRS.iter().any(|v| name == *v)
}

/// Whether a file has any execute bit: what packs as 0755 rather than 0644.
#[cfg(unix)]
pub fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

/// Whether a file has any execute bit: what packs as 0755 rather than 0644.
#[cfg(not(unix))]
pub fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// `path` relative to `dir`, `/`-separated; non-UTF-8 names are refused.
fn relative(dir: &Path, path: &Path) -> Result<String, PackError> {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    parts
        .map(|p| p.join("/"))
        .ok_or_else(|| PackError::BadPath {
            path: path.to_path_buf(),
            reason: "name is not valid UTF-8".into(),
        })
}

fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `a/b/c`, `a/b`, `a`.
fn ancestors_and_self(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(rel), |p| p.rsplit_once('/').map(|(parent, _)| parent))
}
