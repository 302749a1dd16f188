//! Replenishment suggestions after the forecast run: the buyer reviews them (the current cycle: the
//! latest run's, every one still open, and every one decided since), adjusts a quantity, rejects, or
//! approves a selection into purchase orders in one step — one PO per vendor × DC through the
//! order-to-dock PO flow ([`Services::prepare_po`], [`Services::write_po`]), written in the same
//! transaction as the suggestions' change to `ordered`. The vendor answers each of its suggestions
//! with a commitment (the quantity and date it can supply, or a shortfall with a reason), kept as
//! versions, the latest in force and shown to the buyer. Under VMI (the agreement's `planning.vmi`)
//! the vendor proposes orders itself, within the agreed stock range; a proposal is a suggestion the
//! buyer approves like any other.
//!
//! Who: the retailer's buyers (forecast and PO writers) decide; a vendor's forecast writers commit and
//! propose ([`require_vendor`]); every forecast reader lists (a vendor its own). Every mutation is
//! audited in its transaction; decisions are guarded by the suggestion's `updated_at`
//! ([`repo::forecast::decide_suggestion`]) and approving again returns the PO made the first time.

use crate::authz::{list_scope, require, require_retailer, require_vendor};
use crate::forecast::params::agreement_planning;
use crate::orders::{NewPo, NewPoLine, dc_today};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::events::Audience;
use acorn_domain::forecast::Commitment;
use acorn_domain::forecast::{CommitmentInput, MAX_REASON_CHARS, Suggestion, SuggestionOrigin, SuggestionStatus, adjusted_quantity, effective, vmi_quantity};
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::master::{Dc, VendorIdentifierKind};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_store::repo::forecast::{SuggestionListRow, SuggestionQuery};
use acorn_store::{ConnectionTrait, StoreError, repo};
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// What the list is filtered by, as typed (vendor and DC by code, status by name).
#[derive(Clone, Debug, Default)]
pub struct SuggestionFilter {
    /// Staff: one vendor's (default all). Vendors: their own whatever is named.
    pub vendor_code: Option<String>,
    pub dc: Option<String>,
    pub item: Option<Uuid>,
    /// `proposed`, `adjusted`, `approved`, `rejected` or `ordered`; without one, the current cycle.
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// A suggestion as lists show it: with its vendor code, item, DC, the vendor's commitment in force
/// and, once ordered, the PO's number.
#[derive(Clone, Debug, Serialize)]
pub struct SuggestionLine {
    pub suggestion: Suggestion,
    /// Every commitment, oldest first: the last is in force ([`SuggestionLine::commitment`]).
    pub history: Vec<Commitment>,
    pub vendor_code: String,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub case_pack: i64,
    pub dc_code: String,
    pub dc_time_zone: String,
    pub po_number: Option<String>,
}

impl SuggestionLine {
    /// The vendor's commitment in force: its latest.
    pub fn commitment(&self) -> Option<&Commitment> {
        self.history.last()
    }

    /// Whether the vendor's commitment in force falls short of what is asked.
    pub fn short(&self) -> bool {
        self.commitment().is_some_and(|c| c.shortfall > 0)
    }
}

/// A buyer's adjustment: the suggestion as saved and, when the quantity typed was not a whole number
/// of cases, what was typed (it was rounded up to the case pack).
#[derive(Clone, Debug, Serialize)]
pub struct Adjusted {
    pub suggestion: Suggestion,
    pub rounded_from: Option<i64>,
    pub case_pack: i64,
}

/// How approved suggestions are dated on their POs. Give a ship window, a delivery date, both or
/// neither: without a delivery date each PO is due today (at its DC) plus the longest lead time of its
/// items (or the date a VMI proposal asked for); without a ship window the vendor ships from today
/// until the delivery date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderOptions {
    pub ship_start: Option<NaiveDate>,
    pub ship_end: Option<NaiveDate>,
    pub delivery_on: Option<NaiveDate>,
}

/// A PO an approval made (or had made before, for suggestions already ordered).
#[derive(Clone, Debug, Serialize)]
pub struct ApprovedPo {
    pub po_id: Uuid,
    pub number: String,
    pub vendor_id: TenantId,
    pub vendor_code: String,
    pub dc_code: String,
    pub suggestion_ids: Vec<Uuid>,
    /// False when the suggestions had been ordered before (a retry): no second PO was made.
    pub created: bool,
}

/// A vendor's VMI proposal as sent.
#[derive(Clone, Debug, Default)]
pub struct VmiProposal {
    /// The item by id (the API), or by the vendor's SKU (the portal's form) when no id is given.
    pub item_id: Option<Uuid>,
    pub vendor_sku: String,
    pub dc_code: String,
    pub quantity: Option<i64>,
    pub delivery_on: Option<NaiveDate>,
}

