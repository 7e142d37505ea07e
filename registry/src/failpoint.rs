//! Test-only fault injection, compiled in only with the `failpoints` feature (the workspace's
//! tests enable it through `osops-tests`; release builds do not, and without the feature this
//! module and every call to it are gone).
//!
//! A point is a name; a test sets an [`Action`] on it through the [`Failpoints`] of one
//! [`Blobs`](crate::blobs::Blobs) (`app.state.blobs.failpoints()`), so each registry instance,
//! and therefore each in-process test, has points of its own: tests running side by side never
//! see each other's faults.
//!
//! A test of the real binary sets one point through the environment instead, as for the `osops`
//! client: `OSOPS_FAILPOINT=NAME:ACTION`, read once by `serve` ([`Failpoints::from_env`]).
//! ACTION is `error`, `enospc`, or the path of a named pipe: on reaching the point the request
//! writes `NAME\n` to the pipe (opening it blocks until the test reads it) and then never goes
//! on, so the test knows exactly where the publish is and kills the server there (case 22). No
//! request can set a point, and a build without the feature ignores the variable.
//!
//! The points:
//! - [`PUBLISH_AFTER_BLOB`] and [`PUBLISH_AFTER_COMMIT`], in [`crate::publish::publish`]: after
//!   the archive is stored and before the transaction, and after the commit and before the
//!   answer.
//! - [`STORE_PUT`], [`STORE_GET`], [`STORE_HEAD`], [`STORE_DELETE`], [`STORE_LIST`]: every call
//!   of that kind to the object store, once [`Blobs::with_faulty_store`] has put a
//!   [`FaultyStore`] in front of it.
//!
//! [`Blobs::with_faulty_store`]: crate::blobs::Blobs::with_faulty_store

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

/// After the blob is stored, before the transaction that commits the version.
pub const PUBLISH_AFTER_BLOB: &str = "publish-after-blob";
/// After the transaction committed, before the answer is returned.
pub const PUBLISH_AFTER_COMMIT: &str = "publish-after-commit";
/// Every write to the object store (`put`, multipart uploads, copies).
pub const STORE_PUT: &str = "store-put";
/// Every read of an object's bytes.
pub const STORE_GET: &str = "store-get";
/// Every `HEAD` of an object (existence checks, the S3 readiness probe).
pub const STORE_HEAD: &str = "store-head";
/// Every deletion.
pub const STORE_DELETE: &str = "store-delete";
/// Every listing.
pub const STORE_LIST: &str = "store-list";

/// Every point, for [`Failpoints::from_env`].
pub const POINTS: &[&str] = &[
    PUBLISH_AFTER_BLOB,
    PUBLISH_AFTER_COMMIT,
    STORE_PUT,
    STORE_GET,
    STORE_HEAD,
    STORE_DELETE,
    STORE_LIST,
];

/// The environment variable [`Failpoints::from_env`] reads.
pub const ENV: &str = "OSOPS_FAILPOINT";

/// What a point does when reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Fail at once with an ordinary error.
    Error,
    /// Fail as a full disk does: an `io::ErrorKind::StorageFull` (ENOSPC) error.
    StorageFull,
    /// Wait this long, then fail as a request that timed out (`io::ErrorKind::TimedOut`).
    Timeout(Duration),
    /// Wait this long, then go on as if nothing happened.
    Delay(Duration),
    /// Write the point's name to this named pipe, then wait forever (the test kills the process).
    Pause(Arc<std::path::Path>),
}

/// The injected failure, with the `io::Error` a real one would carry as its source.
#[derive(Debug, thiserror::Error)]
#[error("injected fault at failpoint `{point}`")]
pub struct Injected {
    pub point: &'static str,
    #[source]
    pub source: std::io::Error,
}

/// The points of one registry instance, shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct Failpoints(Arc<Mutex<HashMap<&'static str, Action>>>);

