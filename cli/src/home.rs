//! `$OSOPS_HOME`: where installed assets live.
//!
//! ```text
//! $OSOPS_HOME/                      default $XDG_DATA_HOME/osops, else ~/.local/share/osops
//!   assets/NAME/VERSION/            an installed asset, exactly the archive's accepted entries
//!   assets/NAME/.tmp-VERSION-XXXX/  an extraction in progress; removed by the next install
//!   bin/CMD -> ../assets/NAME/VERSION/PATH     the `[entrypoints] bin` links
//!   receipts/NAME.json              written last: an asset is installed iff its receipt exists
//!   .lock                           held by the osops process changing this tree
//! ```
//!
//! A project's `.osops/` has the same layout. Downloads are cached apart, under `$OSOPS_CACHE`
//! (see [`crate::cache`]).
//!
//! Receipts live outside the asset directories, so no archive can carry one (SECURITY-TESTS 10).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osops_index::AssetName;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot find a home directory for osops: none of OSOPS_HOME, XDG_DATA_HOME or HOME is set"
    )]
    NoHome,
    #[error("cannot access `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("install receipt `{}` is corrupt", .path.display())]
    BadReceipt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoHome => {
                Some("set OSOPS_HOME to the directory osops should install into".into())
            }
            Error::BadReceipt { .. } => {
                Some("reinstall the asset with `osops install NAME --force`".into())
            }
            Error::Io { .. } => None,
        }
    }
}

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// What `osops install` records, last, for each installed asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    pub name: AssetName,
    pub version: semver::Version,
    /// sha256 of the archive it was installed from.
    pub cksum: String,
    /// The registry it came from.
    pub registry: String,
    /// RFC 3339, UTC.
    pub installed_at: String,
    /// Command → path of the file inside the asset directory.
    pub bins: BTreeMap<String, String>,
    /// Installed by name (`osops install NAME`), not only as another asset's dependency.
    /// Receipts written before dependencies existed have no such field: those were all by name.
    #[serde(default = "by_name")]
    pub requested: bool,
    /// The requirement it was installed with (`^1.2`), kept by `osops upgrade`; none: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<String>,
    /// The assets this version depends on, as resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<AssetName>,
}

fn by_name() -> bool {
    true
}

/// The layout of one `$OSOPS_HOME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `$OSOPS_HOME`, else `$XDG_DATA_HOME/osops`, else `$HOME/.local/share/osops`.
    pub fn from_env() -> Result<Home, Error> {
        let non_empty = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let root = if let Some(home) = non_empty("OSOPS_HOME") {
            home
        } else if let Some(data) = non_empty("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
            data.join("osops")
        } else if let Some(home) = non_empty("HOME") {
            home.join(".local").join("share").join("osops")
        } else {
            return Err(Error::NoHome);
        };
        let root = std::path::absolute(&root).map_err(io_error(&root))?;
        Ok(Home { root })
    }

    pub fn at(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn assets_dir(&self) -> PathBuf {
        self.root.join("assets")
    }

    /// `assets/NAME/`: every version of one asset, and extractions in progress.
    pub fn asset_dir(&self, name: &AssetName) -> PathBuf {
        self.assets_dir().join(name.as_str())
    }

    pub fn version_dir(&self, name: &AssetName, version: &semver::Version) -> PathBuf {
        self.asset_dir(name).join(version.to_string())
    }

    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    pub fn receipts_dir(&self) -> PathBuf {
        self.root.join("receipts")
    }

    pub fn receipt_path(&self, name: &AssetName) -> PathBuf {
        self.receipts_dir().join(format!("{name}.json"))
    }

    pub fn read_receipt(&self, name: &AssetName) -> Result<Option<Receipt>, Error> {
        let path = self.receipt_path(name);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Io { path, source: e }),
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|source| Error::BadReceipt { path, source })
    }

    /// Writes the receipt atomically: a temporary file in the same directory, synced, renamed.
    pub fn write_receipt(&self, receipt: &Receipt) -> Result<(), Error> {
        let path = self.receipt_path(&receipt.name);
        let text = serde_json::to_vec_pretty(receipt).map_err(|source| Error::BadReceipt {
            path: path.clone(),
            source,
        })?;
        crate::fs::write_atomic(&path, &text).map_err(io_error(&path))
    }

    /// Removes the receipt; `false` if there was none.
    pub fn remove_receipt(&self, name: &AssetName) -> Result<bool, Error> {
        let path = self.receipt_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::Io { path, source: e }),
        }
    }

    /// Every receipt, sorted by name. Files that are not receipts are skipped.
    pub fn receipts(&self) -> Result<Vec<Receipt>, Error> {
        let dir = self.receipts_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(Error::Io {
                    path: dir,
                    source: e,
                });
            }
        };
        let mut receipts = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&dir))?;
            let file_name = entry.file_name();
            let Some(stem) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            let Ok(name) = AssetName::parse(stem) else {
                continue;
            };
            if let Some(receipt) = self.read_receipt(&name)? {
                receipts.push(receipt);
            }
        }
        receipts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(receipts)
    }
}

/// Now, as RFC 3339 in UTC to the second.
pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(name: &str) -> Receipt {
        Receipt {
            name: AssetName::parse(name).expect("name"),
            version: semver::Version::new(1, 2, 0),
            cksum: "ab".repeat(32),
            registry: "http://127.0.0.1:8080".into(),
            installed_at: now_rfc3339(),
            bins: BTreeMap::from([("tool".to_owned(), "bin/tool.sh".to_owned())]),
            requested: true,
            req: Some("^1".into()),
            dependencies: vec![AssetName::parse("os-helpers").expect("name")],
        }
    }

    #[test]
    fn receipts_round_trip_and_list_sorted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert_eq!(home.receipts().expect("empty"), vec![]);
        home.write_receipt(&receipt("zeta-tool")).expect("write");
        home.write_receipt(&receipt("alpha-tool")).expect("write");
        std::fs::write(home.receipts_dir().join("notes.txt"), "x").expect("stray file");
        let names: Vec<_> = home
            .receipts()
            .expect("list")
            .into_iter()
            .map(|r| r.name.to_string())
            .collect();
        assert_eq!(names, ["alpha-tool", "zeta-tool"]);
        let back = home
            .read_receipt(&AssetName::parse("alpha-tool").expect("name"))
            .expect("read")
            .expect("some");
        assert_eq!(
            back,
            Receipt {
                installed_at: back.installed_at.clone(),
                ..receipt("alpha-tool")
            }
        );
        assert!(back.installed_at.ends_with('Z'), "{}", back.installed_at);
        // No temporary files are left beside the receipts.
        let leftovers = std::fs::read_dir(home.receipts_dir())
            .expect("dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn receipt_json_has_the_documented_fields() {
        let value = serde_json::to_value(receipt("nova-tools")).expect("json");
        let keys: Vec<_> = value.as_object().expect("object").keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "bins",
                "cksum",
                "dependencies",
                "installed_at",
                "name",
                "registry",
                "req",
                "requested",
                "version"
            ]
        );
        assert_eq!(value["bins"]["tool"], "bin/tool.sh");
        assert_eq!(value["version"], "1.2.0");
    }
}
