use std::process::ExitCode;

use osops_index::Kind;

use super::Context;
use crate::client::{SearchHit, SearchQuery};
use crate::printer::truncate;

pub const EXAMPLES: &str = "\
Examples:
  osops search evacuate
  osops search --service neutron --kind script
  osops search rabbitmq --release 2024.1 --json | jq -r '.assets[].name'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Words to look for in names, descriptions, keywords and READMEs
    pub query: Option<String>,
    /// Only assets of this kind
    #[arg(long, value_name = "KIND")]
    pub kind: Option<Kind>,
    /// Only assets that touch this OpenStack service
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Only assets that support this release series (`2024.1` or `caracal`)
    #[arg(long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Only assets that address this need
    #[arg(long, value_name = "NEED")]
    pub need: Option<String>,
    /// Page of results, from 1
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: Option<u32>,
    /// Results per page, 1 to 100
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub per_page: Option<u32>,
    /// Print `{"total", "assets": [...]}` as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct JsonResults<'a> {
    total: u64,
    assets: &'a [SearchHit],
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    let query = SearchQuery {
        q: args.query,
        kind: args.kind.map(|k| k.to_string()),
        service: args.service,
        release: args.release,
        need: args.need,
        page: args.page,
        per_page: args.per_page,
    };
    let results = client.search(&query, &ctx.printer.reporter())?;
    if args.json {
        ctx.printer.json(&JsonResults {
            total: results.total,
            assets: &results.assets,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in table(&results.assets, crate::printer::stdout_width()) {
        ctx.printer.data(line)?;
    }
    if results.total == 0 {
        ctx.printer.note("no assets match");
    } else if let Some(note) = super::page_note(
        results.total,
        results.assets.len() as u64,
        args.page,
        results.per_page,
        "assets",
    ) {
        ctx.printer.note(note);
    }
    Ok(ExitCode::SUCCESS)
}

const MAX_SERVICES_WIDTH: usize = 24;
const MIN_DESCRIPTION_WIDTH: usize = 24;

/// One line per hit: name, version, kind, services, then the description, cut to fit `width` when
/// there is one (a terminal) and whole when there is not (a pipe or a file).
pub fn table(hits: &[SearchHit], width: Option<usize>) -> Vec<String> {
    let col = |cells: &[String]| cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let names: Vec<String> = hits.iter().map(|h| h.name.clone()).collect();
    let versions: Vec<String> = hits.iter().map(|h| h.version.clone()).collect();
    let kinds: Vec<String> = hits.iter().map(|h| h.kind.clone()).collect();
    let services: Vec<String> = hits
        .iter()
        .map(|h| truncate(&h.services.join(","), MAX_SERVICES_WIDTH))
        .collect();
    let (name_w, version_w, kind_w, services_w) =
        (col(&names), col(&versions), col(&kinds), col(&services));
    let desc_room = width.map(|w| {
        w.saturating_sub(name_w + version_w + kind_w + services_w + 8)
            .max(MIN_DESCRIPTION_WIDTH)
    });
    hits.iter()
        .enumerate()
        .map(|(i, h)| {
            let desc = truncate(&h.description, desc_room.unwrap_or(usize::MAX));
            let line = format!(
                "{:name_w$}  {:version_w$}  {:kind_w$}  {:services_w$}  {desc}",
                names[i], versions[i], kinds[i], services[i]
            );
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(name: &str, description: &str, services: &[&str]) -> SearchHit {
        SearchHit {
            name: name.into(),
            version: "1.2.0".into(),
            kind: "script".into(),
            description: description.into(),
            services: services.iter().map(|s| (*s).to_owned()).collect(),
            needs: vec![],
        }
    }

    #[test]
    fn table_fits_a_terminal_and_aligns() {
        let hits = [
            hit(
                "nova-evacuate-host",
                &"Live-migrate every instance off a host ".repeat(5),
                &["nova", "placement"],
            ),
            hit("galera-check", "Check Galera", &[]),
        ];
        let lines = table(&hits, Some(80));
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:#?}");
        assert!(lines[0].ends_with('…'), "{}", lines[0]);
        assert!(
            lines[0].starts_with("nova-evacuate-host  1.2.0  script  nova,placement  Live-migrate"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("galera-check        1.2.0  script                  Check Galera"),
            "{}",
            lines[1]
        );
        let many = [hit(
            "galera-cluster-check",
            "Nagios check",
            &["galera", "mariadb", "kolla-ansible", "openstack-ansible"],
        )];
        let line = &table(&many, Some(80))[0];
        assert!(
            line.contains("  galera,mariadb,kolla-an…  Nagios check"),
            "{line}"
        );
    }

    #[test]
    fn table_keeps_whole_descriptions_off_a_terminal() {
        let long = "Live-migrate every instance off a host ".repeat(5);
        let lines = table(&[hit("nova-evacuate-host", &long, &["nova"])], None);
        assert!(lines[0].ends_with(long.trim_end()), "{}", lines[0]);
    }

    #[test]
    fn descriptions_lose_control_characters() {
        assert_eq!(truncate("a\x1b[31mb\nc", 80), "a [31mb c");
    }
}
