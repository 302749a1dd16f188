//! Paying vendors: when an invoice is due, what paying early earns, how late an unpaid invoice is (aging), and how a
//! payment run nets approved invoices against open deductions into one remittance.
//!
//! DOMAIN.md "Payment": due date = invoice date (or receipt date, per agreement) + net days; an early-pay discount
//! if paid within its window; a run is in one currency (no FX) and pays approved invoices minus open deductions,
//! with a remittance listing every invoice, deduction and adjustment line.
//!
//! Netting never sends a negative payment: deductions are applied oldest first while there is money to apply them
//! to; the one that would take the run below zero is applied in part (down to exactly zero) and the rest of it, and
//! every later deduction, stays open for the next run. Netting does not round: the amounts it gets are already
//! ledger amounts, and the remittance must add up to the cent.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::{percent_of, round_ledger};
use crate::terms::{DueBasis, PaymentTerm};
use crate::text_enum;

/// The date the terms count from: the invoice date, or for receipt-date terms the later of the invoice date and
/// the last receipt (goods invoiced ahead of arrival count from arrival; an invoice sent long after the goods from
/// its own date). `None` for receipt-date terms while nothing is received.
pub fn basis_date(term: &PaymentTerm, invoice_date: NaiveDate, last_receipt_date: Option<NaiveDate>) -> Option<NaiveDate> {
    match term.basis {
        DueBasis::InvoiceDate => Some(invoice_date),
        DueBasis::ReceiptDate => last_receipt_date.map(|received| received.max(invoice_date)),
    }
}

/// The due date: the basis date + net days. `None` while a receipt-date invoice has no receipt (or past the end of
/// the calendar).
pub fn due_date(term: &PaymentTerm, invoice_date: NaiveDate, last_receipt_date: Option<NaiveDate>) -> Option<NaiveDate> {
    basis_date(term, invoice_date, last_receipt_date)?.checked_add_days(Days::new(u64::from(term.net_days)))
}

/// The last day paying earns the early-pay discount: the basis date + discount days. `None` without a discount or
/// while the basis date is unknown.
pub fn discount_deadline(term: &PaymentTerm, invoice_date: NaiveDate, last_receipt_date: Option<NaiveDate>) -> Option<NaiveDate> {
    if !term.has_discount() {
        return None;
    }
    basis_date(term, invoice_date, last_receipt_date)?.checked_add_days(Days::new(u64::from(term.discount_days)))
}

/// The early-pay discount on `amount` when paid on `pay_date`: the term's percent of it, rounded half-even to the
/// minor unit, if `pay_date` is on or before the basis date + discount days; otherwise 0. Only a positive amount
/// earns a discount (a credit note is not paid early).
pub fn early_pay_discount(term: &PaymentTerm, basis_date: NaiveDate, pay_date: NaiveDate, amount: Decimal, currency: &str) -> Decimal {
    let in_window = basis_date.checked_add_days(Days::new(u64::from(term.discount_days))).is_some_and(|deadline| pay_date <= deadline);
    if !term.has_discount() || !in_window || amount <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    round_ledger(percent_of(amount, term.discount_percent), currency)
}

text_enum! {
    /// How far past its due date an unpaid invoice is.
    pub enum AgingBucket {
        /// Not yet due, or due today.
        Current = "current",
        Days1To30 = "1_30",
        Days31To60 = "31_60",
        Days61To90 = "61_90",
        Over90 = "90_plus",
    }
}

/// The aging bucket of an invoice due on `due`, seen on `today`.
pub fn aging_bucket(due: NaiveDate, today: NaiveDate) -> AgingBucket {
    match (today - due).num_days() {
        ..=0 => AgingBucket::Current,
        1..=30 => AgingBucket::Days1To30,
        31..=60 => AgingBucket::Days31To60,
        61..=90 => AgingBucket::Days61To90,
        _ => AgingBucket::Over90,
    }
}

/// An approved invoice in a payment run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payable {
    pub invoice_id: Uuid,
    /// The approved amount (the line claims are separate deductions, not taken off here).
    pub amount: Decimal,
    /// The early-pay discount earned ([`early_pay_discount`]); 0 when none.
    pub discount: Decimal,
}

/// A deduction still open, with the amount not yet recovered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDeduction {
    pub id: Uuid,
    pub amount: Decimal,
}

/// Money owed back to the vendor, e.g. a dispute's reversal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub id: Uuid,
    pub amount: Decimal,
}

text_enum! {
    /// What a remittance line is.
    pub enum RemittanceLineKind { Invoice = "invoice", Discount = "discount", Deduction = "deduction", Credit = "credit" }
}

