use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::binary;

/// A running `osops-registry serve` on an ephemeral loopback port, killed on drop.
pub struct TestRegistry {
    child: Child,
    url: String,
    data_dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

/// How long a registry may take to start listening before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl TestRegistry {
    /// Starts an empty registry.
    pub fn start() -> TestRegistry {
        Self::start_with(&[])
    }

    /// Starts a registry with extra `serve` arguments (e.g. `["--demo", DIR]`).
    pub fn start_with(extra: &[&str]) -> TestRegistry {
        let data_dir = tempfile::tempdir().expect("temporary data dir");
        Self::start_on(data_dir, extra)
    }

    /// Starts a registry on an existing data dir (to restart one after a crash).
    pub fn start_on(data_dir: tempfile::TempDir, extra: &[&str]) -> TestRegistry {
        Self::start_on_with_env(data_dir, extra, &[])
    }

    /// [`TestRegistry::start_on`] with extra environment variables (e.g. `OSOPS_FAILPOINT`).
    pub fn start_on_with_env(
        data_dir: tempfile::TempDir,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> TestRegistry {
        let mut child = Command::new(binary("osops-registry"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            .args(extra)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("osops-registry starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, url) = mpsc::channel();
        let sink = Arc::clone(&log);
        // Drain stderr for the server's whole life, so it never blocks on a full pipe; the first
        // "listening on" line tells the URL.
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let url = line[at + "listening on ".len()..].split_whitespace().next();
                    if let (Some(tx), Some(url)) = (found.take(), url) {
                        let _ = tx.send(url.trim_end_matches(['"', ',']).to_string());
                    }
                }
                let mut log = sink.lock().expect("log lock");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let url = match url.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "osops-registry did not start:\n{}",
                    log.lock().expect("log lock")
                );
            }
        };
        TestRegistry {
            child,
            url,
            data_dir,
            log,
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// What the server logged so far (for failure messages).
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Runs `osops-registry ARGS --data-dir DIR` (an admin command on this registry's data).
    pub fn admin(&self, args: &[&str]) -> crate::Output {
        let output = Command::new(binary("osops-registry"))
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("osops-registry runs");
        crate::Output::from(output)
    }

    /// Adds a user and returns a fresh publish token for them.
    pub fn user_with_token(&self, user: &str) -> String {
        self.admin(&["user", "add", user]).assert_success();
        let token = self
            .admin(&["token", "create", "--user", user])
            .assert_success();
        token.stdout.trim().to_string()
    }

    /// Files under the data dir's blob store whose name contains `sha256`.
    pub fn blob_paths(&self, sha256: &str) -> Vec<PathBuf> {
        walk(self.data_dir.path())
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(sha256))
            })
            .collect()
    }

    /// The sha256 of every archive in the data dir's blob store; any other file there (a staging
    /// file, a stray) fails the test.
    pub fn stored_archives(&self) -> std::collections::BTreeSet<String> {
        walk(&self.data_dir.path().join("blobs"))
            .iter()
            .map(|file| {
                let name = file.file_name().expect("file name").to_string_lossy();
                name.strip_suffix(".osops")
                    .unwrap_or_else(|| panic!("a stray file in the blob store: {}", file.display()))
                    .to_string()
            })
            .collect()
    }

    /// Kills the server at once (SIGKILL), keeping its data dir, which is returned.
    pub fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let placeholder = tempfile::tempdir().expect("temporary dir");
        std::mem::replace(&mut self.data_dir, placeholder)
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file below `dir`, recursively (links count as files: none is followed).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| !m.is_dir()))
        .collect()
}

/// Every path below `dir`, directories included, `dir` itself excluded; links are not followed.
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path.clone());
            }
            found.push(path);
        }
    }
    found.sort();
    found
}
