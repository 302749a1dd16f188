//! Purchase orders: headers, lines, their history (change events, acknowledgements, receipts) and the
//! acknowledgement versions; plus the retailer's holiday calendar the acknowledgement clock uses.
//! PO numbers are claimed in the registry, so they are unique across vendors.

use super::{e4, fetch_all, fetch_one, keyset, registry};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::money::from_e4;
use acorn_domain::orders::*;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// Rows per multi-row INSERT (well under SQLite's 32,766 bound parameters).
const CHUNK: usize = 500;

pub(crate) const PO_COLS: [&str; 28] = [
    "id",
    "tenant_id",
    "number",
    "vendor_code",
    "dc_id",
    "dc_code",
    "po_type",
    "state",
    "order_date",
    "ship_start",
    "ship_end",
    "delivery_start",
    "delivery_end",
    "freight_terms",
    "payment_terms",
    "currency",
    "deal_code",
    "revision",
    "revision_at",
    "ack_due_at",
    "acked_revision",
    "reminded_revision",
    "line_count",
    "total_cost_e4",
    "issued_at",
    "closed_at",
    "created_at",
    "updated_at",
];

fn po_cols() -> &'static [&'static str] {
    &PO_COLS
}

#[derive(FromQueryResult)]
struct PoRow {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    vendor_code: String,
    dc_id: Uuid,
    dc_code: String,
    po_type: String,
    state: String,
    order_date: NaiveDate,
    ship_start: NaiveDate,
    ship_end: NaiveDate,
    delivery_start: NaiveDate,
    delivery_end: NaiveDate,
    freight_terms: String,
    payment_terms: String,
    currency: String,
    deal_code: Option<String>,
    revision: i64,
    revision_at: DateTime<Utc>,
    ack_due_at: DateTime<Utc>,
    acked_revision: i64,
    reminded_revision: i64,
    line_count: i64,
    total_cost_e4: i64,
    issued_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn parse<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

impl TryFrom<PoRow> for PurchaseOrder {
    type Error = StoreError;
    fn try_from(r: PoRow) -> Result<PurchaseOrder, StoreError> {
        Ok(PurchaseOrder {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            number: r.number,
            vendor_code: r.vendor_code,
            dc_id: r.dc_id,
            dc_code: r.dc_code,
            po_type: parse("PO type", &r.po_type, PoType::parse)?,
            state: parse("PO state", &r.state, PoState::parse)?,
            order_date: r.order_date,
            ship_window: Window { start: r.ship_start, end: r.ship_end },
            delivery_window: Window { start: r.delivery_start, end: r.delivery_end },
            freight_terms: parse("freight terms", &r.freight_terms, FreightTerms::parse)?,
            payment_terms: parse("payment terms", &r.payment_terms, PaymentTerms::parse)?,
            currency: r.currency,
            deal_code: r.deal_code,
            revision: r.revision,
            revision_at: r.revision_at,
            ack_due_at: r.ack_due_at,
            acked_revision: r.acked_revision,
            reminded_revision: r.reminded_revision,
            line_count: r.line_count,
            total_cost: from_e4(r.total_cost_e4),
            issued_at: r.issued_at,
            closed_at: r.closed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn po_values(po: &PurchaseOrder) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        po.id.into(),
        po.tenant.0.into(),
        po.number.clone().into(),
        po.vendor_code.clone().into(),
        po.dc_id.into(),
        po.dc_code.clone().into(),
        po.po_type.as_str().into(),
        po.state.as_str().into(),
        po.order_date.into(),
        po.ship_window.start.into(),
        po.ship_window.end.into(),
        po.delivery_window.start.into(),
        po.delivery_window.end.into(),
        po.freight_terms.as_str().into(),
        po.payment_terms.as_str().into(),
        po.currency.clone().into(),
        po.deal_code.clone().into(),
        po.revision.into(),
        po.revision_at.into(),
        po.ack_due_at.into(),
        po.acked_revision.into(),
        po.reminded_revision.into(),
        po.line_count.into(),
        e4(po.total_cost)?.into(),
        po.issued_at.into(),
        po.closed_at.into(),
        po.created_at.into(),
        po.updated_at.into(),
    ])
}

pub(crate) const LINE_COLS: [&str; 21] = [
    "tenant_id",
    "po_id",
    "line_no",
    "item_id",
    "vendor_sku",
    "gtin",
    "retailer_item_id",
    "title",
    "ordered_quantity",
    "unit",
    "unit_size",
    "net_cost_e4",
    "list_price_e4",
    "backorder_allowed",
    "cancelled",
    "confirmation",
    "committed_eaches",
    "shipped_eaches",
    "received_eaches",
    "damaged_eaches",
    "receive_status",
];

fn line_cols() -> &'static [&'static str] {
    &LINE_COLS
}

#[derive(FromQueryResult)]
struct LineRow {
    po_id: Uuid,
    line_no: i64,
    item_id: Uuid,
    vendor_sku: String,
    gtin: String,
    retailer_item_id: String,
    title: String,
    ordered_quantity: i64,
    unit: String,
    unit_size: i64,
    net_cost_e4: i64,
    list_price_e4: i64,
    backorder_allowed: bool,
    cancelled: bool,
    confirmation: String,
    committed_eaches: i64,
    shipped_eaches: i64,
    received_eaches: i64,
    damaged_eaches: i64,
    receive_status: String,
}

impl TryFrom<LineRow> for PoLine {
    type Error = StoreError;
    fn try_from(r: LineRow) -> Result<PoLine, StoreError> {
        Ok(PoLine {
            po_id: r.po_id,
            line_no: r.line_no,
            item_id: r.item_id,
            vendor_sku: r.vendor_sku,
            gtin: r.gtin,
            retailer_item_id: r.retailer_item_id,
            title: r.title,
            ordered_quantity: r.ordered_quantity,
            unit: parse("unit", &r.unit, QuantityUnit::parse)?,
            unit_size: r.unit_size,
            net_cost: from_e4(r.net_cost_e4),
            list_price: from_e4(r.list_price_e4),
            backorder_allowed: r.backorder_allowed,
            cancelled: r.cancelled,
            confirmation: parse("line confirmation", &r.confirmation, LineConfirmation::parse)?,
            committed_eaches: r.committed_eaches,
            shipped_eaches: r.shipped_eaches,
            received_eaches: r.received_eaches,
            damaged_eaches: r.damaged_eaches,
            receive_status: parse("receive status", &r.receive_status, ReceiveStatus::parse)?,
        })
    }
}

fn line_values(tenant: TenantId, l: &PoLine) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        tenant.0.into(),
        l.po_id.into(),
        l.line_no.into(),
        l.item_id.into(),
        l.vendor_sku.clone().into(),
        l.gtin.clone().into(),
        l.retailer_item_id.clone().into(),
        l.title.clone().into(),
        l.ordered_quantity.into(),
        l.unit.as_str().into(),
        l.unit_size.into(),
        e4(l.net_cost)?.into(),
        e4(l.list_price)?.into(),
        l.backorder_allowed.into(),
        l.cancelled.into(),
        l.confirmation.as_str().into(),
        l.committed_eaches.into(),
        l.shipped_eaches.into(),
        l.received_eaches.into(),
        l.damaged_eaches.into(),
        l.receive_status.as_str().into(),
    ])
}

