use std::collections::BTreeMap;

use osops_index::{AssetName, IndexDependency, IndexEntry, Kind};
use semver::{Version, VersionReq};

use super::{Error, Problem, Requirement, Resolved, solve};

fn name(n: &str) -> AssetName {
    AssetName::parse(n).expect("name")
}

fn req(r: &str) -> VersionReq {
    VersionReq::parse(r).expect("requirement")
}

fn entry(n: &str, vers: &str, deps: &[(&str, &str)], yanked: bool) -> IndexEntry {
    IndexEntry {
        name: name(n),
        vers: Version::parse(vers).expect("version"),
        kind: Kind::Script,
        cksum: "0".repeat(64),
        deps: deps
            .iter()
            .map(|(d, r)| IndexDependency {
                name: name(d),
                req: req(r),
            })
            .collect(),
        services: vec![],
        releases: None,
        needs: vec![],
        yanked,
        published_at: "2026-01-01T00:00:00Z".into(),
        v: 1,
    }
}

/// An index built version by version.
#[derive(Default)]
struct Index(BTreeMap<AssetName, Vec<IndexEntry>>);

impl Index {
    fn add(mut self, n: &str, vers: &str, deps: &[(&str, &str)]) -> Self {
        self.0
            .entry(name(n))
            .or_default()
            .push(entry(n, vers, deps, false));
        self
    }

    fn yanked(mut self, n: &str, vers: &str, deps: &[(&str, &str)]) -> Self {
        self.0
            .entry(name(n))
            .or_default()
            .push(entry(n, vers, deps, true));
        self
    }

    fn solve_as(
        &self,
        root: &str,
        reqs: &[(&str, &str)],
        preferred: &[(&str, &str)],
    ) -> Result<BTreeMap<AssetName, Resolved>, Error> {
        let preferred: BTreeMap<AssetName, Version> = preferred
            .iter()
            .map(|(n, v)| (name(n), Version::parse(v).expect("version")))
            .collect();
        let problem = Problem {
            root: root.into(),
            requirements: reqs
                .iter()
                .map(|(n, r)| Requirement {
                    name: name(n),
                    req: req(r),
                })
                .collect(),
            available: &self.0,
            preferred: &preferred,
        };
        solve(&problem)
    }

    fn solve(
        &self,
        reqs: &[(&str, &str)],
        preferred: &[(&str, &str)],
    ) -> Result<BTreeMap<AssetName, Resolved>, Error> {
        self.solve_as("your request", reqs, preferred)
    }

    /// `name version` per chosen asset, a `!` after yanked ones.
    fn versions(&self, reqs: &[(&str, &str)], preferred: &[(&str, &str)]) -> Vec<String> {
        let solved = self.solve(reqs, preferred).expect("a solution");
        solved
            .values()
            .map(|r| {
                let mark = if r.yanked { "!" } else { "" };
                format!("{} {}{mark}", r.entry.name, r.entry.vers)
            })
            .collect()
    }

