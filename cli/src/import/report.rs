//! What an import prints: a table of the proposed assets (stdout), the credentials found and the
//! files set aside; or, with `--json`, one document with the same facts (fields documented in
//! docs/guides/importing.md, stable: fields are only ever added).

use std::collections::BTreeMap;

use super::publish::PublishResult;
use super::{CredentialFile, Import, Proposed, Skipped};
use crate::printer::align;

/// The `--json` document.
#[derive(Debug, serde::Serialize)]
pub struct JsonReport<'a> {
    /// Version of this document's shape.
    pub format: u32,
    pub source: String,
    pub overlay: String,
    pub assets: &'a [Proposed],
    pub credentials: &'a [CredentialFile],
    pub skipped: &'a [Skipped],
    /// Only with `--publish`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<&'a [PublishResult]>,
}

pub fn json<'a>(import: &'a Import, published: Option<&'a [PublishResult]>) -> JsonReport<'a> {
    JsonReport {
        format: 1,
        source: import.source.display().to_string(),
        overlay: import.overlay.display().to_string(),
        assets: &import.assets,
        credentials: &import.credentials,
        skipped: &import.skipped,
        published,
    }
}

/// The table's lines, header first.
pub fn table(import: &Import) -> Vec<String> {
    let mut rows = vec![[
        "NAME".to_owned(),
        "KIND".to_owned(),
        "VERSION".to_owned(),
        "FROM".to_owned(),
        "SERVICES".to_owned(),
        "LICENSE".to_owned(),
        "ENTRY".to_owned(),
        "NEEDS A HUMAN".to_owned(),
    ]];
    for a in &import.assets {
        let entry = match (&a.entrypoints.playbook, a.entrypoints.bin.keys().next()) {
            (Some(playbook), _) => format!("playbook {playbook}"),
            (None, Some(bin)) => format!("bin {bin}"),
            (None, None) => "-".into(),
        };
        let human: Vec<&str> = a.flags.iter().map(|f| f.flag).collect();
        let version = match a.change {
            super::Change::New => a.version.clone(),
            super::Change::Changed => format!("{} (changed)", a.version),
            super::Change::Unchanged => format!("{} (same)", a.version),
        };
        rows.push([
            a.name.clone(),
            a.kind.to_string(),
            version,
            if a.path.is_empty() {
                ".".into()
            } else {
                a.path.clone()
            },
            or_dash(a.services.join(",")),
            a.license.clone().unwrap_or_else(|| "unknown".into()),
            entry,
            or_dash(human.join(",")),
        ]);
    }
    align(&rows)
}

/// The credentials section: one line per file.
pub fn credentials(import: &Import) -> Vec<String> {
    import
        .credentials
        .iter()
        .map(|c| {
            let what = if c.included {
                "INCLUDED (--include-credentials)"
            } else {
                "excluded"
            };
            format!("  {}  {what}: {}", c.path, c.reason)
        })
        .collect()
}

/// The skipped files, counted by reason.
pub fn skipped_summary(import: &Import) -> Vec<String> {
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &import.skipped {
        *by_reason.entry(s.reason.as_str()).or_default() += 1;
    }
    by_reason
        .into_iter()
        .map(|(reason, n)| format!("  {n:>4}  {reason}"))
        .collect()
}

fn or_dash(text: String) -> String {
    if text.is_empty() { "-".into() } else { text }
}
