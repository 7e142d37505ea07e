//! Cases 1, 2 and 8: where an entry may be, and how its name may be spelt.

use super::*;

// --- 1. Traversal and entries outside NAME-VERSION/ ------------------------------------------

#[test]
fn rejects_parent_dir_traversal() {
    let evil = p("../../evil.sh");
    let err = rejected(baseline().file(&evil, b"rm -rf /").gz());
    assert_bad_entry(err, &evil, "`..`");
}

#[test]
fn rejects_leading_parent_dir() {
    let err = rejected(baseline().file("../x", b"x").gz());
    assert_bad_entry(err, "../x", "`..`");
}

#[test]
fn rejects_entry_outside_prefix() {
    let err = rejected(baseline().file("other-tool-1.0.0/x.sh", b"x").gz());
    assert_bad_entry(err, "other-tool-1.0.0/x.sh", "outside `evil-tool-1.0.0/`");
}

#[test]
fn rejects_top_level_file_outside_any_prefix() {
    let err = rejected(Tar::new().file("evil.sh", b"x").raw(&baseline().bytes).gz());
    assert_bad_entry(err, "evil.sh", "not inside");
}

#[test]
fn rejects_prefix_that_disagrees_with_manifest() {
    let tar = Tar::new()
        .dir("evil-tool-9.9.9/")
        .file("evil-tool-9.9.9/osops.toml", support::MANIFEST.as_bytes())
        .exec("evil-tool-9.9.9/bin/run.sh", b"x");
    match rejected(tar.gz()) {
        ArchiveError::WrongPrefix { expected, found } => {
            assert_eq!(
                (expected.as_str(), found.as_str()),
                (PREFIX, "evil-tool-9.9.9")
            );
        }
        other => panic!("expected WrongPrefix, got {other:?}"),
    }
}

#[test]
fn rejects_dot_component() {
    let err = rejected(baseline().file(&p("./x"), b"x").gz());
    assert_bad_entry(err, &p("./x"), "`.` component");
}

// --- 2. Absolute paths ------------------------------------------------------------------------

#[test]
fn rejects_absolute_path() {
    let err = rejected(baseline().file("/etc/cron.d/x", b"* * * * * root sh").gz());
    assert_bad_entry(err, "/etc/cron.d/x", "absolute");
}

#[test]
fn rejects_double_slash_absolute_path() {
    let err = rejected(baseline().file("//tmp/x", b"x").gz());
    assert_bad_entry(err, "//tmp/x", "absolute");
}

#[test]
fn rejects_windows_drive_path() {
    let err = rejected(baseline().file("C:/x", b"x").gz());
    assert_bad_entry(err, "C:/x", "drive letter");
    let err = rejected(baseline().file("C:\\x", b"x").gz());
    assert_bad_entry(err, "C:\\\\x", "backslash");
}

// --- 8. Names -------------------------------------------------------------------------------

#[test]
fn rejects_non_utf8_name() {
    let mut name = format!("{PREFIX}/").into_bytes();
    name.extend_from_slice(&[0xff, 0xfe]);
    let tar = baseline().entry(&Header::new(name, b'0', 1), b"x");
    let (_, reason) = bad_entry(rejected(tar.gz()));
    assert!(reason.contains("not valid UTF-8"), "{reason}");
}

#[test]
fn rejects_nul_in_name() {
    let tar = baseline()
        .pax(&[("path", format!("{PREFIX}/a\0b").as_bytes())])
        .file(&p("ignored"), b"x");
    assert_bad_entry(
        rejected(tar.gz()),
        &p("a\\0b"),
        "control character `\\u{0}`",
    );
}

#[test]
fn rejects_backslash_in_name() {
    assert_bad_entry(
        rejected(baseline().file(&p("bin\\evil"), b"x").gz()),
        &p("bin\\\\evil"),
        "backslash",
    );
}

#[test]
fn rejects_control_characters_in_name() {
    assert_bad_entry(
        rejected(baseline().file(&p("a\nb"), b"x").gz()),
        &p("a\\nb"),
        "control character",
    );
    assert_bad_entry(
        rejected(baseline().file(&p("\u{1b}[2J"), b"x").gz()),
        &p("\\u{1b}[2J"),
        "control character",
    );
}

#[test]
fn rejects_empty_name() {
    assert_bad_entry(rejected(baseline().file("", b"x").gz()), "", "empty name");
}
