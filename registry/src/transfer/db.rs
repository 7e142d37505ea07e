//! The two databases at the table level: reading every table on one snapshot ([`Snapshot`]) and
//! loading every table in one transaction ([`Load`]), over the pools of [`SqliteStore`] and
//! [`PgStore`] (opened, and so migrated, the usual way). The only type differences are mapped
//! here: a flag is SQLite `INTEGER` 0/1 and PostgreSQL `BOOLEAN`.

use futures_util::TryStreamExt;
use sqlx::query_builder::Separated;
use sqlx::{Postgres, QueryBuilder, Row as _, Sqlite, Transaction};

use super::TransferError;
use super::tables::{Kind, Row, TABLES, Table, Value};
use crate::store::Database;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;

/// At most this many bound values per INSERT (SQLite allows 32766, PostgreSQL 65535).
const MAX_BINDS: usize = 4000;

fn failed(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> TransferError {
    let what = what.into();
    move |source| TransferError::Database { what, source }
}

/// `"a", "b"`.
fn column_list(table: &Table) -> String {
    table
        .column_names()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An opened store, either kind.
pub(crate) enum Db {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Db {
    /// Opens (creating and migrating if need be) the database.
    pub(crate) async fn open(database: &Database) -> Result<Db, TransferError> {
        Ok(match database {
            Database::Sqlite(path) => Db::Sqlite(SqliteStore::open(path).await?),
            Database::Postgres(url) => Db::Postgres(PgStore::open(url).await?),
        })
    }

    /// `sqlite` or `postgres`.
    pub(crate) fn store(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite(store) => store.close().await,
            Db::Postgres(store) => store.close().await,
        }
    }

    /// The newest migration applied.
    pub(crate) async fn migration(&self) -> Result<i64, TransferError> {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let what = failed("cannot read the applied migrations");
        match self {
            Db::Sqlite(store) => sqlx::query_scalar(SQL).fetch_one(store.pools().0).await,
            Db::Postgres(store) => sqlx::query_scalar(SQL).fetch_one(store.pool()).await,
        }
        .map_err(what)
    }

    /// A read transaction: every table read through it comes from the same moment.
    pub(crate) async fn snapshot(&self) -> Result<Snapshot, TransferError> {
        let what = failed("cannot start a read transaction");
        Ok(match self {
            // Deferred: the WAL snapshot is taken at the first read, and kept until the end.
            Db::Sqlite(store) => Snapshot::Sqlite(store.pools().0.begin().await.map_err(what)?),
            Db::Postgres(store) => Snapshot::Postgres(
                store
                    .pool()
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .map_err(what)?,
            ),
        })
    }

    /// A write transaction for [`Load`].
    pub(crate) async fn load(&self) -> Result<Load, TransferError> {
        let what = failed("cannot start a write transaction");
        Ok(match self {
            Db::Sqlite(store) => Load::Sqlite(
                store
                    .pools()
                    .1
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(what)?,
            ),
            Db::Postgres(store) => Load::Postgres(store.pool().begin().await.map_err(what)?),
        })
    }
}

/// Every table read on one snapshot.
pub(crate) enum Snapshot {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Snapshot {
    /// Hands every row of `table` to `each`, in primary-key order (text compared bytewise in
    /// both stores: SQLite's default collation is, PostgreSQL's `"C"` is).
    pub(crate) async fn read_table(
        &mut self,
        table: &Table,
        mut each: impl FnMut(Row) -> Result<(), TransferError>,
    ) -> Result<(), TransferError> {
        let order = |postgres: bool| {
            table
                .key
                .iter()
                .map(|k| {
                    let text = table
                        .columns
                        .iter()
                        .any(|c| c.name == *k && c.kind == Kind::Text);
                    if postgres && text {
                        format!("\"{k}\" COLLATE \"C\"")
                    } else {
                        format!("\"{k}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let what = || format!("cannot read the table `{}`", table.name);
        match self {
            Snapshot::Sqlite(tx) => {
                let sql = format!(
                    "SELECT {} FROM \"{}\" ORDER BY {}",
                    column_list(table),
                    table.name,
                    order(false)
                );
                let mut rows = sqlx::query(&sql).fetch(&mut **tx);
                while let Some(row) = rows.try_next().await.map_err(failed(what()))? {
                    each(sqlite_row(table, &row).map_err(failed(what()))?)?;
                }
            }
            Snapshot::Postgres(tx) => {
                let sql = format!(
                    "SELECT {} FROM \"{}\" ORDER BY {}",
                    column_list(table),
                    table.name,
                    order(true)
                );
                let mut rows = sqlx::query(&sql).fetch(&mut **tx);
                while let Some(row) = rows.try_next().await.map_err(failed(what()))? {
                    each(pg_row(table, &row).map_err(failed(what()))?)?;
                }
            }
        }
        Ok(())
    }

    /// Ends the read transaction.
    pub(crate) async fn finish(self) -> Result<(), TransferError> {
        let what = failed("cannot end the read transaction");
        match self {
            Snapshot::Sqlite(tx) => tx.rollback().await.map_err(what),
            Snapshot::Postgres(tx) => tx.rollback().await.map_err(what),
        }
    }
}

fn sqlite_row(table: &Table, row: &sqlx::sqlite::SqliteRow) -> Result<Row, sqlx::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bool => {
                    let n: Option<i64> = row.try_get(i)?;
                    Value::Bool(
                        n.map(|n| match n {
                            0 => Ok(false),
                            1 => Ok(true),
                            n => Err(sqlx::Error::Decode(
                                format!("`{}.{}` is {n}, not 0 or 1", table.name, column.name)
                                    .into(),
                            )),
                        })
                        .transpose()?,
                    )
                }
            })
        })
        .collect()
}

fn pg_row(table: &Table, row: &sqlx::postgres::PgRow) -> Result<Row, sqlx::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bool => Value::Bool(row.try_get(i)?),
            })
        })
        .collect()
}

