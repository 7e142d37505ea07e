//! Operations endpoints: `GET /metrics` (parsed, not grepped) after real traffic, and the
//! readiness (`/healthz`) and liveness (`/livez`) checks with a broken blob store or a closed
//! database.

mod common;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Asset, PUBLIC_URL, TestApp, TestResponse, send};
use osops_index::archive::Limits;
use osops_registry::blobs::{Blobs, S3Config};
use osops_registry::{AppState, Settings, router};

/// One sample line of an exposition: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// An OpenMetrics text exposition, parsed.
#[derive(Debug)]
struct Exposition {
    /// `# TYPE` lines: family name → type.
    types: BTreeMap<String, String>,
    samples: Vec<Sample>,
}

impl Exposition {
    fn parse(text: &str) -> Exposition {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.last(),
            Some(&"# EOF"),
            "no `# EOF` at the end:\n{text}"
        );
        let mut types = BTreeMap::new();
        let mut samples = Vec::new();
        for line in &lines[..lines.len() - 1] {
            if let Some(comment) = line.strip_prefix("# ") {
                let mut words = comment.splitn(3, ' ');
                let (kind, family, rest) = (words.next(), words.next(), words.next());
                match (kind, family, rest) {
                    (Some("TYPE"), Some(family), Some(kind)) => {
                        types.insert(family.to_owned(), kind.to_owned());
                    }
                    (Some("HELP" | "UNIT"), Some(_), _) => {}
                    _ => panic!("unexpected comment line `{line}`"),
                }
                continue;
            }
            samples.push(parse_sample(line));
        }
        Exposition { types, samples }
    }

    /// The value of the sample with exactly these labels, if there is one.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let found: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|s| s.name == name && s.labels == wanted)
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?} twice: {found:?}");
        found.first().map(|s| s.value)
    }

    /// [`Exposition::value`], which must exist.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no sample {name} {labels:?} in {:#?}", self.samples))
    }

    fn named(&self, name: &str) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// Checks the histogram `family` for one label set: `_bucket`s for every bound, counts
    /// never decreasing, `+Inf` equal to `_count`, a `_sum`. Returns `_count`.
    fn histogram(&self, family: &str, labels: &[(&str, &str)]) -> f64 {
        assert_eq!(
            self.types.get(family).map(String::as_str),
            Some("histogram")
        );
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut buckets: Vec<(f64, f64)> = self
            .named(&format!("{family}_bucket"))
            .filter(|s| {
                let mut rest = s.labels.clone();
                rest.remove("le");
                rest == wanted
            })
            .map(|s| {
                let le = &s.labels["le"];
                let bound = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().expect("le is a number")
                };
                (bound, s.value)
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let bounds: Vec<f64> = buckets.iter().map(|(b, _)| *b).collect();
        assert_eq!(
            bounds,
            [
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1.0,
                2.5,
                5.0,
                10.0,
                f64::INFINITY
            ],
            "{family} {labels:?}: buckets from 1 ms to 10 s"
        );
        assert!(
            buckets.windows(2).all(|w| w[0].1 <= w[1].1),
            "{family} {labels:?}: cumulative buckets decrease: {buckets:?}"
        );
        let count = self.get(&format!("{family}_count"), labels);
        assert_eq!(
            buckets.last().map(|b| b.1),
            Some(count),
            "{family} {labels:?}"
        );
        let sum = self.get(&format!("{family}_sum"), labels);
        assert!(
            sum >= 0.0 && (count > 0.0 || sum == 0.0),
            "{family} {labels:?}"
        );
        count
    }
}

