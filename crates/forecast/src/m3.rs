//! Point-forecast accuracy as scored in the M3/M4 competitions: sMAPE and seasonal-naive-scaled
//! MASE. Used by the M3 check (`examples/m3.rs`) and available to the CLI for back-tests.

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
}
