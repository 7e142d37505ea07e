//! [`Limits`]: the bounds every archive must stay within, on publish and on install alike.

/// The bounds every archive must stay within, on publish and on install alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the compressed archive (the upload / download).
    pub max_compressed: u64,
    /// Sum of the sizes of all files once unpacked.
    pub max_unpacked: u64,
    /// Number of entries (files and directories).
    pub max_entries: usize,
    /// Length in bytes of a path, including the `NAME-VERSION/` prefix.
    pub max_path_len: usize,
    /// Unpacked bytes per compressed byte, checked as the stream is read (bomb guard).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_compressed: 10 * 1024 * 1024,
            max_unpacked: 100 * 1024 * 1024,
            max_entries: 10_000,
            max_path_len: 255,
            max_ratio: 200,
        }
    }
}

/// Tar bytes allowed per entry on top of its contents: its header, padding to 512 bytes, and a
/// GNU long-name record or PAX header (which may carry xattrs from macOS or Linux `tar`).
const OVERHEAD_PER_ENTRY: u64 = 4 * 1024;
/// Tar bytes allowed once per archive: the end-of-archive blocks, which GNU tar pads to a
/// 10 KiB record, and slack for a global PAX header (`git archive` writes one).
const OVERHEAD_PER_ARCHIVE: u64 = 1024 * 1024;
/// The compressed size the ratio is taken against is at least this, so tiny archives (a few
/// hundred bytes of gzip around mostly-zero tar headers) are not mistaken for bombs.
const RATIO_FLOOR: u64 = 1024;

impl Limits {
    /// Most decompressed bytes the tar stream may have: the files' bytes plus tar's own overhead.
    /// This is what bounds memory and time for records the tar crate buffers itself (PAX
    /// headers, GNU long names) before we see the entry.
    pub(crate) fn max_stream(&self) -> u64 {
        let overhead = OVERHEAD_PER_ENTRY
            .saturating_mul(self.max_entries as u64)
            .saturating_add(OVERHEAD_PER_ARCHIVE);
        self.max_unpacked.saturating_add(overhead)
    }

    /// Most decompressed bytes allowed for an archive of `compressed` bytes by the ratio.
    pub(crate) fn max_by_ratio(&self, compressed: u64) -> u64 {
        self.max_ratio.saturating_mul(compressed.max(RATIO_FLOOR))
    }
}
