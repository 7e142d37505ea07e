//! Guessing, from a user story's words, who has the need and which services it touches.
//!
//! # Personas
//!
//! A use case "As a cloud operator, I want …" has the persona `cloud operator`: the words after
//! `As` (and after a leading `a`, `an` or `the`) up to the first comma or the first ` I `. The
//! words after that point must start with a first-person word (`I`, `I'd`, `I'm`, `we`, `my`,
//! `our`), so "As part of a PoC, an operator needs …" has no persona. The persona is kept as
//! written (case included), with inline markup removed; one longer than 12 words or
//! [`MAX_PERSONA`] characters is not a persona.
//!
//! # Services
//!
//! Every name in [`SERVICES`] that appears as a whole word (letters and digits on neither side:
//! `nova-compute` and `nova_api` name nova; `kolla` inside `kolla-ansible` does not count
//! separately), case-insensitively, plus a few descriptive names ([`ALIASES`]). Names that are
//! also common English words ([`AMBIGUOUS`]: `heat`, `swift`, `placement`, `watcher`, …) count
//! only when the text marks them as names:
//!
//! - written capitalised (`Heat`, `HEAT`) anywhere but at the start of a sentence, line or list
//!   item (where any word is capitalised), or all in capitals anywhere;
//! - joined to a word by `-` or `_` (`heat-engine`, `placement_api`; not English compounds such
//!   as `placement-related`), or inside backticks;
//! - after a `/` (a URL path such as `docs.openstack.org/heat/`);
//! - followed by `service(s)`, `API(s)`, `project`, `endpoint(s)`, or preceded by `OpenStack`.
//!
//! Services come in the order of their first mention.

use crate::need::MAX_PERSONA;
use crate::openstack::SERVICES;

/// Descriptive names that stand for a service, matched case-insensitively as whole words (with
/// `-` or a space between their words); a `*` suffix matches any ending (`load balancer`,
/// `load-balancing`). `identity` does not count in "the identity of".
pub(super) const ALIASES: &[(&str, &str)] = &[
    ("block storage", "cinder"),
    ("object storage", "swift"),
    ("image service", "glance"),
    ("identity", "keystone"),
    ("networking", "neutron"),
    ("orchestration", "heat"),
    ("bare metal", "ironic"),
    ("baremetal", "ironic"),
    ("load balanc*", "octavia"),
    ("dns", "designate"),
    ("key manager", "barbican"),
    ("shared file*", "manila"),
    ("telemetry", "ceilometer"),
];

/// Service names that are also common words (or short enough to be part of other text): they
/// need a sign that they are meant as names.
pub(super) const AMBIGUOUS: &[&str] = &[
    "adjutant",
    "blazar",
    "charms",
    "congress",
    "designate",
    "freezer",
    "glance",
    "heat",
    "horizon",
    "ironic",
    "magnum",
    "manila",
    "mistral",
    "placement",
    "rally",
    "sahara",
    "searchlight",
    "skyline",
    "solum",
    "swift",
    "tacker",
    "trove",
    "venus",
    "watcher",
    "zun",
];

/// Words after a name that show it is a service.
const SERVICE_WORDS: &[&str] = &[
    "service",
    "services",
    "api",
    "apis",
    "project",
    "endpoint",
    "endpoints",
];

/// Words that, joined to an ambiguous name with `-`, make an English compound rather than a
/// process or package name (`placement-related`, but `placement-api`).
const NOT_A_PROCESS: &[&str] = &[
    "related",
    "based",
    "like",
    "aware",
    "free",
    "style",
    "level",
    "wide",
    "specific",
    "driven",
    "only",
    "type",
    "sensitive",
    "proof",
    "resistant",
];

