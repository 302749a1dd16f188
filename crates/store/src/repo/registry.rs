//! The identifier registry: identifiers that must be unique across all vendors (vendor codes, GS1
//! prefixes, PO numbers, SSCCs, GTINs...) are claimed here, keyed by the identifier alone, in the same
//! transaction as the row that uses them.

use crate::error::{StoreError, is_unique_violation};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};

/// Claims `value` of `kind` for `tenant`. Fails with [`StoreError::Duplicate`] when any tenant holds it.
pub async fn claim(
    c: &impl ConnectionTrait,
    kind: &'static str,
    what: &'static str,
    value: &str,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let exists = c
        .query_one(
            &Query::select()
                .expr(Expr::val(1))
                .from("identifier_registry")
                .and_where(Expr::col("kind").eq(kind))
                .and_where(Expr::col("value").eq(value))
                .to_owned(),
        )
        .await?
        .is_some();
    if exists {
        return Err(StoreError::Duplicate { what, value: value.to_string() });
    }
    let insert = Query::insert()
        .into_table("identifier_registry")
        .columns(["kind", "value", "tenant_id", "created_at"])
        .values_panic([kind.into(), value.into(), tenant.0.into(), now.into()])
        .to_owned();
    match c.execute(&insert).await {
        Ok(_) => Ok(()),
        // Lost a race with a concurrent claim between our check and our insert.
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate { what, value: value.to_string() }),
        Err(e) => Err(e.into()),
    }
}

/// Releases a claim held by `tenant` (a removed vendor code, say). Returns whether it was held.
pub async fn release(c: &impl ConnectionTrait, kind: &'static str, value: &str, tenant: TenantId) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::delete()
                .from_table("identifier_registry")
                .and_where(Expr::col("kind").eq(kind))
                .and_where(Expr::col("value").eq(value))
                .and_where(Expr::col("tenant_id").eq(tenant.0))
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Claims `value` like [`claim`], but a claim older than `reusable_before` (by any tenant) is taken
/// over: SSCCs may be reused after 12 months.
pub async fn claim_reusable(
    c: &impl ConnectionTrait,
    kind: &'static str,
    what: &'static str,
    value: &str,
    tenant: TenantId,
    now: DateTime<Utc>,
    reusable_before: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        &Query::delete()
            .from_table("identifier_registry")
            .and_where(Expr::col("kind").eq(kind))
            .and_where(Expr::col("value").eq(value))
            .and_where(Expr::col("created_at").lt(reusable_before))
            .to_owned(),
    )
    .await?;
    claim(c, kind, what, value, tenant, now).await
}

/// Claims many values of one kind at once (an ASN's SSCCs): one lookup and one insert per chunk
/// instead of two statements per value. Claims older than `reusable_before` are taken over.
/// Fails with [`StoreError::Duplicate`] naming the first value already held.
pub async fn claim_many(
    c: &impl ConnectionTrait,
    kind: &'static str,
    what: &'static str,
    values: &[String],
    tenant: TenantId,
    now: DateTime<Utc>,
    reusable_before: DateTime<Utc>,
) -> Result<(), StoreError> {
    const CHUNK: usize = 500;
    for chunk in values.chunks(CHUNK) {
        c.execute(
            &Query::delete()
                .from_table("identifier_registry")
                .and_where(Expr::col("kind").eq(kind))
                .and_where(Expr::col("value").is_in(chunk.iter().cloned()))
                .and_where(Expr::col("created_at").lt(reusable_before))
                .to_owned(),
        )
        .await?;
        let held = c
            .query_one(
                &Query::select()
                    .column("value")
                    .from("identifier_registry")
                    .and_where(Expr::col("kind").eq(kind))
                    .and_where(Expr::col("value").is_in(chunk.iter().cloned()))
                    .limit(1)
                    .to_owned(),
            )
            .await?;
        if let Some(row) = held {
            let value: String = row.try_get("", "value")?;
            return Err(StoreError::Duplicate { what, value });
        }
        let mut insert = Query::insert().into_table("identifier_registry").columns(["kind", "value", "tenant_id", "created_at"]).to_owned();
        for v in chunk {
            insert.values_panic([kind.into(), v.clone().into(), tenant.0.into(), now.into()]);
        }
        match c.execute(&insert).await {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { what, value: chunk.join(", ") }),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
