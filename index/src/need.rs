//! Needs: the operator problems assets answer, as files and API bodies carry them.
//!
//! [`NeedRecord`] is what a person writes (a TOML need file, `osops need new`, or a user story
//! imported by [`import`]); the registry adds status, votes and answers around it.

pub mod import;

use crate::AssetName;

/// A need as its author describes it. JSON keys are snake_case; TOML need files may write
/// `use-cases` too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct NeedRecord {
    /// Slug, same rules as asset names.
    pub id: AssetName,
    /// One line.
    pub title: String,
    /// The problem in the operator's words (markdown).
    pub problem: String,
    /// Who has it: "cloud operator", "deployer", …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// Canonical service names from [`crate::openstack::SERVICES`].
    #[serde(default)]
    pub services: Vec<String>,
    /// http(s) URLs of where it was raised: mailing-list thread, bug, user story, etherpad.
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default, alias = "use-cases")]
    pub use_cases: Vec<UseCase>,
}

/// "As a cloud operator, I want …", with its persona kept apart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct UseCase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    pub text: String,
}

/// Why a need record was refused; names the field and how to fix it.
pub type NeedError = crate::ManifestError;

impl NeedRecord {
    /// Checks every field: canonical id, non-empty one-line title (≤ 200 chars), non-empty problem
    /// (≤ 20,000 chars), known services (canonical spelling), http(s) links, no control characters
    /// outside the problem's newlines/tabs. Returns the record with services canonicalised.
    pub fn validate(self) -> Result<NeedRecord, NeedError> {
        todo!("{self:?}")
    }
}

/// The status of a need in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NeedStatus {
    /// No non-yanked asset addresses it yet.
    Open,
    /// The newest non-yanked version of at least one asset addresses it.
    Addressed,
    /// Set by an admin, with a reason.
    Retired,
}
