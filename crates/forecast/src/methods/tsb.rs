//! TSB (Teunter–Syntetos–Babai): smooth the probability of a nonzero week every week and the
//! nonzero size on sale weeks; forecast probability × size. Unlike Croston it decays towards
//! zero while no sales arrive, which suits items that are dying out.
//!
//! [`fit`] follows statsforecast's `_tsb` (both levels start at their first observation).
//! [`optimise`] chooses both weights on a grid by how well the level at each week predicts the
//! mean of the following `lead` weeks, not the next week alone: the engine forecasts a year
//! ahead, where the one-step criterion picks weights that chase noise.

/// The TSB level after all of `y` with weights `alpha_d` (size) and `alpha_p` (probability); 0
/// when `y` has no sale.
pub fn fit(y: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    let Some(first) = y.iter().copied().find(|v| *v != 0.0) else {
        return 0.0;
    };
    let mut p = if y[0] != 0.0 { 1.0 } else { 0.0 };
    let mut d = first;
    for &v in &y[1..] {
        p += alpha_p * (f64::from(u8::from(v != 0.0)) - p);
        if v != 0.0 {
            d += alpha_d * (v - d);
        }
    }
    // The size level saw its first observation as the start value; statsforecast then applies
    // it once more (a no-op), so the recursion above is the same.
    p * d
}

/// The smoothing weights tried by [`optimise`].
pub const GRID: [f64; 5] = [0.02, 0.05, 0.1, 0.2, 0.3];

/// A fitted TSB model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tsb {
    pub alpha_d: f64,
    pub alpha_p: f64,
    pub level: f64,
}

/// Fits TSB with both weights from [`GRID`], scoring each pair by the squared error of the
/// level after week t against the mean of weeks t+1..=t+lead (for every t after a warm-up of a
/// quarter of the series). Short or sale-less series get the middle weights.
pub fn optimise(y: &[f64], lead: usize) -> Tsb {
    let n = y.len();
    let lead = lead.clamp(1, (n / 2).max(1));
    let warm = (n / 4).max(1);
    if n < 8 || !y.iter().any(|v| *v != 0.0) {
        return Tsb { alpha_d: 0.1, alpha_p: 0.1, level: fit(y, 0.1, 0.1) };
    }
    // Target: mean of the next `lead` weeks after t, from prefix sums.
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    for &v in y {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + v);
    }
    let last_t = n - lead; // level after week t-1 (i.e. having seen y[..t]) predicts y[t..t+lead]
    let first = y.iter().position(|v| *v != 0.0).unwrap_or(0);
    // Probability and size paths per weight: the level having seen y[..t], t in 1..=n.
    let path = |alpha: f64, size: bool| -> Vec<f64> {
        let mut out = Vec::with_capacity(n);
        let mut lv = if size { y[first] } else { f64::from(u8::from(y[0] != 0.0)) };
        out.push(lv);
        for &v in &y[1..] {
            if size {
                if v != 0.0 {
                    lv += alpha * (v - lv);
                }
            } else {
                lv += alpha * (f64::from(u8::from(v != 0.0)) - lv);
            }
            out.push(lv);
        }
        out
    };
    let p_paths: Vec<Vec<f64>> = GRID.iter().map(|&a| path(a, false)).collect();
    let d_paths: Vec<Vec<f64>> = GRID.iter().map(|&a| path(a, true)).collect();
    let mut best = (f64::INFINITY, 2, 2);
    for (i, d) in d_paths.iter().enumerate() {
        for (j, p) in p_paths.iter().enumerate() {
            let mut sse = 0.0;
            for t in warm.max(first + 1)..=last_t {
                let target = (prefix[t + lead] - prefix[t]) / lead as f64;
                let e = p[t - 1] * d[t - 1] - target;
                sse += e * e;
            }
            if sse < best.0 {
                best = (sse, i, j);
            }
        }
    }
    let (alpha_d, alpha_p) = (GRID[best.1], GRID[best.2]);
    Tsb { alpha_d, alpha_p, level: p_paths[best.2][n - 1] * d_paths[best.1][n - 1] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_tsb() {
        // y = 2, 0, 4 with both weights 0.5: p 1 → 0.5 → 0.75; d 2 → (skip) → 3. Level 2.25.
        assert!((fit(&[2.0, 0.0, 4.0], 0.5, 0.5) - 2.25).abs() < 1e-15);
        // Leading zero: p starts at 0 → 0.5 → 0.75 … d starts at the first sale.
        // y = 0, 2, 2: p 0 → 0.5 → 0.75; d 2 → 2 → 2 → 1.5.
        assert!((fit(&[0.0, 2.0, 2.0], 0.5, 0.5) - 1.5).abs() < 1e-15);
        assert_eq!(fit(&[0.0, 0.0], 0.1, 0.1), 0.0);
        assert_eq!(fit(&[], 0.1, 0.1), 0.0);
    }

    #[test]
    fn optimise_prefers_slow_weights_on_a_stationary_series() {
        let y: Vec<f64> = (0..104).map(|i| if i % 2 == 0 { 4.0 } else { 0.0 }).collect();
        let fit = optimise(&y, 26);
        assert!((fit.level - 2.0).abs() < 0.3, "{fit:?}");
        // A series that stopped selling half a year ago decays towards zero.
        let mut dying = vec![3.0; 78];
        dying.extend(vec![0.0; 26]);
        assert!(optimise(&dying, 26).level < 2.5);
        assert_eq!(optimise(&[], 26).level, 0.0);
    }
}
