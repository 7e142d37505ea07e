//! `GET /api/v1/assets/{name}` (one asset) and `GET /api/v1/assets` (search).

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use osops_index::{AssetName, Kind, openstack};

use super::{PathName, page_number, path_name, per_page, present, redirect};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AssetDetail, AssetFacets, AssetSort, AssetSummary, SearchQuery, VersionInfo};

#[derive(Debug, serde::Serialize)]
pub struct AssetBody {
    name: String,
    latest: String,
    kind: String,
    description: String,
    license: Option<String>,
    repository: Option<String>,
    authors: Vec<String>,
    keywords: Vec<String>,
    services: Vec<String>,
    releases: Option<String>,
    needs: Vec<String>,
    prompted_by: Vec<String>,
    bins: Vec<String>,
    requires: Vec<String>,
    dependencies: BTreeMap<String, String>,
    readme: Option<String>,
    owners: Vec<String>,
    downloads: u64,
    created_at: String,
    updated_at: String,
    versions: Vec<VersionBody>,
}

#[derive(Debug, serde::Serialize)]
pub struct VersionBody {
    version: String,
    cksum: String,
    size: u64,
    yanked: bool,
    yank_reason: Option<String>,
    published_at: String,
    published_by: String,
    downloads: u64,
}

impl From<VersionInfo> for VersionBody {
    fn from(v: VersionInfo) -> Self {
        VersionBody {
            version: v.version,
            cksum: v.sha256,
            size: v.size,
            yanked: v.yanked,
            yank_reason: v.yank_reason,
            published_at: v.published_at,
            published_by: v.published_by,
            downloads: v.downloads,
        }
    }
}

impl From<AssetDetail> for AssetBody {
    fn from(a: AssetDetail) -> Self {
        let m = a.latest;
        AssetBody {
            name: a.name,
            latest: m.version,
            kind: m.kind,
            description: m.description,
            license: m.license,
            repository: m.repository,
            authors: m.authors,
            keywords: m.keywords,
            services: m.services,
            releases: m.releases,
            needs: m.needs,
            prompted_by: m.prompted_by,
            bins: m.bins.into_keys().collect(),
            requires: m.requires,
            dependencies: m.dependencies,
            readme: a.readme,
            owners: a.owners,
            downloads: a.downloads,
            created_at: a.created_at,
            updated_at: a.updated_at,
            versions: a.versions.into_iter().map(VersionBody::from).collect(),
        }
    }
}

/// `GET /api/v1/assets/{name}`; a non-canonical spelling is redirected (308) to the canonical URL.
pub async fn detail(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let name = match path_name(&raw) {
        Ok(PathName::Canonical(name)) => name,
        Ok(PathName::Respelled(name)) => return Ok(redirect(&format!("/api/v1/assets/{name}"))),
        Err(err) => return Err(ApiError::not_found(format!("no asset `{raw}`: {err}"))),
    };
    match state.assets.asset(&name).await? {
        Some(detail) => Ok(Json(AssetBody::from(detail)).into_response()),
        None => Err(ApiError::not_found(format!(
            "no asset `{name}` (hint: `osops search` finds assets)"
        ))),
    }
}

/// The query string of a search. Every field is text so that a bad value gets a sentence, not
/// serde's; empty values count as absent.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    kind: Option<String>,
    service: Option<String>,
    release: Option<String>,
    license: Option<String>,
    need: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

#[derive(Debug, serde::Serialize)]
pub struct SearchBody {
    total: u64,
    page: u32,
    per_page: u32,
    assets: Vec<SummaryBody>,
    facets: AssetFacets,
}

#[derive(Debug, serde::Serialize)]
pub struct SummaryBody {
    name: String,
    version: String,
    kind: String,
    description: String,
    license: Option<String>,
    services: Vec<String>,
    releases: Option<String>,
    needs: Vec<String>,
    keywords: Vec<String>,
    downloads: u64,
    created_at: String,
    updated_at: String,
}

