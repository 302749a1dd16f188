//! Idempotency keys. A request claims its key (a row naming the claim) before it runs; its mutation
//! marks the key executed in the mutation's own transaction, but only while the request still holds
//! the claim; the response is stored when the request completes. So a key is executed at most once,
//! even when a request dies half-way or a slow request's claim is taken over by a retry.

use super::fetch_one;
use crate::error::{StoreError, is_unique_violation};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// What a request holding an idempotency key should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: execute, then [`complete`].
    Execute,
    /// Done before with the same body: send this stored response.
    Replay { status: u16, body: String },
    /// Done before (its mutation committed), but the request died before its response was stored.
    Applied,
    /// The key was used with a different body.
    Mismatch,
    /// Another request holds the key and may still be running.
    InFlight,
}

#[derive(FromQueryResult)]
struct Row {
    request_hash: String,
    claim_id: String,
    executed_at: Option<DateTime<Utc>>,
    response_status: Option<i64>,
    response_body: Option<String>,
    created_at: DateTime<Utc>,
}

/// Claims `key_hash` for the request `claim_id`. A claim whose request neither committed nor
/// answered within `takeover_after` may be taken over: the old request, should it still be running,
/// can then no longer mark the key executed, so its mutation rolls back.
pub async fn claim(
    c: &impl ConnectionTrait,
    key_hash: &str,
    request_hash: &str,
    claim_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    takeover_after: Duration,
) -> Result<Claim, StoreError> {
    // Expired keys are forgotten lazily, on reuse.
    c.execute(
        &Query::delete().from_table("idempotency_keys").and_where(Expr::col("key_hash").eq(key_hash)).and_where(Expr::col("expires_at").lt(now)).to_owned(),
    )
    .await?;
    let ins = Query::insert()
        .into_table("idempotency_keys")
        .columns(["key_hash", "request_hash", "claim_id", "executed_at", "response_status", "response_body", "created_at", "expires_at"])
        .values_panic([
            key_hash.into(),
            request_hash.into(),
            claim_id.into(),
            Option::<DateTime<Utc>>::None.into(),
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
        .columns(["request_hash", "claim_id", "executed_at", "response_status", "response_body", "created_at"])
        .from("idempotency_keys")
        .and_where(Expr::col("key_hash").eq(key_hash))
        .to_owned();
    let Some(row) = fetch_one::<Row>(c, &q).await? else {
        // Deleted between our insert and read: treat like a concurrent duplicate.
        return Ok(Claim::InFlight);
    };
    if row.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    if let (Some(status), Some(body)) = (row.response_status, row.response_body) {
        return Ok(Claim::Replay { status: status as u16, body });
    }
    // Within the window the holder is probably still finishing (committed, storing its response).
    if row.created_at + takeover_after > now {
        return Ok(Claim::InFlight);
    }
    if row.executed_at.is_some() {
        return Ok(Claim::Applied);
    }
    let taken = c
        .execute(
            &Query::update()
                .table("idempotency_keys")
                .value("claim_id", claim_id)
                .value("created_at", now)
                .and_where(Expr::col("key_hash").eq(key_hash))
                .and_where(Expr::col("claim_id").eq(row.claim_id))
                .and_where(Expr::col("executed_at").is_null())
                .and_where(Expr::col("response_status").is_null())
                .to_owned(),
        )
        .await?;
    Ok(if taken.rows_affected() == 1 { Claim::Execute } else { Claim::InFlight })
}

/// Marks the key executed, in the mutation's transaction; false when the request no longer holds
/// the claim (it was taken over), in which case the mutation must not commit.
pub async fn mark_executed(c: &impl ConnectionTrait, key_hash: &str, claim_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("idempotency_keys")
                .value("executed_at", now)
                .and_where(Expr::col("key_hash").eq(key_hash))
                .and_where(Expr::col("claim_id").eq(claim_id))
                .and_where(Expr::col("response_status").is_null())
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Stores the response of the request that holds the claim.
pub async fn complete(c: &impl ConnectionTrait, key_hash: &str, claim_id: &str, status: u16, body: &str) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("idempotency_keys")
            .value("response_status", status as i64)
            .value("response_body", body)
            .and_where(Expr::col("key_hash").eq(key_hash))
            .and_where(Expr::col("claim_id").eq(claim_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Gives a key back after a server error, unless its mutation committed (then it must stay, so a
/// retry cannot execute it twice).
pub async fn release(c: &impl ConnectionTrait, key_hash: &str, claim_id: &str) -> Result<(), StoreError> {
    c.execute(
        &Query::delete()
            .from_table("idempotency_keys")
            .and_where(Expr::col("key_hash").eq(key_hash))
            .and_where(Expr::col("claim_id").eq(claim_id))
            .and_where(Expr::col("executed_at").is_null())
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Claims left by requests that can no longer be running: used by a single-process (SQLite) server
/// at start-up, where every claim without a committed mutation belongs to a previous, dead process.
pub async fn release_unexecuted(c: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let res = c
        .execute(
            &Query::delete()
                .from_table("idempotency_keys")
                .and_where(Expr::col("executed_at").is_null())
                .and_where(Expr::col("response_status").is_null())
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected())
}
