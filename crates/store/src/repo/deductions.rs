//! The one deduction ledger and its disputes. A deduction is posted once per `source_key` (the match
//! job, chargeback scans and return completions may run again without posting twice).

use super::{e4, fetch_all, fetch_one, keyset};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::deductions::*;
use acorn_domain::ids::TenantId;
use acorn_domain::money::from_e4;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 26] = [
    "id",
    "tenant_id",
    "number",
    "vendor_code",
    "kind",
    "reason_code",
    "description",
    "currency",
    "amount_e4",
    "recovered_e4",
    "reversed_e4",
    "status",
    "posted_at",
    "dispute_deadline",
    "dispute_attempts",
    "po_id",
    "po_number",
    "shipment_id",
    "receipt_id",
    "invoice_id",
    "invoice_line_no",
    "return_id",
    "remittance_id",
    "evidence_json",
    "source_key",
    "updated_at",
];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    vendor_code: String,
    kind: String,
    reason_code: String,
    description: String,
    currency: String,
    amount_e4: i64,
    recovered_e4: i64,
    reversed_e4: i64,
    status: String,
    posted_at: DateTime<Utc>,
    dispute_deadline: Option<DateTime<Utc>>,
    dispute_attempts: i64,
    po_id: Option<Uuid>,
    po_number: Option<String>,
    shipment_id: Option<Uuid>,
    receipt_id: Option<Uuid>,
    invoice_id: Option<Uuid>,
    invoice_line_no: Option<i64>,
    return_id: Option<Uuid>,
    remittance_id: Option<Uuid>,
    evidence_json: String,
    source_key: String,
    updated_at: DateTime<Utc>,
}

fn parse<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

impl TryFrom<Row> for Deduction {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Deduction, StoreError> {
        Ok(Deduction {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            number: r.number,
            vendor_code: r.vendor_code,
            kind: parse("deduction kind", &r.kind, DeductionKind::parse)?,
            reason_code: r.reason_code,
            description: r.description,
            currency: r.currency,
            amount: from_e4(r.amount_e4),
            recovered: from_e4(r.recovered_e4),
            reversed: from_e4(r.reversed_e4),
            status: parse("deduction status", &r.status, DeductionStatus::parse)?,
            posted_at: r.posted_at,
            dispute_deadline: r.dispute_deadline,
            dispute_attempts: r.dispute_attempts,
            po_id: r.po_id,
            po_number: r.po_number,
            shipment_id: r.shipment_id,
            receipt_id: r.receipt_id,
            invoice_id: r.invoice_id,
            invoice_line_no: r.invoice_line_no,
            return_id: r.return_id,
            remittance_id: r.remittance_id,
            evidence: serde_json::from_str(&r.evidence_json).map_err(|e| StoreError::corrupt(format!("evidence of deduction {}: {e}", r.id)))?,
            source_key: r.source_key,
            updated_at: r.updated_at,
        })
    }
}

fn values(d: &Deduction) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        d.id.into(),
        d.tenant.0.into(),
        d.number.clone().into(),
        d.vendor_code.clone().into(),
        d.kind.as_str().into(),
        d.reason_code.clone().into(),
        d.description.clone().into(),
        d.currency.clone().into(),
        e4(d.amount)?.into(),
        e4(d.recovered)?.into(),
        e4(d.reversed)?.into(),
        d.status.as_str().into(),
        d.posted_at.into(),
        d.dispute_deadline.into(),
        d.dispute_attempts.into(),
        d.po_id.into(),
        d.po_number.clone().into(),
        d.shipment_id.into(),
        d.receipt_id.into(),
        d.invoice_id.into(),
        d.invoice_line_no.into(),
        d.return_id.into(),
        d.remittance_id.into(),
        d.evidence.to_string().into(),
        d.source_key.clone().into(),
        d.updated_at.into(),
    ])
}

/// Whether a deduction was already posted for this source.
pub async fn by_source(c: &impl ConnectionTrait, source_key: &str) -> Result<Option<Deduction>, StoreError> {
    let q = select().and_where(Expr::col("source_key").eq(source_key)).to_owned();
    fetch_one::<Row>(c, &q).await?.map(Deduction::try_from).transpose()
}

