//! Credit notes: the vendor credits (part of) one of its invoices — quantities of its lines, and/or
//! invoice-level amounts. A credit note is not matched: it is `approved` at once and netted from the
//! vendor's next payment run. One that credits an invoice not yet scheduled for payment in full
//! cancels it (DOMAIN.md: `cancelled`, credit-noted in full), and is cancelled with it: the pair
//! settles nothing, so neither is paid.

use crate::authz::{list_scope, require, require_object};
use crate::invoices::{InvoiceDetail, NewAdjustment, NewInvoiceLine, parse_adjustments, parse_date, timeline};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::events::Audience;
use acorn_domain::ids::new_id;
use acorn_domain::invoices::*;
use acorn_domain::money;
use acorn_domain::orders::Channel;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo;
use acorn_store::repo::invoices::InvoiceFilter;
use rust_decimal::Decimal;

/// A credit note as entered.
#[derive(Clone, Debug, Default)]
pub struct NewCreditNote {
    pub number: String,
    /// Blank: today.
    pub date: String,
    /// The number of the invoice credited.
    pub invoice_number: String,
    /// Lines of that invoice credited (by PO line or item), quantity in eaches; blank unit cost: the invoiced cost.
    pub lines: Vec<NewInvoiceLine>,
    /// Invoice-level amounts credited (charges, tax) or allowed.
    pub adjustments: Vec<NewAdjustment>,
}

