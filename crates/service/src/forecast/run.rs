//! The forecast run: every item × DC with sales in the last 156 weeks is forecast for the next 52
//! weeks, back-tested, stored (one packed row per series), and turned into a replenishment
//! suggestion where an order is due. The weekly job, `acorn forecast run` and tests all call
//! [`Services::run_forecasts`].
//!
//! - **Which week.** `history_end` is the last week used: by default the last week that has ended at
//!   every DC (the earliest of the DCs' last completed weeks, each in its own time zone, so no DC's
//!   running week is read as complete). A succeeded run for that week is returned unchanged unless
//!   forced: running the job or the command twice forecasts once.
//! - **One at a time.** The run row is written `running` first; a partial unique index lets one
//!   `running` row exist, so a second process (another server, the CLI) is refused with a conflict
//!   rather than doubling the work. A `running` run whose heartbeat is older than
//!   [`RUN_STALE_AFTER_SECS`] died with its process and is marked failed by the next run.
//! - **Bounded memory.** Items are read vendor by vendor, a page of [`ITEMS_PER_CHUNK`] items at a
//!   time (keyset on the vendor's SKU index), with their sales of the window, planning overrides and
//!   open PO lines; at most three chunks are alive at once (one being read, one computed, one
//!   written), whatever the number of series. A chunk is one vendor's items, so the engine's pooled
//!   seasonality, method choice and calibration pool over related items (items carry no category).
//! - **Two cores.** A chunk's forecasts and suggestions (and their JSON) are computed on the blocking
//!   pool while the runtime writes the previous chunk and reads the next one.
//! - **Writes.** Each chunk is one write transaction: its forecasts, its suggestions, the removal of
//!   earlier runs' superseded suggestions of its items (still `proposed`, no commitment), and the
//!   run's progress (its heartbeat). The run ends with one more transaction: its final counts, the
//!   removal of superseded suggestions of series no longer forecast, and the run's audit record
//!   (`forecast.run`: one per run, not one per forecast — like the sales import, the rows themselves
//!   carry the run id).
//!
//! Suggestions are stored only when the quantity is above 0 (a buyer reviews orders, not the items
//! that need none) and never for discontinued items.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::authz::require_retailer;
use crate::forecast::params::agreement_planning;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::forecast::{
    BacktestPoint, EffectiveParams, ForecastRun, ForecastWeeks, HORIZON_WEEKS, RUN_STALE_AFTER_SECS, RunStatus, StoredForecast, Suggestion, SuggestionOrigin,
    SuggestionStatus, effective, last_completed_week, week_label, week_start,
};
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::orders::LineConfirmation;
use acorn_domain::policy::{Access, Area};
use acorn_domain::time;
use acorn_forecast::engine::{Config, Forecast, History, forecast_batch};
use acorn_forecast::quantile::WeekDist;
use acorn_forecast::replenish::{self, Position, Reason};
use acorn_store::repo;
use acorn_store::repo::forecast::{OpenLine, PlanItem, WindowWeek};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use uuid::Uuid;

/// Weeks of history each series is forecast from (dense: missing weeks sold 0).
pub const HISTORY_WEEKS: usize = 156;

/// Items read per chunk: with two DCs each, about 2,000 series and 300,000 sales rows — a few
/// seconds of work and tens of megabytes, so progress moves and memory stays flat.
pub const ITEMS_PER_CHUNK: u64 = 1_000;

/// Failures named in the run's message (the count is always complete).
const FAILURES_NAMED: usize = 5;

/// What to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The last week of history to use (its Monday); `None`: the last week ended at every DC.
    pub history_end: Option<NaiveDate>,
    /// Run even if a run for that week has succeeded (supersedes its proposed suggestions).
    pub force: bool,
    /// Who starts it, as recorded on the run (`job:forecast`, `cli:alice`, …).
    pub started_by: String,
}

/// Progress, reported after each chunk is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunProgress {
    /// Items in the catalogue, and those read so far (items without sales in the window count as done).
    pub items_total: u64,
    pub items_done: u64,
    /// Series (item × DC) forecast and stored so far, series that failed, suggestions stored.
    pub series_done: u64,
    pub series_failed: u64,
    pub suggestions: u64,
}

