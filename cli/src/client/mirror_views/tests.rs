//! The mirror views over HTTP, against a server that has only a mirror's files (every other
//! path is a 404, as from a plain web server).

use osops_index::{AssetName, NeedStatus};

use super::super::{Client, Error, NeedQuery, NeedSort, SearchQuery, Settings, Silent};
use crate::test_server::{Reply, TestServer};

fn entry(name: &str, vers: &str, needs: &[&str], yanked: bool) -> serde_json::Value {
    serde_json::json!({
        "name": name, "vers": vers, "kind": "script", "cksum": "00", "deps": [],
        "services": ["nova"], "releases": ">=2023.1", "needs": needs,
        "yanked": yanked, "published_at": "2026-01-01T00:00:00Z", "v": 1
    })
}

fn need(id: &str, votes: u64, created_at: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "title": format!("The {id} problem"), "problem": "Hosts fail.",
        "services": ["nova"], "links": [], "use_cases": [{"text": "drain before maintenance"}],
        "status": status, "votes": votes, "answers": ["somewhere-else"],
        "created_at": created_at, "updated_at": created_at
    })
}

/// A mirror holding `nova-evacuate` (1.0.0, and 2.0.0 yanked) answering `drain-host`, and
/// `glance-check` answering nothing; the registry had three needs.
fn mirror() -> (TestServer, Client) {
    let server = TestServer::start();
    let json = |path: &str, value: serde_json::Value| {
        server.route(&format!("GET {path}"), vec![Reply::json(200, &value)]);
    };
    json(
        "/index/config.json",
        serde_json::json!({"dl": "/archives/{name}/{name}-{version}.osops", "api": "", "v": 1}),
    );
    json(
        "/index/catalog.json",
        serde_json::json!({"v": 1, "assets": [
            {"description": "Check the Glance API", "latest": entry("glance-check", "0.3.0", &[], false)},
            {"description": "Evacuate a failed compute host", "latest": entry("nova-evacuate", "1.0.0", &["drain-host"], false)},
        ]}),
    );
    json(
        "/index/needs.json",
        serde_json::json!({"v": 1, "needs": [
            need("drain-host", 3, "2026-01-02T00:00:00Z", "addressed"),
            need("rotate-keys", 5, "2026-01-01T00:00:00Z", "addressed"),
            need("old-thing", 9, "2026-01-03T00:00:00Z", "retired"),
        ]}),
    );
    let lines = [
        entry("nova-evacuate", "1.0.0", &["drain-host"], false),
        entry("nova-evacuate", "2.0.0", &["drain-host"], true),
    ]
    .map(|e| e.to_string())
    .join("\n");
    server.route("GET /index/no/va/nova-evacuate", vec![Reply::ok(lines)]);
    let client =
        Client::new(&server.url, Some("osops_t".into()), Settings::default()).expect("client");
    (server, client)
}

#[test]
fn search_and_info_come_from_the_catalog_and_index_files() {
    let (server, client) = mirror();
    let all = client
        .search(&SearchQuery::default(), &Silent)
        .expect("search");
    let names: Vec<&str> = all.assets.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["glance-check", "nova-evacuate"]);
    let query = SearchQuery {
        q: Some("EVACUATE failed".into()),
        service: Some("Nova".into()),
        ..SearchQuery::default()
    };
    let found = client.search(&query, &Silent).expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(
        found.assets[0].description,
        "Evacuate a failed compute host"
    );
    let unknown = SearchQuery {
        service: Some("nowhere".into()),
        ..SearchQuery::default()
    };
    let err = client.search(&unknown, &Silent).expect_err("400");
    assert_eq!(err.status(), Some(400), "{err}");

    let name = AssetName::parse("nova-evacuate").expect("name");
    let asset = client.asset(&name, &Silent).expect("info");
    assert_eq!(asset.info.latest, "1.0.0", "the newest non-yanked version");
    assert_eq!(asset.info.description, "Evacuate a failed compute host");
    let versions: Vec<&str> = asset
        .info
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(versions, ["2.0.0", "1.0.0"]);
    let missing = AssetName::parse("no-such-tool").expect("name");
    let err = client.asset(&missing, &Silent).expect_err("404");
    assert!(err.is_not_found(), "{err}");
    assert!(
        server.count("GET /api/v1/assets/nova-evacuate") == 1,
        "the API is asked first"
    );
}

