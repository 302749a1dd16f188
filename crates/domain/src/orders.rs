//! Purchase orders and their acknowledgements: the types every layer shares. Spellings follow
//! Amazon's vendorOrders model (`RegularOrder`, `Accepted`, `TemporarilyUnavailable`, …) so the
//! SP-API surface and EDI mapping translate nothing. Quantities in rules are always eaches; a line
//! ordered in cases carries its unit size.
//!
//! The acknowledgement rules live in [`crate::ack`], the line and PO state derivations here.

use crate::ids::TenantId;
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// The kind of purchase order.
    pub enum PoType {
        RegularOrder = "RegularOrder",
        RushOrder = "RushOrder",
        NewProductIntroduction = "NewProductIntroduction",
        ConsignedOrder = "ConsignedOrder",
    }
}

text_enum! {
    /// The SP-API view of a PO: `New` until the current revision is acknowledged, `Closed` when done.
    pub enum PoState { New = "New", Acknowledged = "Acknowledged", Closed = "Closed" }
}

text_enum! {
    /// Who arranges the truck: `Collect` — the retailer routes the carrier; `Prepaid` — the vendor ships and books the dock.
    pub enum FreightTerms { Collect = "Collect", Prepaid = "Prepaid" }
}

text_enum! {
    /// Payment terms on the PO (early-pay discounts come with the agreement terms).
    pub enum PaymentTerms { Net30 = "NET30", Net60 = "NET60", Net90 = "NET90" }
}

text_enum! {
    /// The unit an ordered quantity is counted in.
    pub enum QuantityUnit { Eaches = "Eaches", Cases = "Cases" }
}

text_enum! {
    /// A line's confirmation, derived from the latest acknowledgement of the current revision.
    pub enum LineConfirmation {
        Unconfirmed = "UNCONFIRMED",
        Accepted = "ACCEPTED",
        PartiallyAccepted = "PARTIALLY_ACCEPTED",
        Rejected = "REJECTED",
    }
}

text_enum! {
    /// A line's receiving progress.
    pub enum ReceiveStatus { NotReceived = "NOT_RECEIVED", PartiallyReceived = "PARTIALLY_RECEIVED", Received = "RECEIVED" }
}

text_enum! {
    /// What the vendor says about a quantity of a line.
    pub enum AckCode { Accepted = "Accepted", Backordered = "Backordered", Rejected = "Rejected" }
}

text_enum! {
    /// Why units are rejected.
    pub enum RejectionReason {
        TemporarilyUnavailable = "TemporarilyUnavailable",
        InvalidProductIdentifier = "InvalidProductIdentifier",
        ObsoleteProduct = "ObsoleteProduct",
    }
}

text_enum! {
    /// Where a document came in from (shown in histories; rules are the same for all).
    pub enum Channel { Ui = "ui", Api = "api", Csv = "csv", Edi = "edi", System = "system" }
}

/// An inclusive window of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Window, String> {
        if end < start { Err(format!("ends on {end}, before it starts on {start}")) } else { Ok(Window { start, end }) }
    }
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub id: Uuid,
    pub tenant: TenantId,
    /// 8 upper-case alphanumerics, unique across vendors.
    pub number: String,
    pub vendor_code: String,
    pub dc_id: Uuid,
    pub dc_code: String,
    pub po_type: PoType,
    pub state: PoState,
    pub order_date: NaiveDate,
    pub ship_window: Window,
    pub delivery_window: Window,
    pub freight_terms: FreightTerms,
    pub payment_terms: PaymentTerms,
    pub currency: String,
    pub deal_code: Option<String>,
    /// Bumped by every change event after issue; the vendor must acknowledge the current revision.
    pub revision: i64,
    /// When the current revision was issued (the PO itself, or its latest change).
    pub revision_at: DateTime<Utc>,
    /// The acknowledgement of the current revision is due by then.
    pub ack_due_at: DateTime<Utc>,
    /// The revision the latest acknowledgement answered (0: none yet).
    pub acked_revision: i64,
    /// The revision whose "acknowledgement due soon" notice went out (0: none).
    pub reminded_revision: i64,
    /// Number of lines and the total net cost of the uncancelled lines (shown in lists without reading lines).
    pub line_count: i64,
    pub total_cost: Decimal,
    pub issued_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PurchaseOrder {
    /// Whether the vendor still owes an acknowledgement of the current revision.
    pub fn ack_outstanding(&self) -> bool {
        self.closed_at.is_none() && self.acked_revision < self.revision
    }

    /// The SP-API state from the facts.
    pub fn derive_state(&self) -> PoState {
        if self.closed_at.is_some() {
            PoState::Closed
        } else if self.acked_revision >= self.revision {
            PoState::Acknowledged
        } else {
            PoState::New
        }
    }
}

