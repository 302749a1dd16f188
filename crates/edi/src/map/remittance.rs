//! Remittance advice out: X12 820 from a payment run's remittance to one vendor.
//!
//! `BPR*I` (remittance information only: the money moves by the run's bank file) with the total, `C` credit,
//! the payment method and the pay date (BPR16); `TRN*1` with the remittance number; `CUR*PR`; `N1*PR` (the
//! payer) and `N1*PE` (the vendor, `92` vendor code); then one `ENT` entity with an `ADX` per deduction or
//! credit (the 820 puts entity-level adjustments before the invoices) and an `RMR*IV` per invoice: amount paid,
//! invoice amount and the early-pay discount taken. Amounts are written exactly as the remittance holds them
//! (no rounding); a deduction reduces the payment, so its `ADX01` is negative, as the standard reads it.

use acorn_domain::deductions::DeductionKind;
use acorn_domain::money::format_amount;
use acorn_domain::payments::RemittanceLineKind;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{OutboundError, ccyymmdd};
use crate::writer::{Value, Writer};

/// How the money reaches the vendor (BPR04, 591).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Ach,
    Wire,
    Check,
    /// The 820 carries no payment information.
    NotStated,
}

impl PaymentMethod {
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Ach => "ACH",
            PaymentMethod::Wire => "FWT",
            PaymentMethod::Check => "CHK",
            PaymentMethod::NotStated => "NON",
        }
    }
}

/// A remittance to send, as ACORN's payment run made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemittanceDocument {
    /// The remittance number (TRN02), what the vendor quotes in questions.
    pub number: String,
    pub payer_name: String,
    pub payee_name: String,
    pub vendor_code: String,
    pub currency: String,
    pub pay_date: NaiveDate,
    /// What is paid: the sum of the entries.
    pub total: Decimal,
    pub method: PaymentMethod,
    pub entries: Vec<RemittanceEntry>,
}

/// One line of the remittance; `amount` is signed as it counts towards the payment (invoice and credit +,
/// discount and deduction −), as ACORN's remittance lines are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemittanceEntry {
    pub kind: RemittanceLineKind,
    /// The number the vendor knows: invoice number (for a discount, its invoice's), deduction number.
    pub reference: String,
    pub amount: Decimal,
    /// For a deduction: what kind, which names the reason (ADX02).
    pub deduction_kind: Option<DeductionKind>,
}

/// ADX02 (426) reason per deduction kind; a deduction of unknown kind is `16` (non-invoice related
/// allowance/charge), a credit (a dispute's reversal paid back) is `53` (remittance for previous underpayment).
pub const ADX_REASONS: &[(DeductionKind, &str, &str)] = &[
    (DeductionKind::Shortage, "59", "Item not received"),
    (DeductionKind::PriceClaim, "01", "Pricing Error"),
    (DeductionKind::Chargeback, "16", "Non-Invoice Related Allowance/Charge"),
    (DeductionKind::Coop, "56", "Advertising Allowance Taken"),
    (DeductionKind::FreightAllowance, "54", "Freight Deducted"),
    (DeductionKind::DamageAllowance, "04", "Item Not Accepted - Damaged"),
    (DeductionKind::DealFunding, "16", "Non-Invoice Related Allowance/Charge"),
    (DeductionKind::ReturnDebit, "72", "Authorized Return"),
];

/// The ADX02 reason of an entry that is an adjustment.
fn reason(entry: &RemittanceEntry) -> &'static str {
    match entry.kind {
        RemittanceLineKind::Credit => "53",
        _ => entry.deduction_kind.and_then(|k| ADX_REASONS.iter().find(|(d, _, _)| *d == k)).map_or("16", |&(_, code, _)| code),
    }
}

/// An invoice with the discount taken on it.
struct Paid<'a> {
    reference: &'a str,
    amount: Decimal,
    discount: Decimal,
}

