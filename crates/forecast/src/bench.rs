//! The panel benchmark: forecast every series of a parsed harness panel ([`crate::panel`]) with one
//! configuration, single-threaded, time it, and score it with the harness's metrics
//! ([`crate::metrics`]). `acorn forecast bench` is a thin wrapper (file in, JSON out), so the
//! numbers it prints are the ones this module computes and tests.
//!
//! The wall clock is read here; the CPU clock is handed in by the caller, because reading one is
//! IO and platform-specific (this crate does neither). On a shared machine thread CPU time is the
//! steadier figure: the neighbours inflate wall time, not the CPU time the forecasts used.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::engine::{self, Config, Forecast, History};
use crate::metrics::{self, Metrics, Scored};
use crate::panel::Panel;

/// What `acorn forecast bench` writes: the harness's metric keys under `metrics` (with `sec` and
/// `sec_per_1k`, the fastest wall time of the forecasts over `runs`), and what the engine did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub series: usize,
    pub horizon: usize,
    pub metrics: Metrics,
    /// [`Metrics::calibration_gap`]: 0 when P70/P80/P90 each lie inside their coverage band.
    pub calibration_gap: f64,
    /// Items per chosen method (its [`crate::select::Method::name`]).
    pub methods: BTreeMap<String, usize>,
    /// Items per SBC demand class (comparable with the harness's `info.sbc`).
    pub classes: BTreeMap<String, usize>,
    /// Timed runs; the forecasts of every run are identical, only the fastest time is kept.
    pub runs: usize,
    /// Fastest thread CPU time of the forecasts over the runs (None without a CPU clock).
    pub cpu_sec: Option<f64>,
    pub cpu_sec_per_1k: Option<f64>,
}

/// Forecasts every series of `panel` with `config` (its horizon replaced by the panel's) through
/// [`engine::forecast_batch`], so the season index, the method per class and the calibration
/// are pooled over the whole panel, as one category's weekly run would be.
pub fn forecast_panel(panel: &Panel, config: &Config) -> Vec<Forecast> {
    let config = Config { horizon: panel.horizon, ..config.clone() };
    let histories: Vec<History> = panel.history.iter().map(|s| History { sales: s, on_hand: None }).collect();
    engine::forecast_batch(&histories, &config)
}

/// Scores forecasts of `panel` (in its order) against its held-out weeks; the time fields stay 0.
pub fn score_panel(panel: &Panel, forecasts: &[Forecast]) -> Metrics {
    let hist: Vec<Vec<f64>> = panel.history.iter().map(|s| s.iter().map(|&v| f64::from(v)).collect()).collect();
    let quants: Vec<Vec<[f64; 4]>> = forecasts.iter().map(|f| f.quantiles.iter().map(|q| q.map(f64::from)).collect()).collect();
    let scored: Vec<Scored> = (0..hist.len().min(forecasts.len()))
        .map(|i| Scored { history: &hist[i], actual: &panel.actual[i], mean: &forecasts[i].mean, quantiles: Some(&quants[i]) })
        .collect();
    metrics::evaluate(&scored)
}

/// Runs the benchmark: `runs` (at least 1) timed forecasts of the whole panel, each timed by the
/// wall clock and by `cpu_clock` (seconds of this thread's CPU time, None if unavailable), then
/// scores the first run's forecasts. Returns the report and those forecasts.
pub fn run(panel: &Panel, config: &Config, runs: usize, cpu_clock: impl Fn() -> Option<f64>) -> (Report, Vec<Forecast>) {
    let runs = runs.max(1);
    let mut forecasts = Vec::new();
    let (mut wall, mut cpu): (f64, Option<f64>) = (f64::INFINITY, None);
    for i in 0..runs {
        let (c0, t0) = (cpu_clock(), Instant::now());
        let f = forecast_panel(panel, config);
        let (t, c) = (t0.elapsed().as_secs_f64(), cpu_clock().zip(c0).map(|(b, a)| b - a));
        // The machine may be shared: the least disturbed run is the fastest one.
        wall = wall.min(t);
        cpu = match (cpu, c) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if i == 0 {
            forecasts = f;
        }
    }
    let n = panel.history.len();
    let per_1k = |s: f64| if n == 0 { 0.0 } else { s / n as f64 * 1000.0 };
    let mut m = score_panel(panel, &forecasts);
    (m.sec, m.sec_per_1k) = (wall, per_1k(wall));
    let mut methods = BTreeMap::new();
    let mut classes = BTreeMap::new();
    for f in &forecasts {
        *methods.entry(f.method.name()).or_default() += 1;
        *classes.entry(f.class.as_str().to_string()).or_default() += 1;
    }
    let report = Report {
        series: n,
        horizon: panel.horizon,
        calibration_gap: m.calibration_gap(),
        metrics: m,
        methods,
        classes,
        runs,
        cpu_sec: cpu,
        cpu_sec_per_1k: cpu.map(per_1k),
    };
    (report, forecasts)
}

