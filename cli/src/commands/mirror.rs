use std::path::PathBuf;
use std::process::ExitCode;

use osops_index::{AssetName, Kind, openstack};

use super::Context;
use crate::UserError;
use crate::cache::download::Progress;
use crate::mirror::{self, Options, Summary, layout, plan::Counts, select::Filters};
use crate::printer::{human_bytes, plural};

pub const EXAMPLES: &str = "\
Examples:
  osops mirror /srv/osops-mirror                       # every asset the registry lists
  osops mirror /media/usb/osops --service nova --release 2024.1
  osops mirror ./mirror nova-evacuate-host galera-cluster-check   # and their dependencies
  osops mirror /srv/osops-mirror --base-url https://osops-mirror.example.internal/osops
  osops mirror /srv/osops-mirror --verify              # re-hash every archive, repair any bad one
  osops --registry file:///media/usb/osops install nova-evacuate-host
  osops --registry http://osops-mirror.example.internal search evacuate

Run it again into the same directory to update it: only new or changed files are written, and
files an earlier run wrote that are no longer wanted are removed. Serve the directory with any
web server and point osops at its URL, or at file:///DIR: install, search, info and need
list/show work on either. Guide: docs/guides/air-gapped.md";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to write: new, empty, or a mirror made before (updated in place)
    pub dir: PathBuf,
    /// Only these assets, with everything they depend on [default: every asset the registry
    /// lists]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Only versions of this kind
    #[arg(long, value_name = "KIND")]
    pub kind: Option<Kind>,
    /// Only versions that touch this OpenStack service
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Only versions that support this release series (`2024.1` or `caracal`)
    #[arg(long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Only versions that address this need
    #[arg(long, value_name = "NEED")]
    pub need: Option<String>,
    /// Keep yanked versions too (so lockfiles that pin one install from the mirror)
    #[arg(long)]
    pub include_yanked: bool,
    /// Write absolute download URLs under this URL in the mirror's config.json, instead of
    /// relative ones that work wherever the mirror is served from
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// How many downloads run at once
    #[arg(
        long,
        short = 'j',
        env = "OSOPS_JOBS",
        default_value_t = 8,
        value_name = "N"
    )]
    pub jobs: usize,
    /// Hash every archive already in the mirror, instead of trusting those whose size and
    /// modification time are what the last run recorded
    #[arg(long)]
    pub verify: bool,
    /// Print the summary as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let options = options(&args, ctx)?;
    let client = ctx.client()?;
    ctx.printer.status(
        "Mirroring",
        format_args!("{} into `{}`", client.registry(), args.dir.display()),
    );
    let summary = mirror::run(&client, &args.dir, &options, &Progress::new(&ctx.printer))?;
    for warning in &summary.warnings {
        ctx.printer.warn(warning);
    }
    if args.json {
        ctx.printer.json(&summary)?;
    } else {
        report(ctx, &summary);
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line's choices, checked: canonical names, known services and releases, an
/// http(s) base URL.
fn options(args: &Args, ctx: &Context) -> anyhow::Result<Options> {
    let names = args
        .names
        .iter()
        .map(|n| super::install::canonical(ctx, n))
        .collect::<anyhow::Result<Vec<AssetName>>>()?;
    let service = args
        .service
        .as_deref()
        .map(|s| {
            openstack::find_service(s)
                .map(str::to_owned)
                .ok_or_else(|| {
                    let hint = match openstack::suggest_service(s) {
                        Some(near) => format!("did you mean `{near}`? services go by project name"),
                        None => "services go by project name, like `nova`".into(),
                    };
                    UserError::new(format!("unknown service `{s}`"), hint)
                })
        })
        .transpose()?;
    let release = args
        .release
        .as_deref()
        .map(|r| {
            openstack::find_release(r)
                .map(|r| r.name.to_owned())
                .ok_or_else(|| {
                    UserError::new(
                        format!("unknown release `{r}`"),
                        "name a series by name or number, like `antelope` or `2023.1`",
                    )
                })
        })
        .transpose()?;
    let need = args
        .need
        .as_deref()
        .map(|n| AssetName::canonical_form(n).map(|n| n.to_string()))
        .transpose()?;
    let base_url = args
        .base_url
        .as_deref()
        .map(|url| {
            layout::check_base_url(url).ok_or_else(|| {
                UserError::new(
                    format!("`{url}` is not an http:// or https:// URL"),
                    "give the URL the mirror will be served at, like `https://mirror.example.internal/osops`",
                )
            })
        })
        .transpose()?;
    Ok(Options {
        names,
        filters: Filters {
            kind: args.kind,
            service,
            release,
            need,
            include_yanked: args.include_yanked,
        },
        base_url,
        jobs: args.jobs,
        verify: args.verify,
    })
}

/// The human summary, on stderr.
fn report(ctx: &Context, summary: &Summary) {
    let printer = &ctx.printer;
    let counts = |c: &Counts| {
        format!(
            "{} added, {} updated, {} unchanged, {} removed",
            c.added, c.updated, c.unchanged, c.removed
        )
    };
    printer.status(
        "Mirrored",
        format_args!(
            "{} ({}) into `{}`",
            plural(summary.assets, "asset", "assets"),
            plural(summary.versions, "version", "versions"),
            summary.dir.display()
        ),
    );
    printer.status(
        "Archives",
        format_args!(
            "{} ({} downloaded, {} removed)",
            counts(&summary.archives),
            human_bytes(summary.downloaded_bytes),
            human_bytes(summary.removed_bytes)
        ),
    );
    printer.status("Index", counts(&summary.index_files));
    if summary.unchanged() {
        printer.note("nothing changed: the mirror was already up to date");
    }
    let url = format!("file://{}", summary.dir.display());
    printer.hint(format_args!(
        "install from it with `osops --registry {url} install NAME`, or serve `{}` with any web server",
        summary.dir.display()
    ));
}
