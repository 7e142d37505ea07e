//! Reading need documents: TOML need files and the OpenStack Product Working Group's
//! reStructuredText user stories.
//!
//! A TOML need file is one or more `[[need]]` tables, or one need at the top level, with the keys
//! of [`NeedRecord`] (`use-cases` or `use_cases`, an array of `{ persona, text }` tables). Unknown
//! keys are errors with a "did you mean" hint, as in `osops.toml`, and every record is validated.
//!
//! A user story is read by [`parse_user_story`]; `story.rs` documents how its sections map onto a
//! record and how personas and services are inferred.

mod infer;
mod rst;
mod story;

use std::io::Read;
use std::path::Path;

use toml::Table;

use super::{NeedError, NeedRecord, UseCase};
use crate::manifest::fields::Fields;
use crate::manifest::validate as v;

/// Largest need file read, in bytes (a TOML file of many needs, or one long user story).
pub const MAX_NEED_FILE_SIZE: usize = 1024 * 1024;

/// What one file gave.
#[derive(Debug)]
pub struct Imported {
    /// The records read (a TOML file may hold several `[[need]]` tables).
    pub records: Vec<NeedRecord>,
    /// Notes about parts that were skipped or guessed ("no use cases", "section `Gaps` ignored").
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a need file: {reason}")]
    NotANeed { path: String, reason: String },
    #[error("`{path}`: invalid need")]
    Invalid {
        path: String,
        #[source]
        source: super::NeedError,
    },
}

/// Reads one file: `.toml` as need records, `.rst` as a user story; anything else is refused.
///
/// `.txt` files are read as user stories too (the working group's drafts sometimes had that
/// extension). The file is refused unread when it is larger than [`MAX_NEED_FILE_SIZE`] or not
/// UTF-8. Errors name the path as given.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let origin = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let is_toml = match ext.as_deref() {
        Some("toml") => true,
        Some("rst" | "txt") => false,
        _ => {
            return Err(ImportError::NotANeed {
                path: origin,
                reason: "only .toml need files and .rst user stories are imported".into(),
            });
        }
    };
    let io = |source| ImportError::Io {
        path: origin.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_NEED_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_NEED_FILE_SIZE {
        return Err(too_large(&origin));
    }
    let text = String::from_utf8(bytes).map_err(|_| ImportError::Invalid {
        path: origin.clone(),
        source: NeedError::new(String::new(), format!("`{origin}` is not UTF-8"))
            .with_hint("save it as UTF-8 text"),
    })?;
    if is_toml {
        parse_toml(&text, &origin)
    } else {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        parse_user_story(&text, &stem, &origin)
    }
}

fn too_large(origin: &str) -> ImportError {
    ImportError::Invalid {
        path: origin.to_owned(),
        source: NeedError::new(
            String::new(),
            format!("`{origin}` is larger than {MAX_NEED_FILE_SIZE} bytes"),
        )
        .with_hint("split it into several files"),
    }
}

/// The keys of one need in a TOML need file.
const NEED_KEYS: &[&str] = &[
    "id",
    "title",
    "problem",
    "persona",
    "services",
    "links",
    "use-cases",
    "use_cases",
];
const USE_CASE_KEYS: &[&str] = &["persona", "text"];

/// Parses a TOML need file: either `[[need]]` tables or one need at the top level.
///
/// Field paths in errors are the file's: `title` for a top-level need, `need[2].services[0]` or
/// `need[0].use-cases[1].text` in the `[[need]]` form. Two needs with one id are refused.
pub fn parse_toml(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let invalid = |source| ImportError::Invalid {
        path: origin.to_owned(),
        source,
    };
    if text.len() > MAX_NEED_FILE_SIZE {
        return Err(too_large(origin));
    }
    let root: Table = toml::from_str(text)
        .map_err(|e| invalid(crate::manifest::parse::syntax_error(text, &e)))?;
    if root.is_empty() {
        return Err(invalid(
            NeedError::new(String::new(), "the file holds no need".into())
                .with_hint("add a `[[need]]` table with at least `id`, `title` and `problem`"),
        ));
    }
    let records = if root.contains_key("need") {
        let in_need = |key: &str| {
            NEED_KEYS
                .contains(&key)
                .then(|| format!("`{key}` belongs in a `[[need]]` table"))
        };
        // `[[needs]]` next to `[[need]]`: the hint names the table, not the key.
        if let Some(key) = root
            .keys()
            .find(|k| *k != "need" && crate::suggest::closest(k, ["need"]).is_some())
        {
            return Err(invalid(
                NeedError::new(key.clone(), format!("unknown key `{key}` in the need file"))
                    .with_hint("did you mean `[[need]]`?"),
            ));
        }
        let mut f =
            Fields::in_document("", root, &["need"], "the need file", in_need).map_err(invalid)?;
        let tables = f
            .table_list("need")
            .map_err(|e| invalid(e.with_hint("write each need as a `[[need]]` table")))?;
        if tables.is_empty() {
            return Err(invalid(
                NeedError::new("need".into(), "`need` is an empty list".into())
                    .with_hint("add a `[[need]]` table with at least `id`, `title` and `problem`"),
            ));
        }
        let mut records: Vec<NeedRecord> = Vec::with_capacity(tables.len());
        for (path, table) in tables {
            let place = format!("`{path}`");
            let record = need(&path, table, &place).map_err(invalid)?;
            if let Some(i) = records.iter().position(|r| r.id == record.id) {
                return Err(invalid(
                    NeedError::new(
                        format!("{path}.id"),
                        format!("need id `{}` is also used by `need[{i}]`", record.id),
                    )
                    .with_hint("give each need its own id"),
                ));
            }
            records.push(record);
        }
        records
    } else {
        vec![need("", root, "the need file").map_err(invalid)?]
    };
    Ok(Imported {
        records,
        notes: Vec::new(),
    })
}

