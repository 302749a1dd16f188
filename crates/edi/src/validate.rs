//! One pass over an input: tokenizer → envelope → the set rules, collecting every finding.
//!
//! The set rules are pluggable ([`SetRules`]): the guide interpreter implements them, and
//! [`EnvelopeOnly`] checks nothing beyond the envelope. Both the slice and the streaming entry points
//! drive the same [`Pass`], so a file validates the same whether it is read whole or streamed.

use std::io::Read;

use serde::Serialize;

use crate::envelope::{Envelope, GroupInfo, InterchangeInfo, Place, SetInfo};
use crate::report::{Finding, Location, Scope, Severity};
use crate::segment::Segment;
use crate::syntax::{DetectError, Standard};
use crate::tokenizer::{StreamError, StreamTokenizer, Tokenizer};

/// Checks the contents of one set, segment by segment.
pub trait SetCheck {
    /// A segment after the header, up to and including the trailer. `at` locates it.
    fn segment(&mut self, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>);
    /// The set's trailer has been seen (or the set was cut off); `at` locates the trailer.
    fn finish(&mut self, at: &Location, findings: &mut Vec<Finding>);
}

/// Chooses the checker for each set (by set id and version).
pub trait SetRules {
    /// Called at each set header; `None` (after pushing a finding if that is an error) skips the set.
    fn start<'r>(
        &'r self,
        ic: &InterchangeInfo,
        group: &GroupInfo,
        set: &SetInfo,
        header: &Segment<'_>,
        at: &Location,
        findings: &mut Vec<Finding>,
    ) -> Option<Box<dyn SetCheck + 'r>>;

    /// False when [`SetRules::start`] never checks a set nor reports anything (then a pass does
    /// not even locate set headers for it); true unless said otherwise.
    fn checks_sets(&self) -> bool {
        true
    }
}

/// Envelope checks only.
pub struct EnvelopeOnly;

impl SetRules for EnvelopeOnly {
    fn start<'r>(
        &'r self,
        _: &InterchangeInfo,
        _: &GroupInfo,
        _: &SetInfo,
        _: &Segment<'_>,
        _: &Location,
        _: &mut Vec<Finding>,
    ) -> Option<Box<dyn SetCheck + 'r>> {
        None
    }

    fn checks_sets(&self) -> bool {
        false
    }
}

/// The acknowledgement verdict of a set, group or interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    /// Accepted, but with warnings (X12 `E`).
    AcceptedWithErrors,
    /// Some sets of a group accepted, others not (X12 AK901 `P`).
    PartiallyAccepted,
    Rejected,
}

/// Everything one pass found.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    #[serde(serialize_with = "ser_standard")]
    pub standard: Standard,
    pub interchanges: Vec<InterchangeInfo>,
    pub findings: Vec<Finding>,
    pub segments: u64,
    pub bytes: u64,
}

fn ser_standard<S: serde::Serializer>(s: &Standard, ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_str(s)
}

impl Validation {
    /// No error anywhere (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// The findings inside set `s` of group `g` of interchange `i` (0-based ordinals).
    pub fn set_findings(&self, i: usize, g: usize, s: usize) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| {
            f.scope == Scope::Set && f.location.interchange_index == Some(i) && f.location.group_index == Some(g) && f.location.set_index == Some(s)
        })
    }

    /// The findings about group `g` itself (its header and trailer).
    pub fn group_findings(&self, i: usize, g: usize) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.scope == Scope::Group && f.location.interchange_index == Some(i) && f.location.group_index == Some(g))
    }

    /// The findings about interchange `i` itself (ISA/UNB and IEA/UNZ, structure between groups).
    pub fn interchange_findings(&self, i: usize) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.scope == Scope::Interchange && f.location.interchange_index == Some(i))
    }

    pub fn set_verdict(&self, i: usize, g: usize, s: usize) -> Verdict {
        verdict(self.set_findings(i, g, s))
    }

    /// Rejected when the group itself is in error or no set is accepted; partial when some are.
    pub fn group_verdict(&self, i: usize, g: usize) -> Verdict {
        if self.group_findings(i, g).any(Finding::is_error) {
            return Verdict::Rejected;
        }
        let sets = self.interchanges.get(i).and_then(|ic| ic.groups.get(g)).map_or(0, |gr| gr.sets.len());
        let verdicts: Vec<_> = (0..sets).map(|s| self.set_verdict(i, g, s)).collect();
        let rejected = verdicts.iter().filter(|v| **v == Verdict::Rejected).count();
        match rejected {
            0 if verdicts.contains(&Verdict::AcceptedWithErrors) || self.group_findings(i, g).next().is_some() => Verdict::AcceptedWithErrors,
            0 => Verdict::Accepted,
            n if n == sets => Verdict::Rejected,
            _ => Verdict::PartiallyAccepted,
        }
    }

    pub fn interchange_verdict(&self, i: usize) -> Verdict {
        verdict(self.interchange_findings(i))
    }
}

