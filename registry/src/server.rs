//! `osops-registry serve`: open the data directory, bind, optionally load the demo catalog, serve
//! until a shutdown signal.

use std::future::Future;
use std::sync::Arc;

use osops_index::archive::Limits;
use tokio::net::TcpListener;

use crate::blobs::Blobs;
use crate::config::{Config, DataDir, Settings};
use crate::error::Error;
use crate::routes::router;
use crate::state::AppState;
use crate::store::{Database, Store};
use crate::trusted::TrustedPublishing;
use crate::trusted::config::ConfigFile;

/// Opens the stores: the database (migrated) and the blob store.
pub async fn open(
    database: &Database,
    blobs: Blobs,
    settings: Settings,
) -> Result<(AppState, Arc<dyn Store>), Error> {
    let store = database.open().await?;
    tracing::info!("metadata in {}", database.describe());
    Ok((AppState::from_store(store.clone(), blobs, settings), store))
}

/// Serves until `shutdown` completes, then finishes the requests in flight and returns.
///
/// Logs `listening on http://{addr}` (the bound address, so `127.0.0.1:0` reports its real port)
/// once the demo catalog, if any, is loaded and requests are about to be accepted.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let data_dir = DataDir::create(&config.data_dir)?;
    // Read before binding, so that a bad file fails at once.
    let file = match &config.config_file {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Listen {
        addr: config.listen,
        source,
    })?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let settings =
        Settings::new(&public_url, config.max_upload)?.with_rate_limits(config.rate_limits);
    // A flag (or its environment variable) wins over the file.
    let database_url = config
        .database_url
        .clone()
        .or(file.storage.database_url.clone());
    let database = Database::from_url(database_url.as_deref(), data_dir.database())?;
    let storage = crate::config::Storage {
        url: config.storage.url.clone().or(file.storage.url.clone()),
        s3_endpoint: (config.storage.s3_endpoint.clone()).or(file.storage.s3_endpoint.clone()),
        s3_region: (config.storage.s3_region.clone()).or(file.storage.s3_region.clone()),
    };
    let blobs = storage.open(&data_dir).await?;
    #[cfg(feature = "failpoints")]
    let blobs = blobs.with_env_failpoints()?;
    let (state, store) = open(&database, blobs, settings).await?;
    let trusted = TrustedPublishing::from_config(&file.trusted_publishing).await?;
    let state = state.with_trusted_publishing(trusted);
    if let Some(dir) = &config.demo {
        crate::demo::load(&state, dir).await?;
    }
    load_search(&state);
    tracing::info!("listening on http://{addr}");
    let downloads = state.downloads.clone();
    // No Nagle: a streamed body goes out in several writes, and a small one held back until the
    // client's delayed ACK cost every small download about 40 ms.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY: {e}");
        }
    });
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    // The counts of the last downloads, before the database closes.
    downloads.settle().await;
    store.close().await;
    served.map_err(Error::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Loads what search keeps in memory in the background, so that the server listens at once
/// and the first search rarely waits (one that comes earlier waits for the load).
fn load_search(state: &AppState) {
    let assets = state.assets.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match assets.load_search().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("search index: {n} assets in {:.0?}", started.elapsed()),
            Err(e) => tracing::warn!("cannot load the search index (searches will retry): {e}"),
        }
    });
}

/// Completes on SIGINT or SIGTERM (Ctrl-C only, off Unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

/// The default upload limit, in bytes: [`Limits::default`]'s `max_compressed`.
pub fn default_max_upload() -> u64 {
    Limits::default().max_compressed
}
