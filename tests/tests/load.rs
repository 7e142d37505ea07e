//! Case 28 of SECURITY-TESTS.md: a bounded mixed load on one real `osops-registry serve`, on
//! loopback only, that stops by itself.
//!
//! A handful of assets (some with several versions) are published through the real CLI; then
//! `OSOPS_LOAD_CLIENTS` (default 64) client threads each make `OSOPS_LOAD_REQUESTS` (default 25)
//! requests in a mix: index file reads (with `If-None-Match` once an `ETag` is known, so some are
//! `304`), archive downloads (each body's sha256 checked against the index), searches,
//! `/index/config.json`, and `OSOPS_LOAD_PUBLISHES` (default 2) publishes of new versions per
//! client, each followed by a read of its index file that must list it. The test fails on any
//! 5xx, transport error or unexpected status, and if any published version is then missing from
//! the index or does not download with its checksum, if the assets' `downloads` counters differ
//! from the downloads answered 200, or if the registry logs a warning, an error or a panic.
//! Latency percentiles per request kind and the throughput are printed (`--nocapture`), never
//! asserted. The run is bounded: every request has a timeout, and clients stop at
//! `OSOPS_LOAD_LIMIT_SECS` (default 300), which fails the test.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use osops_index::archive::{Limits, pack};
use osops_index::{AssetName, Manifest, index_path, sha256_hex};
use osops_tests::assets::publish_with_deps;
use osops_tests::fixtures::script_asset;
use osops_tests::{TestContext, TestRegistry};
use reqwest::StatusCode;
use reqwest::blocking::Client;

/// The assets published before the load, with their versions (several for some).
const SEED: &[(&str, &[&str])] = &[
    ("load-alpha", &["1.0.0", "1.1.0", "2.0.0"]),
    ("load-beta", &["0.1.0", "0.2.0"]),
    ("load-gamma", &["1.0.0"]),
    ("load-delta", &["3.0.0", "3.0.1"]),
];

/// Words the searches ask for (names, description, a prefix, one that matches nothing).
const QUERIES: &[&str] = &[
    "load",
    "alpha",
    "greeting",
    "prin",
    "load gamma",
    "nothing-matches-this",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Index,
    IndexConditional,
    Download,
    Search,
    Config,
    Publish,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Index => "index",
            Kind::IndexConditional => "index (If-None-Match)",
            Kind::Download => "download",
            Kind::Search => "search",
            Kind::Config => "config.json",
            Kind::Publish => "publish",
        }
    }
}

/// A version a client published and the registry accepted with 201.
#[derive(Debug, Clone)]
struct Published {
    name: String,
    version: String,
    cksum: String,
}

/// What one client saw.
#[derive(Default)]
struct Report {
    timings: Vec<(Kind, Duration)>,
    statuses: BTreeMap<(Kind, u16), usize>,
    failures: Vec<String>,
    server_errors: usize,
    transport_errors: usize,
    published: Vec<Published>,
    /// Downloads answered 200 (each must be counted in the asset's `downloads`).
    downloads: usize,
}

/// One index file as a client last saw it: its `ETag` and its entries (version, cksum).
#[derive(Clone, Default)]
struct CachedIndex {
    etag: Option<String>,
    entries: Vec<(String, String)>,
}

/// A small deterministic generator (xorshift64*), so a run's mix is reproducible per client.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}=`{value}` is not a number")),
        Err(_) => default,
    }
}

fn index_url(base: &str, name: &str) -> String {
    let name = AssetName::parse(name).expect("a valid asset name");
    format!("{base}/index/{}", index_path(&name))
}

/// The (version, cksum) of each line of an index file.
fn parse_index(body: &str) -> Result<Vec<(String, String)>, String> {
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let entry: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("bad index line `{line}`: {e}"))?;
            match (entry["vers"].as_str(), entry["cksum"].as_str()) {
                (Some(v), Some(c)) => Ok((v.to_string(), c.to_string())),
                _ => Err(format!("index line without vers/cksum: `{line}`")),
            }
        })
        .collect()
}

