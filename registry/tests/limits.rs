//! Publish dry runs and rate limits through the real router.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Asset, TestApp, TestResponse};
use serde_json::json;

async fn dry_run(app: &TestApp, token: &str, archive: &[u8]) -> TestResponse {
    app.request(
        Request::put("/api/v1/assets?dry_run=true")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(archive.to_vec()))
            .expect("request"),
    )
    .await
}

/// Rows of every table a publish writes, and the blob files.
async fn stored(app: &TestApp) -> (i64, i64, i64, usize) {
    (
        app.scalar("SELECT COUNT(*) FROM assets").await,
        app.scalar("SELECT COUNT(*) FROM versions").await,
        app.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'publish'")
            .await,
        app.blob_files().await.len(),
    )
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_stores_nothing() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    let v1 = Asset::new("nova-tools", "1.0.0").archive();
    let cksum = osops_index::sha256_hex(&v1);

    let r = dry_run(&app, &jane, &v1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"name": "nova-tools", "version": "1.0.0", "cksum": cksum, "new": true, "dry_run": true})
    );
    assert_eq!(stored(&app).await, (0, 0, 0, 0), "nothing stored");

    // A real publish has no `dry_run` field.
    let r = app.publish(Some(&jane), &v1).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.json(),
        json!({"name": "nova-tools", "version": "1.0.0", "cksum": cksum, "new": true})
    );
    let after_publish = stored(&app).await;
    assert_eq!(after_publish, (1, 1, 1, 1));

    // The same bytes again: `new: false`, as a real retry would say.
    let r = dry_run(&app, &jane, &v1).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["new"], false);
    assert_eq!(r.json()["dry_run"], true);

    // The refusals of a real publish, with the same statuses.
    let mut other = Asset::new("nova-tools", "1.0.0");
    other.readme = "# different bytes\n".into();
    let detail = dry_run(&app, &jane, &other.archive())
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        detail.contains("already published with different contents"),
        "{detail}"
    );
    let detail = dry_run(&app, &bob, &Asset::new("nova-tools", "1.1.0").archive())
        .await
        .problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("`bob` is not an owner of `nova-tools`"),
        "{detail}"
    );
    let detail = dry_run(&app, &bob, &Asset::new("nova-t00ls", "1.0.0").archive())
        .await
        .problem(StatusCode::CONFLICT);
    assert!(detail.contains("too similar"), "{detail}");
    let mut needy = Asset::new("nova-tools", "1.1.0");
    needy.needs = vec!["no-such-need".into()];
    dry_run(&app, &jane, &needy.archive())
        .await
        .problem(StatusCode::BAD_REQUEST);
    let detail = dry_run(&app, &jane, b"not an archive")
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(!detail.is_empty());
    let nova_only = app
        .token("jane", osops_registry::access::Scopes::all(), &["glance-*"])
        .await;
    dry_run(
        &app,
        &nova_only,
        &Asset::new("nova-tools", "1.1.0").archive(),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    dry_run(&app, "osops_nope", &v1)
        .await
        .problem(StatusCode::UNAUTHORIZED);

    // A new version passes, and is still not stored.
    let r = dry_run(&app, &jane, &Asset::new("nova-tools", "1.1.0").archive()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["new"], true);
    assert_eq!(stored(&app).await, after_publish);

    let r = app
        .request(
            Request::put("/api/v1/assets?dry_run=maybe")
                .header(header::AUTHORIZATION, format!("Bearer {jane}"))
                .body(Body::from(v1.clone()))
                .expect("request"),
        )
        .await;
    assert!(r.problem(StatusCode::BAD_REQUEST).contains("`dry_run`"));
}

