//! Reading the acknowledgements a partner sends back for ACORN's outbound documents: 997, 999,
//! TA1 and CONTRL, in whatever delimiters the partner uses.
//!
//! [`AckReader`] is fed segments one at a time (from a [`Tokenizer`] or a stream) and collects one
//! [`ReceivedAck`] per acknowledged level: per AK1…AK9 of a 997/999, per TA1, and per UCI and UCF
//! of a CONTRL. Malformed acknowledgements do not fail the read: what can be placed is kept, and a
//! segment with nowhere to go (an AK4 before any AK3) is skipped, since the structural problems
//! are the validator's to report.

use serde::Serialize;

use crate::segment::{Element, Segment};
use crate::syntax::DetectError;
use crate::tokenizer::Tokenizer;
use crate::validate::Verdict;

use super::codes;

/// Which acknowledgement a [`ReceivedAck`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceivedKind {
    Fa997,
    Ia999,
    Ta1,
    Contrl,
}

/// What a partner says about one interchange or group ACORN sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedAck {
    pub kind: ReceivedKind,
    /// ISA13 / UNB 0020 of the interchange that carried the acknowledgement.
    pub ack_interchange: String,
    /// ST02 / UNH 0062 of the acknowledgement set; empty for a TA1.
    pub ack_control: String,
    /// The acknowledged interchange (TA101, UCI 0020); 997 and 999 don't name it.
    pub interchange_control: Option<String>,
    /// The acknowledged group (AK102, UCF 0048); `None` for a TA1 and a CONTRL's UCI.
    pub group_control: Option<String>,
    /// AK101 (`PO`, `IN`…).
    pub functional_id: Option<String>,
    /// AK103 (`005010X222A1`).
    pub version: Option<String>,
    /// AK901, TA104, UCI/UCF 0083; `None` when the partner only confirms receipt (CONTRL 8) or
    /// uses a code not known here (see `status_code`).
    pub status: Option<Verdict>,
    pub status_code: String,
    /// AK905–AK909, TA105, 0085.
    pub codes: Vec<String>,
    /// AK902 / AK903 / AK904.
    pub included: Option<usize>,
    pub received: Option<usize>,
    pub accepted: Option<usize>,
    /// AK2…AK5 / UCM per acknowledged set.
    pub sets: Vec<AckedSet>,
}

impl ReceivedAck {
    fn new(kind: ReceivedKind, ack_interchange: &str, ack_control: &str) -> ReceivedAck {
        ReceivedAck {
            kind,
            ack_interchange: ack_interchange.to_string(),
            ack_control: ack_control.to_string(),
            interchange_control: None,
            group_control: None,
            functional_id: None,
            version: None,
            status: None,
            status_code: String::new(),
            codes: Vec::new(),
            included: None,
            received: None,
            accepted: None,
            sets: Vec::new(),
        }
    }

    /// The acknowledgement of set `control`.
    pub fn set(&self, control: &str) -> Option<&AckedSet> {
        self.sets.iter().find(|s| s.control == control)
    }

    /// Whether set `control` was taken: its own status accepts it and the level above doesn't
    /// reject everything. `None` when the set isn't listed or its status is unknown.
    pub fn set_accepted(&self, control: &str) -> Option<bool> {
        let set = self.set(control)?;
        if self.status == Some(Verdict::Rejected) && self.accepted.is_none_or(|n| n == 0) {
            return Some(false);
        }
        set.status.map(|s| s != Verdict::Rejected)
    }
}

/// One acknowledged set (AK2 … AK5, or a UCM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckedSet {
    /// AK201 / UCM S009 message type.
    pub id: String,
    /// AK202 / UCM 0062.
    pub control: String,
    /// AK203, or the rest of UCM S009 (`D:96A:UN`).
    pub version: Option<String>,
    /// AK501 / UCM 0083.
    pub status: Option<Verdict>,
    pub status_code: String,
    /// AK502–AK506 / UCM 0085.
    pub codes: Vec<String>,
    /// AK3 / IK3 / UCS.
    pub segments: Vec<AckedSegment>,
}

