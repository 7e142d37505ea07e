//! The osops command-line client: package, publish, search and install operators' assets.
//!
//! The binary (`src/main.rs`) is a shim: it parses [`cli::Cli`], calls [`run`], and prints the
//! error chain and [`hint_for`] the error. Everything else lives here:
//!
//! - [`cli`]: the global arguments and the subcommand list; [`commands`]: one file per subcommand,
//!   each with its clap `Args` and one `exec()` that calls a library operation and prints.
//! - [`client`]: the UI-free API client. It never prints; it reports progress and retries through
//!   [`client::Reporter`] and fails with a typed [`client::Error`].
//! - [`printer`]: stdout carries data, stderr carries talk (status verbs, warnings, progress bars).
//! - [`home`]: the layout of a tree (`$OSOPS_HOME`, a project's `.osops/`) and install receipts;
//!   [`install`]: the install engine (requirements → [`lockfile`] → the tree), with [`solve`]
//!   (the PubGrub resolver and its conflict explanations), [`cache`] (`$OSOPS_CACHE`: archives,
//!   index files, parallel downloads), [`project`] (a project's `osops.toml`), [`links`] (bin
//!   links); [`resolve`]: `NAME@REQ` specs; [`registries`]: the named registries of the config;
//!   [`failpoint`]: test-only pause points for the crash tests.
//! - [`import`]: `osops import`, proposing assets for a repository of loose scripts.
//! - [`mirror`]: `osops mirror`, a static copy of a registry for air-gapped clouds (which the
//!   [`client`] reads back as a `file:///` registry).
//! - [`need`]: need records from `osops need new`'s flags or a need file, checked before sending,
//!   and the per-file import of need documents.
//! - [`package`]: reading a manifest and packing an asset; [`scaffold`]: `osops new`/`init`;
//!   [`runner`]: what `osops run` executes.
//! - [`config`]: the user's config file (tokens per registry, written by `osops login`) and
//!   which token a command uses; [`token`]: the token format, checked locally;
//!   [`trusted`]: finding a CI job's OIDC identity token for `osops publish --trusted`.
//! - [`exit`]: the exit codes, and the one function that maps an error chain to one.

pub mod cache;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod exit;
pub mod failpoint;
mod fs;
pub mod home;
pub mod import;
pub mod install;
pub mod links;
pub mod lockfile;
pub mod mirror;
pub mod need;
pub mod package;
pub mod printer;
pub mod project;
pub mod registries;
pub mod resolve;
pub mod runner;
pub mod scaffold;
pub mod solve;
#[cfg(test)]
mod test_server;
pub mod token;
pub mod trusted;

use std::process::ExitCode;

pub use cli::Cli;

/// Runs one parsed command line. Errors carry the whole cause chain; [`hint_for`] finds the hint.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = commands::Context::new(cli.global);
    commands::exec(cli.command, &ctx)
}

/// An error that is only a message and a hint, for the few failures that belong to a command
/// rather than to a library operation.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The first hint any error in the chain offers: how to fix what went wrong.
pub fn hint_for(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<UserError>() {
            e.hint.clone()
        } else if let Some(e) = cause.downcast_ref::<client::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<resolve::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<install::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<project::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<lockfile::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<solve::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<cache::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<cache::ReadError>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<cache::download::DownloadError>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<package::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<scaffold::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<runner::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<home::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<need::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<config::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<token::FormatError>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<trusted::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<import::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<mirror::Error>() {
            e.hint()
        } else {
            None
        }
    })
}

/// Whether the failure is stdout's reader going away (`osops search | head`): not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
