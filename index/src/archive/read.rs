//! [`read`]: THE archive validator, run by the registry on publish and by the CLI on install.
//!
//! One pass over the stream: gzip → [`Bounded`] (counts every decompressed byte) → the tar crate,
//! which parses headers and folds GNU long names and PAX records into the entry they describe.
//! For each entry we check the type, the path ([`super::paths`]), the `NAME-VERSION/` prefix,
//! collisions ([`Tree`]), PAX/ustar size agreement, and the limits; accepted entries are kept in
//! memory so [`Archive::extract_to`] can only ever write what was checked here. After the tar
//! end marker the rest of the stream must be zeros and the gzip stream must end cleanly (its CRC
//! is verified), so no tool reading further can find entries we did not.

use std::io::{self, Read};

use super::Limits;
use super::bounded::{Bounded, Meter, Tripped};
use super::paths;
use super::tree::Tree;
use super::types::find_file;
use super::{Archive, ArchiveError, Entry, EntryData};
use crate::manifest::MANIFEST_FILE;
use crate::{Manifest, ManifestError};

/// Validates the bytes of an archive: THE validator, for publish and install alike.
pub fn read(bytes: &[u8], limits: &super::Limits) -> Result<Archive, ArchiveError> {
    let compressed_size = bytes.len() as u64;
    if compressed_size > limits.max_compressed {
        return Err(ArchiveError::TooLarge {
            size: compressed_size,
            limit: limits.max_compressed,
        });
    }
    let gzip = flate2::bufread::GzDecoder::new(bytes);
    let (stream, meter) = Bounded::new(
        gzip,
        limits.max_stream(),
        limits.max_by_ratio(compressed_size),
    );
    let mut tar = tar::Archive::new(stream);
    let mut walk = Walk {
        limits,
        prefix: None,
        entries: Vec::new(),
        tree: Tree::default(),
        count: 0,
        unpacked: 0,
    };
    walk.all(&mut tar).map_err(|e| e.resolve(&meter, limits))?;

    let mut stream = tar.into_inner();
    expect_zeros(&mut stream).map_err(|e| e.resolve(&meter, limits))?;
    let rest = stream.into_inner().into_inner();
    if !rest.is_empty() {
        return Err(ArchiveError::Corrupt(format!(
            "{} bytes follow the end of the gzip stream",
            rest.len()
        )));
    }
    walk.finish(crate::sha256_hex(bytes), compressed_size)
}

/// An error while the stream was being read: either a real verdict, or an I/O error that may
/// only be the tar crate's wrapping of a limit the [`Bounded`] reader tripped.
enum Failure {
    Verdict(ArchiveError),
    Io(io::Error),
}

impl From<ArchiveError> for Failure {
    fn from(e: ArchiveError) -> Self {
        Failure::Verdict(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl Failure {
    fn resolve(self, meter: &Meter, limits: &Limits) -> ArchiveError {
        match (meter.tripped(), self) {
            (Some(Tripped::Unpacked), _) => ArchiveError::UnpackedTooLarge {
                limit: limits.max_unpacked,
            },
            (Some(Tripped::Ratio), _) => ArchiveError::Ratio {
                limit: limits.max_ratio,
            },
            (Some(Tripped::Record(size)), _) => ArchiveError::RecordTooLarge {
                size,
                limit: super::records::MAX_RECORD,
            },
            (None, Failure::Verdict(e)) => e,
            (None, Failure::Io(e)) => ArchiveError::Corrupt(e.to_string()),
        }
    }
}

/// After the end-of-archive block, only zero padding may remain; reading it to the end also makes
/// the gzip decoder check the stream's length and CRC.
fn expect_zeros(stream: &mut impl Read) -> Result<(), Failure> {
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Err(
                ArchiveError::Corrupt("data follows the tar end-of-archive marker".into()).into(),
            );
        }
    }
}

/// What an entry's type flag makes it.
enum Kind {
    File,
    Dir,
    /// A PAX global header: metadata for the whole archive (`git archive` writes one); nothing
    /// to extract and nothing we honour.
    Ignored,
}

struct Walk<'a> {
    limits: &'a Limits,
    /// The `NAME-VERSION` top directory, fixed by the first entry.
    prefix: Option<String>,
    entries: Vec<Entry>,
    tree: Tree,
    count: usize,
    unpacked: u64,
}