impl Services {
    pub async fn submit_credit_note(&self, ctx: &Ctx, input: NewCreditNote, channel: Channel) -> Result<InvoiceDetail, ServiceError> {
        require(ctx, Area::Invoices, Access::Write)?;
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Rejected { code: "vendor_only", message: "credit notes are submitted by the vendor".into() });
        }
        self.refuse_portal_when_edi_live(ctx.principal.tenant(), channel).await?;
        let mut issues = Vec::new();
        let number = invoice_number(&input.number).map_err(|e| issues.push(FieldIssue::new("number", e))).ok();
        let date = parse_date(&input.date, "date", &mut issues);
        let filter = InvoiceFilter {
            tenant: list_scope(ctx),
            number: Some(input.invoice_number.trim().to_string()),
            invoice_type: Some(InvoiceType::Invoice),
            ..Default::default()
        };
        let found = repo::invoices::list(&self.db.conn, &filter, None, 2).await?;
        let Some(original) = found.into_iter().next() else {
            issues.push(FieldIssue::new("invoice_number", format!("no invoice {} of yours", input.invoice_number.trim())));
            return Err(ServiceError::Invalid(issues));
        };
        require_object(ctx, Area::Invoices, Access::Write, original.tenant, "invoice")?;
        let adjustments = parse_adjustments(&input.adjustments, &original.currency, &mut issues);
        let (input, original, adjustments) = (&input, &original, &adjustments);
        let (number, issues) = (&number, &issues);
        let id = self
            .mutate(ctx, |tx| async move {
                let c = tx.c();
                let at = now();
                let mut issues = issues.clone();
                let invoice = repo::invoices::get(c, Some(original.tenant), original.id).await?.ok_or(ServiceError::NotFound("invoice"))?;
                if invoice.state == InvoiceState::Cancelled {
                    issues.push(FieldIssue::new("invoice_number", format!("invoice {} is cancelled", invoice.number)));
                }
                if let Some(n) = number
                    && repo::invoices::by_number(c, &invoice.vendor_code, n).await?.is_some()
                {
                    issues.push(FieldIssue::new("number", format!("number {n} is already used by vendor code {}", invoice.vendor_code)));
                }
                let invoiced = repo::invoices::lines(c, invoice.tenant, invoice.id).await?;
                // What earlier credit notes of this invoice already credited, per line and in total.
                let credits = repo::invoices::list(
                    c,
                    &InvoiceFilter {
                        tenant: Some(invoice.tenant),
                        po_id: Some(invoice.po_id),
                        invoice_type: Some(InvoiceType::CreditNote),
                        ..Default::default()
                    },
                    None,
                    1000,
                )
                .await?;
                let credits: Vec<_> =
                    credits.into_iter().filter(|x| x.reference_invoice_id == Some(invoice.id) && x.state != InvoiceState::Cancelled).collect();
                let mut credited_qty = std::collections::HashMap::<i64, i64>::new();
                for cn in &credits {
                    for l in repo::invoices::lines(c, cn.tenant, cn.id).await? {
                        *credited_qty.entry(l.po_line_no).or_default() += l.quantity;
                    }
                }
                let credited_total: Decimal = credits.iter().map(|x| x.total).sum();
                let mut lines = Vec::new();
                for (i, l) in input.lines.iter().enumerate() {
                    let row = i + 1;
                    // The same identifiers an invoice line is found by: PO line, vendor SKU or any GTIN form.
                    let item = l.item.trim();
                    let gtin14 = acorn_domain::gs1::Gtin::parse(item).ok().map(|g| g.as_str().to_string());
                    let Some(orig) = invoiced.iter().find(|x| {
                        Some(x.po_line_no) == l.po_line_no
                            || (!item.is_empty() && (x.vendor_sku.eq_ignore_ascii_case(item) || gtin14.as_deref() == Some(x.gtin.as_str())))
                    }) else {
                        issues.push(FieldIssue::new(format!("lines[{row}].item"), format!("is not on invoice {}", invoice.number)));
                        continue;
                    };
                    let left = orig.quantity - credited_qty.get(&orig.po_line_no).copied().unwrap_or(0);
                    if l.quantity <= 0 || l.quantity > left {
                        issues.push(FieldIssue::new(
                            format!("lines[{row}].quantity"),
                            format!("must be between 1 and the {left} units invoiced and not yet credited"),
                        ));
                        continue;
                    }
                    let unit_cost = if l.unit_cost.trim().is_empty() {
                        orig.unit_cost
                    } else {
                        match money::parse_amount(&l.unit_cost, false) {
                            Ok(v) if v <= orig.unit_cost => v,
                            Ok(_) => {
                                issues.push(FieldIssue::new(format!("lines[{row}].unit_cost"), format!("cannot exceed the invoiced {}", orig.unit_cost)));
                                continue;
                            }
                            Err(e) => {
                                issues.push(FieldIssue::new(format!("lines[{row}].unit_cost"), e));
                                continue;
                            }
                        }
                    };
                    let amount = money::checked_extend(l.quantity, unit_cost).map_err(|e| ServiceError::invalid(&format!("lines[{row}].quantity"), e))?;
                    lines.push(InvoiceLine { line_no: row as i64, quantity: l.quantity, unit_cost, amount, matched: None, ..orig.clone() });
                }
                if input.lines.is_empty() && adjustments.is_empty() {
                    issues.push(FieldIssue::new("lines", "a credit note credits at least one line or amount"));
                }
                let totals = totals(lines.iter().map(|l| l.amount), adjustments, &invoice.currency);
                let open = invoice.total - credited_total;
                if totals.total > open {
                    issues.push(FieldIssue::new(
                        "total",
                        Refusal::CreditOverInvoice {
                            credited: money::format_amount(totals.total, &invoice.currency),
                            open: money::format_amount(open, &invoice.currency),
                        }
                        .to_string(),
                    ));
                }
                let (Some(number), Some(date), true) = (number.clone(), date, issues.is_empty()) else { return Err(ServiceError::Invalid(issues)) };
                let in_full = totals.total == open
                    && matches!(invoice.state, InvoiceState::Submitted | InvoiceState::Matching | InvoiceState::PendingReceipt | InvoiceState::Approved);
                let id = new_id();
                let cn = Invoice {
                    id,
                    number,
                    invoice_type: InvoiceType::CreditNote,
                    reference_invoice_id: Some(invoice.id),
                    reference_number: Some(invoice.number.clone()),
                    invoice_date: date,
                    subtotal: totals.subtotal,
                    charges: totals.charges,
                    allowances: totals.allowances,
                    tax: totals.tax,
                    total: totals.total,
                    state: if in_full { InvoiceState::Cancelled } else { InvoiceState::Approved },
                    open_disputes: 0,
                    due_date: Some(date),
                    discount_deadline: None,
                    channel,
                    submitted_by: ctx.principal.actor(),
                    submitted_at: at,
                    matched_at: None,
                    approved_at: Some(at),
                    paid_at: None,
                    updated_at: at,
                    ..invoice.clone()
                };
                let lines: Vec<InvoiceLine> = lines.into_iter().map(|l| InvoiceLine { invoice_id: id, ..l }).collect();
                repo::invoices::insert(c, &cn, &lines, adjustments).await?;
                let summary = format!("Credit note {} against invoice {}: {}", cn.number, invoice.number, money::format_amount(cn.total, &cn.currency));
                timeline(c, ctx, &cn, &summary).await?;
                let mut change = Change::new(cn.tenant, "credit_note.submitted", "invoice", cn.id).after(&cn).event(
                    "credit_note.submitted",
                    summary,
                    format!("/invoices/{}", cn.id),
                    Audience::Retailer,
                    serde_json::json!({"number": cn.number, "invoice": invoice.number, "total": cn.total}),
                );
                if in_full {
                    let mut u = invoice.clone();
                    u.state = InvoiceState::Cancelled;
                    u.updated_at = at;
                    repo::invoices::update(c, &u, invoice.updated_at).await?;
                    timeline(c, ctx, &u, &format!("Cancelled: credited in full by credit note {}", cn.number)).await?;
                    change.more.push(Change::new(u.tenant, "invoice.cancelled", "invoice", u.id).before(&invoice).after(&u));
                }
                Ok((id, change))
            })
            .await?;
        self.invoice(ctx, id).await
    }
}
