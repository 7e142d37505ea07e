//! Publishing through the real router: the happy path end to end, re-publishes, conflicting
//! versions and which version is latest.

mod common;

use axum::http::{StatusCode, header};
use common::{Asset, TestApp, index_uri};
use osops_index::sha256_hex;

/// The names a search returns.
async fn names(app: &TestApp, uri: &str) -> Vec<String> {
    let r = app.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.json()["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn publish_then_detail_download_index_and_search() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    app.create_need(&token, "drain-compute-host").await;
    let mut asset = Asset::new("nova-evacuate-host", "1.2.0");
    asset.description = "Live-migrate every instance off a compute host".into();
    asset.keywords = vec!["maintenance".into(), "compute".into()];
    asset.services = vec!["nova".into(), "placement".into()];
    asset.releases = Some(">=2023.1, <=2025.2".into());
    asset.needs = vec!["drain-compute-host".into()];
    asset.readme = "# Evacuate\n\nMoves instances with zanzibar precision.\n".into();
    let archive = asset.archive();
    let cksum = sha256_hex(&archive);

    let r = app.publish(Some(&token), &archive).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json(),
        serde_json::json!({"name": "nova-evacuate-host", "version": "1.2.0", "cksum": cksum, "new": true})
    );

    // The asset page.
    let r = app.get("/api/v1/assets/nova-evacuate-host").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a = r.json();
    assert_eq!(a["name"], "nova-evacuate-host");
    assert_eq!(a["latest"], "1.2.0");
    assert_eq!(a["kind"], "script");
    assert_eq!(
        a["description"],
        "Live-migrate every instance off a compute host"
    );
    assert_eq!(a["license"], "Apache-2.0");
    assert_eq!(a["repository"], serde_json::Value::Null);
    assert_eq!(a["services"], serde_json::json!(["nova", "placement"]));
    assert_eq!(a["releases"], ">=2023.1, <=2025.2");
    assert_eq!(a["needs"], serde_json::json!(["drain-compute-host"]));
    assert_eq!(a["keywords"], serde_json::json!(["maintenance", "compute"]));
    assert_eq!(a["bins"], serde_json::json!(["nova-evacuate-host"]));
    assert_eq!(a["owners"], serde_json::json!(["jane"]));
    assert!(a["readme"].as_str().expect("readme").contains("zanzibar"));
    assert_eq!(a["downloads"], 0);
    let versions = a["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["version"], "1.2.0");
    assert_eq!(versions[0]["cksum"], cksum.as_str());
    assert_eq!(versions[0]["size"], archive.len());
    assert_eq!(versions[0]["yanked"], false);
    assert_eq!(versions[0]["published_by"], "jane");
    assert!(
        versions[0]["published_at"]
            .as_str()
            .expect("time")
            .ends_with('Z')
    );

    // The download, byte for byte, counted.
    let r = app
        .get("/api/v1/assets/nova-evacuate-host/1.2.0/download")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_ref(), archive.as_slice());
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("application/octet-stream")
    );
    assert_eq!(
        r.header(header::CONTENT_DISPOSITION),
        Some("attachment; filename=\"nova-evacuate-host-1.2.0.osops\"")
    );
    let a = app.get("/api/v1/assets/nova-evacuate-host").await.json();
    assert_eq!(a["downloads"], 1);
    assert_eq!(a["versions"][0]["downloads"], 1);

    // The index line.
    let r = app.get(&index_uri("nova-evacuate-host")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let lines: Vec<&str> = std::str::from_utf8(&r.body)
        .expect("utf-8")
        .lines()
        .collect();
    assert_eq!(lines.len(), 1);
    let entry: osops_index::IndexEntry = serde_json::from_str(lines[0]).expect("an IndexEntry");
    assert_eq!(entry.cksum, cksum);
    assert_eq!(entry.vers, semver::Version::new(1, 2, 0));
    assert_eq!(entry.services, ["nova", "placement"]);
    assert_eq!(entry.needs, ["drain-compute-host"]);
    assert_eq!(entry.releases.as_deref(), Some(">=2023.1, <=2025.2"));
    assert!(!entry.yanked);

    // Search: a description word, a README word, and each filter, matching and not.
    let hit = vec!["nova-evacuate-host".to_owned()];
    assert_eq!(names(&app, "/api/v1/assets?q=migrate").await, hit);
    assert_eq!(names(&app, "/api/v1/assets?q=zanzibar").await, hit);
    assert_eq!(
        names(&app, "/api/v1/assets?q=evac").await,
        hit,
        "the last word matches as a prefix"
    );
    assert_eq!(names(&app, "/api/v1/assets?service=placement").await, hit);
    assert_eq!(
        names(&app, "/api/v1/assets?service=glance").await,
        Vec::<String>::new()
    );
    assert_eq!(names(&app, "/api/v1/assets?kind=script").await, hit);
    assert_eq!(
        names(&app, "/api/v1/assets?kind=playbook").await,
        Vec::<String>::new()
    );
    assert_eq!(names(&app, "/api/v1/assets?release=2024.1").await, hit);
    assert_eq!(
        names(&app, "/api/v1/assets?release=caracal").await,
        hit,
        "series by name"
    );
    assert_eq!(
        names(&app, "/api/v1/assets?release=2022.1").await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app, "/api/v1/assets?need=drain-compute-host").await,
        hit
    );
    assert_eq!(
        names(&app, "/api/v1/assets?need=rotate-fernet-keys").await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &app,
            "/api/v1/assets?q=migrate&service=nova&kind=script&release=2023.1"
        )
        .await,
        hit
    );
    assert_eq!(
        names(&app, "/api/v1/assets?q=nonexistentword").await,
        Vec::<String>::new()
    );
    let body = app.get("/api/v1/assets?q=migrate").await.json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 20);
    assert_eq!(body["assets"][0]["version"], "1.2.0");
    assert_eq!(body["assets"][0]["downloads"], 1);
    assert_eq!(body["assets"][0]["releases"], ">=2023.1, <=2025.2");
}

