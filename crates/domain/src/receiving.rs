//! Receiving against the ASN: what a DC found compared with what the vendor announced, carton by carton, and the
//! received totals per PO line.
//!
//! DOMAIN.md "Shipments (ASN) and receiving": the DC scans cartons by SSCC and records received and damaged
//! quantities per PO line; differences to the ASN feed ASN accuracy and shortage claims. The comparison is per
//! carton, not per shipment, because the SSCC is the unit the vendor labelled: a unit of line 1 packed in carton 4
//! instead of carton 3 is a mistake on the label even when the shipment's totals agree.
//!
//! A [`ReceivedLine`]'s `received` counts every unit found, damaged ones included, and `damaged` says how many of
//! them were damaged (DOMAIN.md: "received = good + damaged units"). Damage is not an ASN discrepancy — the vendor
//! did send the unit — it is settled under the damage allowance.
//!
//! Receipts are stored data, but a corrupt row must not panic the rules: negative counts read as 0 and sums saturate.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::defects::DefectKind;
use crate::gs1::Sscc;
use crate::shipments::{Carton, Receipt, ReceivedCarton, ReceivedLine, Shipment};

/// One difference between the ASN and the receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    /// [`DefectKind::AsnShortage`], [`DefectKind::AsnOverage`] or [`DefectKind::WrongItem`].
    pub kind: DefectKind,
    /// The carton concerned (as on the ASN, or as scanned for a carton the ASN does not have).
    pub sscc: Option<String>,
    /// The PO line concerned, when known (an item nobody ordered has none).
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    pub gtin: String,
    /// Eaches the ASN announced in this carton for this line (0 for a wrong item).
    pub expected: i64,
    /// Eaches found (damaged included).
    pub received: i64,
    /// Plain words: which carton, what was announced, what was found.
    pub detail: String,
}

impl Discrepancy {
    /// The eaches in question: the shortfall, the excess, or the wrong units.
    pub fn units(&self) -> i64 {
        self.expected.saturating_sub(self.received).saturating_abs()
    }
}

/// Compares what the ASN announced per carton with what was received: cartons never scanned are short by their whole
/// contents; a scanned carton's line with fewer units is a shortage, more an overage; cartons not on the ASN and items
/// not announced in the carton are [`DefectKind::WrongItem`]. Damaged units count as received (they are a separate
/// matter for the damage allowance).
///
/// SSCCs are compared in their 18-digit form, so a scan with the `(00)` application identifier matches. Lines are
/// matched by (PO, line); a carton scanned more than once adds up its scans. The result follows the ASN's carton
/// order (within a carton: announced lines in ASN order, then unexpected items), then cartons not on the ASN in scan order.
pub fn discrepancies(asn: &Shipment, receipt: &Receipt) -> Vec<Discrepancy> {
    let mut scans: HashMap<String, Vec<&ReceivedCarton>> = HashMap::new();
    let mut scan_order: Vec<String> = Vec::new();
    for scanned in &receipt.cartons {
        let key = canonical(&scanned.sscc);
        let entry = scans.entry(key.clone()).or_default();
        if entry.is_empty() {
            scan_order.push(key);
        }
        entry.push(scanned);
    }

    let mut out = Vec::new();
    let mut announced: HashSet<&str> = HashSet::with_capacity(asn.cartons.len());
    for carton in &asn.cartons {
        if !announced.insert(carton.sscc.as_str()) {
            // An SSCC twice on one ASN cannot pass the ASN rules; compare its first carton only rather than count the scan twice.
            continue;
        }
        let label = format!("carton {} (SSCC {})", carton.seq, carton.sscc);
        match scans.get(carton.sscc.as_str()) {
            None => missing_carton(asn, carton, &label, &mut out),
            Some(scanned) => compare_carton(carton, scanned, &label, &mut out),
        }
    }

    for key in &scan_order {
        if announced.contains(key.as_str()) {
            continue;
        }
        let sscc = (!key.is_empty()).then(|| key.clone());
        let label = if key.is_empty() { "a carton without a readable SSCC".to_string() } else { format!("carton SSCC {key}") };
        let lines: Vec<&ReceivedLine> = scans[key].iter().flat_map(|c| &c.lines).filter(|l| found(l) > 0).collect();
        if lines.is_empty() {
            out.push(Discrepancy {
                kind: DefectKind::WrongItem,
                sscc,
                po_number: None,
                line_no: None,
                gtin: String::new(),
                expected: 0,
                received: 0,
                detail: format!("{label} was received but is not on ASN {}, and nothing was recorded in it", asn.shipment_number),
            });
            continue;
        }
        for line in lines {
            out.push(wrong_item(line, sscc.clone(), format!("{label} was received but is not on ASN {}", asn.shipment_number)));
        }
    }
    out
}

