//! The agreement terms finance works from: payment terms (net days, early-pay discount, due basis), the matching
//! tolerance, allowance percentages and the chargeback fee schedule, versioned by effective date.
//!
//! DOMAIN.md gives defaults ("where a number is a default, it is configurable per retailer or per vendor
//! agreement"): every number here is a field with a default, never a constant in a rule, so an agreement can change
//! it and a past invoice is still judged by the version that was in force on its date ([`in_force`]).
//!
//! Validation collects every problem with its field path (`payment.discount_days`,
//! `chargebacks.asn_tiers[2].fee_percent`) because terms are edited as one form and the editor must see all issues
//! at once. Field paths are `&'static str` so they can be matched on without allocation; that is why a schedule holds
//! at most [`MAX_ASN_TIERS`] tiers (each tier's path comes from a fixed table).
//!
//! The two ledger helpers every finance module shares also live here: [`percent_of`] (exact) and
//! [`round_ledger`] (half-even to the currency's minor unit, the one place a ledger amount is rounded).

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::forecast::{AgreementPlanning, ParamFields};
use crate::money::{self, percent_of};
use crate::orders::PaymentTerms;
use crate::text_enum;

/// Decimal places a percentage in the terms may carry (the storage scale), except the discount's 2.
const PERCENT_DECIMALS: u32 = 4;
/// Decimal places an early-pay discount percentage may carry ("1.75/10 NET30" yes, "1.755/10" no).
const DISCOUNT_DECIMALS: u32 = 2;
/// The longest net term accepted: a year. Longer is a financing arrangement, not a payment term.
pub const MAX_NET_DAYS: u16 = 365;
/// The most ASN tiers a schedule may hold (see the module header for why there is a limit at all).
pub const MAX_ASN_TIERS: usize = 10;

/// Field paths of the ASN tiers, `[min_on_time_percent, fee_percent]` per tier index.
#[rustfmt::skip]
const TIER_FIELDS: [[&str; 2]; MAX_ASN_TIERS] = [
    ["chargebacks.asn_tiers[0].min_on_time_percent", "chargebacks.asn_tiers[0].fee_percent"],
    ["chargebacks.asn_tiers[1].min_on_time_percent", "chargebacks.asn_tiers[1].fee_percent"],
    ["chargebacks.asn_tiers[2].min_on_time_percent", "chargebacks.asn_tiers[2].fee_percent"],
    ["chargebacks.asn_tiers[3].min_on_time_percent", "chargebacks.asn_tiers[3].fee_percent"],
    ["chargebacks.asn_tiers[4].min_on_time_percent", "chargebacks.asn_tiers[4].fee_percent"],
    ["chargebacks.asn_tiers[5].min_on_time_percent", "chargebacks.asn_tiers[5].fee_percent"],
    ["chargebacks.asn_tiers[6].min_on_time_percent", "chargebacks.asn_tiers[6].fee_percent"],
    ["chargebacks.asn_tiers[7].min_on_time_percent", "chargebacks.asn_tiers[7].fee_percent"],
    ["chargebacks.asn_tiers[8].min_on_time_percent", "chargebacks.asn_tiers[8].fee_percent"],
    ["chargebacks.asn_tiers[9].min_on_time_percent", "chargebacks.asn_tiers[9].fee_percent"],
];

