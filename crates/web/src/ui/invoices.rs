//! Invoices in the portal: the index (filters, keyset paging, CSV export, the shown state chip with
//! `disputed` over the stored state) with the invoice aging summary for both sides; the "flip" that
//! turns a PO into an invoice (lines from what shipped and is not yet invoiced, charges, allowances and
//! tax, every refusal shown at once on its field or row); the invoice page (header, lines with their
//! match outcome and the numbers compared, adjustments, its credit notes or, for a credit note, the
//! invoice it credits, the claims raised, the timeline of states) and its one-page PDF; the credit note
//! form (units of the invoice's lines, charges, allowances and tax, refusals on their rows as in the
//! flip). Also the presentation helpers the finance pages share.

use super::forms::{self, FieldErrors, FormData};
use super::lists::{self, Links};
use super::orders::{self, merge, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::shipments::{bare, named, remap, whole};
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::deductions::{DeductionKind, DeductionStatus};
use acorn_domain::invoices::{AdjustmentKind, AllowanceType, ChargeType, Invoice, InvoiceState, InvoiceType, TaxType};
use acorn_domain::matching::{CostSource, LineOutcome, MatchRule};
use acorn_domain::money;
use acorn_domain::orders::{Channel, PoFilter};
use acorn_domain::payments::AgingBucket;
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use acorn_service::credit_notes::NewCreditNote;
use acorn_service::invoices::{InvoiceDetail, InvoiceTemplate, NewAdjustment, NewInvoice, NewInvoiceLine};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::invoices::InvoiceFilter;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

/// Invoices per index page.
const PAGE_SIZE: u64 = 50;
/// Charge, allowance and tax rows the flip form starts with, and how many "add rows" adds.
const ADJ_STEP: usize = 3;
/// Adjustment rows the form offers at most.
const MAX_ADJ: usize = 30;
/// Invoices per look-up when a page gathers all of a kind (an invoice's credit notes).
const MAX_LIST: u64 = 500;

// ---------------------------------------------------------------------------------------------
// Presentation helpers shared by the finance pages (invoices, deductions, payments, terms).

/// An amount with its currency, never rounded: "1234.50 USD".
pub(crate) fn money_of(amount: Decimal, currency: &str) -> String {
    orders::amount(money::format_amount(amount, currency), currency)
}

pub(crate) fn state_badge(s: InvoiceState) -> Badge {
    let (key, class) = match s {
        InvoiceState::Submitted => ("inv.state.submitted", "badge-info"),
        InvoiceState::Matching => ("inv.state.matching", "badge-info"),
        InvoiceState::PendingReceipt => ("inv.state.pending_receipt", "badge-warning"),
        InvoiceState::Approved => ("inv.state.approved", "badge-success"),
        InvoiceState::Scheduled => ("inv.state.scheduled", "badge-info"),
        InvoiceState::Paid => ("inv.state.paid", "badge-success"),
        InvoiceState::PartiallyPaid => ("inv.state.partially_paid", "badge-warning"),
        InvoiceState::Deducted => ("inv.state.deducted", "badge-warning"),
        InvoiceState::Disputed => ("inv.state.disputed", "badge-warning"),
        InvoiceState::Cancelled => ("inv.state.cancelled", "badge-neutral"),
    };
    Badge { key, class }
}

pub(crate) fn outcome_badge(o: LineOutcome) -> Badge {
    match o {
        LineOutcome::Matched => Badge { key: "match.outcome.matched", class: "badge-success" },
        LineOutcome::PendingReceipt => Badge { key: "match.outcome.pending_receipt", class: "badge-warning" },
        LineOutcome::Shortage => Badge { key: "match.outcome.shortage", class: "badge-critical" },
        LineOutcome::PriceVariance => Badge { key: "match.outcome.price_variance", class: "badge-critical" },
    }
}

pub(crate) fn rule_key(r: MatchRule) -> &'static str {
    match r {
        MatchRule::WithinTolerance => "match.rule.within_tolerance",
        MatchRule::UnderInvoiced => "match.rule.under_invoiced",
        MatchRule::AwaitingReceipts => "match.rule.awaiting_receipts",
        MatchRule::QuantityOverReceived => "match.rule.quantity_over_received",
        MatchRule::CostOverBasis => "match.rule.cost_over_basis",
        MatchRule::QuantityAndCost => "match.rule.quantity_and_cost",
    }
}

pub(crate) fn kind_key(k: DeductionKind) -> &'static str {
    match k {
        DeductionKind::Shortage => "ded.kind.shortage",
        DeductionKind::PriceClaim => "ded.kind.price_claim",
        DeductionKind::Chargeback => "ded.kind.chargeback",
        DeductionKind::Coop => "ded.kind.coop",
        DeductionKind::FreightAllowance => "ded.kind.freight_allowance",
        DeductionKind::DamageAllowance => "ded.kind.damage_allowance",
        DeductionKind::DealFunding => "ded.kind.deal_funding",
        DeductionKind::ReturnDebit => "ded.kind.return_debit",
    }
}

pub(crate) fn deduction_badge(s: DeductionStatus) -> Badge {
    match s {
        DeductionStatus::Open => Badge { key: "ded.status.open", class: "badge-info" },
        DeductionStatus::Disputed => Badge { key: "ded.status.disputed", class: "badge-warning" },
        DeductionStatus::Recovered => Badge { key: "ded.status.recovered", class: "badge-success" },
        DeductionStatus::Final => Badge { key: "ded.status.final", class: "badge-neutral" },
    }
}

pub(crate) fn adjustment_key(k: AdjustmentKind) -> &'static str {
    match k {
        AdjustmentKind::Charge => "inv.adj.charge",
        AdjustmentKind::Allowance => "inv.adj.allowance",
        AdjustmentKind::Tax => "inv.adj.tax",
    }
}

pub(crate) fn bucket_key(b: AgingBucket) -> &'static str {
    match b {
        AgingBucket::Current => "aging.current",
        AgingBucket::Days1To30 => "aging.1_30",
        AgingBucket::Days31To60 => "aging.31_60",
        AgingBucket::Days61To90 => "aging.61_90",
        AgingBucket::Over90 => "aging.90_plus",
    }
}

fn type_key(t: InvoiceType) -> &'static str {
    match t {
        InvoiceType::Invoice => "inv.type.invoice",
        InvoiceType::CreditNote => "inv.type.credit_note",
    }
}

