//! `serve --demo [DIR]`: fill an empty registry with the example needs (`DIR/needs.toml`, through
//! the same code as `osops-registry need import`) and then the example assets, through
//! [`publish`], so that the needs the assets address exist.

use std::path::Path;

use bytes::Bytes;
use osops_index::Manifest;
use osops_index::archive::pack;

use crate::admin::needs::FileOutcome;
use crate::error::{Error, chain};
use crate::publish::publish;
use crate::state::AppState;

/// The user the examples are published as.
pub const DEMO_USER: &str = "demo";

/// The needs file of a demo directory.
pub const NEEDS_FILE: &str = "needs.toml";

/// When the registry has no asset yet: imports `dir/needs.toml` (if present), then packs and
/// publishes every subdirectory of `dir` that has an `osops.toml`, all as [`DEMO_USER`]. Needs
/// and assets that fail are skipped with a warning. Returns how many assets were published.
pub async fn load(state: &AppState, dir: &Path) -> Result<usize, Error> {
    if state.assets.asset_count().await? > 0 {
        tracing::info!(
            "demo: the registry already has assets; not loading `{}`",
            dir.display()
        );
        return Ok(0);
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(
                "demo: cannot read `{}`: {e}; no demo assets loaded",
                dir.display()
            );
            return Ok(0);
        }
    };
    let mut dirs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(osops_index::manifest::MANIFEST_FILE).is_file())
        .collect();
    dirs.sort();

    let user = state.users.ensure_user(DEMO_USER).await?;
    let actor = crate::access::Actor::direct(user.clone());
    let needs_file = dir.join(NEEDS_FILE);
    if needs_file.is_file() {
        let report =
            crate::admin::needs::import_paths(state.needs.as_ref(), &user, &[needs_file]).await;
        for file in &report.files {
            match &file.outcome {
                FileOutcome::Imported { ids, .. } => {
                    tracing::info!("demo: loaded {} needs: {file}", ids.len());
                }
                _ => tracing::warn!("demo: {file}"),
            }
        }
    }
    let limits = state.settings.limits;
    let mut loaded = 0;
    for asset_dir in dirs {
        let packed = {
            let asset_dir = asset_dir.clone();
            tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
                let manifest = Manifest::from_dir(&asset_dir).map_err(|e| chain(&e))?;
                pack(&asset_dir, &manifest, &limits).map_err(|e| chain(&e))
            })
            .await
        };
        let bytes = match packed {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                tracing::warn!("demo: skipping `{}`: {e}", asset_dir.display());
                continue;
            }
            Err(e) => {
                tracing::warn!("demo: skipping `{}`: {e}", asset_dir.display());
                continue;
            }
        };
        match publish(state, &actor, Bytes::from(bytes), false).await {
            Ok(_) => loaded += 1,
            Err(e) => tracing::warn!("demo: skipping `{}`: {}", asset_dir.display(), chain(&e)),
        }
    }
    tracing::info!("demo: loaded {loaded} assets from `{}`", dir.display());
    Ok(loaded)
}
