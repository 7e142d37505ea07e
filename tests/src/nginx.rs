//! nginx serving a directory as-is, for the air-gapped mirror test: the proof that a mirror needs
//! nothing but a static web server.
//!
//! The approach is bench/src/nginx.rs's: nginx in the foreground (`daemon off`) as our child, on
//! 127.0.0.1 and a free port, with its config, pid, temp and log files in a temporary directory,
//! run as the current user. The directory is served twice: at `/` and at `/osops/mirror/`, so a
//! test can show the mirror's relative download URLs work wherever it is served from.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long nginx has to start accepting connections, and then to stop.
const DEADLINE: Duration = Duration::from_secs(20);

/// The sub-path the directory is also served under.
pub const SUB_PATH: &str = "/osops/mirror";

/// A running nginx, stopped on drop.
pub struct Nginx {
    child: Child,
    url: String,
    work: tempfile::TempDir,
}

impl Nginx {
    /// Starts nginx serving `root`, or says why it could not (nginx missing, or failing at
    /// start-up, with what it logged).
    pub fn start(root: &Path) -> Result<Nginx, String> {
        let root = std::path::absolute(root).map_err(|e| e.to_string())?;
        let work = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut last = String::new();
        // The free port is free only until someone else takes it; another try covers that race.
        for _ in 0..3 {
            match Self::start_once(&root, &work) {
                Ok((child, url)) => return Ok(Nginx { child, url, work }),
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    fn start_once(root: &Path, work: &tempfile::TempDir) -> Result<(Child, String), String> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let conf = work.path().join("nginx.conf");
        std::fs::write(&conf, config(root, work.path(), port)?).map_err(|e| e.to_string())?;
        let error_log = work.path().join("error.log");
        let _ = std::fs::remove_file(&error_log);
        let stderr =
            std::fs::File::create(work.path().join("stderr.log")).map_err(|e| e.to_string())?;
        let mut child = Command::new(nginx_binary())
            .arg("-p")
            .arg(work.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start nginx (`{}`): {e}; install it with `apt-get install nginx-light`",
                    nginx_binary().display()
                )
            })?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "nginx exited at start-up ({status}):\n{}",
                    logs(work.path())
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok((child, format!("http://127.0.0.1:{port}")));
            }
            if started.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "nginx did not listen within {DEADLINE:?}:\n{}",
                    logs(work.path())
                ));
            }
            // Polling for the port to open (nginx offers no readiness signal to a child).
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What nginx logged (for failure messages).
    pub fn logs(&self) -> String {
        logs(self.work.path())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        // SIGTERM (fast shutdown) takes the workers down with the master; SIGKILL on the master
        // would orphan them. The pid is our unreaped child's, so it cannot have been reused.
        let signalled = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let started = Instant::now();
        while signalled && started.elapsed() < DEADLINE {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration: one worker, 127.0.0.1:`port`, `root` at `/` and at [`SUB_PATH`], every
/// file nginx writes under `work`. The guide's snippet (docs/guides/air-gapped.md) is the
/// `location` part of this.
fn config(root: &Path, work: &Path, port: u16) -> Result<String, String> {
    let path = |p: &Path| quoted(p);
    let in_work = |name: &str| quoted(&work.join(name));
    let user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    let root_slash = quoted(&PathBuf::from(format!("{}/", root.display())))?;
    Ok(format!(
        r#"# Written by osops-tests.
{user}daemon off;
master_process on;
worker_processes 1;
error_log {error_log};
pid {pid};

events {{
    worker_connections 64;
}}

http {{
    access_log {access_log};
    client_body_temp_path {body};
    proxy_temp_path {proxy};
    fastcgi_temp_path {fastcgi};
    uwsgi_temp_path {uwsgi};
    scgi_temp_path {scgi};
    types {{
        application/json json;
    }}
    default_type application/octet-stream;

    server {{
        listen 127.0.0.1:{port};
        root {root};
        location {sub}/ {{
            alias {root_slash};
        }}
    }}
}}
"#,
        error_log = in_work("error.log")?,
        access_log = in_work("access.log")?,
        pid = in_work("nginx.pid")?,
        body = in_work("client_body_temp")?,
        proxy = in_work("proxy_temp")?,
        fastcgi = in_work("fastcgi_temp")?,
        uwsgi = in_work("uwsgi_temp")?,
        scgi = in_work("scgi_temp")?,
        root = path(root)?,
        sub = SUB_PATH,
    ))
}

/// `path` as a double-quoted nginx string; paths nginx would misread are refused.
fn quoted(path: &Path) -> Result<String, String> {
    let text = path
        .to_str()
        .ok_or_else(|| format!("path `{}` is not UTF-8", path.display()))?;
    if text
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '$') || c.is_control())
    {
        return Err(format!("path `{text}` cannot go into an nginx config"));
    }
    Ok(format!("\"{text}\""))
}

fn logs(work: &Path) -> String {
    ["error.log", "stderr.log"]
        .iter()
        .filter_map(|name| std::fs::read_to_string(work.join(name)).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `nginx` from PATH, else Debian's `/usr/sbin/nginx`.
fn nginx_binary() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nginx"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

/// As root, nginx would run its workers as `nobody`, who may not read a private temp dir.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}
