use std::process::ExitCode;

use super::Context;
use super::install::{RunFlags, engine};
use crate::install::{Tree, global};

pub const EXAMPLES: &str = "\
Examples:
  osops list
  osops list --outdated
  osops list --json | jq -r '.[] | \"\\(.name)@\\(.version)\"'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `[{\"name\", \"version\", \"dependency\"}, …]` as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Show only assets with newer versions: the newest their requirements allow, and the newest
    /// published
    #[arg(long)]
    pub outdated: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(serde::Serialize)]
struct Installed {
    name: String,
    version: String,
    /// Installed only because another asset needs it.
    dependency: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if args.outdated {
        let tree = Tree::open(ctx.home()?, &ctx.printer)?;
        let registries = tree.home.receipts()?.into_iter().map(|r| r.registry);
        let engine = engine(ctx, registries, &args.run, args.run.options())?;
        let rows = global::outdated(&engine, &tree)?;
        super::outdated::print(ctx, &rows, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let receipts = ctx.home()?.receipts()?;
    let installed: Vec<Installed> = receipts
        .iter()
        .map(|r| Installed {
            name: r.name.to_string(),
            version: r.version.to_string(),
            dependency: !r.requested,
        })
        .collect();
    if args.json {
        ctx.printer.json(&installed)?;
    } else if installed.is_empty() {
        ctx.printer.note("no assets are installed");
    } else {
        for asset in &installed {
            let note = if asset.dependency {
                " (dependency)"
            } else {
                ""
            };
            ctx.printer
                .data(format_args!("{} {}{note}", asset.name, asset.version))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
