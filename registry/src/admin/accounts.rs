//! `user add|list|disable|enable`, `team add|list|member add|member remove` and
//! `token create|list|revoke`, on a data directory.

use std::fmt;

use super::{check_team_name, check_user_name, with_store};
use crate::access::{Pattern, Scope, Scopes, pattern_list};
use crate::error::Error;
use crate::store::Database;
use crate::store::{
    AuditAction, AuditActor, Revoked, StoreError, Team, TokenId, TokenInfo, User, UserAccount,
};
use crate::tokens::{DEFAULT_EXPIRY_DAYS, TokenSpec, check_days, days_from_now, mint};

/// Creates a user; an error if the name is taken.
pub async fn add_user(db: &Database, name: &str) -> Result<User, Error> {
    check_user_name(name)?;
    with_store(db, async |store| Ok(store.create_user(name).await?)).await
}

/// Every user, by name.
pub async fn list_users(db: &Database) -> Result<Vec<UserAccount>, Error> {
    with_store(db, async |store| Ok(store.users().await?)).await
}

/// Disables (or re-enables) a user: a disabled user's tokens are refused with 403. Returns
/// whether anything changed.
pub async fn set_user_disabled(db: &Database, name: &str, disabled: bool) -> Result<bool, Error> {
    with_store(db, async |store| {
        Ok(store
            .set_disabled(name, disabled, &AuditActor::admin())
            .await?)
    })
    .await
}

/// Creates a team; an error if the name is taken.
pub async fn add_team(db: &Database, name: &str) -> Result<Team, Error> {
    check_team_name(name)?;
    with_store(db, async |store| Ok(store.create_team(name).await?)).await
}

/// Every team with its members.
pub async fn list_teams(db: &Database) -> Result<Vec<Team>, Error> {
    with_store(db, async |store| Ok(store.teams().await?)).await
}

/// Adds (`member`) or removes a user; returns whether anything changed. Removing a user who is
/// not a member is an error (a typo should not look like success).
pub async fn set_member(
    db: &Database,
    team: &str,
    user: &str,
    member: bool,
) -> Result<bool, Error> {
    with_store(db, async |store| {
        let changed = store
            .set_member(team, user, member, &AuditActor::admin())
            .await?;
        if !member && !changed {
            return Err(Error::Invalid(format!(
                "`{user}` is not a member of team `{team}`"
            )));
        }
        Ok(changed)
    })
    .await
}

/// When an admin-made token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Days(u32),
    /// Only admins may make tokens that never expire.
    Never,
}

impl Default for Expiry {
    fn default() -> Self {
        Expiry::Days(DEFAULT_EXPIRY_DAYS)
    }
}

/// Creates a token for `user` and returns it; only its sha256 is stored. No `scopes`: every scope.
pub async fn create_token(
    db: &Database,
    user: &str,
    label: &str,
    scopes: &[Scope],
    patterns: &[String],
    expiry: Expiry,
) -> Result<String, Error> {
    let name = crate::tokens::check_label(label).map_err(Error::Invalid)?;
    let scopes: Scopes = if scopes.is_empty() {
        Scopes::all()
    } else {
        scopes.iter().copied().collect()
    };
    let mut patterns = patterns
        .iter()
        .map(|p| Pattern::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Invalid)?;
    patterns.sort();
    patterns.dedup();
    let expires_at = match expiry {
        Expiry::Days(days) => Some(days_from_now(check_days(days).map_err(Error::Invalid)?)),
        Expiry::Never => None,
    };
    let spec = TokenSpec {
        name,
        scopes,
        patterns,
        expires_at,
        trusted_publisher: None,
    };
    with_store(db, async |store| {
        let account = store
            .account(user)
            .await?
            .ok_or_else(|| Error::NoSuchUser(user.to_owned()))?;
        if account.disabled_at.is_some() {
            return Err(Error::Invalid(format!(
                "user `{user}` is disabled (hint: re-enable it first with `osops-registry user enable {user}`)"
            )));
        }
        let minted = mint(
            store,
            &account.user,
            &spec,
            AuditAction::TokenCreate,
            &AuditActor::admin(),
        )
        .await?;
        Ok(minted.token)
    })
    .await
}

/// A user's tokens, oldest first.
pub async fn list_tokens(db: &Database, user: &str) -> Result<Vec<TokenInfo>, Error> {
    with_store(db, async |store| {
        let found = store
            .user(user)
            .await?
            .ok_or_else(|| Error::NoSuchUser(user.to_owned()))?;
        Ok(store.tokens(found.id).await?)
    })
    .await
}

