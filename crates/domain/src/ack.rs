//! Acknowledgement rules: whether a vendor's answer to a PO may be stored, what it resolves to, and which
//! defects it would cause.
//!
//! DOMAIN.md "Purchase orders": per line the vendor accepts, backorders (with a date) or rejects (with a
//! reason) eaches; lines left out count as rejected; accepted + backordered ≤ ordered and the remainder is
//! rejected; acknowledged cost ≤ PO cost; updates are allowed for 48 h after the revision was issued, after that
//! only dates; a rejected line stays rejected. Every channel (UI, API, CSV, EDI) goes through [`resolve`], so the
//! rules cannot drift between them, and every issue is reported at once so a vendor fixes a submission in one
//! round trip. The stored form ([`AckLine`]) accounts for every ordered each, which is what the confirmation
//! state, the unconfirmed-units defect and later the ASN checks read.
//!
//! Pure code: `now` and `today` come from the caller. Quantities in submissions are untrusted (any `i64`), so the
//! arithmetic on them saturates instead of overflowing.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::defects::{DefectKind, DefectPreview};
use crate::orders::{AckCode, AckLine, AckLineInput, AckPart, Acknowledgement, PoLine, PoState, PurchaseOrder, QuantityUnit, RejectionReason};
use crate::validate::{FieldIssue, Issues};

/// The time limits of acknowledging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckRules {
    /// Hours after a revision is issued within which its acknowledgement is due (holidays extend it, see
    /// [`crate::calendar::ack_due_at`]).
    pub due_hours: i64,
    /// Hours after a revision is issued during which its acknowledgement may still change quantities.
    pub update_hours: i64,
}

impl Default for AckRules {
    fn default() -> Self {
        AckRules { due_hours: 24, update_hours: 48 }
    }
}

/// What the rules need to know about the PO at submission time.
#[derive(Clone, Copy, Debug)]
pub struct AckContext<'a> {
    pub po: &'a PurchaseOrder,
    pub lines: &'a [PoLine],
    /// The latest stored acknowledgement of this PO (any revision), if any.
    pub previous: Option<&'a Acknowledgement>,
    pub now: DateTime<Utc>,
    /// Today in the DC's time zone, for date checks.
    pub today: NaiveDate,
    pub rules: &'a AckRules,
}

impl AckContext<'_> {
    /// The previous acknowledgement when it answered the current revision: the submission is then an update of
    /// it (48 h window, "nothing changed", no second late defect) rather than a fresh acknowledgement.
    fn previous_of_this_revision(&self) -> Option<&Acknowledgement> {
        self.previous.filter(|p| p.po_revision == self.po.revision)
    }
}

/// Whether the ack for the current revision would be late at `now`.
pub fn is_late(po: &PurchaseOrder, now: DateTime<Utc>) -> bool {
    now > po.ack_due_at
}

