//! `osops trusted-publisher add|list|remove`: which CI identities may publish an asset with
//! `osops publish --trusted`, without a long-lived token.

use std::process::ExitCode;

use super::Context;
use super::install::canonical;
use super::owner::not_found;
use crate::UserError;
use crate::client::{Claims, TrustedPublisher};
use crate::printer::truncate;

pub const EXAMPLES: &str = "\
Examples:
  osops trusted-publisher add nova-tools --issuer https://token.actions.githubusercontent.com \\
      --claim repository=example/nova-tools --claim 'ref=refs/tags/v*'
  osops trusted-publisher add nova-tools --issuer https://gitlab.com \\
      --claim project_path=ops/nova-tools --claim ref_type=tag
  osops trusted-publisher list nova-tools
  osops trusted-publisher remove nova-tools 3

A rule names an issuer the registry trusts (its config lists them) and globs the identity token's
claims must match (`*` matches anything). A CI job whose token matches a rule of the asset may
exchange it for a 30-minute, publish-only token: `osops publish --trusted`. Trusted publishing
publishes new versions only; the first version is published with a token. Owners only, with a
token that has the `change-owners` scope. See docs/guides/publishing-from-ci.md.";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TrustedPublisherCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TrustedPublisherCommand {
    /// Trust an issuer's identities whose claims match, to publish an asset
    #[command(after_help = ADD_EXAMPLES)]
    Add(AddArgs),
    /// List an asset's trusted publishers
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Remove one of an asset's trusted publishers
    #[command(after_help = REMOVE_EXAMPLES)]
    Remove(RemoveArgs),
}

const ADD_EXAMPLES: &str = "\
Examples:
  osops trusted-publisher add nova-tools --issuer https://token.actions.githubusercontent.com \\
      --claim repository=example/nova-tools --claim 'ref=refs/tags/v*' \\
      --claim 'workflow_ref=example/nova-tools/.github/workflows/release.yml@*'
  osops trusted-publisher add nova-tools --issuer https://gitlab.com \\
      --claim project_path=ops/nova-tools --claim ref_type=tag

The first trusts tags of one GitHub repository, from one workflow; the second, tags of one GitLab
project. Every claim given must match the identity token's (globs: `*` matches anything).";

const LIST_EXAMPLES: &str = "\
Examples:
  osops trusted-publisher list nova-tools
  osops trusted-publisher list nova-tools --json | jq '.trusted_publishers[].claims'";

const REMOVE_EXAMPLES: &str = "\
Examples:
  osops trusted-publisher list nova-tools      # find the id
  osops trusted-publisher remove nova-tools 3";

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The asset's name
    pub name: String,
    /// The identity token's issuer (`iss`), as the registry's config lists it
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    /// A claim and the glob its value must match; repeat for several, all must match
    #[arg(long = "claim", value_name = "KEY=GLOB", required = true, value_parser = parse_claim)]
    pub claims: Vec<(String, String)>,
    /// Print the registry's answer as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The asset's name
    pub name: String,
    /// Print the registry's answer, `{\"trusted_publishers\": [...]}`, as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The asset's name
    pub name: String,
    /// The rule's id, as `osops trusted-publisher list` shows it
    #[arg(value_parser = parse_id)]
    pub id: String,
}

/// `KEY=GLOB`: a non-empty key of letters, digits, `_`, `-`, `.` and `:`, and a non-empty glob.
fn parse_claim(claim: &str) -> Result<(String, String), String> {
    let Some((key, glob)) = claim.split_once('=') else {
        return Err("a claim is `KEY=GLOB`, such as `repository=example/nova-tools`".into());
    };
    let key = key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
    {
        return Err(format!("`{key}` is not a claim name"));
    }
    if glob.is_empty() {
        return Err(format!(
            "`{key}` needs a value to match (use `{key}=*` for any)"
        ));
    }
    Ok((key.to_owned(), glob.to_owned()))
}

/// Ids go into a URL path: letters, digits and `-` only.
fn parse_id(id: &str) -> Result<String, String> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(id.to_owned())
    } else {
        Err("an id is letters, digits and `-`, as `osops trusted-publisher list` shows it".into())
    }
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        TrustedPublisherCommand::Add(args) => add(args, ctx),
        TrustedPublisherCommand::List(args) => list(args, ctx),
        TrustedPublisherCommand::Remove(args) => remove(args, ctx),
    }
}

