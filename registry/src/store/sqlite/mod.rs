//! The embedded store: one SQLite file in WAL mode; asset search in memory (`super::search::live`),
//! need search with FTS5.
//!
//! Two pools over the same file: a writer with exactly one connection, so writes queue inside the
//! process instead of failing with `SQLITE_BUSY`, and every write transaction starts with
//! `BEGIN IMMEDIATE`; and a pool of read-only connections, which WAL lets run beside the writer.
//! Other processes (the `user add` / `token create` commands on a live data dir) wait on the
//! busy timeout.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::migrations::Embedded;
use super::search::live::LiveIndex;
use super::{Connections, Health, StoreError, StoreFuture};

mod assets;
mod audit;
mod fts;
mod needs;
mod owners;
mod rebuild;
mod search;
mod tokens;
mod trusted;
mod users;

/// The migrations, numbered SQL files under `migrations/sqlite/` (see [`super::migrations`]).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "needs",
        include_str!("../../../migrations/sqlite/0002_needs.sql"),
    ),
    (
        3,
        "accounts",
        include_str!("../../../migrations/sqlite/0003_accounts.sql"),
    ),
    (
        4,
        "trusted_publishing",
        include_str!("../../../migrations/sqlite/0004_trusted_publishing.sql"),
    ),
    (
        5,
        "catalog",
        include_str!("../../../migrations/sqlite/0005_catalog.sql"),
    ),
    (
        6,
        "search_in_memory",
        include_str!("../../../migrations/sqlite/0006_search_in_memory.sql"),
    ),
];

/// The SQLite implementation of every store trait.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    /// Listed assets and their text, in memory: every change goes through this store.
    search: Arc<LiveIndex>,
}

impl SqliteStore {
    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock at once, so two writers queue
    /// instead of one failing with SQLITE_BUSY when it upgrades a read.
    async fn write(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    /// Opens (creating if missing) the database file and runs the pending migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(db)?;
        let migrator = Migrator::new(Embedded(MIGRATIONS)).await.map_err(db)?;
        migrator.run(&writer).await.map_err(db)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .map_err(db)?;
        let store = SqliteStore {
            reader,
            writer,
            search: Arc::default(),
        };
        store.check_fts5().await?;
        Ok(store)
    }

    /// Fails unless this SQLite was built with FTS5 (the bundled one is).
    async fn check_fts5(&self) -> Result<(), StoreError> {
        let enabled: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        if enabled == 1 {
            Ok(())
        } else {
            Err(StoreError::Database(
                "this SQLite was built without FTS5; full-text search needs it".into(),
            ))
        }
    }

    /// The read-only pool and the one-connection writer, for `osops-registry export` and
    /// `import`, which copy whole tables (`crate::transfer`).
    pub(crate) fn pools(&self) -> (&SqlitePool, &SqlitePool) {
        (&self.reader, &self.writer)
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

impl super::Store for SqliteStore {
    fn close(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(SqliteStore::close(self))
    }

    fn sole_writer(&self) -> bool {
        true
    }
}

impl Health for SqliteStore {
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.reader)
                .await
                .map_err(db)?;
            Ok(())
        })
    }

    fn connections(&self) -> Connections {
        Connections::pool(self.reader.size(), self.reader.num_idle())
            + Connections::pool(self.writer.size(), self.writer.num_idle())
    }
}

pub(crate) use rebuild::rebuild_search;

use super::columns::{count, db, is_unique_violation, json_list, parse_version, to_json};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let (files, embedded) = crate::store::migrations::files_and_embedded(&dir, MIGRATIONS);
        assert_eq!(files, embedded);
    }

    #[tokio::test]
    async fn opens_migrates_twice_and_has_fts5() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("registry.db");
        let store = SqliteStore::open(&path).await.expect("first open");
        store.close().await;
        // Re-opening an up-to-date database runs no migration and still works.
        let store = SqliteStore::open(&path).await.expect("second open");
        store.ping().await.expect("ping");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.writer)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
    }
}
