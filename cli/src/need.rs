//! `osops need new` and `osops need import` without the printing: a [`NeedRecord`] built from
//! flags or a TOML need file and checked locally before anything goes to the registry, and the
//! per-file import of need documents.
//!
//! Nothing here prompts by itself: [`record_from_flags`] asks for a missing title or problem only
//! through the [`Ask`] it is given, and the command gives one only when stdin is a terminal, so a
//! script or CI job gets an error naming the missing flag instead of a prompt that never returns.

use std::io::Read;
use std::path::{Path, PathBuf};

use osops_index::need::import::{self, ImportError};
use osops_index::{AssetName, ManifestError, NameError, NeedRecord};

use crate::client;

/// Largest `--problem-file` read (the registry keeps problems far shorter; `validate` says so).
const MAX_PROBLEM_FILE: u64 = 1024 * 1024;
/// Largest `--from` need file read.
const MAX_NEED_FILE: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required value was not given; `flag` is what to pass.
    #[error("missing `{flag}`: {what}")]
    Missing {
        flag: &'static str,
        what: &'static str,
        hint: &'static str,
    },
    #[error("need id `{given}` is not valid")]
    Id {
        given: String,
        #[source]
        source: NameError,
    },
    /// `NeedRecord::validate` refused the record: `field` is the record's field (`services[0]`).
    #[error("invalid need `{id}`: {}", field_message(.field, .message))]
    Invalid {
        id: String,
        field: String,
        message: String,
        hint: Option<String>,
    },
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is larger than {limit} bytes", .path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("cannot read the need file `{}`", .path.display())]
    Import {
        path: PathBuf,
        #[source]
        source: ImportError,
    },
    #[error("`{}` holds {count} needs; `--from` takes a file with one", .path.display())]
    NotOne { path: PathBuf, count: usize },
    #[error("the id `{given}` differs from the id `{file}` in `{}`", .path.display())]
    IdMismatch {
        given: String,
        file: String,
        path: PathBuf,
    },
}

fn field_message(field: &str, message: &str) -> String {
    if field.is_empty() {
        message.to_owned()
    } else {
        format!("`{field}`: {message}")
    }
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Missing { hint, .. } => Some((*hint).to_owned()),
            Error::Invalid { hint, .. } => hint.clone(),
            Error::Id { given, .. } => AssetName::canonical_form(given)
                .ok()
                .map(|c| format!("use `{c}`"))
                .or_else(|| {
                    Some("ids are 2 to 64 of a-z, 0-9 and `-`, e.g. `drain-compute-host`".into())
                }),
            Error::NotOne { path, .. } => Some(format!(
                "import them all with `osops need import {}`",
                path.display()
            )),
            Error::IdMismatch { .. } => Some("leave out ID, or make the two agree".into()),
            _ => None,
        }
    }

    fn invalid(id: &AssetName, e: ManifestError) -> Error {
        Error::Invalid {
            id: id.to_string(),
            field: e.field,
            message: e.message,
            hint: e.hint,
        }
    }
}

/// Asks the person at the terminal for a value; `None` when they give nothing.
pub trait Ask {
    /// One line, for `label` ("Title").
    fn line(&mut self, label: &str) -> std::io::Result<Option<String>>;
    /// Several lines, ended by an empty line or end of input.
    fn text(&mut self, label: &str) -> std::io::Result<Option<String>>;
}

/// `osops need new`'s flags, before they become a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub id: Option<String>,
    pub title: Option<String>,
    pub problem: Option<String>,
    /// Read for the problem when `problem` is not given; `-` is stdin.
    pub problem_file: Option<PathBuf>,
    pub persona: Option<String>,
    pub services: Vec<String>,
    pub links: Vec<String>,
}