/// Received and damaged eaches per (po_id, line_no) in a receipt (lines without a PO line are left out).
pub fn line_totals(receipt: &Receipt) -> BTreeMap<(Uuid, i64), (i64, i64)> {
    let mut out: BTreeMap<(Uuid, i64), (i64, i64)> = BTreeMap::new();
    for line in receipt.cartons.iter().flat_map(|c| &c.lines) {
        if let (Some(po_id), Some(line_no)) = (line.po_id, line.line_no) {
            let (received, damaged) = out.entry((po_id, line_no)).or_insert((0, 0));
            *received = received.saturating_add(found(line));
            *damaged = damaged.saturating_add(line.damaged.max(0));
        }
    }
    out
}

/// One announced PO line of a carton (items of the same line, e.g. two lots, add up).
struct Announced<'a> {
    po_id: Uuid,
    po_number: &'a str,
    line_no: i64,
    gtin: &'a str,
    quantity: i64,
}

fn announced_lines(carton: &Carton) -> Vec<Announced<'_>> {
    let mut out: Vec<Announced> = Vec::with_capacity(carton.items.len());
    let mut at: HashMap<(Uuid, i64), usize> = HashMap::with_capacity(carton.items.len());
    for item in &carton.items {
        match at.get(&(item.po_id, item.line_no)) {
            Some(&k) => out[k].quantity = out[k].quantity.saturating_add(item.quantity.max(0)),
            None => {
                at.insert((item.po_id, item.line_no), out.len());
                out.push(Announced { po_id: item.po_id, po_number: &item.po_number, line_no: item.line_no, gtin: &item.gtin, quantity: item.quantity.max(0) });
            }
        }
    }
    out
}

/// A carton on the ASN that was never scanned: short by everything in it.
fn missing_carton(asn: &Shipment, carton: &Carton, label: &str, out: &mut Vec<Discrepancy>) {
    for a in announced_lines(carton) {
        out.push(Discrepancy {
            kind: DefectKind::AsnShortage,
            sscc: Some(carton.sscc.to_string()),
            po_number: Some(a.po_number.to_string()),
            line_no: Some(a.line_no),
            gtin: a.gtin.to_string(),
            expected: a.quantity,
            received: 0,
            detail: format!(
                "{label} is on ASN {} but was never scanned: {} of PO {} line {} (GTIN {}) count as short",
                asn.shipment_number,
                eaches(a.quantity),
                a.po_number,
                a.line_no,
                a.gtin
            ),
        });
    }
}

/// A scanned carton of the ASN: each announced line against what was found, then what was found but not announced.
fn compare_carton(carton: &Carton, scanned: &[&ReceivedCarton], label: &str, out: &mut Vec<Discrepancy>) {
    let announced = announced_lines(carton);
    let keys: HashSet<(Uuid, i64)> = announced.iter().map(|a| (a.po_id, a.line_no)).collect();
    let mut got: HashMap<(Uuid, i64), i64> = HashMap::new();
    let mut unexpected: Vec<&ReceivedLine> = Vec::new();
    for line in scanned.iter().flat_map(|c| &c.lines) {
        match (line.po_id, line.line_no) {
            (Some(po_id), Some(line_no)) if keys.contains(&(po_id, line_no)) => {
                let sum = got.entry((po_id, line_no)).or_insert(0);
                *sum = sum.saturating_add(found(line));
            }
            // An entry with nothing in it records no item, so it is no wrong item either.
            _ if found(line) > 0 => unexpected.push(line),
            _ => {}
        }
    }
    for a in &announced {
        let received = got.get(&(a.po_id, a.line_no)).copied().unwrap_or(0);
        let (kind, word, diff) = match received.cmp(&a.quantity) {
            std::cmp::Ordering::Equal => continue,
            std::cmp::Ordering::Less => (DefectKind::AsnShortage, "short", a.quantity.saturating_sub(received)),
            std::cmp::Ordering::Greater => (DefectKind::AsnOverage, "over", received.saturating_sub(a.quantity)),
        };
        out.push(Discrepancy {
            kind,
            sscc: Some(carton.sscc.to_string()),
            po_number: Some(a.po_number.to_string()),
            line_no: Some(a.line_no),
            gtin: a.gtin.to_string(),
            expected: a.quantity,
            received,
            detail: format!(
                "{label}: PO {} line {} (GTIN {}): the ASN announced {}, {received} {} received — {diff} {word}",
                a.po_number,
                a.line_no,
                a.gtin,
                eaches(a.quantity),
                if received == 1 { "was" } else { "were" }
            ),
        });
    }
    for line in unexpected {
        out.push(wrong_item(line, Some(carton.sscc.to_string()), format!("{label} held an item the ASN did not announce in it")));
    }
}