/// Problems found by a validator: `(field path, what is wrong)`, every one of them.
pub type TermIssues = Vec<(&'static str, String)>;

fn decimals(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// Checks a percentage is within 0..=100 with at most `max_decimals` decimals.
fn check_percent(issues: &mut TermIssues, field: &'static str, value: Decimal, max_decimals: u32) {
    if value.is_sign_negative() && !value.is_zero() {
        issues.push((field, format!("must not be negative (is {value})")));
    } else if value > Decimal::ONE_HUNDRED {
        issues.push((field, format!("must be at most 100 (is {value})")));
    }
    if decimals(value) > max_decimals {
        issues.push((field, format!("has {} decimal places; at most {max_decimals} are allowed", decimals(value))));
    }
}

fn strip(issues: TermIssues, prefix: &str) -> TermIssues {
    issues.into_iter().map(|(field, issue)| (field.strip_prefix(prefix).unwrap_or(field), issue)).collect()
}

fn to_result(issues: TermIssues) -> Result<(), TermIssues> {
    if issues.is_empty() { Ok(()) } else { Err(issues) }
}

fn joined(issues: &[(&'static str, String)]) -> String {
    issues.iter().map(|(field, issue)| format!("{field} {issue}")).collect::<Vec<_>>().join("; ")
}

text_enum! {
    /// The date net days count from: the invoice's date, or (per agreement) the last receipt of the goods invoiced.
    pub enum DueBasis { InvoiceDate = "invoice_date", ReceiptDate = "receipt_date" }
}

/// Payment terms: pay within `net_days` of the basis date, less `discount_percent` when paid within
/// `discount_days` ("2/10 NET30"). A discount of 0 % over 0 days means no discount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerm {
    pub net_days: u16,
    pub discount_percent: Decimal,
    pub discount_days: u16,
    pub basis: DueBasis,
}

impl PaymentTerm {
    /// Validated payment terms; the error names every field that is wrong, e.g.
    /// "discount_days must be below net_days (30)".
    ///
    /// A discount needs at least one discount day and fewer discount days than net days (otherwise paying on the due
    /// date would earn it and it is a price cut, not an early-pay discount); 0 % needs 0 days.
    pub fn new(net_days: u16, discount_percent: Decimal, discount_days: u16, basis: DueBasis) -> Result<PaymentTerm, String> {
        let term = PaymentTerm { net_days, discount_percent, discount_days, basis };
        term.validate().map(|()| term).map_err(|issues| joined(&issues))
    }

    /// Net terms without a discount: `NET<days>` on the invoice date (days above a year are not refused here but by
    /// [`PaymentTerm::validate`]).
    pub fn net(days: u16) -> PaymentTerm {
        PaymentTerm { net_days: days, discount_percent: Decimal::ZERO, discount_days: 0, basis: DueBasis::InvoiceDate }
    }

    /// Every problem, with field names relative to the term (`net_days`, `discount_percent`, `discount_days`).
    pub fn validate(&self) -> Result<(), TermIssues> {
        to_result(strip(self.issues(), "payment."))
    }

    fn issues(&self) -> TermIssues {
        let mut issues = Vec::new();
        if self.net_days > MAX_NET_DAYS {
            issues.push(("payment.net_days", format!("must be between 0 and {MAX_NET_DAYS} (is {})", self.net_days)));
        }
        let percent = self.discount_percent;
        if percent.is_sign_negative() && !percent.is_zero() {
            issues.push(("payment.discount_percent", format!("must not be negative (is {percent})")));
        } else if percent >= Decimal::ONE_HUNDRED {
            issues.push(("payment.discount_percent", format!("must be below 100 (is {percent})")));
        }
        if decimals(percent) > DISCOUNT_DECIMALS {
            issues.push(("payment.discount_percent", format!("has {} decimal places; at most {DISCOUNT_DECIMALS} are allowed", decimals(percent))));
        }
        if percent.is_zero() {
            if self.discount_days != 0 {
                issues.push(("payment.discount_days", "must be 0 when discount_percent is 0 (no discount)".to_string()));
            }
        } else if self.discount_days == 0 {
            issues.push(("payment.discount_days", "must be at least 1 when a discount is given".to_string()));
        } else if self.discount_days >= self.net_days {
            issues.push(("payment.discount_days", format!("must be below net_days ({})", self.net_days)));
        }
        issues
    }

    /// Whether paying early earns a discount.
    pub fn has_discount(&self) -> bool {
        self.discount_percent > Decimal::ZERO && self.discount_days > 0
    }

    /// Reads "NET30", "net 60", "2/10 NET30", "1.5/15 NET 45" (case and spacing free, an optional `%` after the
    /// discount percent) and validates the result.
    pub fn parse(text: &str, basis: DueBasis) -> Result<PaymentTerm, String> {
        const FORM: &str = "is not a payment term; write it like NET30, NET 60 or 2/10 NET30 (discount percent/discount days, then net days)";
        let text = text.trim().to_ascii_uppercase();
        let (discount, rest) = match text.split_once('/') {
            None => (None, text.as_str()),
            Some((percent, rest)) => {
                let percent = percent.trim();
                let percent = percent.strip_suffix('%').unwrap_or(percent).trim_end();
                let percent = money::parse_amount(percent, false).map_err(|_| FORM.to_string())?;
                let rest = rest.trim_start();
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Err(FORM.to_string());
                }
                let days = days_value(&rest[..digits], "discount days")?;
                (Some((percent, days)), &rest[digits..])
            }
        };
        let net = rest.trim_start().strip_prefix("NET").ok_or_else(|| FORM.to_string())?.trim_start();
        if net.is_empty() || !net.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FORM.to_string());
        }
        let net_days = days_value(net, "net days")?;
        let (discount_percent, discount_days) = discount.unwrap_or((Decimal::ZERO, 0));
        PaymentTerm::new(net_days, discount_percent, discount_days, basis)
    }

    /// The canonical spelling: "2/10 NET30", "1.5/15 NET45", "NET60" (the basis is not part of it).
    pub fn label(&self) -> String {
        if self.discount_percent.is_zero() && self.discount_days == 0 {
            format!("NET{}", self.net_days)
        } else {
            format!("{}/{} NET{}", self.discount_percent.normalize(), self.discount_days, self.net_days)
        }
    }
}

