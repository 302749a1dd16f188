//! The deduction ledger's rules: what kinds of deductions there are, the state a deduction is in, when and how
//! often a vendor may dispute one and what a decision credits back, the chargeback fees of the published schedule,
//! and allowance accruals.
//!
//! DOMAIN.md "Deductions", "Chargebacks", "Disputes" and "Returns (RTV)". One ledger holds every amount taken off a
//! vendor's payments, so the vendor sees one list with one reason code per kind. Accruals under agreed percentages
//! (co-op, freight and damage allowances) are arithmetic on signed terms, not findings, so they cannot be disputed;
//! every other kind rests on evidence the vendor may contest.
//!
//! Dispute windows are exact instants (30 × 24 h after posting or after the first decision), shown in UTC, because a
//! deduction's posting is an instant and vendor and retailer may sit in different time zones. Fees are ledger amounts,
//! rounded half-even to the currency's minor unit; every fee comes with an English rule text that shows its numbers.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::matching::ClaimKind;
use crate::money;
use crate::money::{percent_of, round_ledger};
use crate::terms::ChargebackSchedule;
use crate::text_enum;

/// Days a vendor has to open a dispute: after posting for the first attempt, after the first decision for the second.
pub const DISPUTE_WINDOW_DAYS: i64 = 30;
/// Attempts a vendor has per deduction.
pub const MAX_DISPUTE_ATTEMPTS: usize = 2;

text_enum! {
    /// What a deduction is for.
    pub enum DeductionKind {
        /// Units invoiced but not received (from the three-way match).
        Shortage = "shortage",
        /// Invoiced cost above the PO/ack cost (from the three-way match).
        PriceClaim = "price_claim",
        /// A compliance fee from the chargeback schedule.
        Chargeback = "chargeback",
        /// Co-op (marketing) accrual under the agreement.
        Coop = "coop",
        /// Freight allowance accrual under the agreement.
        FreightAllowance = "freight_allowance",
        /// Damage allowance accrual: damaged units are kept and this % is deducted instead of a return.
        DamageAllowance = "damage_allowance",
        /// Vendor funding of a deal or promotion.
        DealFunding = "deal_funding",
        /// A return to vendor's debit memo.
        ReturnDebit = "return_debit",
    }
}

impl DeductionKind {
    /// The short, stable reason code printed on remittances and bank files.
    pub fn reason_code(self) -> &'static str {
        match self {
            DeductionKind::Shortage => "SHT",
            DeductionKind::PriceClaim => "PRC",
            DeductionKind::Chargeback => "CHB",
            DeductionKind::Coop => "COP",
            DeductionKind::FreightAllowance => "FRT",
            DeductionKind::DamageAllowance => "DMG",
            DeductionKind::DealFunding => "DLF",
            DeductionKind::ReturnDebit => "RTV",
        }
    }

    /// Whether the vendor may dispute it: not for accruals from agreed percentages.
    pub fn disputable(self) -> bool {
        !matches!(self, DeductionKind::Coop | DeductionKind::FreightAllowance | DeductionKind::DamageAllowance)
    }

    /// Plain English for texts.
    pub fn label(self) -> &'static str {
        match self {
            DeductionKind::Shortage => "shortage claim",
            DeductionKind::PriceClaim => "price claim",
            DeductionKind::Chargeback => "chargeback",
            DeductionKind::Coop => "co-op accrual",
            DeductionKind::FreightAllowance => "freight allowance",
            DeductionKind::DamageAllowance => "damage allowance",
            DeductionKind::DealFunding => "deal funding",
            DeductionKind::ReturnDebit => "return debit memo",
        }
    }
}

impl From<ClaimKind> for DeductionKind {
    fn from(kind: ClaimKind) -> DeductionKind {
        match kind {
            ClaimKind::Shortage => DeductionKind::Shortage,
            ClaimKind::Price => DeductionKind::PriceClaim,
        }
    }
}

text_enum! {
    /// Where a deduction stands (derived by [`status`], never set by hand).
    pub enum DeductionStatus {
        /// Posted, not yet netted from a payment.
        Open = "open",
        /// A dispute is open.
        Disputed = "disputed",
        /// Netted on a remittance, and a dispute is still possible.
        Recovered = "recovered",
        /// Settled for good: fully reversed, or netted with no dispute possible any more (not disputable, attempts
        /// used, or windows passed).
        Final = "final",
    }
}

text_enum! {
    /// How a dispute was decided.
    pub enum DisputeOutcome {
        /// The whole deduction is credited back (on the next remittance).
        Reversed = "reversed",
        /// Part of it is credited back.
        PartiallyReversed = "partially_reversed",
        /// The deduction stands.
        Upheld = "upheld",
    }
}

text_enum! {
    /// What a dispute window counts from.
    pub enum WindowStart { Posting = "posting", FirstDecision = "first_decision" }
}

impl WindowStart {
    fn phrase(self) -> &'static str {
        match self {
            WindowStart::Posting => "posting",
            WindowStart::FirstDecision => "the first decision",
        }
    }
}

/// One dispute of a deduction: open until decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeAttempt {
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<DisputeOutcome>,
}

