//! Asset names for imported tools: canonical under osops-index's rules, and distinct from each
//! other even to a reader's eye.
//!
//! A name comes from the file's stem (`Check_RabbitMQ.py` → `check-rabbitmq`) or the directory's
//! name, folded as [`AssetName::canonical_form`] folds, other characters turned to `-`. Stems that
//! say nothing on their own (`main`, `site`, `run`) get their directory's name in front, and a role
//! (`lampstack/roles/common`) its project's (`lampstack-common`: `common` or `apply` alone says
//! nothing, and `roles-common` names the folder, not the project). Two tools
//! whose names would be equal or look alike ([`AssetName::lookalike_key`]: `neutr0n-cleanup` and
//! `neutron-cleanup`) both get their parent directories in front until they differ, and both are
//! flagged, so a human confirms the choice; names already given by an earlier import are kept.

use std::collections::{BTreeMap, BTreeSet};

use osops_index::AssetName;

use super::scan::file_name;

/// Stems too generic to name a tool alone.
const GENERIC: &[&str] = &[
    "main",
    "site",
    "run",
    "playbook",
    "install",
    "setup",
    "deploy",
    "index",
    "default",
    "init",
    "script",
    "tool",
    "tools",
    "common",
    "test",
    "cli",
    "app",
    "start",
    "config",
    "tasks",
    "files",
    "templates",
    "vars",
    "defaults",
    "src",
    "bin",
    "scripts",
    "etc",
];

/// A folded, valid asset name from free text, or `None` if nothing usable is left.
pub fn canonicalise(raw: &str) -> Option<String> {
    let folded = AssetName::fold(raw);
    let mut out = String::new();
    for c in folded.chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        // One `-` at a time: `a--b` would be a look-alike of `a-b` anyway.
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    if out.len() > 64 {
        out.truncate(64);
        out = out.trim_end_matches('-').to_owned();
    }
    AssetName::parse(&out).ok().map(|n| n.to_string())
}

/// The stem of a tool's path: `bin/check_x.py` → `check_x`, `roles/Galera` → `Galera`.
fn stem(path: &str, is_dir: bool) -> &str {
    let name = file_name(path);
    if is_dir {
        return name;
    }
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// The path's directories, innermost first (`a/b/c.sh` → `b`, `a`).
fn parents(path: &str) -> Vec<&str> {
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.reverse();
    dirs
}

/// The name a tool would get alone: its stem, with `levels` parent directories in front (and one
/// more when the stem is generic). `repo` names a tool at the repository's top (`path` is `""`).
pub fn proposed(path: &str, is_dir: bool, levels: usize, repo: &str) -> Option<String> {
    if path.is_empty() {
        return canonicalise(repo).or_else(|| canonicalise(&format!("{repo}-config")));
    }
    let stem = stem(path, is_dir);
    let mut ancestors = parents(path);
    let is_role = is_dir && ancestors.first().is_some_and(|d| *d == "roles");
    let generic = GENERIC.contains(&stem.to_ascii_lowercase().as_str());
    let mut take = levels + usize::from(generic);
    if is_role {
        ancestors.remove(0);
        let project = ancestors.first().copied().unwrap_or(repo);
        let already = canonicalise(stem)
            .zip(canonicalise(project))
            .is_some_and(|(s, p)| s.starts_with(&p));
        take = take.max(usize::from(!already));
    }
    let mut parts: Vec<&str> = ancestors.into_iter().take(take).collect();
    if (generic || is_role) && take > 0 && parts.is_empty() {
        parts.push(repo);
    }
    parts.reverse();
    parts.push(stem);
    canonicalise(&parts.join("-")).or_else(|| canonicalise(&format!("{}-tool", parts.join("-"))))
}

/// A name assigned to a tool, and the tools it would have clashed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub name: String,
    pub clashed_with: Vec<String>,
}

/// Names for `tools` (path, is-dir), keeping those in `kept` (path → name from an earlier import).
/// Every name is valid and no two share a look-alike key.
pub fn assign(
    tools: &[(String, bool)],
    kept: &BTreeMap<String, String>,
    repo: &str,
) -> BTreeMap<String, Assigned> {
    let key = |name: &str| AssetName::parse(name).map(|n| n.lookalike_key()).ok();
    // Every tool by the key of its plain name: a group of more than one is a clash, flagged on
    // each import (a kept name was chosen because of it, and still needs a human's look).
    let mut groups: BTreeMap<String, Vec<&(String, bool)>> = BTreeMap::new();
    for tool in tools {
        let plain = proposed(&tool.0, tool.1, 0, repo).unwrap_or_else(|| "imported-tool".into());
        groups
            .entry(key(&plain).unwrap_or(plain))
            .or_default()
            .push(tool);
    }
    let clashes_of = |path: &str, group: &[&(String, bool)]| -> Vec<String> {
        group
            .iter()
            .map(|(p, _)| p.clone())
            .filter(|p| p != path)
            .collect()
    };

    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for members in groups.values() {
        for (path, _) in members {
            if let Some(name) = kept.get(path)
                && let Some(k) = key(name)
                && taken.insert(k)
            {
                let clashed_with = clashes_of(path, members);
                out.insert(
                    path.clone(),
                    Assigned {
                        name: name.clone(),
                        clashed_with,
                    },
                );
            }
        }
    }
    for (group_key, members) in &groups {
        let fresh: Vec<&&(String, bool)> = members
            .iter()
            .filter(|(p, _)| !out.contains_key(p))
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let clash = members.len() > 1 || taken.contains(group_key);
        for (path, is_dir) in fresh.into_iter().copied() {
            let mut levels = usize::from(clash);
            let name = loop {
                let candidate =
                    proposed(path, *is_dir, levels, repo).unwrap_or_else(|| "imported-tool".into());
                let exhausted = levels > path.matches('/').count() + 1;
                if let Some(k) = key(&candidate)
                    && !taken.contains(&k)
                {
                    taken.insert(k);
                    break candidate;
                }
                if exhausted {
                    break numbered(&candidate, &mut taken, &key);
                }
                levels += 1;
            };
            let mut clashed_with = clashes_of(path, members);
            if clash && clashed_with.is_empty() {
                clashed_with.push("a tool named by an earlier import".into());
            }
            out.insert(path.clone(), Assigned { name, clashed_with });
        }
    }
    out
}

