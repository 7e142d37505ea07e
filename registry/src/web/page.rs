//! Responses for pages: the security and caching headers every page carries, the ETag, and the
//! HTML error page.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use osops_index::AssetName;

use super::view::Layout;
use crate::error::{ApiError, INTERNAL_DETAIL};
use crate::handlers::{PathName, path_name, redirect};

/// No inline script or style, nothing from another host, no framing, forms only to this site.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A rendered page as a 200 with a strong ETag, or a 304 when `If-None-Match` names it. Pages
/// change whenever someone publishes, so caches must revalidate (`no-cache`), which the ETag
/// makes cheap.
pub fn html(request: &HeaderMap, template: &impl Template) -> Result<Response, PageError> {
    let body = template.render().map_err(ApiError::internal)?;
    let etag = crate::etag::of(body.as_bytes());
    let status = if crate::etag::none_match(request, &etag) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut response = if status == StatusCode::OK {
        (status, body).into_response()
    } else {
        status.into_response()
    };
    let headers = response.headers_mut();
    page_headers(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    Ok(response)
}

fn page_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// What a page handler fails with: rendered as an HTML page with the error's status and its
/// sentence (5xx: logged, and only [`INTERNAL_DETAIL`] shown).
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        PageError(err)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(err: crate::store::StoreError) -> Self {
        PageError(err.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    reason: &'a str,
    detail: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log_if_server_error();
        let status = err.status();
        let reason = status.canonical_reason().unwrap_or("Error");
        let detail = if status.is_server_error() {
            INTERNAL_DETAIL
        } else {
            err.detail()
        };
        let page = ErrorPage {
            layout: Layout::new(reason, ""),
            status: status.as_u16(),
            reason,
            detail,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {reason}: {detail}", status.as_u16()));
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        page_headers(headers);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// Unknown URLs: problem+json under `/api/` and `/index/` (clients read those), an HTML page
/// everywhere else (people do).
pub async fn not_found(uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path.starts_with("/index/") {
        ApiError::not_found(format!("no such resource `{path}`")).into_response()
    } else {
        page_not_found(path).into_response()
    }
}

/// The 404 page for `path`.
pub fn page_not_found(path: &str) -> PageError {
    PageError(ApiError::not_found(format!(
        "no such page `{path}` (hint: search the catalog from the box above)"
    )))
}

/// `raw` as a canonical name; another spelling of one (`Nova_Evacuate_Host`) is redirected to
/// `{prefix}/{canonical}`, anything else is a 404 naming `what`.
pub fn canonical_name(raw: &str, prefix: &str, what: &str) -> Result<AssetName, Box<Response>> {
    match path_name(raw) {
        Ok(PathName::Canonical(name)) => Ok(name),
        Ok(PathName::Respelled(name)) => Err(Box::new(redirect(&format!("{prefix}/{name}")))),
        Err(err) => Err(Box::new(
            PageError(ApiError::not_found(format!("no {what} `{raw}`: {err}"))).into_response(),
        )),
    }
}
