//! The forecasting engine: history in, mean and integer quantiles for each future week out.
//!
//! Per item: pre-process ([`crate::series`]), classify ([`crate::classify`]), fit the seasonal
//! profile against the category's pooled index ([`crate::season`]), backtest the candidate
//! methods from a rolling origin and choose ([`crate::select`]), forecast the mean (level ×
//! seasonal factor × probability alive), and read P50/P70/P80/P90 from each week's hurdle
//! negative-binomial distribution ([`crate::quantile`]). A batch (one category's items, ending
//! in the same week) pools what single items cannot know alone: the seasonal index, the best
//! method per demand class and the calibration of the distributions' dispersion per class.

use serde::{Deserialize, Serialize};

use crate::classify::{self, DemandClass};
use crate::dist::Pmf;
use crate::metrics;
use crate::quantile::{self, WeekDist};
use crate::season::{self, SeasonIndex, Seasonal};
use crate::select::{self, Method, Selection};
use crate::series::{self, Prepared};

/// Engine settings. `Config::default()` is the configuration the benchmark runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Weeks to forecast.
    pub horizon: usize,
    /// Per-week probability that an item is discontinued (drives dead-item detection).
    pub hazard: f64,
    /// Scale of the fitted seasonal profile: 1 as estimated, 0 none.
    pub seasonality: f64,
    /// Whether a batch pools a seasonal index over its items.
    pub pooled_season: bool,
    /// How each item's method is chosen.
    pub selection: Selection,
    /// Methods the backtest compares.
    pub candidates: Vec<Method>,
    /// Method per demand class (smooth, erratic, intermittent, lumpy) when the batch cannot
    /// decide (a single forecast, or an item without a backtest).
    pub class_methods: [Method; 4],
    /// Longest backtest span in weeks (also at most the horizon and a third of the history).
    pub backtest_weeks: usize,
    /// Weeks of recent history whose share of nonzero weeks is the base rate of the hurdle.
    pub rate_weeks: usize,
    /// Prior size dispersion per class and its weight in nonzero weeks.
    pub dispersion_prior: [f64; 4],
    pub dispersion_weight: f64,
    /// Dispersion multiplier per class (the calibration; a batch re-estimates it when
    /// `calibrate` is set).
    pub dispersion_scale: [f64; 4],
    pub calibrate: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            horizon: 52,
            hazard: 0.002,
            seasonality: 1.0,
            pooled_season: true,
            selection: Selection::Class,
            candidates: vec![
                Method::Weighted(5),
                Method::Weighted(10),
                Method::Weighted(20),
                Method::Weighted(40),
                Method::Mean,
                Method::Window(52),
                Method::CrostonSba,
            ],
            class_methods: [Method::Weighted(15); 4],
            backtest_weeks: 52,
            rate_weeks: 156,
            dispersion_prior: [0.3; 4],
            dispersion_weight: 10.0,
            dispersion_scale: [1.0; 4],
            calibrate: true,
        }
    }
}

/// One item's weekly history, oldest first. `on_hand[i] == Some(0)` marks week i as censored
/// (out of stock: sales understate demand).
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub sales: &'a [u32],
    pub on_hand: Option<&'a [Option<u32>]>,
}

/// The backtest of the chosen method: what it would have forecast from an earlier origin, next
/// to what sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Index in the history of the first backtested week.
    pub origin: usize,
    pub forecast: Vec<f64>,
    pub actual: Vec<f64>,
    /// Scaled as the benchmark scales (by the history before the origin); NaN if unscalable.
    pub mase: f64,
    pub rmsse: f64,
}

/// An item's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Mean demand per week.
    pub mean: Vec<f64>,
    /// P50, P70, P80, P90 per week: integers, non-decreasing.
    pub quantiles: Vec<[u32; 4]>,
    pub class: DemandClass,
    pub method: Method,
    /// Probability the item still sells (below 1 after an unusually long run of zero weeks).
    pub alive: f64,
    /// What rebuilds each week's distribution from its mean.
    pub dist: WeekDist,
    pub backtest: Option<Backtest>,
}

impl Forecast {
    /// The predictive distribution of week `week` (0-based; all mass at 0 past the horizon).
    /// Totals over several weeks are convolutions of these (`Pmf::sum`), never sums of quantiles.
    pub fn week_pmf(&self, week: usize) -> Pmf {
        match self.mean.get(week) {
            Some(&m) => self.dist.pmf(m),
            None => Pmf::point(0),
        }
    }
}

