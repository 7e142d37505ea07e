//! The JSON Schemas in `schemas/` must match the types they are generated from.
//!
//! `OSOPS_UPDATE_SCHEMAS=1 cargo test -p osops-index` rewrites them instead of failing.

use std::path::PathBuf;

#[test]
fn schemas_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let update =
        std::env::var_os("OSOPS_UPDATE_SCHEMAS").is_some_and(|v| !v.is_empty() && v != "0");
    let mut drifted = Vec::new();
    for (name, json) in osops_index::schema::all() {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).expect("create schemas/");
            std::fs::write(&path, &json).expect("write schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
            drifted.push(name);
        }
    }
    assert!(
        drifted.is_empty(),
        "schemas drifted ({}); run `OSOPS_UPDATE_SCHEMAS=1 cargo test -p osops-index` and commit schemas/",
        drifted.join(", ")
    );
}

#[test]
fn manifest_schema_describes_the_toml() {
    let (_, json) = osops_index::schema::all()
        .into_iter()
        .find(|(n, _)| *n == "osops-toml.json")
        .expect("manifest schema");
    let schema: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let text = schema.to_string();
    assert!(text.contains("\"prompted-by\""), "kebab-case keys");
    assert!(
        text.contains("\"additionalProperties\":false"),
        "unknown keys refused"
    );
}

#[test]
fn need_record_schema_is_published() {
    let (_, json) = osops_index::schema::all()
        .into_iter()
        .find(|(n, _)| *n == "need-record.json")
        .expect("need record schema");
    let schema: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(schema["title"], "NeedRecord");
    let required = schema["required"].to_string();
    assert_eq!(required, r#"["id","title","problem"]"#);
    assert_eq!(schema["properties"]["title"]["maxLength"], 200);
}
