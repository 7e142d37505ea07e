//! A one-line description from what the author already wrote: a README beside the tool, the
//! header comments of a script, a Python docstring, or a playbook's first play name.
//!
//! Never invented: when nothing fits, the asset is flagged `no-description` and its manifest holds
//! a `TODO:` line that keeps it from being published until a human writes one.

/// Longest description proposed; the manifest allows 500, a search result shows less.
const MAX: usize = 200;

/// The first paragraph of a README that is not a heading, badge, or the bare tool name.
pub fn from_readme(text: &str) -> Option<String> {
    let mut paragraph: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let skip = t.starts_with('#')
            || t.starts_with("[![")
            || t.starts_with("![")
            || t.starts_with("..")
            || (!t.is_empty() && t.chars().all(|c| "=-~*^`_".contains(c)));
        if t.is_empty() || skip {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        paragraph.push(t);
    }
    one_line(&paragraph.join(" "))
}

/// The description in a script's header: a Python module docstring, else the first paragraph of
/// `#` comments at the top (after the shebang), leaving out licence boilerplate, editor modelines
/// and `SPDX-License-Identifier` lines.
pub fn from_header(text: &str) -> Option<String> {
    let mut lines = text.lines().peekable();
    if lines.peek().is_some_and(|l| l.starts_with("#!")) {
        lines.next();
    }
    let mut paragraph: Vec<String> = Vec::new();
    let mut in_docstring = false;
    for line in lines {
        let t = line.trim();
        if in_docstring {
            if t.is_empty() {
                continue;
            }
            return one_line(t.trim_end_matches(['"', '\'']));
        }
        if paragraph.is_empty() && (t.starts_with("\"\"\"") || t.starts_with("'''")) {
            let quote = &t[..3];
            let inner = t[3..].trim();
            let first = inner.split(quote).next().unwrap_or_default().trim();
            if !first.is_empty() {
                return one_line(first);
            }
            in_docstring = true;
            continue;
        }
        let Some(comment) = t.strip_prefix('#') else {
            if t.is_empty() || t == "---" {
                if !paragraph.is_empty() {
                    break;
                }
                continue;
            }
            break;
        };
        let comment = comment.trim_start_matches('#').trim();
        if comment.is_empty() || comment.chars().all(|c| "=-*~".contains(c)) {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        if is_boilerplate(comment) {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        paragraph.push(comment.to_owned());
    }
    one_line(&paragraph.join(" "))
}

/// The `name:` of a playbook's first play.
pub fn from_playbook(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("- name:")
                .or_else(|| l.strip_prefix("  name:"))
        })
        .and_then(|name| one_line(name.trim().trim_matches(['"', '\''])))
}

/// Header lines that are not a description.
fn is_boilerplate(comment: &str) -> bool {
    let lower = comment.to_ascii_lowercase();
    [
        "copyright",
        "spdx-license-identifier",
        "licensed under",
        "license",
        "-*-",
        "vim:",
        "vi:",
        "author",
        "all rights reserved",
        "you may not use",
        "you may obtain",
        "http://www.apache.org",
        "https://www.apache.org",
        "unless required by",
        "distributed under",
        "without warranties",
        "warranties or conditions",
        "limitations under",
        "see the license",
        "this program is free software",
        "shellcheck",
        "pylint",
        "noqa",
        "usage:",
    ]
    .iter()
    .any(|b| lower.starts_with(b))
}

/// Trimmed to [`MAX`] characters at a sentence or word end; `None` if nothing is left.
fn one_line(text: &str) -> Option<String> {
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if text.chars().count() < 3 {
        return None;
    }
    if let Some((first, _)) = text.split_once(". ")
        && (10..=MAX).contains(&first.chars().count())
    {
        return Some(format!("{first}."));
    }
    if text.chars().count() <= MAX {
        return Some(text);
    }
    let cut: String = text.chars().take(MAX - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    Some(format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readmes_give_their_first_paragraph() {
        let readme =
            "# nova-tools\n\n[![ci](x)](y)\n\nScripts that drain\ncompute hosts.\n\nMore.\n";
        assert_eq!(
            from_readme(readme).as_deref(),
            Some("Scripts that drain compute hosts.")
        );
        assert_eq!(from_readme("# Title only\n"), None);
    }

    #[test]
    fn headers_skip_shebangs_licences_and_modelines() {
        let script = "#!/bin/bash\n# -*- coding: utf-8 -*-\n# Copyright 2019 ACME\n\
                      # SPDX-License-Identifier: MIT\n#\n# Evacuate every instance off a compute\n\
                      # host before maintenance.\n#\n# Usage: evacuate HOST\nset -e\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("Evacuate every instance off a compute host before maintenance.")
        );
        assert_eq!(
            from_header("#!/usr/bin/env python3\n\"\"\"Report quota usage per project.\"\"\"\n")
                .as_deref(),
            Some("Report quota usage per project.")
        );
        assert_eq!(from_header("#!/bin/sh\nset -e\n# late comment\n"), None);
    }

    #[test]
    fn playbooks_are_described_by_their_first_play() {
        assert_eq!(
            from_playbook("---\n- name: Rotate Fernet keys\n  hosts: keystone\n").as_deref(),
            Some("Rotate Fernet keys")
        );
    }
}