/// Posts a deduction. A source already posted by a concurrent writer is a [`StoreError::Retry`] (the
/// retried unit then finds it with [`by_source`] and posts nothing).
pub async fn insert(c: &impl ConnectionTrait, d: &Deduction) -> Result<(), StoreError> {
    let q = Query::insert().into_table("deductions").columns(COLS).values_panic(values(d)?).to_owned();
    match c.execute(&q).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry(format!("deduction for {} posted concurrently", d.source_key))),
        Err(e) => Err(e.into()),
    }
}

/// Writes the mutable fields if the row is still as read at `read_at`; else [`StoreError::Retry`].
pub async fn update(c: &impl ConnectionTrait, d: &Deduction, read_at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = Query::update().table("deductions").to_owned();
    for (col, v) in COLS.iter().zip(values(d)?) {
        if matches!(*col, "recovered_e4" | "reversed_e4" | "status" | "dispute_deadline" | "dispute_attempts" | "remittance_id" | "updated_at") {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("id").eq(d.id)).and_where(Expr::col("updated_at").eq(read_at));
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("deduction {} changed concurrently", d.number)));
    }
    Ok(())
}

fn select() -> SelectStatement {
    Query::select().columns(COLS).from("deductions").to_owned()
}

async fn fetch(c: &impl ConnectionTrait, q: &SelectStatement) -> Result<Vec<Deduction>, StoreError> {
    fetch_all::<Row>(c, q).await?.into_iter().map(Deduction::try_from).collect()
}

pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Deduction>, StoreError> {
    let mut q = select().and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<Row>(c, &q).await?.map(Deduction::try_from).transpose()
}

/// What ledger lists filter by.
#[derive(Clone, Debug, Default)]
pub struct DeductionFilter {
    pub tenant: Option<TenantId>,
    pub status: Option<DeductionStatus>,
    pub kind: Option<DeductionKind>,
    pub vendor_code: Option<String>,
    pub invoice_id: Option<Uuid>,
    pub posted_from: Option<DateTime<Utc>>,
    pub posted_before: Option<DateTime<Utc>>,
}

fn filtered(f: &DeductionFilter) -> SelectStatement {
    let mut q = select();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = f.status {
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    if let Some(k) = f.kind {
        q.and_where(Expr::col("kind").eq(k.as_str()));
    }
    if let Some(v) = &f.vendor_code {
        q.and_where(Expr::col("vendor_code").eq(v.as_str()));
    }
    if let Some(i) = f.invoice_id {
        q.and_where(Expr::col("invoice_id").eq(i));
    }
    if let Some(from) = f.posted_from {
        q.and_where(Expr::col("posted_at").gte(from));
    }
    if let Some(before) = f.posted_before {
        q.and_where(Expr::col("posted_at").lt(before));
    }
    q
}

/// One page of the ledger in `(posted_at, id)` order.
pub async fn list(c: &impl ConnectionTrait, f: &DeductionFilter, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Deduction>, StoreError> {
    let mut q = filtered(f);
    keyset(&mut q, after, limit, "posted_at", "id");
    fetch(c, &q).await
}

/// Every deduction matching the filter (for totals by type and month; a vendor's ledger is thousands
/// of rows a year, not millions).
pub async fn all(c: &impl ConnectionTrait, f: &DeductionFilter) -> Result<Vec<Deduction>, StoreError> {
    let q = filtered(f).order_by("posted_at", Order::Asc).order_by("id", Order::Asc).to_owned();
    fetch(c, &q).await
}

/// Deductions of one vendor and currency with an amount still to be netted, oldest first: what a
/// payment run takes. Disputed ones are held back until decided.
pub async fn outstanding(c: &impl ConnectionTrait, tenant: TenantId, currency: &str) -> Result<Vec<Deduction>, StoreError> {
    let q = select()
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("currency").eq(currency))
        .and_where(Expr::col("status").ne(DeductionStatus::Disputed.as_str()))
        .and_where(Expr::col("recovered_e4").lt(Expr::col("amount_e4")))
        .order_by("posted_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    fetch(c, &q).await
}

const DISPUTE_COLS: [&str; 14] = [
    "id",
    "tenant_id",
    "deduction_id",
    "attempt",
    "message",
    "opened_by",
    "opened_at",
    "outcome",
    "reversed_e4",
    "payback_e4",
    "decision_reason",
    "decided_by",
    "decided_at",
    "credited_remittance_id",
];

#[derive(FromQueryResult)]
struct DisputeRow {
    id: Uuid,
    tenant_id: Uuid,
    deduction_id: Uuid,
    attempt: i64,
    message: String,
    opened_by: String,
    opened_at: DateTime<Utc>,
    outcome: Option<String>,
    reversed_e4: Option<i64>,
    payback_e4: i64,
    decision_reason: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    credited_remittance_id: Option<Uuid>,
}

impl TryFrom<DisputeRow> for Dispute {
    type Error = StoreError;
    fn try_from(r: DisputeRow) -> Result<Dispute, StoreError> {
        Ok(Dispute {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            deduction_id: r.deduction_id,
            attempt: r.attempt,
            message: r.message,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            outcome: r.outcome.as_deref().map(|o| parse("dispute outcome", o, DisputeOutcome::parse)).transpose()?,
            reversed_amount: r.reversed_e4.map(from_e4),
            payback: from_e4(r.payback_e4),
            decision_reason: r.decision_reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            credited_remittance_id: r.credited_remittance_id,
        })
    }
}

fn dispute_cols() -> &'static [&'static str] {
    &DISPUTE_COLS
}

fn dispute_values(d: &Dispute) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        d.id.into(),
        d.tenant.0.into(),
        d.deduction_id.into(),
        d.attempt.into(),
        d.message.clone().into(),
        d.opened_by.clone().into(),
        d.opened_at.into(),
        d.outcome.map(|o| o.as_str()).into(),
        d.reversed_amount.map(e4).transpose()?.into(),
        e4(d.payback)?.into(),
        d.decision_reason.clone().into(),
        d.decided_by.clone().into(),
        d.decided_at.into(),
        d.credited_remittance_id.into(),
    ])
}