/// A segment in error (AK3, IK3, UCS; a UCM's UNH/UNT error too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckedSegment {
    /// AK301; CONTRL names only service segments.
    pub tag: Option<String>,
    /// AK302 / UCS 0096 (the header counts as 1).
    pub position: Option<usize>,
    /// AK303.
    pub loop_id: Option<String>,
    /// AK304 / UCS 0085.
    pub code: Option<String>,
    pub elements: Vec<AckedElement>,
    /// 999 CTX after the IK3.
    pub context: Vec<Context>,
}

/// An element in error (AK4, IK4, UCD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckedElement {
    /// 1-based position in the segment (CONTRL's S011, which counts the tag, is converted).
    pub element: Option<usize>,
    pub component: Option<usize>,
    /// 5010's repeating data element position.
    pub repetition: Option<usize>,
    /// AK402.
    pub element_ref: Option<String>,
    /// AK403 / UCD 0085.
    pub code: Option<String>,
    /// AK404: the partner's copy of the bad data.
    pub value: Option<String>,
    /// 999 CTX after the IK4.
    pub context: Vec<Context>,
}

/// A 999 CTX: a business identifier (`CLM01:123456789`) or the segment that triggered a
/// situational requirement (`SITUATIONAL TRIGGER*CLM*43**5:3*1325`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Context {
    /// CTX01-1.
    pub name: String,
    /// CTX01-2.
    pub reference: Option<String>,
    pub segment: Option<String>,
    pub position: Option<usize>,
    pub loop_id: Option<String>,
    pub element: Option<usize>,
    pub component: Option<usize>,
    pub element_ref: Option<String>,
}

/// Collects acknowledgements from segments fed in order.
#[derive(Debug, Default)]
pub struct AckReader {
    acks: Vec<ReceivedAck>,
    /// Control number of the interchange being read.
    interchange: String,
    /// The acknowledgement set being read, if any.
    open: Option<(ReceivedKind, String)>,
    /// Index in `acks` of the level the next AK2/UCM belongs to.
    current: Option<usize>,
    /// Index of the open CONTRL's UCI, whose interchange its UCFs share.
    uci: Option<usize>,
}

impl AckReader {
    pub fn new() -> AckReader {
        AckReader::default()
    }

    pub fn push(&mut self, seg: &Segment<'_>) {
        let text = |n: usize| seg.text(n).trim().to_string();
        match seg.tag() {
            b"ISA" => self.start_interchange(text(13)),
            b"UNB" => self.start_interchange(component(seg, 5, 1).unwrap_or_default()),
            b"ST" => {
                let kind = match seg.text(1).as_ref() {
                    "997" => Some(ReceivedKind::Fa997),
                    "999" => Some(ReceivedKind::Ia999),
                    _ => None,
                };
                self.open = kind.map(|k| (k, text(2)));
                self.current = None;
            }
            b"UNH" => {
                self.open = (component(seg, 2, 1).as_deref() == Some("CONTRL")).then(|| (ReceivedKind::Contrl, text(1)));
                self.current = None;
                self.uci = None;
            }
            b"SE" | b"UNT" | b"GE" | b"UNE" | b"IEA" | b"UNZ" => {
                self.open = None;
                self.current = None;
            }
            b"TA1" if self.open.is_none() => {
                let mut ack = ReceivedAck::new(ReceivedKind::Ta1, &self.interchange, "");
                ack.interchange_control = Some(text(1));
                ack.status_code = text(4);
                ack.status = codes::x12_verdict(&ack.status_code);
                ack.codes = non_empty([text(5)]);
                self.acks.push(ack);
            }
            _ => match self.open.clone() {
                Some((ReceivedKind::Contrl, control)) => self.contrl(seg, &control),
                Some((kind, control)) => self.x12(seg, kind, &control),
                None => {}
            },
        }
    }

    pub fn finish(self) -> Vec<ReceivedAck> {
        self.acks
    }

    fn start_interchange(&mut self, control: String) {
        self.interchange = control;
        self.open = None;
        self.current = None;
        self.uci = None;
    }

    fn current_set(&mut self) -> Option<&mut AckedSet> {
        self.acks.get_mut(self.current?)?.sets.last_mut()
    }

    fn current_segment(&mut self) -> Option<&mut AckedSegment> {
        self.current_set()?.segments.last_mut()
    }

