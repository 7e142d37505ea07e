//! The license of a tool, as an SPDX expression, from what is written down: an
//! `SPDX-License-Identifier:` line, a license header, or the nearest `LICENSE`/`COPYING` file.
//!
//! Never guessed: a text matching none of the few well-known licenses below gives `None`, and the
//! asset is flagged `no-license` (publishing code under a license nobody checked is the one
//! mistake an import must not make for the operator).

/// An SPDX expression from an `SPDX-License-Identifier:` line in the first 40 lines, if valid.
pub fn spdx_identifier(text: &str) -> Option<String> {
    text.lines().take(40).find_map(|line| {
        let (_, value) = line.split_once("SPDX-License-Identifier:")?;
        let value = value
            .trim()
            .trim_end_matches("*/")
            .trim_end_matches("-->")
            .trim();
        let valid = !value.is_empty()
            && value.len() <= 100
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .+-()".contains(c));
        valid.then(|| value.to_owned())
    })
}

/// The SPDX id of a well-known license from its text (a LICENSE file or a header), if it is one.
pub fn classify(text: &str) -> Option<&'static str> {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let has = |s: &str| flat.contains(s);
    if has("apache license") && has("version 2.0") {
        return Some("Apache-2.0");
    }
    if has("permission is hereby granted, free of charge") {
        return Some("MIT");
    }
    if has("mozilla public license") && has("2.0") {
        return Some("MPL-2.0");
    }
    let later = has("or (at your option) any later version");
    if has("gnu lesser general public license") || has("gnu library general public license") {
        return match (has("version 2.1"), has("version 3"), later) {
            (true, _, true) => Some("LGPL-2.1-or-later"),
            (true, _, false) => Some("LGPL-2.1-only"),
            (false, true, true) => Some("LGPL-3.0-or-later"),
            (false, true, false) => Some("LGPL-3.0-only"),
            _ => None,
        };
    }
    if has("gnu affero general public license") {
        return Some(if later {
            "AGPL-3.0-or-later"
        } else {
            "AGPL-3.0-only"
        });
    }
    if has("gnu general public license") {
        return match (has("version 2"), has("version 3"), later) {
            (_, true, true) => Some("GPL-3.0-or-later"),
            (_, true, false) => Some("GPL-3.0-only"),
            (true, false, true) => Some("GPL-2.0-or-later"),
            (true, false, false) => Some("GPL-2.0-only"),
            _ => None,
        };
    }
    if has("redistribution and use in source and binary forms") {
        return Some(if has("neither the name") {
            "BSD-3-Clause"
        } else {
            "BSD-2-Clause"
        });
    }
    if has("permission to use, copy, modify, and/or distribute this software") {
        return Some("ISC");
    }
    None
}

/// Whether a file name is a license file (`LICENSE`, `LICENSE.txt`, `COPYING`, `LICENCE.md`).
pub fn is_license_file(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or_default();
    matches!(stem, "LICENSE" | "LICENCE" | "COPYING")
}

/// What one license declaration in a package's metadata says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    /// A license osops recognises, as its SPDX id.
    Known(&'static str),
    /// A license named in a way that does not identify one SPDX license (`BSD License`).
    Ambiguous,
    /// A placeholder that declares nothing (`UNKNOWN`, empty).
    Nothing,
}

/// The license a Python package declares in `setup.cfg`, `setup.py` or `pyproject.toml`: its
/// `license = …` value and its `License :: …` trove classifiers.
///
/// Every declaration must be recognised and all must agree; a `BSD License` classifier (which
/// BSD?) or two different licenses give `None`, so the asset is flagged rather than guessed.
pub fn from_package_metadata(text: &str) -> Option<&'static str> {
    let declared: Vec<Declared> = text
        .lines()
        .filter_map(|line| {
            license_value(line)
                .map(declared_value)
                .or_else(|| license_classifier(line).map(declared_classifier))
        })
        .filter(|d| *d != Declared::Nothing)
        .collect();
    let first = *declared.first()?;
    match first {
        Declared::Known(id) if declared.iter().all(|d| *d == first) => Some(id),
        _ => None,
    }
}

/// The value of a `license = …` (setup.cfg, pyproject.toml) or `license='…',` (setup.py) line,
/// unquoted; `{text = "…"}` tables give their text. `license_files`, `license-file` and
/// `license = {file = …}` are references to a file, not declarations.
fn license_value(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("license")?.trim_start();
    let value = rest.strip_prefix(['=', ':'])?.trim();
    let value = match value.strip_prefix('{') {
        Some(table) => table
            .trim_start()
            .strip_prefix("text")?
            .trim_start()
            .strip_prefix('=')?
            .trim()
            .trim_end_matches('}')
            .trim(),
        None => value,
    };
    Some(
        value
            .trim_end_matches(',')
            .trim()
            .trim_matches(['"', '\''])
            .trim(),
    )
}

