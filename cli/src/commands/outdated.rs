use std::process::ExitCode;

use super::Context;
use super::install::{RunFlags, engine, site, site_registries};
use crate::install::outdated::Outdated;
use crate::printer::align;
use crate::project::Project;

pub const EXAMPLES: &str = "\
Examples:
  osops outdated
  osops outdated --json | jq -r '.[].name'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `[{\"name\", \"current\", \"compatible\", \"latest\"}, …]` as JSON on stdout
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let project = Project::find(&std::env::current_dir()?)?;
    let site = site(ctx, &project)?;
    let engine = engine(ctx, site_registries(&site)?, &args.run, args.run.options())?;
    let rows = site.outdated(&engine)?;
    print(ctx, &rows, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// The table (or JSON) `osops outdated` and `osops list --outdated` print.
pub(super) fn print(ctx: &Context, rows: &[Outdated], json: bool) -> anyhow::Result<()> {
    if json {
        ctx.printer.json(rows)?;
        return Ok(());
    }
    if rows.is_empty() {
        ctx.printer.note("everything is up to date");
        return Ok(());
    }
    let show = |v: &Option<semver::Version>| v.as_ref().map_or("-".into(), ToString::to_string);
    let mut table = vec![[
        "NAME".to_owned(),
        "CURRENT".to_owned(),
        "COMPATIBLE".to_owned(),
        "LATEST".to_owned(),
    ]];
    table.extend(rows.iter().map(|r| {
        [
            r.name.to_string(),
            r.current.to_string(),
            show(&r.compatible),
            show(&r.latest),
        ]
    }));
    for line in align(&table) {
        ctx.printer.data(line)?;
    }
    Ok(())
}
