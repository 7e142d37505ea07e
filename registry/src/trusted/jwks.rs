//! Issuers' signing keys: a JWKS document ([`KeySet`]) from a file, read once at start-up, or
//! from a URL ([`IssuerKeys`]), fetched at start-up and again on demand.
//!
//! A URL's key set is fetched again when a token names a key id it does not hold (an issuer
//! rotated its keys) and when it is older than [`MAX_AGE`] (an issuer withdrew a key). Fetches on
//! demand happen at most once per [`REFETCH_INTERVAL`] per issuer, so tokens with made-up key ids
//! cannot turn the registry into a flood of requests to the issuer. The start-up fetch does not
//! count towards that limit, and its failure only logs: an issuer that is down must not stop the
//! registry from serving.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::config::JwksLocation;
use crate::error::Error;

/// How often a URL's key set may be fetched on demand.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How old a URL's key set may grow before it is fetched again.
pub const MAX_AGE: Duration = Duration::from_secs(3600);
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// One usable signing key.
pub struct Key {
    pub decoding: DecodingKey,
    /// The one algorithm this key verifies: RS256 for RSA keys, ES256 for P-256 keys.
    pub algorithm: Algorithm,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The usable keys of a JWKS document, by key id. Keys without a `kid`, for encryption, of
/// another algorithm than RS256/ES256, or that do not parse are left out (and logged): an issuer
/// may publish keys this registry has no use for.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<Key>>,
}

#[derive(serde::Deserialize)]
struct Document {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    pub fn parse(bytes: &[u8]) -> Result<KeySet, String> {
        let doc: Document = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a JWKS document (a JSON object with `keys`): {e}"))?;
        let mut keys = HashMap::new();
        for value in doc.keys {
            let kid = value.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
            match usable_key(value) {
                Ok(Some((kid, key))) => {
                    keys.insert(kid, Arc::new(key));
                }
                Ok(None) => {}
                Err(e) => tracing::debug!(kid = ?kid, "JWKS key left out: {e}"),
            }
        }
        Ok(KeySet { keys })
    }

    pub fn get(&self, kid: &str) -> Option<Arc<Key>> {
        self.keys.get(kid).cloned()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// `Ok(None)` for keys that are fine but not for us (encryption keys).
fn usable_key(value: serde_json::Value) -> Result<Option<(String, Key)>, String> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let Some(kid) = jwk.common.key_id.clone() else {
        return Err("no `kid`".into());
    };
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return Ok(None);
    }
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        _ => return Err("neither an RSA nor a P-256 key".into()),
    };
    let declared_ok = match jwk.common.key_algorithm {
        None => true,
        Some(KeyAlgorithm::RS256) => algorithm == Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
        Some(_) => false,
    };
    if !declared_ok {
        return Err(format!(
            "declared for `{:?}`, which is not RS256 or ES256 on this key",
            jwk.common.key_algorithm
        ));
    }
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    Ok(Some((
        kid,
        Key {
            decoding,
            algorithm,
        },
    )))
}

/// What looking a key id up found.
#[derive(Debug)]
pub enum Lookup {
    Found(Arc<Key>),
    Unknown,
    /// The key set could not be fetched, and the key is not among those held.
    Unavailable(String),
}

/// One issuer's keys and where they come from.
#[derive(Debug)]
pub struct IssuerKeys {
    issuer: String,
    source: Source,
    cache: tokio::sync::Mutex<Cache>,
}

#[derive(Debug)]
enum Source {
    File,
    Url {
        url: String,
        client: reqwest::Client,
    },
}

#[derive(Debug, Default)]
struct Cache {
    keys: Arc<KeySet>,
    /// When `keys` was last fetched successfully.
    fetched: Option<Instant>,
    /// The last fetch made on demand (start-up's does not count).
    refetched: Option<Instant>,
    last_error: Option<String>,
}

impl IssuerKeys {
    /// Reads a `jwks-file` (an error if it cannot be read or holds no usable key) or fetches a
    /// `jwks-url` (a failure is logged and retried on demand).
    pub async fn load(
        issuer: &str,
        location: &JwksLocation,
        client: impl FnOnce() -> Result<reqwest::Client, Error>,
    ) -> Result<IssuerKeys, Error> {
        match location {
            JwksLocation::File(path) => {
                let keys = read_file(issuer, path)?;
                Ok(IssuerKeys::from_keys(issuer, keys))
            }
            JwksLocation::Url(url) => {
                let keys = IssuerKeys {
                    issuer: issuer.to_owned(),
                    source: Source::Url {
                        url: url.clone(),
                        client: client()?,
                    },
                    cache: Default::default(),
                };
                let mut cache = keys.cache.lock().await;
                keys.fetch_into(&mut cache).await;
                if let Some(e) = &cache.last_error {
                    tracing::warn!(
                        issuer,
                        "cannot fetch the issuer's keys at start-up (will retry when a token arrives): {e}"
                    );
                }
                drop(cache);
                Ok(keys)
            }
        }
    }

