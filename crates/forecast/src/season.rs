//! Weekly seasonality (period 52): a pooled category index plus each item's own smooth yearly
//! profile, both shrunk by empirical Bayes.
//!
//! A category's items share calendar effects (a Q4 peak, a summer low); one item's three years
//! of noisy weekly counts cannot tell a real peak from chance, the category can. So:
//!
//! 1. [`SeasonIndex::pooled`] averages the items' weekly sales, each divided by its own mean,
//!    by week of the year (the *pooled index*; flat when there is not enough data).
//! 2. Each item is regressed on level, trend, the pooled index's deviation from 1 and the first
//!    [`HARMONICS`] yearly harmonics (sin/cos), giving relative coefficients (per unit of its
//!    level) with their sampling variances.
//! 3. Across the category, the coefficients' spread beyond sampling noise gives a normal prior
//!    per coefficient (how strongly items follow the category, how much own seasonality they
//!    have). Each item's coefficients are the posterior means: a long, loud item keeps its own
//!    estimate, a short or sparse one falls back to the category. Items too short to fit get
//!    the prior means (the category profile).
//!
//! The result is a multiplicative factor per week of the year with mean 1. Weeks are aligned
//! by the end of the history: every series given to one index must end in the same calendar
//! week (a weekly run forecasts all items as of the same week), and phase 0 is the first
//! forecast week.

/// Weeks in a seasonal cycle.
pub const PERIOD: usize = 52;
/// Yearly harmonics fitted per item.
pub const HARMONICS: usize = 2;
/// Coefficients per item: the pooled-index loading, then sin/cos per harmonic.
pub const K: usize = 1 + 2 * HARMONICS;
/// Smallest factor: a trough is never taken as "no demand at all".
pub const FLOOR: f64 = 0.1;

/// A normal prior per coefficient (mean, variance), in units of the item's level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub mean: [f64; K],
    pub var: [f64; K],
}

impl Default for Prior {
    /// Without a category to learn from: no pooled profile, and own harmonics of about ±0.15 of
    /// the level, which keeps a loud item's seasonality and ignores a quiet item's noise.
    fn default() -> Self {
        Prior { mean: [0.0; K], var: [0.0, 0.02, 0.02, 0.005, 0.005] }
    }
}

/// A category's seasonal knowledge: the pooled index by phase and the coefficient prior.
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonIndex {
    /// Pooled factor by phase (mean 1); phase 0 is the first forecast week.
    values: Vec<f64>,
    /// The item regressors by phase (pooled deviation, sin/cos), computed once.
    table: Vec<[f64; K]>,
    pub prior: Prior,
    /// Series that contributed to the index.
    pub series: usize,
}

impl Default for SeasonIndex {
    fn default() -> Self {
        SeasonIndex::new(vec![1.0; PERIOD], Prior::default())
    }
}

/// Phase (0..PERIOD) of index `i` in a series of length `len`, where index `len` (the first
/// forecast week) is phase 0.
pub fn phase(len: usize, i: usize) -> usize {
    (i + PERIOD - len % PERIOD) % PERIOD
}

/// Items with fewer weeks (from the first sale) than this get no fit of their own.
pub const MIN_FIT: usize = PERIOD + PERIOD / 2;

/// Pooled-index shrinkage: with `n` items the raw index is pulled towards 1 by n/(n + this).
const POOL_SHRINK: f64 = 20.0;

impl SeasonIndex {
    /// An index from pooled factors by phase (anything but [`PERIOD`] finite positive values
    /// gives a flat index) and a prior.
    pub fn new(values: Vec<f64>, prior: Prior) -> SeasonIndex {
        let values = if values.len() == PERIOD && values.iter().all(|v| v.is_finite() && *v > 0.0) { values } else { vec![1.0; PERIOD] };
        let angle = |ph: usize| std::f64::consts::TAU * ph as f64 / PERIOD as f64;
        let table = (0..PERIOD)
            .map(|ph| {
                let mut x = [0.0; K];
                x[0] = values[ph] - 1.0;
                for h in 0..HARMONICS {
                    let a = angle(ph) * (h + 1) as f64;
                    (x[1 + 2 * h], x[2 + 2 * h]) = a.sin_cos();
                }
                x
            })
            .collect();
        SeasonIndex { values, table, prior, series: 0 }
    }

