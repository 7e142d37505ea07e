use std::process::ExitCode;

use super::Context;

pub const EXAMPLES: &str = "\
Examples:
  osops list
  osops list --json | jq -r '.[] | \"\\(.name)@\\(.version)\"'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `[{\"name\", \"version\"}, …]` as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Installed {
    name: String,
    version: String,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let receipts = ctx.home()?.receipts()?;
    let installed: Vec<Installed> = receipts
        .iter()
        .map(|r| Installed {
            name: r.name.to_string(),
            version: r.version.to_string(),
        })
        .collect();
    if args.json {
        ctx.printer.json(&installed)?;
    } else if installed.is_empty() {
        ctx.printer.note("no assets are installed");
    } else {
        for asset in &installed {
            ctx.printer
                .data(format_args!("{} {}", asset.name, asset.version))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
