//! Walking a parsed TOML table key by key, so every error can name its field path.
//!
//! serde's `deny_unknown_fields` stops at "unknown field `descripton`" with no path, and type
//! errors from a derived `Deserialize` name neither the field nor the table. Taking each key out of
//! the table by hand costs a few lines per section and gives `asset.descripton` + "did you mean
//! `description`?" and "`asset.version`: expected a string, found an integer".

use toml::{Table, Value};

use super::ManifestError;

/// The keys of one table, checked against the keys it may have before any value is read, so a
/// typo is reported as a typo rather than as the field it hid being missing.
pub(crate) struct Fields {
    /// Dotted path of this table, empty for the root.
    path: String,
    table: Table,
}

impl Fields {
    /// Takes `table`, failing on the first key not in `known` (keys are sorted, so "first" is
    /// stable) with a "did you mean" hint, or the list of valid keys when nothing is close.
    pub(super) fn new(
        path: &str,
        table: Table,
        known: &[&'static str],
    ) -> Result<Fields, ManifestError> {
        let misplaced = |key: &str| {
            (path.is_empty() && super::ASSET_KEYS.contains(&key))
                .then(|| format!("`{key}` belongs in the `[asset]` table"))
        };
        let place = if path.is_empty() {
            "the manifest".to_owned()
        } else {
            format!("`[{path}]`")
        };
        Self::in_document(path, table, known, &place, misplaced)
    }

    /// As [`Fields::new`], for any TOML table: `place` names the table in the message about an
    /// unknown key (`"the need file"`, `` "`need[1]`" ``), and `misplaced` may give a hint for an
    /// unknown key that no known key is close to (`` "`title` belongs in a `[[need]]` table" ``).
    pub(crate) fn in_document(
        path: &str,
        table: Table,
        known: &[&'static str],
        place: &str,
        misplaced: impl Fn(&str) -> Option<String>,
    ) -> Result<Fields, ManifestError> {
        if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
            let hint = match crate::suggest::closest(key, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => misplaced(key)
                    .unwrap_or_else(|| format!("valid keys here are {}", backticked(known))),
            };
            return Err(ManifestError::new(
                join(path, key),
                format!("unknown key `{key}` in {place}"),
            )
            .with_hint(hint));
        }
        Ok(Fields {
            path: path.to_owned(),
            table,
        })
    }

    /// The dotted path of `key` in this table.
    pub(crate) fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Removes `key`, if present.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.table.remove(key)
    }

    /// A required string.
    pub(crate) fn required_str(&mut self, key: &str) -> Result<String, ManifestError> {
        self.opt_str(key)?.ok_or_else(|| {
            let table = if self.path.is_empty() {
                String::new()
            } else {
                format!(" under `[{}]`", self.path)
            };
            ManifestError::new(self.path_of(key), format!("missing required key `{key}`"))
                .with_hint(format!("add `{key} = \"...\"`{table}"))
        })
    }

    /// An optional string.
    pub(crate) fn opt_str(&mut self, key: &str) -> Result<Option<String>, ManifestError> {
        let path = self.path_of(key);
        self.take(key).map(|v| as_str(&path, v)).transpose()
    }

    /// An optional array of strings, each with its path (`openstack.services[1]`).
    pub(crate) fn str_list(&mut self, key: &str) -> Result<Vec<(String, String)>, ManifestError> {
        let path = self.path_of(key);
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let item_path = format!("{path}[{i}]");
                    as_str(&item_path, v).map(|s| (item_path, s))
                })
                .collect(),
            Some(other) => Err(wrong_type(&path, "an array of strings", &other)),
        }
    }

    /// An optional array of tables (`[[need]]`), each with its path (`need[1]`).
    pub(crate) fn table_list(&mut self, key: &str) -> Result<Vec<(String, Table)>, ManifestError> {
        let path = self.path_of(key);
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let item_path = format!("{path}[{i}]");
                    match v {
                        Value::Table(t) => Ok((item_path, t)),
                        other => Err(wrong_type(&item_path, "a table", &other)),
                    }
                })
                .collect(),
            Some(other) => Err(wrong_type(&path, "an array of tables", &other)),
        }
    }

    /// Whether the table has `key` (still untaken).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// An optional sub-table.
    pub(super) fn table(&mut self, key: &str) -> Result<Option<Table>, ManifestError> {
        let path = self.path_of(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(t)),
            Some(other) => Err(wrong_type(&path, "a table", &other)),
        }
    }

    /// An optional table of strings with free-form keys: `(key, path, value)` in key order.
    pub(super) fn str_map(
        &mut self,
        key: &str,
    ) -> Result<Vec<(String, String, String)>, ManifestError> {
        let path = self.path_of(key);
        let Some(table) = self.table(key)? else {
            return Ok(Vec::new());
        };
        table
            .into_iter()
            .map(|(k, v)| {
                let item_path = join(&path, &k);
                as_str(&item_path, v).map(|s| (k, item_path, s))
            })
            .collect()
    }
}

fn as_str(path: &str, value: Value) -> Result<String, ManifestError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(wrong_type(path, "a string", &other)),
    }
}

fn wrong_type(path: &str, expected: &str, found: &Value) -> ManifestError {
    ManifestError::new(
        path.to_owned(),
        format!("expected {expected}, found {}", article(found.type_str())),
    )
}

fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

/// `path.key`, quoting keys that are not bare TOML keys (`dependencies."a b"`).
pub(super) fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        key.to_owned()
    } else {
        format!("{:?}", key)
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

pub(super) fn backticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rejects control characters (CR, LF, NUL, tab, DEL, C1…) in every key and string of the
/// document, wherever they are, before anything reads a value: they break single-line displays,
/// log lines and HTTP headers, and no field has a use for them. Iterative, so no input can
/// exhaust the stack (the parser already caps nesting, this does not rely on it).
pub(super) fn reject_control_chars(root: &Table) -> Result<(), ManifestError> {
    let mut stack: Vec<(String, &Value)> = root.iter().map(|(k, v)| (join("", k), v)).collect();
    for key in root.keys() {
        check_text(&join("", key), key)?;
    }
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::String(s) => check_text(&path, s)?,
            Value::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (format!("{path}[{i}]"), v)),
                );
            }
            Value::Table(t) => {
                for (k, v) in t {
                    let child = join(&path, k);
                    check_text(&child, k)?;
                    stack.push((child, v));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_text(path: &str, text: &str) -> Result<(), ManifestError> {
    match text.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(ManifestError::new(
            path.to_owned(),
            format!(
                "`{}` contains the control character `{}`",
                super::validate::show(text),
                c.escape_unicode()
            ),
        )
        .with_hint(
            "keep values on one line, without tabs, line breaks or other control characters",
        )),
    }
}
