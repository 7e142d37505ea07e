//! Archive storage: one [`Blobs`] type over `object_store`, keys built only by [`BlobKey`].
//!
//! Three backends behind the same calls: a local directory ([`Blobs::local`], `DATA/blobs/` by
//! default), an S3-compatible bucket ([`Blobs::s3`], from an `s3://BUCKET[/PREFIX]` URL read by
//! [`S3Config::from_url`]: AWS, Garage, Ceph RGW, Swift's S3 API, MinIO) and memory for unit tests
//! ([`Blobs::in_memory`]). Several registry replicas can share one bucket: keys are
//! content-addressed, so two replicas storing the same archive write the same bytes under the same
//! key.
//!
//! Writes are atomic on every backend: the local store writes a staging file and renames it into
//! place, S3 makes an object visible only when its PUT completes, so a reader never sees half an
//! archive.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

/// The folder of every archive key.
const ARCHIVES: &str = "archives";

/// The key of a blob. Only the constructors below make one, so every key in the store has a known
/// shape and no request text ever becomes a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobKey(ObjectPath);

impl BlobKey {
    /// `archives/ab/cd/<sha256>.osops` for the archive with this (lowercase hex) sha256.
    pub fn archive(sha256: &str) -> Result<BlobKey, BlobError> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(BlobError::InvalidKey(sha256.to_owned()));
        }
        Ok(BlobKey(ObjectPath::from(format!(
            "{ARCHIVES}/{}/{}/{sha256}.osops",
            &sha256[..2],
            &sha256[2..4]
        ))))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sha256 of the archive stored at `location`, if `location` is exactly the key
/// [`BlobKey::archive`] makes for it (not a stray object, nor a staging file).
fn archive_sha256(location: &ObjectPath) -> Option<String> {
    let name = location.filename()?;
    let sha256 = name.strip_suffix(".osops")?;
    let key = BlobKey::archive(sha256).ok()?;
    (key.0 == *location).then(|| sha256.to_owned())
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("`{0}` is not a lowercase hex sha256")]
    InvalidKey(String),
    #[error("blob `{0}` is missing")]
    NotFound(String),
    #[error("blob `{key}`")]
    Store {
        key: String,
        #[source]
        source: object_store::Error,
    },
    #[error("cannot list the blobs under `{prefix}/`")]
    List {
        prefix: String,
        #[source]
        source: object_store::Error,
    },
    #[error("cannot create the blob directory `{}`", path.display())]
    Dir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read blob `{key}`")]
    Read {
        key: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the blob directory `{}`", path.display())]
    ReadDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The storage URL, or what goes with it, is wrong or incomplete; the text says what is
    /// missing and how to give it.
    #[error("{0}")]
    Config(String),
    #[error("the blob directory `{}` is not a directory a file can be written in", path.display())]
    Unusable {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the blob store {what}")]
    Open {
        what: String,
        #[source]
        source: object_store::Error,
    },
}

/// The bytes of a blob as they arrive, and its size.
pub struct BlobStream {
    pub size: u64,
    pub stream: Pin<Box<dyn Stream<Item = Result<Bytes, BlobError>> + Send>>,
}

/// An archive found in the store by [`Blobs::list_archives`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArchive {
    /// Lowercase hex, as given to [`BlobKey::archive`].
    pub sha256: String,
    pub size: u64,
    /// When the object was last written (the store's clock: S3's `Last-Modified`, a file's
    /// mtime); `osops-registry gc` leaves young unreferenced archives alone.
    pub last_modified: SystemTime,
}

/// A write that never finished: a local store writes each archive to a staging file beside it
/// (`KEY#N`) and renames it into place, so a process killed mid-write leaves the staging file.
/// The store's listing never shows these; [`Blobs::partial_writes`] finds them for `gc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialWrite {
    pub path: std::path::PathBuf,
    pub size: u64,
    pub last_modified: SystemTime,
}

