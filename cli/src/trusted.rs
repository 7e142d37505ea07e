//! Trusted publishing, client side: find the CI job's OIDC identity token and exchange it for a
//! short-lived publish token (`osops publish --trusted`).
//!
//! The identity token comes from, in this order:
//! 1. `OSOPS_OIDC_TOKEN` (GitLab CI's `id_tokens:`, or any CI that can put a JWT in a variable);
//! 2. GitHub Actions: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD` with
//!    `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` (the job needs
//!    `permissions: id-token: write`).
//!
//! The minted token lives only in memory for the one command: it is never printed nor saved.

use crate::client::{self, Client, Exchanged, Reporter};

/// The audience asked for when none is given: what a registry's issuer config expects by default.
pub const DEFAULT_AUDIENCE: &str = "osops";

/// The environment variables trusted publishing reads, read once so tests can pass their own.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OidcEnv {
    /// `OSOPS_OIDC_TOKEN`.
    pub oidc_token: Option<String>,
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
    pub request_url: Option<String>,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub request_token: Option<String>,
}

impl std::fmt::Debug for OidcEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("OidcEnv")
            .field("oidc_token", &set(&self.oidc_token))
            .field("request_url", &self.request_url)
            .field("request_token", &set(&self.request_token))
            .finish()
    }
}

impl OidcEnv {
    /// This process's environment; empty values count as unset.
    pub fn from_env() -> OidcEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        OidcEnv {
            oidc_token: var("OSOPS_OIDC_TOKEN"),
            request_url: var("ACTIONS_ID_TOKEN_REQUEST_URL"),
            request_token: var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        }
    }

    /// Where the identity token will come from, checked without any request.
    pub fn source(&self) -> Result<Source, Error> {
        if self.oidc_token.is_some() {
            return Ok(Source::OsopsOidcToken);
        }
        match (&self.request_url, &self.request_token) {
            (Some(_), Some(_)) => Ok(Source::GithubActions),
            (Some(_), None) => Err(Error::HalfGithub {
                missing: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            }),
            (None, Some(_)) => Err(Error::HalfGithub {
                missing: "ACTIONS_ID_TOKEN_REQUEST_URL",
            }),
            (None, None) => Err(Error::NoIdentity),
        }
    }
}

/// Where an identity token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    OsopsOidcToken,
    GithubActions,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::OsopsOidcToken => "OSOPS_OIDC_TOKEN",
            Source::GithubActions => "GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL)",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--trusted needs an OIDC identity token, and none was found in the environment")]
    NoIdentity,
    #[error("--trusted found GitHub Actions' token request only in part: `{missing}` is not set")]
    HalfGithub { missing: &'static str },
    #[error("ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL")]
    BadRequestUrl,
    #[error("cannot get the identity token from GitHub Actions")]
    Github(#[source] client::Error),
    #[error("the registry refused to exchange the identity token from {source_name}")]
    Exchange {
        source_name: Source,
        #[source]
        source: client::Error,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoIdentity => Some(
                "in GitLab CI, declare `id_tokens: OSOPS_OIDC_TOKEN: aud: osops`; in GitHub Actions, \
                 give the job `permissions: id-token: write`; elsewhere, put the JWT in OSOPS_OIDC_TOKEN"
                    .into(),
            ),
            Error::HalfGithub { .. } => {
                Some("give the job `permissions: id-token: write`".into())
            }
            Error::Exchange { source, .. } if matches!(source.status(), Some(400 | 401 | 403)) => {
                Some(
                    "check that the registry trusts this issuer and audience (`--audience`), and \
                     that a rule matches this job: `osops trusted-publisher list NAME`"
                        .into(),
                )
            }
            // The cause (a client error) has the hint.
            Error::Github(_) | Error::Exchange { .. } | Error::BadRequestUrl => None,
        }
    }
}

/// The identity token, from `env` (see the module's list).
pub fn identity_token(
    env: &OidcEnv,
    audience: &str,
    client: &Client,
    reporter: &dyn Reporter,
) -> Result<(String, Source), Error> {
    let source = env.source()?;
    let token = match (source, env) {
        (
            Source::GithubActions,
            OidcEnv {
                request_url: Some(url),
                request_token: Some(token),
                ..
            },
        ) => {
            let parsed = reqwest::Url::parse(url).map_err(|_| Error::BadRequestUrl)?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Error::BadRequestUrl);
            }
            client
                .github_id_token(url, token, audience, reporter)
                .map_err(Error::Github)?
        }
        (_, OidcEnv { oidc_token, .. }) => oidc_token.clone().unwrap_or_default(),
    };
    Ok((token.trim().to_owned(), source))
}

/// Finds the identity token and exchanges it with the registry for a publish token.
pub fn mint(
    env: &OidcEnv,
    audience: &str,
    client: &Client,
    reporter: &dyn Reporter,
) -> Result<(Exchanged, Source), Error> {
    let (jwt, source) = identity_token(env, audience, client, reporter)?;
    let exchanged = client.exchange(&jwt).map_err(|e| Error::Exchange {
        source_name: source,
        source: e,
    })?;
    Ok((exchanged, source))
}

#[cfg(test)]
mod tests;
