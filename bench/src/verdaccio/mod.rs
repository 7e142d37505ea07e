//! verdaccio, the peer registry: the npm registry small teams self-host, run on the same
//! machine with the same payloads as osops-registry.
//!
//! [`install`] puts a pinned verdaccio into a cache directory with npm, [`seed`] writes packages
//! straight into its storage layout (publishing 500,000 versions one by one would take hours),
//! [`Verdaccio`] runs it on a free loopback port, and [`npm_install`] times a real `npm install`
//! against it. The `*_path` functions give the URLs the load comparison hits.

mod npm;
mod package;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

pub use npm::{install, npm_install};
pub use package::{Package, npm_tarball, seed};
use package::{base64, integrity, shasum};

/// The verdaccio release the bench runs: the newest 6.x that still supports Node 20
/// (6.9.0 and later require Node 22).
pub const VERSION: &str = "6.8.0";

/// A running verdaccio, killed when dropped.
pub struct Verdaccio {
    child: Child,
    url: String,
}

impl Verdaccio {
    /// Starts verdaccio on `127.0.0.1:<free port>` with a config written to `work_dir`: storage
    /// `storage`, no uplinks (it never reaches npmjs), htpasswd auth for one user, publish for
    /// authenticated users, read for all, JWT API tokens, no web UI, warnings logged to
    /// `work_dir/verdaccio.log`. Returns once it answers HTTP (60 s deadline).
    pub fn start(bin: &Path, storage: &Path, work_dir: &Path) -> anyhow::Result<Verdaccio> {
        std::fs::create_dir_all(work_dir)
            .with_context(|| format!("creating `{}`", work_dir.display()))?;
        std::fs::create_dir_all(storage)
            .with_context(|| format!("creating `{}`", storage.display()))?;
        let storage = std::path::absolute(storage)?;
        let work_dir = std::path::absolute(work_dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let config_path = work_dir.join("config.yaml");
        std::fs::write(&config_path, config_yaml(&storage, &work_dir, &listen))
            .with_context(|| format!("writing `{}`", config_path.display()))?;
        let log_path = work_dir.join("verdaccio.log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("creating `{}`", log_path.display()))?;
        // The bin is a `#!/usr/bin/env node` script: env execs node, so the child's pid is node's.
        let child = Command::new(bin)
            .arg("--config")
            .arg(&config_path)
            .args(["--listen", &listen])
            .current_dir(&work_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting `{}`", bin.display()))?;
        let mut verdaccio = Verdaccio {
            child,
            url: format!("http://{listen}"),
        };
        verdaccio.wait_ready(&log_path)?;
        Ok(verdaccio)
    }

    fn wait_ready(&mut self, log_path: &Path) -> anyhow::Result<()> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let ping = format!("{}/-/ping", self.url);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "verdaccio exited during start-up ({status}):\n{}",
                    log_tail(log_path)
                );
            }
            if client
                .get(&ping)
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "verdaccio did not answer `{ping}` within 60 s:\n{}",
                    log_tail(log_path)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The node process's pid (for its peak RSS).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Creates the user `name` (`PUT /-/user/org.couchdb.user:NAME`, as `npm adduser` does) and
    /// returns its token; if the user already exists, logs in with the same password instead.
    pub fn add_user(&self, name: &str, password: &str) -> anyhow::Result<String> {
        let client = reqwest::blocking::Client::new();
        let url = format!("{}/-/user/org.couchdb.user:{name}", self.url);
        let body = json!({
            "_id": format!("org.couchdb.user:{name}"),
            "name": name,
            "password": password,
            "type": "user",
            "roles": [],
        });
        let mut response = client.put(&url).json(&body).send()?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            response = client
                .put(&url)
                .basic_auth(name, Some(password))
                .json(&body)
                .send()?;
        }
        let status = response.status();
        let text = response.text()?;
        if !status.is_success() {
            bail!("verdaccio refused user `{name}` ({status}): {text}");
        }
        let value: Value = serde_json::from_str(&text)?;
        match value["token"].as_str() {
            Some(token) => Ok(token.to_owned()),
            None => bail!("verdaccio returned no token for user `{name}`: {text}"),
        }
    }

    /// Publishes one package version the way `npm publish` does: `PUT /<name>` with the
    /// packument carrying the version, `latest` and the base64 tarball in `_attachments`.
    pub fn publish(
        &self,
        client: &reqwest::blocking::Client,
        pkg: &Package,
        token: &str,
    ) -> anyhow::Result<()> {
        let tgz = npm_tarball(pkg);
        let file = pkg.tarball_name();
        let mut manifest = pkg.manifest();
        manifest["_id"] = format!("{}@{}", pkg.name, pkg.version).into();
        manifest["dist"] = json!({
            "integrity": integrity(&tgz),
            "shasum": shasum(&tgz),
            "tarball": format!("{}{}", self.url, tarball_path(&pkg.name, &pkg.version)),
        });
        let body = json!({
            "_id": pkg.name,
            "name": pkg.name,
            "description": pkg.description,
            "dist-tags": { "latest": pkg.version },
            "versions": { pkg.version.clone(): manifest },
            "access": null,
            "_attachments": { file: {
                "content_type": "application/octet-stream",
                "data": base64(&tgz),
                "length": tgz.len(),
            }},
        });
        let response = client
            .put(format!("{}{}", self.url, metadata_path(&pkg.name)))
            .bearer_auth(token)
            .json(&body)
            .send()?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().unwrap_or_default();
            bail!(
                "verdaccio refused `{}@{}` ({status}): {text}",
                pkg.name,
                pkg.version
            );
        }
        Ok(())
    }
}

