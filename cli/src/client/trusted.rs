//! Trusted publishing: exchanging a CI job's OIDC identity token for a short-lived publish token,
//! fetching that identity token from GitHub Actions, and the per-asset rules
//! (`osops trusted-publisher …`).
//!
//! Identity tokens and minted tokens are secrets: the types that hold them redact them from
//! `Debug`, and decoding errors about them never quote the answer.

use std::collections::BTreeMap;

use osops_index::AssetName;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::needs::from_value;
use super::{Client, Error, Reporter, decode};

/// Claim name → glob its value must match (`repository = "org/repo"`, `ref = "refs/tags/*"`).
pub type Claims = BTreeMap<String, String>;

/// The answer to `POST /api/v1/trusted-publishing/exchange`.
#[derive(Clone, Deserialize)]
pub struct Exchanged {
    /// A publish-only token, valid at most 30 minutes; never printed, never saved.
    pub token: String,
    #[serde(default)]
    pub expires_at: String,
    /// The assets the identity may publish.
    #[serde(default)]
    pub assets: Vec<String>,
}

impl std::fmt::Debug for Exchanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchanged")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("assets", &self.assets)
            .finish()
    }
}

/// A rule's id: the registry's, number or string, shown and sent back as it came.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PublisherId {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for PublisherId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublisherId::Number(n) => write!(f, "{n}"),
            PublisherId::Text(s) => f.write_str(s),
        }
    }
}

/// Who may publish an asset without a token: an issuer, and globs its claims must match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TrustedPublisher {
    pub id: PublisherId,
    pub issuer: String,
    #[serde(default)]
    pub claims: Claims,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub created_by: Option<String>,
}

/// `GET /api/v1/assets/{name}/trusted-publishers`, and the object as the server sent it.
#[derive(Debug, Clone, Deserialize)]
pub struct TrustedPublishers {
    pub trusted_publishers: Vec<TrustedPublisher>,
    #[serde(skip)]
    pub raw: serde_json::Value,
}

#[derive(Serialize)]
struct NewPublisher<'a> {
    issuer: &'a str,
    claims: &'a Claims,
}

#[derive(Serialize)]
struct Jwt<'a> {
    jwt: &'a str,
}

#[derive(Deserialize)]
struct GithubIdToken {
    value: String,
}

impl Client {
    /// `POST /api/v1/trusted-publishing/exchange` with `{"jwt"}`: no bearer token, the identity
    /// token is the credential. Sent once: the registry refuses a replayed identity token.
    pub fn exchange(&self, jwt: &str) -> Result<Exchanged, Error> {
        let url = format!("{}/api/v1/trusted-publishing/exchange", self.base);
        let bytes = serde_json::to_vec(&Jwt { jwt }).map_err(|e| Error::Decode {
            url: url.clone(),
            message: format!("cannot encode the request: {e}"),
        })?;
        let request = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes);
        let (_, body) = self.send_once_status(&url, request)?;
        serde_json::from_slice(&body).map_err(|_| Error::Decode {
            url,
            message: "expected `{\"token\", \"expires_at\", \"assets\"}`".into(),
        })
    }

    /// GitHub Actions' identity token for `audience`: `GET {request_url}&audience=…` with
    /// `Authorization: bearer {request_token}` answers `{"value": "<jwt>"}`. The two values are
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, which a job gets with
    /// `permissions: id-token: write`.
    pub fn github_id_token(
        &self,
        request_url: &str,
        request_token: &str,
        audience: &str,
        reporter: &dyn Reporter,
    ) -> Result<String, Error> {
        let mut url = reqwest::Url::parse(request_url)
            .map_err(|_| Error::BadRegistryUrl(request_url.to_owned()))?;
        url.query_pairs_mut().append_pair("audience", audience);
        let url = url.to_string();
        let body = self.get_bytes_as(&url, Some(request_token), reporter)?;
        let answer: GithubIdToken = serde_json::from_slice(&body).map_err(|_| Error::Decode {
            url,
            message: "expected `{\"value\": \"<identity token>\"}`".into(),
        })?;
        Ok(answer.value)
    }

    /// `GET /api/v1/assets/{name}/trusted-publishers`, with the token when there is one.
    pub fn trusted_publishers(
        &self,
        name: &AssetName,
        reporter: &dyn Reporter,
    ) -> Result<TrustedPublishers, Error> {
        let url = format!("{}/api/v1/assets/{name}/trusted-publishers", self.base);
        let bearer = self.token.as_deref().filter(|t| !t.is_empty());
        let body = self.get_bytes_as(&url, bearer, reporter)?;
        let raw: serde_json::Value = decode(&url, &body)?;
        let mut list: TrustedPublishers = from_value(&url, &raw)?;
        list.raw = raw;
        Ok(list)
    }

    /// `POST /api/v1/assets/{name}/trusted-publishers` with `{"issuer", "claims"}`: owners only.
    /// The answer is the new rule (`None` if the registry sent something else).
    pub fn add_trusted_publisher(
        &self,
        name: &AssetName,
        issuer: &str,
        claims: &Claims,
    ) -> Result<(Option<TrustedPublisher>, serde_json::Value), Error> {
        let url = format!("{}/api/v1/assets/{name}/trusted-publishers", self.base);
        let body = NewPublisher { issuer, claims };
        let (_, body) = self.send_json(
            Method::POST,
            &url,
            Some(&body),
            "adding a trusted publisher",
        )?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok((None, serde_json::Value::Null));
        }
        let raw: serde_json::Value = decode(&url, &body)?;
        Ok((TrustedPublisher::deserialize(&raw).ok(), raw))
    }

    /// `DELETE /api/v1/assets/{name}/trusted-publishers/{id}`: owners only.
    pub fn remove_trusted_publisher(&self, name: &AssetName, id: &str) -> Result<(), Error> {
        let url = format!("{}/api/v1/assets/{name}/trusted-publishers/{id}", self.base);
        self.send_json(
            Method::DELETE,
            &url,
            None::<&()>,
            "removing a trusted publisher",
        )?;
        Ok(())
    }
}
