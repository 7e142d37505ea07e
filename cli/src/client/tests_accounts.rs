//! The requests of issue 4's calls (method, path, bearer, body), and publish's retry rules.

use std::time::Duration;

use super::*;
use crate::test_server::{Reply, Seen, TestServer};

fn fast() -> Settings {
    Settings {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(20),
        retries: 2,
        backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    }
}

fn name(n: &str) -> AssetName {
    AssetName::parse(n).expect("name")
}

fn json_body(seen: &Seen) -> serde_json::Value {
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/json"),
        "{}",
        seen.request
    );
    serde_json::from_slice(&seen.body).expect("a JSON body")
}

fn with_header(reply: Reply, key: &str, value: &str) -> Reply {
    match reply {
        Reply::Http {
            status,
            mut headers,
            body,
        } => {
            headers.push((key.into(), value.into()));
            Reply::Http {
                status,
                headers,
                body,
            }
        }
        other => other,
    }
}

// --- Tokens ---

#[test]
fn create_token_posts_name_scopes_patterns_and_expiry_with_the_bearer() {
    let server = TestServer::start();
    let answer = serde_json::json!({"id": 7, "name": "ci-nova", "token": "osops_minted",
        "scopes": ["publish-update"], "patterns": ["nova-*"], "expires_at": "2027-02-21T10:00:00Z"});
    server.route("POST /api/v1/tokens", vec![Reply::json(201, &answer)]);
    let client = Client::new(&server.url, Some("osops_parent".into()), fast()).expect("client");
    let new = NewToken {
        name: "ci-nova".into(),
        scopes: vec!["publish-update".into()],
        patterns: Some(vec!["nova-*".into()]),
        expires_in_days: Some(30),
    };
    let created = client.create_token(&new).expect("created");
    assert_eq!(created.token, "osops_minted");
    assert_eq!(created.id, 7);
    assert_eq!(created.raw, answer);
    let shown = format!("{created:?}");
    assert!(!shown.contains("osops_minted"), "Debug hides it: {shown}");

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request, "POST /api/v1/tokens");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer osops_parent")
    );
    assert_eq!(
        json_body(&seen[0]),
        serde_json::json!({"name": "ci-nova", "scopes": ["publish-update"],
                           "patterns": ["nova-*"], "expires_in_days": 30})
    );

    // Optional fields are left out, not sent as null.
    let bare = NewToken {
        name: "laptop".into(),
        scopes: vec!["yank".into()],
        patterns: None,
        expires_in_days: None,
    };
    client.create_token(&bare).expect("created");
    assert_eq!(
        json_body(&server.seen()[1]),
        serde_json::json!({"name": "laptop", "scopes": ["yank"]})
    );
}

#[test]
fn a_garbled_create_answer_is_reported_without_quoting_it() {
    let server = TestServer::start();
    server.route(
        "POST /api/v1/tokens",
        vec![Reply::json(
            201,
            &serde_json::json!({"id": "osops_leaky", "token": 3}),
        )],
    );
    let client = Client::new(&server.url, Some("osops_parent".into()), fast()).expect("client");
    let new = NewToken {
        name: "x".into(),
        scopes: vec!["yank".into()],
        patterns: None,
        expires_in_days: None,
    };
    let err = client.create_token(&new).expect_err("garbled");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(!err.to_string().contains("leaky"), "{err}");
}

#[test]
fn list_tokens_gets_with_the_bearer_and_revoke_deletes_by_id() {
    let server = TestServer::start();
    let answer = serde_json::json!({"tokens": [{"id": 7, "name": "ci", "scopes": ["yank"],
        "patterns": null, "created_at": "2026-11-23T15:21:06Z", "expires_at": null,
        "last_used_at": null, "revoked": false, "trusted_publisher": null}]});
    server.route("GET /api/v1/tokens", vec![Reply::json(200, &answer)]);
    server.route(
        "DELETE /api/v1/tokens/7",
        vec![Reply::json(
            200,
            &serde_json::json!({"id": 7, "revoked": true}),
        )],
    );
    let client = Client::new(&server.url, Some("osops_me".into()), fast()).expect("client");
    let list = client.list_tokens(&Silent).expect("list");
    assert_eq!(list.tokens.len(), 1);
    assert_eq!(list.tokens[0].expires_at, None);
    assert_eq!(list.raw, answer);
    client.revoke_token(7).expect("revoked");
    let err = client.revoke_token(8).expect_err("not mine");
    assert!(err.is_not_found());
    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.request.as_str()).collect::<Vec<_>>(),
        [
            "GET /api/v1/tokens",
            "DELETE /api/v1/tokens/7",
            "DELETE /api/v1/tokens/8",
            "GET /index/config.json",
        ],
        "a refused write asks whether the registry is a mirror"
    );
    assert!(
        seen[..3]
            .iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_me"))
    );
    assert_eq!(
        seen[3].authorization, None,
        "the token goes only to the API"
    );
}

