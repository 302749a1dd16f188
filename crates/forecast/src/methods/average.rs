//! Averages: the historic mean, the moving (window) average, simple exponential smoothing as
//! statsforecast runs it inside Croston/TSB/ADIDA, and a normalised exponentially weighted mean.
//! All give a flat level; a series' forecast is that level for every future week.

/// The mean of all of `y` (0 for none).
pub fn mean(y: &[f64]) -> f64 {
    if y.is_empty() { 0.0 } else { y.iter().sum::<f64>() / y.len() as f64 }
}

/// The mean of the last `window` values (all of them if fewer).
pub fn window(y: &[f64], window: usize) -> f64 {
    mean(&y[y.len().saturating_sub(window.max(1))..])
}

/// Simple exponential smoothing as statsforecast's `_ses_fcst_mse`: the level starts at `y[0]`
/// and each step moves it `alpha` of the way to the previous observation. Returns the one-step
/// forecast after the last observation and the in-sample one-step mean squared error (summed
/// over steps 1.., divided by the length, as statsforecast does). Empty input gives (0, 0).
pub fn ses(y: &[f64], alpha: f64) -> (f64, f64) {
    let Some(&first) = y.first() else {
        return (0.0, 0.0);
    };
    let mut level = first;
    let mut sse = 0.0;
    for i in 1..y.len() {
        level = alpha * y[i - 1] + (1.0 - alpha) * level;
        let e = y[i] - level;
        sse += e * e;
    }
    let forecast = alpha * y[y.len() - 1] + (1.0 - alpha) * level;
    (forecast, sse / y.len() as f64)
}

/// SES with `alpha` chosen in `[lo, hi]` to minimise the in-sample one-step MSE (golden-section
/// search, as statsforecast's bounded optimiser does for Croston-optimised and ADIDA with bounds
/// 0.1–0.3). Returns (alpha, forecast).
pub fn ses_optimised(y: &[f64], lo: f64, hi: f64) -> (f64, f64) {
    const INV_PHI: f64 = 0.618_033_988_749_895;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let (mut fc, mut fd) = (ses(y, c).1, ses(y, d).1);
    // 20 steps shrink the bracket by 0.618^20 ≈ 7e-5 of its width: plenty for a smoothing weight.
    for _ in 0..20 {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = ses(y, c).1;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = ses(y, d).1;
        }
    }
    let alpha = 0.5 * (a + b);
    (alpha, ses(y, alpha).0)
}

/// Exponentially weighted mean with weights (1 − alpha)^age normalised to one: unlike SES it has
/// no start-up value to forget, so it is usable on short series. alpha = 0 is the plain mean.
pub fn weighted(y: &[f64], alpha: f64) -> f64 {
    let decay = 1.0 - alpha.clamp(0.0, 1.0);
    let (mut num, mut den, mut w) = (0.0, 0.0, 1.0);
    for &v in y.iter().rev() {
        num += w * v;
        den += w;
        w *= decay;
    }
    if den > 0.0 { num / den } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_averages() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(window(&[9.0, 1.0, 2.0, 6.0], 3), 3.0);
        assert_eq!(window(&[4.0], 52), 4.0);
        // Weights 1, 0.5, 0.25 from the newest: (1·4 + 0.5·2 + 0.25·0) / 1.75.
        assert!((weighted(&[0.0, 2.0, 4.0], 0.5) - 5.0 / 1.75).abs() < 1e-15);
        assert_eq!(weighted(&[1.0, 2.0, 6.0], 0.0), 3.0);
    }

    #[test]
    fn ses_matches_statsforecast_recursion() {
        // y = 2, 0, 4, alpha 0.5: level 2 → 0.5·2 + 0.5·2 = 2 (e = −2) → 0.5·0 + 0.5·2 = 1 (e = 3);
        // forecast 0.5·4 + 0.5·1 = 2.5; mse = (4 + 9) / 3.
        let (f, mse) = ses(&[2.0, 0.0, 4.0], 0.5);
        assert_eq!(f, 2.5);
        assert!((mse - 13.0 / 3.0).abs() < 1e-15);
        assert_eq!(ses(&[], 0.3), (0.0, 0.0));
        assert_eq!(ses(&[7.0], 0.3).0, 7.0);
    }

    #[test]
    fn optimised_ses_stays_in_bounds_and_beats_the_ends() {
        let y: Vec<f64> = (0..60).map(|i| ((i * 7) % 5) as f64).collect();
        let (alpha, _) = ses_optimised(&y, 0.1, 0.3);
        assert!((0.1..=0.3).contains(&alpha));
        let best = ses(&y, alpha).1;
        assert!(best <= ses(&y, 0.1).1 + 1e-12 && best <= ses(&y, 0.3).1 + 1e-12);
    }
}