#[test]
fn needs_are_answered_by_what_the_mirror_holds() {
    let (_server, client) = mirror();
    let list = client
        .list_needs(&NeedQuery::default(), &Silent)
        .expect("list");
    let ids: Vec<(&str, &str, u64)> = list
        .needs
        .iter()
        .map(|n| (n.id.as_str(), n.status.as_str(), n.answers))
        .collect();
    assert_eq!(
        ids,
        [
            ("old-thing", "retired", 0),
            ("rotate-keys", "open", 0),
            ("drain-host", "addressed", 1),
        ],
        "most votes first; answered only by what the mirror has"
    );
    let recent = NeedQuery {
        sort: Some(NeedSort::Recent),
        ..NeedQuery::default()
    };
    let ids: Vec<String> = client
        .list_needs(&recent, &Silent)
        .expect("recent")
        .needs
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, ["old-thing", "drain-host", "rotate-keys"]);
    let unanswered = NeedQuery {
        sort: Some(NeedSort::Unanswered),
        ..NeedQuery::default()
    };
    let ids: Vec<String> = client
        .list_needs(&unanswered, &Silent)
        .expect("unanswered")
        .needs
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, ["rotate-keys"]);
    let words = NeedQuery {
        q: Some("maintenance drain".into()),
        status: Some(NeedStatus::Addressed),
        ..NeedQuery::default()
    };
    let list = client.list_needs(&words, &Silent).expect("words");
    assert_eq!(list.total, 1);
    assert_eq!(list.raw["needs"][0]["id"], "drain-host");

    let id = AssetName::parse("drain-host").expect("id");
    let need = client.get_need(&id, &Silent).expect("show");
    assert_eq!(need.info.status, "addressed");
    let answers: Vec<(&str, &str)> = need
        .info
        .answers
        .iter()
        .map(|a| (a.name.as_str(), a.version.as_str()))
        .collect();
    assert_eq!(answers, [("nova-evacuate", "1.0.0")]);
    assert_eq!(need.info.use_cases.len(), 1);
    let missing = AssetName::parse("no-such-need").expect("id");
    let err = client.get_need(&missing, &Silent).expect_err("404");
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn what_only_the_api_can_answer_is_refused_as_asked_of_a_mirror() {
    let (_server, client) = mirror();
    let id = AssetName::parse("drain-host").expect("id");
    let err = client.vote(&id).expect_err("no API");
    assert!(matches!(err, Error::NoApi { .. }), "{err:?}");
    assert!(err.to_string().contains("is a mirror"), "{err}");
    let name = AssetName::parse("nova-evacuate").expect("name");
    let err = client.owners(&name, &Silent).expect_err("no API");
    assert!(matches!(err, Error::NoApi { .. }), "a read too: {err:?}");
}

#[test]
fn a_mirror_without_a_catalog_says_how_to_add_one() {
    let server = TestServer::start();
    server.route(
        "GET /index/config.json",
        vec![Reply::json(
            200,
            &serde_json::json!({"dl": "/archives/{name}/{name}-{version}.osops", "api": "", "v": 1}),
        )],
    );
    let client = Client::new(&server.url, None, Settings::default()).expect("client");
    let err = client
        .search(&SearchQuery::default(), &Silent)
        .expect_err("no catalog");
    assert!(matches!(err, Error::NoCatalog { .. }), "{err:?}");
    assert!(err.hint().expect("hint").contains("osops mirror DIR"));
}
