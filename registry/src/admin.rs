//! The admin commands, run on a data directory (while the server runs, too: SQLite's WAL lets
//! them write beside it): `user add`, `token create`, and in [`needs`] `need import` and
//! `need retire`.

pub mod needs;

use std::path::Path;

use crate::auth::{new_token, token_hash};
use crate::config::DataDir;
use crate::error::Error;
use crate::store::sqlite::SqliteStore;
use crate::store::{User, UserStore};

/// Creates a user; an error if the name is taken.
pub async fn add_user(data_dir: &Path, name: &str) -> Result<User, Error> {
    check_user_name(name)?;
    let store = open(data_dir).await?;
    let user = store.create_user(name).await;
    store.close().await;
    Ok(user?)
}

/// Creates a token for `user` and returns it; only its sha256 is stored.
pub async fn create_token(data_dir: &Path, user: &str, label: &str) -> Result<String, Error> {
    let store = open(data_dir).await?;
    let result = async {
        let found = store
            .user(user)
            .await?
            .ok_or_else(|| Error::NoSuchUser(user.to_owned()))?;
        let token = new_token().map_err(|e| Error::Random(e.to_string()))?;
        store
            .add_token(found.id, label, &token_hash(&token))
            .await?;
        Ok(token)
    }
    .await;
    store.close().await;
    result
}

async fn open(data_dir: &Path) -> Result<SqliteStore, Error> {
    let data = DataDir::create(data_dir)?;
    Ok(SqliteStore::open(&data.database()).await?)
}

/// User names: 1 to 64 of `a-z`, `0-9`, `-`, `_`, `.`, starting with a letter or digit.
pub fn check_user_name(name: &str) -> Result<(), Error> {
    let valid = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "user name `{}` is not valid; use 1 to 64 of a-z, 0-9, `-`, `_` and `.`, starting with a letter or digit",
            name.escape_debug()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn users_and_tokens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let jane = add_user(dir.path(), "jane").await.expect("add");
        assert_eq!(jane.name, "jane");
        let again = add_user(dir.path(), "jane").await.expect_err("duplicate");
        assert_eq!(again.to_string(), "user `jane` already exists");
        let token = create_token(dir.path(), "jane", "ci").await.expect("token");
        assert!(token.starts_with("osops_"));
        let store = open(dir.path()).await.expect("open");
        assert_eq!(
            store
                .user_by_token(&token_hash(&token))
                .await
                .expect("lookup"),
            Some(jane)
        );
        assert_eq!(
            store.user_by_token(&token).await.expect("lookup"),
            None,
            "the token itself is not stored"
        );
        let missing = create_token(dir.path(), "bob", "ci")
            .await
            .expect_err("no bob");
        assert!(matches!(missing, Error::NoSuchUser(_)));
    }

    #[test]
    fn user_names() {
        for ok in ["jane", "j", "ci-bot_2.x"] {
            check_user_name(ok).expect(ok);
        }
        for bad in ["", "Jane", "-x", "a b", "a\nb", &"a".repeat(65)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
}
