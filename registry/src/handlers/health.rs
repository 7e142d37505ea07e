//! `GET /healthz` (readiness): 200 while the database and the blob store answer, 503 naming what
//! does not. `GET /livez` (liveness): 200 while the process serves requests, whatever its
//! dependencies do, so that an orchestrator restarts a wedged process but not every replica
//! when the database is away.

use std::future::Future;
use std::time::Duration;

use axum::Json;
use axum::extract::State;

use crate::error::{ApiError, chain};
use crate::state::AppState;

/// How long each dependency may take to answer a readiness check: less than the few seconds a
/// load balancer waits for the whole answer.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Healthy {
    /// Always `ok`.
    status: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "readiness",
    summary = "Readiness: the database and the blob store answer",
    responses(
        (status = 200, description = "Ready.", body = Healthy),
        (status = 503, description = "Not ready: the detail names what does not answer (the causes are logged)."),
    )
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Healthy>, ApiError> {
    let (database, blobs) = tokio::join!(within(state.health.ping()), within(state.blobs.check()));
    // Causes go to the log only: they may name hosts, paths or a store's own error text.
    let failed: Vec<(&str, String)> = [("the database", database), ("the blob store", blobs)]
        .into_iter()
        .filter_map(|(what, result)| result.err().map(|cause| (what, cause)))
        .collect();
    let cause = failed
        .iter()
        .map(|(what, cause)| format!("{what}: {cause}"))
        .collect::<Vec<_>>()
        .join("; ");
    let detail = match failed.as_slice() {
        [] => return Ok(Json(Healthy { status: "ok" })),
        [(what, _)] => format!("not ready: {what} does not answer; see the registry's log"),
        _ => "not ready: neither the database nor the blob store answers; see the registry's log"
            .to_owned(),
    };
    Err(ApiError::unavailable(detail, cause))
}

#[utoipa::path(
    get,
    path = "/livez",
    tag = "service",
    operation_id = "liveness",
    summary = "Liveness: the process serves requests",
    description = "Whatever its dependencies do.",
    responses((status = 200, description = "Alive.", body = Healthy))
)]
pub async fn live() -> Json<Healthy> {
    Json(Healthy { status: "ok" })
}

/// `check`'s error as a line for the log, or a timeout after [`CHECK_TIMEOUT`].
async fn within<E: std::error::Error + 'static>(
    check: impl Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(chain(&e)),
        Err(_) => Err(format!("no answer within {CHECK_TIMEOUT:?}")),
    }
}
