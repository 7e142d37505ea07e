//! Users and teams in PostgreSQL. Names sort with `COLLATE "C"` (byte order, as in SQLite).

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::audit::record;
use super::{PgStore, db, is_unique_violation};
use crate::store::{
    AuditAction, AuditActor, NewAuditEvent, StoreError, StoreFuture, Team, User, UserAccount,
    UserStore,
};

impl UserStore for PgStore {
    fn create_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User> {
        Box::pin(async move {
            // The unique constraint on `users.name` decides between racing replicas.
            let result: Result<i64, _> = sqlx::query_scalar(
                "INSERT INTO users (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(name)
            .bind(crate::time::now())
            .fetch_one(&self.pool)
            .await;
            match result {
                Ok(id) => Ok(User {
                    id,
                    name: name.to_owned(),
                }),
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
                    "user `{name}` already exists"
                ))),
                Err(e) => Err(db(e)),
            }
        })
    }

    fn ensure_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User> {
        Box::pin(async move {
            // A concurrent insert of the same name makes this one wait for it, then do nothing;
            // either way the row is committed when the SELECT runs.
            sqlx::query(
                "INSERT INTO users (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(crate::time::now())
            .execute(&self.pool)
            .await
            .map_err(db)?;
            let row = sqlx::query("SELECT id, name FROM users WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
            user_from(&row)
        })
    }

    fn user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<User>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT id, name FROM users WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
            row.as_ref().map(user_from).transpose()
        })
    }

    fn account<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<UserAccount>> {
        Box::pin(async move {
            let row =
                sqlx::query("SELECT id, name, created_at, disabled_at FROM users WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
            row.as_ref().map(account_from).transpose()
        })
    }

    fn users(&self) -> StoreFuture<'_, Vec<UserAccount>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, name, created_at, disabled_at FROM users ORDER BY name COLLATE \"C\"",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            rows.iter().map(account_from).collect()
        })
    }

    fn set_disabled<'a>(
        &'a self,
        name: &'a str,
        disabled: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(db)?;
            // FOR UPDATE: a concurrent disable (or enable) of the same user waits for this
            // transaction and then reads its result, so exactly one of them changes the row and
            // records the event.
            let row = sqlx::query("SELECT disabled_at FROM users WHERE name = $1 FOR UPDATE")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let Some(row) = row else {
                return Err(no_user(name));
            };
            let was: Option<String> = row.try_get(0).map_err(db)?;
            if was.is_some() == disabled {
                return Ok(false);
            }
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE name = $2")
                .bind(disabled.then(crate::time::now))
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let event = NewAuditEvent {
                action: if disabled {
                    AuditAction::UserDisable
                } else {
                    AuditAction::UserEnable
                },
                asset: None,
                version: None,
                actor: by.clone(),
                detail: Some(name.to_owned()),
            };
            record(&mut tx, &event).await?;
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }

    fn create_team<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Team> {
        Box::pin(async move {
            let result = sqlx::query("INSERT INTO teams (name, created_at) VALUES ($1, $2)")
                .bind(name)
                .bind(crate::time::now())
                .execute(&self.pool)
                .await;
            match result {
                Ok(_) => Ok(Team {
                    name: name.to_owned(),
                    members: Vec::new(),
                }),
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
                    "team `{name}` already exists"
                ))),
                Err(e) => Err(db(e)),
            }
        })
    }

    fn teams(&self) -> StoreFuture<'_, Vec<Team>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT teams.name, users.name FROM teams \
                 LEFT JOIN team_members m ON m.team_id = teams.id \
                 LEFT JOIN users ON users.id = m.user_id \
                 ORDER BY teams.name COLLATE \"C\", users.name COLLATE \"C\"",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            let mut teams: Vec<Team> = Vec::new();
            for row in &rows {
                let team: String = row.try_get(0).map_err(db)?;
                let member: Option<String> = row.try_get(1).map_err(db)?;
                if teams.last().is_none_or(|t| t.name != team) {
                    teams.push(Team {
                        name: team,
                        members: Vec::new(),
                    });
                }
                if let (Some(member), Some(last)) = (member, teams.last_mut()) {
                    last.members.push(member);
                }
            }
            Ok(teams)
        })
    }

    fn set_member<'a>(
        &'a self,
        team: &'a str,
        user: &'a str,
        member: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(db)?;
            let team_id: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
                .bind(team)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let Some(team_id) = team_id else {
                return Err(StoreError::NotFound(format!(
                    "no team `{team}` (hint: create it with `osops-registry team add {team}`)"
                )));
            };
            let user_id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let Some(user_id) = user_id else {
                return Err(no_user(user));
            };
            // The primary key (team, user) decides between racing replicas: of two concurrent
            // adds (or removes) exactly one changes a row and records the event.
            let query = if member {
                sqlx::query(
                    "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(team_id)
                .bind(user_id)
                .bind(crate::time::now())
            } else {
                sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id)
                    .bind(user_id)
            };
            let changed = query.execute(&mut *tx).await.map_err(db)?.rows_affected() > 0;
            if changed {
                let event = NewAuditEvent {
                    action: if member {
                        AuditAction::TeamMemberAdd
                    } else {
                        AuditAction::TeamMemberRemove
                    },
                    asset: None,
                    version: None,
                    actor: by.clone(),
                    detail: Some(format!("team:{team} {user}")),
                };
                record(&mut tx, &event).await?;
                tx.commit().await.map_err(db)?;
            }
            Ok(changed)
        })
    }
}

fn no_user(name: &str) -> StoreError {
    StoreError::NotFound(format!(
        "no user `{name}` (hint: create it with `osops-registry user add {name}`)"
    ))
}

/// A `SELECT id, name` row of `users`.
fn user_from(row: &PgRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get(0).map_err(db)?,
        name: row.try_get(1).map_err(db)?,
    })
}

/// A `SELECT id, name, created_at, disabled_at` row of `users`.
fn account_from(row: &PgRow) -> Result<UserAccount, StoreError> {
    Ok(UserAccount {
        user: user_from(row)?,
        created_at: row.try_get(2).map_err(db)?,
        disabled_at: row.try_get(3).map_err(db)?,
    })
}
