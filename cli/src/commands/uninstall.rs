use std::process::ExitCode;

use super::Context;

pub const EXAMPLES: &str = "\
Examples:
  osops uninstall nova-evacuate-host";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset to remove, with its commands in $OSOPS_HOME/bin
    pub name: String,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = super::install::canonical(ctx, &args.name)?;
    let home = ctx.home()?;
    match crate::install::uninstall(&home, &name)? {
        Some(version) => ctx
            .printer
            .status("Removed", format_args!("{name} v{version}")),
        None => ctx.printer.status(
            "Removed",
            format_args!("the leftovers of an interrupted install of {name}"),
        ),
    }
    Ok(ExitCode::SUCCESS)
}
