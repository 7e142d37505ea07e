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
    /// `None` from a mirror, which keeps no counts.
    #[serde(default)]
    pub downloads: Option<u64>,
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
    /// Why it was yanked, when the owner said.
    #[serde(default)]
    pub yank_reason: Option<String>,
    #[serde(default)]
    pub published_at: String,
}

/// The answer to a publish: `new` is false for a byte-identical re-publish. For a dry run, `new`
/// says whether a real publish would create the version, and `dry_run` is true.
#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub name: String,
    pub version: String,
    pub cksum: String,
    pub new: bool,
    /// Whether the registry ran a dry run (a registry that does not know dry runs omits it).
    #[serde(default)]
    pub dry_run: bool,
    /// The object as the server sent it, for `--json`.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// How `GET /api/v1/needs` orders (and, for `Unanswered`, filters) its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedSort {
    /// Most votes first, then newest (the registry's default).
    Votes,
    /// Newest first.
    Recent,
    /// Only needs with no answer and not retired, most votes first.
    Unanswered,
}

impl NeedSort {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedSort::Votes => "votes",
            NeedSort::Recent => "recent",
            NeedSort::Unanswered => "unanswered",
        }
    }
}

/// The parameters of `GET /api/v1/needs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedQuery {
    pub q: Option<String>,
    pub service: Option<String>,
    pub status: Option<osops_index::NeedStatus>,
    pub sort: Option<NeedSort>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl NeedQuery {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let status = self.status.map(|s| {
            match s {
                osops_index::NeedStatus::Open => "open",
                osops_index::NeedStatus::Addressed => "addressed",
                osops_index::NeedStatus::Retired => "retired",
            }
            .to_owned()
        });
        let text = [
            ("q", self.q.clone()),
            ("service", self.service.clone()),
            ("status", status),
            ("sort", self.sort.map(|s| s.as_str().to_owned())),
        ];
        let numbers = [("page", self.page), ("per_page", self.per_page)];
        text.into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .chain(
                numbers
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v.to_string()))),
            )
            .collect()
    }
}

/// `GET /api/v1/needs`: one page of needs, and the object as the server sent it.
#[derive(Debug, Clone, Deserialize)]
pub struct NeedList {
    pub total: u64,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub per_page: u64,
    pub needs: Vec<NeedSummary>,
    /// The object as the server sent it, for `--json`.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// A need in a list. `status` stays a string so a registry with a new status does not break
/// an older client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NeedSummary {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub persona: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub votes: u64,
    /// How many assets answer it.
    #[serde(default)]
    pub answers: u64,
    #[serde(default)]
    pub created_at: String,
}

/// `GET /api/v1/needs/{id}`: the typed view and the object as the server sent it.
#[derive(Debug, Clone)]
pub struct Need {
    pub info: NeedInfo,
    pub raw: serde_json::Value,
}

/// A need with what the registry adds: status, votes, who filed it, and its answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NeedInfo {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub problem: String,
    #[serde(default)]
    pub persona: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub use_cases: Vec<osops_index::UseCase>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub retired_reason: Option<String>,
    #[serde(default)]
    pub votes: u64,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub answers: Vec<NeedAnswer>,
}

/// An asset whose newest non-yanked version addresses the need.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NeedAnswer {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub releases: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    /// `None` from a mirror, which keeps no counts.
    #[serde(default)]
    pub downloads: Option<u64>,
}

/// The answer to `PUT /api/v1/needs/{id}`: `created` when the answer was `201`, not `200`.
#[derive(Debug, Clone)]
pub struct NeedSaved {
    pub id: String,
    pub created: bool,
    /// The body as the server sent it (the full need), `null` when it sent none.
    pub raw: serde_json::Value,
}

/// The answer to `PUT|DELETE /api/v1/needs/{id}/vote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub id: String,
    pub votes: u64,
    /// Whether the token's user now votes for it.
    pub voted: bool,
}

/// The answer to `DELETE …/yank` and `PUT …/unyank`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Yank {
    pub name: String,
    pub version: String,
    pub yanked: bool,
}
