//! The candidate methods, their forecasts on a (deseasonalised) history, and the rolling-origin
//! backtest that chooses among them.
//!
//! Flat methods (averages, Croston, TSB, ADIDA, IMAPA) run on the deseasonalised series
//! z = y / s and their level is re-seasonalised week by week; the seasonal naive runs on the raw
//! series; ETS and Theta (owned by their own modules) give a trending path on the deseasonalised
//! series, re-seasonalised the same way. A backtest refits a method on the history up to an origin and scores the next weeks.

use serde::{Deserialize, Serialize};

use crate::methods::{adida, average, croston, ets, naive, theta, tsb};
use crate::season::Seasonal;

/// A point-forecast method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The last week.
    Naive,
    /// The same week a year earlier.
    SeasonalNaive,
    /// Mean of all weeks since the first sale.
    Mean,
    /// Mean of the last n weeks.
    Window(u16),
    /// Exponentially weighted mean, weight per week in thousandths.
    Weighted(u16),
    CrostonClassic,
    CrostonSba,
    CrostonOptimised,
    /// TSB with weights optimised for the horizon.
    Tsb,
    Adida,
    Imapa,
    /// Automatic ETS (by AICc, incl. damped trend) on the deseasonalised series.
    Ets,
    /// The Theta method on the deseasonalised series.
    Theta,
}

impl Method {
    /// A short stable name (for reports and JSON summaries).
    pub fn name(self) -> String {
        match self {
            Method::Window(n) => format!("window{n}"),
            Method::Weighted(a) => format!("weighted{a}"),
            other => serde_plain(other),
        }
    }

    /// The deseasonalised path of a trending method (ETS, Theta), floored at zero.
    fn path(self, z: &[f64], h: usize) -> Vec<f64> {
        let path = match self {
            Method::Ets => ets::forecast(z, 1, h),
            Method::Theta => theta::forecast(z, 1, h),
            _ => vec![self.level(z, h); h],
        };
        path.into_iter().map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 }).collect()
    }

    /// The flat level after the deseasonalised history `z`, for a forecast `lead` weeks out
    /// (TSB tunes its weights for that span). Not meaningful for [`Method::SeasonalNaive`].
    pub fn level(self, z: &[f64], lead: usize) -> f64 {
        let v = match self {
            Method::Naive => z.last().copied().unwrap_or(0.0),
            Method::SeasonalNaive | Method::Mean => average::mean(z),
            Method::Window(n) => average::window(z, usize::from(n)),
            Method::Weighted(a) => average::weighted(z, f64::from(a) / 1000.0),
            Method::CrostonClassic => croston::classic(z, 0.1),
            Method::CrostonSba => croston::sba(z, 0.1),
            Method::CrostonOptimised => croston::optimised(z),
            Method::Tsb => tsb::optimise(z, lead).level,
            Method::Adida => adida::adida(z),
            Method::Imapa => adida::imapa(z),
            Method::Ets | Method::Theta => average::mean(&self.path(z, lead.max(1))),
        };
        if v.is_finite() { v.max(0.0) } else { 0.0 }
    }

    /// Forecast of weeks `start..start + h` of a series of full length `len` (indices past `len`
    /// are future weeks) from `y[..start]` / `z[..start]`, with seasonal factors `seasonal`,
    /// and its base level (the flat level before seasonal factors; for the seasonal naive, the
    /// mean of its path).
    pub fn forecast(self, y: &[f64], z: &[f64], seasonal: &Seasonal, len: usize, start: usize, h: usize) -> (Vec<f64>, f64) {
        if self == Method::SeasonalNaive {
            let path = naive::seasonal_naive(&y[..start], crate::season::PERIOD, h);
            let base = path.iter().sum::<f64>() / h.max(1) as f64;
            return (path, base);
        }
        if matches!(self, Method::Ets | Method::Theta) {
            let path = self.path(&z[..start], h);
            let base = average::mean(&path);
            return (path.iter().enumerate().map(|(k, v)| v * seasonal.at(len, start + k)).collect(), base);
        }
        let level = self.level(&z[..start], h);
        ((0..h).map(|k| level * seasonal.at(len, start + k)).collect(), level)
    }
}

fn serde_plain(m: Method) -> String {
    match m {
        Method::Naive => "naive",
        Method::SeasonalNaive => "seasonal_naive",
        Method::Mean => "mean",
        Method::CrostonClassic => "croston_classic",
        Method::CrostonSba => "croston_sba",
        Method::CrostonOptimised => "croston_optimised",
        Method::Tsb => "tsb",
        Method::Adida => "adida",
        Method::Imapa => "imapa",
        Method::Ets => "ets",
        Method::Theta => "theta",
        Method::Window(_) | Method::Weighted(_) => unreachable!("named in Method::name"),
    }
    .to_string()
}

/// How the method of each item is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Always this method.
    Fixed(Method),
    /// Each item takes the candidate with the lowest backtest error.
    Series,
    /// Each demand class takes the candidate with the lowest mean scaled backtest error over
    /// its items in the batch (a single forecast uses `Config::class_methods`).
    Class,
}

/// The mean squared error of a forecast against actuals (∞ for none).
pub fn mse(forecast: &[f64], actual: &[f64]) -> f64 {
    if actual.is_empty() {
        return f64::INFINITY;
    }
    forecast.iter().zip(actual).map(|(f, a)| (f - a) * (f - a)).sum::<f64>() / actual.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_levels_are_reseasonalised() {
        let y = [2.0, 2.0, 4.0, 4.0];
        let s = Seasonal::flat();
        assert_eq!(Method::Mean.forecast(&y, &y, &s, 4, 4, 2), (vec![3.0, 3.0], 3.0));
        assert_eq!(Method::Window(2).forecast(&y, &y, &s, 4, 2, 2).0, vec![2.0, 2.0]);
        assert_eq!(Method::Naive.forecast(&y, &y, &s, 4, 3, 1).0, vec![4.0]);
        assert_eq!(Method::SeasonalNaive.forecast(&y, &y, &s, 4, 4, 2), (vec![4.0, 4.0], 4.0));
        let mut seasonal = Seasonal::flat();
        seasonal.factors[0] = 2.0; // the first forecast week of a length-4 series is phase 0
        assert_eq!(Method::Mean.forecast(&y, &y, &seasonal, 4, 4, 2).0, vec![6.0, 3.0]);
    }

    #[test]
    fn names_are_stable() {
        assert_eq!(Method::Window(52).name(), "window52");
        assert_eq!(Method::Tsb.name(), "tsb");
        assert_eq!(Method::Weighted(20).name(), "weighted20");
        assert!(mse(&[], &[]).is_infinite());
        assert_eq!(mse(&[1.0, 3.0], &[2.0, 1.0]), 2.5);
    }
}
