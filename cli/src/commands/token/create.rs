use std::process::ExitCode;

use super::super::Context;
use crate::client::{NewToken, SCOPES};

pub const EXAMPLES: &str = "\
Examples:
  osops token create ci-nova --scope publish-update --pattern 'nova-*' > token.txt
  osops token create laptop --scope publish-new --scope publish-update --scope yank
  osops token create ci --scope publish-update --json | jq -r .id

Only the new token goes to stdout (with --json: the registry's whole answer, token included);
everything else goes to stderr, so `> file` or a CI secret store captures exactly the token. This is
the only time the token is shown. A token can create tokens no wider than itself: its scopes, its
patterns, and always with an expiry (default 90 days).

Scopes: publish-new (new assets), publish-update (new versions of existing ones), yank,
change-owners (owners and trusted publishers), needs (file and update needs).";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A label, to tell the token apart in `osops token list`
    pub name: String,
    /// What the token may do; repeat for several
    #[arg(
        long = "scope",
        value_name = "SCOPE",
        required = true,
        value_parser = clap::builder::PossibleValuesParser::new(SCOPES)
    )]
    pub scopes: Vec<String>,
    /// Only for assets whose names match this glob (`nova-*`); repeat for several. Default: all
    /// the assets you own
    #[arg(long = "pattern", value_name = "GLOB")]
    pub patterns: Vec<String>,
    /// Days until the token expires (default: the registry's, 90)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub expires_in_days: Option<u32>,
    /// Print the registry's answer, token included, as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    let mut scopes = args.scopes;
    scopes.dedup();
    let new = NewToken {
        name: args.name,
        scopes,
        patterns: (!args.patterns.is_empty()).then_some(args.patterns),
        expires_in_days: args.expires_in_days,
    };
    let created = client.create_token(&new)?;
    if args.json {
        ctx.printer.json(&created.raw)?;
    } else {
        ctx.printer.data(&created.token)?;
    }
    let expires = created
        .expires_at
        .as_deref()
        .map_or_else(|| "never expires".to_owned(), |t| format!("expires {t}"));
    ctx.printer.status(
        "Created",
        format_args!(
            "token `{}` (id {}): scopes {}; assets {}; {expires}",
            created.name,
            created.id,
            created.scopes.join(", "),
            super::patterns(created.patterns.as_deref()),
        ),
    );
    ctx.printer.note(
        "this is the only time the token is shown: store it now (a CI secret, or `osops login`)",
    );
    Ok(ExitCode::SUCCESS)
}
