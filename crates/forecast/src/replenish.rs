//! Replenishment suggestions per item × DC under periodic review (DOMAIN.md, "Forecast and
//! replenishment"):
//!
//! 1. Demand over the protection interval (lead time + review period) is the convolution of the
//!    weekly forecast distributions ([`Pmf::sum`]), never a sum of weekly quantiles.
//! 2. Order-up-to level S = its τ-quantile; τ is a service target or the newsvendor critical
//!    ratio cu / (cu + co).
//! 3. Raw order = max(0, S − (on hand + on order − backorders)).
//! 4. If the raw order is positive: round up to the case pack, raise to the MOQ, cap at the
//!    maximum weeks of cover; otherwise order nothing. Each adjustment is recorded with its
//!    before/after quantities so a buyer UI can explain the number.
//!
//! Decisions (documented in docs/forecasting.md too):
//! - Lead time and review period are whole **days**. The interval covers `days / 7` whole
//!   forecast weeks plus a fraction of the next week; demand in that fractional week is the
//!   week's demand *thinned* binomially (each unit falls in the covered part with probability
//!   fraction), i.e. demand is assumed spread evenly over the week. This keeps the distribution
//!   discrete and its mean exact.
//! - An MOQ that is not a multiple of the case pack is rounded up to one, so the final quantity is
//!   always a whole number of cases.
//! - The cover cap applies to the order quantity: at most `max_cover_weeks` × mean weekly demand
//!   over the protection interval, rounded *down* to the case pack, but never below the smallest
//!   placeable order (one case, or the MOQ): the raw order says stock is below the service level,
//!   and an order smaller than the MOQ cannot be placed, so the cap can shrink an order but never
//!   cancel it.
//! - Expected fill rate over the review period uses the classic backorder formula with the
//!   position after ordering y = IP + q: 1 − (E(D_{L+R} − y)⁺ − E(D_L − y)⁺) / E(D_R); expected
//!   leftover is E(y − D_{L+R})⁺, the stock expected on hand just before the next order arrives.

use serde::{Deserialize, Serialize};

use crate::dist::Pmf;

/// Stock position of one item at one DC, in units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Position {
    pub on_hand: i64,
    pub on_order: i64,
    pub backorders: i64,
}

impl Position {
    /// on hand + on order − backorders.
    pub fn inventory_position(&self) -> i64 {
        self.on_hand.saturating_add(self.on_order).saturating_sub(self.backorders)
    }
}

/// How the quantile τ of the order-up-to level is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Service {
    /// Probability of no stock-out over the protection interval, in (0, 1), e.g. 0.95.
    Target(f64),
    /// Newsvendor critical ratio cu / (cu + co) from the unit underage (lost margin) and overage
    /// (holding, markdown) costs, in minor currency units (cents): money stays integer.
    Newsvendor { underage: u64, overage: u64 },
}

impl Service {
    /// τ, or `None` when it is not a probability strictly between 0 and 1.
    pub fn tau(&self) -> Option<f64> {
        let t = match *self {
            Service::Target(t) => t,
            Service::Newsvendor { underage, overage } => {
                let total = underage as f64 + overage as f64;
                if total == 0.0 {
                    return None;
                }
                underage as f64 / total
            }
        };
        (t > 0.0 && t < 1.0).then_some(t)
    }
}

/// Planning parameters per item × DC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Days from placing an order to its arrival.
    pub lead_time_days: u32,
    /// Days between two reviews (7 for a weekly review).
    pub review_period_days: u32,
    pub service: Service,
    /// Units per case; 0 and 1 both mean eaches.
    pub case_pack: u64,
    /// Minimum order quantity in units (0 = none).
    pub moq: u64,
    /// Cap on an order, in weeks of mean demand; `None` = no cap.
    pub max_cover_weeks: Option<f64>,
}

/// Why a quantity changed between the raw order and the final one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    RoundedToCasePack,
    RaisedToMoq,
    CappedByCover,
}

