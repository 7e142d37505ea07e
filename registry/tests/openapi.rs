//! The OpenAPI document, `GET /api/openapi.json`, against the router it describes: every route of
//! the finished router but the HTML pages is documented with its methods, every documented
//! operation is routed, and the document holds together as OpenAPI 3.1 (version, `$ref`s, a 2xx
//! per operation, problem bodies, path parameters, security, tags, operation ids), with the
//! `osops_index` types exactly as `schemas/*.json` describes them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::TestApp;
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// The paths a router has registered. axum lists them nowhere but in its `Debug` form, where its
/// path router's node maps each `RouteId(N)` to `"/path"`; the fallback router's paths (after
/// `fallback_router:`) are axum's own catch-alls and are left out.
fn registered_paths(router: &impl Debug) -> BTreeSet<String> {
    let text = format!("{router:?}");
    let (routes, _fallbacks) = text
        .split_once("fallback_router:")
        .expect("axum's Router Debug has a `fallback_router` field");
    assert!(
        routes.contains("path_router:"),
        "axum's Router Debug changed: {routes}"
    );
    let mut paths = BTreeSet::new();
    for piece in routes.split("RouteId(").skip(1) {
        let digits = piece.bytes().take_while(u8::is_ascii_digit).count();
        if let Some(quoted) = piece[digits..].strip_prefix("): \"") {
            let path = &quoted[..quoted.find('"').expect("closing quote")];
            paths.insert(path.to_owned());
        }
    }
    paths
}

/// `path` with each `{param}` and `{*param}` filled in, so that it matches that route.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closing brace") + open;
        let catch_all = rest[open + 1..].starts_with('*');
        out.push_str(if catch_all {
            "pr/ob/probe-x"
        } else {
            "probe-x"
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The document's spelling of a router path: OpenAPI has no catch-all, `{*path}` is `{path}`.
fn documented_spelling(path: &str) -> String {
    path.replace("{*", "{")
}

/// `(METHOD, path)` for every operation the router routes outside the HTML pages. The methods of
/// a path come from the `Allow` header of its `405` to a method no route has (`HEAD` is implied
/// by `GET` and left out), so no handler runs.
async fn routed_operations(app: &TestApp) -> BTreeSet<(String, String)> {
    let all = registered_paths(&app.router);
    let pages = registered_paths(&osops_registry::web::routes());
    assert!(
        all.contains("/api/v1/assets") && all.contains("/index/{*path}") && pages.contains("/"),
        "the router walk found too little: {all:?}"
    );
    let probe = Method::from_bytes(b"PROBE").expect("method");
    let mut operations = BTreeSet::new();
    for path in all.difference(&pages) {
        let request = Request::builder()
            .method(probe.clone())
            .uri(concrete(path))
            .body(Body::empty())
            .expect("request");
        let r = app.request(request).await;
        assert_eq!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "`{path}` did not answer an unknown method with 405; its methods cannot be learned"
        );
        let allow = r
            .header(header::ALLOW)
            .unwrap_or_else(|| panic!("`{path}`'s 405 has no `Allow`"));
        let methods: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
        for method in &methods {
            if *method == "HEAD" && methods.contains("GET") {
                continue;
            }
            operations.insert((method.to_string(), documented_spelling(path)));
        }
    }
    operations
}

/// `(METHOD, path)` for every operation of the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_route_is_documented_and_every_operation_routed() {
    let app = TestApp::new().await;
    let routed = routed_operations(&app).await;
    let documented = documented_operations(&osops_registry::openapi::document().expect("doc"));
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routed but not documented: {undocumented:?}\ndocumented but not routed: {unrouted:?}\n\
         (hint: register API routes only in `routes::api`, with `routes!` over handlers \
         annotated with `#[utoipa::path]`)"
    );
    // The walk saw the whole API, the service routes included.
    for expected in [
        ("PUT", "/api/v1/assets"),
        ("DELETE", "/api/v1/assets/{name}/owners"),
        ("GET", "/index/{path}"),
        ("GET", "/healthz"),
        ("GET", "/api/openapi.json"),
    ] {
        assert!(
            routed.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} is not in {routed:?}"
        );
    }
}

