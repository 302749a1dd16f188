//! The naive and seasonal naive benchmarks.

/// The last value, repeated for `h` weeks (zeros for an empty history).
pub fn naive(y: &[f64], h: usize) -> Vec<f64> {
    vec![y.last().copied().unwrap_or(0.0); h]
}

/// The value one season earlier: week k ahead repeats `y[n − m + (k mod m)]`. With less than
/// one season of history it falls back to the naive forecast.
pub fn seasonal_naive(y: &[f64], m: usize, h: usize) -> Vec<f64> {
    if m == 0 || y.len() < m {
        return naive(y, h);
    }
    let last = &y[y.len() - m..];
    (0..h).map(|k| last[k % m]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_forecasts() {
        assert_eq!(naive(&[1.0, 5.0], 3), vec![5.0; 3]);
        assert_eq!(naive(&[], 2), vec![0.0; 2]);
        assert_eq!(seasonal_naive(&[9.0, 1.0, 2.0, 3.0], 3, 5), vec![1.0, 2.0, 3.0, 1.0, 2.0]);
        assert_eq!(seasonal_naive(&[1.0, 2.0], 3, 2), vec![2.0, 2.0]);
    }
}