#[tokio::test]
async fn new_versions_past_the_limit_are_429_with_retry_after() {
    let app = TestApp::with_rate_limits(&["new-version=2/1h"]).await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    for version in ["1.0.0", "1.1.0", "1.2.0"] {
        let r = app
            .publish(Some(&jane), &Asset::new("nova-tools", version).archive())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{version}: {}", r.text());
    }
    let r = app
        .publish(Some(&jane), &Asset::new("nova-tools", "1.3.0").archive())
        .await;
    let detail = r.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(
        detail.starts_with("rate limit for `new-version` reached: at most 2/1h per user"),
        "{detail}"
    );
    let retry: u64 = r
        .header(header::RETRY_AFTER)
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    // 2 per hour: one token every 1800 s.
    assert!((1700..=1800).contains(&retry), "{retry}");
    assert!(
        detail.contains(&format!("retry in {retry} seconds")),
        "{detail}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 3);

    // A dry run says the same, without taking anything.
    let r = dry_run(&app, &jane, &Asset::new("nova-tools", "1.3.0").archive()).await;
    r.problem(StatusCode::TOO_MANY_REQUESTS);
    // Identical re-publishes (CI retries) are not limited and take nothing.
    for _ in 0..3 {
        let r = app
            .publish(Some(&jane), &Asset::new("nova-tools", "1.2.0").archive())
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    // Other users have their own buckets.
    let r = app
        .publish(Some(&bob), &Asset::new("glance-tools", "1.0.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .publish(Some(&bob), &Asset::new("glance-tools", "1.1.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn refused_publishes_do_not_use_up_the_limit() {
    let app = TestApp::with_rate_limits(&["new-version=1/1h", "new-name=1/1h"]).await;
    let jane = app.user("jane").await;
    app.user("bob").await;
    assert_eq!(
        app.publish(Some(&jane), &Asset::new("nova-tools", "1.0.0").archive())
            .await
            .status,
        StatusCode::CREATED
    );
    // Conflicts and unknown needs are refused before or after the limiter: either way they
    // leave the bucket as it was.
    let mut conflict = Asset::new("nova-tools", "1.0.0");
    conflict.readme = "# other bytes\n".into();
    for _ in 0..3 {
        app.publish(Some(&jane), &conflict.archive())
            .await
            .problem(StatusCode::CONFLICT);
        let mut needy = Asset::new("nova-tools", "1.1.0");
        needy.needs = vec!["no-such-need".into()];
        app.publish(Some(&jane), &needy.archive())
            .await
            .problem(StatusCode::BAD_REQUEST);
    }
    let r = app
        .publish(Some(&jane), &Asset::new("nova-tools", "1.1.0").archive())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // `new-name` is its own bucket: the first name used it up.
    let r = app
        .publish(Some(&jane), &Asset::new("glance-tools", "1.0.0").archive())
        .await;
    assert!(
        r.problem(StatusCode::TOO_MANY_REQUESTS)
            .starts_with("rate limit for `new-name` reached: at most 1/1h per user")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 1);
}

#[tokio::test]
async fn yanks_past_the_limit_are_429() {
    let app = TestApp::with_rate_limits(&["yank=2/1m"]).await;
    let jane = app.user("jane").await;
    for version in ["1.0.0", "1.1.0"] {
        app.publish(Some(&jane), &Asset::new("nova-tools", version).archive())
            .await;
    }
    let yank = |version: &str, method: Method, action: &str| {
        let path = format!("/api/v1/assets/nova-tools/{version}/{action}");
        let jane = jane.clone();
        let app = &app;
        async move { app.send_json(method, &path, Some(&jane), None).await }
    };
    assert_eq!(
        yank("1.0.0", Method::DELETE, "yank").await.status,
        StatusCode::OK
    );
    // Yanking a yanked version changes nothing and costs nothing.
    assert_eq!(
        yank("1.0.0", Method::DELETE, "yank").await.status,
        StatusCode::OK
    );
    assert_eq!(
        yank("1.1.0", Method::DELETE, "yank").await.status,
        StatusCode::OK
    );
    let r = yank("1.0.0", Method::PUT, "unyank").await;
    let detail = r.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(
        detail.starts_with("rate limit for `yank` reached: at most 2/1m per user"),
        "{detail}"
    );
    assert_eq!(r.header(header::RETRY_AFTER), Some("30"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM versions WHERE yanked")
            .await,
        2,
        "the refused unyank changed nothing"
    );
}