fn add(args: AddArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = canonical(ctx, &args.name)?;
    let mut claims = Claims::new();
    for (key, glob) in args.claims {
        if claims.insert(key.clone(), glob).is_some() {
            return Err(UserError::new(
                format!("claim `{key}` is given twice"),
                "give each claim once; a rule's claims must all match",
            )
            .into());
        }
    }
    let client = ctx.client()?;
    let (added, raw) = client
        .add_trusted_publisher(&name, &args.issuer, &claims)
        .map_err(|e| not_found(e, &name, client.registry()))?;
    if args.json {
        ctx.printer.json(&raw)?;
    }
    let id = added.map(|p| format!(" (id {})", p.id)).unwrap_or_default();
    ctx.printer.status(
        "Added",
        format_args!(
            "trusted publisher{id} for {name}: {} with {}",
            args.issuer,
            describe_claims(&claims)
        ),
    );
    Ok(ExitCode::SUCCESS)
}

fn list(args: ListArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = canonical(ctx, &args.name)?;
    let client = ctx.client()?;
    let list = client
        .trusted_publishers(&name, &ctx.printer.reporter())
        .map_err(|e| not_found(e, &name, client.registry()))?;
    if args.json {
        ctx.printer.json(&list.raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.trusted_publishers.is_empty() {
        ctx.printer.note(format_args!(
            "{name} has no trusted publishers; add one with `osops trusted-publisher add {name} --issuer URL --claim KEY=GLOB`"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    for line in table(&list.trusted_publishers) {
        ctx.printer.data(line)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(args: RemoveArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = canonical(ctx, &args.name)?;
    let client = ctx.client()?;
    client
        .remove_trusted_publisher(&name, &args.id)
        .map_err(|e| {
            if e.is_not_found() {
                anyhow::Error::new(UserError::new(
                    format!(
                        "{name} has no trusted publisher {} at `{}`",
                        args.id,
                        client.registry()
                    ),
                    format!(
                        "see its trusted publishers with `osops trusted-publisher list {name}`"
                    ),
                ))
            } else {
                e.into()
            }
        })?;
    ctx.printer.status(
        "Removed",
        format_args!("trusted publisher {} from {name}", args.id),
    );
    Ok(ExitCode::SUCCESS)
}

/// `ref=refs/tags/*, repository=example/nova-tools`, sorted by claim.
fn describe_claims(claims: &Claims) -> String {
    claims
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A header, then one line per rule: id, issuer, claims, created (date, by whom).
pub fn table(publishers: &[TrustedPublisher]) -> Vec<String> {
    let mut rows = vec![["ID", "ISSUER", "CLAIMS", "CREATED"].map(str::to_owned)];
    for p in publishers {
        let date = p.created_at.get(..10).unwrap_or(&p.created_at);
        let created = match &p.created_by {
            Some(by) => format!("{date} by {by}"),
            None => date.to_owned(),
        };
        rows.push([
            p.id.to_string(),
            truncate(&p.issuer, 80),
            truncate(&describe_claims(&p.claims), 200),
            truncate(created.trim(), 80),
        ]);
    }
    crate::printer::align(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_key_equals_glob() {
        assert_eq!(
            parse_claim("ref=refs/tags/v*"),
            Ok(("ref".into(), "refs/tags/v*".into()))
        );
        // Only the first `=` splits: globs may hold one.
        assert_eq!(
            parse_claim("workflow_ref=a/b/.github/workflows/r.yml@refs/tags/x=y"),
            Ok((
                "workflow_ref".into(),
                "a/b/.github/workflows/r.yml@refs/tags/x=y".into()
            ))
        );
        for bad in ["repository", "=x", "repo sitory=x", "ref="] {
            assert!(parse_claim(bad).is_err(), "{bad}");
        }
        assert!(parse_id("3").is_ok());
        assert!(parse_id("../3").is_err());
    }

    #[test]
    fn the_table_lists_issuer_and_sorted_claims() {
        let publishers: Vec<TrustedPublisher> = serde_json::from_value(serde_json::json!([
            {"id": 3, "issuer": "https://gitlab.com",
             "claims": {"ref_type": "tag", "project_path": "ops/nova-tools"},
             "created_at": "2026-11-23T15:21:06Z", "created_by": "jane"},
            {"id": "b-12", "issuer": "https://token.actions.githubusercontent.com",
             "claims": {"repository": "example/nova-tools"}, "created_at": "2026-11-24T00:00:00Z"}
        ]))
        .expect("publishers");
        assert_eq!(
            table(&publishers),
            [
                "ID    ISSUER                                       CLAIMS                                     CREATED",
                "3     https://gitlab.com                           project_path=ops/nova-tools, ref_type=tag  2026-11-23 by jane",
                "b-12  https://token.actions.githubusercontent.com  repository=example/nova-tools              2026-11-24",
            ]
        );
    }
}
