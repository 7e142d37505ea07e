//! Cases 5 and 6: duplicate and colliding paths; modes and owners normalised.

use super::*;

// --- 5. Duplicates and collisions -------------------------------------------------------------

#[test]
fn rejects_duplicate_path() {
    let tar = baseline()
        .file(&p("README.md"), b"first")
        .file(&p("README.md"), b"second");
    assert_bad_entry(rejected(tar.gz()), &p("README.md"), "appears twice");
}

#[test]
fn rejects_case_insensitive_collision() {
    let tar = baseline()
        .file(&p("README.md"), b"first")
        .file(&p("readme.md"), b"second");
    assert_bad_entry(rejected(tar.gz()), &p("readme.md"), "collides with");
}

#[test]
fn rejects_unicode_normalisation_collision() {
    let tar = baseline()
        .file(&p("caf\u{e9}.sh"), b"nfc")
        .file(&p("cafe\u{301}.sh"), b"nfd");
    // The error shows the combining accent escaped, so the two spellings can be told apart.
    assert_bad_entry(
        rejected(tar.gz()),
        &p("cafe\\u{301}.sh"),
        "collides with `evil-tool-1.0.0/caf\u{e9}.sh`",
    );
}

#[test]
fn rejects_file_replacing_implied_directory() {
    let tar = baseline()
        .file(&p("d/x"), b"x")
        .file(&p("d"), b"file over dir");
    assert_bad_entry(rejected(tar.gz()), &p("d"), "files beneath it");
}

// --- 6. Modes and owners ----------------------------------------------------------------------

#[test]
#[cfg(unix)]
fn normalises_setuid_sticky_and_world_writable_modes() {
    let mut suid = Header::new(p("suid.sh"), b'0', 2);
    (suid.mode, suid.uid, suid.gid) = (0o7777, 4242, 4242);
    let mut writable = Header::new(p("writable.txt"), b'0', 2);
    (writable.mode, writable.uid) = (0o666, 1);
    let mut dir = Header::new(p("sticky/"), b'5', 0);
    dir.mode = 0o1777;
    let tar = baseline()
        .entry(&suid, b"x\n")
        .entry(&writable, b"y\n")
        .entry(&dir, &[]);

    let sandbox = Sandbox::new();
    let archive = sandbox
        .install(&tar.gz())
        .expect("modes and owners are normalised, not refused");
    assert!(archive.entries.iter().any(|e| e.path == "suid.sh"
        && e.data
            == EntryData::File {
                contents: b"x\n".to_vec(),
                executable: true
            }));
    assert_eq!(mode(&sandbox.target.join("suid.sh")), 0o755);
    assert_eq!(mode(&sandbox.target.join("writable.txt")), 0o644);
    assert_eq!(mode(&sandbox.target.join("sticky")), 0o755);
    assert_eq!(mode(&sandbox.target.join("osops.toml")), 0o644);
    sandbox.assert_nothing_outside();
}
