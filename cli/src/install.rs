//! `osops install` and `osops uninstall`: the operations, in an order that survives a crash.
//!
//! Install: index → version → archive (from the verified cache, or downloaded and checked against
//! the index's sha256 before anything decompresses it) → the same validator as the registry →
//! extraction into `assets/NAME/.tmp-VERSION-XXXX/`, renamed to `assets/NAME/VERSION/` → bin
//! links → the receipt, last, atomically. An asset is installed iff its receipt exists: a crash
//! before the receipt leaves at most a complete, unlinked directory (or an older version's links),
//! and the next run removes the leftovers and completes. Only after the new receipt is written is
//! an older version's directory removed.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use osops_index::archive::{self, ArchiveError, Limits};
use osops_index::{AssetName, IndexConfig, IndexEntry};
use semver::Version;

use crate::client::{self, Client};
use crate::fs::{make_executable, random_suffix, read_bounded, remove_leftovers, remove_path};
use crate::home::{self, Home, Receipt, io_error};
use crate::links::{self, LinkState};
use crate::printer::{Printer, human_bytes};
use crate::resolve::{self, NoMatch, Spec};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot fetch {what} from `{registry}`")]
    Client {
        what: String,
        registry: String,
        #[source]
        source: client::Error,
    },
    #[error("no asset named `{name}` in the registry at `{registry}`")]
    NotFound { name: AssetName, registry: String },
    #[error(transparent)]
    NoMatch(#[from] NoMatch),
    #[error(
        "`{name}` is installed from `{installed_from}`, not from `{registry}`; refusing to replace it"
    )]
    OtherRegistry {
        name: AssetName,
        installed_from: String,
        registry: String,
    },
    #[error(
        "the index lists `{cksum}` as the checksum of {name} v{version}, which is not a sha256"
    )]
    BadIndexChecksum {
        name: AssetName,
        version: Version,
        cksum: String,
    },
    #[error("the registry's download URL `{0}` is not an http(s) URL")]
    BadDownloadUrl(String),
    #[error(
        "checksum mismatch for {name} v{version}: expected {expected}, got {got}; \
         the registry or a proxy served different bytes than its index lists"
    )]
    ChecksumMismatch {
        name: AssetName,
        version: Version,
        expected: String,
        got: String,
    },
    #[error("the archive of {name} v{version} is invalid")]
    Archive {
        name: AssetName,
        version: Version,
        #[source]
        source: Box<ArchiveError>,
    },
    #[error("the archive the index lists as {name} v{version} contains {found}")]
    ManifestMismatch {
        name: AssetName,
        version: Version,
        found: String,
    },
    #[error("entry point `{cmd}` (`{path}`) of {name}: {reason}")]
    BadEntrypoint {
        name: AssetName,
        cmd: String,
        path: String,
        reason: String,
    },
    #[error("command `{cmd}` is already provided by `{owner}`")]
    BinConflict { cmd: String, owner: String },
    #[error("`{}` exists and was not created by osops", .path.display())]
    BinForeign { cmd: String, path: PathBuf },
    #[error("cannot extract {name} v{version} into `{}`", .path.display())]
    Extract {
        name: AssetName,
        version: Version,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` is not installed")]
    NotInstalled(AssetName),
    #[error(transparent)]
    Home(#[from] home::Error),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Client { source, .. } => source.hint(),
            Error::NotFound { name, .. } => Some(format!("look for it with `osops search {name}`")),
            Error::NoMatch(e) => e.hint(),
            Error::OtherRegistry { name, .. } => Some(format!(
                "run `osops uninstall {name}` first, or pass `--force` if you trust both registries"
            )),
            Error::BinConflict { cmd, owner } => Some(format!(
                "pass `--force` to take `{cmd}` over, or run `osops uninstall {owner}` first"
            )),
            Error::BinForeign { cmd, .. } => Some(format!(
                "move it away, or pass `--force` to replace `{cmd}`"
            )),
            Error::NotInstalled(_) => Some("see what is installed with `osops list`".into()),
            Error::Home(e) => e.hint(),
            _ => None,
        }
    }
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed {
        name: AssetName,
        version: Version,
        bins: Vec<String>,
        playbook: Option<String>,
        /// The version this one replaced, if another was installed.
        replaced: Option<Version>,
    },
    AlreadyInstalled {
        name: AssetName,
        version: Version,
    },
}

/// Installs assets from one registry into one home.
pub struct Installer<'a> {
    pub home: &'a Home,
    pub client: &'a Client,
    pub printer: &'a Printer,
    pub limits: Limits,
    config: Option<IndexConfig>,
}

impl<'a> Installer<'a> {
    pub fn new(home: &'a Home, client: &'a Client, printer: &'a Printer) -> Self {
        Installer {
            home,
            client,
            printer,
            limits: Limits::default(),
            config: None,
        }
    }

    fn client_error(&self, what: impl Into<String>) -> impl FnOnce(client::Error) -> Error + '_ {
        let what = what.into();
        move |source| Error::Client {
            what,
            registry: self.client.registry().to_owned(),
            source,
        }
    }

    pub fn install(&mut self, spec: &Spec, force: bool) -> Result<Outcome, Error> {
        let name = &spec.name;
        let reporter = self.printer.reporter();
        let entries = self
            .client
            .index_entries(name, &reporter)
            .map_err(self.client_error(format!("the index entry of `{name}`")))?
            .ok_or_else(|| Error::NotFound {
                name: name.clone(),
                registry: self.client.registry().to_owned(),
            })?;
        let selected = resolve::select(&entries, spec)?;
        let entry = &selected.entry;
        let version = &entry.vers;
        if selected.yanked {
            self.printer.warn(format_args!(
                "{name} v{version} is yanked; installing it because it was pinned exactly"
            ));
        }
        if !is_sha256(&entry.cksum) {
            return Err(Error::BadIndexChecksum {
                name: name.clone(),
                version: version.clone(),
                cksum: entry.cksum.clone(),
            });
        }

        let previous = self.home.read_receipt(name)?;
        if let Some(prev) = &previous {
            if prev.registry != self.client.registry() && !force {
                return Err(Error::OtherRegistry {
                    name: name.clone(),
                    installed_from: prev.registry.clone(),
                    registry: self.client.registry().to_owned(),
                });
            }
            if &prev.version == version
                && prev.cksum == entry.cksum
                && !force
                && self.home.version_dir(name, version).is_dir()
            {
                return Ok(Outcome::AlreadyInstalled {
                    name: name.clone(),
                    version: version.clone(),
                });
            }
        }

        let bytes = self.fetch(entry)?;
        let archive = archive::read(&bytes, &self.limits).map_err(|e| Error::Archive {
            name: name.clone(),
            version: version.clone(),
            source: Box::new(e),
        })?;
        let found = &archive.manifest.asset;
        if &found.name != name || &found.version != version {
            return Err(Error::ManifestMismatch {
                name: name.clone(),
                version: version.clone(),
                found: format!("{} v{}", found.name, found.version),
            });
        }
        if archive.sha256 != entry.cksum {
            return Err(Error::ChecksumMismatch {
                name: name.clone(),
                version: version.clone(),
                expected: entry.cksum.clone(),
                got: archive.sha256.clone(),
            });
        }
        let bins = self.plan_bins(&archive, force)?;

        // From here on, $OSOPS_HOME changes. Reinstalling the installed version: it stops being
        // installed until the new receipt is written.
        if previous.as_ref().is_some_and(|p| &p.version == version) {
            self.home.remove_receipt(name)?;
        }
        self.extract(&archive, &bins)?;
        for (cmd, path) in &bins {
            links::link(self.home, cmd, &links::target(name, version, path))?;
        }
        self.home.write_receipt(&Receipt {
            name: name.clone(),
            version: version.clone(),
            cksum: entry.cksum.clone(),
            registry: self.client.registry().to_owned(),
            installed_at: home::now_rfc3339(),
            bins: bins.clone(),
        })?;

        // Installed. What follows is tidying: a failure is worth a warning, not an error.
        if let Err(e) = self.tidy(name, version, previous.as_ref(), &bins) {
            self.printer.warn(format_args!(
                "installed {name} v{version}, but could not remove the old files: {e}"
            ));
        }
        for command in &archive.manifest.requires.commands {
            if crate::runner::find_in_path(command).is_none() {
                self.printer.warn(format_args!(
                    "{name} needs `{command}`, which is not on PATH"
                ));
            }
        }
        Ok(Outcome::Installed {
            name: name.clone(),
            version: version.clone(),
            bins: bins.into_keys().collect(),
            playbook: archive.manifest.entrypoints.playbook.clone(),
            replaced: previous.map(|p| p.version).filter(|v| v != version),
        })
    }

    /// The verified bytes of `entry`'s archive: from the cache if they still hash right, else
    /// downloaded, checked against the index, and only then cached.
    fn fetch(&mut self, entry: &IndexEntry) -> Result<Vec<u8>, Error> {
        let (name, version, cksum) = (&entry.name, &entry.vers, &entry.cksum);
        let cache_dir = self.home.cache_dir(self.client.registry());
        std::fs::create_dir_all(&cache_dir).map_err(io_error(&cache_dir))?;
        let cached = cache_dir.join(format!("{cksum}.osops"));
        if let Some(bytes) = read_bounded(&cached, self.limits.max_compressed)? {
            if &osops_index::sha256_hex(&bytes) == cksum {
                self.printer.detail(
                    "Cached",
                    format_args!("{name} v{version} from `{}`", cached.display()),
                );
                return Ok(bytes);
            }
            self.printer.warn(format_args!(
                "cached archive `{}` is corrupt; downloading again",
                cached.display()
            ));
            std::fs::remove_file(&cached).map_err(io_error(&cached))?;
        }

        let url = self.download_url(name, version)?;
        self.printer
            .status("Downloading", format_args!("{name} v{version}"));
        self.printer.detail("Fetching", &url);
        // Dropping `tmp` on any error deletes the partial download.
        let mut tmp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(&cache_dir)
            .map_err(io_error(&cache_dir))?;
        let reporter = self.printer.reporter();
        let (size, got) = self
            .client
            .download(
                &url,
                &format!("{name} v{version}"),
                tmp.as_file_mut(),
                self.limits.max_compressed,
                &reporter,
            )
            .map_err(self.client_error(format!("{name} v{version}")))?;
        let mismatch = |got: String| Error::ChecksumMismatch {
            name: name.clone(),
            version: version.clone(),
            expected: cksum.clone(),
            got,
        };
        if &got != cksum {
            return Err(mismatch(got));
        }
        // Hash again exactly the bytes that will be decompressed, as read back from disk.
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let file = tmp.as_file_mut();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map_err(io_error(tmp.path()))?;
        let again = osops_index::sha256_hex(&bytes);
        if &again != cksum {
            return Err(mismatch(again));
        }
        tmp.as_file().sync_all().map_err(io_error(&cached))?;
        tmp.persist(&cached).map_err(|e| home::Error::Io {
            path: cached.clone(),
            source: e.error,
        })?;
        self.printer.detail(
            "Downloaded",
            format_args!("{name} v{version} ({})", human_bytes(size)),
        );
        Ok(bytes)
    }

    fn download_url(&mut self, name: &AssetName, version: &Version) -> Result<String, Error> {
        let config = match &self.config {
            Some(config) => config,
            None => {
                let reporter = self.printer.reporter();
                let config = self
                    .client
                    .index_config(&reporter)
                    .map_err(self.client_error("the index configuration"))?;
                self.config.insert(config)
            }
        };
        let dl = &config.dl;
        let url = if dl.contains("{name}") || dl.contains("{version}") {
            dl.replace("{name}", name.as_str())
                .replace("{version}", &version.to_string())
        } else {
            // cargo's rule for a template without markers.
            format!("{}/{name}/{version}/download", dl.trim_end_matches('/'))
        };
        let url = if url.starts_with('/') {
            format!("{}{url}", self.client.registry())
        } else {
            url
        };
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err(Error::BadDownloadUrl(url));
        }
        Ok(url)
    }

    /// The bin links to create, checked: plain command names, files the archive holds, and
    /// commands no other installed asset owns (unless `force`).
    fn plan_bins(
        &self,
        archive: &archive::Archive,
        force: bool,
    ) -> Result<BTreeMap<String, String>, Error> {
        let name = &archive.manifest.asset.name;
        let mut bins = BTreeMap::new();
        for (cmd, path) in &archive.manifest.entrypoints.bin {
            let bad = |reason: String| Error::BadEntrypoint {
                name: name.clone(),
                cmd: cmd.clone(),
                path: path.clone(),
                reason,
            };
            links::check_command_name(cmd).map_err(|r| bad(format!("the command name {r}")))?;
            let wanted = path.trim_start_matches("./");
            let is_file = archive
                .entries
                .iter()
                .any(|e| e.path == wanted && matches!(e.data, archive::EntryData::File { .. }));
            if !is_file {
                return Err(bad("not a file in the archive".into()));
            }
            match links::inspect(self.home, cmd)? {
                LinkState::Free | LinkState::Stale => {}
                LinkState::Owned(owner) if &owner == name => {}
                LinkState::Owned(owner) if !force => {
                    return Err(Error::BinConflict {
                        cmd: cmd.clone(),
                        owner: owner.to_string(),
                    });
                }
                LinkState::Foreign if !force => {
                    return Err(Error::BinForeign {
                        cmd: cmd.clone(),
                        path: self.home.bin_dir().join(cmd),
                    });
                }
                LinkState::Owned(owner) => {
                    self.printer
                        .warn(format_args!("taking command `{cmd}` over from `{owner}`"));
                }
                LinkState::Foreign => {
                    self.printer.warn(format_args!(
                        "replacing `{}`",
                        self.home.bin_dir().join(cmd).display()
                    ));
                }
            }
            bins.insert(cmd.clone(), wanted.to_owned());
        }
        Ok(bins)
    }

    /// Extracts into a fresh temporary directory beside the target and renames it into place, so
    /// `assets/NAME/VERSION/` is either absent or complete.
    fn extract(
        &self,
        archive: &archive::Archive,
        bins: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let (name, version) = (
            &archive.manifest.asset.name,
            &archive.manifest.asset.version,
        );
        let asset_dir = self.home.asset_dir(name);
        std::fs::create_dir_all(&asset_dir).map_err(io_error(&asset_dir))?;
        remove_leftovers(&asset_dir, |file_name| file_name.starts_with(".tmp-"))?;
        let dest = self.home.version_dir(name, version);
        // No receipt names this version now: whatever is there is a leftover.
        remove_path(&dest)?;

        let tmp = asset_dir.join(format!(".tmp-{version}-{}", random_suffix()));
        let extract_error = |source| Error::Extract {
            name: name.clone(),
            version: version.clone(),
            path: tmp.clone(),
            source,
        };
        let result = archive
            .extract_to(&tmp)
            .and_then(|()| make_executable(&tmp, bins.values()));
        if let Err(source) = result {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(extract_error(source));
        }
        std::fs::rename(&tmp, &dest).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            extract_error(e)
        })
    }

    /// After the receipt: drop the old version's links that the new one does not have, and every
    /// other directory under `assets/NAME/`.
    fn tidy(
        &self,
        name: &AssetName,
        version: &Version,
        previous: Option<&Receipt>,
        bins: &BTreeMap<String, String>,
    ) -> Result<(), home::Error> {
        if let Some(prev) = previous {
            for cmd in prev.bins.keys().filter(|cmd| !bins.contains_key(*cmd)) {
                links::unlink_if_owned(self.home, cmd, name)?;
            }
        }
        let keep = version.to_string();
        remove_leftovers(&self.home.asset_dir(name), |file_name| file_name != keep)
    }
}

/// Removes `name`'s links, then its receipt, then its directory: a crash part-way leaves an
/// asset that `osops uninstall` can still finish removing. Returns the version that was installed.
pub fn uninstall(home: &Home, name: &AssetName) -> Result<Option<Version>, Error> {
    let receipt = home.read_receipt(name)?;
    let asset_dir = home.asset_dir(name);
    let leftovers = std::fs::symlink_metadata(&asset_dir).is_ok();
    let unlinked = links::unlink_all(home, name)?;
    if receipt.is_none() && !leftovers && unlinked.is_empty() {
        return Err(Error::NotInstalled(name.clone()));
    }
    home.remove_receipt(name)?;
    remove_path(&asset_dir)?;
    Ok(receipt.map(|r| r.version))
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests;