/// Binds one value; a NULL is bound with its column's type.
fn bind<'args, DB: sqlx::Database>(b: &mut Separated<'_, 'args, DB, &'static str>, value: &Value)
where
    Option<i64>: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'args, DB> + sqlx::Type<DB>,
{
    match value {
        Value::Int(v) => b.push_bind(*v),
        Value::Text(v) => b.push_bind(v.clone()),
        Value::Bool(v) => b.push_bind(*v),
    };
}

/// The rows of one INSERT statement: as many as [`MAX_BINDS`] allows.
pub(crate) fn batch_rows(table: &Table) -> usize {
    (MAX_BINDS / table.columns.len().max(1)).max(1)
}

/// Every table loaded in one transaction: nothing is visible until [`Load::commit`], and
/// dropping it rolls everything back.
pub(crate) enum Load {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Load {
    /// The number of rows of every table, in [`TABLES`] order.
    pub(crate) async fn counts(&mut self) -> Result<Vec<(&'static str, u64)>, TransferError> {
        let mut counts = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.name);
            let what = failed(format!("cannot count the rows of `{}`", table.name));
            let n: i64 = match self {
                Load::Sqlite(tx) => sqlx::query_scalar(&sql).fetch_one(&mut **tx).await,
                Load::Postgres(tx) => sqlx::query_scalar(&sql).fetch_one(&mut **tx).await,
            }
            .map_err(what)?;
            counts.push((table.name, u64::try_from(n).unwrap_or(0)));
        }
        Ok(counts)
    }

    /// Deletes every row of every table, dependents first.
    pub(crate) async fn delete_all(&mut self) -> Result<(), TransferError> {
        for table in TABLES.iter().rev() {
            let sql = format!("DELETE FROM \"{}\"", table.name);
            let what = failed(format!("cannot empty `{}`", table.name));
            match self {
                Load::Sqlite(tx) => sqlx::query(&sql).execute(&mut **tx).await.map(drop),
                Load::Postgres(tx) => sqlx::query(&sql).execute(&mut **tx).await.map(drop),
            }
            .map_err(what)?;
        }
        Ok(())
    }

    /// Inserts `rows` (at most [`batch_rows`] of them) into `table`, ids as they are.
    pub(crate) async fn insert(
        &mut self,
        table: &Table,
        rows: &[Row],
    ) -> Result<(), TransferError> {
        if rows.is_empty() {
            return Ok(());
        }
        let head = format!("INSERT INTO \"{}\" ({}) ", table.name, column_list(table));
        let what = failed(format!("cannot insert into `{}`", table.name));
        match self {
            Load::Sqlite(tx) => {
                let mut query = QueryBuilder::<Sqlite>::new(head);
                query.push_values(rows, |mut b, row| {
                    for value in row {
                        bind(&mut b, value);
                    }
                });
                query.build().execute(&mut **tx).await.map_err(what)?;
            }
            Load::Postgres(tx) => {
                let mut query = QueryBuilder::<Postgres>::new(head);
                query.push_values(rows, |mut b, row| {
                    for value in row {
                        bind(&mut b, value);
                    }
                });
                query.build().execute(&mut **tx).await.map_err(what)?;
            }
        }
        Ok(())
    }

    /// Rebuilds what the store derives from the rows: SQLite's full-text tables, PostgreSQL's
    /// `search` columns.
    pub(crate) async fn rebuild_search(&mut self) -> Result<(), TransferError> {
        match self {
            Load::Sqlite(tx) => crate::store::sqlite::rebuild_search(tx).await?,
            Load::Postgres(tx) => crate::store::postgres::rebuild_search(tx).await?,
        }
        Ok(())
    }

    /// PostgreSQL: moves each identity sequence past its column's largest id, so that the next
    /// row made the usual way gets a new one. (SQLite's `INTEGER PRIMARY KEY` needs nothing.)
    pub(crate) async fn reset_identities(&mut self) -> Result<(), TransferError> {
        let Load::Postgres(tx) = self else {
            return Ok(());
        };
        for table in TABLES {
            let Some(column) = table.identity else {
                continue;
            };
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{column}'), \
                 COALESCE(MAX(\"{column}\"), 0) + 1, false) FROM \"{t}\"",
                t = table.name
            );
            sqlx::query(&sql)
                .execute(&mut **tx)
                .await
                .map_err(failed(format!(
                    "cannot move the sequence of `{}.{column}`",
                    table.name
                )))?;
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), TransferError> {
        let what = failed("cannot commit the import");
        match self {
            Load::Sqlite(tx) => tx.commit().await.map_err(what),
            Load::Postgres(tx) => tx.commit().await.map_err(what),
        }
    }
}
