//! `/assets/{name}`: everything an operator checks before running an asset as root: what it does,
//! how to install it, which versions exist (yanked ones marked) with their checksums, where it
//! runs, what it depends on and what depends on it, the needs it answers, who owns it, and the
//! files it will put on disk.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use osops_index::AssetName;

use super::files::{self, FileEntry};
use super::markdown::{USER_LINK_REL, to_safe_html};
use super::page::{PageError, canonical_name, html};
use super::view::{Day, Layout, UserLink};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Dependent, StoredManifest, VersionInfo};

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetView {
    layout: Layout,
    name: String,
    latest: StoredManifest,
    install: String,
    versions: Vec<VersionInfo>,
    latest_sha256: String,
    owners: Vec<String>,
    downloads: u64,
    created_at: String,
    updated_at: String,
    readme_html: Option<String>,
    repository: Option<UserLink>,
    prompted_by: Vec<UserLink>,
    needs: Vec<NeedLink>,
    dependents: Vec<Dependent>,
    files: Vec<FileEntry>,
    /// Whether every version is yanked (the asset is no longer listed).
    all_yanked: bool,
    rel: &'static str,
}

/// A need the asset addresses, with its title when the need exists.
struct NeedLink {
    id: String,
    title: Option<String>,
}

pub async fn asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let name = match canonical_name(&raw, "/assets", "asset") {
        Ok(name) => name,
        Err(response) => return Ok(*response),
    };
    let Some(detail) = state.assets.asset(&name).await? else {
        return Err(ApiError::not_found(format!(
            "no asset `{name}` (hint: search for it from the box above)"
        ))
        .into());
    };
    let versions = detail.versions;
    let latest = detail.latest;
    let latest_sha256 = versions
        .iter()
        .find(|v| v.version == latest.version)
        .map(|v| v.sha256.clone())
        .unwrap_or_default();
    let files = match latest_sha256.as_str() {
        "" => Vec::new(),
        sha256 => files::list(&state, sha256).await?.as_ref().clone(),
    };
    let mut needs = Vec::with_capacity(latest.needs.len());
    for id in &latest.needs {
        let title = match AssetName::parse(id) {
            Ok(id) => state.needs.need(&id).await?.map(|n| n.record.title),
            Err(_) => None,
        };
        needs.push(NeedLink {
            id: id.clone(),
            title,
        });
    }
    let view = AssetView {
        layout: Layout::new(name.to_string(), ""),
        install: install_command(&state.settings.public_url, &name, &latest.version),
        all_yanked: versions.iter().all(|v| v.yanked),
        latest_sha256,
        owners: detail.owners,
        downloads: detail.downloads,
        created_at: detail.created_at,
        updated_at: detail.updated_at,
        readme_html: detail.readme.as_deref().map(to_safe_html),
        repository: latest.repository.as_deref().map(UserLink::new),
        prompted_by: latest
            .prompted_by
            .iter()
            .map(|u| UserLink::new(u))
            .collect(),
        needs,
        dependents: state.assets.dependents(&name).await?,
        files,
        versions,
        latest,
        name: name.to_string(),
        rel: USER_LINK_REL,
    };
    html(&headers, &view)
}

/// What to paste into a shell: `osops install NAME@VERSION`, naming this registry unless it is
/// the one `osops` talks to by default.
fn install_command(public_url: &str, name: &AssetName, version: &str) -> String {
    if public_url == osops_index::DEFAULT_REGISTRY {
        format!("osops install {name}@{version}")
    } else {
        format!("osops install {name}@{version} --registry {public_url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_install_command_names_a_registry_that_is_not_the_default() {
        let name = AssetName::parse("nova-evacuate-host").expect("name");
        assert_eq!(
            install_command(osops_index::DEFAULT_REGISTRY, &name, "1.2.0"),
            "osops install nova-evacuate-host@1.2.0"
        );
        assert_eq!(
            install_command("https://osops.example.org", &name, "1.2.0"),
            "osops install nova-evacuate-host@1.2.0 --registry https://osops.example.org"
        );
    }
}