/// Inserts a PO with its lines, claiming its number across all vendors first.
pub async fn insert(c: &impl ConnectionTrait, po: &PurchaseOrder, lines: &[PoLine]) -> Result<(), StoreError> {
    registry::claim(c, "po_number", "PO number", &po.number, po.tenant, po.created_at).await?;
    c.execute(&Query::insert().into_table("purchase_orders").columns(po_cols().iter().copied()).values_panic(po_values(po)?).to_owned()).await?;
    insert_lines(c, po.tenant, lines).await
}

pub async fn insert_lines(c: &impl ConnectionTrait, tenant: TenantId, lines: &[PoLine]) -> Result<(), StoreError> {
    for chunk in lines.chunks(CHUNK) {
        let mut q = Query::insert().into_table("po_lines").columns(line_cols().iter().copied()).to_owned();
        for l in chunk {
            q.values_panic(line_values(tenant, l)?);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// Writes every mutable header field, if the stored PO is still the one read at `read_at` (its
/// `updated_at`); otherwise a concurrent writer got there first and the unit of work is retried.
pub async fn update(c: &impl ConnectionTrait, po: &PurchaseOrder, read_at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = Query::update().table("purchase_orders").to_owned();
    for (col, v) in po_cols().iter().zip(po_values(po)?).skip(2) {
        if *col != "number" && *col != "created_at" {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("tenant_id").eq(po.tenant.0)).and_where(Expr::col("id").eq(po.id)).and_where(Expr::col("updated_at").eq(read_at));
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("PO {} changed concurrently", po.number)));
    }
    Ok(())
}

/// Writes every mutable field of a line.
pub async fn update_line(c: &impl ConnectionTrait, tenant: TenantId, l: &PoLine) -> Result<(), StoreError> {
    let mut q = Query::update().table("po_lines").to_owned();
    for (col, v) in line_cols().iter().zip(line_values(tenant, l)?).skip(3) {
        q.value(*col, v);
    }
    q.and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col("po_id").eq(l.po_id)).and_where(Expr::col("line_no").eq(l.line_no));
    c.execute(&q).await?;
    Ok(())
}

