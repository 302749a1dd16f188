//! Purchase orders out: X12 850 and EDIFACT ORDERS D.96A from a PO, X12 860 and EDIFACT ORDCHG D.96A from
//! its changes (quantities down, lines cancelled, windows moved).
//!
//! The 850 follows Amazon's retail shape: `BEG*00*NE*<PO>**<date>`, `CUR`, `REF*CR` vendor code (and `REF*PD`
//! deal), `FOB` collect or prepaid, `CSH` back orders, `DTM*064/063` delivery window and `DTM*037/038` ship
//! window, `N1*ST*<DC name>*92*<DC code>`, then per line `PO1` (quantity in `EA` or `CA`, net cost per each
//! with basis `PE`, ids `UP`/`EN`/`UK` by the GTIN's length, `BP` retailer item id, `VN` vendor SKU), `PO4`
//! with the case pack for lines ordered in cases (so an answer in cases can be counted in eaches), `CTP` list
//! price, and `CTT` with the line count and the quantity hash total. Cancelled lines are not ordered, so they are
//! not written; an 860 tells their cancellation.

use acorn_domain::gs1::Gtin;
use acorn_domain::money::format_amount;
use acorn_domain::orders::{FreightTerms, PoLine, PoType, PurchaseOrder, QuantityUnit};
use rust_decimal::Decimal;

use super::{OutboundError, ccyymmdd};
use crate::writer::{Value, Writer, composite};

/// A PO to send: the PO, its lines, and the ship-to DC's name (the PO carries only its code).
#[derive(Debug, Clone, Copy)]
pub struct PoDocument<'a> {
    pub po: &'a PurchaseOrder,
    pub lines: &'a [PoLine],
    pub ship_to_name: &'a str,
}

/// A PO change to send: the PO and its lines as they are after the change, which lines changed and how, and
/// which windows moved.
#[derive(Debug, Clone, Copy)]
pub struct PoChangeDocument<'a> {
    pub po: &'a PurchaseOrder,
    pub lines: &'a [PoLine],
    pub changes: &'a [LineChange],
    pub ship_window_changed: bool,
    pub delivery_window_changed: bool,
    pub ship_to_name: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineChange {
    pub line_no: i64,
    pub kind: LineChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineChangeKind {
    /// The ordered quantity went down to the line's current quantity.
    QuantityDecreased,
    Cancelled,
}

/// BEG02 / BCH02 (92) for each PO type.
pub fn po_type_code(t: PoType) -> &'static str {
    match t {
        PoType::RegularOrder => "NE",
        PoType::RushOrder => "RO",
        PoType::NewProductIntroduction => "NP",
        PoType::ConsignedOrder => "CN",
    }
}

/// FOB01 (146): who pays the carrier.
pub fn fob_code(t: FreightTerms) -> &'static str {
    match t {
        FreightTerms::Collect => "CC",
        FreightTerms::Prepaid => "PP",
    }
}

/// The unit code of a line (X12 355 / UN/ECE Rec. 20).
fn unit_code(unit: QuantityUnit, edifact: bool) -> &'static str {
    match (unit, edifact) {
        (QuantityUnit::Eaches, false) => "EA",
        (QuantityUnit::Eaches, true) => "PCE",
        (QuantityUnit::Cases, false) => "CA",
        (QuantityUnit::Cases, true) => "CS",
    }
}

/// The GTIN as partners' systems key it: a UPC (12 digits, `UP`), an EAN (13, `EN`) or a GTIN-14 (`UK`).
/// `None` for a line without a valid GTIN (it is identified by its other ids).
pub fn gtin_qualifier(gtin: &str) -> Option<(&'static str, String)> {
    let g = Gtin::parse(gtin).ok()?;
    let s = g.as_str();
    Some(if s.starts_with("000000") {
        ("UK", s.to_string())
    } else if let Some(upc) = s.strip_prefix("00") {
        ("UP", upc.to_string())
    } else if let Some(ean) = s.strip_prefix('0') {
        ("EN", ean.to_string())
    } else {
        ("UK", s.to_string())
    })
}

