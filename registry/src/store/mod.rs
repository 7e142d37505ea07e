//! Metadata storage, as narrow traits per concern: [`AssetStore`] (assets, versions, yanks,
//! search), [`NeedStore`] (needs, votes, answers), [`UserStore`] (users and teams),
//! [`TokenStore`] (API tokens), [`OwnerStore`] (owners), [`AuditStore`] (the audit log) and
//! [`Health`]. Handlers and [`crate::publish`] only see these traits, so a PostgreSQL
//! implementation can sit beside [`sqlite`] without touching them.
//!
//! The traits return boxed futures ([`StoreFuture`]) so that they stay object safe: the state holds
//! `Arc<dyn AssetStore>`, chosen at start-up.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;

use osops_index::{AssetName, Manifest};

use crate::access::{Actor, Scope};

mod accounts;
mod columns;
mod facets;
mod migrations;
mod need_search;
mod needs;
pub mod postgres;
mod rules;
mod search;
pub mod sqlite;
pub mod trusted;

pub use accounts::{
    AuditAction, AuditActor, AuditEvent, AuditFilter, AuditStore, NewAuditEvent, NewToken,
    OwnerRef, OwnerStore, OwnersOutcome, Revoked, Team, TokenId, TokenInfo, TokenLookup,
    TokenStore, UserAccount, UserStore,
};

pub use facets::FacetValue;
pub use need_search::{NeedFacets, select_needs};
pub use needs::{
    Answer, CatalogNeed, NeedDetail, NeedPage, NeedQuery, NeedSort, NeedStore, NeedSummary,
    PutNeed, UpdateRule, need_status,
};
pub use search::{
    AssetFacets, AssetSort, AssetSummary, MAX_README, SearchPage, SearchQuery, release_matches,
};
pub use trusted::TrustedStore;

/// Every store trait at once: what a backend (SQLite, PostgreSQL) implements, and what the
/// server and the admin commands open (see [`open`]).
pub trait Store:
    AssetStore + NeedStore + UserStore + TokenStore + OwnerStore + AuditStore + TrustedStore + Health
{
    /// Closes the connections (SQLite also checkpoints its WAL).
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// Whether every change to versions goes through this process, so that what it caches of
    /// them stays true (`crate::index_files`): the embedded SQLite store, not a database that
    /// replicas share.
    fn sole_writer(&self) -> bool;
}

/// Where the metadata lives: `--database-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: one SQLite file (`DATA/registry.db`).
    Sqlite(std::path::PathBuf),
    /// `postgres://…`: shared by every replica.
    Postgres(String),
}

impl Database {
    /// `--database-url` when given (`postgres://`/`postgresql://`, or `sqlite://PATH`), else the
    /// SQLite file of the data directory.
    pub fn from_url(
        url: Option<&str>,
        default_sqlite: std::path::PathBuf,
    ) -> Result<Database, StoreError> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Database::Sqlite(default_sqlite)),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres(url.to_owned()))
            }
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => Ok(Database::Sqlite(path.into())),
                _ => Err(StoreError::Database(
                    format!(
                        "`{}` is not a database URL; use postgres://USER@HOST:PORT/DB or sqlite://PATH",
                        url.split('@').next_back().unwrap_or(url)
                    )
                    .into(),
                )),
            },
        }
    }

    /// For logs: the SQLite path, or the PostgreSQL host and database (never a password).
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
            Database::Postgres(url) => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
                let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                format!("postgres://{}", host.split('?').next().unwrap_or(host))
            }
        }
    }

    /// Opens (and migrates) the database.
    pub async fn open(&self) -> Result<std::sync::Arc<dyn Store>, StoreError> {
        Ok(match self {
            Database::Sqlite(path) => std::sync::Arc::new(sqlite::SqliteStore::open(path).await?),
            Database::Postgres(url) => std::sync::Arc::new(postgres::PgStore::open(url).await?),
        })
    }
}

/// What every store method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (a user or asset that already exists); the text says which.
    #[error("{0}")]
    Conflict(String),
    /// A named thing does not exist; the text says which.
    #[error("{0}")]
    NotFound(String),
    /// The database failed; the cause is logged, never shown to API clients.
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

pub type UserId = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
}

/// Whether the database answers (`/healthz`), and its connections (`/metrics`).
pub trait Health: Send + Sync {
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// The open connections of every pool of the store, now.
    fn connections(&self) -> Connections;
}

