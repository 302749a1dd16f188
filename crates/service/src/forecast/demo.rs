//! Demo sales history: three years (156 weeks, ending with the last completed week in each DC's
//! time zone) of weekly sales and on-hand for every demo item × DC that has purchase orders, shaped
//! like real retail series so the forecasts have something to learn: a level per item, yearly
//! seasonality (winter or summer peaks), a gentle trend, Poisson-like noise, one slow intermittent
//! item, a launch part-way through, a discontinued item, and stock-outs (on hand 0, sales cut short)
//! when replenishment falls behind. Seeded, so every demo database has the same history.
//!
//! The history goes in through the API's import use case (as the retailer's systems would send it):
//! validated and audited like any import.

use super::{ImportReport, SalesInput};
use crate::{Ctx, ServiceError, Services};
use acorn_domain::forecast::{last_completed_week, week_label};
use acorn_domain::time;
use acorn_store::repo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Weeks of history the demo writes.
pub const DEMO_WEEKS: i64 = 156;

/// The shape of one demo series (by the item's position in the vendor's list and the vendor's).
struct Shape {
    /// Mean weekly units at the level.
    level: f64,
    /// Seasonal amplitude (share of the level) and the week of the year of the peak.
    season: f64,
    peak_week: f64,
    /// Growth per year (share of the level).
    trend: f64,
    /// Weeks from the start before the first sale (a launch), and weeks before the end after the last (discontinued).
    launch: i64,
    stop: i64,
}

fn shape(series: usize, rng: &mut StdRng) -> Shape {
    let level = [38.0, 14.0, 22.0, 9.0, 55.0, 0.6][series % 6] * rng.gen_range(0.7..1.4);
    let (season, peak_week) = match series % 6 {
        0 | 2 => (0.45, 50.0), // kettles and lamps: winter and the holidays
        3 | 4 => (0.55, 27.0), // trekking poles and bottles: summer
        _ => (0.15, 48.0),
    };
    Shape {
        level,
        season,
        peak_week,
        trend: rng.gen_range(-0.05..0.12),
        // The fourth series launches in the last year; the ninth is discontinued half a year ago.
        launch: if series == 3 { DEMO_WEEKS - 40 } else { 0 },
        stop: if series == 8 { 26 } else { 0 },
    }
}

/// A Poisson draw (Knuth for small means, a rounded normal for large ones: fine for demo data).
fn poisson(mean: f64, rng: &mut StdRng) -> i64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        let (u1, u2): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen_range(0.0..1.0));
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        return (mean + z * mean.sqrt()).round().max(0.0) as i64;
    }
    let limit = (-mean).exp();
    let (mut k, mut p) = (0i64, 1.0f64);
    loop {
        p *= rng.gen_range(0.0..1.0);
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

impl Services {
    /// Writes the demo sales history (see the module header); idempotent like any import.
    pub async fn seed_demo_sales(&self, ctx: &Ctx) -> Result<ImportReport, ServiceError> {
        let series = repo::forecast::ordered_series(&self.db.conn).await?;
        let now = crate::now();
        let mut rng = StdRng::seed_from_u64(20_260_126);
        let mut records = Vec::new();
        for (n, s) in series.iter().enumerate() {
            let tz = time::zone(&s.time_zone).unwrap_or(time::UTC);
            let last = last_completed_week(now, tz);
            let first = last - chrono::Duration::weeks(DEMO_WEEKS - 1);
            let sh = shape(n, &mut rng);
            // Stock: start at five weeks of the level; every other week a delivery tops it up to six
            // weeks, late now and then (which is when stock-outs happen).
            let mut on_hand = (sh.level * 5.0).round() as i64;
            for w in 0..DEMO_WEEKS {
                if w < sh.launch || w >= DEMO_WEEKS - sh.stop {
                    continue;
                }
                let monday = first + chrono::Duration::weeks(w);
                let week_of_year = f64::from(chrono::Datelike::iso_week(&monday).week());
                let seasonal = 1.0 + sh.season * ((week_of_year - sh.peak_week) / 52.0 * std::f64::consts::TAU).cos();
                let growth = 1.0 + sh.trend * (w as f64 / 52.0);
                // A launch ramps up over its first eight weeks.
                let ramp = if sh.launch > 0 { ((w - sh.launch + 1) as f64 / 8.0).min(1.0) } else { 1.0 };
                let demand = poisson(sh.level * seasonal * growth * ramp, &mut rng);
                if w % 2 == 0 && rng.gen_range(0.0..1.0) > 0.08 {
                    on_hand = on_hand.max((sh.level * 6.0 * seasonal).round() as i64);
                }
                let units = demand.min(on_hand);
                on_hand -= units;
                records.push(SalesInput {
                    gtin: s.gtin.clone(),
                    dc: s.dc_code.clone(),
                    week: week_label(monday),
                    units: Some(units),
                    on_hand: Some(on_hand),
                    ..SalesInput::default()
                });
            }
        }
        if records.is_empty() {
            return Ok(ImportReport::default());
        }
        self.import_sales_batch(ctx, records).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_about_the_mean() {
        let mut rng = StdRng::seed_from_u64(7);
        for mean in [0.6, 9.0, 55.0] {
            let n = 4000;
            let total: i64 = (0..n).map(|_| poisson(mean, &mut rng)).sum();
            let avg = total as f64 / n as f64;
            assert!((avg - mean).abs() < mean.sqrt() * 0.2 + 0.05, "{mean}: {avg}");
        }
        assert_eq!(poisson(0.0, &mut rng), 0);
    }
}
