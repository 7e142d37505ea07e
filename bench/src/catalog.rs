//! A synthetic catalog: N assets × V versions with realistic names, descriptions, services and
//! needs, and archives from about 1 KiB to about 1 MiB, the same payload files for osops and for
//! the npm peer. Deterministic: the same seed gives the same catalog, byte for byte.

use std::path::{Path, PathBuf};

use anyhow::Context;
use osops_index::Manifest;
use osops_index::archive::{Limits, pack};

use crate::verdaccio::Package;

/// Services operators' tools touch most, first: names and descriptions draw from these.
const SERVICES: &[&str] = &[
    "nova",
    "neutron",
    "cinder",
    "glance",
    "keystone",
    "heat",
    "octavia",
    "swift",
    "ironic",
    "designate",
    "barbican",
    "placement",
    "horizon",
    "magnum",
    "manila",
    "rabbitmq",
    "galera",
    "ceph",
    "haproxy",
    "memcached",
];
const VERBS: &[&str] = &[
    "evacuate",
    "cleanup",
    "check",
    "archive",
    "rotate",
    "audit",
    "migrate",
    "drain",
    "report",
    "repair",
    "backup",
    "purge",
    "sync",
    "scrub",
    "rebalance",
    "monitor",
    "restart",
    "export",
];
const NOUNS: &[&str] = &[
    "host",
    "ports",
    "volumes",
    "images",
    "tokens",
    "stacks",
    "quotas",
    "flavors",
    "routers",
    "records",
    "secrets",
    "allocations",
    "queues",
    "nodes",
    "snapshots",
    "amphorae",
    "keys",
    "aggregates",
];
const KINDS: &[&str] = &["script", "playbook", "tool", "check", "config"];

/// One asset and its versions.
pub struct Asset {
    pub name: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub versions: Vec<Version>,
}

/// One version: its payload files (shared with the npm peer) and its `.osops` archive.
pub struct Version {
    pub version: String,
    pub files: Vec<(String, Vec<u8>)>,
    pub archive: Vec<u8>,
}

/// A need id every generated asset may address; created on the registry before publishing.
pub fn need_ids() -> Vec<String> {
    SERVICES
        .iter()
        .flat_map(|s| ["health", "cleanup"].map(|what| format!("{s}-{what}")))
        .collect()
}

/// A small, fast, deterministic generator (xorshift64*): the catalog must not depend on a crate's
/// algorithm changing between versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// The data file of a bundle: bytes that do not compress (a binary, a wheel), so its archive is
/// about 1 MiB.
const BUNDLE: usize = 1024 * 1024 - 16 * 1024;

/// Which data files versions carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payloads {
    /// Mostly small scripts, some larger tools, a few ~1 MiB bundles (1 in 50), so archives span
    /// about 1 KiB to about 1 MiB: the default run, which measures downloads.
    Mixed,
    /// Only the small scripts (0.5–6.5 KiB): scale runs, whose measures (start-up, memory,
    /// search, index reads) do not depend on archive size, and whose disk and generation time
    /// would.
    Small,
}

/// The size of a version's data file.
fn data_size(rng: &mut Rng, payloads: Payloads) -> usize {
    let script = |rng: &mut Rng| 512 + rng.below(6 * 1024);
    match payloads {
        Payloads::Small => script(rng),
        Payloads::Mixed => match rng.below(100) {
            0..=1 => BUNDLE,
            2..=11 => 16 * 1024 + rng.below(96 * 1024),
            _ => script(rng),
        },
    }
}

/// Bytes that compress about as well as real scripts do: words from the vocabulary with some
/// noise, so a 1 MiB file makes a archive of hundreds of KiB, not a few KiB.
fn payload(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 32);
    while out.len() < size {
        match rng.below(4) {
            0 => out.extend_from_slice(rng.pick(VERBS).as_bytes()),
            1 => out.extend_from_slice(rng.pick(NOUNS).as_bytes()),
            2 => out.extend_from_slice(format!("{:x}", rng.next()).as_bytes()),
            _ => out.extend_from_slice(rng.pick(SERVICES).as_bytes()),
        }
        out.push(if rng.below(8) == 0 { b'\n' } else { b' ' });
    }
    out.truncate(size);
    out
}

/// `size` bytes that do not compress.
fn noise(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 8);
    while out.len() < size {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(size);
    out
}

/// The seed of every run's catalog.
pub const SEED: u64 = 0x05_0b5;

/// Generates `assets` × `versions` in memory, packing each version's archive in a temporary
/// directory under `scratch`.
pub fn generate(
    assets: usize,
    versions: usize,
    seed: u64,
    scratch: &Path,
) -> anyhow::Result<Vec<Asset>> {
    Generator::new(assets, versions, seed, Payloads::Mixed, scratch).collect()
}

/// The catalog one asset at a time, for runs too large to hold it all: asset `i` is the same
/// whether it is read from here or from [`generate`]'s list (with the same payloads).
pub struct Generator {
    rng: Rng,
    needs: Vec<String>,
    next: usize,
    assets: usize,
    versions: usize,
    payloads: Payloads,
    scratch: PathBuf,
}

impl Generator {
    pub fn new(
        assets: usize,
        versions: usize,
        seed: u64,
        payloads: Payloads,
        scratch: &Path,
    ) -> Generator {
        Generator {
            rng: Rng(seed | 1),
            needs: need_ids(),
            next: 0,
            assets,
            versions,
            payloads,
            scratch: scratch.to_owned(),
        }
    }

