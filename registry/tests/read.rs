//! The read side through the real router: search paging and hostile queries, the sparse index and
//! its ETag, redirects, health and unknown routes.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Asset, PUBLIC_URL, TestApp};
use osops_index::{AssetName, index_path};

async fn app_with(assets: &[Asset]) -> TestApp {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    for asset in assets {
        let r = app.publish(Some(&token), &asset.archive()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    app
}

fn names(body: &serde_json::Value) -> Vec<&str> {
    body["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect()
}

#[tokio::test]
async fn search_pages_are_exact_with_and_without_the_release_filter() {
    let mut assets = Vec::new();
    for i in 0..5 {
        let mut a = Asset::new(&format!("cleanup-{i}"), "1.0.0");
        a.description = format!("Cleanup tool number {i}");
        // Even ones run on 2024.1, odd ones stop at 2023.2.
        a.releases = Some(if i % 2 == 0 {
            ">=2023.1".into()
        } else {
            "<=2023.2".into()
        });
        assets.push(a);
    }
    let mut unrestricted = Asset::new("cleanup-any", "1.0.0");
    unrestricted.releases = None;
    assets.push(unrestricted);
    let app = app_with(&assets).await;

    let page1 = app.get("/api/v1/assets?per_page=4").await.json();
    let page2 = app.get("/api/v1/assets?per_page=4&page=2").await.json();
    assert_eq!(
        (page1["total"].as_u64(), page2["total"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!((names(&page1).len(), names(&page2).len()), (4, 2));
    let mut all: Vec<&str> = names(&page1).into_iter().chain(names(&page2)).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 6, "pages do not overlap");
    assert_eq!(
        app.get("/api/v1/assets?per_page=4&page=3").await.json()["assets"],
        serde_json::json!([])
    );

    // 2024.1: the three even ones and the unrestricted one.
    let p1 = app
        .get("/api/v1/assets?release=2024.1&per_page=3")
        .await
        .json();
    let p2 = app
        .get("/api/v1/assets?release=2024.1&per_page=3&page=2")
        .await
        .json();
    assert_eq!(
        (p1["total"].as_u64(), p2["total"].as_u64()),
        (Some(4), Some(4))
    );
    let mut got: Vec<&str> = names(&p1).into_iter().chain(names(&p2)).collect();
    got.sort_unstable();
    assert_eq!(got, ["cleanup-0", "cleanup-2", "cleanup-4", "cleanup-any"]);

    // Full text: the ranked matches only.
    let q = app.get("/api/v1/assets?q=number&per_page=2").await.json();
    assert_eq!(q["total"], 5);
    assert_eq!(names(&q).len(), 2);
}

#[tokio::test]
async fn name_matches_rank_above_readme_matches() {
    let mut in_readme = Asset::new("other-tool", "1.0.0");
    in_readme.readme = "# Other\n\nUnlike rabbitmq tools, this one does something else.\n".into();
    let in_name = Asset::new("rabbitmq-health", "1.0.0");
    let app = app_with(&[in_readme, in_name]).await;
    let body = app.get("/api/v1/assets?q=rabbitmq").await.json();
    assert_eq!(names(&body), ["rabbitmq-health", "other-tool"]);
}

#[tokio::test]
async fn hostile_search_text_never_500s() {
    let app = app_with(&[Asset::new("nova-evacuate-host", "1.0.0")]).await;
    let queries = [
        "\"",
        "\"\"",
        "\"nova",
        "*",
        "nova*",
        "* *",
        "NEAR(",
        "NEAR(nova host",
        "nova AND",
        "OR",
        "NOT nova",
        "-nova",
        "+",
        "^nova",
        "name:nova",
        "{name}: nova",
        "(",
        ")",
        "nova)",
        "'",
        "';DROP TABLE assets;--",
        "\\",
        "%",
        "\u{0}",
        "𝔫𝔬𝔳𝔞",
        "nova NEAR/2 host",
        "a:b:c",
    ];
    for q in queries {
        let uri = format!("/api/v1/assets?q={}", encode(q));
        let r = app.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "q={q:?}: {}", r.text());
        assert!(r.json()["total"].is_u64(), "q={q:?}");
    }
    // Operators are plain words: `nova*` still finds it, `NOT nova` looks for both words.
    assert_eq!(
        app.get(&format!("/api/v1/assets?q={}", encode("nova*")))
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        app.get(&format!("/api/v1/assets?q={}", encode("NEAR(nova")))
            .await
            .json()["total"],
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 1);
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn bad_search_parameters_are_400() {
    let app = TestApp::new().await;
    for (query, words) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("kind=rocket", "unknown kind `rocket`"),
        ("service=not-a-service", "unknown service"),
        ("release=zebra", "unknown release `zebra`"),
        ("need=Bad%20Need", "need"),
    ] {
        let detail = app
            .get(&format!("/api/v1/assets?{query}"))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert!(detail.contains(words), "{query}: {detail}");
    }
}

#[tokio::test]
async fn index_etag_and_304() {
    let app = app_with(&[Asset::new("galera-check", "1.0.0")]).await;
    let uri = format!(
        "/index/{}",
        index_path(&AssetName::parse("galera-check").expect("name"))
    );
    let r = app.get(&uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/plain; charset=utf-8")
    );
    let etag = r.header(header::ETAG).expect("etag").to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", osops_index::sha256_hex(&r.body)),
        "strong tag over the body"
    );

    let conditional = |tag: &str| {
        Request::get(&uri)
            .header(header::IF_NONE_MATCH, tag)
            .body(Body::empty())
            .expect("request")
    };
    let r = app.request(conditional(&etag)).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    assert_eq!(r.header(header::ETAG), Some(etag.as_str()));
    let r = app.request(conditional("\"stale\"")).await;
    assert_eq!(r.status, StatusCode::OK);

    // A new version changes the tag.
    let token = app
        .token("jane", osops_registry::access::Scopes::all(), &[])
        .await;
    assert_eq!(
        app.publish(Some(&token), &Asset::new("galera-check", "1.1.0").archive())
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app.request(conditional(&etag)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.header(header::ETAG), Some(etag.as_str()));
    assert_eq!(r.text().lines().count(), 2);
}

#[tokio::test]
async fn index_paths_must_match_the_name() {
    let app = app_with(&[Asset::new("galera-check", "1.0.0")]).await;
    assert_eq!(
        app.get("/index/ga/le/galera-check").await.status,
        StatusCode::OK
    );
    for bad in [
        "/index/xx/yy/galera-check",
        "/index/galera-check",
        "/index/ga/le/Galera-check",
        "/index/ga/le/nope-nope",
        "/index/ga/le/",
        "/index/ne/ed/needs.json",
    ] {
        app.get(bad).await.problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn config_json_uses_the_public_url_and_revalidates() {
    let app = TestApp::new().await;
    let r = app.get("/index/config.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(
        r.json(),
        serde_json::json!({"dl": format!("{PUBLIC_URL}/api/v1/assets/{{name}}/{{version}}/download"), "api": PUBLIC_URL, "v": 1})
    );
    let etag = r.header(header::ETAG).expect("etag").to_owned();
    let again = Request::get("/index/config.json")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .expect("request");
    let r = app.request(again).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_MODIFIED,
        "the client's cached copy is still good"
    );
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn non_canonical_asset_names_redirect() {
    let app = app_with(&[Asset::new("nova-tools", "1.0.0")]).await;
    let r = app.get("/api/v1/assets/Nova_Tools").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.header(header::LOCATION),
        Some("/api/v1/assets/nova-tools")
    );
    app.get("/api/v1/assets/no-such-asset")
        .await
        .problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/assets/%E2%98%83")
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn downloads_of_unknown_versions_are_404() {
    let app = app_with(&[Asset::new("nova-tools", "1.0.0")]).await;
    for uri in [
        "/api/v1/assets/nova-tools/1.0.1/download",
        "/api/v1/assets/nova-tools/latest/download",
        "/api/v1/assets/other-tools/1.0.0/download",
        "/api/v1/assets/..%2F..%2Fetc/1.0.0/download",
    ] {
        app.get(uri).await.problem(StatusCode::NOT_FOUND);
    }
    assert_eq!(
        app.get("/api/v1/assets/nova-tools/1.0.0/download")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn healthz_and_unknown_routes() {
    let app = TestApp::new().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
    // Under the API, unknown routes are problem+json; elsewhere an HTML page (tests/web.rs).
    let detail = app
        .get("/api/v1/no/such/thing")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert!(detail.contains("/api/v1/no/such/thing"), "{detail}");
}
