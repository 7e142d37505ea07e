//! `osops token …`: API tokens, scoped to actions and asset names, and expiring.

use std::process::ExitCode;

use super::Context;

pub mod create;
pub mod list;
pub mod revoke;

pub const EXAMPLES: &str = "\
Examples:
  osops token create ci-nova --scope publish-update --pattern 'nova-*' --expires-in-days 30
  osops token list
  osops token revoke 7";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token no wider than the one in use; prints only the new token on stdout
    #[command(after_help = create::EXAMPLES)]
    Create(create::Args),
    /// List your tokens (never the tokens themselves)
    #[command(after_help = list::EXAMPLES)]
    List(list::Args),
    /// Revoke one of your tokens, at once and for good
    #[command(after_help = revoke::EXAMPLES)]
    Revoke(revoke::Args),
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        TokenCommand::Create(args) => create::exec(args, ctx),
        TokenCommand::List(args) => list::exec(args, ctx),
        TokenCommand::Revoke(args) => revoke::exec(args, ctx),
    }
}

/// `2027-02-21` from `2027-02-21T10:00:00Z`.
fn day(timestamp: &str) -> &str {
    timestamp.get(..10).unwrap_or(timestamp)
}

/// `nova-*, glance-*`, or `any` when the token is not limited to some names.
fn patterns(patterns: Option<&[String]>) -> String {
    match patterns {
        Some(p) if !p.is_empty() => p.join(", "),
        _ => "any".into(),
    }
}
