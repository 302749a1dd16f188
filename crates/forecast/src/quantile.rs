//! Predictive distributions per week and the integer quantiles read from them.
//!
//! A week's demand is a hurdle: zero, or 1 + a negative binomial size. The point model gives the
//! week's mean; the item's history gives how that mean splits into "how often" and "how much":
//!
//! - `p0`, the share of nonzero weeks at the item's base level (last year, lightly shrunk);
//! - the size dispersion (1/shape of the negative binomial of size − 1), from the item's nonzero
//!   weeks, shrunk towards its class and scaled by a per-class calibration factor.
//!
//! A week whose mean is `m` times the base level has nonzero probability 1 − (1 − p0)^m (demand
//! events arriving m times as fast) and carries the rest of its mean in the size; a dying item's
//! zero probability grows by 1 − alive. So every week's distribution is rebuilt from its mean
//! and four numbers per item ([`WeekDist`]), which is what a [`crate::engine::Forecast`] stores.

use serde::{Deserialize, Serialize};

use crate::dist::{self, Pmf};
use crate::metrics::LEVELS;

/// What turns a week's mean into its distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeekDist {
    /// Probability of a nonzero week at the base level (alive).
    pub p0: f64,
    /// The base level: mean per week at seasonal factor 1 while alive.
    pub base: f64,
    /// Probability the item still sells.
    pub alive: f64,
    /// 1/shape of the negative binomial of size − 1 (0: Poisson).
    pub dispersion: f64,
}

impl WeekDist {
    /// (probability of a nonzero week, mean of size − 1, NB shape) for a week with mean `mean`.
    pub fn params(&self, mean: f64) -> (f64, f64, f64) {
        let shape = if self.dispersion > 0.0 { 1.0 / self.dispersion } else { f64::INFINITY };
        if !mean.is_finite() || mean <= 0.0 || self.alive.is_nan() || self.alive <= 0.0 {
            return (0.0, 0.0, shape);
        }
        let alive = self.alive.min(1.0);
        let p0 = if self.p0.is_finite() { self.p0.clamp(0.0, 1.0) } else { 0.0 };
        let m = if self.base > 0.0 { mean / (alive * self.base) } else { 1.0 };
        let occur = if p0 >= 1.0 { 1.0 } else { 1.0 - (1.0 - p0).powf(m) };
        // A size is at least one unit, so the nonzero probability cannot exceed the mean.
        let mut p = (alive * occur).min(mean);
        if p.is_nan() || p <= 1e-12 {
            // No rate to go on (p0 = 0): every live week sells, the size carries the mean.
            p = alive.min(mean);
        }
        (p, (mean / p - 1.0).max(0.0), shape)
    }

    /// The week's distribution (for replenishment, which convolves weeks).
    pub fn pmf(&self, mean: f64) -> Pmf {
        let (p, m1, shape) = self.params(mean);
        Pmf::hurdle(p, &Pmf::negative_binomial(m1, shape))
    }

    /// P50, P70, P80, P90 of the week: integer and non-decreasing by construction.
    pub fn quantiles(&self, mean: f64) -> [u32; 4] {
        let (p, m1, shape) = self.params(mean);
        dist::hurdle_nb_quantiles(p, m1, shape, &LEVELS)
    }

    /// [`WeekDist::quantiles`] for each week's mean (weeks with the mean of the week before, as
    /// in a non-seasonal forecast, reuse its quantiles).
    pub fn quantiles_path(&self, means: &[f64]) -> Vec<[u32; 4]> {
        let mut out: Vec<[u32; 4]> = Vec::with_capacity(means.len());
        for (i, &m) in means.iter().enumerate() {
            let q = match out.last() {
                Some(q) if means[i - 1] == m => *q,
                _ => self.quantiles(m),
            };
            out.push(q);
        }
        out
    }

    /// (P(Y < y), P(Y ≤ y)) for an observed y: the randomised PIT's ends, for calibration.
    pub fn pit(&self, mean: f64, y: f64) -> (f64, f64) {
        let (p, m1, shape) = self.params(mean);
        dist::hurdle_nb_cdf_pair(p, m1, shape, y.clamp(0.0, u32::MAX as f64) as u32)
    }
}

