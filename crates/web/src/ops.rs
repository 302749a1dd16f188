//! Operations endpoints: `/healthz` (the process answers), `/readyz` (database reachable and
//! migrations current), `/metrics` (Prometheus), and the API description (`/api/openapi.json` and the
//! docs page rendered by our own template).

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(s): State<AppState>) -> Response {
    if let Err(e) = s.services.db.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("database unreachable: {e}")).into_response();
    }
    match s.services.pending_migrations().await {
        Ok(0) => "ready".into_response(),
        Ok(n) => (StatusCode::SERVICE_UNAVAILABLE, format!("{n} migration(s) pending; run `acorn migrate`")).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("cannot read migration state: {e}")).into_response(),
    }
}

pub async fn metrics(State(s): State<AppState>) -> Response {
    let (size, idle) = s.services.pool_stats();
    metrics::gauge!("db_pool_connections").set(size as f64);
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    match &s.metrics {
        Some(h) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder not installed").into_response(),
    }
}

pub async fn openapi(State(spec): State<std::sync::Arc<serde_json::Value>>) -> Json<serde_json::Value> {
    Json((*spec).clone())
}
