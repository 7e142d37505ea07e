//! Assets, owners and versions in SQLite, and the publish transaction.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::audit::record;
use super::owners::{asset_id, is_owner, owner_names};
use super::{SqliteStore, count, db, parse_version, to_json};
use crate::access::{Actor, Scope};
use crate::store::columns::{conflict, stored_manifest};
use crate::store::rules::{self, Decision};
use crate::store::{
    AssetDetail, AssetStore, AuditAction, CatalogCounts, Dependent, NewAuditEvent, NewVersion,
    PublishCheck, PublishOutcome, SearchPage, SearchQuery, StoreError, StoreFuture, VersionInfo,
    Yank, YankOutcome, newest_first,
};
use osops_index::{AssetName, IndexEntry};
use std::collections::BTreeSet;

/// The publish rules, in order: a new name needs the `publish-new` scope and must not look like
/// an asset the publisher does not own; an existing asset only takes versions from its owners
/// (team members included), never the same version twice (identical bytes excepted), and a new
/// version needs the `publish-update` scope.
async fn decide(conn: &mut SqliteConnection, new: &NewVersion) -> Result<Decision, StoreError> {
    let user_id = new.publisher.user.id;
    let Some(asset_id) = asset_id(conn, new.name.as_str()).await? else {
        if !new.publisher.may(Scope::PublishNew) {
            return Ok(Decision::Refuse(PublishOutcome::MissingScope(
                Scope::PublishNew,
            )));
        }
        // Another user's asset with a look-alike name; the owner of one may take the others.
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT a.name FROM assets a WHERE a.lookalike_key = ?1 \
             AND NOT EXISTS (SELECT 1 FROM asset_owners o WHERE o.asset_id = a.id AND o.user_id = ?2) \
             AND NOT EXISTS (SELECT 1 FROM asset_team_owners o JOIN team_members m ON m.team_id = o.team_id \
                             WHERE o.asset_id = a.id AND m.user_id = ?2) \
             ORDER BY a.id LIMIT 1",
        )
        .bind(&new.lookalike_key)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        return Ok(match existing {
            Some(existing) => Decision::Refuse(PublishOutcome::Lookalike { existing }),
            None => Decision::Insert(None),
        });
    };
    let trusted = new.by_trusted_publisher();
    if !trusted && !is_owner(conn, asset_id, user_id).await? {
        return Ok(Decision::Refuse(PublishOutcome::NotOwner {
            owners: owner_names(conn, asset_id).await?,
        }));
    }
    let existing = sqlx::query(
        "SELECT sha256, version FROM versions WHERE asset_id = ?1 AND version_key = ?2",
    )
    .bind(asset_id)
    .bind(new.version_key())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let existing = match existing {
        Some(row) => Some((row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?)),
        None => None,
    };
    Ok(new.decide_version(asset_id, existing))
}