/// The deadline after which only dates may change: `revision_at + update_hours`.
pub fn update_deadline(po: &PurchaseOrder, rules: &AckRules) -> DateTime<Utc> {
    TimeDelta::try_hours(rules.update_hours).and_then(|d| po.revision_at.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Checks a submission and resolves it into one [`AckLine`] per PO line (in line order), or returns every issue at once.
///
/// Issue fields name PO lines by their line *number* (`line[3]`, `line[3].net_cost`) and parts by their 0-based
/// position in the submitted `parts` array (`line[3].parts[0].quantity`), as the API's JSON carries them.
/// Rules, in the order checked:
/// 1. a closed PO cannot be acknowledged (`po`, and nothing else is checked); unknown and repeated line numbers are refused;
/// 2. part quantities are eaches, each at least 1, one part per code; accepted + backordered (+ explicitly rejected)
///    may not exceed the ordered eaches, the remainder counts as rejected;
/// 3. backordered parts need a scheduled ship or delivery date, not before `today`, and a line that allows backorders;
///    rejected parts need a reason, other parts carry none; dates belong to backordered parts only;
/// 4. an acknowledged net cost is above 0 and not above the PO line's cost (default: the PO cost);
/// 5. lines left out are fully rejected; cancelled lines resolve to zeros and may not be given parts;
/// 6. a line never commits (accepts + backorders) more than the previous acknowledgement did, whatever its revision;
/// 7. an update of the current revision's acknowledgement after [`update_deadline`] may change only scheduled dates;
/// 8. an update identical to the current revision's acknowledgement is refused (`po`).
///
/// Rules 6–8 compare only lines that passed 1–5, and 8 only a submission with no other issue, so one mistake is
/// reported once.
pub fn resolve(ctx: &AckContext, input: &[AckLineInput]) -> Result<Vec<AckLine>, Vec<FieldIssue>> {
    let po = ctx.po;
    if po.closed_at.is_some() || po.state == PoState::Closed {
        // Nothing the vendor changes in the submission can fix this, so the line issues would only be noise.
        return Err(vec![FieldIssue::new("po", format!("PO {} is closed; a closed PO cannot be acknowledged", po.number))]);
    }

    let mut issues = Issues::new();
    let mut lines: Vec<&PoLine> = ctx.lines.iter().collect();
    lines.sort_by_key(|l| l.line_no);
    let known: BTreeSet<i64> = lines.iter().map(|l| l.line_no).collect();

    let mut given: BTreeMap<i64, &AckLineInput> = BTreeMap::new();
    let mut repeated = BTreeSet::new();
    for entry in input {
        let no = entry.line_no;
        if !known.contains(&no) {
            issues.push(FieldIssue::new(line_field(no), format!("PO {} has no line {no}; leave it out or use one of the PO's line numbers", po.number)));
        } else if let Entry::Vacant(slot) = given.entry(no) {
            slot.insert(entry);
        } else if repeated.insert(no) {
            // Reported once however often it repeats; the first entry is the one checked further.
            issues.push(FieldIssue::new(line_field(no), format!("line {no} is given more than once; give each line once, with all its parts")));
        }
    }

    let previous_lines: BTreeMap<i64, &AckLine> = ctx.previous.map(|p| p.lines.iter().map(|l| (l.line_no, l)).collect()).unwrap_or_default();
    let update_of = ctx.previous_of_this_revision();
    let deadline = update_deadline(po, ctx.rules);
    let window_closed = update_of.is_some() && ctx.now > deadline;

    let mut resolved = Vec::with_capacity(lines.len());
    let mut complete = true;
    for line in lines {
        let no = line.line_no;
        let Some(ack) = resolve_line(ctx, line, given.get(&no).copied(), &mut issues) else {
            complete = false;
            continue;
        };
        if !line.cancelled
            && let (Some(previous), Some(before)) = (ctx.previous, previous_lines.get(&no))
        {
            // Rule 6. The latest version is enough: each version already committed no more than the one before.
            let limit = committed(before);
            if committed(&ack) > limit {
                issues.push(FieldIssue::new(
                    line_field(no),
                    format!(
                        "line {no}: {} rejected in acknowledgement v{} and {} rejected; commit at most {limit}",
                        were(before.rejected),
                        previous.version,
                        if before.rejected == 1 { "stays" } else { "stay" }
                    ),
                ));
            }
            // Rule 7.
            if window_closed && !same_except_dates(&ack, before) {
                issues.push(FieldIssue::new(
                    line_field(no),
                    format!(
                        "the {} h update window closed at {}; only backorder dates may change now — keep {} as in acknowledgement v{}",
                        ctx.rules.update_hours,
                        deadline.format("%Y-%m-%d %H:%M UTC"),
                        describe_quantities(before),
                        previous.version
                    ),
                ));
            }
        }
        resolved.push(ack);
    }

    // Rule 8: only meaningful when every line resolved and nothing else is wrong.
    if complete
        && issues.is_empty()
        && let Some(previous) = update_of
    {
        let mut before = previous.lines.clone();
        before.sort_by_key(|l| l.line_no);
        if before == resolved {
            issues.push(FieldIssue::new("po", format!("nothing changed since acknowledgement v{}; submit only what changes", previous.version)));
        }
    }

    issues.into_result().map(|()| resolved)
}

/// Resolves one PO line (rules 2–5), recording its issues; `None` when it has any.
fn resolve_line(ctx: &AckContext, line: &PoLine, entry: Option<&AckLineInput>, issues: &mut Issues) -> Option<AckLine> {
    let no = line.line_no;
    let untouched = AckLine {
        line_no: no,
        accepted: 0,
        backordered: 0,
        rejected: 0,
        net_cost: line.net_cost,
        scheduled_ship_date: None,
        scheduled_delivery_date: None,
        rejection_reason: None,
    };
    if line.cancelled {
        // Nothing is owed on a cancelled line; an empty entry for it is harmless, parts are a misunderstanding.
        if entry.is_some_and(|e| !e.parts.is_empty()) {
            issues.push(FieldIssue::new(line_field(no), format!("line {no} was cancelled by the retailer; leave it out")));
            return None;
        }
        return Some(untouched);
    }
    let ordered = line.ordered_eaches();
    let Some(entry) = entry else {
        return Some(AckLine { rejected: ordered, ..untouched });
    };
    let before = issues.len();

    let net_cost = match entry.net_cost {
        None => line.net_cost,
        Some(cost) => {
            let field = format!("{}.net_cost", line_field(no));
            if cost <= Decimal::ZERO {
                issues.push(FieldIssue::new(field, format!("acknowledged cost must be above 0; leave it empty to take the PO cost {}", line.net_cost)));
            } else if cost > line.net_cost {
                issues.push(FieldIssue::new(field, format!("acknowledged cost {cost} is above the PO cost {}; costs above the PO are refused", line.net_cost)));
            }
            cost
        }
    };

    let mut seen: BTreeMap<AckCode, usize> = BTreeMap::new();
    let mut totals: BTreeMap<AckCode, i64> = BTreeMap::new();
    let mut backorder: Option<&AckPart> = None;
    let mut rejection: Option<&AckPart> = None;
    for (j, part) in entry.parts.iter().enumerate() {
        let field = |name: &str| format!("{}.parts[{j}].{name}", line_field(no));
        let code = part.code;
        if let Some(first) = seen.insert(code, j) {
            issues.push(FieldIssue::new(
                field("code"),
                format!("line {no} has more than one {code} part (parts[{first}] and parts[{j}]); put all {code} eaches in one part"),
            ));
            continue;
        }
        if part.quantity <= 0 {
            issues.push(FieldIssue::new(field("quantity"), "must be at least 1 each; leave the part out instead of giving 0 or less"));
        } else {
            totals.insert(code, part.quantity);
        }
        check_part(ctx, line, part, &field, issues);
        match code {
            AckCode::Backordered => backorder = Some(part),
            AckCode::Rejected => rejection = Some(part),
            AckCode::Accepted => {}
        }
    }

    let total = |code| totals.get(&code).copied().unwrap_or(0);
    let (accepted, backordered, explicitly_rejected) = (total(AckCode::Accepted), total(AckCode::Backordered), total(AckCode::Rejected));
    let committed = accepted.saturating_add(backordered);
    if committed > ordered {
        issues.push(FieldIssue::new(line_field(no), too_many(&[("accepted", accepted), ("backordered", backordered)], line)));
    } else if committed.saturating_add(explicitly_rejected) > ordered {
        issues
            .push(FieldIssue::new(line_field(no), too_many(&[("accepted", accepted), ("backordered", backordered), ("rejected", explicitly_rejected)], line)));
    }

    if issues.len() > before {
        return None;
    }
    Some(AckLine {
        line_no: no,
        accepted,
        backordered,
        rejected: ordered - committed,
        net_cost,
        scheduled_ship_date: backorder.and_then(|p| p.scheduled_ship_date),
        scheduled_delivery_date: backorder.and_then(|p| p.scheduled_delivery_date),
        rejection_reason: rejection.and_then(|p| p.rejection_reason),
    })
}

/// Rule 3 for one part: dates and reasons that fit its code.
fn check_part(ctx: &AckContext, line: &PoLine, part: &AckPart, field: &dyn Fn(&str) -> String, issues: &mut Issues) {
    let no = line.line_no;
    let code = part.code;
    if code == AckCode::Rejected {
        if part.rejection_reason.is_none() {
            issues.push(FieldIssue::new(field("rejection_reason"), format!("rejected eaches need a reason: {}", RejectionReason::TEXTS.join(", "))));
        }
    } else if part.rejection_reason.is_some() {
        issues.push(FieldIssue::new(field("rejection_reason"), format!("only rejected eaches carry a rejection reason; remove it from this {code} part")));
    }

    if code != AckCode::Backordered {
        // The stored line has one pair of dates, the backorder's; a date anywhere else would be silently lost.
        for (name, date) in [("scheduled_ship_date", part.scheduled_ship_date), ("scheduled_delivery_date", part.scheduled_delivery_date)] {
            if date.is_some() {
                issues.push(FieldIssue::new(field(name), format!("scheduled dates are for backordered eaches only; remove it from this {code} part")));
            }
        }
        return;
    }

    if !line.backorder_allowed {
        issues.push(FieldIssue::new(field("code"), format!("line {no} does not allow backorders; accept or reject these eaches instead")));
    }
    let (ship, delivery) = (part.scheduled_ship_date, part.scheduled_delivery_date);
    if ship.is_none() && delivery.is_none() {
        issues.push(FieldIssue::new(field("scheduled_ship_date"), "backordered eaches need a scheduled ship date or a scheduled delivery date"));
    }
    for (name, what, date) in [("scheduled_ship_date", "ship", ship), ("scheduled_delivery_date", "delivery", delivery)] {
        if let Some(date) = date.filter(|d| *d < ctx.today) {
            issues.push(FieldIssue::new(field(name), format!("scheduled {what} date {date} is before today ({}); give today or a later date", ctx.today)));
        }
    }
    if let (Some(ship), Some(delivery)) = (ship, delivery)
        && delivery < ship
    {
        issues.push(FieldIssue::new(
            field("scheduled_delivery_date"),
            format!("scheduled delivery date {delivery} is before the scheduled ship date {ship}; goods arrive after they ship"),
        ));
    }
}

/// "accepted 10 + backordered 5 is 15 eaches, more than the 12 eaches ordered; lower a quantity" (zero terms left out).
fn too_many(terms: &[(&str, i64)], line: &PoLine) -> String {
    let given: Vec<(&str, i64)> = terms.iter().copied().filter(|(_, q)| *q > 0).collect();
    let ordered = describe_ordered(line);
    let sum = given.iter().try_fold(0i64, |acc, (_, q)| acc.checked_add(*q));
    let words = given.iter().map(|(name, q)| format!("{name} {q}")).collect::<Vec<_>>().join(" + ");
    match (given.len(), sum) {
        (1, _) => format!("{words} {} more than the {ordered}; lower it", if given[0].1 == 1 { "each is" } else { "eaches is" }),
        (_, Some(sum)) => format!("{words} is {sum} eaches, more than the {ordered}; lower a quantity"),
        (_, None) => format!("{words} is more than the {ordered}; lower a quantity"),
    }
}

/// "1 each", "12 eaches".
fn eaches(n: i64) -> String {
    if n == 1 { "1 each".to_string() } else { format!("{n} eaches") }
}

/// "1 each was", "4 eaches were".
fn were(n: i64) -> String {
    format!("{} {}", eaches(n), if n == 1 { "was" } else { "were" })
}

/// "12 eaches ordered", or "36 eaches ordered (3 cases of 12)" so a vendor thinking in cases sees the conversion.
fn describe_ordered(line: &PoLine) -> String {
    let ordered = eaches(line.ordered_eaches());
    if line.unit == QuantityUnit::Cases {
        format!("{ordered} ordered ({} cases of {})", line.ordered_quantity, line.unit_size)
    } else {
        format!("{ordered} ordered")
    }
}

/// "accepted 8, backordered 0, rejected 4 (TemporarilyUnavailable) at cost 10.00".
fn describe_quantities(l: &AckLine) -> String {
    let reason = l.rejection_reason.map(|r| format!(" ({r})")).unwrap_or_default();
    format!("accepted {}, backordered {}, rejected {}{reason} at cost {}", l.accepted, l.backordered, l.rejected, l.net_cost)
}

/// Accepted + backordered, saturating: stored versions are trusted, but a corrupt one must not panic the rules.
fn committed(l: &AckLine) -> i64 {
    l.accepted.saturating_add(l.backordered)
}

/// Rule 7: everything but the scheduled dates is as before.
fn same_except_dates(now: &AckLine, before: &AckLine) -> bool {
    (now.accepted, now.backordered, now.rejected, now.net_cost, now.rejection_reason)
        == (before.accepted, before.backordered, before.rejected, before.net_cost, before.rejection_reason)
}

fn line_field(no: i64) -> String {
    format!("line[{no}]")
}

/// Defects this submission would cause (pre-flight); call with the resolved lines.
///
/// One [`DefectKind::UnconfirmedUnits`] per non-cancelled line with rejected eaches, and one
/// [`DefectKind::LateAcknowledgement`] when the current revision's acknowledgement is overdue and this is its first
/// acknowledgement (an update of an already acknowledged revision is not a second late acknowledgement).
pub fn preflight(ctx: &AckContext, resolved: &[AckLine]) -> Vec<DefectPreview> {
    let po = ctx.po;
    let by_no: BTreeMap<i64, &PoLine> = ctx.lines.iter().map(|l| (l.line_no, l)).collect();
    let mut out = Vec::new();
    for ack in resolved {
        let line = by_no.get(&ack.line_no);
        if ack.rejected <= 0 || line.is_some_and(|l| l.cancelled) {
            continue;
        }
        let how_many = match line {
            Some(l) => format!("{} of the {}", ack.rejected, describe_ordered(l)),
            None => eaches(ack.rejected),
        };
        let why = match ack.rejection_reason {
            Some(reason) => format!("rejected as {reason}"),
            None => "rejected or left out, with no reason given".to_string(),
        };
        out.push(DefectPreview {
            kind: DefectKind::UnconfirmedUnits,
            line_no: Some(ack.line_no),
            units: ack.rejected,
            detail: format!("line {}: {how_many} are not confirmed ({why}); they will be recorded as unconfirmed units", ack.line_no),
        });
    }
    if is_late(po, ctx.now) && ctx.previous_of_this_revision().is_none() {
        out.push(DefectPreview {
            kind: DefectKind::LateAcknowledgement,
            line_no: None,
            units: 0,
            detail: format!(
                "the acknowledgement of PO {} (revision {}) was due at {}; sent now it is {} late and will be recorded as a late acknowledgement",
                po.number,
                po.revision,
                po.ack_due_at.format("%Y-%m-%d %H:%M UTC"),
                describe_delay(ctx.now - po.ack_due_at)
            ),
        });
    }
    out
}

/// "3 h 05 min", "2 d 4 h 00 min".
fn describe_delay(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    if days > 0 { format!("{days} d {hours} h {mins:02} min") } else { format!("{hours} h {mins:02} min") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TenantId;
    use crate::orders::{Channel, FreightTerms, LineConfirmation, PaymentTerms, PoType, ReceiveStatus, Window};
    use proptest::prelude::*;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        format!("{s}Z").parse().unwrap()
    }

    /// PO 4ACORN01, revision 1 issued 2026-03-01 10:00 UTC: due 03-02 10:00, updates until 03-03 10:00.
    fn po() -> PurchaseOrder {
        let issued = utc("2026-03-01T10:00:00");
        PurchaseOrder {
            id: Uuid::nil(),
            tenant: TenantId(Uuid::nil()),
            number: "4ACORN01".into(),
            vendor_code: "ACME1".into(),
            dc_id: Uuid::nil(),
            dc_code: "ABE2".into(),
            po_type: PoType::RegularOrder,
            state: PoState::New,
            order_date: day("2026-03-01"),
            ship_window: Window::new(day("2026-03-05"), day("2026-03-10")).unwrap(),
            delivery_window: Window::new(day("2026-03-08"), day("2026-03-14")).unwrap(),
            freight_terms: FreightTerms::Collect,
            payment_terms: PaymentTerms::Net30,
            currency: "USD".into(),
            deal_code: None,
            revision: 1,
            revision_at: issued,
            ack_due_at: utc("2026-03-02T10:00:00"),
            acked_revision: 0,
            reminded_revision: 0,
            line_count: 3,
            total_cost: dec!(230.00),
            issued_at: issued,
            closed_at: None,
            created_at: issued,
            updated_at: issued,
        }
    }

    fn po_line(line_no: i64, qty: i64, size: i64, cost: Decimal, backorder_allowed: bool) -> PoLine {
        PoLine {
            po_id: Uuid::nil(),
            line_no,
            item_id: Uuid::nil(),
            vendor_sku: format!("SKU{line_no}"),
            gtin: "00614141000012".into(),
            retailer_item_id: "B000000001".into(),
            title: "T".into(),
            ordered_quantity: qty,
            unit: if size == 1 { QuantityUnit::Eaches } else { QuantityUnit::Cases },
            unit_size: size,
            net_cost: cost,
            list_price: cost * dec!(2),
            backorder_allowed,
            cancelled: false,
            confirmation: LineConfirmation::Unconfirmed,
            committed_eaches: 0,
            shipped_eaches: 0,
            received_eaches: 0,
            damaged_eaches: 0,
            receive_status: ReceiveStatus::NotReceived,
        }
    }

    /// Line 1: 12 eaches at 10.00; line 2: 3 cases of 12 (36 eaches) at 2.50; line 3: 5 eaches at 4.00, no backorders.
    fn lines() -> Vec<PoLine> {
        vec![po_line(1, 12, 1, dec!(10.00), true), po_line(2, 3, 12, dec!(2.50), true), po_line(3, 5, 1, dec!(4.00), false)]
    }

    const RULES: AckRules = AckRules { due_hours: 24, update_hours: 48 };

    fn ctx<'a>(po: &'a PurchaseOrder, lines: &'a [PoLine], previous: Option<&'a Acknowledgement>, now: &str) -> AckContext<'a> {
        let now = utc(now);
        AckContext { po, lines, previous, now, today: now.date_naive(), rules: &RULES }
    }

    fn part(code: AckCode, quantity: i64) -> AckPart {
        AckPart { code, quantity, scheduled_ship_date: None, scheduled_delivery_date: None, rejection_reason: None }
    }

    fn accepted(q: i64) -> AckPart {
        part(AckCode::Accepted, q)
    }

    fn backordered(q: i64, ship: &str) -> AckPart {
        AckPart { scheduled_ship_date: Some(day(ship)), ..part(AckCode::Backordered, q) }
    }

    fn rejected(q: i64, reason: RejectionReason) -> AckPart {
        AckPart { rejection_reason: Some(reason), ..part(AckCode::Rejected, q) }
    }

    fn input(line_no: i64, parts: Vec<AckPart>) -> AckLineInput {
        AckLineInput { line_no, net_cost: None, parts }
    }

    fn full_acceptance() -> Vec<AckLineInput> {
        vec![input(1, vec![accepted(12)]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]
    }

    fn ack_line(line_no: i64, accepted: i64, backordered: i64, rejected: i64, cost: Decimal) -> AckLine {
        AckLine { line_no, accepted, backordered, rejected, net_cost: cost, scheduled_ship_date: None, scheduled_delivery_date: None, rejection_reason: None }
    }

    fn stored(version: i64, po_revision: i64, lines: Vec<AckLine>) -> Acknowledgement {
        Acknowledgement {
            id: Uuid::nil(),
            po_id: Uuid::nil(),
            version,
            po_revision,
            channel: Channel::Ui,
            submitted_by: "jane@acme.example".into(),
            submitted_at: utc("2026-03-01T12:00:00"),
            late: false,
            lines,
        }
    }

    /// The issues of a submission that must fail, as (field, issue) pairs.
    fn issues(ctx: &AckContext, input: &[AckLineInput]) -> Vec<(String, String)> {
        resolve(ctx, input).unwrap_err().into_iter().map(|i| (i.field, i.issue)).collect()
    }

    fn fields(ctx: &AckContext, input: &[AckLineInput]) -> Vec<String> {
        issues(ctx, input).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn rules_default_to_24_and_48_hours() {
        assert_eq!(AckRules::default(), RULES);
    }

    #[test]
    fn a_full_acceptance_resolves_every_line_in_line_order() {
        let (po, mut lines) = (po(), lines());
        lines.reverse(); // the store's order does not matter
        let mut input = full_acceptance();
        input.reverse();
        let out = resolve(&ctx(&po, &lines, None, "2026-03-01T12:00:00"), &input).unwrap();
        assert_eq!(out, [ack_line(1, 12, 0, 0, dec!(10.00)), ack_line(2, 36, 0, 0, dec!(2.50)), ack_line(3, 5, 0, 0, dec!(4.00))]);
        assert!(out.iter().all(|l| l.confirmation() == LineConfirmation::Accepted));
    }

    #[test]
    fn rule1_a_closed_po_cannot_be_acknowledged() {
        let (mut po, lines) = (po(), lines());
        po.closed_at = Some(utc("2026-03-20T00:00:00"));
        let got = issues(&ctx(&po, &lines, None, "2026-03-21T00:00:00"), &full_acceptance());
        assert_eq!(got, [("po".to_string(), "PO 4ACORN01 is closed; a closed PO cannot be acknowledged".to_string())]);
        let mut po = self::po();
        po.state = PoState::Closed;
        assert_eq!(fields(&ctx(&po, &lines, None, "2026-03-21T00:00:00"), &[]), ["po"]);
    }

    #[test]
    fn rule1_unknown_and_repeated_line_numbers_are_issues() {
        let (po, lines) = (po(), lines());
        let mut submission = full_acceptance();
        submission.push(input(7, vec![accepted(1)]));
        submission.push(input(2, vec![accepted(1)]));
        submission.push(input(2, vec![accepted(2)]));
        let got = issues(&ctx(&po, &lines, None, "2026-03-01T12:00:00"), &submission);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "line[7]");
        assert!(got[0].1.contains("has no line 7"), "{}", got[0].1);
        assert_eq!(got[1].0, "line[2]");
        assert!(got[1].1.contains("more than once"), "{}", got[1].1);
    }

    #[test]
    fn rule2_quantities_are_positive_eaches_one_part_per_code() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let got = issues(&c, &[input(1, vec![accepted(0), rejected(-3, RejectionReason::ObsoleteProduct)]), input(2, vec![accepted(10), accepted(2)])]);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["line[1].parts[0].quantity", "line[1].parts[1].quantity", "line[2].parts[1].code"]);
        assert!(got[0].1.contains("at least 1"), "{}", got[0].1);
        assert!(got[2].1.contains("more than one Accepted part"), "{}", got[2].1);
    }

    #[test]
    fn rule2_accepted_plus_backordered_is_at_most_ordered_and_the_remainder_is_rejected() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let got = issues(&c, &[input(1, vec![accepted(10), backordered(5, "2026-03-04")])]);
        assert_eq!(got, [("line[1]".into(), "accepted 10 + backordered 5 is 15 eaches, more than the 12 eaches ordered; lower a quantity".into())]);
        // Quantities are eaches, not cases: 3 cases of 12 are 36 eaches.
        let got = issues(&c, &[input(2, vec![accepted(37)])]);
        assert_eq!(got[0].1, "accepted 37 eaches is more than the 36 eaches ordered (3 cases of 12); lower it");
        // Within the order: the rest is rejected without a reason.
        let out = resolve(&c, &[input(1, vec![accepted(7), backordered(3, "2026-03-04")]), input(2, vec![accepted(30)]), input(3, vec![])]).unwrap();
        assert_eq!((out[0].accepted, out[0].backordered, out[0].rejected, out[0].rejection_reason), (7, 3, 2, None));
        assert_eq!(out[0].scheduled_ship_date, Some(day("2026-03-04")));
        assert_eq!(out[0].confirmation(), LineConfirmation::PartiallyAccepted);
        assert_eq!((out[1].accepted, out[1].rejected), (30, 6));
        assert_eq!((out[2].accepted, out[2].rejected), (0, 5), "an entry with no parts rejects the whole line");
        assert_eq!(out[2].confirmation(), LineConfirmation::Rejected);
    }

    #[test]
    fn rule2_explicit_rejections_count_toward_the_ordered_quantity() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let out = resolve(&c, &[input(1, vec![accepted(8), rejected(2, RejectionReason::TemporarilyUnavailable)])]).unwrap();
        assert_eq!((out[0].accepted, out[0].rejected, out[0].rejection_reason), (8, 4, Some(RejectionReason::TemporarilyUnavailable)));
        let got = issues(&c, &[input(1, vec![accepted(8), rejected(5, RejectionReason::TemporarilyUnavailable)])]);
        assert_eq!(got, [("line[1]".into(), "accepted 8 + rejected 5 is 13 eaches, more than the 12 eaches ordered; lower a quantity".into())]);
    }

    #[test]
    fn rule3_backorders_need_a_date_from_today_on() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let no_date = part(AckCode::Backordered, 2);
        let past = backordered(2, "2026-02-28");
        let got = issues(&c, &[input(1, vec![no_date]), input(2, vec![past])]);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["line[1].parts[0].scheduled_ship_date", "line[2].parts[0].scheduled_ship_date"]);
        assert!(got[0].1.contains("ship date or a scheduled delivery date"), "{}", got[0].1);
        assert_eq!(got[1].1, "scheduled ship date 2026-02-28 is before today (2026-03-01); give today or a later date");
        // A delivery date alone is enough, today is fine, and the resolved line carries it.
        let by_delivery = AckPart { scheduled_delivery_date: Some(day("2026-03-01")), ..part(AckCode::Backordered, 12) };
        let out = resolve(&c, &[input(1, vec![by_delivery])]).unwrap();
        assert_eq!((out[0].backordered, out[0].scheduled_delivery_date, out[0].scheduled_ship_date), (12, Some(day("2026-03-01")), None));
        // Delivery before shipping is impossible.
        let backwards = AckPart { scheduled_delivery_date: Some(day("2026-03-03")), ..backordered(2, "2026-03-05") };
        assert_eq!(self::fields(&c, &[input(1, vec![backwards])]), ["line[1].parts[0].scheduled_delivery_date"]);
    }

    #[test]
    fn rule3_a_line_without_backorders_refuses_them() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let got = issues(&c, &[input(3, vec![accepted(3), backordered(2, "2026-03-04")])]);
        assert_eq!(got, [("line[3].parts[1].code".into(), "line 3 does not allow backorders; accept or reject these eaches instead".into())]);
    }

    #[test]
    fn rule3_rejections_need_a_reason_and_only_they_carry_one() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let with_reason = |p: AckPart| AckPart { rejection_reason: Some(RejectionReason::ObsoleteProduct), ..p };
        let got = issues(
            &c,
            &[
                input(1, vec![part(AckCode::Rejected, 12)]),
                input(2, vec![with_reason(accepted(30)), with_reason(backordered(6, "2026-03-04"))]),
                input(3, vec![AckPart { scheduled_ship_date: Some(day("2026-03-04")), ..accepted(5) }]),
            ],
        );
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "line[1].parts[0].rejection_reason",
                "line[2].parts[0].rejection_reason",
                "line[2].parts[1].rejection_reason",
                "line[3].parts[0].scheduled_ship_date"
            ]
        );
        assert!(got[0].1.contains("TemporarilyUnavailable, InvalidProductIdentifier, ObsoleteProduct"), "{}", got[0].1);
        assert!(got[1].1.contains("only rejected eaches"), "{}", got[1].1);
        assert!(got[3].1.contains("backordered eaches only"), "{}", got[3].1);
    }

    #[test]
    fn rule4_acknowledged_cost_is_positive_and_not_above_the_po() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let priced = |no, cost, q| AckLineInput { net_cost: Some(cost), ..input(no, vec![accepted(q)]) };
        let got = issues(&c, &[priced(1, dec!(10.50), 12), priced(2, dec!(0), 36), priced(3, dec!(-1), 5)]);
        assert_eq!(got[0], ("line[1].net_cost".into(), "acknowledged cost 10.50 is above the PO cost 10.00; costs above the PO are refused".into()));
        assert_eq!(got[1].0, "line[2].net_cost");
        assert_eq!(got[2].0, "line[3].net_cost");
        assert_eq!(got.len(), 3);
        let out = resolve(&c, &[priced(1, dec!(9.75), 12), priced(2, dec!(2.5), 36), input(3, vec![accepted(5)])]).unwrap();
        assert_eq!(
            out.iter().map(|l| l.net_cost).collect::<Vec<_>>(),
            [dec!(9.75), dec!(2.50), dec!(4.00)],
            "equal to the PO cost is fine; default is the PO cost"
        );
    }

    #[test]
    fn rule5_lines_left_out_are_rejected_and_cancelled_lines_resolve_to_zeros() {
        let (po, mut lines) = (po(), lines());
        lines[1].cancelled = true;
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let out = resolve(&c, &[input(1, vec![accepted(12)]), input(2, vec![])]).unwrap();
        assert_eq!(out, [ack_line(1, 12, 0, 0, dec!(10.00)), ack_line(2, 0, 0, 0, dec!(2.50)), ack_line(3, 0, 0, 5, dec!(4.00))]);
        let got = issues(&c, &[input(2, vec![accepted(36)])]);
        assert_eq!(got, [("line[2]".into(), "line 2 was cancelled by the retailer; leave it out".into())]);
        // An empty submission is a complete rejection.
        let out = resolve(&c, &[]).unwrap();
        assert_eq!(out.iter().map(|l| l.rejected).collect::<Vec<_>>(), [12, 0, 5]);
    }

    #[test]
    fn rule6_rejected_stays_rejected_even_after_a_retailer_change() {
        let (mut po, lines) = (po(), lines());
        let v2 = stored(2, 1, vec![ack_line(1, 8, 0, 4, dec!(10.00)), ack_line(2, 36, 0, 0, dec!(2.50)), ack_line(3, 5, 0, 0, dec!(4.00))]);
        let c = ctx(&po, &lines, Some(&v2), "2026-03-01T18:00:00");
        let got = issues(&c, &[input(1, vec![accepted(10)]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]);
        assert_eq!(got, [("line[1]".into(), "line 1: 4 eaches were rejected in acknowledgement v2 and stay rejected; commit at most 8".into())]);
        // Backordering counts as committing too.
        assert_eq!(
            fields(&c, &[input(1, vec![accepted(8), backordered(1, "2026-03-04")]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]),
            ["line[1]"]
        );
        // Fewer is fine.
        assert!(resolve(&c, &[input(1, vec![accepted(6)]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]).is_ok());

        // The retailer changes the PO (revision 2): a fresh acknowledgement, but line 1 still commits at most 8.
        po.revision = 2;
        po.revision_at = utc("2026-03-05T09:00:00");
        po.ack_due_at = utc("2026-03-06T09:00:00");
        let c = ctx(&po, &lines, Some(&v2), "2026-03-05T10:00:00");
        assert_eq!(fields(&c, &full_acceptance()), ["line[1]"]);
    }

    #[test]
    fn rule7_within_48_hours_quantities_may_change() {
        let (po, lines) = (po(), lines());
        let v1 = stored(1, 1, vec![ack_line(1, 12, 0, 0, dec!(10.00)), ack_line(2, 36, 0, 0, dec!(2.50)), ack_line(3, 5, 0, 0, dec!(4.00))]);
        let c = ctx(&po, &lines, Some(&v1), "2026-03-03T10:00:00"); // exactly at the deadline: still open
        let out = resolve(&c, &[input(1, vec![accepted(10)]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]).unwrap();
        assert_eq!(out[0].rejected, 2);
    }

    #[test]
    fn rule7_after_48_hours_only_dates_may_change() {
        let (po, lines) = (po(), lines());
        let bo = |ship| AckLine { scheduled_ship_date: Some(day(ship)), ..ack_line(1, 6, 6, 0, dec!(10.00)) };
        let v1 = stored(1, 1, vec![bo("2026-03-05"), ack_line(2, 36, 0, 0, dec!(2.50)), ack_line(3, 5, 0, 0, dec!(4.00))]);
        let c = ctx(&po, &lines, Some(&v1), "2026-03-03T10:01:00");
        let rest = || vec![input(2, vec![accepted(36)]), input(3, vec![accepted(5)])];
        let with = |first: AckLineInput| [vec![first], rest()].concat();

        // Moving the backorder date is allowed.
        let out = resolve(&c, &with(input(1, vec![accepted(6), backordered(6, "2026-03-09")]))).unwrap();
        assert_eq!(out[0], bo("2026-03-09"));
        // Any quantity, cost or reason change is not.
        let got = issues(&c, &with(input(1, vec![accepted(4), backordered(6, "2026-03-09")])));
        assert_eq!(
            got,
            [(
                "line[1]".into(),
                "the 48 h update window closed at 2026-03-03 10:00 UTC; only backorder dates may change now — keep accepted 6, backordered 6, rejected 0 at cost 10.00 as in acknowledgement v1".into()
            )]
        );
        let cheaper = AckLineInput { net_cost: Some(dec!(9.00)), ..input(1, vec![accepted(6), backordered(6, "2026-03-09")]) };
        assert_eq!(fields(&c, &with(cheaper)), ["line[1]"]);
        let reason = input(1, vec![accepted(6), backordered(5, "2026-03-09"), rejected(1, RejectionReason::ObsoleteProduct)]);
        assert_eq!(fields(&c, &with(reason)), ["line[1]"]);

        // After a retailer change (revision 2) the same quantities change freely again (within rule 6).
        let mut po2 = po.clone();
        po2.revision = 2;
        po2.revision_at = utc("2026-03-04T09:00:00");
        po2.ack_due_at = utc("2026-03-05T09:00:00");
        let c = ctx(&po2, &lines, Some(&v1), "2026-03-04T12:00:00");
        assert!(resolve(&c, &with(input(1, vec![accepted(4), backordered(6, "2026-03-09")]))).is_ok());
    }

    #[test]
    fn rule8_an_identical_update_is_refused() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let v2 = stored(2, 1, resolve(&c, &full_acceptance()).unwrap());
        let c = ctx(&po, &lines, Some(&v2), "2026-03-01T13:00:00");
        let got = issues(&c, &full_acceptance());
        assert_eq!(got, [("po".into(), "nothing changed since acknowledgement v2; submit only what changes".into())]);
        // The same answer to a new revision is a required re-acknowledgement, not a repeat.
        let mut po2 = po.clone();
        po2.revision = 2;
        assert!(resolve(&ctx(&po2, &lines, Some(&v2), "2026-03-01T13:00:00"), &full_acceptance()).is_ok());
    }

    #[test]
    fn huge_quantities_are_refused_without_overflow() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let got = issues(
            &c,
            &[
                input(1, vec![accepted(i64::MAX), backordered(1, "2026-03-04")]),
                input(2, vec![accepted(36), rejected(i64::MAX, RejectionReason::ObsoleteProduct)]),
            ],
        );
        assert_eq!(got[0], ("line[1]".into(), format!("accepted {} + backordered 1 is more than the 12 eaches ordered; lower a quantity", i64::MAX)));
        assert_eq!(got[1].0, "line[2]");
        assert_eq!(fields(&c, &[input(3, vec![accepted(i64::MIN)])]), ["line[3].parts[0].quantity"]);
    }

    #[test]
    fn every_issue_is_reported_at_once() {
        let (po, lines) = (po(), lines());
        let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
        let got = fields(
            &c,
            &[
                input(9, vec![]),
                AckLineInput { net_cost: Some(dec!(11)), ..input(1, vec![accepted(13)]) },
                input(2, vec![part(AckCode::Backordered, 1)]),
                input(3, vec![backordered(1, "2026-03-04")]),
            ],
        );
        assert_eq!(got, ["line[9]", "line[1].net_cost", "line[1]", "line[2].parts[0].scheduled_ship_date", "line[3].parts[0].code"]);
    }

    #[test]
    fn late_and_update_deadline_follow_the_revision() {
        let po = po();
        assert!(!is_late(&po, utc("2026-03-02T10:00:00")), "due at 10:00 is on time at 10:00");
        assert!(is_late(&po, utc("2026-03-02T10:00:01")));
        assert_eq!(update_deadline(&po, &RULES), utc("2026-03-03T10:00:00"));
        assert_eq!(update_deadline(&po, &AckRules { due_hours: 24, update_hours: i64::MAX }), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn preflight_names_unconfirmed_units_and_a_late_acknowledgement() {
        let (po, mut lines) = (po(), lines());
        lines[2].cancelled = true;
        let c = ctx(&po, &lines, None, "2026-03-02T13:05:00");
        let resolved = resolve(&c, &[input(1, vec![accepted(8), rejected(1, RejectionReason::TemporarilyUnavailable)]), input(2, vec![accepted(36)])]).unwrap();
        let got = preflight(&c, &resolved);
        assert_eq!(
            got,
            [
                DefectPreview {
                    kind: DefectKind::UnconfirmedUnits,
                    line_no: Some(1),
                    units: 4,
                    detail: "line 1: 4 of the 12 eaches ordered are not confirmed (rejected as TemporarilyUnavailable); they will be recorded as unconfirmed units"
                        .into(),
                },
                DefectPreview {
                    kind: DefectKind::LateAcknowledgement,
                    line_no: None,
                    units: 0,
                    detail: "the acknowledgement of PO 4ACORN01 (revision 1) was due at 2026-03-02 10:00 UTC; sent now it is 3 h 05 min late and will be recorded as a late acknowledgement"
                        .into(),
                },
            ]
        );
        // On time and fully accepted: nothing.
        let c = ctx(&po, &lines, None, "2026-03-02T10:00:00");
        assert_eq!(preflight(&c, &resolve(&c, &[input(1, vec![accepted(12)]), input(2, vec![accepted(36)])]).unwrap()), []);
        // A left-out line says so.
        let got = preflight(&c, &resolve(&c, &[input(1, vec![accepted(12)])]).unwrap());
        assert_eq!((got[0].line_no, got[0].units), (Some(2), 36));
        assert!(got[0].detail.contains("(3 cases of 12)") && got[0].detail.contains("no reason given"), "{}", got[0].detail);
    }

    #[test]
    fn preflight_does_not_count_an_update_as_a_second_late_acknowledgement() {
        let (mut po, lines) = (po(), lines());
        let v1 = stored(1, 1, vec![ack_line(1, 12, 0, 0, dec!(10.00)), ack_line(2, 36, 0, 0, dec!(2.50)), ack_line(3, 5, 0, 0, dec!(4.00))]);
        let c = ctx(&po, &lines, Some(&v1), "2026-03-02T20:00:00");
        let resolved = resolve(&c, &[input(1, vec![accepted(11)]), input(2, vec![accepted(36)]), input(3, vec![accepted(5)])]).unwrap();
        assert_eq!(preflight(&c, &resolved).iter().map(|d| d.kind).collect::<Vec<_>>(), [DefectKind::UnconfirmedUnits]);
        // A late first answer to a new revision is late, though an older revision was acknowledged.
        po.revision = 2;
        let c = ctx(&po, &lines, Some(&v1), "2026-03-02T20:00:00");
        assert_eq!(preflight(&c, &resolved).iter().map(|d| d.kind).collect::<Vec<_>>(), [DefectKind::UnconfirmedUnits, DefectKind::LateAcknowledgement]);
    }

    /// For each line: left out, or (accepted, backordered, rejected) fractions of its ordered eaches.
    fn valid_plan() -> impl Strategy<Value = Vec<Option<(u16, u16, u16)>>> {
        proptest::collection::vec(proptest::option::of((any::<u16>(), any::<u16>(), any::<u16>())), 3)
    }

    fn build_valid(lines: &[PoLine], plan: &[Option<(u16, u16, u16)>]) -> Vec<AckLineInput> {
        let mut out = Vec::new();
        for (line, choice) in lines.iter().zip(plan) {
            let Some((a, b, r)) = *choice else { continue };
            if line.cancelled {
                continue;
            }
            let ordered = line.ordered_eaches();
            let a = i64::from(a) % (ordered + 1);
            let b = if line.backorder_allowed { i64::from(b) % (ordered - a + 1) } else { 0 };
            let r = i64::from(r) % (ordered - a - b + 1);
            let mut parts = Vec::new();
            if a > 0 {
                parts.push(accepted(a));
            }
            if b > 0 {
                parts.push(backordered(b, "2026-03-04"));
            }
            if r > 0 {
                parts.push(rejected(r, RejectionReason::ObsoleteProduct));
            }
            out.push(input(line.line_no, parts));
        }
        out
    }

    fn arbitrary_quantity() -> impl Strategy<Value = i64> {
        prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0i64), Just(-1i64), 1i64..50, any::<i64>()]
    }

    fn arbitrary_part() -> impl Strategy<Value = AckPart> {
        let code = prop::sample::select(AckCode::ALL.to_vec());
        let date = proptest::option::of((0i64..10).prop_map(|d| day("2026-02-27") + TimeDelta::days(d)));
        let reason = proptest::option::of(prop::sample::select(RejectionReason::ALL.to_vec()));
        (code, arbitrary_quantity(), date.clone(), date, reason).prop_map(|(code, quantity, scheduled_ship_date, scheduled_delivery_date, rejection_reason)| {
            AckPart { code, quantity, scheduled_ship_date, scheduled_delivery_date, rejection_reason }
        })
    }

    fn arbitrary_input() -> impl Strategy<Value = Vec<AckLineInput>> {
        let cost = proptest::option::of((any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)));
        let line = (prop_oneof![0i64..5, any::<i64>()], cost, proptest::collection::vec(arbitrary_part(), 0..4))
            .prop_map(|(line_no, net_cost, parts)| AckLineInput { line_no, net_cost, parts });
        proptest::collection::vec(line, 0..6)
    }

    /// A stored acknowledgement of revision 0–2 with arbitrary (even corrupt) quantities, or none.
    fn arbitrary_previous() -> impl Strategy<Value = Option<Acknowledgement>> {
        let q = prop_oneof![0i64..40, any::<i64>()];
        let lines = proptest::collection::vec((q.clone(), q.clone(), q), 0..4)
            .prop_map(|qs| qs.iter().enumerate().map(|(i, (a, b, r))| ack_line(i as i64 + 1, *a, *b, *r, dec!(1))).collect());
        proptest::option::of((0i64..3, lines).prop_map(|(revision, lines)| stored(3, revision, lines)))
    }

    /// The invariants every resolved submission keeps.
    fn check_resolved(lines: &[PoLine], out: &[AckLine]) -> Result<(), TestCaseError> {
        let mut sorted: Vec<&PoLine> = lines.iter().collect();
        sorted.sort_by_key(|l| l.line_no);
        prop_assert_eq!(out.len(), sorted.len());
        for (line, ack) in sorted.iter().zip(out) {
            prop_assert_eq!(ack.line_no, line.line_no);
            prop_assert!(ack.accepted >= 0 && ack.backordered >= 0 && ack.rejected >= 0);
            prop_assert_eq!(ack.accepted + ack.backordered + ack.rejected, line.ordered_eaches());
            prop_assert!(ack.net_cost > Decimal::ZERO && ack.net_cost <= line.net_cost);
            if line.cancelled {
                prop_assert_eq!((ack.accepted, ack.backordered, ack.rejected), (0, 0, 0));
                continue;
            }
            let expected = if ack.committed() == 0 {
                LineConfirmation::Rejected
            } else if ack.rejected == 0 {
                LineConfirmation::Accepted
            } else {
                LineConfirmation::PartiallyAccepted
            };
            prop_assert_eq!(ack.confirmation(), expected);
            prop_assert_eq!(ack.scheduled_ship_date.is_some() || ack.scheduled_delivery_date.is_some(), ack.backordered > 0);
            prop_assert!(ack.backordered == 0 || line.backorder_allowed);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn valid_submissions_account_for_every_ordered_each(plan in valid_plan(), cancel in proptest::option::of(0usize..3)) {
            let (po, mut lines) = (po(), lines());
            if let Some(i) = cancel {
                lines[i].cancelled = true;
            }
            let c = ctx(&po, &lines, None, "2026-03-01T12:00:00");
            let input = build_valid(&lines, &plan);
            let out = resolve(&c, &input).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            check_resolved(&lines, &out)?;
            // Confirmation follows the submission: what was accepted/backordered is what was given, the rest rejected.
            for ack in &out {
                let given = input.iter().find(|i| i.line_no == ack.line_no);
                let sum = |code| given.map_or(0, |g| g.parts.iter().filter(|p| p.code == code).map(|p| p.quantity).sum::<i64>());
                prop_assert_eq!((ack.accepted, ack.backordered), (sum(AckCode::Accepted), sum(AckCode::Backordered)));
                prop_assert_eq!(ack.rejection_reason.is_some(), sum(AckCode::Rejected) > 0);
            }
            // Submitting the same again as an update of it is "nothing changed"; as a new revision it is fine.
            let v1 = stored(1, 1, out.clone());
            let again = ctx(&po, &lines, Some(&v1), "2026-03-01T13:00:00");
            prop_assert_eq!(fields(&again, &input), ["po"]);
            let preview = preflight(&c, &out);
            prop_assert_eq!(preview.iter().map(|d| d.units).sum::<i64>(), out.iter().map(|l| l.rejected).sum::<i64>());
        }

        #[test]
        fn resolve_never_panics_on_arbitrary_input(
            input in arbitrary_input(),
            previous in arbitrary_previous(),
            now_hours in 0i64..120,
            closed in any::<bool>(),
        ) {
            let (mut po, lines) = (po(), lines());
            if closed {
                po.closed_at = Some(utc("2026-03-20T00:00:00"));
            }
            let now = po.revision_at + TimeDelta::hours(now_hours);
            let c = AckContext { po: &po, lines: &lines, previous: previous.as_ref(), now, today: now.date_naive(), rules: &RULES };
            match resolve(&c, &input) {
                Ok(out) => {
                    check_resolved(&lines, &out)?;
                    let _ = preflight(&c, &out);
                }
                Err(issues) => prop_assert!(!issues.is_empty()),
            }
        }
    }
}
