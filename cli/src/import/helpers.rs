//! Files a tool uses by relative path: shell libraries it `source`s, Python modules it imports
//! from beside it (and the `requirements.txt` beside it), the task files, variable files,
//! templates and roles an Ansible playbook names, the nested templates and `get_file` targets of
//! a Heat template. They are bundled into the tool's asset (their relative layout kept), because
//! a script installed without its `lib/common.sh` fails on the operator's cloud, not on publish.
//!
//! Only what can be resolved without running anything is followed: a literal path, possibly after
//! the script's own directory (`$(dirname "$0")/`, `${BASH_SOURCE%/*}/`, `$DIR/`). A path with any
//! other variable is left alone; an Ansible path with a Jinja expression in its file name
//! (`vars/{{ env }}.yml`) takes every file it could be, and a role named by a variable every role
//! of the project. References are followed transitively.

use std::collections::{BTreeMap, BTreeSet};

use super::ansible::{self, Reference};
use super::detect::{is_heat_template, is_playbook, is_python};
use super::scan::{SourceFile, file_name, parent};

/// What a tool uses by relative path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Helpers {
    /// Files found in the repository (repository-relative), transitively, the tool excluded.
    pub found: BTreeSet<String>,
    /// Paths it uses that are not in the repository (as resolved, or as written when absolute).
    pub missing: BTreeSet<String>,
}

/// What one file refers to: paths in the repository, and paths that are not.
#[derive(Debug, Default)]
struct Resolved {
    found: Vec<String>,
    missing: Vec<String>,
}

/// The helpers of `main`, following references through the helpers themselves. `files` maps
/// every scanned file's path (credentials included, so that a sourced openrc is reported rather
/// than called missing).
pub fn helpers_of<'a>(main: &'a SourceFile, files: &BTreeMap<&str, &'a SourceFile>) -> Helpers {
    let mut helpers = Helpers::default();
    let mut pending = vec![main];
    let mut seen = BTreeSet::from([main.rel.clone()]);
    while let Some(file) = pending.pop() {
        let Some(text) = file.text.as_deref() else {
            continue;
        };
        let resolved = references_of(file, text, files);
        for reference in resolved.found {
            if let Some(found) = files.get(reference.as_str())
                && seen.insert(reference.clone())
            {
                helpers.found.insert(reference);
                pending.push(*found);
            }
        }
        helpers.missing.extend(resolved.missing);
    }
    helpers
}

/// What `file` refers to, read the way its language reads paths.
fn references_of(file: &SourceFile, text: &str, files: &BTreeMap<&str, &SourceFile>) -> Resolved {
    let dir = file.dir();
    let is_yaml = file_name(&file.rel)
        .rsplit_once('.')
        .is_some_and(|(_, e)| matches!(e.to_ascii_lowercase().as_str(), "yml" | "yaml"));
    if is_python(file) {
        let mut found = python_references(dir, text, files);
        found.extend(beside(dir, "requirements.txt", files));
        Resolved {
            found,
            missing: Vec::new(),
        }
    } else if is_heat_template(text) {
        heat_references(dir, text, files)
    } else if is_yaml {
        let mut resolved = ansible_references(dir, text, files);
        if is_playbook(text) {
            resolved.found.extend(inventory_variables(dir, files));
        }
        resolved
    } else {
        let (found, missing) = shell_references(dir, text)
            .into_iter()
            .partition(|p| files.contains_key(p.as_str()));
        Resolved { found, missing }
    }
}

/// `dir/name`, when the repository has it.
fn beside(dir: &str, name: &str, files: &BTreeMap<&str, &SourceFile>) -> Option<String> {
    let path = super::detect::join(dir, name);
    files.contains_key(path.as_str()).then_some(path)
}

/// Every file under `dir/` (a role, a `group_vars/`).
fn files_under(dir: &str, files: &BTreeMap<&str, &SourceFile>) -> Vec<String> {
    let prefix = format!("{dir}/");
    files
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .map(|k| (*k).to_owned())
        .collect()
}

/// `group_vars/` and `host_vars/` beside a playbook: Ansible loads them for it without being
/// told, so the playbook needs them as much as its includes.
fn inventory_variables(dir: &str, files: &BTreeMap<&str, &SourceFile>) -> Vec<String> {
    ["group_vars", "host_vars"]
        .iter()
        .flat_map(|d| files_under(&super::detect::join(dir, d), files))
        .collect()
}

