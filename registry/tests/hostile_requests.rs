//! Hostile requests to the registry (`../shared/SECURITY-TESTS.md`, cases 12, 18 and 19), one test
//! per attack: other spellings of an existing name, values that would reach a response header, and
//! bodies cut short or declared past the limit on a real socket. Each refusal leaves nothing stored.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Asset, TestApp, TestResponse, index_uri};
use osops_tests::hostile::tar::Tar;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a raw-socket exchange may take before the test fails instead of hanging; never waited
/// for on the way to a passing result.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// `value` as a TOML basic string: `"` and `\` escaped, control characters as `\uXXXX`, everything
/// else (non-ASCII included) as is.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A complete archive (manifest, README, the script its entry point names) whose manifest says
/// `name` and `version` exactly as given, under the top directory `prefix`. `osops package` would
/// refuse to build it for a bad name or version; a hand-made upload need not.
fn archive_in(prefix: &str, name: &str, version: &str) -> Vec<u8> {
    let manifest = format!(
        "[asset]\nname = {}\nversion = {}\nkind = \"script\"\ndescription = \"A test asset\"\n\
         license = \"Apache-2.0\"\n\n[openstack]\nservices = [\"nova\"]\n\n\
         [entrypoints]\nbin = {{ run = \"bin/run.sh\" }}\n",
        toml_string(name),
        toml_string(version),
    );
    Tar::new()
        .dir(&format!("{prefix}/"))
        .file(&format!("{prefix}/osops.toml"), manifest.as_bytes())
        .file(&format!("{prefix}/README.md"), b"# A test asset\n")
        .dir(&format!("{prefix}/bin/"))
        .exec(&format!("{prefix}/bin/run.sh"), b"#!/bin/sh\necho hello\n")
        .gz()
}

/// [`archive_in`] under `NAME-VERSION/`, the directory a packer would use.
fn archive(name: &str, version: &str) -> Vec<u8> {
    archive_in(&format!("{name}-{version}"), name, version)
}

/// What a refused publish must leave exactly as it was.
#[derive(Debug, PartialEq)]
struct Stored {
    assets: i64,
    versions: i64,
    blobs: Vec<PathBuf>,
    /// Status and body of `nova-tools`'s index file.
    index: (StatusCode, String),
}

async fn stored(app: &TestApp) -> Stored {
    let index = app.get(&index_uri("nova-tools")).await;
    Stored {
        assets: app.scalar("SELECT COUNT(*) FROM assets").await,
        versions: app.scalar("SELECT COUNT(*) FROM versions").await,
        blobs: app.blob_files().await,
        index: (
            index.status,
            String::from_utf8_lossy(&index.body).into_owned(),
        ),
    }
}

async fn publish_created(app: &TestApp, token: &str, archive: &[u8]) {
    let r = app.publish(Some(token), archive).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_clean_headers("publish", &r.headers);
}

/// Every header value is visible ASCII (or space/tab): no CR, LF or other control byte, nothing
/// non-ASCII; no header was injected (`Set-Cookie`); a `Content-Disposition` has one balanced quoted
/// filename; a `Location` is a plain path of canonical characters.
fn assert_clean_headers(what: &str, headers: &HeaderMap) {
    assert!(
        !headers.contains_key(header::SET_COOKIE),
        "{what}: an injected Set-Cookie: {headers:?}"
    );
    for (name, value) in headers {
        assert!(
            value
                .as_bytes()
                .iter()
                .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b)),
            "{what}: header `{name}` is not plain ASCII: {value:?}"
        );
        let text = value.to_str().expect("visible ASCII");
        assert!(
            !text.to_ascii_lowercase().contains("set-cookie"),
            "{what}: `{name}: {text}`"
        );
    }
    if let Some(value) = headers.get(header::CONTENT_DISPOSITION) {
        let text = value.to_str().expect("ASCII");
        let filename = text
            .strip_prefix("attachment; filename=\"")
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{what}: Content-Disposition `{text}`"));
        assert!(
            filename
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b)),
            "{what}: filename `{filename}`"
        );
    }
    if let Some(value) = headers.get(header::LOCATION) {
        let location = value.to_str().expect("ASCII");
        assert!(
            location.starts_with('/')
                && !location.starts_with("//")
                && location
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/.-".contains(&b)),
            "{what}: Location `{location}`"
        );
    }
}

async fn request(app: &TestApp, method: &str, uri: &str) -> TestResponse {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{uri}: {e}"));
    app.request(request).await
}

