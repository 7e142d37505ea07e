use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::binary;

/// The result of one command, with text already decoded.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(o: std::process::Output) -> Self {
        Output {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics, showing both streams, unless the command exited 0.
    #[track_caller]
    pub fn assert_success(self) -> Output {
        assert!(
            self.success(),
            "command failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the command exited non-zero; returns the output for checking its message.
    #[track_caller]
    pub fn assert_failure(self) -> Output {
        assert!(
            !self.success() && self.code.is_some(),
            "command should have failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    /// stdout then stderr, for matching a message wherever it was printed.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// An isolated machine for `osops`: its own HOME, OSOPS_HOME and XDG dirs.
pub struct TestContext {
    root: tempfile::TempDir,
    registry: String,
    token: Option<String>,
}

impl TestContext {
    /// A context pointed at `registry_url`, with no token.
    pub fn new(registry_url: &str) -> TestContext {
        let root = tempfile::tempdir().expect("temporary home");
        for dir in ["home", "osops-home", "work"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("create test dirs");
        }
        TestContext {
            root,
            registry: registry_url.to_string(),
            token: None,
        }
    }

    /// The same context, publishing with `token`.
    pub fn with_token(mut self, token: &str) -> TestContext {
        self.token = Some(token.to_string());
        self
    }

    /// `$OSOPS_HOME`.
    pub fn osops_home(&self) -> PathBuf {
        self.root.path().join("osops-home")
    }

    /// A scratch directory that commands run in by default.
    pub fn work_dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Everything this context may write to; nothing must appear outside it.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// A `Command` for `osops` with the isolated environment, run in [`Self::work_dir`].
    pub fn command(&self) -> Command {
        let home = self.root.path().join("home");
        let mut cmd = Command::new(binary("osops"));
        cmd.current_dir(self.work_dir())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("OSOPS_HOME", self.osops_home())
            .env("OSOPS_REGISTRY", &self.registry)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if let Some(token) = &self.token {
            cmd.env("OSOPS_TOKEN", token);
        }
        cmd
    }

    /// Runs `osops ARGS` and waits for it.
    pub fn osops(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("osops runs")
            .into()
    }

    /// Runs `osops ARGS` in `dir`.
    pub fn osops_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.command()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("osops runs")
            .into()
    }
}