/// Builds a category's pooled seasonal index from its items' histories (all ending in the same
/// week).
pub fn season_index(histories: &[History], config: &Config) -> SeasonIndex {
    let prepared: Vec<Prepared> = histories.iter().map(|h| series::prepare(h.sales, h.on_hand, config.hazard)).collect();
    pooled(&prepared)
}

fn pooled(prepared: &[Prepared]) -> SeasonIndex {
    let ys: Vec<&[f64]> = prepared.iter().map(|p| p.y.as_slice()).collect();
    SeasonIndex::pooled(&ys)
}

/// Forecasts one item. `season` is its category's index (None: the item's own seasonality under
/// the default prior); the method per class comes from `config.class_methods` unless the
/// selection is per series or fixed.
pub fn forecast(history: &History, season: Option<&SeasonIndex>, config: &Config) -> Forecast {
    let fallback = SeasonIndex::default();
    let index = season.unwrap_or(&fallback);
    let mut item = Item::fit(history, index, config);
    if config.selection == Selection::Series {
        item.score(config);
    }
    let method = item.choose(config, &config.class_methods);
    item.finish(method, config, &config.dispersion_scale)
}

/// Forecasts a batch of items (one category, ending in the same week): pools the seasonal index
/// over the batch (if configured), picks methods per class and calibrates per class over the
/// batch.
pub fn forecast_batch(histories: &[History], config: &Config) -> Vec<Forecast> {
    forecast_batch_with(histories, None, config)
}

/// [`forecast_batch`] with a category index built elsewhere (e.g. from all of a category's items
/// while only some are forecast now); `None` pools one over the batch when
/// `config.pooled_season` is set.
pub fn forecast_batch_with(histories: &[History], season: Option<&SeasonIndex>, config: &Config) -> Vec<Forecast> {
    let prepared: Vec<Prepared> = histories.iter().map(|h| series::prepare(h.sales, h.on_hand, config.hazard)).collect();
    let ys: Vec<&[f64]> = prepared.iter().map(|p| p.y.as_slice()).collect();
    let (index, fits) = match season {
        _ if config.seasonality <= 0.0 => (SeasonIndex::default(), vec![None; ys.len()]),
        Some(index) => (index.clone(), index.fit_all(&ys)),
        None if config.pooled_season => SeasonIndex::pooled_with_fits(&ys),
        None => {
            let index = SeasonIndex::default();
            let fits = index.fit_all(&ys);
            (index, fits)
        }
    };
    let mut items: Vec<Item> = prepared
        .into_iter()
        .zip(&fits)
        .map(|(p, fit)| {
            let seasonal = if config.seasonality > 0.0 { season::from_fit(fit.as_ref(), &index, config.seasonality) } else { Seasonal::flat() };
            Item::new(p, seasonal, config)
        })
        .collect();
    // Per-series selection backtests every item; a class decision needs only a sample of each
    // class, which keeps a large batch cheap.
    let cap = match config.selection {
        Selection::Fixed(_) => 0,
        Selection::Series => usize::MAX,
        Selection::Class => CLASS_SAMPLE,
    };
    let mut scored = [0usize; 4];
    for it in items.iter_mut() {
        let c = it.class.index();
        if scored[c] < cap && it.origin > 0 {
            it.score(config);
            scored[c] += 1;
        }
    }
    let class_methods = match config.selection {
        Selection::Class => best_per_class(&items, config),
        _ => config.class_methods,
    };
    let methods: Vec<Method> = items.iter().map(|it| it.choose(config, &class_methods)).collect();
    let scale = if config.calibrate { calibrate(&items, &methods, config) } else { config.dispersion_scale };
    // Consuming the items frees each one's buffers for the next forecast's.
    items.into_iter().zip(methods).map(|(it, m)| it.finish(m, config, &scale)).collect()
}

/// Items per class whose backtests decide the class's method and calibration.
const CLASS_SAMPLE: usize = 1000;

/// Relative backtest gain a calibrated dispersion scale must show to replace the configured one.
const CALIBRATION_MARGIN: f64 = 0.01;

/// Per class, the candidate with the lowest mean scaled backtest error (the configured method
/// for a class with too few backtested items).
fn best_per_class(items: &[Item], config: &Config) -> [Method; 4] {
    let mut out = config.class_methods;
    for class in DemandClass::ALL {
        let members: Vec<&Item> = items.iter().filter(|it| it.class == class && it.scaled_errors.is_some()).collect();
        if members.len() < 20 {
            continue;
        }
        let mut best = (f64::INFINITY, out[class.index()]);
        for (j, &m) in config.candidates.iter().enumerate() {
            let score = members.iter().map(|it| it.scaled_errors.as_ref().map_or(0.0, |e| e[j])).sum::<f64>();
            if score < best.0 {
                best = (score, m);
            }
        }
        out[class.index()] = best.1;
    }
    out
}

