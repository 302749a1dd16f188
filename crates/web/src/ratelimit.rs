//! Per-client token-bucket rate limits for the API (default 10 requests/s with bursts of 20, per
//! route): over the limit answers 429 with `Retry-After`. The client is the bearer token (or session
//! cookie, or address for anonymous calls); the bucket is per client and route template.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Limits in requests per second and burst size.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_second: 10, burst: 20 }
    }
}

#[derive(Clone)]
pub struct Limiter(Arc<DefaultKeyedRateLimiter<String>>);

impl Limiter {
    pub fn new(l: Limits) -> Limiter {
        let per = NonZeroU32::new(l.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(l.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Limiter(Arc::new(RateLimiter::keyed(Quota::per_second(per).allow_burst(burst))))
    }

    /// `Ok` when the request may go ahead, else the seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        match self.0.check_key(&key.to_string()) {
            Ok(()) => Ok(()),
            Err(not_until) => Err(not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1)),
        }
    }
}

fn client_key(req: &Request) -> String {
    let h = req.headers();
    let token = h.get(header::AUTHORIZATION).or_else(|| h.get("x-amz-access-token")).or_else(|| h.get(header::COOKIE)).and_then(|v| v.to_str().ok());
    match token {
        Some(t) => acorn_service::crypto::sha256_hex(t)[..24].to_string(),
        None => req.extensions().get::<crate::request::RequestMeta>().map(|m| m.ip.clone()).unwrap_or_default(),
    }
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_default();
    let key = format!("{}|{}|{}", client_key(&req), req.method(), route);
    match state.limiter.check(&key) {
        Ok(()) => next.run(req).await,
        Err(wait) => ApiError {
            retry_after: Some(wait),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("rate limit exceeded for this route; retry after {wait} s"))
        }
        .into_response(),
    }
}
