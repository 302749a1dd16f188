//! Envelope checks: interchange, group and set headers against their trailers.
//!
//! [`Envelope`] is fed one segment at a time (from a slice or a stream), tells the caller where
//! each segment sits ([`Place`]) so a guide validator can follow the sets, and records what it
//! learns about each interchange, group and set ([`InterchangeInfo`]). X12 (ISA/GS/ST … SE/GE/IEA)
//! and EDIFACT (UNA/UNB/UNG/UNH … UNT/UNE/UNZ) share one state machine: an EDIFACT interchange
//! without UNG gets an implicit group, so every set belongs to exactly one group.

use std::borrow::Cow;
use std::collections::HashSet;

use compact_str::CompactString;
use serde::Serialize;

use crate::report::{Finding, Location, Rule, Scope};

use crate::segment::{Element, Segment};
use crate::syntax::Standard;

/// Where a segment sits in the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// EDIFACT UNA.
    ServiceAdvice,
    InterchangeHeader,
    /// A TA1 (or other interchange-level service segment) between groups.
    InterchangeService,
    InterchangeTrailer,
    GroupHeader,
    GroupTrailer,
    /// ST / UNH; `position` is 1.
    SetHeader,
    /// A segment inside a set; `position` counts the header as 1.
    SetBody {
        position: usize,
    },
    SetTrailer {
        position: usize,
    },
    /// Where no segment may be (reported as a finding).
    Outside,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Party {
    pub qualifier: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterchangeInfo {
    #[serde(serialize_with = "ser_standard")]
    pub standard: Standard,
    pub control: String,
    pub sender: Party,
    pub receiver: Party,
    pub date: String,
    pub time: String,
    /// ISA12 (`00401`, `00501`) or the EDIFACT syntax version (`3`).
    pub version: String,
    /// EDIFACT syntax identifier (`UNOA`…`UNOD`).
    pub charset: Option<String>,
    pub test: bool,
    /// ISA14 = 1 (TA1 wanted) or UNB 0031 = 1 (CONTRL wanted).
    pub ack_requested: bool,
    pub offset: usize,
    pub end_offset: usize,
    pub groups: Vec<GroupInfo>,
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupInfo {
    /// GS01 (`PO`, `SH`…) or UNG 0038; empty for an implicit EDIFACT group.
    pub functional_id: String,
    pub control: String,
    pub sender: String,
    pub receiver: String,
    /// GS08 (`004010`, `005010X230`) or the UNG message version.
    pub version: String,
    /// False for the implicit group of an EDIFACT interchange without UNG.
    pub explicit: bool,
    pub sets: Vec<SetInfo>,
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetInfo {
    /// ST01 (`850`) or the UNH message type (`ORDERS`). The three strings are short and kept for
    /// every set of an interchange (tens of thousands in a large file): inline strings, so that a
    /// set costs no allocation.
    pub id: CompactString,
    pub control: CompactString,
    /// X12: GS08 (or ST03 when given); EDIFACT: `D:96A:UN`.
    pub version: CompactString,
    pub offset: usize,
    pub end_offset: usize,
    /// Index of the header segment in the input.
    pub first_index: usize,
    /// Segments counted, header and trailer included.
    pub segments: usize,
    pub closed: bool,
}

fn ser_standard<S: serde::Serializer>(s: &Standard, ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_str(s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    Interchange,
    Group,
    Set,
}

/// The envelope state machine and what it found.
#[derive(Debug)]
pub struct Envelope {
    state: State,
    interchanges: Vec<InterchangeInfo>,
    findings: Vec<Finding>,
    set_controls: Controls,
    /// Segments in the current set so far (header included).
    set_position: usize,
    last_offset: usize,
}

/// What [`Envelope::finish`] returns.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EnvelopeReport {
    pub interchanges: Vec<InterchangeInfo>,
    pub findings: Vec<Finding>,
}

const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

impl Default for Envelope {
    fn default() -> Self {
        Envelope::new()
    }
}

impl Envelope {
    pub fn new() -> Envelope {
        Envelope { state: State::Outside, interchanges: Vec::new(), findings: Vec::new(), set_controls: Controls::default(), set_position: 0, last_offset: 0 }
    }

    /// The interchanges seen so far (the last one may still be open).
    pub fn interchanges(&self) -> &[InterchangeInfo] {
        &self.interchanges
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Whether a set is open (its body segments are being counted).
    pub(crate) fn in_set(&self) -> bool {
        self.state == State::Set
    }

    /// The position in the open set of its last segment so far (the header is 1).
    pub(crate) fn set_position(&self) -> usize {
        self.set_position
    }

    /// What `n` calls of [`Envelope::push`] with terminated body segments of the open set do, the
    /// last of them ending at byte `end`: they only move the set's counters.
    pub(crate) fn body_run(&mut self, n: usize, end: usize) {
        debug_assert!(self.state == State::Set);
        self.last_offset = end;
        self.set_position += n;
        if let Some(ic) = self.interchanges.last_mut() {
            ic.end_offset = end;
            if let Some(set) = ic.groups.last_mut().and_then(|g| g.sets.last_mut()) {
                set.segments += n;
                set.end_offset = end;
            }
        }
    }

    /// [`Envelope::locate`] into an existing location, reusing its strings (once per set, so a
    /// pass allocates nothing for the location of each set).
    pub(crate) fn locate_into(&self, seg: &Segment<'_>, loc: &mut Location) {
        let ic = self.interchanges.last().filter(|_| self.state != State::Outside);
        let group = ic.and_then(|i| i.groups.last()).filter(|_| matches!(self.state, State::Group | State::Set));
        let set = group.and_then(|g| g.sets.last()).filter(|_| self.state == State::Set);
        loc.interchange_index = ic.map(|_| self.interchanges.len() - 1);
        loc.group_index = group.and_then(|_| ic.map(|i| i.groups.len() - 1));
        loc.set_index = set.and_then(|_| group.map(|g| g.sets.len() - 1));
        assign(&mut loc.interchange, ic.map(|i| i.control.as_str()));
        assign(&mut loc.group, group.filter(|g| g.explicit).map(|g| g.control.as_str()));
        assign(&mut loc.set, set.map(|s| s.control.as_str()));
        assign(&mut loc.set_id, set.map(|s| s.id.as_str()));
        loc.segment_position = set.map(|_| self.set_position);
        loc.segment_index = Some(seg.index());
        assign(&mut loc.segment_tag, Some(&seg.tag_str()));
        loc.offset = Some(seg.offset());
        loc.loop_id = None;
        loc.element = None;
        loc.component = None;
        loc.element_ref = None;
    }

    /// The location of `seg` in the current envelope, for findings raised by other checkers.
    pub fn locate(&self, seg: &Segment<'_>) -> Location {
        let ic = self.interchanges.last().filter(|_| self.state != State::Outside);
        let group = ic.and_then(|i| i.groups.last()).filter(|_| matches!(self.state, State::Group | State::Set));
        let set = group.and_then(|g| g.sets.last()).filter(|_| self.state == State::Set);
        Location {
            interchange_index: ic.map(|_| self.interchanges.len() - 1),
            group_index: group.and_then(|_| ic.map(|i| i.groups.len() - 1)),
            set_index: set.and_then(|_| group.map(|g| g.sets.len() - 1)),
            interchange: ic.map(|i| i.control.clone()),
            group: group.filter(|g| g.explicit).map(|g| g.control.clone()),
            set: set.map(|s| s.control.to_string()),
            set_id: set.map(|s| s.id.to_string()),
            segment_position: set.map(|_| self.set_position),
            segment_index: Some(seg.index()),
            segment_tag: Some(seg.tag_str().into_owned()),
            offset: Some(seg.offset()),
            ..Location::default()
        }
    }

    fn report(&mut self, scope: Scope, rule: Rule, seg: &Segment<'_>, element: Option<usize>, message: String) {
        let mut location = self.locate(seg);
        location.element = element;
        self.findings.push(Finding::error(scope, rule, location, message));
    }

    fn warn(&mut self, scope: Scope, rule: Rule, seg: &Segment<'_>, element: Option<usize>, message: String) {
        let mut location = self.locate(seg);
        location.element = element;
        self.findings.push(Finding::warning(scope, rule, location, message));
    }

    /// Feeds the next segment.
    pub fn push(&mut self, seg: &Segment<'_>) -> Place {
        self.last_offset = seg.offset() + seg.raw().len() + seg.trailer().len();
        // Nearly every segment is a terminated body segment of an open set: it only moves the
        // set's counters, as `body` would.
        if self.state == State::Set && seg.is_terminated() && !is_envelope_tag(seg.tag()) {
            self.body_run(1, self.last_offset);
            return Place::SetBody { position: self.set_position };
        }
        // Located before the segment moves the state (an unterminated IEA still names its
        // interchange), at the position the segment then takes.
        let unterminated = (!seg.is_terminated()).then(|| (if self.state == State::Set { Scope::Set } else { Scope::Interchange }, self.locate(seg)));
        if let Some(ic) = self.interchanges.last_mut() {
            ic.end_offset = self.last_offset;
        }
        let tag = seg.tag();
        let place = match tag {
            b"UNA" if seg.is_service_advice() => {
                self.close_open(seg);
                Place::ServiceAdvice
            }
            b"ISA" => self.isa(seg),
            b"UNB" => self.unb(seg),
            b"GS" | b"UNG" => self.group_header(seg),
            b"ST" => self.set_header(seg, true),
            b"UNH" => self.set_header(seg, false),
            b"SE" => self.set_trailer(seg, true),
            b"UNT" => self.set_trailer(seg, false),
            b"GE" | b"UNE" => self.group_trailer(seg),
            b"IEA" | b"UNZ" => self.interchange_trailer(seg),
            _ => self.body(seg),
        };
        if let Some((scope, mut location)) = unterminated {
            if let Place::SetBody { position } | Place::SetTrailer { position } = place {
                location.segment_position = Some(position);
            }
            self.findings.push(Finding::error(scope, Rule::MissingTerminator, location, "the input ends without a segment terminator".to_string()));
        }
        if let Some(set) = self.open_set_mut() {
            set.end_offset = seg.offset() + seg.raw().len() + seg.trailer().len();
        }
        place
    }

    /// Closes the input: whatever is still open lacks its trailer.
    pub fn finish(mut self) -> EnvelopeReport {
        let what = match self.state {
            State::Outside => None,
            State::Interchange => Some((Scope::Interchange, "the interchange has no trailer (IEA/UNZ)")),
            State::Group => Some((Scope::Group, "the group has no trailer (GE/UNE/IEA/UNZ)")),
            State::Set => Some((Scope::Set, "the set has no trailer (SE/UNT)")),
        };
        if let Some((scope, message)) = what {
            let ic = self.interchanges.last();
            let group = ic.and_then(|i| i.groups.last()).filter(|_| matches!(self.state, State::Group | State::Set));
            let set = group.and_then(|g| g.sets.last()).filter(|_| self.state == State::Set);
            let location = Location {
                interchange_index: ic.map(|_| self.interchanges.len() - 1),
                group_index: group.and_then(|_| ic.map(|i| i.groups.len() - 1)),
                set_index: set.and_then(|_| group.map(|g| g.sets.len() - 1)),
                interchange: ic.map(|i| i.control.clone()),
                group: group.filter(|g| g.explicit).map(|g| g.control.clone()),
                set: set.map(|s| s.control.to_string()),
                set_id: set.map(|s| s.id.to_string()),
                offset: Some(self.last_offset),
                ..Location::default()
            };
            self.findings.push(Finding::error(scope, Rule::MissingTrailer, location, message));
        }
        EnvelopeReport { interchanges: self.interchanges, findings: self.findings }
    }

    fn open_set_mut(&mut self) -> Option<&mut SetInfo> {
        if self.state != State::Set {
            return None;
        }
        self.interchanges.last_mut()?.groups.last_mut()?.sets.last_mut()
    }

    /// The open set's trailer never came, as `seg` (a header or trailer outside the set) shows.
    fn set_unclosed(&mut self, seg: &Segment<'_>, message: &str) {
        let mut location = self.locate(seg);
        // `seg` is not part of the set: it has no position in it.
        location.segment_position = None;
        self.findings.push(Finding::error(Scope::Set, Rule::MissingTrailer, location, message.to_string()));
    }

    /// A new interchange header while one is open: the open one lacks its trailer.
    fn close_open(&mut self, seg: &Segment<'_>) {
        if self.state != State::Outside {
            self.report(Scope::Interchange, Rule::MissingTrailer, seg, None, "a new interchange starts before the previous one's trailer".into());
            self.state = State::Outside;
        }
    }

    fn isa(&mut self, seg: &Segment<'_>) -> Place {
        self.close_open(seg);
        let fields: Vec<_> = seg.elements().map(|e| e.text().into_owned()).collect();
        let get = |n: usize| fields.get(n - 1).cloned().unwrap_or_default();
        self.interchanges.push(InterchangeInfo {
            standard: Standard::X12,
            control: get(13).trim().to_string(),
            sender: Party { qualifier: get(5).trim().into(), id: get(6).trim().into() },
            receiver: Party { qualifier: get(7).trim().into(), id: get(8).trim().into() },
            date: get(9),
            time: get(10),
            version: get(12),
            charset: None,
            test: get(15) == "T",
            ack_requested: get(14) == "1",
            offset: seg.offset(),
            end_offset: self.last_offset,
            groups: Vec::new(),
            closed: false,
        });
        self.state = State::Interchange;
        if fields.len() != 16 {
            self.report(Scope::Interchange, Rule::IsaLayout, seg, None, format!("ISA has {} elements; it must have 16", fields.len()));
        }
        // Widths count data bytes: line breaks that wrap the ISA (a fixed 80-column layout) are not data.
        let elements: Vec<_> = seg.elements().map(|e| e.value().len()).collect();
        for (i, (&len, width)) in elements.iter().zip(ISA_WIDTHS).enumerate() {
            if len != width {
                self.warn(Scope::Interchange, Rule::IsaLayout, seg, Some(i + 1), format!("ISA{:02} is {len} bytes; the standard fixes it at {width}", i + 1));
            }
        }
        let len = seg.raw().iter().filter(|b| **b != b'\r' && **b != b'\n').count();
        if len != 105 {
            self.warn(
                Scope::Interchange,
                Rule::IsaLayout,
                seg,
                None,
                format!("the ISA segment is {} bytes; the standard fixes it at 106", len + seg.delimiters().terminator().len()),
            );
        }
        let control = get(13);
        if control.len() != 9 || !control.bytes().all(|b| b.is_ascii_digit()) {
            self.report(Scope::Interchange, Rule::ControlNumberSyntax, seg, Some(13), format!("ISA13 {control:?} must be 9 digits"));
        }
        if !matches!(get(14).as_str(), "0" | "1") {
            self.report(
                Scope::Interchange,
                Rule::EnvelopeValue,
                seg,
                Some(14),
                format!("ISA14 (acknowledgment requested) is {:?}; it must be 0 or 1", get(14)),
            );
        }
        if !matches!(get(15).as_str(), "T" | "P" | "I") {
            self.report(Scope::Interchange, Rule::EnvelopeValue, seg, Some(15), format!("ISA15 (usage indicator) is {:?}; it must be T or P", get(15)));
        }
        if !valid_date(&get(9)) {
            self.report(Scope::Interchange, Rule::EnvelopeValue, seg, Some(9), format!("ISA09 {:?} is not a date YYMMDD", get(9)));
        }
        if !valid_time(&get(10)) {
            self.report(Scope::Interchange, Rule::EnvelopeValue, seg, Some(10), format!("ISA10 {:?} is not a time HHMM", get(10)));
        }
        Place::InterchangeHeader
    }

    fn unb(&mut self, seg: &Segment<'_>) -> Place {
        self.close_open(seg);
        let el = |n: usize, c: usize| seg.element(n).and_then(|e| e.component(c)).map(|c| c.text().into_owned()).unwrap_or_default();
        let charset = el(1, 1);
        self.interchanges.push(InterchangeInfo {
            standard: Standard::Edifact,
            control: el(5, 1),
            sender: Party { id: el(2, 1), qualifier: el(2, 2) },
            receiver: Party { id: el(3, 1), qualifier: el(3, 2) },
            date: el(4, 1),
            time: el(4, 2),
            version: el(1, 2),
            charset: Some(charset.clone()),
            test: el(11, 1) == "1",
            ack_requested: el(9, 1) == "1",
            offset: seg.offset(),
            end_offset: self.last_offset,
            groups: Vec::new(),
            closed: false,
        });
        self.state = State::Interchange;
        if !matches!(charset.as_str(), "UNOA" | "UNOB" | "UNOC" | "UNOD") {
            self.report(
                Scope::Interchange,
                Rule::UnsupportedSyntax,
                seg,
                Some(1),
                format!("syntax identifier {charset:?} is not one of UNOA, UNOB, UNOC, UNOD"),
            );
        }
        let control = el(5, 1);
        if control.is_empty() || control.len() > 14 {
            self.report(
                Scope::Interchange,
                Rule::ControlNumberSyntax,
                seg,
                Some(5),
                format!("interchange control reference {control:?} must be 1 to 14 characters"),
            );
        }
        Place::InterchangeHeader
    }

    fn group_header(&mut self, seg: &Segment<'_>) -> Place {
        match self.state {
            State::Outside => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, "a group header outside any interchange".into());
                return Place::Outside;
            }
            State::Set => {
                self.set_unclosed(seg, "a group starts before the open set's trailer");
                self.close_group_implicitly(seg);
            }
            State::Group => self.close_group_implicitly(seg),
            State::Interchange => {}
        }
        let x12 = seg.is("GS");
        let text = |n: usize| seg.element(n).and_then(|e| e.component(1)).map(|e| e.text().into_owned()).unwrap_or_default();
        let version = if x12 {
            seg.text(8).into_owned()
        } else {
            seg.element(7).map(|e| e.components().map(|c| c.text().into_owned()).collect::<Vec<_>>().join(":")).unwrap_or_default()
        };
        let control = if x12 { seg.text(6).into_owned() } else { text(5) };
        let group = GroupInfo {
            functional_id: text(1),
            control: control.clone(),
            sender: text(2),
            receiver: text(3),
            version,
            explicit: true,
            sets: Vec::new(),
            closed: false,
        };
        self.interchanges.last_mut().expect("in interchange").groups.push(group);
        self.state = State::Group;
        self.set_controls.clear();
        if x12 && (control.is_empty() || control.len() > 9 || !control.bytes().all(|b| b.is_ascii_digit())) {
            self.report(Scope::Group, Rule::ControlNumberSyntax, seg, Some(6), format!("GS06 {control:?} must be 1 to 9 digits"));
        }
        if x12 && seg.text(8).is_empty() {
            self.report(Scope::Group, Rule::EnvelopeValue, seg, Some(8), "GS08 (version) is missing".into());
        }
        Place::GroupHeader
    }

    /// A group whose trailer never came (the next group, or the interchange trailer, arrived).
    fn close_group_implicitly(&mut self, seg: &Segment<'_>) {
        let explicit = self.interchanges.last().and_then(|i| i.groups.last()).is_some_and(|g| g.explicit);
        if explicit {
            self.report(Scope::Group, Rule::MissingTrailer, seg, None, "the group has no trailer (GE/UNE)".into());
        } else if let Some(g) = self.interchanges.last_mut().and_then(|i| i.groups.last_mut()) {
            g.closed = true;
        }
        self.state = State::Interchange;
    }

    fn set_header(&mut self, seg: &Segment<'_>, x12: bool) -> Place {
        match self.state {
            State::Outside => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, "a set header outside any interchange".into());
                return Place::Outside;
            }
            State::Interchange => {
                let ic = self.interchanges.last_mut().expect("in interchange");
                if ic.standard == Standard::X12 {
                    self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, "ST outside a functional group (GS)".into());
                    return Place::Outside;
                }
                // EDIFACT without UNG: messages sit directly in the interchange.
                ic.groups.push(GroupInfo {
                    functional_id: String::new(),
                    control: String::new(),
                    sender: ic.sender.id.clone(),
                    receiver: ic.receiver.id.clone(),
                    version: String::new(),
                    explicit: false,
                    sets: Vec::new(),
                    closed: false,
                });
                self.set_controls.clear();
            }
            State::Set => {
                self.set_unclosed(seg, "a new set starts before the open set's trailer (SE/UNT)");
            }
            State::Group => {}
        }
        let (id, control, version) = if x12 {
            // ST01, ST02 and ST03 from one split of the segment.
            let [id, control, st03] = match first_fields::<3>(seg) {
                Some([a, b, c]) => [compact_text(a), compact_text(b), compact_text(c)],
                None => first_texts(seg).map(|t| CompactString::new(t)),
            };
            let version = if st03.is_empty() {
                self.interchanges.last().and_then(|i| i.groups.last()).map(|g| CompactString::new(&g.version)).unwrap_or_default()
            } else {
                st03
            };
            (id, control, version)
        } else {
            let s009 = seg.element(2);
            let id = s009.and_then(|e| e.component(1)).map(|c| CompactString::new(c.text())).unwrap_or_default();
            let version =
                s009.map(|e| e.components().skip(1).take(3).map(|c| c.text()).collect::<Vec<_>>().join(":")).map(CompactString::from).unwrap_or_default();
            (id, CompactString::new(seg.text(1)), version)
        };
        let (id_missing, control_len) = (id.is_empty(), control.len());
        let duplicate = !self.set_controls.insert(&control);
        let group = self.interchanges.last_mut().and_then(|i| i.groups.last_mut()).expect("in group");
        group.sets.push(SetInfo { id, control, version, offset: seg.offset(), end_offset: seg.offset(), first_index: seg.index(), segments: 1, closed: false });
        self.state = State::Set;
        self.set_position = 1;
        if id_missing {
            self.report(Scope::Set, Rule::EnvelopeValue, seg, Some(if x12 { 1 } else { 2 }), "the set identifier is missing".into());
        }
        let bad_control = if x12 { !(4..=9).contains(&control_len) } else { control_len == 0 || control_len > 14 };
        if bad_control || duplicate {
            let control = self.open_set_mut().map(|s| s.control.clone()).unwrap_or_default();
            if bad_control {
                let rule_text = if x12 { "ST02 must be 4 to 9 characters" } else { "the message reference (UNH 0062) must be 1 to 14 characters" };
                self.report(Scope::Set, Rule::ControlNumberSyntax, seg, Some(if x12 { 2 } else { 1 }), format!("{rule_text}; it is {control:?}"));
            }
            if duplicate {
                self.report(
                    Scope::Set,
                    Rule::DuplicateControlNumber,
                    seg,
                    Some(if x12 { 2 } else { 1 }),
                    format!("set control number {control} is used twice in this group"),
                );
            }
        }
        Place::SetHeader
    }

    fn set_trailer(&mut self, seg: &Segment<'_>, x12: bool) -> Place {
        if self.state != State::Set {
            let scope = if self.state == State::Outside { Scope::Interchange } else { Scope::Group };
            self.report(scope, Rule::EnvelopeStructure, seg, None, format!("{} without an open set", seg.tag_str()));
            return Place::Outside;
        }
        self.set_position += 1;
        let position = self.set_position;
        let set = self.open_set_mut().expect("open set");
        set.segments = position;
        set.closed = true;
        // SE01 and SE02 compared as bytes when the segment is plain and SE02 is ASCII (every
        // trailer of a good file): the same answers as their texts, without making them.
        let fine = first_fields::<2>(seg)
            .filter(|[_, reference]| reference.is_ascii())
            .map(|[count, reference]| (parse_count(count) == Some(position), reference == set.control.as_bytes()));
        if fine == Some((true, true)) {
            self.state = State::Group;
            return Place::SetTrailer { position };
        }
        let [count, reference] = first_texts(seg);
        if count.parse::<usize>().ok() != Some(position) {
            let name = if x12 { "SE01" } else { "UNT 0074" };
            self.report(Scope::Set, Rule::CountMismatch, seg, Some(1), format!("{name} says {count} segments; the set has {position}"));
        }
        let control = &self.open_set_mut().expect("open set").control;
        if *reference != **control {
            let control = control.clone();
            let name = if x12 { "SE02" } else { "UNT 0062" };
            self.report(Scope::Set, Rule::ControlNumberMismatch, seg, Some(2), format!("{name} {reference:?} differs from the header's {control:?}"));
        }
        self.state = State::Group;
        Place::SetTrailer { position }
    }

    fn group_trailer(&mut self, seg: &Segment<'_>) -> Place {
        match self.state {
            State::Set => {
                self.set_unclosed(seg, "the group ends before the open set's trailer");
            }
            State::Group => {}
            _ => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, format!("{} without an open group", seg.tag_str()));
                return Place::Outside;
            }
        }
        self.state = State::Group;
        let (count, reference) = (seg.text(1).into_owned(), seg.element(2).and_then(|e| e.component(1)).map(|c| c.text().into_owned()).unwrap_or_default());
        let group = self.interchanges.last_mut().and_then(|i| i.groups.last_mut()).expect("open group");
        group.closed = true;
        let (sets, control) = (group.sets.len(), group.control.clone());
        let x12 = seg.is("GE");
        if count.parse::<usize>().ok() != Some(sets) {
            let name = if x12 { "GE01" } else { "UNE 0060" };
            self.report(Scope::Group, Rule::CountMismatch, seg, Some(1), format!("{name} says {count} sets; the group has {sets}"));
        }
        if reference != control {
            let name = if x12 { "GE02" } else { "UNE 0048" };
            self.report(Scope::Group, Rule::ControlNumberMismatch, seg, Some(2), format!("{name} {reference:?} differs from the header's {control:?}"));
        }
        self.state = State::Interchange;
        Place::GroupTrailer
    }

    fn interchange_trailer(&mut self, seg: &Segment<'_>) -> Place {
        match self.state {
            State::Outside => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, format!("{} without an open interchange", seg.tag_str()));
                return Place::Outside;
            }
            State::Set => {
                self.set_unclosed(seg, "the interchange ends before the open set's trailer");
                self.close_group_implicitly(seg);
            }
            State::Group => self.close_group_implicitly(seg),
            State::Interchange => {}
        }
        let x12 = seg.is("IEA");
        let (count, reference) = (seg.text(1).into_owned(), seg.text(2).into_owned());
        let ic = self.interchanges.last_mut().expect("open interchange");
        ic.closed = true;
        ic.end_offset = self.last_offset;
        // UNZ counts groups when there are UNGs, messages otherwise.
        let counted = if ic.groups.iter().any(|g| g.explicit) || x12 { ic.groups.len() } else { ic.groups.iter().map(|g| g.sets.len()).sum() };
        let control = ic.control.clone();
        if count.parse::<usize>().ok() != Some(counted) {
            let (name, what) = if x12 { ("IEA01", "groups") } else { ("UNZ 0036", "messages or groups") };
            self.report(Scope::Interchange, Rule::CountMismatch, seg, Some(1), format!("{name} says {count} {what}; the interchange has {counted}"));
        }
        if reference.trim() != control {
            let name = if x12 { "IEA02" } else { "UNZ 0020" };
            self.report(Scope::Interchange, Rule::ControlNumberMismatch, seg, Some(2), format!("{name} {reference:?} differs from the header's {control:?}"));
        }
        self.state = State::Outside;
        Place::InterchangeTrailer
    }

    fn body(&mut self, seg: &Segment<'_>) -> Place {
        match self.state {
            State::Set => {
                self.set_position += 1;
                if let Some(set) = self.open_set_mut() {
                    set.segments += 1;
                }
                Place::SetBody { position: self.set_position }
            }
            State::Interchange if seg.is("TA1") => Place::InterchangeService,
            State::Outside => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, format!("segment {} outside any interchange", seg.tag_str()));
                Place::Outside
            }
            State::Interchange => {
                self.report(Scope::Interchange, Rule::EnvelopeStructure, seg, None, format!("segment {} outside any group or set", seg.tag_str()));
                Place::Outside
            }
            State::Group => {
                self.report(Scope::Group, Rule::EnvelopeStructure, seg, None, format!("segment {} between sets", seg.tag_str()));
                Place::Outside
            }
        }
    }
}

