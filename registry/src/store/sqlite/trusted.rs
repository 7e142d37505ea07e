//! Trusted-publisher rules and used identity-token ids in SQLite.

use std::collections::BTreeMap;

use osops_index::AssetName;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, db, is_unique_violation, to_json};
use crate::store::trusted::{RuleId, TrustedRule, TrustedStore};
use crate::store::{StoreError, StoreFuture, User};

const RULE_COLUMNS: &str = "r.id, a.name, r.issuer, r.claims, r.created_at, u.name \
     FROM trusted_publishers r JOIN assets a ON a.id = r.asset_id JOIN users u ON u.id = r.created_by";

impl TrustedStore for SqliteStore {
    fn trusted_rules<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Vec<TrustedRule>> {
        Box::pin(async move {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM assets WHERE name = ?1")
                .bind(asset.as_str())
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return Err(no_asset(asset));
            }
            let rows = sqlx::query(&format!(
                "SELECT {RULE_COLUMNS} WHERE a.name = ?1 ORDER BY r.id"
            ))
            .bind(asset.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
            rows.iter().map(rule_from).collect()
        })
    }

    fn trusted_rules_for_issuer<'a>(
        &'a self,
        issuer: &'a str,
    ) -> StoreFuture<'a, Vec<TrustedRule>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {RULE_COLUMNS} WHERE r.issuer = ?1 ORDER BY r.id"
            ))
            .bind(issuer)
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
            rows.iter().map(rule_from).collect()
        })
    }

    fn add_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        issuer: &'a str,
        claims: &'a BTreeMap<String, String>,
        created_by: &'a User,
    ) -> StoreFuture<'a, TrustedRule> {
        Box::pin(async move {
            let claims_json = to_json(claims)?;
            let now = crate::time::now();
            let result = sqlx::query(
                "INSERT INTO trusted_publishers (asset_id, issuer, claims, created_by, created_at) \
                 SELECT id, ?2, ?3, ?4, ?5 FROM assets WHERE name = ?1",
            )
            .bind(asset.as_str())
            .bind(issuer)
            .bind(&claims_json)
            .bind(created_by.id)
            .bind(&now)
            .execute(&self.writer)
            .await;
            match result {
                Ok(done) if done.rows_affected() == 0 => Err(no_asset(asset)),
                Ok(done) => Ok(TrustedRule {
                    id: done.last_insert_rowid(),
                    asset: asset.to_string(),
                    issuer: issuer.to_owned(),
                    claims: claims.clone(),
                    created_at: now,
                    created_by: created_by.name.clone(),
                }),
                Err(e) if is_unique_violation(&e) => {
                    let id: Option<i64> = sqlx::query_scalar(
                        "SELECT r.id FROM trusted_publishers r JOIN assets a ON a.id = r.asset_id \
                         WHERE a.name = ?1 AND r.issuer = ?2 AND r.claims = ?3",
                    )
                    .bind(asset.as_str())
                    .bind(issuer)
                    .bind(&claims_json)
                    .fetch_optional(&self.writer)
                    .await
                    .map_err(db)?;
                    Err(StoreError::Conflict(format!(
                        "`{asset}` already has this trusted publisher rule{}",
                        id.map(|id| format!(" (id {id})")).unwrap_or_default()
                    )))
                }
                Err(e) => Err(db(e)),
            }
        })
    }

    fn remove_trusted_rule<'a>(
        &'a self,
        asset: &'a AssetName,
        id: RuleId,
    ) -> StoreFuture<'a, Option<TrustedRule>> {
        Box::pin(async move {
            let mut tx = self.write().await?;
            let row = sqlx::query(&format!(
                "SELECT {RULE_COLUMNS} WHERE a.name = ?1 AND r.id = ?2"
            ))
            .bind(asset.as_str())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let Some(row) = row else {
                tx.rollback().await.map_err(db)?;
                return Ok(None);
            };
            let rule = rule_from(&row)?;
            sqlx::query("DELETE FROM trusted_publishers WHERE id = ?1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            Ok(Some(rule))
        })
    }

    fn record_token_use<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        expires_at: &'a str,
        now: &'a str,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.write().await?;
            sqlx::query("DELETE FROM trusted_token_uses WHERE expires_at < ?1")
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let inserted = sqlx::query(
                "INSERT INTO trusted_token_uses (issuer, jti, expires_at, used_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (issuer, jti) DO NOTHING",
            )
            .bind(issuer)
            .bind(jti)
            .bind(expires_at)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            tx.commit().await.map_err(db)?;
            Ok(inserted == 1)
        })
    }
}

fn no_asset(asset: &AssetName) -> StoreError {
    StoreError::NotFound(format!("no asset `{asset}`"))
}

/// A `SELECT {RULE_COLUMNS}` row.
fn rule_from(row: &SqliteRow) -> Result<TrustedRule, StoreError> {
    let claims: String = row.try_get(3).map_err(db)?;
    Ok(TrustedRule {
        id: row.try_get(0).map_err(db)?,
        asset: row.try_get(1).map_err(db)?,
        issuer: row.try_get(2).map_err(db)?,
        claims: serde_json::from_str(&claims).map_err(|e| {
            StoreError::Corrupt(format!("trusted publisher claims `{claims}`: {e}"))
        })?,
        created_at: row.try_get(4).map_err(db)?,
        created_by: row.try_get(5).map_err(db)?,
    })
}
