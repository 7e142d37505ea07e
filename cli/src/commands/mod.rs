//! One file per subcommand: its clap `Args`, its `--help` example, and one `exec()` that calls
//! a library operation and prints through the [`Printer`].

use std::cell::{Cell, OnceCell};
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::client::{self, Client};
use crate::config::{self, ConfigFile, Token, TokenSource};
use crate::home::{self, Home};
use crate::printer::{Printer, Verbosity};
use crate::registries::Registries;

pub mod cache;
pub mod completions;
pub mod import;
pub mod info;
pub mod init;
pub mod install;
pub mod list;
pub mod login;
pub mod logout;
pub mod mirror;
pub mod need;
pub mod new;
pub mod outdated;
pub mod owner;
pub mod package;
pub mod publish;
pub mod run;
pub mod search;
pub mod token;
pub mod trusted_publisher;
pub mod uninstall;
pub mod update;
pub mod upgrade;
pub mod yank;

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
    /// Move the project's osops.lock to the newest versions its requirements allow, and install
    #[command(after_help = update::EXAMPLES)]
    Update(update::Args),
    /// Show the project's assets that have newer versions
    #[command(after_help = outdated::EXAMPLES)]
    Outdated(outdated::Args),
    /// Upgrade globally installed assets to the newest versions their requirements allow
    #[command(after_help = upgrade::EXAMPLES)]
    Upgrade(upgrade::Args),
    /// Show or empty the download cache
    #[command(after_help = cache::EXAMPLES)]
    Cache(cache::Args),
    /// Mark a published version as yanked: kept for lockfiles, skipped by new installs
    #[command(after_help = yank::EXAMPLES)]
    Yank(yank::Args),
    /// List, add or remove the owners of an asset (users and teams)
    #[command(after_help = owner::EXAMPLES)]
    Owner(owner::Args),
    /// Save an API token for the registry (read from stdin) in the user's config
    #[command(after_help = login::EXAMPLES)]
    Login(login::Args),
    /// Remove the API token saved for the registry
    #[command(after_help = logout::EXAMPLES)]
    Logout(logout::Args),
    /// Create, list and revoke API tokens (scoped, expiring)
    #[command(after_help = token::EXAMPLES)]
    Token(token::Args),
    /// Let CI jobs publish an asset without a token: the identities trusted to publish it
    #[command(after_help = trusted_publisher::EXAMPLES)]
    TrustedPublisher(trusted_publisher::Args),
    /// The needs catalog: operators' problems, their votes, and the assets that answer them
    #[command(after_help = need::EXAMPLES)]
    Need(need::Args),
    /// Run an installed asset's command or playbook
    #[command(after_help = run::EXAMPLES)]
    Run(run::Args),
    /// Propose assets for an old repository of scripts, playbooks and checks (manifests go into
    /// an overlay; the repository is only read)
    #[command(after_help = import::EXAMPLES)]
    Import(import::Args),
    /// Copy a registry (or part of it) into a directory any web server can serve, or that
    /// osops reads as `file:///DIR`, for air-gapped clouds
    #[command(after_help = mirror::EXAMPLES)]
    Mirror(mirror::Args),
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
        Command::Update(args) => update::exec(args, ctx),
        Command::Outdated(args) => outdated::exec(args, ctx),
        Command::Upgrade(args) => upgrade::exec(args, ctx),
        Command::Cache(args) => cache::exec(args, ctx),
        Command::Yank(args) => yank::exec(args, ctx),
        Command::Owner(args) => owner::exec(args, ctx),
        Command::Login(args) => login::exec(args, ctx),
        Command::Logout(args) => logout::exec(args, ctx),
        Command::Token(args) => token::exec(args, ctx),
        Command::TrustedPublisher(args) => trusted_publisher::exec(args, ctx),
        Command::Need(args) => need::exec(args, ctx),
        Command::Run(args) => run::exec(args, ctx),
        Command::Import(args) => import::exec(args, ctx),
        Command::Mirror(args) => mirror::exec(args, ctx),
        Command::Completions(args) => completions::exec(args, ctx),
    }
}

