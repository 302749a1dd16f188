//! Ship notices in: X12 856 (5010 Shipment → Order → Tare → Pack → Item; 4010 Shipment → Order → Pack → Item)
//! and EDIFACT DESADV D.96A (CPS packages) → the shipment the service's `create_shipment` takes: pallets and
//! cartons with their SSCCs, and per carton the items with PO, line, eaches, lot and expiry.
//!
//! The hierarchy is read, not assumed: an X12 `HL` names its parent, a DESADV `CPS` too, and a carton is on the
//! pallet it hangs under. One physical carton holding several POs appears once per order in an 856 (Amazon's
//! Shipment/Order/Package/Item for consolidated cartons): cartons (and pallets) with the same SSCC are one
//! carton. Whether the quantities may ship — on the PO, acknowledged, within the window — is the service's to
//! decide, as for every channel.

use std::collections::HashMap;

use acorn_domain::gs1::Sscc;
use acorn_domain::master::Address;
use acorn_domain::orders::QuantityUnit;
use acorn_domain::shipments::{CartonInput, CartonItemInput, Confirmation, ShipmentType};
use chrono::NaiveDate;
use serde::Serialize;

use super::read::{Reader, to_eaches};
use super::{ItemIds, MapError, Mapped, SegmentRef, Stamp};
use crate::report::Rule;
use crate::segment::Segment;

