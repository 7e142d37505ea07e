//! Who may do what: token [`Scope`]s, asset-name [`Pattern`]s, the [`Actor`] every action is
//! done by, and [`Denied`], the 403 refusals that name the rule that refused.
//!
//! A request's actor is a user acting through a token, whose [`Grant`] limits it; admin commands
//! and the demo loader act directly (no grant: every scope, every asset, no rate limit). Owner
//! checks are the store's (they must run inside the transaction that acts); scope and pattern
//! checks run here, before anything is read from the database.

use std::fmt;
use std::str::FromStr;

use osops_index::AssetName;

use crate::store::{AuditActor, TokenId, User};

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Publish the first version of a name nobody has published yet.
    PublishNew,
    /// Publish a new version of an asset the user owns.
    PublishUpdate,
    /// Yank and unyank versions.
    Yank,
    /// Add and remove owners.
    ChangeOwners,
    /// File, update and vote for needs.
    Needs,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::PublishNew,
        Scope::PublishUpdate,
        Scope::Yank,
        Scope::ChangeOwners,
        Scope::Needs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PublishNew => "publish-new",
            Scope::PublishUpdate => "publish-update",
            Scope::Yank => "yank",
            Scope::ChangeOwners => "change-owners",
            Scope::Needs => "needs",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown scope `{}` (hint: scopes are {})",
                    s.escape_debug(),
                    Scopes::all()
                )
            })
    }
}

/// A set of scopes. Serialised as a list of names in [`Scope::ALL`] order.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub fn all() -> Scopes {
        Scope::ALL.into_iter().collect()
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The names, in [`Scope::ALL`] order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Scopes {
        Scopes(iter.into_iter().fold(0, |bits, s| bits | s.bit()))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// `` `publish-new`, `yank` `` (or `none`).
impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<String> = self.iter().map(|s| format!("`{s}`")).collect();
        f.write_str(&names.join(", "))
    }
}

impl serde::Serialize for Scopes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// An asset-name glob: canonical name characters (`a-z`, `0-9`, `-`) and `*`, which matches any
/// run of name characters, the empty run included. `nova-*` matches `nova-tools` (and `nova-`,
/// which is no valid name); `*` matches every name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(String);

impl Pattern {
    /// A pattern as a user wrote it: case and `_` fold like asset names (`Nova_*` is `nova-*`).
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let folded = osops_index::AssetName::fold(text.trim());
        let valid = (1..=64).contains(&folded.len())
            && folded
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*');
        if valid {
            Ok(Pattern(folded))
        } else {
            Err(format!(
                "pattern `{}` is not an asset-name glob (hint: use name characters and `*`, like `nova-*`)",
                text.escape_debug()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        glob_match(self.0.as_bytes(), name.as_bytes())
    }

    /// Whether every name `other` matches is matched by this pattern too. `other` is read as a
    /// string in which `*` is a character no literal of `self` matches, so only a `*` of `self`
    /// can absorb it — and a `*` that absorbs `other`'s `*` absorbs whatever that `*` stands for.
    pub fn covers(&self, other: &Pattern) -> bool {
        self.matches(other.as_str())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// `*` matches any run of bytes; every other byte matches itself. Iterative, with one backtrack
/// point (the last `*`), so it is linear-ish and never recurses.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// User and team names: 1 to 64 of `a-z`, `0-9`, `-`, `_`, `.`, starting with a letter or digit.
pub fn valid_account_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// `` `nova-*`, `glance-*` ``.
pub fn pattern_list(patterns: &[Pattern]) -> String {
    patterns
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the token of a request allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token_id: TokenId,
    pub scopes: Scopes,
    /// Empty: every asset.
    pub patterns: Vec<Pattern>,
    /// `None`: never.
    pub expires_at: Option<String>,
    /// The identity, for a token minted by trusted publishing.
    pub trusted_publisher: Option<String>,
}

/// Who does something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: User,
    /// `None` when acting directly on the data directory (admin commands, the demo loader).
    pub grant: Option<Grant>,
}

impl Actor {
    /// A user acting without a token: every scope, every asset.
    pub fn direct(user: User) -> Actor {
        Actor { user, grant: None }
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.grant.as_ref().is_none_or(|g| g.scopes.contains(scope))
    }

    /// The scope, or a 403 naming it.
    pub fn require(&self, scope: Scope) -> Result<(), Denied> {
        if self.may(scope) {
            Ok(())
        } else {
            Err(Denied::Scope {
                scope,
                has: self.scopes(),
            })
        }
    }

    /// The token's patterns allow acting on `name`, or a 403 naming them.
    pub fn require_asset(&self, name: &AssetName) -> Result<(), Denied> {
        match &self.grant {
            Some(g)
                if !g.patterns.is_empty()
                    && !g.patterns.iter().any(|p| p.matches(name.as_str())) =>
            {
                Err(Denied::Pattern {
                    name: name.to_string(),
                    patterns: g.patterns.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    pub fn scopes(&self) -> Scopes {
        self.grant.as_ref().map_or_else(Scopes::all, |g| g.scopes)
    }

    /// Whether rate limits apply (requests through a token; not admin commands).
    pub fn rate_limited(&self) -> bool {
        self.grant.is_some()
    }

    /// Whose rate-limit bucket this actor's actions draw from.
    pub fn rate_subject(&self) -> crate::rate_limit::RateSubject {
        use crate::rate_limit::RateSubject;
        match self
            .grant
            .as_ref()
            .and_then(|g| g.trusted_publisher.clone())
        {
            Some(identity) => RateSubject::Identity(identity),
            None => RateSubject::User(self.user.id),
        }
    }

    /// How the audit log names this actor.
    pub fn audit(&self) -> AuditActor {
        AuditActor {
            name: self.user.name.clone(),
            token_id: self.grant.as_ref().map(|g| g.token_id),
            trusted_publisher: self
                .grant
                .as_ref()
                .and_then(|g| g.trusted_publisher.clone()),
        }
    }
}

/// A 403: the token or user may not do this. Each says which rule refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error(
        "token lacks the `{scope}` scope (its scopes: {has}) \
         (hint: use a token with `{scope}`, e.g. from `osops token create NAME --scope {scope}`)"
    )]
    Scope { scope: Scope, has: Scopes },
    #[error(
        "token may only act on assets matching {}, and `{name}` does not match \
         (hint: use a token whose patterns cover `{name}`)",
        pattern_list(.patterns)
    )]
    Pattern {
        name: String,
        patterns: Vec<Pattern>,
    },
    #[error(
        "`{user}` is not an owner of `{asset}` (owners: {}); only owners may {action} \
         (hint: ask an owner to run `osops owner add {asset} {user}`)",
        owner_list(.owners)
    )]
    NotOwner {
        user: String,
        asset: String,
        owners: Vec<String>,
        action: &'static str,
    },
    #[error(
        "user `{0}` is disabled (hint: an administrator re-enables it with `osops-registry user enable {0}`)"
    )]
    Disabled(String),
    /// Anything else a token may not do; the text says what and why.
    #[error("{0}")]
    Other(String),
}

