//! The files of an export directory:
//!
//! - `manifest.json` ([`Manifest`]): the format and its version, the tool that wrote it, the
//!   source's store and migration, and per table its file, row count and sha256. Written last, so
//!   a directory without one is an export that did not finish.
//! - `tables/TABLE.jsonl`: one JSON object per row, every column by name in the table's order
//!   (integers as numbers, flags as booleans, text as strings, NULL as `null`), rows in primary-key
//!   order, each line ending in `\n`. The same rows give the same bytes whichever store they came
//!   from.
//! - `archives/ab/cd/SHA256.osops`: each archive a version names, under its sha256 (the layout of
//!   the blob store's keys).
//!
//! Files are written under a `.part` name and renamed into place, so a name that exists holds a
//! whole file.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::TransferError;
use super::tables::{Column, Kind, Row, TABLES, Table, Value};

/// `manifest.json`'s `format`.
pub(crate) const FORMAT: &str = "osops-registry-export";
/// `manifest.json`'s `format_version`: the layout of the table files. An import refuses any other.
pub(crate) const FORMAT_VERSION: u32 = 1;

pub(crate) const MANIFEST: &str = "manifest.json";
pub(crate) const TABLES_DIR: &str = "tables";
pub(crate) const ARCHIVES_DIR: &str = "archives";
/// The suffix of a file being written.
const PART: &str = ".part";

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// The `osops-registry` version that wrote it.
    pub tool_version: String,
    /// When the export finished (RFC 3339 UTC).
    pub exported_at: String,
    pub source: Source,
    /// In dependency order.
    pub tables: Vec<TableFile>,
    pub archives: Archives,
}

/// Where an export came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `sqlite` or `postgres`.
    pub store: String,
    /// The newest migration applied to the source database (each store numbers its own).
    pub migration: i64,
    /// The database, for people: a path or `postgres://HOST/DB`, never a password.
    pub database: String,
    /// The blob store, for people.
    pub blobs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableFile {
    pub name: String,
    /// Relative to the export directory: `tables/NAME.jsonl`.
    pub file: String,
    pub rows: u64,
    /// Lowercase hex sha256 of the file.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Archives {
    /// Distinct archives the versions name, all in `archives/`.
    pub count: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

impl Manifest {
    /// Reads and checks `DIR/manifest.json`: the format, its version, and exactly the tables this
    /// version of the tool knows, each at its own file name.
    pub(crate) fn read(dir: &Path) -> Result<Manifest, TransferError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TransferError::Refused(format!(
                    "`{}` has no {MANIFEST}: it is not an export, or its export did not finish \
                     (run `osops-registry export` on it again)",
                    dir.display()
                )));
            }
            Err(source) => return Err(TransferError::Io { path, source }),
        };
        let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
            TransferError::Refused(format!("`{}` is not a valid manifest: {e}", path.display()))
        })?;
        if manifest.format != FORMAT {
            return Err(TransferError::Refused(format!(
                "`{}` is not an osops-registry export (format `{}`)",
                path.display(),
                manifest.format
            )));
        }
        if manifest.format_version != FORMAT_VERSION {
            return Err(TransferError::Refused(format!(
                "`{}` is format version {}, written by osops-registry {}; this osops-registry ({}) \
                 reads version {FORMAT_VERSION} only",
                path.display(),
                manifest.format_version,
                manifest.tool_version,
                env!("CARGO_PKG_VERSION"),
            )));
        }
        let names: Vec<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
        let known: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        if names != known {
            return Err(TransferError::Refused(format!(
                "`{}` lists the tables {names:?}; expected {known:?}",
                path.display()
            )));
        }
        for table in &manifest.tables {
            if table.file != table_file(&table.name) {
                return Err(TransferError::Refused(format!(
                    "`{}`: table `{}` must be in `{}`, not `{}`",
                    path.display(),
                    table.name,
                    table_file(&table.name),
                    table.file
                )));
            }
        }
        Ok(manifest)
    }

    /// Writes `DIR/manifest.json` (pretty, with a final newline), atomically.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), TransferError> {
        let mut text = serde_json::to_vec_pretty(self)
            .map_err(|e| TransferError::Refused(format!("cannot write the manifest: {e}")))?;
        text.push(b'\n');
        let path = dir.join(MANIFEST);
        let part = part_path(&path);
        std::fs::write(&part, &text).map_err(|source| TransferError::Io {
            path: part.clone(),
            source,
        })?;
        rename(&part, &path)
    }
}

/// `tables/NAME.jsonl`.
pub(crate) fn table_file(name: &str) -> String {
    format!("{TABLES_DIR}/{name}.jsonl")
}

