//! `Idempotency-Key` on native-API POST/PUT/PATCH: required (400 without it) except on the routes
//! idempotent by nature ([`NATURALLY_IDEMPOTENT`]); the same key with the
//! same body replays the stored response; with another body → 422; while the first request still
//! runs → 409. Keys are scoped to tenant + principal + route and kept 24 h. Server errors are not
//! stored, so the client can retry them with the same key.

use crate::api::auth::principal;
use crate::error::ApiError;
use crate::request::RequestMeta;
use crate::state::AppState;
use acorn_service::Ctx;
use acorn_service::idempotency::{Claim, scoped_key};
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest request body the API accepts.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Largest `multipart/form-data` body buffered here (document uploads); each upload route caps its own
/// with `DefaultBodyLimit` (e.g. five 10 MiB dispute files), other routes still stop at [`MAX_BODY`].
pub const MAX_UPLOAD_BODY: usize = crate::api::ledger::MAX_DISPUTE_BODY;

/// Native routes that take no `Idempotency-Key` because they are idempotent by nature. The EDI
/// intake dedupes on the interchange itself (sender, receiver and control number, plus the SHA-256
/// of the bytes): a resend changes nothing and answers with the first transaction, which is what a
/// key would give. EDI senders (translators, AS2 and SFTP relays posting files) have no key to send.
pub const NATURALLY_IDEMPOTENT: &[(Method, &str)] = &[(Method::POST, "/api/v1/edi/interchanges")];

pub async fn idempotent(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // SP-API-compatible routes (`/vendor/…`) dedupe on natural keys (invoice number…), as Amazon's do.
    let natural = req.uri().path().starts_with("/vendor/") || NATURALLY_IDEMPOTENT.iter().any(|(m, p)| m == req.method() && req.uri().path() == *p);
    if !matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) || natural {
        return next.run(req).await;
    }
    match run(state, req, next).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn run(state: AppState, req: Request, next: Next) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    // Unauthenticated requests go straight through to be refused by the handler (401).
    let Ok(p) = principal(&state, &parts).await else {
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    let key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| ApiError::bad_request("idempotency_key_required", "send an Idempotency-Key header (1–255 characters) with every POST, PUT and PATCH"))?
        .to_string();
    let upload = parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"));
    let limit = if upload { MAX_UPLOAD_BODY } else { MAX_BODY };
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the request body is larger than {} MiB", limit / (1024 * 1024)))
    })?;
    let route = format!("{} {}", parts.method, parts.extensions.get::<MatchedPath>().map(|m| m.as_str()).unwrap_or(parts.uri.path()));
    let meta = parts.extensions.get::<RequestMeta>().cloned().unwrap_or(RequestMeta { request_id: String::new(), ip: String::new() });
    let meta_id = meta.request_id.clone();
    let ctx = Ctx::new(p, meta.request_id, meta.ip);
    // The concrete path is part of the body hash: the same key on /vendors/A and /vendors/B differs.
    let scoped = scoped_key(&ctx, &route, &key);
    let body_hash = acorn_service::crypto::sha256_hex(&format!("{}\n{}", parts.uri, String::from_utf8_lossy(&bytes)));
    let (outcome, claim) = state.services.claim_idempotency(&scoped, &body_hash).await?;
    match outcome {
        Claim::Execute => {}
        Claim::Applied => {
            let mut res = (
                StatusCode::OK,
                axum::Json(serde_json::json!({
                    "code": "already_applied",
                    "message": "this request was applied before the server restarted, but its response was not kept; read the resource to see the result",
                    "request_id": meta_id,
                })),
            )
                .into_response();
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(res);
        }
        Claim::Replay { status, body } => {
            let mut res = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(res);
        }
        Claim::Mismatch => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different request; use a new key",
            ));
        }
        Claim::InFlight => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ));
        }
    }
    let mut parts = parts;
    // The handler's Ctx carries the claim, so its mutation marks the key in its own transaction.
    parts.extensions.insert(claim.clone());
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (rparts, rbody) = res.into_parts();
    let rbytes = to_bytes(rbody, MAX_BODY).await.unwrap_or_default();
    let stored = if rparts.status.is_server_error() {
        state.services.release_idempotency(&claim).await
    } else {
        state.services.complete_idempotency(&claim, rparts.status.as_u16(), &String::from_utf8_lossy(&rbytes)).await
    };
    // The request's own outcome stands either way; a retry finds the key executed (or free).
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store the idempotent response");
    }
    Ok(Response::from_parts(rparts, Body::from(rbytes)))
}
