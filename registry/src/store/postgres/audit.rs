//! The audit log in PostgreSQL: [`record`] runs inside the transaction of the action it records.

use sqlx::{PgConnection, Row};

use super::{PgStore, db};
use crate::store::{AuditEvent, AuditFilter, AuditStore, NewAuditEvent, StoreError, StoreFuture};

/// Appends `event` on `conn` (inside the caller's transaction).
pub(super) async fn record(
    conn: &mut PgConnection,
    event: &NewAuditEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (at, action, asset, version, actor, token_id, trusted_publisher, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::time::now())
    .bind(event.action.as_str())
    .bind(&event.asset)
    .bind(&event.version)
    .bind(&event.actor.name)
    .bind(event.actor.token_id)
    .bind(&event.actor.trusted_publisher)
    .bind(&event.detail)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

impl AuditStore for PgStore {
    fn record<'a>(&'a self, event: &'a NewAuditEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(db)?;
            record(&mut conn, event).await
        })
    }

    fn events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditEvent>> {
        Box::pin(async move {
            // `$1::text`: an untyped NULL parameter in `$1 IS NULL` has no type to infer.
            let rows = sqlx::query(
                "SELECT id, at, action, asset, version, actor, token_id, trusted_publisher, detail \
                 FROM audit_events \
                 WHERE ($1::text IS NULL OR asset = $1) AND ($2::text IS NULL OR actor = $2) \
                 ORDER BY id DESC",
            )
            .bind(&filter.asset)
            .bind(&filter.actor)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEvent {
                        id: r.try_get(0).map_err(db)?,
                        at: r.try_get(1).map_err(db)?,
                        action: r.try_get(2).map_err(db)?,
                        asset: r.try_get(3).map_err(db)?,
                        version: r.try_get(4).map_err(db)?,
                        actor: r.try_get(5).map_err(db)?,
                        token_id: r.try_get(6).map_err(db)?,
                        trusted_publisher: r.try_get(7).map_err(db)?,
                        detail: r.try_get(8).map_err(db)?,
                    })
                })
                .collect()
        })
    }
}
