//! verdaccio, the peer registry: the npm registry small teams self-host, run on the same
//! machine with the same payloads as osops-registry.
//!
//! [`install`] puts a pinned verdaccio into a cache directory with npm, [`seed`] writes packages
//! straight into its storage layout (publishing 500,000 versions one by one would take hours),
//! [`Verdaccio`] runs it on a free loopback port, and [`npm_install`] times a real `npm install`
//! against it. The `*_path` functions give the URLs the load comparison hits.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};

/// The verdaccio release the bench runs: the newest 6.x that still supports Node 20
/// (6.9.0 and later require Node 22).
pub const VERSION: &str = "6.8.0";

/// verdaccio-audit asks for `node-fetch@cjs`, a dist-tag registry.npmjs.org no longer serves;
/// `2.7.0` is the CommonJS release that tag used to name.
const NODE_FETCH_OVERRIDE: &str = "2.7.0";

/// One fixed time for every seeded version, so two seeds of the same packages are identical.
const SEED_TIME: &str = "2024-01-01T00:00:00.000Z";

/// The mtime of every tarball entry: npm's own fixed date for reproducible packs (1985-10-26).
const TAR_MTIME: u64 = 499_162_500;

/// One npm package version for the peer registry: the same payload files an osops asset has.
pub struct Package {
    pub name: String,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Package {
    /// The `package.json` inside the tarball, which is also the version's manifest in the packument.
    fn manifest(&self) -> Value {
        json!({
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "keywords": self.keywords,
            "license": "Apache-2.0",
        })
    }

    /// `<name>-<version>.tgz`, without the scope: the attachment's name in verdaccio's storage.
    fn tarball_name(&self) -> String {
        tarball_file(&self.name, &self.version)
    }
}

/// The npm tarball (.tgz) of a package: `package/package.json` (name, version, description,
/// keywords, license "Apache-2.0") + `package/<file>` for each file, deterministic mtimes.
pub fn npm_tarball(pkg: &Package) -> Vec<u8> {
    let manifest = serde_json::to_vec_pretty(&pkg.manifest()).expect("a JSON value serialises");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let entries = std::iter::once(("package.json", manifest.as_slice())).chain(
        pkg.files
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice())),
    );
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(TAR_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        // Writing into a Vec cannot fail; a path tar cannot encode is a bug in the caller.
        tar.append_data(&mut header, format!("package/{path}"), bytes)
            .expect("tarball entry path");
    }
    let gz = tar.into_inner().expect("writing to a Vec");
    gz.finish().expect("writing to a Vec")
}

/// Installs verdaccio [`VERSION`] with npm into `cache_dir` (reused if it is already there) and
/// returns the path of its executable.
pub fn install(cache_dir: &Path) -> anyhow::Result<PathBuf> {
    let bin = cache_dir.join("node_modules/.bin/verdaccio");
    let installed = cache_dir.join("node_modules/verdaccio/package.json");
    if bin.exists() && installed_version(&installed).as_deref() == Some(VERSION) {
        return Ok(bin);
    }
    check_node()?;
    std::fs::create_dir_all(cache_dir)
        .with_context(|| format!("creating `{}`", cache_dir.display()))?;
    let manifest = json!({
        "name": "osops-bench-verdaccio",
        "private": true,
        "dependencies": { "verdaccio": VERSION },
        "overrides": { "node-fetch@cjs": NODE_FETCH_OVERRIDE },
    });
    write_json(&cache_dir.join("package.json"), &manifest)?;
    eprintln!(
        "Installing verdaccio {VERSION} into {}",
        cache_dir.display()
    );
    let output = run_npm(
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--omit=dev",
                "--loglevel=error",
            ])
            .current_dir(cache_dir),
    )?;
    if !output.status.success() || !bin.exists() {
        bail!(
            "`npm install verdaccio@{VERSION}` in `{}` failed ({}):\n{}",
            cache_dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(bin)
}

fn installed_version(package_json: &Path) -> Option<String> {
    let text = std::fs::read(package_json).ok()?;
    let value: Value = serde_json::from_slice(&text).ok()?;
    Some(value.get("version")?.as_str()?.to_owned())
}

/// verdaccio 6.8 needs Node 20 or later; say so before npm installs something that cannot start.
fn check_node() -> anyhow::Result<()> {
    let output = match Command::new("node").arg("--version").output() {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
            "`node` is not on PATH\nhint: install Node.js 20 or later, with npm, to compare with verdaccio"
        ),
        other => other.context("running `node --version`")?,
    };
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|major: u32| major < 20) {
        bail!("verdaccio {VERSION} needs Node.js 20 or later, found `{version}`");
    }
    Ok(())
}

