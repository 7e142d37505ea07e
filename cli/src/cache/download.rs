//! Archives downloaded in parallel into the cache, each verified before it gets its final name.
//!
//! [`download_all`] takes a list of [`Download`]s (registry, URL, expected sha256, and how to name
//! it in messages) and returns, in the same order, the path of each verified archive in the cache.
//! Archives already cached with the right sha256 (hashed again) are not requested. The others are
//! fetched by at most `concurrency` scoped threads sharing the registries' [`Client`]s (and so
//! their connection pools): each streams into a `.download-` temporary file in the registry's
//! `archives/`, hashed as it streams, and is renamed to `SHA256.osops` only when that hash — and
//! the file's contents read back — equal the expected sha256. A mismatch deletes the file
//! (SECURITY-TESTS 11). The first failure stops handing out jobs; downloads in flight finish (or
//! fail), and that first error is returned: nothing under a final name is ever partial or wrong.
//! [`download_to`] runs the same verified download into paths outside the cache (`osops mirror`'s
//! archives), each through a `.download-` file beside its destination.
//!
//! [`Progress`] draws one bar on stderr (assets done of total, bytes, speed) when stderr is a
//! terminal and the printer is not quiet, and prints retries and cache repairs above it.

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Cache, Lookup};
use crate::client::{self, Client, Reporter};
use crate::printer::{Printer, Verbosity, human_bytes};

/// One archive to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The registry's URL: picks the [`Client`] and the cache.
    pub registry: String,
    /// Where the archive downloads from (the index's `dl` template, filled in).
    pub url: String,
    /// The archive's sha256 from the index or the lock: 64 lowercase hex digits.
    pub sha256: String,
    /// How messages name it: `nova-tools v1.2.0`.
    pub what: String,
}

/// Why [`download_all`] failed; every variant names the job (`what`).
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("cannot download {what} from `{url}`")]
    Client {
        what: String,
        url: String,
        #[source]
        source: client::Error,
    },
    #[error(
        "checksum mismatch for {what}: expected {expected}, got {got}; \
         the registry or a proxy served different bytes than its index lists"
    )]
    ChecksumMismatch {
        what: String,
        expected: String,
        got: String,
    },
    #[error("the index lists `{sha256}` as the checksum of {what}, which is not a sha256")]
    BadChecksum { what: String, sha256: String },
    /// The caller passed no [`Client`] for a job's registry: a bug, reported rather than
    /// panicked on.
    #[error("no client for the registry `{registry}` of {what}")]
    NoClient { what: String, registry: String },
    #[error("cannot write {what} to `{}`", .path.display())]
    Write {
        what: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot keep {what} in the download cache")]
    Cache {
        what: String,
        #[source]
        source: super::Error,
    },
}

impl DownloadError {
    pub fn hint(&self) -> Option<String> {
        match self {
            DownloadError::Client { source, .. } => source.hint(),
            DownloadError::ChecksumMismatch { .. } => Some(
                "nothing was installed; try again later, and tell the registry's operators if it persists".into(),
            ),
            DownloadError::Cache { source, .. } => source.hint(),
            _ => None,
        }
    }

    /// The job the error is about.
    pub fn what(&self) -> &str {
        match self {
            DownloadError::Client { what, .. }
            | DownloadError::ChecksumMismatch { what, .. }
            | DownloadError::BadChecksum { what, .. }
            | DownloadError::NoClient { what, .. }
            | DownloadError::Write { what, .. }
            | DownloadError::Cache { what, .. } => what,
        }
    }
}