/// The persona of a use case, if it is written "As <persona>, I …".
pub(super) fn persona(text: &str) -> Option<String> {
    let t = text.trim_start_matches(|c: char| "*_\"“'`".contains(c) || c.is_whitespace());
    let rest = strip_word(t, "as")?;
    let rest = strip_word(rest, "an")
        .or_else(|| strip_word(rest, "a"))
        .or_else(|| strip_word(rest, "the"))
        .unwrap_or(rest);
    let comma = rest.find(',');
    let i_word = [" I ", " I'", " I’"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min();
    let end = match (comma, i_word) {
        (Some(c), Some(i)) => c.min(i),
        (Some(c), None) => c,
        (None, Some(i)) => i,
        (None, None) => return None,
    };
    let after = rest[end..].trim_start_matches([',', ' ']);
    let first_person = ["I ", "I'", "I’"].iter().any(|p| after.starts_with(p))
        || ["we", "my", "our"]
            .iter()
            .any(|w| strip_word(after, w).is_some());
    if !first_person {
        return None;
    }
    let words: Vec<&str> = rest[..end]
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "*_`\"“”".contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let persona = words.join(" ");
    let persona = persona.trim_end_matches(['.', ':', ';']).to_owned();
    let ok = !persona.is_empty() && words.len() <= 12 && persona.chars().count() <= MAX_PERSONA;
    ok.then_some(persona)
}

/// `text` without its first word when that word is `word` (any case), else `None`.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace))
        .then(|| rest.trim_start())
}

/// The most common persona (compared case-insensitively; a tie goes to the first one seen), in
/// the spelling it was first seen in.
pub(super) fn main_persona<'a>(personas: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut counts: Vec<(String, &str, usize)> = Vec::new();
    for p in personas {
        let key = p.to_lowercase();
        match counts.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => entry.2 += 1,
            None => counts.push((key, p, 1)),
        }
    }
    let best = counts.iter().map(|(_, _, n)| *n).max()?;
    counts
        .into_iter()
        .find(|(_, _, n)| *n == best)
        .map(|(_, p, _)| p.to_owned())
}

