//! Forecasting data: weekly sales history per item × DC, the planning parameters replenishment uses
//! (per item × DC, falling back field by field to the vendor agreement and then to the retailer's
//! system defaults), and the shapes of stored forecast runs, replenishment suggestions and vendor
//! supply commitments (DOMAIN.md, "Forecast and replenishment").
//!
//! Weeks are ISO weeks, named by their Monday: a sales week is a calendar week of the place that sold
//! (the DC's local calendar, which is the retailer's time there), so the stored key is a date, never an
//! instant. Input may name a week as `2026-W05` or by its Monday `2026-01-26`; anything else is refused
//! with the form expected.
//!
//! The service target τ is a `Decimal` (it is a business number the buyer types, compared and shown
//! exactly); only the engine turns it into a probability.

use chrono::{DateTime, Datelike, Days, IsoWeek, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::TenantId;
use crate::text_enum;
use crate::time::{Tz, to_local};

/// The earliest week ACORN accepts sales for (older history says nothing about demand today).
pub const FIRST_WEEK: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 3) {
    Some(d) => d,
    None => panic!("2000-01-03 is a date"),
};

/// The most units one item may sell (or hold) at one DC in one week: far above any real figure, low
/// enough that sums over years never overflow.
pub const MAX_WEEKLY_UNITS: i64 = 1_000_000_000;

/// Weeks in a forecast horizon (DOMAIN.md: the next 52 ISO weeks).
pub const HORIZON_WEEKS: usize = 52;

// ---------------------------------------------------------------------------------------------
// Weeks

/// The Monday of the ISO week `day` falls in.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The ISO name of the week starting on `monday`, e.g. `2026-W05` (the ISO year, which differs from
/// the calendar year for a few days around New Year).
pub fn week_label(monday: NaiveDate) -> String {
    let w: IsoWeek = monday.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The last week that has ended at instant `now` in zone `tz`: the Monday before the Monday of today's
/// local week. Sales of the running week are not complete, so they are neither accepted nor forecast from.
pub fn last_completed_week(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    week_start(to_local(tz, now).date()) - Days::new(7)
}

/// Reads a week: `2026-W05` (also `2026W05`, `2026-w5`) or the Monday's date `2026-01-26`. A date that
/// is not a Monday is refused with the Monday and ISO week it belongs to, so the fix is one copy away.
pub fn parse_week(input: &str) -> Result<NaiveDate, String> {
    let v = input.trim();
    const FORM: &str = "give the ISO week like 2026-W05 or the date of its Monday like 2026-01-26";
    if v.is_empty() {
        return Err(format!("is required; {FORM}"));
    }
    let upper = v.to_ascii_uppercase();
    if let Some((year, week)) = upper.split_once('W') {
        let year = year.strip_suffix('-').unwrap_or(year);
        let (Ok(y), Ok(w)) = (year.parse::<i32>(), week.parse::<u32>()) else {
            return Err(format!("`{v}` is not a week; {FORM}"));
        };
        if !(1..=9999).contains(&y) || year.len() != 4 || week.is_empty() || week.len() > 2 {
            return Err(format!("`{v}` is not a week; {FORM}"));
        }
        return NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).ok_or_else(|| format!("{y} has no ISO week {w}; its weeks run from W01 to W52 or W53"));
    }
    let day = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| format!("`{v}` is not a week; {FORM}"))?;
    let monday = week_start(day);
    if monday != day {
        return Err(format!("{day} is a {}, not a Monday; its week is {} (Monday {monday})", weekday_name(day.weekday()), week_label(monday)));
    }
    Ok(day)
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Checks a week is one sales may be recorded for: from [`FIRST_WEEK`] up to `latest` (the last
/// completed week).
pub fn sales_week(input: &str, latest: NaiveDate) -> Result<NaiveDate, String> {
    let monday = parse_week(input)?;
    if monday < FIRST_WEEK {
        return Err(format!("{} is before {}; ACORN keeps sales from {} on", week_label(monday), week_label(FIRST_WEEK), FIRST_WEEK));
    }
    if monday > latest {
        return Err(format!("{} has not ended yet; the latest week with complete sales is {} (Monday {latest})", week_label(monday), week_label(latest)));
    }
    Ok(monday)
}

// ---------------------------------------------------------------------------------------------
// Weekly sales

/// A count of units: a whole number from 0 to [`MAX_WEEKLY_UNITS`].
pub fn units(value: i64) -> Result<i64, String> {
    if value < 0 {
        Err(format!("must not be negative (is {value}); returns are not sales"))
    } else if value > MAX_WEEKLY_UNITS {
        Err(format!("is {value}; at most {MAX_WEEKLY_UNITS} units a week are accepted"))
    } else {
        Ok(value)
    }
}

/// A count of units typed as text (a CSV cell): a whole number, `1,200` and `1 200` not accepted
/// because separators differ by locale and a misread thousand is a wrong forecast.
pub fn units_text(input: &str) -> Result<i64, String> {
    let v = input.trim();
    if v.is_empty() {
        return Err("is required: a whole number of units, 0 or more".into());
    }
    // `12.0` is what spreadsheets write for a whole number cell: accept it, refuse any real fraction.
    let whole = v.strip_suffix(".0").or_else(|| v.strip_suffix(".00")).unwrap_or(v);
    match whole.parse::<i64>() {
        Ok(n) => units(n),
        Err(_) => Err(format!("`{v}` is not a whole number of units (digits only, no separators)")),
    }
}

/// On hand at week end, optional: empty means not reported.
pub fn on_hand_text(input: &str) -> Result<Option<i64>, String> {
    if input.trim().is_empty() { Ok(None) } else { units_text(input).map(Some) }
}

/// One week of sales of one item at one DC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesWeek {
    pub tenant: TenantId,
    pub item_id: Uuid,
    pub dc_id: Uuid,
    /// The Monday of the ISO week.
    pub week_start: NaiveDate,
    /// Units sold to consumers in the week.
    pub units: i64,
    /// Units on hand at the DC when the week ended; `None` when not reported. 0 with no sales marks a
    /// stock-out, which the engine reads as censored demand rather than zero demand.
    pub on_hand: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SalesWeek {
    /// Whether the figures (not the bookkeeping) equal another record's: a re-import of the same rows
    /// changes nothing.
    pub fn same_figures(&self, units: i64, on_hand: Option<i64>) -> bool {
        self.units == units && self.on_hand == on_hand
    }
}

// ---------------------------------------------------------------------------------------------
// Planning parameters

/// The retailer's system defaults, used where neither the item × DC nor the agreement says otherwise.
pub const SYSTEM_DEFAULTS: PlanningParams = PlanningParams {
    lead_time_weeks: 2,
    review_weeks: 1,
    service_target: Decimal::from_parts(95, 0, 0, false, 2),
    moq: 0,
    max_cover_weeks: 12,
    vmi_min: None,
    vmi_max: None,
};

/// The longest lead time, review period or cover ACORN plans with: two years.
pub const MAX_WEEKS: u16 = 104;

/// Reads a service target as typed: `0.95`, or a percentage `95%` / `95 %` (τ = 0.95). Range and
/// precision are checked by [`PlanningOverrides::issues`].
pub fn parse_service_target(input: &str) -> Result<Decimal, String> {
    let v = input.trim();
    let bad = || format!("`{v}` is not a service target; write it like 0.95 or 95%");
    if let Some(p) = v.strip_suffix('%') {
        let p: Decimal = p.trim().parse().map_err(|_| bad())?;
        return Ok((p / Decimal::ONE_HUNDRED).normalize());
    }
    v.parse::<Decimal>().map(|d| d.normalize()).map_err(|_| bad())
}

/// Complete planning parameters: what replenishment computes with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanningParams {
    /// Weeks from order to receipt, > 0.
    pub lead_time_weeks: u16,
    /// Weeks between reviews (orders), ≥ 1.
    pub review_weeks: u16,
    /// τ: the probability demand over lead time + review is covered, in (0, 1).
    pub service_target: Decimal,
    /// Minimum order quantity in units, ≥ 0 (0: none).
    pub moq: i64,
    /// An order never raises stock above this many weeks of mean demand, > 0.
    pub max_cover_weeks: u16,
    /// Under VMI: the stock range (units) the vendor's proposals must keep; both or neither.
    pub vmi_min: Option<i64>,
    pub vmi_max: Option<i64>,
}

