//! Compliance defects: the ways an order-to-dock flow goes wrong on the vendor's side, detected from
//! the data (never keyed in), each with the evidence that proves it. Money for defects comes with
//! the finance capability (the chargeback fee schedule); here they are counted and explained.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::orders::{Acknowledgement, PoLine, PurchaseOrder};
use crate::receiving;
use crate::shipments::{Appointment, AppointmentStatus, Receipt, ReceiptStatus, Shipment, ShipmentStatus};
use crate::text_enum;

text_enum! {
    /// What went wrong.
    pub enum DefectKind {
        /// Ordered units the acknowledgement did not confirm (rejected or left out).
        UnconfirmedUnits = "unconfirmed_units",
        /// The acknowledgement of a PO revision arrived after its due time.
        LateAcknowledgement = "late_acknowledgement",
        /// Goods arrived with no ASN before arrival.
        MissingAsn = "missing_asn",
        /// The ASN arrived after it was due (30 min after ship time / 4 h before arrival).
        LateAsn = "late_asn",
        /// Fewer units received than the ASN announced.
        AsnShortage = "asn_shortage",
        /// More units received than the ASN announced, or shipped beyond what was acknowledged.
        AsnOverage = "asn_overage",
        /// An item or carton received that the ASN did not announce.
        WrongItem = "wrong_item",
        /// The PO was not delivered complete within its delivery window (PO on-time accuracy).
        NotOnTime = "not_on_time",
        /// A dock appointment cancelled or moved less than 24 h before its slot.
        LateCancellation = "late_cancellation",
        /// No check-in within 2 h after the appointment's slot started.
        NoShow = "no_show",
    }
}

/// A defect a submission would cause, shown before it is submitted (the pre-flight check).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefectPreview {
    pub kind: DefectKind,
    /// The PO line concerned, when it is about one line.
    pub line_no: Option<i64>,
    /// Units concerned (0 when the defect is not about units).
    pub units: i64,
    /// Plain words: what will be recorded and why.
    pub detail: String,
}

/// One source that proves a defect: what it is and what it says, with its times in UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The kind of source: `PO`, `acknowledgement`, `ASN`, `arrival`, `carton`, `appointment`, `receipt`, `finding`, `line`.
    pub label: String,
    /// What it shows, e.g. "v2 at 2026-03-02 11:00 UTC, late by 1 h 00 min".
    pub value: String,
}

impl Evidence {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence { label: label.into(), value: value.into() }
    }
}

/// A compliance defect detected from the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defect {
    pub kind: DefectKind,
    pub po_number: String,
    /// The ASN concerned, for shipment, appointment and receiving defects.
    pub shipment_number: Option<String>,
    /// The PO line concerned, when it is about one line.
    pub line_no: Option<i64>,
    /// Eaches concerned (for ASN and appointment defects: this PO's eaches on the shipment; 0 when not about units).
    pub units: i64,
    /// When it happened (the late document's arrival, the missed deadline, the receipt's closing…).
    pub occurred_at: DateTime<Utc>,
    pub evidence: Vec<Evidence>,
}

/// Everything known about one PO (the service loads it). Shipments may include ones without this PO (they are
/// ignored); appointments and receipts count through the shipments that carry this PO.
#[derive(Clone, Copy, Debug)]
pub struct PoFacts<'a> {
    pub po: &'a PurchaseOrder,
    pub lines: &'a [PoLine],
    /// Every acknowledgement version of the PO.
    pub acks: &'a [Acknowledgement],
    pub shipments: &'a [Shipment],
    pub appointments: &'a [Appointment],
    pub receipts: &'a [Receipt],
    pub now: DateTime<Utc>,
}