impl Services {
    /// Runs the forecast (see the module header): retailer staff with write access to forecasts, the
    /// CLI and jobs. Returns the run — the existing one when the week has a succeeded run and
    /// `force` is not set. A run that fails is recorded (`failed`, with the reason) and its error returned.
    pub async fn run_forecasts(&self, ctx: &Ctx, opts: RunOptions, progress: &(dyn Fn(RunProgress) + Send + Sync)) -> Result<ForecastRun, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        let latest = self.last_forecast_week().await?;
        let history_end = match opts.history_end {
            None => latest,
            Some(w) if week_start(w) != w => {
                return Err(ServiceError::invalid(
                    "history_end",
                    format!("{w} is not a Monday; its week is {} (Monday {})", week_label(week_start(w)), week_start(w)),
                ));
            }
            Some(w) if w > latest => {
                return Err(ServiceError::invalid(
                    "history_end",
                    format!("{} has not ended at every DC yet; the latest complete week is {} (Monday {latest})", week_label(w), week_label(latest)),
                ));
            }
            Some(w) => w,
        };
        if !opts.force
            && let Some(done) = repo::forecast::run_for_week(&self.db.conn, history_end, RunStatus::Succeeded).await?
        {
            return Ok(done);
        }
        let mut run = self.start_run(ctx, history_end, &opts.started_by).await?;
        let outcome = self.forecast_all(ctx, &mut run, progress).await;
        run.finished_at = Some(now());
        run.heartbeat_at = now();
        match &outcome {
            Ok(()) => run.status = RunStatus::Succeeded,
            Err(e) => {
                run.status = RunStatus::Failed;
                run.message = format!("failed after {} series: {e}", run.series_done);
            }
        }
        let run = &run;
        let force = opts.force;
        let finished = self
            .mutate(ctx, |tx| async move {
                // Series no longer forecast (no sales in the window) keep no stale proposal either.
                let superseded =
                    if run.status == RunStatus::Succeeded { repo::forecast::delete_superseded_suggestions(tx.c(), run.id, None).await? } else { 0 };
                repo::forecast::update_run(tx.c(), run).await?;
                let summary = serde_json::json!({
                    "history_end": run.history_end,
                    "status": run.status.as_str(),
                    "series_total": run.series_total,
                    "series_done": run.series_done,
                    "series_failed": run.series_failed,
                    "suggestions": run.suggestions,
                    "superseded_at_end": superseded,
                    "force": force,
                    "started_by": run.started_by,
                    "message": run.message,
                });
                Ok((run.clone(), Change::new(TenantId::RETAILER, "forecast.run", "forecast_run", run.id).after(&summary)))
            })
            .await?;
        outcome.map(|()| finished)
    }

    /// The week a run forecasts from by default: the last week that has ended at every DC (the
    /// earliest of their last completed weeks; UTC without DCs).
    pub async fn last_forecast_week(&self) -> Result<NaiveDate, ServiceError> {
        let at = now();
        let dcs = repo::facilities::list_dcs(&self.db.conn).await?;
        Ok(dcs
            .iter()
            .map(|dc| last_completed_week(at, time::zone(&dc.time_zone).unwrap_or(time::UTC)))
            .min()
            .unwrap_or_else(|| last_completed_week(at, time::UTC)))
    }

    /// The week the weekly job should forecast from, or `None` when nothing is due: the last
    /// completed week already has a succeeded run, or no sales are stored at all (an empty run would
    /// only add an audit record).
    pub async fn forecast_due(&self) -> Result<Option<NaiveDate>, ServiceError> {
        let c = &self.db.conn;
        let week = self.last_forecast_week().await?;
        if repo::forecast::run_for_week(c, week, RunStatus::Succeeded).await?.is_some() || !repo::forecast::has_sales(c).await? {
            return Ok(None);
        }
        Ok(Some(week))
    }

    /// Writes the `running` row, taking over a dead run first; a live one elsewhere is a conflict.
    async fn start_run(&self, ctx: &Ctx, history_end: NaiveDate, started_by: &str) -> Result<ForecastRun, ServiceError> {
        let started_by = if started_by.trim().is_empty() { ctx.principal.actor() } else { started_by.trim().to_string() };
        for _ in 0..3 {
            let at = now();
            let run = ForecastRun {
                id: new_id(),
                started_at: at,
                finished_at: None,
                history_end,
                status: RunStatus::Running,
                series_total: 0,
                series_done: 0,
                series_failed: 0,
                suggestions: 0,
                message: String::new(),
                started_by: started_by.clone(),
                heartbeat_at: at,
            };
            let r = &run;
            let inserted = self
                .mutate_if_changed(ctx, |tx| async move {
                    repo::forecast::insert_run(tx.c(), r).await?;
                    Ok(((), None))
                })
                .await;
            match inserted {
                Ok(()) => return Ok(run),
                Err(ServiceError::Store(acorn_store::StoreError::Db(e))) if acorn_store::is_unique_violation(&e) => {}
                Err(e) => return Err(e),
            }
            let Some(other) = repo::forecast::running_run(&self.db.conn).await? else { continue };
            let silent = now() - other.heartbeat_at;
            if silent < Duration::seconds(RUN_STALE_AFTER_SECS) {
                return Err(ServiceError::Conflict {
                    code: "forecast_run_running",
                    message: format!(
                        "a forecast run (history to {}, started by {} at {}) is running; {} series done so far",
                        week_label(other.history_end),
                        other.started_by,
                        other.started_at.format("%Y-%m-%d %H:%M UTC"),
                        other.series_done
                    ),
                });
            }
            let note = format!("interrupted: no progress since {} (the process running it stopped)", other.heartbeat_at.format("%Y-%m-%d %H:%M:%S UTC"));
            repo::forecast::fail_stale_run(&self.db.conn, &other, now(), &note).await?;
            tracing::warn!(run = %other.id, "forecast run without progress marked failed");
        }
        Err(ServiceError::Conflict { code: "forecast_run_running", message: "another forecast run keeps starting; try again in a minute".into() })
    }

    /// Reads, computes and writes every chunk, keeping `run`'s counts current.
    async fn forecast_all(&self, ctx: &Ctx, run: &mut ForecastRun, progress: &(dyn Fn(RunProgress) + Send + Sync)) -> Result<(), ServiceError> {
        let c = &self.db.conn;
        let mut loader = Loader {
            vendors: repo::vendors::all(c).await?.into_iter().map(|v| v.id).collect(),
            vendor: 0,
            after: None,
            agreement: None,
            from: run.history_end - Duration::weeks(HISTORY_WEEKS as i64 - 1),
            to: run.history_end,
        };
        let mut report = RunProgress { items_total: repo::forecast::count_items(c).await?, ..RunProgress::default() };
        progress(report);
        // The first failures only (the count is complete): a million failing series must not fill memory.
        let mut failures: Vec<String> = Vec::new();
        let (run_id, history_end) = (run.id, run.history_end);
        // Chunk N + 1 is computed on the blocking pool while chunk N is written and chunk N + 2 read
        // (the reader and the writer use separate connections; SQLite's WAL lets them overlap).
        let mut ready = loader.next(self).await?;
        let mut computing: Option<(tokio::task::JoinHandle<Computed>, u64, u64)> = None;
        loop {
            let previous = match computing.take() {
                Some((handle, items, series)) => Some(match handle.await {
                    Ok(done) => done,
                    // A panic in the engine fails that chunk's series, not the run.
                    Err(e) => Computed {
                        items: Vec::new(),
                        item_count: items,
                        series,
                        forecasts: Vec::new(),
                        suggestions: Vec::new(),
                        failures: vec![format!("{series} series: {e}")],
                    },
                }),
                None => None,
            };
            if let Some(chunk) = ready.take() {
                let (items, series) = (chunk.items.len() as u64, chunk.series.len() as u64);
                let at = now();
                computing = Some((tokio::task::spawn_blocking(move || compute(chunk, run_id, history_end, at)), items, series));
            }
            let write = async {
                let Some(done) = previous else { return Ok::<(), ServiceError>(()) };
                let failed = done.series - done.forecasts.len() as u64 + done.failures_of_suggestions();
                run.series_total += done.series as i64;
                run.series_done += done.forecasts.len() as i64;
                run.series_failed += failed as i64;
                run.suggestions += done.suggestions.len() as i64;
                run.heartbeat_at = now();
                let room = (FAILURES_NAMED + 1).saturating_sub(failures.len());
                failures.extend(done.failures.iter().take(room).cloned());
                run.message = failure_message(&failures, run.series_failed);
                let (r, d) = (&*run, &done);
                self.mutate_if_changed(ctx, |tx| async move {
                    repo::forecast::insert_forecasts(tx.c(), &d.forecasts).await?;
                    repo::forecast::delete_superseded_suggestions(tx.c(), r.id, Some(&d.items)).await?;
                    repo::forecast::insert_suggestions(tx.c(), &d.suggestions).await?;
                    repo::forecast::update_run(tx.c(), r).await?;
                    Ok(((), None))
                })
                .await?;
                report.items_done += done.item_count;
                report.series_done = run.series_done as u64;
                report.series_failed = run.series_failed as u64;
                report.suggestions = run.suggestions as u64;
                progress(report);
                Ok(())
            };
            let read = async { if computing.is_some() { loader.next(self).await } else { Ok(None) } };
            let (written, next) = tokio::join!(write, read);
            written?;
            ready = next?;
            if computing.is_none() && ready.is_none() {
                return Ok(());
            }
        }
    }
}

