use std::ffi::OsString;
use std::process::ExitCode;

use super::Context;
use crate::runner;

pub const EXAMPLES: &str = "\
Examples:
  osops run nova-evacuate-host -- --host compute-07 --dry-run
  osops run ops-toolbox --bin find-orphan-ports
  osops run rotate-fernet-keys -- -i inventory.ini     # a playbook: ansible-playbook site.yml …

Inside a project (an osops.toml with [project]), assets run from its ./.osops/; elsewhere from
$OSOPS_HOME. The environment passes through (OS_CLOUD, OS_*), with OSOPS_ASSET_DIR set to the
asset's directory and the tree's bin/ first on PATH.";

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
    // Inside a project, its own `.osops/`; elsewhere `$OSOPS_HOME`.
    let home = match crate::project::Project::discover(&std::env::current_dir()?) {
        Some(project) if project.install_dir().join("receipts").is_dir() => {
            crate::home::Home::at(project.install_dir())
        }
        _ => ctx.home()?,
    };
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
