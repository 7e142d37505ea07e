//! Needs: `GET|POST /api/v1/needs`, `GET|PUT /api/v1/needs/{id}` and
//! `PUT|DELETE /api/v1/needs/{id}/vote`. (`/index/needs.json` is in [`super::index`].)

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use osops_index::{AssetName, NeedRecord, NeedStatus, openstack};

use super::{page_number, per_page, present};
use crate::access::{Actor, Scope};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{
    Answer, NeedDetail, NeedFacets, NeedQuery, NeedSort, NeedSummary, PutNeed, StoreError,
    UpdateRule,
};

/// Largest need body accepted, in bytes; a need is a few kilobytes of text.
pub const MAX_BODY: usize = 256 * 1024;

/// `GET /api/v1/needs/{id}`, and the answer to a create or update.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Need)]
pub struct NeedBody {
    #[serde(flatten)]
    #[schema(value_type = crate::openapi::NeedRecordSchema)]
    record: NeedRecord,
    #[schema(value_type = crate::openapi::NeedStatusSchema)]
    status: NeedStatus,
    retired_reason: Option<String>,
    /// One per user.
    votes: u64,
    created_by: String,
    created_at: String,
    updated_at: String,
    /// Each asset whose newest non-yanked version addresses the need, most downloaded first.
    answers: Vec<AnswerBody>,
}

/// An asset that answers a need, as of its newest non-yanked version.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = NeedAnswer)]
pub struct AnswerBody {
    name: String,
    version: String,
    #[schema(value_type = crate::openapi::KindSchema)]
    kind: String,
    description: String,
    releases: Option<String>,
    services: Vec<String>,
    downloads: u64,
    updated_at: String,
}

impl From<Answer> for AnswerBody {
    fn from(a: Answer) -> Self {
        AnswerBody {
            name: a.name,
            version: a.version,
            kind: a.kind,
            description: a.description,
            releases: a.releases,
            services: a.services,
            downloads: a.downloads,
            updated_at: a.updated_at,
        }
    }
}

impl From<NeedDetail> for NeedBody {
    fn from(n: NeedDetail) -> Self {
        NeedBody {
            record: n.record,
            status: n.status,
            retired_reason: n.retired_reason,
            votes: n.votes,
            created_by: n.created_by,
            created_at: n.created_at,
            updated_at: n.updated_at,
            answers: n.answers.into_iter().map(AnswerBody::from).collect(),
        }
    }
}

/// A page of needs.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = NeedList)]
pub struct ListBody {
    /// Matching needs in all pages.
    total: u64,
    page: u32,
    per_page: u32,
    needs: Vec<SummaryBody>,
    facets: NeedFacets,
}

/// A need in a list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = NeedSummary)]
pub struct SummaryBody {
    id: String,
    title: String,
    #[schema(value_type = crate::openapi::NeedStatusSchema)]
    status: NeedStatus,
    persona: Option<String>,
    services: Vec<String>,
    votes: u64,
    /// How many assets answer it.
    answers: u64,
    created_at: String,
}

impl From<NeedSummary> for SummaryBody {
    fn from(n: NeedSummary) -> Self {
        SummaryBody {
            id: n.id,
            title: n.title,
            status: n.status,
            persona: n.persona,
            services: n.services,
            votes: n.votes,
            answers: n.answers,
            created_at: n.created_at,
        }
    }
}

/// A need's votes after a vote or its retraction.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = NeedVotes)]
pub struct VoteBody {
    id: String,
    votes: u64,
    /// Whether the caller's vote is now counted.
    voted: bool,
}

/// The query string of a list; every field is text so that a bad value gets a sentence.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Full text over id, title, problem and use cases.
    q: Option<String>,
    /// An OpenStack service by project name (`nova`), in any case.
    service: Option<String>,
    /// `open`, `addressed` or `retired`, in any case.
    status: Option<String>,
    /// `votes` (default), `recent` or `unanswered`.
    sort: Option<String>,
    /// From 1 (default).
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// 1 to 100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// `GET /api/v1/needs?q=&service=&status=&sort=&page=&per_page=`.
#[utoipa::path(
    get,
    path = "/api/v1/needs",
    tag = "needs",
    operation_id = "list_needs",
    summary = "List and search needs",
    params(ListParams),
    responses(
        (status = 200, description = "A page of needs, with facet counts.", body = ListBody),
        (status = 400, description = "An unknown status, sort or service, or `page`/`per_page` out of range."),
        (status = 500, description = "The store failed."),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ListBody>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = list_query(params)?;
    let page = state.needs.list_needs(&query).await?;
    Ok(Json(ListBody {
        total: page.total,
        page: query.page,
        per_page: query.per_page,
        needs: page.needs.into_iter().map(SummaryBody::from).collect(),
        facets: page.facets,
    }))
}

