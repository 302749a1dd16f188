//! The per-set checker: follows a set segment by segment through its compiled guide.
//!
//! Structure is a stack of open loops, each with a cursor on its current position and how often
//! that position has occurred. The cursor only moves forward, so a position after it has not been
//! seen in this loop iteration: skipped mandatory positions are exactly those passed over, and no
//! per-position counters are needed. A segment is matched in the innermost loop that has its tag
//! at or after the cursor (one lookup per open loop in its table of next positions,
//! [`super::compile::LoopDef::next`]); failing that, outer loops are tried (closing the inner
//! ones), and only when no loop can take it is it out of order, unexpected or unknown — without
//! moving, so the segments after it are still checked in place.
//!
//! Element checks work on raw bytes and only ask for [`Element::value`] when the segment is
//! wrapped or contains a release character: a segment without component, repetition or release
//! characters (most X12 segments) takes a fast path that splits it on the element separator from
//! bit masks of 64 bytes at a time ([`Fields`], the first mask found by the same SIMD pass that
//! decides the path) and checks each value in place. Nothing is allocated per segment;
//! findings are formatted only when made.
//!
//! Before that, a segment of printable ASCII shorter than 128 bytes goes through the bit-mask path
//! ([`flat_elements`]): one SIMD classification of its bytes (separators, digits, decimal points,
//! anything unusual) and the definition's flat table ([`super::compile::FlatDef`]) decide in one
//! pass over the element boundaries whether the element-by-element path would find anything at
//! all. Only when it might does that path run — and it alone reports — so what is reported does
//! not depend on the bit-mask path; a test compares the two on mutated sets of several guides.
//! The digit checks (GTIN, SSCC) of such a segment read the values kept on the way
//! ([`flat_checks_pass`]); only a failing one goes through [`GuideCheck::checks`], which reports.
//!
//! On a CPU with AVX2, BMI1, BMI2, POPCNT and LZCNT (detected once per checker) the whole
//! per-segment path is compiled for them ([`GuideCheck::segment_wide`]): counting a value's digits
//! is one instruction, and so are the variable shifts and low-bit masks of the element loop. Its
//! helpers are `#[inline(always)]`. A closure LLVM does not inline is compiled apart, without
//! those features: the `Option` combinator chains where that happened are plain matches and
//! loops, and the small closures left are inlined (the compiled `segment_wide` calls out only to
//! the classification, `memchr` for special bytes, the cold report paths and the rarer checks:
//! dates, times, long codes, summary counts, HL).

use std::borrow::Cow;

use crate::report::{Finding, Location, Rule, Scope};
use crate::segment::{Element, Segment};
use crate::simd::Classes;
use crate::syntax::Standard;
use crate::validate::SetCheck;

use super::compile::{ChildKind, Class, Compiled, ElemSpec, KEPT, NO_CODES, NO_POSITION, NO_SLOT, SegDef, pack};
use super::hierarchy::{HierState, HlIssue};
use super::rules::{Problem, check_digit_ok, check_digit_problem, check_value, decimal_digits, valid_date, valid_time};

/// Findings one set may add before the rest are summarised; a corrupt 100 MB set must not turn
/// into millions of findings.
const MAX_FINDINGS: usize = 1000;

const TRAILER_X12: Option<u32> = pack(b"SE");
const TRAILER_EDIFACT: Option<u32> = pack(b"UNT");

#[derive(Debug, Clone, Copy)]
struct Frame {
    /// The loop (index into `Compiled::loops`).
    lp: u16,
    /// The current position; `None` before the first (only at the top of the set).
    cur: Option<u16>,
    /// How often the current position has occurred in this iteration of the loop.
    count: u32,
}

/// Where a segment goes.
enum Placement {
    /// Frame `level`, position `child` (which may be the current position already at its maximum:
    /// then the segment is over its maximum use, and is checked there).
    At {
        level: usize,
        child: u16,
    },
    Misplaced,
}

/// Where a finding points inside a segment.
#[derive(Clone, Copy)]
struct Spot<'s> {
    element: usize,
    component: Option<usize>,
    reference: &'s str,
}

/// The checker of one set.
pub(crate) struct GuideCheck<'g> {
    g: &'g Compiled,
    frames: Vec<Frame>,
    counters: Vec<u64>,
    hier: HierState,
    hl_issues: Vec<HlIssue>,
    reported: usize,
    /// Whether segments of printable ASCII take the bit-mask path ([`flat_elements`]); off only in
    /// the tests that compare it with the element-by-element path.
    flat: bool,
    /// Whether the CPU has what [`GuideCheck::segment_wide`] is compiled for.
    #[cfg(target_arch = "x86_64")]
    wide: bool,
}

impl<'g> GuideCheck<'g> {
    pub fn new(g: &'g Compiled) -> GuideCheck<'g> {
        let mut frames = Vec::with_capacity(g.depth + 1);
        frames.push(Frame { lp: 0, cur: None, count: 0 });
        GuideCheck {
            g,
            frames,
            counters: vec![0; g.counts.len()],
            hier: HierState::default(),
            hl_issues: Vec::new(),
            reported: 0,
            flat: flat_enabled(),
            #[cfg(target_arch = "x86_64")]
            wide: wide_enabled() && crate::simd::wide(),
        }
    }

    fn push(&mut self, findings: &mut Vec<Finding>, finding: Finding) {
        self.reported += 1;
        match self.reported {
            n if n < MAX_FINDINGS => findings.push(finding),
            MAX_FINDINGS => {
                let message = format!("{} (this set has {MAX_FINDINGS} findings or more; the rest are not reported)", finding.message);
                findings.push(Finding { message, ..finding });
            }
            _ => {}
        }
    }

    /// The ID of the innermost open loop (none at the top of the set).
    fn loop_id(&self) -> Option<&'g str> {
        let g = self.g;
        self.frames.last().and_then(|f| g.loops.get(usize::from(f.lp))).map(|l| &*l.id).filter(|id| !id.is_empty())
    }

