//! Acknowledgements in: X12 855 (PO acknowledgement), X12 865 (acknowledgement of a PO change) and EDIFACT
//! ORDRSP D.96A → the per-line answers ([`AckLineInput`]) the service's `acknowledge` takes from the portal and
//! the API.
//!
//! Each X12 `ACK` becomes one part of its line (accepted, backordered or rejected eaches), by the ACK01 table
//! [`ACK01_CODES`]; ORDRSP gives the confirmed (`QTY+12`) and backordered (`QTY+83`) quantities, the rest of the
//! line being rejected. Quantities are translated into eaches (cases need the case pack in the document), the
//! acknowledged price into the cost per each. Whether the answer is allowed — quantities only go down, a
//! backorder needs a date, the cost may not rise — is the service's to decide, the same as for every channel.
//!
//! ACORN keeps a date only for backordered units (when they ship or arrive); a date given for accepted or
//! rejected units has nowhere to go and is not carried. Two ACKs of the same meaning on one line (`IA` and `IQ`)
//! are one part in ACORN, so their quantities are added.

use acorn_domain::orders::{AckCode, AckLine, AckLineInput, AckPart, Acknowledgement, QuantityUnit, RejectionReason};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::Mapped;
use super::read::{Reader, price_per_each, to_eaches};
use crate::report::Rule;
use crate::segment::Segment;

/// What an ACK01 line status code means to ACORN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStatus {
    Accepted,
    Backordered,
    Rejected(RejectionReason),
    /// No ACORN answer says this; the text tells the partner what to send instead.
    Refused(&'static str),
}

const ON_HOLD: &str = "ACORN has no 'on hold' answer; accept, backorder (with a date) or reject each quantity";

