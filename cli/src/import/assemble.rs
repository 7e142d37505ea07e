//! One proposed asset from one detected tool: its files laid out from a common root (helpers
//! included, their relative paths kept), its description, license, services and entry points, and
//! the flags for what the import could not decide.

use std::collections::{BTreeMap, BTreeSet};

use osops_index::Kind;

use super::credentials::LiteralSecret;
use super::detect::{Candidate, is_doc, is_python};
use super::helpers::{Helpers, common_dir};
use super::scan::{SourceFile, file_name, parent};
use super::{AssetFile, Entrypoints, Flag, Proposed, describe, license, names, services};

/// What every assembly looks things up in.
pub struct Context<'a> {
    files: &'a BTreeMap<&'a str, &'a SourceFile>,
    excluded: &'a BTreeMap<String, &'static str>,
    /// Files that set a literal password, and the line where they do.
    embedded: &'a BTreeMap<String, LiteralSecret>,
    helpers: &'a BTreeMap<String, Helpers>,
    /// How many single-file tools each directory holds (a README describes a lone tool only).
    tools_per_dir: BTreeMap<String, usize>,
}

impl<'a> Context<'a> {
    pub fn new(
        files: &'a BTreeMap<&'a str, &'a SourceFile>,
        excluded: &'a BTreeMap<String, &'static str>,
        embedded: &'a BTreeMap<String, LiteralSecret>,
        candidates: &[Candidate],
        helpers: &'a BTreeMap<String, Helpers>,
    ) -> Self {
        let mut tools_per_dir: BTreeMap<String, usize> = BTreeMap::new();
        for c in candidates.iter().filter(|c| !c.is_dir) {
            *tools_per_dir.entry(parent(&c.path).to_owned()).or_default() += 1;
        }
        Context {
            files,
            excluded,
            embedded,
            helpers,
            tools_per_dir,
        }
    }

    fn text(&self, path: &str) -> Option<&'a str> {
        self.files.get(path).and_then(|f| f.text.as_deref())
    }
}

