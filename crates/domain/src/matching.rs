//! The three-way match: per invoice line, what the vendor invoiced against what the PO (or the vendor's own
//! acknowledgement) priced and what the DC received — and, when they differ beyond tolerance, the claims the retailer
//! raises. This decides money, so every number compared is kept in the [`Explanation`] for the vendor to check.
//!
//! DOMAIN.md "Invoices, matching and payment" reads here as follows:
//! - **Cost basis**: the PO line's net cost, or the acknowledged cost when the vendor confirmed one. An
//!   acknowledged cost may be below the PO cost, never above (DOMAIN.md "acknowledged cost ≤ PO cost"), so when both
//!   are present the lower one is the basis; an ack above the PO cost is ignored.
//! - **Received** = good + damaged eaches (damaged units are the damage allowance's business, not a shortage).
//! - **Δ** = invoiced cost × invoiced quantity − basis × received, at scale 4.
//! - **Tolerance**: "|Δ| ≤ max(absolute, percent × PO cost)" — "PO cost" is read as the PO/ack cost *of the invoiced
//!   units* (basis × invoiced quantity), the line's value at agreed prices, so the allowance scales with the line and
//!   does not shrink when goods are missing. It is rounded to scale 4 so the figure shown is the figure compared.
//! - **Under-invoicing** is matched: the retailer pays what was invoiced and has nothing to claim.
//! - A **shortage** claims the missing units at the invoiced cost; if the cost is also above the basis, a price claim
//!   covers the received units (the missing ones are already claimed in full). A **price variance** claims the cost
//!   difference on every invoiced unit. Either way the retailer ends up paying the basis for what it received.
//! - Missing units are not a shortage while receipts are still expected: the line stays `pending_receipt` until
//!   receipts are complete or the recheck limit (due date + 35 days, [`recheck_until`]) has passed.
//!
//! Claims are ledger amounts: rounded half-even to the currency's minor unit; a claim that rounds to nothing is not
//! raised (the outcome still says what was found). The outcome depends only on the exact figures, never on rounding.
//!
//! Input comes from stored rows; a corrupt row must not panic the rules: negative counts read as 0 and arithmetic
//! beyond Decimal's range saturates. [`MatchInput::validate`] is the check for the boundary.

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::money;
use crate::money::round_ledger;
use crate::terms::Tolerance;
use crate::text_enum;

/// How long after its due date a line waiting for goods is rechecked before missing units become a shortage.
pub const RECHECK_DAYS_AFTER_DUE: u64 = 35;

/// The last day a `pending_receipt` line is rechecked: the invoice's due date + 35 days (`None` only past the end of
/// the calendar).
pub fn recheck_until(due: NaiveDate) -> Option<NaiveDate> {
    due.checked_add_days(Days::new(RECHECK_DAYS_AFTER_DUE))
}

text_enum! {
    /// A line's match outcome, shown per line inside the invoice.
    pub enum LineOutcome {
        /// Within tolerance, or invoiced below what was received: paid as invoiced.
        Matched = "matched",
        /// More invoiced than received while goods are still expected: rechecked as receipts arrive.
        PendingReceipt = "pending_receipt",
        /// More invoiced than received, receipts done: the missing units are claimed.
        Shortage = "shortage",
        /// Invoiced cost above the PO/ack cost: the difference is claimed.
        PriceVariance = "price_variance",
    }
}

text_enum! {
    /// Which rule decided the outcome: a stable code the UI renders in the reader's language.
    pub enum MatchRule {
        /// |Δ| within tolerance.
        WithinTolerance = "within_tolerance",
        /// Invoiced less than the received units are worth, beyond tolerance: paid as invoiced all the same.
        UnderInvoiced = "under_invoiced",
        /// Invoiced quantity above received, more receipts expected before the recheck limit.
        AwaitingReceipts = "awaiting_receipts",
        /// Invoiced quantity above received, receipts done (cost not above the basis, or nothing received).
        QuantityOverReceived = "quantity_over_received",
        /// Invoiced cost above the basis, quantity received.
        CostOverBasis = "cost_over_basis",
        /// Both: missing units and a cost above the basis on the received ones.
        QuantityAndCost = "quantity_and_cost",
    }
}

impl MatchRule {
    pub fn outcome(self) -> LineOutcome {
        match self {
            MatchRule::WithinTolerance | MatchRule::UnderInvoiced => LineOutcome::Matched,
            MatchRule::AwaitingReceipts => LineOutcome::PendingReceipt,
            MatchRule::QuantityOverReceived | MatchRule::QuantityAndCost => LineOutcome::Shortage,
            MatchRule::CostOverBasis => LineOutcome::PriceVariance,
        }
    }
}

text_enum! {
    /// Where the cost basis came from.
    pub enum CostSource { Po = "po", Ack = "ack" }
}