    fn locate(&self, at: &Location, spot: Option<Spot<'_>>) -> Location {
        let mut loc = at.clone();
        loc.loop_id = self.loop_id().map(str::to_string);
        if let Some(s) = spot {
            loc.element = Some(s.element);
            loc.component = s.component;
            loc.element_ref = Some(s.reference.to_string());
        }
        loc
    }

    fn error(&mut self, findings: &mut Vec<Finding>, rule: Rule, at: &Location, spot: Option<Spot<'_>>, message: String, value: Option<&[u8]>) {
        let mut finding = Finding::error(Scope::Set, rule, self.locate(at, spot), message);
        if let Some(v) = value {
            finding = finding.with_value(String::from_utf8_lossy(v));
        }
        self.push(findings, finding);
    }

    /// Finds where a segment with tag `tag` goes, without changing anything: the innermost open
    /// loop with a position for it at or after its cursor ([`super::compile::LoopDef::next`]).
    #[inline(always)]
    fn place(&self, tag: u16) -> Placement {
        let g = self.g;
        let (t, tags) = (usize::from(tag), g.tags.info.len());
        if t >= tags {
            return Placement::Misplaced;
        }
        let mut over = None;
        for (level, frame) in self.frames.iter().enumerate().rev() {
            let Some(l) = g.loops.get(usize::from(frame.lp)) else { continue };
            let at_or_after = |k: usize| l.next.get(k * tags + t).copied().unwrap_or(NO_POSITION);
            let mut child = at_or_after(usize::from(frame.cur.unwrap_or(0)));
            if child == NO_POSITION {
                continue;
            }
            if Some(child) == frame.cur {
                let max = l.children.get(usize::from(child)).map_or(1, |c| c.max);
                if frame.count < max {
                    return Placement::At { level, child };
                }
                // At its maximum here: a later position of this loop, or an outer loop, may
                // still take it legitimately.
                over.get_or_insert((level, child));
                child = at_or_after(usize::from(child) + 1);
                if child == NO_POSITION {
                    continue;
                }
            }
            return Placement::At { level, child };
        }
        match over {
            Some((level, child)) => Placement::At { level, child },
            None => Placement::Misplaced,
        }
    }

    /// Moves to position `child` of frame `level`, closing the loops inside it; returns the
    /// definition to check the segment with.
    #[inline(always)]
    fn advance(&mut self, level: usize, child: u16, at: &Location, findings: &mut Vec<Finding>) -> Option<u16> {
        while self.frames.len() > level + 1 {
            self.close(at, findings);
        }
        let g = self.g;
        let frame = *self.frames.last()?;
        let children = &g.loops.get(usize::from(frame.lp))?.children;
        let target = children.get(usize::from(child))?;
        if frame.cur == Some(child) {
            let count = frame.count.saturating_add(1);
            if let Some(f) = self.frames.last_mut() {
                f.count = count;
            }
            if count > target.max {
                let tag = &g.tags.info.get(usize::from(target.tag))?.tag;
                let (rule, message) = match target.kind {
                    ChildKind::Segment { .. } => (Rule::SegmentOverMaximum, format!("{tag} occurs {count} times here; the maximum is {}", target.max)),
                    ChildKind::Loop { index } => {
                        let id = g.loops.get(usize::from(index)).map_or("", |l| &*l.id);
                        (Rule::LoopOverMaximum, format!("loop {id} occurs {count} times; the maximum is {}", target.max))
                    }
                };
                self.error(findings, rule, at, None, message, None);
            }
        } else {
            let start = frame.cur.map_or(0, |c| c + 1);
            self.missing_between(frame.lp, start, child, at, findings);
            if let Some(f) = self.frames.last_mut() {
                f.cur = Some(child);
                f.count = 1;
            }
        }
        match target.kind {
            ChildKind::Segment { def } => Some(def),
            ChildKind::Loop { index } => {
                let inner = g.loops.get(usize::from(index))?;
                self.count(inner.counters);
                self.frames.push(Frame { lp: index, cur: Some(0), count: 1 });
                match inner.children.first()?.kind {
                    ChildKind::Segment { def } => Some(def),
                    ChildKind::Loop { .. } => None,
                }
            }
        }
    }

    /// Reports position `child` of loop `lp` if it is mandatory (it was passed over).
    fn missing(&mut self, lp: u16, child: u16, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let Some(c) = g.loops.get(usize::from(lp)).and_then(|l| l.children.get(usize::from(child))) else { return };
        if !c.req {
            return;
        }
        let tag = g.tags.info.get(usize::from(c.tag)).map_or("", |i| &*i.tag);
        let (message, loop_id) = match c.kind {
            ChildKind::Segment { def } => {
                let within = g.loops.get(usize::from(lp)).map(|l| &*l.id).filter(|id| !id.is_empty());
                let named = match g.defs.get(usize::from(def)).map(|d| &*d.name).filter(|n| !n.is_empty()) {
                    Some(name) => format!("{tag} ({name})"),
                    None => tag.to_string(),
                };
                let message = match within {
                    Some(id) => format!("{named} is mandatory in loop {id} but missing"),
                    None => format!("{named} is mandatory but missing"),
                };
                (message, within)
            }
            ChildKind::Loop { index } => {
                let id = g.loops.get(usize::from(index)).map_or("", |l| &*l.id);
                (format!("loop {id} (starting with {tag}) is mandatory but missing"), Some(id))
            }
        };
        let mut loc = at.clone();
        loc.segment_tag = Some(tag.to_string());
        loc.loop_id = loop_id.map(str::to_string);
        self.push(findings, Finding::error(Scope::Set, Rule::MandatorySegmentMissing, loc, message));
    }

