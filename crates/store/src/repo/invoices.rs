//! Invoices and credit notes: headers, lines (with each line's latest match), invoice-level charges,
//! allowances and tax, and the timeline. The number is unique per vendor code (a unique index backs
//! the use case's own check against a concurrent submission of the same number).

use super::{e4, fetch_all, fetch_one, keyset};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::ids::TenantId;
use acorn_domain::invoices::*;
use acorn_domain::matching::MatchResult;
use acorn_domain::money::from_e4;
use acorn_domain::orders::Channel;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::HashMap;
use uuid::Uuid;

/// Every column, as inserted; `created_at` (= `submitted_at`, the keyset order) is not read back.
pub(crate) const INVOICE_COLS: [&str; 30] = [
    "id",
    "tenant_id",
    "vendor_code",
    "number",
    "invoice_type",
    "po_id",
    "po_number",
    "reference_invoice_id",
    "reference_number",
    "invoice_date",
    "currency",
    "subtotal_e4",
    "charges_e4",
    "allowances_e4",
    "tax_e4",
    "total_e4",
    "state",
    "open_disputes",
    "payment_term",
    "terms_version",
    "due_date",
    "discount_deadline",
    "channel",
    "submitted_by",
    "submitted_at",
    "matched_at",
    "approved_at",
    "paid_at",
    "updated_at",
    "created_at",
];

fn cols() -> &'static [&'static str] {
    &INVOICE_COLS
}

/// The columns read back (all but `created_at`).
fn read_cols() -> &'static [&'static str] {
    &INVOICE_COLS[..29]
}

#[derive(FromQueryResult)]
struct InvoiceRow {
    id: Uuid,
    tenant_id: Uuid,
    vendor_code: String,
    number: String,
    invoice_type: String,
    po_id: Uuid,
    po_number: String,
    reference_invoice_id: Option<Uuid>,
    reference_number: Option<String>,
    invoice_date: NaiveDate,
    currency: String,
    subtotal_e4: i64,
    charges_e4: i64,
    allowances_e4: i64,
    tax_e4: i64,
    total_e4: i64,
    state: String,
    open_disputes: i64,
    payment_term: String,
    terms_version: i64,
    due_date: Option<NaiveDate>,
    discount_deadline: Option<NaiveDate>,
    channel: String,
    submitted_by: String,
    submitted_at: DateTime<Utc>,
    matched_at: Option<DateTime<Utc>>,
    approved_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

fn parse<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

impl TryFrom<InvoiceRow> for Invoice {
    type Error = StoreError;
    fn try_from(r: InvoiceRow) -> Result<Invoice, StoreError> {
        Ok(Invoice {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            vendor_code: r.vendor_code,
            number: r.number,
            invoice_type: parse("invoice type", &r.invoice_type, InvoiceType::parse)?,
            po_id: r.po_id,
            po_number: r.po_number,
            reference_invoice_id: r.reference_invoice_id,
            reference_number: r.reference_number,
            invoice_date: r.invoice_date,
            currency: r.currency,
            subtotal: from_e4(r.subtotal_e4),
            charges: from_e4(r.charges_e4),
            allowances: from_e4(r.allowances_e4),
            tax: from_e4(r.tax_e4),
            total: from_e4(r.total_e4),
            state: parse("invoice state", &r.state, InvoiceState::parse)?,
            open_disputes: r.open_disputes,
            payment_term: r.payment_term,
            terms_version: r.terms_version,
            due_date: r.due_date,
            discount_deadline: r.discount_deadline,
            channel: parse("channel", &r.channel, Channel::parse)?,
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
            matched_at: r.matched_at,
            approved_at: r.approved_at,
            paid_at: r.paid_at,
            updated_at: r.updated_at,
        })
    }
}

fn values(i: &Invoice) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        i.id.into(),
        i.tenant.0.into(),
        i.vendor_code.clone().into(),
        i.number.clone().into(),
        i.invoice_type.as_str().into(),
        i.po_id.into(),
        i.po_number.clone().into(),
        i.reference_invoice_id.into(),
        i.reference_number.clone().into(),
        i.invoice_date.into(),
        i.currency.clone().into(),
        e4(i.subtotal)?.into(),
        e4(i.charges)?.into(),
        e4(i.allowances)?.into(),
        e4(i.tax)?.into(),
        e4(i.total)?.into(),
        i.state.as_str().into(),
        i.open_disputes.into(),
        i.payment_term.clone().into(),
        i.terms_version.into(),
        i.due_date.into(),
        i.discount_deadline.into(),
        i.channel.as_str().into(),
        i.submitted_by.clone().into(),
        i.submitted_at.into(),
        i.matched_at.into(),
        i.approved_at.into(),
        i.paid_at.into(),
        i.updated_at.into(),
        i.submitted_at.into(),
    ])
}

