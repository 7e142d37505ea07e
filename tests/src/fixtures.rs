use std::path::{Path, PathBuf};

/// Writes a small script asset named `name` at `version` into `parent/name/`, with one bin entry
/// point that prints `hello from NAME VERSION` and its arguments.
pub fn script_asset(parent: &Path, name: &str, version: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("bin")).expect("create asset dir");
    let manifest = format!(
        r#"[asset]
name = "{name}"
version = "{version}"
kind = "script"
description = "Prints a greeting so tests can see it ran"
license = "Apache-2.0"

[openstack]
services = ["nova"]
releases = ">=2023.1"

[entrypoints]
bin = {{ "{name}" = "bin/{name}" }}
"#
    );
    std::fs::write(dir.join("osops.toml"), manifest).expect("write manifest");
    std::fs::write(
        dir.join("README.md"),
        format!("# {name}\n\nA test asset.\n"),
    )
    .expect("write readme");
    let script = dir.join("bin").join(name);
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"hello from {name} {version} $*\"\n"),
    )
    .expect("write script");
    set_executable(&script);
    dir
}

/// Replaces the manifest of an asset dir with `text`.
pub fn write_manifest(dir: &Path, text: &str) {
    std::fs::write(dir.join("osops.toml"), text).expect("write manifest");
}

#[cfg(unix)]
pub fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Adds `[needs] addresses = [...]` (and a `prompted-by` link) to an asset dir's manifest.
pub fn address_needs(dir: &Path, needs: &[&str]) {
    let path = dir.join("osops.toml");
    let mut manifest = std::fs::read_to_string(&path).expect("read manifest");
    let ids: Vec<String> = needs.iter().map(|n| format!("\"{n}\"")).collect();
    manifest.push_str(&format!(
        "\n[needs]\naddresses = [{}]\nprompted-by = [\"https://bugs.launchpad.net/nova/+bug/1234567\"]\n",
        ids.join(", ")
    ));
    std::fs::write(path, manifest).expect("write manifest");
}

/// Makes the named pipe `path` (for the failpoints that report through one).
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo `{}` failed", path.display());
}
