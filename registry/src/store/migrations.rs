//! Migrations embedded in the binary: numbered SQL files listed with `include_str!`, handed to
//! sqlx's migrator.
//!
//! `sqlx::migrate!()` would embed them too, but it needs sqlx's proc-macro crate, which builds a
//! second copy of SQLite for the host; listing them costs one line per migration (a test per
//! store checks that none is forgotten) and yields the same checksums.

use std::borrow::Cow;
use std::pin::Pin;

use sqlx::migrate::{Migration, MigrationSource, MigrationType};

/// `(version, description, sql)` of each migration, in order.
#[derive(Debug)]
pub(crate) struct Embedded(pub &'static [(i64, &'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<
        Box<
            dyn std::future::Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>>
                + Send,
        >,
    > {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The files of `dir` ending in `.sql`, sorted, and what `embedded` lists as `NNNN_name.sql`:
/// a test asserts they are equal.
#[cfg(test)]
pub(crate) fn files_and_embedded(
    dir: &std::path::Path,
    embedded: &[(i64, &str, &str)],
) -> (Vec<String>, Vec<String>) {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed = embedded
        .iter()
        .map(|(v, d, _)| format!("{v:04}_{d}.sql"))
        .collect();
    (files, listed)
}