    fn conflict(&self, root: &str, reqs: &[(&str, &str)]) -> String {
        match self.solve_as(root, reqs, &[]) {
            Err(e @ Error::Conflict { .. }) => e.to_string(),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
}

/// The conflict from `docs/install.md`.
fn region_one() -> Index {
    Index::default()
        .add("galera-health", "2.0.0", &[("os-cloud-helpers", "^0.4")])
        .add("galera-health", "2.1.0", &[("os-cloud-helpers", "^0.3")])
        .add(
            "nova-evacuate-host",
            "1.2.0",
            &[("os-cloud-helpers", "^0.4")],
        )
        .add("os-cloud-helpers", "0.3.1", &[])
        .add("os-cloud-helpers", "0.4.0", &[])
}

#[test]
fn diamond_picks_the_newest_version_every_dependent_accepts() {
    let index = Index::default()
        .add(
            "app-top",
            "1.0.0",
            &[("left-side", "^1"), ("right-side", "^1")],
        )
        .add("left-side", "1.0.0", &[("shared-base", "^1")])
        .add("right-side", "1.0.0", &[("shared-base", ">=1.1")])
        .add("shared-base", "1.0.0", &[("leaf-util", "^0.1")])
        .add("shared-base", "1.1.0", &[("leaf-util", "^0.1")])
        .add("shared-base", "1.2.0", &[("leaf-util", "^0.1")])
        .add("shared-base", "2.0.0", &[("leaf-util", "^0.2")])
        .add("leaf-util", "0.1.0", &[])
        .add("leaf-util", "0.1.5", &[])
        .add("leaf-util", "0.2.0", &[]);
    let solved = index.solve(&[("app-top", "^1")], &[]).expect("solution");
    let versions: Vec<String> = solved
        .values()
        .map(|r| format!("{} {}", r.entry.name, r.entry.vers))
        .collect();
    assert_eq!(
        versions,
        [
            "app-top 1.0.0",
            "leaf-util 0.1.5",
            "left-side 1.0.0",
            "right-side 1.0.0",
            "shared-base 1.2.0"
        ]
    );
    let deps: Vec<&str> = solved[&name("app-top")]
        .dependencies
        .iter()
        .map(AssetName::as_str)
        .collect();
    assert_eq!(deps, ["left-side", "right-side"]);
    assert!(solved.values().all(|r| !r.yanked));
}

#[test]
fn backtracks_to_an_older_version_whose_dependencies_fit() {
    let index = Index::default()
        .add("web-check", "1.0.0", &[("cloud-lib", "^1")])
        .add("web-check", "1.1.0", &[("cloud-lib", "^2")])
        .add("db-check", "1.0.0", &[("cloud-lib", "^1")])
        .add("cloud-lib", "1.4.0", &[])
        .add("cloud-lib", "2.0.0", &[]);
    assert_eq!(
        index.versions(&[("web-check", "^1"), ("db-check", "^1")], &[]),
        ["cloud-lib 1.4.0", "db-check 1.0.0", "web-check 1.0.0"]
    );
}

#[test]
fn conflict_names_both_dependents_their_requirements_and_the_root() {
    let text = region_one().conflict(
        "region-one-ops",
        &[("galera-health", "=2.1.0"), ("nova-evacuate-host", "1.2")],
    );
    for part in [
        "galera-health 2.1.0 depends on os-cloud-helpers ^0.3",
        "nova-evacuate-host 1.2.0 depends on os-cloud-helpers ^0.4",
        "region-one-ops depends on galera-health =2.1.0 and nova-evacuate-host ^1.2",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

#[test]
fn conflict_display_is_exact() {
    let text = region_one().conflict(
        "region-one-ops",
        &[("galera-health", "=2.1.0"), ("nova-evacuate-host", "1.2")],
    );
    assert_eq!(
        text,
        "no set of versions satisfies every requirement:
  because galera-health 2.1.0 depends on os-cloud-helpers ^0.3
  and nova-evacuate-host 1.2.0 depends on os-cloud-helpers ^0.4,
  galera-health 2.1.0 and nova-evacuate-host 1.2.0 cannot be installed together.
  And because region-one-ops depends on galera-health =2.1.0 and nova-evacuate-host ^1.2, \
region-one-ops cannot be satisfied."
    );
}

#[test]
fn conflict_between_every_version_of_two_assets_is_exact() {
    let index = Index::default()
        .add("galera-health", "2.0.0", &[("os-cloud-helpers", "^0.3")])
        .add("galera-health", "2.1.0", &[("os-cloud-helpers", "^0.3")])
        .add(
            "nova-evacuate-host",
            "1.2.0",
            &[("os-cloud-helpers", "^0.4")],
        )
        .add(
            "nova-evacuate-host",
            "1.3.0",
            &[("os-cloud-helpers", "^0.4")],
        )
        .add("os-cloud-helpers", "0.3.0", &[])
        .add("os-cloud-helpers", "0.4.0", &[]);
    assert_eq!(
        index.conflict(
            "region-one-ops",
            &[("galera-health", "^2"), ("nova-evacuate-host", "^1.2")]
        ),
        "no set of versions satisfies every requirement:
  because every version of galera-health depends on os-cloud-helpers ^0.3
  and every version of nova-evacuate-host depends on os-cloud-helpers ^0.4,
  galera-health and nova-evacuate-host cannot be installed together.
  And because region-one-ops depends on galera-health ^2 and nova-evacuate-host ^1.2, \
region-one-ops cannot be satisfied."
    );
}

#[test]
fn conflict_over_a_transitive_chain_names_every_link() {
    let index = Index::default()
        .add("ops-bundle", "1.0.0", &[("galera-health", "^2")])
        .add("galera-health", "2.1.0", &[("os-cloud-helpers", "^0.3")])
        .add("os-cloud-helpers", "0.3.0", &[])
        .add("os-cloud-helpers", "0.4.0", &[]);
    let text = index.conflict(
        "region-one-ops",
        &[("ops-bundle", "^1"), ("os-cloud-helpers", "^0.4")],
    );
    for part in [
        "ops-bundle 1.0.0 depends on galera-health ^2",
        "galera-health 2.1.0 depends on os-cloud-helpers ^0.3",
        "region-one-ops depends on",
        "os-cloud-helpers ^0.4",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    assert!(text.lines().skip(1).all(|l| l.starts_with("  ")), "{text}");
}

#[test]
fn root_requirement_that_nothing_matches_lists_the_versions() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .add("nova-tools", "1.2.0", &[]);
    assert_eq!(
        index.conflict("your request", &[("nova-tools", "^9")]),
        "no set of versions satisfies every requirement:
  your request depends on nova-tools ^9, but no version of nova-tools matches ^9 \
(available: 1.0.0, 1.2.0)."
    );
}

#[test]
fn requirement_whose_every_match_is_yanked_says_so() {
    let index = Index::default()
        .add("nova-tools", "1.2.0", &[])
        .yanked("nova-tools", "1.3.0", &[])
        .add("ops-bundle", "1.0.0", &[("nova-tools", "^1.3")]);
    let text = index.conflict("your request", &[("nova-tools", "~1.3")]);
    assert!(
        text.contains("every version of nova-tools that matches ~1.3 is yanked (1.3.0)"),
        "{text}"
    );
    let text = index.conflict("your request", &[("ops-bundle", "^1")]);
    assert!(
        text.contains(
            "ops-bundle 1.0.0 depends on nova-tools ^1.3, \
             but every version of nova-tools that matches ^1.3 is yanked (1.3.0)"
        ),
        "{text}"
    );
}

#[test]
fn dependency_on_an_asset_the_registry_does_not_have() {
    let index = Index::default().add("ops-bundle", "1.0.0", &[("zzz-missing", "^1")]);
    let text = index.conflict("region-one-ops", &[("ops-bundle", "^1")]);
    assert!(
        text.contains(
            "ops-bundle 1.0.0 depends on `zzz-missing` ^1, which the registry does not have"
        ),
        "{text}"
    );
    assert!(
        text.contains("region-one-ops depends on ops-bundle ^1"),
        "{text}"
    );
    let text = index.conflict("your request", &[("zzz-missing", "*")]);
    assert!(
        text.contains("your request depends on `zzz-missing`, which the registry does not have"),
        "{text}"
    );
}

#[test]
fn yanked_versions_are_never_chosen_for_a_range() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .yanked("nova-tools", "1.1.0", &[])
        .add("ops-bundle", "1.0.0", &[("nova-tools", "^1")]);
    assert_eq!(
        index.versions(&[("ops-bundle", "^1")], &[]),
        ["nova-tools 1.0.0", "ops-bundle 1.0.0"]
    );
}

#[test]
fn exact_pin_of_a_yanked_version_resolves_flagged() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .yanked("nova-tools", "1.1.0", &[]);
    assert_eq!(
        index.versions(&[("nova-tools", "=1.1.0")], &[]),
        ["nova-tools 1.1.0!"]
    );
    // `=1.1` is not an exact pin: a range that only a yanked version matches.
    assert!(index.solve(&[("nova-tools", "=1.1")], &[]).is_err());
    // A range elsewhere in the graph still does not take the pinned yanked version, and the
    // explanation says why the clash is not what it seems.
    let index = index.add("ops-bundle", "1.0.0", &[("nova-tools", "^1")]);
    let text = index.conflict(
        "your request",
        &[("ops-bundle", "^1"), ("nova-tools", "=1.1.0")],
    );
    assert!(
        text.contains(
            "ops-bundle 1.0.0 depends on nova-tools ^1, which leaves out the yanked 1.1.0"
        ),
        "{text}"
    );
}

#[test]
fn preferred_yanked_version_is_kept_while_it_matches() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .yanked("nova-tools", "1.1.0", &[])
        .add("nova-tools", "2.0.0", &[]);
    assert_eq!(
        index.versions(&[("nova-tools", "^1")], &[("nova-tools", "1.1.0")]),
        ["nova-tools 1.1.0!"]
    );
    assert_eq!(
        index.versions(&[("nova-tools", "^2")], &[("nova-tools", "1.1.0")]),
        ["nova-tools 2.0.0"]
    );
}

#[test]
fn preferred_versions_are_kept_until_they_no_longer_fit() {
    let index = Index::default()
        .add("ops-bundle", "1.0.0", &[("nova-tools", "^1")])
        .add("nova-tools", "1.0.0", &[])
        .add("nova-tools", "1.1.0", &[]);
    let locked = [("nova-tools", "1.0.0")];
    assert_eq!(
        index.versions(&[("ops-bundle", "^1")], &locked),
        ["nova-tools 1.0.0", "ops-bundle 1.0.0"]
    );
    // An update drops the preference.
    assert_eq!(
        index.versions(&[("ops-bundle", "^1")], &[]),
        ["nova-tools 1.1.0", "ops-bundle 1.0.0"]
    );
    // A requirement the locked version no longer meets.
    assert_eq!(
        index.versions(&[("ops-bundle", "^1"), ("nova-tools", ">=1.1")], &locked),
        ["nova-tools 1.1.0", "ops-bundle 1.0.0"]
    );
    // A preferred version the index does not have is ignored.
    assert_eq!(
        index.versions(&[("nova-tools", "^1")], &[("nova-tools", "1.0.7")]),
        ["nova-tools 1.1.0"]
    );
}

#[test]
fn pre_releases_only_when_the_requirement_names_one() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .add("nova-tools", "1.1.0-rc.1", &[])
        .add("ops-bundle", "1.0.0", &[("nova-tools", ">=1.1.0-rc.1")]);
    assert_eq!(
        index.versions(&[("nova-tools", "^1")], &[]),
        ["nova-tools 1.0.0"]
    );
    assert_eq!(
        index.versions(&[("nova-tools", ">=1.1.0-rc.1")], &[]),
        ["nova-tools 1.1.0-rc.1"]
    );
    assert_eq!(
        index.versions(&[("ops-bundle", "^1")], &[]),
        ["nova-tools 1.1.0-rc.1", "ops-bundle 1.0.0"]
    );
    let text = index.conflict("your request", &[("nova-tools", "^1.1")]);
    assert!(
        text.contains("no version of nova-tools matches ^1.1 (available: 1.0.0, 1.1.0-rc.1)"),
        "{text}"
    );
}

