//! nginx serving a directory as-is, on 127.0.0.1: the benchmark's ceiling (the same bytes
//! straight from disk; `osops-bench` compiles this file in with `#[path]`) and the air-gapped
//! test's proof that a mirror needs nothing but a static web server.
//!
//! nginx runs in the foreground (`daemon off`) as our child, so its master's pid is the child's,
//! and everything it writes (config, pid, temp and log files) lives under one work directory. The
//! directory is served at `/` and again at [`SUB_PATH`], so a test can show that a mirror's
//! relative download URLs work wherever it is served from.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long nginx has to start accepting connections, and then to stop.
const DEADLINE: Duration = Duration::from_secs(20);

/// The sub-path the directory is also served under.
pub const SUB_PATH: &str = "/osops/mirror";

/// A running nginx, stopped on drop.
pub struct Nginx {
    child: Child,
    url: String,
    work_dir: PathBuf,
    conf: PathBuf,
}

impl Nginx {
    /// Starts nginx on 127.0.0.1:<free port> serving `root` (for the benchmark, files at the
    /// paths the registry serves: root/index/..., root/api/v1/assets/NAME/VERSION/download), with
    /// its config, pid, temp and log files under `work_dir`.
    pub fn start(root: &Path, work_dir: &Path) -> anyhow::Result<Nginx> {
        let root = std::path::absolute(root)
            .with_context(|| format!("cannot resolve `{}`", root.display()))?;
        let work_dir = std::path::absolute(work_dir)
            .with_context(|| format!("cannot resolve `{}`", work_dir.display()))?;
        std::fs::create_dir_all(&work_dir)
            .with_context(|| format!("cannot create `{}`", work_dir.display()))?;
        // The free port is free only until someone else takes it; another try covers that race.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&root, &work_dir) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("Address already in use") => {}
                result => return result,
            }
        }
    }

    fn start_once(root: &Path, work_dir: &Path) -> anyhow::Result<Nginx> {
        let port = free_port()?;
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let conf = work_dir.join("nginx.conf");
        let text = config(root, work_dir, port, workers, running_as_root())?;
        std::fs::write(&conf, text)
            .with_context(|| format!("cannot write `{}`", conf.display()))?;
        let error_log = work_dir.join("error.log");
        // A previous attempt's complaints would be mistaken for this one's.
        let _ = std::fs::remove_file(&error_log);
        let stderr = std::fs::File::create(work_dir.join("stderr.log"))?;
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(work_dir)
            .arg("-c")
            .arg(&conf)
            // Start-up errors, before the config's `error_log` applies, go here too (not to the
            // compiled-in default under /var/log).
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => anyhow::anyhow!(
                    "nginx not found (looked for `nginx` on PATH and `/usr/sbin/nginx`)\n\
                     hint: install it, e.g. `apt-get install nginx-light`"
                ),
                _ => anyhow::Error::new(e).context("cannot start nginx"),
            })?;
        let mut nginx = Nginx {
            child,
            url: format!("http://127.0.0.1:{port}"),
            work_dir: work_dir.to_owned(),
            conf,
        };
        nginx.wait_ready(port, workers)?;
        Ok(nginx)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The master's pid and every worker's pid (for peak RSS: sum or max over them).
    pub fn pids(&self) -> Vec<u32> {
        let master = self.child.id();
        let mut pids = vec![master];
        pids.extend(children_of(master));
        pids
    }

    /// Polls until nginx accepts a connection and all its workers are up, or fails with what
    /// nginx logged if it exits first.
    fn wait_ready(&mut self, port: u16, workers: usize) -> anyhow::Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let started = Instant::now();
        let mut accepting = false;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("nginx exited at start-up ({status}):\n{}", self.logs());
            }
            // The master listens before it forks the workers: a connection alone does not mean
            // `pids()` would see them all yet.
            accepting =
                accepting || TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok();
            if accepting && self.pids().len() > workers {
                return Ok(());
            }
            if started.elapsed() > DEADLINE {
                bail!(
                    "nginx did not start serving {} within {DEADLINE:?}:\n{}",
                    self.url,
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// error.log and anything nginx wrote to stderr, for error messages.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for name in ["error.log", "stderr.log"] {
            let path = self.work_dir.join(name);
            if let Ok(text) = std::fs::read_to_string(&path)
                && !text.trim().is_empty()
            {
                let _ = writeln!(logs, "--- {} ---\n{}", path.display(), text.trim_end());
            }
        }
        if logs.is_empty() {
            logs.push_str("(nginx logged nothing)");
        }
        logs
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return; // Already gone (and reaped): its pid may belong to someone else by now.
        }
        // SIGTERM (fast shutdown), which takes the workers down with the master. Not
        // `Child::kill`: SIGKILL on the master would orphan the workers, still serving. The pid
        // is safe to signal: our child, not yet reaped, so not reusable.
        let master = self.child.id();
        let workers = children_of(master);
        let signalled = signal("TERM", master) || self.stop_through_pid_file();
        let started = Instant::now();
        while signalled && started.elapsed() < DEADLINE {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Last resort: kill the workers as well as the master.
        for pid in workers {
            signal("KILL", pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// `nginx -s stop`, for a system without `kill(1)`: nginx signals the pid in its pid file.
    fn stop_through_pid_file(&self) -> bool {
        Command::new(nginx_binary())
            .arg("-p")
            .arg(&self.work_dir)
            .arg("-c")
            .arg(&self.conf)
            .arg("-e")
            .arg(self.work_dir.join("error.log"))
            .args(["-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Sends `SIGNAL` to `pid` through kill(1) (the crate forbids `unsafe`, so no libc::kill).
fn signal(signal: &str, pid: u32) -> bool {
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The nginx configuration: `workers` worker processes (as many as cores, like the registry's
/// tokio runtime), everything on 127.0.0.1:`port`, `root` at `/` and at [`SUB_PATH`], every file
/// nginx writes under `work_dir`. The guide's snippet (docs/guides/air-gapped.md) is the
/// `location` part of this.
fn config(
    root: &Path,
    work_dir: &Path,
    port: u16,
    workers: usize,
    as_root: bool,
) -> anyhow::Result<String> {
    let root_slash = quoted(&PathBuf::from(format!("{}/", root.display())))?;
    let root = quoted(root)?;
    let work = |name: &str| quoted(&work_dir.join(name));
    // As root, nginx would run its workers as `nobody`, who may not read a private temp dir.
    let user = if as_root { "user root;\n" } else { "" };
    Ok(format!(
        r#"# Written by osops-bench or osops-tests; overwritten on each run.
{user}daemon off;
master_process on;
worker_processes {workers};
error_log {error_log};
pid {pid};

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    etag on;
    # No extension-based types: downloads are application/octet-stream, as osops serves them.
    types {{}}
    default_type application/octet-stream;
    client_body_temp_path {body};
    proxy_temp_path {proxy};
    fastcgi_temp_path {fastcgi};
    uwsgi_temp_path {uwsgi};
    scgi_temp_path {scgi};

    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{
            try_files $uri =404;
        }}
        # Index files as osops serves them: text/plain, except the JSON documents.
        location /index/ {{
            types {{
                application/json json;
            }}
            default_type "text/plain; charset=utf-8";
            try_files $uri =404;
        }}
        location {sub}/ {{
            alias {root_slash};
        }}
    }}
}}
"#,
        error_log = work("error.log")?,
        pid = work("nginx.pid")?,
        body = work("client_body_temp")?,
        proxy = work("proxy_temp")?,
        fastcgi = work("fastcgi_temp")?,
        uwsgi = work("uwsgi_temp")?,
        scgi = work("scgi_temp")?,
        sub = SUB_PATH,
    ))
}

/// `path` as a double-quoted nginx string. Paths nginx would read as variables (`$`) or could
/// not represent are refused rather than escaped.
fn quoted(path: &Path) -> anyhow::Result<String> {
    let text = path
        .to_str()
        .with_context(|| format!("path `{}` is not UTF-8", path.display()))?;
    if text
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '$') || c.is_control())
    {
        bail!(
            "path `{text}` cannot go into an nginx config\n\
             hint: use a directory without `\"`, `\\`, `$` or control characters"
        );
    }
    Ok(format!("\"{text}\""))
}

/// A port nothing listens on right now, on 127.0.0.1.
fn free_port() -> anyhow::Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// `nginx` from PATH, else Debian's `/usr/sbin/nginx` (sbin is often not on a user's PATH).
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nginx"))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

/// Whether this process's effective uid is 0 (the second field of `Uid:` in /proc/self/status).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// The pids whose parent is `parent`, from /proc/*/stat; empty off Linux.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: Vec<u32> = entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            (parent_in_stat(&stat)? == parent).then_some(pid)
        })
        .collect();
    children.sort_unstable();
    children
}

