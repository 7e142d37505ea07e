//! The JSON bodies of the registry's API (docs/http-api.md), as the client reads them.
//!
//! Fields the CLI does not need are left to `raw` where the command prints the server's object
//! as sent; unknown fields are ignored so a newer registry does not break an older client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The parameters of `GET /api/v1/assets`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub service: Option<String>,
    pub release: Option<String>,
    pub need: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl SearchQuery {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let text = [
            ("q", &self.q),
            ("kind", &self.kind),
            ("service", &self.service),
            ("release", &self.release),
            ("need", &self.need),
        ];
        let numbers = [("page", self.page), ("per_page", self.per_page)];
        text.into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .chain(
                numbers
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v.to_string()))),
            )
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: u64,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub per_page: u64,
    pub assets: Vec<SearchHit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub name: String,
    pub version: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub needs: Vec<String>,
}

/// `GET /api/v1/assets/{name}`: the typed view and the object as the server sent it.
#[derive(Debug, Clone)]
pub struct Asset {
    pub info: AssetInfo,
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssetInfo {
    pub name: String,
    pub latest: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub license: Option<String>,
    pub repository: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub releases: Option<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub prompted_by: Vec<String>,
    #[serde(default)]
    pub bins: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub downloads: u64,
    #[serde(default)]
    pub versions: Vec<AssetVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssetVersion {
    pub version: String,
    pub cksum: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default)]
    pub published_at: String,
}

/// The answer to a publish: `new` is false for a byte-identical re-publish.
#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub name: String,
    pub version: String,
    pub cksum: String,
    pub new: bool,
    /// The object as the server sent it, for `--json`.
    #[serde(skip)]
    pub raw: serde_json::Value,
}