#[test]
fn the_same_name_twice_in_the_root_applies_both() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .add("nova-tools", "1.1.0", &[])
        .add("nova-tools", "1.2.0", &[]);
    assert_eq!(
        index.versions(&[("nova-tools", "^1"), ("nova-tools", "<1.2")], &[]),
        ["nova-tools 1.1.0"]
    );
    let text = index.conflict(
        "your request",
        &[("nova-tools", "^1"), ("nova-tools", ">=2")],
    );
    assert!(text.contains("nova-tools ^1, >=2"), "{text}");
}

#[test]
fn a_cycle_is_an_error_that_names_it() {
    let index = Index::default()
        .add("alpha", "1.0.0", &[("beta", "^2")])
        .add("beta", "2.0.0", &[("gamma", "^1")])
        .add("gamma", "1.0.0", &[("alpha", "^1")]);
    let err = index.solve(&[("beta", "^2")], &[]).expect_err("a cycle");
    assert!(matches!(err, Error::Cycle { .. }));
    assert_eq!(
        err.to_string(),
        "dependency cycle: alpha 1.0.0 → beta 2.0.0 → gamma 1.0.0 → alpha 1.0.0"
    );
    assert_eq!(
        err.hint().as_deref(),
        Some("a cycle cannot be installed; ask the assets' owners to break it")
    );
}

