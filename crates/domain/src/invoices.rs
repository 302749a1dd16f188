//! Invoices and credit notes: the document, its state machine, the refusals at submission and the
//! "flip" that fills an invoice from a PO and what shipped. Spellings follow Amazon's vendorInvoices
//! model (`Invoice`/`CreditNote`, charge, allowance and tax types) so the SP-API surface and the EDI
//! 810 mapping translate nothing.
//!
//! DOMAIN.md "Invoices, matching and payment": an invoice is refused at submission — never stored,
//! every reason given at once — for a duplicate number per vendor code, lines for cancelled or
//! rejected PO lines, unknown items, and quantities over what shipped. What the match decides per line
//! lives in [`crate::matching`]; the state a vendor sees is [`InvoiceState`].

use crate::ids::TenantId;
use crate::matching::{LineOutcome, MatchResult, cost_basis};
use crate::money;
use crate::orders::{Channel, LineConfirmation, PoLine};
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;

text_enum! {
    /// Amazon's `invoiceType`.
    pub enum InvoiceType { Invoice = "Invoice", CreditNote = "CreditNote" }
}

text_enum! {
    /// The one state machine the vendor sees (DOMAIN.md):
    /// `submitted → matching → (pending_receipt ↺) → approved → scheduled → paid | partially_paid | deducted`,
    /// and `cancelled` when credit-noted in full. `disputed` is shown while a dispute on one of the
    /// invoice's claims is open, over whatever state it is in (see [`shown_state`]).
    pub enum InvoiceState {
        Submitted = "submitted",
        Matching = "matching",
        PendingReceipt = "pending_receipt",
        Approved = "approved",
        Scheduled = "scheduled",
        Paid = "paid",
        PartiallyPaid = "partially_paid",
        Deducted = "deducted",
        Disputed = "disputed",
        Cancelled = "cancelled",
    }
}

impl InvoiceState {
    /// The moves the state machine allows. `disputed` is never stored, so it has no moves.
    pub fn can_move_to(self, next: InvoiceState) -> bool {
        use InvoiceState::*;
        matches!(
            (self, next),
            (Submitted, Matching)
                | (Matching, PendingReceipt | Approved)
                | (PendingReceipt, Matching | Approved)
                | (Submitted | Matching | PendingReceipt | Approved, Cancelled)
                | (Approved, Scheduled)
                | (Scheduled, Approved | Paid | PartiallyPaid | Deducted)
        )
    }

    /// States after which the invoice's amounts are settled and nothing rematches it.
    pub fn is_final(self) -> bool {
        matches!(self, InvoiceState::Paid | InvoiceState::PartiallyPaid | InvoiceState::Deducted | InvoiceState::Cancelled)
    }

    /// States the match job picks up.
    pub fn awaits_match(self) -> bool {
        matches!(self, InvoiceState::Submitted | InvoiceState::Matching | InvoiceState::PendingReceipt)
    }
}

/// What the vendor is shown: `disputed` while a dispute is open on one of the invoice's claims and the
/// invoice is not cancelled.
pub fn shown_state(stored: InvoiceState, open_disputes: i64) -> InvoiceState {
    if open_disputes > 0 && stored != InvoiceState::Cancelled { InvoiceState::Disputed } else { stored }
}

text_enum! {
    /// What an invoice-level amount does to the total: charges and tax add, allowances subtract.
    pub enum AdjustmentKind { Charge = "charge", Allowance = "allowance", Tax = "tax" }
}

text_enum! {
    /// Amazon's `ChargeDetails.type`.
    pub enum ChargeType {
        Freight = "Freight",
        Packing = "Packing",
        Duty = "Duty",
        Service = "Service",
        SmallOrder = "SmallOrder",
        InsurancePlacementCost = "InsurancePlacementCost",
        InsuranceFee = "InsuranceFee",
        SpecialHandlingService = "SpecialHandlingService",
        CollectionAndRecyclingService = "CollectionAndRecyclingService",
        EnvironmentalProtectionService = "EnvironmentalProtectionService",
        TaxCollectedAtSource = "TaxCollectedAtSource",
    }
}