/// Writes one X12 820 (4010) set for `doc` with set control number `control`.
pub fn write_820(w: &mut Writer, doc: &RemittanceDocument, control: &str) -> Result<(), OutboundError> {
    let money = |v: Decimal| format_amount(v, &doc.currency);
    let mut invoices: Vec<Paid<'_>> = Vec::new();
    for entry in &doc.entries {
        match entry.kind {
            RemittanceLineKind::Invoice => invoices.push(Paid { reference: &entry.reference, amount: entry.amount, discount: Decimal::ZERO }),
            RemittanceLineKind::Discount => match invoices.iter_mut().rev().find(|p| p.reference == entry.reference) {
                Some(paid) => paid.discount = paid.discount.saturating_add(entry.amount.abs()),
                None => {
                    return Err(OutboundError::Data(format!(
                        "remittance {}: the discount on invoice {} comes before (or without) the invoice; an 820 reports a discount on its invoice's RMR",
                        doc.number, entry.reference
                    )));
                }
            },
            RemittanceLineKind::Deduction | RemittanceLineKind::Credit => {}
        }
    }
    w.begin_set("820", control, "")?;
    let mut bpr = vec![String::from("I"), money(doc.total), "C".into(), doc.method.code().into()];
    bpr.resize(15, String::new());
    bpr.push(ccyymmdd(doc.pay_date));
    w.segment("BPR", &bpr.iter().map(Value::from).collect::<Vec<_>>())?;
    w.segment("TRN", &["1", doc.number.as_str()].map(Value::from))?;
    w.segment("CUR", &["PR", doc.currency.as_str()].map(Value::from))?;
    w.segment("N1", &["PR", doc.payer_name.as_str()].map(Value::from))?;
    w.segment("N1", &["PE", doc.payee_name.as_str(), "92", doc.vendor_code.as_str()].map(Value::from))?;
    w.segment("ENT", &[Value::from("1")])?;
    for entry in doc.entries.iter().filter(|e| matches!(e.kind, RemittanceLineKind::Deduction | RemittanceLineKind::Credit)) {
        w.segment("ADX", &[money(entry.amount), reason(entry).to_string(), "ZZ".into(), entry.reference.clone()].map(Value::from))?;
    }
    for paid in &invoices {
        let mut rmr = vec![String::from("IV"), paid.reference.to_string(), String::new(), money(paid.amount.saturating_sub(paid.discount)), money(paid.amount)];
        if !paid.discount.is_zero() {
            rmr.push(money(paid.discount));
        }
        w.segment("RMR", &rmr.iter().map(Value::from).collect::<Vec<_>>())?;
    }
    Ok(w.end_set()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::po::tests::{group, header};
    use crate::map::testing::segments;
    use crate::map::x12_interchange;
    use rust_decimal::dec;

    fn entry(kind: RemittanceLineKind, reference: &str, amount: Decimal, deduction_kind: Option<DeductionKind>) -> RemittanceEntry {
        RemittanceEntry { kind, reference: reference.into(), amount, deduction_kind }
    }

    fn remittance() -> RemittanceDocument {
        use RemittanceLineKind::*;
        RemittanceDocument {
            number: "RA-2026-0481".into(),
            payer_name: "ACORN RETAIL".into(),
            payee_name: "ACME WIDGETS INC".into(),
            vendor_code: "ACME1".into(),
            currency: "USD".into(),
            pay_date: "2026-12-15".parse().unwrap(),
            total: dec!(1878.80),
            method: PaymentMethod::Ach,
            entries: vec![
                entry(Invoice, "INV-10077", dec!(1024.75), None),
                entry(Discount, "INV-10077", dec!(-20.50), None),
                entry(Invoice, "INV-10078", dec!(960.00), None),
                entry(Credit, "DED-0007", dec!(12.05), None),
                entry(Deduction, "DED-0031", dec!(-60.00), Some(DeductionKind::Shortage)),
                entry(Deduction, "DED-0032", dec!(-37.50), Some(DeductionKind::PriceClaim)),
            ],
        }
    }

    fn fields(all: &[crate::Segment<'_>], tag: &str) -> Vec<Vec<String>> {
        all.iter().filter(|s| s.is(tag)).map(|s| s.elements().map(|e| e.text().into_owned()).collect()).collect()
    }

    #[test]
    fn an_820_is_written_and_reads_back() {
        let out = x12_interchange(&header("00401"), &group("RA"), &[remittance()], write_820).unwrap();
        let report = crate::envelope::check(&out).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let text = String::from_utf8(out).unwrap();
        let all = segments(&text);
        let tags: Vec<_> = all.iter().map(|s| s.tag_str().into_owned()).collect();
        assert_eq!(tags, ["ISA", "GS", "ST", "BPR", "TRN", "CUR", "N1", "N1", "ENT", "ADX", "ADX", "ADX", "RMR", "RMR", "SE", "GE", "IEA"]);
        let bpr = &fields(&all, "BPR")[0];
        assert_eq!(
            (bpr[0].as_str(), bpr[1].as_str(), bpr[2].as_str(), bpr[3].as_str(), bpr.len(), bpr[15].as_str()),
            ("I", "1878.80", "C", "ACH", 16, "20261215")
        );
        assert_eq!(fields(&all, "TRN"), [["1", "RA-2026-0481"]]);
        assert_eq!(fields(&all, "N1"), [vec!["PR", "ACORN RETAIL"], vec!["PE", "ACME WIDGETS INC", "92", "ACME1"]]);
        assert_eq!(fields(&all, "ADX"), [["12.05", "53", "ZZ", "DED-0007"], ["-60.00", "59", "ZZ", "DED-0031"], ["-37.50", "01", "ZZ", "DED-0032"]]);
        assert_eq!(fields(&all, "RMR"), [vec!["IV", "INV-10077", "", "1004.25", "1024.75", "20.50"], vec!["IV", "INV-10078", "", "960.00", "960.00"]]);
        // The advice adds up: paid invoices + adjustments = BPR02.
        let paid: Decimal = fields(&all, "RMR").iter().map(|r| r[3].parse::<Decimal>().unwrap()).sum();
        let adjusted: Decimal = fields(&all, "ADX").iter().map(|a| a[0].parse::<Decimal>().unwrap()).sum();
        assert_eq!(paid + adjusted, dec!(1878.80));
        assert_eq!(fields(&all, "SE"), [["13", "0001"]]);
    }

    #[test]
    fn a_discount_without_its_invoice_is_refused() {
        let mut doc = remittance();
        doc.entries.swap(0, 1);
        let err = x12_interchange(&header("00401"), &group("RA"), &[doc], write_820).unwrap_err();
        assert!(err.to_string().starts_with("remittance RA-2026-0481: the discount on invoice INV-10077 comes before"), "{err}");
    }
}
