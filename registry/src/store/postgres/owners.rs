//! Owners in PostgreSQL: users in `asset_owners`, teams in `asset_team_owners`. The helpers run on
//! a connection so that the publish, yank and owner transactions decide on what they change.
//!
//! Names sort with `COLLATE "C"` (byte order, as SQLite sorts them), whatever the database's
//! collation.

use osops_index::AssetName;
use sqlx::{PgConnection, Row};

use super::audit::record;
use super::{PgStore, db};
use crate::access::Actor;
use crate::store::{
    AuditAction, NewAuditEvent, OwnerRef, OwnerStore, OwnersOutcome, StoreError, StoreFuture,
    UserId,
};

/// The asset's owners: users then teams, each by name.
pub(super) async fn owner_refs(
    conn: &mut PgConnection,
    asset_id: i64,
) -> Result<Vec<OwnerRef>, StoreError> {
    let rows = sqlx::query(
        "SELECT FALSE AS team, users.name COLLATE \"C\" AS name FROM asset_owners \
         JOIN users ON users.id = asset_owners.user_id WHERE asset_owners.asset_id = $1 \
         UNION ALL SELECT TRUE, teams.name COLLATE \"C\" FROM asset_team_owners \
         JOIN teams ON teams.id = asset_team_owners.team_id WHERE asset_team_owners.asset_id = $1 \
         ORDER BY 1, 2",
    )
    .bind(asset_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let team: bool = r.try_get(0).map_err(db)?;
            let name: String = r.try_get(1).map_err(db)?;
            Ok(if team {
                OwnerRef::Team(name)
            } else {
                OwnerRef::User(name)
            })
        })
        .collect()
}

/// The owners as strings (`jane`, `team:nova-core`).
pub(super) async fn owner_names(
    conn: &mut PgConnection,
    asset_id: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(owner_refs(conn, asset_id)
        .await?
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// Whether the user owns the asset, directly or as a member of an owning team.
pub(super) async fn is_owner(
    conn: &mut PgConnection,
    asset_id: i64,
    user_id: UserId,
) -> Result<bool, StoreError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM asset_owners WHERE asset_id = $1 AND user_id = $2) \
         OR EXISTS (SELECT 1 FROM asset_team_owners o JOIN team_members m ON m.team_id = o.team_id \
                    WHERE o.asset_id = $1 AND m.user_id = $2)",
    )
    .bind(asset_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)
}

/// The asset's id, `None` for an unknown asset.
pub(super) async fn asset_id(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT id FROM assets WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)
}

/// Like [`asset_id`], and locks the asset's row (`SELECT … FOR UPDATE`) until the caller's
/// transaction ends, so that transactions which read the owners and then change them (or decide on
/// them) run one after the other for that asset, across replicas — what `BEGIN IMMEDIATE` gives
/// SQLite. Call it first in the transaction, before any other lock on the asset's rows.
pub(super) async fn lock_asset(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT id FROM assets WHERE name = $1 FOR UPDATE")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)
}

impl PgStore {
    async fn change(
        &self,
        asset: &AssetName,
        actor: &Actor,
        owners: &[OwnerRef],
        add: bool,
    ) -> Result<OwnersOutcome, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // The asset's row stays locked until commit or rollback: two concurrent removals (on any
        // replicas) run one after the other, so the second sees the first's result and the
        // last-owner check below cannot be raced into leaving the asset without an owner.
        let Some(asset_id) = lock_asset(&mut tx, asset.as_str()).await? else {
            return Ok(OwnersOutcome::NoSuchAsset);
        };
        if !is_owner(&mut tx, asset_id, actor.user.id).await? {
            return Ok(OwnersOutcome::NotOwner {
                owners: owner_refs(&mut tx, asset_id).await?,
            });
        }
        let now = crate::time::now();
        for owner in owners {
            let (lookup, insert, delete) = match owner {
                OwnerRef::User(_) => (
                    "SELECT id FROM users WHERE name = $1",
                    "INSERT INTO asset_owners (asset_id, user_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                    "DELETE FROM asset_owners WHERE asset_id = $1 AND user_id = $2",
                ),
                OwnerRef::Team(_) => (
                    "SELECT id FROM teams WHERE name = $1",
                    "INSERT INTO asset_team_owners (asset_id, team_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                    "DELETE FROM asset_team_owners WHERE asset_id = $1 AND team_id = $2",
                ),
            };
            let id: Option<i64> = sqlx::query_scalar(lookup)
                .bind(owner.name())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let Some(id) = id else {
                return Ok(OwnersOutcome::Unknown(owner.clone()));
            };
            let query = if add {
                sqlx::query(insert).bind(asset_id).bind(id).bind(&now)
            } else {
                sqlx::query(delete).bind(asset_id).bind(id)
            };
            let changed = query.execute(&mut *tx).await.map_err(db)?.rows_affected();
            if changed > 0 {
                let action = if add {
                    AuditAction::OwnerAdd
                } else {
                    AuditAction::OwnerRemove
                };
                let event = NewAuditEvent {
                    action,
                    asset: Some(asset.to_string()),
                    version: None,
                    actor: actor.audit(),
                    detail: Some(owner.to_string()),
                };
                record(&mut tx, &event).await?;
            }
        }
        let after = owner_refs(&mut tx, asset_id).await?;
        if after.is_empty() {
            // Rolled back on drop.
            return Ok(OwnersOutcome::LastOwner);
        }
        tx.commit().await.map_err(db)?;
        Ok(OwnersOutcome::Done(after))
    }
}

impl OwnerStore for PgStore {
    fn owners<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Option<Vec<OwnerRef>>> {
        Box::pin(async move {
            // One snapshot for both reads, so the owners are those of the asset that was found.
            let mut tx = self
                .pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await
                .map_err(db)?;
            let Some(id) = asset_id(&mut tx, asset.as_str()).await? else {
                return Ok(None);
            };
            let owners = owner_refs(&mut tx, id).await?;
            tx.rollback().await.map_err(db)?;
            Ok(Some(owners))
        })
    }

    fn is_owner<'a>(&'a self, asset: &'a AssetName, user: UserId) -> StoreFuture<'a, Option<bool>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(db)?;
            let Some(id) = asset_id(&mut conn, asset.as_str()).await? else {
                return Ok(None);
            };
            Ok(Some(is_owner(&mut conn, id, user).await?))
        })
    }

    fn change_owners<'a>(
        &'a self,
        asset: &'a AssetName,
        actor: &'a Actor,
        owners: &'a [OwnerRef],
        add: bool,
    ) -> StoreFuture<'a, OwnersOutcome> {
        Box::pin(self.change(asset, actor, owners, add))
    }
}