    /// Pooled factors by phase.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Builds the pooled index and the prior from the items of one category (demand from the
    /// first sale on, all ending in the same calendar week).
    pub fn pooled(series: &[&[f64]]) -> SeasonIndex {
        SeasonIndex::pooled_with_fits(series).0
    }

    /// [`SeasonIndex::pooled`], also returning each item's regression against the index (what
    /// [`from_fit`] needs), so a batch fits every item once.
    pub fn pooled_with_fits(series: &[&[f64]]) -> (SeasonIndex, Vec<Option<ItemFit>>) {
        let mut sum = [0.0; PERIOD];
        let mut count = [0usize; PERIOD];
        let mut used = 0usize;
        for y in series.iter().filter(|y| y.len() >= PERIOD) {
            let mean = y.iter().sum::<f64>() / y.len() as f64;
            if !(mean > 0.0 && mean.is_finite()) {
                continue;
            }
            used += 1;
            for (i, v) in y.iter().enumerate() {
                let ph = phase(y.len(), i);
                sum[ph] += v / mean;
                count[ph] += 1;
            }
        }
        let mut values: Vec<f64> = (0..PERIOD).map(|p| if count[p] > 0 { sum[p] / count[p] as f64 } else { 1.0 }).collect();
        let avg = values.iter().sum::<f64>() / PERIOD as f64;
        let keep = used as f64 / (used as f64 + POOL_SHRINK);
        values.iter_mut().for_each(|v| *v = (1.0 + (*v / avg - 1.0) * keep).max(FLOOR));
        let mut index = SeasonIndex::new(values, Prior::default());
        index.series = used;
        let fits = index.fit_all(series);
        let usable: Vec<&ItemFit> = fits.iter().flatten().collect();
        if usable.len() >= 10 {
            for j in 0..K {
                let (mean, var) = empirical_bayes(usable.iter().map(|r| (r.beta[j], r.var[j])), j == 0);
                index.prior.mean[j] = mean;
                index.prior.var[j] = var;
            }
        }
        (index, fits)
    }

    /// Every item's regression against this index, sharing the design matrix between items of
    /// the same length (most of a category).
    pub fn fit_all(&self, series: &[&[f64]]) -> Vec<Option<ItemFit>> {
        let mut designs: Vec<(usize, Option<Design>)> = Vec::new();
        series
            .iter()
            .map(|y| {
                if y.len() < MIN_FIT {
                    return None;
                }
                let at = match designs.iter().position(|(n, _)| *n == y.len()) {
                    Some(at) => at,
                    None => {
                        designs.push((y.len(), Design::new(self, y.len())));
                        designs.len() - 1
                    }
                };
                designs[at].1.as_ref().and_then(|d| d.fit(self, y))
            })
            .collect()
    }
}

/// Moment estimate of a normal prior from noisy estimates (β̂ᵢ, vᵢ): weights 1/(vᵢ + τ²), a few
/// fixed-point rounds. The mean is estimated only when `with_mean` (harmonics have random phases
/// across items, so their prior mean is 0).
fn empirical_bayes<'a>(items: impl Iterator<Item = (f64, f64)> + Clone + 'a, with_mean: bool) -> (f64, f64) {
    let items = items.filter(|(b, v)| b.is_finite() && v.is_finite() && *v > 0.0);
    let (mut mean, mut tau2) = (0.0, 0.01);
    for _ in 0..8 {
        if with_mean {
            let (num, den) = items.clone().fold((0.0, 0.0), |(n, d), (b, v)| (n + b / (v + tau2), d + 1.0 / (v + tau2)));
            if den > 0.0 {
                mean = num / den;
            }
        }
        let (num, den) = items.clone().fold((0.0, 0.0), |(n, d), (b, v)| {
            let w = 1.0 / (v + tau2);
            (n + w * w * ((b - mean).powi(2) - v), d + w * w)
        });
        tau2 = if den > 0.0 { (num / den).max(1e-6) } else { tau2 };
    }
    (mean, tau2)
}

