//! Mapping between EDI sets and ACORN's documents, both ways.
//!
//! Inbound mappers ([`ack`], [`asn`], [`invoice`], [`inventory`]) take the segments of one set — header to
//! trailer, as [`set_segments`] cuts them from a tokenised interchange — and translate them into plain structs
//! whose fields are what the service layer takes from the portal and the API (`AckLineInput`, `CartonInput`,
//! `Adjustment`, `Gtin`, `Sscc`, money as `Decimal`). They translate, they do not judge: the business rules
//! (a quantity may only go down, an ASN ships acknowledged units…) belong to the service, which applies them the
//! same way whatever the channel. What cannot be translated — an unknown code, a missing PO number, a quantity
//! that is not a number, a GTIN whose check digit is wrong — comes back as [`MapError`]s, all of them at once,
//! each naming the segment position, tag and element, so one reply tells the partner everything to fix.
//!
//! Outbound mappers ([`po`], [`remittance`]) take ACORN's documents and write whole sets with the canonical
//! [`Writer`], which computes every count and control number in the trailers.
//!
//! The code tables (ACK01, SAC, units, qualifiers) live beside the mapper that reads them and are documented
//! in `docs/edi-mapping.md`.

pub mod ack;
pub mod asn;
pub mod inventory;
pub mod invoice;
pub mod po;
mod read;
pub mod remittance;

use std::fmt;

use acorn_domain::gs1::Gtin;
use acorn_domain::orders::QuantityUnit;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

use crate::envelope::SetInfo;
use crate::report::{Finding, Location, Rule, Scope};
use crate::segment::Segment;
use crate::syntax::{Delimiters, Standard};
use crate::writer::{GroupHeader, InterchangeHeader, WriteError, Writer};

pub use ack::{AckCoverage, AckSet, InboundAck, LineStatus, map_855, map_865, map_ordrsp};
pub use asn::{AsnCarton, AsnItem, InboundAsn, map_856, map_desadv};
pub use inventory::{InboundInventory, StockItem, map_846};
pub use invoice::{InboundInvoice, InboundInvoiceLine, map_810, map_invoic};
pub use po::{LineChange, LineChangeKind, PoChangeDocument, PoDocument, write_850, write_860, write_ordchg, write_orders};
pub use remittance::{PaymentMethod, RemittanceDocument, RemittanceEntry, write_820};

/// Where a segment is: its position in the set (the header counts as 1, as AK3/IK3 report it), its index and
/// byte offset in the whole input, and its tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SegmentRef {
    pub position: usize,
    pub index: usize,
    pub offset: usize,
    pub tag: String,
}

impl SegmentRef {
    pub(crate) fn of(seg: &Segment<'_>, position: usize) -> SegmentRef {
        SegmentRef { position, index: seg.index(), offset: seg.offset(), tag: seg.tag_str().into_owned() }
    }
}

/// Something in a set that cannot be translated into ACORN's document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapError {
    pub at: SegmentRef,
    /// 1-based element number (`LIN03` → 3).
    pub element: Option<usize>,
    /// 1-based component of a composite element.
    pub component: Option<usize>,
    /// The engine rule closest to the problem, so the error can travel in a 997/999/CONTRL like any finding.
    pub rule: Rule,
    pub message: String,
}

impl MapError {
    pub(crate) fn new(at: SegmentRef, element: Option<usize>, component: Option<usize>, rule: Rule, message: impl Into<String>) -> MapError {
        MapError { at, element, component, rule, message: message.into() }
    }

    /// The error as a finding of the set it was found in (for acknowledgements and the EDI log).
    pub fn to_finding(&self, set: Option<&SetInfo>) -> Finding {
        let location = Location {
            set: set.map(|s| s.control.to_string()),
            set_id: set.map(|s| s.id.to_string()),
            segment_position: Some(self.at.position),
            segment_index: Some(self.at.index),
            segment_tag: Some(self.at.tag.clone()),
            element: self.element,
            component: self.component,
            offset: Some(self.at.offset),
            ..Location::default()
        };
        Finding::error(Scope::Set, self.rule, location, self.message.clone())
    }
}

