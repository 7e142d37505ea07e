use std::process::ExitCode;

use super::Context;
use crate::install::{Tree, global};

pub const EXAMPLES: &str = "\
Examples:
  osops uninstall nova-evacuate-host";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The assets to remove, with their commands in $OSOPS_HOME/bin, and the dependencies
    /// nothing else needs
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let names = args
        .names
        .iter()
        .map(|n| super::install::canonical(ctx, n))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let tree = Tree::open(ctx.home()?, &ctx.printer)?;
    for (name, version) in global::uninstall(&tree, &names)? {
        match version {
            Some(version) => ctx
                .printer
                .status("Removed", format_args!("{name} v{version}")),
            None => ctx.printer.status(
                "Removed",
                format_args!("the leftovers of an interrupted install of {name}"),
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
