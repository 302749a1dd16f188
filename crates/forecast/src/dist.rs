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

/// Largest support thinned exactly by [`Pmf::thinned`].
const THIN_EXACT_MAX: usize = 4096;

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
        // NaN counts as no demand, like zero and negative means.
        if mean.is_nan() || mean <= 0.0 {
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
        // NaN counts as no demand, like zero and negative means.
        if mean.is_nan() || mean <= 0.0 {
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

    /// The units of this demand that fall in a share `fraction` of its period, each unit
    /// independently with that probability (binomial thinning): for a week's demand spread evenly
    /// over the week, `thinned(3.0 / 7.0)` is the demand of three days. The mean scales exactly;
    /// the result stays a count distribution. Fractions outside (0, 1) give all mass at zero or
    /// the distribution itself.
    pub fn thinned(&self, fraction: f64) -> Pmf {
        if fraction.is_nan() || fraction <= 0.0 {
            return Pmf::point(0);
        }
        if fraction >= 1.0 {
            return self.clone();
        }
        let (r, n) = (fraction, self.probs.len());
        if n > THIN_EXACT_MAX {
            // The exact form is O(n²). At these volumes the binomial noise is small next to the
            // spread of the demand itself, so scale the support instead (k → round(r·k)).
            let mut out = vec![0.0; ((n - 1) as f64 * r).round() as usize + 1];
            for (k, p) in self.probs.iter().enumerate() {
                out[(k as f64 * r).round() as usize] += p;
            }
            return Pmf::trimmed(out);
        }
        // Probability generating function G_Y(s) = G_X(1 − r + r·s), evaluated by Horner from the
        // top coefficient: each step is a convex combination, so nothing cancels.
        let mut acc = Vec::with_capacity(n);
        acc.push(self.probs[n - 1]);
        for k in (0..n - 1).rev() {
            acc.push(0.0);
            for j in (1..acc.len()).rev() {
                acc[j] = acc[j] * (1.0 - r) + acc[j - 1] * r;
            }
            acc[0] = acc[0] * (1.0 - r) + self.probs[k];
        }
        Pmf::trimmed(acc)
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

/// The probabilities p(0), p(1), … of a negative binomial (mean, size) — Poisson when the size is
/// not finite and positive — by the multiplicative recursion, without building a [`Pmf`]. Used
/// where only a few cdf values are needed per week (quantiles, PIT values), which is the hot
/// loop of a batch forecast. Starts in log space while p(k) would underflow.
struct NbTerms {
    k: f64,
    size: f64,
    ratio: f64,
    poisson: bool,
    /// In log space until p(k) is representable, then linear.
    log_p: Option<f64>,
    p: f64,
}

/// Below this, exp() underflows towards subnormals: keep walking in log space.
const LOG_FLOOR: f64 = -600.0;

impl NbTerms {
    fn new(mean: f64, size: f64) -> NbTerms {
        let mean = if mean > 0.0 && mean.is_finite() { mean } else { 0.0 };
        let poisson = !(size.is_finite() && size > 0.0);
        let (ratio, log_p0) = if mean == 0.0 {
            (0.0, 0.0)
        } else if poisson {
            (mean, -mean)
        } else {
            (mean / (size + mean), size * (size / (size + mean)).ln())
        };
        let log_p = (log_p0 < LOG_FLOOR).then_some(log_p0);
        NbTerms { k: 0.0, size, ratio, poisson, log_p, p: if log_p.is_some() { 0.0 } else { log_p0.exp() } }
    }
}

impl Iterator for NbTerms {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        let out = self.p;
        let factor = if self.poisson { 1.0 / (self.k + 1.0) } else { (self.k + self.size) / (self.k + 1.0) } * self.ratio;
        match self.log_p {
            Some(lp) => {
                let lp = lp + factor.ln();
                if lp < LOG_FLOOR {
                    self.log_p = Some(lp);
                } else {
                    self.log_p = None;
                    self.p = lp.exp();
                }
            }
            None => self.p *= factor,
        }
        self.k += 1.0;
        Some(out)
    }
}

/// Size means above which the walks switch to an approximation (a gamma with the NB's mean and
/// variance, through the Wilson–Hilferty cube root; within about 1% at these scales), so a
/// huge value cannot make a forecast walk millions of terms.
const APPROX_ABOVE: f64 = 5_000.0;

/// The gamma stand-in for a large NB: its (shape a, mean), when the mean is large enough.
#[derive(Clone, Copy)]
struct Gamma {
    shape: f64,
    mean: f64,
}

impl Gamma {
    fn of_nb(mean: f64, size: f64) -> Option<Gamma> {
        if mean.is_nan() || mean <= APPROX_ABOVE {
            return None;
        }
        let mean = mean.min(1e15);
        let var = if size.is_finite() && size > 0.0 { mean + mean * mean / size } else { mean };
        Some(Gamma { shape: mean * mean / var, mean })
    }

    fn quantile(self, q: f64) -> f64 {
        let c = 1.0 / (9.0 * self.shape);
        self.mean * (1.0 - c + normal_quantile(q) * c.sqrt()).max(0.0).powi(3)
    }

    fn cdf(self, x: f64) -> f64 {
        let c = 1.0 / (9.0 * self.shape);
        normal_cdf(((x.max(0.0) / self.mean).cbrt() - (1.0 - c)) / c.sqrt())
    }
}

/// Standard normal cdf (Abramowitz–Stegun 7.1.26 for erf, |error| < 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] =
        [-3.969_683_028_665_376e1, 2.209_460_984_245_205e2, -2.759_285_104_469_687e2, 1.383_577_518_672_69e2, -3.066_479_806_614_716e1, 2.506_628_277_459_239];
    const B: [f64; 5] = [-5.447_609_879_822_406e1, 1.615_858_368_580_409e2, -1.556_989_798_598_866e2, 6.680_131_188_771_972e1, -1.328_068_155_288_572e1];
    const C: [f64; 6] =
        [-7.784_894_002_430_293e-3, -3.223_964_580_411_365e-1, -2.400_758_277_161_838, -2.549_732_539_343_734, 4.374_664_141_464_968, 2.938_163_982_698_783];
    const D: [f64; 4] = [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Integer quantiles (the smallest k with P(X ≤ k) ≥ level, as [`Pmf::quantile`]) of the hurdle
/// X = 0 with probability 1 − `p_nonzero`, else 1 + NB(`mean`, `size`), for ascending `levels`
/// (each in (0, 1)). The same numbers as `Pmf::hurdle(p, &Pmf::negative_binomial(mean, size))`
/// without allocating, up to round-off at an exact boundary.
pub fn hurdle_nb_quantiles<const N: usize>(p_nonzero: f64, mean: f64, size: f64, levels: &[f64; N]) -> [u32; N] {
    let p = if p_nonzero.is_finite() { p_nonzero.clamp(0.0, 1.0) } else { 0.0 };
    let mut out = [0u32; N];
    if let Some(g) = Gamma::of_nb(mean, size) {
        for (slot, &level) in out.iter_mut().zip(levels) {
            let inner = (level - (1.0 - p)) / p;
            *slot = if inner <= 1e-12 { 0 } else { 1 + (g.quantile(inner.min(1.0 - 1e-12)) - 0.5).ceil().clamp(0.0, u32::MAX as f64 - 1.0) as u32 };
        }
        return out;
    }
    let mut cum = 1.0 - p;
    let mut terms = NbTerms::new(mean, size);
    let mut k = 0usize;
    for (slot, &level) in out.iter_mut().zip(levels) {
        while cum < level - 1e-12 && k + 1 < MAX_SUPPORT {
            cum += p * terms.next().unwrap_or(0.0);
            k += 1;
        }
        *slot = k as u32;
    }
    out
}

/// P(X < y) and P(X ≤ y) for the hurdle of [`hurdle_nb_quantiles`] (the two ends of the
/// randomised PIT of an observation y).
pub fn hurdle_nb_cdf_pair(p_nonzero: f64, mean: f64, size: f64, y: u32) -> (f64, f64) {
    let p = if p_nonzero.is_finite() { p_nonzero.clamp(0.0, 1.0) } else { 0.0 };
    if let Some(g) = Gamma::of_nb(mean, size) {
        // Continuity-corrected: P(1 + X ≤ y) ≈ G(y − 1 + 0.5).
        let cdf = |y: f64| if y < 1.0 { 1.0 - p } else { 1.0 - p + p * g.cdf(y - 0.5) };
        return (if y == 0 { 0.0 } else { cdf(f64::from(y) - 1.0) }, cdf(f64::from(y)));
    }
    let mut below = 0.0;
    let mut at = 1.0 - p;
    let mut terms = NbTerms::new(mean, size);
    for _ in 0..y.min(MAX_SUPPORT as u32) {
        below = at;
        at += p * terms.next().unwrap_or(0.0);
    }
    (below.min(1.0), at.min(1.0))
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

    #[test]
    fn hurdle_quantiles_without_a_pmf_match_hand_values() {
        // p = 0.25 of 1 + NB(mean 0) = exactly 1: P(0) = 0.75.
        assert_eq!(hurdle_nb_quantiles(0.25, 0.0, 2.0, &[0.5, 0.7, 0.8, 0.9]), [0, 0, 1, 1]);
        // p = 1, 1 + geometric(mean 2, size 1): P(1) = 1/3, P(2) = 5/9, P(3) = 19/27 = 0.7037.
        assert_eq!(hurdle_nb_quantiles(1.0, 2.0, 1.0, &[0.5, 0.7, 0.8]), [2, 3, 4]);
        let (lo, hi) = hurdle_nb_cdf_pair(1.0, 2.0, 1.0, 2);
        assert!(close(lo, 1.0 / 3.0, 1e-12) && close(hi, 5.0 / 9.0, 1e-12));
        assert_eq!(hurdle_nb_cdf_pair(0.4, 3.0, 1.0, 0), (0.0, 0.6));
        // Huge means neither underflow nor walk forever: the gamma approximation.
        let q = hurdle_nb_quantiles(1.0, 1e5, 50.0, &[0.5, 0.9]);
        assert!((q[0] as f64 - 1e5).abs() < 0.05 * 1e5 && q[1] > q[0]);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 2e-7);
        let (lo, hi) = hurdle_nb_cdf_pair(0.5, 1e6, f64::INFINITY, 1_000_001);
        assert!((lo - 0.75).abs() < 1e-3 && hi > lo);
        // Just below the switch the walk and the approximation agree to a unit or two.
        let walk = hurdle_nb_quantiles(1.0, 4_999.0, 20.0, &[0.5, 0.9]);
        let approx = hurdle_nb_quantiles(1.0, 5_001.0, 20.0, &[0.5, 0.9]);
        assert!(walk.iter().zip(approx).all(|(a, b)| (*a as f64 - b as f64).abs() < 0.01 * b as f64), "{walk:?} {approx:?}");
    }

    #[test]
    fn thinning_a_coin_and_a_poisson() {
        let coin = Pmf::from_probs(vec![0.5, 0.5]).unwrap().thinned(3.0 / 7.0);
        assert!(close(coin.probs()[0], 11.0 / 14.0, 1e-15) && close(coin.probs()[1], 3.0 / 14.0, 1e-15));
        // A thinned Poisson is Poisson: λ = 6 kept with 0.25 → λ = 1.5.
        let thin = Pmf::poisson(6.0).thinned(0.25);
        let direct = Pmf::poisson(1.5);
        for k in 0..8 {
            assert!(close(thin.probs()[k], direct.probs()[k], 1e-9), "{k}");
        }
        assert_eq!(Pmf::poisson(3.0).thinned(0.0), Pmf::point(0));
        assert_eq!(Pmf::poisson(3.0).thinned(f64::NAN), Pmf::point(0));
        assert_eq!(Pmf::poisson(3.0).thinned(1.0), Pmf::poisson(3.0));
        // Large supports take the scaled path and keep the mean.
        let big = Pmf::negative_binomial(20_000.0, 50.0).thinned(0.5);
        assert!(close(big.mean(), 10_000.0, 1.0));
    }

    proptest! {

        #[test]
        fn fast_hurdle_quantiles_agree_with_the_pmf(p in 0.0f64..1.0, mean in 0.0f64..60.0, size in 0.05f64..30.0) {
            let levels = [0.5, 0.7, 0.8, 0.9];
            let pmf = Pmf::hurdle(p, &Pmf::negative_binomial(mean, size));
            let fast = hurdle_nb_quantiles(p, mean, size, &levels);
            for (j, q) in levels.iter().enumerate() {
                let slow = pmf.quantile(*q);
                // Equal unless the cdf sits on the level to within round-off.
                prop_assert!(fast[j] == slow || (pmf.cdf(slow.min(fast[j]) as usize) - q).abs() < 1e-8, "{fast:?} vs {slow} at {q}");
            }
        }
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