fn wrong_item(line: &ReceivedLine, sscc: Option<String>, what: String) -> Discrepancy {
    let received = found(line);
    let of = match (&line.po_number, line.line_no) {
        (Some(po), Some(no)) => format!(" (PO {po} line {no})"),
        (Some(po), None) => format!(" (PO {po})"),
        _ => " (no PO line on the ASN)".to_string(),
    };
    let gtin = if line.gtin.is_empty() { "an unidentified item".to_string() } else { format!("GTIN {}", line.gtin) };
    Discrepancy {
        kind: DefectKind::WrongItem,
        sscc,
        po_number: line.po_number.clone(),
        line_no: line.line_no,
        gtin: line.gtin.clone(),
        expected: 0,
        received,
        detail: format!("{what}: {} of {gtin}{of}", eaches(received)),
    }
}

/// Units found in a received line (damaged included), never below 0.
fn found(line: &ReceivedLine) -> i64 {
    line.received.max(0)
}

/// The 18-digit SSCC when the scan parses, else the scan as read (trimmed), so unknown labels still group.
fn canonical(scanned: &str) -> String {
    Sscc::parse(scanned).map(|s| s.to_string()).unwrap_or_else(|_| scanned.trim().to_string())
}

/// "1 each", "24 eaches".
fn eaches(n: i64) -> String {
    if n == 1 { "1 each".to_string() } else { format!("{n} eaches") }
}

/// Hand-made POs, shipments and receipts shared by the ASN, receiving and defect tests.
#[cfg(test)]
pub(crate) mod testing {
    use chrono::{DateTime, NaiveDate, Utc};
    use rust_decimal::dec;
    use uuid::Uuid;

    use crate::gs1::{Sscc, check_digit};
    use crate::ids::TenantId;
    use crate::master::Address;
    use crate::orders::{FreightTerms, LineConfirmation, PaymentTerms, PoLine, PoState, PoType, PurchaseOrder, QuantityUnit, ReceiveStatus, Window};
    use crate::shipments::{Carton, CartonItem, Confirmation, Receipt, ReceiptStatus, ReceivedCarton, ReceivedLine, Shipment, ShipmentStatus, ShipmentType};

    /// The DC the ASNs ship to (ABE2) and another one (ONT8).
    pub const DC: Uuid = Uuid::from_u128(0xD1);
    pub const OTHER_DC: Uuid = Uuid::from_u128(0xD2);
    pub const PREFIX: &str = "0614141";

    pub fn utc(s: &str) -> DateTime<Utc> {
        format!("{s}Z").parse().unwrap()
    }

    pub fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A PO issued 2026-03-01 10:00 UTC (ack due 03-02 10:00, acknowledged), ship window 03-05..03-10, delivery 03-08..03-14.
    pub fn po(id: u128, number: &str, dc: Uuid) -> PurchaseOrder {
        let issued = utc("2026-03-01T10:00:00");
        PurchaseOrder {
            id: Uuid::from_u128(id),
            tenant: TenantId(Uuid::from_u128(0x7E)),
            number: number.into(),
            vendor_code: "ACME1".into(),
            dc_id: dc,
            dc_code: if dc == DC { "ABE2".into() } else { "ONT8".into() },
            po_type: PoType::RegularOrder,
            state: PoState::Acknowledged,
            order_date: day("2026-03-01"),
            ship_window: Window::new(day("2026-03-05"), day("2026-03-10")).unwrap(),
            delivery_window: Window::new(day("2026-03-08"), day("2026-03-14")).unwrap(),
            freight_terms: FreightTerms::Prepaid,
            payment_terms: PaymentTerms::Net30,
            currency: "USD".into(),
            deal_code: None,
            revision: 1,
            revision_at: issued,
            ack_due_at: utc("2026-03-02T10:00:00"),
            acked_revision: 1,
            reminded_revision: 0,
            line_count: 2,
            total_cost: dec!(100),
            issued_at: issued,
            closed_at: None,
            created_at: issued,
            updated_at: issued,
        }
    }