/// The record the flags describe, validated. A missing title or problem is asked through `ask`
/// when there is one; otherwise it is an error naming the flag. Returns the record and the id as
/// typed when it was folded to its canonical form (`Drain_Host` → `drain-host`).
pub fn record_from_flags(
    draft: Draft,
    ask: Option<&mut dyn Ask>,
) -> Result<(NeedRecord, Option<String>), Error> {
    let Some(typed) = draft.id.filter(|id| !id.trim().is_empty()) else {
        return Err(Error::Missing {
            flag: "ID",
            what: "the need's id",
            hint: "name it on the command line, e.g. `osops need new drain-compute-host --title …`",
        });
    };
    let id = AssetName::canonical_form(typed.trim()).map_err(|source| Error::Id {
        given: typed.clone(),
        source,
    })?;
    let folded = (id.as_str() != typed).then_some(typed);
    let mut ask = ask;
    let mut title = draft.title.filter(|t| !t.trim().is_empty());
    if title.is_none()
        && let Some(ask) = ask.as_deref_mut()
    {
        title = ask.line("Title").map_err(stdin_error)?;
    }
    let Some(title) = title else {
        return Err(Error::Missing {
            flag: "--title",
            what: "the need's one-line title",
            hint: "pass `--title TEXT`, or describe the need in a TOML file and pass `--from FILE`",
        });
    };
    let mut problem = match (draft.problem, &draft.problem_file) {
        (Some(text), _) => Some(text),
        (None, Some(path)) => Some(read_capped(path, MAX_PROBLEM_FILE)?),
        (None, None) => None,
    }
    .filter(|p| !p.trim().is_empty());
    if problem.is_none()
        && draft.problem_file.is_none()
        && let Some(ask) = ask
    {
        problem = ask
            .text("Problem, in the operator's words (end with an empty line)")
            .map_err(stdin_error)?;
    }
    let Some(problem) = problem else {
        return Err(Error::Missing {
            flag: "--problem",
            what: "the problem statement",
            hint: "pass `--problem TEXT` or `--problem-file FILE` (markdown; `-` reads stdin)",
        });
    };
    let record = NeedRecord {
        id: id.clone(),
        title: title.trim().to_owned(),
        problem,
        persona: draft.persona.filter(|p| !p.trim().is_empty()),
        services: draft.services,
        links: draft.links,
        use_cases: Vec::new(),
    };
    let record = record.validate().map_err(|e| Error::invalid(&id, e))?;
    Ok((record, folded))
}

/// The one need of a TOML need file, validated, and the importer's notes about it. `id`, when
/// given, must be the file's.
pub fn record_from_file(path: &Path, id: Option<&str>) -> Result<(NeedRecord, Vec<String>), Error> {
    let text = read_capped(path, MAX_NEED_FILE)?;
    let origin = path.display().to_string();
    let imported = import::parse_toml(&text, &origin).map_err(|source| Error::Import {
        path: path.to_owned(),
        source,
    })?;
    let count = imported.records.len();
    let Some(record) = imported.records.into_iter().next().filter(|_| count == 1) else {
        return Err(Error::NotOne {
            path: path.to_owned(),
            count,
        });
    };
    if let Some(given) = id {
        let canonical = AssetName::canonical_form(given).map_err(|source| Error::Id {
            given: given.to_owned(),
            source,
        })?;
        if canonical != record.id {
            return Err(Error::IdMismatch {
                given: given.to_owned(),
                file: record.id.to_string(),
                path: path.to_owned(),
            });
        }
    }
    let id = record.id.clone();
    let record = record.validate().map_err(|e| Error::invalid(&id, e))?;
    Ok((record, imported.notes))
}

fn stdin_error(source: std::io::Error) -> Error {
    Error::Read {
        path: PathBuf::from("-"),
        source,
    }
}

/// Reads a text file (or stdin for `-`), refusing more than `limit` bytes.
fn read_capped(path: &Path, limit: u64) -> Result<String, Error> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(read_error)?;
    }
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| read_error(std::io::Error::other(e)))
}

/// What `osops need import PATH...` found to read.
#[derive(Debug, PartialEq, Eq)]
pub enum Source {
    /// A file to import: named on the command line, or a `*.toml`/`*.rst` found in a directory.
    File(PathBuf),
    /// A path that could not be read (missing, or a directory that cannot be listed).
    Unreadable { path: PathBuf, reason: String },
    /// A directory with no `*.toml` or `*.rst` in it.
    Empty(PathBuf),
}

