//! The files nginx serves: the registry's own index files and the archives, at the same paths
//! the registry serves them, so both answer the same requests with the same bytes.

use std::path::Path;

use anyhow::{Context, bail};
use osops_index::{AssetName, index_path};

use crate::catalog::Asset;
use crate::registry::download_path;

/// Writes `config.json`, every asset's index file (as the registry serves it) and every archive
/// under `root`; returns the bytes written.
pub fn write(
    client: &reqwest::blocking::Client,
    url: &str,
    catalog: &[Asset],
    root: &Path,
) -> anyhow::Result<u64> {
    let mut written = 0;
    let mut put = |path: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let file = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().expect("a parent"))?;
        std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
        written += bytes.len() as u64;
        Ok(())
    };
    put(
        "/index/config.json",
        &get(client, url, "/index/config.json")?,
    )?;
    for asset in catalog {
        let name: AssetName = asset.name.parse()?;
        let path = format!("/index/{}", index_path(&name));
        put(&path, &get(client, url, &path)?)?;
        for v in &asset.versions {
            put(&download_path(&asset.name, &v.version), &v.archive)?;
        }
    }
    Ok(written)
}

fn get(client: &reqwest::blocking::Client, url: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let resp = client.get(format!("{url}{path}")).send()?;
    if !resp.status().is_success() {
        bail!("GET {path}: {}", resp.status());
    }
    Ok(resp.bytes()?.to_vec())
}
