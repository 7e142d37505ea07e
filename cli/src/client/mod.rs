//! The UI-free API client for an osops registry.
//!
//! It never prints: progress and retries go through [`Reporter`], failures come back as [`Error`],
//! whose [`Error::Api`] carries the `detail` of the server's problem+json body. Every request has a
//! connect timeout, an idle (read) timeout and a total deadline per attempt; GETs and downloads are
//! retried with exponential backoff on connection failures, resets, timed-out attempts (a stalled
//! or trickling answer), 5xx and 429 answers, a bounded number of times, and then fail closed
//! ([`Error::GaveUp`]). A publish is retried only when no answer came and on 429 (see
//! `http::Policy`); other writes are sent once. Bodies are read with a size cap, so a registry
//! cannot feed endless data.
//!
//! Index files can be fetched conditionally ([`Client::get_revalidated`], `If-None-Match`) and
//! parsed apart from fetching ([`parse_index`], [`parse_config`]), so the download cache
//! (`crate::cache`) can keep them. A [`Client`] is `Send + Sync`: download threads share one,
//! and its connection pool.
//!
//! The calls are grouped by resource: assets and the index here, [`needs`] (needs, votes, yanks),
//! [`accounts`] (tokens, owners) and [`trusted`] (trusted publishing).
//!
//! A registry may also be a directory, named by a `file:///` URL: a mirror `osops mirror` wrote
//! ([`directory`]). The same client reads its files instead of requesting them, answers search
//! and the asset view from its index files, and refuses everything else ([`Error::NoApi`]).

mod accounts;
mod directory;
mod error;
mod http;
mod mirror_views;
mod needs;
mod trusted;
mod types;

use std::time::Duration;

use osops_index::{AssetName, IndexConfig, IndexEntry};

pub use accounts::{CreatedToken, NewToken, Owner, Owners, SCOPES, TokenInfo, TokenList};
pub(crate) use directory::is_plain_rel;
pub use error::Error;
pub use trusted::{Claims, Exchanged, PublisherId, TrustedPublisher, TrustedPublishers};
pub use types::{
    Asset, AssetInfo, AssetVersion, Need, NeedAnswer, NeedInfo, NeedList, NeedQuery, NeedSaved,
    NeedSort, NeedSummary, Published, SearchHit, SearchQuery, SearchResults, Vote, Yank,
};

/// Largest JSON body (API answer or index file) the client accepts.
const MAX_JSON_BODY: u64 = 16 * 1024 * 1024;

/// Where the client reports what the user may want to see. Every method has an empty default.
pub trait Reporter {
    /// A download begins; `len` is its `Content-Length` when the server sent one.
    fn download_started(&self, _what: &str, _len: Option<u64>) {}
    /// `bytes` of the current download have arrived so far.
    fn download_progress(&self, _bytes: u64) {}
    fn download_finished(&self) {}
    /// Attempt `attempt` of `attempts` failed for `reason`; the client waits `delay` and retries.
    fn retrying(&self, _url: &str, _attempt: u32, _attempts: u32, _delay: Duration, _reason: &str) {
    }
}

/// The answer to [`Client::get_revalidated`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revalidated {
    /// `304`: the copy whose ETag was sent is current.
    NotModified,
    /// `200`: the body, and its `ETag` when the server sent one.
    Fetched { body: Vec<u8>, etag: Option<String> },
}

/// A [`Reporter`] that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// Timeouts and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub connect_timeout: Duration,
    /// How long a read may wait for the next bytes.
    pub read_timeout: Duration,
    /// Deadline for one attempt, from sending the request to the end of the body: a registry that
    /// trickles one byte a second still fails.
    pub total_timeout: Duration,
    /// Retries after the first attempt, for GETs only.
    pub retries: u32,
    /// First backoff delay; doubled on each retry, capped at [`Settings::max_backoff`].
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// A client for one registry.
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::blocking::Client,
    settings: Settings,
    /// `Some` for a `file:///` registry: the directory its URLs are read from.
    directory: Option<directory::Directory>,
}

