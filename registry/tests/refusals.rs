//! Publishes the registry refuses through the real router: authentication, ownership, look-alike
//! names, bad archives and size limits; each leaves nothing stored.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Asset, TestApp};
use osops_tests::hostile::tar::Tar;

#[tokio::test]
async fn missing_malformed_and_unknown_tokens_are_401() {
    let app = TestApp::new().await;
    let archive = Asset::new("galera-check", "0.1.0").archive();
    let r = app.publish(None, &archive).await;
    assert_eq!(
        r.header(header::WWW_AUTHENTICATE),
        Some("Bearer realm=\"osops\"")
    );
    assert!(
        r.problem(StatusCode::UNAUTHORIZED)
            .contains("needs an API token")
    );
    // Well formed (the checksum matches), but never issued.
    let never_issued = osops_registry::token::generate().expect("token");
    let unknown = app.publish(Some(&never_issued), &archive).await;
    assert!(
        unknown
            .problem(StatusCode::UNAUTHORIZED)
            .contains("unknown token")
    );
    let malformed = app.publish(Some("hunter2"), &archive).await;
    assert!(
        malformed
            .problem(StatusCode::UNAUTHORIZED)
            .contains("malformed token")
    );
    let basic = app
        .request(
            Request::put("/api/v1/assets")
                .header(header::AUTHORIZATION, "Basic amFuZTpodW50ZXIy")
                .body(Body::from(archive.clone()))
                .expect("request"),
        )
        .await;
    assert!(basic.problem(StatusCode::UNAUTHORIZED).contains("Bearer"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
    assert!(app.blob_files().await.is_empty());
}

#[tokio::test]
async fn only_owners_publish_new_versions() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let mallory = app.user("mallory").await;
    assert_eq!(
        app.publish(Some(&jane), &Asset::new("galera-check", "0.1.0").archive())
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app
        .publish(
            Some(&mallory),
            &Asset::new("galera-check", "0.2.0").archive(),
        )
        .await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with("`mallory` is not an owner of `galera-check` (owners: `jane`)"),
        "{detail}"
    );
    // Not even an identical copy of the owner's archive.
    let r = app
        .publish(
            Some(&mallory),
            &Asset::new("galera-check", "0.1.0").archive(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
}

#[tokio::test]
async fn lookalike_names_are_refused_to_other_users() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let mallory = app.user("mallory").await;
    assert_eq!(
        app.publish(
            Some(&jane),
            &Asset::new("neutron-cleanup", "1.0.0").archive()
        )
        .await
        .status,
        StatusCode::CREATED
    );
    for name in ["neutr0n-cleanup", "neutroncleanup", "neutron-c1eanup"] {
        let detail = app
            .publish(Some(&mallory), &Asset::new(name, "1.0.0").archive())
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            detail.contains(&format!(
                "`{name}` is too similar to the existing asset `neutron-cleanup`"
            )),
            "{detail}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 1);
    // The owner of the first may take a look-alike.
    assert_eq!(
        app.publish(
            Some(&jane),
            &Asset::new("neutroncleanup", "1.0.0").archive()
        )
        .await
        .status,
        StatusCode::CREATED
    );
    // An unrelated name is fine for anyone.
    assert_eq!(
        app.publish(
            Some(&mallory),
            &Asset::new("cinder-cleanup", "1.0.0").archive()
        )
        .await
        .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn garbage_is_400_naming_the_problem() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let detail = app
        .publish(Some(&token), b"this is not a gzip stream")
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        detail.contains("corrupt") || detail.contains("gzip"),
        "{detail}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);
    assert!(app.blob_files().await.is_empty());
}

#[tokio::test]
async fn invalid_manifest_is_400_with_the_field() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let toml =
        "[asset]\nname = \"bad-one\"\nversion = \"one\"\nkind = \"script\"\ndescription = \"x\"\n";
    let archive = Tar::new()
        .file("bad-one-1.0.0/osops.toml", toml.as_bytes())
        .gz();
    let detail = app
        .publish(Some(&token), &archive)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        detail.contains("manifest inside the archive is invalid"),
        "{detail}"
    );
    assert!(
        detail.contains("asset.version"),
        "the source chain is in the detail: {detail}"
    );
    assert!(app.blob_files().await.is_empty());
}

#[tokio::test]
async fn path_traversal_entry_is_400() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let toml = Asset::new("evil-one", "1.0.0").toml();
    let archive = Tar::new()
        .file("evil-one-1.0.0/osops.toml", toml.as_bytes())
        .file("evil-one-1.0.0/../../x.sh", b"rm -rf /")
        .gz();
    let detail = app
        .publish(Some(&token), &archive)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("x.sh"), "{detail}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
}

#[tokio::test]
async fn empty_body_is_400() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let detail = app
        .publish(Some(&token), b"")
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("empty"), "{detail}");
}

#[tokio::test]
async fn body_over_the_limit_is_413_and_nothing_is_stored() {
    let archive = Asset::new("galera-check", "0.1.0").archive();
    let limit = archive.len() as u64 - 1;
    let app = TestApp::with_max_upload(limit).await;
    let token = app.user("jane").await;

    // Declared too large: refused before reading.
    let detail = app
        .publish(Some(&token), &archive)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        detail.contains(&format!("upload limit of {limit} bytes")),
        "{detail}"
    );

    // Chunked, no length: refused while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        archive.chunks(64).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(chunks);
    let request = Request::put("/api/v1/assets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from_stream(stream))
        .expect("request");
    app.request(request)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);

    // A lying, small Content-Length does not get a larger body past the limit.
    let request = Request::put("/api/v1/assets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_LENGTH, "10")
        .body(Body::from(archive.clone()))
        .expect("request");
    app.request(request)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);

    assert!(app.blob_files().await.is_empty());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);

    // At exactly the limit it goes through.
    let app = TestApp::with_max_upload(archive.len() as u64).await;
    let token = app.user("jane").await;
    assert_eq!(
        app.publish(Some(&token), &archive).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn publish_needs_put() {
    let app = TestApp::new().await;
    let r = app
        .request(
            Request::builder()
                .method(Method::DELETE)
                .uri("/api/v1/assets")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    r.problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn uploads_past_axums_default_body_limit_are_accepted() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let mut asset = Asset::new("big-asset", "1.0.0");
    // 4 MiB that gzip cannot shrink (xorshift), over axum's 2 MiB default, under the 10 MiB limit.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..4 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect();
    asset.files.push(("noise.bin".into(), noise));
    let archive = asset.archive();
    assert!(archive.len() > 4 << 20, "{}", archive.len());
    let r = app.publish(Some(&token), &archive).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let head = app
        .request(
            Request::head("/api/v1/assets/big-asset/1.0.0/download")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(
        head.header(header::CONTENT_LENGTH),
        Some(archive.len().to_string().as_str())
    );
    assert_eq!(
        app.get("/api/v1/assets/big-asset").await.json()["downloads"],
        0,
        "HEAD is not a download"
    );
    assert_eq!(
        app.get("/api/v1/assets/big-asset/1.0.0/download")
            .await
            .body
            .len(),
        archive.len()
    );
}
