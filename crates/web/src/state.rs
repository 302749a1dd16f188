//! What every handler shares.

use crate::ratelimit::Limiter;
use acorn_service::Services;
use metrics_exporter_prometheus::PrometheusHandle;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub metrics: Option<PrometheusHandle>,
    pub limiter: Limiter,
    /// Set the `Secure` flag on cookies (when served over HTTPS).
    pub secure_cookies: bool,
}
