//! The files nginx serves: the registry's own index files and the archives, at the same paths
//! the registry serves them, so both answer the same requests with the same bytes. Scale runs
//! write the index files only.

use std::path::Path;

use anyhow::{Context, bail};

use crate::catalog::Asset;
use crate::registry::{download_path, index_file_path};

/// Writes `config.json`, every asset's index file (as the registry serves it) and every archive
/// under `root`; returns the bytes written.
pub fn write(
    client: &reqwest::blocking::Client,
    url: &str,
    catalog: &[Asset],
    root: &Path,
) -> anyhow::Result<u64> {
    let mut written = write_index(client, url, catalog.iter().map(|a| a.name.as_str()), root)?;
    for asset in catalog {
        for v in &asset.versions {
            written += put(root, &download_path(&asset.name, &v.version), &v.archive)?;
        }
    }
    Ok(written)
}

/// Writes `config.json` and the index file of every asset in `names` (as the registry serves
/// them) under `root`, without archives: what scale runs compare; returns the bytes written.
pub fn write_index<'a>(
    client: &reqwest::blocking::Client,
    url: &str,
    names: impl IntoIterator<Item = &'a str>,
    root: &Path,
) -> anyhow::Result<u64> {
    let config = "/index/config.json";
    let mut written = put(root, config, &get(client, url, config)?)?;
    for name in names {
        let path = index_file_path(name)?;
        written += put(root, &path, &get(client, url, &path)?)?;
    }
    Ok(written)
}

/// Writes `bytes` at `path` under `root`; their length.
fn put(root: &Path, path: &str, bytes: &[u8]) -> anyhow::Result<u64> {
    let file = root.join(path.trim_start_matches('/'));
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
    Ok(bytes.len() as u64)
}

fn get(client: &reqwest::blocking::Client, url: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let resp = client
        .get(format!("{url}{path}"))
        .send()
        .with_context(|| format!("GET {path}"))?;
    if !resp.status().is_success() {
        bail!("GET {path}: {}", resp.status());
    }
    Ok(resp.bytes()?.to_vec())
}
