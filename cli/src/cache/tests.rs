//! The cache's layout, its repairs (a corrupt file is a miss), `info` and `clean`, and index reads
//! through it against the test server.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use osops_index::AssetName;

use super::*;
use crate::client::{Client, Settings, Silent};
use crate::test_server::{Reply, TestServer};

fn sha(bytes: &[u8]) -> String {
    osops_index::sha256_hex(bytes)
}

fn store(rc: &RegistryCache, bytes: &[u8]) -> PathBuf {
    let mut pending = rc.start_archive(&sha(bytes)).expect("start");
    pending.file_mut().write_all(bytes).expect("write");
    pending.commit(&sha(bytes)).expect("commit")
}

/// The names in `dir`, sorted.
pub(super) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_root_comes_from_osops_cache_then_xdg_then_home() {
    let os = |s: &str| Some(std::ffi::OsString::from(s));
    assert_eq!(
        Cache::root_from(os("/c"), os("/x"), os("/h")),
        Some(PathBuf::from("/c"))
    );
    assert_eq!(
        Cache::root_from(os(""), os("/x"), os("/h")),
        Some(PathBuf::from("/x/osops"))
    );
    assert_eq!(
        Cache::root_from(None, os("relative"), os("/h")),
        Some(PathBuf::from("/h/.cache/osops")),
        "a relative XDG_CACHE_HOME is ignored, as the spec asks"
    );
    assert_eq!(Cache::root_from(None, None, None), None);
    assert!(
        Error::NoCacheDir
            .hint()
            .is_some_and(|h| h.contains("OSOPS_CACHE"))
    );
}

#[test]
fn archives_are_committed_only_with_the_right_sha256() {
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let rc = cache.registry("http://r.example/");
    assert_eq!(rc.url(), "http://r.example");
    assert_eq!(
        rc.dir(),
        root.path()
            .join(crate::client::registry_id("http://r.example"))
    );
    assert!(!rc.dir().exists(), "nothing is created before a write");

    let path = store(&rc, b"good bytes");
    assert_eq!(path, rc.archive_path(&sha(b"good bytes")).expect("path"));
    assert_eq!(
        std::fs::read_to_string(rc.dir().join("registry")).expect("registry file"),
        "http://r.example\n"
    );

    let mut pending = rc.start_archive(&sha(b"expected")).expect("start");
    pending.file_mut().write_all(b"other").expect("write");
    let tmp = pending.temp_path().to_owned();
    assert!(
        tmp.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".download-"))
    );
    let err = pending.commit(&sha(b"other")).expect_err("mismatch");
    assert!(
        matches!(&err, Error::ChecksumMismatch { expected, got, .. }
            if *expected == sha(b"expected") && *got == sha(b"other")),
        "{err:?}"
    );
    assert!(!tmp.exists(), "the mismatching download is deleted");
    assert_eq!(
        names_in(&rc.archives_dir()),
        [format!("{}.osops", sha(b"good bytes"))]
    );
}

#[test]
fn a_streamed_hash_that_lies_about_the_file_is_caught_on_commit() {
    let root = tempfile::tempdir().expect("tempdir");
    let rc = Cache::at(root.path()).registry("http://r.example");
    let mut pending = rc.start_archive(&sha(b"expected")).expect("start");
    pending.file_mut().write_all(b"tampered").expect("write");
    let err = pending.commit(&sha(b"expected")).expect_err("re-hashed");
    assert!(
        matches!(&err, Error::ChecksumMismatch { got, .. } if *got == sha(b"tampered")),
        "{err:?}"
    );
    assert!(names_in(&rc.archives_dir()).is_empty());
}

