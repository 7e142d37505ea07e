//! `osops need …`: the catalog of operator needs, and the assets that answer them.

use std::process::ExitCode;

use osops_index::AssetName;

use super::Context;
use crate::printer::plural;

pub mod import;
pub mod list;
pub mod new;
pub mod show;
pub mod vote;

pub const EXAMPLES: &str = "\
Examples:
  osops need list --unanswered
  osops need show drain-compute-host
  osops need new drain-compute-host --title 'Empty a compute host' --problem-file problem.md --service nova
  osops need vote drain-compute-host
  osops need import user-stories/ --dry-run";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: NeedCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum NeedCommand {
    /// List needs, most voted first
    #[command(after_help = list::EXAMPLES)]
    List(list::Args),
    /// Show a need, its votes, and the assets that answer it side by side
    #[command(after_help = show::EXAMPLES)]
    Show(show::Args),
    /// File a new need, from flags or a TOML need file
    #[command(after_help = new::EXAMPLES)]
    New(new::Args),
    /// Vote for a need (once per user), or take the vote back
    #[command(after_help = vote::EXAMPLES)]
    Vote(vote::Args),
    /// Import need documents: TOML need files and reStructuredText user stories
    #[command(after_help = import::EXAMPLES)]
    Import(import::Args),
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        NeedCommand::List(args) => list::exec(args, ctx),
        NeedCommand::Show(args) => show::exec(args, ctx),
        NeedCommand::New(args) => new::exec(args, ctx),
        NeedCommand::Vote(args) => vote::exec(args, ctx),
        NeedCommand::Import(args) => import::exec(args, ctx),
    }
}

/// The canonical form of a need id typed by the user, with a note when it was folded.
fn canonical_id(ctx: &Context, id: &str) -> anyhow::Result<AssetName> {
    let canonical = AssetName::canonical_form(id)?;
    if canonical.as_str() != id {
        ctx.printer.note(format_args!(
            "using the canonical id `{canonical}` for `{id}`"
        ));
    }
    Ok(canonical)
}

/// A 404 for a need, said as a person would, with the commands that help.
fn not_found(client: &crate::client::Client, id: &AssetName) -> anyhow::Error {
    anyhow::Error::new(crate::UserError::new(
        format!("no need `{id}` in the registry at `{}`", client.registry()),
        format!(
            "look for it with `osops need list {}`, or file it with `osops need new {id}`",
            id.as_str().replace('-', " ")
        ),
    ))
}