text_enum! {
    /// The kind of claim a line raises (spelled as the deduction kinds they become).
    pub enum ClaimKind { Shortage = "shortage", Price = "price_claim" }
}

text_enum! {
    /// The invoice-level roll-up of its lines.
    pub enum InvoiceMatch {
        /// Every line matched: approve and pay as invoiced.
        AllMatched = "all_matched",
        /// At least one line waits for receipts.
        Pending = "pending",
        /// No line waits and at least one raised claims: approve, with the claims as deductions.
        ClaimsRaised = "claims_raised",
    }
}

/// One invoice line with what it is matched against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchInput {
    /// Eaches invoiced.
    pub invoiced_quantity: i64,
    /// Invoiced cost per each.
    pub invoiced_unit_cost: Decimal,
    /// The PO line's net cost per each.
    pub po_unit_cost: Decimal,
    /// The cost the vendor confirmed in its latest acknowledgement, if any.
    pub ack_unit_cost: Option<Decimal>,
    /// Good + damaged eaches received so far on the PO line.
    pub received: i64,
    /// Of `received`, how many were damaged (for the explanation only).
    pub damaged: i64,
    /// No more receipts are expected (PO closed, or every ASN of the line received).
    pub receipts_complete: bool,
    /// The last day a line waiting for goods is rechecked ([`recheck_until`]); `None` = no limit yet (no due date).
    pub recheck_until: Option<NaiveDate>,
    pub today: NaiveDate,
    pub tolerance: Tolerance,
    pub currency: String,
}

impl MatchInput {
    /// Every problem with the input, by field: counts not negative, damaged within received, costs non-negative at
    /// the storage scale, the invoiced amount storable, a known currency. [`match_line`] does not need a valid input
    /// to stay panic-free, but only a valid one gives figures worth recording.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, String)>> {
        let mut issues = Vec::new();
        for (field, count) in [("invoiced_quantity", self.invoiced_quantity), ("received", self.received), ("damaged", self.damaged)] {
            if count < 0 {
                issues.push((field, format!("must not be negative (is {count})")));
            }
        }
        if self.damaged > self.received.max(0) {
            issues.push(("damaged", format!("must not exceed received ({})", self.received)));
        }
        let costs = [("invoiced_unit_cost", Some(self.invoiced_unit_cost)), ("po_unit_cost", Some(self.po_unit_cost)), ("ack_unit_cost", self.ack_unit_cost)];
        for (field, cost) in costs {
            let Some(cost) = cost else { continue };
            if cost < Decimal::ZERO {
                issues.push((field, format!("must not be negative (is {cost})")));
            }
            if let Err(issue) = money::to_e4(cost) {
                issues.push((field, issue));
            }
        }
        // Checked only for a storable cost, so one mistake is not reported twice.
        let invoiced = money::checked_extend(self.invoiced_quantity, self.invoiced_unit_cost).and_then(money::to_e4);
        if money::to_e4(self.invoiced_unit_cost).is_ok() && invoiced.is_err() {
            issues.push(("invoiced_quantity", "× invoiced_unit_cost is too large to store; check the quantity and the unit cost".to_string()));
        }
        if let Err(issues_of_tolerance) = self.tolerance.validate() {
            issues.extend(
                issues_of_tolerance.into_iter().map(|(field, issue)| (if field == "absolute" { "tolerance.absolute" } else { "tolerance.percent" }, issue)),
            );
        }
        if let Err(issue) = money::currency(&self.currency) {
            issues.push(("currency", issue));
        }
        if issues.is_empty() { Ok(()) } else { Err(issues) }
    }
}

/// An amount the retailer claims back from one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub kind: ClaimKind,
    /// Units the claim is for (missing units, or units charged above the basis).
    pub quantity: i64,
    /// Per unit: the invoiced cost of a missing unit, or the cost above the basis.
    pub unit_amount: Decimal,
    /// quantity × unit_amount, rounded half-even to the currency's minor unit.
    pub amount: Decimal,
}

/// Every number the match compared, so the outcome can be shown and checked in any language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub rule: MatchRule,
    pub invoiced_quantity: i64,
    pub invoiced_unit_cost: Decimal,
    /// invoiced_quantity × invoiced_unit_cost.
    pub invoiced_amount: Decimal,
    pub received: i64,
    pub damaged: i64,
    pub receipts_complete: bool,
    pub recheck_until: Option<NaiveDate>,
    pub po_unit_cost: Decimal,
    pub ack_unit_cost: Option<Decimal>,
    /// The cost per each the line is judged by, and where it came from.
    pub basis_unit_cost: Decimal,
    pub cost_source: CostSource,
    /// basis_unit_cost × received.
    pub expected_amount: Decimal,
    /// invoiced_amount − expected_amount.
    pub delta: Decimal,
    /// The agreement's tolerance: absolute amount and percent.
    pub tolerance_absolute: Decimal,
    pub tolerance_percent: Decimal,
    /// What the percent applies to: basis_unit_cost × invoiced_quantity.
    pub tolerance_base: Decimal,
    /// max(tolerance_absolute, tolerance_percent % × tolerance_base), at scale 4.
    pub tolerance_amount: Decimal,
    pub currency: String,
}

