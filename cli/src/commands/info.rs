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
    if asset.raw.get("mirror").is_some() {
        ctx.printer.note(format_args!(
            "from the mirror at `{}`: owners, README and download counts are on the registry it was made from",
            client.registry()
        ));
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
    let list = |items: &[String]| vec![items.join(", ")];
    let dependencies: Vec<String> = info
        .dependencies
        .iter()
        .map(|(n, r)| format!("{n} {r}"))
        .collect();
    // One need per line, with the command that shows it; one prompted-by link per line.
    let needs: Vec<String> = info
        .needs
        .iter()
        .map(|id| format!("{id}  (`osops need show {id}`)"))
        .collect();
    let fields: [(&str, Vec<String>); 13] = [
        ("kind", vec![info.kind.clone()]),
        ("license", info.license.iter().cloned().collect()),
        ("repository", info.repository.iter().cloned().collect()),
        ("authors", list(&info.authors)),
        ("keywords", list(&info.keywords)),
        ("services", list(&info.services)),
        ("releases", info.releases.iter().cloned().collect()),
        ("needs", needs),
        ("prompted-by", info.prompted_by.clone()),
        ("bins", list(&info.bins)),
        ("requires", list(&info.requires)),
        ("dependencies", vec![dependencies.join(", ")]),
        ("owners", list(&info.owners)),
    ];
    for (key, values) in &fields {
        let mut values = values.iter().filter(|v| !v.is_empty());
        if let Some(first) = values.next() {
            lines.push(format!("{:13} {}", format!("{key}:"), clean(first)));
            lines.extend(values.map(|v| format!("{:13} {}", "", clean(v))));
        }
    }
    if let Some(downloads) = info.downloads {
        lines.push(format!("{:13} {downloads}", "downloads:"));
    }
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
        let yanked = match (v.yanked, v.yank_reason.as_deref().map(str::trim)) {
            (true, Some(reason)) if !reason.is_empty() => format!("  yanked ({})", clean(reason)),
            (true, _) => "  yanked".to_owned(),
            (false, _) => String::new(),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> AssetInfo {
        serde_json::from_value(serde_json::json!({
            "name": "nova-evacuate-host", "latest": "1.2.0", "kind": "script",
            "description": "Live-migrate every instance", "license": "Apache-2.0",
            "repository": null, "services": ["nova", "placement"], "releases": null,
            "needs": ["drain-compute-host", "host-maintenance"],
            "prompted_by": ["https://bugs.launchpad.net/nova/+bug/1234567", "https://lists.openstack.org/x"],
            "owners": ["jane"], "downloads": 3,
            "versions": [{"version": "1.2.0", "cksum": "ab", "yanked": false,
                          "published_at": "2026-11-23T15:21:06Z"}]
        }))
        .expect("asset info")
    }

    #[test]
    fn yanked_versions_show_their_reason_when_there_is_one() {
        let mut info = info();
        info.versions = serde_json::from_value(serde_json::json!([
            {"version": "1.2.0", "cksum": "cc", "yanked": false, "yank_reason": null,
             "published_at": "2026-11-25T00:00:00Z"},
            {"version": "1.1.0", "cksum": "bb", "yanked": true,
             "yank_reason": "deletes the wrong ports\non 2024.1", "published_at": "2026-11-24T00:00:00Z"},
            {"version": "1.0.0", "cksum": "aa", "yanked": true, "published_at": "2026-11-23T00:00:00Z"}
        ]))
        .expect("versions");
        let lines = describe(&info, "osops install nova-evacuate-host@1.2.0");
        let text = lines.join("\n");
        assert!(
            text.contains(
                "versions:\n\
                 \x20 1.2.0  2026-11-25  sha256 cc\n\
                 \x20 1.1.0  2026-11-24  sha256 bb  yanked (deletes the wrong ports on 2024.1)\n\
                 \x20 1.0.0  2026-11-23  sha256 aa  yanked\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn needs_are_listed_with_the_command_that_shows_them() {
        let lines = describe(&info(), "osops install nova-evacuate-host@1.2.0");
        let text = lines.join("\n");
        assert!(
            text.contains(
                "services:     nova, placement\n\
                 needs:        drain-compute-host  (`osops need show drain-compute-host`)\n\
                 \x20             host-maintenance  (`osops need show host-maintenance`)\n\
                 prompted-by:  https://bugs.launchpad.net/nova/+bug/1234567\n\
                 \x20             https://lists.openstack.org/x\n\
                 owners:       jane\n"
            ),
            "{text}"
        );
        assert!(
            !text.contains("repository:"),
            "empty fields are left out:\n{text}"
        );
    }
}