/// The parent pid from a `/proc/PID/stat` line: `PID (COMM) STATE PPID ...`, where COMM may hold
/// spaces and parentheses, so fields are counted after its last `)`.
fn parent_in_stat(stat: &str) -> Option<u32> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn config_binds_loopback_and_keeps_files_in_work_dir() {
        let text =
            super::config(Path::new("/srv/root"), Path::new("/w"), 8123, 2, false).expect("config");
        assert!(text.contains("listen 127.0.0.1:8123;"), "{text}");
        assert!(text.contains("worker_processes 2;"), "{text}");
        assert!(text.contains("root \"/srv/root\";"), "{text}");
        assert!(!text.contains("user root;"), "{text}");
        for line in text
            .lines()
            .filter(|l| l.contains("_path") || l.contains("_log "))
        {
            assert!(line.contains("\"/w/") || line.contains(" off;"), "{line}");
        }
    }

    #[test]
    fn config_runs_workers_as_root_only_when_we_are_root() {
        let text = super::config(Path::new("/r"), Path::new("/w"), 1, 1, true).expect("config");
        assert!(text.starts_with("# Written by osops-"), "{text}");
        assert!(text.contains("\nuser root;\n"), "{text}");
    }

    #[test]
    fn config_refuses_a_root_nginx_would_read_as_a_variable() {
        let err = super::config(Path::new("/tmp/$uri"), Path::new("/w"), 1, 1, false)
            .expect_err("`$` in a path");
        assert!(err.to_string().contains("/tmp/$uri"), "{err}");
    }

    #[test]
    fn parent_pid_is_read_after_a_command_with_spaces_and_parentheses() {
        let stat = "4242 (nginx: worker (x)) S 4241 4241 1 0 -1 4194624";
        assert_eq!(super::parent_in_stat(stat), Some(4241));
    }

    #[test]
    fn this_process_is_its_parents_child() {
        let status = std::fs::read_to_string("/proc/self/stat").expect("/proc on Linux");
        let parent = super::parent_in_stat(&status).expect("ppid");
        assert!(super::children_of(parent).contains(&std::process::id()));
    }
}