/// A line's outcome, its claims (none unless `shortage` or `price_variance`) and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    pub outcome: LineOutcome,
    pub claims: Vec<Claim>,
    pub explanation: Explanation,
}

/// Scale-4 product of a count and a unit amount; exact in the storage range, saturating beyond it.
fn extend(quantity: i64, unit: Decimal) -> Decimal {
    let product = money::checked_extend(quantity, unit).unwrap_or_else(|_| Decimal::from(quantity).saturating_mul(unit));
    product.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven)
}

fn claim(kind: ClaimKind, quantity: i64, unit_amount: Decimal, currency: &str) -> Option<Claim> {
    let amount = round_ledger(extend(quantity, unit_amount), currency);
    (amount > Decimal::ZERO).then_some(Claim { kind, quantity, unit_amount, amount })
}

/// Matches one invoice line (see the module header for the rules and how DOMAIN.md is read).
/// The cost a line is invoiced and matched at, and where it came from: the acknowledged cost when the
/// vendor gave one (it may confirm below the PO cost, never above: an ack above is ignored).
pub fn cost_basis(po_unit_cost: Decimal, ack_unit_cost: Option<Decimal>) -> (Decimal, CostSource) {
    match ack_unit_cost {
        Some(ack) if ack <= po_unit_cost => (ack, CostSource::Ack),
        _ => (po_unit_cost, CostSource::Po),
    }
}

pub fn match_line(input: &MatchInput) -> MatchResult {
    let currency = input.currency.as_str();
    let quantity = input.invoiced_quantity.max(0);
    let received = input.received.max(0);
    let cost = input.invoiced_unit_cost;
    let (basis, cost_source) = cost_basis(input.po_unit_cost, input.ack_unit_cost);
    let invoiced_amount = extend(quantity, cost);
    let expected_amount = extend(received, basis);
    let delta = invoiced_amount.saturating_sub(expected_amount);
    let tolerance_base = extend(quantity, basis);
    let tolerance_amount = input.tolerance.amount(tolerance_base);
    let missing = quantity - received; // both ≥ 0: cannot overflow
    let waiting = !input.receipts_complete && input.recheck_until.is_none_or(|until| input.today <= until);

    let rule = if delta.abs() <= tolerance_amount {
        MatchRule::WithinTolerance
    } else if delta < Decimal::ZERO {
        MatchRule::UnderInvoiced
    } else if missing > 0 && waiting {
        MatchRule::AwaitingReceipts
    } else if missing > 0 {
        if cost > basis && received > 0 { MatchRule::QuantityAndCost } else { MatchRule::QuantityOverReceived }
    } else {
        MatchRule::CostOverBasis
    };

    let over_basis = cost.saturating_sub(basis);
    let claims: Vec<Claim> = match rule {
        MatchRule::QuantityOverReceived => claim(ClaimKind::Shortage, missing, cost, currency).into_iter().collect(),
        MatchRule::QuantityAndCost => {
            [claim(ClaimKind::Shortage, missing, cost, currency), claim(ClaimKind::Price, received, over_basis, currency)].into_iter().flatten().collect()
        }
        MatchRule::CostOverBasis => claim(ClaimKind::Price, quantity, over_basis, currency).into_iter().collect(),
        _ => Vec::new(),
    };

    MatchResult {
        outcome: rule.outcome(),
        claims,
        explanation: Explanation {
            rule,
            invoiced_quantity: quantity,
            invoiced_unit_cost: cost,
            invoiced_amount,
            received,
            damaged: input.damaged.max(0),
            receipts_complete: input.receipts_complete,
            recheck_until: input.recheck_until,
            po_unit_cost: input.po_unit_cost,
            ack_unit_cost: input.ack_unit_cost,
            basis_unit_cost: basis,
            cost_source,
            expected_amount,
            delta,
            tolerance_absolute: input.tolerance.absolute,
            tolerance_percent: input.tolerance.percent,
            tolerance_base,
            tolerance_amount,
            currency: input.currency.clone(),
        },
    }
}

/// A unit cost as stored: at least 4 decimals ("12.5000"), never rounded.
fn unit_text(value: Decimal) -> String {
    let text = value.normalize().to_string();
    match text.split_once('.').map_or(0, |(_, fraction)| fraction.len()) {
        decimals if decimals >= 4 => text,
        0 => format!("{text}.0000"),
        decimals => format!("{text}{}", "0".repeat(4 - decimals)),
    }
}

