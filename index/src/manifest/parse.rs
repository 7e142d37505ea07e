//! From the text of `osops.toml` to a validated [`Manifest`], one table at a time.
//!
//! Order matters for the messages: size, then TOML syntax, then control characters anywhere, then
//! unknown keys per table (so a typo is reported as a typo), then each value in file order.

use std::collections::BTreeMap;

use toml::Table;

use super::fields::{Fields, reject_control_chars};
use super::validate as v;
use super::{
    AssetSection, Entrypoints, MAX_MANIFEST_SIZE, Manifest, ManifestError, NeedsSection,
    OpenStackSection, Requires,
};
use crate::ReleaseRange;

const ROOT_KEYS: &[&str] = &[
    "asset",
    "openstack",
    "needs",
    "entrypoints",
    "dependencies",
    "requires",
];
const OPENSTACK_KEYS: &[&str] = &["services", "releases"];
const NEEDS_KEYS: &[&str] = &["addresses", "prompted-by"];
const ENTRYPOINT_KEYS: &[&str] = &["bin", "playbook"];
const REQUIRES_KEYS: &[&str] = &["commands"];

pub(super) fn parse(text: &str) -> Result<Manifest, ManifestError> {
    if text.len() > MAX_MANIFEST_SIZE {
        return Err(ManifestError::new(
            String::new(),
            format!(
                "manifest is {} bytes; the limit is {MAX_MANIFEST_SIZE}",
                text.len()
            ),
        )
        .with_hint("an `osops.toml` describes the asset; keep long text in the README"));
    }
    let root: Table = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
    reject_control_chars(&root)?;

    let mut root = Fields::new("", root, ROOT_KEYS)?;
    let asset_table = root.table("asset")?.ok_or_else(|| {
        ManifestError::new("asset".into(), "missing the `[asset]` table".into()).with_hint(
            "start the manifest with `[asset]` and its `name`, `version`, `kind` and `description`",
        )
    })?;
    let asset = asset(asset_table)?;
    let openstack = openstack(root.table("openstack")?.unwrap_or_default())?;
    let needs = needs(root.table("needs")?.unwrap_or_default())?;
    let entrypoints = entrypoints(root.table("entrypoints")?.unwrap_or_default())?;
    let dependencies = dependencies(&mut root, &asset.name)?;
    let requires = requires(root.table("requires")?.unwrap_or_default())?;
    Ok(Manifest {
        asset,
        openstack,
        needs,
        entrypoints,
        dependencies,
        requires,
    })
}

/// The toml crate's message, with the line and column it points at, on one line.
pub(crate) fn syntax_error(text: &str, e: &toml::de::Error) -> ManifestError {
    let place = e.span().map(|span| {
        let mut start = span.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!(" at line {line}, column {column}")
    });
    ManifestError::new(
        String::new(),
        format!(
            "invalid TOML{}: {}",
            place.unwrap_or_default(),
            e.message().trim_end()
        ),
    )
}

fn asset(table: Table) -> Result<AssetSection, ManifestError> {
    let mut f = Fields::new("asset", table, super::ASSET_KEYS)?;
    let name_text = f.required_str("name")?;
    let name = v::name(&f.path_of("name"), "asset name", &name_text)?;
    let version = v::version(&f.path_of("version"), &f.required_str("version")?)?;
    let kind = v::kind(&f.path_of("kind"), &f.required_str("kind")?)?;
    let description = f.required_str("description")?;
    v::description(&f.path_of("description"), &description)?;

    let license = f.opt_str("license")?;
    if let Some(l) = &license {
        v::license(&f.path_of("license"), l)?;
    }
    let authors = f.str_list("authors")?;
    for (path, a) in &authors {
        v::text(path, a)?;
    }
    let repository = f.opt_str("repository")?;
    if let Some(url) = &repository {
        v::url(&f.path_of("repository"), url)?;
    }
    let readme = f.opt_str("readme")?;
    if let Some(r) = &readme {
        v::rel_path(&f.path_of("readme"), r)?;
    }
    let keywords = f.str_list("keywords")?;
    if keywords.len() > v::MAX_KEYWORDS {
        return Err(ManifestError::new(
            f.path_of("keywords"),
            format!(
                "{} keywords given; the limit is {}",
                keywords.len(),
                v::MAX_KEYWORDS
            ),
        )
        .with_hint("keep the few that people would search for"));
    }
    for (path, k) in &keywords {
        v::keyword(path, k)?;
    }
    v::no_duplicates(keywords.iter().map(|(p, k)| (p.as_str(), k.as_str())))?;
    let include = f.str_list("include")?;
    for (path, pattern) in &include {
        v::include_pattern(path, pattern)?;
    }
    Ok(AssetSection {
        name,
        version,
        kind,
        description,
        license,
        authors: values(authors),
        repository,
        readme,
        keywords: values(keywords),
        include: values(include),
    })
}

