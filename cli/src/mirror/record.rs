//! `mirror.json`, at the top of a mirror: what `osops mirror` put there and from where.
//!
//! It serves two readers. The next `osops mirror` into the same directory removes only files the
//! record lists (never anything else the directory holds) and knows what changed; `osops search`
//! on a `file:///` mirror takes descriptions from it, as the index files carry none. It holds no
//! timestamp, so a run that changes nothing leaves it byte for byte as it was.

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
}

/// What a mirrored asset's index file does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAsset {
    /// The registry's description of its newest version (empty when it had none to give).
    #[serde(default)]
    pub description: String,
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