/// The notice for `?done=…` on the finance pages.
pub(crate) fn notice_key(done: &str) -> &'static str {
    match done {
        "submitted" => "inv.notice.submitted",
        "disputed" => "ded.notice.disputed",
        "decided" => "ded.notice.decided",
        "run" => "pay.notice.run",
        "bank" => "bank.notice.saved",
        "terms" => "terms.notice.added",
        "credited" => "cn.notice.submitted",
        "credited_in_full" => "cn.notice.in_full",
        d => view::notice_key(d),
    }
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|s| !s.is_empty())
}

/// Vendor users with write access to invoices submit them.
pub(crate) fn can_invoice(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Invoices) >= Access::Write
}

fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Invoices) >= Access::Read
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

// ---------------------------------------------------------------------------------------------
// The index.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    vendor_code: String,
    po: String,
    cursor: String,
    done: String,
}

/// The filters as typed (kept in links, the CSV export and the form).
#[derive(Default)]
pub struct Filters {
    state: String,
    vendor_code: String,
    po: String,
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters { state: q.state.trim().to_string(), vendor_code: q.vendor_code.trim().to_uppercase(), po: q.po.trim().to_uppercase() }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("state", self.state.as_str()), ("vendor_code", self.vendor_code.as_str()), ("po", self.po.as_str())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The service filter; a PO number is looked up (an unknown one matches nothing).
    async fn filter(&self, s: &AppState, ctx: &Ctx) -> InvoiceFilter {
        let po_id = match self.po.as_str() {
            "" => None,
            number => {
                let f = PoFilter { number: Some(number.to_string()), ..Default::default() };
                let found = s.services.list_pos(ctx, f, None, Some(20)).await.ok().and_then(|p| p.items.into_iter().find(|po| po.number == number));
                Some(found.map(|po| po.id).unwrap_or(Uuid::nil()))
            }
        };
        InvoiceFilter { tenant: None, state: InvoiceState::parse(&self.state), vendor_code: opt(&self.vendor_code), po_id, number: None, invoice_type: None }
    }
}

pub struct InvoiceRow {
    id: String,
    number: String,
    kind: &'static str,
    po_id: String,
    po_number: String,
    vendor_code: String,
    invoice_date: String,
    due_date: String,
    total: String,
    state: Badge,
}

fn invoice_row(i: &Invoice) -> InvoiceRow {
    InvoiceRow {
        id: i.id.to_string(),
        number: i.number.clone(),
        kind: type_key(i.invoice_type),
        po_id: i.po_id.to_string(),
        po_number: i.po_number.clone(),
        vendor_code: i.vendor_code.clone(),
        invoice_date: i.invoice_date.to_string(),
        due_date: i.due_date.map(|d| d.to_string()).unwrap_or_default(),
        total: money_of(i.total, &i.currency),
        state: state_badge(i.shown_state()),
    }
}

/// One currency's row of the aging summary: a cell per bucket (count and amount).
pub struct AgingView {
    currency: String,
    cells: Vec<(u64, String)>,
    total: String,
}

#[derive(Template)]
#[template(path = "invoices.html")]
struct ListPage {
    t: T,
    shell: Shell,
    f: Filters,
    filtered: bool,
    states: Vec<(&'static str, &'static str)>,
    rows: Vec<InvoiceRow>,
    buckets: Vec<&'static str>,
    aging: Vec<AgingView>,
    next_href: String,
    first_href: String,
    csv_href: String,
    notice: &'static str,
    vendor_side: bool,
}

/// The aging summary by currency, every bucket shown.
fn aging_views(rows: &[acorn_service::payments::AgingRow]) -> Vec<AgingView> {
    let mut currencies: Vec<String> = rows.iter().map(|r| r.currency.clone()).collect();
    currencies.sort();
    currencies.dedup();
    currencies
        .into_iter()
        .map(|cur| {
            let cells = AgingBucket::ALL
                .iter()
                .map(|b| match rows.iter().find(|r| r.bucket == *b && r.currency == cur) {
                    Some(r) => (r.count, money::format_amount(r.amount, &cur)),
                    None => (0, money::format_amount(Decimal::ZERO, &cur)),
                })
                .collect();
            let total: Decimal = rows.iter().filter(|r| r.currency == cur).map(|r| r.amount).sum();
            AgingView { total: money::format_amount(total, &cur), currency: cur, cells }
        })
        .collect()
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let f = Filters::from_query(&lq);
    let cursor = lists::cursor(&lq.cursor);
    let filter = f.filter(&s, &ctx).await;
    let page = match s.services.list_invoices(&ctx, filter, cursor, Some(PAGE_SIZE)).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let aging = match s.services.invoice_aging(&ctx).await {
        Ok(a) => a,
        Err(e) => return server_error(t, e),
    };
    let Links { next_href, first_href, csv_href } = lists::links("/invoices", &f.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        filtered: f.active(),
        // `disputed` is never stored, so it is shown on the rows but not offered as a filter.
        states: InvoiceState::ALL.iter().filter(|st| **st != InvoiceState::Disputed).map(|st| (st.as_str(), state_badge(*st).key)).collect(),
        rows: page.items.iter().map(invoice_row).collect(),
        buckets: AgingBucket::ALL.iter().map(|b| bucket_key(*b)).collect(),
        aging: aging_views(&aging),
        next_href,
        first_href,
        csv_href,
        notice: notice_key(&lq.done),
        vendor_side: !auth.user.is_retailer(),
        f,
        shell,
    })
}

