//! `osops owner list|add|remove`: who may publish new versions of an asset, yank them, and
//! change its owners.

use std::process::ExitCode;

use super::Context;
use super::install::canonical;
use crate::UserError;
use crate::client::Owners;

pub const EXAMPLES: &str = "\
Examples:
  osops owner list nova-evacuate-host
  osops owner add nova-evacuate-host bob team:nova-core
  osops owner remove nova-evacuate-host bob

Owners are users (`bob`) or teams (`team:nova-core`, whose members all count). Only owners
publish new versions, yank, or change owners; adding and removing needs a token with the
`change-owners` scope. The last owner cannot be removed.";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: OwnerCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum OwnerCommand {
    /// List an asset's owners, one per line
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Add users or teams to an asset's owners
    #[command(after_help = ADD_EXAMPLES)]
    Add(ChangeArgs),
    /// Remove users or teams from an asset's owners
    #[command(after_help = REMOVE_EXAMPLES)]
    Remove(ChangeArgs),
}

const LIST_EXAMPLES: &str = "\
Examples:
  osops owner list nova-evacuate-host
  osops owner list nova-evacuate-host --json | jq -r '.owners[].name'";

const ADD_EXAMPLES: &str = "\
Examples:
  osops owner add nova-evacuate-host bob
  osops owner add nova-evacuate-host team:nova-core alice";

const REMOVE_EXAMPLES: &str = "\
Examples:
  osops owner remove nova-evacuate-host bob team:nova-core";

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The asset's name
    pub name: String,
    /// Print the registry's answer, `{\"owners\": [{\"kind\", \"name\"}]}`, as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ChangeArgs {
    /// The asset's name
    pub name: String,
    /// Users (`bob`) and teams (`team:nova-core`)
    #[arg(required = true, value_name = "USER|team:TEAM", value_parser = parse_owner)]
    pub owners: Vec<String>,
}

/// A user name or `team:NAME`: not empty, no spaces or control characters.
fn parse_owner(owner: &str) -> Result<String, String> {
    let name = owner.strip_prefix("team:").unwrap_or(owner);
    if name.is_empty() {
        return Err("an owner is a user name or `team:NAME`".into());
    }
    if let Some(c) = owner
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '/')
    {
        return Err(format!("`{c}` cannot be in an owner's name"));
    }
    Ok(owner.to_owned())
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        OwnerCommand::List(args) => list(args, ctx),
        OwnerCommand::Add(args) => change(args, ctx, true),
        OwnerCommand::Remove(args) => change(args, ctx, false),
    }
}

fn list(args: ListArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = canonical(ctx, &args.name)?;
    let client = ctx.client()?;
    let owners = client
        .owners(&name, &ctx.printer.reporter())
        .map_err(|e| not_found(e, &name, client.registry()))?;
    if args.json {
        ctx.printer.json(&owners.raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    for owner in &owners.owners {
        ctx.printer.data(owner)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn change(args: ChangeArgs, ctx: &Context, add: bool) -> anyhow::Result<ExitCode> {
    let name = canonical(ctx, &args.name)?;
    let client = ctx.client()?;
    let answer = if add {
        client.add_owners(&name, &args.owners)
    } else {
        client.remove_owners(&name, &args.owners)
    };
    let owners = answer.map_err(|e| not_found(e, &name, client.registry()))?;
    let who = args
        .owners
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if add {
        ctx.printer
            .status("Added", format_args!("{who} to the owners of {name}"));
    } else {
        ctx.printer
            .status("Removed", format_args!("{who} from the owners of {name}"));
    }
    if let Some(Owners { owners, .. }) = owners {
        let all: Vec<String> = owners.iter().map(ToString::to_string).collect();
        ctx.printer
            .note(format_args!("owners of {name}: {}", all.join(", ")));
    }
    Ok(ExitCode::SUCCESS)
}

/// A 404 about the asset said as a person would; other errors as they are.
pub(super) fn not_found(
    e: crate::client::Error,
    name: &osops_index::AssetName,
    registry: &str,
) -> anyhow::Error {
    if e.is_not_found() {
        anyhow::Error::new(UserError::new(
            format!("no asset named `{name}` in the registry at `{registry}`"),
            format!("look for it with `osops search {name}`"),
        ))
    } else {
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_owner;

    #[test]
    fn owners_are_users_or_teams() {
        assert_eq!(parse_owner("bob").as_deref(), Ok("bob"));
        assert_eq!(
            parse_owner("team:nova-core").as_deref(),
            Ok("team:nova-core")
        );
        for bad in ["", "team:", "bo b", "team:a/b", "x\n"] {
            assert!(parse_owner(bad).is_err(), "{bad:?}");
        }
    }
}
