//! The path rules every archive entry must follow, shared by the validator and the packer so
//! that what packs also publishes.
//!
//! Paths are checked as raw bytes from the tar header (after the tar crate has applied a GNU
//! long name or PAX `path`), never through `std::path::Path`, which would silently drop a
//! trailing `/` or a `.` component and hide what another tool would see.

use unicode_normalization::UnicodeNormalization;

/// The reserved prefix for the client's own files (completion marker, receipt) inside an
/// installed asset; an archive carrying such a name could forge them (cargo CVE-2022-36113).
pub(crate) const RESERVED_PREFIX: &str = ".osops";

/// Checks one entry's full path (with its `NAME-VERSION/` prefix) and returns it as a string
/// without a directory's trailing `/`. The error is the rule broken, for [`super::ArchiveError::BadEntry`].
pub(crate) fn check(raw: &[u8], is_dir: bool, max_len: usize) -> Result<String, String> {
    if raw.is_empty() {
        return Err("has an empty name".into());
    }
    let path = std::str::from_utf8(raw).map_err(|_| "is not valid UTF-8".to_owned())?;
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(format!(
            "contains the control character `{}`",
            c.escape_unicode()
        ));
    }
    if path.contains('\\') {
        return Err("contains a backslash (a Windows path separator)".into());
    }
    if path.starts_with('/') {
        return Err("is an absolute path".into());
    }
    if crate::manifest::has_drive_prefix(path) {
        return Err("starts with a Windows drive letter".into());
    }
    let path = match path.strip_suffix('/') {
        Some(stripped) if is_dir => stripped,
        Some(_) => return Err("is a file but its name ends with `/`".into()),
        None => path,
    };
    if path.len() > max_len {
        return Err(format!(
            "is {} bytes long; the limit is {max_len}",
            path.len()
        ));
    }
    for component in path.split('/') {
        match component {
            "" => return Err("has an empty path component (`//` or a leading `/`)".into()),
            "." => return Err("has a `.` component".into()),
            ".." => return Err("has a `..` component (path traversal)".into()),
            c if is_reserved(c) => {
                return Err(format!(
                    "uses a name beginning with `{RESERVED_PREFIX}`, which osops reserves for its own files"
                ));
            }
            _ => {}
        }
    }
    Ok(path.to_owned())
}

/// Case-insensitive, so `.OSOPS-complete` cannot stand in for the marker on macOS or Windows.
pub(crate) fn is_reserved(component: &str) -> bool {
    component.len() >= RESERVED_PREFIX.len()
        && component.as_bytes()[..RESERVED_PREFIX.len()]
            .eq_ignore_ascii_case(RESERVED_PREFIX.as_bytes())
}

/// The key two paths collide on when a filesystem ignores case or Unicode normalisation
/// (macOS, Windows): NFC, lower-cased, NFC again (lower-casing can denormalise).
pub(crate) fn fold(path: &str) -> String {
    let lowered: String = path.nfc().collect::<String>().to_lowercase();
    lowered.nfc().collect()
}

/// A path as shown in an error: lossy UTF-8, control characters escaped, long ones cut.
pub(crate) fn show(raw: &[u8]) -> String {
    let escaped: String = String::from_utf8_lossy(raw)
        .chars()
        .flat_map(char::escape_debug)
        .collect();
    match escaped.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}
