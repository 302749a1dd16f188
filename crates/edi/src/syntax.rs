//! The two syntaxes the engine speaks and the delimiters of one interchange.
//!
//! X12 declares its delimiters positionally in the ISA header; EDIFACT in an optional UNA service
//! string advice (defaults otherwise). Both are found here, from the first bytes of the input,
//! before any segment is tokenised. Real files deviate from the standard (a BOM, an ISA of 81 or 122
//! bytes, NBSP padding, a three-byte terminator), so detection counts separators instead of trusting
//! fixed offsets, and reports the deviation as a finding rather than failing.

use std::fmt;

/// The standard an interchange is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standard {
    X12,
    Edifact,
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Standard::X12 => "X12",
            Standard::Edifact => "EDIFACT",
        })
    }
}

/// The most bytes a segment terminator may have (a UTF-8 character such as `…`, or CR LF).
pub const MAX_TERMINATOR: usize = 4;

/// The delimiters of one interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub element: u8,
    pub component: u8,
    /// X12 5010 repetition separator (ISA11) or EDIFACT's repetition separator (UNA reserved, `*` in v4).
    pub repetition: Option<u8>,
    /// EDIFACT release character (`?` by default); X12 has none.
    pub release: Option<u8>,
    /// EDIFACT decimal mark (UNA3); informational.
    pub decimal: u8,
    terminator: [u8; MAX_TERMINATOR],
    terminator_len: u8,
}

impl Delimiters {
    /// Builds a delimiter set; `terminator` must be 1..=4 bytes.
    pub fn new(element: u8, component: u8, repetition: Option<u8>, release: Option<u8>, terminator: &[u8]) -> Delimiters {
        assert!(!terminator.is_empty() && terminator.len() <= MAX_TERMINATOR, "terminator of 1..=4 bytes");
        let mut t = [0u8; MAX_TERMINATOR];
        t[..terminator.len()].copy_from_slice(terminator);
        Delimiters { element, component, repetition, release, decimal: b'.', terminator: t, terminator_len: terminator.len() as u8 }
    }

    /// The X12 delimiters ACORN writes: `*` element, `>` component, `^` repetition (5010), `~` terminator.
    pub fn x12_default(repetition: Option<u8>) -> Delimiters {
        Delimiters::new(b'*', b'>', repetition, None, b"~")
    }

    /// EDIFACT's defaults when no UNA is present (ISO 9735): `:` `+` `.` `?` ` ` `'`.
    pub fn edifact_default() -> Delimiters {
        Delimiters::new(b'+', b':', None, Some(b'?'), b"'")
    }

    /// The segment terminator's bytes.
    pub fn terminator(&self) -> &[u8] {
        &self.terminator[..self.terminator_len as usize]
    }

    /// Whether `byte` is one of the delimiters (used to check that data doesn't contain one).
    pub fn is_delimiter(&self, byte: u8) -> bool {
        byte == self.element || byte == self.component || Some(byte) == self.repetition || Some(byte) == self.release || byte == self.terminator[0]
    }
}

/// What detection found at the start of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub standard: Standard,
    pub delimiters: Delimiters,
    /// Bytes before the first segment (a UTF-8 BOM, leading blank lines).
    pub prefix_len: usize,
    /// X12: the length of the ISA segment up to and including ISA16 (106 by the standard, minus the terminator).
    pub isa_len: Option<usize>,
    /// EDIFACT: whether a UNA service string advice opens the input.
    pub una: bool,
}

/// Why the start of an input is not an interchange at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    #[error("the input is empty")]
    Empty,
    #[error("the input does not start with ISA (X12) or UNA/UNB (EDIFACT); it starts with {0:?}")]
    UnknownStart(String),
    #[error("the ISA header ends after {0} bytes, before its 16 elements and segment terminator")]
    IsaTruncated(usize),
    #[error("the UNA service string advice is shorter than 9 bytes")]
    UnaTruncated,
    #[error("the delimiters are not distinct: {0}")]
    Ambiguous(String),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Finds the standard and delimiters from the start of `input`.
pub fn detect(input: &[u8]) -> Result<Detected, DetectError> {
    let mut start = if input.starts_with(BOM) { BOM.len() } else { 0 };
    while start < input.len() && input[start].is_ascii_whitespace() {
        start += 1;
    }
    let rest = &input[start..];
    if rest.is_empty() {
        return Err(DetectError::Empty);
    }
    if rest.starts_with(b"ISA") {
        detect_isa(rest, start)
    } else if rest.starts_with(b"UNA") {
        detect_una(rest, start)
    } else if rest.starts_with(b"UNB") {
        Ok(Detected { standard: Standard::Edifact, delimiters: Delimiters::edifact_default(), prefix_len: start, isa_len: None, una: false })
    } else {
        let shown: String = String::from_utf8_lossy(&rest[..rest.len().min(12)]).into_owned();
        Err(DetectError::UnknownStart(shown))
    }
}

