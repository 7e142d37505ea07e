//! Loading a catalog in-process, for scale runs: publishing 500,000 versions through the HTTP API
//! takes about 20 minutes here. This opens the data directory exactly as
//! `osops-registry serve --data-dir DIR` does (the SQLite database `DIR/registry.db`, migrated,
//! and the blob directory `DIR/blobs`) and calls the registry's own publish operation, the one
//! behind `PUT /api/v1/assets` (archive validation, blob write, the store's transaction), without
//! HTTP in front of it. The server started on the directory afterwards finds what publishes
//! through its API would have left.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use osops_index::NeedRecord;
use osops_registry::access::Actor;
use osops_registry::config::Storage;
use osops_registry::rate_limit::RateLimits;
use osops_registry::store::{Database, Store};
use osops_registry::{AppState, DataDir, Settings};
use tokio::runtime::Runtime;
use tokio::task::{JoinError, JoinSet};

/// Never served: the settings need an URL, and nothing the loader stores depends on it.
const PUBLIC_URL: &str = "http://127.0.0.1";

/// What a load did.
pub struct Loaded {
    pub versions: usize,
    pub bytes: u64,
    /// From the first archive asked for to the last publish committed.
    pub elapsed: Duration,
    /// The CPU time of the thread that drew the archives from the caller's iterator (and did
    /// little else): the cost of making them, which ran alongside the publishes. Wall time would
    /// not say, as the publishes share the cores. `None` off Linux.
    pub generating: Option<Duration>,
}

/// Creates `user` and the needs `need_ids` (records as the benchmark files them through the API)
/// in the registry at `data_dir`, then publishes every `(label, archive)` of `archives` as that
/// user, `in_flight` at a time, and closes the store (SQLite checkpoints its WAL). Stops at the
/// first archive refused, naming it by its label.
pub fn load(
    data_dir: &Path,
    user: &str,
    need_ids: &[String],
    archives: impl Iterator<Item = anyhow::Result<(String, Vec<u8>)>>,
    in_flight: usize,
) -> anyhow::Result<Loaded> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the loader's tokio runtime")?;
    let (state, store) = runtime.block_on(open(data_dir))?;
    let loaded = runtime
        .block_on(prepare(&state, user, need_ids))
        .and_then(|actor| publish_all(&runtime, &state, &actor, archives, in_flight));
    // Closed whether or not every publish went through, as `serve` does when it stops.
    runtime.block_on(async {
        state.downloads.settle().await;
        store.close().await;
    });
    loaded
}

/// The state `serve` would build on `data_dir`, with rate limits off.
async fn open(data_dir: &Path) -> anyhow::Result<(AppState, Arc<dyn Store>)> {
    let dir = DataDir::create(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let database = Database::from_url(None, dir.database())
        .with_context(|| format!("naming the database in {}", data_dir.display()))?;
    let blobs = Storage::default()
        .open(&dir)
        .await
        .with_context(|| format!("opening the blob store {}", dir.blobs().display()))?;
    let settings = Settings::new(PUBLIC_URL, osops_registry::server::default_max_upload())
        .context("the loader's settings")?
        .with_rate_limits(RateLimits::unlimited());
    osops_registry::server::open(&database, blobs, settings)
        .await
        .with_context(|| format!("opening {}", database.describe()))
}

/// The user (created if missing) and the needs; the actor that publishes.
async fn prepare(state: &AppState, user: &str, need_ids: &[String]) -> anyhow::Result<Actor> {
    let user = state
        .users
        .ensure_user(user)
        .await
        .with_context(|| format!("creating the user {user}"))?;
    for id in need_ids {
        let record: NeedRecord = serde_json::from_value(crate::registry::need_body(id))
            .with_context(|| format!("the record of need {id}"))?;
        let record = record
            .validate()
            .with_context(|| format!("the record of need {id}"))?;
        state
            .needs
            .create_need(&record, &user)
            .await
            .with_context(|| format!("creating need {id}"))?;
    }
    Ok(Actor::direct(user))
}

/// Pulls archives from `archives` on this thread and publishes each on `runtime`, at most
/// `in_flight` at once.
fn publish_all(
    runtime: &Runtime,
    state: &AppState,
    actor: &Actor,
    archives: impl Iterator<Item = anyhow::Result<(String, Vec<u8>)>>,
    in_flight: usize,
) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let cpu_before = thread_cpu();
    let mut loaded = Loaded {
        versions: 0,
        bytes: 0,
        elapsed: Duration::ZERO,
        generating: None,
    };
    let mut tasks = JoinSet::new();
    for next in archives {
        let (label, archive) = next?;
        while tasks.len() >= in_flight.max(1) {
            if let Some(done) = runtime.block_on(tasks.join_next()) {
                published(done)?;
            }
        }
        loaded.versions += 1;
        loaded.bytes += archive.len() as u64;
        let (state, actor) = (state.clone(), actor.clone());
        tasks.spawn_on(
            async move {
                osops_registry::publish::publish(&state, &actor, Bytes::from(archive), false)
                    .await
                    .with_context(|| format!("publishing {label}"))
                    .map(drop)
            },
            runtime.handle(),
        );
    }
    let cpu_after = thread_cpu();
    while let Some(done) = runtime.block_on(tasks.join_next()) {
        published(done)?;
    }
    loaded.elapsed = started.elapsed();
    loaded.generating = cpu_after
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    Ok(loaded)
}

/// The CPU time (user + system) the calling thread has used, from `/proc/thread-self/stat`;
/// `None` if it cannot be read.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // After `PID (COMM) `: the state is the first field, utime the 12th and stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports them in USER_HZ, 100 per second on every architecture it runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// A finished publish task's outcome.
fn published(done: Result<anyhow::Result<()>, JoinError>) -> anyhow::Result<()> {
    done.context("a publish task failed")?
}
