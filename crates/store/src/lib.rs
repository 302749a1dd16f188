//! Persistence for ACORN: the database connection (SQLite or PostgreSQL, picked from the URL), the one
//! migration set, write transactions with retry, and one repository module per aggregate.
//!
//! Repositories take the tenant first and return domain types; nothing above this crate writes SQL.

pub mod db;
pub mod error;
pub mod migration;
pub mod repo;
pub mod tx;

pub use db::{Backend, Db, DbOptions};
pub use error::{StoreError, is_retryable, is_unique_violation};
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};
pub use tx::Tx;
