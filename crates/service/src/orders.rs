//! Purchase orders: staff issue them (form, API or CSV upload) to a vendor code and a DC; changes and
//! cancellations after issue are change events (a new revision the vendor must acknowledge again);
//! vendors see them at once. Every write keeps the PO's history and raises its business event.

use crate::authz::{list_scope, require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::calendar::{HolidayCalendar, ack_due_at};
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::items::{Item, ItemStatus, cost_on};
use acorn_domain::master::Dc;
use acorn_domain::money;
use acorn_domain::orders::*;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::time;
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Hours the vendor has to acknowledge a PO revision (before holidays).
pub const ACK_DUE_HOURS: i64 = 24;
/// Lines per PO at most.
pub const MAX_LINES: usize = 2000;

/// A PO as entered. Text fields are parsed here so the form, the API and the CSV upload share one
/// set of checks and messages.
#[derive(Clone, Debug, Default)]
pub struct NewPo {
    /// Blank: ACORN assigns one.
    pub number: Option<String>,
    pub vendor_code: String,
    pub dc_code: String,
    /// Blank: `RegularOrder`.
    pub po_type: String,
    /// Blank: today at the DC.
    pub order_date: String,
    pub ship_start: String,
    pub ship_end: String,
    pub delivery_start: String,
    pub delivery_end: String,
    /// Blank: `Prepaid`.
    pub freight_terms: String,
    /// Blank: `NET60`.
    pub payment_terms: String,
    /// Blank: the items' currency.
    pub currency: String,
    pub deal_code: Option<String>,
    pub lines: Vec<NewPoLine>,
}

#[derive(Clone, Debug, Default)]
pub struct NewPoLine {
    pub vendor_sku: String,
    pub quantity: i64,
    /// `Eaches` (blank) or `Cases` (unit size = the item's case pack).
    pub unit: String,
    /// Net cost per each; blank: the item's cost in force on the order date.
    pub net_cost: String,
    pub backorder_allowed: bool,
}

/// A retailer change to an issued PO: quantities down, lines cancelled, windows moved.
#[derive(Clone, Debug, Default)]
pub struct PoChange {
    pub ship_window: Option<(String, String)>,
    pub delivery_window: Option<(String, String)>,
    pub lines: Vec<LineChange>,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct LineChange {
    pub line_no: i64,
    /// New ordered quantity (in the line's unit); only lower than today's.
    pub quantity: Option<i64>,
    pub cancel: bool,
}

/// A PO with everything the detail page and API show.
#[derive(Clone, Debug, Serialize)]
pub struct PoDetail {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    pub acknowledgements: Vec<Acknowledgement>,
    pub history: Vec<PoEvent>,
    /// The ASNs carrying its lines (headers: status, cartons, units, arrival, receipt).
    pub shipments: Vec<crate::shipments::Header>,
    /// The ship-to DC's time zone (dates and due times are shown in it).
    pub dc_time_zone: String,
}

/// A validated PO, ready to write.
pub(crate) struct PreparedPo {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
}

/// How issues are named: the form and API say `lines[2].quantity`, the CSV upload `row 7, quantity`.
pub(crate) type FieldNamer<'a> = &'a (dyn Fn(Option<usize>, &str) -> String + Sync);

fn default_namer(line: Option<usize>, field: &str) -> String {
    match line {
        Some(i) => format!("lines[{i}].{field}"),
        None => field.to_string(),
    }
}

/// Parses an ISO date (`2026-12-01`).
pub fn parse_date(input: &str) -> Result<NaiveDate, String> {
    let v = input.trim();
    if v.is_empty() {
        return Err("is required; give a date like 2026-12-01".into());
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| format!("`{v}` is not a date; give a date like 2026-12-01"))
}

/// A random PO number: 8 upper-case letters and digits (ambiguous 0/O and 1/I left out).
fn generate_number() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

fn enum_or<T>(issues: &mut Issues, field: String, input: &str, default: T, parse: fn(&str) -> Result<T, String>) -> Option<T> {
    if input.trim().is_empty() { Some(default) } else { issues.field(field, parse(input)) }
}

/// The holiday calendar in the DC's time zone.
pub(crate) async fn calendar(c: &impl ConnectionTrait, dc: &Dc) -> Result<HolidayCalendar, ServiceError> {
    let tz = time::zone(&dc.time_zone).map_err(ServiceError::internal)?;
    Ok(HolidayCalendar::new(tz, repo::orders::holidays(c).await?.into_iter().map(|(d, _)| d)))
}

/// Today at the DC.
pub(crate) fn dc_today(dc: &Dc, at: DateTime<Utc>) -> NaiveDate {
    time::zone(&dc.time_zone).map(|tz| time::to_local(tz, at).date()).unwrap_or(at.date_naive())
}

impl Services {
    /// Validates a new PO against the vendor's items and the DC, without writing.
    pub(crate) async fn prepare_po(&self, new: &NewPo, name: FieldNamer<'_>, issued_at: DateTime<Utc>) -> Result<PreparedPo, Vec<FieldIssue>> {
        let c = &self.db.conn;
        let mut issues = Issues::new();
        let store = |e: acorn_store::StoreError| vec![FieldIssue::new(name(None, "po"), format!("could not be checked: {e}"))];
        let number = match new.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => issues.field(name(None, "number"), po_number(n)),
            None => Some(generate_number()),
        };
        let code = new.vendor_code.trim().to_uppercase();
        let tenant = repo::vendors::tenant_of_code(c, &code).await.map_err(store)?;
        if tenant.is_none() {
            issues.push(FieldIssue::new(name(None, "vendor_code"), format!("`{code}` is not a vendor code in ACORN")));
        }
        let dc_code = new.dc_code.trim().to_uppercase();
        let dc = repo::facilities::get_dc_by_code(c, &dc_code).await.map_err(store)?;
        if dc.is_none() {
            issues.push(FieldIssue::new(name(None, "dc_code"), format!("`{dc_code}` is not a DC in ACORN")));
        }
        let today = dc.as_ref().map(|d| dc_today(d, issued_at)).unwrap_or(issued_at.date_naive());
        let order_date = if new.order_date.trim().is_empty() { Some(today) } else { issues.field(name(None, "order_date"), parse_date(&new.order_date)) };
        let po_type = enum_or(&mut issues, name(None, "po_type"), &new.po_type, PoType::RegularOrder, PoType::parse_or_explain);
        let freight = enum_or(&mut issues, name(None, "freight_terms"), &new.freight_terms, FreightTerms::Prepaid, FreightTerms::parse_or_explain);
        let terms = enum_or(&mut issues, name(None, "payment_terms"), &new.payment_terms, PaymentTerms::Net60, PaymentTerms::parse_or_explain);
        let ship = window(&mut issues, name, ("ship_start", &new.ship_start), ("ship_end", &new.ship_end), "ship window");
        let delivery = window(&mut issues, name, ("delivery_start", &new.delivery_start), ("delivery_end", &new.delivery_end), "delivery window");
        if let (Some(od), Some(s)) = (order_date, ship)
            && s.start < od
        {
            issues.push(FieldIssue::new(name(None, "ship_start"), format!("{} is before the order date {od}; ship on or after it", s.start)));
        }
        if let (Some(s), Some(d)) = (ship, delivery) {
            if d.start < s.start {
                issues.push(FieldIssue::new(
                    name(None, "delivery_start"),
                    format!("{} is before shipping can start ({}); deliveries follow shipping", d.start, s.start),
                ));
            }
            if d.end < s.end {
                issues.push(FieldIssue::new(
                    name(None, "delivery_end"),
                    format!("{} is before the ship window ends ({}); end delivery on or after it", d.end, s.end),
                ));
            }
        }
        let deal_code = new.deal_code.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(|d| d.chars().take(40).collect::<String>());
        if new.lines.is_empty() {
            issues.push(FieldIssue::new(name(None, "lines"), "a PO needs at least one line"));
        }
        if new.lines.len() > MAX_LINES {
            issues.push(FieldIssue::new(name(None, "lines"), format!("has {} lines; at most {MAX_LINES} fit on one PO", new.lines.len())));
        }
        // Items of the vendor, with their costs, in two queries.
        let (items, costs) = match tenant {
            Some(t) => {
                let skus: Vec<String> = new.lines.iter().map(|l| l.vendor_sku.trim().to_string()).collect();
                let items = repo::items::by_skus(c, t, &skus).await.map_err(store)?;
                let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
                let costs = repo::items::costs(c, t, &ids).await.map_err(store)?;
                (items.into_iter().map(|i| (i.vendor_sku.clone(), i)).collect::<HashMap<String, Item>>(), costs)
            }
            None => (HashMap::new(), Vec::new()),
        };
        let explicit_currency = if new.currency.trim().is_empty() { None } else { issues.field(name(None, "currency"), money::currency(&new.currency)) };
        let currency = explicit_currency.clone().or_else(|| items.values().next().map(|i| i.currency.clone())).unwrap_or_else(|| "USD".into());
        let po_id = new_id();
        let mut lines = Vec::with_capacity(new.lines.len());
        for (i, l) in new.lines.iter().enumerate() {
            let sku = l.vendor_sku.trim();
            let Some(item) = items.get(sku) else {
                if tenant.is_some() {
                    issues.push(FieldIssue::new(name(Some(i), "vendor_sku"), format!("`{sku}` is not an item of vendor {code}; set the item up first")));
                }
                continue;
            };
            if item.status != ItemStatus::Active {
                issues.push(FieldIssue::new(name(Some(i), "vendor_sku"), format!("`{sku}` is discontinued and cannot be ordered")));
            }
            if item.currency != currency {
                issues.push(FieldIssue::new(name(Some(i), "vendor_sku"), format!("`{sku}` is priced in {}, the PO in {currency}", item.currency)));
            }
            if !(1..=1_000_000).contains(&l.quantity) {
                issues.push(FieldIssue::new(name(Some(i), "quantity"), format!("is {}; order 1 to 1000000 units", l.quantity)));
            }
            let unit = enum_or(&mut issues, name(Some(i), "unit"), &l.unit, QuantityUnit::Eaches, QuantityUnit::parse_or_explain);
            let item_costs: Vec<_> = costs.iter().filter(|c| c.item_id == item.id).cloned().collect();
            let net_cost = if l.net_cost.trim().is_empty() {
                match order_date.and_then(|d| cost_on(&item_costs, d)) {
                    Some(c) => Some(c.unit_cost),
                    None => {
                        if let Some(d) = order_date {
                            issues.push(FieldIssue::new(name(Some(i), "net_cost"), format!("`{sku}` has no cost in force on {d}; give a net cost")));
                        }
                        None
                    }
                }
            } else {
                issues.field(
                    name(Some(i), "net_cost"),
                    money::parse_amount(&l.net_cost, false).and_then(|d| if d > Decimal::ZERO { Ok(d) } else { Err("must be more than 0".into()) }),
                )
            };
            let (Some(unit), Some(net_cost)) = (unit, net_cost) else { continue };
            lines.push(PoLine {
                po_id,
                line_no: i as i64 + 1,
                item_id: item.id,
                vendor_sku: item.vendor_sku.clone(),
                gtin: item.gtin.as_str().to_string(),
                retailer_item_id: item.retailer_item_id.clone(),
                title: item.title.clone(),
                ordered_quantity: l.quantity,
                unit,
                unit_size: if unit == QuantityUnit::Cases { item.case_pack } else { 1 },
                net_cost,
                list_price: item.list_price,
                backorder_allowed: l.backorder_allowed,
                cancelled: false,
                confirmation: LineConfirmation::Unconfirmed,
                committed_eaches: 0,
                shipped_eaches: 0,
                received_eaches: 0,
                damaged_eaches: 0,
                receive_status: ReceiveStatus::NotReceived,
            });
        }
        issues.into_result()?;
        let (Some(number), Some(tenant), Some(dc), Some(order_date), Some(po_type), Some(freight), Some(terms), Some(ship), Some(delivery)) =
            (number, tenant, dc, order_date, po_type, freight, terms, ship, delivery)
        else {
            return Err(vec![FieldIssue::new(name(None, "po"), "could not be read")]);
        };
        let cal = calendar(c, &dc).await.map_err(|e| vec![FieldIssue::new(name(None, "dc_code"), e.to_string())])?;
        let total_cost = lines.iter().map(|l| money::extend(l.ordered_eaches(), l.net_cost)).sum();
        let po = PurchaseOrder {
            id: po_id,
            tenant,
            number,
            vendor_code: code,
            dc_id: dc.id,
            dc_code: dc.code.clone(),
            po_type,
            state: PoState::New,
            order_date,
            ship_window: ship,
            delivery_window: delivery,
            freight_terms: freight,
            payment_terms: terms,
            currency,
            deal_code,
            revision: 1,
            revision_at: issued_at,
            ack_due_at: ack_due_at(issued_at, ACK_DUE_HOURS, &cal),
            acked_revision: 0,
            reminded_revision: 0,
            line_count: lines.len() as i64,
            total_cost,
            issued_at,
            closed_at: None,
            created_at: issued_at,
            updated_at: issued_at,
        };
        Ok(PreparedPo { po, lines })
    }

    /// Writes a prepared PO with its history entry and returns the change to audit.
    pub(crate) async fn write_po(c: &impl ConnectionTrait, ctx: &Ctx, p: &PreparedPo) -> Result<Change, ServiceError> {
        repo::orders::insert(c, &p.po, &p.lines).await?;
        let summary = format!(
            "New PO {} for {} to {}: {} line(s), acknowledge by {} UTC",
            p.po.number,
            p.po.vendor_code,
            p.po.dc_code,
            p.po.line_count,
            p.po.ack_due_at.format("%Y-%m-%d %H:%M")
        );
        history(c, ctx, &p.po, "created", &summary, serde_json::json!({"lines": p.po.line_count, "total_cost": p.po.total_cost.to_string()})).await?;
        Ok(Change::new(p.po.tenant, "po.created", "purchase_order", p.po.id).after(&p.po).event(
            "po.created",
            summary,
            format!("/orders/{}", p.po.id),
            Audience::Vendor,
            serde_json::json!({"number": p.po.number, "vendor_code": p.po.vendor_code, "dc": p.po.dc_code}),
        ))
    }

    pub async fn create_po(&self, ctx: &Ctx, new: NewPo) -> Result<PoDetail, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Write)?;
        let generated = new.number.as_deref().is_none_or(|n| n.trim().is_empty());
        // A generated number colliding with an existing one is astronomically rare; draw again then.
        for _ in 0..3 {
            let prepared = self.prepare_po(&new, &default_namer, now()).await.map_err(ServiceError::Invalid)?;
            let p = &prepared;
            match self.mutate(ctx, |tx| async move { Ok(((), Self::write_po(tx.c(), ctx, p).await?)) }).await {
                Err(ServiceError::Conflict { .. }) if generated => continue,
                Err(e) => return Err(e),
                Ok(()) => return self.po_detail_unchecked(prepared.po.tenant, prepared.po.id).await,
            }
        }
        Err(ServiceError::internal("could not draw an unused PO number"))
    }

    /// Reads a PO's detail without authorisation (callers have checked).
    pub(crate) async fn po_detail_unchecked(&self, tenant: TenantId, id: Uuid) -> Result<PoDetail, ServiceError> {
        let c = &self.db.conn;
        let po = repo::orders::get(c, Some(tenant), id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        let dc = repo::facilities::get_dc(c, po.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
        Ok(PoDetail {
            lines: repo::orders::lines(c, tenant, id).await?,
            acknowledgements: repo::orders::acks(c, tenant, id).await?,
            history: repo::orders::history(c, tenant, id).await?,
            shipments: repo::shipments::headers_for_pos(c, tenant, &[id]).await?,
            dc_time_zone: dc.time_zone,
            po,
        })
    }

    /// A PO's detail; acknowledgements are left out for roles that may not read them (catalog).
    pub async fn get_po(&self, ctx: &Ctx, id: Uuid) -> Result<PoDetail, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Read)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        let mut d = self.po_detail_unchecked(po.tenant, po.id).await?;
        if ctx.principal.access(Area::Acknowledgements) < Access::Read {
            d.acknowledgements.clear();
        }
        Ok(d)
    }

    /// Every acknowledgement version of a PO, oldest first.
    pub async fn list_acks(&self, ctx: &Ctx, id: Uuid) -> Result<Vec<Acknowledgement>, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        Ok(repo::orders::acks(&self.db.conn, po.tenant, po.id).await?)
    }

    pub async fn get_po_by_number(&self, ctx: &Ctx, number: &str) -> Result<PoDetail, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Read)?;
        let po =
            repo::orders::by_number(&self.db.conn, list_scope(ctx), &number.trim().to_uppercase()).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        self.po_detail_unchecked(po.tenant, po.id).await
    }

    pub async fn list_pos(&self, ctx: &Ctx, mut filter: PoFilter, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<PurchaseOrder>, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Read)?;
        filter.tenant = list_scope(ctx);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::orders::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |p| Cursor { created_at: p.created_at, id: p.id }))
    }

    /// A retailer change after issue: a new revision the vendor must acknowledge again.
    pub async fn change_po(&self, ctx: &Ctx, id: Uuid, change: PoChange) -> Result<PoDetail, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Write)?;
        let before = repo::orders::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        require_object(ctx, Area::PurchaseOrders, Access::Write, before.tenant, "purchase order")?;
        if before.closed_at.is_some() {
            return Err(ServiceError::Rejected { code: "po_closed", message: format!("PO {} is closed; it cannot change", before.number) });
        }
        let lines_before = repo::orders::lines(&self.db.conn, before.tenant, id).await?;
        let mut issues = Issues::new();
        let mut after = before.clone();
        let mut lines = lines_before.clone();
        let mut what = Vec::new();
        // The same changes, structured, for the EDI 860 (PO change) the gateway sends.
        let mut line_changes: Vec<serde_json::Value> = Vec::new();
        let (mut ship_moved, mut delivery_moved) = (false, false);
        if let Some((s, e)) = &change.ship_window
            && let Some(w) = window(&mut issues, &default_namer, ("ship_start", s), ("ship_end", e), "ship window")
            && w != before.ship_window
        {
            what.push(format!("ship window {}–{} → {}–{}", before.ship_window.start, before.ship_window.end, w.start, w.end));
            after.ship_window = w;
            ship_moved = true;
        }
        if let Some((s, e)) = &change.delivery_window
            && let Some(w) = window(&mut issues, &default_namer, ("delivery_start", s), ("delivery_end", e), "delivery window")
            && w != before.delivery_window
        {
            what.push(format!("delivery window {}–{} → {}–{}", before.delivery_window.start, before.delivery_window.end, w.start, w.end));
            after.delivery_window = w;
            delivery_moved = true;
        }
        if after.delivery_window.start < after.ship_window.start {
            issues.push(FieldIssue::new("delivery_start", "deliveries cannot start before shipping starts"));
        }
        for (i, lc) in change.lines.iter().enumerate() {
            let Some(line) = lines.iter_mut().find(|l| l.line_no == lc.line_no) else {
                issues.push(FieldIssue::new(format!("lines[{i}].line_no"), format!("PO {} has no line {}", before.number, lc.line_no)));
                continue;
            };
            if line.cancelled {
                if lc.cancel || lc.quantity.is_some() {
                    issues.push(FieldIssue::new(format!("lines[{i}]"), format!("line {} is already cancelled", lc.line_no)));
                }
                continue;
            }
            if lc.cancel {
                line.cancelled = true;
                what.push(format!("line {} cancelled", line.line_no));
                line_changes.push(serde_json::json!({"line_no": line.line_no, "kind": "cancelled"}));
            } else if let Some(q) = lc.quantity {
                if q < 1 || q > line.ordered_quantity {
                    issues.push(FieldIssue::new(
                        format!("lines[{i}].quantity"),
                        format!("is {q}; a change may only lower line {} below {} (cancel the line to remove it)", line.line_no, line.ordered_quantity),
                    ));
                } else if q != line.ordered_quantity {
                    what.push(format!("line {} quantity {} → {q} {}", line.line_no, line.ordered_quantity, line.unit));
                    line.ordered_quantity = q;
                    line_changes.push(serde_json::json!({"line_no": line.line_no, "kind": "quantity_decreased"}));
                }
            }
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        if what.is_empty() {
            return Err(ServiceError::Rejected { code: "nothing_changed", message: "the change leaves the PO as it is".into() });
        }
        let t = now();
        let dc = repo::facilities::get_dc(&self.db.conn, before.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
        let cal = calendar(&self.db.conn, &dc).await?;
        let all_cancelled = lines.iter().all(|l| l.cancelled);
        after.revision += 1;
        after.revision_at = t;
        after.ack_due_at = ack_due_at(t, ACK_DUE_HOURS, &cal);
        after.total_cost = lines.iter().map(|l| money::extend(l.ordered_eaches(), l.net_cost)).sum();
        after.updated_at = t;
        if all_cancelled {
            after.closed_at = Some(t);
        }
        after.state = after.derive_state();
        let reason = change.reason.trim().chars().take(500).collect::<String>();
        let kind = if all_cancelled { "cancelled" } else { "changed" };
        let summary = format!(
            "PO {} {kind} (revision {}): {}{}",
            after.number,
            after.revision,
            what.join("; "),
            if reason.is_empty() { String::new() } else { format!(" — {reason}") }
        );
        let detail = serde_json::json!({
            "changes": what,
            "reason": reason,
            "lines": line_changes,
            "ship_window_changed": ship_moved,
            "delivery_window_changed": delivery_moved,
        });
        let (b, a, ls, lb, s, detail) = (&before, &after, &lines, &lines_before, &summary, &detail);
        self.mutate(ctx, |tx| async move {
            repo::orders::update(tx.c(), a, b.updated_at).await?;
            for (new, old) in ls.iter().zip(lb) {
                if new != old {
                    repo::orders::update_line(tx.c(), a.tenant, new).await?;
                }
            }
            history(tx.c(), ctx, a, kind, s, detail.clone()).await?;
            let action = if all_cancelled { "po.cancelled" } else { "po.changed" };
            Ok((
                (),
                Change::new(a.tenant, action, "purchase_order", a.id).before(b).after(a).event(
                    action,
                    s.clone(),
                    format!("/orders/{}", a.id),
                    Audience::Vendor,
                    serde_json::json!({"number": a.number, "revision": a.revision}),
                ),
            ))
        })
        .await?;
        self.po_detail_unchecked(after.tenant, id).await
    }

    /// Cancels every open line (a change event; the PO closes as nothing is left to deliver).
    pub async fn cancel_po(&self, ctx: &Ctx, id: Uuid, reason: &str) -> Result<PoDetail, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Write)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        let lines = repo::orders::lines(&self.db.conn, po.tenant, id).await?;
        let change = PoChange {
            lines: lines.iter().filter(|l| !l.cancelled).map(|l| LineChange { line_no: l.line_no, quantity: None, cancel: true }).collect(),
            reason: reason.to_string(),
            ..PoChange::default()
        };
        self.change_po(ctx, id, change).await
    }
}

/// Appends an entry to the PO's history.
pub(crate) async fn history(
    c: &impl ConnectionTrait,
    ctx: &Ctx,
    po: &PurchaseOrder,
    kind: &str,
    summary: &str,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    let e = PoEvent {
        id: new_id(),
        po_id: po.id,
        revision: po.revision,
        kind: kind.into(),
        summary: summary.into(),
        detail,
        actor: ctx.principal.actor(),
        at: now(),
    };
    repo::orders::add_event(c, po.tenant, &e).await?;
    Ok(())
}

fn window(issues: &mut Issues, name: FieldNamer<'_>, start: (&str, &str), end: (&str, &str), what: &str) -> Option<Window> {
    let s = issues.field(name(None, start.0), parse_date(start.1));
    let e = issues.field(name(None, end.0), parse_date(end.1));
    let (s, e) = (s?, e?);
    match Window::new(s, e) {
        Ok(w) => Some(w),
        Err(msg) => {
            issues.push(FieldIssue::new(name(None, end.0), format!("the {what} {msg}")));
            None
        }
    }
}
