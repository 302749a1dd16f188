//! Guide file → compiled guide: the checked, index-based form the per-segment checker runs on.
//!
//! Everything that can be decided once per guide is decided here, so checking a segment is a
//! handful of array lookups: tags become small integers with a sorted lookup table and the list of
//! positions (loop, child) where each may occur; formats become a [`DataType`] with lengths; syntax
//! notes become bit masks; code lists become sorted byte strings. Every mistake in a guide file is
//! reported here, with the guide and the place in it, never while validating.

use std::collections::BTreeMap;

use crate::syntax::Standard;

use super::GuideError;
use super::model::{CodesFile, CountFile, ElementFile, GuideFile, HierarchyFile, MaxFile, NodeFile, SegmentFile, WhenFile};
use super::rules::{DataType, Note, NoteKind, NoteMasks};

/// Elements per segment and components per composite: presence is tracked in a `u64`.
pub(crate) const MAX_POSITIONS: usize = 64;

/// A guide ready to check sets with.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub standard: Standard,
    pub set_id: String,
    pub versions: Vec<String>,
    pub name: String,
    pub partners: Vec<String>,
    /// `loops[0]` is the set body itself (no loop ID).
    pub loops: Vec<LoopDef>,
    pub defs: Vec<SegDef>,
    pub tags: Tags,
    pub code_lists: Vec<CodeList>,
    pub hierarchy: Option<Hierarchy>,
    pub counts: Vec<Count>,
    /// The deepest loop nesting, for sizing the checker's stack once.
    pub depth: usize,
}

#[derive(Debug)]
pub(crate) struct LoopDef {
    pub id: Box<str>,
    pub children: Vec<Child>,
    /// `next_required[k]`: the first mandatory position at or after `k` (`children.len()` if none),
    /// so passing over optional positions costs nothing.
    pub next_required: Vec<u16>,
    /// `next[k * tags + t]` (`tags`: the guide's number of tags): the first position at or after
    /// `k` (`0..=children.len()`) whose tag is `t`, or [`NO_POSITION`] — so that finding where a
    /// segment goes in an open loop is one lookup. A nested loop's first position (its trigger) is
    /// left out: the trigger repeating starts a new iteration, which the enclosing loop takes.
    pub next: Vec<u16>,
    /// Bit `i` set: entering this loop adds one to count `i`.
    pub counters: u64,
}

/// A position inside a loop: a segment, or a nested loop (keyed by its trigger segment's tag).
#[derive(Debug)]
pub(crate) struct Child {
    pub tag: u16,
    pub req: bool,
    pub max: u32,
    pub kind: ChildKind,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ChildKind {
    Segment { def: u16 },
    Loop { index: u16 },
}

#[derive(Debug)]
pub(crate) struct SegDef {
    pub tag: Box<str>,
    pub name: Box<str>,
    pub elements: Vec<ElemSpec>,
    /// Bit `n - 1` set when element `n` is mandatory.
    pub required: u64,
    pub notes: Vec<Note>,
    pub checks: Vec<DigitCheck>,
    /// For the fast path: slot (into a small array of values kept while splitting) of each
    /// element position that a check reads, `NO_SLOT` for the others.
    pub slots: Vec<u8>,
    /// The same definition as a flat table, for the checker's bit-mask path.
    pub flat: FlatDef,
}

/// A segment definition as the checker's bit-mask path reads it ([`super::check`]): per element
/// position what its value must be, and the syntax notes as masks. Everything it cannot decide
/// from bit masks (a composite that would report a missing component, say) is [`Class::Other`],
/// and the checker then takes its element-by-element path.
#[derive(Debug, Default)]
pub(crate) struct FlatDef {
    pub elements: Vec<FlatElement>,
    /// The `P` notes of two positions, grouped by the distance `d` between them: `(d, bits of
    /// the first positions)`; such a note holds when bit `p` and bit `p + d` of the present
    /// elements agree.
    pub pairs: Vec<(u32, u64)>,
    /// The other notes, checked one by one on their masks.
    pub others: Vec<NoteMasks>,
}

/// One element position of a [`FlatDef`]: the type, lengths and code list of a simple element,
/// or of the first component of a composite when the others may all be absent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlatElement {
    pub class: Class,
    /// The slot the digit checks read the value from (`NO_SLOT`: none).
    pub slot: u8,
    /// The least length, at least 1: a present value has a byte, a number a digit.
    pub min: u16,
    /// The greatest length less `min`: a length `n` fits when `n - min` (wrapping) is at most this.
    pub span: u16,
    /// An enforced code list (index into `Compiled::code_lists`), or `NO_CODES`.
    pub codes: u16,
}

pub(crate) const NO_CODES: u16 = u16::MAX;

