//! Column values to and from the store's types, and sqlx errors to [`StoreError`]: the same for
//! every SQL backend, so `sqlite/` and `postgres/` hold only their SQL.

use super::{StoreError, StoredManifest};

/// Any database error, as an opaque [`StoreError::Database`].
pub(crate) fn db(err: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(Box::new(err))
}

pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// A unique violation as [`StoreError::Conflict`] with the given text; anything else opaque.
pub(crate) fn conflict(err: sqlx::Error, text: impl FnOnce() -> String) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::Conflict(text())
    } else {
        db(err)
    }
}

/// A JSON array column.
pub(crate) fn json_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("JSON list `{text}`: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A non-negative integer column.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) fn parse_version(text: &str) -> Result<semver::Version, StoreError> {
    semver::Version::parse(text).map_err(|e| StoreError::Corrupt(format!("version `{text}`: {e}")))
}

/// The `versions.manifest` column.
pub(crate) fn stored_manifest(json: &str) -> Result<StoredManifest, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("stored manifest: {e}")))
}
