//! JSON Schemas generated from the types, checked in under `schemas/`; a test fails on drift.

/// `(file name, schema JSON)` for every schema this crate publishes.
pub fn all() -> Vec<(&'static str, String)> {
    todo!()
}
