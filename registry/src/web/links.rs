//! URLs that carry a whole query, so that any page of results can be linked to, and the facet,
//! sort and page links built from the current query.

use osops_index::NeedStatus;

use super::view::{FacetValueView, FacetView, Pages, SortLink};
use crate::handlers::DEFAULT_PER_PAGE;
use crate::store::{
    AssetFacets, AssetSort, FacetValue, NeedFacets, NeedQuery, NeedSort, SearchQuery,
};

/// `/search?…` for `q`; default values are left out.
pub fn search_url(q: &SearchQuery) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("q", q.q.as_deref()),
        ("kind", q.kind.as_deref()),
        ("service", q.service.as_deref()),
        ("release", q.release.as_deref()),
        ("license", q.license.as_deref()),
        ("need", q.need.as_deref()),
    ];
    for (key, value) in pairs {
        if let Some(value) = value {
            url.append_pair(key, value);
        }
    }
    if q.sort != AssetSort::default() {
        url.append_pair("sort", q.sort.as_str());
    }
    paging(&mut url, q.page, q.per_page);
    with_query("/search", url.finish())
}

/// `/needs?…` for `q`; default values are left out.
pub fn needs_url(q: &NeedQuery) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    if let Some(text) = &q.q {
        url.append_pair("q", text);
    }
    if let Some(status) = q.status {
        url.append_pair("status", status.as_str());
    }
    if let Some(service) = &q.service {
        url.append_pair("service", service);
    }
    if q.sort != NeedSort::default() {
        url.append_pair("sort", q.sort.as_str());
    }
    paging(&mut url, q.page, q.per_page);
    with_query("/needs", url.finish())
}

fn paging(url: &mut form_urlencoded::Serializer<'_, String>, page: u32, per_page: u32) {
    if page > 1 {
        url.append_pair("page", &page.to_string());
    }
    if per_page != DEFAULT_PER_PAGE {
        url.append_pair("per_page", &per_page.to_string());
    }
}

fn with_query(path: &str, query: String) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// One facet as links: each value's link is `url_with(Some(value))`, or `url_with(None)` (the
/// facet dropped) for the value already chosen.
fn facet_view(
    name: &'static str,
    label: &'static str,
    values: &[FacetValue],
    current: Option<&str>,
    url_with: impl Fn(Option<&str>) -> String,
) -> FacetView {
    FacetView {
        name,
        label,
        values: values
            .iter()
            .map(|v| {
                let active = current == Some(v.value.as_str());
                FacetValueView {
                    value: v.value.clone(),
                    label: value_label(name, &v.value),
                    count: v.count,
                    href: url_with((!active).then_some(v.value.as_str())),
                    active,
                }
            })
            .collect(),
    }
}

/// How a facet value reads: release series with their number (`dalmatian 2024.2`).
fn value_label(facet: &str, value: &str) -> String {
    match (facet, osops_index::openstack::find_release(value)) {
        ("release", Some(release)) => format!("{} {}", release.name, release.number),
        _ => value.to_owned(),
    }
}

/// The asset facets as links that choose (or, when active, drop) each value, back to page 1.
pub fn asset_facets(q: &SearchQuery, facets: &AssetFacets) -> Vec<FacetView> {
    type Field = fn(&mut SearchQuery) -> &mut Option<String>;
    let facet = |name, label, values, current: &Option<String>, field: Field| {
        facet_view(name, label, values, current.as_deref(), |value| {
            let mut next = SearchQuery {
                page: 1,
                ..q.clone()
            };
            *field(&mut next) = value.map(str::to_owned);
            search_url(&next)
        })
    };
    vec![
        facet("kind", "Kind", &facets.kind, &q.kind, |q| &mut q.kind),
        facet("service", "Service", &facets.service, &q.service, |q| {
            &mut q.service
        }),
        facet("release", "Release", &facets.release, &q.release, |q| {
            &mut q.release
        }),
        facet("license", "License", &facets.license, &q.license, |q| {
            &mut q.license
        }),
        facet("need", "Need", &facets.need, &q.need, |q| &mut q.need),
    ]
}