/// A ship notice, ready for the service's `ShipmentInput` (the caller adds nothing but the PO line numbers the
/// document left to the item, see [`InboundAsn::carton_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundAsn {
    /// BSN01 `00` / BGM 1225 `9`: the first notice; BSN01 `05` / BGM `5`: it replaces the earlier one.
    pub purpose: Confirmation,
    /// BSN02 / BGM 1004: the vendor's shipment identifier.
    pub shipment_number: String,
    /// The ship-to DC: N1*ST N104 / NAD+DP (or ST) party id.
    pub dc_code: Option<String>,
    pub ship_from_name: Option<String>,
    pub ship_from: Address,
    pub shipment_type: Option<ShipmentType>,
    /// DTM*011 / DTM+11 (shipped).
    pub ship_date: Option<Stamp>,
    /// DTM*017 / DTM+17 or +132 (estimated delivery).
    pub estimated_arrival: Option<Stamp>,
    pub carrier_scac: Option<String>,
    /// REF*CN / RFF+CN.
    pub tracking_number: Option<String>,
    /// REF*BM / RFF+BM.
    pub bol_number: Option<String>,
    /// Pallets by position (a carton names its pallet 1-based), each with its SSCC when labelled.
    pub pallets: Vec<Option<Sscc>>,
    pub cartons: Vec<AsnCarton>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AsnCarton {
    /// `None`: the document gave no SSCC (ACORN then generates one from the vendor's GS1 prefix).
    pub sscc: Option<Sscc>,
    /// 1-based position in [`InboundAsn::pallets`].
    pub pallet: Option<i64>,
    pub items: Vec<AsnItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AsnItem {
    pub po_number: String,
    /// The PO line: 856 `LIN01`, DESADV `RFF+LI`; `None` when the document identifies the item only.
    pub line_no: Option<i64>,
    pub item: ItemIds,
    /// Eaches.
    pub quantity: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    /// The item's `LIN`, to locate problems found later.
    pub at: SegmentRef,
}

impl InboundAsn {
    /// The cartons as the service takes them. `line_of(po_number, item)` finds the PO line of an item the
    /// document did not give a line number for (the caller has the PO lines); an item it cannot place is an error
    /// at the item's `LIN`.
    pub fn carton_inputs(&self, mut line_of: impl FnMut(&str, &ItemIds) -> Option<i64>) -> Result<Vec<CartonInput>, Vec<MapError>> {
        let mut errors = Vec::new();
        let cartons = self
            .cartons
            .iter()
            .map(|carton| CartonInput {
                sscc: carton.sscc.as_ref().map(|s| s.as_str().to_string()),
                pallet: carton.pallet,
                items: carton
                    .items
                    .iter()
                    .filter_map(|item| {
                        let line_no = item.line_no.or_else(|| line_of(&item.po_number, &item.item));
                        if line_no.is_none() {
                            errors.push(MapError::new(
                                item.at.clone(),
                                None,
                                None,
                                Rule::InvalidCode,
                                format!("PO {} has no line for {}; send the PO line number (LIN01 / RFF+LI)", item.po_number, item.item),
                            ));
                        }
                        Some(CartonItemInput {
                            po_number: item.po_number.clone(),
                            line_no: line_no?,
                            quantity: item.quantity,
                            lot: item.lot.clone(),
                            expiry: item.expiry,
                        })
                    })
                    .collect(),
            })
            .collect();
        if errors.is_empty() { Ok(cartons) } else { Err(errors) }
    }

    /// The pallets as the service takes them (entered SSCCs by position).
    pub fn pallet_inputs(&self) -> Vec<Option<String>> {
        self.pallets.iter().map(|p| p.as_ref().map(|s| s.as_str().to_string())).collect()
    }
}

/// TD504 transportation method codes (91) that name an ACORN shipment type; others leave it to the default.
pub const TRANSPORT_METHODS: &[(&str, ShipmentType)] = &[("U", ShipmentType::SmallParcel), ("LT", ShipmentType::LessThanTruckLoad)];

/// An item as read, before its unit and pack are known.
struct ItemDraft {
    at: usize,
    /// X12: the order HL's index in `orders`; DESADV: unused.
    order: Option<usize>,
    po_number: Option<String>,
    line_no: Option<i64>,
    ids: ItemIds,
    quantity: Option<i64>,
    /// Segment, element and component of the quantity (for unit errors).
    quantity_at: (usize, usize, usize),
    unit: Option<QuantityUnit>,
    pack: Option<i64>,
    lot: Option<String>,
    expiry: Option<NaiveDate>,
}

impl ItemDraft {
    fn new(at: usize) -> ItemDraft {
        ItemDraft {
            at,
            order: None,
            po_number: None,
            line_no: None,
            ids: ItemIds::default(),
            quantity: None,
            quantity_at: (at, 0, 0),
            unit: None,
            pack: None,
            lot: None,
            expiry: None,
        }
    }
}

struct CartonDraft {
    at: usize,
    sscc: Option<Sscc>,
    pallet: Option<usize>,
    items: Vec<ItemDraft>,
}

/// Pallet and carton drafts; [`Drafts::assemble`] merges repeats of one SSCC and counts eaches.
#[derive(Default)]
struct Drafts {
    pallets: Vec<Option<Sscc>>,
    cartons: Vec<CartonDraft>,
}

impl Drafts {
    fn assemble(self, r: &mut Reader<'_, '_>) -> (Vec<Option<Sscc>>, Vec<AsnCarton>) {
        // Thousands of cartons per notice: SSCCs are looked up in maps, never scanned.
        let mut pallets: Vec<Option<Sscc>> = Vec::new();
        let mut pallet_by_sscc: HashMap<Sscc, usize> = HashMap::new();
        let mut pallet_of = Vec::with_capacity(self.pallets.len());
        for sscc in self.pallets {
            let found = sscc.as_ref().and_then(|s| pallet_by_sscc.get(s).copied());
            pallet_of.push(found.unwrap_or_else(|| {
                if let Some(s) = &sscc {
                    pallet_by_sscc.insert(s.clone(), pallets.len());
                }
                pallets.push(sscc);
                pallets.len() - 1
            }));
        }
        let mut cartons: Vec<AsnCarton> = Vec::new();
        let mut carton_by_sscc: HashMap<Sscc, usize> = HashMap::new();
        for draft in self.cartons {
            let pallet = draft.pallet.and_then(|p| pallet_of.get(p)).map(|&p| p as i64 + 1);
            let items: Vec<AsnItem> = draft.items.into_iter().filter_map(|item| finish_item(r, item)).collect();
            let same = draft.sscc.as_ref().and_then(|s| carton_by_sscc.get(s).copied());
            match same {
                Some(k) if cartons[k].pallet != pallet => r.error(
                    draft.at,
                    None,
                    None,
                    Rule::HierarchyParent,
                    format!(
                        "carton SSCC {} is on two different pallets; a carton travels on one",
                        cartons[k].sscc.as_ref().map(Sscc::as_str).unwrap_or_default()
                    ),
                ),
                Some(k) => cartons[k].items.extend(items),
                None => {
                    if let Some(s) = &draft.sscc {
                        carton_by_sscc.insert(s.clone(), cartons.len());
                    }
                    cartons.push(AsnCarton { sscc: draft.sscc, pallet, items });
                }
            }
        }
        (pallets, cartons)
    }
}

fn finish_item(r: &mut Reader<'_, '_>, item: ItemDraft) -> Option<AsnItem> {
    if item.ids.is_empty() && item.line_no.is_none() && !r.has_error_at(item.at) {
        r.error(
            item.at,
            None,
            None,
            Rule::MandatoryElementMissing,
            "the item has no identifier ACORN reads (UP, EN, UK, IB, BP, VN, VP / EN, SRV, BP, SA) and no PO line",
        );
    }
    let Some(quantity) = item.quantity else {
        r.error(item.at, None, None, Rule::MandatorySegmentMissing, "the item has no shipped quantity (SN1 / QTY+12)");
        return None;
    };
    let (seg, n, c) = item.quantity_at;
    let quantity = to_eaches(quantity, item.unit.unwrap_or(QuantityUnit::Eaches), item.pack)
        .map_err(|e| r.error(seg, Some(n), (c > 0).then_some(c), Rule::InvalidCode, e))
        .ok()?;
    let po_number = item.po_number?;
    Some(AsnItem { po_number, line_no: item.line_no, item: item.ids, quantity, lot: item.lot, expiry: item.expiry, at: r.at(item.at) })
}

fn empty_asn() -> InboundAsn {
    InboundAsn {
        purpose: Confirmation::Original,
        shipment_number: String::new(),
        dc_code: None,
        ship_from_name: None,
        ship_from: Address::default(),
        shipment_type: None,
        ship_date: None,
        estimated_arrival: None,
        carrier_scac: None,
        tracking_number: None,
        bol_number: None,
        pallets: Vec::new(),
        cartons: Vec::new(),
    }
}

/// The HL level a segment belongs to while the 856 is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Shipment,
    Order(usize),
    Tare(usize),
    Pack(usize),
    /// Carton and item index.
    Item(usize, usize),
    /// An HL that could not be placed: what follows it is not read, so one mistake is reported once.
    Skipped,
}

struct Hl {
    parent: Option<usize>,
    level: Level,
    /// HL03 as read (`S`, `O`, `T`, `P`, `I`; empty when the HL was skipped).
    code: &'static str,
}