/// Downloads every job not already cached, at most `concurrency` at a time (at least one), each
/// at most `max_bytes`, with the client among `clients` whose [`Client::registry`] is the job's
/// registry (normalized). Returns the verified archives' paths in the cache, in the order of
/// `jobs`; read them with [`super::RegistryCache::read_archive`], which hashes them again.
/// `progress` draws the bar and warns about retries and cache repairs; its
/// [`Progress::totals`] then say how much was downloaded.
pub fn download_all(
    jobs: &[Download],
    clients: &[&Client],
    cache: &Cache,
    concurrency: usize,
    max_bytes: u64,
    progress: &Progress,
) -> Result<Vec<PathBuf>, DownloadError> {
    // Every job is checked before anything is fetched.
    let mut planned = Vec::with_capacity(jobs.len());
    for job in jobs {
        if super::check_sha256(&job.sha256).is_err() {
            return Err(DownloadError::BadChecksum {
                what: job.what.clone(),
                sha256: job.sha256.clone(),
            });
        }
        let wanted = client::normalize_registry(&job.registry).ok();
        let client = clients
            .iter()
            .find(|c| Some(c.registry()) == wanted.as_deref())
            .ok_or_else(|| DownloadError::NoClient {
                what: job.what.clone(),
                registry: job.registry.clone(),
            })?;
        planned.push((job, *client));
    }
    for client in clients {
        // Best effort: a leftover that cannot be removed is only wasted space.
        let _ = cache.registry(client.registry()).remove_stale_downloads();
    }

    let results = in_parallel(&planned, concurrency, progress, |&(job, client)| {
        fetch_one(job, client, cache, max_bytes, progress)
    })?;
    jobs.iter()
        .zip(results)
        .map(|(job, path)| {
            path.ok_or_else(|| DownloadError::Cache {
                what: job.what.clone(),
                source: super::Error::Io {
                    path: cache.registry(&job.registry).archives_dir(),
                    source: std::io::Error::other("the download thread stopped"),
                },
            })
        })
        .collect()
}

/// Downloads each job into its own final path (a mirror's, outside the cache), at most
/// `concurrency` at a time, each at most `max_bytes`, through `client`: verified exactly as
/// [`download_all`] verifies the cache's. Each streams into a `.download-` temporary file beside
/// its destination (mode 0644, for the web server that will serve it), hashed as it streams, and
/// is renamed to the destination only when that hash and the file read back match the job's
/// sha256; a mismatch deletes it. Whether a destination already holds the right bytes is the
/// caller's business: every job is downloaded.
pub fn download_to(
    jobs: &[(Download, PathBuf)],
    client: &Client,
    concurrency: usize,
    max_bytes: u64,
    progress: &Progress,
) -> Result<(), DownloadError> {
    for (job, _) in jobs {
        if super::check_sha256(&job.sha256).is_err() {
            return Err(DownloadError::BadChecksum {
                what: job.what.clone(),
                sha256: job.sha256.clone(),
            });
        }
    }
    in_parallel(jobs, concurrency, progress, |(job, dest)| {
        fetch_to(job, dest, client, max_bytes, progress)
    })
    .map(drop)
}