/// The harness's `EmpiricalQ52` baseline (mean and linearly interpolated quantiles of the last 52
/// weeks, flat over the horizon) scored by our metrics: it must equal the harness's figures for
/// the same panel, a check that both sides score alike.
pub fn empirical_q52(panel: &Panel) -> Metrics {
    let hist: Vec<Vec<f64>> = panel.history.iter().map(|s| s.iter().map(|&v| f64::from(v)).collect()).collect();
    let mut means = Vec::with_capacity(hist.len());
    let mut quants = Vec::with_capacity(hist.len());
    for y in &hist {
        let last = &y[y.len().saturating_sub(52)..];
        let mean = last.iter().sum::<f64>() / last.len().max(1) as f64;
        let mut sorted = last.to_vec();
        sorted.sort_by(f64::total_cmp);
        // numpy's default ("linear") quantile.
        let q = metrics::LEVELS.map(|l| {
            if sorted.is_empty() {
                return 0.0;
            }
            let pos = l * (sorted.len() - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(sorted.len() - 1);
            sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
        });
        means.push(vec![mean; panel.horizon]);
        quants.push(vec![q; panel.horizon]);
    }
    let scored: Vec<Scored> =
        (0..hist.len()).map(|i| Scored { history: &hist[i], actual: &panel.actual[i], mean: &means[i], quantiles: Some(&quants[i]) }).collect();
    metrics::evaluate(&scored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel;

    /// 40 intermittent and smooth series of 104 + 13 weeks from a fixed LCG.
    fn small_panel() -> Panel {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        let rows: Vec<String> = (0..40)
            .map(|k| {
                let every = 1 + k % 4;
                (0..117).map(|i| if i % every == 0 { (1 + next() % (3 + k % 5)).to_string() } else { "0".into() }).collect::<Vec<_>>().join(",")
            })
            .collect();
        panel::parse(&rows.join("\n"), 13).unwrap()
    }

    #[test]
    fn a_run_scores_every_series_and_keeps_the_fastest_time() {
        let p = small_panel();
        let ticks = std::cell::Cell::new(0.0);
        // A fake CPU clock advancing 1 s per reading: every run measures exactly 1 s.
        let clock = || {
            ticks.set(ticks.get() + 1.0);
            Some(ticks.get())
        };
        let (r, forecasts) = run(&p, &Config::default(), 2, clock);
        assert_eq!((r.series, r.horizon, r.runs, forecasts.len()), (40, 13, 2, 40));
        assert_eq!(r.metrics.n_eval + r.metrics.n_dropped, 40);
        assert_eq!(r.methods.values().sum::<usize>(), 40);
        assert_eq!(r.classes.values().sum::<usize>(), 40);
        assert_eq!((r.cpu_sec, r.cpu_sec_per_1k), (Some(1.0), Some(25.0)));
        assert!(r.metrics.rmsse.is_finite() && r.metrics.rmsse > 0.0 && r.metrics.spl_avg > 0.0);
        assert!(r.metrics.sec >= 0.0 && forecasts.iter().all(|f| f.mean.len() == 13));
        assert_eq!(r.metrics, Metrics { sec: r.metrics.sec, sec_per_1k: r.metrics.sec_per_1k, ..score_panel(&p, &forecasts) });
        assert_eq!(run(&p, &Config::default(), 1, || None).0.cpu_sec, None);
    }

    #[test]
    fn the_empirical_reference_is_flat_and_interpolated() {
        // History 0..=9 (one series), holdout 4, 4: mean 4.5; P50 = 4.5, P90 = 8.1.
        let text = (0..10).chain([4, 4]).map(|v: u32| v.to_string()).collect::<Vec<_>>().join(",");
        let p = panel::parse(&text, 2).unwrap();
        let m = empirical_q52(&p);
        // scale1 from the first sale (1..=9): 1; |e| = 0.5 → MASE 0.5.
        assert!((m.mase - 0.5).abs() < 1e-12, "{m:?}");
        assert_eq!((m.cov50, m.covlo50), (1.0, 1.0));
        assert_eq!(empirical_q52(&panel::parse("", 2).unwrap()).n_eval, 0);
    }
}