fn verdict<'a>(findings: impl Iterator<Item = &'a Finding>) -> Verdict {
    let mut worst = Verdict::Accepted;
    for f in findings {
        match f.severity {
            Severity::Error => return Verdict::Rejected,
            Severity::Warning => worst = Verdict::AcceptedWithErrors,
        }
    }
    worst
}

/// The state of one pass; fed segments by either entry point.
pub struct Pass<'r> {
    rules: &'r dyn SetRules,
    envelope: Envelope,
    check: Option<Box<dyn SetCheck + 'r>>,
    /// Where the open set's current segment is: only its segment fields change within a set, so
    /// they are updated in place instead of allocating a new location for every segment. Past the
    /// set header its `segment_tag` stays empty: the tag is `tag`, written into the findings made
    /// at the segment only ([`tagged`]).
    at: Location,
    tag: SegTag,
    extra: Vec<Finding>,
    segments: u64,
}

impl<'r> Pass<'r> {
    pub fn new(rules: &'r dyn SetRules) -> Pass<'r> {
        Pass { rules, envelope: Envelope::new(), check: None, at: Location::default(), tag: SegTag::default(), extra: Vec::new(), segments: 0 }
    }

    pub fn push(&mut self, seg: &Segment<'_>) {
        self.segments += 1;
        let place = self.envelope.push(seg);
        match place {
            Place::SetHeader => {
                if let Some(mut open) = self.check.take() {
                    // The previous set never got its trailer: its checker ends at its own last
                    // segment, so what it reports stays in that set.
                    tagged(&self.tag, &self.at, &mut self.extra, |at, extra| open.finish(at, extra));
                }
                if !self.rules.checks_sets() {
                    // Nothing to locate for: `start` would return `None` without a finding.
                    return;
                }
                self.envelope.locate_into(seg, &mut self.at);
                let ic = self.envelope.interchanges().last().expect("set inside an interchange");
                let group = ic.groups.last().expect("set inside a group");
                let set = group.sets.last().expect("set just opened");
                self.check = self.rules.start(ic, group, set, seg, &self.at, &mut self.extra);
            }
            Place::SetBody { position } => {
                if let Some(check) = &mut self.check {
                    at_segment(&mut self.at, &mut self.tag, seg, position);
                    tagged(&self.tag, &self.at, &mut self.extra, |at, extra| check.segment(seg, at, extra));
                }
            }
            Place::SetTrailer { position } => {
                if let Some(mut check) = self.check.take() {
                    // The envelope has closed the set, but the trailer still belongs to it: the
                    // location stays the set's (set when its header came), at the trailer.
                    at_segment(&mut self.at, &mut self.tag, seg, position);
                    tagged(&self.tag, &self.at, &mut self.extra, |at, extra| {
                        check.segment(seg, at, extra);
                        check.finish(at, extra);
                    });
                }
            }
            _ => {
                if let Some(mut open) = self.check.take() {
                    // A group or interchange trailer (or header) cut the set short; as above.
                    tagged(&self.tag, &self.at, &mut self.extra, |at, extra| open.finish(at, extra));
                }
            }
        }
    }

    /// Whether the next body segments of the open set would only be counted: a set is open and
    /// no checker follows it ([`EnvelopeOnly`], or a set without a guide).
    pub(crate) fn only_counts(&self) -> bool {
        self.check.is_none() && self.envelope.in_set()
    }

    /// What `n` calls of [`Pass::push`] with terminated body segments do when [`Pass::only_counts`]
    /// (the last of them ending at byte `end`).
    pub(crate) fn count_body(&mut self, n: usize, end: usize) {
        self.segments += n as u64;
        self.envelope.body_run(n, end);
    }

    /// Pushes the plain body segments of the open set that `tokens` has next
    /// ([`Tokenizer::bodies`]) when a checker follows the set: what [`Pass::push`] does with
    /// each, without asking the envelope where each one goes (a body segment of the open set, at
    /// the next position) and with the envelope's counters moved once for the whole run.
    pub(crate) fn push_bodies(&mut self, tokens: &mut Tokenizer<'_>) {
        let Some(check) = self.check.as_mut().filter(|_| self.envelope.in_set()) else { return };
        let first = self.envelope.set_position() + 1;
        let (mut n, mut end) = (0, 0);
        let (at, tag, extra) = (&mut self.at, &mut self.tag, &mut self.extra);
        tokens.bodies(|seg| {
            end = seg.offset() + seg.raw().len() + seg.trailer().len();
            at_segment(at, tag, seg, first + n);
            n += 1;
            tagged(tag, at, extra, |at, extra| check.segment(seg, at, extra));
        });
        if n > 0 {
            self.count_body(n, end);
        }
    }

    pub fn finish(mut self, standard: Standard, bytes: u64) -> Validation {
        if let Some(mut open) = self.check.take() {
            // The input ended inside a set; as above.
            tagged(&self.tag, &self.at, &mut self.extra, |at, extra| open.finish(at, extra));
        }
        let report = self.envelope.finish();
        let mut findings = report.findings;
        findings.extend(self.extra);
        findings.sort_by_key(|f| f.location.offset.unwrap_or(usize::MAX));
        Validation { standard, interchanges: report.interchanges, findings, segments: self.segments, bytes }
    }
}

/// Moves the location of the open set to segment `seg` at `position` (only the segment's own
/// fields change within a set, so they are updated in place instead of allocating a location).
/// The tag goes to `tag`, not into a string: most segments make no finding that would need it.
#[inline(always)]
fn at_segment(at: &mut Location, tag: &mut SegTag, seg: &Segment<'_>, position: usize) {
    at.segment_position = Some(position);
    at.segment_index = Some(seg.index());
    at.offset = Some(seg.offset());
    if at.segment_tag.is_some() {
        // The set header's, written by `Envelope::locate_into`.
        at.segment_tag = None;
    }
    tag.set(seg.tag());
}

/// Runs `check` (a checker's work at the segment `at` locates, whose tag is `tag`), then writes
/// that tag into the findings it made there.
#[inline(always)]
fn tagged(tag: &SegTag, at: &Location, extra: &mut Vec<Finding>, check: impl FnOnce(&Location, &mut Vec<Finding>)) {
    let before = extra.len();
    check(at, extra);
    if let Some(made) = extra.get_mut(before..).filter(|made| !made.is_empty()) {
        tag.write(at, made);
    }
}

/// The tag of the segment a pass's location points at: inline when it has at most three bytes,
/// as every standard tag does.
#[derive(Debug, Default)]
struct SegTag {
    short: [u8; 3],
    /// The length of `short`; above 3, the tag is `long`.
    len: u8,
    long: Vec<u8>,
}

impl SegTag {
    #[inline(always)]
    fn set(&mut self, bytes: &[u8]) {
        match *bytes {
            [a, b] => (self.short, self.len) = ([a, b, 0], 2),
            [a, b, c] => (self.short, self.len) = ([a, b, c], 3),
            _ => self.set_other(bytes),
        }
    }

