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

/// The description in a script's header: the first paragraph of its `#` comments or of its
/// Python module docstring that says what the tool does, else a module-level
/// `DESCRIPTION = "…"` constant.
///
/// The header runs from the top (after a shebang, even a broken `!/usr/bin/env` one) to the first
/// line of code; simple assignments of a literal (`__author__ = "…"`, `VERSION = "1.0"`) do not
/// end it, because authors put them above the prose. Paragraphs that are license or copyright
/// blocks, author lines, usage synopses, environment set-up or a variable's comment are passed
/// over: real repositories had each of them proposed as a description, and none says what the
/// tool does.
pub fn from_header(text: &str) -> Option<String> {
    first_describing_paragraph(&header_paragraphs(text))
        .or_else(|| from_description_constant(text))
        .or_else(|| from_argparse(text))
}

/// The `description=` of a Python script's `argparse.ArgumentParser(…)`: the text its `--help`
/// starts with. Adjacent string literals are joined, as Python joins them
/// (`description='Disable a compute service and move all its '\n'instances away'`).
fn from_argparse(text: &str) -> Option<String> {
    let after = &text[text.find("ArgumentParser(")?..];
    let mut rest = after.split_once("description=")?.1.trim_start();
    let mut joined = String::new();
    while let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let (inner, after) = rest[1..].split_once(quote)?;
        if inner.contains('\n') {
            return None;
        }
        joined.push_str(inner);
        rest = after.trim_start();
    }
    if is_not_a_description(&joined) {
        return None;
    }
    one_line(&joined)
}

/// The first paragraph that describes the tool. The paragraph after one that introduces a list
/// (`This playbook supports the following variables:`) is that list, not a description.
fn first_describing_paragraph(paragraphs: &[Vec<String>]) -> Option<String> {
    let mut after_list_intro = false;
    for paragraph in paragraphs {
        let text = paragraph_text(paragraph);
        if text.is_empty() {
            continue;
        }
        let is_list = after_list_intro;
        after_list_intro = introduces_a_list(&text.to_ascii_lowercase());
        if is_list || is_not_a_description(&text) {
            continue;
        }
        return one_line(&text);
    }
    None
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

/// A module-level `DESCRIPTION = "…"` (or `description`, `__description__`) string constant:
/// scripts that feed argparse keep their one-line description there.
fn from_description_constant(text: &str) -> Option<String> {
    text.lines()
        .filter(|line| !line.starts_with(char::is_whitespace))
        .find_map(|line| {
            let (name, value) = line.split_once('=')?;
            let name = name.trim().trim_matches('_');
            if !name.eq_ignore_ascii_case("description") {
                return None;
            }
            let value = string_literal(value.trim())?;
            if is_not_a_description(value) {
                return None;
            }
            one_line(value)
        })
}

/// The contents of a one-line quoted string literal (`"…"` or `'…'`), if that is all `value` is.
fn string_literal(value: &str) -> Option<&str> {
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = value[1..].strip_suffix(quote)?;
    (!inner.contains(quote)).then_some(inner)
}

/// The paragraphs of a file's header, each as its lines without comment markers: comment
/// paragraphs (split at blank and `#` lines) and the paragraphs of a module docstring, in order.
fn header_paragraphs(text: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = usize::from(lines.first().is_some_and(|l| is_shebang(l)));
    let mut paragraphs: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if let Some(comment) = t.strip_prefix('#') {
            let comment = comment.trim_start_matches('#').trim();
            if comment.is_empty() || comment.chars().all(|c| "=-*~".contains(c)) {
                paragraphs.extend(take_nonempty(&mut current));
            } else {
                current.push(comment.to_owned());
            }
        } else if t.is_empty() || t == "---" {
            paragraphs.extend(take_nonempty(&mut current));
        } else if let Some((docstring, next)) = docstring_at(&lines, i) {
            paragraphs.extend(take_nonempty(&mut current));
            paragraphs.extend(docstring_paragraphs(&docstring));
            i = next;
            continue;
        } else if is_assignment(t) {
            // A comment right above an assignment is that variable's, not the tool's.
            if !is_dunder_assignment(t) {
                current.clear();
            }
            paragraphs.extend(take_nonempty(&mut current));
            if !is_simple_assignment(t) {
                break;
            }
        } else {
            break;
        }
        i += 1;
    }
    paragraphs.extend(take_nonempty(&mut current));
    paragraphs
}

