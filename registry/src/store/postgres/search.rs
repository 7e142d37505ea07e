//! Asset search on PostgreSQL: the weighted `search` tsvector of each listed asset, the candidates
//! that match the free text ranked with `ts_rank`, or every listed asset, recently updated first.
//! `AssetStore::search` filters, counts and pages them; [`super::text`] reduces the text.

use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use super::text::{MAX_FIELD, MAX_README, fold, indexed, tsquery};
use super::{PgStore, count, db, json_list};
use crate::store::{AssetSummary, StoreError};

const COLUMNS: &str = "a.name, a.latest_version, a.kind, a.description, a.license, a.services, \
                       a.releases, a.needs, a.keywords, a.downloads, a.created_at, a.updated_at";

/// The latest version's text, as `assets.search` indexes it.
pub(super) struct SearchText<'a> {
    pub name: &'a str,
    pub keywords: &'a [String],
    pub description: &'a str,
    pub readme: Option<&'a str>,
}

/// Rewrites the asset's `search` vector from `text` (weighted: name A, keywords B, description C,
/// README D), or sets it NULL (`None`: the asset is not listed, so no search finds it). Runs inside
/// the transaction that changed the asset's latest version.
pub(super) async fn write_search(
    conn: &mut PgConnection,
    asset_id: i64,
    text: Option<SearchText<'_>>,
) -> Result<(), StoreError> {
    let Some(text) = text else {
        sqlx::query("UPDATE assets SET search = NULL WHERE id = $1")
            .bind(asset_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        return Ok(());
    };
    let sql = format!(
        "UPDATE assets SET search = \
         setweight(to_tsvector('simple', {}), 'A') || setweight(to_tsvector('simple', {}), 'B') || \
         setweight(to_tsvector('simple', {}), 'C') || setweight(to_tsvector('simple', {}), 'D') \
         WHERE id = $1",
        fold("$2"),
        fold("$3"),
        fold("$4"),
        fold("$5"),
    );
    sqlx::query(&sql)
        .bind(asset_id)
        .bind(indexed(text.name, MAX_FIELD))
        .bind(indexed(&text.keywords.join(" "), MAX_FIELD))
        .bind(indexed(text.description, MAX_FIELD))
        .bind(indexed(text.readme.unwrap_or_default(), MAX_README))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

impl PgStore {
    pub(super) async fn asset_candidates(
        &self,
        q: Option<&str>,
    ) -> Result<Vec<AssetSummary>, StoreError> {
        let rows = match q.and_then(tsquery) {
            Some(query) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM assets a CROSS JOIN to_tsquery('simple', {}) AS query \
                     WHERE a.listed AND a.search @@ query \
                     ORDER BY ts_rank(a.search, query) DESC, a.name COLLATE \"C\"",
                    fold("$1")
                );
                sqlx::query(&sql).bind(query).fetch_all(&self.pool).await
            }
            None => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM assets a WHERE a.listed \
                     ORDER BY a.updated_at COLLATE \"C\" DESC, a.name COLLATE \"C\""
                );
                sqlx::query(&sql).fetch_all(&self.pool).await
            }
        }
        .map_err(db)?;
        rows.iter().map(summary).collect()
    }
}

fn summary(row: &PgRow) -> Result<AssetSummary, StoreError> {
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
