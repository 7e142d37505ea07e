//! What `osops-registry serve` is told, and where it keeps its files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use osops_index::archive::Limits;

use crate::blobs::{Blobs, S3Config};
use crate::error::Error;
use crate::rate_limit::RateLimits;

/// The settings of `osops-registry serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `--database-url`: PostgreSQL (or another SQLite file) instead of `DATA/registry.db`.
    pub database_url: Option<String>,
    /// `--storage`: S3 (or another directory) instead of `DATA/blobs/`.
    pub storage: Storage,
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
            database_url: None,
            storage: Storage::default(),
            public_url: None,
            max_upload: Limits::default().max_compressed,
            demo: None,
            rate_limits: RateLimits::default(),
            config_file: None,
        }
    }
}

/// Where archives live: `serve --storage URL [--s3-endpoint URL] [--s3-region REGION]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Storage {
    /// `s3://BUCKET[/PREFIX]`, `file://DIR` or a directory; `None`: `DATA/blobs/`.
    pub url: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
}

impl Storage {
    /// Opens the blob store, checking that a bucket answers before the server starts.
    pub async fn open(&self, data_dir: &DataDir) -> Result<Blobs, Error> {
        let url = self.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        let blobs = match url {
            None => Blobs::local(&data_dir.blobs())?,
            Some(url) if url.starts_with("s3://") => {
                let config =
                    S3Config::from_url(url, self.s3_endpoint.clone(), self.s3_region.clone())?;
                let blobs = Blobs::s3(&config)?;
                blobs.check().await?;
                blobs
            }
            Some(url) => Blobs::local(Path::new(url.strip_prefix("file://").unwrap_or(url)))?,
        };
        tracing::info!("archives in {}", blobs.describe());
        Ok(blobs)
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
        // Clients refuse archives over the same default, so a larger upload would be published
        // and then installable by no one.
        let client_limit = Limits::default().max_compressed;
        if max_upload > client_limit {
            return Err(Error::Invalid(format!(
                "--max-upload {max_upload} is more than {client_limit} bytes, the largest archive \
                 an osops client installs: what it let through could be published but never \
                 installed (hint: --max-upload {client_limit} or less)"
            )));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_upload_is_between_one_byte_and_what_clients_install() {
        let client_limit = Limits::default().max_compressed;
        let url = "http://127.0.0.1:8080";
        assert!(Settings::new(url, 1).is_ok());
        assert_eq!(
            Settings::new(url, client_limit)
                .expect("the client limit")
                .limits,
            Limits::default()
        );
        assert!(Settings::new(url, 0).is_err());
        let too_large = Settings::new(url, client_limit + 1).expect_err("over the client limit");
        assert!(
            too_large.to_string().contains("never installed"),
            "{too_large}"
        );
    }
}