/// The paragraph gathered so far, leaving `current` empty; nothing if it is empty.
fn take_nonempty(current: &mut Vec<String>) -> Option<Vec<String>> {
    (!current.is_empty()).then(|| std::mem::take(current))
}

/// `#!…` on the first line, or `!/…`, a shebang that lost its `#` and still is no description.
fn is_shebang(line: &str) -> bool {
    line.starts_with("#!") || line.starts_with("!/")
}

/// The text of a Python docstring opening at line `start` (`"""` or `'''`, optionally prefixed
/// `r`/`u`), and the index of the line after it; `None` if no docstring opens there.
fn docstring_at(lines: &[&str], start: usize) -> Option<(String, usize)> {
    let t = lines.get(start)?.trim();
    let t = t.trim_start_matches(['r', 'u', 'R', 'U']);
    let quote = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q))?;
    let rest = &t[3..];
    if let Some((inner, _)) = rest.split_once(quote) {
        return Some((inner.to_owned(), start + 1));
    }
    let mut body = vec![rest.to_owned()];
    for (offset, line) in lines[start + 1..].iter().enumerate() {
        if let Some((inner, _)) = line.split_once(quote) {
            body.push(inner.to_owned());
            return Some((body.join("\n"), start + offset + 2));
        }
        body.push((*line).to_owned());
    }
    Some((body.join("\n"), lines.len()))
}

/// A docstring's paragraphs (split at blank lines and reStructuredText underlines, headings
/// left out), each as its trimmed lines.
fn docstring_paragraphs(docstring: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = docstring.lines().map(str::trim).collect();
    let is_underline = |l: &str| l.len() >= 3 && l.chars().all(|c| "=-~^*#".contains(c));
    let is_break = |i: usize| {
        lines[i].is_empty()
            || is_underline(lines[i])
            || lines.get(i + 1).is_some_and(|next| is_underline(next))
    };
    let mut paragraphs = Vec::new();
    let mut current = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if is_break(i) {
            paragraphs.extend(take_nonempty(&mut current));
        } else {
            current.push((*line).to_owned());
        }
    }
    paragraphs.extend(take_nonempty(&mut current));
    paragraphs
}

