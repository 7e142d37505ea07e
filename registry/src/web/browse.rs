//! `/kinds/{kind}`, `/services/{service}`, `/releases/{release}`: the search page with one filter
//! set, under a heading. Another spelling of the value (`Nova`, `2024.2`) redirects to the
//! canonical URL.

use std::str::FromStr;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use osops_index::{Kind, openstack};

use super::page::PageError;
use super::search::render;
use crate::error::ApiError;
use crate::handlers::{DEFAULT_PER_PAGE, redirect};
use crate::state::AppState;
use crate::store::{AssetSort, NeedQuery, SearchQuery};

fn browse_query() -> SearchQuery {
    SearchQuery {
        sort: AssetSort::Downloads,
        page: 1,
        per_page: DEFAULT_PER_PAGE,
        ..Default::default()
    }
}

pub async fn kind(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let kind = Kind::from_str(&raw.to_ascii_lowercase()).map_err(ApiError::not_found)?;
    if kind.as_str() != raw {
        return Ok(redirect(&format!("/kinds/{}", kind.as_str())));
    }
    let query = SearchQuery {
        kind: Some(kind.as_str().to_owned()),
        ..browse_query()
    };
    let heading = format!("Assets of kind {}", kind.as_str());
    render(&state, &headers, query, heading, Vec::new()).await
}

pub async fn service(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let service = openstack::find_service(&raw).ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown service `{raw}` (hint: services go by project name, like `nova`)"
        ))
    })?;
    if service != raw {
        return Ok(redirect(&format!("/services/{service}")));
    }
    let needs = state
        .needs
        .list_needs(&NeedQuery {
            service: Some(service.to_owned()),
            page: 1,
            per_page: 10,
            ..Default::default()
        })
        .await?
        .needs;
    let query = SearchQuery {
        service: Some(service.to_owned()),
        ..browse_query()
    };
    render(
        &state,
        &headers,
        query,
        format!("Assets for {service}"),
        needs,
    )
    .await
}

pub async fn release(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let release = openstack::find_release(&raw).ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown release `{raw}` (hint: name a series by name or number, like `dalmatian` or `2024.2`)"
        ))
    })?;
    if release.name != raw {
        return Ok(redirect(&format!("/releases/{}", release.name)));
    }
    let query = SearchQuery {
        release: Some(release.name.to_owned()),
        ..browse_query()
    };
    let heading = format!(
        "Assets that run on {} ({})",
        capitalised(release.name),
        release.number
    );
    render(&state, &headers, query, heading, Vec::new()).await
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
