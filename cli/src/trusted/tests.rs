use std::time::Duration;

use super::*;
use crate::client::{Settings, Silent};
use crate::test_server::{Reply, TestServer};

fn client(url: &str) -> Client {
    let settings = Settings {
        retries: 0,
        backoff: Duration::ZERO,
        ..Settings::default()
    };
    Client::new(url, None, settings).expect("client")
}

fn exchange_answer() -> Reply {
    Reply::json(
        200,
        &serde_json::json!({"token": "osops_minted", "expires_at": "2026-11-23T15:51:06Z",
                            "assets": ["nova-tools"]}),
    )
}

#[test]
fn osops_oidc_token_comes_first_and_is_exchanged_as_is() {
    let server = TestServer::start();
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![exchange_answer()],
    );
    let env = OidcEnv {
        oidc_token: Some(" gitlab.jwt.sig\n".into()),
        // GitHub's variables are there too, but OSOPS_OIDC_TOKEN wins: nothing asks GitHub.
        request_url: Some(format!("{}/_apis/idtoken?api-version=2.0", server.url)),
        request_token: Some("request-token".into()),
    };
    let (exchanged, source) =
        mint(&env, DEFAULT_AUDIENCE, &client(&server.url), &Silent).expect("minted");
    assert_eq!(source, Source::OsopsOidcToken);
    assert_eq!(exchanged.token, "osops_minted");
    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.request.as_str()).collect::<Vec<_>>(),
        ["POST /api/v1/trusted-publishing/exchange"]
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(body, serde_json::json!({"jwt": "gitlab.jwt.sig"}));
}

#[test]
fn github_actions_identity_tokens_are_fetched_then_exchanged() {
    let server = TestServer::start();
    server.route(
        "GET /_apis/idtoken?api-version=2.0&audience=registry.example.org",
        vec![Reply::json(
            200,
            &serde_json::json!({"value": "gh.jwt.sig"}),
        )],
    );
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![exchange_answer()],
    );
    let env = OidcEnv {
        oidc_token: None,
        request_url: Some(format!("{}/_apis/idtoken?api-version=2.0", server.url)),
        request_token: Some("request-token".into()),
    };
    let (exchanged, source) =
        mint(&env, "registry.example.org", &client(&server.url), &Silent).expect("minted");
    assert_eq!(source, Source::GithubActions);
    assert_eq!(exchanged.assets, ["nova-tools"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer request-token")
    );
    assert_eq!(seen[1].authorization, None);
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json");
    assert_eq!(body, serde_json::json!({"jwt": "gh.jwt.sig"}));
}

#[test]
fn without_an_identity_token_nothing_is_sent() {
    let server = TestServer::start();
    let cases = [
        (OidcEnv::default(), "none was found"),
        (
            OidcEnv {
                request_url: Some(format!("{}/x", server.url)),
                ..OidcEnv::default()
            },
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ),
        (
            OidcEnv {
                request_token: Some("t".into()),
                ..OidcEnv::default()
            },
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ),
    ];
    for (env, expected) in cases {
        let err =
            mint(&env, DEFAULT_AUDIENCE, &client(&server.url), &Silent).expect_err("no identity");
        assert!(err.to_string().contains(expected), "{err}");
        assert!(err.hint().is_some());
        assert_eq!(crate::exit::classify(&err.into()), crate::exit::Exit::Auth);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_refused_exchange_names_the_source_and_keeps_the_status() {
    let server = TestServer::start();
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![Reply::problem(
            403,
            "no trusted-publisher rule matches `repository=example/other`",
        )],
    );
    let env = OidcEnv {
        oidc_token: Some("jwt".into()),
        ..OidcEnv::default()
    };
    let err = mint(&env, DEFAULT_AUDIENCE, &client(&server.url), &Silent).expect_err("403");
    assert_eq!(
        err.to_string(),
        "the registry refused to exchange the identity token from OSOPS_OIDC_TOKEN"
    );
    assert!(
        err.hint()
            .is_some_and(|h| h.contains("trusted-publisher list"))
    );
    let err = anyhow::Error::new(err);
    assert!(
        format!("{err:#}").contains("no trusted-publisher rule matches"),
        "{err:#}"
    );
    assert_eq!(crate::exit::classify(&err), crate::exit::Exit::Auth);
}

#[test]
fn debug_output_hides_the_identity_tokens() {
    let env = OidcEnv {
        oidc_token: Some("secret.jwt".into()),
        request_url: Some("https://x/y".into()),
        request_token: Some("secret-request".into()),
    };
    let shown = format!("{env:?}");
    assert!(!shown.contains("secret"), "{shown}");
}
