//! The forecasts as vendors and buyers read them in the portal: the list of every visible item × DC
//! with its latest forecast (vendor, DC, class and text filters, keyset paging), the CSV of every
//! week of every visible forecast (streamed a page of series at a time, so it works for any number
//! of items), and an item's forecast page — per DC a server-rendered SVG chart (history bars, a
//! "today" divider, the forecast mean as a line over the P50–P90 band, axes, legend, and its numbers
//! in a table), the back-test accuracy in plain words, totals over the next 4, 13 and 52 weeks from
//! the summed distributions, and the expected orders with their status and the vendor's commitment.
//!
//! Nothing here is invented: before the first run covers a series the page says there is no forecast
//! yet and shows only the history that exists.

use super::lists::{self, Links};
use super::orders::{csv_cell, parse_id};
use super::pages::{self, Errors, Shell, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::forecast::{SuggestionStatus, week_label};
use acorn_domain::ids::TenantId;
use acorn_service::forecast::view::{DcForecast, ForecastQuery, ForecastView, HistoryWeek, ItemForecast};
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use std::fmt::Write as _;

/// Weeks of history the chart draws before the forecast (two years; the table has them all).
pub const CHART_HISTORY_WEEKS: usize = 104;

// ---------------------------------------------------------------------------------------------
// The chart

/// What the chart draws: the history (oldest first) and the forecast weeks, each by Monday.
pub struct ChartData<'a> {
    pub history: &'a [HistoryWeek],
    /// (Monday, mean, P50, P90) per forecast week.
    pub forecast: Vec<(NaiveDate, f64, u32, u32)>,
}

/// The chart's words, in the reader's language.
pub struct ChartText {
    pub title: String,
    pub desc: String,
    pub units: String,
    pub today: String,
    pub sold: String,
    pub stockout: String,
    pub mean: String,
    pub band: String,
}

const W: f64 = 960.0;
const H: f64 = 340.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 20.0;
const PLOT_BOTTOM: f64 = 270.0;

/// A legend entry: its swatch drawn at an x, and its label.
type Swatch<'a> = (Box<dyn Fn(f64) -> String>, &'a str);

/// Escapes text for SVG/XML content and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round axis maximum at or above `v` (1, 2, 2.5 or 5 × 10ⁿ), and its tick step.
pub fn nice_scale(v: f64) -> (f64, f64) {
    let v = if v.is_finite() && v > 0.0 { v } else { 1.0 };
    let raw = v / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    // Whole units: a step below 1 unit says nothing on a chart of unit counts.
    let step = step.max(1.0).ceil();
    ((v / step).ceil().max(1.0) * step, step)
}

