//! The client against a misbehaving server (SECURITY-TESTS 26): retries bounded, then closed;
//! and the requests each API call sends (method, path, token, body).

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
    server.route(
        "GET /index/config.json",
        vec![Reply::json(200, &config_json())],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let name = osops_index::AssetName::parse("nova-tools").expect("name");
    let err = client.asset(&name, &Silent).expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "the registry answered 404: no asset `nova-tools`"
    );
    assert_eq!(
        server.requests(),
        ["GET /api/v1/assets/nova-tools", "GET /index/config.json"],
        "once each: a 404 asks config.json whether the registry is a mirror, and it names an API"
    );
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
    let err = client.publish(b"bytes", false, &Silent).expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        server.count("PUT /api/v1/assets"),
        1,
        "a publish is not retried once the registry answered"
    );
}

#[test]
fn publish_without_a_token_sends_nothing() {
    let server = TestServer::start();
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = client
        .publish(b"bytes", false, &Silent)
        .expect_err("no token");
    assert!(matches!(
        err,
        Error::NoToken {
            action: "publishing"
        }
    ));
    assert_eq!(err.to_string(), "publishing needs an API token");
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
    let published = client.publish(b"bytes", false, &Silent).expect("200");
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
fn a_trickling_server_is_retried_then_given_up_on() {
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
    assert!(
        matches!(&err, Error::GaveUp { attempts: 3, last, .. } if matches!(**last, Error::Timeout { .. })),
        "{err:?}"
    );
    assert_eq!(server.count("GET /slow"), 3, "1 try + 2 retries");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(err.hint().is_some_and(|h| h.contains("OSOPS_HTTP_TIMEOUT")));
}

#[test]
fn a_stalled_answer_is_retried_until_one_arrives() {
    let server = TestServer::start();
    server.route(
        "GET /index/config.json",
        vec![
            Reply::Trickle {
                every: Duration::from_secs(5),
            },
            Reply::json(200, &config_json()),
        ],
    );
    let settings = Settings {
        read_timeout: Duration::from_millis(200),
        ..fast()
    };
    let client = Client::new(&server.url, None, settings).expect("client");
    let retries = Retries::default();
    let config = client.index_config(&retries).expect("second try answers");
    assert_eq!(config.v, 1);
    assert_eq!(server.count("GET /index/config.json"), 2);
    assert_eq!(retries.reasons(), ["timed out"]);
}

#[test]
fn a_publish_that_times_out_is_not_sent_again() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets",
        vec![Reply::Trickle {
            every: Duration::from_secs(5),
        }],
    );
    let settings = Settings {
        read_timeout: Duration::from_millis(200),
        ..fast()
    };
    let client = Client::new(&server.url, Some("osops_t".into()), settings).expect("client");
    let err = client
        .publish(b"bytes", false, &Silent)
        .expect_err("timeout");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.count("PUT /api/v1/assets"), 1);
}

