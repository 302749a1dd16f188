//! The value-level rules a guide declares: data types and lengths, code lists, syntax notes and
//! check digits.
//!
//! Each check works on the bytes of one value (release characters and wrapping already removed)
//! and returns a small [`Problem`] on failure; the message is only formatted when a finding is
//! made, so the happy path neither allocates nor formats.

use crate::report::Rule;

use super::compile::{CheckKind, CodeList};

/// A data type (X12 and EDIFACT); lengths are kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataType {
    /// X12 `AN`: any characters but control characters.
    Alnum,
    /// X12 `ID`: a code (checked against a code list when the guide enforces one).
    Id,
    /// X12 `N0`–`N9`: digits with an optional leading minus and that many implied decimals.
    Numeric(u8),
    /// X12 `R`: a decimal number with an optional minus and decimal point.
    Real,
    /// X12 `DT`: `CCYYMMDD` (8 digits) or `YYMMDD` (6 digits).
    Date,
    /// X12 `TM`: `HHMM`, `HHMMSS`, `HHMMSSd` or `HHMMSSdd`.
    Time,
    /// EDIFACT `a`: no digits.
    Alpha,
    /// EDIFACT `an`.
    EdiAlnum,
    /// EDIFACT `n`: digits with an optional minus and one decimal mark (`.` or `,`).
    EdiNumeric,
}

impl DataType {
    /// Parses a format: X12 `AN 1/22`, `N2 1/10`; EDIFACT `an..35`, `an3`, `n..15`. Returns the type, min and max.
    pub fn parse(format: &str) -> Result<(DataType, u16, u16), String> {
        let bad = || format!("type {format:?} is not like \"AN 1/22\", \"N2 1/10\", \"DT 8/8\" (X12) or \"an..35\", \"n3\" (EDIFACT)");
        let (ty, min, max) = if let Some((name, lengths)) = format.split_once(' ') {
            let ty = match name {
                "AN" => DataType::Alnum,
                "ID" => DataType::Id,
                "N" => DataType::Numeric(0),
                "R" => DataType::Real,
                "DT" => DataType::Date,
                "TM" => DataType::Time,
                n if n.len() == 2 && n.starts_with('N') && n.as_bytes()[1].is_ascii_digit() => DataType::Numeric(n.as_bytes()[1] - b'0'),
                _ => return Err(bad()),
            };
            let (min, max) = lengths.trim().split_once('/').ok_or_else(bad)?;
            (ty, min.parse::<u16>().map_err(|_| bad())?, max.parse::<u16>().map_err(|_| bad())?)
        } else {
            let split = format.find(|c: char| !c.is_ascii_alphabetic()).ok_or_else(bad)?;
            let (name, lengths) = format.split_at(split);
            let ty = match name {
                "a" => DataType::Alpha,
                "an" => DataType::EdiAlnum,
                "n" => DataType::EdiNumeric,
                _ => return Err(bad()),
            };
            match lengths.strip_prefix("..") {
                Some(max) => (ty, 1, max.parse::<u16>().map_err(|_| bad())?),
                None => {
                    let n = lengths.parse::<u16>().map_err(|_| bad())?;
                    (ty, n, n)
                }
            }
        };
        if max == 0 || min > max {
            return Err(format!("type {format:?}: the lengths must satisfy 0 <= min <= max and max >= 1"));
        }
        Ok((ty, min, max))
    }

    /// The type as a guide writes it, for messages.
    pub fn describe(self) -> String {
        match self {
            DataType::Alnum => "AN".into(),
            DataType::Id => "ID".into(),
            DataType::Numeric(d) => format!("N{d}"),
            DataType::Real => "R".into(),
            DataType::Date => "DT".into(),
            DataType::Time => "TM".into(),
            DataType::Alpha => "a".into(),
            DataType::EdiAlnum => "an".into(),
            DataType::EdiNumeric => "n".into(),
        }
    }
}

/// What is wrong with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    TooShort { len: usize, min: u16 },
    TooLong { len: usize, max: u16 },
    BadChar(u8),
    NotNumber,
    NotDate,
    NotTime,
    BadCode,
}

