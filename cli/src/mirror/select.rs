//! Which assets and versions a mirror holds: the chosen assets' versions that pass the filters,
//! and every version of everything they depend on, transitively.
//!
//! Filters apply per version, from the index entry (kind, services, releases, needs), not per
//! asset as search does: a mirror for a 2023.1 cloud wants the older versions that support
//! 2023.1 even when the newest one no longer does. Dependencies come whole (every non-yanked
//! version, whatever the filters), because a filter that dropped a dependency's only version
//! would leave the mirror unable to install what needs it. Yanked versions are left out unless
//! `include_yanked`; an index file in the mirror lists exactly the versions whose archives it
//! holds, so every line a client reads can be downloaded.

use std::collections::{BTreeMap, BTreeSet};

use osops_index::{AssetName, IndexEntry, Kind, ReleaseRange};

/// One index file: each version's entry with its line as the registry served it (written back
/// unchanged, so fields this client does not know survive).
pub type Lines = Vec<(IndexEntry, String)>;

/// The version filters of `osops mirror`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub kind: Option<Kind>,
    /// Canonical service name.
    pub service: Option<String>,
    /// Canonical release series name.
    pub release: Option<String>,
    /// Need id.
    pub need: Option<String>,
    pub include_yanked: bool,
}

impl Filters {
    /// Whether a version of a chosen asset is mirrored.
    pub fn keeps(&self, entry: &IndexEntry) -> bool {
        self.keeps_dependency(entry)
            && self.kind.is_none_or(|k| entry.kind == k)
            && has_facets(
                entry,
                self.service.as_deref(),
                self.release.as_deref(),
                self.need.as_deref(),
            )
    }

    /// Whether a version of a dependency is mirrored: any that is not yanked (or any at all).
    pub fn keeps_dependency(&self, entry: &IndexEntry) -> bool {
        self.include_yanked || !entry.yanked
    }
}

/// Whether `entry` touches `service`, supports `release` and answers `need`, each where asked:
/// the filters a mirror is made with and the ones its search answers.
pub fn has_facets(
    entry: &IndexEntry,
    service: Option<&str>,
    release: Option<&str>,
    need: Option<&str>,
) -> bool {
    service.is_none_or(|s| entry.services.iter().any(|have| have == s))
        && release.is_none_or(|r| release_matches(entry.releases.as_deref(), r))
        && need.is_none_or(|n| entry.needs.iter().any(|have| have == n))
}

/// Whether a version declaring `range` (none: every release) supports `release`, as the
/// registry's search decides it.
pub fn release_matches(range: Option<&str>, release: &str) -> bool {
    match range {
        None => true,
        Some(text) => ReleaseRange::parse(text).is_ok_and(|r| r.contains(release)),
    }
}

/// One mirrored asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The versions mirrored, in the index file's order.
    pub lines: Lines,
    /// Chosen by name or filter, not only pulled in as a dependency.
    pub chosen: bool,
}

/// What [`select`] decided.
#[derive(Debug, Default)]
pub struct Selection {
    pub assets: BTreeMap<AssetName, Selected>,
    /// Chosen assets none of whose versions passed the filters.
    pub nothing_kept: Vec<AssetName>,
    /// `(dependent, dependency)` pairs the mirror cannot serve: the registry has no such asset,
    /// or none of its versions may be mirrored.
    pub unmet: Vec<(AssetName, AssetName)>,
}