fn days_value(digits: &str, what: &str) -> Result<u16, String> {
    digits.parse::<u16>().map_err(|_| format!("has {what} that are not a whole number from 0 to {MAX_NET_DAYS}"))
}

impl fmt::Display for PaymentTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl From<PaymentTerms> for PaymentTerm {
    fn from(terms: PaymentTerms) -> PaymentTerm {
        PaymentTerm::net(match terms {
            PaymentTerms::Net30 => 30,
            PaymentTerms::Net60 => 60,
            PaymentTerms::Net90 => 90,
        })
    }
}

/// How far an invoice line may differ from what was received before it is a variance: |Δ| ≤ max(`absolute`,
/// `percent` % of the PO/ack cost of the invoiced units). The defaults (1.00 and 1 %) are the retailer's
/// defaults; each agreement may set its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolerance {
    /// In the agreement's currency.
    pub absolute: Decimal,
    pub percent: Decimal,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { absolute: Decimal::ONE, percent: Decimal::ONE }
    }
}

impl Tolerance {
    /// A validated tolerance; the error names every field that is wrong.
    pub fn new(absolute: Decimal, percent: Decimal) -> Result<Tolerance, String> {
        let tolerance = Tolerance { absolute, percent };
        tolerance.validate().map(|()| tolerance).map_err(|issues| joined(&issues))
    }

    /// Every problem, with field names relative to the tolerance (`absolute`, `percent`).
    pub fn validate(&self) -> Result<(), TermIssues> {
        to_result(strip(self.issues(), "tolerance."))
    }

    fn issues(&self) -> TermIssues {
        let mut issues = Vec::new();
        if self.absolute.is_sign_negative() && !self.absolute.is_zero() {
            issues.push(("tolerance.absolute", format!("must not be negative (is {})", self.absolute)));
        }
        if let Err(issue) = money::to_e4(self.absolute) {
            issues.push(("tolerance.absolute", issue));
        }
        check_percent(&mut issues, "tolerance.percent", self.percent, PERCENT_DECIMALS);
        issues
    }

    /// The tolerance for a line whose invoiced units cost `base` at the PO/ack cost: max(absolute, percent % of
    /// base), at the storage scale 4 so the figure shown is the figure compared.
    pub fn amount(&self, base: Decimal) -> Decimal {
        let by_percent = percent_of(base.abs(), self.percent).round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
        self.absolute.max(by_percent)
    }
}

/// One band of the ASN-missing-or-late fee: a vendor whose 7-day ASN on-time rate is at least
/// `min_on_time_percent` pays `fee_percent` % of the shipment's cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsnTier {
    pub min_on_time_percent: Decimal,
    pub fee_percent: Decimal,
}

/// The published chargeback fee schedule (DOMAIN.md "Chargebacks"); [`Default`] is the retailer's default, every
/// number editable per agreement. Percent fees are percent of the cost of the units concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargebackSchedule {
    /// ASN missing or late, by the vendor's 7-day ASN on-time rate: sorted from the highest `min_on_time_percent`
    /// down, the last tier starting at 0 so every rate falls in one.
    pub asn_tiers: Vec<AsnTier>,
    /// ASN vs receipt mismatch (shortage, overage, wrong item).
    pub mismatch_percent: Decimal,
    /// Units received outside the window.
    pub late_percent: Decimal,
    /// The late fee is waived while the trailing 4-week on-time rate is at least this.
    pub on_time_waiver_percent: Decimal,
    /// Units never delivered by the window's end.
    pub never_delivered_percent: Decimal,
    /// A fixed amount per carton with a label or content defect, in the agreement's currency.
    pub carton_defect_fee: Decimal,
    /// Ordered units the acknowledgement did not confirm (ack late or missing).
    pub unconfirmed_percent: Decimal,
}

