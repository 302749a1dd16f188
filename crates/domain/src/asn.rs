//! ASN rules: when an advance shipment notice is due, whether it may still be replaced, and whether its cartons
//! may be stored — checked against the POs they name and resolved into [`Carton`]s and [`Pallet`]s.
//!
//! DOMAIN.md "Shipments (ASN) and receiving": an ASN covers one DC; its quantities must be on the PO and no more
//! than acknowledged and not yet shipped; the ship date falls within the ship window; each carton (and optionally
//! pallet) carries its own SSCC-18 from the vendor's GS1 company prefix; the ASN is due by the earlier of 30 min
//! after ship time and 4 h before arrival, and may be replaced until arrival, at most 7 days. Every channel (UI,
//! API, CSV, EDI 856) goes through [`resolve_cartons`], and every issue is reported at once with its field path
//! (`cartons[2].items[0].quantity`) and a message naming carton and item the way the vendor counts them (from 1).
//!
//! SSCC uniqueness across the retailer and over 12 months needs the store, so the service checks it after these
//! rules; here an SSCC is checked for its form, its owner and uniqueness within the ASN.
//!
//! Pure code: `now` comes from the caller, and generated SSCCs come from a caller-supplied source (the service
//! draws serials from a counter). Carton input is untrusted: quantities may be any `i64`, so sums saturate, and
//! one ASN may carry thousands of cartons, so POs and lines are looked up through hash maps, never scanned.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use crate::defects::{DefectKind, DefectPreview};
use crate::gs1::Sscc;
use crate::orders::{LineConfirmation, PoLine, PoState, PurchaseOrder, po_number};
use crate::shipments::{Carton, CartonInput, CartonItem, CartonItemInput, Pallet, Shipment, ShipmentStatus};
use crate::validate::FieldIssue;

/// The most cartons one ASN may carry: a full truck holds a few thousand; beyond this the input is a mistake (or
/// an attack), and refusing it up front bounds the work done on it.
pub const MAX_CARTONS: usize = 10_000;

/// The most pallets one ASN may carry (a pallet holds at least one carton).
pub const MAX_PALLETS: usize = MAX_CARTONS;

/// The longest lot (batch) number, in characters (GS1 AI 10 allows 20).
pub const MAX_LOT_CHARS: usize = 20;

/// The most issues listed for one submission: a CSV of 5,000 cartons with one mistake repeated would otherwise
/// answer with a list nobody reads; the rest are counted in a final issue.
pub const MAX_ISSUES: usize = 500;

/// The time limits of ASNs (DOMAIN.md defaults; configurable per retailer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsnRules {
    /// Minutes after ship time by which the ASN is due.
    pub due_after_ship_minutes: i64,
    /// Hours before arrival by which the ASN is due (when the arrival is known).
    pub due_before_arrival_hours: i64,
    /// Days after the first submission during which the ASN may be replaced (and only until arrival).
    pub replace_days: i64,
}

impl Default for AsnRules {
    fn default() -> Self {
        AsnRules { due_after_ship_minutes: 30, due_before_arrival_hours: 4, replace_days: 7 }
    }
}

/// The ASN due time: the earlier of ship time + 30 min and arrival − 4 h (arrival = appointment start or
/// estimated arrival, when known). Saturates at chrono's range ends for absurd rule values.
pub fn asn_due_at(ship_date: DateTime<Utc>, arrival: Option<DateTime<Utc>>, rules: &AsnRules) -> DateTime<Utc> {
    let after_ship = shifted(ship_date, rules.due_after_ship_minutes, 60);
    match arrival {
        Some(arrival) => after_ship.min(shifted(arrival, rules.due_before_arrival_hours.saturating_neg(), 3600)),
        None => after_ship,
    }
}

/// The last instant at which an ASN first submitted at `first_submitted_at` may be replaced (arrival ends it earlier).
pub fn replace_deadline(first_submitted_at: DateTime<Utc>, rules: &AsnRules) -> DateTime<Utc> {
    shifted(first_submitted_at, rules.replace_days, 86_400)
}

/// Whether an ASN may still be replaced: not arrived ([`ShipmentStatus::arrived`] or an arrival time), not
/// cancelled, and `now` ≤ first submission + `replace_days`. `Err` is the plain reason, with what to do instead.
pub fn can_replace(s: &Shipment, first_submitted_at: DateTime<Utc>, now: DateTime<Utc>, rules: &AsnRules) -> Result<(), String> {
    let number = &s.shipment_number;
    if s.status == ShipmentStatus::Cancelled {
        return Err(format!("shipment {number} was cancelled; a cancelled ASN cannot be replaced — submit a new ASN for these goods"));
    }
    if s.status.arrived() || s.arrived_at.is_some() {
        let when = s.arrived_at.map(|t| format!(" at {}", stamp(t))).unwrap_or_default();
        return Err(format!(
            "shipment {number} arrived at DC {}{when}; an ASN cannot be replaced after arrival — differences are settled by the receipt",
            s.dc_code
        ));
    }
    let deadline = replace_deadline(first_submitted_at, rules);
    if now > deadline {
        return Err(format!(
            "shipment {number} was first submitted at {}; it could be replaced for {} days, until {} — submit a new ASN for goods not yet shipped",
            stamp(first_submitted_at),
            rules.replace_days,
            stamp(deadline)
        ));
    }
    Ok(())
}

/// Defects an ASN submitted `now` would cause (the pre-flight check): a missing ASN when the goods already
/// arrived, else a late ASN when it is past its due time.
pub fn preflight(due_at: DateTime<Utc>, arrived_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<DefectPreview> {
    if let Some(arrived) = arrived_at.filter(|a| now > *a) {
        return vec![DefectPreview {
            kind: DefectKind::MissingAsn,
            line_no: None,
            units: 0,
            detail: format!("the goods arrived at {} before any ASN; sent now the ASN will be recorded as missing", stamp(arrived)),
        }];
    }
    if now > due_at {
        return vec![DefectPreview {
            kind: DefectKind::LateAsn,
            line_no: None,
            units: 0,
            detail: format!("the ASN was due at {}; sent now it is {} late and will be recorded as a late ASN", stamp(due_at), delay(now - due_at)),
        }];
    }
    Vec::new()
}

/// What the carton rules need to know, loaded by the service.
#[derive(Clone, Copy, Debug)]
pub struct AsnContext<'a> {
    /// The DC the ASN ships to.
    pub dc_id: Uuid,
    /// The ship day in the DC's time zone (compared with PO ship windows).
    pub ship_day: NaiveDate,
    /// Every PO the input names that exists for this vendor, with its lines (unknown numbers are absent).
    pub pos: &'a [(PurchaseOrder, Vec<PoLine>)],
    /// Eaches of each (po_id, line_no) already on the vendor's other live ASNs (not the one being replaced).
    pub shipped_elsewhere: &'a BTreeMap<(Uuid, i64), i64>,
    /// The vendor's GS1 company prefixes (entered SSCCs must be owned by one).
    pub gs1_prefixes: &'a [String],
}