impl fmt::Display for MapError {
    /// `LIN03 (segment 23): GTIN 0123 has 4 digits; …` — the element as partners' guides name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.at.tag)?;
        if let Some(e) = self.element {
            write!(f, "{e:02}")?;
            if let Some(c) = self.component {
                write!(f, "-{c}")?;
            }
        }
        write!(f, " (segment {}): {}", self.at.position, self.message)
    }
}

impl std::error::Error for MapError {}

/// A mapping's result: the document, or every reason it could not be translated.
pub type Mapped<T> = Result<T, Vec<MapError>>;

/// The segments of one set (header to trailer) out of all the segments of an input, as the envelope found them.
/// Never panics: a `SetInfo` from another input yields whatever part of the range exists.
pub fn set_segments<'s, 'a>(segments: &'s [Segment<'a>], set: &SetInfo) -> &'s [Segment<'a>] {
    let start = set.first_index.min(segments.len());
    let end = start.saturating_add(set.segments).min(segments.len());
    &segments[start..end]
}

/// Any inbound document ACORN maps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Inbound {
    Ack(InboundAck),
    Asn(InboundAsn),
    Invoice(InboundInvoice),
    Inventory(InboundInventory),
}

/// Maps one inbound set, choosing the mapper from its header (`ST01` / `UNH` message type).
pub fn map_inbound(segments: &[Segment<'_>]) -> Mapped<Inbound> {
    let Some(header) = segments.first() else {
        return Err(vec![MapError::new(SegmentRef::default(), None, None, Rule::MandatorySegmentMissing, "the set has no segments")]);
    };
    let at = || SegmentRef::of(header, 1);
    let id = if header.is("ST") {
        header.text(1).trim().to_string()
    } else if header.is("UNH") {
        header.element(2).and_then(|e| e.component(1)).map(|c| c.text().trim().to_string()).unwrap_or_default()
    } else {
        return Err(vec![MapError::new(at(), None, None, Rule::EnvelopeStructure, format!("a set starts with ST or UNH, not {}", header.tag_str()))]);
    };
    match id.as_str() {
        "855" => map_855(segments).map(Inbound::Ack),
        "865" => map_865(segments).map(Inbound::Ack),
        "ORDRSP" => map_ordrsp(segments).map(Inbound::Ack),
        "856" => map_856(segments).map(Inbound::Asn),
        "DESADV" => map_desadv(segments).map(Inbound::Asn),
        "810" => map_810(segments).map(Inbound::Invoice),
        "INVOIC" => map_invoic(segments).map(Inbound::Invoice),
        "846" => map_846(segments).map(Inbound::Inventory),
        other => Err(vec![MapError::new(
            at(),
            Some(if header.is("ST") { 1 } else { 2 }),
            None,
            Rule::UnsupportedSet,
            format!("ACORN does not take {other:?} in; it takes 855, 865, 856, 810, 846, ORDRSP, DESADV and INVOIC"),
        )]),
    }
}

/// How an item is identified in a document: the GTIN (UPC, EAN, GTIN-14, ISBN-13 all normalise to one), the
/// retailer's item id (ASIN-like, X12 `BP`) and the vendor's SKU (`VN`/`VP`, EDIFACT `SA`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemIds {
    pub gtin: Option<Gtin>,
    pub buyer_item_id: Option<String>,
    pub vendor_sku: Option<String>,
}

impl ItemIds {
    pub fn is_empty(&self) -> bool {
        self.gtin.is_none() && self.buyer_item_id.is_none() && self.vendor_sku.is_none()
    }

    /// One identifier for the service's item look-up ("vendor SKU, GTIN or retailer item id"): the GTIN when
    /// there is one (it is unambiguous across vendors), else the SKU, else the retailer's id.
    pub fn key(&self) -> Option<String> {
        self.gtin.as_ref().map(|g| g.as_str().to_string()).or_else(|| self.vendor_sku.clone()).or_else(|| self.buyer_item_id.clone())
    }
}

