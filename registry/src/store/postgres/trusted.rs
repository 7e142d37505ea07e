//! Trusted-publisher rules and used identity-token ids in PostgreSQL.

use std::collections::BTreeMap;

use osops_index::AssetName;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PgStore, db, is_unique_violation, to_json};
use crate::store::trusted::{RuleId, TrustedRule, TrustedStore};
use crate::store::{StoreError, StoreFuture, User};

/// The columns [`rule_from`] reads, in order.
const RULE_COLUMNS: &str = "r.id, a.name, r.issuer, r.claims, r.created_at, u.name";
const RULE_FROM: &str = "FROM trusted_publishers r JOIN assets a ON a.id = r.asset_id \
     JOIN users u ON u.id = r.created_by";

impl TrustedStore for PgStore {
    fn trusted_rules<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Vec<TrustedRule>> {
        Box::pin(async move {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM assets WHERE name = $1")
                .bind(asset.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return Err(no_asset(asset));
            }
            let rows = sqlx::query(&format!(
                "SELECT {RULE_COLUMNS} {RULE_FROM} WHERE a.name = $1 ORDER BY r.id"
            ))
            .bind(asset.as_str())
            .fetch_all(&self.pool)
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
                "SELECT {RULE_COLUMNS} {RULE_FROM} WHERE r.issuer = $1 ORDER BY r.id"
            ))
            .bind(issuer)
            .fetch_all(&self.pool)
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
            // The claims are a BTreeMap, so identical rules serialise to identical text and the
            // unique constraint (asset, issuer, claims) decides between racing replicas.
            let claims_json = to_json(claims)?;
            let now = crate::time::now();
            let result: Result<Option<i64>, _> = sqlx::query_scalar(
                "INSERT INTO trusted_publishers (asset_id, issuer, claims, created_by, created_at) \
                 SELECT id, $2, $3, $4, $5 FROM assets WHERE name = $1 RETURNING id",
            )
            .bind(asset.as_str())
            .bind(issuer)
            .bind(&claims_json)
            .bind(created_by.id)
            .bind(&now)
            .fetch_optional(&self.pool)
            .await;
            match result {
                Ok(None) => Err(no_asset(asset)),
                Ok(Some(id)) => Ok(TrustedRule {
                    id,
                    asset: asset.to_string(),
                    issuer: issuer.to_owned(),
                    claims: claims.clone(),
                    created_at: now,
                    created_by: created_by.name.clone(),
                }),
                Err(e) if is_unique_violation(&e) => {
                    let id: Option<i64> = sqlx::query_scalar(
                        "SELECT r.id FROM trusted_publishers r JOIN assets a ON a.id = r.asset_id \
                         WHERE a.name = $1 AND r.issuer = $2 AND r.claims = $3",
                    )
                    .bind(asset.as_str())
                    .bind(issuer)
                    .bind(&claims_json)
                    .fetch_optional(&self.pool)
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
            // One statement: of two concurrent removals of the rule, exactly one deletes the row
            // and returns it; the other waits for it and then finds nothing.
            let row = sqlx::query(&format!(
                "DELETE FROM trusted_publishers r USING assets a, users u \
                 WHERE a.id = r.asset_id AND u.id = r.created_by AND a.name = $1 AND r.id = $2 \
                 RETURNING {RULE_COLUMNS}"
            ))
            .bind(asset.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            row.as_ref().map(rule_from).transpose()
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
            let mut tx = self.pool.begin().await.map_err(db)?;
            // Forgetting expired ids is housekeeping: SKIP LOCKED leaves rows another replica is
            // deleting right now to it, instead of waiting for (or deadlocking with) it.
            sqlx::query(
                "DELETE FROM trusted_token_uses WHERE (issuer, jti) IN \
                 (SELECT issuer, jti FROM trusted_token_uses WHERE expires_at < $1 \
                  FOR UPDATE SKIP LOCKED)",
            )
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            // The primary key (issuer, jti) decides: of two replicas recording the same token at
            // once, the second waits for the first to commit and then inserts nothing, so an
            // identity token is exchanged exactly once.
            let inserted = sqlx::query(
                "INSERT INTO trusted_token_uses (issuer, jti, expires_at, used_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (issuer, jti) DO NOTHING",
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
fn rule_from(row: &PgRow) -> Result<TrustedRule, StoreError> {
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
