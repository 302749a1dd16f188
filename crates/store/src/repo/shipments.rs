//! Shipments (ASNs) with pallets, cartons and carton items; submitted versions; routing requests.
//! Cartons and items are written in chunks (an ASN may carry thousands of cartons) and read back
//! with one query per table, never one per carton.

use super::{fetch_all, fetch_one, keyset};
use crate::error::StoreError;
use acorn_domain::gs1::Sscc;
use acorn_domain::ids::TenantId;
use acorn_domain::master::Address;
use acorn_domain::orders::FreightTerms;
use acorn_domain::shipments::*;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Rows per multi-row INSERT (12 columns × 1000 stays under SQLite's parameter limit).
const CHUNK: usize = 1000;

pub(crate) const COLS: [&str; 33] = [
    "id",
    "tenant_id",
    "shipment_number",
    "vendor_code",
    "dc_id",
    "dc_code",
    "ship_from_name",
    "ship_from_line1",
    "ship_from_line2",
    "ship_from_city",
    "ship_from_region",
    "ship_from_postal_code",
    "ship_from_country",
    "status",
    "shipment_type",
    "confirmation",
    "revision",
    "ship_date",
    "estimated_arrival",
    "carrier_scac",
    "tracking_number",
    "bol_number",
    "arn",
    "freight_terms",
    "asn_due_at",
    "first_submitted_at",
    "submitted_at",
    "arrived_at",
    "received_at",
    "carton_count",
    "unit_count",
    "created_at",
    "updated_at",
];

/// The header of a shipment, with the name of its ship-from party (the domain type keeps the address).
#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    shipment_number: String,
    vendor_code: String,
    dc_id: Uuid,
    dc_code: String,
    ship_from_name: String,
    ship_from_line1: String,
    ship_from_line2: String,
    ship_from_city: String,
    ship_from_region: String,
    ship_from_postal_code: String,
    ship_from_country: String,
    status: String,
    shipment_type: String,
    confirmation: String,
    revision: i64,
    ship_date: DateTime<Utc>,
    estimated_arrival: Option<DateTime<Utc>>,
    carrier_scac: Option<String>,
    tracking_number: Option<String>,
    bol_number: Option<String>,
    arn: Option<String>,
    freight_terms: String,
    asn_due_at: DateTime<Utc>,
    first_submitted_at: DateTime<Utc>,
    submitted_at: DateTime<Utc>,
    arrived_at: Option<DateTime<Utc>>,
    received_at: Option<DateTime<Utc>>,
    carton_count: i64,
    unit_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn parse<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

/// A shipment as stored, with the totals kept on its header (lists show them without reading cartons).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Header {
    pub shipment: Shipment,
    /// The ship-from party's name as shipped (printed on labels).
    pub ship_from_name: String,
    pub carton_count: i64,
    pub unit_count: i64,
}

