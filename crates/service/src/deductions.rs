//! The deduction ledger and disputes. Every amount taken off a vendor's payments is one ledger entry
//! with its reason, its evidence and its dispute path (DOMAIN.md "Deductions", "Disputes"): the vendor
//! disputes within the window with a message and proof (uploaded to the document store) and ACORN
//! assembles the rest of the evidence pack from its own records; staff decide reversed, partially
//! reversed or upheld with a reason. Every reversal is paid back as a credit line on the next
//! remittance, beside the deduction itself (netted in full), so both stay visible.

use crate::authz::{list_scope, require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::{self as rules, Deduction, DeductionKind, DeductionStatus, Dispute, DisputeOutcome};
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::money;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo::deductions::DeductionFilter;
use acorn_store::repo::documents::Document;
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Characters a dispute message or a decision reason may have.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// A dispute with its uploaded proof.
#[derive(Clone, Debug, Serialize)]
pub struct DisputeView {
    #[serde(flatten)]
    pub dispute: Dispute,
    pub documents: Vec<Document>,
}

/// A deduction with its disputes and what the vendor may do next.
#[derive(Clone, Debug, Serialize)]
pub struct DeductionDetail {
    pub deduction: Deduction,
    pub outstanding: Decimal,
    pub disputes: Vec<DisputeView>,
    /// Why a dispute cannot be opened now (None: it can, until `deduction.dispute_deadline`).
    pub dispute_refusal: Option<String>,
}

/// Ledger totals of one month and kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerTotal {
    /// `2026-11`.
    pub month: String,
    pub kind: DeductionKind,
    pub currency: String,
    pub count: u64,
    pub amount: Decimal,
    pub reversed: Decimal,
    pub outstanding: Decimal,
}

/// The evidence ACORN assembles for a disputed deduction from its own records.
#[derive(Clone, Debug, Serialize)]
pub struct EvidencePack {
    pub deduction: Deduction,
    pub purchase_order: Option<serde_json::Value>,
    pub acknowledgements: Vec<serde_json::Value>,
    pub shipments: Vec<serde_json::Value>,
    pub appointments: Vec<serde_json::Value>,
    pub receipts: Vec<serde_json::Value>,
    pub invoice: Option<serde_json::Value>,
    pub disputes: Vec<DisputeView>,
}

/// What posts a ledger entry; the number, status and dispute deadline are filled in by [`post`].
pub(crate) struct Posting {
    pub tenant: TenantId,
    pub vendor_code: String,
    pub kind: DeductionKind,
    /// One English sentence with the numbers; its first letter is capitalised here.
    pub description: String,
    pub currency: String,
    pub amount: Decimal,
    pub po: Option<(Uuid, String)>,
    pub shipment_id: Option<Uuid>,
    pub receipt_id: Option<Uuid>,
    pub invoice: Option<(Uuid, Option<i64>)>,
    pub return_id: Option<Uuid>,
    pub evidence: serde_json::Value,
    /// What posted it; posting the same source again posts nothing.
    pub source_key: String,
}

/// Posts a deduction once per source key, inside the caller's transaction (None: posted before, or
/// an amount of zero, which is not a deduction).
pub(crate) async fn post(c: &impl ConnectionTrait, p: Posting, at: DateTime<Utc>) -> Result<Option<Deduction>, ServiceError> {
    if p.amount <= Decimal::ZERO || repo::deductions::by_source(c, &p.source_key).await?.is_some() {
        return Ok(None);
    }
    let seq = repo::counters::next(c, "deduction").await?;
    let mut cs = p.description.chars();
    let description = cs.next().map(|f| f.to_uppercase().collect::<String>() + cs.as_str()).unwrap_or_default();
    let d = Deduction {
        id: new_id(),
        tenant: p.tenant,
        number: rules::deduction_number(seq as i64),
        vendor_code: p.vendor_code,
        kind: p.kind,
        reason_code: p.kind.reason_code().to_string(),
        description,
        currency: p.currency,
        amount: p.amount,
        recovered: Decimal::ZERO,
        reversed: Decimal::ZERO,
        status: DeductionStatus::Open,
        posted_at: at,
        dispute_deadline: rules::dispute_deadline(at, &[]).filter(|_| p.kind.disputable()),
        dispute_attempts: 0,
        po_id: p.po.as_ref().map(|(id, _)| *id),
        po_number: p.po.map(|(_, n)| n),
        shipment_id: p.shipment_id,
        receipt_id: p.receipt_id,
        invoice_id: p.invoice.map(|(id, _)| id),
        invoice_line_no: p.invoice.and_then(|(_, l)| l),
        return_id: p.return_id,
        remittance_id: None,
        evidence: p.evidence,
        source_key: p.source_key,
        updated_at: at,
    };
    repo::deductions::insert(c, &d).await?;
    Ok(Some(d))
}