impl Problem {
    pub fn rule(self) -> Rule {
        match self {
            Problem::TooShort { .. } => Rule::ElementTooShort,
            Problem::TooLong { .. } => Rule::ElementTooLong,
            Problem::BadChar(_) => Rule::InvalidCharacterInElement,
            Problem::NotNumber => Rule::InvalidNumber,
            Problem::NotDate => Rule::InvalidDate,
            Problem::NotTime => Rule::InvalidTime,
            Problem::BadCode => Rule::InvalidCode,
        }
    }

    /// A plain-English message about element `label` (`BEG03`, `DTM01-2`) holding `value`.
    pub fn message(self, label: &str, ty: DataType, value: &str, codes: Option<&CodeList>) -> String {
        let unit = |n: usize| if n == 1 { "character" } else { "characters" };
        let digits = |n: usize| if n == 1 { "digit" } else { "digits" };
        let counted = |n: usize| if is_numeric(ty) { digits(n) } else { unit(n) };
        match self {
            Problem::TooShort { len, min } => format!("{label} is {len} {}; the minimum is {min}", counted(len)),
            Problem::TooLong { len, max } => format!("{label} is {len} {}; the maximum is {max}", counted(len)),
            Problem::BadChar(b) if b < 0x20 || b == 0x7F => format!("{label} contains the control character 0x{b:02X}"),
            Problem::BadChar(b) => format!("{label} contains {:?}, which type {} does not allow", b as char, ty.describe()),
            Problem::NotNumber => match ty {
                DataType::Numeric(0) => format!("{label} is {value:?}, which is not a whole number (N0: digits with an optional leading minus)"),
                DataType::Numeric(d) => {
                    format!("{label} is {value:?}, which is not a number with {d} implied decimals (N{d}: digits only, no decimal point)")
                }
                _ => format!("{label} is {value:?}, which is not a decimal number"),
            },
            Problem::NotDate => format!("{label} is {value:?}, which is not a date (CCYYMMDD or YYMMDD)"),
            Problem::NotTime => format!("{label} is {value:?}, which is not a time (HHMM, HHMMSS or HHMMSSdd)"),
            Problem::BadCode => match codes {
                Some(list) => format!("{label} is {value:?}, which is not a code this guide allows ({})", list.describe()),
                None => format!("{label} is {value:?}, which is not a code this guide allows"),
            },
        }
    }
}

fn is_numeric(ty: DataType) -> bool {
    matches!(ty, DataType::Numeric(_) | DataType::Real | DataType::EdiNumeric)
}

/// Checks one non-empty value against its type and lengths (the code list is checked by the caller).
#[inline(always)]
pub(crate) fn check_value(ty: DataType, min: u16, max: u16, v: &[u8]) -> Result<(), Problem> {
    let len = match ty {
        DataType::Alnum | DataType::Id | DataType::EdiAlnum => text_len(v, false)?,
        DataType::Alpha => text_len(v, true)?,
        DataType::Numeric(_) => {
            let digits = v.strip_prefix(b"-").unwrap_or(v);
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(Problem::NotNumber);
            }
            digits.len()
        }
        DataType::Real => decimal_digits(v, b'.', b'.').ok_or(Problem::NotNumber)?,
        DataType::EdiNumeric => decimal_digits(v, b'.', b',').ok_or(Problem::NotNumber)?,
        DataType::Date => {
            if !valid_date(v) {
                return Err(Problem::NotDate);
            }
            v.len()
        }
        DataType::Time => {
            if !valid_time(v) {
                return Err(Problem::NotTime);
            }
            v.len()
        }
    };
    if len < usize::from(min) {
        return Err(Problem::TooShort { len, min });
    }
    if len > usize::from(max) {
        return Err(Problem::TooLong { len, max });
    }
    Ok(())
}

/// The length in characters of a text value (UTF-8 characters when it is UTF-8, otherwise bytes,
/// as EDIFACT's Latin-1), after checking it has no control character (nor digit, for `a`).
#[inline(always)]
fn text_len(v: &[u8], no_digits: bool) -> Result<usize, Problem> {
    // The usual value is printable ASCII: eight bytes are vetted at a time, and only a value
    // with something else in it is looked at byte by byte.
    if !no_digits && printable_ascii(v) {
        return Ok(v.len());
    }
    text_len_slow(v, no_digits)
}

#[inline(never)]
fn text_len_slow(v: &[u8], no_digits: bool) -> Result<usize, Problem> {
    let mut ascii = true;
    for &b in v {
        if b < 0x20 || b == 0x7F || (no_digits && b.is_ascii_digit()) {
            return Err(Problem::BadChar(b));
        }
        ascii &= b < 0x80;
    }
    if ascii {
        return Ok(v.len());
    }
    Ok(std::str::from_utf8(v).map_or(v.len(), |s| s.chars().count()))
}

