//! Order-to-dock over the API: items, purchase orders (issue, change, cancel, CSV upload),
//! acknowledgements (submit, pre-flight, CSV upload, versions), the holiday calendar and the
//! business event stream. Amounts are decimal strings; quantities in acknowledgements are eaches.

use super::auth::Api;
use super::dto::ListQuery;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::defects::DefectPreview;
use acorn_domain::events::Event;
use acorn_domain::ids::TenantId;
use acorn_domain::items::{Item, ItemCost};
use acorn_domain::money::format_amount;
use acorn_domain::orders::*;
use acorn_service::ServiceError;
use acorn_service::holidays::Holiday;
use acorn_service::items::{ItemDetail, NewItem};
use acorn_service::orders::{LineChange, NewPo, NewPoLine, PoChange, PoDetail};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---- items ----

#[derive(Deserialize, ToSchema)]
pub struct ItemIn {
    /// Retailer staff only: the vendor the item belongs to (vendors create their own).
    pub vendor_id: Option<Uuid>,
    pub vendor_sku: String,
    /// GTIN-8, -12, -13 or -14; stored as 14 digits.
    pub gtin: String,
    pub title: String,
    pub case_pack: i64,
    /// Decimal string, e.g. "19.99".
    pub list_price: String,
    /// Wholesale unit cost, decimal string.
    pub unit_cost: String,
    /// ISO 4217, e.g. "USD".
    pub currency: String,
    /// First day the cost applies (default today).
    pub cost_effective_from: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct CostOut {
    pub unit_cost: String,
    pub currency: String,
    pub effective_from: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<&ItemCost> for CostOut {
    fn from(c: &ItemCost) -> CostOut {
        CostOut { unit_cost: format_amount(c.unit_cost, &c.currency), currency: c.currency.clone(), effective_from: c.effective_from, created_at: c.created_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub retailer_item_id: String,
    pub title: String,
    pub case_pack: i64,
    pub list_price: String,
    pub currency: String,
    /// `active` or `discontinued`.
    pub status: String,
    /// Cost history, oldest effective date first (detail only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<CostOut>,
    pub created_at: DateTime<Utc>,
}

impl ItemOut {
    fn of(i: &Item, costs: &[ItemCost]) -> ItemOut {
        ItemOut {
            id: i.id,
            vendor_id: i.tenant.0,
            vendor_sku: i.vendor_sku.clone(),
            gtin: i.gtin.as_str().into(),
            retailer_item_id: i.retailer_item_id.clone(),
            title: i.title.clone(),
            case_pack: i.case_pack,
            list_price: format_amount(i.list_price, &i.currency),
            currency: i.currency.clone(),
            status: i.status.as_str().into(),
            costs: costs.iter().map(CostOut::from).collect(),
            created_at: i.created_at,
        }
    }
    fn detail(d: &ItemDetail) -> ItemOut {
        ItemOut::of(&d.item, &d.costs)
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemPage {
    pub items: Vec<ItemOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct CostIn {
    pub unit_cost: String,
    pub effective_from: NaiveDate,
}

/// List items (vendors see their own; `q` matches SKU, GTIN, title or retailer item id).
#[utoipa::path(get, path = "/api/v1/items", tag = "items", params(ListQuery),
    responses((status = 200, body = ItemPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_items(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<ItemPage>> {
    let page = s.services.list_items(&ctx, q.vendor_id.map(TenantId), q.q.as_deref(), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ItemPage { items: page.items.iter().map(|i| ItemOut::of(i, &[])).collect(), next: page.next }))
}

/// Create an item; its GTIN must belong to one of the vendor's GS1 company prefixes.
#[utoipa::path(post, path = "/api/v1/items", tag = "items", request_body = ItemIn,
    responses((status = 201, body = ItemOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_item(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ItemIn>) -> ApiResult<(StatusCode, Json<ItemOut>)> {
    let new = NewItem {
        vendor_sku: b.vendor_sku,
        gtin: b.gtin,
        title: b.title,
        case_pack: b.case_pack,
        list_price: b.list_price,
        unit_cost: b.unit_cost,
        currency: b.currency,
        cost_effective_from: b.cost_effective_from,
    };
    let d = s.services.create_item(&ctx, b.vendor_id.map(TenantId), new).await?;
    Ok((StatusCode::CREATED, Json(ItemOut::detail(&d))))
}

#[utoipa::path(get, path = "/api/v1/items/{item_id}", tag = "items", responses((status = 200, body = ItemOut), (status = 404, body = ErrorBody)))]
pub async fn get_item(State(s): State<AppState>, Api(ctx): Api, Path(item_id): Path<Uuid>) -> ApiResult<Json<ItemOut>> {
    Ok(Json(ItemOut::detail(&s.services.get_item(&ctx, item_id).await?)))
}

/// Add a unit cost effective from a date.
#[utoipa::path(post, path = "/api/v1/items/{item_id}/costs", tag = "items", request_body = CostIn,
    responses((status = 201, body = CostOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_cost(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(item_id): Path<Uuid>,
    JsonBody(b): JsonBody<CostIn>,
) -> ApiResult<(StatusCode, Json<CostOut>)> {
    let c = s.services.add_item_cost(&ctx, item_id, &b.unit_cost, b.effective_from).await?;
    Ok((StatusCode::CREATED, Json(CostOut::from(&c))))
}

// ---- purchase orders ----

#[derive(Deserialize, ToSchema)]
pub struct PoLineIn {
    pub vendor_sku: String,
    pub quantity: i64,
    /// `Eaches` (default) or `Cases` (unit size = the item's case pack).
    #[serde(default)]
    pub unit: String,
    /// Net cost per each; default: the item's cost in force on the order date.
    #[serde(default)]
    pub net_cost: String,
    #[serde(default = "yes")]
    pub backorder_allowed: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
pub struct PoIn {
    /// 8 letters/digits; omit to have ACORN assign one.
    pub number: Option<String>,
    pub vendor_code: String,
    pub dc_code: String,
    /// `RegularOrder` (default), `RushOrder`, `NewProductIntroduction`, `ConsignedOrder`.
    #[serde(default)]
    pub po_type: String,
    /// Default: today at the DC.
    pub order_date: Option<NaiveDate>,
    pub ship_window: WindowDto,
    pub delivery_window: WindowDto,
    /// `Prepaid` (default) or `Collect`.
    #[serde(default)]
    pub freight_terms: String,
    /// `NET30`, `NET60` (default), `NET90`.
    #[serde(default)]
    pub payment_terms: String,
    /// Default: the items' currency.
    #[serde(default)]
    pub currency: String,
    pub deal_code: Option<String>,
    pub lines: Vec<PoLineIn>,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct WindowDto {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl From<Window> for WindowDto {
    fn from(w: Window) -> WindowDto {
        WindowDto { start: w.start, end: w.end }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub number: String,
    pub vendor_code: String,
    pub dc_code: String,
    pub po_type: String,
    /// `New`, `Acknowledged` or `Closed`.
    pub state: String,
    pub order_date: NaiveDate,
    pub ship_window: WindowDto,
    pub delivery_window: WindowDto,
    pub freight_terms: String,
    pub payment_terms: String,
    pub currency: String,
    pub deal_code: Option<String>,
    pub revision: i64,
    pub ack_due_at: DateTime<Utc>,
    /// Whether the current revision still awaits acknowledgement.
    pub ack_outstanding: bool,
    pub line_count: i64,
    pub total_cost: String,
    pub issued_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&PurchaseOrder> for PoOut {
    fn from(p: &PurchaseOrder) -> PoOut {
        PoOut {
            id: p.id,
            vendor_id: p.tenant.0,
            number: p.number.clone(),
            vendor_code: p.vendor_code.clone(),
            dc_code: p.dc_code.clone(),
            po_type: p.po_type.as_str().into(),
            state: p.state.as_str().into(),
            order_date: p.order_date,
            ship_window: p.ship_window.into(),
            delivery_window: p.delivery_window.into(),
            freight_terms: p.freight_terms.as_str().into(),
            payment_terms: p.payment_terms.as_str().into(),
            currency: p.currency.clone(),
            deal_code: p.deal_code.clone(),
            revision: p.revision,
            ack_due_at: p.ack_due_at,
            ack_outstanding: p.ack_outstanding(),
            line_count: p.line_count,
            total_cost: format_amount(p.total_cost, &p.currency),
            issued_at: p.issued_at,
            closed_at: p.closed_at,
            created_at: p.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoLineOut {
    pub line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub retailer_item_id: String,
    pub title: String,
    pub ordered_quantity: i64,
    /// `Eaches` or `Cases`.
    pub unit: String,
    pub unit_size: i64,
    pub ordered_eaches: i64,
    pub net_cost: String,
    pub list_price: String,
    pub backorder_allowed: bool,
    pub cancelled: bool,
    /// `UNCONFIRMED`, `ACCEPTED`, `PARTIALLY_ACCEPTED`, `REJECTED`.
    pub confirmation: String,
    pub committed_eaches: i64,
    pub shipped_eaches: i64,
    pub received_eaches: i64,
    pub damaged_eaches: i64,
    /// `NOT_RECEIVED`, `PARTIALLY_RECEIVED`, `RECEIVED`.
    pub receive_status: String,
}

impl From<&PoLine> for PoLineOut {
    fn from(l: &PoLine) -> PoLineOut {
        PoLineOut {
            line_no: l.line_no,
            item_id: l.item_id,
            vendor_sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            retailer_item_id: l.retailer_item_id.clone(),
            title: l.title.clone(),
            ordered_quantity: l.ordered_quantity,
            unit: l.unit.as_str().into(),
            unit_size: l.unit_size,
            ordered_eaches: l.ordered_eaches(),
            net_cost: l.net_cost.to_string(),
            list_price: l.list_price.to_string(),
            backorder_allowed: l.backorder_allowed,
            cancelled: l.cancelled,
            confirmation: l.confirmation.as_str().into(),
            committed_eaches: l.committed_eaches,
            shipped_eaches: l.shipped_eaches,
            received_eaches: l.received_eaches,
            damaged_eaches: l.damaged_eaches,
            receive_status: l.receive_status.as_str().into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AckLineOut {
    pub line_no: i64,
    pub accepted: i64,
    pub backordered: i64,
    pub rejected: i64,
    pub net_cost: String,
    pub scheduled_ship_date: Option<NaiveDate>,
    pub scheduled_delivery_date: Option<NaiveDate>,
    pub rejection_reason: Option<String>,
}

impl From<&AckLine> for AckLineOut {
    fn from(l: &AckLine) -> AckLineOut {
        AckLineOut {
            line_no: l.line_no,
            accepted: l.accepted,
            backordered: l.backordered,
            rejected: l.rejected,
            net_cost: l.net_cost.to_string(),
            scheduled_ship_date: l.scheduled_ship_date,
            scheduled_delivery_date: l.scheduled_delivery_date,
            rejection_reason: l.rejection_reason.map(|r| r.as_str().to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AckOut {
    pub id: Uuid,
    pub version: i64,
    pub po_revision: i64,
    /// `ui`, `api`, `csv`, `edi`.
    pub channel: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub late: bool,
    pub lines: Vec<AckLineOut>,
}

impl From<&Acknowledgement> for AckOut {
    fn from(a: &Acknowledgement) -> AckOut {
        AckOut {
            id: a.id,
            version: a.version,
            po_revision: a.po_revision,
            channel: a.channel.as_str().into(),
            submitted_by: a.submitted_by.clone(),
            submitted_at: a.submitted_at,
            late: a.late,
            lines: a.lines.iter().map(AckLineOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoEventOut {
    pub revision: i64,
    pub kind: String,
    pub summary: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PoDetailOut {
    #[serde(flatten)]
    pub po: PoOut,
    /// The ship-to DC's IANA time zone.
    pub dc_time_zone: String,
    pub lines: Vec<PoLineOut>,
    /// Every acknowledgement version, oldest first.
    pub acknowledgements: Vec<AckOut>,
    pub history: Vec<PoEventOut>,
    /// The ASNs carrying its lines, with their status and arrival.
    pub shipments: Vec<super::shipments::ShipmentOut>,
}

impl From<&PoDetail> for PoDetailOut {
    fn from(d: &PoDetail) -> PoDetailOut {
        PoDetailOut {
            po: PoOut::from(&d.po),
            dc_time_zone: d.dc_time_zone.clone(),
            lines: d.lines.iter().map(PoLineOut::from).collect(),
            acknowledgements: d.acknowledgements.iter().map(AckOut::from).collect(),
            history: d
                .history
                .iter()
                .map(|e| PoEventOut { revision: e.revision, kind: e.kind.clone(), summary: e.summary.clone(), actor: e.actor.clone(), at: e.at })
                .collect(),
            shipments: d.shipments.iter().map(super::shipments::ShipmentOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoPage {
    pub items: Vec<PoOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct PoQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `New`, `Acknowledged` or `Closed`.
    pub state: Option<String>,
    /// Ship-to DC code.
    pub dc: Option<String>,
    pub vendor_code: Option<String>,
    pub ordered_from: Option<NaiveDate>,
    pub ordered_to: Option<NaiveDate>,
    /// PO number or its beginning.
    pub number: Option<String>,
    /// Only POs whose current revision awaits acknowledgement.
    #[serde(default)]
    pub ack_outstanding: bool,
}

impl PoQuery {
    pub fn filter(&self) -> Result<PoFilter, ServiceError> {
        let state = match self.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(PoState::parse_or_explain(s).map_err(|e| ServiceError::invalid("state", e))?),
            None => None,
        };
        let up = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_uppercase);
        Ok(PoFilter {
            tenant: None,
            state,
            dc_code: up(&self.dc),
            vendor_code: up(&self.vendor_code),
            ordered_from: self.ordered_from,
            ordered_to: self.ordered_to,
            number: up(&self.number),
            ack_outstanding: self.ack_outstanding,
        })
    }
}

/// List purchase orders (vendors see their own), newest last, with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchase orders", params(PoQuery),
    responses((status = 200, body = PoPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_pos(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<PoQuery>) -> ApiResult<Json<PoPage>> {
    let page = s.services.list_pos(&ctx, q.filter()?, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(PoPage { items: page.items.iter().map(PoOut::from).collect(), next: page.next }))
}

/// Issue a purchase order to a vendor code and a DC.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchase orders", request_body = PoIn,
    responses((status = 201, body = PoDetailOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_po(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<PoIn>) -> ApiResult<(StatusCode, Json<PoDetailOut>)> {
    let new = NewPo {
        number: b.number,
        vendor_code: b.vendor_code,
        dc_code: b.dc_code,
        po_type: b.po_type,
        order_date: b.order_date.map(|d| d.to_string()).unwrap_or_default(),
        ship_start: b.ship_window.start.to_string(),
        ship_end: b.ship_window.end.to_string(),
        delivery_start: b.delivery_window.start.to_string(),
        delivery_end: b.delivery_window.end.to_string(),
        freight_terms: b.freight_terms,
        payment_terms: b.payment_terms,
        currency: b.currency,
        deal_code: b.deal_code,
        lines: b
            .lines
            .into_iter()
            .map(|l| NewPoLine { vendor_sku: l.vendor_sku, quantity: l.quantity, unit: l.unit, net_cost: l.net_cost, backorder_allowed: l.backorder_allowed })
            .collect(),
    };
    let d = s.services.create_po(&ctx, new).await?;
    Ok((StatusCode::CREATED, Json(PoDetailOut::from(&d))))
}

/// Issue many POs from a CSV (columns as the portal's template); all or nothing, every bad row reported.
#[utoipa::path(post, path = "/api/v1/purchase-orders/upload", tag = "purchase orders", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Vec<PoOut>), (status = 422, body = ErrorBody)))]
pub async fn upload_pos(State(s): State<AppState>, Api(ctx): Api, body: String) -> ApiResult<(StatusCode, Json<Vec<PoOut>>)> {
    let pos = s.services.import_pos_csv(&ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(pos.iter().map(|d| PoOut::from(&d.po)).collect())))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{po_id}", tag = "purchase orders",
    responses((status = 200, body = PoDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_po(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>) -> ApiResult<Json<PoDetailOut>> {
    Ok(Json(PoDetailOut::from(&s.services.get_po(&ctx, po_id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct LineChangeIn {
    pub line_no: i64,
    /// New, lower ordered quantity (in the line's unit).
    pub quantity: Option<i64>,
    #[serde(default)]
    pub cancel: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct PoChangeIn {
    pub ship_window: Option<WindowDto>,
    pub delivery_window: Option<WindowDto>,
    #[serde(default)]
    pub lines: Vec<LineChangeIn>,
    #[serde(default)]
    pub reason: String,
}

/// Change an issued PO (quantities down, lines cancelled, windows moved): a new revision the vendor must acknowledge.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{po_id}/changes", tag = "purchase orders", request_body = PoChangeIn,
    responses((status = 200, body = PoDetailOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_po(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>, JsonBody(b): JsonBody<PoChangeIn>) -> ApiResult<Json<PoDetailOut>> {
    let w = |w: Option<WindowDto>| w.map(|w| (w.start.to_string(), w.end.to_string()));
    let change = PoChange {
        ship_window: w(b.ship_window),
        delivery_window: w(b.delivery_window),
        lines: b.lines.into_iter().map(|l| LineChange { line_no: l.line_no, quantity: l.quantity, cancel: l.cancel }).collect(),
        reason: b.reason,
    };
    Ok(Json(PoDetailOut::from(&s.services.change_po(&ctx, po_id, change).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelIn {
    #[serde(default)]
    pub reason: String,
}

/// Cancel every open line of a PO (it closes).
#[utoipa::path(post, path = "/api/v1/purchase-orders/{po_id}/cancel", tag = "purchase orders", request_body = CancelIn,
    responses((status = 200, body = PoDetailOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_po(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>, JsonBody(b): JsonBody<CancelIn>) -> ApiResult<Json<PoDetailOut>> {
    Ok(Json(PoDetailOut::from(&s.services.cancel_po(&ctx, po_id, &b.reason).await?)))
}

// ---- acknowledgements ----

#[derive(Deserialize, ToSchema)]
pub struct AckPartIn {
    /// `Accepted`, `Backordered` or `Rejected`.
    pub code: String,
    /// Eaches.
    pub quantity: i64,
    pub scheduled_ship_date: Option<NaiveDate>,
    pub scheduled_delivery_date: Option<NaiveDate>,
    /// `TemporarilyUnavailable`, `InvalidProductIdentifier`, `ObsoleteProduct` (rejected parts).
    pub rejection_reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct AckLineIn {
    pub line_no: i64,
    /// Acknowledged cost per each (default the PO cost; never above it).
    pub net_cost: Option<String>,
    pub parts: Vec<AckPartIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct AckIn {
    /// Lines left out count as rejected.
    pub lines: Vec<AckLineIn>,
}

impl AckIn {
    fn into_input(self) -> Result<Vec<AckLineInput>, ServiceError> {
        let mut issues = acorn_domain::Issues::new();
        let mut out = Vec::new();
        for (i, l) in self.lines.into_iter().enumerate() {
            let net_cost = l.net_cost.as_deref().and_then(|c| issues.field(format!("lines[{i}].net_cost"), acorn_domain::money::parse_amount(c, false)));
            let mut parts = Vec::new();
            for (j, p) in l.parts.into_iter().enumerate() {
                let code = issues.field(format!("lines[{i}].parts[{j}].code"), AckCode::parse_or_explain(&p.code));
                let reason = match p.rejection_reason.as_deref() {
                    Some(r) => issues.field(format!("lines[{i}].parts[{j}].rejection_reason"), RejectionReason::parse_or_explain(r)),
                    None => None,
                };
                if let Some(code) = code {
                    parts.push(AckPart {
                        code,
                        quantity: p.quantity,
                        scheduled_ship_date: p.scheduled_ship_date,
                        scheduled_delivery_date: p.scheduled_delivery_date,
                        rejection_reason: reason,
                    });
                }
            }
            out.push(AckLineInput { line_no: l.line_no, net_cost, parts });
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        Ok(out)
    }
}

/// Acknowledge a PO: one version per submission, every DOMAIN rule enforced.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{po_id}/acknowledgements", tag = "acknowledgements", request_body = AckIn,
    responses((status = 201, body = AckOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(po_id): Path<Uuid>,
    JsonBody(b): JsonBody<AckIn>,
) -> ApiResult<(StatusCode, Json<AckOut>)> {
    let a = s.services.acknowledge(&ctx, po_id, b.into_input()?, Channel::Api).await?;
    Ok((StatusCode::CREATED, Json(AckOut::from(&a))))
}

/// Every acknowledgement version of a PO, oldest first.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{po_id}/acknowledgements", tag = "acknowledgements",
    responses((status = 200, body = Vec<AckOut>), (status = 404, body = ErrorBody)))]
pub async fn list_acks(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>) -> ApiResult<Json<Vec<AckOut>>> {
    Ok(Json(s.services.list_acks(&ctx, po_id).await?.iter().map(AckOut::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct DefectPreviewOut {
    /// e.g. `unconfirmed_units`, `late_acknowledgement`.
    pub kind: String,
    pub line_no: Option<i64>,
    pub units: i64,
    pub detail: String,
}

impl From<&DefectPreview> for DefectPreviewOut {
    fn from(d: &DefectPreview) -> DefectPreviewOut {
        DefectPreviewOut { kind: d.kind.as_str().into(), line_no: d.line_no, units: d.units, detail: d.detail.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PreflightOut {
    /// What the submission would record, per line.
    pub lines: Vec<AckLineOut>,
    /// Compliance defects it would cause.
    pub defects: Vec<DefectPreviewOut>,
}

/// Check an acknowledgement without submitting it: the same validation, plus the defects it would cause.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{po_id}/acknowledgements/preflight", tag = "acknowledgements", request_body = AckIn,
    responses((status = 200, body = PreflightOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preflight(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>, JsonBody(b): JsonBody<AckIn>) -> ApiResult<Json<PreflightOut>> {
    let p = s.services.preflight_ack(&ctx, po_id, &b.into_input()?).await?;
    Ok(Json(PreflightOut { lines: p.lines.iter().map(AckLineOut::from).collect(), defects: p.defects.iter().map(DefectPreviewOut::from).collect() }))
}

/// Acknowledge many POs from a CSV (columns `po_number, line_no, accepted, backordered, rejected, rejection_reason,
/// scheduled_ship_date, scheduled_delivery_date, net_cost`); all or nothing.
#[utoipa::path(post, path = "/api/v1/acknowledgements/upload", tag = "acknowledgements", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Vec<AckOut>), (status = 422, body = ErrorBody)))]
pub async fn upload_acks(State(s): State<AppState>, Api(ctx): Api, body: String) -> ApiResult<(StatusCode, Json<Vec<AckOut>>)> {
    let acks = s.services.acknowledge_csv(&ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(acks.iter().map(AckOut::from).collect())))
}

// ---- holidays and events ----

#[derive(Serialize, Deserialize, ToSchema)]
pub struct HolidayDto {
    pub day: NaiveDate,
    pub name: String,
}

impl From<&Holiday> for HolidayDto {
    fn from(h: &Holiday) -> HolidayDto {
        HolidayDto { day: h.day, name: h.name.clone() }
    }
}

/// The retailer's holidays (each adds a day to acknowledgement due times).
#[utoipa::path(get, path = "/api/v1/holidays", tag = "master data", responses((status = 200, body = Vec<HolidayDto>)))]
pub async fn list_holidays(State(s): State<AppState>, Api(ctx): Api) -> ApiResult<Json<Vec<HolidayDto>>> {
    Ok(Json(s.services.list_holidays(&ctx).await?.iter().map(HolidayDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/holidays", tag = "master data", request_body = HolidayDto,
    responses((status = 201, body = HolidayDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_holiday(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<HolidayDto>) -> ApiResult<(StatusCode, Json<HolidayDto>)> {
    let h = s.services.add_holiday(&ctx, b.day, &b.name).await?;
    Ok((StatusCode::CREATED, Json(HolidayDto::from(&h))))
}

#[utoipa::path(delete, path = "/api/v1/holidays/{day}", tag = "master data", responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_holiday(State(s): State<AppState>, Api(ctx): Api, Path(day): Path<NaiveDate>) -> ApiResult<StatusCode> {
    s.services.remove_holiday(&ctx, day).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    /// e.g. `po.created`, `po.changed`, `po.cancelled`, `ack.submitted`.
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub summary: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<&Event> for EventOut {
    fn from(e: &Event) -> EventOut {
        EventOut {
            id: e.id,
            vendor_id: e.tenant.0,
            kind: e.kind.clone(),
            object_type: e.object_type.clone(),
            object_id: e.object_id.clone(),
            summary: e.summary.clone(),
            payload: e.payload.clone(),
            created_at: e.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventOut>,
    pub next: Option<String>,
}

/// Business events for the caller's side, oldest first; poll with `cursor` to follow new ones.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(ListQuery), responses((status = 200, body = EventPage), (status = 401, body = ErrorBody)))]
pub async fn list_events(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<EventPage>> {
    let page = s.services.list_events(&ctx, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(EventPage { items: page.items.iter().map(EventOut::from).collect(), next: page.next }))
}
