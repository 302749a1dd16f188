//! The API error body `{"code","message","details":[{"field","issue"}],"request_id"}` and the mapping
//! from use-case errors to status codes and stable snake_case codes.

use crate::request::current_request_id;
use acorn_domain::validate::FieldIssue;
use acorn_service::ServiceError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub field: String,
    pub issue: String,
}

/// Every API error has this body.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, snake_case: safe to branch on.
    pub code: String,
    /// For people: what is wrong and what to do.
    pub message: String,
    pub details: Vec<ErrorDetail>,
    pub request_id: String,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<FieldIssue>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.to_string(),
            message: self.message.clone(),
            details: self.details.iter().map(|d| ErrorDetail { field: d.field.clone(), issue: d.issue.clone() }).collect(),
            request_id: current_request_id(),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::Invalid(details) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation_failed",
                message: "the request has invalid fields; see details".into(),
                details,
                retry_after: None,
            },
            // The same body whether the object is missing or another tenant's: nothing leaks.
            ServiceError::NotFound(_) => ApiError::not_found(),
            ServiceError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your role does not allow this"),
            ServiceError::Unauthenticated(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ServiceError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            ServiceError::Rejected { code, message } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            ServiceError::TooManyAttempts { retry_after_secs } => ApiError {
                retry_after: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "too many attempts; try again later")
            },
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side; retry, and quote the request id if it persists",
                )
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side; retry, and quote the request id if it persists",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
