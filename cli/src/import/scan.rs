//! Walking the repository being imported: every regular file, read once, with what the later
//! steps need (text, executable bit, sha256), and the files no asset may carry set aside with the
//! reason.
//!
//! Nothing here writes: the walk only reads, and follows no symbolic link (a link could point out
//! of the repository, or at the overlay being written).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Error, Skipped};

/// Files larger than this are hashed but not read as text: no script is a megabyte long, and
/// inference must not read a disk image into memory.
const MAX_TEXT: u64 = 1024 * 1024;

/// Directories never entered: version control, caches of tools and interpreters.
const SKIPPED_DIRS: &[(&str, &str)] = &[
    (".git", "version control metadata"),
    (".hg", "version control metadata"),
    (".svn", "version control metadata"),
    (".bzr", "version control metadata"),
    (".jj", "version control metadata"),
    ("__pycache__", "compiled Python cache"),
    (".terraform", "Terraform provider cache"),
    (".tox", "test environment"),
    (".venv", "virtual environment"),
    ("node_modules", "JavaScript dependencies"),
];

/// Extensions of compiled or generated files, which are never part of an asset.
const COMPILED: &[&str] = &[
    "pyc", "pyo", "o", "so", "a", "class", "obj", "dll", "exe", "ko",
];

/// Editor and desktop leftovers.
const JUNK: &[&str] = &[".DS_Store", "Thumbs.db"];

/// One regular file of the repository.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the repository, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
    /// The contents as text, when small and free of NUL bytes (binary files have `None`).
    pub text: Option<String>,
    pub sha256: String,
}

#[cfg(test)]
impl SourceFile {
    /// A file holding `text`, as the scan would have read it: the import's unit tests build
    /// repositories from these.
    pub fn in_memory(rel: &str, text: &str, executable: bool) -> SourceFile {
        SourceFile {
            rel: rel.into(),
            abs: rel.into(),
            size: text.len() as u64,
            executable,
            text: Some(text.into()),
            sha256: String::new(),
        }
    }
}

impl SourceFile {
    /// The file name (last path component).
    pub fn file_name(&self) -> &str {
        file_name(&self.rel)
    }

    /// The directory the file is in, relative (`""` for the repository's top).
    pub fn dir(&self) -> &str {
        parent(&self.rel)
    }

    /// The `#!` line, when the file starts with one.
    pub fn shebang(&self) -> Option<&str> {
        let first = self.text.as_deref()?.lines().next()?;
        first.strip_prefix("#!").map(str::trim)
    }
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<SourceFile>,
    pub skipped: Vec<Skipped>,
}

/// `a/b/c.sh` → `c.sh`.
pub fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// `a/b/c.sh` → `a/b`; `c.sh` → `""`.
pub fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Walks `root`, never entering `exclude` (the overlay, when it is below the repository).
pub fn scan(root: &Path, exclude: &BTreeSet<PathBuf>) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Read {
            path: dir.clone(),
            source,
        })?;
        let mut entries: Vec<_> =
            entries
                .collect::<Result<_, _>>()
                .map_err(|source| Error::Read {
                    path: dir.clone(),
                    source,
                })?;
        entries.sort_by_key(|e| e.file_name());
        // Reversed onto the stack, so directories are visited in name order.
        let mut subdirs = Vec::new();
        for entry in entries {
            let abs = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                scan.skipped.push(Skipped::new(
                    format!("{rel_dir}/{}", entry.file_name().to_string_lossy())
                        .trim_start_matches('/'),
                    "its name is not UTF-8; rename it to import it",
                ));
                continue;
            };
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            let meta = std::fs::symlink_metadata(&abs).map_err(|source| Error::Read {
                path: abs.clone(),
                source,
            })?;
            if meta.file_type().is_symlink() {
                scan.skipped
                    .push(Skipped::new(&rel, "symbolic link (never followed)"));
            } else if meta.is_dir() {
                if exclude.contains(&abs) {
                    continue;
                }
                match SKIPPED_DIRS.iter().find(|(dir, _)| *dir == name) {
                    Some((_, why)) => scan.skipped.push(Skipped::new(&rel, why)),
                    None => subdirs.push((abs, rel)),
                }
            } else if !meta.is_file() {
                scan.skipped.push(Skipped::new(
                    &rel,
                    "not a regular file (device, socket or FIFO)",
                ));
            } else if let Some(why) = set_aside(&name, meta.len()) {
                scan.skipped.push(Skipped::new(&rel, why));
            } else {
                let file = read(abs, rel.clone(), &meta)?;
                if file.text.is_none() && is_compiled_magic(&file.abs) {
                    scan.skipped.push(Skipped::new(&rel, "compiled binary"));
                } else {
                    scan.files.push(file);
                }
            }
        }
        pending.extend(subdirs.into_iter().rev());
    }
    Ok(scan)
}

/// Why a file is left out by its name and size alone, if it is.
fn set_aside(name: &str, size: u64) -> Option<&'static str> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if ext.is_some_and(|e| COMPILED.contains(&e.as_str())) {
        Some("compiled file")
    } else if JUNK.contains(&name) || name.ends_with('~') || name.ends_with(".swp") {
        Some("editor or desktop leftover")
    } else if size == 0 && name != "__init__.py" {
        // An empty `__init__.py` still makes its directory a Python package: it must travel.
        Some("empty file")
    } else {
        None
    }
}

/// ELF (Linux binaries and objects) or Mach-O, by their first bytes.
fn is_compiled_magic(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok()
        && (magic == *b"\x7fELF"
            || magic == [0xcf, 0xfa, 0xed, 0xfe]
            || magic == [0xce, 0xfa, 0xed, 0xfe])
}

fn read(abs: PathBuf, rel: String, meta: &std::fs::Metadata) -> Result<SourceFile, Error> {
    let io = |source| Error::Read {
        path: abs.clone(),
        source,
    };
    let mut file = std::fs::File::open(&abs).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut text = None;
    if meta.len() <= MAX_TEXT {
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).map_err(io)?;
        hasher.update(&bytes);
        if !bytes.contains(&0) {
            text = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    } else {
        std::io::copy(&mut file, &mut hasher).map_err(io)?;
    }
    Ok(SourceFile {
        size: meta.len(),
        // The same test `osops package` packs 0755 by.
        executable: osops_index::archive::is_executable(meta),
        text,
        sha256: hex::encode(hasher.finalize()),
        abs,
        rel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_junk_and_empty_files_are_set_aside_by_name_and_size() {
        assert_eq!(set_aside("mod.pyc", 10), Some("compiled file"));
        assert_eq!(set_aside("helper.O", 10), Some("compiled file"));
        assert_eq!(set_aside("run.sh~", 10), Some("editor or desktop leftover"));
        assert_eq!(set_aside("empty.sh", 0), Some("empty file"));
        assert_eq!(set_aside("__init__.py", 0), None, "a package marker");
        assert_eq!(set_aside("run.sh", 10), None);
    }

    #[test]
    fn paths_split_into_directory_and_name() {
        assert_eq!(file_name("a/b/c.sh"), "c.sh");
        assert_eq!(parent("a/b/c.sh"), "a/b");
        assert_eq!(parent("c.sh"), "");
    }
}
