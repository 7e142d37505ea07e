use std::process::ExitCode;

use super::super::Context;
use crate::UserError;

pub const EXAMPLES: &str = "\
Examples:
  osops token list          # find the id
  osops token revoke 7";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The token's id, as `osops token list` shows it
    pub id: u64,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    client.revoke_token(args.id).map_err(|e| {
        if e.is_not_found() {
            anyhow::Error::new(UserError::new(
                format!(
                    "you have no token with id {} at `{}`",
                    args.id,
                    client.registry()
                ),
                "see your tokens with `osops token list`",
            ))
        } else {
            e.into()
        }
    })?;
    ctx.printer
        .status("Revoked", format_args!("token {}", args.id));
    Ok(ExitCode::SUCCESS)
}