/// What a value of a [`FlatElement`] must be, as the bit-mask path checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Printable characters (X12 `AN`, `ID`; EDIFACT `an`): its length is its byte count.
    Text,
    /// No digits (EDIFACT `a`).
    Alpha,
    /// Digits after an optional minus (X12 `N0`–`N9`).
    Numeric,
    /// Digits after an optional minus, with at most one `.` (X12 `R`).
    Real,
    /// As `Real`, the mark `.` or `,` (EDIFACT `n`).
    EdiNumeric,
    Date,
    Time,
    /// Left to the element-by-element path whenever present.
    Other,
}

impl FlatDef {
    fn new(elements: &[ElemSpec], notes: &[Note], slots: &[u8]) -> FlatDef {
        let flat = |spec: &ElemSpec, slot: u8| {
            let class = match spec.ty {
                DataType::Alnum | DataType::Id | DataType::EdiAlnum => Class::Text,
                DataType::Alpha => Class::Alpha,
                DataType::Numeric(_) => Class::Numeric,
                DataType::Real => Class::Real,
                DataType::EdiNumeric => Class::EdiNumeric,
                DataType::Date => Class::Date,
                DataType::Time => Class::Time,
            };
            let min = spec.min.max(1);
            match spec.max.checked_sub(min) {
                Some(span) => FlatElement { class, slot, min, span, codes: spec.codes.unwrap_or(NO_CODES) },
                // No length fits: the element-by-element path reports it.
                None => FlatElement { class: Class::Other, slot, min: 0, span: 0, codes: NO_CODES },
            }
        };
        let elements = elements
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let slot = slots.get(i).copied().unwrap_or(NO_SLOT);
                match spec.components.first() {
                    None => flat(spec, slot),
                    // Written without component separators, a composite has its first component
                    // alone: fine when nothing then reports a missing component or a broken note.
                    Some(first) if spec.required & !1 == 0 && spec.notes.iter().all(|n| n.check(1).is_none()) => flat(first, slot),
                    Some(_) => FlatElement { class: Class::Other, slot, min: 0, span: 0, codes: NO_CODES },
                }
            })
            .collect();
        let (mut pairs, mut others) = (Vec::<(u32, u64)>::new(), Vec::new());
        for note in notes {
            match (note.kind, &*note.positions) {
                (NoteKind::Paired, &[a, b]) if a != b => {
                    let (low, d) = (a.min(b), a.abs_diff(b) as u32);
                    match pairs.iter_mut().find(|(distance, _)| *distance == d) {
                        Some((_, bits)) => *bits |= 1 << (low - 1),
                        None => pairs.push((d, 1 << (low - 1))),
                    }
                }
                _ => others.push(note.masks()),
            }
        }
        FlatDef { elements, pairs, others }
    }
}

/// Values a segment's checks may keep while its elements are split (more fall back to re-reading).
pub(crate) const KEPT: usize = 16;
pub(crate) const NO_SLOT: u8 = u8::MAX;

