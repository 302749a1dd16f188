//! What vendors and buyers see of the forecasts: one item's forecast at each DC (the latest forecast's
//! 52 weeks, the sales history before it, the back-test accuracy, totals over the next 4, 13 and 52
//! weeks, and the expected purchase orders — the suggestions of the run with their PO and the vendor's
//! commitment), and the list of every series' latest forecast.
//!
//! Read-only, so nothing is audited. A vendor sees its own items only: another vendor's item answers
//! 404 exactly like a missing one (`authz::require_object`), and lists are scoped by
//! `authz::list_scope`, never by a tenant taken from the request.
//!
//! Totals over several weeks come from the sum of the weekly distributions — the engine's `WeekDist`
//! rebuilt from `model_json` and convolved with `Pmf::sum` — never from adding weekly quantiles (the
//! P90 of a quarter is far below the sum of thirteen weekly P90s). The convolution's cost grows with
//! the square of the support; above a budget of points the weekly distributions are binned into
//! steps of several units first (mass split between the two nearest steps, so the mean is kept), and
//! the total says the step its quantiles are rounded to.

use crate::authz::{list_scope, require, require_object};
use crate::{Ctx, ServiceError, Services};
use acorn_domain::forecast::{BacktestPoint, Commitment, ForecastWeeks, HORIZON_WEEKS, StoredForecast, Suggestion};
use acorn_domain::items::Item;
use acorn_domain::master::{Dc, VendorIdentifierKind};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_forecast::dist::Pmf;
use acorn_forecast::quantile::WeekDist;
use acorn_store::StoreError;
use acorn_store::repo;
use acorn_store::repo::forecast_view::{ForecastFilter, ForecastListRow};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Weeks of sales history shown before the forecast (three years).
pub const HISTORY_WEEKS: usize = 156;

/// The horizons totals are given for: the next month, quarter and year.
pub const TOTAL_WEEKS: [usize; 3] = [4, 13, 52];

/// Support points a total's distribution is computed on at most, on the item page (a few million
/// multiply-adds per total) and in lists (fifty totals a page).
const PAGE_BUDGET: usize = 4_096;
const LIST_BUDGET: usize = 1_024;

/// The quantile levels shown: P50, P70, P80, P90.
const LEVELS: [f64; 4] = [0.5, 0.7, 0.8, 0.9];

// ---------------------------------------------------------------------------------------------
// What the pages and the API show

/// One item's forecasts, DC by DC.
#[derive(Clone, Debug, Serialize)]
pub struct ItemForecast {
    pub item: Item,
    /// The vendor's (first) vendor code.
    pub vendor_code: String,
    /// Every DC where the item has sales history or a forecast, by DC code.
    pub dcs: Vec<DcForecast>,
}

/// One item × DC.
#[derive(Clone, Debug, Serialize)]
pub struct DcForecast {
    pub dc: Dc,
    /// Up to [`HISTORY_WEEKS`] weeks of sales, oldest first.
    pub history: Vec<HistoryWeek>,
    /// The latest forecast; `None` before the first run that covered this series.
    pub forecast: Option<ForecastView>,
    /// The suggestions of the latest forecast's run (and VMI proposals since), oldest first.
    pub orders: Vec<ExpectedOrder>,
}

/// One week of history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryWeek {
    pub week: NaiveDate,
    pub units: i64,
    pub on_hand: Option<i64>,
    /// Out of stock at week end: what sold is a lower bound of the demand.
    pub stockout: bool,
}

/// A stored forecast as read: its weeks, totals and accuracy.
#[derive(Clone, Debug, Serialize)]
pub struct ForecastView {
    pub id: Uuid,
    pub run_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The first forecast week (Monday).
    pub first_week: NaiveDate,
    pub method: String,
    pub class: String,
    pub weeks: Vec<ForecastWeek>,
    /// Over the next 4, 13 and 52 weeks (those the forecast has).
    pub totals: Vec<Total>,
    pub accuracy: Accuracy,
}

/// One forecast week.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForecastWeek {
    pub week: NaiveDate,
    pub mean: f64,
    pub p50: u32,
    pub p70: u32,
    pub p80: u32,
    pub p90: u32,
}