    /// Asset `i` and its versions, drawn from the generator's state.
    fn asset(&mut self, i: usize) -> anyhow::Result<Asset> {
        let rng = &mut self.rng;
        let service = rng.pick(SERVICES);
        let verb = rng.pick(VERBS);
        let noun = rng.pick(NOUNS);
        // The index keeps names unique; the suffix keeps them apart without look-alike pairs.
        let name = format!("{service}-{verb}-{noun}-{i}");
        // A second service, never the first again (the manifest refuses duplicates).
        let other = SERVICES[(SERVICES.iter().position(|s| *s == service).unwrap_or(0)
            + 1
            + rng.below(SERVICES.len() - 1))
            % SERVICES.len()];
        let description = format!(
            "{} {noun} on {service} clusters: finds what is stuck, fixes it safely and reports \
             what changed; works with {other}",
            capitalised(verb)
        );
        let keywords = vec![service.to_owned(), verb.to_owned(), noun.to_owned()];
        let kind = rng.pick(KINDS);
        let need = &self.needs[rng.below(self.needs.len())];
        let mut list = Vec::with_capacity(self.versions);
        for v in 0..self.versions {
            let version = format!("1.{v}.0");
            let script = format!(
                "#!/bin/sh\n# {name} {version}: {description}\nset -eu\nexec python3 \"$(dirname \"$0\")/../lib/{noun}.txt\" \"$@\"\n"
            );
            let size = data_size(rng, self.payloads);
            let data = if size >= BUNDLE {
                noise(rng, size)
            } else {
                payload(rng, size)
            };
            let files = vec![
                ("bin/run".to_owned(), script.into_bytes()),
                (format!("lib/{noun}.txt"), data),
            ];
            let manifest = format!(
                "[asset]\nname = \"{name}\"\nversion = \"{version}\"\nkind = \"{kind}\"\n\
                 description = \"{description}\"\nlicense = \"Apache-2.0\"\n\
                 keywords = [\"{service}\", \"{verb}\", \"{noun}\"]\n\n\
                 [openstack]\nservices = [\"{service}\", \"{other}\"]\nreleases = \"*\"\n\n\
                 [needs]\naddresses = [\"{need}\"]\n\n\
                 [entrypoints]\nbin = {{ \"{name}\" = \"bin/run\" }}\n"
            );
            let archive = pack_files(&self.scratch.join(&name).join(&version), &manifest, &files)
                .with_context(|| format!("packing {name} {version}"))?;
            list.push(Version {
                version,
                files,
                archive,
            });
        }
        Ok(Asset {
            name,
            description,
            keywords,
            versions: list,
        })
    }
}

impl Iterator for Generator {
    type Item = anyhow::Result<Asset>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.assets {
            return None;
        }
        let i = self.next;
        self.next += 1;
        Some(self.asset(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.assets - self.next;
        (left, Some(left))
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Writes `files` and `osops.toml` into `dir` and packs them as `osops package` does.
fn pack_files(dir: &Path, manifest: &str, files: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a directory"))?;
        std::fs::write(&path, bytes)?;
    }
    std::fs::write(dir.join("osops.toml"), manifest)?;
    let manifest = Manifest::from_toml_str(manifest)?;
    let archive = pack(dir, &manifest, &Limits::default())?;
    std::fs::remove_dir_all(dir)?;
    Ok(archive)
}

/// The same versions as npm packages, for the peer.
pub fn npm_packages(assets: &[Asset]) -> Vec<Package> {
    assets
        .iter()
        .flat_map(|asset| {
            asset.versions.iter().map(|v| Package {
                name: asset.name.clone(),
                version: v.version.clone(),
                description: asset.description.clone(),
                keywords: asset.keywords.clone(),
                files: v.files.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_catalog_and_every_archive_validates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = generate(6, 2, 7, dir.path()).expect("generate");
        let b = generate(6, 2, 7, dir.path()).expect("generate");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.name, y.name);
            for (v, w) in x.versions.iter().zip(&y.versions) {
                assert_eq!(v.archive, w.archive);
                let read = osops_index::archive::read(&v.archive, &Limits::default())
                    .expect("a valid archive");
                assert_eq!(read.manifest.asset.name.as_str(), x.name);
            }
        }
        let names: std::collections::BTreeSet<_> = a.iter().map(|x| &x.name).collect();
        assert_eq!(names.len(), 6, "names are unique");
    }

    #[test]
    fn small_payloads_stream_assets_with_only_small_archives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mixed = generate(40, 2, 7, dir.path()).expect("generate");
        let small: Vec<Asset> = Generator::new(40, 2, 7, Payloads::Small, dir.path())
            .collect::<anyhow::Result<_>>()
            .expect("generate");
        assert_eq!(small.len(), 40);
        // The first asset's name is drawn before any payload: the same vocabulary, the same name.
        assert_eq!(small[0].name, mixed[0].name);
        let largest = |c: &[Asset]| {
            c.iter()
                .flat_map(|a| &a.versions)
                .map(|v| v.archive.len())
                .max()
        };
        assert!(largest(&mixed) > Some(16 * 1024));
        assert!(largest(&small) < Some(16 * 1024));
    }
}
