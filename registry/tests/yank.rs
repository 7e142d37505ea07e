//! Yank and unyank through the real router: owners only, idempotent, hidden from search and
//! "latest" but still downloadable and in the index.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Asset, TestApp, index_uri};
use serde_json::json;

async fn set(
    app: &TestApp,
    token: Option<&str>,
    name: &str,
    version: &str,
    yank: bool,
) -> common::TestResponse {
    let (method, action) = if yank {
        (Method::DELETE, "yank")
    } else {
        (Method::PUT, "unyank")
    };
    app.send_json(
        method,
        &format!("/api/v1/assets/{name}/{version}/{action}"),
        token,
        None,
    )
    .await
}

async fn search_names(app: &TestApp, uri: &str) -> Vec<String> {
    let r = app.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect()
}

/// `nova-tools` 1.0.0 and 1.1.0 by jane, with a word only 1.1.0's description has.
async fn two_versions() -> (TestApp, String) {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let v1 = Asset::new("nova-tools", "1.0.0");
    let mut v2 = Asset::new("nova-tools", "1.1.0");
    v2.description = "Nova tools with quetzal support".into();
    for asset in [v1, v2] {
        let r = app.publish(Some(&jane), &asset.archive()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    (app, jane)
}

#[tokio::test]
async fn only_owners_yank_and_unyank() {
    let (app, _jane) = two_versions().await;
    let bob = app.user("bob").await;
    for yank in [true, false] {
        let detail = set(&app, Some(&bob), "nova-tools", "1.1.0", yank)
            .await
            .problem(StatusCode::FORBIDDEN);
        assert!(
            detail.contains("`bob`") && detail.contains("`jane`"),
            "{detail}"
        );
        set(&app, None, "nova-tools", "1.1.0", yank)
            .await
            .problem(StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM versions WHERE yanked")
            .await,
        0
    );
    assert_eq!(
        app.get("/api/v1/assets/nova-tools").await.json()["latest"],
        "1.1.0"
    );
}

#[tokio::test]
async fn unknown_assets_and_versions_are_404() {
    let (app, jane) = two_versions().await;
    for (name, version) in [
        ("nova-tools", "9.9.9"),
        ("nova-tools", "latest"),
        ("other-tools", "1.0.0"),
    ] {
        for yank in [true, false] {
            set(&app, Some(&jane), name, version, yank)
                .await
                .problem(StatusCode::NOT_FOUND);
        }
    }
}

#[tokio::test]
async fn a_yanked_version_leaves_search_and_latest_but_stays_downloadable_and_indexed() {
    let (app, jane) = two_versions().await;
    let index = app.get(&index_uri("nova-tools")).await;
    let etag = index.header(header::ETAG).expect("etag").to_owned();
    assert_eq!(
        search_names(&app, "/api/v1/assets?q=quetzal").await,
        ["nova-tools"]
    );

    let r = set(&app, Some(&jane), "nova-tools", "1.1.0", true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"name": "nova-tools", "version": "1.1.0", "yanked": true})
    );
    let again = set(&app, Some(&jane), "nova-tools", "1.1.0", true).await;
    assert_eq!(again.status, StatusCode::OK, "idempotent: {}", again.text());
    assert_eq!(again.json(), r.json());

    // Latest is 1.0.0 now: on the asset page, in search (its text too), and in the versions list.
    let asset = app.get("/api/v1/assets/nova-tools").await.json();
    assert_eq!(asset["latest"], "1.0.0");
    assert_eq!(asset["description"], "The nova-tools test asset");
    assert_eq!(asset["versions"][0]["version"], "1.1.0");
    assert_eq!(asset["versions"][0]["yanked"], true);
    assert_eq!(asset["versions"][1]["yanked"], false);
    assert!(
        search_names(&app, "/api/v1/assets?q=quetzal")
            .await
            .is_empty()
    );
    let found = app.get("/api/v1/assets?q=nova").await.json();
    assert_eq!(found["assets"][0]["version"], "1.0.0");

    // Still downloadable, and the index says yanked, under a new ETag.
    let r = app.get("/api/v1/assets/nova-tools/1.1.0/download").await;
    assert_eq!(r.status, StatusCode::OK);
    let index = app
        .request(
            Request::get(index_uri("nova-tools"))
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(index.status, StatusCode::OK, "the ETag changed");
    let entries: Vec<osops_index::IndexEntry> = index
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.vers.to_string(), e.yanked))
            .collect::<Vec<_>>(),
        [("1.0.0".to_owned(), false), ("1.1.0".to_owned(), true)]
    );

    // Unyank: back to 1.1.0, and the index is as it was.
    let r = set(&app, Some(&jane), "nova-tools", "1.1.0", false).await;
    assert_eq!(
        r.json(),
        json!({"name": "nova-tools", "version": "1.1.0", "yanked": false})
    );
    assert_eq!(
        app.get("/api/v1/assets/nova-tools").await.json()["latest"],
        "1.1.0"
    );
    assert_eq!(
        search_names(&app, "/api/v1/assets?q=quetzal").await,
        ["nova-tools"]
    );
    assert_eq!(
        app.get(&index_uri("nova-tools")).await.header(header::ETAG),
        Some(etag.as_str())
    );
}

#[tokio::test]
async fn an_asset_with_every_version_yanked_leaves_search_but_keeps_its_page() {
    let (app, jane) = two_versions().await;
    for version in ["1.0.0", "1.1.0"] {
        let r = set(&app, Some(&jane), "nova-tools", version, true).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    assert!(search_names(&app, "/api/v1/assets").await.is_empty());
    assert!(search_names(&app, "/api/v1/assets?q=nova").await.is_empty());
    let asset = app.get("/api/v1/assets/nova-tools").await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_eq!(
        asset.json()["latest"],
        "1.1.0",
        "the newest when all are yanked"
    );
    for version in ["1.0.0", "1.1.0"] {
        let r = app
            .get(&format!("/api/v1/assets/nova-tools/{version}/download"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = set(&app, Some(&jane), "nova-tools", "1.0.0", false).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(search_names(&app, "/api/v1/assets").await, ["nova-tools"]);
    assert_eq!(
        app.get("/api/v1/assets/nova-tools").await.json()["latest"],
        "1.0.0"
    );
}
