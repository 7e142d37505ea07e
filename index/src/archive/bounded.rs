//! A reader that counts decompressed bytes and stops the stream at the limits.
//!
//! It sits between the gzip decoder and the tar parser, so everything the tar crate reads —
//! headers, padding, PAX records and GNU long names it buffers on its own, entry data — is
//! counted. When a limit trips it records which one in shared state and fails the read; the
//! validator then reports that limit instead of whatever error the tar crate wrapped around it.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

#[cfg(doc)]
use super::records::MAX_RECORD;
use super::records::Records;

/// Which bound the stream crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tripped {
    /// More than [`super::Limits::max_stream`] bytes.
    Unpacked,
    /// More than the compression ratio allows for this archive's size.
    Ratio,
    /// A PAX or GNU long-name record declaring this many bytes, more than [`MAX_RECORD`].
    Record(u64),
}

/// Shared view of the reader's state, kept by the validator while the tar crate owns the reader.
#[derive(Debug, Clone, Default)]
pub(super) struct Meter {
    tripped: Rc<Cell<Option<Tripped>>>,
}

impl Meter {
    pub(super) fn tripped(&self) -> Option<Tripped> {
        self.tripped.get()
    }
}

pub(super) struct Bounded<R> {
    inner: R,
    read: u64,
    max_stream: u64,
    max_by_ratio: u64,
    meter: Meter,
    records: Records,
}

impl<R: Read> Bounded<R> {
    pub(super) fn new(inner: R, max_stream: u64, max_by_ratio: u64) -> (Self, Meter) {
        let meter = Meter::default();
        (
            Bounded {
                inner,
                read: 0,
                max_stream,
                max_by_ratio,
                meter: meter.clone(),
                records: Records::default(),
            },
            meter,
        )
    }

    pub(super) fn into_inner(self) -> R {
        self.inner
    }

    fn trip(&self, why: Tripped) -> io::Error {
        self.meter.tripped.set(Some(why));
        io::Error::other(format!("archive stream limit reached ({why:?})"))
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(why) = self.meter.tripped() {
            return Err(self.trip(why));
        }
        // Never hand out more than one byte past the tighter limit, so a single large read
        // cannot overshoot it by a buffer's worth before the check below fires.
        let allowed = self
            .max_stream
            .min(self.max_by_ratio)
            .saturating_sub(self.read)
            .saturating_add(1);
        let len = buf
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..len])?;
        self.read += n as u64;
        if self.read > self.max_by_ratio {
            return Err(self.trip(Tripped::Ratio));
        }
        if self.read > self.max_stream {
            return Err(self.trip(Tripped::Unpacked));
        }
        if let Err(size) = self.records.observe(&buf[..n]) {
            return Err(self.trip(Tripped::Record(size)));
        }
        Ok(n)
    }
}