// Case 12: another spelling of an existing name, or a look-alike of it.

#[tokio::test]
async fn case_12_nova_tools_is_refused_when_nova_tools_exists_naming_it() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    publish_created(&app, &alice, &archive("nova-tools", "1.0.0")).await;
    let before = stored(&app).await;
    assert_eq!(before.index.0, StatusCode::OK);

    for spelling in ["Nova_Tools", "NOVA-tools"] {
        for (user, token) in [("alice", &alice), ("bob", &bob)] {
            // A new version, so that only the spelling stands between it and a new row.
            let r = app.publish(Some(token), &archive(spelling, "1.1.0")).await;
            assert_clean_headers(spelling, &r.headers);
            let detail = r.problem(StatusCode::BAD_REQUEST);
            assert!(
                detail.contains(&format!("`{spelling}`"))
                    && detail.contains("`asset.name`")
                    && detail.contains("the existing asset `nova-tools`"),
                "{spelling} by {user}: {detail}"
            );
            assert_eq!(stored(&app).await, before, "{spelling} by {user}");
        }
    }

    // The same version in the canonical spelling goes through: only the spelling was refused.
    publish_created(&app, &alice, &archive("nova-tools", "1.1.0")).await;
}

#[tokio::test]
async fn case_12_a_non_canonical_new_name_is_refused_without_claiming_an_existing_asset() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    publish_created(&app, &alice, &archive("nova-tools", "1.0.0")).await;
    let before = stored(&app).await;
    let detail = app
        .publish(Some(&alice), &archive("Glance_Tools", "1.0.0"))
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        detail.contains("`Glance_Tools` is not canonical") && detail.contains("`glance-tools`"),
        "{detail}"
    );
    assert!(!detail.contains("existing"), "{detail}");
    assert_eq!(stored(&app).await, before);
}

#[tokio::test]
async fn case_12_neutr0n_cleanup_is_refused_to_a_new_owner_when_neutron_cleanup_exists() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    publish_created(
        &app,
        &alice,
        &Asset::new("neutron-cleanup", "1.0.0").archive(),
    )
    .await;
    let (versions, blobs) = (
        app.scalar("SELECT COUNT(*) FROM versions").await,
        app.blob_files().await,
    );
    let detail = app
        .publish(
            Some(&bob),
            &Asset::new("neutr0n-cleanup", "1.0.0").archive(),
        )
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        detail.contains("`neutr0n-cleanup` is too similar to the existing asset `neutron-cleanup`"),
        "{detail}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, versions);
    assert_eq!(app.blob_files().await, blobs);
    app.get(&index_uri("neutr0n-cleanup"))
        .await
        .problem(StatusCode::NOT_FOUND);
}

// Case 18: values that would reach `Content-Disposition` or `Location`.

