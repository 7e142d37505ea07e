//! A conflict in plain words: PubGrub's derivation tree walked by its `DefaultStringReporter`
//! with our own [`ReportFormatter`], so that
//!
//! - the root prints as the problem's `root` ("region-one-ops depends on galera-health =2.1.0"),
//! - a package at one version prints as "galera-health 2.1.0",
//! - a version set prints as the requirement that made it, as written ("^0.3", ">=1, <2"), else
//!   as the versions it holds ("1.0.0, 1.2.0"),
//! - a requirement nothing can satisfy says why: no such asset, no matching version (with the
//!   versions available), or every match yanked.
//!
//! Every line is indented by two spaces.

use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
};

use super::describe::{Desc, Formatter};
use super::provider::{Catalog, Pkg, Set};

type Tree = DerivationTree<Pkg, Set, String>;
type Ext = External<Pkg, Set, String>;
type Terms = Map<Pkg, Term<Set>>;

/// The report for a failed resolution, each line indented by two spaces.
pub(super) fn explain(catalog: &Catalog<'_>, tree: &Tree) -> String {
    let formatter = Formatter::new(catalog);
    let text = match tree {
        DerivationTree::External(external) => format!("{}.", formatter.format_external(external)),
        DerivationTree::Derived(_) => {
            DefaultStringReporter::report_with_formatter(tree, &formatter)
        }
    };
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    // The report follows "…every requirement:", so its first sentence starts in lower case.
    if let Some(first) = lines.first_mut()
        && let Some(rest) = first.strip_prefix("Because ")
    {
        *first = format!("because {rest}");
    }
    let indented: Vec<String> = lines.iter().map(|l| format!("  {l}")).collect();
    indented.join("\n")
}

/// "a", "a and b", "a, b and c".
fn join(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., end] => format!("{} {last} {end}", init.join(", ")),
    }
}

fn sorted(terms: &Terms) -> Vec<(&Pkg, &Term<Set>)> {
    let mut terms: Vec<(&Pkg, &Term<Set>)> = terms.iter().collect();
    terms.sort_by(|a, b| a.0.cmp(b.0));
    terms
}

impl ReportFormatter<Pkg, Set, String> for Formatter<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(pkg, _) => format!("osops is solving the requirements of {pkg}"),
            // Not expected: every set holds only known versions, each of which can be chosen.
            External::NoVersions(pkg, set) => match pkg {
                Pkg::Asset(name) => match self.describe(name, set, true) {
                    Desc::Empty | Desc::All => {
                        format!(
                            "no version of {name} can be chosen {}",
                            self.available(name)
                        )
                    }
                    Desc::One(v) => format!("{name} {v} cannot be chosen"),
                    Desc::Text(text) => format!(
                        "no version of {name} that matches {text} can be chosen {}",
                        self.available(name)
                    ),
                },
                Pkg::Root(_) => format!("{pkg} cannot be solved"),
            },
            External::Custom(pkg, set, reason) => format!("{} {reason}", self.noun(pkg, set)),
            External::FromDependencyOf(pkg, set_p, dep, set_dep) => self
                .dependency(pkg, set_p, dep, set_dep)
                .sentence("depends on"),
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let root = self.catalog.root_name();
        match sorted(terms).as_slice() {
            [] => format!("{root} cannot be satisfied"),
            [(Pkg::Root(_), Term::Positive(_))] => format!("{root} cannot be satisfied"),
            [(pkg, Term::Positive(set))] => match pkg {
                Pkg::Asset(name) if matches!(self.describe(name, set, false), Desc::All) => {
                    format!("no version of {name} can be installed")
                }
                _ => format!("{} cannot be installed", self.noun(pkg, set)),
            },
            [(pkg, Term::Negative(set))] => format!("{} is required", self.requirement(pkg, set)),
            [(p1, Term::Positive(s1)), (p2, Term::Negative(s2))]
            | [(p2, Term::Negative(s2)), (p1, Term::Positive(s1))] => {
                self.dependency(p1, s1, p2, s2).sentence("requires")
            }
            terms => {
                let mut positives = Vec::new();
                let mut negatives = Vec::new();
                let mut has_root = false;
                for (pkg, term) in terms {
                    match term {
                        Term::Positive(_) if matches!(pkg, Pkg::Root(_)) => has_root = true,
                        Term::Positive(set) => positives.push(self.noun(pkg, set)),
                        Term::Negative(set) => negatives.push(self.requirement(pkg, set)),
                    }
                }
                match (has_root, positives.is_empty(), negatives.is_empty()) {
                    (true, true, true) => format!("{root} cannot be satisfied"),
                    (true, false, true) => {
                        format!("{root} cannot use {}", join(&positives, "and"))
                    }
                    (false, _, true) => {
                        format!("{} cannot be installed together", join(&positives, "and"))
                    }
                    (false, true, false) => format!("{} is required", join(&negatives, "or")),
                    (true, _, false) => {
                        positives.insert(0, root.to_owned());
                        format!(
                            "{} together require {}",
                            join(&positives, "and"),
                            join(&negatives, "or")
                        )
                    }
                    (false, false, false) => format!(
                        "{} {} {}",
                        join(&positives, "and"),
                        if positives.len() == 1 {
                            "requires"
                        } else {
                            "together require"
                        },
                        join(&negatives, "or")
                    ),
                }
            }
        }
    }

    fn explain_both_external(&self, first: &Ext, second: &Ext, terms: &Terms) -> String {
        let conclusion = self.format_terms(terms);
        if let Some(merged) = self.merged(first, second) {
            return format!("Because {merged},\n{conclusion}.");
        }
        // The two causes are symmetric: put them in a stable order.
        let mut clauses = [self.format_external(first), self.format_external(second)];
        clauses.sort();
        let [a, b] = clauses;
        format!("Because {a}\nand {b},\n{conclusion}.")
    }

    fn explain_both_ref(
        &self,
        ref1: usize,
        derived1: &Derived<Pkg, Set, String>,
        ref2: usize,
        derived2: &Derived<Pkg, Set, String>,
        terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({ref1}) and {} ({ref2}),\n{}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        reference: usize,
        derived: &Derived<Pkg, Set, String>,
        external: &Ext,
        terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({reference}) and {},\n{}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_external(&self, external: &Ext, terms: &Terms) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_ref(
        &self,
        reference: usize,
        derived: &Derived<Pkg, Set, String>,
        terms: &Terms,
    ) -> String {
        format!(
            "And because {} ({reference}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(terms)
        )
    }

    fn and_explain_prior_and_external(&self, prior: &Ext, external: &Ext, terms: &Terms) -> String {
        let causes = self.merged(prior, external).unwrap_or_else(|| {
            format!(
                "{} and {}",
                self.format_external(prior),
                self.format_external(external)
            )
        });
        format!("And because {causes}, {}.", self.format_terms(terms))
    }
}
