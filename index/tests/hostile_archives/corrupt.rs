//! Case 9: corrupt, truncated or padded-out archives.

use super::*;

// --- 9. Corruption ----------------------------------------------------------------------------

#[test]
fn rejects_truncated_gzip() {
    let bytes = baseline().file(&p("README.md"), &[b'r'; 4096]).gz();
    let err = rejected(bytes[..bytes.len() / 2].to_vec());
    assert!(matches!(err, ArchiveError::Corrupt(_)), "{err:?}");
}

#[test]
fn rejects_bad_header_checksum() {
    let mut h = Header::new(p("README.md"), b'0', 2);
    h.checksum_error = 1;
    let err = rejected(baseline().entry(&h, b"hi").gz());
    assert!(
        matches!(&err, ArchiveError::Corrupt(m) if m.contains("checksum")),
        "{err:?}"
    );
}

#[test]
fn rejects_header_size_larger_than_data() {
    // The header claims 4 KiB; the archive ends (cleanly, gzip-wise) after 2 bytes.
    let tar = baseline()
        .raw(&Header::new(p("README.md"), b'0', 4096).to_bytes())
        .raw(b"hi");
    let err = rejected(gzip(&tar.bytes));
    assert!(
        matches!(&err, ArchiveError::Corrupt(m) if m.contains("truncated")),
        "{err:?}"
    );
}

#[test]
fn rejects_data_after_end_of_archive_marker() {
    // `tar --ignore-zeros` would find this entry; we must not pretend it is not there.
    let mut tar = baseline().finish();
    tar.extend_from_slice(&Tar::new().file(&p("hidden.sh"), b"evil").bytes);
    let err = rejected(gzip(&tar));
    assert!(
        matches!(&err, ArchiveError::Corrupt(m) if m.contains("end-of-archive")),
        "{err:?}"
    );
}

#[test]
fn rejects_bytes_after_gzip_stream() {
    let mut bytes = baseline().gz();
    bytes.extend_from_slice(&gzip(&Tar::new().file(&p("hidden.sh"), b"evil").finish()));
    let err = rejected(bytes);
    assert!(
        matches!(&err, ArchiveError::Corrupt(m) if m.contains("follow the end of the gzip")),
        "{err:?}"
    );
}

#[test]
fn random_corruption_never_panics() {
    // Flip bytes in the tar stream (then gzip it, so the damage reaches the tar parser) and in
    // the gzip stream itself: every outcome must be a verdict, never a panic.
    let tar = baseline().file(&p("README.md"), b"# hi\n").finish();
    let gz = gzip(&tar);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..400 {
        let mut t = tar.clone();
        for _ in 0..1 + next() % 4 {
            let i = (next() % t.len() as u64) as usize;
            t[i] = next() as u8;
        }
        let _ = read(&gzip(&t), &limits());
        let mut g = gz.clone();
        let i = (next() % g.len() as u64) as usize;
        g[i] ^= 1 << (next() % 8);
        let _ = read(&g, &limits());
    }
}
