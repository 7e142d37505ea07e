//! JSON Schemas generated from the types, checked in under `schemas/`; a test fails on drift.
//!
//! The manifest schema describes the TOML document (kebab-case keys, unknown keys refused), so
//! editors with a TOML language server (taplo, Even Better TOML) can validate `osops.toml` as it
//! is typed. Value rules that need code (known services, release ranges, semver) are left to
//! [`crate::Manifest::from_toml_str`]; the schema gives the shape and the simple patterns.

use schemars::JsonSchema;

use crate::{IndexConfig, IndexEntry, Manifest, NeedRecord};

/// `(file name, schema JSON)` for every schema this crate publishes.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("osops-toml.json", render::<Manifest>()),
        ("index-entry.json", render::<IndexEntry>()),
        ("index-config.json", render::<IndexConfig>()),
        ("need-record.json", render::<NeedRecord>()),
    ]
}

/// Pretty JSON with a trailing newline, as it is committed.
fn render<T: JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    let mut text = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|e| unreachable!("a schema is JSON: {e}"));
    text.push('\n');
    text
}
