//! `osops-registry gc`: unreferenced archives are removed once old enough, referenced ones (yanked
//! included) never, and a version whose archive is gone is reported. Through the library on
//! [`TestApp`]'s stores (SQLite and a directory, or PostgreSQL and S3 with `OSOPS_TEST_POSTGRES`
//! and `OSOPS_TEST_S3`), then through the binary on a data directory.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use axum::http::StatusCode;
use bytes::Bytes;
use common::{Asset, TestApp};
use osops_registry::admin::gc::{self, Options, Report};
use osops_registry::blobs::{BlobKey, Blobs};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_osops-registry");

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn options(dry_run: bool, min_age: Duration) -> Options {
    Options { dry_run, min_age }
}

async fn collect(app: &TestApp, options: Options) -> Report {
    gc::collect(app.state.assets.as_ref(), &app.state.blobs, options)
        .await
        .expect("gc")
}

fn shas(archives: &[gc::Unreferenced]) -> Vec<&str> {
    archives.iter().map(|a| a.sha256.as_str()).collect()
}

async fn exists(app: &TestApp, sha256: &str) -> bool {
    let key = BlobKey::archive(sha256).expect("key");
    app.state.blobs.exists(&key).await.expect("exists")
}

#[tokio::test]
async fn gc_removes_only_old_unreferenced_archives_and_reports_missing_ones() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let v1 = Asset::new("nova-tools", "1.0.0").archive();
    let v2 = Asset::new("nova-tools", "1.1.0").archive();
    for archive in [&v1, &v2] {
        let r = app.publish(Some(&jane), archive).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = app
        .send_json(
            axum::http::Method::DELETE,
            "/api/v1/assets/nova-tools/1.0.0/yank",
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // What a crashed publish leaves: a valid archive under its key, and no version.
    let orphan = Asset::new("nova-tools", "9.9.9").archive();
    let orphan_sha = sha256(&orphan);
    app.state
        .blobs
        .put(
            &BlobKey::archive(&orphan_sha).expect("key"),
            Bytes::from(orphan.clone()),
        )
        .await
        .expect("put the orphan");
    assert_eq!(app.blob_files().await.len(), 3);

    let dry = collect(&app, options(true, Duration::ZERO)).await;
    assert_eq!(shas(&dry.removed), [orphan_sha.as_str()]);
    assert_eq!(dry.removed[0].size, orphan.len() as u64);
    assert_eq!(dry.referenced, 2);
    assert!(dry.young.is_empty() && dry.failed.is_empty() && dry.missing.is_empty());
    assert!(dry.success());
    assert!(exists(&app, &orphan_sha).await, "a dry run removes nothing");
    assert_eq!(app.blob_files().await.len(), 3);

    let young = collect(&app, options(false, Duration::from_secs(3600))).await;
    assert!(young.removed.is_empty());
    assert_eq!(shas(&young.young), [orphan_sha.as_str()]);
    assert!(young.young[0].age < Duration::from_secs(3600));
    assert!(
        exists(&app, &orphan_sha).await,
        "younger than --min-age: kept"
    );

    let real = collect(&app, options(false, Duration::ZERO)).await;
    assert_eq!(shas(&real.removed), [orphan_sha.as_str()]);
    assert_eq!(real.referenced, 2);
    assert!(real.success(), "{real:?}");
    assert!(!exists(&app, &orphan_sha).await);
    assert_eq!(app.blob_files().await.len(), 2);
    for (version, archive) in [("1.0.0", &v1), ("1.1.0", &v2)] {
        let r = app
            .get(&format!("/api/v1/assets/nova-tools/{version}/download"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{version}: {}", r.text());
        assert_eq!(sha256(&r.body), sha256(archive), "{version}");
    }

    let again = collect(&app, options(false, Duration::ZERO)).await;
    assert!(again.removed.is_empty() && again.success(), "{again:?}");

    // Behind the registry's back: 1.1.0's archive is deleted.
    let v2_sha = sha256(&v2);
    app.state
        .blobs
        .delete(&BlobKey::archive(&v2_sha).expect("key"))
        .await
        .expect("delete");
    for dry_run in [true, false] {
        let report = collect(&app, options(dry_run, Duration::ZERO)).await;
        assert_eq!(report.missing, [v2_sha.as_str()], "dry run {dry_run}");
        assert_eq!(report.referenced, 1);
        assert!(report.removed.is_empty());
        assert!(!report.success());
    }
    assert!(exists(&app, &sha256(&v1)).await);
}

/// What a registry killed while writing an archive to a local directory leaves: the store's
/// staging file (`KEY#1`), cut short and never renamed into place. The store's listing does not
/// show it; gc finds it on disk and removes it once older than `--min-age` (case 22).
#[tokio::test]
async fn gc_removes_archive_writes_cut_short_by_a_crash() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let v1 = Asset::new("nova-tools", "1.0.0").archive();
    let r = app.publish(Some(&jane), &v1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A local store of its own whatever TestApp runs on, holding 1.0.0's archive.
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = Blobs::local(dir.path()).expect("local store");
    let v1_key = BlobKey::archive(&sha256(&v1)).expect("key");
    blobs
        .put(&v1_key, Bytes::from(v1.clone()))
        .await
        .expect("put");
    let cut = |archive: &[u8], age: Duration| {
        let key = BlobKey::archive(&sha256(archive)).expect("key");
        let path = dir.path().join(format!("{key}#1"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &archive[..archive.len() / 2]).expect("write the staging file");
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open");
        file.set_modified(std::time::SystemTime::now() - age)
            .expect("set mtime");
        path
    };
    let old = cut(
        &Asset::new("nova-tools", "1.1.0").archive(),
        Duration::from_secs(7200),
    );
    let fresh = cut(&Asset::new("nova-tools", "1.2.0").archive(), Duration::ZERO);
    let collect = |dry_run| {
        gc::collect(
            app.state.assets.as_ref(),
            &blobs,
            options(dry_run, Duration::from_secs(3600)),
        )
    };

    let dry = collect(true).await.expect("gc --dry-run");
    let found: Vec<&Path> = dry.partial.iter().map(|p| p.path.as_path()).collect();
    assert_eq!(
        found,
        [old.as_path()],
        "only the staging file older than --min-age"
    );
    assert!(old.exists(), "a dry run removes nothing");
    assert_eq!(dry.referenced, 1);
    assert!(dry.removed.is_empty() && dry.success(), "{dry:?}");
    let summary = gc::Summary(&dry).to_string();
    assert!(
        summary.contains("; would remove 1 partial write ("),
        "{summary}"
    );

    let real = collect(false).await.expect("gc");
    let removed: Vec<&Path> = real.partial.iter().map(|p| p.path.as_path()).collect();
    assert_eq!(removed, [old.as_path()]);
    assert!(!old.exists(), "the write cut short is gone");
    assert!(
        fresh.exists(),
        "a young staging file may be a write in progress: kept"
    );
    assert!(
        blobs.exists(&v1_key).await.expect("exists"),
        "the archive stays"
    );
    assert!(real.success(), "{real:?}");
}

#[tokio::test]
async fn gc_refuses_to_empty_the_store_for_a_database_without_versions() {
    let app = TestApp::new().await;
    let archive = Asset::new("nova-tools", "1.0.0").archive();
    let sha = sha256(&archive);
    app.state
        .blobs
        .put(&BlobKey::archive(&sha).expect("key"), Bytes::from(archive))
        .await
        .expect("put");

    let dry = collect(&app, options(true, Duration::ZERO)).await;
    assert_eq!(shas(&dry.removed), [sha.as_str()]);
    let err = gc::collect(
        app.state.assets.as_ref(),
        &app.state.blobs,
        options(false, Duration::ZERO),
    )
    .await
    .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains(
            "the database has no version, but the blob store holds 1 unreferenced archive"
        ),
        "{text}"
    );
    assert!(exists(&app, &sha).await, "nothing removed");
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("OSOPS_DATABASE_URL")
        .env_remove("OSOPS_STORAGE")
        .output()
        .expect("run osops-registry")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Publishes `archive` as `jane` through the library on the data directory (SQLite, `blobs/`).
fn publish_on(data: &Path, archive: Vec<u8>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let data_dir = osops_registry::DataDir::create(data).expect("data dir");
        let settings =
            osops_registry::Settings::new("http://registry.test", 1 << 20).expect("settings");
        let database = osops_registry::store::Database::Sqlite(data_dir.database());
        let blobs = osops_registry::blobs::Blobs::local(&data_dir.blobs()).expect("blobs");
        let (state, store) = osops_registry::server::open(&database, blobs, settings)
            .await
            .expect("open");
        let jane = state.users.create_user("jane").await.expect("jane");
        osops_registry::publish::publish(
            &state,
            &osops_registry::access::Actor::direct(jane),
            archive.into(),
            false,
        )
        .await
        .expect("publish");
        store.close().await;
    });
}

#[test]
fn gc_binary_prints_lines_and_a_summary_and_exits_1_on_missing_archives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_path = dir.path().join("data");
    let data = data_path.to_str().expect("utf-8 path");
    let published = Asset::new("nova-tools", "1.0.0").archive();
    let published_sha = sha256(&published);
    publish_on(&data_path, published);
    let orphan = Asset::new("nova-tools", "2.0.0").archive();
    let orphan_sha = sha256(&orphan);
    let file = |sha: &str| {
        data_path
            .join("blobs")
            .join(BlobKey::archive(sha).expect("key").as_str())
    };
    std::fs::create_dir_all(file(&orphan_sha).parent().expect("parent")).expect("mkdir");
    std::fs::write(file(&orphan_sha), &orphan).expect("orphan");

    // The default --min-age (1h) keeps the fresh orphan.
    let out = run(&["gc", "--data-dir", data, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "would remove 0 unreferenced archives (0 bytes); kept 1 referenced and 1 younger than 1h\n"
    );
    assert_eq!(text(&out.stderr), "");

    let out = run(&["gc", "--data-dir", data, "--dry-run", "--min-age", "0s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let line = format!("would remove {orphan_sha} ({} bytes, ", orphan.len());
    assert!(
        lines[0].starts_with(&line) && lines[0].ends_with("s old)"),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        format!(
            "would remove 1 unreferenced archive ({} bytes); kept 1 referenced and 0 younger than 0s",
            orphan.len()
        )
    );
    assert!(file(&orphan_sha).exists());

    // A data directory whose database has no version, beside this store: refused.
    let other = dir.path().join("other");
    let storage = format!("file://{}", data_path.join("blobs").display());
    let out = run(&[
        "gc",
        "--data-dir",
        other.to_str().expect("utf-8"),
        "--storage",
        &storage,
        "--min-age",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("error: the database has no version, but the blob store holds 2 unreferenced archives; nothing was removed"),
        "{}",
        text(&out.stderr)
    );
    assert!(file(&orphan_sha).exists() && file(&published_sha).exists());

    let out = run(&["gc", "--data-dir", data, "--min-age", "0s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("removed {orphan_sha} ({} bytes, ", orphan.len())),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        format!(
            "removed 1 unreferenced archive ({} bytes); kept 1 referenced and 0 younger than 0s",
            orphan.len()
        )
    );
    assert!(!file(&orphan_sha).exists());
    assert!(file(&published_sha).exists());

    // The published version's archive, deleted behind the registry's back.
    std::fs::remove_file(file(&published_sha)).expect("remove");
    let out = run(&["gc", "--data-dir", data]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "removed 0 unreferenced archives (0 bytes); kept 0 referenced and 0 younger than 1h; \
         1 referenced archive missing\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "warning: archive {published_sha} is missing from the blob store (key `archives/"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let out = run(&["gc", "--data-dir", data, "--min-age", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--min-age"),
        "{}",
        text(&out.stderr)
    );
}
