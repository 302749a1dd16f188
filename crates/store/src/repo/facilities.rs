//! Retailer facilities: distribution centres and their dock slots (reference data, no tenant).

use super::{fetch_all, fetch_one};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::master::{Address, Dc, DockSlot};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const DC_COLS: [&str; 13] =
    ["id", "code", "name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "time_zone", "dock_doors", "created_at", "updated_at"];

#[derive(FromQueryResult)]
struct DcRow {
    id: Uuid,
    code: String,
    name: String,
    address_line1: String,
    address_line2: String,
    city: String,
    region: String,
    postal_code: String,
    country: String,
    time_zone: String,
    dock_doors: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DcRow> for Dc {
    fn from(r: DcRow) -> Dc {
        Dc {
            id: r.id,
            code: r.code,
            name: r.name,
            address: Address { line1: r.address_line1, line2: r.address_line2, city: r.city, region: r.region, postal_code: r.postal_code, country: r.country },
            time_zone: r.time_zone,
            dock_doors: r.dock_doors,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub async fn insert_dc(c: &impl ConnectionTrait, dc: &Dc) -> Result<(), StoreError> {
    let a = &dc.address;
    let res = c
        .execute(
            &Query::insert()
                .into_table("dcs")
                .columns(DC_COLS)
                .values_panic([
                    dc.id.into(),
                    dc.code.clone().into(),
                    dc.name.clone().into(),
                    a.line1.clone().into(),
                    a.line2.clone().into(),
                    a.city.clone().into(),
                    a.region.clone().into(),
                    a.postal_code.clone().into(),
                    a.country.clone().into(),
                    dc.time_zone.clone().into(),
                    dc.dock_doors.into(),
                    dc.created_at.into(),
                    dc.updated_at.into(),
                ])
                .to_owned(),
        )
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate { what: "DC code", value: dc.code.clone() }),
        Err(e) => Err(e.into()),
    }
}

pub async fn update_dc(c: &impl ConnectionTrait, dc: &Dc) -> Result<(), StoreError> {
    let a = &dc.address;
    c.execute(
        &Query::update()
            .table("dcs")
            .value("name", dc.name.clone())
            .value("address_line1", a.line1.clone())
            .value("address_line2", a.line2.clone())
            .value("city", a.city.clone())
            .value("region", a.region.clone())
            .value("postal_code", a.postal_code.clone())
            .value("country", a.country.clone())
            .value("time_zone", dc.time_zone.clone())
            .value("dock_doors", dc.dock_doors)
            .value("updated_at", dc.updated_at)
            .and_where(Expr::col("id").eq(dc.id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn get_dc(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Dc>, StoreError> {
    let q = Query::select().columns(DC_COLS).from("dcs").and_where(Expr::col("id").eq(id)).to_owned();
    Ok(fetch_one::<DcRow>(c, &q).await?.map(Dc::from))
}

pub async fn get_dc_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<Dc>, StoreError> {
    let q = Query::select().columns(DC_COLS).from("dcs").and_where(Expr::col("code").eq(code)).to_owned();
    Ok(fetch_one::<DcRow>(c, &q).await?.map(Dc::from))
}

/// Every DC, by code. A retailer has tens of DCs, not thousands, so this list is not paged.
pub async fn list_dcs(c: &impl ConnectionTrait) -> Result<Vec<Dc>, StoreError> {
    let q = Query::select().columns(DC_COLS).from("dcs").order_by("code", Order::Asc).to_owned();
    Ok(fetch_all::<DcRow>(c, &q).await?.into_iter().map(Dc::from).collect())
}

const SLOT_COLS: [&str; 6] = ["id", "dc_id", "starts_at", "ends_at", "capacity", "created_at"];

#[derive(FromQueryResult)]
struct SlotRow {
    id: Uuid,
    dc_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i64,
    created_at: DateTime<Utc>,
}

impl From<SlotRow> for DockSlot {
    fn from(r: SlotRow) -> DockSlot {
        DockSlot { id: r.id, dc_id: r.dc_id, starts_at: r.starts_at, ends_at: r.ends_at, capacity: r.capacity, created_at: r.created_at }
    }
}

pub async fn insert_slot(c: &impl ConnectionTrait, s: &DockSlot) -> Result<(), StoreError> {
    let res = c
        .execute(
            &Query::insert()
                .into_table("dock_slots")
                .columns(SLOT_COLS)
                .values_panic([s.id.into(), s.dc_id.into(), s.starts_at.into(), s.ends_at.into(), s.capacity.into(), s.created_at.into()])
                .to_owned(),
        )
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate { what: "dock slot start", value: s.starts_at.to_rfc3339() }),
        Err(e) => Err(e.into()),
    }
}

pub async fn update_slot(c: &impl ConnectionTrait, s: &DockSlot) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("dock_slots")
            .value("starts_at", s.starts_at)
            .value("ends_at", s.ends_at)
            .value("capacity", s.capacity)
            .and_where(Expr::col("id").eq(s.id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn delete_slot(c: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    let res = c.execute(&Query::delete().from_table("dock_slots").and_where(Expr::col("id").eq(id)).to_owned()).await?;
    Ok(res.rows_affected() > 0)
}

pub async fn get_slot(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<DockSlot>, StoreError> {
    let q = Query::select().columns(SLOT_COLS).from("dock_slots").and_where(Expr::col("id").eq(id)).to_owned();
    Ok(fetch_one::<SlotRow>(c, &q).await?.map(DockSlot::from))
}

/// Slots of a DC starting in `[from, to)`, in time order.
pub async fn list_slots(c: &impl ConnectionTrait, dc_id: Uuid, from: DateTime<Utc>, to: DateTime<Utc>, limit: u64) -> Result<Vec<DockSlot>, StoreError> {
    let q = Query::select()
        .columns(SLOT_COLS)
        .from("dock_slots")
        .and_where(Expr::col("dc_id").eq(dc_id))
        .and_where(Expr::col("starts_at").gte(from))
        .and_where(Expr::col("starts_at").lt(to))
        .order_by("starts_at", Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(fetch_all::<SlotRow>(c, &q).await?.into_iter().map(DockSlot::from).collect())
}
