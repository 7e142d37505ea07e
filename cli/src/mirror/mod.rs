//! `osops mirror DIR`: a static copy of a registry (or of part of it) that any web server can
//! serve as-is, or that `osops` reads straight from disk as a `file:///` registry.
//!
//! [`run`] reads the registry ([`source`]), chooses the assets and versions ([`select`]), lays
//! the files out where a client will ask for them ([`layout`]) with a listing in place of the
//! search API ([`catalog`]), and writes only what changed ([`plan`]), recording what it wrote in
//! `mirror.json` ([`record`]).
//!
//! Order is what keeps a mirror usable when a run is interrupted: archives first (each a
//! `.download-` file renamed into place once its sha256 is the index's `cksum`, through the
//! download cache's own code), then the index files that list them, then `config.json`, the
//! catalog and the needs catalog, then removals, and the record last. At every point, every
//! version an index file lists has its archive under its final name; nothing under a final name
//! is partial. A lock file keeps two runs from writing one mirror at once.

pub mod catalog;
mod fsops;
pub mod layout;
pub mod plan;
pub mod record;
pub mod select;
mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use osops_index::AssetName;

use crate::cache::download::{self, Download, DownloadError, Progress};
use crate::client::{self, Client};
use plan::{Change, Counts};
use record::{RECORD_FILE, RECORD_VERSION, Record, RecordedAsset};
use select::Filters;
use source::Source;

/// What to mirror and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these assets (and their dependencies); empty: every asset the registry lists.
    pub names: Vec<AssetName>,
    pub filters: Filters,
    /// Absolute download URLs under this URL (checked by [`layout::check_base_url`]) instead of
    /// relative ones.
    pub base_url: Option<String>,
    /// Downloads (and index reads) at once.
    pub jobs: usize,
    /// Hash every archive already in the mirror, even those the record says are unchanged.
    pub verify: bool,
}

/// What a run did, for the summary and `--json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The registry copied.
    pub source: String,
    pub dir: PathBuf,
    /// Assets and versions the mirror now holds.
    pub assets: u64,
    pub versions: u64,
    pub archives: Counts,
    /// Index files, `config.json`, `catalog.json` and `needs.json`.
    pub index_files: Counts,
    /// Bytes of archives downloaded by this run.
    pub downloaded_bytes: u64,
    /// Bytes of files removed by this run.
    pub removed_bytes: u64,
    /// What the mirror cannot serve (filters that kept nothing of a named asset, dependencies it
    /// cannot hold).
    pub warnings: Vec<String>,
}

impl Summary {
    /// Whether the run changed nothing on disk.
    pub fn unchanged(&self) -> bool {
        !self.archives.changed() && !self.index_files.changed()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{registry}` is a directory: `osops mirror` copies from a registry server")]
    SourceIsDirectory { registry: String },
    #[error("`{}` is not empty and holds no `{RECORD_FILE}`: it is not a mirror", .dir.display())]
    NotAMirrorDir { dir: PathBuf },
    #[error("another `osops mirror` is writing to `{}`", .dir.display())]
    Busy { dir: PathBuf },
    #[error("`{}` is not a mirror record: {message}", .path.display())]
    BadRecord { path: PathBuf, message: String },
    #[error("cannot write the mirror at `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot fetch {what} from `{registry}`")]
    Client {
        what: String,
        registry: String,
        #[source]
        source: client::Error,
    },
    #[error("no asset named `{name}` in the registry at `{registry}`")]
    NotFound { name: AssetName, registry: String },
    #[error("cannot mirror the archives")]
    Download(#[from] DownloadError),
    #[error("the registry's download URL template gives `{0}`, which is not an http(s) URL")]
    BadDownloadUrl(String),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::SourceIsDirectory { .. } => Some(
                "pass the registry's http(s) URL with `--registry`; to copy a mirror, copy its directory".into(),
            ),
            Error::NotAMirrorDir { .. } => Some(
                "name a new or empty directory, or one an earlier `osops mirror` wrote".into(),
            ),
            Error::Busy { .. } => Some("wait for it to finish, then run this again".into()),
            Error::BadRecord { .. } => Some(format!(
                "remove `{RECORD_FILE}` and the mirror's `index/` and `archives/`, and mirror again"
            )),
            Error::Io { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                Some("fix the directory's permissions, or mirror into another one".into())
            }
            Error::Client { source, .. } => source.hint(),
            Error::NotFound { name, .. } => {
                Some(format!("look for it with `osops search {name}`"))
            }
            Error::Download(e) => e.hint(),
            _ => None,
        }
    }
}