/// The text of the first `N` elements of `seg` (`""` for those absent), as [`Segment::elements`]
/// and [`crate::Element::text`] give them. A segment that is not wrapped and has no release
/// character (every X12 segment) is split on its element separator directly: each element is then
/// its own bytes, borrowed when they are UTF-8.
fn first_texts<'a, const N: usize>(seg: &Segment<'a>) -> [Cow<'a, str>; N] {
    match first_fields::<N>(seg) {
        Some(fields) => fields.map(|bytes| Element::unwrapped(bytes, *seg.delimiters()).text()),
        None => {
            let mut elements = seg.elements();
            std::array::from_fn(|_| elements.next().map(|e| e.text()).unwrap_or_default())
        }
    }
}

/// The text of an element's bytes, as [`Element::text`] reads them when they need no unescaping,
/// straight into an inline string.
fn compact_text(bytes: &[u8]) -> CompactString {
    CompactString::new(crate::segment::text_of(bytes))
}

/// The bytes of the first `N` elements of `seg` (empty for those absent) when each element is its
/// own bytes — the segment is not wrapped, not UNA, and has no release character; `None` otherwise.
fn first_fields<'a, const N: usize>(seg: &Segment<'a>) -> Option<[&'a [u8]; N]> {
    let raw = seg.raw();
    let d = seg.delimiters();
    if seg.is_wrapped() || seg.is_service_advice() || d.release.is_some_and(|r| memchr::memchr(r, raw).is_some()) {
        return None;
    }
    let mut parts = raw.split(|b| *b == d.element).skip(1);
    Some(std::array::from_fn(|_| parts.next().unwrap_or_default()))
}