impl DisputeAttempt {
    fn is_open(&self) -> bool {
        self.decided_at.is_none()
    }
}

fn utc(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Why a dispute cannot be opened now.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DisputeRefusal {
    #[error("a {} is an accrual under a percentage agreed in the terms and cannot be disputed", .kind.label())]
    NotDisputable { kind: DeductionKind },
    #[error("the deduction has been reversed in full; there is nothing left to dispute")]
    FullyReversed,
    #[error("the dispute opened on {} is still open; a second attempt is possible once it is decided", utc(.opened_at))]
    DisputeOpen { opened_at: DateTime<Utc> },
    #[error("both dispute attempts have been used (at most {MAX_DISPUTE_ATTEMPTS} per deduction)")]
    AttemptsUsed,
    #[error("the dispute window closed on {} ({DISPUTE_WINDOW_DAYS} days after {})", utc(.closed_at), .after.phrase())]
    WindowClosed { closed_at: DateTime<Utc>, after: WindowStart },
}

impl DisputeRefusal {
    /// A stable code for the API and the UI's translations.
    pub fn code(&self) -> &'static str {
        match self {
            DisputeRefusal::NotDisputable { .. } => "not_disputable",
            DisputeRefusal::FullyReversed => "fully_reversed",
            DisputeRefusal::DisputeOpen { .. } => "dispute_open",
            DisputeRefusal::AttemptsUsed => "attempts_used",
            DisputeRefusal::WindowClosed { .. } => "window_closed",
        }
    }
}

