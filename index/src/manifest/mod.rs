//! `osops.toml`: the asset's manifest, the single source of truth inside every archive.
//!
//! Parsing is two steps: `toml` + serde into the raw shape (unknown keys are errors with a
//! "did you mean" hint), then validation of every value (names canonical, semver, known services and
//! releases, http(s) URLs, entry points that stay inside the asset). Every error carries the field
//! path (`asset.version`, `openstack.services[1]`) and, where one helps, a hint.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{AssetName, ReleaseRange};

pub const MANIFEST_FILE: &str = "osops.toml";

/// A parsed, validated `osops.toml`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    pub asset: AssetSection,
    #[serde(default)]
    pub openstack: OpenStackSection,
    #[serde(default)]
    pub needs: NeedsSection,
    #[serde(default)]
    pub entrypoints: Entrypoints,
    /// Other assets, semver requirements (caret by default).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub dependencies: BTreeMap<AssetName, semver::VersionReq>,
    #[serde(default)]
    pub requires: Requires,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct AssetSection {
    pub name: AssetName,
    #[schemars(with = "String")]
    pub version: semver::Version,
    pub kind: Kind,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Path of the README inside the asset; `README.md` when present and not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Glob patterns of files to package; default: everything but VCS directories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
}

/// What an asset is. Decides how `osops run` runs it and how the catalog groups it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Script,
    Playbook,
    Role,
    Tool,
    Check,
    Template,
    Config,
}

impl Kind {
    pub const ALL: [Kind; 7] =
        [Kind::Script, Kind::Playbook, Kind::Role, Kind::Tool, Kind::Check, Kind::Template, Kind::Config];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Script => "script",
            Kind::Playbook => "playbook",
            Kind::Role => "role",
            Kind::Tool => "tool",
            Kind::Check => "check",
            Kind::Template => "template",
            Kind::Config => "config",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    /// Error text: "unknown kind `x`; expected one of script, playbook, …".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind `{s}`; expected one of {}", all.join(", "))
            })
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct OpenStackSection {
    /// Canonical service names from [`crate::openstack::SERVICES`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub releases: Option<ReleaseRange>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct NeedsSection {
    /// Ids of needs in the registry's needs catalog (same rules as asset names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub addresses: Vec<AssetName>,
    /// http(s) URLs of where the need was raised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompted_by: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Entrypoints {
    /// Command name → relative path of the file inside the asset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bin: BTreeMap<String, String>,
    /// Relative path of the playbook, for playbooks and roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Requires {
    /// Commands that must be on PATH; checked at install, never installed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
}

/// One problem with a manifest: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}{}", field_prefix(.field), hint_suffix(.hint))]
pub struct ManifestError {
    /// Dotted path of the offending field (`asset.version`), empty for whole-file errors.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() { String::new() } else { format!("`{field}`: ") }
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" (hint: {h})")).unwrap_or_default()
}

impl Manifest {
    /// Parses and validates the text of an `osops.toml`.
    pub fn from_toml_str(text: &str) -> Result<Manifest, ManifestError> {
        todo!("{text}")
    }

    /// Reads `DIR/osops.toml`.
    pub fn from_dir(dir: &Path) -> Result<Manifest, ManifestError> {
        todo!("{}", dir.display())
    }

    /// `NAME-VERSION`, the archive's top directory and file stem.
    pub fn archive_stem(&self) -> String {
        format!("{}-{}", self.asset.name, self.asset.version)
    }
}
