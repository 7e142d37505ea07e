//! A Product Working Group user story as a [`NeedRecord`].
//!
//! - **title**: the first section title (overlined or not), inline markup removed, cut to
//!   [`MAX_TITLE`] characters with `…`. A document without one, or whose first title is already
//!   a user-story section ("Problem Description"), is not a user story.
//! - **sections** are recognised by their title whatever the wording, case, emphasis or
//!   numbering: "Problem Description/Definition/Statement/Overview" → problem;
//!   "Opportunity/Justification" → opportunity; "Use Cases", "User Cases", "User Stories" → use
//!   cases; "Requirements", "Requirement Specification" → requirements; "External References",
//!   "References" → references; "Usage Scenarios", "Related User Stories", "Gaps", "Glossary",
//!   "Affected By", "Rejected User Stories" are ignored. An unrecognised section nested in a
//!   recognised one counts as part of it (with its title in bold in the problem); at the top
//!   level it is ignored. A document with no problem, use-case or requirements section is not a
//!   user story.
//! - **problem** (markdown-ish): the paragraphs between the title and the first section (minus
//!   the template's "Cross Project Spec - None" lines), the problem sections, then
//!   `**Opportunity:** …` and `**Requirements:** …`. Placeholders ("None.", "TBD", "WIP") are
//!   dropped. Without problem text it is the first paragraph, else the use cases as a list (with a
//!   note).
//! - **use cases**: the list items of the use-case sections, and their paragraphs that read "As …,
//!   I …"; an item or paragraph ending with `:` takes the list after it into its text. When a
//!   use-case section has neither, its paragraphs are the use cases. Personas: see `infer`.
//! - **persona**: the most common use-case persona.
//! - **links**: hyperlink targets anywhere (`` `text <https://…>`_ ``, `.. _label: https://…`)
//!   and every http(s) URL in the reference sections, in document order, deduplicated; what is not
//!   a valid http(s) URL is skipped with a note.
//! - **services**: inferred from the whole text (see `infer`), first mention first.
//! - **id**: the file stem folded to a canonical name; when it does not fold to a valid one, a
//!   slug of the title (then of the stem), with a note.

use unicode_normalization::UnicodeNormalization;

use super::infer;
use super::rst::{self, Block, Section};
use crate::manifest::validate as v;
use crate::need::{
    MAX_LINKS, MAX_PROBLEM, MAX_SERVICES, MAX_TITLE, MAX_USE_CASE_TEXT, MAX_USE_CASES, NeedError,
    NeedRecord, UseCase,
};
use crate::{AssetName, NameError};

pub(super) struct Story {
    pub record: NeedRecord,
    pub notes: Vec<String>,
}