fn num(v: f64) -> String {
    // `+ 0.0` turns a rounded −0 into 0: "-0" reads as a sign error.
    let r = (v * 10.0).round() / 10.0 + 0.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// Maps units to the y coordinate of a plot from [`TOP`] down to `bottom`, scaled to
/// [`nice_scale`]`(top)` (non-finite and negative values sit on the axis).
fn y_scale(top: f64, bottom: f64) -> impl Fn(f64) -> f64 {
    let (ymax, _) = nice_scale(top);
    move |v: f64| bottom - (if v.is_finite() { v.max(0.0) } else { 0.0 }) / ymax * (bottom - TOP)
}

/// The start of a chart `height` high whose plot ends at `bottom`: the `<svg>` element with its
/// title and description, the y grid with its labels up to [`nice_scale`]`(top)`, the units label and
/// the x axis line. The caller draws the rest and closes the element.
fn open_chart(id: &str, height: f64, bottom: f64, top: f64, text: &ChartText) -> String {
    let (ymax, ystep) = nice_scale(top);
    let y = y_scale(top, bottom);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {height}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif" font-size="12">"#
    );
    let _ = write!(s, r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#, esc(&text.title), esc(&text.desc));
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let yy = y(v);
        let _ = write!(s, r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#d0d7de" stroke-width="1"/>"##, W - RIGHT);
        let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#57606a">{}</text>"##, LEFT - 6.0, yy + 4.0, num(v));
        v += ystep;
    }
    let mid = (TOP + bottom) / 2.0;
    let _ = write!(s, r##"<text x="14" y="{mid:.1}" transform="rotate(-90 14 {mid:.1})" text-anchor="middle" fill="#57606a">{}</text>"##, esc(&text.units));
    let _ = write!(s, r##"<line x1="{LEFT}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#57606a" stroke-width="1"/>"##, W - RIGHT);
    s
}

/// The SVG of one item × DC: history bars (stock-out weeks marked), a vertical divider before the
/// first forecast week, the P50–P90 band and the mean line; axes with week labels and units; a legend.
/// `id` makes the title/desc ids unique on the page.
pub fn chart(id: &str, data: &ChartData, text: &ChartText) -> String {
    let first_forecast = data.forecast.first().map(|f| f.0);
    let history: Vec<&HistoryWeek> = {
        let end = first_forecast.unwrap_or(NaiveDate::MAX);
        let before: Vec<&HistoryWeek> = data.history.iter().filter(|h| h.week < end).collect();
        let skip = before.len().saturating_sub(CHART_HISTORY_WEEKS);
        before.into_iter().skip(skip).collect()
    };
    // The first Monday shown, and the number of week slots (by date, so gaps stay gaps).
    let start = history.first().map(|h| h.week).or(first_forecast).unwrap_or(NaiveDate::MIN);
    let end = data.forecast.last().map(|f| f.0).or(history.last().map(|h| h.week)).unwrap_or(start);
    let slot = |d: NaiveDate| ((d - start).num_days() / 7).max(0) as f64;
    let slots = slot(end) + 1.0;
    let plot_w = W - LEFT - RIGHT;
    let bw = plot_w / slots;
    let x = |d: NaiveDate| LEFT + slot(d) * bw;
    let top =
        history.iter().map(|h| h.units as f64).chain(data.forecast.iter().flat_map(|f| [f.1, f64::from(f.3)])).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let y = y_scale(top, PLOT_BOTTOM);
    let mut s = open_chart(id, H, PLOT_BOTTOM, top, text);
    // X axis: a tick and label every 13 weeks from the first Monday shown.
    let mut k = 0u64;
    while (k as f64) < slots {
        let d = start + Days::new(7 * k);
        let xx = x(d) + bw / 2.0;
        let _ = write!(s, r##"<line x1="{xx:.1}" y1="{PLOT_BOTTOM}" x2="{xx:.1}" y2="{:.1}" stroke="#57606a"/>"##, PLOT_BOTTOM + 4.0);
        let _ = write!(s, r##"<text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#57606a">{}</text>"##, PLOT_BOTTOM + 17.0, week_label(d));
        k += 13;
    }
    // History bars.
    for h in &history {
        let (x0, y0) = (x(h.week), y(h.units as f64));
        let fill = if h.stockout { "#bf8700" } else { "#8c959f" };
        let _ = write!(
            s,
            r#"<rect class="chart-sold" x="{:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
            x0 + bw * 0.1,
            (bw * 0.8).max(0.5),
            (PLOT_BOTTOM - y0).max(0.0)
        );
    }
    if !data.forecast.is_empty() {
        // The band: along P90 forward, back along P50.
        let mut band = String::new();
        for (i, f) in data.forecast.iter().enumerate() {
            let _ = write!(band, "{}{:.1},{:.1} ", if i == 0 { "M" } else { "L" }, x(f.0) + bw / 2.0, y(f64::from(f.3)));
        }
        for f in data.forecast.iter().rev() {
            let _ = write!(band, "L{:.1},{:.1} ", x(f.0) + bw / 2.0, y(f64::from(f.2)));
        }
        band.push('Z');
        let _ = write!(s, r##"<path class="chart-band" d="{band}" fill="#7bc48f" fill-opacity="0.35" stroke="#4ac26b" stroke-width="1"/>"##);
        let mut line = String::new();
        for (i, f) in data.forecast.iter().enumerate() {
            let _ = write!(line, "{}{:.1},{:.1} ", if i == 0 { "M" } else { "L" }, x(f.0) + bw / 2.0, y(f.1));
        }
        let _ = write!(s, r##"<path class="chart-mean" d="{}" fill="none" stroke="#1f5f3a" stroke-width="2.5"/>"##, line.trim_end());
        // Today: between the last history week and the first forecast week.
        let xt = x(data.forecast[0].0);
        let _ = write!(
            s,
            r##"<line class="chart-today" x1="{xt:.1}" y1="{TOP}" x2="{xt:.1}" y2="{PLOT_BOTTOM}" stroke="#1b1f24" stroke-width="1.5" stroke-dasharray="5 4"/>"##
        );
        let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" fill="#1b1f24">{}</text>"##, xt + 4.0, TOP + 10.0, esc(&text.today));
    }
    // Legend: a swatch (drawn at x) and its label per entry, left to right.
    let ly = H - 22.0;
    let mut entries: Vec<Swatch> = vec![
        (Box::new(move |x| format!(r##"<rect x="{x:.1}" y="{:.1}" width="16" height="10" fill="#8c959f"/>"##, ly - 5.0)), &text.sold),
        (Box::new(move |x| format!(r##"<rect x="{x:.1}" y="{:.1}" width="16" height="10" fill="#bf8700"/>"##, ly - 5.0)), &text.stockout),
    ];
    if !data.forecast.is_empty() {
        entries.push((
            Box::new(move |x| {
                format!(r##"<rect x="{x:.1}" y="{:.1}" width="16" height="10" fill="#7bc48f" fill-opacity="0.35" stroke="#4ac26b"/>"##, ly - 5.0)
            }),
            &text.band,
        ));
        entries.push((
            Box::new(move |x| format!(r##"<line x1="{x:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#1f5f3a" stroke-width="2.5"/>"##, x + 16.0)),
            &text.mean,
        ));
    }
    let mut lx = LEFT;
    for (swatch, label) in entries {
        s.push_str(&swatch(lx));
        let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" fill="#1b1f24">{}</text>"##, lx + 22.0, ly + 4.0, esc(label));
        // Wide enough for CJK labels too (a character is at most about one em).
        lx += 34.0 + label.chars().map(|c| if c.is_ascii() { 7.0 } else { 12.0 }).sum::<f64>();
    }
    s.push_str("</svg>");
    s
}

/// The back-test chart: units sold per week as bars and what had been forecast for those weeks as a
/// line, on the same axes as the main chart.
pub fn accuracy_chart(id: &str, points: &[(NaiveDate, f64, i64)], text: &ChartText) -> String {
    const AH: f64 = 230.0;
    const ABOTTOM: f64 = 170.0;
    let n = points.len().max(1) as f64;
    let plot_w = W - LEFT - RIGHT;
    let bw = plot_w / n;
    let top = points.iter().flat_map(|p| [p.1, p.2 as f64]).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let y = y_scale(top, ABOTTOM);
    let mut s = open_chart(id, AH, ABOTTOM, top, text);
    for (i, p) in points.iter().enumerate() {
        let x0 = LEFT + i as f64 * bw;
        let y0 = y(p.2 as f64);
        let _ = write!(
            s,
            r##"<rect class="chart-sold" x="{:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="#8c959f"/>"##,
            x0 + bw * 0.1,
            (bw * 0.8).max(0.5),
            (ABOTTOM - y0).max(0.0)
        );
        if i % 13 == 0 {
            let xx = x0 + bw / 2.0;
            let _ = write!(s, r##"<text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#57606a">{}</text>"##, ABOTTOM + 17.0, week_label(p.0));
        }
    }
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(line, "{}{:.1},{:.1} ", if i == 0 { "M" } else { "L" }, LEFT + (i as f64 + 0.5) * bw, y(p.1));
    }
    if !points.is_empty() {
        let _ = write!(s, r##"<path class="chart-forecast" d="{}" fill="none" stroke="#1f5f3a" stroke-width="2.5"/>"##, line.trim_end());
    }
    let ly = AH - 20.0;
    let _ = write!(s, r##"<rect x="{LEFT}" y="{:.1}" width="16" height="10" fill="#8c959f"/>"##, ly - 5.0);
    let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" fill="#1b1f24">{}</text>"##, LEFT + 22.0, ly + 4.0, esc(&text.sold));
    let lx = LEFT + 34.0 + text.sold.chars().map(|c| if c.is_ascii() { 7.0 } else { 12.0 }).sum::<f64>();
    let _ = write!(s, r##"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#1f5f3a" stroke-width="2.5"/>"##, lx + 16.0);
    let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" fill="#1b1f24">{}</text>"##, lx + 22.0, ly + 4.0, esc(&text.mean));
    s.push_str("</svg>");
    s
}

// ---------------------------------------------------------------------------------------------
// Formatting

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// A bias as a signed percentage: "+5%", "-12%", and "0%" for anything that rounds to it.
fn signed_pct(b: f64) -> String {
    let p = pct(b);
    if p == "0%" || p == "-0%" {
        "0%".into()
    } else if b > 0.0 {
        format!("+{p}")
    } else {
        p
    }
}

fn mean2(v: f64) -> String {
    format!("{v:.2}")
}

fn class_key(class: &str) -> Option<&'static str> {
    Some(match class {
        "smooth" => "fcv.class.smooth",
        "erratic" => "fcv.class.erratic",
        "intermittent" => "fcv.class.intermittent",
        "lumpy" => "fcv.class.lumpy",
        _ => return None,
    })
}

/// The demand class in the reader's language (an unknown class as stored).
fn class_text(t: T, class: &str) -> String {
    class_key(class).map_or_else(|| class.to_string(), |k| t.t(k).to_string())
}

pub fn status_badge(s: SuggestionStatus) -> view::Badge {
    match s {
        SuggestionStatus::Proposed => view::Badge { key: "fcv.status.proposed", class: "badge-info" },
        SuggestionStatus::Adjusted => view::Badge { key: "fcv.status.adjusted", class: "badge-info" },
        SuggestionStatus::Approved => view::Badge { key: "fcv.status.approved", class: "badge-success" },
        SuggestionStatus::Ordered => view::Badge { key: "fcv.status.ordered", class: "badge-success" },
        SuggestionStatus::Rejected => view::Badge { key: "fcv.status.rejected", class: "badge-critical" },
    }
}

/// WAPE and bias in words: "off by 18% of what sold", "forecast 5% more than sold".
fn accuracy_words(t: T, weeks: usize, wape: Option<f64>, bias: Option<f64>) -> String {
    let mut out = String::new();
    if let Some(w) = wape {
        out.push_str(&t.t("fcv.acc.wape").replace("{weeks}", &weeks.to_string()).replace("{pct}", &pct(w)));
    }
    if let Some(b) = bias {
        let key = if b > 0.005 {
            "fcv.acc.bias_over"
        } else if b < -0.005 {
            "fcv.acc.bias_under"
        } else {
            "fcv.acc.bias_none"
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.t(key).replace("{pct}", &pct(b.abs())));
    }
    if out.is_empty() {
        out.push_str(t.t("fcv.acc.none"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The item's forecast page

pub struct WeekRow {
    label: String,
    monday: String,
    mean: String,
    p50: u32,
    p70: u32,
    p80: u32,
    p90: u32,
}

pub struct HistRow {
    label: String,
    monday: String,
    units: i64,
    on_hand: String,
    stockout: bool,
}

pub struct TotalRow {
    label: String,
    mean: String,
    p50: u32,
    p70: u32,
    p80: u32,
    p90: u32,
    step: u32,
}

pub struct PointRow {
    label: String,
    monday: String,
    forecast: String,
    sold: i64,
    error: String,
}

pub struct OrderRow {
    quantity: i64,
    suggested: i64,
    adjusted: bool,
    badge: view::Badge,
    vmi: bool,
    po_number: String,
    po_href: String,
    created: String,
    commitment: String,
    shortfall: String,
}

pub struct FcBlock {
    made: String,
    first_week: String,
    method: String,
    class: String,
    weeks: Vec<WeekRow>,
    totals: Vec<TotalRow>,
    coarse_step: u32,
    points: Vec<PointRow>,
    acc_svg: String,
    acc_words: String,
    wape: String,
    bias: String,
    mase: String,
}

pub struct DcBlock {
    code: String,
    name: String,
    anchor: String,
    svg: String,
    history: Vec<HistRow>,
    forecast: Option<FcBlock>,
    orders: Vec<OrderRow>,
}

#[derive(Template)]
#[template(path = "forecast_item.html")]
struct ItemPage {
    t: T,
    shell: Shell,
    id: String,
    sku: String,
    title: String,
    gtin: String,
    vendor_code: String,
    retailer: bool,
    dcs: Vec<DcBlock>,
}

fn fc_block(t: T, sku: &str, dc: &str, anchor: &str, f: &ForecastView) -> FcBlock {
    let weeks = f
        .weeks
        .iter()
        .map(|w| WeekRow { label: week_label(w.week), monday: w.week.to_string(), mean: num(w.mean), p50: w.p50, p70: w.p70, p80: w.p80, p90: w.p90 })
        .collect();
    let totals: Vec<TotalRow> = f
        .totals
        .iter()
        .map(|x| TotalRow {
            label: t.t("fcv.totals.next").replace("{weeks}", &x.weeks.to_string()),
            mean: num(x.mean),
            p50: x.p50,
            p70: x.p70,
            p80: x.p80,
            p90: x.p90,
            step: x.step,
        })
        .collect();
    let coarse_step = totals.iter().map(|x| x.step).max().unwrap_or(1);
    let a = &f.accuracy;
    let points = a
        .points
        .iter()
        .map(|p| PointRow {
            label: week_label(p.week),
            monday: p.week.to_string(),
            forecast: num(p.mean),
            sold: p.actual,
            error: {
                let e = p.mean - p.actual as f64;
                if e > 0.0 { format!("+{}", num(e)) } else { num(e) }
            },
        })
        .collect();
    FcBlock {
        made: view::when(f.created_at),
        first_week: week_label(f.first_week),
        method: f.method.clone(),
        class: class_text(t, &f.class),
        weeks,
        totals,
        coarse_step,
        points,
        acc_svg: if a.points.is_empty() {
            String::new()
        } else {
            let text = ChartText {
                title: t.t("fcv.acc.chart.title").replace("{sku}", sku).replace("{dc}", dc),
                desc: t.t("fcv.acc.chart.desc").to_string(),
                units: t.t("fcv.chart.units").to_string(),
                today: String::new(),
                sold: t.t("fcv.acc.sold").to_string(),
                stockout: String::new(),
                mean: t.t("fcv.acc.forecast").to_string(),
                band: String::new(),
            };
            let points: Vec<(NaiveDate, f64, i64)> = a.points.iter().map(|p| (p.week, p.mean, p.actual)).collect();
            accuracy_chart(&format!("{anchor}-acc-chart"), &points, &text)
        },
        acc_words: accuracy_words(t, a.points.len(), a.wape, a.bias),
        wape: a.wape.map(pct).unwrap_or_default(),
        bias: a.bias.map(signed_pct).unwrap_or_default(),
        mase: a.mase.map(|m| format!("{m:.2}")).unwrap_or_default(),
    }
}

fn dc_block(t: T, sku: &str, d: &DcForecast) -> DcBlock {
    let data = ChartData {
        history: &d.history,
        forecast: d.forecast.as_ref().map(|f| f.weeks.iter().map(|w| (w.week, w.mean, w.p50, w.p90)).collect()).unwrap_or_default(),
    };
    let text = ChartText {
        title: t.t("fcv.chart.title").replace("{sku}", sku).replace("{dc}", &d.dc.code),
        desc: if d.forecast.is_some() { t.t("fcv.chart.desc").to_string() } else { t.t("fcv.chart.desc_history").to_string() },
        units: t.t("fcv.chart.units").to_string(),
        today: t.t("fcv.chart.today").to_string(),
        sold: t.t("fcv.chart.sold").to_string(),
        stockout: t.t("fcv.chart.stockout").to_string(),
        mean: t.t("fcv.chart.mean").to_string(),
        band: t.t("fcv.chart.band").to_string(),
    };
    let anchor = format!("dc-{}", d.dc.code.to_lowercase());
    let svg = if d.history.is_empty() && d.forecast.is_none() { String::new() } else { chart(&format!("{anchor}-chart"), &data, &text) };
    let history = d
        .history
        .iter()
        .rev()
        .take(CHART_HISTORY_WEEKS)
        .map(|h| HistRow {
            label: week_label(h.week),
            monday: h.week.to_string(),
            units: h.units,
            on_hand: h.on_hand.map(|v| v.to_string()).unwrap_or_default(),
            stockout: h.stockout,
        })
        .collect();
    let orders = d
        .orders
        .iter()
        .map(|o| {
            let s = &o.suggestion;
            let commitment = o
                .commitment
                .as_ref()
                .map(|c| {
                    let mut text = t.t("fcv.orders.committed").replace("{qty}", &c.quantity.to_string());
                    if let Some(on) = c.available_on {
                        text.push_str(&t.t("fcv.orders.available_on").replace("{date}", &on.to_string()));
                    }
                    text
                })
                .unwrap_or_default();
            let shortfall = o
                .commitment
                .as_ref()
                .filter(|c| c.shortfall > 0)
                .map(|c| {
                    let mut text = t.t("fcv.orders.shortfall").replace("{qty}", &c.shortfall.to_string());
                    if !c.reason.trim().is_empty() {
                        text.push_str(": ");
                        text.push_str(c.reason.trim());
                    }
                    text
                })
                .unwrap_or_default();
            OrderRow {
                quantity: o.quantity,
                suggested: s.quantity,
                adjusted: s.adjusted_quantity.is_some_and(|a| a != s.quantity),
                badge: status_badge(s.status),
                vmi: s.run_id.is_none(),
                po_href: s.po_id.map(|p| format!("/orders/{p}")).unwrap_or_default(),
                po_number: o.po_number.clone().unwrap_or_default(),
                created: view::when(s.created_at),
                commitment,
                shortfall,
            }
        })
        .collect();
    let forecast = d.forecast.as_ref().map(|f| fc_block(t, sku, &d.dc.code, &anchor, f));
    DcBlock { code: d.dc.code.clone(), name: d.dc.name.clone(), anchor, svg, history, forecast, orders }
}

fn item_page(t: T, shell: Shell, retailer: bool, f: &ItemForecast) -> ItemPage {
    ItemPage {
        t,
        id: f.item.id.to_string(),
        sku: f.item.vendor_sku.clone(),
        title: f.item.title.clone(),
        gtin: f.item.gtin.as_str().to_string(),
        vendor_code: f.vendor_code.clone(),
        retailer,
        dcs: f.dcs.iter().map(|d| dc_block(t, &f.item.vendor_sku, d)).collect(),
        shell,
    }
}

pub async fn item(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, super::forecast::can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("item")) };
    match s.services.item_forecast(&req.ctx(&auth), id).await {
        Ok(f) => render(&item_page(t, shell, auth.user.is_retailer(), &f)),
        Err(e) => server_error(t, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    vendor: String,
    dc: String,
    class: String,
    q: String,
    cursor: String,
}

impl ListQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("vendor", self.vendor.trim()), ("dc", self.dc.trim()), ("class", self.class.trim()), ("q", self.q.trim())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The use case's query; `Ok(None)` when the vendor named is not one (nothing can match).
    async fn query(&self, s: &AppState, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Option<ForecastQuery>, ServiceError> {
        let opt = |v: &str| Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_string);
        match crate::api::forecast_view::list_filter(s, ctx, opt(&self.vendor).as_deref(), opt(&self.dc).as_deref(), opt(&self.class), opt(&self.q)).await {
            Ok(filter) => Ok(Some(ForecastQuery { filter, cursor: cursor.map(str::to_string), limit })),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

pub struct ListRow {
    vendor: String,
    sku: String,
    gtin: String,
    title: String,
    href: String,
    dc: String,
    class: String,
    method: String,
    first_week: String,
    mean_13: String,
    p90_13: u32,
    wape: String,
    bias: String,
}

#[derive(Template)]
#[template(path = "forecasts.html")]
struct ListPage {
    t: T,
    shell: Shell,
    errors: Errors,
    q: ListQuery,
    filtered: bool,
    retailer: bool,
    classes: Vec<(&'static str, &'static str)>,
    rows: Vec<ListRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
}

/// Field ids of the filter bar and their labels.
const FILTER_LABELS: &[(&str, &str)] = &[("vendor", "edi.vendor_code"), ("dc", "sales.dc"), ("class", "fcv.class"), ("q", "fcv.search")];

const CLASSES: &[&str] = &["smooth", "erratic", "intermittent", "lumpy"];

fn code_of(codes: &[(TenantId, String)], tenant: uuid::Uuid) -> String {
    codes.iter().find(|(t, _)| t.0 == tenant).map(|(_, c)| c.clone()).unwrap_or_default()
}

pub async fn list(State(s): State<AppState>, req: Req, Query(q): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, super::forecast::can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let cursor = lists::cursor(&q.cursor);
    let mut errors = Vec::new();
    let empty = || acorn_domain::paging::Page { items: Vec::new(), next: None };
    let page = match q.query(&s, &ctx, cursor, None).await {
        Ok(Some(query)) => s.services.forecast_list(&ctx, &query).await,
        Ok(None) => Ok(empty()),
        Err(ServiceError::Invalid(issues)) => {
            errors = issues.into_iter().map(|i| (i.field, i.issue)).collect();
            Ok(empty())
        }
        Err(e) => Err(e),
    };
    let page = match page {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let retailer = auth.user.is_retailer();
    let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.row.tenant_id)).collect();
    let codes = if retailer { s.services.vendor_codes_of(&ctx, &tenants).await.unwrap_or_default() } else { Vec::new() };
    let rows = page
        .items
        .iter()
        .map(|x| {
            let r = &x.row;
            ListRow {
                vendor: code_of(&codes, r.tenant_id),
                sku: r.vendor_sku.clone(),
                gtin: r.gtin.clone(),
                title: r.title.clone(),
                href: format!("/items/{}/forecast#dc-{}", r.item_id, r.dc_code.to_lowercase()),
                dc: r.dc_code.clone(),
                class: class_text(t, &r.class),
                method: r.method.clone(),
                first_week: week_label(r.first_week),
                mean_13: num(x.mean_13),
                p90_13: x.p90_13,
                wape: x.wape.map(pct).unwrap_or_default(),
                bias: x.bias.map(signed_pct).unwrap_or_default(),
            }
        })
        .collect();
    let Links { next_href, first_href, csv_href } = lists::links("/forecasts", &q.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        shell,
        errors: super::forms::labelled(t, errors, FILTER_LABELS),
        filtered: q.active(),
        retailer,
        classes: CLASSES.iter().map(|c| (*c, class_key(c).unwrap_or(""))).collect(),
        rows,
        next_href,
        first_href,
        csv_href,
        q,
    })
}

// ---------------------------------------------------------------------------------------------
// The CSV of every week of every visible forecast

/// The export's columns.
pub const CSV_HEADER: [&str; 12] = ["vendor_code", "vendor_sku", "gtin", "title", "dc", "week", "week_start", "mean", "p50", "p70", "p80", "p90"];

/// Series per page of the export (52 rows each).
const CSV_SERIES_PAGE: u64 = 200;

fn csv_line(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(c));
    }
    out.push_str("\r\n");
}

/// Every week of every visible series' latest forecast (the list's filter applies), streamed a page
/// of series at a time: the response starts at once and memory stays flat however many items.
pub async fn csv(State(s): State<AppState>, req: Req, Query(q): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, super::forecast::can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    // The filter is read before the response starts, so a bad one is an error page, not a cut file.
    let first = match q.query(&s, &ctx, None, Some(CSV_SERIES_PAGE)).await {
        Ok(first) => first,
        Err(e) => return server_error(t, e),
    };
    struct State0 {
        s: AppState,
        ctx: Ctx,
        query: Option<ForecastQuery>,
        header: bool,
    }
    let state = State0 { s, ctx, query: first, header: true };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        if st.header {
            st.header = false;
            let mut out = String::new();
            csv_line(&mut out, &CSV_HEADER);
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), st));
        }
        let query = st.query.take()?;
        let page = match st.s.services.forecast_series(&st.ctx, &query).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "forecast CSV export failed");
                return Some((Err(std::io::Error::other(e.to_string())), st));
            }
        };
        let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.row.tenant_id)).collect();
        let codes = st.s.services.vendor_codes_of(&st.ctx, &tenants).await.unwrap_or_default();
        let mut out = String::new();
        for series in &page.items {
            let r = &series.row;
            let vendor = code_of(&codes, r.tenant_id);
            for w in &series.weeks {
                let (label, monday, mean) = (week_label(w.week), w.week.to_string(), mean2(w.mean));
                let (p50, p70, p80, p90) = (w.p50.to_string(), w.p70.to_string(), w.p80.to_string(), w.p90.to_string());
                csv_line(&mut out, &[&vendor, &r.vendor_sku, &r.gtin, &r.title, &r.dc_code, &label, &monday, &mean, &p50, &p70, &p80, &p90]);
            }
        }
        st.query = page.next.map(|next| ForecastQuery { cursor: Some(next), ..query });
        Some((Ok(Bytes::from(out)), st))
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"forecasts.csv\"".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::{assert_all_known, known};

    fn monday(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn text() -> ChartText {
        ChartText {
            title: "Sales & forecast <A>".into(),
            desc: "d".into(),
            units: "units".into(),
            today: "today".into(),
            sold: "sold".into(),
            stockout: "out".into(),
            mean: "mean".into(),
            band: "P50–P90".into(),
        }
    }

    /// The numbers of an SVG attribute, e.g. every coordinate of the band's path.
    fn coords(svg: &str, class: &str) -> Vec<f64> {
        let at = svg.find(&format!(r#"class="{class}" d=""#)).expect(class);
        let rest = &svg[at + class.len() + 12..];
        let d = &rest[..rest.find('"').unwrap()];
        d.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect()
    }

    #[test]
    fn the_chart_scales_and_draws_a_band_and_a_mean() {
        let first = monday("2026-01-05");
        let history: Vec<HistoryWeek> = (1..=120u64)
            .map(|k| {
                let week = first - Days::new(7 * k);
                HistoryWeek { week, units: (k % 7) as i64 * 3, on_hand: Some(if k == 3 { 0 } else { 10 }), stockout: k == 3 }
            })
            .rev()
            .collect();
        let forecast: Vec<(NaiveDate, f64, u32, u32)> = (0..52u64).map(|k| (first + Days::new(7 * k), 9.5, 7, 40)).collect();
        let svg = chart("c1", &ChartData { history: &history, forecast }, &text());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains(r#"<title id="c1-title">Sales &amp; forecast &lt;A&gt;</title>"#));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        // 104 history bars, not 120; one stock-out bar.
        assert_eq!(svg.matches(r#"class="chart-sold""#).count(), CHART_HISTORY_WEEKS);
        assert_eq!(svg.matches("#bf8700").count(), 2, "one stock-out bar and its legend swatch");
        // The band is a closed area between two different lines, inside the plot.
        let band = coords(&svg, "chart-band");
        assert_eq!(band.len(), 52 * 2 * 2);
        let ys: Vec<f64> = band.iter().skip(1).step_by(2).copied().collect();
        let (top, bottom) = (ys.iter().cloned().fold(f64::MAX, f64::min), ys.iter().cloned().fold(0.0, f64::max));
        assert!(top < bottom - 10.0, "a band of height > 0");
        assert!(top >= TOP && bottom <= PLOT_BOTTOM);
        // The y axis goes to a round 40 or more (P90 is 40): P90 at or below the top of the plot.
        let (ymax, step) = nice_scale(40.0);
        assert_eq!((ymax, step), (40.0, 10.0));
        let mean = coords(&svg, "chart-mean");
        assert_eq!(mean.len(), 104);
        let xs: Vec<f64> = mean.iter().step_by(2).copied().collect();
        assert!(xs.windows(2).all(|w| w[1] > w[0]) && *xs.last().unwrap() <= W - RIGHT);
        assert!(svg.contains("chart-today") && svg.contains(">2026-W02<") || svg.contains("-W"));
    }

    #[test]
    fn scales_are_round_and_never_zero() {
        // Nothing sold and nothing forecast: an axis from 0 to 1 unit, not a division by zero.
        assert_eq!(nice_scale(0.0), (1.0, 1.0));
        assert_eq!(nice_scale(f64::NAN), (1.0, 1.0));
        assert_eq!(nice_scale(3.2), (4.0, 1.0));
        assert_eq!(nice_scale(97.0), (100.0, 25.0));
        assert_eq!(nice_scale(1234.0), (1500.0, 500.0));
        let (m, s) = nice_scale(123_456.0);
        assert!(m >= 123_456.0 && s >= 1.0 && (m / s).fract() == 0.0);
    }

    #[test]
    fn a_history_only_chart_has_no_band() {
        let history = vec![HistoryWeek { week: monday("2026-01-05"), units: 0, on_hand: None, stockout: false }];
        let svg = chart("c2", &ChartData { history: &history, forecast: Vec::new() }, &text());
        assert!(!svg.contains("chart-band") && !svg.contains("NaN"));
        assert_eq!(svg.matches(r#"class="chart-sold""#).count(), 1);
    }

    #[test]
    fn every_label_is_in_the_catalogue() {
        assert_all_known(SuggestionStatus::ALL, |s| status_badge(s).key);
        for c in CLASSES {
            assert!(known(class_key(c).unwrap()), "{c}");
        }
        for (_, k) in FILTER_LABELS {
            assert!(known(k), "{k}");
        }
        for k in [
            "fcv.acc.wape",
            "fcv.acc.bias_over",
            "fcv.acc.bias_under",
            "fcv.acc.bias_none",
            "fcv.acc.none",
            "fcv.totals.next",
            "fcv.chart.title",
            "fcv.chart.desc",
            "fcv.chart.desc_history",
            "fcv.chart.units",
            "fcv.chart.today",
            "fcv.chart.sold",
            "fcv.chart.stockout",
            "fcv.chart.mean",
            "fcv.chart.band",
            "fcv.orders.committed",
            "fcv.orders.available_on",
            "fcv.orders.shortfall",
            "nav.forecasts",
            "fcv.acc.chart.title",
            "fcv.acc.chart.desc",
            "fcv.acc.by_week",
        ] {
            assert!(known(k), "{k}");
        }
    }

    #[test]
    fn the_accuracy_chart_has_bars_and_a_forecast_line() {
        let points: Vec<(NaiveDate, f64, i64)> = (0..13u64).map(|k| (monday("2025-10-06") + Days::new(7 * k), 4.5 + k as f64, 6)).collect();
        let svg = accuracy_chart("a1", &points, &text());
        assert_eq!(svg.matches(r#"class="chart-sold""#).count(), 13);
        let line = coords(&svg, "chart-forecast");
        assert_eq!(line.len(), 26);
        assert!(line.iter().all(|v| v.is_finite() && *v >= 0.0) && !svg.contains("NaN"));
        assert!(accuracy_chart("a2", &[], &text()).ends_with("</svg>"));
        assert_eq!((signed_pct(0.051), signed_pct(-0.12), signed_pct(-0.001)), ("+5%".to_string(), "-12%".to_string(), "0%".to_string()));
        assert_eq!(num(-0.04), "0");
    }

    #[test]
    fn accuracy_reads_as_words() {
        let t = T::new(acorn_domain::people::Locale::En);
        let w = accuracy_words(t, 13, Some(0.18), Some(-0.05));
        assert!(w.contains("13") && w.contains("18%") && w.contains("5%"), "{w}");
        assert_eq!(accuracy_words(t, 0, None, None), t.t("fcv.acc.none"));
    }
}
