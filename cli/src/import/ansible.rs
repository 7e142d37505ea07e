//! What an Ansible playbook, task file or role uses by path, read line by line.
//!
//! A playbook copied without `../tasks/rolling-reboot.yaml`, its `vars/` or the role it names
//! fails on the operator's controller, so [`references`] lists what a YAML file names —
//! `include:`, `include_tasks:`, `import_tasks:`, `import_playbook:`, `vars_files:`, the `src:`
//! of `template`/`copy`, the local script of `script`, `roles:`, `dependencies:` and
//! `include_role`/`import_role` names — and [`super::helpers`] resolves them against the
//! repository. There is no YAML parser in the
//! workspace; the forms operators write (block lists, `- role: x`, `- { role: x }`, `key: value`
//! and the old `include: file.yml var=x`) are few enough to recognise by indentation.

/// One thing a YAML file names, as written (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A file it includes or imports (`include:`, `import_tasks:`, `import_playbook:`, …).
    Include(String),
    /// A `vars_files:` entry.
    VarsFile(String),
    /// The `src:` of a `template` or `copy` task.
    Source(String),
    /// A role it applies (`roles:`, `dependencies:`, `include_role`/`import_role` `name:`).
    Role(String),
}

/// Keys whose value is a file to include.
const INCLUDE_KEYS: &[&str] = &[
    "include",
    "include_tasks",
    "import_tasks",
    "import_playbook",
    "include_vars",
];
/// Modules whose `src` is a file of the playbook or role.
const SOURCE_MODULES: &[&str] = &["template", "copy"];
/// Keys whose value names a role to apply.
const ROLE_BLOCK_KEYS: &[&str] = &["include_role", "import_role"];

/// A block list being read: `vars_files:` or `roles:` and the column of its key.
#[derive(Clone, Copy)]
enum List {
    VarsFiles(usize),
    Roles(usize),
}

/// Everything `text` (a playbook, task file or role file) names by path or role name.
pub fn references(text: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut list: Option<List> = None;
    // The column of an `include_role:` / `import_role:` key whose `name:` is still to come.
    let mut role_block: Option<usize> = None;
    // The column of a `template:` / `copy:` key whose `src:` is still to come.
    let mut source_block: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let (is_item, body) = match trimmed.strip_prefix("- ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        // Keys of a list item sit after the `- `.
        let key_column = if is_item {
            indent + (trimmed.len() - body.len())
        } else {
            indent
        };
        if let Some(open) = list {
            if let Some(reference) = list_entry(open, indent, is_item, body) {
                found.extend(reference);
                continue;
            }
            list = None;
        }
        if let Some(column) = role_block {
            if key_column > column {
                if let Some(("name", value)) = key_value(body) {
                    found.extend(role(value));
                    role_block = None;
                }
                continue;
            }
            role_block = None;
        }
        if let Some(column) = source_block {
            if key_column > column {
                if let Some(("src", value)) = key_value(body) {
                    found.extend(path(value).map(Reference::Source));
                }
                continue;
            }
            source_block = None;
        }
        let Some((key, value)) = key_value(body) else {
            continue;
        };
        let module = key.strip_prefix("ansible.builtin.").unwrap_or(key);
        if INCLUDE_KEYS.contains(&module) {
            // The old form takes parameters after the file: `include: x.yml host=a`.
            let file = value.split_whitespace().next().unwrap_or_default();
            found.extend(path(file).map(Reference::Include));
        } else if module == "vars_files" {
            if value.is_empty() {
                list = Some(List::VarsFiles(key_column));
            } else {
                found.extend(inline_list(value).map(Reference::VarsFile));
            }
        } else if module == "roles" || module == "dependencies" {
            if value.is_empty() {
                list = Some(List::Roles(key_column));
            } else {
                found.extend(inline_list(value).filter_map(|r| role(&r)));
            }
        } else if ROLE_BLOCK_KEYS.contains(&module) {
            match parameter(value, "name") {
                Some(name) => found.extend(role(&name)),
                None => role_block = Some(key_column),
            }
        } else if SOURCE_MODULES.contains(&module) {
            match parameter(value, "src") {
                Some(src) => found.extend(path(&src).map(Reference::Source)),
                None if value.is_empty() => source_block = Some(key_column),
                None => {}
            }
        } else if module == "script" {
            // `script: files/drain.sh --host x` runs a local script on the managed host: the
            // script travels with the playbook. (`cmd=` in the key=value form.)
            let local = parameter(value, "cmd")
                .or_else(|| value.split_whitespace().next().map(str::to_owned))
                .filter(|p| !p.contains('='));
            found.extend(local.as_deref().and_then(path).map(Reference::Source));
        }
    }
    found
}

/// An entry of an open block list, `None` once the line is past the list.
fn list_entry(open: List, indent: usize, is_item: bool, body: &str) -> Option<Vec<Reference>> {
    let column = match open {
        List::VarsFiles(c) | List::Roles(c) => c,
    };
    if is_item && indent >= column {
        // `- hosts: x` after a top-level `vars_files:` is the next play, not a file.
        if matches!(open, List::VarsFiles(_)) && key_value(body).is_some() {
            return None;
        }
        return Some(match open {
            List::VarsFiles(_) => path(body).map(Reference::VarsFile).into_iter().collect(),
            List::Roles(_) => role_entry(body).into_iter().collect(),
        });
    }
    // `- role: x` may carry more keys on the following lines.
    if !is_item && indent > column {
        return Some(match (open, key_value(body)) {
            (List::Roles(_), Some(("role" | "name", value))) => role(value).into_iter().collect(),
            _ => Vec::new(),
        });
    }
    None
}

