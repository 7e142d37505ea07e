//! `osops import --publish`: each publishable asset is staged (its files copied from the
//! repository into a temporary directory, laid out as `include` says, with the overlay's
//! manifest) and then goes through exactly what `osops publish DIR` does: [`crate::package`]
//! packs and validates it, [`Client::publish`] uploads it.
//!
//! Assets with a blocking flag are not attempted; the report says which flag. Entry points are
//! staged executable, so a script that lacked the bit in the repository still runs once installed.

use std::path::Path;

use crate::client::{Client, Reporter};
use crate::package;

use super::{Error, Proposed};

/// What happened to one asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublishResult {
    pub name: String,
    pub version: String,
    /// `published`, `already-published` (same bytes were there), `not-attempted` (blocking
    /// flags) or `failed`.
    pub outcome: &'static str,
    /// Why it was not published, for `not-attempted` and `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cksum: Option<String>,
}

/// Publishes one asset (or says why not).
pub fn publish_one(
    p: &Proposed,
    source: &Path,
    overlay: &Path,
    client: &Client,
    reporter: &dyn Reporter,
) -> PublishResult {
    let result = |outcome, reason: Option<String>, cksum| PublishResult {
        name: p.name.clone(),
        version: p.version.clone(),
        outcome,
        reason,
        cksum,
    };
    if !p.publishable {
        let flags: Vec<&str> = p
            .flags
            .iter()
            .filter(|f| f.blocking)
            .map(|f| f.flag)
            .collect();
        return result(
            "not-attempted",
            Some(format!("needs a human: {}", flags.join(", "))),
            None,
        );
    }
    let attempt = || -> anyhow::Result<(bool, String)> {
        let staging = tempfile::Builder::new().prefix("osops-import-").tempdir()?;
        stage(p, source, &overlay.join(&p.manifest), staging.path())?;
        let packaged = package::package(staging.path())?;
        let published = client.publish(&packaged.bytes, false, reporter)?;
        Ok((published.new, published.cksum))
    };
    match attempt() {
        Ok((true, cksum)) => result("published", None, Some(cksum)),
        Ok((false, cksum)) => result("already-published", None, Some(cksum)),
        Err(e) => {
            let mut reason = format!("{e:#}");
            if let Some(hint) = crate::hint_for(&e) {
                reason.push_str(&format!(" (hint: {hint})"));
            }
            result("failed", Some(reason), None)
        }
    }
}

/// Copies the asset's files into `into` at their asset paths, with the manifest.
pub fn stage(p: &Proposed, source: &Path, manifest: &Path, into: &Path) -> Result<(), Error> {
    let copy = |from: &Path, to: &Path| -> Result<(), Error> {
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Write {
                path: dir.to_owned(),
                source: e,
            })?;
        }
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| Error::Read {
                path: from.to_owned(),
                source: e,
            })
    };
    for file in &p.files {
        let to = into.join(&file.path);
        copy(&source.join(&file.source), &to)?;
        let runs = p.entrypoints.bin.values().any(|b| *b == file.path);
        set_mode(&to, runs)?;
    }
    copy(manifest, &into.join(osops_index::manifest::MANIFEST_FILE))
}

/// Entry points 0755; other files keep the bit they had (the archive normalises to 0644/0755).
#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    if !executable {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| {
        Error::Write {
            path: path.to_owned(),
            source: e,
        }
    })
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> Result<(), Error> {
    Ok(())
}
