//! One file per subcommand: its clap `Args`, its `--help` example, and one `exec()` that calls
//! a library operation and prints through the [`Printer`].

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::client::{self, Client};
use crate::home::{self, Home};
use crate::printer::{Printer, Verbosity};

pub mod completions;
pub mod info;
pub mod init;
pub mod install;
pub mod list;
pub mod new;
pub mod package;
pub mod publish;
pub mod run;
pub mod search;
pub mod uninstall;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a new asset in a new directory
    #[command(after_help = new::EXAMPLES)]
    New(new::Args),
    /// Make an asset of an existing directory (writes osops.toml)
    #[command(after_help = init::EXAMPLES)]
    Init(init::Args),
    /// Pack an asset into NAME-VERSION.osops
    #[command(after_help = package::EXAMPLES)]
    Package(package::Args),
    /// Package an asset and upload it to the registry
    #[command(after_help = publish::EXAMPLES)]
    Publish(publish::Args),
    /// Search the registry
    #[command(after_help = search::EXAMPLES)]
    Search(search::Args),
    /// Show an asset's metadata and versions
    #[command(after_help = info::EXAMPLES)]
    Info(info::Args),
    /// Install assets, checksums verified, and link their commands into $OSOPS_HOME/bin
    #[command(after_help = install::EXAMPLES)]
    Install(install::Args),
    /// List installed assets
    #[command(after_help = list::EXAMPLES)]
    List(list::Args),
    /// Remove an installed asset and its commands
    #[command(after_help = uninstall::EXAMPLES)]
    Uninstall(uninstall::Args),
    /// Run an installed asset's command or playbook
    #[command(after_help = run::EXAMPLES)]
    Run(run::Args),
    /// Print a shell completion script
    #[command(after_help = completions::EXAMPLES)]
    Completions(completions::Args),
}

pub fn exec(command: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match command {
        Command::New(args) => new::exec(args, ctx),
        Command::Init(args) => init::exec(args, ctx),
        Command::Package(args) => package::exec(args, ctx),
        Command::Publish(args) => publish::exec(args, ctx),
        Command::Search(args) => search::exec(args, ctx),
        Command::Info(args) => info::exec(args, ctx),
        Command::Install(args) => install::exec(args, ctx),
        Command::List(args) => list::exec(args, ctx),
        Command::Uninstall(args) => uninstall::exec(args, ctx),
        Command::Run(args) => run::exec(args, ctx),
        Command::Completions(args) => completions::exec(args, ctx),
    }
}

/// What every command may need: the global arguments and the printer.
pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let verbosity = if global.quiet {
            Verbosity::Quiet
        } else if global.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Context {
            printer: Printer::new(verbosity),
            global,
        }
    }

    pub fn client(&self) -> Result<Client, client::Error> {
        let settings = client::Settings {
            total_timeout: Duration::from_secs(self.global.http_timeout.max(1)),
            retries: self.global.http_retries,
            ..client::Settings::default()
        };
        Client::new(&self.global.registry, self.global.token.clone(), settings)
    }

    pub fn home(&self) -> Result<Home, home::Error> {
        Home::from_env()
    }
}