text_enum! {
    /// Amazon's `AllowanceDetails.type`.
    pub enum AllowanceType {
        Discount = "Discount",
        DiscountIncentive = "DiscountIncentive",
        Defective = "Defective",
        Promotional = "Promotional",
        UnsaleableMerchandise = "UnsaleableMerchandise",
        Special = "Special",
    }
}

text_enum! {
    /// Amazon's `TaxDetails.taxType`.
    pub enum TaxType {
        Cgst = "CGST",
        Sgst = "SGST",
        Cess = "CESS",
        Utgst = "UTGST",
        Igst = "IGST",
        MwSt = "MwSt.",
        Pst = "PST",
        Tva = "TVA",
        Vat = "VAT",
        Gst = "GST",
        St = "ST",
        Consumption = "Consumption",
        MutuallyDefined = "MutuallyDefined",
        DomesticVat = "DomesticVAT",
    }
}

impl AdjustmentKind {
    /// Checks a type code against this kind's list (`Freight` is a charge, `Promotional` an allowance…).
    pub fn check_code(self, code: &str) -> Result<String, String> {
        let code = code.trim();
        let ok = match self {
            AdjustmentKind::Charge => ChargeType::parse_or_explain(code).map(|c| c.as_str()),
            AdjustmentKind::Allowance => AllowanceType::parse_or_explain(code).map(|c| c.as_str()),
            AdjustmentKind::Tax => TaxType::parse_or_explain(code).map(|c| c.as_str()),
        };
        ok.map(str::to_string)
    }

    /// The sign this kind gives its amount in the total.
    pub fn sign(self) -> Decimal {
        if self == AdjustmentKind::Allowance { Decimal::NEGATIVE_ONE } else { Decimal::ONE }
    }
}

/// An invoice-level charge, allowance or tax amount (always entered as a positive amount).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    /// A [`ChargeType`], [`AllowanceType`] or [`TaxType`] spelling.
    pub code: String,
    pub description: Option<String>,
    pub amount: Decimal,
}

/// A line of an invoice (or of a credit note: the quantity credited).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub invoice_id: Uuid,
    pub line_no: i64,
    /// The PO line invoiced.
    pub po_line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// Eaches.
    pub quantity: i64,
    /// Net cost per each.
    pub unit_cost: Decimal,
    /// quantity × unit cost, exact (scale 4).
    pub amount: Decimal,
    /// The latest match of this line, with its explanation (None until matched).
    pub matched: Option<MatchResult>,
}

impl InvoiceLine {
    pub fn outcome(&self) -> Option<LineOutcome> {
        self.matched.as_ref().map(|m| m.outcome)
    }
}

/// An invoice or credit note header. Lines and adjustments are loaded beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: Uuid,
    pub tenant: TenantId,
    pub vendor_code: String,
    /// Unique per vendor code.
    pub number: String,
    pub invoice_type: InvoiceType,
    /// The PO invoiced (an invoice is per PO; a credit note carries its invoice's PO).
    pub po_id: Uuid,
    pub po_number: String,
    /// For a credit note: the invoice it credits.
    pub reference_invoice_id: Option<Uuid>,
    pub reference_number: Option<String>,
    pub invoice_date: NaiveDate,
    pub currency: String,
    pub subtotal: Decimal,
    pub charges: Decimal,
    pub allowances: Decimal,
    pub tax: Decimal,
    /// subtotal + charges − allowances + tax, rounded half-even to the currency's minor unit.
    pub total: Decimal,
    /// The stored state; what the vendor sees is [`shown_state`].
    pub state: InvoiceState,
    /// Disputes open on this invoice's claims.
    pub open_disputes: i64,
    /// The payment term in force on the invoice date (its label, e.g. `2/10 NET30`), and the terms version.
    pub payment_term: String,
    pub terms_version: i64,
    /// None while the due date waits for a receipt (terms due from receipt date).
    pub due_date: Option<NaiveDate>,
    pub discount_deadline: Option<NaiveDate>,
    pub channel: Channel,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub matched_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Invoice {
    pub fn shown_state(&self) -> InvoiceState {
        shown_state(self.state, self.open_disputes)
    }
}

/// One entry of an invoice's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceEvent {
    pub invoice_id: Uuid,
    pub seq: i64,
    pub state: InvoiceState,
    pub summary: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Invoice numbers: what the vendor's own system issued, 1–40 visible ASCII characters (X12 BIG02 and