/// X12 product id pairs of a line: GTIN, `BP` retailer item id, `VN` vendor SKU.
fn x12_ids(line: &PoLine) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((q, v)) = gtin_qualifier(&line.gtin) {
        out.extend([q.to_string(), v]);
    }
    if !line.retailer_item_id.trim().is_empty() {
        out.extend(["BP".to_string(), line.retailer_item_id.trim().to_string()]);
    }
    if !line.vendor_sku.trim().is_empty() {
        out.extend(["VN".to_string(), line.vendor_sku.trim().to_string()]);
    }
    out
}

fn seg<const N: usize>(w: &mut Writer, tag: &str, values: [&str; N]) -> Result<(), OutboundError> {
    Ok(w.segment(tag, &values.map(Value::from))?)
}

fn amount(value: Decimal, currency: &str) -> String {
    format_amount(value, currency)
}

/// The back-order answer of the header: allowed only when every ordered line allows it (a vendor who may not
/// backorder a line rejects it instead, which the buyer can reorder; the reverse would commit units the buyer
/// did not agree to wait for).
fn backorders_allowed(lines: &[&PoLine]) -> bool {
    !lines.is_empty() && lines.iter().all(|l| l.backorder_allowed)
}

/// The lines that are ordered (not cancelled), in line order.
fn open_lines(lines: &[PoLine]) -> Vec<&PoLine> {
    let mut open: Vec<&PoLine> = lines.iter().filter(|l| !l.cancelled).collect();
    open.sort_by_key(|l| l.line_no);
    open
}

/// Writes one X12 850 (4010) set for `doc` with set control number `control`.
pub fn write_850(w: &mut Writer, doc: &PoDocument<'_>, control: &str) -> Result<(), OutboundError> {
    let po = doc.po;
    let lines = open_lines(doc.lines);
    w.begin_set("850", control, "")?;
    seg(w, "BEG", ["00", po_type_code(po.po_type), &po.number, "", &ccyymmdd(po.order_date)])?;
    seg(w, "CUR", ["BY", &po.currency])?;
    seg(w, "REF", ["CR", &po.vendor_code])?;
    if let Some(deal) = po.deal_code.as_deref().filter(|d| !d.trim().is_empty()) {
        seg(w, "REF", ["PD", deal])?;
    }
    seg(w, "FOB", [fob_code(po.freight_terms)])?;
    seg(w, "CSH", [if backorders_allowed(&lines) { "Y" } else { "N" }])?;
    x12_windows(w, po, true, true)?;
    seg(w, "N1", ["ST", doc.ship_to_name, "92", &po.dc_code])?;
    let mut hash: i64 = 0;
    for line in &lines {
        let mut values = vec![
            line.line_no.to_string(),
            line.ordered_quantity.to_string(),
            unit_code(line.unit, false).to_string(),
            amount(line.net_cost, &po.currency),
            "PE".to_string(),
        ];
        values.extend(x12_ids(line));
        w.segment("PO1", &values.iter().map(Value::from).collect::<Vec<_>>())?;
        if line.unit == QuantityUnit::Cases {
            seg(w, "PO4", [&line.unit_size.to_string()])?;
        }
        if line.list_price > Decimal::ZERO {
            seg(w, "CTP", ["", "LPR", &amount(line.list_price, &po.currency)])?;
        }
        hash = hash.saturating_add(line.ordered_quantity);
    }
    seg(w, "CTT", [&lines.len().to_string(), &hash.to_string()])?;
    Ok(w.end_set()?)
}

/// DTM 064/063 (do not deliver before/after) and 037/038 (ship not before / no later) for the windows asked.
fn x12_windows(w: &mut Writer, po: &PurchaseOrder, ship: bool, delivery: bool) -> Result<(), OutboundError> {
    if delivery {
        seg(w, "DTM", ["064", &ccyymmdd(po.delivery_window.start)])?;
        seg(w, "DTM", ["063", &ccyymmdd(po.delivery_window.end)])?;
    }
    if ship {
        seg(w, "DTM", ["037", &ccyymmdd(po.ship_window.start)])?;
        seg(w, "DTM", ["038", &ccyymmdd(po.ship_window.end)])?;
    }
    Ok(())
}