    fn x12(&mut self, seg: &Segment<'_>, kind: ReceivedKind, control: &str) {
        let text = |n: usize| seg.text(n).trim().to_string();
        let codes_from = |from: usize, to: usize| non_empty((from..=to).map(text));
        match seg.tag() {
            b"AK1" => {
                let mut ack = ReceivedAck::new(kind, &self.interchange, control);
                ack.functional_id = Some(text(1));
                ack.group_control = Some(text(2));
                ack.version = Some(text(3)).filter(|v| !v.is_empty());
                self.acks.push(ack);
                self.current = Some(self.acks.len() - 1);
            }
            b"AK2" => {
                if self.current.is_none() {
                    // An AK2 without AK1: keep it under an anonymous group rather than lose it.
                    self.acks.push(ReceivedAck::new(kind, &self.interchange, control));
                    self.current = Some(self.acks.len() - 1);
                }
                let set = AckedSet {
                    id: text(1),
                    control: text(2),
                    version: Some(text(3)).filter(|v| !v.is_empty()),
                    status: None,
                    status_code: String::new(),
                    codes: Vec::new(),
                    segments: Vec::new(),
                };
                if let Some(ack) = self.current.and_then(|i| self.acks.get_mut(i)) {
                    ack.sets.push(set);
                }
            }
            b"AK3" | b"IK3" => {
                let segment = AckedSegment {
                    tag: Some(text(1)),
                    position: number(&text(2)),
                    loop_id: Some(text(3)).filter(|l| !l.is_empty()),
                    code: Some(text(4)).filter(|c| !c.is_empty()),
                    elements: Vec::new(),
                    context: Vec::new(),
                };
                if let Some(set) = self.current_set() {
                    set.segments.push(segment);
                }
            }
            b"AK4" | b"IK4" => {
                let place = seg.element(1);
                let part = |c: usize| place.and_then(|e| e.component(c)).and_then(|e| number(&e.text()));
                let element = AckedElement {
                    element: part(1),
                    component: part(2),
                    repetition: part(3),
                    element_ref: Some(text(2)).filter(|r| !r.is_empty()),
                    code: Some(text(3)).filter(|c| !c.is_empty()),
                    value: Some(seg.text(4).into_owned()).filter(|v| !v.is_empty()),
                    context: Vec::new(),
                };
                if let Some(segment) = self.current_segment() {
                    segment.elements.push(element);
                }
            }
            b"CTX" => {
                let context = context(seg);
                if let Some(segment) = self.current_segment() {
                    // After an IK4 the CTX is that element's context; before any, the segment's.
                    match segment.elements.last_mut() {
                        Some(element) => element.context.push(context),
                        None => segment.context.push(context),
                    }
                }
            }
            b"AK5" | b"IK5" => {
                let codes = codes_from(2, 6);
                if let Some(set) = self.current_set() {
                    set.status_code = text(1);
                    set.status = codes::x12_verdict(&set.status_code);
                    set.codes = codes;
                }
            }
            b"AK9" => {
                if let Some(ack) = self.current.and_then(|i| self.acks.get_mut(i)) {
                    ack.status_code = text(1);
                    ack.status = codes::x12_verdict(&ack.status_code);
                    ack.included = number(&text(2));
                    ack.received = number(&text(3));
                    ack.accepted = number(&text(4));
                    ack.codes = codes_from(5, 9);
                }
            }
            _ => {}
        }
    }