/// Puts the proposed asset together; version, change and manifest are filled in by the overlay.
pub fn assemble(c: &Candidate, assigned: &names::Assigned, cx: &Context) -> Proposed {
    let mut flags: Vec<Flag> = c
        .notes
        .iter()
        .map(|(flag, detail)| Flag::new(flag, false, detail.clone()))
        .collect();
    if !assigned.clashed_with.is_empty() {
        flags.push(Flag::new(
            "name-collision",
            false,
            format!(
                "named `{}` because its plain name clashed with (or looked like) that of {}",
                assigned.name,
                assigned.clashed_with.join(", ")
            ),
        ));
    }

    let mut sources: BTreeSet<String> = c.members.iter().cloned().collect();
    let mut helper_paths = Vec::new();
    let mut credentials = Vec::new();
    if c.is_dir {
        let prefix = if c.path.is_empty() {
            String::new()
        } else {
            format!("{}/", c.path)
        };
        credentials.extend(
            cx.excluded
                .keys()
                .filter(|p| {
                    p.starts_with(&prefix) && (c.kind != Kind::Config || parent(p) == c.path)
                })
                .cloned(),
        );
    }
    if let Some(h) = cx.helpers.get(&c.path) {
        for found in &h.found {
            if cx.excluded.contains_key(found) {
                credentials.push(found.clone());
            } else if sources.insert(found.clone()) {
                helper_paths.push(found.clone());
            }
        }
        if !h.missing.is_empty() {
            flags.push(Flag::new(
                "helper-missing",
                false,
                format!(
                    "uses {} which the repository does not have (an absolute path, or a file that is not there); add the file to the repository beside the tool, or check the tool works without it",
                    backticked(h.missing.iter())
                ),
            ));
        }
    }
    flags.extend(literal_password_flags(&sources, cx));
    if !credentials.is_empty() {
        flags.push(Flag::new(
            "credentials-excluded",
            true,
            format!(
                "left out {} (looks like credentials); check the tool works without it, or name it with --include-credentials",
                backticked(credentials.iter())
            ),
        ));
    }

    let root = if c.is_dir && helper_paths.iter().all(|h| inside(&c.path, h)) {
        c.path.clone()
    } else if c.is_dir {
        // A helper outside the directory: lay the asset out from where both are.
        let anchor = super::detect::join(&c.path, "x");
        common_dir(sources.iter().map(String::as_str).chain([anchor.as_str()]))
    } else {
        common_dir(sources.iter().map(String::as_str))
    };

    // Description: the directory's README, the tool's own words, or a lone tool's README.
    let main_text = c.main.as_deref().and_then(|m| cx.text(m));
    let readme_here = readme_in(
        cx,
        if c.is_dir {
            c.path.as_str()
        } else {
            parent(&c.path)
        },
    );
    let mut description = None;
    if c.is_dir
        && let Some((path, text)) = readme_here
    {
        description = describe::from_readme(text).map(|d| (d, format!("`{path}`")));
    }
    if description.is_none() {
        let own = own_text(c, cx);
        description = own.and_then(|(path, text)| {
            let found = match c.kind {
                Kind::Playbook => {
                    describe::from_header(text).or_else(|| describe::from_playbook(text))
                }
                Kind::Template => heat_description(text).or_else(|| describe::from_header(text)),
                _ => describe::from_header(text),
            };
            found.map(|d| (d, format!("header of `{path}`")))
        });
    }
    let lone = !c.is_dir && cx.tools_per_dir.get(parent(&c.path)).copied() == Some(1);
    if description.is_none()
        && lone
        && let Some((path, text)) = readme_here
    {
        description = describe::from_readme(text).map(|d| (d, format!("`{path}`")));
    }
    // A README beside a directory asset or a lone tool is about it: it travels with it.
    if let Some((path, _)) = readme_here
        && (c.is_dir || lone)
    {
        sources.insert(path.to_owned());
    }

    // License: an SPDX line, a license header, or the nearest LICENSE file.
    let mut license = None;
    let ordered: Vec<&String> = c.main.iter().chain(sources.iter()).collect();
    for path in &ordered {
        if let Some(id) = cx.text(path).and_then(license::spdx_identifier) {
            license = Some((id, format!("SPDX-License-Identifier in `{path}`")));
            break;
        }
    }
    if license.is_none()
        && let Some(text) = main_text
    {
        let header: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
        license = license::classify(&header).map(|id| (id.to_owned(), "license header".to_owned()));
    }
    let mut license_note = None;
    let mut extra_files = Vec::new();
    let tool_dir = if c.is_dir {
        c.path.as_str()
    } else {
        parent(&c.path)
    };
    if license.is_none()
        && let Some((path, text)) = nearest_license_file(cx, tool_dir)
    {
        match license::classify(text) {
            Some(id) => {
                license = Some((id.to_owned(), format!("`{path}`")));
                extra_files.push(path.to_owned());
            }
            None => license_note = Some(format!("`{path}` is not a license osops recognises")),
        }
    }
    // A package has no main file and often no LICENSE: its metadata or its modules' headers.
    if license.is_none() {
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .filter_map(|p| cx.text(p).map(|t| (p.as_str(), t)))
            .collect();
        license = license::from_asset_files(&texts);
    }
    if license.is_none() {
        flags.push(Flag::new(
            "no-license",
            true,
            license_note.unwrap_or_else(|| {
                "no SPDX-License-Identifier, license header or LICENSE file found".into()
            }),
        ));
    }

    let mut files: Vec<AssetFile> = sources
        .iter()
        .map(|s| AssetFile {
            source: s.clone(),
            path: relative_to(&root, s),
        })
        .collect();
    for extra in extra_files {
        if files.iter().any(|f| f.source == extra) {
            continue;
        }
        // A LICENSE above the root travels as `LICENSE` at the asset's top.
        let inside = root.is_empty() || extra.starts_with(&format!("{root}/"));
        let path = if inside {
            relative_to(&root, &extra)
        } else {
            file_name(&extra).to_owned()
        };
        if !files.iter().any(|f| f.path == path) {
            files.push(AssetFile {
                source: extra,
                path,
            });
        }
    }
    files.sort();

    let mut found_services: BTreeSet<&'static str> = BTreeSet::new();
    for f in &files {
        if let (Some(file), Some(text)) = (cx.files.get(f.source.as_str()), cx.text(&f.source)) {
            if is_doc(file.file_name()) {
                continue;
            }
            found_services.extend(services::services_in(text, is_python(file)));
        }
    }
    // A Heat template is run by Heat.
    if c.kind == Kind::Template
        && !c.is_dir
        && main_text.is_some_and(super::detect::is_heat_template)
    {
        found_services.extend(osops_index::openstack::find_service("heat"));
    }

    let mut entrypoints = Entrypoints::default();
    if let Some(main) = &c.main {
        let in_asset = relative_to(&root, main);
        match c.kind {
            Kind::Script | Kind::Check => {
                entrypoints
                    .bin
                    .insert(command_name(file_name(main)), in_asset);
            }
            Kind::Playbook => entrypoints.playbook = Some(in_asset),
            _ => {}
        }
    }

    let (description, description_from) = description.unzip();
    let (license, license_from) = license.unzip();
    Proposed {
        name: assigned.name.clone(),
        kind: c.kind,
        version: String::new(),
        change: super::Change::New,
        path: c.path.clone(),
        root,
        manifest: String::new(),
        files,
        description,
        description_from,
        license,
        license_from,
        services: found_services.into_iter().map(str::to_owned).collect(),
        entrypoints,
        helpers: helper_paths,
        flags,
        publishable: false,
    }
}