fn detect_isa(isa: &[u8], prefix_len: usize) -> Result<Detected, DetectError> {
    let element = *isa.get(3).ok_or(DetectError::IsaTruncated(isa.len()))?;
    if element.is_ascii_alphanumeric() || element == b' ' {
        return Err(DetectError::Ambiguous(format!("ISA element separator {:?} is a data character", element as char)));
    }
    // Count 16 element separators; ISA16 (the component separator) is the byte after the 16th.
    let mut seen = 1;
    let mut pos = 3;
    while seen < 16 {
        match memchr::memchr(element, &isa[pos + 1..]) {
            Some(i) => {
                pos += 1 + i;
                seen += 1;
            }
            None => return Err(DetectError::IsaTruncated(isa.len())),
        }
    }
    let component = *isa.get(pos + 1).ok_or(DetectError::IsaTruncated(isa.len()))?;
    let term_at = pos + 2;
    let first = *isa.get(term_at).ok_or(DetectError::IsaTruncated(isa.len()))?;
    let term_len = match first {
        b'\r' if isa.get(term_at + 1) == Some(&b'\n') => 2,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    let terminator = isa.get(term_at..term_at + term_len).ok_or(DetectError::IsaTruncated(isa.len()))?;
    // ISA11 is the repetition separator from 5010 (00501) on; before that it's the standards id `U`.
    let fields: Vec<&[u8]> = isa[..pos].split(|b| *b == element).collect();
    let isa11 = fields.get(11).copied().unwrap_or_default();
    let isa12 = fields.get(12).copied().unwrap_or_default();
    let repetition = if isa12 >= &b"00501"[..] && isa11.len() == 1 && !isa11[0].is_ascii_alphanumeric() { Some(isa11[0]) } else { None };
    let delimiters = Delimiters::new(element, component, repetition, None, terminator);
    if component == element || terminator.contains(&element) || terminator.contains(&component) {
        return Err(DetectError::Ambiguous(format!(
            "element {:?}, component {:?}, terminator {:?}",
            element as char,
            component as char,
            String::from_utf8_lossy(terminator)
        )));
    }
    Ok(Detected { standard: Standard::X12, delimiters, prefix_len, isa_len: Some(pos + 2), una: false })
}

fn detect_una(una: &[u8], prefix_len: usize) -> Result<Detected, DetectError> {
    let advice = una.get(..9).ok_or(DetectError::UnaTruncated)?;
    let (component, element, decimal, release, reserved, terminator) = (advice[3], advice[4], advice[5], advice[6], advice[7], advice[8]);
    let release = (release != b' ').then_some(release);
    let repetition = (reserved != b' ').then_some(reserved);
    let mut delimiters = Delimiters::new(element, component, repetition, release, &[terminator]);
    delimiters.decimal = decimal;
    let mut set = vec![component, element, terminator];
    set.extend(release);
    set.sort_unstable();
    set.dedup();
    if set.len() < 3 + usize::from(release.is_some()) {
        return Err(DetectError::Ambiguous(format!("UNA {:?}", String::from_utf8_lossy(advice))));
    }
    Ok(Detected { standard: Standard::Edifact, delimiters, prefix_len, isa_len: None, una: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*P*>~GS*";

    #[test]
    fn standard_isa_gives_5010_delimiters() {
        let d = detect(ISA).unwrap();
        assert_eq!(d.standard, Standard::X12);
        assert_eq!(d.delimiters.element, b'*');
        assert_eq!(d.delimiters.component, b'>');
        assert_eq!(d.delimiters.repetition, Some(b'^'));
        assert_eq!(d.delimiters.terminator(), b"~");
        assert_eq!(d.isa_len, Some(105));
    }

    #[test]
    fn short_isa_with_bom_and_multibyte_terminator() {
        let input = "\u{FEFF}ISA*00**00**ZZ*A*ZZ*B*200910*1930*U*00400*1*0*P*>…\nGS*".as_bytes();
        let d = detect(input).unwrap();
        assert_eq!(d.prefix_len, 3);
        assert_eq!(d.delimiters.terminator(), "…".as_bytes());
        assert_eq!(d.delimiters.repetition, None);
    }

    #[test]
    fn una_sets_custom_delimiters() {
        let d = detect(b"UNA=*.? ~UNB*UNOA=3").unwrap();
        assert_eq!(d.standard, Standard::Edifact);
        assert_eq!(d.delimiters.component, b'=');
        assert_eq!(d.delimiters.element, b'*');
        assert_eq!(d.delimiters.release, Some(b'?'));
        assert_eq!(d.delimiters.terminator(), b"~");
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        assert_eq!(detect(b""), Err(DetectError::Empty));
        assert!(matches!(detect(b"hello"), Err(DetectError::UnknownStart(_))));
        assert!(matches!(detect(b"ISA*00*"), Err(DetectError::IsaTruncated(_))));
        assert!(matches!(detect(b"UNA:+"), Err(DetectError::UnaTruncated)));
        assert!(matches!(detect(b"ISA"), Err(DetectError::IsaTruncated(_))));
    }
}
