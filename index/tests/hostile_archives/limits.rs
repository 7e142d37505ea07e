//! Case 7: bombs and endless data, stopped at the limits with bounded memory and time.

use super::*;

// --- 7. Bombs and endless data ----------------------------------------------------------------

#[test]
fn rejects_gzip_bomb_with_bounded_memory() {
    // A PAX header claiming 16 MiB of records: the tar crate buffers PAX data whole before
    // handing over the entry, so the record is refused from its header, before a byte of it is
    // buffered. The zeros compress to a few KiB.
    let mut tar = baseline()
        .entry(&Header::new("PaxHeaders/bomb", b'x', 16 << 20), &[])
        .finish();
    tar.resize(tar.len() + (16 << 20), 0);
    let bomb = gzip(&tar);
    assert!(bomb.len() < 32 * 1024, "bomb is {} bytes", bomb.len());
    let err = rejected(bomb);
    assert!(
        matches!(err, ArchiveError::RecordTooLarge { size, .. } if size == 16 << 20),
        "{err:?}"
    );
}

#[test]
fn a_bomb_in_file_data_stops_at_the_stream_limit() {
    // Without records, only the counting reader under the tar crate stops a bomb.
    let mut h = Header::new(p("zeros.bin"), b'0', 16 << 20);
    h.mode = 0o644;
    let mut tar = baseline().entry(&h, &[]).finish();
    tar.resize(tar.len() + (16 << 20), 0);
    let err = rejected(gzip(&tar));
    assert!(
        matches!(
            err,
            ArchiveError::UnpackedTooLarge { .. } | ArchiveError::Ratio { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn rejects_file_larger_than_unpacked_limit_before_reading_it() {
    let mut h = Header::new(p("big.bin"), b'0', 1 << 20);
    h.mode = 0o644;
    // Only the header: if the limit were checked after reading, this would be "truncated".
    let tar = baseline().entry(&h, &[]).finish();
    assert!(
        matches!(rejected(gzip(&tar)), ArchiveError::UnpackedTooLarge { limit } if limit == limits().max_unpacked)
    );
}

#[test]
fn rejects_compression_ratio_over_limit() {
    // 200 KiB of zeros fits the unpacked limit but compresses ~1000:1, over the 200:1 allowed.
    let tar = baseline()
        .file(&p("zeros.bin"), &vec![0u8; 200 * 1024])
        .gz();
    assert!(matches!(rejected(tar), ArchiveError::Ratio { limit: 200 }));
}

#[test]
fn rejects_compressed_size_over_limit() {
    let bytes = vec![0u8; limits().max_compressed as usize + 1];
    assert!(matches!(rejected(bytes), ArchiveError::TooLarge { .. }));
}

#[test]
fn rejects_too_many_entries() {
    let mut tar = baseline();
    for i in 0..2_000 {
        tar = tar.file(&p(&format!("e{i}")), b"");
    }
    assert!(matches!(
        rejected(tar.gz()),
        ArchiveError::TooManyEntries { limit: 100 }
    ));
}

#[test]
fn rejects_10k_path() {
    let long = p(&"a/".repeat(5 * 1024)) + "x";
    let tar = baseline()
        .pax(&[("path", long.as_bytes())])
        .file(&p("short"), b"x");
    let (_, reason) = bad_entry(rejected(tar.gz()));
    assert!(reason.contains("the limit is 255"), "{reason}");
}

#[test]
fn rejects_1mib_gnu_long_name_from_its_header() {
    let long = p(&"a".repeat(1 << 20));
    let tar = baseline()
        .gnu_long_name(long.as_bytes())
        .file(&p("short"), b"x");
    // 1 MiB of `a` compresses 1000:1; lift the ratio so the record rule is what answers.
    let refused = rejected_with(
        tar.gz(),
        &Limits {
            max_ratio: 100_000,
            ..limits()
        },
    );
    assert!(
        matches!(refused, ArchiveError::RecordTooLarge { size, limit: 65_536 } if size == long.len() as u64 + 1),
        "{refused:?}"
    );
}

#[test]
fn rejects_an_oversized_pax_header_before_buffering_it() {
    // A gzip bomb inside a PAX record: the tar crate would read it whole into memory.
    let tar = baseline()
        .pax(&[("comment", &vec![b'z'; 200_000])])
        .file(&p("short"), b"x");
    let refused = rejected_with(
        tar.gz(),
        &Limits {
            max_ratio: 100_000,
            ..limits()
        },
    );
    assert!(
        matches!(refused, ArchiveError::RecordTooLarge { limit: 65_536, .. }),
        "{refused:?}"
    );
    assert!(
        refused
            .to_string()
            .contains("PAX header or GNU long-name record")
    );
}

#[test]
fn a_long_name_under_the_record_limit_is_refused_by_the_path_rule() {
    let long = p(&"a".repeat(10 * 1024));
    let tar = baseline()
        .gnu_long_name(long.as_bytes())
        .file(&p("short"), b"x");
    let (path, reason) = bad_entry(rejected_with(
        tar.gz(),
        &Limits {
            max_ratio: 100_000,
            ..limits()
        },
    ));
    assert!(
        path.ends_with('…') && path.len() < 1024,
        "error path is cut: {}",
        path.len()
    );
    assert!(reason.contains("the limit is 255"), "{reason}");
}

#[test]
fn rejects_pax_size_disagreeing_with_header() {
    // ustar says 4 bytes, PAX says 516: tools disagree on where the next header starts.
    let smuggled = baseline().file(&p("hidden.sh"), b"evil").bytes;
    let mut data = b"good".to_vec();
    data.resize(512, 0);
    data.extend_from_slice(&smuggled[smuggled.len() - 1024..smuggled.len() - 512]);
    let tar = baseline()
        .pax(&[("size", b"516")])
        .entry(&Header::new(p("readme.txt"), b'0', 4), &data);
    assert_bad_entry(
        rejected(tar.gz()),
        &p("readme.txt"),
        "PAX size 516 disagrees with the header size 4",
    );
}
