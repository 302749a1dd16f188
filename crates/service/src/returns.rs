//! Returns to vendor (DOMAIN.md "Returns (RTV)"): retailer staff raise a return per item and type at
//! the item's cost in force; the vendor approves a quantity with its own authorisation number (RMA),
//! a disposition and — to ship back — a return address (prefilled from the address it saved for the
//! type), or rejects it with a reason; staff complete an approved return once the goods went back or
//! were destroyed, which posts the debit memo to the deduction ledger in the same transaction, once.
//! Staff may withdraw a return while it waits for the vendor's answer.
//!
//! Damaged units of a vendor whose agreement has a damage allowance are not returned at all (the
//! allowance is deducted from invoices instead), so such a return is refused when raised.

use crate::authz::{list_scope, require, require_object};
use crate::deductions::{Posting, post, posted_change};
use crate::terms::terms_on;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::{Deduction, DeductionKind};
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::items::cost_on;
use acorn_domain::money;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::returns::{self, Answer, Disposition, ReturnRequest, ReturnStatus, ReturnType};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_store::repo;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

pub use acorn_store::repo::returns::{ReturnAddress, ReturnFilter};

/// Units a return may ask for at most.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Characters of free text (reasons, addresses) at most.
pub const MAX_TEXT: usize = 500;
/// The audit object type of a return (and of its business events).
pub const OBJECT_TYPE: &str = "return";

/// A return as staff enter it. Text is parsed here, so the form and the API share one set of checks.
#[derive(Clone, Debug, Default)]
pub struct NewReturn {
    pub vendor_code: String,
    /// The vendor's SKU or the item's GTIN.
    pub item: String,
    pub dc_code: String,
    /// `overstock`, `damaged`, `defective`, `expired` or `recall`.
    pub return_type: String,
    /// Eaches.
    pub quantity: i64,
    /// Optional detail beyond the type.
    pub reason: String,
}

