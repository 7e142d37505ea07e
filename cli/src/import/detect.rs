//! Which files and directories of the repository are tools, and of which kind.
//!
//! Directories first: a Python project (`setup.py`, `pyproject.toml`, or a pbr `setup.cfg`) is a
//! `tool`, an Ansible project (a playbook beside a `roles/` directory) a `playbook`, a directory
//! with `tasks/main.yml` a `role`, one with `*.tf` files a Terraform stack (`template`); each
//! takes its whole subtree, so a package's modules and tests, a project's roles and variables and
//! a role's many `main.yml` are never tools of their own. Then each remaining file on its own:
//! Nagios-style checks (`check`: named `check_*`, kept in a `nagios-plugins/`-like directory, or
//! printing Nagios states and exiting with their codes), Heat templates (`template`), Ansible
//! playbooks (`playbook`), scripts by shebang, extension or executable bit (`script`). Unit tests
//! and repository tooling (`tox.ini`, `.gitreview`, CI files, `requirements.txt`) are set aside
//! with the reason. Configuration files left over are grouped per directory into one `config`
//! asset.
//!
//! YAML is recognised line by line (no YAML parser is in the workspace, and pulling one in for two
//! questions — "is the top level a list of plays?", "is there a `heat_template_version` key?" —
//! would cost more than these few careful checks).

use std::collections::{BTreeMap, BTreeSet};

use osops_index::Kind;

use super::Skipped;
use super::scan::{SourceFile, file_name, parent};

/// A tool found in the repository, before names, helpers and inference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    /// The tool's path: the file, or the directory for directory assets.
    pub path: String,
    pub is_dir: bool,
    /// The file the tool runs from (scripts, checks, playbooks, templates).
    pub main: Option<String>,
    /// Its own files (all of a directory asset; the one file otherwise), repository-relative.
    pub members: Vec<String>,
    /// An executable without a shebang, or a script without the executable bit.
    pub notes: Vec<(&'static str, String)>,
}

/// Extensions of scripts osops can run.
const SCRIPT_EXTENSIONS: &[&str] = &["sh", "bash", "ksh", "zsh", "py", "pl", "rb"];
/// Interpreters a shebang may name.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "ksh", "zsh", "dash", "python", "python2", "python3", "perl", "ruby",
];
/// Extensions of configuration files.
const CONFIG_EXTENSIONS: &[&str] = &[
    "conf", "ini", "cfg", "cnf", "sample", "example", "j2", "yaml", "yml", "json", "toml",
];

/// Files that serve the repository's development (tests, CI, review, packaging), not operators.
/// `requirements.txt` beside Python tools is bundled with them (see [`super::helpers`]).
const REPOSITORY_TOOLING: &[&str] = &[
    "tox.ini",
    ".gitreview",
    "setup.cfg",
    ".zuul.yaml",
    ".zuul.yml",
    "zuul.yaml",
    ".pre-commit-config.yaml",
    ".travis.yml",
    ".gitlab-ci.yml",
    "makefile",
    "requirements.txt",
    "test-requirements.txt",
    "doc-requirements.txt",
    "bindep.txt",
    ".coveragerc",
    ".stestr.conf",
    ".testr.conf",
    ".flake8",
    ".pylintrc",
    ".yamllint",
    ".ansible-lint",
    ".gitignore",
    ".gitattributes",
    ".mailmap",
];

/// Why repository tooling is set aside.
const TOOLING: &str =
    "repository tooling (tests, CI, review or packaging), not an operator tool or configuration";

/// Directories whose scripts are monitoring checks whatever their names.
const CHECK_DIRECTORIES: &[&str] = &[
    "nagios-plugins",
    "nagios",
    "nagios-checks",
    "checks",
    "monitoring-checks",
];

/// Whether a file is repository tooling ([`REPOSITORY_TOOLING`]).
pub fn is_repository_tooling(name: &str) -> bool {
    REPOSITORY_TOOLING.contains(&name.to_ascii_lowercase().as_str())
}

