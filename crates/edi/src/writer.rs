//! The canonical writer for outbound documents.
//!
//! Outbound files are written one way only: the partner's delimiters, one segment per line
//! (terminator then `\n`, which every partner accepts and people can read), trailing empty elements
//! dropped, the ISA padded to its fixed widths, and every count and control number in the trailers
//! computed here rather than by the caller. EDIFACT values are escaped with the release character;
//! X12 has none, so an X12 value containing a delimiter is refused with its segment and element.

use crate::syntax::{Delimiters, Standard};

/// One element to write: a simple value, or the components of a composite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Simple(String),
    Composite(Vec<String>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Simple(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Simple(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Simple(s.clone())
    }
}

/// A composite element from its components.
pub fn composite<I: IntoIterator<Item = S>, S: Into<String>>(parts: I) -> Value {
    Value::Composite(parts.into_iter().map(Into::into).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{segment}{element:02}: the value {value:?} contains the delimiter {delimiter:?}, which X12 cannot escape")]
    Delimiter { segment: String, element: usize, value: String, delimiter: char },
    #[error("{0} is called outside the envelope it needs")]
    Envelope(&'static str),
    #[error("ISA{element:02} {value:?} is longer than its fixed width {width}")]
    IsaWidth { element: usize, value: String, width: usize },
}

/// Interchange-level identities and settings for an outbound interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeHeader {
    pub sender_qualifier: String,
    pub sender: String,
    pub receiver_qualifier: String,
    pub receiver: String,
    pub control: u64,
    /// `YYMMDD` for X12, `YYMMDD` for EDIFACT UNB S004.
    pub date: String,
    /// `HHMM`.
    pub time: String,
    /// X12 ISA12 (`00401`, `00501`); EDIFACT syntax version (`3`).
    pub version: String,
    pub test: bool,
    pub ack_requested: bool,
    /// EDIFACT syntax identifier (`UNOA`…); ignored for X12.
    pub charset: String,
}

/// An X12 functional group header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupHeader {
    /// GS01: `PO`, `PC`, `RA`, `FA`…
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub control: u64,
    /// `CCYYMMDD`.
    pub date: String,
    /// `HHMM`.
    pub time: String,
    /// GS08: `004010`, `005010X231`…
    pub version: String,
}

/// Writes one outbound interchange, computing every trailer.
#[derive(Debug)]
pub struct Writer {
    standard: Standard,
    d: Delimiters,
    out: Vec<u8>,
    control: String,
    groups: usize,
    /// Sets written directly in the interchange (EDIFACT without UNG) or in the open group.
    sets_in_group: usize,
    sets_outside_groups: usize,
    group_control: Option<String>,
    set: Option<(String, usize)>,
}

impl Writer {
    /// Starts an interchange with its ISA or UNA+UNB header.
    pub fn new(standard: Standard, delimiters: Delimiters, header: &InterchangeHeader) -> Result<Writer, WriteError> {
        let mut w = Writer {
            standard,
            d: delimiters,
            out: Vec::with_capacity(4096),
            control: String::new(),
            groups: 0,
            sets_in_group: 0,
            sets_outside_groups: 0,
            group_control: None,
            set: None,
        };
        match standard {
            Standard::X12 => w.isa(header)?,
            Standard::Edifact => w.unb(header)?,
        }
        Ok(w)
    }

    fn isa(&mut self, h: &InterchangeHeader) -> Result<(), WriteError> {
        let control = format!("{:09}", h.control % 1_000_000_000);
        let isa11 = self.d.repetition.map(|r| (r as char).to_string()).unwrap_or_else(|| "U".into());
        let fields: [(String, usize); 16] = [
            ("00".into(), 2),
            (String::new(), 10),
            ("00".into(), 2),
            (String::new(), 10),
            (h.sender_qualifier.clone(), 2),
            (h.sender.clone(), 15),
            (h.receiver_qualifier.clone(), 2),
            (h.receiver.clone(), 15),
            (h.date.clone(), 6),
            (h.time.clone(), 4),
            (isa11, 1),
            (h.version.clone(), 5),
            (control.clone(), 9),
            ((if h.ack_requested { "1" } else { "0" }).into(), 1),
            ((if h.test { "T" } else { "P" }).into(), 1),
            ((self.d.component as char).to_string(), 1),
        ];
        self.out.extend_from_slice(b"ISA");
        for (i, (value, width)) in fields.iter().enumerate() {
            if value.len() > *width {
                return Err(WriteError::IsaWidth { element: i + 1, value: value.clone(), width: *width });
            }
            // ISA11 (from 00501 on) and ISA16 are the repetition and component separators themselves.
            if i != 10 && i != 15 {
                check_x12("ISA", i + 1, value, &self.d)?;
            }
            self.out.push(self.d.element);
            self.out.extend_from_slice(format!("{value:<width$}").as_bytes());
        }
        self.end_segment();
        self.control = control;
        Ok(())
    }

    fn unb(&mut self, h: &InterchangeHeader) -> Result<(), WriteError> {
        let d = self.d;
        let release = d.release.unwrap_or(b' ');
        let reserved = d.repetition.unwrap_or(b' ');
        let una = [b'U', b'N', b'A', d.component, d.element, d.decimal, release, reserved, d.terminator()[0]];
        self.out.extend_from_slice(&una);
        self.out.push(b'\n');
        let control = h.control.to_string();
        let mut elements = vec![
            composite([h.charset.as_str(), h.version.as_str()]),
            composite([h.sender.as_str(), h.sender_qualifier.as_str()]),
            composite([h.receiver.as_str(), h.receiver_qualifier.as_str()]),
            composite([h.date.as_str(), h.time.as_str()]),
            Value::from(control.as_str()),
        ];
        if h.ack_requested || h.test {
            elements.extend(["", "", "", if h.ack_requested { "1" } else { "" }, "", if h.test { "1" } else { "" }].map(Value::from));
        }
        self.segment("UNB", &elements)?;
        self.control = control;
        Ok(())
    }

    /// Opens a functional group (X12 GS; EDIFACT UNG is not used for outbound).
    pub fn begin_group(&mut self, h: &GroupHeader) -> Result<(), WriteError> {
        if self.standard != Standard::X12 || self.group_control.is_some() {
            return Err(WriteError::Envelope("begin_group"));
        }
        let control = h.control.to_string();
        let elements = [h.functional_id.as_str(), &h.sender, &h.receiver, &h.date, &h.time, &control, "X", &h.version];
        self.segment("GS", &elements.map(Value::from))?;
        self.group_control = Some(control);
        self.sets_in_group = 0;
        self.groups += 1;
        Ok(())
    }

    pub fn end_group(&mut self) -> Result<(), WriteError> {
        let control = self.group_control.take().ok_or(WriteError::Envelope("end_group"))?;
        let count = self.sets_in_group.to_string();
        self.segment("GE", &[count.as_str(), control.as_str()].map(Value::from))
    }

    /// Opens a set: X12 `ST*id*control`, EDIFACT `UNH+control+id:version…` (`version` like `D:96A:UN`).
    pub fn begin_set(&mut self, id: &str, control: &str, version: &str) -> Result<(), WriteError> {
        if self.set.is_some() {
            return Err(WriteError::Envelope("begin_set"));
        }
        match self.standard {
            Standard::X12 => {
                if self.group_control.is_none() {
                    return Err(WriteError::Envelope("begin_set"));
                }
                let mut elements = vec![Value::from(id), Value::from(control)];
                if !version.is_empty() {
                    elements.push(Value::from(version));
                }
                self.segment("ST", &elements)?;
            }
            Standard::Edifact => {
                let mut parts = vec![id.to_string()];
                parts.extend(version.split(':').map(str::to_string));
                self.segment("UNH", &[Value::from(control), Value::Composite(parts)])?;
            }
        }
        self.set = Some((control.to_string(), 1));
        Ok(())
    }

    pub fn end_set(&mut self) -> Result<(), WriteError> {
        let (control, count) = self.set.take().ok_or(WriteError::Envelope("end_set"))?;
        let count = (count + 1).to_string();
        let tag = if self.standard == Standard::X12 { "SE" } else { "UNT" };
        self.segment(tag, &[count.as_str(), control.as_str()].map(Value::from))?;
        if self.group_control.is_some() {
            self.sets_in_group += 1;
        } else {
            self.sets_outside_groups += 1;
        }
        Ok(())
    }

    /// Writes one segment; inside a set it counts toward the trailer. A refused segment writes
    /// nothing: the interchange stays as it was, so the caller may go on without it.
    pub fn segment(&mut self, tag: &str, elements: &[Value]) -> Result<(), WriteError> {
        let start = self.out.len();
        if let Err(e) = self.segment_body(tag, elements) {
            self.out.truncate(start);
            return Err(e);
        }
        self.end_segment();
        if let Some((_, count)) = &mut self.set
            && tag != "ST"
            && tag != "UNH"
        {
            *count += 1;
        }
        Ok(())
    }

    fn segment_body(&mut self, tag: &str, elements: &[Value]) -> Result<(), WriteError> {
        let last = elements.iter().rposition(|e| !is_empty(e)).map_or(0, |i| i + 1);
        self.out.extend_from_slice(tag.as_bytes());
        for (i, element) in elements[..last].iter().enumerate() {
            self.out.push(self.d.element);
            match element {
                Value::Simple(v) => self.value(tag, i + 1, v)?,
                Value::Composite(parts) => {
                    let keep = parts.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
                    for (j, part) in parts[..keep].iter().enumerate() {
                        if j > 0 {
                            self.out.push(self.d.component);
                        }
                        self.value(tag, i + 1, part)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn value(&mut self, tag: &str, element: usize, v: &str) -> Result<(), WriteError> {
        match self.d.release {
            Some(r) => {
                for b in v.bytes() {
                    if self.d.is_delimiter(b) {
                        self.out.push(r);
                    }
                    self.out.push(b);
                }
            }
            None => {
                check_x12(tag, element, v, &self.d)?;
                self.out.extend_from_slice(v.as_bytes());
            }
        }
        Ok(())
    }

    fn end_segment(&mut self) {
        self.out.extend_from_slice(self.d.terminator());
        if self.d.terminator() != b"\n" {
            self.out.push(b'\n');
        }
    }

    /// Closes the interchange (IEA / UNZ) and returns its bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        if self.set.is_some() {
            return Err(WriteError::Envelope("finish with an open set"));
        }
        if self.group_control.is_some() {
            self.end_group()?;
        }
        let control = self.control.clone();
        match self.standard {
            Standard::X12 => {
                let count = self.groups.to_string();
                self.segment("IEA", &[count.as_str(), control.as_str()].map(Value::from))?;
            }
            Standard::Edifact => {
                let count = (self.sets_outside_groups + self.groups).to_string();
                self.segment("UNZ", &[count.as_str(), control.as_str()].map(Value::from))?;
            }
        }
        Ok(self.out)
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Simple(s) => s.is_empty(),
        Value::Composite(parts) => parts.iter().all(String::is_empty),
    }
}

fn check_x12(tag: &str, element: usize, v: &str, d: &Delimiters) -> Result<(), WriteError> {
    match v.bytes().find(|b| d.is_delimiter(*b)) {
        Some(b) => Err(WriteError::Delimiter { segment: tag.into(), element, value: v.into(), delimiter: b as char }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> InterchangeHeader {
        InterchangeHeader {
            sender_qualifier: "ZZ".into(),
            sender: "ACORN".into(),
            receiver_qualifier: "ZZ".into(),
            receiver: "VENDOR1".into(),
            control: 42,
            date: "261127".into(),
            time: "1530".into(),
            version: "00401".into(),
            test: false,
            ack_requested: true,
            charset: "UNOC".into(),
        }
    }

    fn group(id: &str, control: u64) -> GroupHeader {
        GroupHeader {
            functional_id: id.into(),
            sender: "ACORN".into(),
            receiver: "VENDOR1".into(),
            control,
            date: "20261127".into(),
            time: "1530".into(),
            version: "004010".into(),
        }
    }

    #[test]
    fn x12_output_passes_the_envelope_checks() {
        let mut w = Writer::new(Standard::X12, Delimiters::x12_default(None), &header()).unwrap();
        w.begin_group(&group("PO", 7)).unwrap();
        w.begin_set("850", "0001", "").unwrap();
        w.segment("BEG", &["00", "SA", "PO1", "", "20261127"].map(Value::from)).unwrap();
        w.segment("N1", &["ST", "DC ONE", "92", "RNO4", "", ""].map(Value::from)).unwrap();
        w.end_set().unwrap();
        let out = w.finish().unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("ISA*00*          *00*          *ZZ*ACORN          *ZZ*VENDOR1        *261127*1530*U*00401*000000042*1*P*>~\n"));
        assert!(text.contains("N1*ST*DC ONE*92*RNO4~\nSE*4*0001~\nGE*1*7~\nIEA*1*000000042~\n"));
        let report = crate::envelope::check(&out).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn edifact_output_escapes_and_counts() {
        let mut w = Writer::new(Standard::Edifact, Delimiters::edifact_default(), &header()).unwrap();
        w.begin_set("ORDERS", "1", "D:96A:UN").unwrap();
        w.segment("FTX", &[Value::from("AAI"), "".into(), "".into(), composite(["IT'S+OK"])]).unwrap();
        w.end_set().unwrap();
        let out = w.finish().unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.contains("FTX+AAI+++IT?'S?+OK'\nUNT+3+1'\nUNZ+1+42'"), "{text}");
        let report = crate::envelope::check(&out).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn x12_refuses_delimiters_in_data() {
        let mut w = Writer::new(Standard::X12, Delimiters::x12_default(None), &header()).unwrap();
        w.begin_group(&group("PO", 1)).unwrap();
        let err = w.segment("N1", &["ST", "A*B"].map(Value::from)).unwrap_err();
        assert_eq!(err.to_string(), "N102: the value \"A*B\" contains the delimiter '*', which X12 cannot escape");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// parse(write(x)) == x: segments written by the writer read back as the same values (trailing
        /// empty elements are dropped by the writer), and the document writes back byte for byte.
        #[test]
        fn what_is_written_reads_back(
            body in proptest::collection::vec(
                (proptest::sample::select(&["BEG", "REF", "N1", "PO1", "CTP", "DTM", "FTX"][..]), proptest::collection::vec("[A-Z0-9 .,/+:'?*-]{0,9}", 1..8)),
                1..12,
            ),
            edifact in proptest::bool::ANY,
        ) {
            let (standard, d) = if edifact { (Standard::Edifact, Delimiters::edifact_default()) } else { (Standard::X12, Delimiters::x12_default(None)) };
            let mut w = Writer::new(standard, d, &header()).unwrap();
            if !edifact {
                w.begin_group(&group("PO", 7)).unwrap();
            }
            w.begin_set("850", "0001", if edifact { "D:96A:UN" } else { "" }).unwrap();
            let mut written = Vec::new();
            for (tag, values) in &body {
                // X12 cannot escape its delimiters: those values are refused, and left out here.
                let values: Vec<String> = values.iter().map(|v| if edifact { v.clone() } else { v.replace(['*', '>', '~'], "") }).collect();
                w.segment(tag, &values.iter().map(Value::from).collect::<Vec<_>>()).unwrap();
                let keep = values.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
                written.push((tag.to_string(), values[..keep].to_vec()));
            }
            w.end_set().unwrap();
            let out = w.finish().unwrap();
            let segs: Vec<_> = crate::Tokenizer::new(&out).unwrap().collect();
            let start = segs.iter().position(|s| s.is("ST") || s.is("UNH")).unwrap() + 1;
            let read: Vec<(String, Vec<String>)> = segs[start..start + written.len()]
                .iter()
                .map(|s| (s.tag_str().into_owned(), (1..=s.element_count()).map(|n| s.text(n).into_owned()).collect()))
                .collect();
            proptest::prop_assert_eq!(read, written);
            proptest::prop_assert_eq!(crate::Document::parse(&out).unwrap().write(), out.clone());
            let report = crate::envelope::check(&out).unwrap();
            proptest::prop_assert!(report.findings.is_empty(), "{:?}", report.findings);
        }
    }

    /// Found by fuzzing: a refused value left the segment half written, with no terminator, so
    /// the next segment ran into it and the set lost its trailer.
    #[test]
    fn a_refused_segment_leaves_the_interchange_as_it_was() {
        let mut w = Writer::new(Standard::X12, Delimiters::x12_default(None), &header()).unwrap();
        w.begin_group(&group("PO", 1)).unwrap();
        w.begin_set("850", "0001", "").unwrap();
        assert!(w.segment("FTX", &["AAI", "", "", "A~B"].map(Value::from)).is_err());
        w.segment("BEG", &["00", "SA", "PO1", "", "20261127"].map(Value::from)).unwrap();
        w.end_set().unwrap();
        let out = w.finish().unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.contains("ST*850*0001~\nBEG*00*SA*PO1**20261127~\nSE*3*0001~\n"), "{text}");
        let report = crate::envelope::check(&out).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }
}