// --- Owners and yank reasons ---

#[test]
fn owners_are_listed_added_and_removed_with_a_json_list() {
    let server = TestServer::start();
    let owners = serde_json::json!({"owners": [{"kind": "user", "name": "jane"},
                                               {"kind": "team", "name": "nova-core"}]});
    server.route(
        "GET /api/v1/assets/nova-tools/owners",
        vec![Reply::json(200, &owners)],
    );
    server.route(
        "PUT /api/v1/assets/nova-tools/owners",
        vec![Reply::json(200, &owners)],
    );
    server.route(
        "DELETE /api/v1/assets/nova-tools/owners",
        vec![Reply::problem(
            409,
            "`jane` is the last owner of `nova-tools`",
        )],
    );
    let client = Client::new(&server.url, Some("osops_o".into()), fast()).expect("client");
    let list = client.owners(&name("nova-tools"), &Silent).expect("list");
    let shown: Vec<String> = list.owners.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["jane", "team:nova-core"]);

    let added = client
        .add_owners(&name("nova-tools"), &["team:nova-core".into()])
        .expect("added")
        .expect("an answer");
    assert_eq!(added.owners.len(), 2);
    let err = client
        .remove_owners(&name("nova-tools"), &["jane".into()])
        .expect_err("last owner");
    assert_eq!(err.status(), Some(409));

    let seen = server.seen();
    assert_eq!(seen[0].authorization, None, "listing owners is public");
    assert_eq!(seen[1].request, "PUT /api/v1/assets/nova-tools/owners");
    assert_eq!(seen[1].authorization.as_deref(), Some("Bearer osops_o"));
    assert_eq!(
        json_body(&seen[1]),
        serde_json::json!({"owners": ["team:nova-core"]})
    );
    assert_eq!(seen[2].request, "DELETE /api/v1/assets/nova-tools/owners");
    assert_eq!(seen[2].authorization.as_deref(), Some("Bearer osops_o"));
    assert_eq!(json_body(&seen[2]), serde_json::json!({"owners": ["jane"]}));
}

#[test]
fn a_yank_reason_is_the_json_body_of_the_delete() {
    let server = TestServer::start();
    server.route(
        "DELETE /api/v1/assets/nova-tools/1.0.0/yank",
        vec![Reply::json(
            200,
            &serde_json::json!({"name": "nova-tools", "version": "1.0.0", "yanked": true}),
        )],
    );
    let client = Client::new(&server.url, Some("osops_y".into()), fast()).expect("client");
    let version = semver::Version::new(1, 0, 0);
    client
        .yank(
            &name("nova-tools"),
            &version,
            Some("deletes the wrong ports"),
        )
        .expect("yank");
    client
        .yank(&name("nova-tools"), &version, None)
        .expect("yank");
    let seen = server.seen();
    assert_eq!(
        json_body(&seen[0]),
        serde_json::json!({"reason": "deletes the wrong ports"})
    );
    assert!(seen[1].body.is_empty(), "no reason, no body");
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_y"))
    );
}

// --- Trusted publishing ---