impl Default for ChargebackSchedule {
    fn default() -> Self {
        let tier = |min: i64, fee: i64| AsnTier { min_on_time_percent: Decimal::from(min), fee_percent: Decimal::from(fee) };
        ChargebackSchedule {
            asn_tiers: vec![tier(95, 0), tier(90, 2), tier(80, 4), tier(0, 6)],
            mismatch_percent: Decimal::TWO,
            late_percent: Decimal::from(3),
            on_time_waiver_percent: Decimal::from(90),
            never_delivered_percent: Decimal::from(5),
            carton_defect_fee: Decimal::new(260, 2),
            unconfirmed_percent: Decimal::ONE,
        }
    }
}

impl ChargebackSchedule {
    /// Every problem, with field names relative to the schedule (`asn_tiers[2].fee_percent`, `late_percent`).
    pub fn validate(&self) -> Result<(), TermIssues> {
        to_result(strip(self.issues(), "chargebacks."))
    }

    fn issues(&self) -> TermIssues {
        let mut issues = Vec::new();
        if self.asn_tiers.is_empty() {
            issues.push(("chargebacks.asn_tiers", "needs at least one tier (e.g. from 0 % on-time, fee 0 %)".to_string()));
        } else if self.asn_tiers.len() > MAX_ASN_TIERS {
            issues.push(("chargebacks.asn_tiers", format!("has {} tiers; at most {MAX_ASN_TIERS} are allowed", self.asn_tiers.len())));
        }
        for (index, tier) in self.asn_tiers.iter().enumerate().take(MAX_ASN_TIERS) {
            let [min_field, fee_field] = TIER_FIELDS[index];
            check_percent(&mut issues, min_field, tier.min_on_time_percent, PERCENT_DECIMALS);
            check_percent(&mut issues, fee_field, tier.fee_percent, PERCENT_DECIMALS);
            if let Some(previous) = index.checked_sub(1).and_then(|p| self.asn_tiers.get(p))
                && tier.min_on_time_percent >= previous.min_on_time_percent
            {
                issues.push((
                    min_field,
                    format!("must be below the previous tier's {} (tiers go from the highest on-time rate down)", previous.min_on_time_percent.normalize()),
                ));
            }
            if index + 1 == self.asn_tiers.len() && !tier.min_on_time_percent.is_zero() {
                issues.push((min_field, "must be 0 in the last tier, so every on-time rate has a fee".to_string()));
            }
        }
        check_percent(&mut issues, "chargebacks.mismatch_percent", self.mismatch_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "chargebacks.late_percent", self.late_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "chargebacks.on_time_waiver_percent", self.on_time_waiver_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "chargebacks.never_delivered_percent", self.never_delivered_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "chargebacks.unconfirmed_percent", self.unconfirmed_percent, PERCENT_DECIMALS);
        if self.carton_defect_fee.is_sign_negative() && !self.carton_defect_fee.is_zero() {
            issues.push(("chargebacks.carton_defect_fee", format!("must not be negative (is {})", self.carton_defect_fee)));
        }
        if let Err(issue) = money::to_e4(self.carton_defect_fee) {
            issues.push(("chargebacks.carton_defect_fee", issue));
        }
        issues
    }

    /// The tier a 7-day ASN on-time rate falls in: the first whose minimum it reaches; a rate below every minimum
    /// (only possible in an unvalidated schedule, or for a negative rate) falls in the last tier. `None` only when
    /// there are no tiers.
    pub fn asn_tier(&self, on_time_percent: Decimal) -> Option<&AsnTier> {
        self.asn_tiers.iter().find(|tier| on_time_percent >= tier.min_on_time_percent).or(self.asn_tiers.last())
    }
}