/// Whether `name` is a local store's staging file name: `KEY#DIGITS`.
fn is_staging_name(name: &str) -> bool {
    name.rsplit_once('#').is_some_and(|(key, digits)| {
        !key.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Every staging file under `dir`, recursively (a missing `dir` has none).
fn staging_files(dir: &Path) -> std::io::Result<Vec<PartialWrite>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() && is_staging_name(&entry.file_name().to_string_lossy()) {
                let meta = entry.metadata()?;
                found.push(PartialWrite {
                    path: entry.path(),
                    size: meta.len(),
                    last_modified: meta.modified()?,
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Where archives live in an S3-compatible bucket: the `s3://BUCKET[/PREFIX]` form of the
/// server's `--storage`, whose other form (`file://DIR` or a path) is [`Blobs::local`].
///
/// `Debug` shows everything but the secret key.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Put before every key: `PREFIX/archives/ab/cd/<sha256>.osops`, so that one bucket can hold
    /// several registries. Segments separated by `/`, none empty, no leading or trailing `/`.
    pub prefix: Option<String>,
    /// `http(s)://HOST[:PORT]` of a self-hosted store (Garage, Ceph RGW, Swift, MinIO); `None` is
    /// AWS itself. `http://` is allowed, for a store on loopback or a private network.
    pub endpoint: Option<String>,
    /// The region requests are signed for: Garage's `s3_region` (`garage` unless configured),
    /// `us-east-1` for most other self-hosted stores.
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// `https://BUCKET.HOST/KEY` rather than `https://HOST/BUCKET/KEY` (with an endpoint, the
    /// bucket is put before its host). Default false: path-style, which self-hosted stores answer
    /// without wildcard DNS.
    pub virtual_hosted_style: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "(hidden)"),
            )
            .field("virtual_hosted_style", &self.virtual_hosted_style)
            .finish()
    }
}

impl S3Config {
    /// `s3://BUCKET[/PREFIX]`, with the endpoint and region from the arguments or else the
    /// standard AWS variables (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`; `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`), and the credentials from `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`. `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true` asks for
    /// virtual-hosted-style requests. Errors say what is missing and how to give it.
    pub fn from_url(
        url: &str,
        endpoint: Option<String>,
        region: Option<String>,
    ) -> Result<S3Config, BlobError> {
        S3Config::from_url_with(url, endpoint, region, |name| std::env::var(name).ok())
    }

    /// [`S3Config::from_url`] with the environment given as a lookup, for tests.
    fn from_url_with(
        url: &str,
        endpoint: Option<String>,
        region: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<S3Config, BlobError> {
        let set =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let var = |name: &str| set(env(name));
        let invalid = |why: &str| BlobError::Config(format!("storage `{url}`: {why}"));

        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| invalid("not an `s3://BUCKET[/PREFIX]` URL"))?;
        if rest.contains(['?', '#']) {
            return Err(invalid(
                "an `s3://` URL takes no query or fragment: give the endpoint and region on their own",
            ));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !valid_bucket(bucket) {
            return Err(invalid(
                "the bucket name must be 1 to 255 letters, digits, `.`, `-` or `_` (as in `s3://my-bucket/osops`)",
            ));
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            None
        } else {
            ObjectPath::parse(prefix).map_err(|_| {
                invalid("the prefix must be `/`-separated names, none empty, `.` or `..`")
            })?;
            Some(prefix.to_owned())
        };

        let endpoint = set(endpoint)
            .or_else(|| var("AWS_ENDPOINT_URL_S3"))
            .or_else(|| var("AWS_ENDPOINT_URL"))
            .map(|e| normalize_endpoint(&e).map_err(|why| invalid(&why)))
            .transpose()?;
        let region = set(region)
            .or_else(|| var("AWS_REGION"))
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                invalid(
                    "no region: set AWS_REGION (Garage's default region is `garage`; Ceph RGW and \
                     MinIO take `us-east-1`)",
                )
            })?;
        let access_key_id = var("AWS_ACCESS_KEY_ID");
        let secret_access_key = var("AWS_SECRET_ACCESS_KEY");
        let missing: Vec<&str> = [
            ("AWS_ACCESS_KEY_ID", access_key_id.is_none()),
            ("AWS_SECRET_ACCESS_KEY", secret_access_key.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(invalid(&format!(
                "no credentials: set {} (a key allowed to read, write and list the bucket)",
                missing.join(" and ")
            )));
        }
        let virtual_hosted_style = var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST")
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        Ok(S3Config {
            bucket: bucket.to_owned(),
            prefix,
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            virtual_hosted_style,
        })
    }

    /// `s3://BUCKET[/PREFIX]`.
    pub fn url(&self) -> String {
        match &self.prefix {
            Some(prefix) => format!("s3://{}/{prefix}", self.bucket),
            None => format!("s3://{}", self.bucket),
        }
    }

    /// The URL requests go to for the bucket's objects, when not AWS's own.
    fn bucket_endpoint(&self) -> Option<String> {
        let endpoint = self.endpoint.as_deref()?;
        if !self.virtual_hosted_style {
            return Some(endpoint.to_owned());
        }
        let (scheme, host) = endpoint.split_once("://")?;
        Some(format!("{scheme}://{}.{host}", self.bucket))
    }
}

/// S3's bucket names, and the looser ones older Ceph and Swift deployments allow.
fn valid_bucket(bucket: &str) -> bool {
    (1..=255).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// `http(s)://HOST[:PORT][/PATH]` without a trailing `/`.
fn normalize_endpoint(endpoint: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "the endpoint `{endpoint}` is not an `http://HOST[:PORT]` or `https://HOST[:PORT]` URL"
        )
    };
    let (_, rest) = endpoint
        .strip_prefix("https://")
        .map(|rest| ("https", rest))
        .or_else(|| endpoint.strip_prefix("http://").map(|rest| ("http", rest)))
        .ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty()
        || endpoint.contains(['?', '#'])
        || endpoint
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    Ok(endpoint.trim_end_matches('/').to_owned())
}

/// The blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Where the blobs are, for logs: see [`Blobs::describe`].
    description: Arc<str>,
    /// The directory of a local store, which [`Blobs::check`] checks itself: `object_store`
    /// would answer a `HEAD` under a removed directory with "not found", as if all were well.
    local_dir: Option<Arc<Path>>,
    /// Whether [`Blobs::get`] reads a local store's files itself (see [`LOCAL_CHUNK`]); off
    /// behind a faulty store, whose `store-get` point must see every read.
    direct_reads: bool,
    /// This instance's fault injection points (tests only: see [`crate::failpoint`]).
    #[cfg(feature = "failpoints")]
    failpoints: crate::failpoint::Failpoints,
}

