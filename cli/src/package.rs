//! `osops package` and the packing half of `osops publish`: read the manifest, pack, write.

use std::path::{Path, PathBuf};

use osops_index::archive::{self, Archive, ArchiveError, EntryData, Limits, PackError};
use osops_index::manifest::MANIFEST_FILE;
use osops_index::{Manifest, ManifestError};

use crate::home::{self, io_error};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no `{MANIFEST_FILE}` in `{}`", .dir.display())]
    NoManifest { dir: PathBuf },
    #[error("invalid manifest `{}`", .path.display())]
    Manifest {
        path: PathBuf,
        #[source]
        source: ManifestError,
    },
    #[error("cannot package `{}`", .dir.display())]
    Pack {
        dir: PathBuf,
        #[source]
        source: PackError,
    },
    #[error("`{}` is not a valid osops archive", .path.display())]
    InvalidArchive {
        path: PathBuf,
        #[source]
        source: ArchiveError,
    },
    #[error("`{}` is {size} bytes; archives are at most {limit}", .path.display())]
    ArchiveTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(transparent)]
    Home(#[from] home::Error),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoManifest { .. } => Some(
                "create one with `osops init` here, or start a new asset with `osops new NAME --kind KIND`".into(),
            ),
            // A manifest error's own text already ends with its hint.
            _ => None,
        }
    }
}

/// A packed asset, in memory.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub manifest: Manifest,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// Regular files in the archive.
    pub files: usize,
}

impl Packaged {
    /// `NAME-VERSION.osops`.
    pub fn file_name(&self) -> String {
        archive::file_name(&self.manifest.asset.name, &self.manifest.asset.version)
    }
}

/// Reads and validates `DIR/osops.toml`.
pub fn load_manifest(dir: &Path) -> Result<Manifest, Error> {
    let path = dir.join(MANIFEST_FILE);
    if !path.is_file() {
        return Err(Error::NoManifest {
            dir: dir.to_owned(),
        });
    }
    Manifest::from_dir(dir).map_err(|source| Error::Manifest { path, source })
}

/// Packs `dir` in memory, with the same limits the registry enforces.
pub fn package(dir: &Path) -> Result<Packaged, Error> {
    let manifest = load_manifest(dir)?;
    let limits = Limits::default();
    let pack_error = |source| Error::Pack {
        dir: dir.to_owned(),
        source,
    };
    let bytes = archive::pack(dir, &manifest, &limits).map_err(pack_error)?;
    // `pack` validated the bytes already; reading them back counts exactly what went in.
    let archive = archive::read(&bytes, &limits).map_err(|e| pack_error(PackError::Limit(e)))?;
    let files = archive
        .entries
        .iter()
        .filter(|e| matches!(e.data, EntryData::File { .. }))
        .count();
    Ok(Packaged {
        manifest,
        sha256: archive.sha256,
        bytes,
        files,
    })
}

/// The bytes of a ready-made `.osops` file, refused before reading if over the upload limit.
pub fn read_archive_file(path: &Path) -> Result<Vec<u8>, Error> {
    let limit = Limits::default().max_compressed;
    let size = std::fs::metadata(path).map_err(io_error(path))?.len();
    if size > limit {
        return Err(Error::ArchiveTooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    Ok(std::fs::read(path).map_err(io_error(path))?)
}

/// Runs the archive validator the registry runs on publish over a ready-made archive's bytes.
pub fn check_archive(path: &Path, bytes: &[u8]) -> Result<Archive, Error> {
    archive::read(bytes, &Limits::default()).map_err(|source| Error::InvalidArchive {
        path: path.to_owned(),
        source,
    })
}

/// The files `package` would put in the archive, relative and `/`-separated.
pub fn list(dir: &Path) -> Result<Vec<String>, Error> {
    let manifest = load_manifest(dir)?;
    let files = archive::package_files(dir, &manifest).map_err(|source| Error::Pack {
        dir: dir.to_owned(),
        source,
    })?;
    Ok(files
        .iter()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect())
}

/// Writes the archive into `out_dir` atomically (temporary file, then rename) and returns its path.
pub fn write(packaged: &Packaged, out_dir: &Path) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let path = out_dir.join(packaged.file_name());
    crate::fs::write_atomic(&path, &packaged.bytes).map_err(io_error(&path))?;
    Ok(path)
}
