//! The three-way match as a use case: each line of an invoice against its PO line's cost (PO or
//! acknowledged) and what was received, by the rules of `acorn_domain::matching`; the invoice moves
//! `submitted → matching → pending_receipt | approved`, and every shortage or price claim is posted to
//! the deduction ledger with its evidence. Invoices waiting for receipts are matched again by the
//! batch job (and `acorn match run`) as receipts arrive, until 35 days past their due date.
//!
//! Units received on a PO line are shared by its invoices in submission order: an earlier invoice's
//! units are not counted again for a later one.

use crate::deductions::{Posting, post};
use crate::invoices::{po_facts, timeline};
use crate::terms::terms_on;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::{self, Deduction, DeductionKind};
use acorn_domain::events::Audience;
use acorn_domain::invoices::{Invoice, InvoiceState};
use acorn_domain::matching::{self, InvoiceMatch, MatchInput, MatchResult};
use acorn_domain::money;
use acorn_domain::payments;
use acorn_store::{ConnectionTrait, repo};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Invoices matched per page of the batch job.
const PAGE: u64 = 200;

/// What a batch match did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatchRunReport {
    pub examined: u64,
    pub approved: u64,
    pub pending: u64,
    pub claims_posted: u64,
}

/// What one invoice's match did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchOutcome {
    pub state: Option<InvoiceState>,
    pub claims_posted: u64,
}

impl Services {
    /// Matches one invoice now (a no-op once it left the matching states).
    pub async fn match_invoice(&self, id: Uuid) -> Result<MatchOutcome, ServiceError> {
        let ctx = Ctx::job("invoice-match");
        let ctx = &ctx;
        self.mutate_if_changed(ctx, |tx| async move {
            let Some(invoice) = repo::invoices::get(tx.c(), None, id).await? else { return Err(ServiceError::NotFound("invoice")) };
            if !invoice.state.awaits_match() {
                return Ok((MatchOutcome::default(), None));
            }
            match_in(tx.c(), ctx, invoice).await
        })
        .await
    }

    /// Matches every invoice waiting for it, a page at a time; `progress` hears (done, total so far).
    pub async fn match_pending(&self, mut progress: impl FnMut(u64)) -> Result<MatchRunReport, ServiceError> {
        let mut report = MatchRunReport::default();
        let mut after = None;
        loop {
            let page = repo::invoices::awaiting_match(&self.db.conn, after, PAGE).await?;
            let more = page.len() as u64 > PAGE;
            for invoice in page.iter().take(PAGE as usize) {
                let done = self.match_invoice(invoice.id).await?;
                report.examined += 1;
                report.claims_posted += done.claims_posted;
                match done.state {
                    Some(InvoiceState::Approved) => report.approved += 1,
                    Some(InvoiceState::PendingReceipt) => report.pending += 1,
                    _ => {}
                }
                progress(report.examined);
            }
            if !more {
                return Ok(report);
            }
            after = page.get(PAGE as usize - 1).map(|i| (i.submitted_at, i.id));
        }
    }

    /// The number of invoices waiting for a match (for the progress bar).
    pub async fn invoices_awaiting_match(&self) -> Result<u64, ServiceError> {
        let mut n = 0;
        let mut after = None;
        loop {
            let page = repo::invoices::awaiting_match(&self.db.conn, after, 1000).await?;
            n += page.len().min(1000) as u64;
            if page.len() <= 1000 {
                return Ok(n);
            }
            after = page.get(999).map(|i| (i.submitted_at, i.id));
        }
    }
}

