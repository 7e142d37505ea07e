use std::path::PathBuf;
use std::process::ExitCode;

use super::{Context, plural};
use crate::need::{self, FileReport, Source};

pub const EXAMPLES: &str = "\
Examples:
  osops need import needs.toml
  osops need import user-stories/ --dry-run      # parse and report; no token, nothing sent
  osops need import user-stories/ extra.toml --json | jq '.[] | select(.error)'

Directories are walked for *.toml (need files: `[[need]]` tables or one need at the top level)
and *.rst (OpenStack Product Working Group user stories), in sorted order. A file that cannot be
read is reported and skipped; the rest are imported. Importing a file again updates its needs.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Need files, user stories, or directories of them
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Parse and report what would be imported; send nothing (no token needed)
    #[arg(long)]
    pub dry_run: bool,
    /// Print the per-file report `[{"file", "imported", "notes", "error"}, …]` as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = if args.dry_run {
        None
    } else {
        let client = ctx.client()?;
        if client.is_directory() {
            return Err(crate::client::Error::NoApi {
                registry: client.registry().to_owned(),
                what: "importing needs".into(),
            }
            .into());
        }
        if !client.has_token() {
            return Err(crate::client::Error::NoToken {
                action: "importing",
            }
            .into());
        }
        Some(client)
    };
    let put = |record: &osops_index::NeedRecord| {
        client
            .as_ref()
            .map_or(Ok(false), |c| c.put_need(record).map(|saved| saved.created))
    };
    let put: Option<need::Put<'_>> = client.is_some().then_some(&put as need::Put<'_>);
    let verb = if args.dry_run { "Parsed" } else { "Imported" };
    let mut reports = Vec::new();
    for source in need::sources(&args.paths) {
        let report = match source {
            Source::Empty(dir) => {
                ctx.printer.warn(format_args!(
                    "no *.toml or *.rst files in `{}`",
                    dir.display()
                ));
                continue;
            }
            Source::Unreadable { path, reason } => FileReport {
                file: path.display().to_string(),
                error: Some(format!("cannot read it: {reason}")),
                ..FileReport::default()
            },
            Source::File(path) => need::import_one(&path, put, |record, created| {
                let verb = if created { "Created" } else { "Updated" };
                ctx.printer.detail(verb, format_args!("need {}", record.id));
            })?,
        };
        print_report(ctx, verb, &report);
        reports.push(report);
    }
    let needs: usize = reports.iter().map(|r| r.imported.len()).sum();
    let files = reports.iter().filter(|r| !r.imported.is_empty()).count();
    let skipped = reports.iter().filter(|r| r.imported.is_empty()).count();
    ctx.printer.status(
        verb,
        format_args!(
            "{} from {} ({skipped} skipped)",
            plural(needs as u64, "need", "needs"),
            plural(files as u64, "file", "files")
        ),
    );
    if args.dry_run {
        ctx.printer
            .note("dry run: nothing was sent to the registry");
    }
    if args.json {
        ctx.printer.json(&reports)?;
    }
    if needs == 0 && skipped > 0 {
        return Err(crate::UserError::new(
            format!(
                "no needs were imported: {} failed",
                plural(skipped as u64, "file", "files")
            ),
            "the warnings above say what is wrong with each file",
        )
        .into());
    }
    Ok(ExitCode::SUCCESS)
}

/// `    Imported FILE: id1, id2`, its notes, and a warning when some or all of it was skipped.
fn print_report(ctx: &Context, verb: &str, report: &FileReport) {
    if !report.imported.is_empty() {
        ctx.printer.status(
            verb,
            format_args!("{}: {}", report.file, report.imported.join(", ")),
        );
    }
    for note in &report.notes {
        ctx.printer.note(note);
    }
    if let Some(error) = &report.error {
        if report.imported.is_empty() {
            ctx.printer
                .warn(format_args!("skipped {}: {error}", report.file));
        } else {
            ctx.printer.warn(format_args!(
                "some needs of {} were not imported: {error}",
                report.file
            ));
        }
    }
}
