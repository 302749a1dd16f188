//! HTTP for ACORN: the native JSON API (`api`), the server-rendered portal (`ui`), the operations
//! endpoints (`ops`) and the per-request plumbing they share. Everything here translates HTTP to use
//! cases in `acorn-service` and back; no business rule and no SQL lives here.

pub mod api;
pub mod error;
pub mod i18n;
pub mod invoice_pdf;
pub mod json;
pub mod labels;
pub mod ops;
pub mod ratelimit;
pub mod request;
pub mod state;
pub mod ui;

pub use state::AppState;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use std::sync::Arc;

/// Every route of the application with its middleware, and the OpenAPI document.
pub fn build_router(state: AppState) -> (Router, Arc<serde_json::Value>) {
    let (api, spec) = api::router();
    let spec = Arc::new(serde_json::to_value(&spec).unwrap_or_default());
    let api = api.route_layer(from_fn_with_state(state.clone(), api::idempotency::idempotent)).route_layer(from_fn_with_state(state.clone(), ratelimit::limit));
    let docs = Router::new().route("/api/openapi.json", get(ops::openapi)).route("/api/docs", get(ui::docs::page)).with_state(spec.clone());
    let app = Router::new()
        .merge(api)
        .merge(ui::router())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route_layer(from_fn(request::metrics))
        .with_state(state)
        .merge(docs)
        .layer(axum::extract::DefaultBodyLimit::max(api::idempotency::MAX_BODY))
        .layer(from_fn(request::plumbing));
    (app, spec)
}
