//! Needs through the real router: filing, updating, voting, listing, full-text search, the
//! `needs.json` catalog, and answers that follow each asset's newest non-yanked version.

mod common;

use axum::http::{Method, StatusCode, header};
use common::{Asset, TestApp, need_json};
use serde_json::json;

/// The ids of a list answer, in order.
async fn ids(app: &TestApp, uri: &str) -> Vec<String> {
    let r = app.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.json()["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn post(
    app: &TestApp,
    token: Option<&str>,
    body: &serde_json::Value,
) -> common::TestResponse {
    app.send_json(Method::POST, "/api/v1/needs", token, Some(body))
        .await
}

async fn vote(app: &TestApp, token: &str, id: &str, method: Method) -> serde_json::Value {
    let r = app
        .send_json(
            method,
            &format!("/api/v1/needs/{id}/vote"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn status(app: &TestApp, id: &str) -> String {
    let r = app.get(&format!("/api/v1/needs/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn create_get_and_list_a_need() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;
    let mut body = need_json("drain-compute-host", "Empty a compute host");
    body["services"] = json!(["Nova", "placement"]);
    let r = post(&app, Some(&token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["id"], "drain-compute-host");
    assert_eq!(created["title"], "Empty a compute host");
    assert_eq!(
        created["problem"],
        "Operators keep solving drain-compute-host by hand."
    );
    assert_eq!(created["persona"], "cloud operator");
    assert_eq!(
        created["services"],
        json!(["nova", "placement"]),
        "services are canonicalised"
    );
    assert_eq!(
        created["links"],
        json!(["https://bugs.launchpad.net/nova/+bug/1234567"])
    );
    assert_eq!(
        created["use_cases"],
        json!([{"persona": "cloud operator", "text": "I want drain-compute-host done in one command"}])
    );
    assert_eq!(created["status"], "open");
    assert_eq!(created["retired_reason"], serde_json::Value::Null);
    assert_eq!(created["votes"], 0);
    assert_eq!(created["created_by"], "jane");
    assert!(created["created_at"].as_str().expect("time").ends_with('Z'));
    assert_eq!(created["updated_at"], created["created_at"]);
    assert_eq!(created["answers"], json!([]));

    let r = app.get("/api/v1/needs/drain-compute-host").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), created);
    app.get("/api/v1/needs/no-such-need")
        .await
        .problem(StatusCode::NOT_FOUND);

    let r = app.get("/api/v1/needs").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"total": 1, "page": 1, "per_page": 20, "needs": [{
            "id": "drain-compute-host", "title": "Empty a compute host", "status": "open",
            "persona": "cloud operator", "services": ["nova", "placement"], "votes": 0,
            "answers": 0, "created_at": created["created_at"],
        }], "facets": {
            "status": [{"value": "open", "count": 1}],
            "service": [{"value": "nova", "count": 1}, {"value": "placement", "count": 1}],
        }})
    );
}

#[tokio::test]
async fn invalid_needs_are_400_naming_the_field() {
    let app = TestApp::new().await;
    let token = app.user("jane").await;

    let mut body = need_json("drain-compute-host", "x");
    body["title"] = json!("");
    let detail = post(&app, Some(&token), &body)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("`title`"), "{detail}");

    let mut body = need_json("drain-compute-host", "Empty a host");
    body["services"] = json!(["nova", "warp-drive"]);
    let detail = post(&app, Some(&token), &body)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        detail.contains("`services") && detail.contains("warp-drive"),
        "{detail}"
    );

    let mut body = need_json("drain-compute-host", "Empty a host");
    body["id"] = json!("Not A Slug!");
    let detail = post(&app, Some(&token), &body)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("id"), "{detail}");

    let mut body = need_json("drain-compute-host", "Empty a host");
    body.as_object_mut().expect("object").remove("problem");
    let detail = post(&app, Some(&token), &body)
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(detail.contains("problem"), "{detail}");

    // Not JSON at all.
    let r = app
        .request(
            axum::http::Request::post("/api/v1/needs")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from("{not json"))
                .expect("request"),
        )
        .await;
    r.problem(StatusCode::BAD_REQUEST);

    // Over the body limit.
    let mut body = need_json("drain-compute-host", "Empty a host");
    body["problem"] = json!("x".repeat(300 * 1024));
    let detail = post(&app, Some(&token), &body)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(detail.contains("262144"), "{detail}");

    // No token: 401 before the body is looked at.
    post(&app, None, &json!({}))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM needs").await, 0);
}

