//! What `osops-registry serve` is told, and where it keeps its files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use osops_index::archive::Limits;

use crate::error::Error;
use crate::rate_limit::RateLimits;

/// The settings of `osops-registry serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The URL clients reach the registry at; `http://{bound address}` when `None`.
    pub public_url: Option<String>,
    /// Largest accepted upload in bytes.
    pub max_upload: u64,
    /// Load the example assets in this directory into an empty registry.
    pub demo: Option<PathBuf>,
    /// Per user and action (`serve --rate-limit`).
    pub rate_limits: RateLimits,
    /// The config file (`serve --config`, TOML; see [`crate::trusted::config::ConfigFile`]).
    pub config_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("osops-data"),
            public_url: None,
            max_upload: Limits::default().max_compressed,
            demo: None,
            rate_limits: RateLimits::default(),
            config_file: None,
        }
    }
}

/// The data directory: `registry.db` (SQLite, WAL) and `blobs/` (the archives).
#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// The directory, created if missing.
    pub fn create(path: &Path) -> Result<DataDir, Error> {
        std::fs::create_dir_all(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(DataDir(path.to_owned()))
    }

    pub fn database(&self) -> PathBuf {
        self.0.join("registry.db")
    }

    pub fn blobs(&self) -> PathBuf {
        self.0.join("blobs")
    }
}

/// The runtime settings handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Without a trailing `/`.
    pub public_url: String,
    /// Archive limits; `max_compressed` is the upload limit.
    pub limits: Limits,
    /// Per user and action; [`RateLimits::default`] unless changed.
    pub rate_limits: RateLimits,
}

impl Settings {
    /// Settings for `public_url`, which must be an http(s) URL; a trailing `/` is dropped. Rate
    /// limits are the defaults ([`Settings::with_rate_limits`] changes them).
    pub fn new(public_url: &str, max_upload: u64) -> Result<Settings, Error> {
        let url = public_url.trim_end_matches('/');
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        let valid = rest.is_some_and(|r| {
            !r.is_empty() && !r.contains(|c: char| c.is_whitespace() || c.is_control())
        });
        if !valid {
            return Err(Error::Invalid(format!(
                "public URL `{public_url}` is not an http(s) URL (hint: --public-url https://registry.example.org)"
            )));
        }
        if max_upload == 0 {
            return Err(Error::Invalid(
                "--max-upload must be at least 1 byte".into(),
            ));
        }
        Ok(Settings {
            public_url: url.to_owned(),
            limits: Limits {
                max_compressed: max_upload,
                ..Limits::default()
            },
            rate_limits: RateLimits::default(),
        })
    }

    pub fn with_rate_limits(mut self, rate_limits: RateLimits) -> Settings {
        self.rate_limits = rate_limits;
        self
    }
}
