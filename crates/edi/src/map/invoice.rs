//! Invoices in: X12 810 and EDIFACT INVOIC D.96A → the invoice the service's `submit_invoice` takes (number,
//! date, PO, currency, lines with eaches and cost per each, charges / allowances / tax, the vendor's total),
//! plus the payment terms the invoice states.
//!
//! Amounts stay exact: X12 `N2` amounts (`TDS01`, `SAC05`) have two implied decimals and are read as integers
//! of cents; `R` amounts and EDIFACT amounts are read as decimal text. Nothing is recomputed or rounded: the
//! total is the vendor's, and the service compares it with its own.
//!
//! ACORN keeps charges, allowances and tax per invoice, so line-level `SAC` / `ALC` are carried as invoice-level
//! adjustments whose description names the line (the total is the same). Tax given both per line and in the
//! summary is one tax told twice: the summary wins. SAC and ALC codes map to Amazon's charge and allowance types
//! by the tables [`SAC_CODES`] and [`ALC_CODES`]; codes outside them are refused, not guessed.

use acorn_domain::invoices::{Adjustment, AdjustmentKind, AllowanceType, ChargeType, InvoiceType, TaxType};
use acorn_domain::orders::QuantityUnit;
use acorn_domain::terms::{DueBasis, PaymentTerm};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::read::{Reader, price_per_each, to_eaches};
use super::{ItemIds, Mapped};
use crate::report::Rule;
use crate::segment::Segment;

/// An invoice or credit note, ready for the service (`NewInvoice`: amounts as `Decimal`, dates as dates).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboundInvoice {
    pub invoice_type: InvoiceType,
    /// BIG02 / BGM 1004.
    pub number: String,
    /// BIG01 / DTM+3 (or +137).
    pub invoice_date: NaiveDate,
    /// BIG04 / RFF+ON.
    pub po_number: String,
    /// A credit note's invoice: REF*OI / RFF+IV.
    pub reference_invoice: Option<String>,
    /// CUR02 / CUX C504 6345; `None`: the PO's currency.
    pub currency: Option<String>,
    /// The terms the invoice states (ITD / PAT); ACORN applies the agreement's, this is for comparison.
    pub terms: Option<PaymentTerm>,
    pub lines: Vec<InboundInvoiceLine>,
    pub adjustments: Vec<Adjustment>,
    /// The vendor's total: TDS01 / MOA+77.
    pub total: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundInvoiceLine {
    /// IT101 / RFF+LI when it is a number; `None`: the service finds the line by the item.
    pub po_line_no: Option<i64>,
    pub item: ItemIds,
    /// Eaches.
    pub quantity: i64,
    /// Cost per each.
    pub unit_cost: Decimal,
}

/// What a charge or allowance code is in ACORN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentMeaning {
    Charge(ChargeType),
    Allowance(AllowanceType),
    /// "Other": an allowance or a charge as the indicator says.
    Either(AllowanceType, ChargeType),
    Tax(TaxType),
}

/// X12 SAC02 (1300) codes ACORN reads.
pub const SAC_CODES: &[(&str, &str, AdjustmentMeaning)] = &[
    ("D240", "Freight", AdjustmentMeaning::Charge(ChargeType::Freight)),
    ("G830", "Shipping and Handling", AdjustmentMeaning::Charge(ChargeType::Freight)),
    ("H090", "Special Handling", AdjustmentMeaning::Charge(ChargeType::SpecialHandlingService)),
    ("D500", "Handling", AdjustmentMeaning::Charge(ChargeType::Service)),
    ("G740", "Service Charge", AdjustmentMeaning::Charge(ChargeType::Service)),
    ("G970", "Small Order", AdjustmentMeaning::Charge(ChargeType::SmallOrder)),
    ("D980", "Insurance", AdjustmentMeaning::Charge(ChargeType::InsurancePlacementCost)),
    ("D920", "Insurance Fee", AdjustmentMeaning::Charge(ChargeType::InsuranceFee)),
    ("A730", "Brokerage or Duty", AdjustmentMeaning::Charge(ChargeType::Duty)),
    ("B870", "Customs", AdjustmentMeaning::Charge(ChargeType::Duty)),
    ("C680", "Environmental Protection Service", AdjustmentMeaning::Charge(ChargeType::EnvironmentalProtectionService)),
    ("H850", "Tax", AdjustmentMeaning::Tax(TaxType::MutuallyDefined)),
    ("C310", "Discount", AdjustmentMeaning::Allowance(AllowanceType::Discount)),
    ("I170", "Trade Discount", AdjustmentMeaning::Allowance(AllowanceType::Discount)),
    ("C000", "Defective Allowance", AdjustmentMeaning::Allowance(AllowanceType::Defective)),
    ("F800", "Promotional Allowance", AdjustmentMeaning::Allowance(AllowanceType::Promotional)),
    ("A260", "Advertising Allowance", AdjustmentMeaning::Allowance(AllowanceType::Promotional)),
    ("B720", "Cooperative Advertising/Merchandising Allowance", AdjustmentMeaning::Allowance(AllowanceType::Promotional)),
    ("B950", "Damaged Merchandise", AdjustmentMeaning::Allowance(AllowanceType::UnsaleableMerchandise)),
    ("H000", "Special Allowance", AdjustmentMeaning::Allowance(AllowanceType::Special)),
    ("F050", "Other (see related description)", AdjustmentMeaning::Either(AllowanceType::Special, ChargeType::Service)),
];