impl TryFrom<Row> for Header {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Header, StoreError> {
        let (carton_count, unit_count, ship_from_name) = (r.carton_count, r.unit_count, r.ship_from_name.clone());
        Ok(Header {
            shipment: Shipment {
                id: r.id,
                tenant: TenantId(r.tenant_id),
                shipment_number: r.shipment_number,
                vendor_code: r.vendor_code,
                dc_id: r.dc_id,
                dc_code: r.dc_code,
                ship_from: Address {
                    line1: r.ship_from_line1,
                    line2: r.ship_from_line2,
                    city: r.ship_from_city,
                    region: r.ship_from_region,
                    postal_code: r.ship_from_postal_code,
                    country: r.ship_from_country,
                },
                status: parse("shipment status", &r.status, ShipmentStatus::parse)?,
                shipment_type: parse("shipment type", &r.shipment_type, ShipmentType::parse)?,
                confirmation: parse("confirmation", &r.confirmation, Confirmation::parse)?,
                revision: r.revision,
                ship_date: r.ship_date,
                estimated_arrival: r.estimated_arrival,
                carrier_scac: r.carrier_scac,
                tracking_number: r.tracking_number,
                bol_number: r.bol_number,
                arn: r.arn,
                freight_terms: parse("freight terms", &r.freight_terms, FreightTerms::parse)?,
                asn_due_at: r.asn_due_at,
                first_submitted_at: r.first_submitted_at,
                submitted_at: r.submitted_at,
                arrived_at: r.arrived_at,
                received_at: r.received_at,
                pallets: Vec::new(),
                cartons: Vec::new(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            ship_from_name,
            carton_count,
            unit_count,
        })
    }
}

fn values(s: &Shipment, ship_from_name: &str) -> Vec<SimpleExpr> {
    let a = &s.ship_from;
    vec![
        s.id.into(),
        s.tenant.0.into(),
        s.shipment_number.clone().into(),
        s.vendor_code.clone().into(),
        s.dc_id.into(),
        s.dc_code.clone().into(),
        ship_from_name.into(),
        a.line1.clone().into(),
        a.line2.clone().into(),
        a.city.clone().into(),
        a.region.clone().into(),
        a.postal_code.clone().into(),
        a.country.clone().into(),
        s.status.as_str().into(),
        s.shipment_type.as_str().into(),
        s.confirmation.as_str().into(),
        s.revision.into(),
        s.ship_date.into(),
        s.estimated_arrival.into(),
        s.carrier_scac.clone().into(),
        s.tracking_number.clone().into(),
        s.bol_number.clone().into(),
        s.arn.clone().into(),
        s.freight_terms.as_str().into(),
        s.asn_due_at.into(),
        s.first_submitted_at.into(),
        s.submitted_at.into(),
        s.arrived_at.into(),
        s.received_at.into(),
        (s.cartons.len() as i64).into(),
        s.total_units().into(),
        s.created_at.into(),
        s.updated_at.into(),
    ]
}

/// Inserts a new shipment with its contents.
pub async fn insert(c: &impl ConnectionTrait, s: &Shipment, ship_from_name: &str) -> Result<(), StoreError> {
    let exists = fetch_one::<IdOnly>(
        c,
        &Query::select()
            .column("id")
            .from("shipments")
            .and_where(Expr::col("tenant_id").eq(s.tenant.0))
            .and_where(Expr::col("shipment_number").eq(s.shipment_number.as_str()))
            .to_owned(),
    )
    .await?;
    if exists.is_some() {
        return Err(StoreError::Duplicate { what: "shipment number", value: s.shipment_number.clone() });
    }
    c.execute(&Query::insert().into_table("shipments").columns(COLS).values_panic(values(s, ship_from_name)).to_owned()).await?;
    insert_contents(c, s).await
}

#[derive(FromQueryResult)]
struct IdOnly {
    #[allow(dead_code)]
    id: Uuid,
}

/// Writes every header field (contents unchanged), if the stored row is still the one read at
/// `read_at`; otherwise a concurrent writer won and the unit is retried.
pub async fn update_header(c: &impl ConnectionTrait, s: &Shipment, ship_from_name: &str, read_at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = Query::update().table("shipments").to_owned();
    for (col, v) in COLS.iter().zip(values(s, ship_from_name)) {
        if !matches!(*col, "id" | "tenant_id" | "shipment_number" | "created_at" | "first_submitted_at") {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("tenant_id").eq(s.tenant.0)).and_where(Expr::col("id").eq(s.id)).and_where(Expr::col("updated_at").eq(read_at));
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("shipment {} changed concurrently", s.shipment_number)));
    }
    Ok(())
}

/// Replaces the pallets, cartons and items of a shipment (an ASN `Replace`).
pub async fn replace_contents(c: &impl ConnectionTrait, s: &Shipment) -> Result<(), StoreError> {
    for table in ["carton_items", "shipment_cartons", "shipment_pallets"] {
        c.execute(&Query::delete().from_table(table).and_where(Expr::col("tenant_id").eq(s.tenant.0)).and_where(Expr::col("shipment_id").eq(s.id)).to_owned())
            .await?;
    }
    insert_contents(c, s).await
}