impl Walk<'_> {
    fn all<R: Read>(&mut self, tar: &mut tar::Archive<R>) -> Result<(), Failure> {
        for entry in tar.entries()? {
            self.one(entry?)?;
        }
        Ok(())
    }

    fn one<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<(), Failure> {
        // Counted before anything is buffered, so a million empty entries stop at the limit.
        self.count += 1;
        if self.count > self.limits.max_entries {
            return Err(ArchiveError::TooManyEntries {
                limit: self.limits.max_entries,
            }
            .into());
        }
        let raw = entry.path_bytes().into_owned();
        let bad = |reason: String| ArchiveError::BadEntry {
            path: paths::show(&raw),
            reason,
        };
        let kind = match classify(&entry) {
            Ok(Kind::Ignored) => return Ok(()),
            Ok(kind) => kind,
            Err(reason) => return Err(bad(reason).into()),
        };
        let is_dir = matches!(kind, Kind::Dir);
        let path = paths::check(&raw, is_dir, self.limits.max_path_len).map_err(bad)?;

        // The tar crate lets a PAX `size` override the header's; other tools may not, so a
        // disagreement would let two tools see two different archives.
        let header_size = entry.header().entry_size()?;
        if entry.size() != header_size {
            let reason = format!(
                "PAX size {} disagrees with the header size {header_size}",
                entry.size()
            );
            return Err(bad(reason).into());
        }

        let rel = self.under_prefix(&path, is_dir).map_err(bad)?;
        self.tree.add(&path, is_dir).map_err(bad)?;
        let Some(rel) = rel else { return Ok(()) };
        let data = if is_dir {
            if header_size != 0 {
                return Err(bad(format!(
                    "is a directory but carries {header_size} bytes of data"
                ))
                .into());
            }
            EntryData::Dir
        } else {
            let executable = entry.header().mode()? & 0o111 != 0;
            EntryData::File {
                contents: self.contents(&mut entry, &path, header_size)?,
                executable,
            }
        };
        self.entries.push(Entry { path: rel, data });
        Ok(())
    }

    /// Checks `path` sits under the archive's one top directory and returns it without that
    /// prefix; `None` for the top directory's own entry.
    fn under_prefix(&mut self, path: &str, is_dir: bool) -> Result<Option<String>, String> {
        let (top, rest) = match path.split_once('/') {
            Some((top, rest)) => (top, Some(rest)),
            None if is_dir => (path, None),
            None => return Err("is not inside a `NAME-VERSION/` directory".into()),
        };
        match &self.prefix {
            None => self.prefix = Some(top.to_owned()),
            Some(prefix) if prefix != top => {
                return Err(format!(
                    "is outside `{prefix}/`, the directory every entry must be under"
                ));
            }
            Some(_) => {}
        }
        Ok(rest.map(str::to_owned))
    }

    /// Reads a file's data, charging it to the unpacked budget before reading a byte of it.
    fn contents<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        path: &str,
        size: u64,
    ) -> Result<Vec<u8>, Failure> {
        if size > self.limits.max_unpacked - self.unpacked {
            return Err(ArchiveError::UnpackedTooLarge {
                limit: self.limits.max_unpacked,
            }
            .into());
        }
        self.unpacked += size;
        // Grow as data arrives rather than trusting the header for the allocation.
        let mut contents = Vec::with_capacity(size.min(64 * 1024) as usize);
        entry.take(size).read_to_end(&mut contents)?;
        if (contents.len() as u64) < size {
            return Err(ArchiveError::Corrupt(format!(
                "entry `{path}` is truncated: its header says {size} bytes, the archive holds {}",
                contents.len()
            ))
            .into());
        }
        Ok(contents)
    }

    /// The manifest, then everything that needs it: the prefix and the files it names.
    fn finish(
        self,
        sha256: crate::Sha256Hex,
        compressed_size: u64,
    ) -> Result<Archive, ArchiveError> {
        let prefix = self.prefix.unwrap_or_else(|| "NAME-VERSION".into());
        let file = |path: &str| find_file(&self.entries, path);
        let text = file(MANIFEST_FILE).ok_or_else(|| ArchiveError::NoManifest(prefix.clone()))?;
        let text = std::str::from_utf8(text).map_err(|_| {
            ArchiveError::Manifest(ManifestError::new(
                String::new(),
                format!("`{MANIFEST_FILE}` is not UTF-8"),
            ))
        })?;
        let manifest = Manifest::from_toml_str(text).map_err(ArchiveError::Manifest)?;
        let expected = manifest.archive_stem();
        if expected != prefix {
            return Err(ArchiveError::WrongPrefix {
                expected,
                found: prefix,
            });
        }
        // Whatever the manifest points at must be here, or install would link a missing file.
        let named = manifest
            .entrypoints
            .bin
            .iter()
            .map(|(cmd, path)| (format!("entrypoints.bin.{cmd}"), path))
            .chain(
                manifest
                    .entrypoints
                    .playbook
                    .iter()
                    .map(|p| ("entrypoints.playbook".to_owned(), p)),
            )
            .chain(
                manifest
                    .asset
                    .readme
                    .iter()
                    .map(|p| ("asset.readme".to_owned(), p)),
            );
        for (field, path) in named {
            if file(path).is_none() {
                return Err(ArchiveError::BadEntry {
                    path: format!("{prefix}/{path}"),
                    reason: format!(
                        "is named by `{field}` in the manifest but is not a file in the archive"
                    ),
                });
            }
        }
        Ok(Archive {
            manifest,
            entries: self.entries,
            sha256,
            compressed_size,
        })
    }
}

/// Regular files and directories only. Everything else is named, so the publisher knows what to
/// remove: links could point outside the install, devices and FIFOs have no business in an asset,
/// and sparse or unknown types are read differently by different tools.
fn classify<R: Read>(entry: &tar::Entry<'_, R>) -> Result<Kind, String> {
    use tar::EntryType as T;
    let target = || {
        entry
            .link_name_bytes()
            .map(|t| paths::show(&t))
            .unwrap_or_default()
    };
    let what = match entry.header().entry_type() {
        T::Regular => return Ok(Kind::File),
        T::Directory => return Ok(Kind::Dir),
        T::XGlobalHeader => return Ok(Kind::Ignored),
        T::Symlink => format!("is a symbolic link (to `{}`)", target()),
        T::Link => format!("is a hard link (to `{}`)", target()),
        T::Char => "is a character device".to_owned(),
        T::Block => "is a block device".to_owned(),
        T::Fifo => "is a FIFO (named pipe)".to_owned(),
        T::GNUSparse => "is a GNU sparse file".to_owned(),
        other => format!(
            "has the unsupported entry type `{}`",
            (other.as_byte() as char).escape_default()
        ),
    };
    Err(format!(
        "{what}; archives hold only regular files and directories"
    ))
}
