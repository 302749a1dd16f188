//! Store errors and the classification the retry loop and the services rely on.

use sea_orm::{DbErr, RuntimeErr, SqlErr};
use std::ops::Deref;

/// What a repository call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An identifier that must be unique (vendor code, e-mail, DC code...) is already taken.
    #[error("{what} `{value}` is already in use")]
    Duplicate { what: &'static str, value: String },
    /// The database said no, or could not be reached.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A concurrent writer got there first (e.g. took the audit chain's next sequence number); the
    /// unit of work should run again from the start.
    #[error("concurrent update: {0}")]
    Retry(String),
    /// A stored value could not be read back into a domain type (corrupt or unexpected data).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn corrupt(msg: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(msg.to_string())
    }
}

/// The database error code, if the error came from the database engine itself.
fn db_code(err: &DbErr) -> Option<String> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.deref() {
            sea_orm::sqlx::Error::Database(d) => d.code().map(|c| c.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Busy / locked (SQLite) and serialization failure / deadlock (PostgreSQL) errors: the whole unit of
/// work is safe to run again from the start.
pub fn is_retryable(err: &DbErr) -> bool {
    match db_code(err).as_deref() {
        // SQLITE_BUSY, SQLITE_LOCKED and their extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, ...)
        Some(code) if code.parse::<i32>().is_ok_and(|c| c & 0xff == 5 || c & 0xff == 6) => true,
        Some("40001") | Some("40P01") => true,
        _ => {
            let text = err.to_string();
            text.contains("database is locked") || text.contains("database table is locked")
        }
    }
}

/// A unique or primary-key constraint was violated.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
