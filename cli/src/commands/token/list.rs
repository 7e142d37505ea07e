use std::process::ExitCode;
use std::time::SystemTime;

use super::super::Context;
use super::{day, patterns};
use crate::client::TokenInfo;
use crate::printer::truncate;

pub const EXAMPLES: &str = "\
Examples:
  osops token list
  osops token list --json | jq -r '.tokens[] | select(.revoked | not) | .id'

Columns: id, name, scopes, patterns (`any`: every asset you own), expiry date, last use, and state:
active, expired or revoked, plus `trusted` for tokens minted by trusted publishing.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the registry's answer, `{\"tokens\": [...]}`, as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    let list = client.list_tokens(&ctx.printer.reporter())?;
    if args.json {
        ctx.printer.json(&list.raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.tokens.is_empty() {
        ctx.printer.note("you have no tokens");
        return Ok(ExitCode::SUCCESS);
    }
    for line in table(&list.tokens, SystemTime::now()) {
        ctx.printer.data(line)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `active`, `expired` or `revoked`, then `,trusted` for a trusted-publishing token.
pub fn state(token: &TokenInfo, now: SystemTime) -> String {
    let expired = token
        .expires_at
        .as_deref()
        .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
        .is_some_and(|at| at <= now);
    let mut state = if token.revoked {
        "revoked"
    } else if expired {
        "expired"
    } else {
        "active"
    }
    .to_owned();
    if token
        .trusted_publisher
        .as_ref()
        .is_some_and(|t| !t.is_null())
    {
        state.push_str(",trusted");
    }
    state
}

/// A header, then one aligned line per token.
pub fn table(tokens: &[TokenInfo], now: SystemTime) -> Vec<String> {
    let header = [
        "ID",
        "NAME",
        "SCOPES",
        "PATTERNS",
        "EXPIRES",
        "LAST USED",
        "STATE",
    ]
    .map(str::to_owned);
    let mut rows = vec![header];
    for token in tokens {
        rows.push([
            token.id.to_string(),
            truncate(&token.name, 40),
            token.scopes.join(","),
            truncate(&patterns(token.patterns.as_deref()).replace(", ", ","), 40),
            token.expires_at.as_deref().map_or("never", day).to_owned(),
            token
                .last_used_at
                .as_deref()
                .map_or("never", day)
                .to_owned(),
            state(token, now),
        ]);
    }
    crate::printer::align(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(json: serde_json::Value) -> TokenInfo {
        serde_json::from_value(json).expect("token info")
    }

    #[test]
    fn the_table_shows_scopes_patterns_dates_and_state() {
        let now = humantime::parse_rfc3339("2026-12-01T00:00:00Z").expect("now");
        let tokens = [
            token(
                serde_json::json!({"id": 7, "name": "ci-nova", "scopes": ["publish-update"],
                "patterns": ["nova-*", "glance-*"], "created_at": "2026-11-01T00:00:00Z",
                "expires_at": "2027-02-21T10:00:00Z", "last_used_at": null, "revoked": false,
                "trusted_publisher": null}),
            ),
            token(serde_json::json!({"id": 12, "name": "laptop",
                "scopes": ["publish-new", "yank"], "patterns": null,
                "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-04-01T00:00:00Z",
                "last_used_at": "2026-03-30T08:00:00Z", "revoked": false})),
            token(
                serde_json::json!({"id": 13, "name": "gone", "scopes": ["needs"],
                "patterns": [], "created_at": "2026-01-01T00:00:00Z", "expires_at": null,
                "last_used_at": null, "revoked": true, "trusted_publisher": null}),
            ),
            token(
                serde_json::json!({"id": 14, "name": "gitlab", "scopes": ["publish-update"],
                "patterns": ["nova-tools"], "created_at": "2026-12-01T00:00:00Z",
                "expires_at": "2026-12-01T00:30:00Z", "last_used_at": "2026-12-01T00:01:00Z",
                "revoked": false,
                "trusted_publisher": {"issuer": "https://gitlab.com", "id": 3}}),
            ),
        ];
        let lines = table(&tokens, now);
        assert_eq!(
            lines,
            [
                "ID  NAME     SCOPES            PATTERNS         EXPIRES     LAST USED   STATE",
                "7   ci-nova  publish-update    nova-*,glance-*  2027-02-21  never       active",
                "12  laptop   publish-new,yank  any              2026-04-01  2026-03-30  expired",
                "13  gone     needs             any              never       never       revoked",
                "14  gitlab   publish-update    nova-tools       2026-12-01  2026-12-01  active,trusted",
            ]
        );
    }
}
