//! Search answers from what the store keeps in memory (on the embedded store) or reads each time
//! (PostgreSQL): either way, once a search has run, every later publish, yank, unyank and download
//! shows in the next search.

mod common;

use axum::http::{Method, StatusCode};
use common::{Asset, TestApp};
use serde_json::Value;

async fn search(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/assets?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn names(body: &Value) -> Vec<(String, String)> {
    body["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| {
            let field = |f: &str| a[f].as_str().expect("a string").to_owned();
            (field("name"), field("version"))
        })
        .collect()
}

fn pair(name: &str, version: &str) -> (String, String) {
    (name.to_owned(), version.to_owned())
}

#[tokio::test]
async fn every_change_after_the_first_search_shows_in_the_next() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let publish = |asset: Asset| {
        let (app, jane) = (&app, &jane);
        async move {
            let r = app.publish(Some(jane), &asset.archive()).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
    };
    let set_yanked = |version: &str, yank: bool| {
        let (app, jane) = (&app, &jane);
        let (method, action) = if yank {
            (Method::DELETE, "yank")
        } else {
            (Method::PUT, "unyank")
        };
        let uri = format!("/api/v1/assets/nova-tools/{version}/{action}");
        async move {
            let r = app.send_json(method, &uri, Some(jane), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
    };

    publish(Asset::new("nova-tools", "1.0.0")).await;
    // The first search: the embedded store loads what it keeps from here on.
    assert_eq!(
        names(&search(&app, "q=nova").await),
        [pair("nova-tools", "1.0.0")]
    );

    // A new asset.
    let mut glance = Asset::new("glance-cleanup", "1.0.0");
    glance.readme = "# Glance cleanup\n\nRemoves zanzibar images.\n".into();
    publish(glance).await;
    assert_eq!(
        names(&search(&app, "q=zanzibar").await),
        [pair("glance-cleanup", "1.0.0")],
        "a README word of an asset published after the first search"
    );

    // A new version: its words replace the old ones.
    let mut v2 = Asset::new("nova-tools", "1.1.0");
    v2.description = "Nova tools with quetzal support".into();
    v2.keywords = vec!["capybara".into()];
    publish(v2).await;
    assert_eq!(
        names(&search(&app, "q=quetzal").await),
        [pair("nova-tools", "1.1.0")]
    );
    assert_eq!(
        names(&search(&app, "q=capyb").await),
        [pair("nova-tools", "1.1.0")]
    );

    // Yanking the latest falls back to the one before, and its text.
    set_yanked("1.1.0", true).await;
    assert!(names(&search(&app, "q=quetzal").await).is_empty());
    assert_eq!(
        names(&search(&app, "q=nova").await),
        [pair("nova-tools", "1.0.0")]
    );
    // Yanking every version takes the asset out of search; unyanking brings it back.
    set_yanked("1.0.0", true).await;
    assert!(names(&search(&app, "q=nova").await).is_empty());
    assert_eq!(search(&app, "").await["total"], 1, "glance-cleanup alone");
    set_yanked("1.1.0", false).await;
    assert_eq!(
        names(&search(&app, "q=quetzal").await),
        [pair("nova-tools", "1.1.0")]
    );

    // Downloads: counted, and the order by downloads follows.
    for _ in 0..3 {
        let r = app
            .get("/api/v1/assets/glance-cleanup/1.0.0/download")
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = app.get("/api/v1/assets/nova-tools/1.1.0/download").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = search(&app, "sort=downloads").await;
    assert_eq!(
        names(&body),
        [pair("glance-cleanup", "1.0.0"), pair("nova-tools", "1.1.0")]
    );
    assert_eq!(body["assets"][0]["downloads"], 3);
    assert_eq!(body["assets"][1]["downloads"], 1);
    // A yanked version's download counts too, and ranks nova-tools first.
    for _ in 0..3 {
        let r = app.get("/api/v1/assets/nova-tools/1.0.0/download").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let body = search(&app, "sort=downloads").await;
    assert_eq!(body["assets"][0]["name"], "nova-tools");
    assert_eq!(body["assets"][0]["downloads"], 4);
}