const LINE_COLS: [&str; 15] = [
    "tenant_id",
    "invoice_id",
    "line_no",
    "po_id",
    "po_line_no",
    "item_id",
    "vendor_sku",
    "gtin",
    "title",
    "quantity",
    "unit_cost_e4",
    "amount_e4",
    "outcome",
    "match_json",
    "matched_at",
];

#[derive(FromQueryResult)]
struct LineRow {
    invoice_id: Uuid,
    line_no: i64,
    po_line_no: i64,
    item_id: Uuid,
    vendor_sku: String,
    gtin: String,
    title: String,
    quantity: i64,
    unit_cost_e4: i64,
    amount_e4: i64,
    match_json: Option<String>,
}

impl TryFrom<LineRow> for InvoiceLine {
    type Error = StoreError;
    fn try_from(r: LineRow) -> Result<InvoiceLine, StoreError> {
        let matched = r
            .match_json
            .map(|j| {
                serde_json::from_str::<MatchResult>(&j).map_err(|e| StoreError::corrupt(format!("match of invoice line {}/{}: {e}", r.invoice_id, r.line_no)))
            })
            .transpose()?;
        Ok(InvoiceLine {
            invoice_id: r.invoice_id,
            line_no: r.line_no,
            po_line_no: r.po_line_no,
            item_id: r.item_id,
            vendor_sku: r.vendor_sku,
            gtin: r.gtin,
            title: r.title,
            quantity: r.quantity,
            unit_cost: from_e4(r.unit_cost_e4),
            amount: from_e4(r.amount_e4),
            matched,
        })
    }
}

fn match_values(m: Option<&MatchResult>, at: Option<DateTime<Utc>>) -> (SimpleExpr, SimpleExpr, SimpleExpr) {
    (m.map(|m| m.outcome.as_str()).into(), m.map(|m| serde_json::to_string(m).unwrap_or_default()).into(), at.into())
}

/// Inserts an invoice with its lines and adjustments. A number already used by the vendor code is a
/// [`StoreError::Retry`]: the use case re-checks and refuses it as a duplicate.
pub async fn insert(c: &impl ConnectionTrait, inv: &Invoice, lines: &[InvoiceLine], adjustments: &[Adjustment]) -> Result<(), StoreError> {
    let header = Query::insert().into_table("invoices").columns(cols().iter().copied()).values_panic(values(inv)?).to_owned();
    if let Err(e) = c.execute(&header).await {
        return Err(if is_unique_violation(&e) { StoreError::Retry(format!("invoice number {} taken concurrently", inv.number)) } else { e.into() });
    }
    if !lines.is_empty() {
        let mut q = Query::insert().into_table("invoice_lines").columns(LINE_COLS).to_owned();
        for l in lines {
            let (outcome, json, at) = match_values(l.matched.as_ref(), None);
            q.values_panic([
                inv.tenant.0.into(),
                inv.id.into(),
                l.line_no.into(),
                inv.po_id.into(),
                l.po_line_no.into(),
                l.item_id.into(),
                l.vendor_sku.clone().into(),
                l.gtin.clone().into(),
                l.title.clone().into(),
                l.quantity.into(),
                e4(l.unit_cost)?.into(),
                e4(l.amount)?.into(),
                outcome,
                json,
                at,
            ]);
        }
        c.execute(&q).await?;
    }
    if !adjustments.is_empty() {
        let mut q = Query::insert()
            .into_table("invoice_adjustments")
            .columns(["tenant_id", "invoice_id", "seq", "kind", "code", "description", "amount_e4"])
            .to_owned();
        for (i, a) in adjustments.iter().enumerate() {
            q.values_panic([
                inv.tenant.0.into(),
                inv.id.into(),
                (i as i64 + 1).into(),
                a.kind.as_str().into(),
                a.code.clone().into(),
                a.description.clone().into(),
                e4(a.amount)?.into(),
            ]);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// Writes the header's mutable fields if it is still as read at `read_at`; else [`StoreError::Retry`].
pub async fn update(c: &impl ConnectionTrait, inv: &Invoice, read_at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = Query::update().table("invoices").to_owned();
    for (col, v) in cols().iter().zip(values(inv)?) {
        if matches!(*col, "state" | "open_disputes" | "due_date" | "discount_deadline" | "matched_at" | "approved_at" | "paid_at" | "updated_at") {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("tenant_id").eq(inv.tenant.0)).and_where(Expr::col("id").eq(inv.id)).and_where(Expr::col("updated_at").eq(read_at));
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("invoice {} changed concurrently", inv.number)));
    }
    Ok(())
}

/// Records a line's latest match.
pub async fn set_line_match(
    c: &impl ConnectionTrait,
    tenant: TenantId,
    invoice: Uuid,
    line_no: i64,
    m: &MatchResult,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (outcome, json, at) = match_values(Some(m), Some(at));
    c.execute(
        &Query::update()
            .table("invoice_lines")
            .value("outcome", outcome)
            .value("match_json", json)
            .value("matched_at", at)
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("invoice_id").eq(invoice))
            .and_where(Expr::col("line_no").eq(line_no))
            .to_owned(),
    )
    .await?;
    Ok(())
}

