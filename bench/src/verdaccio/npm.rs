//! npm itself: installing the pinned verdaccio, and timing `npm install` against it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};

use super::VERSION;
use super::package::write_json;

/// verdaccio-audit asks for `node-fetch@cjs`, a dist-tag registry.npmjs.org no longer serves;
/// `2.7.0` is the CommonJS release that tag used to name.
const NODE_FETCH_OVERRIDE: &str = "2.7.0";

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