impl fmt::Display for ItemIds {
    /// `GTIN 00614141000012, item B00EXAMPLE, SKU WID-1` (whatever is known), for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(g) = &self.gtin {
            parts.push(format!("GTIN {g}"));
        }
        if let Some(b) = &self.buyer_item_id {
            parts.push(format!("item {b}"));
        }
        if let Some(s) = &self.vendor_sku {
            parts.push(format!("SKU {s}"));
        }
        if parts.is_empty() { f.write_str("an item without identifiers") } else { f.write_str(&parts.join(", ")) }
    }
}

/// Unit-of-measure codes ACORN counts in (X12 355 and UN/ECE Recommendation 20 share these spellings). Anything
/// else (pounds, pallets as a unit, dozens) is refused rather than guessed.
pub const UNIT_CODES: &[(&str, QuantityUnit)] = &[
    ("EA", QuantityUnit::Eaches),
    ("UN", QuantityUnit::Eaches),
    ("PC", QuantityUnit::Eaches),
    ("PCE", QuantityUnit::Eaches),
    ("C62", QuantityUnit::Eaches),
    ("CA", QuantityUnit::Cases),
    ("CS", QuantityUnit::Cases),
    ("CT", QuantityUnit::Cases),
];

/// The ACORN unit of a unit-of-measure code.
pub fn unit_of(code: &str) -> Option<QuantityUnit> {
    UNIT_CODES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code.trim())).map(|&(_, u)| u)
}

/// A date with the time and UTC offset the document gave, if any. Documents often give a local time without a
/// zone (X12 `DTM04` absent or `ET`, which changes with daylight saving; EDIFACT format 203); the caller, who
/// knows the DC's time zone, decides what such a time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    /// Minutes east of UTC, when the document fixed it.
    pub utc_offset_minutes: Option<i32>,
}

impl Stamp {
    pub fn local(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }

    /// The instant, when the document fixed the offset (midnight when it gave only a date).
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        let offset = FixedOffset::east_opt(self.utc_offset_minutes?.checked_mul(60)?)?;
        self.local().and_local_timezone(offset).single().map(|t| t.with_timezone(&Utc))
    }
}

/// Why an outbound document could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The document holds something the set cannot say (e.g. a discount for an invoice not on the remittance).
    #[error("{0}")]
    Data(String),
}

/// Writes one X12 interchange with one functional group holding a set per document, numbered `0001`, `0002`…
/// within the group; the delimiters are ACORN's (`* > ~`, and `^` repetition from 5010 on, by `ISA12`).
pub fn x12_interchange<T>(
    interchange: &InterchangeHeader,
    group: &GroupHeader,
    documents: &[T],
    write: impl Fn(&mut Writer, &T, &str) -> Result<(), OutboundError>,
) -> Result<Vec<u8>, OutboundError> {
    let repetition = (interchange.version.as_str() >= "00501").then_some(b'^');
    x12_interchange_with(Delimiters::x12_default(repetition), interchange, group, documents, write)
}

/// [`x12_interchange`] with the partner's own delimiters.
pub fn x12_interchange_with<T>(
    delimiters: Delimiters,
    interchange: &InterchangeHeader,
    group: &GroupHeader,
    documents: &[T],
    write: impl Fn(&mut Writer, &T, &str) -> Result<(), OutboundError>,
) -> Result<Vec<u8>, OutboundError> {
    let mut w = Writer::new(Standard::X12, delimiters, interchange)?;
    w.begin_group(group)?;
    for (i, doc) in documents.iter().enumerate() {
        write(&mut w, doc, &format!("{:04}", i + 1))?;
    }
    w.end_group()?;
    Ok(w.finish()?)
}

/// Writes one EDIFACT interchange (UNA, UNB, a message per document numbered `1`, `2`…, UNZ).
pub fn edifact_interchange<T>(
    interchange: &InterchangeHeader,
    documents: &[T],
    write: impl Fn(&mut Writer, &T, &str) -> Result<(), OutboundError>,
) -> Result<Vec<u8>, OutboundError> {
    edifact_interchange_with(Delimiters::edifact_default(), interchange, documents, write)
}