/// Whether every byte is printable ASCII (0x20..=0x7E): eight bytes at a time (the last eight
/// overlapping the ones before), byte by byte for a value shorter than that.
#[inline(always)]
fn printable_ascii(v: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bad = |x: u64| {
        let below_space = x.wrapping_sub(0x20 * ONES) & !x;
        let delete = (x ^ (0x7F * ONES)).wrapping_sub(ONES) & !(x ^ (0x7F * ONES));
        (below_space | delete | x) & HIGH != 0
    };
    let word = |chunk: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        u64::from_le_bytes(word)
    };
    if v.len() < 8 {
        return v.iter().all(|b| (0x20..0x7F).contains(b));
    }
    let last = v.get(v.len() - 8..).map_or(0, word);
    !bad(last) && !v.chunks_exact(8).any(|chunk| bad(word(chunk)))
}

/// The number of digits in a decimal number (optional leading minus, at most one decimal mark,
/// at least one digit), or `None` when it is not one. Sign and mark don't count towards the length.
pub(crate) fn decimal_digits(v: &[u8], mark_a: u8, mark_b: u8) -> Option<usize> {
    let body = v.strip_prefix(b"-").unwrap_or(v);
    let mut digits = 0;
    let mut marks = 0;
    for &b in body {
        if b.is_ascii_digit() {
            digits += 1;
        } else if b == mark_a || b == mark_b {
            marks += 1;
        } else {
            return None;
        }
    }
    (digits > 0 && marks <= 1).then_some(digits)
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

/// `CCYYMMDD` or `YYMMDD` (chosen by length), a real calendar day.
pub(crate) fn valid_date(v: &[u8]) -> bool {
    if !v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (year, rest) = match v.len() {
        8 => (number(&v[..4]), &v[4..]),
        // Two-digit years: leap years are the multiples of four either way within 1901–2099.
        6 => (2000 + number(&v[..2]), &v[2..]),
        _ => return false,
    };
    let (month, day) = (number(&rest[..2]), number(&rest[2..4]));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `HHMM`, `HHMMSS`, `HHMMSSd` or `HHMMSSdd`.
pub(crate) fn valid_time(v: &[u8]) -> bool {
    if !matches!(v.len(), 4 | 6 | 7 | 8) || !v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let seconds_ok = v.len() < 6 || number(&v[4..6]) < 60;
    number(&v[..2]) < 24 && number(&v[2..4]) < 60 && seconds_ok
}

/// An X12 syntax note over element (or component) positions.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub kind: NoteKind,
    /// The positions named, in order (1-based).
    pub positions: Vec<usize>,
    /// Bits of all positions (bit `n - 1` for position `n`).
    mask: u64,
    /// Bits of the positions after the first.
    rest: u64,
    /// The bit of the first position.
    first: u64,
    pub text: Box<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteKind {
    /// `P`: all or none.
    Paired,
    /// `R`: at least one.
    Required,
    /// `E`: at most one.
    Exclusion,
    /// `C`: if the first, then all the others.
    Conditional,
    /// `L`: if the first, then at least one of the others.
    ListConditional,
}

/// A syntax note as masks only, small and `Copy`, for the checker's bit-mask path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoteMasks {
    kind: NoteKind,
    mask: u64,
    first: u64,
    rest: u64,
}

impl NoteMasks {
    /// Whether the note holds for the present positions: what [`Note::check`] answers `None` for,
    /// on the masks alone.
    #[inline(always)]
    pub fn holds(&self, present: u64) -> bool {
        let here = present & self.mask;
        match self.kind {
            NoteKind::Paired => here == 0 || here == self.mask,
            NoteKind::Required => here != 0,
            NoteKind::Exclusion => here.count_ones() <= 1,
            NoteKind::Conditional => present & self.first == 0 || present & self.rest == self.rest,
            NoteKind::ListConditional => present & self.first == 0 || present & self.rest != 0,
        }
    }
}

/// A broken syntax note: the rule and the position to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Broken {
    pub rule: Rule,
    pub position: usize,
}