fn openstack(table: Table) -> Result<OpenStackSection, ManifestError> {
    let mut f = Fields::new("openstack", table, OPENSTACK_KEYS)?;
    let listed = f.str_list("services")?;
    let mut services = Vec::with_capacity(listed.len());
    for (path, s) in &listed {
        services.push(v::service(path, s)?);
    }
    v::no_duplicates(
        listed
            .iter()
            .map(|(p, _)| p.as_str())
            .zip(services.iter().map(String::as_str)),
    )?;
    let releases = match f.opt_str("releases")? {
        None => None,
        Some(text) => Some(
            ReleaseRange::parse(&text)
                .map_err(|message| ManifestError::new(f.path_of("releases"), message))?,
        ),
    };
    Ok(OpenStackSection { services, releases })
}

fn needs(table: Table) -> Result<NeedsSection, ManifestError> {
    let mut f = Fields::new("needs", table, NEEDS_KEYS)?;
    let listed = f.str_list("addresses")?;
    let mut addresses = Vec::with_capacity(listed.len());
    for (path, id) in &listed {
        addresses.push(v::name(path, "need id", id)?);
    }
    v::no_duplicates(listed.iter().map(|(p, id)| (p.as_str(), id.as_str())))?;
    let prompted_by = f.str_list("prompted-by")?;
    for (path, url) in &prompted_by {
        v::url(path, url)?;
    }
    Ok(NeedsSection {
        addresses,
        prompted_by: values(prompted_by),
    })
}

fn entrypoints(table: Table) -> Result<Entrypoints, ManifestError> {
    let mut f = Fields::new("entrypoints", table, ENTRYPOINT_KEYS)?;
    let mut bin = BTreeMap::new();
    for (command, path, file) in f.str_map("bin")? {
        v::command(&path, &command)?;
        v::rel_path(&path, &file)?;
        bin.insert(command, file);
    }
    let playbook = f.opt_str("playbook")?;
    if let Some(p) = &playbook {
        v::rel_path(&f.path_of("playbook"), p)?;
    }
    Ok(Entrypoints { bin, playbook })
}

fn dependencies(
    root: &mut Fields,
    own: &crate::AssetName,
) -> Result<BTreeMap<crate::AssetName, semver::VersionReq>, ManifestError> {
    let mut deps = BTreeMap::new();
    for (key, path, req) in root.str_map("dependencies")? {
        let name = v::name(&path, "dependency name", &key)?;
        if &name == own {
            return Err(
                ManifestError::new(path, format!("asset `{own}` depends on itself"))
                    .with_hint("remove it from `[dependencies]`"),
            );
        }
        deps.insert(name, v::version_req(&path, &req)?);
    }
    Ok(deps)
}

fn requires(table: Table) -> Result<Requires, ManifestError> {
    let mut f = Fields::new("requires", table, REQUIRES_KEYS)?;
    let commands = f.str_list("commands")?;
    for (path, c) in &commands {
        v::command(path, c)?;
    }
    v::no_duplicates(commands.iter().map(|(p, c)| (p.as_str(), c.as_str())))?;
    Ok(Requires {
        commands: values(commands),
    })
}

fn values(items: Vec<(String, String)>) -> Vec<String> {
    items.into_iter().map(|(_, v)| v).collect()
}