/// EDIFACT BGM allow no more, and Amazon's `id` is free text).
pub fn invoice_number(input: &str) -> Result<String, String> {
    let v = input.trim();
    if v.is_empty() {
        return Err("is required".into());
    }
    if v.len() > 40 {
        return Err(format!("has {} characters; at most 40 are allowed", v.len()));
    }
    if !v.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err("may hold only letters, digits, spaces and punctuation (ASCII)".into());
    }
    Ok(v.to_string())
}

/// A submitted line before checks: which PO line (by item), how many eaches, at what cost.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftLine {
    /// The row or position in the submission (1-based), named in refusals.
    pub row: usize,
    /// The PO line, when the submitter gave it.
    pub po_line_no: Option<i64>,
    /// Vendor SKU, GTIN or retailer item id.
    pub item: String,
    pub quantity: i64,
    pub unit_cost: Decimal,
}

/// What the checks need to know about the PO line an invoice line names.
#[derive(Clone, Debug, PartialEq)]
pub struct LineFacts {
    pub line: PoLine,
    /// Eaches on other live invoices of this line (not cancelled; credit notes subtracted).
    pub invoiced_elsewhere: i64,
}

/// A reason an invoice is refused; every one is reported at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    DuplicateNumber { number: String, vendor_code: String },
    NoLines,
    UnknownItem { row: usize, item: String },
    UnknownLine { row: usize, po_line_no: i64 },
    CancelledLine { row: usize, po_line_no: i64 },
    RejectedLine { row: usize, po_line_no: i64 },
    OverShipped { row: usize, po_line_no: i64, invoiced: i64, shipped: i64, invoiced_elsewhere: i64 },
    BadQuantity { row: usize },
    BadAmount { row: usize, issue: String },
    CurrencyMismatch { currency: String, po_currency: String },
    TotalMismatch { declared: String, computed: String },
    CreditOverInvoice { credited: String, open: String },
}

impl Refusal {
    /// The field the refusal is about, as the API names it (`lines[2].quantity`).
    pub fn field(&self) -> String {
        match self {
            Refusal::DuplicateNumber { .. } => "number".into(),
            Refusal::NoLines => "lines".into(),
            Refusal::UnknownItem { row, .. } | Refusal::UnknownLine { row, .. } | Refusal::CancelledLine { row, .. } | Refusal::RejectedLine { row, .. } => {
                format!("lines[{row}].item")
            }
            Refusal::OverShipped { row, .. } | Refusal::BadQuantity { row } => format!("lines[{row}].quantity"),
            Refusal::BadAmount { row, .. } => format!("lines[{row}].unit_cost"),
            Refusal::CurrencyMismatch { .. } => "currency".into(),
            Refusal::TotalMismatch { .. } | Refusal::CreditOverInvoice { .. } => "total".into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::DuplicateNumber { number, vendor_code } => write!(f, "invoice number {number} is already used by vendor code {vendor_code}"),
            Refusal::NoLines => write!(f, "an invoice needs at least one line"),
            Refusal::UnknownItem { row, item } => write!(f, "line {row}: item {item} is not on the PO"),
            Refusal::UnknownLine { row, po_line_no } => write!(f, "line {row}: the PO has no line {po_line_no}"),
            Refusal::CancelledLine { row, po_line_no } => write!(f, "line {row}: PO line {po_line_no} was cancelled and cannot be invoiced"),
            Refusal::RejectedLine { row, po_line_no } => {
                write!(f, "line {row}: PO line {po_line_no} was rejected in the acknowledgement and cannot be invoiced")
            }
            Refusal::OverShipped { row, po_line_no, invoiced, shipped, invoiced_elsewhere } => write!(
                f,
                "line {row}: {invoiced} units invoiced for PO line {po_line_no}, but only {shipped} shipped and {invoiced_elsewhere} are already on other invoices"
            ),
            Refusal::BadQuantity { row } => write!(f, "line {row}: the quantity must be a whole number above 0"),
            Refusal::BadAmount { row, issue } => write!(f, "line {row}: the unit cost {issue}"),
            Refusal::CurrencyMismatch { currency, po_currency } => write!(f, "the invoice is in {currency} but the PO is in {po_currency}"),
            Refusal::TotalMismatch { declared, computed } => {
                write!(f, "the declared total {declared} differs from the lines, charges, allowances and tax: {computed}")
            }
            Refusal::CreditOverInvoice { credited, open } => write!(f, "the credit note's total {credited} is more than the invoice's open amount {open}"),
        }
    }
}

