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
}
