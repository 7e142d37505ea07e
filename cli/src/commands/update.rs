use std::process::ExitCode;

use super::Context;
use super::install::{RunFlags, canonical, engine, report, site, site_registries};
use crate::project::Project;

pub const EXAMPLES: &str = "\
Examples:
  osops update                      # every asset to the newest its requirements allow
  osops update galera-health        # only that one (and what it needs)
  osops update --dry-run            # show what would change";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Assets to update; the others keep their locked versions where they can
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Show what would change in osops.lock; change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let names = args
        .names
        .iter()
        .map(|n| canonical(ctx, n))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let project = Project::find(&std::env::current_dir()?)?;
    let site = site(ctx, &project)?;
    let mut options = args.run.options();
    options.dry_run = args.dry_run;
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
