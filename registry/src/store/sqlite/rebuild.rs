//! Rebuilding what SQLite derives from the tables: the full-text rows of `needs_fts`, with the
//! function the write path uses (`needs::index_text`). `osops-registry import` runs it after
//! loading the rows, which carry no full-text index of their own. (Asset search is built in memory
//! from the rows themselves: `store::search::live`.)

use sqlx::{Row, SqliteConnection};

use super::db;
use super::needs::{RECORD_COLUMNS, index_text, record};
use crate::store::StoreError;

/// Checks that every listed asset has the version its `latest_version` names (asset search reads
/// its text there), empties the needs' full-text table, then writes one row per need. Runs inside
/// the caller's transaction.
pub(crate) async fn rebuild_search(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    let (listed, with_latest): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(v.id) FROM assets a \
         LEFT JOIN versions v ON v.asset_id = a.id AND v.version = a.latest_version \
         WHERE a.listed = 1",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    if listed != with_latest {
        return Err(StoreError::Corrupt(format!(
            "{listed} listed assets, but {with_latest} of them have a version named by `latest_version`"
        )));
    }
    sqlx::query("DELETE FROM needs_fts")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let rows = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS}, n.seq FROM needs n ORDER BY n.seq"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for row in &rows {
        let need = record(row)?;
        let seq: i64 = row.try_get(7).map_err(db)?;
        index_text(conn, seq, &need).await?;
    }
    Ok(())
}