/// Per class, the dispersion multiplier (from a short grid) whose backtest quantiles have the
/// lowest scaled pinball loss over P50–P90 (a proper score: it rewards calibration and
/// sharpness together, where matching coverage alone would accept a needlessly wide spread).
fn calibrate(items: &[Item], methods: &[Method], config: &Config) -> [f64; 4] {
    const GRID: [f64; 6] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.5];
    let mut out = config.dispersion_scale;
    for class in DemandClass::ALL {
        // (distribution, mean, actual, 1/scale1) per backtest week, every 8th week of a third of
        // the class sample: the weeks of one item are strongly alike, and this keeps the cost down.
        let mut points: Vec<(WeekDist, f64, f64, f64)> = Vec::new();
        for (it, m) in items.iter().zip(methods).filter(|(it, _)| it.class == class && it.origin > 0).take(CLASS_SAMPLE / 3) {
            let (s1, _) = metrics::scales(&it.prep.y[..it.origin]);
            if s1.is_nan() || s1 <= 0.0 {
                continue;
            }
            let (fc, base) = it.backtest_forecast(*m);
            let dist = it.dist(&it.prep.y[..it.origin], base, it.alive_at_origin, config, 1.0);
            let actual = &it.prep.y[it.origin..];
            points.extend(fc.iter().zip(actual).step_by(8).map(|(f, a)| (dist, *f, *a, 1.0 / s1)));
        }
        if points.len() < 100 {
            continue;
        }
        let loss_at = |s: f64| -> f64 {
            points
                .iter()
                .map(|(d, f, a, w)| {
                    let q = WeekDist { dispersion: d.dispersion * s, ..*d }.quantiles(*f);
                    w * metrics::LEVELS.iter().zip(q).map(|(l, q)| metrics::pinball(*a, f64::from(q), *l)).sum::<f64>()
                })
                .sum()
        };
        // The configured scale stands unless another is clearly better on the backtest: a
        // sample of a few hundred items should not move the distributions on noise.
        let current = out[class.index()];
        let mut best = (loss_at(current) * (1.0 - CALIBRATION_MARGIN), current);
        for s in GRID {
            let loss = loss_at(s);
            if loss < best.0 {
                best = (loss, s);
            }
        }
        out[class.index()] = best.1;
    }
    out
}

/// One item between fitting and the final forecast.
struct Item {
    prep: Prepared,
    class: DemandClass,
    seasonal: Seasonal,
    /// Deseasonalised demand.
    z: Vec<f64>,
    /// Backtest origin in `prep.y` (0: no backtest).
    origin: usize,
    /// Probability alive as seen at the origin.
    alive_at_origin: f64,
    /// Backtest MSE / scale2 per candidate (None without a backtest or a scale).
    scaled_errors: Option<Vec<f64>>,
}

/// Shortest backtest worth scoring, and the least history before its origin.
const MIN_BACKTEST: usize = 8;
const MIN_ORIGIN: usize = 26;

impl Item {
    fn fit(history: &History, index: &SeasonIndex, config: &Config) -> Item {
        let prep = series::prepare(history.sales, history.on_hand, config.hazard);
        let seasonal = if config.seasonality > 0.0 { season::fit(&prep.y, index, config.seasonality) } else { Seasonal::flat() };
        Item::new(prep, seasonal, config)
    }

    fn new(prep: Prepared, seasonal: Seasonal, config: &Config) -> Item {
        let class = classify::classify(&prep.y).class;
        let n = prep.y.len();
        let z: Vec<f64> = prep.y.iter().enumerate().map(|(i, v)| v / seasonal.at(n, i)).collect();
        let span = config.backtest_weeks.min(config.horizon).min(n / 3);
        let origin = if span >= MIN_BACKTEST && n - span >= MIN_ORIGIN { n - span } else { 0 };
        let before = &prep.y[..origin];
        let run = before.iter().rev().take_while(|v| **v == 0.0).count();
        let alive_at_origin = series::alive_probability(&before[..origin - run], run, config.hazard);
        Item { prep, class, seasonal, z, origin, alive_at_origin, scaled_errors: None }
    }

