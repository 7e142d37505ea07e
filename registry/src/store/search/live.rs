//! The embedded store's search index: every listed asset's summary and text in memory, so a
//! search touches neither the database nor any asset it does not match.
//!
//! Every change to assets goes through the embedded store (`Store::sole_writer`), which tells the
//! index after each commit: a publish, yank or unyank re-reads that asset's document
//! ([`LiveIndex::changed`]); download totals are set as they are written
//! ([`LiveIndex::counted`]). The index is loaded on the first search (the server starts one as
//! it starts), under the same lock as those updates, so none is lost or counted twice: an update
//! that commits before the load is in what the load reads, one after it is applied to it. An
//! update that cannot read its asset drops the index, and the next search loads it again.

use std::future::Future;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use osops_index::AssetName;

use super::catalog::Catalog;
use super::text::{Fields, TextIndex, TextQuery};
use super::{AssetSummary, SearchPage, SearchQuery};
use crate::store::{StoreError, StoreFuture};

/// A listed asset's summary and its latest version's README: what the index is built from.
#[derive(Debug, Clone)]
pub struct SearchDocument {
    pub summary: AssetSummary,
    pub readme: Option<String>,
}

/// Where the index reads its documents: the embedded store.
pub(crate) trait Documents: Sync {
    /// Hands `each` the listed assets among `names` (every listed asset with `None`), one at a
    /// time as they are read, so that a load never holds the whole catalog twice.
    fn documents<'a>(
        &'a self,
        names: Option<&'a [String]>,
        each: &'a mut (dyn FnMut(SearchDocument) + Send),
    ) -> StoreFuture<'a, ()>;
}

#[derive(Debug, Default)]
struct Index {
    catalog: Catalog,
    text: TextIndex,
}

impl Index {
    fn remove(&mut self, name: &str) {
        if let Some(slot) = self.catalog.remove(name) {
            self.text.remove(slot);
        }
    }

    fn add(&mut self, document: SearchDocument) {
        self.remove(&document.summary.name);
        let slot = self.catalog.upsert(document.summary);
        if let Some(summary) = self.catalog.summary(slot) {
            let fields = Fields {
                name: &summary.name,
                description: &summary.description,
                keywords: &summary.keywords,
                readme: document.readme.as_deref(),
            };
            self.text.insert(slot, &fields);
        }
    }
}

/// The index, empty until loaded.
#[derive(Debug, Default)]
pub(crate) struct LiveIndex {
    index: RwLock<Option<Index>>,
    /// Held by a load and by every update, so they apply in the order they commit.
    updates: tokio::sync::Mutex<()>,
}

impl LiveIndex {
    /// The page `query` asks for, loading the index first if needed.
    pub(crate) async fn search(
        &self,
        documents: &dyn Documents,
        query: &SearchQuery,
    ) -> Result<SearchPage, StoreError> {
        loop {
            {
                let index = self.read();
                if let Some(index) = index.as_ref() {
                    let text = query.q.as_deref().and_then(TextQuery::parse);
                    let ranked = text.map(|t| index.text.matches(&t));
                    return Ok(index.catalog.select(ranked, query));
                }
            }
            self.load(documents).await?;
        }
    }

    /// Loads the index unless it is loaded; how many assets it holds.
    pub(crate) async fn load(&self, documents: &dyn Documents) -> Result<usize, StoreError> {
        let _updates = self.updates.lock().await;
        if let Some(index) = self.read().as_ref() {
            return Ok(index.catalog.len());
        }
        let mut index = Index::default();
        documents
            .documents(None, &mut |document| index.add(document))
            .await?;
        let assets = index.catalog.len();
        *self.write() = Some(index);
        Ok(assets)
    }

    /// `name` changed (published, yanked, unyanked): reads its document again.
    pub(crate) async fn changed(&self, documents: &dyn Documents, name: &AssetName) {
        let _updates = self.updates.lock().await;
        if self.read().is_none() {
            return;
        }
        let names = [name.to_string()];
        let mut found = Vec::new();
        match documents
            .documents(Some(&names), &mut |document| found.push(document))
            .await
        {
            Ok(()) => {
                let mut guard = self.write();
                let Some(index) = guard.as_mut() else {
                    return;
                };
                index.remove(name.as_str());
                found.into_iter().for_each(|d| index.add(d));
            }
            Err(e) => {
                tracing::warn!(%name, "search index dropped, to be loaded again: {e}");
                *self.write() = None;
            }
        }
    }

    /// Runs `write`, which adds download counts to the database and returns the new total of
    /// each asset it changed, and sets those totals in the index.
    pub(crate) async fn counted<F>(&self, write: F) -> Result<(), StoreError>
    where
        F: Future<Output = Result<Vec<(String, u64)>, StoreError>>,
    {
        let _updates = self.updates.lock().await;
        let totals = write.await?;
        if let Some(index) = self.write().as_mut() {
            for (name, downloads) in totals {
                index.catalog.set_downloads(&name, downloads);
            }
        }
        Ok(())
    }

    fn read(&self) -> RwLockReadGuard<'_, Option<Index>> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Index>> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}