/// The defects of one PO, detected from the data (so detecting again finds the same ones), ordered by when they occurred.
///
/// - [`DefectKind::UnconfirmedUnits`]: per uncancelled line, the eaches the latest acknowledgement rejected (or left out).
/// - [`DefectKind::LateAcknowledgement`]: each acknowledgement version stored as late (the first answer to a revision
///   after its due time); and the current revision when it is still unanswered after `ack_due_at`.
/// - [`DefectKind::MissingAsn`]: a shipment of the PO whose ASN was first submitted after it arrived (check-in, else
///   the receipt's check-in). Such an ASN is not also counted late: it is the same failure, and the worse one.
/// - [`DefectKind::LateAsn`]: a shipment whose ASN was first submitted after its `asn_due_at` (replacing it later is allowed).
/// - [`DefectKind::AsnShortage`], [`DefectKind::AsnOverage`], [`DefectKind::WrongItem`]: one per
///   [`receiving::discrepancies`](crate::receiving::discrepancies) of a closed receipt about this PO. A wrong item
///   that names no PO goes to the shipment's first PO (its first carton's first item), so it is counted once.
/// - [`DefectKind::NotOnTime`]: once the delivery window has ended, a PO whose ordered eaches were not all received
///   by its last day (by the closing dates of receipts).
/// - [`DefectKind::LateCancellation`]: an appointment of the PO's shipment changed less than 24 h before its slot.
/// - [`DefectKind::NoShow`]: an appointment marked `NoShow`, or a `Booked` or `Completed` one whose truck checked in
///   later than 2 h after the slot start, or not yet by `now` (a late arrival stays a no-show once it arrives).
///
/// Cancelled shipments are left out. Shipment-level defects are per (PO, shipment): a shipment carrying two POs
/// counts for each, with that PO's units, so per-PO scores see it; count per shipment by `shipment_number`.
/// Dates (delivery window) are compared with UTC dates of the instants.
pub fn detect(f: &PoFacts) -> Vec<Defect> {
    let po = f.po;
    let mut out = Vec::new();
    unconfirmed_units(f, &mut out);
    late_acknowledgements(f, &mut out);

    for s in f.shipments.iter().filter(|s| s.status != ShipmentStatus::Cancelled) {
        if !s.cartons.iter().flat_map(|c| &c.items).any(|i| i.po_id == po.id) {
            continue;
        }
        let units = units_of(s, po.id);
        let receipts: Vec<&Receipt> = f.receipts.iter().filter(|r| r.shipment_id == s.id).collect();
        let arrival = s.arrived_at.or_else(|| receipts.iter().map(|r| r.checked_in_at).min());
        let asn = Evidence::new("ASN", describe_asn(s));
        let defect = |kind, occurred_at, evidence: Vec<Evidence>| Defect {
            kind,
            po_number: po.number.clone(),
            shipment_number: Some(s.shipment_number.clone()),
            line_no: None,
            units,
            occurred_at,
            evidence: [vec![Evidence::new("PO", po.number.clone()), asn.clone()], evidence].concat(),
        };

        match arrival {
            Some(arrived) if s.first_submitted_at > arrived => out.push(defect(
                DefectKind::MissingAsn,
                arrived,
                vec![Evidence::new(
                    "arrival",
                    format!(
                        "checked in at DC {} at {}, {} before the ASN was first submitted",
                        s.dc_code,
                        stamp(arrived),
                        delay(s.first_submitted_at - arrived)
                    ),
                )],
            )),
            _ if s.first_submitted_at > s.asn_due_at => out.push(defect(
                DefectKind::LateAsn,
                s.first_submitted_at,
                vec![Evidence::new(
                    "due",
                    format!(
                        "due at {} (ship time {}), first submitted {} late",
                        stamp(s.asn_due_at),
                        stamp(s.ship_date),
                        delay(s.first_submitted_at - s.asn_due_at)
                    ),
                )],
            )),
            _ => {}
        }

        for a in f.appointments.iter().filter(|a| a.shipment_id == s.id) {
            if a.late_change {
                let what = if a.status == AppointmentStatus::Cancelled { "cancelled" } else { "moved" };
                out.push(defect(
                    DefectKind::LateCancellation,
                    a.updated_at,
                    vec![Evidence::new(
                        "appointment",
                        format!(
                            "slot {} at DC {}, {what} at {}, less than 24 h before the slot (booked at {}, moved {} times)",
                            slot(a),
                            s.dc_code,
                            stamp(a.updated_at),
                            stamp(a.booked_at),
                            a.reschedules
                        ),
                    )],
                ));
            }
            let deadline = a.slot_start.checked_add_signed(TimeDelta::hours(NO_SHOW_HOURS)).unwrap_or(DateTime::<Utc>::MAX_UTC);
            let no_show = match (a.status, arrival) {
                (AppointmentStatus::NoShow, _) => Some(format!("slot {} at DC {}, marked no-show", slot(a), s.dc_code)),
                (AppointmentStatus::Booked | AppointmentStatus::Completed, Some(arrived)) if arrived > deadline => Some(format!(
                    "slot {} at DC {}; the truck checked in at {}, later than {NO_SHOW_HOURS} h after the slot start",
                    slot(a),
                    s.dc_code,
                    stamp(arrived)
                )),
                (AppointmentStatus::Booked, None) if f.now > deadline => Some(format!(
                    "slot {} at DC {}; no check-in by {} ({NO_SHOW_HOURS} h after the slot start), none by {}",
                    slot(a),
                    s.dc_code,
                    stamp(deadline),
                    stamp(f.now)
                )),
                _ => None,
            };
            if let Some(value) = no_show {
                out.push(defect(DefectKind::NoShow, deadline, vec![Evidence::new("appointment", value)]));
            }
        }

        let lead_po = s.cartons.iter().flat_map(|c| c.items.first()).next().map(|i| i.po_id);
        for r in receipts.iter().filter(|r| r.status == ReceiptStatus::Closed || r.closed_at.is_some()) {
            let closed = r.closed_at.unwrap_or(r.checked_in_at);
            for d in receiving::discrepancies(s, r) {
                let ours = match &d.po_number {
                    Some(number) => *number == po.number,
                    None => lead_po == Some(po.id),
                };
                if !ours {
                    continue;
                }
                let mut evidence = vec![Evidence::new("PO", po.number.clone()), asn.clone()];
                if let Some(sscc) = &d.sscc {
                    evidence.push(Evidence::new("carton", sscc.clone()));
                }
                evidence.push(Evidence::new("receipt", format!("checked in at {}, closed at {}", stamp(r.checked_in_at), stamp(closed))));
                evidence.push(Evidence::new("finding", d.detail.clone()));
                out.push(Defect {
                    kind: d.kind,
                    po_number: po.number.clone(),
                    shipment_number: Some(s.shipment_number.clone()),
                    line_no: d.line_no,
                    units: d.units(),
                    occurred_at: closed,
                    evidence,
                });
            }
        }
    }

    if let Some(judged) = judge_on_time(f)
        && !judged.on_time()
    {
        out.push(judged.defect(f));
    }
    out.sort_by_key(|d| d.occurred_at);
    out
}

