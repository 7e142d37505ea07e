use std::process::ExitCode;

use super::Context;
use super::install::{engine, report};
use crate::install::{Tree, global};

pub const EXAMPLES: &str = "\
Examples:
  osops upgrade                     # every installed asset, within the requirement it was installed with
  osops upgrade nova-evacuate-host
  osops upgrade --dry-run";

pub use super::update::Args;

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let (names, options) = args.parse(ctx)?;
    let tree = Tree::open(ctx.home()?, &ctx.printer)?;
    let registries = tree.home.receipts()?.into_iter().map(|r| r.registry);
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