/// One element (or component) of a segment definition.
#[derive(Debug)]
pub(crate) struct ElemSpec {
    pub reference: Box<str>,
    pub name: Box<str>,
    pub req: bool,
    pub ty: DataType,
    pub min: u16,
    pub max: u16,
    /// An enforced code list (index into `Compiled::code_lists`).
    pub codes: Option<u16>,
    pub repeat: u32,
    /// Components; empty for a simple element.
    pub components: Vec<ElemSpec>,
    /// Bit `n - 1` set when component `n` is mandatory.
    pub required: u64,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckKind {
    Gtin,
    Sscc,
}

/// A check digit on element `element` (component `component`), maybe only under a qualifier.
#[derive(Debug)]
pub(crate) struct DigitCheck {
    pub element: usize,
    pub component: usize,
    pub kind: CheckKind,
    pub when: Option<When>,
}

/// Element `element`, component `component` holds one of `codes`.
#[derive(Debug)]
pub(crate) struct When {
    pub element: usize,
    pub component: usize,
    pub codes: CodeList,
}

/// A code list. Codes of up to seven bytes (nearly all) are packed into integers, so a lookup is a
/// binary search over `u64`s rather than byte-string comparisons; codes of one or two printable
/// ASCII bytes (most X12 qualifiers: `EA`, `UP`, `N`) are also bits of a set, so looking one up
/// is a bit test.
#[derive(Debug, Clone)]
pub(crate) struct CodeList {
    short: Vec<u64>,
    long: Vec<Box<[u8]>>,
    /// Bit [`tiny_index`] of every code of one or two printable ASCII bytes.
    tiny: Box<[u64; TINY_WORDS]>,
}

/// Bytes 0x20..=0x7F (printable ASCII and DEL, 96 bytes): one-byte codes take the first 96 bits, two-byte codes
/// the 96 × 96 after them.
const TINY_WORDS: usize = (96 + 96 * 96usize).div_ceil(64);

/// The bit of a one- or two-byte code of printable ASCII bytes in [`CodeList::tiny`].
#[inline(always)]
fn tiny_index(code: &[u8]) -> Option<usize> {
    let at = |b: u8| b.checked_sub(0x20).map(usize::from).filter(|&i| i < 96);
    match *code {
        [a] => at(a),
        [a, b] => Some(96 + at(a)? * 96 + at(b)?),
        _ => None,
    }
}

/// A code of at most seven bytes as an integer, its length in the low byte (so `A` and `A\0` differ).
#[inline(always)]
fn pack_code(code: &[u8]) -> Option<u64> {
    if code.len() > 7 {
        return None;
    }
    Some(code.iter().fold(0u64, |n, b| n << 8 | u64::from(*b)) << 8 | code.len() as u64)
}

impl CodeList {
    pub(crate) fn new(values: &[String]) -> CodeList {
        let (mut short, mut long) = (Vec::new(), Vec::new());
        for v in values {
            match pack_code(v.as_bytes()) {
                Some(packed) => short.push(packed),
                None => long.push(Box::<[u8]>::from(v.as_bytes())),
            }
        }
        short.sort_unstable();
        short.dedup();
        long.sort_unstable();
        long.dedup();
        let mut tiny = Box::new([0u64; TINY_WORDS]);
        for i in values.iter().filter_map(|v| tiny_index(v.as_bytes())) {
            tiny[i / 64] |= 1 << (i % 64);
        }
        CodeList { short, long, tiny }
    }

    /// Inlined for the usual code of one or two bytes, a bit test; longer codes are looked up
    /// out of line.
    #[inline(always)]
    pub fn contains(&self, value: &[u8]) -> bool {
        // Exact for such values: the bit is set for every code of the list that has one.
        if let Some(i) = tiny_index(value) {
            return self.tiny[i / 64] & 1 << (i % 64) != 0;
        }
        self.contains_longer(value)
    }

    #[inline(never)]
    fn contains_longer(&self, value: &[u8]) -> bool {
        match pack_code(value) {
            // A scan beats a binary search on the short lists most elements have.
            Some(packed) if self.short.len() <= 16 => self.short.contains(&packed),
            Some(packed) => self.short.binary_search(&packed).is_ok(),
            None => self.long.binary_search_by(|v| (**v).cmp(value)).is_ok(),
        }
    }

    /// The codes for a message: all of them when few, else the first ones and how many more.
    pub fn describe(&self) -> String {
        const SHOWN: usize = 12;
        let unpack = |packed: u64| {
            let word = packed.to_be_bytes();
            let len = usize::from(word[7]).min(7);
            String::from_utf8_lossy(&word[7 - len..7]).into_owned()
        };
        let mut all: Vec<String> = self.short.iter().map(|p| unpack(*p)).chain(self.long.iter().map(|v| String::from_utf8_lossy(v).into_owned())).collect();
        all.sort_unstable();
        let total = all.len();
        all.truncate(SHOWN);
        let mut text = all.join(", ");
        if total > SHOWN {
            text.push_str(&format!(" … ({total} codes)"));
        }
        text
    }
}

/// The hierarchy rules.
#[derive(Debug)]
pub(crate) struct Hierarchy {
    pub tag: u16,
    pub id: usize,
    pub parent: usize,
    /// 0 when the segment has no level code.
    pub level: usize,
    /// 0 when the segment has no child code.
    pub children: usize,
    pub levels: Vec<Level>,
}

#[derive(Debug)]
pub(crate) struct Level {
    pub code: Box<[u8]>,
    pub name: Box<str>,
    pub root: bool,
    /// Indexes into `Hierarchy::levels`.
    pub parents: Vec<usize>,
}

/// A summary count to check.
#[derive(Debug)]
pub(crate) struct Count {
    pub tag: u16,
    pub element: usize,
    pub component: usize,
    pub when: Option<When>,
    /// What is counted, for messages: `PO1 loops`, `HL segments`.
    pub what: Box<str>,
}

/// Tags of the guide: dense IDs in order of first use, and a sorted table from packed tag to ID.
#[derive(Debug, Default)]
pub(crate) struct Tags {
    keys: Vec<(u32, u16)>,
    /// Open-addressing table of (packed tag, ID), a power of two long and at most half full; a
    /// packed tag is never 0, which marks an empty slot.
    table: Vec<(u32, u16)>,
    pub info: Vec<TagInfo>,
}

#[derive(Debug)]
pub(crate) struct TagInfo {
    pub tag: Box<str>,
    /// Every (loop, child) where the tag may appear: a segment position or a loop's trigger.
    pub occurrences: Vec<(u16, u16)>,
    /// The definition to check the segment with when it is out of place.
    pub def: Option<u16>,
    /// Bit `i` set: each segment with this tag adds one to count `i`.
    pub counters: u64,
    /// Whether a summary count is declared on this segment (it then checks the count).
    pub summary: bool,
}

/// Packs a tag of 1–3 bytes (every X12 and EDIFACT tag) into a `u32`, its length in the high byte.
pub(crate) const fn pack(tag: &[u8]) -> Option<u32> {
    match *tag {
        [a] => Some(1 << 24 | a as u32),
        [a, b] => Some(2 << 24 | (a as u32) << 8 | b as u32),
        [a, b, c] => Some(3 << 24 | (a as u32) << 16 | (b as u32) << 8 | c as u32),
        _ => None,
    }
}

/// The home slot of a packed tag (Fibonacci hashing).
fn slot_of(key: u32, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9) >> 16) as usize & mask
}

