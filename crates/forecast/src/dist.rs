//! Discrete demand distributions on 0, 1, 2, … units: the negative binomial, the Poisson, the
//! hurdle (zero or a shifted positive count), their convolution, and integer quantiles.
//!
//! Forecast quantiles and replenishment both read from here, so "P80 of one week" and "P80 of
//! demand over lead time + review period" come from the same arithmetic. Sums over weeks are
//! always convolutions: adding weekly quantiles would overstate the total.

use serde::{Deserialize, Serialize};

/// Probability mass below which a distribution's right tail is cut off. The cut mass is folded
/// into the last kept point, so probabilities still sum to one and quantiles up to 1 − `TAIL`
/// are exact.
pub const TAIL: f64 = 1e-9;

/// Hard cap on the support length, so a wild mean cannot allocate unbounded memory.
pub const MAX_SUPPORT: usize = 1 << 20;

/// A probability mass function over 0, 1, …, `len − 1` units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pmf {
    probs: Vec<f64>,
}

impl Pmf {
    /// All mass at `k` units.
    pub fn point(k: usize) -> Pmf {
        let mut probs = vec![0.0; k + 1];
        probs[k] = 1.0;
        Pmf { probs }
    }

    /// From raw probabilities; they are normalised to sum to one. `None` when the input is
    /// empty, has a negative or non-finite entry, or sums to zero.
    pub fn from_probs(mut probs: Vec<f64>) -> Option<Pmf> {
        if probs.is_empty() || probs.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return None;
        }
        let total: f64 = probs.iter().sum();
        if total <= 0.0 {
            return None;
        }
        probs.iter_mut().for_each(|p| *p /= total);
        Some(Pmf { probs })
    }

    /// Poisson with the given mean (≤ 0 gives all mass at zero).
    pub fn poisson(mean: f64) -> Pmf {
        if !(mean > 0.0) {
            return Pmf::point(0);
        }
        // Walk the recursion p(k+1) = p(k)·λ/(k+1) in log space for the start, so large means
        // do not underflow p(0).
        let mut probs = Vec::new();
        let mut log_p = -mean;
        let mut k = 0usize;
        let mut cum = 0.0;
        loop {
            let p = log_p.exp();
            probs.push(p);
            cum += p;
            if (k as f64 > mean && 1.0 - cum < TAIL) || probs.len() >= MAX_SUPPORT {
                break;
            }
            k += 1;
            log_p += mean.ln() - (k as f64).ln();
        }
        Pmf::finish(probs)
    }

    /// Negative binomial with the given mean and size (shape) `r`: variance = mean + mean²/r.
    /// A size that is not finite and positive gives the Poisson limit.
    pub fn negative_binomial(mean: f64, size: f64) -> Pmf {
        if !(mean > 0.0) {
            return Pmf::point(0);
        }
        if !(size.is_finite() && size > 0.0) {
            return Pmf::poisson(mean);
        }
        // p(0) = (r/(r+μ))^r ; p(k+1) = p(k)·(k+r)/(k+1)·μ/(r+μ), in log space for the start.
        let q = mean / (size + mean);
        let mut log_p = size * (size / (size + mean)).ln();
        let mut probs = Vec::new();
        let mut cum = 0.0;
        let mut k = 0usize;
        loop {
            let p = log_p.exp();
            probs.push(p);
            cum += p;
            if (k as f64 > mean && 1.0 - cum < TAIL) || probs.len() >= MAX_SUPPORT {
                break;
            }
            log_p += ((k as f64 + size) / (k as f64 + 1.0)).ln() + q.ln();
            k += 1;
        }
        Pmf::finish(probs)
    }

    /// Hurdle: zero with probability `1 − p_nonzero`, else `1 + X` where `X ~ shifted`.
    pub fn hurdle(p_nonzero: f64, shifted: &Pmf) -> Pmf {
        let p = p_nonzero.clamp(0.0, 1.0);
        let mut probs = Vec::with_capacity(shifted.probs.len() + 1);
        probs.push(1.0 - p);
        probs.extend(shifted.probs.iter().map(|x| x * p));
        Pmf::finish(probs)
    }

    /// Folds a tail that the caller truncated into the last point and renormalises.
    fn finish(mut probs: Vec<f64>) -> Pmf {
        let total: f64 = probs.iter().sum();
        if let Some(last) = probs.last_mut() {
            *last += (1.0 - total).max(0.0);
        }
        let total: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
        Pmf { probs }
    }

    /// Probabilities for 0, 1, … units.
    pub fn probs(&self) -> &[f64] {
        &self.probs
    }

    /// The expected number of units.
    pub fn mean(&self) -> f64 {
        self.probs.iter().enumerate().map(|(k, p)| k as f64 * p).sum()
    }

    /// The smallest k with P(X ≤ k) ≥ q (the usual integer quantile; q in (0, 1)).
    pub fn quantile(&self, q: f64) -> u32 {
        let mut cum = 0.0;
        for (k, p) in self.probs.iter().enumerate() {
            cum += p;
            // A hair of slack so that round-off in the running sum does not push an exact
            // boundary (e.g. P(X ≤ 0) = 0.5 for q = 0.5) one unit up.
            if cum >= q - 1e-12 {
                return k as u32;
            }
        }
        (self.probs.len() - 1) as u32
    }

    /// P(X ≤ k).
    pub fn cdf(&self, k: usize) -> f64 {
        self.probs.iter().take(k + 1).sum::<f64>().min(1.0)
    }

    /// The distribution of the sum of two independent variables, tail cut at [`TAIL`].
    pub fn convolve(&self, other: &Pmf) -> Pmf {
        let n = (self.probs.len() + other.probs.len() - 1).min(MAX_SUPPORT);
        let mut out = vec![0.0; n];
        for (i, a) in self.probs.iter().enumerate() {
            if *a == 0.0 {
                continue;
            }
            for (j, b) in other.probs.iter().enumerate() {
                if i + j >= n {
                    break;
                }
                out[i + j] += a * b;
            }
        }
        Pmf::trimmed(out)
    }

    /// The distribution of the sum of independent variables (all mass at zero for none).
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Pmf>) -> Pmf {
        parts.into_iter().fold(Pmf::point(0), |acc, p| acc.convolve(p))
    }

    /// Drops a right tail of total mass below [`TAIL`], folding it into the last kept point.
    fn trimmed(mut probs: Vec<f64>) -> Pmf {
        let mut tail = 0.0;
        while probs.len() > 1 {
            let last = *probs.last().expect("len > 1");
            if tail + last >= TAIL {
                break;
            }
            tail += last;
            probs.pop();
        }
        Pmf::finish(probs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn poisson_matches_hand_computed_values() {
        let p = Pmf::poisson(2.0);
        // e^-2 = 0.135335283…, 2e^-2 = 0.270670566…, 2e^-2 again for k = 2.
        assert!(close(p.probs()[0], 0.1353352832366127, 1e-12));
        assert!(close(p.probs()[1], 0.2706705664732254, 1e-12));
        assert!(close(p.probs()[2], 0.2706705664732254, 1e-12));
        assert_eq!(p.quantile(0.5), 2);
        assert_eq!(p.quantile(0.1), 0);
    }

    #[test]
    fn negative_binomial_matches_hand_computed_values() {
        // mean 2, size 1: geometric with p(k) = (1/3)(2/3)^k.
        let p = Pmf::negative_binomial(2.0, 1.0);
        assert!(close(p.probs()[0], 1.0 / 3.0, 1e-12));
        assert!(close(p.probs()[1], 2.0 / 9.0, 1e-12));
        assert!(close(p.probs()[3], 8.0 / 81.0, 1e-12));
        assert!(close(p.mean(), 2.0, 1e-6));
    }

    #[test]
    fn hurdle_puts_the_zero_mass_first() {
        let p = Pmf::hurdle(0.25, &Pmf::point(2));
        assert!(close(p.probs()[0], 0.75, 1e-15));
        assert!(close(p.probs()[3], 0.25, 1e-15));
        assert_eq!(p.quantile(0.5), 0);
        assert_eq!(p.quantile(0.8), 3);
    }

    #[test]
    fn a_sum_of_weeks_is_not_the_sum_of_their_quantiles() {
        let week = Pmf::hurdle(0.3, &Pmf::point(0));
        let four = Pmf::sum([&week, &week, &week, &week]);
        // P90 of one week is 1, so adding quantiles says 4; the 4-week sum is Binomial(4, 0.3),
        // whose P90 is 2.
        assert_eq!(week.quantile(0.9), 1);
        assert_eq!(four.quantile(0.9), 2);
        assert!(close(four.probs()[0], 0.7f64.powi(4), 1e-12));
    }

    proptest! {
        #[test]
        fn negative_binomial_has_its_mean_and_sums_to_one(mean in 0.01f64..200.0, size in 0.05f64..50.0) {
            let p = Pmf::negative_binomial(mean, size);
            let total: f64 = p.probs().iter().sum();
            prop_assert!(close(total, 1.0, 1e-9));
            prop_assert!(close(p.mean(), mean, 1e-4 * mean.max(1.0)));
        }

        #[test]
        fn quantiles_do_not_cross(mean in 0.0f64..50.0, size in 0.1f64..20.0) {
            let p = Pmf::negative_binomial(mean, size);
            let qs = [0.5, 0.7, 0.8, 0.9].map(|q| p.quantile(q));
            prop_assert!(qs.windows(2).all(|w| w[0] <= w[1]));
        }

        #[test]
        fn convolution_adds_means(a in 0.0f64..20.0, b in 0.0f64..20.0) {
            let s = Pmf::poisson(a).convolve(&Pmf::negative_binomial(b, 2.0));
            prop_assert!(close(s.mean(), a + b, 1e-4 * (a + b).max(1.0)));
        }
    }
}
