//! The audit log: one hash chain per tenant. Appending reads the chain head and inserts the next
//! sequence number; two writers racing for the same number collide on the primary key and the losing
//! unit of work is retried (see `tx`). Rows are never updated or deleted (triggers refuse it).

use super::fetch_all;
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::audit::{AuditRecord, GENESIS_HASH, seal};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 14] = [
    "tenant_id",
    "seq",
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "before_json",
    "after_json",
    "request_id",
    "source_ip",
    "prev_hash",
    "hash",
];

#[derive(FromQueryResult)]
struct Row {
    tenant_id: Uuid,
    seq: i64,
    id: Uuid,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: String,
    source_ip: String,
    prev_hash: String,
    hash: String,
}

fn parse_json(s: Option<String>) -> Result<Option<serde_json::Value>, StoreError> {
    s.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::corrupt(format!("audit JSON: {e}")))).transpose()
}

impl TryFrom<Row> for AuditRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<AuditRecord, StoreError> {
        Ok(AuditRecord {
            tenant_id: TenantId(r.tenant_id),
            seq: r.seq,
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: parse_json(r.before_json)?,
            after: parse_json(r.after_json)?,
            request_id: r.request_id,
            source_ip: r.source_ip,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

#[derive(FromQueryResult)]
struct Head {
    seq: i64,
    hash: String,
}

/// The last record of a tenant's chain: `(seq, hash)`, or `(0, GENESIS_HASH)` for an empty chain.
pub async fn head(c: &impl ConnectionTrait, tenant: TenantId) -> Result<(i64, String), StoreError> {
    let q = Query::select()
        .columns(["seq", "hash"])
        .from("audit_log")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .order_by("seq", Order::Desc)
        .limit(1)
        .to_owned();
    Ok(super::fetch_one::<Head>(c, &q).await?.map(|h| (h.seq, h.hash)).unwrap_or((0, GENESIS_HASH.to_string())))
}

/// Appends `record` (its seq, prev_hash and hash are filled in here) to its tenant's chain.
pub async fn append(c: &impl ConnectionTrait, mut record: AuditRecord) -> Result<AuditRecord, StoreError> {
    let (seq, prev) = head(c, record.tenant_id).await?;
    record.seq = seq + 1;
    let record = seal(record, &prev);
    let to_text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    let res = c
        .execute(
            &Query::insert()
                .into_table("audit_log")
                .columns(COLS)
                .values_panic([
                    record.tenant_id.0.into(),
                    record.seq.into(),
                    record.id.into(),
                    record.at.into(),
                    record.actor.clone().into(),
                    record.action.clone().into(),
                    record.object_type.clone().into(),
                    record.object_id.clone().into(),
                    to_text(&record.before).into(),
                    to_text(&record.after).into(),
                    record.request_id.clone().into(),
                    record.source_ip.clone().into(),
                    record.prev_hash.clone().into(),
                    record.hash.clone().into(),
                ])
                .to_owned(),
        )
        .await;
    match res {
        Ok(_) => Ok(record),
        // Another writer took this sequence number: report a serialization failure so the whole
        // unit of work is retried on a fresh head.
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry(format!("audit chain head moved: {e}"))),
        Err(e) => Err(e.into()),
    }
}

/// Filters for reading the log.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub tenant: Option<TenantId>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub action_prefix: Option<String>,
}

/// Newest-first page of records: strictly before `before` = (at, tenant, seq).
pub async fn list(c: &impl ConnectionTrait, f: &Filter, before: Option<(DateTime<Utc>, i64)>, limit: u64) -> Result<Vec<AuditRecord>, StoreError> {
    let mut q = Query::select().columns(COLS).from("audit_log").to_owned();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(o) = &f.object_type {
        q.and_where(Expr::col("object_type").eq(o.clone()));
    }
    if let Some(o) = &f.object_id {
        q.and_where(Expr::col("object_id").eq(o.clone()));
    }
    if let Some(a) = &f.action_prefix {
        q.and_where(Expr::col("action").like(format!("{}%", a.replace(['%', '_'], ""))));
    }
    if let Some((at, seq)) = before {
        q.and_where(Expr::col("at").lt(at).or(Expr::col("at").eq(at).and(Expr::col("seq").lt(seq))));
    }
    q.order_by("at", Order::Desc).order_by("seq", Order::Desc).limit(limit + 1);
    fetch_all::<Row>(c, &q).await?.into_iter().map(AuditRecord::try_from).collect()
}

/// A tenant's chain in order, from `from_seq` on, `limit` records at a time (verify and export).
pub async fn chain(c: &impl ConnectionTrait, tenant: TenantId, from_seq: i64, limit: u64) -> Result<Vec<AuditRecord>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("seq").gte(from_seq))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(AuditRecord::try_from).collect()
}

/// Every tenant with a chain.
pub async fn tenants(c: &impl ConnectionTrait) -> Result<Vec<TenantId>, StoreError> {
    #[derive(FromQueryResult)]
    struct T {
        tenant_id: Uuid,
    }
    let q = Query::select().distinct().column("tenant_id").from("audit_log").order_by("tenant_id", Order::Asc).to_owned();
    Ok(fetch_all::<T>(c, &q).await?.into_iter().map(|t| TenantId(t.tenant_id)).collect())
}

/// The head of every chain: `(tenant, seq, hash)`.
pub async fn heads(c: &impl ConnectionTrait) -> Result<Vec<(TenantId, i64, String)>, StoreError> {
    let mut out = Vec::new();
    for t in tenants(c).await? {
        let (seq, hash) = head(c, t).await?;
        out.push((t, seq, hash));
    }
    Ok(out)
}

/// Total number of records (metrics, anchoring cadence).
pub async fn count(c: &impl ConnectionTrait) -> Result<i64, StoreError> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let q = Query::select().expr_as(Func::count(Expr::col("seq")), "n").from("audit_log").to_owned();
    Ok(super::fetch_one::<N>(c, &q).await?.map(|n| n.n).unwrap_or(0))
}