#[test]
fn downloads_retry_server_errors_and_report_each_retry() {
    let server = TestServer::start();
    server.route(
        "GET /a",
        vec![
            Reply::problem(500, "boom"),
            Reply::problem(502, "bad gateway"),
            Reply::ok(b"archive bytes".to_vec()),
        ],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let mut file = tempfile::tempfile().expect("tempfile");
    let retries = Retries::default();
    let (size, sha) = client
        .download(&format!("{}/a", server.url), "a", &mut file, 1000, &retries)
        .expect("third try answers");
    assert_eq!(size, 13);
    assert_eq!(sha, osops_index::sha256_hex(b"archive bytes"));
    assert_eq!(server.count("GET /a"), 3);
    assert_eq!(retries.reasons(), ["HTTP 500", "HTTP 502"]);
}

/// Records the reason of each retry.
#[derive(Default)]
struct Retries(std::sync::Mutex<Vec<String>>);

impl Retries {
    fn reasons(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

impl Reporter for Retries {
    fn retrying(&self, _url: &str, _attempt: u32, _attempts: u32, _delay: Duration, reason: &str) {
        self.0.lock().expect("lock").push(reason.to_owned());
    }
}

#[test]
fn conditional_gets_send_the_etag_and_understand_304() {
    let server = TestServer::start();
    let path = "/index/no/va/nova-tools";
    server.route(
        &format!("GET {path}"),
        vec![
            Reply::Http {
                status: 200,
                headers: vec![("ETag".into(), "\"v1\"".into())],
                body: b"line\n".to_vec(),
            },
            Reply::Http {
                status: 304,
                headers: vec![("ETag".into(), "\"v1\"".into())],
                body: vec![],
            },
        ],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let url = format!("{}{path}", server.url);
    assert_eq!(
        client.get_revalidated(&url, None, &Silent).expect("200"),
        Revalidated::Fetched {
            body: b"line\n".to_vec(),
            etag: Some("\"v1\"".into())
        }
    );
    assert_eq!(
        client
            .get_revalidated(&url, Some("\"v1\""), &Silent)
            .expect("304"),
        Revalidated::NotModified
    );
    let seen = server.seen();
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
}

#[test]
fn index_files_parse_line_by_line_and_name_the_bad_line() {
    let name = osops_index::AssetName::parse("nova-tools").expect("name");
    let line = |n: &str, v: &str| {
        serde_json::json!({"name": n, "vers": v, "kind": "script", "cksum": "ab".repeat(32),
                           "published_at": "2026-11-23T15:21:06Z", "v": 1})
        .to_string()
    };
    let body = format!(
        "{}\n\n{}\n",
        line("nova-tools", "1.0.0"),
        line("nova-tools", "1.1.0")
    );
    let entries = parse_index("http://x/i", &name, body.as_bytes()).expect("two lines");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].vers, semver::Version::new(1, 1, 0));
    let body = format!(
        "{}\n{}\n",
        line("nova-tools", "1.0.0"),
        line("other-tool", "1.0.0")
    );
    let err = parse_index("http://x/i", &name, body.as_bytes()).expect_err("other name");
    assert!(
        err.to_string().contains("line 2 is about `other-tool`"),
        "{err}"
    );
    let err = parse_index("http://x/i", &name, b"{not json").expect_err("junk");
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn the_client_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Client>();
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

// --- Needs, votes and yanks ---

fn record(id: &str) -> osops_index::NeedRecord {
    osops_index::NeedRecord {
        id: osops_index::AssetName::parse(id).expect("id"),
        title: "Empty a compute host".into(),
        problem: "By hand, at 3 a.m.".into(),
        persona: Some("cloud operator".into()),
        services: vec!["nova".into()],
        links: vec![],
        use_cases: vec![osops_index::UseCase {
            persona: Some("cloud operator".into()),
            text: "I want one command".into(),
        }],
    }
}

fn need_json(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "title": "Empty a compute host", "problem": "By hand, at 3 a.m.",
        "persona": "cloud operator", "services": ["nova"], "links": [],
        "use_cases": [{"persona": "cloud operator", "text": "I want one command"}],
        "status": "addressed", "retired_reason": null, "votes": 2, "created_by": "jane",
        "created_at": "2026-11-23T15:21:06Z", "updated_at": "2026-11-23T15:21:06Z",
        "answers": [{"name": "nova-evacuate-host", "version": "1.2.0", "kind": "script",
                     "description": "Drain", "releases": null, "services": ["nova"],
                     "downloads": 3, "future_field": true}]
    })
}

fn id(id: &str) -> osops_index::AssetName {
    osops_index::AssetName::parse(id).expect("id")
}

#[test]
fn list_needs_sends_the_query_and_keeps_the_raw_answer() {
    let server = TestServer::start();
    let answer = serde_json::json!({"total": 1, "page": 1, "per_page": 20, "needs": [
        {"id": "drain-compute-host", "title": "Empty", "status": "open", "persona": null,
         "services": ["nova"], "votes": 4, "answers": 0, "created_at": "2026-11-23T15:21:06Z",
         "extra": "kept"}]});
    server.route(
        "GET /api/v1/needs?q=drain+host&service=nova&sort=unanswered&per_page=5",
        vec![Reply::json(200, &answer)],
    );
    let client = Client::new(&server.url, Some("osops_t".into()), fast()).expect("client");
    let query = NeedQuery {
        q: Some("drain host".into()),
        service: Some("nova".into()),
        sort: Some(NeedSort::Unanswered),
        per_page: Some(5),
        ..NeedQuery::default()
    };
    let list = client.list_needs(&query, &Silent).expect("list");
    assert_eq!(list.total, 1);
    assert_eq!(list.needs[0].id, "drain-compute-host");
    assert_eq!((list.needs[0].votes, list.needs[0].answers), (4, 0));
    assert_eq!(list.raw, answer);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization, None, "reads send no token");
}

