//! `mirror.json`, at the top of a mirror: what `osops mirror` put there and from where.
//!
//! The next `osops mirror` into the same directory reads it back: it removes only files the
//! record lists (never anything else the directory holds) and knows what changed. It holds no
//! timestamp, so a run that changes nothing leaves it byte for byte as it was. It is served with
//! the mirror and holds nothing secret: the source is a registry URL, which carries no
//! credentials (tokens go in headers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The record's file name, in the mirror's top directory.
pub const RECORD_FILE: &str = "mirror.json";

/// The format version written.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    /// The registry the mirror was made from.
    pub source: String,
    /// The options that chose what is mirrored.
    #[serde(default)]
    pub selection: Selection,
    /// Every mirrored asset, by name.
    #[serde(default)]
    pub assets: BTreeMap<String, RecordedAsset>,
    /// Every file the mirror wrote (but this record), by its `/`-separated path relative to the
    /// mirror, with its sha256.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Each archive's size and modification time when the run that wrote or checked it ended: an
    /// archive still showing them is not hashed again (see [`super::plan::known_unchanged`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stamps: BTreeMap<String, Stamp>,
}

/// What `stat` says of a file, to tell whether it changed since it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
}

/// `url` as the record keeps it: without a user name or password, should it carry one.
pub fn without_credentials(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both setters fail only for URLs that cannot have credentials at all.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.as_str().trim_end_matches('/').to_owned()
        }
        _ => url.to_owned(),
    }
}

/// What the record keeps of a mirrored asset (its description is in `index/catalog.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAsset {
    /// Whether it was chosen (by name or filter) rather than pulled in as a dependency.
    #[serde(default)]
    pub chosen: bool,
}

/// The options of `osops mirror` that chose the assets and versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<String>,
    #[serde(default)]
    pub include_yanked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_kept_without_credentials() {
        assert_eq!(
            without_credentials("https://ci:s3cret@osops.example.org/reg"),
            "https://osops.example.org/reg"
        );
        assert_eq!(
            without_credentials("https://osops.example.org"),
            "https://osops.example.org"
        );
    }
}
