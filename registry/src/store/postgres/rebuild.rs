//! Rebuilding what PostgreSQL derives from the tables: the weighted `search` columns of `assets`
//! and `needs`, with the same functions the write paths use (`search::write_search`,
//! `needs::write_search`). `osops-registry import` runs it after loading the rows, which carry no
//! search vectors of their own.

use sqlx::{PgConnection, Row};

use super::db;
use super::needs::{RECORD_COLUMNS, record};
use super::search::{SearchText, write_search};
use crate::store::StoreError;
use crate::store::columns::stored_manifest;

/// Clears every asset's `search`, then writes it for each listed asset (from its latest
/// version's manifest and README), and rewrites every need's. Runs inside the caller's
/// transaction.
pub(crate) async fn rebuild_search(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE assets SET search = NULL")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let listed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE listed")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let rows = sqlx::query(
        "SELECT a.id, v.manifest, v.readme FROM assets a \
         JOIN versions v ON v.asset_id = a.id AND v.version = a.latest_version \
         WHERE a.listed ORDER BY a.id",
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
        let text = SearchText {
            name: &manifest.name,
            keywords: &manifest.keywords,
            description: &manifest.description,
            readme,
        };
        write_search(conn, asset_id, Some(text)).await?;
    }

    let rows = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS}, n.seq FROM needs n ORDER BY n.seq"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for row in &rows {
        let need = record(row)?;
        let seq: i64 = row.try_get(7).map_err(db)?;
        super::needs::write_search(conn, seq, &need).await?;
    }
    Ok(())
}
