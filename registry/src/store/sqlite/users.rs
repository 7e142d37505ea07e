//! Users and tokens in SQLite.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, db, is_unique_violation};
use crate::store::{StoreError, StoreFuture, User, UserId, UserStore};

impl UserStore for SqliteStore {
    fn create_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User> {
        Box::pin(async move {
            let result = sqlx::query("INSERT INTO users (name, created_at) VALUES (?1, ?2)")
                .bind(name)
                .bind(crate::time::now())
                .execute(&self.writer)
                .await;
            match result {
                Ok(done) => Ok(User {
                    id: done.last_insert_rowid(),
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
            sqlx::query("INSERT INTO users (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(crate::time::now())
                .execute(&self.writer)
                .await
                .map_err(db)?;
            // Read through the writer: a reader might not see the row yet.
            let row = sqlx::query("SELECT id, name FROM users WHERE name = ?1")
                .bind(name)
                .fetch_one(&self.writer)
                .await
                .map_err(db)?;
            user_from(&row)
        })
    }

    fn user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<User>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT id, name FROM users WHERE name = ?1")
                .bind(name)
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
            row.as_ref().map(user_from).transpose()
        })
    }

    fn add_token<'a>(
        &'a self,
        user: UserId,
        label: &'a str,
        sha256: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO tokens (user_id, name, sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(user)
            .bind(label)
            .bind(sha256)
            .bind(crate::time::now())
            .execute(&self.writer)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("token already exists".into())
                } else {
                    db(e)
                }
            })?;
            Ok(())
        })
    }

    fn user_by_token<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<User>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT users.id, users.name FROM tokens JOIN users ON users.id = tokens.user_id WHERE tokens.sha256 = ?1",
            )
            .bind(sha256)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?;
            row.as_ref().map(user_from).transpose()
        })
    }
}

/// A `SELECT id, name` row of `users`.
fn user_from(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get(0).map_err(db)?,
        name: row.try_get(1).map_err(db)?,
    })
}
