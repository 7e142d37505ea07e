//! `osops run`: what to execute for an installed asset, and executing it.
//!
//! The asset's single `[entrypoints] bin` command (or the one `--bin` names); for an asset with no
//! bin but an `entrypoints.playbook`, `ansible-playbook PLAYBOOK ARGS…`. The child's exit code is
//! the command's: on Unix the process is replaced (`exec`), so signals and codes pass through as is.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use osops_index::{AssetName, Manifest, ManifestError};

use crate::home::{self, Home};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{0}` is not installed")]
    NotInstalled(AssetName),
    #[error("{name} has no command `{bin}` (it has: {})", .bins.join(", "))]
    NoSuchBin {
        name: AssetName,
        bin: String,
        bins: Vec<String>,
    },
    #[error("{name} has several commands ({}); say which one to run", .bins.join(", "))]
    Ambiguous { name: AssetName, bins: Vec<String> },
    #[error("{name} has no command and no playbook to run")]
    NothingToRun { name: AssetName },
    #[error("{name} is a playbook, but `ansible-playbook` is not on PATH")]
    NoAnsible { name: AssetName },
    #[error("the installed manifest of {name} is invalid")]
    Manifest {
        name: AssetName,
        #[source]
        source: ManifestError,
    },
    #[error("cannot run `{}`", .program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Home(#[from] home::Error),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NotInstalled(name) => Some(format!("install it with `osops install {name}`")),
            Error::Ambiguous { name, bins } => Some(format!(
                "pass `--bin`, e.g. `osops run {name} --bin {}`",
                bins.first().map_or("CMD", |b| b)
            )),
            Error::NoAnsible { .. } => Some("install Ansible (`pip install ansible-core`)".into()),
            Error::Manifest { name, .. } => {
                Some(format!("reinstall it with `osops install {name} --force`"))
            }
            Error::Home(e) => e.hint(),
            _ => None,
        }
    }
}

/// What `osops run` will execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub program: PathBuf,
    /// Arguments before the user's.
    pub args: Vec<OsString>,
    /// The installed asset's directory, given to it as `OSOPS_ASSET_DIR`.
    pub asset_dir: PathBuf,
    /// The tree's `bin/`, put first on PATH so the asset finds its dependencies' commands.
    pub bin_dir: PathBuf,
}

/// Finds what to run for `name`.
pub fn target(home: &Home, name: &AssetName, bin: Option<&str>) -> Result<Target, Error> {
    let receipt = home
        .read_receipt(name)?
        .ok_or_else(|| Error::NotInstalled(name.clone()))?;
    let dir = home.version_dir(name, &receipt.version);
    let located = |program: PathBuf, args: Vec<OsString>| Target {
        program,
        args,
        asset_dir: dir.clone(),
        bin_dir: home.bin_dir(),
    };
    let bins: Vec<String> = receipt.bins.keys().cloned().collect();
    let file = |path: &str| path.split('/').fold(dir.clone(), |p, part| p.join(part));
    match (bin, receipt.bins.len()) {
        (Some(bin), _) => match receipt.bins.get(bin) {
            Some(path) => Ok(located(file(path), vec![])),
            None => Err(Error::NoSuchBin {
                name: name.clone(),
                bin: bin.to_owned(),
                bins,
            }),
        },
        (None, 1) => {
            let path = receipt
                .bins
                .values()
                .next()
                .map(String::as_str)
                .unwrap_or_default();
            Ok(located(file(path), vec![]))
        }
        (None, 0) => {
            let manifest = Manifest::from_dir(&dir).map_err(|source| Error::Manifest {
                name: name.clone(),
                source,
            })?;
            let playbook = manifest
                .entrypoints
                .playbook
                .ok_or_else(|| Error::NothingToRun { name: name.clone() })?;
            let program = find_in_path("ansible-playbook")
                .ok_or_else(|| Error::NoAnsible { name: name.clone() })?;
            Ok(located(program, vec![file(&playbook).into_os_string()]))
        }
        (None, _) => Err(Error::Ambiguous {
            name: name.clone(),
            bins,
        }),
    }
}

/// Runs `target` with `args` after its own, returning the child's exit code (Unix: never returns
/// on success, the process becomes the child). The environment passes through untouched
/// (`OS_CLOUD`, every `OS_*`), plus `OSOPS_ASSET_DIR` and the tree's `bin/` first on PATH.
pub fn run(target: &Target, args: &[OsString]) -> Result<ExitCode, Error> {
    let mut command = Command::new(&target.program);
    command
        .args(&target.args)
        .args(args)
        .env("OSOPS_ASSET_DIR", &target.asset_dir)
        .env("PATH", path_with(&target.bin_dir));
    let spawn_error = |source| Error::Spawn {
        program: target.program.clone(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(spawn_error(command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(spawn_error)?;
        Ok(ExitCode::from(
            status.code().map_or(1, |c| (c & 0xff) as u8),
        ))
    }
}

/// PATH with `dir` first (once).
fn path_with(dir: &Path) -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let paths =
        std::iter::once(dir.to_owned()).chain(std::env::split_paths(&rest).filter(|p| p != dir));
    std::env::join_paths(paths).unwrap_or(rest)
}

/// The first executable file called `command` on PATH (or `command` itself if it has a `/`).
pub fn find_in_path(command: &str) -> Option<PathBuf> {
    if command.contains('/') {
        return is_executable(Path::new(command)).then(|| PathBuf::from(command));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    meta.is_file()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn install(home: &Home, bins: &[(&str, &str)]) -> AssetName {
        let name = AssetName::parse("nova-tools").expect("name");
        home.write_receipt(&home::Receipt {
            name: name.clone(),
            version: semver::Version::new(1, 0, 0),
            cksum: "0".repeat(64),
            registry: "http://r".into(),
            installed_at: "2026-01-01T00:00:00Z".into(),
            bins: bins
                .iter()
                .map(|(c, p)| ((*c).to_owned(), (*p).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            requested: true,
            req: None,
            dependencies: vec![],
        })
        .expect("receipt");
        name
    }

    #[test]
    fn picks_the_only_bin_or_the_named_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let name = install(&home, &[("a", "bin/a.sh"), ("b", "bin/b.sh")]);
        let err = target(&home, &name, None).expect_err("ambiguous");
        assert_eq!(
            err.to_string(),
            "nova-tools has several commands (a, b); say which one to run"
        );
        let t = target(&home, &name, Some("b")).expect("target");
        assert_eq!(
            t.program,
            dir.path().join("assets/nova-tools/1.0.0/bin/b.sh")
        );
        assert!(matches!(
            target(&home, &name, Some("c")),
            Err(Error::NoSuchBin { .. })
        ));

        let name = install(&home, &[("a", "bin/a.sh")]);
        assert_eq!(
            target(&home, &name, None).expect("target").program,
            dir.path().join("assets/nova-tools/1.0.0/bin/a.sh")
        );
    }

    #[test]
    fn not_installed_hints_at_install() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = target(
            &Home::at(dir.path()),
            &AssetName::parse("x-y").expect("name"),
            None,
        )
        .expect_err("missing");
        assert_eq!(
            err.hint().as_deref(),
            Some("install it with `osops install x-y`")
        );
    }
}