/// The files to import, in order: each path as given, directories walked (hidden entries and
/// symbolic links skipped) for `*.toml` and `*.rst`, sorted. A file is listed once.
pub fn sources(paths: &[PathBuf]) -> Vec<Source> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.push(Source::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            }),
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                let mut problems = Vec::new();
                walk(path, &mut found, &mut problems);
                found.sort();
                if found.is_empty() && problems.is_empty() {
                    out.push(Source::Empty(path.clone()));
                }
                out.extend(problems);
                for file in found {
                    if seen.insert(file.clone()) {
                        out.push(Source::File(file));
                    }
                }
            }
            Ok(_) => {
                if seen.insert(path.clone()) {
                    out.push(Source::File(path.clone()));
                }
            }
        }
    }
    out
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, problems: &mut Vec<Source>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Source::Unreadable {
                path: dir.to_owned(),
                reason: e.to_string(),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, found, problems),
            Ok(t) if t.is_file() && is_need_document(&path) => found.push(path),
            _ => {}
        }
    }
}

fn is_need_document(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("rst"))
}

/// What importing one file did: the `--json` report of `osops need import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    /// Ids imported (or, in a dry run, that would be).
    pub imported: Vec<String>,
    pub notes: Vec<String>,
    /// Why the file, or some of its needs, were not imported.
    pub error: Option<String>,
}

/// Sends one record to the registry; `Ok(true)` when it was created, `Ok(false)` when updated.
pub type Put<'a> = &'a dyn Fn(&NeedRecord) -> Result<bool, client::Error>;

/// Imports one file: reads it, validates each record, and hands each to `put` (none in a dry
/// run). A bad file, or a record the registry refuses, is reported in the [`FileReport`]; only a
/// failure that would fail every file (no connection, a refused token) is an `Err`.
/// `saved` hears about each record `put` stored.
pub fn import_one(
    path: &Path,
    put: Option<Put<'_>>,
    mut saved: impl FnMut(&NeedRecord, bool),
) -> Result<FileReport, client::Error> {
    let mut report = FileReport {
        file: path.display().to_string(),
        ..FileReport::default()
    };
    let imported = match import::import_file(path) {
        Ok(imported) => imported,
        Err(e) => {
            report.error = Some(import_reason(&e));
            return Ok(report);
        }
    };
    report.notes = imported.notes;
    let mut records = Vec::new();
    for record in imported.records {
        let id = record.id.clone();
        match record.validate() {
            Ok(record) => records.push(record),
            Err(e) => {
                report.error = Some(format!("need `{id}`: {}", e));
                return Ok(report);
            }
        }
    }
    if records.is_empty() {
        report.error = Some("no needs in it".into());
        return Ok(report);
    }
    let mut refused = Vec::new();
    for record in &records {
        match put.map(|put| put(record)) {
            None => report.imported.push(record.id.to_string()),
            Some(Ok(created)) => {
                saved(record, created);
                report.imported.push(record.id.to_string());
            }
            Some(Err(e)) if is_per_record(&e) => refused.push(format!("need `{}`: {e}", record.id)),
            Some(Err(e)) => return Err(e),
        }
    }
    if !refused.is_empty() {
        report.error = Some(refused.join("; "));
    }
    Ok(report)
}

/// Whether a failed PUT is about that record (refused, conflicting, not this user's) rather
/// than about the whole run (no connection, a bad token), which would fail every file alike.
fn is_per_record(e: &client::Error) -> bool {
    match e.status() {
        Some(401) => false,
        Some(_) => !matches!(e, client::Error::GaveUp { .. }),
        None => matches!(e, client::Error::Decode { .. }),
    }
}

/// Why a file was skipped, without repeating its path (the report line names it).
fn import_reason(e: &ImportError) -> String {
    match e {
        ImportError::Io { source, .. } => format!("cannot read it: {source}"),
        ImportError::NotANeed { reason, .. } => format!("not a need file: {reason}"),
        ImportError::Invalid { source, .. } => format!("invalid need: {source}"),
    }
}

#[cfg(test)]
mod tests;
