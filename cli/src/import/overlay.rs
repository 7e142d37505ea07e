//! The overlay: one `osops.toml` per proposed asset, at the tool's path mirrored under the overlay
//! (`bin/evacuate.sh` → `OVERLAY/bin/evacuate.sh/osops.toml`, `roles/galera` →
//! `OVERLAY/roles/galera/osops.toml`), so a reviewer finds each manifest where the tool is.
//!
//! The manifest lists the asset's files in `include` (paths inside the asset, laid out from the
//! tool's root). A manifest a human edited is theirs: later imports change only its `version`
//! (when the files changed) and `include`, never the fields they wrote.

use std::collections::BTreeMap;
use std::path::Path;

use osops_index::manifest::{self, MANIFEST_FILE};
use osops_index::{AssetName, Manifest};

use super::state::{AssetState, Change, next_version};
use super::{Error, Flag, Proposed};

/// What a manifest with no description says; `no-description` keeps it from publishing.
pub const TODO_DESCRIPTION: &str = "TODO:";

/// Writes (or updates) the asset's manifest and fills in its version, change, manifest path and
/// the flags that depend on the manifest; returns the asset's new state.
pub fn write(
    overlay: &Path,
    p: &mut Proposed,
    earlier: Option<&AssetState>,
    digests: BTreeMap<String, String>,
) -> Result<AssetState, Error> {
    let rel = if p.path.is_empty() {
        MANIFEST_FILE.to_owned()
    } else {
        format!("{}/{MANIFEST_FILE}", p.path)
    };
    let path = overlay.join(&rel);
    p.manifest = rel;
    let on_disk = std::fs::read(&path).ok();
    let edited = earlier.is_some_and(|e| {
        e.edited
            || on_disk
                .as_ref()
                .is_some_and(|bytes| osops_index::sha256_hex(bytes) != e.manifest_sha256)
    });
    let (computed, change) = next_version(earlier, &digests);
    p.change = change;

    let mut text = None;
    let mut version = computed.clone();
    if edited {
        let existing = on_disk
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        match Manifest::from_toml_str(&existing) {
            Ok(mut theirs) => {
                if change == Change::Changed {
                    let v = &theirs.asset.version;
                    theirs.asset.version = semver::Version::new(v.major, v.minor, v.patch + 1);
                }
                theirs.asset.include = includes(p);
                version = theirs.asset.version.clone();
                adopt(p, &theirs);
                p.flags.push(Flag::new(
                    "manifest-edited",
                    false,
                    "the manifest was edited by hand; kept, with only `version` and `include` updated",
                ));
                let merged = format!("{}{}", header(p), theirs.to_toml_string());
                if Manifest::from_toml_str(&existing).ok().as_ref() != Some(&theirs) {
                    text = Some(merged);
                }
            }
            Err(e) => {
                if let Some(earlier) = earlier {
                    version = semver::Version::parse(&earlier.version).unwrap_or(computed);
                }
                p.flags.push(Flag::new(
                    "manifest-invalid",
                    true,
                    format!("the hand-edited manifest is invalid, left as it is: {e}"),
                ));
            }
        }
    } else {
        match generate(p, &computed) {
            Ok(generated) => {
                let full = format!("{}{}", header(p), generated.to_toml_string());
                match Manifest::from_toml_str(&full) {
                    Ok(valid) => adopt(p, &valid),
                    Err(e) => p.flags.push(Flag::new(
                        "manifest-invalid",
                        true,
                        format!("the proposed manifest is invalid: {e}"),
                    )),
                }
                text = Some(full);
            }
            Err(e) => p.flags.push(Flag::new(
                "manifest-invalid",
                true,
                format!("no manifest written: {e}"),
            )),
        }
    }
    p.version = version.to_string();

    let written = match text {
        Some(text) => {
            crate::fs::write_atomic(&path, text.as_bytes()).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            text.into_bytes()
        }
        None => on_disk.unwrap_or_default(),
    };
    p.publishable = !p.flags.iter().any(|f| f.blocking);
    Ok(AssetState {
        name: p.name.clone(),
        version: p.version.clone(),
        files: digests,
        manifest_sha256: osops_index::sha256_hex(&written),
        edited,
    })
}

/// The manifest osops proposes.
fn generate(p: &Proposed, version: &semver::Version) -> Result<Manifest, osops_index::NameError> {
    // `names::assign` only gives valid names; an error here is reported, never a panic.
    let name = AssetName::parse(&p.name)?;
    let readme = p
        .files
        .iter()
        .find(|f| !f.path.contains('/') && f.path.to_ascii_lowercase().starts_with("readme"))
        .map(|f| f.path.clone());
    let mut m = Manifest {
        asset: manifest::AssetSection {
            name,
            version: version.clone(),
            kind: p.kind,
            description: p.description.clone().unwrap_or_else(|| {
                format!("{TODO_DESCRIPTION} say in one line what `{}` does", p.path)
            }),
            license: p.license.clone(),
            authors: Vec::new(),
            repository: None,
            readme,
            keywords: Vec::new(),
            include: includes(p),
        },
        openstack: manifest::OpenStackSection::default(),
        needs: manifest::NeedsSection::default(),
        entrypoints: manifest::Entrypoints::default(),
        dependencies: BTreeMap::new(),
        requires: manifest::Requires::default(),
    };
    m.openstack.services = p.services.clone();
    m.entrypoints.bin = p.entrypoints.bin.clone();
    m.entrypoints.playbook = p.entrypoints.playbook.clone();
    Ok(m)
}

