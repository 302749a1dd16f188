//! Bounded Nelder–Mead minimiser used to fit the smoothing models (ETS, Theta's SES).
//!
//! The same variant as statsforecast's ETS optimiser (and close to R's `optim`): the initial
//! simplex perturbs one coordinate at a time by 5 % (a zero coordinate by 1e-4), every trial point
//! is clipped to the box, the coefficients are the "adaptive" ones of Gao & Han (2012) which
//! behave better in the 10–17 dimensions of a seasonal ETS model, and the search stops when the
//! standard deviation of the simplex's values drops below a tolerance. Keeping the variant keeps
//! the fitted models (and so the accuracy) comparable with the reference implementation.
//!
//! The objective may return `+∞` (or NaN, treated as `+∞`) for inadmissible points. It also gets
//! a cutoff: the search only needs the exact value of a trial point when it is at most the
//! cutoff (otherwise the point is rejected whatever its value), so an objective may stop early and
//! return anything above the cutoff. Exact values are asked for (cutoff +∞) whenever they are
//! kept; the search path is the same as with exact values throughout.

/// Settings of one minimisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Relative step of the initial simplex.
    pub init_step: f64,
    /// Step for a coordinate that starts at exactly zero.
    pub zero_pert: f64,
    /// Stop when the standard deviation of the simplex's values is below this.
    pub tol_std: f64,
    /// Iteration cap.
    pub max_iter: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { init_step: 0.05, zero_pert: 1e-4, tol_std: 1e-2, max_iter: 1_000 }
    }
}

/// The best point found.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
}

fn clip(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), up) in x.iter_mut().zip(lower).zip(upper) {
        // `max`/`min` rather than `clamp`: bounds may be ±∞ and clamp panics on NaN bounds.
        *v = v.max(*lo).min(*up);
    }
}

fn eval(f: &mut impl FnMut(&[f64], f64) -> f64, x: &[f64], cutoff: f64) -> f64 {
    let v = f(x, cutoff);
    if v.is_nan() { f64::INFINITY } else { v }
}