    /// Backtests every candidate (MSE, divided by the benchmark's scale2 when it has one).
    fn score(&mut self, config: &Config) {
        if self.origin == 0 {
            return;
        }
        let (_, s2) = metrics::scales(&self.prep.y[..self.origin]);
        let actual = &self.prep.y[self.origin..];
        let scale = if s2 > 0.0 { s2 } else { 1.0 };
        self.scaled_errors = Some(config.candidates.iter().map(|m| select::mse(&self.backtest_forecast(*m).0, actual) / scale).collect());
    }

    /// The method's forecast of the backtest weeks from the history before the origin (times
    /// the alive probability there) and the distribution fitted there.
    fn backtest_forecast(&self, method: Method) -> (Vec<f64>, f64) {
        let (y, o, n) = (&self.prep.y, self.origin, self.prep.y.len());
        let (mut fc, base) = method.forecast(y, &self.z, &self.seasonal, n, o, n - o);
        fc.iter_mut().for_each(|v| *v *= self.alive_at_origin);
        (fc, base)
    }

    fn dist(&self, y: &[f64], base: f64, alive: f64, config: &Config, disp_scale: f64) -> WeekDist {
        let c = self.class.index();
        let mut d = quantile::estimate(y, base, alive, config.rate_weeks, config.dispersion_prior[c], config.dispersion_weight);
        d.dispersion *= disp_scale;
        d
    }

    fn choose(&self, config: &Config, class_methods: &[Method; 4]) -> Method {
        match (&config.selection, &self.scaled_errors) {
            (Selection::Fixed(m), _) => *m,
            (Selection::Series, Some(e)) => {
                let best = e.iter().enumerate().fold((f64::INFINITY, 0), |b, (j, v)| if *v < b.0 { (*v, j) } else { b });
                config.candidates.get(best.1).copied().unwrap_or(class_methods[self.class.index()])
            }
            _ => class_methods[self.class.index()],
        }
    }