/// Demand over the next `weeks` weeks: the mean (the sum of the weekly means) and the quantiles of
/// the summed distribution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Total {
    pub weeks: usize,
    pub mean: f64,
    pub p50: u32,
    pub p70: u32,
    pub p80: u32,
    pub p90: u32,
    /// The quantiles are multiples of this many units: 1 (exact) unless the total is so large that
    /// its distribution was computed on coarser steps.
    pub step: u32,
}

/// How the forecast method did on the latest weeks of history, forecast from an earlier origin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accuracy {
    /// Per back-test week: what was forecast and what sold.
    pub points: Vec<BacktestPoint>,
    /// Weighted absolute percentage error: Σ|forecast − sold| / Σ sold (0.18 = 18 %).
    pub wape: Option<f64>,
    /// Σ(forecast − sold) / Σ sold: above 0 the forecast was too high.
    pub bias: Option<f64>,
    /// Mean absolute scaled error (below 1: better than the naive forecast).
    pub mase: Option<f64>,
}

/// A suggestion as the vendor follows it: quantity, status, the PO once ordered, and the vendor's
/// latest commitment.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedOrder {
    pub suggestion: Suggestion,
    /// The quantity in force: the buyer's adjustment, else the suggested one.
    pub quantity: i64,
    pub po_number: Option<String>,
    pub commitment: Option<Commitment>,
}

/// One series in the forecast list: the latest forecast's summary.
#[derive(Clone, Debug)]
pub struct ForecastSummary {
    pub row: ForecastListRow,
    /// Mean demand over the next 13 weeks.
    pub mean_13: f64,
    /// P90 of the 13-week total (from the summed distribution).
    pub p90_13: u32,
    pub step_13: u32,
    pub wape: Option<f64>,
    pub bias: Option<f64>,
}

/// A series' latest forecast with its weeks, for exports.
#[derive(Clone, Debug)]
pub struct ForecastSeries {
    pub row: ForecastListRow,
    pub weeks: Vec<ForecastWeek>,
}

/// A forecast list request: the filter (its tenant is honoured for staff only) and the page.
#[derive(Clone, Debug, Default)]
pub struct ForecastQuery {
    pub filter: ForecastFilter,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Reading the packed columns

fn corrupt(what: &str, id: Uuid, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Store(StoreError::corrupt(format!("forecast {id} {what}: {e}")))
}

/// The weeks of a stored forecast, Monday by Monday from `first_week`.
pub fn weeks_of(id: Uuid, first_week: NaiveDate, json: &str) -> Result<Vec<ForecastWeek>, ServiceError> {
    let w: ForecastWeeks = serde_json::from_str(json).map_err(|e| corrupt("weeks_json", id, e))?;
    let n = w.mean.len();
    if [w.p50.len(), w.p70.len(), w.p80.len(), w.p90.len()].iter().any(|l| *l != n) || n > HORIZON_WEEKS * 4 {
        return Err(corrupt("weeks_json", id, format!("{n} means but {}/{}/{}/{} quantiles", w.p50.len(), w.p70.len(), w.p80.len(), w.p90.len())));
    }
    Ok((0..n)
        .map(|i| ForecastWeek {
            week: first_week + Days::new(7 * i as u64),
            // A non-finite mean is shown as no demand rather than poisoning charts and sums.
            mean: if w.mean[i].is_finite() { w.mean[i].max(0.0) } else { 0.0 },
            p50: w.p50[i],
            p70: w.p70[i],
            p80: w.p80[i],
            p90: w.p90[i],
        })
        .collect())
}

/// The engine's per-week distribution as stored: `WeekDist` itself, or an object carrying it as `dist`.
pub fn model_of(id: Uuid, json: &str) -> Result<WeekDist, ServiceError> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| corrupt("model_json", id, e))?;
    let inner = v.get("dist").cloned().unwrap_or(v);
    serde_json::from_value(inner).map_err(|e| corrupt("model_json", id, e))
}

/// The back-test points, oldest first (an empty column or `[]`: none).
pub fn backtest_of(id: Uuid, json: &str) -> Result<Vec<BacktestPoint>, ServiceError> {
    if json.trim().is_empty() || json.trim() == "null" {
        return Ok(Vec::new());
    }
    let mut points: Vec<BacktestPoint> = serde_json::from_str(json).map_err(|e| corrupt("backtest_json", id, e))?;
    points.sort_by_key(|p| p.week);
    Ok(points)
}

