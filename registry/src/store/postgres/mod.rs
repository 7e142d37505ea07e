//! The scale-out store: PostgreSQL, for several stateless replicas sharing one database.
//!
//! One connection pool; every write is one transaction, and the unique constraints (one row per
//! asset and version, per user name, per vote) decide races between replicas exactly as they do
//! between requests of one process. Full-text search uses weighted `tsvector` columns (name,
//! keywords, description, readme for assets) ranked with `ts_rank`. Migrations are the numbered
//! files under `migrations/postgres/`, embedded like SQLite's; sqlx's migrator takes an advisory
//! lock, so replicas starting together migrate once.

use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::migrations::Embedded;
use super::{Connections, Health, StoreError, StoreFuture};

mod assets;
mod audit;
mod needs;
mod owners;
mod rebuild;
mod search;
mod text;
mod tokens;
mod trusted;
mod users;

const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "init",
    include_str!("../../../migrations/postgres/0001_init.sql"),
)];

/// The PostgreSQL implementation of every store trait.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:5432/db`, with any libpq-style parameters sqlx
    /// accepts) and runs the pending migrations.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(db)?;
        // One connection first: a pool would only say it timed out; this says why (refused,
        // unknown host, authentication, no such database) and where.
        let cannot = |e: sqlx::Error| {
            StoreError::Database(
                format!(
                    "cannot connect to PostgreSQL at {}:{}/{}: {e}",
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or("(default database)")
                )
                .into(),
            )
        };
        PgConnection::connect_with(&options)
            .await
            .map_err(cannot)?
            .close()
            .await
            .map_err(db)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(cannot)?;
        let migrator = Migrator::new(Embedded(MIGRATIONS)).await.map_err(db)?;
        migrator.run(&pool).await.map_err(db)?;
        Ok(PgStore { pool })
    }

    /// The pool, for `osops-registry export` and `import`, which copy whole tables
    /// (`crate::transfer`).
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl super::Store for PgStore {
    fn close(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(PgStore::close(self))
    }

    fn sole_writer(&self) -> bool {
        false
    }
}

impl Health for PgStore {
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.pool)
                .await
                .map_err(db)?;
            Ok(())
        })
    }

    fn connections(&self) -> Connections {
        Connections::pool(self.pool.size(), self.pool.num_idle())
    }
}

pub(crate) use rebuild::rebuild_search;

use super::columns::{count, db, is_unique_violation, json_list, parse_version, to_json};