/// Every invoice of the current filter as CSV (all pages).
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let filter = Filters::from_query(&lq).filter(&s, &ctx).await;
    let header = [
        "number",
        "invoice_type",
        "vendor_code",
        "po_number",
        "invoice_date",
        "currency",
        "subtotal",
        "charges",
        "allowances",
        "tax",
        "total",
        "state",
        "shown_state",
        "payment_term",
        "due_date",
        "discount_deadline",
        "channel",
        "submitted_at_utc",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "invoices.csv", &header, |cursor| async move {
        let page = s.services.list_invoices(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let rows = page
            .items
            .iter()
            .map(|i| {
                let m = |v: Decimal| money::format_amount(v, &i.currency);
                vec![
                    i.number.clone(),
                    i.invoice_type.as_str().into(),
                    i.vendor_code.clone(),
                    i.po_number.clone(),
                    i.invoice_date.to_string(),
                    i.currency.clone(),
                    m(i.subtotal),
                    m(i.charges),
                    m(i.allowances),
                    m(i.tax),
                    m(i.total),
                    i.state.as_str().into(),
                    i.shown_state().as_str().into(),
                    i.payment_term.clone(),
                    i.due_date.map(|d| d.to_string()).unwrap_or_default(),
                    i.discount_deadline.map(|d| d.to_string()).unwrap_or_default(),
                    i.channel.as_str().into(),
                    view::iso(i.submitted_at),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The invoice page.

/// A line with its match and the numbers compared.
pub struct LineView {
    no: i64,
    po_line: i64,
    sku: String,
    gtin: String,
    title: String,
    quantity: i64,
    unit_cost: String,
    amount: String,
    outcome: Option<Badge>,
    m: Option<MatchView>,
}

pub struct MatchView {
    rule: &'static str,
    sentence: String,
    invoiced: String,
    received: i64,
    damaged: i64,
    receipts_complete: bool,
    basis: String,
    source: &'static str,
    expected: String,
    delta: String,
    tolerance: String,
    claimed: String,
}

pub struct AdjView {
    kind: &'static str,
    code: String,
    description: String,
    amount: String,
}

pub struct ClaimView {
    id: String,
    number: String,
    kind: &'static str,
    line: String,
    amount: String,
    outstanding: String,
    status: Badge,
}

pub struct EventView {
    at: String,
    at_iso: String,
    state: Badge,
    summary: String,
    actor: String,
}

/// A credit note of the invoice shown.
pub struct CreditNoteView {
    id: String,
    number: String,
    date: String,
    total: String,
    state: Badge,
}

fn credit_note_view(c: &Invoice) -> CreditNoteView {
    CreditNoteView {
        id: c.id.to_string(),
        number: c.number.clone(),
        date: c.invoice_date.to_string(),
        total: money_of(c.total, &c.currency),
        state: state_badge(c.shown_state()),
    }
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    notice: &'static str,
    id: String,
    number: String,
    kind: &'static str,
    /// A credit note: its lines are credited, not matched, and it raises no claims.
    is_credit: bool,
    context: &'static str,
    /// The vendor may credit this invoice: the "Credit note" action.
    can_credit: bool,
    /// For a credit note: the invoice it credits (id, number).
    credits: Option<(String, String)>,
    /// For an invoice: its credit notes.
    credit_notes: Vec<CreditNoteView>,
    state: Badge,
    stored_state: Badge,
    disputed: bool,
    po_id: String,
    po_number: String,
    vendor_code: String,
    invoice_date: String,
    payment_term: String,
    terms_version: i64,
    due_date: String,
    discount_deadline: String,
    currency: String,
    subtotal: String,
    charges: String,
    allowances: String,
    tax: String,
    total: String,
    channel: String,
    submitted: String,
    submitted_by: String,
    lines: Vec<LineView>,
    adjustments: Vec<AdjView>,
    claims: Vec<ClaimView>,
    timeline: Vec<EventView>,
}

fn source_key(s: CostSource) -> &'static str {
    match s {
        CostSource::Po => "match.source.po",
        CostSource::Ack => "match.source.ack",
    }
}

/// What the invoice page shows besides the invoice: the credit notes against it, and whether the
/// reader may add one.
struct Credits {
    notes: Vec<Invoice>,
    can_credit: bool,
}

fn detail_page(shell: Shell, t: T, d: InvoiceDetail, credits: Credits, notice: &'static str) -> DetailPage {
    let i = &d.invoice;
    let is_credit = i.invoice_type == InvoiceType::CreditNote;
    let cur = i.currency.as_str();
    let m = |v: Decimal| money_of(v, cur);
    let unit = |v: Decimal| format!("{} {cur}", v.normalize());
    let lines = d
        .lines
        .iter()
        .map(|l| LineView {
            no: l.line_no,
            po_line: l.po_line_no,
            sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            title: l.title.clone(),
            quantity: l.quantity,
            unit_cost: unit(l.unit_cost),
            amount: m(l.amount),
            outcome: l.outcome().map(outcome_badge),
            m: l.matched.as_ref().map(|r| {
                let e = &r.explanation;
                MatchView {
                    rule: rule_key(e.rule),
                    sentence: r.describe(),
                    invoiced: format!("{} × {} = {}", e.invoiced_quantity, unit(e.invoiced_unit_cost), m(e.invoiced_amount)),
                    received: e.received,
                    damaged: e.damaged,
                    receipts_complete: e.receipts_complete,
                    basis: unit(e.basis_unit_cost),
                    source: source_key(e.cost_source),
                    expected: m(e.expected_amount),
                    delta: m(e.delta),
                    tolerance: format!(
                        "max({}, {}% × {}) = {}",
                        m(e.tolerance_absolute),
                        e.tolerance_percent.normalize(),
                        m(e.tolerance_base),
                        m(e.tolerance_amount)
                    ),
                    claimed: m(r.claimed()),
                }
            }),
        })
        .collect();
    let adjustments = d
        .adjustments
        .iter()
        .map(|a| AdjView { kind: adjustment_key(a.kind), code: a.code.clone(), description: a.description.clone().unwrap_or_default(), amount: m(a.amount) })
        .collect();
    let claims = d
        .deductions
        .iter()
        .map(|c| ClaimView {
            id: c.id.to_string(),
            number: c.number.clone(),
            kind: kind_key(c.kind),
            line: c.invoice_line_no.map(|n| n.to_string()).unwrap_or_default(),
            amount: money_of(c.amount, &c.currency),
            outstanding: money_of(c.outstanding(), &c.currency),
            status: deduction_badge(c.status),
        })
        .collect();
    let timeline = d
        .timeline
        .iter()
        .rev()
        .map(|e| EventView { at: view::when(e.at), at_iso: view::iso(e.at), state: state_badge(e.state), summary: e.summary.clone(), actor: e.actor.clone() })
        .collect();
    DetailPage {
        t,
        shell,
        notice,
        id: i.id.to_string(),
        number: i.number.clone(),
        kind: type_key(i.invoice_type),
        is_credit,
        context: if is_credit { "cn.context" } else { "inv.context" },
        can_credit: credits.can_credit,
        credits: i.reference_invoice_id.filter(|_| is_credit).map(|id| (id.to_string(), i.reference_number.clone().unwrap_or_default())),
        credit_notes: credits.notes.iter().map(credit_note_view).collect(),
        state: state_badge(d.shown_state),
        stored_state: state_badge(i.state),
        disputed: d.shown_state != i.state,
        po_id: i.po_id.to_string(),
        po_number: i.po_number.clone(),
        vendor_code: i.vendor_code.clone(),
        invoice_date: i.invoice_date.to_string(),
        payment_term: i.payment_term.clone(),
        terms_version: i.terms_version,
        due_date: i.due_date.map(|d| d.to_string()).unwrap_or_default(),
        discount_deadline: i.discount_deadline.map(|d| d.to_string()).unwrap_or_default(),
        currency: i.currency.clone(),
        subtotal: m(i.subtotal),
        charges: m(i.charges),
        allowances: m(i.allowances),
        tax: m(i.tax),
        total: m(i.total),
        channel: i.channel.as_str().to_string(),
        submitted: view::when(i.submitted_at),
        submitted_by: i.submitted_by.clone(),
        lines,
        adjustments,
        claims,
        timeline,
    }
}

/// The invoice page, or its PDF (`/invoices/{id}.pdf`: the router cannot match a suffix after a
/// parameter, so the one route serves both).
pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (raw, pdf) = match id.strip_suffix(".pdf") {
        Some(raw) => (raw, true),
        None => (id.as_str(), false),
    };
    let Some(id) = parse_id(raw) else { return server_error(t, ServiceError::NotFound("invoice")) };
    let ctx = req.ctx(&auth);
    let d = match s.services.invoice(&ctx, id).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    if pdf {
        let vendor = s.services.get_vendor(&ctx, d.invoice.tenant).await.map(|v| v.vendor.name).unwrap_or_default();
        let bytes = crate::invoice_pdf::invoice_pdf(&d, &vendor, &s.services.config.payer_name);
        let name = format!("invoice-{}.pdf", d.invoice.number.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>());
        return (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response();
    }
    let notes = if d.invoice.invoice_type == InvoiceType::Invoice {
        match credit_notes_of(&s, &ctx, &d.invoice).await {
            Ok(n) => n,
            Err(e) => return server_error(t, e),
        }
    } else {
        Vec::new()
    };
    let can_credit = can_invoice(&auth) && d.invoice.invoice_type == InvoiceType::Invoice && d.invoice.state != InvoiceState::Cancelled;
    render(&detail_page(shell, t, d, Credits { notes, can_credit }, notice_key(&dq.done)))
}

/// The credit notes against an invoice (cancelled ones included), oldest first: those of its PO
/// that refer to it.
async fn credit_notes_of(s: &AppState, ctx: &Ctx, invoice: &Invoice) -> Result<Vec<Invoice>, ServiceError> {
    let filter = InvoiceFilter { po_id: Some(invoice.po_id), invoice_type: Some(InvoiceType::CreditNote), ..Default::default() };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.services.list_invoices(ctx, filter.clone(), cursor.as_deref(), Some(MAX_LIST)).await?;
        out.extend(page.items.into_iter().filter(|c| c.reference_invoice_id == Some(invoice.id)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The flip: a PO into an invoice.

/// One invoice line of the form as typed, with its errors.
pub struct FlipRow {
    i: usize,
    po_line_no: i64,
    sku: String,
    gtin: String,
    title: String,
    /// Shipped and not yet invoiced (the most the line may invoice).
    open: i64,
    qty: String,
    cost: String,
    err_qty: String,
    err_cost: String,
}

/// One charge, allowance or tax row as typed, with its errors.
pub struct AdjRow {
    i: usize,
    n: usize,
    kind: String,
    code: String,
    description: String,
    amount: String,
    err_kind: String,
    err_code: String,
    err_desc: String,
    err_amount: String,
}

impl AdjRow {
    fn blank(i: usize) -> AdjRow {
        AdjRow {
            i,
            n: i + 1,
            kind: String::new(),
            code: String::new(),
            description: String::new(),
            amount: String::new(),
            err_kind: String::new(),
            err_code: String::new(),
            err_desc: String::new(),
            err_amount: String::new(),
        }
    }

    fn typed(t: T, f: &FormData, i: usize, errors: &Errors) -> AdjRow {
        let get = |col: &str| f.get(&format!("adj-{col}-{i}")).to_string();
        let err = |col: &str| {
            let id = format!("adj-{col}-{i}");
            bare(errors, &id, flip_label(t, &id))
        };
        AdjRow {
            kind: get("kind"),
            code: get("type"),
            description: get("desc"),
            amount: get("amount"),
            err_kind: err("kind"),
            err_code: err("type"),
            err_desc: err("desc"),
            err_amount: err("amount"),
            ..AdjRow::blank(i)
        }
    }

    fn is_blank(&self) -> bool {
        [&self.kind, &self.code, &self.description, &self.amount].iter().all(|v| v.trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "invoice_new.html")]
struct FlipPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    po_id: String,
    po_number: String,
    currency: String,
    payment_term: String,
    number: String,
    invoice_date: String,
    total: String,
    rows: Vec<FlipRow>,
    adj: AdjSection,
}

/// The charge, allowance and tax rows of an invoice or credit note form, with the type lists they
/// choose from (rendered by `adjustments_fieldset.html`, shared by both forms).
pub struct AdjSection {
    adjs: Vec<AdjRow>,
    adj_count: usize,
    can_add_rows: bool,
    kinds: Vec<(&'static str, &'static str)>,
    charge_types: Vec<&'static str>,
    allowance_types: Vec<&'static str>,
    tax_types: Vec<&'static str>,
}

impl AdjSection {
    fn new(adjs: Vec<AdjRow>) -> AdjSection {
        let adj_count = adjs.len();
        AdjSection {
            adjs,
            adj_count,
            can_add_rows: adj_count < MAX_ADJ,
            kinds: AdjustmentKind::ALL.iter().map(|k| (k.as_str(), adjustment_key(*k))).collect(),
            charge_types: ChargeType::TEXTS.to_vec(),
            allowance_types: AllowanceType::TEXTS.to_vec(),
            tax_types: TaxType::TEXTS.to_vec(),
        }
    }
}

/// How many adjustment rows the submitted form had (the hidden `adj_rows`).
fn typed_adj_count(f: &FormData) -> usize {
    f.get("adj_rows").trim().parse::<usize>().unwrap_or(ADJ_STEP).clamp(1, MAX_ADJ)
}

/// What the form holds besides its rows.
struct Typed {
    number: String,
    invoice_date: String,
    total: String,
}

fn flip_page(shell: Shell, t: T, tpl: &InvoiceTemplate, typed: Typed, rows: Vec<FlipRow>, adjs: Vec<AdjRow>, errors: Errors) -> FlipPage {
    FlipPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        po_id: tpl.po.id.to_string(),
        po_number: tpl.po.number.clone(),
        currency: tpl.currency.clone(),
        payment_term: tpl.payment_term.clone(),
        number: typed.number,
        invoice_date: typed.invoice_date,
        total: typed.total,
        rows,
        adj: AdjSection::new(adjs),
    }
}

/// The template's lines as form rows: the open quantity at the cost basis.
fn template_rows(tpl: &InvoiceTemplate) -> Vec<FlipRow> {
    tpl.lines
        .iter()
        .enumerate()
        .map(|(i, l)| FlipRow {
            i,
            po_line_no: l.po_line_no,
            sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            title: l.title.clone(),
            open: l.quantity,
            qty: l.quantity.to_string(),
            cost: l.unit_cost.normalize().to_string(),
            err_qty: String::new(),
            err_cost: String::new(),
        })
        .collect()
}

/// The rows as typed, labelled from the template (a line the template no longer has keeps its number).
fn typed_rows(t: T, tpl: &InvoiceTemplate, f: &FormData, errors: &Errors) -> Vec<FlipRow> {
    let count = f.get("rows").trim().parse::<usize>().unwrap_or(0).min(acorn_service::invoices::MAX_LINES);
    (0..count)
        .map(|i| {
            let po_line_no = f.get(&format!("line-{i}")).trim().parse::<i64>().unwrap_or(0);
            let from = tpl.lines.iter().find(|l| l.po_line_no == po_line_no);
            let err = |col: &str| {
                let id = format!("{col}-{i}");
                bare(errors, &id, flip_label(t, &id))
            };
            FlipRow {
                i,
                po_line_no,
                sku: from.map(|l| l.vendor_sku.clone()).unwrap_or_else(|| f.get(&format!("item-{i}")).to_string()),
                gtin: from.map(|l| l.gtin.clone()).unwrap_or_default(),
                title: from.map(|l| l.title.clone()).unwrap_or_default(),
                open: from.map(|l| l.quantity).unwrap_or(0),
                qty: f.get(&format!("qty-{i}")).to_string(),
                cost: f.get(&format!("cost-{i}")).to_string(),
                err_qty: err("qty"),
                err_cost: err("cost"),
            }
        })
        .collect()
}

/// "Line 2, Quantity" for a grid control, "Charge, allowance or tax row 1, Amount", or the field's label.
fn flip_label(t: T, field: &str) -> Option<String> {
    if let Some(rest) = field.strip_prefix("adj-")
        && let Some((col, row)) = rest.rsplit_once('-')
        && let Ok(row) = row.parse::<usize>()
    {
        let key = match col {
            "kind" => "inv.adj.kind",
            "type" => "inv.adj.type",
            "desc" => "inv.adj.description",
            _ => "inv.adj.amount",
        };
        return Some(format!("{} {}, {}", t.t("inv.adj.row"), row + 1, t.t(key)));
    }
    if let Some((col, row)) = field.rsplit_once('-')
        && let Ok(row) = row.parse::<usize>()
    {
        let key = if col == "cost" { "inv.line.unit_cost" } else { "inv.line.quantity" };
        return Some(format!("{} {}, {}", t.t("inv.line"), row + 1, t.t(key)));
    }
    let key = match field {
        "number" => "inv.number",
        "invoice_date" => "inv.invoice_date",
        "total" => "inv.declared_total",
        "lines" => "inv.lines",
        _ => return None,
    };
    Some(t.t(key).to_string())
}

/// A use case's field (`lines[2].quantity`, `adjustments[1].type`) as the form's control.
fn flip_field(field: &str, lines: &[usize], adjs: &[usize]) -> String {
    let entry = |rest: &str| -> Option<(usize, String)> {
        let (k, col) = rest.split_once("].")?;
        Some((k.parse::<usize>().ok()?.checked_sub(1)?, col.to_string()))
    };
    if let Some(rest) = field.strip_prefix("lines[") {
        if let Some((k, col)) = entry(rest)
            && let Some(row) = lines.get(k)
        {
            return if col == "unit_cost" { format!("cost-{row}") } else { format!("qty-{row}") };
        }
        return "lines".into();
    }
    if let Some(rest) = field.strip_prefix("adjustments[") {
        if let Some((k, col)) = entry(rest)
            && let Some(row) = adjs.get(k)
        {
            let id = match col.as_str() {
                "kind" => "kind",
                "type" | "code" => "type",
                "description" => "desc",
                _ => "amount",
            };
            return format!("adj-{id}-{row}");
        }
        return "lines".into();
    }
    match field {
        "number" | "invoice_date" | "total" | "lines" => field.to_string(),
        _ => "number".into(),
    }
}

/// The line and adjustment grids as typed (the flip's and the credit note's): the use case's lines
/// and adjustments, the form rows each came from, and what the page could not read itself. Lines
/// with no quantity (or 0) and empty adjustment rows are left off.
struct Grid {
    lines: Vec<NewInvoiceLine>,
    line_rows: Vec<usize>,
    adjustments: Vec<NewAdjustment>,
    adj_rows: Vec<usize>,
    errors: Errors,
}

fn read_grid(t: T, f: &FormData) -> Grid {
    let mut errors = Errors::new();
    let rows = f.get("rows").trim().parse::<usize>().unwrap_or(0).min(acorn_service::invoices::MAX_LINES);
    let mut lines = Vec::new();
    let mut line_rows = Vec::new();
    for i in 0..rows {
        let qty = f.get(&format!("qty-{i}")).trim();
        if qty.is_empty() || qty == "0" {
            continue;
        }
        let quantity = whole(t, qty).unwrap_or_else(|m| {
            errors.push((format!("qty-{i}"), m));
            1
        });
        lines.push(NewInvoiceLine {
            po_line_no: f.get(&format!("line-{i}")).trim().parse::<i64>().ok(),
            item: f.get(&format!("item-{i}")).trim().to_string(),
            quantity,
            unit_cost: f.get(&format!("cost-{i}")).trim().to_string(),
        });
        line_rows.push(i);
    }
    let adj_rows = f.get("adj_rows").trim().parse::<usize>().unwrap_or(0).min(MAX_ADJ);
    let mut adjustments = Vec::new();
    let mut adj_origin = Vec::new();
    for i in 0..adj_rows {
        let r = AdjRow::typed(t, f, i, &Vec::new());
        if r.is_blank() {
            continue;
        }
        adjustments.push(NewAdjustment {
            kind: r.kind.trim().to_string(),
            code: r.code.trim().to_string(),
            description: opt(&r.description),
            amount: r.amount.trim().to_string(),
        });
        adj_origin.push(i);
    }
    Grid { lines, line_rows, adjustments, adj_rows: adj_origin, errors }
}

/// The invoice as typed: the use case's input, the form rows each line and adjustment came from,
/// and what the page could not read itself. Lines with no quantity (or 0) are left off.
fn read_flip(t: T, f: &FormData, po_number: &str) -> (NewInvoice, Vec<usize>, Vec<usize>, Errors) {
    let g = read_grid(t, f);
    let input = NewInvoice {
        number: f.get("number").trim().to_string(),
        invoice_date: f.get("invoice_date").trim().to_string(),
        po_number: po_number.to_string(),
        currency: String::new(),
        lines: g.lines,
        adjustments: g.adjustments,
        total: opt(f.get("total")),
    };
    (input, g.line_rows, g.adj_rows, g.errors)
}

pub async fn flip_form(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_invoice).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("purchase order")) };
    if super::edi::live_for(&s, &auth).await {
        return super::edi::live_page(shell, t, &format!("/orders/{id}"), StatusCode::OK);
    }
    let tpl = match s.services.invoice_template(&req.ctx(&auth), id).await {
        Ok(tpl) => tpl,
        Err(e) => return server_error(t, e),
    };
    let typed = Typed { number: String::new(), invoice_date: acorn_service::now().date_naive().to_string(), total: String::new() };
    let rows = template_rows(&tpl);
    let adjs = (0..ADJ_STEP).map(AdjRow::blank).collect();
    render(&flip_page(shell, t, &tpl, typed, rows, adjs, Vec::new()))
}

pub async fn submit(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/orders/{id}/invoice")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_invoice(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let p = match super::edi::refuse_when_live(&s, p, &format!("/orders/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let tpl = match s.services.invoice_template(&p.ctx(&req), id).await {
        Ok(tpl) => tpl,
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let typed = || Typed { number: f.get("number").to_string(), invoice_date: f.get("invoice_date").to_string(), total: f.get("total").to_string() };
    let adj_count = typed_adj_count(f);
    if f.get("action") == "more" {
        // "Add rows" without JavaScript: the same form again, with more adjustment rows. Nothing was done.
        p.once.release(&s).await;
        let more = (adj_count + ADJ_STEP).min(MAX_ADJ);
        let adjs = (0..more).map(|i| AdjRow::typed(t, f, i, &Vec::new())).collect();
        return render(&flip_page(p.shell, t, &tpl, typed(), typed_rows(t, &tpl, f, &Vec::new()), adjs, Vec::new()));
    }
    let (input, line_rows, adj_rows, own) = read_flip(t, f, &tpl.po.number);
    let result = if own.is_empty() {
        s.services.submit_invoice(&p.ctx(&req), input, Channel::Ui).await
    } else {
        // Nothing is sent with a value the page could not read.
        Err(ServiceError::Invalid(Vec::new()))
    };
    match result {
        Ok(d) => p.once.done(&s, &format!("/invoices/{}?done=submitted", d.invoice.id)).await,
        Err(e) => {
            let e = remap(e, |field| flip_field(field, &line_rows, &adj_rows));
            let shell = p.shell;
            forms::show_again(&s, p.once, t, e, "number", async |errors| {
                let errors = named(merge(own, errors), |field| flip_label(t, field));
                let rows = typed_rows(t, &tpl, f, &errors);
                let adjs = (0..adj_count).map(|i| AdjRow::typed(t, f, i, &errors)).collect();
                Ok(flip_page(shell, t, &tpl, typed(), rows, adjs, errors))
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The credit note form: the vendor credits (part of) one of its invoices.

/// One line of the invoice credited, as typed, with its errors.
pub struct CreditRow {
    i: usize,
    line_no: i64,
    po_line_no: i64,
    sku: String,
    gtin: String,
    title: String,
    /// Invoiced: "10 × 10 USD".
    invoiced: String,
    /// Invoiced and not yet credited by a credit note that stands (the most the line may credit).
    left: i64,
    qty: String,
    cost: String,
    err_qty: String,
    err_cost: String,
}

/// An invoice with what its credit notes took already: what the credit note form shows.
struct Credited {
    d: InvoiceDetail,
    /// Units credited per PO line by the credit notes that stand (not cancelled).
    qty: std::collections::HashMap<i64, i64>,
    /// What those credit notes credit in all.
    credited: Decimal,
    /// Why the invoice cannot be credited (a catalogue key), if it cannot.
    refused: Option<&'static str>,
}

impl Credited {
    async fn load(s: &AppState, ctx: &Ctx, id: Uuid) -> Result<Credited, ServiceError> {
        let d = s.services.invoice(ctx, id).await?;
        let mut qty = std::collections::HashMap::<i64, i64>::new();
        let mut credited = Decimal::ZERO;
        if d.invoice.invoice_type == InvoiceType::Invoice {
            for cn in credit_notes_of(s, ctx, &d.invoice).await?.iter().filter(|c| c.state != InvoiceState::Cancelled) {
                credited += cn.total;
                for l in s.services.invoice(ctx, cn.id).await?.lines {
                    *qty.entry(l.po_line_no).or_default() += l.quantity;
                }
            }
        }
        let refused = if d.invoice.invoice_type == InvoiceType::CreditNote {
            Some("cn.refused.credit_note")
        } else if d.invoice.state == InvoiceState::Cancelled {
            Some("cn.refused.cancelled")
        } else if d.invoice.total - credited <= Decimal::ZERO {
            Some("cn.refused.nothing_left")
        } else {
            None
        };
        Ok(Credited { d, qty, credited, refused })
    }

    /// The form's rows: one per invoice line, with what was typed in row `i` (nothing on a first visit).
    fn rows(&self, t: T, f: Option<&FormData>, errors: &Errors) -> Vec<CreditRow> {
        let cur = self.d.invoice.currency.as_str();
        self.d
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let typed = |col: &str| f.map(|f| f.get(&format!("{col}-{i}")).to_string()).unwrap_or_default();
                let err = |col: &str| {
                    let id = format!("{col}-{i}");
                    bare(errors, &id, credit_label(t, &id))
                };
                CreditRow {
                    i,
                    line_no: l.line_no,
                    po_line_no: l.po_line_no,
                    sku: l.vendor_sku.clone(),
                    gtin: l.gtin.clone(),
                    title: l.title.clone(),
                    invoiced: format!("{} × {} {cur}", l.quantity, l.unit_cost.normalize()),
                    left: (l.quantity - self.qty.get(&l.po_line_no).copied().unwrap_or(0)).max(0),
                    qty: typed("qty"),
                    cost: typed("cost"),
                    err_qty: err("qty"),
                    err_cost: err("cost"),
                }
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "credit_note_new.html")]
struct CreditPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    id: String,
    /// What is credited: an invoice (or, refused, a credit note).
    kind: &'static str,
    invoice_number: String,
    po_id: String,
    po_number: String,
    currency: String,
    invoice_total: String,
    credited: String,
    open: String,
    state: Badge,
    refused: &'static str,
    number: String,
    date: String,
    rows: Vec<CreditRow>,
    adj: AdjSection,
}

/// The credit note's number and date as typed.
struct CreditTyped {
    number: String,
    date: String,
}

fn credit_page(shell: Shell, t: T, c: &Credited, typed: CreditTyped, rows: Vec<CreditRow>, adjs: Vec<AdjRow>, errors: Errors) -> CreditPage {
    let i = &c.d.invoice;
    CreditPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        id: i.id.to_string(),
        kind: type_key(i.invoice_type),
        invoice_number: i.number.clone(),
        po_id: i.po_id.to_string(),
        po_number: i.po_number.clone(),
        currency: i.currency.clone(),
        invoice_total: money_of(i.total, &i.currency),
        credited: money_of(c.credited, &i.currency),
        open: money_of((i.total - c.credited).max(Decimal::ZERO), &i.currency),
        state: state_badge(c.d.shown_state),
        refused: c.refused.unwrap_or_default(),
        number: typed.number,
        date: typed.date,
        rows,
        adj: AdjSection::new(adjs),
    }
}

/// "Line 2, Quantity to credit (eaches)" for a grid control, the adjustment rows as the flip names
/// them, or the field's label.
fn credit_label(t: T, field: &str) -> Option<String> {
    if let Some((col, row)) = field.rsplit_once('-')
        && (col == "qty" || col == "cost")
        && let Ok(row) = row.parse::<usize>()
    {
        let key = if col == "cost" { "cn.line.unit_cost" } else { "cn.line.quantity" };
        return Some(format!("{} {}, {}", t.t("inv.line"), row + 1, t.t(key)));
    }
    let key = match field {
        "number" => "cn.number",
        "date" => "cn.date",
        "lines" => "cn.lines",
        _ => return flip_label(t, field),
    };
    Some(t.t(key).to_string())
}

/// A credit note use case's field as the form's control: the lines and adjustments as the flip maps
/// them; the invoice credited and the total credited (more than is open) on the lines.
fn credit_field(field: &str, lines: &[usize], adjs: &[usize]) -> String {
    match field {
        "number" | "date" => field.to_string(),
        "invoice_number" | "total" => "lines".into(),
        f => flip_field(f, lines, adjs),
    }
}

/// A line refused on its row is left out of the credit note, so the use case also says on `lines`
/// that nothing is credited; the row's refusal says it already.
fn without_echo(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(issues) if issues.iter().any(|i| i.field.starts_with("lines[")) => {
            ServiceError::Invalid(issues.into_iter().filter(|i| i.field != "lines").collect())
        }
        e => e,
    }
}

/// The credit note as typed: the use case's input, the form rows each line and adjustment came from,
/// and what the page could not read itself. Lines with no quantity (or 0) are left off.
fn read_credit(t: T, f: &FormData, invoice_number: &str) -> (NewCreditNote, Vec<usize>, Vec<usize>, Errors) {
    let g = read_grid(t, f);
    let input = NewCreditNote {
        number: f.get("number").trim().to_string(),
        date: f.get("date").trim().to_string(),
        invoice_number: invoice_number.to_string(),
        lines: g.lines,
        adjustments: g.adjustments,
    };
    (input, g.line_rows, g.adj_rows, g.errors)
}

pub async fn credit_form(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_invoice).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("invoice")) };
    if super::edi::live_for(&s, &auth).await {
        return super::edi::live_page(shell, t, &format!("/invoices/{id}"), StatusCode::OK);
    }
    let c = match Credited::load(&s, &req.ctx(&auth), id).await {
        Ok(c) => c,
        Err(e) => return server_error(t, e),
    };
    let rows = c.rows(t, None, &Vec::new());
    let adjs = (0..ADJ_STEP).map(AdjRow::blank).collect();
    let today = acorn_service::now().date_naive().to_string();
    render(&credit_page(shell, t, &c, CreditTyped { number: String::new(), date: today }, rows, adjs, Vec::new()))
}

pub async fn credit(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/invoices/{id}/credit")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_invoice(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let p = match super::edi::refuse_when_live(&s, p, &format!("/invoices/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let c = match Credited::load(&s, &p.ctx(&req), id).await {
        Ok(c) => c,
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let typed = || CreditTyped { number: f.get("number").to_string(), date: f.get("date").to_string() };
    let adj_count = typed_adj_count(f);
    if f.get("action") == "more" {
        // "Add rows" without JavaScript: the same form again, with more adjustment rows. Nothing was done.
        p.once.release(&s).await;
        let more = (adj_count + ADJ_STEP).min(MAX_ADJ);
        let adjs = (0..more).map(|i| AdjRow::typed(t, f, i, &Vec::new())).collect();
        return render(&credit_page(p.shell, t, &c, typed(), c.rows(t, Some(f), &Vec::new()), adjs, Vec::new()));
    }
    let (input, line_rows, adj_rows, own) = read_credit(t, f, &c.d.invoice.number);
    let result = if own.is_empty() {
        s.services.submit_credit_note(&p.ctx(&req), input, Channel::Ui).await
    } else {
        // Nothing is sent with a value the page could not read.
        Err(ServiceError::Invalid(Vec::new()))
    };
    match result {
        Ok(d) => {
            let done = if d.invoice.state == InvoiceState::Cancelled { "credited_in_full" } else { "credited" };
            p.once.done(&s, &format!("/invoices/{}?done={done}", d.invoice.id)).await
        }
        Err(e) => {
            let e = remap(without_echo(e), |field| credit_field(field, &line_rows, &adj_rows));
            let shell = p.shell;
            forms::show_again(&s, p.once, t, e, "number", async |errors| {
                let errors = named(merge(own, errors), |field| credit_label(t, field));
                let rows = c.rows(t, Some(f), &errors);
                let adjs = (0..adj_count).map(|i| AdjRow::typed(t, f, i, &errors)).collect();
                Ok(credit_page(shell, t, &c, typed(), rows, adjs, errors))
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use acorn_domain::people::Locale;

    #[test]
    fn every_state_outcome_rule_and_kind_has_a_catalogue_entry() {
        view::assert_all_known(InvoiceState::ALL, |s| state_badge(s).key);
        view::assert_all_known(LineOutcome::ALL, |o| outcome_badge(o).key);
        view::assert_all_known(MatchRule::ALL, rule_key);
        view::assert_all_known(DeductionKind::ALL, kind_key);
        view::assert_all_known(DeductionStatus::ALL, |s| deduction_badge(s).key);
        view::assert_all_known(AdjustmentKind::ALL, adjustment_key);
        view::assert_all_known(AgingBucket::ALL, bucket_key);
        view::assert_all_known(InvoiceType::ALL, type_key);
        view::assert_all_known(CostSource::ALL, source_key);
        for d in ["submitted", "disputed", "decided", "run", "bank", "terms", "credited", "credited_in_full"] {
            assert!(view::known(notice_key(d)), "{d}");
        }
    }

    #[test]
    fn use_case_fields_land_on_the_rows_they_came_from() {
        // Rows 0 and 2 were sent (row 1 had no quantity); adjustment row 1 was the only one filled.
        let (lines, adjs) = (vec![0, 2], vec![1]);
        assert_eq!(flip_field("lines[2].quantity", &lines, &adjs), "qty-2");
        assert_eq!(flip_field("lines[1].unit_cost", &lines, &adjs), "cost-0");
        assert_eq!(flip_field("lines[2].item", &lines, &adjs), "qty-2");
        assert_eq!(flip_field("lines[9].quantity", &lines, &adjs), "lines");
        assert_eq!(flip_field("lines", &lines, &adjs), "lines");
        assert_eq!(flip_field("adjustments[1].type", &lines, &adjs), "adj-type-1");
        assert_eq!(flip_field("adjustments[1].amount", &lines, &adjs), "adj-amount-1");
        assert_eq!(flip_field("number", &lines, &adjs), "number");
        assert_eq!(flip_field("total", &lines, &adjs), "total");
        assert_eq!(flip_field("currency", &lines, &adjs), "number");
        let t = T::new(Locale::En);
        assert_eq!(flip_label(t, "qty-2").unwrap(), "Line 3, Quantity (eaches)");
        assert_eq!(flip_label(t, "adj-amount-0").unwrap(), "Charge, allowance or tax row 1, Amount");
    }

    #[test]
    fn the_flip_reads_lines_and_skips_blank_rows() {
        let t = T::new(Locale::En);
        let f = FormData::parse(
            b"number=INV-1&invoice_date=&rows=3&line-0=1&item-0=SKU-1&qty-0=10&cost-0=12.5&line-1=2&item-1=SKU-2&qty-1=0&cost-1=3\
              &line-2=3&item-2=SKU-3&qty-2=x&cost-2=1&adj_rows=2&adj-kind-1=charge&adj-type-1=Freight&adj-amount-1=5.00",
        );
        let (input, lines, adjs, own) = read_flip(t, &f, "PO000001");
        assert_eq!(input.lines.len(), 2);
        assert_eq!(input.lines[0].po_line_no, Some(1));
        assert_eq!(input.lines[0].quantity, 10);
        assert_eq!(input.lines[0].unit_cost, "12.5");
        assert_eq!(lines, vec![0, 2]);
        assert_eq!(adjs, vec![1]);
        assert_eq!(input.adjustments[0].code, "Freight");
        assert_eq!(input.total, None);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].0, "qty-2");
    }

    #[test]
    fn a_credit_note_reads_its_rows_and_lands_refusals_on_them() {
        let t = T::new(Locale::En);
        let f = FormData::parse(
            b"number=CN-1&date=2026-11-20&rows=3&line-0=1&item-0=SKU-1&qty-0=&cost-0=&line-1=2&item-1=SKU-2&qty-1=2&cost-1=\
              &line-2=3&item-2=SKU-3&qty-2=1&cost-2=4.5&adj_rows=1&adj-kind-0=tax&adj-type-0=VAT&adj-amount-0=1.00",
        );
        let (input, lines, adjs, own) = read_credit(t, &f, "INV-1");
        assert!(own.is_empty(), "{own:?}");
        assert_eq!((input.number.as_str(), input.date.as_str(), input.invoice_number.as_str()), ("CN-1", "2026-11-20", "INV-1"));
        assert_eq!(input.lines.len(), 2, "a line left empty is not credited");
        assert_eq!((input.lines[0].po_line_no, input.lines[0].quantity, input.lines[0].unit_cost.as_str()), (Some(2), 2, ""));
        assert_eq!(input.lines[1].unit_cost, "4.5");
        assert_eq!((lines.clone(), adjs.clone()), (vec![1, 2], vec![0]));
        assert_eq!(credit_field("lines[1].quantity", &lines, &adjs), "qty-1");
        assert_eq!(credit_field("lines[2].unit_cost", &lines, &adjs), "cost-2");
        assert_eq!(credit_field("adjustments[1].amount", &lines, &adjs), "adj-amount-0");
        assert_eq!(credit_field("date", &lines, &adjs), "date");
        assert_eq!(credit_field("total", &lines, &adjs), "lines");
        assert_eq!(credit_field("invoice_number", &lines, &adjs), "lines");
        let echoed = ServiceError::Invalid(vec![
            acorn_domain::FieldIssue::new("lines[1].quantity", "must be between 1 and the 8 units invoiced and not yet credited"),
            acorn_domain::FieldIssue::new("lines", "a credit note credits at least one line or amount"),
        ]);
        let ServiceError::Invalid(issues) = without_echo(echoed) else { panic!() };
        assert_eq!(issues.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(), ["lines[1].quantity"]);
        assert_eq!(credit_label(t, "qty-1").unwrap(), "Line 2, Quantity to credit (eaches)");
        assert_eq!(credit_label(t, "number").unwrap(), "Credit note number");
        assert_eq!(credit_label(t, "adj-amount-0").unwrap(), "Charge, allowance or tax row 1, Amount");
    }

    #[test]
    fn aging_shows_every_bucket_per_currency() {
        use acorn_service::payments::AgingRow;
        let rows = vec![
            AgingRow { bucket: AgingBucket::Current, currency: "USD".into(), count: 2, amount: Decimal::new(12550, 2) },
            AgingRow { bucket: AgingBucket::Over90, currency: "USD".into(), count: 1, amount: Decimal::new(1000, 2) },
            AgingRow { bucket: AgingBucket::Days1To30, currency: "EUR".into(), count: 1, amount: Decimal::new(5, 0) },
        ];
        let v = aging_views(&rows);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].currency, "EUR");
        assert_eq!(v[1].cells.len(), 5);
        assert_eq!(v[1].cells[0], (2, "125.50".to_string()));
        assert_eq!(v[1].cells[1], (0, "0.00".to_string()));
        assert_eq!(v[1].total, "135.50");
    }
}