async fn insert_contents(c: &impl ConnectionTrait, s: &Shipment) -> Result<(), StoreError> {
    let t = s.tenant.0;
    for chunk in s.pallets.chunks(CHUNK) {
        let mut q = Query::insert().into_table("shipment_pallets").columns(["tenant_id", "shipment_id", "seq", "sscc"]).to_owned();
        for p in chunk {
            q.values_panic([t.into(), s.id.into(), p.seq.into(), p.sscc.as_ref().map(|x| x.as_str().to_string()).into()]);
        }
        c.execute(&q).await?;
    }
    for chunk in s.cartons.chunks(CHUNK) {
        let mut q = Query::insert().into_table("shipment_cartons").columns(["tenant_id", "shipment_id", "seq", "sscc", "pallet"]).to_owned();
        for k in chunk {
            q.values_panic([t.into(), s.id.into(), k.seq.into(), k.sscc.as_str().into(), k.pallet.into()]);
        }
        c.execute(&q).await?;
    }
    let items: Vec<(i64, i64, &CartonItem)> = s.cartons.iter().flat_map(|k| k.items.iter().enumerate().map(move |(i, it)| (k.seq, i as i64 + 1, it))).collect();
    for chunk in items.chunks(CHUNK) {
        let mut q = Query::insert()
            .into_table("carton_items")
            .columns(["tenant_id", "shipment_id", "carton_seq", "item_seq", "po_id", "po_number", "line_no", "vendor_sku", "gtin", "quantity", "lot", "expiry"])
            .to_owned();
        for (carton, seq, it) in chunk {
            q.values_panic([
                t.into(),
                s.id.into(),
                (*carton).into(),
                (*seq).into(),
                it.po_id.into(),
                it.po_number.clone().into(),
                it.line_no.into(),
                it.vendor_sku.clone().into(),
                it.gtin.clone().into(),
                it.quantity.into(),
                it.lot.clone().into(),
                it.expiry.into(),
            ]);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// A shipment header; `tenant` None reads any tenant's (retailer side).
pub async fn header(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Header>, StoreError> {
    let mut q = Query::select().columns(COLS).from("shipments").and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<Row>(c, &q).await?.map(Header::try_from).transpose()
}

/// A shipment with its pallets and cartons.
pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Header>, StoreError> {
    let Some(mut h) = header(c, tenant, id).await? else { return Ok(None) };
    load_contents(c, &mut h.shipment).await?;
    Ok(Some(h))
}

async fn load_contents(c: &impl ConnectionTrait, s: &mut Shipment) -> Result<(), StoreError> {
    #[derive(FromQueryResult)]
    struct P {
        seq: i64,
        sscc: Option<String>,
    }
    #[derive(FromQueryResult)]
    struct K {
        seq: i64,
        sscc: String,
        pallet: Option<i64>,
    }
    #[derive(FromQueryResult)]
    struct I {
        carton_seq: i64,
        po_id: Uuid,
        po_number: String,
        line_no: i64,
        vendor_sku: String,
        gtin: String,
        quantity: i64,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
    }
    let of = |table: &'static str| {
        Query::select().from(table).and_where(Expr::col("tenant_id").eq(s.tenant.0)).and_where(Expr::col("shipment_id").eq(s.id)).to_owned()
    };
    let sscc = |v: &str| Sscc::parse(v).map_err(|e| StoreError::corrupt(format!("SSCC `{v}`: {e}")));
    s.pallets = fetch_all::<P>(c, of("shipment_pallets").columns(["seq", "sscc"]).order_by("seq", Order::Asc))
        .await?
        .into_iter()
        .map(|p| Ok(Pallet { seq: p.seq, sscc: p.sscc.as_deref().map(sscc).transpose()? }))
        .collect::<Result<_, StoreError>>()?;
    let mut cartons: Vec<Carton> = fetch_all::<K>(c, of("shipment_cartons").columns(["seq", "sscc", "pallet"]).order_by("seq", Order::Asc))
        .await?
        .into_iter()
        .map(|k| Ok(Carton { seq: k.seq, sscc: sscc(&k.sscc)?, pallet: k.pallet, items: Vec::new() }))
        .collect::<Result<_, StoreError>>()?;
    let items = fetch_all::<I>(
        c,
        of("carton_items")
            .columns(["carton_seq", "po_id", "po_number", "line_no", "vendor_sku", "gtin", "quantity", "lot", "expiry"])
            .order_by("carton_seq", Order::Asc)
            .order_by("item_seq", Order::Asc),
    )
    .await?;
    for i in items {
        // Cartons are numbered 1..n in order, so the carton is found by position.
        let Some(k) = usize::try_from(i.carton_seq - 1).ok().and_then(|ix| cartons.get_mut(ix)) else {
            return Err(StoreError::corrupt(format!("carton item of missing carton {}", i.carton_seq)));
        };
        k.items.push(CartonItem {
            po_id: i.po_id,
            po_number: i.po_number,
            line_no: i.line_no,
            vendor_sku: i.vendor_sku,
            gtin: i.gtin,
            quantity: i.quantity,
            lot: i.lot,
            expiry: i.expiry,
        });
    }
    s.cartons = cartons;
    Ok(())
}

/// Filter over shipment lists.
#[derive(Clone, Debug, Default)]
pub struct ShipmentFilter {
    pub tenant: Option<TenantId>,
    pub status: Option<ShipmentStatus>,
    pub dc_id: Option<Uuid>,
    pub number: Option<String>,
}

/// One page of shipment headers.
pub async fn list(c: &impl ConnectionTrait, f: &ShipmentFilter, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Header>, StoreError> {
    let mut q = Query::select().columns(COLS).from("shipments").to_owned();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = f.status {
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    if let Some(d) = f.dc_id {
        q.and_where(Expr::col("dc_id").eq(d));
    }
    if let Some(n) = f.number.as_deref().filter(|n| !n.is_empty()) {
        q.and_where(Expr::col("shipment_number").like(format!("{}%", n.replace(['%', '_'], ""))));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(Header::try_from).collect()
}

/// Headers of the shipments (cancelled ones too) carrying any line of these POs, oldest first.
pub async fn headers_for_pos(c: &impl ConnectionTrait, tenant: TenantId, po_ids: &[Uuid]) -> Result<Vec<Header>, StoreError> {
    if po_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = Query::select()
        .distinct()
        .column("shipment_id")
        .from("carton_items")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("po_id").is_in(po_ids.iter().copied()))
        .to_owned();
    let q = Query::select()
        .columns(COLS)
        .from("shipments")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("id").in_subquery(ids))
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(Header::try_from).collect()
}

/// Shipments (not cancelled) carrying any line of these POs, with contents.
pub async fn for_pos(c: &impl ConnectionTrait, tenant: TenantId, po_ids: &[Uuid]) -> Result<Vec<Header>, StoreError> {
    if po_ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(FromQueryResult)]
    struct S {
        shipment_id: Uuid,
    }
    let ids: Vec<Uuid> = fetch_all::<S>(
        c,
        &Query::select()
            .distinct()
            .column("shipment_id")
            .from("carton_items")
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("po_id").is_in(po_ids.iter().copied()))
            .to_owned(),
    )
    .await?
    .into_iter()
    .map(|s| s.shipment_id)
    .collect();
    let mut out = Vec::new();
    for id in ids {
        if let Some(h) = get(c, Some(tenant), id).await?
            && h.shipment.status != ShipmentStatus::Cancelled
        {
            out.push(h);
        }
    }
    out.sort_by_key(|h| (h.shipment.created_at, h.shipment.id));
    Ok(out)
}

/// Eaches of each (PO, line) on the tenant's live ASNs (not cancelled), leaving out `except`.
pub async fn shipped_quantities(
    c: &impl ConnectionTrait,
    tenant: TenantId,
    po_ids: &[Uuid],
    except: Option<Uuid>,
) -> Result<BTreeMap<(Uuid, i64), i64>, StoreError> {
    if po_ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    #[derive(FromQueryResult)]
    struct Q {
        po_id: Uuid,
        line_no: i64,
        qty: i64,
    }
    let mut q = Query::select()
        .columns([("carton_items", "po_id"), ("carton_items", "line_no")])
        // CAST: Postgres sums BIGINT into NUMERIC otherwise.
        .expr_as(Expr::cust("CAST(SUM(carton_items.quantity) AS BIGINT)"), "qty")
        .from("carton_items")
        .inner_join("shipments", Expr::col(("shipments", "id")).equals(("carton_items", "shipment_id")))
        .and_where(Expr::col(("carton_items", "tenant_id")).eq(tenant.0))
        .and_where(Expr::col(("carton_items", "po_id")).is_in(po_ids.iter().copied()))
        .and_where(Expr::col(("shipments", "status")).ne(ShipmentStatus::Cancelled.as_str()))
        .group_by_col(("carton_items", "po_id"))
        .group_by_col(("carton_items", "line_no"))
        .to_owned();
    if let Some(x) = except {
        q.and_where(Expr::col(("carton_items", "shipment_id")).ne(x));
    }
    Ok(fetch_all::<Q>(c, &q).await?.into_iter().map(|r| ((r.po_id, r.line_no), r.qty)).collect())
}

/// The shipment holding a carton with this SSCC (any tenant; receivers scan before they know whose it is).
pub async fn by_carton_sscc(c: &impl ConnectionTrait, sscc: &str) -> Result<Option<(TenantId, Uuid)>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        tenant_id: Uuid,
        shipment_id: Uuid,
    }
    let q = Query::select().columns(["tenant_id", "shipment_id"]).from("shipment_cartons").and_where(Expr::col("sscc").eq(sscc)).limit(1).to_owned();
    Ok(fetch_one::<R>(c, &q).await?.map(|r| (TenantId(r.tenant_id), r.shipment_id)))
}