/// `SELECT <every PO column> FROM purchase_orders`, for the queries below to narrow.
fn select_pos() -> SelectStatement {
    Query::select().columns(po_cols().iter().copied()).from("purchase_orders").to_owned()
}

async fn fetch_pos(c: &impl ConnectionTrait, q: &SelectStatement) -> Result<Vec<PurchaseOrder>, StoreError> {
    fetch_all::<PoRow>(c, q).await?.into_iter().map(PurchaseOrder::try_from).collect()
}

/// A PO by id; `tenant` None reads any tenant's (retailer side).
pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<PurchaseOrder>, StoreError> {
    let mut q = select_pos().and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<PoRow>(c, &q).await?.map(PurchaseOrder::try_from).transpose()
}

pub async fn by_number(c: &impl ConnectionTrait, tenant: Option<TenantId>, number: &str) -> Result<Option<PurchaseOrder>, StoreError> {
    let mut q = select_pos().and_where(Expr::col("number").eq(number)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<PoRow>(c, &q).await?.map(PurchaseOrder::try_from).transpose()
}

/// One page of POs matching `f`, in `(created_at, id)` order.
pub async fn list(c: &impl ConnectionTrait, f: &PoFilter, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<PurchaseOrder>, StoreError> {
    let mut q = select_pos();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = f.state {
        q.and_where(Expr::col("state").eq(s.as_str()));
    }
    if let Some(dc) = &f.dc_code {
        q.and_where(Expr::col("dc_code").eq(dc.as_str()));
    }
    if let Some(code) = &f.vendor_code {
        q.and_where(Expr::col("vendor_code").eq(code.as_str()));
    }
    if let Some(d) = f.ordered_from {
        q.and_where(Expr::col("order_date").gte(d));
    }
    if let Some(d) = f.ordered_to {
        q.and_where(Expr::col("order_date").lte(d));
    }
    if let Some(n) = f.number.as_deref().filter(|n| !n.is_empty()) {
        q.and_where(Expr::col("number").like(format!("{}%", n.replace(['%', '_'], ""))));
    }
    if f.ack_outstanding {
        q.and_where(Expr::col("acked_revision").lt(Expr::col("revision"))).and_where(Expr::col("closed_at").is_null());
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_pos(c, &q).await
}

/// Open POs of every tenant whose current revision is unacknowledged, due before `before`, and not yet reminded.
pub async fn due_unreminded(c: &impl ConnectionTrait, before: DateTime<Utc>, limit: u64) -> Result<Vec<PurchaseOrder>, StoreError> {
    let q = select_pos()
        .and_where(Expr::col("state").eq(PoState::New.as_str()))
        .and_where(Expr::col("ack_due_at").lt(before))
        .and_where(Expr::col("reminded_revision").lt(Expr::col("revision")))
        .order_by("ack_due_at", Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_pos(c, &q).await
}

/// Open POs of every tenant whose delivery window ended before `ended_before` (closing candidates).
pub async fn open_ended_before(c: &impl ConnectionTrait, ended_before: NaiveDate, limit: u64) -> Result<Vec<PurchaseOrder>, StoreError> {
    let q = select_pos()
        .and_where(Expr::col("closed_at").is_null())
        .and_where(Expr::col("delivery_end").lt(ended_before))
        .order_by("delivery_end", Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_pos(c, &q).await
}

/// POs of every tenant closed at or after `since`, oldest closing first.
pub async fn closed_since(c: &impl ConnectionTrait, since: DateTime<Utc>, limit: u64) -> Result<Vec<PurchaseOrder>, StoreError> {
    let q = select_pos().and_where(Expr::col("closed_at").gte(since)).order_by("closed_at", Order::Asc).order_by("id", Order::Asc).limit(limit).to_owned();
    fetch_pos(c, &q).await
}

/// A vendor's POs whose delivery window ended within `from..=to`.
pub async fn delivery_ended_between(c: &impl ConnectionTrait, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<Vec<PurchaseOrder>, StoreError> {
    let q = select_pos()
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("delivery_end").gte(from))
        .and_where(Expr::col("delivery_end").lte(to))
        .to_owned();
    fetch_pos(c, &q).await
}

pub async fn lines(c: &impl ConnectionTrait, tenant: TenantId, po: Uuid) -> Result<Vec<PoLine>, StoreError> {
    let q = Query::select()
        .columns(line_cols().iter().copied())
        .from("po_lines")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("po_id").eq(po))
        .order_by("line_no", Order::Asc)
        .to_owned();
    fetch_all::<LineRow>(c, &q).await?.into_iter().map(PoLine::try_from).collect()
}

pub async fn add_event(c: &impl ConnectionTrait, tenant: TenantId, e: &PoEvent) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("po_events")
            .columns(["id", "tenant_id", "po_id", "revision", "kind", "summary", "detail_json", "actor", "at"])
            .values_panic([
                e.id.into(),
                tenant.0.into(),
                e.po_id.into(),
                e.revision.into(),
                e.kind.clone().into(),
                e.summary.clone().into(),
                e.detail.to_string().into(),
                e.actor.clone().into(),
                e.at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct EventRow {
    id: Uuid,
    po_id: Uuid,
    revision: i64,
    kind: String,
    summary: String,
    detail_json: String,
    actor: String,
    at: DateTime<Utc>,
}

impl TryFrom<EventRow> for PoEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<PoEvent, StoreError> {
        Ok(PoEvent {
            id: r.id,
            po_id: r.po_id,
            revision: r.revision,
            kind: r.kind,
            summary: r.summary,
            detail: serde_json::from_str(&r.detail_json).map_err(|e| StoreError::corrupt(format!("PO event {}: {e}", r.id)))?,
            actor: r.actor,
            at: r.at,
        })
    }
}

fn events_of(tenant: TenantId) -> SelectStatement {
    Query::select()
        .columns(["id", "po_id", "revision", "kind", "summary", "detail_json", "actor", "at"])
        .from("po_events")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .to_owned()
}

/// The PO's history, oldest first.
pub async fn history(c: &impl ConnectionTrait, tenant: TenantId, po: Uuid) -> Result<Vec<PoEvent>, StoreError> {
    let q = events_of(tenant).and_where(Expr::col("po_id").eq(po)).order_by("at", Order::Asc).order_by("id", Order::Asc).to_owned();
    fetch_all::<EventRow>(c, &q).await?.into_iter().map(PoEvent::try_from).collect()
}

/// One history event (the EDI 860 job reads the change it describes).
pub async fn event(c: &impl ConnectionTrait, tenant: TenantId, id: Uuid) -> Result<Option<PoEvent>, StoreError> {
    fetch_one::<EventRow>(c, events_of(tenant).and_where(Expr::col("id").eq(id))).await?.map(PoEvent::try_from).transpose()
}

/// Stores an acknowledgement version with its lines. A version number taken concurrently means
/// another acknowledgement won the race: the unit is retried and numbers after it.
pub async fn insert_ack(c: &impl ConnectionTrait, tenant: TenantId, a: &Acknowledgement) -> Result<(), StoreError> {
    let header = c
        .execute(
            &Query::insert()
                .into_table("acknowledgements")
                .columns(["id", "tenant_id", "po_id", "version", "po_revision", "channel", "submitted_by", "submitted_at", "late"])
                .values_panic([
                    a.id.into(),
                    tenant.0.into(),
                    a.po_id.into(),
                    a.version.into(),
                    a.po_revision.into(),
                    a.channel.as_str().into(),
                    a.submitted_by.clone().into(),
                    a.submitted_at.into(),
                    a.late.into(),
                ])
                .to_owned(),
        )
        .await;
    match header {
        Err(e) if crate::is_unique_violation(&e) => return Err(StoreError::Retry(format!("acknowledgement v{} taken concurrently", a.version))),
        other => other?,
    };
    for chunk in a.lines.chunks(CHUNK) {
        let mut q = Query::insert()
            .into_table("ack_lines")
            .columns([
                "tenant_id",
                "ack_id",
                "line_no",
                "accepted",
                "backordered",
                "rejected",
                "net_cost_e4",
                "scheduled_ship_date",
                "scheduled_delivery_date",
                "rejection_reason",
            ])
            .to_owned();
        for l in chunk {
            q.values_panic([
                tenant.0.into(),
                a.id.into(),
                l.line_no.into(),
                l.accepted.into(),
                l.backordered.into(),
                l.rejected.into(),
                e4(l.net_cost)?.into(),
                l.scheduled_ship_date.into(),
                l.scheduled_delivery_date.into(),
                l.rejection_reason.map(|r| r.as_str().to_string()).into(),
            ]);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// Every acknowledgement version of a PO, oldest first, with lines.
pub async fn acks(c: &impl ConnectionTrait, tenant: TenantId, po: Uuid) -> Result<Vec<Acknowledgement>, StoreError> {
    #[derive(FromQueryResult)]
    struct H {
        id: Uuid,
        po_id: Uuid,
        version: i64,
        po_revision: i64,
        channel: String,
        submitted_by: String,
        submitted_at: DateTime<Utc>,
        late: bool,
    }
    #[derive(FromQueryResult)]
    struct L {
        ack_id: Uuid,
        line_no: i64,
        accepted: i64,
        backordered: i64,
        rejected: i64,
        net_cost_e4: i64,
        scheduled_ship_date: Option<NaiveDate>,
        scheduled_delivery_date: Option<NaiveDate>,
        rejection_reason: Option<String>,
    }
    let headers = fetch_all::<H>(
        c,
        &Query::select()
            .columns(["id", "po_id", "version", "po_revision", "channel", "submitted_by", "submitted_at", "late"])
            .from("acknowledgements")
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("po_id").eq(po))
            .order_by("version", Order::Asc)
            .to_owned(),
    )
    .await?;
    if headers.is_empty() {
        return Ok(Vec::new());
    }
    let lines = fetch_all::<L>(
        c,
        &Query::select()
            .columns([
                "ack_id",
                "line_no",
                "accepted",
                "backordered",
                "rejected",
                "net_cost_e4",
                "scheduled_ship_date",
                "scheduled_delivery_date",
                "rejection_reason",
            ])
            .from("ack_lines")
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("ack_id").is_in(headers.iter().map(|h| h.id)))
            .order_by("line_no", Order::Asc)
            .to_owned(),
    )
    .await?;
    headers
        .into_iter()
        .map(|h| {
            let lines = lines
                .iter()
                .filter(|l| l.ack_id == h.id)
                .map(|l| {
                    Ok(AckLine {
                        line_no: l.line_no,
                        accepted: l.accepted,
                        backordered: l.backordered,
                        rejected: l.rejected,
                        net_cost: from_e4(l.net_cost_e4),
                        scheduled_ship_date: l.scheduled_ship_date,
                        scheduled_delivery_date: l.scheduled_delivery_date,
                        rejection_reason: l.rejection_reason.as_deref().map(|r| parse("rejection reason", r, RejectionReason::parse)).transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(Acknowledgement {
                id: h.id,
                po_id: h.po_id,
                version: h.version,
                po_revision: h.po_revision,
                channel: parse("channel", &h.channel, Channel::parse)?,
                submitted_by: h.submitted_by,
                submitted_at: h.submitted_at,
                late: h.late,
                lines,
            })
        })
        .collect()
}

/// The retailer's holidays, in date order.
pub async fn holidays(c: &impl ConnectionTrait) -> Result<Vec<(NaiveDate, String)>, StoreError> {
    #[derive(FromQueryResult)]
    struct H {
        day: NaiveDate,
        name: String,
    }
    let q = Query::select().columns(["day", "name"]).from("holidays").order_by("day", Order::Asc).to_owned();
    Ok(fetch_all::<H>(c, &q).await?.into_iter().map(|h| (h.day, h.name)).collect())
}

pub async fn add_holiday(c: &impl ConnectionTrait, day: NaiveDate, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    let insert = Query::insert().into_table("holidays").columns(["day", "name", "created_at"]).values_panic([day.into(), name.into(), at.into()]).to_owned();
    match c.execute(&insert).await {
        Ok(_) => Ok(()),
        Err(e) if crate::is_unique_violation(&e) => Err(StoreError::Duplicate { what: "holiday", value: day.to_string() }),
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_holiday(c: &impl ConnectionTrait, day: NaiveDate) -> Result<bool, StoreError> {
    Ok(c.execute(&Query::delete().from_table("holidays").and_where(Expr::col("day").eq(day)).to_owned()).await?.rows_affected() > 0)
}

/// An open PO line with the header facts an inbound plan needs.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OpenLine {
    pub po_id: Uuid,
    pub number: String,
    pub dc_code: String,
    pub delivery_start: NaiveDate,
    pub line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub ordered_quantity: i64,
    pub unit_size: i64,
    pub committed_eaches: i64,
    pub shipped_eaches: i64,
}

/// The tenant's uncancelled lines of open POs for these items, earliest delivery first.
pub async fn open_lines_for_items(c: &impl ConnectionTrait, tenant: TenantId, items: &[Uuid]) -> Result<Vec<OpenLine>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns([("po_lines", "po_id"), ("po_lines", "line_no"), ("po_lines", "item_id"), ("po_lines", "vendor_sku")])
        .columns([("po_lines", "ordered_quantity"), ("po_lines", "unit_size"), ("po_lines", "committed_eaches"), ("po_lines", "shipped_eaches")])
        .columns([("purchase_orders", "number"), ("purchase_orders", "dc_code"), ("purchase_orders", "delivery_start")])
        .from("po_lines")
        .inner_join("purchase_orders", Expr::col(("purchase_orders", "id")).equals(("po_lines", "po_id")))
        .and_where(Expr::col(("po_lines", "tenant_id")).eq(tenant.0))
        .and_where(Expr::col(("po_lines", "item_id")).is_in(items.iter().copied()))
        .and_where(Expr::col(("po_lines", "cancelled")).eq(false))
        .and_where(Expr::col(("purchase_orders", "closed_at")).is_null())
        .order_by(("purchase_orders", "delivery_start"), Order::Asc)
        .order_by(("purchase_orders", "number"), Order::Asc)
        .order_by(("po_lines", "line_no"), Order::Asc)
        .to_owned();
    fetch_all::<OpenLine>(c, &q).await
}
