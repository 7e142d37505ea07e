//! Accounts: [`UserStore`] (users and teams), [`TokenStore`] (API tokens, only ever handled as
//! their sha256), [`OwnerStore`] (who owns an asset) and [`AuditStore`] (the audit log).
//!
//! Every method that changes something records its audit event in the same transaction.

use std::fmt;

use osops_index::AssetName;

use super::{StoreFuture, User, UserId};
use crate::access::{Actor, Pattern, Scopes};

pub type TokenId = i64;

/// A user as `user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub user: User,
    pub created_at: String,
    /// When an admin disabled the user: its tokens are refused, it can own nothing new.
    pub disabled_at: Option<String>,
}

/// A team and its members, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    pub members: Vec<String>,
}

/// Users and teams.
pub trait UserStore: Send + Sync {
    /// Creates a user; [`super::StoreError::Conflict`] if the name is taken.
    fn create_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User>;
    /// The user, created if missing (the demo loader's `demo`).
    fn ensure_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, User>;
    fn user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<User>>;
    fn account<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<UserAccount>>;
    /// Every user, by name.
    fn users(&self) -> StoreFuture<'_, Vec<UserAccount>>;
    /// Disables or re-enables a user; `false` if it already was. [`super::StoreError::NotFound`]
    /// for an unknown user.
    fn set_disabled<'a>(
        &'a self,
        name: &'a str,
        disabled: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool>;
    /// Creates a team; [`super::StoreError::Conflict`] if the name is taken.
    fn create_team<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Team>;
    /// Every team with its members, by name.
    fn teams(&self) -> StoreFuture<'_, Vec<Team>>;
    /// Adds (`member`) or removes a user; `false` if nothing changed.
    /// [`super::StoreError::NotFound`] for an unknown team or user.
    fn set_member<'a>(
        &'a self,
        team: &'a str,
        user: &'a str,
        member: bool,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, bool>;
}

/// A token about to be stored. Build it with [`crate::tokens::mint`], which makes the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub user: UserId,
    /// A label to tell the user's tokens apart.
    pub name: String,
    /// sha256 (hex) of the token; the token itself is never stored.
    pub sha256: String,
    pub scopes: Scopes,
    /// Empty: every asset.
    pub patterns: Vec<Pattern>,
    /// RFC 3339; `None`: never (only admins make such tokens).
    pub expires_at: Option<String>,
    /// The identity, for tokens minted by trusted publishing.
    pub trusted_publisher: Option<String>,
}

/// A stored token, never its secret nor its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: TokenId,
    pub user: String,
    pub name: String,
    pub scopes: Scopes,
    pub patterns: Vec<Pattern>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub trusted_publisher: Option<String>,
}

/// What authentication needs: the token and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLookup {
    pub token: TokenInfo,
    pub user: User,
    pub user_disabled: bool,
}

/// What [`TokenStore::revoke_token`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Now,
    /// It was revoked before; nothing changed.
    Already,
    /// No such token (of that user).
    NotFound,
}

/// API tokens. Looked up only by sha256.
pub trait TokenStore: Send + Sync {
    /// Stores the token and, in the same transaction, the audit event `action` by `by`, whose
    /// detail describes the token (never its secret). `action` is [`AuditAction::TokenCreate`],
    /// or [`AuditAction::TrustedPublishingExchange`] for a token minted by trusted publishing.
    fn create_token<'a>(
        &'a self,
        new: &'a NewToken,
        action: AuditAction,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, TokenInfo>;
    /// The token whose sha256 this is, with its user.
    fn token_by_hash<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<TokenLookup>>;
    /// Sets `last_used_at`.
    fn touch_token<'a>(&'a self, id: TokenId, at: &'a str) -> StoreFuture<'a, ()>;
    /// A user's tokens, oldest first, revoked and expired ones included.
    fn tokens<'a>(&'a self, user: UserId) -> StoreFuture<'a, Vec<TokenInfo>>;
    /// Revokes token `id`; with `owner`, only if that user owns it (else [`Revoked::NotFound`]).
    fn revoke_token<'a>(
        &'a self,
        id: TokenId,
        owner: Option<UserId>,
        by: &'a AuditActor,
    ) -> StoreFuture<'a, Revoked>;
}

/// An owner of an asset: a user, or a team whose members all count as owners.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwnerRef {
    User(String),
    Team(String),
}

impl OwnerRef {
    /// `jane` or `team:nova-core`, names checked like user names.
    pub fn parse(text: &str) -> Result<OwnerRef, String> {
        let owner = match text.strip_prefix("team:") {
            Some(team) => OwnerRef::Team(team.to_owned()),
            None => OwnerRef::User(text.to_owned()),
        };
        let name = owner.name();
        if crate::access::valid_account_name(name) {
            Ok(owner)
        } else {
            Err(format!(
                "`{}` is neither a user name nor `team:NAME` (hint: names are 1 to 64 of a-z, 0-9, `-`, `_` and `.`)",
                text.escape_debug()
            ))
        }
    }