    /// Closes the innermost loop: whatever mandatory positions follow its cursor are missing.
    fn close(&mut self, at: &Location, findings: &mut Vec<Finding>) {
        let Some(frame) = self.frames.pop() else { return };
        let len = self.g.loops.get(usize::from(frame.lp)).map_or(0, |l| l.children.len());
        let start = frame.cur.map_or(0, |c| c + 1);
        self.missing_between(frame.lp, start, len as u16, at, findings);
    }

    /// Reports the mandatory positions in `start..end` of loop `lp` (all passed over). Inlined for
    /// the usual answer, none; the report is out of line.
    #[inline(always)]
    fn missing_between(&mut self, lp: u16, start: u16, end: u16, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let Some(next) = g.loops.get(usize::from(lp)).map(|l| &l.next_required) else { return };
        let k = next.get(usize::from(start)).copied().unwrap_or(end);
        if k < end {
            self.report_missing(lp, k, end, at, findings);
        }
    }

    #[cold]
    #[inline(never)]
    fn report_missing(&mut self, lp: u16, mut k: u16, end: u16, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let Some(next) = g.loops.get(usize::from(lp)).map(|l| &l.next_required) else { return };
        while k < end {
            self.missing(lp, k, at, findings);
            k = next.get(usize::from(k) + 1).copied().unwrap_or(end);
        }
    }