/// PO on-time accuracy over a set of POs: the share, in basis points (rounded half up), of POs whose delivery window
/// has ended that were received complete within it; `None` when no PO's window has ended (an empty period has no
/// score, it is not 0 %). POs with nothing left to deliver (every line cancelled) are not counted.
pub fn on_time_accuracy_bp(facts: &[PoFacts]) -> Option<i64> {
    let (mut judged, mut on_time) = (0i64, 0i64);
    for f in facts {
        if let Some(j) = judge_on_time(f) {
            judged += 1;
            on_time += i64::from(j.on_time());
        }
    }
    (judged > 0).then(|| (on_time * 20_000 + judged) / (2 * judged))
}

/// Hours after an appointment's slot start without check-in after which it is a no-show.
pub const NO_SHOW_HOURS: i64 = crate::dock::NO_SHOW_HOURS;

/// A PO whose delivery window has ended, with what each line received in time.
struct OnTime<'a> {
    /// (line, ordered eaches, received in time), uncancelled lines with something ordered.
    lines: Vec<(&'a PoLine, i64, i64)>,
    /// (receipt, this PO's eaches in it, closed within the window).
    receipts: Vec<(&'a Receipt, i64, bool)>,
}

impl OnTime<'_> {
    fn on_time(&self) -> bool {
        self.lines.iter().all(|(_, ordered, received)| received >= ordered)
    }

    fn defect(&self, f: &PoFacts) -> Defect {
        let po = f.po;
        let window = po.delivery_window;
        let mut evidence =
            vec![Evidence::new("PO", format!("{}, delivery window {} to {} (ordered on {})", po.number, window.start, window.end, po.order_date))];
        for (r, units, in_window) in &self.receipts {
            let when = if *in_window { "within the window" } else { "after the window" };
            let closed = r.closed_at.map_or_else(|| "still open".to_string(), |t| format!("closed at {} ({when})", stamp(t)));
            evidence.push(Evidence::new("receipt", format!("checked in at {}, {closed}: {} of this PO", stamp(r.checked_in_at), eaches(*units))));
        }
        let mut units = 0i64;
        for (line, ordered, received) in &self.lines {
            if received < ordered {
                units = units.saturating_add(ordered - received);
                evidence.push(Evidence::new("line", format!("line {}: {} ordered, {received} received by {}", line.line_no, eaches(*ordered), window.end)));
            }
        }
        Defect {
            kind: DefectKind::NotOnTime,
            po_number: po.number.clone(),
            shipment_number: None,
            line_no: None,
            units,
            occurred_at: day_after(window.end),
            evidence,
        }
    }
}

/// The on-time judgement of a PO, once its delivery window has ended and something was ordered.
fn judge_on_time<'a>(f: &PoFacts<'a>) -> Option<OnTime<'a>> {
    let end = f.po.delivery_window.end;
    if f.now.date_naive() <= end {
        return None;
    }
    let mut in_time: BTreeMap<i64, i64> = BTreeMap::new();
    let mut receipts = Vec::new();
    for r in f.receipts {
        let totals = receiving::line_totals(r);
        let ours: Vec<(i64, i64)> = totals.range((f.po.id, i64::MIN)..=(f.po.id, i64::MAX)).map(|((_, no), (received, _))| (*no, *received)).collect();
        if ours.is_empty() {
            continue;
        }
        let units = ours.iter().fold(0i64, |sum, (_, q)| sum.saturating_add(*q));
        let in_window = r.closed_at.is_some_and(|t| t.date_naive() <= end);
        if in_window {
            for (no, q) in ours {
                let sum = in_time.entry(no).or_insert(0);
                *sum = sum.saturating_add(q);
            }
        }
        receipts.push((r, units, in_window));
    }
    let lines: Vec<(&PoLine, i64, i64)> =
        f.lines.iter().filter(|l| l.ordered_eaches() > 0).map(|l| (l, l.ordered_eaches(), in_time.get(&l.line_no).copied().unwrap_or(0))).collect();
    if lines.is_empty() {
        return None;
    }
    Some(OnTime { lines, receipts })
}

