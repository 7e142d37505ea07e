//! Index files read through the cache: revalidated with `If-None-Match` online, read from the
//! cache alone offline.

use osops_index::{AssetName, IndexConfig, IndexEntry};

use super::{Cache, CachedFile, RegistryCache};
use crate::client::{self, Client, Reporter, Revalidated};

/// Why an index file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Offline, and the cache does not hold it. `what` is e.g. "the index file of `nova-tools`",
    /// so a caller can list every miss.
    #[error("{what} is not in the download cache of `{registry}`")]
    NotCached { what: String, registry: String },
    #[error("cannot fetch {what} from `{registry}`")]
    Client {
        what: String,
        registry: String,
        #[source]
        source: client::Error,
    },
    #[error(transparent)]
    Cache(#[from] super::Error),
}

impl ReadError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ReadError::NotCached { .. } => Some(
                "run the command once without `--offline` (or `--frozen`) to fill the cache".into(),
            ),
            ReadError::Client { source, .. } => source.hint(),
            ReadError::Cache(e) => e.hint(),
        }
    }
}

/// Reads one registry's index through its cache.
///
/// Online, every read asks the registry, sending the cached copy's ETag: a `304` answer reuses
/// the cached body, a `200` answer is parsed and then stored with its ETag, a `404` removes the
/// cached copy. A cached copy that no longer parses is dropped and fetched whole. Offline, only
/// the cache is read; a miss is [`ReadError::NotCached`]. Nothing is kept in memory between
/// calls: a caller that reads a name twice asks twice.
pub struct IndexReader<'a> {
    client: &'a Client,
    cache: RegistryCache,
    offline: bool,
}

impl<'a> IndexReader<'a> {
    /// `cache` should be `Cache::registry(client.registry())`; [`IndexReader::for_client`] picks it.
    pub fn new(client: &'a Client, cache: RegistryCache, offline: bool) -> Self {
        IndexReader {
            client,
            cache,
            offline,
        }
    }

    /// An [`IndexReader`] on the client's registry's cache.
    pub fn for_client(client: &'a Client, cache: &Cache, offline: bool) -> Self {
        IndexReader::new(client, cache.registry(client.registry()), offline)
    }

    /// The registry's URL.
    pub fn registry(&self) -> &str {
        self.client.registry()
    }

    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// Every published version of `name`, oldest first; `None` when the registry has none.
    pub fn entries(
        &self,
        name: &AssetName,
        reporter: &dyn Reporter,
    ) -> Result<Option<Vec<IndexEntry>>, ReadError> {
        let file = File {
            rel: osops_index::index_path(name),
            url: self.client.index_file_url(name),
            what: format!("the index file of `{name}`"),
        };
        self.read(&file, true, reporter, |url, body| {
            client::parse_index(url, name, body)
        })
    }

    /// The index's `config.json` (where archives download from).
    pub fn config(&self, reporter: &dyn Reporter) -> Result<IndexConfig, ReadError> {
        let file = File {
            rel: "config.json".into(),
            url: self.client.index_config_url(),
            what: "the index configuration (`config.json`)".into(),
        };
        let config = self.read(&file, false, reporter, client::parse_config)?;
        // `read` answers `None` only to a 404 it was told to accept.
        config.ok_or_else(|| ReadError::NotCached {
            what: file.what,
            registry: self.registry().to_owned(),
        })
    }

    fn read<T>(
        &self,
        file: &File,
        missing_is_none: bool,
        reporter: &dyn Reporter,
        parse: impl Fn(&str, &[u8]) -> Result<T, client::Error>,
    ) -> Result<Option<T>, ReadError> {
        // A copy fetched from another URL (the registry moved its index) is not this file.
        let cached = self
            .cache
            .read_index(&file.rel)?
            .filter(|c| c.url == file.url);
        let cached = match cached {
            Some(c) => match parse(&c.url, c.body.as_bytes()) {
                Ok(value) => Some((c.etag, value)),
                Err(_) => {
                    self.cache.remove_index(&file.rel)?;
                    None
                }
            },
            None => None,
        };
        if self.offline {
            return match cached {
                Some((_, value)) => Ok(Some(value)),
                None => Err(ReadError::NotCached {
                    what: file.what.clone(),
                    registry: self.registry().to_owned(),
                }),
            };
        }
        let etag = cached.as_ref().and_then(|(etag, _)| etag.as_deref());
        let fail = |source| ReadError::Client {
            what: file.what.clone(),
            registry: self.registry().to_owned(),
            source,
        };
        match self.client.get_revalidated(&file.url, etag, reporter) {
            Ok(Revalidated::NotModified) => match cached {
                Some((_, value)) => Ok(Some(value)),
                // Only sent with an ETag, hence with a cached copy.
                None => Err(fail(client::Error::Decode {
                    url: file.url.clone(),
                    message: "`304 Not Modified` to a request without an ETag".into(),
                })),
            },
            Ok(Revalidated::Fetched { body, etag }) => {
                let value = parse(&file.url, &body).map_err(fail)?;
                // It parsed, so it is UTF-8 (index lines and JSON both are).
                if let Ok(body) = String::from_utf8(body) {
                    let stored = CachedFile {
                        url: file.url.clone(),
                        etag,
                        fetched_at: crate::home::now_rfc3339(),
                        body,
                    };
                    self.cache.write_index(&file.rel, &stored)?;
                }
                Ok(Some(value))
            }
            Err(e) if missing_is_none && e.is_not_found() => {
                self.cache.remove_index(&file.rel)?;
                Ok(None)
            }
            Err(e) => Err(fail(e)),
        }
    }
}

/// One index file: where it is cached, where it is fetched from, and how messages name it.
struct File {
    rel: String,
    url: String,
    what: String,
}
