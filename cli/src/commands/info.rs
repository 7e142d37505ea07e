use std::process::ExitCode;

use super::Context;
use crate::client::AssetInfo;

pub const EXAMPLES: &str = "\
Examples:
  osops info nova-evacuate-host
  osops info nova-evacuate-host --json | jq -r .install";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset's name
    pub name: String,
    /// Print the registry's asset object, plus `install`, as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let name = super::install::canonical(ctx, &args.name)?;
    let client = ctx.client()?;
    let asset = client.asset(&name, &ctx.printer.reporter()).map_err(|e| {
        if e.is_not_found() {
            anyhow::Error::new(crate::UserError::new(
                format!(
                    "no asset named `{name}` in the registry at `{}`",
                    client.registry()
                ),
                format!("look for it with `osops search {name}`"),
            ))
        } else {
            e.into()
        }
    })?;
    let install = format!("osops install {}@{}", asset.info.name, asset.info.latest);
    if args.json {
        let mut raw = asset.raw;
        if let Some(object) = raw.as_object_mut() {
            object.insert("install".into(), install.into());
        }
        ctx.printer.json(&raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in describe(&asset.info, &install) {
        ctx.printer.data(line)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The human view: a header, `key: value` lines (empty ones left out), the versions, the install
/// command.
pub fn describe(info: &AssetInfo, install: &str) -> Vec<String> {
    let mut lines = vec![format!("{} {}", info.name, info.latest)];
    if !info.description.is_empty() {
        lines.push(clean(&info.description));
    }
    lines.push(String::new());
    let list = |items: &[String]| items.join(", ");
    let dependencies: Vec<String> = info
        .dependencies
        .iter()
        .map(|(n, r)| format!("{n} {r}"))
        .collect();
    let fields: [(&str, String); 13] = [
        ("kind", info.kind.clone()),
        ("license", info.license.clone().unwrap_or_default()),
        ("repository", info.repository.clone().unwrap_or_default()),
        ("authors", list(&info.authors)),
        ("keywords", list(&info.keywords)),
        ("services", list(&info.services)),
        ("releases", info.releases.clone().unwrap_or_default()),
        ("needs", list(&info.needs)),
        ("prompted-by", list(&info.prompted_by)),
        ("bins", list(&info.bins)),
        ("requires", list(&info.requires)),
        ("dependencies", dependencies.join(", ")),
        ("owners", list(&info.owners)),
    ];
    for (key, value) in fields.iter().filter(|(_, v)| !v.is_empty()) {
        lines.push(format!("{:13} {}", format!("{key}:"), clean(value)));
    }
    lines.push(format!("{:13} {}", "downloads:", info.downloads));
    lines.push(String::new());
    lines.push("versions:".into());
    let width = info
        .versions
        .iter()
        .map(|v| v.version.chars().count())
        .max()
        .unwrap_or(0);
    for v in &info.versions {
        let date = v.published_at.get(..10).unwrap_or(&v.published_at);
        let yanked = if v.yanked { "  yanked" } else { "" };
        lines.push(format!(
            "  {:width$}  {date}  sha256 {}{yanked}",
            v.version, v.cksum
        ));
    }
    lines.push(String::new());
    lines.push(format!("install: {install}"));
    lines
}

/// Registry text goes to a terminal: no control characters.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