#[test]
fn trusted_publishers_are_listed_added_and_removed() {
    let server = TestServer::start();
    let rule = serde_json::json!({"id": 3, "issuer": "https://gitlab.com",
        "claims": {"project_path": "ops/nova-tools", "ref_type": "tag"},
        "created_at": "2026-11-23T15:21:06Z", "created_by": "jane"});
    server.route(
        "GET /api/v1/assets/nova-tools/trusted-publishers",
        vec![Reply::json(
            200,
            &serde_json::json!({"trusted_publishers": [rule.clone()]}),
        )],
    );
    server.route(
        "POST /api/v1/assets/nova-tools/trusted-publishers",
        vec![Reply::json(201, &rule)],
    );
    server.route(
        "DELETE /api/v1/assets/nova-tools/trusted-publishers/3",
        vec![Reply::json(200, &serde_json::json!({"id": 3}))],
    );
    let client = Client::new(&server.url, Some("osops_t".into()), fast()).expect("client");
    let list = client
        .trusted_publishers(&name("nova-tools"), &Silent)
        .expect("list");
    assert_eq!(list.trusted_publishers[0].id.to_string(), "3");
    assert_eq!(list.trusted_publishers[0].claims["ref_type"], "tag");

    let claims: Claims = [
        ("project_path".to_owned(), "ops/nova-tools".to_owned()),
        ("ref_type".to_owned(), "tag".to_owned()),
    ]
    .into();
    let (added, raw) = client
        .add_trusted_publisher(&name("nova-tools"), "https://gitlab.com", &claims)
        .expect("added");
    assert_eq!(added.expect("decoded").issuer, "https://gitlab.com");
    assert_eq!(raw, rule);
    client
        .remove_trusted_publisher(&name("nova-tools"), "3")
        .expect("removed");

    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.request.as_str()).collect::<Vec<_>>(),
        [
            "GET /api/v1/assets/nova-tools/trusted-publishers",
            "POST /api/v1/assets/nova-tools/trusted-publishers",
            "DELETE /api/v1/assets/nova-tools/trusted-publishers/3",
        ]
    );
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_t"))
    );
    assert_eq!(
        json_body(&seen[1]),
        serde_json::json!({"issuer": "https://gitlab.com",
                           "claims": {"project_path": "ops/nova-tools", "ref_type": "tag"}})
    );
}

#[test]
fn the_exchange_posts_the_jwt_without_a_bearer_token() {
    let server = TestServer::start();
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![Reply::json(
            200,
            &serde_json::json!({"token": "osops_short", "expires_at": "2026-11-23T15:51:06Z",
                                "assets": ["nova-tools"]}),
        )],
    );
    // Even a client that has a token does not send it: the identity token is the credential.
    let client = Client::new(&server.url, Some("osops_long".into()), fast()).expect("client");
    let exchanged = client.exchange("header.claims.sig").expect("exchanged");
    assert_eq!(exchanged.token, "osops_short");
    assert_eq!(exchanged.assets, ["nova-tools"]);
    assert!(!format!("{exchanged:?}").contains("osops_short"));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization, None);
    assert_eq!(
        json_body(&seen[0]),
        serde_json::json!({"jwt": "header.claims.sig"})
    );

    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![Reply::problem(
            401,
            "identity token was already used (`jti`)",
        )],
    );
    let err = client.exchange("header.claims.sig").expect_err("replayed");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        server.count("POST /api/v1/trusted-publishing/exchange"),
        2,
        "an exchange is never retried"
    );
}

#[test]
fn github_actions_identity_tokens_are_requested_for_the_audience() {
    let server = TestServer::start();
    server.route(
        "GET /_apis/idtoken?api-version=2.0&audience=osops",
        vec![Reply::json(
            200,
            &serde_json::json!({"count": 1, "value": "gh.jwt.sig"}),
        )],
    );
    let client = Client::new("http://unused.invalid", None, fast()).expect("client");
    let url = format!("{}/_apis/idtoken?api-version=2.0", server.url);
    let jwt = client
        .github_id_token(&url, "request-token", "osops", &Silent)
        .expect("jwt");
    assert_eq!(jwt, "gh.jwt.sig");
    let seen = server.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer request-token")
    );
}

// --- Publish: dry run and retries ---

fn published(dry_run: bool) -> serde_json::Value {
    serde_json::json!({"name": "nova-tools", "version": "1.0.0", "cksum": "ab", "new": true,
                       "dry_run": dry_run})
}