    #[inline(always)]
    fn count(&mut self, mut bits: u64) {
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            if let Some(c) = self.counters.get_mut(i) {
                *c += 1;
            }
            bits &= bits - 1;
        }
    }

    /// A segment that no open loop can take here: out of order, or expected only elsewhere.
    fn misplaced(&mut self, tag: u16, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let Some(info) = g.tags.info.get(usize::from(tag)) else { return };
        let earlier = self.frames.iter().rev().find_map(|f| {
            let cur = f.cur?;
            info.occurrences.iter().any(|&(lp, child)| lp == f.lp && child < cur).then_some((f.lp, cur))
        });
        let (rule, message) = match earlier {
            Some((lp, cur)) => {
                let after = g.loops.get(usize::from(lp)).and_then(|l| l.children.get(usize::from(cur))).map_or(String::new(), |c| {
                    let t = g.tags.info.get(usize::from(c.tag)).map_or("", |i| &*i.tag);
                    match c.kind {
                        ChildKind::Segment { .. } => t.to_string(),
                        ChildKind::Loop { index } => format!("loop {}", g.loops.get(usize::from(index)).map_or("", |l| &*l.id)),
                    }
                });
                (Rule::SegmentOutOfOrder, format!("{} is out of order: the guide places it before {after}", info.tag))
            }
            None => {
                let mut loops: Vec<&str> = info.occurrences.iter().filter_map(|&(lp, _)| g.loops.get(usize::from(lp))).map(|l| &*l.id).collect();
                loops.dedup();
                (Rule::UnexpectedSegment, format!("{} is not expected here; the guide has it only in loop {}", info.tag, loops.join(", ")))
            }
        };
        self.error(findings, rule, at, None, message, None);
    }

    /// Checks the elements of a segment against definition `def`.
    /// `fields` are the segment's elements split on the element separator alone (the tag already
    /// taken); `special` says whether that is not enough (components, repetitions, release
    /// characters or wrapping) and the segment's own splitting must be used.
    fn elements<'s>(&mut self, def: &'g SegDef, seg: &Segment<'s>, fields: Fields<'s>, special: bool, at: &Location, findings: &mut Vec<Finding>) {
        let present = if special {
            let present = self.elements_slow(def, seg, at, findings);
            self.checks(def, present, at, findings, |element, component| read(seg, element, component));
            present
        } else if def.checks.is_empty() {
            self.elements_fast(def, fields, at, findings, None)
        } else {
            let mut kept: [&[u8]; KEPT] = [&[]; KEPT];
            let present = self.elements_fast(def, fields, at, findings, Some(&mut kept));
            self.checks(def, present, at, findings, |element, component| kept_value(def, &kept, seg, element, component));
            present
        };
        let missing = def.required & !present;
        if missing != 0 {
            for (i, spec) in def.elements.iter().enumerate().filter(|(i, _)| missing & (1 << i) != 0) {
                let n = i + 1;
                let message = described(format!("{}{n:02}", def.tag), spec, "is mandatory but missing");
                self.error(findings, Rule::MandatoryElementMissing, at, Some(spot(spec, n, None)), message, None);
            }
        }
        for note in &def.notes {
            // An element already reported as mandatory and missing is not reported again by a note.
            if let Some(broken) = note.check(present).filter(|b| missing & (1 << (b.position - 1)) == 0) {
                let message = note.describe(|p| format!("{}{p:02}", def.tag));
                let reference = def.elements.get(broken.position - 1).map_or("", |s| &*s.reference);
                self.error(findings, broken.rule, at, Some(Spot { element: broken.position, component: None, reference }), message, None);
            }
        }
    }

    /// A segment without component, repetition or release characters, not wrapped: each element is
    /// its raw bytes. Returns which elements are present; keeps the values the checks will read.
    fn elements_fast<'s>(
        &mut self,
        def: &'g SegDef,
        fields: Fields<'s>,
        at: &Location,
        findings: &mut Vec<Finding>,
        mut kept: Option<&mut [&'s [u8]; KEPT]>,
    ) -> u64 {
        let mut present = 0u64;
        for (i, raw) in fields.enumerate() {
            let Some(spec) = def.elements.get(i) else {
                if !raw.is_empty() {
                    self.too_many_elements(def, i + 1, raw, at, findings);
                    break;
                }
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            present |= 1 << i;
            if let Some(kept) = kept.as_deref_mut()
                && let Some(&slot) = def.slots.get(i)
                && let Some(place) = kept.get_mut(usize::from(slot))
            {
                *place = raw;
            }
            let n = i + 1;
            match spec.components.first() {
                None => self.value(def, spec, n, None, raw, at, findings),
                Some(first) => {
                    // A composite written without component separators: only its first component is present.
                    self.value(def, first, n, Some(1), raw, at, findings);
                    self.components_done(def, spec, n, 1, at, findings);
                }
            }
        }
        present
    }

    /// Any segment: elements split by the segment's own rules (repetitions, components, release
    /// characters, wrapping). Returns which elements are present.
    fn elements_slow(&mut self, def: &'g SegDef, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) -> u64 {
        let repetition = seg.delimiters().repetition;
        let mut present = 0u64;
        for (i, el) in seg.elements().enumerate() {
            let Some(spec) = def.elements.get(i) else {
                if !el.is_empty() {
                    self.too_many_elements(def, i + 1, el.raw(), at, findings);
                    break;
                }
                continue;
            };
            if el.is_empty() {
                continue;
            }
            present |= 1 << i;
            let n = i + 1;
            match repetition {
                Some(r) if memchr::memchr(r, el.raw()).is_some() => {
                    let mut count = 0;
                    for rep in el.repetitions() {
                        count += 1;
                        if count > spec.repeat {
                            let message = format!("{}{n:02} repeats more than {} times", def.tag, spec.repeat);
                            self.error(findings, Rule::TooManyRepetitions, at, Some(spot(spec, n, None)), message, Some(el.raw()));
                            break;
                        }
                        if !rep.is_empty() {
                            self.element(def, spec, n, rep, at, findings);
                        }
                    }
                }
                _ => self.element(def, spec, n, el, at, findings),
            }
        }
        present
    }

    fn too_many_elements(&mut self, def: &SegDef, n: usize, raw: &[u8], at: &Location, findings: &mut Vec<Finding>) {
        let message = format!("{} has more than {} elements: {}{n:02} is not defined by the guide", def.tag, def.elements.len(), def.tag);
        self.error(findings, Rule::TooManyElements, at, Some(Spot { element: n, component: None, reference: "" }), message, Some(raw));
    }

    /// Check digits, reading values through `value(element, component)`.
    #[inline(always)]
    fn checks<'v>(&mut self, def: &SegDef, present: u64, at: &Location, findings: &mut Vec<Finding>, value: impl Fn(usize, usize) -> Option<Cow<'v, [u8]>>) {
        let absent = |element: usize| present & (1 << (element - 1)) == 0;
        for check in &def.checks {
            if absent(check.element) {
                continue;
            }
            if let Some(when) = &check.when
                && (absent(when.element) || !value(when.element, when.component).is_some_and(|v| when.codes.contains(&v)))
            {
                continue;
            }
            let Some(v) = value(check.element, check.component) else { continue };
            if v.is_empty() {
                continue;
            }
            if let Some(problem) = check_digit_problem(check.kind, &v) {
                let spec = def.elements.get(check.element - 1);
                let component = spec.filter(|s| !s.components.is_empty()).map(|_| check.component);
                let reference = spec.map_or("", |s| component.and_then(|c| s.components.get(c - 1)).map_or(&*s.reference, |c| &*c.reference));
                let label = label(&def.tag, check.element, component);
                let message = format!("{label} {:?} {problem}", String::from_utf8_lossy(&v));
                self.error(findings, Rule::CheckDigit, at, Some(Spot { element: check.element, component, reference }), message, Some(&v));
            }
        }
    }

    /// Checks one occurrence of element `n` (a simple element or a composite).
    #[allow(clippy::too_many_arguments)]
    fn element(&mut self, def: &SegDef, spec: &ElemSpec, n: usize, el: Element<'_>, at: &Location, findings: &mut Vec<Finding>) {
        if spec.components.is_empty() {
            if el.components().nth(1).is_some() {
                let message = format!("{}{n:02} is a simple element but contains the component separator", def.tag);
                self.error(findings, Rule::TooManyComponents, at, Some(spot(spec, n, None)), message, Some(el.raw()));
                return;
            }
            self.value(def, spec, n, None, &el.value(), at, findings);
            return;
        }
        let mut present = 0u64;
        for (i, component) in el.components().enumerate() {
            let Some(cspec) = spec.components.get(i) else {
                if !component.is_empty() {
                    let message = format!("{}{n:02} has more than {} components", def.tag, spec.components.len());
                    self.error(findings, Rule::TooManyComponents, at, Some(spot(spec, n, Some(i + 1))), message, Some(el.raw()));
                    break;
                }
                continue;
            };
            if component.is_empty() {
                continue;
            }
            present |= 1 << i;
            self.value(def, cspec, n, Some(i + 1), &component.value(), at, findings);
        }
        self.components_done(def, spec, n, present, at, findings);
    }

    /// After the components of composite `n`: the mandatory ones missing and its syntax notes.
    fn components_done(&mut self, def: &SegDef, spec: &ElemSpec, n: usize, present: u64, at: &Location, findings: &mut Vec<Finding>) {
        let missing = spec.required & !present;
        if missing != 0 {
            for (i, cspec) in spec.components.iter().enumerate().filter(|(i, _)| missing & (1 << i) != 0) {
                let message = described(label(&def.tag, n, Some(i + 1)), cspec, "is mandatory but missing");
                self.error(findings, Rule::MandatoryElementMissing, at, Some(spot(cspec, n, Some(i + 1))), message, None);
            }
        }
        for note in &spec.notes {
            if let Some(broken) = note.check(present).filter(|b| missing & (1 << (b.position - 1)) == 0) {
                let message = note.describe(|p| label(&def.tag, n, Some(p)));
                let reference = spec.components.get(broken.position - 1).map_or("", |s| &*s.reference);
                self.error(findings, broken.rule, at, Some(Spot { element: n, component: Some(broken.position), reference }), message, None);
            }
        }
    }

    /// Checks one non-empty value against its type, lengths and (enforced) code list. Inlined for
    /// the happy path; the report is out of line.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn value(&mut self, def: &SegDef, spec: &ElemSpec, n: usize, component: Option<usize>, v: &[u8], at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let result = check_value(spec.ty, spec.min, spec.max, v).and_then(|()| match spec.codes.and_then(|i| g.code_lists.get(usize::from(i))) {
            Some(list) if !list.contains(v) => Err(Problem::BadCode),
            _ => Ok(()),
        });
        if let Err(problem) = result {
            self.bad_value(problem, def, spec, n, component, v, at, findings);
        }
    }

    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn bad_value(
        &mut self,
        problem: Problem,
        def: &SegDef,
        spec: &ElemSpec,
        n: usize,
        component: Option<usize>,
        v: &[u8],
        at: &Location,
        findings: &mut Vec<Finding>,
    ) {
        let codes = spec.codes.and_then(|i| self.g.code_lists.get(usize::from(i)));
        let text = String::from_utf8_lossy(v);
        let message = problem.message(&label(&def.tag, n, component), spec.ty, &text, codes);
        self.error(findings, problem.rule(), at, Some(spot(spec, n, component)), message, Some(v));
    }

    /// Summary counts declared on this segment.
    fn summary(&mut self, tag: u16, def: Option<&SegDef>, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        for (i, count) in g.counts.iter().enumerate().filter(|(_, c)| c.tag == tag) {
            if let Some(when) = &count.when
                && !read(seg, when.element, when.component).is_some_and(|v| when.codes.contains(&v))
            {
                continue;
            }
            let Some(value) = read(seg, count.element, count.component) else { continue };
            let Some(said) = parse_count(&value) else { continue };
            let counted = self.counters.get(i).copied().unwrap_or(0);
            if said != counted {
                let spec = def.and_then(|d| d.elements.get(count.element - 1));
                let component = spec.filter(|s| !s.components.is_empty()).map(|_| count.component);
                let reference = spec.map_or("", |s| component.and_then(|c| s.components.get(c - 1)).map_or(&*s.reference, |c| &*c.reference));
                let tag = def.map_or("", |d| &*d.tag);
                let message = format!("{} says {said}; the set has {counted} {}", label(tag, count.element, component), count.what);
                self.error(findings, Rule::SummaryCount, at, Some(Spot { element: count.element, component, reference }), message, Some(&value));
            }
        }
    }

    fn hierarchy(&mut self, def: Option<&SegDef>, at: &Location, findings: &mut Vec<Finding>) {
        let mut issues = std::mem::take(&mut self.hl_issues);
        for issue in issues.drain(..) {
            let reference = def.and_then(|d| d.elements.get(issue.element.wrapping_sub(1))).map_or("", |s| &*s.reference);
            let here = issue.earlier.map(|e| e.relocate(at, def.map_or("HL", |d| &*d.tag)));
            let at = here.as_ref().unwrap_or(at);
            let spot = (issue.element > 0).then_some(Spot { element: issue.element, component: None, reference });
            let value = (!issue.value.is_empty()).then_some(issue.value.as_bytes());
            self.error(findings, issue.rule, at, spot, issue.message, value);
        }
        self.hl_issues = issues;
    }
}