/// Checks cartons (and pallets) and resolves them into what is stored, or returns every issue at once.
///
/// `pallets[k]` is pallet k+1's entered SSCC (`None`: the pallet carries none); a carton's `pallet` is a 1-based
/// index into it. Cartons without an SSCC get one from `next_sscc()` — called only once everything else passed, so
/// a refused ASN draws no serials. Rules:
/// 1. at least one carton, at most [`MAX_CARTONS`] (and [`MAX_PALLETS`]); every carton has at least one item;
/// 2. each item: quantity ≥ 1; its PO exists (is in `ctx.pos`), is not closed and ships to `ctx.dc_id`; its line
///    exists, is not cancelled and is acknowledged (committed eaches > 0);
/// 3. per PO line, the eaches over all cartons ≤ committed − shipped on other ASNs (one issue per line, on the item
///    where the total first goes over);
/// 4. the ship day is within the ship window of every PO named (one issue per PO, on `ship_date`);
/// 5. entered SSCCs (cartons and pallets) parse, carry one of the vendor's GS1 company prefixes and are unique
///    within the ASN; a carton's pallet exists;
/// 6. a lot is at most [`MAX_LOT_CHARS`] letters, digits or `-` (blank means none); an expiry is not before the ship day.
///
/// A PO- or line-level problem (unknown, closed or other-DC PO; missing, cancelled or unacknowledged line) is
/// reported once, on the first item naming it, with a count of the other items that do: it has one fix.
/// Issues come in this order: `cartons`, `ship_date`, `pallets[k]`, then carton by carton, then quantities over
/// the acknowledged amount; at most [`MAX_ISSUES`] are listed.
pub fn resolve_cartons(
    ctx: &AsnContext,
    cartons: &[CartonInput],
    pallets: &[Option<String>],
    next_sscc: &mut dyn FnMut() -> Result<Sscc, String>,
) -> Result<(Vec<Carton>, Vec<Pallet>), Vec<FieldIssue>> {
    let mut head = Vec::new();
    if cartons.len() > MAX_CARTONS {
        // Checked before anything else so an oversized input costs nothing more.
        head.push(FieldIssue::new(
            "cartons",
            format!("this ASN has {} cartons; one ASN carries at most {MAX_CARTONS} — split the shipment into several ASNs", cartons.len()),
        ));
    }
    if pallets.len() > MAX_PALLETS {
        head.push(FieldIssue::new(
            "pallets",
            format!("this ASN has {} pallets; one ASN carries at most {MAX_PALLETS} — split the shipment into several ASNs", pallets.len()),
        ));
    }
    if !head.is_empty() {
        return Err(head);
    }
    if cartons.is_empty() {
        head.push(FieldIssue::new("cartons", "an ASN needs at least one carton; add the cartons with what each one holds"));
    }

    let index = PoIndex::new(ctx);
    let mut r = Resolver { ctx, index: &index, seen: HashMap::new(), issues: Collector::default(), tallies: HashMap::new(), named: HashMap::new() };

    let mut pallet_issues = Vec::new();
    let mut out_pallets = Vec::with_capacity(pallets.len());
    for (k, entered) in pallets.iter().enumerate() {
        let seq = k as i64 + 1;
        let sscc = match entered.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => r.entered_sscc(raw, &format!("pallet {seq}"), format!("pallets[{k}]"), &mut pallet_issues),
            None => None,
        };
        out_pallets.push(Pallet { seq, sscc });
    }

    // Cartons with their SSCC still to generate (`None`) until every check passed.
    let mut pending: Vec<(Option<Sscc>, Option<i64>, Vec<CartonItem>)> = Vec::with_capacity(cartons.len());
    for (i, carton) in cartons.iter().enumerate() {
        pending.push(r.carton(i, carton, pallets.len()));
    }

    let mut issues = head;
    issues.extend(r.window_issues());
    issues.extend(pallet_issues);
    issues.extend(std::mem::take(&mut r.issues).finish());
    issues.extend(r.over_commit_issues());
    if !issues.is_empty() {
        return Err(capped(issues));
    }

    // Everything passed: only now draw serials. A generated SSCC already entered elsewhere on this ASN is skipped
    // (its serial is burnt); the skips are bounded by the number entered, so a broken source cannot loop forever.
    let mut skips_left = r.seen.len() + 1;
    let mut out_cartons = Vec::with_capacity(pending.len());
    for (i, (sscc, pallet, items)) in pending.into_iter().enumerate() {
        let sscc = match sscc {
            Some(sscc) => sscc,
            None => loop {
                let drawn = next_sscc().map_err(|e| {
                    vec![FieldIssue::new(
                        format!("cartons[{i}].sscc"),
                        format!("carton {}: ACORN could not generate an SSCC: {e}; enter the carton's SSCC", i + 1),
                    )]
                })?;
                if !r.seen.contains_key(&drawn) {
                    r.seen.insert(drawn.clone(), format!("carton {}", i + 1));
                    break drawn;
                }
                skips_left = skips_left.saturating_sub(1);
                if skips_left == 0 {
                    return Err(vec![FieldIssue::new(
                        format!("cartons[{i}].sscc"),
                        format!("carton {}: the SSCCs ACORN generates repeat ones entered on this ASN; enter the carton's SSCC", i + 1),
                    )]);
                }
            },
        };
        out_cartons.push(Carton { seq: i as i64 + 1, sscc, pallet, items });
    }
    Ok((out_cartons, out_pallets))
}

/// POs by number and lines by (po_id, line_no), so each carton item costs two hash lookups.
struct PoIndex<'a> {
    pos: HashMap<&'a str, &'a PurchaseOrder>,
    lines: HashMap<(Uuid, i64), &'a PoLine>,
}

impl<'a> PoIndex<'a> {
    fn new(ctx: &AsnContext<'a>) -> Self {
        let mut pos = HashMap::with_capacity(ctx.pos.len());
        let mut lines = HashMap::new();
        for (po, po_lines) in ctx.pos {
            pos.insert(po.number.as_str(), po);
            for line in po_lines {
                lines.insert((po.id, line.line_no), line);
            }
        }
        PoIndex { pos, lines }
    }
}

/// Running eaches of one PO line over the ASN.
struct Tally {
    /// Committed − shipped on other ASNs, never below 0.
    available: i64,
    committed: i64,
    elsewhere: i64,
    total: i64,
    items: u32,
    cartons: u32,
    last_carton: usize,
    po_number: String,
    line_no: i64,
    /// The item (carton, item index) at which the total first went over `available`.
    over_at: Option<(usize, usize)>,
}

/// What makes a PO- or line-level issue the same one.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Once {
    Po(String),
    Line(Uuid, i64),
}

/// Issues in the order found; PO- and line-level ones once, counting the further items they concern.
#[derive(Default)]
struct Collector {
    issues: Vec<(FieldIssue, Option<&'static str>, u32)>,
    once: HashMap<Once, usize>,
}

impl Collector {
    fn push(&mut self, field: String, issue: String) {
        self.issues.push((FieldIssue::new(field, issue), None, 0));
    }

    /// Records the issue the first time `key` comes up; later times only count (`what` names the thing in the count).
    fn once(&mut self, key: Once, what: &'static str, field: impl FnOnce() -> String, issue: impl FnOnce() -> String) {
        if let Some(&at) = self.once.get(&key) {
            self.issues[at].2 = self.issues[at].2.saturating_add(1);
        } else {
            self.once.insert(key, self.issues.len());
            self.issues.push((FieldIssue::new(field(), issue()), Some(what), 0));
        }
    }