/// Whether a file only serves the repository's version control (`.gitignore`, `.gitreview`, …):
/// left out even of a directory asset, which otherwise takes every file under it.
fn is_version_control_file(name: &str) -> bool {
    [
        ".gitignore",
        ".gitattributes",
        ".gitreview",
        ".mailmap",
        ".gitmodules",
    ]
    .contains(&name.to_ascii_lowercase().as_str())
}

/// Whether a file is a unit test: under a `tests/` directory, or a Python `test_*.py` /
/// `*_test.py`. Tests run in the package's CI, never on an operator's cloud.
pub fn is_unit_test(rel: &str) -> bool {
    let name = file_name(rel).to_ascii_lowercase();
    let in_tests = rel
        .split('/')
        .rev()
        .skip(1)
        .any(|d| d.eq_ignore_ascii_case("tests") || d.eq_ignore_ascii_case("test"));
    in_tests || (name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py")))
}

/// Whether a `setup.cfg` describes a pbr/setuptools package (rather than only configuring linters
/// or tests): it has a `[metadata]`, `[files]` or `[entry_points]` section.
pub fn is_package_setup_cfg(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .any(|l| matches!(l, "[metadata]" | "[files]" | "[entry_points]"))
}

/// Whether a script reads as a Nagios-style check: it prints a non-OK state (`WARNING`,
/// `CRITICAL`, `UNKNOWN`) and exits with a code only checks use (2 or 3). `OK` and `exit 1` alone
/// are what any script prints, so they do not count.
pub fn is_nagios_check(text: &str) -> bool {
    let prints_state = text.lines().any(|line| {
        let lower = line.to_ascii_lowercase();
        let prints = ["echo", "print", "puts", "say ", "write"]
            .iter()
            .any(|p| lower.contains(p));
        prints
            && line
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| matches!(w, "WARNING" | "CRITICAL" | "UNKNOWN"))
    });
    let exits_with_state = text.lines().any(|line| {
        let line = line.trim();
        ["exit ", "exit(", "sys.exit("].iter().any(|e| {
            line.split(e).skip(1).any(|rest| {
                let code = rest.trim_start_matches(['(', ' ']);
                code.starts_with(['2', '3']) && !code[1..].starts_with(|c: char| c.is_ascii_digit())
            })
        })
    });
    prints_state && exits_with_state
}

/// Whether a file sits in a directory of monitoring checks ([`CHECK_DIRECTORIES`]).
fn in_check_directory(rel: &str) -> bool {
    rel.split('/')
        .rev()
        .skip(1)
        .any(|d| CHECK_DIRECTORIES.contains(&d.to_ascii_lowercase().as_str()))
}

/// The playbook an Ansible project runs: `site.yml` (or `main.yml`, `playbook.yml`), else the
/// first of its playbooks by name.
fn entry_playbook(playbooks: &[&SourceFile]) -> Option<String> {
    let conventional = ["site", "main", "playbook"];
    conventional
        .iter()
        .find_map(|stem| {
            playbooks.iter().find(|f| {
                f.file_name()
                    .rsplit_once('.')
                    .is_some_and(|(s, _)| s.eq_ignore_ascii_case(stem))
            })
        })
        .or_else(|| playbooks.first())
        .map(|f| f.rel.clone())
}

/// A note for a project with more than one playbook: only one is the asset's entry point, and a
/// human should check it is the right one.
fn several_playbooks(
    playbooks: &[&SourceFile],
    entry: Option<&str>,
) -> Vec<(&'static str, String)> {
    let Some(entry) = entry.filter(|_| playbooks.len() > 1) else {
        return Vec::new();
    };
    let others: Vec<String> = playbooks
        .iter()
        .filter(|f| f.rel != entry)
        .map(|f| format!("`{}`", f.file_name()))
        .collect();
    vec![(
        "several-playbooks",
        format!(
            "`{}` is the entry point; {} run with `ansible-playbook` from the installed asset — set `[entrypoints] playbook` if another is the main one",
            file_name(entry),
            others.join(", ")
        ),
    )]
}

