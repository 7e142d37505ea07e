//! `osops-registry export DIR` and `osops-registry import DIR`: moving a whole registry between
//! stores — the embedded default (SQLite and a directory) and PostgreSQL with S3, either way —
//! through a directory whose every byte is checked on the way in.
//!
//! - [`tables`] lists the tables and columns (the same in both schemas) and maps their types;
//! - [`format`] reads and writes the directory: `manifest.json`, `tables/TABLE.jsonl`,
//!   `archives/ab/cd/SHA256.osops`;
//! - [`db`] reads every table on one snapshot and loads every table in one transaction;
//! - this file holds the two commands and their archive copying.
//!
//! [`export`] reads every table on one snapshot into its file, copies every archive a version
//! names (hashing each as it streams; an archive already in the directory with the right sha256
//! is kept, so a re-run after an interruption, or to catch up with a live registry, copies only
//! what is new), and writes the manifest last. [`import`] checks the manifest, each table file's
//! sha256 and every row before touching the target, refuses a target that holds anything (unless
//! `force`, which replaces it), copies the archives into the target's blob store (verified;
//! those already there with the right sha256 are kept), then inserts every row, ids kept, in one
//! transaction that also rebuilds the search index, checks the counts and that every version's
//! archive is in the target's blob store — all or nothing.

mod db;
pub mod format;
pub(crate) mod tables;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};

use crate::blobs::{BlobError, BlobKey, Blobs};
use crate::store::{Database, StoreError};
use db::{Db, batch_rows};
use format::{ARCHIVES_DIR, MANIFEST, Manifest, TABLES_DIR, TableReader, TableWriter};
use tables::{Row, TABLES, Table, Value};

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("cannot use `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the blob storage failed")]
    Blob(#[from] BlobError),
    #[error("{what}")]
    Database {
        what: String,
        #[source]
        source: sqlx::Error,
    },
    /// The directory, a file in it, the source or the target is not what it must be; the text
    /// says what and how to go on.
    #[error("{0}")]
    Refused(String),
}

/// What [`export`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    pub manifest: Manifest,
    /// Archives written to the directory now.
    pub archives_copied: u64,
    /// Archives that were there already, verified.
    pub archives_kept: u64,
}

/// What [`import`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub manifest: Manifest,
    /// Archives put into the target's blob store now.
    pub archives_copied: u64,
    /// Archives that were there already, verified.
    pub archives_kept: u64,
    /// Rows of the target deleted first (`force`).
    pub replaced: u64,
}

/// `TABLE ROWS, TABLE ROWS, …`.
fn row_counts(manifest: &Manifest) -> String {
    manifest
        .tables
        .iter()
        .map(|t| format!("{} {}", t.name, t.rows))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for ExportReport {
    /// Two lines: the rows per table, then the archives.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rows: {}", row_counts(&self.manifest))?;
        write!(
            f,
            "archives: {} ({} bytes): {} copied, {} already in the directory",
            self.manifest.archives.count,
            self.manifest.archives.bytes,
            self.archives_copied,
            self.archives_kept
        )
    }
}

impl fmt::Display for ImportReport {
    /// Two lines (three with `--force`): the rows per table, the archives, the rows replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rows: {}", row_counts(&self.manifest))?;
        write!(
            f,
            "archives: {} ({} bytes): {} copied, {} already in the blob store",
            self.manifest.archives.count,
            self.manifest.archives.bytes,
            self.archives_copied,
            self.archives_kept
        )?;
        if self.replaced > 0 {
            write!(f, "\nreplaced: {} rows of the target", self.replaced)?;
        }
        Ok(())
    }
}

/// An archive some version names.
#[derive(Debug, Clone)]
struct ArchiveRef {
    size: u64,
    /// `NAME@VERSION` of one version naming it, for messages.
    label: String,
}

/// The archives the `versions` rows name, checked: lowercase hex sha256, one size per sha256.
#[derive(Debug, Default)]
struct Archives {
    /// `assets.id` → name, to label versions.
    names: BTreeMap<i64, String>,
    by_sha256: BTreeMap<String, ArchiveRef>,
}

impl Archives {
    fn column(table: &Table, name: &str) -> usize {
        table.column_names().position(|c| c == name).unwrap_or(0)
    }

