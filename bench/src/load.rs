//! A bounded HTTP load through wrk: many paths, round robin, for a fixed time.
//!
//! wrk does the requesting (it is far lighter on the shared CPU than anything we would write
//! around reqwest); a Lua script written next to the paths file picks each request's path and,
//! when the run is done, prints one `BENCH {json}` line that we parse instead of wrk's human
//! summary.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// A request slower than this counts as a timeout error (wrk's `--timeout`) and is left out of
/// the latency percentiles. wrk sizes its latency histogram by it (8 bytes per microsecond).
const TIMEOUT: Duration = Duration::from_secs(5);

/// The prefix of the line the script's `done()` prints.
const MARKER: &str = "BENCH ";

/// How hard and how long to push.
pub struct Load {
    pub threads: u32,
    pub connections: u32,
    pub duration: std::time::Duration,
}

/// What one run achieved.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub requests: u64,
    pub seconds: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The slowest request.
    pub max_ms: f64,
    pub bytes_per_sec: f64,
    pub errors: u64,
}

/// Runs wrk against `base_url`, each request taking the next of `paths` (round robin across all
/// connections — a Lua script written to `work_dir`), with extra request `headers`, for
/// `load.duration`. Errors = socket errors (connect/read/write/timeout) + non-2xx/3xx responses.
pub fn run(
    base_url: &str,
    paths: &[String],
    headers: &[(String, String)],
    load: &Load,
    work_dir: &Path,
) -> anyhow::Result<LoadResult> {
    if paths.is_empty() {
        bail!("no paths to request");
    }
    if load.threads == 0 || load.connections < load.threads {
        bail!(
            "wrk needs at least one connection per thread, got {} connections for {} threads",
            load.connections,
            load.threads
        );
    }
    let prefix = path_prefix(base_url)?;
    std::fs::create_dir_all(work_dir)
        .with_context(|| format!("cannot create `{}`", work_dir.display()))?;
    let work_dir = std::path::absolute(work_dir)?;

    let paths_file = work_dir.join("paths.txt");
    let mut lines = String::new();
    for path in paths {
        check_path(path)?;
        let _ = writeln!(lines, "{prefix}{path}");
    }
    std::fs::write(&paths_file, lines)
        .with_context(|| format!("cannot write `{}`", paths_file.display()))?;
    let script_file = work_dir.join("load.lua");
    std::fs::write(&script_file, script(&paths_file, headers, load.threads)?)
        .with_context(|| format!("cannot write `{}`", script_file.display()))?;

    // wrk takes whole seconds; a partial second is rounded up rather than lost.
    let seconds = load.duration.as_secs() + u64::from(load.duration.subsec_nanos() > 0);
    let output = Command::new("wrk")
        .arg(format!("--threads={}", load.threads))
        .arg(format!("--connections={}", load.connections))
        .arg(format!("--duration={}s", seconds.max(1)))
        .arg(format!("--timeout={}s", TIMEOUT.as_secs()))
        .arg("--script")
        .arg(&script_file)
        .arg(base_url)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "`wrk` not found on PATH\nhint: install it, e.g. `apt-get install wrk` (Debian \
                 package `wrk`)"
            ),
            _ => anyhow::Error::new(e).context("cannot run wrk"),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let found = stdout.lines().find_map(|l| l.strip_prefix(MARKER));
    match (output.status.success(), found) {
        (true, Some(line)) => parse(line),
        _ => bail!(
            "wrk against `{base_url}` failed ({}):\n{}{}",
            output.status,
            stdout.trim_end(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        ),
    }
}

/// The path part of `base_url` (without a trailing slash), to put before every path: wrk
/// requests exactly what the script returns.
fn path_prefix(base_url: &str) -> anyhow::Result<&str> {
    let Some(rest) = base_url.strip_prefix("http://") else {
        bail!("base URL `{base_url}` is not `http://HOST:PORT[/PREFIX]`");
    };
    Ok(rest
        .find('/')
        .map_or("", |i| rest[i..].trim_end_matches('/')))
}

/// A path must be one line of a request target: `/` first, no whitespace or control characters.
fn check_path(path: &str) -> anyhow::Result<()> {
    if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "path `{}` is not a request target (`/...`, no spaces)",
            path.escape_debug()
        );
    }
    Ok(())
}

