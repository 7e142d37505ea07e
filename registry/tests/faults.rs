//! Fault injection during a publish (SECURITY-TESTS cases 23 and 24, and case 22 at exact
//! points): the object store failing, timing out or full, and errors between the blob write and
//! the commit and between the commit and the answer. Each test sets points on its own
//! [`TestApp`]'s blob store (`app.state.blobs.failpoints()`, registry/src/failpoint.rs), so the
//! tests run side by side; on SQLite and a directory, or on PostgreSQL and S3 with
//! `OSOPS_TEST_POSTGRES` and `OSOPS_TEST_S3`.
//!
//! Needs the registry's `failpoints` feature, which `osops-tests` (a dev-dependency) turns on,
//! so `cargo test -p osops-registry` and `cargo test --workspace` both have it.

#[cfg(not(feature = "failpoints"))]
#[test]
fn skipped_without_the_failpoints_feature() {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: built without the failpoints feature"
    );
}

#[cfg(feature = "failpoints")]
mod common;

#[cfg(feature = "failpoints")]
mod faults {
    use std::time::Duration;

    use axum::http::StatusCode;
    use osops_registry::admin::gc::{self, Options, Report};
    use osops_registry::failpoint::{Action, PUBLISH_AFTER_BLOB, PUBLISH_AFTER_COMMIT, STORE_PUT};

    use super::common::{Asset, TestApp, index_uri};

    const NAME: &str = "galera-check";

    fn sha256(bytes: &[u8]) -> String {
        osops_index::sha256_hex(bytes)
    }

    /// What gc would remove with a min-age of zero, without removing it.
    async fn gc_dry_run(app: &TestApp) -> Report {
        gc::collect(
            app.state.assets.as_ref(),
            &app.state.blobs,
            Options {
                dry_run: true,
                min_age: Duration::ZERO,
            },
        )
        .await
        .expect("gc")
    }

    fn unreferenced(report: &Report) -> Vec<&str> {
        report.removed.iter().map(|a| a.sha256.as_str()).collect()
    }

    /// A registry where `jane` published `galera-check` 1.0.0; her token, and that archive.
    async fn published_once() -> (TestApp, String, Vec<u8>) {
        let app = TestApp::new().await;
        let jane = app.user("jane").await;
        let v1 = Asset::new(NAME, "1.0.0").archive();
        let r = app.publish(Some(&jane), &v1).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        (app, jane, v1)
    }

    /// Everything a failed publish must leave as it was.
    #[derive(Debug, PartialEq)]
    struct Snapshot {
        versions: i64,
        index: (StatusCode, bytes::Bytes),
        detail: serde_json::Value,
        blobs: Vec<std::path::PathBuf>,
    }

    async fn snapshot(app: &TestApp) -> Snapshot {
        let index = app.get(&index_uri(NAME)).await;
        let mut detail = app.get(&format!("/api/v1/assets/{NAME}")).await.json();
        // Read counters move with the reads themselves.
        detail["downloads"] = serde_json::Value::Null;
        Snapshot {
            versions: app.scalar("SELECT COUNT(*) FROM versions").await,
            index: (index.status, index.body),
            detail,
            blobs: app.blob_files().await,
        }
    }