pub(super) enum StoryError {
    /// Not a user story, and why.
    NotANeed(String),
    /// A user story, but no valid record can be made of it.
    Invalid(NeedError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Problem,
    Opportunity,
    UseCases,
    Requirements,
    References,
    UsageScenarios,
    Related,
    Rejected,
    Gaps,
    Glossary,
    AffectedBy,
    Other,
}

impl Kind {
    /// Sections whose text goes nowhere.
    fn ignored(self) -> bool {
        matches!(
            self,
            Kind::UsageScenarios
                | Kind::Related
                | Kind::Rejected
                | Kind::Gaps
                | Kind::Glossary
                | Kind::AffectedBy
                | Kind::Other
        )
    }
}

/// The kind of a section from its title.
fn classify(title: &str) -> Kind {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .skip_while(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let h = words.join(" ");
    let starts = |p: &str| h == p || h.starts_with(&format!("{p} "));
    let first = words.first().copied().unwrap_or_default();
    if first == "problem" {
        Kind::Problem
    } else if first == "opportunity" || words.contains(&"justification") {
        Kind::Opportunity
    } else if first == "related" {
        Kind::Related
    } else if first == "rejected" {
        Kind::Rejected
    } else if starts("use case")
        || starts("use cases")
        || starts("user case")
        || starts("user cases")
        || starts("usecases")
        || starts("user story")
        || starts("user stories")
    {
        Kind::UseCases
    } else if first == "usage" || first == "scenarios" || starts("example scenarios") {
        Kind::UsageScenarios
    } else if first == "requirement" || first == "requirements" {
        Kind::Requirements
    } else if starts("external references")
        || starts("external reference")
        || first == "references"
        || first == "reference"
        || h == "links"
    {
        Kind::References
    } else if first == "gaps" || first == "gap" {
        Kind::Gaps
    } else if first == "glossary" {
        Kind::Glossary
    } else if starts("affected by") {
        Kind::AffectedBy
    } else {
        Kind::Other
    }
}

/// Paragraphs that say there is nothing here.
const PLACEHOLDERS: &[&str] = &[
    "none",
    "n/a",
    "na",
    "tbd",
    "tbc",
    "wip",
    "todo",
    "to do",
    "to be determined",
    "to be defined",
    "to be done",
    "nothing",
    "mandatory section. see rst comment in this document",
    "optional section. see rst comment in this document",
];

/// The template's bookkeeping lines under the title ("Cross Project Spec - None").
const METADATA: &[&str] = &[
    "cross project spec",
    "user story tracker",
    "feature tracker",
    "cross-project spec",
];

fn is_placeholder(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.').trim().to_lowercase();
    t.is_empty() || PLACEHOLDERS.contains(&t.as_str())
}

fn is_metadata(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    METADATA.iter().any(|m| t.starts_with(m))
}

/// `blocks` without placeholder paragraphs (and, for the text under the title, the template's
/// bookkeeping lines).
fn meaningful(blocks: &[Block], drop_metadata: bool) -> Vec<Block> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Para(t) if is_placeholder(t) || (drop_metadata && is_metadata(t)) => None,
            Block::List { ordered, items } if drop_metadata => {
                let items: Vec<_> = items
                    .iter()
                    .filter(|i| !is_metadata(&i.text) && !is_placeholder(&i.text))
                    .cloned()
                    .collect();
                (!items.is_empty()).then_some(Block::List {
                    ordered: *ordered,
                    items,
                })
            }
            other => Some(other.clone()),
        })
        .collect()
}

/// A section with its effective kind and whether that kind came from an enclosing section.
struct Classified<'a> {
    section: &'a Section,
    kind: Kind,
    inherited: bool,
}