/// `name = …` or shell `NAME=…`: an identifier, then `=` (not `==`).
fn is_assignment(line: &str) -> bool {
    let Some((name, value)) = line.split_once('=') else {
        return false;
    };
    let name = name.trim_end();
    !value.starts_with('=')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `__author__ = …`, `__version__ = …`: module metadata, not a variable.
fn is_dunder_assignment(line: &str) -> bool {
    line.split_once('=').is_some_and(|(name, _)| {
        let name = name.trim();
        name.len() > 4 && name.starts_with("__") && name.ends_with("__")
    })
}

/// An assignment of a one-line string or a number: metadata the header may continue past.
fn is_simple_assignment(line: &str) -> bool {
    let Some((_, value)) = line.split_once('=') else {
        return false;
    };
    let value = value.trim();
    string_literal(value).is_some()
        || (!value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// A paragraph's text: its lines up to the start of a license text (the rest of the paragraph
/// is that license, wrapped), without copyright notices, author and modeline lines, joined.
fn paragraph_text(lines: &[String]) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in lines {
        if is_license_text(line) {
            break;
        }
        if is_copyright_notice(line) || is_metadata_line(line) {
            continue;
        }
        kept.push(strip_label(line));
    }
    kept.join(" ").trim().to_owned()
}

/// `Description: Foo` → `Foo`.
fn strip_label(line: &str) -> &str {
    let lower = line.to_ascii_lowercase();
    ["description:", "summary:", "purpose:"]
        .iter()
        .find(|label| lower.starts_with(*label))
        .map_or(line, |label| line[label.len()..].trim_start())
}

/// A line of a license text, at its start (`Licensed under`, `Permission is hereby granted`) or
/// in the middle of a wrapped sentence (`not use this file except in compliance with the
/// License.`): every line after it in its paragraph is that license too.
fn is_license_text(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "licensed under",
        "license",
        "unless required by",
        "http://www.apache.org",
        "https://www.apache.org",
        "http://www.gnu.org",
        "https://www.gnu.org",
        "this program is free software",
        "this program is distributed",
        "you should have received",
        "permission is hereby granted",
        "permission to use, copy",
        "the above copyright notice",
        "the software is provided",
        "redistribution and use",
    ];
    const ANYWHERE: &[&str] = &[
        "the license",
        "this license",
        "general public license",
        "free software foundation",
        "warranties",
        "warranty",
        "merchantability",
        "fitness for a particular purpose",
        "\"as is\"",
        "in compliance with",
        "licenses/license-",
    ];
    let lower = line.to_lowercase();
    STARTS.iter().any(|s| lower.starts_with(s)) || ANYWHERE.iter().any(|s| lower.contains(s))
}

/// One line of a copyright notice: `Copyright 2013 AT&T`, `(c) ACME`, `All Rights Reserved.`,
/// `SPDX-License-Identifier: MIT`, or `2015 Catalyst IT Ltd.`, a further holder under a
/// `Copyright` line. Unlike a license text, the next line may well be the description.
fn is_copyright_notice(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["copyright", "(c)", "©", "spdx-license-identifier"]
        .iter()
        .any(|s| lower.starts_with(s))
        || lower.contains("rights reserved")
        || starts_with_a_year(&lower)
}

/// `2015 Catalyst IT Ltd.`: a line that starts with a year.
fn starts_with_a_year(line: &str) -> bool {
    let year: String = line.chars().take_while(char::is_ascii_digit).collect();
    year.len() == 4 && (year.starts_with("19") || year.starts_with("20"))
}

/// Lines about the file, not the tool: authors, maintainers, e-mail addresses, editor modelines
/// and linter pragmas.
fn is_metadata_line(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    [
        "author",
        "__author__",
        "date:",
        "created:",
        "updated:",
        "update:",
        "last modified",
        "version:",
        "maintainer",
        "maintained by",
        "written by",
        "contact:",
        "email:",
        "e-mail:",
        "-*-",
        "vim:",
        "vi:",
        "shellcheck",
        "pylint",
        "noqa",
    ]
    .iter()
    .any(|b| lower.starts_with(b))
        || lower.split_whitespace().any(is_email)
}

/// `someone@example.com`, bare or in `<…>`.
fn is_email(word: &str) -> bool {
    let word = word.trim_matches(|c: char| "<>(),;".contains(c));
    word.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

/// Text that is in a header but says nothing about what the tool does: a usage synopsis, the
/// introduction of a list (`This playbook requires the following variables:`), a single word
/// (a file name, a section heading), or instructions to set up credentials first.
fn is_not_a_description(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "usage:",
        "usage examples",
        "example:",
        "examples:",
        "example usage",
        "./",
        // Where it came from, not what it does.
        "from http",
        "see http",
        "based on http",
        "source: http",
        // Code that was commented out.
        "set -",
        "#!",
        // Notes about the code, not what it does.
        "bug:",
        "bugs:",
        "known issue",
        "todo",
        "fixme",
        "note:",
        "notes:",
    ]
    .iter()
    .any(|s| lower.starts_with(s))
        || is_changelog(&lower)
        || introduces_a_list(&lower)
        || is_single_word(text)
        || is_environment_setup(&lower)
}

/// `v.2 changed the interface…`, `Changelog: …`: the history of the file, not what it does.
fn is_changelog(lower: &str) -> bool {
    let versioned = ["v.", "v", "version "].iter().any(|p| {
        lower
            .strip_prefix(p)
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    });
    versioned || lower.starts_with("changelog") || lower.starts_with("changes:")
}

/// `Fields are:`, `This playbook requires the following variables: hosts - …`.
fn introduces_a_list(lower: &str) -> bool {
    lower.ends_with(':') || lower.contains("the following") && lower.contains(':')
}

/// `get_floating_pools.sh`, `Accounts`: a single word (a file name or a section heading) says
/// nothing about what a tool does.
fn is_single_word(text: &str) -> bool {
    !text.contains(char::is_whitespace)
}

/// `OpenStack credentials are expected to be in your environment variables`, `Source your
/// openrc first`: what to do before running the tool.
fn is_environment_setup(lower: &str) -> bool {
    ["openrc", "keystonerc", "stackrc", " rc file", "creds file"]
        .iter()
        .any(|s| lower.contains(s))
        || lower.starts_with("source ")
        || (lower.contains("credential") && lower.contains("environment"))
}

/// Words after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "i.e", "e.g", "ie", "eg", "etc", "vs", "cf", "approx", "incl", "no", "mr", "dr",
];