impl SetCheck for GuideCheck<'_> {
    fn segment(&mut self, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            // SAFETY: `wide` is set only on a CPU with the features `segment_wide` is compiled for.
            return unsafe { self.segment_wide(seg, at, findings) };
        }
        self.check_segment::<false>(seg, at, findings);
    }

    fn finish(&mut self, at: &Location, findings: &mut Vec<Finding>) {
        while !self.frames.is_empty() {
            self.close(at, findings);
        }
        let g = self.g;
        if let Some(h) = &g.hierarchy {
            let def = g.tags.info.get(usize::from(h.tag)).and_then(|i| i.def).and_then(|d| g.defs.get(usize::from(d)));
            self.hier.finish(h, def, &mut self.hl_issues);
            if !self.hl_issues.is_empty() {
                self.hierarchy(def, at, findings);
            }
        }
    }
}

impl GuideCheck<'_> {
    /// [`GuideCheck::check_segment`] compiled for the instructions [`crate::simd::wide`] detects:
    /// the segment's classification is inlined, counting bits is one instruction, and so are
    /// variable shifts and masks of the low bits.
    ///
    /// # Safety
    /// The CPU must have AVX2, BMI1, BMI2, POPCNT and LZCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    unsafe fn segment_wide(&mut self, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) {
        self.check_segment::<true>(seg, at, findings);
    }

    /// Checks one segment; `WIDE` only inside [`GuideCheck::segment_wide`].
    #[inline(always)]
    fn check_segment<const WIDE: bool>(&mut self, seg: &Segment<'_>, at: &Location, findings: &mut Vec<Finding>) {
        let g = self.g;
        let d = seg.delimiters();
        let raw = seg.raw();
        let specials = match (d.repetition, d.release) {
            // X12 before 5010: only the component separator can make a segment special.
            (None, None) => [d.component; 3],
            (repetition, release) => [d.component, repetition.unwrap_or(d.component), release.unwrap_or(d.component)],
        };
        // One classification of the segment's bytes (nearly every segment is shorter than 128
        // bytes) finds the element separators and whether any element may need splitting or
        // unescaping; most segments need neither and take a fast path, which splits on the
        // element separator alone (and, for printable ASCII, checks the values on the masks).
        let (mask, special, classes) = if !seg.is_wrapped() && raw.len() < 128 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `WIDE` only in `segment_wide`, which runs on a CPU with AVX2.
            let classes = if WIDE { unsafe { crate::simd::classify_avx2(raw, d.element, specials) } } else { crate::simd::classify(raw, d.element, specials) };
            #[cfg(not(target_arch = "x86_64"))]
            let classes = crate::simd::classify(raw, d.element, specials);
            // `odd` also has the bytes outside printable ASCII: only then look for the specials.
            let special = classes.odd != 0 && memchr::memchr3(specials[0], specials[1], specials[2], raw).is_some();
            (classes.sep as u64, special, Some(classes))
        } else {
            let (mask, mut special) = crate::simd::separators(&raw[..raw.len().min(64)], d.element, specials);
            if let Some(rest) = raw.get(64..) {
                special |= memchr::memchr3(specials[0], specials[1], specials[2], rest).is_some();
            }
            special |= seg.is_wrapped();
            (mask, special, None)
        };
        // The elements after the tag, split on the element separator alone (for the
        // element-by-element path), and the tag: the bytes before the first separator.
        let fields = || {
            let mut fields = Fields::with_mask(raw, d.element, mask);
            fields.next();
            fields
        };
        let tag = match (seg.is_wrapped(), mask) {
            (true, _) => seg.tag(),
            (false, 0) if raw.len() > 64 => raw.get(..memchr::memchr(d.element, raw).unwrap_or(raw.len())).unwrap_or_default(),
            (false, 0) => raw,
            (false, mask) => raw.get(..mask.trailing_zeros() as usize).unwrap_or_default(),
        };
        let trailer = match g.standard {
            Standard::X12 => TRAILER_X12,
            Standard::Edifact => TRAILER_EDIFACT,
        };
        if pack(tag) == trailer {
            // The envelope checks the trailer; `finish` closes the structure.
            return;
        }
        let Some(tag_id) = g.tags.find(tag) else {
            let message = format!("{} is not a segment of the {} guide", seg.tag_str(), g.set_id);
            self.error(findings, Rule::UnrecognizedSegment, at, None, message, None);
            return;
        };
        let def = match self.place(tag_id) {
            Placement::At { level, child } => self.advance(level, child, at, findings),
            Placement::Misplaced => {
                self.misplaced(tag_id, at, findings);
                g.tags.info.get(usize::from(tag_id)).and_then(|i| i.def)
            }
        };
        let def = def.and_then(|d| g.defs.get(usize::from(d)));
        let info = g.tags.info.get(usize::from(tag_id));
        self.count(info.map_or(0, |i| i.counters));
        if let Some(def) = def {
            // The values the digit checks read, kept while splitting (none to keep without checks).
            let mut kept;
            let keep: &mut [&[u8]] = if def.checks.is_empty() {
                &mut []
            } else {
                kept = [&[][..]; KEPT];
                &mut kept
            };
            // (A match, not `filter`/`and_then`: those closures were compiled apart, without
            // `segment_wide`'s features.)
            let flat = match classes {
                Some(c) if c.odd == 0 && self.flat => flat_elements(g, def, raw, &c, keep),
                _ => None,
            };
            match flat {
                Some(present) => {
                    // Values, mandatory elements and notes are fine: what is left to report is
                    // the digit checks, as the element-by-element path would after them.
                    if !def.checks.is_empty() && !flat_checks_pass(def, present, keep) {
                        self.checks(def, present, at, findings, |element, component| kept_value(def, keep, seg, element, component));
                    }
                }
                None => self.elements(def, seg, fields(), special, at, findings),
            }
        }
        if let Some(h) = &g.hierarchy
            && h.tag == tag_id
        {
            self.hier.segment(h, seg, at, &mut self.hl_issues);
            if !self.hl_issues.is_empty() {
                self.hierarchy(def, at, findings);
            }
        }
        if info.is_some_and(|i| i.summary) {
            self.summary(tag_id, def, seg, at, findings);
        }
    }
}

