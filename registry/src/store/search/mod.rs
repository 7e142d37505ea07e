//! Asset search. The embedded store keeps its listed assets and their text in memory
//! ([`live::LiveIndex`], [`text`]), since every change goes through it; a store that replicas
//! share finds the candidates matching the text in its database, in relevance order, and
//! [`select_assets`] takes them from there. Both end in [`catalog::Catalog::select`], which
//! filters, counts the facets, sorts and cuts the page, so every store gives the same answers.

mod catalog;
pub(super) mod live;
mod text;

use osops_index::ReleaseRange;

use self::catalog::Catalog;
use super::facets::FacetValue;
pub use text::MAX_README;

/// Search parameters, already validated and canonicalised by the handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Free text, as the user typed it; each store makes it safe for its engine.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub service: Option<String>,
    /// A release series name (canonical, as in `osops_index::openstack::RELEASES`).
    pub release: Option<String>,
    /// An SPDX expression as the manifests write it.
    pub license: Option<String>,
    pub need: Option<String>,
    pub sort: AssetSort,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssetSort {
    /// Best text match first; without text, recently updated first.
    #[default]
    Relevance,
    /// Most downloaded first.
    Downloads,
    /// Recently updated (published a version, yanked) first.
    Updated,
    /// Recently created first.
    New,
    /// By name.
    Name,
}

impl AssetSort {
    pub const ALL: [AssetSort; 5] = [
        AssetSort::Relevance,
        AssetSort::Downloads,
        AssetSort::Updated,
        AssetSort::New,
        AssetSort::Name,
    ];

