//! Idempotency keys: the first request with a key records a pending row; its response is stored when
//! it completes, and a retry with the same key and body replays it.

use super::fetch_one;
use crate::error::{StoreError, is_unique_violation};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// What a request holding an idempotency key should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: go ahead and execute, then [`complete`].
    Execute,
    /// Done before with the same body: send this stored response.
    Replay { status: u16, body: String },
    /// The key was used with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

#[derive(FromQueryResult)]
struct Row {
    request_hash: String,
    response_status: Option<i64>,
    response_body: Option<String>,
    created_at: DateTime<Utc>,
}

/// A pending key older than this is taken to belong to a request that died (crash, timeout); the key
/// can then be claimed again rather than answering 409 forever.
pub const ABANDONED_AFTER_SECS: i64 = 120;

pub async fn claim(
    c: &impl ConnectionTrait,
    key_hash: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    // Expired keys are forgotten lazily, on reuse.
    c.execute(
        &Query::delete()
            .from_table("idempotency_keys")
            .and_where(Expr::col("key_hash").eq(key_hash))
            .and_where(
                Expr::col("expires_at").lt(now).or(Expr::col("response_status").is_null().and(
                    Expr::col("created_at").lt(now - chrono::Duration::seconds(ABANDONED_AFTER_SECS)),
                )),
            )
            .to_owned(),
    )
    .await?;
    let ins = Query::insert()
        .into_table("idempotency_keys")
        .columns(["key_hash", "request_hash", "response_status", "response_body", "created_at", "expires_at"])
        .values_panic([
            key_hash.into(),
            request_hash.into(),
            Option::<i64>::None.into(),
            Option::<String>::None.into(),
            now.into(),
            expires_at.into(),
        ])
        .to_owned();
    match c.execute(&ins).await {
        Ok(_) => return Ok(Claim::Execute),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let q = Query::select()
        .columns(["request_hash", "response_status", "response_body", "created_at"])
        .from("idempotency_keys")
        .and_where(Expr::col("key_hash").eq(key_hash))
        .to_owned();
    let Some(row) = fetch_one::<Row>(c, &q).await? else {
        // Deleted between our insert and read: treat like a concurrent duplicate.
        return Ok(Claim::InFlight);
    };
    let _ = row.created_at;
    Ok(if row.request_hash != request_hash {
        Claim::Mismatch
    } else {
        match (row.response_status, row.response_body) {
            (Some(status), Some(body)) => Claim::Replay { status: status as u16, body },
            _ => Claim::InFlight,
        }
    })
}

/// Stores the response of the request that claimed the key.
pub async fn complete(c: &impl ConnectionTrait, key_hash: &str, status: u16, body: &str) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("idempotency_keys")
            .value("response_status", status as i64)
            .value("response_body", body)
            .and_where(Expr::col("key_hash").eq(key_hash))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Forgets a claimed key whose request failed in a way worth retrying (a server error).
pub async fn release(c: &impl ConnectionTrait, key_hash: &str) -> Result<(), StoreError> {
    c.execute(&Query::delete().from_table("idempotency_keys").and_where(Expr::col("key_hash").eq(key_hash)).to_owned()).await?;
    Ok(())
}