fn ratio(e4: Option<i64>) -> Option<f64> {
    e4.map(|v| v as f64 / 10_000.0)
}

/// WAPE and bias over the points (when there were sales to compare with).
fn wape_bias(points: &[BacktestPoint]) -> (Option<f64>, Option<f64>) {
    let sold: f64 = points.iter().map(|p| p.actual as f64).sum();
    if sold <= 0.0 {
        return (None, None);
    }
    let abs: f64 = points.iter().map(|p| (p.mean - p.actual as f64).abs()).sum();
    let net: f64 = points.iter().map(|p| p.mean - p.actual as f64).sum();
    (Some(abs / sold), Some(net / sold))
}

/// The accuracy of a stored forecast: the stored figures, else those of its points.
fn accuracy(f_wape: Option<i64>, f_bias: Option<i64>, f_mase: Option<i64>, points: Vec<BacktestPoint>) -> Accuracy {
    let (wape, bias) = wape_bias(&points);
    Accuracy { wape: ratio(f_wape).or(wape), bias: ratio(f_bias).or(bias), mase: ratio(f_mase), points }
}

// ---------------------------------------------------------------------------------------------
// Totals: sums of weekly distributions

/// `pmf` on steps of `step` units: the mass at k goes to the steps on either side of k / step in
/// proportion to the distance, so the mean (in units) is unchanged.
fn binned(pmf: &Pmf, step: usize) -> Pmf {
    if step <= 1 {
        return pmf.clone();
    }
    let probs = pmf.probs();
    let mut out = vec![0.0; (probs.len() - 1) / step + 2];
    for (k, p) in probs.iter().enumerate() {
        let (lo, rest) = (k / step, k % step);
        let frac = rest as f64 / step as f64;
        out[lo] += p * (1.0 - frac);
        out[lo + 1] += p * frac;
    }
    Pmf::from_probs(out).unwrap_or_else(|| Pmf::point(0))
}

/// Demand over the first `weeks` weeks: the convolution of the weeks' distributions, computed on at
/// most about `budget` support points.
pub fn total(dist: &WeekDist, means: &[f64], weeks: usize, budget: usize) -> Total {
    let means = &means[..weeks.min(means.len())];
    let pmfs: Vec<Pmf> = means.iter().map(|m| dist.pmf(*m)).collect();
    let support: usize = pmfs.iter().map(|p| p.probs().len() - 1).sum::<usize>() + 1;
    let step = support.div_ceil(budget.max(1)).max(1);
    let sum = if step == 1 {
        Pmf::sum(&pmfs)
    } else {
        let coarse: Vec<Pmf> = pmfs.iter().map(|p| binned(p, step)).collect();
        Pmf::sum(&coarse)
    };
    let q = |level: f64| sum.quantile(level).saturating_mul(step as u32);
    Total { weeks: means.len(), mean: means.iter().sum(), p50: q(LEVELS[0]), p70: q(LEVELS[1]), p80: q(LEVELS[2]), p90: q(LEVELS[3]), step: step as u32 }
}

fn view_of(f: &StoredForecast) -> Result<ForecastView, ServiceError> {
    let weeks = weeks_of(f.id, f.first_week, &f.weeks_json)?;
    let dist = model_of(f.id, &f.model_json)?;
    let means: Vec<f64> = weeks.iter().map(|w| w.mean).collect();
    let totals = TOTAL_WEEKS.iter().filter(|h| **h <= means.len()).map(|h| total(&dist, &means, *h, PAGE_BUDGET)).collect();
    let points = backtest_of(f.id, &f.backtest_json)?;
    Ok(ForecastView {
        id: f.id,
        run_id: f.run_id,
        created_at: f.created_at,
        first_week: f.first_week,
        method: f.method.clone(),
        class: f.class.clone(),
        weeks,
        totals,
        accuracy: accuracy(f.wape_e4, f.bias_e4, f.mase_e4, points),
    })
}

// ---------------------------------------------------------------------------------------------
// Use cases

