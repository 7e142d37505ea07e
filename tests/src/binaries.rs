use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root (where `Cargo.toml`, `examples/` and `target/` live).
pub fn workspace_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
}

/// The demo catalog's assets.
pub fn examples_dir() -> PathBuf {
    workspace_dir().join("examples")
}

/// Path of a workspace binary (`osops` or `osops-registry`), built on first use.
///
/// The test executable lives in `<target>/<profile>/deps/`, so the binaries belong in
/// `<target>/<profile>/`; building them with the same target dir and profile makes this a no-op
/// when `cargo test --workspace` already built them.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let profile_dir = BUILT.get_or_init(build_binaries);
    profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn build_binaries() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in <target>/<profile>/deps")
        .to_path_buf();
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(workspace_dir())
        .args([
            "build",
            "--quiet",
            "-p",
            "osops",
            "-p",
            "osops-registry",
            "--bins",
            // As `cargo test --workspace` builds them (this crate enables both features), so
            // this build is a no-op there; the crash tests need their pause points.
            "--features",
            "osops/failpoints,osops-registry/failpoints",
        ])
        .env("CARGO_TARGET_DIR", target_dir);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the osops binaries failed");
    profile_dir
}