pub(crate) fn list_query(p: ListParams) -> Result<NeedQuery, ApiError> {
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
    let status = present(p.status)
        .map(|s| {
            NeedStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown status `{s}` (hint: use `open`, `addressed` or `retired`)"
                ))
            })
        })
        .transpose()?;
    let sort = present(p.sort)
        .map(|s| {
            NeedSort::parse(&s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown sort `{s}` (hint: use `votes`, `recent` or `unanswered`)"
                ))
            })
        })
        .transpose()?
        .unwrap_or_default();
    Ok(NeedQuery {
        q: present(p.q),
        service,
        status,
        sort,
        page: page_number(p.page)?,
        per_page: per_page(p.per_page)?,
    })
}

/// `POST /api/v1/needs`: 201 with the need, 409 if its id exists.
#[utoipa::path(
    post,
    path = "/api/v1/needs",
    tag = "needs",
    operation_id = "create_need",
    summary = "File a need",
    request_body(content = crate::openapi::NeedRecordSchema, description = "At most 256 KiB."),
    responses(
        (status = 201, description = "The need.", body = NeedBody),
        (status = 400, description = "JSON that is not a need record, or an invalid field (named)."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "The token lacks the `needs` scope, or a disabled user."),
        (status = 409, description = "A need with that id exists."),
        (status = 413, description = "The body is over 256 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    body: Result<Json<NeedRecord>, JsonRejection>,
) -> Result<(StatusCode, Json<NeedBody>), ApiError> {
    let user = needs_user(actor)?;
    let record = need_body(body)?;
    let need = state.needs.create_need(&record, &user).await?;
    tracing::info!(id = %record.id, user = %user.name, "need created");
    Ok((StatusCode::CREATED, Json(need.into())))
}

/// `PUT /api/v1/needs/{id}`: 201 created, 200 updated (by its creator only).
#[utoipa::path(
    put,
    path = "/api/v1/needs/{id}",
    tag = "needs",
    operation_id = "put_need",
    summary = "Create or update a need",
    description = "Only its creator may update a need; votes, creator and retirement are kept. \
                   What `osops need import` uses.",
    params(("id" = String, Path, description = "The need's id; the body's `id` must be the same.")),
    request_body(content = crate::openapi::NeedRecordSchema, description = "At most 256 KiB."),
    responses(
        (status = 201, description = "The need was created.", body = NeedBody),
        (status = 200, description = "The need was updated.", body = NeedBody),
        (status = 400, description = "A bad id, JSON that is not a need record, an invalid field, or a body `id` other than the URL's."),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "Not the need's creator, the token lacks the `needs` scope, or a disabled user."),
        (status = 413, description = "The body is over 256 KiB."),
        (status = 415, description = "Not `Content-Type: application/json`."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn put(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
    body: Result<Json<NeedRecord>, JsonRejection>,
) -> Result<(StatusCode, Json<NeedBody>), ApiError> {
    let user = needs_user(actor)?;
    let id = AssetName::canonical_form(&raw).map_err(|e| {
        ApiError::bad_request(format!("`{}` is not a need id: {e}", raw.escape_debug()))
    })?;
    let record = need_body(body)?;
    if record.id != id {
        return Err(ApiError::bad_request(format!(
            "the body's `id` is `{}` but the URL names `{id}` (hint: they must be the same)",
            record.id
        )));
    }
    match state
        .needs
        .put_need(&record, &user, UpdateRule::CreatorOnly)
        .await?
    {
        PutNeed::Created(need) => {
            tracing::info!(%id, user = %user.name, "need created");
            Ok((StatusCode::CREATED, Json(need.into())))
        }
        PutNeed::Updated(need) => Ok((StatusCode::OK, Json(need.into()))),
        PutNeed::NotCreator { creator } => Err(ApiError::forbidden(format!(
            "only `{creator}`, who created need `{id}`, may change it, and you are `{}` \
             (hint: ask them, or vote for it with `osops need vote {id}`)",
            user.name
        ))),
    }
}

/// `GET /api/v1/needs/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/needs/{id}",
    tag = "needs",
    operation_id = "get_need",
    summary = "One need, with its answers",
    params(("id" = String, Path, description = "The need's id, in any spelling that folds to it (not redirected).")),
    responses(
        (status = 200, description = "The need.", body = NeedBody),
        (status = 404, description = "No such need."),
        (status = 500, description = "The store failed."),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<NeedBody>, ApiError> {
    let id = path_id(&raw)?;
    match state.needs.need(&id).await? {
        Some(need) => Ok(Json(need.into())),
        None => Err(no_need(&id)),
    }
}

/// `PUT /api/v1/needs/{id}/vote`.
#[utoipa::path(
    put,
    path = "/api/v1/needs/{id}/vote",
    tag = "needs",
    operation_id = "vote_need",
    summary = "Vote for a need",
    description = "Voting twice counts once.",
    params(("id" = String, Path, description = "The need's id, in any spelling that folds to it (not redirected).")),
    responses(
        (status = 200, description = "The need's votes.", body = VoteBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "The token lacks the `needs` scope, or a disabled user."),
        (status = 404, description = "No such need."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn vote(
    state: State<AppState>,
    user: Authenticated,
    path: Path<String>,
) -> Result<Json<VoteBody>, ApiError> {
    cast(state, user, path, true).await
}

/// `DELETE /api/v1/needs/{id}/vote`.
#[utoipa::path(
    delete,
    path = "/api/v1/needs/{id}/vote",
    tag = "needs",
    operation_id = "retract_need_vote",
    summary = "Retract a vote",
    description = "Retracting a vote that is not there changes nothing.",
    params(("id" = String, Path, description = "The need's id, in any spelling that folds to it (not redirected).")),
    responses(
        (status = 200, description = "The need's votes.", body = VoteBody),
        (status = 401, description = "No token, or a malformed, unknown, revoked or expired one."),
        (status = 403, description = "The token lacks the `needs` scope, or a disabled user."),
        (status = 404, description = "No such need."),
        (status = 500, description = "The store failed."),
    ),
    security(("bearer" = []))
)]
pub async fn retract(
    state: State<AppState>,
    user: Authenticated,
    path: Path<String>,
) -> Result<Json<VoteBody>, ApiError> {
    cast(state, user, path, false).await
}

async fn cast(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(raw): Path<String>,
    voted: bool,
) -> Result<Json<VoteBody>, ApiError> {
    let user = needs_user(actor)?;
    let id = path_id(&raw)?;
    let votes = match state.needs.vote(&id, user.id, voted).await {
        Err(StoreError::NotFound(_)) => return Err(no_need(&id)),
        other => other?,
    };
    Ok(Json(VoteBody {
        id: id.to_string(),
        votes,
        voted,
    }))
}

/// The user of a token with the `needs` scope.
fn needs_user(actor: Actor) -> Result<crate::store::User, ApiError> {
    actor.require(Scope::Needs)?;
    Ok(actor.user)
}

/// The need id in a URL, in any spelling that folds to a canonical one.
fn path_id(raw: &str) -> Result<AssetName, ApiError> {
    AssetName::canonical_form(raw)
        .map_err(|e| ApiError::not_found(format!("no need `{}`: {e}", raw.escape_debug())))
}

fn no_need(id: &AssetName) -> ApiError {
    ApiError::not_found(format!(
        "no need `{id}` (hint: `osops need list` shows the needs, `osops need new {id}` files it)"
    ))
}

/// The body as a validated record (services canonicalised), or a 4xx naming the problem.
fn need_body(body: Result<Json<NeedRecord>, JsonRejection>) -> Result<NeedRecord, ApiError> {
    let Json(record) = body.map_err(|e| match e {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request(format!("the body is not a need record: {}", e.body_text()))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(format!(
            "the body is larger than the {MAX_BODY} bytes a need may take \
             (hint: link to long documents from `links` instead)"
        )),
        other => ApiError::new(other.status(), other.body_text()),
    })?;
    record
        .validate()
        .map_err(|e| ApiError::bad_request(format!("invalid need: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parameters() {
        let q = list_query(ListParams::default()).expect("defaults");
        assert_eq!(q.sort, NeedSort::Votes);
        assert_eq!((q.page, q.per_page), (1, crate::handlers::DEFAULT_PER_PAGE));
        let q = list_query(ListParams {
            status: Some("Open".into()),
            sort: Some("unanswered".into()),
            service: Some("Nova".into()),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(q.status, Some(NeedStatus::Open));
        assert_eq!(q.sort, NeedSort::Unanswered);
        assert_eq!(q.service.as_deref(), Some("nova"));
        for (params, word) in [
            (
                ListParams {
                    status: Some("closed".into()),
                    ..Default::default()
                },
                "`closed`",
            ),
            (
                ListParams {
                    sort: Some("stars".into()),
                    ..Default::default()
                },
                "`stars`",
            ),
            (
                ListParams {
                    service: Some("warp-drive".into()),
                    ..Default::default()
                },
                "`warp-drive`",
            ),
            (
                ListParams {
                    per_page: Some("0".into()),
                    ..Default::default()
                },
                "`per_page`",
            ),
        ] {
            let err = list_query(params).expect_err(word);
            assert_eq!(err.status(), StatusCode::BAD_REQUEST);
            assert!(err.detail().contains(word), "{}", err.detail());
        }
    }
}