impl Client {
    /// `registry` is the registry's base URL (`http://127.0.0.1:8080`): http(s), or `file:///`
    /// for a mirror in a directory.
    pub fn new(registry: &str, token: Option<String>, settings: Settings) -> Result<Client, Error> {
        let base = normalize_registry(registry)?;
        let directory = if base.starts_with("file://") {
            Some(directory::Directory::open(&base)?)
        } else {
            None
        };
        let timeout = settings.read_timeout.min(settings.total_timeout);
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("osops/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(|source| Error::Http {
                url: base.clone(),
                source,
            })?;
        Ok(Client {
            base,
            token,
            http,
            settings,
            directory,
        })
    }

    /// Whether the registry is a directory (a `file:///` mirror) rather than a server.
    pub fn is_directory(&self) -> bool {
        self.directory.is_some()
    }

    /// The registry's base URL, without a trailing `/`.
    pub fn registry(&self) -> &str {
        &self.base
    }

    /// `GET /index/config.json`.
    pub fn index_config(&self, reporter: &dyn Reporter) -> Result<IndexConfig, Error> {
        let url = self.index_config_url();
        let body = self.get_bytes(&url, reporter)?;
        parse_config(&url, &body)
    }

    /// `GET /index/{prefix}/{name}`: every published version, oldest first. `None` when the
    /// registry has no asset of that name.
    pub fn index_entries(
        &self,
        name: &AssetName,
        reporter: &dyn Reporter,
    ) -> Result<Option<Vec<IndexEntry>>, Error> {
        let url = self.index_file_url(name);
        match self.get_bytes(&url, reporter) {
            Ok(body) => parse_index(&url, name, &body).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The URL of `config.json` in the registry's index.
    pub fn index_config_url(&self) -> String {
        format!("{}/index/config.json", self.base)
    }

    /// The URL of the index file of `name`.
    pub fn index_file_url(&self, name: &AssetName) -> String {
        format!("{}/index/{}", self.base, osops_index::index_path(name))
    }

    /// `GET /api/v1/assets?…`.
    pub fn search(
        &self,
        query: &SearchQuery,
        reporter: &dyn Reporter,
    ) -> Result<SearchResults, Error> {
        self.or_mirror(
            || {
                let url = reqwest::Url::parse_with_params(
                    &format!("{}/api/v1/assets", self.base),
                    query.pairs(),
                )
                .map_err(|_| Error::BadRegistryUrl(self.base.clone()))?
                .to_string();
                let body = self.get_bytes(&url, reporter)?;
                decode(&url, &body)
            },
            || self.mirror_search(query, reporter),
        )
    }

    /// `GET /api/v1/assets/{name}`: the typed view and the server's object as sent.
    pub fn asset(&self, name: &AssetName, reporter: &dyn Reporter) -> Result<Asset, Error> {
        self.or_mirror(
            || {
                let url = format!("{}/api/v1/assets/{name}", self.base);
                let body = self.get_bytes(&url, reporter)?;
                let raw: serde_json::Value = decode(&url, &body)?;
                let info: AssetInfo = decode(&url, raw.to_string().as_bytes())?;
                Ok(Asset { info, raw })
            },
            || self.mirror_asset(name, reporter),
        )
    }

    /// `PUT /api/v1/assets` with the archive's bytes; with `dry_run`, `?dry_run=true`: every check
    /// runs and nothing is stored. Retried only when no answer came and on 429 (an identical
    /// re-publish is answered "already published", so a retry cannot publish twice); every other
    /// answer goes back to the caller.
    pub fn publish(
        &self,
        archive: &[u8],
        dry_run: bool,
        reporter: &dyn Reporter,
    ) -> Result<Published, Error> {
        let mut url = format!("{}/api/v1/assets", self.base);
        if dry_run {
            url.push_str("?dry_run=true");
        }
        let token = self.token("publishing")?;
        let (_, body) = self.send(&url, http::Policy::Publish, reporter, || {
            self.http
                .put(&url)
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(archive.to_vec())
        })?;
        let raw: serde_json::Value = serde_json::from_slice(&body).map_err(|e| Error::Decode {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let mut published: Published =
            serde_json::from_value(raw.clone()).map_err(|e| Error::Decode {
                url,
                message: e.to_string(),
            })?;
        published.raw = raw;
        Ok(published)
    }
}

impl Client {
    /// The token for a request that changes the registry; `action` names it in the error.
    /// A directory registry has no API to send it to: refused first, whatever the token.
    fn token(&self, action: &'static str) -> Result<&str, Error> {
        if let Some(directory) = &self.directory {
            return Err(directory.no_api(action));
        }
        self.token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or(Error::NoToken { action })
    }

    /// Whether the client has a token to send.
    pub fn has_token(&self) -> bool {
        self.token.as_deref().is_some_and(|t| !t.is_empty())
    }

    /// The same client (registry, settings, connection pool) with another token: the one a
    /// trusted-publishing exchange minted.
    pub fn with_token(&self, token: String) -> Client {
        Client {
            base: self.base.clone(),
            token: Some(token),
            http: self.http.clone(),
            settings: self.settings,
            directory: self.directory.clone(),
        }
    }
}

/// Decodes a JSON answer, naming the URL when it does not fit.
fn decode<T: serde::de::DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

/// Parses an index file of `name` fetched from `url`: one JSON [`IndexEntry`] per line, blank lines
/// skipped, every line about `name`.
pub fn parse_index(url: &str, name: &AssetName, body: &[u8]) -> Result<Vec<IndexEntry>, Error> {
    let text = std::str::from_utf8(body).map_err(|e| Error::Decode {
        url: url.to_owned(),
        message: e.to_string(),
    })?;
    let mut entries = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let entry: IndexEntry = serde_json::from_str(line).map_err(|e| Error::Decode {
            url: url.to_owned(),
            message: format!("line {}: {e}", n + 1),
        })?;
        if &entry.name != name {
            return Err(Error::Decode {
                url: url.to_owned(),
                message: format!("line {} is about `{}`, not `{name}`", n + 1, entry.name),
            });
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Parses the index's `config.json` fetched from `url`.
pub fn parse_config(url: &str, body: &[u8]) -> Result<IndexConfig, Error> {
    decode(url, body)
}

/// Checks the registry URL (http or https, or `file:///` and an absolute path) and drops a
/// trailing `/`.
pub fn normalize_registry(url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    if let Some(path) = trimmed.strip_prefix("file://") {
        return if path.starts_with('/') && !path.contains(char::is_whitespace) {
            Ok(trimmed.to_owned())
        } else {
            Err(Error::BadRegistryUrl(url.to_owned()))
        };
    }
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !trimmed.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(Error::BadRegistryUrl(url.to_owned())),
    }
}

/// A stable short id of a registry URL: the first 16 hex digits of the sha256 of its normalized
/// form. Names the registry's download cache, so caches are never shared between registries.
pub fn registry_id(registry: &str) -> String {
    let normalized = registry.trim().trim_end_matches('/').to_ascii_lowercase();
    osops_index::sha256_hex(normalized.as_bytes())[..16].to_owned()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_accounts;