#[test]
fn cached_archives_are_rehashed_and_a_corrupt_one_is_deleted() {
    let root = tempfile::tempdir().expect("tempdir");
    let rc = Cache::at(root.path()).registry("http://r.example");
    let good = sha(b"archive");
    assert_eq!(rc.read_archive(&good, 100).expect("read"), Lookup::Miss);
    let path = store(&rc, b"archive");
    assert_eq!(
        rc.read_archive(&good, 100).expect("read"),
        Lookup::Hit(b"archive".to_vec())
    );
    assert_eq!(
        rc.verify_archive(&good, 100).expect("verify"),
        Lookup::Hit(path.clone())
    );

    std::fs::write(&path, b"flipped").expect("corrupt it");
    assert_eq!(
        rc.read_archive(&good, 100).expect("read"),
        Lookup::Corrupt { path: path.clone() }
    );
    assert!(!path.exists());

    store(&rc, b"archive");
    assert_eq!(
        rc.verify_archive(&good, 3).expect("verify"),
        Lookup::Corrupt { path: path.clone() },
        "larger than the limit: cannot be the archive"
    );
    assert_eq!(rc.verify_archive(&good, 100).expect("verify"), Lookup::Miss);
}

#[test]
fn checksums_and_index_paths_cannot_leave_the_cache() {
    let root = tempfile::tempdir().expect("tempdir");
    let rc = Cache::at(root.path()).registry("http://r.example");
    for bad in ["../../etc/passwd", "", &"AB".repeat(32), &"a".repeat(63)] {
        assert!(
            matches!(rc.archive_path(bad), Err(Error::BadChecksum { .. })),
            "{bad}"
        );
        assert!(rc.read_archive(bad, 10).is_err());
        assert!(rc.start_archive(bad).is_err());
    }
    for bad in [
        "../x",
        "/etc/passwd",
        "a//b",
        ".hidden",
        "a/../b",
        "",
        "a b",
    ] {
        assert!(
            matches!(rc.read_index(bad), Err(Error::BadIndexPath { .. })),
            "{bad}"
        );
    }
    assert!(rc.index_path("no/va/nova-tools").is_ok());
    assert!(rc.index_path("config.json").is_ok());
}

#[test]
fn index_files_round_trip_and_corrupt_ones_are_misses() {
    let root = tempfile::tempdir().expect("tempdir");
    let rc = Cache::at(root.path()).registry("http://r.example");
    let file = CachedFile {
        url: "http://r.example/index/config.json".into(),
        etag: Some("\"abc\"".into()),
        fetched_at: "2026-11-23T15:21:06Z".into(),
        body: "{}".into(),
    };
    assert_eq!(rc.read_index("config.json").expect("read"), None);
    rc.write_index("config.json", &file).expect("write");
    assert_eq!(
        rc.read_index("config.json").expect("read"),
        Some(file.clone())
    );
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rc.dir().join("index/config.json")).expect("file"))
            .expect("one JSON object");
    assert_eq!(on_disk["etag"], "\"abc\"");

    let path = rc.index_path("no/va/nova-tools").expect("path");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(&path, b"{\"url\": 3").expect("junk");
    assert_eq!(
        rc.read_index("no/va/nova-tools").expect("junk is a miss"),
        None
    );
    assert!(!path.exists(), "and is removed");
    std::fs::create_dir_all(&path).expect("a directory in its place");
    assert_eq!(rc.read_index("no/va/nova-tools").expect("a miss"), None);
    assert!(!path.exists());
}

#[test]
fn info_reports_each_registry_and_clean_frees_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    assert_eq!(cache.info().expect("empty"), []);
    let a = cache.registry("http://a.example");
    let b = cache.registry("http://b.example");
    store(&a, b"one");
    store(&a, b"two");
    a.write_index(
        "config.json",
        &CachedFile {
            url: "u".into(),
            etag: None,
            fetched_at: "t".into(),
            body: "{}".into(),
        },
    )
    .expect("index");
    store(&b, b"three");
    // Not a registry's directory: neither reported nor removed.
    std::fs::write(root.path().join("notes.txt"), b"mine").expect("foreign file");

    let info = cache.info().expect("info");
    assert_eq!(info.len(), 2);
    assert_eq!(info[0].url.as_deref(), Some("http://a.example"));
    assert_eq!((info[0].archives, info[0].index_files), (2, 1));
    assert_eq!((info[1].archives, info[1].index_files), (1, 0));
    assert!(info[0].bytes >= 6, "{info:?}");

    let freed = cache.clean(Some("http://b.example/")).expect("clean b");
    assert_eq!(freed, info[1].bytes);
    assert!(!b.dir().exists());
    assert!(a.dir().exists());
    assert_eq!(cache.clean(Some("http://b.example")).expect("again"), 0);

    let freed = cache.clean(None).expect("clean all");
    assert_eq!(freed, info[0].bytes);
    assert_eq!(names_in(root.path()), ["notes.txt"]);
}

