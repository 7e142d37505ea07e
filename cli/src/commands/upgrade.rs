use std::process::ExitCode;

use super::Context;
use super::install::{RunFlags, canonical, engine, report};
use crate::install::{Tree, global};

pub const EXAMPLES: &str = "\
Examples:
  osops upgrade                     # every installed asset, within the requirement it was installed with
  osops upgrade nova-evacuate-host
  osops upgrade --dry-run";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Assets to upgrade; the others keep their versions where they can
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Show what would change; change nothing
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
    let tree = Tree::open(ctx.home()?, &ctx.printer)?;
    let registries = tree.home.receipts()?.into_iter().map(|r| r.registry);
    let mut options = args.run.options();
    options.dry_run = args.dry_run;
    let engine = engine(ctx, registries, &args.run, options)?;
    let (old, new, applied) = global::upgrade(&engine, &tree, &names)?;
    if old.changes(&new).is_empty() {
        ctx.printer.status("Finished", "everything is up to date");
    }
    match applied {
        Some(applied) => report(ctx, &applied, None),
        None => ctx.printer.note("dry run: nothing was changed"),
    }
    Ok(ExitCode::SUCCESS)
}
