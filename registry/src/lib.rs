//! The osops registry server: publish, search, download, yank, needs and the sparse index, over
//! SQLite (WAL) and a blob directory by default.
//!
//! - [`routes::router`] is the whole URL map; [`handlers`] hold one file per resource and shape
//!   the JSON bodies of `docs/http-api.md`; errors are one [`ApiError`] rendered as problem+json.
//!   [`openapi`] is the API's OpenAPI document, generated from the handlers' annotations by the
//!   same calls that route them ([`routes::api`]).
//! - [`publish::publish`] is the publish operation, independent of HTTP (the `--demo` loader in
//!   [`demo`] reuses it): validate the archive, store its blob under its sha256, commit the version
//!   in one transaction.
//! - [`store`] holds narrow traits per concern ([`store::AssetStore`], [`store::NeedStore`],
//!   [`store::UserStore`], [`store::TokenStore`], [`store::OwnerStore`], [`store::AuditStore`],
//!   [`store::Health`]) with the SQLite implementation in
//!   [`store::sqlite`]; [`blobs::Blobs`] is archive storage over `object_store`, keyed only by
//!   [`blobs::BlobKey`]. A need's answers are kept in step with each asset's newest non-yanked
//!   version by the publish and yank transactions.
//! - [`state::AppState`] is what handlers share; [`auth::Authenticated`] turns a Bearer token
//!   (format in [`token`], made by [`tokens::mint`]) into an [`access::Actor`], whose scopes and
//!   patterns [`access`] checks; [`rate_limit`] holds the per-user buckets; [`server::serve`]
//!   runs it all; [`metrics`] counts and times requests for `GET /metrics`; [`admin`] backs the
//!   `user`, `team`, `token`, `audit`, `need` and `gc` commands.
//! - [`transfer`] backs `export` and `import`: a whole registry moved between the embedded
//!   store and PostgreSQL + S3 through a checked directory.
//! - [`web`] is the catalog as HTML pages (docs/web.md): askama templates over the same stores,
//!   READMEs rendered with pulldown-cmark and sanitised with ammonia, a strict CSP.
//! - [`trusted`] is trusted publishing: the config file's issuers, their keys, identity-token
//!   verification and [`trusted::exchange`], which mints a short-lived publish token for the
//!   assets whose owners' rules ([`store::TrustedStore`]) match the identity.

pub mod access;
pub mod admin;
pub mod auth;
pub mod blobs;
pub mod config;
pub mod demo;
pub mod download_cache;
pub mod downloads;
pub mod error;
mod etag;
#[cfg(feature = "failpoints")]
pub mod failpoint;
pub mod handlers;
pub mod index_files;
pub mod metrics;
pub mod openapi;
pub mod publish;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod state;
pub mod store;
mod time;
pub mod token;
pub mod tokens;
pub mod transfer;
pub mod trusted;
pub mod web;

pub use config::{Config, DataDir, Settings};
pub use error::{ApiError, Error};
pub use routes::router;
pub use server::{serve, shutdown_signal};
pub use state::AppState;
