//! API tokens in PostgreSQL, found only by their sha256.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::audit::record;
use super::{PgStore, db, is_unique_violation, json_list, to_json};
use crate::access::{Pattern, Scope, Scopes, pattern_list};
use crate::store::{
    AuditAction, AuditActor, NewAuditEvent, NewToken, Revoked, StoreError, StoreFuture, TokenId,
    TokenInfo, TokenLookup, TokenStore, User, UserId,
};

const TOKEN_COLUMNS: &str = "t.id, users.name, t.name, t.scopes, t.patterns, t.created_at, \
     t.expires_at, t.last_used_at, t.revoked_at, t.trusted_publisher";

fn token_from(row: &PgRow) -> Result<TokenInfo, StoreError> {
    let scopes = json_list(row.try_get(3).map_err(db)?)?
        .iter()
        .map(|s| s.parse::<Scope>().map_err(StoreError::Corrupt))
        .collect::<Result<Scopes, _>>()?;
    let patterns = json_list(row.try_get(4).map_err(db)?)?
        .iter()
        .map(|p| Pattern::parse(p).map_err(StoreError::Corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TokenInfo {
        id: row.try_get(0).map_err(db)?,
        user: row.try_get(1).map_err(db)?,
        name: row.try_get(2).map_err(db)?,
        scopes,
        patterns,
        created_at: row.try_get(5).map_err(db)?,
        expires_at: row.try_get(6).map_err(db)?,
        last_used_at: row.try_get(7).map_err(db)?,
        revoked_at: row.try_get(8).map_err(db)?,
        trusted_publisher: row.try_get(9).map_err(db)?,
    })
}

/// What the audit log says about a token: never its secret nor its hash.
fn describe(token: &TokenInfo) -> String {
    let patterns = if token.patterns.is_empty() {
        "every asset".to_owned()
    } else {
        pattern_list(&token.patterns)
    };
    let mut text = format!(
        "token {} `{}` of `{}`: scopes {}; assets {patterns}; expires {}",
        token.id,
        token.name,
        token.user,
        token.scopes,
        token.expires_at.as_deref().unwrap_or("never"),
    );
    if let Some(tp) = &token.trusted_publisher {
        text.push_str(&format!("; trusted publisher `{tp}`"));
    }
    text
}

impl PgStore {
    async fn insert_token(
        &self,
        new: &NewToken,
        action: AuditAction,
        by: &AuditActor,
    ) -> Result<TokenInfo, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let patterns: Vec<&str> = new.patterns.iter().map(Pattern::as_str).collect();
        // The unique constraint on `tokens.sha256` decides between racing replicas.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tokens (user_id, name, sha256, created_at, scopes, patterns, expires_at, trusted_publisher) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.user)
        .bind(&new.name)
        .bind(&new.sha256)
        .bind(crate::time::now())
        .bind(to_json(&new.scopes)?)
        .bind(to_json(&patterns)?)
        .bind(&new.expires_at)
        .bind(&new.trusted_publisher)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict("token already exists".into())
            } else {
                db(e)
            }
        })?;
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users ON users.id = t.user_id WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let info = token_from(&row)?;
        let event = NewAuditEvent {
            action,
            asset: None,
            version: None,
            actor: by.clone(),
            detail: Some(describe(&info)),
        };
        record(&mut tx, &event).await?;
        tx.commit().await.map_err(db)?;
        Ok(info)
    }

    async fn revoke(
        &self,
        id: TokenId,
        owner: Option<UserId>,
        by: &AuditActor,
    ) -> Result<Revoked, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // FOR UPDATE OF t: a concurrent revoke of the same token waits for this transaction and
        // then reads `revoked_at`, so exactly one answers `Now` and records the event.
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS}, t.user_id FROM tokens t JOIN users ON users.id = t.user_id \
             WHERE t.id = $1 FOR UPDATE OF t"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Ok(Revoked::NotFound);
        };
        let user_id: UserId = row.try_get(10).map_err(db)?;
        if owner.is_some_and(|o| o != user_id) {
            return Ok(Revoked::NotFound);
        }
        let info = token_from(&row)?;
        if info.revoked_at.is_some() {
            return Ok(Revoked::Already);
        }
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
            .bind(crate::time::now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let event = NewAuditEvent {
            action: AuditAction::TokenRevoke,
            asset: None,
            version: None,
            actor: by.clone(),
            detail: Some(format!(
                "token {} `{}` of `{}`",
                info.id, info.name, info.user
            )),
        };
        record(&mut tx, &event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Revoked::Now)
    }
}

impl TokenStore for PgStore {
    fn create_token<'a>(
        &'a self,
        new: &'a NewToken,
        action: AuditAction,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, TokenInfo> {
        Box::pin(self.insert_token(new, action, by))
    }

    fn token_by_hash<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<TokenLookup>> {
        Box::pin(async move {
            let row = sqlx::query(&format!(
                "SELECT {TOKEN_COLUMNS}, users.id, users.disabled_at FROM tokens t \
                 JOIN users ON users.id = t.user_id WHERE t.sha256 = $1"
            ))
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let token = token_from(&row)?;
            let disabled: Option<String> = row.try_get(11).map_err(db)?;
            Ok(Some(TokenLookup {
                user: User {
                    id: row.try_get(10).map_err(db)?,
                    name: token.user.clone(),
                },
                token,
                user_disabled: disabled.is_some(),
            }))
        })
    }

    fn touch_token<'a>(&'a self, id: TokenId, at: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
            Ok(())
        })
    }

    fn tokens<'a>(&'a self, user: UserId) -> StoreFuture<'a, Vec<TokenInfo>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users ON users.id = t.user_id \
                 WHERE t.user_id = $1 ORDER BY t.id"
            ))
            .bind(user)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            rows.iter().map(token_from).collect()
        })
    }

    fn revoke_token<'a>(
        &'a self,
        id: TokenId,
        owner: Option<UserId>,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, Revoked> {
        Box::pin(self.revoke(id, owner, by))
    }
}
