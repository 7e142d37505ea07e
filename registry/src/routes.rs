//! The whole URL map.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::handlers::{
    assets, audit, download, health, index, method_not_allowed, needs, owners, publish, tokens,
    trusted, yank,
};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/assets", put(publish::publish).get(assets::search))
        .route("/api/v1/assets/{name}", get(assets::detail))
        .route(
            "/api/v1/assets/{name}/owners",
            get(owners::list)
                .put(owners::add)
                .delete(owners::remove)
                .layer(DefaultBodyLimit::max(owners::MAX_BODY)),
        )
        .route("/api/v1/assets/{name}/audit", get(audit::asset_events))
        .route(
            "/api/v1/assets/{name}/trusted-publishers",
            get(trusted::list)
                .post(trusted::add)
                .layer(DefaultBodyLimit::max(trusted::MAX_BODY)),
        )
        .route(
            "/api/v1/assets/{name}/trusted-publishers/{id}",
            delete(trusted::remove),
        )
        .route(
            "/api/v1/assets/{name}/{version}/download",
            get(download::download),
        )
        .route(
            "/api/v1/assets/{name}/{version}/yank",
            delete(yank::yank).layer(DefaultBodyLimit::max(yank::MAX_BODY)),
        )
        .route("/api/v1/assets/{name}/{version}/unyank", put(yank::unyank))
        .route(
            "/api/v1/needs",
            get(needs::list)
                .post(needs::create)
                .layer(DefaultBodyLimit::max(needs::MAX_BODY)),
        )
        .route(
            "/api/v1/needs/{id}",
            get(needs::show)
                .put(needs::put)
                .layer(DefaultBodyLimit::max(needs::MAX_BODY)),
        )
        .route(
            "/api/v1/needs/{id}/vote",
            put(needs::vote).delete(needs::retract),
        )
        .route(
            "/api/v1/tokens",
            post(tokens::create)
                .get(tokens::list)
                .layer(DefaultBodyLimit::max(tokens::MAX_BODY)),
        )
        .route("/api/v1/tokens/{id}", delete(tokens::revoke))
        .route(
            "/api/v1/trusted-publishing/exchange",
            post(trusted::exchange).layer(DefaultBodyLimit::max(trusted::MAX_BODY)),
        )
        .route("/index/config.json", get(index::config))
        .route("/index/needs.json", get(index::needs))
        .route("/index/{*path}", get(index::entries))
        .route("/healthz", get(health::health))
        .merge(crate::web::routes())
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