/// One item's relative seasonal coefficients (per unit of its level) and their sampling
/// variances, from its regression on level, trend and the seasonal regressors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemFit {
    pub beta: [f64; K],
    pub var: [f64; K],
}

/// Columns of the item regression: intercept, trend, then the K seasonal regressors.
const P: usize = 2 + K;

/// The regression's design for one series length: the Cholesky factor of X'X and the diagonal
/// of its inverse (which depend on the length and the index, not on the item).
struct Design {
    chol: [[f64; P]; P],
    inv_diag: [f64; K],
}

impl Design {
    fn row(index: &SeasonIndex, n: usize, i: usize) -> [f64; P] {
        let mut x = [0.0; P];
        x[0] = 1.0;
        x[1] = (i as f64 - (n as f64 - 1.0) / 2.0) / n as f64;
        x[2..].copy_from_slice(&index.table[phase(n, i)]);
        x
    }

    // Matrix code reads best with indices.
    #[allow(clippy::needless_range_loop)]
    fn new(index: &SeasonIndex, n: usize) -> Option<Design> {
        let mut xtx = [[0.0; P]; P];
        for i in 0..n {
            let x = Design::row(index, n, i);
            for a in 0..P {
                for b in a..P {
                    xtx[a][b] += x[a] * x[b];
                }
            }
        }
        for a in 0..P {
            for b in 0..a {
                xtx[a][b] = xtx[b][a];
            }
            // A flat pooled index makes its column zero; a whisker of ridge keeps the system
            // solvable and leaves that coefficient at 0 with a huge variance (the prior decides).
            xtx[a][a] += 1e-9 * n as f64;
        }
        let chol = cholesky(&xtx)?;
        let mut inv_diag = [0.0; K];
        for (j, slot) in inv_diag.iter_mut().enumerate() {
            let mut e = [0.0; P];
            e[2 + j] = 1.0;
            *slot = chol_solve(&chol, &e)[2 + j];
        }
        Some(Design { chol, inv_diag })
    }

    /// The item's fit; None when it has no positive level.
    fn fit(&self, index: &SeasonIndex, y: &[f64]) -> Option<ItemFit> {
        let n = y.len();
        let mut xty = [0.0; P];
        let mut yty = 0.0;
        for (i, &v) in y.iter().enumerate() {
            let x = Design::row(index, n, i);
            for a in 0..P {
                xty[a] += x[a] * v;
            }
            yty += v * v;
        }
        let coef = chol_solve(&self.chol, &xty);
        let level = coef[0];
        if !(level > 0.0 && level.is_finite()) {
            return None;
        }
        let explained: f64 = coef.iter().zip(&xty).map(|(c, b)| c * b).sum();
        let sigma2 = ((yty - explained) / (n - P) as f64).max(1e-12);
        let mut out = ItemFit { beta: [0.0; K], var: [0.0; K] };
        for j in 0..K {
            out.beta[j] = coef[2 + j] / level;
            out.var[j] = sigma2 * self.inv_diag[j] / (level * level);
        }
        Some(out)
    }
}

/// The item's regression against `index` (None when too short or without a level).
pub fn item_fit(y: &[f64], index: &SeasonIndex) -> Option<ItemFit> {
    if y.len() < MIN_FIT {
        return None;
    }
    Design::new(index, y.len())?.fit(index, y)
}