/// ACK01 (X12 element 668) → ACORN. Generic rejections are `TemporarilyUnavailable` (Amazon's default reason);
/// the specific ones keep their meaning. Codes not listed are refused as unknown.
pub const ACK01_CODES: &[(&str, &str, LineStatus)] = &[
    ("IA", "Item Accepted", LineStatus::Accepted),
    ("AC", "Item Accepted and Shipped", LineStatus::Accepted),
    ("AR", "Item Accepted and Released for Shipment", LineStatus::Accepted),
    ("IC", "Item Accepted - Changes Made", LineStatus::Accepted),
    ("IQ", "Item Accepted - Quantity Changed", LineStatus::Accepted),
    ("IP", "Item Accepted - Price Changed", LineStatus::Accepted),
    ("DR", "Item Accepted - Date Rescheduled", LineStatus::Accepted),
    ("SP", "Item Accepted - Schedule Date Pending", LineStatus::Accepted),
    ("AA", "Item Accepted - Order Forwarded to Alternate Supplier Location", LineStatus::Accepted),
    ("IB", "Item Backordered", LineStatus::Backordered),
    ("IR", "Item Rejected", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("ID", "Item Deleted", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("R1", "Item Rejected, Not a Contract Item", LineStatus::Rejected(RejectionReason::ObsoleteProduct)),
    ("R2", "Item Rejected, Invalid Item Product Number", LineStatus::Rejected(RejectionReason::InvalidProductIdentifier)),
    ("R3", "Item Rejected, Invalid Unit of Issue", LineStatus::Rejected(RejectionReason::InvalidProductIdentifier)),
    ("R4", "Item Rejected, Contract Item not Available", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("R5", "Item Rejected, Reorder Item as a Just in Time (JIT) Order", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("R6", "Item Rejected, Reorder Item as an Extended Delivery Order (EDO)", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("R7", "Item Rejected, Reorder Item as a Drop Shipment", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    ("R8", "Item Rejected, Reorder Item as a Surge Order", LineStatus::Rejected(RejectionReason::TemporarilyUnavailable)),
    (
        "BP",
        "Item Accepted - Partial Shipment, Balance Backordered",
        LineStatus::Refused("BP gives one quantity for two answers; send an IA ACK for what ships and an IB ACK for the balance"),
    ),
    (
        "IS",
        "Item Accepted - Substitution Made",
        LineStatus::Refused("ACORN does not take substitutes on a PO line; reject the line and let the buyer order the substitute"),
    ),
    ("IE", "Item Accepted, Price Pending", LineStatus::Refused("ACORN needs the cost you will invoice; accept at a price (PO104) or reject")),
    ("IF", "Item on Hold, Incomplete Description", LineStatus::Refused(ON_HOLD)),
    ("IH", "Item on Hold", LineStatus::Refused(ON_HOLD)),
    ("IW", "Item on Hold-Waiver Required", LineStatus::Refused(ON_HOLD)),
];

/// The meaning of an ACK01 code, if ACORN knows it.
pub fn ack01(code: &str) -> Option<LineStatus> {
    ACK01_CODES.iter().find(|(c, _, _)| *c == code).map(|&(_, _, s)| s)
}

/// ORDRSP line action codes (LIN02, 1229) ACORN reads; others are refused.
pub const LIN02_CODES: &[(&str, &str)] = &[
    ("3", "Changed: the QTY+12 / QTY+83 quantities answer the line"),
    ("5", "Accepted without amendment"),
    ("6", "Accepted with amendment"),
    ("7", "Not accepted: the whole line is rejected (no QTY+12 / QTY+83)"),
];

/// Which set an acknowledgement came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AckSet {
    X12_855,
    X12_865,
    Ordrsp,
}

/// Which lines the acknowledgement answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AckCoverage {
    /// 855 and ORDRSP answer the whole PO: a line left out is rejected (DOMAIN.md).
    AllLines,
    /// An 865 answers the changed lines only; the others keep their previous answer.
    ListedLines,
}

/// An acknowledgement, ready for the service's `acknowledge(po, lines)` once the PO is found by its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundAck {
    pub set: AckSet,
    pub po_number: String,
    /// The PO's date as the vendor echoes it: BAK04 / BCA06.
    pub po_date: Option<NaiveDate>,
    /// When the vendor acknowledged: BAK09 / BCA10 / ORDRSP DTM+137.
    pub ack_date: Option<NaiveDate>,
    /// BAK02 / BCA02 acknowledgement type or ORDRSP BGM 1225, as sent (for the history).
    pub ack_type: String,
    /// 865: the change-order sequence number acknowledged (BCA05).
    pub change_sequence: Option<String>,
    pub coverage: AckCoverage,
    pub lines: Vec<AckLineInput>,
}

impl InboundAck {
    /// The lines to submit. For [`AckCoverage::ListedLines`] the lines not listed keep the answer of `previous`
    /// (its accepted, backordered and reasoned rejected eaches); a rejected remainder without a reason needs no
    /// part, as what is not accounted for counts as rejected.
    pub fn lines_with(&self, previous: Option<&Acknowledgement>) -> Vec<AckLineInput> {
        let mut lines = self.lines.clone();
        if self.coverage == AckCoverage::ListedLines
            && let Some(previous) = previous
        {
            let listed: std::collections::HashSet<i64> = lines.iter().map(|l| l.line_no).collect();
            lines.extend(previous.lines.iter().filter(|l| !listed.contains(&l.line_no)).map(repeat));
            lines.sort_by_key(|l| l.line_no);
        }
        lines
    }
}

/// A stored answer as a submission that says the same.
fn repeat(line: &AckLine) -> AckLineInput {
    let part = |code, quantity, dated: bool, reason| AckPart {
        code,
        quantity,
        scheduled_ship_date: if dated { line.scheduled_ship_date } else { None },
        scheduled_delivery_date: if dated { line.scheduled_delivery_date } else { None },
        rejection_reason: reason,
    };
    let mut parts = Vec::new();
    if line.accepted > 0 {
        parts.push(part(AckCode::Accepted, line.accepted, false, None));
    }
    if line.backordered > 0 {
        parts.push(part(AckCode::Backordered, line.backordered, true, None));
    }
    if line.rejected > 0 && line.rejection_reason.is_some() {
        parts.push(part(AckCode::Rejected, line.rejected, false, line.rejection_reason));
    }
    AckLineInput { line_no: line.line_no, net_cost: Some(line.net_cost), parts }
}

/// One ACK (or ORDRSP quantity) before the line's unit and pack are known.
struct PartDraft {
    at: usize,
    /// Where the quantity and unit were read (element, component), for errors.
    quantity_at: (usize, usize),
    status: LineStatus,
    quantity: Option<i64>,
    unit: Option<QuantityUnit>,
    ship: Option<NaiveDate>,
    delivery: Option<NaiveDate>,
}

/// A line (PO1, POC or LIN loop) as read.
struct LineDraft {
    at: usize,
    line_no: Option<i64>,
    unit: Option<QuantityUnit>,
    price: Option<Decimal>,
    /// Where the price was read (element, component).
    price_at: (usize, usize),
    per_each: bool,
    pack: Option<i64>,
    parts: Vec<PartDraft>,
    /// Line-level dates (ORDRSP `DTM` in the line): they schedule the line's backordered units.
    ship: Option<NaiveDate>,
    delivery: Option<NaiveDate>,
    /// ORDRSP LIN02 `7`: the whole line is not accepted.
    not_accepted: bool,
}

impl LineDraft {
    fn new(at: usize) -> LineDraft {
        LineDraft {
            at,
            line_no: None,
            unit: None,
            price: None,
            price_at: (0, 0),
            per_each: false,
            pack: None,
            parts: Vec::new(),
            ship: None,
            delivery: None,
            not_accepted: false,
        }
    }

    /// The line as ACORN takes it; `None` when it could not be translated (errors recorded).
    fn finish(self, r: &mut Reader<'_, '_>) -> Option<AckLineInput> {
        let line_no = self.line_no?;
        let unit = self.unit.unwrap_or(QuantityUnit::Eaches);
        let net_cost = match self.price {
            Some(price) => match price_per_each(price, unit, self.per_each, self.pack) {
                Ok(cost) => Some(cost),
                Err(e) => {
                    r.error(self.at, Some(self.price_at.0), (self.price_at.1 > 0).then_some(self.price_at.1), Rule::InvalidNumber, e);
                    None
                }
            },
            None => None,
        };
        let mut parts: Vec<(AckPart, usize)> = Vec::new();
        let mut ok = true;
        for p in self.parts {
            let (code, reason) = match p.status {
                LineStatus::Accepted => (AckCode::Accepted, None),
                LineStatus::Backordered => (AckCode::Backordered, None),
                LineStatus::Rejected(reason) => (AckCode::Rejected, Some(reason)),
                LineStatus::Refused(_) => {
                    ok = false;
                    continue;
                }
            };
            let Some(quantity) = p.quantity else {
                ok = false;
                continue;
            };
            let (n, c) = p.quantity_at;
            let eaches = match to_eaches(quantity, p.unit.unwrap_or(unit), self.pack) {
                Ok(q) => q,
                Err(e) => {
                    r.error(p.at, Some(n), (c > 0).then_some(c), Rule::InvalidCode, e);
                    ok = false;
                    continue;
                }
            };
            if eaches == 0 {
                // ACORN's parts count at least one each; "0 accepted" is no part (the line's remainder is rejected).
                continue;
            }
            let dated = code == AckCode::Backordered;
            let part = AckPart {
                code,
                quantity: eaches,
                scheduled_ship_date: p.ship.or(self.ship).filter(|_| dated),
                scheduled_delivery_date: p.delivery.or(self.delivery).filter(|_| dated),
                rejection_reason: reason,
            };
            match parts.iter_mut().find(|(q, _)| q.code == code) {
                Some((same, _)) if same.rejection_reason != part.rejection_reason => {
                    r.error(
                        p.at,
                        Some(1),
                        None,
                        Rule::InvalidCode,
                        format!("line {line_no} rejects units for two reasons; ACORN keeps one reason per line, so send one rejection"),
                    );
                    ok = false;
                }
                Some((same, _)) => {
                    same.quantity = same.quantity.saturating_add(part.quantity);
                    same.scheduled_ship_date = same.scheduled_ship_date.or(part.scheduled_ship_date);
                    same.scheduled_delivery_date = same.scheduled_delivery_date.or(part.scheduled_delivery_date);
                }
                None => parts.push((part, p.at)),
            }
        }
        ok.then(|| AckLineInput { line_no, net_cost, parts: parts.into_iter().map(|(p, _)| p).collect() })
    }
}

/// The X12 `DTM`/ACK04 date qualifiers (374) that schedule backordered units.
fn schedule(qualifier: &str) -> Option<bool> {
    match qualifier {
        // true: ship date; false: delivery date.
        "068" | "010" | "037" => Some(true),
        "067" | "017" | "002" => Some(false),
        _ => None,
    }
}

/// Why a date of backordered units cannot be placed.
fn unscheduled(qualifier: &str) -> String {
    format!("date qualifier `{qualifier}` does not schedule backordered units; use 068 (scheduled ship) or 067 (scheduled delivery)")
}

/// X12 855 (BAK, PO1 loops with ACK) → an acknowledgement of the whole PO.
pub fn map_855(segments: &[Segment<'_>]) -> Mapped<InboundAck> {
    x12(segments, AckSet::X12_855)
}

/// X12 865 (BCA, POC loops with ACK) → a re-acknowledgement of the changed lines.
pub fn map_865(segments: &[Segment<'_>]) -> Mapped<InboundAck> {
    x12(segments, AckSet::X12_865)
}

fn x12(segments: &[Segment<'_>], set: AckSet) -> Mapped<InboundAck> {
    let mut r = Reader::new(segments);
    let (head_tag, line_tag) = if set == AckSet::X12_865 { ("BCA", "POC") } else { ("BAK", "PO1") };
    let mut head = None;
    let mut lines: Vec<LineDraft> = Vec::new();
    for i in 0..r.len() {
        let tag = r.tag(i);
        match tag.as_ref() {
            t if t == head_tag => head = head.or(Some(i)),
            t if t == line_tag => lines.push(x12_line(&mut r, i, set)),
            "PO4" => {
                if let Some(line) = lines.last_mut() {
                    line.pack = r.whole(i, 1, 0, "the case pack (eaches per case)");
                }
            }
            "ACK" => match lines.last_mut() {
                Some(line) => {
                    let part = x12_ack(&mut r, i);
                    line.parts.push(part);
                }
                None => r.error(i, None, None, Rule::SegmentOutOfOrder, format!("ACK before any {line_tag} line; an ACK answers the line it follows")),
            },
            "DTM" => {
                if let Some(part) = lines.last_mut().and_then(|l| l.parts.last_mut()) {
                    let qualifier = r.value(i, 1, 0);
                    match schedule(&qualifier) {
                        Some(ship) => {
                            let date = r.date(i, 2, "the date");
                            if ship { part.ship = part.ship.or(date) } else { part.delivery = part.delivery.or(date) }
                        }
                        // Only backordered units keep a date; another date of another part has nowhere to go.
                        None if part.status == LineStatus::Backordered => r.error(i, Some(1), None, Rule::InvalidCode, unscheduled(&qualifier)),
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }
    let Some(h) = head else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, format!("the set has no {head_tag} segment, so it names no PO"));
        return Err(r.into_errors());
    };
    let po_number = r.required(h, 3, 0, "the PO number");
    let ack_type = r.value(h, 2, 0);
    let (po_date_el, ack_date_el) = if set == AckSet::X12_865 { (6, 10) } else { (4, 9) };
    let po_date = r.date(h, po_date_el, "the PO date");
    let ack_date = r.date(h, ack_date_el, "the acknowledgement date");
    let change_sequence = if set == AckSet::X12_865 { r.opt(h, 5, 0) } else { None };
    if lines.is_empty() && !matches!(ack_type.as_str(), "RJ" | "RD") {
        r.error(
            h,
            Some(2),
            None,
            Rule::MandatorySegmentMissing,
            format!(
                "{head_tag}02 {ack_type:?} comes without {line_tag}/ACK lines; ACORN needs each line's answer (an acknowledgement without lines rejects the whole PO: send {head_tag}02 RJ for that)"
            ),
        );
    }
    let lines: Vec<AckLineInput> = lines.into_iter().filter_map(|l| l.finish(&mut r)).collect();
    let coverage = if set == AckSet::X12_865 { AckCoverage::ListedLines } else { AckCoverage::AllLines };
    let po_number = po_number.unwrap_or_default();
    r.finish(InboundAck { set, po_number, po_date, ack_date, ack_type, change_sequence, coverage, lines })
}

/// PO1 (855) or POC (865): line number, unit, price and its basis.
fn x12_line(r: &mut Reader<'_, '_>, i: usize, set: AckSet) -> LineDraft {
    // PO101 line, PO103 unit, PO104 price, PO105 basis; POC01 line, POC05 unit, POC06 price, POC07 basis.
    let (unit_el, price_el, basis_el) = if set == AckSet::X12_865 { (5, 6, 7) } else { (3, 4, 5) };
    let mut line = LineDraft::new(i);
    line.line_no = r.required(i, 1, 0, "the PO line number").and_then(|_| r.whole(i, 1, 0, "the PO line number"));
    line.unit = r.unit(i, unit_el, 0);
    line.price = r.decimal(i, price_el, 0, "the unit price");
    line.price_at = (price_el, 0);
    line.per_each = r.value(i, basis_el, 0) == "PE";
    line
}

/// One ACK: status (ACK01), quantity (ACK02), unit (ACK03), date (ACK04 qualifier, ACK05).
fn x12_ack(r: &mut Reader<'_, '_>, i: usize) -> PartDraft {
    let code = r.value(i, 1, 0);
    let status = match ack01(&code) {
        Some(LineStatus::Refused(why)) => {
            r.error(i, Some(1), None, Rule::InvalidCode, format!("line status {code}: {why}"));
            LineStatus::Refused(why)
        }
        Some(s) => s,
        None if code.is_empty() => {
            r.error(i, Some(1), None, Rule::MandatoryElementMissing, "the line status code is missing");
            LineStatus::Refused("")
        }
        None => {
            r.error(
                i,
                Some(1),
                None,
                Rule::InvalidCode,
                format!(
                    "line status `{code}` is not an ACK01 code ACORN knows (IA accepted, IB backordered, IR/R1–R8 rejected, IC/IQ/IP/DR accepted with changes…)"
                ),
            );
            LineStatus::Refused("")
        }
    };
    let quantity = r.required(i, 2, 0, "the quantity").and_then(|_| r.whole(i, 2, 0, "the quantity"));
    let mut part = PartDraft { at: i, quantity_at: (3, 0), status, quantity, unit: r.unit(i, 3, 0), ship: None, delivery: None };
    if let Some(qualifier) = r.opt(i, 4, 0) {
        match schedule(&qualifier) {
            Some(ship) => {
                let date = r.date(i, 5, "the scheduled date");
                if ship { part.ship = date } else { part.delivery = date }
            }
            None if status == LineStatus::Backordered => r.error(i, Some(4), None, Rule::InvalidCode, unscheduled(&qualifier)),
            None => {}
        }
    }
    part
}

/// EDIFACT ORDRSP D.96A → an acknowledgement of the whole PO: BGM (response number, function), DTM+137, RFF+ON
/// (PO number); per line LIN (line number, LIN02 action), RFF+LI (the order line, over LIN01), QTY+12 confirmed,
/// QTY+83 backordered, QTY+21 ordered (not needed), QTY+52 case pack, PRI+AAA net price, DTM 2/17/69 delivery and
/// 10/11 ship dates for backordered units.
pub fn map_ordrsp(segments: &[Segment<'_>]) -> Mapped<InboundAck> {
    let mut r = Reader::new(segments);
    let mut bgm = None;
    let mut po_number: Option<String> = None;
    let mut ack_date = None;
    let mut lines: Vec<LineDraft> = Vec::new();
    for i in 0..r.len() {
        let tag = r.tag(i);
        match tag.as_ref() {
            "BGM" => bgm = bgm.or(Some(i)),
            "RFF" => match (r.value(i, 1, 1).as_str(), lines.last_mut()) {
                ("ON", None) => po_number = po_number.or_else(|| r.opt(i, 1, 2)),
                ("LI", Some(line)) => {
                    if let Some(no) = r.whole(i, 1, 2, "the order line number") {
                        line.line_no = Some(no);
                    }
                }
                _ => {}
            },
            "DTM" => {
                let Some((qualifier, stamp)) = r.edifact_dtm(i) else { continue };
                match lines.last_mut() {
                    None if qualifier == "137" => ack_date = Some(stamp.date),
                    None => {}
                    Some(line) => match qualifier.as_str() {
                        "10" | "11" => line.ship = line.ship.or(Some(stamp.date)),
                        "2" | "17" | "69" => line.delivery = line.delivery.or(Some(stamp.date)),
                        _ => {}
                    },
                }
            }
            "LIN" => {
                let mut line = LineDraft::new(i);
                line.line_no = r.required(i, 1, 0, "the line number").and_then(|_| r.whole(i, 1, 0, "the line number"));
                let action = r.value(i, 2, 0);
                if !action.is_empty() && !LIN02_CODES.iter().any(|(c, _)| *c == action) {
                    r.error(
                        i,
                        Some(2),
                        None,
                        Rule::InvalidCode,
                        format!("action `{action}` is not one ACORN reads (3 changed, 5 accepted, 6 accepted with amendment, 7 not accepted)"),
                    );
                }
                line.not_accepted = action == "7";
                lines.push(line);
            }
            "QTY" => {
                let Some(line) = lines.last_mut() else { continue };
                let qualifier = r.value(i, 1, 1);
                let status = match qualifier.as_str() {
                    "12" => LineStatus::Accepted,
                    "83" => LineStatus::Backordered,
                    "21" => continue,
                    "52" => {
                        line.pack = r.whole(i, 1, 2, "the case pack (eaches per case)");
                        continue;
                    }
                    other => {
                        r.error(
                            i,
                            Some(1),
                            Some(1),
                            Rule::InvalidCode,
                            format!("QTY qualifier `{other}` is not one ACORN reads (12 confirmed, 83 backordered, 21 ordered, 52 case pack)"),
                        );
                        continue;
                    }
                };
                let quantity = r.required(i, 1, 2, "the quantity").and_then(|_| r.whole(i, 1, 2, "the quantity"));
                let unit = r.unit(i, 1, 3);
                line.parts.push(PartDraft { at: i, quantity_at: (1, 3), status, quantity, unit, ship: None, delivery: None });
            }
            "PRI" => {
                let Some(line) = lines.last_mut() else { continue };
                if r.value(i, 1, 1) != "AAA" {
                    continue;
                }
                line.price = r.decimal(i, 1, 2, "the net price");
                line.price_at = (1, 2);
                // C509 5284: the price is per this many units.
                if let (Some(price), Some(basis)) = (line.price, r.whole(i, 1, 5, "the price basis quantity"))
                    && basis > 1
                {
                    line.price = price.checked_div(Decimal::from(basis));
                }
                line.unit = line.unit.or(r.unit(i, 1, 6));
            }
            _ => {}
        }
    }
    let Some(b) = bgm else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the message has no BGM segment");
        return Err(r.into_errors());
    };
    let function = r.value(b, 3, 0);
    if po_number.is_none() {
        r.error(b, None, None, Rule::MandatorySegmentMissing, "no RFF+ON before the first line names the PO this response answers");
    }
    if lines.is_empty() && function != "27" {
        r.error(
            b,
            Some(3),
            None,
            Rule::MandatorySegmentMissing,
            format!("BGM function {function:?} comes without LIN lines; ACORN needs each line's answer (send function 27 to reject the whole PO)"),
        );
    }
    let mut out = Vec::new();
    for line in lines {
        if line.not_accepted && line.parts.iter().any(|p| p.quantity.is_some_and(|q| q != 0)) {
            r.error(line.at, Some(2), None, Rule::ExclusionViolated, "LIN02 7 (not accepted) with a confirmed or backordered quantity; send one or the other");
            continue;
        }
        if let Some(done) = line.finish(&mut r) {
            out.push(done);
        }
    }
    let ack = InboundAck {
        set: AckSet::Ordrsp,
        po_number: po_number.unwrap_or_default(),
        po_date: None,
        ack_date,
        ack_type: function,
        change_sequence: None,
        coverage: AckCoverage::AllLines,
        lines: out,
    };
    r.finish(ack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testing::*;
    use chrono::Utc;
    use rust_decimal::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const X12_855: &str = "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261127*1530*U*00401*000000101*0*P*>~
GS*PR*ACMEWIDGETS*ACORN*20261127*1530*101*X*004010~
ST*855*0001~
BAK*00*AC*4XK92P7Q*20261120*****20261127~
PO1*1*24*EA*12.5*PE*UP*614141000012*BP*B00EXAMPLE*VN*WID-1~
ACK*IA*24*EA~
PO1*2*10*CA*30*PE*UP*614141000029~
PO4*12~
ACK*IA*6*CA~
ACK*IB*3*CA*068*20261210~
ACK*IQ*1*CA~
PO1*3*5*EA*8*PE*BP*B00REJECT1~
ACK*R2*5*EA~
PO1*4*6*EA*5*PE*UP*614141000036~
ACK*IR*6*EA~
PO1*5*2*EA*5*PE*UP*614141000043~
ACK*IR*0*EA~
CTT*5~
SE*17*0001~
GE*1*101~
IEA*1*000000101~
";

    #[test]
    fn an_855_becomes_ack_lines_in_eaches() {
        let all = segments(X12_855);
        let ack = map_855(first_set(&all)).unwrap();
        assert_eq!((ack.po_number.as_str(), ack.ack_type.as_str()), ("4XK92P7Q", "AC"));
        assert_eq!((ack.po_date, ack.ack_date), (Some(day("2026-11-20")), Some(day("2026-11-27"))));
        assert_eq!(ack.coverage, AckCoverage::AllLines);
        let part = |code, quantity, ship: Option<&str>, reason| AckPart {
            code,
            quantity,
            scheduled_ship_date: ship.map(day),
            scheduled_delivery_date: None,
            rejection_reason: reason,
        };
        assert_eq!(
            ack.lines,
            [
                AckLineInput { line_no: 1, net_cost: Some(dec!(12.5)), parts: vec![part(AckCode::Accepted, 24, None, None)] },
                AckLineInput {
                    line_no: 2,
                    net_cost: Some(dec!(30)),
                    // IA 6 cases + IQ 1 case = 84 eaches accepted; 3 cases backordered for 10 December.
                    parts: vec![part(AckCode::Accepted, 84, None, None), part(AckCode::Backordered, 36, Some("2026-12-10"), None)],
                },
                AckLineInput {
                    line_no: 3,
                    net_cost: Some(dec!(8)),
                    parts: vec![part(AckCode::Rejected, 5, None, Some(RejectionReason::InvalidProductIdentifier))]
                },
                AckLineInput {
                    line_no: 4,
                    net_cost: Some(dec!(5)),
                    parts: vec![part(AckCode::Rejected, 6, None, Some(RejectionReason::TemporarilyUnavailable))]
                },
                // "0 rejected" is no part: the whole line is the rejected remainder.
                AckLineInput { line_no: 5, net_cost: Some(dec!(5)), parts: vec![] },
            ]
        );
    }

    #[test]
    fn untranslatable_acks_are_located() {
        let bad = X12_855
            .replace("ACK*IA*24*EA~", "ACK*ZZ*24*EA~")
            .replace("ACK*IQ*1*CA~", "ACK*IA*1.5*CA~")
            .replace("PO1*3*5*EA*8*PE", "PO1*3*5*EA*8x*PE")
            .replace("BAK*00*AC*4XK92P7Q*", "BAK*00*AC**");
        let all = segments(&bad);
        let errors = map_855(first_set(&all)).unwrap_err();
        let text = messages(&errors);
        assert!(text.contains(&"BAK03 (segment 2): the PO number is missing".to_string()), "{text:?}");
        assert!(text.iter().any(|m| m.starts_with("ACK01 (segment 4): line status `ZZ` is not an ACK01 code ACORN knows")), "{text:?}");
        assert!(text.contains(&"ACK02 (segment 9): the quantity `1.5` is not a whole number of units".to_string()), "{text:?}");
        assert!(text.contains(&"PO104 (segment 10): the unit price `8x` is not a number".to_string()), "{text:?}");
        assert_eq!(errors.iter().find(|e| e.at.tag == "ACK" && e.element == Some(1)).unwrap().rule, Rule::InvalidCode);
    }

    #[test]
    fn cases_without_a_pack_and_refused_codes() {
        let bad = X12_855.replace("PO4*12~\n", "").replace("ACK*IA*24*EA~", "ACK*BP*24*EA~");
        let all = segments(&bad);
        let text = messages(&map_855(first_set(&all)).unwrap_err());
        assert!(text.iter().any(|m| m.starts_with("ACK01 (segment 4): line status BP: BP gives one quantity for two answers")), "{text:?}");
        assert!(text.iter().any(|m| m.starts_with("ACK03 (segment 6): 6 is in cases, but the document does not say")), "{text:?}");
        assert!(!text.iter().any(|m| m.starts_with("PO104")), "PE prices need no pack: {text:?}");
    }

    #[test]
    fn an_855_without_lines_is_a_whole_rejection_only_when_it_says_so() {
        let head = "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261127*1530*U*00401*000000101*0*P*>~GS*PR*ACMEWIDGETS*ACORN*20261127*1530*101*X*004010~ST*855*0001~";
        let rejected = format!("{head}BAK*00*RJ*4XK92P7Q*20261127~SE*3*0001~GE*1*101~IEA*1*000000101~");
        let all = segments(&rejected);
        assert!(map_855(first_set(&all)).unwrap().lines.is_empty());
        let accepted = rejected.replace("*RJ*", "*AK*");
        let all = segments(&accepted);
        let text = messages(&map_855(first_set(&all)).unwrap_err());
        assert!(text[0].starts_with("BAK02 (segment 2): BAK02 \"AK\" comes without PO1/ACK lines"), "{text:?}");
    }

    #[test]
    fn an_865_answers_changed_lines_and_keeps_the_rest() {
        let input = "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261127*1530*U*00401*000000102*0*P*>~GS*CA*ACMEWIDGETS*ACORN*20261127*1530*102*X*004010~ST*865*0001~BCA*00*AC*4XK92P7Q**2*20261120****20261127~POC*2*QD*8*8*CA*30*PE*UP*614141000029~PO4*12~ACK*IA*8*CA~SE*6*0001~GE*1*102~IEA*1*000000102~";
        let all = segments(input);
        let ack = map_865(first_set(&all)).unwrap();
        assert_eq!((ack.coverage, ack.change_sequence.as_deref()), (AckCoverage::ListedLines, Some("2")));
        assert_eq!((ack.po_date, ack.ack_date), (Some(day("2026-11-20")), Some(day("2026-11-27"))));
        assert_eq!(ack.lines[0].parts[0].quantity, 96);
        let stored = |line_no, accepted, rejected, reason| AckLine {
            line_no,
            accepted,
            backordered: 0,
            rejected,
            net_cost: dec!(12.5),
            scheduled_ship_date: None,
            scheduled_delivery_date: None,
            rejection_reason: reason,
        };
        let previous = Acknowledgement {
            id: acorn_domain::new_id(),
            po_id: acorn_domain::new_id(),
            version: 1,
            po_revision: 1,
            channel: acorn_domain::orders::Channel::Edi,
            submitted_by: "edi:ACME".into(),
            submitted_at: Utc::now(),
            late: false,
            lines: vec![stored(1, 24, 0, None), stored(2, 120, 0, None), stored(3, 0, 5, Some(RejectionReason::ObsoleteProduct))],
        };
        let lines = ack.lines_with(Some(&previous));
        assert_eq!(lines.iter().map(|l| l.line_no).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(lines[1], ack.lines[0], "the listed line is the 865's answer");
        assert_eq!((lines[0].parts[0].code, lines[0].parts[0].quantity), (AckCode::Accepted, 24));
        assert_eq!(lines[2].parts[0].rejection_reason, Some(RejectionReason::ObsoleteProduct));
    }

    #[test]
    fn an_ordrsp_confirms_backorders_and_rejects_by_remainder() {
        let input = "UNA:+.? 'UNB+UNOC:3+4012345000009:14+5450534000024:14+261127:1530+77'UNH+1+ORDRSP:D:96A:UN'BGM+231+RSP-4XK92P7Q+4'DTM+137:20261127:102'RFF+ON:4XK92P7Q'LIN+1+3+0614141000012:EN'QTY+21:24:PCE'QTY+12:20:PCE'QTY+83:4:PCE'DTM+69:20261215:102'PRI+AAA:12,5'LIN+2+7+0614141000029:EN'QTY+21:10:PCE'LIN+3+5+0614141000036:EN'RFF+LI:4'QTY+12:2:CS'QTY+52:6'UNS+S'UNT+19+1'UNZ+1+77'";
        let input = input.replace("UNA:+.? '", "UNA:+,? '");
        let all = segments(&input);
        let ack = map_ordrsp(first_set(&all)).unwrap();
        assert_eq!((ack.po_number.as_str(), ack.ack_type.as_str(), ack.ack_date), ("4XK92P7Q", "4", Some(day("2026-11-27"))));
        assert_eq!(ack.lines.len(), 3);
        let l1 = &ack.lines[0];
        assert_eq!(l1.net_cost, Some(dec!(12.5)));
        assert_eq!((l1.parts[0].code, l1.parts[0].quantity, l1.parts[0].scheduled_delivery_date), (AckCode::Accepted, 20, None));
        assert_eq!((l1.parts[1].code, l1.parts[1].quantity, l1.parts[1].scheduled_delivery_date), (AckCode::Backordered, 4, Some(day("2026-12-15"))));
        assert!(ack.lines[1].parts.is_empty(), "not accepted: every ordered each is the rejected remainder");
        assert_eq!((ack.lines[2].line_no, ack.lines[2].parts[0].quantity), (4, 12), "RFF+LI names the order line; 2 cases of 6");
    }

    #[test]
    fn an_ordrsp_without_po_number_is_refused() {
        let input = "UNB+UNOC:3+4012345000009:14+5450534000024:14+261127:1530+78'UNH+1+ORDRSP:D:96A:UN'BGM+231+RSP-1+4'LIN+1+5+0614141000012:EN'QTY+12:24:PCE'QTY+99:1'UNT+6+1'UNZ+1+78'";
        let all = segments(input);
        let text = messages(&map_ordrsp(first_set(&all)).unwrap_err());
        assert!(text.contains(&"BGM (segment 2): no RFF+ON before the first line names the PO this response answers".to_string()), "{text:?}");
        assert!(text.iter().any(|m| m.starts_with("QTY01-1 (segment 5): QTY qualifier `99`")), "{text:?}");
    }

    #[test]
    fn the_ack01_table_has_no_duplicates() {
        let mut codes: Vec<_> = ACK01_CODES.iter().map(|(c, _, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACK01_CODES.len());
        assert_eq!(ack01("IB"), Some(LineStatus::Backordered));
        assert_eq!(ack01("XX"), None);
    }
}