/// Parameters as set at one level (item × DC, or the agreement): each field may be left to the next level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanningOverrides {
    pub lead_time_weeks: Option<u16>,
    pub review_weeks: Option<u16>,
    pub service_target: Option<Decimal>,
    pub moq: Option<i64>,
    pub max_cover_weeks: Option<u16>,
    pub vmi_min: Option<i64>,
    pub vmi_max: Option<i64>,
}

text_enum! {
    /// Where an effective parameter came from.
    pub enum ParamSource { ItemDc = "item_dc", Agreement = "agreement", System = "system" }
}

/// The effective value of every parameter and the level each came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectiveParams {
    pub params: PlanningParams,
    pub sources: ParamSources,
}

/// The level each field of [`EffectiveParams::params`] came from (VMI min/max travel together).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamSources {
    pub lead_time_weeks: ParamSource,
    pub review_weeks: ParamSource,
    pub service_target: ParamSource,
    pub moq: ParamSource,
    pub max_cover_weeks: ParamSource,
    pub vmi_range: ParamSource,
}

/// Field names the validator reports, so the same rules name `lead_time_weeks` on the item × DC form
/// and `planning.lead_time_weeks` inside the agreement terms.
pub struct ParamFields {
    pub lead_time_weeks: &'static str,
    pub review_weeks: &'static str,
    pub service_target: &'static str,
    pub moq: &'static str,
    pub max_cover_weeks: &'static str,
    pub vmi_min: &'static str,
    pub vmi_max: &'static str,
}

impl ParamFields {
    pub const PLAIN: ParamFields = ParamFields {
        lead_time_weeks: "lead_time_weeks",
        review_weeks: "review_weeks",
        service_target: "service_target",
        moq: "moq",
        max_cover_weeks: "max_cover_weeks",
        vmi_min: "vmi_min",
        vmi_max: "vmi_max",
    };
    pub const IN_TERMS: ParamFields = ParamFields {
        lead_time_weeks: "planning.lead_time_weeks",
        review_weeks: "planning.review_weeks",
        service_target: "planning.service_target",
        moq: "planning.moq",
        max_cover_weeks: "planning.max_cover_weeks",
        vmi_min: "planning.vmi_min",
        vmi_max: "planning.vmi_max",
    };
}

