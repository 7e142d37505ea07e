//! Racing publishes through the real router, on a multi-threaded runtime: exactly one wins.

mod common;

use axum::http::StatusCode;
use common::{Asset, TestApp, index_uri, publish_request, send};
use osops_index::sha256_hex;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_of_one_version_have_one_winner() {
    // Twenty simultaneous first publishes by one user are a burst past the default `new-name`
    // limit (10/1h), which would answer some of them 429; this test is about the race alone.
    let app = TestApp::with_rate_limits(&["new-name=off"]).await;
    let token = app.user("jane").await;
    let archives: Vec<Vec<u8>> = (0..20)
        .map(|i| {
            let mut asset = Asset::new("race-asset", "1.0.0");
            asset.readme = format!("# Race {i}\n");
            asset.archive()
        })
        .collect();
    let tasks: Vec<_> = archives
        .iter()
        .map(|archive| {
            tokio::spawn(send(
                app.router.clone(),
                publish_request(Some(&token), archive.clone()),
            ))
        })
        .collect();
    let mut created = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let r = task.await.expect("task");
        match r.status {
            StatusCode::CREATED => created.push(i),
            StatusCode::CONFLICT => {}
            other => panic!("publish {i}: {other}: {}", r.text()),
        }
    }
    assert_eq!(created.len(), 1, "exactly one winner: {created:?}");
    let winner = &archives[created[0]];
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
    let download = app.get("/api/v1/assets/race-asset/1.0.0/download").await;
    assert_eq!(
        download.body.as_ref(),
        winner.as_slice(),
        "the stored blob is the winner's"
    );
    let index = app.get(&index_uri("race-asset")).await.text();
    assert_eq!(index.lines().count(), 1);
    assert!(index.contains(&sha256_hex(winner)));
    assert_eq!(app.blob_files().await.len(), 1, "losers' blobs are removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_users_racing_for_a_new_name_get_one_owner() {
    let app = TestApp::new().await;
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(app.user(&format!("user{i}")).await);
    }
    let tasks: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let mut asset = Asset::new("contested-name", "1.0.0");
            asset.readme = format!("# by user{i}\n");
            tokio::spawn(send(
                app.router.clone(),
                publish_request(Some(token), asset.archive()),
            ))
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task").status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::FORBIDDEN),
        "{statuses:?}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM asset_owners").await, 1);
    assert_eq!(
        app.get("/api/v1/assets/contested-name").await.json()["owners"]
            .as_array()
            .expect("owners")
            .len(),
        1
    );
}