impl Tags {
    /// The dense ID of `tag`, if the guide knows it.
    pub fn find(&self, tag: &[u8]) -> Option<u16> {
        let key = pack(tag)?;
        let mask = self.table.len().checked_sub(1)?;
        let mut i = slot_of(key, mask);
        loop {
            match self.table.get(i) {
                Some(&(k, id)) if k == key => return Some(id),
                Some(&(0, _)) | None => return None,
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Builds the lookup table once every tag is known.
    fn seal(&mut self) {
        let size = (self.keys.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut table = vec![(0u32, 0u16); size];
        for &(key, id) in &self.keys {
            let mut i = slot_of(key, mask);
            while table[i].0 != 0 {
                i = (i + 1) & mask;
            }
            table[i] = (key, id);
        }
        self.table = table;
    }

    fn id_or_insert(&mut self, tag: &str) -> Result<u16, String> {
        let key = pack(tag.as_bytes()).ok_or_else(|| format!("segment tag {tag:?} is not 1 to 3 characters"))?;
        if !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("segment tag {tag:?} is not alphanumeric"));
        }
        match self.keys.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => Ok(self.keys[i].1),
            Err(i) => {
                let id = u16::try_from(self.info.len()).map_err(|_| "more than 65535 segment tags".to_string())?;
                self.keys.insert(i, (key, id));
                self.info.push(TagInfo { tag: tag.into(), occurrences: Vec::new(), def: None, counters: 0, summary: false });
                Ok(id)
            }
        }
    }
}

/// Compiles a parsed guide file; `origin` names it in errors (a file name, or "inline").
pub(crate) fn compile(file: &GuideFile, origin: &str) -> Result<Compiled, GuideError> {
    let standard = match file.standard.to_ascii_uppercase().as_str() {
        "X12" => Standard::X12,
        "EDIFACT" => Standard::Edifact,
        other => return Err(GuideError::invalid(origin, format!("standard {other:?} is neither X12 nor EDIFACT"))),
    };
    let label = format!("{origin} ({} {})", file.standard, file.set);
    let fail = |message: String| GuideError::invalid(&label, message);
    if file.set.is_empty() {
        return Err(fail("`set` is empty".into()));
    }
    if file.versions.is_empty() || file.versions.iter().any(String::is_empty) {
        return Err(fail("`versions` must list at least one non-empty version".into()));
    }
    let mut builder = Builder {
        file,
        code_lists: Vec::new(),
        named_lists: BTreeMap::new(),
        defs: Vec::new(),
        def_index: BTreeMap::new(),
        tags: Tags::default(),
        loops: Vec::new(),
    };
    builder.named_code_lists().map_err(&fail)?;
    builder.root().map_err(&fail)?;
    let hierarchy = file.hierarchy.as_ref().map(|h| builder.hierarchy(h)).transpose().map_err(&fail)?;
    let counts = builder.counts(&file.counts).map_err(&fail)?;
    let depth = loop_depth(&builder.loops, 0);
    Ok(Compiled {
        standard,
        set_id: file.set.clone(),
        versions: file.versions.clone(),
        name: file.name.clone(),
        partners: file.partners.clone(),
        loops: builder.loops,
        defs: builder.defs,
        tags: builder.tags,
        code_lists: builder.code_lists,
        hierarchy,
        counts,
        depth,
    })
}

/// No position: see [`LoopDef::next`].
pub(crate) const NO_POSITION: u16 = u16::MAX;

/// [`LoopDef::next`] of a loop with `children` (`top`: the set body, whose first position is an
/// ordinary one), for a guide of `tags` tags.
fn next_positions(children: &[Child], top: bool, tags: usize) -> Vec<u16> {
    let mut next = vec![NO_POSITION; (children.len() + 1) * tags];
    // Row `k` is row `k + 1` with position `k` for its own tag.
    for (k, child) in children.iter().enumerate().rev() {
        let (head, tail) = next.split_at_mut((k + 1) * tags);
        let row = &mut head[k * tags..];
        row.copy_from_slice(&tail[..tags]);
        if let Some(slot) = row.get_mut(usize::from(child.tag)).filter(|_| top || k > 0) {
            *slot = k as u16;
        }
    }
    next
}

fn loop_depth(loops: &[LoopDef], index: usize) -> usize {
    let nested = loops.get(index).map_or(0, |l| {
        l.children
            .iter()
            .filter_map(|c| match c.kind {
                ChildKind::Loop { index } => Some(loop_depth(loops, usize::from(index))),
                ChildKind::Segment { .. } => None,
            })
            .max()
            .unwrap_or(0)
    });
    1 + nested
}

struct Builder<'f> {
    file: &'f GuideFile,
    code_lists: Vec<CodeList>,
    /// Named list → (index, enforced by default).
    named_lists: BTreeMap<&'f str, (u16, bool)>,
    defs: Vec<SegDef>,
    /// Definition name → index, filled as the structure uses them.
    def_index: BTreeMap<&'f str, u16>,
    tags: Tags,
    loops: Vec<LoopDef>,
}