/// `` `jane`, `team:nova-core` ``, or `none`.
pub fn owner_list(owners: &[String]) -> String {
    if owners.is_empty() {
        return "none".into();
    }
    owners
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<Denied> for crate::error::ApiError {
    fn from(denied: Denied) -> Self {
        crate::error::ApiError::forbidden(denied.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> Pattern {
        Pattern::parse(s).expect(s)
    }

    #[test]
    fn scopes_parse_print_and_serialise() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
        }
        let err = "publish".parse::<Scope>().expect_err("unknown");
        assert!(err.contains("unknown scope `publish`") && err.contains("`publish-new`"));
        let s: Scopes = [Scope::Yank, Scope::PublishNew].into_iter().collect();
        assert!(s.contains(Scope::Yank) && !s.contains(Scope::Needs));
        assert_eq!(s.to_string(), "`publish-new`, `yank`");
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            r#"["publish-new","yank"]"#
        );
        assert_eq!(Scopes::all().iter().count(), 5);
        assert_eq!(Scopes::default().to_string(), "none");
    }

    #[test]
    fn patterns_match_runs_of_name_characters() {
        let nova = pattern("nova-*");
        assert!(nova.matches("nova-tools") && nova.matches("nova-"));
        assert!(!nova.matches("glance-x") && !nova.matches("xnova-tools"));
        assert!(pattern("*").matches("anything"));
        assert!(pattern("*-check").matches("galera-check"));
        assert!(!pattern("*-check").matches("galera-checks"));
        assert!(pattern("a*b*c").matches("axxbyyc") && !pattern("a*b*c").matches("axxbyy"));
        assert!(pattern("exact").matches("exact") && !pattern("exact").matches("exact2"));
        assert_eq!(pattern("Nova_*").as_str(), "nova-*");
        for bad in ["", "nova tools", "nova/*", "?", "nova[ab]", &"a".repeat(65)] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_pattern_covers_only_narrower_patterns() {
        assert!(pattern("nova-*").covers(&pattern("nova-*")));
        assert!(pattern("nova-*").covers(&pattern("nova-tools")));
        assert!(pattern("nova-*").covers(&pattern("nova-x-*")));
        assert!(pattern("*").covers(&pattern("glance-*")));
        assert!(!pattern("nova-*").covers(&pattern("*")));
        assert!(!pattern("nova-*").covers(&pattern("nova*")));
        assert!(!pattern("nova-*").covers(&pattern("glance-*")));
        assert!(!pattern("nova-tools").covers(&pattern("nova-*")));
    }

    #[test]
    fn actors_are_limited_by_their_grant() {
        let user = User {
            id: 1,
            name: "jane".into(),
        };
        let direct = Actor::direct(user.clone());
        assert!(direct.may(Scope::ChangeOwners) && !direct.rate_limited());
        let name = AssetName::parse("glance-x").expect("name");
        direct
            .require_asset(&name)
            .expect("direct acts on anything");
        let token = Actor {
            user,
            grant: Some(Grant {
                token_id: 7,
                scopes: [Scope::PublishUpdate].into_iter().collect(),
                patterns: vec![pattern("nova-*")],
                expires_at: None,
                trusted_publisher: None,
            }),
        };
        let err = token.require(Scope::Yank).expect_err("no yank");
        assert_eq!(
            err.to_string().split(" (hint").next(),
            Some("token lacks the `yank` scope (its scopes: `publish-update`)")
        );
        let err = token.require_asset(&name).expect_err("pattern");
        assert!(
            err.to_string()
                .starts_with("token may only act on assets matching `nova-*`, and `glance-x`"),
            "{err}"
        );
        assert_eq!(token.audit().token_id, Some(7));
    }
}