/// Opens a dispute attempt; the same attempt number taken concurrently is a [`StoreError::Retry`].
pub async fn insert_dispute(c: &impl ConnectionTrait, d: &Dispute) -> Result<(), StoreError> {
    let q = Query::insert().into_table("disputes").columns(dispute_cols().iter().copied()).values_panic(dispute_values(d)?).to_owned();
    match c.execute(&q).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry(format!("dispute attempt {} opened concurrently", d.attempt))),
        Err(e) => Err(e.into()),
    }
}

/// Records a decision (or the remittance that credited it), if the dispute was not decided meanwhile.
pub async fn update_dispute(c: &impl ConnectionTrait, d: &Dispute, was_decided: bool) -> Result<(), StoreError> {
    let mut q = Query::update().table("disputes").to_owned();
    for (col, v) in dispute_cols().iter().zip(dispute_values(d)?) {
        if matches!(*col, "outcome" | "reversed_e4" | "payback_e4" | "decision_reason" | "decided_by" | "decided_at" | "credited_remittance_id") {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("id").eq(d.id));
    if !was_decided {
        q.and_where(Expr::col("decided_at").is_null());
    }
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("dispute {} decided concurrently", d.id)));
    }
    Ok(())
}

/// The disputes of a deduction, first attempt first.
pub async fn disputes(c: &impl ConnectionTrait, deduction: Uuid) -> Result<Vec<Dispute>, StoreError> {
    let q = Query::select()
        .columns(dispute_cols().iter().copied())
        .from("disputes")
        .and_where(Expr::col("deduction_id").eq(deduction))
        .order_by("attempt", Order::Asc)
        .to_owned();
    fetch_all::<DisputeRow>(c, &q).await?.into_iter().map(Dispute::try_from).collect()
}

/// Decided reversals no remittance has paid back yet, for one vendor and currency: the credits of
/// the next payment run.
pub async fn unpaid_paybacks(c: &impl ConnectionTrait, tenant: TenantId, currency: &str) -> Result<Vec<(Dispute, Deduction)>, StoreError> {
    let q = Query::select()
        .columns(dispute_cols().iter().map(|c| ("disputes", *c)))
        .from("disputes")
        .inner_join("deductions", Expr::col(("deductions", "id")).equals(("disputes", "deduction_id")))
        .and_where(Expr::col(("disputes", "tenant_id")).eq(tenant.0))
        .and_where(Expr::col(("deductions", "currency")).eq(currency))
        .and_where(Expr::col(("disputes", "payback_e4")).gt(0))
        .and_where(Expr::col(("disputes", "credited_remittance_id")).is_null())
        .order_by(("disputes", "decided_at"), Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for r in fetch_all::<DisputeRow>(c, &q).await? {
        let d = Dispute::try_from(r)?;
        let ded = get(c, Some(tenant), d.deduction_id).await?.ok_or_else(|| StoreError::corrupt(format!("dispute {} without its deduction", d.id)))?;
        out.push((d, ded));
    }
    Ok(out)
}