/// Rewrites the asset's denormalised columns and its need links from its latest version: the
/// newest non-yanked one, else the newest (then the asset is unlisted: no need links, and search
/// leaves it out). Runs inside the transaction that changed the versions.
async fn refresh_latest(
    conn: &mut SqliteConnection,
    asset_id: i64,
    updated_at: &str,
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT id, version, yanked FROM versions WHERE asset_id = ?1")
        .bind(asset_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut versions = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get(0).map_err(db)?;
        let version = parse_version(row.try_get(1).map_err(db)?)?;
        let yanked: bool = row.try_get(2).map_err(db)?;
        versions.push((id, version, yanked));
    }
    let (latest_id, listed) = rules::latest(asset_id, &versions)?;
    let manifest: String = sqlx::query_scalar("SELECT manifest FROM versions WHERE id = ?1")
        .bind(latest_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let manifest = stored_manifest(&manifest)?;

    sqlx::query(
        "UPDATE assets SET latest_version = ?1, listed = ?2, kind = ?3, description = ?4, services = ?5, \
         releases = ?6, needs = ?7, keywords = ?8, updated_at = ?9, license = ?10 WHERE id = ?11",
    )
    .bind(&manifest.version)
    .bind(listed)
    .bind(&manifest.kind)
    .bind(&manifest.description)
    .bind(to_json(&manifest.services)?)
    .bind(&manifest.releases)
    .bind(to_json(&manifest.needs)?)
    .bind(to_json(&manifest.keywords)?)
    .bind(updated_at)
    .bind(&manifest.license)
    .bind(asset_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;

    // The needs this asset answers: those of its latest version, while it is listed.
    sqlx::query("DELETE FROM asset_needs WHERE asset_id = ?1")
        .bind(asset_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    if listed {
        for need in &manifest.needs {
            sqlx::query("INSERT OR IGNORE INTO asset_needs (need_id, asset_id) VALUES (?1, ?2)")
                .bind(need)
                .bind(asset_id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
    }
    Ok(())
}

fn version_info(row: &SqliteRow) -> Result<VersionInfo, StoreError> {
    Ok(VersionInfo {
        version: row.try_get(0).map_err(db)?,
        sha256: row.try_get(1).map_err(db)?,
        size: count(row.try_get(2).map_err(db)?),
        yanked: row.try_get(3).map_err(db)?,
        published_at: row.try_get(4).map_err(db)?,
        published_by: row.try_get(5).map_err(db)?,
        downloads: count(row.try_get(6).map_err(db)?),
        yank_reason: row.try_get(7).map_err(db)?,
    })
}

const VERSION_COLUMNS: &str =
    "v.version, v.sha256, v.size, v.yanked, v.published_at, users.name, v.downloads, v.yank_reason";

impl SqliteStore {
    async fn check(&self, new: &NewVersion) -> Result<PublishCheck, StoreError> {
        // In a read transaction: the rules' several queries must see one snapshot, or a publish
        // committing between them makes a new name look like its own look-alike.
        let mut tx = self.reader.begin().await.map_err(db)?;
        let decision = decide(&mut tx, new).await?;
        tx.rollback().await.map_err(db)?;
        Ok(match decision {
            Decision::Refuse(outcome) => PublishCheck::Answer(outcome),
            Decision::Insert(None) => PublishCheck::NewAsset,
            Decision::Insert(Some(_)) => PublishCheck::NewVersion,
        })
    }

    async fn insert(&self, new: &NewVersion) -> Result<PublishOutcome, StoreError> {
        // IMMEDIATE takes the write lock now, so the rules are decided on the data the insert
        // will see: two racing publishes are decided one after the other.
        let mut tx = self.write().await?;
        let decision = decide(&mut tx, new).await?;
        let new_asset = matches!(decision, Decision::Insert(None));
        let asset_id = match decision {
            Decision::Refuse(outcome) => {
                tx.rollback().await.map_err(db)?;
                return Ok(outcome);
            }
            Decision::Insert(Some(id)) => id,
            Decision::Insert(None) => {
                let m = &new.manifest;
                let id = sqlx::query(
                    "INSERT INTO assets (name, lookalike_key, created_at, updated_at, latest_version, kind, description) \
                     VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
                )
                .bind(new.name.as_str())
                .bind(&new.lookalike_key)
                .bind(&new.published_at)
                .bind(&m.version)
                .bind(&m.kind)
                .bind(&m.description)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict(e, || format!("asset name `{}` was just taken; retry", new.name)))?
                .last_insert_rowid();
                sqlx::query(
                    "INSERT INTO asset_owners (asset_id, user_id, created_at) VALUES (?1, ?2, ?3)",
                )
                .bind(id)
                .bind(new.publisher.user.id)
                .bind(&new.published_at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                id
            }
        };
        sqlx::query(
            "INSERT INTO versions (asset_id, version, version_key, sha256, size, manifest, index_entry, readme, \
             published_by, published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(asset_id)
        .bind(new.version.to_string())
        .bind(new.version_key())
        .bind(&new.sha256)
        .bind(i64::try_from(new.size).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .bind(to_json(&new.manifest)?)
        .bind(to_json(&new.index_entry)?)
        .bind(&new.readme)
        .bind(new.publisher.user.id)
        .bind(&new.published_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, || format!("version `{}` of `{}` already exists", new.version, new.name)))?;
        refresh_latest(&mut tx, asset_id, &new.published_at).await?;
        let event = NewAuditEvent {
            action: AuditAction::Publish,
            asset: Some(new.name.to_string()),
            version: Some(new.version.to_string()),
            actor: new.publisher.audit(),
            detail: Some(if new_asset {
                format!("new asset; sha256 {}", new.sha256)
            } else {
                format!("sha256 {}", new.sha256)
            }),
        };
        record(&mut tx, &event).await?;
        tx.commit().await.map_err(db)?;
        Ok(PublishOutcome::Created)
    }

    async fn detail(&self, name: &AssetName) -> Result<Option<AssetDetail>, StoreError> {
        // One read transaction: a consistent snapshot across the queries.
        let mut tx = self.reader.begin().await.map_err(db)?;
        let Some(row) = sqlx::query(
            "SELECT id, name, created_at, updated_at, downloads, latest_version FROM assets WHERE name = ?1",
        )
        .bind(name.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let asset_id: i64 = row.try_get(0).map_err(db)?;
        let latest_version: String = row.try_get(5).map_err(db)?;
        let owners = owner_names(&mut tx, asset_id).await?;
        let mut versions: Vec<VersionInfo> = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM versions v JOIN users ON users.id = v.published_by WHERE v.asset_id = ?1"
        ))
        .bind(asset_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(version_info)
        .collect::<Result<_, _>>()?;
        newest_first(&mut versions);
        let latest = sqlx::query(
            "SELECT manifest, readme FROM versions WHERE asset_id = ?1 AND version = ?2",
        )
        .bind(asset_id)
        .bind(&latest_version)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let detail = AssetDetail {
            name: row.try_get(1).map_err(db)?,
            created_at: row.try_get(2).map_err(db)?,
            updated_at: row.try_get(3).map_err(db)?,
            downloads: count(row.try_get(4).map_err(db)?),
            owners,
            latest: stored_manifest(latest.try_get(0).map_err(db)?)?,
            readme: latest.try_get(1).map_err(db)?,
            versions,
        };
        tx.rollback().await.map_err(db)?;
        Ok(Some(detail))
    }

    async fn one_version(
        &self,
        name: &AssetName,
        key: &str,
    ) -> Result<Option<VersionInfo>, StoreError> {
        sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM versions v JOIN assets a ON a.id = v.asset_id \
             JOIN users ON users.id = v.published_by WHERE a.name = ?1 AND v.version_key = ?2"
        ))
        .bind(name.as_str())
        .bind(key)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .as_ref()
        .map(version_info)
        .transpose()
    }

    async fn entries(&self, name: &AssetName) -> Result<Vec<IndexEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.index_entry, v.yanked FROM versions v JOIN assets a ON a.id = v.asset_id \
             WHERE a.name = ?1 ORDER BY v.id",
        )
        .bind(name.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let json: &str = row.try_get(0).map_err(db)?;
                let mut entry: IndexEntry = serde_json::from_str(json)
                    .map_err(|e| StoreError::Corrupt(format!("index entry: {e}")))?;
                entry.yanked = row.try_get(1).map_err(db)?;
                Ok(entry)
            })
            .collect()
    }

    async fn yank(
        &self,
        name: &AssetName,
        key: &str,
        actor: &Actor,
        yank: Yank<'_>,
    ) -> Result<YankOutcome, StoreError> {
        let mut tx = self.write().await?;
        let Some(asset_id) = asset_id(&mut tx, name.as_str()).await? else {
            return Ok(YankOutcome::NoSuchVersion);
        };
        if !is_owner(&mut tx, asset_id, actor.user.id).await? {
            return Ok(YankOutcome::NotOwner {
                owners: owner_names(&mut tx, asset_id).await?,
            });
        }
        let row = sqlx::query(
            "SELECT id, version, yanked FROM versions WHERE asset_id = ?1 AND version_key = ?2",
        )
        .bind(asset_id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Ok(YankOutcome::NoSuchVersion);
        };
        let version: String = row.try_get(1).map_err(db)?;
        let was: bool = row.try_get(2).map_err(db)?;
        let (yanked, reason, action) = match yank {
            Yank::Yank { reason } => (true, reason, AuditAction::Yank),
            Yank::Unyank => (false, None, AuditAction::Unyank),
        };
        let changed = was != yanked;
        if changed {
            sqlx::query("UPDATE versions SET yanked = ?1, yank_reason = ?2 WHERE id = ?3")
                .bind(yanked)
                .bind(reason)
                .bind(row.try_get::<i64, _>(0).map_err(db)?)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            refresh_latest(&mut tx, asset_id, &crate::time::now()).await?;
            let event = NewAuditEvent {
                action,
                asset: Some(name.to_string()),
                version: Some(version.clone()),
                actor: actor.audit(),
                detail: reason.map(str::to_owned),
            };
            record(&mut tx, &event).await?;
            tx.commit().await.map_err(db)?;
            tracing::info!(%name, %version, user = %actor.user.name, yanked, "yank flag changed");
        }
        Ok(YankOutcome::Done { version, changed })
    }

    /// Adds the counts (one per version at most, as `crate::downloads` sums them) in one
    /// transaction of two statements, skipping versions that do not exist; returns the new total
    /// of each asset that got some. A batch holds up to thousands of versions: one statement per
    /// version went through sqlx's worker thread at ~50 µs each, and the writer fell behind
    /// sustained downloads (~9,500/s against 44,000/s served).
    async fn downloaded(
        &self,
        counts: &[(AssetName, String, u64)],
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let batch: Vec<(&str, &str, i64)> = counts
            .iter()
            .map(|(name, key, n)| {
                (
                    name.as_str(),
                    key.as_str(),
                    i64::try_from(*n).unwrap_or(i64::MAX),
                )
            })
            .collect();
        let batch = serde_json::to_string(&batch).map_err(|e| {
            StoreError::Corrupt(format!("cannot write download counts as JSON: {e}"))
        })?;
        // The counts of versions that exist, with their ids.
        const COUNTS: &str = "SELECT v.id AS version_id, v.asset_id AS asset_id, c.value ->> 2 AS n \
             FROM json_each(?1) c JOIN assets a ON a.name = c.value ->> 0 \
             JOIN versions v ON v.asset_id = a.id AND v.version_key = c.value ->> 1";
        let mut tx = self.write().await?;
        sqlx::query(&format!(
            "UPDATE versions SET downloads = downloads + t.n FROM ({COUNTS}) t \
             WHERE versions.id = t.version_id"
        ))
        .bind(&batch)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let totals = sqlx::query(&format!(
            "UPDATE assets SET downloads = downloads + t.n \
             FROM (SELECT asset_id, SUM(n) AS n FROM ({COUNTS}) GROUP BY asset_id) t \
             WHERE assets.id = t.asset_id RETURNING name, downloads"
        ))
        .bind(&batch)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        totals
            .iter()
            .map(|row| {
                Ok((
                    row.try_get(0).map_err(db)?,
                    count(row.try_get(1).map_err(db)?),
                ))
            })
            .collect()
    }
}

impl AssetStore for SqliteStore {
    fn check_publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishCheck> {
        Box::pin(self.check(new))
    }

    fn publish<'a>(&'a self, new: &'a NewVersion) -> StoreFuture<'a, PublishOutcome> {
        Box::pin(async move {
            let outcome = self.insert(new).await?;
            if outcome == PublishOutcome::Created {
                self.search.changed(self, &new.name).await;
            }
            Ok(outcome)
        })
    }

    fn asset<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Option<AssetDetail>> {
        Box::pin(self.detail(name))
    }

    fn version<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
    ) -> StoreFuture<'a, Option<VersionInfo>> {
        Box::pin(self.one_version(name, version_key))
    }

    fn index_entries<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Vec<IndexEntry>> {
        Box::pin(self.entries(name))
    }

    fn count_downloads<'a>(
        &'a self,
        counts: &'a [(AssetName, String, u64)],
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.search.counted(self.downloaded(counts)))
    }

    fn search<'a>(&'a self, query: &'a SearchQuery) -> StoreFuture<'a, SearchPage> {
        Box::pin(self.search.search(self, query))
    }

    fn load_search(&self) -> StoreFuture<'_, usize> {
        Box::pin(self.search.load(self))
    }

    fn set_yanked<'a>(
        &'a self,
        name: &'a AssetName,
        version_key: &'a str,
        actor: &'a Actor,
        yank: Yank<'a>,
    ) -> StoreFuture<'a, YankOutcome> {
        Box::pin(async move {
            let outcome = self.yank(name, version_key, actor, yank).await?;
            if let YankOutcome::Done { changed: true, .. } = outcome {
                self.search.changed(self, name).await;
            }
            Ok(outcome)
        })
    }

    fn asset_count(&self) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets")
                .fetch_one(&self.reader)
                .await
                .map_err(db)?;
            Ok(count(n))
        })
    }

    fn dependents<'a>(&'a self, name: &'a AssetName) -> StoreFuture<'a, Vec<Dependent>> {
        Box::pin(async move {
            sqlx::query(
                "SELECT a.name, a.latest_version, d.value FROM assets a \
                 JOIN versions v ON v.asset_id = a.id AND v.version = a.latest_version \
                 JOIN json_each(v.manifest, '$.dependencies') d ON d.key = ?1 \
                 WHERE a.listed = 1 ORDER BY a.name",
            )
            .bind(name.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(Dependent {
                    name: r.try_get(0).map_err(db)?,
                    version: r.try_get(1).map_err(db)?,
                    requirement: r.try_get(2).map_err(db)?,
                })
            })
            .collect()
        })
    }

    fn catalog_counts(&self) -> StoreFuture<'_, CatalogCounts> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT COUNT(*), COALESCE(SUM(a.downloads), 0), \
                 (SELECT COUNT(*) FROM versions v JOIN assets l ON l.id = v.asset_id WHERE l.listed = 1) \
                 FROM assets a WHERE a.listed = 1",
            )
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
            Ok(CatalogCounts {
                assets: count(row.try_get(0).map_err(db)?),
                downloads: count(row.try_get(1).map_err(db)?),
                versions: count(row.try_get(2).map_err(db)?),
            })
        })
    }

    fn archive_checksums(&self) -> StoreFuture<'_, BTreeSet<String>> {
        Box::pin(async move {
            let checksums: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM versions")
                .fetch_all(&self.reader)
                .await
                .map_err(db)?;
            Ok(checksums.into_iter().collect())
        })
    }
}
