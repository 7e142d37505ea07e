//! The `.osops` archive: a gzip'd tar whose entries all sit under `NAME-VERSION/`.
//!
//! [`pack`] makes one deterministically (sorted, fixed mtime, uid/gid 0, modes 0644/0755), so the
//! same sources always give the same sha256. [`read`] is the ONE validator: the registry runs it on
//! every upload and the CLI on every download. It walks the tar stream once, enforcing [`Limits`] with
//! bounded memory, rejecting every hostile case of SECURITY-TESTS.md 1–10, and returns the accepted
//! entries in memory; [`Archive::extract_to`] writes exactly those entries and nothing else, so the
//! extractor can never see an entry the validator did not.

mod bounded;
mod extract;
mod limits;
mod pack;
mod paths;
mod read;
mod records;
mod tree;
mod types;

pub use limits::Limits;
pub use pack::{PackError, is_executable, pack, package_files};
pub use read::read;
pub use types::{Archive, ArchiveError, Entry, EntryData};

/// Every entry's mtime: 2000-01-01T00:00:00Z, so packing is reproducible and archives are not
/// dated in 1970 by tools that treat 0 as "unset".
pub const FIXED_MTIME: u64 = 946_684_800;

/// The file name of an archive: `NAME-VERSION.osops`.
pub fn file_name(name: &crate::AssetName, version: &semver::Version) -> String {
    format!("{name}-{version}.osops")
}