/// Whether a file is documentation (read for descriptions and licenses, never an asset itself).
pub fn is_doc(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("readme")
        || lower.starts_with("license")
        || lower.starts_with("licence")
        || lower.starts_with("copying")
        || lower.starts_with("changelog")
        || lower.starts_with("authors")
        || [".md", ".rst", ".txt", ".adoc"]
            .iter()
            .any(|e| lower.ends_with(e))
}

fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, e)| e.to_ascii_lowercase())
}

/// The interpreter a shebang names (`/usr/bin/env python3` → `python3`).
pub fn interpreter(shebang: &str) -> Option<&str> {
    let mut words = shebang.split_whitespace();
    let program = file_name(words.next()?);
    if program == "env" {
        words.find(|w| !w.starts_with('-'))
    } else {
        Some(program)
    }
}

/// Whether the file is a Python file (by shebang or extension).
pub fn is_python(file: &SourceFile) -> bool {
    match file.shebang().and_then(interpreter) {
        Some(i) => i.starts_with("python"),
        None => extension(file.file_name()).as_deref() == Some("py"),
    }
}

/// Whether a YAML text's top level is a list of plays: the first item at column 0 starts a list,
/// and some item has `hosts:` (or `import_playbook:`) as one of its own keys. Task files (lists of
/// tasks) and variable files (mappings) are not playbooks.
pub fn is_playbook(text: &str) -> bool {
    let mut significant = text.lines().filter(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && t != "---" && !t.starts_with("%YAML")
    });
    let Some(first) = significant.next() else {
        return false;
    };
    if !(first.starts_with("- ") || first == "-") {
        return false;
    }
    std::iter::once(first).chain(significant).any(|line| {
        let key = match line.strip_prefix("- ") {
            Some(rest) => rest.trim_start(),
            // A key of the item itself sits two columns in: `  hosts: all`.
            None => match line.strip_prefix("  ") {
                Some(rest) if !rest.starts_with([' ', '-']) => rest,
                _ => return false,
            },
        };
        [
            "hosts:",
            "import_playbook:",
            "ansible.builtin.import_playbook:",
        ]
        .iter()
        .any(|k| key.starts_with(k))
    })
}

/// Whether the text is a Heat template: a top-level `heat_template_version` key (YAML or JSON).
pub fn is_heat_template(text: &str) -> bool {
    text.lines().any(|l| {
        l.starts_with("heat_template_version:")
            || l.trim_start().starts_with("\"heat_template_version\"")
    })
}