/// The files an Ansible YAML file in `dir` names, resolved as Ansible would: includes and
/// `vars_files` against its directory, `src:` also in `templates/` and `files/` (its own or its
/// role's), roles in the nearest `roles/` directory at or above it.
fn ansible_references(dir: &str, text: &str, files: &BTreeMap<&str, &SourceFile>) -> Resolved {
    let mut resolved = Resolved::default();
    for reference in ansible::references(text) {
        match reference {
            Reference::Include(path) | Reference::VarsFile(path) => {
                resolve_file(dir, &path, files, &mut resolved)
            }
            Reference::Source(path) => match template_source(dir, &path, files) {
                Some(found) => resolved.found.push(found),
                // An absolute `src` is most often on the managed host (`remote_src`), and a
                // templated one cannot be resolved: neither is known to be missing.
                None if path.starts_with('/') || ansible::is_templated(&path) => {}
                // Named as from the role (or playbook) directory, where a human would add it.
                None => {
                    let base = if dir.ends_with("/tasks") {
                        parent(dir)
                    } else {
                        dir
                    };
                    resolved.missing.extend(normalise(base, &path));
                }
            },
            Reference::Role(name) => match role_files(dir, &name, files) {
                Some(found) => resolved.found.extend(found),
                None if ansible::is_templated(&name) => {}
                None => resolved.missing.push(super::detect::join(
                    &super::detect::join(dir, "roles"),
                    &name,
                )),
            },
        }
    }
    resolved
}

/// An included file: found, a Jinja file name matched against its directory, or missing (an
/// absolute path, or a relative one the repository does not have).
fn resolve_file(
    dir: &str,
    path: &str,
    files: &BTreeMap<&str, &SourceFile>,
    resolved: &mut Resolved,
) {
    if path.starts_with('/') || path.starts_with('~') {
        resolved.missing.push(path.to_owned());
        resolved.found.extend(same_file_elsewhere(path, files));
        return;
    }
    if ansible::is_templated(path) {
        resolved.found.extend(templated_matches(dir, path, files));
        return;
    }
    match normalise(dir, path) {
        Some(p) if files.contains_key(p.as_str()) => resolved.found.push(p),
        Some(p) => resolved.missing.push(p),
        None => resolved.missing.push(path.to_owned()),
    }
}

/// The repository's copy of a file included by absolute path (`/etc/ansible/playbooks/tasks/x.yaml`
/// when the repository has exactly one `…/tasks/x.yaml`): bundled, so that the human fixing the
/// path has the file, while the path itself stays reported missing.
fn same_file_elsewhere(path: &str, files: &BTreeMap<&str, &SourceFile>) -> Option<String> {
    let name = file_name(path);
    let folder = file_name(parent(path));
    if folder.is_empty() || ansible::is_templated(path) {
        return None;
    }
    let tail = format!("/{folder}/{name}");
    let lead = format!("{folder}/{name}");
    let mut matches = files
        .keys()
        .filter(|k| k.ends_with(&tail) || **k == lead.as_str());
    let first = matches.next()?;
    matches.next().is_none().then(|| (*first).to_owned())
}

/// The files a path with Jinja in its file name could be: `vars/{{ env }}.yml` → every
/// `vars/*.yml`. Jinja in a directory part resolves to nothing (it could be anywhere).
fn templated_matches(dir: &str, path: &str, files: &BTreeMap<&str, &SourceFile>) -> Vec<String> {
    let name = file_name(path);
    let folder = parent(path);
    let (Some(start), Some(end)) = (name.find("{{"), name.rfind("}}")) else {
        return Vec::new();
    };
    if ansible::is_templated(folder) {
        return Vec::new();
    }
    let (prefix, suffix) = (&name[..start], &name[end + 2..]);
    let Some(folder) = normalise(dir, folder) else {
        return Vec::new();
    };
    files
        .values()
        .filter(|f| f.dir() == folder)
        .filter(|f| {
            let n = f.file_name();
            n.len() > prefix.len() + suffix.len() && n.starts_with(prefix) && n.ends_with(suffix)
        })
        .map(|f| f.rel.clone())
        .collect()
}