impl<'f> Builder<'f> {
    fn named_code_lists(&mut self) -> Result<(), String> {
        for (name, list) in &self.file.codes {
            if list.values.is_empty() {
                return Err(format!("code list {name:?} has no values"));
            }
            let index = self.push_list(CodeList::new(&list.values))?;
            self.named_lists.insert(name, (index, list.enforce));
        }
        Ok(())
    }

    fn push_list(&mut self, list: CodeList) -> Result<u16, String> {
        let index = u16::try_from(self.code_lists.len()).map_err(|_| "more than 65535 code lists".to_string())?;
        self.code_lists.push(list);
        Ok(index)
    }

    fn root(&mut self) -> Result<(), String> {
        if self.file.structure.is_empty() {
            return Err("`structure` is empty".into());
        }
        self.loops.push(LoopDef { id: "".into(), children: Vec::new(), next_required: Vec::new(), next: Vec::new(), counters: 0 });
        let children = self.children(&self.file.structure, 0, "the set")?;
        if let Some(root) = self.loops.first_mut() {
            root.children = children;
        }
        let tags = self.tags.info.len();
        for (index, l) in self.loops.iter_mut().enumerate() {
            l.next_required = next_required(&l.children);
            l.next = next_positions(&l.children, index == 0, tags);
        }
        self.tags.seal();
        let unused: Vec<_> = self.file.segments.keys().filter(|k| !self.def_index.contains_key(k.as_str())).collect();
        if !unused.is_empty() {
            return Err(format!("segment definitions {unused:?} are not used in `structure`"));
        }
        Ok(())
    }

    /// Compiles the entries of one loop (index `loop_index`), registering each tag's occurrence.
    fn children(&mut self, nodes: &'f [NodeFile], loop_index: u16, within: &str) -> Result<Vec<Child>, String> {
        let mut children = Vec::with_capacity(nodes.len());
        for node in nodes {
            let child_index = u16::try_from(children.len()).map_err(|_| format!("{within} has more than 65535 entries"))?;
            let max = max_of(node.max.as_ref()).map_err(|e| format!("in {within}: {e}"))?;
            let child = match (&node.seg, &node.loop_id) {
                (Some(tag), None) => {
                    if !node.body.is_empty() {
                        return Err(format!("segment {tag} in {within} has a `body`; only loops have one"));
                    }
                    let def = self.definition(tag, node.def.as_deref())?;
                    let tag_id = self.tags.id_or_insert(tag)?;
                    let info = &mut self.tags.info[usize::from(tag_id)];
                    info.def.get_or_insert(def);
                    info.occurrences.push((loop_index, child_index));
                    Child { tag: tag_id, req: node.req, max, kind: ChildKind::Segment { def } }
                }
                (None, Some(id)) => {
                    if node.def.is_some() {
                        return Err(format!("loop {id} in {within} has a `def`; give it to the loop's first segment"));
                    }
                    let Some(first) = node.body.first() else {
                        return Err(format!("loop {id} in {within} has an empty `body`"));
                    };
                    let Some(trigger) = first.seg.as_deref() else {
                        return Err(format!("loop {id} in {within} must start with a segment, not a loop"));
                    };
                    if first.max.as_ref().is_some_and(|m| !matches!(m, MaxFile::Count(1))) {
                        return Err(format!("the first segment of loop {id} occurs once per loop; repeat the loop instead"));
                    }
                    let index = u16::try_from(self.loops.len()).map_err(|_| "more than 65535 loops".to_string())?;
                    self.loops.push(LoopDef { id: id.as_str().into(), children: Vec::new(), next_required: Vec::new(), next: Vec::new(), counters: 0 });
                    let body = self.children(&node.body, index, &format!("loop {id}"))?;
                    if let Some(l) = self.loops.get_mut(usize::from(index)) {
                        l.children = body;
                    }
                    let tag_id = self.tags.id_or_insert(trigger)?;
                    self.tags.info[usize::from(tag_id)].occurrences.push((loop_index, child_index));
                    Child { tag: tag_id, req: node.req, max, kind: ChildKind::Loop { index } }
                }
                _ => return Err(format!("an entry in {within} must have exactly one of `seg` and `loop`")),
            };
            children.push(child);
        }
        Ok(children)
    }

