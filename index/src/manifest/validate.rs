//! The rules for individual manifest values. Each takes the field path and the raw string and
//! returns the typed value or a [`ManifestError`] naming the path, the value and a fix.

use crate::{AssetName, NameError};

use super::ManifestError;

/// Longest description, in characters: one line in a search result.
pub(super) const MAX_DESCRIPTION: usize = 500;
/// Most keywords, and longest keyword.
pub(super) const MAX_KEYWORDS: usize = 10;
const MAX_KEYWORD_LEN: usize = 32;
/// Longest free-text value (license, author) and URL.
const MAX_TEXT: usize = 200;
const MAX_URL: usize = 2048;
/// Longest relative path, matching the archive's default `max_path_len`.
const MAX_PATH: usize = 255;
/// Longest command name.
const MAX_COMMAND: usize = 64;

/// A value as shown inside an error: control characters escaped, long values cut.
pub(crate) fn show(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}

fn err(path: &str, message: String) -> ManifestError {
    ManifestError::new(path.to_owned(), message)
}

/// How the message of a name that is another spelling of a valid one ends.
pub(super) const NOT_CANONICAL: &str = " is not canonical";

/// A name or need id that must be canonical; a foldable spelling gets the canonical one as hint.
pub(crate) fn name(path: &str, what: &str, value: &str) -> Result<AssetName, ManifestError> {
    AssetName::parse(value).map_err(|e| match e {
        NameError::NotCanonical { canonical, .. } => {
            // `ManifestError::canonical_name` reads the canonical form back from these two.
            err(path, format!("{what} `{}`{NOT_CANONICAL}", show(value)))
                .with_hint(format!("use `{canonical}`"))
        }
        other => err(path, other.to_string()).with_hint(
            "names are 2 to 64 characters of a-z, 0-9 and `-`, starting with a letter or digit",
        ),
    })
}

pub(super) fn version(path: &str, value: &str) -> Result<semver::Version, ManifestError> {
    semver::Version::parse(value).map_err(|e| {
        err(
            path,
            format!("`{}` is not a semver version: {e}", show(value)),
        )
        .with_hint("use three numbers like `1.2.0`")
    })
}

/// A dependency requirement; a bare `0.3` means `^0.3`, as in cargo.
pub(super) fn version_req(path: &str, value: &str) -> Result<semver::VersionReq, ManifestError> {
    semver::VersionReq::parse(value).map_err(|e| {
        err(
            path,
            format!("`{}` is not a version requirement: {e}", show(value)),
        )
        .with_hint("use a requirement like `\"0.3\"` (meaning ^0.3) or `\">=1.2, <2\"`")
    })
}

pub(super) fn kind(path: &str, value: &str) -> Result<super::Kind, ManifestError> {
    value.parse().map_err(|_| {
        let all: Vec<_> = super::Kind::ALL.iter().map(|k| k.as_str()).collect();
        let e = err(path, format!("unknown kind `{}`", show(value)));
        match crate::suggest::closest(&value.to_ascii_lowercase(), all.iter().copied()) {
            Some(close) => e.with_hint(format!("did you mean `{close}`?")),
            None => e.with_hint(format!("use one of {}", super::fields::backticked(&all))),
        }
    })
}

pub(super) fn description(path: &str, value: &str) -> Result<(), ManifestError> {
    if value.trim().is_empty() {
        return Err(err(path, "description is empty".into())
            .with_hint("say in one line what the asset does"));
    }
    let len = value.chars().count();
    if len > MAX_DESCRIPTION {
        return Err(err(
            path,
            format!("description is {len} characters long; the limit is {MAX_DESCRIPTION}"),
        )
        .with_hint("keep it to one line; put the details in the README"));
    }
    Ok(())
}

/// Short free text (license, author): non-blank and bounded. Control characters were already
/// rejected for the whole document.
pub(super) fn text(path: &str, value: &str) -> Result<(), ManifestError> {
    if value.trim().is_empty() {
        return Err(
            err(path, "value is empty".into()).with_hint("remove the key or give it a value")
        );
    }
    if value.chars().count() > MAX_TEXT {
        return Err(err(
            path,
            format!("`{}` is longer than {MAX_TEXT} characters", show(value)),
        ));
    }
    Ok(())
}

pub(super) fn license(path: &str, value: &str) -> Result<(), ManifestError> {
    text(path, value)?;
    let ok = |c: char| c.is_ascii_alphanumeric() || " .+-()".contains(c);
    match value.chars().find(|&c| !ok(c)) {
        None => Ok(()),
        Some(c) => Err(err(
            path,
            format!(
                "license `{}` contains `{c}`, which no SPDX expression has",
                show(value)
            ),
        )
        .with_hint("use an SPDX expression like `Apache-2.0` or `MIT OR Apache-2.0`")),
    }
}

