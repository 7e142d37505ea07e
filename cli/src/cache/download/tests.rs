//! Parallel downloads against the test server: verified into the cache, a wrong checksum leaves
//! nothing, cached archives are not requested, transient failures are retried.

use std::time::Duration;

use super::*;
use crate::client::Settings;
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

fn quiet() -> Progress {
    Progress::silent()
}

fn archive(i: usize) -> Vec<u8> {
    format!("archive number {i}").repeat(100).into_bytes()
}

/// Routes `GET /dl/{i}` to `archive(i)` and returns the job for it.
fn job(server: &TestServer, i: usize) -> Download {
    server.route(&format!("GET /dl/{i}"), vec![Reply::ok(archive(i))]);
    Download {
        registry: server.url.clone(),
        url: format!("{}/dl/{i}", server.url),
        sha256: osops_index::sha256_hex(&archive(i)),
        what: format!("asset-{i} v1.0.0"),
    }
}

/// The names in `archives/`, sorted.
fn archives(cache: &Cache, server: &TestServer) -> Vec<String> {
    crate::cache::tests::names_in(&cache.registry(&server.url).archives_dir())
}

#[test]
fn five_downloads_two_at_a_time_all_land_verified_in_order() {
    let server = TestServer::start();
    let jobs: Vec<Download> = (0..5).map(|i| job(&server, i)).collect();
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let progress = quiet();
    let paths = download_all(&jobs, &[&client], &cache, 2, 1 << 20, &progress).expect("downloads");
    assert_eq!(paths.len(), 5);
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(
            path,
            &cache
                .registry(&server.url)
                .archive_path(&jobs[i].sha256)
                .expect("path")
        );
        assert_eq!(std::fs::read(path).expect("archive"), archive(i));
    }
    assert_eq!(archives(&cache, &server).len(), 5, "no temporary file left");
    assert_eq!(server.requests().len(), 5);
    let bytes: u64 = (0..5).map(|i| archive(i).len() as u64).sum();
    assert_eq!(progress.totals(), (bytes, 5));
}

#[test]
fn a_wrong_checksum_fails_naming_both_and_leaves_no_file() {
    let server = TestServer::start();
    let mut bad = job(&server, 1);
    bad.sha256 = osops_index::sha256_hex(b"what the index says");
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = download_all(&[bad.clone()], &[&client], &cache, 2, 1 << 20, &quiet())
        .expect_err("mismatch");
    let got = osops_index::sha256_hex(&archive(1));
    assert!(
        matches!(&err, DownloadError::ChecksumMismatch { what, expected, got: g }
            if what == "asset-1 v1.0.0" && *expected == bad.sha256 && *g == got),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&bad.sha256) && message.contains(&got),
        "{message}"
    );
    assert_eq!(archives(&cache, &server), Vec::<String>::new());
}

#[test]
fn cached_archives_are_not_requested_again() {
    let server = TestServer::start();
    let jobs: Vec<Download> = (0..3).map(|i| job(&server, i)).collect();
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    download_all(&jobs[..1], &[&client], &cache, 4, 1 << 20, &quiet()).expect("first");
    assert_eq!(server.requests(), ["GET /dl/0"]);

    let progress = quiet();
    let paths = download_all(&jobs, &[&client], &cache, 4, 1 << 20, &progress).expect("all");
    assert_eq!(paths.len(), 3);
    assert_eq!(server.count("GET /dl/0"), 1, "taken from the cache");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(progress.totals().1, 2, "two downloaded, one cached");

    // A corrupt cached copy is replaced.
    std::fs::write(&paths[2], b"bit rot").expect("corrupt");
    let again = download_all(&jobs, &[&client], &cache, 4, 1 << 20, &quiet()).expect("again");
    assert_eq!(std::fs::read(&again[2]).expect("archive"), archive(2));
    assert_eq!(server.count("GET /dl/2"), 2);
    assert_eq!(server.count("GET /dl/1"), 1);
}

#[test]
fn server_errors_then_success_is_retried() {
    let server = TestServer::start();
    let job = job(&server, 7);
    server.route(
        "GET /dl/7",
        vec![
            Reply::problem(500, "boom"),
            Reply::problem(500, "boom"),
            Reply::ok(archive(7)),
        ],
    );
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let progress = quiet();
    let paths = download_all(&[job], &[&client], &cache, 2, 1 << 20, &progress).expect("third try");
    assert_eq!(std::fs::read(&paths[0]).expect("archive"), archive(7));
    assert_eq!(server.count("GET /dl/7"), 3);
    assert_eq!(progress.totals(), (archive(7).len() as u64, 1));
}

#[test]
fn a_reset_mid_download_restarts_it_and_the_bytes_count_once() {
    let server = TestServer::start();
    let job = job(&server, 3);
    server.route("GET /dl/3", vec![Reply::Close, Reply::ok(archive(3))]);
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let progress = quiet();
    download_all(&[job], &[&client], &cache, 1, 1 << 20, &progress).expect("second try");
    assert_eq!(progress.totals(), (archive(3).len() as u64, 1));
}

#[test]
fn the_first_failure_stops_new_jobs_and_names_the_asset() {
    let server = TestServer::start();
    let mut jobs: Vec<Download> = (0..6).map(|i| job(&server, i)).collect();
    server.route("GET /dl/0", vec![Reply::problem(403, "forbidden")]);
    jobs[0].what = "broken-asset v2.0.0".into();
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = download_all(&jobs, &[&client], &cache, 1, 1 << 20, &quiet()).expect_err("403");
    assert_eq!(err.what(), "broken-asset v2.0.0");
    assert!(err.to_string().contains("broken-asset v2.0.0"), "{err}");
    assert_eq!(
        server.requests(),
        ["GET /dl/0"],
        "one at a time: nothing after the failure"
    );
    assert!(
        archives(&cache, &server)
            .iter()
            .all(|n| !n.starts_with(".download-")),
        "no temporary file left"
    );
}

#[test]
fn bad_jobs_are_refused_before_anything_is_fetched() {
    let server = TestServer::start();
    let good = job(&server, 1);
    let mut traversal = job(&server, 2);
    traversal.sha256 = "../../../../etc/passwd".into();
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let err = download_all(
        &[good.clone(), traversal],
        &[&client],
        &cache,
        2,
        1 << 20,
        &quiet(),
    )
    .expect_err("bad sha256");
    assert!(matches!(err, DownloadError::BadChecksum { .. }), "{err:?}");
    let mut elsewhere = good;
    elsewhere.registry = "http://other.example".into();
    let err = download_all(&[elsewhere], &[&client], &cache, 2, 1 << 20, &quiet())
        .expect_err("no client");
    assert!(matches!(err, DownloadError::NoClient { .. }), "{err:?}");
    assert!(server.requests().is_empty());
    assert_eq!(
        download_all(&[], &[&client], &cache, 2, 1 << 20, &quiet()).expect("nothing to do"),
        Vec::<PathBuf>::new()
    );
}
