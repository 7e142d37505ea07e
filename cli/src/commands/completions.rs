use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Context;

pub const EXAMPLES: &str = "\
Examples:
  osops completions bash > ~/.local/share/bash-completion/completions/osops
  osops completions zsh > \"${fpath[1]}/_osops\"
  osops completions fish > ~/.config/fish/completions/osops.fish";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for
    pub shell: Shell,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    // Into memory first: `generate` panics on a write error, and stdout may be a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut crate::Cli::command(), "osops", &mut script);
    ctx.printer.data_bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}
