use std::process::ExitCode;

use super::{Context, canonical_id, not_found, plural};

pub const EXAMPLES: &str = "\
Examples:
  osops need vote drain-compute-host
  osops need vote drain-compute-host --retract";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The need's id
    pub id: String,
    /// Take your vote back
    #[arg(long)]
    pub retract: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let id = canonical_id(ctx, &args.id)?;
    let client = ctx.client()?;
    let answer = if args.retract {
        client.unvote(&id)
    } else {
        client.vote(&id)
    };
    let vote = answer.map_err(|e| {
        if e.is_not_found() {
            not_found(&client, &id)
        } else {
            e.into()
        }
    })?;
    let votes = plural(vote.votes, "vote", "votes");
    if args.retract {
        ctx.printer
            .status("Retracted", format_args!("vote for {} ({votes})", vote.id));
    } else {
        ctx.printer
            .status("Voted", format_args!("for {} ({votes})", vote.id));
    }
    Ok(ExitCode::SUCCESS)
}