#[test]
fn a_dry_run_puts_the_archive_with_dry_run_true() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets?dry_run=true",
        vec![Reply::json(200, &published(true))],
    );
    let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
    let answer = client.publish(b"archive", true, &Silent).expect("checked");
    assert!(answer.dry_run && answer.new);
    let seen = server.seen();
    assert_eq!(seen[0].request, "PUT /api/v1/assets?dry_run=true");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer osops_p"));
    assert_eq!(
        seen[0].content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(seen[0].body, b"archive");
}

#[test]
fn a_publish_with_no_answer_is_sent_again_with_the_same_bytes() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets",
        vec![Reply::Close, Reply::json(201, &published(false))],
    );
    let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
    client
        .publish(b"archive", false, &Silent)
        .expect("second try");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.body == b"archive"));
}

#[test]
fn a_rate_limited_publish_waits_for_retry_after_then_retries() {
    let server = TestServer::start();
    let limited = with_header(
        Reply::problem(429, "too many new versions; retry in 0s"),
        "Retry-After",
        "0",
    );
    server.route(
        "PUT /api/v1/assets",
        vec![limited, Reply::json(201, &published(false))],
    );
    let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
    client.publish(b"archive", false, &Silent).expect("retried");
    assert_eq!(server.count("PUT /api/v1/assets"), 2);
}

#[test]
fn a_long_retry_after_is_not_waited_for_and_is_reported() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets",
        vec![with_header(
            Reply::problem(429, "at most 30 new versions an hour"),
            "Retry-After",
            "3600",
        )],
    );
    let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
    let err = client
        .publish(b"archive", false, &Silent)
        .expect_err("limited");
    assert_eq!(server.count("PUT /api/v1/assets"), 1, "no waiting an hour");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(
        err.hint().is_some_and(|h| h.contains("retry after 3600s")),
        "{:?}",
        err.hint()
    );
}

#[test]
fn retries_of_a_publish_stop_at_http_retries() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets",
        vec![with_header(
            Reply::problem(429, "slow down"),
            "Retry-After",
            "0",
        )],
    );
    let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
    let err = client
        .publish(b"archive", false, &Silent)
        .expect_err("limited");
    assert_eq!(server.count("PUT /api/v1/assets"), 3, "1 try + 2 retries");
    assert!(matches!(err, Error::GaveUp { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status(), Some(429));

    let once = Settings {
        retries: 0,
        ..fast()
    };
    let client = Client::new(&server.url, Some("osops_p".into()), once).expect("client");
    client
        .publish(b"archive", false, &Silent)
        .expect_err("limited");
    assert_eq!(server.count("PUT /api/v1/assets"), 4, "--http-retries 0");
}

#[test]
fn other_failed_publishes_are_not_retried() {
    for status in [400, 401, 403, 409, 500, 503] {
        let server = TestServer::start();
        server.route(
            "PUT /api/v1/assets",
            vec![Reply::problem(status, "refused")],
        );
        let client = Client::new(&server.url, Some("osops_p".into()), fast()).expect("client");
        let err = client
            .publish(b"archive", false, &Silent)
            .expect_err("refused");
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.count("PUT /api/v1/assets"), 1, "{status}");
    }
}

#[test]
fn account_writes_without_a_token_send_nothing() {
    let server = TestServer::start();
    let client = Client::new(&server.url, None, fast()).expect("client");
    let new = NewToken {
        name: "x".into(),
        scopes: vec!["yank".into()],
        patterns: None,
        expires_in_days: None,
    };
    let errors = [
        client.create_token(&new).map(drop),
        client.list_tokens(&Silent).map(drop),
        client.revoke_token(1),
        client
            .add_owners(&name("nova-tools"), &["bob".into()])
            .map(drop),
        client
            .remove_owners(&name("nova-tools"), &["bob".into()])
            .map(drop),
        client
            .add_trusted_publisher(&name("nova-tools"), "https://x", &Claims::new())
            .map(drop),
        client.remove_trusted_publisher(&name("nova-tools"), "1"),
        client.publish(b"archive", true, &Silent).map(drop),
    ];
    for result in errors {
        let err = result.expect_err("no token");
        assert!(matches!(err, Error::NoToken { .. }), "{err:?}");
    }
    assert!(server.requests().is_empty());
}