    #[cold]
    fn set_other(&mut self, bytes: &[u8]) {
        if let Some(short) = self.short.get_mut(..bytes.len()) {
            short.copy_from_slice(bytes);
            self.len = bytes.len() as u8;
        } else {
            self.long.clear();
            self.long.extend_from_slice(bytes);
            self.len = u8::MAX;
        }
    }

    fn bytes(&self) -> &[u8] {
        self.short.get(..usize::from(self.len)).unwrap_or(&self.long)
    }

    /// Into the findings located at `at` (those located elsewhere — a missing segment, an earlier
    /// HL — name their own segment).
    #[cold]
    fn write(&self, at: &Location, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.location.segment_tag.is_none() && f.location.offset == at.offset) {
            f.location.segment_tag = Some(String::from_utf8_lossy(self.bytes()).into_owned());
        }
    }
}

/// Validates an input held in memory.
pub fn validate(input: &[u8], rules: &dyn SetRules) -> Result<Validation, DetectError> {
    let mut tokens = Tokenizer::new(input)?;
    let standard = tokens.standard();
    let mut pass = Pass::new(rules);
    loop {
        // A set nobody checks only counts its body: those segments are skipped in bulk, without
        // building a segment each (the same counts and offsets as pushing them one by one).
        if pass.only_counts() {
            let (n, end) = tokens.skip_body();
            if n > 0 {
                pass.count_body(n, end);
            }
        } else {
            // A checked set's plain body segments go to its checker straight from the index.
            pass.push_bodies(&mut tokens);
        }
        let Some(seg) = tokens.next() else { break };
        pass.push(&seg);
    }
    Ok(pass.finish(standard, input.len() as u64))
}

