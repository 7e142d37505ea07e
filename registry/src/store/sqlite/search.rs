//! Search candidates: the listed assets that match the free text, ranked by FTS5's bm25, or every
//! listed asset, recently updated first. `AssetStore::search` filters, counts and pages them.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, count, db, fts, json_list};
use crate::store::{AssetSummary, StoreError};

/// bm25 weights per column of `assets_fts`: name, description, keywords, readme.
const RANK: &str = "bm25(assets_fts, 10.0, 4.0, 4.0, 1.0)";

const COLUMNS: &str = "a.name, a.latest_version, a.kind, a.description, a.license, a.services, \
                       a.releases, a.needs, a.keywords, a.downloads, a.created_at, a.updated_at";

impl SqliteStore {
    pub(super) async fn asset_candidates(
        &self,
        q: Option<&str>,
    ) -> Result<Vec<AssetSummary>, StoreError> {
        let rows = match q.and_then(fts::match_expression) {
            Some(expr) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM assets_fts JOIN assets a ON a.id = assets_fts.rowid \
                     WHERE assets_fts MATCH ?1 AND a.listed = 1 ORDER BY {RANK}, a.name"
                );
                sqlx::query(&sql).bind(expr).fetch_all(&self.reader).await
            }
            None => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM assets a WHERE a.listed = 1 ORDER BY a.updated_at DESC, a.name"
                );
                sqlx::query(&sql).fetch_all(&self.reader).await
            }
        }
        .map_err(db)?;
        rows.iter().map(summary).collect()
    }
}

fn summary(row: &SqliteRow) -> Result<AssetSummary, StoreError> {
    Ok(AssetSummary {
        name: row.try_get(0).map_err(db)?,
        version: row.try_get(1).map_err(db)?,
        kind: row.try_get(2).map_err(db)?,
        description: row.try_get(3).map_err(db)?,
        license: row.try_get(4).map_err(db)?,
        services: json_list(row.try_get(5).map_err(db)?)?,
        releases: row.try_get(6).map_err(db)?,
        needs: json_list(row.try_get(7).map_err(db)?)?,
        keywords: json_list(row.try_get(8).map_err(db)?)?,
        downloads: count(row.try_get(9).map_err(db)?),
        created_at: row.try_get(10).map_err(db)?,
        updated_at: row.try_get(11).map_err(db)?,
    })
}
