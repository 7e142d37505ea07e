use std::collections::BTreeSet;
use std::process::ExitCode;

use osops_index::AssetName;

use super::Context;
use crate::cache::Cache;
use crate::install::global::{self, Request};
use crate::install::project::Site;
use crate::install::{Applied, Engine, Options, Sources, Tree};
use crate::lockfile::Root;
use crate::project::Project;
use crate::resolve::Spec;

pub const EXAMPLES: &str = "\
Examples:
  osops install nova-evacuate-host            # the newest version, into $OSOPS_HOME
  osops install nova-evacuate-host@1.2        # the newest 1.x from 1.2 on (caret)
  osops install nova-evacuate-host@=1.2.0 galera-health@'>=2, <3'
  osops install                               # in a project: osops.toml → osops.lock → ./.osops/
  osops install --locked                      # in CI: fail if osops.lock would change
  osops install --frozen                      # air-gapped: the lock, from the cache only";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Assets to install into $OSOPS_HOME: NAME, or NAME@REQ with a version (`1.2.0`) or
    /// requirement (`^1`, `>=1, <2`). Without names: the project's dependencies, into ./.osops/
    #[arg(value_name = "NAME[@REQ]")]
    pub specs: Vec<String>,
    /// Reinstall the named assets (in a project: its direct dependencies) even if installed,
    /// take over commands other assets provide, replace an asset installed from another registry
    #[arg(long)]
    pub force: bool,
    /// Fail instead of changing osops.lock
    #[arg(long)]
    pub locked: bool,
    /// --locked and --offline
    #[arg(long)]
    pub frozen: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

/// Flags every command that installs shares.
#[derive(Debug, Clone, clap::Args)]
pub struct RunFlags {
    /// Use only the download cache; fail, naming what it lacks, instead of using the network
    #[arg(long)]
    pub offline: bool,
    /// Fail when a command an asset requires (`[requires] commands`) is not on PATH
    #[arg(long)]
    pub strict: bool,
    /// How many downloads run at once
    #[arg(
        long,
        short = 'j',
        env = "OSOPS_JOBS",
        default_value_t = 8,
        value_name = "N"
    )]
    pub jobs: usize,
}

impl RunFlags {
    pub fn options(&self) -> Options {
        Options {
            offline: self.offline,
            strict: self.strict,
            ..Options::default()
        }
    }
}

/// The canonical form of a name typed by the user, with a note when it was folded.
pub(super) fn canonical(ctx: &Context, name: &str) -> anyhow::Result<AssetName> {
    let canonical = AssetName::canonical_form(name)?;
    if canonical.as_str() != name {
        ctx.printer.note(format_args!(
            "using the canonical name `{canonical}` for `{name}`"
        ));
    }
    Ok(canonical)
}

/// The registries a requirement may come from: the one it names, else the one chosen for the
/// run, else every configured registry (asked, and refused if several serve it).
pub(super) fn sources_for(ctx: &Context, registry: Option<&str>) -> anyhow::Result<Vec<String>> {
    Ok(match registry {
        Some(registry) => vec![ctx.registries().resolve(registry)?],
        None => match ctx.chosen_registry()? {
            Some(url) => vec![url],
            None => ctx.registries().candidates(),
        },
    })
}

/// An engine with a client for each of `registries`.
pub(super) fn engine<'c>(
    ctx: &'c Context,
    registries: impl IntoIterator<Item = String>,
    flags: &RunFlags,
    options: Options,
) -> anyhow::Result<Engine<'c>> {
    let mut clients = std::collections::BTreeMap::new();
    for url in registries.into_iter().collect::<BTreeSet<_>>() {
        let client = ctx.client_for(&url)?;
        clients.insert(url, client);
    }
    Ok(Engine {
        sources: Sources::new(clients, Cache::from_env()?, options.offline, flags.jobs),
        options,
        printer: &ctx.printer,
    })
}