fn cholesky(a: &[[f64; P]; P]) -> Option<[[f64; P]; P]> {
    let mut l = [[0.0; P]; P];
    for i in 0..P {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

fn chol_solve(l: &[[f64; P]; P], b: &[f64; P]) -> [f64; P] {
    let mut z = [0.0; P];
    for i in 0..P {
        z[i] = (b[i] - (0..i).map(|k| l[i][k] * z[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; P];
    for i in (0..P).rev() {
        x[i] = (z[i] - (i + 1..P).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// An item's seasonal profile: a factor per phase with mean 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Seasonal {
    pub factors: Vec<f64>,
    /// Posterior coefficients (pooled loading, then sin/cos per harmonic).
    pub coef: [f64; K],
}

impl Seasonal {
    /// No seasonality.
    pub fn flat() -> Seasonal {
        Seasonal { factors: vec![1.0; PERIOD], coef: [0.0; K] }
    }

    /// Factor for index `i` of a history of length `len` (indices ≥ `len` are forecast weeks).
    pub fn at(&self, len: usize, i: usize) -> f64 {
        self.factors[phase(len, i)]
    }

    /// Whether every factor is 1.
    pub fn is_flat(&self) -> bool {
        self.factors.iter().all(|f| *f == 1.0)
    }
}

/// The item's seasonal profile: posterior coefficients under `index`'s prior (the prior means
/// when the item is too short), scaled by `strength` (1 = as estimated, 0 = none).
pub fn fit(y: &[f64], index: &SeasonIndex, strength: f64) -> Seasonal {
    from_fit(item_fit(y, index).as_ref(), index, strength)
}

/// [`fit`] from an item's regression computed earlier (e.g. by [`SeasonIndex::pooled_with_fits`]).
pub fn from_fit(raw: Option<&ItemFit>, index: &SeasonIndex, strength: f64) -> Seasonal {
    let prior = index.prior;
    let mut coef = prior.mean;
    if let Some(raw) = raw {
        // Posterior mean of a normal prior and a normal estimate: precision-weighted.
        for (j, c) in coef.iter_mut().enumerate() {
            let (v, t) = (raw.var[j], prior.var[j]);
            *c = if t > 0.0 { (raw.beta[j] * t + prior.mean[j] * v) / (t + v) } else { prior.mean[j] };
        }
    }
    coef.iter_mut().for_each(|c| *c *= strength);
    if coef.iter().all(|c| *c == 0.0) {
        return Seasonal::flat();
    }
    let mut factors: Vec<f64> = index.table.iter().map(|x| (1.0 + x.iter().zip(&coef).map(|(x, c)| x * c).sum::<f64>()).max(FLOOR)).collect();
    let mean = factors.iter().sum::<f64>() / PERIOD as f64;
    factors.iter_mut().for_each(|f| *f /= mean);
    Seasonal { factors, coef }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(amp: f64, level: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| level * (1.0 + amp * (std::f64::consts::TAU * phase(n, i) as f64 / PERIOD as f64).sin())).collect()
    }

    #[test]
    fn phase_counts_from_the_first_forecast_week() {
        assert_eq!(phase(156, 0), 0);
        assert_eq!(phase(156, 156), 0);
        assert_eq!(phase(100, 99), 51);
        assert_eq!(phase(100, 100), 0);
    }

    #[test]
    fn a_clean_sine_is_recovered_with_a_loose_prior() {
        let y = sine(0.5, 10.0, 156);
        let index = SeasonIndex::new(vec![1.0; PERIOD], Prior { mean: [0.0; K], var: [1.0; K] });
        let s = fit(&y, &index, 1.0);
        assert!((s.coef[1] - 0.5).abs() < 1e-6, "{:?}", s.coef);
        for ph in 0..PERIOD {
            let want = 1.0 + 0.5 * (std::f64::consts::TAU * ph as f64 / 52.0).sin();
            assert!((s.factors[ph] - want).abs() < 1e-6);
        }
    }

    #[test]
    fn short_or_empty_items_get_the_prior_means() {
        let index = SeasonIndex::default();
        assert!(fit(&[1.0; 20], &index, 1.0).is_flat());
        assert!(fit(&[], &index, 1.0).is_flat());
        assert!(fit(&[0.0; 200], &index, 1.0).is_flat());
    }

    #[test]
    fn pooled_index_finds_the_shared_peak_and_items_load_on_it() {
        // 40 items, all with a peak in phases 40..46 (×2) on a flat level.
        let items: Vec<Vec<f64>> =
            (0..40).map(|k| (0..156).map(|i| if (40..46).contains(&phase(156, i)) { 4.0 } else { 2.0 + (k % 3) as f64 * 0.1 }).collect()).collect();
        let refs: Vec<&[f64]> = items.iter().map(|v| v.as_slice()).collect();
        let index = SeasonIndex::pooled(&refs);
        assert_eq!(index.series, 40);
        assert!(index.values()[42] > 1.4 && index.values()[10] < 1.0, "{:?}", index.values());
        let s = fit(&items[0], &index, 1.0);
        assert!(s.factors[42] > 1.6 * s.factors[10], "{:?}", s.factors);
    }
}
