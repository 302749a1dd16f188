//! Dock appointments against DC slots, and receipts scanned carton by carton at the DC.

use super::fetch_all;
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::master::DockSlot;
use acorn_domain::shipments::*;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const APPT_COLS: [&str; 12] =
    ["id", "tenant_id", "shipment_id", "dc_id", "slot_id", "slot_start", "slot_end", "status", "reschedules", "late_change", "booked_at", "updated_at"];

#[derive(FromQueryResult)]
struct ApptRow {
    id: Uuid,
    tenant_id: Uuid,
    shipment_id: Uuid,
    dc_id: Uuid,
    slot_id: Uuid,
    slot_start: DateTime<Utc>,
    slot_end: DateTime<Utc>,
    status: String,
    reschedules: i64,
    late_change: bool,
    booked_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ApptRow> for Appointment {
    type Error = StoreError;
    fn try_from(r: ApptRow) -> Result<Appointment, StoreError> {
        Ok(Appointment {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            shipment_id: r.shipment_id,
            dc_id: r.dc_id,
            slot_id: r.slot_id,
            slot_start: r.slot_start,
            slot_end: r.slot_end,
            status: AppointmentStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("appointment status `{}`", r.status)))?,
            reschedules: r.reschedules,
            late_change: r.late_change,
            booked_at: r.booked_at,
            updated_at: r.updated_at,
        })
    }
}

