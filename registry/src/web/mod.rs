//! The catalog as web pages (docs/web.md): server-rendered HTML over the same stores as the API.
//!
//! One file per page kind ([`home`], [`search`], [`needs`], [`asset`], [`browse`]); [`page`]
//! turns a rendered template into a response with the CSP, caching headers and ETag, and errors
//! into an HTML error page; [`links`] builds the URLs that carry a whole query; [`markdown`]
//! renders and sanitises READMEs; [`files`] lists what an archive holds; [`static_files`] serves
//! the stylesheet and script under content-hashed URLs.

mod asset;
mod browse;
mod files;
mod home;
mod links;
pub mod markdown;
mod needs;
mod page;
mod search;
mod static_files;
mod view;

use axum::Router;
use axum::routing::get;

pub use page::not_found;

use crate::state::AppState;

/// The pages, to be merged into the router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/search", get(search::search))
        .route("/needs", get(needs::list))
        .route("/needs/{id}", get(needs::need))
        .route("/assets/{name}", get(asset::asset))
        .route("/kinds/{kind}", get(browse::kind))
        .route("/services/{service}", get(browse::service))
        .route("/releases/{release}", get(browse::release))
        .route("/static/{hash}/{file}", get(static_files::serve))
}