/// A segment count as `str::parse::<usize>` reads it (an optional `+`, then digits, no overflow),
/// straight from the bytes.
fn parse_count(b: &[u8]) -> Option<usize> {
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &c| if c.is_ascii_digit() { n.checked_mul(10)?.checked_add(usize::from(c - b'0')) } else { None })
}

/// Sets `slot` to `value`, reusing the string already there.
fn assign(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(s), Some(v)) => {
            if s != v {
                s.clear();
                s.push_str(v);
            }
        }
        (None, Some(v)) => *slot = Some(v.to_string()),
        (_, None) => *slot = None,
    }
}

/// The set control numbers of one group, for the duplicate check. The usual control number (up to
/// 15 digits) is kept as an integer that also encodes its length, so `0001` and `1` stay different
/// and nothing is allocated; any other is kept as text. Senders number sets upwards: a number above
/// every one before it is new without a lookup, and joins a sorted list instead of the hash set.
#[derive(Debug, Default)]
struct Controls {
    rising: Vec<u64>,
    numbers: HashSet<u64>,
    texts: HashSet<String>,
}

impl Controls {
    /// Adds a control number; false when the group already has it.
    fn insert(&mut self, control: &str) -> bool {
        let b = control.as_bytes();
        if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
            let value = b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            // 10^15 < 2^50: the length fits above the value.
            let key = value | (b.len() as u64) << 50;
            if self.rising.last().is_none_or(|&last| key > last) {
                // Every key in `numbers` was below the last rising one when it came.
                self.rising.push(key);
                return true;
            }
            return self.rising.binary_search(&key).is_err() && self.numbers.insert(key);
        }
        if self.texts.contains(control) {
            return false;
        }
        self.texts.insert(control.to_string())
    }

    fn clear(&mut self) {
        self.rising.clear();
        self.numbers.clear();
        self.texts.clear();
    }
}