/// Runs npm with no `npm_config_*` settings leaking in from the environment.
fn run_npm(command: &mut Command) -> anyhow::Result<std::process::Output> {
    for (key, _) in std::env::vars_os() {
        if key
            .to_string_lossy()
            .to_ascii_lowercase()
            .starts_with("npm_config_")
        {
            command.env_remove(key);
        }
    }
    match command.stdin(Stdio::null()).output() {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "`npm` is not on PATH\nhint: install npm (it ships with Node.js) to compare with verdaccio"
            )
        }
        other => other.context("running `npm`"),
    }
}

/// Writes `packages` straight into verdaccio's local storage under `storage`: for each name a
/// `package.json` packument (versions, dist-tags, time, `_attachments`) and one
/// `<name>-<version>.tgz` per version, exactly what verdaccio itself writes on publish, plus the
/// name list in `.verdaccio-db.json`. Several versions of one name go into one packument.
pub fn seed(storage: &Path, packages: &[Package]) -> anyhow::Result<()> {
    let mut by_name: BTreeMap<&str, Vec<&Package>> = BTreeMap::new();
    for pkg in packages {
        by_name.entry(&pkg.name).or_default().push(pkg);
    }
    // Gzip and hashing dominate, so every core takes names from one shared queue.
    let names: Vec<(&str, Vec<&Package>)> = by_name.into_iter().collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let Some((name, versions)) =
                            names.get(next.fetch_add(1, Ordering::Relaxed))
                        else {
                            return Ok(());
                        };
                        seed_name(storage, name, versions)?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| bail!("a seeding thread panicked"))
        })
    })?;
    // verdaccio reads its list of local packages from here (the web UI and `/-/all` use it);
    // keep the secret and names of an earlier seed, an empty secret makes verdaccio create one.
    let db_path = storage.join(".verdaccio-db.json");
    let mut db: Value = std::fs::read(&db_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| json!({ "list": [], "secret": "" }));
    let mut list: Vec<String> = serde_json::from_value(db["list"].take()).unwrap_or_default();
    list.extend(names.iter().map(|(name, _)| (*name).to_owned()));
    list.sort();
    list.dedup();
    db["list"] = json!(list);
    write_json(&db_path, &db)
}

/// One name's directory: its tarballs, then the packument that lists them.
fn seed_name(storage: &Path, name: &str, versions: &[&Package]) -> anyhow::Result<()> {
    let dir = storage.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let mut manifests = Map::new();
    let mut times = Map::new();
    let mut attachments = Map::new();
    times.insert("created".into(), SEED_TIME.into());
    times.insert("modified".into(), SEED_TIME.into());
    for pkg in versions {
        let tgz = npm_tarball(pkg);
        let file = pkg.tarball_name();
        let shasum = shasum(&tgz);
        let mut manifest = pkg.manifest();
        manifest["_id"] = format!("{}@{}", pkg.name, pkg.version).into();
        // verdaccio rewrites the host of `tarball` to the requesting one when it serves it.
        manifest["dist"] = json!({
            "integrity": integrity(&tgz),
            "shasum": shasum,
            "tarball": format!("http://localhost:4873{}", tarball_path(name, &pkg.version)),
        });
        manifests.insert(pkg.version.clone(), manifest);
        times.insert(pkg.version.clone(), SEED_TIME.into());
        attachments.insert(
            file.clone(),
            json!({ "shasum": shasum, "version": pkg.version }),
        );
        std::fs::write(dir.join(&file), &tgz)
            .with_context(|| format!("writing `{}`", dir.join(&file).display()))?;
    }
    let latest = versions
        .iter()
        .map(|p| p.version.as_str())
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
        .unwrap_or_default();
    let packument = json!({
        "name": name,
        "versions": manifests,
        "time": times,
        "users": {},
        "dist-tags": { "latest": latest },
        "_uplinks": {},
        "_distfiles": {},
        "_attachments": attachments,
        "_rev": format!("{}-0000000000000000", versions.len()),
        "_id": name,
        "readme": "",
    });
    write_json(&dir.join("package.json"), &packument)
}