    /// Notes what a row of `assets` or `versions` says; other tables are ignored.
    fn note(&mut self, table: &Table, row: &Row) -> Result<(), String> {
        let get = |name: &str| &row[Self::column(table, name)];
        match table.name {
            "assets" => {
                if let (Value::Int(Some(id)), Value::Text(Some(name))) = (get("id"), get("name")) {
                    self.names.insert(*id, name.clone());
                }
            }
            "versions" => {
                let (
                    Value::Text(Some(sha256)),
                    Value::Int(Some(size)),
                    Value::Int(Some(asset)),
                    Value::Text(Some(version)),
                ) = (get("sha256"), get("size"), get("asset_id"), get("version"))
                else {
                    return Err("a version without sha256, size, asset or version".into());
                };
                BlobKey::archive(sha256).map_err(|e| e.to_string())?;
                let size = u64::try_from(*size)
                    .map_err(|_| format!("archive {sha256} has a negative size"))?;
                let name = self.names.get(asset).map_or("?", String::as_str);
                let label = format!("{name}@{version}");
                match self.by_sha256.get(sha256) {
                    Some(known) if known.size != size => {
                        return Err(format!(
                            "archive {sha256} is {} bytes for {} but {size} for {label}",
                            known.size, known.label
                        ));
                    }
                    Some(_) => {}
                    None => {
                        self.by_sha256
                            .insert(sha256.clone(), ArchiveRef { size, label });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn summary(&self) -> format::Archives {
        format::Archives {
            count: self.by_sha256.len() as u64,
            bytes: self.by_sha256.values().map(|a| a.size).sum(),
        }
    }
}

/// Checks that `dir` may receive an export: missing, empty, or holding only what an export
/// writes (a previous or interrupted export, which this one refreshes), and creates its folders.
fn prepare_export_dir(dir: &Path) -> Result<(), TransferError> {
    let io = |source| TransferError::Io {
        path: dir.to_owned(),
        source,
    };
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let name = entry.map_err(io)?.file_name();
                let ours = [MANIFEST, TABLES_DIR, ARCHIVES_DIR]
                    .iter()
                    .any(|n| name == *n || name.to_string_lossy() == format!("{n}.part"));
                if !ours {
                    return Err(TransferError::Refused(format!(
                        "`{}` holds `{}`, which an export does not write: export into a new or \
                         empty directory, or into a previous export to refresh it",
                        dir.display(),
                        name.to_string_lossy()
                    )));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    format::create_dir(&dir.join(TABLES_DIR))?;
    format::create_dir(&dir.join(ARCHIVES_DIR))?;
    // Until the new manifest is written, the directory is an unfinished export.
    match std::fs::remove_file(dir.join(MANIFEST)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(TransferError::Io {
            path: dir.join(MANIFEST),
            source,
        }),
    }
}

/// Writes the whole registry — the `database` and the archives its versions name in `blobs` — to
/// `dir` (see the module documentation). The source is only read.
pub async fn export(
    database: &Database,
    blobs: &Blobs,
    dir: &Path,
) -> Result<ExportReport, TransferError> {
    if let Database::Sqlite(path) = database
        && !path.exists()
    {
        return Err(TransferError::Refused(format!(
            "there is no registry database at `{}` (hint: --data-dir or --database-url)",
            path.display()
        )));
    }
    prepare_export_dir(dir)?;
    let db = Db::open(database).await?;
    let result = export_from(&db, database, blobs, dir).await;
    db.close().await;
    result
}

async fn export_from(
    db: &Db,
    database: &Database,
    blobs: &Blobs,
    dir: &Path,
) -> Result<ExportReport, TransferError> {
    let migration = db.migration().await?;
    let mut snapshot = db.snapshot().await?;
    let mut files = Vec::with_capacity(TABLES.len());
    let mut archives = Archives::default();
    for table in TABLES {
        let mut writer = TableWriter::create(dir, table)?;
        snapshot
            .read_table(table, |row| {
                archives.note(table, &row).map_err(|why| {
                    TransferError::Refused(format!("the source's `{}`: {why}", table.name))
                })?;
                writer.write(&row)
            })
            .await?;
        files.push(writer.finish()?);
    }
    snapshot.finish().await?;

    let (mut copied, mut kept) = (0, 0);
    for (sha256, archive) in &archives.by_sha256 {
        if export_archive(blobs, dir, sha256, archive).await? {
            copied += 1;
        } else {
            kept += 1;
        }
    }

    let manifest = Manifest {
        format: format::FORMAT.to_owned(),
        format_version: format::FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        exported_at: crate::time::now(),
        source: format::Source {
            store: db.store().to_owned(),
            migration,
            database: database.describe(),
            blobs: blobs.describe().to_owned(),
        },
        tables: files,
        archives: archives.summary(),
    };
    manifest.write(dir)?;
    Ok(ExportReport {
        manifest,
        archives_copied: copied,
        archives_kept: kept,
    })
}

/// Copies one archive from the blob store into the directory, hashing it as it streams; `false`
/// when the directory has it already (checked). A damaged source archive fails the export.
async fn export_archive(
    blobs: &Blobs,
    dir: &Path,
    sha256: &str,
    archive: &ArchiveRef,
) -> Result<bool, TransferError> {
    let path = format::archive_path(dir, sha256);
    if format::file_digest(&path)? == Some((sha256.to_owned(), archive.size)) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        format::create_dir(parent)?;
    }
    let key = BlobKey::archive(sha256)?;
    let mut blob = match blobs.get(&key).await {
        Ok(blob) => blob,
        Err(BlobError::NotFound(_)) => {
            return Err(TransferError::Refused(format!(
                "the archive of {} ({sha256}) is missing from the blob store {}",
                archive.label,
                blobs.describe()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let part = format::part_path(&path);
    let io = |source| TransferError::Io {
        path: part.clone(),
        source,
    };
    let mut file = std::fs::File::create(&part).map_err(io)?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = blob.stream.try_next().await? {
        hash.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).map_err(io)?;
    }
    file.sync_all().map_err(io)?;
    drop(file);
    let digest = hex::encode(hash.finalize());
    if digest != sha256 || size != archive.size {
        let _ = std::fs::remove_file(&part);
        return Err(TransferError::Refused(format!(
            "the archive of {} in {} is damaged: it should be {} bytes with sha256 {sha256}, \
             but is {size} bytes with sha256 {digest}",
            archive.label,
            blobs.describe(),
            archive.size
        )));
    }
    format::rename(&part, &path)?;
    Ok(true)
}

/// Reads every table file through, checking each row and the file's sha256 and row count
/// against the manifest, and collects the archives the versions name.
fn verify_tables(dir: &Path, manifest: &Manifest) -> Result<Archives, TransferError> {
    let mut archives = Archives::default();
    for (table, listed) in TABLES.iter().zip(&manifest.tables) {
        let mut reader = TableReader::open(dir, table)?;
        while let Some(row) = reader.next_row()? {
            archives
                .note(table, &row)
                .map_err(|why| TransferError::Refused(format!("`{}`: {why}", listed.file)))?;
        }
        reader.finish(listed)?;
    }
    let summary = archives.summary();
    if summary != manifest.archives {
        return Err(TransferError::Refused(format!(
            "the versions name {} archives ({} bytes), but the manifest says {} ({} bytes)",
            summary.count, summary.bytes, manifest.archives.count, manifest.archives.bytes
        )));
    }
    Ok(archives)
}

/// Loads the export in `dir` into the `database` and `blobs` (see the module documentation).
/// Without `force`, a target holding any row is refused; with it, the target's rows are replaced
/// (in the same transaction, so a failed import leaves them as they were).
pub async fn import(
    dir: &Path,
    database: &Database,
    blobs: &Blobs,
    force: bool,
) -> Result<ImportReport, TransferError> {
    let manifest = Manifest::read(dir)?;
    let archives = verify_tables(dir, &manifest)?;
    let missing: Vec<String> = archives
        .by_sha256
        .iter()
        .filter(|(sha256, _)| !format::archive_path(dir, sha256).is_file())
        .map(|(sha256, a)| format!("{sha256} ({})", a.label))
        .collect();
    if !missing.is_empty() {
        return Err(TransferError::Refused(format!(
            "`{}` lacks {} of its {} archives, e.g. {} (run the export again to complete it)",
            dir.join(ARCHIVES_DIR).display(),
            missing.len(),
            archives.by_sha256.len(),
            missing
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    let db = Db::open(database).await?;
    let target = database.describe();
    let result = import_into(&db, &target, dir, manifest, &archives, blobs, force).await;
    db.close().await;
    result
}

/// `Refused` unless every count is zero.
fn refuse_non_empty(counts: &[(&str, u64)], target: &str) -> Result<(), TransferError> {
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{table} {n}"))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    Err(TransferError::Refused(format!(
        "the target {target} is not empty ({}): import into an empty database, or pass --force \
         to replace everything in it",
        held.join(", ")
    )))
}

async fn import_into(
    db: &Db,
    target: &str,
    dir: &Path,
    manifest: Manifest,
    archives: &Archives,
    blobs: &Blobs,
    force: bool,
) -> Result<ImportReport, TransferError> {
    if !force {
        // Checked early, before any archive is copied; again in the transaction.
        let mut load = db.load().await?;
        let counts = load.counts().await?;
        drop(load);
        refuse_non_empty(&counts, target)?;
    }

    let (mut copied, mut kept) = (0, 0);
    for (sha256, archive) in &archives.by_sha256 {
        if import_archive(blobs, dir, sha256, archive).await? {
            copied += 1;
        } else {
            kept += 1;
        }
    }

    let mut load = db.load().await?;
    let before = load.counts().await?;
    let replaced = before.iter().map(|(_, n)| n).sum();
    if force {
        load.delete_all().await?;
    } else {
        refuse_non_empty(&before, target)?;
    }
    for (table, listed) in TABLES.iter().zip(&manifest.tables) {
        // Read again (and hashed again): what is inserted is what was checked.
        let mut reader = TableReader::open(dir, table)?;
        let mut batch = Vec::with_capacity(batch_rows(table));
        while let Some(row) = reader.next_row()? {
            batch.push(row);
            if batch.len() == batch.capacity() {
                load.insert(table, &batch).await?;
                batch.clear();
            }
        }
        load.insert(table, &batch).await?;
        reader.finish(listed)?;
    }
    load.rebuild_search().await?;
    let counts = load.counts().await?;
    for ((table, n), listed) in counts.iter().zip(&manifest.tables) {
        if *n != listed.rows {
            return Err(TransferError::Refused(format!(
                "`{table}` holds {n} rows after the import, but the manifest says {}",
                listed.rows
            )));
        }
    }
    for (sha256, archive) in &archives.by_sha256 {
        if !blobs.exists(&BlobKey::archive(sha256)?).await? {
            return Err(TransferError::Refused(format!(
                "the archive of {} ({sha256}) vanished from {} during the import",
                archive.label,
                blobs.describe()
            )));
        }
    }
    load.reset_identities().await?;
    load.commit().await?;
    Ok(ImportReport {
        manifest,
        archives_copied: copied,
        archives_kept: kept,
        replaced: if force { replaced } else { 0 },
    })
}

/// The sha256 and size of a blob, hashed as it streams; `None` if it is missing.
async fn blob_digest(blobs: &Blobs, key: &BlobKey) -> Result<Option<(String, u64)>, TransferError> {
    let mut blob = match blobs.get(key).await {
        Ok(blob) => blob,
        Err(BlobError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut hash = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = blob.stream.try_next().await? {
        hash.update(&chunk);
        size += chunk.len() as u64;
    }
    Ok(Some((hex::encode(hash.finalize()), size)))
}

/// Puts one archive of the directory into the blob store after checking its bytes; `false` when
/// the store has it already with the right sha256 (a damaged copy there is replaced).
async fn import_archive(
    blobs: &Blobs,
    dir: &Path,
    sha256: &str,
    archive: &ArchiveRef,
) -> Result<bool, TransferError> {
    let key = BlobKey::archive(sha256)?;
    if blob_digest(blobs, &key).await? == Some((sha256.to_owned(), archive.size)) {
        return Ok(false);
    }
    let path = format::archive_path(dir, sha256);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|source| TransferError::Io {
            path: path.clone(),
            source,
        })?;
    let digest = hex::encode(Sha256::digest(&bytes));
    if digest != sha256 || bytes.len() as u64 != archive.size {
        return Err(TransferError::Refused(format!(
            "`{}` (the archive of {}) is damaged or was changed after the export: it should be \
             {} bytes with sha256 {sha256}, but is {} bytes with sha256 {digest}",
            path.display(),
            archive.label,
            archive.size,
            bytes.len()
        )));
    }
    blobs.put(&key, bytes.into()).await?;
    Ok(true)
}