/// Where a `template`/`copy` `src:` is: beside the file, or in the `templates/` or `files/`
/// directory beside it or beside its `tasks/`. Nothing when it cannot be found (it may be made
/// by an earlier task).
fn template_source(dir: &str, path: &str, files: &BTreeMap<&str, &SourceFile>) -> Option<String> {
    if path.starts_with('/') || ansible::is_templated(path) {
        return None;
    }
    let up = parent(dir);
    [
        dir.to_owned(),
        super::detect::join(dir, "templates"),
        super::detect::join(dir, "files"),
        super::detect::join(up, "templates"),
        super::detect::join(up, "files"),
    ]
    .iter()
    .filter_map(|base| normalise(base, path))
    .find(|p| files.contains_key(p.as_str()))
}

/// The files of a role named in `dir`: `roles/NAME/` in `dir` or the nearest directory above it
/// that has one. A role named by a variable could be any of them: every role of that `roles/`.
/// `None` when the repository does not have it (it may come from Ansible Galaxy; a human says).
fn role_files(dir: &str, name: &str, files: &BTreeMap<&str, &SourceFile>) -> Option<Vec<String>> {
    let mut at = dir.to_owned();
    loop {
        let roles = super::detect::join(&at, "roles");
        let role = if ansible::is_templated(name) {
            roles.clone()
        } else {
            normalise(&roles, name)?
        };
        let found = files_under(&role, files);
        if !found.is_empty() {
            return Some(found);
        }
        // A role inside a project: `roles/a/tasks` looks for its siblings from the project.
        if at.is_empty() {
            return None;
        }
        at = parent(&at).to_owned();
    }
}

/// Nested templates (`type: lib/net.yaml`) and `get_file:` targets of a Heat template, resolved
/// against its directory. URLs are left alone; absolute and absent paths are missing.
fn heat_references(dir: &str, text: &str, files: &BTreeMap<&str, &SourceFile>) -> Resolved {
    let mut resolved = Resolved::default();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        let mut targets = Vec::new();
        if let Some(value) = trimmed.strip_prefix("type:") {
            let value = heat_value(value);
            let nested = [".yaml", ".yml", ".template"]
                .iter()
                .any(|e| value.to_ascii_lowercase().ends_with(e));
            if nested && !value.contains("::") {
                targets.push(value);
            }
        }
        if let Some((_, value)) = trimmed.split_once("get_file:") {
            targets.push(heat_value(value));
        }
        for target in targets {
            if target.is_empty() || target.contains("://") {
                continue;
            }
            resolve_file(dir, target, files, &mut resolved);
        }
    }
    resolved
}

/// A value of a Heat key: the first word, without quotes, braces or commas.
fn heat_value(value: &str) -> &str {
    value
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c| matches!(c, '"' | '\'' | '{' | '}' | ',' | '[' | ']'))
}

/// The repository paths a shell script `source`s (or `.`s), resolved against its directory.
pub fn shell_references(dir: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(arg) = line
            .strip_prefix("source ")
            .or_else(|| line.strip_prefix(". "))
        else {
            continue;
        };
        let unquoted: String = arg.chars().filter(|c| !matches!(c, '"' | '\'')).collect();
        // `$(dirname $0)/x` has a space inside the substitution: the word ends after it.
        let word = match unquoted.strip_prefix("$(").and_then(|r| r.find(')')) {
            Some(close) => {
                let after = &unquoted[close + 3..];
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                &unquoted[..close + 3 + end]
            }
            None => unquoted.split_whitespace().next().unwrap_or_default(),
        };
        let arg = word.trim_end_matches(';');
        let Some(relative) = strip_own_dir(arg) else {
            continue;
        };
        if relative.is_empty() || relative.starts_with('/') || relative.starts_with('~') {
            continue;
        }
        if let Some(path) = normalise(dir, relative) {
            found.push(path);
        }
    }
    found
}

/// Variables scripts conventionally set to their own directory.
const OWN_DIR_VARIABLES: &[&str] = &[
    "DIR",
    "SCRIPT_DIR",
    "SCRIPTDIR",
    "SCRIPT_PATH",
    "HERE",
    "BASEDIR",
    "BASE_DIR",
    "MYDIR",
    "CWD",
];

/// `$(dirname $0)/x`, `${BASH_SOURCE%/*}/x`, `$DIR/x` → `x`; `x` → `x`; a path with any other
/// variable → `None`.
fn strip_own_dir(arg: &str) -> Option<&str> {
    let rest = if let Some(inner) = arg.strip_prefix("$(") {
        let close = inner.find(')')?;
        if !inner[..close].contains("dirname") {
            return None;
        }
        &inner[close + 1..]
    } else if let Some(inner) = arg.strip_prefix("${") {
        let close = inner.find('}')?;
        let name = &inner[..close];
        if !(name.starts_with("BASH_SOURCE") || OWN_DIR_VARIABLES.contains(&name)) {
            return None;
        }
        &inner[close + 1..]
    } else if let Some(inner) = arg.strip_prefix('$') {
        let end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        if !OWN_DIR_VARIABLES.contains(&&inner[..end]) {
            return None;
        }
        &inner[end..]
    } else {
        return (!arg.contains('$')).then_some(arg);
    };
    let rest = rest.strip_prefix('/')?;
    (!rest.contains('$')).then_some(rest)
}

