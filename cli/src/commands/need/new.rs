use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::need::{self, Ask, Draft};

pub const EXAMPLES: &str = "\
Examples:
  osops need new drain-compute-host --title 'Empty a compute host before maintenance' \\
      --problem-file problem.md --persona 'cloud operator' --service nova --service placement \\
      --link https://bugs.launchpad.net/nova/+bug/1234567
  osops need new --from drain-compute-host.toml

On a terminal, a missing --title or --problem is asked for; otherwise (a script, CI) it is an
error naming the flag. A need file holds the record's fields at the top level:
  id = \"drain-compute-host\"
  title = \"Empty a compute host before maintenance\"
  problem = \"\"\"Before I patch a hypervisor I have to move every instance off it…\"\"\"
  services = [\"nova\"]";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The need's id: a slug such as `drain-compute-host` (`_` and capitals fold)
    pub id: Option<String>,
    /// One line saying what operators need
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The problem in the operator's words (markdown)
    #[arg(long, value_name = "TEXT", conflicts_with = "problem_file")]
    pub problem: Option<String>,
    /// Read the problem from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub problem_file: Option<PathBuf>,
    /// Who has the need: "cloud operator", "deployer", …
    #[arg(long, value_name = "PERSONA")]
    pub persona: Option<String>,
    /// An OpenStack service the need touches (repeat for several)
    #[arg(long = "service", value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Where it was raised: a bug, mailing-list thread, user story (repeat for several)
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<String>,
    /// Read the need from a TOML need file instead of flags
    #[arg(
        long,
        value_name = "FILE.toml",
        conflicts_with_all = ["title", "problem", "problem_file", "persona", "services", "links"]
    )]
    pub from: Option<PathBuf>,
}

impl Args {
    fn draft(&self) -> Draft {
        Draft {
            id: self.id.clone(),
            title: self.title.clone(),
            problem: self.problem.clone(),
            problem_file: self.problem_file.clone(),
            persona: self.persona.clone(),
            services: self.services.clone(),
            links: self.links.clone(),
        }
    }
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    // Everything is checked here, before the token and before any request.
    let record = match &args.from {
        Some(path) => {
            let (record, notes) = need::record_from_file(path, args.id.as_deref())?;
            for note in notes {
                ctx.printer.note(note);
            }
            record
        }
        None => {
            // Reading stdin for the problem and prompting on it would fight over it.
            let reads_stdin = args.problem_file.as_deref() == Some(std::path::Path::new("-"));
            let mut terminal = Terminal;
            let ask: Option<&mut dyn Ask> = (std::io::stdin().is_terminal() && !reads_stdin)
                .then_some(&mut terminal as &mut dyn Ask);
            let (record, folded) = need::record_from_flags(args.draft(), ask)?;
            if let Some(typed) = folded {
                ctx.printer.note(format_args!(
                    "using the canonical id `{}` for `{typed}`",
                    record.id
                ));
            }
            record
        }
    };
    let client = ctx.client()?;
    let created = client.create_need(&record)?;
    ctx.printer
        .status("Created", format_args!("need {}", created.info.id));
    ctx.printer.hint(format_args!(
        "see it with `osops need show {0}`; assets answer it with `[needs] addresses = [\"{0}\"]`",
        created.info.id
    ));
    Ok(ExitCode::SUCCESS)
}

/// Asks on stderr, reads stdin: used only when stdin is a terminal.
struct Terminal;

impl Ask for Terminal {
    fn line(&mut self, label: &str) -> std::io::Result<Option<String>> {
        let mut err = std::io::stderr().lock();
        write!(err, "{label}: ")?;
        err.flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim();
        Ok((!line.is_empty()).then(|| line.to_owned()))
    }

    fn text(&mut self, label: &str) -> std::io::Result<Option<String>> {
        writeln!(std::io::stderr().lock(), "{label}:")?;
        let mut text = String::new();
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if line.trim().is_empty() {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        Ok((!text.trim().is_empty()).then_some(text))
    }
}
