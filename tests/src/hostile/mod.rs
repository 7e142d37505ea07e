//! Hostile archives built header by header, for SECURITY-TESTS.md cases 1–10.
//!
//! [`tar`] writes any header the test asks for (lying sizes, any type flag, bad checksums, PAX and
//! GNU records). Every hostile archive is the valid [`baseline`] asset `evil-tool` plus the one
//! hostile thing, so the only rule that can refuse it is the one it is named for. [`catalogue`]
//! lists one archive per attack, for the end-to-end tests that send each through the real registry
//! (publish) and the real client (install); `osops-index`'s own tests use the builder directly.

pub mod tar;

use tar::{Header, Tar, gzip};

/// The asset every hostile archive pretends to be.
pub const NAME: &str = "evil-tool";
pub const VERSION: &str = "1.0.0";
pub const PREFIX: &str = "evil-tool-1.0.0";

pub const MANIFEST: &str = r#"[asset]
name = "evil-tool"
version = "1.0.0"
kind = "script"
description = "Looks harmless"

[entrypoints]
bin = { "evil-tool" = "bin/run.sh" }
"#;

/// The index line a registry lists `archive` under as `evil-tool 1.0.0`, with the archive's true
/// sha256: a registry that serves exactly the bytes it lists, so only the client's own checks of
/// the archive can refuse it.
pub fn index_entry(archive: &[u8]) -> osops_index::IndexEntry {
    osops_index::IndexEntry {
        name: osops_index::AssetName::parse(NAME).expect("valid name"),
        vers: VERSION.parse().expect("valid version"),
        kind: osops_index::Kind::Script,
        cksum: osops_index::sha256_hex(archive),
        deps: vec![],
        services: vec![],
        releases: None,
        needs: vec![],
        yanked: false,
        published_at: "2026-01-01T00:00:00Z".into(),
        v: 1,
    }
}

/// `PREFIX/rest`.
pub fn p(rest: &str) -> String {
    format!("{PREFIX}/{rest}")
}

/// The valid part of every hostile archive: the top directory, the manifest, the entry point.
pub fn baseline() -> Tar {
    Tar::new()
        .dir(&format!("{PREFIX}/"))
        .file(&p("osops.toml"), MANIFEST.as_bytes())
        .dir(&p("bin/"))
        .exec(&p("bin/run.sh"), b"#!/bin/sh\necho hi\n")
}

/// One hostile archive and the attack it carries.
pub struct Hostile {
    /// The case number in SECURITY-TESTS.md.
    pub case: u8,
    /// The attack, as a test name would say it.
    pub attack: &'static str,
    pub archive: Vec<u8>,
}

fn hostile(case: u8, attack: &'static str, archive: Vec<u8>) -> Hostile {
    Hostile {
        case,
        attack,
        archive,
    }
}

fn special(typeflag: u8, linkname: &str) -> Vec<u8> {
    let mut h = Header::new(p("special"), typeflag, 0);
    h.linkname = linkname.as_bytes().to_vec();
    baseline().entry(&h, &[]).gz()
}