impl Note {
    /// Parses `P0203`-style text for a segment (or composite) of `positions` elements.
    pub fn parse(text: &str, positions: usize) -> Result<Note, String> {
        let bad = |why: &str| format!("syntax note {text:?}: {why}");
        let mut chars = text.chars();
        let kind = match chars.next() {
            Some('P') => NoteKind::Paired,
            Some('R') => NoteKind::Required,
            Some('E') => NoteKind::Exclusion,
            Some('C') => NoteKind::Conditional,
            Some('L') => NoteKind::ListConditional,
            _ => return Err(bad("it must start with P, R, E, C or L")),
        };
        let digits = chars.as_str().as_bytes();
        if digits.len() < 4 || !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad("it needs two-digit positions after the letter, e.g. P0203"));
        }
        let list: Vec<usize> = digits.chunks(2).map(|pair| number(pair) as usize).collect();
        if let Some(p) = list.iter().find(|p| **p == 0 || **p > positions) {
            return Err(bad(&format!("position {p} is not one of the {positions} elements")));
        }
        if kind == NoteKind::ListConditional && list.len() < 3 {
            return Err(bad("an L note names at least three positions"));
        }
        let bit = |p: &usize| 1u64 << (p - 1);
        let mask = list.iter().map(bit).fold(0, |a, b| a | b);
        let rest = list.iter().skip(1).map(bit).fold(0, |a, b| a | b);
        let first = list.first().map_or(0, bit);
        Ok(Note { kind, positions: list, mask, rest, first, text: text.into() })
    }

    /// Checks the note against the present positions (bit `n - 1` set when position `n` has a value).
    #[inline(always)]
    pub fn check(&self, present: u64) -> Option<Broken> {
        let here = present & self.mask;
        // The common case, none of the note's elements used, breaks only an R note.
        if here == 0 && self.kind != NoteKind::Required {
            return None;
        }
        let first_present = self.positions.first().is_some_and(|p| present & (1 << (p - 1)) != 0);
        let first_missing = |within: u64| self.positions.iter().copied().find(|p| within & (1 << (p - 1)) != 0 && present & (1 << (p - 1)) == 0);
        let missing = Rule::ConditionalElementMissing;
        match self.kind {
            NoteKind::Paired if here != 0 && here != self.mask => first_missing(self.mask).map(|position| Broken { rule: missing, position }),
            NoteKind::Required if here == 0 => self.positions.first().map(|&position| Broken { rule: missing, position }),
            NoteKind::Exclusion if here.count_ones() > 1 => self
                .positions
                .iter()
                .copied()
                .filter(|p| present & (1 << (p - 1)) != 0)
                .nth(1)
                .map(|position| Broken { rule: Rule::ExclusionViolated, position }),
            NoteKind::Conditional if first_present && present & self.rest != self.rest => {
                first_missing(self.rest).map(|position| Broken { rule: missing, position })
            }
            NoteKind::ListConditional if first_present && present & self.rest == 0 => self.positions.get(1).map(|&position| Broken { rule: missing, position }),
            _ => None,
        }
    }

    /// The note as masks, for [`NoteMasks::holds`].
    pub fn masks(&self) -> NoteMasks {
        NoteMasks { kind: self.kind, mask: self.mask, first: self.first, rest: self.rest }
    }

    /// What the note requires, with positions named by `label`.
    pub fn describe(&self, label: impl Fn(usize) -> String) -> String {
        let names: Vec<String> = self.positions.iter().map(|&p| label(p)).collect();
        let list = |names: &[String]| names.join(", ");
        let (first, others) = names.split_first().map_or((String::new(), &[][..]), |(f, o)| (f.clone(), o));
        match self.kind {
            NoteKind::Paired => format!("{} must be used together or not at all ({})", list(&names), self.text),
            NoteKind::Required => format!("at least one of {} is required ({})", list(&names), self.text),
            NoteKind::Exclusion => format!("only one of {} may be used ({})", list(&names), self.text),
            NoteKind::Conditional => format!("{} required when {first} is present ({})", list(others), self.text),
            NoteKind::ListConditional => format!("at least one of {} is required when {first} is present ({})", list(others), self.text),
        }
    }
}