/// EDIFACT ALC C214 7161 codes ACORN reads.
pub const ALC_CODES: &[(&str, &str, AdjustmentMeaning)] = &[
    ("FC", "Freight charge", AdjustmentMeaning::Charge(ChargeType::Freight)),
    ("PC", "Packaging service", AdjustmentMeaning::Charge(ChargeType::Packing)),
    ("ABL", "Packaging surcharge", AdjustmentMeaning::Charge(ChargeType::Packing)),
    ("IN", "Insurance", AdjustmentMeaning::Charge(ChargeType::InsurancePlacementCost)),
    ("SH", "Special handling service", AdjustmentMeaning::Charge(ChargeType::SpecialHandlingService)),
    ("HD", "Handling", AdjustmentMeaning::Charge(ChargeType::Service)),
    ("TX", "Tax", AdjustmentMeaning::Tax(TaxType::MutuallyDefined)),
    ("DI", "Discount", AdjustmentMeaning::Allowance(AllowanceType::Discount)),
    ("TD", "Trade discount", AdjustmentMeaning::Allowance(AllowanceType::Discount)),
    ("QD", "Quantity discount", AdjustmentMeaning::Allowance(AllowanceType::Discount)),
    ("DA", "Defective allowance", AdjustmentMeaning::Allowance(AllowanceType::Defective)),
    ("PAD", "Promotional allowance", AdjustmentMeaning::Allowance(AllowanceType::Promotional)),
    ("AA", "Advertising allowance", AdjustmentMeaning::Allowance(AllowanceType::Promotional)),
    ("UM", "Unsaleable merchandise allowance", AdjustmentMeaning::Allowance(AllowanceType::UnsaleableMerchandise)),
    ("ZZ", "Mutually defined", AdjustmentMeaning::Either(AllowanceType::Special, ChargeType::Service)),
];

/// X12 TXI01 (963) tax types ACORN reads.
pub const TXI_CODES: &[(&str, &str, TaxType)] = &[
    ("ST", "State Sales Tax", TaxType::St),
    ("LS", "State and Local Sales Tax", TaxType::St),
    ("LT", "Local Sales Tax", TaxType::St),
    ("CT", "County Tax", TaxType::St),
    ("VA", "Value Added Tax", TaxType::Vat),
    ("GS", "Goods and Services Tax", TaxType::Gst),
    ("ZZ", "Mutually Defined", TaxType::MutuallyDefined),
];

/// EDIFACT TAX C241 5153 tax types ACORN reads.
pub const TAX_CODES: &[(&str, &str, TaxType)] = &[
    ("VAT", "Value added tax", TaxType::Vat),
    ("GST", "Goods and services tax", TaxType::Gst),
    ("STT", "State/provincial sales tax", TaxType::St),
    ("LOC", "Local sales taxes", TaxType::St),
    ("OTH", "Other taxes", TaxType::MutuallyDefined),
];