/// `DIR/archives/ab/cd/SHA256.osops` (`sha256` is a checked lowercase hex digest).
pub(crate) fn archive_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(ARCHIVES_DIR)
        .join(&sha256[..2])
        .join(&sha256[2..4])
        .join(format!("{sha256}.osops"))
}

/// `PATH.part`.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(PART);
    path.with_file_name(name)
}

pub(crate) fn rename(from: &Path, to: &Path) -> Result<(), TransferError> {
    std::fs::rename(from, to).map_err(|source| TransferError::Io {
        path: to.to_owned(),
        source,
    })
}

pub(crate) fn create_dir(path: &Path) -> Result<(), TransferError> {
    std::fs::create_dir_all(path).map_err(|source| TransferError::Io {
        path: path.to_owned(),
        source,
    })
}

/// One row as a line of its table file, without the newline.
pub(crate) fn encode_row(table: &Table, row: &Row) -> String {
    let mut line = String::from("{");
    for (i, (column, value)) in table.columns.iter().zip(row).enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&json_string(column.name));
        line.push(':');
        match value {
            Value::Int(Some(n)) => line.push_str(&n.to_string()),
            Value::Bool(Some(b)) => line.push_str(if *b { "true" } else { "false" }),
            Value::Text(Some(s)) => line.push_str(&json_string(s)),
            Value::Int(None) | Value::Bool(None) | Value::Text(None) => line.push_str("null"),
        }
    }
    line.push('}');
    line
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A line of `table`'s file as a row: an object with exactly the table's columns, each of its
/// kind, `null` only where the column allows it. `Err` is the reason, without the place.
pub(crate) fn decode_row(table: &Table, line: &str) -> Result<Row, String> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    if let Some(extra) = object
        .keys()
        .find(|k| !table.columns.iter().any(|c| c.name == k.as_str()))
    {
        return Err(format!("unknown column `{extra}`"));
    }
    table
        .columns
        .iter()
        .map(|column| {
            let value = object
                .get(column.name)
                .ok_or_else(|| format!("no column `{}`", column.name))?;
            decode_value(column, value)
        })
        .collect()
}

fn decode_value(column: &Column, value: &serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    let wrong = |what: &str| format!("column `{}`: {what}", column.name);
    match (column.kind, value) {
        (_, J::Null) if column.nullable => Ok(match column.kind {
            Kind::Int => Value::Int(None),
            Kind::Text => Value::Text(None),
            Kind::Bool => Value::Bool(None),
        }),
        (_, J::Null) => Err(wrong("null, but the column is NOT NULL")),
        (Kind::Int, J::Number(n)) => n
            .as_i64()
            .map(|n| Value::Int(Some(n)))
            .ok_or_else(|| wrong(&format!("{n} is not a 64-bit integer"))),
        (Kind::Text, J::String(s)) => Ok(Value::Text(Some(s.clone()))),
        (Kind::Bool, J::Bool(b)) => Ok(Value::Bool(Some(*b))),
        (Kind::Int, _) => Err(wrong("expected an integer")),
        (Kind::Text, _) => Err(wrong("expected a string")),
        (Kind::Bool, _) => Err(wrong("expected true or false")),
    }
}

/// Writes a table file: lines go through a sha256 as they are written to `tables/NAME.jsonl.part`,
/// renamed into place by [`TableWriter::finish`].
pub(crate) struct TableWriter {
    table: &'static Table,
    part: PathBuf,
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    rows: u64,
}

impl TableWriter {
    pub(crate) fn create(dir: &Path, table: &'static Table) -> Result<TableWriter, TransferError> {
        let path = dir.join(table_file(table.name));
        let part = part_path(&path);
        let file = std::fs::File::create(&part).map_err(|source| TransferError::Io {
            path: part.clone(),
            source,
        })?;
        Ok(TableWriter {
            table,
            part,
            path,
            out: std::io::BufWriter::new(file),
            hash: Sha256::new(),
            rows: 0,
        })
    }

    pub(crate) fn write(&mut self, row: &Row) -> Result<(), TransferError> {
        let mut line = encode_row(self.table, row);
        line.push('\n');
        self.hash.update(line.as_bytes());
        self.rows += 1;
        self.out
            .write_all(line.as_bytes())
            .map_err(|source| TransferError::Io {
                path: self.part.clone(),
                source,
            })
    }

    /// Flushes and syncs the file, renames it into place and says what the manifest lists.
    pub(crate) fn finish(self) -> Result<TableFile, TransferError> {
        let io = |source| TransferError::Io {
            path: self.part.clone(),
            source,
        };
        let file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        rename(&self.part, &self.path)?;
        Ok(TableFile {
            name: self.table.name.to_owned(),
            file: table_file(self.table.name),
            rows: self.rows,
            sha256: hex::encode(self.hash.finalize()),
        })
    }
}

