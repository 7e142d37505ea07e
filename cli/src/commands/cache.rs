use std::process::ExitCode;

use super::Context;
use crate::cache::Cache;
use crate::printer::{align, human_bytes};

pub const EXAMPLES: &str = "\
Examples:
  osops cache info
  osops cache info --json | jq -r '.registries[] | \"\\(.url) \\(.bytes)\"'
  osops cache clean
  osops cache clean --registry https://osops.cloud.example.internal

The cache lives in $OSOPS_CACHE (default $XDG_CACHE_HOME/osops, else ~/.cache/osops), one
directory per registry. Archives in it are checked against their sha256 on every use.";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// Show each registry's cache: archives, index files and size
    Info(InfoArgs),
    /// Empty the cache of the registry chosen with --registry, or of every registry
    Clean,
}

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Print `{"root", "registries": [{"id", "url", "path", "archives", "index_files",
    /// "bytes"}, …]}` as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let cache = Cache::from_env()?;
    match args.command {
        CacheCommand::Info(info) => show(&cache, info.json, ctx),
        CacheCommand::Clean => clean(&cache, ctx),
    }
}

#[derive(serde::Serialize)]
struct Info<'a> {
    root: &'a std::path::Path,
    registries: Vec<crate::cache::RegistryUsage>,
}

fn show(cache: &Cache, json: bool, ctx: &Context) -> anyhow::Result<ExitCode> {
    let registries = cache.info()?;
    if json {
        ctx.printer.json(&Info {
            root: cache.root(),
            registries,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if registries.is_empty() {
        ctx.printer.note(format_args!(
            "the download cache at `{}` is empty",
            cache.root().display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![[
        "REGISTRY".to_owned(),
        "ARCHIVES".to_owned(),
        "INDEX FILES".to_owned(),
        "SIZE".to_owned(),
    ]];
    for usage in &registries {
        let registry = match &usage.url {
            Some(url) => url.clone(),
            None => format!("(unknown: {})", usage.id),
        };
        rows.push([
            registry,
            usage.archives.to_string(),
            usage.index_files.to_string(),
            human_bytes(usage.bytes),
        ]);
    }
    for line in align(&rows) {
        ctx.printer.data(line)?;
    }
    let total: u64 = registries.iter().map(|u| u.bytes).sum();
    ctx.printer.note(format_args!(
        "{} in `{}`",
        human_bytes(total),
        cache.root().display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn clean(cache: &Cache, ctx: &Context) -> anyhow::Result<ExitCode> {
    // `--registry` (or OSOPS_REGISTRY) picks one registry's cache; without it, every one.
    let registry = ctx.chosen_registry()?;
    let freed = cache.clean(registry.as_deref())?;
    let whose = match &registry {
        Some(url) => format!("the download cache of {}", ctx.registries().label(url)),
        None => format!("the download cache at `{}`", cache.root().display()),
    };
    if freed == 0 {
        ctx.printer.note(format_args!("{whose} was already empty"));
    } else {
        ctx.printer.status(
            "Removed",
            format_args!("{} from {whose}", human_bytes(freed)),
        );
    }
    Ok(ExitCode::SUCCESS)
}