/// The services `text` mentions, in the order of their first mention.
pub(super) fn services(text: &str) -> Vec<&'static str> {
    // ASCII lower-casing keeps byte offsets, so positions in `lower` are positions in `text`.
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric();
    // (start, end, service)
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    for &service in SERVICES {
        for (start, _) in lower.match_indices(service) {
            let end = start + service.len();
            let before = start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(end).copied();
            if before.is_some_and(is_word) || after.is_some_and(is_word) {
                continue;
            }
            if AMBIGUOUS.contains(&service) && !marked_as_name(text, start, end) {
                continue;
            }
            found.push((start, end, service));
        }
    }
    // `kolla` inside `kolla-ansible` is the longer name only.
    let spans = found.clone();
    found.retain(|&(s, e, _)| {
        !spans
            .iter()
            .any(|&(s2, e2, _)| s2 <= s && e <= e2 && (e2 - s2) > (e - s))
    });
    let flat: String = lower
        .chars()
        .map(|c| {
            if c == '-' || c.is_ascii_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect();
    for &(alias, service) in ALIASES {
        let (pattern, prefix) = match alias.strip_suffix('*') {
            Some(p) => (p, true),
            None => (alias, false),
        };
        for (start, _) in flat.match_indices(pattern) {
            let end = start + pattern.len();
            let before = start.checked_sub(1).map(|i| flat.as_bytes()[i]);
            let after = flat.as_bytes().get(end).copied();
            if before.is_some_and(is_word) || (!prefix && after.is_some_and(is_word)) {
                continue;
            }
            if alias == "identity" && flat[end..].starts_with(" of ") {
                continue;
            }
            found.push((start, end, service));
        }
    }
    found.sort_by_key(|&(s, _, _)| s);
    let mut out: Vec<&'static str> = Vec::new();
    for (_, _, service) in found {
        if !out.contains(&service) {
            out.push(service);
        }
    }
    out
}

/// Whether an ambiguous name at `text[start..end]` is written as a name (see the module docs).
fn marked_as_name(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let all_caps = word.chars().all(|c| !c.is_ascii_lowercase());
    if all_caps && word.len() > 3 {
        return true;
    }
    let capitalised = word.starts_with(|c: char| c.is_ascii_uppercase());
    if capitalised && !sentence_start(&text[..start]) {
        return true;
    }
    let joined = |c: Option<char>, next: Option<char>| {
        matches!(c, Some('-' | '_')) && next.is_some_and(|n| n.is_ascii_alphanumeric())
    };
    let before2 = text[..start].chars().rev().nth(1);
    let after2 = text[end..].chars().nth(1);
    let suffix: String = text[end..]
        .chars()
        .skip(1)
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    if joined(before, before2)
        || (joined(after, after2) && !NOT_A_PROCESS.contains(&suffix.as_str()))
    {
        return true;
    }
    if before == Some('`') || before == Some('/') {
        return true;
    }
    let next_word: String = text[end..]
        .trim_start_matches([' ', '\n'])
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    if after.is_some_and(char::is_whitespace) && SERVICE_WORDS.contains(&next_word.as_str()) {
        return true;
    }
    let head = text[..start].trim_end_matches([' ', '\n']);
    let prev_word = &head[head
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .len()..];
    before.is_some_and(char::is_whitespace) && prev_word.eq_ignore_ascii_case("openstack")
}

/// Whether text ending with `before` would start a sentence, a line or a list item: only
/// markup, spaces and list markers since the last `.`, `!`, `?`, `:` or line break.
fn sentence_start(before: &str) -> bool {
    for c in before.chars().rev() {
        match c {
            '.' | '!' | '?' | ':' | '\n' => return true,
            ' ' | '*' | '_' | '"' | '“' | '(' | '[' | '#' | '-' | '>' => {}
            c if c.is_ascii_digit() => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{main_persona, persona, services};

    /// Found by the `user_story` fuzz target (docs/RELIABILITY.md, "Fuzzing"): the word before a
    /// service name was cut one byte after the last non-letter, inside `ˀ` or `é`.
    #[test]
    fn a_non_ascii_character_before_a_service_name_does_not_panic() {
        assert_eq!(services("_\u{2c0} placement"), services("_ placement"));
        assert_eq!(
            services("\u{e9}openstack nova"),
            services("-openstack nova")
        );
    }

    #[test]
    fn personas() {
        let p = |t: &str| persona(t);
        assert_eq!(
            p("As a cloud operator, I want to drain a host").as_deref(),
            Some("cloud operator")
        );
        assert_eq!(
            p("As an operator I want quotas").as_deref(),
            Some("operator")
        );
        assert_eq!(
            p("as the **deployer**, we need one command").as_deref(),
            Some("deployer")
        );
        assert_eq!(
            p("As Rey the Cloud Operator, I would like").as_deref(),
            Some("Rey the Cloud Operator")
        );
        assert_eq!(
            p("As an operator of a public cloud I'd like").as_deref(),
            Some("operator of a public cloud")
        );
        assert_eq!(p("As part of a PoC, an operator needs a tool"), None);
        assert_eq!(p("Operators want to drain hosts"), None);
        assert_eq!(p("Asking for help, I found nothing"), None);
    }

    #[test]
    fn most_common_persona() {
        assert_eq!(
            main_persona(["deployer", "Operator", "operator"]).as_deref(),
            Some("Operator")
        );
        assert_eq!(main_persona(["a", "b"]).as_deref(), Some("a"));
        assert_eq!(main_persona([]), None);
    }

    #[test]
    fn service_names_as_whole_words() {
        assert_eq!(
            services("Nova and nova-compute, then neutron_api; novak is not"),
            ["nova", "neutron"]
        );
        assert_eq!(services("we run kolla-ansible"), ["kolla-ansible"]);
        assert_eq!(
            services("Kolla images, kolla-ansible"),
            ["kolla", "kolla-ansible"]
        );
    }

    #[test]
    fn ambiguous_names_need_a_sign() {
        assert!(services("the heat of the moment, a swift reply, instance placement").is_empty());
        assert!(services("Heat dissipation. Placement of racks").is_empty());
        assert_eq!(services("stacks in Heat"), ["heat"]);
        assert_eq!(services("restart heat-engine"), ["heat"]);
        assert_eq!(services("the placement API"), ["placement"]);
        assert_eq!(
            services("see https://docs.openstack.org/watcher/"),
            ["watcher"]
        );
        assert_eq!(services("run `zun` there"), ["zun"]);
        assert_eq!(services("OpenStack trove"), ["trove"]);
    }

    #[test]
    fn aliases() {
        assert_eq!(
            services("Block storage and the load-balancing layer, DNS records"),
            ["cinder", "octavia", "designate"]
        );
        assert!(services("the identity of the host").is_empty());
        assert_eq!(services("identity federation"), ["keystone"]);
    }
}