impl Drop for Verdaccio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The whole configuration; nothing is inherited from verdaccio's defaults file.
fn config_yaml(storage: &Path, work_dir: &Path, listen: &str) -> String {
    // Paths go in as JSON strings, which YAML reads as the same strings.
    let storage = Value::from(storage.to_string_lossy()).to_string();
    let htpasswd = Value::from(work_dir.join("htpasswd").to_string_lossy()).to_string();
    format!(
        "\
storage: {storage}
listen: {listen}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 1
# JWT API tokens are checked with one HMAC; the legacy AES tokens would run bcrypt per request.
security:
  api:
    jwt:
      sign:
        expiresIn: 30d
# No uplinks and no `proxy` on any package: verdaccio never reaches registry.npmjs.org.
packages:
  '@*/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
max_body_size: 20mb
# The default (1,000 requests per 15 minutes) would throttle the search load test.
userRateLimit:
  windowMs: 1000
  max: 1000000000
web:
  enable: false
log: {{ type: stdout, format: pretty, level: warn }}
"
    )
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// The packument, verdaccio's equivalent of an index file: `/<name>` (`/@scope%2fname`).
pub fn metadata_path(name: &str) -> String {
    format!("/{}", name.replace('/', "%2f"))
}

/// A version's tarball: `/<name>/-/<name without scope>-<version>.tgz`.
pub fn tarball_path(name: &str, version: &str) -> String {
    format!("/{name}/-/{}", tarball_file(name, version))
}

/// npm's search endpoint. verdaccio answers it by reading every local packument from disk and
/// substring-matching the whole query against name and description (not keywords).
pub fn search_path(query: &str) -> String {
    format!("/-/v1/search?text={}&size=20", percent_encode(query))
}

fn tarball_file(name: &str, version: &str) -> String {
    let bare = name.rsplit('/').next().unwrap_or(name);
    format!("{bare}-{version}.tgz")
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    use super::package::TAR_MTIME;

    fn package(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            description: "Restart nova-compute safely".into(),
            keywords: vec!["nova".into()],
            files: vec![("bin/run.sh".into(), b"#!/bin/sh\necho hi\n".to_vec())],
        }
    }

    #[test]
    fn digests_are_the_ones_npm_writes() {
        assert_eq!(shasum(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert!(integrity(b"abc").starts_with("sha512-3a81oZNherrMQXNJriBBMRLm"));
    }

    #[test]
    fn tarball_is_deterministic_and_npm_shaped() {
        let pkg = package("nova-tools", "1.0.0");
        let tgz = npm_tarball(&pkg);
        assert_eq!(tgz, npm_tarball(&pkg));
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz.as_slice()));
        let mut paths = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            assert_eq!(entry.header().mtime().expect("mtime"), TAR_MTIME);
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            if path == "package/package.json" {
                let manifest: Value = serde_json::from_reader(&mut entry).expect("json");
                assert_eq!(manifest["license"], "Apache-2.0");
                assert_eq!(manifest["version"], "1.0.0");
            }
            paths.push(path);
        }
        assert_eq!(paths, ["package/package.json", "package/bin/run.sh"]);
    }

    #[test]
    fn seed_writes_one_packument_per_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let packages = [
            package("nova-tools", "1.9.0"),
            package("nova-tools", "1.10.0"),
            package("glance-gc", "0.1.0"),
        ];
        seed(dir.path(), &packages).expect("seed");
        let text = std::fs::read(dir.path().join("nova-tools/package.json")).expect("packument");
        let packument: Value = serde_json::from_slice(&text).expect("json");
        assert_eq!(packument["dist-tags"]["latest"], "1.10.0");
        assert_eq!(packument["versions"].as_object().map(Map::len), Some(2));
        let tgz = std::fs::read(dir.path().join("nova-tools/nova-tools-1.9.0.tgz")).expect("tgz");
        assert_eq!(
            packument["_attachments"]["nova-tools-1.9.0.tgz"]["shasum"],
            shasum(&tgz)
        );
        let db: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(".verdaccio-db.json")).expect("db"),
        )
        .expect("json");
        assert_eq!(db["list"], json!(["glance-gc", "nova-tools"]));
    }

    #[test]
    fn paths() {
        assert_eq!(metadata_path("@ops/nova"), "/@ops%2fnova");
        assert_eq!(
            tarball_path("@ops/nova", "1.0.0"),
            "/@ops/nova/-/nova-1.0.0.tgz"
        );
        assert_eq!(
            search_path("live migrate"),
            "/-/v1/search?text=live%20migrate&size=20"
        );
    }
}