/// Per uncancelled line, the eaches the latest acknowledgement did not confirm.
fn unconfirmed_units(f: &PoFacts, out: &mut Vec<Defect>) {
    let Some(ack) = f.acks.iter().max_by_key(|a| a.version) else { return };
    let lines: HashMap<i64, &PoLine> = f.lines.iter().map(|l| (l.line_no, l)).collect();
    for al in ack.lines.iter().filter(|al| al.rejected > 0) {
        let line = lines.get(&al.line_no);
        if line.is_some_and(|l| l.cancelled) {
            continue;
        }
        let ordered = line.map(|l| format!("{} ordered; ", eaches(l.ordered_eaches()))).unwrap_or_default();
        let reason = al.rejection_reason.map_or_else(|| "no reason given".to_string(), |r| r.to_string());
        out.push(Defect {
            kind: DefectKind::UnconfirmedUnits,
            po_number: f.po.number.clone(),
            shipment_number: None,
            line_no: Some(al.line_no),
            units: al.rejected,
            occurred_at: ack.submitted_at,
            evidence: vec![
                Evidence::new("PO", f.po.number.clone()),
                Evidence::new("acknowledgement", format!("v{} at {}, answering revision {}", ack.version, stamp(ack.submitted_at), ack.po_revision)),
                Evidence::new(
                    "line",
                    format!("line {}: {ordered}accepted {}, backordered {}, rejected {} ({reason})", al.line_no, al.accepted, al.backordered, al.rejected),
                ),
            ],
        });
    }
}

/// Late acknowledgement versions, and the current revision when it is overdue and unanswered.
fn late_acknowledgements(f: &PoFacts, out: &mut Vec<Defect>) {
    let po = f.po;
    let defect = |occurred_at, value: String| Defect {
        kind: DefectKind::LateAcknowledgement,
        po_number: po.number.clone(),
        shipment_number: None,
        line_no: None,
        units: 0,
        occurred_at,
        evidence: vec![Evidence::new("PO", po.number.clone()), Evidence::new("acknowledgement", value)],
    };
    let mut acks: Vec<&Acknowledgement> = f.acks.iter().collect();
    acks.sort_by_key(|a| a.version);
    for ack in acks.into_iter().filter(|a| a.late) {
        // Only the current revision's due time is kept on the PO; an older revision's is not known here.
        let by = if ack.po_revision == po.revision && ack.submitted_at > po.ack_due_at {
            format!("late by {} (due at {})", delay(ack.submitted_at - po.ack_due_at), stamp(po.ack_due_at))
        } else {
            "recorded late when submitted".to_string()
        };
        out.push(defect(ack.submitted_at, format!("v{} at {}, answering revision {}, {by}", ack.version, stamp(ack.submitted_at), ack.po_revision)));
    }
    let answered = po.acked_revision >= po.revision || f.acks.iter().any(|a| a.po_revision >= po.revision);
    // A PO closed before its acknowledgement fell due owes none.
    let cutoff = po.closed_at.unwrap_or(f.now);
    if !answered && cutoff > po.ack_due_at {
        out.push(defect(
            po.ack_due_at,
            format!(
                "revision {} issued at {} was due at {}; no acknowledgement by {} ({} overdue)",
                po.revision,
                stamp(po.revision_at),
                stamp(po.ack_due_at),
                stamp(cutoff),
                delay(cutoff - po.ack_due_at)
            ),
        ));
    }
}

/// This PO's eaches on a shipment.
fn units_of(s: &Shipment, po_id: Uuid) -> i64 {
    s.cartons.iter().flat_map(|c| &c.items).filter(|i| i.po_id == po_id).fold(0i64, |sum, i| sum.saturating_add(i.quantity.max(0)))
}

/// "SHIP-001 revision 2 (Replace), first submitted at …, current version at …, ship date …".
fn describe_asn(s: &Shipment) -> String {
    let mut text = format!("{} revision {}, first submitted at {}", s.shipment_number, s.revision, stamp(s.first_submitted_at));
    if s.submitted_at != s.first_submitted_at {
        text.push_str(&format!(", replaced at {}", stamp(s.submitted_at)));
    }
    text.push_str(&format!(", ship date {}", stamp(s.ship_date)));
    text
}

fn slot(a: &Appointment) -> String {
    format!("{} to {}", stamp(a.slot_start), a.slot_end.format("%H:%M UTC"))
}