/// One step of a return's history, from its audit records.
#[derive(Clone, Debug, Serialize)]
pub struct ReturnStep {
    /// `return.raised`, `return.approved`, `return.rejected`, `return.completed`, `return.cancelled`.
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A return with what its page and the API show beside it.
#[derive(Clone, Debug, Serialize)]
pub struct ReturnDetail {
    #[serde(rename = "return")]
    pub ret: ReturnRequest,
    /// The debit memo posted at completion.
    pub debit_memo: Option<Deduction>,
    /// What happened, oldest first.
    pub timeline: Vec<ReturnStep>,
    /// The vendor's saved address for the return's type (what an approval to ship back is prefilled with).
    pub saved_address: Option<String>,
}

fn forbidden_side(ctx: &Ctx, retailer: bool) -> Result<(), ServiceError> {
    if ctx.principal.is_retailer_side() == retailer { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// Optional free text: trimmed, at most [`MAX_TEXT`] characters.
fn optional_text(input: &str) -> Result<String, String> {
    let v = input.trim();
    let len = v.chars().count();
    if len > MAX_TEXT { Err(format!("is {len} characters long; at most {MAX_TEXT} are allowed")) } else { Ok(v.to_string()) }
}

fn disposition_phrase(d: Disposition) -> &'static str {
    match d {
        Disposition::ShipBack => "ship back",
        Disposition::Destroy => "destroy",
    }
}

fn link(id: Uuid) -> String {
    format!("/returns/{id}")
}

impl Services {
    /// Staff raise a return to a vendor for one item.
    pub async fn raise_return(&self, ctx: &Ctx, new: NewReturn) -> Result<ReturnDetail, ServiceError> {
        require(ctx, Area::Returns, Access::Write)?;
        forbidden_side(ctx, true)?;
        let c = &self.db.conn;
        let mut issues = Issues::new();
        let code = new.vendor_code.trim().to_uppercase();
        let tenant = if code.is_empty() {
            issues.push(FieldIssue::new("vendor_code", "is required: the vendor code the goods were bought from, e.g. ACME1"));
            None
        } else {
            let t = repo::vendors::tenant_of_code(c, &code).await?;
            if t.is_none() {
                issues.push(FieldIssue::new("vendor_code", format!("`{code}` is not a vendor code in ACORN")));
            }
            t
        };
        let dc_code = new.dc_code.trim().to_uppercase();
        let dc = if dc_code.is_empty() {
            issues.push(FieldIssue::new("dc_code", "is required: the DC the goods go back from"));
            None
        } else {
            let dc = repo::facilities::get_dc_by_code(c, &dc_code).await?;
            if dc.is_none() {
                issues.push(FieldIssue::new("dc_code", format!("`{dc_code}` is not a DC in ACORN")));
            }
            dc
        };
        let return_type = issues.field("return_type", ReturnType::parse_or_explain(&new.return_type));
        if !(1..=MAX_QUANTITY).contains(&new.quantity) {
            issues.push(FieldIssue::new("quantity", format!("is {}; return 1 to {MAX_QUANTITY} units (eaches)", new.quantity)));
        }
        let reason = issues.field("reason", optional_text(&new.reason));
        let at = now();
        // "Today" as the item's cost and the terms in force read it elsewhere (the item page, the terms view): UTC.
        let today = at.date_naive();
        let mut item = None;
        if let Some(t) = tenant {
            let wanted = new.item.trim();
            match repo::returns::find_item(c, t, wanted).await? {
                None if wanted.is_empty() => {
                    issues.push(FieldIssue::new("item", "is required: the vendor SKU or the GTIN of the item"));
                }
                None => {
                    issues.push(FieldIssue::new("item", format!("`{wanted}` is neither a vendor SKU nor a GTIN of an item of vendor {code}")));
                }
                Some(i) => {
                    let costs = repo::items::costs(c, t, &[i.id]).await?;
                    match cost_on(&costs, today) {
                        Some(cost) => item = Some((i, cost.clone())),
                        None => {
                            issues.push(FieldIssue::new("item", format!("`{}` has no cost in force on {today}", i.vendor_sku)));
                        }
                    }
                }
            }
            if let Some(rt) = return_type {
                let terms = terms_on(c, t, today).await?;
                if let Err(e) = returns::may_raise(rt, terms.terms.damage_allowance_percent) {
                    issues.push(FieldIssue::new("return_type", e));
                }
            }
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        let (Some(tenant), Some(dc), Some(return_type), Some(reason), Some((item, cost))) = (tenant, dc, return_type, reason, item) else {
            return Err(ServiceError::internal("a checked return is incomplete"));
        };
        let draft = ReturnRequest {
            id: new_id(),
            tenant,
            number: String::new(),
            vendor_code: code,
            item_id: item.id,
            vendor_sku: item.vendor_sku.clone(),
            gtin: item.gtin.as_str().to_string(),
            title: item.title.clone(),
            dc_code: dc.code.clone(),
            return_type,
            quantity: new.quantity,
            unit_cost: cost.unit_cost,
            currency: cost.currency.clone(),
            reason,
            status: ReturnStatus::Requested,
            approved_quantity: None,
            rejection_reason: None,
            vendor_rma: None,
            disposition: None,
            return_address: None,
            deduction_id: None,
            raised_by: ctx.principal.actor(),
            raised_at: at,
            answered_at: None,
            completed_at: None,
            updated_at: at,
        };
        let draft = &draft;
        let id = self
            .mutate(ctx, |tx| async move {
                let mut r = draft.clone();
                r.number = returns::return_number(repo::counters::next(tx.c(), "rtv").await? as i64);
                repo::returns::insert(tx.c(), &r).await?;
                let summary = format!("Return {} requested: {} × {} ({}) from {}, {}", r.number, r.quantity, r.vendor_sku, r.title, r.dc_code, r.return_type);
                let change = Change::new(r.tenant, "return.raised", OBJECT_TYPE, r.id).after(&r).event(
                    "return.requested",
                    summary,
                    link(r.id),
                    Audience::Vendor,
                    serde_json::json!({"number": r.number, "vendor_code": r.vendor_code, "quantity": r.quantity, "return_type": r.return_type}),
                );
                Ok((r.id, change))
            })
            .await?;
        self.return_detail(tenant, id).await
    }

    /// The vendor answers a requested return: approves a quantity (with its RMA, a disposition and,
    /// to ship back, an address — its saved one for the type when left out) or rejects it.
    pub async fn answer_return(&self, ctx: &Ctx, id: Uuid, answer: Answer) -> Result<ReturnDetail, ServiceError> {
        require(ctx, Area::Returns, Access::Write)?;
        forbidden_side(ctx, false)?;
        let found = repo::returns::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("return"))?;
        require_object(ctx, Area::Returns, Access::Write, found.tenant, "return")?;
        let tenant = found.tenant;
        let answer = &answer;
        self.mutate(ctx, |tx| async move {
            let before = repo::returns::get(tx.c(), Some(tenant), id).await?.ok_or(ServiceError::NotFound("return"))?;
            // Tidy the answer; an approval to ship back without an address takes the saved one.
            let answer = match answer.clone() {
                Answer::Approve { quantity, vendor_rma, disposition, return_address } => {
                    let mut address = return_address.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
                    if disposition == Disposition::ShipBack && address.is_none() {
                        address = repo::returns::address(tx.c(), tenant, before.return_type).await?.map(|a| a.address);
                    }
                    Answer::Approve { quantity, vendor_rma: vendor_rma.trim().to_string(), disposition, return_address: address }
                }
                Answer::Reject { reason } => Answer::Reject { reason: reason.trim().to_string() },
            };
            let mut issues: Vec<FieldIssue> = match returns::check_answer(before.quantity, before.status, &answer) {
                Ok(()) => Vec::new(),
                Err(list) => list.into_iter().map(|(f, m)| FieldIssue::new(f, m)).collect(),
            };
            let at = now();
            let mut r = before.clone();
            r.answered_at = Some(at);
            r.updated_at = at;
            let (action, summary) = match &answer {
                Answer::Approve { quantity, vendor_rma, disposition, return_address } => {
                    if let Some(a) = return_address
                        && let Err(e) = optional_text(a)
                    {
                        issues.push(FieldIssue::new("return_address", e));
                    }
                    r.status = ReturnStatus::Approved;
                    r.approved_quantity = Some(*quantity);
                    r.vendor_rma = Some(vendor_rma.clone());
                    r.disposition = Some(*disposition);
                    r.return_address = if *disposition == Disposition::ShipBack { return_address.clone() } else { None };
                    let summary =
                        format!("Return {} approved: {} of {} units, RMA {}, {}", r.number, quantity, r.quantity, vendor_rma, disposition_phrase(*disposition));
                    ("return.approved", summary)
                }
                Answer::Reject { reason } => {
                    if let Err(e) = optional_text(reason) {
                        issues.push(FieldIssue::new("rejection_reason", e));
                    }
                    r.status = ReturnStatus::Rejected;
                    r.rejection_reason = Some(reason.clone());
                    ("return.rejected", format!("Return {} rejected: {reason}", r.number))
                }
            };
            if !issues.is_empty() {
                return Err(ServiceError::Invalid(issues));
            }
            repo::returns::update(tx.c(), &r, before.updated_at).await?;
            let change = Change::new(r.tenant, action, OBJECT_TYPE, r.id).before(&before).after(&r).event(
                action,
                summary,
                link(r.id),
                Audience::Retailer,
                serde_json::json!({"number": r.number, "status": r.status, "approved_quantity": r.approved_quantity, "vendor_rma": r.vendor_rma}),
            );
            Ok(((), change))
        })
        .await?;
        self.return_detail(tenant, id).await
    }

    /// Staff complete an approved return (the goods were shipped back or destroyed): the debit memo
    /// is posted to the deduction ledger in the same transaction. Completing again changes nothing
    /// and posts nothing.
    pub async fn complete_return(&self, ctx: &Ctx, id: Uuid) -> Result<ReturnDetail, ServiceError> {
        require(ctx, Area::Returns, Access::Write)?;
        forbidden_side(ctx, true)?;
        let found = repo::returns::get(&self.db.conn, None, id).await?.ok_or(ServiceError::NotFound("return"))?;
        let tenant = found.tenant;
        self.mutate_if_changed(ctx, |tx| async move {
            let before = repo::returns::get(tx.c(), Some(tenant), id).await?.ok_or(ServiceError::NotFound("return"))?;
            match before.status {
                ReturnStatus::Approved => {}
                ReturnStatus::Completed => return Ok(((), None)),
                other => {
                    return Err(ServiceError::Rejected {
                        code: "return_not_approved",
                        message: format!("return {} is {other}; only an approved return can be completed", before.number),
                    });
                }
            }
            let at = now();
            let approved = before.approved_quantity.ok_or_else(|| ServiceError::internal(format!("approved return {} without a quantity", before.number)))?;
            let amount = returns::debit_amount(approved, before.unit_cost, &before.currency).map_err(ServiceError::internal)?;
            let disposition = before.disposition.unwrap_or(Disposition::ShipBack);
            let source_key = format!("return:{}", before.id);
            let posting = Posting {
                tenant: before.tenant,
                vendor_code: before.vendor_code.clone(),
                kind: DeductionKind::ReturnDebit,
                description: format!(
                    "Return debit memo for {}: {} × {} at {} {} ({}, RMA {})",
                    before.number,
                    approved,
                    before.vendor_sku,
                    money::format_amount(before.unit_cost, &before.currency),
                    before.currency,
                    disposition_phrase(disposition),
                    before.vendor_rma.as_deref().unwrap_or("")
                ),
                currency: before.currency.clone(),
                amount,
                po: None,
                shipment_id: None,
                receipt_id: None,
                invoice: None,
                return_id: Some(before.id),
                evidence: serde_json::json!({
                    "return": {
                        "id": before.id,
                        "number": before.number,
                        "type": before.return_type,
                        "reason": before.reason,
                        "dc": before.dc_code,
                        "raised_by": before.raised_by,
                        "raised_at": before.raised_at,
                        "answered_at": before.answered_at,
                        "completed_at": at,
                    },
                    "item": {"id": before.item_id, "vendor_sku": before.vendor_sku, "gtin": before.gtin, "title": before.title},
                    "requested_quantity": before.quantity,
                    "approved_quantity": approved,
                    "unit_cost": money::format_amount(before.unit_cost, &before.currency),
                    "currency": before.currency,
                    "amount": money::format_amount(amount, &before.currency),
                    "vendor_rma": before.vendor_rma,
                    "disposition": disposition,
                    "return_address": before.return_address,
                }),
                source_key: source_key.clone(),
            };
            // Posted once per return: a memo already posted for it (none can be, while the return is
            // not completed) is linked rather than posted again; an amount of 0 posts nothing.
            let posted = post(tx.c(), posting, at).await?;
            let memo = match &posted {
                Some(d) => Some(d.clone()),
                None => repo::deductions::by_source(tx.c(), &source_key).await?,
            };
            let mut r = before.clone();
            r.status = ReturnStatus::Completed;
            r.completed_at = Some(at);
            r.deduction_id = memo.as_ref().map(|d| d.id);
            r.updated_at = at;
            repo::returns::update(tx.c(), &r, before.updated_at).await?;
            let done = match disposition {
                Disposition::ShipBack => "shipped back",
                Disposition::Destroy => "destroyed",
            };
            let summary = match &memo {
                Some(d) => format!(
                    "Return {} completed ({done}): debit memo {} for {} {}",
                    r.number,
                    d.number,
                    money::format_amount(d.amount, &d.currency),
                    d.currency
                ),
                None => format!("Return {} completed ({done}): no debit memo (the amount rounds to 0)", r.number),
            };
            let mut change = Change::new(r.tenant, "return.completed", OBJECT_TYPE, r.id).before(&before).after(&r).event(
                "return.completed",
                summary,
                link(r.id),
                Audience::Vendor,
                serde_json::json!({"number": r.number, "deduction": memo.as_ref().map(|d| &d.number), "amount": memo.as_ref().map(|d| d.amount), "currency": r.currency}),
            );
            if let Some(d) = &posted {
                change.more.push(posted_change(d));
            }
            Ok(((), Some(change)))
        })
        .await?;
        self.return_detail(tenant, id).await
    }

    /// Staff withdraw a return that still waits for the vendor's answer.
    pub async fn cancel_return(&self, ctx: &Ctx, id: Uuid) -> Result<ReturnDetail, ServiceError> {
        require(ctx, Area::Returns, Access::Write)?;
        forbidden_side(ctx, true)?;
        let found = repo::returns::get(&self.db.conn, None, id).await?.ok_or(ServiceError::NotFound("return"))?;
        let tenant = found.tenant;
        self.mutate(ctx, |tx| async move {
            let before = repo::returns::get(tx.c(), Some(tenant), id).await?.ok_or(ServiceError::NotFound("return"))?;
            if before.status != ReturnStatus::Requested {
                return Err(ServiceError::Rejected {
                    code: "return_not_requested",
                    message: format!("return {} is {}; only a return still waiting for the vendor's answer can be cancelled", before.number, before.status),
                });
            }
            let mut r = before.clone();
            r.status = ReturnStatus::Cancelled;
            r.updated_at = now();
            repo::returns::update(tx.c(), &r, before.updated_at).await?;
            let change = Change::new(r.tenant, "return.cancelled", OBJECT_TYPE, r.id).before(&before).after(&r).event(
                "return.cancelled",
                format!("Return {} withdrawn by the retailer", r.number),
                link(r.id),
                Audience::Vendor,
                serde_json::json!({"number": r.number}),
            );
            Ok(((), change))
        })
        .await?;
        self.return_detail(tenant, id).await
    }

    /// A return with its debit memo and history (a vendor sees only its own; another's is not found).
    pub async fn get_return(&self, ctx: &Ctx, id: Uuid) -> Result<ReturnDetail, ServiceError> {
        require(ctx, Area::Returns, Access::Read)?;
        let r = repo::returns::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("return"))?;
        self.return_detail(r.tenant, r.id).await
    }

    /// Returns in the order they were raised, filtered, a page at a time (vendors see their own).
    pub async fn list_returns(
        &self,
        ctx: &Ctx,
        mut filter: ReturnFilter,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<Page<ReturnRequest>, ServiceError> {
        require(ctx, Area::Returns, Access::Read)?;
        filter.tenant = list_scope(ctx).or(filter.tenant);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::returns::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |r| Cursor { created_at: r.raised_at, id: r.id }))
    }