/// The level code's name with its article, for messages.
fn level_name(code: &str) -> &'static str {
    match code {
        "S" => "a shipment (S)",
        "O" => "an order (O)",
        "T" => "a tare/pallet (T)",
        "P" => "a pack/carton (P)",
        "I" => "an item (I)",
        _ => "an unknown level",
    }
}

/// X12 856 → a ship notice: BSN; HL levels S (TD5 carrier, REF BM/CN, DTM 011/017, N1 ST/SF with N3/N4),
/// O (PRF01 PO number), T (MAN*GM pallet SSCC), P (MAN*GM carton SSCC), I (LIN ids and LIN01 PO line, SN1
/// quantity and unit, PO4 case pack, REF*LT lot, DTM*036 expiry). 4010 files without tare levels put packs
/// under orders.
pub fn map_856(segments: &[Segment<'_>]) -> Mapped<InboundAsn> {
    let mut r = Reader::new(segments);
    let mut asn = empty_asn();
    let mut bsn = None;
    let mut hls: Vec<Hl> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut orders: Vec<(usize, Option<String>)> = Vec::new();
    let mut drafts = Drafts::default();
    let mut level = Level::Shipment;
    let mut party = String::new();
    for i in 0..r.len() {
        let tag = r.tag(i);
        match (tag.as_ref(), level) {
            ("BSN", _) => bsn = bsn.or(Some(i)),
            ("HL", _) => {
                level = hl(&mut r, i, &mut hls, &mut by_id, &mut orders, &mut drafts);
                party.clear();
            }
            ("DTM", Level::Shipment) => match r.value(i, 1, 0).as_str() {
                "011" => asn.ship_date = asn.ship_date.or(r.x12_stamp(i, 2, 3, 4, "the ship date")),
                "017" => asn.estimated_arrival = asn.estimated_arrival.or(r.x12_stamp(i, 2, 3, 4, "the estimated delivery")),
                _ => {}
            },
            ("DTM", Level::Item(c, k)) if r.value(i, 1, 0) == "036" => drafts.cartons[c].items[k].expiry = r.date(i, 2, "the expiry date"),
            ("TD5", Level::Shipment) => {
                if r.value(i, 2, 0) == "2" {
                    asn.carrier_scac = asn.carrier_scac.take().or_else(|| r.opt(i, 3, 0));
                }
                let method = r.value(i, 4, 0);
                if let Some(&(_, t)) = TRANSPORT_METHODS.iter().find(|(m, _)| *m == method) {
                    asn.shipment_type = Some(t);
                }
            }
            ("REF", Level::Shipment) => match r.value(i, 1, 0).as_str() {
                "BM" => asn.bol_number = asn.bol_number.take().or_else(|| r.opt(i, 2, 0)),
                "CN" => asn.tracking_number = asn.tracking_number.take().or_else(|| r.opt(i, 2, 0)),
                _ => {}
            },
            ("REF", Level::Item(c, k)) if r.value(i, 1, 0) == "LT" => drafts.cartons[c].items[k].lot = r.opt(i, 2, 0),
            ("N1", Level::Shipment) => {
                party = r.value(i, 1, 0);
                match party.as_str() {
                    "ST" => asn.dc_code = r.opt(i, 4, 0).or_else(|| r.opt(i, 2, 0)),
                    "SF" => asn.ship_from_name = r.opt(i, 2, 0),
                    _ => {}
                }
            }
            ("N3", Level::Shipment) if party == "SF" => {
                asn.ship_from.line1 = r.value(i, 1, 0);
                asn.ship_from.line2 = r.value(i, 2, 0);
            }
            ("N4", Level::Shipment) if party == "SF" => {
                asn.ship_from.city = r.value(i, 1, 0);
                asn.ship_from.region = r.value(i, 2, 0);
                asn.ship_from.postal_code = r.value(i, 3, 0);
                asn.ship_from.country = r.value(i, 4, 0);
            }
            ("PRF", Level::Order(o)) => orders[o].1 = r.required(i, 1, 0, "the PO number"),
            ("MAN", Level::Tare(_) | Level::Pack(_)) if r.value(i, 1, 0) == "GM" => {
                let sscc = r.sscc(i, 2, 0);
                match level {
                    Level::Tare(p) => drafts.pallets[p] = drafts.pallets[p].take().or(sscc),
                    Level::Pack(c) => drafts.cartons[c].sscc = drafts.cartons[c].sscc.take().or(sscc),
                    _ => {}
                }
            }
            ("MAN", Level::Shipment | Level::Order(_) | Level::Item(..)) if r.value(i, 1, 0) == "GM" => {
                r.error(i, Some(1), None, Rule::UnexpectedSegment, "an SSCC (MAN*GM) belongs to a tare (T) or pack (P) level, not here")
            }
            ("LIN", Level::Item(c, k)) => {
                let item = &mut drafts.cartons[c].items[k];
                let first = r.value(i, 1, 0);
                // LIN01 carries the PO line (PO101) in ACORN's 856; a non-numeric LIN01 is only a sequence.
                item.line_no = first.parse::<i64>().ok();
                item.ids = r.x12_ids(i, 2, &mut item.lot);
                item.at = i;
            }
            ("SN1", Level::Item(c, k)) => {
                let item = &mut drafts.cartons[c].items[k];
                item.quantity = r.required(i, 2, 0, "the shipped quantity").and_then(|_| r.whole(i, 2, 0, "the shipped quantity"));
                item.unit = r.unit(i, 3, 0);
                item.quantity_at = (i, 3, 0);
            }
            ("PO4", Level::Item(c, k)) => drafts.cartons[c].items[k].pack = r.whole(i, 1, 0, "the case pack (eaches per case)"),
            _ => {}
        }
    }
    let Some(b) = bsn else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the set has no BSN segment, so the shipment has no number");
        return Err(r.into_errors());
    };
    asn.shipment_number = r.required(b, 2, 0, "the shipment identification").unwrap_or_default();
    asn.purpose = match r.value(b, 1, 0).as_str() {
        "00" => Confirmation::Original,
        "05" => Confirmation::Replace,
        other => {
            r.error(
                b,
                Some(1),
                None,
                Rule::InvalidCode,
                format!("purpose `{other}` is not one ACORN takes (00 original, 05 replace); cancel a shipment in ACORN"),
            );
            Confirmation::Original
        }
    };
    for (at, po) in &orders {
        if po.is_none() && !r.is(*at, "PRF") {
            r.error(*at, None, None, Rule::MandatorySegmentMissing, "the order level (HL O) has no PRF segment, so its items name no PO");
        }
    }
    for carton in &mut drafts.cartons {
        for item in &mut carton.items {
            item.po_number = item.order.and_then(|o| orders.get(o)).and_then(|(_, po)| po.clone());
        }
    }
    if drafts.cartons.is_empty() {
        r.error(b, None, None, Rule::MandatorySegmentMissing, "the notice has no pack (P) level; ACORN needs the cartons with what each holds");
    }
    let (pallets, cartons) = drafts.assemble(&mut r);
    asn.pallets = pallets;
    asn.cartons = cartons;
    r.finish(asn)
}

