//! Tokens and owners: the API calls of `osops token …` and `osops owner …` (docs/http-api.md,
//! "Accounts, tokens and owners").
//!
//! The plain text of a token comes back once, from [`Client::create_token`]; the types that hold
//! one redact it from `Debug`, and decoding errors about them never quote the answer.

use osops_index::AssetName;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::needs::from_value;
use super::{Client, Error, Reporter, decode};

/// The scopes a token may have, as the registry spells them.
pub const SCOPES: [&str; 5] = [
    "publish-new",
    "publish-update",
    "yank",
    "change-owners",
    "needs",
];

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<String>,
    /// Asset-name globs (`nova-*`); absent: every asset the user owns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns: Option<Vec<String>>,
    /// Absent: the registry's default (90 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// The answer to `POST /api/v1/tokens`: the only time the registry shows the token itself.
#[derive(Clone, Deserialize)]
pub struct CreatedToken {
    pub id: u64,
    pub name: String,
    pub token: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub patterns: Option<Vec<String>>,
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The object as the server sent it (token included), for `--json`.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("patterns", &self.patterns)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `GET /api/v1/tokens`: the caller's tokens, and the object as the server sent it.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// A token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenInfo {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `None` or empty: every asset the user owns.
    #[serde(default)]
    pub patterns: Option<Vec<String>>,
    #[serde(default)]
    pub created_at: String,
    /// `None`: never expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub revoked: bool,
    /// The identity, for tokens minted by trusted publishing.
    #[serde(default)]
    pub trusted_publisher: Option<serde_json::Value>,
}

/// An owner of an asset: a user, or a team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Owner {
    pub kind: String,
    pub name: String,
}

impl std::fmt::Display for Owner {
    /// `jane`, or `team:nova-core`: how owners are named on the command line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind == "team" {
            write!(f, "team:{}", self.name)
        } else {
            f.write_str(&self.name)
        }
    }
}

/// `{"owners": [...]}`, and the object as the server sent it.
#[derive(Debug, Clone, Deserialize)]
pub struct Owners {
    pub owners: Vec<Owner>,
    #[serde(skip)]
    pub raw: serde_json::Value,
}

#[derive(Serialize)]
struct OwnerNames<'a> {
    owners: &'a [String],
}

impl Client {
    /// `POST /api/v1/tokens`: a new token, no wider than the one making it.
    pub fn create_token(&self, new: &NewToken) -> Result<CreatedToken, Error> {
        let url = format!("{}/api/v1/tokens", self.base);
        let (_, body) = self.send_json(Method::POST, &url, Some(new), "creating a token")?;
        // The answer holds a secret: a decoding error names the expected shape, never the text.
        let shape = || Error::Decode {
            url: url.clone(),
            message:
                "expected `{\"id\", \"name\", \"token\", \"scopes\", \"patterns\", \"expires_at\"}`"
                    .into(),
        };
        let raw: serde_json::Value = serde_json::from_slice(&body).map_err(|_| shape())?;
        let mut created = CreatedToken::deserialize(&raw).map_err(|_| shape())?;
        created.raw = raw;
        Ok(created)
    }

    /// `GET /api/v1/tokens`: the tokens of the token's user.
    pub fn list_tokens(&self, reporter: &dyn Reporter) -> Result<TokenList, Error> {
        let url = format!("{}/api/v1/tokens", self.base);
        let token = self.token("listing tokens")?;
        let body = self.get_bytes_as(&url, Some(token), reporter)?;
        let raw: serde_json::Value = decode(&url, &body)?;
        let mut list: TokenList = from_value(&url, &raw)?;
        list.raw = raw;
        Ok(list)
    }

    /// `DELETE /api/v1/tokens/{id}`: a user revokes only their own tokens (404 otherwise).
    pub fn revoke_token(&self, id: u64) -> Result<(), Error> {
        let url = format!("{}/api/v1/tokens/{id}", self.base);
        self.send_json(Method::DELETE, &url, None::<&()>, "revoking a token")?;
        Ok(())
    }

    /// `GET /api/v1/assets/{name}/owners`.
    pub fn owners(&self, name: &AssetName, reporter: &dyn Reporter) -> Result<Owners, Error> {
        let url = format!("{}/api/v1/assets/{name}/owners", self.base);
        let body = self.get_bytes(&url, reporter)?;
        owners(&url, &body)
    }

    /// `PUT /api/v1/assets/{name}/owners` with `{"owners": [...]}`: adds users and `team:NAME`s.
    /// The answer is every owner after the change (`None` if the registry sent no body).
    pub fn add_owners(&self, name: &AssetName, owners: &[String]) -> Result<Option<Owners>, Error> {
        self.change_owners(Method::PUT, name, owners)
    }

    /// `DELETE /api/v1/assets/{name}/owners` with `{"owners": [...]}`; removing the last owner is
    /// a 409.
    pub fn remove_owners(
        &self,
        name: &AssetName,
        owners: &[String],
    ) -> Result<Option<Owners>, Error> {
        self.change_owners(Method::DELETE, name, owners)
    }

    fn change_owners(
        &self,
        method: Method,
        name: &AssetName,
        owners: &[String],
    ) -> Result<Option<Owners>, Error> {
        let url = format!("{}/api/v1/assets/{name}/owners", self.base);
        let body = OwnerNames { owners };
        let (_, body) = self.send_json(method, &url, Some(&body), "changing owners")?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self::owners(&url, &body).map(Some)
    }
}

fn owners(url: &str, body: &[u8]) -> Result<Owners, Error> {
    let raw: serde_json::Value = decode(url, body)?;
    let mut owners: Owners = from_value(url, &raw)?;
    owners.raw = raw;
    Ok(owners)
}
