//! The `osops` binary: parse, run, and report errors the way cargo and uv do.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(
            std::io::stderr(),
            "error: osops crashed: {info}\nhint: this is a bug in osops; please report it with the command you ran"
        );
    }));
    // Usage errors exit 2 and `--help` exits 0, both from clap; every other code comes from
    // `osops::exit::classify`.
    let cli = osops::Cli::parse();
    match osops::run(cli) {
        Ok(code) => code,
        Err(err) if osops::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            osops::exit::classify(&err).into()
        }
    }
}

fn report(err: &anyhow::Error) {
    let color = osops::printer::stderr_color();
    let red = anstyle::AnsiColor::Red.on_default().bold();
    let cyan = anstyle::AnsiColor::Cyan.on_default().bold();
    let paint = |style: anstyle::Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    out.push_str(&format!("{} {err}\n", paint(red, "error:")));
    for cause in err.chain().skip(1) {
        out.push_str(&format!("  Caused by: {cause}\n"));
    }
    if let Some(hint) = osops::hint_for(err) {
        out.push_str(&format!("{} {hint}\n", paint(cyan, "hint:")));
    }
    let _ = std::io::stderr().write_all(out.as_bytes());
}