/// Matches `invoice` inside the caller's transaction; writes nothing (and returns no change) when the
/// match comes out as it did last time.
async fn match_in(c: &impl ConnectionTrait, ctx: &Ctx, mut invoice: Invoice) -> Result<(MatchOutcome, Option<Change>), ServiceError> {
    let at = now();
    let before = invoice.clone();
    let po = repo::orders::get(c, Some(invoice.tenant), invoice.po_id)
        .await?
        .ok_or_else(|| ServiceError::internal(format!("invoice {} without its PO", invoice.id)))?;
    let facts = po_facts(c, po).await?;
    let terms = terms_on(c, invoice.tenant, invoice.invoice_date).await?;
    let term = &terms.terms.payment;
    // Receipts may have come in since submission: the due date of receipt-based terms follows them.
    invoice.due_date = payments::due_date(term, invoice.invoice_date, facts.last_receipt);
    invoice.discount_deadline = payments::discount_deadline(term, invoice.invoice_date, facts.last_receipt);
    let recheck_until =
        invoice.due_date.or_else(|| payments::due_date(term, invoice.invoice_date, Some(invoice.invoice_date))).and_then(matching::recheck_until);
    let earlier = received_taken_by_earlier(c, &invoice).await?;
    let lines = repo::invoices::lines(c, invoice.tenant, invoice.id).await?;
    let today = at.date_naive();
    let mut results: Vec<(i64, MatchResult)> = Vec::new();
    for line in &lines {
        let Some(po_line) = facts.lines.iter().find(|l| l.line_no == line.po_line_no) else {
            return Err(ServiceError::internal(format!(
                "invoice {} line {} names PO line {} that does not exist",
                invoice.number, line.line_no, line.po_line_no
            )));
        };
        let taken = earlier.get(&line.po_line_no).copied().unwrap_or(0);
        let input = MatchInput {
            invoiced_quantity: line.quantity,
            invoiced_unit_cost: line.unit_cost,
            po_unit_cost: po_line.net_cost,
            ack_unit_cost: facts.ack_costs.get(&line.po_line_no).copied(),
            received: (po_line.received_eaches - taken).max(0),
            damaged: po_line.damaged_eaches.min((po_line.received_eaches - taken).max(0)),
            receipts_complete: facts.receipts_complete,
            recheck_until,
            today,
            tolerance: terms.terms.tolerance.clone(),
            currency: invoice.currency.clone(),
        };
        results.push((line.line_no, matching::match_line(&input)));
    }
    let outcomes: Vec<_> = results.iter().map(|(_, r)| r.outcome).collect();
    let next = match matching::invoice_outcome(&outcomes) {
        InvoiceMatch::Pending => InvoiceState::PendingReceipt,
        InvoiceMatch::AllMatched | InvoiceMatch::ClaimsRaised => InvoiceState::Approved,
    };
    let same_lines = lines.iter().zip(&results).all(|(l, (_, r))| l.matched.as_ref() == Some(r));
    if same_lines && next == before.state && invoice.due_date == before.due_date && invoice.discount_deadline == before.discount_deadline {
        return Ok((MatchOutcome { state: Some(next), claims_posted: 0 }, None));
    }
    for (line_no, result) in &results {
        repo::invoices::set_line_match(c, invoice.tenant, invoice.id, *line_no, result, at).await?;
    }
    let mut outcome = MatchOutcome { state: Some(next), claims_posted: 0 };
    let mut posted = Vec::new();
    if next == InvoiceState::Approved {
        for (line_no, result) in &results {
            for claim in &result.claims {
                if let Some(d) = post_claim(c, &invoice, *line_no, result, claim, &facts, at).await? {
                    posted.push(d);
                }
            }
        }
        outcome.claims_posted = posted.len() as u64;
        posted.extend(post_accruals(c, &invoice, &terms, at).await?);
    }
    let from = invoice.state;
    if from == InvoiceState::Submitted {
        invoice.state = InvoiceState::Matching;
        invoice.updated_at = at;
        timeline(c, ctx, &invoice, "Matching against the PO, the acknowledgement and the receipts").await?;
    }
    invoice.matched_at = Some(at);
    let changed = invoice.state != next;
    invoice.state = next;
    if next == InvoiceState::Approved {
        invoice.approved_at = Some(at);
    }
    invoice.updated_at = at;
    let claims: Vec<&Deduction> = posted.iter().filter(|d| matches!(d.kind, DeductionKind::Shortage | DeductionKind::PriceClaim)).collect();
    let claimed: rust_decimal::Decimal = claims.iter().map(|d| d.amount).sum();
    let summary = match next {
        InvoiceState::Approved if claims.is_empty() => format!("Invoice {} approved: every line matched", invoice.number),
        InvoiceState::Approved => {
            format!("Invoice {} approved with {} claim(s) totalling {}", invoice.number, claims.len(), money::format_amount(claimed, &invoice.currency))
        }
        _ => format!("Invoice {} waits for receipts", invoice.number),
    };
    if changed {
        timeline(c, ctx, &invoice, &summary).await?;
    }
    repo::invoices::update(c, &invoice, before.updated_at).await?;
    let mut change = Change::new(invoice.tenant, "invoice.matched", "invoice", invoice.id).before(&before).after(&invoice);
    if changed {
        change = change.event(
            "invoice.matched",
            summary,
            format!("/invoices/{}", invoice.id),
            Audience::Both,
            serde_json::json!({"number": invoice.number, "state": next, "claims": claims.len()}),
        );
    }
    change.more = posted.iter().map(crate::deductions::posted_change).collect();
    Ok((outcome, Some(change)))
}