/// Open database connections: idle in a pool, or in use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connections {
    pub idle: u32,
    pub in_use: u32,
}

impl Connections {
    /// A pool with `size` open connections (sqlx's `Pool::size`), `idle` of them idle
    /// (`Pool::num_idle`); the two are read apart, so `idle` is capped at `size`.
    pub fn pool(size: u32, idle: usize) -> Connections {
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        Connections {
            idle,
            in_use: size - idle,
        }
    }
}

impl std::ops::Add for Connections {
    type Output = Connections;

    fn add(self, other: Connections) -> Connections {
        Connections {
            idle: self.idle.saturating_add(other.idle),
            in_use: self.in_use.saturating_add(other.in_use),
        }
    }
}

/// Assets, their owners and versions, the download counters and search.
pub trait AssetStore: Send + Sync {
    /// Decides, without writing, what [`AssetStore::publish`] would do now. Lets a publish refuse
    /// early, before its blob is written, and tells a new name from a new version.
    fn check_publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishCheck>;
    /// In one transaction: decides again, then inserts the asset (if new) and its owner, the
    /// version, refreshes the asset's search columns and text, and records the audit event. The
    /// embedded store's in-memory search index follows after the commit.
    fn publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishOutcome>;
    /// The asset with its owners, versions and latest metadata.
    fn asset<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Option<AssetDetail>>;
    /// A version by its key (the version without build metadata).
    fn version<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
    ) -> StoreFuture<'a, Option<VersionInfo>>;
    /// Every version's index entry, in publish order (oldest first).
    fn index_entries<'a>(
        &'a self,
        name: &'a AssetName,
    ) -> StoreFuture<'a, Vec<osops_index::IndexEntry>>;
    /// Adds each count to its version's and its asset's download counters, in one transaction
    /// (`(name, version_key, downloads)`, sorted by name then version, as
    /// [`crate::downloads`] gives them). A version that does not exist is skipped.
    fn count_downloads<'a>(&'a self, counts: &'a [(AssetName, String, u64)])
    -> StoreFuture<'a, ()>;
    /// Listed assets matching `query`: its page, the total and the facet counts. Every store
    /// ends in the same selection (`search::catalog`), so all give the same answers.
    fn search<'a>(&'a self, query: &'a SearchQuery) -> StoreFuture<'a, SearchPage>;
    /// Makes ready what [`AssetStore::search`] keeps in memory, if anything (the server does this
    /// as it starts, so the first search does not wait); how many assets it holds.
    fn load_search(&self) -> StoreFuture<'_, usize> {
        Box::pin(async { Ok(0) })
    }
    /// Yanks (`yanked`, with an optional reason) or unyanks a version as `actor`, who must own
    /// the asset (directly or through a team). In one transaction with the flag: the asset's
    /// latest columns, its search text and its need links are recomputed, and the audit event
    /// recorded. Idempotent: a version already in that state is left as it is, reason included.
    fn set_yanked<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
        actor: &'a Actor,
        yank: Yank<'a>,
    ) -> StoreFuture<'a, YankOutcome>;
    /// How many assets exist (the demo loader runs only on an empty registry).
    fn asset_count(&self) -> StoreFuture<'_, u64>;
    /// Listed assets whose latest version depends on `name`, by name.
    fn dependents<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Vec<Dependent>>;
    /// Totals over listed assets, for the home page.
    fn catalog_counts(&self) -> StoreFuture<'_, CatalogCounts>;
    /// The sha256 of every version's archive, yanked ones included (they stay downloadable):
    /// the blobs `osops-registry gc` must keep.
    fn archive_checksums(&self) -> StoreFuture<'_, BTreeSet<String>>;
}

/// An asset whose latest version depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub name: String,
    pub version: String,
    /// The version requirement on the other asset, as written.
    pub requirement: String,
}

/// Totals over listed assets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogCounts {
    pub assets: u64,
    pub versions: u64,
    pub downloads: u64,
}

/// A version about to be published, everything derived from the verified archive.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub name: AssetName,
    pub lookalike_key: String,
    pub version: semver::Version,
    pub sha256: String,
    pub size: u64,
    pub manifest: StoredManifest,
    pub index_entry: osops_index::IndexEntry,
    pub readme: Option<String>,
    /// Who publishes; the scopes of its token decide whether it may create a name or a version.
    pub publisher: Actor,
    pub published_at: String,
}