/// Minimises `f` from `x0` inside the box `[lower, upper]` (same length as `x0`).
pub(crate) fn nelder_mead(mut f: impl FnMut(&[f64], f64) -> f64, x0: &[f64], lower: &[f64], upper: &[f64], s: Settings) -> Minimum {
    let n = x0.len();
    if n == 0 {
        return Minimum { x: Vec::new() };
    }
    let nf = n as f64;
    // Adaptive coefficients (reflection stays 1).
    let (alpha, gamma, rho, sigma) = (1.0, 1.0 + 2.0 / nf, 0.75 - 1.0 / (2.0 * nf), 1.0 - 1.0 / nf);

    let mut start = x0.to_vec();
    clip(&mut start, lower, upper);
    // Row-major simplex: vertex j at [j*n .. (j+1)*n].
    let mut simplex = Vec::with_capacity((n + 1) * n);
    for j in 0..=n {
        simplex.extend_from_slice(&start);
        if j > 0 {
            let v = &mut simplex[j * n + j - 1];
            *v = if *v == 0.0 { s.zero_pert } else { *v * (1.0 + s.init_step) };
            clip(&mut simplex[j * n..(j + 1) * n], lower, upper);
        }
    }
    let mut values: Vec<f64> = (0..=n).map(|j| eval(&mut f, &simplex[j * n..(j + 1) * n], f64::INFINITY)).collect();

    let mut centroid = vec![0.0; n];
    let mut xr = vec![0.0; n];
    let mut xt = vec![0.0; n];
    // Running sum of all vertices: the centroid of all but the worst is (sum − worst)/n, O(n)
    // per iteration instead of O(n²).
    let mut sum = vec![0.0; n];
    let resum = |simplex: &[f64], sum: &mut [f64]| {
        sum.iter_mut().for_each(|v| *v = 0.0);
        for row in simplex.chunks_exact(n) {
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
    };
    resum(&simplex, &mut sum);
    let replace = |simplex: &mut [f64], sum: &mut [f64], j: usize, x: &[f64]| {
        for i in 0..n {
            sum[i] += x[i] - simplex[j * n + i];
        }
        simplex[j * n..(j + 1) * n].copy_from_slice(x);
    };
    for _ in 0..s.max_iter {
        if std_dev(&values) < s.tol_std {
            break;
        }
        let (best, second, worst) = extremes(&values);

        // Centroid of all but the worst, and the reflection of the worst through it.
        let w = &simplex[worst * n..(worst + 1) * n];
        for (((c, r), s), x) in centroid.iter_mut().zip(xr.iter_mut()).zip(&sum).zip(w) {
            *c = (s - x) / nf;
            *r = *c + alpha * (*c - x);
        }
        clip(&mut xr, lower, upper);
        // At or above the worst value the reflection leads to an inside contraction whatever it is.
        let fr = eval(&mut f, &xr, values[worst]);
        if values[best] <= fr && fr < values[second] {
            replace(&mut simplex, &mut sum, worst, &xr);
            values[worst] = fr;
            continue;
        }
        // Expansion.
        if fr < values[best] {
            for i in 0..n {
                xt[i] = centroid[i] + gamma * (xr[i] - centroid[i]);
            }
            clip(&mut xt, lower, upper);
            let fe = eval(&mut f, &xt, fr);
            let (x, v) = if fe < fr { (&xt, fe) } else { (&xr, fr) };
            replace(&mut simplex, &mut sum, worst, x);
            values[worst] = v;
            continue;
        }
        // Contraction: outside when the reflection beat the worst point, else inside.
        if values[second] <= fr && fr < values[worst] {
            for i in 0..n {
                xt[i] = centroid[i] + rho * (xr[i] - centroid[i]);
            }
            clip(&mut xt, lower, upper);
            let fc = eval(&mut f, &xt, fr);
            if fc <= fr {
                replace(&mut simplex, &mut sum, worst, &xt);
                values[worst] = fc;
                continue;
            }
        } else {
            for i in 0..n {
                xt[i] = centroid[i] - rho * (xr[i] - centroid[i]);
            }
            clip(&mut xt, lower, upper);
            let fc = eval(&mut f, &xt, values[worst]);
            if fc < values[worst] {
                replace(&mut simplex, &mut sum, worst, &xt);
                values[worst] = fc;
                continue;
            }
        }
        // Shrink towards the best vertex.
        for j in (0..=n).filter(|&j| j != best) {
            for i in 0..n {
                let b = simplex[best * n + i];
                simplex[j * n + i] = b + sigma * (simplex[j * n + i] - b);
            }
            clip(&mut simplex[j * n..(j + 1) * n], lower, upper);
            values[j] = eval(&mut f, &simplex[j * n..(j + 1) * n], f64::INFINITY);
        }
        resum(&simplex, &mut sum);
    }
    let best = (0..=n).min_by(|&a, &b| values[a].total_cmp(&values[b])).unwrap_or(0);
    Minimum { x: simplex[best * n..(best + 1) * n].to_vec() }
}

/// Indices of the best, second-worst and worst values, with the tie-breaking of a stable sort
/// (best = first minimum, worst = last maximum), in one pass. Values are never NaN ([`eval`]
/// maps NaN to +∞), so plain comparisons are a total order here.
fn extremes(v: &[f64]) -> (usize, usize, usize) {
    let (mut best, mut worst, mut second) = (0, 0, usize::MAX);
    let (mut vb, mut vw, mut vs) = (v[0], v[0], f64::NEG_INFINITY);
    for (j, &x) in v.iter().enumerate().skip(1) {
        if x < vb {
            (best, vb) = (j, x);
        }
        if x >= vw {
            (second, vs) = (worst, vw);
            (worst, vw) = (j, x);
        } else if second == usize::MAX || x >= vs {
            (second, vs) = (j, x);
        }
    }
    (best, second, worst)
}

/// Population standard deviation; NaN when a value is infinite, so the search goes on.
fn std_dev(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_quadratic() {
        let f = |x: &[f64], _: f64| (x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2);
        let s = Settings { tol_std: 1e-14, max_iter: 5_000, ..Settings::default() };
        let m = nelder_mead(f, &[0.0, 0.0], &[f64::NEG_INFINITY; 2], &[f64::INFINITY; 2], s);
        assert!((m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] + 2.0).abs() < 1e-5, "{:?}", m);
    }

    #[test]
    fn respects_the_box() {
        let f = |x: &[f64], _: f64| (x[0] - 5.0).powi(2);
        let s = Settings { tol_std: 1e-14, max_iter: 5_000, ..Settings::default() };
        let m = nelder_mead(f, &[0.5], &[0.0], &[1.0], s);
        assert!((m.x[0] - 1.0).abs() < 1e-9);
    }

    proptest::proptest! {
        #[test]
        fn extremes_match_a_stable_sort(v in proptest::collection::vec(proptest::prop_oneof![0.0f64..3.0, proptest::strategy::Just(1.0), proptest::strategy::Just(f64::INFINITY)], 2..20)) {
            let mut order: Vec<usize> = (0..v.len()).collect();
            order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
            let n = v.len() - 1;
            proptest::prop_assert_eq!(extremes(&v), (order[0], order[n - 1], order[n]));
        }
    }

    #[test]
    fn survives_infinite_and_nan_values() {
        let f = |x: &[f64], _: f64| if x[0] < 0.3 { f64::NAN } else { x[0] };
        let m = nelder_mead(f, &[0.5], &[0.0], &[1.0], Settings::default());
        assert!(m.x[0] >= 0.3 && m.x[0] <= 1.0);
    }
}