/// Tags `push` treats other than as a body segment (UNA only when it is a service string advice).
pub(crate) fn is_envelope_tag(tag: &[u8]) -> bool {
    matches!(tag, b"UNA" | b"ISA" | b"UNB" | b"GS" | b"UNG" | b"ST" | b"UNH" | b"SE" | b"UNT" | b"GE" | b"UNE" | b"IEA" | b"UNZ")
}

fn valid_date(yymmdd: &str) -> bool {
    let b = yymmdd.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month: u32 = yymmdd[2..4].parse().unwrap_or(0);
    let day: u32 = yymmdd[4..6].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn valid_time(hhmm: &str) -> bool {
    let b = hhmm.as_bytes();
    b.len() == 4 && b.iter().all(u8::is_ascii_digit) && hhmm[..2].parse::<u32>().unwrap_or(99) < 24 && hhmm[2..].parse::<u32>().unwrap_or(99) < 60
}

/// Runs only the envelope checks over a whole input.
pub fn check(input: &[u8]) -> Result<EnvelopeReport, crate::DetectError> {
    let mut env = Envelope::new();
    for seg in crate::Tokenizer::new(input)? {
        env.push(&seg);
    }
    Ok(env.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*1*T*>~GS*PO*SENDER*RECEIVER*20260101*1200*7*X*004010~ST*850*0001~BEG*00*SA*PO1**20260101~SE*3*0001~ST*850*0002~BEG*00*SA*PO2**20260101~SE*3*0002~GE*2*7~IEA*1*000000001~";

    fn rules(input: &str) -> Vec<Rule> {
        check(input.as_bytes()).unwrap().findings.iter().filter(|f| f.is_error()).map(|f| f.rule).collect()
    }

    #[test]
    fn a_good_interchange_has_no_findings_and_full_summaries() {
        let report = check(GOOD.as_bytes()).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let ic = &report.interchanges[0];
        assert!(ic.test && ic.ack_requested && ic.closed);
        assert_eq!(ic.sender.id, "SENDER");
        assert_eq!(ic.groups[0].control, "7");
        assert_eq!(ic.groups[0].sets.len(), 2);
        assert_eq!(ic.groups[0].sets[1].segments, 3);
        assert_eq!(ic.groups[0].sets[1].version, "004010");
    }

    #[test]
    fn counts_and_control_numbers_are_checked() {
        assert_eq!(rules(&GOOD.replace("SE*3*0002", "SE*4*0002")), [Rule::CountMismatch]);
        assert_eq!(rules(&GOOD.replace("SE*3*0002", "SE*3*0009")), [Rule::ControlNumberMismatch]);
        assert_eq!(rules(&GOOD.replace("GE*2*7", "GE*1*7")), [Rule::CountMismatch]);
        assert_eq!(rules(&GOOD.replace("GE*2*7", "GE*2*8")), [Rule::ControlNumberMismatch]);
        assert_eq!(rules(&GOOD.replace("IEA*1*", "IEA*2*")), [Rule::CountMismatch]);
        assert_eq!(rules(&GOOD.replace("ST*850*0002", "ST*850*0001").replace("SE*3*0002", "SE*3*0001")), [Rule::DuplicateControlNumber]);
    }

    #[test]
    fn missing_trailers_and_stray_segments_are_structure_errors() {
        assert_eq!(rules(&GOOD.replace("SE*3*0001~", "")), [Rule::MissingTrailer]);
        assert_eq!(rules(GOOD.trim_end_matches("IEA*1*000000001~")), [Rule::MissingTrailer]);
        assert_eq!(rules(&GOOD.replace("GE*2*7~", "GE*2*7~REF*X~")), [Rule::EnvelopeStructure]);
    }

    #[test]
    fn findings_name_where_they_are() {
        let bad = GOOD.replace("SE*3*0002", "SE*9*0002");
        let report = check(bad.as_bytes()).unwrap();
        let f = &report.findings[0];
        let at = bad.find("SE*9").unwrap();
        assert_eq!(f.location.to_string(), format!("interchange 000000001, group 7, set 850 0002, segment SE at position 3, element SE01, byte {at}"));
    }

    #[test]
    fn edifact_without_groups_counts_messages() {
        let input = "UNA:+.? 'UNB+UNOA:3+SENDER:14+RECEIVER:14+260101:1200+REF1++++1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'UNZ+1+REF1'";
        let report = check(input.as_bytes()).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let ic = &report.interchanges[0];
        assert!(ic.ack_requested);
        assert_eq!(ic.groups[0].sets[0].version, "D:96A:UN");
        assert_eq!(rules(&input.replace("UNZ+1", "UNZ+2")), [Rule::CountMismatch]);
        assert_eq!(rules(&input.replace("UNOA", "UTF8")), [Rule::UnsupportedSyntax]);
    }

    /// Found in a public sample (staedi's ts210_80char.edi): a line break wrapping the ISA
    /// counted as an ISA byte.
    #[test]
    fn a_wrapped_isa_has_its_standard_length() {
        let wrapped = format!("{}\n{}", &GOOD[..80], &GOOD[80..]);
        let report = check(wrapped.as_bytes()).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    /// Every finding names where it is: a segment outside a set has no position in it, a cut-off
    /// segment has its own, and a set cut off at the end is named.
    #[test]
    fn unclosed_sets_and_cut_off_segments_are_located() {
        let report = check(GOOD.replace("SE*3*0002~", "").as_bytes()).unwrap();
        let f = &report.findings[0];
        assert_eq!(
            (f.rule, f.location.set.as_deref(), f.location.segment_tag.as_deref(), f.location.segment_position),
            (Rule::MissingTrailer, Some("0002"), Some("GE"), None)
        );
        let cut = &GOOD[..GOOD.find("BEG*00*SA*PO2").unwrap() + 9];
        let report = check(cut.as_bytes()).unwrap();
        let at: Vec<_> = report.findings.iter().map(|f| (f.rule, f.location.set.as_deref(), f.location.segment_position)).collect();
        assert_eq!(at, [(Rule::MissingTerminator, Some("0002"), Some(2)), (Rule::MissingTrailer, Some("0002"), None)]);
        let report = check(GOOD.trim_end_matches('~').as_bytes()).unwrap();
        let f = &report.findings[0];
        assert_eq!((f.rule, f.location.interchange.as_deref(), f.location.segment_tag.as_deref()), (Rule::MissingTerminator, Some("000000001"), Some("IEA")));
    }

    proptest::proptest! {
        /// The control numbers kept as integers and a sorted list find the duplicates a set of
        /// strings finds (leading zeros, rising and falling numbers, non-digits, long numbers).
        #[test]
        fn controls_find_the_duplicates_strings_find(controls in proptest::collection::vec("(0{0,2}[0-9]{1,3})|([0-9]{14,17})|([A-C0-9]{0,3})", 0..60), rising in 0usize..30) {
            let mut all: Vec<String> = (1..=rising).map(|n| format!("{n:04}")).collect();
            all.extend(controls);
            let (mut ours, mut strings) = (Controls::default(), HashSet::new());
            for c in &all {
                proptest::prop_assert_eq!(ours.insert(c), strings.insert(c.clone()), "{}", c);
            }
        }
    }

    proptest::proptest! {
        /// The direct split of header and trailer elements reads what `elements` and `text` read,
        /// for X12 and EDIFACT segments, with release characters, wrapping and non-UTF-8 bytes.
        #[test]
        fn first_texts_read_like_elements(raw in proptest::collection::vec(proptest::prop_oneof![
            proptest::prelude::Just(b'*'), proptest::prelude::Just(b'+'), proptest::prelude::Just(b'?'), proptest::prelude::Just(b':'),
            proptest::prelude::Just(b'\n'), proptest::prelude::Just(0xC4u8), proptest::prelude::Just(b'A'), proptest::prelude::Just(b'1'),
        ], 0..24), edifact in proptest::prelude::any::<bool>()) {
            let mut bytes = if edifact { b"UNT".to_vec() } else { b"SE".to_vec() };
            bytes.extend(&raw);
            let d = if edifact { crate::Delimiters::edifact_default() } else { crate::Delimiters::x12_default(None) };
            let seg = Segment::new(&bytes, b"", 0, 0, d, memchr::memchr2(b'\r', b'\n', &bytes).is_some(), true);
            let mut elements = seg.elements();
            let want: [Cow<'_, str>; 3] = std::array::from_fn(|_| elements.next().map(|e| e.text()).unwrap_or_default());
            proptest::prop_assert_eq!(first_texts::<3>(&seg), want);
        }

        /// The trailer's count read from bytes is what `str::parse` reads from its text, signs,
        /// overflow and non-UTF-8 bytes included.
        #[test]
        fn counts_parse_like_str(raw in proptest::collection::vec(proptest::prop_oneof![
            8 => proptest::prelude::Just(b'7'), 2 => proptest::prelude::Just(b'0'), 1 => proptest::prelude::Just(b'+'),
            1 => proptest::prelude::Just(b'-'), 1 => proptest::prelude::Just(b' '), 1 => proptest::prelude::Just(0xC4u8),
            1 => proptest::prelude::Just(b'A'),
        ], 0..24)) {
            let text = Element::unwrapped(&raw, crate::Delimiters::x12_default(None)).text();
            proptest::prop_assert_eq!(parse_count(&raw), text.parse::<usize>().ok());
        }
    }

    #[test]
    fn odd_isa_is_a_warning_not_an_error() {
        let short = GOOD.replace("SENDER         ", "SENDER");
        let report = check(short.as_bytes()).unwrap();
        assert!(report.findings.iter().all(|f| !f.is_error()));
        assert!(report.findings.iter().any(|f| f.rule == Rule::IsaLayout && f.location.element == Some(6)));
    }
}
