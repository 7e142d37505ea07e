//! `osops install` of 20 assets, timed cold (empty cache), warm (cache filled, fresh tree) and
//! as a no-op re-run, each in an isolated home.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

/// Median wall times.
#[derive(Debug, Clone, Copy)]
pub struct InstallTimes {
    pub cold: Duration,
    pub warm: Duration,
    pub noop: Duration,
}

/// Runs `osops install NAMES…` against `url` `runs` times per case under `dir`.
pub fn time_osops(
    osops: &Path,
    url: &str,
    names: &[String],
    dir: &Path,
    runs: usize,
) -> anyhow::Result<InstallTimes> {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut noop = Vec::new();
    for run in 0..runs {
        let home = dir.join(format!("osops-{run}"));
        let cache = home.join("cache");
        let tree = |n: &str| home.join(format!("tree-{n}"));
        cold.push(install(osops, url, names, &home, &tree("cold"), &cache)?);
        warm.push(install(osops, url, names, &home, &tree("warm"), &cache)?);
        noop.push(install(osops, url, names, &home, &tree("warm"), &cache)?);
        std::fs::remove_dir_all(&home)?;
    }
    Ok(InstallTimes {
        cold: median(cold),
        warm: median(warm),
        noop: median(noop),
    })
}

fn install(
    osops: &Path,
    url: &str,
    names: &[String],
    home: &Path,
    tree: &Path,
    cache: &Path,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let out = Command::new(osops)
        .arg("install")
        .args(names)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("OSOPS_HOME", tree)
        .env("OSOPS_CACHE", cache)
        .env("OSOPS_REGISTRY", url)
        .env("NO_COLOR", "1")
        .output()?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!("osops install: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(took)
}

/// The median of `times` (the upper one of an even count).
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
