use std::process::ExitCode;

use super::Context;

pub const EXAMPLES: &str = "\
Examples:
  osops logout --registry internal
  osops logout --registry https://osops.example.org

This removes every token saved for that registry from your config file (a named registry keeps its
`url`), and only from there. The token itself stays valid until it expires or is revoked: `osops
token list`, then `osops token revoke ID`.";

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn exec(_args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let url = ctx.registry()?;
    let label = ctx.registries().label(&url);
    let file = ctx.config_file()?;
    if file.remove_token(&url)? {
        ctx.printer.status(
            "Removed",
            format_args!("the token for {label} from `{}`", file.path().display()),
        );
        ctx.printer
            .note("the token still works until it expires or is revoked (`osops token revoke ID`)");
    } else {
        ctx.printer.note(format_args!(
            "no token saved for {label} in `{}`",
            file.path().display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
