//! Case 10 (the client's own marker names), the manifest inside, tolerated tar records, and
//! extraction's own checks.

use super::*;

// --- 10. The client's own markers -------------------------------------------------------------

#[test]
fn rejects_client_completion_marker() {
    let tar = baseline().file(&p(".osops-complete"), b"");
    assert_bad_entry(rejected(tar.gz()), &p(".osops-complete"), "reserves");
}

#[test]
fn rejects_client_receipt_in_reserved_directory() {
    let tar = baseline()
        .dir(&p(".osops/"))
        .file(&p(".osops/receipt.json"), b"{}");
    assert_bad_entry(rejected(tar.gz()), &p(".osops/"), "reserves");
}

#[test]
fn rejects_reserved_name_in_other_case_and_depth() {
    let tar = baseline().file(&p("bin/.OSOPS-complete"), b"");
    assert_bad_entry(rejected(tar.gz()), &p("bin/.OSOPS-complete"), "reserves");
}

// --- The manifest inside ----------------------------------------------------------------------

#[test]
fn rejects_archive_without_manifest() {
    let tar = Tar::new()
        .dir(&format!("{PREFIX}/"))
        .exec(&p("bin/run.sh"), b"x");
    assert!(matches!(rejected(tar.gz()), ArchiveError::NoManifest(prefix) if prefix == PREFIX));
}

#[test]
fn rejects_invalid_manifest_inside() {
    let tar = Tar::new().file(&p("osops.toml"), b"[asset]\nname = \"Evil_Tool\"\n");
    match rejected(tar.gz()) {
        ArchiveError::Manifest(e) => assert_eq!(e.field, "asset.name"),
        other => panic!("expected Manifest, got {other:?}"),
    }
}

#[test]
fn rejects_entry_point_missing_from_archive() {
    let tar = Tar::new().file(&p("osops.toml"), support::MANIFEST.as_bytes());
    assert_bad_entry(
        rejected(tar.gz()),
        &p("bin/run.sh"),
        "entrypoints.bin.evil-tool",
    );
}

// --- Records the tar crate consumes are tolerated ---------------------------------------------

#[test]
fn accepts_pax_path_gnu_long_name_and_global_header() {
    let long = p(&format!("{}/deep.txt", "d".repeat(150)));
    let tar = Tar::new()
        .entry(&Header::new("pax_global_header", b'g', 0), &[])
        .raw(&baseline().bytes)
        .gnu_long_name(long.as_bytes())
        .file(&p("truncated-in-header"), b"long")
        .pax(&[
            ("path", p("from-pax.txt").as_bytes()),
            ("mtime", b"1"),
            ("uid", b"99"),
        ])
        .file(&p("from-header.txt"), b"pax");
    let sandbox = Sandbox::new();
    let archive = sandbox.install(&tar.gz()).expect("valid");
    assert_eq!(archive.file(&long[PREFIX.len() + 1..]), Some(&b"long"[..]));
    assert_eq!(archive.file("from-pax.txt"), Some(&b"pax"[..]));
    assert!(archive.file("from-header.txt").is_none());
    sandbox.assert_nothing_outside();
}

#[test]
fn extract_refuses_an_existing_destination() {
    let sandbox = Sandbox::new();
    let archive = read(&baseline().gz(), &limits()).expect("valid");
    std::fs::create_dir(&sandbox.target).expect("pre-existing target");
    assert!(archive.extract_to(&sandbox.target).is_err());
    assert_eq!(
        sandbox.target.read_dir().expect("target").count(),
        0,
        "nothing written into it"
    );
}

#[test]
fn readme_and_file_lookup() {
    let archive = read(
        &baseline().file(&p("README.md"), b"# Evil tool\n").gz(),
        &limits(),
    )
    .expect("valid");
    assert_eq!(archive.readme(), Some("# Evil tool\n"));
    assert_eq!(
        archive.file("bin/run.sh"),
        Some(&b"#!/bin/sh\necho hi\n"[..])
    );
    assert_eq!(archive.file("bin"), None, "directories are not files");
}

#[test]
fn extract_rechecks_entries_it_did_not_validate() {
    // `entries` is public: an Archive assembled by hand must not be able to escape either.
    let sandbox = Sandbox::new();
    let mut archive = read(&baseline().gz(), &limits()).expect("valid");
    archive.entries.push(osops_index::archive::Entry {
        path: "../escaped.sh".into(),
        data: EntryData::File {
            contents: b"x".to_vec(),
            executable: true,
        },
    });
    assert!(archive.extract_to(&sandbox.target).is_err());
    assert!(!sandbox.target.exists(), "the partial target is removed");
    sandbox.assert_nothing_outside();
}