/// A blocking `credentials` flag for each file of the asset that sets a literal password.
fn literal_password_flags(sources: &BTreeSet<String>, cx: &Context) -> Vec<Flag> {
    sources
        .iter()
        .filter_map(|path| cx.embedded.get(path).map(|secret| (path, secret)))
        .map(|(path, secret)| {
            Flag::new(
                "credentials",
                true,
                format!(
                    "`{path}` line {} sets `{}=` to a literal secret; read it from the environment or a prompt instead, and change the secret, which the repository has exposed",
                    secret.line, secret.variable
                ),
            )
        })
        .collect()
}

/// Whether `path` is `dir` or below it (`""` holds everything).
fn inside(dir: &str, path: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// The text that speaks for the tool: its main file, or a directory asset's main-looking file.
fn own_text<'a>(c: &Candidate, cx: &Context<'a>) -> Option<(String, &'a str)> {
    if let Some(main) = &c.main {
        return cx.text(main).map(|t| (main.clone(), t));
    }
    let preferred = ["tasks/main.yml", "tasks/main.yaml", "main.tf", "setup.py"];
    preferred
        .iter()
        .map(|p| super::detect::join(&c.path, p))
        .chain(c.members.iter().cloned())
        .find_map(|p| cx.text(&p).map(|t| (p, t)))
}

/// A README directly in `dir`.
fn readme_in<'a>(cx: &Context<'a>, dir: &str) -> Option<(&'a str, &'a str)> {
    cx.files.iter().find_map(|(path, f)| {
        (f.dir() == dir && f.file_name().to_ascii_lowercase().starts_with("readme"))
            .then_some(())
            .and_then(|()| f.text.as_deref().map(|t| (*path, t)))
    })
}

/// The LICENSE (or COPYING) file in `dir` or the nearest directory above it.
fn nearest_license_file<'a>(cx: &Context<'a>, dir: &str) -> Option<(&'a str, &'a str)> {
    let mut dir = dir.to_owned();
    loop {
        let found = cx.files.iter().find_map(|(path, f)| {
            (f.dir() == dir && license::is_license_file(f.file_name()))
                .then_some(())
                .and_then(|()| f.text.as_deref().map(|t| (*path, t)))
        });
        if found.is_some() {
            return found;
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_owned();
    }
}

/// A Heat template's top-level `description:` (one line, or the first line of a block).
fn heat_description(text: &str) -> Option<String> {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(value) = line.strip_prefix("description:") {
            let value = value.trim();
            let value = if value.starts_with(['|', '>']) || value.is_empty() {
                lines.next().unwrap_or_default().trim()
            } else {
                value
            };
            let value = value.trim_matches(['"', '\'']).trim();
            return (!value.is_empty()).then(|| value.chars().take(200).collect());
        }
    }
    None
}

/// `path` relative to `root` (which holds it).
fn relative_to(root: &str, path: &str) -> String {
    if root.is_empty() {
        path.to_owned()
    } else {
        path.strip_prefix(&format!("{root}/"))
            .unwrap_or(path)
            .to_owned()
    }
}

/// A valid command name from a file name: other characters become `-`, no leading `.` or `-`.
pub fn command_name(file: &str) -> String {
    let cleaned: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['.', '-']);
    let cleaned: String = cleaned.chars().take(64).collect();
    if cleaned.is_empty() {
        "tool".into()
    } else {
        cleaned
    }
}

fn backticked<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_what_the_manifest_accepts() {
        assert_eq!(command_name("check_rabbitmq"), "check_rabbitmq");
        assert_eq!(command_name("evacuate host.sh"), "evacuate-host.sh");
        assert_eq!(command_name(".hidden"), "hidden");
    }

    #[test]
    fn heat_descriptions_come_from_the_top_level_key() {
        assert_eq!(
            heat_description(
                "heat_template_version: 2018-08-31\ndescription: >\n  A tenant network\n"
            )
            .as_deref(),
            Some("A tenant network")
        );
        assert_eq!(
            heat_description("heat_template_version: x\ndescription: 'One VM'\n").as_deref(),
            Some("One VM")
        );
    }
}