/// Reads one HL and places it under its parent; the level the following segments belong to. Every HL is
/// registered, a skipped one too, so its children are skipped quietly instead of reported again.
fn hl(
    r: &mut Reader<'_, '_>,
    i: usize,
    hls: &mut Vec<Hl>,
    by_id: &mut HashMap<String, usize>,
    orders: &mut Vec<(usize, Option<String>)>,
    drafts: &mut Drafts,
) -> Level {
    let id = r.required(i, 1, 0, "the hierarchical ID");
    let (parent, level, code) = place(r, i, hls, by_id, orders, drafts);
    if let Some(id) = id {
        by_id.insert(id, hls.len());
    }
    hls.push(Hl { parent, level, code });
    level
}

/// The parent, level and level code of HL `i`, or [`Level::Skipped`] with the reason recorded.
fn place(
    r: &mut Reader<'_, '_>,
    i: usize,
    hls: &[Hl],
    by_id: &HashMap<String, usize>,
    orders: &mut Vec<(usize, Option<String>)>,
    drafts: &mut Drafts,
) -> (Option<usize>, Level, &'static str) {
    let skipped = |parent| (parent, Level::Skipped, "");
    let parent = match r.opt(i, 2, 0) {
        Some(p) => match by_id.get(&p) {
            Some(&k) => Some(k),
            None => {
                r.error(i, Some(2), None, Rule::HierarchyParent, format!("parent {p} is not the ID (HL01) of an earlier HL"));
                return skipped(None);
            }
        },
        None => None,
    };
    let code = r.value(i, 3, 0);
    let (code, allowed): (&'static str, &[&str]) = match code.as_str() {
        "S" => ("S", &[""]),
        "O" => ("O", &["S"]),
        "T" => ("T", &["O", "S"]),
        "P" => ("P", &["O", "T"]),
        "I" => ("I", &["P"]),
        other => {
            r.error(i, Some(3), None, Rule::InvalidCode, format!("level `{other}` is not one ACORN reads (S shipment, O order, T tare, P pack, I item)"));
            return skipped(parent);
        }
    };
    let parent_hl = parent.and_then(|k| hls.get(k));
    if parent_hl.is_some_and(|p| p.level == Level::Skipped) {
        return skipped(parent);
    }
    let parent_code = parent_hl.map_or("", |p| p.code);
    if !allowed.contains(&parent_code) {
        let under = if parent_code.is_empty() { "no parent".to_string() } else { level_name(parent_code).to_string() };
        let hint = match code {
            "I" => "; ACORN needs items inside the pack (carton) they ship in",
            "P" => "; a carton hangs under its order or its pallet",
            _ => "",
        };
        r.error(i, Some(2), None, Rule::HierarchyParent, format!("{} sits under {under}{hint}", level_name(code)));
        return skipped(parent);
    }
    let level = match (code, parent_hl.map(|p| p.level)) {
        ("S", _) => Level::Shipment,
        ("O", _) => {
            orders.push((i, None));
            Level::Order(orders.len() - 1)
        }
        ("T", _) => {
            drafts.pallets.push(None);
            Level::Tare(drafts.pallets.len() - 1)
        }
        ("P", parent_level) => {
            let pallet = match parent_level {
                Some(Level::Tare(p)) => Some(p),
                _ => None,
            };
            drafts.cartons.push(CartonDraft { at: i, sscc: None, pallet, items: Vec::new() });
            Level::Pack(drafts.cartons.len() - 1)
        }
        (_, Some(Level::Pack(c))) => {
            let mut item = ItemDraft::new(i);
            item.order = order_of(hls, parent);
            drafts.cartons[c].items.push(item);
            Level::Item(c, drafts.cartons[c].items.len() - 1)
        }
        _ => return skipped(parent),
    };
    (parent, level, code)
}

