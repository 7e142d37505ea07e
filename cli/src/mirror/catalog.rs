//! `index/catalog.json`: the listing a mirror serves in place of a search API.
//!
//! A sparse index cannot be listed over HTTP, and index files carry no descriptions, so a mirror
//! writes one file with what `osops search`, `osops info` and `osops need` need to know of every
//! asset: its description and the index entry of its newest non-yanked version (the version
//! search judges an asset by). Clients read it the same way from a web server and from a
//! `file:///` directory. It sits beside `config.json`, where no index file can be (those are
//! always in a prefix directory).

use std::collections::BTreeMap;

use osops_index::{AssetName, IndexEntry};
use serde::{Deserialize, Serialize};

use super::select::Selected;

/// The catalog's path, relative to the mirror (and to the registry's URL).
pub const CATALOG_REL: &str = "index/catalog.json";

/// The format version written.
pub const CATALOG_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub v: u32,
    /// Every asset with a non-yanked version in the mirror, by name.
    pub assets: Vec<CatalogAsset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogAsset {
    /// The registry's description (empty when it gave none).
    #[serde(default)]
    pub description: String,
    /// The newest non-yanked version the mirror holds.
    pub latest: IndexEntry,
}

/// The catalog of the mirrored `assets`, with their `descriptions`.
pub fn build(
    assets: &BTreeMap<AssetName, Selected>,
    descriptions: &BTreeMap<AssetName, String>,
) -> Catalog {
    let assets = assets
        .iter()
        .filter_map(|(name, asset)| {
            let latest = asset
                .lines
                .iter()
                .map(|(entry, _)| entry)
                .filter(|entry| !entry.yanked)
                .max_by(|a, b| a.vers.cmp(&b.vers))?;
            Some(CatalogAsset {
                description: descriptions.get(name).cloned().unwrap_or_default(),
                latest: latest.clone(),
            })
        })
        .collect();
    Catalog {
        v: CATALOG_VERSION,
        assets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, vers: &str, yanked: bool) -> (IndexEntry, String) {
        let entry: IndexEntry = serde_json::from_value(serde_json::json!({
            "name": name, "vers": vers, "kind": "script", "cksum": "00",
            "yanked": yanked, "published_at": "2026-01-01T00:00:00Z", "v": 1
        }))
        .expect("entry");
        (entry, String::new())
    }

    #[test]
    fn each_asset_is_listed_by_its_newest_non_yanked_version() {
        let name = |n: &str| AssetName::parse(n).expect("name");
        let assets = BTreeMap::from([
            (
                name("nova-tools"),
                Selected {
                    lines: vec![
                        entry("nova-tools", "1.9.0", false),
                        entry("nova-tools", "1.10.0", false),
                        entry("nova-tools", "2.0.0", true),
                    ],
                    chosen: true,
                },
            ),
            (
                name("old-tool"),
                Selected {
                    lines: vec![entry("old-tool", "1.0.0", true)],
                    chosen: true,
                },
            ),
        ]);
        let descriptions = BTreeMap::from([(name("nova-tools"), "Nova helpers".to_owned())]);
        let catalog = build(&assets, &descriptions);
        assert_eq!(catalog.assets.len(), 1, "an all-yanked asset is not listed");
        assert_eq!(catalog.assets[0].latest.vers.to_string(), "1.10.0");
        assert_eq!(catalog.assets[0].description, "Nova helpers");
    }
}
