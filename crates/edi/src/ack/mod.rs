//! Acknowledgements: the 997, 999, TA1 and CONTRL ACORN sends for what it received, and the ones
//! partners send back for what ACORN sent.
//!
//! Outbound acknowledgements are built from a [`Validation`] alone, so what a partner is told is
//! exactly what the log shows: each finding's [`Rule`](crate::Rule) picks its code
//! ([`codes`]), its [`Location`](crate::Location) picks the segment and element reported, and the
//! verdicts of [`Validation`] pick the statuses. They are written by the canonical
//! [`Writer`](crate::Writer), which computes every trailer. Control numbers and dates come from the
//! caller ([`AckIds`]): the gateway owns the counters.
//!
//! [`read_acks`] reads the acknowledgements a partner sent, whatever their delimiters.

pub mod codes;
mod contrl;
mod received;
mod x12;

use std::collections::BTreeMap;

use crate::envelope::{InterchangeInfo, Party};
use crate::report::Finding;
use crate::syntax::{Delimiters, Standard};
use crate::validate::Validation;
use crate::writer::WriteError;

pub use contrl::contrl;
pub use received::{AckReader, AckedElement, AckedSegment, AckedSet, Context, ReceivedAck, ReceivedKind, read_acks};
pub use x12::x12_acks;

/// Which X12 acknowledgement answers a functional group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckKind {
    /// 997 functional acknowledgment (any version).
    Fa997,
    /// 999 implementation acknowledgment (005010X231).
    Ia999,
}

impl AckKind {
    /// ST01 of the acknowledgement.
    pub fn set_id(self) -> &'static str {
        match self {
            AckKind::Fa997 => "997",
            AckKind::Ia999 => "999",
        }
    }
}

/// The identities, control numbers and date of one outbound acknowledgement interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckIds {
    /// Us: ISA05/ISA06 or UNB S002 of the acknowledgement.
    pub sender: Party,
    /// The partner: ISA07/ISA08 or UNB S003.
    pub receiver: Party,
    /// ISA13 / UNB 0020 of the acknowledgement interchange.
    pub interchange_control: u64,
    /// GS06 of its `FA` group (X12 only; at most 9 digits).
    pub group_control: u64,
    /// `CCYYMMDD`.
    pub date: String,
    /// `HHMM` (or `HHMMSS`; the ISA and UNB keep `HHMM`).
    pub time: String,
    /// ISA15 `T` / UNB 0035 `1`.
    pub test: bool,
    /// The delimiters to write with; `None` writes ACORN's (`* > ~`, `^` from 00501 on; EDIFACT's defaults).
    pub delimiters: Option<Delimiters>,
}

impl AckIds {
    /// The ids of a reply to `received`: its receiver (us) becomes the sender and its sender the
    /// receiver, and the test flag is mirrored.
    pub fn reply_to(received: &InterchangeInfo, interchange_control: u64, group_control: u64, date: &str, time: &str) -> AckIds {
        AckIds {
            sender: received.receiver.clone(),
            receiver: received.sender.clone(),
            interchange_control,
            group_control,
            date: date.to_string(),
            time: time.to_string(),
            test: received.test,
            delimiters: None,
        }
    }

    /// Refuses values the envelope checks would reject in the acknowledgement itself.
    fn check(&self) -> Result<(), AckError> {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if self.date.len() != 8 || !digits(&self.date) {
            return Err(AckError::Ids { field: "date", value: self.date.clone(), expected: "CCYYMMDD" });
        }
        if !matches!(self.time.len(), 4 | 6) || !digits(&self.time) {
            return Err(AckError::Ids { field: "time", value: self.time.clone(), expected: "HHMM or HHMMSS" });
        }
        if self.group_control > 999_999_999 {
            return Err(AckError::Ids { field: "group control number", value: self.group_control.to_string(), expected: "at most 9 digits" });
        }
        Ok(())
    }

    /// `YYMMDD`, as the ISA and the syntax-3 UNB want it.
    fn short_date(&self) -> &str {
        &self.date[2..]
    }

    fn short_time(&self) -> &str {
        &self.time[..4]
    }
}

/// Why an acknowledgement could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    #[error("the validation has no interchange {index}; it has {count}")]
    NoInterchange { index: usize, count: usize },
    #[error("interchange {control} is {standard}; a {ack} acknowledges {expected} interchanges only")]
    Standard { control: String, standard: Standard, ack: &'static str, expected: Standard },
    #[error("the acknowledgement's {field} {value:?} must be {expected}")]
    Ids { field: &'static str, value: String, expected: &'static str },
    #[error("writing the acknowledgement of interchange {control}: {source}")]
    Write { control: String, source: WriteError },
}

/// Interchange `index` of `v`, which must be in `expected`.
fn received_interchange<'v>(v: &'v Validation, index: usize, expected: Standard, ack: &'static str) -> Result<&'v InterchangeInfo, AckError> {
    let ic = v.interchanges.get(index).ok_or(AckError::NoInterchange { index, count: v.interchanges.len() })?;
    if ic.standard != expected {
        return Err(AckError::Standard { control: ic.control.clone(), standard: ic.standard, ack, expected });
    }
    Ok(ic)
}

/// The findings of one set arranged as acknowledgements report them.
struct SetErrors<'v> {
    /// About the set as a whole (its header or trailer), or naming no segment: AK5 / UCM codes.
    envelope: Vec<&'v Finding>,
    /// Segments in error, in position order: AK3 / UCS.
    segments: Vec<SegmentErrors<'v>>,
}

struct SegmentErrors<'v> {
    position: usize,
    tag: &'v str,
    loop_id: Option<&'v str>,
    /// Findings about the segment itself (element findings that name no element included).
    segment: Vec<&'v Finding>,
    /// Findings about its elements, in element then component order: AK4 / UCD.
    elements: Vec<&'v Finding>,
}

impl<'v> SetErrors<'v> {
    fn collect(findings: impl IntoIterator<Item = &'v Finding>) -> SetErrors<'v> {
        let mut envelope = Vec::new();
        let mut by_segment: BTreeMap<(usize, &'v str), SegmentErrors<'v>> = BTreeMap::new();
        for f in findings {
            let at = &f.location;
            let (level, Some(position), Some(tag)) = (codes::level(f.rule), at.segment_position, at.segment_tag.as_deref()) else {
                envelope.push(f);
                continue;
            };
            if level == codes::Level::Envelope {
                envelope.push(f);
                continue;
            }
            let entry = by_segment.entry((position, tag)).or_insert_with(|| SegmentErrors {
                position,
                tag,
                loop_id: at.loop_id.as_deref(),
                segment: Vec::new(),
                elements: Vec::new(),
            });
            if level == codes::Level::Element && at.element.is_some() {
                entry.elements.push(f);
            } else {
                entry.segment.push(f);
            }
        }
        let mut segments: Vec<_> = by_segment.into_values().collect();
        for s in &mut segments {
            s.elements.sort_by_key(|f| (f.location.element, f.location.component));
        }
        SetErrors { envelope, segments }
    }
}

/// The distinct codes in order, at most `max` (AK5 and AK9 hold five).
fn distinct(codes: impl IntoIterator<Item = &'static str>, max: usize) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in codes {
        if out.len() == max {
            break;
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
