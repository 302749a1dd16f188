//! Accuracy metrics, defined exactly as the benchmark harness (`bench_statsforecast.py`,
//! `scales` and `evaluate`) defines them, so a Rust run and a statsforecast run are scored alike:
//!
//! - scale1 = mean |y_t − y_{t−1}| and scale2 = mean (y_t − y_{t−1})² over the history from the
//!   first nonzero week (series whose scale1 is 0 or undefined are dropped and counted);
//! - MASE = mean |e| / scale1, RMSSE = sqrt(mean e² / scale2), averaged over series;
//! - SPL_q = mean pinball_q(y, max(Q_q, 0)) / scale1 (the M5 scaled pinball);
//! - cov_q = share of held-out weeks with y ≤ Q_q and covlo_q = share with y < Q_q: integer
//!   quantiles are calibrated when q lies between the two;
//! - bias = Σ forecast / Σ actual − 1 over the whole panel.
//!
//! [`evaluate_panel`] runs the engine's batch forecast over a parsed panel and scores it
//! ([`crate::bench`] is the whole benchmark, which `acorn forecast bench` wraps).

use serde::{Deserialize, Serialize};

use crate::engine::{Config, Forecast};
use crate::panel::Panel;

/// The quantile levels every forecast carries, in the order of `Forecast::quantiles`.
pub const LEVELS: [f64; 4] = [0.5, 0.7, 0.8, 0.9];

/// The harness's per-series scales: (scale1, scale2); NaN when undefined (no nonzero week, or
/// nothing after it).
pub fn scales(history: &[f64]) -> (f64, f64) {
    let Some(first) = history.iter().position(|&v| v != 0.0) else {
        return (f64::NAN, f64::NAN);
    };
    let tail = &history[first..];
    if tail.len() < 2 {
        return (f64::NAN, f64::NAN);
    }
    let n = (tail.len() - 1) as f64;
    let (s1, s2) = tail.windows(2).fold((0.0, 0.0), |(a, b), w| {
        let d = w[1] - w[0];
        (a + d.abs(), b + d * d)
    });
    (s1 / n, s2 / n)
}

/// The harness's pinball loss.
pub fn pinball(y: f64, q_value: f64, q: f64) -> f64 {
    let e = y - q_value;
    (q * e).max((q - 1.0) * e)
}

/// Scores, with the harness's JSON keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(rename = "MASE")]
    pub mase: f64,
    #[serde(rename = "RMSSE")]
    pub rmsse: f64,
    pub bias: f64,
    #[serde(rename = "SPL50")]
    pub spl50: f64,
    #[serde(rename = "SPL70")]
    pub spl70: f64,
    #[serde(rename = "SPL80")]
    pub spl80: f64,
    #[serde(rename = "SPL90")]
    pub spl90: f64,
    pub cov50: f64,
    pub cov70: f64,
    pub cov80: f64,
    pub cov90: f64,
    pub covlo50: f64,
    pub covlo70: f64,
    pub covlo80: f64,
    pub covlo90: f64,
    #[serde(rename = "SPL_avg")]
    pub spl_avg: f64,
    pub n_eval: usize,
    pub n_dropped: usize,
    /// Wall time of the forecasts (not of parsing or scoring), seconds.
    pub sec: f64,
    pub sec_per_1k: f64,
}

impl Metrics {
    /// The largest distance of a level from its calibration band [covlo, cov] over P70/P80/P90
    /// (0 when every level lies inside its band). The target is ≤ 0.03.
    pub fn calibration_gap(&self) -> f64 {
        [(0.7, self.covlo70, self.cov70), (0.8, self.covlo80, self.cov80), (0.9, self.covlo90, self.cov90)]
            .iter()
            .map(|&(q, lo, hi)| (lo - q).max(q - hi).max(0.0))
            .fold(0.0, f64::max)
    }
}

/// One scored series: the held-out actuals, the mean forecast, optional quantiles (P50, P70,
/// P80, P90 per week) and the history it was forecast from (for the scales).
pub struct Scored<'a> {
    pub history: &'a [f64],
    pub actual: &'a [f64],
    pub mean: &'a [f64],
    pub quantiles: Option<&'a [[f64; 4]]>,
}