    /// Fixed keys (a `jwks-file`, or tests).
    pub fn from_keys(issuer: &str, keys: KeySet) -> IssuerKeys {
        IssuerKeys {
            issuer: issuer.to_owned(),
            source: Source::File,
            cache: tokio::sync::Mutex::new(Cache {
                keys: Arc::new(keys),
                fetched: Some(Instant::now()),
                ..Cache::default()
            }),
        }
    }

    /// The key with this id, fetching the key set again when the rules above allow.
    pub async fn key(&self, kid: &str) -> Lookup {
        let Source::Url { .. } = &self.source else {
            let cache = self.cache.lock().await;
            return cache.keys.get(kid).map_or(Lookup::Unknown, Lookup::Found);
        };
        let mut cache = self.cache.lock().await;
        let stale = cache.fetched.is_none_or(|t| t.elapsed() >= MAX_AGE);
        let found = cache.keys.get(kid);
        if found.is_some() && !stale {
            return found.map_or(Lookup::Unknown, Lookup::Found);
        }
        let may_refetch = cache
            .refetched
            .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if may_refetch {
            cache.refetched = Some(Instant::now());
            self.fetch_into(&mut cache).await;
        }
        match cache.keys.get(kid) {
            Some(key) => Lookup::Found(key),
            None => match (&cache.last_error, cache.fetched) {
                // Only when the key set is unknown or the attempt just made failed: a stale set
                // that still answers is better than none.
                (Some(e), None) => Lookup::Unavailable(e.clone()),
                (Some(e), Some(_)) if may_refetch => Lookup::Unavailable(e.clone()),
                _ => Lookup::Unknown,
            },
        }
    }

    async fn fetch_into(&self, cache: &mut Cache) {
        let Source::Url { url, client } = &self.source else {
            return;
        };
        match fetch(client, url).await {
            Ok(keys) => {
                if keys.is_empty() {
                    tracing::warn!(issuer = %self.issuer, %url, "the issuer's JWKS holds no usable RS256/ES256 key");
                }
                cache.keys = Arc::new(keys);
                cache.fetched = Some(Instant::now());
                cache.last_error = None;
            }
            Err(e) => {
                tracing::warn!(issuer = %self.issuer, %url, "cannot fetch the issuer's keys: {e}");
                cache.last_error = Some(e);
            }
        }
    }
}

fn read_file(issuer: &str, path: &Path) -> Result<KeySet, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let keys = KeySet::parse(&bytes).map_err(|e| {
        Error::Invalid(format!(
            "jwks-file `{}` of issuer `{issuer}`: {e}",
            path.display()
        ))
    })?;
    if keys.is_empty() {
        return Err(Error::Invalid(format!(
            "jwks-file `{}` of issuer `{issuer}` holds no usable key (RSA or P-256, with a `kid`, for signing)",
            path.display()
        )));
    }
    Ok(keys)
}