/// The kind and type of an adjustment code under an allowance (`A`) or charge (`C`) indicator.
fn resolve(meaning: AdjustmentMeaning, allowance: bool) -> Result<(AdjustmentKind, &'static str), &'static str> {
    match (meaning, allowance) {
        (AdjustmentMeaning::Tax(t), _) => Ok((AdjustmentKind::Tax, t.as_str())),
        (AdjustmentMeaning::Charge(t), false) => Ok((AdjustmentKind::Charge, t.as_str())),
        (AdjustmentMeaning::Allowance(t), true) => Ok((AdjustmentKind::Allowance, t.as_str())),
        (AdjustmentMeaning::Either(a, _), true) => Ok((AdjustmentKind::Allowance, a.as_str())),
        (AdjustmentMeaning::Either(_, c), false) => Ok((AdjustmentKind::Charge, c.as_str())),
        (AdjustmentMeaning::Charge(_), true) => Err("is a charge code, but the indicator makes it an allowance; ACORN has no allowance of that type"),
        (AdjustmentMeaning::Allowance(_), false) => Err("is an allowance code, but the indicator makes it a charge; ACORN has no charge of that type"),
    }
}

/// A line as read, before its unit and pack are known.
struct LineDraft {
    at: usize,
    po_line_no: Option<i64>,
    ids: ItemIds,
    quantity: Option<i64>,
    /// Element and component of the unit (for unit errors).
    unit_at: (usize, usize),
    unit: Option<QuantityUnit>,
    price: Option<Decimal>,
    price_at: (usize, usize),
    per_each: bool,
    pack: Option<i64>,
}

impl LineDraft {
    fn new(at: usize) -> LineDraft {
        LineDraft {
            at,
            po_line_no: None,
            ids: ItemIds::default(),
            quantity: None,
            unit_at: (0, 0),
            unit: None,
            price: None,
            price_at: (0, 0),
            per_each: false,
            pack: None,
        }
    }

    fn finish(self, r: &mut Reader<'_, '_>) -> Option<InboundInvoiceLine> {
        if self.ids.is_empty() && self.po_line_no.is_none() && !r.has_error_at(self.at) {
            r.error(self.at, None, None, Rule::MandatoryElementMissing, "the line names neither an item ACORN reads nor a PO line");
        }
        let unit = self.unit.unwrap_or(QuantityUnit::Eaches);
        let at = |(n, c): (usize, usize)| (Some(n), (c > 0).then_some(c));
        let quantity = match to_eaches(self.quantity?, unit, self.pack) {
            Ok(q) => Some(q),
            Err(e) => {
                let (n, c) = at(self.unit_at);
                r.error(self.at, n, c, Rule::InvalidCode, e);
                None
            }
        };
        let unit_cost = match price_per_each(self.price?, unit, self.per_each, self.pack) {
            Ok(p) => Some(p),
            Err(e) => {
                let (n, c) = at(self.price_at);
                r.error(self.at, n, c, Rule::InvalidNumber, e);
                None
            }
        };
        Some(InboundInvoiceLine { po_line_no: self.po_line_no, item: self.ids, quantity: quantity?, unit_cost: unit_cost? })
    }
}

/// Adjustments and taxes as read; per-line taxes give way to summary taxes.
#[derive(Default)]
struct Amounts {
    adjustments: Vec<Adjustment>,
    line_taxes: Vec<Adjustment>,
    summary_taxes: Vec<Adjustment>,
}

impl Amounts {
    fn tax(&mut self, tax: Adjustment, in_summary: bool) {
        if in_summary { self.summary_taxes.push(tax) } else { self.line_taxes.push(tax) }
    }

    fn finish(mut self) -> Vec<Adjustment> {
        self.adjustments.extend(if self.summary_taxes.is_empty() { self.line_taxes } else { self.summary_taxes });
        self.adjustments
    }
}

/// "line 2: Freight" — where an adjustment came from, for its description.
fn described(line: Option<i64>, text: Option<String>, fallback: &str) -> Option<String> {
    let text = text.unwrap_or_else(|| fallback.to_string());
    Some(match line {
        Some(n) => format!("line {n}: {text}"),
        None => text,
    })
}

/// Whole days of a payment term.
fn days(r: &mut Reader<'_, '_>, i: usize, n: usize, c: usize, what: &str) -> Option<u16> {
    let value = r.whole(i, n, c, what)?;
    match u16::try_from(value) {
        Ok(d) => Some(d),
        Err(_) => {
            r.error(i, Some(n), (c > 0).then_some(c), Rule::InvalidNumber, format!("{what} {value} is not a number of days"));
            None
        }
    }
}

/// X12 810 → an invoice: BIG (date, number, PO date, PO number, BIG07 `CR`/`CN` credit), CUR, REF*OI, ITD terms,
/// IT1 lines (IT101 PO line, quantity, unit, unit price, IT105 `PE`, ids) with PO4 pack, SAC and TXI, TDS total
/// (implied 2 decimals), summary TXI and SAC.
pub fn map_810(segments: &[Segment<'_>]) -> Mapped<InboundInvoice> {
    let mut r = Reader::new(segments);
    let mut big = None;
    let mut currency = None;
    let mut reference_invoice = None;
    let mut terms: Option<PaymentTerm> = None;
    let mut terms_seen = false;
    let mut lines: Vec<LineDraft> = Vec::new();
    let mut amounts = Amounts::default();
    let mut total = None;
    let mut summary = false;
    for i in 0..r.len() {
        let tag = r.tag(i);
        match tag.as_ref() {
            "BIG" => big = big.or(Some(i)),
            "CUR" => currency = currency.or_else(|| r.opt(i, 2, 0)),
            "REF" if lines.is_empty() && r.value(i, 1, 0) == "OI" => reference_invoice = r.opt(i, 2, 0),
            "ITD" if terms_seen => r.error(i, None, None, Rule::SegmentOverMaximum, "a second ITD; ACORN takes one payment term per invoice"),
            "ITD" => {
                terms_seen = true;
                terms = x12_terms(&mut r, i);
            }
            "IT1" => {
                summary = false;
                let mut line = LineDraft::new(i);
                line.po_line_no = r.value(i, 1, 0).parse::<i64>().ok();
                line.quantity = r.required(i, 2, 0, "the invoiced quantity").and_then(|_| r.whole(i, 2, 0, "the invoiced quantity"));
                line.unit = r.unit(i, 3, 0);
                line.unit_at = (3, 0);
                line.price = r.required(i, 4, 0, "the unit price").and_then(|_| r.decimal(i, 4, 0, "the unit price"));
                line.price_at = (4, 0);
                line.per_each = r.value(i, 5, 0) == "PE";
                line.ids = r.x12_ids(i, 6, &mut None);
                lines.push(line);
            }
            "PO4" if !summary => {
                if let Some(line) = lines.last_mut() {
                    line.pack = r.whole(i, 1, 0, "the case pack (eaches per case)");
                }
            }
            "SAC" => {
                let line = if summary { None } else { lines.last().map(|l| l.po_line_no.unwrap_or(lines.len() as i64)) };
                if let Some(adjustment) = sac(&mut r, i, line) {
                    amounts.adjustments.push(adjustment);
                }
            }
            "TXI" => {
                let code = r.value(i, 1, 0);
                let Some(&(_, name, tax)) = TXI_CODES.iter().find(|(c, _, _)| *c == code) else {
                    r.error(
                        i,
                        Some(1),
                        None,
                        Rule::InvalidCode,
                        format!("tax type `{code}` is not one ACORN reads (ST, LS, LT, CT sales tax; VA VAT; GS GST; ZZ)"),
                    );
                    continue;
                };
                let Some(amount) = r.required(i, 2, 0, "the tax amount").and_then(|_| r.decimal(i, 2, 0, "the tax amount")) else { continue };
                let line = if summary { None } else { lines.last().map(|l| l.po_line_no.unwrap_or(lines.len() as i64)) };
                amounts.tax(
                    Adjustment { kind: AdjustmentKind::Tax, code: tax.as_str().to_string(), description: described(line, None, name), amount },
                    summary || lines.is_empty(),
                );
            }
            "TDS" => {
                summary = true;
                total = r.required(i, 1, 0, "the total invoice amount").and_then(|_| r.implied(i, 1, "the total invoice amount"));
            }
            _ => {}
        }
    }
    let Some(b) = big else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the set has no BIG segment, so the invoice has no number");
        return Err(r.into_errors());
    };
    let invoice_date = r.required(b, 1, 0, "the invoice date").and_then(|_| r.date(b, 1, "the invoice date"));
    let number = r.required(b, 2, 0, "the invoice number").unwrap_or_default();
    let po_number = r.required(b, 4, 0, "the PO number").unwrap_or_default();
    let invoice_type = match r.value(b, 7, 0).as_str() {
        "" | "DI" | "DR" => InvoiceType::Invoice,
        "CR" | "CN" => InvoiceType::CreditNote,
        other => {
            r.error(b, Some(7), None, Rule::InvalidCode, format!("transaction type `{other}` is not one ACORN reads (DI or empty invoice, CR/CN credit note)"));
            InvoiceType::Invoice
        }
    };
    let lines: Vec<InboundInvoiceLine> = lines.into_iter().filter_map(|l| l.finish(&mut r)).collect();
    let Some(invoice_date) = invoice_date else { return Err(r.into_errors()) };
    let adjustments = amounts.finish();
    r.finish(InboundInvoice { invoice_type, number, invoice_date, po_number, reference_invoice, currency, terms, lines, adjustments, total })
}

/// One SAC: indicator (SAC01 A/C; N is informational and skipped), code (SAC02), amount (SAC05, implied 2
/// decimals), description (SAC15).
fn sac(r: &mut Reader<'_, '_>, i: usize, line: Option<i64>) -> Option<Adjustment> {
    let allowance = match r.value(i, 1, 0).as_str() {
        "A" => true,
        "C" => false,
        "N" => return None,
        other => {
            r.error(i, Some(1), None, Rule::InvalidCode, format!("indicator `{other}` is not A (allowance) or C (charge)"));
            return None;
        }
    };
    let code = r.value(i, 2, 0);
    let Some(&(_, name, meaning)) = SAC_CODES.iter().find(|(c, _, _)| *c == code) else {
        r.error(
            i,
            Some(2),
            None,
            Rule::InvalidCode,
            format!("code `{code}` is not one ACORN maps to a charge, allowance or tax type (see docs/edi-mapping.md)"),
        );
        return None;
    };
    let (kind, type_code) = resolve(meaning, allowance).map_err(|e| r.error(i, Some(1), None, Rule::InvalidCode, format!("{code} ({name}) {e}"))).ok()?;
    let Some(amount) = r.implied(i, 5, "the amount") else {
        if r.opt(i, 5, 0).is_none() {
            let hint = if r.opt(i, 7, 0).is_some() { "; a percentage (SAC07) alone is not an amount ACORN can book" } else { "" };
            r.error(i, Some(5), None, Rule::ConditionalElementMissing, format!("{code} ({name}) has no amount{hint}"));
        }
        return None;
    };
    Some(Adjustment { kind, code: type_code.to_string(), description: described(line, r.opt(i, 15, 0), name), amount })
}

/// ITD: basis (ITD02: 3 invoice date, 2 or 15 receipt), discount percent (ITD03) and days (ITD05), net days
/// (ITD07), or the description (ITD12) when the numbers are absent.
fn x12_terms(r: &mut Reader<'_, '_>, i: usize) -> Option<PaymentTerm> {
    let basis = match r.value(i, 2, 0).as_str() {
        "" | "3" => DueBasis::InvoiceDate,
        "2" | "15" => DueBasis::ReceiptDate,
        other => {
            r.error(i, Some(2), None, Rule::InvalidCode, format!("terms basis `{other}` is not one ACORN reads (3 invoice date; 2 or 15 receipt of goods)"));
            return None;
        }
    };
    let Some(net_days) = days(r, i, 7, 0, "the net days") else {
        return match r.opt(i, 12, 0) {
            Some(text) => PaymentTerm::parse(&text, basis)
                .map_err(|e| r.error(i, Some(12), None, Rule::InvalidCode, format!("the terms {text:?} cannot be read: {e}")))
                .ok(),
            None => {
                if r.opt(i, 7, 0).is_none() {
                    r.error(i, Some(7), None, Rule::ConditionalElementMissing, "the terms give neither net days (ITD07) nor a description (ITD12)");
                }
                None
            }
        };
    };
    let discount_percent = r.decimal(i, 3, 0, "the discount percent").unwrap_or(Decimal::ZERO);
    let discount_days = days(r, i, 5, 0, "the discount days").unwrap_or(0);
    Some(PaymentTerm { net_days, discount_percent, discount_days, basis })
}

/// An ALC (or TAX) waiting for its MOA amount.
struct Pending {
    at: usize,
    line: Option<i64>,
    /// The adjustment with amount 0 until the MOA gives it.
    adjustment: Adjustment,
    tax: bool,
}

/// EDIFACT INVOIC D.96A → an invoice: BGM (380 invoice / 381 credit note, number), DTM+3 or +137, RFF+ON / +IV,
/// CUX, PAT (+PCD) terms; LIN lines with PIA, QTY+47 (invoiced, unit), QTY+52/59 (case pack), PRI+AAA (net price,
/// basis quantity), RFF+LI (PO line), ALC + MOA 8/23/204, TAX + MOA+124; after UNS: MOA+77 total, ALC and TAX.
pub fn map_invoic(segments: &[Segment<'_>]) -> Mapped<InboundInvoice> {
    let mut r = Reader::new(segments);
    let mut bgm = None;
    let mut invoice_date = None;
    let mut po_number = None;
    let mut reference_invoice = None;
    let mut currency = None;
    let mut terms: Option<PaymentTerm> = None;
    let mut lines: Vec<LineDraft> = Vec::new();
    let mut amounts = Amounts::default();
    let mut pending: Option<Pending> = None;
    let mut total = None;
    let mut summary = false;
    for i in 0..r.len() {
        let tag = r.tag(i);
        if matches!(tag.as_ref(), "ALC" | "TAX" | "LIN" | "UNS" | "UNT")
            && let Some(p) = pending.take()
        {
            r.error(
                p.at,
                None,
                None,
                Rule::MandatorySegmentMissing,
                format!("{} has no amount (MOA); a rate or percentage alone is not an amount ACORN can book", p.adjustment.code),
            );
        }
        match tag.as_ref() {
            "BGM" => bgm = bgm.or(Some(i)),
            "DTM" if lines.is_empty() => {
                if let Some((qualifier, stamp)) = r.edifact_dtm(i) {
                    match qualifier.as_str() {
                        "3" => invoice_date = Some(stamp.date),
                        "137" => invoice_date = invoice_date.or(Some(stamp.date)),
                        _ => {}
                    }
                }
            }
            "RFF" => match (r.value(i, 1, 1).as_str(), lines.last_mut()) {
                ("ON", None) => po_number = po_number.or_else(|| r.opt(i, 1, 2)),
                ("IV", None) => reference_invoice = reference_invoice.or_else(|| r.opt(i, 1, 2)),
                ("LI", Some(line)) if !summary => line.po_line_no = r.whole(i, 1, 2, "the PO line number"),
                _ => {}
            },
            "CUX" => currency = currency.or_else(|| r.opt(i, 1, 2)),
            "PAT" => edifact_terms(&mut r, i, &mut terms),
            "PCD" if r.value(i, 1, 1) == "12" && lines.is_empty() => {
                if let (Some(t), Some(percent)) = (terms.as_mut(), r.decimal(i, 1, 2, "the discount percent")) {
                    t.discount_percent = percent;
                }
            }
            "LIN" => {
                let mut line = LineDraft::new(i);
                r.edifact_ids(i, 3, &mut line.ids);
                lines.push(line);
            }
            "PIA" if !summary => {
                if let Some(line) = lines.last_mut() {
                    for n in 2..=6 {
                        r.edifact_ids(i, n, &mut line.ids);
                    }
                }
            }
            "QTY" if !summary => {
                let Some(line) = lines.last_mut() else { continue };
                match r.value(i, 1, 1).as_str() {
                    "47" => {
                        line.quantity = r.required(i, 1, 2, "the invoiced quantity").and_then(|_| r.whole(i, 1, 2, "the invoiced quantity"));
                        line.unit = r.unit(i, 1, 3);
                        line.unit_at = (1, 3);
                    }
                    "52" | "59" => line.pack = r.whole(i, 1, 2, "the case pack (eaches per case)"),
                    other => r.error(
                        i,
                        Some(1),
                        Some(1),
                        Rule::InvalidCode,
                        format!("QTY qualifier `{other}` is not one ACORN reads (47 invoiced, 52/59 case pack)"),
                    ),
                }
            }
            "PRI" if !summary && r.value(i, 1, 1) == "AAA" => {
                let Some(line) = lines.last_mut() else { continue };
                line.price = r.decimal(i, 1, 2, "the net price");
                line.price_at = (1, 2);
                if let (Some(price), Some(basis)) = (line.price, r.whole(i, 1, 5, "the price basis quantity"))
                    && basis > 1
                {
                    line.price = price.checked_div(Decimal::from(basis));
                }
                line.unit = line.unit.or(r.unit(i, 1, 6));
            }
            "UNS" => summary = true,
            "ALC" => {
                let line = if summary { None } else { lines.last().map(|l| l.po_line_no.unwrap_or(lines.len() as i64)) };
                pending = alc(&mut r, i, line);
            }
            "TAX" if r.value(i, 1, 0) == "7" => {
                let code = r.value(i, 2, 1);
                match TAX_CODES.iter().find(|(c, _, _)| *c == code) {
                    Some(&(_, name, tax)) => {
                        let line = if summary { None } else { lines.last().map(|l| l.po_line_no.unwrap_or(lines.len() as i64)) };
                        let adjustment = Adjustment {
                            kind: AdjustmentKind::Tax,
                            code: tax.as_str().to_string(),
                            description: described(line, None, name),
                            amount: Decimal::ZERO,
                        };
                        pending = Some(Pending { at: i, line, adjustment, tax: true });
                    }
                    None => r.error(i, Some(2), Some(1), Rule::InvalidCode, format!("tax type `{code}` is not one ACORN reads (VAT, GST, STT, LOC, OTH)")),
                }
            }
            "MOA" => {
                let qualifier = r.value(i, 1, 1);
                match (qualifier.as_str(), pending.as_ref().map(|p| p.tax)) {
                    ("8" | "23" | "204", Some(false)) | ("124", Some(true)) => {
                        if let (Some(mut p), Some(amount)) = (pending.take(), r.decimal(i, 1, 2, "the amount")) {
                            p.adjustment.amount = amount;
                            if p.tax {
                                amounts.tax(p.adjustment, summary || p.line.is_none());
                            } else {
                                amounts.adjustments.push(p.adjustment);
                            }
                        }
                    }
                    ("77", _) if summary => total = r.decimal(i, 1, 2, "the invoice amount"),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(p) = pending.take() {
        r.error(p.at, None, None, Rule::MandatorySegmentMissing, format!("{} has no amount (MOA)", p.adjustment.code));
    }
    let Some(b) = bgm else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the message has no BGM segment, so the invoice has no number");
        return Err(r.into_errors());
    };
    let invoice_type = match r.value(b, 1, 1).as_str() {
        "380" | "383" => InvoiceType::Invoice,
        "381" => InvoiceType::CreditNote,
        other => {
            r.error(
                b,
                Some(1),
                Some(1),
                Rule::InvalidCode,
                format!("document type `{other}` is not one ACORN reads (380 invoice, 383 debit note, 381 credit note)"),
            );
            InvoiceType::Invoice
        }
    };
    let number = r.required(b, 2, 1, "the invoice number").unwrap_or_default();
    if invoice_date.is_none() {
        r.error(b, None, None, Rule::MandatorySegmentMissing, "no DTM+3 (or +137) gives the invoice date");
    }
    if po_number.is_none() {
        r.error(b, None, None, Rule::MandatorySegmentMissing, "no RFF+ON before the first line names the PO invoiced");
    }
    let lines: Vec<InboundInvoiceLine> = lines.into_iter().filter_map(|l| l.finish(&mut r)).collect();
    let Some(invoice_date) = invoice_date else { return Err(r.into_errors()) };
    let adjustments = amounts.finish();
    let po_number = po_number.unwrap_or_default();
    r.finish(InboundInvoice { invoice_type, number, invoice_date, po_number, reference_invoice, currency, terms, lines, adjustments, total })
}

/// One ALC (A/C in 5463, code in C214 7161, description in 7160) waiting for its MOA.
fn alc(r: &mut Reader<'_, '_>, i: usize, line: Option<i64>) -> Option<Pending> {
    let allowance = match r.value(i, 1, 0).as_str() {
        "A" => true,
        "C" => false,
        "N" => return None,
        other => {
            r.error(i, Some(1), None, Rule::InvalidCode, format!("qualifier `{other}` is not A (allowance) or C (charge)"));
            return None;
        }
    };
    let code = r.value(i, 5, 1);
    let Some(&(_, name, meaning)) = ALC_CODES.iter().find(|(c, _, _)| *c == code) else {
        r.error(
            i,
            Some(5),
            Some(1),
            Rule::InvalidCode,
            format!("code `{code}` is not one ACORN maps to a charge, allowance or tax type (see docs/edi-mapping.md)"),
        );
        return None;
    };
    let (kind, type_code) = resolve(meaning, allowance).map_err(|e| r.error(i, Some(1), None, Rule::InvalidCode, format!("{code} ({name}) {e}"))).ok()?;
    let adjustment = Adjustment { kind, code: type_code.to_string(), description: described(line, r.opt(i, 5, 4), name), amount: Decimal::ZERO };
    Some(Pending { at: i, line, adjustment, tax: kind == AdjustmentKind::Tax })
}

/// PAT: type 1 (basic: net days) or 22 (discount: discount days, percent from the following PCD+12), counted in
/// days (C112 2151 `D`) from the invoice date (2475 `5`); other references are refused.
fn edifact_terms(r: &mut Reader<'_, '_>, i: usize, terms: &mut Option<PaymentTerm>) {
    let kind = r.value(i, 1, 0);
    if !matches!(kind.as_str(), "1" | "22") {
        return;
    }
    let reference = r.value(i, 3, 1);
    if reference != "5" {
        r.error(i, Some(3), Some(1), Rule::InvalidCode, format!("terms reference `{reference}` is not one ACORN reads (5 date of invoice)"));
        return;
    }
    if !matches!(r.value(i, 3, 3).as_str(), "" | "D") {
        r.error(i, Some(3), Some(3), Rule::InvalidCode, "terms are counted in days (D) in ACORN");
        return;
    }
    let Some(days) = days(r, i, 3, 4, "the number of days") else { return };
    let term = terms.get_or_insert(PaymentTerm { net_days: 0, discount_percent: Decimal::ZERO, discount_days: 0, basis: DueBasis::InvoiceDate });
    if kind == "1" {
        term.net_days = days;
    } else {
        term.discount_days = days;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testing::*;
    use rust_decimal::dec;

    const X12_810: &str = "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261205*1000*U*00401*000000301*0*P*>~
GS*IN*ACMEWIDGETS*ACORN*20261205*1000*301*X*004010~
ST*810*0001~
BIG*20261205*INV-10077*20261120*4XK92P7Q~
CUR*SE*USD~
N1*RI*ACME WIDGETS INC~
ITD*08*3*2**10**30~
IT1*1*24*EA*12.5*PE*UP*614141000012*VN*WID-1~
IT1*2*2*CA*30*PE*UP*614141000029~
PO4*12~
SAC*A*C000***1500**********2 UNITS DAMAGED~
TDS*102475~
TXI*ST*42.75~
SAC*C*D240***2500~
SAC*A*F800***4800~
SAC*N*B840***100~
CTT*2~
SE*16*0001~
GE*1*301~
IEA*1*000000301~
";

    #[test]
    fn an_810_with_allowances_charges_tax_and_an_implied_decimal_total() {
        let all = segments(X12_810);
        let inv = map_810(first_set(&all)).unwrap();
        assert_eq!((inv.invoice_type, inv.number.as_str(), inv.po_number.as_str()), (InvoiceType::Invoice, "INV-10077", "4XK92P7Q"));
        assert_eq!((inv.invoice_date.to_string(), inv.currency.as_deref()), ("2026-12-05".into(), Some("USD")));
        assert_eq!(inv.terms, Some(PaymentTerm { net_days: 30, discount_percent: dec!(2), discount_days: 10, basis: DueBasis::InvoiceDate }));
        assert_eq!(
            inv.lines,
            [
                InboundInvoiceLine { po_line_no: Some(1), item: inv.lines[0].item.clone(), quantity: 24, unit_cost: dec!(12.5) },
                InboundInvoiceLine { po_line_no: Some(2), item: inv.lines[1].item.clone(), quantity: 24, unit_cost: dec!(30) },
            ]
        );
        assert_eq!(inv.lines[0].item.vendor_sku.as_deref(), Some("WID-1"));
        let adj = |kind, code: &str, description: &str, amount| Adjustment { kind, code: code.into(), description: Some(description.into()), amount };
        assert_eq!(
            inv.adjustments,
            [
                adj(AdjustmentKind::Allowance, "Defective", "line 2: 2 UNITS DAMAGED", dec!(15.00)),
                adj(AdjustmentKind::Charge, "Freight", "Freight", dec!(25.00)),
                adj(AdjustmentKind::Allowance, "Promotional", "Promotional Allowance", dec!(48.00)),
                adj(AdjustmentKind::Tax, "ST", "State Sales Tax", dec!(42.75)),
            ]
        );
        // 24 × 12.50 + 24 × 30.00 − 15.00 + 25.00 − 48.00 + 42.75, as the vendor sent it in cents.
        assert_eq!(inv.total, Some(dec!(1024.75)));
        assert_eq!(inv.total.unwrap().to_string(), "1024.75", "exact, two decimals");
    }

    #[test]
    fn an_810_credit_and_untranslatable_amounts() {
        let bad = X12_810
            .replace("BIG*20261205*INV-10077*20261120*4XK92P7Q~", "BIG*20261205*CM-5*20261120*4XK92P7Q***CR~REF*OI*INV-10077~")
            .replace("TDS*102475~", "TDS*1024.75~")
            .replace("SAC*C*D240***2500~", "SAC*A*D240***2500~")
            .replace("SAC*A*F800***4800~", "SAC*A*F800*****5~")
            .replace("TXI*ST*42.75~", "TXI*XX*42.75~");
        let all = segments(&bad);
        let text = messages(&map_810(first_set(&all)).unwrap_err());
        assert!(
            text.contains(
                &"TDS01 (segment 11): the total invoice amount `1024.75` has a decimal point, but this amount has 2 implied decimals (217.40 is sent as 21740)"
                    .to_string()
            ),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.starts_with("SAC01 (segment 13): D240 (Freight) is a charge code")), "{text:?}");
        assert!(
            text.contains(
                &"SAC05 (segment 14): F800 (Promotional Allowance) has no amount; a percentage (SAC07) alone is not an amount ACORN can book".to_string()
            ),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.starts_with("TXI01 (segment 12): tax type `XX`")), "{text:?}");
        let credit = X12_810.replace("BIG*20261205*INV-10077*20261120*4XK92P7Q~", "BIG*20261205*CM-5*20261120*4XK92P7Q***CR~REF*OI*INV-10077~");
        let all = segments(&credit);
        let inv = map_810(first_set(&all)).unwrap();
        assert_eq!((inv.invoice_type, inv.reference_invoice.as_deref()), (InvoiceType::CreditNote, Some("INV-10077")));
    }

    #[test]
    fn an_810_without_po_number_is_refused() {
        let input = X12_810.replace("*20261120*4XK92P7Q~", "*20261120~");
        let all = segments(&input);
        let text = messages(&map_810(first_set(&all)).unwrap_err());
        assert_eq!(text, ["BIG04 (segment 2): the PO number is missing"]);
    }

    const INVOIC: &str = "UNA:+.? 'UNB+UNOC:3+4012345000009:14+5450534000024:14+261205:1000+99'UNH+1+INVOIC:D:96A:UN'BGM+380+EU-2026-0042+9'DTM+3:20261205:102'RFF+ON:4XK92P7Q'CUX+2:EUR:4'PAT+1++5:3:D:60'PAT+22++5:3:D:14'PCD+12:2.5'LIN+1++4012345000016:EN'QTY+47:10:PCE'MOA+203:99.90'PRI+AAA:9.99'RFF+LI:1'LIN+2++4012345000023:EN'QTY+47:1:CS'QTY+52:6'PRI+AAA:30'ALC+A+++1+DI'MOA+204:3'UNS+S'MOA+77:161.07'ALC+C+++1+FC'MOA+8:12.5'TAX+7+VAT+++:::19+S'MOA+124:21.67'UNT+26+1'UNZ+1+99'";

    #[test]
    fn an_invoic_maps_like_an_810() {
        let all = segments(INVOIC);
        let inv = map_invoic(first_set(&all)).unwrap();
        assert_eq!((inv.number.as_str(), inv.po_number.as_str(), inv.currency.as_deref()), ("EU-2026-0042", "4XK92P7Q", Some("EUR")));
        assert_eq!(inv.terms, Some(PaymentTerm { net_days: 60, discount_percent: dec!(2.5), discount_days: 14, basis: DueBasis::InvoiceDate }));
        assert_eq!(inv.lines.iter().map(|l| (l.po_line_no, l.quantity, l.unit_cost)).collect::<Vec<_>>(), [(Some(1), 10, dec!(9.99)), (None, 6, dec!(5))]);
        assert_eq!(
            inv.adjustments.iter().map(|a| (a.kind, a.code.as_str(), a.amount)).collect::<Vec<_>>(),
            [(AdjustmentKind::Allowance, "Discount", dec!(3)), (AdjustmentKind::Charge, "Freight", dec!(12.5)), (AdjustmentKind::Tax, "VAT", dec!(21.67))]
        );
        assert_eq!(inv.adjustments[0].description.as_deref(), Some("line 2: Discount"));
        assert_eq!(inv.total, Some(dec!(161.07)));
    }

    #[test]
    fn an_invoic_alc_without_amount_is_refused() {
        let input = INVOIC.replace("MOA+204:3'", "");
        let all = segments(&input);
        let text = messages(&map_invoic(first_set(&all)).unwrap_err());
        assert!(text.iter().any(|m| m.starts_with("ALC (segment 18): Discount has no amount (MOA)")), "{text:?}");
    }
}