    fn contrl(&mut self, seg: &Segment<'_>, control: &str) {
        let text = |n: usize| seg.text(n).trim().to_string();
        match seg.tag() {
            b"UCI" | b"UCF" => {
                let mut ack = ReceivedAck::new(ReceivedKind::Contrl, &self.interchange, control);
                let uci = seg.is("UCI");
                if uci {
                    ack.interchange_control = Some(text(1));
                } else {
                    ack.interchange_control = self.uci.and_then(|i| self.acks.get(i)).and_then(|a| a.interchange_control.clone());
                    ack.group_control = Some(text(1));
                }
                ack.status_code = text(4);
                ack.status = codes::contrl_verdict(&ack.status_code);
                ack.codes = non_empty([text(5)]);
                self.acks.push(ack);
                self.current = Some(self.acks.len() - 1);
                if uci {
                    self.uci = self.current;
                }
            }
            b"UCM" => {
                let identifier: Vec<String> = seg.element(2).map(|e| e.components().map(|c| c.text().into_owned()).collect()).unwrap_or_default();
                let code = text(4);
                let mut set = AckedSet {
                    id: identifier.first().cloned().unwrap_or_default(),
                    control: text(1),
                    version: (identifier.len() > 1).then(|| identifier[1..].join(":")),
                    status: codes::contrl_verdict(&text(3)),
                    status_code: text(3),
                    codes: non_empty([code.clone()]),
                    segments: Vec::new(),
                };
                // An error in UNH/UNT names the service segment and, maybe, its element.
                let tag = text(5);
                if !tag.is_empty() {
                    let element = seg.element(6).and_then(|e| contrl_element(&e, Some(code.clone())));
                    set.segments.push(AckedSegment {
                        tag: Some(tag),
                        position: None,
                        loop_id: None,
                        code: Some(code).filter(|c| !c.is_empty() && element.is_none()),
                        elements: element.into_iter().collect(),
                        context: Vec::new(),
                    });
                }
                if self.current.is_none() {
                    self.acks.push(ReceivedAck::new(ReceivedKind::Contrl, &self.interchange, control));
                    self.current = Some(self.acks.len() - 1);
                }
                if let Some(ack) = self.current.and_then(|i| self.acks.get_mut(i)) {
                    ack.sets.push(set);
                }
            }
            b"UCS" => {
                let segment = AckedSegment {
                    tag: None,
                    position: number(&text(1)),
                    loop_id: None,
                    code: Some(text(2)).filter(|c| !c.is_empty()),
                    elements: Vec::new(),
                    context: Vec::new(),
                };
                if let Some(set) = self.current_set() {
                    set.segments.push(segment);
                }
            }
            b"UCD" => {
                let element = seg.element(2).and_then(|e| contrl_element(&e, Some(text(1))));
                if let (Some(element), Some(segment)) = (element, self.current_segment()) {
                    segment.elements.push(element);
                }
            }
            _ => {}
        }
    }
}

/// Every acknowledgement in `input` (which may hold several interchanges).
pub fn read_acks(input: &[u8]) -> Result<Vec<ReceivedAck>, DetectError> {
    let mut reader = AckReader::new();
    for seg in Tokenizer::new(input)? {
        reader.push(&seg);
    }
    Ok(reader.finish())
}

/// Component `c` of element `n` as text.
fn component(seg: &Segment<'_>, n: usize, c: usize) -> Option<String> {
    seg.element(n).and_then(|e| e.component(c)).map(|e| e.text().trim().to_string())
}

fn number(s: &str) -> Option<usize> {
    s.trim().parse().ok()
}

fn non_empty(items: impl IntoIterator<Item = String>) -> Vec<String> {
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// An S011 (`position:component`, the tag counting as position 1) as an element in error.
fn contrl_element(s011: &Element<'_>, code: Option<String>) -> Option<AckedElement> {
    let part = |c: usize| s011.component(c).and_then(|e| number(&e.text()));
    let position = part(1)?;
    Some(AckedElement {
        element: position.checked_sub(1),
        component: part(2),
        repetition: part(3),
        element_ref: None,
        code: code.filter(|c| !c.is_empty()),
        value: None,
        context: Vec::new(),
    })
}

/// A CTX segment. Only CTX01's first repetition is read: the others repeat the context name.
fn context(seg: &Segment<'_>) -> Context {
    let ctx01 = seg.element(1).and_then(|e| e.repetitions().next());
    let part = |c: usize| ctx01.and_then(|e| e.component(c)).map(|e| e.text().trim().to_string()).filter(|s| !s.is_empty());
    let text = |n: usize| Some(seg.text(n).trim().to_string()).filter(|s| !s.is_empty());
    let place = seg.element(5);
    let place_part = |c: usize| place.and_then(|e| e.component(c)).and_then(|e| number(&e.text()));
    Context {
        name: part(1).unwrap_or_default(),
        reference: part(2),
        segment: text(2),
        position: text(3).and_then(|p| number(&p)),
        loop_id: text(4),
        element: place_part(1),
        component: place_part(2),
        element_ref: seg.element(6).and_then(|e| e.component(1)).map(|e| e.text().trim().to_string()).filter(|s| !s.is_empty()),
    }
}
