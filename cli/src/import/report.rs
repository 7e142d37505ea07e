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
        "BLOCKS PUBLISHING".to_owned(),
        "NOTES".to_owned(),
    ]];
    for a in &import.assets {
        let entry = match (&a.entrypoints.playbook, a.entrypoints.bin.keys().next()) {
            (Some(playbook), _) => format!("playbook {playbook}"),
            (None, Some(bin)) => format!("bin {bin}"),
            (None, None) => "-".into(),
        };
        let (blocking, notes) = flag_names(a);
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
            or_dash(blocking.join(",")),
            or_dash(notes.join(",")),
        ]);
    }
    align(&rows)
}

/// An asset's flag names: the blocking ones (they keep it from `--publish`), then the notes
/// (worth a look, but it publishes as it is).
fn flag_names(asset: &Proposed) -> (Vec<&'static str>, Vec<&'static str>) {
    let (blocking, notes): (Vec<_>, Vec<_>) = asset.flags.iter().partition(|f| f.blocking);
    (
        blocking.iter().map(|f| f.flag).collect(),
        notes.iter().map(|f| f.flag).collect(),
    )
}

/// The closing summary: how many assets cannot be published until a human fixes them and
/// for which flags (and where to fix them), then how many publish as they are but carry notes.
/// Empty when nothing needs a look. A reviewer reads this first, so it says which flags matter
/// for `--publish` and which are only informational.
pub fn publishing_summary(import: &Import) -> Vec<String> {
    let (blocked, rest): (Vec<&Proposed>, Vec<&Proposed>) =
        import.assets.iter().partition(|a| !a.publishable);
    let noted: Vec<&Proposed> = rest.into_iter().filter(|a| !a.flags.is_empty()).collect();
    let mut lines = Vec::new();
    if !blocked.is_empty() {
        lines.push(format!(
            "{} cannot be published until a human fixes: {}; edit their osops.toml in `{}` and import again",
            assets(blocked.len()),
            flag_counts(&blocked, true),
            import.overlay.display()
        ));
    }
    if !noted.is_empty() {
        let carry = if noted.len() == 1 { "carries" } else { "carry" };
        lines.push(format!(
            "{} can be published but {carry} notes worth a look: {}",
            assets(noted.len()),
            flag_counts(&noted, false)
        ));
    }
    lines
}

/// `1 asset`, `7 assets`.
fn assets(n: usize) -> String {
    crate::printer::plural(n as u64, "asset", "assets")
}

/// `no-license (5), credentials (2)`: how many of `assets` carry each blocking (or each
/// informational) flag, most frequent first.
fn flag_counts(assets: &[&Proposed], blocking: bool) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for asset in assets {
        let names: std::collections::BTreeSet<&str> = asset
            .flags
            .iter()
            .filter(|f| f.blocking == blocking)
            .map(|f| f.flag)
            .collect();
        for name in names {
            *counts.entry(name).or_default() += 1;
        }
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .iter()
        .map(|(name, n)| format!("{name} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use osops_index::Kind;

    use super::*;
    use crate::import::{Change, Entrypoints, Flag};

    fn asset(name: &str, flags: &[(&'static str, bool)]) -> Proposed {
        Proposed {
            name: name.into(),
            kind: Kind::Script,
            version: "0.1.0".into(),
            change: Change::New,
            path: format!("{name}.sh"),
            root: String::new(),
            manifest: format!("{name}/osops.toml"),
            files: Vec::new(),
            description: None,
            description_from: None,
            license: None,
            license_from: None,
            services: Vec::new(),
            entrypoints: Entrypoints::default(),
            helpers: Vec::new(),
            flags: flags
                .iter()
                .map(|(flag, blocking)| Flag::new(flag, *blocking, ""))
                .collect(),
            publishable: !flags.iter().any(|(_, blocking)| *blocking),
        }
    }

    fn import(assets: Vec<Proposed>) -> Import {
        Import {
            source: PathBuf::from("/repo"),
            overlay: PathBuf::from("/overlay"),
            assets,
            credentials: Vec::new(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn the_table_separates_blocking_flags_from_notes() {
        let lines = table(&import(vec![asset(
            "vms-stats",
            &[
                ("no-shebang", false),
                ("no-license", true),
                ("not-executable", false),
            ],
        )]));
        assert!(lines[0].contains("BLOCKS PUBLISHING") && lines[0].contains("NOTES"));
        let row: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            row[row.len() - 2..],
            ["no-license", "no-shebang,not-executable"]
        );
    }

    #[test]
    fn the_summary_counts_blocked_assets_by_flag_and_those_with_only_notes() {
        let summary = publishing_summary(&import(vec![
            asset("a", &[("no-license", true), ("name-collision", false)]),
            asset("b", &[("no-license", true), ("credentials", true)]),
            asset("c", &[("credentials", true), ("no-license", true)]),
            asset("d", &[("no-description", true)]),
            asset("e", &[("name-collision", false), ("no-shebang", false)]),
            asset("f", &[]),
        ]));
        assert_eq!(
            summary,
            vec![
                "4 assets cannot be published until a human fixes: no-license (3), credentials (2), no-description (1); edit their osops.toml in `/overlay` and import again",
                "1 asset can be published but carries notes worth a look: name-collision (1), no-shebang (1)",
            ]
        );
        assert!(publishing_summary(&import(vec![asset("f", &[])])).is_empty());
    }
}