/// The changed lines with their current state; a change naming a line the PO does not have is refused.
fn changed<'a>(doc: &PoChangeDocument<'a>) -> Result<Vec<(&'a PoLine, LineChangeKind)>, OutboundError> {
    doc.changes
        .iter()
        .map(|c| match doc.lines.iter().find(|l| l.line_no == c.line_no) {
            Some(line) => Ok((line, c.kind)),
            None => Err(OutboundError::Data(format!("PO {} has no line {} to change", doc.po.number, c.line_no))),
        })
        .collect()
}

/// Whether the change cancels every line (the PO itself is cancelled).
fn cancels_all(doc: &PoChangeDocument<'_>, changes: &[(&PoLine, LineChangeKind)]) -> bool {
    !doc.lines.is_empty() && doc.lines.iter().all(|l| l.cancelled) && changes.iter().all(|(_, k)| *k == LineChangeKind::Cancelled)
}

/// Writes one X12 860 (4010) set: `BCH` (`04` change, or `01` when every line is cancelled; the PO revision as
/// change sequence), `REF*CR`, `DTM` for the moved windows, `N1*ST`, a `POC` per changed line (`QD` quantity
/// decrease with the new quantity, `DI` delete item with 0), `CTT`.
pub fn write_860(w: &mut Writer, doc: &PoChangeDocument<'_>, control: &str) -> Result<(), OutboundError> {
    let po = doc.po;
    let changes = changed(doc)?;
    w.begin_set("860", control, "")?;
    let purpose = if cancels_all(doc, &changes) { "01" } else { "04" };
    seg(w, "BCH", [purpose, po_type_code(po.po_type), &po.number, "", &po.revision.to_string(), &ccyymmdd(po.order_date)])?;
    seg(w, "REF", ["CR", &po.vendor_code])?;
    x12_windows(w, po, doc.ship_window_changed, doc.delivery_window_changed)?;
    seg(w, "N1", ["ST", doc.ship_to_name, "92", &po.dc_code])?;
    let mut hash: i64 = 0;
    for (line, kind) in &changes {
        let (code, quantity) = match kind {
            LineChangeKind::QuantityDecreased => ("QD", line.ordered_quantity),
            LineChangeKind::Cancelled => ("DI", 0),
        };
        let mut values = vec![
            line.line_no.to_string(),
            code.to_string(),
            quantity.to_string(),
            String::new(),
            unit_code(line.unit, false).to_string(),
            amount(line.net_cost, &po.currency),
            "PE".to_string(),
        ];
        values.extend(x12_ids(line));
        w.segment("POC", &values.iter().map(Value::from).collect::<Vec<_>>())?;
        hash = hash.saturating_add(quantity);
    }
    seg(w, "CTT", [&changes.len().to_string(), &hash.to_string()])?;
    Ok(w.end_set()?)
}

/// EDIFACT item number of a line: the GTIN as EAN (`EN`), 13 digits when it has a leading zero.
fn edifact_gtin(line: &PoLine) -> Option<Value> {
    let g = Gtin::parse(&line.gtin).ok()?;
    let s = g.as_str();
    Some(composite([s.strip_prefix('0').unwrap_or(s), "EN"]))
}

fn edifact_parties(w: &mut Writer, po: &PurchaseOrder, ship_to_name: &str) -> Result<(), OutboundError> {
    w.segment("NAD", &[Value::from("SU"), composite([po.vendor_code.as_str(), "", "92"])])?;
    w.segment("NAD", &[Value::from("DP"), composite([po.dc_code.as_str(), "", "92"]), Value::from(""), composite([ship_to_name])])?;
    w.segment("CUX", &[composite(["2", po.currency.as_str(), "9"])])?;
    Ok(())
}

fn edifact_date(w: &mut Writer, qualifier: &str, date: chrono::NaiveDate) -> Result<(), OutboundError> {
    Ok(w.segment("DTM", &[composite([qualifier, &ccyymmdd(date), "102"])])?)
}

