use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::package;
use crate::printer::human_bytes;

pub const EXAMPLES: &str = "\
Examples:
  osops package                     # ./NAME-VERSION.osops from the asset here
  osops package ops/evacuate --out dist/
  osops package --list              # the files that would go in";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset's directory (with osops.toml)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Where to write NAME-VERSION.osops [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the files that would be packaged, and write nothing
    #[arg(long)]
    pub list: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if args.list {
        for file in package::list(&args.dir)? {
            ctx.printer.data(file)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let packaged = package::package(&args.dir)?;
    let asset = &packaged.manifest.asset;
    let path = match &args.out {
        Some(out) => package::write(&packaged, out)?,
        None => {
            package::write(&packaged, std::path::Path::new("."))?;
            PathBuf::from(packaged.file_name())
        }
    };
    ctx.printer.data(path.display())?;
    ctx.printer.status(
        "Packaged",
        format_args!(
            "{} v{} ({} files, {}, sha256 {})",
            asset.name,
            asset.version,
            packaged.files,
            human_bytes(packaged.bytes.len() as u64),
            packaged.sha256
        ),
    );
    Ok(ExitCode::SUCCESS)
}