/// Revokes any user's token.
pub async fn revoke_token(db: &Database, id: TokenId) -> Result<Revoked, Error> {
    with_store(db, async |store| {
        match store.revoke_token(id, None, &AuditActor::admin()).await? {
            Revoked::NotFound => Err(Error::Store(StoreError::NotFound(format!(
                "no token `{id}` (hint: `osops-registry token list --user NAME` shows a user's tokens)"
            )))),
            done => Ok(done),
        }
    })
    .await
}

/// `user list`: `NAME` or `NAME (disabled since TIME)`.
pub struct UserLine<'a>(pub &'a UserAccount);

impl fmt::Display for UserLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.user.name)?;
        if let Some(at) = &self.0.disabled_at {
            write!(f, " (disabled since {at})")?;
        }
        Ok(())
    }
}

/// `token list`: `ID<TAB>NAME<TAB>SCOPES<TAB>ASSETS<TAB>expires …<TAB>last used …<TAB>STATE`.
pub struct TokenLine<'a>(pub &'a TokenInfo);

impl fmt::Display for TokenLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let assets = if t.patterns.is_empty() {
            "*".to_owned()
        } else {
            pattern_list(&t.patterns).replace('`', "")
        };
        let now = crate::time::now();
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
            "expired"
        } else {
            "active"
        };
        write!(
            f,
            "{}\t{}\t{}\t{}\texpires {}\tlast used {}\t{state}",
            t.id,
            t.name,
            t.scopes.names().join(","),
            assets,
            t.expires_at.as_deref().unwrap_or("never"),
            t.last_used_at.as_deref().unwrap_or("never"),
        )
    }
}

/// `team list`: `TEAM: member, member`.
pub struct TeamLine<'a>(pub &'a Team);

impl fmt::Display for TeamLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.0.name)?;
        if !self.0.members.is_empty() {
            write!(f, " {}", self.0.members.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn users_teams_and_tokens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::Sqlite(dir.path().join("registry.db"));
        let jane = add_user(&db, "jane").await.expect("add");
        assert_eq!(jane.name, "jane");
        let again = add_user(&db, "jane").await.expect_err("duplicate");
        assert_eq!(again.to_string(), "user `jane` already exists");

        let token = create_token(&db, "jane", "ci", &[], &[], Expiry::default())
            .await
            .expect("token");
        crate::token::check(&token).expect("well formed");
        let store = super::super::open(&db).await.expect("open");
        let found = store
            .token_by_hash(&crate::token::hash(&token))
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(found.user, jane);
        assert_eq!(found.token.scopes, Scopes::all());
        assert!(found.token.expires_at.is_some());
        assert_eq!(
            store.token_by_hash(&token).await.expect("lookup"),
            None,
            "the token itself is not stored"
        );
        store.close().await;

        let missing = create_token(&db, "bob", "ci", &[], &[], Expiry::Never)
            .await
            .expect_err("no bob");
        assert!(matches!(missing, Error::NoSuchUser(_)));

        assert!(set_user_disabled(&db, "jane", true).await.expect("disable"));
        assert!(!set_user_disabled(&db, "jane", true).await.expect("again"));
        let users = list_users(&db).await.expect("list");
        assert!(
            UserLine(&users[0])
                .to_string()
                .starts_with("jane (disabled since ")
        );
        let refused = create_token(&db, "jane", "ci", &[], &[], Expiry::Never)
            .await
            .expect_err("disabled");
        assert!(
            refused.to_string().contains("user `jane` is disabled"),
            "{refused}"
        );

        add_team(&db, "nova-core").await.expect("team");
        add_user(&db, "bob").await.expect("bob");
        assert!(
            set_member(&db, "nova-core", "bob", true)
                .await
                .expect("member")
        );
        assert!(
            !set_member(&db, "nova-core", "bob", true)
                .await
                .expect("again")
        );
        let teams = list_teams(&db).await.expect("teams");
        assert_eq!(TeamLine(&teams[0]).to_string(), "nova-core: bob");
        assert!(
            set_member(&db, "nova-core", "bob", false)
                .await
                .expect("remove")
        );
        let err = set_member(&db, "nova-core", "bob", false)
            .await
            .expect_err("not a member");
        assert_eq!(err.to_string(), "`bob` is not a member of team `nova-core`");
        let err = set_member(&db, "nova-cor", "bob", true)
            .await
            .expect_err("no team");
        assert!(err.to_string().contains("no team `nova-cor`"), "{err}");
    }
}
