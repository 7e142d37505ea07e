//! Verifying a CI's OIDC identity token, refusing each way it can be wrong with its own sentence.
//!
//! The order matters for what a refusal can reveal and cost: the shape and header first (the
//! algorithm must be RS256 or ES256: `none` and the HMAC family, whose "key" would be the public
//! key, are refused before anything else); then `iss`, read before the signature is checked only
//! to choose the issuer's keys; then the key id; then the signature; and only then the claims of
//! the now trusted payload (`aud`, `exp`, `nbf`, `iat`, `jti`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::jwks::Lookup;
use super::{ExchangeError, Issuer, TrustedPublishing};

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY: Duration = Duration::from_secs(60);
/// Longest identity token accepted, in bytes (real ones are 1–2 KB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
const MAX_JTI: usize = 256;

/// A token whose signature and claims checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub issuer: String,
    pub jti: String,
    /// Seconds since the epoch.
    pub exp: u64,
    pub claims: Map<String, Value>,
}

#[derive(serde::Deserialize)]
struct Header {
    alg: Option<Value>,
    kid: Option<Value>,
    crit: Option<Value>,
}

/// Checks `token` as of `now`.
pub async fn verify(
    tp: &TrustedPublishing,
    token: &str,
    now: SystemTime,
) -> Result<Verified, ExchangeError> {
    let malformed =
        |why: &str| ExchangeError::Unauthorized(format!("the identity token is not a JWT: {why}"));
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed(&format!(
            "it is longer than {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, _signature] = parts[..] else {
        return Err(malformed(
            "it must be three base64url parts separated by `.`",
        ));
    };
    let header: Header = decode_part(header).map_err(|e| malformed(&format!("header: {e}")))?;
    let alg = header.alg.as_ref().map(json_text).unwrap_or_default();
    let algorithm = match alg.as_str() {
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        "" => {
            return Err(ExchangeError::Unauthorized(
                "the identity token's header has no `alg`".into(),
            ));
        }
        other => {
            return Err(ExchangeError::Unauthorized(format!(
                "identity token algorithm `{}` is not accepted (only RS256 and ES256)",
                shorten(other)
            )));
        }
    };
    if header.crit.is_some() {
        return Err(ExchangeError::Unauthorized(
            "the identity token's header has `crit` extensions, which this registry does not understand".into(),
        ));
    }
    let unverified: Map<String, Value> =
        decode_part(payload).map_err(|e| malformed(&format!("payload: {e}")))?;
    let Some(iss) = unverified.get("iss").and_then(Value::as_str) else {
        return Err(ExchangeError::Unauthorized(
            "the identity token has no `iss` (issuer) claim".into(),
        ));
    };
    let Some(issuer) = tp.issuer(iss) else {
        return Err(ExchangeError::Unauthorized(format!(
            "issuer `{}` is not trusted by this registry",
            shorten(iss)
        )));
    };
    let kid = match header.kid {
        Some(Value::String(kid)) if !kid.is_empty() => kid,
        _ => {
            return Err(ExchangeError::Unauthorized(format!(
                "the identity token's header has no key id (`kid`); issuer `{}` signs with several keys",
                issuer.url
            )));
        }
    };
    let key = match issuer.keys.key(&kid).await {
        Lookup::Found(key) => key,
        Lookup::Unknown => {
            return Err(ExchangeError::Unauthorized(format!(
                "unknown key id `{}` for issuer `{}`",
                shorten(&kid),
                issuer.url
            )));
        }
        Lookup::Unavailable(cause) => {
            return Err(ExchangeError::Unavailable {
                detail: format!(
                    "cannot fetch the signing keys of issuer `{}`; try again in a minute",
                    issuer.url
                ),
                cause,
            });
        }
    };
    if key.algorithm != algorithm {
        return Err(ExchangeError::Unauthorized(format!(
            "key `{}` of issuer `{}` verifies {:?} signatures, but the identity token says {alg}",
            shorten(&kid),
            issuer.url,
            key.algorithm
        )));
    }
    let mut validation = Validation::new(algorithm);
    // Only the signature: the claims are checked below, each with its own sentence.
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims = match jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &validation)
    {
        Ok(data) => data.claims,
        Err(e) => {
            tracing::debug!(issuer = %issuer.url, kid = %kid, "identity token refused: {e}");
            return Err(ExchangeError::Unauthorized(format!(
                "the identity token's signature does not verify with key `{}` of issuer `{}`",
                shorten(&kid),
                issuer.url
            )));
        }
    };
    check_claims(issuer, claims, now)
}