/// Reads a table file line by line, checking each row, hashing the bytes as they are read; at the
/// end, [`TableReader::finish`] compares the count and the sha256 with the manifest's.
pub(crate) struct TableReader {
    table: &'static Table,
    path: PathBuf,
    input: std::io::BufReader<std::fs::File>,
    hash: Sha256,
    line: String,
    number: u64,
}

impl TableReader {
    pub(crate) fn open(dir: &Path, table: &'static Table) -> Result<TableReader, TransferError> {
        let path = dir.join(table_file(table.name));
        let file = std::fs::File::open(&path).map_err(|source| TransferError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(TableReader {
            table,
            path,
            input: std::io::BufReader::new(file),
            hash: Sha256::new(),
            line: String::new(),
            number: 0,
        })
    }

    /// The next row, `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, TransferError> {
        self.line.clear();
        let read = self
            .input
            .read_line(&mut self.line)
            .map_err(|source| TransferError::Io {
                path: self.path.clone(),
                source,
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        self.hash.update(self.line.as_bytes());
        let Some(text) = self.line.strip_suffix('\n') else {
            return Err(self.invalid("the last line does not end with a newline"));
        };
        decode_row(self.table, text)
            .map(Some)
            .map_err(|why| self.invalid(&why))
    }

    fn invalid(&self, why: &str) -> TransferError {
        TransferError::Refused(format!(
            "`{}` line {}: {why}",
            self.path.display(),
            self.number
        ))
    }

    /// Checks the rows read against the manifest's count and sha256 (call after `None`).
    pub(crate) fn finish(self, listed: &TableFile) -> Result<(), TransferError> {
        let sha256 = hex::encode(self.hash.finalize());
        if sha256 != listed.sha256 {
            return Err(TransferError::Refused(format!(
                "`{}` has sha256 {sha256}, but the manifest says {}: the file was changed or \
                 damaged after the export",
                self.path.display(),
                listed.sha256
            )));
        }
        if self.number != listed.rows {
            return Err(TransferError::Refused(format!(
                "`{}` has {} rows, but the manifest says {}",
                self.path.display(),
                self.number,
                listed.rows
            )));
        }
        Ok(())
    }
}

/// The sha256 (lowercase hex) and size of a file, `None` if it does not exist.
pub(crate) fn file_digest(path: &Path) -> Result<Option<(String, u64)>, TransferError> {
    let io = |source| TransferError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut hash = Sha256::new();
    let size = std::io::copy(&mut file, &mut hash).map_err(io)?;
    Ok(Some((hex::encode(hash.finalize()), size)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::tables::table;

    fn users() -> &'static Table {
        table("users").expect("users")
    }

    #[test]
    fn rows_are_objects_in_column_order() {
        let row = vec![
            Value::Int(Some(7)),
            Value::Text(Some("jane \"j\"\n".into())),
            Value::Text(Some("2026-01-01T00:00:00Z".into())),
            Value::Text(None),
        ];
        let line = encode_row(users(), &row);
        assert_eq!(
            line,
            r#"{"id":7,"name":"jane \"j\"\n","created_at":"2026-01-01T00:00:00Z","disabled_at":null}"#
        );
        assert_eq!(decode_row(users(), &line), Ok(row));
        let assets = table("assets").expect("assets");
        let flags = decode_row(table("needs").expect("needs"), r#"{"seq":1,"id":"x","title":"t","problem":"p","persona":null,"services":"[]","links":"[]","use_cases":"[]","retired":true,"retired_reason":null,"created_by":1,"created_at":"a","updated_at":"b"}"#)
            .expect("need");
        assert_eq!(flags[8], Value::Bool(Some(true)));
        assert!(decode_row(assets, "{}").is_err());
    }

    #[test]
    fn bad_rows_say_why() {
        let ok = r#""name":"j","created_at":"t","disabled_at":null"#;
        for (line, says) in [
            (format!("{{\"id\":1,{ok},\"x\":1}}"), "unknown column `x`"),
            (format!("{{{ok}}}"), "no column `id`"),
            (format!("{{\"id\":\"1\",{ok}}}"), "expected an integer"),
            (format!("{{\"id\":1.5,{ok}}}"), "not a 64-bit integer"),
            (format!("{{\"id\":null,{ok}}}"), "NOT NULL"),
            ("[1]".to_owned(), "not a JSON object"),
        ] {
            let why = decode_row(users(), &line).expect_err(&line);
            assert!(why.contains(says), "{line}: {why}");
        }
    }

    #[test]
    fn archive_paths_follow_the_blob_keys() {
        let sha = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        assert_eq!(
            archive_path(Path::new("/x"), sha),
            Path::new("/x/archives/ab/cd").join(format!("{sha}.osops"))
        );
        assert_eq!(
            part_path(Path::new("/x/a.jsonl")),
            Path::new("/x/a.jsonl.part")
        );
    }
}