    /// A GTIN-14 string per line number (right check digit).
    pub fn gtin(line_no: i64) -> String {
        let body = format!("0061414100{line_no:03}");
        format!("{body}{}", check_digit(&body))
    }

    /// A line of `ordered` eaches of which `committed` are acknowledged.
    pub fn line(po: &PurchaseOrder, line_no: i64, ordered: i64, committed: i64) -> PoLine {
        PoLine {
            po_id: po.id,
            line_no,
            item_id: Uuid::from_u128(0x100 + line_no as u128),
            vendor_sku: format!("SKU-{line_no}"),
            gtin: gtin(line_no),
            retailer_item_id: format!("B00000000{line_no}"),
            title: format!("Item {line_no}"),
            ordered_quantity: ordered,
            unit: QuantityUnit::Eaches,
            unit_size: 1,
            net_cost: dec!(2.50),
            list_price: dec!(5.00),
            backorder_allowed: true,
            cancelled: false,
            confirmation: if committed > 0 { LineConfirmation::Accepted } else { LineConfirmation::Unconfirmed },
            committed_eaches: committed,
            shipped_eaches: 0,
            received_eaches: 0,
            damaged_eaches: 0,
            receive_status: ReceiveStatus::NotReceived,
        }
    }

    /// An SSCC of the vendor's prefix.
    pub fn sscc(serial: u64) -> Sscc {
        Sscc::generate(0, PREFIX, serial).unwrap()
    }

    pub fn item(po: &PurchaseOrder, line_no: i64, quantity: i64) -> CartonItem {
        CartonItem {
            po_id: po.id,
            po_number: po.number.clone(),
            line_no,
            vendor_sku: format!("SKU-{line_no}"),
            gtin: gtin(line_no),
            quantity,
            lot: None,
            expiry: None,
        }
    }

    pub fn carton(seq: i64, items: Vec<CartonItem>) -> Carton {
        Carton { seq, sscc: sscc(seq as u64), pallet: None, items }
    }

    /// Shipped 2026-03-06 08:00 UTC, ASN due 08:30, first submitted 08:10; not arrived.
    pub fn shipment(id: u128, number: &str, cartons: Vec<Carton>) -> Shipment {
        let submitted = utc("2026-03-06T08:10:00");
        Shipment {
            id: Uuid::from_u128(id),
            tenant: TenantId(Uuid::from_u128(0x7E)),
            shipment_number: number.into(),
            vendor_code: "ACME1".into(),
            dc_id: DC,
            dc_code: "ABE2".into(),
            ship_from: Address::default(),
            status: ShipmentStatus::Shipped,
            shipment_type: ShipmentType::LessThanTruckLoad,
            confirmation: Confirmation::Original,
            revision: 1,
            ship_date: utc("2026-03-06T08:00:00"),
            estimated_arrival: Some(utc("2026-03-09T08:00:00")),
            carrier_scac: None,
            tracking_number: None,
            bol_number: None,
            arn: None,
            freight_terms: FreightTerms::Prepaid,
            asn_due_at: utc("2026-03-06T08:30:00"),
            first_submitted_at: submitted,
            submitted_at: submitted,
            arrived_at: None,
            received_at: None,
            pallets: Vec::new(),
            cartons,
            created_at: submitted,
            updated_at: submitted,
        }
    }

    /// What was found of `item` in a carton.
    pub fn got(item: &CartonItem, received: i64, damaged: i64) -> ReceivedLine {
        ReceivedLine {
            po_id: Some(item.po_id),
            po_number: Some(item.po_number.clone()),
            line_no: Some(item.line_no),
            gtin: item.gtin.clone(),
            received,
            damaged,
            unexpected: false,
        }
    }

    pub fn scanned(sscc: &str, lines: Vec<ReceivedLine>) -> ReceivedCarton {
        ReceivedCarton { sscc: sscc.into(), on_asn: true, scanned_at: utc("2026-03-09T09:00:00"), lines }
    }

    /// Every carton of `s` scanned with exactly what the ASN announced.
    pub fn as_announced(s: &Shipment) -> Vec<ReceivedCarton> {
        s.cartons.iter().map(|c| scanned(c.sscc.as_str(), c.items.iter().map(|i| got(i, i.quantity, 0)).collect())).collect()
    }

