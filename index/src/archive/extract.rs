//! Reading files out of a validated [`Archive`] and writing it to disk.
//!
//! Extraction trusts nothing on disk either: `dest` must be new, every directory is created by
//! us one component at a time and checked to be a real directory (not a symlink someone slipped
//! in), and every file is opened with `create_new`, which refuses to follow or overwrite anything.
//! Modes are set explicitly (0644/0755, directories 0755), whatever the umask or the archive said.
//! Files are not fsync'd: the CLI extracts into a temporary directory and marks completion
//! afterwards, which covers a killed process; syncing for power loss is its call to make.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::paths;
use super::types::find_file;
use super::{Archive, EntryData};

impl Archive {
    /// The README's text, if the asset has one (`asset.readme`, else `README.md`) and it is UTF-8.
    pub fn readme(&self) -> Option<&str> {
        let path = self.manifest.asset.readme.as_deref().unwrap_or("README.md");
        self.file(path)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// The file at `path` (relative), if any.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        find_file(&self.entries, path)
    }

    /// Writes the accepted entries under `dest`, which must not exist yet; files 0644 or 0755.
    /// Used by the CLI on a temporary directory that it renames into place afterwards.
    ///
    /// On failure, `dest` (which this call created) is removed again, so no partial tree is left.
    pub fn extract_to(&self, dest: &Path) -> Result<(), io::Error> {
        if fs::symlink_metadata(dest).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "`{}` already exists; extraction needs a new directory",
                    dest.display()
                ),
            ));
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        fs::create_dir(dest)?;
        let result = self.write_entries(dest);
        if result.is_err() {
            // Best effort: the error being returned is the one that matters.
            let _ = fs::remove_dir_all(dest);
        }
        result
    }

    fn write_entries(&self, dest: &Path) -> io::Result<()> {
        set_mode(dest, 0o755)?;
        for entry in &self.entries {
            // `entries` is a public field, so an `Archive` may not come from `read`: check each
            // path again (cheap) rather than trust it, before it is joined onto `dest`.
            let is_dir = matches!(entry.data, EntryData::Dir);
            if let Err(reason) = paths::check(entry.path.as_bytes(), is_dir, usize::MAX) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "refusing to extract `{}`: it {reason}",
                        paths::show(entry.path.as_bytes())
                    ),
                ));
            }
            let (parent, name) = match entry.path.rsplit_once('/') {
                Some((parent, name)) => (Some(parent), name),
                None => (None, entry.path.as_str()),
            };
            let dir = match parent {
                Some(parent) => ensure_dirs(dest, parent)?,
                None => dest.to_path_buf(),
            };
            match &entry.data {
                EntryData::Dir => {
                    ensure_dirs(&dir, name)?;
                }
                EntryData::File {
                    contents,
                    executable,
                } => {
                    let mode = if *executable { 0o755 } else { 0o644 };
                    let path = dir.join(name);
                    let mut file = create_new(&path, mode)?;
                    file.write_all(contents)?;
                    // Explicitly, because `create_new`'s mode is filtered by the umask.
                    set_mode(&path, mode)?;
                }
            }
        }
        Ok(())
    }
}

/// Creates (or walks) `rel` under `base` one component at a time, refusing anything on the way
/// that is not a real directory. Returns the full path.
fn ensure_dirs(base: &Path, rel: &str) -> io::Result<std::path::PathBuf> {
    let mut path = base.to_path_buf();
    for component in rel.split('/') {
        path.push(component);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("`{}` exists and is not a directory", path.display()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&path)?;
                set_mode(&path, 0o755)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(path)
}

#[cfg(unix)]
fn create_new(path: &Path, mode: u32) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path, _mode: u32) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
