//! A JSON body extractor whose rejections use the API error body and say what is wrong and where.

use crate::error::ApiError;
use acorn_domain::validate::FieldIssue;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the body as JSON with Content-Type: application/json"))
            }
            Err(JsonRejection::JsonDataError(e)) => {
                // serde's message names the field path and the expected type.
                let text = e.body_text();
                let field = text.split(':').next().unwrap_or("body").trim().to_string();
                Err(ApiError {
                    details: vec![FieldIssue::new(field, text.clone())],
                    ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "the body does not have the expected fields; see details")
                })
            }
            Err(e) => Err(ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {}", e.body_text()))),
        }
    }
}
