//! Croston's method for intermittent demand: smooth the nonzero sizes and the intervals between
//! them separately and forecast size / interval. Classic uses alpha = 0.1 for both; SBA
//! (Syntetos–Boylan approximation) removes Croston's upward bias with the factor 1 − alpha/2;
//! "optimised" picks each alpha in [0.1, 0.3] by in-sample one-step MSE (as statsforecast's
//! CrostonOptimized).

use super::average::{ses, ses_optimised};

/// The nonzero sizes and the intervals between them (the first interval counts from the start:
/// a sale in week index 2 has interval 3), as statsforecast's `_demand` / `_intervals`.
pub fn sizes_and_intervals(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut last = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            sizes.push(v);
            intervals.push((i + 1 - last) as f64);
            last = i + 1;
        }
    }
    (sizes, intervals)
}

fn ratio(size: f64, interval: f64) -> f64 {
    if interval != 0.0 { size / interval } else { size }
}

/// Classic Croston with alpha = `alpha` for sizes and intervals (0 with no sale).
pub fn classic(y: &[f64], alpha: f64) -> f64 {
    let (sizes, intervals) = sizes_and_intervals(y);
    ratio(ses(&sizes, alpha).0, ses(&intervals, alpha).0)
}

/// Croston with the Syntetos–Boylan bias correction (1 − alpha/2).
pub fn sba(y: &[f64], alpha: f64) -> f64 {
    classic(y, alpha) * (1.0 - alpha / 2.0)
}

/// Croston with each smoothing weight optimised in [0.1, 0.3].
pub fn optimised(y: &[f64]) -> f64 {
    let (sizes, intervals) = sizes_and_intervals(y);
    ratio(ses_optimised(&sizes, 0.1, 0.3).1, ses_optimised(&intervals, 0.1, 0.3).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_croston() {
        // y = 0, 2, 0, 0, 4: sizes 2, 4; intervals 2, 3.
        let y = [0.0, 2.0, 0.0, 0.0, 4.0];
        assert_eq!(sizes_and_intervals(&y), (vec![2.0, 4.0], vec![2.0, 3.0]));
        // alpha 0.5: size level 0.5·4 + 0.5·2 = 3; interval level 0.5·3 + 0.5·2 = 2.5 → 1.2.
        assert!((classic(&y, 0.5) - 1.2).abs() < 1e-15);
        assert!((sba(&y, 0.5) - 0.9).abs() < 1e-15);
        assert_eq!(classic(&[0.0, 0.0], 0.1), 0.0);
        assert_eq!(optimised(&[]), 0.0);
        // A steady series is forecast at its level whatever the alphas.
        assert!((optimised(&[3.0; 10]) - 3.0).abs() < 1e-12);
    }
}
