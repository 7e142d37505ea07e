//! Tokens through the real router: each authentication refusal (malformed without a database
//! lookup, unknown, expired, revoked, disabled user), scopes and patterns, the token API, and
//! that the database never holds a token in plain text.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode, header};
use common::{Asset, TestApp, send};
use osops_registry::access::{Scope, Scopes};
use osops_registry::store::{
    AuditAction, AuditActor, NewToken, Revoked, StoreError, StoreFuture, TokenId, TokenInfo,
    TokenLookup, TokenStore, UserId,
};
use osops_registry::tokens::TokenSpec;
use serde_json::json;

/// A token store that counts every call and fails it: a request that reaches it gets a 500.
#[derive(Default)]
struct CountingFailingTokens {
    calls: AtomicUsize,
}

impl CountingFailingTokens {
    fn fail<'a, T: Send + 'a>(&'a self) -> StoreFuture<'a, T> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(StoreError::Database("the test store refuses".into())) })
    }
}

impl TokenStore for CountingFailingTokens {
    fn create_token<'a>(
        &'a self,
        _: &'a NewToken,
        _: AuditAction,
        _: &'a AuditActor,
    ) -> StoreFuture<'a, TokenInfo> {
        self.fail()
    }
    fn token_by_hash<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<TokenLookup>> {
        self.fail()
    }
    fn touch_token<'a>(&'a self, _: TokenId, _: &'a str) -> StoreFuture<'a, ()> {
        self.fail()
    }
    fn tokens<'a>(&'a self, _: UserId) -> StoreFuture<'a, Vec<TokenInfo>> {
        self.fail()
    }
    fn revoke_token<'a>(
        &'a self,
        _: TokenId,
        _: Option<UserId>,
        _: &'a AuditActor,
    ) -> StoreFuture<'a, Revoked> {
        self.fail()
    }
}