/// An http(s) URL that is safe to put in a link and a header: ASCII, no whitespace or quotes.
/// Anything else (`javascript:`, `data:`, `file:`) is refused rather than sanitised later.
pub(crate) fn url(path: &str, value: &str) -> Result<(), ManifestError> {
    let hint =
        "use an `https://` (or `http://`) URL, percent-encoding spaces and non-ASCII characters";
    let lower = value.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err(err(path, format!("`{}` is not an http(s) URL", show(value))).with_hint(hint));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(err(path, format!("URL `{}` has no host", show(value))).with_hint(hint));
    }
    if value.len() > MAX_URL {
        return Err(err(
            path,
            format!("URL `{}` is longer than {MAX_URL} characters", show(value)),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !c.is_ascii_graphic() || "\"<>\\^`{|}".contains(c))
    {
        return Err(err(
            path,
            format!("URL `{}` contains `{}`", show(value), c.escape_debug()),
        )
        .with_hint(hint));
    }
    Ok(())
}

/// A path inside the asset: relative, `/`-separated, staying inside (no `..`, no absolute, no
/// drive, no backslash), and not using the names the client reserves (`.osops*`).
pub(super) fn rel_path(path: &str, value: &str) -> Result<(), ManifestError> {
    let bad = |why: &str| {
        Err(
            err(path, format!("path `{}` {why}", show(value))).with_hint(
                "use a relative path inside the asset with `/` separators, like `bin/run.sh`",
            ),
        )
    };
    if value.is_empty() {
        return bad("is empty");
    }
    if value.len() > MAX_PATH {
        return bad(&format!("is longer than {MAX_PATH} bytes"));
    }
    if value.contains('\\') {
        return bad("contains a backslash");
    }
    if value.starts_with('/') {
        return bad("is absolute");
    }
    if has_drive_prefix(value) {
        return bad("starts with a drive letter");
    }
    for component in value.split('/') {
        match component {
            "" => return bad("has an empty component (`//` or a trailing `/`)"),
            "." => return bad("has a `.` component"),
            ".." => return bad("has a `..` component and could leave the asset"),
            c if c.to_ascii_lowercase().starts_with(".osops") => {
                return bad("uses a name beginning with `.osops`, which osops reserves");
            }
            _ => {}
        }
    }
    Ok(())
}

/// `C:` at the start of a path: absolute on Windows.
pub(crate) fn has_drive_prefix(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// An `include` glob: a relative path (a trailing `/` allowed) that compiles as a pattern.
pub(super) fn include_pattern(path: &str, value: &str) -> Result<(), ManifestError> {
    rel_path(path, value.strip_suffix('/').unwrap_or(value))?;
    glob::Pattern::new(value).map(|_| ()).map_err(|e| {
        err(
            path,
            format!("`{}` is not a valid glob pattern: {e}", show(value)),
        )
        .with_hint("use patterns like `bin/**` or `*.yml`")
    })
}

/// A command name (an entry point linked into `bin/`, or a command required on PATH).
pub(super) fn command(path: &str, value: &str) -> Result<(), ManifestError> {
    let hint =
        "command names use letters, digits, `.`, `_` and `-`, and do not start with `.` or `-`";
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if value.is_empty() || value.len() > MAX_COMMAND {
        return Err(err(
            path,
            format!(
                "command name `{}` must be 1 to {MAX_COMMAND} characters",
                show(value)
            ),
        )
        .with_hint(hint));
    }
    if let Some(c) = value.chars().find(|&c| !ok_char(c)) {
        return Err(err(
            path,
            format!(
                "command name `{}` contains `{}`",
                show(value),
                c.escape_debug()
            ),
        )
        .with_hint(hint));
    }
    if value.starts_with(['.', '-']) {
        return Err(err(
            path,
            format!(
                "command name `{}` starts with `{}`",
                show(value),
                &value[..1]
            ),
        )
        .with_hint(hint));
    }
    Ok(())
}

pub(super) fn keyword(path: &str, value: &str) -> Result<(), ManifestError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_KEYWORD_LEN
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(err(
            path,
            format!(
                "keyword `{}` is not 1 to {MAX_KEYWORD_LEN} characters of a-z, 0-9 and `-`",
                show(value)
            ),
        )
        .with_hint("use short lowercase words like `maintenance`"))
    }
}

/// A service from [`crate::openstack::SERVICES`], returned in its canonical spelling.
pub(crate) fn service(path: &str, value: &str) -> Result<String, ManifestError> {
    if let Some(s) = crate::openstack::find_service(value) {
        return Ok(s.to_owned());
    }
    let e = err(path, format!("unknown service `{}`", show(value)));
    Err(match crate::openstack::suggest_service(value) {
        Some(close) => e.with_hint(format!("did you mean `{close}`?")),
        None => e.with_hint(
            "use an OpenStack project name such as `nova`, `neutron`, `cinder` or `kolla-ansible`, \
             or infrastructure such as `rabbitmq` or `galera` (the full list is `osops_index::openstack::SERVICES`)",
        ),
    })
}

/// Rejects the second occurrence of a value in a list (`services`, `keywords`, …).
pub(crate) fn no_duplicates<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), ManifestError> {
    let mut seen = std::collections::HashSet::new();
    for (path, value) in items {
        if !seen.insert(value) {
            return Err(err(path, format!("`{}` is listed twice", show(value)))
                .with_hint("remove the duplicate"));
        }
    }
    Ok(())
}
