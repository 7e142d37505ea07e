//! Output: stdout carries data, stderr carries talk.
//!
//! Talk is cargo-style status lines (a right-aligned verb such as `Installed`), warnings, notes and
//! hints, and progress bars. Colour is used only when stderr is a terminal and `NO_COLOR` is unset,
//! and never carries meaning on its own. `--quiet` silences everything but data, warnings and
//! errors; progress bars are hidden unless stderr is a terminal.

use std::cell::RefCell;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::client::Reporter;

/// Width of the right-aligned status verb, as cargo's.
const VERB_WIDTH: usize = 12;

/// Whether stderr may be coloured: a terminal, and `NO_COLOR` unset or empty.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Printer {
    verbosity: Verbosity,
    color: bool,
    progress: bool,
}

impl Printer {
    pub fn new(verbosity: Verbosity) -> Self {
        let tty = std::io::stderr().is_terminal();
        Printer {
            verbosity,
            color: stderr_color(),
            progress: tty && verbosity != Verbosity::Quiet,
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether progress bars are drawn: stderr is a terminal and `--quiet` was not given.
    pub fn shows_progress(&self) -> bool {
        self.progress
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn talk(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        // Talk that cannot be written is not worth failing the command for.
        let _ = writeln!(err, "{line}");
    }

    /// `   Installed nova-evacuate-host v1.2.0`: a step done or begun.
    pub fn status(&self, verb: &str, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            let verb = self.paint(
                AnsiColor::Green.on_default().bold(),
                &format!("{verb:>VERB_WIDTH$}"),
            );
            self.talk(&format!("{verb} {message}"));
        }
    }

    /// A status line shown only with `--verbose`.
    pub fn detail(&self, verb: &str, message: impl Display) {
        if self.verbosity == Verbosity::Verbose {
            let verb = self.paint(
                AnsiColor::Cyan.on_default().bold(),
                &format!("{verb:>VERB_WIDTH$}"),
            );
            self.talk(&format!("{verb} {message}"));
        }
    }

    /// Warnings are shown even with `--quiet`: they are about safety (a yanked version, a missing
    /// command), not progress.
    pub fn warn(&self, message: impl Display) {
        let label = self.paint(AnsiColor::Yellow.on_default().bold(), "warning:");
        self.talk(&format!("{label} {message}"));
    }

    pub fn note(&self, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            let label = self.paint(AnsiColor::Cyan.on_default().bold(), "note:");
            self.talk(&format!("{label} {message}"));
        }
    }

    pub fn hint(&self, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            let label = self.paint(AnsiColor::Cyan.on_default().bold(), "hint:");
            self.talk(&format!("{label} {message}"));
        }
    }

    /// A plain sentence of talk, without a label.
    pub fn say(&self, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            self.talk(&message.to_string());
        }
    }

    /// One line of data on stdout. A broken pipe comes back as an error for `main` to treat as
    /// success; `println!` would panic instead.
    pub fn data(&self, line: impl Display) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()
    }

    /// Raw bytes of data on stdout (shell completions).
    pub fn data_bytes(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// One JSON document on stdout, on one line.
    pub fn json<T: serde::Serialize + ?Sized>(&self, value: &T) -> std::io::Result<()> {
        let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
        self.data(text)
    }

    /// A [`Reporter`] that draws download progress bars on stderr and warns about retries.
    pub fn reporter(&self) -> CliReporter<'_> {
        CliReporter {
            printer: self,
            bar: RefCell::new(None),
        }
    }
}

/// The CLI's side of [`Reporter`]: indicatif bars when stderr is a terminal, nothing otherwise.
pub struct CliReporter<'a> {
    printer: &'a Printer,
    bar: RefCell<Option<ProgressBar>>,
}

impl Reporter for CliReporter<'_> {
    fn download_started(&self, what: &str, len: Option<u64>) {
        if !self.printer.progress {
            return;
        }
        let (bar, template) = match len {
            Some(len) => (
                ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()),
                "{prefix:>12.cyan.bold} [{bar:30}] {bytes}/{total_bytes} {msg}",
            ),
            None => (
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                "{prefix:>12.cyan.bold} {spinner} {bytes} {msg}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix("Downloading");
        bar.set_message(what.to_owned());
        *self.bar.borrow_mut() = Some(bar);
    }

    fn download_progress(&self, bytes: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.set_position(bytes);
        }
    }

    fn download_finished(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    fn retrying(&self, url: &str, attempt: u32, attempts: u32, delay: Duration, reason: &str) {
        self.download_finished();
        self.printer.warn(format_args!(
            "`{url}`: {reason}; retrying in {:.1}s (attempt {} of {attempts})",
            delay.as_secs_f64(),
            attempt + 1
        ));
    }
}

/// `1 asset`, `3 assets`: a count for people.
pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2.0 KiB`: sizes for people.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Lays rows of cells out in left-aligned columns two spaces apart, trailing spaces trimmed.
pub fn align<const N: usize>(rows: &[[String; N]]) -> Vec<String> {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:width$}"))
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect()
}

/// The width to lay tables out in when stdout is a terminal; `None` for a pipe or a file, where
/// nothing should be cut.
pub fn stdout_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let width = terminal_size::terminal_size().map_or(80, |(terminal_size::Width(w), _)| w);
    Some(usize::from(width).max(40))
}

/// Cuts `text` to `max` characters, ending in `…` when cut; control characters become spaces.
pub fn truncate(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_picks_a_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(2048), "2.0 KiB");
        assert_eq!(human_bytes(10 * 1024 * 1024), "10.0 MiB");
    }
}