/// `dir` + `relative`, with `.` and `..` resolved; `None` if it leaves the repository.
pub fn normalise(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The directories a Python file's imports are looked up in: its own, and those it adds to
/// `sys.path` by a relative path (`sys.path.append('../lib')`, `sys.path.insert(0,
/// os.path.join(os.path.dirname(__file__), '..', 'lib'))`), taken relative to the file — which
/// is where the script's author ran it from.
fn python_search_dirs(dir: &str, text: &str) -> Vec<String> {
    let mut dirs = vec![dir.to_owned()];
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#')
            || !(line.contains("sys.path.append(") || line.contains("sys.path.insert("))
        {
            continue;
        }
        // The string literals of the call, joined as `os.path.join` would.
        let parts: Vec<&str> = line
            .split(['\'', '"'])
            .skip(1)
            .step_by(2)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() || parts.iter().any(|p| p.starts_with('/') || p.contains('$')) {
            continue;
        }
        if let Some(added) = normalise(dir, &parts.join("/"))
            && !dirs.contains(&added)
        {
            dirs.push(added);
        }
    }
    dirs
}

/// The modules (and packages) a Python file imports from the repository: `import common`,
/// `from lib import x`, `from . import util`, when `common.py`, `lib/__init__.py` or `util.py`
/// sits beside it or in a directory it adds to `sys.path` ([`python_search_dirs`]).
fn python_references(dir: &str, text: &str, files: &BTreeMap<&str, &SourceFile>) -> Vec<String> {
    let search = python_search_dirs(dir, text);
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let modules: Vec<String> = if let Some(rest) = line.strip_prefix("import ") {
            rest.split(',')
                .filter_map(|m| m.split_whitespace().next())
                .map(str::to_owned)
                .collect()
        } else if let Some(rest) = line.strip_prefix("from ") {
            let mut words = rest.split_whitespace();
            let module = words.next().unwrap_or_default();
            if words.next() != Some("import") {
                continue;
            }
            let module = module.trim_start_matches('.');
            if module.is_empty() {
                // `from . import a, b`: the names are modules beside the file.
                words
                    .flat_map(|w| w.split(','))
                    .map(|w| w.trim_matches(['(', ')', ' ']))
                    .filter(|w| !w.is_empty() && *w != "as")
                    .map(str::to_owned)
                    .collect()
            } else {
                vec![module.to_owned()]
            }
        } else {
            continue;
        };
        for module in modules {
            let path = module.replace('.', "/");
            let first = path.split('/').next().unwrap_or_default();
            for dir in &search {
                let as_file = super::detect::join(dir, &format!("{path}.py"));
                let package = super::detect::join(dir, first);
                if files.contains_key(as_file.as_str()) {
                    found.push(as_file);
                }
                if files.contains_key(format!("{package}/__init__.py").as_str()) {
                    // A package beside the script: all of it.
                    let prefix = format!("{package}/");
                    found.extend(
                        files
                            .keys()
                            .filter(|k| k.starts_with(&prefix) && k.ends_with(".py"))
                            .map(|k| (*k).to_owned()),
                    );
                }
            }
        }
    }
    found
}