impl NewVersion {
    pub fn version_key(&self) -> String {
        version_key(&self.version)
    }
}

/// The version without build metadata: the unit of uniqueness.
pub fn version_key(version: &semver::Version) -> String {
    let mut key = version.clone();
    key.build = semver::BuildMetadata::EMPTY;
    key.to_string()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// A new version was stored.
    Created,
    /// The same version with the same bytes is already there: nothing changed.
    Identical,
    /// The version exists with different bytes.
    VersionConflict { existing: String },
    /// The asset exists and the publisher is not one of its owners (`team:NAME` for teams).
    NotOwner { owners: Vec<String> },
    /// The name is new but looks like an asset the publisher does not own.
    Lookalike { existing: String },
    /// The publisher's token lacks the scope this publish needs (`publish-new` for a new name,
    /// `publish-update` for a new version).
    MissingScope(Scope),
}

/// What [`AssetStore::check_publish`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishCheck {
    /// The publish would create the asset with its first version.
    NewAsset,
    /// The publish would add a version to an existing asset.
    NewVersion,
    /// The publish would answer this without storing anything (identical, or a refusal).
    Answer(PublishOutcome),
}

/// Yank with an optional reason, or unyank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yank<'a> {
    Yank { reason: Option<&'a str> },
    Unyank,
}

/// What [`AssetStore::set_yanked`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YankOutcome {
    /// The version now has the asked flag (`version` as published, build metadata included);
    /// `changed` is false when it had it already.
    Done { version: String, changed: bool },
    /// No such asset, or it has no such version.
    NoSuchVersion,
    /// The user is not one of the asset's owners; nothing changed.
    NotOwner { owners: Vec<String> },
}

/// The registry's own copy of a manifest's fields, stored as JSON per version. Kept separate from
/// [`Manifest`]'s serialisation so that rows written today still read after the manifest evolves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StoredManifest {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub description: String,
    pub license: Option<String>,
    pub authors: Vec<String>,
    pub repository: Option<String>,
    pub keywords: Vec<String>,
    pub services: Vec<String>,
    pub releases: Option<String>,
    pub needs: Vec<String>,
    pub prompted_by: Vec<String>,
    pub bins: BTreeMap<String, String>,
    pub playbook: Option<String>,
    pub dependencies: BTreeMap<String, String>,
    pub requires: Vec<String>,
}

impl From<&Manifest> for StoredManifest {
    fn from(m: &Manifest) -> Self {
        StoredManifest {
            name: m.asset.name.to_string(),
            version: m.asset.version.to_string(),
            kind: m.asset.kind.as_str().to_owned(),
            description: m.asset.description.clone(),
            license: m.asset.license.clone(),
            authors: m.asset.authors.clone(),
            repository: m.asset.repository.clone(),
            keywords: m.asset.keywords.clone(),
            services: m.openstack.services.clone(),
            releases: m.openstack.releases.as_ref().map(|r| r.as_str().to_owned()),
            needs: m.needs.addresses.iter().map(ToString::to_string).collect(),
            prompted_by: m.needs.prompted_by.clone(),
            bins: m.entrypoints.bin.clone(),
            playbook: m.entrypoints.playbook.clone(),
            dependencies: m
                .dependencies
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            requires: m.requires.commands.clone(),
        }
    }
}

/// One version as listed on the asset page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: String,
    pub sha256: String,
    pub size: u64,
    pub yanked: bool,
    pub yank_reason: Option<String>,
    pub published_at: String,
    pub published_by: String,
    pub downloads: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssetDetail {
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub downloads: u64,
    /// Users, then `team:NAME`s.
    pub owners: Vec<String>,
    /// The latest version's manifest and README (newest non-yanked, else newest).
    pub latest: StoredManifest,
    pub readme: Option<String>,
    /// Newest first, in semver order ([`newest_first`]).
    pub versions: Vec<VersionInfo>,
}

/// Sorts `versions` newest first, in semver order; a version that does not parse (never stored)
/// sorts last. SQL cannot order by semver, so every store calls this.
pub fn newest_first(versions: &mut [VersionInfo]) {
    versions.sort_by_cached_key(|v| std::cmp::Reverse(semver::Version::parse(&v.version).ok()));
}
