//! The command line: global arguments and the list of subcommands.

use clap::{Args, Parser};

use crate::commands::Command;

pub use osops_index::DEFAULT_REGISTRY;

const EXAMPLES: &str = concat!(
    "\
Examples:
  osops search evacuate --service nova
  osops install nova-evacuate-host@1.2
  osops install --locked          # in a project: exactly its osops.lock, into ./.osops/
  osops new rabbitmq-queue-check --kind check && cd rabbitmq-queue-check && osops package

Environment:
  OSOPS_HOME        where assets go (default $XDG_DATA_HOME/osops, else ~/.local/share/osops)
  OSOPS_CACHE       the download cache (default $XDG_CACHE_HOME/osops, else ~/.cache/osops)
  OSOPS_JOBS        downloads at once, as --jobs
  OSOPS_REGISTRY    the registry, as --registry
  OSOPS_TOKEN       the API token, as --token
  OSOPS_OIDC_TOKEN  the CI job's identity token, for `osops publish --trusted`
  NO_COLOR          disables colours

Config: $XDG_CONFIG_HOME/osops/config.toml (default ~/.config/osops/config.toml) names registries
and holds the tokens `osops login` saves:

  [registry]
  default = \"internal\"        # a name below or a URL; else the public registry
  [registries.internal]
  url = \"https://osops.cloud.example.internal\"
  token = \"osops_…\"           # optional; `osops login --registry internal` writes it

--registry takes a name from that file or a URL; without it a command talks to the default
registry, and `osops install` looks a requirement up in every configured registry (the named ones
and the default). A command uses --token, else OSOPS_TOKEN, else the token saved for the registry
it talks to; --token and OSOPS_TOKEN go only to that registry, the others get their saved tokens.

",
    crate::exit::help_text!()
);

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
    /// The registry to talk to: a name from the config file, or a URL [default: the config
    /// file's `[registry] default`, else the public registry]
    #[arg(long, global = true, env = "OSOPS_REGISTRY", value_name = "NAME|URL")]
    pub registry: Option<String>,

    /// API token; overrides OSOPS_TOKEN and the token `osops login` saved. Prefer OSOPS_TOKEN,
    /// which `ps` does not show
    #[arg(long, global = true, value_name = "TOKEN")]
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

    /// How many times to retry a request: a GET or download that failed to connect, was reset,
    /// timed out or got a 5xx/429 answer (with exponential backoff); a publish only when no
    /// answer came or on 429 (honouring Retry-After up to 60s)
    #[arg(
        long,
        global = true,
        env = "OSOPS_HTTP_RETRIES",
        default_value_t = 3,
        value_name = "N"
    )]
    pub http_retries: u32,
}