/// One version of a vendor's finance terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub payment: PaymentTerm,
    pub tolerance: Tolerance,
    /// Under a damage-allowance agreement damaged units are not returned; this % is deducted instead.
    pub damage_allowance_percent: Decimal,
    /// Co-op (marketing) accrual, % of purchases.
    pub coop_percent: Decimal,
    /// Freight allowance accrual, % of purchases.
    pub freight_allowance_percent: Decimal,
    pub chargebacks: ChargebackSchedule,
    /// ISO 4217 code of the agreement; fixed fees (carton defects, the absolute tolerance) are in it.
    pub currency: String,
    /// VMI and the default planning parameters for the vendor's items (each unset field falls back to the
    /// retailer's system default). Versions stored before forecasting existed read as "not set".
    #[serde(default)]
    pub planning: AgreementPlanning,
}

impl Terms {
    /// The retailer's defaults: NET30 from the invoice date without discount, tolerance 1.00 / 1 %, the default
    /// chargeback schedule, no allowances.
    pub fn default_for(currency: &str) -> Terms {
        Terms {
            payment: PaymentTerm::net(30),
            tolerance: Tolerance::default(),
            damage_allowance_percent: Decimal::ZERO,
            coop_percent: Decimal::ZERO,
            freight_allowance_percent: Decimal::ZERO,
            chargebacks: ChargebackSchedule::default(),
            currency: currency.trim().to_ascii_uppercase(),
            planning: AgreementPlanning::default(),
        }
    }

    /// Every problem with its field path (`payment.discount_days`, `chargebacks.asn_tiers[2].fee_percent`, `currency`).
    pub fn validate(&self) -> Result<(), TermIssues> {
        let mut issues = self.payment.issues();
        issues.extend(self.tolerance.issues());
        check_percent(&mut issues, "damage_allowance_percent", self.damage_allowance_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "coop_percent", self.coop_percent, PERCENT_DECIMALS);
        check_percent(&mut issues, "freight_allowance_percent", self.freight_allowance_percent, PERCENT_DECIMALS);
        issues.extend(self.chargebacks.issues());
        issues.extend(self.planning.defaults.issues(&ParamFields::IN_TERMS));
        match money::currency(&self.currency) {
            Ok(code) if code == self.currency => {}
            Ok(code) => issues.push(("currency", format!("must be written in capitals, like {code}"))),
            Err(issue) => issues.push(("currency", issue)),
        }
        to_result(issues)
    }
}

/// A vendor's terms from `effective_from` on. Versions are kept, never edited, so old invoices keep their terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsVersion {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub terms: Terms,
}