/// Finds the tools of a scanned repository. `files` excludes credentials (unless opted in);
/// `skipped` receives the files that are no part of any tool, with the reason.
pub fn detect(files: &[&SourceFile], skipped: &mut Vec<Skipped>) -> Vec<Candidate> {
    let by_path: BTreeMap<&str, &SourceFile> = files.iter().map(|f| (f.rel.as_str(), *f)).collect();
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for f in files {
        let mut dir = f.dir();
        loop {
            dirs.insert(dir);
            if dir.is_empty() {
                break;
            }
            dir = parent(dir);
        }
    }
    let mut candidates = Vec::new();
    let mut claimed: Vec<String> = Vec::new();
    let inside = |claimed: &[String], path: &str| {
        claimed
            .iter()
            .any(|d| d.is_empty() || path == d || path.starts_with(&format!("{d}/")))
    };
    let has = |dir: &str, name: &str| by_path.contains_key(join(dir, name).as_str());
    // Shallow directories first, so an outer role claims before anything inside it is looked at.
    let mut ordered: Vec<&str> = dirs.iter().copied().collect();
    ordered.sort_by_key(|d| (depth(d), d.to_string()));
    for dir in ordered {
        if inside(&claimed, dir) {
            continue;
        }
        let direct = |pred: &dyn Fn(&str) -> bool| {
            files.iter().any(|f| f.dir() == dir && pred(f.file_name()))
        };
        let has_dir = |name: &str| {
            let prefix = format!("{}/", join(dir, name));
            files.iter().any(|f| f.rel.starts_with(&prefix))
        };
        let mut playbooks: Vec<&SourceFile> = files
            .iter()
            .filter(|f| f.dir() == dir && is_yaml_name(f.file_name()))
            .filter(|f| f.text.as_deref().is_some_and(is_playbook))
            .copied()
            .collect();
        playbooks.sort_by(|a, b| a.rel.cmp(&b.rel));
        let pbr_package = by_path
            .get(join(dir, "setup.cfg").as_str())
            .and_then(|f| f.text.as_deref())
            .is_some_and(is_package_setup_cfg)
            && files.iter().any(|f| {
                (dir.is_empty() || f.rel.starts_with(&format!("{dir}/")))
                    && f.file_name().ends_with(".py")
            });
        let (kind, main) = if has(dir, "osops.toml") {
            (None, None)
        } else if has(dir, "setup.py") || has(dir, "pyproject.toml") || pbr_package {
            (Some(Kind::Tool), None)
        } else if !playbooks.is_empty() && has_dir("roles") {
            (Some(Kind::Playbook), entry_playbook(&playbooks))
        } else if has(dir, "tasks/main.yml") || has(dir, "tasks/main.yaml") {
            (Some(Kind::Role), None)
        } else if direct(&|n: &str| n.ends_with(".tf")) {
            (Some(Kind::Template), None)
        } else {
            continue;
        };
        let (members, vcs): (Vec<String>, Vec<String>) = files
            .iter()
            .filter(|f| dir.is_empty() || f.rel.starts_with(&format!("{dir}/")))
            .map(|f| f.rel.clone())
            .partition(|rel| !is_version_control_file(file_name(rel)));
        skipped.extend(vcs.iter().map(|rel| Skipped::new(rel, TOOLING)));
        claimed.push(dir.to_owned());
        match kind {
            None => skipped.extend(members.iter().map(|m| {
                Skipped::new(
                    m,
                    "inside a directory that is already an osops asset (has osops.toml)",
                )
            })),
            Some(kind) => candidates.push(Candidate {
                kind,
                path: dir.to_owned(),
                is_dir: true,
                notes: several_playbooks(&playbooks, main.as_deref()),
                main,
                members,
            }),
        }
    }

    let mut configs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        if inside(&claimed, &f.rel) {
            continue;
        }
        match classify(f) {
            Ok(Some(candidate)) => candidates.push(candidate),
            Ok(None) => configs
                .entry(f.dir().to_owned())
                .or_default()
                .push(f.rel.clone()),
            Err(why) => skipped.push(Skipped::new(&f.rel, why)),
        }
    }
    for (dir, members) in configs {
        candidates.push(Candidate {
            kind: Kind::Config,
            path: dir,
            is_dir: true,
            main: None,
            members,
            notes: Vec::new(),
        });
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates
}

