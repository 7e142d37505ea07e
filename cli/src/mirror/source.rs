//! Reading the registry a mirror copies: which assets it lists, their index files as served,
//! its `config.json` and needs catalog.
//!
//! The sparse index has no listing, so the names come from the search API, paged through
//! (every asset with a non-yanked version is listed; an asset whose every version is yanked is
//! not, and is mirrored only when named). Index files are read whole, line by line, so the
//! mirror writes back exactly the lines the registry served.

use std::collections::BTreeMap;

use osops_index::{AssetName, IndexConfig};

use super::Error;
use super::select::Lines;
use crate::client::{self, Client, Revalidated, SearchQuery, Silent};

/// Results per search page: the registry's maximum.
const PER_PAGE: u32 = 100;

pub(super) struct Source<'c> {
    pub client: &'c Client,
    /// Index files read at once.
    pub jobs: usize,
}

impl Source<'_> {
    fn fail(&self, what: impl Into<String>) -> impl FnOnce(client::Error) -> Error + '_ {
        let what = what.into();
        move |source| Error::Client {
            what,
            registry: self.client.registry().to_owned(),
            source,
        }
    }

    /// Every asset the registry lists, with its description.
    pub fn listed(&self) -> Result<BTreeMap<AssetName, String>, Error> {
        let mut listed = BTreeMap::new();
        for page in 1.. {
            let query = SearchQuery {
                page: Some(page),
                per_page: Some(PER_PAGE),
                ..SearchQuery::default()
            };
            let results = self
                .client
                .search(&query, &Silent)
                .map_err(self.fail(format!("page {page} of the asset list")))?;
            let before = listed.len();
            let empty = results.assets.is_empty();
            for hit in results.assets {
                if let Ok(name) = AssetName::parse(&hit.name) {
                    listed.insert(name, hit.description);
                }
            }
            // An empty page, or one with nothing new (the list moved under us), ends it.
            if empty || listed.len() == before || listed.len() as u64 >= results.total {
                break;
            }
        }
        Ok(listed)
    }

    /// The index files of `names`, side by side; `None` for a name the registry does not have.
    pub fn index_files(&self, names: &[AssetName]) -> Result<Vec<Option<Lines>>, Error> {
        crate::install::parallel::map(names, self.jobs, |name| self.index_file(name))
            .into_iter()
            .collect()
    }

    fn index_file(&self, name: &AssetName) -> Result<Option<Lines>, Error> {
        let url = self.client.index_file_url(name);
        let what = format!("the index file of `{name}`");
        let body = match self.client.get_revalidated(&url, None, &Silent) {
            Ok(Revalidated::Fetched { body, .. }) => body,
            Ok(Revalidated::NotModified) => {
                return Err(self.fail(what)(client::Error::Decode {
                    url,
                    message: "`304 Not Modified` to a request without an ETag".into(),
                }));
            }
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(self.fail(what)(e)),
        };
        let entries = client::parse_index(&url, name, &body).map_err(self.fail(what))?;
        // It parsed, so it is UTF-8; the same lines, blank ones skipped as the parser skips them.
        let text = String::from_utf8_lossy(&body);
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned);
        Ok(Some(entries.into_iter().zip(lines).collect()))
    }

    /// The registry's description of `name`, or nothing when it cannot say.
    pub fn description(&self, name: &AssetName) -> String {
        self.client
            .asset(name, &Silent)
            .map(|asset| asset.info.description)
            .unwrap_or_default()
    }

    pub fn config(&self) -> Result<IndexConfig, Error> {
        self.client
            .index_config(&Silent)
            .map_err(self.fail("the index configuration (`config.json`)"))
    }

    /// `index/needs.json` as served; `None` when the registry has none.
    pub fn needs(&self) -> Result<Option<Vec<u8>>, Error> {
        let url = format!("{}/index/needs.json", self.client.registry());
        match self.client.get_revalidated(&url, None, &Silent) {
            Ok(Revalidated::Fetched { body, .. }) => Ok(Some(body)),
            Ok(Revalidated::NotModified) => Ok(None),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(self.fail("the needs catalog (`needs.json`)")(e)),
        }
    }
}