#[tokio::test]
async fn a_second_post_of_an_id_is_409() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    app.create_need(&jane, "drain-compute-host").await;
    let detail = post(
        &app,
        Some(&bob),
        &need_json("drain-compute-host", "Another title"),
    )
    .await
    .problem(StatusCode::CONFLICT);
    assert!(detail.contains("`drain-compute-host`"), "{detail}");
    let need = app.get("/api/v1/needs/drain-compute-host").await.json();
    assert_eq!(need["title"], "The drain-compute-host problem");
    assert_eq!(need["created_by"], "jane");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM needs").await, 1);
}

#[tokio::test]
async fn put_creates_then_only_the_creator_updates() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    let uri = "/api/v1/needs/rotate-fernet-keys";

    let body = need_json("rotate-fernet-keys", "Rotate keys");
    let r = app
        .send_json(Method::PUT, uri, Some(&jane), Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["created_by"], "jane");

    let mut body = need_json("rotate-fernet-keys", "Rotate Fernet keys everywhere");
    body["services"] = json!(["keystone"]);
    body["use_cases"] = json!([{"text": "I want tokens that never fail validation"}]);
    let r = app
        .send_json(Method::PUT, uri, Some(&jane), Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let updated = r.json();
    assert_eq!(updated["title"], "Rotate Fernet keys everywhere");
    assert_eq!(updated["services"], json!(["keystone"]));
    assert_eq!(updated["created_by"], "jane");
    assert_eq!(app.get(uri).await.json(), updated);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM needs").await, 1);
    // The full-text row follows the update.
    assert_eq!(
        ids(&app, "/api/v1/needs?q=validation").await,
        ["rotate-fernet-keys"]
    );
    assert!(ids(&app, "/api/v1/needs?q=drain").await.is_empty());

    let mut other = need_json("rotate-fernet-keys", "Bob's title");
    other["services"] = json!(["nova"]);
    let detail = app
        .send_json(Method::PUT, uri, Some(&bob), Some(&other))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert!(
        detail.contains("`jane`") && detail.contains("`bob`"),
        "{detail}"
    );
    assert_eq!(
        app.get(uri).await.json()["title"],
        "Rotate Fernet keys everywhere"
    );

    // The body's id must be the URL's.
    let detail = app
        .send_json(
            Method::PUT,
            uri,
            Some(&jane),
            Some(&need_json("other-need", "x y")),
        )
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        detail.contains("`other-need`") && detail.contains("`rotate-fernet-keys`"),
        "{detail}"
    );
    app.send_json(Method::PUT, uri, None, Some(&body))
        .await
        .problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_vote_per_user_and_retracting() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    let bob = app.user("bob").await;
    app.create_need(&jane, "monitor-galera").await;

    let v = vote(&app, &jane, "monitor-galera", Method::PUT).await;
    assert_eq!(
        v,
        json!({"id": "monitor-galera", "votes": 1, "voted": true})
    );
    let v = vote(&app, &jane, "monitor-galera", Method::PUT).await;
    assert_eq!(v["votes"], 1, "voting twice counts once");
    let v = vote(&app, &bob, "monitor-galera", Method::PUT).await;
    assert_eq!(v["votes"], 2);
    assert_eq!(
        app.get("/api/v1/needs/monitor-galera").await.json()["votes"],
        2
    );

    let v = vote(&app, &jane, "monitor-galera", Method::DELETE).await;
    assert_eq!(
        v,
        json!({"id": "monitor-galera", "votes": 1, "voted": false})
    );
    let v = vote(&app, &bob, "monitor-galera", Method::DELETE).await;
    assert_eq!(v["votes"], 0);
    let v = vote(&app, &bob, "monitor-galera", Method::DELETE).await;
    assert_eq!(v["votes"], 0, "retracting is idempotent");
    assert_eq!(
        app.get("/api/v1/needs/monitor-galera").await.json()["votes"],
        0
    );

    let detail = app
        .send_json(
            Method::PUT,
            "/api/v1/needs/no-such-need/vote",
            Some(&jane),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
    assert!(detail.contains("`no-such-need`"), "{detail}");
    app.send_json(Method::PUT, "/api/v1/needs/monitor-galera/vote", None, None)
        .await
        .problem(StatusCode::UNAUTHORIZED);
}