    pub fn name(&self) -> &str {
        match self {
            OwnerRef::User(n) | OwnerRef::Team(n) => n,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            OwnerRef::User(_) => "user",
            OwnerRef::Team(_) => "team",
        }
    }
}

impl fmt::Display for OwnerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnerRef::User(n) => f.write_str(n),
            OwnerRef::Team(n) => write!(f, "team:{n}"),
        }
    }
}

/// What [`OwnerStore::change_owners`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnersOutcome {
    /// Every owner after the change (users first, then teams, by name).
    Done(Vec<OwnerRef>),
    NoSuchAsset,
    /// The actor is not an owner; nothing changed.
    NotOwner {
        owners: Vec<OwnerRef>,
    },
    /// No such user or team; nothing changed.
    Unknown(OwnerRef),
    /// The change would leave no owner; nothing changed.
    LastOwner,
}

/// Who owns an asset.
pub trait OwnerStore: Send + Sync {
    /// The owners, users first then teams, by name; `None` for an unknown asset.
    fn owners<'a>(&'a self, asset: &'a AssetName) -> StoreFuture<'a, Option<Vec<OwnerRef>>>;
    /// Whether the user owns the asset, directly or through a team; `None` for an unknown asset.
    fn is_owner<'a>(&'a self, asset: &'a AssetName, user: UserId) -> StoreFuture<'a, Option<bool>>;
    /// Adds (`add`) or removes owners as `actor`, who must be an owner, in one transaction with
    /// one audit event per owner actually added or removed. Adding an owner twice or removing a
    /// user who is no owner changes nothing.
    fn change_owners<'a>(
        &'a self,
        asset: &'a AssetName,
        actor: &'a Actor,
        owners: &'a [OwnerRef],
        add: bool,
    ) -> StoreFuture<'a, OwnersOutcome>;
}

/// How the audit log names whoever acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    /// A user name, or [`AuditActor::ADMIN`].
    pub name: String,
    pub token_id: Option<TokenId>,
    pub trusted_publisher: Option<String>,
}

impl AuditActor {
    /// The actor of admin commands run on the data directory.
    pub const ADMIN: &'static str = "(admin)";

    pub fn admin() -> AuditActor {
        AuditActor {
            name: Self::ADMIN.into(),
            token_id: None,
            trusted_publisher: None,
        }
    }
}

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Publish,
    Yank,
    Unyank,
    OwnerAdd,
    OwnerRemove,
    TokenCreate,
    TokenRevoke,
    /// A token minted by trusted publishing (recorded by the exchange).
    TrustedPublishingExchange,
    UserDisable,
    UserEnable,
    TeamMemberAdd,
    TeamMemberRemove,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Publish => "publish",
            AuditAction::Yank => "yank",
            AuditAction::Unyank => "unyank",
            AuditAction::OwnerAdd => "owner-add",
            AuditAction::OwnerRemove => "owner-remove",
            AuditAction::TokenCreate => "token-create",
            AuditAction::TokenRevoke => "token-revoke",
            AuditAction::TrustedPublishingExchange => "trusted-publishing-exchange",
            AuditAction::UserDisable => "user-disable",
            AuditAction::UserEnable => "user-enable",
            AuditAction::TeamMemberAdd => "team-member-add",
            AuditAction::TeamMemberRemove => "team-member-remove",
        }
    }
}

/// An event about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub action: AuditAction,
    pub asset: Option<String>,
    pub version: Option<String>,
    pub actor: AuditActor,
    pub detail: Option<String>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    /// [`AuditAction::as_str`]; text, so that events of later versions still read.
    pub action: String,
    pub asset: Option<String>,
    pub version: Option<String>,
    /// A user name, or `(admin)` for admin commands.
    pub actor: String,
    #[schema(value_type = Option<i64>)]
    pub token_id: Option<TokenId>,
    pub trusted_publisher: Option<String>,
    pub detail: Option<String>,
}

/// Which events to read; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub asset: Option<String>,
    /// The actor's name.
    pub actor: Option<String>,
}

/// The audit log: append-only.
pub trait AuditStore: Send + Sync {
    /// Records an event on its own (actions whose store method records its event in its own
    /// transaction need not call this).
    fn record<'a>(&'a self, event: &'a NewAuditEvent) -> StoreFuture<'a, ()>;
    /// Matching events, newest first.
    fn events<'a>(&'a self, filter: &'a AuditFilter) -> StoreFuture<'a, Vec<AuditEvent>>;
}