/// A suggestion with every commitment the vendor made to it, oldest first (the last is in force).
#[derive(Clone, Debug, Serialize)]
pub struct SuggestionDetail {
    /// With every commitment, oldest first, in `line.history`.
    pub line: SuggestionLine,
    /// What a commitment answers: the quantity in force, or the PO line's once ordered.
    pub asked: i64,
}

/// A vendor × DC: what one PO is for.
type VendorDc = (TenantId, Uuid);
/// A suggestion with its place in the request's `ids` (errors are named `ids[i]`).
type Named = (usize, Suggestion);

/// The buyer's note on a decision, trimmed; kept in the audit record.
fn note(reason: Option<&str>) -> Result<String, ServiceError> {
    let r = reason.unwrap_or_default().trim().to_string();
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ServiceError::invalid("reason", format!("is {} characters long; at most {MAX_REASON_CHARS} are kept", r.chars().count())));
    }
    Ok(r)
}

/// The refusal for a decision on a suggestion that is no longer open.
fn decided(s: &Suggestion, po_number: Option<&str>) -> ServiceError {
    let message = match (s.status, po_number) {
        (SuggestionStatus::Ordered, Some(n)) => format!("this suggestion was ordered as PO {n}; change the PO instead"),
        (SuggestionStatus::Ordered, None) => "this suggestion was ordered; change its PO instead".to_string(),
        (status, _) => format!("this suggestion is {status}; only proposed or adjusted suggestions can be decided"),
    };
    ServiceError::Conflict { code: "suggestion_decided", message }
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::Conflict { code: "suggestion_changed", message: "the suggestion changed while you decided; reload and try again".into() }
}

