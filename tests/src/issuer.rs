//! A CI system's OIDC issuer, made up in the test: an ES256 key generated with `ring`, its JWKS,
//! and identity tokens signed with it (or deliberately wrong). No key file, no network.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

pub struct TestIssuer {
    pub url: String,
    pub kid: String,
    key: EcdsaKeyPair,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl TestIssuer {
    pub fn new(url: &str, kid: &str) -> TestIssuer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("generate P-256 key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("load P-256 key");
        TestIssuer {
            url: url.to_owned(),
            kid: kid.to_owned(),
            key,
        }
    }

    /// The public key as a JWK: the uncompressed point `04 || x || y` split into `x` and `y`.
    pub fn jwk(&self) -> Value {
        let point = self.key.public_key().as_ref();
        assert_eq!(point.len(), 65);
        json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": b64(&point[1..33]), "y": b64(&point[33..65]),
        })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }

    /// Claims of a fresh, valid identity token for audience `osops`, plus `extra` (which
    /// overrides; a `null` removes the claim).
    pub fn claims(&self, extra: Value) -> Value {
        let now = now_secs();
        let mut claims = json!({
            "iss": self.url,
            "aud": "osops",
            "sub": "repo:org/tool:ref:refs/tags/v1.1.0",
            "repository": "org/tool",
            "ref": "refs/tags/v1.1.0",
            "workflow": "release",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": random_id(),
        });
        let map = claims.as_object_mut().expect("object");
        for (k, v) in extra.as_object().expect("extra is an object") {
            if v.is_null() {
                map.remove(k);
            } else {
                map.insert(k.clone(), v.clone());
            }
        }
        claims
    }

    /// A valid token with `extra` claims.
    pub fn token(&self, extra: Value) -> String {
        self.sign(
            &json!({"alg": "ES256", "typ": "JWT", "kid": self.kid}),
            &self.claims(extra),
        )
    }

    /// Any header and claims, signed with this issuer's key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = self
            .key
            .sign(&SystemRandom::new(), message.as_bytes())
            .expect("sign");
        format!("{message}.{}", b64(signature.as_ref()))
    }

    /// Header and claims with no signature at all (`alg: none` style).
    pub fn unsigned(header: &Value, claims: &Value) -> String {
        format!(
            "{}.{}.",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        )
    }

    /// A `[[trusted-publishing.issuer]]` table reading the JWKS from `jwks_file`.
    pub fn config_table(&self, jwks_file: &str) -> String {
        format!(
            "[[trusted-publishing.issuer]]\nurl = {:?}\naudience = \"osops\"\njwks-file = {:?}\n",
            self.url, jwks_file
        )
    }
}

pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).expect("random");
    hex_string(&bytes)
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