impl Services {
    /// One item's forecast at every DC where it has history or a forecast (404 for another vendor's
    /// item). A few queries per DC; an item is stocked at few DCs.
    pub async fn item_forecast(&self, ctx: &Ctx, item_id: Uuid) -> Result<ItemForecast, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let c = &self.db.conn;
        let item = repo::items::get(c, None, item_id).await?.ok_or(ServiceError::NotFound("item"))?;
        require_object(ctx, Area::Forecasts, Access::Read, item.tenant, "item")?;
        let vendor_code = repo::vendors::identifiers(c, item.tenant)
            .await?
            .into_iter()
            .find(|i| i.kind == VendorIdentifierKind::VendorCode)
            .map(|i| i.value)
            .unwrap_or_default();
        let here = repo::forecast_view::item_dcs(c, item.id).await?;
        let mut dcs = Vec::with_capacity(here.len());
        for dc in repo::facilities::list_dcs(c).await?.into_iter().filter(|d| here.contains(&d.id)) {
            let series = repo::forecast::series(c, item.id, dc.id).await?;
            let history = series
                .iter()
                .skip(series.len().saturating_sub(HISTORY_WEEKS))
                .map(|s| HistoryWeek { week: s.week_start, units: s.units, on_hand: s.on_hand, stockout: s.on_hand == Some(0) })
                .collect();
            let stored = repo::forecast_view::latest(c, item.id, dc.id).await?;
            let forecast = stored.as_ref().map(view_of).transpose()?;
            let orders = match &stored {
                Some(f) => self.expected_orders(item.id, dc.id, f).await?,
                None => Vec::new(),
            };
            dcs.push(DcForecast { dc, history, forecast, orders });
        }
        dcs.sort_by(|a, b| a.dc.code.cmp(&b.dc.code));
        Ok(ItemForecast { item, vendor_code, dcs })
    }

    /// The suggestions of the forecast's run for this item × DC (and VMI proposals made since), each
    /// with its PO number once ordered and the commitment in force.
    async fn expected_orders(&self, item: Uuid, dc: Uuid, f: &StoredForecast) -> Result<Vec<ExpectedOrder>, ServiceError> {
        let c = &self.db.conn;
        let mut out = Vec::new();
        let suggestions: Vec<Suggestion> =
            repo::forecast_view::item_suggestions(c, item, &[f.run_id], f.created_at).await?.into_iter().filter(|s| s.dc_id == dc).collect();
        let ids: Vec<Uuid> = suggestions.iter().map(|s| s.id).collect();
        let in_force = repo::forecast::latest_commitments(c, &ids).await?;
        for s in suggestions {
            let po_number = match s.po_id {
                Some(po) => repo::forecast_view::po_number(c, po).await?,
                None => None,
            };
            let commitment = in_force.iter().find(|m| m.suggestion_id == s.id).cloned();
            out.push(ExpectedOrder { quantity: s.adjusted_quantity.unwrap_or(s.quantity), po_number, commitment, suggestion: s });
        }
        Ok(out)
    }

    /// Every visible series' latest forecast, newest first, keyset-paged, with its 13-week summary.
    pub async fn forecast_list(&self, ctx: &Ctx, q: &ForecastQuery) -> Result<Page<ForecastSummary>, ServiceError> {
        let page = self.latest_forecasts(ctx, q).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            let weeks = weeks_of(row.id, row.first_week, &row.weeks_json)?;
            let dist = model_of(row.id, &row.model_json)?;
            let means: Vec<f64> = weeks.iter().map(|w| w.mean).collect();
            let t = total(&dist, &means, 13, LIST_BUDGET);
            items.push(ForecastSummary { mean_13: t.mean, p90_13: t.p90, step_13: t.step, wape: ratio(row.wape_e4), bias: ratio(row.bias_e4), row });
        }
        Ok(Page { items, next: page.next })
    }

    /// Every visible series' latest forecast with its weeks, a page at a time (the CSV export).
    pub async fn forecast_series(&self, ctx: &Ctx, q: &ForecastQuery) -> Result<Page<ForecastSeries>, ServiceError> {
        let page = self.latest_forecasts(ctx, q).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            let weeks = weeks_of(row.id, row.first_week, &row.weeks_json)?;
            items.push(ForecastSeries { row, weeks });
        }
        Ok(Page { items, next: page.next })
    }

    async fn latest_forecasts(&self, ctx: &Ctx, q: &ForecastQuery) -> Result<Page<ForecastListRow>, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let filter = ForecastFilter { tenant: list_scope(ctx).or(q.filter.tenant), ..q.filter.clone() };
        let before = q.cursor.as_deref().map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(q.limit);
        let rows = repo::forecast_view::list_latest(&self.db.conn, &filter, before.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |r| Cursor { created_at: r.created_at, id: r.id }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist() -> WeekDist {
        WeekDist { p0: 0.6, base: 3.0, alive: 1.0, dispersion: 0.3 }
    }

    #[test]
    fn totals_come_from_the_summed_distribution() {
        let d = dist();
        let means: Vec<f64> = (0..52).map(|w| 2.0 + (w % 5) as f64).collect();
        let t = total(&d, &means, 13, PAGE_BUDGET);
        assert_eq!((t.weeks, t.step), (13, 1));
        assert!((t.mean - means[..13].iter().sum::<f64>()).abs() < 1e-9);
        let weekly: Vec<[u32; 4]> = means[..13].iter().map(|m| d.quantiles(*m)).collect();
        let sum_p90: u32 = weekly.iter().map(|q| q[3]).sum();
        let max_p90 = weekly.iter().map(|q| q[3]).max().unwrap();
        assert!(t.p90 < sum_p90, "{} vs {sum_p90}", t.p90);
        assert!(t.p90 >= max_p90);
        assert!(t.p50 <= t.p70 && t.p70 <= t.p80 && t.p80 <= t.p90);
        // The exact sum of the weeks' distributions.
        let exact = Pmf::sum(&means[..13].iter().map(|m| d.pmf(*m)).collect::<Vec<_>>());
        assert_eq!(t.p90, exact.quantile(0.9));
    }

    #[test]
    fn large_totals_are_binned_but_keep_their_mean() {
        let d = WeekDist { p0: 1.0, base: 2_000.0, alive: 1.0, dispersion: 0.05 };
        let means = vec![2_000.0; 52];
        let t = total(&d, &means, 52, LIST_BUDGET);
        assert!(t.step > 1);
        assert!((t.mean - 104_000.0).abs() < 1e-6);
        // The median of a sum of 52 near-symmetric weeks sits near its mean.
        let p50 = f64::from(t.p50);
        assert!((p50 - 104_000.0).abs() < 0.02 * 104_000.0, "{p50}");
        assert!(t.p50.is_multiple_of(t.step) && t.p90 >= t.p50);
        let coarse = binned(&d.pmf(2_000.0), 7);
        assert!((coarse.mean() * 7.0 - d.pmf(2_000.0).mean()).abs() < 1e-6);
    }

    #[test]
    fn packed_columns_read_back() {
        let id = Uuid::now_v7();
        let monday: NaiveDate = "2026-01-05".parse().unwrap();
        let json = serde_json::json!({"mean": [1.5, 2.0], "p50": [1, 2], "p70": [2, 3], "p80": [2, 3], "p90": [3, 4]}).to_string();
        let w = weeks_of(id, monday, &json).unwrap();
        assert_eq!(w[1].week, "2026-01-12".parse::<NaiveDate>().unwrap());
        assert_eq!((w[1].mean, w[1].p90), (2.0, 4));
        assert!(weeks_of(id, monday, r#"{"mean": [1.0], "p50": [], "p70": [], "p80": [], "p90": []}"#).is_err());
        let d = dist();
        assert_eq!(model_of(id, &serde_json::to_string(&d).unwrap()).unwrap(), d);
        assert_eq!(model_of(id, &serde_json::json!({ "dist": d }).to_string()).unwrap(), d);
        let points = backtest_of(id, r#"[{"week": "2026-01-12", "actual": 10, "mean": 12.0}, {"week": "2026-01-05", "actual": 10, "mean": 6.0}]"#).unwrap();
        assert_eq!(points[0].week, monday);
        let a = accuracy(None, None, None, points);
        // |6 − 10| + |12 − 10| = 6 of 20 sold; the forecast was 2 units short in all.
        assert_eq!((a.wape, a.bias), (Some(0.3), Some(-0.1)));
        assert_eq!(accuracy(Some(1_500), Some(-200), Some(9_000), Vec::new()).wape, Some(0.15));
        assert!(backtest_of(id, "").unwrap().is_empty());
    }
}