/// The deepest directory that holds every path (`""` when they only share the top).
pub fn common_dir<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for path in paths {
        let dir: Vec<&str> = parent(path).split('/').filter(|p| !p.is_empty()).collect();
        common = Some(match common {
            None => dir,
            Some(c) => c
                .iter()
                .zip(&dir)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common.unwrap_or_default().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourced_paths_resolve_against_the_scripts_directory() {
        let text = "#!/bin/bash\nsource ../lib/common.sh\n. ./functions\n\
                    . \"$(dirname \"$0\")/../lib/log.sh\"\nsource ${BASH_SOURCE%/*}/vars.sh\n\
                    source $OTHER/x.sh\nsource /etc/profile\n# source commented.sh\n";
        assert_eq!(
            shell_references("scripts/nova", text),
            vec![
                "scripts/lib/common.sh",
                "scripts/nova/functions",
                "scripts/lib/log.sh",
                "scripts/nova/vars.sh",
            ]
        );
    }

    #[test]
    fn paths_that_leave_the_repository_are_dropped() {
        assert_eq!(normalise("a", "../../x"), None);
        assert_eq!(normalise("a/b", "../c/./d"), Some("a/c/d".into()));
    }

    #[test]
    fn the_common_directory_is_the_deepest_shared_one() {
        assert_eq!(
            common_dir(["scripts/nova/a.sh", "scripts/lib/c.sh"]),
            "scripts"
        );
        assert_eq!(common_dir(["a.sh", "lib/c.sh"]), "");
        assert_eq!(common_dir(["x/y/a.sh"]), "x/y");
    }

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile::in_memory(rel, text, false)
    }

    /// The helpers of the first file among `all`, as sorted lists (found, missing).
    fn helpers_among(all: &[SourceFile]) -> (Vec<String>, Vec<String>) {
        let files: BTreeMap<&str, &SourceFile> = all.iter().map(|f| (f.rel.as_str(), f)).collect();
        let h = helpers_of(&all[0], &files);
        (
            h.found.into_iter().collect(),
            h.missing.into_iter().collect(),
        )
    }

    #[test]
    fn a_playbook_bundles_its_includes_variables_templates_and_roles() {
        let all = [
            file(
                "ansible/playbooks/reboot.yml",
                "- hosts: compute\n  vars_files:\n    - vars/{{ env }}.yml\n  roles:\n    - drain\n  tasks:\n    - include: ../tasks/reboot.yaml\n    - template: src=motd.j2 dest=/etc/motd\n    - include: /etc/ansible/tasks/absent.yaml\n    - include: ../tasks/gone.yaml\n",
            ),
            file("ansible/tasks/reboot.yaml", "- import_tasks: wait.yaml\n"),
            file("ansible/tasks/wait.yaml", "- pause: minutes=1\n"),
            file("ansible/tasks/unrelated.yaml", "- pause: minutes=2\n"),
            file("ansible/playbooks/vars/prod.yml", "a: 1\n"),
            file("ansible/playbooks/vars/dev.yml", "a: 2\n"),
            file("ansible/playbooks/templates/motd.j2", "hi\n"),
            file("ansible/playbooks/group_vars/all.yml", "b: 1\n"),
            file(
                "ansible/roles/drain/tasks/main.yml",
                "- include_role:\n    name: notify\n",
            ),
            file("ansible/roles/notify/tasks/main.yml", "- debug: msg=x\n"),
        ];
        let (found, missing) = helpers_among(&all);
        assert_eq!(
            found,
            vec![
                "ansible/playbooks/group_vars/all.yml",
                "ansible/playbooks/templates/motd.j2",
                "ansible/playbooks/vars/dev.yml",
                "ansible/playbooks/vars/prod.yml",
                "ansible/roles/drain/tasks/main.yml",
                "ansible/roles/notify/tasks/main.yml",
                "ansible/tasks/reboot.yaml",
                "ansible/tasks/wait.yaml",
            ]
        );
        assert_eq!(
            missing,
            vec!["/etc/ansible/tasks/absent.yaml", "ansible/tasks/gone.yaml"]
        );
    }

    #[test]
    fn roles_named_by_a_variable_take_every_role_and_absent_roles_are_missing() {
        let all = [
            file(
                "lamp/site.yml",
                "- hosts: all\n  roles:\n    - \"{{ action }}\"\n    - database\n",
            ),
            file("lamp/roles/apply/tasks/main.yml", "- debug: msg=a\n"),
            file("lamp/roles/common/tasks/main.yml", "- debug: msg=c\n"),
        ];
        let (found, missing) = helpers_among(&all);
        assert_eq!(
            found,
            vec![
                "lamp/roles/apply/tasks/main.yml",
                "lamp/roles/common/tasks/main.yml"
            ]
        );
        assert_eq!(missing, vec!["lamp/roles/database"]);
    }

    #[test]
    fn an_absolute_include_is_missing_but_the_repositorys_copy_travels() {
        let all = [
            file(
                "ansible/playbooks/clean.yaml",
                "- hosts: all\n  tasks:\n  - include: /etc/ansible/playbooks/tasks/orphans.yaml\n",
            ),
            file("ansible/tasks/orphans.yaml", "- debug: msg=x\n"),
        ];
        let (found, missing) = helpers_among(&all);
        assert_eq!(found, vec!["ansible/tasks/orphans.yaml"]);
        assert_eq!(missing, vec!["/etc/ansible/playbooks/tasks/orphans.yaml"]);
    }

    #[test]
    fn heat_templates_bundle_nested_templates_and_files_transitively() {
        let all = [
            file(
                "heat/lamp/app.yaml",
                "heat_template_version: 2016-04-08\nresources:\n  net:\n    type: lib/net.yaml\n  server:\n    type: OS::Nova::Server\n    properties:\n      user_data: { get_file: 'scripts/boot.sh' }\n  web:\n    type: \"lib/absent.yaml\"\n  remote:\n    type: https://example.com/t.yaml\n",
            ),
            file(
                "heat/lamp/lib/net.yaml",
                "heat_template_version: 2016-04-08\nresources:\n  sg:\n    type: sg.template\n",
            ),
            file(
                "heat/lamp/lib/sg.template",
                "heat_template_version: 2016-04-08\n",
            ),
            file("heat/lamp/scripts/boot.sh", "#!/bin/sh\n"),
        ];
        let (found, missing) = helpers_among(&all);
        assert_eq!(
            found,
            vec![
                "heat/lamp/lib/net.yaml",
                "heat/lamp/lib/sg.template",
                "heat/lamp/scripts/boot.sh"
            ]
        );
        assert_eq!(missing, vec!["heat/lamp/lib/absent.yaml"]);
    }

    #[test]
    fn python_tools_take_the_requirements_beside_them() {
        let all = [
            file("tool/list.py", "#!/usr/bin/env python3\nimport os\n"),
            file("tool/requirements.txt", "python-neutronclient\n"),
        ];
        assert_eq!(helpers_among(&all).0, vec!["tool/requirements.txt"]);
    }

    #[test]
    fn a_copy_source_found_nowhere_is_missing() {
        let (found, missing) = helpers_among(&[
            file(
                "swarm/roles/prov/tasks/main.yml",
                "- copy: src=templates/openssl.cnf dest=/etc/ssl/\n- template: src=motd.j2 dest=/etc/motd\n- copy: src=/etc/hosts dest=/tmp/ remote_src=yes\n",
            ),
            file("swarm/roles/prov/templates/motd.j2", "hi\n"),
        ]);
        assert_eq!(found, ["swarm/roles/prov/templates/motd.j2"]);
        assert_eq!(missing, ["swarm/roles/prov/templates/openssl.cnf"]);
    }

    #[test]
    fn python_imports_follow_relative_sys_path_additions() {
        let tool = file(
            "nova/compare.py",
            "#!/usr/bin/env python\nimport sys, os\nsys.path.append('../lib')\n\
             sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'common'))\n\
             # sys.path.append('../old')\nsys.path.append('/opt/site')\nimport openstackapi\nimport shared\n",
        );
        assert_eq!(
            python_search_dirs("nova", tool.text.as_deref().unwrap_or_default()),
            ["nova", "lib", "common"],
            "relative additions only, resolved against the script; comments and absolute paths ignored"
        );
        let (found, missing) = helpers_among(&[
            tool,
            file("lib/openstackapi.py", "import keystoneauth1\n"),
            file("common/shared.py", "x = 1\n"),
            file("old/openstackapi.py", "x = 0\n"),
        ]);
        assert_eq!(found, ["common/shared.py", "lib/openstackapi.py"]);
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn python_imports_of_sibling_modules_are_helpers() {
        let main = file(
            "py/report.py",
            "#!/usr/bin/env python3\nimport os, osutil\nfrom novaclient import client\nfrom pkg import x\n",
        );
        let util = file("py/osutil.py", "from . import shared\n");
        let shared = file("py/shared.py", "X = 1\n");
        let init = file("py/pkg/__init__.py", "\n");
        let inner = file("py/pkg/inner.py", "Y = 2\n");
        let files: BTreeMap<&str, &SourceFile> = [&main, &util, &shared, &init, &inner]
            .into_iter()
            .map(|f| (f.rel.as_str(), f))
            .collect();
        let helpers = helpers_of(&main, &files);
        assert_eq!(
            helpers.found.into_iter().collect::<Vec<_>>(),
            vec![
                "py/osutil.py",
                "py/pkg/__init__.py",
                "py/pkg/inner.py",
                "py/shared.py"
            ]
        );
        assert!(helpers.missing.is_empty());
    }
}