#[test]
fn stale_downloads_are_swept_and_fresh_ones_kept() {
    let root = tempfile::tempdir().expect("tempdir");
    let rc = Cache::at(root.path()).registry("http://r.example");
    let pending = rc.start_archive(&sha(b"x")).expect("start");
    let old = rc.archives_dir().join(".download-old");
    let file = std::fs::File::create(&old).expect("create");
    file.set_modified(std::time::SystemTime::now() - 2 * STALE_DOWNLOAD)
        .expect("age it");
    rc.remove_stale_downloads().expect("sweep");
    assert!(!old.exists());
    assert!(pending.temp_path().exists(), "a fresh download is kept");
}

// --- IndexReader ---

fn fast() -> Settings {
    Settings {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(20),
        retries: 1,
        backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    }
}

fn name() -> AssetName {
    AssetName::parse("nova-tools").expect("name")
}

fn index_body(versions: &[&str]) -> String {
    versions
        .iter()
        .map(|v| {
            let line = serde_json::json!({"name": "nova-tools", "vers": v, "kind": "script",
                "cksum": "ab".repeat(32), "published_at": "2026-11-23T15:21:06Z", "v": 1});
            format!("{line}\n")
        })
        .collect()
}

fn tagged(status: u16, etag: &str, body: &str) -> Reply {
    Reply::Http {
        status,
        headers: vec![("ETag".into(), etag.into())],
        body: body.as_bytes().to_vec(),
    }
}

const ROUTE: &str = "GET /index/no/va/nova-tools";

#[test]
fn online_reads_store_the_file_and_revalidate_it_with_its_etag() {
    let server = TestServer::start();
    server.route(
        ROUTE,
        vec![
            tagged(200, "\"v1\"", &index_body(&["1.0.0"])),
            tagged(304, "\"v1\"", ""),
            tagged(200, "\"v2\"", &index_body(&["1.0.0", "1.1.0"])),
        ],
    );
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let reader = IndexReader::for_client(&client, &cache, false);

    let first = reader
        .entries(&name(), &Silent)
        .expect("read")
        .expect("some");
    assert_eq!(first.len(), 1);
    let stored = cache
        .registry(&server.url)
        .read_index("no/va/nova-tools")
        .expect("read")
        .expect("stored");
    assert_eq!(stored.etag.as_deref(), Some("\"v1\""));
    assert_eq!(stored.url, format!("{}/index/no/va/nova-tools", server.url));

    let second = reader
        .entries(&name(), &Silent)
        .expect("304")
        .expect("some");
    assert_eq!(second, first, "the cached body answers a 304");
    let third = reader
        .entries(&name(), &Silent)
        .expect("200")
        .expect("some");
    assert_eq!(third.len(), 2);

    let sent: Vec<Option<String>> = server.seen().into_iter().map(|s| s.if_none_match).collect();
    assert_eq!(sent, [None, Some("\"v1\"".into()), Some("\"v1\"".into())]);
    let stored = cache
        .registry(&server.url)
        .read_index("no/va/nova-tools")
        .expect("read")
        .expect("stored");
    assert_eq!(stored.etag.as_deref(), Some("\"v2\""));
}