/// The HTTP client for `jwks-url`s: bounded time, the registry's name as user agent.
pub fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!("osops-registry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot make the HTTP client for jwks-url: {e}")))
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<KeySet, String> {
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| crate::error::chain(&e))?;
    if !response.status().is_success() {
        return Err(format!("`{url}` answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| crate::error::chain(&e))?
    {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(format!("`{url}` answered more than {MAX_JWKS_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    KeySet::parse(&body).map_err(|e| format!("`{url}`: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Value, json};

    use super::*;

    /// A fresh P-256 public key as a JWK.
    fn ec_jwk(kid: &str) -> Value {
        osops_tests::issuer::TestIssuer::new("https://ci", kid).jwk()
    }

    #[test]
    fn unusable_keys_are_left_out() {
        let mut no_kid = ec_jwk("x");
        no_kid.as_object_mut().expect("object").remove("kid");
        let mut encryption = ec_jwk("enc");
        encryption["use"] = json!("enc");
        let mut es384 = ec_jwk("es384");
        es384["alg"] = json!("ES384");
        let mut declared = ec_jwk("declared");
        declared["alg"] = json!("ES256");
        declared["use"] = json!("sig");
        let doc = json!({"keys": [
            ec_jwk("good"), no_kid, encryption, es384, declared,
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "rsa", "alg": "RS256", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"},
            {"kty": "EC", "crv": "P-256", "kid": "junk", "x": "!!", "y": "??"},
            "not even an object",
        ]});
        let keys = KeySet::parse(doc.to_string().as_bytes()).expect("parse");
        let mut kids: Vec<&str> = keys.keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, ["declared", "good", "rsa"]);
        assert_eq!(keys.get("good").expect("good").algorithm, Algorithm::ES256);
        assert_eq!(keys.get("rsa").expect("rsa").algorithm, Algorithm::RS256);
        assert!(KeySet::parse(b"[]").is_err());
        assert!(KeySet::parse(b"{\"keys\": 1}").is_err());
    }

    #[tokio::test]
    async fn jwks_file_must_hold_a_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, json!({"keys": []}).to_string()).expect("write");
        let location = JwksLocation::File(path.clone());
        let err = IssuerKeys::load("https://ci", &location, http_client)
            .await
            .expect_err("no keys");
        assert!(err.to_string().contains("holds no usable key"), "{err}");
        std::fs::write(&path, json!({"keys": [ec_jwk("k")]}).to_string()).expect("write");
        let keys = IssuerKeys::load("https://ci", &location, http_client)
            .await
            .expect("keys");
        assert!(matches!(keys.key("k").await, Lookup::Found(_)));
        assert!(matches!(keys.key("other").await, Lookup::Unknown));
        let missing = JwksLocation::File(dir.path().join("nope.json"));
        assert!(
            IssuerKeys::load("https://ci", &missing, http_client)
                .await
                .is_err()
        );
    }

    /// A JWKS server on 127.0.0.1 whose document the test changes, counting requests.
    struct JwksServer {
        url: String,
        doc: std::sync::Arc<Mutex<String>>,
        hits: std::sync::Arc<AtomicUsize>,
    }

    async fn jwks_server(doc: Value) -> JwksServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = std::sync::Arc::new(Mutex::new(doc.to_string()));
        let hits = std::sync::Arc::new(AtomicUsize::new(0));
        let (d, h) = (shared.clone(), hits.clone());
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (d, h) = (d.clone(), h.clone());
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    d.lock().expect("lock").clone()
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        JwksServer {
            url: format!("http://{addr}/jwks"),
            doc: shared,
            hits,
        }
    }

    #[tokio::test]
    async fn jwks_url_is_refetched_on_an_unknown_kid_at_most_once_per_interval() {
        let server = jwks_server(json!({"keys": [ec_jwk("k1")]})).await;
        let location = JwksLocation::Url(server.url.clone());
        let keys = IssuerKeys::load("https://ci", &location, http_client)
            .await
            .expect("load");
        assert_eq!(server.hits.load(Ordering::SeqCst), 1, "fetched at start-up");
        assert!(matches!(keys.key("k1").await, Lookup::Found(_)));
        assert_eq!(
            server.hits.load(Ordering::SeqCst),
            1,
            "known kids fetch nothing"
        );

        // The issuer rotates: the first token with the new kid fetches the new set.
        *server.doc.lock().expect("lock") = json!({"keys": [ec_jwk("k2")]}).to_string();
        assert!(matches!(keys.key("k2").await, Lookup::Found(_)));
        assert_eq!(server.hits.load(Ordering::SeqCst), 2);
        assert!(
            matches!(keys.key("k1").await, Lookup::Unknown),
            "k1 withdrawn"
        );
        assert!(matches!(keys.key("made-up").await, Lookup::Unknown));
        assert_eq!(
            server.hits.load(Ordering::SeqCst),
            2,
            "no second fetch within the interval"
        );
    }

    #[tokio::test]
    async fn unreachable_jwks_url_is_unavailable_not_unknown() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let location = JwksLocation::Url(format!("http://{addr}/jwks"));
        let keys = IssuerKeys::load("https://ci", &location, http_client)
            .await
            .expect("a failed start-up fetch only logs");
        assert!(matches!(keys.key("k").await, Lookup::Unavailable(_)));
        assert!(matches!(keys.key("k").await, Lookup::Unavailable(_)));
    }

    #[tokio::test]
    async fn jwks_url_errors_are_reported() {
        let server = jwks_server(json!({"nope": []})).await;
        let location = JwksLocation::Url(server.url.clone());
        let keys = IssuerKeys::load("https://ci", &location, http_client)
            .await
            .expect("load");
        match keys.key("k").await {
            Lookup::Unavailable(e) => assert!(e.contains("not a JWKS document"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
