use std::path::PathBuf;
use std::process::ExitCode;

use osops_index::{AssetName, Kind};

use super::Context;
use crate::scaffold;

pub const EXAMPLES: &str = "\
Examples:
  osops new nova-evacuate-host --kind script
  osops new galera-health --kind check --path checks/galera-health";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset's name (`_` and capitals fold to `-` and lower case)
    pub name: String,
    /// What the asset is: script, playbook, role, tool, check, template or config
    #[arg(long, value_name = "KIND")]
    pub kind: Kind,
    /// Directory to create [default: NAME]
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = AssetName::canonical_form(&args.name)?;
    if name.as_str() != args.name {
        ctx.printer.note(format_args!(
            "using the canonical name `{name}` for `{}`",
            args.name
        ));
    }
    let dir = args.path.unwrap_or_else(|| PathBuf::from(name.as_str()));
    let created = scaffold::new_asset(&dir, &name, args.kind)?;
    report(ctx, &created);
    Ok(ExitCode::SUCCESS)
}

/// `     Created script `NAME` in `DIR` (osops.toml, README.md, bin/NAME)`.
pub(super) fn report(ctx: &Context, created: &scaffold::Created) {
    ctx.printer.status(
        "Created",
        format_args!(
            "{} `{}` in `{}` ({})",
            created.kind,
            created.name,
            created.dir.display(),
            created.written.join(", ")
        ),
    );
    for kept in &created.kept {
        ctx.printer.note(format_args!("kept the existing `{kept}`"));
    }
    ctx.printer.hint(format_args!(
        "edit `{}`, then check it packages with `osops package {}`",
        created.dir.join("osops.toml").display(),
        created.dir.display()
    ));
}