/// A shipment by its vendor's number, any tenant when `tenant` is None (receivers type it in).
pub async fn by_number(c: &impl ConnectionTrait, tenant: Option<TenantId>, number: &str) -> Result<Vec<Header>, StoreError> {
    let mut q = Query::select().columns(COLS).from("shipments").and_where(Expr::col("shipment_number").eq(number)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_all::<Row>(c, &q).await?.into_iter().map(Header::try_from).collect()
}

/// When each of a vendor's ASNs first submitted in `from..to` was submitted and when it was due
/// (the ASN on-time rate the chargeback schedule tiers by).
pub async fn asn_timeliness(
    c: &impl ConnectionTrait,
    tenant: TenantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        first_submitted_at: DateTime<Utc>,
        asn_due_at: DateTime<Utc>,
    }
    let q = Query::select()
        .columns(["first_submitted_at", "asn_due_at"])
        .from("shipments")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("first_submitted_at").gte(from))
        .and_where(Expr::col("first_submitted_at").lt(to))
        .and_where(Expr::col("status").ne(ShipmentStatus::Cancelled.as_str()))
        .to_owned();
    Ok(fetch_all::<R>(c, &q).await?.into_iter().map(|r| (r.first_submitted_at, r.asn_due_at)).collect())
}

pub async fn add_version(c: &impl ConnectionTrait, s: &Shipment, submitted_by: &str) -> Result<(), StoreError> {
    let snapshot = serde_json::to_string(s).map_err(|e| StoreError::corrupt(format!("shipment snapshot: {e}")))?;
    c.execute(
        &Query::insert()
            .into_table("shipment_versions")
            .columns(["tenant_id", "shipment_id", "revision", "confirmation", "snapshot_json", "submitted_by", "submitted_at"])
            .values_panic([
                s.tenant.0.into(),
                s.id.into(),
                s.revision.into(),
                s.confirmation.as_str().into(),
                snapshot.into(),
                submitted_by.into(),
                s.submitted_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Every submitted version: (revision, confirmation, submitted by, at, total cartons, total units).
pub async fn versions(c: &impl ConnectionTrait, tenant: TenantId, id: Uuid) -> Result<Vec<(Shipment, String)>, StoreError> {
    #[derive(FromQueryResult)]
    struct V {
        snapshot_json: String,
        submitted_by: String,
    }
    let q = Query::select()
        .columns(["snapshot_json", "submitted_by"])
        .from("shipment_versions")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("shipment_id").eq(id))
        .order_by("revision", Order::Asc)
        .to_owned();
    fetch_all::<V>(c, &q)
        .await?
        .into_iter()
        .map(|v| Ok((serde_json::from_str(&v.snapshot_json).map_err(|e| StoreError::corrupt(format!("shipment version: {e}")))?, v.submitted_by)))
        .collect()
}

#[derive(FromQueryResult)]
struct RoutingRow {
    shipment_id: Uuid,
    freight_ready_date: NaiveDate,
    pallets: i64,
    weight_kg: i64,
    volume_dm3: i64,
    requested_at: DateTime<Utc>,
    carrier_scac: Option<String>,
    arn: Option<String>,
    assigned_at: Option<DateTime<Utc>>,
}

impl From<RoutingRow> for RoutingRequest {
    fn from(r: RoutingRow) -> RoutingRequest {
        RoutingRequest {
            shipment_id: r.shipment_id,
            freight_ready_date: r.freight_ready_date,
            pallets: r.pallets,
            weight_kg: r.weight_kg,
            volume_dm3: r.volume_dm3,
            requested_at: r.requested_at,
            carrier_scac: r.carrier_scac,
            arn: r.arn,
            assigned_at: r.assigned_at,
        }
    }
}

const ROUTING_COLS: [&str; 9] =
    ["shipment_id", "freight_ready_date", "pallets", "weight_kg", "volume_dm3", "requested_at", "carrier_scac", "arn", "assigned_at"];

/// Inserts or replaces the shipment's routing request.
pub async fn put_routing(c: &impl ConnectionTrait, tenant: TenantId, r: &RoutingRequest) -> Result<(), StoreError> {
    c.execute(&Query::delete().from_table("routing_requests").and_where(Expr::col("shipment_id").eq(r.shipment_id)).to_owned()).await?;
    c.execute(
        &Query::insert()
            .into_table("routing_requests")
            .columns(ROUTING_COLS.iter().copied().chain(["tenant_id"]))
            .values_panic([
                r.shipment_id.into(),
                r.freight_ready_date.into(),
                r.pallets.into(),
                r.weight_kg.into(),
                r.volume_dm3.into(),
                r.requested_at.into(),
                r.carrier_scac.clone().into(),
                r.arn.clone().into(),
                r.assigned_at.into(),
                tenant.0.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn routing(c: &impl ConnectionTrait, tenant: Option<TenantId>, shipment: Uuid) -> Result<Option<RoutingRequest>, StoreError> {
    let mut q = Query::select().columns(ROUTING_COLS).from("routing_requests").and_where(Expr::col("shipment_id").eq(shipment)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    Ok(fetch_one::<RoutingRow>(c, &q).await?.map(RoutingRequest::from))
}

/// Routing requests not yet assigned a carrier, oldest first (the retailer's transport desk).
pub async fn open_routing(c: &impl ConnectionTrait, limit: u64) -> Result<Vec<(TenantId, RoutingRequest)>, StoreError> {
    #[derive(FromQueryResult)]
    struct T {
        tenant_id: Uuid,
    }
    let q = Query::select()
        .columns(ROUTING_COLS)
        .column("tenant_id")
        .from("routing_requests")
        .and_where(Expr::col("assigned_at").is_null())
        .order_by("requested_at", Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter().map(|r| Ok((TenantId(T::from_query_result(r, "")?.tenant_id), RoutingRequest::from(RoutingRow::from_query_result(r, "")?)))).collect()
}

/// Shipments not yet `Shipped` whose ship date has passed (any tenant), oldest first.
pub async fn due_to_ship(c: &impl ConnectionTrait, before: DateTime<Utc>, limit: u64) -> Result<Vec<Header>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("shipments")
        .and_where(Expr::col("status").is_in([
            ShipmentStatus::Created.as_str(),
            ShipmentStatus::TransportationRequested.as_str(),
            ShipmentStatus::CarrierAssigned.as_str(),
        ]))
        .and_where(Expr::col("ship_date").lte(before))
        .order_by("ship_date", Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(Header::try_from).collect()
}
