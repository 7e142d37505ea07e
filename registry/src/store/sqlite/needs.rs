//! Needs, votes and answers in SQLite.
//!
//! Answers come from `asset_needs`, which the asset transactions keep equal to the needs of each
//! listed asset's latest version (see `assets::refresh_latest`); votes are counted from
//! `need_votes`. Both are indexed by need id, so lists count them with correlated subqueries.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{SqliteStore, count, db, fts, is_unique_violation, json_list, to_json};
use crate::store::{
    Answer, CatalogNeed, NeedDetail, NeedStore, NeedSummary, PutNeed, StoreError, StoreFuture,
    UpdateRule, User, UserId, need_status,
};
use osops_index::{AssetName, NeedRecord, UseCase};

/// The columns [`record`] reads, from `needs n`.
pub(super) const RECORD_COLUMNS: &str =
    "n.id, n.title, n.problem, n.persona, n.services, n.links, n.use_cases";

const VOTES: &str = "(SELECT COUNT(*) FROM need_votes v WHERE v.need_id = n.id)";
const ANSWERS: &str = "(SELECT COUNT(*) FROM asset_needs an WHERE an.need_id = n.id)";

/// A [`NeedRecord`] from [`RECORD_COLUMNS`] at the start of `row`.
pub(super) fn record(row: &SqliteRow) -> Result<NeedRecord, StoreError> {
    let id: &str = row.try_get(0).map_err(db)?;
    let use_cases: &str = row.try_get(6).map_err(db)?;
    Ok(NeedRecord {
        id: AssetName::parse(id)
            .map_err(|e| StoreError::Corrupt(format!("need id `{id}`: {e}")))?,
        title: row.try_get(1).map_err(db)?,
        problem: row.try_get(2).map_err(db)?,
        persona: row.try_get(3).map_err(db)?,
        services: json_list(row.try_get(4).map_err(db)?)?,
        links: json_list(row.try_get(5).map_err(db)?)?,
        use_cases: serde_json::from_str::<Vec<UseCase>>(use_cases)
            .map_err(|e| StoreError::Corrupt(format!("use cases of `{id}`: {e}")))?,
    })
}