/// The project in the current directory (or above), with its requirements' registries.
pub(super) fn site<'p>(ctx: &Context, project: &'p Project) -> anyhow::Result<Site<'p>> {
    let roots = project
        .dependencies
        .iter()
        .map(|dep| {
            Ok(Root {
                name: dep.name.clone(),
                req: dep.req.clone(),
                sources: sources_for(ctx, dep.registry.as_deref())?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Site { project, roots })
}

/// Every registry a project run may use: its requirements' and its lock's.
pub(super) fn site_registries(site: &Site<'_>) -> anyhow::Result<BTreeSet<String>> {
    let mut urls: BTreeSet<String> = site.roots.iter().flat_map(|r| r.sources.clone()).collect();
    if let Some(lock) = crate::lockfile::Lockfile::read(&site.project.lock_path())? {
        urls.extend(lock.assets().map(|l| l.source.clone()));
    }
    Ok(urls)
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let mut options = args.run.options();
    options.force = args.force;
    options.locked = args.locked || args.frozen;
    options.offline |= args.frozen;
    if args.specs.is_empty() {
        let project = Project::find(&std::env::current_dir()?)?;
        let site = site(ctx, &project)?;
        let engine = engine(ctx, site_registries(&site)?, &args.run, options)?;
        let applied = site.install(&engine)?;
        report(ctx, &applied, None);
        return Ok(ExitCode::SUCCESS);
    }
    if args.locked || args.frozen {
        anyhow::bail!(crate::UserError::new(
            "--locked and --frozen apply to a project's osops.lock, not to named assets",
            "run `osops install --locked` without names, in the project's directory",
        ));
    }
    let mut requests = Vec::new();
    for spec in &args.specs {
        let spec = Spec::parse(spec)?;
        if let Some(typed) = &spec.folded_from {
            ctx.printer.note(format_args!(
                "using the canonical name `{}` for `{typed}`",
                spec.name
            ));
        }
        requests.push(Request {
            spec,
            sources: sources_for(ctx, None)?,
        });
    }
    let home = ctx.home()?;
    let tree = Tree::open(home, &ctx.printer)?;
    let mut registries: BTreeSet<String> =
        requests.iter().flat_map(|r| r.sources.clone()).collect();
    registries.extend(tree.home.receipts()?.into_iter().map(|r| r.registry));
    let engine = engine(ctx, registries, &args.run, options)?;
    let applied = global::install(&engine, &tree, &requests)?;
    let named: Vec<&AssetName> = requests.iter().map(|r| &r.spec.name).collect();
    report(ctx, &applied, Some(&named));
    Ok(ExitCode::SUCCESS)
}

/// What a run did, cargo-style. `named`: the assets asked for by name (global installs), told
/// apart when they were already there.
pub(super) fn report(ctx: &Context, applied: &Applied, named: Option<&[&AssetName]>) {
    let printer = &ctx.printer;
    for done in &applied.installed {
        let what = match (done.bins.is_empty(), &done.playbook) {
            (false, _) => format!(" (bins: {})", done.bins.join(", ")),
            (true, Some(playbook)) => {
                format!(
                    " (playbook: {playbook}; run it with `osops run {}`)",
                    done.name
                )
            }
            (true, None) => String::new(),
        };
        let replaced = done
            .replaced
            .as_ref()
            .map(|v| format!(", replacing v{v}"))
            .unwrap_or_default();
        let dependency = if done.dependency && named.is_some() {
            " as a dependency"
        } else {
            ""
        };
        printer.status(
            "Installed",
            format_args!(
                "{} v{}{what}{replaced}{dependency}",
                done.name, done.version
            ),
        );
    }
    for (name, version) in &applied.removed {
        printer.status("Removed", format_args!("{name} v{version}"));
    }
    match named {
        Some(named) => {
            for (name, version) in &applied.unchanged {
                if named.contains(&name) {
                    printer.say(format_args!("{name} v{version} is already installed"));
                }
            }
        }
        None if applied.installed.is_empty() && applied.removed.is_empty() => {
            printer.status(
                "Finished",
                format_args!(
                    "{} asset(s) already installed as locked",
                    applied.unchanged.len()
                ),
            );
        }
        None => {}
    }
    if named.is_some() && applied.installed.iter().any(|d| !d.bins.is_empty()) {
        path_hint(ctx);
    }
}

/// Says how to put `$OSOPS_HOME/bin` on PATH when it is not there.
fn path_hint(ctx: &Context) {
    let Ok(home) = ctx.home() else { return };
    let bin_dir = home.bin_dir();
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|p| p == bin_dir));
    if !on_path {
        ctx.printer.hint(format_args!(
            "`{0}` is not on your PATH; add it, e.g. `export PATH=\"{0}:$PATH\"`",
            bin_dir.display()
        ));
    }
}
