//! Search and the asset view of a directory registry, from its index files: a mirror has no
//! search API. Descriptions are not in the index; they come from the mirror's `mirror.json`
//! when it has one (a directory copied by hand has none, and its descriptions are empty).
//!
//! The filters mean what the registry's mean: each asset is judged by its newest non-yanked
//! version (assets whose every version is yanked are not listed), a release matches a range
//! that contains it or no range at all, and every word of the query must appear in the name or
//! the description (as a substring, ignoring case).

use std::collections::BTreeMap;
use std::path::Path;

use osops_index::{AssetName, IndexEntry, openstack};

use super::super::{Asset, AssetInfo, Error, MAX_JSON_BODY, SearchHit, SearchQuery, SearchResults};
use super::Directory;
use crate::mirror::record::{RECORD_FILE, Record};
use crate::mirror::select::has_facets;

const DEFAULT_PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

/// A search's filters, checked and in their canonical spelling.
#[derive(Debug, Default)]
struct Filters {
    words: Vec<String>,
    kind: Option<String>,
    service: Option<String>,
    release: Option<String>,
    need: Option<String>,
}

impl Directory {
    /// `osops search` on a mirror: every index file read, filtered, sorted by name, paged.
    pub(in crate::client) fn search(&self, query: &SearchQuery) -> Result<SearchResults, Error> {
        let filters = self.filters(query)?;
        let descriptions = self.descriptions();
        let mut hits: Vec<SearchHit> = self
            .index_files()?
            .into_iter()
            .filter_map(|(name, entries)| {
                let latest = newest(&entries, false)?;
                let description = descriptions.get(name.as_str()).cloned().unwrap_or_default();
                filters.accept(latest, &description).then(|| SearchHit {
                    name: name.to_string(),
                    version: latest.vers.to_string(),
                    kind: latest.kind.to_string(),
                    description,
                    services: latest.services.clone(),
                    needs: latest.needs.clone(),
                })
            })
            .collect();
        hits.sort_by(|a, b| a.name.cmp(&b.name));
        let page = query.page.unwrap_or(1).max(1);
        let per_page = query
            .per_page
            .unwrap_or(DEFAULT_PER_PAGE)
            .clamp(1, MAX_PER_PAGE);
        let total = hits.len() as u64;
        let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
        let assets = hits
            .into_iter()
            .skip(skip)
            .take(per_page as usize)
            .collect();
        Ok(SearchResults {
            total,
            page: u64::from(page),
            per_page: u64::from(per_page),
            assets,
        })
    }