/// Mirrors `client`'s registry into `dir` (created if need be). `progress` shows the downloads.
pub fn run(
    client: &Client,
    dir: &Path,
    options: &Options,
    progress: &Progress,
) -> Result<Summary, Error> {
    if client.is_directory() {
        return Err(Error::SourceIsDirectory {
            registry: client.registry().to_owned(),
        });
    }
    let dir = std::path::absolute(dir).map_err(fsops::io(dir))?;
    std::fs::create_dir_all(&dir).map_err(fsops::io(&dir))?;
    let previous = fsops::read_record(&dir)?;
    if previous.is_none() && fsops::has_entries(&dir)? {
        return Err(Error::NotAMirrorDir { dir });
    }
    let _lock = fsops::lock(&dir)?;
    fsops::remove_leftovers(&dir)?;
    if previous.is_none() {
        // Written before anything else, so that a first run cut short leaves a directory the
        // next run recognises as its own and completes.
        let started = Record {
            v: RECORD_VERSION,
            source: record::without_credentials(client.registry()),
            ..Record::default()
        };
        let bytes = serde_json::to_vec_pretty(&started).map_err(|e| fsops::io(&dir)(e.into()))?;
        fsops::write(&dir.join(RECORD_FILE), &bytes)?;
    }

    let source = Source {
        client,
        jobs: options.jobs.max(1),
    };
    let config = source.config()?;
    let (chosen, mut descriptions) = choose(&source, &options.names)?;
    let selection = select::select(chosen, &options.filters, |wave| source.index_files(wave))?;
    let mut warnings = Vec::new();
    for name in &selection.nothing_kept {
        if options.names.contains(name) {
            warnings.push(format!(
                "no version of `{name}` passes the filters; it is not in the mirror"
            ));
        }
    }
    for (dependent, dependency) in &selection.unmet {
        warnings.push(format!(
            "`{dependent}` depends on `{dependency}`, which the registry does not have or has only \
             yanked versions of (`--include-yanked` keeps those); installing `{dependent}` from the \
             mirror will fail"
        ));
    }
    for name in selection.assets.keys() {
        if !descriptions.contains_key(name) {
            descriptions.insert(name.clone(), source.description(name));
        }
    }

    let mut record = Record {
        v: RECORD_VERSION,
        source: record::without_credentials(client.registry()),
        selection: record::Selection {
            names: options.names.iter().map(ToString::to_string).collect(),
            kind: options.filters.kind.map(|k| k.to_string()),
            service: options.filters.service.clone(),
            release: options.filters.release.clone(),
            need: options.filters.need.clone(),
            include_yanked: options.filters.include_yanked,
        },
        ..Record::default()
    };
    let mut summary = Summary {
        source: record::without_credentials(client.registry()),
        dir: dir.clone(),
        assets: selection.assets.len() as u64,
        versions: 0,
        archives: Counts::default(),
        index_files: Counts::default(),
        downloaded_bytes: 0,
        removed_bytes: 0,
        warnings,
    };

    // Archives first: an index file is written only once the archives it lists are in place.
    let mut jobs = Vec::new();
    // The archives this run downloads, relative to the mirror.
    let mut fetched: Vec<String> = Vec::new();
    for (name, asset) in &selection.assets {
        record.assets.insert(
            name.to_string(),
            RecordedAsset {
                chosen: asset.chosen,
            },
        );
        for (entry, _) in &asset.lines {
            summary.versions += 1;
            let rel = layout::archive_rel(name, &entry.vers);
            let path = dir.join(&rel);
            let stamp = fsops::stamp_of(&path)?;
            let change = if !options.verify
                && plan::known_unchanged(previous.as_ref(), &rel, &entry.cksum, stamp)
            {
                Change::Unchanged
            } else {
                plan::decide(fsops::sha256_of(&path)?.as_deref(), &entry.cksum)
            };
            summary.archives.count(change);
            record.files.insert(rel.clone(), entry.cksum.clone());
            if change == Change::Unchanged {
                // Checked now (or trusted again): this stamp vouches for it next time.
                record.stamps.extend(stamp.map(|stamp| (rel, stamp)));
                continue;
            }
            let url = crate::install::apply::download_url(
                client.registry(),
                &config.dl,
                name,
                &entry.vers,
            )
            .map_err(|_| Error::BadDownloadUrl(config.dl.clone()))?;
            let job = Download {
                registry: client.registry().to_owned(),
                url,
                sha256: entry.cksum.clone(),
                what: format!("{name} v{}", entry.vers),
            };
            jobs.push((job, path));
            fetched.push(rel);
        }
    }
    let limits = osops_index::archive::Limits::default();
    download::download_to(&jobs, client, source.jobs, limits.max_compressed, progress)?;
    // Each download was verified on its way in: its stamp vouches for it next time.
    for rel in fetched {
        if let Some(stamp) = fsops::stamp_of(&dir.join(&rel))? {
            summary.downloaded_bytes += stamp.size;
            record.stamps.insert(rel, stamp);
        }
    }

    // Then the index files, the configuration and the needs catalog.
    let mut texts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, asset) in &selection.assets {
        let mut body = String::new();
        for (_, line) in &asset.lines {
            body.push_str(line);
            body.push('\n');
        }
        texts.insert(layout::index_rel(name), body.into_bytes());
    }
    let config = layout::config(options.base_url.as_deref());
    let config = serde_json::to_vec(&config).map_err(|e| fsops::io(&dir)(e.into()))?;
    texts.insert(layout::CONFIG_REL.to_owned(), config);
    let catalog = catalog::build(&selection.assets, &descriptions);
    let catalog = serde_json::to_vec(&catalog).map_err(|e| fsops::io(&dir)(e.into()))?;
    texts.insert(catalog::CATALOG_REL.to_owned(), catalog);
    if let Some(needs) = source.needs()? {
        texts.insert(layout::NEEDS_REL.to_owned(), needs);
    }
    for (rel, bytes) in &texts {
        let path = dir.join(rel);
        let sha256 = osops_index::sha256_hex(bytes);
        let change = plan::decide(fsops::sha256_of(&path)?.as_deref(), &sha256);
        summary.index_files.count(change);
        if change != Change::Unchanged {
            fsops::write(&path, bytes)?;
        }
        record.files.insert(rel.clone(), sha256);
    }

    // Then what the previous run wrote and this one does not want.
    if let Some(previous) = &previous {
        let wanted: BTreeSet<String> = record.files.keys().cloned().collect();
        for rel in plan::stale(previous, &wanted) {
            if let Some(size) = fsops::remove(&dir, &rel)? {
                summary.removed_bytes += size;
                if rel.starts_with(layout::ARCHIVES_DIR) {
                    summary.archives.removed += 1;
                } else {
                    summary.index_files.removed += 1;
                }
            }
        }
    }

    // The record last, and only when it changed.
    let bytes = serde_json::to_vec_pretty(&record).map_err(|e| fsops::io(&dir)(e.into()))?;
    if previous.as_ref() != Some(&record) {
        fsops::write(&dir.join(RECORD_FILE), &bytes)?;
    }
    Ok(summary)
}

/// The chosen assets' index files, and the descriptions the listing gave: the named assets
/// (each must exist), else every asset the registry lists.
type Chosen = (
    BTreeMap<AssetName, select::Lines>,
    BTreeMap<AssetName, String>,
);

fn choose(source: &Source<'_>, names: &[AssetName]) -> Result<Chosen, Error> {
    let (names, descriptions) = if names.is_empty() {
        let listed = source.listed()?;
        (listed.keys().cloned().collect::<Vec<_>>(), listed)
    } else {
        (names.to_vec(), BTreeMap::new())
    };
    let mut chosen = BTreeMap::new();
    for (name, lines) in names.iter().zip(source.index_files(&names)?) {
        match lines {
            Some(lines) => {
                chosen.insert(name.clone(), lines);
            }
            // Listed a moment ago and gone now: nothing to mirror.
            None if descriptions.contains_key(name) => {}
            None => {
                return Err(Error::NotFound {
                    name: name.clone(),
                    registry: source.client.registry().to_owned(),
                });
            }
        }
    }
    Ok((chosen, descriptions))
}
