//! The command line: global arguments and the list of subcommands.

use clap::{Args, Parser};

use crate::commands::Command;

/// The default registry: one started locally with `osops-registry serve`.
pub const DEFAULT_REGISTRY: &str = "http://127.0.0.1:8080";

const EXAMPLES: &str = "\
Examples:
  osops search evacuate --service nova
  osops install nova-evacuate-host@1.2
  osops new rabbitmq-queue-check --kind check && cd rabbitmq-queue-check && osops package

Environment:
  OSOPS_HOME   where assets are installed (default: $XDG_DATA_HOME/osops or ~/.local/share/osops)
  NO_COLOR     disables colours";

/// The package manager for OpenStack operators' operational code.
///
/// Publish, search and install versioned scripts, playbooks, roles, tools, checks, templates and
/// configs, each linked to the operator need that prompted it, with checksums verified.
#[derive(Debug, Parser)]
#[command(name = "osops", version, propagate_version = true, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The registry to talk to
    #[arg(
        long,
        global = true,
        env = "OSOPS_REGISTRY",
        default_value = DEFAULT_REGISTRY,
        value_name = "URL"
    )]
    pub registry: String,

    /// API token for publishing; prefer the environment variable, which `ps` does not show
    #[arg(
        long,
        global = true,
        env = "OSOPS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Print only data and errors (no status lines, notes or progress bars)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more about what is being done (URLs, paths, cache use)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Time allowed for one HTTP request, body included, in seconds
    #[arg(
        long,
        global = true,
        env = "OSOPS_HTTP_TIMEOUT",
        default_value_t = 300,
        value_name = "SECS"
    )]
    pub http_timeout: u64,

    /// How many times to retry a GET that failed to connect or got a 5xx/429 answer
    #[arg(
        long,
        global = true,
        env = "OSOPS_HTTP_RETRIES",
        default_value_t = 3,
        value_name = "N"
    )]
    pub http_retries: u32,
}