    /// `osops info` on a mirror: what the index says of the newest non-yanked version (else the
    /// newest), and every version the mirror holds, newest first. Owners, README, licence and
    /// download counts live only in the registry.
    pub(in crate::client) fn asset(&self, name: &AssetName) -> Result<Asset, Error> {
        let url = format!("{}/index/{}", self.base, osops_index::index_path(name));
        let body = self.read(&url, MAX_JSON_BODY)?;
        let mut entries = super::super::parse_index(&url, name, &body)?;
        let Some(latest) = newest(&entries, false)
            .or_else(|| newest(&entries, true))
            .cloned()
        else {
            // An empty index file: as good as none.
            return Err(Error::Local {
                path: self.path_of(&url)?,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no versions"),
            });
        };
        entries.sort_by(|a, b| b.vers.cmp(&a.vers));
        let description = self
            .descriptions()
            .remove(name.as_str())
            .unwrap_or_default();
        let dependencies: BTreeMap<String, String> = latest
            .deps
            .iter()
            .map(|d| (d.name.to_string(), d.req.to_string()))
            .collect();
        let versions: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "version": e.vers.to_string(),
                    "cksum": e.cksum,
                    "yanked": e.yanked,
                    "published_at": e.published_at,
                })
            })
            .collect();
        let raw = serde_json::json!({
            "name": name.as_str(),
            "latest": latest.vers.to_string(),
            "kind": latest.kind.to_string(),
            "description": description,
            "license": null,
            "repository": null,
            "services": latest.services,
            "releases": latest.releases,
            "needs": latest.needs,
            "dependencies": dependencies,
            "versions": versions,
            "mirror": self.base,
        });
        let info: AssetInfo = serde_json::from_value(raw.clone()).map_err(|e| Error::Decode {
            url,
            message: e.to_string(),
        })?;
        Ok(Asset { info, raw })
    }

    /// The search's filters, checked as the registry checks them.
    fn filters(&self, query: &SearchQuery) -> Result<Filters, Error> {
        let refuse = |detail: String| Error::Api {
            status: 400,
            detail,
            url: format!("{}/index/", self.base),
            retry_after: None,
        };
        let service = match query.service.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Some(
                openstack::find_service(s)
                    .ok_or_else(|| {
                        refuse(format!(
                            "unknown service `{s}` (hint: services go by project name, like `nova`)"
                        ))
                    })?
                    .to_owned(),
            ),
            _ => None,
        };
        let release = match query.release.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => Some(
                openstack::find_release(r)
                    .ok_or_else(|| {
                        refuse(format!(
                            "unknown release `{r}` (hint: name a series by name or number, like `antelope` or `2023.1`)"
                        ))
                    })?
                    .name
                    .to_owned(),
            ),
            _ => None,
        };
        Ok(Filters {
            words: query
                .q
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
            kind: query.kind.clone().filter(|k| !k.is_empty()),
            service,
            release,
            need: query
                .need
                .as_deref()
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| !n.is_empty()),
        })
    }

    /// Every index file under `index/`: files whose path is the one `index_path` gives their
    /// name (anything else there, `config.json` included, is not an index file).
    fn index_files(&self) -> Result<Vec<(AssetName, Vec<IndexEntry>)>, Error> {
        let index = self.root.join("index");
        if !self.root.join(super::CONFIG).is_file() {
            return Err(Error::NotAMirror {
                dir: self.root.clone(),
            });
        }
        let mut found = Vec::new();
        for path in files_under(&index)? {
            let Some(rel) = path
                .strip_prefix(&index)
                .ok()
                .and_then(Path::to_str)
                .map(str::to_owned)
            else {
                continue;
            };
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| AssetName::parse(n).ok())
            else {
                continue;
            };
            if osops_index::index_path(&name) != rel {
                continue;
            }
            let url = format!("{}/index/{rel}", self.base);
            let body = self.read(&url, MAX_JSON_BODY)?;
            found.push((name.clone(), super::super::parse_index(&url, &name, &body)?));
        }
        Ok(found)
    }

    /// Descriptions by name from `mirror.json`; none when it is missing or unreadable.
    fn descriptions(&self) -> BTreeMap<String, String> {
        std::fs::read(self.root.join(RECORD_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok())
            .map(|record| {
                record
                    .assets
                    .into_iter()
                    .map(|(name, asset)| (name, asset.description))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Filters {
    fn accept(&self, entry: &IndexEntry, description: &str) -> bool {
        let name = entry.name.as_str();
        let description = description.to_lowercase();
        self.words
            .iter()
            .all(|w| name.contains(w.as_str()) || description.contains(w.as_str()))
            && self
                .kind
                .as_deref()
                .is_none_or(|k| entry.kind.as_str() == k)
            && has_facets(
                entry,
                self.service.as_deref(),
                self.release.as_deref(),
                self.need.as_deref(),
            )
    }
}

/// The newest version (by semver), among the non-yanked ones unless `yanked_too`.
fn newest(entries: &[IndexEntry], yanked_too: bool) -> Option<&IndexEntry> {
    entries
        .iter()
        .filter(|e| yanked_too || !e.yanked)
        .max_by(|a, b| a.vers.cmp(&b.vers))
}

/// Every regular file below `dir` (no link followed), sorted.
fn files_under(dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Local {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, vers: &str, yanked: bool) -> IndexEntry {
        serde_json::from_value(serde_json::json!({
            "name": name, "vers": vers, "kind": "script", "cksum": "00",
            "services": ["nova"], "releases": ">=2023.1, <=2024.1", "needs": ["drain-compute-host"],
            "yanked": yanked, "published_at": "2026-01-01T00:00:00Z", "v": 1
        }))
        .expect("entry")
    }

    #[test]
    fn filters_judge_the_entry_as_the_registry_does() {
        let e = entry("nova-evacuate-host", "1.0.0", false);
        let all = Filters::default();
        assert!(all.accept(&e, ""));
        let words = Filters {
            words: vec!["evacuate".into(), "live".into()],
            ..Filters::default()
        };
        assert!(words.accept(&e, "Live-migrate every instance"));
        assert!(!words.accept(&e, "Drain a host"), "every word must match");
        let release = |r: &str| Filters {
            release: Some(r.into()),
            ..Filters::default()
        };
        assert!(release("antelope").accept(&e, ""));
        assert!(!release("dalmatian").accept(&e, ""));
        assert!(
            crate::mirror::select::release_matches(None, "dalmatian"),
            "no range: every release"
        );
        let service = |s: &str| Filters {
            service: Some(s.into()),
            ..Filters::default()
        };
        assert!(service("nova").accept(&e, ""));
        assert!(!service("neutron").accept(&e, ""));
        let kind = Filters {
            kind: Some("check".into()),
            ..Filters::default()
        };
        assert!(!kind.accept(&e, ""));
        let need = Filters {
            need: Some("drain-compute-host".into()),
            ..Filters::default()
        };
        assert!(need.accept(&e, ""));
    }

    #[test]
    fn the_newest_version_is_by_semver_and_skips_yanked_ones() {
        let entries = [
            entry("x-tool", "1.10.0", true),
            entry("x-tool", "1.9.0", false),
            entry("x-tool", "1.2.0", false),
        ];
        assert_eq!(
            newest(&entries, false).map(|e| e.vers.to_string()),
            Some("1.9.0".into())
        );
        assert_eq!(
            newest(&entries, true).map(|e| e.vers.to_string()),
            Some("1.10.0".into())
        );
        assert!(newest(&entries[..1], false).is_none());
    }
}