impl MatchResult {
    /// Total claimed on this line.
    pub fn claimed(&self) -> Decimal {
        self.claims.iter().fold(Decimal::ZERO, |sum, claim| sum.saturating_add(claim.amount))
    }

    /// One English sentence with every number, e.g. "Invoiced 10 × 12.5000 = 125.00; received 8 (1 damaged) × PO
    /// cost 12.5000 = 100.00; difference 25.00 exceeds tolerance max(1.00, 1% × 125.00) = 1.25: shortage of 2 units
    /// claimed (25.00)". Other languages render from [`Explanation`] and its rule code.
    pub fn describe(&self) -> String {
        let e = &self.explanation;
        let money = |amount: Decimal| money::format_amount(amount, &e.currency);
        let source = match e.cost_source {
            CostSource::Po => "PO cost",
            CostSource::Ack => "acknowledged cost",
        };
        let mut text =
            format!("Invoiced {} × {} = {}; received {}", e.invoiced_quantity, unit_text(e.invoiced_unit_cost), money(e.invoiced_amount), e.received);
        if e.damaged > 0 {
            let _ = write!(text, " ({} damaged)", e.damaged);
        }
        let _ = write!(text, " × {source} {} = {}; difference {}", unit_text(e.basis_unit_cost), money(e.expected_amount), money(e.delta));
        let tolerance = format!(
            "tolerance max({}, {}% × {}) = {}",
            money(e.tolerance_absolute),
            e.tolerance_percent.normalize(),
            money(e.tolerance_base),
            money(e.tolerance_amount)
        );
        let claimed = |kind: ClaimKind| self.claims.iter().find(|claim| claim.kind == kind).map(|claim| money(claim.amount));
        let shortage = || {
            let units = e.invoiced_quantity - e.received;
            match claimed(ClaimKind::Shortage) {
                Some(amount) => format!("shortage of {units} units claimed ({amount})"),
                None => format!("shortage of {units} units, which rounds to nothing to claim"),
            }
        };
        let price = |units: i64, of: &str| {
            let over = unit_text(e.invoiced_unit_cost.saturating_sub(e.basis_unit_cost));
            match claimed(ClaimKind::Price) {
                Some(amount) => format!("price {over} above the {source} on {units} {of} units claimed ({amount})"),
                None => format!("price {over} above the {source} on {units} {of} units, which rounds to nothing to claim"),
            }
        };
        let verdict = match e.rule {
            MatchRule::WithinTolerance => format!(" is within {tolerance}: matched, paid as invoiced"),
            MatchRule::UnderInvoiced => format!(" is below what was received, beyond {tolerance}: matched, paid as invoiced"),
            MatchRule::AwaitingReceipts => {
                let until = e.recheck_until.map_or(String::new(), |until| format!(" until {until}"));
                format!(" exceeds {tolerance}: {} units not received yet, rechecked as receipts arrive{until}", e.invoiced_quantity - e.received)
            }
            MatchRule::QuantityOverReceived => format!(" exceeds {tolerance}: {}", shortage()),
            MatchRule::QuantityAndCost => format!(" exceeds {tolerance}: {} and {}", shortage(), price(e.received, "received")),
            MatchRule::CostOverBasis => format!(" exceeds {tolerance}: {}", price(e.invoiced_quantity, "invoiced")),
        };
        text.push_str(&verdict);
        text
    }
}