/// The GS1 check digit of ASCII digits, as `acorn_domain::gs1::check_digit` computes it (weights
/// 3, 1, 3, … from the rightmost digit), on bytes and without its checks: the caller has checked
/// that they are digits.
#[inline]
fn gs1_check_digit(body: &[u8]) -> u8 {
    // Two sums, the digits weighted 3 (from the right: first, third…) and those weighted 1, taken
    // a pair of digits at a time from the right.
    let (mut three, mut one) = (0u32, 0u32);
    let pairs = body.rchunks_exact(2);
    if let [first] = pairs.remainder() {
        three += u32::from(first.wrapping_sub(b'0'));
    }
    for pair in pairs {
        three += u32::from(pair[1].wrapping_sub(b'0'));
        one += u32::from(pair[0].wrapping_sub(b'0'));
    }
    ((10 - (3 * three + one) % 10) % 10) as u8
}

/// What is wrong with a GTIN or SSCC, if anything.
#[inline]
pub(crate) fn check_digit_problem(kind: CheckKind, v: &[u8]) -> Option<String> {
    if check_digit_ok(kind, v) {
        return None;
    }
    check_digit_message(kind, v)
}

/// Whether a GTIN or SSCC is right — digits only, a length its kind has, the right check digit —
/// in one pass over the digits: what [`check_digit_message`] answers `None` for. With the check
/// digit weighted 1 and the digits before it 3, 1, 3… from the right, the sum of a right number
/// is a multiple of ten.
#[inline(always)]
pub(crate) fn check_digit_ok(kind: CheckKind, v: &[u8]) -> bool {
    let digits = match (kind, v.len()) {
        (CheckKind::Gtin, 8 | 12 | 13 | 14) | (CheckKind::Sscc, 18) => v,
        (CheckKind::Sscc, 20) if v.starts_with(b"00") => &v[2..],
        _ => return false,
    };
    // Eight digits at a time (SWAR): the number right-aligned in three little-endian words padded
    // with `0`s on the left (a leading zero adds nothing to the sum), so that in every word the
    // bytes at odd positions are weighted 1 and those at even positions 3.
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LANES: u64 = 0x00FF_00FF_00FF_00FF;
    // Every length here is 8 to 18: the first eight bytes and the last eight are there.
    let (Some(first), Some(last)) = (digits.first_chunk::<8>(), digits.last_chunk::<8>()) else { return false };
    let (first, last) = (u64::from_le_bytes(*first), u64::from_le_bytes(*last));
    // The first `n` (1..=8) digits moved up to the top of a word whose low bytes are `0`s.
    let top = |n: usize| if n == 8 { first } else { first << (8 * (8 - n)) | ZEROS >> (8 * n) };
    let len = digits.len();
    let words = match len {
        ..=8 => [ZEROS, ZEROS, last],
        9..=16 => [ZEROS, top(len - 8), last],
        _ => {
            let middle = digits.get(len - 16..len - 8).and_then(|w| w.first_chunk::<8>()).map_or(0, |w| u64::from_le_bytes(*w));
            [top(len - 16), middle, last]
        }
    };
    let (mut bad, mut lanes) = (0u64, 0u64);
    for x in words {
        let low = x & !HIGH;
        // A byte is a digit when below 0x80, not below `0` and not above `9`.
        bad |= x & HIGH | (low + 0x4646_4646_4646_4646) & HIGH | !((low | HIGH) - ZEROS) & HIGH;
        let d = low.wrapping_sub(ZEROS);
        lanes += (d >> 8 & LANES) + 3 * (d & LANES);
    }
    // Four 16-bit lanes of at most 3 × 36: their sum in the top lane.
    let sum = lanes.wrapping_mul(0x0001_0001_0001_0001) >> 48;
    bad == 0 && sum.is_multiple_of(10)
}

