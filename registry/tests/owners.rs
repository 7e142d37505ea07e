//! Owners, teams, yank reasons and the audit log through the real router.

mod common;

use axum::http::{Method, StatusCode};
use common::{Asset, TestApp};
use osops_registry::store::AuditActor;
use serde_json::{Value, json};

async fn publish(app: &TestApp, token: &str, name: &str, version: &str) -> common::TestResponse {
    app.publish(Some(token), &Asset::new(name, version).archive())
        .await
}

async fn owners(app: &TestApp, method: Method, token: &str, body: Value) -> common::TestResponse {
    app.send_json(
        method,
        "/api/v1/assets/nova-tools/owners",
        Some(token),
        Some(&body),
    )
    .await
}

/// `nova-tools` 1.0.0 published by jane; bob exists. Returns (app, jane, bob).
async fn jane_owns_nova_tools() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    let r = publish(&app, &jane, "nova-tools", "1.0.0").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    (app, jane, bob)
}

async fn team(app: &TestApp, name: &str, members: &[&str]) {
    app.state.users.create_team(name).await.expect("team");
    for member in members {
        app.state
            .users
            .set_member(name, member, true, &AuditActor::admin())
            .await
            .expect("member");
    }
}

#[tokio::test]
async fn a_non_owner_cannot_publish_yank_or_change_owners() {
    let (app, _jane, bob) = jane_owns_nova_tools().await;
    let expected = "`bob` is not an owner of `nova-tools` (owners: `jane`); only owners may";
    let r = publish(&app, &bob, "nova-tools", "1.1.0").await;
    let detail = r.problem(StatusCode::FORBIDDEN);
    assert!(
        detail.starts_with(&format!("{expected} publish new versions")),
        "{detail}"
    );
    for (method, path, action) in [
        (Method::DELETE, "yank", "yank its versions"),
        (Method::PUT, "unyank", "unyank its versions"),
    ] {
        let r = app
            .send_json(
                method,
                &format!("/api/v1/assets/nova-tools/1.0.0/{path}"),
                Some(&bob),
                None,
            )
            .await;
        let detail = r.problem(StatusCode::FORBIDDEN);
        assert!(
            detail.starts_with(&format!("{expected} {action}")),
            "{detail}"
        );
    }
    for method in [Method::PUT, Method::DELETE] {
        let r = owners(&app, method, &bob, json!({"owners": ["bob"]})).await;
        let detail = r.problem(StatusCode::FORBIDDEN);
        assert!(
            detail.starts_with(&format!("{expected} change its owners")),
            "{detail}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM versions WHERE yanked")
            .await,
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM asset_owners").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_events WHERE actor = 'bob'")
            .await,
        0
    );
}

#[tokio::test]
async fn team_members_publish_yank_and_change_owners() {
    let (app, jane, bob) = jane_owns_nova_tools().await;
    let carol = app.user("carol").await;
    team(&app, "nova-core", &["bob"]).await;
    // Bob is not an owner yet.
    assert_eq!(
        publish(&app, &bob, "nova-tools", "1.1.0").await.status,
        StatusCode::FORBIDDEN
    );
    let r = owners(
        &app,
        Method::PUT,
        &jane,
        json!({"owners": ["team:nova-core"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"owners": [{"kind": "user", "name": "jane"}, {"kind": "team", "name": "nova-core"}]})
    );
    // Now he is, through the team.
    let r = publish(&app, &bob, "nova-tools", "1.1.0").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-tools/1.1.0/yank",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = owners(&app, Method::PUT, &bob, json!({"owners": ["carol"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let detail = app.get("/api/v1/assets/nova-tools").await.json();
    assert_eq!(detail["owners"], json!(["carol", "jane", "team:nova-core"]));
    assert_eq!(detail["versions"][0]["published_by"], "bob");
    // A team member may take a look-alike of the team's asset; carol's own token works too.
    let r = publish(&app, &bob, "novatools", "1.0.0").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        publish(&app, &carol, "nova-tools", "1.2.0").await.status,
        StatusCode::CREATED
    );

    // Leaving the team ends it.
    app.state
        .users
        .set_member("nova-core", "bob", false, &AuditActor::admin())
        .await
        .expect("remove");
    let r = publish(&app, &bob, "nova-tools", "1.3.0").await;
    assert!(r.problem(StatusCode::FORBIDDEN).starts_with(
        "`bob` is not an owner of `nova-tools` (owners: `carol`, `jane`, `team:nova-core`)"
    ));
}