    /// The saved return addresses: a vendor's own; staff those of `vendor`, or of every vendor.
    pub async fn return_addresses(&self, ctx: &Ctx, vendor: Option<TenantId>) -> Result<Vec<ReturnAddress>, ServiceError> {
        require(ctx, Area::Returns, Access::Read)?;
        Ok(repo::returns::addresses(&self.db.conn, list_scope(ctx).or(vendor)).await?)
    }

    /// The vendor saves its return address for a return type (what approvals to ship back are prefilled with).
    pub async fn set_return_address(&self, ctx: &Ctx, tenant: TenantId, return_type: ReturnType, address: &str) -> Result<ReturnAddress, ServiceError> {
        require(ctx, Area::Returns, Access::Write)?;
        forbidden_side(ctx, false)?;
        require_object(ctx, Area::Returns, Access::Write, tenant, "vendor")?;
        let address = acorn_domain::validate::required_text(address, MAX_TEXT).map_err(|e| ServiceError::invalid("address", e))?;
        let saved = ReturnAddress { tenant, return_type, address, updated_at: now() };
        let saved = &saved;
        self.mutate(ctx, |tx| async move {
            let before = repo::returns::address(tx.c(), tenant, return_type).await?;
            repo::returns::put_address(tx.c(), saved).await?;
            let mut change = Change::new(tenant, "return_address.saved", "return_address", format!("{}:{return_type}", tenant.0)).after(saved);
            if let Some(b) = &before {
                change = change.before(b);
            }
            Ok(((), change))
        })
        .await?;
        Ok(saved.clone())
    }

    /// A return's detail without authorisation (callers have checked).
    async fn return_detail(&self, tenant: TenantId, id: Uuid) -> Result<ReturnDetail, ServiceError> {
        let c = &self.db.conn;
        let ret = repo::returns::get(c, Some(tenant), id).await?.ok_or(ServiceError::NotFound("return"))?;
        let debit_memo = match ret.deduction_id {
            Some(d) => repo::deductions::get(c, Some(tenant), d).await?,
            None => None,
        };
        let filter = repo::audit::Filter {
            tenant: Some(tenant),
            object_type: Some(OBJECT_TYPE.to_string()),
            object_id: Some(id.to_string()),
            action_prefix: Some("return.".to_string()),
        };
        let mut records = repo::audit::list(c, &filter, None, 50).await?;
        records.truncate(50);
        let timeline = records.into_iter().rev().map(|a| ReturnStep { action: a.action, actor: a.actor, at: a.at }).collect();
        let saved_address = repo::returns::address(c, tenant, ret.return_type).await?.map(|a| a.address);
        Ok(ReturnDetail { ret, debit_memo, timeline, saved_address })
    }
}