/// Estimates an item's [`WeekDist`] from its demand `y` (from the first sale), the deseasonalised
/// base level of the point model, the alive probability, the weeks of recent history that give
/// `p0`, and the class's dispersion prior (`prior`, worth `prior_weight` nonzero weeks).
pub fn estimate(y: &[f64], base: f64, alive: f64, rate_weeks: usize, prior: f64, prior_weight: f64) -> WeekDist {
    let recent = &y[y.len().saturating_sub(rate_weeks.max(1))..];
    let nonzero = recent.iter().filter(|v| **v > 0.0).count() as f64;
    let p0 = (nonzero + 0.5) / (recent.len() as f64 + 1.0);
    let (mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0);
    for &v in y.iter().filter(|v| **v > 0.0) {
        n += 1.0;
        sum += v - 1.0;
        sum_sq += (v - 1.0) * (v - 1.0);
    }
    let own = if n >= 2.0 {
        let m1 = sum / n;
        let var = (sum_sq / n - m1 * m1) * n / (n - 1.0);
        if m1 > 0.0 { ((var - m1) / (m1 * m1)).max(0.0) } else { 0.0 }
    } else {
        prior
    };
    let dispersion = (n * own + prior_weight * prior) / (n + prior_weight).max(1e-12);
    WeekDist { p0, base, alive, dispersion: dispersion.clamp(0.0, 50.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_computed_week_parameters() {
        let d = WeekDist { p0: 0.5, base: 2.0, alive: 1.0, dispersion: 0.5 };
        // At the base level: p = 0.5, size mean 4 → size − 1 mean 3; shape 2.
        assert_eq!(d.params(2.0), (0.5, 3.0, 2.0));
        // Twice the base: p = 1 − 0.5² = 0.75; size mean 4/0.75.
        let (p, m1, _) = d.params(4.0);
        assert!((p - 0.75).abs() < 1e-15 && (m1 - (4.0 / 0.75 - 1.0)).abs() < 1e-12);
        // Half alive: the zero mass grows, the mean stays.
        let half = WeekDist { alive: 0.5, ..d };
        let (p, m1, _) = half.params(1.0);
        assert!((p * (1.0 + m1) - 1.0).abs() < 1e-12);
        // A mean below the nonzero probability means sizes of exactly one.
        let tiny = WeekDist { p0: 0.99, ..d }.params(0.1);
        assert!((tiny.0 - 0.1).abs() < 1e-15 && tiny.1 == 0.0);
        assert_eq!(d.params(0.0).0, 0.0);
    }

    #[test]
    fn estimate_reads_rate_and_dispersion() {
        // Every other week sells 3 (size − 1 = 2, no spread → Poisson-like under-dispersion → 0).
        let y: Vec<f64> = (0..52).map(|i| if i % 2 == 0 { 3.0 } else { 0.0 }).collect();
        let d = estimate(&y, 1.5, 1.0, 52, 0.3, 0.0);
        assert!((d.p0 - 26.5 / 53.0).abs() < 1e-12);
        assert_eq!(d.dispersion, 0.0);
        // With no sales at all the prior decides.
        assert_eq!(estimate(&[0.0; 10], 0.0, 1.0, 52, 0.3, 5.0).dispersion, 0.3);
        assert_eq!(estimate(&[], 0.0, 1.0, 52, 0.3, 5.0).dispersion, 0.3);
    }

    proptest! {
        #[test]
        fn quantiles_are_ordered_and_the_pmf_keeps_the_mean(p0 in 0.01f64..1.0, base in 0.0f64..50.0, alive in 0.05f64..1.0,
                                                           disp in 0.0f64..5.0, mean in 0.0f64..100.0) {
            let d = WeekDist { p0, base, alive, dispersion: disp };
            let q = d.quantiles(mean);
            prop_assert!(q.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(d.quantiles_path(&[mean, mean, 0.0]), vec![q, q, d.quantiles(0.0)]);
            let pmf = d.pmf(mean);
            if alive > 0.0 && mean > 0.0 {
                prop_assert!((pmf.mean() - mean).abs() < 1e-4 * mean.max(1.0), "{} vs {mean}", pmf.mean());
            }
        }
    }
}
