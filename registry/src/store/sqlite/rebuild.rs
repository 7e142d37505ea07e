//! Rebuilding what SQLite derives from the tables: the full-text rows of `assets_fts` and
//! `needs_fts`, with the same functions the write paths use (`assets::write_fts`,
//! `needs::index_text`). `osops-registry import` runs it after loading the rows, which carry no
//! full-text index of their own.

use sqlx::{Row, SqliteConnection};

use super::assets::write_fts;
use super::db;
use super::needs::{RECORD_COLUMNS, index_text, record};
use crate::store::StoreError;
use crate::store::columns::stored_manifest;

/// Empties both full-text tables, then writes one row per listed asset (from its latest
/// version's manifest and README) and one per need. Runs inside the caller's transaction.
pub(crate) async fn rebuild_search(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM assets_fts")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let listed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE listed = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let rows = sqlx::query(
        "SELECT a.id, v.manifest, v.readme FROM assets a \
         JOIN versions v ON v.asset_id = a.id AND v.version = a.latest_version \
         WHERE a.listed = 1 ORDER BY a.id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    if i64::try_from(rows.len()).ok() != Some(listed) {
        return Err(StoreError::Corrupt(format!(
            "{listed} listed assets, but {} of them have a version named by `latest_version`",
            rows.len()
        )));
    }
    for row in &rows {
        let asset_id: i64 = row.try_get(0).map_err(db)?;
        let manifest = stored_manifest(row.try_get(1).map_err(db)?)?;
        let readme: Option<&str> = row.try_get(2).map_err(db)?;
        write_fts(conn, asset_id, Some((&manifest, readme))).await?;
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
