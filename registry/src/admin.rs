//! The admin commands, run on the registry's database (`--data-dir`'s SQLite file, or
//! `--database-url`), while the server runs too: SQLite's WAL lets them write beside it: in [`accounts`] `user add|list|disable|enable`, `team
//! add|list|member add|member remove` and `token create|list|revoke`; in [`audit`] `audit`; in
//! [`needs`] `need import` and `need retire`; in [`gc`] `gc` (on the blob store too). Each returns data; `main.rs` prints it with the
//! `Display` types here, so the output is tested without the binary.
//!
//! Admin actions are recorded in the audit log as the actor `(admin)`.

pub mod accounts;
pub mod audit;
pub mod gc;
pub mod needs;

use std::sync::Arc;

pub use accounts::{
    Expiry, TeamLine, TokenLine, UserLine, add_team, add_user, create_token, list_teams,
    list_tokens, list_users, revoke_token, set_member, set_user_disabled,
};

use crate::error::Error;
use crate::store::{Database, Store};

async fn open(db: &Database) -> Result<Arc<dyn Store>, Error> {
    Ok(db.open().await?)
}

/// Runs `f` on the store, closing it (SQLite: checkpointing the WAL) afterwards.
async fn with_store<T, F>(db: &Database, f: F) -> Result<T, Error>
where
    F: AsyncFnOnce(&dyn Store) -> Result<T, Error>,
{
    let store = open(db).await?;
    let result = f(store.as_ref()).await;
    store.close().await;
    result
}

pub use crate::access::valid_account_name;

/// See [`valid_account_name`].
pub fn check_user_name(name: &str) -> Result<(), Error> {
    check_name("user", name)
}

/// Team names follow the user-name rules.
pub fn check_team_name(name: &str) -> Result<(), Error> {
    check_name("team", name)
}

fn check_name(what: &str, name: &str) -> Result<(), Error> {
    if valid_account_name(name) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} name `{}` is not valid; use 1 to 64 of a-z, 0-9, `-`, `_` and `.`, starting with a letter or digit",
            name.escape_debug()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        for ok in ["jane", "j", "ci-bot_2.x"] {
            check_user_name(ok).expect(ok);
        }
        for bad in ["", "Jane", "-x", "a b", "a\nb", "team:x", &"a".repeat(65)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
        assert!(
            check_team_name("Nova Core")
                .expect_err("bad")
                .to_string()
                .starts_with("team name `Nova Core` is not valid")
        );
    }
}
