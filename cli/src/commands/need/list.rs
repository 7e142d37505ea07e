use std::process::ExitCode;

use osops_index::NeedStatus;

use super::Context;
use crate::client::{NeedQuery, NeedSort, NeedSummary};
use crate::printer::truncate;

pub const EXAMPLES: &str = "\
Examples:
  osops need list                          # most voted first
  osops need list --unanswered             # needs no asset answers yet, most voted first
  osops need list fernet --service keystone --status open
  osops need list --sort recent --json | jq -r '.needs[].id'";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Status {
    Open,
    Addressed,
    Retired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    /// Most votes first, then newest
    Votes,
    /// Newest first
    Recent,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Words to look for in ids, titles, problems and use cases
    pub query: Option<String>,
    /// Only needs that no asset answers yet (and not retired), most voted first
    #[arg(long, conflicts_with_all = ["sort", "status"])]
    pub unanswered: bool,
    /// Only needs that touch this OpenStack service
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Only needs with this status
    #[arg(long, value_enum)]
    pub status: Option<Status>,
    /// Order of the list [default: votes]
    #[arg(long, value_enum)]
    pub sort: Option<Sort>,
    /// Page of results, from 1
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: Option<u32>,
    /// Results per page, 1 to 100
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub per_page: Option<u32>,
    /// Print `{"total", "needs": [...]}` as JSON on stdout, needs as the registry sent them
    #[arg(long)]
    pub json: bool,
}