pub(super) fn read(text: &str, file_stem: &str) -> Result<Story, StoryError> {
    let doc = rst::parse(text);
    let Some(title_section) = &doc.title else {
        return Err(StoryError::NotANeed(
            "it has no title (a line underlined with `=`, `-`, `~` or similar)".into(),
        ));
    };
    if classify(&title_section.heading.text) != Kind::Other {
        return Err(StoryError::NotANeed(format!(
            "it has no title: its first heading is the section `{}`",
            title_section.heading.text
        )));
    }

    // Effective kinds: an unrecognised section inside a recognised one belongs to it.
    let mut classified: Vec<Classified> = Vec::with_capacity(doc.sections.len());
    for (n, section) in doc.sections.iter().enumerate() {
        let own = classify(&section.heading.text);
        let parent = (0..n)
            .rev()
            .find(|&p| doc.sections[p].heading.level < section.heading.level);
        let (kind, inherited) = match (own, parent) {
            (Kind::Other, Some(p)) if classified[p].kind != Kind::Other => {
                (classified[p].kind, true)
            }
            (own, _) => (own, false),
        };
        classified.push(Classified {
            section,
            kind,
            inherited,
        });
    }
    let has = |k: Kind| classified.iter().any(|c| c.kind == k);
    if !has(Kind::Problem) && !has(Kind::UseCases) && !has(Kind::Requirements) {
        let names: Vec<String> = classified
            .iter()
            .map(|c| format!("`{}`", c.section.heading.text))
            .collect();
        let found = if names.is_empty() {
            "it has no sections".to_owned()
        } else {
            format!("its sections are {}", names.join(", "))
        };
        return Err(StoryError::NotANeed(format!(
            "no problem, use case or requirements section ({found})"
        )));
    }

    let mut notes = Vec::new();

    // Title and id.
    let title_text = title_section
        .heading
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title_text.is_empty() {
        return Err(StoryError::NotANeed("its title is empty".into()));
    }
    let title = cut(&title_text, MAX_TITLE);
    if title != title_text {
        notes.push(format!("title cut to {MAX_TITLE} characters"));
    }
    let id = id(file_stem, &title_text, &mut notes)?;

    // Use cases.
    let mut use_cases = Vec::new();
    for c in classified.iter().filter(|c| c.kind == Kind::UseCases) {
        use_cases.extend(section_use_cases(&meaningful(&c.section.blocks, false)));
    }
    if use_cases.len() > MAX_USE_CASES {
        notes.push(format!(
            "{} use cases found; only the first {MAX_USE_CASES} were kept",
            use_cases.len()
        ));
        use_cases.truncate(MAX_USE_CASES);
    }
    for u in &mut use_cases {
        let text = cut(&u.text, MAX_USE_CASE_TEXT);
        if text != u.text {
            notes.push(format!(
                "use case `{}` cut to {MAX_USE_CASE_TEXT} characters",
                v::show(&u.text)
            ));
            u.text = text;
        }
    }

    // Problem statement.
    let intro = meaningful(&title_section.blocks, true);
    let mut problem_blocks = Vec::new();
    let mut opportunity = Vec::new();
    let mut requirements = Vec::new();
    for c in &classified {
        let target = match c.kind {
            Kind::Problem => &mut problem_blocks,
            Kind::Opportunity => &mut opportunity,
            Kind::Requirements => &mut requirements,
            _ => continue,
        };
        let blocks = meaningful(&c.section.blocks, false);
        if blocks.is_empty() {
            continue;
        }
        if c.inherited {
            target.push(Block::Para(format!("**{}**", c.section.heading.text)));
        }
        target.extend(blocks);
    }
    let mut parts: Vec<Block> = intro.clone();
    parts.extend(problem_blocks.iter().cloned());
    if problem_blocks.is_empty() {
        let missing = if has(Kind::Problem) {
            "the problem section is empty"
        } else {
            "no problem section"
        };
        let used = if !intro.is_empty() {
            if intro.len() == 1 {
                "the first paragraph"
            } else {
                "the text after the title"
            }
        } else if !use_cases.is_empty() {
            parts.push(Block::List {
                ordered: false,
                items: use_cases
                    .iter()
                    .map(|u| rst::Item {
                        text: u.text.clone(),
                        children: Vec::new(),
                    })
                    .collect(),
            });
            "the use cases"
        } else if !requirements.is_empty() {
            "the requirements"
        } else if !opportunity.is_empty() {
            "the opportunity/justification"
        } else {
            return Err(StoryError::NotANeed(
                "no problem statement: its problem, use case and requirements sections are empty"
                    .into(),
            ));
        };
        notes.push(format!("{missing}; used {used}"));
    }
    if !opportunity.is_empty() {
        parts.push(Block::Admonition {
            label: "Opportunity".into(),
            blocks: opportunity,
        });
    }
    if !requirements.is_empty() {
        parts.push(Block::Admonition {
            label: "Requirements".into(),
            blocks: requirements,
        });
    }
    let full_problem = rst::render(&parts);
    let problem = cut(&full_problem, MAX_PROBLEM);
    if problem != full_problem {
        notes.push(format!("problem cut to {MAX_PROBLEM} characters"));
    }
    if use_cases.is_empty() {
        notes.push("no use cases found".into());
    }

    // Sections whose text was not used.
    let ignored: Vec<&str> = classified
        .iter()
        .filter(|c| c.kind.ignored() && !meaningful(&c.section.blocks, false).is_empty())
        .map(|c| c.section.heading.text.as_str())
        .collect();
    if !ignored.is_empty() {
        notes.push(format!("sections ignored: {}", ignored.join(", ")));
    }

    // Links.
    let mut links: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let candidates = doc
        .preamble_links
        .iter()
        .chain(&title_section.links)
        .filter(|l| !l.bare)
        .chain(classified.iter().flat_map(|c| {
            let all = c.kind == Kind::References;
            c.section.links.iter().filter(move |l| all || !l.bare)
        }));
    for link in candidates {
        if links.contains(&link.url) || skipped.contains(&link.url) {
            continue;
        }
        match v::url("links", &link.url) {
            Ok(()) => links.push(link.url.clone()),
            Err(_) => skipped.push(link.url.clone()),
        }
    }
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped
            .iter()
            .map(|u| format!("`{}`", v::show(u)))
            .collect();
        notes.push(format!(
            "links skipped (not valid http(s) URLs): {}",
            shown.join(", ")
        ));
    }
    if links.len() > MAX_LINKS {
        notes.push(format!(
            "{} links found; only the first {MAX_LINKS} were kept",
            links.len()
        ));
        links.truncate(MAX_LINKS);
    }

    // Services, from everything a reader sees.
    let mut whole = title_text.clone();
    for block_text in std::iter::once(rst::render(&title_section.blocks)).chain(
        doc.sections
            .iter()
            .map(|s| format!("{}\n{}", s.heading.text, rst::render(&s.blocks))),
    ) {
        whole.push('\n');
        whole.push_str(&block_text);
    }
    for link in doc
        .preamble_links
        .iter()
        .chain(doc.sections.iter().flat_map(|s| &s.links))
        .chain(&title_section.links)
    {
        whole.push('\n');
        whole.push_str(&link.url);
    }
    let mut services: Vec<String> = infer::services(&whole)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if services.len() > MAX_SERVICES {
        notes.push(format!(
            "{} services mentioned; only the first {MAX_SERVICES} were kept",
            services.len()
        ));
        services.truncate(MAX_SERVICES);
    }

    if !doc.dropped.is_empty() {
        notes.push(format!("directives dropped: {}", doc.dropped.join(", ")));
    }

    let persona = infer::main_persona(use_cases.iter().filter_map(|u| u.persona.as_deref()));
    Ok(Story {
        record: NeedRecord {
            id,
            title,
            problem,
            persona,
            services,
            links,
            use_cases,
        },
        notes,
    })
}

