//! Files a tool uses by relative path: shell libraries it `source`s, Python modules it imports
//! from beside it. They are bundled into the tool's asset (their relative layout kept), because a
//! script installed without its `lib/common.sh` fails on the operator's cloud, not on publish.
//!
//! Only what can be resolved without running anything is followed: a literal path, possibly after
//! the script's own directory (`$(dirname "$0")/`, `${BASH_SOURCE%/*}/`, `$DIR/`). A path with any
//! other variable is left alone. References are followed transitively.

use std::collections::{BTreeMap, BTreeSet};

use super::detect::is_python;
use super::scan::{SourceFile, parent};

/// What a tool uses by relative path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Helpers {
    /// Files found in the repository (repository-relative), transitively, the tool excluded.
    pub found: BTreeSet<String>,
    /// `source`d paths that are not in the repository (as resolved, or as written).
    pub missing: BTreeSet<String>,
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
        let refs = if is_python(file) {
            python_references(file.dir(), text, files)
        } else {
            shell_references(file.dir(), text)
        };
        for reference in refs {
            match files.get(reference.as_str()) {
                Some(found) if seen.insert(reference.clone()) => {
                    helpers.found.insert(reference);
                    pending.push(*found);
                }
                Some(_) => {}
                None if !is_python(file) => {
                    helpers.missing.insert(reference);
                }
                None => {}
            }
        }
    }
    helpers
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

/// The sibling modules (and packages) a Python file imports: `import common`, `from lib import
/// x`, `from . import util`, when `common.py`, `lib/__init__.py` or `util.py` sits beside it.
fn python_references(dir: &str, text: &str, files: &BTreeMap<&str, &SourceFile>) -> Vec<String> {
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
            let as_file = super::detect::join(dir, &format!("{path}.py"));
            let first = path.split('/').next().unwrap_or_default();
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

    #[test]
    fn python_imports_of_sibling_modules_are_helpers() {
        let file = |rel: &str, text: &str| SourceFile {
            rel: rel.into(),
            abs: rel.into(),
            size: 1,
            executable: false,
            text: Some(text.into()),
            sha256: String::new(),
        };
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