impl Blobs {
    /// Blobs under `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Blobs, BlobError> {
        std::fs::create_dir_all(dir).map_err(|source| BlobError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|source| BlobError::Open {
            what: format!("`{}`", dir.display()),
            source,
        })?;
        Ok(Blobs {
            store: Arc::new(store),
            description: dir.display().to_string().into(),
            local_dir: Some(dir.into()),
            direct_reads: true,
            #[cfg(feature = "failpoints")]
            failpoints: Default::default(),
        })
    }

    /// Blobs in memory, gone with the process: for unit tests.
    pub fn in_memory() -> Blobs {
        Blobs {
            store: Arc::new(InMemory::new()),
            description: "memory (gone with the process)".into(),
            local_dir: None,
            direct_reads: false,
            #[cfg(feature = "failpoints")]
            failpoints: Default::default(),
        }
    }

    /// Blobs in an S3-compatible bucket, under the config's prefix if it has one.
    ///
    /// Nothing is sent until the first call: [`Blobs::check`] tells whether the bucket answers.
    /// Credentials must be given; the store never falls back to a cloud's instance metadata.
    pub fn s3(config: &S3Config) -> Result<Blobs, BlobError> {
        let (Some(access_key_id), Some(secret_access_key)) =
            (&config.access_key_id, &config.secret_access_key)
        else {
            return Err(BlobError::Config(format!(
                "storage `{}`: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                config.url()
            )));
        };
        let description = match &config.endpoint {
            Some(endpoint) => format!("{} at {endpoint}", config.url()),
            None => format!("{} on AWS S3 ({})", config.url(), config.region),
        };
        let client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            // The whole request, body included: a download streams to the client as it reads.
            .with_timeout(Duration::from_secs(300));
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 5,
            retry_timeout: Duration::from_secs(60),
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(access_key_id)
            .with_secret_access_key(secret_access_key)
            .with_virtual_hosted_style_request(config.virtual_hosted_style)
            .with_client_options(client)
            .with_retry(retry);
        if let Some(endpoint) = config.bucket_endpoint() {
            let http = endpoint.starts_with("http://");
            builder = builder.with_endpoint(endpoint).with_allow_http(http);
        }
        let s3 = builder.build().map_err(|source| BlobError::Open {
            what: format!("`{description}`"),
            source,
        })?;
        let store: Arc<dyn ObjectStore> = match &config.prefix {
            Some(prefix) => {
                let prefix = ObjectPath::parse(prefix).map_err(|_| {
                    BlobError::Config(format!(
                        "storage `{}`: the prefix must be `/`-separated names, none empty",
                        config.url()
                    ))
                })?;
                Arc::new(PrefixStore::new(s3, prefix))
            }
            None => Arc::new(s3),
        };
        Ok(Blobs {
            store,
            description: description.into(),
            local_dir: None,
            direct_reads: false,
            #[cfg(feature = "failpoints")]
            failpoints: Default::default(),
        })
    }

    /// Where the blobs are, for logs: the local directory, or `s3://BUCKET/PREFIX at ENDPOINT`.
    /// Never a credential.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Whether the store answers: one cheap request (a `HEAD` of a key no archive has) that
    /// fails on an unreachable endpoint, a missing bucket or refused credentials. A local store's
    /// directory must exist and take a file (a probe written and removed at once).
    pub async fn check(&self) -> Result<(), BlobError> {
        if let Some(dir) = &self.local_dir {
            return check_dir(dir).await.map_err(|source| BlobError::Unusable {
                path: dir.to_path_buf(),
                source,
            });
        }
        let probe = ObjectPath::from(format!("{ARCHIVES}/00/00/probe"));
        match self.store.head(&probe).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(BlobError::Open {
                what: format!("`{}`", self.description),
                source,
            }),
        }
    }

    /// Stores `bytes` under `key`, atomically, replacing what was there.
    pub async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        self.store
            .put(&key.0, bytes.into())
            .await
            .map_err(|e| store_error(key, e))?;
        Ok(())
    }

    pub async fn get(&self, key: &BlobKey) -> Result<BlobStream, BlobError> {
        if let Some(dir) = self.local_dir.as_deref().filter(|_| self.direct_reads) {
            return read_local(dir, key).await;
        }
        let result = self
            .store
            .get(&key.0)
            .await
            .map_err(|e| store_error(key, e))?;
        let size = result.meta.size;
        let owned = key.to_string();
        let stream = result.into_stream().map(move |chunk| {
            chunk.map_err(|source| BlobError::Store {
                key: owned.clone(),
                source,
            })
        });
        Ok(BlobStream {
            size,
            stream: Box::pin(stream),
        })
    }

    pub async fn get_bytes(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        let result = self
            .store
            .get(&key.0)
            .await
            .map_err(|e| store_error(key, e))?;
        result.bytes().await.map_err(|e| store_error(key, e))
    }

    /// Removes the blob; a missing blob is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&key.0).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(key, e)),
        }
    }

    pub async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError> {
        match self.store.head(&key.0).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(key, e)),
        }
    }

    /// Every archive in the store, in no particular order, as the listing pages arrive (collect
    /// it with `TryStreamExt::try_collect`). Objects under `archives/` that are not an archive's
    /// key (a stray upload, a staging file) are left out.
    pub fn list_archives(
        &self,
    ) -> Pin<Box<dyn Stream<Item = Result<StoredArchive, BlobError>> + Send>> {
        let prefix = ObjectPath::from(ARCHIVES);
        let stream = self.store.list(Some(&prefix)).filter_map(|item| {
            std::future::ready(match item {
                Ok(meta) => archive_sha256(&meta.location).map(|sha256| {
                    Ok(StoredArchive {
                        sha256,
                        size: meta.size,
                        last_modified: meta.last_modified.into(),
                    })
                }),
                Err(source) => Some(Err(BlobError::List {
                    prefix: ARCHIVES.to_owned(),
                    source,
                })),
            })
        });
        Box::pin(stream)
    }
}

