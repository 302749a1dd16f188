//! An owned, editable interchange that writes itself back byte for byte.
//!
//! [`Document::parse`] keeps every byte of the input: the prefix (a BOM), each segment's elements
//! exactly as written (release characters, wrapping line breaks), each segment's terminator and the
//! layout after it (line breaks, indentation), and the blank suffix. [`Document::write`] serialises from those parts, so
//! an unedited document reproduces its input exactly and an edited one differs only where it was
//! edited.

use std::io::{self, Write};

use crate::segment::Split;
use crate::syntax::{Delimiters, DetectError, Standard};
use crate::tokenizer::Tokenizer;

/// One segment, owned: `fields[0]` is the tag, then the elements as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedSegment {
    pub fields: Vec<Vec<u8>>,
    /// The terminator and the layout after it (line breaks, indentation).
    pub trailer: Vec<u8>,
    delimiters: Delimiters,
    /// EDIFACT UNA: written verbatim from `fields[0]`.
    service_advice: bool,
}

impl OwnedSegment {
    pub fn tag(&self) -> &[u8] {
        if self.service_advice { &self.fields[0][..3] } else { &self.fields[0] }
    }

    fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                out.write_all(&[self.delimiters.element])?;
            }
            out.write_all(field)?;
        }
        out.write_all(&self.trailer)
    }
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("there is no segment {0}")]
    NoSegment(usize),
    #[error("element {0} cannot be edited in a UNA service string advice")]
    ServiceAdvice(usize),
    #[error("element 0 is the tag; elements are numbered from 1")]
    Tag,
    #[error("the value contains the delimiter {0:?} and X12 has no release character")]
    Delimiter(char),
}

/// A whole input as owned, editable segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub standard: Standard,
    pub prefix: Vec<u8>,
    pub segments: Vec<OwnedSegment>,
    pub suffix: Vec<u8>,
}

impl Document {
    pub fn parse(input: &[u8]) -> Result<Document, DetectError> {
        let mut tokens = Tokenizer::new(input)?;
        let standard = tokens.standard();
        let prefix = tokens.prefix().to_vec();
        let mut segments = Vec::new();
        for seg in tokens.by_ref() {
            let d = seg.delimiters();
            let service_advice = seg.is_service_advice();
            let fields = if service_advice { vec![seg.raw().to_vec()] } else { Split::new(seg.raw(), d.element, d.release).map(<[u8]>::to_vec).collect() };
            segments.push(OwnedSegment { fields, trailer: seg.trailer().to_vec(), delimiters: *d, service_advice });
        }
        Ok(Document { standard, prefix, segments, suffix: tokens.suffix().to_vec() })
    }

    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.prefix)?;
        for seg in &self.segments {
            seg.write_to(out)?;
        }
        out.write_all(&self.suffix)
    }

    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.segments.len() * 32);
        self.write_to(&mut out).expect("writing to a Vec cannot fail");
        out
    }

    /// Replaces element `element` (1-based) of segment `index` with raw bytes, adding empty
    /// elements up to it when the segment is shorter.
    pub fn set_raw_element(&mut self, index: usize, element: usize, raw: &[u8]) -> Result<(), EditError> {
        let seg = self.segments.get_mut(index).ok_or(EditError::NoSegment(index))?;
        if seg.service_advice {
            return Err(EditError::ServiceAdvice(element));
        }
        if element == 0 {
            return Err(EditError::Tag);
        }
        if seg.fields.len() <= element {
            seg.fields.resize(element + 1, Vec::new());
        }
        seg.fields[element] = raw.to_vec();
        Ok(())
    }

    /// Replaces an element with a value, escaping EDIFACT delimiters with the release character;
    /// X12, which has none, refuses a value containing its element separator.
    pub fn set_value(&mut self, index: usize, element: usize, value: &str) -> Result<(), EditError> {
        let seg = self.segments.get(index).ok_or(EditError::NoSegment(index))?;
        let d = seg.delimiters;
        let raw = match d.release {
            Some(r) => {
                let mut raw = Vec::with_capacity(value.len());
                for b in value.bytes() {
                    if d.is_delimiter(b) {
                        raw.push(r);
                    }
                    raw.push(b);
                }
                raw
            }
            None => {
                if let Some(b) = value.bytes().find(|b| d.is_delimiter(*b)) {
                    return Err(EditError::Delimiter(b as char));
                }
                value.as_bytes().to_vec()
            }
        };
        self.set_raw_element(index, element, &raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unedited_documents_write_back_exactly() {
        let inputs: [&[u8]; 3] = [
            b"\xEF\xBB\xBFISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~\r\nGS*PO*S*R*20260101*1200*1*X*004010~\r\nST*850*0001~\r\nN4*WIL\nKES*NC~\r\nSE*3*0001~GE*1*1~IEA*1*000000001~\n\n",
            b"UNA:+.? 'UNB+UNOA:3+S+R+260101:1200+1'FTX+AAI+++A?+B'UNZ+0+1'",
            b"UNB+UNOA:3+S+R+260101:1200+1'UNZ+0+1",
        ];
        for input in inputs {
            assert_eq!(Document::parse(input).unwrap().write(), input);
        }
    }

    #[test]
    fn an_edit_changes_exactly_that_element() {
        let input = b"UNA:+.? 'UNB+UNOA:3+S+R+260101:1200+1'FTX+AAI+++OLD'UNZ+0+1'";
        let mut doc = Document::parse(input).unwrap();
        doc.set_value(2, 4, "N+W").unwrap();
        assert_eq!(doc.write(), b"UNA:+.? 'UNB+UNOA:3+S+R+260101:1200+1'FTX+AAI+++N?+W'UNZ+0+1'");
        assert_eq!(doc.set_value(0, 1, "x"), Err(EditError::ServiceAdvice(1)));
    }

    #[test]
    fn x12_refuses_a_delimiter_in_a_value() {
        let mut doc =
            Document::parse(b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~IEA*0*000000001~")
                .unwrap();
        assert_eq!(doc.set_value(1, 1, "a*b"), Err(EditError::Delimiter('*')));
        assert_eq!(doc.set_value(9, 1, "1"), Err(EditError::NoSegment(9)));
    }
}
