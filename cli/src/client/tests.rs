//! The client against a misbehaving server (SECURITY-TESTS 26): retries bounded, then closed.

use std::time::Duration;

use super::*;
use crate::test_server::{Reply, TestServer};

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

fn config_json() -> serde_json::Value {
    serde_json::json!({"dl": "http://x/api/v1/assets/{name}/{version}/download", "api": "http://x", "v": 1})
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times_then_fail() {
    let server = TestServer::start();
    server.route(
        "GET /index/config.json",
        vec![Reply::problem(
            503,
            "internal error; see the registry's log",
        )],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = client.index_config(&Silent).expect_err("must fail");
    assert_eq!(
        server.count("GET /index/config.json"),
        3,
        "1 try + 2 retries"
    );
    assert!(matches!(&err, Error::GaveUp { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status(), Some(503));
    let chain = format!(
        "{err} / {}",
        std::error::Error::source(&err)
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    assert!(
        chain.contains("internal error; see the registry's log"),
        "{chain}"
    );
}

#[test]
fn a_retry_that_succeeds_returns_the_answer() {
    let server = TestServer::start();
    server.route(
        "GET /index/config.json",
        vec![
            Reply::problem(500, "boom"),
            Reply::Close,
            Reply::json(200, &config_json()),
        ],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let config = client.index_config(&Silent).expect("third try answers");
    assert_eq!(config.v, 1);
    assert_eq!(server.count("GET /index/config.json"), 3);
}

#[test]
fn client_errors_are_not_retried_and_carry_the_detail() {
    let server = TestServer::start();
    server.route(
        "GET /api/v1/assets/nova-tools",
        vec![Reply::problem(404, "no asset `nova-tools`")],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let name = osops_index::AssetName::parse("nova-tools").expect("name");
    let err = client.asset(&name, &Silent).expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "the registry answered 404: no asset `nova-tools`"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn missing_index_file_means_no_such_asset() {
    let server = TestServer::start();
    let client = Client::new(&server.url, None, fast()).expect("client");
    let name = osops_index::AssetName::parse("nova-tools").expect("name");
    assert_eq!(
        client
            .index_entries(&name, &Silent)
            .expect("404 is not an error"),
        None
    );
    let path = format!("GET /index/{}", osops_index::index_path(&name));
    assert_eq!(server.requests(), [path]);
}

#[test]
fn publish_is_sent_once_with_the_bearer_token() {
    let server = TestServer::start();
    server.route("PUT /api/v1/assets", vec![Reply::problem(503, "down")]);
    let client = Client::new(&server.url, Some("osops_secret".into()), fast()).expect("client");
    let err = client.publish(b"bytes".to_vec()).expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        server.count("PUT /api/v1/assets"),
        1,
        "a publish is never retried"
    );
}

#[test]
fn publish_without_a_token_sends_nothing() {
    let server = TestServer::start();
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = client.publish(b"bytes".to_vec()).expect_err("no token");
    assert!(matches!(err, Error::NoToken));
    assert!(err.hint().is_some_and(|h| h.contains("OSOPS_TOKEN")));
    assert!(server.requests().is_empty());
}

#[test]
fn publish_answers_decode_new_and_raw() {
    let server = TestServer::start();
    let answer =
        serde_json::json!({"name": "nova-tools", "version": "1.0.0", "cksum": "ab", "new": false});
    server.route("PUT /api/v1/assets", vec![Reply::json(200, &answer)]);
    let client = Client::new(&server.url, Some("osops_t".into()), fast()).expect("client");
    let published = client.publish(b"bytes".to_vec()).expect("200");
    assert!(!published.new);
    assert_eq!(published.raw, answer);
}

#[test]
fn downloads_stop_at_the_size_limit() {
    let server = TestServer::start();
    server.route("GET /big", vec![Reply::ok(vec![b'x'; 100])]);
    let client = Client::new(&server.url, None, fast()).expect("client");
    let mut file = tempfile::tempfile().expect("tempfile");
    let err = client
        .download(
            &format!("{}/big", server.url),
            "big",
            &mut file,
            10,
            &Silent,
        )
        .expect_err("too big");
    assert!(matches!(err, Error::TooLarge { limit: 10, .. }), "{err:?}");
    assert_eq!(
        server.count("GET /big"),
        1,
        "an oversized answer is not retried"
    );
}

#[test]
fn a_trickling_server_hits_the_deadline() {
    let server = TestServer::start();
    server.route(
        "GET /slow",
        vec![Reply::Trickle {
            every: Duration::from_millis(20),
        }],
    );
    let settings = Settings {
        total_timeout: Duration::from_millis(300),
        ..fast()
    };
    let client = Client::new(&server.url, None, settings).expect("client");
    let mut file = tempfile::tempfile().expect("tempfile");
    let started = std::time::Instant::now();
    let err = client
        .download(
            &format!("{}/slow", server.url),
            "slow",
            &mut file,
            10_000_000,
            &Silent,
        )
        .expect_err("deadline");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn downloads_hash_what_they_write_and_restart_after_a_reset() {
    let server = TestServer::start();
    server.route(
        "GET /a",
        vec![Reply::Close, Reply::ok(b"archive bytes".to_vec())],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let mut file = tempfile::tempfile().expect("tempfile");
    let (size, sha) = client
        .download(&format!("{}/a", server.url), "a", &mut file, 1000, &Silent)
        .expect("download");
    assert_eq!(size, 13);
    assert_eq!(sha, osops_index::sha256_hex(b"archive bytes"));
    assert_eq!(server.count("GET /a"), 2);
}

#[test]
fn registry_urls_must_be_http() {
    assert!(matches!(
        Client::new("ftp://x", None, fast()),
        Err(Error::BadRegistryUrl(_))
    ));
    assert!(matches!(
        Client::new("localhost:8080", None, fast()),
        Err(Error::BadRegistryUrl(_))
    ));
    assert_eq!(
        Client::new("http://h:1/", None, fast())
            .expect("ok")
            .registry(),
        "http://h:1"
    );
}