/// Whether checkers take the bit-mask path: always, but in the tests that turn it off on their
/// thread to compare it with the element-by-element path.
fn flat_enabled() -> bool {
    #[cfg(test)]
    {
        !NO_FLAT.with(std::cell::Cell::get)
    }
    #[cfg(not(test))]
    {
        true
    }
}

#[cfg(test)]
thread_local! {
    /// Set by a test: the checkers created on this thread use the element-by-element path only.
    pub(crate) static NO_FLAT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set by a test: the checkers created on this thread run the code compiled for the baseline
    /// even on a CPU that has what [`GuideCheck::segment_wide`] is compiled for.
    pub(crate) static NO_WIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether checkers may take [`GuideCheck::segment_wide`] (when the CPU can): always, but in the
/// tests that compare it with the baseline code.
#[cfg(target_arch = "x86_64")]
fn wide_enabled() -> bool {
    #[cfg(test)]
    {
        !NO_WIDE.with(std::cell::Cell::get)
    }
    #[cfg(not(test))]
    {
        true
    }
}

fn spot(spec: &ElemSpec, element: usize, component: Option<usize>) -> Spot<'_> {
    Spot { element, component, reference: &spec.reference }
}

/// `BEG03`, or `DTM01-2` for a component.
fn label(tag: &str, element: usize, component: Option<usize>) -> String {
    match component {
        Some(c) => format!("{tag}{element:02}-{c}"),
        None => format!("{tag}{element:02}"),
    }
}

