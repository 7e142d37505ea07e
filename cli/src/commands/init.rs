use std::path::PathBuf;
use std::process::ExitCode;

use osops_index::{AssetName, Kind};

use super::Context;
use crate::scaffold;

pub const EXAMPLES: &str = "\
Examples:
  osops init                              # here; the name comes from the directory
  osops init ops-tools/rotate-fernet-keys --kind playbook
  osops init --name rabbitmq-queue-check --kind check";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to make an asset of
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The asset's name [default: the directory's name, folded]
    #[arg(long)]
    pub name: Option<String>,
    /// What the asset is: script, playbook, role, tool, check, template or config
    #[arg(long, value_name = "KIND", default_value = "script")]
    pub kind: Kind,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = match &args.name {
        Some(given) => {
            let name = AssetName::canonical_form(given)?;
            if name.as_str() != given {
                ctx.printer.note(format_args!(
                    "using the canonical name `{name}` for `{given}`"
                ));
            }
            name
        }
        None => scaffold::name_from_dir(&args.dir)?,
    };
    let created = scaffold::init_asset(&args.dir, &name, args.kind)?;
    super::new::report(ctx, &created);
    Ok(ExitCode::SUCCESS)
}
