//! Invoices: the vendor fills one from a PO and what shipped ("flip"), edits it within the rules and
//! submits it (portal, API or CSV); ACORN refuses it with every reason at once or stores it and
//! matches it at once (see [`crate::matching`]). Due dates and early-pay discounts come from the terms
//! in force on the invoice date.

use crate::authz::{list_scope, require, require_object};
use crate::terms::terms_on;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::Deduction;
use acorn_domain::events::Audience;
use acorn_domain::ids::new_id;
use acorn_domain::invoices::*;
use acorn_domain::money;
use acorn_domain::orders::{Channel, PoLine, PurchaseOrder};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::payments;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo::deductions::DeductionFilter;
use acorn_store::repo::invoices::InvoiceFilter;
use acorn_store::{ConnectionTrait, repo};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Lines per invoice at most (a PO has at most 2,000).
pub const MAX_LINES: usize = 2000;

/// An invoice as entered. Text fields are parsed here so the form, the API and the CSV upload share
/// one set of checks and messages.
#[derive(Clone, Debug, Default)]
pub struct NewInvoice {
    pub number: String,
    /// Blank: today.
    pub invoice_date: String,
    pub po_number: String,
    /// Blank: the PO's currency.
    pub currency: String,
    pub lines: Vec<NewInvoiceLine>,
    pub adjustments: Vec<NewAdjustment>,
    /// The total the vendor's own system computed, checked against ours when given.
    pub total: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewInvoiceLine {
    /// The PO line, when known; otherwise the line is found by `item`.
    pub po_line_no: Option<i64>,
    /// Vendor SKU, GTIN or retailer item id.
    pub item: String,
    /// Eaches.
    pub quantity: i64,
    /// Net cost per each.
    pub unit_cost: String,
}

#[derive(Clone, Debug, Default)]
pub struct NewAdjustment {
    /// `charge`, `allowance` or `tax`.
    pub kind: String,
    /// A charge, allowance or tax type (`Freight`, `Promotional`, `VAT`…).
    pub code: String,
    pub description: Option<String>,
    pub amount: String,
}

/// The invoice the vendor starts from: the PO's shipped, not yet invoiced units at the acknowledged cost.
#[derive(Clone, Debug, Serialize)]
pub struct InvoiceTemplate {
    pub po: PurchaseOrder,
    pub lines: Vec<FlipLine>,
    pub currency: String,
    /// The payment term in force today (what a new invoice would get).
    pub payment_term: String,
}

/// An invoice with everything its page and the API show.
#[derive(Clone, Debug, Serialize)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    /// The state the vendor sees (`disputed` over the stored state while a dispute is open).
    pub shown_state: InvoiceState,
    pub lines: Vec<InvoiceLine>,
    pub adjustments: Vec<Adjustment>,
    pub timeline: Vec<InvoiceEvent>,
    /// Claims raised by the match, and any other deduction linked to the invoice.
    pub deductions: Vec<Deduction>,
}

/// What the invoice checks need from a PO.
pub(crate) struct PoFacts {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    /// The latest acknowledgement's cost per line.
    pub ack_costs: HashMap<i64, Decimal>,
    /// The day the last receipt of the PO was closed (None: nothing received yet).
    pub last_receipt: Option<NaiveDate>,
    /// Whether no more receipts are expected: the PO is closed, or every ASN of it was received or cancelled.
    pub receipts_complete: bool,
}

pub(crate) async fn po_facts(c: &impl ConnectionTrait, po: PurchaseOrder) -> Result<PoFacts, ServiceError> {
    let lines = repo::orders::lines(c, po.tenant, po.id).await?;
    let acks = repo::orders::acks(c, po.tenant, po.id).await?;
    let ack_costs = acks.last().map(|a| a.lines.iter().map(|l| (l.line_no, l.net_cost)).collect()).unwrap_or_default();
    let shipments = repo::shipments::headers_for_pos(c, po.tenant, &[po.id]).await?;
    use acorn_domain::shipments::ShipmentStatus as S;
    let in_transit = shipments.iter().any(|h| !matches!(h.shipment.status, S::Received | S::Cancelled));
    let mut last_receipt = None;
    for h in &shipments {
        if let Some(r) = repo::dock::receipt_of(c, po.tenant, h.shipment.id).await?
            && let Some(closed) = r.closed_at
        {
            last_receipt = last_receipt.max(Some(closed.date_naive()));
        }
    }
    let receipts_complete = po.closed_at.is_some() || (!shipments.is_empty() && !in_transit);
    Ok(PoFacts { po, lines, ack_costs, last_receipt, receipts_complete })
}