    fn finish(&self, method: Method, config: &Config, disp_scale: &[f64; 4]) -> Forecast {
        let (y, n, h) = (&self.prep.y, self.prep.y.len(), config.horizon);
        let alive = self.prep.alive;
        let (mut mean, base) = if n == 0 { (vec![0.0; h], 0.0) } else { method.forecast(y, &self.z, &self.seasonal, n, n, h) };
        mean.iter_mut().for_each(|v| *v *= alive);
        let dist = self.dist(y, base, alive, config, disp_scale[self.class.index()]);
        let quantiles = dist.quantiles_path(&mean);
        let backtest = (self.origin > 0).then(|| {
            let (forecast, _) = self.backtest_forecast(method);
            let actual = y[self.origin..].to_vec();
            let (s1, s2) = metrics::scales(&y[..self.origin]);
            let k = actual.len() as f64;
            let mae = forecast.iter().zip(&actual).map(|(f, a)| (f - a).abs()).sum::<f64>() / k;
            let rmsse = if s2 > 0.0 { (select::mse(&forecast, &actual) / s2).sqrt() } else { f64::NAN };
            let mase = if s1 > 0.0 { mae / s1 } else { f64::NAN };
            Backtest { origin: self.prep.leading + self.origin, forecast, actual, mase, rmsse }
        });
        Forecast { mean, quantiles, class: self.class, method, alive, dist, backtest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hist(sales: &[u32]) -> History<'_> {
        History { sales, on_hand: None }
    }

    #[test]
    fn a_steady_item_is_forecast_at_its_level() {
        let sales = vec![5u32; 156];
        let f = forecast(&hist(&sales), None, &Config::default());
        assert_eq!(f.mean.len(), 52);
        assert!(f.mean.iter().all(|m| (m - 5.0).abs() < 1e-9), "{:?}", &f.mean[..4]);
        assert_eq!(f.class, DemandClass::Smooth);
        assert!(f.quantiles.iter().all(|q| q[0] >= 4 && q[3] <= 8));
        let bt = f.backtest.expect("156 weeks are enough to backtest");
        assert_eq!(bt.origin, 104);
        assert!(bt.rmsse.is_nan() && bt.mase.is_nan(), "a flat history has no scale");
    }

    #[test]
    fn a_dead_item_is_forecast_at_zero() {
        let mut sales = vec![4u32; 100];
        sales.extend([0; 40]);
        let f = forecast(&hist(&sales), None, &Config::default());
        assert!(f.alive < 1e-6 && f.mean.iter().all(|m| *m < 1e-6));
        assert!(f.quantiles.iter().all(|q| *q == [0; 4]));
        assert!(f.week_pmf(3).probs()[0] > 0.999);
    }

    #[test]
    fn empty_and_zero_histories_give_zero_forecasts() {
        for sales in [vec![], vec![0u32; 30]] {
            let f = forecast(&hist(&sales), None, &Config::default());
            assert_eq!(f.mean, vec![0.0; 52]);
            assert_eq!(f.quantiles, vec![[0; 4]; 52]);
            assert!(f.backtest.is_none());
        }
        let f = forecast(&hist(&[3]), None, &Config { horizon: 0, ..Config::default() });
        assert!(f.mean.is_empty() && f.quantiles.is_empty());
        assert_eq!(f.week_pmf(0), Pmf::point(0));
    }

    #[test]
    fn week_pmf_matches_the_quantiles() {
        let sales: Vec<u32> = (0..156).map(|i| [0, 2, 0, 5, 1, 0, 3][i % 7]).collect();
        let f = forecast(&hist(&sales), None, &Config::default());
        for w in [0, 10, 51] {
            let pmf = f.week_pmf(w);
            let q = [0.5, 0.7, 0.8, 0.9].map(|l| pmf.quantile(l));
            assert_eq!(q, f.quantiles[w]);
            assert!((pmf.mean() - f.mean[w]).abs() < 1e-6);
        }
    }

    #[test]
    fn a_batch_learns_the_category_peak_and_censored_weeks_raise_demand() {
        // 60 items of 3/week with a shared ×3 peak in the 6 weeks before the last 10 of each year.
        let items: Vec<Vec<u32>> = (0..60).map(|k| (0..156).map(|i| if (36..42).contains(&(i % 52)) { 9 } else { 3 + (i + k) as u32 % 2 }).collect()).collect();
        let histories: Vec<History> = items.iter().map(|s| hist(s)).collect();
        let batch = forecast_batch(&histories, &Config::default());
        let f = &batch[0];
        // Forecast weeks 36..42 of the next year (index 36 ahead) carry the peak.
        assert!(f.mean[38] > 2.0 * f.mean[10], "{} vs {}", f.mean[38], f.mean[10]);
        assert!(f.quantiles[38][0] > f.quantiles[10][3]);
        let index = season_index(&histories, &Config::default());
        assert_eq!(forecast_batch_with(&histories, Some(&index), &Config::default())[0].mean, f.mean);
        // The same item with its last 8 weeks out of stock and no sales there: demand is imputed,
        // so it is neither dead nor forecast lower than with those weeks selling normally.
        let mut cut = items[0].clone();
        cut[148..].iter_mut().for_each(|v| *v = 0);
        let on_hand: Vec<Option<u32>> = (0..156).map(|i| if i >= 148 { Some(0) } else { None }).collect();
        let censored = forecast(&History { sales: &cut, on_hand: Some(&on_hand) }, Some(&index), &Config::default());
        let blind = forecast(&hist(&cut), Some(&index), &Config::default());
        let full = forecast(&hist(&items[0]), Some(&index), &Config::default());
        assert!(censored.alive == 1.0 && blind.alive < 0.01);
        assert!((censored.mean[10] - full.mean[10]).abs() < 0.1 * full.mean[10]);
    }

    #[test]
    fn forecast_round_trips_through_json() {
        let sales = vec![1u32, 0, 2, 0, 1, 3];
        let f = forecast(&hist(&sales), None, &Config { horizon: 4, ..Config::default() });
        let text = serde_json::to_string(&f).unwrap();
        assert!(text.contains("\"quantiles\":[[") && text.contains("\"class\":\"intermittent\""), "{text}");
        assert_eq!(serde_json::from_str::<Forecast>(&text).unwrap(), f);
    }

    proptest! {
        #[test]
        fn any_history_gives_finite_ordered_forecasts(sales in proptest::collection::vec(prop_oneof![Just(0u32), 0u32..5, 0u32..1_000_000], 0..220),
                                                    censor in proptest::collection::vec(any::<bool>(), 0..220)) {
            let on_hand: Vec<Option<u32>> = censor.iter().map(|c| if *c { Some(0) } else { None }).collect();
            let h = History { sales: &sales, on_hand: Some(&on_hand) };
            let config = Config { horizon: 13, ..Config::default() };
            let f = forecast(&h, None, &config);
            prop_assert_eq!(f.mean.len(), 13);
            prop_assert!(f.mean.iter().all(|m| m.is_finite() && *m >= 0.0));
            prop_assert!(f.quantiles.iter().all(|q| q.windows(2).all(|w| w[0] <= w[1])));
            let batch = forecast_batch(&[h, h], &Config { selection: Selection::Class, calibrate: true, ..config });
            prop_assert_eq!(batch.len(), 2);
        }
    }
}
