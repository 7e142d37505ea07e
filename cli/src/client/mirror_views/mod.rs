//! What a mirror answers in place of the API: a registry whose `config.json` names no `api` —
//! one `osops mirror` wrote, served by any web server or read from a `file:///` directory — has
//! no server to search, describe assets or list needs. Its files say enough: `index/catalog.json`
//! lists every asset with its description and newest non-yanked version (see
//! [`crate::mirror::catalog`]), the index files hold every version, and `index/needs.json` the
//! needs catalog.
//!
//! A `file:///` registry is always read this way. Over HTTP the API is asked first; a 404 from
//! it makes the client read `config.json` to tell a mirror from a registry that has no such
//! asset or need (`Client::unless_mirror`), so a registry server pays for this only on its 404s.

mod assets;
mod needs;

use super::{Client, Error, Reporter, decode};
use crate::mirror::catalog::{CATALOG_REL, Catalog};

/// The catalog is read whole: at ~400 bytes an asset this is room for some 600,000 assets.
const MAX_CATALOG_BODY: u64 = 256 * 1024 * 1024;

const DEFAULT_PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

impl Client {
    /// `api`'s answer, or `view`'s when the registry is a mirror: a directory registry goes to
    /// `view` at once, a web server serving a mirror once the API request was refused as one.
    pub(super) fn or_mirror<T>(
        &self,
        api: impl FnOnce() -> Result<T, Error>,
        view: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.is_directory() {
            return view();
        }
        match api() {
            Err(Error::NoApi { .. }) => view(),
            result => result,
        }
    }

    /// Whether the registry's `config.json` names no API (an error reading it: not a mirror,
    /// and the caller's own error stands).
    pub(super) fn is_mirror(&self, reporter: &dyn Reporter) -> bool {
        self.is_directory()
            || self
                .index_config(reporter)
                .is_ok_and(|config| config.api.is_empty())
    }

    /// The mirror's `index/catalog.json`.
    fn mirror_catalog(&self, reporter: &dyn Reporter) -> Result<Catalog, Error> {
        let url = format!("{}/{CATALOG_REL}", self.base);
        match self.get_capped(&url, MAX_CATALOG_BODY, reporter) {
            Ok(body) => decode(&url, &body),
            Err(e) if e.is_not_found() => Err(Error::NoCatalog {
                registry: self.base.clone(),
            }),
            Err(e) => Err(e),
        }
    }

    /// The answer a registry gives a query it cannot take, as a 400 naming what was wrong.
    fn refused(&self, detail: String) -> Error {
        Error::Api {
            status: 400,
            detail,
            url: format!("{}/index/", self.base),
            retry_after: None,
        }
    }
}

/// `page` and `per_page` as the registry reads them: from 1, 20 by default, at most 100. The
/// number of items to skip and to take.
fn page_bounds(page: Option<u32>, per_page: Option<u32>) -> (u32, u32, usize) {
    let page = page.unwrap_or(1).max(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    (page, per_page, skip)
}

/// Whether every one of `words` (lower-case) is in one of `texts`, ignoring case.
fn has_words(words: &[String], texts: &[&str]) -> bool {
    let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    words
        .iter()
        .all(|w| texts.iter().any(|t| t.contains(w.as_str())))
}

/// The words of a query, lower-case.
fn words(q: Option<&str>) -> Vec<String> {
    q.unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
}

/// A service name in its canonical spelling, or the registry's refusal.
fn canonical_service(client: &Client, service: Option<&str>) -> Result<Option<String>, Error> {
    match service.map(str::trim) {
        Some(s) if !s.is_empty() => osops_index::openstack::find_service(s)
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| {
                client.refused(format!(
                    "unknown service `{s}` (hint: services go by project name, like `nova`)"
                ))
            }),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests;