/// The message for a GTIN or SSCC that is wrong (`None` when it is right).
fn check_digit_message(kind: CheckKind, v: &[u8]) -> Option<String> {
    if !v.iter().all(u8::is_ascii_digit) {
        return Some(match kind {
            CheckKind::Gtin => "is not a GTIN: it must be digits only".into(),
            CheckKind::Sscc => "is not an SSCC: it must be digits only".into(),
        });
    }
    let digits = match kind {
        CheckKind::Gtin if matches!(v.len(), 8 | 12 | 13 | 14) => v,
        CheckKind::Gtin => return Some(format!("is not a GTIN: it has {} digits; a GTIN has 8, 12, 13 or 14", v.len())),
        CheckKind::Sscc if v.len() == 18 => v,
        // The GS1-128 element string: application identifier 00 in front of the 18 digits.
        CheckKind::Sscc if v.len() == 20 && v.starts_with(b"00") => &v[2..],
        CheckKind::Sscc => return Some(format!("is not an SSCC-18: it has {} digits; an SSCC has 18", v.len())),
    };
    let (body, last) = digits.split_at(digits.len() - 1);
    let computed = gs1_check_digit(body);
    let given = last.first().map_or(0, |d| d - b'0');
    (given != computed).then(|| format!("has check digit {given}, but the digits before it give {computed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_the_domain() {
        for body in ["", "0", "61414100001", "400638133393", "0061414100001", "00061414100000123", "99999999999999999"] {
            assert_eq!(gs1_check_digit(body.as_bytes()), acorn_domain::gs1::check_digit(body), "{body}");
        }
    }

    #[test]
    fn formats_parse_for_both_standards() {
        assert_eq!(DataType::parse("AN 1/22"), Ok((DataType::Alnum, 1, 22)));
        assert_eq!(DataType::parse("N2 1/10"), Ok((DataType::Numeric(2), 1, 10)));
        assert_eq!(DataType::parse("DT 8/8"), Ok((DataType::Date, 8, 8)));
        assert_eq!(DataType::parse("an..35"), Ok((DataType::EdiAlnum, 1, 35)));
        assert_eq!(DataType::parse("n3"), Ok((DataType::EdiNumeric, 3, 3)));
        for bad in ["AN", "XX 1/2", "AN 3/2", "an..", "q3", "AN 0/0"] {
            assert!(DataType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_are_checked_by_type_and_length() {
        assert_eq!(check_value(DataType::Alnum, 1, 22, b"PO-12345"), Ok(()));
        assert_eq!(check_value(DataType::Alnum, 1, 3, b"ABCD"), Err(Problem::TooLong { len: 4, max: 3 }));
        assert_eq!(check_value(DataType::Alnum, 1, 3, "ÄÖÜ".as_bytes()), Ok(()));
        assert_eq!(check_value(DataType::Alnum, 1, 9, b"A\x07"), Err(Problem::BadChar(7)));
        assert_eq!(check_value(DataType::Numeric(2), 1, 10, b"-21740"), Ok(()));
        assert_eq!(check_value(DataType::Numeric(0), 1, 6, b"1.5"), Err(Problem::NotNumber));
        assert_eq!(check_value(DataType::Real, 1, 3, b"-12.5"), Ok(()));
        assert_eq!(check_value(DataType::Real, 1, 15, b"1.2.3"), Err(Problem::NotNumber));
        assert_eq!(check_value(DataType::EdiNumeric, 1, 15, b"12,5"), Ok(()));
        assert_eq!(check_value(DataType::Alpha, 1, 3, b"A1"), Err(Problem::BadChar(b'1')));
        assert_eq!(check_value(DataType::Date, 8, 8, b"20240229"), Ok(()));
        assert_eq!(check_value(DataType::Date, 8, 8, b"20230229"), Err(Problem::NotDate));
        assert_eq!(check_value(DataType::Date, 8, 8, b"260131"), Err(Problem::TooShort { len: 6, min: 8 }));
        assert_eq!(check_value(DataType::Date, 6, 8, b"261301"), Err(Problem::NotDate));
        assert_eq!(check_value(DataType::Time, 4, 8, b"235959"), Ok(()));
        assert_eq!(check_value(DataType::Time, 4, 8, b"2460"), Err(Problem::NotTime));
        assert_eq!(check_value(DataType::Time, 4, 8, b"12345"), Err(Problem::NotTime));
    }

    #[test]
    fn printable_ascii_agrees_with_a_byte_by_byte_check() {
        let cases: [&[u8]; 9] = [b"", b"A", b"RED KETTLE BELL 10 LB", b"ABCDEFGH", b"ABCDEFG\x1f", b"ABCDEFGHI\x7f", "Ä".as_bytes(), b"~}| !", b"\x00"];
        for v in cases {
            let slow = v.iter().all(|b| (0x20..=0x7E).contains(b));
            assert_eq!(printable_ascii(v), slow, "{v:?}");
        }
        for b in 0..=255u8 {
            assert_eq!(printable_ascii(&[b'A', b'B', b, b'C', b'D', b'E', b'F', b'G', b'H']), (0x20..=0x7E).contains(&b), "{b:#x}");
        }
    }

    #[test]
    fn syntax_notes_follow_x12_semantics() {
        let p = Note::parse("P0203", 5).unwrap();
        assert_eq!(p.check(0b00000), None);
        assert_eq!(p.check(0b00110), None);
        assert_eq!(p.check(0b00010), Some(Broken { rule: Rule::ConditionalElementMissing, position: 3 }));
        let r = Note::parse("R020305", 5).unwrap();
        assert!(r.check(0b00001).is_some());
        assert_eq!(r.check(0b10000), None);
        let e = Note::parse("E0102", 2).unwrap();
        assert_eq!(e.check(0b11), Some(Broken { rule: Rule::ExclusionViolated, position: 2 }));
        let c = Note::parse("C0403", 4).unwrap();
        assert_eq!(c.check(0b1000), Some(Broken { rule: Rule::ConditionalElementMissing, position: 3 }));
        assert_eq!(c.check(0b0100), None);
        let l = Note::parse("L010203", 3).unwrap();
        assert!(l.check(0b001).is_some());
        assert_eq!(l.check(0b101), None);
        assert!(Note::parse("P0209", 5).is_err());
        assert!(Note::parse("Q0102", 5).is_err());
        assert!(Note::parse("P02", 5).is_err());
        assert_eq!(c.describe(|p| format!("DTM{p:02}")), "DTM03 required when DTM04 is present (C0403)");
    }

    proptest::proptest! {
        /// The one-pass check digit test agrees with the message, for numbers right and wrong.
        #[test]
        fn check_digits_agree_with_the_message(v in "(00)?[0-9]{6,19}|[0-9]{0,4}[A ]?[0-9]{0,14}", sscc in proptest::prelude::any::<bool>()) {
            let kind = if sscc { CheckKind::Sscc } else { CheckKind::Gtin };
            proptest::prop_assert_eq!(check_digit_ok(kind, v.as_bytes()), check_digit_message(kind, v.as_bytes()).is_none(), "{}", v);
        }

        /// Eight digits at a time, every byte counts: one byte off in a right number (any value,
        /// at any position) and the answers still agree.
        #[test]
        fn check_digits_see_every_byte(body in "[0-9]{7,19}", at in 0usize..20, b in proptest::prelude::any::<u8>(), sscc in proptest::prelude::any::<bool>()) {
            let mut v = body.into_bytes();
            v.push(b'0' + gs1_check_digit(&v));
            let kind = if sscc { CheckKind::Sscc } else { CheckKind::Gtin };
            proptest::prop_assert_eq!(check_digit_ok(kind, &v), check_digit_message(kind, &v).is_none());
            let at = at % v.len();
            v[at] = b;
            proptest::prop_assert_eq!(check_digit_ok(kind, &v), check_digit_message(kind, &v).is_none(), "{:?}", v);
        }

        /// A note holds on its masks exactly when checking it finds nothing broken.
        #[test]
        fn notes_hold_when_nothing_is_broken(kind in 0usize..5, positions in proptest::collection::vec(1usize..=12, 2..5), present in 0u64..(1 << 12)) {
            let text = format!("{}{}", ["P", "R", "E", "C", "L"][kind], positions.iter().map(|p| format!("{p:02}")).collect::<String>());
            if let Ok(note) = Note::parse(&text, 12) {
                proptest::prop_assert_eq!(note.masks().holds(present), note.check(present).is_none(), "{} {:b}", text, present);
            }
        }
    }

    #[test]
    fn check_digits_for_gtin_and_sscc() {
        assert_eq!(check_digit_problem(CheckKind::Gtin, b"614141000012"), None);
        assert_eq!(check_digit_problem(CheckKind::Gtin, b"4006381333931"), None);
        assert_eq!(check_digit_problem(CheckKind::Gtin, b"00614141000012"), None);
        assert!(check_digit_problem(CheckKind::Gtin, b"614141000013").unwrap().contains("check digit 3"));
        assert!(check_digit_problem(CheckKind::Gtin, b"61414100001").unwrap().contains("11 digits"));
        assert_eq!(check_digit_problem(CheckKind::Sscc, b"106141411234567897"), None);
        assert_eq!(check_digit_problem(CheckKind::Sscc, b"00106141411234567897"), None);
        assert!(check_digit_problem(CheckKind::Sscc, b"106141411234567890").is_some());
        assert!(check_digit_problem(CheckKind::Sscc, b"10614141123456789X").is_some());
    }
}