#[tokio::test]
async fn owners_are_added_and_removed_but_never_the_last() {
    let (app, jane, bob) = jane_owns_nova_tools().await;
    team(&app, "nova-core", &[]).await;
    let r = app.get("/api/v1/assets/nova-tools/owners").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"owners": [{"kind": "user", "name": "jane"}]})
    );
    // Any spelling of the name; unknown assets are 404.
    assert_eq!(
        app.get("/api/v1/assets/Nova_Tools/owners").await.status,
        StatusCode::OK
    );
    app.get("/api/v1/assets/no-such/owners")
        .await
        .problem(StatusCode::NOT_FOUND);

    let r = owners(
        &app,
        Method::PUT,
        &jane,
        json!({"owners": ["bob", "team:nova-core", "bob"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["owners"],
        json!([{"kind": "user", "name": "bob"}, {"kind": "user", "name": "jane"},
               {"kind": "team", "name": "nova-core"}])
    );

    // Unknown users and teams are 400 naming them, and change nothing.
    for (owner, expected) in [
        ("mallory", "no user `mallory`"),
        ("team:glance-core", "no team `glance-core`"),
        (
            "Not A Name",
            "`Not A Name` is neither a user name nor `team:NAME`",
        ),
    ] {
        let r = owners(&app, Method::PUT, &jane, json!({"owners": [owner]})).await;
        let detail = r.problem(StatusCode::BAD_REQUEST);
        assert!(detail.starts_with(expected), "{detail}");
    }
    let r = owners(&app, Method::PUT, &jane, json!({"owners": []})).await;
    r.problem(StatusCode::BAD_REQUEST);
    let r = owners(&app, Method::PUT, &jane, json!({"users": ["bob"]})).await;
    r.problem(StatusCode::BAD_REQUEST);
    // An unknown owner later in the list leaves the earlier ones unchanged too.
    let r = owners(
        &app,
        Method::DELETE,
        &jane,
        json!({"owners": ["bob", "mallory"]}),
    )
    .await;
    r.problem(StatusCode::BAD_REQUEST);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM asset_owners").await, 2);

    // Bob (now an owner) removes jane and the team; then removing himself would leave none.
    let r = owners(
        &app,
        Method::DELETE,
        &bob,
        json!({"owners": ["jane", "team:nova-core"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"owners": [{"kind": "user", "name": "bob"}]})
    );
    let r = owners(&app, Method::DELETE, &bob, json!({"owners": ["bob"]})).await;
    let detail = r.problem(StatusCode::CONFLICT);
    assert!(
        detail.starts_with("that would leave `nova-tools` without an owner"),
        "{detail}"
    );
    assert_eq!(
        app.get("/api/v1/assets/nova-tools/owners").await.json(),
        json!({"owners": [{"kind": "user", "name": "bob"}]})
    );
    // Jane is no owner any more.
    assert_eq!(
        publish(&app, &jane, "nova-tools", "2.0.0").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn yank_reasons_are_shown_and_cleared_by_unyank() {
    let (app, jane, _bob) = jane_owns_nova_tools().await;
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-tools/1.0.0/yank",
            Some(&jane),
            Some(&json!({"reason": "  deletes the wrong ports on 2024.1  "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let version = &app.get("/api/v1/assets/nova-tools").await.json()["versions"][0];
    assert_eq!(version["yanked"], true);
    assert_eq!(version["yank_reason"], "deletes the wrong ports on 2024.1");
    let r = app
        .send_json(
            Method::PUT,
            "/api/v1/assets/nova-tools/1.0.0/unyank",
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let version = &app.get("/api/v1/assets/nova-tools").await.json()["versions"][0];
    assert_eq!(version["yank_reason"], Value::Null);
    // A body that is not a reason is 400, and yanks nothing.
    for body in [
        json!({"why": "x"}),
        json!({"reason": "two\nlines"}),
        json!({"reason": "x".repeat(501)}),
    ] {
        let r = app
            .send_json(
                Method::DELETE,
                "/api/v1/assets/nova-tools/1.0.0/yank",
                Some(&jane),
                Some(&body),
            )
            .await;
        r.problem(StatusCode::BAD_REQUEST);
    }
    // Past 16 KiB: 413, a problem like every refusal.
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-tools/1.0.0/yank",
            Some(&jane),
            Some(&json!({"reason": "x".repeat(17 * 1024)})),
        )
        .await;
    let detail = r.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(detail.contains("16384 bytes"), "{detail}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM versions WHERE yanked")
            .await,
        0
    );
}

#[tokio::test]
async fn audit_events_are_recorded_with_actor_and_token_and_shown_to_owners_only() {
    let (app, jane, bob) = jane_owns_nova_tools().await;
    let jane_id = app
        .state
        .tokens
        .tokens(app.account("jane").await.id)
        .await
        .expect("tokens")[0]
        .id;
    let r = publish(&app, &jane, "nova-tools", "1.1.0").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-tools/1.1.0/yank",
            Some(&jane),
            Some(&json!({"reason": "broken"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.send_json(
        Method::PUT,
        "/api/v1/assets/nova-tools/1.1.0/unyank",
        Some(&jane),
        None,
    )
    .await;
    owners(&app, Method::PUT, &jane, json!({"owners": ["bob"]})).await;
    owners(&app, Method::DELETE, &jane, json!({"owners": ["bob"]})).await;
    // Refused and no-op actions record nothing.
    publish(&app, &bob, "nova-tools", "9.0.0").await;
    publish(&app, &jane, "nova-tools", "1.1.0").await;
    app.send_json(
        Method::PUT,
        "/api/v1/assets/nova-tools/1.1.0/unyank",
        Some(&jane),
        None,
    )
    .await;

    let r = app
        .send_json(
            Method::GET,
            "/api/v1/assets/nova-tools/audit",
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let events = r.json()["events"].as_array().expect("events").clone();
    let summary: Vec<(String, Option<String>, Option<String>)> = events
        .iter()
        .map(|e| {
            assert_eq!(e["asset"], "nova-tools");
            assert_eq!(e["actor"], "jane");
            assert_eq!(e["token_id"], jane_id);
            assert_eq!(e["trusted_publisher"], Value::Null);
            assert!(e["at"].is_string() && e["id"].is_i64());
            (
                e["action"].as_str().expect("action").to_owned(),
                e["version"].as_str().map(str::to_owned),
                e["detail"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let sha = |v: &str| osops_index::sha256_hex(&Asset::new("nova-tools", v).archive());
    assert_eq!(
        summary,
        [
            ("owner-remove".into(), None, Some("bob".into())),
            ("owner-add".into(), None, Some("bob".into())),
            ("unyank".into(), Some("1.1.0".into()), None),
            ("yank".into(), Some("1.1.0".into()), Some("broken".into())),
            (
                "publish".into(),
                Some("1.1.0".into()),
                Some(format!("sha256 {}", sha("1.1.0")))
            ),
            (
                "publish".into(),
                Some("1.0.0".into()),
                Some(format!("new asset; sha256 {}", sha("1.0.0")))
            ),
        ],
        "newest first"
    );

    // Not for non-owners, nor without a token; 404 for an unknown asset.
    let r = app
        .send_json(
            Method::GET,
            "/api/v1/assets/nova-tools/audit",
            Some(&bob),
            None,
        )
        .await;
    assert!(r.problem(StatusCode::FORBIDDEN).starts_with(
        "`bob` is not an owner of `nova-tools` (owners: `jane`); only owners may read its audit log"
    ));
    app.get("/api/v1/assets/nova-tools/audit")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    app.send_json(Method::GET, "/api/v1/assets/nope/audit", Some(&jane), None)
        .await
        .problem(StatusCode::NOT_FOUND);

    // Token creation and revocation are recorded too, with the token that did it.
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            Some(&jane),
            Some(&json!({"name": "ci", "scopes": ["yank"]})),
        )
        .await;
    let new_id = r.json()["id"].as_i64().expect("id");
    app.send_json(
        Method::DELETE,
        &format!("/api/v1/tokens/{new_id}"),
        Some(&jane),
        None,
    )
    .await;
    let events = app
        .state
        .audit
        .events(&osops_registry::store::AuditFilter {
            asset: None,
            actor: Some("jane".into()),
        })
        .await
        .expect("events");
    assert_eq!(events[0].action, "token-revoke");
    assert_eq!(events[1].action, "token-create");
    for e in &events[..2] {
        assert_eq!(e.token_id, Some(jane_id));
        assert!(
            e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with(&format!("token {new_id} `ci` of `jane`"))),
            "{e:?}"
        );
    }
}
