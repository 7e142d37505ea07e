use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::{Command, ExitCode, Stdio};

use super::Context;
use crate::UserError;
use crate::config;

pub const EXAMPLES: &str = "\
Examples:
  osops login --registry internal                           # paste the token, then Enter
  osops login --registry https://osops.example.org < token.txt

The token is read from standard input, one line; on a terminal it is not echoed (this uses `stty`).
It is checked locally (an osops token is `osops_` and 38 letters and digits, the last 6 a checksum),
then saved for that registry only in $XDG_CONFIG_HOME/osops/config.toml (default
~/.config/osops/config.toml), a file only you may read (mode 0600): as the `token` of
`[registries.NAME]` for a registry named there (by --registry NAME, or by its URL), else under the
registry's URL. Commands then use it for that registry; --token and OSOPS_TOKEN still take
precedence. Get a token with `osops token create` (or, as an administrator, `osops-registry token
create --user NAME`).";

#[derive(Debug, clap::Args)]
pub struct Args {}

/// Longest line read as a token: far more than a token, far less than a mistake can cost.
const MAX_LINE: u64 = 4096;

pub fn exec(_args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if ctx.global.token.is_some() {
        return Err(UserError::new(
            "`osops login` reads the token from standard input, not from --token",
            "run `osops login` and paste the token, or pipe it in; other users can see --token in `ps`",
        )
        .into());
    }
    let url = ctx.registry()?;
    if url.starts_with("file://") {
        return Err(UserError::new(
            format!("`{url}` is a directory (a mirror), not a registry server: it takes no token"),
            "log in to the registry the mirror was made from: `osops login --registry URL`",
        )
        .into());
    }
    let registries = ctx.registries();
    // Where the token goes: the named registry the user chose (or `[registry] default` names),
    // else the URL, which `set_token` saves into a named registry with that URL if there is one.
    let chosen = ctx
        .global
        .registry
        .as_deref()
        .map(str::trim)
        .filter(|chosen| !chosen.is_empty());
    let (target, label) = match chosen.or(registries.default_name()) {
        Some(name) if config::is_registry_name(name) => {
            (name.to_owned(), format!("{name} ({url})"))
        }
        _ => (url.clone(), registries.label(&url)),
    };
    let file = ctx.config_file()?;
    let token = read_token(&label)?;
    crate::token::check(&token)?;
    file.set_token(&target, &token)?;
    ctx.printer.status(
        "Saved",
        format_args!("token for {label} in `{}`", file.path().display()),
    );
    if std::env::var_os("OSOPS_TOKEN").is_some_and(|v| !v.is_empty()) {
        ctx.printer
            .note("OSOPS_TOKEN is set, and takes precedence over the saved token");
    }
    Ok(ExitCode::SUCCESS)
}

/// One line from stdin, trimmed; on a terminal, after a prompt and with echo off.
fn read_token(registry: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let mut echo = None;
    if terminal {
        echo = EchoOff::start();
        let hidden = if echo.is_some() {
            " (input hidden)"
        } else {
            ""
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "Paste the API token for {registry}{hidden}: ");
        let _ = err.flush();
    }
    let mut line = String::new();
    let read = stdin.lock().take(MAX_LINE).read_line(&mut line);
    if terminal {
        drop(echo);
        let _ = writeln!(std::io::stderr());
    }
    read.map_err(|e| anyhow::Error::new(e).context("cannot read the token from standard input"))?;
    // An empty line is refused by the format check, as "the token is empty".
    Ok(line.trim().to_owned())
}

/// The terminal's echo, turned off with `stty` for as long as this lives and then restored.
/// `stty` rather than termios calls: the crate forbids `unsafe` and takes no dependency for this.
/// If `stty` is missing or fails, input stays visible and the prompt does not claim otherwise.
struct EchoOff {
    saved: String,
}

impl EchoOff {
    fn start() -> Option<EchoOff> {
        let saved = stty(&["-g"])?;
        stty(&["-echo"])?;
        Some(EchoOff {
            saved: saved.trim().to_owned(),
        })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if stty(&[&self.saved]).is_none() {
            let _ = stty(&["echo"]);
        }
    }
}

/// Runs `stty ARGS` on the terminal that is stdin; its stdout on success.
fn stty(args: &[&str]) -> Option<String> {
    let output = Command::new("stty")
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
