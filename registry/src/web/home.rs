//! `/`: where a newcomer lands: a search box, what the catalog holds, the needs still waiting for
//! an answer, what was published and updated lately, and ways in by kind, service and release.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use osops_index::Kind;

use super::page::{PageError, html};
use super::view::{Day, Layout};
use crate::state::AppState;
use crate::store::{
    AssetSort, AssetSummary, CatalogCounts, FacetValue, NeedQuery, NeedSort, NeedSummary,
    SearchPage, SearchQuery, StoreError,
};

/// How many items each list on the home page shows.
const SHORT_LIST: u32 = 6;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView {
    layout: Layout,
    counts: CatalogCounts,
    needs_total: u64,
    needs_open: u64,
    unanswered: Vec<NeedSummary>,
    new: Vec<AssetSummary>,
    updated: Vec<AssetSummary>,
    kinds: Vec<FacetValue>,
    services: Vec<FacetValue>,
    releases: Vec<FacetValue>,
}

pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let new = recent(&state, AssetSort::New).await?;
    let updated = recent(&state, AssetSort::Updated).await?;
    let unanswered = state
        .needs
        .list_needs(&NeedQuery {
            sort: NeedSort::Unanswered,
            page: 1,
            per_page: SHORT_LIST,
            ..Default::default()
        })
        .await?;
    let status_count = |status: &str| {
        unanswered
            .facets
            .status
            .iter()
            .find(|v| v.value == status)
            .map_or(0, |v| v.count)
    };
    let needs_total = ["open", "addressed", "retired"]
        .into_iter()
        .map(status_count)
        .sum();
    let needs_open = status_count("open");
    // Every kind, even those with no asset yet, in the manifest's order.
    let kinds = Kind::ALL
        .iter()
        .map(|k| FacetValue {
            value: k.as_str().to_owned(),
            count: new
                .facets
                .kind
                .iter()
                .find(|v| v.value == k.as_str())
                .map_or(0, |v| v.count),
        })
        .collect();
    let view = HomeView {
        layout: Layout::new("OpenStack operators' code, by the need it answers", ""),
        counts: state.assets.catalog_counts().await?,
        needs_total,
        needs_open,
        unanswered: unanswered.needs,
        kinds,
        services: new.facets.service.into_iter().take(16).collect(),
        releases: new
            .facets
            .release
            .into_iter()
            .filter(|r| r.count > 0)
            .take(8)
            .collect(),
        new: new.assets,
        updated: updated.assets,
    };
    html(&headers, &view)
}

/// The first few listed assets in `sort`'s order, with the facets of the whole catalog.
async fn recent(state: &AppState, sort: AssetSort) -> Result<SearchPage, StoreError> {
    let query = SearchQuery {
        sort,
        page: 1,
        per_page: SHORT_LIST,
        ..Default::default()
    };
    state.assets.search(&query).await
}