/// Runs `work` on every job, on at most `concurrency` threads, with the progress bar. The first
/// failure stops handing out jobs; jobs in flight finish, and that first error is returned.
fn in_parallel<J: Sync>(
    jobs: &[J],
    concurrency: usize,
    progress: &Progress,
    work: impl Fn(&J) -> Result<PathBuf, DownloadError> + Sync,
) -> Result<Vec<Option<PathBuf>>, DownloadError> {
    progress.start(jobs.len());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<PathBuf>>> = Mutex::new(vec![None; jobs.len()]);
    let first_error: Mutex<Option<DownloadError>> = Mutex::new(None);
    let workers = concurrency.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !failed.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else {
                        break;
                    };
                    match work(job) {
                        Ok(path) => {
                            if let Ok(mut results) = results.lock() {
                                results[i] = Some(path);
                            }
                            progress.done_one();
                        }
                        Err(e) => {
                            failed.store(true, Ordering::SeqCst);
                            if let Ok(mut first) = first_error.lock() {
                                first.get_or_insert(e);
                            }
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    let first_error = first_error.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(results.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// One job of [`download_to`]: a verified download renamed to `dest`.
fn fetch_to(
    job: &Download,
    dest: &std::path::Path,
    client: &Client,
    max_bytes: u64,
    progress: &Progress,
) -> Result<PathBuf, DownloadError> {
    let write_error = |e: super::Error| match e {
        super::Error::ChecksumMismatch { expected, got, .. } => DownloadError::ChecksumMismatch {
            what: job.what.clone(),
            expected,
            got,
        },
        super::Error::Io { path, source } => DownloadError::Write {
            what: job.what.clone(),
            path,
            source,
        },
        other => DownloadError::Cache {
            what: job.what.clone(),
            source: other,
        },
    };
    progress.detail("Fetching", &job.url);
    let mut pending = super::PendingArchive::beside(dest, &job.sha256).map_err(write_error)?;
    let reporter = JobReporter {
        progress,
        what: &job.what,
        current: Cell::new(0),
    };
    let (size, got) = client
        .download(
            &job.url,
            &job.what,
            pending.file_mut(),
            max_bytes,
            &reporter,
        )
        .map_err(|source| match source {
            client::Error::Io(source) => DownloadError::Write {
                what: job.what.clone(),
                path: pending.temp_path().to_owned(),
                source,
            },
            source => DownloadError::Client {
                what: job.what.clone(),
                url: job.url.clone(),
                source,
            },
        })?;
    let path = pending.commit(&got).map_err(write_error)?;
    progress.downloaded.fetch_add(1, Ordering::SeqCst);
    progress.detail(
        "Downloaded",
        format_args!("{} ({})", job.what, human_bytes(size)),
    );
    Ok(path)
}

/// One job: the cached archive if it hashes right, else a verified download.
fn fetch_one(
    job: &Download,
    client: &Client,
    cache: &Cache,
    max_bytes: u64,
    progress: &Progress,
) -> Result<PathBuf, DownloadError> {
    let registry = cache.registry(client.registry());
    let cache_error = |source| DownloadError::Cache {
        what: job.what.clone(),
        source,
    };
    match registry
        .verify_archive(&job.sha256, max_bytes)
        .map_err(cache_error)?
    {
        Lookup::Hit(path) => {
            progress.detail(
                "Cached",
                format_args!("{} (`{}`)", job.what, path.display()),
            );
            return Ok(path);
        }
        Lookup::Corrupt { path } => progress.warn(format_args!(
            "cached archive `{}` of {} was corrupt and is deleted; downloading it again",
            path.display(),
            job.what
        )),
        Lookup::Miss => {}
    }
    progress.detail("Fetching", &job.url);
    let mut pending = registry.start_archive(&job.sha256).map_err(cache_error)?;
    let reporter = JobReporter {
        progress,
        what: &job.what,
        current: Cell::new(0),
    };
    let downloaded = client.download(
        &job.url,
        &job.what,
        pending.file_mut(),
        max_bytes,
        &reporter,
    );
    let downloaded = downloaded.and_then(|written| {
        // Stands for the disk filling while the download was written.
        crate::failpoint::hit("cache-writing")
            .map(|()| written)
            .map_err(client::Error::Io)
    });
    let (size, got) = downloaded.map_err(|source| match source {
        // Writing into the cache failed (a full disk, say), not the registry: say where.
        client::Error::Io(e) => cache_error(super::Error::Io {
            path: pending.temp_path().to_owned(),
            source: e,
        }),
        source => DownloadError::Client {
            what: job.what.clone(),
            url: job.url.clone(),
            source,
        },
    })?;
    // Dropping `pending` on a mismatch deletes the temporary file.
    let path = pending.commit(&got).map_err(|e| match e {
        super::Error::ChecksumMismatch { expected, got, .. } => DownloadError::ChecksumMismatch {
            what: job.what.clone(),
            expected,
            got,
        },
        other => cache_error(other),
    })?;
    progress.downloaded.fetch_add(1, Ordering::SeqCst);
    progress.detail(
        "Downloaded",
        format_args!("{} ({})", job.what, human_bytes(size)),
    );
    Ok(path)
}

/// The progress of [`download_all`]: one bar on stderr, or nothing; shared by the threads.
pub struct Progress {
    /// `None`: say nothing.
    printer: Option<Printer>,
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
    downloaded: AtomicUsize,
    started: Mutex<Option<Instant>>,
}

impl Progress {
    /// A bar when `printer` shows progress bars (stderr is a terminal, no `--quiet`); warnings
    /// and `--verbose` details go through `printer`, above the bar.
    pub fn new(printer: &Printer) -> Progress {
        Progress::with_bar(printer, printer.shows_progress())
    }

    /// No bar and no talk at all: for callers without a terminal, and tests.
    pub fn silent() -> Progress {
        Progress {
            printer: None,
            bar: None,
            bytes: AtomicU64::new(0),
            downloaded: AtomicUsize::new(0),
            started: Mutex::new(None),
        }
    }

    fn with_bar(printer: &Printer, show: bool) -> Progress {
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{prefix:>12.cyan.bold} [{bar:25}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix("Downloading");
            bar
        });
        Progress {
            printer: Some(printer.clone()),
            bar,
            bytes: AtomicU64::new(0),
            downloaded: AtomicUsize::new(0),
            started: Mutex::new(None),
        }
    }

    /// Bytes downloaded so far (a retried download counts once), and archives downloaded (not
    /// taken from the cache).
    pub fn totals(&self) -> (u64, usize) {
        (
            self.bytes.load(Ordering::SeqCst),
            self.downloaded.load(Ordering::SeqCst),
        )
    }

    fn start(&self, total: usize) {
        if let Ok(mut started) = self.started.lock() {
            started.get_or_insert_with(Instant::now);
        }
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(0);
            bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn done_one(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Adds `delta` bytes (negative when a retried download starts over).
    fn add_bytes(&self, delta: i64) {
        let total = if delta >= 0 {
            self.bytes.fetch_add(delta.unsigned_abs(), Ordering::SeqCst) + delta.unsigned_abs()
        } else {
            let sub = delta.unsigned_abs();
            let before = self
                .bytes
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
                    Some(b.saturating_sub(sub))
                })
                .unwrap_or(0);
            before.saturating_sub(sub)
        };
        if let Some(bar) = &self.bar {
            let elapsed = self
                .started
                .lock()
                .ok()
                .and_then(|s| s.map(|s| s.elapsed().as_secs_f64()))
                .unwrap_or(0.0);
            let speed = if elapsed > 0.5 {
                format!(", {}/s", human_bytes((total as f64 / elapsed) as u64))
            } else {
                String::new()
            };
            bar.set_message(format!("{}{speed}", human_bytes(total)));
        }
    }

    /// A warning, above the bar.
    fn warn(&self, message: impl std::fmt::Display) {
        let Some(printer) = &self.printer else {
            return;
        };
        match &self.bar {
            Some(bar) => bar.suspend(|| printer.warn(message)),
            None => printer.warn(message),
        }
    }

    /// A `--verbose` status line, above the bar.
    fn detail(&self, verb: &str, message: impl std::fmt::Display) {
        let Some(printer) = self
            .printer
            .as_ref()
            .filter(|p| p.verbosity() == Verbosity::Verbose)
        else {
            return;
        };
        match &self.bar {
            Some(bar) => bar.suspend(|| printer.detail(verb, message)),
            None => printer.detail(verb, message),
        }
    }
}

/// One download's [`Reporter`]: forwards byte counts to the shared bar. `download_progress`
/// reports the bytes of the current attempt; a retry starts again from zero, and the bytes of the
/// failed attempt are taken back.
struct JobReporter<'p> {
    progress: &'p Progress,
    what: &'p str,
    /// Bytes of the current attempt already added to the total.
    current: Cell<u64>,
}

impl Reporter for JobReporter<'_> {
    fn download_started(&self, _what: &str, _len: Option<u64>) {
        self.take_back();
    }

    fn download_progress(&self, bytes: u64) {
        let delta = i64::try_from(bytes).unwrap_or(i64::MAX)
            - i64::try_from(self.current.get()).unwrap_or(i64::MAX);
        self.current.set(bytes);
        self.progress.add_bytes(delta);
    }

    fn download_finished(&self) {}

    fn retrying(&self, url: &str, attempt: u32, attempts: u32, delay: Duration, reason: &str) {
        self.take_back();
        self.progress.warn(format_args!(
            "downloading {} from `{url}`: {reason}; retrying in {:.1}s (attempt {} of {attempts})",
            self.what,
            delay.as_secs_f64(),
            attempt + 1
        ));
    }
}

impl JobReporter<'_> {
    fn take_back(&self) {
        let current = self.current.replace(0);
        if current > 0 {
            self.progress
                .add_bytes(-i64::try_from(current).unwrap_or(i64::MAX));
        }
    }
}

#[cfg(test)]
mod tests;