/// One file on its own: a candidate, `Ok(None)` for a configuration file (grouped per directory
/// later), or why it is no tool.
fn classify(f: &SourceFile) -> Result<Option<Candidate>, &'static str> {
    let name = f.file_name();
    let ext = extension(name);
    let Some(text) = f.text.as_deref() else {
        return Err("binary file outside any tool directory");
    };
    if is_repository_tooling(name) {
        return Err(TOOLING);
    }
    if is_unit_test(&f.rel) {
        return Err("unit test (it belongs with the package it tests, not with operators)");
    }
    if is_doc(name) {
        return Err("documentation (read for descriptions and licenses)");
    }
    if name == "__init__.py" {
        return Err("Python package marker");
    }
    let single = |kind: Kind, notes: Vec<(&'static str, String)>| {
        Ok(Some(Candidate {
            kind,
            path: f.rel.clone(),
            is_dir: false,
            main: Some(f.rel.clone()),
            members: vec![f.rel.clone()],
            notes,
        }))
    };
    let is_yaml = matches!(ext.as_deref(), Some("yml" | "yaml"));
    if matches!(ext.as_deref(), Some("yml" | "yaml" | "template" | "json"))
        && is_heat_template(text)
    {
        return single(Kind::Template, Vec::new());
    }
    if is_yaml && is_playbook(text) {
        return single(Kind::Playbook, Vec::new());
    }
    let shebang = f.shebang().and_then(interpreter);
    let by_shebang = shebang.is_some_and(|i| {
        INTERPRETERS.contains(&i) || i.starts_with("python") || i.starts_with("perl")
    });
    let by_extension = ext
        .as_deref()
        .is_some_and(|e| SCRIPT_EXTENSIONS.contains(&e));
    let mut notes = Vec::new();
    if !(by_shebang || by_extension || f.executable) {
        if ext
            .as_deref()
            .is_some_and(|e| CONFIG_EXTENSIONS.contains(&e))
        {
            return Ok(None);
        }
        return Err("not recognised as a tool (no shebang, known extension or executable bit)");
    }
    if f.shebang().is_none() && f.executable && !by_extension {
        notes.push((
            "no-shebang",
            "executable without a `#!` line; assumed to be a shell script".to_owned(),
        ));
    } else if f.shebang().is_none() {
        notes.push((
            "no-shebang",
            "no `#!` line; it runs only through an explicit interpreter".to_owned(),
        ));
    }
    if !f.executable {
        notes.push((
            "not-executable",
            "not executable in the repository; packaged as executable".to_owned(),
        ));
    }
    let kind = if name.to_ascii_lowercase().starts_with("check_")
        || in_check_directory(&f.rel)
        || is_nagios_check(text)
    {
        Kind::Check
    } else {
        Kind::Script
    };
    single(kind, notes)
}

fn is_yaml_name(name: &str) -> bool {
    matches!(extension(name).as_deref(), Some("yml" | "yaml"))
}