    /// The index of the definition `def` (default: the tag) for segment `tag`, compiling it on first use.
    fn definition(&mut self, tag: &str, def: Option<&'f str>) -> Result<u16, String> {
        let (name, file) = match def {
            Some(name) => self.file.segments.get_key_value(name).ok_or_else(|| format!("segment {tag} uses definition {name:?}, which `segments` lacks"))?,
            None => self.file.segments.get_key_value(tag).ok_or_else(|| format!("segment {tag} has no definition in `segments`"))?,
        };
        if let Some(&index) = self.def_index.get(name.as_str()) {
            let used_for = &self.defs[usize::from(index)].tag;
            if &**used_for != tag {
                return Err(format!("definition {name:?} is used for both {used_for} and {tag}"));
            }
            return Ok(index);
        }
        let compiled = self.segment(tag, file).map_err(|e| format!("segment {tag} (definition {name:?}): {e}"))?;
        let index = u16::try_from(self.defs.len()).map_err(|_| "more than 65535 segment definitions".to_string())?;
        self.defs.push(compiled);
        self.def_index.insert(name, index);
        Ok(index)
    }

    fn segment(&mut self, tag: &str, file: &SegmentFile) -> Result<SegDef, String> {
        let mut elements = Vec::with_capacity(file.elements.len());
        let mut checks = Vec::new();
        for (i, e) in file.elements.iter().enumerate() {
            let position = i + 1;
            let spec = self.element(e, false).map_err(|m| format!("{tag}{position:02}: {m}"))?;
            if let Some(kind) = &e.check {
                checks.push(self.digit_check(kind, e, position, file).map_err(|m| format!("{tag}{position:02}: {m}"))?);
            }
            for (c, component) in e.composite.iter().flatten().enumerate() {
                if let Some(kind) = &component.check {
                    let mut check = self.digit_check(kind, component, position, file).map_err(|m| format!("{tag}{position:02}-{}: {m}", c + 1))?;
                    check.component = c + 1;
                    checks.push(check);
                }
            }
            elements.push(spec);
        }
        if elements.len() > MAX_POSITIONS {
            return Err(format!("{} elements; a segment may have at most {MAX_POSITIONS}", elements.len()));
        }
        let notes = notes(&file.syntax, elements.len())?;
        let required = required_mask(&elements);
        let slots = slots(&checks, elements.len());
        let flat = FlatDef::new(&elements, &notes, &slots);
        Ok(SegDef { tag: tag.into(), name: file.name.as_str().into(), elements, required, notes, checks, slots, flat })
    }

