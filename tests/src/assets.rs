//! Assets with dependencies, projects, `osops.lock` files, installed trees and killed installs:
//! the helpers of the dependency tests (`tests/tests/dependencies.rs`).

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::fixtures::script_asset;
use crate::pause::PausePipe;
use crate::{Output, TestContext, tree, walk};

/// Publishes the script asset `name@version` (one bin, `name`, printing `hello from NAME
/// VERSION`) with `[dependencies]` `deps` (name, requirement), through `ctx` (which needs a
/// token), and returns the archive's sha256 as `osops info NAME --json` reports it.
pub fn publish_with_deps(
    ctx: &TestContext,
    name: &str,
    version: &str,
    deps: &[(&str, &str)],
) -> String {
    let parent = ctx
        .work_dir()
        .join("sources")
        .join(format!("{name}-{version}"));
    let dir = script_asset(&parent, name, version);
    if !deps.is_empty() {
        let path = dir.join("osops.toml");
        let mut manifest = std::fs::read_to_string(&path).expect("read manifest");
        manifest.push_str(&format!("\n[dependencies]\n{}", dependency_lines(deps)));
        std::fs::write(&path, manifest).expect("write manifest");
    }
    ctx.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();
    cksum(ctx, name, version)
}

/// The sha256 of `name@version`'s archive, from `osops info NAME --json`.
pub fn cksum(ctx: &TestContext, name: &str, version: &str) -> String {
    let info = ctx.osops(&["info", name, "--json"]).assert_success().json();
    let versions = info["versions"].as_array().expect("versions");
    let this = versions
        .iter()
        .find(|v| v["version"] == version)
        .unwrap_or_else(|| panic!("{name} {version} is not listed: {info}"));
    this["cksum"].as_str().expect("cksum").to_string()
}

fn dependency_lines(deps: &[(&str, &str)]) -> String {
    deps.iter()
        .map(|(name, req)| format!("{name} = \"{req}\"\n"))
        .collect()
}

/// Creates `dir` with an `osops.toml` holding `[project] name = "site"` and `[dependencies]`
/// `deps` (name, requirement); returns `dir`.
pub fn write_project(dir: &Path, deps: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create project dir");
    std::fs::write(
        dir.join("osops.toml"),
        format!(
            "[project]\nname = \"site\"\n\n[dependencies]\n{}",
            dependency_lines(deps)
        ),
    )
    .expect("write project osops.toml");
    dir.to_path_buf()
}

/// One `[[asset]]` table of an `osops.lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockEntry {
    pub name: String,
    pub version: String,
    pub source: String,
    pub sha256: String,
    pub dependencies: Vec<String>,
}

/// The raw bytes of `project/osops.lock`.
pub fn lock_bytes(project: &Path) -> Vec<u8> {
    std::fs::read(project.join("osops.lock")).expect("read osops.lock")
}

/// The `[[asset]]` tables of `project/osops.lock`, in file order.
///
/// A small reader for the lock's flat shape (the tests crate has no TOML parser): `key =
/// "string"` lines and `dependencies = [ "…", … ]` arrays, on one line or several. It panics on
/// anything else, so a lock that grows unexpected keys is noticed.
pub fn read_lock(project: &Path) -> Vec<LockEntry> {
    let path = project.join("osops.lock");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
    parse_lock(&text)
}

/// See [`read_lock`].
pub fn parse_lock(text: &str) -> Vec<LockEntry> {
    let mut entries = Vec::new();
    let mut current: Option<LockEntry> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[asset]]" {
            entries.extend(current.take());
            current = Some(LockEntry::default());
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("unexpected line `{line}` in osops.lock:\n{text}"));
        let key = key.trim();
        let mut value = value.trim().to_string();
        if value.starts_with('[') {
            while !value.contains(']') {
                let more = lines
                    .next()
                    .unwrap_or_else(|| panic!("unclosed array in osops.lock:\n{text}"));
                value.push_str(more.trim());
            }
        }
        let Some(entry) = current.as_mut() else {
            // Top-level keys (`version = 1`), checked by the tests on the text.
            continue;
        };
        match key {
            "name" => entry.name = quoted(&value).remove(0),
            "version" => entry.version = quoted(&value).remove(0),
            "source" => entry.source = quoted(&value).remove(0),
            "sha256" => entry.sha256 = quoted(&value).remove(0),
            "dependencies" => entry.dependencies = quoted(&value),
            other => panic!("unexpected key `{other}` in osops.lock:\n{text}"),
        }
    }
    entries.extend(current);
    entries
}

/// The double-quoted strings in `value` (lock values never contain escaped quotes).
fn quoted(value: &str) -> Vec<String> {
    let found: Vec<String> = value
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(!found.is_empty(), "expected a quoted string in `{value}`");
    found
}

/// `name → version` of a lock, for short assertions.
pub fn locked_versions(project: &Path) -> BTreeMap<String, String> {
    read_lock(project)
        .into_iter()
        .map(|e| (e.name, e.version))
        .collect()
}

/// Every file below `dir` (symbolic links followed), by path relative to `dir`, with its bytes.
pub fn tree_contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
            let relative = path
                .strip_prefix(dir)
                .expect("walk stays below its root")
                .to_path_buf();
            (relative, bytes)
        })
        .collect()
}

/// The paths below `dir` (files and directories) whose file name starts with `.tmp-`.
pub fn temporary_dirs(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
        })
        .collect()
}

/// Runs the command at `path` (an installed bin link) with no arguments; panics unless it exits
/// 0; returns its stdout, trimmed.
#[track_caller]
pub fn run_bin(path: &Path) -> String {
    let output: Output = Command::new(path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", path.display()))
        .into();
    output.assert_success().stdout.trim().to_string()
}

/// Runs `cmd` (an `osops` command) paused at `point` (see [`crate::pause`]), kills it there
/// (SIGKILL) and reaps it. Returns what it wrote to stderr.
#[track_caller]
pub fn kill_at_failpoint(mut cmd: Command, point: &str) -> String {
    let pipe = PausePipe::new();
    let mut child = cmd
        .env("OSOPS_FAILPOINT", pipe.setting(point))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osops starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let waker = pipe.waker();
    // Drains stderr; at its end osops has ended.
    let watcher = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        waker.ended("(osops exited)");
        text
    });
    let (at_point, line) = pipe.wait_for(point);
    if at_point {
        child.kill().expect("kill osops");
    }
    let status = child.wait().expect("reap osops");
    let stderr = watcher.join().expect("the stderr watcher");
    assert!(
        at_point,
        "osops ended ({status}) without reaching the pause point `{point}` (pipe said {line:?}):\n{stderr}"
    );
    stderr
}