/// A PO line. `ordered_quantity` is in `unit`; `unit_size` eaches make one unit (1 for eaches).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoLine {
    pub po_id: Uuid,
    pub line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub retailer_item_id: String,
    pub title: String,
    pub ordered_quantity: i64,
    pub unit: QuantityUnit,
    pub unit_size: i64,
    /// Net cost per each.
    pub net_cost: Decimal,
    pub list_price: Decimal,
    pub backorder_allowed: bool,
    pub cancelled: bool,
    pub confirmation: LineConfirmation,
    /// Eaches accepted plus backordered by the latest acknowledgement (what the vendor committed to ship).
    pub committed_eaches: i64,
    pub shipped_eaches: i64,
    pub received_eaches: i64,
    pub damaged_eaches: i64,
    pub receive_status: ReceiveStatus,
}

impl PoLine {
    /// The ordered quantity in eaches (0 once cancelled).
    pub fn ordered_eaches(&self) -> i64 {
        if self.cancelled { 0 } else { self.ordered_quantity.saturating_mul(self.unit_size) }
    }

    /// Receiving progress from received against ordered eaches.
    pub fn derive_receive_status(&self) -> ReceiveStatus {
        let ordered = self.ordered_eaches();
        if self.received_eaches == 0 {
            ReceiveStatus::NotReceived
        } else if self.received_eaches < ordered {
            ReceiveStatus::PartiallyReceived
        } else {
            ReceiveStatus::Received
        }
    }

    /// Done for closing: cancelled, or received in full.
    pub fn settled(&self) -> bool {
        self.cancelled || self.received_eaches >= self.ordered_eaches()
    }
}

/// Days after the delivery window's end at which an unfinished PO closes by itself.
pub const CLOSE_AFTER_DELIVERY_DAYS: i64 = 7;

/// A PO closes when every line is received or cancelled, or 7 days after its delivery window ends.
pub fn should_close(po: &PurchaseOrder, lines: &[PoLine], today: NaiveDate) -> bool {
    po.closed_at.is_none() && (lines.iter().all(PoLine::settled) || today > po.delivery_window.end + chrono::Days::new(CLOSE_AFTER_DELIVERY_DAYS as u64))
}

/// A filter over PO lists (every field optional; `tenant` is set by the service from the principal, never from a request).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoFilter {
    pub tenant: Option<TenantId>,
    pub state: Option<PoState>,
    pub dc_code: Option<String>,
    pub vendor_code: Option<String>,
    pub ordered_from: Option<NaiveDate>,
    pub ordered_to: Option<NaiveDate>,
    /// Exact PO number or its prefix.
    pub number: Option<String>,
    /// Only POs whose current revision still awaits acknowledgement.
    pub ack_outstanding: bool,
}

/// One entry of a PO's history (issue, change events, acknowledgements, receipts, closing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoEvent {
    pub id: Uuid,
    pub po_id: Uuid,
    pub revision: i64,
    /// `created`, `changed`, `cancelled`, `acknowledged`, `received`, `closed`…
    pub kind: String,
    pub summary: String,
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A PO number: 8 upper-case letters or digits, unique across vendors.
pub fn po_number(input: &str) -> Result<String, String> {
    let v = input.trim().to_uppercase();
    let expected = "a PO number is 8 letters or digits, e.g. 4XK92P7Q";
    if let Some(bad) = v.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("contains `{bad}`; {expected}"));
    }
    if v.len() != 8 {
        return Err(format!("has {} characters; {expected}", v.len()));
    }
    Ok(v)
}

/// One part of a line's acknowledgement: a quantity of eaches with a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckPart {
    pub code: AckCode,
    /// Eaches.
    pub quantity: i64,
    /// Backordered units: when they ship or arrive (at least one is required).
    pub scheduled_ship_date: Option<NaiveDate>,
    pub scheduled_delivery_date: Option<NaiveDate>,
    /// Rejected units: why.
    pub rejection_reason: Option<RejectionReason>,
}

/// The vendor's answer for one line, as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckLineInput {
    pub line_no: i64,
    /// The cost the vendor acknowledges per each; none means the PO cost.
    pub net_cost: Option<Decimal>,
    pub parts: Vec<AckPart>,
}