/// One step from the raw to the final quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub reason: Reason,
    pub from: u64,
    pub to: u64,
}

/// A replenishment suggestion with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Quantile used for the order-up-to level.
    pub tau: f64,
    /// Protection interval (lead time + review period) in weeks.
    pub horizon_weeks: f64,
    /// Order-up-to level S: the τ-quantile of demand over the protection interval.
    pub order_up_to: u64,
    pub inventory_position: i64,
    /// max(0, S − inventory position).
    pub raw_quantity: u64,
    /// The suggested order, after the adjustments.
    pub quantity: u64,
    /// In the order applied; empty when the raw quantity stood.
    pub adjustments: Vec<Adjustment>,
    /// Mean demand over lead time + review period.
    pub expected_demand: f64,
    /// Mean demand over the review period alone (the demand this order must serve).
    pub expected_review_demand: f64,
    /// Expected units served ÷ expected demand over the review period (1 when no demand).
    pub expected_fill_rate: f64,
    /// Expected stock on hand at the end of the review period, just before the next order lands.
    pub expected_leftover: f64,
    /// The cover cap in units, when one was set.
    pub cover_cap: Option<u64>,
}

/// Why no suggestion could be computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PlanError {
    /// τ is not strictly between 0 and 1 (or the newsvendor costs are both zero).
    InvalidService,
    /// `max_cover_weeks` is negative or not finite.
    InvalidCover,
    /// The forecast has fewer weeks than the protection interval touches.
    ForecastTooShort { needed_weeks: usize, available_weeks: usize },
}

/// Computes the suggestion from the weekly demand distributions (`weeks[0]` = the coming week).
pub fn suggest(weeks: &[Pmf], position: Position, params: &Params) -> Result<Suggestion, PlanError> {
    let tau = params.service.tau().ok_or(PlanError::InvalidService)?;
    if params.max_cover_weeks.is_some_and(|w| !(w.is_finite() && w >= 0.0)) {
        return Err(PlanError::InvalidCover);
    }
    let lead = params.lead_time_days as u64;
    let horizon = lead + params.review_period_days as u64;
    let needed_weeks = horizon.div_ceil(7) as usize;
    if weeks.len() < needed_weeks {
        return Err(PlanError::ForecastTooShort { needed_weeks, available_weeks: weeks.len() });
    }
    let over_lead = demand_over_days(weeks, lead);
    let over_horizon = demand_over_days(weeks, horizon);

    let order_up_to = u64::from(over_horizon.quantile(tau));
    let ip = position.inventory_position();
    let raw = (order_up_to as i128 - ip as i128).max(0) as u64;

    let expected_demand = over_horizon.mean();
    let horizon_weeks = horizon as f64 / 7.0;
    let mean_weekly = if horizon > 0 { expected_demand / horizon_weeks } else { weeks.first().map_or(0.0, Pmf::mean) };
    let pack = params.case_pack.max(1);
    let cover_cap = params.max_cover_weeks.map(|w| {
        let units = (w * mean_weekly).floor() as u64;
        // Never below the smallest order that can be placed: one case, or the MOQ in cases.
        let smallest = pack.max(round_up(params.moq, pack));
        (units / pack * pack).max(smallest)
    });

    let mut adjustments = Vec::new();
    let mut q = raw;
    if raw > 0 {
        let mut step = |reason, to: u64, q: &mut u64| {
            if to != *q {
                adjustments.push(Adjustment { reason, from: *q, to });
                *q = to;
            }
        };
        step(Reason::RoundedToCasePack, round_up(q, pack), &mut q);
        step(Reason::RaisedToMoq, q.max(round_up(params.moq, pack)), &mut q);
        if let Some(cap) = cover_cap {
            step(Reason::CappedByCover, q.min(cap), &mut q);
        }
    }

    let after = ip as f64 + q as f64;
    let expected_review_demand = (expected_demand - over_lead.mean()).max(0.0);
    let shortage = (expected_shortfall(&over_horizon, after) - expected_shortfall(&over_lead, after)).max(0.0);
    let expected_fill_rate = if expected_review_demand > 0.0 { (1.0 - shortage / expected_review_demand).clamp(0.0, 1.0) } else { 1.0 };
    let expected_leftover = expected_leftover(&over_horizon, after);

    Ok(Suggestion {
        tau,
        horizon_weeks,
        order_up_to,
        inventory_position: ip,
        raw_quantity: raw,
        quantity: q,
        adjustments,
        expected_demand,
        expected_review_demand,
        expected_fill_rate,
        expected_leftover,
        cover_cap,
    })
}