/// One need table at `path` (empty for the top level), parsed and validated.
fn need(path: &str, table: Table, place: &str) -> Result<NeedRecord, NeedError> {
    let top_level = path.is_empty();
    let misplaced = |key: &str| {
        (top_level && crate::suggest::closest(key, ["need"]).is_some())
            .then(|| "did you mean `[[need]]`?".to_owned())
    };
    let mut f = Fields::in_document(path, table, NEED_KEYS, place, misplaced)?;
    let id_text = required(&mut f, "id")?;
    let id = v::name(&f.path_of("id"), "need id", &id_text)?;
    let title = required(&mut f, "title")?;
    let problem = required(&mut f, "problem")?;
    let persona = f.opt_str("persona")?;
    let services = f
        .str_list("services")?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let links = f.str_list("links")?.into_iter().map(|(_, s)| s).collect();
    let use_cases_key = if f.has("use_cases") {
        if f.has("use-cases") {
            return Err(NeedError::new(
                f.path_of("use_cases"),
                "both `use-cases` and `use_cases` are given".into(),
            )
            .with_hint("keep one of them, `use-cases`"));
        }
        "use_cases"
    } else {
        "use-cases"
    };
    let mut use_cases = Vec::new();
    for (item_path, table) in f.table_list(use_cases_key).map_err(|e| {
        e.with_hint("write each use case as `{ persona = \"cloud operator\", text = \"As a cloud operator, I want …\" }`")
    })? {
        let place = format!("`{item_path}`");
        let mut u = Fields::in_document(&item_path, table, USE_CASE_KEYS, &place, |_| None)?;
        let persona = u.opt_str("persona")?;
        let text = required(&mut u, "text")?;
        use_cases.push(UseCase { persona, text });
    }
    NeedRecord {
        id,
        title,
        problem,
        persona,
        services,
        links,
        use_cases,
    }
    .validate()
    .map_err(|e| relocate(e, path, use_cases_key))
}

/// A required string, with a hint that fits a need file.
fn required(f: &mut Fields, key: &str) -> Result<String, NeedError> {
    f.opt_str(key)?.ok_or_else(|| {
        NeedError::new(f.path_of(key), format!("missing required key `{key}`"))
            .with_hint(format!("add `{key} = \"...\"` to the need"))
    })
}

/// A [`NeedRecord::validate`] error with its field path as the file writes it.
fn relocate(mut e: NeedError, path: &str, use_cases_key: &str) -> NeedError {
    if let Some(rest) = e.field.strip_prefix("use_cases") {
        e.field = format!("{use_cases_key}{rest}");
    }
    if !path.is_empty() && !e.field.is_empty() {
        e.field = format!("{path}.{}", e.field);
    }
    e
}

/// Parses a user story. The id comes from `file_stem` (folded to a canonical name).
///
/// See the `story` module for the mapping; a document with no title or with none of the
/// sections a user story has is [`ImportError::NotANeed`].
pub fn parse_user_story(
    text: &str,
    file_stem: &str,
    origin: &str,
) -> Result<Imported, ImportError> {
    if text.len() > MAX_NEED_FILE_SIZE {
        return Err(too_large(origin));
    }
    let story = story::read(text, file_stem).map_err(|e| match e {
        story::StoryError::NotANeed(reason) => ImportError::NotANeed {
            path: origin.to_owned(),
            reason,
        },
        story::StoryError::Invalid(source) => ImportError::Invalid {
            path: origin.to_owned(),
            source,
        },
    })?;
    let record = story
        .record
        .validate()
        .map_err(|source| ImportError::Invalid {
            path: origin.to_owned(),
            source,
        })?;
    Ok(Imported {
        records: vec![record],
        notes: story.notes,
    })
}