/// The version in force on a date: the latest `effective_from` on or before it; when two take effect the same day,
/// the higher version (the later correction) wins. `None` before the first version.
pub fn in_force(versions: &[TermsVersion], on: NaiveDate) -> Option<&TermsVersion> {
    versions.iter().filter(|v| v.effective_from <= on).max_by_key(|v| (v.effective_from, v.version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::round_ledger;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn ledger_rounding_is_half_even_per_currency() {
        assert_eq!(round_ledger(dec!(0.125), "USD"), dec!(0.12));
        assert_eq!(round_ledger(dec!(0.135), "USD"), dec!(0.14));
        assert_eq!(round_ledger(dec!(0.1251), "USD"), dec!(0.13));
        assert_eq!(round_ledger(dec!(2.5), "JPY"), dec!(2));
        assert_eq!(round_ledger(dec!(3.5), "JPY"), dec!(4));
        assert_eq!(round_ledger(dec!(1.0005), "KWD"), dec!(1.000));
        assert_eq!(round_ledger(dec!(1.0015), "KWD"), dec!(1.002));
        assert_eq!(round_ledger(dec!(-0.125), "EUR"), dec!(-0.12));
        assert_eq!(round_ledger(dec!(25.0), "USD").to_string(), "25.00");
        assert_eq!(round_ledger(dec!(25.0), "JPY").to_string(), "25");
        assert_eq!(round_ledger(dec!(1.5), "KWD").to_string(), "1.500");
        assert_eq!(round_ledger(Decimal::MAX, "USD"), Decimal::MAX, "too large to pad: left as is");
        assert_eq!(percent_of(dec!(1000), dec!(2.5)), dec!(25));
        assert_eq!(percent_of(Decimal::MAX, Decimal::MAX), Decimal::MAX / Decimal::ONE_HUNDRED, "saturates, no panic");
    }

    #[test]
    fn payment_terms_are_validated() {
        assert_eq!(PaymentTerm::new(30, dec!(2), 10, DueBasis::InvoiceDate).unwrap().label(), "2/10 NET30");
        assert_eq!(PaymentTerm::new(0, Decimal::ZERO, 0, DueBasis::InvoiceDate).unwrap().label(), "NET0");
        assert_eq!(PaymentTerm::new(365, Decimal::ZERO, 0, DueBasis::ReceiptDate).unwrap().label(), "NET365");
        assert_eq!(PaymentTerm::new(366, Decimal::ZERO, 0, DueBasis::InvoiceDate).unwrap_err(), "net_days must be between 0 and 365 (is 366)");
        assert_eq!(PaymentTerm::new(30, dec!(2), 30, DueBasis::InvoiceDate).unwrap_err(), "discount_days must be below net_days (30)");
        assert_eq!(PaymentTerm::new(30, dec!(2), 0, DueBasis::InvoiceDate).unwrap_err(), "discount_days must be at least 1 when a discount is given");
        assert_eq!(
            PaymentTerm::new(30, Decimal::ZERO, 10, DueBasis::InvoiceDate).unwrap_err(),
            "discount_days must be 0 when discount_percent is 0 (no discount)"
        );
        assert_eq!(PaymentTerm::new(30, dec!(100), 10, DueBasis::InvoiceDate).unwrap_err(), "discount_percent must be below 100 (is 100)");
        assert_eq!(PaymentTerm::new(30, dec!(-1), 10, DueBasis::InvoiceDate).unwrap_err(), "discount_percent must not be negative (is -1)");
        assert_eq!(PaymentTerm::new(30, dec!(1.755), 10, DueBasis::InvoiceDate).unwrap_err(), "discount_percent has 3 decimal places; at most 2 are allowed");
        assert!(PaymentTerm::new(30, dec!(99.99), 29, DueBasis::InvoiceDate).is_ok());
        assert!(PaymentTerm::new(30, dec!(1.50), 10, DueBasis::InvoiceDate).is_ok(), "trailing zeros are not decimals");
        // Every problem at once.
        let term = PaymentTerm { net_days: 400, discount_percent: dec!(120.123), discount_days: 500, basis: DueBasis::InvoiceDate };
        let fields: Vec<_> = term.validate().unwrap_err().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["net_days", "discount_percent", "discount_percent", "discount_days"]);
    }

    #[test]
    fn payment_terms_parse() {
        let parse = |text| PaymentTerm::parse(text, DueBasis::InvoiceDate);
        assert_eq!(parse("NET30"), Ok(PaymentTerm::net(30)));
        assert_eq!(parse(" net 60 "), Ok(PaymentTerm::net(60)));
        assert_eq!(parse("2/10 NET30"), PaymentTerm::new(30, dec!(2), 10, DueBasis::InvoiceDate));
        assert_eq!(parse("1.5/15 NET 45"), PaymentTerm::new(45, dec!(1.5), 15, DueBasis::InvoiceDate));
        assert_eq!(parse("2%/10 net30"), PaymentTerm::new(30, dec!(2), 10, DueBasis::InvoiceDate));
        assert_eq!(parse("2 / 10 NET 30"), PaymentTerm::new(30, dec!(2), 10, DueBasis::InvoiceDate));
        assert_eq!(PaymentTerm::parse("NET30", DueBasis::ReceiptDate).unwrap().basis, DueBasis::ReceiptDate);
        for bad in ["", "30", "NET", "NET-30", "NET 3O", "NET30 days", "2/NET30", "/10 NET30", "x/10 NET30", "2/10", "2/10 30", "N30"] {
            assert!(parse(bad).unwrap_err().starts_with("is not a payment term;"), "{bad}");
        }
        assert_eq!(parse("NET99999").unwrap_err(), "has net days that are not a whole number from 0 to 365");
        assert_eq!(parse("NET400").unwrap_err(), "net_days must be between 0 and 365 (is 400)");
        assert_eq!(parse("2/30 NET30").unwrap_err(), "discount_days must be below net_days (30)");
        assert_eq!(parse("0/0 NET30"), Ok(PaymentTerm::net(30)), "a zero discount is no discount");
    }

    #[test]
    fn po_terms_convert() {
        assert_eq!(PaymentTerm::from(PaymentTerms::Net30), PaymentTerm::net(30));
        assert_eq!(PaymentTerm::from(PaymentTerms::Net60).label(), "NET60");
        assert_eq!(PaymentTerm::from(PaymentTerms::Net90).to_string(), "NET90");
    }

    #[test]
    fn tolerance() {
        assert_eq!(Tolerance::default(), Tolerance { absolute: dec!(1.00), percent: dec!(1) });
        assert_eq!(Tolerance::default().amount(dec!(125)), dec!(1.25));
        assert_eq!(Tolerance::default().amount(dec!(50)), dec!(1));
        assert_eq!(Tolerance::default().amount(dec!(12.34567)), dec!(1), "absolute wins for small lines");
        assert_eq!(Tolerance { absolute: Decimal::ZERO, percent: dec!(0.5) }.amount(dec!(0.0125)), dec!(0.0001), "scale 4, half-even");
        assert!(Tolerance::new(dec!(0), dec!(100)).is_ok());
        assert_eq!(Tolerance::new(dec!(-1), dec!(101)).unwrap_err(), "absolute must not be negative (is -1); percent must be at most 100 (is 101)");
        assert_eq!(Tolerance::new(dec!(0.00001), dec!(1)).unwrap_err(), "absolute has 5 decimal places; at most 4 are allowed");
    }

    #[test]
    fn default_schedule_is_domain_md() {
        let schedule = ChargebackSchedule::default();
        assert_eq!(schedule.validate(), Ok(()));
        let fee = |rate: Decimal| schedule.asn_tier(rate).unwrap().fee_percent;
        assert_eq!(fee(dec!(100)), dec!(0));
        assert_eq!(fee(dec!(95)), dec!(0));
        assert_eq!(fee(dec!(94.99)), dec!(2));
        assert_eq!(fee(dec!(90)), dec!(2));
        assert_eq!(fee(dec!(89.9999)), dec!(4));
        assert_eq!(fee(dec!(80)), dec!(4));
        assert_eq!(fee(dec!(79.9)), dec!(6));
        assert_eq!(fee(dec!(0)), dec!(6));
        assert_eq!(fee(dec!(-5)), dec!(6), "below every minimum: the last tier");
        assert_eq!(schedule.carton_defect_fee, dec!(2.60));
        assert_eq!(ChargebackSchedule { asn_tiers: vec![], ..schedule }.asn_tier(dec!(50)), None);
    }

    #[test]
    fn schedule_problems_name_their_field() {
        let mut schedule = ChargebackSchedule::default();
        schedule.asn_tiers[2].fee_percent = dec!(-4);
        schedule.asn_tiers[1].min_on_time_percent = dec!(96);
        schedule.asn_tiers[3].min_on_time_percent = dec!(10);
        schedule.late_percent = dec!(300);
        schedule.carton_defect_fee = dec!(-2.6);
        let issues = schedule.validate().unwrap_err();
        assert_eq!(
            issues,
            vec![
                ("asn_tiers[1].min_on_time_percent", "must be below the previous tier's 95 (tiers go from the highest on-time rate down)".to_string()),
                ("asn_tiers[2].fee_percent", "must not be negative (is -4)".to_string()),
                ("asn_tiers[3].min_on_time_percent", "must be 0 in the last tier, so every on-time rate has a fee".to_string()),
                ("late_percent", "must be at most 100 (is 300)".to_string()),
                ("carton_defect_fee", "must not be negative (is -2.6)".to_string()),
            ]
        );
        let many = ChargebackSchedule {
            asn_tiers: (0..12).rev().map(|i| AsnTier { min_on_time_percent: Decimal::from(i * 5), fee_percent: Decimal::ONE }).collect(),
            ..ChargebackSchedule::default()
        };
        assert_eq!(many.validate().unwrap_err(), vec![("asn_tiers", "has 12 tiers; at most 10 are allowed".to_string())]);
        let none = ChargebackSchedule { asn_tiers: vec![], ..ChargebackSchedule::default() };
        assert_eq!(none.validate().unwrap_err()[0].0, "asn_tiers");
    }

    #[test]
    fn terms_validate_every_field() {
        let terms = Terms::default_for(" usd ");
        assert_eq!(terms.currency, "USD");
        assert_eq!(terms.payment.label(), "NET30");
        assert_eq!(terms.payment.basis, DueBasis::InvoiceDate);
        assert_eq!(terms.validate(), Ok(()));

        let mut bad = terms.clone();
        bad.payment.discount_percent = dec!(2);
        bad.payment.discount_days = 45;
        bad.tolerance.percent = dec!(101);
        bad.coop_percent = dec!(-1);
        bad.chargebacks.asn_tiers[2].fee_percent = dec!(140);
        bad.currency = "usd".into();
        let fields: Vec<_> = bad.validate().unwrap_err().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["payment.discount_days", "tolerance.percent", "coop_percent", "chargebacks.asn_tiers[2].fee_percent", "currency"]);
        assert_eq!(Terms { currency: "XYZ".into(), ..terms }.validate().unwrap_err()[0].0, "currency");
    }

    #[test]
    fn version_in_force() {
        let version = |version, effective_from| TermsVersion { version, effective_from, terms: Terms::default_for("USD") };
        let versions = [version(1, date(2026, 1, 1)), version(3, date(2026, 6, 1)), version(2, date(2026, 6, 1)), version(4, date(2027, 1, 1))];
        assert_eq!(in_force(&versions, date(2025, 12, 31)), None);
        assert_eq!(in_force(&versions, date(2026, 1, 1)).unwrap().version, 1);
        assert_eq!(in_force(&versions, date(2026, 5, 31)).unwrap().version, 1);
        assert_eq!(in_force(&versions, date(2026, 6, 1)).unwrap().version, 3, "same day: the higher version");
        assert_eq!(in_force(&versions, date(2026, 12, 31)).unwrap().version, 3);
        assert_eq!(in_force(&versions, date(2030, 1, 1)).unwrap().version, 4);
        assert_eq!(in_force(&[], date(2026, 1, 1)), None);
    }

    #[test]
    fn serde_round_trip() {
        let terms = Terms { payment: PaymentTerm::new(45, dec!(1.5), 15, DueBasis::ReceiptDate).unwrap(), ..Terms::default_for("EUR") };
        let json = serde_json::to_value(&terms).unwrap();
        assert_eq!(json["payment"]["basis"], "receipt_date");
        assert_eq!(json["payment"]["discount_percent"], "1.5");
        assert_eq!(json["chargebacks"]["carton_defect_fee"], "2.60");
        assert_eq!(serde_json::from_value::<Terms>(json.clone()).unwrap(), terms);
        // A version stored before forecasting existed has no `planning`: it reads as nothing set.
        let mut old = json;
        old.as_object_mut().unwrap().remove("planning");
        assert_eq!(serde_json::from_value::<Terms>(old).unwrap().planning, AgreementPlanning::default());
    }

    #[test]
    fn planning_defaults_are_validated_with_their_path() {
        let mut terms = Terms::default_for("USD");
        terms.planning.vmi = true;
        terms.planning.defaults.lead_time_weeks = Some(0);
        terms.planning.defaults.service_target = Some(dec!(1.5));
        let fields: Vec<_> = terms.validate().unwrap_err().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["planning.lead_time_weeks", "planning.service_target"]);
    }

    proptest! {
        #[test]
        fn labels_parse_back(net in 0u16..=365, cents in 0u32..10_000, days in 0u16..365, receipt in any::<bool>()) {
            let basis = if receipt { DueBasis::ReceiptDate } else { DueBasis::InvoiceDate };
            let percent = Decimal::new(i64::from(cents), 2);
            if let Ok(term) = PaymentTerm::new(net, percent, days, basis) {
                prop_assert_eq!(PaymentTerm::parse(&term.label(), basis), Ok(term.clone()));
                prop_assert_eq!(PaymentTerm::parse(&term.label().to_lowercase(), basis), Ok(term));
            }
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,20}|[0-9./% NETnet]{0,16}") {
            if let Ok(term) = PaymentTerm::parse(&text, DueBasis::InvoiceDate) {
                prop_assert_eq!(term.validate(), Ok(()));
            }
        }

        #[test]
        fn every_rate_has_one_tier(e2 in -1_000i64..20_000) {
            let rate = Decimal::new(e2, 2);
            let schedule = ChargebackSchedule::default();
            let tier = schedule.asn_tier(rate).unwrap();
            prop_assert!(rate < Decimal::ZERO || rate >= tier.min_on_time_percent);
        }
    }
}