/// One line of a stored acknowledgement, resolved: every ordered each is accounted for
/// (lines and remainders left out count as rejected).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckLine {
    pub line_no: i64,
    pub accepted: i64,
    pub backordered: i64,
    pub rejected: i64,
    pub net_cost: Decimal,
    pub scheduled_ship_date: Option<NaiveDate>,
    pub scheduled_delivery_date: Option<NaiveDate>,
    pub rejection_reason: Option<RejectionReason>,
}

impl AckLine {
    pub fn committed(&self) -> i64 {
        self.accepted.saturating_add(self.backordered)
    }

    /// The confirmation this answer gives a line (a cancelled line keeps its own, it resolves to zeros).
    pub fn confirmation(&self) -> LineConfirmation {
        match (self.committed(), self.rejected) {
            (0, _) => LineConfirmation::Rejected,
            (_, 0) => LineConfirmation::Accepted,
            _ => LineConfirmation::PartiallyAccepted,
        }
    }
}

/// One acknowledgement version of a PO. Versions are kept, never overwritten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub id: Uuid,
    pub po_id: Uuid,
    /// 1, 2, 3… per PO.
    pub version: i64,
    /// The PO revision this answers.
    pub po_revision: i64,
    pub channel: Channel,
    /// Who submitted it (user e-mail or API client name), for the history.
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    /// Whether it arrived after the due time of its revision.
    pub late: bool,
    pub lines: Vec<AckLine>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    pub fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(qty: i64, size: i64) -> PoLine {
        PoLine {
            po_id: Uuid::nil(),
            line_no: 1,
            item_id: Uuid::nil(),
            vendor_sku: "S".into(),
            gtin: "00614141000012".into(),
            retailer_item_id: "B000000001".into(),
            title: "T".into(),
            ordered_quantity: qty,
            unit: if size == 1 { QuantityUnit::Eaches } else { QuantityUnit::Cases },
            unit_size: size,
            net_cost: dec!(1),
            list_price: dec!(2),
            backorder_allowed: true,
            cancelled: false,
            confirmation: LineConfirmation::Unconfirmed,
            committed_eaches: 0,
            shipped_eaches: 0,
            received_eaches: 0,
            damaged_eaches: 0,
            receive_status: ReceiveStatus::NotReceived,
        }
    }

    #[test]
    fn cases_count_in_eaches_and_receiving_progresses() {
        let mut l = line(3, 12);
        assert_eq!(l.ordered_eaches(), 36);
        assert_eq!(l.derive_receive_status(), ReceiveStatus::NotReceived);
        l.received_eaches = 20;
        assert_eq!(l.derive_receive_status(), ReceiveStatus::PartiallyReceived);
        assert!(!l.settled());
        l.received_eaches = 36;
        assert_eq!(l.derive_receive_status(), ReceiveStatus::Received);
        assert!(l.settled());
        let mut c = line(5, 1);
        c.cancelled = true;
        assert_eq!(c.ordered_eaches(), 0);
        assert!(c.settled());
    }

    #[test]
    fn ack_line_confirmation_follows_the_quantities() {
        let mut a = AckLine {
            line_no: 1,
            accepted: 10,
            backordered: 0,
            rejected: 0,
            net_cost: dec!(1),
            scheduled_ship_date: None,
            scheduled_delivery_date: None,
            rejection_reason: None,
        };
        assert_eq!(a.confirmation(), LineConfirmation::Accepted);
        a.rejected = 2;
        assert_eq!(a.confirmation(), LineConfirmation::PartiallyAccepted);
        a.accepted = 0;
        assert_eq!(a.confirmation(), LineConfirmation::Rejected);
        a.backordered = 1;
        assert_eq!(a.confirmation(), LineConfirmation::PartiallyAccepted);
    }

    #[test]
    fn po_numbers_are_eight_alphanumerics() {
        assert_eq!(po_number(" 4xk92p7q ").unwrap(), "4XK92P7Q");
        assert!(po_number("4XK92P7").unwrap_err().starts_with("has 7 characters"));
        assert!(po_number("4XK-2P7Q").unwrap_err().starts_with("contains `-`"));
    }

    #[test]
    fn windows_refuse_ending_before_starting() {
        assert!(Window::new(day("2026-02-02"), day("2026-02-01")).is_err());
        let w = Window::new(day("2026-02-01"), day("2026-02-03")).unwrap();
        assert!(w.contains(day("2026-02-03")) && !w.contains(day("2026-02-04")));
    }
}
