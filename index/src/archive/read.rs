use std::path::PathBuf;

use crate::{Manifest, ManifestError};

/// Why an archive was refused. Each message names the entry and the rule.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("archive is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("archive unpacks to more than {limit} bytes")]
    UnpackedTooLarge { limit: u64 },
    #[error("archive has more than {limit} entries")]
    TooManyEntries { limit: usize },
    #[error("archive expands more than {limit} times its compressed size (a decompression bomb?)")]
    Ratio { limit: u64 },
    #[error("entry `{path}`: {reason}")]
    BadEntry { path: String, reason: String },
    #[error("archive is corrupt: {0}")]
    Corrupt(String),
    #[error("archive has no `{0}/osops.toml`")]
    NoManifest(String),
    #[error("the manifest inside the archive is invalid")]
    Manifest(#[source] ManifestError),
    #[error("archive top directory is `{found}` but its manifest says `{expected}`")]
    WrongPrefix { expected: String, found: String },
}

/// An archive that passed every rule, held in memory (bounded by [`super::Limits`]).
#[derive(Debug, Clone)]
pub struct Archive {
    pub manifest: Manifest,
    /// Entries in archive order, paths relative to `NAME-VERSION/` (the prefix stripped).
    pub entries: Vec<Entry>,
    /// sha256 of the compressed bytes.
    pub sha256: crate::Sha256Hex,
    pub compressed_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative path, `/`-separated, validated: UTF-8, no `..`, no absolute, no control characters.
    pub path: String,
    pub data: EntryData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryData {
    Dir,
    File { contents: Vec<u8>, executable: bool },
}

/// Validates the bytes of an archive: THE validator, for publish and install alike.
pub fn read(bytes: &[u8], limits: &super::Limits) -> Result<Archive, ArchiveError> {
    todo!("{} {limits:?}", bytes.len())
}

impl Archive {
    /// The README's text, if the asset has one (`asset.readme`, else `README.md`) and it is UTF-8.
    pub fn readme(&self) -> Option<&str> {
        todo!()
    }

    /// The file at `path` (relative), if any.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        todo!("{path}")
    }

    /// Writes the accepted entries under `dest`, which must not exist yet; files 0644 or 0755.
    /// Used by the CLI on a temporary directory that it renames into place afterwards.
    pub fn extract_to(&self, dest: &std::path::Path) -> Result<(), std::io::Error> {
        let _: Option<PathBuf> = None;
        todo!("{}", dest.display())
    }
}