fn window_end(from: DateTime<Utc>) -> DateTime<Utc> {
    from.checked_add_signed(TimeDelta::days(DISPUTE_WINDOW_DAYS)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The window of the next attempt by the time rules alone: 30 days after posting when there is no attempt yet, 30
/// days after the first decision when that attempt is decided. `None` while an attempt is open (the next window
/// starts with its decision) and once both attempts are used.
pub fn dispute_deadline(posted_at: DateTime<Utc>, attempts: &[DisputeAttempt]) -> Option<DateTime<Utc>> {
    window(posted_at, attempts).map(|(deadline, _)| deadline)
}

fn window(posted_at: DateTime<Utc>, attempts: &[DisputeAttempt]) -> Option<(DateTime<Utc>, WindowStart)> {
    match attempts {
        [] => Some((window_end(posted_at), WindowStart::Posting)),
        [first] => first.decided_at.map(|decided| (window_end(decided), WindowStart::FirstDecision)),
        _ => None,
    }
}

/// Whether the vendor may open a dispute now, and if so until when this attempt could have been opened. Refused,
/// in this order: kinds that are not disputable; a deduction reversed in full (`fully_reversed`, or an attempt
/// decided `reversed`); while an attempt is open; after 2 attempts; after the window (30 days after posting, or after
/// the first decision for the second attempt).
pub fn may_dispute(
    kind: DeductionKind,
    posted_at: DateTime<Utc>,
    attempts: &[DisputeAttempt],
    fully_reversed: bool,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DisputeRefusal> {
    if !kind.disputable() {
        return Err(DisputeRefusal::NotDisputable { kind });
    }
    if fully_reversed || attempts.iter().any(|attempt| attempt.outcome == Some(DisputeOutcome::Reversed)) {
        return Err(DisputeRefusal::FullyReversed);
    }
    if let Some(open) = attempts.iter().find(|attempt| attempt.is_open()) {
        return Err(DisputeRefusal::DisputeOpen { opened_at: open.opened_at });
    }
    let Some((deadline, after)) = window(posted_at, attempts) else {
        return Err(DisputeRefusal::AttemptsUsed);
    };
    if now > deadline {
        return Err(DisputeRefusal::WindowClosed { closed_at: deadline, after });
    }
    Ok(deadline)
}

/// A deduction's status, derived from its facts:
/// 1. a dispute is open → `disputed`;
/// 2. reversed in full (`fully_reversed` or an attempt decided `reversed`) → `final`;
/// 3. not yet netted (`recovered` false) → `open`, even once no dispute is possible any more: money is still to be
///    recovered and a payment run must pick it up;
/// 4. netted, and [`may_dispute`] would still allow a dispute → `recovered`; otherwise → `final`.
pub fn status(
    kind: DeductionKind,
    posted_at: DateTime<Utc>,
    attempts: &[DisputeAttempt],
    recovered: bool,
    fully_reversed: bool,
    now: DateTime<Utc>,
) -> DeductionStatus {
    let reversed = fully_reversed || attempts.iter().any(|attempt| attempt.outcome == Some(DisputeOutcome::Reversed));
    if attempts.iter().any(DisputeAttempt::is_open) {
        DeductionStatus::Disputed
    } else if reversed {
        DeductionStatus::Final
    } else if !recovered {
        DeductionStatus::Open
    } else if may_dispute(kind, posted_at, attempts, false, now).is_ok() {
        DeductionStatus::Recovered
    } else {
        DeductionStatus::Final
    }
}

/// What a decision credits back to the vendor: `reversed` → the whole `open_amount` (the amount still standing
/// against the vendor, netted yet or not); `partially_reversed` → `reversed_amount`, more than 0 and less than the
/// open amount, in the currency's minor units; `upheld` → 0. `reversed_amount` is required for a partial reversal
/// and otherwise may be left out (or equal what the outcome implies).
pub fn decide(outcome: DisputeOutcome, open_amount: Decimal, reversed_amount: Option<Decimal>, currency: &str) -> Result<Decimal, String> {
    if open_amount <= Decimal::ZERO {
        return Err(format!("open_amount must be above 0 to decide a dispute (is {open_amount})"));
    }
    let open = money::format_amount(open_amount, currency);
    match outcome {
        DisputeOutcome::Reversed => match reversed_amount {
            Some(amount) if amount != open_amount => {
                Err(format!("reversed_amount must be left out or equal the open amount {open} for a full reversal; use partially_reversed for part of it"))
            }
            _ => Ok(open_amount),
        },
        DisputeOutcome::PartiallyReversed => {
            let Some(amount) = reversed_amount else {
                return Err("reversed_amount is required for a partial reversal".to_string());
            };
            let minor = money::minor_units(currency);
            if amount <= Decimal::ZERO {
                Err(format!("reversed_amount must be above 0 (is {amount}); use upheld when nothing is reversed"))
            } else if amount >= open_amount {
                Err(format!("reversed_amount must be below the open amount {open}; use reversed for all of it"))
            } else if amount.normalize().scale() > minor {
                Err(format!("reversed_amount has {} decimal places; {currency} amounts have at most {minor}", amount.normalize().scale()))
            } else {
                Ok(amount)
            }
        }
        DisputeOutcome::Upheld => match reversed_amount {
            Some(amount) if !amount.is_zero() => Err("reversed_amount must be left out when the deduction is upheld".to_string()),
            _ => Ok(Decimal::ZERO),
        },
    }
}

/// What a compliance defect is charged on (DOMAIN.md's chargeback table, one variant per row). Costs are the cost of
/// the units concerned in the agreement's currency; rates are percentages (87.5 for 87.5 %).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "defect", rename_all = "snake_case")]
pub enum ChargebackBasis {
    /// ASN missing or late: a share of the shipment's cost by the vendor's 7-day ASN on-time rate.
    AsnMissingOrLate { shipment_cost: Decimal, asn_on_time_percent_7d: Decimal },
    /// ASN vs receipt mismatch (shortage, overage, wrong item).
    Mismatch { affected_units_cost: Decimal },
    /// PO on-time accuracy: units received outside the window, and units never delivered by its end.
    NotOnTime { late_units_cost: Decimal, never_delivered_units_cost: Decimal, trailing_4w_on_time_percent: Decimal },
    /// Carton label or content defects.
    CartonDefect { cartons: i64 },
    /// Ordered units the acknowledgement did not confirm (ack late or missing).
    UnconfirmedUnits { units_cost: Decimal },
}

/// A chargeback fee and how it was reached, in English with the numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargebackFee {
    /// Rounded half-even to the currency's minor unit; 0 when waived or below every fee.
    pub amount: Decimal,
    pub rule: String,
}

/// A fee of `percent` % of `cost`: (rounded amount, "4% of <what> 1000.00 = 40.00"). Negative figures (a corrupt
/// row, an unvalidated schedule) charge nothing rather than credit the vendor.
fn percent_fee(percent: Decimal, what: &str, cost: Decimal, currency: &str) -> (Decimal, String) {
    let cost = cost.max(Decimal::ZERO);
    let amount = round_ledger(percent_of(cost, percent), currency).max(Decimal::ZERO);
    let text = format!("{}% of {what} {} = {}", percent.normalize(), money::format_amount(cost, currency), money::format_amount(amount, currency));
    (amount, text)
}

/// The fee the schedule charges for a defect.
pub fn chargeback_fee(basis: &ChargebackBasis, schedule: &ChargebackSchedule, currency: &str) -> ChargebackFee {
    let money = |amount: Decimal| money::format_amount(amount, currency);
    let fee = |amount: Decimal, rule: String| ChargebackFee { amount, rule };
    match basis {
        ChargebackBasis::AsnMissingOrLate { shipment_cost, asn_on_time_percent_7d } => {
            let rate = format!("ASN on-time rate {}% in the last 7 days", asn_on_time_percent_7d.normalize());
            match schedule.asn_tier(*asn_on_time_percent_7d) {
                None => fee(Decimal::ZERO, format!("{rate}; the schedule has no ASN fee tiers: no fee")),
                Some(tier) if tier.fee_percent <= Decimal::ZERO => {
                    fee(Decimal::ZERO, format!("{rate} (tier from {}%) → no fee", tier.min_on_time_percent.normalize()))
                }
                Some(tier) => {
                    let (amount, text) = percent_fee(tier.fee_percent, "shipment cost", *shipment_cost, currency);
                    fee(amount, format!("{rate} (tier from {}%) → {text}", tier.min_on_time_percent.normalize()))
                }
            }
        }
        ChargebackBasis::Mismatch { affected_units_cost } => {
            let (amount, text) = percent_fee(schedule.mismatch_percent, "the affected units' cost", *affected_units_cost, currency);
            fee(amount, format!("ASN vs receipt mismatch → {text}"))
        }
        ChargebackBasis::NotOnTime { late_units_cost, never_delivered_units_cost, trailing_4w_on_time_percent } => {
            let mut parts = Vec::new();
            let mut amount = Decimal::ZERO;
            if *late_units_cost > Decimal::ZERO {
                let rate = trailing_4w_on_time_percent.normalize();
                if *trailing_4w_on_time_percent >= schedule.on_time_waiver_percent {
                    parts.push(format!(
                        "{}% of the late units' cost {} waived: trailing 4-week on-time rate {rate}% is at least {}%",
                        schedule.late_percent.normalize(),
                        money(*late_units_cost),
                        schedule.on_time_waiver_percent.normalize()
                    ));
                } else {
                    let (late, text) = percent_fee(schedule.late_percent, "the late units' cost", *late_units_cost, currency);
                    amount = amount.saturating_add(late);
                    parts.push(format!("{text} (trailing 4-week on-time rate {rate}% is below {}%)", schedule.on_time_waiver_percent.normalize()));
                }
            }
            if *never_delivered_units_cost > Decimal::ZERO {
                let (never, text) = percent_fee(schedule.never_delivered_percent, "the never-delivered units' cost", *never_delivered_units_cost, currency);
                amount = amount.saturating_add(never);
                parts.push(text);
            }
            let rule = match parts.len() {
                0 => "PO on-time accuracy: no units late or never delivered → no fee".to_string(),
                1 => format!("PO on-time accuracy: {}", parts[0]),
                _ => format!("PO on-time accuracy: {}; total {}", parts.join("; "), money(amount)),
            };
            fee(amount, rule)
        }
        ChargebackBasis::CartonDefect { cartons } => {
            let cartons = (*cartons).max(0);
            let unit = schedule.carton_defect_fee.max(Decimal::ZERO);
            let exact = money::checked_extend(cartons, unit).unwrap_or_else(|_| Decimal::from(cartons).saturating_mul(unit));
            let amount = round_ledger(exact, currency);
            let noun = if cartons == 1 { "carton" } else { "cartons" };
            fee(amount, format!("{cartons} {noun} with a label or content defect × {} = {}", money(unit), money(amount)))
        }
        ChargebackBasis::UnconfirmedUnits { units_cost } => {
            let (amount, text) = percent_fee(schedule.unconfirmed_percent, "the unconfirmed units' cost", *units_cost, currency);
            fee(amount, format!("PO units not confirmed → {text}"))
        }
    }
}

/// An allowance accrual (co-op, freight, damage): `percent` % of `base_amount`, rounded half-even to the minor unit.
/// Signed like its base, so a negative base (returned goods) accrues back.
pub fn accrual(base_amount: Decimal, percent: Decimal, currency: &str) -> Decimal {
    round_ledger(percent_of(base_amount, percent), currency)
}

/// A ledger entry: an amount taken off the vendor's payments, with its reason and its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    pub id: uuid::Uuid,
    pub tenant: crate::ids::TenantId,
    /// `D` + 8 digits, unique.
    pub number: String,
    pub vendor_code: String,
    pub kind: DeductionKind,
    pub reason_code: String,
    /// One English sentence with the numbers (trade documents stay English).
    pub description: String,
    pub currency: String,
    pub amount: Decimal,
    /// Netted from payments so far.
    pub recovered: Decimal,
    /// Given back by dispute decisions.
    pub reversed: Decimal,
    pub status: DeductionStatus,
    pub posted_at: DateTime<Utc>,
    /// Until when the next dispute attempt may be opened (None: not disputable any more).
    pub dispute_deadline: Option<DateTime<Utc>>,
    pub dispute_attempts: i64,
    pub po_id: Option<uuid::Uuid>,
    pub po_number: Option<String>,
    pub shipment_id: Option<uuid::Uuid>,
    pub receipt_id: Option<uuid::Uuid>,
    pub invoice_id: Option<uuid::Uuid>,
    pub invoice_line_no: Option<i64>,
    pub return_id: Option<uuid::Uuid>,
    /// The remittance it was netted on.
    pub remittance_id: Option<uuid::Uuid>,
    /// What proves it: the numbers compared and the records behind them, as posted.
    pub evidence: serde_json::Value,
    /// What posted it (`match:<invoice>:<line>:<kind>`, `chargeback:<defect>`…): posting twice is a no-op.
    pub source_key: String,
    pub updated_at: DateTime<Utc>,
}

impl Deduction {
    /// What is still to be netted from payments: the amount less what was netted. Reversals are not
    /// subtracted here: each is paid back as its own credit line, so a remittance shows the deduction
    /// and the credit side by side and every cent stays traceable.
    pub fn outstanding(&self) -> Decimal {
        (self.amount - self.recovered).max(Decimal::ZERO)
    }
}

/// A dispute of a deduction (one attempt).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: uuid::Uuid,
    pub tenant: crate::ids::TenantId,
    pub deduction_id: uuid::Uuid,
    /// 1 or 2.
    pub attempt: i64,
    pub message: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub outcome: Option<DisputeOutcome>,
    pub reversed_amount: Option<Decimal>,
    /// What the decision credits back, paid as a credit line on the next remittance.
    pub payback: Decimal,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The remittance that paid the reversal back (for amounts already netted).
    pub credited_remittance_id: Option<uuid::Uuid>,
}

