//! The validated archive and the ways an archive can be refused.
//!
//! An [`Archive`] exists only as the output of [`super::read`] (or of code that builds one by
//! hand, which [`Archive::extract_to`] re-checks): its entries are exactly those the validator
//! accepted, in archive order, with the `NAME-VERSION/` prefix stripped.

use crate::{Manifest, ManifestError};

/// Why an archive was refused. Each message names the entry and the rule.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(
        "archive is {size} bytes; the limit is {limit} (hint: leave large files out with `include` in osops.toml)"
    )]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "archive unpacks to more than {limit} bytes (hint: leave large files out with `include` in osops.toml)"
    )]
    UnpackedTooLarge { limit: u64 },
    #[error(
        "archive has more than {limit} entries (hint: package fewer files with `include` in osops.toml)"
    )]
    TooManyEntries { limit: usize },
    #[error("archive expands more than {limit} times its compressed size (a decompression bomb?)")]
    Ratio { limit: u64 },
    #[error(
        "archive has a PAX header or GNU long-name record of {size} bytes; the limit is {limit}"
    )]
    RecordTooLarge { size: u64, limit: u64 },
    #[error("entry `{path}`: {reason}")]
    BadEntry { path: String, reason: String },
    #[error("archive is corrupt: {0}")]
    Corrupt(String),
    #[error("archive has no `{0}/osops.toml` (hint: build archives with `osops package`)")]
    NoManifest(String),
    #[error("the manifest inside the archive is invalid")]
    Manifest(#[source] ManifestError),
    #[error(
        "archive top directory is `{found}` but its manifest says `{expected}` (hint: build archives with `osops package`)"
    )]
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

/// The contents of the file at `path` (relative) among `entries`.
pub(super) fn find_file<'e>(entries: &'e [Entry], path: &str) -> Option<&'e [u8]> {
    entries.iter().find_map(|e| match &e.data {
        EntryData::File { contents, .. } if e.path == path => Some(contents.as_slice()),
        _ => None,
    })
}