/// Four needs: `a-open` (1 vote), `b-popular` (3 votes), `c-answered` (2 votes, answered by an
/// asset), `d-retired` (4 votes, retired), filed in that order.
async fn four_needs() -> (TestApp, String) {
    let app = TestApp::new().await;
    let tokens = [
        app.user("u1").await,
        app.user("u2").await,
        app.user("u3").await,
        app.user("u4").await,
    ];
    let jane = tokens[0].clone();
    for (id, service, votes) in [
        ("a-open", "nova", 1),
        ("b-popular", "neutron", 3),
        ("c-answered", "nova", 2),
        ("d-retired", "cinder", 4),
    ] {
        let mut body = need_json(id, &format!("The {id} problem"));
        body["services"] = json!([service]);
        if id == "b-popular" {
            body["problem"] = json!("Floating IPs leak when routers are deleted by hand.");
        }
        let r = post(&app, Some(&jane), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        for token in &tokens[..votes] {
            vote(&app, token, id, Method::PUT).await;
        }
    }
    let mut asset = Asset::new("answer-asset", "1.0.0");
    asset.needs = vec!["c-answered".into()];
    let r = app.publish(Some(&jane), &asset.archive()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    app.state
        .needs
        .retire_need(
            &osops_index::AssetName::parse("d-retired").expect("id"),
            "superseded",
        )
        .await
        .expect("retire");
    (app, jane)
}

#[tokio::test]
async fn list_sorts_and_filters() {
    let (app, _) = four_needs().await;
    assert_eq!(
        ids(&app, "/api/v1/needs").await,
        ["d-retired", "b-popular", "c-answered", "a-open"],
        "most votes first by default"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?sort=votes").await,
        ["d-retired", "b-popular", "c-answered", "a-open"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?sort=recent").await,
        ["d-retired", "c-answered", "b-popular", "a-open"],
        "newest first"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?sort=unanswered").await,
        ["b-popular", "a-open"],
        "no answer, not retired, most votes first"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?status=open").await,
        ["b-popular", "a-open"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?status=addressed").await,
        ["c-answered"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?status=retired").await,
        ["d-retired"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?service=nova").await,
        ["c-answered", "a-open"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?service=Neutron").await,
        ["b-popular"]
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?service=nova&sort=unanswered").await,
        ["a-open"]
    );

    let body = app.get("/api/v1/needs?per_page=2&page=2").await.json();
    assert_eq!(body["total"], 4);
    assert_eq!(
        (body["page"].clone(), body["per_page"].clone()),
        (json!(2), json!(2))
    );
    let page: Vec<&str> = body["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| n["id"].as_str().expect("id"))
        .collect();
    assert_eq!(page, ["c-answered", "a-open"]);

    let listed = app.get("/api/v1/needs?status=addressed").await.json();
    assert_eq!(listed["needs"][0]["answers"], 1);
    assert_eq!(listed["needs"][0]["votes"], 2);
    assert_eq!(listed["needs"][0]["status"], "addressed");
    let retired = app.get("/api/v1/needs/d-retired").await.json();
    assert_eq!(retired["status"], "retired");
    assert_eq!(retired["retired_reason"], "superseded");

    for bad in [
        "/api/v1/needs?status=closed",
        "/api/v1/needs?sort=stars",
        "/api/v1/needs?service=warp-drive",
        "/api/v1/needs?per_page=101",
    ] {
        app.get(bad).await.problem(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn full_text_over_id_title_problem_and_use_cases() {
    let (app, _) = four_needs().await;
    assert_eq!(
        ids(&app, "/api/v1/needs?q=floating%20ips").await,
        ["b-popular"],
        "a problem's words"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?q=c-answered%20problem").await,
        ["c-answered"],
        "id and title"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?q=one%20comm").await.len(),
        4,
        "use cases, the last word as a prefix"
    );
    assert_eq!(
        ids(&app, "/api/v1/needs?q=problem&sort=unanswered").await,
        ["b-popular", "a-open"]
    );
    assert!(ids(&app, "/api/v1/needs?q=zanzibar").await.is_empty());
    for hostile in ["%22", "NEAR(a%20b)", "*", "a%20OR%20b", "%5E"] {
        let r = app.get(&format!("/api/v1/needs?q={hostile}")).await;
        assert_eq!(r.status, StatusCode::OK, "{hostile}: {}", r.text());
    }
}

#[tokio::test]
async fn answers_follow_the_newest_non_yanked_version() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    app.create_need(&jane, "drain-compute-host").await;
    app.create_need(&jane, "tune-scheduler").await;
    assert_eq!(status(&app, "drain-compute-host").await, "open");

    let mut v1 = Asset::new("nova-evacuate-host", "1.0.0");
    v1.description = "Evacuate a compute host".into();
    v1.services = vec!["nova".into(), "placement".into()];
    v1.needs = vec!["drain-compute-host".into()];
    let r = app.publish(Some(&jane), &v1.archive()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let need = app.get("/api/v1/needs/drain-compute-host").await.json();
    assert_eq!(need["status"], "addressed");
    let updated_at = &need["answers"][0]["updated_at"];
    assert!(updated_at.is_string(), "{need}");
    assert_eq!(
        need["answers"],
        json!([{"name": "nova-evacuate-host", "version": "1.0.0", "kind": "script",
                "description": "Evacuate a compute host", "releases": ">=2023.1, <=2024.2",
                "services": ["nova", "placement"], "downloads": 0, "updated_at": updated_at}])
    );
    let search = |need: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/assets?need={need}")).await.json()["total"]
                .as_u64()
                .expect("total")
        }
    };
    assert_eq!(search("drain-compute-host").await, 1);

    // The only answer yanked: open again, and out of `need=` search; back when unyanked.
    let yank = |method: Method, action: &'static str| {
        let app = &app;
        let jane = jane.clone();
        async move {
            let r = app
                .send_json(
                    method,
                    &format!("/api/v1/assets/nova-evacuate-host/1.0.0/{action}"),
                    Some(&jane),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        }
    };
    assert_eq!(
        yank(Method::DELETE, "yank").await,
        json!({"name": "nova-evacuate-host", "version": "1.0.0", "yanked": true})
    );
    let need = app.get("/api/v1/needs/drain-compute-host").await.json();
    assert_eq!(need["status"], "open");
    assert_eq!(need["answers"], json!([]));
    assert_eq!(search("drain-compute-host").await, 0);
    assert_eq!(
        ids(&app, "/api/v1/needs?sort=unanswered").await.len(),
        2,
        "both needs unanswered"
    );
    assert_eq!(
        yank(Method::PUT, "unyank").await,
        json!({"name": "nova-evacuate-host", "version": "1.0.0", "yanked": false})
    );
    assert_eq!(status(&app, "drain-compute-host").await, "addressed");
    assert_eq!(search("drain-compute-host").await, 1);

    // A newer version that addresses another need moves the answer.
    let mut v2 = v1.clone();
    v2.version = "2.0.0".into();
    v2.needs = vec!["tune-scheduler".into()];
    let r = app.publish(Some(&jane), &v2.archive()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(status(&app, "drain-compute-host").await, "open");
    assert_eq!(status(&app, "tune-scheduler").await, "addressed");
    assert_eq!(search("drain-compute-host").await, 0);
    assert_eq!(search("tune-scheduler").await, 1);

    // Yanking 2.0.0 makes 1.0.0 the latest again.
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/assets/nova-evacuate-host/2.0.0/yank",
            Some(&jane),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let need = app.get("/api/v1/needs/drain-compute-host").await.json();
    assert_eq!(need["status"], "addressed");
    assert_eq!(need["answers"][0]["version"], "1.0.0");
    assert_eq!(status(&app, "tune-scheduler").await, "open");
    assert_eq!(search("drain-compute-host").await, 1);
    assert_eq!(search("tune-scheduler").await, 0);
}

#[tokio::test]
async fn publishing_an_asset_addressing_an_unknown_need_is_400_and_stores_nothing() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    app.create_need(&jane, "drain-compute-host").await;
    let mut asset = Asset::new("nova-evacuate-host", "1.0.0");
    asset.needs = vec!["drain-compute-host".into(), "drain-compute-hots".into()];
    let detail = app
        .publish(Some(&jane), &asset.archive())
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert_eq!(
        detail,
        "`nova-evacuate-host` addresses the unknown need `drain-compute-hots` (hint: check the id, \
         or create the need first with `osops need new drain-compute-hots --title …`)"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assets").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM versions").await, 0);
    let files = app.blob_files().await;
    assert!(files.is_empty(), "{files:?}");
    app.get("/api/v1/assets/nova-evacuate-host")
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn needs_json_is_the_catalog_with_a_strong_etag() {
    let app = TestApp::new().await;
    let jane = app.user("jane").await;
    app.create_need(&jane, "rotate-fernet-keys").await;
    app.create_need(&jane, "drain-compute-host").await;
    for name in ["zz-evacuate", "aa-evacuate"] {
        let mut asset = Asset::new(name, "1.0.0");
        asset.needs = vec!["drain-compute-host".into()];
        let r = app.publish(Some(&jane), &asset.archive()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }

    let r = app.get("/index/needs.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    let record = |id: &str| {
        let mut n = need_json(id, &format!("The {id} problem"));
        n["services"] = json!(["nova"]);
        n
    };
    let mut drain = record("drain-compute-host");
    drain["status"] = json!("addressed");
    drain["votes"] = json!(0);
    drain["answers"] = json!(["aa-evacuate", "zz-evacuate"]);
    let mut rotate = record("rotate-fernet-keys");
    rotate["status"] = json!("open");
    rotate["votes"] = json!(0);
    rotate["answers"] = json!([]);
    // The dates are the API's, so a mirror can sort by them; compared, then set aside.
    let mut catalog = r.json();
    for need in catalog["needs"].as_array_mut().expect("needs") {
        let id = need["id"].as_str().expect("id").to_owned();
        let detail = app.get(&format!("/api/v1/needs/{id}")).await.json();
        for date in ["created_at", "updated_at"] {
            let value = need.as_object_mut().expect("need").remove(date);
            assert_eq!(value.as_ref(), Some(&detail[date]), "{id} {date}");
        }
    }
    assert_eq!(catalog, json!({"v": 1, "needs": [drain, rotate]}));

    let etag = r.header(header::ETAG).expect("etag").to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", osops_index::sha256_hex(&r.body)),
        "strong: the quoted sha256 of the body"
    );
    let again = app
        .request(
            axum::http::Request::get("/index/needs.json")
                .header(header::IF_NONE_MATCH, &etag)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    vote(&app, &jane, "rotate-fernet-keys", Method::PUT).await;
    let after = app
        .request(
            axum::http::Request::get("/index/needs.json")
                .header(header::IF_NONE_MATCH, &etag)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(after.status, StatusCode::OK, "a vote changes the catalog");
    assert_ne!(after.header(header::ETAG), Some(etag.as_str()));
    assert_eq!(after.json()["needs"][1]["votes"], 1);
}
