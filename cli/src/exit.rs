//! Exit codes: the one place an error becomes a number.
//!
//! CI pipelines branch on them (retry later on 6, page a human on 4, fail the merge request on 3),
//! so they are part of the interface: documented in `osops --help`, `osops publish --help` and
//! docs/guides/publishing-from-ci.md, and changed only with those.

use crate::client;

/// What a failed (or successful) run exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Done; for publish: published, or already published with identical contents.
    Success = 0,
    /// Any other error: network, registry (404, 5xx), files.
    Failure = 1,
    /// Bad command line (clap exits with it directly).
    Usage = 2,
    /// The asset was refused: manifest or archive invalid, locally or by the registry (400, 413).
    Invalid = 3,
    /// No token, a malformed or refused one (401), or not allowed (403); no identity token for
    /// `--trusted`, or one the registry would not exchange.
    Auth = 4,
    /// 409: the version is taken with different contents, a look-alike name, the last owner.
    Conflict = 5,
    /// 429: rate limited; the error says when to retry.
    RateLimited = 6,
}

/// The exit status section of `--help`, as a macro so `concat!` can put it into other help texts.
macro_rules! help_text {
    () => {
        "\
Exit status:
  0  success; for publish: published, or already published with identical contents
  1  any other error (network, registry, files)
  2  usage error (bad arguments)
  3  invalid asset: manifest or archive refused, locally or by the registry (HTTP 400, 413)
  4  authentication: no token, token malformed or refused (HTTP 401), not allowed (HTTP 403)
  5  conflict (HTTP 409): version already published with different contents, look-alike name
  6  rate limited (HTTP 429): the error says when to retry (Retry-After)"
    };
}
pub(crate) use help_text;

/// The exit status section of `--help`.
pub const HELP: &str = help_text!();

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// The exit code for an error: the first cause in the chain (outermost first) that has one.
pub fn classify(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|cause| {
            if let Some(e) = cause.downcast_ref::<client::Error>() {
                client_exit(e)
            } else if let Some(e) = cause.downcast_ref::<crate::package::Error>() {
                match e {
                    crate::package::Error::Home(_) => None,
                    _ => Some(Exit::Invalid),
                }
            } else if cause.is::<crate::token::FormatError>() {
                Some(Exit::Auth)
            } else if let Some(e) = cause.downcast_ref::<crate::trusted::Error>() {
                match e {
                    crate::trusted::Error::NoIdentity
                    | crate::trusted::Error::HalfGithub { .. } => Some(Exit::Auth),
                    // The client error inside decides.
                    _ => None,
                }
            } else {
                None
            }
        })
        .unwrap_or(Exit::Failure)
}

fn client_exit(e: &client::Error) -> Option<Exit> {
    if matches!(e, client::Error::NoToken { .. }) {
        return Some(Exit::Auth);
    }
    match e.status()? {
        400 | 413 | 415 | 422 => Some(Exit::Invalid),
        401 | 403 => Some(Exit::Auth),
        409 => Some(Exit::Conflict),
        429 => Some(Exit::RateLimited),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> client::Error {
        client::Error::Api {
            status,
            detail: "refused".into(),
            url: "http://x/api/v1/assets".into(),
            retry_after: None,
        }
    }

    #[test]
    fn registry_answers_map_to_their_exit_codes() {
        let cases = [
            (400, Exit::Invalid),
            (413, Exit::Invalid),
            (401, Exit::Auth),
            (403, Exit::Auth),
            (409, Exit::Conflict),
            (429, Exit::RateLimited),
            (404, Exit::Failure),
            (500, Exit::Failure),
        ];
        for (status, exit) in cases {
            assert_eq!(classify(&api(status).into()), exit, "{status}");
            // Wrapped in context, and after retries, the answer still decides.
            let wrapped = anyhow::Error::new(api(status)).context("publishing `x`");
            assert_eq!(classify(&wrapped), exit, "{status} with context");
            let gave_up = client::Error::GaveUp {
                url: "http://x".into(),
                attempts: 3,
                last: Box::new(api(status)),
            };
            assert_eq!(classify(&gave_up.into()), exit, "{status} after retries");
        }
    }

    #[test]
    fn local_failures_map_too() {
        let no_token = client::Error::NoToken {
            action: "publishing",
        };
        assert_eq!(classify(&no_token.into()), Exit::Auth);
        let malformed = crate::token::FormatError::Checksum;
        assert_eq!(classify(&malformed.into()), Exit::Auth);
        let no_manifest = crate::package::Error::NoManifest { dir: ".".into() };
        assert_eq!(classify(&no_manifest.into()), Exit::Invalid);
        assert_eq!(
            classify(&crate::trusted::Error::NoIdentity.into()),
            Exit::Auth
        );
        let refused = crate::trusted::Error::Exchange {
            source_name: crate::trusted::Source::OsopsOidcToken,
            source: api(401),
        };
        assert_eq!(classify(&refused.into()), Exit::Auth);
        let unreachable = crate::UserError::new("no such asset", "search for it");
        assert_eq!(classify(&unreachable.into()), Exit::Failure);
        assert_eq!(classify(&anyhow::anyhow!("anything else")), Exit::Failure);
    }

    #[test]
    fn the_help_lists_every_code() {
        for code in 0..=6 {
            assert!(HELP.contains(&format!("\n  {code}  ")), "{code}");
        }
    }
}