    fn element(&mut self, e: &ElementFile, in_composite: bool) -> Result<ElemSpec, String> {
        if e.reference.is_empty() {
            return Err("`ref` is empty".into());
        }
        let repeat = e.repeat.unwrap_or(1);
        if repeat == 0 {
            return Err("`repeat` must be at least 1".into());
        }
        let mut spec = ElemSpec {
            reference: e.reference.as_str().into(),
            name: e.name.as_str().into(),
            req: e.req,
            ty: DataType::Alnum,
            min: 0,
            max: 0,
            codes: None,
            repeat,
            components: Vec::new(),
            required: 0,
            notes: Vec::new(),
        };
        match (&e.composite, &e.format) {
            (Some(components), None) => {
                if in_composite {
                    return Err("a component cannot itself be a composite".into());
                }
                if components.is_empty() {
                    return Err("`composite` is empty".into());
                }
                if e.codes.is_some() {
                    return Err("a composite has no code list; give it to a component".into());
                }
                for (i, c) in components.iter().enumerate() {
                    if c.repeat.is_some() {
                        return Err(format!("component {} has `repeat`; only elements repeat", i + 1));
                    }
                    spec.components.push(self.element(c, true).map_err(|m| format!("component {}: {m}", i + 1))?);
                }
                if components.len() > MAX_POSITIONS {
                    return Err(format!("{} components; a composite may have at most {MAX_POSITIONS}", components.len()));
                }
                spec.notes = notes(&e.syntax, spec.components.len())?;
                spec.required = required_mask(&spec.components);
            }
            (None, Some(format)) => {
                let (ty, min, max) = DataType::parse(format)?;
                (spec.ty, spec.min, spec.max) = (ty, min, max);
                if !e.syntax.is_empty() {
                    return Err("`syntax` on a simple element; syntax notes belong to segments and composites".into());
                }
                spec.codes = self.element_codes(e)?;
            }
            (Some(_), Some(_)) => return Err("an element has either `type` or `composite`, not both".into()),
            (None, None) => return Err("an element needs `type` (or `composite`)".into()),
        }
        if e.when.is_some() && e.check.is_none() {
            return Err("`when` without `check`".into());
        }
        Ok(spec)
    }

    /// The enforced code list of an element, if any: inline lists are enforced only with
    /// `enforce = true`; named lists by their own `enforce` unless the element says otherwise.
    fn element_codes(&mut self, e: &ElementFile) -> Result<Option<u16>, String> {
        match &e.codes {
            None => {
                if e.enforce == Some(true) {
                    return Err("`enforce = true` without `codes`".into());
                }
                Ok(None)
            }
            Some(CodesFile::Inline(values)) => {
                if values.is_empty() {
                    return Err("`codes` is empty".into());
                }
                if e.enforce == Some(true) { self.push_list(CodeList::new(values)).map(Some) } else { Ok(None) }
            }
            Some(CodesFile::Named(name)) => {
                let &(index, enforced) = self.named_lists.get(name.as_str()).ok_or_else(|| format!("code list {name:?} is not in `codes`"))?;
                Ok(e.enforce.unwrap_or(enforced).then_some(index))
            }
        }
    }

    fn digit_check(&self, kind: &str, e: &ElementFile, element: usize, segment: &SegmentFile) -> Result<DigitCheck, String> {
        let kind = match kind {
            "gtin" => CheckKind::Gtin,
            "sscc" => CheckKind::Sscc,
            other => return Err(format!("check {other:?} is neither \"gtin\" nor \"sscc\"")),
        };
        if e.composite.is_some() {
            return Err("a check digit belongs to a component, not to the composite".into());
        }
        let when = e.when.as_ref().map(|w| self.when(w, segment)).transpose()?;
        Ok(DigitCheck { element, component: 1, kind, when })
    }

    fn when(&self, w: &WhenFile, segment: &SegmentFile) -> Result<When, String> {
        let element = usize::try_from(w.element).unwrap_or(0);
        let component = w.component.map_or(1, |c| usize::try_from(c).unwrap_or(0));
        let Some(target) = element.checked_sub(1).and_then(|i| segment.elements.get(i)) else {
            return Err(format!("`when` names element {element}, which the segment does not have"));
        };
        let components = target.composite.as_ref().map_or(1, Vec::len);
        if component == 0 || component > components {
            return Err(format!("`when` names component {component} of element {element}, which has {components}"));
        }
        if w.is.is_empty() {
            return Err("`when.is` is empty".into());
        }
        Ok(When { element, component, codes: CodeList::new(&w.is) })
    }

    fn hierarchy(&mut self, h: &HierarchyFile) -> Result<Hierarchy, String> {
        let tag = self.tags.find(h.segment.as_bytes()).ok_or_else(|| format!("hierarchy segment {} is not in `structure`", h.segment))?;
        let def = self.tags.info[usize::from(tag)].def.map(usize::from);
        let elements = def.and_then(|d| self.defs.get(d)).map_or(0, |d| d.elements.len());
        let position = |name: &str, n: u32, optional: bool| -> Result<usize, String> {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if (n == 0 && optional) || (1..=elements).contains(&n) {
                Ok(n)
            } else {
                Err(format!("hierarchy `{name}` is element {n}, but {} has {elements} elements", h.segment))
            }
        };
        let (id, parent) = (position("id", h.id, false)?, position("parent", h.parent, false)?);
        let (level, children) = (position("level", h.level, true)?, position("children", h.children, true)?);
        let mut levels: Vec<Level> =
            h.levels.iter().map(|l| Level { code: l.code.as_bytes().into(), name: l.name.as_str().into(), root: l.root, parents: Vec::new() }).collect();
        for (i, l) in h.levels.iter().enumerate() {
            for p in &l.parents {
                let index =
                    h.levels.iter().position(|x| &x.code == p).ok_or_else(|| format!("level {} names parent level {p:?}, which `levels` lacks", l.code))?;
                levels[i].parents.push(index);
            }
        }
        if !levels.is_empty() && level == 0 {
            return Err("hierarchy `levels` need a `level` element".into());
        }
        Ok(Hierarchy { tag, id, parent, level, children, levels })
    }