/// The change that audits a posted deduction and tells the vendor.
pub(crate) fn posted_change(d: &Deduction) -> Change {
    // Accruals under agreed percentages are arithmetic the vendor signed: heard in the bell, not mailed.
    let kind = if d.kind.disputable() { "deduction.posted" } else { "deduction.accrued" };
    Change::new(d.tenant, "deduction.posted", "deduction", d.id).after(d).event(
        kind,
        d.description.clone(),
        format!("/deductions/{}", d.id),
        Audience::Vendor,
        serde_json::json!({"number": d.number, "kind": d.kind, "amount": d.amount}),
    )
}

/// Re-derives a deduction's status and dispute deadline from its amounts and disputes.
pub(crate) fn restatus(d: &mut Deduction, disputes: &[Dispute], at: DateTime<Utc>) {
    let attempts: Vec<_> = disputes.iter().map(Dispute::as_attempt).collect();
    let fully_reversed = d.reversed >= d.amount;
    let recovered = d.outstanding() == Decimal::ZERO;
    d.status = rules::status(d.kind, d.posted_at, &attempts, recovered, fully_reversed, at);
    d.dispute_attempts = attempts.len() as i64;
    d.dispute_deadline = rules::may_dispute(d.kind, d.posted_at, &attempts, fully_reversed, at).ok();
}

/// What a dispute of `d` would be refused for now, if anything.
fn refusal(d: &Deduction, disputes: &[Dispute], at: DateTime<Utc>) -> Option<String> {
    let attempts: Vec<_> = disputes.iter().map(Dispute::as_attempt).collect();
    rules::may_dispute(d.kind, d.posted_at, &attempts, d.reversed >= d.amount, at).err().map(|r| r.to_string())
}

fn check_text(field: &str, text: &str, required: bool, issues: &mut Vec<FieldIssue>) -> String {
    let t = text.trim();
    if required && t.is_empty() {
        issues.push(FieldIssue::new(field, "is required"));
    } else if t.chars().count() > MAX_MESSAGE_CHARS {
        issues.push(FieldIssue::new(field, format!("has more than {MAX_MESSAGE_CHARS} characters")));
    }
    t.to_string()
}

/// Moves the linked invoice's count of open disputes by `delta` (its shown state is `disputed` while above 0).
async fn bump_invoice_disputes(c: &impl ConnectionTrait, d: &Deduction, delta: i64, at: DateTime<Utc>) -> Result<(), ServiceError> {
    let Some(id) = d.invoice_id else { return Ok(()) };
    let Some(mut inv) = repo::invoices::get(c, Some(d.tenant), id).await? else { return Ok(()) };
    let read_at = inv.updated_at;
    inv.open_disputes = (inv.open_disputes + delta).max(0);
    inv.updated_at = at;
    repo::invoices::update(c, &inv, read_at).await?;
    Ok(())
}