impl Blobs {
    /// The staging files of writes that never finished (a local store only: an S3 upload is
    /// all or nothing, and an unfinished multipart upload is the bucket's lifecycle rules' job).
    pub async fn partial_writes(&self) -> Result<Vec<PartialWrite>, BlobError> {
        let Some(root) = self.local_dir.clone() else {
            return Ok(Vec::new());
        };
        let dir = root.join(ARCHIVES);
        tokio::task::spawn_blocking(move || staging_files(&dir))
            .await
            .map_err(|e| BlobError::Config(format!("listing partial writes: {e}")))?
            .map_err(|source| BlobError::ReadDir {
                path: root.to_path_buf(),
                source,
            })
    }

    /// Removes a staging file [`Blobs::partial_writes`] found; one already gone is not an error.
    pub async fn remove_partial_write(&self, partial: &PartialWrite) -> std::io::Result<()> {
        match tokio::fs::remove_file(&partial.path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(feature = "failpoints")]
impl Blobs {
    /// The fault injection points of this store and of the publishes that use it.
    pub fn failpoints(&self) -> &crate::failpoint::Failpoints {
        &self.failpoints
    }

    /// With the point `OSOPS_FAILPOINT` sets (see [`crate::failpoint`]), behind a faulty store
    /// if it sets one; unchanged when the variable is unset.
    pub fn with_env_failpoints(mut self) -> Result<Blobs, BlobError> {
        self.failpoints = crate::failpoint::Failpoints::from_env().map_err(BlobError::Config)?;
        Ok(if self.failpoints.any() {
            self.with_faulty_store()
        } else {
            self
        })
    }

    /// This store behind a [`crate::failpoint::FaultyStore`], so that the `store-*` points
    /// apply to it.
    pub fn with_faulty_store(mut self) -> Blobs {
        self.direct_reads = false;
        self.store = Arc::new(crate::failpoint::FaultyStore::new(
            self.store,
            self.failpoints.clone(),
        ));
        self
    }
}

/// How much [`read_local`] reads per blocking call. `object_store`'s local `get` reads 8 KiB per
/// blocking task, 128 tasks for a 1 MiB archive; with 256 KiB most archives take one read.
const LOCAL_CHUNK: u64 = 256 * 1024;

/// The blob `key` of the local store under `dir`, streamed from its file in [`LOCAL_CHUNK`]s.
/// The file is complete whenever it exists: the store writes a staging file and renames it.
async fn read_local(dir: &Path, key: &BlobKey) -> Result<BlobStream, BlobError> {
    use std::io::Read;
    let path = dir.join(key.0.as_ref());
    let failed = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => BlobError::NotFound(key.to_string()),
        _ => BlobError::Read {
            key: key.to_string(),
            source,
        },
    };
    let (file, size) = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        let size = file.metadata()?.len();
        Ok::<_, std::io::Error>((file, size))
    })
    .await
    .map_err(|e| failed(std::io::Error::other(e)))?
    .map_err(failed)?;
    let owned = key.to_string();
    let stream = futures_util::stream::try_unfold((file, size), move |(mut file, left)| {
        let key = owned.clone();
        async move {
            if left == 0 {
                return Ok(None);
            }
            let read = tokio::task::spawn_blocking(move || {
                let mut chunk = vec![0; left.min(LOCAL_CHUNK) as usize];
                file.read_exact(&mut chunk)?;
                Ok::<_, std::io::Error>((chunk, file))
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
            match read {
                Ok((chunk, file)) => {
                    let len = chunk.len() as u64;
                    Ok(Some((Bytes::from(chunk), (file, left - len))))
                }
                Err(source) => Err(BlobError::Read { key, source }),
            }
        }
    });
    Ok(BlobStream {
        size,
        stream: Box::pin(stream),
    })
}

/// Fails unless `dir` is a directory a file can be written in.
async fn check_dir(dir: &Path) -> std::io::Result<()> {
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if !tokio::fs::metadata(dir).await?.is_dir() {
        return Err(std::io::ErrorKind::NotADirectory.into());
    }
    // A name of its own per check, so that checks running side by side never remove each
    // other's probe; a dot name is no archive key, so a listing never takes it for one.
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = dir.join(format!(".probe-{}-{n}", std::process::id()));
    tokio::fs::write(&probe, b"osops").await?;
    tokio::fs::remove_file(&probe).await
}

fn store_error(key: &BlobKey, err: object_store::Error) -> BlobError {
    match err {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        source => BlobError::Store {
            key: key.to_string(),
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    use futures_util::TryStreamExt;

    use super::*;

    const SHA: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    const SHA2: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn archive_keys_are_sharded_by_the_first_two_bytes() {
        assert_eq!(
            BlobKey::archive(SHA).expect("key").as_str(),
            format!("archives/ab/cd/{SHA}.osops")
        );
    }

    #[test]
    fn staging_names_are_a_key_then_hash_and_digits() {
        assert!(is_staging_name(&format!("{SHA}.osops#1")));
        assert!(is_staging_name(&format!("{SHA}.osops#42")));
        for name in [
            format!("{SHA}.osops"),
            format!("{SHA}.osops#"),
            format!("{SHA}.osops#1a"),
            "#1".to_owned(),
        ] {
            assert!(!is_staging_name(&name), "{name}");
        }
    }

    #[test]
    fn archive_keys_refuse_anything_but_a_sha256() {
        for bad in [
            "",
            "../../etc/passwd",
            &SHA.to_uppercase(),
            &SHA[1..],
            &format!("{SHA}0"),
            &SHA.replace('a', "/"),
        ] {
            assert!(BlobKey::archive(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn only_exact_archive_keys_are_listed_as_archives() {
        let key = BlobKey::archive(SHA).expect("key");
        assert_eq!(archive_sha256(&key.0).as_deref(), Some(SHA));
        for stray in [
            format!("archives/00/00/{SHA}.osops"),
            format!("archives/ab/cd/{SHA}.osops#1"),
            format!("archives/ab/cd/{SHA}"),
            format!("archives/ab/{SHA}.osops"),
            format!("other/ab/cd/{SHA}.osops"),
            "archives/00/00/probe".to_owned(),
        ] {
            assert_eq!(archive_sha256(&ObjectPath::from(stray.as_str())), None);
        }
    }

    #[tokio::test]
    async fn put_get_delete_in_memory() {
        let blobs = Blobs::in_memory();
        let key = BlobKey::archive(SHA).expect("key");
        assert!(!blobs.exists(&key).await.expect("exists"));
        blobs
            .put(&key, Bytes::from_static(b"archive"))
            .await
            .expect("put");
        assert_eq!(
            blobs.get_bytes(&key).await.expect("get"),
            Bytes::from_static(b"archive")
        );
        let got = blobs.get(&key).await.expect("stream");
        assert_eq!(got.size, 7);
        blobs.delete(&key).await.expect("delete");
        assert!(matches!(
            blobs.get_bytes(&key).await,
            Err(BlobError::NotFound(_))
        ));
        blobs.delete(&key).await.expect("deleting twice is fine");
    }

    #[tokio::test]
    async fn local_reads_stream_every_byte_in_chunks_and_report_a_missing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = Blobs::local(dir.path()).expect("local");
        let key = BlobKey::archive(SHA).expect("key");
        // Three chunks and a bit, with a pattern that shows a lost or repeated chunk.
        let bytes: Vec<u8> = (0..3 * LOCAL_CHUNK + 17).map(|i| (i % 251) as u8).collect();
        blobs
            .put(&key, Bytes::from(bytes.clone()))
            .await
            .expect("put");
        let got = blobs.get(&key).await.expect("stream");
        assert_eq!(got.size, bytes.len() as u64);
        let chunks: Vec<Bytes> = got.stream.try_collect().await.expect("read");
        assert_eq!(chunks.len(), 4);
        assert_eq!(chunks.concat(), bytes);
        blobs.delete(&key).await.expect("delete");
        assert!(matches!(blobs.get(&key).await, Err(BlobError::NotFound(_))));
    }

    #[tokio::test]
    async fn local_files_land_under_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = Blobs::local(&dir.path().join("blobs")).expect("local");
        let key = BlobKey::archive(SHA).expect("key");
        blobs
            .put(&key, Bytes::from_static(b"x"))
            .await
            .expect("put");
        let file = dir
            .path()
            .join("blobs/archives/ab/cd")
            .join(format!("{SHA}.osops"));
        assert_eq!(std::fs::read(file).expect("file"), b"x");
        assert_eq!(
            blobs.describe(),
            dir.path().join("blobs").display().to_string()
        );
    }

    #[tokio::test]
    async fn list_archives_finds_each_archive_and_skips_strays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("blobs");
        let local = Blobs::local(&root).expect("local");
        for blobs in [Blobs::in_memory(), local] {
            assert!(all_archives(&blobs).await.is_empty());
            for (sha, bytes) in [(SHA, &b"one"[..]), (SHA2, &b"three"[..])] {
                let key = BlobKey::archive(sha).expect("key");
                blobs
                    .put(&key, Bytes::from_static(bytes))
                    .await
                    .expect("put");
            }
            blobs
                .store
                .put(
                    &ObjectPath::from("archives/ab/cd/notes.txt"),
                    Bytes::from_static(b"stray").into(),
                )
                .await
                .expect("stray");
            assert_eq!(
                all_archives(&blobs).await,
                vec![(SHA2.to_owned(), 5), (SHA.to_owned(), 3)]
            );
        }
    }

    /// Every archive's sha256 and size, by sha256, after checking that each was written about
    /// now (by the store's clock, which a test's store shares with the test, give or take a
    /// few minutes of skew).
    async fn all_archives(blobs: &Blobs) -> Vec<(String, u64)> {
        let listed: Vec<StoredArchive> = blobs
            .list_archives()
            .try_collect()
            .await
            .expect("list_archives");
        let now = SystemTime::now();
        let mut all = Vec::new();
        for archive in listed {
            let skew = now
                .duration_since(archive.last_modified)
                .unwrap_or_else(|e| e.duration());
            assert!(
                skew < Duration::from_secs(300),
                "{archive:?} last modified {skew:?} away from now"
            );
            all.push((archive.sha256, archive.size));
        }
        all.sort();
        all
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    const GARAGE: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:3900/"),
        ("AWS_REGION", "garage"),
        ("AWS_ACCESS_KEY_ID", "GKid"),
        ("AWS_SECRET_ACCESS_KEY", "very-secret"),
    ];

    fn config_error(result: Result<S3Config, BlobError>) -> String {
        match result {
            Err(BlobError::Config(text)) => text,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn s3_urls_take_the_standard_aws_variables() {
        let config =
            S3Config::from_url_with("s3://osops-test", None, None, env(GARAGE)).expect("config");
        assert_eq!(
            config,
            S3Config {
                bucket: "osops-test".to_owned(),
                prefix: None,
                endpoint: Some("http://127.0.0.1:3900".to_owned()),
                region: "garage".to_owned(),
                access_key_id: Some("GKid".to_owned()),
                secret_access_key: Some("very-secret".to_owned()),
                virtual_hosted_style: false,
            }
        );
        assert_eq!(config.url(), "s3://osops-test");

        let config =
            S3Config::from_url_with("s3://b/one/two/", None, None, env(GARAGE)).expect("config");
        assert_eq!(config.prefix.as_deref(), Some("one/two"));
        assert_eq!(config.url(), "s3://b/one/two");
    }

    #[test]
    fn s3_arguments_win_over_the_variables() {
        let mut vars = GARAGE.to_vec();
        vars.push(("AWS_ENDPOINT_URL_S3", "https://s3.example.org"));
        vars.push(("AWS_DEFAULT_REGION", "ignored"));
        let config =
            S3Config::from_url_with("s3://b", None, None, env(&vars)).expect("from variables");
        assert_eq!(config.endpoint.as_deref(), Some("https://s3.example.org"));
        assert_eq!(config.region, "garage");

        let config = S3Config::from_url_with(
            "s3://b",
            Some("http://[::1]:9000".to_owned()),
            Some("us-east-1".to_owned()),
            env(&vars),
        )
        .expect("from arguments");
        assert_eq!(config.endpoint.as_deref(), Some("http://[::1]:9000"));
        assert_eq!(config.region, "us-east-1");

        let config = S3Config::from_url_with(
            "s3://b",
            None,
            None,
            env(&[
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("AWS_ACCESS_KEY_ID", "id"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "true"),
            ]),
        )
        .expect("AWS itself");
        assert_eq!(config.endpoint, None);
        assert_eq!(config.region, "eu-west-1");
        assert!(config.virtual_hosted_style);
    }

    #[test]
    fn s3_errors_say_what_is_missing_and_how_to_give_it() {
        let without = |name: &str| {
            let vars: Vec<_> = GARAGE.iter().copied().filter(|(k, _)| *k != name).collect();
            config_error(S3Config::from_url_with("s3://b", None, None, env(&vars)))
        };
        assert!(without("AWS_REGION").contains("set AWS_REGION"));
        let text = without("AWS_SECRET_ACCESS_KEY");
        assert!(text.contains("set AWS_SECRET_ACCESS_KEY"), "{text}");
        assert!(!text.contains("AWS_ACCESS_KEY_ID"), "{text}");
        let text = config_error(S3Config::from_url_with("s3://b", None, None, env(&[])));
        assert!(text.contains("AWS_REGION"), "{text}");
        let text = config_error(S3Config::from_url_with(
            "s3://b",
            None,
            Some("garage".to_owned()),
            env(&[]),
        ));
        assert!(
            text.contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            "{text}"
        );

        for (url, says) in [
            ("file:///srv/blobs", "s3://BUCKET"),
            ("s3://", "bucket name"),
            ("s3://b c", "bucket name"),
            ("s3:///prefix", "bucket name"),
            ("s3://b/a//c", "prefix"),
            ("s3://b/a/../c", "prefix"),
            ("s3://b?region=x", "no query"),
        ] {
            let text = config_error(S3Config::from_url_with(url, None, None, env(GARAGE)));
            assert!(text.contains(says), "{url}: {text}");
            assert!(text.contains(url), "{url}: {text}");
        }
        for endpoint in [
            "127.0.0.1:3900",
            "ftp://host",
            "http://",
            "http://h/?x",
            "http://a b",
        ] {
            let text = config_error(S3Config::from_url_with(
                "s3://b",
                Some(endpoint.to_owned()),
                None,
                env(GARAGE),
            ));
            assert!(text.contains("endpoint"), "{endpoint}: {text}");
        }
    }

    #[test]
    fn s3_config_debug_hides_the_secret() {
        let config = S3Config::from_url_with("s3://b", None, None, env(GARAGE)).expect("config");
        let debug = format!("{config:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("GKid"), "{debug}");
    }

    #[test]
    fn s3_virtual_hosted_style_puts_the_bucket_before_the_host() {
        let mut config =
            S3Config::from_url_with("s3://b/p", None, None, env(GARAGE)).expect("config");
        assert_eq!(
            config.bucket_endpoint().as_deref(),
            Some("http://127.0.0.1:3900")
        );
        config.endpoint = Some("https://s3.example.org".to_owned());
        config.virtual_hosted_style = true;
        assert_eq!(
            config.bucket_endpoint().as_deref(),
            Some("https://b.s3.example.org")
        );
    }

    #[test]
    fn s3_blobs_are_built_without_a_request_and_described_without_secrets() {
        let config =
            S3Config::from_url_with("s3://osops-test/ci", None, None, env(GARAGE)).expect("config");
        let blobs = Blobs::s3(&config).expect("an http endpoint is allowed");
        assert_eq!(
            blobs.describe(),
            "s3://osops-test/ci at http://127.0.0.1:3900"
        );

        let mut anonymous = config.clone();
        anonymous.secret_access_key = None;
        assert!(matches!(
            Blobs::s3(&anonymous),
            Err(BlobError::Config(text)) if text.contains("AWS_SECRET_ACCESS_KEY")
        ));
    }

    /// Against a real bucket: `OSOPS_TEST_S3=s3://BUCKET[/PREFIX]` with the AWS variables
    /// (`scripts/dev-services.sh` prints them for a local Garage). Each run works under a prefix
    /// of its own, so runs never see each other's objects.
    #[tokio::test]
    async fn s3_round_trip_against_osops_test_s3() {
        let Some(url) = std::env::var("OSOPS_TEST_S3")
            .ok()
            .filter(|url| !url.trim().is_empty())
        else {
            // Straight to stderr: the harness hides eprintln! output of passing tests.
            let _ = writeln!(std::io::stderr(), "skipped: OSOPS_TEST_S3 is not set");
            return;
        };
        let base = S3Config::from_url(&url, None, None)
            .expect("OSOPS_TEST_S3 is set: the AWS variables must be too");
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).expect("random");
        let run = format!("osops-blobs-test-{}", hex::encode(random));
        let mut config = base.clone();
        config.prefix = Some(match &base.prefix {
            Some(prefix) => format!("{prefix}/{run}"),
            None => run.clone(),
        });
        let blobs = Blobs::s3(&config).expect("s3 blobs");
        blobs
            .check()
            .await
            .unwrap_or_else(|e| panic!("OSOPS_TEST_S3 is set, but {url} does not answer: {e:?}"));

        let one = BlobKey::archive(SHA).expect("key");
        let two = BlobKey::archive(SHA2).expect("key");
        assert!(!blobs.exists(&one).await.expect("exists"));
        assert!(all_archives(&blobs).await.is_empty());
        blobs
            .put(&one, Bytes::from_static(b"archive one"))
            .await
            .expect("put one");
        blobs
            .put(&two, Bytes::from(vec![7u8; 300_000]))
            .await
            .expect("put two");
        assert!(blobs.exists(&one).await.expect("exists"));
        assert_eq!(
            blobs.get_bytes(&one).await.expect("get"),
            Bytes::from_static(b"archive one")
        );
        let got = blobs.get(&two).await.expect("stream");
        assert_eq!(got.size, 300_000);
        let chunks: Vec<Bytes> = got.stream.try_collect().await.expect("body");
        assert_eq!(chunks.concat(), vec![7u8; 300_000]);
        assert_eq!(
            all_archives(&blobs).await,
            vec![(SHA2.to_owned(), 300_000), (SHA.to_owned(), 11)]
        );

        // The prefix scopes every key: the objects are at PREFIX/archives/…, so a store on the
        // bucket (or base prefix) itself finds them there and lists none of them as its own.
        let outer = Blobs::s3(&base).expect("outer blobs");
        let scoped = ObjectPath::from(format!("{run}/{one}"));
        outer
            .store
            .head(&scoped)
            .await
            .unwrap_or_else(|e| panic!("{scoped} is missing: {e:?}"));
        let outer_archives: Vec<StoredArchive> =
            outer.list_archives().try_collect().await.expect("list");
        assert!(
            outer_archives
                .iter()
                .all(|a| a.sha256 != SHA && a.sha256 != SHA2)
        );

        blobs.delete(&one).await.expect("delete");
        blobs.delete(&one).await.expect("deleting twice is fine");
        assert!(!blobs.exists(&one).await.expect("exists"));
        assert!(matches!(
            blobs.get_bytes(&one).await,
            Err(BlobError::NotFound(_))
        ));
        blobs.delete(&two).await.expect("delete");
        assert!(all_archives(&blobs).await.is_empty());
    }
}