    /// The value of `sort=` in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetSort::Relevance => "relevance",
            AssetSort::Downloads => "downloads",
            AssetSort::Updated => "updated",
            AssetSort::New => "new",
            AssetSort::Name => "name",
        }
    }

    pub fn parse(text: &str) -> Option<AssetSort> {
        let text = text.to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A listed asset as search shows it: fields of its latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetSummary {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub description: String,
    pub license: Option<String>,
    pub services: Vec<String>,
    pub releases: Option<String>,
    pub needs: Vec<String>,
    pub keywords: Vec<String>,
    pub downloads: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// For each facet, what choosing each value would give with the other filters kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AssetFacets {
    pub kind: Vec<FacetValue>,
    pub service: Vec<FacetValue>,
    /// Newest series first.
    pub release: Vec<FacetValue>,
    pub license: Vec<FacetValue>,
    pub need: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub total: u64,
    pub assets: Vec<AssetSummary>,
    pub facets: AssetFacets,
}

/// Whether an asset whose manifest declares `range` (None: no `openstack.releases`, i.e. not
/// restricted) runs on `release`. A range that no longer parses matches nothing.
pub fn release_matches(range: Option<&str>, release: &str) -> bool {
    match range {
        None => true,
        Some(text) => ReleaseRange::parse(text).is_ok_and(|r| r.contains(release)),
    }
}

/// Filters `candidates` (listed assets matching the text, best match first, as a database
/// found them) by `query`, counts the facets, sorts and returns the asked page.
pub fn select_assets(candidates: Vec<AssetSummary>, query: &SearchQuery) -> SearchPage {
    let mut catalog = Catalog::default();
    let ranked = candidates
        .into_iter()
        .enumerate()
        .map(|(rank, summary)| (catalog.upsert(summary), -(rank as f32)))
        .collect();
    catalog.select(Some(ranked), query)
}

#[cfg(test)]
mod tests {
    use osops_index::openstack;

    use super::*;

    fn asset(name: &str, kind: &str, services: &[&str], releases: Option<&str>) -> AssetSummary {
        AssetSummary {
            name: name.into(),
            version: "1.0.0".into(),
            kind: kind.into(),
            description: String::new(),
            license: Some("Apache-2.0".into()),
            services: services.iter().map(|s| s.to_string()).collect(),
            releases: releases.map(Into::into),
            needs: vec![],
            keywords: vec![],
            downloads: 0,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn catalog() -> Vec<AssetSummary> {
        let mut mit = asset("c-tool", "tool", &["neutron"], None);
        mit.license = Some("MIT".into());
        mit.downloads = 7;
        mit.needs = vec!["clean-ports".into()];
        vec![
            asset("a-script", "script", &["nova"], Some(">=2024.1")),
            asset("b-script", "script", &["nova", "neutron"], Some("<=2023.2")),
            mit,
        ]
    }

    fn query() -> SearchQuery {
        SearchQuery {
            page: 1,
            per_page: 20,
            ..Default::default()
        }
    }

    fn count(values: &[FacetValue], value: &str) -> Option<u64> {
        values.iter().find(|v| v.value == value).map(|v| v.count)
    }

    #[test]
    fn a_facet_counts_its_values_with_the_other_filters_kept() {
        let q = SearchQuery {
            kind: Some("script".into()),
            ..query()
        };
        let page = select_assets(catalog(), &q);
        assert_eq!(page.total, 2);
        // The kind facet ignores the kind filter: choosing `tool` instead would give one.
        assert_eq!(count(&page.facets.kind, "script"), Some(2));
        assert_eq!(count(&page.facets.kind, "tool"), Some(1));
        // The others keep it: of the scripts, two touch nova and one neutron.
        assert_eq!(count(&page.facets.service, "nova"), Some(2));
        assert_eq!(count(&page.facets.service, "neutron"), Some(1));
        assert_eq!(count(&page.facets.license, "MIT"), None);
        assert_eq!(page.facets.kind[0].value, "script", "most results first");
    }

    #[test]
    fn releases_match_ranges_and_list_newest_first() {
        let q = SearchQuery {
            release: Some("dalmatian".into()),
            ..query()
        };
        let page = select_assets(catalog(), &q);
        let names: Vec<&str> = page.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["a-script", "c-tool"],
            "2024.2 is in >=2024.1 and in *"
        );
        let releases = &page.facets.release;
        assert_eq!(count(releases, "dalmatian"), Some(2));
        assert_eq!(
            count(releases, "bobcat"),
            Some(2),
            "<=2023.2 and unrestricted"
        );
        assert_eq!(releases.last().map(|v| v.value.as_str()), Some("austin"));
        let latest = openstack::RELEASES.last().map(|r| r.name);
        assert_eq!(releases.first().map(|v| v.value.as_str()), latest);
    }

    #[test]
    fn license_and_need_filter() {
        let q = SearchQuery {
            license: Some("MIT".into()),
            ..query()
        };
        assert_eq!(select_assets(catalog(), &q).total, 1);
        let q = SearchQuery {
            need: Some("clean-ports".into()),
            ..query()
        };
        let page = select_assets(catalog(), &q);
        assert_eq!(page.assets[0].name, "c-tool");
        assert_eq!(count(&page.facets.need, "clean-ports"), Some(1));
    }

    #[test]
    fn sorts_and_pages() {
        let q = SearchQuery {
            sort: AssetSort::Downloads,
            per_page: 2,
            ..query()
        };
        let page = select_assets(catalog(), &q);
        assert_eq!(page.total, 3);
        assert_eq!(page.assets.len(), 2);
        assert_eq!(page.assets[0].name, "c-tool");
        let q = SearchQuery {
            sort: AssetSort::Name,
            per_page: 2,
            page: 2,
            ..query()
        };
        let page = select_assets(catalog(), &q);
        assert_eq!(page.assets.len(), 1);
        assert_eq!(page.assets[0].name, "c-tool");
        let q = SearchQuery { page: 9, ..query() };
        assert!(select_assets(catalog(), &q).assets.is_empty());
    }

    #[test]
    fn sort_names_round_trip() {
        for sort in AssetSort::ALL {
            assert_eq!(AssetSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(AssetSort::parse("Downloads"), Some(AssetSort::Downloads));
        assert_eq!(AssetSort::parse("stars"), None);
    }
}