/// Packs the script asset `name@version` (the same fixture the CLI publishes) into `.osops` bytes.
fn packed(parent: &Path, name: &str, version: &str) -> Vec<u8> {
    let dir = script_asset(&parent.join(format!("{name}-{version}")), name, version);
    let manifest = Manifest::from_dir(&dir).expect("fixture manifest");
    pack(&dir, &manifest, &Limits::default()).expect("fixture packs")
}

struct LoadClient<'a> {
    http: Client,
    base: &'a str,
    token: &'a str,
    report: Report,
    deadline: Instant,
    indexes: HashMap<String, CachedIndex>,
    config_etag: Option<String>,
}

impl LoadClient<'_> {
    /// Sends `request`, records its latency and status; `None` (recorded as a failure) on a
    /// transport error or a 5xx.
    fn send(
        &mut self,
        kind: Kind,
        what: &str,
        request: reqwest::blocking::RequestBuilder,
    ) -> Option<(StatusCode, reqwest::header::HeaderMap, Vec<u8>)> {
        if Instant::now() > self.deadline {
            self.report
                .failures
                .push(format!("{what}: not sent, the run's time limit passed"));
            return None;
        }
        let started = Instant::now();
        let answer = request.send().and_then(|response| {
            let status = response.status();
            let headers = response.headers().clone();
            response.bytes().map(|b| (status, headers, b.to_vec()))
        });
        let elapsed = started.elapsed();
        self.report.timings.push((kind, elapsed));
        match answer {
            Err(e) => {
                self.report.transport_errors += 1;
                self.report
                    .failures
                    .push(format!("{what}: transport error after {elapsed:?}: {e:?}"));
                None
            }
            Ok((status, headers, body)) => {
                *self
                    .report
                    .statuses
                    .entry((kind, status.as_u16()))
                    .or_default() += 1;
                if status.is_server_error() {
                    self.report.server_errors += 1;
                    self.report.failures.push(format!(
                        "{what}: {status}: {}",
                        String::from_utf8_lossy(&body)
                    ));
                    return None;
                }
                Some((status, headers, body))
            }
        }
    }

    fn unexpected(&mut self, what: &str, status: StatusCode, body: &[u8]) {
        self.report.failures.push(format!(
            "{what}: unexpected {status}: {}",
            String::from_utf8_lossy(body)
        ));
    }

    /// Reads `name`'s index file (conditionally once an `ETag` is known) and returns its entries.
    fn read_index(&mut self, name: &str) -> Option<Vec<(String, String)>> {
        let cached = self.indexes.get(name).cloned().unwrap_or_default();
        let url = index_url(self.base, name);
        let mut request = self.http.get(&url);
        let kind = match &cached.etag {
            Some(tag) => {
                request = request.header(reqwest::header::IF_NONE_MATCH, tag);
                Kind::IndexConditional
            }
            None => Kind::Index,
        };
        let what = format!("GET {url}");
        let (status, headers, body) = self.send(kind, &what, request)?;
        match status {
            StatusCode::NOT_MODIFIED if cached.etag.is_some() => Some(cached.entries),
            StatusCode::OK => {
                let etag = headers
                    .get(reqwest::header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let expected = format!("\"{}\"", sha256_hex(&body));
                if etag.as_deref() != Some(expected.as_str()) {
                    self.report.failures.push(format!(
                        "{what}: ETag {etag:?} is not the quoted sha256 of the body ({expected})"
                    ));
                }
                let entries = match parse_index(&String::from_utf8_lossy(&body)) {
                    Ok(entries) => entries,
                    Err(e) => {
                        self.report.failures.push(format!("{what}: {e}"));
                        return None;
                    }
                };
                self.indexes.insert(
                    name.to_string(),
                    CachedIndex {
                        etag,
                        entries: entries.clone(),
                    },
                );
                Some(entries)
            }
            other => {
                self.unexpected(&what, other, &body);
                None
            }
        }
    }

    /// Downloads a random version of `name` that this client has seen in its index file (reading
    /// the index first if it has none) and checks the body's sha256.
    fn download(&mut self, name: &str, rng: &mut Rng) {
        let entries = match self.indexes.get(name) {
            Some(cached) if !cached.entries.is_empty() => cached.entries.clone(),
            _ => match self.read_index(name) {
                Some(entries) if !entries.is_empty() => entries,
                _ => return,
            },
        };
        let (version, cksum) = &entries[rng.below(entries.len())];
        self.download_checked(Kind::Download, name, version, cksum);
    }

    fn download_checked(&mut self, kind: Kind, name: &str, version: &str, cksum: &str) -> bool {
        let url = format!("{}/api/v1/assets/{name}/{version}/download", self.base);
        let what = format!("GET {url}");
        let request = self.http.get(&url);
        let Some((status, _, body)) = self.send(kind, &what, request) else {
            return false;
        };
        if status != StatusCode::OK {
            self.unexpected(&what, status, &body);
            return false;
        }
        let got = sha256_hex(&body);
        if got != cksum {
            self.report.failures.push(format!(
                "{what}: body's sha256 is {got}, the index says {cksum} ({} bytes)",
                body.len()
            ));
            return false;
        }
        self.report.downloads += 1;
        true
    }

    fn search(&mut self, query: &str) {
        let url = format!("{}/api/v1/assets", self.base);
        let what = format!("GET {url}?q={query}");
        let request = self.http.get(&url).query(&[("q", query)]);
        let Some((status, _, body)) = self.send(Kind::Search, &what, request) else {
            return;
        };
        if status != StatusCode::OK {
            return self.unexpected(&what, status, &body);
        }
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(answer) if answer["assets"].is_array() && answer["total"].is_u64() => {}
            _ => self.report.failures.push(format!(
                "{what}: not a search answer: {}",
                String::from_utf8_lossy(&body)
            )),
        }
    }

    fn config(&mut self) {
        let url = format!("{}/index/config.json", self.base);
        let what = format!("GET {url}");
        let mut request = self.http.get(&url);
        if let Some(tag) = &self.config_etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let conditional = self.config_etag.is_some();
        let Some((status, headers, body)) = self.send(Kind::Config, &what, request) else {
            return;
        };
        match status {
            StatusCode::NOT_MODIFIED if conditional => {}
            StatusCode::OK => {
                match serde_json::from_slice::<serde_json::Value>(&body) {
                    Ok(config) if config["dl"].is_string() && config["v"] == 1 => {}
                    _ => self.report.failures.push(format!(
                        "{what}: not an index config: {}",
                        String::from_utf8_lossy(&body)
                    )),
                }
                self.config_etag = headers
                    .get(reqwest::header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
            }
            other => self.unexpected(&what, other, &body),
        }
    }

    /// Publishes `archive` (`name@version`), expects 201 with its sha256, then reads the index
    /// file, which must list it at once.
    fn publish(&mut self, name: &str, version: &str, archive: Vec<u8>) {
        let url = format!("{}/api/v1/assets", self.base);
        let what = format!("PUT {url} ({name}@{version})");
        let cksum = sha256_hex(&archive);
        let request = self
            .http
            .put(&url)
            .bearer_auth(self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(archive);
        let Some((status, _, body)) = self.send(Kind::Publish, &what, request) else {
            return;
        };
        if status != StatusCode::CREATED {
            return self.unexpected(&what, status, &body);
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if answer["cksum"] != cksum.as_str()
            || answer["version"] != version
            || answer["new"] != true
        {
            self.report.failures.push(format!(
                "{what}: answer {answer} does not match the upload (cksum {cksum})"
            ));
        }
        self.report.published.push(Published {
            name: name.to_string(),
            version: version.to_string(),
            cksum: cksum.clone(),
        });
        if let Some(entries) = self.read_index(name)
            && !entries.iter().any(|(v, c)| v == version && *c == cksum)
        {
            self.report.failures.push(format!(
                "{what}: answered 201 but the next read of its index file does not list it"
            ));
        }
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn print_latencies(label: &str, mut durations: Vec<Duration>) {
    durations.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "  {label:<22} n={:<6} p50={:>8.2}ms p90={:>8.2}ms p99={:>8.2}ms max={:>8.2}ms",
        durations.len(),
        ms(percentile(&durations, 0.50)),
        ms(percentile(&durations, 0.90)),
        ms(percentile(&durations, 0.99)),
        ms(durations.last().copied().unwrap_or_default()),
    );
}

#[test]
fn case_28_bounded_mixed_load_from_64_clients_has_no_5xx_and_loses_no_publish() {
    let clients = env_usize("OSOPS_LOAD_CLIENTS", 64).max(1);
    let per_client = env_usize("OSOPS_LOAD_REQUESTS", 25).max(1);
    let publishes = env_usize("OSOPS_LOAD_PUBLISHES", 2).min(per_client);
    let limit = Duration::from_secs(env_usize("OSOPS_LOAD_LIMIT_SECS", 300) as u64);

    let registry = TestRegistry::start_with(&[
        "--rate-limit",
        "new-version=off",
        "--rate-limit",
        "new-name=off",
    ]);
    let token = registry.user_with_token("loader");
    let ctx = TestContext::new(registry.url()).with_token(&token);
    for (name, versions) in SEED {
        for version in *versions {
            publish_with_deps(&ctx, name, version, &[]);
        }
    }

    // Every client's archives, packed before the clock starts: client `c` publishes versions
    // `9.c.k` of seed asset `c % len`, so every version is distinct and the seed assets get
    // concurrent publishes from many clients.
    let sources = tempfile::tempdir().expect("temporary sources dir");
    let archives: Vec<Vec<(String, String, Vec<u8>)>> = (0..clients)
        .map(|c| {
            let name = SEED[c % SEED.len()].0;
            (0..publishes)
                .map(|k| {
                    let version = format!("9.{c}.{k}");
                    let bytes = packed(sources.path(), name, &version);
                    (name.to_string(), version, bytes)
                })
                .collect()
        })
        .collect();

    let base = registry.url().to_string();
    let barrier = Arc::new(Barrier::new(clients + 1));
    let started = Instant::now();
    let deadline = started + limit;
    let reports: Vec<Report> = std::thread::scope(|scope| {
        let handles: Vec<_> = archives
            .into_iter()
            .enumerate()
            .map(|(c, mut mine)| {
                let barrier = Arc::clone(&barrier);
                let base = base.as_str();
                let token = token.as_str();
                std::thread::Builder::new()
                    .name(format!("load-client-{c}"))
                    .stack_size(256 * 1024)
                    .spawn_scoped(scope, move || {
                        let http = Client::builder()
                            .timeout(Duration::from_secs(60))
                            .connect_timeout(Duration::from_secs(10))
                            .build()
                            .expect("an HTTP client");
                        let mut client = LoadClient {
                            http,
                            base,
                            token,
                            report: Report::default(),
                            deadline,
                            indexes: HashMap::new(),
                            config_etag: None,
                        };
                        let mut rng = Rng::new(c as u64 + 1);
                        // The requests (by position) that publish, spread over the run.
                        let publish_at: Vec<usize> = (0..publishes)
                            .map(|k| (k + 1) * per_client / (publishes + 1))
                            .collect();
                        mine.reverse();
                        barrier.wait();
                        for i in 0..per_client {
                            if publish_at.contains(&i)
                                && let Some((name, version, bytes)) = mine.pop()
                            {
                                client.publish(&name, &version, bytes);
                                continue;
                            }
                            let name = SEED[rng.below(SEED.len())].0;
                            match rng.below(100) {
                                0..35 => {
                                    client.read_index(name);
                                }
                                35..70 => client.download(name, &mut rng),
                                70..88 => client.search(QUERIES[rng.below(QUERIES.len())]),
                                _ => client.config(),
                            }
                        }
                        // Any publish the position list missed (a tiny per-client count).
                        while let Some((name, version, bytes)) = mine.pop() {
                            client.publish(&name, &version, bytes);
                        }
                        client.report
                    })
                    .expect("spawn a load client")
            })
            .collect();
        barrier.wait();
        handles
            .into_iter()
            .map(|h| h.join().expect("a load client panicked"))
            .collect()
    });
    let wall = started.elapsed();

    let mut timings: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    let mut statuses: BTreeMap<(Kind, u16), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut server_errors, mut transport_errors) = (0, 0);
    let mut published = Vec::new();
    let mut downloads = 0;
    for report in reports {
        downloads += report.downloads;
        for (kind, d) in report.timings {
            timings.entry(kind).or_default().push(d);
        }
        for (key, n) in report.statuses {
            *statuses.entry(key).or_default() += n;
        }
        failures.extend(report.failures);
        server_errors += report.server_errors;
        transport_errors += report.transport_errors;
        published.extend(report.published);
    }
    let total: usize = timings.values().map(Vec::len).sum();
    eprintln!(
        "case 28 load: {clients} clients x {per_client} requests ({publishes} publishes each) → {total} requests in {:.2}s, {:.0} requests/s",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64()
    );
    for (kind, durations) in &timings {
        print_latencies(kind.label(), durations.clone());
    }
    print_latencies("overall", timings.values().flatten().copied().collect());
    let statuses: Vec<String> = statuses
        .iter()
        .map(|((kind, status), n)| format!("{} {status}: {n}", kind.label()))
        .collect();
    eprintln!("  statuses: {}", statuses.join(", "));
    eprintln!(
        "  5xx: {server_errors}, transport errors: {transport_errors}, publishes accepted: {}",
        published.len()
    );

    // Afterwards, every accepted version is in its index file and downloads with its checksum.
    let http = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let mut lost = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<&Published>> = BTreeMap::new();
    for p in &published {
        by_name.entry(p.name.as_str()).or_default().push(p);
    }
    for (name, versions) in &by_name {
        let url = index_url(&base, name);
        let body = http
            .get(&url)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("GET {url} after the load: {e:?}"));
        let entries = parse_index(&body).expect("the index file parses");
        for p in versions {
            if !entries
                .iter()
                .any(|(v, c)| *v == p.version && *c == p.cksum)
            {
                lost.push(format!("{name}@{} is not in {url}", p.version));
                continue;
            }
            let dl = format!("{base}/api/v1/assets/{name}/{}/download", p.version);
            match http
                .get(&dl)
                .send()
                .and_then(|r| r.error_for_status()?.bytes())
            {
                Ok(bytes) if sha256_hex(&bytes) == p.cksum => downloads += 1,
                Ok(bytes) => lost.push(format!(
                    "{dl}: sha256 {} is not the published {}",
                    sha256_hex(&bytes),
                    p.cksum
                )),
                Err(e) => lost.push(format!("{dl}: {e:?}")),
            }
        }
        let seeded = SEED
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, v)| v.len());
        if entries.len() != seeded + versions.len() {
            lost.push(format!(
                "{url} has {} entries, expected {seeded} seeded + {} published",
                entries.len(),
                versions.len()
            ));
        }
    }

    // Every download answered 200 was counted (the counter is written before the answer).
    let mut counted = 0;
    for (name, _) in SEED {
        let url = format!("{base}/api/v1/assets/{name}");
        let detail: serde_json::Value = http
            .get(&url)
            .send()
            .and_then(|r| r.error_for_status()?.json())
            .unwrap_or_else(|e| panic!("GET {url} after the load: {e:?}"));
        counted += detail["downloads"].as_u64().expect("downloads") as usize;
    }
    eprintln!("  downloads answered 200: {downloads}, counted by the registry: {counted}");

    let log = registry.log();
    let panics: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("panicked") || l.contains(" ERROR ") || l.contains(" WARN "))
        .take(10)
        .collect();
    let shown = |list: &[String]| list.iter().take(20).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        failures.is_empty(),
        "{} failures under load (5xx: {server_errors}, transport: {transport_errors}); first ones:\n{}\n\nregistry log (errors):\n{}",
        failures.len(),
        shown(&failures),
        panics.join("\n")
    );
    assert_eq!(
        published.len(),
        clients * publishes,
        "every publish is answered 201"
    );
    assert!(lost.is_empty(), "lost publishes:\n{}", shown(&lost));
    assert_eq!(
        counted, downloads,
        "every download answered 200 is counted in the assets' `downloads`"
    );
    assert!(
        panics.is_empty(),
        "the registry logged errors:\n{}",
        panics.join("\n")
    );
    assert!(
        wall < limit,
        "the load took {wall:?}, over its {limit:?} limit"
    );
}