/// The order an HL descends from (walking up at most as many levels as there are).
fn order_of(hls: &[Hl], mut at: Option<usize>) -> Option<usize> {
    for _ in 0..hls.len() {
        let hl = hls.get(at?)?;
        if let Level::Order(o) = hl.level {
            return Some(o);
        }
        at = hl.parent;
    }
    None
}

/// A DESADV package (CPS) as read.
struct Package {
    at: usize,
    parent: Option<usize>,
    sscc: Option<Sscc>,
    items: Vec<ItemDraft>,
}

/// EDIFACT DESADV D.96A → a ship notice: BGM (number, function 9 original / 5 replace), DTM 11 (despatch), 17 or
/// 132 (estimated arrival), RFF ON (default PO) / BM / CN, NAD DP or ST (DC) and SF (ship-from), TDT carrier
/// (C040 with agency 182: SCAC); CPS packages with GIN+BJ (SSCC) before their lines; LIN (C212), PIA, QTY+12
/// (despatched, unit), QTY+52 or 59 (case pack), RFF+ON / LI (PO, PO line), GIN+BX (batch = lot), DTM 36 or 361
/// (expiry). A package holding lines is a carton; the package it hangs under is its pallet, unless that is the
/// consignment itself (the root CPS without an SSCC).
pub fn map_desadv(segments: &[Segment<'_>]) -> Mapped<InboundAsn> {
    let mut r = Reader::new(segments);
    let mut asn = empty_asn();
    let mut bgm = None;
    let mut default_po: Option<String> = None;
    let mut packages: Vec<Package> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for i in 0..r.len() {
        let tag = r.tag(i);
        let item = packages.last_mut().and_then(|p| p.items.last_mut());
        match tag.as_ref() {
            "BGM" => bgm = bgm.or(Some(i)),
            "DTM" => {
                let Some((qualifier, stamp)) = r.edifact_dtm(i) else { continue };
                match (qualifier.as_str(), item) {
                    ("36" | "361", Some(item)) => item.expiry = Some(stamp.date),
                    ("11", None) => asn.ship_date = asn.ship_date.or(Some(stamp)),
                    ("17" | "132", None) => asn.estimated_arrival = asn.estimated_arrival.or(Some(stamp)),
                    _ => {}
                }
            }
            "RFF" => {
                let qualifier = r.value(i, 1, 1);
                match (qualifier.as_str(), item) {
                    ("ON", Some(item)) => item.po_number = r.opt(i, 1, 2),
                    ("LI", Some(item)) => item.line_no = r.whole(i, 1, 2, "the PO line number"),
                    ("ON", None) => default_po = default_po.or_else(|| r.opt(i, 1, 2)),
                    ("BM", None) => asn.bol_number = asn.bol_number.take().or_else(|| r.opt(i, 1, 2)),
                    ("CN", None) => asn.tracking_number = asn.tracking_number.take().or_else(|| r.opt(i, 1, 2)),
                    _ => {}
                }
            }
            "NAD" => match r.value(i, 1, 0).as_str() {
                "DP" | "ST" => asn.dc_code = asn.dc_code.take().or_else(|| r.opt(i, 2, 1)),
                "SF" => {
                    asn.ship_from_name = r.opt(i, 4, 1);
                    asn.ship_from.line1 = r.value(i, 5, 1);
                    asn.ship_from.line2 = r.value(i, 5, 2);
                    asn.ship_from.city = r.value(i, 6, 0);
                    asn.ship_from.region = r.value(i, 7, 1);
                    asn.ship_from.postal_code = r.value(i, 8, 0);
                    asn.ship_from.country = r.value(i, 9, 0);
                }
                _ => {}
            },
            "TDT" if r.value(i, 5, 3) == "182" => asn.carrier_scac = asn.carrier_scac.take().or_else(|| r.opt(i, 5, 1)),
            "CPS" => {
                let id = r.required(i, 1, 0, "the package number");
                let parent = match r.opt(i, 2, 0) {
                    Some(p) => {
                        let found = by_id.get(&p).copied();
                        if found.is_none() {
                            r.error(i, Some(2), None, Rule::HierarchyParent, format!("parent package {p} is not the number of an earlier CPS"));
                        }
                        found
                    }
                    None => None,
                };
                if let Some(id) = id {
                    by_id.insert(id, packages.len());
                }
                packages.push(Package { at: i, parent, sscc: None, items: Vec::new() });
            }
            "GIN" => match (r.value(i, 1, 0).as_str(), item) {
                ("BX", Some(item)) => item.lot = r.opt(i, 2, 1),
                ("BJ", Some(_)) => r.error(
                    i,
                    Some(1),
                    None,
                    Rule::SegmentOutOfOrder,
                    "an SSCC (GIN+BJ) after a line; ACORN reads SSCCs at package level, before the package's lines (CPS, PAC, PCI, GIN+BJ, then LIN)",
                ),
                ("BJ", None) => match packages.len().checked_sub(1) {
                    Some(last) => {
                        let sscc = r.sscc(i, 2, 1);
                        let package = &mut packages[last];
                        package.sscc = package.sscc.take().or(sscc);
                    }
                    None => r.error(i, Some(1), None, Rule::SegmentOutOfOrder, "an SSCC (GIN+BJ) before any package (CPS)"),
                },
                _ => {}
            },
            "LIN" => match packages.last_mut() {
                Some(package) => {
                    let mut draft = ItemDraft::new(i);
                    r.edifact_ids(i, 3, &mut draft.ids);
                    package.items.push(draft);
                }
                None => r.error(i, None, None, Rule::SegmentOutOfOrder, "a line before any package (CPS); ACORN needs each line in the carton it ships in"),
            },
            "PIA" => {
                if let Some(item) = item {
                    for n in 2..=6 {
                        r.edifact_ids(i, n, &mut item.ids);
                    }
                }
            }
            "QTY" => {
                let Some(item) = item else { continue };
                match r.value(i, 1, 1).as_str() {
                    "12" => {
                        item.quantity = r.required(i, 1, 2, "the despatched quantity").and_then(|_| r.whole(i, 1, 2, "the despatched quantity"));
                        item.unit = r.unit(i, 1, 3);
                        item.quantity_at = (i, 1, 3);
                    }
                    "52" | "59" => item.pack = r.whole(i, 1, 2, "the case pack (eaches per case)"),
                    "21" => {}
                    other => r.error(
                        i,
                        Some(1),
                        Some(1),
                        Rule::InvalidCode,
                        format!("QTY qualifier `{other}` is not one ACORN reads (12 despatched, 52/59 case pack, 21 ordered)"),
                    ),
                }
            }
            _ => {}
        }
    }
    let Some(b) = bgm else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the message has no BGM segment, so the shipment has no number");
        return Err(r.into_errors());
    };
    asn.shipment_number = r.required(b, 2, 1, "the despatch advice number").unwrap_or_default();
    asn.purpose = match r.value(b, 3, 0).as_str() {
        "" | "9" => Confirmation::Original,
        "5" => Confirmation::Replace,
        other => {
            r.error(
                b,
                Some(3),
                None,
                Rule::InvalidCode,
                format!("function `{other}` is not one ACORN takes (9 original, 5 replace); cancel a shipment in ACORN"),
            );
            Confirmation::Original
        }
    };
    let drafts = packages_to_drafts(&mut r, packages, default_po.as_deref());
    if drafts.cartons.is_empty() {
        r.error(b, None, None, Rule::MandatorySegmentMissing, "the notice has no package (CPS) with lines; ACORN needs the cartons with what each holds");
    }
    let (pallets, cartons) = drafts.assemble(&mut r);
    asn.pallets = pallets;
    asn.cartons = cartons;
    r.finish(asn)
}