#[test]
fn an_asset_depending_on_itself_is_a_cycle_or_unusable() {
    let index = Index::default()
        .add("alpha", "1.0.0", &[("alpha", "^1")])
        .add("alpha", "2.0.0", &[("alpha", "^1")]);
    let err = index.solve(&[("alpha", "^1")], &[]).expect_err("a cycle");
    assert_eq!(
        err.to_string(),
        "dependency cycle: alpha 1.0.0 → alpha 1.0.0"
    );
    let text = index.conflict("your request", &[("alpha", "^2")]);
    assert!(
        text.contains("alpha 2.0.0 depends on alpha ^1, which excludes itself"),
        "{text}"
    );
}

#[test]
fn results_and_explanations_are_deterministic() {
    let reqs = [("galera-health", "=2.1.0"), ("nova-evacuate-host", "1.2")];
    let first = region_one().conflict("region-one-ops", &reqs);
    for _ in 0..5 {
        assert_eq!(region_one().conflict("region-one-ops", &reqs), first);
    }
    let reqs = [("galera-health", "^2"), ("nova-evacuate-host", "1.2")];
    let first = region_one().versions(&reqs, &[]);
    assert_eq!(
        first,
        [
            "galera-health 2.0.0",
            "nova-evacuate-host 1.2.0",
            "os-cloud-helpers 0.4.0"
        ]
    );
    for _ in 0..5 {
        assert_eq!(region_one().versions(&reqs, &[]), first);
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    let index = Index::default()
        .add("nova-tools", "1.0.0", &[])
        .add("nova-tools", "1.0.0", &[("zzz-missing", "^1")])
        .add(
            "ops-bundle",
            "1.0.0",
            &[("nova-tools", "^1"), ("nova-tools", "<1")],
        );
    // Nothing asked, nothing chosen.
    assert_eq!(index.versions(&[], &[]), Vec::<String>::new());
    // A repeated version: the first entry wins.
    assert_eq!(
        index.versions(&[("nova-tools", "*")], &[]),
        ["nova-tools 1.0.0"]
    );
    // Contradictory requirements from one dependent.
    let text = index.conflict("your request", &[("ops-bundle", "*")]);
    assert!(text.contains("nova-tools ^1, <1"), "{text}");
    // An empty index.
    let empty = Index::default();
    assert!(empty.solve(&[("nova-tools", "^1")], &[]).is_err());
}

#[test]
fn conflict_hint_points_at_the_requirements() {
    let err = region_one()
        .solve(
            &[("galera-health", "=2.1.0"), ("nova-evacuate-host", "1.2")],
            &[],
        )
        .expect_err("a conflict");
    assert_eq!(
        err.hint().as_deref(),
        Some(
            "loosen one of the requirements named above, or see every version with \
             `osops info NAME`"
        )
    );
}

/// A small deterministic generator (xorshift), so the random cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAMES: [&str; 4] = ["aa", "bb", "cc", "dd"];
const VERSIONS: [&str; 4] = ["1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1"];
const REQS: [&str; 11] = [
    "^1",
    "^2",
    ">=1.1",
    "=1.1.0",
    "*",
    "*",
    ">=1",
    ">=1",
    "<2",
    "^9",
    ">=2.1.0-rc.1",
];

/// Whether `v` of `name` may satisfy the grouped requirements `reqs` (the rules of the module,
/// written again independently of the provider).
fn allows(
    index: &Index,
    preferred: &BTreeMap<AssetName, Version>,
    n: &str,
    reqs: &[&str],
    v: &Version,
) -> bool {
    let Some(entry) = index
        .0
        .get(&name(n))
        .and_then(|es| es.iter().find(|e| e.vers == *v))
    else {
        return false;
    };
    let reqs: Vec<VersionReq> = reqs.iter().map(|r| req(r)).collect();
    reqs.iter().all(|r| r.matches(v))
        && (!entry.yanked
            || preferred.get(&name(n)) == Some(v)
            || reqs.iter().any(|r| r.to_string() == format!("={v}")))
}

/// Every way to pick at most one version per name, checked by brute force.
fn some_solution_exists(
    index: &Index,
    reqs: &[(&str, &str)],
    preferred: &BTreeMap<AssetName, Version>,
) -> bool {
    let choices: Vec<Vec<Option<Version>>> = NAMES
        .iter()
        .map(|n| {
            let mut c = vec![None];
            if let Some(es) = index.0.get(&name(n)) {
                c.extend(es.iter().map(|e| Some(e.vers.clone())));
            }
            c
        })
        .collect();
    let total: usize = choices.iter().map(Vec::len).product();
    (0..total).any(|mut code| {
        let mut picked: BTreeMap<&str, &Version> = BTreeMap::new();
        for (n, c) in NAMES.iter().zip(&choices) {
            if let Some(v) = &c[code % c.len()] {
                picked.insert(n, v);
            }
            code /= c.len();
        }
        let satisfied = |deps: &[(String, String)]| {
            let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (d, r) in deps {
                by_name.entry(d).or_default().push(r);
            }
            by_name.iter().all(|(d, rs)| {
                picked
                    .get(d)
                    .is_some_and(|v| allows(index, preferred, d, rs, v))
            })
        };
        let root: Vec<(String, String)> = reqs
            .iter()
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .collect();
        satisfied(&root)
            && picked.iter().all(|(n, v)| {
                let entry = index.0[&name(n)]
                    .iter()
                    .find(|e| e.vers == **v)
                    .expect("entry");
                let deps: Vec<(String, String)> = entry
                    .deps
                    .iter()
                    .map(|d| (d.name.to_string(), d.req.to_string()))
                    .collect();
                satisfied(&deps)
            })
    })
}

#[test]
fn random_graphs_solve_correctly_or_explain_without_panicking() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    // Solutions, conflicts, cycles: the cases must reach all three.
    let mut seen = [0usize; 3];
    for case in 0..1000 {
        let mut index = Index::default();
        for n in NAMES {
            for v in VERSIONS {
                if rng.below(3) == 0 {
                    continue;
                }
                let deps: Vec<(&str, &str)> = (0..rng.below(3))
                    .map(|_| (rng.pick(&NAMES), rng.pick(&REQS)))
                    .collect();
                index = if rng.below(6) == 0 {
                    index.yanked(n, v, &deps)
                } else {
                    index.add(n, v, &deps)
                };
            }
        }
        let reqs: Vec<(&str, &str)> = (0..1 + rng.below(3))
            .map(|_| (rng.pick(&NAMES), rng.pick(&REQS)))
            .collect();
        let preferred: Vec<(&str, &str)> = (0..rng.below(3))
            .map(|_| (rng.pick(&NAMES), rng.pick(&VERSIONS)))
            .collect();
        let preferred_map: BTreeMap<AssetName, Version> = preferred
            .iter()
            .map(|(n, v)| (name(n), Version::parse(v).expect("version")))
            .collect();
        let exists = some_solution_exists(&index, &reqs, &preferred_map);
        match index.solve(&reqs, &preferred) {
            Ok(solved) => {
                assert!(exists, "case {case}: solved what brute force cannot");
                let picked = |n: &AssetName| &solved[n].entry.vers;
                for (n, r) in &reqs {
                    assert!(
                        req(r).matches(picked(&name(n))),
                        "case {case}: root {n} {r}"
                    );
                }
                for resolved in solved.values() {
                    for dep in &resolved.entry.deps {
                        assert!(dep.req.matches(picked(&dep.name)), "case {case}: {dep:?}");
                    }
                    let vers = &resolved.entry.vers;
                    let pinned = reqs
                        .iter()
                        .map(|(_, r)| req(r))
                        .chain(
                            solved
                                .values()
                                .flat_map(|r| r.entry.deps.iter().map(|d| d.req.clone())),
                        )
                        .any(|r| r.to_string() == format!("={vers}"));
                    assert!(
                        !resolved.yanked
                            || pinned
                            || preferred_map.get(&resolved.entry.name) == Some(vers),
                        "case {case}: yanked {vers} chosen for a range"
                    );
                }
                seen[0] += 1;
            }
            Err(Error::Conflict { explanation }) => {
                assert!(!exists, "case {case}: a solution exists:\n{explanation}");
                assert!(!explanation.is_empty());
                assert!(
                    explanation.lines().all(|l| l.starts_with("  ")),
                    "{explanation}"
                );
                seen[1] += 1;
            }
            // A cycle is only reported for a solution, which brute force must also find.
            Err(Error::Cycle { cycle }) => {
                assert!(exists, "case {case}: cycle {cycle:?} without a solution");
                assert_eq!(cycle.first(), cycle.last());
                seen[2] += 1;
            }
        }
    }
    assert!(seen.iter().all(|n| *n > 10), "outcomes: {seen:?}");
}
