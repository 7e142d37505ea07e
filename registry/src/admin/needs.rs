//! `osops-registry need import PATH... [--as USER]` and `osops-registry need retire ID --reason
//! TEXT`, on a data directory; [`import_paths`] is also how `serve --demo` loads `needs.toml`.
//!
//! Import reads files with `osops_index::need::import::import_file` (TOML need files and
//! reStructuredText user stories), walks directories for `*.toml` and `*.rst`, and creates or
//! updates every record by id, so importing the same file again updates instead of duplicating.
//! One bad file never stops the run: each file gets one line in the [`ImportReport`].

use std::fmt;
use std::path::{Path, PathBuf};

use osops_index::AssetName;
use osops_index::need::import::{ImportError, Imported, import_file};

use super::{check_user_name, open};
use crate::error::{Error, chain};
use crate::store::Database;
use crate::store::{NeedStore, PutNeed, UpdateRule, User};

/// The user `need import` acts as unless told otherwise.
pub const DEFAULT_IMPORT_USER: &str = "admin";

/// What happened to each file, in the order they were read.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
}

impl ImportReport {
    /// The run succeeded when some file was imported, or none failed (only files that are not
    /// needs were skipped).
    pub fn success(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.outcome, FileOutcome::Imported { .. }))
            || !self
                .files
                .iter()
                .any(|f| matches!(f.outcome, FileOutcome::Failed { .. }))
    }
}

#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    pub outcome: FileOutcome,
}

#[derive(Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// Every record of the file was stored; `ids` in file order.
    Imported {
        ids: Vec<String>,
        notes: Vec<String>,
    },
    /// Not a need document; nothing to import, and not an error.
    NotANeed { reason: String },
    /// A need document that could not be read or stored; nothing of it was stored unless said.
    Failed { reason: String },
}

/// `imported FILE: id1, id2 (note; note)` or `skipped FILE: reason`, always one line.
impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.outcome {
            FileOutcome::Imported { ids, notes } => {
                write!(f, "imported {path}: {}", ids.join(", "))?;
                if !notes.is_empty() {
                    let notes: Vec<String> = notes.iter().map(|n| one_line(n)).collect();
                    write!(f, " ({})", notes.join("; "))?;
                }
                Ok(())
            }
            FileOutcome::NotANeed { reason } | FileOutcome::Failed { reason } => {
                write!(f, "skipped {path}: {}", one_line(reason))
            }
        }
    }
}

/// Multi-line text (a TOML parser's message with its source snippet) on one line.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `need import`: imports `paths` into the data directory as `user` (created if missing).
pub async fn import(db: &Database, paths: &[PathBuf], user: &str) -> Result<ImportReport, Error> {
    check_user_name(user)?;
    let store = open(db).await?;
    let result = async {
        let user = store.ensure_user(user).await?;
        Ok(import_paths(store.as_ref(), &user, paths).await)
    }
    .await;
    store.close().await;
    result
}

/// `need retire`: marks the need retired with `reason`; returns its canonical id.
pub async fn retire(db: &Database, id: &str, reason: &str) -> Result<AssetName, Error> {
    let id = AssetName::canonical_form(id)
        .map_err(|e| Error::Invalid(format!("`{}` is not a need id: {e}", id.escape_debug())))?;
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "the reason must not be empty (hint: --reason \"superseded by `other-need`\")".into(),
        ));
    }
    let store = open(db).await?;
    let result = store.retire_need(&id, reason.trim()).await;
    store.close().await;
    result?;
    Ok(id)
}

/// Imports every file of `paths` (directories walked for `*.toml` and `*.rst`, in name order),
/// creating or updating needs by id as `user`, whoever created them.
pub async fn import_paths(needs: &dyn NeedStore, user: &User, paths: &[PathBuf]) -> ImportReport {
    let mut report = ImportReport::default();
    for path in paths {
        let files = if path.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = walk(path, &mut files) {
                report.files.push(FileReport {
                    path: path.clone(),
                    outcome: FileOutcome::Failed {
                        reason: format!("cannot read the directory: {e}"),
                    },
                });
            }
            files.sort();
            files
        } else {
            vec![path.clone()]
        };
        for file in files {
            let outcome = import_one(needs, user, &file).await;
            report.files.push(FileReport {
                path: file,
                outcome,
            });
        }
    }
    report
}

