//! `osops search` and `osops info` on a mirror, from its catalog and index files.
//!
//! The filters mean what the registry's mean: each asset is judged by its newest non-yanked
//! version (assets whose every version is yanked are not listed), a release matches a range
//! that contains it or no range at all, and every word of the query must appear in the name or
//! the description (as a substring, ignoring case). Hits come sorted by name: a mirror has no
//! relevance ranking and no download counts.

use std::collections::BTreeMap;

use osops_index::{AssetName, IndexEntry, openstack};

use super::super::{
    Asset, AssetInfo, Client, Error, Reporter, SearchHit, SearchQuery, SearchResults,
};
use super::{canonical_service, has_words, page_bounds, words};
use crate::mirror::select::has_facets;

/// A search's filters, checked and in their canonical spelling.
#[derive(Debug, Default)]
struct Filters {
    words: Vec<String>,
    kind: Option<String>,
    service: Option<String>,
    release: Option<String>,
    need: Option<String>,
}

impl Client {
    /// `osops search` on a mirror: the catalog filtered, sorted by name, paged.
    pub(in crate::client) fn mirror_search(
        &self,
        query: &SearchQuery,
        reporter: &dyn Reporter,
    ) -> Result<SearchResults, Error> {
        let filters = self.search_filters(query)?;
        let catalog = self.mirror_catalog(reporter)?;
        let mut hits: Vec<SearchHit> = catalog
            .assets
            .into_iter()
            .filter(|a| filters.accept(&a.latest, &a.description))
            .map(|a| SearchHit {
                name: a.latest.name.to_string(),
                version: a.latest.vers.to_string(),
                kind: a.latest.kind.to_string(),
                description: a.description,
                services: a.latest.services,
                needs: a.latest.needs,
            })
            .collect();
        hits.sort_by(|a, b| a.name.cmp(&b.name));
        let (page, per_page, skip) = page_bounds(query.page, query.per_page);
        let total = hits.len() as u64;
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
    pub(in crate::client) fn mirror_asset(
        &self,
        name: &AssetName,
        reporter: &dyn Reporter,
    ) -> Result<Asset, Error> {
        let url = self.index_file_url(name);
        let mut entries = self.index_entries(name, reporter)?.unwrap_or_default();
        let Some(latest) = newest(&entries, false)
            .or_else(|| newest(&entries, true))
            .cloned()
        else {
            // No index file, or an empty one: as good as none.
            return Err(Error::Api {
                status: 404,
                detail: format!("the mirror has no asset named `{name}`"),
                url,
                retry_after: None,
            });
        };
        entries.sort_by(|a, b| b.vers.cmp(&a.vers));
        let description = self
            .mirror_catalog(reporter)?
            .assets
            .into_iter()
            .find(|a| &a.latest.name == name)
            .map(|a| a.description)
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
    fn search_filters(&self, query: &SearchQuery) -> Result<Filters, Error> {
        let release = match query.release.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => Some(
                openstack::find_release(r)
                    .ok_or_else(|| {
                        self.refused(format!(
                            "unknown release `{r}` (hint: name a series by name or number, like `antelope` or `2023.1`)"
                        ))
                    })?
                    .name
                    .to_owned(),
            ),
            _ => None,
        };
        Ok(Filters {
            words: words(query.q.as_deref()),
            kind: query.kind.clone().filter(|k| !k.is_empty()),
            service: canonical_service(self, query.service.as_deref())?,
            release,
            need: query
                .need
                .as_deref()
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| !n.is_empty()),
        })
    }
}

impl Filters {
    fn accept(&self, entry: &IndexEntry, description: &str) -> bool {
        has_words(&self.words, &[entry.name.as_str(), description])
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