/// The first sentence of `text`, up to the first `. ` that follows neither an abbreviation
/// (`i.e.`, `etc.`, `vs.`) nor a lone initial or number (`J. Smith`, `version 2. `).
fn first_sentence(text: &str) -> Option<&str> {
    text.match_indices(". ").find_map(|(at, _)| {
        let word = text[..at]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default()
            .trim_start_matches(['(', '[', '"', '\''])
            .to_ascii_lowercase();
        let ends_sentence = !ABBREVIATIONS.contains(&word.as_str())
            && word.chars().count() > 1
            && !word.chars().all(|c| c.is_ascii_digit() || c == '.');
        ends_sentence.then(|| &text[..=at])
    })
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
    if let Some(first) = first_sentence(&text)
        && (11..=MAX).contains(&first.chars().count())
    {
        return Some(first.to_owned());
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
    fn wrapped_license_and_copyright_blocks_are_skipped_whole() {
        // generic/neutron/get_floating_pools.sh: the continuation line became the description.
        let script = "#!/usr/bin/env bash\n\n# Copyright 2015 B1 Systems GmbH\n#\n\
                      # Author: Christian Berendt <berendt@b1-systems.de>\n#\n\
                      # Licensed under the Apache License, Version 2.0 (the \"License\"); you may\n\
                      # not use this file except in compliance with the License. You may obtain\n\
                      # a copy of the License at\n#\n#      http://www.apache.org/licenses/LICENSE-2.0\n#\n\
                      # Unless required by applicable law or agreed to in writing, software\n\
                      # distributed under the License is distributed on an \"AS IS\" BASIS, WITHOUT\n\
                      # WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the\n\
                      # License for the specific language governing permissions and limitations\n\
                      # under the License.\n\n# usage: ./get_floating_pools.sh\n\n\
                      # Load an client environment script (openrc file) prior to running this script.\n\n\
                      # description: This script will generate a list with all routers and assigned\n\
                      #              external (gateway) and internal networks.\n\nset -x\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some(
                "This script will generate a list with all routers and assigned external (gateway) and internal networks."
            )
        );
        for line in [
            "not use this file except in compliance with the License. You may obtain",
            "distributed under the License is distributed on an \"AS IS\" BASIS, WITHOUT",
            "limitations under the License.",
        ] {
            assert!(is_license_text(line), "{line}");
        }
        // A GPL block: continuation lines with no license word are skipped with their paragraph.
        let script = "#!/bin/sh\n# This program is free software; you can redistribute it and/or modify\n\
                      # it under the terms of the GNU General Public License as published by\n\
                      # the Free Software Foundation; either version 2 of the License, or\n\
                      # (at your option) any later version.\n#\n\
                      # You should have received a copy of the GNU General Public License\n\
                      # along with this program; if not, write to the Free Software\n\
                      # Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA.\n#\n\
                      # Restart stuck neutron agents.\nset -e\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("Restart stuck neutron agents.")
        );
    }

    #[test]
    fn copyright_lines_are_skipped_one_by_one() {
        // contrib/nova/livemigrate_instances.py: a copyright holder on a continuation line.
        let script = "#!/bin/sh\n# Copyright 2013 AT&T Services, Inc.\n#           2015 Catalyst IT Ltd.\n\
                      # All Rights Reserved.\n# SPDX-License-Identifier: MIT\n# Drain a compute host.\nset -e\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("Drain a compute host.")
        );
    }

    #[test]
    fn a_description_constant_is_used_when_the_header_is_only_a_license() {
        // contrib/nova/livemigrate_instances.py got "2015 Catalyst IT Ltd.".
        let script = "#! /usr/bin/env python\n# Copyright 2013 AT&T Services, Inc.\n\
                      #           2015 Catalyst IT Ltd.\n# All Rights Reserved.\n#\n\
                      #    Licensed under the Apache License, Version 2.0 (the \"License\"); you may\n\
                      #    not use this file except in compliance with the License. You may obtain\n\n\
                      import argparse\nLOG = logging.getLogger(\"livemigrate_instances\")\n\
                      DESCRIPTION = \"Live migration tool to clear out a hypervisor\"\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("Live migration tool to clear out a hypervisor")
        );
    }

    #[test]
    fn docstrings_give_their_whole_first_paragraph_without_author_lines() {
        // generic/neutron/delete_orphan_floatingips.py was cut at its first line.
        let script = "\"\"\"\nThis script deletes all the floatingips a user has that are not\n\
                      associated with a port_id.\n\"\"\"\n\nimport os\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some(
                "This script deletes all the floatingips a user has that are not associated with a port_id."
            )
        );
        // generic/nova/auto-fix-quota.py gave "Author: amos.steven.davis@hp.com".
        let script = "#!/usr/bin/python\n\"\"\"\n Author: amos.steven.davis@hp.com\n \
                      Description: Fix nova quota in the nova database when the acutal usage\n \
                      and what nova thinks is the quota do not match.\n\"\"\"\nfrom nova import db\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some(
                "Fix nova quota in the nova database when the acutal usage and what nova thinks is the quota do not match."
            )
        );
        // generic/nova/vms_stats.py: a reStructuredText heading is not the description.
        let script = "# under the License.\n#\n\n\"\"\"\nWhat is this ?!\n---------------\n\n\
                      This script is designed to monitor VMs resource utilization\n\nWorkFlow\n--------\n\"\"\"\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("This script is designed to monitor VMs resource utilization")
        );
    }

    #[test]
    fn the_header_continues_past_metadata_assignments_and_broken_shebangs() {
        // generic/keystone/role_swapper_3000.py
        let script = "#!/usr/bin/python\n\n__author__      = 'Matt Fischer <matt.fischer@twcable.com>'\n\
                      __copyright__   = 'Copyright 2015, Matt Fischer'\n\n\
                      # This tool lets you swap roles or list roles that might need to be swapped.\n\
                      # The use case is when you decide that you need to rename a role.\n\n\
                      from keystoneclient.v2_0 import client\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("This tool lets you swap roles or list roles that might need to be swapped.")
        );
        // oschecks/pacemaker_host_check.py lost the `#` of its shebang.
        let script = "!/usr/bin/env python\n# -*- encoding: utf-8 -*-\n\
                      # Openstack Monitoring script for Sensu / Nagios\n#\n\
                      # Copyright © 2013-2014 eNovance <licensing@enovance.com>\n";
        assert_eq!(
            from_header(script).as_deref(),
            Some("Openstack Monitoring script for Sensu / Nagios")
        );
    }

    #[test]
    fn set_up_notes_list_intros_and_variable_comments_are_not_descriptions() {
        // generic/cinder/orphaned_volumes.sh
        assert_eq!(
            from_header(
                "#!/bin/bash\n\n# OpenStack credentialss are expected to be in your environment variables\nif [ -z \"$OS_AUTH_URL\" ]; then\n"
            ),
            None
        );
        assert_eq!(
            from_header("#!/bin/sh\n# Source your openrc first.\nnova list\n"),
            None
        );
        // generic/ansible/playbooks/orphaned-vm-clenaup.yaml: neither the intro nor its list.
        let playbook = "#!/usr/bin/env ansible-playbook --forks 50\n---\n#\n\
                        # This playbook supports the following variables:\n#\n\
                        # Author: Kris Lindgren <klindgren@godaddy.com>\n#\n\
                        # hosts - host(s)/group(s) on which to run this playbook (REQUIRED)\n#\n\
                        # Example:\n#   ansible-playbook run-puppet.yaml -k -K\n\n- hosts: '{{ hosts }}'\n";
        assert_eq!(from_header(playbook), None);
        // generic/linux/cpu-cores-show.sh: the comment belongs to CPUFILE.
        assert_eq!(
            from_header(
                "#!/bin/sh\n\n# Default linux file for CPU information\nCPUFILE=/proc/cpuinfo\n"
            ),
            None
        );
        assert_eq!(
            from_header("#!/bin/sh\n# get_floating_pools.sh\nset -x\n"),
            None
        );
        // generic/linux/simple-script.sh: a section heading above the code.
        assert_eq!(
            from_header("#!/bin/bash\n\n#Accounts\nsource /root/openrc\n"),
            None
        );
        assert_eq!(
            from_header("#!/bin/sh\n# Usage: drain HOST\nset -x\n"),
            None
        );
    }

    #[test]
    fn sentences_are_not_cut_at_abbreviations_or_versions() {
        // generic/nova/list-vms-without-tenants.sh was cut to "… tenant (i.e.".
        assert_eq!(
            one_line(
                "Lists VMs which have been orphaned from their tenant (i.e. the tenant was removed, but VMs were still in the tenant.)"
            )
            .as_deref(),
            Some(
                "Lists VMs which have been orphaned from their tenant (i.e. the tenant was removed, but VMs were still in the tenant.)"
            )
        );
        assert_eq!(
            one_line("Restart agents, e.g. DHCP, L3 etc. on every node. Then check them.")
                .as_deref(),
            Some("Restart agents, e.g. DHCP, L3 etc. on every node.")
        );
        assert_eq!(
            one_line("Upgrade the v2.0 API clients to 3.1.4 first. Then run it.").as_deref(),
            Some("Upgrade the v2.0 API clients to 3.1.4 first.")
        );
    }

    #[test]
    fn playbooks_are_described_by_their_first_play() {
        assert_eq!(
            from_playbook("---\n- name: Rotate Fernet keys\n  hosts: keystone\n").as_deref(),
            Some("Rotate Fernet keys")
        );
    }

    #[test]
    fn dates_provenance_and_commented_code_are_not_descriptions() {
        // osops-tools-contrib: nova/nova-libvirt-compare.py, neutron/count_routers_on_host.sh,
        // ansible/maintenance/scripts/nova-compute-maintenance.py, neutron/l3-agent-evacuate.py.
        assert_eq!(
            from_header(
                "#!/usr/bin/env python\n# Date: 2016-09-04\n# Update: 2016-10-01\nimport sys\n"
            ),
            None
        );
        assert_eq!(
            from_header(
                "#!/bin/bash\n# set -x\n\n# count the number of routers per host\nneutron agent-list\n"
            ),
            Some("count the number of routers per host".into())
        );
        assert_eq!(
            from_header(
                "#!/usr/bin/env python\n# From http://blog.example.com/nova-maintenance\nimport argparse\n\
                 parser = argparse.ArgumentParser(\n    description='Disable a nova compute service and move all its instances to other hosts')\n"
            ),
            Some("Disable a nova compute service and move all its instances to other hosts".into())
        );
        assert_eq!(
            from_header(
                "#!/usr/bin/env python\n# Example usage: python evacuate.py --from-l3agent 19f5\nimport sys\n"
            ),
            None
        );
    }

    #[test]
    fn argparse_descriptions_join_adjacent_literals_and_changelogs_are_passed_over() {
        // osops-tools-contrib: ansible/maintenance/scripts/nova-compute-maintenance.py and
        // neutron/net_blame.sh.
        assert_eq!(
            from_header(
                "#!/usr/bin/env python\nimport argparse\nparser = argparse.ArgumentParser(\n        description='Disable a nova compute service and move all its '\n                    'instances to other hosts')\n"
            ),
            Some("Disable a nova compute service and move all its instances to other hosts".into())
        );
        assert_eq!(
            from_header(
                "#!/bin/bash\n#v.2\n# v.2 changed the interface to be a variable\n\n# Bugs: If there is not much traffic, it does not handle it well.\n\n# places blame for high traffic\nip link\n"
            ),
            Some("places blame for high traffic".into())
        );
    }
}