/// `name-v2`, `name-v3`, … : the first whose look-alike key is free.
fn numbered(
    name: &str,
    taken: &mut BTreeSet<String>,
    key: &dyn Fn(&str) -> Option<String>,
) -> String {
    let base: String = name.chars().take(60).collect();
    (2..)
        .map(|n| format!("{base}-v{n}"))
        .find(|candidate| key(candidate).is_some_and(|k| taken.insert(k)))
        .unwrap_or_else(|| base.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded_to_the_canonical_form() {
        assert_eq!(
            canonicalise("Check_RabbitMQ").as_deref(),
            Some("check-rabbitmq")
        );
        assert_eq!(
            canonicalise("nova  evacuate..host").as_deref(),
            Some("nova-evacuate-host")
        );
        assert_eq!(canonicalise("_x_").as_deref(), None);
        assert_eq!(canonicalise("é").as_deref(), None);
        assert_eq!(canonicalise(&"a".repeat(80)).map(|n| n.len()), Some(64));
    }

    #[test]
    fn generic_stems_take_their_directory_name() {
        assert_eq!(
            proposed("playbooks/rabbitmq/site.yml", false, 0, "ops").as_deref(),
            Some("rabbitmq-site")
        );
        assert_eq!(
            proposed("site.yml", false, 0, "ops").as_deref(),
            Some("ops-site")
        );
        assert_eq!(
            proposed("tools/Galera_Backup", true, 0, "ops").as_deref(),
            Some("galera-backup")
        );
        assert_eq!(proposed("", true, 0, "Old_Ops").as_deref(), Some("old-ops"));
    }

    #[test]
    fn roles_are_named_after_their_project_not_their_folder() {
        assert_eq!(
            proposed("ansible/lampstack/roles/common", true, 0, "ops").as_deref(),
            Some("lampstack-common")
        );
        assert_eq!(
            proposed("lampstack/roles/apply", true, 0, "ops").as_deref(),
            Some("lampstack-apply")
        );
        assert_eq!(
            proposed("roles/apply", true, 0, "ops").as_deref(),
            Some("ops-apply")
        );
        assert_eq!(
            proposed("galera/roles/galera_backup", true, 0, "ops").as_deref(),
            Some("galera-backup"),
            "a role already named after its project keeps its name"
        );
        assert_eq!(
            proposed("x/lampstack/roles/common", true, 1, "ops").as_deref(),
            Some("x-lampstack-common"),
            "a clash qualifies further"
        );
    }

    #[test]
    fn clashing_and_lookalike_names_are_all_qualified_and_flagged() {
        let tools = vec![
            ("nova/cleanup.sh".to_owned(), false),
            ("neutron/cleanup.sh".to_owned(), false),
            ("a/neutron-purge.sh".to_owned(), false),
            ("b/neutr0n_purge.sh".to_owned(), false),
            ("solo.sh".to_owned(), false),
        ];
        let names = assign(&tools, &BTreeMap::new(), "ops");
        let got: BTreeMap<&str, &str> = names
            .iter()
            .map(|(p, a)| (p.as_str(), a.name.as_str()))
            .collect();
        assert_eq!(got["nova/cleanup.sh"], "nova-cleanup");
        assert_eq!(got["neutron/cleanup.sh"], "neutron-cleanup");
        assert_eq!(got["a/neutron-purge.sh"], "a-neutron-purge");
        assert_eq!(got["b/neutr0n_purge.sh"], "b-neutr0n-purge");
        assert_eq!(got["solo.sh"], "solo");
        assert_eq!(
            names["nova/cleanup.sh"].clashed_with,
            vec!["neutron/cleanup.sh"]
        );
        assert!(names["solo.sh"].clashed_with.is_empty());
        let keys: BTreeSet<String> = got
            .values()
            .map(|n| AssetName::parse(n).expect("valid").lookalike_key())
            .collect();
        assert_eq!(keys.len(), got.len(), "no two names look alike");
    }

    #[test]
    fn names_from_an_earlier_import_are_kept() {
        let tools = vec![
            ("x/cleanup.sh".to_owned(), false),
            ("y/cleanup.sh".to_owned(), false),
        ];
        let kept = BTreeMap::from([("x/cleanup.sh".to_owned(), "cleanup".to_owned())]);
        let names = assign(&tools, &kept, "ops");
        assert_eq!(names["x/cleanup.sh"].name, "cleanup");
        assert_eq!(names["y/cleanup.sh"].name, "y-cleanup");
        assert_eq!(
            names["x/cleanup.sh"].clashed_with,
            vec!["y/cleanup.sh"],
            "still flagged"
        );
    }
}
