//! `POST /auth/o2/token`: Login with Amazon–compatible token endpoint (form-encoded), so SP-API
//! client libraries work unchanged against ACORN.

use crate::request::RequestMeta;
use crate::state::AppState;
use acorn_service::Ctx;
use acorn_service::clients::GrantError;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct TokenForm {
    /// `client_credentials` or `refresh_token`.
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    /// Accepted and ignored (LWA sends SP-API scopes for grantless operations).
    pub scope: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// LWA's error body.
#[derive(Serialize, ToSchema)]
pub struct TokenError {
    pub error: String,
    pub error_description: String,
}

fn oauth_error(status: StatusCode, error: &str, description: String) -> Response {
    (status, Json(TokenError { error: error.into(), error_description: description })).into_response()
}

/// Issue an access token (1 hour) for a client's credentials, or for its refresh token.
#[utoipa::path(post, path = "/auth/o2/token", tag = "access", request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenOut), (status = 400, body = TokenError), (status = 401, body = TokenError)))]
pub async fn token(State(s): State<AppState>, Extension(meta): Extension<RequestMeta>, Form(f): Form<TokenForm>) -> Response {
    let ctx = Ctx::anonymous(meta.request_id, meta.ip);
    match s.services.grant_token(&ctx, &f.grant_type, f.client_id.as_deref(), f.client_secret.as_deref(), f.refresh_token.as_deref()).await {
        Ok(t) => Json(TokenOut {
            access_token: t.access_token,
            token_type: t.token_type.into(),
            expires_in: t.expires_in,
            refresh_token: f.refresh_token.filter(|_| f.grant_type == "refresh_token"),
        })
        .into_response(),
        Err(GrantError::InvalidRequest(m)) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", m),
        Err(GrantError::InvalidClient) => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed".into()),
        Err(GrantError::InvalidGrant) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "The refresh token is invalid or expired".into()),
        Err(GrantError::UnsupportedGrantType(g)) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type `{g}` is not supported; use client_credentials or refresh_token"),
        ),
    }
}
