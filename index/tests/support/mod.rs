//! Shared test fixtures: a raw tar builder that can write ANY header, and a small asset.
#![allow(dead_code)]

pub mod tar;

use osops_index::archive::Limits;

/// The asset every hostile archive pretends to be.
pub const NAME: &str = "evil-tool";
pub const PREFIX: &str = "evil-tool-1.0.0";

pub const MANIFEST: &str = r#"[asset]
name = "evil-tool"
version = "1.0.0"
kind = "script"
description = "Looks harmless"

[entrypoints]
bin = { "evil-tool" = "bin/run.sh" }
"#;

/// Small limits so the limit tests run in milliseconds.
pub fn limits() -> Limits {
    Limits {
        max_compressed: 1024 * 1024,
        max_unpacked: 256 * 1024,
        max_entries: 100,
        max_path_len: 255,
        max_ratio: 200,
    }
}

/// `PREFIX/rest`.
pub fn p(rest: &str) -> String {
    format!("{PREFIX}/{rest}")
}

/// The valid part of every hostile archive: the top directory, the manifest, the entry point.
pub fn baseline() -> tar::Tar {
    tar::Tar::new()
        .dir(&format!("{PREFIX}/"))
        .file(&p("osops.toml"), MANIFEST.as_bytes())
        .dir(&p("bin/"))
        .exec(&p("bin/run.sh"), b"#!/bin/sh\necho hi\n")
}
