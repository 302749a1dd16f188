//! The one error type of the use cases. The web layer maps each variant to a status code and a stable
//! snake_case code; the CLI prints the message.

use acorn_domain::validate::FieldIssue;
use acorn_store::StoreError;
use acorn_store::tx::Retryable;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input failed validation; every problem is listed with its field.
    #[error("the request has {} invalid field(s): {}", .0.len(), summarise(.0))]
    Invalid(Vec<FieldIssue>),
    /// The object does not exist — or belongs to another tenant, which must look the same.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Authenticated, same tenant, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The request conflicts with the current state (duplicate identifier, already done...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Understood but refused by a business rule.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    /// Too many attempts; try again later.
    #[error("too many attempts; try again later")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

fn summarise(issues: &[FieldIssue]) -> String {
    issues.iter().map(|i| format!("{}: {}", i.field, i.issue)).collect::<Vec<_>>().join("; ")
}

impl ServiceError {
    pub fn invalid(field: &str, issue: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![FieldIssue::new(field, issue)])
    }
    pub fn internal(e: impl std::fmt::Display) -> ServiceError {
        ServiceError::Internal(e.to_string())
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        match e {
            StoreError::Duplicate { what, value } => ServiceError::Conflict { code: "already_exists", message: format!("{what} `{value}` is already in use") },
            other => ServiceError::Store(other),
        }
    }
}

impl From<sea_orm_err::DbErr> for ServiceError {
    fn from(e: sea_orm_err::DbErr) -> ServiceError {
        ServiceError::Store(StoreError::Db(e))
    }
}

/// Re-exported so this crate needs no direct SeaORM dependency.
mod sea_orm_err {
    pub use acorn_store::DbErr;
}

impl Retryable for ServiceError {
    fn is_retryable(&self) -> bool {
        match self {
            ServiceError::Store(e) => e.is_retryable(),
            _ => false,
        }
    }
}
