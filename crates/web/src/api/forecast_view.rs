//! The forecasts over the API: one item's forecast per DC (weeks with mean and quantiles, totals over
//! the next 4, 13 and 52 weeks from the summed distributions, the back-test accuracy, the expected
//! orders), and the list of every visible series' latest forecast, keyset-paged. Read-only; a vendor
//! sees its own items (another vendor's item is a 404, like a missing one).

use super::auth::Api;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use acorn_domain::forecast::week_label;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_service::forecast::view::{DcForecast, ExpectedOrder, ForecastQuery, ForecastSummary, ForecastView, Total};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::forecast_view::ForecastFilter;
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A trimmed, non-empty query value.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The list's filter as the use case takes it: the vendor and DC resolved (a vendor code the caller
/// may not see is a 404), the DC named when it is not one.
pub async fn list_filter(
    s: &AppState,
    ctx: &Ctx,
    vendor_code: Option<&str>,
    dc: Option<&str>,
    class: Option<String>,
    q: Option<String>,
) -> Result<ForecastFilter, ServiceError> {
    let tenant = s.services.edi_vendor(ctx, Area::Forecasts, Access::Read, vendor_code).await?;
    let dc = match dc {
        Some(code) => match s.services.get_dc_by_code(ctx, code).await {
            Ok(dc) => Some(dc.id),
            Err(ServiceError::NotFound(_)) => {
                return Err(ServiceError::Invalid(vec![FieldIssue::new("dc", format!("`{}` is not a DC code", code.trim().to_uppercase()))]));
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(ForecastFilter { tenant, dc, class: class.map(|c| c.trim().to_lowercase()), q })
}

// ---------------------------------------------------------------------------------------------
// One item.

#[derive(Serialize, ToSchema)]
pub struct ForecastWeekOut {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// ISO week, e.g. `2026-W05`.
    pub week: String,
    /// Mean demand (units).
    pub mean: f64,
    pub p50: u32,
    pub p70: u32,
    pub p80: u32,
    pub p90: u32,
}

#[derive(Serialize, ToSchema)]
pub struct TotalOut {
    /// The next this many weeks.
    pub weeks: usize,
    /// The sum of the weekly means.
    pub mean: f64,
    /// Quantiles of the summed (convolved) weekly distributions — not sums of weekly quantiles.
    pub p50: u32,
    pub p70: u32,
    pub p80: u32,
    pub p90: u32,
    /// The quantiles are multiples of this many units (1: exact; more for very large totals).
    pub step: u32,
}

impl From<&Total> for TotalOut {
    fn from(t: &Total) -> TotalOut {
        TotalOut { weeks: t.weeks, mean: t.mean, p50: t.p50, p70: t.p70, p80: t.p80, p90: t.p90, step: t.step }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BacktestWeekOut {
    pub week_start: NaiveDate,
    pub week: String,
    /// What the method forecast for the week from an earlier origin (mean).
    pub forecast: f64,
    /// Units sold.
    pub actual: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AccuracyOut {
    /// Σ|forecast − sold| / Σ sold over the back-test weeks (0.18 = 18 %).
    pub wape: Option<f64>,
    /// Σ(forecast − sold) / Σ sold: positive when the forecast was too high.
    pub bias: Option<f64>,
    /// Mean absolute scaled error (below 1: better than the naive forecast).
    pub mase: Option<f64>,
    pub weeks: Vec<BacktestWeekOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastOut {
    pub forecast_id: Uuid,
    pub run_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The first forecast week's Monday.
    pub first_week: NaiveDate,
    /// The engine's point method (e.g. `weighted10`, `croston_sba`).
    pub method: String,
    /// The demand class: `smooth`, `erratic`, `intermittent` or `lumpy`.
    pub class: String,
    pub weeks: Vec<ForecastWeekOut>,
    /// Over the next 4, 13 and 52 weeks.
    pub totals: Vec<TotalOut>,
    pub accuracy: AccuracyOut,
}

impl From<&ForecastView> for ForecastOut {
    fn from(f: &ForecastView) -> ForecastOut {
        ForecastOut {
            forecast_id: f.id,
            run_id: f.run_id,
            created_at: f.created_at,
            first_week: f.first_week,
            method: f.method.clone(),
            class: f.class.clone(),
            weeks: f
                .weeks
                .iter()
                .map(|w| ForecastWeekOut { week_start: w.week, week: week_label(w.week), mean: w.mean, p50: w.p50, p70: w.p70, p80: w.p80, p90: w.p90 })
                .collect(),
            totals: f.totals.iter().map(TotalOut::from).collect(),
            accuracy: AccuracyOut {
                wape: f.accuracy.wape,
                bias: f.accuracy.bias,
                mase: f.accuracy.mase,
                weeks: f
                    .accuracy
                    .points
                    .iter()
                    .map(|p| BacktestWeekOut { week_start: p.week, week: week_label(p.week), forecast: p.mean, actual: p.actual })
                    .collect(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentOut {
    /// Units the vendor can supply.
    pub quantity: i64,
    pub available_on: Option<NaiveDate>,
    /// Units it cannot supply, with the reason.
    pub shortfall: i64,
    pub reason: String,
    pub committed_by: String,
    pub committed_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ExpectedOrderOut {
    pub suggestion_id: Uuid,
    /// `job` (the forecast run) or `vmi` (the vendor's proposal).
    pub origin: String,
    /// `proposed`, `adjusted`, `approved`, `rejected` or `ordered`.
    pub status: String,
    /// The quantity in force: the buyer's adjustment, else the suggested quantity.
    pub quantity: i64,
    /// The quantity the run suggested.
    pub suggested_quantity: i64,
    pub adjusted_quantity: Option<i64>,
    pub po_id: Option<Uuid>,
    pub po_number: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The vendor's commitment in force (the latest).
    pub commitment: Option<CommitmentOut>,
}

impl From<&ExpectedOrder> for ExpectedOrderOut {
    fn from(o: &ExpectedOrder) -> ExpectedOrderOut {
        let s = &o.suggestion;
        ExpectedOrderOut {
            suggestion_id: s.id,
            origin: s.origin.as_str().to_string(),
            status: s.status.as_str().to_string(),
            quantity: o.quantity,
            suggested_quantity: s.quantity,
            adjusted_quantity: s.adjusted_quantity,
            po_id: s.po_id,
            po_number: o.po_number.clone(),
            created_at: s.created_at,
            commitment: o.commitment.as_ref().map(|c| CommitmentOut {
                quantity: c.quantity,
                available_on: c.available_on,
                shortfall: c.shortfall,
                reason: c.reason.clone(),
                committed_by: c.committed_by.clone(),
                committed_at: c.committed_at,
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HistoryWeekOut {
    pub week_start: NaiveDate,
    pub week: String,
    pub units: i64,
    pub on_hand: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DcForecastOut {
    /// The DC's code.
    pub dc: String,
    /// Up to 156 weeks of sales, oldest first.
    pub history: Vec<HistoryWeekOut>,
    /// The latest forecast; null before the first run covered this item × DC.
    pub forecast: Option<ForecastOut>,
    /// The suggestions of the forecast's run (and VMI proposals since).
    pub expected_orders: Vec<ExpectedOrderOut>,
}

impl From<&DcForecast> for DcForecastOut {
    fn from(d: &DcForecast) -> DcForecastOut {
        DcForecastOut {
            dc: d.dc.code.clone(),
            history: d.history.iter().map(|h| HistoryWeekOut { week_start: h.week, week: week_label(h.week), units: h.units, on_hand: h.on_hand }).collect(),
            forecast: d.forecast.as_ref().map(ForecastOut::from),
            expected_orders: d.orders.iter().map(ExpectedOrderOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemForecastOut {
    pub item_id: Uuid,
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// Every DC where the item has sales history or a forecast.
    pub dcs: Vec<DcForecastOut>,
}

/// An item's forecast at every DC: 52 weeks of mean and P50/P70/P80/P90, totals over the next 4, 13
/// and 52 weeks, the back-test accuracy, the sales history, and the expected orders.
#[utoipa::path(get, path = "/api/v1/forecast/items/{item_id}", tag = "forecast",
    responses((status = 200, body = ItemForecastOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_item_forecast(State(s): State<AppState>, Api(ctx): Api, Path(item_id): Path<Uuid>) -> ApiResult<Json<ItemForecastOut>> {
    let f = s.services.item_forecast(&ctx, item_id).await?;
    Ok(Json(ItemForecastOut {
        item_id: f.item.id,
        vendor_id: f.item.tenant.0,
        vendor_code: f.vendor_code.clone(),
        vendor_sku: f.item.vendor_sku.clone(),
        gtin: f.item.gtin.as_str().to_string(),
        title: f.item.title.clone(),
        dcs: f.dcs.iter().map(DcForecastOut::from).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// The list.

#[derive(Deserialize, IntoParams)]
pub struct ForecastListQuery {
    /// Retailer staff: one vendor's (default every vendor's). Vendors: their own.
    pub vendor_code: Option<String>,
    /// A DC code.
    pub dc: Option<String>,
    /// A demand class: `smooth`, `erratic`, `intermittent` or `lumpy`.
    pub class: Option<String>,
    /// Part of the vendor SKU, GTIN or title.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastSummaryOut {
    pub forecast_id: Uuid,
    pub run_id: Uuid,
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc: String,
    pub first_week: NaiveDate,
    pub method: String,
    pub class: String,
    /// Mean demand over the next 13 weeks.
    pub mean_13: f64,
    /// P90 of the 13-week total, from the summed weekly distributions.
    pub p90_13: u32,
    pub wape: Option<f64>,
    pub bias: Option<f64>,
    pub created_at: DateTime<Utc>,
}

impl ForecastSummaryOut {
    fn of(x: &ForecastSummary, codes: &[(TenantId, String)]) -> ForecastSummaryOut {
        let r = &x.row;
        ForecastSummaryOut {
            forecast_id: r.id,
            run_id: r.run_id,
            vendor_id: r.tenant_id,
            vendor_code: codes.iter().find(|(t, _)| t.0 == r.tenant_id).map(|(_, c)| c.clone()).unwrap_or_default(),
            item_id: r.item_id,
            vendor_sku: r.vendor_sku.clone(),
            gtin: r.gtin.clone(),
            title: r.title.clone(),
            dc: r.dc_code.clone(),
            first_week: r.first_week,
            method: r.method.clone(),
            class: r.class.clone(),
            mean_13: x.mean_13,
            p90_13: x.p90_13,
            wape: x.wape,
            bias: x.bias,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ForecastPage {
    pub items: Vec<ForecastSummaryOut>,
    pub next: Option<String>,
}

/// Every visible item × DC's latest forecast, newest first, keyset-paged (`cursor`, `limit`), with
/// the next 13 weeks' mean and P90 and the back-test accuracy.
#[utoipa::path(get, path = "/api/v1/forecast/forecasts", tag = "forecast", params(ForecastListQuery),
    responses((status = 200, body = ForecastPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_forecasts(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ForecastListQuery>) -> ApiResult<Json<ForecastPage>> {
    let filter = list_filter(&s, &ctx, given(&q.vendor_code), given(&q.dc), given(&q.class).map(str::to_string), given(&q.q).map(str::to_string)).await?;
    let page = s.services.forecast_list(&ctx, &ForecastQuery { filter, cursor: given(&q.cursor).map(str::to_string), limit: q.limit }).await?;
    let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.row.tenant_id)).collect();
    let codes = s.services.vendor_codes_of(&ctx, &tenants).await?;
    Ok(Json(ForecastPage { items: page.items.iter().map(|x| ForecastSummaryOut::of(x, &codes)).collect(), next: page.next }))
}
