//! `osops.toml`: the asset's manifest, the single source of truth inside every archive.
//!
//! Parsing is two steps: `toml` + serde into the raw shape (unknown keys are errors with a
//! "did you mean" hint), then validation of every value (names canonical, semver, known services and
//! releases, http(s) URLs, entry points that stay inside the asset). Every error carries the field
//! path (`asset.version`, `openstack.services[1]`) and, where one helps, a hint.

pub(crate) mod fields;
pub(crate) mod parse;
pub(crate) mod validate;

pub(crate) use validate::has_drive_prefix;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::{AssetName, ReleaseRange};

pub const MANIFEST_FILE: &str = "osops.toml";

/// Largest manifest accepted, in bytes. Checked before parsing, so a hostile archive or directory
/// cannot make the parser chew on megabytes; a real manifest is a few hundred bytes.
pub const MAX_MANIFEST_SIZE: usize = 64 * 1024;

/// The keys of `[asset]`, in the order the documentation gives them.
const ASSET_KEYS: &[&str] = &[
    "name",
    "version",
    "kind",
    "description",
    "license",
    "authors",
    "repository",
    "readme",
    "keywords",
    "include",
];

/// A parsed, validated `osops.toml`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
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
#[schemars(deny_unknown_fields)]
pub struct AssetSection {
    /// Canonical name: `[a-z0-9][a-z0-9-]*`, 2 to 64 characters.
    pub name: AssetName,
    /// Semantic version, `MAJOR.MINOR.PATCH`.
    #[schemars(with = "String")]
    pub version: semver::Version,
    pub kind: Kind,
    /// One line, at most 500 characters.
    #[schemars(length(min = 1, max = 500))]
    pub description: String,
    /// SPDX license expression, e.g. `Apache-2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// http(s) URL of the source repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", regex(pattern = r"^[hH][tT][tT][pP][sS]?://"))]
    pub repository: Option<String>,
    /// Path of the README inside the asset; `README.md` when present and not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub readme: Option<String>,
    /// At most 10, each `[a-z0-9-]{1,32}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 10))]
    pub keywords: Vec<String>,
    /// Glob patterns of files to package; default: everything but VCS directories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
}

/// What an asset is. Decides how `osops run` runs it and how the catalog groups it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
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
    pub const ALL: [Kind; 7] = [
        Kind::Script,
        Kind::Playbook,
        Kind::Role,
        Kind::Tool,
        Kind::Check,
        Kind::Template,
        Kind::Config,
    ];

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
#[schemars(deny_unknown_fields)]
pub struct OpenStackSection {
    /// Canonical service names from [`crate::openstack::SERVICES`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Release series range: `">=2023.1, <=2025.2"`, `">=antelope"`, `"2024.1"`, `"*"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub releases: Option<ReleaseRange>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
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
#[schemars(deny_unknown_fields)]
pub struct Entrypoints {
    /// Command name → relative path of the file inside the asset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bin: BTreeMap<String, String>,
    /// Relative path of the playbook, for playbooks and roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub playbook: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(deny_unknown_fields)]
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

/// Appends `[name]` and its keys (in struct order) to `out`, unless the table would be empty.
fn section<T: serde::Serialize>(out: &mut String, name: &str, value: &T) {
    // Every field is a string, list or map of strings, so serialising cannot fail; an empty
    // result (or the impossible error) just leaves the table out.
    let empty = toml::Table::try_from(value).map_or(true, |t| t.is_empty());
    if empty {
        return;
    }
    let one: BTreeMap<&str, &T> = BTreeMap::from([(name, value)]);
    if let Ok(text) = toml::to_string(&one) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
    }
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("`{field}`: ")
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default()
}

impl ManifestError {
    /// An error at `field` (empty for the whole file).
    pub fn new(field: String, message: String) -> Self {
        ManifestError {
            field,
            message,
            hint: None,
        }
    }

    /// For a name that is another spelling of a valid one (`Nova_Tools`), its canonical form
    /// (`nova-tools`), so that the registry can say whether an asset of that name exists.
    ///
    /// Read back from the error `validate::name` writes, rather than kept in a field: a field
    /// would grow every error that carries a `ManifestError` past clippy's `result_large_err`.
    pub fn canonical_name(&self) -> Option<AssetName> {
        if !self.message.ends_with(validate::NOT_CANONICAL) {
            return None;
        }
        let hint = self.hint.as_deref()?;
        let name = hint.strip_prefix("use `")?.strip_suffix('`')?;
        AssetName::parse(name).ok()
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl Manifest {
    /// Parses and validates the text of an `osops.toml`.
    pub fn from_toml_str(text: &str) -> Result<Manifest, ManifestError> {
        parse::parse(text)
    }

    /// Reads `DIR/osops.toml`, refusing files over [`MAX_MANIFEST_SIZE`] without reading them whole.
    pub fn from_dir(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let io_error = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ManifestError::new(
                    String::new(),
                    format!("no `{MANIFEST_FILE}` in `{}`", dir.display()),
                )
                .with_hint("run `osops init` there to create one")
            } else {
                ManifestError::new(
                    String::new(),
                    format!("cannot read `{}`: {e}", path.display()),
                )
            }
        };
        let file = std::fs::File::open(&path).map_err(io_error)?;
        let mut bytes = Vec::new();
        // One byte past the limit is enough to know it is too large.
        file.take(MAX_MANIFEST_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() > MAX_MANIFEST_SIZE {
            return Err(ManifestError::new(
                String::new(),
                format!(
                    "`{}` is larger than {MAX_MANIFEST_SIZE} bytes",
                    path.display()
                ),
            ));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            ManifestError::new(String::new(), format!("`{}` is not UTF-8", path.display()))
                .with_hint("save it as UTF-8 text")
        })?;
        Self::from_toml_str(&text)
    }

    /// The manifest as TOML that [`Manifest::from_toml_str`] reads back to an equal manifest
    /// (used by `osops new` / `osops init`): tables and keys in the documented order, empty
    /// tables left out.
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        section(&mut out, "asset", &self.asset);
        section(&mut out, "openstack", &self.openstack);
        section(&mut out, "needs", &self.needs);
        section(&mut out, "entrypoints", &self.entrypoints);
        section(&mut out, "dependencies", &self.dependencies);
        section(&mut out, "requires", &self.requires);
        out
    }

    /// `NAME-VERSION`, the archive's top directory and file stem.
    pub fn archive_stem(&self) -> String {
        format!("{}-{}", self.asset.name, self.asset.version)
    }
}
