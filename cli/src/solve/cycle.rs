//! Dependency cycles in a solution. PubGrub solves a cycle like any other graph, but a cycle
//! cannot be installed, so the chosen graph is searched for one after solving.

use std::collections::BTreeMap;

use osops_index::AssetName;
use semver::Version;

use super::Resolved;

/// The first cycle a depth-first search finds, visiting names in order (so the same solution
/// always names the same cycle), with its first element repeated at the end.
///
/// Iterative, so a long chain of dependencies cannot overflow the stack.
pub(super) fn find(graph: &BTreeMap<AssetName, Resolved>) -> Option<Vec<(AssetName, Version)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unseen,
        OnPath,
        Done,
    }
    let mut marks: BTreeMap<&AssetName, Mark> = graph.keys().map(|n| (n, Mark::Unseen)).collect();
    for start in graph.keys() {
        if marks.get(start) != Some(&Mark::Unseen) {
            continue;
        }
        // The current path, each node with the index of the next dependency to visit.
        let mut path: Vec<(&AssetName, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::OnPath);
        while let Some((node, next)) = path.last_mut() {
            let dependency = graph
                .get(*node)
                .and_then(|r| r.dependencies.iter().nth(*next));
            *next += 1;
            let Some(dependency) = dependency else {
                marks.insert(*node, Mark::Done);
                path.pop();
                continue;
            };
            match marks.get(dependency) {
                Some(Mark::Unseen) => {
                    marks.insert(dependency, Mark::OnPath);
                    path.push((dependency, 0));
                }
                Some(Mark::OnPath) => {
                    let from = path.iter().position(|(n, _)| *n == dependency)?;
                    let mut cycle: Vec<(AssetName, Version)> = path[from..]
                        .iter()
                        .filter_map(|(n, _)| {
                            Some(((*n).clone(), graph.get(*n)?.entry.vers.clone()))
                        })
                        .collect();
                    if let Some(first) = cycle.first().cloned() {
                        cycle.push(first);
                    }
                    return Some(cycle);
                }
                // Done, or not in the solution (cannot happen: every dependency is solved).
                Some(Mark::Done) | None => {}
            }
        }
    }
    None
}

/// `a 1.0.0 → b 2.0.0 → a 1.0.0`.
pub(super) fn display(cycle: &[(AssetName, Version)]) -> String {
    let steps: Vec<String> = cycle.iter().map(|(n, v)| format!("{n} {v}")).collect();
    steps.join(" → ")
}
