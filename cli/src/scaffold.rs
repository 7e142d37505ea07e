//! `osops new` and `osops init`: a new asset that packages cleanly from the start.

use std::path::{Path, PathBuf};

use osops_index::manifest::MANIFEST_FILE;
use osops_index::{AssetName, Kind, NameError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("destination `{}` already exists", .0.display())]
    Exists(PathBuf),
    #[error("`{}` already exists; refusing to overwrite it", .0.display())]
    ManifestExists(PathBuf),
    #[error("cannot make an asset name from the directory name `{0}`")]
    DirName(String, #[source] NameError),
    #[error("cannot write `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Exists(dir) => Some(format!(
                "use `osops init {}` to make an asset of an existing directory",
                dir.display()
            )),
            Error::ManifestExists(_) => Some("edit it, or remove it to start over".into()),
            Error::DirName(..) => Some("pass the name with `--name`".into()),
            Error::Io { .. } => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// What `new`/`init` wrote, relative to the asset directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub dir: PathBuf,
    pub name: AssetName,
    pub kind: Kind,
    pub written: Vec<String>,
    /// Files that existed and were left alone.
    pub kept: Vec<String>,
}

/// `osops new`: creates `dir`, which must not exist.
pub fn new_asset(dir: &Path, name: &AssetName, kind: Kind) -> Result<Created, Error> {
    if std::fs::symlink_metadata(dir).is_ok() {
        return Err(Error::Exists(dir.to_owned()));
    }
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    write_asset(dir, name, kind)
}

/// `osops init`: makes an asset of an existing directory; never overwrites a file.
pub fn init_asset(dir: &Path, name: &AssetName, kind: Kind) -> Result<Created, Error> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    write_asset(dir, name, kind)
}

/// The asset name a directory suggests: its own name, folded (`Nova_Tools` → `nova-tools`).
pub fn name_from_dir(dir: &Path) -> Result<AssetName, Error> {
    let abs = std::path::absolute(dir).map_err(io_error(dir))?;
    let base = abs
        .components()
        .rfind(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    AssetName::canonical_form(&base).map_err(|e| Error::DirName(base, e))
}

fn write_asset(dir: &Path, name: &AssetName, kind: Kind) -> Result<Created, Error> {
    let manifest = dir.join(MANIFEST_FILE);
    if std::fs::symlink_metadata(&manifest).is_ok() {
        return Err(Error::ManifestExists(manifest));
    }
    let mut created = Created {
        dir: dir.to_owned(),
        name: name.clone(),
        kind,
        written: vec![],
        kept: vec![],
    };
    // The manifest first, with create-new semantics: a concurrent `init` cannot be overwritten.
    write_new(
        dir,
        MANIFEST_FILE,
        &manifest_toml(name, kind),
        false,
        &mut created,
    )?;
    write_new(dir, "README.md", &readme(name, kind), false, &mut created)?;
    for (path, contents, executable) in extra_files(name, kind) {
        write_new(dir, &path, &contents, executable, &mut created)?;
    }
    Ok(created)
}

fn write_new(
    dir: &Path,
    rel: &str,
    contents: &str,
    executable: bool,
    created: &mut Created,
) -> Result<(), Error> {
    let path = rel.split('/').fold(dir.to_owned(), |p, part| p.join(part));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && rel != MANIFEST_FILE => {
            created.kept.push(rel.to_owned());
            return Ok(());
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::ManifestExists(path));
        }
        Err(e) => return Err(Error::Io { path, source: e }),
    };
    std::io::Write::write_all(&mut file, contents.as_bytes()).map_err(io_error(&path))?;
    #[cfg(unix)]
    if executable {
        // The umask may have cleared bits that `mode` asked for.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(io_error(&path))?;
    }
    created.written.push(rel.to_owned());
    Ok(())
}

fn has_bin(kind: Kind) -> bool {
    matches!(kind, Kind::Script | Kind::Check | Kind::Tool)
}

fn manifest_toml(name: &AssetName, kind: Kind) -> String {
    let entrypoints = match kind {
        _ if has_bin(kind) => format!(
            "[entrypoints]\n\
             # Commands `osops install` links onto PATH and `osops run` runs: command = file.\n\
             bin = {{ \"{name}\" = \"bin/{name}\" }}\n"
        ),
        Kind::Playbook => "[entrypoints]\n\
             # What `osops run` runs with ansible-playbook.\n\
             playbook = \"site.yml\"\n"
            .to_owned(),
        _ => "# [entrypoints]\n\
             # bin = { \"command\" = \"bin/file\" }   # linked onto PATH by `osops install`\n\
             # playbook = \"site.yml\"                # run by `osops run` with ansible-playbook\n"
            .to_owned(),
    };
    format!(
        r#"# The manifest of an osops asset. `osops package` checks it; `osops publish` uploads it.

[asset]
name = "{name}"
version = "0.1.0"
kind = "{kind}"
description = "Say in one line what {name} does for an operator"
# license = "Apache-2.0"                        # an SPDX expression
# authors = ["Your Name <you@example.org>"]
# repository = "https://opendev.org/you/{name}"
# keywords = ["maintenance"]
# include = ["bin/**", "README.md"]             # default: everything but VCS directories

# [openstack]
# services = ["nova", "placement"]              # the services it touches
# releases = ">=2023.1"                         # the release series it works with

# [needs]
# addresses = ["drain-compute-host"]            # needs from the registry's catalog it answers
# prompted-by = ["https://bugs.launchpad.net/nova/+bug/1234567"]

{entrypoints}
# [dependencies]
# os-cloud-helpers = "0.3"

# [requires]
# commands = ["openstack", "jq"]                # checked on PATH at install, never installed
"#
    )
}