fn select() -> SelectStatement {
    Query::select().columns(read_cols().iter().copied()).from("invoices").to_owned()
}

async fn fetch(c: &impl ConnectionTrait, q: &SelectStatement) -> Result<Vec<Invoice>, StoreError> {
    fetch_all::<InvoiceRow>(c, q).await?.into_iter().map(Invoice::try_from).collect()
}

/// An invoice by id; `tenant` None reads any tenant's (retailer side).
pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Invoice>, StoreError> {
    let mut q = select().and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<InvoiceRow>(c, &q).await?.map(Invoice::try_from).transpose()
}

/// The invoice a vendor code issued under this number.
pub async fn by_number(c: &impl ConnectionTrait, vendor_code: &str, number: &str) -> Result<Option<Invoice>, StoreError> {
    let q = select().and_where(Expr::col("vendor_code").eq(vendor_code)).and_where(Expr::col("number").eq(number)).to_owned();
    fetch_one::<InvoiceRow>(c, &q).await?.map(Invoice::try_from).transpose()
}

/// What invoice lists filter by.
#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub tenant: Option<TenantId>,
    pub state: Option<InvoiceState>,
    pub vendor_code: Option<String>,
    pub po_id: Option<Uuid>,
    pub number: Option<String>,
    pub invoice_type: Option<InvoiceType>,
}

/// One page of invoices in `(created_at, id)` order.
pub async fn list(c: &impl ConnectionTrait, f: &InvoiceFilter, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Invoice>, StoreError> {
    let mut q = select();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = f.state {
        q.and_where(Expr::col("state").eq(s.as_str()));
    }
    if let Some(v) = &f.vendor_code {
        q.and_where(Expr::col("vendor_code").eq(v.as_str()));
    }
    if let Some(p) = f.po_id {
        q.and_where(Expr::col("po_id").eq(p));
    }
    if let Some(n) = &f.number {
        q.and_where(Expr::col("number").eq(n.as_str()));
    }
    if let Some(t) = f.invoice_type {
        q.and_where(Expr::col("invoice_type").eq(t.as_str()));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch(c, &q).await
}

/// Invoices of a PO (any state), oldest first.
pub async fn for_po(c: &impl ConnectionTrait, tenant: TenantId, po: Uuid) -> Result<Vec<Invoice>, StoreError> {
    let q = select().and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col("po_id").eq(po)).order_by("created_at", Order::Asc).to_owned();
    fetch(c, &q).await
}

/// Invoices the match job must look at (submitted, being matched, waiting for receipts), oldest first.
pub async fn awaiting_match(c: &impl ConnectionTrait, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Invoice>, StoreError> {
    let waiting = [InvoiceState::Submitted, InvoiceState::Matching, InvoiceState::PendingReceipt].map(|s| s.as_str());
    let mut q = select().and_where(Expr::col("state").is_in(waiting)).to_owned();
    keyset(&mut q, after, limit, "created_at", "id");
    fetch(c, &q).await
}

/// Approved invoices (not credit notes) of a currency, for a payment run: oldest due first.
pub async fn approved(c: &impl ConnectionTrait, currency: &str) -> Result<Vec<Invoice>, StoreError> {
    let q = select()
        .and_where(Expr::col("state").eq(InvoiceState::Approved.as_str()))
        .and_where(Expr::col("currency").eq(currency))
        .order_by("due_date", Order::Asc)
        .order_by("created_at", Order::Asc)
        .to_owned();
    fetch(c, &q).await
}

pub async fn lines(c: &impl ConnectionTrait, tenant: TenantId, invoice: Uuid) -> Result<Vec<InvoiceLine>, StoreError> {
    let q = Query::select()
        .columns(LINE_COLS)
        .from("invoice_lines")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("invoice_id").eq(invoice))
        .order_by("line_no", Order::Asc)
        .to_owned();
    fetch_all::<LineRow>(c, &q).await?.into_iter().map(InvoiceLine::try_from).collect()
}

pub async fn adjustments(c: &impl ConnectionTrait, tenant: TenantId, invoice: Uuid) -> Result<Vec<Adjustment>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        kind: String,
        code: String,
        description: Option<String>,
        amount_e4: i64,
    }
    let q = Query::select()
        .columns(["kind", "code", "description", "amount_e4"])
        .from("invoice_adjustments")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("invoice_id").eq(invoice))
        .order_by("seq", Order::Asc)
        .to_owned();
    fetch_all::<R>(c, &q)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Adjustment {
                kind: parse("adjustment kind", &r.kind, AdjustmentKind::parse)?,
                code: r.code,
                description: r.description,
                amount: from_e4(r.amount_e4),
            })
        })
        .collect()
}