/// The wrk script. Each thread reads all paths in `init` (a script with 100,000 paths inline
/// would be a slow, large chunk for every thread's Lua to compile) and pre-formats every request,
/// as wrk's docs advise: `request()` then only indexes a table. Thread N of `threads` starts
/// N/threads of the way through the list, so threads do not request the same files in lockstep.
fn script(paths_file: &Path, headers: &[(String, String)], threads: u32) -> anyhow::Result<String> {
    let paths_file = paths_file
        .to_str()
        .with_context(|| format!("path `{}` is not UTF-8", paths_file.display()))?;
    let mut extra = String::new();
    for (name, value) in headers {
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
            || value.bytes().any(|b| b == b'\r' || b == b'\n')
        {
            bail!(
                "header `{}: {}` is not valid",
                name.escape_debug(),
                value.escape_debug()
            );
        }
        let _ = writeln!(
            extra,
            "wrk.headers[{}] = {}",
            lua_string(name),
            lua_string(value)
        );
    }
    Ok(format!(
        r#"-- Written by osops-bench; overwritten on each run.
{extra}
local threads = 0
function setup(thread)
   thread:set("thread_index", threads)
   threads = threads + 1
end

local requests = {{}}
local next_request = 1

function init(args)
   -- wrk.headers holds Host (with the port) by now; wrk.format uses it when given no headers.
   for path in io.lines({paths_file}) do
      requests[#requests + 1] = wrk.format("GET", path)
   end
   next_request = math.floor(thread_index * #requests / {threads}) + 1
end

function request()
   local r = requests[next_request]
   next_request = next_request + 1
   if next_request > #requests then
      next_request = 1
   end
   return r
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{MARKER}{{"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,' ..
      '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"errors_status":%d,' ..
      '"p50_us":%d,"max_us":%d,"p99_us":%d}}\n',
      summary.requests, summary.duration, summary.bytes, e.connect,
      e.read, e.write, e.timeout, e.status,
      latency:percentile(50), latency.max, latency:percentile(99)))
end
"#,
        paths_file = lua_string(paths_file),
    ))
}

/// `text` as a Lua string literal; every byte outside printable ASCII (and `"`, `\`) as `\ddd`.
fn lua_string(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for b in text.bytes() {
        if (b.is_ascii_graphic() || b == b' ') && b != b'"' && b != b'\\' {
            literal.push(char::from(b));
        } else {
            let _ = write!(literal, "\\{b:03}");
        }
    }
    literal.push('"');
    literal
}

/// The JSON the script's `done()` prints after [`MARKER`].
#[derive(Debug, serde::Deserialize)]
struct Summary {
    requests: u64,
    duration_us: u64,
    bytes: u64,
    errors_connect: u64,
    errors_read: u64,
    errors_write: u64,
    errors_timeout: u64,
    errors_status: u64,
    p50_us: u64,
    max_us: u64,
    p99_us: u64,
}

fn parse(line: &str) -> anyhow::Result<LoadResult> {
    let s: Summary = serde_json::from_str(line)
        .with_context(|| format!("cannot read wrk's summary `{line}`"))?;
    // A zero duration would make every rate infinite; wrk never reports one for a real run.
    let seconds = (s.duration_us as f64 / 1e6).max(1e-6);
    Ok(LoadResult {
        requests: s.requests,
        seconds,
        rps: s.requests as f64 / seconds,
        p50_ms: s.p50_us as f64 / 1e3,
        p99_ms: s.p99_us as f64 / 1e3,
        max_ms: s.max_us as f64 / 1e3,
        bytes_per_sec: s.bytes as f64 / seconds,
        errors: s.errors_connect
            + s.errors_read
            + s.errors_write
            + s.errors_timeout
            + s.errors_status,
    })
}

/// `count` requests one after the other, taking `paths` in turn, each allowed two minutes: for a
/// server too slow for wrk's timeout, and for latencies without queueing behind other requests.
/// Any answer but 2xx/3xx is an error.
pub fn sequential(
    client: &reqwest::blocking::Client,
    base_url: &str,
    paths: &[String],
    count: usize,
) -> anyhow::Result<LoadResult> {
    if paths.is_empty() {
        bail!("no paths to request");
    }
    let mut times = Vec::with_capacity(count);
    let mut bytes = 0u64;
    let mut errors = 0u64;
    let started = std::time::Instant::now();
    for path in paths.iter().cycle().take(count) {
        let one = std::time::Instant::now();
        match client
            .get(format!("{base_url}{path}"))
            .timeout(std::time::Duration::from_secs(120))
            .send()
        {
            Ok(resp) if resp.status().is_success() || resp.status().is_redirection() => {
                bytes += resp.bytes().map(|b| b.len() as u64).unwrap_or(0);
            }
            _ => errors += 1,
        }
        times.push(one.elapsed());
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1000.0
    };
    Ok(LoadResult {
        requests: count as u64,
        seconds,
        rps: count as f64 / seconds,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        bytes_per_sec: bytes as f64 / seconds,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn summary_line_becomes_rates_and_milliseconds() {
        let line = r#"{"requests":20000,"duration_us":2000000,"bytes":4000000,"errors_connect":1,"errors_read":2,"errors_write":3,"errors_timeout":4,"errors_status":5,"p50_us":250,"max_us":4000,"p99_us":1500}"#;
        let r = super::parse(line).expect("parse");
        assert_eq!(r.requests, 20000);
        assert!((r.seconds - 2.0).abs() < 1e-9);
        assert!((r.rps - 10000.0).abs() < 1e-6);
        assert!((r.bytes_per_sec - 2_000_000.0).abs() < 1e-6);
        assert!((r.p50_ms - 0.25).abs() < 1e-9);
        assert!((r.p99_ms - 1.5).abs() < 1e-9);
        assert!((r.max_ms - 4.0).abs() < 1e-9);
        assert_eq!(r.errors, 15);
    }

    #[test]
    fn a_truncated_summary_is_an_error_that_quotes_it() {
        let err = super::parse(r#"{"requests":1"#).expect_err("truncated");
        assert!(err.to_string().contains(r#"{"requests":1"#), "{err}");
    }

    #[test]
    fn script_reads_paths_from_the_file_and_sets_headers() {
        let headers = [("Authorization".to_owned(), "Bearer a\"b\\c".to_owned())];
        let lua = super::script(Path::new("/w/paths.txt"), &headers, 2).expect("script");
        assert!(lua.contains(r#"io.lines("/w/paths.txt")"#), "{lua}");
        assert!(
            lua.contains(r#"wrk.headers["Authorization"] = "Bearer a\034b\092c""#),
            "{lua}"
        );
        assert!(lua.contains("thread_index * #requests / 2"), "{lua}");
        // The format string's JSON must survive Rust's `format!` braces intact.
        assert!(lua.contains(r#"'BENCH {"requests":%d,"#), "{lua}");
        assert!(lua.contains(r#""p99_us":%d}\n'"#), "{lua}");
    }

    #[test]
    fn script_refuses_header_injection() {
        let headers = [("X-A".to_owned(), "1\r\nX-B: 2".to_owned())];
        assert!(super::script(Path::new("/w/p"), &headers, 1).is_err());
        let headers = [("X A".to_owned(), "1".to_owned())];
        assert!(super::script(Path::new("/w/p"), &headers, 1).is_err());
    }

    #[test]
    fn lua_strings_escape_quotes_backslashes_and_non_ascii() {
        assert_eq!(super::lua_string("a b"), r#""a b""#);
        assert_eq!(super::lua_string("\"\\\n"), r#""\034\092\010""#);
        assert_eq!(super::lua_string("é"), r#""\195\169""#);
    }

    #[test]
    fn paths_must_be_request_targets() {
        assert!(super::check_path("/index/3/a/abc").is_ok());
        assert!(super::check_path("index").is_err());
        assert!(super::check_path("/a b").is_err());
        assert!(super::check_path("/a\nGET /b").is_err());
    }

    #[test]
    fn base_url_path_prefixes_every_path() {
        assert_eq!(super::path_prefix("http://127.0.0.1:1").expect("url"), "");
        assert_eq!(super::path_prefix("http://127.0.0.1:1/").expect("url"), "");
        assert_eq!(super::path_prefix("http://h:1/reg/").expect("url"), "/reg");
        assert!(super::path_prefix("https://h").is_err());
    }
}
