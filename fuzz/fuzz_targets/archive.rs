//! The archive validator and extractor: `archive::read` with small limits on arbitrary bytes,
//! then, for an accepted archive, `Archive::extract_to` a fresh temporary directory.
//!
//! Checked: no panic; an accepted archive extracts without error; nothing is written outside the
//! destination (no symlink, nothing but files and directories, every path under the root); the
//! files written are exactly the validator's file entries, byte for byte, with the modes it
//! decided; the directories written are exactly its directory entries plus the ancestors of its
//! entries. A refused archive writes nothing: the temporary root stays empty.
//!
//! Input layout: the first byte selects the mode. Even: the rest is the archive as downloaded
//! (gzip). Odd: the rest is a tar stream that the harness gzips first, so the fuzzer spends its
//! time on tar headers and paths rather than on getting gzip checksums right.
#![no_main]

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use libfuzzer_sys::fuzz_target;
use osops_index::archive::{self, EntryData, Limits};

const LIMITS: Limits = Limits {
    max_compressed: 64 * 1024,
    max_unpacked: 256 * 1024,
    max_entries: 64,
    max_path_len: 255,
    max_ratio: 200,
};

#[derive(Debug, PartialEq, Eq)]
enum Written {
    Dir,
    File { contents: Vec<u8>, executable: bool },
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let gzipped;
    let bytes = if mode & 1 == 1 {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(rest).expect("gzip into memory");
        gzipped = gz.finish().expect("gzip into memory");
        &gzipped[..]
    } else {
        rest
    };

    let root = tempfile::tempdir().expect("temporary directory");
    let result = archive::read(bytes, &LIMITS);
    let Ok(accepted) = result else {
        // The validator only reads: a refusal must leave the root untouched.
        assert_eq!(
            std::fs::read_dir(root.path()).expect("read root").count(),
            0
        );
        return;
    };

    let dest = root.path().join("x");
    if let Err(e) = accepted.extract_to(&dest) {
        panic!(
            "the validator accepted an archive the extractor refuses: {e}\nentries: {:?}",
            accepted.entries.iter().map(|e| &e.path).collect::<Vec<_>>()
        );
    }

    // What the validator says should be on disk.
    let mut expected: BTreeMap<String, Written> = BTreeMap::new();
    for entry in &accepted.entries {
        let mut parent = entry.path.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            expected.entry(p.to_owned()).or_insert(Written::Dir);
            parent = p;
        }
        let written = match &entry.data {
            EntryData::Dir => Written::Dir,
            EntryData::File {
                contents,
                executable,
            } => Written::File {
                contents: contents.clone(),
                executable: *executable,
            },
        };
        let is_file = matches!(written, Written::File { .. });
        let previous = expected.insert(entry.path.clone(), written);
        assert!(
            previous.is_none() || !is_file && previous == Some(Written::Dir),
            "the validator accepted `{}` twice, or as a file and a directory",
            entry.path
        );
    }

    // What is on disk: everything under the root, which must be `x` and what lies below it.
    let canonical_root = root.path().canonicalize().expect("canonical root");
    let mut found: BTreeMap<String, Written> = BTreeMap::new();
    for item in walkdir::WalkDir::new(root.path())
        .follow_links(false)
        .min_depth(1)
    {
        let item = item.expect("walk the extraction");
        let meta = item.path().symlink_metadata().expect("metadata");
        let rel = item
            .path()
            .strip_prefix(root.path())
            .expect("under the root")
            .to_str()
            .expect("UTF-8 path")
            .to_owned();
        assert!(
            rel == "x" || rel.starts_with("x/"),
            "something was written beside the destination: {rel}"
        );
        assert!(
            !meta.file_type().is_symlink(),
            "the extraction made a symlink: {rel}"
        );
        let real = item.path().canonicalize().expect("canonical path");
        assert!(
            real.starts_with(&canonical_root),
            "{rel} resolves outside the root"
        );
        if rel == "x" {
            assert!(meta.is_dir());
            continue;
        }
        let rel = rel["x/".len()..].to_owned();
        let written = if meta.is_dir() {
            Written::Dir
        } else if meta.is_file() {
            let mode = meta.permissions().mode() & 0o7777;
            assert!(mode == 0o644 || mode == 0o755, "{rel} has mode {mode:o}");
            Written::File {
                contents: std::fs::read(item.path()).expect("read back"),
                executable: mode == 0o755,
            }
        } else {
            panic!("the extraction made something that is neither a file nor a directory: {rel}");
        };
        found.insert(rel, written);
    }
    assert_eq!(
        found, expected,
        "the extractor wrote something other than the validator's entries"
    );
});
