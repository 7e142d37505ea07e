//! `/search`: assets matching a query, with facets, sorting and pages. The kind, service and
//! release pages ([`super::browse`]) are this page with one filter set.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::links;
use super::page::{PageError, html};
use super::view::{Day, FacetView, Layout, Pages, SortLink};
use crate::error::ApiError;
use crate::handlers::assets::{SearchParams, search_query};
use crate::metrics::SearchFrom;
use crate::state::AppState;
use crate::store::{AssetSummary, NeedQuery, NeedSummary, SearchQuery};

#[derive(Template)]
#[template(path = "search.html")]
struct SearchView {
    layout: Layout,
    heading: String,
    total: u64,
    assets: Vec<AssetSummary>,
    facets: Vec<FacetView>,
    sorts: Vec<SortLink>,
    pages: Pages,
    /// Needs that match the text too: how many, and where to see them.
    needs_total: u64,
    needs_href: String,
    /// Needs of the service (service pages only).
    service_needs: Vec<NeedSummary>,
}

pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = search_query(params)?;
    let heading = match &query.q {
        Some(q) => format!("Results for “{q}”"),
        None => "All assets".to_owned(),
    };
    render(&state, &headers, query, heading, Vec::new()).await
}

/// The search page for `query` under `heading`.
pub async fn render(
    state: &AppState,
    headers: &HeaderMap,
    query: SearchQuery,
    heading: String,
    service_needs: Vec<NeedSummary>,
) -> Result<Response, PageError> {
    let started = std::time::Instant::now();
    let found = state.assets.search(&query).await;
    state
        .metrics
        .observe_search(SearchFrom::Web, started.elapsed());
    let found = found?;
    if query.page > 1 && found.assets.is_empty() {
        return Err(ApiError::not_found(format!(
            "page {} is past the last page of these results (hint: go back to page 1)",
            query.page
        ))
        .into());
    }
    let needs_total = match query.q.as_deref() {
        Some(q) => state.needs.need_candidates(Some(q)).await?.len() as u64,
        None => 0,
    };
    let view = SearchView {
        layout: Layout::new(heading.clone(), query.q.as_deref().unwrap_or_default()),
        heading,
        total: found.total,
        facets: links::asset_facets(&query, &found.facets),
        sorts: links::asset_sorts(&query),
        pages: links::search_pages(&query, found.total),
        assets: found.assets,
        needs_total,
        needs_href: links::needs_url(&NeedQuery {
            q: query.q.clone(),
            page: 1,
            per_page: crate::handlers::DEFAULT_PER_PAGE,
            ..Default::default()
        }),
        service_needs,
    };
    html(headers, &view)
}