/// Need documents under `dir`, recursively; hidden entries and symbolic links are left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("rst"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads one file and stores its records.
pub async fn import_one(needs: &dyn NeedStore, user: &User, path: &Path) -> FileOutcome {
    let read = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || import_file(&path)).await
    };
    let Imported { records, mut notes } = match read {
        Ok(Ok(imported)) => imported,
        // The line already names the file: the reasons leave the path out.
        Ok(Err(ImportError::NotANeed { reason, .. })) => return FileOutcome::NotANeed { reason },
        Ok(Err(ImportError::Invalid { source, .. })) => {
            return FileOutcome::Failed {
                reason: format!("invalid need: {}", chain(&source)),
            };
        }
        Ok(Err(ImportError::Io { source, .. })) => {
            return FileOutcome::Failed {
                reason: format!("cannot read it: {source}"),
            };
        }
        Err(e) => {
            return FileOutcome::Failed {
                reason: format!("the reader failed: {e}"),
            };
        }
    };
    if records.is_empty() {
        return FileOutcome::NotANeed {
            reason: "it holds no need".into(),
        };
    }
    // Every record is checked before any is stored, so a file is imported whole or not at all.
    let mut valid = Vec::with_capacity(records.len());
    for record in records {
        let id = record.id.clone();
        match record.validate() {
            Ok(record) => valid.push(record),
            Err(e) => {
                return FileOutcome::Failed {
                    reason: format!("need `{id}` is invalid: {e}"),
                };
            }
        }
    }
    let mut ids = Vec::with_capacity(valid.len());
    for record in &valid {
        match needs.put_need(record, user, UpdateRule::Anyone).await {
            Ok(PutNeed::Created(_)) => {}
            Ok(PutNeed::Updated(_)) => notes.push(format!("`{}` updated", record.id)),
            Ok(PutNeed::NotCreator { creator }) => {
                // Not with UpdateRule::Anyone; kept total rather than unreachable.
                notes.push(format!(
                    "`{}` belongs to `{creator}`; left as it was",
                    record.id
                ));
                continue;
            }
            Err(e) => {
                let stored = if ids.is_empty() {
                    String::new()
                } else {
                    format!(" (stored before it: {})", ids.join(", "))
                };
                return FileOutcome::Failed {
                    reason: format!("cannot store need `{}`: {}{stored}", record.id, chain(&e)),
                };
            }
        }
        ids.push(record.id.to_string());
    }
    FileOutcome::Imported { ids, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcomes: Vec<FileOutcome>) -> ImportReport {
        ImportReport {
            files: outcomes
                .into_iter()
                .map(|outcome| FileReport {
                    path: PathBuf::from("f"),
                    outcome,
                })
                .collect(),
        }
    }

    fn imported() -> FileOutcome {
        FileOutcome::Imported {
            ids: vec!["a-need".into()],
            notes: vec![],
        }
    }

    fn failed() -> FileOutcome {
        FileOutcome::Failed {
            reason: "bad".into(),
        }
    }

    fn not_a_need() -> FileOutcome {
        FileOutcome::NotANeed {
            reason: "no".into(),
        }
    }

    #[test]
    fn success_rule() {
        assert!(report(vec![]).success());
        assert!(report(vec![not_a_need()]).success());
        assert!(report(vec![imported(), failed()]).success());
        assert!(!report(vec![failed()]).success());
        assert!(!report(vec![failed(), not_a_need()]).success());
    }

    #[test]
    fn lines() {
        let line = |outcome| {
            FileReport {
                path: PathBuf::from("dir/x.toml"),
                outcome,
            }
            .to_string()
        };
        assert_eq!(
            line(FileOutcome::Imported {
                ids: vec!["a-b".into(), "c-d".into()],
                notes: vec!["n1".into(), "n2".into()]
            }),
            "imported dir/x.toml: a-b, c-d (n1; n2)"
        );
        assert_eq!(line(imported()), "imported dir/x.toml: a-need");
        assert_eq!(line(failed()), "skipped dir/x.toml: bad");
        assert_eq!(
            line(FileOutcome::Failed {
                reason: "TOML parse error\n  |\n1 | x\n".into()
            }),
            "skipped dir/x.toml: TOML parse error | 1 | x"
        );
    }
}
