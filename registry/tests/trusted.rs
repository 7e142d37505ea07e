//! Trusted publishing through the real router: the exchange and each of its refusals, what the
//! minted token may and may not do, and owners' rules API. Issuers, keys and identity tokens are
//! made up in each test (see `osops_tests::issuer`); the registry reads them from a config file and
//! a `jwks-file`, as it would in production.

mod common;
use osops_tests::issuer;

use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode};
use common::{Asset, TestApp};
use issuer::{TestIssuer, now_secs};
use osops_registry::access::Scope;
use osops_registry::router;
use osops_registry::trusted::TrustedPublishing;
use osops_registry::trusted::config::ConfigFile;
use serde_json::{Value, json};

const CI: &str = "https://ci.example.org";
const EXCHANGE: &str = "/api/v1/trusted-publishing/exchange";

/// A registry trusting `issuers` (through a config file and JWKS files it writes), with `jane`
/// owning `tool` (1.0.0) and `other` (1.0.0).
struct Setup {
    app: TestApp,
    jane: String,
}

async fn setup(issuers: &[&TestIssuer]) -> Setup {
    let jwks: Vec<(&str, String)> = issuers
        .iter()
        .map(|issuer| (issuer.url.as_str(), issuer.jwks().to_string()))
        .collect();
    setup_with_jwks(&jwks).await
}

