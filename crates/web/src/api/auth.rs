//! Who is calling the API: an access token (`Authorization: Bearer …` or `x-amz-access-token`), or a
//! fully signed-in browser session. The result is the use-case context.

use crate::error::ApiError;
use crate::request::RequestMeta;
use crate::state::AppState;
use acorn_service::auth::Stage;
use acorn_service::{Ctx, Principal};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

/// The authenticated caller of an API route.
pub struct Api(pub Ctx);

pub const SESSION_COOKIE: &str = "acorn_session";

/// Reads the bearer token from either header.
pub fn bearer(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get("x-amz-access-token").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The value of a cookie.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Resolves the principal of an API request (used by the extractor and the idempotency layer).
pub async fn principal(state: &AppState, parts: &Parts) -> Result<Principal, ApiError> {
    let unauth = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "send a valid access token (Authorization: Bearer or x-amz-access-token)");
    if let Some(token) = bearer(parts) {
        let client = state.services.client_for_token(&token).await?.ok_or_else(unauth)?;
        return Ok(Principal::Client(client));
    }
    if let Some(sid) = cookie(parts, SESSION_COOKIE)
        && let Some(auth) = state.services.session(&sid).await?
        && auth.stage == Stage::Full
    {
        return Ok(Principal::User(auth.user));
    }
    Err(unauth())
}

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Api, ApiError> {
        let meta = parts.extensions.get::<RequestMeta>().cloned().unwrap_or(RequestMeta { request_id: String::new(), ip: String::new() });
        let p = principal(state, parts).await?;
        let mut ctx = Ctx::new(p, meta.request_id, meta.ip);
        ctx.idempotency = parts.extensions.get::<acorn_service::idempotency::KeyClaim>().cloned();
        Ok(Api(ctx))
    }
}