/// Decimal places τ may carry (99.95 % yes, 99.955 % no).
const TARGET_DECIMALS: u32 = 4;

impl PlanningOverrides {
    /// Nothing overridden.
    pub fn is_empty(&self) -> bool {
        *self == PlanningOverrides::default()
    }

    /// Every problem, each with its field name from `f`.
    pub fn issues(&self, f: &ParamFields) -> Vec<(&'static str, String)> {
        let mut issues = Vec::new();
        let weeks = |issues: &mut Vec<(&'static str, String)>, field: &'static str, v: Option<u16>, min: u16| {
            if let Some(v) = v
                && !(min..=MAX_WEEKS).contains(&v)
            {
                issues.push((field, format!("must be from {min} to {MAX_WEEKS} weeks (is {v})")));
            }
        };
        weeks(&mut issues, f.lead_time_weeks, self.lead_time_weeks, 1);
        weeks(&mut issues, f.review_weeks, self.review_weeks, 1);
        weeks(&mut issues, f.max_cover_weeks, self.max_cover_weeks, 1);
        if let Some(t) = self.service_target {
            if t <= Decimal::ZERO || t >= Decimal::ONE {
                issues.push((f.service_target, format!("must be above 0 and below 1, e.g. 0.95 for 95 % (is {t})")));
            } else if t.normalize().scale() > TARGET_DECIMALS {
                issues.push((f.service_target, format!("has {} decimal places; at most {TARGET_DECIMALS} are allowed", t.normalize().scale())));
            }
        }
        let count = |issues: &mut Vec<(&'static str, String)>, field: &'static str, v: Option<i64>| {
            if let Some(v) = v
                && let Err(e) = units(v)
            {
                issues.push((field, e));
            }
        };
        count(&mut issues, f.moq, self.moq);
        count(&mut issues, f.vmi_min, self.vmi_min);
        count(&mut issues, f.vmi_max, self.vmi_max);
        match (self.vmi_min, self.vmi_max) {
            (Some(_), None) => issues.push((f.vmi_max, "is required when a VMI minimum is set (the range has both ends)".into())),
            (None, Some(_)) => issues.push((f.vmi_min, "is required when a VMI maximum is set (the range has both ends)".into())),
            (Some(min), Some(max)) if min > max => issues.push((f.vmi_max, format!("must be at least the VMI minimum ({min})"))),
            _ => {}
        }
        issues
    }

    /// Validated with the plain field names, as the API and the form report them.
    pub fn validate(&self) -> Result<(), Vec<crate::validate::FieldIssue>> {
        let issues = self.issues(&ParamFields::PLAIN);
        if issues.is_empty() { Ok(()) } else { Err(issues.into_iter().map(|(f, i)| crate::validate::FieldIssue::new(f, i)).collect()) }
    }
}

/// The effective parameters: each field from the item × DC override, else the agreement, else
/// [`SYSTEM_DEFAULTS`]. The VMI range is taken as a pair from the first level that sets it.
pub fn effective(item_dc: Option<&PlanningOverrides>, agreement: Option<&PlanningOverrides>) -> EffectiveParams {
    fn pick<T: Copy>(levels: [(Option<T>, ParamSource); 2], system: T) -> (T, ParamSource) {
        levels.into_iter().find_map(|(v, s)| v.map(|v| (v, s))).unwrap_or((system, ParamSource::System))
    }
    let none = PlanningOverrides::default();
    let (i, a) = (item_dc.unwrap_or(&none), agreement.unwrap_or(&none));
    let (lead_time_weeks, s_lead) =
        pick([(i.lead_time_weeks, ParamSource::ItemDc), (a.lead_time_weeks, ParamSource::Agreement)], SYSTEM_DEFAULTS.lead_time_weeks);
    let (review_weeks, s_review) = pick([(i.review_weeks, ParamSource::ItemDc), (a.review_weeks, ParamSource::Agreement)], SYSTEM_DEFAULTS.review_weeks);
    let (service_target, s_target) =
        pick([(i.service_target, ParamSource::ItemDc), (a.service_target, ParamSource::Agreement)], SYSTEM_DEFAULTS.service_target);
    let (moq, s_moq) = pick([(i.moq, ParamSource::ItemDc), (a.moq, ParamSource::Agreement)], SYSTEM_DEFAULTS.moq);
    let (max_cover_weeks, s_cover) =
        pick([(i.max_cover_weeks, ParamSource::ItemDc), (a.max_cover_weeks, ParamSource::Agreement)], SYSTEM_DEFAULTS.max_cover_weeks);
    let range = |o: &PlanningOverrides| o.vmi_min.zip(o.vmi_max);
    let (vmi, s_vmi) = match (range(i), range(a)) {
        (Some(r), _) => (Some(r), ParamSource::ItemDc),
        (None, Some(r)) => (Some(r), ParamSource::Agreement),
        (None, None) => (None, ParamSource::System),
    };
    EffectiveParams {
        params: PlanningParams { lead_time_weeks, review_weeks, service_target, moq, max_cover_weeks, vmi_min: vmi.map(|r| r.0), vmi_max: vmi.map(|r| r.1) },
        sources: ParamSources {
            lead_time_weeks: s_lead,
            review_weeks: s_review,
            service_target: s_target,
            moq: s_moq,
            max_cover_weeks: s_cover,
            vmi_range: s_vmi,
        },
    }
}

/// The forecasting part of a vendor agreement: whether the vendor manages the inventory (VMI: it
/// proposes the orders within the agreed range) and the default planning parameters for its items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgreementPlanning {
    pub vmi: bool,
    #[serde(flatten)]
    pub defaults: PlanningOverrides,
}

/// One item × DC's stored override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemDcParams {
    pub tenant: TenantId,
    pub item_id: Uuid,
    pub dc_id: Uuid,
    pub overrides: PlanningOverrides,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Forecast runs, stored forecasts, suggestions, commitments

text_enum! {
    /// A forecast run's state: a run that dies while `running` is found by its stale `started_at`.
    pub enum RunStatus { Running = "running", Succeeded = "succeeded", Failed = "failed" }
}

text_enum! {
    /// A replenishment suggestion's state: the buyer adjusts, approves (into a PO) or rejects it.
    pub enum SuggestionStatus { Proposed = "proposed", Adjusted = "adjusted", Approved = "approved", Rejected = "rejected", Ordered = "ordered" }
}

text_enum! {
    /// Where a suggestion came from: the forecast job, or a vendor's proposal under VMI.
    pub enum SuggestionOrigin { Job = "job", Vmi = "vmi" }
}

/// One run of the forecast job over every item × DC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForecastRun {
    pub id: Uuid,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The last week of history used (the horizon starts the week after).
    pub history_end: NaiveDate,
    pub status: RunStatus,
    pub series_total: i64,
    pub series_done: i64,
    pub series_failed: i64,
    pub suggestions: i64,
    /// What went wrong, for a failed run (or the first failures of a succeeded one).
    pub message: String,
    /// Who started it (`job:forecast`, `cli:…`).
    pub started_by: String,
    /// When the run last reported progress: a `running` run silent for [`RUN_STALE_AFTER_SECS`] died
    /// with its process and may be taken over.
    pub heartbeat_at: DateTime<Utc>,
}

