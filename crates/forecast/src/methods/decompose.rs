//! Classical seasonal decomposition, the ACF seasonality test and a straight-line fit: the small
//! pieces of time-series arithmetic that ETS initialisation and the Theta method share.
//!
//! The decomposition is the textbook one (R `decompose`, statsmodels `seasonal_decompose`): a
//! centred moving average of length `m` (2×m for even `m`) as the trend, then the average
//! detrended value of each position in the cycle, normalised to sum to 0 (additive) or average 1
//! (multiplicative). Positions count from the first observation, as both references do.

/// The `m` seasonal figures of `y`; figure `i` belongs to observations `i, i + m, …`.
/// `None` when there is not a full moving-average window plus a cycle, `m < 2`, or (for the
/// multiplicative form) the trend is not positive.
pub(crate) fn seasonal_figures(y: &[f64], m: usize, multiplicative: bool) -> Option<Vec<f64>> {
    let n = y.len();
    if m < 2 || n < 2 * m {
        return None;
    }
    // Centred moving average: for even m, weights ½,1,…,1,½ over m+1 points; for odd m, m ones.
    let half = m / 2;
    let weights: Vec<f64> =
        if m.is_multiple_of(2) { (0..=m).map(|k| if k == 0 || k == m { 0.5 / m as f64 } else { 1.0 / m as f64 }).collect() } else { vec![1.0 / m as f64; m] };
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n.saturating_sub(weights.len() - 1 - half) {
        let trend: f64 = weights.iter().enumerate().map(|(k, w)| w * y[t + k - half]).sum();
        let d = if multiplicative {
            if trend.is_nan() || trend <= 0.0 {
                return None;
            }
            y[t] / trend
        } else {
            y[t] - trend
        };
        sums[t % m] += d;
        counts[t % m] += 1;
    }
    if counts.contains(&0) {
        return None;
    }
    let mut fig: Vec<f64> = sums.iter().zip(&counts).map(|(s, c)| s / *c as f64).collect();
    let mean = fig.iter().sum::<f64>() / m as f64;
    if multiplicative {
        if mean.is_nan() || mean <= 0.0 {
            return None;
        }
        fig.iter_mut().for_each(|f| *f /= mean);
    } else {
        fig.iter_mut().for_each(|f| *f -= mean);
    }
    fig.iter().all(|f| f.is_finite()).then_some(fig)
}

/// Sample autocorrelations at lags 1..=`max_lag` (the usual biased estimator, as R's `acf`).
/// Zeros when the series has no variance.
pub(crate) fn acf(y: &[f64], max_lag: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n.max(1) as f64;
    let denom: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    (1..=max_lag)
        .map(|k| {
            if k >= n || denom.is_nan() || denom <= 0.0 {
                return 0.0;
            }
            (0..n - k).map(|t| (y[t] - mean) * (y[t + k] - mean)).sum::<f64>() / denom
        })
        .collect()
}

/// The 90 % test of R's `thetaf` / statsforecast: seasonal when |r_m| exceeds 1.645 standard
/// errors of Bartlett's formula, se = √((1 + 2 Σ_{k<m} r_k²) / n). Needs more than two cycles.
pub(crate) fn is_seasonal(y: &[f64], m: usize) -> bool {
    let n = y.len();
    if m < 2 || n <= 2 * m {
        return false;
    }
    let r = acf(y, m);
    let stat = ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
    // qnorm(0.95)
    r[m - 1].abs() / stat > 1.644_853_626_951_472_2
}

/// Least-squares line through (x0 + t, y[t]): returns (intercept at x = 0, slope). A single
/// point gives slope 0.
pub(crate) fn line(y: &[f64], x0: f64) -> (f64, f64) {
    let n = y.len() as f64;
    if y.is_empty() {
        return (0.0, 0.0);
    }
    let xbar = x0 + (n - 1.0) / 2.0;
    let ybar = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in y.iter().enumerate() {
        let dx = x0 + t as f64 - xbar;
        sxy += dx * (v - ybar);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (ybar - slope * xbar, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_pure_additive_pattern() {
        let pat = [3.0, -1.0, -2.0, 0.0];
        let y: Vec<f64> = (0..24).map(|t| 10.0 + 0.5 * t as f64 + pat[t % 4]).collect();
        let fig = seasonal_figures(&y, 4, false).unwrap();
        for (f, p) in fig.iter().zip(pat) {
            assert!((f - p).abs() < 1e-12, "{fig:?}");
        }
    }

    #[test]
    fn multiplicative_figures_average_one() {
        let pat = [1.2, 0.8, 1.1, 0.9, 1.0];
        let y: Vec<f64> = (0..30).map(|t| 100.0 * pat[t % 5]).collect();
        let fig = seasonal_figures(&y, 5, true).unwrap();
        assert!((fig.iter().sum::<f64>() / 5.0 - 1.0).abs() < 1e-12);
        for (f, p) in fig.iter().zip(pat) {
            assert!((f - p).abs() < 1e-12, "{fig:?}");
        }
        assert!(seasonal_figures(&[0.0; 30], 5, true).is_none());
        assert!(seasonal_figures(&y[..9], 5, true).is_none());
    }

    #[test]
    fn acf_and_seasonality_test() {
        let y: Vec<f64> = (0..48).map(|t| if t % 12 < 6 { 10.0 } else { 0.0 } + (t as f64 * 0.37).sin()).collect();
        assert!(is_seasonal(&y, 12));
        let flat: Vec<f64> = (0..48).map(|t| t as f64).collect();
        assert!(!is_seasonal(&flat, 12) || acf(&flat, 12)[11] > 0.0);
        assert_eq!(acf(&[5.0; 10], 3), vec![0.0; 3]);
        // lag-1 autocorrelation of 1,2,3,4: mean 2.5, (−1.5·−0.5 + −0.5·0.5 + 0.5·1.5)/5 = 0.25
        assert!((acf(&[1.0, 2.0, 3.0, 4.0], 1)[0] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn fits_a_line() {
        let (a, b) = line(&[3.0, 5.0, 7.0], 1.0);
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
        assert_eq!(line(&[4.0], 0.0), (4.0, 0.0));
    }
}