/// "3 series failed: item … at DC …: reason; …" (the first few), or empty.
fn failure_message(failures: &[String], failed: i64) -> String {
    if failed == 0 && failures.is_empty() {
        return String::new();
    }
    let mut m = format!("{failed} series failed");
    for (i, f) in failures.iter().take(FAILURES_NAMED).enumerate() {
        let _ = write!(m, "{}{f}", if i == 0 { ": " } else { "; " });
    }
    if failures.len() > FAILURES_NAMED {
        m.push_str("; …");
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One series, dense over the window, with what its suggestion needs.
struct Series {
    tenant: TenantId,
    item_id: Uuid,
    dc_id: Uuid,
    sales: Vec<u32>,
    on_hand: Vec<Option<u32>>,
    /// The latest week with a reported on-hand figure, and the figure.
    last_on_hand: Option<(NaiveDate, i64)>,
    on_order: i64,
    case_pack: i64,
    active: bool,
    params: EffectiveParams,
}

/// One vendor's page of items and their series.
struct Chunk {
    items: Vec<Uuid>,
    series: Vec<Series>,
}

/// Walks the vendors and their items a page at a time.
struct Loader {
    vendors: Vec<TenantId>,
    vendor: usize,
    /// The last SKU read of the current vendor.
    after: Option<String>,
    /// The current vendor's agreement defaults.
    agreement: Option<acorn_domain::forecast::PlanningOverrides>,
    from: NaiveDate,
    to: NaiveDate,
}

impl Loader {
    /// The next page with its series (a page whose items have no sales in the window comes back with
    /// no series: it still counts as read); `None` when every vendor is done.
    async fn next(&mut self, s: &Services) -> Result<Option<Chunk>, ServiceError> {
        let c = &s.db.conn;
        loop {
            let Some(&tenant) = self.vendors.get(self.vendor) else { return Ok(None) };
            if self.agreement.is_none() {
                self.agreement = Some(agreement_planning(c, tenant).await?.defaults);
            }
            let page = repo::forecast::items_page(c, tenant, self.after.as_deref(), ITEMS_PER_CHUNK).await?;
            let Some(last) = page.last() else {
                self.vendor += 1;
                self.after = None;
                self.agreement = None;
                continue;
            };
            self.after = Some(last.vendor_sku.clone());
            let agreement = self.agreement.clone().unwrap_or_default();
            let ids: Vec<Uuid> = page.iter().map(|i| i.id).collect();
            let weeks = repo::forecast::sales_window(c, &ids, self.from, self.to).await?;
            let overrides: HashMap<(Uuid, Uuid), _> =
                repo::forecast::params_of_items(c, &ids).await?.into_iter().map(|p| ((p.item_id, p.dc_id), p.overrides)).collect();
            let open = on_order(&repo::forecast::open_lines(c, tenant, &ids).await?);
            let items: HashMap<Uuid, &PlanItem> = page.iter().map(|i| (i.id, i)).collect();
            let series = densify(&weeks, self.from)
                .into_iter()
                .filter_map(|(item_id, dc_id, sales, on_hand, last_on_hand)| {
                    let item = items.get(&item_id)?;
                    Some(Series {
                        tenant,
                        item_id,
                        dc_id,
                        sales,
                        on_hand,
                        last_on_hand,
                        on_order: open.get(&(item_id, dc_id)).copied().unwrap_or(0),
                        case_pack: item.case_pack.max(1),
                        active: item.status == "active",
                        params: effective(overrides.get(&(item_id, dc_id)), Some(&agreement)),
                    })
                })
                .collect();
            return Ok(Some(Chunk { items: ids, series }));
        }
    }
}

type Dense = (Uuid, Uuid, Vec<u32>, Vec<Option<u32>>, Option<(NaiveDate, i64)>);

/// Rows ordered by item, DC and week → one dense series per item × DC: 156 weeks from `from`, weeks
/// without a row sold 0 with on hand unknown.
fn densify(weeks: &[WindowWeek], from: NaiveDate) -> Vec<Dense> {
    let mut out: Vec<Dense> = Vec::new();
    for w in weeks {
        let Ok(i) = usize::try_from((w.week_start - from).num_weeks()) else { continue };
        if i >= HISTORY_WEEKS {
            continue;
        }
        if out.last().is_none_or(|d| (d.0, d.1) != (w.item_id, w.dc_id)) {
            out.push((w.item_id, w.dc_id, vec![0; HISTORY_WEEKS], vec![None; HISTORY_WEEKS], None));
        }
        let Some(d) = out.last_mut() else { continue };
        d.2[i] = u32::try_from(w.units).unwrap_or(u32::MAX);
        d.3[i] = w.on_hand.map(|h| u32::try_from(h).unwrap_or(u32::MAX));
        if let Some(h) = w.on_hand {
            d.4 = Some((w.week_start, h));
        }
    }
    out
}

/// Units on order per item × DC: for each open line not cancelled or rejected, what the vendor has
/// committed to (accepted + backordered) once it has answered, else what was ordered, less what has
/// been received.
fn on_order(lines: &[OpenLine]) -> HashMap<(Uuid, Uuid), i64> {
    let mut out = HashMap::new();
    for l in lines {
        if l.cancelled || l.confirmation == LineConfirmation::Rejected.as_str() {
            continue;
        }
        let expected =
            if l.confirmation == LineConfirmation::Unconfirmed.as_str() { l.ordered_quantity.saturating_mul(l.unit_size) } else { l.committed_eaches };
        *out.entry((l.item_id, l.dc_id)).or_insert(0) += (expected - l.received_eaches).max(0);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Computing (on the blocking pool)

/// A chunk's rows, ready to write.
struct Computed {
    items: Vec<Uuid>,
    item_count: u64,
    series: u64,
    forecasts: Vec<StoredForecast>,
    suggestions: Vec<Suggestion>,
    /// "item … at DC …: reason" for each series that failed (forecast or suggestion).
    failures: Vec<String>,
}

impl Computed {
    /// Series forecast whose suggestion could not be computed (forecast stored, counted failed).
    fn failures_of_suggestions(&self) -> u64 {
        (self.failures.len() as u64).saturating_sub(self.series - self.forecasts.len() as u64)
    }
}

fn compute(chunk: Chunk, run_id: Uuid, history_end: NaiveDate, at: DateTime<Utc>) -> Computed {
    let config = Config { horizon: HORIZON_WEEKS, ..Config::default() };
    let histories: Vec<History> = chunk.series.iter().map(|s| History { sales: &s.sales, on_hand: Some(&s.on_hand) }).collect();
    let forecasts = if histories.is_empty() { Vec::new() } else { forecast_batch(&histories, &config) };
    let first_week = history_end + Duration::weeks(1);
    let from = history_end - Duration::weeks(HISTORY_WEEKS as i64 - 1);
    let mut out = Computed {
        item_count: chunk.items.len() as u64,
        series: chunk.series.len() as u64,
        forecasts: Vec::with_capacity(forecasts.len()),
        suggestions: Vec::new(),
        failures: Vec::new(),
        items: chunk.items,
    };
    for (s, f) in chunk.series.iter().zip(&forecasts) {
        match stored_forecast(s, f, run_id, first_week, from, at) {
            Ok(row) => out.forecasts.push(row),
            Err(e) => {
                out.failures.push(format!("item {} at DC {}: {e}", s.item_id, s.dc_id));
                continue;
            }
        }
        if !s.active {
            continue;
        }
        match suggestion(s, f, run_id, history_end, at) {
            Ok(Some(row)) => out.suggestions.push(row),
            Ok(None) => {}
            Err(e) => out.failures.push(format!("item {} at DC {}: {e}", s.item_id, s.dc_id)),
        }
    }
    out
}

/// A ratio ×10⁴, `None` when not finite.
fn e4(x: f64) -> Option<i64> {
    x.is_finite().then(|| (x * 10_000.0).round() as i64)
}

/// Two decimals are plenty for a weekly mean shown and summed; they halve the stored JSON.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn stored_forecast(s: &Series, f: &Forecast, run_id: Uuid, first_week: NaiveDate, from: NaiveDate, at: DateTime<Utc>) -> Result<StoredForecast, String> {
    if f.mean.len() != HORIZON_WEEKS || f.quantiles.len() != HORIZON_WEEKS || f.mean.iter().any(|m| !m.is_finite()) {
        return Err(format!("the engine returned {} weeks (or a non-finite mean), not {HORIZON_WEEKS}", f.mean.len()));
    }
    let weeks = ForecastWeeks {
        mean: f.mean.iter().map(|&m| round2(m)).collect(),
        p50: f.quantiles.iter().map(|q| q[0]).collect(),
        p70: f.quantiles.iter().map(|q| q[1]).collect(),
        p80: f.quantiles.iter().map(|q| q[2]).collect(),
        p90: f.quantiles.iter().map(|q| q[3]).collect(),
    };
    // The back-test against what sold (not the engine's censoring-adjusted actuals): WAPE and bias as
    // the vendor reads them.
    let mut points = Vec::new();
    let (mut mase, mut rmsse, mut wape, mut bias) = (None, None, None, None);
    if let Some(b) = &f.backtest {
        for (k, &mean) in b.forecast.iter().enumerate() {
            let i = b.origin + k;
            let Some(&sold) = s.sales.get(i) else { break };
            points.push(BacktestPoint { week: from + Duration::weeks(i as i64), actual: i64::from(sold), mean: round2(mean) });
        }
        let sold: f64 = points.iter().map(|p| p.actual as f64).sum();
        if sold > 0.0 {
            wape = e4(points.iter().map(|p| (p.actual as f64 - p.mean).abs()).sum::<f64>() / sold);
            bias = e4(points.iter().map(|p| p.mean - p.actual as f64).sum::<f64>() / sold);
        }
        mase = e4(b.mase);
        rmsse = e4(b.rmsse);
    }
    Ok(StoredForecast {
        id: new_id(),
        run_id,
        tenant: s.tenant,
        item_id: s.item_id,
        dc_id: s.dc_id,
        first_week,
        method: f.method.name(),
        class: f.class.as_str().to_string(),
        weeks_json: json(&weeks)?,
        model_json: json(&f.dist)?,
        mase_e4: mase,
        rmsse_e4: rmsse,
        wape_e4: wape,
        bias_e4: bias,
        backtest_json: json(&points)?,
        created_at: at,
    })
}

/// JSON text of a packed column, with the error named.
fn json<T: Serialize + ?Sized>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| format!("cannot write the forecast as JSON: {e}"))
}

/// The parameters and workings stored with a suggestion (`params_json`).
#[derive(Serialize)]
struct SuggestionParams<'a> {
    history_end: NaiveDate,
    lead_time_weeks: u16,
    review_weeks: u16,
    service_target: rust_decimal::Decimal,
    moq: i64,
    max_cover_weeks: u16,
    case_pack: i64,
    sources: &'a acorn_domain::forecast::ParamSources,
    on_hand_week: Option<NaiveDate>,
    expected_demand: f64,
    expected_review_demand: f64,
    cover_cap: Option<u64>,
    adjustments: &'a [replenish::Adjustment],
}