/// The invoice's roll-up: `pending` if any line waits for receipts, else `claims_raised` if any line is a shortage
/// or price variance, else `all_matched` (also for an invoice without lines, which has nothing to dispute).
pub fn invoice_outcome(lines: &[LineOutcome]) -> InvoiceMatch {
    if lines.contains(&LineOutcome::PendingReceipt) {
        InvoiceMatch::Pending
    } else if lines.iter().any(|outcome| matches!(outcome, LineOutcome::Shortage | LineOutcome::PriceVariance)) {
        InvoiceMatch::ClaimsRaised
    } else {
        InvoiceMatch::AllMatched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 10 eaches at 12.50 invoiced, PO cost 12.50, all 10 received, receipts complete, USD, default tolerance.
    fn line() -> MatchInput {
        MatchInput {
            invoiced_quantity: 10,
            invoiced_unit_cost: dec!(12.5),
            po_unit_cost: dec!(12.5),
            ack_unit_cost: None,
            received: 10,
            damaged: 0,
            receipts_complete: true,
            recheck_until: Some(date(2026, 8, 4)),
            today: date(2026, 7, 1),
            tolerance: Tolerance::default(),
            currency: "USD".into(),
        }
    }

    fn amounts(result: &MatchResult) -> Vec<(ClaimKind, i64, Decimal)> {
        result.claims.iter().map(|c| (c.kind, c.quantity, c.amount)).collect()
    }

    #[test]
    fn exact_invoice_matches() {
        let result = match_line(&line());
        assert_eq!(result.outcome, LineOutcome::Matched);
        assert_eq!(result.explanation.rule, MatchRule::WithinTolerance);
        assert!(result.claims.is_empty());
        assert_eq!(result.explanation.delta, dec!(0));
        assert_eq!(result.explanation.tolerance_amount, dec!(1.25));
        assert_eq!(
            result.describe(),
            "Invoiced 10 × 12.5000 = 125.00; received 10 × PO cost 12.5000 = 125.00; difference 0.00 is within tolerance max(1.00, 1% × 125.00) = 1.25: \
             matched, paid as invoiced"
        );
    }

    #[test]
    fn shortage_example_of_the_brief() {
        let input = MatchInput { received: 8, damaged: 1, ..line() };
        let result = match_line(&input);
        assert_eq!(result.outcome, LineOutcome::Shortage);
        assert_eq!(result.explanation.rule, MatchRule::QuantityOverReceived);
        assert_eq!(amounts(&result), [(ClaimKind::Shortage, 2, dec!(25.00))]);
        assert_eq!(result.claims[0].unit_amount, dec!(12.5));
        assert_eq!(
            result.describe(),
            "Invoiced 10 × 12.5000 = 125.00; received 8 (1 damaged) × PO cost 12.5000 = 100.00; difference 25.00 exceeds tolerance max(1.00, 1% × 125.00) = \
             1.25: shortage of 2 units claimed (25.00)"
        );
    }

    #[test]
    fn tolerance_edges() {
        // 10 × 12.50 = 125.00; received 10 × 12.375 = 123.75 (ack below PO): Δ = 1.25 = tolerance → matched.
        let at = MatchInput { ack_unit_cost: Some(dec!(12.375)), ..line() };
        let result = match_line(&at);
        assert_eq!(result.explanation.cost_source, CostSource::Ack);
        assert_eq!(result.explanation.delta, dec!(1.25));
        assert_eq!(result.explanation.tolerance_amount, dec!(1.2375), "1 % of the invoiced units at the basis: 123.75");
        // Tolerance is on the basis value (123.75 → 1.2375), so 1.25 is just over: a price variance.
        assert_eq!(result.outcome, LineOutcome::PriceVariance);
        assert_eq!(amounts(&result), [(ClaimKind::Price, 10, dec!(1.25))]);

        // Exactly at the percent tolerance: basis 10.00 × 100 = 1000.00 → 10.00; invoiced 1010.00.
        let base = MatchInput { invoiced_quantity: 100, received: 100, po_unit_cost: dec!(10), invoiced_unit_cost: dec!(10.10), ..line() };
        let result = match_line(&base);
        assert_eq!((result.explanation.delta, result.explanation.tolerance_amount), (dec!(10.00), dec!(10.00)));
        assert_eq!(result.outcome, LineOutcome::Matched, "exactly at the tolerance is matched");
        let over = MatchInput { invoiced_unit_cost: dec!(10.1001), ..base.clone() };
        assert_eq!(match_line(&over).outcome, LineOutcome::PriceVariance, "0.01 over");
        assert_eq!(amounts(&match_line(&over)), [(ClaimKind::Price, 100, dec!(10.01))]);

        // Exactly at the absolute tolerance: 1 × 50 vs 1 × 49 → Δ 1.00 = max(1.00, 0.49).
        let small = MatchInput { invoiced_quantity: 1, received: 1, po_unit_cost: dec!(49), invoiced_unit_cost: dec!(50), ..line() };
        assert_eq!(match_line(&small).outcome, LineOutcome::Matched);
        assert_eq!(match_line(&MatchInput { invoiced_unit_cost: dec!(50.0001), ..small.clone() }).outcome, LineOutcome::PriceVariance);
        // And the shortage side: 100 × 1.00 invoiced, 99 received → Δ 1.00 within 1.00.
        let one_short = MatchInput { invoiced_quantity: 100, received: 99, po_unit_cost: dec!(1), invoiced_unit_cost: dec!(1), ..line() };
        assert_eq!(match_line(&one_short).outcome, LineOutcome::Matched);
        assert_eq!(match_line(&MatchInput { received: 98, ..one_short }).outcome, LineOutcome::Shortage);
    }

    #[test]
    fn under_invoicing_is_matched() {
        let input = MatchInput { invoiced_unit_cost: dec!(10), ..line() };
        let result = match_line(&input);
        assert_eq!((result.outcome, result.explanation.rule), (LineOutcome::Matched, MatchRule::UnderInvoiced));
        assert!(result.claims.is_empty());
        assert_eq!(result.explanation.delta, dec!(-25));
        assert!(
            result
                .describe()
                .ends_with("difference -25.00 is below what was received, beyond tolerance max(1.00, 1% × 125.00) = 1.25: matched, paid as invoiced")
        );
        // More received than invoiced is under-invoicing too.
        assert_eq!(match_line(&MatchInput { received: 12, ..line() }).explanation.rule, MatchRule::UnderInvoiced);
    }

    #[test]
    fn pending_while_receipts_are_expected() {
        let input = MatchInput { received: 6, receipts_complete: false, ..line() };
        let result = match_line(&input);
        assert_eq!((result.outcome, result.explanation.rule), (LineOutcome::PendingReceipt, MatchRule::AwaitingReceipts));
        assert!(result.claims.is_empty());
        assert!(result.describe().ends_with(": 4 units not received yet, rechecked as receipts arrive until 2026-08-04"), "{}", result.describe());
        // On the last recheck day still pending; the day after, a shortage.
        assert_eq!(match_line(&MatchInput { today: date(2026, 8, 4), ..input.clone() }).outcome, LineOutcome::PendingReceipt);
        let late = match_line(&MatchInput { today: date(2026, 8, 5), ..input.clone() });
        assert_eq!(late.outcome, LineOutcome::Shortage);
        assert_eq!(amounts(&late), [(ClaimKind::Shortage, 4, dec!(50.00))]);
        // No due date yet: no limit.
        assert_eq!(match_line(&MatchInput { recheck_until: None, today: date(2030, 1, 1), ..input.clone() }).outcome, LineOutcome::PendingReceipt);
        // A price variance is not held back by missing receipts when quantities are fine.
        let priced = MatchInput { received: 10, invoiced_unit_cost: dec!(13), receipts_complete: false, ..line() };
        assert_eq!(match_line(&priced).outcome, LineOutcome::PriceVariance);
        assert_eq!(recheck_until(date(2026, 6, 30)), Some(date(2026, 8, 4)));
    }

    #[test]
    fn shortage_with_price_claims_received_units_only() {
        // 10 × 13.00 invoiced, PO 12.50, 8 received: shortage 2 × 13.00 = 26.00; price 0.50 × 8 = 4.00.
        let input = MatchInput { invoiced_unit_cost: dec!(13), received: 8, ..line() };
        let result = match_line(&input);
        assert_eq!((result.outcome, result.explanation.rule), (LineOutcome::Shortage, MatchRule::QuantityAndCost));
        assert_eq!(amounts(&result), [(ClaimKind::Shortage, 2, dec!(26.00)), (ClaimKind::Price, 8, dec!(4.00))]);
        assert_eq!(result.claimed(), dec!(30));
        assert_eq!(result.explanation.invoiced_amount - result.claimed(), result.explanation.expected_amount, "pays the basis for what arrived");
        assert!(result.describe().ends_with(": shortage of 2 units claimed (26.00) and price 0.5000 above the PO cost on 8 received units claimed (4.00)"));
        // Nothing received: the shortage claim alone.
        let none = match_line(&MatchInput { received: 0, ..input });
        assert_eq!((none.explanation.rule, amounts(&none)), (MatchRule::QuantityOverReceived, vec![(ClaimKind::Shortage, 10, dec!(130.00))]));
    }

    #[test]
    fn price_variance_on_every_invoiced_unit() {
        let input = MatchInput { invoiced_unit_cost: dec!(13.1234), ..line() };
        let result = match_line(&input);
        assert_eq!((result.outcome, result.explanation.rule), (LineOutcome::PriceVariance, MatchRule::CostOverBasis));
        assert_eq!(amounts(&result), [(ClaimKind::Price, 10, dec!(6.23))], "0.6234 × 10 = 6.234");
        assert_eq!(result.claims[0].unit_amount, dec!(0.6234));
        assert!(result.describe().ends_with(": price 0.6234 above the PO cost on 10 invoiced units claimed (6.23)"));
    }

    #[test]
    fn cost_basis_is_the_lower_of_po_and_ack() {
        let ack_below = match_line(&MatchInput { ack_unit_cost: Some(dec!(12)), ..line() });
        assert_eq!((ack_below.explanation.basis_unit_cost, ack_below.explanation.cost_source), (dec!(12), CostSource::Ack));
        assert_eq!(amounts(&ack_below), [(ClaimKind::Price, 10, dec!(5.00))]);
        assert!(ack_below.describe().contains("× acknowledged cost 12.0000 = 120.00"));
        let ack_above = match_line(&MatchInput { ack_unit_cost: Some(dec!(13)), ..line() });
        assert_eq!((ack_above.explanation.basis_unit_cost, ack_above.explanation.cost_source), (dec!(12.5), CostSource::Po));
        assert_eq!(ack_above.outcome, LineOutcome::Matched);
        let ack_equal = match_line(&MatchInput { ack_unit_cost: Some(dec!(12.5)), ..line() });
        assert_eq!(ack_equal.explanation.cost_source, CostSource::Ack, "the vendor confirmed the PO cost");
    }

    #[test]
    fn rounding_per_currency() {
        // Half-even at the minor unit: 0.0125 × 10 = 0.125 → 0.12; 0.0135 × 10 = 0.135 → 0.14.
        let zero = Tolerance { absolute: dec!(0), percent: dec!(0) };
        let price = |over: Decimal, currency: &str| {
            let input = MatchInput { invoiced_unit_cost: dec!(12.5) + over, tolerance: zero.clone(), currency: currency.into(), ..line() };
            amounts(&match_line(&input))
        };
        assert_eq!(price(dec!(0.0125), "USD"), [(ClaimKind::Price, 10, dec!(0.12))]);
        assert_eq!(price(dec!(0.0135), "USD"), [(ClaimKind::Price, 10, dec!(0.14))]);
        // JPY: 0 decimals. 10 × 0.25 = 2.5 → 2; 10 × 0.35 = 3.5 → 4; 10 × 0.04 = 0.4 → nothing to claim.
        assert_eq!(price(dec!(0.25), "JPY"), [(ClaimKind::Price, 10, dec!(2))]);
        assert_eq!(price(dec!(0.35), "JPY"), [(ClaimKind::Price, 10, dec!(4))]);
        let tiny = MatchInput { invoiced_unit_cost: dec!(12.504), tolerance: zero.clone(), currency: "JPY".into(), ..line() };
        let result = match_line(&tiny);
        assert_eq!(result.outcome, LineOutcome::PriceVariance, "the outcome does not depend on rounding");
        assert!(result.claims.is_empty());
        assert!(result.describe().ends_with("on 10 invoiced units, which rounds to nothing to claim"), "{}", result.describe());
        // KWD: 3 decimals, half-even: n × 0.0005 over the PO cost.
        let kwd = |quantity: i64| {
            let input = MatchInput {
                invoiced_quantity: quantity,
                received: quantity,
                invoiced_unit_cost: dec!(1.0005),
                po_unit_cost: dec!(1),
                tolerance: zero.clone(),
                currency: "KWD".into(),
                ..line()
            };
            amounts(&match_line(&input))
        };
        assert_eq!(kwd(3), [(ClaimKind::Price, 3, dec!(0.002))]);
        assert_eq!(kwd(5), [(ClaimKind::Price, 5, dec!(0.002))], "0.0025 → 0.002 (half-even)");
        assert_eq!(kwd(7), [(ClaimKind::Price, 7, dec!(0.004))], "0.0035 → 0.004");
        assert!(kwd(1).is_empty());
        // Shortage in JPY: 3 missing × 333 = 999.
        let jpy = MatchInput { invoiced_unit_cost: dec!(333), po_unit_cost: dec!(333), received: 7, currency: "JPY".into(), ..line() };
        let result = match_line(&jpy);
        assert_eq!(amounts(&result), [(ClaimKind::Shortage, 3, dec!(999))]);
        assert!(result.describe().starts_with("Invoiced 10 × 333.0000 = 3330; received 7 × PO cost 333.0000 = 2331; difference 999 exceeds"));
    }

    #[test]
    fn corrupt_input_does_not_panic() {
        let extremes = [i64::MIN, -1, 0, 1, i64::MAX];
        let costs = [Decimal::MIN, dec!(-1), Decimal::ZERO, dec!(0.0001), Decimal::MAX];
        for &quantity in &extremes {
            for &received in &extremes {
                for &cost in &costs {
                    let input =
                        MatchInput { invoiced_quantity: quantity, received, damaged: received, invoiced_unit_cost: cost, po_unit_cost: dec!(1), ..line() };
                    let result = match_line(&input);
                    assert!(result.claims.iter().all(|c| c.amount > Decimal::ZERO));
                    let _ = result.describe();
                    let input = MatchInput { po_unit_cost: cost, ack_unit_cost: Some(cost), tolerance: Tolerance { absolute: cost, percent: cost }, ..input };
                    let _ = match_line(&input).describe();
                }
            }
        }
        let bad = MatchInput { invoiced_quantity: -1, damaged: 11, invoiced_unit_cost: dec!(1.00001), currency: "usd?".into(), ..line() };
        let fields: Vec<_> = bad.validate().unwrap_err().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["invoiced_quantity", "damaged", "invoiced_unit_cost", "currency"]);
        let huge = MatchInput { invoiced_quantity: i64::MAX, ..line() };
        assert_eq!(
            huge.validate().unwrap_err()[0],
            ("invoiced_quantity", "× invoiced_unit_cost is too large to store; check the quantity and the unit cost".to_string())
        );
        assert_eq!(line().validate(), Ok(()));
    }

    #[test]
    fn invoice_roll_up() {
        use LineOutcome::*;
        assert_eq!(invoice_outcome(&[]), InvoiceMatch::AllMatched);
        assert_eq!(invoice_outcome(&[Matched, Matched]), InvoiceMatch::AllMatched);
        assert_eq!(invoice_outcome(&[Matched, PriceVariance]), InvoiceMatch::ClaimsRaised);
        assert_eq!(invoice_outcome(&[Shortage, Matched]), InvoiceMatch::ClaimsRaised);
        assert_eq!(invoice_outcome(&[Shortage, PendingReceipt, Matched]), InvoiceMatch::Pending);
    }

    #[test]
    fn serialises_with_codes() {
        let json = serde_json::to_value(match_line(&MatchInput { received: 8, ..line() })).unwrap();
        assert_eq!(json["outcome"], "shortage");
        assert_eq!(json["claims"][0]["kind"], "shortage");
        assert_eq!(json["claims"][0]["amount"], "25.00");
        assert_eq!(json["explanation"]["rule"], "quantity_over_received");
        assert_eq!(json["explanation"]["cost_source"], "po");
        assert_eq!(serde_json::from_value::<MatchResult>(json).unwrap(), match_line(&MatchInput { received: 8, ..line() }));
    }

    fn cost() -> impl Strategy<Value = Decimal> {
        (0i64..=10_000_000_000).prop_map(|e4| Decimal::new(e4, 4))
    }

    fn inputs() -> impl Strategy<Value = MatchInput> {
        let currency = prop::sample::select(vec!["USD", "JPY", "KWD", "EUR"]);
        let tolerance =
            (0i64..100_000, 0i64..1_000).prop_map(|(absolute, percent)| Tolerance { absolute: Decimal::new(absolute, 4), percent: Decimal::new(percent, 2) });
        (
            (0i64..1_000_000_000, 0i64..1_000_000_000, 0i64..=1_000_000_000),
            (cost(), cost(), prop::option::of(cost())),
            (any::<bool>(), prop::option::of(0u64..100), 0u64..100),
            tolerance,
            currency,
        )
            .prop_map(|((quantity, received, damaged), (invoiced, po, ack), (complete, until, today), tolerance, currency)| {
                let start = date(2026, 1, 1);
                MatchInput {
                    invoiced_quantity: quantity,
                    invoiced_unit_cost: invoiced,
                    po_unit_cost: po,
                    ack_unit_cost: ack,
                    received,
                    damaged: damaged.min(received),
                    receipts_complete: complete,
                    recheck_until: until.map(|days| start + Days::new(days)),
                    today: start + Days::new(today),
                    tolerance,
                    currency: currency.to_string(),
                }
            })
    }

    proptest! {
        #[test]
        fn claims_are_positive_and_only_with_a_variance(input in inputs()) {
            let result = match_line(&input);
            prop_assert!(result.claims.iter().all(|claim| claim.amount > Decimal::ZERO && claim.quantity > 0));
            if matches!(result.outcome, LineOutcome::Matched | LineOutcome::PendingReceipt) {
                prop_assert!(result.claims.is_empty());
            }
            prop_assert_eq!(result.outcome, result.explanation.rule.outcome());
            prop_assert!(!result.describe().is_empty());
        }

        #[test]
        fn invoicing_what_was_received_matches(input in inputs()) {
            let exact = MatchInput { invoiced_quantity: input.received, invoiced_unit_cost: input.po_unit_cost, ack_unit_cost: None, ..input };
            prop_assert_eq!(match_line(&exact).outcome, LineOutcome::Matched);
        }

        #[test]
        fn more_receipts_never_make_a_shortage(input in inputs(), more in 0i64..1_000_000_000) {
            if match_line(&input).outcome == LineOutcome::Matched {
                let later = MatchInput { received: input.received + more, ..input };
                prop_assert_eq!(match_line(&later).outcome, LineOutcome::Matched);
            }
        }

        #[test]
        fn shortage_claims_missing_units_at_invoiced_cost(input in inputs()) {
            let result = match_line(&input);
            if result.outcome == LineOutcome::Shortage {
                let missing = input.invoiced_quantity - input.received;
                let expected = round_ledger(Decimal::from(missing) * input.invoiced_unit_cost, &input.currency);
                let claimed = result.claims.iter().find(|claim| claim.kind == ClaimKind::Shortage).map_or(Decimal::ZERO, |claim| claim.amount);
                prop_assert_eq!(claimed, expected);
            }
        }

        #[test]
        fn nothing_is_claimed_beyond_the_basis(input in inputs()) {
            // Invoiced − claims never pays less than the units both invoiced and received at the lower of the invoiced
            // cost and the basis, up to the rounding of each claim (half a minor unit each, at most two claims).
            let result = match_line(&input);
            if !result.claims.is_empty() {
                let e = &result.explanation;
                let paid = e.invoiced_amount - result.claimed();
                let floor = e.basis_unit_cost.min(e.invoiced_unit_cost) * Decimal::from(e.invoiced_quantity.min(e.received));
                let slack = Decimal::new(1, crate::money::minor_units(&input.currency));
                prop_assert!(paid + slack >= floor, "paid {} floor {}", paid, floor);
            }
        }
    }
}