/// The first vendor code of a vendor (POs are issued to a vendor code).
async fn vendor_code(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Option<String>, ServiceError> {
    Ok(repo::vendors::identifiers(c, tenant).await?.into_iter().find(|i| i.kind == VendorIdentifierKind::VendorCode).map(|i| i.value))
}

/// What a commitment answers: for an ordered suggestion the eaches still ordered on its PO line (the
/// PO may have been changed since), else the quantity in force.
async fn asked_of(c: &impl ConnectionTrait, s: &Suggestion) -> Result<i64, ServiceError> {
    if s.status == SuggestionStatus::Ordered
        && let Some(po) = s.po_id
    {
        let lines = repo::orders::lines(c, s.tenant, po).await?;
        return Ok(lines.iter().filter(|l| l.item_id == s.item_id).map(|l| l.ordered_eaches()).sum());
    }
    Ok(s.current_quantity())
}

impl Services {
    /// Suggestions, newest first, keyset-paged: the current cycle, or every suggestion of one status.
    pub async fn list_suggestions(&self, ctx: &Ctx, f: &SuggestionFilter) -> Result<Page<SuggestionLine>, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let c = &self.db.conn;
        let mut issues = Issues::new();
        let code = f.vendor_code.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_uppercase);
        let tenant = match (list_scope(ctx), &code) {
            (Some(own), None) => Some(own),
            (scope, Some(code)) => {
                let named = repo::vendors::tenant_of_code(c, code).await?;
                match (scope, named) {
                    (None, Some(t)) => Some(t),
                    (Some(own), Some(t)) if t == own => Some(own),
                    // Another vendor's code reads exactly like an unknown one.
                    (scope, _) => {
                        issues.push(FieldIssue::new("vendor_code", format!("`{code}` is not a vendor code{}", if scope.is_some() { " of yours" } else { "" })));
                        scope
                    }
                }
            }
            (None, None) => None,
        };
        let dc = match f.dc.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(code) => {
                let code = code.to_uppercase();
                let dc = repo::facilities::get_dc_by_code(c, &code).await?;
                if dc.is_none() {
                    issues.push(FieldIssue::new("dc", format!("`{code}` is not a DC code")));
                }
                dc.map(|d| d.id)
            }
            None => None,
        };
        let status = match f.status.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(s) => issues
                .field("status", SuggestionStatus::parse(s).ok_or_else(|| format!("`{s}` is not a status; use one of {}", SuggestionStatus::TEXTS.join(", ")))),
            None => None,
        };
        let after = f.cursor.as_deref().filter(|v| !v.trim().is_empty()).map(Cursor::decode).transpose();
        let after = match after {
            Ok(a) => a,
            Err(e) => {
                issues.push(FieldIssue::new("cursor", e));
                None
            }
        };
        issues.into_result().map_err(ServiceError::Invalid)?;
        let current = repo::forecast::latest_succeeded_run(c).await?.map(|r| (r.id, r.started_at));
        let q = SuggestionQuery { tenant, dc, item: f.item, status, current };
        let limit = clamp_limit(f.limit);
        let rows = repo::forecast::list_suggestion_rows(c, &q, after.map(|a| (a.created_at, a.id)), limit).await?;
        let page = Page::from_rows(rows, limit, |r| Cursor { created_at: r.suggestion.created_at, id: r.suggestion.id });
        let lines = self.lines_of(c, page.items).await?;
        Ok(Page { items: lines, next: page.next })
    }

    /// The list rows completed with vendor codes, commitments in force and PO numbers (a few queries
    /// per page, not per row, except one per ordered suggestion's PO).
    async fn lines_of(&self, c: &impl ConnectionTrait, rows: Vec<SuggestionListRow>) -> Result<Vec<SuggestionLine>, ServiceError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.suggestion.id).collect();
        let all = repo::forecast::commitments_of(c, &ids).await?;
        let mut codes: HashMap<TenantId, String> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let s = &r.suggestion;
            if let std::collections::hash_map::Entry::Vacant(e) = codes.entry(s.tenant) {
                e.insert(vendor_code(c, s.tenant).await?.unwrap_or_default());
            }
            let po_number = match s.po_id {
                Some(po) => repo::orders::get(c, Some(s.tenant), po).await?.map(|p| p.number),
                None => None,
            };
            out.push(SuggestionLine {
                vendor_code: codes.get(&s.tenant).cloned().unwrap_or_default(),
                history: all.iter().filter(|m| m.suggestion_id == s.id).cloned().collect(),
                po_number,
                vendor_sku: r.vendor_sku,
                gtin: r.gtin,
                title: r.title,
                case_pack: r.case_pack,
                dc_code: r.dc_code,
                dc_time_zone: r.time_zone,
                suggestion: r.suggestion,
            });
        }
        Ok(out)
    }

    /// One suggestion with its commitments (404 for another vendor's).
    pub async fn get_suggestion(&self, ctx: &Ctx, id: Uuid) -> Result<SuggestionDetail, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let c = &self.db.conn;
        let s = repo::forecast::suggestion(c, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
        let asked = asked_of(c, &s).await?;
        let item = repo::items::get(c, Some(s.tenant), s.item_id).await?.ok_or(ServiceError::NotFound("item"))?;
        let dc = repo::facilities::get_dc(c, s.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
        let row = SuggestionListRow {
            vendor_sku: item.vendor_sku,
            gtin: item.gtin.as_str().to_string(),
            title: item.title,
            case_pack: item.case_pack,
            dc_code: dc.code,
            time_zone: dc.time_zone,
            suggestion: s,
        };
        let line = self.lines_of(c, vec![row]).await?.pop().ok_or(ServiceError::NotFound("suggestion"))?;
        Ok(SuggestionDetail { line, asked })
    }

    /// The buyer sets the quantity to order: whole units ≥ 0, rounded UP to the item's case pack (the
    /// answer says so); `reason` is kept in the audit record. The status becomes `adjusted`. Saving
    /// the quantity already in force changes nothing.
    pub async fn adjust_suggestion(&self, ctx: &Ctx, id: Uuid, quantity: Option<i64>, reason: Option<&str>) -> Result<Adjusted, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        let c = &self.db.conn;
        let s = repo::forecast::suggestion(c, None, id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
        let item = repo::items::get(c, Some(s.tenant), s.item_id).await?.ok_or(ServiceError::NotFound("item"))?;
        let quantity = quantity.ok_or_else(|| ServiceError::invalid("quantity", "is required: the units to order, 0 or more"))?;
        let (units, rounded_from) = adjusted_quantity(quantity, item.case_pack).map_err(|e| ServiceError::invalid("quantity", e))?;
        let reason = note(reason)?;
        let reason = &reason;
        let saved = self
            .mutate_if_changed(ctx, |tx| async move {
                let before = repo::forecast::suggestion(tx.c(), None, id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
                if !before.is_open() {
                    let number = po_number(tx.c(), &before).await?;
                    return Err(decided(&before, number.as_deref()));
                }
                if before.status == SuggestionStatus::Adjusted && before.adjusted_quantity == Some(units) {
                    return Ok((before, None));
                }
                let t = now();
                let after = Suggestion {
                    status: SuggestionStatus::Adjusted,
                    adjusted_quantity: Some(units),
                    decided_by: Some(ctx.principal.actor()),
                    decided_at: Some(t),
                    updated_at: t,
                    ..before.clone()
                };
                if !repo::forecast::decide_suggestion(tx.c(), &after, before.updated_at).await? {
                    return Err(StoreError::Retry(format!("suggestion {id} changed concurrently")).into());
                }
                let change = Change::new(after.tenant, "suggestion.adjusted", "replenishment_suggestion", id)
                    .before(&before)
                    .after(&serde_json::json!({"suggestion": after, "typed": quantity, "reason": reason}));
                Ok((after, Some(change)))
            })
            .await?;
        Ok(Adjusted { suggestion: saved, rounded_from, case_pack: item.case_pack })
    }

    /// The buyer rejects a suggestion (nothing is ordered); rejecting it again changes nothing.
    pub async fn reject_suggestion(&self, ctx: &Ctx, id: Uuid, reason: Option<&str>) -> Result<Suggestion, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        repo::forecast::suggestion(&self.db.conn, None, id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
        let reason = note(reason)?;
        let reason = &reason;
        self.mutate_if_changed(ctx, |tx| async move {
            let before = repo::forecast::suggestion(tx.c(), None, id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
            if before.status == SuggestionStatus::Rejected {
                return Ok((before, None));
            }
            if !before.is_open() {
                let number = po_number(tx.c(), &before).await?;
                return Err(decided(&before, number.as_deref()));
            }
            let t = now();
            let after = Suggestion {
                status: SuggestionStatus::Rejected,
                decided_by: Some(ctx.principal.actor()),
                decided_at: Some(t),
                updated_at: t,
                ..before.clone()
            };
            if !repo::forecast::decide_suggestion(tx.c(), &after, before.updated_at).await? {
                return Err(StoreError::Retry(format!("suggestion {id} changed concurrently")).into());
            }
            let change = Change::new(after.tenant, "suggestion.rejected", "replenishment_suggestion", id)
                .before(&before)
                .after(&serde_json::json!({"suggestion": after, "reason": reason}));
            Ok((after, Some(change)))
        })
        .await
    }

    /// Approves suggestions into purchase orders in one step: one PO per vendor × DC, one line per
    /// suggestion (in cases when the quantity is whole cases of a case pack above 1), at the item's
    /// cost in force. The POs and the suggestions' change to `ordered` are one transaction, audited
    /// and announced like any new PO. Suggestions ordered before answer with their PO (a retry never
    /// makes a second one); problems are named `ids[i]` (the suggestion's place in `ids`) or by option.
    pub async fn approve_suggestions(&self, ctx: &Ctx, ids: &[Uuid], opts: &OrderOptions) -> Result<Vec<ApprovedPo>, ServiceError> {
        self.authorize_approval(ctx)?;
        if ids.is_empty() {
            return Err(ServiceError::invalid("ids", "choose at least one suggestion to order"));
        }
        let mut issues = Issues::new();
        match (opts.ship_start, opts.ship_end) {
            (Some(_), None) => {
                issues.push(FieldIssue::new("ship_end", "is required with a ship window start"));
            }
            (None, Some(_)) => {
                issues.push(FieldIssue::new("ship_start", "is required with a ship window end"));
            }
            (Some(s), Some(e)) if e < s => {
                issues.push(FieldIssue::new("ship_end", format!("{e} is before the window starts ({s})")));
            }
            _ => {}
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        // A concurrent decision (or a PO number drawn twice) sends the whole approval round again: the
        // suggestions it ordered meanwhile then answer with their PO.
        for _ in 0..3 {
            match self.approve_once(ctx, ids, opts).await {
                Err(ServiceError::Conflict { code: "suggestion_changed" | "already_exists", .. }) => continue,
                other => return other,
            }
        }
        Err(changed_meanwhile())
    }

    /// Whether the principal may approve suggestions into POs: a retailer buyer who writes forecasts
    /// and purchase orders (callers check this before reporting an unreadable request).
    pub fn authorize_approval(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        require(ctx, Area::PurchaseOrders, Access::Write)
    }

    /// Whether the principal may commit to this suggestion (its vendor's forecast writers): the
    /// suggestion when it may (404 for another vendor's).
    pub async fn authorize_commitment(&self, ctx: &Ctx, id: Uuid) -> Result<Suggestion, ServiceError> {
        require_vendor(ctx, Area::Forecasts, Access::Write)?;
        repo::forecast::suggestion(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("suggestion"))
    }

    /// Whether the principal may propose VMI orders at all (a vendor's forecast writers).
    pub fn authorize_vmi(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        require_vendor(ctx, Area::Forecasts, Access::Write)
    }

    async fn approve_once(&self, ctx: &Ctx, ids: &[Uuid], opts: &OrderOptions) -> Result<Vec<ApprovedPo>, ServiceError> {
        let c = &self.db.conn;
        let found = repo::forecast::suggestions_by_ids(c, None, ids).await?;
        let mut issues = Issues::new();
        let mut seen: Vec<Uuid> = Vec::new();
        // Open suggestions to order, with their place in `ids`; and the POs of those ordered before.
        let mut open: Vec<(usize, Suggestion)> = Vec::new();
        let mut before: Vec<(usize, Suggestion)> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            if seen.contains(id) {
                continue;
            }
            seen.push(*id);
            let field = format!("ids[{i}]");
            let Some(s) = found.iter().find(|s| s.id == *id) else {
                issues.push(FieldIssue::new(field, format!("{id} is not a suggestion")));
                continue;
            };
            match s.status {
                SuggestionStatus::Ordered => before.push((i, s.clone())),
                SuggestionStatus::Rejected => {
                    issues.push(FieldIssue::new(field, "was rejected; it cannot be ordered"));
                }
                _ if s.current_quantity() <= 0 => {
                    issues.push(FieldIssue::new(field, "has quantity 0: adjust the quantity or reject it"));
                }
                _ => {
                    if let Some((j, _)) = open.iter().find(|(_, o)| o.item_id == s.item_id && o.dc_id == s.dc_id) {
                        issues.push(FieldIssue::new(field, format!("is for the same item and DC as ids[{j}]; order one of them")));
                    } else {
                        open.push((i, s.clone()));
                    }
                }
            }
        }
        issues.into_result().map_err(ServiceError::Invalid)?;

        // Group by vendor × DC, in the order the suggestions were named.
        let mut groups: Vec<(VendorDc, Vec<Named>)> = Vec::new();
        for (i, s) in open {
            match groups.iter_mut().find(|(k, _)| *k == (s.tenant, s.dc_id)) {
                Some((_, g)) => g.push((i, s)),
                None => groups.push(((s.tenant, s.dc_id), vec![(i, s)])),
            }
        }
        let issued_at = now();
        let mut prepared = Vec::new();
        let mut issues: Vec<FieldIssue> = Vec::new();
        for ((tenant, dc_id), group) in &groups {
            let first = format!("ids[{}]", group[0].0);
            let dc = repo::facilities::get_dc(c, *dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
            let Some(code) = vendor_code(c, *tenant).await? else {
                issues.push(FieldIssue::new(first, "its vendor has no vendor code to issue a PO to"));
                continue;
            };
            let new = match self.po_for(c, &dc, &code, group, opts, issued_at).await {
                Ok(n) => n,
                Err(e) => {
                    issues.push(FieldIssue::new(first, e));
                    continue;
                }
            };
            let places: Vec<usize> = group.iter().map(|(i, _)| *i).collect();
            let explicit_delivery = opts.delivery_on.is_some();
            let namer = move |line: Option<usize>, field: &str| -> String {
                match (line, field) {
                    (Some(l), _) => format!("ids[{}]", places.get(l).copied().unwrap_or(0)),
                    (None, "ship_start" | "ship_end") => field.to_string(),
                    (None, "delivery_start" | "delivery_end") if explicit_delivery => "delivery_on".to_string(),
                    (None, _) => format!("ids[{}]", places[0]),
                }
            };
            match self.prepare_po(&new, &namer, issued_at).await {
                Ok(p) => prepared.push((p, group.clone())),
                Err(e) => issues.extend(e),
            }
        }
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }

        let prepared = &prepared;
        // Everything named was ordered before (a retry): nothing to write, their POs answer.
        let created: Vec<(Uuid, String)> = if prepared.is_empty() {
            Vec::new()
        } else {
            self.mutate(ctx, |tx| async move {
                let mut changes = Vec::new();
                let mut made = Vec::new();
                let t = now();
                for (p, group) in prepared {
                    changes.push(Self::write_po(tx.c(), ctx, p).await?);
                    for (_, read) in group {
                        let current = repo::forecast::suggestion(tx.c(), None, read.id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
                        if current.updated_at != read.updated_at {
                            return Err(changed_meanwhile());
                        }
                        let after = Suggestion {
                            status: SuggestionStatus::Ordered,
                            po_id: Some(p.po.id),
                            decided_by: Some(ctx.principal.actor()),
                            decided_at: Some(t),
                            updated_at: t,
                            ..current.clone()
                        };
                        if !repo::forecast::decide_suggestion(tx.c(), &after, read.updated_at).await? {
                            return Err(StoreError::Retry(format!("suggestion {} changed concurrently", read.id)).into());
                        }
                        changes.push(
                            Change::new(after.tenant, "suggestion.ordered", "replenishment_suggestion", after.id)
                                .before(&current)
                                .after(&serde_json::json!({"suggestion": after, "po_number": p.po.number})),
                        );
                    }
                    made.push((p.po.id, p.po.number.clone()));
                }
                let change = Change::all(changes).ok_or_else(|| ServiceError::internal("an approval without a PO"))?;
                Ok((made, change))
            })
            .await?
        };

        let mut out: Vec<ApprovedPo> = Vec::new();
        for ((p, group), (id, number)) in prepared.iter().zip(created) {
            out.push(ApprovedPo {
                po_id: id,
                number,
                vendor_id: p.po.tenant,
                vendor_code: p.po.vendor_code.clone(),
                dc_code: p.po.dc_code.clone(),
                suggestion_ids: group.iter().map(|(_, s)| s.id).collect(),
                created: true,
            });
        }
        for (_, s) in before {
            let Some(po_id) = s.po_id else { continue };
            if let Some(known) = out.iter_mut().find(|o| o.po_id == po_id) {
                known.suggestion_ids.push(s.id);
                continue;
            }
            let po = repo::orders::get(c, Some(s.tenant), po_id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
            out.push(ApprovedPo {
                po_id,
                number: po.number,
                vendor_id: po.tenant,
                vendor_code: po.vendor_code,
                dc_code: po.dc_code,
                suggestion_ids: vec![s.id],
                created: false,
            });
        }
        Ok(out)
    }

    /// The PO for one vendor × DC group, dated by the options (see [`OrderOptions`]).
    async fn po_for(
        &self,
        c: &impl ConnectionTrait,
        dc: &Dc,
        code: &str,
        group: &[(usize, Suggestion)],
        opts: &OrderOptions,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewPo, String> {
        let today = dc_today(dc, issued_at);
        let tenant = group[0].1.tenant;
        let agreement = agreement_planning(c, tenant).await.map_err(|e| e.to_string())?;
        let mut lines = Vec::with_capacity(group.len());
        let mut by_lead = today;
        let mut proposed: Option<NaiveDate> = None;
        for (_, s) in group {
            let item = repo::items::get(c, Some(tenant), s.item_id).await.map_err(|e| e.to_string())?.ok_or("its item no longer exists")?;
            let own = repo::forecast::params(c, s.item_id, s.dc_id).await.map_err(|e| e.to_string())?;
            let lead = effective(own.as_ref().map(|p| &p.overrides), Some(&agreement.defaults)).params.lead_time_weeks;
            by_lead = by_lead.max(today + Days::new(u64::from(lead) * 7));
            if let Some(d) = s.delivery_on {
                proposed = Some(proposed.map_or(d, |p| p.max(d)));
            }
            let q = s.current_quantity();
            let in_cases = item.case_pack > 1 && q % item.case_pack == 0;
            lines.push(NewPoLine {
                vendor_sku: item.vendor_sku.clone(),
                quantity: if in_cases { q / item.case_pack } else { q },
                unit: if in_cases { "Cases".into() } else { "Eaches".into() },
                net_cost: String::new(),
                backorder_allowed: true,
            });
        }
        let due = opts.delivery_on.or(proposed).unwrap_or(by_lead);
        let (ship, delivery) = match ((opts.ship_start, opts.ship_end), opts.delivery_on) {
            ((Some(s), Some(e)), Some(d)) => ((s, e), (d, d)),
            ((Some(s), Some(e)), None) => ((s, e), (due.max(s), due.max(e))),
            _ => ((today, due.max(today)), (due, due)),
        };
        Ok(NewPo {
            vendor_code: code.to_string(),
            dc_code: dc.code.clone(),
            ship_start: ship.0.to_string(),
            ship_end: ship.1.to_string(),
            delivery_start: delivery.0.to_string(),
            delivery_end: delivery.1.to_string(),
            lines,
            ..Default::default()
        })
    }

    /// The vendor answers one of its suggestions: the units it can supply (0 up to what is asked — the
    /// quantity in force, or the PO line's once ordered) and from when, and why when that is less.
    /// Each answer is a new version (the history is kept, the latest is in force); sending the answer
    /// in force again records nothing.
    pub async fn commit_to_suggestion(&self, ctx: &Ctx, id: Uuid, input: CommitmentInput) -> Result<Commitment, ServiceError> {
        let s = self.authorize_commitment(ctx, id).await?;
        let c = &self.db.conn;
        if s.status == SuggestionStatus::Rejected {
            return Err(ServiceError::Rejected {
                code: "suggestion_rejected",
                message: "the buyer rejected this suggestion; there is nothing to commit to".into(),
            });
        }
        let dc = repo::facilities::get_dc(c, s.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
        let asked = asked_of(c, &s).await?;
        let checked = input.check(asked, dc_today(&dc, now())).map_err(ServiceError::Invalid)?;
        let (checked, dc_code) = (&checked, &dc.code);
        self.mutate_if_changed(ctx, |tx| async move {
            let history = repo::forecast::commitments(tx.c(), id).await?;
            if let Some(last) = history.last()
                && (last.quantity, last.available_on, last.shortfall, last.reason.as_str())
                    == (checked.quantity, checked.available_on, checked.shortfall, checked.reason.as_str())
            {
                return Ok((last.clone(), None));
            }
            let m = Commitment {
                id: new_id(),
                suggestion_id: id,
                tenant: s.tenant,
                quantity: checked.quantity,
                available_on: checked.available_on,
                shortfall: checked.shortfall,
                reason: checked.reason.clone(),
                committed_by: ctx.principal.actor(),
                committed_at: now(),
            };
            repo::forecast::insert_commitment(tx.c(), &m).await?;
            let summary = match (m.shortfall, m.available_on) {
                (0, Some(d)) => format!("Commitment: all {} units at {dc_code} from {d}", m.quantity),
                (short, Some(d)) => format!("Commitment: {} of {asked} units at {dc_code} from {d}, {short} short — {}", m.quantity, m.reason),
                (_, None) => format!("Commitment: none of the {asked} units at {dc_code} — {}", m.reason),
            };
            let change = Change::new(s.tenant, "commitment.recorded", "replenishment_suggestion", id).before(&history.last()).after(&m).event(
                "commitment.recorded",
                summary,
                "/replenishment",
                Audience::Retailer,
                serde_json::json!({"suggestion_id": id, "shortfall": m.shortfall}),
            );
            Ok((m, Some(change)))
        })
        .await
    }

    /// A suggestion's commitments, oldest first (the last is in force).
    pub async fn suggestion_commitments(&self, ctx: &Ctx, id: Uuid) -> Result<Vec<Commitment>, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let c = &self.db.conn;
        let s = repo::forecast::suggestion(c, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("suggestion"))?;
        Ok(repo::forecast::commitments(c, s.id).await?)
    }

    /// Whether the signed-in vendor's agreement has VMI on (the portal shows the proposal form then).
    pub async fn vmi_enabled(&self, ctx: &Ctx) -> Result<bool, ServiceError> {
        if ctx.principal.is_retailer_side() {
            return Ok(false);
        }
        require(ctx, Area::Forecasts, Access::Read)?;
        Ok(agreement_planning(&self.db.conn, ctx.principal.tenant()).await?.vmi)
    }

    /// Under VMI the vendor proposes an order for one of its items at a DC: a whole number of cases
    /// that keeps the projected position — on hand + on order (open POs, and proposals not yet
    /// decided) + this quantity — within the item × DC's agreed `vmi_min..=vmi_max`, delivered on a
    /// date from today on. It becomes a suggestion (origin `vmi`, status `proposed`) the buyer approves.
    pub async fn propose_vmi_order(&self, ctx: &Ctx, p: VmiProposal) -> Result<Suggestion, ServiceError> {
        self.authorize_vmi(ctx)?;
        let c = &self.db.conn;
        let tenant = ctx.principal.tenant();
        let item = match p.item_id {
            Some(id) => repo::items::get(c, Some(tenant), id).await?.ok_or(ServiceError::NotFound("item"))?,
            None => {
                let sku = p.vendor_sku.trim().to_string();
                if sku.is_empty() {
                    return Err(ServiceError::invalid("item", "is required: the SKU of the item to order"));
                }
                repo::items::by_skus(c, tenant, std::slice::from_ref(&sku))
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| ServiceError::invalid("item", format!("`{sku}` is not one of your SKUs")))?
            }
        };
        let agreement = agreement_planning(c, tenant).await?;
        if !agreement.vmi {
            return Err(ServiceError::Rejected {
                code: "vmi_not_agreed",
                message: "your agreement does not include vendor-managed inventory; the retailer's buyers order from the forecast".into(),
            });
        }
        let code = p.dc_code.trim().to_uppercase();
        if code.is_empty() {
            return Err(ServiceError::invalid("dc", "is required: the code of the DC to deliver to"));
        }
        let dc = repo::facilities::get_dc_by_code(c, &code).await?.ok_or_else(|| ServiceError::invalid("dc", format!("`{code}` is not a DC code")))?;
        let own = repo::forecast::params(c, item.id, dc.id).await?;
        let params = effective(own.as_ref().map(|p| &p.overrides), Some(&agreement.defaults)).params;
        let (Some(min), Some(max)) = (params.vmi_min, params.vmi_max) else {
            return Err(ServiceError::Rejected {
                code: "vmi_range_missing",
                message: format!("no VMI stock range is agreed for {} at {code}; ask the buyer to set the minimum and maximum", item.vendor_sku),
            });
        };
        let today = dc_today(&dc, now());
        let mut issues = Issues::new();
        match p.delivery_on {
            None => {
                issues.push(FieldIssue::new("delivery_on", "is required: the date to deliver, like 2026-12-01"));
            }
            Some(d) if d < today => {
                issues.push(FieldIssue::new("delivery_on", format!("{d} is in the past; give today ({today}) or later")));
            }
            Some(_) => {}
        }
        if p.quantity.is_none() {
            issues.push(FieldIssue::new("quantity", format!("is required: whole cases of {} that keep the stock within {min}–{max}", item.case_pack.max(1))));
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        let (quantity, delivery_on) = (p.quantity.unwrap_or_default(), p.delivery_on);
        let (item, dc) = (&item, &dc);
        self.mutate(ctx, |tx| async move {
            // The position is read in the write transaction, so two proposals cannot both take the
            // same room under the maximum.
            let (on_hand, on_po) = repo::forecast::position(tx.c(), item.id, dc.id).await?;
            let pending: i64 = pending_proposals(tx.c(), item.id, dc.id).await?;
            let on_order = on_po + pending;
            let q = vmi_quantity(quantity, item.case_pack, on_hand, on_order, min, max).map_err(|e| ServiceError::invalid("quantity", e))?;
            let t = now();
            let s = Suggestion {
                id: new_id(),
                run_id: None,
                origin: SuggestionOrigin::Vmi,
                delivery_on,
                tenant: item.tenant,
                item_id: item.id,
                dc_id: dc.id,
                raw_quantity: q,
                quantity: q,
                order_up_to: max,
                on_hand,
                on_order,
                backorders: 0,
                fill_rate_e4: 0,
                leftover: 0,
                explanation: format!(
                    "VMI proposal: on hand {on_hand} + on order {on_order} + {q} = {} within the agreed range {min}–{max}",
                    on_hand + on_order + q
                ),
                params_json: serde_json::json!({"vmi_min": min, "vmi_max": max, "case_pack": item.case_pack, "lead_time_weeks": params.lead_time_weeks})
                    .to_string(),
                status: SuggestionStatus::Proposed,
                adjusted_quantity: None,
                po_id: None,
                decided_by: None,
                decided_at: None,
                created_at: t,
                updated_at: t,
            };
            repo::forecast::insert_suggestions(tx.c(), std::slice::from_ref(&s)).await?;
            let summary =
                format!("VMI proposal: {q} units of {} to {} on {}", item.vendor_sku, dc.code, delivery_on.map(|d| d.to_string()).unwrap_or_default());
            let change = Change::new(s.tenant, "suggestion.proposed", "replenishment_suggestion", s.id).after(&s).event(
                "suggestion.proposed",
                summary,
                "/replenishment",
                Audience::Retailer,
                serde_json::json!({"item_id": item.id, "dc": dc.code, "quantity": q}),
            );
            Ok((s, change))
        })
        .await
    }
}

/// The PO number of an ordered suggestion (for messages).
async fn po_number(c: &impl ConnectionTrait, s: &Suggestion) -> Result<Option<String>, ServiceError> {
    Ok(match s.po_id {
        Some(po) => repo::orders::get(c, Some(s.tenant), po).await?.map(|p| p.number),
        None => None,
    })
}

/// Units of VMI proposals for the item × DC that the buyer has not decided yet: they count as on
/// order, so proposals cannot together pass the maximum.
async fn pending_proposals(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<i64, ServiceError> {
    let mut total = 0;
    for status in [SuggestionStatus::Proposed, SuggestionStatus::Adjusted] {
        let q = SuggestionQuery { item: Some(item), dc: Some(dc), status: Some(status), ..Default::default() };
        let rows = repo::forecast::list_suggestion_rows(c, &q, None, 10_000).await?;
        total += rows.iter().filter(|r| r.suggestion.origin == SuggestionOrigin::Vmi).map(|r| r.suggestion.current_quantity()).sum::<i64>();
    }
    Ok(total)
}
