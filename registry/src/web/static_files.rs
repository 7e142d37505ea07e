//! The stylesheet and the script, compiled in and served under `/static/{hash}/{file}`: the hash
//! changes with the content, so browsers may keep a file for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct StaticFile {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// First 16 hex digits of the body's sha256.
    hash: String,
}

static FILES: LazyLock<Vec<StaticFile>> = LazyLock::new(|| {
    [
        (
            "style.css",
            "text/css; charset=utf-8",
            include_str!("../../static/style.css"),
        ),
        (
            "copy.js",
            "text/javascript; charset=utf-8",
            include_str!("../../static/copy.js"),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, body)| StaticFile {
        name,
        content_type,
        body,
        hash: osops_index::sha256_hex(body.as_bytes())[..16].to_owned(),
    })
    .collect()
});

/// The URL of the static file `name` (one of the files above).
pub fn url(name: &str) -> String {
    match FILES.iter().find(|f| f.name == name) {
        Some(f) => format!("/static/{}/{}", f.hash, f.name),
        None => format!("/static/missing/{name}"),
    }
}

/// `GET /static/{hash}/{file}`. A stale hash (a page cached from before an upgrade) still gets
/// the file, but not for a year.
pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let Some(file) = FILES.iter().find(|f| f.name == name) else {
        return super::page::page_not_found(&format!("/static/{hash}/{name}")).into_response();
    };
    let cache = if hash == file.hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.body,
    )
        .into_response()
}
