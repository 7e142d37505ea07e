use std::ffi::OsString;
use std::process::ExitCode;

use super::Context;
use crate::runner;

pub const EXAMPLES: &str = "\
Examples:
  osops run nova-evacuate-host -- --host compute-07 --dry-run
  osops run ops-toolbox --bin find-orphan-ports
  osops run rotate-fernet-keys -- -i inventory.ini     # a playbook: ansible-playbook site.yml …";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The installed asset
    pub name: String,
    /// Which of the asset's commands to run, when it has several
    #[arg(long, value_name = "CMD")]
    pub bin: Option<String>,
    /// Arguments for the command (after `--`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = super::install::canonical(ctx, &args.name)?;
    let home = ctx.home()?;
    let target = runner::target(&home, &name, args.bin.as_deref())?;
    let shown: Vec<String> = std::iter::once(target.program.as_os_str())
        .chain(target.args.iter().map(OsString::as_os_str))
        .chain(args.args.iter().map(OsString::as_os_str))
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    ctx.printer
        .status("Running", format_args!("`{}`", shown.join(" ")));
    Ok(runner::run(&target, &args.args)?)
}
