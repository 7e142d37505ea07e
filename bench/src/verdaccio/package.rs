//! The npm side of the payloads: a package's tarball as `npm pack` makes it, verdaccio's storage
//! written directly (publishing 500,000 versions one by one would take hours), and the digests npm
//! puts in a packument.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};

use super::{tarball_file, tarball_path};

/// One fixed time for every seeded version, so two seeds of the same packages are identical.
const SEED_TIME: &str = "2024-01-01T00:00:00.000Z";

/// The mtime of every tarball entry: npm's own fixed date for reproducible packs (1985-10-26).
pub(super) const TAR_MTIME: u64 = 499_162_500;

/// One npm package version for the peer registry: the same payload files an osops asset has.
pub struct Package {
    pub name: String,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Package {
    /// The `package.json` inside the tarball, which is also the version's manifest in the packument.
    pub(super) fn manifest(&self) -> Value {
        json!({
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "keywords": self.keywords,
            "license": "Apache-2.0",
        })
    }

    /// `<name>-<version>.tgz`, without the scope: the attachment's name in verdaccio's storage.
    pub(super) fn tarball_name(&self) -> String {
        tarball_file(&self.name, &self.version)
    }
}

/// The npm tarball (.tgz) of a package: `package/package.json` (name, version, description,
/// keywords, license "Apache-2.0") + `package/<file>` for each file, deterministic mtimes.
pub fn npm_tarball(pkg: &Package) -> Vec<u8> {
    let manifest = serde_json::to_vec_pretty(&pkg.manifest()).expect("a JSON value serialises");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let entries = std::iter::once(("package.json", manifest.as_slice())).chain(
        pkg.files
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice())),
    );
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(TAR_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        // Writing into a Vec cannot fail; a path tar cannot encode is a bug in the caller.
        tar.append_data(&mut header, format!("package/{path}"), bytes)
            .expect("tarball entry path");
    }
    let gz = tar.into_inner().expect("writing to a Vec");
    gz.finish().expect("writing to a Vec")
}

/// Writes `packages` straight into verdaccio's local storage under `storage`: for each name a
/// `package.json` packument (versions, dist-tags, time, `_attachments`) and one
/// `<name>-<version>.tgz` per version, exactly what verdaccio itself writes on publish, plus the
/// name list in `.verdaccio-db.json`. Several versions of one name go into one packument.
pub fn seed(storage: &Path, packages: &[Package]) -> anyhow::Result<()> {
    let mut by_name: BTreeMap<&str, Vec<&Package>> = BTreeMap::new();
    for pkg in packages {
        by_name.entry(&pkg.name).or_default().push(pkg);
    }
    // Gzip and hashing dominate, so every core takes names from one shared queue.
    let names: Vec<(&str, Vec<&Package>)> = by_name.into_iter().collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let Some((name, versions)) =
                            names.get(next.fetch_add(1, Ordering::Relaxed))
                        else {
                            return Ok(());
                        };
                        seed_name(storage, name, versions)?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| bail!("a seeding thread panicked"))
        })
    })?;
    // verdaccio reads its list of local packages from here (the web UI and `/-/all` use it);
    // keep the secret and names of an earlier seed, an empty secret makes verdaccio create one.
    let db_path = storage.join(".verdaccio-db.json");
    let mut db: Value = std::fs::read(&db_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| json!({ "list": [], "secret": "" }));
    let mut list: Vec<String> = serde_json::from_value(db["list"].take()).unwrap_or_default();
    list.extend(names.iter().map(|(name, _)| (*name).to_owned()));
    list.sort();
    list.dedup();
    db["list"] = json!(list);
    write_json(&db_path, &db)
}

/// One name's directory: its tarballs, then the packument that lists them.
fn seed_name(storage: &Path, name: &str, versions: &[&Package]) -> anyhow::Result<()> {
    let dir = storage.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let mut manifests = Map::new();
    let mut times = Map::new();
    let mut attachments = Map::new();
    times.insert("created".into(), SEED_TIME.into());
    times.insert("modified".into(), SEED_TIME.into());
    for pkg in versions {
        let tgz = npm_tarball(pkg);
        let file = pkg.tarball_name();
        let shasum = shasum(&tgz);
        let mut manifest = pkg.manifest();
        manifest["_id"] = format!("{}@{}", pkg.name, pkg.version).into();
        // verdaccio rewrites the host of `tarball` to the requesting one when it serves it.
        manifest["dist"] = json!({
            "integrity": integrity(&tgz),
            "shasum": shasum,
            "tarball": format!("http://localhost:4873{}", tarball_path(name, &pkg.version)),
        });
        manifests.insert(pkg.version.clone(), manifest);
        times.insert(pkg.version.clone(), SEED_TIME.into());
        attachments.insert(
            file.clone(),
            json!({ "shasum": shasum, "version": pkg.version }),
        );
        std::fs::write(dir.join(&file), &tgz)
            .with_context(|| format!("writing `{}`", dir.join(&file).display()))?;
    }
    let latest = versions
        .iter()
        .map(|p| p.version.as_str())
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
        .unwrap_or_default();
    let packument = json!({
        "name": name,
        "versions": manifests,
        "time": times,
        "users": {},
        "dist-tags": { "latest": latest },
        "_uplinks": {},
        "_distfiles": {},
        "_attachments": attachments,
        "_rev": format!("{}-0000000000000000", versions.len()),
        "_id": name,
        "readme": "",
    });
    write_json(&dir.join("package.json"), &packument)
}

/// Orders `1.10.0` after `1.9.0` and a pre-release before its release; enough to pick `latest`.
fn version_key(version: &str) -> (Vec<u64>, bool, &str) {
    let (core, pre) = version.split_once('-').unwrap_or((version, ""));
    let numbers = core.split('.').map(|n| n.parse().unwrap_or(0)).collect();
    (numbers, pre.is_empty(), pre)
}

pub(super) fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec(value)?;
    std::fs::write(path, bytes).with_context(|| format!("writing `{}`", path.display()))
}

/// Subresource integrity as npm writes it: `sha512-BASE64`.
pub(super) fn integrity(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha512::digest(bytes);
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The tarball's base64, for `_attachments`.
pub(super) fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The lowercase hex SHA-1 npm and verdaccio still use for `dist.shasum` (verdaccio rejects a
/// publish whose shasum does not match the attachment). Nothing security-related rests on it.
pub(super) fn shasum(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}