impl Services {
    /// One page of the ledger the principal may see.
    pub async fn list_deductions(
        &self,
        ctx: &Ctx,
        mut filter: DeductionFilter,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<Page<Deduction>, ServiceError> {
        require(ctx, Area::Deductions, Access::Read)?;
        filter.tenant = list_scope(ctx).or(filter.tenant);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::deductions::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |d| Cursor { created_at: d.posted_at, id: d.id }))
    }

    /// Totals by month and kind (and currency) of the ledger entries matching `filter`, newest month first.
    pub async fn ledger_totals(&self, ctx: &Ctx, mut filter: DeductionFilter) -> Result<Vec<LedgerTotal>, ServiceError> {
        require(ctx, Area::Deductions, Access::Read)?;
        filter.tenant = list_scope(ctx).or(filter.tenant);
        let mut totals: BTreeMap<(String, DeductionKind, String), LedgerTotal> = BTreeMap::new();
        for d in repo::deductions::all(&self.db.conn, &filter).await? {
            let month = format!("{:04}-{:02}", d.posted_at.year(), d.posted_at.month());
            let t = totals.entry((month.clone(), d.kind, d.currency.clone())).or_insert_with(|| LedgerTotal {
                month,
                kind: d.kind,
                currency: d.currency.clone(),
                count: 0,
                amount: Decimal::ZERO,
                reversed: Decimal::ZERO,
                outstanding: Decimal::ZERO,
            });
            t.count += 1;
            t.amount += d.amount;
            t.reversed += d.reversed;
            t.outstanding += d.outstanding();
        }
        let mut out: Vec<_> = totals.into_values().collect();
        out.sort_by(|a, b| b.month.cmp(&a.month).then(a.kind.cmp(&b.kind)).then(a.currency.cmp(&b.currency)));
        Ok(out)
    }

    pub async fn deduction(&self, ctx: &Ctx, id: Uuid) -> Result<DeductionDetail, ServiceError> {
        require(ctx, Area::Deductions, Access::Read)?;
        let d = repo::deductions::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("deduction"))?;
        require_object(ctx, Area::Deductions, Access::Read, d.tenant, "deduction")?;
        let disputes = repo::deductions::disputes(&self.db.conn, id).await?;
        let refusal = refusal(&d, &disputes, now());
        let mut views = Vec::new();
        for dispute in disputes {
            let documents = repo::documents::for_owner(&self.db.conn, Some(d.tenant), "dispute", dispute.id).await?;
            views.push(DisputeView { dispute, documents });
        }
        Ok(DeductionDetail { outstanding: d.outstanding(), deduction: d, disputes: views, dispute_refusal: refusal })
    }

    /// The evidence pack of a deduction: the PO, every acknowledgement version, the ASNs with their
    /// cartons, the appointments, the receipts with every carton scan and check-in time, the invoice
    /// and the disputes so far, all from ACORN's own records.
    pub async fn evidence_pack(&self, ctx: &Ctx, id: Uuid) -> Result<EvidencePack, ServiceError> {
        let detail = self.deduction(ctx, id).await?;
        let d = detail.deduction;
        let c = &self.db.conn;
        let t = d.tenant;
        let mut pack = EvidencePack {
            purchase_order: None,
            acknowledgements: Vec::new(),
            shipments: Vec::new(),
            appointments: Vec::new(),
            receipts: Vec::new(),
            invoice: None,
            disputes: detail.disputes,
            deduction: d.clone(),
        };
        if let Some(po_id) = d.po_id
            && let Some(po) = repo::orders::get(c, Some(t), po_id).await?
        {
            pack.purchase_order = Some(json(&po));
            pack.acknowledgements = repo::orders::acks(c, t, po_id).await?.iter().map(json).collect();
            let shipments = repo::shipments::for_pos(c, t, &[po_id]).await?;
            let ids: Vec<Uuid> = shipments.iter().map(|h| h.shipment.id).collect();
            pack.appointments = repo::dock::appointments_of_shipments(c, Some(t), &ids).await?.iter().map(json).collect();
            for h in &shipments {
                if let Some(r) = repo::dock::receipt_of(c, t, h.shipment.id).await? {
                    pack.receipts.push(json(&r));
                }
            }
            pack.shipments = shipments.iter().map(json).collect();
        }
        if let Some(inv) = d.invoice_id
            && let Some(invoice) = repo::invoices::get(c, Some(t), inv).await?
        {
            let lines = repo::invoices::lines(c, t, inv).await?;
            pack.invoice = Some(serde_json::json!({"invoice": invoice, "lines": lines}));
        }
        Ok(pack)
    }

    /// The vendor disputes a deduction: a message and optional proof files `(filename, bytes)`.
    pub async fn open_dispute(&self, ctx: &Ctx, id: Uuid, message: &str, files: Vec<(String, Vec<u8>)>) -> Result<DeductionDetail, ServiceError> {
        require(ctx, Area::Deductions, Access::Write)?;
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Rejected { code: "vendor_only", message: "disputes are opened by the vendor".into() });
        }
        let found = repo::deductions::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("deduction"))?;
        require_object(ctx, Area::Deductions, Access::Write, found.tenant, "deduction")?;
        let mut issues = Vec::new();
        let message = check_text("message", message, true, &mut issues);
        for (i, (_, bytes)) in files.iter().enumerate() {
            if let Err(ServiceError::Invalid(mut e)) = crate::documents::check_size(bytes.len()) {
                e.iter_mut().for_each(|x| x.field = format!("files[{}]", i + 1));
                issues.extend(e);
            }
        }
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        let (message, files) = (&message, &files);
        self.mutate(ctx, |tx| async move {
            let at = now();
            let mut d = repo::deductions::get(tx.c(), Some(found.tenant), id).await?.ok_or(ServiceError::NotFound("deduction"))?;
            let read_at = d.updated_at;
            let mut disputes = repo::deductions::disputes(tx.c(), id).await?;
            let attempts: Vec<_> = disputes.iter().map(Dispute::as_attempt).collect();
            if let Err(r) = rules::may_dispute(d.kind, d.posted_at, &attempts, d.reversed >= d.amount, at) {
                return Err(ServiceError::Rejected { code: r.code(), message: r.to_string() });
            }
            let dispute = Dispute {
                id: new_id(),
                tenant: d.tenant,
                deduction_id: d.id,
                attempt: disputes.len() as i64 + 1,
                message: message.clone(),
                opened_by: ctx.principal.actor(),
                opened_at: at,
                outcome: None,
                reversed_amount: None,
                payback: Decimal::ZERO,
                decision_reason: None,
                decided_by: None,
                decided_at: None,
                credited_remittance_id: None,
            };
            repo::deductions::insert_dispute(tx.c(), &dispute).await?;
            let mut docs = Vec::new();
            for (i, (name, bytes)) in files.iter().enumerate() {
                let doc = self.store_document(tx.c(), ctx, d.tenant, "dispute", dispute.id, name, bytes).await.map_err(|e| match e {
                    ServiceError::Invalid(mut list) => {
                        list.iter_mut().for_each(|x| x.field = format!("files[{}]", i + 1));
                        ServiceError::Invalid(list)
                    }
                    other => other,
                })?;
                docs.push(doc);
            }
            disputes.push(dispute.clone());
            restatus(&mut d, &disputes, at);
            d.updated_at = at;
            repo::deductions::update(tx.c(), &d, read_at).await?;
            bump_invoice_disputes(tx.c(), &d, 1, at).await?;
            let summary = format!(
                "{} disputes deduction {} ({}, {}), attempt {}",
                d.vendor_code,
                d.number,
                d.kind.label(),
                money::format_amount(d.amount, &d.currency),
                dispute.attempt
            );
            let change = Change::new(d.tenant, "dispute.opened", "deduction", d.id).after(&serde_json::json!({"dispute": dispute, "documents": docs})).event(
                "dispute.opened",
                summary,
                format!("/deductions/{}", d.id),
                Audience::Retailer,
                serde_json::json!({"number": d.number, "attempt": dispute.attempt}),
            );
            Ok(((), change))
        })
        .await?;
        self.deduction(ctx, id).await
    }

    /// Staff decide the open dispute of a deduction.
    pub async fn decide_dispute(
        &self,
        ctx: &Ctx,
        id: Uuid,
        outcome: DisputeOutcome,
        reversed_amount: Option<&str>,
        reason: &str,
    ) -> Result<DeductionDetail, ServiceError> {
        require(ctx, Area::Deductions, Access::Write)?;
        if !ctx.principal.is_retailer_side() {
            return Err(ServiceError::Forbidden);
        }
        let mut issues = Vec::new();
        let reason = check_text("reason", reason, true, &mut issues);
        let amount = match reversed_amount.map(str::trim).filter(|s| !s.is_empty()) {
            Some(a) => money::parse_amount(a, false).map_err(|e| issues.push(FieldIssue::new("reversed_amount", e))).ok(),
            None => None,
        };
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        let reason = &reason;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let mut d = repo::deductions::get(tx.c(), None, id).await?.ok_or(ServiceError::NotFound("deduction"))?;
            let read_at = d.updated_at;
            let mut disputes = repo::deductions::disputes(tx.c(), id).await?;
            let Some(open) = disputes.iter_mut().find(|x| x.decided_at.is_none()) else {
                return Err(ServiceError::Conflict { code: "no_open_dispute", message: format!("deduction {} has no open dispute to decide", d.number) });
            };
            let standing = d.amount - d.reversed;
            let credited = rules::decide(outcome, standing, amount, &d.currency).map_err(|e| ServiceError::invalid("reversed_amount", e))?;
            open.outcome = Some(outcome);
            open.reversed_amount = Some(credited);
            open.payback = credited;
            open.decision_reason = Some(reason.clone());
            open.decided_by = Some(ctx.principal.actor());
            open.decided_at = Some(at);
            let decided = open.clone();
            repo::deductions::update_dispute(tx.c(), &decided, false).await?;
            d.reversed += credited;
            restatus(&mut d, &disputes, at);
            d.updated_at = at;
            repo::deductions::update(tx.c(), &d, read_at).await?;
            bump_invoice_disputes(tx.c(), &d, -1, at).await?;
            let summary = format!(
                "Dispute of deduction {} {}: {} credited back ({})",
                d.number,
                outcome.as_str().replace('_', " "),
                money::format_amount(credited, &d.currency),
                reason
            );
            let change = Change::new(d.tenant, "dispute.decided", "deduction", d.id).after(&decided).event(
                "dispute.decided",
                summary,
                format!("/deductions/{}", d.id),
                Audience::Vendor,
                serde_json::json!({"number": d.number, "outcome": outcome, "credited": credited}),
            );
            Ok(((), change))
        })
        .await?;
        self.deduction(ctx, id).await
    }

    /// Open deductions of a vendor (for the dashboard), newest first.
    pub async fn open_deductions_of(&self, ctx: &Ctx, tenant: TenantId) -> Result<Vec<Deduction>, ServiceError> {
        require_object(ctx, Area::Deductions, Access::Read, tenant, "vendor")?;
        let mut all =
            repo::deductions::all(&self.db.conn, &DeductionFilter { tenant: Some(tenant), status: Some(DeductionStatus::Open), ..Default::default() }).await?;
        all.reverse();
        Ok(all)
    }
}

/// A record as a JSON value for the evidence pack (records that cannot serialise are left out as null).
fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