/// What every command may need: the global arguments and the printer.
pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
    /// The token for [`Context::registry`], once looked up.
    token: OnceCell<Option<Token>>,
    /// The configured registries, once read.
    registries: OnceCell<Registries>,
    /// Whether the config file was already warned about (unreadable, or readable by others).
    warned_config: Cell<bool>,
    warned_mode: Cell<bool>,
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
            token: OnceCell::new(),
            registries: OnceCell::new(),
            warned_config: Cell::new(false),
            warned_mode: Cell::new(false),
        }
    }

    /// The configured registries: the config file, read once. A config file that cannot be read
    /// is warned about and treated as empty, as [`Context::token`] does, so commands that name
    /// no registry still work.
    pub fn registries(&self) -> &Registries {
        self.registries.get_or_init(|| {
            let file = ConfigFile::from_env().ok();
            Registries::load(file.as_ref()).unwrap_or_else(|e| {
                self.warn_config(&e);
                Registries::default()
            })
        })
    }

    /// The URL the user chose with `--registry` / `OSOPS_REGISTRY` (a name resolved), if they
    /// chose one.
    pub fn chosen_registry(&self) -> Result<Option<String>, config::Error> {
        self.global
            .registry
            .as_deref()
            .map(str::trim)
            .filter(|chosen| !chosen.is_empty())
            .map(|chosen| self.registries().resolve(chosen))
            .transpose()
    }

    /// The registry a command talks to: the chosen one, else the default.
    pub fn registry(&self) -> Result<String, config::Error> {
        Ok(self
            .chosen_registry()?
            .unwrap_or_else(|| self.registries().default_url().to_owned()))
    }

    /// A client for [`Context::registry`], with the token [`Context::token`] finds.
    pub fn client(&self) -> anyhow::Result<Client> {
        self.client_with(self.token().map(|t| t.secret))
    }

    /// A client for [`Context::registry`], with `token` (none, or one minted for this command).
    pub fn client_with(&self, token: Option<String>) -> anyhow::Result<Client> {
        let registry = self.registry()?;
        Ok(Client::new(&registry, token, self.http_settings())?)
    }

    /// A client for `url`, with the token for that URL: [`Context::token`] (so `--token` or
    /// `OSOPS_TOKEN`, if given) when `url` is [`Context::registry`], else only the token saved in
    /// the config file for that URL. A token given for one registry never goes to another.
    pub fn client_for(&self, url: &str) -> anyhow::Result<Client> {
        let url = config::registry_key(url)?;
        let token = if self.registry().is_ok_and(|registry| registry == url) {
            self.token()
        } else {
            self.lookup_token(None, None, &url)
        };
        Ok(Client::new(
            &url,
            token.map(|t| t.secret),
            self.http_settings(),
        )?)
    }

    fn http_settings(&self) -> client::Settings {
        client::Settings {
            total_timeout: Duration::from_secs(self.global.http_timeout.max(1)),
            retries: self.global.http_retries,
            ..client::Settings::default()
        }
    }

    /// The token for [`Context::registry`]: `--token`, else `OSOPS_TOKEN`, else the one saved
    /// by `osops login` (see [`config::resolve_token`]). Looked up once; `--verbose` says where it
    /// came from. A config file others may read is warned about; one that cannot be read is
    /// warned about and skipped, so commands that need no token (search, install) still work and
    /// those that do fail with "needs an API token" after the warning that explains why.
    pub fn token(&self) -> Option<Token> {
        self.token.get_or_init(|| self.find_token()).clone()
    }

    fn find_token(&self) -> Option<Token> {
        let env = std::env::var("OSOPS_TOKEN").ok();
        // A registry that cannot be resolved has no saved token; using it fails with the reason.
        let registry = self.registry().unwrap_or_default();
        self.lookup_token(self.global.token.as_deref(), env.as_deref(), &registry)
    }

    /// [`config::resolve_token`] for `registry`, with the warnings and notes that go with it.
    fn lookup_token(&self, flag: Option<&str>, env: Option<&str>, registry: &str) -> Option<Token> {
        let file = ConfigFile::from_env().ok();
        let token = match config::resolve_token(flag, env, file.as_ref(), registry) {
            Ok(token) => token,
            Err(e) => {
                self.warn_config(&e);
                return None;
            }
        };
        match &token {
            Some(Token {
                source: TokenSource::Config(path),
                ..
            }) => {
                self.printer.detail(
                    "Using",
                    format_args!(
                        "the token saved for {} in `{}`",
                        self.registries().label(registry),
                        path.display()
                    ),
                );
                if let Some(mode) = file.as_ref().and_then(ConfigFile::loose_mode)
                    && !self.warned_mode.replace(true)
                {
                    self.printer.warn(format_args!(
                        "`{}` holds API tokens but others may read it (mode {mode:03o}); run `chmod 600 {}`",
                        path.display(),
                        path.display()
                    ));
                }
            }
            Some(token) => self
                .printer
                .detail("Using", format_args!("the token from {}", token.source)),
            None => {}
        }
        token
    }

    /// Warns, once, that the config file is ignored.
    fn warn_config(&self, e: &config::Error) {
        if self.warned_config.replace(true) {
            return;
        }
        let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
        self.printer
            .warn(format_args!("ignoring the config file: {e}{hint}"));
    }

    /// The user's config file.
    pub fn config_file(&self) -> Result<ConfigFile, config::Error> {
        ConfigFile::from_env()
    }

    pub fn home(&self) -> Result<Home, home::Error> {
        Home::from_env()
    }
}

/// `1–20 of 45 assets; next: --page 2`: what part of a paged answer was shown, or `None` when it
/// was all of it. `per_page` is the registry's (0 when it did not say).
pub(crate) fn page_note(
    total: u64,
    shown: u64,
    page: Option<u32>,
    per_page: u64,
    noun: &str,
) -> Option<String> {
    if total == 0 || shown >= total {
        return None;
    }
    let page = u64::from(page.unwrap_or(1));
    let per_page = if per_page > 0 { per_page } else { shown.max(1) };
    let first = (page - 1) * per_page + 1;
    let more = if first + shown - 1 < total {
        format!("; next: --page {}", page + 1)
    } else {
        String::new()
    };
    Some(format!(
        "{}–{} of {total} {noun}{more}",
        first.min(total),
        (first + shown).saturating_sub(1),
    ))
}

#[cfg(test)]
mod tests {
    use super::page_note;

    #[test]
    fn page_notes_say_what_part_was_shown_and_what_comes_next() {
        assert_eq!(
            page_note(45, 20, None, 20, "needs").as_deref(),
            Some("1–20 of 45 needs; next: --page 2")
        );
        assert_eq!(
            page_note(45, 5, Some(3), 20, "assets").as_deref(),
            Some("41–45 of 45 assets")
        );
        assert_eq!(
            page_note(3, 3, None, 20, "needs"),
            None,
            "everything was shown"
        );
        assert_eq!(page_note(0, 0, None, 20, "needs"), None);
    }
}