/// [`edifact_interchange`] with the partner's own delimiters.
pub fn edifact_interchange_with<T>(
    delimiters: Delimiters,
    interchange: &InterchangeHeader,
    documents: &[T],
    write: impl Fn(&mut Writer, &T, &str) -> Result<(), OutboundError>,
) -> Result<Vec<u8>, OutboundError> {
    let mut w = Writer::new(Standard::Edifact, delimiters, interchange)?;
    for (i, doc) in documents.iter().enumerate() {
        write(&mut w, doc, &(i + 1).to_string())?;
    }
    Ok(w.finish()?)
}

/// `CCYYMMDD`, the date form of X12 (from 4010) and EDIFACT format 102.
pub(crate) fn ccyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the mappers' tests: tokenise a set written as a string.

    use crate::segment::Segment;
    use crate::tokenizer::Tokenizer;

    /// All segments of `input` (which must be a whole interchange).
    pub fn segments(input: &str) -> Vec<Segment<'_>> {
        Tokenizer::new(input.as_bytes()).expect("test input is an interchange").collect()
    }

    /// The segments of the first set (ST/UNH to SE/UNT) of `all`.
    pub fn first_set<'s, 'a>(all: &'s [Segment<'a>]) -> &'s [Segment<'a>] {
        let start = all.iter().position(|s| s.is("ST") || s.is("UNH")).expect("a set header");
        let end = all.iter().position(|s| s.is("SE") || s.is("UNT")).expect("a set trailer");
        &all[start..=end]
    }

    /// The messages of a mapping's errors, as displayed.
    pub fn messages(errors: &[super::MapError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn errors_name_segment_element_and_component() {
        let e = MapError::new(SegmentRef { position: 7, index: 9, offset: 120, tag: "LIN".into() }, Some(3), None, Rule::CheckDigit, "GTIN 0123 has 4 digits");
        assert_eq!(e.to_string(), "LIN03 (segment 7): GTIN 0123 has 4 digits");
        let f = e.to_finding(None);
        assert_eq!((f.location.segment_position, f.location.element, f.rule), (Some(7), Some(3), Rule::CheckDigit));
        let c = MapError { component: Some(2), element: Some(1), ..e };
        assert!(c.to_string().starts_with("LIN01-2 (segment 7)"));
    }

    #[test]
    fn unknown_and_empty_sets_are_refused() {
        let all = segments(
            "ISA*00*          *00*          *ZZ*V              *ZZ*ACORN          *261127*1200*U*00401*000000001*0*P*>~GS*PO*V*ACORN*20261127*1200*1*X*004010~ST*830*0001~SE*2*0001~GE*1*1~IEA*1*000000001~",
        );
        let errors = map_inbound(first_set(&all)).unwrap_err();
        assert_eq!(errors[0].rule, Rule::UnsupportedSet);
        assert!(errors[0].to_string().starts_with("ST01 (segment 1): ACORN does not take \"830\" in"));
        assert_eq!(map_inbound(&[]).unwrap_err()[0].rule, Rule::MandatorySegmentMissing);
    }

    #[test]
    fn stamps_convert_only_with_an_offset() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let local = Stamp { date, time: NaiveTime::from_hms_opt(14, 30, 0), utc_offset_minutes: None };
        assert_eq!(local.utc(), None);
        let eastern = Stamp { utc_offset_minutes: Some(-300), ..local };
        assert_eq!(eastern.utc().unwrap().to_rfc3339(), "2026-11-27T19:30:00+00:00");
        assert_eq!(Stamp { utc_offset_minutes: Some(i32::MAX), ..local }.utc(), None, "an absurd offset is no instant, not a panic");
    }

    /// Values that steer the mappers into their branches (codes, qualifiers, ids, numbers at the edges).
    const VALUES: &[&str] = &[
        "",
        "1",
        "2",
        "3",
        "7",
        "S",
        "O",
        "T",
        "P",
        "I",
        "X",
        "GM",
        "EA",
        "CA",
        "CS",
        "PCE",
        "00",
        "05",
        "IA",
        "IB",
        "IR",
        "BP",
        "IS",
        "UP",
        "EN",
        "VN",
        "LT",
        "614141000012",
        "614141000013",
        "006141410000000012",
        "20261127",
        "261127",
        "1430",
        "ES",
        "ET",
        "-5",
        "1.5",
        ".5",
        "0",
        "99999999999999999999999999999",
        "12",
        "21",
        "52",
        "83",
        "ON",
        "LI",
        "BJ",
        "BX",
        "A",
        "C",
        "N",
        "D240",
        "F050",
        "ST",
        "VA",
        "ZZ",
        "011",
        "036",
        "068",
        "PE",
        "102",
        "203",
        "AAA",
        "380",
        "381",
        "47",
        "77",
        "124",
        "8",
        "VAT",
        "5",
        "22",
        "D",
        "é",
        "?",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![3 => prop::sample::select(VALUES).prop_map(str::to_string), 1 => "[0-9A-Z.,:-]{0,24}"]
    }

    fn body(tags: &'static [&'static str]) -> impl Strategy<Value = Vec<(&'static str, Vec<String>)>> {
        prop::collection::vec((prop::sample::select(tags), prop::collection::vec(value(), 0..16)), 0..40)
    }

    const X12_TAGS: &[&str] = &[
        "BAK", "BCA", "PO1", "POC", "PO4", "ACK", "DTM", "BSN", "HL", "TD5", "REF", "N1", "N3", "N4", "PRF", "MAN", "LIN", "SN1", "BIG", "CUR", "ITD", "IT1",
        "SAC", "TXI", "TDS", "BIA", "QTY", "SCH",
    ];
    const EDIFACT_TAGS: &[&str] =
        &["BGM", "DTM", "RFF", "LIN", "QTY", "PRI", "NAD", "TDT", "CPS", "GIN", "PIA", "ALC", "MOA", "TAX", "PAT", "PCD", "UNS", "CUX"];

    proptest! {
        #[test]
        fn x12_mappers_never_panic(id in prop::sample::select(&["855", "865", "856", "810", "846"][..]), body in body(X12_TAGS)) {
            let mut input = format!("ISA*00*          *00*          *ZZ*V              *ZZ*ACORN          *261127*1200*U*00401*000000001*0*P*>~ST*{id}*0001~");
            for (tag, elements) in body {
                input.push_str(tag);
                for e in elements {
                    input.push('*');
                    input.push_str(&e.replace(':', ">"));
                }
                input.push('~');
            }
            input.push_str("SE*1*0001~IEA*1*000000001~");
            let all = segments(&input);
            let _ = map_inbound(first_set(&all));
        }

        #[test]
        fn edifact_mappers_never_panic(id in prop::sample::select(&["ORDRSP", "DESADV", "INVOIC"][..]), body in body(EDIFACT_TAGS)) {
            let mut input = format!("UNB+UNOC:3+V:14+ACORN:14+261127:1200+1'UNH+1+{id}:D:96A:UN'");
            for (tag, elements) in body {
                input.push_str(tag);
                for e in elements {
                    input.push('+');
                    input.push_str(&e.replace('?', "??"));
                }
                input.push('\'');
            }
            input.push_str("UNT+1+1'UNZ+1+1'");
            let all = segments(&input);
            let _ = map_inbound(first_set(&all));
        }
    }

    #[test]
    fn item_keys_prefer_the_gtin() {
        let ids = ItemIds { gtin: None, buyer_item_id: Some("B00EXAMPLE".into()), vendor_sku: Some("WID-1".into()) };
        assert_eq!(ids.key().as_deref(), Some("WID-1"));
        assert_eq!(ids.to_string(), "item B00EXAMPLE, SKU WID-1");
        let with_gtin = ItemIds { gtin: Gtin::parse("614141000012").ok(), ..ids };
        assert_eq!(with_gtin.key().as_deref(), Some("00614141000012"));
        assert_eq!(unit_of("pce"), Some(QuantityUnit::Eaches));
        assert_eq!(unit_of("LB"), None);
    }
}