fn suggestion(s: &Series, f: &Forecast, run_id: Uuid, history_end: NaiveDate, at: DateTime<Utc>) -> Result<Option<Suggestion>, String> {
    let p = &s.params.params;
    let weeks = usize::from(p.lead_time_weeks) + usize::from(p.review_weeks);
    if weeks > HORIZON_WEEKS {
        return Err(format!("lead time + review period is {weeks} weeks, longer than the {HORIZON_WEEKS} weeks forecast"));
    }
    let tau = p.service_target.to_f64().ok_or_else(|| format!("service target {} is not a probability", p.service_target))?;
    let params = replenish::Params {
        lead_time_days: u32::from(p.lead_time_weeks) * 7,
        review_period_days: u32::from(p.review_weeks) * 7,
        service: replenish::Service::Target(tau),
        case_pack: s.case_pack as u64,
        moq: p.moq.max(0) as u64,
        max_cover_weeks: Some(f64::from(p.max_cover_weeks)),
    };
    let position = Position { on_hand: s.last_on_hand.map_or(0, |(_, h)| h), on_order: s.on_order, backorders: 0 };
    let pmfs: Vec<_> = (0..weeks).map(|w| f.week_pmf(w)).collect();
    let r = replenish::suggest(&pmfs, position, &params).map_err(|e| format!("no suggestion: {e:?}"))?;
    if r.quantity == 0 {
        return Ok(None);
    }
    let explanation = explain(s, &r, weeks);
    let workings = SuggestionParams {
        history_end,
        lead_time_weeks: p.lead_time_weeks,
        review_weeks: p.review_weeks,
        service_target: p.service_target,
        moq: p.moq,
        max_cover_weeks: p.max_cover_weeks,
        case_pack: s.case_pack,
        sources: &s.params.sources,
        on_hand_week: s.last_on_hand.map(|(w, _)| w),
        expected_demand: round2(r.expected_demand),
        expected_review_demand: round2(r.expected_review_demand),
        cover_cap: r.cover_cap,
        adjustments: &r.adjustments,
    };
    let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(Some(Suggestion {
        id: new_id(),
        run_id: Some(run_id),
        origin: SuggestionOrigin::Job,
        delivery_on: None,
        tenant: s.tenant,
        item_id: s.item_id,
        dc_id: s.dc_id,
        raw_quantity: count(r.raw_quantity),
        quantity: count(r.quantity),
        order_up_to: count(r.order_up_to),
        on_hand: position.on_hand,
        on_order: position.on_order,
        backorders: position.backorders,
        fill_rate_e4: e4(r.expected_fill_rate).unwrap_or(0),
        leftover: r.expected_leftover.round() as i64,
        explanation,
        params_json: serde_json::to_string(&workings).map_err(|e| format!("cannot write the parameters as JSON: {e}"))?,
        status: SuggestionStatus::Proposed,
        adjusted_quantity: None,
        po_id: None,
        decided_by: None,
        decided_at: None,
        created_at: at,
        updated_at: at,
    }))
}

