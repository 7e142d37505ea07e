use std::process::ExitCode;

use super::{Context, canonical_id, not_found, plural};
use crate::client::{NeedAnswer, NeedInfo};
use crate::printer::truncate;

pub const EXAMPLES: &str = "\
Examples:
  osops need show drain-compute-host
  osops need show drain-compute-host --json | jq -r '.answers[].name'";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The need's id
    pub id: String,
    /// Print the registry's need object (with its answers) as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let id = canonical_id(ctx, &args.id)?;
    let client = ctx.client()?;
    let need = client.get_need(&id, &ctx.printer.reporter()).map_err(|e| {
        if e.is_not_found() {
            not_found(&client, &id)
        } else {
            e.into()
        }
    })?;
    if args.json {
        ctx.printer.json(&need.raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in describe(&need.info, crate::printer::stdout_width()) {
        ctx.printer.data(line)?;
    }
    match most_downloaded(&need.info.answers) {
        Some(answer) if answer.downloads.is_some() => ctx.printer.hint(format_args!(
            "install the most downloaded answer with `osops install {}`",
            answer.name
        )),
        // From a mirror, which keeps no counts.
        Some(answer) => ctx.printer.hint(format_args!(
            "install an answer with `osops install {}`",
            answer.name
        )),
        None => ctx.printer.hint(format_args!(
            "no asset answers this need yet; publish one with `[needs] addresses = [\"{}\"]`",
            need.info.id
        )),
    }
    Ok(ExitCode::SUCCESS)
}

/// The answer with the most downloads; the registry's first among equals.
pub fn most_downloaded(answers: &[NeedAnswer]) -> Option<&NeedAnswer> {
    answers
        .iter()
        .fold(None, |best: Option<&NeedAnswer>, a| match best {
            Some(b) if b.downloads >= a.downloads => Some(b),
            _ => Some(a),
        })
}

/// The human view: id and title, `key: value` lines, the problem, the use cases, and the answers
/// side by side.
pub fn describe(info: &NeedInfo, width: Option<usize>) -> Vec<String> {
    let mut lines = vec![clean(&info.id), clean(&info.title), String::new()];
    let status = match (&info.status[..], &info.retired_reason) {
        ("retired", Some(reason)) => format!("retired: {reason}"),
        (status, _) => status.to_owned(),
    };
    let created = match (info.created_at.get(..10), &info.created_by) {
        (Some(date), Some(by)) => format!("{date} by {by}"),
        (Some(date), None) => date.to_owned(),
        (None, Some(by)) => format!("by {by}"),
        (None, None) => String::new(),
    };
    let fields: [(&str, Vec<String>); 6] = [
        ("status", vec![status]),
        ("votes", vec![info.votes.to_string()]),
        ("persona", info.persona.iter().cloned().collect()),
        ("services", vec![info.services.join(", ")]),
        ("links", info.links.clone()),
        ("created", vec![created]),
    ];
    for (key, values) in &fields {
        let mut values = values.iter().filter(|v| !v.is_empty());
        if let Some(first) = values.next() {
            lines.push(format!("{:10} {}", format!("{key}:"), clean(first)));
            lines.extend(values.map(|v| format!("{:10} {}", "", clean(v))));
        }
    }
    if !info.problem.trim().is_empty() {
        lines.push(String::new());
        lines.push("problem:".into());
        lines.extend(info.problem.trim_end().lines().map(|l| {
            let l = clean(l);
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        }));
    }
    if !info.use_cases.is_empty() {
        lines.push(String::new());
        lines.push("use cases:".into());
        for case in &info.use_cases {
            let text = clean(&case.text);
            lines.push(match &case.persona {
                Some(persona) => format!("  - {}: {text}", clean(persona)),
                None => format!("  - {text}"),
            });
        }
    }
    lines.push(String::new());
    if info.answers.is_empty() {
        lines.push("answers: none yet".into());
    } else {
        lines.push(format!(
            "answers: {}",
            plural(info.answers.len() as u64, "asset", "assets")
        ));
        lines.extend(
            answers_table(&info.answers, width.map(|w| w.saturating_sub(2)))
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    lines
}

const MAX_CELL_WIDTH: usize = 24;
const MIN_DESCRIPTION_WIDTH: usize = 20;

/// The answers compared side by side, with a header: name, version, kind, releases, services,
/// downloads (when the registry counts them: a mirror does not), then the description, cut to
/// fit `width` when there is one.
pub fn answers_table(answers: &[NeedAnswer], width: Option<usize>) -> Vec<String> {
    let counted = answers.iter().any(|a| a.downloads.is_some());
    let mut header = vec!["NAME", "VERSION", "KIND", "RELEASES", "SERVICES"];
    if counted {
        header.push("DOWNLOADS");
    }
    let mut rows: Vec<Vec<String>> = vec![header.into_iter().map(str::to_owned).collect()];
    rows.extend(answers.iter().map(|a| {
        let mut row = vec![
            truncate(&a.name, 64),
            truncate(&a.version, MAX_CELL_WIDTH),
            truncate(&a.kind, MAX_CELL_WIDTH),
            truncate(a.releases.as_deref().unwrap_or("any"), MAX_CELL_WIDTH),
            truncate(&a.services.join(","), MAX_CELL_WIDTH),
        ];
        if counted {
            row.push(a.downloads.unwrap_or_default().to_string());
        }
        row
    }));
    let mut widths = vec![0usize; rows[0].len()];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let fixed: usize = widths.iter().sum::<usize>() + 2 * widths.len();
    let room = width.map(|w| w.saturating_sub(fixed).max(MIN_DESCRIPTION_WIDTH));
    let descriptions = std::iter::once("DESCRIPTION".to_owned()).chain(
        answers
            .iter()
            .map(|a| truncate(&a.description, room.unwrap_or(usize::MAX))),
    );
    rows.iter()
        .zip(descriptions)
        .map(|(row, desc)| {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
                // The count is a number: right-aligned under its header.
                if counted && i == row.len() - 1 {
                    line.push_str(&format!("{cell:>w$}  "));
                } else {
                    line.push_str(&format!("{cell:w$}  "));
                }
            }
            line.push_str(&desc);
            line.trim_end().to_owned()
        })
        .collect()
}

/// Registry text goes to a terminal: no control characters.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use osops_index::UseCase;

    use super::*;

    fn answer(name: &str, downloads: u64, description: &str) -> NeedAnswer {
        NeedAnswer {
            name: name.into(),
            version: "1.2.0".into(),
            kind: "script".into(),
            description: description.into(),
            releases: Some(">=2023.1, <=2025.2".into()),
            services: vec!["nova".into(), "placement".into()],
            downloads: Some(downloads),
        }
    }

    fn info(answers: Vec<NeedAnswer>) -> NeedInfo {
        NeedInfo {
            id: "drain-compute-host".into(),
            title: "Empty a compute host before maintenance".into(),
            problem: "Before I patch a hypervisor\n\nI move every instance.\x1b[2J".into(),
            persona: Some("cloud operator".into()),
            services: vec!["nova".into(), "placement".into()],
            links: vec!["https://a.example/1".into(), "https://b.example/2".into()],
            use_cases: vec![
                UseCase {
                    persona: Some("cloud operator".into()),
                    text: "I want to drain a host in one command".into(),
                },
                UseCase {
                    persona: None,
                    text: "Nobody runs two copies".into(),
                },
            ],
            status: "addressed".into(),
            retired_reason: None,
            votes: 3,
            created_by: Some("jane".into()),
            created_at: "2026-11-23T15:21:06Z".into(),
            updated_at: "2026-11-23T15:21:06Z".into(),
            answers,
        }
    }

    #[test]
    fn describe_shows_the_need_then_its_answers_side_by_side() {
        let lines = describe(
            &info(vec![
                answer("nova-evacuate-host", 3, "Live-migrate every instance"),
                answer("drain-tool", 12, "Drain"),
            ]),
            None,
        );
        let text = lines.join("\n");
        assert_eq!(
            text,
            "drain-compute-host
Empty a compute host before maintenance

status:    addressed
votes:     3
persona:   cloud operator
services:  nova, placement
links:     https://a.example/1
           https://b.example/2
created:   2026-11-23 by jane

problem:
  Before I patch a hypervisor

  I move every instance. [2J

use cases:
  - cloud operator: I want to drain a host in one command
  - Nobody runs two copies

answers: 2 assets
  NAME                VERSION  KIND    RELEASES            SERVICES        DOWNLOADS  DESCRIPTION
  nova-evacuate-host  1.2.0    script  >=2023.1, <=2025.2  nova,placement          3  Live-migrate every instance
  drain-tool          1.2.0    script  >=2023.1, <=2025.2  nova,placement         12  Drain"
        );
    }

    #[test]
    fn an_unanswered_need_says_so_and_a_retired_one_gives_its_reason() {
        let mut need = info(vec![]);
        need.status = "retired".into();
        need.retired_reason = Some("nova does this now".into());
        let lines = describe(&need, Some(80));
        assert!(lines.contains(&"status:    retired: nova does this now".to_owned()));
        assert_eq!(lines.last().map(String::as_str), Some("answers: none yet"));
        assert!(most_downloaded(&need.answers).is_none());
    }

    #[test]
    fn the_most_downloaded_answer_is_the_hint_and_ties_keep_the_registry_order() {
        let answers = [
            answer("a-one", 3, ""),
            answer("b-two", 9, ""),
            answer("c-three", 9, ""),
        ];
        assert_eq!(
            most_downloaded(&answers).map(|a| &a.name[..]),
            Some("b-two")
        );
    }

    #[test]
    fn answer_descriptions_are_cut_only_on_a_terminal() {
        let long = "Live-migrate or evacuate every instance off a compute host ".repeat(3);
        let answers = [answer("nova-evacuate-host", 3, &long)];
        let cut = answers_table(&answers, Some(120));
        assert!(cut.iter().all(|l| l.chars().count() <= 120), "{cut:#?}");
        assert_eq!(cut[1].chars().count(), 120, "{cut:#?}");
        assert!(cut[1].ends_with('…'), "{}", cut[1]);
        let whole = answers_table(&answers, None);
        assert!(whole[1].ends_with(long.trim_end()), "{}", whole[1]);
    }

    #[test]
    fn answers_from_a_mirror_have_no_download_column() {
        let mut from_mirror = answer("nova-evacuate-host", 0, "Drain a host");
        from_mirror.downloads = None;
        let table = answers_table(&[from_mirror], None);
        assert_eq!(
            table,
            [
                "NAME                VERSION  KIND    RELEASES            SERVICES        DESCRIPTION",
                "nova-evacuate-host  1.2.0    script  >=2023.1, <=2025.2  nova,placement  Drain a host",
            ]
        );
    }
}