/// The claims of a token whose signature verified.
fn check_claims(
    issuer: &Issuer,
    claims: Map<String, Value>,
    now: SystemTime,
) -> Result<Verified, ExchangeError> {
    let refuse = |text: String| Err(ExchangeError::Unauthorized(text));
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let leeway = LEEWAY.as_secs();
    let expected = &issuer.audience;
    match claims.get("aud") {
        None => {
            return refuse(format!(
                "the identity token has no `aud` (audience) claim; this registry expects `{expected}`"
            ));
        }
        Some(aud) if !audience_contains(aud, expected) => {
            return refuse(format!(
                "the identity token is for audience {}, not `{expected}`, the audience this registry expects \
                 from issuer `{}` (hint: request the token with audience `{expected}`)",
                shorten(&quoted(aud)),
                issuer.url
            ));
        }
        Some(_) => {}
    }
    let Some(exp) = claims.get("exp").and_then(seconds) else {
        return refuse(
            "the identity token has no `exp` (expiry) claim, or it is not a number".into(),
        );
    };
    if exp.saturating_add(leeway) <= now_secs {
        return refuse(format!(
            "identity token expired at {} (the registry's clock says {})",
            rfc3339(exp),
            rfc3339(now_secs)
        ));
    }
    if let Some(nbf) = claims.get("nbf") {
        match seconds(nbf) {
            Some(nbf) if nbf <= now_secs.saturating_add(leeway) => {}
            Some(nbf) => {
                return refuse(format!(
                    "the identity token is not valid before {} (the registry's clock says {})",
                    rfc3339(nbf),
                    rfc3339(now_secs)
                ));
            }
            None => return refuse("the identity token's `nbf` claim is not a number".into()),
        }
    }
    if let Some(iat) = claims.get("iat") {
        match seconds(iat) {
            Some(iat) if iat <= now_secs.saturating_add(leeway) && iat <= exp => {}
            Some(iat) => {
                return refuse(format!(
                    "the identity token says it was issued at {}, after {} (its expiry or the registry's clock)",
                    rfc3339(iat),
                    rfc3339(exp.min(now_secs))
                ));
            }
            None => return refuse("the identity token's `iat` claim is not a number".into()),
        }
    }
    let jti = match claims.get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI => jti.clone(),
        _ => {
            return refuse(format!(
                "the identity token has no `jti` (token id) claim of 1 to {MAX_JTI} characters; \
                 this registry needs one to refuse replays"
            ));
        }
    };
    Ok(Verified {
        issuer: issuer.url.clone(),
        jti,
        exp,
        claims,
    })
}

fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| format!("not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not a JSON object: {e}"))
}

fn audience_contains(aud: &Value, expected: &str) -> bool {
    match aud {
        Value::String(a) => a == expected,
        Value::Array(items) => items.iter().any(|a| a.as_str() == Some(expected)),
        _ => false,
    }
}

/// A NumericDate: whole seconds (a fraction is dropped); negative or non-numbers are `None`.
fn seconds(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| *f >= 0.0 && f.is_finite())
            .map(|f| f as u64)
    })
}

/// A JSON value for a message: strings as themselves, anything else as JSON.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An audience for a message: `a`, or `a`, `b` for a list.
fn quoted(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => format!("`{s}`"),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Seconds since the epoch as RFC 3339 UTC text, like every time the registry stores.
pub fn rfc3339(secs: u64) -> String {
    // humantime cannot write years past 9999; the payload's numbers come from outside.
    let secs = secs.min(253_402_300_799);
    let time = UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// A token's value in a message: escaped, cut at 200 characters.
fn shorten(text: &str) -> String {
    super::shorten(text, 200)
}