#[test]
fn get_need_decodes_answers_and_tolerates_new_fields() {
    let server = TestServer::start();
    server.route(
        "GET /api/v1/needs/drain-compute-host",
        vec![Reply::json(200, &need_json("drain-compute-host"))],
    );
    let client = Client::new(&server.url, None, fast()).expect("client");
    let need = client
        .get_need(&id("drain-compute-host"), &Silent)
        .expect("need");
    assert_eq!(need.info.status, "addressed");
    assert_eq!(need.info.votes, 2);
    assert_eq!(
        need.info.use_cases[0].persona.as_deref(),
        Some("cloud operator")
    );
    assert_eq!(need.info.answers[0].name, "nova-evacuate-host");
    assert_eq!(need.info.answers[0].downloads, Some(3));
    assert_eq!(need.raw, need_json("drain-compute-host"));
    let err = client
        .get_need(&id("no-such-need"), &Silent)
        .expect_err("404");
    assert!(err.is_not_found());
}

#[test]
fn create_need_posts_the_record_as_json_with_the_token_once() {
    let server = TestServer::start();
    server.route(
        "POST /api/v1/needs",
        vec![Reply::json(201, &need_json("drain-compute-host"))],
    );
    let client = Client::new(&server.url, Some("osops_secret".into()), fast()).expect("client");
    let need = client
        .create_need(&record("drain-compute-host"))
        .expect("created");
    assert_eq!(need.info.id, "drain-compute-host");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request, "POST /api/v1/needs");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer osops_secret")
    );
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).expect("json body");
    assert_eq!(
        body,
        serde_json::to_value(record("drain-compute-host")).expect("record")
    );
    assert_eq!(body["use_cases"][0]["text"], "I want one command");

    server.route(
        "POST /api/v1/needs",
        vec![Reply::problem(
            409,
            "need `drain-compute-host` already exists",
        )],
    );
    let err = client
        .create_need(&record("drain-compute-host"))
        .expect_err("409");
    assert_eq!(
        err.to_string(),
        "the registry answered 409: need `drain-compute-host` already exists"
    );
    assert_eq!(server.count("POST /api/v1/needs"), 2, "never retried");
}

#[test]
fn put_need_tells_created_from_updated_by_the_status() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/needs/drain-compute-host",
        vec![
            Reply::json(201, &need_json("drain-compute-host")),
            Reply::json(200, &need_json("drain-compute-host")),
        ],
    );
    let client = Client::new(&server.url, Some("osops_t".into()), fast()).expect("client");
    let first = client.put_need(&record("drain-compute-host")).expect("201");
    assert!(first.created);
    assert_eq!(first.id, "drain-compute-host");
    let second = client.put_need(&record("drain-compute-host")).expect("200");
    assert!(!second.created);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_t"))
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json body");
    assert_eq!(body["id"], "drain-compute-host");
}

