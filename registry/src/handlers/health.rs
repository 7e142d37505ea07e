//! `GET /healthz`: 200 while the database answers, 503 otherwise.

use axum::Json;
use axum::extract::State;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(serde::Serialize)]
pub struct Healthy {
    status: &'static str,
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Healthy>, ApiError> {
    match state.health.ping().await {
        Ok(()) => Ok(Json(Healthy { status: "ok" })),
        Err(e) => Err(ApiError::unavailable(
            "the database does not answer; see the registry's log",
            e,
        )),
    }
}
