//! The sparse index: `config.json` and one file per asset, one JSON line per version.

use crate::{AssetName, Kind};

/// `GET /index/config.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct IndexConfig {
    /// Download URL template; `{name}` and `{version}` are substituted.
    pub dl: String,
    /// Base URL of the HTTP API.
    pub api: String,
    pub v: u32,
}

/// One line of `GET /index/{prefix}/{name}`: one published version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct IndexEntry {
    pub name: AssetName,
    #[schemars(with = "String")]
    pub vers: semver::Version,
    pub kind: Kind,
    /// sha256 of the `.osops` archive, lowercase hex.
    pub cksum: String,
    #[serde(default)]
    pub deps: Vec<IndexDependency>,
    #[serde(default)]
    pub services: Vec<String>,
    /// The manifest's `releases` range as written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<String>,
    /// Ids of the needs this version addresses.
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub yanked: bool,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// Entry format version; 1.
    pub v: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct IndexDependency {
    pub name: AssetName,
    #[schemars(with = "String")]
    pub req: semver::VersionReq,
}

/// The cargo-style path of a name's index file, relative to `/index/`:
/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`.
pub fn index_path(name: &AssetName) -> String {
    todo!("{name}")
}