/// Inserts or updates an appointment (by id).
pub async fn put_appointment(c: &impl ConnectionTrait, a: &Appointment) -> Result<(), StoreError> {
    c.execute(&Query::delete().from_table("appointments").and_where(Expr::col("id").eq(a.id)).to_owned()).await?;
    c.execute(
        &Query::insert()
            .into_table("appointments")
            .columns(APPT_COLS)
            .values_panic([
                a.id.into(),
                a.tenant.0.into(),
                a.shipment_id.into(),
                a.dc_id.into(),
                a.slot_id.into(),
                a.slot_start.into(),
                a.slot_end.into(),
                a.status.as_str().into(),
                a.reschedules.into(),
                a.late_change.into(),
                a.booked_at.into(),
                a.updated_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Booked appointments in a slot (capacity check).
pub async fn booked_in_slot(c: &impl ConnectionTrait, slot: Uuid) -> Result<i64, StoreError> {
    let rows = c
        .query_all(
            &Query::select()
                .column("id")
                .from("appointments")
                .and_where(Expr::col("slot_id").eq(slot))
                .and_where(Expr::col("status").eq(AppointmentStatus::Booked.as_str()))
                .to_owned(),
        )
        .await?;
    Ok(rows.len() as i64)
}

/// A DC's slots starting in `[from, to)`, in time order, each with its booked appointments (what
/// the capacity check counts): one query.
pub async fn slots_with_bookings(
    c: &impl ConnectionTrait,
    dc_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(DockSlot, i64)>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        id: Uuid,
        dc_id: Uuid,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        capacity: i64,
        created_at: DateTime<Utc>,
        booked: i64,
    }
    const SLOT: [&str; 6] = ["id", "dc_id", "starts_at", "ends_at", "capacity", "created_at"];
    let mut q = Query::select();
    for col in SLOT {
        q.column(("dock_slots", col)).group_by_col(("dock_slots", col));
    }
    q.expr_as(Func::count(Expr::col(("appointments", "id"))), "booked")
        .from("dock_slots")
        .left_join(
            "appointments",
            Expr::col(("appointments", "slot_id"))
                .equals(("dock_slots", "id"))
                .and(Expr::col(("appointments", "status")).eq(AppointmentStatus::Booked.as_str())),
        )
        .and_where(Expr::col(("dock_slots", "dc_id")).eq(dc_id))
        .and_where(Expr::col(("dock_slots", "starts_at")).gte(from))
        .and_where(Expr::col(("dock_slots", "starts_at")).lt(to))
        .order_by(("dock_slots", "starts_at"), Order::Asc)
        .limit(limit);
    Ok(fetch_all::<R>(c, &q)
        .await?
        .into_iter()
        .map(|r| (DockSlot { id: r.id, dc_id: r.dc_id, starts_at: r.starts_at, ends_at: r.ends_at, capacity: r.capacity, created_at: r.created_at }, r.booked))
        .collect())
}

/// The appointments of several shipments (every status), oldest first; `tenant` None for any
/// tenant. One query, for lists of shipments.
pub async fn appointments_of_shipments(c: &impl ConnectionTrait, tenant: Option<TenantId>, shipments: &[Uuid]) -> Result<Vec<Appointment>, StoreError> {
    if shipments.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::select()
        .columns(APPT_COLS)
        .from("appointments")
        .and_where(Expr::col("shipment_id").is_in(shipments.iter().copied()))
        .order_by("booked_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_all::<ApptRow>(c, &q).await?.into_iter().map(Appointment::try_from).collect()
}

/// A shipment's appointments, oldest first; `tenant` None for any tenant.
pub async fn appointments_of(c: &impl ConnectionTrait, tenant: Option<TenantId>, shipment: Uuid) -> Result<Vec<Appointment>, StoreError> {
    let mut q =
        Query::select().columns(APPT_COLS).from("appointments").and_where(Expr::col("shipment_id").eq(shipment)).order_by("booked_at", Order::Asc).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_all::<ApptRow>(c, &q).await?.into_iter().map(Appointment::try_from).collect()
}

/// A DC's booked appointments starting in [from, to), by start (the dock schedule).
pub async fn appointments_at(c: &impl ConnectionTrait, dc: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Appointment>, StoreError> {
    let q = Query::select()
        .columns(APPT_COLS)
        .from("appointments")
        .and_where(Expr::col("dc_id").eq(dc))
        .and_where(Expr::col("slot_start").gte(from))
        .and_where(Expr::col("slot_start").lt(to))
        .order_by("slot_start", Order::Asc)
        .to_owned();
    fetch_all::<ApptRow>(c, &q).await?.into_iter().map(Appointment::try_from).collect()
}

/// Booked appointments whose slot started before `before` (no-show candidates).
pub async fn booked_started_before(c: &impl ConnectionTrait, before: DateTime<Utc>, limit: u64) -> Result<Vec<Appointment>, StoreError> {
    let q = Query::select()
        .columns(APPT_COLS)
        .from("appointments")
        .and_where(Expr::col("status").eq(AppointmentStatus::Booked.as_str()))
        .and_where(Expr::col("slot_start").lt(before))
        .order_by("slot_start", Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_all::<ApptRow>(c, &q).await?.into_iter().map(Appointment::try_from).collect()
}

#[derive(FromQueryResult)]
struct ReceiptRow {
    id: Uuid,
    tenant_id: Uuid,
    shipment_id: Uuid,
    dc_id: Uuid,
    status: String,
    checked_in_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

const RECEIPT_COLS: [&str; 7] = ["id", "tenant_id", "shipment_id", "dc_id", "status", "checked_in_at", "closed_at"];

pub async fn insert_receipt(c: &impl ConnectionTrait, r: &Receipt) -> Result<(), StoreError> {
    let res = c
        .execute(
            &Query::insert()
                .into_table("receipts")
                .columns(RECEIPT_COLS)
                .values_panic([
                    r.id.into(),
                    r.tenant.0.into(),
                    r.shipment_id.into(),
                    r.dc_id.into(),
                    r.status.as_str().into(),
                    r.checked_in_at.into(),
                    r.closed_at.into(),
                ])
                .to_owned(),
        )
        .await;
    match res {
        Err(e) if crate::is_unique_violation(&e) => Err(StoreError::Duplicate { what: "receipt for shipment", value: r.shipment_id.to_string() }),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

pub async fn close_receipt(c: &impl ConnectionTrait, tenant: TenantId, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("receipts")
                .value("status", ReceiptStatus::Closed.as_str())
                .value("closed_at", at)
                .and_where(Expr::col("tenant_id").eq(tenant.0))
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("status").eq(ReceiptStatus::Open.as_str()))
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Records (or re-records) one scanned carton with its lines.
pub async fn put_carton(c: &impl ConnectionTrait, tenant: TenantId, receipt: Uuid, k: &ReceivedCarton) -> Result<(), StoreError> {
    for table in ["received_lines", "received_cartons"] {
        c.execute(
            &Query::delete()
                .from_table(table)
                .and_where(Expr::col("tenant_id").eq(tenant.0))
                .and_where(Expr::col("receipt_id").eq(receipt))
                .and_where(Expr::col("sscc").eq(k.sscc.as_str()))
                .to_owned(),
        )
        .await?;
    }
    c.execute(
        &Query::insert()
            .into_table("received_cartons")
            .columns(["tenant_id", "receipt_id", "sscc", "on_asn", "scanned_at"])
            .values_panic([tenant.0.into(), receipt.into(), k.sscc.as_str().into(), k.on_asn.into(), k.scanned_at.into()])
            .to_owned(),
    )
    .await?;
    if !k.lines.is_empty() {
        let mut q = Query::insert()
            .into_table("received_lines")
            .columns(["tenant_id", "receipt_id", "sscc", "seq", "po_id", "po_number", "line_no", "gtin", "received", "damaged", "unexpected"])
            .to_owned();
        for (i, l) in k.lines.iter().enumerate() {
            q.values_panic([
                tenant.0.into(),
                receipt.into(),
                k.sscc.as_str().into(),
                (i as i64 + 1).into(),
                l.po_id.into(),
                l.po_number.clone().into(),
                l.line_no.into(),
                l.gtin.clone().into(),
                l.received.into(),
                l.damaged.into(),
                l.unexpected.into(),
            ]);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// The receipt of a shipment (at most one), with its cartons.
pub async fn receipt_of(c: &impl ConnectionTrait, tenant: TenantId, shipment: Uuid) -> Result<Option<Receipt>, StoreError> {
    let q = Query::select()
        .columns(RECEIPT_COLS)
        .from("receipts")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("shipment_id").eq(shipment))
        .to_owned();
    let Some(r) = super::fetch_one::<ReceiptRow>(c, &q).await? else { return Ok(None) };
    #[derive(FromQueryResult)]
    struct K {
        sscc: String,
        on_asn: bool,
        scanned_at: DateTime<Utc>,
    }
    #[derive(FromQueryResult)]
    struct L {
        sscc: String,
        po_id: Option<Uuid>,
        po_number: Option<String>,
        line_no: Option<i64>,
        gtin: String,
        received: i64,
        damaged: i64,
        unexpected: bool,
    }
    let of =
        |table: &'static str| Query::select().from(table).and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col("receipt_id").eq(r.id)).to_owned();
    let lines = fetch_all::<L>(
        c,
        of("received_lines")
            .columns(["sscc", "po_id", "po_number", "line_no", "gtin", "received", "damaged", "unexpected"])
            .order_by("sscc", Order::Asc)
            .order_by("seq", Order::Asc),
    )
    .await?;
    let mut cartons: Vec<ReceivedCarton> =
        fetch_all::<K>(c, of("received_cartons").columns(["sscc", "on_asn", "scanned_at"]).order_by("scanned_at", Order::Asc))
            .await?
            .into_iter()
            .map(|k| ReceivedCarton { sscc: k.sscc, on_asn: k.on_asn, scanned_at: k.scanned_at, lines: Vec::new() })
            .collect();
    for l in lines {
        if let Some(k) = cartons.iter_mut().find(|k| k.sscc == l.sscc) {
            k.lines.push(ReceivedLine {
                po_id: l.po_id,
                po_number: l.po_number,
                line_no: l.line_no,
                gtin: l.gtin,
                received: l.received,
                damaged: l.damaged,
                unexpected: l.unexpected,
            });
        }
    }
    Ok(Some(Receipt {
        id: r.id,
        tenant: TenantId(r.tenant_id),
        shipment_id: r.shipment_id,
        dc_id: r.dc_id,
        status: ReceiptStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("receipt status `{}`", r.status)))?,
        checked_in_at: r.checked_in_at,
        closed_at: r.closed_at,
        cartons,
    }))
}
