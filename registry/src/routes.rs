//! The whole URL map.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Router};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::downloads::Downloads;
use crate::handlers::{
    assets, audit, download, health, index, method_not_allowed, needs, owners, publish, tokens,
    trusted, yank,
};
use crate::openapi;
use crate::state::AppState;

/// Every route but the HTML pages, each registered with `routes!`, which routes a handler at the
/// method and path of its `#[utoipa::path]` and adds it to the OpenAPI document in the same call:
/// a route added here is documented, and a route can only be documented by being added here
/// (`registry/tests/openapi.rs` checks that the finished router has no other route).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(publish::publish, assets::search))
        .routes(routes!(assets::detail))
        .routes(
            routes!(owners::list, owners::add, owners::remove)
                .layer(DefaultBodyLimit::max(owners::MAX_BODY)),
        )
        .routes(routes!(audit::asset_events))
        .routes(
            routes!(trusted::list, trusted::add).layer(DefaultBodyLimit::max(trusted::MAX_BODY)),
        )
        .routes(routes!(trusted::remove))
        .routes(routes!(download::download))
        .routes(routes!(yank::yank).layer(DefaultBodyLimit::max(yank::MAX_BODY)))
        .routes(routes!(yank::unyank))
        .routes(routes!(needs::list, needs::create).layer(DefaultBodyLimit::max(needs::MAX_BODY)))
        .routes(routes!(needs::show, needs::put).layer(DefaultBodyLimit::max(needs::MAX_BODY)))
        .routes(routes!(needs::vote, needs::retract))
        .routes(
            routes!(tokens::create, tokens::list).layer(DefaultBodyLimit::max(tokens::MAX_BODY)),
        )
        .routes(routes!(tokens::revoke))
        .routes(routes!(trusted::exchange).layer(DefaultBodyLimit::max(trusted::MAX_BODY)))
        .routes(routes!(index::config))
        .routes(routes!(index::needs))
        .routes(routes!(index::entries))
        .routes(routes!(health::health))
        .routes(routes!(health::live))
        .routes(routes!(crate::metrics::metrics))
        .routes(routes!(openapi::serve))
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api().split_for_parts();
    // The document is made once, here, and served as bytes.
    let router = api
        .layer(Extension(openapi::Served::new(doc)))
        .merge(crate::web::routes())
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.downloads.clone(),
            settle_downloads,
        ))
        // After the routes and fallbacks: it wraps each of them, so it sees the matched route.
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ))
        .with_state(state);
    // A span and a log line per request, only where the log filter lets them through: disabled,
    // the layer still costs about a tenth of a cached index read (docs/PERFORMANCE.md).
    if tracing::enabled!(target: "tower_http::trace::on_response", Level::INFO) {
        router.layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
    } else {
        router
    }
}

/// A request that may show download counts first waits for the downloads recorded before it
/// (`crate::downloads`: at once when none is pending), so a client sees its own downloads
/// counted. Index files and downloads show no count and never wait.
async fn settle_downloads(
    State(downloads): State<Downloads>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !(path.starts_with("/index/") || path.ends_with("/download")) {
        downloads.settle().await;
    }
    next.run(request).await
}