/// `BEG03 (purchase order number) is …` when the guide names the element.
fn described(label: String, spec: &ElemSpec, what: &str) -> String {
    if spec.name.is_empty() { format!("{label} {what}") } else { format!("{label} ({}) {what}", spec.name) }
}

/// The value of element `element`, component `component` of a segment without component
/// separators, from the values kept while splitting it when a slot has it.
fn kept_value<'a>(def: &SegDef, kept: &[&'a [u8]], seg: &Segment<'a>, element: usize, component: usize) -> Option<Cow<'a, [u8]>> {
    // Without component separators every component after the first is absent.
    if component != 1 {
        return None;
    }
    match def.slots.get(element.wrapping_sub(1)).copied() {
        Some(slot) if slot != NO_SLOT => kept.get(usize::from(slot)).map(|v| Cow::Borrowed(*v)),
        _ => read(seg, element, component),
    }
}

/// Whether the digit checks of a segment that took the bit-mask path all pass, on the values
/// kept there: what [`GuideCheck::checks`] would report nothing for. `false` when one fails or a
/// value it reads was not kept; `checks` then decides, and reports.
#[inline(always)]
fn flat_checks_pass(def: &SegDef, present: u64, kept: &[&[u8]]) -> bool {
    let has = |element: usize| present >> (element.wrapping_sub(1) & 63) & 1 != 0;
    // Without component separators, a component after the first is absent.
    let value = |element: usize| def.slots.get(element.wrapping_sub(1)).and_then(|&slot| kept.get(usize::from(slot)));
    for check in &def.checks {
        if !has(check.element) || check.component != 1 {
            continue;
        }
        if let Some(when) = &check.when {
            if !has(when.element) || when.component != 1 {
                continue;
            }
            let Some(qualifier) = value(when.element) else { return false };
            if !when.codes.contains(qualifier) {
                continue;
            }
        }
        let Some(v) = value(check.element) else { return false };
        if !v.is_empty() && !check_digit_ok(check.kind, v) {
            return false;
        }
    }
    true
}

/// The bit-mask path of the element checks, for a segment of printable ASCII without component,
/// repetition or release characters, shorter than 128 bytes (`c`: its [`Classes`]): one pass over
/// the element boundaries the separator mask gives, each value checked on the masks against its
/// [`super::compile::FlatElement`] — a number is nothing but digits after an optional minus with at most one
/// decimal mark, its length the count of its digit bits. Returns the present elements when the
/// element-by-element path ([`GuideCheck::elements`]) would find nothing wrong with the values,
/// the mandatory elements and the syntax notes (keeping the values the digit checks read in
/// `kept`); `None` when something may be wrong, and that path then decides.
#[inline(always)]
fn flat_elements<'s>(g: &Compiled, def: &SegDef, raw: &'s [u8], c: &Classes, kept: &mut [&'s [u8]]) -> Option<u64> {
    // Most segments fit in 64 bits, where every mask operation is one instruction.
    if raw.len() <= 64 { flat_values::<u64>(g, def, raw, c, kept) } else { flat_values::<u128>(g, def, raw, c, kept) }
}

/// A segment's bit masks: `u64` or `u128`.
trait Bits: Copy + Eq + std::ops::BitAnd<Output = Self> + std::ops::BitOr<Output = Self> + std::ops::Not<Output = Self> {
    const ZERO: Self;
    /// The low bits of a mask of [`Classes`].
    fn of(mask: u128) -> Self;
    /// Bits `0..n` (`n` below the width).
    fn below(n: usize) -> Self;
    /// Shifted down by `n` (below the width).
    fn down(self, n: usize) -> Self;
    /// Shifted up by `n` (below the width).
    fn up(self, n: usize) -> Self;
    fn ones(self) -> u32;
    fn first(self) -> usize;
    /// Without its lowest set bit.
    fn rest(self) -> Self;
}

macro_rules! bits {
    ($t:ty) => {
        impl Bits for $t {
            const ZERO: Self = 0;
            #[inline(always)]
            fn of(mask: u128) -> Self {
                mask as $t
            }
            #[inline(always)]
            fn below(n: usize) -> Self {
                (1 << n) - 1
            }
            #[inline(always)]
            fn down(self, n: usize) -> Self {
                self >> n
            }
            #[inline(always)]
            fn up(self, n: usize) -> Self {
                self << n
            }
            #[inline(always)]
            fn ones(self) -> u32 {
                self.count_ones()
            }
            #[inline(always)]
            fn first(self) -> usize {
                self.trailing_zeros() as usize
            }
            #[inline(always)]
            fn rest(self) -> Self {
                self & self.wrapping_sub(1)
            }
        }
    };
}
bits!(u64);
bits!(u128);