    /// The version is fully there: listed, indexed with its checksum, downloadable byte for byte.
    async fn assert_visible(app: &TestApp, version: &str, archive: &[u8]) {
        let detail = app.get(&format!("/api/v1/assets/{NAME}")).await.json();
        assert!(
            detail["versions"]
                .as_array()
                .expect("versions")
                .iter()
                .any(|v| v["version"] == version),
            "{version} not listed: {detail}"
        );
        let index = app.get(&index_uri(NAME)).await;
        assert_eq!(index.status, StatusCode::OK);
        assert!(
            index.text().contains(&sha256(archive)),
            "{version} not indexed: {}",
            index.text()
        );
        let download = app
            .get(&format!("/api/v1/assets/{NAME}/{version}/download"))
            .await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body.as_ref(), archive, "download of {version}");
    }

    /// A failed publish of `archive`: 5xx problem+json, and nothing visible changed.
    async fn assert_refused_without_a_trace(
        app: &TestApp,
        token: &str,
        archive: &[u8],
        status: StatusCode,
    ) -> String {
        let before = snapshot(app).await;
        let detail = app.publish(Some(token), archive).await.problem(status);
        assert_eq!(
            snapshot(app).await,
            before,
            "the failed publish changed something"
        );
        let report = gc_dry_run(app).await;
        assert!(
            report.removed.is_empty() && report.missing.is_empty(),
            "{report:?}"
        );
        detail
    }

    /// The fault cleared, the same publish succeeds and the store is consistent.
    async fn assert_retry_succeeds(app: &TestApp, token: &str, version: &str, archive: &[u8]) {
        app.state.blobs.failpoints().clear_all();
        let r = app.publish(Some(token), archive).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_visible(app, version, archive).await;
        let report = gc_dry_run(app).await;
        assert!(
            report.removed.is_empty() && report.missing.is_empty(),
            "{report:?}"
        );
    }

    #[tokio::test]
    async fn case_23_object_storage_failing_during_publish_answers_5xx_and_changes_nothing() {
        let (app, jane, _) = published_once().await;
        let v2 = Asset::new(NAME, "1.1.0").archive();
        app.state.blobs.failpoints().set(STORE_PUT, Action::Error);
        let detail =
            assert_refused_without_a_trace(&app, &jane, &v2, StatusCode::INTERNAL_SERVER_ERROR)
                .await;
        assert!(
            !detail.contains("failpoint"),
            "the cause is logged, not sent: {detail}"
        );
        // A new name fails the same way, and leaves no asset (nor owner) behind.
        let other = Asset::new("nova-tools", "0.1.0").archive();
        let r = app.publish(Some(&jane), &other).await;
        r.problem(StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            app.get("/api/v1/assets/nova-tools").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&super::common::index_uri("nova-tools"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_retry_succeeds(&app, &jane, "1.1.0", &v2).await;
    }

    #[tokio::test]
    async fn case_23_object_storage_timing_out_during_publish_answers_5xx_and_changes_nothing() {
        let (app, jane, _) = published_once().await;
        let v2 = Asset::new(NAME, "1.1.0").archive();
        app.state
            .blobs
            .failpoints()
            .set(STORE_PUT, Action::Timeout(Duration::from_millis(200)));
        assert_refused_without_a_trace(&app, &jane, &v2, StatusCode::INTERNAL_SERVER_ERROR).await;
        assert_retry_succeeds(&app, &jane, "1.1.0", &v2).await;
    }

    #[tokio::test]
    async fn case_24_disk_full_during_a_server_blob_write_answers_5xx_stores_nothing_partial_and_stays_healthy()
     {
        let (app, jane, _) = published_once().await;
        let v2 = Asset::new(NAME, "1.1.0").archive();
        app.state
            .blobs
            .failpoints()
            .set(STORE_PUT, Action::StorageFull);
        let detail =
            assert_refused_without_a_trace(&app, &jane, &v2, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(detail.contains("storage is full"), "{detail}");
        assert!(detail.contains("nothing was published"), "{detail}");
        // The blob store holds only the first archive's key: no staging file, no partial object.
        assert_eq!(
            app.blob_files().await.len(),
            1,
            "{:?}",
            app.blob_files().await
        );
        // Still ready and live: reads go on while writes fail.
        let health = app.get("/healthz").await;
        assert_eq!(health.status, StatusCode::OK, "{}", health.text());
        assert_eq!(app.get("/livez").await.status, StatusCode::OK);
        assert_retry_succeeds(&app, &jane, "1.1.0", &v2).await;
    }

    #[tokio::test]
    async fn an_error_after_the_blob_write_and_before_the_commit_leaves_only_an_unreferenced_blob()
    {
        let (app, jane, _) = published_once().await;
        let v2 = Asset::new(NAME, "1.1.0").archive();
        let before = snapshot(&app).await;
        app.state
            .blobs
            .failpoints()
            .set(PUBLISH_AFTER_BLOB, Action::Error);
        app.publish(Some(&jane), &v2)
            .await
            .problem(StatusCode::INTERNAL_SERVER_ERROR);

        // Database and index unchanged; the blob is there, referenced by nothing, and gc says so.
        let after = snapshot(&app).await;
        assert_eq!(after.versions, before.versions);
        assert_eq!(after.index, before.index);
        assert_eq!(after.detail, before.detail);
        assert_eq!(after.blobs.len(), before.blobs.len() + 1);
        let report = gc_dry_run(&app).await;
        assert_eq!(unreferenced(&report), vec![sha256(&v2).as_str()]);
        assert!(report.missing.is_empty(), "{report:?}");
        assert_eq!(
            app.get(&format!("/api/v1/assets/{NAME}/1.1.0/download"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // The retry writes the same key again and commits; the blob is referenced now.
        assert_retry_succeeds(&app, &jane, "1.1.0", &v2).await;
        assert_eq!(app.blob_files().await.len(), before.blobs.len() + 1);
    }

    #[tokio::test]
    async fn a_timeout_after_the_blob_write_and_before_the_commit_leaves_only_an_unreferenced_blob()
    {
        let app = TestApp::new().await;
        let jane = app.user("jane").await;
        let v1 = Asset::new(NAME, "1.0.0").archive();
        app.state.blobs.failpoints().set(
            PUBLISH_AFTER_BLOB,
            Action::Timeout(Duration::from_millis(100)),
        );
        app.publish(Some(&jane), &v1)
            .await
            .problem(StatusCode::INTERNAL_SERVER_ERROR);
        // A new name: no asset, no owner, no index file.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);
        assert_eq!(
            app.get(&format!("/api/v1/assets/{NAME}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&index_uri(NAME)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            unreferenced(&gc_dry_run(&app).await),
            vec![sha256(&v1).as_str()]
        );
        assert_retry_succeeds(&app, &jane, "1.0.0", &v1).await;
    }

    #[tokio::test]
    async fn an_error_after_the_commit_leaves_the_version_visible_and_the_retry_is_already_published()
     {
        let (app, jane, _) = published_once().await;
        let v2 = Asset::new(NAME, "1.1.0").archive();
        app.state
            .blobs
            .failpoints()
            .set(PUBLISH_AFTER_COMMIT, Action::Error);
        app.publish(Some(&jane), &v2)
            .await
            .problem(StatusCode::INTERNAL_SERVER_ERROR);

        // Committed: fully visible and downloadable, nothing unreferenced, nothing missing.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 2);
        assert_visible(&app, "1.1.0", &v2).await;
        let report = gc_dry_run(&app).await;
        assert!(
            report.removed.is_empty() && report.missing.is_empty(),
            "{report:?}"
        );

        // The client's retry (the fault still set: an identical re-publish is answered before
        // anything is written) is "already published", not a conflict.
        let r = app.publish(Some(&jane), &v2).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["new"], false);
        assert_eq!(r.json()["cksum"], sha256(&v2));
        app.state.blobs.failpoints().clear_all();
        let r = app.publish(Some(&jane), &v2).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 2);
    }

    #[tokio::test]
    async fn points_belong_to_one_registry_instance() {
        let (faulty, jane, _) = published_once().await;
        let (healthy, jane_there, _) = published_once().await;
        faulty
            .state
            .blobs
            .failpoints()
            .set(STORE_PUT, Action::Error);
        let v2 = Asset::new(NAME, "1.1.0").archive();
        faulty
            .publish(Some(&jane), &v2)
            .await
            .problem(StatusCode::INTERNAL_SERVER_ERROR);
        let r = healthy.publish(Some(&jane_there), &v2).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
}