impl Dispute {
    pub fn as_attempt(&self) -> DisputeAttempt {
        DisputeAttempt { opened_at: self.opened_at, decided_at: self.decided_at, outcome: self.outcome }
    }
}

/// Deduction numbers: `D` and 8 digits from the `deduction` counter.
pub fn deduction_number(seq: i64) -> String {
    format!("D{seq:08}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn decided(opened_at: DateTime<Utc>, decided_at: DateTime<Utc>, outcome: DisputeOutcome) -> DisputeAttempt {
        DisputeAttempt { opened_at, decided_at: Some(decided_at), outcome: Some(outcome) }
    }

    #[test]
    fn kinds() {
        let codes: Vec<_> = DeductionKind::ALL.iter().map(|kind| kind.reason_code()).collect();
        assert_eq!(codes, ["SHT", "PRC", "CHB", "COP", "FRT", "DMG", "DLF", "RTV"]);
        let not: Vec<_> = DeductionKind::ALL.iter().filter(|kind| !kind.disputable()).copied().collect();
        assert_eq!(not, [DeductionKind::Coop, DeductionKind::FreightAllowance, DeductionKind::DamageAllowance]);
        assert_eq!(DeductionKind::from(ClaimKind::Shortage).as_str(), ClaimKind::Shortage.as_str());
        assert_eq!(DeductionKind::from(ClaimKind::Price).as_str(), ClaimKind::Price.as_str(), "claims become deductions under the same spelling");
    }

    #[test]
    fn first_attempt_window() {
        let posted = at(2026, 11, 27, 14);
        let deadline = at(2026, 12, 27, 14);
        assert_eq!(dispute_deadline(posted, &[]), Some(deadline));
        assert_eq!(may_dispute(DeductionKind::Shortage, posted, &[], false, posted), Ok(deadline));
        assert_eq!(may_dispute(DeductionKind::Shortage, posted, &[], false, deadline), Ok(deadline), "the last instant is inside");
        let late = may_dispute(DeductionKind::Shortage, posted, &[], false, deadline + TimeDelta::seconds(1)).unwrap_err();
        assert_eq!(late, DisputeRefusal::WindowClosed { closed_at: deadline, after: WindowStart::Posting });
        assert_eq!(late.to_string(), "the dispute window closed on 2026-12-27 14:00 UTC (30 days after posting)");
        assert_eq!(late.code(), "window_closed");
    }

    #[test]
    fn second_attempt_and_the_limit() {
        let posted = at(2026, 3, 1, 9);
        let first = decided(at(2026, 3, 10, 9), at(2026, 3, 20, 9), DisputeOutcome::Upheld);
        let attempts = [first.clone()];
        assert_eq!(dispute_deadline(posted, &attempts), Some(at(2026, 4, 19, 9)));
        assert_eq!(
            may_dispute(DeductionKind::Chargeback, posted, &attempts, false, at(2026, 4, 19, 9)),
            Ok(at(2026, 4, 19, 9)),
            "past the posting window, inside the decision's"
        );
        let closed = may_dispute(DeductionKind::Chargeback, posted, &attempts, false, at(2026, 4, 19, 10)).unwrap_err();
        assert_eq!(closed.to_string(), "the dispute window closed on 2026-04-19 09:00 UTC (30 days after the first decision)");

        let open = [first.clone(), DisputeAttempt { opened_at: at(2026, 3, 25, 9), decided_at: None, outcome: None }];
        assert_eq!(dispute_deadline(posted, &open), None);
        let refused = may_dispute(DeductionKind::Chargeback, posted, &open, false, at(2026, 3, 26, 9)).unwrap_err();
        assert_eq!(refused.to_string(), "the dispute opened on 2026-03-25 09:00 UTC is still open; a second attempt is possible once it is decided");

        let used = [first.clone(), decided(at(2026, 3, 25, 9), at(2026, 3, 30, 9), DisputeOutcome::PartiallyReversed)];
        assert_eq!(dispute_deadline(posted, &used), None);
        let refused = may_dispute(DeductionKind::Chargeback, posted, &used, false, at(2026, 3, 31, 9)).unwrap_err();
        assert_eq!((refused.code(), refused.to_string().as_str()), ("attempts_used", "both dispute attempts have been used (at most 2 per deduction)"));

        let only_open = [DisputeAttempt { opened_at: at(2026, 3, 2, 9), decided_at: None, outcome: None }];
        assert_eq!(dispute_deadline(posted, &only_open), None);
    }

    #[test]
    fn refusals_by_kind_and_reversal() {
        let posted = at(2026, 3, 1, 9);
        let coop = may_dispute(DeductionKind::Coop, posted, &[], false, posted).unwrap_err();
        assert_eq!(coop.to_string(), "a co-op accrual is an accrual under a percentage agreed in the terms and cannot be disputed");
        assert_eq!(may_dispute(DeductionKind::DamageAllowance, posted, &[], false, posted).unwrap_err().code(), "not_disputable");
        assert_eq!(may_dispute(DeductionKind::DealFunding, posted, &[], false, posted), Ok(at(2026, 3, 31, 9)));
        assert_eq!(may_dispute(DeductionKind::ReturnDebit, posted, &[], true, posted), Err(DisputeRefusal::FullyReversed));
        let reversed = [decided(posted, at(2026, 3, 5, 9), DisputeOutcome::Reversed)];
        assert_eq!(may_dispute(DeductionKind::Shortage, posted, &reversed, false, posted), Err(DisputeRefusal::FullyReversed));
        let json = serde_json::to_value(DisputeRefusal::WindowClosed { closed_at: posted, after: WindowStart::FirstDecision }).unwrap();
        assert_eq!(json["code"], "window_closed");
        assert_eq!(json["after"], "first_decision");
    }

    #[test]
    fn statuses() {
        let posted = at(2026, 3, 1, 9);
        let within = at(2026, 3, 15, 9);
        let after = at(2026, 6, 1, 9);
        let status_of = |kind, attempts: &[DisputeAttempt], recovered, reversed, now| status(kind, posted, attempts, recovered, reversed, now);
        use DeductionKind::*;
        use DeductionStatus as S;
        assert_eq!(status_of(Shortage, &[], false, false, within), S::Open);
        assert_eq!(status_of(Shortage, &[], false, false, after), S::Open, "unrecovered money stays open past the window");
        assert_eq!(status_of(Shortage, &[], true, false, within), S::Recovered);
        assert_eq!(status_of(Shortage, &[], true, false, after), S::Final, "window passed");
        assert_eq!(status_of(Coop, &[], true, false, within), S::Final, "not disputable");
        assert_eq!(status_of(Coop, &[], false, false, within), S::Open);
        let open = [DisputeAttempt { opened_at: within, decided_at: None, outcome: None }];
        assert_eq!(status_of(Shortage, &open, true, false, after), S::Disputed);
        assert_eq!(status_of(Shortage, &open, false, false, within), S::Disputed);
        let upheld = [decided(within, at(2026, 3, 20, 9), DisputeOutcome::Upheld)];
        assert_eq!(status_of(Shortage, &upheld, true, false, at(2026, 4, 10, 9)), S::Recovered, "second attempt still possible");
        assert_eq!(status_of(Shortage, &upheld, true, false, at(2026, 4, 20, 9)), S::Final);
        let twice = [upheld[0].clone(), decided(at(2026, 3, 21, 9), at(2026, 3, 22, 9), DisputeOutcome::Upheld)];
        assert_eq!(status_of(Shortage, &twice, true, false, at(2026, 3, 23, 9)), S::Final, "upheld after the last attempt");
        let reversed = [decided(within, at(2026, 3, 20, 9), DisputeOutcome::Reversed)];
        assert_eq!(status_of(Shortage, &reversed, false, false, within), S::Final);
        assert_eq!(status_of(Shortage, &[], false, true, within), S::Final);
    }

    #[test]
    fn decisions() {
        assert_eq!(decide(DisputeOutcome::Reversed, dec!(120.50), None, "USD"), Ok(dec!(120.50)));
        assert_eq!(decide(DisputeOutcome::Reversed, dec!(120.50), Some(dec!(120.5)), "USD"), Ok(dec!(120.50)));
        assert_eq!(
            decide(DisputeOutcome::Reversed, dec!(120.50), Some(dec!(100)), "USD").unwrap_err(),
            "reversed_amount must be left out or equal the open amount 120.50 for a full reversal; use partially_reversed for part of it"
        );
        assert_eq!(decide(DisputeOutcome::PartiallyReversed, dec!(120.50), Some(dec!(20.25)), "USD"), Ok(dec!(20.25)));
        assert_eq!(decide(DisputeOutcome::PartiallyReversed, dec!(120.50), None, "USD").unwrap_err(), "reversed_amount is required for a partial reversal");
        assert_eq!(
            decide(DisputeOutcome::PartiallyReversed, dec!(120.50), Some(dec!(120.50)), "USD").unwrap_err(),
            "reversed_amount must be below the open amount 120.50; use reversed for all of it"
        );
        assert!(decide(DisputeOutcome::PartiallyReversed, dec!(120.50), Some(dec!(0)), "USD").unwrap_err().starts_with("reversed_amount must be above 0"));
        assert_eq!(
            decide(DisputeOutcome::PartiallyReversed, dec!(120.50), Some(dec!(20.255)), "USD").unwrap_err(),
            "reversed_amount has 3 decimal places; USD amounts have at most 2"
        );
        assert_eq!(
            decide(DisputeOutcome::PartiallyReversed, dec!(1200), Some(dec!(20.5)), "JPY").unwrap_err(),
            "reversed_amount has 1 decimal places; JPY amounts have at most 0"
        );
        assert_eq!(decide(DisputeOutcome::PartiallyReversed, dec!(1.5), Some(dec!(0.125)), "KWD"), Ok(dec!(0.125)));
        assert_eq!(decide(DisputeOutcome::Upheld, dec!(120.50), None, "USD"), Ok(dec!(0)));
        assert_eq!(decide(DisputeOutcome::Upheld, dec!(120.50), Some(dec!(0)), "USD"), Ok(dec!(0)));
        assert!(decide(DisputeOutcome::Upheld, dec!(120.50), Some(dec!(5)), "USD").is_err());
        assert_eq!(decide(DisputeOutcome::Reversed, dec!(0), None, "USD").unwrap_err(), "open_amount must be above 0 to decide a dispute (is 0)");
    }

    fn fee(basis: ChargebackBasis) -> ChargebackFee {
        chargeback_fee(&basis, &ChargebackSchedule::default(), "USD")
    }

    fn asn(rate: Decimal) -> ChargebackFee {
        fee(ChargebackBasis::AsnMissingOrLate { shipment_cost: dec!(1000), asn_on_time_percent_7d: rate })
    }

    #[test]
    fn asn_fee_tiers() {
        assert_eq!(asn(dec!(100)).amount, dec!(0));
        assert_eq!(asn(dec!(95)), ChargebackFee { amount: dec!(0), rule: "ASN on-time rate 95% in the last 7 days (tier from 95%) → no fee".into() });
        assert_eq!(asn(dec!(94.99)).amount, dec!(20.00));
        assert_eq!(
            asn(dec!(90)),
            ChargebackFee {
                amount: dec!(20.00), rule: "ASN on-time rate 90% in the last 7 days (tier from 90%) → 2% of shipment cost 1000.00 = 20.00".into()
            }
        );
        assert_eq!(
            asn(dec!(87.5)).rule,
            "ASN on-time rate 87.5% in the last 7 days (tier from 80%) → 4% of shipment cost 1000.00 = 40.00",
            "the brief's example (no thousands separators: format_amount's form)"
        );
        assert_eq!(asn(dec!(80)).amount, dec!(40.00));
        assert_eq!(asn(dec!(79.99)).amount, dec!(60.00));
        assert_eq!(asn(dec!(0)).amount, dec!(60.00));
        // 6 % of 12.34 = 0.7404 → 0.74; half-even: 2 % of 0.625 = 0.0125 → 0.01.
        assert_eq!(fee(ChargebackBasis::AsnMissingOrLate { shipment_cost: dec!(12.34), asn_on_time_percent_7d: dec!(50) }).amount, dec!(0.74));
        assert_eq!(fee(ChargebackBasis::AsnMissingOrLate { shipment_cost: dec!(0.625), asn_on_time_percent_7d: dec!(91) }).amount, dec!(0.01));
        let empty = ChargebackSchedule { asn_tiers: vec![], ..ChargebackSchedule::default() };
        let none = chargeback_fee(&ChargebackBasis::AsnMissingOrLate { shipment_cost: dec!(1000), asn_on_time_percent_7d: dec!(50) }, &empty, "USD");
        assert_eq!(none.amount, dec!(0));
    }

    #[test]
    fn other_defects() {
        assert_eq!(
            fee(ChargebackBasis::Mismatch { affected_units_cost: dec!(500) }),
            ChargebackFee { amount: dec!(10.00), rule: "ASN vs receipt mismatch → 2% of the affected units' cost 500.00 = 10.00".into() }
        );
        assert_eq!(
            fee(ChargebackBasis::UnconfirmedUnits { units_cost: dec!(1234) }),
            ChargebackFee { amount: dec!(12.34), rule: "PO units not confirmed → 1% of the unconfirmed units' cost 1234.00 = 12.34".into() }
        );
        assert_eq!(
            fee(ChargebackBasis::CartonDefect { cartons: 3 }),
            ChargebackFee { amount: dec!(7.80), rule: "3 cartons with a label or content defect × 2.60 = 7.80".into() }
        );
        assert_eq!(fee(ChargebackBasis::CartonDefect { cartons: 1 }).rule, "1 carton with a label or content defect × 2.60 = 2.60");
        assert_eq!(fee(ChargebackBasis::CartonDefect { cartons: -4 }).amount, dec!(0));
        assert_eq!(fee(ChargebackBasis::CartonDefect { cartons: i64::MAX }).amount, Decimal::from(i64::MAX) * dec!(2.60), "no overflow");
        let jpy = chargeback_fee(
            &ChargebackBasis::CartonDefect { cartons: 5 },
            &ChargebackSchedule { carton_defect_fee: dec!(250), ..ChargebackSchedule::default() },
            "JPY",
        );
        assert_eq!((jpy.amount, jpy.rule.as_str()), (dec!(1250), "5 cartons with a label or content defect × 250 = 1250"));
        assert_eq!(fee(ChargebackBasis::Mismatch { affected_units_cost: dec!(-500) }).amount, dec!(0), "a negative cost charges nothing");
    }

    #[test]
    fn on_time_fees_and_the_waiver() {
        let not_on_time = |late: Decimal, never: Decimal, rate: Decimal| {
            fee(ChargebackBasis::NotOnTime { late_units_cost: late, never_delivered_units_cost: never, trailing_4w_on_time_percent: rate })
        };
        assert_eq!(
            not_on_time(dec!(300), dec!(0), dec!(85)),
            ChargebackFee {
                amount: dec!(9.00),
                rule: "PO on-time accuracy: 3% of the late units' cost 300.00 = 9.00 (trailing 4-week on-time rate 85% is below 90%)".into()
            }
        );
        assert_eq!(
            not_on_time(dec!(300), dec!(0), dec!(90)),
            ChargebackFee {
                amount: dec!(0),
                rule: "PO on-time accuracy: 3% of the late units' cost 300.00 waived: trailing 4-week on-time rate 90% is at least 90%".into()
            },
            "exactly at the waiver rate is waived"
        );
        assert_eq!(not_on_time(dec!(300), dec!(0), dec!(89.99)).amount, dec!(9.00));
        assert_eq!(
            not_on_time(dec!(300), dec!(200), dec!(85)),
            ChargebackFee {
                amount: dec!(19.00),
                rule: "PO on-time accuracy: 3% of the late units' cost 300.00 = 9.00 (trailing 4-week on-time rate 85% is below 90%); \
                       5% of the never-delivered units' cost 200.00 = 10.00; total 19.00"
                    .into()
            }
        );
        let waived = not_on_time(dec!(300), dec!(200), dec!(95));
        assert_eq!(waived.amount, dec!(10.00), "the waiver covers late units, not units never delivered");
        assert!(waived.rule.ends_with("; 5% of the never-delivered units' cost 200.00 = 10.00; total 10.00"));
        assert_eq!(not_on_time(dec!(0), dec!(0), dec!(50)).rule, "PO on-time accuracy: no units late or never delivered → no fee");
        // Rounded per part: 3 % of 0.25 = 0.0075 → 0.01; 5 % of 0.25 = 0.0125 → 0.01 (half-even).
        assert_eq!(not_on_time(dec!(0.25), dec!(0.25), dec!(0)).amount, dec!(0.02));
    }

    #[test]
    fn accruals() {
        assert_eq!(accrual(dec!(10000), dec!(2.5), "USD"), dec!(250.00));
        assert_eq!(accrual(dec!(0.5), dec!(25), "USD"), dec!(0.12), "0.125 → 0.12");
        assert_eq!(accrual(dec!(0.54), dec!(25), "USD"), dec!(0.14), "0.135 → 0.14");
        assert_eq!(accrual(dec!(12345), dec!(1.5), "JPY"), dec!(185), "185.175 → 185");
        assert_eq!(accrual(dec!(-100), dec!(3), "EUR"), dec!(-3.00));
        assert_eq!(accrual(dec!(1.0001), dec!(12.5), "KWD"), dec!(0.125));
    }

    proptest! {
        #[test]
        fn fees_are_never_negative_or_unrounded(cost_e2 in -1_000_000i64..100_000_000, rate_e2 in -1_000i64..11_000, cartons in -10i64..10_000, pick in 0u8..5) {
            let cost = Decimal::new(cost_e2, 2);
            let rate = Decimal::new(rate_e2, 2);
            let basis = match pick {
                0 => ChargebackBasis::AsnMissingOrLate { shipment_cost: cost, asn_on_time_percent_7d: rate },
                1 => ChargebackBasis::Mismatch { affected_units_cost: cost },
                2 => ChargebackBasis::NotOnTime { late_units_cost: cost, never_delivered_units_cost: cost, trailing_4w_on_time_percent: rate },
                3 => ChargebackBasis::CartonDefect { cartons },
                _ => ChargebackBasis::UnconfirmedUnits { units_cost: cost },
            };
            for currency in ["USD", "JPY", "KWD"] {
                let fee = chargeback_fee(&basis, &ChargebackSchedule::default(), currency);
                prop_assert!(fee.amount >= Decimal::ZERO);
                prop_assert_eq!(fee.amount, round_ledger(fee.amount, currency));
                prop_assert!(!fee.rule.is_empty());
            }
        }

        #[test]
        fn a_refused_dispute_stays_refused_later(kind in 0usize..8, posted in 0i64..1_000, first in prop::option::of((0i64..100, 0i64..100)), now in 0i64..200, later in 0i64..200) {
            // Days from a fixed start; the first attempt (if any) opened `a` days after posting, decided `b` days later.
            let start = at(2026, 1, 1, 0);
            let day = |n: i64| start + TimeDelta::days(n);
            let kind = DeductionKind::ALL[kind];
            let attempts: Vec<_> = first.map(|(a, b)| decided(day(posted + a), day(posted + a + b), DisputeOutcome::Upheld)).into_iter().collect();
            let now = day(posted + now);
            if may_dispute(kind, day(posted), &attempts, false, now).is_err() {
                prop_assert!(may_dispute(kind, day(posted), &attempts, false, now + TimeDelta::days(later)).is_err());
            }
            if let Ok(deadline) = may_dispute(kind, day(posted), &attempts, false, now) {
                prop_assert!(now <= deadline);
                prop_assert_eq!(Some(deadline), dispute_deadline(day(posted), &attempts));
            }
        }
    }
}
