//! File-system steps of installing that must not leave partial state behind.

use std::io::Write;
use std::path::Path;

use crate::home::{self, io_error};

/// Writes `path` through a synced temporary file in its directory and a rename, so readers see
/// the old contents or the new ones, never a part. The file is 0644 (a temporary file would be
/// 0600): lockfiles, receipts and archives are for everyone to read. Secrets are written
/// elsewhere (`config.rs`).
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub(crate) fn remove_path(path: &Path) -> Result<(), home::Error> {
    let result = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    result.map_err(io_error(path))
}

/// Removes the entries of `dir` whose names `doomed` picks.
pub(crate) fn remove_leftovers(
    dir: &Path,
    doomed: impl Fn(&str) -> bool,
) -> Result<(), home::Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(home::Error::Io {
                path: dir.to_owned(),
                source: e,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        if entry.file_name().to_str().is_none_or(&doomed) {
            remove_path(&entry.path())?;
        }
    }
    Ok(())
}

/// Entry points are meant to be run: make sure they are executable (0755).
pub(crate) fn make_executable<'p>(
    root: &Path,
    paths: impl Iterator<Item = &'p String>,
) -> std::io::Result<()> {
    #[cfg(unix)]
    for path in paths {
        use std::os::unix::fs::PermissionsExt;
        let file = root.join(path);
        let meta = std::fs::symlink_metadata(&file)?;
        if meta.is_file() && meta.permissions().mode() & 0o111 != 0o111 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (root, paths);
    Ok(())
}

/// 12 random hex digits for temporary names.
pub(crate) fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        bytes[..4].copy_from_slice(&(nanos ^ std::process::id()).to_le_bytes());
    }
    hex::encode(bytes)
}