/// Use cases of one use-case section (see the module docs).
fn section_use_cases(blocks: &[Block]) -> Vec<UseCase> {
    let mut found = Vec::new();
    let mut prose = Vec::new();
    collect_use_cases(blocks, &mut found, &mut prose);
    if found.is_empty() {
        prose
            .into_iter()
            .map(|text| UseCase {
                persona: infer::persona(&text),
                text,
            })
            .collect()
    } else {
        found
    }
}

fn collect_use_cases(blocks: &[Block], found: &mut Vec<UseCase>, prose: &mut Vec<String>) {
    let mut i = 0;
    while i < blocks.len() {
        match &blocks[i] {
            Block::Para(text) => {
                if let Some(persona) = infer::persona(text) {
                    let mut text = text.clone();
                    if let (true, Some(Block::List { items, .. })) =
                        (text.ends_with(':'), blocks.get(i + 1))
                    {
                        text = with_items(&text, items);
                        i += 1;
                    }
                    found.push(UseCase {
                        persona: Some(persona),
                        text,
                    });
                } else if !is_placeholder(text) {
                    prose.push(text.clone());
                }
            }
            Block::List { items, .. } => {
                for item in items {
                    let mut text = item.text.clone();
                    if text.ends_with(':')
                        && let Some(Block::List { items: sub, .. }) = item
                            .children
                            .iter()
                            .find(|b| matches!(b, Block::List { .. }))
                    {
                        text = with_items(&text, sub);
                    }
                    if text.is_empty() || is_placeholder(&text) {
                        continue;
                    }
                    found.push(UseCase {
                        persona: infer::persona(&text),
                        text,
                    });
                }
            }
            Block::Quote(inner) => collect_use_cases(inner, found, prose),
            Block::Code { .. } | Block::Admonition { .. } => {}
        }
        i += 1;
    }
}

