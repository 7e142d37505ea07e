//! [`Records`]: follows the tar stream's headers as the bytes go by, to stop an oversized PAX
//! header or GNU long-name record before the tar crate reads it.
//!
//! The tar crate reads such a record whole into memory before it yields the entry it describes,
//! so the entry-level checks come too late: a record claiming gigabytes (a gzip bomb in a PAX
//! header) would be buffered up to the stream limit, and a growing buffer costs up to twice that
//! in memory. Watching the headers in the byte stream lets [`super::bounded::Bounded`] refuse a
//! record by its declared size, from its header alone.
//!
//! The walk trusts each header's ustar size to find the next header. Where a PAX record gives an
//! entry another size, the two walks part ways, but the validator refuses such an archive anyway
//! (the PAX and ustar sizes must agree); on the way the watcher can only refuse, never accept.

/// Header bytes.
const BLOCK: usize = 512;
/// Where a header keeps its size (12 bytes) and its type flag.
const SIZE: std::ops::Range<usize> = 124..136;
const TYPEFLAG: usize = 156;
/// The type flags of records that describe the next entry or the whole archive: PAX extended
/// (`x`) and global (`g`) headers, GNU long names (`L`) and long link names (`K`).
const RECORD_TYPES: &[u8] = b"xgLK";

/// The largest record accepted: far above any path the path rules let through and the few
/// attributes macOS or Linux `tar` write, far below anything that costs memory.
pub(super) const MAX_RECORD: u64 = 64 * 1024;

#[derive(Debug)]
pub(super) struct Records {
    /// Bytes of the tar stream seen so far.
    seen: u64,
    /// Where the next header starts; `u64::MAX` once a header cannot be read (the tar crate
    /// reports that itself).
    next_header: u64,
    header: [u8; BLOCK],
    filled: usize,
}

impl Default for Records {
    fn default() -> Self {
        Records {
            seen: 0,
            next_header: 0,
            header: [0; BLOCK],
            filled: 0,
        }
    }
}

impl Records {
    /// Follows `bytes`, the next bytes of the stream; `Err(size)` when a header declares a record
    /// of more than [`MAX_RECORD`] bytes.
    pub(super) fn observe(&mut self, mut bytes: &[u8]) -> Result<(), u64> {
        while !bytes.is_empty() {
            let at = self.seen + self.filled as u64;
            if at < self.next_header {
                let skip = usize::try_from(self.next_header - at)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                self.seen += skip as u64;
                bytes = &bytes[skip..];
                continue;
            }
            let take = (BLOCK - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled == BLOCK {
                self.seen += BLOCK as u64;
                self.filled = 0;
                self.header_read()?;
            }
        }
        Ok(())
    }

    /// A whole header is in `self.header`, and `seen` is just past it.
    fn header_read(&mut self) -> Result<(), u64> {
        let Some(size) = entry_size(&self.header[SIZE]) else {
            self.next_header = u64::MAX;
            return Ok(());
        };
        if RECORD_TYPES.contains(&self.header[TYPEFLAG]) && size > MAX_RECORD {
            return Err(size);
        }
        // An all-zero block (the end marker) has size 0: the next block is read as a header too.
        let padded = size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64);
        self.next_header = self.seen.saturating_add(padded);
        Ok(())
    }
}

/// A header's size field: octal digits (space or NUL padded), or base-256 when the first byte's
/// high bit is set, as GNU tar writes sizes of 8 GiB and more.
fn entry_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut size: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            size = size.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(size);
    }
    let digits = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ' || *b == 0)
        .take_while(|b| (b'0'..=b'7').contains(b));
    let mut size: u64 = 0;
    let mut any = false;
    for b in digits {
        size = size.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
        any = true;
    }
    // An empty field (as in the zero end blocks) is size 0.
    Some(if any { size } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(typeflag: u8, size: u64) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..4].copy_from_slice(b"name");
        let octal = format!("{size:011o}\0");
        h[SIZE].copy_from_slice(octal.as_bytes());
        h[TYPEFLAG] = typeflag;
        h
    }

    /// A stream of (header, data) entries, fed in chunks of `chunk` bytes.
    fn feed(entries: &[([u8; BLOCK], usize)], chunk: usize) -> Result<(), u64> {
        let mut stream = Vec::new();
        for (h, len) in entries {
            stream.extend_from_slice(h);
            stream.extend(std::iter::repeat_n(b'x', len.div_ceil(BLOCK) * BLOCK));
        }
        stream.extend_from_slice(&[0; 2 * BLOCK]);
        let mut records = Records::default();
        stream.chunks(chunk).try_for_each(|c| records.observe(c))
    }

    #[test]
    fn small_records_and_large_files_pass_in_any_chunking() {
        let entries = [
            (header(b'x', 100), 100),
            (header(b'0', 1 << 20), 1 << 20),
            (header(b'L', 300), 300),
            (header(b'0', 5), 5),
        ];
        for chunk in [1, 7, 512, 513, 8192] {
            assert_eq!(feed(&entries, chunk), Ok(()), "chunks of {chunk}");
        }
    }

    #[test]
    fn an_oversized_record_is_refused_from_its_header_wherever_it_comes() {
        for typeflag in *b"xgLK" {
            let entries = [
                (header(b'0', 1000), 1000),
                (header(typeflag, MAX_RECORD + 1), 0),
            ];
            for chunk in [1, 511, 4096] {
                assert_eq!(feed(&entries, chunk), Err(MAX_RECORD + 1));
            }
        }
    }

    #[test]
    fn sizes_read_as_tar_writes_them() {
        assert_eq!(entry_size(b"00000001000\0"), Some(512));
        assert_eq!(entry_size(b"     1000 \0\0"), Some(512));
        assert_eq!(entry_size(&[0; 12]), Some(0));
        let mut big = [0u8; 12];
        big[0] = 0x80;
        big[7] = 1; // 2^32
        assert_eq!(entry_size(&big), Some(1 << 32));
    }
}