    fn finish(self) -> Vec<FieldIssue> {
        self.issues
            .into_iter()
            .map(|(mut issue, what, more)| {
                if let (Some(what), 1..) = (what, more) {
                    let items = if more == 1 { "item names" } else { "items name" };
                    issue.issue.push_str(&format!(" ({more} more {items} this {what} too)"));
                }
                issue
            })
            .collect()
    }
}

struct Resolver<'c, 'a> {
    ctx: &'c AsnContext<'a>,
    index: &'c PoIndex<'a>,
    /// Every SSCC entered so far, with where ("carton 3", "pallet 1").
    seen: HashMap<Sscc, String>,
    issues: Collector,
    tallies: HashMap<(Uuid, i64), Tally>,
    /// POs named by valid items, with the first (carton, item) naming them (for the ship-window check).
    named: HashMap<Uuid, ((usize, usize), &'a PurchaseOrder)>,
}

impl<'a> Resolver<'_, 'a> {
    /// Rule 5 for one entered SSCC; records issues in `out` and returns the SSCC when it is usable.
    fn entered_sscc(&mut self, raw: &str, label: &str, field: String, out: &mut Vec<FieldIssue>) -> Option<Sscc> {
        let sscc = match Sscc::parse(raw) {
            Ok(sscc) => sscc,
            Err(e) => {
                out.push(FieldIssue::new(field, format!("{label}: the SSCC {e}")));
                return None;
            }
        };
        if !self.ctx.gs1_prefixes.iter().any(|p| sscc.owned_by(p)) {
            let yours = match self.ctx.gs1_prefixes {
                [] => "you have no GS1 company prefix on file, so leave it empty and add a prefix to your vendor profile".to_string(),
                [one] => format!(
                    "it does not start with your GS1 company prefix {one} (after the extension digit); use one of your own SSCCs or leave it empty for ACORN to generate one"
                ),
                many => format!(
                    "it does not start with any of your GS1 company prefixes {} (after the extension digit); use one of your own SSCCs or leave it empty for ACORN to generate one",
                    many.join(", ")
                ),
            };
            out.push(FieldIssue::new(field, format!("{label}: SSCC {sscc} is not yours: {yours}")));
            return None;
        }
        if let Some(first) = self.seen.get(&sscc) {
            out.push(FieldIssue::new(field, format!("{label}: SSCC {sscc} is also on {first}; every carton and pallet needs its own SSCC")));
            return None;
        }
        self.seen.insert(sscc.clone(), label.to_string());
        Some(sscc)
    }

    /// Rules 1, 2, 5 and 6 for carton `i`; tallies its valid items for rules 3 and 4.
    fn carton(&mut self, i: usize, carton: &CartonInput, pallet_count: usize) -> (Option<Sscc>, Option<i64>, Vec<CartonItem>) {
        let no = i + 1;
        let sscc = match carton.sscc.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => {
                let mut found = Vec::new();
                let sscc = self.entered_sscc(raw, &format!("carton {no}"), format!("cartons[{i}].sscc"), &mut found);
                for issue in found {
                    self.issues.push(issue.field, issue.issue);
                }
                sscc
            }
            None => None,
        };
        if let Some(p) = carton.pallet
            && !(p >= 1 && usize::try_from(p).is_ok_and(|p| p <= pallet_count))
        {
            let have = match pallet_count {
                0 => "this ASN has no pallets; leave the pallet empty or add the pallet".to_string(),
                1 => "this ASN has 1 pallet (number 1)".to_string(),
                n => format!("this ASN has {n} pallets (numbered 1 to {n})"),
            };
            self.issues.push(format!("cartons[{i}].pallet"), format!("carton {no}: pallet {p} does not exist; {have}"));
        }
        if carton.items.is_empty() {
            self.issues.push(format!("cartons[{i}].items"), format!("carton {no} has no items; add what it holds or remove the carton"));
        }
        let mut items = Vec::with_capacity(carton.items.len());
        for (j, item) in carton.items.iter().enumerate() {
            if let Some(resolved) = self.item(i, j, item) {
                items.push(resolved);
            }
        }
        (sscc, carton.pallet, items)
    }

    /// Rules 2 and 6 for one item; tallies it when it is valid.
    fn item(&mut self, i: usize, j: usize, item: &CartonItemInput) -> Option<CartonItem> {
        let at = || format!("carton {}, item {}", i + 1, j + 1);
        let field = |name: &str| format!("cartons[{i}].items[{j}].{name}");
        let before = self.issues.issues.len();

        if item.quantity <= 0 {
            self.issues.push(field("quantity"), format!("{}: the quantity must be at least 1 each; remove the item rather than ship 0 or less", at()));
        }
        let lot = item.lot.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if let Some(lot) = lot {
            let expected = format!("a lot is up to {MAX_LOT_CHARS} letters, digits or `-`, e.g. L2026-03A");
            if let Some(bad) = lot.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
                let bad = if bad.is_whitespace() || bad.is_control() { format!("U+{:04X}", u32::from(bad)) } else { format!("`{bad}`") };
                self.issues.push(field("lot"), format!("{}: the lot contains {bad}; {expected}", at()));
            } else if lot.len() > MAX_LOT_CHARS {
                self.issues.push(field("lot"), format!("{}: the lot has {} characters; {expected}", at(), lot.len()));
            }
        }
        if let Some(expiry) = item.expiry.filter(|e| *e < self.ctx.ship_day) {
            self.issues.push(
                field("expiry"),
                format!("{}: expiry {expiry} is before the ship date {}; expired goods may not ship — check the date", at(), self.ctx.ship_day),
            );
        }