impl Failpoints {
    /// The point `OSOPS_FAILPOINT` sets, if any: `NAME:error`, `NAME:enospc` or `NAME:PIPE`.
    /// A value naming no point is an error, so a mistyped test fails instead of passing unfaulted.
    pub fn from_env() -> Result<Failpoints, String> {
        let points = Failpoints::default();
        let Ok(spec) = std::env::var(ENV) else {
            return Ok(points);
        };
        let (name, action) = spec
            .split_once(':')
            .filter(|(_, action)| !action.is_empty())
            .ok_or_else(|| {
                format!("{ENV}=`{spec}`: expected NAME:error, NAME:enospc or NAME:PIPE")
            })?;
        let point = POINTS.iter().find(|p| **p == name).ok_or_else(|| {
            format!(
                "{ENV}: no failpoint `{name}`; the points are {}",
                POINTS.join(", ")
            )
        })?;
        let action = match action {
            "error" => Action::Error,
            "enospc" => Action::StorageFull,
            pipe => Action::Pause(std::path::Path::new(pipe).into()),
        };
        points.set(point, action);
        Ok(points)
    }

    /// Whether any point is set.
    pub fn any(&self) -> bool {
        !self.points().is_empty()
    }

    /// From now on, `point` does `action` every time it is reached, until [`Failpoints::clear`].
    pub fn set(&self, point: &'static str, action: Action) {
        self.points().insert(point, action);
    }

    /// `point` does nothing any more.
    pub fn clear(&self, point: &'static str) {
        self.points().remove(point);
    }

    /// No point does anything any more.
    pub fn clear_all(&self) {
        self.points().clear();
    }

    /// Does what is set on `point`, if anything.
    pub async fn hit(&self, point: &'static str) -> Result<(), Injected> {
        let action = self.points().get(point).cloned();
        let fail = |kind: std::io::ErrorKind| Injected {
            point,
            source: std::io::Error::new(kind, format!("failpoint `{point}`")),
        };
        match action {
            None => Ok(()),
            Some(Action::Error) => Err(fail(std::io::ErrorKind::Other)),
            Some(Action::StorageFull) => Err(fail(std::io::ErrorKind::StorageFull)),
            Some(Action::Timeout(wait)) => {
                tokio::time::sleep(wait).await;
                Err(fail(std::io::ErrorKind::TimedOut))
            }
            Some(Action::Delay(wait)) => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
            Some(Action::Pause(pipe)) => {
                // Opening a pipe for writing blocks until its reader opens it: off the async
                // threads, so the server goes on answering other requests meanwhile.
                let _ = tokio::task::spawn_blocking(move || {
                    use std::io::Write;
                    let mut pipe = std::fs::OpenOptions::new().write(true).open(&pipe)?;
                    writeln!(pipe, "{point}")
                })
                .await;
                std::future::pending().await
            }
        }
    }

    fn points(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, Action>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An object store that delegates every call to `inner`, unless the call's point is set: then it
/// fails (or waits) as told, before `inner` is called, so a failed write writes nothing.
#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    points: Failpoints,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ObjectStore>, points: Failpoints) -> FaultyStore {
        FaultyStore { inner, points }
    }

    async fn hit(&self, point: &'static str) -> object_store::Result<()> {
        self.points.hit(point).await.map_err(generic)
    }
}

/// The injected failure as the object store reports its own: `Generic`, with the `io::Error`.
fn generic(e: Injected) -> object_store::Error {
    object_store::Error::Generic {
        store: "failpoint",
        source: Box::new(e.source),
    }
}

impl std::fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.hit(STORE_PUT).await?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.hit(STORE_PUT).await?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.hit(if options.head { STORE_HEAD } else { STORE_GET })
            .await?;
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.hit(STORE_GET).await?;
        self.inner.get_ranges(location, ranges).await
    }

    async fn head(&self, location: &Path) -> object_store::Result<ObjectMeta> {
        self.hit(STORE_HEAD).await?;
        self.inner.head(location).await
    }

    async fn delete(&self, location: &Path) -> object_store::Result<()> {
        self.hit(STORE_DELETE).await?;
        self.inner.delete(location).await
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let points = self.points.clone();
        let inner = self.inner.list(prefix);
        async move {
            match points.hit(STORE_LIST).await {
                Ok(()) => inner,
                Err(e) => futures_util::stream::once(async move { Err(generic(e)) }).boxed(),
            }
        }
        .flatten_stream()
        .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.hit(STORE_LIST).await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.hit(STORE_PUT).await?;
        self.inner.copy(from, to).await
    }

    async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.hit(STORE_PUT).await?;
        self.inner.copy_if_not_exists(from, to).await
    }
}