/// Packages with lines are cartons; the package a carton hangs under is its pallet unless it is the consignment
/// (a root package without an SSCC).
fn packages_to_drafts(r: &mut Reader<'_, '_>, packages: Vec<Package>, default_po: Option<&str>) -> Drafts {
    let holds_items: Vec<bool> = packages.iter().map(|p| !p.items.is_empty()).collect();
    let is_pallet: Vec<bool> = packages.iter().enumerate().map(|(k, p)| !holds_items[k] && (p.parent.is_some() || p.sscc.is_some())).collect();
    let mut drafts = Drafts::default();
    let mut pallet_of: HashMap<usize, usize> = HashMap::new();
    let ssccs: Vec<Option<Sscc>> = packages.iter().map(|p| p.sscc.clone()).collect();
    for package in packages {
        if package.items.is_empty() {
            continue;
        }
        let pallet = match package.parent {
            Some(p) if holds_items.get(p) == Some(&true) => {
                r.error(
                    package.at,
                    Some(2),
                    None,
                    Rule::HierarchyParent,
                    "a package holding lines inside another package holding lines; ACORN reads cartons on pallets",
                );
                None
            }
            Some(p) if is_pallet.get(p) == Some(&true) => Some(*pallet_of.entry(p).or_insert_with(|| {
                drafts.pallets.push(ssccs.get(p).cloned().flatten());
                drafts.pallets.len() - 1
            })),
            _ => None,
        };
        let mut items = package.items;
        for item in &mut items {
            if item.po_number.is_none() {
                item.po_number = default_po.map(str::to_string);
                if item.po_number.is_none() {
                    r.error(item.at, None, None, Rule::MandatorySegmentMissing, "no order number (RFF+ON) for this line or the message");
                }
            }
        }
        drafts.cartons.push(CartonDraft { at: package.at, sscc: package.sscc, pallet, items });
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testing::*;
    use acorn_domain::gs1::Gtin;

    fn sscc(s: &str) -> Option<Sscc> {
        Some(Sscc::parse(s).unwrap())
    }

    // SSCCs of GS1 company prefix 0614141: extension 0/1, serials, check digits computed.
    const PALLET: &str = "006141410000000012";
    const CARTON_1: &str = "006141410000000029";
    const CARTON_2: &str = "006141410000000036";

    fn x12_5010() -> String {
        format!(
            "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261128*0915*^*00501*000000201*0*P*>~
GS*SH*ACMEWIDGETS*ACORN*20261128*0915*201*X*005010~
ST*856*0001~
BSN*00*ASN-20261128-01*20261128*0915*0001~
HL*1**S~
TD1*CTN25*2****G*48.2*LB~
TD5**2*UPSN*M~
REF*BM*BOL778812~
REF*CN*1Z999AA10123456784~
DTM*011*20261128*0900*ES~
DTM*017*20261201~
N1*ST*ACORN RENO DC*92*RNO4~
N1*SF*ACME WIDGETS INC~
N3*100 INDUSTRIAL WAY*DOCK 4~
N4*SPARKS*NV*89431*US~
HL*2*1*O~
PRF*4XK92P7Q***20261120~
HL*3*2*T~
MAN*GM*{PALLET}~
HL*4*3*P~
MAN*GM*{CARTON_1}~
HL*5*4*I~
LIN*1*UP*614141000012*VN*WID-1~
SN1**24*EA~
REF*LT*L2026-11A~
DTM*036*20280131~
HL*6*3*P~
MAN*GM*{CARTON_2}~
HL*7*6*I~
LIN*1*UP*614141000012~
SN1**12*EA~
HL*8*6*I~
LIN*2*UP*614141000029~
SN1**1*CA~
PO4*12~
CTT*8~
SE*34*0001~
GE*1*201~
IEA*1*000000201~
"
        )
    }

    #[test]
    fn a_5010_856_with_pallet_and_cartons() {
        let input = x12_5010();
        let all = segments(&input);
        let asn = map_856(first_set(&all)).unwrap();
        assert_eq!((asn.purpose, asn.shipment_number.as_str()), (Confirmation::Original, "ASN-20261128-01"));
        assert_eq!(asn.dc_code.as_deref(), Some("RNO4"));
        assert_eq!(asn.ship_from_name.as_deref(), Some("ACME WIDGETS INC"));
        assert_eq!((asn.ship_from.line1.as_str(), asn.ship_from.city.as_str(), asn.ship_from.country.as_str()), ("100 INDUSTRIAL WAY", "SPARKS", "US"));
        assert_eq!(
            (asn.carrier_scac.as_deref(), asn.bol_number.as_deref(), asn.tracking_number.as_deref()),
            (Some("UPSN"), Some("BOL778812"), Some("1Z999AA10123456784"))
        );
        assert_eq!(asn.ship_date.unwrap().utc().unwrap().to_rfc3339(), "2026-11-28T14:00:00+00:00", "09:00 Eastern Standard");
        assert_eq!(asn.estimated_arrival.unwrap().date.to_string(), "2026-12-01");
        assert_eq!(asn.pallets, [sscc(PALLET)]);
        assert_eq!(asn.cartons.len(), 2);
        let (c1, c2) = (&asn.cartons[0], &asn.cartons[1]);
        assert_eq!((c1.sscc.clone(), c1.pallet), (sscc(CARTON_1), Some(1)));
        assert_eq!((c2.sscc.clone(), c2.pallet), (sscc(CARTON_2), Some(1)));
        let i = &c1.items[0];
        assert_eq!((i.po_number.as_str(), i.line_no, i.quantity), ("4XK92P7Q", Some(1), 24));
        assert_eq!(i.item.gtin, Gtin::parse("614141000012").ok());
        assert_eq!(i.item.vendor_sku.as_deref(), Some("WID-1"));
        assert_eq!((i.lot.as_deref(), i.expiry.map(|d| d.to_string())), (Some("L2026-11A"), Some("2028-01-31".into())));
        assert_eq!(c2.items.iter().map(|i| (i.line_no, i.quantity)).collect::<Vec<_>>(), [(Some(1), 12), (Some(2), 12)], "1 case of 12");
        let inputs = asn.carton_inputs(|_, _| None).unwrap();
        assert_eq!((inputs[0].sscc.as_deref(), inputs[0].pallet, inputs[0].items[0].quantity), (Some(CARTON_1), Some(1), 24));
        assert_eq!(asn.pallet_inputs(), [Some(PALLET.to_string())]);
    }

    #[test]
    fn a_4010_856_without_tare_and_a_carton_shared_by_two_pos() {
        let input = format!(
            "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261128*0915*U*00401*000000202*0*P*>~GS*SH*ACMEWIDGETS*ACORN*20261128*0915*202*X*004010~ST*856*0002~BSN*05*ASN-77*20261128*0915~HL*1**S~N1*ST**92*RNO4~HL*2*1*O~PRF*4XK92P7Q~HL*3*2*P~MAN*GM*{CARTON_1}~HL*4*3*I~LIN**BP*B00EXAMPLE~SN1**6*EA~HL*5*1*O~PRF*7TQ3M2ZA~HL*6*5*P~MAN*GM*{CARTON_1}~HL*7*6*I~LIN*3*UP*614141000029~SN1**2*EA~SE*19*0002~GE*1*202~IEA*1*000000202~"
        );
        let all = segments(&input);
        let asn = map_856(first_set(&all)).unwrap();
        assert_eq!(asn.purpose, Confirmation::Replace);
        assert!(asn.pallets.is_empty());
        assert_eq!(asn.cartons.len(), 1, "one SSCC is one carton");
        let items: Vec<_> = asn.cartons[0].items.iter().map(|i| (i.po_number.as_str(), i.line_no, i.quantity)).collect();
        assert_eq!(items, [("4XK92P7Q", None, 6), ("7TQ3M2ZA", Some(3), 2)]);
        assert_eq!(asn.cartons[0].pallet, None);
        let err = asn.carton_inputs(|_, _| None).unwrap_err();
        assert_eq!(err[0].to_string(), "LIN (segment 10): PO 4XK92P7Q has no line for item B00EXAMPLE; send the PO line number (LIN01 / RFF+LI)");
        let inputs = asn.carton_inputs(|po, ids| (po == "4XK92P7Q" && ids.buyer_item_id.as_deref() == Some("B00EXAMPLE")).then_some(7)).unwrap();
        assert_eq!(inputs[0].items[0].line_no, 7);
    }

    #[test]
    fn bad_ssccs_missing_prf_and_misplaced_items_are_located() {
        let bad_carton = format!("{}9", &CARTON_2[..17]);
        let input = x12_5010()
            .replace(&format!("MAN*GM*{CARTON_2}"), &format!("MAN*GM*{bad_carton}"))
            .replace("PRF*4XK92P7Q***20261120~", "")
            .replace("HL*8*6*I~", "HL*8*2*I~");
        let all = segments(&input);
        let errors = map_856(first_set(&all)).unwrap_err();
        let text = messages(&errors);
        assert!(text.contains(&format!("MAN02 (segment 25): SSCC {bad_carton} has check digit 9, but the digits before it give 6; a digit is probably mistyped, so compare it with the label")), "{text:?}");
        assert!(text.contains(&"HL (segment 14): the order level (HL O) has no PRF segment, so its items name no PO".to_string()), "{text:?}");
        assert!(
            text.contains(&"HL02 (segment 29): an item (I) sits under an order (O); ACORN needs items inside the pack (carton) they ship in".to_string()),
            "{text:?}"
        );
        assert_eq!(errors.iter().find(|e| e.at.tag == "MAN").unwrap().rule, Rule::CheckDigit);
    }

    const DESADV: &str = "UNA:+.? '
UNB+UNOC:3+4012345000009:14+5450534000024:14+261128:0915+88'
UNH+1+DESADV:D:96A:UN'
BGM+351+DSP-20261128-7+9'
DTM+137:20261128:102'
DTM+11:202611280900:203'
DTM+132:20261202:102'
RFF+ON:4XK92P7Q'
RFF+BM:BOL990'
NAD+DP+RNO4::92'
NAD+SF+4012345000009::9++ACME EU GMBH+WERKSTRASSE 5+KOELN++50667+DE'
TDT+20++30++DHLX::182'
CPS+1'
CPS+2+1'
PAC+1++201'
PCI+33E'
GIN+BJ+006141410000000012'
CPS+3+2'
PAC+1++CT'
PCI+33E'
GIN+BJ+006141410000000029'
LIN+1++0614141000012:EN'
PIA+1+WID-1:SA'
QTY+12:24:PCE'
RFF+LI:1'
PCI+36E'
DTM+36:20280131:102'
GIN+BX+L2026-11A'
LIN+2++0614141000029:EN'
QTY+12:2:CS'
QTY+52:6'
RFF+ON:7TQ3M2ZA'
UNT+30+1'
UNZ+1+88'
";

    #[test]
    fn a_desadv_with_pallet_carton_and_lines() {
        let all = segments(DESADV);
        let asn = map_desadv(first_set(&all)).unwrap();
        assert_eq!((asn.shipment_number.as_str(), asn.purpose), ("DSP-20261128-7", Confirmation::Original));
        assert_eq!((asn.dc_code.as_deref(), asn.carrier_scac.as_deref(), asn.bol_number.as_deref()), (Some("RNO4"), Some("DHLX"), Some("BOL990")));
        assert_eq!((asn.ship_from_name.as_deref(), asn.ship_from.city.as_str(), asn.ship_from.postal_code.as_str()), (Some("ACME EU GMBH"), "KOELN", "50667"));
        let ship = asn.ship_date.unwrap();
        assert_eq!((ship.local().to_string(), ship.utc()), ("2026-11-28 09:00:00".into(), None), "format 203 has no zone");
        assert_eq!(asn.pallets, [sscc(PALLET)]);
        assert_eq!(asn.cartons.len(), 1);
        let carton = &asn.cartons[0];
        assert_eq!((carton.sscc.clone(), carton.pallet), (sscc(CARTON_1), Some(1)));
        let i = &carton.items[0];
        assert_eq!((i.po_number.as_str(), i.line_no, i.quantity, i.item.vendor_sku.as_deref()), ("4XK92P7Q", Some(1), 24, Some("WID-1")));
        assert_eq!((i.lot.as_deref(), i.expiry.map(|d| d.to_string())), (Some("L2026-11A"), Some("2028-01-31".into())));
        let j = &carton.items[1];
        assert_eq!((j.po_number.as_str(), j.line_no, j.quantity), ("7TQ3M2ZA", None, 12));
    }

    #[test]
    fn desadv_errors_are_located() {
        let input = DESADV.replace("RFF+ON:4XK92P7Q'\n", "").replace("QTY+12:24:PCE'", "QTY+12:24:KGM'").replace("0614141000029:EN", "0614141000028:EN");
        let all = segments(&input);
        let text = messages(&map_desadv(first_set(&all)).unwrap_err());
        assert!(text.iter().any(|m| m.starts_with("QTY01-3 (segment 21): unit `KGM` is not one ACORN counts in")), "{text:?}");
        assert!(text.iter().any(|m| m.starts_with("LIN03-1 (segment 26): GTIN 0614141000028 has check digit 8")), "{text:?}");
        assert!(text.contains(&"LIN (segment 19): no order number (RFF+ON) for this line or the message".to_string()), "{text:?}");
    }
}
