//! The `$OSOPS_HOME/bin` links: who owns a command, linking atomically, removing an asset's links.
//!
//! Links are relative (`../assets/NAME/VERSION/PATH`), so a moved `$OSOPS_HOME` keeps working, and
//! the owner of a command is read from its link target: the `NAME` after `assets/`.

use std::path::{Component, Path, PathBuf};

use osops_index::AssetName;

use crate::home::{Error, Home, io_error};

/// What is at `$OSOPS_HOME/bin/CMD` now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Free,
    /// A link into the directory of `asset`, which has a receipt: it is installed.
    Owned(AssetName),
    /// A link into the directory of an asset that is not installed (left by an interrupted
    /// install or uninstall), or a dangling link: safe to replace.
    Stale,
    /// Not a link osops made: a file, a directory, or a link elsewhere.
    Foreign,
}

/// Whether `cmd` may name a file in `bin/`: a plain file name.
pub fn check_command_name(cmd: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+');
    if cmd.is_empty() || cmd.len() > 64 {
        Err("must be 1 to 64 characters long".into())
    } else if cmd.starts_with(['.', '-']) {
        Err("must not start with `.` or `-`".into())
    } else if let Some(c) = cmd.chars().find(|c| !ok_char(*c)) {
        Err(format!(
            "contains {c:?}; commands use only letters, digits, `-`, `_`, `.` and `+`"
        ))
    } else {
        Ok(())
    }
}

/// The link target for a file of an installed asset, relative to `bin/`.
pub fn target(name: &AssetName, version: &semver::Version, path: &str) -> PathBuf {
    let mut target = PathBuf::from("..");
    target.push("assets");
    target.push(name.as_str());
    target.push(version.to_string());
    target.extend(path.split('/'));
    target
}

/// The asset whose directory the link `link` points into, if it points into `assets/`.
fn link_owner(home: &Home, link: &Path) -> Option<String> {
    let target = std::fs::read_link(link).ok()?;
    let rest: Vec<Component<'_>> = if target.is_absolute() {
        target
            .strip_prefix(home.assets_dir())
            .ok()?
            .components()
            .collect()
    } else {
        let mut parts = target.components();
        if parts.next() != Some(Component::ParentDir)
            || parts.next() != Some(Component::Normal("assets".as_ref()))
        {
            return None;
        }
        parts.collect()
    };
    match rest.first() {
        Some(Component::Normal(owner)) => owner.to_str().map(str::to_owned),
        _ => None,
    }
}

pub fn inspect(home: &Home, cmd: &str) -> Result<LinkState, Error> {
    let path = home.bin_dir().join(cmd);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LinkState::Free),
        Err(e) => return Err(Error::Io { path, source: e }),
    };
    if !meta.file_type().is_symlink() {
        return Ok(LinkState::Foreign);
    }
    let Some(owner) = link_owner(home, &path) else {
        return Ok(LinkState::Foreign);
    };
    match AssetName::parse(&owner) {
        Ok(owner) if home.read_receipt(&owner)?.is_some() => Ok(LinkState::Owned(owner)),
        Ok(_) => Ok(LinkState::Stale),
        Err(_) => Ok(LinkState::Foreign),
    }
}

/// Points `bin/CMD` at `target`, replacing whatever is there in one rename.
pub fn link(home: &Home, cmd: &str, target: &Path) -> Result<(), Error> {
    let bin = home.bin_dir();
    std::fs::create_dir_all(&bin).map_err(io_error(&bin))?;
    let path = bin.join(cmd);
    let tmp = bin.join(format!(".{cmd}.tmp-{}", crate::fs::random_suffix()));
    symlink(target, &tmp).map_err(io_error(&tmp))?;
    if let Err(e) = std::fs::rename(&tmp, &path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Io { path, source: e });
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

/// Removes `bin/CMD` if it is a link into `name`'s directory.
pub fn unlink_if_owned(home: &Home, cmd: &str, name: &AssetName) -> Result<bool, Error> {
    let path = home.bin_dir().join(cmd);
    if link_owner(home, &path).as_deref() != Some(name.as_str()) {
        return Ok(false);
    }
    std::fs::remove_file(&path).map_err(io_error(&path))?;
    Ok(true)
}

/// Removes every link in `bin/` that points into `name`'s directory; returns their commands.
pub fn unlink_all(home: &Home, name: &AssetName) -> Result<Vec<String>, Error> {
    let bin = home.bin_dir();
    let entries = match std::fs::read_dir(&bin) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Io {
                path: bin,
                source: e,
            });
        }
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(&bin))?;
        let Some(cmd) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if unlink_if_owned(home, &cmd, name)? {
            removed.push(cmd);
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn owners_come_from_link_targets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let nova = AssetName::parse("nova-tools").expect("name");
        let v = semver::Version::new(1, 0, 0);
        assert_eq!(inspect(&home, "evac").expect("inspect"), LinkState::Free);

        link(&home, "evac", &target(&nova, &v, "bin/evac.sh")).expect("link");
        assert_eq!(
            std::fs::read_link(home.bin_dir().join("evac")).expect("readlink"),
            PathBuf::from("../assets/nova-tools/1.0.0/bin/evac.sh")
        );
        // No receipt yet: the link is a leftover and may be replaced.
        assert_eq!(inspect(&home, "evac").expect("inspect"), LinkState::Stale);
        home.write_receipt(&crate::home::Receipt {
            name: nova.clone(),
            version: v.clone(),
            cksum: "0".repeat(64),
            registry: "http://r".into(),
            installed_at: "2026-01-01T00:00:00Z".into(),
            bins: Default::default(),
            requested: true,
            req: None,
            dependencies: vec![],
        })
        .expect("receipt");
        assert_eq!(
            inspect(&home, "evac").expect("inspect"),
            LinkState::Owned(nova.clone())
        );

        std::fs::write(home.bin_dir().join("mine"), "#!/bin/sh\n").expect("file");
        assert_eq!(inspect(&home, "mine").expect("inspect"), LinkState::Foreign);
        std::os::unix::fs::symlink("/usr/bin/env", home.bin_dir().join("env")).expect("symlink");
        assert_eq!(inspect(&home, "env").expect("inspect"), LinkState::Foreign);

        let other = AssetName::parse("glance-tools").expect("name");
        assert!(!unlink_if_owned(&home, "evac", &other).expect("unlink"));
        assert_eq!(unlink_all(&home, &nova).expect("unlink"), ["evac"]);
        assert_eq!(inspect(&home, "evac").expect("inspect"), LinkState::Free);
        assert_eq!(inspect(&home, "mine").expect("inspect"), LinkState::Foreign);
    }

    #[test]
    fn command_names_are_plain_file_names() {
        assert!(check_command_name("nova-evacuate-host").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "-rf", "a b", "x\n"] {
            assert!(check_command_name(bad).is_err(), "{bad:?}");
        }
    }
}