/// Smallest multiple of `pack` (≥ 1) that is ≥ `q`, saturating.
fn round_up(q: u64, pack: u64) -> u64 {
    q.div_ceil(pack).saturating_mul(pack)
}

/// Demand over the next `days` days: whole weeks convolved, plus the thinned fraction of the
/// next week. The caller has checked that `weeks` is long enough.
fn demand_over_days(weeks: &[Pmf], days: u64) -> Pmf {
    let whole = (days / 7) as usize;
    let total = Pmf::sum(&weeks[..whole]);
    let rest = days % 7;
    if rest == 0 {
        return total;
    }
    total.convolve(&weeks[whole].thinned(rest as f64 / 7.0))
}

/// E[(D − x)⁺].
fn expected_shortfall(d: &Pmf, x: f64) -> f64 {
    d.probs().iter().enumerate().map(|(k, p)| (k as f64 - x).max(0.0) * p).sum()
}

/// E[(x − D)⁺].
fn expected_leftover(d: &Pmf, x: f64) -> f64 {
    d.probs().iter().enumerate().map(|(k, p)| (x - k as f64).max(0.0) * p).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn params(lead: u32, review: u32, tau: f64) -> Params {
        Params { lead_time_days: lead, review_period_days: review, service: Service::Target(tau), case_pack: 1, moq: 0, max_cover_weeks: None }
    }

    fn coin() -> Pmf {
        Pmf::from_probs(vec![0.5, 0.5]).unwrap()
    }

    #[test]
    fn deterministic_demand_with_case_pack_and_moq() {
        // 10 a week, 14 + 7 days → S = 30. IP = 12 + 5 − 2 = 15 → raw 15 → 18 (cases of 6) →
        // 24 (MOQ). Cap: 3 weeks × 10 = 30 → does not bind.
        let weeks = vec![Pmf::point(10); 4];
        let pos = Position { on_hand: 12, on_order: 5, backorders: 2 };
        let p = Params { case_pack: 6, moq: 24, max_cover_weeks: Some(3.0), ..params(14, 7, 0.95) };
        let s = suggest(&weeks, pos, &p).unwrap();
        assert_eq!((s.order_up_to, s.inventory_position, s.raw_quantity, s.quantity), (30, 15, 15, 24));
        assert_eq!(
            s.adjustments,
            vec![Adjustment { reason: Reason::RoundedToCasePack, from: 15, to: 18 }, Adjustment { reason: Reason::RaisedToMoq, from: 18, to: 24 },]
        );
        assert_eq!(s.cover_cap, Some(30));
        assert!(close(s.expected_demand, 30.0) && close(s.expected_review_demand, 10.0));
        // Position after ordering 39 ≥ 30: no shortage, 9 left over.
        assert!(close(s.expected_fill_rate, 1.0) && close(s.expected_leftover, 9.0));
    }

    #[test]
    fn cover_caps_the_order_but_not_below_one_placeable_order() {
        let weeks = vec![Pmf::point(10); 4];
        let pos = Position { on_hand: 15, ..Position::default() };
        // Cap 1 week = 10 units → 6 in cases of 6: 18 → 6.
        let p = Params { case_pack: 6, max_cover_weeks: Some(1.0), ..params(14, 7, 0.95) };
        let s = suggest(&weeks, pos, &p).unwrap();
        assert_eq!((s.raw_quantity, s.quantity, s.cover_cap), (15, 6, Some(6)));
        assert_eq!(s.adjustments.last(), Some(&Adjustment { reason: Reason::CappedByCover, from: 18, to: 6 }));
        // With an MOQ of 20 (→ 24 in cases) the cap cannot go below 24.
        let p = Params { moq: 20, ..p };
        let s = suggest(&weeks, pos, &p).unwrap();
        assert_eq!((s.quantity, s.cover_cap), (24, Some(24)));
        assert!(s.adjustments.iter().all(|a| a.reason != Reason::CappedByCover));
        // A cap of 0 weeks still lets one case through.
        let p = Params { max_cover_weeks: Some(0.0), ..params(14, 7, 0.95) };
        assert_eq!(suggest(&weeks, pos, &Params { case_pack: 12, ..p }).unwrap().quantity, 12);
    }

    #[test]
    fn no_order_when_the_position_covers_the_level() {
        let weeks = vec![Pmf::point(10); 3];
        let p = Params { case_pack: 6, moq: 24, ..params(14, 7, 0.95) };
        let s = suggest(&weeks, Position { on_hand: 25, on_order: 10, backorders: 0 }, &p).unwrap();
        assert_eq!((s.raw_quantity, s.quantity), (0, 0));
        assert!(s.adjustments.is_empty());
        // Backorders lower the position: 25 + 10 − 8 = 27 < 30.
        let s = suggest(&weeks, Position { on_hand: 25, on_order: 10, backorders: 8 }, &p).unwrap();
        assert_eq!((s.raw_quantity, s.quantity), (3, 24));
    }

    #[test]
    fn level_comes_from_the_convolution_not_summed_quantiles() {
        // Two coin-flip weeks: the sum is Binomial(2, ½) = ¼, ½, ¼. P70 of one week is 1, so adding
        // quantiles would say 2; the convolution's P70 is 1.
        let weeks = vec![coin(), coin()];
        let s = suggest(&weeks, Position::default(), &params(7, 7, 0.7)).unwrap();
        assert_eq!(s.order_up_to, 1);
        // IP after ordering = 1: shortage E(D₂ − 1)⁺ − E(D₁ − 1)⁺ = ¼ − 0 over E(D_R) = ½ → 50 %.
        assert!(close(s.expected_fill_rate, 0.5), "{s:?}");
        assert!(close(s.expected_leftover, 0.25));
    }

    #[test]
    fn fractional_weeks_are_thinned() {
        // 3 + 7 = 10 days = one week + 3/7 of the next. The partial week is Bernoulli(½·3/7):
        // P(0) = ½·11/14 = 11/28, P(1) = ½, P(2) = 3/28.
        let weeks = vec![coin(), coin()];
        let s = suggest(&weeks, Position::default(), &params(3, 7, 0.85)).unwrap();
        assert_eq!(s.order_up_to, 1);
        assert!(close(s.expected_demand, 0.5 + 0.5 * 3.0 / 7.0));
        assert_eq!(suggest(&weeks, Position::default(), &params(3, 7, 0.9)).unwrap().order_up_to, 2);
        assert!(close(s.horizon_weeks, 10.0 / 7.0));
    }

    #[test]
    fn newsvendor_ratio_and_errors() {
        // cu = 3.00, co = 1.00 → τ = 0.75.
        let svc = Service::Newsvendor { underage: 300, overage: 100 };
        assert!(close(svc.tau().unwrap(), 0.75));
        let weeks = vec![coin(), coin()];
        let p = Params { service: svc, ..params(7, 7, 0.5) };
        assert_eq!(suggest(&weeks, Position::default(), &p).unwrap().order_up_to, 1);
        assert_eq!(Service::Newsvendor { underage: 0, overage: 0 }.tau(), None);
        assert_eq!(suggest(&weeks, Position::default(), &params(7, 7, 1.0)), Err(PlanError::InvalidService));
        assert_eq!(suggest(&weeks, Position::default(), &params(7, 7, f64::NAN)), Err(PlanError::InvalidService));
        assert_eq!(suggest(&weeks, Position::default(), &params(10, 7, 0.9)), Err(PlanError::ForecastTooShort { needed_weeks: 3, available_weeks: 2 }));
        let p = Params { max_cover_weeks: Some(-1.0), ..params(7, 7, 0.9) };
        assert_eq!(suggest(&weeks, Position::default(), &p), Err(PlanError::InvalidCover));
        // Zero-length interval: S = 0, backorders alone drive the order.
        let s = suggest(&[], Position { backorders: 3, ..Position::default() }, &params(0, 0, 0.9)).unwrap();
        assert_eq!((s.order_up_to, s.quantity, s.expected_fill_rate), (0, 3, 1.0));
    }

    fn arb_weeks() -> impl Strategy<Value = Vec<Pmf>> {
        prop::collection::vec((0.0f64..30.0, 0.3f64..10.0), 3..6).prop_map(|v| v.into_iter().map(|(m, r)| Pmf::negative_binomial(m, r)).collect())
    }

    fn arb_params() -> impl Strategy<Value = Params> {
        (0u32..14, 1u32..8, 0.01f64..0.99, 0u64..13, 0u64..50, prop::option::of(0.0f64..10.0)).prop_map(|(l, r, t, cp, moq, cover)| Params {
            lead_time_days: l,
            review_period_days: r,
            service: Service::Target(t),
            case_pack: cp,
            moq,
            max_cover_weeks: cover,
        })
    }

    fn arb_position() -> impl Strategy<Value = Position> {
        (-20i64..200, 0i64..100, 0i64..50).prop_map(|(on_hand, on_order, backorders)| Position { on_hand, on_order, backorders })
    }

    proptest! {
        #[test]
        fn orders_are_placeable(weeks in arb_weeks(), pos in arb_position(), p in arb_params()) {
            let s = suggest(&weeks, pos, &p).unwrap();
            prop_assert_eq!(s.raw_quantity as i128, (s.order_up_to as i128 - pos.inventory_position() as i128).max(0));
            if s.quantity > 0 {
                prop_assert_eq!(s.quantity % p.case_pack.max(1), 0);
                prop_assert!(s.quantity >= p.moq);
                prop_assert!(s.quantity >= s.raw_quantity || s.adjustments.iter().any(|a| a.reason == Reason::CappedByCover));
            }
            // The cap never cancels an order that is needed.
            prop_assert_eq!(s.quantity == 0, s.raw_quantity == 0);
            prop_assert!((0.0..=1.0).contains(&s.expected_fill_rate));
            prop_assert!(s.expected_leftover >= 0.0);
            if let (Some(first), Some(last)) = (s.adjustments.first(), s.adjustments.last()) {
                prop_assert_eq!(first.from, s.raw_quantity);
                prop_assert_eq!(last.to, s.quantity);
            }
        }

        #[test]
        fn monotone_in_tau(weeks in arb_weeks(), pos in arb_position(), p in arb_params(), t1 in 0.01f64..0.99, t2 in 0.01f64..0.99) {
            let (lo, hi) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
            let a = suggest(&weeks, pos, &Params { service: Service::Target(lo), ..p }).unwrap();
            let b = suggest(&weeks, pos, &Params { service: Service::Target(hi), ..p }).unwrap();
            prop_assert!(a.order_up_to <= b.order_up_to);
            prop_assert!(a.raw_quantity <= b.raw_quantity);
            prop_assert!(a.quantity <= b.quantity);
            prop_assert!(a.expected_fill_rate <= b.expected_fill_rate + 1e-9);
        }

        #[test]
        fn more_stock_never_orders_more(weeks in arb_weeks(), pos in arb_position(), p in arb_params(), extra in 0i64..40) {
            let a = suggest(&weeks, pos, &p).unwrap();
            let b = suggest(&weeks, Position { on_hand: pos.on_hand + extra, ..pos }, &p).unwrap();
            prop_assert!(b.quantity <= a.quantity);
        }
    }
}