/// The first instant after day `day` ends (UTC).
fn day_after(day: NaiveDate) -> DateTime<Utc> {
    day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "1 each", "24 eaches".
fn eaches(n: i64) -> String {
    if n == 1 { "1 each".to_string() } else { format!("{n} eaches") }
}

/// "3 h 05 min", "2 d 4 h 00 min".
fn delay(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    if days > 0 { format!("{days} d {hours} h {mins:02} min") } else { format!("{hours} h {mins:02} min") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{AckLine, Channel, RejectionReason};
    use crate::receiving::testing::*;
    use crate::shipments::{ReceivedCarton, ReceivedLine};
    use rust_decimal::dec;

    /// Owned data for one PO: 4XK92P7Q, line 1 of 12 eaches and line 2 of 6, both acknowledged in full by an on-time v1.
    struct World {
        po: PurchaseOrder,
        lines: Vec<PoLine>,
        acks: Vec<Acknowledgement>,
        shipments: Vec<Shipment>,
        appointments: Vec<Appointment>,
        receipts: Vec<Receipt>,
        now: DateTime<Utc>,
    }

    impl World {
        fn new() -> Self {
            let po = po(1, "4XK92P7Q", DC);
            let lines = vec![line(&po, 1, 12, 12), line(&po, 2, 6, 6)];
            let acks = vec![ack(1, 1, "2026-03-01T12:00:00", false, vec![ack_line(1, 12, 0), ack_line(2, 6, 0)])];
            World { po, lines, acks, shipments: vec![], appointments: vec![], receipts: vec![], now: utc("2026-03-10T00:00:00") }
        }

        fn facts(&self) -> PoFacts<'_> {
            PoFacts {
                po: &self.po,
                lines: &self.lines,
                acks: &self.acks,
                shipments: &self.shipments,
                appointments: &self.appointments,
                receipts: &self.receipts,
                now: self.now,
            }
        }

        fn detect(&self) -> Vec<Defect> {
            detect(&self.facts())
        }

        /// One shipment with all of line 1 in carton 1 and all of line 2 in carton 2.
        fn ship(&mut self) -> &mut Shipment {
            let s = shipment(10, "ASN-0001", vec![carton(1, vec![item(&self.po, 1, 12)]), carton(2, vec![item(&self.po, 2, 6)])]);
            self.shipments.push(s);
            self.shipments.last_mut().unwrap()
        }

        fn appointment(&mut self, status: AppointmentStatus, late_change: bool) -> &mut Appointment {
            self.appointments.push(Appointment {
                id: Uuid::from_u128(0xA1),
                tenant: self.po.tenant,
                shipment_id: Uuid::from_u128(10),
                dc_id: DC,
                slot_id: Uuid::from_u128(0x51),
                slot_start: utc("2026-03-09T06:00:00"),
                slot_end: utc("2026-03-09T07:00:00"),
                status,
                reschedules: 0,
                late_change,
                booked_at: utc("2026-03-05T09:00:00"),
                updated_at: utc("2026-03-08T20:00:00"),
            });
            self.appointments.last_mut().unwrap()
        }
    }

    fn ack_line(line_no: i64, accepted: i64, rejected: i64) -> AckLine {
        AckLine {
            line_no,
            accepted,
            backordered: 0,
            rejected,
            net_cost: dec!(2.50),
            scheduled_ship_date: None,
            scheduled_delivery_date: None,
            rejection_reason: (rejected > 0).then_some(RejectionReason::TemporarilyUnavailable),
        }
    }

    fn ack(version: i64, po_revision: i64, at: &str, late: bool, lines: Vec<AckLine>) -> Acknowledgement {
        Acknowledgement {
            id: Uuid::from_u128(0xAC00 + version as u128),
            po_id: Uuid::from_u128(1),
            version,
            po_revision,
            channel: Channel::Ui,
            submitted_by: "ops@acme.example".into(),
            submitted_at: utc(at),
            late,
            lines,
        }
    }

    fn kinds(defects: &[Defect]) -> Vec<DefectKind> {
        defects.iter().map(|d| d.kind).collect()
    }

    fn ev(label: &str, value: &str) -> Evidence {
        Evidence::new(label, value)
    }

    #[test]
    fn a_clean_po_has_no_defects() {
        let mut w = World::new();
        w.ship();
        let s = w.shipments[0].clone();
        w.receipts.push(receipt(&s, as_announced(&s), Some("2026-03-09T12:00:00")));
        w.appointment(AppointmentStatus::Completed, false);
        w.shipments[0].arrived_at = Some(utc("2026-03-09T06:30:00"));
        w.now = utc("2026-03-20T00:00:00");
        assert_eq!(w.detect(), []);
    }

    #[test]
    fn unconfirmed_units_come_from_the_latest_acknowledgement() {
        let mut w = World::new();
        w.acks = vec![
            ack(1, 1, "2026-03-01T12:00:00", false, vec![ack_line(1, 10, 2), ack_line(2, 4, 2)]),
            ack(2, 1, "2026-03-01T15:00:00", false, vec![ack_line(1, 12, 0), ack_line(2, 3, 3)]),
        ];
        let got = w.detect();
        assert_eq!(
            got,
            [Defect {
                kind: DefectKind::UnconfirmedUnits,
                po_number: "4XK92P7Q".into(),
                shipment_number: None,
                line_no: Some(2),
                units: 3,
                occurred_at: utc("2026-03-01T15:00:00"),
                evidence: vec![
                    ev("PO", "4XK92P7Q"),
                    ev("acknowledgement", "v2 at 2026-03-01 15:00 UTC, answering revision 1"),
                    ev("line", "line 2: 6 eaches ordered; accepted 3, backordered 0, rejected 3 (TemporarilyUnavailable)"),
                ],
            }]
        );
        // A line the retailer cancelled owes nothing.
        w.lines[1].cancelled = true;
        assert_eq!(w.detect(), []);
    }

    #[test]
    fn late_acknowledgements_each_late_version_and_an_overdue_revision() {
        let mut w = World::new();
        w.acks = vec![ack(1, 1, "2026-03-02T11:00:00", true, vec![ack_line(1, 12, 0), ack_line(2, 6, 0)])];
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::LateAcknowledgement]);
        assert_eq!(got[0].occurred_at, utc("2026-03-02T11:00:00"));
        assert_eq!(
            got[0].evidence,
            [ev("PO", "4XK92P7Q"), ev("acknowledgement", "v1 at 2026-03-02 11:00 UTC, answering revision 1, late by 1 h 00 min (due at 2026-03-02 10:00 UTC)")]
        );

        // Revision 2 issued 03-03 10:00, due 03-04 10:00, not answered.
        w.po.revision = 2;
        w.po.revision_at = utc("2026-03-03T10:00:00");
        w.po.ack_due_at = utc("2026-03-04T10:00:00");
        w.now = utc("2026-03-04T10:00:00");
        assert_eq!(kinds(&w.detect()), [DefectKind::LateAcknowledgement], "not overdue at the due time itself");
        w.now = utc("2026-03-04T13:00:00");
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::LateAcknowledgement, DefectKind::LateAcknowledgement]);
        assert_eq!(got[0].evidence[1].value, "v1 at 2026-03-02 11:00 UTC, answering revision 1, recorded late when submitted");
        assert_eq!(got[1].occurred_at, utc("2026-03-04T10:00:00"));
        assert_eq!(
            got[1].evidence[1].value,
            "revision 2 issued at 2026-03-03 10:00 UTC was due at 2026-03-04 10:00 UTC; no acknowledgement by 2026-03-04 13:00 UTC (3 h 00 min overdue)"
        );
        // Answered (late, so recorded as such) — the overdue defect gives way to the late version.
        w.acks.push(ack(2, 2, "2026-03-04T14:00:00", true, vec![ack_line(1, 12, 0), ack_line(2, 6, 0)]));
        w.now = utc("2026-03-05T00:00:00");
        let got = w.detect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].evidence[1].value, "v2 at 2026-03-04 14:00 UTC, answering revision 2, late by 4 h 00 min (due at 2026-03-04 10:00 UTC)");
    }

    #[test]
    fn late_asn_runs_from_the_first_submission() {
        let mut w = World::new();
        let s = w.ship();
        s.first_submitted_at = utc("2026-03-06T09:40:00");
        s.submitted_at = utc("2026-03-07T12:00:00");
        s.revision = 2;
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::LateAsn]);
        let d = &got[0];
        assert_eq!((d.shipment_number.as_deref(), d.units, d.occurred_at), (Some("ASN-0001"), 18, utc("2026-03-06T09:40:00")));
        assert_eq!(
            d.evidence,
            [
                ev("PO", "4XK92P7Q"),
                ev("ASN", "ASN-0001 revision 2, first submitted at 2026-03-06 09:40 UTC, replaced at 2026-03-07 12:00 UTC, ship date 2026-03-06 08:00 UTC"),
                ev("due", "due at 2026-03-06 08:30 UTC (ship time 2026-03-06 08:00 UTC), first submitted 1 h 10 min late"),
            ]
        );
        // An on-time original replaced later is not late.
        w.shipments[0].first_submitted_at = utc("2026-03-06T08:10:00");
        assert_eq!(w.detect(), []);
        // A cancelled shipment and one without this PO are not looked at.
        w.shipments[0].first_submitted_at = utc("2026-03-06T09:40:00");
        w.shipments[0].status = ShipmentStatus::Cancelled;
        assert_eq!(w.detect(), []);
        w.shipments[0].status = ShipmentStatus::Shipped;
        let other = po(2, "7QZ3M2KD", DC);
        for c in &mut w.shipments[0].cartons {
            c.items = vec![item(&other, 1, 1)];
        }
        assert_eq!(w.detect(), []);
    }

    #[test]
    fn missing_asn_when_submitted_after_arrival_and_not_also_late() {
        let mut w = World::new();
        let s = w.ship();
        s.first_submitted_at = utc("2026-03-09T09:00:00");
        s.submitted_at = s.first_submitted_at;
        s.arrived_at = Some(utc("2026-03-09T08:30:00"));
        s.status = ShipmentStatus::CheckedIn;
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::MissingAsn]);
        assert_eq!(got[0].occurred_at, utc("2026-03-09T08:30:00"));
        assert_eq!(got[0].evidence[2], ev("arrival", "checked in at DC ABE2 at 2026-03-09 08:30 UTC, 0 h 30 min before the ASN was first submitted"));
        // Without a check-in time on the shipment, the receipt's check-in is the arrival.
        w.shipments[0].arrived_at = None;
        let s = w.shipments[0].clone();
        w.receipts.push(receipt(&s, vec![], None));
        assert_eq!(kinds(&w.detect()), [DefectKind::MissingAsn]);
    }

    #[test]
    fn receiving_discrepancies_of_closed_receipts() {
        let mut w = World::new();
        w.ship();
        let other = po(2, "7QZ3M2KD", DC);
        w.shipments[0].cartons.push(carton(3, vec![item(&other, 1, 5)]));
        let s = w.shipments[0].clone();
        let mut cartons = as_announced(&s);
        cartons.remove(1); // carton 2 (line 2, 6 eaches) never scanned
        cartons[0].lines[0].received = 13; // line 1: one over
        cartons[1].lines[0].received = 4; // the other PO: one short (not ours)
        cartons.push(ReceivedCarton {
            on_asn: false,
            ..scanned(
                "stray",
                vec![ReceivedLine { po_id: None, po_number: None, line_no: None, gtin: "04006381333931".into(), received: 2, damaged: 0, unexpected: true }],
            )
        });
        w.receipts.push(receipt(&s, cartons.clone(), None));
        assert_eq!(w.detect(), [], "an open receipt is not final");

        w.receipts[0] = receipt(&s, cartons, Some("2026-03-09T12:00:00"));
        let got = w.detect();
        let summary: Vec<(DefectKind, Option<i64>, i64)> = got.iter().map(|d| (d.kind, d.line_no, d.units)).collect();
        assert_eq!(summary, [(DefectKind::AsnOverage, Some(1), 1), (DefectKind::AsnShortage, Some(2), 6), (DefectKind::WrongItem, None, 2)]);
        assert!(got.iter().all(|d| d.occurred_at == utc("2026-03-09T12:00:00") && d.shipment_number.as_deref() == Some("ASN-0001")));
        assert_eq!(
            got[1].evidence,
            [
                ev("PO", "4XK92P7Q"),
                ev("ASN", "ASN-0001 revision 1, first submitted at 2026-03-06 08:10 UTC, ship date 2026-03-06 08:00 UTC"),
                ev("carton", s.cartons[1].sscc.as_str()),
                ev("receipt", "checked in at 2026-03-09 08:30 UTC, closed at 2026-03-09 12:00 UTC"),
                ev(
                    "finding",
                    &format!(
                        "carton 2 (SSCC {}) is on ASN ASN-0001 but was never scanned: 6 eaches of PO 4XK92P7Q line 2 (GTIN {}) count as short",
                        s.cartons[1].sscc,
                        gtin(2)
                    )
                ),
            ]
        );

        // The other PO gets its own shortage, and not the stray item (it goes to the shipment's first PO).
        let other_lines = vec![line(&other, 1, 5, 5)];
        let f = PoFacts { po: &other, lines: &other_lines, acks: &[], ..w.facts() };
        assert_eq!(detect(&f).iter().map(|d| (d.kind, d.units)).collect::<Vec<_>>(), [(DefectKind::AsnShortage, 1)]);
    }

    #[test]
    fn not_on_time_when_the_window_ends_short() {
        let mut w = World::new();
        w.ship();
        let s = w.shipments[0].clone();
        let mut cartons = as_announced(&s);
        cartons[0].lines[0].received = 8;
        cartons[0].lines[0].damaged = 1; // damaged units were delivered
        w.receipts.push(receipt(&s, cartons, Some("2026-03-09T12:00:00")));
        // A second receipt closed after the window does not count.
        let mut late = receipt(&s, vec![scanned("late", vec![got(&item(&w.po, 1, 0), 4, 0)])], Some("2026-03-15T09:00:00"));
        late.id = Uuid::from_u128(0xBEEF);
        w.receipts.push(late);

        w.now = utc("2026-03-14T23:59:00");
        assert!(!kinds(&w.detect()).contains(&DefectKind::NotOnTime), "the window has not ended");
        w.now = utc("2026-03-15T00:00:00");
        let got: Vec<Defect> = w.detect().into_iter().filter(|d| d.kind == DefectKind::NotOnTime).collect();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].units, got[0].occurred_at, got[0].shipment_number.as_deref()), (4, utc("2026-03-15T00:00:00"), None));
        assert_eq!(
            got[0].evidence,
            [
                ev("PO", "4XK92P7Q, delivery window 2026-03-08 to 2026-03-14 (ordered on 2026-03-01)"),
                ev("receipt", "checked in at 2026-03-09 08:30 UTC, closed at 2026-03-09 12:00 UTC (within the window): 14 eaches of this PO"),
                ev("receipt", "checked in at 2026-03-09 08:30 UTC, closed at 2026-03-15 09:00 UTC (after the window): 4 eaches of this PO"),
                ev("line", "line 1: 12 eaches ordered, 8 received by 2026-03-14"),
            ]
        );
        // A cancelled short line is not owed.
        w.lines[0].cancelled = true;
        assert!(!kinds(&w.detect()).contains(&DefectKind::NotOnTime));
    }

    #[test]
    fn late_cancellation_of_an_appointment() {
        let mut w = World::new();
        w.ship();
        w.appointment(AppointmentStatus::Cancelled, true);
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::LateCancellation]);
        assert_eq!(got[0].occurred_at, utc("2026-03-08T20:00:00"));
        assert_eq!(
            got[0].evidence[2],
            ev(
                "appointment",
                "slot 2026-03-09 06:00 UTC to 07:00 UTC at DC ABE2, cancelled at 2026-03-08 20:00 UTC, less than 24 h before the slot (booked at 2026-03-05 09:00 UTC, moved 0 times)"
            )
        );
        w.appointments[0].late_change = false;
        assert_eq!(w.detect(), []);
    }

    #[test]
    fn no_show_marked_inferred_or_late_arrival() {
        let mut w = World::new();
        w.ship();
        w.appointment(AppointmentStatus::NoShow, false);
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::NoShow]);
        assert_eq!((got[0].occurred_at, got[0].units), (utc("2026-03-09T08:00:00"), 18));
        assert_eq!(got[0].evidence[2], ev("appointment", "slot 2026-03-09 06:00 UTC to 07:00 UTC at DC ABE2, marked no-show"));

        // Booked, nobody came: a no-show once 2 h have passed.
        w.appointments[0].status = AppointmentStatus::Booked;
        w.now = utc("2026-03-09T08:00:00");
        assert_eq!(w.detect(), []);
        w.now = utc("2026-03-09T08:01:00");
        let got = w.detect();
        assert_eq!(kinds(&got), [DefectKind::NoShow]);
        assert_eq!(
            got[0].evidence[2].value,
            "slot 2026-03-09 06:00 UTC to 07:00 UTC at DC ABE2; no check-in by 2026-03-09 08:00 UTC (2 h after the slot start), none by 2026-03-09 08:01 UTC"
        );
        // The truck came late: still a no-show; in time: none.
        w.now = utc("2026-03-10T00:00:00");
        w.shipments[0].arrived_at = Some(utc("2026-03-09T08:30:00"));
        assert_eq!(kinds(&w.detect()), [DefectKind::NoShow]);
        w.appointments[0].status = AppointmentStatus::Completed;
        assert_eq!(kinds(&w.detect()), [DefectKind::NoShow]);
        w.shipments[0].arrived_at = Some(utc("2026-03-09T07:59:00"));
        assert_eq!(w.detect(), []);
        // A cancelled appointment is no no-show.
        w.shipments[0].arrived_at = None;
        w.appointments[0].status = AppointmentStatus::Cancelled;
        assert_eq!(w.detect(), []);
    }

    #[test]
    fn defects_come_in_time_order() {
        let mut w = World::new();
        w.acks = vec![ack(1, 1, "2026-03-02T11:00:00", true, vec![ack_line(1, 12, 0), ack_line(2, 5, 1)])];
        w.ship().first_submitted_at = utc("2026-03-06T09:00:00");
        w.appointment(AppointmentStatus::NoShow, true);
        w.now = utc("2026-03-20T00:00:00");
        assert_eq!(
            kinds(&w.detect()),
            [
                DefectKind::UnconfirmedUnits,
                DefectKind::LateAcknowledgement,
                DefectKind::LateAsn,
                DefectKind::LateCancellation,
                DefectKind::NoShow,
                DefectKind::NotOnTime,
            ]
        );
    }

    #[test]
    fn on_time_accuracy_in_basis_points() {
        // Five POs, all with the delivery window 03-08..03-14, judged on 03-20:
        // A received complete on 03-12 (on time), B complete only on 03-16 (late), C received 11 of 12 (late),
        // D with every line cancelled (not counted), E judged on 03-14 (window not ended, not counted).
        let make = |id: u128, number: &str| {
            let mut w = World::new();
            w.po = po(id, number, DC);
            w.lines = vec![line(&w.po, 1, 12, 12)];
            w.now = utc("2026-03-20T00:00:00");
            w
        };
        let received = |w: &mut World, q: i64, closed: &str| {
            let s = shipment(w.po.id.as_u128() + 100, "ASN", vec![carton(1, vec![item(&w.po, 1, 12)])]);
            let r = receipt(&s, vec![scanned(s.cartons[0].sscc.as_str(), vec![got(&s.cartons[0].items[0], q, 0)])], Some(closed));
            w.receipts.push(r);
        };
        let mut a = make(1, "AAAAAAA1");
        received(&mut a, 12, "2026-03-12T10:00:00");
        let mut b = make(2, "BBBBBBB2");
        received(&mut b, 12, "2026-03-16T10:00:00");
        let mut c = make(3, "CCCCCCC3");
        received(&mut c, 11, "2026-03-12T10:00:00");
        let mut d = make(4, "DDDDDDD4");
        d.lines[0].cancelled = true;
        let mut e = make(5, "EEEEEEE5");
        e.now = utc("2026-03-14T12:00:00");

        let all = [a.facts(), b.facts(), c.facts(), d.facts(), e.facts()];
        assert_eq!(on_time_accuracy_bp(&all), Some(3333), "1 of 3 judged POs");
        assert_eq!(on_time_accuracy_bp(&[a.facts(), b.facts(), a.facts()]), Some(6667), "2 of 3, rounded half up");
        assert_eq!(on_time_accuracy_bp(&[a.facts()]), Some(10_000));
        assert_eq!(on_time_accuracy_bp(&[d.facts(), e.facts()]), None, "nothing judged is no score, not 0 %");
        assert_eq!(on_time_accuracy_bp(&[]), None);
        // The same judgement drives the NotOnTime defect.
        for (w, late) in [(&a, false), (&b, true), (&c, true), (&d, false), (&e, false)] {
            assert_eq!(kinds(&w.detect()).contains(&DefectKind::NotOnTime), late, "{}", w.po.number);
        }
    }
}