/// The suggestion in plain English: the order-up-to level and what it covers, the position, the raw
/// order, and each rule that changed it — the last one named is the one that bound.
fn explain(s: &Series, r: &replenish::Suggestion, weeks: usize) -> String {
    let p = &s.params.params;
    let pct = (p.service_target * rust_decimal::Decimal::ONE_HUNDRED).normalize();
    let on_hand = match s.last_on_hand {
        Some((w, h)) => format!("{h} on hand (reported for {})", week_label(w)),
        None => "0 on hand (none reported)".to_string(),
    };
    let mut e = format!(
        "Order up to {} units: {pct} % of demand over {} lead time + {} review ({}, {:.1} units expected) is covered. \
         Position {} = {on_hand} + {} on order. Raw order {}.",
        r.order_up_to,
        plural_weeks(p.lead_time_weeks.into()),
        plural_weeks(p.review_weeks.into()),
        plural_weeks(weeks),
        r.expected_demand,
        r.inventory_position,
        s.on_order,
        r.raw_quantity
    );
    for a in &r.adjustments {
        let _ = match a.reason {
            Reason::RoundedToCasePack => write!(e, " Rounded up to whole cases of {}: {}.", s.case_pack, a.to),
            Reason::RaisedToMoq => write!(e, " Raised to the minimum order quantity of {}: {}.", p.moq, a.to),
            Reason::CappedByCover => write!(e, " Capped at {} of cover: {}.", plural_weeks(p.max_cover_weeks.into()), a.to),
        };
    }
    let binding = match r.adjustments.last().map(|a| a.reason) {
        None => "the order-up-to level".to_string(),
        Some(Reason::RoundedToCasePack) => format!("the case pack of {}", s.case_pack),
        Some(Reason::RaisedToMoq) => format!("the minimum order quantity of {}", p.moq),
        Some(Reason::CappedByCover) => format!("the maximum cover of {}", plural_weeks(p.max_cover_weeks.into())),
    };
    let _ = write!(e, " Suggested {} units, set by {binding}.", r.quantity);
    e
}