    fn counts(&mut self, counts: &[CountFile]) -> Result<Vec<Count>, String> {
        if counts.len() > 64 {
            return Err("more than 64 `counts`".into());
        }
        let mut out = Vec::with_capacity(counts.len());
        for (i, c) in counts.iter().enumerate() {
            let bit = 1u64 << i;
            let tag = self.tags.find(c.segment.as_bytes()).ok_or_else(|| format!("count segment {} is not in `structure`", c.segment))?;
            let def = self.tags.info[usize::from(tag)].def.map(usize::from);
            let Some(segment) = def.and_then(|d| self.def_name(d)).and_then(|name| self.file.segments.get(name)) else {
                return Err(format!("count segment {} has no definition", c.segment));
            };
            let element = usize::try_from(c.element).unwrap_or(0);
            if element == 0 || element > segment.elements.len() {
                return Err(format!("count element {element} is not an element of {}", c.segment));
            }
            let component = c.component.map_or(1, |c| usize::try_from(c).unwrap_or(0));
            let when = c.when.as_ref().map(|w| self.when(w, segment)).transpose()?;
            let what = match (&c.loops, &c.segments) {
                (Some(id), None) => {
                    let mut found = false;
                    for l in self.loops.iter_mut().filter(|l| &*l.id == id.as_str()) {
                        l.counters |= bit;
                        found = true;
                    }
                    if !found {
                        return Err(format!("count of loops {id:?}: the guide has no such loop"));
                    }
                    format!("{id} loops")
                }
                (None, Some(counted)) => {
                    let t = self.tags.find(counted.as_bytes()).ok_or_else(|| format!("count of segments {counted:?}: not in `structure`"))?;
                    self.tags.info[usize::from(t)].counters |= bit;
                    format!("{counted} segments")
                }
                _ => return Err(format!("count in {} needs exactly one of `loops` and `segments`", c.segment)),
            };
            self.tags.info[usize::from(tag)].summary = true;
            out.push(Count { tag, element, component, when, what: what.into() });
        }
        Ok(out)
    }

    fn def_name(&self, index: usize) -> Option<&'f str> {
        self.def_index.iter().find(|(_, i)| usize::from(**i) == index).map(|(name, _)| *name)
    }
}

/// A maximum from the file: a positive number, or `">1"` (unbounded).
fn max_of(max: Option<&MaxFile>) -> Result<u32, String> {
    match max {
        None => Ok(1),
        Some(MaxFile::Count(n)) if *n >= 1 => Ok(u32::try_from(*n).unwrap_or(u32::MAX)),
        Some(MaxFile::Text(t)) if t == ">1" => Ok(u32::MAX),
        Some(MaxFile::Count(n)) => Err(format!("`max = {n}` must be at least 1")),
        Some(MaxFile::Text(t)) => Err(format!("`max = {t:?}` must be a number or \">1\"")),
    }
}

/// Compiles syntax notes for a segment (or composite) with `positions` elements.
fn notes(texts: &[String], positions: usize) -> Result<Vec<Note>, String> {
    texts.iter().map(|t| Note::parse(t, positions)).collect()
}

fn next_required(children: &[Child]) -> Vec<u16> {
    let mut next = vec![children.len() as u16; children.len() + 1];
    for k in (0..children.len()).rev() {
        next[k] = if children[k].req { k as u16 } else { next[k + 1] };
    }
    next
}

/// Assigns a slot to each element position the checks read (the checked element and its
/// qualifier), up to [`KEPT`]; positions beyond that are re-read from the segment.
fn slots(checks: &[DigitCheck], elements: usize) -> Vec<u8> {
    let mut slots = vec![NO_SLOT; elements];
    let mut next = 0u8;
    let wanted = checks.iter().flat_map(|c| std::iter::once(c.element).chain(c.when.as_ref().map(|w| w.element)));
    for position in wanted {
        if let Some(slot) = position.checked_sub(1).and_then(|i| slots.get_mut(i))
            && *slot == NO_SLOT
            && usize::from(next) < KEPT
        {
            *slot = next;
            next += 1;
        }
    }
    slots
}

fn required_mask(specs: &[ElemSpec]) -> u64 {
    specs.iter().enumerate().filter(|(_, s)| s.req).fold(0, |mask, (i, _)| mask | 1 << i)
}