/// Takes what the final manifest says into the report, and the flags that follow from it.
fn adopt(p: &mut Proposed, m: &Manifest) {
    let description = &m.asset.description;
    if description.starts_with(TODO_DESCRIPTION) {
        p.description = None;
        p.description_from = None;
        p.flags.push(Flag::new(
            "no-description",
            true,
            "no README beside it and no header comment to describe it; write one in the manifest",
        ));
    } else if p.description.as_deref() != Some(description) {
        p.description = Some(description.clone());
        p.description_from = Some("manifest".into());
    }
    if m.asset.license != p.license {
        p.license = m.asset.license.clone();
        p.license_from = p.license.as_ref().map(|_| "manifest".into());
    }
    if p.license.is_some() {
        p.flags.retain(|f| f.flag != "no-license");
    } else if !p.flags.iter().any(|f| f.flag == "no-license") {
        p.flags.push(Flag::new(
            "no-license",
            true,
            "the manifest has no `license`",
        ));
    }
    p.services = m.openstack.services.clone();
    p.entrypoints.bin = m.entrypoints.bin.clone();
    p.entrypoints.playbook = m.entrypoints.playbook.clone();
    p.name = m.asset.name.to_string();
}

/// The asset's files as `include` patterns (glob characters escaped).
fn includes(p: &Proposed) -> Vec<String> {
    p.files
        .iter()
        .map(|f| {
            f.path
                .chars()
                .map(|c| match c {
                    '*' | '?' | '[' | ']' => format!("[{c}]"),
                    c => c.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The comment at the top of every manifest osops writes.
fn header(p: &Proposed) -> String {
    let from = if p.root.is_empty() {
        "the repository's top directory".to_owned()
    } else {
        format!("`{}/` in the repository", p.root)
    };
    format!(
        "# Proposed by `osops import` for `{}`. The files listed in `include` are taken from\n\
         # {from}. Review and edit freely: later imports keep your edits.\n\n",
        if p.path.is_empty() {
            "."
        } else {
            p.path.as_str()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{AssetFile, Entrypoints};
    use osops_index::Kind;

    fn proposed(description: Option<&str>) -> Proposed {
        Proposed {
            name: "nova-cleanup".into(),
            kind: Kind::Script,
            version: String::new(),
            change: Change::New,
            path: "nova/cleanup.sh".into(),
            root: "nova".into(),
            manifest: String::new(),
            files: vec![AssetFile {
                source: "nova/cleanup.sh".into(),
                path: "cleanup.sh".into(),
            }],
            description: description.map(str::to_owned),
            description_from: None,
            license: None,
            license_from: None,
            services: vec!["nova".into()],
            entrypoints: Entrypoints {
                bin: BTreeMap::from([("cleanup.sh".into(), "cleanup.sh".into())]),
                playbook: None,
            },
            helpers: Vec::new(),
            flags: Vec::new(),
            publishable: false,
        }
    }

    fn digests(d: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("nova/cleanup.sh".to_owned(), d.to_owned())])
    }

    #[test]
    fn unknown_licenses_and_descriptions_block_publishing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut p = proposed(None);
        let state = write(dir.path(), &mut p, None, digests("a")).expect("write");
        let flags: Vec<&str> = p.flags.iter().map(|f| f.flag).collect();
        assert_eq!(flags, vec!["no-description", "no-license"]);
        assert!(!p.publishable);
        assert_eq!((p.version.as_str(), state.edited), ("0.1.0", false));
        let text = std::fs::read_to_string(dir.path().join("nova/cleanup.sh/osops.toml"))
            .expect("manifest written");
        assert!(text.contains("description = \"TODO:"), "{text}");
        assert!(!text.contains("license"), "{text}");
    }

    #[test]
    fn hand_edits_are_kept_and_only_the_version_moves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut p = proposed(None);
        let first = write(dir.path(), &mut p, None, digests("a")).expect("write");
        let path = dir.path().join("nova/cleanup.sh/osops.toml");
        let text = std::fs::read_to_string(&path).expect("read");
        let edited = text.replace(
            "description = \"TODO: say in one line what `nova/cleanup.sh` does\"",
            "description = \"Remove ERROR instances\"\nlicense = \"MIT\"",
        );
        assert_ne!(edited, text, "the edit applies");
        std::fs::write(&path, edited).expect("edit");

        let mut again = proposed(None);
        let second = write(dir.path(), &mut again, Some(&first), digests("b")).expect("rewrite");
        assert!(second.edited);
        assert_eq!(again.version, "0.1.1");
        assert!(again.publishable, "{:?}", again.flags);
        assert_eq!(again.license.as_deref(), Some("MIT"));
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("Remove ERROR instances"), "{text}");
        assert!(text.contains("version = \"0.1.1\""), "{text}");

        // Unchanged files: the edited manifest is left exactly as it is.
        let mut third = proposed(None);
        write(dir.path(), &mut third, Some(&second), digests("b")).expect("again");
        assert_eq!(third.version, "0.1.1");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    }
}
