//! Helpers shared by the fuzz targets.

use std::io::Read;

use acorn_edi::{AckIds, Delimiters, GroupHeader, InterchangeHeader, Party, Segment, Standard, Value, Writer};

/// How far ahead the stream tokenizer reads to detect an interchange's delimiters: inputs shorter
/// than this are seen whole by both tokenizers, so they must agree exactly.
pub const STREAM_WINDOW: usize = 4096;

/// A reader returning the input in small chunks of varying size (1 to 61 bytes), so segments,
/// terminators and line breaks straddle reads.
pub struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    step: usize,
}

impl<'a> Chunked<'a> {
    pub fn new(data: &'a [u8]) -> Chunked<'a> {
        let step = data.first().map_or(1, |b| usize::from(*b % 61) + 1);
        Chunked { data, pos: 0, step }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len() - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        // Vary the chunk size from read to read.
        self.step = self.step % 61 + 1 + (self.pos % 7);
        Ok(n)
    }
}

pub fn ack_ids() -> AckIds {
    AckIds {
        sender: Party { qualifier: "ZZ".into(), id: "ACORN".into() },
        receiver: Party { qualifier: "ZZ".into(), id: "PARTNER".into() },
        interchange_control: 12,
        group_control: 34,
        date: "20260301".into(),
        time: "1200".into(),
        test: false,
        delimiters: None,
    }
}

const ENVELOPE: &[&[u8]] = &[b"ISA", b"IEA", b"GS", b"GE", b"ST", b"SE", b"TA1", b"UNA", b"UNB", b"UNZ", b"UNG", b"UNE", b"UNH", b"UNT"];

/// Writes the body of a set again with ACORN's canonical writer (X12 and EDIFACT), from the values
/// the tokenizer read. A value the writer refuses is skipped; what it writes must pass the envelope
/// checks with no count or control-number error (the writer computes every trailer).
pub fn rewrite(segs: &[Segment<'_>]) {
    for standard in [Standard::X12, Standard::Edifact] {
        let delimiters = match standard {
            Standard::X12 => Delimiters::x12_default(None),
            Standard::Edifact => Delimiters::edifact_default(),
        };
        let header = InterchangeHeader {
            sender_qualifier: "ZZ".into(),
            sender: "ACORN".into(),
            receiver_qualifier: "ZZ".into(),
            receiver: "PARTNER".into(),
            control: 1,
            date: "260301".into(),
            time: "1200".into(),
            version: if standard == Standard::X12 { "00401".into() } else { "3".into() },
            test: false,
            ack_requested: false,
            charset: "UNOC".into(),
        };
        let mut w = Writer::new(standard, delimiters, &header).expect("a fixed header writes");
        if standard == Standard::X12 {
            let group = GroupHeader {
                functional_id: "PO".into(),
                sender: "ACORN".into(),
                receiver: "PARTNER".into(),
                control: 1,
                date: "20260301".into(),
                time: "1200".into(),
                version: "004010".into(),
            };
            w.begin_group(&group).expect("group");
        }
        w.begin_set("850", "0001", if standard == Standard::X12 { "" } else { "D:96A:UN" }).expect("set");
        for seg in segs.iter().skip(1) {
            let tag = seg.tag();
            // Tags are the caller's to get right; only plausible body tags are rewritten.
            if !(2..=3).contains(&tag.len()) || !tag.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) || ENVELOPE.contains(&tag) {
                continue;
            }
            let values: Vec<Value> = (1..=seg.element_count()).map(|n| Value::from(seg.text(n).replace(['\r', '\n'], ""))).collect();
            let _ = w.segment(&seg.tag_str(), &values);
        }
        w.end_set().expect("end set");
        let out = w.finish().expect("finish");
        let report = acorn_edi::envelope::check(&out).expect("the output is an interchange");
        let bad: Vec<_> = report.findings.iter().filter(|f| f.is_error()).collect();
        assert!(bad.is_empty(), "the writer's output has envelope errors: {bad:?}\n{}", String::from_utf8_lossy(&out));
    }
}