#[test]
fn a_404_means_no_asset_and_drops_the_cached_file() {
    let server = TestServer::start();
    server.route(
        ROUTE,
        vec![
            tagged(200, "\"v1\"", &index_body(&["1.0.0"])),
            Reply::problem(404, "no index file"),
        ],
    );
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let reader = IndexReader::for_client(&client, &cache, false);
    assert!(reader.entries(&name(), &Silent).expect("200").is_some());
    assert_eq!(reader.entries(&name(), &Silent).expect("404"), None);
    let rc = cache.registry(&server.url);
    assert_eq!(rc.read_index("no/va/nova-tools").expect("read"), None);
}

#[test]
fn offline_reads_only_the_cache_and_names_each_miss() {
    let server = TestServer::start();
    server.route(ROUTE, vec![tagged(200, "\"v1\"", &index_body(&["1.0.0"]))]);
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    IndexReader::for_client(&client, &cache, false)
        .entries(&name(), &Silent)
        .expect("fill the cache");

    let offline = IndexReader::for_client(&client, &cache, true);
    let entries = offline.entries(&name(), &Silent).expect("cached");
    assert_eq!(entries.map(|e| e.len()), Some(1));
    let other = AssetName::parse("galera-health").expect("name");
    let err = offline.entries(&other, &Silent).expect_err("miss");
    assert!(
        matches!(&err, ReadError::NotCached { what, registry }
            if what == "the index file of `galera-health`" && *registry == server.url),
        "{err:?}"
    );
    assert!(err.hint().is_some_and(|h| h.contains("--offline")));
    let err = offline.config(&Silent).expect_err("miss");
    assert!(matches!(err, ReadError::NotCached { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1, "offline sends nothing");
}

#[test]
fn a_cached_file_that_no_longer_parses_is_fetched_whole() {
    let server = TestServer::start();
    server.route(ROUTE, vec![tagged(200, "\"v2\"", &index_body(&["1.0.0"]))]);
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    cache
        .registry(&server.url)
        .write_index(
            "no/va/nova-tools",
            &CachedFile {
                url: format!("{}/index/no/va/nova-tools", server.url),
                etag: Some("\"v1\"".into()),
                fetched_at: "2026-11-23T15:21:06Z".into(),
                body: "not an index line\n".into(),
            },
        )
        .expect("write");
    let reader = IndexReader::for_client(&client, &cache, false);
    assert!(reader.entries(&name(), &Silent).expect("read").is_some());
    assert_eq!(server.seen()[0].if_none_match, None);

    let offline = IndexReader::for_client(&client, &cache, true);
    cache
        .registry(&server.url)
        .write_index(
            "no/va/nova-tools",
            &CachedFile {
                url: format!("{}/index/no/va/nova-tools", server.url),
                etag: None,
                fetched_at: "2026-11-23T15:21:06Z".into(),
                body: "junk\n".into(),
            },
        )
        .expect("write");
    let err = offline.entries(&name(), &Silent).expect_err("unusable");
    assert!(matches!(err, ReadError::NotCached { .. }), "{err:?}");
}

#[test]
fn the_config_is_cached_too_and_a_broken_answer_is_not_stored() {
    let server = TestServer::start();
    let config = serde_json::json!({"dl": "http://x/{name}/{version}", "api": "http://x", "v": 1});
    server.route(
        "GET /index/config.json",
        vec![Reply::ok(b"{broken".to_vec()), Reply::json(200, &config)],
    );
    let root = tempfile::tempdir().expect("tempdir");
    let cache = Cache::at(root.path());
    let client = Client::new(&server.url, None, fast()).expect("client");
    let reader = IndexReader::for_client(&client, &cache, false);
    let err = reader.config(&Silent).expect_err("broken");
    assert!(matches!(err, ReadError::Client { .. }), "{err:?}");
    assert_eq!(
        cache
            .registry(&server.url)
            .read_index("config.json")
            .expect("read"),
        None
    );
    assert_eq!(reader.config(&Silent).expect("ok").v, 1);
    let offline = IndexReader::for_client(&client, &cache, true);
    assert_eq!(
        offline.config(&Silent).expect("cached").dl,
        "http://x/{name}/{version}"
    );
}