/// The text the full-text index holds for the use cases: persona and text, one per line.
fn use_case_text(record: &NeedRecord) -> String {
    record
        .use_cases
        .iter()
        .map(|u| match &u.persona {
            Some(p) => format!("{p} {}", u.text),
            None => u.text.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rewrites the need's full-text row.
pub(super) async fn index_text(
    conn: &mut SqliteConnection,
    seq: i64,
    record: &NeedRecord,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM needs_fts WHERE rowid = ?1")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO needs_fts (rowid, id, title, problem, use_cases) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(seq)
    .bind(record.id.as_str())
    .bind(&record.title)
    .bind(&record.problem)
    .bind(use_case_text(record))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert(
    conn: &mut SqliteConnection,
    record: &NeedRecord,
    by: &User,
) -> Result<(), StoreError> {
    let now = crate::time::now();
    let seq = sqlx::query(
        "INSERT INTO needs (id, title, problem, persona, services, links, use_cases, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )
    .bind(record.id.as_str())
    .bind(&record.title)
    .bind(&record.problem)
    .bind(&record.persona)
    .bind(to_json(&record.services)?)
    .bind(to_json(&record.links)?)
    .bind(to_json(&record.use_cases)?)
    .bind(by.id)
    .bind(&now)
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            let id = &record.id;
            StoreError::Conflict(format!(
                "need `{id}` already exists (hint: pick another id, or vote for it with `osops need vote {id}`)"
            ))
        } else {
            db(e)
        }
    })?
    .last_insert_rowid();
    index_text(conn, seq, record).await
}

async fn update(
    conn: &mut SqliteConnection,
    seq: i64,
    record: &NeedRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE needs SET title = ?1, problem = ?2, persona = ?3, services = ?4, links = ?5, use_cases = ?6, \
         updated_at = ?7 WHERE seq = ?8",
    )
    .bind(&record.title)
    .bind(&record.problem)
    .bind(&record.persona)
    .bind(to_json(&record.services)?)
    .bind(to_json(&record.links)?)
    .bind(to_json(&record.use_cases)?)
    .bind(crate::time::now())
    .bind(seq)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    index_text(conn, seq, record).await
}

/// The need with votes, status and answers, as `conn` sees it.
async fn detail(conn: &mut SqliteConnection, id: &str) -> Result<Option<NeedDetail>, StoreError> {
    let Some(row) = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS}, n.retired, n.retired_reason, {VOTES}, users.name, n.created_at, n.updated_at \
         FROM needs n JOIN users ON users.id = n.created_by WHERE n.id = ?1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    let answers = sqlx::query(
        "SELECT a.name, a.latest_version, a.kind, a.description, a.releases, a.services, a.downloads, a.updated_at \
         FROM asset_needs an JOIN assets a ON a.id = an.asset_id WHERE an.need_id = ?1 \
         ORDER BY a.downloads DESC, a.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(|r| {
        Ok(Answer {
            name: r.try_get(0).map_err(db)?,
            version: r.try_get(1).map_err(db)?,
            kind: r.try_get(2).map_err(db)?,
            description: r.try_get(3).map_err(db)?,
            releases: r.try_get(4).map_err(db)?,
            services: json_list(r.try_get(5).map_err(db)?)?,
            downloads: count(r.try_get(6).map_err(db)?),
            updated_at: r.try_get(7).map_err(db)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let retired: bool = row.try_get(7).map_err(db)?;
    Ok(Some(NeedDetail {
        record: record(&row)?,
        status: need_status(retired, answers.len() as u64),
        retired_reason: row.try_get(8).map_err(db)?,
        votes: count(row.try_get(9).map_err(db)?),
        created_by: row.try_get(10).map_err(db)?,
        created_at: row.try_get(11).map_err(db)?,
        updated_at: row.try_get(12).map_err(db)?,
        answers,
    }))
}

/// `detail` for a need that was just written in this transaction.
async fn written(conn: &mut SqliteConnection, id: &AssetName) -> Result<NeedDetail, StoreError> {
    detail(conn, id.as_str())
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("need `{id}` vanished while being written")))
}

fn no_need(id: &AssetName) -> StoreError {
    StoreError::NotFound(format!(
        "no need `{id}` (hint: `osops need list` shows the needs)"
    ))
}

impl SqliteStore {
    async fn create(&self, record: &NeedRecord, by: &User) -> Result<NeedDetail, StoreError> {
        let mut tx = self.write().await?;
        insert(&mut tx, record, by).await?;
        let detail = written(&mut tx, &record.id).await?;
        tx.commit().await.map_err(db)?;
        Ok(detail)
    }

    async fn put(
        &self,
        record: &NeedRecord,
        by: &User,
        rule: UpdateRule,
    ) -> Result<PutNeed, StoreError> {
        let mut tx = self.write().await?;
        let existing = sqlx::query(
            "SELECT n.seq, n.created_by, users.name FROM needs n JOIN users ON users.id = n.created_by \
             WHERE n.id = ?1",
        )
        .bind(record.id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let created = match existing {
            None => {
                insert(&mut tx, record, by).await?;
                true
            }
            Some(row) => {
                let creator: UserId = row.try_get(1).map_err(db)?;
                if rule == UpdateRule::CreatorOnly && creator != by.id {
                    let creator = row.try_get(2).map_err(db)?;
                    tx.rollback().await.map_err(db)?;
                    return Ok(PutNeed::NotCreator { creator });
                }
                update(&mut tx, row.try_get(0).map_err(db)?, record).await?;
                false
            }
        };
        let detail = written(&mut tx, &record.id).await?;
        tx.commit().await.map_err(db)?;
        Ok(if created {
            PutNeed::Created(detail)
        } else {
            PutNeed::Updated(detail)
        })
    }

    async fn one_need(&self, id: &AssetName) -> Result<Option<NeedDetail>, StoreError> {
        // One read transaction: the need and its answers from one snapshot.
        let mut tx = self.reader.begin().await.map_err(db)?;
        let detail = detail(&mut tx, id.as_str()).await?;
        tx.rollback().await.map_err(db)?;
        Ok(detail)
    }

    async fn matching_needs(&self, q: Option<&str>) -> Result<Vec<NeedSummary>, StoreError> {
        let expr = q.and_then(fts::match_expression);
        let from = if expr.is_some() {
            "needs_fts JOIN needs n ON n.seq = needs_fts.rowid WHERE needs_fts MATCH ?"
        } else {
            "needs n"
        };
        let sql = format!(
            "SELECT n.id, n.title, n.retired, n.persona, n.services, {VOTES} AS votes, {ANSWERS}, n.created_at \
             FROM {from} ORDER BY n.created_at DESC, n.seq DESC"
        );
        let mut q = sqlx::query(&sql);
        if let Some(expr) = &expr {
            q = q.bind(expr);
        }
        let rows = q.fetch_all(&self.reader).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                let answers = count(r.try_get(6).map_err(db)?);
                Ok(NeedSummary {
                    id: r.try_get(0).map_err(db)?,
                    title: r.try_get(1).map_err(db)?,
                    status: need_status(r.try_get(2).map_err(db)?, answers),
                    persona: r.try_get(3).map_err(db)?,
                    services: json_list(r.try_get(4).map_err(db)?)?,
                    votes: count(r.try_get(5).map_err(db)?),
                    answers,
                    created_at: r.try_get(7).map_err(db)?,
                })
            })
            .collect()
    }

    async fn cast(&self, id: &AssetName, user: UserId, voted: bool) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT seq FROM needs WHERE id = ?1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(no_need(id));
        }
        let change = if voted {
            sqlx::query(
                "INSERT INTO need_votes (need_id, user_id, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (need_id, user_id) DO NOTHING",
            )
            .bind(id.as_str())
            .bind(user)
            .bind(crate::time::now())
        } else {
            sqlx::query("DELETE FROM need_votes WHERE need_id = ?1 AND user_id = ?2")
                .bind(id.as_str())
                .bind(user)
        };
        change.execute(&mut *tx).await.map_err(db)?;
        let votes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_votes WHERE need_id = ?1")
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(count(votes))
    }

    async fn retire(&self, id: &AssetName, reason: &str) -> Result<(), StoreError> {
        let changed = sqlx::query(
            "UPDATE needs SET retired = 1, retired_reason = ?1, updated_at = ?2 WHERE id = ?3",
        )
        .bind(reason)
        .bind(crate::time::now())
        .bind(id.as_str())
        .execute(&self.writer)
        .await
        .map_err(db)?
        .rows_affected();
        if changed == 0 {
            return Err(no_need(id));
        }
        Ok(())
    }

    async fn catalog(&self) -> Result<Vec<CatalogNeed>, StoreError> {
        let mut tx = self.reader.begin().await.map_err(db)?;
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS}, n.retired, {VOTES}, n.retired_reason, n.created_at, n.updated_at \
             FROM needs n ORDER BY n.id"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let links = sqlx::query(
            "SELECT an.need_id, a.name FROM asset_needs an JOIN assets a ON a.id = an.asset_id \
             ORDER BY an.need_id, a.name",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.rollback().await.map_err(db)?;
        let mut answers: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for link in &links {
            answers
                .entry(link.try_get(0).map_err(db)?)
                .or_default()
                .push(link.try_get(1).map_err(db)?);
        }
        rows.iter()
            .map(|row| {
                let record = record(row)?;
                let answers = answers.remove(record.id.as_str()).unwrap_or_default();
                Ok(CatalogNeed {
                    status: need_status(row.try_get(7).map_err(db)?, answers.len() as u64),
                    votes: count(row.try_get(8).map_err(db)?),
                    retired_reason: row.try_get(9).map_err(db)?,
                    created_at: row.try_get(10).map_err(db)?,
                    updated_at: row.try_get(11).map_err(db)?,
                    answers,
                    record,
                })
            })
            .collect()
    }

    async fn unknown(&self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "SELECT value FROM json_each(?1) WHERE value NOT IN (SELECT id FROM needs) ORDER BY key",
        )
        .bind(to_json(&ids)?)
        .fetch_all(&self.reader)
        .await
        .map_err(db)
    }
}

