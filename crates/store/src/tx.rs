//! Write transactions: one unit of work, retried from the start on busy/serialization errors.
//!
//! SQLite transactions begin `IMMEDIATE`, so a writer takes the write lock up front instead of failing
//! half-way on a lock upgrade; PostgreSQL runs at its default isolation and reports conflicts (unique
//! violations on the audit chain head, serialization failures) that send the unit round again.

use crate::db::{Backend, Db};
use crate::error::is_retryable;
use sea_orm::{DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

/// How many times a unit of work is attempted before its last error is returned.
pub const MAX_ATTEMPTS: u32 = 8;

/// An open write transaction handed to a unit of work. Cheap to clone; committed by [`Db::write`].
#[derive(Clone)]
pub struct Tx(Arc<DatabaseTransaction>);

impl Tx {
    /// The connection to run statements on.
    pub fn c(&self) -> &DatabaseTransaction {
        &self.0
    }
}

impl Deref for Tx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.0
    }
}

/// Errors of a unit of work say whether running the unit again could succeed.
pub trait Retryable {
    fn is_retryable(&self) -> bool;
}

impl Retryable for DbErr {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }
}

impl Retryable for crate::StoreError {
    fn is_retryable(&self) -> bool {
        match self {
            crate::StoreError::Db(e) => is_retryable(e),
            crate::StoreError::Retry(_) => true,
            _ => false,
        }
    }
}

impl Db {
    async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let mut opts = TransactionOptions::default();
        if self.backend == Backend::Sqlite {
            opts.sqlite_transaction_mode = Some(SqliteTransactionMode::Immediate);
        }
        self.conn.begin_with_options(opts).await
    }

    /// Runs `unit` in a write transaction and commits it; on a retryable error the transaction is
    /// rolled back and the whole unit runs again (up to [`MAX_ATTEMPTS`]), so `unit` must not have
    /// side effects outside the transaction.
    pub async fn write<T, E, F, Fut>(&self, unit: F) -> Result<T, E>
    where
        F: Fn(Tx) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<DbErr> + Retryable,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= MAX_ATTEMPTS;
            let tx = match self.begin_write().await {
                Ok(tx) => tx,
                Err(e) if !last && is_retryable(&e) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let tx = Tx(Arc::new(tx));
            let outcome = unit(tx.clone()).await;
            // The unit's future is done, so this is the only handle left.
            let Ok(tx) = Arc::try_unwrap(tx.0) else {
                return Err(DbErr::Custom("a unit of work kept its transaction handle".into()).into());
            };
            match outcome {
                Ok(value) => match tx.commit().await {
                    Ok(()) => return Ok(value),
                    Err(e) if !last && is_retryable(&e) => backoff(attempt).await,
                    Err(e) => return Err(e.into()),
                },
                Err(err) => {
                    let _ = tx.rollback().await;
                    if last || !err.is_retryable() {
                        return Err(err);
                    }
                    backoff(attempt).await;
                }
            }
        }
    }
}

/// Short randomised exponential backoff so that competing writers do not collide again in lockstep.
async fn backoff(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(8)).min(200);
    let jitter = rand::random::<u64>() % (base + 1);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}