/// The need facets as links, as [`asset_facets`].
pub fn need_facets(q: &NeedQuery, facets: &NeedFacets) -> Vec<FacetView> {
    let next = || NeedQuery {
        page: 1,
        ..q.clone()
    };
    vec![
        facet_view(
            "status",
            "Status",
            &facets.status,
            q.status.map(NeedStatus::as_str),
            |value| {
                needs_url(&NeedQuery {
                    status: value.and_then(NeedStatus::parse),
                    ..next()
                })
            },
        ),
        facet_view(
            "service",
            "Service",
            &facets.service,
            q.service.as_deref(),
            |value| {
                needs_url(&NeedQuery {
                    service: value.map(str::to_owned),
                    ..next()
                })
            },
        ),
    ]
}

pub fn asset_sorts(q: &SearchQuery) -> Vec<SortLink> {
    [
        (AssetSort::Relevance, "relevance"),
        (AssetSort::Downloads, "downloads"),
        (AssetSort::Updated, "recently updated"),
        (AssetSort::New, "newest"),
        (AssetSort::Name, "name"),
    ]
    .into_iter()
    .map(|(sort, label)| SortLink {
        label,
        href: search_url(&SearchQuery {
            sort,
            page: 1,
            ..q.clone()
        }),
        active: q.sort == sort,
    })
    .collect()
}

pub fn need_sorts(q: &NeedQuery) -> Vec<SortLink> {
    [
        (NeedSort::Votes, "votes"),
        (NeedSort::Recent, "newest"),
        (NeedSort::Unanswered, "unanswered"),
    ]
    .into_iter()
    .map(|(sort, label)| SortLink {
        label,
        href: needs_url(&NeedQuery {
            sort,
            page: 1,
            ..q.clone()
        }),
        active: q.sort == sort,
    })
    .collect()
}

pub fn search_pages(q: &SearchQuery, total: u64) -> Pages {
    Pages::new(q.page, q.per_page, total, |page| {
        search_url(&SearchQuery { page, ..q.clone() })
    })
}

pub fn need_pages(q: &NeedQuery, total: u64) -> Pages {
    Pages::new(q.page, q.per_page, total, |page| {
        needs_url(&NeedQuery { page, ..q.clone() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> SearchQuery {
        SearchQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            ..Default::default()
        }
    }

    #[test]
    fn urls_carry_the_whole_query_and_escape_it() {
        assert_eq!(search_url(&query()), "/search");
        let q = SearchQuery {
            q: Some("evacuate host&x=<y>".into()),
            kind: Some("script".into()),
            sort: AssetSort::Downloads,
            page: 3,
            ..query()
        };
        assert_eq!(
            search_url(&q),
            "/search?q=evacuate+host%26x%3D%3Cy%3E&kind=script&sort=downloads&page=3"
        );
    }

    #[test]
    fn a_facet_link_chooses_its_value_and_an_active_one_drops_it() {
        let q = SearchQuery {
            kind: Some("script".into()),
            page: 2,
            ..query()
        };
        let facets = AssetFacets {
            kind: vec![
                FacetValue {
                    value: "script".into(),
                    count: 2,
                },
                FacetValue {
                    value: "tool".into(),
                    count: 1,
                },
            ],
            ..Default::default()
        };
        let views = asset_facets(&q, &facets);
        let kind = &views[0];
        assert_eq!(kind.name, "kind");
        assert!(kind.values[0].active);
        assert_eq!(
            kind.values[0].href, "/search",
            "choosing the active value drops it"
        );
        assert!(!kind.values[1].active);
        assert_eq!(kind.values[1].href, "/search?kind=tool", "back to page 1");
    }

    #[test]
    fn pages_link_to_their_neighbours() {
        let q = SearchQuery {
            page: 2,
            per_page: 10,
            ..query()
        };
        let pages = search_pages(&q, 25);
        assert_eq!(pages.pages, 3);
        assert_eq!(pages.previous.as_deref(), Some("/search?per_page=10"));
        assert_eq!(pages.next.as_deref(), Some("/search?page=3&per_page=10"));
        let one = search_pages(&query(), 0);
        assert_eq!((one.pages, one.previous, one.next), (1, None, None));
    }
}
