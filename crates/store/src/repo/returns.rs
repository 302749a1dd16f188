//! Returns to vendor: the return requests (numbered `RTV…` from the `rtv` counter, unique across
//! vendors) and each vendor's saved return address per return type, which prefills its approvals.

use super::{e4, fetch_all, fetch_one, keyset};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::gs1::Gtin;
use acorn_domain::ids::TenantId;
use acorn_domain::items::Item;
use acorn_domain::money::from_e4;
use acorn_domain::returns::{Disposition, ReturnRequest, ReturnStatus, ReturnType};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const COLS: [&str; 26] = [
    "id",
    "tenant_id",
    "number",
    "vendor_code",
    "item_id",
    "vendor_sku",
    "gtin",
    "title",
    "dc_code",
    "return_type",
    "quantity",
    "unit_cost_e4",
    "currency",
    "reason",
    "status",
    "approved_quantity",
    "rejection_reason",
    "vendor_rma",
    "disposition",
    "return_address",
    "deduction_id",
    "raised_by",
    "raised_at",
    "answered_at",
    "completed_at",
    "updated_at",
];

fn cols() -> &'static [&'static str] {
    &COLS
}

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    vendor_code: String,
    item_id: Uuid,
    vendor_sku: String,
    gtin: String,
    title: String,
    dc_code: String,
    return_type: String,
    quantity: i64,
    unit_cost_e4: i64,
    currency: String,
    reason: String,
    status: String,
    approved_quantity: Option<i64>,
    rejection_reason: Option<String>,
    vendor_rma: Option<String>,
    disposition: Option<String>,
    return_address: Option<String>,
    deduction_id: Option<Uuid>,
    raised_by: String,
    raised_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

fn parse<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

impl TryFrom<Row> for ReturnRequest {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<ReturnRequest, StoreError> {
        Ok(ReturnRequest {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            number: r.number,
            vendor_code: r.vendor_code,
            item_id: r.item_id,
            vendor_sku: r.vendor_sku,
            gtin: r.gtin,
            title: r.title,
            dc_code: r.dc_code,
            return_type: parse("return type", &r.return_type, ReturnType::parse)?,
            quantity: r.quantity,
            unit_cost: from_e4(r.unit_cost_e4),
            currency: r.currency,
            reason: r.reason,
            status: parse("return status", &r.status, ReturnStatus::parse)?,
            approved_quantity: r.approved_quantity,
            rejection_reason: r.rejection_reason,
            vendor_rma: r.vendor_rma,
            disposition: r.disposition.as_deref().map(|d| parse("disposition", d, Disposition::parse)).transpose()?,
            return_address: r.return_address,
            deduction_id: r.deduction_id,
            raised_by: r.raised_by,
            raised_at: r.raised_at,
            answered_at: r.answered_at,
            completed_at: r.completed_at,
            updated_at: r.updated_at,
        })
    }
}

fn values(r: &ReturnRequest) -> Result<Vec<SimpleExpr>, StoreError> {
    Ok(vec![
        r.id.into(),
        r.tenant.0.into(),
        r.number.clone().into(),
        r.vendor_code.clone().into(),
        r.item_id.into(),
        r.vendor_sku.clone().into(),
        r.gtin.clone().into(),
        r.title.clone().into(),
        r.dc_code.clone().into(),
        r.return_type.as_str().into(),
        r.quantity.into(),
        e4(r.unit_cost)?.into(),
        r.currency.clone().into(),
        r.reason.clone().into(),
        r.status.as_str().into(),
        r.approved_quantity.into(),
        r.rejection_reason.clone().into(),
        r.vendor_rma.clone().into(),
        r.disposition.map(|d| d.as_str()).into(),
        r.return_address.clone().into(),
        r.deduction_id.into(),
        r.raised_by.clone().into(),
        r.raised_at.into(),
        r.answered_at.into(),
        r.completed_at.into(),
        r.updated_at.into(),
    ])
}

/// Inserts a return request. A number taken concurrently is a [`StoreError::Retry`] (the retried unit
/// draws the next one).
pub async fn insert(c: &impl ConnectionTrait, r: &ReturnRequest) -> Result<(), StoreError> {
    let q = Query::insert().into_table("return_requests").columns(cols().iter().copied()).values_panic(values(r)?).to_owned();
    match c.execute(&q).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry(format!("return number {} taken concurrently", r.number))),
        Err(e) => Err(e.into()),
    }
}

/// Writes the fields an answer, a completion or a cancellation changes, if the row is still as read
/// at `read_at`; else [`StoreError::Retry`].
pub async fn update(c: &impl ConnectionTrait, r: &ReturnRequest, read_at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = Query::update().table("return_requests").to_owned();
    for (col, v) in cols().iter().zip(values(r)?) {
        if matches!(
            *col,
            "status"
                | "approved_quantity"
                | "rejection_reason"
                | "vendor_rma"
                | "disposition"
                | "return_address"
                | "deduction_id"
                | "answered_at"
                | "completed_at"
                | "updated_at"
        ) {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col("tenant_id").eq(r.tenant.0)).and_where(Expr::col("id").eq(r.id)).and_where(Expr::col("updated_at").eq(read_at));
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::Retry(format!("return {} changed concurrently", r.number)));
    }
    Ok(())
}

