//! Forecasting rows: weekly sales (bulk upsert, the series history, a keyset-paged list), planning
//! parameter overrides per item × DC, and the forecast job's runs, packed forecasts, replenishment
//! suggestions and supply commitments.
//!
//! Bulk writes are multi-row `INSERT … ON CONFLICT` statements of up to [`ROWS_PER_STATEMENT`] rows
//! (under SQLite's bound-parameter limit; PostgreSQL takes the same), so a 50,000-row import is 50
//! statements in one transaction on either engine.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::forecast::{
    Commitment, ForecastRun, ItemDcParams, PlanningOverrides, RunStatus, SalesWeek, StoredForecast, Suggestion, SuggestionOrigin, SuggestionStatus,
};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, InsertStatement, JoinType, OnConflict, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

/// Rows per multi-row INSERT: at most 1,000, and `rows × columns` under SQLite's 32,766 parameters.
pub const ROWS_PER_STATEMENT: usize = 1_000;

fn parse<T>(what: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

/// Runs `insert` (columns set, no values) once per chunk of `rows`, each chunk one statement. The rows
/// come built (not as a lazy iterator): a closure-carrying iterator held across the awaits makes the
/// caller's future fail the compiler's `Send` check.
async fn insert_chunked<const N: usize>(c: &impl ConnectionTrait, insert: &InsertStatement, rows: Vec<[Value; N]>) -> Result<u64, StoreError> {
    let per = ROWS_PER_STATEMENT.min(30_000 / N);
    let mut q = insert.clone();
    let (mut pending, mut affected) = (0usize, 0u64);
    for row in rows {
        q.values_panic(row.map(Expr::val));
        pending += 1;
        if pending == per {
            affected += c.execute(&q).await?.rows_affected();
            q = insert.clone();
            pending = 0;
        }
    }
    if pending > 0 {
        affected += c.execute(&q).await?.rows_affected();
    }
    Ok(affected)
}

// ---------------------------------------------------------------------------------------------
// Weekly sales

const SALES_COLS: [&str; 9] = ["id", "tenant_id", "item_id", "dc_id", "week_start", "units", "on_hand", "created_at", "updated_at"];

#[derive(FromQueryResult)]
struct SalesRow {
    tenant_id: Uuid,
    item_id: Uuid,
    dc_id: Uuid,
    week_start: NaiveDate,
    units: i64,
    on_hand: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SalesRow> for SalesWeek {
    fn from(r: SalesRow) -> SalesWeek {
        SalesWeek {
            tenant: TenantId(r.tenant_id),
            item_id: r.item_id,
            dc_id: r.dc_id,
            week_start: r.week_start,
            units: r.units,
            on_hand: r.on_hand,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Inserts or updates weekly sales, keyed by item × DC × week: a row that exists takes the new
/// units, on-hand and `updated_at` (its id, tenant and `created_at` stay). Returns the rows written.
pub async fn upsert_sales(c: &impl ConnectionTrait, rows: &[SalesWeek]) -> Result<u64, StoreError> {
    let mut conflict = OnConflict::columns(["item_id", "dc_id", "week_start"]);
    conflict.update_columns(["units", "on_hand", "updated_at"]);
    let insert = Query::insert().into_table("sales_weekly").columns(SALES_COLS).on_conflict(conflict).to_owned();
    let values: Vec<_> = rows
        .iter()
        .map(|r| -> [Value; 9] {
            [
                acorn_domain::ids::new_id().into(),
                r.tenant.0.into(),
                r.item_id.into(),
                r.dc_id.into(),
                r.week_start.into(),
                r.units.into(),
                r.on_hand.into(),
                r.created_at.into(),
                r.updated_at.into(),
            ]
        })
        .collect();
    insert_chunked(c, &insert, values).await
}

fn sales_select() -> SelectStatement {
    Query::select().columns(SALES_COLS[1..].iter().copied()).from("sales_weekly").to_owned()
}

/// The stored weeks of these items from `from` to `to` (inclusive), to tell new rows from changed and
/// unchanged ones before an import writes. Items are asked for in chunks (bound-parameter limits).
pub async fn sales_of_items(c: &impl ConnectionTrait, items: &[Uuid], from: NaiveDate, to: NaiveDate) -> Result<Vec<SalesWeek>, StoreError> {
    let mut out = Vec::new();
    for chunk in items.chunks(500) {
        let q = sales_select()
            .and_where(Expr::col("item_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("week_start").gte(from))
            .and_where(Expr::col("week_start").lte(to))
            .to_owned();
        out.extend(fetch_all::<SalesRow>(c, &q).await?.into_iter().map(SalesWeek::from));
    }
    Ok(out)
}

/// One series' history, oldest week first (what the engine reads).
pub async fn series(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<Vec<SalesWeek>, StoreError> {
    let q = sales_select().and_where(Expr::col("item_id").eq(item)).and_where(Expr::col("dc_id").eq(dc)).order_by("week_start", Order::Asc).to_owned();
    Ok(fetch_all::<SalesRow>(c, &q).await?.into_iter().map(SalesWeek::from).collect())
}

/// Every item × DC with sales history, with its tenant (what the forecast job walks).
pub async fn all_series(c: &impl ConnectionTrait) -> Result<Vec<(TenantId, Uuid, Uuid)>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        tenant_id: Uuid,
        item_id: Uuid,
        dc_id: Uuid,
    }
    let q = Query::select()
        .distinct()
        .columns(["tenant_id", "item_id", "dc_id"])
        .from("sales_weekly")
        .order_by("tenant_id", Order::Asc)
        .order_by("item_id", Order::Asc)
        .order_by("dc_id", Order::Asc)
        .to_owned();
    Ok(fetch_all::<R>(c, &q).await?.into_iter().map(|r| (TenantId(r.tenant_id), r.item_id, r.dc_id)).collect())
}

/// What the sales list shows filtered by.
#[derive(Clone, Debug, Default)]
pub struct SalesFilter {
    pub tenant: Option<TenantId>,
    pub item: Option<Uuid>,
    pub dc: Option<Uuid>,
    /// First and last week (Mondays), inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A sales row as lists show it: with the item's SKU, GTIN and title and the DC's code.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct SalesListRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc_id: Uuid,
    pub dc_code: String,
    pub week_start: NaiveDate,
    pub units: i64,
    pub on_hand: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// Sales, newest week first, then by id; `before` is the `(week_start, id)` of the last row of the
/// previous page. Fetches `limit + 1` rows (the extra one says another page exists).
pub async fn list_sales(c: &impl ConnectionTrait, f: &SalesFilter, before: Option<(NaiveDate, Uuid)>, limit: u64) -> Result<Vec<SalesListRow>, StoreError> {
    let (s, i, d) = (Alias::new("s"), Alias::new("i"), Alias::new("d"));
    let col = |t: &Alias, c: &str| Expr::col((t.clone(), Alias::new(c)));
    let mut q = Query::select()
        .columns(["id", "tenant_id", "item_id", "dc_id", "week_start", "units", "on_hand", "updated_at"].map(|c| (s.clone(), Alias::new(c))))
        .columns(["vendor_sku", "gtin", "title"].map(|c| (i.clone(), Alias::new(c))))
        .expr_as(col(&d, "code"), Alias::new("dc_code"))
        .from_as("sales_weekly", s.clone())
        .join_as(JoinType::InnerJoin, "items", i.clone(), col(&i, "id").equals((s.clone(), Alias::new("item_id"))))
        .join_as(JoinType::InnerJoin, "dcs", d.clone(), col(&d, "id").equals((s.clone(), Alias::new("dc_id"))))
        .to_owned();
    if let Some(t) = f.tenant {
        q.and_where(col(&s, "tenant_id").eq(t.0));
    }
    if let Some(item) = f.item {
        q.and_where(col(&s, "item_id").eq(item));
    }
    if let Some(dc) = f.dc {
        q.and_where(col(&s, "dc_id").eq(dc));
    }
    if let Some(from) = f.from {
        q.and_where(col(&s, "week_start").gte(from));
    }
    if let Some(to) = f.to {
        q.and_where(col(&s, "week_start").lte(to));
    }
    if let Some((week, last)) = before {
        // The plain bound lets the engine seek the index; the OR makes the order strict.
        q.and_where(col(&s, "week_start").lte(week));
        q.and_where(col(&s, "week_start").lt(week).or(col(&s, "week_start").eq(week).and(col(&s, "id").lt(last))));
    }
    q.order_by((s.clone(), Alias::new("week_start")), Order::Desc).order_by((s, Alias::new("id")), Order::Desc).limit(limit + 1);
    fetch_all::<SalesListRow>(c, &q).await
}

// ---------------------------------------------------------------------------------------------
// Planning parameters

#[derive(FromQueryResult)]
struct ParamsRow {
    tenant_id: Uuid,
    item_id: Uuid,
    dc_id: Uuid,
    lead_time_weeks: Option<i64>,
    review_weeks: Option<i64>,
    service_target_e4: Option<i64>,
    moq: Option<i64>,
    max_cover_weeks: Option<i64>,
    vmi_min: Option<i64>,
    vmi_max: Option<i64>,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

const PARAMS_COLS: [&str; 12] = [
    "tenant_id",
    "item_id",
    "dc_id",
    "lead_time_weeks",
    "review_weeks",
    "service_target_e4",
    "moq",
    "max_cover_weeks",
    "vmi_min",
    "vmi_max",
    "updated_by",
    "updated_at",
];

fn weeks_of(what: &str, v: Option<i64>) -> Result<Option<u16>, StoreError> {
    v.map(|w| u16::try_from(w).map_err(|_| StoreError::corrupt(format!("{what} {w}")))).transpose()
}

impl TryFrom<ParamsRow> for ItemDcParams {
    type Error = StoreError;
    fn try_from(r: ParamsRow) -> Result<ItemDcParams, StoreError> {
        Ok(ItemDcParams {
            tenant: TenantId(r.tenant_id),
            item_id: r.item_id,
            dc_id: r.dc_id,
            overrides: PlanningOverrides {
                lead_time_weeks: weeks_of("lead time weeks", r.lead_time_weeks)?,
                review_weeks: weeks_of("review weeks", r.review_weeks)?,
                service_target: r.service_target_e4.map(|t| Decimal::new(t, 4).normalize()),
                moq: r.moq,
                max_cover_weeks: weeks_of("max cover weeks", r.max_cover_weeks)?,
                vmi_min: r.vmi_min,
                vmi_max: r.vmi_max,
            },
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
    }
}

/// τ × 10⁴ as stored; the domain refuses more than 4 decimals, so this is exact.
fn target_e4(t: Decimal) -> Result<i64, StoreError> {
    let scaled = (t * Decimal::from(10_000)).normalize();
    if scaled.scale() != 0 {
        return Err(StoreError::corrupt(format!("service target {t} has more than 4 decimals")));
    }
    i64::try_from(scaled).map_err(|_| StoreError::corrupt(format!("service target {t}")))
}

/// The overrides of one item at every DC that has any.
pub async fn params_of_item(c: &impl ConnectionTrait, tenant: TenantId, item: Uuid) -> Result<Vec<ItemDcParams>, StoreError> {
    let q = Query::select()
        .columns(PARAMS_COLS)
        .from("planning_params")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("item_id").eq(item))
        .to_owned();
    fetch_all::<ParamsRow>(c, &q).await?.into_iter().map(ItemDcParams::try_from).collect()
}

pub async fn params(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<Option<ItemDcParams>, StoreError> {
    let q =
        Query::select().columns(PARAMS_COLS).from("planning_params").and_where(Expr::col("item_id").eq(item)).and_where(Expr::col("dc_id").eq(dc)).to_owned();
    fetch_one::<ParamsRow>(c, &q).await?.map(ItemDcParams::try_from).transpose()
}

/// Sets (or, with nothing overridden, removes) an item × DC's overrides.
pub async fn put_params(c: &impl ConnectionTrait, p: &ItemDcParams) -> Result<(), StoreError> {
    if p.overrides.is_empty() {
        c.execute(
            &Query::delete().from_table("planning_params").and_where(Expr::col("item_id").eq(p.item_id)).and_where(Expr::col("dc_id").eq(p.dc_id)).to_owned(),
        )
        .await?;
        return Ok(());
    }
    let o = &p.overrides;
    let weeks = |w: Option<u16>| w.map(i64::from);
    let values: [Value; 12] = [
        p.tenant.0.into(),
        p.item_id.into(),
        p.dc_id.into(),
        weeks(o.lead_time_weeks).into(),
        weeks(o.review_weeks).into(),
        o.service_target.map(target_e4).transpose()?.into(),
        o.moq.into(),
        weeks(o.max_cover_weeks).into(),
        o.vmi_min.into(),
        o.vmi_max.into(),
        p.updated_by.clone().into(),
        p.updated_at.into(),
    ];
    let mut conflict = OnConflict::columns(["item_id", "dc_id"]);
    conflict.update_columns(PARAMS_COLS[3..].iter().copied());
    c.execute(&Query::insert().into_table("planning_params").columns(PARAMS_COLS).values_panic(values.map(Expr::val)).on_conflict(conflict).to_owned()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Forecast runs

const RUN_COLS: [&str; 12] = [
    "id",
    "started_at",
    "finished_at",
    "history_end",
    "status",
    "series_total",
    "series_done",
    "series_failed",
    "suggestions",
    "message",
    "started_by",
    "heartbeat_at",
];

#[derive(FromQueryResult)]
struct RunRow {
    id: Uuid,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    history_end: NaiveDate,
    status: String,
    series_total: i64,
    series_done: i64,
    series_failed: i64,
    suggestions: i64,
    message: String,
    started_by: String,
    heartbeat_at: DateTime<Utc>,
}

impl TryFrom<RunRow> for ForecastRun {
    type Error = StoreError;
    fn try_from(r: RunRow) -> Result<ForecastRun, StoreError> {
        Ok(ForecastRun {
            id: r.id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            history_end: r.history_end,
            status: parse("forecast run status", &r.status, RunStatus::parse)?,
            series_total: r.series_total,
            series_done: r.series_done,
            series_failed: r.series_failed,
            suggestions: r.suggestions,
            message: r.message,
            started_by: r.started_by,
            heartbeat_at: r.heartbeat_at,
        })
    }
}

/// Inserts a run; a `running` one fails on the unique index `ux_forecast_runs_running` while another
/// run is running (the caller maps that to "already running").
pub async fn insert_run(c: &impl ConnectionTrait, r: &ForecastRun) -> Result<(), StoreError> {
    let values: [Value; 12] = [
        r.id.into(),
        r.started_at.into(),
        r.finished_at.into(),
        r.history_end.into(),
        r.status.as_str().into(),
        r.series_total.into(),
        r.series_done.into(),
        r.series_failed.into(),
        r.suggestions.into(),
        r.message.clone().into(),
        r.started_by.clone().into(),
        r.heartbeat_at.into(),
    ];
    c.execute(&Query::insert().into_table("forecast_runs").columns(RUN_COLS).values_panic(values.map(Expr::val)).to_owned()).await?;
    Ok(())
}

/// Records a run's progress or end (everything but its id, start and author).
pub async fn update_run(c: &impl ConnectionTrait, r: &ForecastRun) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("forecast_runs")
            .value("finished_at", r.finished_at)
            .value("status", r.status.as_str())
            .value("series_total", r.series_total)
            .value("series_done", r.series_done)
            .value("series_failed", r.series_failed)
            .value("suggestions", r.suggestions)
            .value("message", r.message.clone())
            .value("heartbeat_at", r.heartbeat_at)
            .and_where(Expr::col("id").eq(r.id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// The newest run for `history_end` with `status`.
pub async fn run_for_week(c: &impl ConnectionTrait, history_end: NaiveDate, status: RunStatus) -> Result<Option<ForecastRun>, StoreError> {
    let q = Query::select()
        .columns(RUN_COLS)
        .from("forecast_runs")
        .and_where(Expr::col("history_end").eq(history_end))
        .and_where(Expr::col("status").eq(status.as_str()))
        .order_by("started_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    fetch_one::<RunRow>(c, &q).await?.map(ForecastRun::try_from).transpose()
}

/// The run that is `running`, if any (at most one: `ux_forecast_runs_running`).
pub async fn running_run(c: &impl ConnectionTrait) -> Result<Option<ForecastRun>, StoreError> {
    let q = Query::select().columns(RUN_COLS).from("forecast_runs").and_where(Expr::col("status").eq(RunStatus::Running.as_str())).limit(1).to_owned();
    fetch_one::<RunRow>(c, &q).await?.map(ForecastRun::try_from).transpose()
}

/// Marks a `running` run failed if its heartbeat is still the one read (a conditional UPDATE: of
/// two processes finding the same dead run, one takes it over). `true` when this call did.
pub async fn fail_stale_run(c: &impl ConnectionTrait, r: &ForecastRun, at: DateTime<Utc>, message: &str) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("forecast_runs")
                .value("status", RunStatus::Failed.as_str())
                .value("finished_at", at)
                .value("message", message)
                .and_where(Expr::col("id").eq(r.id))
                .and_where(Expr::col("status").eq(RunStatus::Running.as_str()))
                .and_where(Expr::col("heartbeat_at").eq(r.heartbeat_at))
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

/// What a forecast run needs of an item.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct PlanItem {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub vendor_sku: String,
    pub case_pack: i64,
    pub status: String,
}

/// One page of a vendor's items in SKU order, after `after` (keyset on the unique `(tenant_id,
/// vendor_sku)` index, so every page is an index range).
pub async fn items_page(c: &impl ConnectionTrait, tenant: TenantId, after: Option<&str>, limit: u64) -> Result<Vec<PlanItem>, StoreError> {
    let mut q = Query::select()
        .columns(["id", "tenant_id", "vendor_sku", "case_pack", "status"])
        .from("items")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .order_by("vendor_sku", Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(sku) = after {
        q.and_where(Expr::col("vendor_sku").gt(sku));
    }
    fetch_all::<PlanItem>(c, &q).await
}

/// Whether any weekly sales are stored at all (the weekly job does not record empty runs).
pub async fn has_sales(c: &impl ConnectionTrait) -> Result<bool, StoreError> {
    #[derive(FromQueryResult)]
    struct One {
        #[allow(dead_code)]
        item_id: Uuid,
    }
    Ok(fetch_one::<One>(c, &Query::select().column("item_id").from("sales_weekly").limit(1).to_owned()).await?.is_some())
}

/// Items in the catalogue (the forecast run's progress counts them).
pub async fn count_items(c: &impl ConnectionTrait) -> Result<u64, StoreError> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let q = Query::select().expr_as(Expr::col("id").count(), Alias::new("n")).from("items").to_owned();
    Ok(fetch_one::<N>(c, &q).await?.map_or(0, |r| u64::try_from(r.n).unwrap_or(0)))
}

/// One stored week as the forecast run reads it (no bookkeeping columns).
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct WindowWeek {
    pub item_id: Uuid,
    pub dc_id: Uuid,
    pub week_start: NaiveDate,
    pub units: i64,
    pub on_hand: Option<i64>,
}

/// The stored weeks of these items from `from` to `to` (inclusive), ordered by item, DC and week: one
/// index range per item of `ux_sales_weekly_series`. Asked for 100 items at a time: a query's rows
/// are held twice while they are decoded (driver rows, then these), so smaller queries keep the
/// forecast run's peak memory down at no cost in round trips that matter.
pub async fn sales_window(c: &impl ConnectionTrait, items: &[Uuid], from: NaiveDate, to: NaiveDate) -> Result<Vec<WindowWeek>, StoreError> {
    let mut out = Vec::new();
    for chunk in items.chunks(100) {
        let q = Query::select()
            .columns(["item_id", "dc_id", "week_start", "units", "on_hand"])
            .from("sales_weekly")
            .and_where(Expr::col("item_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("week_start").gte(from))
            .and_where(Expr::col("week_start").lte(to))
            .order_by("item_id", Order::Asc)
            .order_by("dc_id", Order::Asc)
            .order_by("week_start", Order::Asc)
            .to_owned();
        out.extend(fetch_all::<WindowWeek>(c, &q).await?);
    }
    Ok(out)
}

/// The planning overrides of these items at every DC that has any.
pub async fn params_of_items(c: &impl ConnectionTrait, items: &[Uuid]) -> Result<Vec<ItemDcParams>, StoreError> {
    let mut out = Vec::new();
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let q = Query::select().columns(PARAMS_COLS).from("planning_params").and_where(Expr::col("item_id").is_in(chunk.iter().copied())).to_owned();
        for r in fetch_all::<ParamsRow>(c, &q).await? {
            out.push(ItemDcParams::try_from(r)?);
        }
    }
    Ok(out)
}

/// A line of an open purchase order (not closed) for an item, with its DC: what is on order.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct OpenLine {
    pub item_id: Uuid,
    pub dc_id: Uuid,
    pub ordered_quantity: i64,
    pub unit_size: i64,
    pub cancelled: bool,
    pub confirmation: String,
    pub committed_eaches: i64,
    pub received_eaches: i64,
}

/// The lines of a vendor's open POs (state other than `Closed`) for these items.
pub async fn open_lines(c: &impl ConnectionTrait, tenant: TenantId, items: &[Uuid]) -> Result<Vec<OpenLine>, StoreError> {
    let (l, p) = (Alias::new("l"), Alias::new("p"));
    let col = |t: &Alias, c: &str| (t.clone(), Alias::new(c));
    let mut out = Vec::new();
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let q = Query::select()
            .column(col(&l, "item_id"))
            .column(col(&p, "dc_id"))
            .column(col(&l, "ordered_quantity"))
            .column(col(&l, "unit_size"))
            .column(col(&l, "cancelled"))
            .column(col(&l, "confirmation"))
            .column(col(&l, "committed_eaches"))
            .column(col(&l, "received_eaches"))
            .from_as("po_lines", l.clone())
            .join_as(JoinType::InnerJoin, "purchase_orders", p.clone(), Expr::col(col(&p, "id")).equals(col(&l, "po_id")))
            .and_where(Expr::col(col(&l, "tenant_id")).eq(tenant.0))
            .and_where(Expr::col(col(&l, "item_id")).is_in(chunk.iter().copied()))
            .and_where(Expr::col(col(&p, "state")).ne("Closed"))
            .to_owned();
        out.extend(fetch_all::<OpenLine>(c, &q).await?);
    }
    Ok(out)
}

/// Deletes the suggestions of runs other than `run` that are still `proposed` and have no
/// commitment — of these items only, or all of them (`None`): a newer run supersedes them. Adjusted,
/// decided and committed suggestions stay, and so do VMI proposals (no run: `run_id <> run` is not
/// true for NULL). Returns how many went.
pub async fn delete_superseded_suggestions(c: &impl ConnectionTrait, run: Uuid, items: Option<&[Uuid]>) -> Result<u64, StoreError> {
    let committed = Query::select().column("suggestion_id").from("supply_commitments").to_owned();
    let base = Query::delete()
        .from_table("replenishment_suggestions")
        .and_where(Expr::col("run_id").ne(run))
        .and_where(Expr::col("status").eq(SuggestionStatus::Proposed.as_str()))
        .and_where(Expr::col("id").not_in_subquery(committed))
        .to_owned();
    let Some(items) = items else {
        return Ok(c.execute(&base).await?.rows_affected());
    };
    let mut gone = 0;
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let mut q = base.clone();
        q.and_where(Expr::col("item_id").is_in(chunk.iter().copied()));
        gone += c.execute(&q).await?.rows_affected();
    }
    Ok(gone)
}

pub async fn run(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<ForecastRun>, StoreError> {
    fetch_one::<RunRow>(c, Query::select().columns(RUN_COLS).from("forecast_runs").and_where(Expr::col("id").eq(id)))
        .await?
        .map(ForecastRun::try_from)
        .transpose()
}

/// Runs, newest first; `before` is the `(started_at, id)` of the previous page's last run.
pub async fn list_runs(c: &impl ConnectionTrait, before: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<ForecastRun>, StoreError> {
    let mut q = Query::select().columns(RUN_COLS).from("forecast_runs").to_owned();
    newest_first(&mut q, before, limit, "started_at");
    fetch_all::<RunRow>(c, &q).await?.into_iter().map(ForecastRun::try_from).collect()
}

/// Newest-first keyset order on `(at, id)` with `limit + 1` rows.
fn newest_first(q: &mut SelectStatement, before: Option<(DateTime<Utc>, Uuid)>, limit: u64, at: &'static str) {
    if let Some((t, last)) = before {
        q.and_where(Expr::col(at).lte(t));
        q.and_where(Expr::col(at).lt(t).or(Expr::col(at).eq(t).and(Expr::col("id").lt(last))));
    }
    q.order_by(at, Order::Desc).order_by("id", Order::Desc).limit(limit + 1);
}

// ---------------------------------------------------------------------------------------------
// Forecasts

const FORECAST_COLS: [&str; 16] = [
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
    "rmsse_e4",
    "wape_e4",
    "bias_e4",
    "backtest_json",
    "created_at",
];

#[derive(FromQueryResult)]
struct ForecastRow {
    id: Uuid,
    run_id: Uuid,
    tenant_id: Uuid,
    item_id: Uuid,
    dc_id: Uuid,
    first_week: NaiveDate,
    method: String,
    class: String,
    weeks_json: String,
    model_json: String,
    mase_e4: Option<i64>,
    rmsse_e4: Option<i64>,
    wape_e4: Option<i64>,
    bias_e4: Option<i64>,
    backtest_json: String,
    created_at: DateTime<Utc>,
}

impl From<ForecastRow> for StoredForecast {
    fn from(r: ForecastRow) -> StoredForecast {
        StoredForecast {
            id: r.id,
            run_id: r.run_id,
            tenant: TenantId(r.tenant_id),
            item_id: r.item_id,
            dc_id: r.dc_id,
            first_week: r.first_week,
            method: r.method,
            class: r.class,
            weeks_json: r.weeks_json,
            model_json: r.model_json,
            mase_e4: r.mase_e4,
            rmsse_e4: r.rmsse_e4,
            wape_e4: r.wape_e4,
            bias_e4: r.bias_e4,
            backtest_json: r.backtest_json,
            created_at: r.created_at,
        }
    }
}

/// Stores a batch of forecasts (one per series; the run × series key is unique).
pub async fn insert_forecasts(c: &impl ConnectionTrait, rows: &[StoredForecast]) -> Result<u64, StoreError> {
    let insert = Query::insert().into_table("forecasts").columns(FORECAST_COLS).to_owned();
    let values: Vec<_> = rows
        .iter()
        .map(|f| -> [Value; 16] {
            [
                f.id.into(),
                f.run_id.into(),
                f.tenant.0.into(),
                f.item_id.into(),
                f.dc_id.into(),
                f.first_week.into(),
                f.method.clone().into(),
                f.class.clone().into(),
                f.weeks_json.clone().into(),
                f.model_json.clone().into(),
                f.mase_e4.into(),
                f.rmsse_e4.into(),
                f.wape_e4.into(),
                f.bias_e4.into(),
                f.backtest_json.clone().into(),
                f.created_at.into(),
            ]
        })
        .collect();
    insert_chunked(c, &insert, values).await
}

/// The newest forecast of one series.
pub async fn latest_forecast(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<Option<StoredForecast>, StoreError> {
    let q = Query::select()
        .columns(FORECAST_COLS)
        .from("forecasts")
        .and_where(Expr::col("item_id").eq(item))
        .and_where(Expr::col("dc_id").eq(dc))
        .order_by("created_at", Order::Desc)
        .limit(1)
        .to_owned();
    Ok(fetch_one::<ForecastRow>(c, &q).await?.map(StoredForecast::from))
}

/// Forecasts of a run (one vendor's, or all), newest first.
pub async fn list_forecasts(
    c: &impl ConnectionTrait,
    run: Uuid,
    tenant: Option<TenantId>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<StoredForecast>, StoreError> {
    let mut q = Query::select().columns(FORECAST_COLS).from("forecasts").and_where(Expr::col("run_id").eq(run)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    newest_first(&mut q, before, limit, "created_at");
    Ok(fetch_all::<ForecastRow>(c, &q).await?.into_iter().map(StoredForecast::from).collect())
}

// ---------------------------------------------------------------------------------------------
// Replenishment suggestions

const SUGGESTION_COLS: [&str; 24] = [
    "id",
    "run_id",
    "origin",
    "delivery_on",
    "tenant_id",
    "item_id",
    "dc_id",
    "raw_quantity",
    "quantity",
    "order_up_to",
    "on_hand",
    "on_order",
    "backorders",
    "fill_rate_e4",
    "leftover",
    "explanation",
    "params_json",
    "status",
    "adjusted_quantity",
    "po_id",
    "decided_by",
    "decided_at",
    "created_at",
    "updated_at",
];

#[derive(FromQueryResult)]
struct SuggestionRow {
    id: Uuid,
    run_id: Option<Uuid>,
    origin: String,
    delivery_on: Option<NaiveDate>,
    tenant_id: Uuid,
    item_id: Uuid,
    dc_id: Uuid,
    raw_quantity: i64,
    quantity: i64,
    order_up_to: i64,
    on_hand: i64,
    on_order: i64,
    backorders: i64,
    fill_rate_e4: i64,
    leftover: i64,
    explanation: String,
    params_json: String,
    status: String,
    adjusted_quantity: Option<i64>,
    po_id: Option<Uuid>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SuggestionRow> for Suggestion {
    type Error = StoreError;
    fn try_from(r: SuggestionRow) -> Result<Suggestion, StoreError> {
        Ok(Suggestion {
            id: r.id,
            run_id: r.run_id,
            origin: parse("suggestion origin", &r.origin, SuggestionOrigin::parse)?,
            delivery_on: r.delivery_on,
            tenant: TenantId(r.tenant_id),
            item_id: r.item_id,
            dc_id: r.dc_id,
            raw_quantity: r.raw_quantity,
            quantity: r.quantity,
            order_up_to: r.order_up_to,
            on_hand: r.on_hand,
            on_order: r.on_order,
            backorders: r.backorders,
            fill_rate_e4: r.fill_rate_e4,
            leftover: r.leftover,
            explanation: r.explanation,
            params_json: r.params_json,
            status: parse("suggestion status", &r.status, SuggestionStatus::parse)?,
            adjusted_quantity: r.adjusted_quantity,
            po_id: r.po_id,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub async fn insert_suggestions(c: &impl ConnectionTrait, rows: &[Suggestion]) -> Result<u64, StoreError> {
    let insert = Query::insert().into_table("replenishment_suggestions").columns(SUGGESTION_COLS).to_owned();
    let values: Vec<_> = rows
        .iter()
        .map(|s| -> [Value; 24] {
            [
                s.id.into(),
                s.run_id.into(),
                s.origin.as_str().into(),
                s.delivery_on.into(),
                s.tenant.0.into(),
                s.item_id.into(),
                s.dc_id.into(),
                s.raw_quantity.into(),
                s.quantity.into(),
                s.order_up_to.into(),
                s.on_hand.into(),
                s.on_order.into(),
                s.backorders.into(),
                s.fill_rate_e4.into(),
                s.leftover.into(),
                s.explanation.clone().into(),
                s.params_json.clone().into(),
                s.status.as_str().into(),
                s.adjusted_quantity.into(),
                s.po_id.into(),
                s.decided_by.clone().into(),
                s.decided_at.into(),
                s.created_at.into(),
                s.updated_at.into(),
            ]
        })
        .collect();
    insert_chunked(c, &insert, values).await
}

pub async fn suggestion(c: &impl ConnectionTrait, scope: Option<TenantId>, id: Uuid) -> Result<Option<Suggestion>, StoreError> {
    let mut q = Query::select().columns(SUGGESTION_COLS).from("replenishment_suggestions").and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = scope {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<SuggestionRow>(c, &q).await?.map(Suggestion::try_from).transpose()
}

/// What the suggestion list shows filtered by.
#[derive(Clone, Debug, Default)]
pub struct SuggestionFilter {
    pub tenant: Option<TenantId>,
    pub run: Option<Uuid>,
    pub status: Option<SuggestionStatus>,
}

/// Suggestions, newest first, keyset-paged on `(created_at, id)`.
pub async fn list_suggestions(
    c: &impl ConnectionTrait,
    f: &SuggestionFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<Suggestion>, StoreError> {
    let mut q = Query::select().columns(SUGGESTION_COLS).from("replenishment_suggestions").to_owned();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(r) = f.run {
        q.and_where(Expr::col("run_id").eq(r));
    }
    if let Some(s) = f.status {
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    newest_first(&mut q, before, limit, "created_at");
    fetch_all::<SuggestionRow>(c, &q).await?.into_iter().map(Suggestion::try_from).collect()
}

/// Records the buyer's decision, guarded by the `updated_at` read (optimistic concurrency): `false`
/// when someone else changed the suggestion meanwhile.
pub async fn decide_suggestion(c: &impl ConnectionTrait, s: &Suggestion, read_at: DateTime<Utc>) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("replenishment_suggestions")
                .value("status", s.status.as_str())
                .value("adjusted_quantity", s.adjusted_quantity)
                .value("po_id", s.po_id)
                .value("decided_by", s.decided_by.clone())
                .value("decided_at", s.decided_at)
                .value("updated_at", s.updated_at)
                .and_where(Expr::col("id").eq(s.id))
                .and_where(Expr::col("updated_at").eq(read_at))
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

/// The newest run that finished successfully: its suggestions are the current ones.
pub async fn latest_succeeded_run(c: &impl ConnectionTrait) -> Result<Option<ForecastRun>, StoreError> {
    let q = Query::select()
        .columns(RUN_COLS)
        .from("forecast_runs")
        .and_where(Expr::col("status").eq(RunStatus::Succeeded.as_str()))
        .order_by("started_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    fetch_one::<RunRow>(c, &q).await?.map(ForecastRun::try_from).transpose()
}

/// What the replenishment list shows: one vendor's (or all), one DC's, one status — and, without a
/// status, only the current cycle: the `current` run's suggestions, every one still open, and every
/// one decided since that run started (so a proposal approved today stays in view).
#[derive(Clone, Debug, Default)]
pub struct SuggestionQuery {
    pub tenant: Option<TenantId>,
    pub dc: Option<Uuid>,
    pub item: Option<Uuid>,
    pub status: Option<SuggestionStatus>,
    /// The latest succeeded run and its start.
    pub current: Option<(Uuid, DateTime<Utc>)>,
}

/// A suggestion with what a list shows of its item and DC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestionListRow {
    pub suggestion: Suggestion,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub case_pack: i64,
    pub dc_code: String,
    pub time_zone: String,
}

#[derive(FromQueryResult)]
struct SuggestionJoinRow {
    #[sea_orm(nested)]
    s: SuggestionRow,
    vendor_sku: String,
    gtin: String,
    title: String,
    case_pack: i64,
    dc_code: String,
    time_zone: String,
}

/// Suggestions with their item and DC, newest first, keyset-paged on `(created_at, id)`; fetches
/// `limit + 1` rows.
pub async fn list_suggestion_rows(
    c: &impl ConnectionTrait,
    f: &SuggestionQuery,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<SuggestionListRow>, StoreError> {
    let (s, i, d) = (Alias::new("s"), Alias::new("i"), Alias::new("d"));
    let col = |t: &Alias, c: &str| Expr::col((t.clone(), Alias::new(c)));
    let mut q = Query::select()
        .columns(SUGGESTION_COLS.map(|c| (s.clone(), Alias::new(c))))
        .columns(["vendor_sku", "gtin", "title", "case_pack"].map(|c| (i.clone(), Alias::new(c))))
        .expr_as(col(&d, "code"), Alias::new("dc_code"))
        .column((d.clone(), Alias::new("time_zone")))
        .from_as("replenishment_suggestions", s.clone())
        .join_as(JoinType::InnerJoin, "items", i.clone(), col(&i, "id").equals((s.clone(), Alias::new("item_id"))))
        .join_as(JoinType::InnerJoin, "dcs", d.clone(), col(&d, "id").equals((s.clone(), Alias::new("dc_id"))))
        .to_owned();
    if let Some(t) = f.tenant {
        q.and_where(col(&s, "tenant_id").eq(t.0));
    }
    if let Some(dc) = f.dc {
        q.and_where(col(&s, "dc_id").eq(dc));
    }
    if let Some(item) = f.item {
        q.and_where(col(&s, "item_id").eq(item));
    }
    match (f.status, f.current) {
        (Some(st), _) => {
            q.and_where(col(&s, "status").eq(st.as_str()));
        }
        (None, Some((run, started))) => {
            let open = col(&s, "status").is_in([SuggestionStatus::Proposed.as_str(), SuggestionStatus::Adjusted.as_str()]);
            q.and_where(col(&s, "run_id").eq(run).or(open).or(col(&s, "updated_at").gte(started)));
        }
        (None, None) => {}
    }
    if let Some((t, last)) = before {
        q.and_where(col(&s, "created_at").lte(t));
        q.and_where(col(&s, "created_at").lt(t).or(col(&s, "created_at").eq(t).and(col(&s, "id").lt(last))));
    }
    q.order_by((s.clone(), Alias::new("created_at")), Order::Desc).order_by((s, Alias::new("id")), Order::Desc).limit(limit + 1);
    fetch_all::<SuggestionJoinRow>(c, &q)
        .await?
        .into_iter()
        .map(|r| {
            Ok(SuggestionListRow {
                suggestion: Suggestion::try_from(r.s)?,
                vendor_sku: r.vendor_sku,
                gtin: r.gtin,
                title: r.title,
                case_pack: r.case_pack,
                dc_code: r.dc_code,
                time_zone: r.time_zone,
            })
        })
        .collect()
}

/// The suggestions with these ids (of one vendor when `scope` is given), in no particular order.
pub async fn suggestions_by_ids(c: &impl ConnectionTrait, scope: Option<TenantId>, ids: &[Uuid]) -> Result<Vec<Suggestion>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q =
            Query::select().columns(SUGGESTION_COLS).from("replenishment_suggestions").and_where(Expr::col("id").is_in(chunk.iter().copied())).to_owned();
        if let Some(t) = scope {
            q.and_where(Expr::col("tenant_id").eq(t.0));
        }
        for r in fetch_all::<SuggestionRow>(c, &q).await? {
            out.push(Suggestion::try_from(r)?);
        }
    }
    Ok(out)
}

/// Every commitment to these suggestions, each suggestion's oldest first (the last is in force).
pub async fn commitments_of(c: &impl ConnectionTrait, suggestions: &[Uuid]) -> Result<Vec<Commitment>, StoreError> {
    let mut out = Vec::new();
    for chunk in suggestions.chunks(500) {
        let q = Query::select()
            .columns(COMMITMENT_COLS)
            .from("supply_commitments")
            .and_where(Expr::col("suggestion_id").is_in(chunk.iter().copied()))
            .order_by("committed_at", Order::Asc)
            .order_by("id", Order::Asc)
            .to_owned();
        out.extend(fetch_all::<CommitmentRow>(c, &q).await?.into_iter().map(Commitment::from));
    }
    Ok(out)
}

/// The commitment in force (the latest) of each of these suggestions that has one.
pub async fn latest_commitments(c: &impl ConnectionTrait, suggestions: &[Uuid]) -> Result<Vec<Commitment>, StoreError> {
    let mut latest: Vec<Commitment> = Vec::new();
    for m in commitments_of(c, suggestions).await? {
        match latest.iter_mut().find(|l| l.suggestion_id == m.suggestion_id) {
            Some(l) => *l = m,
            None => latest.push(m),
        }
    }
    Ok(latest)
}

/// An item's stock position at a DC, as the VMI check reads it: on hand at the end of the latest
/// week that reported it (0 when none did), and on order — what open POs to the DC still have to
/// deliver of it (ordered eaches of lines not cancelled, less what was received).
pub async fn position(c: &impl ConnectionTrait, item: Uuid, dc: Uuid) -> Result<(i64, i64), StoreError> {
    #[derive(FromQueryResult)]
    struct OnHand {
        on_hand: Option<i64>,
    }
    let q = Query::select()
        .column("on_hand")
        .from("sales_weekly")
        .and_where(Expr::col("item_id").eq(item))
        .and_where(Expr::col("dc_id").eq(dc))
        .and_where(Expr::col("on_hand").is_not_null())
        .order_by("week_start", Order::Desc)
        .limit(1)
        .to_owned();
    let on_hand = fetch_one::<OnHand>(c, &q).await?.and_then(|r| r.on_hand).unwrap_or(0);
    #[derive(FromQueryResult)]
    struct Open {
        ordered_quantity: i64,
        unit_size: i64,
        received_eaches: i64,
    }
    let (l, p) = (Alias::new("l"), Alias::new("p"));
    let col = |t: &Alias, c: &str| Expr::col((t.clone(), Alias::new(c)));
    let q = Query::select()
        .columns(["ordered_quantity", "unit_size", "received_eaches"].map(|c| (l.clone(), Alias::new(c))))
        .from_as("po_lines", l.clone())
        .join_as(JoinType::InnerJoin, "purchase_orders", p.clone(), col(&p, "id").equals((l.clone(), Alias::new("po_id"))))
        .and_where(col(&l, "item_id").eq(item))
        .and_where(col(&p, "dc_id").eq(dc))
        .and_where(col(&p, "closed_at").is_null())
        .and_where(col(&l, "cancelled").eq(false))
        .to_owned();
    let on_order = fetch_all::<Open>(c, &q).await?.iter().map(|r| Ord::max(r.ordered_quantity * r.unit_size - r.received_eaches, 0)).sum();
    Ok((on_hand, on_order))
}

// ---------------------------------------------------------------------------------------------
// Supply commitments

const COMMITMENT_COLS: [&str; 9] = ["id", "suggestion_id", "tenant_id", "quantity", "available_on", "shortfall", "reason", "committed_by", "committed_at"];

#[derive(FromQueryResult)]
struct CommitmentRow {
    id: Uuid,
    suggestion_id: Uuid,
    tenant_id: Uuid,
    quantity: i64,
    available_on: Option<NaiveDate>,
    shortfall: i64,
    reason: String,
    committed_by: String,
    committed_at: DateTime<Utc>,
}

pub async fn insert_commitment(c: &impl ConnectionTrait, m: &Commitment) -> Result<(), StoreError> {
    let values: [Value; 9] = [
        m.id.into(),
        m.suggestion_id.into(),
        m.tenant.0.into(),
        m.quantity.into(),
        m.available_on.into(),
        m.shortfall.into(),
        m.reason.clone().into(),
        m.committed_by.clone().into(),
        m.committed_at.into(),
    ];
    c.execute(&Query::insert().into_table("supply_commitments").columns(COMMITMENT_COLS).values_panic(values.map(Expr::val)).to_owned()).await?;
    Ok(())
}

/// A suggestion's commitments, the latest (the one in force) last.
pub async fn commitments(c: &impl ConnectionTrait, suggestion: Uuid) -> Result<Vec<Commitment>, StoreError> {
    commitments_of(c, &[suggestion]).await
}

impl From<CommitmentRow> for Commitment {
    fn from(r: CommitmentRow) -> Commitment {
        Commitment {
            id: r.id,
            suggestion_id: r.suggestion_id,
            tenant: TenantId(r.tenant_id),
            quantity: r.quantity,
            available_on: r.available_on,
            shortfall: r.shortfall,
            reason: r.reason,
            committed_by: r.committed_by,
            committed_at: r.committed_at,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item look-ups for imports

/// What an import needs of an item: its id, vendor, SKU and GTIN.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ItemKey {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
}

/// Items with these (normalised, 14-digit) GTINs, of any vendor (GTINs are unique across vendors).
pub async fn items_by_gtins(c: &impl ConnectionTrait, gtins: &[String]) -> Result<Vec<ItemKey>, StoreError> {
    let mut out = Vec::new();
    for chunk in gtins.chunks(500) {
        let q = Query::select()
            .columns(["id", "tenant_id", "vendor_sku", "gtin"])
            .from("items")
            .and_where(Expr::col("gtin").is_in(chunk.iter().cloned()))
            .to_owned();
        out.extend(fetch_all::<ItemKey>(c, &q).await?);
    }
    Ok(out)
}

/// A vendor's items with these SKUs.
pub async fn items_by_skus(c: &impl ConnectionTrait, tenant: TenantId, skus: &[String]) -> Result<Vec<ItemKey>, StoreError> {
    let mut out = Vec::new();
    for chunk in skus.chunks(500) {
        let q = Query::select()
            .columns(["id", "tenant_id", "vendor_sku", "gtin"])
            .from("items")
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("vendor_sku").is_in(chunk.iter().cloned()))
            .to_owned();
        out.extend(fetch_all::<ItemKey>(c, &q).await?);
    }
    Ok(out)
}

/// Every item × DC some purchase order was issued for, with the item's GTIN, title and the DC's code
/// and time zone (the demo gives these a sales history).
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct OrderedSeries {
    pub tenant_id: Uuid,
    pub item_id: Uuid,
    pub gtin: String,
    pub title: String,
    pub dc_code: String,
    pub time_zone: String,
}

pub async fn ordered_series(c: &impl ConnectionTrait) -> Result<Vec<OrderedSeries>, StoreError> {
    let (l, p, d) = (Alias::new("l"), Alias::new("p"), Alias::new("d"));
    let col = |t: &Alias, c: &str| (t.clone(), Alias::new(c));
    let q = Query::select()
        .distinct()
        .column(col(&l, "tenant_id"))
        .column(col(&l, "item_id"))
        .column(col(&l, "gtin"))
        .column(col(&l, "title"))
        .expr_as(Expr::col(col(&d, "code")), Alias::new("dc_code"))
        .column(col(&d, "time_zone"))
        .from_as("po_lines", l.clone())
        .join_as(JoinType::InnerJoin, "purchase_orders", p.clone(), Expr::col(col(&p, "id")).equals(col(&l, "po_id")))
        .join_as(JoinType::InnerJoin, "dcs", d.clone(), Expr::col(col(&d, "id")).equals(col(&p, "dc_id")))
        .order_by(col(&l, "tenant_id"), Order::Asc)
        .order_by(col(&l, "gtin"), Order::Asc)
        .order_by(col(&d, "code"), Order::Asc)
        .to_owned();
    fetch_all::<OrderedSeries>(c, &q).await
}
