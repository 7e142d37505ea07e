//! The release-built `osops-registry` on its embedded default (SQLite + a directory), started on
//! loopback for the benchmark, and the HTTP calls the benchmark makes to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

/// The workspace's release binaries, built on first use.
pub struct Binaries {
    pub osops: PathBuf,
    pub registry: PathBuf,
}

impl Binaries {
    /// `cargo build --release` of `osops` and `osops-registry` (a no-op when they are current).
    pub fn build(workspace: &Path) -> anyhow::Result<Binaries> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace)
            .args(["build", "--release", "--quiet", "--bins"])
            .args(["-p", "osops", "-p", "osops-registry"])
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("cargo build --release of osops and osops-registry failed");
        }
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target"));
        Ok(Binaries {
            osops: target.join("release/osops"),
            registry: target.join("release/osops-registry"),
        })
    }
}

/// A running `osops-registry serve`, killed on drop.
pub struct Registry {
    child: Child,
    url: String,
    data_dir: PathBuf,
    bin: PathBuf,
}

impl Registry {
    /// Starts the registry on `data_dir` with rate limits off (one user publishes everything) and
    /// request logging at `warn`, as nginx runs with `access_log off`.
    pub fn start(bin: &Path, data_dir: &Path) -> anyhow::Result<Registry> {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args([
                "--rate-limit",
                "new-name=off",
                "--rate-limit",
                "new-version=off",
            ])
            .env("RUST_LOG", "warn,osops_registry::server=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (found, url) = mpsc::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let url = line[at + "listening on ".len()..].split_whitespace().next();
                    if let (Some(tx), Some(url)) = (found.take(), url) {
                        let _ = tx.send(url.trim_end_matches(['"', ',']).to_owned());
                    }
                } else if line.contains("ERROR") {
                    eprintln!("osops-registry: {line}");
                }
            }
        });
        let url = url
            .recv_timeout(Duration::from_secs(600))
            .context("osops-registry did not start")?;
        Ok(Registry {
            child,
            url,
            data_dir: data_dir.to_owned(),
            bin: bin.to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `osops-registry ARGS --data-dir DIR`; its stdout, trimmed.
    pub fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.bin)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .output()?;
        if !out.status.success() {
            bail!(
                "osops-registry {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// A user and a token that may publish and create needs.
    pub fn user_with_token(&self, name: &str) -> anyhow::Result<String> {
        self.admin(&["user", "add", name])?;
        self.admin(&["token", "create", "--user", name])
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The record of the need `id` (its answers are the generated assets), as the API takes it.
pub fn need_body(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "title": format!("Keep {id} in hand"),
        "problem": format!("Operators keep doing {id} by hand, differently on every cloud."),
        "persona": "cloud operator",
        "services": [id.split('-').next().unwrap_or("nova")],
        "links": [],
        "use_cases": [{"persona": "cloud operator", "text": format!("I want {id} in one command")}],
    })
}

/// Creates the need `id` through the API.
pub fn create_need(
    client: &reqwest::blocking::Client,
    url: &str,
    token: &str,
    id: &str,
) -> anyhow::Result<()> {
    let resp = client
        .post(format!("{url}/api/v1/needs"))
        .bearer_auth(token)
        .json(&need_body(id))
        .send()?;
    if !resp.status().is_success() {
        bail!("creating need {id}: {} {}", resp.status(), resp.text()?);
    }
    Ok(())
}

/// Publishes one archive; `Ok` on 201 (and on 200, an identical re-publish).
pub fn publish(
    client: &reqwest::blocking::Client,
    url: &str,
    token: &str,
    archive: &[u8],
) -> anyhow::Result<()> {
    let resp = client
        .put(format!("{url}/api/v1/assets"))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(archive.to_vec())
        .send()?;
    if !resp.status().is_success() {
        bail!("publish: {} {}", resp.status(), resp.text()?);
    }
    Ok(())
}

/// The path of an asset's index file.
pub fn index_file_path(name: &str) -> anyhow::Result<String> {
    let name: osops_index::AssetName = name
        .parse()
        .with_context(|| format!("`{name}` is not an asset name"))?;
    Ok(format!("/index/{}", osops_index::index_path(&name)))
}

/// The path of a version's download.
pub fn download_path(name: &str, version: &str) -> String {
    format!("/api/v1/assets/{name}/{version}/download")
}

/// The searches every run times, ten of them (`+` for a space), to be taken in turn.
pub const QUERIES: [&str; 10] = [
    "evacuate",
    "orphaned",
    "rabbitmq",
    "cleanup+ports",
    "nova+host",
    "rotate+keys",
    "galera",
    "drain",
    "quotas",
    "amphorae",
];

/// The path of a search.
pub fn search_path(query: &str) -> String {
    format!("/api/v1/assets?q={query}&per_page=20")
}
