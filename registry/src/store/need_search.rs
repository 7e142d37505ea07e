//! Need search: each store finds the needs that match the free text, newest first;
//! [`select_needs`] filters them, counts the facets, sorts and cuts the page, the same for every
//! store (see [`super::search`] for assets).

use osops_index::NeedStatus;

use super::facets::{FacetValue, Tally, page_of};
use super::{NeedPage, NeedQuery, NeedSort, NeedSummary};

/// For each facet, what choosing each value would give with the other filters kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct NeedFacets {
    /// `open`, `addressed`, `retired`, in that order.
    pub status: Vec<FacetValue>,
    pub service: Vec<FacetValue>,
}

/// Filters `candidates` (needs matching the text, newest first) by `query`, counts the facets,
/// sorts and returns the asked page.
pub fn select_needs(candidates: Vec<NeedSummary>, query: &NeedQuery) -> NeedPage {
    let service_ok = |n: &NeedSummary| {
        query
            .service
            .as_ref()
            .is_none_or(|s| n.services.contains(s))
    };
    let status_ok = |n: &NeedSummary| query.status.is_none_or(|s| n.status == s);

    let mut status = Tally::default();
    let mut service = Tally::default();
    for n in &candidates {
        if service_ok(n) {
            status.add(n.status.as_str());
        }
        if status_ok(n) {
            n.services.iter().for_each(|s| service.add(s));
        }
    }
    let facets = NeedFacets {
        status: status.in_order(&["open", "addressed", "retired"]),
        service: service.by_count(),
    };

    let unanswered_only = query.sort == NeedSort::Unanswered;
    let mut matching: Vec<NeedSummary> = candidates
        .into_iter()
        .filter(|n| service_ok(n) && status_ok(n))
        .filter(|n| !unanswered_only || n.status == NeedStatus::Open)
        .collect();
    if query.sort != NeedSort::Recent {
        // Stable: equal votes stay newest first.
        matching.sort_by_key(|n| std::cmp::Reverse(n.votes));
    }
    NeedPage {
        total: matching.len() as u64,
        needs: page_of(matching, query.page, query.per_page),
        facets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(id: &str, status: NeedStatus, services: &[&str], votes: u64) -> NeedSummary {
        NeedSummary {
            id: id.into(),
            title: id.into(),
            status,
            persona: None,
            services: services.iter().map(|s| s.to_string()).collect(),
            votes,
            answers: u64::from(status == NeedStatus::Addressed),
            created_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    /// Newest first, as stores give them.
    fn candidates() -> Vec<NeedSummary> {
        vec![
            need("newest", NeedStatus::Open, &["nova"], 1),
            need("middle", NeedStatus::Addressed, &["nova", "neutron"], 5),
            need("oldest", NeedStatus::Open, &["neutron"], 5),
        ]
    }

    fn query() -> NeedQuery {
        NeedQuery {
            page: 1,
            per_page: 20,
            ..Default::default()
        }
    }

    fn ids(page: &NeedPage) -> Vec<&str> {
        page.needs.iter().map(|n| n.id.as_str()).collect()
    }

    #[test]
    fn votes_then_newest_recent_and_unanswered() {
        assert_eq!(
            ids(&select_needs(candidates(), &query())),
            ["middle", "oldest", "newest"]
        );
        let recent = NeedQuery {
            sort: NeedSort::Recent,
            ..query()
        };
        assert_eq!(
            ids(&select_needs(candidates(), &recent)),
            ["newest", "middle", "oldest"]
        );
        let unanswered = NeedQuery {
            sort: NeedSort::Unanswered,
            ..query()
        };
        assert_eq!(
            ids(&select_needs(candidates(), &unanswered)),
            ["oldest", "newest"]
        );
    }

    #[test]
    fn facets_keep_the_other_filter() {
        let q = NeedQuery {
            service: Some("neutron".into()),
            ..query()
        };
        let page = select_needs(candidates(), &q);
        assert_eq!(page.total, 2);
        let status: Vec<(&str, u64)> = page
            .facets
            .status
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(status, [("open", 1), ("addressed", 1)]);
        // The service facet ignores the service filter.
        assert_eq!(page.facets.service.len(), 2);
        let q = NeedQuery {
            status: Some(NeedStatus::Open),
            ..query()
        };
        let page = select_needs(candidates(), &q);
        let nova = page.facets.service.iter().find(|v| v.value == "nova");
        assert_eq!(nova.map(|v| v.count), Some(1), "only the open nova need");
    }
}