/// Orders `1.10.0` after `1.9.0` and a pre-release before its release; enough to pick `latest`.
fn version_key(version: &str) -> (Vec<u64>, bool, &str) {
    let (core, pre) = version.split_once('-').unwrap_or((version, ""));
    let numbers = core.split('.').map(|n| n.parse().unwrap_or(0)).collect();
    (numbers, pre.is_empty(), pre)
}

fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec(value)?;
    std::fs::write(path, bytes).with_context(|| format!("writing `{}`", path.display()))
}

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

/// Times `npm install` of `deps` (name → exact version) from `registry_url` in a fresh project
/// under `project_dir` with its own npm cache `cache_dir`. Cold: both directories are deleted first.
/// Warm: the cache is kept from a previous run, `node_modules` and `package-lock.json` are
/// deleted, and npm runs with `--prefer-offline` so cached packuments are not revalidated.
/// npm's user config is replaced by an empty one so nothing from `~/.npmrc` changes the run.
pub fn npm_install(
    registry_url: &str,
    deps: &[(String, String)],
    project_dir: &Path,
    cache_dir: &Path,
    warm: bool,
) -> anyhow::Result<Duration> {
    if warm {
        remove_dir_if_exists(&project_dir.join("node_modules"))?;
        remove_file_if_exists(&project_dir.join("package-lock.json"))?;
    } else {
        remove_dir_if_exists(project_dir)?;
        remove_dir_if_exists(cache_dir)?;
    }
    std::fs::create_dir_all(project_dir)
        .with_context(|| format!("creating `{}`", project_dir.display()))?;
    let dependencies: Map<String, Value> = deps
        .iter()
        .map(|(name, version)| (name.clone(), version.as_str().into()))
        .collect();
    let manifest = json!({
        "name": "osops-bench-consumer",
        "version": "1.0.0",
        "private": true,
        "dependencies": dependencies,
    });
    write_json(&project_dir.join("package.json"), &manifest)?;
    let userconfig = project_dir.join(".npmrc-bench");
    std::fs::File::create(&userconfig)?.flush()?;
    let mut command = Command::new("npm");
    command
        .arg("install")
        .arg(format!("--registry={registry_url}"))
        .arg("--cache")
        .arg(cache_dir)
        .arg("--userconfig")
        .arg(&userconfig)
        .args([
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--no-update-notifier",
        ])
        .args(["--progress=false", "--loglevel=error"])
        .current_dir(project_dir);
    if warm {
        command.arg("--prefer-offline");
    }
    let started = Instant::now();
    let output = run_npm(&mut command)?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "`npm install` from `{registry_url}` in `{}` failed ({}):\n{}",
            project_dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(elapsed)
}

fn remove_dir_if_exists(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("removing `{}`", path.display()))
        }
        _ => Ok(()),
    }
}

fn remove_file_if_exists(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("removing `{}`", path.display()))
        }
        _ => Ok(()),
    }
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

/// Subresource integrity as npm writes it: `sha512-BASE64`.
fn integrity(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha512::digest(bytes);
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The tarball's base64, for `_attachments`.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The lowercase hex SHA-1 npm and verdaccio still use for `dist.shasum` (verdaccio rejects a
/// publish whose shasum does not match the attachment). Nothing security-related rests on it.
fn shasum(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

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