#[tokio::test]
async fn malformed_tokens_are_refused_without_a_database_lookup() {
    let app = TestApp::new().await;
    let counter = Arc::new(CountingFailingTokens::default());
    let mut state = app.state.clone();
    state.tokens = counter.clone();
    let router = osops_registry::router(state);

    let good = osops_registry::token::generate().expect("token");
    let random = &good[6..38];
    let cases = [
        ("wrong prefix", good.replacen("osops_", "ghp_xx", 1)),
        ("too short", good[..43].to_owned()),
        ("too long", format!("{good}A")),
        ("old format", format!("osops_{random}")),
        ("alphabet", format!("{}-{}", &good[..10], &good[11..])),
        // Same length and alphabet, one character changed: only the checksum can tell.
        (
            "checksum",
            format!(
                "osops_{}{}{}",
                if random.starts_with('a') { "b" } else { "a" },
                &random[1..],
                &good[38..]
            ),
        ),
    ];
    let archive = Asset::new("nova-tools", "1.0.0").archive();
    for (why, token) in &cases {
        let r = send(
            router.clone(),
            common::publish_request(Some(token), archive.clone()),
        )
        .await;
        let detail = r.problem(StatusCode::UNAUTHORIZED);
        assert!(detail.starts_with("malformed token: "), "{why}: {detail}");
        assert!(
            !detail.contains(random),
            "{why}: the detail never quotes the token"
        );
        assert_eq!(
            r.header(header::WWW_AUTHENTICATE),
            Some("Bearer realm=\"osops\"")
        );
        let r = send(
            router.clone(),
            axum::http::Request::get("/api/v1/tokens")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
        assert!(
            r.problem(StatusCode::UNAUTHORIZED)
                .starts_with("malformed token: ")
        );
    }
    assert_eq!(
        counter.calls.load(Ordering::SeqCst),
        0,
        "no malformed token reached the store"
    );
    // A well-formed token does reach it (so the count above means something).
    let r = send(router, common::publish_request(Some(&good), archive)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(counter.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let app = TestApp::new().await;
    app.user("jane").await;
    let never_issued = osops_registry::token::generate().expect("token");
    let r = app
        .publish(
            Some(&never_issued),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert!(
        r.problem(StatusCode::UNAUTHORIZED)
            .starts_with("unknown token")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
}

#[tokio::test]
async fn an_expired_token_is_401_naming_when_it_expired() {
    let app = TestApp::new().await;
    app.user("jane").await;
    let expired_at = SystemTime::now() - Duration::from_secs(86_400);
    let token = app
        .mint(
            "jane",
            TokenSpec {
                name: "old".into(),
                scopes: Scopes::all(),
                patterns: vec![],
                expires_at: Some(expired_at),
                trusted_publisher: None,
            },
        )
        .await;
    let r = app
        .publish(Some(&token), &Asset::new("nova-tools", "1.0.0").archive())
        .await;
    let detail = r.problem(StatusCode::UNAUTHORIZED);
    let when = osops_registry::tokens::rfc3339(expired_at);
    assert!(
        detail.starts_with(&format!("token expired on {when}")),
        "{detail}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
}

#[tokio::test]
async fn a_revoked_token_is_401() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let ci = create(
        &app,
        &jane,
        &json!({"name": "ci", "scopes": ["publish-new"]}),
    )
    .await;
    let ci_token = ci["token"].as_str().expect("token").to_owned();
    let id = ci["id"].as_i64().expect("id");
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"id": id, "revoked": true}));
    let r = app
        .publish(
            Some(&ci_token),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert!(
        r.problem(StatusCode::UNAUTHORIZED)
            .starts_with("token was revoked on "),
        "{}",
        r.text()
    );
    // Revoking again changes nothing and still answers 200.
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'token-revoke'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_disabled_users_tokens_are_403() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    app.state
        .users
        .set_disabled("jane", true, &AuditActor::admin())
        .await
        .expect("disable");
    let r = app
        .publish(Some(&jane), &Asset::new("nova-tools", "1.0.0").archive())
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("user `jane` is disabled"),
        "{}",
        r.text()
    );
    let r = app
        .send_json(Method::GET, "/api/v1/tokens", Some(&jane), None)
        .await;
    r.problem(StatusCode::FORBIDDEN);
    app.state
        .users
        .set_disabled("jane", false, &AuditActor::admin())
        .await
        .expect("enable");
    let r = app
        .publish(Some(&jane), &Asset::new("nova-tools", "1.0.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn each_action_needs_its_scope() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let only_update = app.scoped("jane", &[Scope::PublishUpdate]).await;
    let only_new = app.scoped("jane", &[Scope::PublishNew]).await;
    let only_needs = app.scoped("jane", &[Scope::Needs]).await;
    let no_needs = app
        .scoped(
            "jane",
            &[Scope::PublishNew, Scope::PublishUpdate, Scope::Yank],
        )
        .await;

    // A new name needs `publish-new`.
    let r = app
        .publish(
            Some(&only_update),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `publish-new` scope (its scopes: `publish-update`)"),
        "{}",
        r.text()
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
    // A token that can publish nothing is refused before its body is read.
    let r = app
        .publish(
            Some(&only_needs),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `publish-update` scope"),
    );
    let created = app
        .publish(
            Some(&only_new),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    // A new version needs `publish-update`...
    let r = app
        .publish(
            Some(&only_new),
            &Asset::new("nova-tools", "1.1.0").archive(),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `publish-update` scope (its scopes: `publish-new`)"),
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
    // ... but an identical retry of the first publish changes nothing and is accepted.
    let retry = app
        .publish(
            Some(&only_new),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK);
    let r = app
        .publish(
            Some(&only_update),
            &Asset::new("nova-tools", "1.1.0").archive(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // Yank needs `yank`.
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-tools/1.1.0/yank",
            Some(&only_update),
            None,
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `yank` scope")
    );
    // Owner changes need `change-owners`.
    app.user("bob").await;
    let r = app
        .send_json(
            Method::PUT,
            "/api/v1/assets/nova-tools/owners",
            Some(&no_needs),
            Some(&json!({"owners": ["bob"]})),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `change-owners` scope")
    );
    // Needs need `needs`.
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/needs",
            Some(&no_needs),
            Some(&common::need_json("drain-host", "Drain a host")),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token lacks the `needs` scope")
    );
    app.create_need(&jane, "drain-host").await;
    let r = app
        .send_json(
            Method::PUT,
            "/api/v1/needs/drain-host/vote",
            Some(&no_needs),
            None,
        )
        .await;
    r.problem(StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM versions WHERE yanked")
            .await,
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM asset_owners").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM need_votes").await, 0);
}

#[tokio::test]
async fn a_token_for_nova_star_cannot_publish_glance_x() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let nova = app.token("jane", Scopes::all(), &["nova-*"]).await;
    let r = app
        .publish(Some(&nova), &Asset::new("glance-x", "1.0.0").archive())
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN).starts_with(
            "token may only act on assets matching `nova-*`, and `glance-x` does not match"
        ),
        "{}",
        r.text()
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
    assert!(app.blob_files().await.is_empty());
    let r = app
        .publish(Some(&nova), &Asset::new("nova-x", "1.0.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Nor yank or change the owners of it once it exists.
    let r = app
        .publish(Some(&jane), &Asset::new("glance-x", "1.0.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/glance-x/1.0.0/yank",
            Some(&nova),
            None,
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("token may only act on assets matching `nova-*`")
    );
    let r = app
        .send_json(
            Method::GET,
            "/api/v1/assets/glance-x/audit",
            Some(&nova),
            None,
        )
        .await;
    r.problem(StatusCode::FORBIDDEN);
}

/// `POST /api/v1/tokens` with `token`, checked to be a 201.
async fn create(app: &TestApp, token: &str, body: &serde_json::Value) -> serde_json::Value {
    let r = app
        .send_json(Method::POST, "/api/v1/tokens", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn list(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let r = app
        .send_json(Method::GET, "/api/v1/tokens", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["tokens"].as_array().expect("tokens").clone()
}

#[tokio::test]
async fn create_list_and_revoke_own_tokens() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    let created = create(
        &app,
        &jane,
        &json!({"name": "ci", "scopes": ["publish-update", "yank"], "patterns": ["Nova_*"],
                "expires_in_days": 30}),
    )
    .await;
    let secret = created["token"].as_str().expect("token").to_owned();
    osops_registry::token::check(&secret).expect("well formed");
    assert_eq!(created["name"], "ci");
    assert_eq!(created["scopes"], json!(["publish-update", "yank"]));
    assert_eq!(created["patterns"], json!(["nova-*"]), "folded like names");
    let expires = created["expires_at"].as_str().expect("expires_at");
    let in_30_days = osops_registry::tokens::rfc3339(osops_registry::tokens::days_from_now(30));
    assert!(
        expires <= in_30_days.as_str()
            && expires > osops_registry::tokens::rfc3339(SystemTime::now()).as_str(),
        "{expires}"
    );
    let id = created["id"].as_i64().expect("id");

    // Listing: only the caller's tokens, never a secret or a hash; `last_used_at` once used.
    let tokens = list(&app, &jane).await;
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let ci = tokens
        .iter()
        .find(|t| t["id"] == id)
        .expect("the new token");
    assert_eq!(ci["last_used_at"], serde_json::Value::Null);
    assert_eq!(ci["revoked"], false);
    assert_eq!(ci["trusted_publisher"], serde_json::Value::Null);
    let mut keys: Vec<&String> = ci.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "expires_at",
            "id",
            "last_used_at",
            "name",
            "patterns",
            "revoked",
            "scopes",
            "trusted_publisher"
        ]
    );
    let listing = serde_json::to_string(&tokens).expect("json");
    assert!(!listing.contains(&secret) && !listing.contains(&secret[6..38]));
    assert!(!listing.contains(&osops_registry::token::hash(&secret)));
    let bobs = list(&app, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert!(bobs.iter().all(|t| t["id"] != id));

    // Using the token sets its `last_used_at`.
    let r = app
        .publish(Some(&jane), &Asset::new("nova-tools", "1.0.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .publish(Some(&secret), &Asset::new("nova-tools", "1.1.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let tokens = list(&app, &jane).await;
    let ci = tokens
        .iter()
        .find(|t| t["id"] == id)
        .expect("the new token");
    assert!(ci["last_used_at"].is_string(), "{ci}");

    // Bob cannot revoke Jane's token: to him it does not exist.
    for path in [format!("/api/v1/tokens/{id}"), "/api/v1/tokens/x".into()] {
        let r = app.send_json(Method::DELETE, &path, Some(&bob), None).await;
        r.problem(StatusCode::NOT_FOUND);
    }
    // A token may revoke itself.
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let tokens = list(&app, &jane).await;
    let ci = tokens.iter().find(|t| t["id"] == id).expect("still listed");
    assert_eq!(ci["revoked"], true);
}

#[tokio::test]
async fn a_token_cannot_create_a_wider_token() {
    let app = TestApp::new().await;
    app.user("jane").await;
    let narrow = app
        .token(
            "jane",
            [Scope::PublishUpdate, Scope::Yank].into_iter().collect(),
            &["nova-*"],
        )
        .await;
    let refusals = [
        (
            json!({"name": "x", "scopes": ["publish-new"], "patterns": ["nova-*"]}),
            "token lacks the `publish-new` scope, so it cannot create a token with it",
        ),
        (
            json!({"name": "x", "scopes": ["yank"]}),
            "token may only act on assets matching `nova-*`, so the new token needs patterns within them",
        ),
        (
            json!({"name": "x", "scopes": ["yank"], "patterns": ["nova*"]}),
            "token may only act on assets matching `nova-*`, and pattern `nova*` is wider",
        ),
        (
            json!({"name": "x", "scopes": ["yank"], "patterns": ["*"]}),
            "pattern `*` is wider",
        ),
    ];
    for (body, expected) in refusals {
        let r = app
            .send_json(Method::POST, "/api/v1/tokens", Some(&narrow), Some(&body))
            .await;
        let detail = r.problem(StatusCode::FORBIDDEN);
        assert!(detail.contains(expected), "{body}: {detail}");
    }
    // Narrower is fine.
    let ok = create(
        &app,
        &narrow,
        &json!({"name": "x", "scopes": ["yank"], "patterns": ["nova-compute-*", "nova-x"]}),
    )
    .await;
    assert_eq!(ok["patterns"], json!(["nova-compute-*", "nova-x"]));

    // Never outliving the token that makes it: an explicit ask is refused, the default shortened.
    let short = app
        .mint(
            "jane",
            TokenSpec {
                name: "short".into(),
                scopes: Scopes::all(),
                patterns: vec![],
                expires_at: Some(osops_registry::tokens::days_from_now(10)),
                trusted_publisher: None,
            },
        )
        .await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            Some(&short),
            Some(&json!({"name": "x", "scopes": ["yank"], "expires_in_days": 20})),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .starts_with("the new token would outlive this token, which expires on ")
    );
    let shortened = create(&app, &short, &json!({"name": "x", "scopes": ["yank"]})).await;
    let limit = osops_registry::tokens::rfc3339(osops_registry::tokens::days_from_now(10));
    assert!(
        shortened["expires_at"].as_str().expect("expires") <= limit.as_str(),
        "{shortened}"
    );

    // Tokens minted by trusted publishing make no tokens.
    let minted = app
        .mint(
            "jane",
            TokenSpec {
                name: "tp".into(),
                scopes: [Scope::PublishUpdate].into_iter().collect(),
                patterns: vec![osops_registry::access::Pattern::parse("nova-x").expect("p")],
                expires_at: Some(SystemTime::now() + Duration::from_secs(1800)),
                trusted_publisher: Some(
                    "https://token.actions.githubusercontent.com repo:org/nova-x".into(),
                ),
            },
        )
        .await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            Some(&minted),
            Some(&json!({"name": "x", "scopes": ["publish-update"], "patterns": ["nova-x"]})),
        )
        .await;
    assert!(
        r.problem(StatusCode::FORBIDDEN)
            .contains("trusted publishing cannot create tokens")
    );
    let tokens = list(&app, &minted).await;
    assert!(
        tokens.iter().any(|t| t["trusted_publisher"]
            == "https://token.actions.githubusercontent.com repo:org/nova-x"),
        "{tokens:?}"
    );
}

#[tokio::test]
async fn bad_token_requests_are_400() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    for (body, expected) in [
        (
            json!({"name": "x", "scopes": []}),
            "`scopes` must name at least one scope",
        ),
        (
            json!({"name": "x", "scopes": ["publish"]}),
            "unknown scope `publish`",
        ),
        (
            json!({"name": "x", "scopes": ["yank"], "patterns": ["nova/*"]}),
            "pattern `nova/*`",
        ),
        (
            json!({"name": "x", "scopes": ["yank"], "expires_in_days": 0}),
            "1 to 365 days, not 0",
        ),
        (
            json!({"name": "x", "scopes": ["yank"], "expires_in_days": 366}),
            "1 to 365 days, not 366",
        ),
        (json!({"name": "", "scopes": ["yank"]}), "token name ``"),
        (
            json!({"name": "x", "scopes": ["yank"], "no_expiry": true}),
            "unknown field `no_expiry`",
        ),
        (json!({"scopes": ["yank"]}), "missing field `name`"),
    ] {
        let r = app
            .send_json(Method::POST, "/api/v1/tokens", Some(&jane), Some(&body))
            .await;
        let detail = r.problem(StatusCode::BAD_REQUEST);
        assert!(detail.contains(expected), "{body}: {detail}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tokens").await, 1);
}

#[tokio::test]
async fn the_database_holds_no_token_in_plain_text() {
    let app = TestApp::new().await;
    let mut secrets = vec![app.user("jane").await, app.user("bob").await];
    secrets.push(
        create(
            &app,
            &secrets[0],
            &json!({"name": "ci", "scopes": ["yank"]}),
        )
        .await["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    );
    let r = app
        .publish(
            Some(&secrets[0]),
            &Asset::new("nova-tools", "1.0.0").archive(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // Every column of every table.
    let dump = app.dump().await;
    let tables: std::collections::BTreeSet<&str> =
        dump.iter().map(|(t, _, _)| t.as_str()).collect();
    assert!(tables.contains("tokens") && tables.contains("audit_events"));
    let mut cells = 0;
    for (table, column, value) in &dump {
        cells += 1;
        for secret in &secrets {
            let random = &secret.as_bytes()[6..38];
            assert!(
                !value.windows(random.len()).any(|w| w == random),
                "{table}.{column} holds a token"
            );
        }
    }
    assert!(cells > 50, "the dump read the database ({cells} cells)");
    // And the files themselves (WAL included).
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", app.data.database().display());
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for secret in &secrets {
            let random = &secret.as_bytes()[6..38];
            assert!(
                !bytes.windows(random.len()).any(|w| w == random),
                "{path} holds a token"
            );
        }
    }
    // The hashes are there: the dump would have seen a token.
    let hash = osops_registry::token::hash(&secrets[0]);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM tokens WHERE sha256 = '{hash}'"
        ))
        .await,
        1
    );
}