/// Seconds without progress after which a `running` forecast run is taken for dead (a chunk takes
/// seconds; a process that stops mid-run leaves its row `running`).
pub const RUN_STALE_AFTER_SECS: i64 = 600;

/// `forecasts.weeks_json`: the 52 weekly means and integer quantiles, week 0 first (the week after
/// the run's `history_end`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastWeeks {
    pub mean: Vec<f64>,
    pub p50: Vec<u32>,
    pub p70: Vec<u32>,
    pub p80: Vec<u32>,
    pub p90: Vec<u32>,
}

/// One week of `forecasts.backtest_json`: what the chosen method forecast for a past week from an
/// earlier origin, next to the units that sold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestPoint {
    /// The week's Monday.
    pub week: NaiveDate,
    /// Units sold that week (as recorded; a stock-out week shows what sold, not the demand).
    pub actual: i64,
    /// The forecast mean for that week.
    pub mean: f64,
}

/// The weekly forecast of one item × DC from one run. The numbers are packed (one row per series, not
/// per week): `weeks_json` holds the 52 weekly means and P50/P70/P80/P90, `model_json` whatever the
/// engine needs to rebuild each week's distribution (family and parameters), `backtest_json` the
/// back-test points (week, actual, forecast). ACORN stores them as the engine gives them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredForecast {
    pub id: Uuid,
    pub run_id: Uuid,
    pub tenant: TenantId,
    pub item_id: Uuid,
    pub dc_id: Uuid,
    /// The first forecast week (Monday).
    pub first_week: NaiveDate,
    /// The engine's method name (e.g. `ets`, `croston`, `zero`).
    pub method: String,
    /// The demand class (e.g. `smooth`, `intermittent`, `lumpy`, `erratic`, `new`, `dead`).
    pub class: String,
    pub weeks_json: String,
    pub model_json: String,
    /// Back-test accuracy as ratios ×10⁴ (integers, so lists sort and compare exactly), `None` without
    /// enough history: the engine's MASE and RMSSE, and the weighted absolute percentage error (WAPE)
    /// and bias over the back-test points, which is what the vendor is shown.
    pub mase_e4: Option<i64>,
    pub rmsse_e4: Option<i64>,
    pub wape_e4: Option<i64>,
    pub bias_e4: Option<i64>,
    pub backtest_json: String,
    pub created_at: DateTime<Utc>,
}

/// A replenishment suggestion for one item × DC: from one forecast run (`origin` job), or proposed by
/// the vendor under VMI (`origin` vmi, no run, with the delivery date it proposes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub id: Uuid,
    /// The forecast run that computed it; `None` for a VMI proposal.
    pub run_id: Option<Uuid>,
    pub origin: SuggestionOrigin,
    /// The delivery date proposed with it (VMI proposals); a job's suggestion has none (the buyer's
    /// order options, else the lead time, date the PO).
    pub delivery_on: Option<NaiveDate>,
    pub tenant: TenantId,
    pub item_id: Uuid,
    pub dc_id: Uuid,
    /// The order before case pack, MOQ and cover cap: max(0, S − position).
    pub raw_quantity: i64,
    /// The order quantity computed (units, after case pack, MOQ and cover cap).
    pub quantity: i64,
    /// S: the order-up-to level.
    pub order_up_to: i64,
    pub on_hand: i64,
    pub on_order: i64,
    pub backorders: i64,
    /// Expected fill rate with this order (×10⁴).
    pub fill_rate_e4: i64,
    /// Expected units left at the end of the cover period.
    pub leftover: i64,
    /// Why this quantity, in words (which rule bound it).
    pub explanation: String,
    /// The parameters used, as JSON (so a later parameter change does not rewrite history).
    pub params_json: String,
    pub status: SuggestionStatus,
    pub adjusted_quantity: Option<i64>,
    pub po_id: Option<Uuid>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A vendor's answer to a suggestion: the quantity and date it can supply, or a shortfall with a reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commitment {
    pub id: Uuid,
    pub suggestion_id: Uuid,
    pub tenant: TenantId,
    pub quantity: i64,
    pub available_on: Option<NaiveDate>,
    pub shortfall: i64,
    pub reason: String,
    pub committed_by: String,
    pub committed_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Deciding on suggestions, committing to them, proposing under VMI

