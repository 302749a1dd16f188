//! The item master: items of a vendor (GTIN and retailer item id claimed in the registry, so they are
//! unique across vendors) and their unit costs with effective dates.

use super::{e4, fetch_all, fetch_one, keyset, registry};
use crate::error::StoreError;
use acorn_domain::gs1::Gtin;
use acorn_domain::ids::TenantId;
use acorn_domain::items::{Item, ItemCost, ItemStatus};
use acorn_domain::money::from_e4;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

pub(crate) const COLS: [&str; 12] =
    ["id", "tenant_id", "vendor_sku", "gtin", "retailer_item_id", "title", "case_pack", "list_price_e4", "currency", "status", "created_at", "updated_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    vendor_sku: String,
    gtin: String,
    retailer_item_id: String,
    title: String,
    case_pack: i64,
    list_price_e4: i64,
    currency: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for Item {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Item, StoreError> {
        Ok(Item {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            vendor_sku: r.vendor_sku,
            gtin: Gtin::parse(&r.gtin).map_err(|e| StoreError::corrupt(format!("item {} GTIN: {e}", r.id)))?,
            retailer_item_id: r.retailer_item_id,
            title: r.title,
            case_pack: r.case_pack,
            list_price: from_e4(r.list_price_e4),
            currency: r.currency,
            status: ItemStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("item status `{}`", r.status)))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Inserts an item, claiming its GTIN and retailer item id across all vendors first.
pub async fn insert(c: &impl ConnectionTrait, item: &Item) -> Result<(), StoreError> {
    registry::claim(c, "gtin", "GTIN", item.gtin.as_str(), item.tenant, item.created_at).await?;
    registry::claim(c, "retailer_item_id", "retailer item id", &item.retailer_item_id, item.tenant, item.created_at).await?;
    let exists = fetch_one::<IdRow>(
        c,
        &Query::select()
            .column("id")
            .from("items")
            .and_where(Expr::col("tenant_id").eq(item.tenant.0))
            .and_where(Expr::col("vendor_sku").eq(item.vendor_sku.as_str()))
            .to_owned(),
    )
    .await?;
    if exists.is_some() {
        return Err(StoreError::Duplicate { what: "vendor SKU", value: item.vendor_sku.clone() });
    }
    c.execute(
        &Query::insert()
            .into_table("items")
            .columns(COLS)
            .values_panic([
                item.id.into(),
                item.tenant.0.into(),
                item.vendor_sku.clone().into(),
                item.gtin.as_str().into(),
                item.retailer_item_id.clone().into(),
                item.title.clone().into(),
                item.case_pack.into(),
                e4(item.list_price)?.into(),
                item.currency.clone().into(),
                item.status.as_str().into(),
                item.created_at.into(),
                item.updated_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct IdRow {
    #[allow(dead_code)]
    id: Uuid,
}

/// Updates the editable fields (title, case pack, list price, status).
pub async fn update(c: &impl ConnectionTrait, item: &Item) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("items")
            .value("title", item.title.clone())
            .value("case_pack", item.case_pack)
            .value("list_price_e4", e4(item.list_price)?)
            .value("status", item.status.as_str())
            .value("updated_at", item.updated_at)
            .and_where(Expr::col("tenant_id").eq(item.tenant.0))
            .and_where(Expr::col("id").eq(item.id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Item>, StoreError> {
    let mut q = Query::select().columns(COLS).from("items").and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<Row>(c, &q).await?.map(Item::try_from).transpose()
}

/// The tenant's items with these SKUs (PO lines and CSV rows name items by SKU).
pub async fn by_skus(c: &impl ConnectionTrait, tenant: TenantId, skus: &[String]) -> Result<Vec<Item>, StoreError> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(COLS)
        .from("items")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("vendor_sku").is_in(skus.iter().cloned()))
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(Item::try_from).collect()
}

/// Items in creation order, optionally for one tenant and matching a SKU / GTIN / title search.
pub async fn list(
    c: &impl ConnectionTrait,
    tenant: Option<TenantId>,
    search: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<Item>, StoreError> {
    let mut q = Query::select().columns(COLS).from("items").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", s.replace(['%', '_'], ""));
        q.and_where(
            Expr::col("vendor_sku")
                .like(like.clone())
                .or(Expr::col("gtin").like(like.clone()))
                .or(Expr::col("title").like(like))
                .or(Expr::col("retailer_item_id").eq(s)),
        );
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(Item::try_from).collect()
}

#[derive(FromQueryResult)]
struct CostRow {
    item_id: Uuid,
    unit_cost_e4: i64,
    currency: String,
    effective_from: NaiveDate,
    created_at: DateTime<Utc>,
}

impl From<CostRow> for ItemCost {
    fn from(r: CostRow) -> ItemCost {
        ItemCost { item_id: r.item_id, unit_cost: from_e4(r.unit_cost_e4), currency: r.currency, effective_from: r.effective_from, created_at: r.created_at }
    }
}

pub async fn add_cost(c: &impl ConnectionTrait, tenant: TenantId, cost: &ItemCost) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("item_costs")
            .columns(["id", "tenant_id", "item_id", "unit_cost_e4", "currency", "effective_from", "created_at"])
            .values_panic([
                acorn_domain::ids::new_id().into(),
                tenant.0.into(),
                cost.item_id.into(),
                e4(cost.unit_cost)?.into(),
                cost.currency.clone().into(),
                cost.effective_from.into(),
                cost.created_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Every cost of these items, oldest effective date first.
pub async fn costs(c: &impl ConnectionTrait, tenant: TenantId, items: &[Uuid]) -> Result<Vec<ItemCost>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["item_id", "unit_cost_e4", "currency", "effective_from", "created_at"])
        .from("item_costs")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("item_id").is_in(items.iter().copied()))
        .order_by("effective_from", Order::Asc)
        .order_by("created_at", Order::Asc)
        .to_owned();
    Ok(fetch_all::<CostRow>(c, &q).await?.into_iter().map(ItemCost::from).collect())
}