/// Writes one ORDERS D.96A message: BGM+220 (order, original), DTM 137/64/63 (order date, delivery window),
/// RFF+PD deal, NAD+SU (vendor code) and NAD+DP (DC), CUX; per line LIN (GTIN), PIA+5 (retailer id `BP`, SKU
/// `SA`), QTY+21 (PCE or CS, with QTY+52 case pack), PRI+AAA (net cost per each); UNS, CNT+2. EDIFACT ORDERS has
/// no ship window or freight terms field Amazon EU reads; those stay with the PO in the portal.
pub fn write_orders(w: &mut Writer, doc: &PoDocument<'_>, control: &str) -> Result<(), OutboundError> {
    let po = doc.po;
    let lines = open_lines(doc.lines);
    w.begin_set("ORDERS", control, "D:96A:UN")?;
    w.segment("BGM", &[Value::from("220"), Value::from(po.number.as_str()), Value::from("9")])?;
    edifact_date(w, "137", po.order_date)?;
    edifact_date(w, "64", po.delivery_window.start)?;
    edifact_date(w, "63", po.delivery_window.end)?;
    if let Some(deal) = po.deal_code.as_deref().filter(|d| !d.trim().is_empty()) {
        w.segment("RFF", &[composite(["PD", deal])])?;
    }
    edifact_parties(w, po, doc.ship_to_name)?;
    for line in &lines {
        edifact_line(w, line, "", line.ordered_quantity)?;
        w.segment("PRI", &[composite([String::from("AAA"), amount(line.net_cost, &po.currency), String::new(), String::new(), "1".into(), "PCE".into()])])?;
    }
    w.segment("UNS", &[Value::from("S")])?;
    w.segment("CNT", &[composite(["2".to_string(), lines.len().to_string()])])?;
    Ok(w.end_set()?)
}

/// LIN (with its action code), PIA, QTY+21 and the case pack.
fn edifact_line(w: &mut Writer, line: &PoLine, action: &str, quantity: i64) -> Result<(), OutboundError> {
    let mut lin = vec![Value::from(line.line_no.to_string()), Value::from(action)];
    lin.extend(edifact_gtin(line));
    w.segment("LIN", &lin)?;
    let mut pia = vec![Value::from("5")];
    if !line.retailer_item_id.trim().is_empty() {
        pia.push(composite([line.retailer_item_id.trim(), "BP"]));
    }
    if !line.vendor_sku.trim().is_empty() {
        pia.push(composite([line.vendor_sku.trim(), "SA"]));
    }
    if pia.len() > 1 {
        w.segment("PIA", &pia)?;
    }
    w.segment("QTY", &[composite(["21".to_string(), quantity.to_string(), unit_code(line.unit, true).to_string()])])?;
    if line.unit == QuantityUnit::Cases {
        w.segment("QTY", &[composite(["52".to_string(), line.unit_size.to_string()])])?;
    }
    Ok(())
}