impl From<AssetSummary> for SummaryBody {
    fn from(a: AssetSummary) -> Self {
        SummaryBody {
            name: a.name,
            version: a.version,
            kind: a.kind,
            description: a.description,
            license: a.license,
            services: a.services,
            releases: a.releases,
            needs: a.needs,
            keywords: a.keywords,
            downloads: a.downloads,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// `GET /api/v1/assets?q=&kind=&service=&release=&license=&need=&sort=&page=&per_page=`.
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchBody>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = search_query(params)?;
    let page = state.assets.search(&query).await?;
    Ok(Json(SearchBody {
        total: page.total,
        page: query.page,
        per_page: query.per_page,
        assets: page.assets.into_iter().map(SummaryBody::from).collect(),
        facets: page.facets,
    }))
}

pub(crate) fn search_query(p: SearchParams) -> Result<SearchQuery, ApiError> {
    let kind = present(p.kind)
        .map(|k| {
            Kind::from_str(&k.to_ascii_lowercase())
                .map(|k| k.as_str().to_owned())
                .map_err(ApiError::bad_request)
        })
        .transpose()?;
    let service = present(p.service)
        .map(|s| {
            openstack::find_service(&s)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "unknown service `{s}` (hint: services go by project name, like `nova`)"
                    ))
                })
        })
        .transpose()?;
    let release = present(p.release)
        .map(|r| {
            openstack::find_release(&r).map(|r| r.name.to_owned()).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown release `{r}` (hint: name a series by name or number, like `antelope` or `2023.1`)"
                ))
            })
        })
        .transpose()?;
    let need = present(p.need)
        .map(|n| {
            AssetName::canonical_form(&n)
                .map(|n| n.to_string())
                .map_err(|e| ApiError::bad_request(format!("`need` is not a need id: {e}")))
        })
        .transpose()?;
    let sort = present(p.sort)
        .map(|s| {
            AssetSort::parse(&s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown sort `{s}` (hint: use `relevance`, `downloads`, `updated`, `new` or `name`)"
                ))
            })
        })
        .transpose()?
        .unwrap_or_default();
    Ok(SearchQuery {
        q: present(p.q),
        kind,
        service,
        release,
        license: present(p.license),
        need,
        sort,
        page: page_number(p.page)?,
        per_page: per_page(p.per_page)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::DEFAULT_PER_PAGE;
    use axum::http::StatusCode;

    #[test]
    fn paging_defaults_and_bounds() {
        let q = search_query(SearchParams::default()).expect("defaults");
        assert_eq!((q.page, q.per_page), (1, DEFAULT_PER_PAGE));
        for bad in ["0", "101", "-1", "x", "1.5"] {
            let p = SearchParams {
                per_page: Some(bad.into()),
                ..Default::default()
            };
            let err = search_query(p).expect_err(bad);
            assert_eq!(err.status(), StatusCode::BAD_REQUEST);
            assert!(err.detail().contains("per_page"), "{}", err.detail());
        }
        let p = SearchParams {
            page: Some("0".into()),
            ..Default::default()
        };
        assert!(search_query(p).is_err());
    }

    #[test]
    fn empty_parameters_are_absent_and_kinds_are_checked() {
        let p = SearchParams {
            q: Some("  ".into()),
            kind: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            search_query(p).expect("empty"),
            SearchQuery {
                page: 1,
                per_page: 20,
                ..Default::default()
            }
        );
        let p = SearchParams {
            kind: Some("Script".into()),
            ..Default::default()
        };
        assert_eq!(
            search_query(p).expect("kind").kind.as_deref(),
            Some("script")
        );
        let p = SearchParams {
            kind: Some("rocket".into()),
            ..Default::default()
        };
        assert!(
            search_query(p)
                .expect_err("rocket")
                .detail()
                .contains("unknown kind `rocket`")
        );
    }
}