/// The harness's `evaluate`: series with scale1 ≤ 0 (or undefined) or a non-finite mean are
/// dropped. Quantile scores are filled only when every series carries quantiles.
pub fn evaluate(series: &[Scored]) -> Metrics {
    let mut m = Metrics::default();
    let (mut sum_f, mut sum_y) = (0.0, 0.0);
    let mut spl = [0.0; 4];
    let mut cov = [0usize; 4];
    let mut covlo = [0usize; 4];
    let mut cells = 0usize;
    let with_q = series.iter().all(|s| s.quantiles.is_some());
    for s in series {
        let (s1, s2) = scales(s.history);
        // NaN scales (no sale, or one week) drop too, as `s1 > 0` is false for NaN in numpy.
        if s1.is_nan() || s1 <= 0.0 || s.mean.iter().any(|v| !v.is_finite()) {
            m.n_dropped += 1;
            continue;
        }
        m.n_eval += 1;
        let h = s.actual.len() as f64;
        let (mut abs, mut sq) = (0.0, 0.0);
        for (y, f) in s.actual.iter().zip(s.mean) {
            let e = y - f;
            abs += e.abs();
            sq += e * e;
        }
        m.mase += abs / h / s1;
        m.rmsse += (sq / h / s2).sqrt();
        sum_f += s.mean.iter().sum::<f64>();
        sum_y += s.actual.iter().sum::<f64>();
        if let (true, Some(qs)) = (with_q, s.quantiles) {
            cells += s.actual.len();
            for (j, &level) in LEVELS.iter().enumerate() {
                let mut loss = 0.0;
                for (y, q) in s.actual.iter().zip(qs) {
                    let qv = q[j].max(0.0);
                    loss += pinball(*y, qv, level);
                    cov[j] += usize::from(*y <= qv);
                    covlo[j] += usize::from(*y < qv);
                }
                spl[j] += loss / h / s1;
            }
        }
    }
    let n = m.n_eval as f64;
    m.mase /= n;
    m.rmsse /= n;
    m.bias = sum_f / sum_y - 1.0;
    if with_q && cells > 0 {
        let c = cells as f64;
        [m.spl50, m.spl70, m.spl80, m.spl90] = spl.map(|v| v / n);
        [m.cov50, m.cov70, m.cov80, m.cov90] = cov.map(|v| v as f64 / c);
        [m.covlo50, m.covlo70, m.covlo80, m.covlo90] = covlo.map(|v| v as f64 / c);
        m.spl_avg = spl.iter().sum::<f64>() / n / 4.0;
    }
    m
}

/// Forecasts every series of the panel with `config` (single-threaded, through
/// [`crate::engine::forecast_batch`] with a season index pooled over the whole panel), times it and
/// scores the forecasts against the held-out weeks. Returns the scores and the forecasts; one
/// timed run of [`crate::bench::run`], which also has the CPU time and repeated runs.
pub fn evaluate_panel(panel: &Panel, config: &Config) -> (Metrics, Vec<Forecast>) {
    let (report, forecasts) = crate::bench::run(panel, config, 1, || None);
    (report.metrics, forecasts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_start_at_the_first_sale() {
        // From the first nonzero: 2, 0, 4 → diffs −2, 4 → scale1 = 3, scale2 = 10.
        let (s1, s2) = scales(&[0.0, 0.0, 2.0, 0.0, 4.0]);
        assert_eq!((s1, s2), (3.0, 10.0));
        assert!(scales(&[0.0, 0.0]).0.is_nan());
        assert!(scales(&[0.0, 3.0]).0.is_nan());
    }

    #[test]
    fn evaluate_matches_hand_computed_scores() {
        // History 1, 3 → scale1 = 2, scale2 = 4. Actuals 2, 0; mean 1, 1 → |e| = 1, 1.
        // MASE = 1/2; RMSSE = sqrt(1/4) = 0.5; bias = 2/2 − 1 = 0.
        // Quantiles (0, 1, 2, 2): P50 = 0 → pinball(2, 0) = 1, pinball(0, 0) = 0 → SPL50 = 0.5/2.
        let q = [[0.0, 1.0, 2.0, 2.0], [0.0, 1.0, 2.0, 2.0]];
        let s = Scored { history: &[1.0, 3.0], actual: &[2.0, 0.0], mean: &[1.0, 1.0], quantiles: Some(&q) };
        let dropped = Scored { history: &[0.0, 0.0], actual: &[2.0, 0.0], mean: &[1.0, 1.0], quantiles: Some(&q) };
        let m = evaluate(&[s, dropped]);
        assert_eq!((m.n_eval, m.n_dropped), (1, 1));
        assert!((m.mase - 0.5).abs() < 1e-15 && (m.rmsse - 0.5).abs() < 1e-15 && m.bias.abs() < 1e-15);
        assert!((m.spl50 - 0.25).abs() < 1e-15);
        // P70 = 1: y = 2 → 0.7·1; y = 0 → 0.3·1 → mean 0.5, /2 = 0.25.
        assert!((m.spl70 - 0.25).abs() < 1e-15);
        assert_eq!((m.cov50, m.covlo50), (0.5, 0.0));
        assert_eq!((m.cov80, m.covlo80), (1.0, 0.5));
    }
}
