//! Reading values out of a set for the mappers: numbers, dates, units, GS1 identifiers, item identifier pairs.
//!
//! Every reader records what it cannot translate as a [`MapError`] at the exact segment, element and component,
//! and returns `None`, so a mapper reads on and reports every problem of a set at once. The parsers are strict
//! where guessing would change the meaning (an implied-decimal amount with a decimal point, a fractional number
//! of units, a date without its century) and never panic, whatever the input.

use std::borrow::Cow;
use std::str::FromStr;

use acorn_domain::gs1::{Gtin, Sscc, check_digit};
use acorn_domain::orders::QuantityUnit;
use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{ItemIds, MapError, Mapped, SegmentRef, Stamp, unit_of};
use crate::report::Rule;
use crate::segment::Segment;

/// A decimal number as X12 `R` and EDIFACT `n` write it: an optional leading minus, digits and at most one
/// decimal mark, which may lead (`.5`). `mark` is the interchange's declared decimal mark (EDIFACT UNA3); `.` is
/// always accepted too, as ISO 9735 allows both.
pub(crate) fn parse_decimal(text: &str, mark: u8) -> Result<Decimal, String> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let is_mark = |c: char| c == '.' || c == char::from(mark);
    let marks = body.chars().filter(|c| is_mark(*c)).count();
    if body.is_empty() || marks > 1 || !body.chars().all(|c| c.is_ascii_digit() || is_mark(c)) || !body.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("`{t}` is not a number"));
    }
    let normal: String = body.chars().map(|c| if is_mark(c) { '.' } else { c }).collect();
    let normal = if normal.starts_with('.') { format!("0{normal}") } else { normal };
    let normal = normal.strip_suffix('.').unwrap_or(&normal);
    let value = Decimal::from_str(normal).map_err(|_| format!("`{t}` has more digits than an amount can hold"))?;
    Ok(if t.starts_with('-') { -value } else { value })
}