/// "…, for example:" followed by a list, as one line: "…, for example: a; b; c".
fn with_items(text: &str, items: &[rst::Item]) -> String {
    let listed: Vec<&str> = items
        .iter()
        .map(|i| i.text.trim_end_matches(['.', ';']))
        .filter(|t| !t.is_empty())
        .collect();
    format!("{text} {}", listed.join("; "))
}

/// At most `max` characters, the last one `…` when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max - 1).collect();
    format!("{}…", kept.trim_end())
}

/// The need id: the file stem folded, else a slug of the title, else a slug of the stem.
fn id(stem: &str, title: &str, notes: &mut Vec<String>) -> Result<AssetName, StoryError> {
    let folded = match AssetName::canonical_form(stem) {
        Ok(id) => return Ok(id),
        Err(e) => e,
    };
    let why = |e: &NameError| e.to_string();
    for (source, text) in [("title", title), ("file name", stem)] {
        if let Ok(id) = AssetName::canonical_form(&slug(text)) {
            notes.push(format!(
                "the file name `{}` is not a valid need id ({}); used `{id}`, made from the {source}",
                v::show(stem),
                why(&folded)
            ));
            return Ok(id);
        }
    }
    Err(StoryError::Invalid(
        v::name("id", "need id", stem)
            .err()
            .unwrap_or_else(|| NeedError::new("id".into(), why(&folded)))
            .with_hint("rename the file to a name of 2 to 64 characters of a-z, 0-9 and `-`"),
    ))
}

/// Lower-case ASCII letters and digits with `-` between words, accents removed, at most 64
/// characters (cut at a word boundary when there is one).
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.nfkd() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '’' || combining(c) {
            // Apostrophes and the accents NFKD split off vanish; anything else separates words.
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut s = out.trim_matches('-').to_owned();
    if s.len() > 64 {
        let cut_at = s[..=64].rfind('-').filter(|&i| i >= 2).unwrap_or(64);
        s.truncate(cut_at);
        s = s.trim_end_matches('-').to_owned();
    }
    s
}

/// Combining marks left by NFKD decomposition (the accents of `é`).
fn combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

#[cfg(test)]
mod tests {
    use super::{Kind, classify, cut, slug};

    #[test]
    fn section_titles() {
        assert_eq!(classify("Problem Description"), Kind::Problem);
        assert_eq!(classify("problem definition"), Kind::Problem);
        assert_eq!(classify("Opportunity / Justification"), Kind::Opportunity);
        assert_eq!(classify("Opportunity/Justification"), Kind::Opportunity);
        assert_eq!(classify("Use cases"), Kind::UseCases);
        assert_eq!(classify("User Cases"), Kind::UseCases);
        assert_eq!(classify("User Stories"), Kind::UseCases);
        assert_eq!(classify("Related User Stories"), Kind::Related);
        assert_eq!(
            classify("Rejected User Stories / Usage Scenarios"),
            Kind::Rejected
        );
        assert_eq!(classify("Usage Scenario Examples"), Kind::UsageScenarios);
        assert_eq!(classify("3. Requirements"), Kind::Requirements);
        assert_eq!(classify("External References"), Kind::References);
        assert_eq!(classify("References"), Kind::References);
        assert_eq!(classify("Affected by"), Kind::AffectedBy);
        assert_eq!(classify("Gaps"), Kind::Gaps);
        assert_eq!(classify("Installation"), Kind::Other);
        assert_eq!(classify("Problems"), Kind::Other);
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Operator's Évacuation (HA) — v2"),
            "operators-evacuation-ha-v2"
        );
        let long = slug(&"word ".repeat(30));
        assert!(long.len() <= 64 && !long.ends_with('-'), "{long}");
        assert_eq!(slug("日本"), "");
    }

    #[test]
    fn cuts() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
    }
}
