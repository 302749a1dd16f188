//! The `acorn` binary's library: configuration (file + `ACORN_*` environment), the CLI, telemetry,
//! background jobs, and [`build_app`], which wires the database, the services and the routers.

pub mod bench;
pub mod cli;
pub mod config;
pub mod edi_cli;
pub mod edi_watch;
pub mod forecast_cli;
pub mod jobs;

use acorn_service::{ServiceConfig, Services};
use acorn_store::{Db, DbOptions};
use acorn_web::ratelimit::{Limiter, Limits};
use acorn_web::{AppState, build_router};
use anyhow::Context;
use config::Config;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Opens the database named by the configuration and applies pending migrations.
pub async fn open_db(cfg: &Config) -> anyhow::Result<Db> {
    let url = cfg.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir).with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    }
    let db = Db::connect(&url, &DbOptions { max_connections: cfg.pool_size(&url), ..Default::default() })
        .await
        .with_context(|| format!("opening database {}", acorn_store::db::redact_url(&url)))?;
    acorn_store::migration::migrate(&db).await.context("applying migrations")?;
    Ok(db)
}

pub fn services(db: Db, cfg: &Config) -> Services {
    Services::new(
        db,
        ServiceConfig {
            base_url: cfg.base_url(),
            data_dir: cfg.data_dir.clone(),
            smtp_url: cfg.smtp_url.clone(),
            mail_from: cfg.mail_from.clone(),
            argon2_m_kib: cfg.argon2_m_kib,
            argon2_t: cfg.argon2_t,
            idempotency_takeover_secs: cfg.idempotency_takeover_secs,
            payer_name: cfg.payer_name.clone(),
            payer_iban: cfg.payer_iban.clone(),
            payer_bic: cfg.payer_bic.clone(),
        },
    )
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(|| PrometheusBuilder::new().install_recorder().ok()).clone()
}

/// The whole application over `services`.
pub fn build_app(services: Services, cfg: &Config) -> axum::Router {
    let state = AppState {
        services,
        metrics: metrics_handle(),
        limiter: Limiter::new(Limits { per_second: cfg.rate_limit_per_second, burst: cfg.rate_limit_burst }),
        secure_cookies: cfg.base_url().starts_with("https://"),
    };
    build_router(state).0
}
