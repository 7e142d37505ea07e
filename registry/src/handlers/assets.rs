//! `GET /api/v1/assets/{name}` (one asset) and `GET /api/v1/assets` (search).

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use osops_index::{AssetName, Kind, openstack};

use super::{PathName, page_number, path_name, per_page, present, redirect};
use crate::error::ApiError;
use crate::metrics::SearchFrom;
use crate::state::AppState;
use crate::store::{AssetDetail, AssetFacets, AssetSort, AssetSummary, SearchQuery, VersionInfo};

/// An asset; its metadata describes `latest`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Asset)]
pub struct AssetBody {
    name: String,
    /// The newest non-yanked version (the newest version if all are yanked).
    latest: String,
    #[schema(value_type = crate::openapi::KindSchema)]
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
    /// The command names of `[entrypoints] bin`.
    bins: Vec<String>,
    requires: Vec<String>,
    /// Name to semver requirement.
    dependencies: BTreeMap<String, String>,
    /// Markdown.
    readme: Option<String>,
    /// Users, and teams as `team:NAME`.
    owners: Vec<String>,
    downloads: u64,
    created_at: String,
    updated_at: String,
    /// Newest first (semver order).
    versions: Vec<VersionBody>,
}

/// One published version of an asset.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AssetVersion)]
pub struct VersionBody {
    version: String,
    /// sha256 of the archive, lowercase hex.
    cksum: String,
    /// Of the archive, in bytes.
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
#[utoipa::path(
    get,
    path = "/api/v1/assets/{name}",
    tag = "assets",
    operation_id = "get_asset",
    summary = "One asset, with its versions",
    params(("name" = String, Path, description = "The asset's name; another spelling of it (`Nova_Tools`) is redirected to the canonical URL.")),
    responses(
        (status = 200, description = "The asset.", body = AssetBody),
        (status = 308, description = "A non-canonical spelling of the name: `Location` is the canonical path.",
            headers(("Location" = String, description = "`/api/v1/assets/NAME`, relative."))),
        (status = 404, description = "No such asset."),
        (status = 500, description = "The store failed."),
    )
)]
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
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Full text over name, description, keywords and README: every word must match, the last
    /// one as a prefix.
    q: Option<String>,
    /// An asset kind (`script`, `playbook`, …), in any case.
    kind: Option<String>,
    /// An OpenStack service by project name (`nova`), in any case.
    service: Option<String>,
    /// A release series by name or number (`antelope`, `2023.1`): assets whose range contains it,
    /// and those that declare none.
    release: Option<String>,
    license: Option<String>,
    /// A need id: assets whose newest non-yanked version addresses it.
    need: Option<String>,
    /// `relevance` (default), `downloads`, `updated`, `new` or `name`.
    sort: Option<String>,
    /// From 1 (default).
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// 1 to 100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// A page of search results.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AssetSearch)]
pub struct SearchBody {
    /// Matching assets in all pages.
    total: u64,
    page: u32,
    per_page: u32,
    assets: Vec<SummaryBody>,
    facets: AssetFacets,
}

/// An asset in a list: its newest non-yanked version.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AssetSummary)]
pub struct SummaryBody {
    name: String,
    version: String,
    #[schema(value_type = crate::openapi::KindSchema)]
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
#[utoipa::path(
    get,
    path = "/api/v1/assets",
    tag = "assets",
    operation_id = "search_assets",
    summary = "Search assets",
    description = "Only each asset's newest non-yanked version is matched and shown. Empty \
                   parameters count as absent.",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of results, with facet counts.", body = SearchBody),
        (status = 400, description = "An unknown kind, service, release or sort, or `page`/`per_page` out of range."),
        (status = 500, description = "The store failed."),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchBody>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = search_query(params)?;
    let started = std::time::Instant::now();
    let page = state.assets.search(&query).await;
    state
        .metrics
        .observe_search(SearchFrom::Api, started.elapsed());
    let page = page?;
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