pub(crate) fn parse_date(input: &str, field: &str, issues: &mut Vec<FieldIssue>) -> Option<NaiveDate> {
    if input.trim().is_empty() {
        return Some(now().date_naive());
    }
    match crate::orders::parse_date(input) {
        Ok(d) => Some(d),
        Err(e) => {
            issues.push(FieldIssue::new(field, e));
            None
        }
    }
}

/// Parses the adjustments, naming each by its position.
pub(crate) fn parse_adjustments(input: &[NewAdjustment], currency: &str, issues: &mut Vec<FieldIssue>) -> Vec<Adjustment> {
    let mut out = Vec::new();
    for (i, a) in input.iter().enumerate() {
        let field = |f: &str| format!("adjustments[{}].{f}", i + 1);
        let Some(kind) = AdjustmentKind::parse(a.kind.trim()) else {
            issues.push(FieldIssue::new(field("kind"), AdjustmentKind::parse_or_explain(&a.kind).err().unwrap_or_default()));
            continue;
        };
        let amount = match money::parse_amount(&a.amount, false) {
            Ok(v) => v,
            Err(e) => {
                issues.push(FieldIssue::new(field("amount"), e));
                continue;
            }
        };
        match check_adjustment(&Adjustment { kind, code: a.code.clone(), description: a.description.clone(), amount }, currency) {
            Ok(adj) => out.push(adj),
            Err((f, e)) => issues.push(FieldIssue::new(field(f), e)),
        }
    }
    out
}

impl Services {
    /// The invoice template of a PO.
    pub async fn invoice_template(&self, ctx: &Ctx, po_id: Uuid) -> Result<InvoiceTemplate, ServiceError> {
        require(ctx, Area::Invoices, Access::Read)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), po_id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        require_object(ctx, Area::Invoices, Access::Read, po.tenant, "purchase order")?;
        let invoiced = repo::invoices::invoiced_per_line(&self.db.conn, po.tenant, po.id, None).await?;
        let facts = po_facts(&self.db.conn, po).await?;
        let terms = terms_on(&self.db.conn, facts.po.tenant, now().date_naive()).await?;
        Ok(InvoiceTemplate {
            lines: flip(&facts.lines, &facts.ack_costs, &invoiced),
            currency: facts.po.currency.clone(),
            payment_term: terms.terms.payment.label(),
            po: facts.po,
        })
    }

    /// Submits an invoice. Refused — nothing stored — with every reason at once (DOMAIN.md), else stored
    /// as `submitted` and matched straight away.
    pub async fn submit_invoice(&self, ctx: &Ctx, input: NewInvoice, channel: Channel) -> Result<InvoiceDetail, ServiceError> {
        let p = self.prepare_invoice(ctx, &input, &default_namer).await?;
        self.refuse_portal_when_edi_live(ctx.principal.tenant(), channel).await?;
        let p = &p;
        let invoice = self.mutate(ctx, |tx| async move { write_invoice(tx.c(), ctx, p, channel).await }).await?;
        self.match_invoice(invoice.id).await?;
        self.invoice(ctx, invoice.id).await
    }

    /// Parses and checks what can be checked before the transaction; the PO must be the principal's.
    pub(crate) async fn prepare_invoice(&self, ctx: &Ctx, input: &NewInvoice, name: FieldNamer<'_>) -> Result<PreparedInvoice, ServiceError> {
        require(ctx, Area::Invoices, Access::Write)?;
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Rejected { code: "vendor_only", message: "invoices are submitted by the vendor".into() });
        }
        let mut issues = Vec::new();
        let number = invoice_number(&input.number).map_err(|e| issues.push(FieldIssue::new(name(None, "number"), e))).ok();
        let invoice_date = parse_date(&input.invoice_date, &name(None, "invoice_date"), &mut issues);
        if input.lines.len() > MAX_LINES {
            issues.push(FieldIssue::new(name(None, "lines"), format!("has {} lines; at most {MAX_LINES} are allowed", input.lines.len())));
        }
        let po_number = input.po_number.trim().to_uppercase();
        let Some(po) = repo::orders::by_number(&self.db.conn, list_scope(ctx), &po_number).await? else {
            issues.push(FieldIssue::new(name(None, "po_number"), format!("no purchase order {po_number} of yours")));
            return Err(ServiceError::Invalid(issues));
        };
        require_object(ctx, Area::Invoices, Access::Write, po.tenant, "purchase order")?;
        let currency = if input.currency.trim().is_empty() { po.currency.clone() } else { input.currency.trim().to_uppercase() };
        let adjustments = parse_adjustments(&input.adjustments, &currency, &mut issues);
        let mut drafts = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            match money::parse_amount(&l.unit_cost, false) {
                Ok(unit_cost) => drafts.push(DraftLine { row: i + 1, po_line_no: l.po_line_no, item: l.item.clone(), quantity: l.quantity, unit_cost }),
                Err(e) => issues.push(FieldIssue::new(name(Some(i + 1), "unit_cost"), e)),
            }
        }
        let declared = match input.total.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => money::parse_amount(t, false).map_err(|e| issues.push(FieldIssue::new(name(None, "total"), e))).ok(),
            None => None,
        };
        Ok(PreparedInvoice {
            number,
            invoice_date,
            po,
            currency,
            adjustments,
            drafts,
            declared,
            issues,
            rows: (1..=input.lines.len()).map(|i| name(Some(i), "")).collect(),
        })
    }

    pub async fn invoice(&self, ctx: &Ctx, id: Uuid) -> Result<InvoiceDetail, ServiceError> {
        require(ctx, Area::Invoices, Access::Read)?;
        let invoice = repo::invoices::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("invoice"))?;
        require_object(ctx, Area::Invoices, Access::Read, invoice.tenant, "invoice")?;
        let c = &self.db.conn;
        let lines = repo::invoices::lines(c, invoice.tenant, id).await?;
        let adjustments = repo::invoices::adjustments(c, invoice.tenant, id).await?;
        let timeline = repo::invoices::events(c, invoice.tenant, id).await?;
        let deductions = repo::deductions::all(c, &DeductionFilter { tenant: Some(invoice.tenant), invoice_id: Some(id), ..Default::default() }).await?;
        Ok(InvoiceDetail { shown_state: invoice.shown_state(), invoice, lines, adjustments, timeline, deductions })
    }

    /// Invoices the principal may see, a page at a time.
    pub async fn list_invoices(&self, ctx: &Ctx, mut filter: InvoiceFilter, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<Invoice>, ServiceError> {
        require(ctx, Area::Invoices, Access::Read)?;
        filter.tenant = list_scope(ctx);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::invoices::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |i| Cursor { created_at: i.submitted_at, id: i.id }))
    }
}