/// A `roles:` entry: `common`, `role: common`, `name: common` or `{ role: common, x: 1 }`.
fn role_entry(body: &str) -> Option<Reference> {
    if body.starts_with('{') {
        return parameter(body, "role")
            .or_else(|| parameter(body, "name"))
            .and_then(|r| role(&r));
    }
    match key_value(body) {
        Some(("role" | "name", value)) => role(value),
        // Another key first (`- when: x`): the role name follows on its own line.
        Some(_) if !body.starts_with(['"', '\'']) => None,
        _ => role(body),
    }
}

fn role(value: &str) -> Option<Reference> {
    let name = unquote(value);
    (!name.is_empty()).then(|| Reference::Role(name.to_owned()))
}

/// A path as written, unquoted; `None` when empty.
fn path(value: &str) -> Option<String> {
    let value = unquote(value);
    (!value.is_empty()).then(|| value.to_owned())
}

/// `key: value` (value trimmed, possibly empty), or `None` for a line that is no mapping entry.
fn key_value(body: &str) -> Option<(&str, &str)> {
    let (key, value) = match body.split_once(": ") {
        Some((k, v)) => (k, v.trim()),
        None => (body.strip_suffix(':')?, ""),
    };
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    plain.then_some((key, strip_comment(value)))
}

/// A value without a trailing ` # comment`.
fn strip_comment(value: &str) -> &str {
    value.split(" #").next().unwrap_or(value).trim()
}

/// `name` from `name=x` (free form) or `{ name: x, … }` (flow mapping).
fn parameter(value: &str, name: &str) -> Option<String> {
    let inner = value.trim().trim_start_matches('{').trim_end_matches('}');
    inner
        .split([',', ' '])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|pair| (pair[0] == format!("{name}:")).then(|| unquote(pair[1]).to_owned()))
        .or_else(|| {
            value.split_whitespace().find_map(|word| {
                word.strip_prefix(&format!("{name}="))
                    .map(|v| unquote(v).to_owned())
            })
        })
        .filter(|v| !v.is_empty())
}

/// `[a, b]` → `a`, `b`; a plain value → itself.
fn inline_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(path)
}

fn unquote(value: &str) -> &str {
    value.trim().trim_matches(['"', '\'']).trim()
}

/// Whether a path or name holds a Jinja expression, which only Ansible can resolve.
pub fn is_templated(value: &str) -> bool {
    value.contains("{{")
}

#[cfg(test)]
mod tests {
    use super::Reference::*;
    use super::*;

    #[test]
    fn includes_imports_and_vars_files_are_found_in_every_form() {
        let playbook = "---\n- hosts: all\n  vars_files:\n    - \"vars/{{ env }}.yml\"\n    - vars/common.yml\n  tasks:\n  - include: ../tasks/reboot.yaml host=x\n  - import_tasks: 'tasks/a.yml'\n  - ansible.builtin.include_tasks: b.yml\n- import_playbook: other.yml\n";
        assert_eq!(
            references(playbook),
            vec![
                VarsFile("vars/{{ env }}.yml".into()),
                VarsFile("vars/common.yml".into()),
                Include("../tasks/reboot.yaml".into()),
                Include("tasks/a.yml".into()),
                Include("b.yml".into()),
                Include("other.yml".into()),
            ]
        );
        assert_eq!(
            references("- hosts: all\n  vars_files: [a.yml, 'b.yml']\n"),
            vec![VarsFile("a.yml".into()), VarsFile("b.yml".into())]
        );
    }

    #[test]
    fn roles_are_found_in_lists_blocks_and_flow_mappings() {
        let playbook = "- hosts: db\n  roles: \n    - \"{{ action }}\"\n    - database\n    - role: web\n      when: x\n    - { role: cache, port: 1 }\n  tasks:\n    - include_role:\n        name: backup\n    - import_role: name=monitor\n";
        assert_eq!(
            references(playbook),
            vec![
                Role("{{ action }}".into()),
                Role("database".into()),
                Role("web".into()),
                Role("cache".into()),
                Role("backup".into()),
                Role("monitor".into()),
            ]
        );
        assert_eq!(
            references("dependencies:\n  - role: common\n"),
            vec![Role("common".into())]
        );
    }

    #[test]
    fn template_and_copy_sources_are_found() {
        let tasks = "- name: conf\n  template:\n    src: nova.conf.j2\n    dest: /etc/nova/nova.conf\n- copy: src=files/motd dest=/etc/motd\n- name: other\n  shell: echo src: nope\n";
        assert_eq!(
            references(tasks),
            vec![Source("nova.conf.j2".into()), Source("files/motd".into())]
        );
    }

    #[test]
    fn local_scripts_run_by_the_script_module_are_found() {
        let tasks = "- script: files/drain.sh --host {{ inventory_hostname }}\n- ansible.builtin.script: cmd=scripts/check.py\n- script:\n    cmd: x.sh\n";
        assert_eq!(
            references(tasks),
            vec![
                Source("files/drain.sh".into()),
                Source("scripts/check.py".into())
            ]
        );
    }

    #[test]
    fn comments_and_unrelated_keys_name_nothing() {
        assert!(
            references("# include: x.yml\n- hosts: all\n  tasks:\n    - shell: include x\n")
                .is_empty()
        );
    }
}