        let (po, line) = self.line(i, j, item, &at, &field)?;
        if self.issues.issues.len() > before {
            return None;
        }
        self.tally(i, j, po, line, item.quantity);
        Some(CartonItem {
            po_id: po.id,
            po_number: po.number.clone(),
            line_no: line.line_no,
            vendor_sku: line.vendor_sku.clone(),
            gtin: line.gtin.clone(),
            quantity: item.quantity,
            lot: lot.map(str::to_string),
            expiry: item.expiry,
        })
    }

    /// Rule 2's PO and line checks: the line when the item may ship on it.
    fn line(
        &mut self,
        i: usize,
        j: usize,
        item: &CartonItemInput,
        at: &dyn Fn() -> String,
        field: &dyn Fn(&str) -> String,
    ) -> Option<(&'a PurchaseOrder, &'a PoLine)> {
        let number = item.po_number.trim().to_ascii_uppercase();
        let Some(&po) = self.index.pos.get(number.as_str()) else {
            let issue = match po_number(&item.po_number) {
                Err(e) => format!("{}: the PO number {e}", at()),
                Ok(number) => format!("{}: PO {number} is not one of your purchase orders; check the number", at()),
            };
            self.issues.once(Once::Po(number), "PO", || field("po_number"), || issue);
            return None;
        };
        if po.closed_at.is_some() || po.state == PoState::Closed {
            self.issues.once(Once::Po(number), "PO", || field("po_number"), || format!("{}: PO {} is closed; nothing more may ship on it", at(), po.number));
            return None;
        }
        if po.dc_id != self.ctx.dc_id {
            self.issues.once(
                Once::Po(number),
                "PO",
                || field("po_number"),
                || format!("{}: PO {} ships to DC {}, this ASN to another DC; one ASN covers one DC", at(), po.number, po.dc_code),
            );
            return None;
        }
        let no = item.line_no;
        let key = Once::Line(po.id, no);
        let Some(&line) = self.index.lines.get(&(po.id, no)) else {
            self.issues.once(key, "line", || field("line_no"), || format!("{}: PO {} has no line {no}; check the line number on the PO", at(), po.number));
            return None;
        };
        if line.cancelled {
            self.issues.once(
                key,
                "line",
                || field("line_no"),
                || format!("{}: PO {} line {no} was cancelled by the retailer; remove the item", at(), po.number),
            );
            return None;
        }
        if line.committed_eaches <= 0 {
            let why = if line.confirmation == LineConfirmation::Rejected {
                "was rejected in your acknowledgement, so nothing may ship on it; remove the item"
            } else {
                "is not acknowledged; acknowledge it before shipping"
            };
            self.issues.once(key, "line", || field("line_no"), || format!("{}: PO {} line {no} {why}", at(), po.number));
            return None;
        }
        self.named.entry(po.id).or_insert(((i, j), po));
        Some((po, line))
    }

    /// Rule 3's running total for a valid item.
    fn tally(&mut self, i: usize, j: usize, po: &PurchaseOrder, line: &PoLine, quantity: i64) {
        let elsewhere = self.ctx.shipped_elsewhere.get(&(line.po_id, line.line_no)).copied().unwrap_or(0).max(0);
        let t = self.tallies.entry((line.po_id, line.line_no)).or_insert_with(|| Tally {
            available: line.committed_eaches.saturating_sub(elsewhere).max(0),
            committed: line.committed_eaches,
            elsewhere,
            total: 0,
            items: 0,
            cartons: 0,
            last_carton: usize::MAX,
            po_number: po.number.clone(),
            line_no: line.line_no,
            over_at: None,
        });
        t.total = t.total.saturating_add(quantity);
        t.items = t.items.saturating_add(1);
        if t.last_carton != i {
            t.last_carton = i;
            t.cartons = t.cartons.saturating_add(1);
        }
        if t.total > t.available && t.over_at.is_none() {
            t.over_at = Some((i, j));
        }
    }

    /// Rule 4: one issue per named PO whose ship window does not hold the ship day, in order of first mention.
    fn window_issues(&self) -> Vec<FieldIssue> {
        let mut named: Vec<&((usize, usize), &PurchaseOrder)> = self.named.values().collect();
        named.sort_by_key(|(at, _)| *at);
        let day = self.ctx.ship_day;
        named
            .into_iter()
            .filter(|(_, po)| !po.ship_window.contains(day))
            .map(|(_, po)| {
                FieldIssue::new(
                    "ship_date",
                    format!(
                        "PO {} ships between {} and {}; this ASN ships on {day} — move the ship date into the window or ship the PO on another ASN",
                        po.number, po.ship_window.start, po.ship_window.end
                    ),
                )
            })
            .collect()
    }

    /// Rule 3: one issue per line shipped beyond its acknowledged, not yet shipped eaches, in input order.
    fn over_commit_issues(&self) -> Vec<FieldIssue> {
        let mut over: Vec<((usize, usize), &Tally)> = self.tallies.values().filter_map(|t| t.over_at.map(|at| (at, t))).collect();
        over.sort_by_key(|(at, _)| *at);
        over.into_iter()
            .map(|((i, j), t)| {
                let spread = match (t.items, t.cartons) {
                    (1, _) => String::new(),
                    (n, 1) => format!(" over {n} items"),
                    (n, c) => format!(" over {n} items in {c} cartons"),
                };
                let open = if t.elsewhere > 0 {
                    format!("{} acknowledged and not yet shipped ({} acknowledged, {} on your other ASNs)", are(t.available), t.committed, t.elsewhere)
                } else {
                    format!("{} acknowledged and not yet shipped", are(t.available))
                };
                let fix = if t.items == 1 { "lower the quantity" } else { "lower the quantities" };
                FieldIssue::new(
                    format!("cartons[{i}].items[{j}].quantity"),
                    format!(
                        "carton {}, item {}: PO {} line {}: {} would ship{spread} but {open}; {fix}",
                        i + 1,
                        j + 1,
                        t.po_number,
                        t.line_no,
                        eaches(t.total)
                    ),
                )
            })
            .collect()
    }
}

/// At most [`MAX_ISSUES`], the rest counted.
fn capped(mut issues: Vec<FieldIssue>) -> Vec<FieldIssue> {
    if issues.len() > MAX_ISSUES {
        let more = issues.len() - MAX_ISSUES;
        issues.truncate(MAX_ISSUES);
        issues.push(FieldIssue::new("cartons", format!("{more} more issues are not listed; fix these and submit again to see the rest")));
    }
    issues
}

/// "1 each", "40 eaches".
fn eaches(n: i64) -> String {
    if n == 1 { "1 each".to_string() } else { format!("{n} eaches") }
}

/// "1 is", "24 are".
fn are(n: i64) -> String {
    if n == 1 { "1 is".to_string() } else { format!("{n} are") }
}

