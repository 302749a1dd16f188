//! Temporal aggregation for intermittent demand. ADIDA sums the series into buckets as long as
//! the mean inter-demand interval (so most buckets hold a sale), forecasts the bucket totals
//! with optimised SES and spreads the result back per week. IMAPA does this for every bucket
//! length from 1 to that interval and averages the forecasts. Both follow statsforecast
//! (buckets aligned to the end of the series; the oldest remainder is dropped).

use super::average::ses_optimised;
use super::croston::sizes_and_intervals;

/// Mean inter-demand interval rounded half to even (Python's `round`), at least 1.
fn aggregation_level(y: &[f64]) -> usize {
    let (_, intervals) = sizes_and_intervals(y);
    if intervals.is_empty() {
        return 1;
    }
    let mean = intervals.iter().sum::<f64>() / intervals.len() as f64;
    (mean.round_ties_even() as usize).max(1)
}

/// The weekly forecast from buckets of `level` weeks.
fn aggregated(y: &[f64], level: usize) -> f64 {
    let cut = &y[y.len() % level..];
    let sums: Vec<f64> = cut.chunks_exact(level).map(|c| c.iter().sum()).collect();
    if sums.is_empty() {
        return 0.0;
    }
    ses_optimised(&sums, 0.1, 0.3).1 / level as f64
}

/// ADIDA (0 for a series without sales).
pub fn adida(y: &[f64]) -> f64 {
    if !y.iter().any(|v| *v != 0.0) {
        return 0.0;
    }
    aggregated(y, aggregation_level(y).min(y.len()))
}

/// IMAPA: the mean of the aggregated forecasts for bucket lengths 1..=ADIDA's level.
pub fn imapa(y: &[f64]) -> f64 {
    if !y.iter().any(|v| *v != 0.0) {
        return 0.0;
    }
    let top = aggregation_level(y).min(y.len());
    (1..=top).map(|level| aggregated(y, level)).sum::<f64>() / top as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_aggregation() {
        // Sales every other week: intervals 2, 2, 2 → buckets of 2 each summing to 4 → 2/week.
        let y = [0.0, 4.0, 0.0, 4.0, 0.0, 4.0];
        assert_eq!(aggregation_level(&y), 2);
        assert!((adida(&y) - 2.0).abs() < 1e-12);
        // IMAPA averages level 1 (SES on 0,4,0,4,0,4) and level 2 (exactly 2).
        let imapa_value = imapa(&y);
        assert!(imapa_value > 1.0 && imapa_value < 3.0);
        // 2.5 rounds to 2, as Python does: intervals 2, 3.
        assert_eq!(aggregation_level(&[0.0, 1.0, 0.0, 0.0, 1.0]), 2);
        assert_eq!(adida(&[0.0; 4]), 0.0);
        assert_eq!(imapa(&[]), 0.0);
        // Remainder at the start is dropped: 7 weeks with buckets of 2 use the last 6.
        assert!((aggregated(&[100.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 2) - 1.0).abs() < 1e-12);
    }
}