/// Units of each PO line already invoiced by live invoices submitted before this one.
async fn received_taken_by_earlier(c: &impl ConnectionTrait, invoice: &Invoice) -> Result<HashMap<i64, i64>, ServiceError> {
    let mut taken = HashMap::new();
    for other in repo::invoices::for_po(c, invoice.tenant, invoice.po_id).await? {
        if other.id == invoice.id || other.state == InvoiceState::Cancelled || (other.submitted_at, other.id) > (invoice.submitted_at, invoice.id) {
            continue;
        }
        let sign = if other.invoice_type == acorn_domain::invoices::InvoiceType::CreditNote { -1 } else { 1 };
        for l in repo::invoices::lines(c, other.tenant, other.id).await? {
            *taken.entry(l.po_line_no).or_insert(0) += sign * l.quantity;
        }
    }
    Ok(taken)
}

/// Posts one claim of a matched line to the ledger, once (None when it was posted before).
async fn post_claim(
    c: &impl ConnectionTrait,
    invoice: &Invoice,
    line_no: i64,
    result: &MatchResult,
    claim: &matching::Claim,
    facts: &crate::invoices::PoFacts,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Deduction>, ServiceError> {
    let source_key = format!("match:{}:{}:{}", invoice.id, line_no, claim.kind);
    if repo::deductions::by_source(c, &source_key).await?.is_some() {
        return Ok(None);
    }
    let kind = DeductionKind::from(claim.kind);
    let shipments = repo::shipments::headers_for_pos(c, invoice.tenant, &[invoice.po_id]).await?;
    let mut receipts = Vec::new();
    for h in &shipments {
        if let Some(r) = repo::dock::receipt_of(c, invoice.tenant, h.shipment.id).await? {
            receipts.push(serde_json::json!({"id": r.id, "shipment": h.shipment.shipment_number, "checked_in_at": r.checked_in_at, "closed_at": r.closed_at}));
        }
    }
    let posting = Posting {
        tenant: invoice.tenant,
        vendor_code: invoice.vendor_code.clone(),
        kind,
        description: format!("{} on invoice {} line {} (PO {}): {}", kind.label(), invoice.number, line_no, invoice.po_number, result.describe()),
        currency: invoice.currency.clone(),
        amount: claim.amount,
        po: Some((invoice.po_id, invoice.po_number.clone())),
        shipment_id: shipments.first().map(|h| h.shipment.id),
        receipt_id: None,
        invoice: Some((invoice.id, Some(line_no))),
        return_id: None,
        evidence: serde_json::json!({
            "invoice": {"id": invoice.id, "number": invoice.number, "line": line_no, "date": invoice.invoice_date},
            "po": {"id": invoice.po_id, "number": invoice.po_number, "closed": facts.po.closed_at.is_some()},
            "match": result,
            "claim": claim,
            "shipments": shipments.iter().map(|h| serde_json::json!({"id": h.shipment.id, "number": h.shipment.shipment_number, "status": h.shipment.status, "cartons": h.carton_count, "units": h.unit_count})).collect::<Vec<_>>(),
            "receipts": receipts,
        }),
        source_key,
    };
    post(c, posting, at).await
}

/// Posts the accruals the agreement sets on an approved invoice: co-op, freight and damage
/// allowances, each a percentage of the invoice's line subtotal (once per invoice and kind).
async fn post_accruals(
    c: &impl ConnectionTrait,
    invoice: &Invoice,
    terms: &acorn_domain::terms::TermsVersion,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Deduction>, ServiceError> {
    let t = &terms.terms;
    let mut out = Vec::new();
    for (kind, percent) in [
        (DeductionKind::Coop, t.coop_percent),
        (DeductionKind::FreightAllowance, t.freight_allowance_percent),
        (DeductionKind::DamageAllowance, t.damage_allowance_percent),
    ] {
        let amount = deductions::accrual(invoice.subtotal, percent, &invoice.currency);
        let posting = Posting {
            tenant: invoice.tenant,
            vendor_code: invoice.vendor_code.clone(),
            kind,
            description: format!(
                "{} of {percent} % on invoice {} (PO {}): {} of {}",
                kind.label(),
                invoice.number,
                invoice.po_number,
                money::format_amount(amount, &invoice.currency),
                money::format_amount(invoice.subtotal, &invoice.currency)
            ),
            currency: invoice.currency.clone(),
            amount,
            po: Some((invoice.po_id, invoice.po_number.clone())),
            shipment_id: None,
            receipt_id: None,
            invoice: Some((invoice.id, None)),
            return_id: None,
            evidence: serde_json::json!({
                "invoice": {"id": invoice.id, "number": invoice.number, "subtotal": invoice.subtotal, "date": invoice.invoice_date},
                "terms": {"version": terms.version, "effective_from": terms.effective_from, "percent": percent},
            }),
            source_key: format!("accrual:{}:{}", invoice.id, kind),
        };
        out.extend(post(c, posting, at).await?);
    }
    Ok(out)
}