#[tokio::test]
async fn identical_republish_is_200_without_a_second_row() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let archive = Asset::new("galera-check", "0.1.0").archive();
    assert_eq!(
        app.publish(Some(&token), &archive).await.status,
        StatusCode::CREATED
    );
    let r = app.publish(Some(&token), &archive).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["new"], false);
    assert_eq!(r.json()["cksum"], sha256_hex(&archive));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
    assert_eq!(
        app.get("/api/v1/assets/galera-check").await.json()["versions"]
            .as_array()
            .expect("list")
            .len(),
        1
    );
}

#[tokio::test]
async fn same_version_with_other_bytes_is_409_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let first = Asset::new("galera-check", "0.1.0").archive();
    assert_eq!(
        app.publish(Some(&token), &first).await.status,
        StatusCode::CREATED
    );
    let blobs = app.blob_files().await;
    let index = app.get(&index_uri("galera-check")).await;

    let mut other = Asset::new("galera-check", "0.1.0");
    other.readme = "# Changed\n".into();
    let detail = app
        .publish(Some(&token), &other.archive())
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        detail.contains(
            "version `0.1.0` of `galera-check` is already published with different contents"
        ),
        "{detail}"
    );
    assert!(detail.contains("hint: bump `asset.version`"), "{detail}");

    assert_eq!(app.blob_files().await, blobs, "no blob added or replaced");
    assert_eq!(
        app.get(&index_uri("galera-check")).await.body,
        index.body,
        "index unchanged"
    );
    let download = app.get("/api/v1/assets/galera-check/0.1.0/download").await;
    assert_eq!(download.body.as_ref(), first.as_slice());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
}

#[tokio::test]
async fn build_metadata_does_not_make_a_new_version() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    assert_eq!(
        app.publish(Some(&token), &Asset::new("galera-check", "1.2.0").archive())
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app
        .publish(
            Some(&token),
            &Asset::new("galera-check", "1.2.0+build2").archive(),
        )
        .await;
    let detail = r.problem(StatusCode::CONFLICT);
    assert!(
        detail.contains("`1.2.0+build2`") && detail.contains("as `1.2.0`"),
        "{detail}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
    // A real new version is fine.
    assert_eq!(
        app.publish(Some(&token), &Asset::new("galera-check", "1.2.1").archive())
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn newest_version_is_latest_and_index_lists_publish_order() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    for version in ["1.0.0", "2.0.0", "1.5.0"] {
        let mut asset = Asset::new("galera-check", version);
        asset.description = format!("Galera check {version}");
        assert_eq!(
            app.publish(Some(&token), &asset.archive()).await.status,
            StatusCode::CREATED
        );
    }
    let a = app.get("/api/v1/assets/galera-check").await.json();
    assert_eq!(a["latest"], "2.0.0");
    assert_eq!(a["description"], "Galera check 2.0.0");
    let order: Vec<&str> = a["versions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["version"].as_str().expect("v"))
        .collect();
    assert_eq!(order, ["2.0.0", "1.5.0", "1.0.0"]);
    let index = app.get(&index_uri("galera-check")).await.text();
    let vers: Vec<String> = index
        .lines()
        .map(|l| {
            serde_json::from_str::<osops_index::IndexEntry>(l)
                .expect("entry")
                .vers
                .to_string()
        })
        .collect();
    assert_eq!(vers, ["1.0.0", "2.0.0", "1.5.0"]);
    let s = app.get("/api/v1/assets?q=galera").await.json();
    assert_eq!(s["total"], 1, "one result per asset");
    assert_eq!(s["assets"][0]["version"], "2.0.0");
}