/// One line of the remittance; `amount` is signed as it counts towards the payment (invoice and credit +,
/// discount and deduction −).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemittanceLine {
    pub kind: RemittanceLineKind,
    /// The invoice, deduction or credit concerned (a discount line names its invoice).
    pub reference: Uuid,
    pub amount: Decimal,
}

/// What a payment run pays one payee, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPlan {
    /// Every invoice (each followed by its discount, if any), then every credit, then the deductions applied.
    pub lines: Vec<RemittanceLine>,
    /// The sum of the lines: the amount paid, never negative.
    pub total: Decimal,
    /// Deductions (or the rest of one) left open for a later run, with the amount left.
    pub deferred: Vec<(Uuid, Decimal)>,
}

impl PaymentPlan {
    /// How much of a deduction this run recovers (0 if it was deferred whole or is not in the run).
    pub fn applied(&self, deduction: Uuid) -> Decimal {
        self.lines
            .iter()
            .filter(|line| line.kind == RemittanceLineKind::Deduction && line.reference == deduction)
            .fold(Decimal::ZERO, |sum, line| sum.saturating_sub(line.amount))
    }
}

/// Nets a payee's approved invoices, their discounts and credits against its open deductions (given oldest first).
///
/// Amounts are magnitudes: a negative amount counts as 0 and a discount is kept within 0 and its invoice's amount, so
/// a corrupt row cannot make the run pay out a deduction. A credit is money owed like an invoice, so open
/// deductions net against credits too; with credits alone (and nothing to deduct) the credits are paid.
pub fn net_payment(payables: &[Payable], deductions: &[OpenDeduction], credits: &[Credit]) -> PaymentPlan {
    let mut lines = Vec::new();
    let mut available = Decimal::ZERO;
    for payable in payables {
        let amount = payable.amount.max(Decimal::ZERO);
        let discount = payable.discount.clamp(Decimal::ZERO, amount);
        lines.push(RemittanceLine { kind: RemittanceLineKind::Invoice, reference: payable.invoice_id, amount });
        if discount > Decimal::ZERO {
            lines.push(RemittanceLine { kind: RemittanceLineKind::Discount, reference: payable.invoice_id, amount: -discount });
        }
        available = available.saturating_add(amount - discount);
    }
    for credit in credits {
        let amount = credit.amount.max(Decimal::ZERO);
        lines.push(RemittanceLine { kind: RemittanceLineKind::Credit, reference: credit.id, amount });
        available = available.saturating_add(amount);
    }
    let mut deferred = Vec::new();
    for deduction in deductions {
        let open = deduction.amount.max(Decimal::ZERO);
        let applied = open.min(available);
        if applied > Decimal::ZERO {
            lines.push(RemittanceLine { kind: RemittanceLineKind::Deduction, reference: deduction.id, amount: -applied });
            available -= applied; // applied ≤ available: cannot go below zero
        }
        if open > applied {
            deferred.push((deduction.id, open - applied));
        }
    }
    let total = lines.iter().fold(Decimal::ZERO, |sum, line| sum.saturating_add(line.amount));
    PaymentPlan { lines, total, deferred }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn due_dates() {
        let net30 = PaymentTerm::net(30);
        assert_eq!(due_date(&net30, date(2026, 1, 15), None), Some(date(2026, 2, 14)));
        assert_eq!(due_date(&net30, date(2026, 1, 15), Some(date(2026, 3, 1))), Some(date(2026, 2, 14)), "invoice basis ignores receipts");
        let receipt = PaymentTerm { basis: DueBasis::ReceiptDate, ..PaymentTerm::net(60) };
        assert_eq!(due_date(&receipt, date(2026, 1, 15), None), None, "nothing received yet");
        assert_eq!(due_date(&receipt, date(2026, 1, 15), Some(date(2026, 1, 20))), Some(date(2026, 3, 21)));
        assert_eq!(due_date(&receipt, date(2026, 1, 15), Some(date(2026, 1, 10))), Some(date(2026, 3, 16)), "invoice after receipt");
        assert_eq!(due_date(&PaymentTerm::net(0), date(2026, 1, 15), None), Some(date(2026, 1, 15)));
        assert_eq!(due_date(&PaymentTerm::net(30), NaiveDate::MAX, None), None);
    }

    #[test]
    fn early_pay_discounts() {
        let term = PaymentTerm::new(30, dec!(2), 10, DueBasis::InvoiceDate).unwrap();
        let invoiced = date(2026, 3, 1);
        assert_eq!(discount_deadline(&term, invoiced, None), Some(date(2026, 3, 11)));
        assert_eq!(discount_deadline(&PaymentTerm::net(30), invoiced, None), None);
        let receipt = PaymentTerm { basis: DueBasis::ReceiptDate, ..term.clone() };
        assert_eq!(discount_deadline(&receipt, invoiced, None), None);
        assert_eq!(discount_deadline(&receipt, invoiced, Some(date(2026, 3, 5))), Some(date(2026, 3, 15)));

        assert_eq!(early_pay_discount(&term, invoiced, date(2026, 3, 11), dec!(1000), "USD"), dec!(20.00), "on the last day");
        assert_eq!(early_pay_discount(&term, invoiced, date(2026, 3, 12), dec!(1000), "USD"), dec!(0), "a day late");
        assert_eq!(early_pay_discount(&term, invoiced, date(2026, 2, 20), dec!(1000), "USD"), dec!(20), "before the basis date");
        // 2 % of 100.625 = 2.0125 → 2.01; half-even: 1.5 % of 15 = 0.225 → 0.22, JPY 2 % of 1025 = 20.5 → 20.
        assert_eq!(early_pay_discount(&term, invoiced, invoiced, dec!(100.625), "USD"), dec!(2.01));
        let one_and_half = PaymentTerm::new(45, dec!(1.5), 15, DueBasis::InvoiceDate).unwrap();
        assert_eq!(early_pay_discount(&one_and_half, invoiced, invoiced, dec!(15), "EUR"), dec!(0.22));
        assert_eq!(early_pay_discount(&term, invoiced, invoiced, dec!(1025), "JPY"), dec!(20));
        assert_eq!(early_pay_discount(&term, invoiced, invoiced, dec!(1.0625), "KWD"), dec!(0.021));
        assert_eq!(early_pay_discount(&PaymentTerm::net(30), invoiced, invoiced, dec!(1000), "USD"), dec!(0));
        assert_eq!(early_pay_discount(&term, invoiced, invoiced, dec!(-1000), "USD"), dec!(0), "no discount on a credit");
        assert_eq!(early_pay_discount(&term, NaiveDate::MAX, NaiveDate::MAX, dec!(1000), "USD"), dec!(0), "no panic at the calendar's end");
    }

    #[test]
    fn aging() {
        let due = date(2026, 3, 31);
        assert_eq!(aging_bucket(due, date(2026, 3, 1)), AgingBucket::Current);
        assert_eq!(aging_bucket(due, due), AgingBucket::Current);
        assert_eq!(aging_bucket(due, date(2026, 4, 1)), AgingBucket::Days1To30);
        assert_eq!(aging_bucket(due, date(2026, 4, 30)), AgingBucket::Days1To30);
        assert_eq!(aging_bucket(due, date(2026, 5, 1)), AgingBucket::Days31To60);
        assert_eq!(aging_bucket(due, date(2026, 5, 30)), AgingBucket::Days31To60);
        assert_eq!(aging_bucket(due, date(2026, 5, 31)), AgingBucket::Days61To90);
        assert_eq!(aging_bucket(due, date(2026, 6, 29)), AgingBucket::Days61To90);
        assert_eq!(aging_bucket(due, date(2026, 6, 30)), AgingBucket::Over90);
        assert_eq!(aging_bucket(NaiveDate::MIN, NaiveDate::MAX), AgingBucket::Over90);
        assert_eq!(AgingBucket::TEXTS, ["current", "1_30", "31_60", "61_90", "90_plus"]);
    }

    #[test]
    fn netting_applies_oldest_first_and_defers_the_rest() {
        let payables =
            [Payable { invoice_id: id(1), amount: dec!(1000), discount: dec!(20) }, Payable { invoice_id: id(2), amount: dec!(200), discount: dec!(0) }];
        let deductions =
            [OpenDeduction { id: id(10), amount: dec!(300) }, OpenDeduction { id: id(11), amount: dec!(1000) }, OpenDeduction { id: id(12), amount: dec!(5) }];
        let credits = [Credit { id: id(20), amount: dec!(50) }];
        let plan = net_payment(&payables, &deductions, &credits);
        let line = |kind, reference, amount| RemittanceLine { kind, reference, amount };
        use RemittanceLineKind::{Deduction, Discount, Invoice};
        assert_eq!(
            plan.lines,
            [
                line(Invoice, id(1), dec!(1000)),
                line(Discount, id(1), dec!(-20)),
                line(Invoice, id(2), dec!(200)),
                line(RemittanceLineKind::Credit, id(20), dec!(50)),
                line(Deduction, id(10), dec!(-300)),
                line(Deduction, id(11), dec!(-930)),
            ]
        );
        assert_eq!(plan.total, dec!(0));
        assert_eq!(plan.deferred, [(id(11), dec!(70)), (id(12), dec!(5))], "the rest of 11, and 12 whole though it would fit");
        assert_eq!(plan.applied(id(11)), dec!(930));
        assert_eq!(plan.applied(id(12)), dec!(0));

        let roomy = net_payment(&payables, &deductions[..1], &[]);
        assert_eq!(roomy.total, dec!(880));
        assert!(roomy.deferred.is_empty());
    }

    #[test]
    fn netting_edge_cases() {
        let credits = [Credit { id: id(20), amount: dec!(50) }, Credit { id: id(21), amount: dec!(25.5) }];
        let plan = net_payment(&[], &[], &credits);
        assert_eq!(plan.total, dec!(75.5), "credits alone are paid");
        assert_eq!(plan.lines.len(), 2);

        let deductions = [OpenDeduction { id: id(10), amount: dec!(30) }];
        let nothing = net_payment(&[], &deductions, &[]);
        assert_eq!((nothing.total, nothing.lines.len()), (dec!(0), 0));
        assert_eq!(nothing.deferred, [(id(10), dec!(30))]);

        let against_credit = net_payment(&[], &deductions, &credits[..1]);
        assert_eq!(against_credit.total, dec!(20), "open deductions net against credits");

        // Corrupt rows: a negative invoice counts as 0, a discount above its invoice is capped, a negative deduction is nothing.
        let odd = net_payment(
            &[Payable { invoice_id: id(1), amount: dec!(-100), discount: dec!(5) }, Payable { invoice_id: id(2), amount: dec!(10), discount: dec!(15) }],
            &[OpenDeduction { id: id(10), amount: dec!(-5) }],
            &[Credit { id: id(20), amount: dec!(-1) }],
        );
        assert_eq!(odd.total, dec!(0));
        assert!(odd.deferred.is_empty());
        assert_eq!(odd.lines.iter().filter(|line| line.kind == RemittanceLineKind::Discount).map(|line| line.amount).collect::<Vec<_>>(), [dec!(-10)]);
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (0i64..100_000_000).prop_map(|cents| Decimal::new(cents, 2))
    }

    fn run() -> impl Strategy<Value = (Vec<Payable>, Vec<OpenDeduction>, Vec<Credit>)> {
        let payable = (any::<u128>(), amount(), 0u32..=10).prop_map(|(n, amount, percent)| Payable {
            invoice_id: Uuid::from_u128(n),
            amount,
            discount: round_ledger(percent_of(amount, Decimal::from(percent)), "USD"),
        });
        let deduction = (any::<u128>(), amount()).prop_map(|(n, amount)| OpenDeduction { id: Uuid::from_u128(n), amount });
        let credit = (any::<u128>(), amount()).prop_map(|(n, amount)| Credit { id: Uuid::from_u128(n), amount });
        (prop::collection::vec(payable, 0..6), prop::collection::vec(deduction, 0..8), prop::collection::vec(credit, 0..3))
    }

    proptest! {
        #[test]
        fn netting_adds_up((payables, deductions, credits) in run()) {
            let plan = net_payment(&payables, &deductions, &credits);
            prop_assert_eq!(plan.total, plan.lines.iter().map(|line| line.amount).sum::<Decimal>());
            prop_assert!(plan.total >= Decimal::ZERO);
            let gross: Decimal = payables.iter().map(|p| p.amount - p.discount).chain(credits.iter().map(|c| c.amount)).sum();
            let open: Decimal = deductions.iter().map(|d| d.amount).sum();
            prop_assert_eq!(plan.total, (gross - open).max(Decimal::ZERO));
            // Walk the deductions in order beside their lines and remainders (both keep the deductions' order).
            let mut deduction_lines = plan.lines.iter().filter(|line| line.kind == RemittanceLineKind::Deduction).peekable();
            let mut deferred = plan.deferred.iter().peekable();
            let mut any_deferred = false;
            for deduction in &deductions {
                let next_line = deduction_lines.peek().map(|line| (line.reference, line.amount));
                let applied = match next_line {
                    Some((reference, amount)) if reference == deduction.id => { deduction_lines.next(); -amount }
                    _ => Decimal::ZERO,
                };
                let next_deferred = deferred.peek().map(|&&(id, left)| (id, left));
                let left = match next_deferred {
                    Some((id, left)) if id == deduction.id && applied + left == deduction.amount => { deferred.next(); left }
                    _ => Decimal::ZERO,
                };
                prop_assert_eq!(applied + left, deduction.amount);
                prop_assert!(applied >= Decimal::ZERO && applied <= deduction.amount);
                if any_deferred {
                    prop_assert_eq!(applied, Decimal::ZERO, "after a deferral, later deductions are deferred whole");
                }
                any_deferred |= left > Decimal::ZERO;
            }
            prop_assert!(deduction_lines.next().is_none() && deferred.next().is_none());
            if gross.is_zero() {
                prop_assert!(plan.lines.iter().all(|line| line.kind != RemittanceLineKind::Deduction));
            }
        }
    }
}