/// Writes one ORDCHG D.96A message: BGM+230 (change request; function 4 change, 1 when every line is cancelled),
/// DTM+137 (the revision's date), DTM 64/63 when the delivery window moved, NAD, CUX; per changed line LIN with
/// action 3 (changed: QTY+21 the new quantity) or 2 (deleted); UNS, CNT+2.
pub fn write_ordchg(w: &mut Writer, doc: &PoChangeDocument<'_>, control: &str) -> Result<(), OutboundError> {
    let po = doc.po;
    let changes = changed(doc)?;
    w.begin_set("ORDCHG", control, "D:96A:UN")?;
    let function = if cancels_all(doc, &changes) { "1" } else { "4" };
    w.segment("BGM", &[Value::from("230"), Value::from(po.number.as_str()), Value::from(function)])?;
    edifact_date(w, "137", po.revision_at.date_naive())?;
    if doc.delivery_window_changed {
        edifact_date(w, "64", po.delivery_window.start)?;
        edifact_date(w, "63", po.delivery_window.end)?;
    }
    edifact_parties(w, po, doc.ship_to_name)?;
    for (line, kind) in &changes {
        match kind {
            LineChangeKind::QuantityDecreased => edifact_line(w, line, "3", line.ordered_quantity)?,
            LineChangeKind::Cancelled => edifact_line(w, line, "2", 0)?,
        }
    }
    w.segment("UNS", &[Value::from("S")])?;
    w.segment("CNT", &[composite(["2".to_string(), changes.len().to_string()])])?;
    Ok(w.end_set()?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::map::testing::segments;
    use crate::map::{edifact_interchange, x12_interchange};
    use crate::writer::{GroupHeader, InterchangeHeader};
    use acorn_domain::TenantId;
    use acorn_domain::orders::{LineConfirmation, PaymentTerms, PoState, ReceiveStatus, Window};
    use chrono::{NaiveDate, TimeZone, Utc};
    use rust_decimal::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub fn po() -> PurchaseOrder {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 15, 30, 0).unwrap();
        PurchaseOrder {
            id: acorn_domain::new_id(),
            tenant: TenantId(acorn_domain::new_id()),
            number: "4XK92P7Q".into(),
            vendor_code: "ACME1".into(),
            dc_id: acorn_domain::new_id(),
            dc_code: "RNO4".into(),
            po_type: PoType::RegularOrder,
            state: PoState::New,
            order_date: day("2026-11-27"),
            ship_window: Window { start: day("2026-12-01"), end: day("2026-12-05") },
            delivery_window: Window { start: day("2026-12-04"), end: day("2026-12-10") },
            freight_terms: FreightTerms::Collect,
            payment_terms: PaymentTerms::Net30,
            currency: "USD".into(),
            deal_code: None,
            revision: 1,
            revision_at: at,
            ack_due_at: at,
            acked_revision: 0,
            reminded_revision: 0,
            line_count: 2,
            total_cost: dec!(1020),
            issued_at: at,
            closed_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    pub fn line(line_no: i64, gtin: &str, quantity: i64, unit: QuantityUnit, unit_size: i64, cost: Decimal) -> PoLine {
        PoLine {
            po_id: acorn_domain::new_id(),
            line_no,
            item_id: acorn_domain::new_id(),
            vendor_sku: format!("WID-{line_no}"),
            gtin: gtin.into(),
            retailer_item_id: format!("B00EXAMPLE{line_no}"),
            title: "Widget".into(),
            ordered_quantity: quantity,
            unit,
            unit_size,
            net_cost: cost,
            list_price: dec!(19.99),
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

    pub fn header(version: &str) -> InterchangeHeader {
        InterchangeHeader {
            sender_qualifier: "ZZ".into(),
            sender: "ACORN".into(),
            receiver_qualifier: "ZZ".into(),
            receiver: "ACMEWIDGETS".into(),
            control: 1001,
            date: "261127".into(),
            time: "1530".into(),
            version: version.into(),
            test: false,
            ack_requested: false,
            charset: "UNOC".into(),
        }
    }

    pub fn group(id: &str) -> GroupHeader {
        GroupHeader {
            functional_id: id.into(),
            sender: "ACORN".into(),
            receiver: "ACMEWIDGETS".into(),
            control: 501,
            date: "20261127".into(),
            time: "1530".into(),
            version: "004010".into(),
        }
    }

    fn fields(all: &[crate::Segment<'_>], tag: &str) -> Vec<Vec<String>> {
        all.iter().filter(|s| s.is(tag)).map(|s| s.elements().map(|e| e.text().into_owned()).collect()).collect()
    }

    #[test]
    fn an_850_for_a_two_line_po_reads_back_field_by_field() {
        let po = po();
        let lines = [
            line(1, "00614141000012", 24, QuantityUnit::Eaches, 1, dec!(12.5)),
            line(2, "00614141000029", 2, QuantityUnit::Cases, 12, dec!(30)),
            PoLine { cancelled: true, ..line(3, "", 5, QuantityUnit::Eaches, 1, dec!(1)) },
        ];
        let doc = PoDocument { po: &po, lines: &lines, ship_to_name: "ACORN RENO DC" };
        let out = x12_interchange(&header("00401"), &group("PO"), &[doc], write_850).unwrap();
        let report = crate::envelope::check(&out).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let text = String::from_utf8(out).unwrap();
        let all = segments(&text);
        let tags: Vec<_> = all.iter().map(|s| s.tag_str().into_owned()).collect();
        assert_eq!(
            tags,
            [
                "ISA", "GS", "ST", "BEG", "CUR", "REF", "FOB", "CSH", "DTM", "DTM", "DTM", "DTM", "N1", "PO1", "CTP", "PO1", "PO4", "CTP", "CTT", "SE", "GE",
                "IEA"
            ]
        );
        assert_eq!(fields(&all, "BEG"), [["00", "NE", "4XK92P7Q", "", "20261127"]]);
        assert_eq!(fields(&all, "REF"), [["CR", "ACME1"]]);
        assert_eq!((fields(&all, "FOB"), fields(&all, "CSH")), (vec![vec!["CC".to_string()]], vec![vec!["Y".to_string()]]));
        assert_eq!(fields(&all, "DTM"), [["064", "20261204"], ["063", "20261210"], ["037", "20261201"], ["038", "20261205"]]);
        assert_eq!(fields(&all, "N1"), [["ST", "ACORN RENO DC", "92", "RNO4"]]);
        assert_eq!(
            fields(&all, "PO1"),
            [
                vec!["1", "24", "EA", "12.50", "PE", "UP", "614141000012", "BP", "B00EXAMPLE1", "VN", "WID-1"],
                vec!["2", "2", "CA", "30.00", "PE", "UP", "614141000029", "BP", "B00EXAMPLE2", "VN", "WID-2"],
            ]
        );
        assert_eq!(fields(&all, "PO4"), [["12"]]);
        assert_eq!(fields(&all, "CTP")[0], ["", "LPR", "19.99"]);
        assert_eq!(fields(&all, "CTT"), [["2", "26"]]);
        assert_eq!(fields(&all, "SE"), [["18", "0001"]]);
    }

    #[test]
    fn an_850_answered_by_an_855_maps_back_to_its_lines() {
        // The 855 a vendor would send for the 850 above, read by the inbound side: same lines, same units.
        let po = po();
        let lines = [line(1, "00614141000012", 24, QuantityUnit::Eaches, 1, dec!(12.5)), line(2, "00614141000029", 2, QuantityUnit::Cases, 12, dec!(30))];
        let out = x12_interchange(&header("00401"), &group("PO"), &[PoDocument { po: &po, lines: &lines, ship_to_name: "RENO" }], write_850).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Echo the PO1/PO4 lines, answer each with an ACK where the 850 had its CTP.
        let acks = ["ACK*IA*24*EA~", "ACK*IA*2*CA~"];
        let mut next_ack = acks.iter();
        let mut answer = String::new();
        for l in text.lines() {
            match l.split('*').next().unwrap_or("") {
                "ISA" | "GS" | "GE" | "IEA" | "PO1" | "PO4" => answer.push_str(l),
                "ST" => answer.push_str("ST*855*0001~"),
                "BEG" => answer.push_str("BAK*00*AC*4XK92P7Q*20261127~"),
                "CTP" => answer.push_str(next_ack.next().copied().unwrap_or_default()),
                "SE" => answer.push_str("SE*9*0001~"),
                _ => continue,
            }
            answer.push('\n');
        }
        let all = segments(&answer);
        let ack = crate::map::map_855(crate::map::testing::first_set(&all)).unwrap();
        assert_eq!(
            ack.lines.iter().map(|l| (l.line_no, l.net_cost, l.parts[0].quantity)).collect::<Vec<_>>(),
            [(1, Some(dec!(12.5)), 24), (2, Some(dec!(30)), 24)]
        );
    }

    #[test]
    fn an_860_tells_quantity_decreases_and_cancellations() {
        let mut po = po();
        po.revision = 2;
        let lines = [
            line(1, "00614141000012", 12, QuantityUnit::Eaches, 1, dec!(12.5)),
            PoLine { cancelled: true, ..line(2, "00614141000029", 2, QuantityUnit::Cases, 12, dec!(30)) },
        ];
        let changes = [LineChange { line_no: 1, kind: LineChangeKind::QuantityDecreased }, LineChange { line_no: 2, kind: LineChangeKind::Cancelled }];
        let doc =
            PoChangeDocument { po: &po, lines: &lines, changes: &changes, ship_window_changed: false, delivery_window_changed: true, ship_to_name: "RENO" };
        let out = x12_interchange(&header("00401"), &group("PC"), &[doc], write_860).unwrap();
        assert!(crate::envelope::check(&out).unwrap().findings.is_empty());
        let text = String::from_utf8(out).unwrap();
        let all = segments(&text);
        assert_eq!(fields(&all, "BCH"), [["04", "NE", "4XK92P7Q", "", "2", "20261127"]]);
        assert_eq!(fields(&all, "DTM"), [["064", "20261204"], ["063", "20261210"]]);
        let poc = fields(&all, "POC");
        assert_eq!(poc[0][..7], ["1", "QD", "12", "", "EA", "12.50", "PE"]);
        assert_eq!(poc[1][..3], ["2", "DI", "0"]);
        assert_eq!(fields(&all, "CTT"), [["2", "12"]]);
        let unknown = [LineChange { line_no: 9, kind: LineChangeKind::Cancelled }];
        let bad = PoChangeDocument { changes: &unknown, ..doc };
        assert_eq!(
            x12_interchange(&header("00401"), &group("PC"), &[bad], write_860).unwrap_err(),
            OutboundError::Data("PO 4XK92P7Q has no line 9 to change".into())
        );
    }

    #[test]
    fn orders_and_ordchg_in_edifact() {
        let mut po = po();
        po.deal_code = Some("DEAL+7".into());
        let lines = [line(1, "00614141000012", 24, QuantityUnit::Eaches, 1, dec!(12.5)), line(2, "04012345000016", 2, QuantityUnit::Cases, 6, dec!(4))];
        let doc = PoDocument { po: &po, lines: &lines, ship_to_name: "AMAZON EU KTW1" };
        let out = edifact_interchange(&header("3"), &[doc], write_orders).unwrap();
        assert!(crate::envelope::check(&out).unwrap().findings.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("RFF+PD:DEAL?+7'"), "delimiters in data are released: {text}");
        assert!(text.contains("LIN+1++0614141000012:EN'\nPIA+5+B00EXAMPLE1:BP+WID-1:SA'\nQTY+21:24:PCE'\nPRI+AAA:12.50:::1:PCE'"), "{text}");
        assert!(text.contains("LIN+2++4012345000016:EN'"), "{text}");
        assert!(text.contains("QTY+21:2:CS'\nQTY+52:6'"), "{text}");
        assert!(text.contains("NAD+DP+RNO4::92++AMAZON EU KTW1'"), "{text}");
        assert!(text.contains("UNS+S'\nCNT+2:2'\nUNT+21+1'"), "{text}");
        let changes = [LineChange { line_no: 2, kind: LineChangeKind::Cancelled }];
        let change =
            PoChangeDocument { po: &po, lines: &lines, changes: &changes, ship_window_changed: false, delivery_window_changed: false, ship_to_name: "KTW1" };
        let out = edifact_interchange(&header("3"), &[change], write_ordchg).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("BGM+230+4XK92P7Q+4'"), "{text}");
        assert!(text.contains("LIN+2+2+4012345000016:EN'"), "{text}");
        assert!(text.contains("QTY+21:0:CS'"), "{text}");
    }

    #[test]
    fn gtins_get_the_qualifier_of_their_length() {
        assert_eq!(gtin_qualifier("00614141000012"), Some(("UP", "614141000012".into())));
        assert_eq!(gtin_qualifier("4006381333931"), Some(("EN", "4006381333931".into())));
        assert_eq!(gtin_qualifier("10614141000019"), Some(("UK", "10614141000019".into())));
        assert_eq!(gtin_qualifier(""), None);
        assert_eq!(gtin_qualifier("00614141000013"), None);
    }
}