#[tokio::test]
async fn case_18_crlf_quotes_and_non_ascii_in_the_manifest_name_or_version_are_400_naming_the_field()
 {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let names = [
        "nova\r\nSet-Cookie: x=1",
        "nova-tools\n",
        "nova\"tools",
        "nova-tools\"; filename=\"evil.sh",
        "nova-t\u{14d}ols",
        // The Kelvin sign, which Unicode (not ASCII) lower-casing would turn into `k`.
        "nova-\u{212a}it",
    ];
    let versions = [
        "1.0.0\r\nSet-Cookie: x=1",
        "1.0.0\n",
        "1.0.0\"",
        "1.0.0+build\"; filename=\"evil.sh",
        "1.0.0-b\u{ea}ta",
        "1.0.0+b\u{fc}ild",
    ];
    let cases = names
        .iter()
        .map(|n| (*n, "1.0.0", "asset.name"))
        .chain(versions.iter().map(|v| ("nova-tools", *v, "asset.version")));
    for (name, version, field) in cases {
        // A clean top directory, so that the manifest is what gets refused.
        let r = app
            .publish(Some(&alice), &archive_in("nova-tools-1.0.0", name, version))
            .await;
        assert_clean_headers(name, &r.headers);
        let detail = r.problem(StatusCode::BAD_REQUEST);
        assert!(
            detail.contains(&format!("`{field}`")),
            "{name:?} {version:?}: {detail}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);
    assert!(app.blob_files().await.is_empty());
}

#[tokio::test]
async fn case_18_crlf_quotes_and_non_ascii_in_url_segments_get_4xx_and_reach_no_header() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    publish_created(&app, &alice, &archive("nova-tools", "1.0.0")).await;
    app.create_need(&alice, "drain-compute-host").await;

    let names = [
        "nova%0d%0aSet-Cookie:%20x=1",
        "nova-tools%0d%0a",
        "Nova_Tools%0d%0aLocation:%20http://evil.example",
        "nova-tools%0a",
        "nova-tools%22",
        "nova%22%3B%20filename=%22evil.sh",
        "nova-t%C5%8Dols",
        "nova-%E2%84%AAit",
        "NOVA_TOOLS%C2%A0",
    ];
    let versions = [
        "1.0.0%0d%0aSet-Cookie:%20x=1",
        "1.0.0%0a",
        "1.0.0%22",
        "1.0.0+build%22%3B%20filename=%22evil.sh",
        "1.0.0-b%C3%AAta",
        "1.0.0+b%C3%BCild",
    ];
    let mut uris = Vec::new();
    for n in names {
        uris.extend([
            format!("/api/v1/assets/{n}"),
            format!("/api/v1/assets/{n}/1.0.0/download"),
            format!("/api/v1/assets/{n}/owners"),
            format!("/api/v1/assets/{n}/audit"),
            format!("/api/v1/needs/{n}"),
            format!("/index/no/va/{n}"),
            format!("/index/{n}"),
        ]);
    }
    for v in versions {
        uris.push(format!("/api/v1/assets/nova-tools/{v}/download"));
    }
    for uri in &uris {
        for method in ["GET", "HEAD"] {
            let r = request(&app, method, uri).await;
            assert!(
                r.status.is_client_error(),
                "{method} {uri}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
            assert_clean_headers(uri, &r.headers);
            if method == "GET" {
                r.problem(r.status);
            }
        }
    }

    // The HTML pages: a 4xx page, or a redirect to the canonical spelling of a value that trims
    // or folds to a known one.
    let mut pages = Vec::new();
    for n in names {
        for prefix in ["/assets", "/needs", "/services", "/kinds", "/releases"] {
            pages.push(format!("{prefix}/{n}"));
        }
    }
    for uri in &pages {
        let r = app.get(uri).await;
        assert!(
            r.status.is_client_error(),
            "{uri}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        assert_clean_headers(uri, &r.headers);
    }
    for (uri, location) in [
        ("/services/nova%0d%0a", "/services/nova"),
        ("/services/%0d%0aNOVA%20", "/services/nova"),
        ("/releases/Dalmatian%0d%0a", "/releases/dalmatian"),
        ("/kinds/SCRIPT", "/kinds/script"),
        ("/assets/NOVA_tools", "/assets/nova-tools"),
        ("/api/v1/assets/NOVA_tools", "/api/v1/assets/nova-tools"),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{uri}");
        assert_eq!(r.header(header::LOCATION), Some(location), "{uri}");
        assert_clean_headers(uri, &r.headers);
    }
}

#[tokio::test]
async fn case_18_downloads_name_the_file_from_the_stored_name_and_version_only() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    publish_created(&app, &alice, &archive("nova-tools", "1.0.0")).await;
    publish_created(&app, &alice, &archive("nova-tools", "1.1.0-rc.1+build.7")).await;
    // Another spelling of the name and a version without its build metadata in the URL: the
    // filename is the stored, canonical pair, never the URL's text.
    for (uri, filename) in [
        (
            "/api/v1/assets/nova-tools/1.0.0/download",
            "nova-tools-1.0.0.osops",
        ),
        (
            "/api/v1/assets/NOVA_Tools/1.0.0/download",
            "nova-tools-1.0.0.osops",
        ),
        (
            "/api/v1/assets/nova-tools/1.1.0-rc.1/download",
            "nova-tools-1.1.0-rc.1+build.7.osops",
        ),
        (
            "/api/v1/assets/Nova_Tools/1.1.0-rc.1+other/download",
            "nova-tools-1.1.0-rc.1+build.7.osops",
        ),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        assert_eq!(
            r.header(header::CONTENT_DISPOSITION),
            Some(format!("attachment; filename=\"{filename}\"").as_str()),
            "{uri}"
        );
        assert_clean_headers(uri, &r.headers);
    }
}

// Case 19: bodies cut short, and bodies declared past the limit, on a real socket.

/// Serves the app's router on a loopback port, as `osops-registry serve` does; the server task ends
/// with the test's runtime.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

/// The head of a publish request, up to and including the blank line.
fn publish_head(token: &str, framing: &str) -> String {
    format!(
        "PUT /api/v1/assets HTTP/1.1\r\nHost: registry.test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\n{framing}\r\n\r\n"
    )
}

/// One HTTP answer: its status and everything received (head and body).
struct Answer {
    status: u16,
    text: String,
}

/// Reads one answer: until its head and `Content-Length` bytes of body are in, or the server
/// closes. `None` if the server closed (or reset) the connection without answering.
async fn read_answer(stream: &mut TcpStream) -> Option<Answer> {
    let read = async {
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().expect("Content-Length"));
                if received.len() >= end + 4 + length {
                    break;
                }
            }
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
        received
    };
    let received = tokio::time::timeout(HANG_GUARD, read)
        .await
        .expect("the registry neither answered nor closed the connection");
    if received.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&received).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text}"));
    Some(Answer { status, text })
}

