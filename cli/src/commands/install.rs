use std::process::ExitCode;

use osops_index::AssetName;

use super::Context;
use crate::install::{Installer, Outcome};
use crate::resolve::Spec;

pub const EXAMPLES: &str = "\
Examples:
  osops install nova-evacuate-host            # the newest version
  osops install nova-evacuate-host@1.2        # the newest 1.x from 1.2 on (caret)
  osops install nova-evacuate-host@=1.2.0 galera-health@'>=2, <3'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Assets to install: NAME, or NAME@REQ with a version (`1.2.0`) or requirement (`^1`, `>=1, <2`)
    #[arg(required = true, value_name = "NAME[@REQ]")]
    pub specs: Vec<String>,
    /// Reinstall even if installed, take over commands other assets provide, replace an asset
    /// installed from another registry
    #[arg(long)]
    pub force: bool,
}

/// The canonical form of a name typed by the user, with a note when it was folded.
pub(super) fn canonical(ctx: &Context, name: &str) -> anyhow::Result<AssetName> {
    let canonical = AssetName::canonical_form(name)?;
    if canonical.as_str() != name {
        ctx.printer.note(format_args!(
            "using the canonical name `{canonical}` for `{name}`"
        ));
    }
    Ok(canonical)
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let specs = args
        .specs
        .iter()
        .map(|s| Spec::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let home = ctx.home()?;
    let client = ctx.client()?;
    let mut installer = Installer::new(&home, &client, &ctx.printer);
    let mut linked_any = false;
    for spec in &specs {
        if let Some(typed) = &spec.folded_from {
            ctx.printer.note(format_args!(
                "using the canonical name `{}` for `{typed}`",
                spec.name
            ));
        }
        match installer.install(spec, args.force)? {
            Outcome::AlreadyInstalled { name, version } => {
                ctx.printer
                    .say(format_args!("{name} v{version} is already installed"));
            }
            Outcome::Installed {
                name,
                version,
                bins,
                playbook,
                replaced,
            } => {
                let what = match (bins.is_empty(), playbook) {
                    (false, _) => format!(" (bins: {})", bins.join(", ")),
                    (true, Some(playbook)) => {
                        format!(" (playbook: {playbook}; run it with `osops run {name}`)")
                    }
                    (true, None) => String::new(),
                };
                let replaced = replaced
                    .map(|v| format!(", replacing v{v}"))
                    .unwrap_or_default();
                ctx.printer.status(
                    "Installed",
                    format_args!("{name} v{version}{what}{replaced}"),
                );
                linked_any |= !bins.is_empty();
            }
        }
    }
    let bin_dir = home.bin_dir();
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|p| p == bin_dir));
    if linked_any && !on_path {
        ctx.printer.hint(format_args!(
            "`{0}` is not on your PATH; add it, e.g. `export PATH=\"{0}:$PATH\"`",
            bin_dir.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