/// Validates a stream in bounded memory; `progress` is told the bytes read so far every so often.
pub fn validate_stream(reader: impl Read, rules: &dyn SetRules, mut progress: impl FnMut(u64)) -> Result<Validation, StreamError> {
    let mut tokens = StreamTokenizer::new(reader);
    let mut pass = Pass::new(rules);
    let mut n: u64 = 0;
    while let Some(seg) = tokens.next_segment()? {
        pass.push(&seg);
        n += 1;
        if n.is_multiple_of(65_536) {
            progress(tokens.bytes_read());
        }
    }
    progress(tokens.bytes_read());
    let standard = tokens.detected().map_or(Standard::X12, |d| d.standard);
    Ok(pass.finish(standard, tokens.bytes_read()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Rule;

    const TWO_SETS: &str = "ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*20260101*1200*7*X*004010~ST*850*0001~BEG*00*SA*PO1**20260101~SE*3*0001~ST*850*0002~BEG*00*SA*PO2**20260101~SE*3*0002~GE*2*7~IEA*1*000000001~";

    /// A toy rule: every BEG03 must start with `PO1`.
    struct Po1Only;
    struct Po1Check;
    impl SetCheck for Po1Check {
        fn segment(&mut self, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) {
            if seg.is("BEG") && seg.text(3) != "PO1" {
                findings.push(Finding::error(Scope::Set, Rule::InvalidCode, at.clone(), "not PO1"));
            }
        }
        fn finish(&mut self, _: &Location, _: &mut Vec<Finding>) {}
    }
    impl SetRules for Po1Only {
        fn start<'r>(
            &'r self,
            _: &InterchangeInfo,
            _: &GroupInfo,
            _: &SetInfo,
            _: &Segment<'_>,
            _: &Location,
            _: &mut Vec<Finding>,
        ) -> Option<Box<dyn SetCheck + 'r>> {
            Some(Box::new(Po1Check))
        }
    }

    #[test]
    fn set_rules_see_each_set_and_verdicts_follow_findings() {
        let v = validate(TWO_SETS.as_bytes(), &Po1Only).unwrap();
        assert!(!v.is_valid());
        assert_eq!(v.set_verdict(0, 0, 0), Verdict::Accepted);
        assert_eq!(v.set_verdict(0, 0, 1), Verdict::Rejected);
        assert_eq!(v.group_verdict(0, 0), Verdict::PartiallyAccepted);
        assert_eq!(v.interchange_verdict(0), Verdict::Accepted);
        let f = v.errors().next().unwrap();
        assert_eq!(f.location.set.as_deref(), Some("0002"));
        assert_eq!(f.location.segment_position, Some(2));
    }

    /// A checker that reports one finding when its set ends.
    struct AtEnd;
    impl SetCheck for AtEnd {
        fn segment(&mut self, _: &Segment<'_>, _: &Location, _: &mut Vec<Finding>) {}
        fn finish(&mut self, at: &Location, findings: &mut Vec<Finding>) {
            findings.push(Finding::error(Scope::Set, Rule::MandatorySegmentMissing, at.clone(), "the end"));
        }
    }
    struct EndRules;
    impl SetRules for EndRules {
        fn start<'r>(
            &'r self,
            _: &InterchangeInfo,
            _: &GroupInfo,
            _: &SetInfo,
            _: &Segment<'_>,
            _: &Location,
            _: &mut Vec<Finding>,
        ) -> Option<Box<dyn SetCheck + 'r>> {
            Some(Box::new(AtEnd))
        }
    }

    /// A set without its trailer — cut off by the next set, by the group trailer or by the end of
    /// the input — still gets its checker's last findings, located in that set.
    #[test]
    fn an_unfinished_set_reports_in_itself() {
        let cut_by_set = TWO_SETS.replace("SE*3*0001~", "");
        let cut_by_group = TWO_SETS.replace("SE*3*0002~", "");
        let cut_by_end = &TWO_SETS[..TWO_SETS.find("SE*3*0002").unwrap()];
        for (input, set, index) in [(cut_by_set.as_str(), "0001", 0), (cut_by_group.as_str(), "0002", 1), (cut_by_end, "0002", 1)] {
            let v = validate(input.as_bytes(), &EndRules).unwrap();
            let f = v.findings.iter().find(|f| f.message == "the end" && f.location.set.as_deref() == Some(set)).expect(input);
            assert_eq!((f.location.set_index, f.location.segment_position, f.location.segment_tag.as_deref()), (Some(index), Some(2), Some("BEG")), "{input}");
        }
    }

    #[test]
    fn streaming_and_slice_validation_agree() {
        let bad = TWO_SETS.replace("SE*3*0002", "SE*5*0002");
        let a = validate(bad.as_bytes(), &Po1Only).unwrap();
        let b = validate_stream(bad.as_bytes(), &Po1Only, |_| {}).unwrap();
        assert_eq!(a.findings, b.findings);
        assert_eq!(a.interchanges, b.interchanges);
        assert_eq!(a.set_verdict(0, 0, 1), Verdict::Rejected);
        assert_eq!(a.group_verdict(0, 0), Verdict::PartiallyAccepted);
    }
}
