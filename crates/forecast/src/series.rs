//! Per-series pre-processing before any model sees the numbers:
//!
//! - leading zeros are dropped (an item that was not yet listed has no demand to model);
//! - weeks with nothing on hand (`on_hand == Some(0)`) are censored: sales there are only a lower
//!   bound of demand, so they are replaced by the larger of the sale and the mean of the
//!   uncensored weeks around them, and they never count as "no demand";
//! - the trailing run of zero weeks gives the probability that the item is still alive: under
//!   a per-week discontinuation hazard `h` and a nonzero rate `p`, a run of `r` zero weeks has
//!   likelihood (1 − p)^r if alive and h·(1 − (1 − p)^r)/p if it died during the run, so a run
//!   far longer than the item's usual gaps marks it dead (forecast zero), a normal gap does not.

/// A series ready for the models.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Demand from the first sale on, censored weeks imputed.
    pub y: Vec<f64>,
    /// Leading weeks dropped before the first sale.
    pub leading: usize,
    /// Censored weeks that were imputed.
    pub censored: usize,
    /// Uncensored zero weeks at the end.
    pub trailing_zeros: usize,
    /// Probability that the item still sells (1 without a trailing zero run).
    pub alive: f64,
}

/// Half-width of the window of uncensored weeks whose mean stands in for a censored week.
const IMPUTE_RADIUS: usize = 8;

/// Prepares `sales` (oldest first) with the optional on-hand record and the per-week
/// discontinuation hazard used for [`Prepared::alive`].
pub fn prepare(sales: &[u32], on_hand: Option<&[Option<u32>]>, hazard: f64) -> Prepared {
    let censored_at = |i: usize| on_hand.and_then(|o| o.get(i).copied().flatten()) == Some(0);
    let Some(first) = sales.iter().position(|&v| v > 0) else {
        return Prepared { y: Vec::new(), leading: sales.len(), censored: 0, trailing_zeros: 0, alive: 0.0 };
    };
    let mut y: Vec<f64> = sales[first..].iter().map(|&v| f64::from(v)).collect();
    let flags: Vec<bool> = (first..sales.len()).map(censored_at).collect();
    let censored = flags.iter().filter(|c| **c).count();
    if censored > 0 {
        impute(&mut y, &flags);
    }
    let trailing_zeros = y.iter().zip(&flags).rev().take_while(|(v, c)| **v == 0.0 && !**c).count();
    let alive = alive_probability(&y[..y.len() - trailing_zeros], trailing_zeros, hazard);
    Prepared { y, leading: first, censored, trailing_zeros, alive }
}

/// Replaces each censored week by max(sale, mean of the uncensored weeks within
/// [`IMPUTE_RADIUS`]), widening to all uncensored weeks when none is that close.
fn impute(y: &mut [f64], censored: &[bool]) {
    let clean: Vec<(usize, f64)> = y.iter().zip(censored).enumerate().filter(|(_, (_, c))| !**c).map(|(i, (v, _))| (i, *v)).collect();
    if clean.is_empty() {
        return;
    }
    let overall = clean.iter().map(|(_, v)| v).sum::<f64>() / clean.len() as f64;
    for i in (0..y.len()).filter(|&i| censored[i]) {
        let near: Vec<f64> = clean.iter().filter(|(j, _)| j.abs_diff(i) <= IMPUTE_RADIUS).map(|(_, v)| *v).collect();
        let fill = if near.is_empty() { overall } else { near.iter().sum::<f64>() / near.len() as f64 };
        y[i] = y[i].max(fill);
    }
}

/// P(alive | `run` zero weeks after `before`), see the module comment. The nonzero rate is
/// estimated with half a sale of prior so that an item that always sold is not declared dead
/// after one quiet week.
pub fn alive_probability(before: &[f64], run: usize, hazard: f64) -> f64 {
    if run == 0 {
        return 1.0;
    }
    if before.is_empty() {
        return 0.0;
    }
    let nonzero = before.iter().filter(|v| **v != 0.0).count() as f64;
    let p = ((nonzero + 0.5) / (before.len() as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
    let quiet = (1.0 - p).powi(run.min(i32::MAX as usize) as i32);
    let died = hazard.max(0.0) * (1.0 - quiet) / p;
    if quiet + died > 0.0 { quiet / (quiet + died) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_leading_zeros_and_counts_the_trailing_run() {
        let p = prepare(&[0, 0, 3, 0, 1, 0, 0], None, 0.01);
        assert_eq!(p.y, vec![3.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!((p.leading, p.trailing_zeros, p.censored), (2, 2, 0));
        assert!(p.alive > 0.0 && p.alive < 1.0);
        let none = prepare(&[0, 0], None, 0.01);
        assert!(none.y.is_empty() && none.alive == 0.0);
    }

    #[test]
    fn censored_weeks_are_imputed_and_are_not_quiet_weeks() {
        // Week 3 sold 0 with nothing on hand: demand is the mean of the clean weeks, 4.
        let on_hand = [Some(5), Some(5), Some(5), Some(0)];
        let p = prepare(&[4, 4, 4, 0], Some(&on_hand), 0.01);
        assert_eq!(p.y, vec![4.0, 4.0, 4.0, 4.0]);
        assert_eq!((p.censored, p.trailing_zeros), (1, 0));
        assert_eq!(p.alive, 1.0);
        // A censored week that still sold more than its neighbours keeps its sale.
        let p = prepare(&[2, 2, 9], Some(&[None, None, Some(0)]), 0.01);
        assert_eq!(p.y[2], 9.0);
    }

    #[test]
    fn hand_computed_alive_probability() {
        // 3 of 3 weeks sold → p = 3.5/4 = 0.875; one quiet week: quiet = 0.125,
        // died = 0.1·0.875/0.875 = 0.1 → alive = 0.125/0.225.
        let a = alive_probability(&[1.0, 1.0, 1.0], 1, 0.1);
        assert!((a - 0.125 / 0.225).abs() < 1e-12);
        // A long run for a regular seller is death; a short one for a slow seller is not.
        assert!(alive_probability(&[1.0; 100], 20, 0.002) < 1e-6);
        let slow: Vec<f64> = (0..100).map(|i| if i % 10 == 0 { 1.0 } else { 0.0 }).collect();
        assert!(alive_probability(&slow, 8, 0.002) > 0.9);
        assert_eq!(alive_probability(&[1.0], 0, 0.5), 1.0);
    }
}