/// An X12 `N2` amount: digits with two implied decimals (`21740` is 217.40). A decimal point makes the amount
/// ambiguous (is `217.40` 217.40 or 2.1740?), so it is refused rather than guessed.
pub(crate) fn parse_implied(text: &str, scale: u32) -> Result<Decimal, String> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.contains('.') {
        return Err(format!("`{t}` has a decimal point, but this amount has {scale} implied decimals (217.40 is sent as 21740)"));
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{t}` is not a number of {} (with {scale} implied decimals)", if scale == 2 { "cents" } else { "minor units" }));
    }
    let units: i64 = body.parse().map_err(|_| format!("`{t}` has more digits than an amount can hold"))?;
    let value = Decimal::new(units, scale);
    Ok(if t.starts_with('-') { -value } else { value })
}

/// A count of units: a number with no fraction (`24`, `24.000`), within `i64`.
pub(crate) fn parse_whole(text: &str, mark: u8) -> Result<i64, String> {
    let value = parse_decimal(text, mark)?;
    if !value.fract().is_zero() {
        return Err(format!("`{}` is not a whole number of units", text.trim()));
    }
    value.to_i64().ok_or_else(|| format!("`{}` is too large", text.trim()))
}

/// `CCYYMMDD` (X12 from 4010, EDIFACT format 102).
pub(crate) fn parse_ccyymmdd(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{t}` is a date without its century (YYMMDD); dates here are CCYYMMDD"));
    }
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{t}` is not a date CCYYMMDD"));
    }
    NaiveDate::parse_from_str(t, "%Y%m%d").map_err(|_| format!("`{t}` is not a calendar date"))
}

/// `HHMM`, `HHMMSS` or `HHMMSS` followed by decimal seconds (X12 `TM`).
pub(crate) fn parse_hhmm(text: &str) -> Result<NaiveTime, String> {
    let t = text.trim();
    let bad = || format!("`{t}` is not a time HHMM or HHMMSS");
    if !(t.len() == 4 || t.len() >= 6) || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<u32>().ok()).ok_or_else(bad);
    let seconds = if t.len() >= 6 { num(4..6)? } else { 0 };
    NaiveTime::from_hms_opt(num(0..2)?, num(2..4)?, seconds).ok_or_else(bad)
}

/// X12 time codes (623) with a fixed offset, in minutes east of UTC. `ET`, `CT`, `MT`, `PT` and `LT` follow
/// daylight saving, so they name no fixed offset: the time stays local for the caller to place.
const TIME_CODES: &[(&str, Option<i32>)] = &[
    ("UT", Some(0)),
    ("GM", Some(0)),
    ("ES", Some(-300)),
    ("ED", Some(-240)),
    ("CS", Some(-360)),
    ("CD", Some(-300)),
    ("MS", Some(-420)),
    ("MD", Some(-360)),
    ("PS", Some(-480)),
    ("PD", Some(-420)),
    ("AS", Some(-540)),
    ("AD", Some(-480)),
    ("HS", Some(-600)),
    ("ET", None),
    ("CT", None),
    ("MT", None),
    ("PT", None),
    ("AT", None),
    ("LT", None),
];

/// An EDIFACT date/time value in the format its 2379 code names (102, 203, 204, or the length when absent).
pub(crate) fn parse_edifact_stamp(value: &str, format: &str) -> Result<Stamp, String> {
    let v = value.trim();
    if !v.is_ascii() {
        return Err(format!("`{v}` is not a date"));
    }
    let format = match format.trim() {
        "" => match v.len() {
            8 => "102",
            12 => "203",
            14 => "204",
            _ => return Err(format!("`{v}` is not a date; give its format (2379: 102, 203 or 204)")),
        },
        f => f,
    };
    let (date, time) = match format {
        "102" => (v, None),
        "203" if v.len() == 12 => (&v[..8], Some(&v[8..])),
        "204" if v.len() == 14 => (&v[..8], Some(&v[8..])),
        "203" | "204" => return Err(format!("`{v}` does not fit format {format}")),
        other => return Err(format!("date format {other} is not one ACORN reads (102 CCYYMMDD, 203 CCYYMMDDHHMM, 204 CCYYMMDDHHMMSS)")),
    };
    let date = parse_ccyymmdd(date)?;
    let time = time.map(parse_hhmm).transpose()?;
    Ok(Stamp { date, time, utc_offset_minutes: None })
}

/// ISBN-10 as the GTIN-13 it is in the book trade: `978` + the first nine digits + a GS1 check digit.
fn isbn10_as_gtin(isbn: &str) -> Option<String> {
    let digits: String = isbn.chars().filter(|c| *c != '-').collect();
    let body = digits.get(..9)?;
    let last = digits.get(9..)?;
    if digits.len() != 10 || !body.bytes().all(|b| b.is_ascii_digit()) || !(last == "X" || last == "x" || last.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let body = format!("978{body}");
    let check = check_digit(&body);
    Some(format!("{body}{check}"))
}

/// What an item identifier qualifier says, in both standards.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Gtin,
    Isbn,
    Buyer,
    Vendor,
    Lot,
}

/// X12 product/service ID qualifiers (235) ACORN reads; other qualifiers (author, title, colour…) describe
/// rather than identify and are passed over.
const X12_ID_QUALIFIERS: &[(&str, IdKind)] = &[
    ("UP", IdKind::Gtin),
    ("EN", IdKind::Gtin),
    ("UK", IdKind::Gtin),
    ("IB", IdKind::Isbn),
    ("BP", IdKind::Buyer),
    ("IN", IdKind::Buyer),
    ("VN", IdKind::Vendor),
    ("VP", IdKind::Vendor),
    ("LT", IdKind::Lot),
];

/// EDIFACT item number types (7143) ACORN reads.
const EDIFACT_ID_TYPES: &[(&str, IdKind)] = &[
    ("EN", IdKind::Gtin),
    ("UP", IdKind::Gtin),
    ("SRV", IdKind::Gtin),
    ("IB", IdKind::Isbn),
    ("BP", IdKind::Buyer),
    ("IN", IdKind::Buyer),
    ("SA", IdKind::Vendor),
    ("VN", IdKind::Vendor),
    ("VP", IdKind::Vendor),
];

/// Reads a set's segments, collecting every error.
pub(crate) struct Reader<'s, 'a> {
    segs: &'s [Segment<'a>],
    errors: Vec<MapError>,
}

impl<'s, 'a> Reader<'s, 'a> {
    pub fn new(segs: &'s [Segment<'a>]) -> Reader<'s, 'a> {
        Reader { segs, errors: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.segs.len()
    }

    /// Whether segment `i` (0-based in the set) exists and has `tag`.
    pub fn is(&self, i: usize, tag: &str) -> bool {
        self.segs.get(i).is_some_and(|s| s.is(tag))
    }

    pub fn tag(&self, i: usize) -> Cow<'s, str> {
        self.segs.get(i).map(|s| s.tag_str()).unwrap_or_default()
    }

    /// Where segment `i` is (position 1 is the set header).
    pub fn at(&self, i: usize) -> SegmentRef {
        self.segs.get(i).map(|s| SegmentRef::of(s, i + 1)).unwrap_or_default()
    }

    pub fn error(&mut self, i: usize, element: Option<usize>, component: Option<usize>, rule: Rule, message: impl Into<String>) {
        self.errors.push(MapError::new(self.at(i), element, component, rule, message));
    }

    /// An error at an element (`c` = 0) or a component (`c` ≥ 1).
    fn error_el(&mut self, i: usize, n: usize, c: usize, rule: Rule, message: impl Into<String>) {
        self.error(i, Some(n), (c > 0).then_some(c), rule, message);
    }

    /// The text of element `n` (`c` = 0) or of its component `c`, release characters removed, trimmed (X12
    /// fixed-width fields are space-padded).
    pub fn value(&self, i: usize, n: usize, c: usize) -> String {
        let Some(element) = self.segs.get(i).and_then(|s| s.element(n)) else { return String::new() };
        let text = if c == 0 { element.text() } else { element.component(c).map(|x| x.text()).unwrap_or_default() };
        text.trim().to_string()
    }

    /// The value, or `None` when it is empty.
    pub fn opt(&self, i: usize, n: usize, c: usize) -> Option<String> {
        Some(self.value(i, n, c)).filter(|v| !v.is_empty())
    }

    /// The value, or an error naming `what` is missing.
    pub fn required(&mut self, i: usize, n: usize, c: usize, what: &str) -> Option<String> {
        let v = self.opt(i, n, c);
        if v.is_none() {
            self.error_el(i, n, c, Rule::MandatoryElementMissing, format!("{what} is missing"));
        }
        v
    }

    fn mark(&self, i: usize) -> u8 {
        self.segs.get(i).map_or(b'.', |s| s.delimiters().decimal)
    }

    /// A decimal number; `None` when absent (no error) or not a number (error).
    pub fn decimal(&mut self, i: usize, n: usize, c: usize, what: &str) -> Option<Decimal> {
        let v = self.opt(i, n, c)?;
        parse_decimal(&v, self.mark(i)).map_err(|e| self.error_el(i, n, c, Rule::InvalidNumber, format!("{what} {e}"))).ok()
    }

    /// An X12 implied-decimal (`N2`) amount; `None` when absent or invalid (error).
    pub fn implied(&mut self, i: usize, n: usize, what: &str) -> Option<Decimal> {
        let v = self.opt(i, n, 0)?;
        parse_implied(&v, 2).map_err(|e| self.error_el(i, n, 0, Rule::InvalidNumber, format!("{what} {e}"))).ok()
    }

    /// A whole number of units; `None` when absent or invalid (error).
    pub fn whole(&mut self, i: usize, n: usize, c: usize, what: &str) -> Option<i64> {
        let v = self.opt(i, n, c)?;
        parse_whole(&v, self.mark(i)).map_err(|e| self.error_el(i, n, c, Rule::InvalidNumber, format!("{what} {e}"))).ok()
    }

    /// An X12 `CCYYMMDD` date; `None` when absent or invalid (error).
    pub fn date(&mut self, i: usize, n: usize, what: &str) -> Option<NaiveDate> {
        let v = self.opt(i, n, 0)?;
        parse_ccyymmdd(&v).map_err(|e| self.error_el(i, n, 0, Rule::InvalidDate, format!("{what} {e}"))).ok()
    }

    /// An X12 date with its time and time code (e.g. `DTM02`, `DTM03`, `DTM04`).
    pub fn x12_stamp(&mut self, i: usize, date: usize, time: usize, zone: usize, what: &str) -> Option<Stamp> {
        let day = self.date(i, date, what)?;
        let time = match self.opt(i, time, 0) {
            Some(t) => match parse_hhmm(&t) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.error_el(i, time, 0, Rule::InvalidTime, format!("{what} {e}"));
                    return None;
                }
            },
            None => None,
        };
        let utc_offset_minutes = match self.opt(i, zone, 0) {
            None => None,
            Some(code) => match TIME_CODES.iter().find(|(c, _)| *c == code) {
                Some(&(_, offset)) => offset,
                None => {
                    self.error_el(
                        i,
                        zone,
                        0,
                        Rule::InvalidCode,
                        format!("time code `{code}` is not one ACORN knows (UT, GM, ES, ED, CS, CD, MS, MD, PS, PD, ET, CT, MT, PT, LT…)"),
                    );
                    return None;
                }
            },
        };
        Some(Stamp { date: day, time, utc_offset_minutes })
    }

    /// An EDIFACT `DTM` (C507 in element 1): its qualifier (2005) and the stamp.
    pub fn edifact_dtm(&mut self, i: usize) -> Option<(String, Stamp)> {
        let qualifier = self.value(i, 1, 1);
        let value = self.required(i, 1, 2, "the date")?;
        match parse_edifact_stamp(&value, &self.value(i, 1, 3)) {
            Ok(stamp) => Some((qualifier, stamp)),
            Err(e) => {
                self.error_el(i, 1, 2, Rule::InvalidDate, format!("DTM {qualifier}: {e}"));
                None
            }
        }
    }

    /// A unit-of-measure code; `None` when absent (no error) or unknown (error).
    pub fn unit(&mut self, i: usize, n: usize, c: usize) -> Option<QuantityUnit> {
        let code = self.opt(i, n, c)?;
        let unit = unit_of(&code);
        if unit.is_none() {
            self.error_el(
                i,
                n,
                c,
                Rule::InvalidCode,
                format!("unit `{code}` is not one ACORN counts in (EA, UN, PC, PCE, C62 for eaches; CA, CS, CT for cases)"),
            );
        }
        unit
    }

    fn identifier_rule(issue: &str, len: usize, wanted: usize) -> Rule {
        if issue.contains("check digit") {
            Rule::CheckDigit
        } else if issue.contains("contains") {
            Rule::InvalidCharacterInElement
        } else if len < wanted {
            Rule::ElementTooShort
        } else {
            Rule::ElementTooLong
        }
    }

    /// A GTIN from `value` (read from element `n`, component `c`); the error names the value as sent.
    pub fn gtin(&mut self, i: usize, n: usize, c: usize, value: &str) -> Option<Gtin> {
        Gtin::parse(value)
            .map_err(|e| {
                let rule = Self::identifier_rule(&e, value.len(), 12);
                self.error_el(i, n, c, rule, format!("GTIN {value} {e}"))
            })
            .ok()
    }

    /// An SSCC in element `n` (component `c`); `None` when absent or invalid (error).
    pub fn sscc(&mut self, i: usize, n: usize, c: usize) -> Option<Sscc> {
        let v = self.opt(i, n, c)?;
        Sscc::parse(&v)
            .map_err(|e| {
                let rule = Self::identifier_rule(&e, v.len(), 18);
                self.error_el(i, n, c, rule, format!("SSCC {v} {e}"))
            })
            .ok()
    }

    /// Records one identifier read at (segment, element, component) `at`.
    fn add_id(&mut self, at: (usize, usize, usize), kind: IdKind, value: String, ids: &mut ItemIds, lot: &mut Option<String>) {
        let (i, n, c) = at;
        match kind {
            IdKind::Gtin if ids.gtin.is_none() => ids.gtin = self.gtin(i, n, c, &value),
            IdKind::Isbn if ids.gtin.is_none() => {
                let as_gtin = isbn10_as_gtin(&value).unwrap_or_else(|| value.clone());
                ids.gtin = self.gtin(i, n, c, &as_gtin);
            }
            IdKind::Buyer if ids.buyer_item_id.is_none() => ids.buyer_item_id = Some(value),
            IdKind::Vendor if ids.vendor_sku.is_none() => ids.vendor_sku = Some(value),
            IdKind::Lot if lot.is_none() => *lot = Some(value),
            // A second identifier of a kind repeats the first (UP and EN of one item); the first one stands.
            _ => {}
        }
    }

    /// Item identifiers from X12 qualifier/value pairs starting at element `first` (`PO106`, `LIN02`, `IT106`…).
    /// A `LT` pair is a lot number and goes to `lot`.
    pub fn x12_ids(&mut self, i: usize, first: usize, lot: &mut Option<String>) -> ItemIds {
        let mut ids = ItemIds::default();
        let count = self.segs.get(i).map_or(0, |s| s.element_count());
        let mut n = first;
        while n < count {
            let qualifier = self.value(i, n, 0);
            if let (Some(&(_, kind)), Some(value)) = (X12_ID_QUALIFIERS.iter().find(|(q, _)| *q == qualifier), self.opt(i, n + 1, 0)) {
                self.add_id((i, n + 1, 0), kind, value, &mut ids, lot);
            }
            n += 2;
        }
        ids
    }

    /// Item identifiers from an EDIFACT C212 composite (`LIN03`, each of `PIA02`–`PIA06`): 7140 id, 7143 type.
    pub fn edifact_ids(&mut self, i: usize, n: usize, ids: &mut ItemIds) {
        let Some(value) = self.opt(i, n, 1) else { return };
        let kind = self.value(i, n, 2);
        match EDIFACT_ID_TYPES.iter().find(|(t, _)| *t == kind) {
            Some(&(_, kind)) => self.add_id((i, n, 1), kind, value, ids, &mut None),
            None if kind.is_empty() => {
                self.error_el(i, n, 2, Rule::ConditionalElementMissing, format!("item number {value} has no type (7143: EN, UP, SRV, BP, IN, SA…)"))
            }
            // Other types (manufacturer's or customs numbers) describe rather than identify.
            None => {}
        }
    }

    /// Whether an error was already recorded at segment `i` (so a consequence is not reported again).
    pub fn has_error_at(&self, i: usize) -> bool {
        let index = self.segs.get(i).map(|s| s.index());
        self.errors.iter().any(|e| Some(e.at.index) == index)
    }

    /// The result: `value` when nothing failed, else every error.
    pub fn finish<T>(self, value: T) -> Mapped<T> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }

    /// The errors so far, for a mapper that cannot go on (no header segment to read the document from).
    pub fn into_errors(self) -> Vec<MapError> {
        self.errors
    }
}

/// Eaches from a quantity in `unit`: cases need the case pack (`PO401`, EDIFACT `QTY+52`) to count eaches, and
/// without it the quantity cannot be translated.
pub(crate) fn to_eaches(quantity: i64, unit: QuantityUnit, pack: Option<i64>) -> Result<i64, String> {
    match (unit, pack) {
        (QuantityUnit::Eaches, _) => Ok(quantity),
        (QuantityUnit::Cases, Some(pack)) if pack > 0 => {
            quantity.checked_mul(pack).ok_or_else(|| format!("{quantity} cases of {pack} is more eaches than ACORN can count"))
        }
        (QuantityUnit::Cases, Some(pack)) => Err(format!("the case pack is {pack}; a case holds at least one each")),
        (QuantityUnit::Cases, None) => {
            Err(format!("{quantity} is in cases, but the document does not say how many eaches a case holds (PO4 / QTY+52); send eaches"))
        }
    }
}

/// The price of one each from a price per `unit` (or per each when `per_each`, X12 basis `PE`): a case price is
/// divided by the pack, and must divide exactly, or the cost ACORN stores would not be the vendor's.
pub(crate) fn price_per_each(price: Decimal, unit: QuantityUnit, per_each: bool, pack: Option<i64>) -> Result<Decimal, String> {
    if per_each || unit == QuantityUnit::Eaches {
        return Ok(price);
    }
    let pack = match pack {
        Some(p) if p > 0 => Decimal::from(p),
        _ => return Err(format!("{price} is a price per case, but the document does not say how many eaches a case holds; send the price per each (PE)")),
    };
    match price.checked_div(pack) {
        Some(each) if each.checked_mul(pack) == Some(price) && each.scale() <= 10 => Ok(each.normalize()),
        _ => Err(format!("{price} per case of {pack} is not a whole amount per each; send the price per each (PE)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn decimals_as_x12_and_edifact_write_them() {
        assert_eq!(parse_decimal("12.5", b'.'), Ok(dec!(12.5)));
        assert_eq!(parse_decimal(".5", b'.'), Ok(dec!(0.5)));
        assert_eq!(parse_decimal("-3", b'.'), Ok(dec!(-3)));
        assert_eq!(parse_decimal("19,99", b','), Ok(dec!(19.99)));
        assert_eq!(parse_decimal("7.", b'.'), Ok(dec!(7)));
        for bad in ["", "-", ".", "1.2.3", "1e5", "+5", "12 50", "1,5"] {
            assert!(parse_decimal(bad, b'.').is_err(), "{bad:?}");
        }
        assert!(parse_decimal(&"9".repeat(40), b'.').unwrap_err().contains("more digits"));
    }

    #[test]
    fn implied_amounts_refuse_decimal_points() {
        assert_eq!(parse_implied("21740", 2), Ok(dec!(217.40)));
        assert_eq!(parse_implied("-500", 2), Ok(dec!(-5.00)));
        assert!(parse_implied("217.40", 2).unwrap_err().contains("implied decimals"));
        assert!(parse_implied("12a", 2).is_err());
        assert!(parse_implied(&"9".repeat(30), 2).is_err());
    }

    #[test]
    fn whole_numbers_dates_and_times() {
        assert_eq!(parse_whole("24.000", b'.'), Ok(24));
        assert!(parse_whole("2.5", b'.').unwrap_err().contains("whole number"));
        assert!(parse_whole("99999999999999999999999", b'.').is_err());
        assert_eq!(parse_ccyymmdd("20261127"), Ok(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()));
        assert!(parse_ccyymmdd("261127").unwrap_err().contains("century"));
        assert!(parse_ccyymmdd("20260230").is_err());
        assert!(parse_ccyymmdd("2026112é").is_err());
        assert_eq!(parse_hhmm("1430"), Ok(NaiveTime::from_hms_opt(14, 30, 0).unwrap()));
        assert_eq!(parse_hhmm("143015"), Ok(NaiveTime::from_hms_opt(14, 30, 15).unwrap()));
        assert!(parse_hhmm("2500").is_err());
        assert!(parse_hhmm("14").is_err());
        let s = parse_edifact_stamp("202611271430", "203").unwrap();
        assert_eq!((s.date.to_string(), s.time.map(|t| t.to_string())), ("2026-11-27".into(), Some("14:30:00".into())));
        assert!(parse_edifact_stamp("20261127", "718").is_err());
        assert!(parse_edifact_stamp("2026112714é0", "203").is_err(), "non-ASCII never slices mid-character");
    }

    #[test]
    fn isbn10_becomes_its_gtin() {
        assert_eq!(isbn10_as_gtin("0446360260").as_deref(), Some("9780446360265"));
        assert_eq!(isbn10_as_gtin("044636026X").as_deref(), Some("9780446360265"));
        assert_eq!(isbn10_as_gtin("04463602"), None);
        assert_eq!(isbn10_as_gtin("é446360260"), None);
    }

    #[test]
    fn cases_need_their_pack() {
        assert_eq!(to_eaches(3, QuantityUnit::Cases, Some(12)), Ok(36));
        assert_eq!(to_eaches(3, QuantityUnit::Eaches, None), Ok(3));
        assert!(to_eaches(3, QuantityUnit::Cases, None).unwrap_err().contains("in cases"));
        assert!(to_eaches(i64::MAX, QuantityUnit::Cases, Some(2)).is_err());
        assert_eq!(price_per_each(dec!(24.00), QuantityUnit::Cases, false, Some(12)), Ok(dec!(2)));
        assert_eq!(price_per_each(dec!(2.50), QuantityUnit::Cases, true, None), Ok(dec!(2.50)));
        assert!(price_per_each(dec!(10), QuantityUnit::Cases, false, Some(3)).is_err());
        assert!(price_per_each(dec!(10), QuantityUnit::Cases, false, None).is_err());
    }
}
