use std::process::ExitCode;

use super::Context;
use super::install::{RunFlags, canonical, engine, report, site, site_registries};
use crate::install::Options;
use crate::project::Project;
use osops_index::AssetName;

pub const EXAMPLES: &str = "\
Examples:
  osops update                      # every asset to the newest its requirements allow
  osops update galera-health        # only that one (and what it needs)
  osops update --dry-run            # show what would change";

/// The arguments of `osops update` (a project) and `osops upgrade` (the global tree).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Assets to move; the others keep their versions where they can
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Show what would change; change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

impl Args {
    /// The names, canonical, and the run's options.
    pub(super) fn parse(&self, ctx: &Context) -> anyhow::Result<(Vec<AssetName>, Options)> {
        let names = self
            .names
            .iter()
            .map(|n| canonical(ctx, n))
            .collect::<anyhow::Result<_>>()?;
        let mut options = self.run.options();
        options.dry_run = self.dry_run;
        Ok((names, options))
    }
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let (names, options) = args.parse(ctx)?;
    let project = Project::find(&std::env::current_dir()?)?;
    let site = site(ctx, &project)?;
    let engine = engine(ctx, site_registries(&site)?, &args.run, options)?;
    let (old, new, applied) = site.update(&engine, &names)?;
    if old.changes(&new).is_empty() {
        ctx.printer.status(
            "Locking",
            "nothing to update: osops.lock is already the newest",
        );
    }
    match applied {
        Some(applied) => report(ctx, &applied, None),
        None => ctx
            .printer
            .note("dry run: osops.lock and ./.osops were not changed"),
    }
    Ok(ExitCode::SUCCESS)
}