#[tokio::test]
async fn the_document_is_served_as_made() {
    let app = TestApp::new().await;
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(
        r.json(),
        osops_registry::openapi::document().expect("doc"),
        "the served document is the generated one"
    );
    // Built once: a second answer is the same bytes.
    assert_eq!(app.get("/api/openapi.json").await.body, r.body);
}

/// Every `$ref` in `value`, with where it is.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push((at.clone(), r)),
                    _ => refs(v, format!("{at}/{key}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = osops_registry::openapi::document().expect("doc");
    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3.1."), "openapi is {version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let mut all = Vec::new();
    refs(&doc, String::new(), &mut all);
    assert!(all.len() > 50, "too few $refs: {}", all.len());
    for (at, r) in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: `{r}` is not local"));
        assert!(
            doc.pointer(pointer).is_some(),
            "{at}: `{r}` resolves to nothing"
        );
    }
    assert!(
        !doc.to_string().contains("osops-openapi: replaced"),
        "a bridged schema kept its placeholder"
    );

    let schemes: BTreeSet<&str> = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes")
        .keys()
        .map(String::as_str)
        .collect();
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("tag name"))
        .collect();
    let mut ids = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .map(|p| &p[..p.find('}').expect("closing brace")])
            .collect();
        assert!(
            !path.contains('*'),
            "`{path}` keeps axum's catch-all syntax"
        );
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let here = format!("{} {path}", method.to_ascii_uppercase());
            let id = op["operationId"].as_str().expect("operationId");
            if let Some(other) = ids.insert(id.to_owned(), here.clone()) {
                panic!("{here} and {other} are both `{id}`");
            }
            assert!(op["summary"].is_string(), "{here} has no summary");
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{here} has no 2xx answer"
            );
            for (status, response) in responses {
                assert!(response["description"].is_string(), "{here} {status}");
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{here} {status} is not a problem"
                    );
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{here}: path parameters are required");
                    p["name"].as_str().expect("name")
                })
                .collect();
            assert_eq!(in_path, template, "{here}: path parameters");
            for requirement in op["security"].as_array().into_iter().flatten() {
                for scheme in requirement.as_object().expect("requirement").keys() {
                    assert!(schemes.contains(scheme.as_str()), "{here}: `{scheme}`");
                }
            }
            for tag in op["tags"].as_array().expect("tags") {
                let tag = tag.as_str().expect("tag");
                assert!(tags.contains(tag), "{here}: undeclared tag `{tag}`");
            }
        }
    }
}

/// `value` with `#/$defs/` references pointed at `#/components/schemas/`.
fn rebase(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(r) if key == "$ref" => {
                        *r = r.replace("#/$defs/", "#/components/schemas/");
                    }
                    _ => rebase(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rebase),
        _ => {}
    }
}

#[test]
fn index_types_are_their_checked_in_schemas() {
    let doc = osops_registry::openapi::document().expect("doc");
    let components = &doc["components"]["schemas"];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    for (file, name) in [
        ("need-record.json", "NeedRecord"),
        ("index-entry.json", "IndexEntry"),
        ("index-config.json", "IndexConfig"),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).expect(file);
        let mut schema: Value = serde_json::from_str(&text).expect(file);
        rebase(&mut schema);
        let root = schema.as_object_mut().expect(file);
        root.remove("$schema");
        root.remove("title");
        let defs = root.remove("$defs").unwrap_or_default();
        assert_eq!(&components[name], &schema, "{name} is not {file}");
        for (def, def_schema) in defs.as_object().into_iter().flatten() {
            assert_eq!(&components[def], def_schema, "{def} of {file}");
        }
    }
}
