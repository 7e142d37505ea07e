//! The sparse index: `config.json` and one file per asset, one JSON line per version.

use crate::{AssetName, Kind};

/// `GET /index/config.json`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct IndexConfig {
    /// Download URL template; `{name}` and `{version}` are substituted.
    pub dl: String,
    /// Base URL of the HTTP API.
    pub api: String,
    pub v: u32,
}

/// One line of `GET /index/{prefix}/{name}`: one published version.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
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

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct IndexDependency {
    pub name: AssetName,
    #[schemars(with = "String")]
    pub req: semver::VersionReq,
}

/// The cargo-style path of a name's index file, relative to `/index/`:
/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`.
///
/// Names are ASCII (see [`AssetName`]), so slicing by bytes is slicing by characters.
pub fn index_path(name: &AssetName) -> String {
    path_for(name.as_str())
}

/// [`index_path`] on a plain string, so the 1-character case (impossible for an [`AssetName`],
/// kept for parity with cargo's layout) can be tested.
fn path_for(n: &str) -> String {
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_cargo_layout() {
        assert_eq!(path_for("a"), "1/a");
        assert_eq!(path_for("ab"), "2/ab");
        assert_eq!(path_for("abc"), "3/a/abc");
        assert_eq!(path_for("abcd"), "ab/cd/abcd");
        assert_eq!(path_for("abcde"), "ab/cd/abcde");
        let name = AssetName::parse("nova-tools").expect("valid");
        assert_eq!(index_path(&name), "no/va/nova-tools");
    }
}