/// The last part of a `License :: OSI Approved :: Apache Software License` classifier.
fn license_classifier(line: &str) -> Option<&str> {
    let line = line.trim().trim_end_matches(',').trim_matches(['"', '\'']);
    let rest = line.strip_prefix("License ::")?;
    Some(rest.rsplit("::").next().unwrap_or_default().trim())
}

/// A `license = …` value: an SPDX id as written, or the Apache and MIT licenses by name.
fn declared_value(value: &str) -> Declared {
    let lower = value.to_ascii_lowercase();
    if lower.is_empty() || lower == "unknown" {
        return Declared::Nothing;
    }
    if let Some(id) = SPDX_IDS.iter().find(|id| id.eq_ignore_ascii_case(value)) {
        return Declared::Known(id);
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .filter(|w| !["", "license", "licence", "version", "the", "v"].contains(w))
        .collect();
    match words.as_slice() {
        ["apache", "2.0" | "2"] | ["asl", "2.0"] => Declared::Known("Apache-2.0"),
        ["mit"] => Declared::Known("MIT"),
        _ => Declared::Ambiguous,
    }
}

/// A trove classifier's license name, mapped only where it names exactly one SPDX license.
fn declared_classifier(name: &str) -> Declared {
    match name {
        "Apache Software License" => Declared::Known("Apache-2.0"),
        "MIT License" => Declared::Known("MIT"),
        "ISC License (ISCL)" => Declared::Known("ISC"),
        "Mozilla Public License 2.0 (MPL 2.0)" => Declared::Known("MPL-2.0"),
        "GNU General Public License v2 or later (GPLv2+)" => Declared::Known("GPL-2.0-or-later"),
        "GNU General Public License v3 or later (GPLv3+)" => Declared::Known("GPL-3.0-or-later"),
        _ => Declared::Ambiguous,
    }
}

/// SPDX ids accepted as written in a `license = …` value.
const SPDX_IDS: &[&str] = &[
    "Apache-2.0",
    "MIT",
    "ISC",
    "MPL-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
];

/// The license in one file's header: its `SPDX-License-Identifier:` line, else a well-known
/// license text in its first 40 lines.
pub fn header_license(text: &str) -> Option<String> {
    spdx_identifier(text).or_else(|| {
        let header: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
        classify(&header).map(str::to_owned)
    })
}

/// The license every one of an asset's source files declares in its header, when they all
/// declare the same one: a package of modules with identical Apache headers is Apache-2.0 even
/// without a LICENSE file. One file without a header, or two licenses, give `None`.
pub fn common_header_license<'a>(sources: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut found: Option<String> = None;
    for text in sources {
        let license = header_license(text)?;
        if found.as_ref().is_some_and(|f| *f != license) {
            return None;
        }
        found = Some(license);
    }
    found
}

/// The license of an asset from its files (`(path, text)` pairs), for when neither an
/// `SPDX-License-Identifier` line nor its main file's header nor a LICENSE file gave one: the
/// license its Python package metadata declares, else the license header all its source files
/// share. Returns the SPDX id and where it was found, for `license_from`.
pub fn from_asset_files(files: &[(&str, &str)]) -> Option<(String, String)> {
    let declared = files
        .iter()
        .filter(|(path, _)| is_package_metadata(file_name(path)))
        .find_map(|(path, text)| Some((from_package_metadata(text)?, path)));
    if let Some((id, path)) = declared {
        return Some((id.to_owned(), format!("`{path}`")));
    }
    let sources: Vec<&str> = files
        .iter()
        .filter(|(path, text)| is_source_file(path, text))
        .map(|(_, text)| *text)
        .collect();
    let id = common_header_license(sources.iter().copied())?;
    Some((
        id,
        format!("the license header of all {} source files", sources.len()),
    ))
}

/// `setup.cfg`, `setup.py`, `pyproject.toml`: where a Python package declares its license.
fn is_package_metadata(name: &str) -> bool {
    matches!(name, "setup.cfg" | "setup.py" | "pyproject.toml")
}

/// Code, as opposed to documentation and configuration: a script extension or a shebang.
fn is_source_file(path: &str, text: &str) -> bool {
    const EXTENSIONS: &[&str] = &[".py", ".sh", ".bash", ".rb", ".pl", ".go", ".js", ".ts"];
    let name = file_name(path);
    !is_package_metadata(name)
        && (EXTENSIONS.iter().any(|e| name.ends_with(e)) || text.starts_with("#!"))
}