/// [`setup`] with each issuer's JWKS document given as text: `(issuer url, JWKS)`.
async fn setup_with_jwks(issuers: &[(&str, String)]) -> Setup {
    let mut app = TestApp::new().await;
    let mut config = String::new();
    for (i, (url, jwks)) in issuers.iter().enumerate() {
        let file = app.path().join(format!("jwks-{i}.json"));
        std::fs::write(&file, jwks).expect("write JWKS");
        config.push_str(&format!(
            "[[trusted-publishing.issuer]]\nurl = {url:?}\naudience = \"osops\"\njwks-file = {:?}\n",
            file.to_str().expect("UTF-8 path")
        ));
    }
    let path = app.path().join("registry.toml");
    std::fs::write(&path, config).expect("write config");
    let file = ConfigFile::load(&path).expect("config");
    let trusted = TrustedPublishing::from_config(&file.trusted_publishing)
        .await
        .expect("issuers");
    app.state = app.state.clone().with_trusted_publishing(trusted);
    app.router = router(app.state.clone());
    let jane = app.user("jane").await;
    for name in ["tool", "other"] {
        let r = app
            .publish(Some(&jane), &Asset::new(name, "1.0.0").archive())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    Setup { app, jane }
}

impl Setup {
    async fn add_rule(&self, asset: &str, issuer: &str, claims: Value) -> Value {
        let r = self
            .app
            .send_json(
                Method::POST,
                &format!("/api/v1/assets/{asset}/trusted-publishers"),
                Some(&self.jane),
                Some(&json!({"issuer": issuer, "claims": claims})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }

    async fn exchange(&self, jwt: &str) -> common::TestResponse {
        self.app
            .send_json(Method::POST, EXCHANGE, None, Some(&json!({ "jwt": jwt })))
            .await
    }

    /// The `detail` of a refused exchange.
    async fn refused(&self, jwt: &str, status: StatusCode) -> String {
        self.exchange(jwt).await.problem(status)
    }
}

fn tool_rule() -> Value {
    json!({"repository": "org/tool", "ref": "refs/tags/*"})
}

#[tokio::test]
async fn exchange_then_publish_a_new_version() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    let rule = s.add_rule("tool", CI, tool_rule()).await;
    assert_eq!(rule["issuer"], CI);
    assert_eq!(rule["claims"], tool_rule());
    assert_eq!(rule["created_by"], "jane");

    let before = now_secs();
    let r = s.exchange(&ci.token(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["assets"], json!(["tool"]));
    let token = body["token"].as_str().expect("token");
    assert!(token.starts_with("osops_"), "{token}");
    let expires_at = humantime::parse_rfc3339(body["expires_at"].as_str().expect("expires_at"))
        .expect("RFC 3339");
    let expires = expires_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    // The identity token has 300 s left: the minted one gets the 5-minute floor, never past 30.
    assert!(
        expires >= before + 299 && expires <= now_secs() + 30 * 60,
        "{body}"
    );

    let r = s
        .app
        .publish(Some(token), &Asset::new("tool", "1.1.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["version"], "1.1.0");

    // Only its hash is stored, and the identity token's id is remembered.
    let stored = s
        .app
        .scalar(&format!(
            "SELECT COUNT(*) FROM tokens WHERE sha256 = '{}'",
            osops_registry::token::hash(token)
        ))
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        s.app
            .scalar("SELECT COUNT(*) FROM trusted_token_uses")
            .await,
        1
    );
    // The audit log has the exchange, and the publish names the trusted publisher.
    let identity = "https://ci.example.org (repository=org/tool, ref=refs/tags/v1.1.0, \
                    workflow=release, sub=repo:org/tool:ref:refs/tags/v1.1.0)";
    assert_eq!(
        s.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'trusted-publishing-exchange' \
                 AND actor = 'trusted-publisher' AND trusted_publisher = '{identity}'"
            ))
            .await,
        1
    );
    assert_eq!(
        s.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'publish' AND asset = 'tool' \
                 AND version = '1.1.0' AND trusted_publisher = '{identity}'"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn lifetime_follows_the_identity_token_up_to_30_minutes() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let now = now_secs();
    let r = s.exchange(&ci.token(json!({"exp": now + 4 * 3600}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let expires = humantime::parse_rfc3339(r.json()["expires_at"].as_str().expect("expires_at"))
        .expect("RFC 3339")
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(
        expires >= now + 30 * 60 - 1 && expires <= now_secs() + 30 * 60,
        "{expires} vs {now}"
    );
}

#[tokio::test]
async fn one_identity_may_publish_several_assets() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    s.add_rule("other", CI, json!({"repository": "org/*"}))
        .await;
    // A second rule for the same asset does not list it twice.
    s.add_rule(
        "tool",
        CI,
        json!({"workflow": "release", "repository": "org/tool"}),
    )
    .await;
    let r = s.exchange(&ci.token(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["assets"], json!(["other", "tool"]));
}

/// RS256, the algorithm most CI systems sign with: a 2048-bit test key made once with
/// `openssl genpkey` (PKCS#1 DER, test-only) and its JWKS, since `ring` cannot generate RSA keys.
#[tokio::test]
async fn rs256_identity_tokens_verify_against_an_rsa_key_set() {
    let jwks = include_str!("fixtures/rsa-test-jwks.json");
    let key = jsonwebtoken::EncodingKey::from_rsa_der(include_bytes!("fixtures/rsa-test-key.der"));
    let s = setup_with_jwks(&[(CI, jwks.to_owned())]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let claims = TestIssuer::new(CI, "unused").claims(json!({}));
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let jwt = jsonwebtoken::encode(&header, &claims, &key).expect("sign RS256");

    let r = s.exchange(&jwt).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["assets"], json!(["tool"]));

    // Another token's signature over these claims.
    let claims = TestIssuer::new(CI, "unused").claims(json!({}));
    let resigned = jsonwebtoken::encode(&header, &claims, &key).expect("sign RS256");
    let (body, _) = resigned.rsplit_once('.').expect("three parts");
    let (_, other_sig) = jwt.rsplit_once('.').expect("three parts");
    let detail = s
        .refused(&format!("{body}.{other_sig}"), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("signature"), "{detail}");
}

#[tokio::test]
async fn replayed_identity_token_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let jwt = ci.token(json!({}));
    assert_eq!(s.exchange(&jwt).await.status, StatusCode::OK);
    let detail = s.refused(&jwt, StatusCode::UNAUTHORIZED).await;
    assert!(
        detail.contains("identity token was already used (replay)"),
        "{detail}"
    );
    // The same jti in a new token is the same token as far as replay goes.
    let jti = ci.claims(json!({}))["jti"].clone();
    assert_eq!(
        s.exchange(&ci.token(json!({"jti": jti}))).await.status,
        StatusCode::OK
    );
    let detail = s
        .refused(&ci.token(json!({"jti": jti})), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("replay"), "{detail}");
}

#[tokio::test]
async fn untrusted_issuer_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let detail = s
        .refused(
            &ci.token(json!({"iss": "https://evil.example.org"})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert_eq!(
        detail,
        "issuer `https://evil.example.org` is not trusted by this registry"
    );
    // Another issuer's key, claiming to be the trusted one.
    let evil = TestIssuer::new(CI, "key-1");
    let detail = s
        .refused(&evil.token(json!({})), StatusCode::UNAUTHORIZED)
        .await;
    assert_eq!(
        detail,
        format!("the identity token's signature does not verify with key `key-1` of issuer `{CI}`")
    );
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let detail = s
        .refused(
            &ci.token(json!({"aud": "sigstore"})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(
        detail.starts_with(&format!(
            "the identity token is for audience `sigstore`, not `osops`, the audience this registry expects from issuer `{CI}`"
        )),
        "{detail}"
    );
    let detail = s
        .refused(
            &ci.token(json!({"aud": ["a", "b"]})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(
        detail.contains("audience `a`, `b`, not `osops`"),
        "{detail}"
    );
    let detail = s
        .refused(&ci.token(json!({"aud": null})), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("no `aud`"), "{detail}");
    // A list that includes the audience is fine.
    let r = s
        .exchange(&ci.token(json!({"aud": ["other", "osops"]})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn unknown_key_id_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let rotated = TestIssuer::new(CI, "key-2");
    let detail = s
        .refused(&rotated.token(json!({})), StatusCode::UNAUTHORIZED)
        .await;
    assert_eq!(detail, format!("unknown key id `key-2` for issuer `{CI}`"));
    let no_kid = ci.sign(&json!({"alg": "ES256"}), &ci.claims(json!({})));
    let detail = s.refused(&no_kid, StatusCode::UNAUTHORIZED).await;
    assert!(detail.contains("no key id (`kid`)"), "{detail}");
}

#[tokio::test]
async fn expired_identity_token_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let now = now_secs();
    let detail = s
        .refused(
            &ci.token(json!({"iat": now - 3600, "nbf": now - 3600, "exp": now - 600})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    let expected = osops_registry::trusted::jwt::rfc3339(now - 600);
    assert!(
        detail.starts_with(&format!("identity token expired at {expected}")),
        "{detail}"
    );
    let detail = s
        .refused(&ci.token(json!({"exp": null})), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("no `exp`"), "{detail}");
    let detail = s
        .refused(
            &ci.token(json!({"nbf": now + 3600})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(detail.contains("is not valid before"), "{detail}");
    let detail = s
        .refused(
            &ci.token(json!({"iat": now + 3600})),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(detail.contains("says it was issued at"), "{detail}");
    // Within the minute of tolerated clock skew.
    let r = s
        .exchange(&ci.token(json!({"iat": now - 300, "nbf": now - 300, "exp": now - 10})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn unsigned_and_symmetric_tokens_are_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let claims = ci.claims(json!({}));
    for alg in ["none", "None", "HS256", "RS512", "ES384", "PS256"] {
        let header = json!({"alg": alg, "kid": "key-1"});
        for jwt in [
            TestIssuer::unsigned(&header, &claims),
            ci.sign(&header, &claims),
        ] {
            let detail = s.refused(&jwt, StatusCode::UNAUTHORIZED).await;
            assert_eq!(
                detail,
                format!("identity token algorithm `{alg}` is not accepted (only RS256 and ES256)")
            );
        }
    }
    // RS256 named over this issuer's EC key: the key decides the algorithm.
    let detail = s
        .refused(
            &ci.sign(&json!({"alg": "RS256", "kid": "key-1"}), &claims),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(
        detail.contains("verifies ES256 signatures, but the identity token says RS256"),
        "{detail}"
    );
    let detail = s
        .refused(
            &ci.sign(&json!({"kid": "key-1"}), &claims),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(detail.contains("no `alg`"), "{detail}");
}

#[tokio::test]
async fn bad_signature_is_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let jwt = ci.token(json!({}));
    let (message, _) = jwt.rsplit_once('.').expect("three parts");
    // Another token's signature, and a payload changed after signing.
    let other = ci.token(json!({}));
    let (_, signature) = other.rsplit_once('.').expect("three parts");
    let expected =
        format!("the identity token's signature does not verify with key `key-1` of issuer `{CI}`");
    for forged in [
        format!("{message}.{signature}"),
        format!("{message}."),
        format!("{message}.AAAA"),
        {
            let (header, _) = message.split_once('.').expect("header");
            let payload = base64_url(&ci.claims(json!({"repository": "org/tool"})).to_string());
            let (_, sig) = jwt.rsplit_once('.').expect("sig");
            format!("{header}.{payload}.{sig}")
        },
    ] {
        assert_eq!(s.refused(&forged, StatusCode::UNAUTHORIZED).await, expected);
    }
    // None of those used the token up.
    assert_eq!(s.exchange(&jwt).await.status, StatusCode::OK);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn malformed_bodies_and_tokens_are_refused() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    for jwt in ["", "abc", "a.b", "a.b.c.d", "!!.??.x"] {
        let detail = s.refused(jwt, StatusCode::UNAUTHORIZED).await;
        assert!(
            detail.starts_with("the identity token is not a JWT"),
            "{jwt}: {detail}"
        );
    }
    let huge = format!("{}.{}.x", "a".repeat(20_000), "b");
    let detail = s.refused(&huge, StatusCode::UNAUTHORIZED).await;
    assert!(detail.contains("longer than"), "{detail}");
    let r = s
        .app
        .send_json(Method::POST, EXCHANGE, None, Some(&json!({"token": "x"})))
        .await;
    let detail = r.problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("{\"jwt\""), "{detail}");
    let detail = s
        .refused(&ci.token(json!({"jti": null})), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("no `jti`"), "{detail}");
    let detail = s
        .refused(&ci.token(json!({"iss": null})), StatusCode::UNAUTHORIZED)
        .await;
    assert!(detail.contains("no `iss`"), "{detail}");
}

#[tokio::test]
async fn identity_without_a_matching_rule_is_forbidden() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    // A branch, not a tag.
    let jwt = ci.token(json!({"ref": "refs/heads/main"}));
    let detail = s.refused(&jwt, StatusCode::FORBIDDEN).await;
    assert!(
        detail.starts_with(
            "no trusted publisher rule of any asset matches this identity \
             (repository=org/tool, ref=refs/heads/main, workflow=release, sub=repo:org/tool:ref:refs/tags/v1.1.0) \
             of issuer `https://ci.example.org`"
        ),
        "{detail}"
    );
    // Another repository; a claim the rule names but the token lacks.
    for extra in [
        json!({"repository": "mallory/tool"}),
        json!({"ref": null}),
        json!({"repository": 42}),
    ] {
        s.refused(&ci.token(extra), StatusCode::FORBIDDEN).await;
    }
}

#[tokio::test]
async fn rules_of_one_issuer_do_not_serve_another() {
    let ci = TestIssuer::new(CI, "key-1");
    let other = TestIssuer::new("https://gitlab.example.org", "g-1");
    let s = setup(&[&ci, &other]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let detail = s
        .refused(&other.token(json!({})), StatusCode::FORBIDDEN)
        .await;
    assert!(
        detail.contains("of issuer `https://gitlab.example.org`"),
        "{detail}"
    );
    assert_eq!(
        s.exchange(&ci.token(json!({}))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn without_issuers_every_exchange_is_refused() {
    let app = TestApp::new().await;
    let ci = TestIssuer::new(CI, "key-1");
    let r = app
        .send_json(
            Method::POST,
            EXCHANGE,
            None,
            Some(&json!({"jwt": ci.token(json!({}))})),
        )
        .await;
    let detail = r.problem(StatusCode::UNAUTHORIZED);
    assert!(
        detail.contains("is not trusted by this registry") && detail.contains("trusts no issuer"),
        "{detail}"
    );
}

#[tokio::test]
async fn minted_token_publishes_only_its_assets_and_never_a_new_name() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let r = s.exchange(&ci.token(json!({}))).await;
    let token = r.json()["token"].as_str().expect("token").to_owned();

    let r = s
        .app
        .publish(Some(&token), &Asset::new("other", "1.1.0").archive())
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with(
            "token may only act on assets matching `tool`, and `other` does not match"
        ),
        "{detail}"
    );
    let r = s
        .app
        .publish(Some(&token), &Asset::new("brand-new", "0.1.0").archive())
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("token may only act on assets matching `tool`"),
        "{detail}"
    );
    assert_eq!(
        s.app
            .scalar("SELECT COUNT(*) FROM assets WHERE name = 'brand-new'")
            .await,
        0
    );
    // Nor yank, nor change owners or rules.
    let r = s
        .app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/tool/1.0.0/yank",
            Some(&token),
            None,
        )
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("token lacks the `yank` scope"),
        "{detail}"
    );
    let r = s
        .app
        .send_json(
            Method::POST,
            "/api/v1/assets/tool/trusted-publishers",
            Some(&token),
            Some(&json!({"issuer": CI, "claims": {"repository": "mallory/*"}})),
        )
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("token lacks the `change-owners` scope"),
        "{detail}"
    );
}

#[tokio::test]
async fn minted_token_expires() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    // An exchange made two hours ago, with an identity token valid then.
    let then = SystemTime::now() - Duration::from_secs(2 * 3600);
    let then_secs = now_secs() - 2 * 3600;
    let jwt = ci.token(json!({"iat": then_secs, "nbf": then_secs, "exp": then_secs + 300}));
    let minted = osops_registry::trusted::exchange(&s.app.state, &jwt, then)
        .await
        .expect("exchange");
    assert_eq!(
        minted.expires_at,
        osops_registry::trusted::jwt::rfc3339(then_secs + 300)
    );
    let r = s
        .app
        .publish(Some(&minted.token), &Asset::new("tool", "1.1.0").archive())
        .await;
    let detail = r.problem(StatusCode::UNAUTHORIZED);
    assert!(detail.contains("expired"), "{detail}");
}

#[tokio::test]
async fn rules_api_is_for_owners() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    let bob = s.app.user("bob").await;
    let uri = "/api/v1/assets/tool/trusted-publishers";
    let body = json!({"issuer": CI, "claims": tool_rule()});

    let r = s.app.send_json(Method::GET, uri, None, None).await;
    r.problem(StatusCode::UNAUTHORIZED);
    for (method, body) in [(Method::GET, None), (Method::POST, Some(&body))] {
        let r = s.app.send_json(method, uri, Some(&bob), body).await;
        let detail = r.problem(StatusCode::FORBIDDEN);
        assert!(
            detail.starts_with("`bob` is not an owner of `tool` (owners: `jane`)"),
            "{detail}"
        );
    }
    let rule = s.add_rule("tool", CI, tool_rule()).await;
    let id = rule["id"].as_i64().expect("id");
    let r = s
        .app
        .send_json(Method::DELETE, &format!("{uri}/{id}"), Some(&bob), None)
        .await;
    r.problem(StatusCode::FORBIDDEN);

    // Listing takes any token of an owner; changing takes `change-owners`.
    let publish_only = s.app.scoped("jane", &[Scope::PublishUpdate]).await;
    let r = s
        .app
        .send_json(
            Method::DELETE,
            &format!("{uri}/{id}"),
            Some(&publish_only),
            None,
        )
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("token lacks the `change-owners` scope"),
        "{detail}"
    );
    let r = s
        .app
        .send_json(Method::GET, uri, Some(&publish_only), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = s.app.send_json(Method::GET, uri, Some(&s.jane), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list = r.json();
    assert_eq!(
        list["trusted_publishers"].as_array().expect("list").len(),
        1
    );
    let listed = &list["trusted_publishers"][0];
    assert_eq!(listed, &rule);
    assert!(
        listed["created_at"]
            .as_str()
            .expect("created_at")
            .ends_with('Z')
    );

    let r = s
        .app
        .send_json(Method::DELETE, &format!("{uri}/{id}"), Some(&s.jane), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"id": id, "removed": true}));
    let r = s
        .app
        .send_json(Method::DELETE, &format!("{uri}/{id}"), Some(&s.jane), None)
        .await;
    let detail = r.problem(StatusCode::NOT_FOUND);
    assert!(
        detail.contains(&format!("no trusted publisher `{id}`")),
        "{detail}"
    );
    let r = s.app.send_json(Method::GET, uri, Some(&s.jane), None).await;
    assert_eq!(r.json(), json!({"trusted_publishers": []}));

    // A removed rule lets nobody in any more.
    let detail = s.refused(&ci.token(json!({})), StatusCode::FORBIDDEN).await;
    assert!(detail.starts_with("no trusted publisher rule"), "{detail}");
}

#[tokio::test]
async fn rules_are_checked() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    let uri = "/api/v1/assets/tool/trusted-publishers";
    let post = |body: Value| {
        let app = &s.app;
        let jane = s.jane.clone();
        async move {
            app.send_json(Method::POST, uri, Some(&jane), Some(&body))
                .await
        }
    };
    let detail = post(json!({"issuer": "https://other.example.org", "claims": tool_rule()}))
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert_eq!(
        detail,
        format!(
            "issuer `https://other.example.org` is not trusted by this registry; it trusts `{CI}`"
        )
    );
    for (claims, expected) in [
        (json!({}), "at least one claim"),
        (json!({"repository": "*"}), "must pin at least one claim"),
        (
            json!({"aud": "osops"}),
            "claim `aud` cannot be part of a rule",
        ),
        (
            json!({"bad name": "x"}),
            "claim name `bad name` is not valid",
        ),
        (json!({"repository": ""}), "value of claim `repository`"),
    ] {
        let detail = post(json!({"issuer": CI, "claims": claims}))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert!(detail.contains(expected), "{detail}");
    }
    for body in [
        json!({"issuer": CI}),
        json!({"issuer": CI, "claims": {"repository": 1}}),
        json!({"issuer": CI, "claims": tool_rule(), "asset": "x"}),
    ] {
        post(body).await.problem(StatusCode::BAD_REQUEST);
    }
    s.add_rule("tool", CI, tool_rule()).await;
    let detail =
        post(json!({"issuer": CI, "claims": {"ref": "refs/tags/*", "repository": "org/tool"}}))
            .await
            .problem(StatusCode::CONFLICT);
    assert!(
        detail.contains("`tool` already has this trusted publisher rule (id "),
        "{detail}"
    );
    let r = s
        .app
        .send_json(
            Method::POST,
            "/api/v1/assets/nope/trusted-publishers",
            Some(&s.jane),
            Some(&json!({"issuer": CI, "claims": tool_rule()})),
        )
        .await;
    let detail = r.problem(StatusCode::NOT_FOUND);
    assert!(detail.starts_with("no asset `nope`"), "{detail}");
}

#[tokio::test]
async fn used_token_ids_are_forgotten_once_expired() {
    let ci = TestIssuer::new(CI, "key-1");
    let s = setup(&[&ci]).await;
    s.add_rule("tool", CI, tool_rule()).await;
    let then = SystemTime::now() - Duration::from_secs(3 * 3600);
    let then_secs = now_secs() - 3 * 3600;
    let old = ci.token(json!({"iat": then_secs, "nbf": then_secs, "exp": then_secs + 300}));
    osops_registry::trusted::exchange(&s.app.state, &old, then)
        .await
        .expect("exchange");
    assert_eq!(
        s.app
            .scalar("SELECT COUNT(*) FROM trusted_token_uses")
            .await,
        1
    );
    assert_eq!(
        s.exchange(&ci.token(json!({}))).await.status,
        StatusCode::OK
    );
    // The old id expired long ago: pruned by the next exchange.
    assert_eq!(
        s.app
            .scalar("SELECT COUNT(*) FROM trusted_token_uses")
            .await,
        1
    );
}