/// The most units one suggestion (and so one PO line) may order: the PO line limit.
pub const MAX_ORDER_UNITS: i64 = 1_000_000;

/// Longest commitment shortfall reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

impl Suggestion {
    /// The quantity in force: the buyer's adjustment, else the computed (or proposed) one.
    pub fn current_quantity(&self) -> i64 {
        self.adjusted_quantity.unwrap_or(self.quantity)
    }

    /// Whether the buyer can still decide on it (adjust, reject, approve).
    pub fn is_open(&self) -> bool {
        matches!(self.status, SuggestionStatus::Proposed | SuggestionStatus::Adjusted)
    }
}

/// A buyer's quantity, read against the item's case pack. Orders are whole cases, so a quantity
/// that is not a multiple is rounded UP to the next case (never down: the buyer asked for at least
/// that many units, and under-ordering is the costlier mistake); the caller tells the buyer. Returns
/// the quantity to store and, when it was rounded, the quantity typed.
pub fn adjusted_quantity(typed: i64, case_pack: i64) -> Result<(i64, Option<i64>), String> {
    if typed < 0 {
        return Err(format!("must not be negative (is {typed}); 0 means order nothing"));
    }
    if typed > MAX_ORDER_UNITS {
        return Err(format!("is {typed}; at most {MAX_ORDER_UNITS} units fit on one PO line"));
    }
    let pack = case_pack.max(1);
    let rounded = (typed + pack - 1) / pack * pack;
    if rounded > MAX_ORDER_UNITS {
        return Err(format!("is {typed}; rounded up to whole cases of {pack} it exceeds {MAX_ORDER_UNITS} units"));
    }
    Ok((rounded, (rounded != typed).then_some(typed)))
}

/// A vendor's answer to a suggestion as sent: how many units it can supply, from when, and (when
/// that is less than asked) why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CommitmentInput {
    pub quantity: Option<i64>,
    pub available_on: Option<NaiveDate>,
    #[serde(default)]
    pub shortfall_reason: String,
}

/// A commitment that passed [`CommitmentInput::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedCommitment {
    pub quantity: i64,
    pub available_on: Option<NaiveDate>,
    pub shortfall: i64,
    pub reason: String,
}

impl CommitmentInput {
    /// Checks the answer against `asked` (the suggestion's quantity in force, or the PO's for an
    /// ordered one) and `today` (at the suggestion's DC): 0 ≤ quantity ≤ asked; less than asked needs
    /// a reason (the shortfall is the difference); a quantity above 0 needs the date it is available,
    /// not in the past. Every problem is reported, by field.
    pub fn check(&self, asked: i64, today: NaiveDate) -> Result<CheckedCommitment, Vec<crate::validate::FieldIssue>> {
        use crate::validate::FieldIssue;
        let mut issues = Vec::new();
        let reason: String = self.shortfall_reason.trim().to_string();
        if reason.chars().count() > MAX_REASON_CHARS {
            issues.push(FieldIssue::new("shortfall_reason", format!("is {} characters long; at most {MAX_REASON_CHARS} are kept", reason.chars().count())));
        }
        let quantity = match self.quantity {
            None => {
                issues.push(FieldIssue::new("quantity", format!("is required: the units you can supply, 0 to {asked}")));
                None
            }
            Some(q) if q < 0 => {
                issues.push(FieldIssue::new("quantity", format!("must not be negative (is {q}); commit 0 and give a reason if you can supply nothing")));
                None
            }
            Some(q) if q > asked => {
                issues.push(FieldIssue::new("quantity", format!("is {q}; at most the {asked} units asked for can be committed")));
                None
            }
            Some(q) => Some(q),
        };
        if let Some(q) = quantity {
            if q < asked && reason.is_empty() {
                issues.push(FieldIssue::new(
                    "shortfall_reason",
                    format!("is required when committing less than asked ({q} of {asked}: {} short); say why", asked - q),
                ));
            }
            if q > 0 {
                match self.available_on {
                    None => issues.push(FieldIssue::new("available_on", "is required: the date the units are available, like 2026-12-01")),
                    Some(d) if d < today => issues.push(FieldIssue::new("available_on", format!("{d} is in the past; give today ({today}) or later"))),
                    Some(_) => {}
                }
            }
        }
        match quantity {
            Some(q) if issues.is_empty() => {
                Ok(CheckedCommitment { quantity: q, available_on: if q > 0 { self.available_on } else { None }, shortfall: asked - q, reason })
            }
            _ => Err(issues),
        }
    }
}

