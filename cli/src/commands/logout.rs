use std::process::ExitCode;

use super::Context;

pub const EXAMPLES: &str = "\
Examples:
  osops logout --registry https://osops.example.org

This removes the token from your config file only. The token itself stays valid until it expires
or is revoked: `osops token list`, then `osops token revoke ID`.";

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn exec(_args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let key = crate::config::registry_key(&ctx.global.registry)?;
    let file = ctx.config_file()?;
    if file.remove_token(&key)? {
        ctx.printer.status(
            "Removed",
            format_args!("the token for {key} from `{}`", file.path().display()),
        );
        ctx.printer
            .note("the token still works until it expires or is revoked (`osops token revoke ID`)");
    } else {
        ctx.printer.note(format_args!(
            "no token saved for {key} in `{}`",
            file.path().display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
