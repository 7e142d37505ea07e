//! `/needs` (the needs, with facets) and `/needs/{id}` (one need and its answers side by side).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::links;
use super::markdown::{USER_LINK_REL, to_safe_html};
use super::page::{PageError, canonical_name, html};
use super::view::{Day, FacetView, Layout, Pages, SortLink, UserLink};
use crate::error::ApiError;
use crate::handlers::needs::{ListParams, list_query};
use crate::state::AppState;
use crate::store::{Answer, NeedDetail, NeedSummary};

#[derive(Template)]
#[template(path = "needs.html")]
struct NeedsView {
    layout: Layout,
    heading: String,
    total: u64,
    needs: Vec<NeedSummary>,
    facets: Vec<FacetView>,
    sorts: Vec<SortLink>,
    pages: Pages,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = list_query(params)?;
    let found = state.needs.list_needs(&query).await?;
    if query.page > 1 && found.needs.is_empty() {
        return Err(ApiError::not_found(format!(
            "page {} is past the last page of these needs (hint: go back to page 1)",
            query.page
        ))
        .into());
    }
    let heading = match &query.q {
        Some(q) => format!("Needs matching “{q}”"),
        None => "Operator needs".to_owned(),
    };
    let view = NeedsView {
        layout: Layout::new(heading.clone(), query.q.as_deref().unwrap_or_default()),
        heading,
        total: found.total,
        facets: links::need_facets(&query, &found.facets),
        sorts: links::need_sorts(&query),
        pages: links::need_pages(&query, found.total),
        needs: found.needs,
    };
    html(&headers, &view)
}

#[derive(Template)]
#[template(path = "need.html")]
struct NeedView {
    layout: Layout,
    need: NeedDetail,
    problem_html: String,
    links: Vec<UserLink>,
    answers: Vec<Answer>,
    rel: &'static str,
}

pub async fn need(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = match canonical_name(&raw, "/needs", "need") {
        Ok(id) => id,
        Err(response) => return Ok(*response),
    };
    let Some(mut need) = state.needs.need(&id).await? else {
        return Err(ApiError::not_found(format!(
            "no need `{id}` (hint: the needs page lists them all)"
        ))
        .into());
    };
    let answers = std::mem::take(&mut need.answers);
    let view = NeedView {
        layout: Layout::new(need.record.title.clone(), ""),
        problem_html: to_safe_html(&need.record.problem),
        links: need.record.links.iter().map(|l| UserLink::new(l)).collect(),
        answers,
        need,
        rel: USER_LINK_REL,
    };
    html(&headers, &view)
}