    /// A receipt of `s` checked in 2026-03-09 08:30 UTC, closed at `closed` (or open).
    pub fn receipt(s: &Shipment, cartons: Vec<ReceivedCarton>, closed: Option<&str>) -> Receipt {
        Receipt {
            id: Uuid::from_u128(s.id.as_u128() + 0x1000),
            tenant: s.tenant,
            shipment_id: s.id,
            dc_id: s.dc_id,
            status: if closed.is_some() { ReceiptStatus::Closed } else { ReceiptStatus::Open },
            checked_in_at: utc("2026-03-09T08:30:00"),
            closed_at: closed.map(utc),
            cartons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    /// PO 4XK92P7Q to ABE2: carton 1 holds 10 of line 1 and 5 of line 2, carton 2 holds 8 of line 1.
    fn asn() -> (crate::orders::PurchaseOrder, Shipment) {
        let po = po(1, "4XK92P7Q", DC);
        let s = shipment(10, "ASN-0001", vec![carton(1, vec![item(&po, 1, 10), item(&po, 2, 5)]), carton(2, vec![item(&po, 1, 8)])]);
        (po, s)
    }

    fn kinds(d: &[Discrepancy]) -> Vec<(DefectKind, Option<i64>, i64, i64)> {
        d.iter().map(|d| (d.kind, d.line_no, d.expected, d.received)).collect()
    }

    #[test]
    fn a_receipt_as_announced_has_no_discrepancy() {
        let (_, s) = asn();
        let r = receipt(&s, as_announced(&s), Some("2026-03-09T12:00:00"));
        assert_eq!(discrepancies(&s, &r), []);
        // Damaged units were sent: they are received, not short.
        let mut cartons = as_announced(&s);
        cartons[0].lines[0].damaged = 3;
        assert_eq!(discrepancies(&s, &receipt(&s, cartons, None)), []);
        // A scan with the (00) application identifier is the same carton.
        let mut cartons = as_announced(&s);
        cartons[1].sscc = format!("(00) {}", s.cartons[1].sscc);
        assert_eq!(discrepancies(&s, &receipt(&s, cartons, None)), []);
    }

    #[test]
    fn a_carton_never_scanned_is_short_by_its_whole_contents() {
        let (_, s) = asn();
        let mut cartons = as_announced(&s);
        cartons.remove(0);
        let got = discrepancies(&s, &receipt(&s, cartons, None));
        assert_eq!(kinds(&got), [(DefectKind::AsnShortage, Some(1), 10, 0), (DefectKind::AsnShortage, Some(2), 5, 0)]);
        assert_eq!(got[0].sscc.as_deref(), Some(s.cartons[0].sscc.as_str()));
        assert_eq!(got[0].po_number.as_deref(), Some("4XK92P7Q"));
        assert_eq!(got[0].gtin, gtin(1));
        assert_eq!(
            got[1].detail,
            format!(
                "carton 1 (SSCC {}) is on ASN ASN-0001 but was never scanned: 5 eaches of PO 4XK92P7Q line 2 (GTIN {}) count as short",
                s.cartons[0].sscc,
                gtin(2)
            )
        );
        assert_eq!(got[1].units(), 5);
    }

    #[test]
    fn a_short_line_and_an_over_line_in_a_scanned_carton() {
        let (_, s) = asn();
        let mut cartons = as_announced(&s);
        cartons[0].lines[0].received = 7; // line 1: 10 announced
        cartons[0].lines[1].received = 6; // line 2: 5 announced
        let got = discrepancies(&s, &receipt(&s, cartons, None));
        assert_eq!(kinds(&got), [(DefectKind::AsnShortage, Some(1), 10, 7), (DefectKind::AsnOverage, Some(2), 5, 6)]);
        assert_eq!((got[0].units(), got[1].units()), (3, 1));
        assert_eq!(
            got[0].detail,
            format!("carton 1 (SSCC {}): PO 4XK92P7Q line 1 (GTIN {}): the ASN announced 10 eaches, 7 were received — 3 short", s.cartons[0].sscc, gtin(1))
        );
        assert!(got[1].detail.ends_with("the ASN announced 5 eaches, 6 were received — 1 over"), "{}", got[1].detail);
        // A line announced in the carton but not recorded at all is short by all of it.
        let mut cartons = as_announced(&s);
        cartons[0].lines.remove(1);
        assert_eq!(kinds(&discrepancies(&s, &receipt(&s, cartons, None))), [(DefectKind::AsnShortage, Some(2), 5, 0)]);
    }

    #[test]
    fn items_of_one_line_in_one_carton_add_up() {
        let po = po(1, "4XK92P7Q", DC);
        let lot = |lot: &str, q| crate::shipments::CartonItem { lot: Some(lot.into()), ..item(&po, 1, q) };
        let s = shipment(10, "ASN-0001", vec![carton(1, vec![lot("A", 4), lot("B", 6)])]);
        let r = receipt(&s, vec![scanned(s.cartons[0].sscc.as_str(), vec![got(&item(&po, 1, 0), 10, 0)])], None);
        assert_eq!(discrepancies(&s, &r), []);
    }

    #[test]
    fn a_carton_not_on_the_asn_is_a_wrong_item() {
        let (po, s) = asn();
        let mut cartons = as_announced(&s);
        let stranger = sscc(99);
        cartons.push(ReceivedCarton { on_asn: false, ..scanned(stranger.as_str(), vec![got(&item(&po, 1, 0), 4, 0)]) });
        cartons.push(ReceivedCarton { on_asn: false, ..scanned("not a label", vec![]) });
        let got = discrepancies(&s, &receipt(&s, cartons, None));
        assert_eq!(kinds(&got), [(DefectKind::WrongItem, Some(1), 0, 4), (DefectKind::WrongItem, None, 0, 0)]);
        assert_eq!(got[0].sscc.as_deref(), Some(stranger.as_str()));
        assert_eq!(got[0].units(), 4);
        assert_eq!(got[0].detail, format!("carton SSCC {stranger} was received but is not on ASN ASN-0001: 4 eaches of GTIN {} (PO 4XK92P7Q line 1)", gtin(1)));
        assert_eq!(got[1].sscc.as_deref(), Some("not a label"));
        assert!(got[1].detail.ends_with("is not on ASN ASN-0001, and nothing was recorded in it"), "{}", got[1].detail);
    }

    #[test]
    fn an_item_not_announced_in_its_carton_is_a_wrong_item() {
        let (po, s) = asn();
        let mut cartons = as_announced(&s);
        // Line 2 belongs in carton 1, not carton 2; and an item nobody ordered.
        cartons[1].lines.push(ReceivedLine { unexpected: true, ..got(&item(&po, 2, 0), 2, 0) });
        cartons[1].lines.push(ReceivedLine {
            po_id: None,
            po_number: None,
            line_no: None,
            gtin: "04006381333931".into(),
            received: 1,
            damaged: 1,
            unexpected: true,
        });
        let got = discrepancies(&s, &receipt(&s, cartons, None));
        assert_eq!(kinds(&got), [(DefectKind::WrongItem, Some(2), 0, 2), (DefectKind::WrongItem, None, 0, 1)]);
        assert_eq!(got[1].po_number, None);
        assert_eq!(
            got[1].detail,
            format!("carton 2 (SSCC {}) held an item the ASN did not announce in it: 1 each of GTIN 04006381333931 (no PO line on the ASN)", s.cartons[1].sscc)
        );
    }

    #[test]
    fn corrupt_counts_do_not_panic() {
        let (po, s) = asn();
        let mut cartons = as_announced(&s);
        cartons[0].lines[0].received = i64::MAX;
        cartons[0].lines.push(got(&item(&po, 1, 0), i64::MAX, i64::MAX));
        cartons[1].lines[0].received = -5;
        let got = discrepancies(&s, &receipt(&s, cartons.clone(), None));
        assert_eq!(kinds(&got), [(DefectKind::AsnOverage, Some(1), 10, i64::MAX), (DefectKind::AsnShortage, Some(1), 8, 0)]);
        let totals = line_totals(&receipt(&s, cartons, None));
        assert_eq!(totals[&(po.id, 1)], (i64::MAX, i64::MAX));
    }

    #[test]
    fn line_totals_sum_received_and_damaged_per_line() {
        let (po, s) = asn();
        let mut cartons = as_announced(&s);
        cartons[1].lines[0].damaged = 2;
        cartons[1].lines.push(ReceivedLine { po_id: None, po_number: None, line_no: None, gtin: gtin(9), received: 3, damaged: 0, unexpected: true });
        let totals = line_totals(&receipt(&s, cartons, None));
        assert_eq!(totals.into_iter().collect::<Vec<_>>(), [((po.id, 1), (18, 2)), ((po.id, 2), (5, 0))]);
    }
}