/// `t` moved by `amount` units of `unit_secs` seconds, saturating at chrono's range ends.
fn shifted(t: DateTime<Utc>, amount: i64, unit_secs: i64) -> DateTime<Utc> {
    let end = if amount >= 0 { DateTime::<Utc>::MAX_UTC } else { DateTime::<Utc>::MIN_UTC };
    amount.checked_mul(unit_secs).and_then(TimeDelta::try_seconds).and_then(|d| t.checked_add_signed(d)).unwrap_or(end)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
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
    use crate::receiving::testing::*;
    use proptest::prelude::*;
    use std::cell::Cell;
    use std::time::Instant;

    /// PO 4XK92P7Q to ABE2 (line 1: 24 eaches acknowledged; line 2 cancelled) and PO 7QZ3M2KD to ONT8 (line 1: 10 acknowledged).
    fn pos() -> Vec<(PurchaseOrder, Vec<PoLine>)> {
        let here = po(1, "4XK92P7Q", DC);
        let mut cancelled = line(&here, 2, 12, 0);
        cancelled.cancelled = true;
        let lines = vec![line(&here, 1, 30, 24), cancelled];
        let there = po(2, "7QZ3M2KD", OTHER_DC);
        let there_lines = vec![line(&there, 1, 10, 10)];
        vec![(here, lines), (there, there_lines)]
    }

    struct Fixture {
        pos: Vec<(PurchaseOrder, Vec<PoLine>)>,
        elsewhere: BTreeMap<(Uuid, i64), i64>,
        prefixes: Vec<String>,
        ship_day: NaiveDate,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture { pos: pos(), elsewhere: BTreeMap::new(), prefixes: vec![PREFIX.to_string()], ship_day: day("2026-03-06") }
        }

        fn ctx(&self) -> AsnContext<'_> {
            AsnContext { dc_id: DC, ship_day: self.ship_day, pos: &self.pos, shipped_elsewhere: &self.elsewhere, gs1_prefixes: &self.prefixes }
        }

        fn line_mut(&mut self, po: usize, line: usize) -> &mut PoLine {
            &mut self.pos[po].1[line]
        }

        fn resolve(&self, cartons: &[CartonInput], pallets: &[Option<String>]) -> Result<(Vec<Carton>, Vec<Pallet>), Vec<FieldIssue>> {
            let serial = Cell::new(1000u64);
            let mut next = || {
                serial.set(serial.get() + 1);
                Ok(sscc(serial.get()))
            };
            resolve_cartons(&self.ctx(), cartons, pallets, &mut next)
        }

        fn issues(&self, cartons: &[CartonInput], pallets: &[Option<String>]) -> Vec<(String, String)> {
            self.resolve(cartons, pallets).expect_err("expected issues").into_iter().map(|i| (i.field, i.issue)).collect()
        }

        fn fields(&self, cartons: &[CartonInput], pallets: &[Option<String>]) -> Vec<String> {
            self.issues(cartons, pallets).into_iter().map(|(f, _)| f).collect()
        }
    }

    fn it(po: &str, line_no: i64, quantity: i64) -> CartonItemInput {
        CartonItemInput { po_number: po.into(), line_no, quantity, lot: None, expiry: None }
    }

    fn boxed(items: Vec<CartonItemInput>) -> CartonInput {
        CartonInput { sscc: None, pallet: None, items }
    }

    fn with_sscc(sscc: &str, items: Vec<CartonItemInput>) -> CartonInput {
        CartonInput { sscc: Some(sscc.into()), pallet: None, items }
    }

    const PO: &str = "4XK92P7Q";

    #[test]
    fn a_valid_asn_resolves_with_generated_ssccs() {
        let f = Fixture::new();
        let entered = sscc(7);
        let cartons = [
            CartonInput {
                sscc: Some(format!("(00) {entered}")),
                pallet: Some(1),
                items: vec![CartonItemInput { lot: Some(" L2026-03A ".into()), expiry: Some(day("2027-01-01")), ..it(PO, 1, 10) }],
            },
            CartonInput { sscc: Some("  ".into()), pallet: Some(1), items: vec![it(" 4xk92p7q ", 1, 14)] },
        ];
        let pallet = sscc(8).to_string();
        let (cartons, pallets) = f.resolve(&cartons, &[Some(pallet.clone())]).unwrap();
        assert_eq!(pallets, [Pallet { seq: 1, sscc: Some(sscc(8)) }]);
        assert_eq!(cartons.len(), 2);
        assert_eq!((cartons[0].seq, &cartons[0].sscc, cartons[0].pallet), (1, &entered, Some(1)));
        assert_eq!((cartons[1].seq, &cartons[1].sscc), (2, &sscc(1001)));
        let po = &f.pos[0].0;
        assert_eq!(
            cartons[0].items,
            [CartonItem {
                po_id: po.id,
                po_number: PO.into(),
                line_no: 1,
                vendor_sku: "SKU-1".into(),
                gtin: gtin(1),
                quantity: 10,
                lot: Some("L2026-03A".into()),
                expiry: Some(day("2027-01-01")),
            }]
        );
        assert_eq!(cartons[1].items[0].po_number, PO, "the PO number is stored as the PO spells it");
    }

    #[test]
    fn no_serials_are_drawn_for_a_refused_asn() {
        let f = Fixture::new();
        let mut draws = 0;
        let mut next = || {
            draws += 1;
            Ok(sscc(5000))
        };
        assert!(resolve_cartons(&f.ctx(), &[boxed(vec![it(PO, 1, 0)])], &[], &mut next).is_err());
        assert_eq!(draws, 0);
    }

    #[test]
    fn rule1_at_least_one_carton_each_with_an_item_and_at_most_10000() {
        let f = Fixture::new();
        assert_eq!(f.issues(&[], &[]), [("cartons".into(), "an ASN needs at least one carton; add the cartons with what each one holds".into())]);
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 1)]), boxed(vec![])], &[]),
            [("cartons[1].items".into(), "carton 2 has no items; add what it holds or remove the carton".into())]
        );
        let many = vec![boxed(vec![it(PO, 1, 1)]); MAX_CARTONS + 1];
        assert_eq!(
            f.issues(&many, &[]),
            [("cartons".into(), "this ASN has 10001 cartons; one ASN carries at most 10000 — split the shipment into several ASNs".into())]
        );
        assert_eq!(f.fields(&[boxed(vec![it(PO, 1, 1)])], &vec![None; MAX_PALLETS + 1]), ["pallets"]);
    }

    #[test]
    fn rule2_quantities_are_at_least_one_each() {
        let f = Fixture::new();
        let got = f.issues(&[boxed(vec![it(PO, 1, 5), it(PO, 1, 0)]), boxed(vec![it(PO, 1, i64::MIN)])], &[]);
        assert_eq!(
            got,
            [
                (
                    "cartons[0].items[1].quantity".into(),
                    "carton 1, item 2: the quantity must be at least 1 each; remove the item rather than ship 0 or less".into()
                ),
                (
                    "cartons[1].items[0].quantity".into(),
                    "carton 2, item 1: the quantity must be at least 1 each; remove the item rather than ship 0 or less".into()
                ),
            ]
        );
    }

    #[test]
    fn rule2_the_po_must_exist() {
        let f = Fixture::new();
        let got = f.issues(&[boxed(vec![it("NOPE0000", 1, 1), it("4XK-92P7", 1, 1)]), boxed(vec![it("NOPE0000", 1, 2)])], &[]);
        assert_eq!(
            got,
            [
                (
                    "cartons[0].items[0].po_number".into(),
                    "carton 1, item 1: PO NOPE0000 is not one of your purchase orders; check the number (1 more item names this PO too)".into()
                ),
                (
                    "cartons[0].items[1].po_number".into(),
                    "carton 1, item 2: the PO number contains `-`; a PO number is 8 letters or digits, e.g. 4XK92P7Q".into()
                ),
            ]
        );
    }

    #[test]
    fn rule2_the_po_must_not_be_closed() {
        let mut f = Fixture::new();
        f.pos[0].0.closed_at = Some(utc("2026-03-05T00:00:00"));
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 1)])], &[]),
            [("cartons[0].items[0].po_number".into(), "carton 1, item 1: PO 4XK92P7Q is closed; nothing more may ship on it".into())]
        );
    }

    #[test]
    fn rule2_the_po_must_ship_to_this_dc() {
        let f = Fixture::new();
        let cartons: Vec<CartonInput> = (0..3).map(|_| boxed(vec![it(PO, 1, 1), it("7QZ3M2KD", 1, 1)])).collect();
        assert_eq!(
            f.issues(&cartons, &[]),
            [(
                "cartons[0].items[1].po_number".into(),
                "carton 1, item 2: PO 7QZ3M2KD ships to DC ONT8, this ASN to another DC; one ASN covers one DC (2 more items name this PO too)".into()
            )]
        );
    }

    #[test]
    fn rule2_the_line_must_exist_and_not_be_cancelled() {
        let f = Fixture::new();
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 3, 1), it(PO, 2, 1)])], &[]),
            [
                ("cartons[0].items[0].line_no".into(), "carton 1, item 1: PO 4XK92P7Q has no line 3; check the line number on the PO".into()),
                ("cartons[0].items[1].line_no".into(), "carton 1, item 2: PO 4XK92P7Q line 2 was cancelled by the retailer; remove the item".into()),
            ]
        );
    }

    #[test]
    fn rule2_the_line_must_be_acknowledged() {
        let mut f = Fixture::new();
        f.line_mut(0, 0).committed_eaches = 0;
        f.line_mut(0, 0).confirmation = LineConfirmation::Unconfirmed;
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 1)])], &[]),
            [("cartons[0].items[0].line_no".into(), "carton 1, item 1: PO 4XK92P7Q line 1 is not acknowledged; acknowledge it before shipping".into())]
        );
        f.line_mut(0, 0).confirmation = LineConfirmation::Rejected;
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 1)])], &[])[0].1,
            "carton 1, item 1: PO 4XK92P7Q line 1 was rejected in your acknowledgement, so nothing may ship on it; remove the item"
        );
    }

    #[test]
    fn rule3_no_more_than_acknowledged_and_not_yet_shipped() {
        let mut f = Fixture::new();
        // All 24 acknowledged eaches fit, in any split.
        assert!(f.resolve(&[boxed(vec![it(PO, 1, 20)]), boxed(vec![it(PO, 1, 4)])], &[]).is_ok());
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 40)])], &[]),
            [(
                "cartons[0].items[0].quantity".into(),
                "carton 1, item 1: PO 4XK92P7Q line 1: 40 eaches would ship but 24 are acknowledged and not yet shipped; lower the quantity".into()
            )]
        );
        // Over several cartons the issue sits where the total first goes over.
        f.elsewhere.insert((f.pos[0].0.id, 1), 6);
        assert_eq!(
            f.issues(&[boxed(vec![it(PO, 1, 10), it(PO, 1, 5)]), boxed(vec![it(PO, 1, 2)]), boxed(vec![it(PO, 1, 3)])], &[]),
            [(
                "cartons[2].items[0].quantity".into(),
                "carton 3, item 1: PO 4XK92P7Q line 1: 20 eaches would ship over 4 items in 3 cartons but 18 are acknowledged and not yet shipped \
                 (24 acknowledged, 6 on your other ASNs); lower the quantities"
                    .into()
            )]
        );
        // More elsewhere than acknowledged leaves nothing (not a negative amount).
        f.elsewhere.insert((f.pos[0].0.id, 1), 30);
        assert!(
            f.issues(&[boxed(vec![it(PO, 1, 1)])], &[])[0]
                .1
                .ends_with("1 each would ship but 0 are acknowledged and not yet shipped (24 acknowledged, 30 on your other ASNs); lower the quantity")
        );
        // Saturating sums: two huge quantities are "too many", not an overflow.
        f.elsewhere.clear();
        let got = f.issues(&[boxed(vec![it(PO, 1, i64::MAX), it(PO, 1, i64::MAX)])], &[]);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.contains(&format!("{} eaches would ship over 2 items", i64::MAX)), "{}", got[0].1);
    }

    #[test]
    fn rule4_the_ship_day_is_within_every_named_po_window() {
        let mut f = Fixture::new();
        f.ship_day = day("2026-03-11");
        let other = po(3, "9ZZ00001", DC);
        let other_lines = vec![line(&other, 1, 5, 5)];
        f.pos.push((other, other_lines));
        f.pos[2].0.ship_window.end = day("2026-03-12");
        let got = f.issues(&[boxed(vec![it(PO, 1, 1), it("9ZZ00001", 1, 1)]), boxed(vec![it(PO, 1, 1)])], &[]);
        assert_eq!(
            got,
            [(
                "ship_date".into(),
                "PO 4XK92P7Q ships between 2026-03-05 and 2026-03-10; this ASN ships on 2026-03-11 — move the ship date into the window or ship the PO on another ASN"
                    .into()
            )]
        );
        f.ship_day = day("2026-03-04");
        assert_eq!(f.fields(&[boxed(vec![it(PO, 1, 1), it("9ZZ00001", 1, 1)])], &[]), ["ship_date", "ship_date"]);
    }

    #[test]
    fn rule5_entered_ssccs_parse_are_yours_and_unique() {
        let mut f = Fixture::new();
        let mine = sscc(1).to_string();
        let foreign = Sscc::generate(0, "0999999", 1).unwrap().to_string();
        let got = f.issues(
            &[
                with_sscc("106141411234567898", vec![it(PO, 1, 1)]),
                with_sscc(&foreign, vec![it(PO, 1, 1)]),
                with_sscc(&mine, vec![it(PO, 1, 1)]),
                with_sscc(&format!("00{mine}"), vec![it(PO, 1, 1)]),
            ],
            &[Some(sscc(2).to_string()), Some(sscc(2).to_string()), Some("12345".into())],
        );
        assert_eq!(
            got,
            [
                ("pallets[1]".into(), format!("pallet 2: SSCC {} is also on pallet 1; every carton and pallet needs its own SSCC", sscc(2))),
                ("pallets[2]".into(), "pallet 3: the SSCC has 5 digits; an SSCC is 18 digits ending in its check digit, optionally after the application identifier (00), e.g. 106141411234567897".into()),
                ("cartons[0].sscc".into(), "carton 1: the SSCC has check digit 8, but the digits before it give 7; a digit is probably mistyped, so compare it with the label".into()),
                (
                    "cartons[1].sscc".into(),
                    format!("carton 2: SSCC {foreign} is not yours: it does not start with your GS1 company prefix 0614141 (after the extension digit); use one of your own SSCCs or leave it empty for ACORN to generate one")
                ),
                ("cartons[3].sscc".into(), format!("carton 4: SSCC {mine} is also on carton 3; every carton and pallet needs its own SSCC")),
            ]
        );
        // A carton may not reuse a pallet's SSCC either; several prefixes are all named.
        f.prefixes.push("0614142".into());
        let got = f.issues(&[with_sscc(&sscc(2).to_string(), vec![it(PO, 1, 1)]), with_sscc(&foreign, vec![it(PO, 1, 1)])], &[Some(sscc(2).to_string())]);
        assert_eq!(got[0].1, format!("carton 1: SSCC {} is also on pallet 1; every carton and pallet needs its own SSCC", sscc(2)));
        assert!(got[1].1.contains("any of your GS1 company prefixes 0614141, 0614142"), "{}", got[1].1);
        f.prefixes.clear();
        assert!(f.issues(&[with_sscc(&mine, vec![it(PO, 1, 1)])], &[])[0].1.contains("you have no GS1 company prefix on file"));
    }

    #[test]
    fn rule5_a_cartons_pallet_exists() {
        let f = Fixture::new();
        let on = |p| CartonInput { pallet: Some(p), ..boxed(vec![it(PO, 1, 1)]) };
        assert_eq!(
            f.issues(&[on(1), on(3), on(0)], &[None, None]),
            [
                ("cartons[1].pallet".into(), "carton 2: pallet 3 does not exist; this ASN has 2 pallets (numbered 1 to 2)".into()),
                ("cartons[2].pallet".into(), "carton 3: pallet 0 does not exist; this ASN has 2 pallets (numbered 1 to 2)".into()),
            ]
        );
        assert!(f.issues(&[on(i64::MIN)], &[])[0].1.ends_with("this ASN has no pallets; leave the pallet empty or add the pallet"));
        assert!(f.resolve(&[on(1)], &[None]).is_ok(), "a pallet without an SSCC is fine");
    }

    #[test]
    fn rule6_lots_and_expiry() {
        let f = Fixture::new();
        let with = |lot: Option<&str>, expiry: Option<&str>| boxed(vec![CartonItemInput { lot: lot.map(Into::into), expiry: expiry.map(day), ..it(PO, 1, 1) }]);
        assert!(f.resolve(&[with(Some("A-1"), Some("2026-03-06")), with(Some(""), None), with(Some(&"9".repeat(20)), None)], &[]).is_ok());
        let got = f.issues(&[with(Some("L#1"), None), with(Some(&"A".repeat(21)), None), with(Some("L\t1"), None), with(None, Some("2026-03-05"))], &[]);
        assert_eq!(
            got,
            [
                ("cartons[0].items[0].lot".into(), "carton 1, item 1: the lot contains `#`; a lot is up to 20 letters, digits or `-`, e.g. L2026-03A".into()),
                (
                    "cartons[1].items[0].lot".into(),
                    "carton 2, item 1: the lot has 21 characters; a lot is up to 20 letters, digits or `-`, e.g. L2026-03A".into()
                ),
                (
                    "cartons[2].items[0].lot".into(),
                    "carton 3, item 1: the lot contains U+0009; a lot is up to 20 letters, digits or `-`, e.g. L2026-03A".into()
                ),
                (
                    "cartons[3].items[0].expiry".into(),
                    "carton 4, item 1: expiry 2026-03-05 is before the ship date 2026-03-06; expired goods may not ship — check the date".into()
                ),
            ]
        );
    }

    #[test]
    fn every_issue_is_reported_at_once_in_a_stable_order() {
        let mut f = Fixture::new();
        f.ship_day = day("2026-03-12");
        let got = f.fields(
            &[
                CartonInput { sscc: Some("1".into()), pallet: Some(2), items: vec![it(PO, 1, 30), it(PO, 2, 1)] },
                boxed(vec![]),
                boxed(vec![it("7QZ3M2KD", 1, 1), CartonItemInput { lot: Some("?".into()), ..it(PO, 1, 1) }]),
            ],
            &[Some("x".into())],
        );
        assert_eq!(
            got,
            [
                "ship_date",
                "pallets[0]",
                "cartons[0].sscc",
                "cartons[0].pallet",
                "cartons[0].items[1].line_no",
                "cartons[1].items",
                "cartons[2].items[0].po_number",
                "cartons[2].items[1].lot",
                "cartons[0].items[0].quantity",
            ]
        );
    }

    #[test]
    fn issues_are_capped() {
        let f = Fixture::new();
        let cartons = vec![boxed(vec![it(PO, 1, 0)]); MAX_ISSUES + 20];
        let got = f.issues(&cartons, &[]);
        assert_eq!(got.len(), MAX_ISSUES + 1);
        assert_eq!(got[MAX_ISSUES], ("cartons".into(), "20 more issues are not listed; fix these and submit again to see the rest".into()));
    }

    #[test]
    fn generation_failures_and_collisions() {
        let f = Fixture::new();
        let mut broken = || Err("the serial range of prefix 0614141 is used up".to_string());
        let got = resolve_cartons(&f.ctx(), &[with_sscc(&sscc(1).to_string(), vec![it(PO, 1, 1)]), boxed(vec![it(PO, 1, 1)])], &[], &mut broken).unwrap_err();
        assert_eq!(
            got,
            [FieldIssue::new(
                "cartons[1].sscc",
                "carton 2: ACORN could not generate an SSCC: the serial range of prefix 0614141 is used up; enter the carton's SSCC"
            )]
        );
        // A generated SSCC that is already entered on the ASN is skipped.
        let mut serial = 0;
        let mut next = || {
            serial += 1;
            Ok(sscc(serial))
        };
        let (cartons, _) =
            resolve_cartons(&f.ctx(), &[boxed(vec![it(PO, 1, 1)]), with_sscc(&sscc(1).to_string(), vec![it(PO, 1, 1)])], &[], &mut next).unwrap();
        assert_eq!((&cartons[0].sscc, &cartons[1].sscc), (&sscc(2), &sscc(1)));
        // A source that keeps repeating is given up on.
        let mut stuck = || Ok(sscc(1));
        let got = resolve_cartons(&f.ctx(), &[with_sscc(&sscc(1).to_string(), vec![it(PO, 1, 1)]), boxed(vec![it(PO, 1, 1)])], &[], &mut stuck).unwrap_err();
        assert_eq!(got[0].field, "cartons[1].sscc");
    }

    #[test]
    fn five_thousand_cartons_resolve_quickly() {
        let mut f = Fixture::new();
        let po = f.pos[0].0.clone();
        let lines: Vec<PoLine> = (1..=3).map(|n| line(&po, n, 10_000, 10_000)).collect();
        f.pos[0].1 = lines;
        let cartons: Vec<CartonInput> =
            (0..5_000).map(|n| CartonInput { sscc: Some(sscc(n + 1).to_string()), pallet: None, items: (1..=3).map(|l| it(PO, l, 2)).collect() }).collect();
        let started = Instant::now();
        let (out, _) = f.resolve(&cartons, &[]).unwrap();
        let took = started.elapsed();
        assert_eq!(out.len(), 5_000);
        // Generous even for an unoptimised build on a busy machine; a quadratic scan takes far longer.
        assert!(took.as_secs() < 5, "took {took:?}");
        // Every line over by one: one issue per line, not one per item.
        let over: Vec<CartonInput> = cartons.iter().cloned().chain([boxed((1..=3).map(|l| it(PO, l, 1)).collect())]).collect();
        let got = f.issues(&over, &[]);
        assert_eq!(
            got.iter().map(|(field, _)| field.as_str()).collect::<Vec<_>>(),
            ["cartons[5000].items[0].quantity", "cartons[5000].items[1].quantity", "cartons[5000].items[2].quantity"]
        );
    }

    #[test]
    fn the_asn_is_due_by_the_earlier_of_ship_plus_30_min_and_arrival_minus_4_h() {
        let rules = AsnRules::default();
        let ship = utc("2026-03-06T08:00:00");
        assert_eq!(asn_due_at(ship, None, &rules), utc("2026-03-06T08:30:00"));
        assert_eq!(asn_due_at(ship, Some(utc("2026-03-07T08:00:00")), &rules), utc("2026-03-06T08:30:00"));
        assert_eq!(asn_due_at(ship, Some(utc("2026-03-06T11:00:00")), &rules), utc("2026-03-06T07:00:00"), "a short trip: due before it ships");
        let absurd = AsnRules { due_after_ship_minutes: i64::MAX, due_before_arrival_hours: i64::MIN, replace_days: i64::MAX };
        assert_eq!(asn_due_at(ship, Some(ship), &absurd), DateTime::<Utc>::MAX_UTC);
        assert_eq!(replace_deadline(ship, &absurd), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn an_asn_may_be_replaced_until_arrival_for_at_most_7_days() {
        let rules = AsnRules::default();
        let po = po(1, PO, DC);
        let mut s = shipment(10, "ASN-0001", vec![carton(1, vec![item(&po, 1, 1)])]);
        let first = s.first_submitted_at;
        assert_eq!(can_replace(&s, first, utc("2026-03-13T08:10:00"), &rules), Ok(()), "exactly 7 days later is still allowed");
        assert_eq!(
            can_replace(&s, first, utc("2026-03-13T08:11:00"), &rules).unwrap_err(),
            "shipment ASN-0001 was first submitted at 2026-03-06 08:10 UTC; it could be replaced for 7 days, until 2026-03-13 08:10 UTC — submit a new ASN for goods not yet shipped"
        );
        s.status = ShipmentStatus::CheckedIn;
        s.arrived_at = Some(utc("2026-03-09T08:30:00"));
        assert_eq!(
            can_replace(&s, first, utc("2026-03-09T09:00:00"), &rules).unwrap_err(),
            "shipment ASN-0001 arrived at DC ABE2 at 2026-03-09 08:30 UTC; an ASN cannot be replaced after arrival — differences are settled by the receipt"
        );
        s.status = ShipmentStatus::Received;
        s.arrived_at = None;
        assert!(can_replace(&s, first, first, &rules).unwrap_err().contains("arrived at DC ABE2;"));
        s.status = ShipmentStatus::Cancelled;
        assert!(can_replace(&s, first, first, &rules).unwrap_err().contains("was cancelled"));
    }

    #[test]
    fn preflight_warns_of_a_late_or_missing_asn() {
        let due = utc("2026-03-06T08:30:00");
        assert_eq!(preflight(due, None, due), []);
        let late = preflight(due, None, utc("2026-03-06T09:35:00"));
        assert_eq!(late[0].kind, DefectKind::LateAsn);
        assert_eq!(late[0].detail, "the ASN was due at 2026-03-06 08:30 UTC; sent now it is 1 h 05 min late and will be recorded as a late ASN");
        let missing = preflight(due, Some(utc("2026-03-09T08:30:00")), utc("2026-03-09T10:00:00"));
        assert_eq!(missing.iter().map(|d| d.kind).collect::<Vec<_>>(), [DefectKind::MissingAsn]);
    }

    /// A PO number: mostly valid ones, also the other DC's, a closed one, unknown and malformed ones.
    fn any_po_number() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => Just(PO.to_string()),
            1 => Just(" 4xk92p7q".to_string()),
            1 => Just("7QZ3M2KD".to_string()),
            1 => Just("CLOSED01".to_string()),
            1 => Just("NOPE0000".to_string()),
            1 => "\\PC{0,12}",
        ]
    }

    fn any_quantity() -> impl Strategy<Value = i64> {
        prop_oneof![8 => 1i64..12, 1 => Just(i64::MAX), 1 => Just(i64::MIN), 1 => -2i64..=0, 1 => any::<i64>()]
    }

    /// An SSCC text: the vendor's own (few serials, so some repeat), another company's, or anything.
    fn any_sscc() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => (1u64..40).prop_map(|n| sscc(n).to_string()),
            1 => (1u64..5).prop_map(|n| Sscc::generate(3, "0999999", n).unwrap().to_string()),
            1 => "[0-9]{18}",
            1 => "\\PC{0,24}",
        ]
    }

    fn any_item() -> impl Strategy<Value = CartonItemInput> {
        let lot = proptest::option::of(prop_oneof!["[A-Z0-9-]{0,22}", "\\PC{0,22}"]);
        let expiry = proptest::option::of((0i64..20).prop_map(|d| day("2026-03-01") + TimeDelta::days(d)));
        (any_po_number(), prop_oneof![4 => 1i64..4, 1 => any::<i64>()], any_quantity(), lot, expiry)
            .prop_map(|(po_number, line_no, quantity, lot, expiry)| CartonItemInput { po_number, line_no, quantity, lot, expiry })
    }

    fn any_carton() -> impl Strategy<Value = CartonInput> {
        let pallet = proptest::option::of(prop_oneof![4 => 1i64..4, 1 => any::<i64>()]);
        (proptest::option::of(any_sscc()), pallet, proptest::collection::vec(any_item(), 0..4)).prop_map(|(sscc, pallet, items)| CartonInput {
            sscc,
            pallet,
            items,
        })
    }

    /// A carton that passes every rule but the quantity limit, so accepted ASNs are common enough to check.
    fn clean_carton() -> impl Strategy<Value = CartonInput> {
        let item = (prop_oneof![Just(PO), Just(" 4xk92p7q ")], 1i64..6, proptest::option::of("[A-Z0-9-]{0,20}"))
            .prop_map(|(po, quantity, lot)| CartonItemInput { lot, ..it(po, 1, quantity) });
        (proptest::option::of((1u64..1_000_000).prop_map(|n| sscc(n).to_string())), proptest::collection::vec(item, 1..3))
            .prop_map(|(sscc, items)| CartonInput { sscc, pallet: None, items })
    }

    fn any_cartons() -> impl Strategy<Value = Vec<CartonInput>> {
        prop_oneof![
            proptest::collection::vec(any_carton(), 0..10),
            proptest::collection::vec(clean_carton(), 1..6),
            // Mostly clean with a stray: the one mistake must still be caught.
            (proptest::collection::vec(clean_carton(), 1..6), any_carton()).prop_map(|(mut cartons, stray)| {
                cartons.push(stray);
                cartons
            }),
        ]
    }

    proptest! {
        #[test]
        fn resolve_never_panics_and_never_ships_more_than_acknowledged_and_open(
            cartons in any_cartons(),
            pallets in proptest::collection::vec(proptest::option::of(any_sscc()), 0..4),
            elsewhere in prop_oneof![Just(0i64), 0i64..30, Just(i64::MIN), any::<i64>()],
            generator_fails in proptest::bool::weighted(0.1),
        ) {
            let mut f = Fixture::new();
            let mut unacknowledged = line(&f.pos[0].0, 3, 5, 0);
            unacknowledged.confirmation = LineConfirmation::Unconfirmed;
            f.pos[0].1.push(unacknowledged);
            let mut closed = po(4, "CLOSED01", DC);
            closed.closed_at = Some(utc("2026-03-04T00:00:00"));
            let closed_lines = vec![line(&closed, 1, 9, 9)];
            f.pos.push((closed, closed_lines));
            f.elsewhere.insert((f.pos[0].0.id, 1), elsewhere);

            let mut serial = 1000u64;
            let mut next = || {
                serial += 1;
                if generator_fails { Err("no serials left".to_string()) } else { Ok(sscc(serial)) }
            };
            match resolve_cartons(&f.ctx(), &cartons, &pallets, &mut next) {
                Ok((out, out_pallets)) => {
                    prop_assert!(!out.is_empty());
                    prop_assert_eq!(out.len(), cartons.len());
                    prop_assert_eq!(out_pallets.len(), pallets.len());
                    let mut seen = std::collections::HashSet::new();
                    for p in out_pallets.iter().filter_map(|p| p.sscc.as_ref()) {
                        prop_assert!(seen.insert(p.clone()), "pallet SSCC repeated");
                    }
                    let mut totals: BTreeMap<(Uuid, i64), i64> = BTreeMap::new();
                    for (k, c) in out.iter().enumerate() {
                        prop_assert_eq!(c.seq, k as i64 + 1);
                        prop_assert!(seen.insert(c.sscc.clone()), "carton SSCC repeated");
                        prop_assert!(!c.items.is_empty());
                        prop_assert!(c.pallet.is_none_or(|p| p >= 1 && p as usize <= pallets.len()));
                        for i in &c.items {
                            prop_assert!(i.quantity > 0);
                            let total = totals.entry((i.po_id, i.line_no)).or_insert(0);
                            *total = total.checked_add(i.quantity).expect("accepted totals fit");
                        }
                    }
                    for ((po_id, line_no), total) in totals {
                        let (po, lines) = f.pos.iter().find(|(p, _)| p.id == po_id).expect("a known PO");
                        prop_assert!(po.dc_id == DC && po.closed_at.is_none());
                        let line = lines.iter().find(|l| l.line_no == line_no).expect("a known line");
                        prop_assert!(!line.cancelled);
                        let shipped = f.elsewhere.get(&(po_id, line_no)).copied().unwrap_or(0).max(0);
                        prop_assert!(total <= line.committed_eaches - shipped, "{} > {} - {}", total, line.committed_eaches, shipped);
                    }
                }
                Err(issues) => {
                    prop_assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES + 1);
                    prop_assert!(issues.iter().all(|i| !i.field.is_empty() && !i.issue.is_empty()));
                }
            }
        }
    }
}
