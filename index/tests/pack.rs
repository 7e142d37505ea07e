//! Packing: deterministic bytes, the documented layout, and the file selection rules.

use std::fs;
use std::path::Path;

use osops_index::archive::{self, EntryData, FIXED_MTIME, Limits, PackError, pack, package_files};
use osops_index::{Manifest, sha256_hex};

const MANIFEST: &str = r#"[asset]
name = "nova-tools"
version = "0.1.0"
kind = "script"
description = "Tools for nova"
readme = "README.md"

[entrypoints]
bin = { "nova-tools" = "bin/run.sh" }
"#;

fn write(dir: &Path, rel: &str, contents: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, contents).expect("write");
}

#[cfg(unix)]
fn chmod(dir: &Path, rel: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir.join(rel), fs::Permissions::from_mode(mode)).expect("chmod");
}

/// An asset directory; `variant` changes everything that must NOT change the bytes: creation
/// order, mtimes, permission bits beyond "executable or not", owners.
fn asset(variant: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let mut files = vec![
        ("osops.toml", MANIFEST),
        ("README.md", "# nova-tools\n"),
        ("bin/run.sh", "#!/bin/sh\necho run\n"),
        ("lib/deep/helper.sh", "helper() { :; }\n"),
        ("a-file", "sorts between `a` dirs and others\n"),
    ];
    if variant {
        files.reverse();
    }
    for (rel, contents) in &files {
        write(dir, rel, contents);
    }
    #[cfg(unix)]
    {
        chmod(dir, "bin/run.sh", if variant { 0o700 } else { 0o755 });
        chmod(dir, "README.md", if variant { 0o600 } else { 0o644 });
        chmod(dir, "a-file", if variant { 0o666 } else { 0o644 });
        if variant {
            // Only possible as root; the bytes must not depend on it either way.
            let _ = std::os::unix::fs::chown(dir.join("README.md"), Some(1234), Some(1234));
        }
    }
    if variant {
        let when =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_234_567_890);
        for (rel, _) in &files {
            let f = fs::File::options()
                .write(true)
                .open(dir.join(rel))
                .expect("open");
            f.set_modified(when).expect("mtime");
        }
    }
    tmp
}

fn pack_dir(dir: &Path) -> Vec<u8> {
    let manifest = Manifest::from_dir(dir).expect("manifest");
    pack(dir, &manifest, &Limits::default()).expect("pack")
}

#[test]
fn packing_twice_gives_the_same_sha256() {
    let tmp = asset(false);
    assert_eq!(
        sha256_hex(&pack_dir(tmp.path())),
        sha256_hex(&pack_dir(tmp.path()))
    );
}

#[test]
fn mtimes_modes_owners_and_order_do_not_change_the_bytes() {
    let (a, b) = (asset(false), asset(true));
    assert_eq!(
        sha256_hex(&pack_dir(a.path())),
        sha256_hex(&pack_dir(b.path()))
    );
}

#[test]
fn archive_layout_is_the_documented_one() {
    let tmp = asset(true);
    let bytes = pack_dir(tmp.path());
    // gzip header: no FNAME/FCOMMENT/FEXTRA flags, mtime 0, OS "unknown".
    assert_eq!(&bytes[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
    assert_eq!(bytes[9], 255);

    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut seen = Vec::new();
    for entry in tar.entries().expect("tar") {
        let entry = entry.expect("entry");
        let h = entry.header();
        assert_eq!(h.mtime().expect("mtime"), FIXED_MTIME);
        assert_eq!((h.uid().expect("uid"), h.gid().expect("gid")), (0, 0));
        assert_eq!(h.username().expect("utf8"), Some(""));
        assert_eq!(h.groupname().expect("utf8"), Some(""));
        let path = String::from_utf8(entry.path_bytes().into_owned()).expect("utf8");
        seen.push((path, h.mode().expect("mode"), h.entry_type().is_dir()));
    }
    let expected = [
        ("nova-tools-0.1.0/", 0o755, true),
        ("nova-tools-0.1.0/README.md", 0o644, false),
        ("nova-tools-0.1.0/a-file", 0o644, false),
        ("nova-tools-0.1.0/bin", 0o755, true),
        ("nova-tools-0.1.0/bin/run.sh", 0o755, false),
        ("nova-tools-0.1.0/lib", 0o755, true),
        ("nova-tools-0.1.0/lib/deep", 0o755, true),
        ("nova-tools-0.1.0/lib/deep/helper.sh", 0o644, false),
        ("nova-tools-0.1.0/osops.toml", 0o644, false),
    ];
    let seen: Vec<_> = seen
        .iter()
        .map(|(p, m, d)| (p.trim_end_matches('/'), *m, *d))
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|(p, m, d)| (p.trim_end_matches('/'), *m, *d))
        .collect();
    assert_eq!(seen, expected);

    let archive = archive::read(&bytes, &Limits::default()).expect("valid");
    assert_eq!(archive.readme(), Some("# nova-tools\n"));
    let run = archive
        .entries
        .iter()
        .find(|e| e.path == "bin/run.sh")
        .expect("entry point");
    assert!(matches!(
        run.data,
        EntryData::File {
            executable: true,
            ..
        }
    ));
}

#[test]
fn vcs_directories_installed_dependencies_and_archives_are_left_out() {
    let tmp = asset(false);
    write(tmp.path(), ".git/config", "[core]\n");
    write(tmp.path(), ".osops/receipts/dep.json", "{}\n");
    write(tmp.path(), "lib/.svn/entries", "x\n");
    write(tmp.path(), "nova-tools-0.0.9.osops", "old archive\n");
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let files = package_files(tmp.path(), &manifest).expect("files");
    let files: Vec<_> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        [
            "README.md",
            "a-file",
            "bin/run.sh",
            "lib/deep/helper.sh",
            "osops.toml"
        ]
    );
}

