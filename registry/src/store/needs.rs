//! [`NeedStore`]: needs, their votes and their answers.
//!
//! A need's status is never stored: it is `retired` when an admin retired it, else `addressed`
//! when the latest (newest non-yanked) version of some asset addresses it, else `open`. The links
//! from assets to needs are maintained by [`super::AssetStore`]'s publish and yank transactions.

use osops_index::{AssetName, NeedRecord, NeedStatus};

use super::{StoreFuture, User, UserId};

/// Needs: records, votes, lists and the catalog.
pub trait NeedStore: Send + Sync {
    /// Creates the need as `by`; [`super::StoreError::Conflict`] if its id exists.
    fn create_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
    ) -> StoreFuture<'a, NeedDetail>;
    /// Creates the need, or updates its record (not its creator, votes or retirement) when
    /// `rule` allows `by` to.
    fn put_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
        rule: UpdateRule,
    ) -> StoreFuture<'a, PutNeed>;
    fn need<'a>(&'a self, id: &'a AssetName) -> StoreFuture<'a, Option<NeedDetail>>;
    /// The needs whose text matches `q` (every need without it), newest first.
    fn need_candidates<'a>(&'a self, q: Option<&'a str>) -> StoreFuture<'a, Vec<NeedSummary>>;
    /// The needs matching `query`, with facet counts: the candidates through
    /// [`super::select_needs`], the same for every store.
    fn list_needs<'a>(&'a self, query: &'a NeedQuery) -> StoreFuture<'a, NeedPage> {
        Box::pin(async move {
            let candidates = self.need_candidates(query.q.as_deref()).await?;
            Ok(super::select_needs(candidates, query))
        })
    }
    /// Records (`voted`) or withdraws the user's vote, and returns the need's vote count.
    /// [`super::StoreError::NotFound`] for an unknown need.
    fn vote<'a>(&'a self, id: &'a AssetName, user: UserId, voted: bool) -> StoreFuture<'a, u64>;
    /// Marks the need retired with a reason; [`super::StoreError::NotFound`] for an unknown need.
    fn retire_need<'a>(&'a self, id: &'a AssetName, reason: &'a str) -> StoreFuture<'a, ()>;
    /// Every need, by id, with the names of its answers (by name): `/index/needs.json`.
    fn needs_catalog(&self) -> StoreFuture<'_, Vec<CatalogNeed>>;
    /// The ids in `ids` that name no need, in the given order (the publish check).
    fn unknown_needs<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>>;
}

/// Who may update an existing need with [`NeedStore::put_need`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateRule {
    /// Only the user who created it (the API).
    CreatorOnly,
    /// Anyone (the admin commands, the demo loader).
    Anyone,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PutNeed {
    Created(NeedDetail),
    Updated(NeedDetail),
    /// The need exists and was created by someone else; nothing changed.
    NotCreator {
        creator: String,
    },
}

/// A need with everything the registry adds to its record.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedDetail {
    pub record: NeedRecord,
    pub status: NeedStatus,
    pub retired_reason: Option<String>,
    pub votes: u64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// Most downloaded first, then by name.
    pub answers: Vec<Answer>,
}

/// An asset whose latest (newest non-yanked) version addresses a need; fields of that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub description: String,
    pub releases: Option<String>,
    pub services: Vec<String>,
    pub downloads: u64,
    pub updated_at: String,
}

/// The status computed from what is stored.
pub fn need_status(retired: bool, answers: u64) -> NeedStatus {
    if retired {
        NeedStatus::Retired
    } else if answers > 0 {
        NeedStatus::Addressed
    } else {
        NeedStatus::Open
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NeedSort {
    /// Most votes first, then newest.
    #[default]
    Votes,
    /// Newest first.
    Recent,
    /// Only open needs (no answer, not retired), most votes first, then newest.
    Unanswered,
}

impl NeedSort {
    pub const ALL: [NeedSort; 3] = [NeedSort::Votes, NeedSort::Recent, NeedSort::Unanswered];

    /// The value of `sort=` in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            NeedSort::Votes => "votes",
            NeedSort::Recent => "recent",
            NeedSort::Unanswered => "unanswered",
        }
    }

    pub fn parse(text: &str) -> Option<NeedSort> {
        let text = text.to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// List parameters, already validated and canonicalised by the handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedQuery {
    /// Free text over id, title, problem and use cases; each store makes it safe for its engine.
    pub q: Option<String>,
    /// A canonical service name.
    pub service: Option<String>,
    pub status: Option<NeedStatus>,
    pub sort: NeedSort,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedSummary {
    pub id: String,
    pub title: String,
    pub status: NeedStatus,
    pub persona: Option<String>,
    pub services: Vec<String>,
    pub votes: u64,
    pub answers: u64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedPage {
    pub total: u64,
    pub needs: Vec<NeedSummary>,
    pub facets: super::NeedFacets,
}

/// One need of `/index/needs.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogNeed {
    pub record: NeedRecord,
    pub status: NeedStatus,
    pub retired_reason: Option<String>,
    pub votes: u64,
    pub created_at: String,
    pub updated_at: String,
    /// Asset names, sorted.
    pub answers: Vec<String>,
}