fn select() -> SelectStatement {
    Query::select().columns(cols().iter().copied()).from("return_requests").to_owned()
}

/// A return by id: of `tenant` only, or of any vendor (`None`, the retailer's side).
pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<ReturnRequest>, StoreError> {
    let mut q = select().and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<Row>(c, &q).await?.map(ReturnRequest::try_from).transpose()
}

/// What return lists filter by.
#[derive(Clone, Debug, Default)]
pub struct ReturnFilter {
    pub tenant: Option<TenantId>,
    pub status: Option<ReturnStatus>,
    pub return_type: Option<ReturnType>,
    pub vendor_code: Option<String>,
}

/// One page of returns in `(raised_at, id)` order.
pub async fn list(c: &impl ConnectionTrait, f: &ReturnFilter, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<ReturnRequest>, StoreError> {
    let mut q = select();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = f.status {
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    if let Some(t) = f.return_type {
        q.and_where(Expr::col("return_type").eq(t.as_str()));
    }
    if let Some(v) = &f.vendor_code {
        q.and_where(Expr::col("vendor_code").eq(v.as_str()));
    }
    keyset(&mut q, after, limit, "raised_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(ReturnRequest::try_from).collect()
}

/// The vendor's item a return names: by vendor SKU, else by GTIN (any GTIN length, normalised).
pub async fn find_item(c: &impl ConnectionTrait, tenant: TenantId, sku_or_gtin: &str) -> Result<Option<Item>, StoreError> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let text = sku_or_gtin.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let by = |col: &str, v: String| {
        Query::select().column("id").from("items").and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col(col.to_string()).eq(v)).to_owned()
    };
    let mut found = fetch_one::<Id>(c, &by("vendor_sku", text.to_string())).await?;
    if found.is_none()
        && let Ok(gtin) = Gtin::parse(text)
    {
        found = fetch_one::<Id>(c, &by("gtin", gtin.as_str().to_string())).await?;
    }
    match found {
        Some(Id { id }) => super::items::get(c, Some(tenant), id).await,
        None => Ok(None),
    }
}

/// A vendor's return address for one return type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnAddress {
    pub tenant: TenantId,
    pub return_type: ReturnType,
    pub address: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct AddressRow {
    tenant_id: Uuid,
    return_type: String,
    address: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<AddressRow> for ReturnAddress {
    type Error = StoreError;
    fn try_from(r: AddressRow) -> Result<ReturnAddress, StoreError> {
        Ok(ReturnAddress {
            tenant: TenantId(r.tenant_id),
            return_type: parse("return type", &r.return_type, ReturnType::parse)?,
            address: r.address,
            updated_at: r.updated_at,
        })
    }
}

const ADDRESS_COLS: [&str; 4] = ["tenant_id", "return_type", "address", "updated_at"];

/// The saved address of `tenant` for `return_type`.
pub async fn address(c: &impl ConnectionTrait, tenant: TenantId, return_type: ReturnType) -> Result<Option<ReturnAddress>, StoreError> {
    let q = Query::select()
        .columns(ADDRESS_COLS)
        .from("return_addresses")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("return_type").eq(return_type.as_str()))
        .to_owned();
    fetch_one::<AddressRow>(c, &q).await?.map(ReturnAddress::try_from).transpose()
}

/// The saved addresses of one vendor (or of every vendor: `None`), by vendor and return type.
pub async fn addresses(c: &impl ConnectionTrait, tenant: Option<TenantId>) -> Result<Vec<ReturnAddress>, StoreError> {
    let mut q = Query::select().columns(ADDRESS_COLS).from("return_addresses").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    q.order_by("tenant_id", Order::Asc).order_by("return_type", Order::Asc);
    let mut out: Vec<ReturnAddress> = fetch_all::<AddressRow>(c, &q).await?.into_iter().map(ReturnAddress::try_from).collect::<Result<_, _>>()?;
    // Declaration order of the types (overstock, damaged…), not alphabetical.
    out.sort_by_key(|a| (a.tenant.0, a.return_type));
    Ok(out)
}

/// Saves (adds or replaces) a vendor's address for a return type. Two first saves racing is a
/// [`StoreError::Retry`]: the retried unit then replaces.
pub async fn put_address(c: &impl ConnectionTrait, a: &ReturnAddress) -> Result<(), StoreError> {
    let updated = c
        .execute(
            &Query::update()
                .table("return_addresses")
                .value("address", a.address.clone())
                .value("updated_at", a.updated_at)
                .and_where(Expr::col("tenant_id").eq(a.tenant.0))
                .and_where(Expr::col("return_type").eq(a.return_type.as_str()))
                .to_owned(),
        )
        .await?
        .rows_affected();
    if updated > 0 {
        return Ok(());
    }
    let q = Query::insert()
        .into_table("return_addresses")
        .columns(ADDRESS_COLS)
        .values_panic([a.tenant.0.into(), a.return_type.as_str().into(), a.address.clone().into(), a.updated_at.into()])
        .to_owned();
    match c.execute(&q).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry(format!("return address {} saved concurrently", a.return_type))),
        Err(e) => Err(e.into()),
    }
}
