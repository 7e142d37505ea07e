//! End-to-end test support: the real `osops-registry` server and the real `osops` binary.
//!
//! - [`TestRegistry`] starts `osops-registry serve` on `127.0.0.1:0` over a temporary data dir and
//!   runs its admin commands (`user add`, `token create`) on the same dir.
//! - [`TestContext`] runs `osops` with an isolated `HOME`, `OSOPS_HOME` and XDG dirs, pointed at a
//!   registry, so nothing of the developer's machine leaks in or out.
//! - [`StaticRegistry`] is a misbehaving registry: a tiny HTTP server that serves whatever index and
//!   archive bytes a test hands it, to prove the client's own checks (the real registry would refuse
//!   to publish such archives in the first place).
//! - [`browser::Browser`] drives a headless Chromium through chromedriver, for the tests of the web
//!   pages; they run only when `OSOPS_TEST_BROWSER` is set (CI sets it) and are skipped otherwise.
//! - [`nginx::Nginx`] serves a directory (an `osops mirror`) with a real nginx, for the
//!   air-gapped test; it runs only when `OSOPS_TEST_NGINX` is set (CI sets it).
//!
//! The binaries are built once per test process with `cargo build` into the same target directory
//! as the tests (Cargo only hands `CARGO_BIN_EXE_*` to tests of the package that owns the binary).

pub mod assets;
mod binaries;
pub mod browser;
mod context;
mod database;
pub mod fixtures;
pub mod hostile;
pub mod issuer;
pub mod nginx;
pub mod pause;
mod registry;
pub mod services;
mod static_registry;
pub mod visible;

pub use binaries::{binary, examples_dir, workspace_dir};
pub use context::{Output, TestContext};
pub use database::execute_sql;
pub use registry::{TestRegistry, tree, walk};
pub use static_registry::StaticRegistry;