/// Finds the PO line a draft line names: by line number when given, else the first uncancelled line
/// whose vendor SKU, GTIN or retailer item id equals the item (then any line with it, so that a line
/// for a cancelled item is refused as cancelled rather than unknown).
pub fn resolve_line<'a>(draft: &DraftLine, lines: &'a [LineFacts]) -> Result<&'a LineFacts, Refusal> {
    if let Some(no) = draft.po_line_no {
        return lines.iter().find(|f| f.line.line_no == no).ok_or(Refusal::UnknownLine { row: draft.row, po_line_no: no });
    }
    let item = draft.item.trim();
    let gtin14 = crate::gs1::Gtin::parse(item).ok().map(|g| g.as_str().to_string());
    let is_it = |f: &&LineFacts| {
        let l = &f.line;
        l.vendor_sku.eq_ignore_ascii_case(item) || l.retailer_item_id.eq_ignore_ascii_case(item) || gtin14.as_deref() == Some(l.gtin.as_str())
    };
    lines
        .iter()
        .filter(is_it)
        .find(|f| !f.line.cancelled)
        .or_else(|| lines.iter().find(is_it))
        .ok_or_else(|| Refusal::UnknownItem { row: draft.row, item: item.to_string() })
}

/// The checks of DOMAIN.md for an invoice against its PO's lines; returns the PO line of each draft line
/// in order, or every refusal.
pub fn check_invoice_lines<'a>(drafts: &[DraftLine], lines: &'a [LineFacts], currency: &str) -> Result<Vec<&'a LineFacts>, Vec<Refusal>> {
    let mut refusals = Vec::new();
    if drafts.is_empty() {
        refusals.push(Refusal::NoLines);
    }
    let mut resolved = Vec::with_capacity(drafts.len());
    // Two lines of one submission for the same PO line count together against what shipped.
    let mut this_invoice: HashMap<i64, i64> = HashMap::new();
    for d in drafts {
        let bad_quantity = d.quantity <= 0;
        if bad_quantity {
            refusals.push(Refusal::BadQuantity { row: d.row });
        }
        if let Err(issue) = check_unit_cost(d.unit_cost, currency) {
            refusals.push(Refusal::BadAmount { row: d.row, issue });
        }
        let facts = match resolve_line(d, lines) {
            Ok(f) => f,
            Err(r) => {
                refusals.push(r);
                continue;
            }
        };
        let l = &facts.line;
        if l.cancelled {
            refusals.push(Refusal::CancelledLine { row: d.row, po_line_no: l.line_no });
            continue;
        }
        if l.confirmation == LineConfirmation::Rejected {
            refusals.push(Refusal::RejectedLine { row: d.row, po_line_no: l.line_no });
            continue;
        }
        let so_far = this_invoice.entry(l.line_no).or_insert(0);
        *so_far = so_far.saturating_add(d.quantity.max(0));
        if !bad_quantity && facts.invoiced_elsewhere.saturating_add(*so_far) > l.shipped_eaches {
            refusals.push(Refusal::OverShipped {
                row: d.row,
                po_line_no: l.line_no,
                invoiced: *so_far,
                shipped: l.shipped_eaches,
                invoiced_elsewhere: facts.invoiced_elsewhere,
            });
        }
        resolved.push(facts);
    }
    if refusals.is_empty() { Ok(resolved) } else { Err(refusals) }
}

/// A unit cost: not negative, at most 4 decimals (the storage scale).
fn check_unit_cost(cost: Decimal, _currency: &str) -> Result<(), String> {
    if cost.is_sign_negative() {
        return Err("cannot be negative".into());
    }
    if cost.normalize().scale() > 4 {
        return Err("has more than 4 decimal places".into());
    }
    Ok(())
}

