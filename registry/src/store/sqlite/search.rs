//! What the embedded store's search index is built from: each listed asset's summary and its
//! latest version's README (`crate::store::search::live`).

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, count, db, json_list};
use crate::store::search::live::{Documents, SearchDocument};
use crate::store::{AssetSummary, MAX_README, StoreError, StoreFuture};

const COLUMNS: &str = "a.name, a.latest_version, a.kind, a.description, a.license, a.services, \
                       a.releases, a.needs, a.keywords, a.downloads, a.created_at, a.updated_at";

impl Documents for SqliteStore {
    fn documents<'a>(
        &'a self,
        names: Option<&'a [String]>,
        each: &'a mut (dyn FnMut(SearchDocument) + Send),
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // `substr` counts characters: MAX_README of them hold at least MAX_README bytes.
            let select = format!(
                "SELECT {COLUMNS}, substr(v.readme, 1, {MAX_README}) FROM assets a \
                 LEFT JOIN versions v ON v.asset_id = a.id AND v.version = a.latest_version \
                 WHERE a.listed = 1"
            );
            let sql = match names {
                None => select,
                Some(_) => format!("{select} AND a.name IN (SELECT value FROM json_each(?1))"),
            };
            let mut query = sqlx::query(&sql);
            if let Some(names) = names {
                let names = serde_json::to_string(names).map_err(|e| {
                    StoreError::Corrupt(format!("cannot write asset names as JSON: {e}"))
                })?;
                query = query.bind(names);
            }
            let mut rows = query.fetch(&self.reader);
            while let Some(row) = rows.try_next().await.map_err(db)? {
                each(SearchDocument {
                    summary: summary(&row)?,
                    readme: row.try_get(12).map_err(db)?,
                });
            }
            Ok(())
        })
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
