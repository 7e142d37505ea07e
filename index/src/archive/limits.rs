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
