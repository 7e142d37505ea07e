//! Where a mirror keeps each file, and the `config.json` that tells clients where archives are.
//!
//! ```text
//! DIR/
//!   mirror.json                          what osops mirror wrote (record.rs)
//!   index/config.json                    {"dl": "/archives/{name}/{name}-{version}.osops", "api": "", "v": 1}
//!   index/needs.json                     the needs catalog, as the registry served it
//!   index/PREFIX/NAME                    one index file per asset (osops_index::index_path)
//!   archives/NAME/NAME-VERSION.osops     the archives
//! ```
//!
//! The index sits at the paths a client requests (`REGISTRY/index/...`), so a web server serving
//! DIR as-is is a registry for `osops install`. The `dl` template is relative (it starts with `/`,
//! which the client reads as "on the registry's URL"), so the mirror works wherever it is served
//! from and as a `file:///` directory; `--base-url` makes it absolute instead, for archives served
//! from elsewhere. A mirror has no API: `api` is empty.

use osops_index::{AssetName, IndexConfig};

/// The mirror's `config.json`, relative to the mirror.
pub const CONFIG_REL: &str = "index/config.json";
/// The needs catalog, relative to the mirror.
pub const NEEDS_REL: &str = "index/needs.json";
/// Where archives go, relative to the mirror.
pub const ARCHIVES_DIR: &str = "archives";
/// Where index files go, relative to the mirror.
pub const INDEX_DIR: &str = "index";

/// `archives/NAME/NAME-VERSION.osops`: what the `dl` template of [`config`] gives.
pub fn archive_rel(name: &AssetName, version: &semver::Version) -> String {
    format!("{ARCHIVES_DIR}/{name}/{name}-{version}.osops")
}

/// `index/PREFIX/NAME`.
pub fn index_rel(name: &AssetName) -> String {
    format!("{INDEX_DIR}/{}", osops_index::index_path(name))
}

/// The mirror's `config.json`: `dl` relative, or under `base_url` (already checked by
/// [`check_base_url`]).
pub fn config(base_url: Option<&str>) -> IndexConfig {
    let base = base_url
        .map(|b| b.trim_end_matches('/'))
        .unwrap_or_default();
    IndexConfig {
        dl: format!("{base}/{ARCHIVES_DIR}/{{name}}/{{name}}-{{version}}.osops"),
        api: String::new(),
        v: 1,
    }
}

/// `--base-url`: an http(s) URL with a host, without a trailing `/`; `None` if it is not one.
pub fn check_base_url(url: &str) -> Option<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let clean = !trimmed.contains(char::is_whitespace)
        && !trimmed.contains(['?', '#', '{', '}'])
        && !host.is_empty();
    clean.then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::apply::download_url;

    fn name() -> AssetName {
        AssetName::parse("nova-evacuate-host").expect("name")
    }

    #[test]
    fn the_client_requests_archives_exactly_where_the_mirror_puts_them() {
        let version = semver::Version::parse("1.2.0+build.7").expect("version");
        let rel = archive_rel(&name(), &version);
        assert_eq!(
            rel,
            "archives/nova-evacuate-host/nova-evacuate-host-1.2.0+build.7.osops"
        );
        let dl = config(None).dl;
        assert!(dl.starts_with('/'), "relative: {dl}");
        for registry in [
            "http://mirror.example.internal",
            "http://127.0.0.1:8081/osops/mirror",
            "file:///media/usb/osops-mirror",
        ] {
            assert_eq!(
                download_url(registry, &dl, &name(), &version).expect("url"),
                format!("{registry}/{rel}"),
            );
        }
    }

    #[test]
    fn base_url_makes_download_urls_absolute() {
        let base = check_base_url("https://cdn.example.org/osops/").expect("base");
        assert_eq!(base, "https://cdn.example.org/osops");
        let dl = config(Some(&base)).dl;
        let version = semver::Version::parse("1.2.0").expect("version");
        assert_eq!(
            download_url("http://elsewhere.example", &dl, &name(), &version).expect("url"),
            format!(
                "https://cdn.example.org/osops/{}",
                archive_rel(&name(), &version)
            ),
        );
        for bad in [
            "ftp://x",
            "https://",
            "mirror/",
            "https://a b",
            "https://x/{name}",
        ] {
            assert_eq!(check_base_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn index_files_sit_at_the_sparse_index_paths() {
        assert_eq!(index_rel(&name()), "index/no/va/nova-evacuate-host");
        let short = AssetName::parse("ab").expect("name");
        assert_eq!(index_rel(&short), "index/2/ab");
        assert_eq!(config(None).api, "");
    }
}
