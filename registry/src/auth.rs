//! API tokens: making them, and turning an `Authorization: Bearer` header into a [`User`].
//!
//! A token is `osops_` followed by 32 random letters and digits. Only its sha256 is stored, so a
//! stolen database holds no usable token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::User;

pub const TOKEN_PREFIX: &str = "osops_";
const TOKEN_RANDOM_CHARS: usize = 32;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A new random token.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut token = String::with_capacity(TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS);
    token.push_str(TOKEN_PREFIX);
    // Rejection sampling keeps every character equally likely: bytes past the largest multiple of
    // the alphabet's size are dropped rather than folded.
    let cutoff = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut buf = [0u8; 64];
    while token.len() < TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS {
        getrandom::fill(&mut buf)?;
        for &b in buf.iter().filter(|&&b| b < cutoff) {
            if token.len() == TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS {
                break;
            }
            token.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
        }
    }
    Ok(token)
}

/// What is stored for a token.
pub fn token_hash(token: &str) -> String {
    osops_index::sha256_hex(token.as_bytes())
}

/// Whether `token` has the shape of an osops token (checked before any database lookup).
fn well_formed(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 128 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The user a request's token belongs to. Extracting it answers 401 for a missing, malformed or
/// unknown token, before the body is read.
#[derive(Debug, Clone)]
pub struct Authenticated(pub User);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "this needs an API token: send `Authorization: Bearer <token>` \
                 (hint: an administrator creates one with `osops-registry token create --user NAME`)",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = token else {
            return Err(ApiError::unauthorized(
                "the `Authorization` header must be `Bearer <token>`",
            ));
        };
        if !well_formed(token) {
            return Err(ApiError::unauthorized(format!(
                "malformed token: osops tokens are `{TOKEN_PREFIX}` followed by letters and digits"
            )));
        }
        match state.users.user_by_token(&token_hash(token)).await? {
            Some(user) => Ok(Authenticated(user)),
            None => Err(ApiError::unauthorized(
                "unknown token: it was never issued by this registry, or was revoked (hint: check `OSOPS_TOKEN` and `--registry`)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefix_and_32_alphanumerics() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.len(), 38, "{t}");
            assert!(well_formed(t), "{t}");
            assert!(t[6..].bytes().all(|c| c.is_ascii_alphanumeric()), "{t}");
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "osops_",
            "abc",
            "osops_abc def",
            "osops_ab\"c",
            "OSOPS_abc",
            &format!("osops_{}", "a".repeat(129)),
        ] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn only_the_hash_is_kept() {
        assert_eq!(token_hash("osops_x"), osops_index::sha256_hex(b"osops_x"));
        assert_ne!(token_hash("osops_x"), "osops_x");
    }
}