/// Checks a VMI proposal's quantity: a whole number of cases, above 0, that keeps the projected
/// position (on hand + on order + quantity) within the agreed `min..=max`. The message names the
/// quantities that fit.
pub fn vmi_quantity(quantity: i64, case_pack: i64, on_hand: i64, on_order: i64, min: i64, max: i64) -> Result<i64, String> {
    let pack = case_pack.max(1);
    let position = on_hand + on_order;
    if quantity <= 0 {
        return Err(format!("must be more than 0 (is {quantity}); propose at least one case of {pack}"));
    }
    if quantity > MAX_ORDER_UNITS {
        return Err(format!("is {quantity}; at most {MAX_ORDER_UNITS} units fit on one PO line"));
    }
    if quantity % pack != 0 {
        let below = quantity / pack * pack;
        let above = below + pack;
        let options = if below > 0 { format!("{below} or {above}") } else { format!("{above}") };
        return Err(format!("is {quantity}; orders are whole cases of {pack}: e.g. {options}"));
    }
    let projected = position + quantity;
    if projected > max {
        let room = max - position;
        return Err(if room < pack {
            format!(
                "is {quantity}, but the position (on hand {on_hand} + on order {on_order} = {position}) leaves no room for a case under the agreed maximum {max}"
            )
        } else {
            format!("is {quantity}; at most {} units keep the position ({position}) within the agreed maximum {max}", room / pack * pack)
        });
    }
    if projected < min {
        let need = min - position;
        return Err(format!(
            "is {quantity}; at least {} units bring the position ({position}) up to the agreed minimum {min}",
            (need + pack - 1) / pack * pack
        ));
    }
    Ok(quantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::zone;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_parse_as_iso_or_their_monday() {
        assert_eq!(parse_week("2026-W05"), Ok(d("2026-01-26")));
        assert_eq!(parse_week(" 2026w5 "), Ok(d("2026-01-26")));
        assert_eq!(parse_week("2026-01-26"), Ok(d("2026-01-26")));
        // ISO week 1 of 2026 starts in 2025; 2020 has a W53.
        assert_eq!(parse_week("2026-W01"), Ok(d("2025-12-29")));
        assert_eq!(parse_week("2020-W53"), Ok(d("2020-12-28")));
        assert_eq!(parse_week("2025-W53").unwrap_err(), "2025 has no ISO week 53; its weeks run from W01 to W52 or W53");
        assert_eq!(parse_week("2026-W53"), Ok(d("2026-12-28")), "2026 starts on a Thursday: 53 weeks");
        let e = parse_week("2026-01-29").unwrap_err();
        assert_eq!(e, "2026-01-29 is a Thursday, not a Monday; its week is 2026-W05 (Monday 2026-01-26)");
        for bad in ["", "W05", "2026-W", "2026-W123", "26-W05", "2026/01/26", "last week", "2026-W-5"] {
            assert!(parse_week(bad).is_err(), "{bad}");
        }
        assert_eq!(week_label(d("2025-12-29")), "2026-W01");
        assert_eq!(week_label(d("2021-01-04")), "2021-W01");
    }

    #[test]
    fn sales_weeks_must_have_ended() {
        let latest = d("2026-01-19");
        assert_eq!(sales_week("2026-W04", latest), Ok(latest));
        assert!(sales_week("2026-W05", latest).unwrap_err().contains("has not ended yet"));
        assert!(sales_week("1999-W52", latest).unwrap_err().contains("before 2000-W01"));
    }

    #[test]
    fn the_last_completed_week_is_read_in_local_time() {
        // Monday 2026-01-26 03:00 UTC is still Sunday evening in Los Angeles: the week of 01-19 is running there.
        let t: DateTime<Utc> = "2026-01-26T03:00:00Z".parse().unwrap();
        assert_eq!(last_completed_week(t, zone("UTC").unwrap()), d("2026-01-19"));
        assert_eq!(last_completed_week(t, zone("America/Los_Angeles").unwrap()), d("2026-01-12"));
    }

    #[test]
    fn unit_counts() {
        assert_eq!(units_text("12"), Ok(12));
        assert_eq!(units_text(" 0 "), Ok(0));
        assert_eq!(units_text("12.0"), Ok(12), "spreadsheets write whole numbers so");
        assert!(units_text("12.5").unwrap_err().contains("not a whole number"));
        assert!(units_text("1,200").unwrap_err().contains("no separators"));
        assert!(units_text("-3").unwrap_err().contains("must not be negative"));
        assert!(units_text("").unwrap_err().contains("is required"));
        assert!(units_text("99999999999").unwrap_err().contains("at most"));
        assert_eq!(on_hand_text(""), Ok(None));
        assert_eq!(on_hand_text("0"), Ok(Some(0)));
    }

    #[test]
    fn overrides_are_validated_field_by_field() {
        let bad = PlanningOverrides {
            lead_time_weeks: Some(0),
            review_weeks: Some(0),
            service_target: Some(dec!(1)),
            moq: Some(-1),
            max_cover_weeks: Some(0),
            vmi_min: Some(50),
            vmi_max: Some(10),
        };
        let fields: Vec<_> = bad.issues(&ParamFields::PLAIN).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["lead_time_weeks", "review_weeks", "max_cover_weeks", "service_target", "moq", "vmi_max"]);
        let fields: Vec<_> = bad.issues(&ParamFields::IN_TERMS).into_iter().map(|(f, _)| f).collect();
        assert!(fields.iter().all(|f| f.starts_with("planning.")));
        assert!(PlanningOverrides { service_target: Some(dec!(0.99995)), ..Default::default() }.validate().is_err());
        assert!(PlanningOverrides { service_target: Some(dec!(0.9995)), ..Default::default() }.validate().is_ok());
        assert!(PlanningOverrides { service_target: Some(dec!(0)), ..Default::default() }.validate().is_err());
        let half = PlanningOverrides { vmi_min: Some(5), ..Default::default() }.validate().unwrap_err();
        assert_eq!(half[0].field, "vmi_max");
        assert!(PlanningOverrides::default().validate().is_ok() && PlanningOverrides::default().is_empty());
        assert_eq!(PlanningOverrides { review_weeks: Some(MAX_WEEKS + 1), ..Default::default() }.validate().unwrap_err()[0].field, "review_weeks");
    }

    #[test]
    fn service_targets_read_as_ratio_or_percent() {
        assert_eq!(parse_service_target("0.95"), Ok(dec!(0.95)));
        assert_eq!(parse_service_target(" 97.5 % "), Ok(dec!(0.975)));
        assert_eq!(parse_service_target("95%"), Ok(dec!(0.95)));
        assert!(parse_service_target("high").unwrap_err().contains("like 0.95 or 95%"));
        assert!(parse_service_target("").is_err());
    }

    #[test]
    fn effective_params_fall_back_field_by_field() {
        let none = effective(None, None);
        assert_eq!(none.params, SYSTEM_DEFAULTS);
        assert_eq!(none.sources.moq, ParamSource::System);
        assert_eq!(SYSTEM_DEFAULTS.service_target, dec!(0.95));
        let agreement = PlanningOverrides { lead_time_weeks: Some(4), moq: Some(24), vmi_min: Some(10), vmi_max: Some(100), ..Default::default() };
        let item = PlanningOverrides { lead_time_weeks: Some(6), service_target: Some(dec!(0.98)), vmi_min: Some(1), ..Default::default() };
        let e = effective(Some(&item), Some(&agreement));
        assert_eq!(e.params.lead_time_weeks, 6);
        assert_eq!(e.sources.lead_time_weeks, ParamSource::ItemDc);
        assert_eq!((e.params.moq, e.sources.moq), (24, ParamSource::Agreement));
        assert_eq!((e.params.service_target, e.sources.service_target), (dec!(0.98), ParamSource::ItemDc));
        assert_eq!((e.params.review_weeks, e.sources.review_weeks), (1, ParamSource::System));
        // The item's half range is not a range: the agreement's pair applies.
        assert_eq!((e.params.vmi_min, e.params.vmi_max, e.sources.vmi_range), (Some(10), Some(100), ParamSource::Agreement));
    }

    #[test]
    fn agreement_planning_reads_old_terms_and_flat_json() {
        let p: AgreementPlanning = serde_json::from_str("{}").unwrap();
        assert_eq!(p, AgreementPlanning::default());
        let p: AgreementPlanning = serde_json::from_value(serde_json::json!({"vmi": true, "lead_time_weeks": 3, "service_target": "0.97"})).unwrap();
        assert!(p.vmi);
        assert_eq!(p.defaults.lead_time_weeks, Some(3));
        assert_eq!(p.defaults.service_target, Some(dec!(0.97)));
    }

    #[test]
    fn status_texts() {
        assert_eq!(SuggestionStatus::TEXTS, ["proposed", "adjusted", "approved", "rejected", "ordered"]);
        assert_eq!(RunStatus::parse("running"), Some(RunStatus::Running));
        assert_eq!(ParamSource::ItemDc.as_str(), "item_dc");
    }

    #[test]
    fn adjusted_quantities_round_up_to_whole_cases() {
        assert_eq!(adjusted_quantity(36, 12), Ok((36, None)));
        assert_eq!(adjusted_quantity(30, 12), Ok((36, Some(30))), "rounded up, the typed quantity reported");
        assert_eq!(adjusted_quantity(0, 12), Ok((0, None)));
        assert_eq!(adjusted_quantity(7, 1), Ok((7, None)));
        assert_eq!(adjusted_quantity(7, 0), Ok((7, None)), "no case pack: units");
        assert!(adjusted_quantity(-1, 12).unwrap_err().contains("must not be negative"));
        assert!(adjusted_quantity(MAX_ORDER_UNITS + 1, 1).unwrap_err().contains("at most"));
        assert!(adjusted_quantity(MAX_ORDER_UNITS - 1, 24).unwrap_err().contains("rounded up"));
    }

    #[test]
    fn commitments_need_a_reason_when_short_and_a_date_when_supplying() {
        let today = d("2026-03-02");
        let input = |q: Option<i64>, on: Option<&str>, reason: &str| CommitmentInput { quantity: q, available_on: on.map(d), shortfall_reason: reason.into() };
        let full = input(Some(48), Some("2026-03-09"), "").check(48, today).unwrap();
        assert_eq!((full.quantity, full.shortfall, full.available_on), (48, 0, Some(d("2026-03-09"))));
        let short = input(Some(36), Some("2026-03-02"), "  line down  ").check(48, today).unwrap();
        assert_eq!((short.shortfall, short.reason.as_str()), (12, "line down"));
        let e = input(Some(36), Some("2026-03-09"), "").check(48, today).unwrap_err();
        assert_eq!(e.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(), ["shortfall_reason"]);
        assert!(e[0].issue.contains("36 of 48: 12 short"), "{e:?}");
        let e = input(Some(49), None, "").check(48, today).unwrap_err();
        assert_eq!((e[0].field.as_str(), e.len()), ("quantity", 1));
        let e = input(Some(10), Some("2026-03-01"), "x").check(48, today).unwrap_err();
        assert!(e[0].field == "available_on" && e[0].issue.contains("in the past"), "{e:?}");
        let e = input(Some(10), None, "x").check(48, today).unwrap_err();
        assert_eq!(e[0].field, "available_on");
        // Nothing at all: a reason, no date.
        let none = input(Some(0), Some("2026-03-09"), "discontinued").check(48, today).unwrap();
        assert_eq!((none.quantity, none.shortfall, none.available_on), (0, 48, None));
        assert_eq!(input(None, None, "").check(48, today).unwrap_err()[0].field, "quantity");
        assert!(input(Some(-1), None, "").check(48, today).is_err());
        assert_eq!(input(Some(1), Some("2026-03-09"), &"x".repeat(501)).check(1, today).unwrap_err()[0].field, "shortfall_reason");
    }

    #[test]
    fn vmi_proposals_keep_the_position_within_the_range() {
        // on hand 100 + on order 60 = 160; range 50..=200; cases of 10.
        assert_eq!(vmi_quantity(40, 10, 100, 60, 50, 200), Ok(40));
        let e = vmi_quantity(50, 10, 100, 60, 50, 200).unwrap_err();
        assert!(e.contains("at most 40 units keep the position (160) within the agreed maximum 200"), "{e}");
        let e = vmi_quantity(35, 10, 100, 60, 50, 200).unwrap_err();
        assert!(e.contains("whole cases of 10: e.g. 30 or 40"), "{e}");
        assert!(vmi_quantity(0, 10, 100, 60, 50, 200).unwrap_err().contains("more than 0"));
        assert!(vmi_quantity(10, 10, 10, 0, 50, 200).unwrap_err().contains("at least 40 units bring the position (10) up to the agreed minimum 50"));
        assert!(vmi_quantity(10, 10, 195, 0, 50, 200).unwrap_err().contains("no room for a case"));
        assert_eq!(vmi_quantity(3, 1, 0, 0, 0, 3), Ok(3));
    }

    #[test]
    fn quantities_in_force_and_open_states() {
        let t: DateTime<Utc> = "2026-03-02T00:00:00Z".parse().unwrap();
        let mut s = Suggestion {
            id: Uuid::nil(),
            run_id: None,
            origin: SuggestionOrigin::Vmi,
            delivery_on: None,
            tenant: TenantId::RETAILER,
            item_id: Uuid::nil(),
            dc_id: Uuid::nil(),
            raw_quantity: 30,
            quantity: 36,
            order_up_to: 80,
            on_hand: 20,
            on_order: 30,
            backorders: 0,
            fill_rate_e4: 9_500,
            leftover: 4,
            explanation: String::new(),
            params_json: "{}".into(),
            status: SuggestionStatus::Proposed,
            adjusted_quantity: None,
            po_id: None,
            decided_by: None,
            decided_at: None,
            created_at: t,
            updated_at: t,
        };
        assert_eq!(s.current_quantity(), 36);
        s.adjusted_quantity = Some(48);
        s.status = SuggestionStatus::Adjusted;
        assert_eq!((s.current_quantity(), s.is_open()), (48, true));
        s.status = SuggestionStatus::Ordered;
        assert!(!s.is_open());
        assert_eq!(SuggestionOrigin::TEXTS, ["job", "vmi"]);
    }

    proptest! {
        #[test]
        fn every_day_maps_to_a_monday_that_parses_back(days in 0i64..20_000) {
            let day = FIRST_WEEK + chrono::Duration::days(days);
            let monday = week_start(day);
            prop_assert_eq!(monday.weekday(), Weekday::Mon);
            prop_assert!(monday <= day && day - monday < chrono::Duration::days(7));
            prop_assert_eq!(parse_week(&week_label(monday)), Ok(monday));
            prop_assert_eq!(parse_week(&monday.to_string()), Ok(monday));
        }

        #[test]
        fn week_parsing_never_panics(s in "\\PC{0,16}|[0-9W-]{0,12}") {
            if let Ok(monday) = parse_week(&s) {
                prop_assert_eq!(monday.weekday(), Weekday::Mon);
            }
        }

        #[test]
        fn effective_values_come_from_the_first_level_that_sets_them(
            a in proptest::option::of(1u16..50), b in proptest::option::of(1u16..50), m in proptest::option::of(0i64..1000)
        ) {
            let item = PlanningOverrides { lead_time_weeks: a, ..Default::default() };
            let agreement = PlanningOverrides { lead_time_weeks: b, moq: m, ..Default::default() };
            let e = effective(Some(&item), Some(&agreement));
            prop_assert_eq!(e.params.lead_time_weeks, a.or(b).unwrap_or(SYSTEM_DEFAULTS.lead_time_weeks));
            prop_assert_eq!(e.params.moq, m.unwrap_or(0));
            prop_assert!(e.params.lead_time_weeks >= 1 && e.params.review_weeks >= 1);
        }
    }
}