/// How issues are named: the form and API say `lines[2].quantity`, the CSV upload `row 7, quantity`.
/// Called with the 1-based line (None for the header) and the field; an empty field names the line itself.
pub(crate) type FieldNamer<'a> = &'a (dyn Fn(Option<usize>, &str) -> String + Sync);

fn default_namer(line: Option<usize>, field: &str) -> String {
    match (line, field) {
        (Some(i), "") => format!("lines[{i}]"),
        (Some(i), f) => format!("lines[{i}].{f}"),
        (None, f) => f.to_string(),
    }
}

/// An invoice parsed and checked as far as it can be outside the transaction.
pub(crate) struct PreparedInvoice {
    number: Option<String>,
    invoice_date: Option<NaiveDate>,
    po: PurchaseOrder,
    currency: String,
    adjustments: Vec<Adjustment>,
    drafts: Vec<DraftLine>,
    declared: Option<Decimal>,
    /// Issues found so far (reported with the refusals found in the transaction).
    issues: Vec<FieldIssue>,
    /// The name of each line (`lines[2]`, `row 7`), to rename the domain's refusals.
    rows: Vec<String>,
}

/// Checks a prepared invoice against the PO and what was shipped and invoiced, and stores it as
/// `submitted`, inside the caller's transaction. Refusals come back as `Invalid`, every one of them.
pub(crate) async fn write_invoice(c: &impl ConnectionTrait, ctx: &Ctx, p: &PreparedInvoice, channel: Channel) -> Result<(Invoice, Change), ServiceError> {
    let mut issues = p.issues.clone();
    let at = now();
    let po = &p.po;
    let currency = &p.currency;
    let facts = po_facts(c, po.clone()).await?;
    let invoiced = repo::invoices::invoiced_per_line(c, po.tenant, po.id, None).await?;
    let line_facts: Vec<LineFacts> =
        facts.lines.iter().map(|l| LineFacts { line: l.clone(), invoiced_elsewhere: invoiced.get(&l.line_no).copied().unwrap_or(0) }).collect();
    let mut refusals = Vec::new();
    if let Some(n) = &p.number
        && repo::invoices::by_number(c, &po.vendor_code, n).await?.is_some()
    {
        refusals.push(Refusal::DuplicateNumber { number: n.clone(), vendor_code: po.vendor_code.clone() });
    }
    if *currency != po.currency {
        refusals.push(Refusal::CurrencyMismatch { currency: currency.clone(), po_currency: po.currency.clone() });
    }
    let resolved = match check_invoice_lines(&p.drafts, &line_facts, currency) {
        Ok(r) => r,
        Err(r) => {
            refusals.extend(r);
            Vec::new()
        }
    };
    let amounts: Vec<Decimal> = p.drafts.iter().map(|d| money::checked_extend(d.quantity.max(0), d.unit_cost).unwrap_or_default()).collect();
    let totals = totals(amounts.iter().copied(), &p.adjustments, currency);
    if let Some(declared) = p.declared
        && money::round_ledger(declared, currency) != totals.total
    {
        refusals.push(Refusal::TotalMismatch { declared: money::format_amount(declared, currency), computed: money::format_amount(totals.total, currency) });
    }
    for r in &refusals {
        // The domain names lines `lines[i].field`; the submission may name them otherwise (CSV rows).
        let field = r.field();
        let field = match field.strip_prefix("lines[").and_then(|rest| rest.split_once("].")) {
            Some((i, f)) => match i.parse::<usize>().ok().and_then(|i| p.rows.get(i - 1)) {
                Some(row) if row.starts_with("lines[") => field.clone(),
                Some(row) => format!("{row}{f}"),
                None => field.clone(),
            },
            None => field.clone(),
        };
        // One message per cell: a value already reported as unreadable is not refused again.
        if !p.issues.iter().any(|i| i.field == field) {
            issues.push(FieldIssue::new(field, r.to_string()));
        }
    }
    let (Some(number), Some(invoice_date), true) = (p.number.clone(), p.invoice_date, issues.is_empty()) else {
        return Err(ServiceError::Invalid(issues));
    };
    let terms = terms_on(c, po.tenant, invoice_date).await?;
    let term = &terms.terms.payment;
    let id = new_id();
    let invoice = Invoice {
        id,
        tenant: po.tenant,
        vendor_code: po.vendor_code.clone(),
        number,
        invoice_type: InvoiceType::Invoice,
        po_id: po.id,
        po_number: po.number.clone(),
        reference_invoice_id: None,
        reference_number: None,
        invoice_date,
        currency: currency.clone(),
        subtotal: totals.subtotal,
        charges: totals.charges,
        allowances: totals.allowances,
        tax: totals.tax,
        total: totals.total,
        state: InvoiceState::Submitted,
        open_disputes: 0,
        payment_term: term.label(),
        terms_version: terms.version,
        due_date: payments::due_date(term, invoice_date, facts.last_receipt),
        discount_deadline: payments::discount_deadline(term, invoice_date, facts.last_receipt),
        channel,
        submitted_by: ctx.principal.actor(),
        submitted_at: at,
        matched_at: None,
        approved_at: None,
        paid_at: None,
        updated_at: at,
    };
    let lines: Vec<InvoiceLine> = p
        .drafts
        .iter()
        .zip(&resolved)
        .zip(&amounts)
        .enumerate()
        .map(|(i, ((d, f), amount))| InvoiceLine {
            invoice_id: id,
            line_no: i as i64 + 1,
            po_line_no: f.line.line_no,
            item_id: f.line.item_id,
            vendor_sku: f.line.vendor_sku.clone(),
            gtin: f.line.gtin.clone(),
            title: f.line.title.clone(),
            quantity: d.quantity,
            unit_cost: d.unit_cost,
            amount: *amount,
            matched: None,
        })
        .collect();
    repo::invoices::insert(c, &invoice, &lines, &p.adjustments).await?;
    let summary = format!("Invoice {} for PO {} submitted: {}", invoice.number, invoice.po_number, money::format_amount(invoice.total, currency));
    timeline(c, ctx, &invoice, &summary).await?;
    let change = Change::new(invoice.tenant, "invoice.submitted", "invoice", invoice.id).after(&invoice).event(
        "invoice.submitted",
        summary,
        format!("/invoices/{}", invoice.id),
        Audience::Retailer,
        serde_json::json!({"number": invoice.number, "po_number": invoice.po_number, "total": invoice.total}),
    );
    Ok((invoice, change))
}

/// Appends the invoice's current state to its timeline.
pub(crate) async fn timeline(c: &impl ConnectionTrait, ctx: &Ctx, invoice: &Invoice, summary: &str) -> Result<(), ServiceError> {
    let seq = repo::invoices::next_event_seq(c, invoice.tenant, invoice.id).await?;
    let e = InvoiceEvent { invoice_id: invoice.id, seq, state: invoice.state, summary: summary.into(), actor: ctx.principal.actor(), at: invoice.updated_at };
    repo::invoices::add_event(c, invoice.tenant, &e).await?;
    Ok(())
}