/// The chosen assets' kept versions and their dependency closure. `fetch` reads the index files
/// of a wave of names (`None` for a name the registry does not have); it is called once per
/// wave, so it may read them side by side.
pub fn select<E>(
    chosen: BTreeMap<AssetName, Lines>,
    filters: &Filters,
    mut fetch: impl FnMut(&[AssetName]) -> Result<Vec<Option<Lines>>, E>,
) -> Result<Selection, E> {
    let mut selection = Selection::default();
    let mut fetched: BTreeMap<AssetName, Option<Lines>> = BTreeMap::new();
    for (name, lines) in chosen {
        let kept: Lines = lines
            .iter()
            .filter(|(e, _)| filters.keeps(e))
            .cloned()
            .collect();
        if kept.is_empty() {
            selection.nothing_kept.push(name.clone());
        } else {
            selection.assets.insert(
                name.clone(),
                Selected {
                    lines: kept,
                    chosen: true,
                },
            );
        }
        fetched.insert(name, Some(lines));
    }
    let mut wave: Vec<AssetName> = selection.assets.keys().cloned().collect();
    while !wave.is_empty() {
        // The dependencies of this wave's mirrored versions, and who needs them.
        let mut needed: BTreeMap<AssetName, BTreeSet<AssetName>> = BTreeMap::new();
        for name in &wave {
            let Some(asset) = selection.assets.get(name) else {
                continue;
            };
            for dep in asset.lines.iter().flat_map(|(e, _)| &e.deps) {
                if !selection.assets.contains_key(&dep.name) {
                    needed
                        .entry(dep.name.clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
        }
        let unknown: Vec<AssetName> = needed
            .keys()
            .filter(|n| !fetched.contains_key(*n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            for (name, lines) in unknown.iter().zip(fetch(&unknown)?) {
                fetched.insert(name.clone(), lines);
            }
        }
        wave = Vec::new();
        for (dep, dependents) in needed {
            let kept: Lines = fetched
                .get(&dep)
                .and_then(Option::as_ref)
                .map(|lines| {
                    lines
                        .iter()
                        .filter(|(e, _)| filters.keeps_dependency(e))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if kept.is_empty() {
                selection
                    .unmet
                    .extend(dependents.into_iter().map(|d| (d, dep.clone())));
                continue;
            }
            selection.assets.insert(
                dep.clone(),
                Selected {
                    lines: kept,
                    chosen: false,
                },
            );
            wave.push(dep);
        }
    }
    Ok(selection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, vers: &str, deps: &[&str], yanked: bool) -> (IndexEntry, String) {
        let deps: Vec<serde_json::Value> = deps
            .iter()
            .map(|d| serde_json::json!({"name": d, "req": "^1"}))
            .collect();
        let services: Vec<&str> = if name.starts_with("nova") {
            vec!["nova"]
        } else {
            vec![]
        };
        let releases = if vers.starts_with('1') {
            ">=2023.1, <=2023.2"
        } else {
            ">=2024.1"
        };
        let value = serde_json::json!({
            "name": name, "vers": vers, "kind": "script", "cksum": "00", "deps": deps,
            "services": services, "releases": releases,
            "needs": [], "yanked": yanked, "published_at": "2026-01-01T00:00:00Z", "v": 1
        });
        (
            serde_json::from_value(value.clone()).expect("entry"),
            value.to_string(),
        )
    }

    fn names(selection: &Selection) -> Vec<&str> {
        selection.assets.keys().map(AssetName::as_str).collect()
    }

    fn n(name: &str) -> AssetName {
        AssetName::parse(name).expect("name")
    }

    /// A registry of five assets: nova-a → lib-b → lib-c, nova-d (no deps), lib-e (all yanked).
    fn registry() -> BTreeMap<AssetName, Lines> {
        BTreeMap::from([
            (
                n("nova-a"),
                vec![
                    line("nova-a", "1.0.0", &["lib-b"], false),
                    line("nova-a", "2.0.0", &["lib-b", "lib-e"], false),
                ],
            ),
            (
                n("lib-b"),
                vec![
                    line("lib-b", "1.0.0", &["lib-c"], false),
                    line("lib-b", "1.1.0", &[], true),
                ],
            ),
            (n("lib-c"), vec![line("lib-c", "1.0.0", &[], false)]),
            (n("nova-d"), vec![line("nova-d", "2.0.0", &[], false)]),
            (n("lib-e"), vec![line("lib-e", "1.0.0", &[], true)]),
        ])
    }

    fn run(chosen: &[&str], filters: &Filters) -> (Selection, Vec<Vec<String>>) {
        let all = registry();
        let mut waves = Vec::new();
        let chosen = chosen.iter().map(|c| (n(c), all[&n(c)].clone())).collect();
        let selection = select(chosen, filters, |wave: &[AssetName]| {
            waves.push(wave.iter().map(ToString::to_string).collect());
            Ok::<_, ()>(wave.iter().map(|w| all.get(w).cloned()).collect())
        })
        .expect("select");
        (selection, waves)
    }

    #[test]
    fn names_bring_their_dependency_closure_wave_by_wave() {
        let (selection, waves) = run(&["nova-a"], &Filters::default());
        assert_eq!(names(&selection), ["lib-b", "lib-c", "nova-a"]);
        assert_eq!(waves, [vec!["lib-b", "lib-e"], vec!["lib-c"]]);
        assert!(selection.assets[&n("nova-a")].chosen);
        assert!(!selection.assets[&n("lib-b")].chosen);
        let b: Vec<String> = selection.assets[&n("lib-b")]
            .lines
            .iter()
            .map(|(e, _)| e.vers.to_string())
            .collect();
        assert_eq!(b, ["1.0.0"], "the yanked version is left out");
        assert_eq!(
            selection.unmet,
            [(n("nova-a"), n("lib-e"))],
            "a dependency with only yanked versions is reported"
        );
    }

    #[test]
    fn include_yanked_keeps_yanked_versions_of_everything() {
        let filters = Filters {
            include_yanked: true,
            ..Filters::default()
        };
        let (selection, _) = run(&["nova-a"], &filters);
        assert_eq!(names(&selection), ["lib-b", "lib-c", "lib-e", "nova-a"]);
        assert_eq!(selection.assets[&n("lib-b")].lines.len(), 2);
        assert!(selection.unmet.is_empty());
    }

    #[test]
    fn filters_pick_versions_and_dependencies_come_whole() {
        let filters = Filters {
            release: Some("antelope".into()),
            ..Filters::default()
        };
        let (selection, _) = run(&["nova-a", "nova-d"], &filters);
        let a: Vec<String> = selection.assets[&n("nova-a")]
            .lines
            .iter()
            .map(|(e, _)| e.vers.to_string())
            .collect();
        assert_eq!(a, ["1.0.0"], "2.0.0 does not support 2023.1");
        assert_eq!(selection.nothing_kept, [n("nova-d")]);
        assert_eq!(
            names(&selection),
            ["lib-b", "lib-c", "nova-a"],
            "lib-e was needed only by the version left out"
        );

        let filters = Filters {
            service: Some("nova".into()),
            ..Filters::default()
        };
        let (selection, _) = run(&["nova-a", "nova-d", "lib-c"], &filters);
        assert_eq!(selection.nothing_kept, [n("lib-c")], "no nova in lib-c");
        assert_eq!(names(&selection), ["lib-b", "lib-c", "nova-a", "nova-d"]);
        assert!(
            !selection.assets[&n("lib-c")].chosen,
            "lib-c is filtered out as chosen, then pulled in whole as a dependency"
        );
    }

    #[test]
    fn kind_and_need_filters_match_the_entry() {
        let (entry, _) = line("nova-a", "1.0.0", &[], false);
        let kind = |k: Kind| Filters {
            kind: Some(k),
            ..Filters::default()
        };
        assert!(kind(Kind::Script).keeps(&entry));
        assert!(!kind(Kind::Check).keeps(&entry));
        let need = Filters {
            need: Some("drain-compute-host".into()),
            ..Filters::default()
        };
        assert!(!need.keeps(&entry));
        let (yanked, _) = line("nova-a", "1.0.0", &[], true);
        assert!(!Filters::default().keeps(&yanked));
    }
}