#[tokio::test]
async fn case_19_a_body_cut_short_before_its_declared_end_is_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let addr = serve(&app).await;
    let archive = archive("nova-tools", "1.0.0");
    let len = archive.len();
    let chunked = {
        // One chunk holding the whole archive, but not the last (zero) chunk that ends the body.
        let mut body = format!("{len:x}\r\n").into_bytes();
        body.extend_from_slice(&archive);
        body.extend_from_slice(b"\r\n");
        body
    };
    // In the first and the last the whole archive arrives: a server that took the end of the
    // connection for the end of the body would publish it.
    let attempts = [
        (
            "the whole archive, one byte short of Content-Length",
            format!("Content-Length: {}", len + 1),
            archive.clone(),
        ),
        (
            "half of Content-Length",
            format!("Content-Length: {len}"),
            archive[..len / 2].to_vec(),
        ),
        (
            "chunked, without the last chunk",
            "Transfer-Encoding: chunked".to_owned(),
            chunked,
        ),
    ];
    for (what, framing, body) in attempts {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(publish_head(&alice, &framing).as_bytes())
            .await
            .expect("send the head");
        stream.write_all(&body).await.expect("send the body");
        stream.shutdown().await.expect("close the sending side");
        // The answer is also what says the handler is done: only then is "nothing stored" true
        // for good (a server that closed the connection first could still be publishing).
        let answer = read_answer(&mut stream)
            .await
            .unwrap_or_else(|| panic!("{what}: the connection closed without an answer"));
        assert!(
            answer.status == 400 && answer.text.contains("cannot read the request body"),
            "{what}: {}",
            answer.text
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM versions").await,
            0,
            "{what}"
        );
        assert!(app.blob_files().await.is_empty(), "{what}");
    }
    app.get(&index_uri("nova-tools"))
        .await
        .problem(StatusCode::NOT_FOUND);

    // The same archive whole is a new version: nothing of the cut-short attempts was kept.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(publish_head(&alice, &format!("Content-Length: {len}")).as_bytes())
        .await
        .expect("send the head");
    stream.write_all(&archive).await.expect("send the body");
    let answer = read_answer(&mut stream).await.expect("an answer");
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert!(answer.text.contains("\"new\":true"), "{}", answer.text);
}

#[tokio::test]
async fn case_19_a_body_declared_over_the_limit_is_413_before_a_byte_of_it_is_sent() {
    let limit = 1000;
    let app = TestApp::with_max_upload(limit).await;
    let alice = app.user("alice").await;
    let addr = serve(&app).await;
    for (what, framing) in [
        ("one byte over", format!("Content-Length: {}", limit + 1)),
        ("a terabyte", "Content-Length: 1000000000000".to_owned()),
        // A client that waits for `100 Continue` gets the refusal instead: the body is never asked for.
        (
            "expecting 100-continue",
            format!("Content-Length: {}\r\nExpect: 100-continue", limit + 1),
        ),
    ] {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        // The head only; the connection stays open for the body the registry never reads.
        stream
            .write_all(publish_head(&alice, &framing).as_bytes())
            .await
            .expect("send the head");
        let answer = read_answer(&mut stream)
            .await
            .unwrap_or_else(|| panic!("{what}: no answer"));
        assert!(
            answer.text.starts_with("HTTP/1.1 413 "),
            "{what}: {}",
            answer.text
        );
        assert!(
            answer
                .text
                .contains(&format!("upload limit of {limit} bytes")),
            "{what}: {}",
            answer.text
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);
    assert!(app.blob_files().await.is_empty());
}