fn depth(dir: &str) -> usize {
    if dir.is_empty() {
        0
    } else {
        dir.matches('/').count() + 1
    }
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str, executable: bool) -> SourceFile {
        SourceFile::in_memory(rel, text, executable)
    }

    fn kinds(files: &[SourceFile]) -> Vec<(String, Kind)> {
        let refs: Vec<&SourceFile> = files.iter().collect();
        let mut skipped = Vec::new();
        detect(&refs, &mut skipped)
            .into_iter()
            .map(|c| (c.path, c.kind))
            .collect()
    }

    #[test]
    fn playbooks_are_lists_of_plays_not_task_lists_or_mappings() {
        assert!(is_playbook("---\n- hosts: compute\n  tasks: []\n"));
        assert!(is_playbook(
            "# c\n- name: Drain\n  hosts: all\n  become: true\n"
        ));
        assert!(is_playbook("- import_playbook: other.yml\n"));
        assert!(!is_playbook("- name: a task\n  command: nova list\n"));
        assert!(!is_playbook("hosts: all\nvars: {}\n"));
        assert!(!is_playbook("- name: x\n  block:\n    - hosts: nope\n"));
    }

    #[test]
    fn heat_templates_are_found_by_their_version_key() {
        assert!(is_heat_template(
            "heat_template_version: 2018-08-31\nresources: {}\n"
        ));
        assert!(is_heat_template(
            "{\n  \"heat_template_version\": \"2016-10-14\"\n}"
        ));
        assert!(!is_heat_template("# heat_template_version: in a comment\n"));
    }

    #[test]
    fn shebangs_name_their_interpreter() {
        assert_eq!(interpreter("/usr/bin/env python3"), Some("python3"));
        assert_eq!(interpreter("/usr/bin/env -S bash -e"), Some("bash"));
        assert_eq!(interpreter("/bin/bash -e"), Some("bash"));
    }

    #[test]
    fn every_kind_is_detected_and_directories_claim_their_files() {
        let files = [
            file(
                "roles/Galera/tasks/main.yml",
                "- name: t\n  command: x\n",
                false,
            ),
            file("roles/Galera/handlers/main.yml", "- name: h\n", false),
            file("tf/main.tf", "resource \"x\" \"y\" {}\n", false),
            file(
                "tools/ostool/setup.py",
                "from setuptools import setup\n",
                false,
            ),
            file("tools/ostool/ostool/cli.py", "print(1)\n", false),
            file("bin/evacuate.sh", "#!/bin/bash\nnova list\n", true),
            file("bin/noshebang", "echo hi\n", true),
            file("bin/lazy.py", "#!/usr/bin/env python3\n", false),
            file("checks/check_rabbitmq", "#!/bin/sh\n", true),
            file(
                "heat/stack.yaml",
                "heat_template_version: 2018-08-31\n",
                false,
            ),
            file("plays/site.yml", "- hosts: all\n", false),
            file("etc/nova.conf.sample", "[DEFAULT]\n", false),
            file("etc/vars.yml", "a: 1\n", false),
            file("bin/README.md", "# Tools\n", false),
            file("notes.bin", "plain words\n", false),
        ];
        assert_eq!(
            kinds(&files),
            vec![
                ("bin/evacuate.sh".into(), Kind::Script),
                ("bin/lazy.py".into(), Kind::Script),
                ("bin/noshebang".into(), Kind::Script),
                ("checks/check_rabbitmq".into(), Kind::Check),
                ("etc".into(), Kind::Config),
                ("heat/stack.yaml".into(), Kind::Template),
                ("plays/site.yml".into(), Kind::Playbook),
                ("roles/Galera".into(), Kind::Role),
                ("tf".into(), Kind::Template),
                ("tools/ostool".into(), Kind::Tool),
            ]
        );
    }

    #[test]
    fn an_ansible_project_is_one_playbook_with_its_roles_and_vars() {
        let files = [
            file(
                "lampstack/site.yml",
                "- hosts: all\n  roles:\n    - common\n",
                false,
            ),
            file("lampstack/other.yml", "- hosts: db\n", false),
            file("lampstack/README.md", "# LAMP\n", false),
            file("lampstack/vars/leap.yml", "a: 1\n", false),
            file(
                "lampstack/roles/common/tasks/main.yml",
                "- debug: msg=x\n",
                false,
            ),
            file(
                "shared/roles/apply/tasks/main.yml",
                "- debug: msg=y\n",
                false,
            ),
            file("lampstack/.gitignore", "*.retry\n", false),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let mut skipped = Vec::new();
        let found = detect(&refs, &mut skipped);
        let project = &found[0];
        assert_eq!(
            (project.path.as_str(), project.kind, project.main.as_deref()),
            ("lampstack", Kind::Playbook, Some("lampstack/site.yml"))
        );
        assert_eq!(project.members.len(), 5, "{:?}", project.members);
        assert!(
            skipped
                .iter()
                .any(|s| s.path == "lampstack/.gitignore" && s.reason == TOOLING),
            "version control files stay out of the asset: {skipped:?}"
        );
        assert_eq!(project.notes.len(), 1);
        assert!(
            project.notes[0].1.contains("`other.yml`"),
            "{:?}",
            project.notes
        );
        assert_eq!(
            kinds(&files),
            vec![
                ("lampstack".into(), Kind::Playbook),
                ("shared/roles/apply".into(), Kind::Role),
            ],
            "a roles/ directory without a playbook keeps its roles"
        );
    }

    #[test]
    fn a_pbr_package_is_one_tool_and_unit_tests_are_never_tools() {
        let files = [
            file(
                "mon/setup.cfg",
                "[metadata]\nname = mon\n[entry_points]\nconsole_scripts =\n    x = mon.x:main\n",
                false,
            ),
            file("mon/oschecks/nova.py", "#!/usr/bin/env python\n", true),
            file(
                "mon/oschecks/tests/test_nova.py",
                "import unittest\n",
                false,
            ),
            file("loose/test_quota.py", "#!/usr/bin/env python\n", true),
            file("loose/quota_test.py", "import unittest\n", false),
            file("loose/tests/run.sh", "#!/bin/sh\n", true),
            file("lint/setup.cfg", "[flake8]\nmax-line-length = 99\n", false),
            file("lint/fix.py", "#!/usr/bin/env python\n", true),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let mut skipped = Vec::new();
        let found: Vec<(String, Kind)> = detect(&refs, &mut skipped)
            .into_iter()
            .map(|c| (c.path, c.kind))
            .collect();
        assert_eq!(
            found,
            vec![
                ("lint/fix.py".into(), Kind::Script),
                ("mon".into(), Kind::Tool),
            ]
        );
        let reasons: BTreeMap<&str, &str> = skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        for test in [
            "loose/test_quota.py",
            "loose/quota_test.py",
            "loose/tests/run.sh",
        ] {
            assert!(
                reasons[test].starts_with("unit test"),
                "{test}: {reasons:?}"
            );
        }
        assert_eq!(reasons["lint/setup.cfg"], TOOLING);
    }

    #[test]
    fn repository_tooling_is_set_aside_and_a_readme_alone_makes_no_config() {
        let files = [
            file("README.md", "# Tools\n", false),
            file("tox.ini", "[tox]\n", false),
            file(".gitreview", "[gerrit]\n", false),
            file(".zuul.yaml", "- project: {}\n", false),
            file("Makefile", "all:\n", false),
            file("test-requirements.txt", "hacking\n", false),
            file("etc/nova.conf", "[DEFAULT]\n", false),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let mut skipped = Vec::new();
        let found: Vec<String> = detect(&refs, &mut skipped)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(found, vec!["etc"]);
        let tooling: BTreeSet<&str> = skipped
            .iter()
            .filter(|s| s.reason == TOOLING)
            .map(|s| s.path.as_str())
            .collect();
        assert_eq!(
            tooling,
            BTreeSet::from([
                ".gitreview",
                ".zuul.yaml",
                "Makefile",
                "test-requirements.txt",
                "tox.ini"
            ])
        );
    }

    #[test]
    fn checks_are_known_by_their_directory_or_their_nagios_states() {
        let files = [
            file(
                "monitoring/nagios-plugins/nova-services.sh",
                "#!/bin/bash\nnova service-list\n",
                true,
            ),
            file(
                "bin/horizon.sh",
                "#!/bin/bash\nif ! curl -s x; then\n  echo \"CRITICAL - Horizon is down\"\n  exit 2\nfi\necho OK\nexit 0\n",
                true,
            ),
            file(
                "bin/api.py",
                "#!/usr/bin/env python3\nimport sys\nprint('UNKNOWN: no token')\nsys.exit(3)\n",
                true,
            ),
            file(
                "bin/backup.sh",
                "#!/bin/bash\necho \"WARNING: slow disk\"\necho OK\nexit 1\n",
                true,
            ),
        ];
        assert_eq!(
            kinds(&files),
            vec![
                ("bin/api.py".into(), Kind::Check),
                ("bin/backup.sh".into(), Kind::Script),
                ("bin/horizon.sh".into(), Kind::Check),
                (
                    "monitoring/nagios-plugins/nova-services.sh".into(),
                    Kind::Check
                ),
            ]
        );
    }
}