impl NeedStore for SqliteStore {
    fn create_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
    ) -> StoreFuture<'a, NeedDetail> {
        Box::pin(self.create(record, by))
    }

    fn put_need<'a>(
        &'a self,
        record: &'a NeedRecord,
        by: &'a User,
        rule: UpdateRule,
    ) -> StoreFuture<'a, PutNeed> {
        Box::pin(self.put(record, by, rule))
    }

    fn need<'a>(&'a self, id: &'a AssetName) -> StoreFuture<'a, Option<NeedDetail>> {
        Box::pin(self.one_need(id))
    }

    fn need_candidates<'a>(&'a self, q: Option<&'a str>) -> StoreFuture<'a, Vec<NeedSummary>> {
        Box::pin(self.matching_needs(q))
    }

    fn vote<'a>(&'a self, id: &'a AssetName, user: UserId, voted: bool) -> StoreFuture<'a, u64> {
        Box::pin(self.cast(id, user, voted))
    }

    fn retire_need<'a>(&'a self, id: &'a AssetName, reason: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.retire(id, reason))
    }

    fn needs_catalog(&self) -> StoreFuture<'_, Vec<CatalogNeed>> {
        Box::pin(self.catalog())
    }

    fn unknown_needs<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        Box::pin(self.unknown(ids))
    }
}