#[inline(always)]
fn flat_values<'s, B: Bits>(g: &Compiled, def: &SegDef, raw: &'s [u8], c: &Classes, kept: &mut [&'s [u8]]) -> Option<u64> {
    let flat = &def.flat;
    let (sep, digit, dot) = (B::of(c.sep), B::of(c.digit), B::of(c.dot));
    debug_assert!(raw.len() <= 8 * std::mem::size_of::<B>());
    if sep == B::ZERO {
        // The tag alone.
        return (def.required == 0 && flat_notes(def, 0)).then_some(0);
    }
    // More elements than the definition has: whether the extra ones are all empty is for the
    // element-by-element path to say.
    if sep.ones() as usize > flat.elements.len() {
        return None;
    }
    let mut seps = sep.rest();
    let mut start = sep.first() + 1;
    let mut present = 0u64;
    for (i, e) in flat.elements.iter().enumerate() {
        let end = if seps != B::ZERO { seps.first() } else { raw.len() };
        if end > start {
            present |= 1 << i;
            let len = end - start;
            let n = match e.class {
                Class::Text => len,
                class => flat_number(class, raw, start, end, digit, dot)?,
            };
            // Also refuses a number without digits: `min` is at least 1.
            if (n as u16).wrapping_sub(e.min) > e.span {
                return None;
            }
            if e.slot != NO_SLOT || e.codes != NO_CODES {
                let v = raw.get(start..end)?;
                if let Some(place) = kept.get_mut(usize::from(e.slot)) {
                    *place = v;
                }
                if e.codes != NO_CODES && !g.code_lists.get(usize::from(e.codes)).is_some_and(|list| list.contains(v)) {
                    return None;
                }
            }
        }
        if seps == B::ZERO {
            break;
        }
        seps = seps.rest();
        start = end + 1;
    }
    (def.required & !present == 0 && flat_notes(def, present)).then_some(present)
}

/// The length that counts for a value of `class` other than text at `start..end` of `raw` —
/// a number's digits — if the value is one of its class, from the masks where they can tell
/// (a number is nothing but digits after an optional minus with at most one decimal mark).
#[inline(always)]
fn flat_number<B: Bits>(class: Class, raw: &[u8], start: usize, end: usize, digit: B, dot: B) -> Option<usize> {
    let len = end - start;
    // The bits of the value's bytes, moved down to bit 0 (a value is shorter than the segment,
    // so `len` is below the width).
    let range = B::below(len);
    let digits = digit.down(start) & range;
    // (An `if`, not a closure per class: one might be compiled apart, without `segment_wide`'s
    // features.)
    let marks = if matches!(class, Class::Numeric | Class::Real) {
        let minus = usize::from(raw.get(start) == Some(&b'-'));
        // The bytes after an optional leading minus that are not digits.
        range.down(minus).up(minus) & !digits
    } else {
        B::ZERO
    };
    match class {
        Class::Text => Some(len),
        Class::Alpha => (digits == B::ZERO).then_some(len),
        Class::Numeric => (marks == B::ZERO).then_some(digits.ones() as usize),
        Class::Real => (marks & !dot.down(start) == B::ZERO && marks.rest() == B::ZERO).then_some(digits.ones() as usize),
        Class::EdiNumeric => decimal_digits(raw.get(start..end)?, b'.', b','),
        Class::Date => valid_date(raw.get(start..end)?).then_some(len),
        Class::Time => valid_time(raw.get(start..end)?).then_some(len),
        Class::Other => None,
    }
}

/// Whether every syntax note of `def` holds for the `present` elements.
#[inline(always)]
fn flat_notes(def: &SegDef, present: u64) -> bool {
    // (Loops rather than `all` with closures, which might be compiled apart, without
    // `segment_wide`'s features.)
    for &(d, firsts) in &def.flat.pairs {
        if ((present >> d) ^ present) & firsts != 0 {
            return false;
        }
    }
    for note in &def.flat.others {
        if !note.holds(present) {
            return false;
        }
    }
    true
}

/// The value of element `element`, component `component` (1 for a simple element).
fn read<'a>(seg: &Segment<'a>, element: usize, component: usize) -> Option<Cow<'a, [u8]>> {
    Some(seg.element(element)?.component(component)?.value())
}

fn parse_count(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// Splits a segment's bytes on one separator, from bit masks of 64 bytes at a time
/// ([`crate::simd::separators`]): most elements are a few bytes long, and a byte-by-byte search
/// spends its time on the loop rather than the bytes. The mask of the first 64 bytes may come from
/// the caller, which classifies them anyway.
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    /// Start of the next field.
    start: usize,
    /// Offset of the 64-byte chunk `mask` describes.
    chunk: usize,
    /// The separators in the current chunk not yet returned (bit `i` for byte `chunk + i`).
    mask: u64,
    sep: u8,
    done: bool,
}

impl<'a> Fields<'a> {
    #[cfg(test)]
    pub fn new(bytes: &'a [u8], sep: u8) -> Fields<'a> {
        let (mask, _) = crate::simd::separators(&bytes[..bytes.len().min(64)], sep, [sep; 3]);
        Fields::with_mask(bytes, sep, mask)
    }

    /// `mask`: the separators among the first 64 bytes.
    pub fn with_mask(bytes: &'a [u8], sep: u8, mask: u64) -> Fields<'a> {
        Fields { bytes, start: 0, chunk: 0, mask, sep, done: false }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.done {
                return None;
            }
            if self.mask != 0 {
                let at = self.chunk + self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                let field = self.bytes.get(self.start..at).unwrap_or_default();
                self.start = at + 1;
                return Some(field);
            }
            self.chunk += 64;
            let Some(rest) = self.bytes.get(self.chunk..).filter(|r| !r.is_empty()) else {
                self.done = true;
                return Some(self.bytes.get(self.start..).unwrap_or_default());
            };
            self.mask = crate::simd::separators(&rest[..rest.len().min(64)], self.sep, [self.sep; 3]).0;
        }
    }
}