fn plural_weeks(n: usize) -> String {
    if n == 1 { "1 week".into() } else { format!("{n} weeks") }
}

/// The stored forecast's weeks and per-week distribution model, as written by the run: what rebuilds
/// any week's distribution (`WeekDist::pmf(mean)`) for totals over several weeks.
pub fn read_forecast(f: &StoredForecast) -> Result<(ForecastWeeks, WeekDist, Vec<BacktestPoint>), ServiceError> {
    let weeks: ForecastWeeks = serde_json::from_str(&f.weeks_json).map_err(|e| ServiceError::internal(format!("forecast {} weeks_json: {e}", f.id)))?;
    let model: WeekDist = serde_json::from_str(&f.model_json).map_err(|e| ServiceError::internal(format!("forecast {} model_json: {e}", f.id)))?;
    let backtest: Vec<BacktestPoint> =
        serde_json::from_str(&f.backtest_json).map_err(|e| ServiceError::internal(format!("forecast {} backtest_json: {e}", f.id)))?;
    Ok((weeks, model, backtest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn series_are_dense_with_missing_weeks_sold_zero() {
        let (item, dc, from) = (new_id(), new_id(), d("2024-01-01"));
        let row = |w: i64, units: i64, on_hand: Option<i64>| WindowWeek { item_id: item, dc_id: dc, week_start: from + Duration::weeks(w), units, on_hand };
        let dense = densify(&[row(3, 5, Some(10)), row(10, 2, None), row(155, 7, Some(0))], from);
        assert_eq!(dense.len(), 1);
        let (_, _, sales, on_hand, last) = &dense[0];
        assert_eq!((sales.len(), sales[3], sales[10], sales[155], sales[4]), (HISTORY_WEEKS, 5, 2, 7, 0));
        assert_eq!((on_hand[3], on_hand[10], on_hand[155], on_hand[4]), (Some(10), None, Some(0), None));
        assert_eq!(*last, Some((from + Duration::weeks(155), 0)));
    }

    #[test]
    fn on_order_counts_what_will_still_arrive() {
        let (item, dc) = (new_id(), new_id());
        let line = |confirmation: LineConfirmation, committed: i64, received: i64, cancelled: bool| OpenLine {
            item_id: item,
            dc_id: dc,
            ordered_quantity: 10,
            unit_size: 6,
            cancelled,
            confirmation: confirmation.as_str().into(),
            committed_eaches: committed,
            received_eaches: received,
        };
        let lines = [
            line(LineConfirmation::Unconfirmed, 0, 12, false),       // 60 ordered, 12 in: 48
            line(LineConfirmation::PartiallyAccepted, 30, 0, false), // vendor committed 30
            line(LineConfirmation::Rejected, 0, 0, false),           // nothing will come
            line(LineConfirmation::Accepted, 60, 0, true),           // cancelled
            line(LineConfirmation::Accepted, 60, 70, false),         // over-received: 0, not negative
        ];
        assert_eq!(on_order(&lines).get(&(item, dc)), Some(&78));
    }

    #[test]
    fn failures_are_counted_and_the_first_named() {
        assert_eq!(failure_message(&[], 0), "");
        let many: Vec<String> = (0..7).map(|i| format!("f{i}")).collect();
        assert_eq!(failure_message(&many, 7), "7 series failed: f0; f1; f2; f3; f4; …");
    }
}