#[test]
fn votes_are_put_and_retracted_with_delete() {
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/needs/drain-compute-host/vote",
        vec![Reply::json(
            200,
            &serde_json::json!({"id": "drain-compute-host", "votes": 3, "voted": true}),
        )],
    );
    server.route(
        "DELETE /api/v1/needs/drain-compute-host/vote",
        vec![Reply::json(
            200,
            &serde_json::json!({"id": "drain-compute-host", "votes": 2, "voted": false}),
        )],
    );
    let client = Client::new(&server.url, Some("osops_v".into()), fast()).expect("client");
    let vote = client.vote(&id("drain-compute-host")).expect("vote");
    assert_eq!(
        vote,
        Vote {
            id: "drain-compute-host".into(),
            votes: 3,
            voted: true
        }
    );
    let vote = client.unvote(&id("drain-compute-host")).expect("unvote");
    assert_eq!((vote.votes, vote.voted), (2, false));
    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.request.as_str()).collect::<Vec<_>>(),
        [
            "PUT /api/v1/needs/drain-compute-host/vote",
            "DELETE /api/v1/needs/drain-compute-host/vote"
        ]
    );
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_v"))
    );
    assert!(seen.iter().all(|s| s.body.is_empty()));
}

#[test]
fn yank_deletes_and_unyank_puts_the_version() {
    let server = TestServer::start();
    server.route(
        "DELETE /api/v1/assets/hello-drain/1.0.0/yank",
        vec![Reply::json(
            200,
            &serde_json::json!({"name": "hello-drain", "version": "1.0.0", "yanked": true}),
        )],
    );
    server.route(
        "PUT /api/v1/assets/hello-drain/1.0.0/unyank",
        vec![Reply::json(
            200,
            &serde_json::json!({"name": "hello-drain", "version": "1.0.0", "yanked": false}),
        )],
    );
    server.route(
        "DELETE /api/v1/assets/hello-drain/2.0.0/yank",
        vec![Reply::problem(
            403,
            "`jane` is not an owner of `hello-drain`",
        )],
    );
    let client = Client::new(&server.url, Some("osops_y".into()), fast()).expect("client");
    let version = semver::Version::new(1, 0, 0);
    assert!(
        client
            .yank(&id("hello-drain"), &version, None)
            .expect("yank")
            .yanked
    );
    assert!(
        !client
            .unyank(&id("hello-drain"), &version)
            .expect("unyank")
            .yanked
    );
    let err = client
        .yank(&id("hello-drain"), &semver::Version::new(2, 0, 0), None)
        .expect_err("403");
    assert_eq!(err.status(), Some(403));
    assert!(err.hint().is_some_and(|h| h.contains("owners")));
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer osops_y"))
    );
}

#[test]
fn writes_without_a_token_send_nothing() {
    let server = TestServer::start();
    let client = Client::new(&server.url, None, fast()).expect("client");
    let version = semver::Version::new(1, 0, 0);
    let errors = [
        client.create_need(&record("a-need")).map(drop),
        client.put_need(&record("a-need")).map(drop),
        client.vote(&id("a-need")).map(drop),
        client.unvote(&id("a-need")).map(drop),
        client.yank(&id("an-asset"), &version, None).map(drop),
        client.unyank(&id("an-asset"), &version).map(drop),
    ];
    for result in errors {
        let err = result.expect_err("no token");
        assert!(matches!(err, Error::NoToken { .. }), "{err:?}");
    }
    assert!(server.requests().is_empty());
}

/// Records the delay of each retry.
#[derive(Default)]
struct Delays(std::sync::Mutex<Vec<Duration>>);

impl Reporter for Delays {
    fn retrying(&self, _url: &str, _attempt: u32, _attempts: u32, delay: Duration, _reason: &str) {
        self.0.lock().expect("lock").push(delay);
    }
}

#[test]
fn case_26_backoff_doubles_up_to_its_cap() {
    let server = TestServer::start();
    server.route(
        "GET /index/config.json",
        vec![Reply::problem(503, "down for maintenance")],
    );
    let settings = Settings {
        retries: 4,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        ..fast()
    };
    let client = Client::new(&server.url, None, settings).expect("client");
    let delays = Delays::default();
    let err = client.index_config(&delays).expect_err("always 503");
    assert!(matches!(&err, Error::GaveUp { attempts: 5, .. }), "{err:?}");
    assert_eq!(
        server.count("GET /index/config.json"),
        5,
        "1 try + 4 retries"
    );
    let ms = |n| Duration::from_millis(n);
    assert_eq!(
        *delays.0.lock().expect("lock"),
        [ms(1), ms(2), ms(4), ms(4)],
        "each wait doubles the last, up to max_backoff"
    );
}
