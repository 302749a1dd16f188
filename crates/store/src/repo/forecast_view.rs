//! Reading stored forecasts the way vendors and buyers look at them: the DCs an item has a history or
//! a forecast at, the latest forecast of every item × DC (one row per series, keyset-paged, joined with
//! the item and the DC so a list page is one query), and an item's suggestions of given runs.
//!
//! "Latest" is per series: the forecast row with no newer row for the same item × DC. The
//! `(item_id, dc_id, created_at)` index answers that `NOT EXISTS` by one seek per row, on both
//! engines, so a series that a later run skipped still shows its last forecast.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::forecast::{StoredForecast, Suggestion};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// The DCs where an item has sales history or a forecast (each once, in no particular order).
pub async fn item_dcs(c: &impl ConnectionTrait, item: Uuid) -> Result<Vec<Uuid>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        dc_id: Uuid,
    }
    let mut out = Vec::new();
    for table in ["sales_weekly", "forecasts"] {
        let q = Query::select().distinct().column("dc_id").from(table).and_where(Expr::col("item_id").eq(item)).to_owned();
        for r in fetch_all::<R>(c, &q).await? {
            if !out.contains(&r.dc_id) {
                out.push(r.dc_id);
            }
        }
    }
    Ok(out)
}

/// What the forecast list is filtered by.
#[derive(Clone, Debug, Default)]
pub struct ForecastFilter {
    pub tenant: Option<TenantId>,
    pub dc: Option<Uuid>,
    /// The demand class as stored (`smooth`, `intermittent`, …).
    pub class: Option<String>,
    /// Part of the SKU, GTIN or title.
    pub q: Option<String>,
}

/// A series' latest forecast with what a list shows of its item and DC.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct ForecastListRow {
    pub id: Uuid,
    pub run_id: Uuid,
    pub tenant_id: Uuid,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc_id: Uuid,
    pub dc_code: String,
    pub first_week: NaiveDate,
    pub method: String,
    pub class: String,
    pub weeks_json: String,
    pub model_json: String,
    pub mase_e4: Option<i64>,
    pub wape_e4: Option<i64>,
    pub bias_e4: Option<i64>,
    pub created_at: DateTime<Utc>,
}

fn latest_select(f: &ForecastFilter) -> SelectStatement {
    let (fc, g, i, d) = (Alias::new("f"), Alias::new("g"), Alias::new("i"), Alias::new("d"));
    let col = |t: &Alias, c: &str| Expr::col((t.clone(), Alias::new(c)));
    let newer = Query::select()
        .expr(Expr::val(1))
        .from_as("forecasts", g.clone())
        .and_where(col(&g, "item_id").equals((fc.clone(), Alias::new("item_id"))))
        .and_where(col(&g, "dc_id").equals((fc.clone(), Alias::new("dc_id"))))
        .and_where(col(&g, "created_at").gt(col(&fc, "created_at")))
        .to_owned();
    let mut q = Query::select()
        .columns(
            [
                "id",
                "run_id",
                "tenant_id",
                "item_id",
                "dc_id",
                "first_week",
                "method",
                "class",
                "weeks_json",
                "model_json",
                "mase_e4",
                "wape_e4",
                "bias_e4",
                "created_at",
            ]
            .map(|c| (fc.clone(), Alias::new(c))),
        )
        .columns(["vendor_sku", "gtin", "title"].map(|c| (i.clone(), Alias::new(c))))
        .expr_as(col(&d, "code"), Alias::new("dc_code"))
        .from_as("forecasts", fc.clone())
        .join_as(JoinType::InnerJoin, "items", i.clone(), col(&i, "id").equals((fc.clone(), Alias::new("item_id"))))
        .join_as(JoinType::InnerJoin, "dcs", d.clone(), col(&d, "id").equals((fc.clone(), Alias::new("dc_id"))))
        .and_where(Expr::exists(newer).not())
        .to_owned();
    if let Some(t) = f.tenant {
        q.and_where(col(&fc, "tenant_id").eq(t.0));
    }
    if let Some(dc) = f.dc {
        q.and_where(col(&fc, "dc_id").eq(dc));
    }
    if let Some(class) = f.class.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q.and_where(col(&fc, "class").eq(class));
    }
    if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // The items list's search: wildcards typed are dropped, not interpreted.
        let like = format!("%{}%", s.replace(['%', '_'], ""));
        q.and_where(col(&i, "vendor_sku").like(like.clone()).or(col(&i, "gtin").like(like.clone())).or(col(&i, "title").like(like)));
    }
    q
}

/// The latest forecast of every series matching `f`, newest first by `(created_at, id)`; `before` is
/// the previous page's last row. Fetches `limit + 1` rows (the extra one says another page exists).
pub async fn list_latest(
    c: &impl ConnectionTrait,
    f: &ForecastFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<ForecastListRow>, StoreError> {
    let fc = Alias::new("f");
    let col = |c: &str| Expr::col((fc.clone(), Alias::new(c)));
    let mut q = latest_select(f);
    if let Some((at, last)) = before {
        // The plain bound lets the engine seek; the OR makes the order strict.
        q.and_where(col("created_at").lte(at));
        q.and_where(col("created_at").lt(at).or(col("created_at").eq(at).and(col("id").lt(last))));
    }
    q.order_by((fc.clone(), Alias::new("created_at")), Order::Desc).order_by((fc, Alias::new("id")), Order::Desc).limit(limit + 1);
    fetch_all::<ForecastListRow>(c, &q).await
}

/// The suggestions of one item from the given runs (one per run × DC), and the VMI proposals (no run)
/// made since `since`, oldest first: the ids in one query, then each row as the suggestions
/// repository reads it (an item has a few: one per DC and run).
pub async fn item_suggestions(c: &impl ConnectionTrait, item: Uuid, runs: &[Uuid], since: DateTime<Utc>) -> Result<Vec<Suggestion>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        id: Uuid,
    }
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .column("id")
        .from("replenishment_suggestions")
        .and_where(Expr::col("item_id").eq(item))
        .and_where(Expr::col("run_id").is_in(runs.iter().copied()).or(Expr::col("run_id").is_null().and(Expr::col("created_at").gte(since))))
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for r in fetch_all::<R>(c, &q).await? {
        if let Some(s) = super::forecast::suggestion(c, None, r.id).await? {
            out.push(s);
        }
    }
    Ok(out)
}

/// The newest forecast of a series as stored (the item page reads the whole row).
pub async fn latest(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<Option<StoredForecast>, StoreError> {
    super::forecast::latest_forecast(c, item, dc).await
}

/// A purchase order's number by id (the suggestion's PO once ordered).
pub async fn po_number(c: &impl ConnectionTrait, po: Uuid) -> Result<Option<String>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        number: String,
    }
    let q = Query::select().column("number").from("purchase_orders").and_where(Expr::col("id").eq(po)).to_owned();
    Ok(fetch_one::<R>(c, &q).await?.map(|r| r.number))
}