/// One archive per attack of cases 1–10 that must be refused (case 6, unsafe modes, is normalised
/// rather than refused, so it is not here). Sized to trip the DEFAULT limits, which the registry
/// and the client run with.
pub fn catalogue() -> Vec<Hostile> {
    let with_file = |name: &str| baseline().file(name, b"#!/bin/sh\nrm -rf /\n").gz();
    let pax_path = |path: &[u8]| baseline().pax(&[("path", path)]).file(&p("x"), b"x").gz();
    let mut long_size = Header::new(p("big"), b'0', 1 << 20);
    long_size.size = 1 << 20;
    let mut bad_checksum = Header::new(p("x"), b'0', 1);
    bad_checksum.checksum_error = 7;
    let many_entries = (0..10_001)
        .fold(baseline(), |tar, i| tar.file(&p(&format!("e/{i}")), b""))
        .gz();
    let truncated = {
        let whole = baseline().gz();
        whole[..whole.len() / 2].to_vec()
    };
    vec![
        hostile(1, "parent_dir_traversal", with_file(&p("../../evil.sh"))),
        hostile(1, "bare_parent_dir", with_file("../x")),
        hostile(
            1,
            "entry_outside_the_prefix",
            with_file("other-tool-1.0.0/x.sh"),
        ),
        hostile(2, "absolute_path", with_file("/etc/cron.d/x")),
        hostile(2, "double_slash_absolute_path", with_file("//tmp/x")),
        hostile(2, "windows_drive_path", with_file("C:\\x")),
        hostile(3, "symlink_to_absolute_path", special(b'2', "/etc/passwd")),
        hostile(3, "symlink_within_tree", special(b'2', "bin/run.sh")),
        hostile(3, "hard_link", special(b'1', &p("bin/run.sh"))),
        hostile(3, "character_device", special(b'3', "")),
        hostile(3, "block_device", special(b'4', "")),
        hostile(3, "fifo", special(b'6', "")),
        hostile(3, "gnu_sparse_file", special(b'S', "")),
        hostile(3, "unknown_type_flag", special(b'Z', "")),
        hostile(
            4,
            "symlink_then_file_beneath",
            baseline().symlink(&p("l"), "..").file(&p("l/x"), b"x").gz(),
        ),
        hostile(
            5,
            "duplicate_path",
            baseline().file(&p("a"), b"1").file(&p("a"), b"2").gz(),
        ),
        hostile(
            5,
            "case_collision",
            baseline()
                .file(&p("README.md"), b"1")
                .file(&p("readme.md"), b"2")
                .gz(),
        ),
        hostile(
            5,
            "unicode_normalisation_collision",
            baseline()
                .file(&p("caf\u{e9}"), b"1")
                .file(&p("cafe\u{301}"), b"2")
                .gz(),
        ),
        hostile(
            7,
            "gzip_bomb",
            baseline().file(&p("zeros"), &vec![0u8; 16 << 20]).gz(),
        ),
        hostile(7, "too_many_entries", many_entries),
        hostile(
            7,
            "ten_kib_path",
            pax_path(p(&"a/".repeat(5 * 1024)).as_bytes()),
        ),
        hostile(
            7,
            "one_mib_gnu_long_name",
            baseline()
                .gnu_long_name(&vec![b'a'; 1 << 20])
                .file(&p("x"), b"x")
                .gz(),
        ),
        hostile(7, "pax_size_disagrees_with_ustar_size", {
            baseline()
                .pax(&[("size", b"1")])
                .file(&p("x"), b"0123456789")
                .gz()
        }),
        hostile(
            8,
            "non_utf8_name",
            baseline()
                .entry(
                    &Header::new([PREFIX.as_bytes(), b"/\xff\xfe"].concat(), b'0', 0),
                    &[],
                )
                .gz(),
        ),
        hostile(
            8,
            "nul_in_pax_path",
            pax_path(format!("{PREFIX}/a\0b").as_bytes()),
        ),
        hostile(8, "backslash_in_name", with_file(&p("bin\\evil.sh"))),
        hostile(
            8,
            "control_character_in_name",
            with_file(&p("evil\x1b[2J.sh")),
        ),
        hostile(8, "empty_name", with_file("")),
        hostile(9, "truncated_gzip", truncated),
        hostile(
            9,
            "bad_header_checksum",
            baseline().entry(&bad_checksum, b"x").gz(),
        ),
        hostile(
            9,
            "header_size_larger_than_data",
            gzip(&baseline().entry(&long_size, b"short").bytes),
        ),
        hostile(
            10,
            "carries_the_clients_receipt",
            with_file(&p(".osops-receipt.json")),
        ),
        hostile(
            10,
            "carries_a_completion_marker",
            with_file(&p(".osops-complete")),
        ),
    ]
}