fn readme(name: &AssetName, kind: Kind) -> String {
    let usage = match kind {
        _ if has_bin(kind) => format!("    osops install {name}\n    {name} --help\n"),
        Kind::Playbook => {
            format!("    osops install {name}\n    osops run {name} -- -i inventory\n")
        }
        _ => format!("    osops install {name}\n"),
    };
    format!(
        "# {name}\n\n\
         What this {kind} does, for which operator need, and on which clouds it has been used.\n\n\
         ## Usage\n\n{usage}\n\
         ## What it changes\n\n\
         Say what it reads, what it modifies, and how to undo it.\n"
    )
}

fn extra_files(name: &AssetName, kind: Kind) -> Vec<(String, String, bool)> {
    match kind {
        _ if has_bin(kind) => vec![(format!("bin/{name}"), bin_stub(name), true)],
        Kind::Playbook => vec![("site.yml".into(), playbook(name), false)],
        Kind::Role => vec![("tasks/main.yml".into(), role_tasks(name), false)],
        Kind::Template => vec![("template.yaml".into(), heat_template(name), false)],
        _ => vec![],
    }
}

fn bin_stub(name: &AssetName) -> String {
    format!(
        r#"#!/usr/bin/env bash
# {name}: say in one line what this does.
set -euo pipefail

usage() {{
    cat <<'EOF'
Usage: {name} [--help]

Say what {name} does, what it needs (e.g. admin credentials: source an openrc
or set OS_CLOUD), and what it changes.
EOF
}}

case "${{1:-}}" in
    -h|--help)
        usage
        exit 0
        ;;
esac

echo "{name}: nothing to do yet; edit bin/{name}" >&2
"#
    )
}

fn playbook(name: &AssetName) -> String {
    format!(
        "---\n\
         - name: {name}\n  \
           hosts: all\n  \
           gather_facts: false\n  \
           tasks:\n    \
             - name: Say what this play does\n      \
               ansible.builtin.debug:\n        \
                 msg: \"{name}: nothing to do yet; edit site.yml\"\n"
    )
}

fn role_tasks(name: &AssetName) -> String {
    format!(
        "---\n\
         - name: Say what this role does\n  \
           ansible.builtin.debug:\n    \
             msg: \"{name}: nothing to do yet; edit tasks/main.yml\"\n"
    )
}

fn heat_template(name: &AssetName) -> String {
    format!(
        "heat_template_version: 2021-04-16\n\n\
         description: {name}; say what this stack creates\n\n\
         parameters: {{}}\n\n\
         resources: {{}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_refuses_to_overwrite_a_manifest_and_keeps_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = AssetName::parse("rabbit-check").expect("name");
        std::fs::write(dir.path().join("README.md"), "mine").expect("readme");
        let created = init_asset(dir.path(), &name, Kind::Check).expect("init");
        assert_eq!(created.written, ["osops.toml", "bin/rabbit-check"]);
        assert_eq!(created.kept, ["README.md"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("README.md")).expect("read"),
            "mine"
        );
        let err = init_asset(dir.path(), &name, Kind::Check).expect_err("second init");
        assert!(matches!(err, Error::ManifestExists(_)), "{err}");
    }

    #[test]
    fn new_refuses_an_existing_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = AssetName::parse("rabbit-check").expect("name");
        assert!(matches!(
            new_asset(dir.path(), &name, Kind::Check),
            Err(Error::Exists(_))
        ));
    }

    #[test]
    fn names_come_from_directories_folded() {
        assert_eq!(
            name_from_dir(Path::new("/tmp/Nova_Tools"))
                .expect("name")
                .as_str(),
            "nova-tools"
        );
        assert!(matches!(
            name_from_dir(Path::new("/tmp/ops tools")),
            Err(Error::DirName(..))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn bin_stub_is_executable_bash() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let asset = dir.path().join("evac");
        new_asset(
            &asset,
            &AssetName::parse("evac").expect("name"),
            Kind::Script,
        )
        .expect("new");
        let stub = asset.join("bin/evac");
        let mode = std::fs::metadata(&stub).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        let text = std::fs::read_to_string(&stub).expect("read");
        assert!(text.starts_with("#!/usr/bin/env bash\n"));
        assert!(text.contains("set -euo pipefail"));
    }
}
