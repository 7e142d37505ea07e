use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::package;
use crate::printer::human_bytes;

pub const EXAMPLES: &str = "\
Examples:
  osops publish ops/evacuate --dry-run     # package and check, upload nothing
  osops publish nova-evacuate-host-1.2.0.osops   # upload an archive `osops package` made earlier
  OSOPS_TOKEN=osops_… osops publish --registry https://osops.example.org";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset's directory (with osops.toml), or a `.osops` archive made by `osops package`
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Package and check everything, but do not upload
    #[arg(long)]
    pub dry_run: bool,
    /// Print the registry's answer as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    if !args.dry_run && ctx.global.token.as_deref().is_none_or(str::is_empty) {
        return Err(crate::client::Error::NoToken {
            action: "publishing",
        }
        .into());
    }
    let (what, bytes) = if args.dir.is_file() {
        // A CI pipeline may package in one job and publish the artifact in another. The archive
        // goes up as it is: the registry runs the same validator as `osops package` did.
        let bytes = package::read_archive_file(&args.dir)?;
        (format!("`{}`", args.dir.display()), bytes)
    } else {
        let packaged = package::package(&args.dir)?;
        let (name, version) = (
            &packaged.manifest.asset.name,
            &packaged.manifest.asset.version,
        );
        ctx.printer.status(
            "Packaged",
            format_args!(
                "{name} v{version} ({} files, {}, sha256 {})",
                packaged.files,
                human_bytes(packaged.bytes.len() as u64),
                packaged.sha256
            ),
        );
        (format!("{name} v{version}"), packaged.bytes)
    };
    if args.dry_run {
        ctx.printer.note("dry run: nothing was uploaded");
        return Ok(ExitCode::SUCCESS);
    }
    ctx.printer.status(
        "Uploading",
        format_args!(
            "{what} ({}) to {}",
            human_bytes(bytes.len() as u64),
            client.registry()
        ),
    );
    let published = client.publish(bytes)?;
    let (name, version) = (&published.name, &published.version);
    if args.json {
        ctx.printer.json(&published.raw)?;
    }
    if published.new {
        ctx.printer.status(
            "Published",
            format_args!("{name} v{version} (sha256 {})", published.cksum),
        );
    } else {
        ctx.printer.say(format_args!(
            "{name} v{version} is already published with identical contents"
        ));
    }
    Ok(ExitCode::SUCCESS)
}