/// The totals of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Decimal,
    pub charges: Decimal,
    pub allowances: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// Sums lines (exact extensions) and adjustments; the total is rounded to the minor unit.
pub fn totals(line_amounts: impl IntoIterator<Item = Decimal>, adjustments: &[Adjustment], currency: &str) -> Totals {
    let subtotal: Decimal = line_amounts.into_iter().sum();
    let sum = |k: AdjustmentKind| adjustments.iter().filter(|a| a.kind == k).map(|a| a.amount).sum::<Decimal>();
    let (charges, allowances, tax) = (sum(AdjustmentKind::Charge), sum(AdjustmentKind::Allowance), sum(AdjustmentKind::Tax));
    Totals { subtotal, charges, allowances, tax, total: money::round_ledger(subtotal + charges - allowances + tax, currency) }
}

/// Checks an adjustment: a known type for its kind, a positive amount with no more decimals than the currency has.
pub fn check_adjustment(a: &Adjustment, currency: &str) -> Result<Adjustment, (&'static str, String)> {
    let code = a.kind.check_code(&a.code).map_err(|e| ("type", e))?;
    if a.amount <= Decimal::ZERO {
        return Err(("amount", "must be above 0".into()));
    }
    let minor = money::minor_units(currency);
    if a.amount.normalize().scale() > minor {
        return Err(("amount", format!("has more than {minor} decimal places for {currency}")));
    }
    let description = a.description.as_ref().map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    if description.as_ref().is_some_and(|d| d.chars().count() > 200) {
        return Err(("description", "has more than 200 characters".into()));
    }
    Ok(Adjustment { kind: a.kind, code, description, amount: a.amount })
}

/// A line of the invoice template filled from a PO ("flip").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlipLine {
    pub po_line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// Shipped eaches not yet on another invoice.
    pub quantity: i64,
    /// The cost basis: the acknowledged cost, or the PO cost when none was given (the lower of the two).
    pub unit_cost: Decimal,
}

