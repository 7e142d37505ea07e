use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::client;
use crate::exit::Exit;
use crate::import::{self, Options, publish, report};
use crate::printer::plural;

pub const EXAMPLES: &str = "\
Examples:
  osops import ~/src/old-ops-tools                 # manifests into ~/src/old-ops-tools-osops-import
  osops import old-ops-tools --out review/ --json  # the proposal as JSON
  osops import old-ops-tools --publish             # publish every asset that needs no human
  osops import old-ops-tools --in-place            # manifests into old-ops-tools/.osops-import
  osops import old-ops-tools --include-credentials examples/clouds.yaml

The repository is only read. Each tool gets an osops.toml in the overlay directory, at the tool's
path mirrored there; `osops-import.json` there remembers names, versions and file digests, so a
re-import of a later revision bumps the patch version of exactly the tools whose files changed.
Files that look like credentials (clouds.yaml with a password, openrc files, private keys, .env,
Terraform state) are left out of every asset unless named one by one with --include-credentials.
Assets flagged as needing a human (no license, no description, credentials left out, invalid
manifest) are never published; edit their manifest in the overlay and import again.
See docs/guides/importing.md.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to import (only read, never written)
    pub dir: PathBuf,
    /// The overlay directory for the manifests, outside DIR [default: DIR/../NAME-osops-import]
    #[arg(long, value_name = "OVERLAY", conflicts_with = "in_place")]
    pub out: Option<PathBuf>,
    /// Write the manifests into DIR/.osops-import/ instead, to commit them with the tools (no
    /// original file is written)
    #[arg(long)]
    pub in_place: bool,
    /// Publish every asset that needs no human, with the token for the registry
    #[arg(long)]
    pub publish: bool,
    /// Treat this file (a path relative to DIR that looks like credentials) as an ordinary file;
    /// repeatable
    #[arg(long, value_name = "PATH")]
    pub include_credentials: Vec<String>,
    /// Print the proposal (and the publish results) as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    // Without a token `--publish` would fail once per asset; fail once, before writing anything.
    let client = if args.publish {
        let Some(token) = ctx.token() else {
            return Err(client::Error::NoToken {
                action: "publishing",
            }
            .into());
        };
        Some(ctx.client_with(Some(token.secret))?)
    } else {
        None
    };
    let imported = import::run(&Options {
        source: args.dir.clone(),
        overlay: args.out.clone(),
        in_place: args.in_place,
        include_credentials: args.include_credentials.clone(),
    })?;
    ctx.printer.status(
        "Imported",
        format_args!(
            "{} from `{}`; manifests in `{}`",
            plural(imported.assets.len() as u64, "asset", "assets"),
            imported.source.display(),
            imported.overlay.display()
        ),
    );

    let mut results = Vec::new();
    if let Some(client) = &client {
        let reporter = ctx.printer.reporter();
        for asset in &imported.assets {
            let result = publish::publish_one(
                asset,
                &imported.source,
                &imported.overlay,
                client,
                &reporter,
            );
            match result.outcome {
                "published" => ctx.printer.status(
                    "Published",
                    format_args!("{} v{}", result.name, result.version),
                ),
                "already-published" => ctx.printer.say(format_args!(
                    "{} v{} is already published with identical contents",
                    result.name, result.version
                )),
                _ => ctx.printer.warn(format_args!(
                    "not published: {} v{}: {}",
                    result.name,
                    result.version,
                    result.reason.as_deref().unwrap_or_default()
                )),
            }
            results.push(result);
        }
    }

    if args.json {
        ctx.printer.json(&report::json(
            &imported,
            args.publish.then_some(results.as_slice()),
        ))?;
    } else {
        print_table(ctx, &imported)?;
    }
    let failed = results.iter().filter(|r| r.outcome == "failed").count();
    if failed > 0 {
        ctx.printer.warn(format_args!(
            "{failed} asset(s) failed to publish; the reasons are above"
        ));
        return Ok(Exit::Failure.into());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(ctx: &Context, imported: &import::Import) -> std::io::Result<()> {
    for line in report::table(imported) {
        ctx.printer.data(line)?;
    }
    if !imported.credentials.is_empty() {
        ctx.printer.data("")?;
        ctx.printer.data(
            "Credentials found (never part of an asset unless named with --include-credentials):",
        )?;
        for line in report::credentials(imported) {
            ctx.printer.data(line)?;
        }
    }
    if !imported.skipped.is_empty() {
        ctx.printer.data("")?;
        let files = plural(imported.skipped.len() as u64, "file", "files");
        ctx.printer
            .data(format_args!("Set aside ({files}; --json lists each):"))?;
        for line in report::skipped_summary(imported) {
            ctx.printer.data(line)?;
        }
    }
    for line in report::publishing_summary(imported) {
        ctx.printer.hint(line);
    }
    Ok(())
}
