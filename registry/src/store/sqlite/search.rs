//! Search: FTS5 ranked with bm25, filters in SQL, the release filter in Rust.
//!
//! Release ranges are stored as written (`>=2023.1, <=2025.2`) and matched with
//! `osops_index::ReleaseRange`, so a range that is open at the top also matches series added to
//! osops-index after it was published. That filter runs after SQL, over every candidate, and the
//! page is cut afterwards so `total` and the pages stay exact.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, count, db, fts, json_list};
use crate::store::{AssetSummary, SearchPage, SearchQuery, StoreError, release_matches};

/// bm25 weights per column of `assets_fts`: name, description, keywords, readme.
const RANK: &str = "bm25(assets_fts, 10.0, 4.0, 4.0, 1.0)";

const COLUMNS: &str = "a.name, a.latest_version, a.kind, a.description, a.services, a.releases, a.needs, \
                       a.keywords, a.downloads, a.updated_at";

impl SqliteStore {
    pub(super) async fn search_assets(
        &self,
        query: &SearchQuery,
    ) -> Result<SearchPage, StoreError> {
        let expr = query.q.as_deref().and_then(fts::match_expression);
        let mut from = String::new();
        let mut binds: Vec<&str> = Vec::new();
        if let Some(expr) = &expr {
            from.push_str("assets_fts JOIN assets a ON a.id = assets_fts.rowid WHERE assets_fts MATCH ? AND a.listed = 1");
            binds.push(expr);
        } else {
            from.push_str("assets a WHERE a.listed = 1");
        }
        if let Some(kind) = &query.kind {
            from.push_str(" AND a.kind = ?");
            binds.push(kind);
        }
        if let Some(service) = &query.service {
            from.push_str(
                " AND EXISTS (SELECT 1 FROM json_each(a.services) WHERE json_each.value = ?)",
            );
            binds.push(service);
        }
        if let Some(need) = &query.need {
            // asset_needs holds the needs of each listed asset's latest version.
            from.push_str(
                " AND EXISTS (SELECT 1 FROM asset_needs an WHERE an.asset_id = a.id AND an.need_id = ?)",
            );
            binds.push(need);
        }
        let order = if expr.is_some() {
            format!("{RANK}, a.name")
        } else {
            "a.updated_at DESC, a.name".to_owned()
        };
        let per_page = i64::from(query.per_page);
        // One snapshot for the count and the page.
        let mut tx = self.reader.begin().await.map_err(db)?;
        let offset = i64::from(query.page.saturating_sub(1)) * per_page;

        if let Some(release) = &query.release {
            // Every candidate, filtered here, then the page.
            let sql = format!("SELECT {COLUMNS} FROM {from} ORDER BY {order}");
            let rows = bound(&sql, &binds).fetch_all(&mut *tx).await.map_err(db)?;
            let mut matching = Vec::new();
            for row in &rows {
                let releases: Option<String> = row.try_get(5).map_err(db)?;
                if release_matches(releases.as_deref(), release) {
                    matching.push(row);
                }
            }
            let total = matching.len() as u64;
            let assets = matching
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(per_page).unwrap_or(0))
                .map(summary)
                .collect::<Result<_, _>>()?;
            return Ok(SearchPage { total, assets });
        }

        let total: i64 = {
            let sql = format!("SELECT COUNT(*) FROM {from}");
            let mut q = sqlx::query_scalar(&sql);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_one(&mut *tx).await.map_err(db)?
        };
        let sql = format!("SELECT {COLUMNS} FROM {from} ORDER BY {order} LIMIT ? OFFSET ?");
        let rows = bound(&sql, &binds)
            .bind(per_page)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let assets = rows.iter().map(summary).collect::<Result<_, _>>()?;
        Ok(SearchPage {
            total: count(total),
            assets,
        })
    }
}

fn bound<'q>(
    sql: &'q str,
    binds: &[&'q str],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q
}

fn summary(row: &SqliteRow) -> Result<AssetSummary, StoreError> {
    Ok(AssetSummary {
        name: row.try_get(0).map_err(db)?,
        version: row.try_get(1).map_err(db)?,
        kind: row.try_get(2).map_err(db)?,
        description: row.try_get(3).map_err(db)?,
        services: json_list(row.try_get(4).map_err(db)?)?,
        releases: row.try_get(5).map_err(db)?,
        needs: json_list(row.try_get(6).map_err(db)?)?,
        keywords: json_list(row.try_get(7).map_err(db)?)?,
        downloads: count(row.try_get(8).map_err(db)?),
        updated_at: row.try_get(9).map_err(db)?,
    })
}