impl Args {
    pub fn query(&self) -> NeedQuery {
        let sort = match (self.unanswered, self.sort) {
            (true, _) => Some(NeedSort::Unanswered),
            (false, Some(Sort::Votes)) => Some(NeedSort::Votes),
            (false, Some(Sort::Recent)) => Some(NeedSort::Recent),
            (false, None) => None,
        };
        NeedQuery {
            q: self.query.clone().filter(|q| !q.trim().is_empty()),
            service: self.service.clone(),
            status: self.status.map(|s| match s {
                Status::Open => NeedStatus::Open,
                Status::Addressed => NeedStatus::Addressed,
                Status::Retired => NeedStatus::Retired,
            }),
            sort,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = ctx.client()?;
    let list = client.list_needs(&args.query(), &ctx.printer.reporter())?;
    if args.json {
        let needs = list
            .raw
            .get("needs")
            .cloned()
            .unwrap_or_else(|| serde_json::Value::Array(vec![]));
        ctx.printer
            .json(&serde_json::json!({"total": list.total, "needs": needs}))?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in table(&list.needs, crate::printer::stdout_width()) {
        ctx.printer.data(line)?;
    }
    if list.total == 0 {
        ctx.printer.note(if args.unanswered {
            "no unanswered needs match"
        } else {
            "no needs match"
        });
    } else if let Some(note) = crate::commands::page_note(
        list.total,
        list.needs.len() as u64,
        args.page,
        list.per_page,
        "needs",
    ) {
        ctx.printer.note(note);
    }
    if let Some(first) = list.needs.first() {
        ctx.printer.hint(format_args!(
            "see a need and its answers with `osops need show {}`",
            first.id
        ));
    }
    Ok(ExitCode::SUCCESS)
}

const MIN_TITLE_WIDTH: usize = 24;

/// One line per need: id, status, votes, answers, then the title, cut to fit `width` when there
/// is one (a terminal) and whole when there is not (a pipe or a file).
pub fn table(needs: &[NeedSummary], width: Option<usize>) -> Vec<String> {
    let col = |cells: &[String]| cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let ids: Vec<String> = needs.iter().map(|n| truncate(&n.id, 64)).collect();
    let statuses: Vec<String> = needs.iter().map(|n| truncate(&n.status, 12)).collect();
    // Numbers right-aligned, then their word: ` 1 vote` under `12 votes`.
    let counted = |count: fn(&NeedSummary) -> u64, one: &str, many: &str| -> Vec<String> {
        let digits = needs
            .iter()
            .map(|n| count(n).to_string().len())
            .max()
            .unwrap_or(0);
        needs
            .iter()
            .map(|n| {
                let n = count(n);
                format!("{n:>digits$} {}", if n == 1 { one } else { many })
            })
            .collect()
    };
    let votes = counted(|n| n.votes, "vote", "votes");
    let answers = counted(|n| n.answers, "answer", "answers");
    let (id_w, status_w, votes_w, answers_w) =
        (col(&ids), col(&statuses), col(&votes), col(&answers));
    let title_room = width.map(|w| {
        w.saturating_sub(id_w + status_w + votes_w + answers_w + 8)
            .max(MIN_TITLE_WIDTH)
    });
    needs
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let title = truncate(&n.title, title_room.unwrap_or(usize::MAX));
            let line = format!(
                "{:id_w$}  {:status_w$}  {:votes_w$}  {:answers_w$}  {title}",
                ids[i], statuses[i], votes[i], answers[i]
            );
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(id: &str, status: &str, votes: u64, answers: u64, title: &str) -> NeedSummary {
        NeedSummary {
            id: id.into(),
            title: title.into(),
            status: status.into(),
            persona: None,
            services: vec![],
            votes,
            answers,
            created_at: String::new(),
        }
    }

    #[test]
    fn table_aligns_columns_and_puts_the_title_last() {
        let needs = [
            need(
                "drain-compute-host",
                "addressed",
                12,
                1,
                "Empty a compute host",
            ),
            need("rotate-fernet-keys", "open", 1, 0, "Rotate Fernet keys"),
            need("x1", "retired", 0, 2, "Old"),
        ];
        let lines = table(&needs, None);
        assert_eq!(
            lines,
            [
                "drain-compute-host  addressed  12 votes  1 answer   Empty a compute host",
                "rotate-fernet-keys  open        1 vote   0 answers  Rotate Fernet keys",
                "x1                  retired     0 votes  2 answers  Old",
            ]
        );
    }

    #[test]
    fn titles_are_cut_only_on_a_terminal() {
        let long = "Know when the RabbitMQ cluster is unhealthy before the APIs hang ".repeat(3);
        let needs = [need("monitor-rabbitmq", "open", 3, 0, &long)];
        let line = &table(&needs, Some(80))[0];
        assert_eq!(line.chars().count(), 80, "{line}");
        assert!(line.ends_with('…'), "{line}");
        assert!(
            line.starts_with("monitor-rabbitmq  open  3 votes  0 answers  Know when"),
            "{line}"
        );
        let whole = &table(&needs, None)[0];
        assert!(whole.ends_with(long.trim_end()), "{whole}");
    }

    #[test]
    fn titles_lose_control_characters() {
        let line = &table(&[need("a-b", "open", 0, 0, "x\x1b[2Jy")], None)[0];
        assert!(line.ends_with("x [2Jy"), "{line}");
    }

    #[test]
    fn unanswered_is_a_sort_and_flags_become_parameters() {
        let args = Args {
            query: Some("fernet keys".into()),
            unanswered: true,
            service: Some("keystone".into()),
            status: None,
            sort: None,
            page: Some(2),
            per_page: Some(5),
            json: false,
        };
        assert_eq!(
            args.query().pairs(),
            [
                ("q", "fernet keys".to_owned()),
                ("service", "keystone".to_owned()),
                ("sort", "unanswered".to_owned()),
                ("page", "2".to_owned()),
                ("per_page", "5".to_owned()),
            ]
        );
        let args = Args {
            unanswered: false,
            sort: Some(Sort::Recent),
            status: Some(Status::Retired),
            query: None,
            service: None,
            page: None,
            per_page: None,
            ..args
        };
        assert_eq!(
            args.query().pairs(),
            [
                ("status", "retired".to_owned()),
                ("sort", "recent".to_owned())
            ]
        );
    }
}