fn parse_sample(line: &str) -> Sample {
    let (series, value) = line
        .rsplit_once(' ')
        .unwrap_or_else(|| panic!("no value in `{line}`"));
    let value: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("bad value in `{line}`"));
    let Some((name, labels)) = series.split_once('{') else {
        return Sample {
            name: series.to_owned(),
            labels: BTreeMap::new(),
            value,
        };
    };
    let labels = labels
        .strip_suffix('}')
        .unwrap_or_else(|| panic!("unclosed labels in `{line}`"));
    let mut parsed = BTreeMap::new();
    let mut chars = labels.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "`{line}`");
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => panic!("`{line}`"),
                },
                Some(c) => value.push(c),
                None => panic!("unclosed value in `{line}`"),
            }
        }
        assert!(
            parsed.insert(key.clone(), value).is_none(),
            "label {key} twice in `{line}`"
        );
        match chars.next() {
            Some(',') | None => {}
            Some(c) => panic!("`{c}` after a label value in `{line}`"),
        }
    }
    Sample {
        name: name.to_owned(),
        labels: parsed,
        value,
    }
}

async fn scrape(app: &TestApp) -> Exposition {
    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    Exposition::parse(&r.text())
}

async fn request(app: &TestApp, method: Method, uri: &str) -> TestResponse {
    app.request(
        Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

const REQUESTS: &str = "osops_http_requests_total";
const DURATION: &str = "osops_http_request_duration_seconds";

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_the_registry_s_own_events() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    // Before any traffic: no request counted yet, the registry's own metrics at zero.
    let before = scrape(&app).await;
    for (family, kind) in [
        ("osops_publishes", "counter"),
        ("osops_downloads", "counter"),
        ("osops_search_duration_seconds", "histogram"),
        ("osops_db_connections", "gauge"),
    ] {
        assert_eq!(
            before.types.get(family).map(String::as_str),
            Some(kind),
            "{family}"
        );
    }
    for outcome in ["created", "already_published", "refused"] {
        assert_eq!(
            before.get("osops_publishes_total", &[("outcome", outcome)]),
            0.0
        );
    }
    assert_eq!(before.get("osops_downloads_total", &[]), 0.0);
    assert_eq!(before.named(REQUESTS).count(), 0, "{before:?}");

    // Publishes: created, already published, a dry run (not counted), refused twice (not an
    // owner; same version, other bytes), and one without a token (refused before the handler,
    // so only the request counter has it).
    let asset = Asset::new("nova-metrics", "1.0.0");
    let archive = asset.archive();
    assert_eq!(
        app.publish(Some(&alice), &archive).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.publish(Some(&alice), &archive).await.status,
        StatusCode::OK
    );
    let next = Asset::new("nova-metrics", "1.0.1").archive();
    let mut dry_run = common::publish_request(Some(&alice), next.clone());
    *dry_run.uri_mut() = "/api/v1/assets?dry_run=true".parse().expect("uri");
    let r = app.request(dry_run).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["dry_run"], true);
    // A refused dry run is no publish either.
    let mut dry_run = common::publish_request(Some(&bob), next.clone());
    *dry_run.uri_mut() = "/api/v1/assets?dry_run=1".parse().expect("uri");
    assert_eq!(app.request(dry_run).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.publish(Some(&bob), &next).await.status,
        StatusCode::FORBIDDEN
    );
    let mut changed = asset.clone();
    changed.readme.push_str("Changed.\n");
    assert_eq!(
        app.publish(Some(&alice), &changed.archive()).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.publish(None, &next).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A download, and a HEAD of it that fetches (and counts) nothing.
    let download = "/api/v1/assets/nova-metrics/1.0.0/download";
    assert_eq!(app.get(download).await.status, StatusCode::OK);
    assert_eq!(
        request(&app, Method::HEAD, download).await.status,
        StatusCode::OK
    );
    // Searches, through the API and the web page.
    assert_eq!(
        app.get("/api/v1/assets?q=nova").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/search?q=nova").await.status, StatusCode::OK);
    // 404s: an unknown asset on a known route, and paths no route matches.
    assert_eq!(
        app.get("/api/v1/assets/no-such-asset").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/nothing-here").await.status,
        StatusCode::NOT_FOUND
    );
    // A method the route does not take.
    assert_eq!(
        request(&app, Method::POST, "/api/v1/assets/nova-metrics")
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );

    let m = scrape(&app).await;
    assert_eq!(
        m.types.get("osops_http_requests").map(String::as_str),
        Some("counter")
    );
    let requests = |method: &str, route: &str, status: &str| {
        m.value(
            REQUESTS,
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    let publish = "/api/v1/assets";
    assert_eq!(requests("PUT", publish, "201"), Some(1.0));
    assert_eq!(requests("PUT", publish, "200"), Some(2.0));
    assert_eq!(requests("PUT", publish, "403"), Some(2.0));
    assert_eq!(requests("PUT", publish, "409"), Some(1.0));
    assert_eq!(requests("PUT", publish, "401"), Some(1.0));
    let template = "/api/v1/assets/{name}/{version}/download";
    assert_eq!(requests("GET", template, "200"), Some(1.0));
    assert_eq!(requests("HEAD", template, "200"), Some(1.0));
    assert_eq!(requests("GET", "/api/v1/assets", "200"), Some(1.0));
    assert_eq!(requests("GET", "/search", "200"), Some(1.0));
    assert_eq!(requests("GET", "/api/v1/assets/{name}", "404"), Some(1.0));
    assert_eq!(requests("POST", "/api/v1/assets/{name}", "405"), Some(1.0));
    assert_eq!(requests("GET", "unmatched", "404"), Some(2.0));
    // The first scrape was counted after it answered.
    assert_eq!(requests("GET", "/metrics", "200"), Some(1.0));

    // Every route label is a template or `unmatched`: never a name, version or raw path.
    let mut total = 0.0;
    for sample in m.named(REQUESTS) {
        let route = &sample.labels["route"];
        assert!(
            route == "unmatched"
                || (route.starts_with('/')
                    && !route.contains("nova")
                    && !route.contains("no-such")
                    && !route.contains("1.0.0")),
            "route label `{route}`"
        );
        assert_eq!(
            sample.labels.keys().collect::<Vec<_>>(),
            ["method", "route", "status"]
        );
        total += sample.value;
    }
    assert_eq!(total, 16.0, "every request counted once");

    // One duration histogram per method and route, counting what the counter counts.
    let mut per_route: BTreeMap<(String, String), f64> = BTreeMap::new();
    for sample in m.named(REQUESTS) {
        *per_route
            .entry((
                sample.labels["method"].clone(),
                sample.labels["route"].clone(),
            ))
            .or_default() += sample.value;
    }
    for ((method, route), count) in &per_route {
        assert_eq!(
            m.histogram(DURATION, &[("method", method), ("route", route)]),
            *count,
            "{method} {route}"
        );
    }
    assert_eq!(
        m.named(&format!("{DURATION}_count")).count(),
        per_route.len()
    );

    // The registry's own events.
    assert_eq!(
        m.get("osops_publishes_total", &[("outcome", "created")]),
        1.0
    );
    assert_eq!(
        m.get("osops_publishes_total", &[("outcome", "already_published")]),
        1.0
    );
    assert_eq!(
        m.get("osops_publishes_total", &[("outcome", "refused")]),
        2.0
    );
    assert_eq!(m.named("osops_publishes_total").count(), 3);
    assert_eq!(m.get("osops_downloads_total", &[]), 1.0);
    for interface in ["api", "web"] {
        assert_eq!(
            m.histogram("osops_search_duration_seconds", &[("interface", interface)]),
            1.0,
            "{interface}"
        );
    }

    // The pools have served queries: some connection is open, idle or in use.
    let idle = m.get("osops_db_connections", &[("state", "idle")]);
    let in_use = m.get("osops_db_connections", &[("state", "in_use")]);
    assert!(
        idle >= 0.0 && in_use >= 0.0 && idle + in_use >= 1.0,
        "{idle} {in_use}"
    );
}

/// The app's store under a router whose archives are in `blobs`.
fn with_blobs(app: &TestApp, blobs: Blobs) -> Router {
    let settings = Settings::new(PUBLIC_URL, Limits::default().max_compressed).expect("settings");
    router(AppState::from_store(app.store.clone(), blobs, settings))
}

async fn get(router: &Router, uri: &str) -> TestResponse {
    send(
        router.clone(),
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

async fn assert_ready(router: &Router) {
    let r = get(router, "/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
}

/// The `detail` of a 503 from `/healthz`; `/livez` still answers 200.
async fn not_ready(router: &Router) -> String {
    let r = get(router, "/healthz").await;
    let detail = r.problem(StatusCode::SERVICE_UNAVAILABLE);
    let live = get(router, "/livez").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.json(), serde_json::json!({"status": "ok"}));
    detail
}

#[tokio::test]
async fn healthz_and_livez_answer_ok_when_all_is_well() {
    let app = TestApp::new().await;
    assert_ready(&app.router).await;
    let r = app.get("/livez").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
    // HEAD works too (load balancers use it) and leaves no probe behind.
    assert_eq!(
        request(&app, Method::HEAD, "/healthz").await.status,
        StatusCode::OK
    );
    assert!(
        app.blob_files().await.is_empty(),
        "{:?}",
        app.blob_files().await
    );
}

#[tokio::test]
async fn healthz_is_503_while_the_local_blob_directory_is_gone_or_not_a_directory() {
    let app = TestApp::new().await;
    let dir = app.path().join("other-blobs");
    let router = with_blobs(&app, Blobs::local(&dir).expect("blobs"));
    assert_ready(&router).await;
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "the probe is removed"
    );

    std::fs::remove_dir_all(&dir).expect("remove");
    let detail = not_ready(&router).await;
    assert_eq!(
        detail,
        "not ready: the blob store does not answer; see the registry's log"
    );
    assert!(!detail.contains(&dir.display().to_string()));

    std::fs::write(&dir, "not a directory").expect("file");
    assert!(not_ready(&router).await.contains("the blob store"));

    std::fs::remove_file(&dir).expect("remove file");
    std::fs::create_dir(&dir).expect("dir again");
    assert_ready(&router).await;
}

/// An S3 store at a port nothing listens on.
fn unreachable_s3() -> S3Config {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    S3Config {
        bucket: "osops-nowhere".to_owned(),
        prefix: None,
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "garage".to_owned(),
        access_key_id: Some("GKnowhere".to_owned()),
        secret_access_key: Some("secret-that-must-not-leak".to_owned()),
        virtual_hosted_style: false,
    }
}

#[tokio::test]
async fn healthz_is_503_when_the_bucket_does_not_answer_and_says_nothing_secret() {
    let app = TestApp::new().await;
    let router = with_blobs(&app, Blobs::s3(&unreachable_s3()).expect("blobs"));
    let started = std::time::Instant::now();
    let r = get(&router, "/healthz").await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let detail = r.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        detail,
        "not ready: the blob store does not answer; see the registry's log"
    );
    let body = r.text();
    for secret in ["secret-that-must-not-leak", "GKnowhere", "127.0.0.1"] {
        assert!(!body.contains(secret), "{body}");
    }

    // With OSOPS_TEST_S3: the real bucket with a wrong secret key is refused, so not ready.
    if let Some(url) = common::s3_url() {
        let mut config = S3Config::from_url(&url, None, None).expect("OSOPS_TEST_S3 config");
        config.secret_access_key = Some("wrong-secret-that-must-not-leak".to_owned());
        let router = with_blobs(&app, Blobs::s3(&config).expect("blobs"));
        let r = get(&router, "/healthz").await;
        r.problem(StatusCode::SERVICE_UNAVAILABLE);
        assert!(!r.text().contains("wrong-secret"), "{}", r.text());
    }
}

#[tokio::test]
async fn healthz_is_503_once_the_database_is_closed() {
    let app = TestApp::new().await;
    assert_ready(&app.router).await;
    app.store.close().await;
    assert_eq!(
        not_ready(&app.router).await,
        "not ready: the database does not answer; see the registry's log"
    );

    // Both at once.
    let router = with_blobs(&app, Blobs::s3(&unreachable_s3()).expect("blobs"));
    assert_eq!(
        not_ready(&router).await,
        "not ready: neither the database nor the blob store answers; see the registry's log"
    );
    // Metrics still answer, the pools now empty.
    let r = get(&app.router, "/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    let m = Exposition::parse(&r.text());
    assert_eq!(m.get("osops_db_connections", &[("state", "in_use")]), 0.0);
}