/// The last component of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_lines_are_taken_as_written_when_well_formed() {
        assert_eq!(
            spdx_identifier("#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            spdx_identifier("/* SPDX-License-Identifier: MIT OR GPL-2.0-only */").as_deref(),
            Some("MIT OR GPL-2.0-only")
        );
        assert_eq!(spdx_identifier("# SPDX-License-Identifier: <script>"), None);
        assert_eq!(spdx_identifier("# no identifier"), None);
    }

    #[test]
    fn well_known_license_texts_are_recognised_and_others_are_not() {
        assert_eq!(
            classify("# Licensed under the Apache License, Version 2.0 (the \"License\");"),
            Some("Apache-2.0")
        );
        assert_eq!(
            classify("MIT License\n\nPermission is hereby granted, free of charge, to any"),
            Some("MIT")
        );
        assert_eq!(
            classify(
                "GNU General Public License as published by the Free Software Foundation; \
                 either version 2 of the License, or (at your option) any later version."
            ),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(
            classify("Redistribution and use in source and binary forms ... Neither the name"),
            Some("BSD-3-Clause")
        );
        assert_eq!(classify("All rights reserved. Do not copy."), None);
    }

    #[test]
    fn license_files_are_recognised_by_name() {
        assert!(is_license_file("LICENSE"));
        assert!(is_license_file("license.txt"));
        assert!(is_license_file("COPYING"));
        assert!(!is_license_file("licensing-notes.md"));
    }

    #[test]
    fn package_metadata_declares_a_license_only_when_unambiguous() {
        // monitoring/monitoring-for-openstack/setup.cfg
        let setup_cfg = "[metadata]\nname = monitoring-for-openstack\nclassifier =\n    \
                         Environment :: OpenStack\n    \
                         License :: OSI Approved :: Apache Software License\n    \
                         Programming Language :: Python :: 2.7\n";
        assert_eq!(from_package_metadata(setup_cfg), Some("Apache-2.0"));
        assert_eq!(
            from_package_metadata("[metadata]\nlicense = Apache License, Version 2.0\n"),
            Some("Apache-2.0")
        );
        assert_eq!(
            from_package_metadata("setup(\n    name='x',\n    license='Apache-2.0',\n)\n"),
            Some("Apache-2.0")
        );
        assert_eq!(
            from_package_metadata("[project]\nlicense = {text = \"MIT\"}\n"),
            Some("MIT")
        );
        assert_eq!(
            from_package_metadata(
                "classifiers = [\n  \"License :: OSI Approved :: MIT License\",\n]\n"
            ),
            Some("MIT")
        );
        // Which BSD? Never guessed.
        assert_eq!(
            from_package_metadata("classifier =\n    License :: OSI Approved :: BSD License\n"),
            None
        );
        // Two licenses disagree; a file reference and a placeholder declare nothing.
        assert_eq!(
            from_package_metadata(
                "license = MIT\nclassifier =\n    License :: OSI Approved :: Apache Software License\n"
            ),
            None
        );
        assert_eq!(
            from_package_metadata("license_files = LICENSE\nlicense = UNKNOWN\n"),
            None
        );
        assert_eq!(
            from_package_metadata("[project]\nlicense = {file = \"LICENSE\"}\n"),
            None
        );
    }

    #[test]
    fn identical_source_headers_give_the_asset_license() {
        let apache = "# Licensed under the Apache License, Version 2.0 (the \"License\"); you may\n\
                      # not use this file except in compliance with the License.\nimport os\n";
        let spdx = "#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n";
        assert_eq!(
            common_header_license([apache, apache, spdx]).as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(common_header_license([apache, "import os\n"]), None);
        assert_eq!(
            common_header_license([apache, "# SPDX-License-Identifier: MIT\n"]),
            None
        );
        assert_eq!(common_header_license([]), None);
    }

    #[test]
    fn an_asset_license_comes_from_its_package_metadata_or_shared_headers() {
        let apache =
            "# Licensed under the Apache License, Version 2.0 (the \"License\");\nimport os\n";
        let setup_cfg =
            "[metadata]\nclassifier =\n    License :: OSI Approved :: Apache Software License\n";
        assert_eq!(
            from_asset_files(&[
                ("mfo/README.rst", "Monitoring"),
                ("mfo/setup.cfg", setup_cfg),
                ("mfo/oschecks/nova.py", "import os\n"),
            ]),
            Some(("Apache-2.0".into(), "`mfo/setup.cfg`".into()))
        );
        // No metadata: every source file has the same header; the README and tox.ini do not count.
        assert_eq!(
            from_asset_files(&[
                ("mfo/README.rst", "Monitoring"),
                ("mfo/tox.ini", "[tox]\n"),
                ("mfo/oschecks/nova.py", apache),
                ("mfo/oschecks/ceph.py", apache),
            ]),
            Some((
                "Apache-2.0".into(),
                "the license header of all 2 source files".into()
            ))
        );
        assert_eq!(
            from_asset_files(&[
                ("mfo/oschecks/nova.py", apache),
                ("mfo/oschecks/utils.py", "import os\n"),
            ]),
            None
        );
    }
}