#[test]
fn include_selects_files_and_always_keeps_the_manifest() {
    let tmp = asset(false);
    let text = MANIFEST.replace(
        "readme = \"README.md\"",
        "readme = \"README.md\"\ninclude = [\"bin\", \"README.md\"]",
    );
    fs::write(tmp.path().join("osops.toml"), &text).expect("write");
    // Outside the selection, a symlink is not looked at.
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("lib/link")).expect("symlink");
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let files = package_files(tmp.path(), &manifest).expect("files");
    let files: Vec<_> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["README.md", "bin/run.sh", "osops.toml"]);
}

#[test]
#[cfg(unix)]
fn symlink_among_the_files_is_refused() {
    let tmp = asset(false);
    std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("lib/passwd")).expect("symlink");
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let err = pack(tmp.path(), &manifest, &Limits::default()).expect_err("symlink");
    assert!(
        matches!(&err, PackError::NotRegular(p) if p.ends_with("lib/passwd")),
        "{err:?}"
    );
}

#[test]
fn entry_point_must_be_packaged() {
    let tmp = asset(false);
    fs::remove_file(tmp.path().join("bin/run.sh")).expect("rm");
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let err = pack(tmp.path(), &manifest, &Limits::default()).expect_err("missing entry point");
    assert!(
        matches!(&err, PackError::MissingEntrypoint(p) if p == "bin/run.sh"),
        "{err:?}"
    );
}

#[test]
fn reserved_names_are_refused_when_packing() {
    let tmp = asset(false);
    write(tmp.path(), ".osops-complete", "");
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let err = pack(tmp.path(), &manifest, &Limits::default()).expect_err("reserved");
    assert!(
        matches!(&err, PackError::BadPath { reason, .. } if reason.contains("reserves")),
        "{err:?}"
    );
}

#[test]
fn long_paths_use_gnu_long_names_and_read_back() {
    let tmp = asset(false);
    let rel = format!("lib/{}/{}.sh", "d".repeat(90), "f".repeat(60));
    write(tmp.path(), &rel, "long\n");
    let archive = archive::read(&pack_dir(tmp.path()), &Limits::default()).expect("valid");
    assert_eq!(archive.file(&rel), Some(&b"long\n"[..]));
}

#[test]
fn packing_checks_the_limits() {
    let tmp = asset(false);
    let manifest = Manifest::from_dir(tmp.path()).expect("manifest");
    let tight = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = pack(tmp.path(), &manifest, &tight).expect_err("too many entries");
    assert!(
        matches!(
            err,
            PackError::Limit(archive::ArchiveError::TooManyEntries { limit: 3 })
        ),
        "{err:?}"
    );
}

#[test]
fn packed_archive_extracts_with_normalised_modes() {
    let tmp = asset(true);
    let archive = archive::read(&pack_dir(tmp.path()), &Limits::default()).expect("valid");
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("nova-tools/0.1.0");
    archive.extract_to(&dest).expect("extract");
    assert_eq!(
        fs::read_to_string(dest.join("lib/deep/helper.sh")).expect("file"),
        "helper() { :; }\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |rel: &str| {
            fs::metadata(dest.join(rel))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(
            (mode("bin/run.sh"), mode("README.md"), mode("lib")),
            (0o755, 0o644, 0o755)
        );
    }
}