/// Eaches of each line of a PO on live invoices (not cancelled), credit notes subtracted, leaving
/// out one invoice (the one being rematched or edited) when given.
pub async fn invoiced_per_line(c: &impl ConnectionTrait, tenant: TenantId, po: Uuid, except: Option<Uuid>) -> Result<HashMap<i64, i64>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        po_line_no: i64,
        invoice_type: String,
        quantity: i64,
    }
    let mut q = Query::select()
        .column(("invoice_lines", "po_line_no"))
        .column(("invoices", "invoice_type"))
        .expr_as(Func::cast_as(Func::sum(Expr::col(("invoice_lines", "quantity"))), "BIGINT"), "quantity")
        .from("invoice_lines")
        .inner_join("invoices", Expr::col(("invoices", "id")).equals(("invoice_lines", "invoice_id")))
        .and_where(Expr::col(("invoice_lines", "tenant_id")).eq(tenant.0))
        .and_where(Expr::col(("invoice_lines", "po_id")).eq(po))
        .and_where(Expr::col(("invoices", "state")).ne(InvoiceState::Cancelled.as_str()))
        .group_by_col(("invoice_lines", "po_line_no"))
        .group_by_col(("invoices", "invoice_type"))
        .to_owned();
    if let Some(id) = except {
        q.and_where(Expr::col(("invoices", "id")).ne(id));
    }
    let mut out = HashMap::new();
    for r in fetch_all::<R>(c, &q).await? {
        let sign = if r.invoice_type == InvoiceType::CreditNote.as_str() { -1 } else { 1 };
        *out.entry(r.po_line_no).or_insert(0) += sign * r.quantity;
    }
    Ok(out)
}

pub async fn add_event(c: &impl ConnectionTrait, tenant: TenantId, e: &InvoiceEvent) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("invoice_events")
            .columns(["tenant_id", "invoice_id", "seq", "state", "summary", "actor", "at"])
            .values_panic([
                tenant.0.into(),
                e.invoice_id.into(),
                e.seq.into(),
                e.state.as_str().into(),
                e.summary.clone().into(),
                e.actor.clone().into(),
                e.at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// The invoice's timeline, oldest first.
pub async fn events(c: &impl ConnectionTrait, tenant: TenantId, invoice: Uuid) -> Result<Vec<InvoiceEvent>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        invoice_id: Uuid,
        seq: i64,
        state: String,
        summary: String,
        actor: String,
        at: DateTime<Utc>,
    }
    let q = Query::select()
        .columns(["invoice_id", "seq", "state", "summary", "actor", "at"])
        .from("invoice_events")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("invoice_id").eq(invoice))
        .order_by("seq", Order::Asc)
        .to_owned();
    fetch_all::<R>(c, &q)
        .await?
        .into_iter()
        .map(|r| {
            Ok(InvoiceEvent {
                invoice_id: r.invoice_id,
                seq: r.seq,
                state: parse("invoice state", &r.state, InvoiceState::parse)?,
                summary: r.summary,
                actor: r.actor,
                at: r.at,
            })
        })
        .collect()
}

/// The next timeline sequence number of an invoice.
pub async fn next_event_seq(c: &impl ConnectionTrait, tenant: TenantId, invoice: Uuid) -> Result<i64, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        n: Option<i64>,
    }
    let q = Query::select()
        .expr_as(Func::cast_as(Func::max(Expr::col("seq")), "BIGINT"), "n")
        .from("invoice_events")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("invoice_id").eq(invoice))
        .to_owned();
    Ok(fetch_one::<R>(c, &q).await?.and_then(|r| r.n).unwrap_or(0) + 1)
}