/// Fills an invoice from a PO: every line neither cancelled nor rejected with shipped units not yet
/// invoiced, at the acknowledged cost. `ack_costs` holds the latest acknowledgement's cost per line.
pub fn flip(lines: &[PoLine], ack_costs: &HashMap<i64, Decimal>, invoiced: &HashMap<i64, i64>) -> Vec<FlipLine> {
    lines
        .iter()
        .filter(|l| !l.cancelled && l.confirmation != LineConfirmation::Rejected)
        .filter_map(|l| {
            let quantity = l.shipped_eaches.saturating_sub(invoiced.get(&l.line_no).copied().unwrap_or(0));
            (quantity > 0).then(|| FlipLine {
                po_line_no: l.line_no,
                item_id: l.item_id,
                vendor_sku: l.vendor_sku.clone(),
                gtin: l.gtin.clone(),
                title: l.title.clone(),
                quantity,
                unit_cost: cost_basis(l.net_cost, ack_costs.get(&l.line_no).copied()).0,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{QuantityUnit, ReceiveStatus};
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn line(no: i64, shipped: i64) -> PoLine {
        PoLine {
            po_id: Uuid::nil(),
            line_no: no,
            item_id: Uuid::from_u128(no as u128),
            vendor_sku: format!("SKU-{no}"),
            gtin: {
                let body = format!("0000000000{no:03}");
                format!("{body}{}", crate::gs1::check_digit(&body))
            },
            retailer_item_id: format!("R{no}"),
            title: format!("Item {no}"),
            ordered_quantity: 10,
            unit: QuantityUnit::Eaches,
            unit_size: 1,
            net_cost: dec!(12.50),
            list_price: dec!(20),
            backorder_allowed: false,
            cancelled: false,
            confirmation: LineConfirmation::Accepted,
            committed_eaches: 10,
            shipped_eaches: shipped,
            received_eaches: 0,
            damaged_eaches: 0,
            receive_status: ReceiveStatus::NotReceived,
        }
    }

    fn facts(l: PoLine, elsewhere: i64) -> LineFacts {
        LineFacts { line: l, invoiced_elsewhere: elsewhere }
    }

    fn draft(row: usize, item: &str, quantity: i64) -> DraftLine {
        DraftLine { row, po_line_no: None, item: item.into(), quantity, unit_cost: dec!(12.50) }
    }

    #[test]
    fn the_state_machine_follows_domain_md() {
        use InvoiceState::*;
        assert!(Submitted.can_move_to(Matching));
        assert!(Matching.can_move_to(PendingReceipt));
        assert!(PendingReceipt.can_move_to(Matching));
        assert!(Matching.can_move_to(Approved));
        assert!(Approved.can_move_to(Scheduled));
        assert!(Scheduled.can_move_to(Deducted));
        assert!(!Submitted.can_move_to(Approved), "an invoice is matched before it is approved");
        assert!(!Paid.can_move_to(Cancelled), "a paid invoice is corrected by a credit note, not cancelled");
        assert!(!Approved.can_move_to(Disputed), "disputed is shown, never stored");
        for s in InvoiceState::ALL {
            assert!(!s.can_move_to(Submitted), "{s} cannot go back to submitted");
        }
        assert_eq!(shown_state(Approved, 1), Disputed);
        assert_eq!(shown_state(Cancelled, 1), Cancelled);
        assert_eq!(shown_state(Deducted, 0), Deducted);
    }

    #[test]
    fn every_refusal_is_reported_at_once_with_its_row() {
        let mut cancelled = line(2, 0);
        cancelled.cancelled = true;
        let mut rejected = line(3, 0);
        rejected.confirmation = LineConfirmation::Rejected;
        let lines = vec![facts(line(1, 8), 0), facts(cancelled, 0), facts(rejected, 0), facts(line(4, 5), 3)];
        let drafts = vec![draft(1, "SKU-1", 9), draft(2, "SKU-2", 1), draft(3, "R3", 1), draft(4, "NOPE", 1), draft(5, "SKU-4", 3), draft(6, "SKU-1", 0)];
        let refusals = check_invoice_lines(&drafts, &lines, "USD").unwrap_err();
        assert_eq!(
            refusals,
            vec![
                Refusal::OverShipped { row: 1, po_line_no: 1, invoiced: 9, shipped: 8, invoiced_elsewhere: 0 },
                Refusal::CancelledLine { row: 2, po_line_no: 2 },
                Refusal::RejectedLine { row: 3, po_line_no: 3 },
                Refusal::UnknownItem { row: 4, item: "NOPE".into() },
                Refusal::OverShipped { row: 5, po_line_no: 4, invoiced: 3, shipped: 5, invoiced_elsewhere: 3 },
                Refusal::BadQuantity { row: 6 },
            ]
        );
        assert_eq!(refusals[0].field(), "lines[1].quantity");
        assert_eq!(refusals[3].to_string(), "line 4: item NOPE is not on the PO");
    }

    #[test]
    fn lines_resolve_by_sku_gtin_retailer_id_or_line_number() {
        let lines = vec![facts(line(1, 8), 0), facts(line(2, 8), 0)];
        let gtin = lines[1].line.gtin.clone();
        for item in ["sku-2", "R2", gtin.as_str()] {
            let got = check_invoice_lines(&[draft(1, item, 1)], &lines, "USD").unwrap();
            assert_eq!(got[0].line.line_no, 2, "{item}");
        }
        let by_no = DraftLine { po_line_no: Some(1), ..draft(1, "", 8) };
        assert_eq!(check_invoice_lines(&[by_no], &lines, "USD").unwrap()[0].line.line_no, 1);
        let missing = DraftLine { po_line_no: Some(9), ..draft(1, "", 1) };
        assert_eq!(check_invoice_lines(&[missing], &lines, "USD").unwrap_err(), vec![Refusal::UnknownLine { row: 1, po_line_no: 9 }]);
        assert_eq!(check_invoice_lines(&[], &lines, "USD").unwrap_err(), vec![Refusal::NoLines]);
    }

    #[test]
    fn two_lines_for_one_po_line_count_together() {
        let lines = vec![facts(line(1, 8), 0)];
        let err = check_invoice_lines(&[draft(1, "SKU-1", 5), draft(2, "SKU-1", 4)], &lines, "USD").unwrap_err();
        assert_eq!(err, vec![Refusal::OverShipped { row: 2, po_line_no: 1, invoiced: 9, shipped: 8, invoiced_elsewhere: 0 }]);
    }

    #[test]
    fn flip_fills_shipped_units_not_yet_invoiced_at_the_acknowledged_cost() {
        let mut rejected = line(3, 0);
        rejected.confirmation = LineConfirmation::Rejected;
        let lines = vec![line(1, 8), line(2, 5), rejected, line(4, 0)];
        let ack = HashMap::from([(1, dec!(12.00)), (2, dec!(13.00))]);
        let invoiced = HashMap::from([(2, 5)]);
        let got = flip(&lines, &ack, &invoiced);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].po_line_no, got[0].quantity, got[0].unit_cost), (1, 8, dec!(12.00)));
        assert_eq!(cost_basis(dec!(12.50), Some(dec!(13.00))).0, dec!(12.50), "an ack never raises the cost");
    }

    #[test]
    fn totals_add_charges_and_tax_and_subtract_allowances_rounding_half_even() {
        let adj = |kind, code: &str, amount| Adjustment { kind, code: code.into(), description: None, amount };
        let a = vec![
            adj(AdjustmentKind::Charge, "Freight", dec!(10)),
            adj(AdjustmentKind::Allowance, "Promotional", dec!(5)),
            adj(AdjustmentKind::Tax, "VAT", dec!(2.5)),
        ];
        let t = totals([dec!(100.0050), dec!(0.0000)], &a, "USD");
        assert_eq!((t.subtotal, t.charges, t.allowances, t.tax), (dec!(100.0050), dec!(10), dec!(5), dec!(2.5)));
        assert_eq!(t.total, dec!(107.50), "107.505 rounds half-even to 107.50");
        assert_eq!(totals([dec!(100.5)], &[], "JPY").total, dec!(100));
        assert_eq!(totals([dec!(101.5)], &[], "JPY").total, dec!(102));
    }

    #[test]
    fn adjustments_are_checked_against_their_kind() {
        let adj = |kind, code: &str, amount| Adjustment { kind, code: code.into(), description: None, amount };
        assert!(check_adjustment(&adj(AdjustmentKind::Charge, "Freight", dec!(1)), "USD").is_ok());
        assert_eq!(check_adjustment(&adj(AdjustmentKind::Charge, "Promotional", dec!(1)), "USD").unwrap_err().0, "type");
        assert_eq!(check_adjustment(&adj(AdjustmentKind::Tax, "VAT", dec!(0)), "USD").unwrap_err().0, "amount");
        assert_eq!(check_adjustment(&adj(AdjustmentKind::Tax, "VAT", dec!(1.005)), "USD").unwrap_err().0, "amount");
        assert_eq!(check_adjustment(&adj(AdjustmentKind::Tax, "VAT", dec!(1.5)), "JPY").unwrap_err().0, "amount");
    }

    #[test]
    fn invoice_numbers_are_trimmed_ascii_of_at_most_40() {
        assert_eq!(invoice_number("  INV-2026/001 ").unwrap(), "INV-2026/001");
        assert!(invoice_number("").is_err());
        assert!(invoice_number(&"9".repeat(41)).is_err());
        assert!(invoice_number("发票1").is_err());
    }

    proptest! {
        #[test]
        fn accepted_invoices_never_exceed_what_shipped(shipped in 0i64..1000, elsewhere in 0i64..1000, qtys in proptest::collection::vec(-5i64..600, 1..4)) {
            let lines = vec![facts(line(1, shipped), elsewhere)];
            let drafts: Vec<_> = qtys.iter().enumerate().map(|(i, q)| draft(i + 1, "SKU-1", *q)).collect();
            if check_invoice_lines(&drafts, &lines, "USD").is_ok() {
                prop_assert!(qtys.iter().all(|q| *q > 0));
                prop_assert!(elsewhere + qtys.iter().sum::<i64>() <= shipped);
            }
        }

        #[test]
        fn flip_never_offers_more_than_shipped_minus_invoiced(shipped in 0i64..1000, invoiced in 0i64..1500) {
            let got = flip(&[line(1, shipped)], &HashMap::new(), &HashMap::from([(1, invoiced)]));
            let offered: i64 = got.iter().map(|l| l.quantity).sum();
            prop_assert_eq!(offered, (shipped - invoiced).max(0));
        }
    }
}
