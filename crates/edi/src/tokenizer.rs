//! Splitting an input into segments, from a slice or a stream, without copying.
//!
//! One scanning function ([`scan`]) finds where a segment ends — the terminator not escaped by a
//! release character, the layout after it (line breaks, indentation), line breaks that wrap it — and both the slice
//! [`Tokenizer`] and the streaming [`StreamTokenizer`] use it, so the two agree byte for byte. A
//! new ISA or UNA in the middle of a file (several interchanges concatenated) re-detects the
//! delimiters, because each interchange declares its own.
//!
//! The usual interchange (a one-byte terminator that is not a line break) is read through a
//! structural index instead: each 64-byte block of the input is classified once into a bit mask of
//! its terminators and line breaks ([`crate::simd::structural`]), and finding the end of a segment
//! is walking to the next bit ([`scan_indexed`]). Everything else — UNA, a segment starting with a
//! blank, multi-byte or line-break terminators, the end of the buffer — is left to [`scan`], so the
//! two paths give the same answer by construction (and the tests compare them on random inputs).
//!
//! The iterator takes a plain segment — terminated on the index, not wrapped, not escaped, not
//! starting an interchange — straight from the index ([`Walk`]), envelope segments included.
//! Validation reads the body segments of a set on the index without building the iterator's
//! general case ([`Tokenizer::bodies`]), and when nothing checks a set, skips them without looking
//! at each one ([`Tokenizer::skip_body`]): whole 64-byte blocks in which no segment can be anything
//! but a plain body segment are counted with one `popcount` of their terminators, two blocks at a
//! time, each pair decided by one vector test ([`crate::simd::Runs`]).

use std::io::Read;

use crate::segment::{Segment, escaped};
use crate::syntax::{Delimiters, DetectError, Detected, Standard, detect};

/// Where the next segment ends, or that more bytes are needed to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// `raw_end`: end of the segment's own bytes; `full_end`: after its terminator and the layout after it;
    /// `wrapped`: the segment's own bytes contain a line break.
    Segment {
        raw_end: usize,
        full_end: usize,
        terminated: bool,
        wrapped: bool,
    },
    /// Only blank bytes remain (end of input).
    Blank,
    NeedMore,
}

fn is_line_break(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// Whitespace after a terminator: line breaks, and the spaces and tabs some senders indent
/// segments with. No segment starts with whitespace, so it is layout, never data.
fn is_layout(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t')
}

fn has_line_break(bytes: &[u8]) -> bool {
    memchr::memchr2(b'\r', b'\n', bytes).is_some()
}

fn scan(buf: &[u8], start: usize, d: &Delimiters, eof: bool) -> Scan {
    let rest = &buf[start..];
    let blank = |b: &u8| b.is_ascii_whitespace() || *b == 0;
    if rest.first().is_none_or(blank) && rest.iter().all(blank) {
        return if eof { Scan::Blank } else { Scan::NeedMore };
    }
    // UNA is fixed-format: its nine bytes include the very delimiters we would split on.
    if rest.starts_with(b"UNA") {
        if rest.len() < 9 {
            return if eof {
                Scan::Segment { raw_end: buf.len(), full_end: buf.len(), terminated: false, wrapped: has_line_break(rest) }
            } else {
                Scan::NeedMore
            };
        }
        return finish(buf, start + 8, 1, eof, has_line_break(&rest[..8]));
    }
    let term = d.terminator();
    let first = term[0];
    // One search finds the terminator and, on the way, any line break wrapping the segment; when
    // the terminator is itself a line break, the segment's bytes are searched again for others.
    let breaks_terminate = is_line_break(first);
    let mut wrapped = false;
    let mut from = start;
    loop {
        let found = if breaks_terminate { memchr::memchr(first, &buf[from..]) } else { memchr::memchr3(first, b'\r', b'\n', &buf[from..]) };
        let Some(i) = found.map(|i| from + i) else {
            return if eof { unterminated(buf, start) } else { Scan::NeedMore };
        };
        if buf[i] != first {
            wrapped = true;
            from = i + 1;
            continue;
        }
        if let Some(r) = d.release
            && escaped(&buf[start..i], r)
        {
            from = i + 1;
            continue;
        }
        if term.len() > 1 {
            if buf.len() < i + term.len() && !eof {
                return Scan::NeedMore;
            }
            if buf.get(i..i + term.len()) != Some(term) {
                from = i + 1;
                continue;
            }
        }
        if breaks_terminate {
            wrapped = has_line_break(&buf[start..i]);
        }
        return finish(buf, i, term.len(), eof, wrapped);
    }
}

fn finish(buf: &[u8], raw_end: usize, term_len: usize, eof: bool, wrapped: bool) -> Scan {
    let mut full_end = raw_end + term_len;
    while full_end < buf.len() && is_layout(buf[full_end]) {
        full_end += 1;
    }
    if full_end == buf.len() && !eof {
        // The layout after the terminator may continue in the next read.
        return Scan::NeedMore;
    }
    Scan::Segment { raw_end, full_end, terminated: true, wrapped }
}

fn unterminated(buf: &[u8], start: usize) -> Scan {
    let mut raw_end = buf.len();
    while raw_end > start && buf[raw_end - 1].is_ascii_whitespace() {
        raw_end -= 1;
    }
    Scan::Segment { raw_end, full_end: buf.len(), terminated: false, wrapped: has_line_break(&buf[start..raw_end]) }
}

/// The structural mask of one 64-byte block of the buffer (block `base`, aligned on 64 from the
/// buffer's start), computed when a search first reaches the block and reused by the segments in it.
#[derive(Debug, Clone, Copy)]
struct Index {
    base: usize,
    term: u8,
    mask: u64,
}

impl Index {
    const EMPTY: Index = Index { base: usize::MAX, term: 0, mask: 0 };

    /// The first byte at or after `from` that is `term` or at most 0x0D (a line break, or another
    /// control character the caller skips), if `buf` has one.
    #[inline(always)]
    fn next(&mut self, buf: &[u8], mut from: usize, term: u8) -> Option<usize> {
        loop {
            let base = from & !63;
            if base != self.base || term != self.term {
                let block = buf.get(base..buf.len().min(base + 64))?;
                if block.is_empty() {
                    return None;
                }
                *self = Index { base, term, mask: crate::simd::structural(block, term) };
            }
            let mask = self.mask & (u64::MAX << (from & 63));
            if mask != 0 {
                return Some(base + mask.trailing_zeros() as usize);
            }
            from = base + 64;
        }
    }
}

/// What [`scan`] returns, found on the structural index when the delimiters allow it (a one-byte
/// terminator that is not a line break) and the segment is an ordinary one; [`scan`] itself
/// otherwise. `index` must have been built on this same `buf` (the stream resets it when it reads).
#[inline]
fn scan_indexed(buf: &[u8], start: usize, d: &Delimiters, eof: bool, index: &mut Index) -> Scan {
    let term = d.terminator();
    let Some(&first) = buf.get(start) else { return scan(buf, start, d, eof) };
    // `scan`'s own cases: a blank rest (or a segment starting with a blank byte) and UNA.
    if term.len() != 1 || is_line_break(term[0]) || first.is_ascii_whitespace() || first == 0 || (first == b'U' && buf[start..].starts_with(b"UNA")) {
        return scan(buf, start, d, eof);
    }
    let t = term[0];
    let mut wrapped = false;
    let mut from = start;
    loop {
        // No terminator in the rest of the buffer: `scan` decides between more input and an
        // unterminated last segment.
        let Some(i) = index.next(buf, from, t) else { return scan(buf, start, d, eof) };
        let b = buf[i];
        from = i + 1;
        if b != t {
            wrapped |= is_line_break(b);
            continue;
        }
        // Only a release character (or a line break, which `escaped` looks through) just before
        // the terminator can escape it.
        if let Some(r) = d.release
            && i > start
            && (buf[i - 1] == r || is_line_break(buf[i - 1]))
            && escaped(&buf[start..i], r)
        {
            continue;
        }
        return finish(buf, i, 1, eof, wrapped);
    }
}

/// What the first byte of a segment says to [`Tokenizer::skip_body`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Not the first byte of an envelope tag nor of ISA/UNA: a body segment for sure.
    Body,
    /// `I`, `U`, `G`, `S`: the tag decides.
    Maybe,
    /// A byte `scan` treats specially (blank, NUL): left to the iterator.
    Other,
}

const BODY_START: [Start; 256] = {
    let mut t = [Start::Body; 256];
    t[b'I' as usize] = Start::Maybe;
    t[b'U' as usize] = Start::Maybe;
    t[b'G' as usize] = Start::Maybe;
    t[b'S' as usize] = Start::Maybe;
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_whitespace() || b == 0 {
            t[b] = Start::Other;
        }
        b += 1;
    }
    t
};

/// How far ahead of an interchange's start the stream tokenizer has read (or to the end of the
/// input) before it detects the delimiters: detection then sees the bytes the slice tokenizer's
/// does, whatever the sizes of the reads — a CR read last is not taken for a CR terminator without
/// its LF, and an ISA of unusual length is measured whole.
const DETECT_WINDOW: usize = 4096;

/// Whether the bytes at a segment start open a new interchange with its own delimiters.
fn opens_interchange(rest: &[u8]) -> bool {
    rest.starts_with(b"ISA") || rest.starts_with(b"UNA")
}

/// Tokenises a whole input held in memory.
#[derive(Debug, Clone)]
pub struct Tokenizer<'a> {
    input: &'a [u8],
    pos: usize,
    index: usize,
    detected: Detected,
    delimiters: Delimiters,
    suffix: usize,
    structure: Index,
}

impl<'a> Tokenizer<'a> {
    pub fn new(input: &'a [u8]) -> Result<Tokenizer<'a>, DetectError> {
        let detected = detect(input)?;
        Ok(Tokenizer { input, pos: detected.prefix_len, index: 0, delimiters: detected.delimiters, detected, suffix: input.len(), structure: Index::EMPTY })
    }

    /// Resumes tokenising at byte `offset` (a segment start, e.g. a set's header from
    /// [`crate::SetInfo::offset`]) with known delimiters; segment indexes restart at 0.
    pub fn at(input: &'a [u8], offset: usize, detected: Detected) -> Tokenizer<'a> {
        let pos = offset.min(input.len());
        Tokenizer { input, pos, index: 1, delimiters: detected.delimiters, detected, suffix: input.len(), structure: Index::EMPTY }
    }

    /// The segments of one set, header to trailer, as the envelope found them.
    pub fn set_segments(input: &'a [u8], detected: &Detected, set: &crate::SetInfo) -> Vec<Segment<'a>> {
        Tokenizer::at(input, set.offset, detected.clone()).take(set.segments).collect()
    }

    /// What detection found at the start of the input.
    pub fn detected(&self) -> &Detected {
        &self.detected
    }

    pub fn standard(&self) -> Standard {
        self.detected.standard
    }

    /// The bytes before the first segment (a BOM, blank lines).
    pub fn prefix(&self) -> &'a [u8] {
        &self.input[..self.detected.prefix_len]
    }

    /// Blank bytes after the last segment; complete once the iterator is exhausted.
    pub fn suffix(&self) -> &'a [u8] {
        &self.input[self.suffix..]
    }

    /// The terminator when it is one byte and not a line break (what the structural index and
    /// [`Walk`] handle) and input remains.
    #[inline]
    fn plain_terminator(&self) -> Option<u8> {
        match *self.delimiters.terminator() {
            [t] if !is_line_break(t) && self.pos < self.input.len() => Some(t),
            _ => None,
        }
    }

    /// Skips the body segments of an open set for a pass that only counts them (no set checker):
    /// terminated, not wrapped, and not an envelope segment nor the start of an interchange — the
    /// segments [`crate::Envelope::push`] only counts. Stops before the first other segment, which
    /// the iterator then yields as usual. Returns how many were skipped and where the last ended.
    pub(crate) fn skip_body(&mut self) -> (usize, usize) {
        let Some(t) = self.plain_terminator() else { return (0, self.pos) };
        let (input, d) = (self.input, self.delimiters);
        let (mut pos, mut skipped) = skip_blocks(input, self.pos, t, d.release);
        let mut walk = Walk::start(input, pos, t, &self.structure);
        while let Some((_, full_end)) = walk.body(input, pos, &d, t) {
            pos = full_end;
            skipped += 1;
        }
        self.structure = walk.index(t);
        self.pos = pos;
        self.index += skipped;
        (skipped, pos)
    }

    /// Hands `each` the segments [`Tokenizer::skip_body`] would skip (plain body segments of an
    /// open set), one after the other, found on the structural index without the iterator's
    /// general cases; stops before the first other segment, which the iterator then yields. What
    /// `each` is given is what the iterator would yield.
    #[inline]
    pub(crate) fn bodies(&mut self, mut each: impl FnMut(&Segment<'a>)) {
        let Some(t) = self.plain_terminator() else { return };
        let (input, d) = (self.input, self.delimiters);
        let (mut pos, mut index) = (self.pos, self.index);
        let mut walk = Walk::start(input, pos, t, &self.structure);
        while let Some((raw_end, full_end)) = walk.body(input, pos, &d, t) {
            each(&Segment::new(&input[pos..raw_end], &input[raw_end..full_end], pos, index, d, false, true));
            pos = full_end;
            index += 1;
        }
        self.structure = walk.index(t);
        self.pos = pos;
        self.index = index;
    }
}

/// The first part of [`Tokenizer::skip_body`]: whole 64-byte blocks at a time, as long as every
/// segment ending or starting in the block is a plain body segment on sight — no byte at most 0x0D
/// (line breaks, control characters) and no release character from `pos` to the block's end, and
/// no segment starting with `I`, `U`, `G`, `S` (an envelope tag may follow) or a space (layout).
/// Those segments are what [`Walk::body`] would skip one by one (with no layout after their
/// terminators): they are counted with one `popcount`, and `pos` moves past the block's last
/// terminator. Anything else is left to the segment-by-segment walk. Returns the new `pos` and
/// the count.
fn skip_blocks(input: &[u8], pos: usize, t: u8, release: Option<u8>) -> (usize, usize) {
    crate::simd::scan_blocks(t, release, SkipBlocks { input, pos })
}

struct SkipBlocks<'a> {
    input: &'a [u8],
    pos: usize,
}

impl crate::simd::BlockScan for SkipBlocks<'_> {
    type Output = (usize, usize);

    #[inline(always)]
    fn scan(self, classify: impl Fn(&[u8; 64]) -> crate::simd::BodyBlock, runs: impl crate::simd::Runs) -> (usize, usize) {
        let (input, mut pos) = (self.input, self.pos);
        let mut skipped = 0;
        // The block `pos` is in, from `pos` on: the segment at `pos` starts there.
        let mut base = pos & !63;
        let Some(block) = input.get(base..).and_then(|rest| rest.first_chunk::<64>()) else { return (pos, 0) };
        let masks = classify(block);
        let from = u64::MAX << (pos & 63);
        let term = masks.term & from;
        // Where segments start: `pos`, and after every terminator (the start after a terminator
        // in the last byte is the next block's first byte).
        if masks.stop & from != 0 || masks.suspect & (1 << (pos & 63) | term << 1) != 0 {
            return (pos, 0);
        }
        if term != 0 {
            skipped += term.count_ones() as usize;
            pos = base + 64 - term.leading_zeros() as usize;
        }
        // Whole blocks: the segment at `pos` started in an earlier block and runs on into this
        // one, or starts at its first byte.
        loop {
            // Each block with the byte before it: a segment starts at the block's first byte when
            // that byte is a terminator (`pos == base`). Two blocks at a time while the skip goes
            // on through both; one at a time to find where it stops.
            if let Some(window) = input.get(base + 63..).and_then(|rest| rest.first_chunk::<129>()) {
                let (first, second, stop) = runs.two(window);
                if !stop {
                    skipped += (first.count_ones() + second.count_ones()) as usize;
                    if second != 0 {
                        pos = base + 192 - second.leading_zeros() as usize;
                    } else if first != 0 {
                        pos = base + 128 - first.leading_zeros() as usize;
                    }
                    base += 128;
                    continue;
                }
            }
            base += 64;
            let Some(window) = input.get(base - 1..).and_then(|rest| rest.first_chunk::<65>()) else { break };
            let (term, stop) = runs.one(window);
            if stop {
                break;
            }
            if term != 0 {
                skipped += term.count_ones() as usize;
                pos = base + 64 - term.leading_zeros() as usize;
            }
        }
        if pos == base && input.get(pos).is_some_and(|&b| is_layout(b)) {
            // A terminator in the last byte of the block before the one that stopped the skip
            // (layout after a segment start stops it: a space is suspect, the others stop it):
            // the layout after it is still its segment's. The walk goes on after it.
            while pos < input.len() && is_layout(input[pos]) {
                pos += 1;
            }
        }
        (pos, skipped)
    }
}

/// A walk over the structural index from segment to segment, for [`Tokenizer::skip_body`] and
/// [`Tokenizer::bodies`]: the bits of block `base` (all of them, kept for the index) and those
/// not yet passed, in registers while the walk lasts.
struct Walk {
    base: usize,
    block: u64,
    mask: u64,
}

impl Walk {
    #[inline(always)]
    fn start(input: &[u8], pos: usize, t: u8, index: &Index) -> Walk {
        let base = pos & !63;
        let block = match *index {
            Index { base: b, term, mask } if b == base && term == t => mask,
            _ => crate::simd::structural(&input[base..input.len().min(base + 64)], t),
        };
        Walk { base, block, mask: block & (u64::MAX << (pos & 63)) }
    }

    /// The block the walk is in, for the tokenizer's index.
    fn index(&self, t: u8) -> Index {
        Index { base: self.base, term: t, mask: self.block }
    }

    /// Where the segment starting at `pos` ends — (end of its bytes, end of the layout after its
    /// terminator) — if it is a plain body segment: what `scan_indexed` finds without `scan`
    /// (anything else — a blank or UNA start, a line break or control character before the
    /// terminator, a release character before it, no terminator left — is `None`), terminated,
    /// and not an envelope segment nor the start of an interchange. Moves past it.
    #[inline(always)]
    fn body(&mut self, input: &[u8], pos: usize, d: &Delimiters, t: u8) -> Option<(usize, usize)> {
        self.plain::<true>(input, pos, d, t)
    }

    /// [`Walk::body`] (`BODY`), or any segment `scan_indexed` would find the same way, envelope
    /// segments included, but not the start of an interchange (which may bring new delimiters).
    #[inline(always)]
    fn plain<const BODY: bool>(&mut self, input: &[u8], pos: usize, d: &Delimiters, t: u8) -> Option<(usize, usize)> {
        let len = input.len();
        let start = BODY_START[usize::from(*input.get(pos)?)];
        if start == Start::Other {
            return None;
        }
        while self.mask == 0 {
            if self.base + 64 >= len {
                return None;
            }
            self.base += 64;
            self.block = crate::simd::structural(&input[self.base..len.min(self.base + 64)], t);
            self.mask = self.block;
        }
        let i = self.base + self.mask.trailing_zeros() as usize;
        if input[i] != t || d.release.is_some_and(|r| i > pos && (input[i - 1] == r || is_line_break(input[i - 1]))) {
            return None;
        }
        if start == Start::Maybe {
            let raw = &input[pos..i];
            // The input from `pos`, not the segment's bytes: with a letter for the terminator
            // (`UNA:+.? 'N…` ends a segment at every `N`), `ISA`/`UNA` outrun the segment.
            if opens_interchange(&input[pos..]) || (BODY && crate::envelope::is_envelope_tag(&raw[..memchr::memchr(d.element, raw).unwrap_or(raw.len())])) {
                return None;
            }
        }
        let mut full_end = i + 1;
        while full_end < len && is_layout(input[full_end]) {
            full_end += 1;
        }
        // Drop the bits before the next segment (the terminator, line breaks after it).
        if full_end - self.base < 64 {
            self.mask &= u64::MAX << (full_end - self.base);
        } else if full_end < len {
            self.base = full_end & !63;
            self.block = crate::simd::structural(&input[self.base..len.min(self.base + 64)], t);
            self.mask = self.block & (u64::MAX << (full_end & 63));
        } else {
            self.mask = 0;
        }
        Some((i, full_end))
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if let Some(t) = self.plain_terminator() {
            // A plain segment (most, envelope segments after a bulk skip included) straight from
            // the structural index, as `Tokenizer::bodies` finds them.
            let (input, pos, d) = (self.input, self.pos, self.delimiters);
            let mut walk = Walk::start(input, pos, t, &self.structure);
            if let Some((raw_end, full_end)) = walk.plain::<false>(input, pos, &d, t) {
                self.structure = walk.index(t);
                let seg = Segment::new(&input[pos..raw_end], &input[raw_end..full_end], pos, self.index, d, false, true);
                self.pos = full_end;
                self.index += 1;
                return Some(seg);
            }
        }
        if self.pos >= self.input.len() {
            return None;
        }
        if self.index > 0
            && opens_interchange(&self.input[self.pos..])
            && let Ok(d) = detect(&self.input[self.pos..])
        {
            self.delimiters = d.delimiters;
        }
        match scan_indexed(self.input, self.pos, &self.delimiters, true, &mut self.structure) {
            Scan::Segment { raw_end, full_end, terminated, wrapped } => {
                let raw = &self.input[self.pos..raw_end];
                let seg = Segment::new(raw, &self.input[raw_end..full_end], self.pos, self.index, self.delimiters, wrapped, terminated);
                self.pos = full_end;
                self.index += 1;
                Some(seg)
            }
            Scan::Blank | Scan::NeedMore => {
                self.suffix = self.pos;
                self.pos = self.input.len();
                None
            }
        }
    }
}

/// Why a stream could not be tokenised.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("a segment starting at byte {offset} is longer than {limit} bytes")]
    SegmentTooLong { offset: usize, limit: usize },
}

/// Tokenises a stream in bounded memory: the buffer holds the unread tail plus the current segment.
pub struct StreamTokenizer<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset of `buf[0]` in the stream.
    base: usize,
    index: usize,
    eof: bool,
    detected: Option<Detected>,
    delimiters: Option<Delimiters>,
    max_segment: usize,
    bytes_read: u64,
    /// Describes `buf` as it is between two reads; reset by `fill`.
    structure: Index,
}

/// Bytes read per call; also the initial buffer size.
const CHUNK: usize = 256 * 1024;

impl<R: Read> StreamTokenizer<R> {
    pub fn new(reader: R) -> StreamTokenizer<R> {
        StreamTokenizer {
            reader,
            buf: vec![0; CHUNK * 2],
            start: 0,
            end: 0,
            base: 0,
            index: 0,
            eof: false,
            detected: None,
            delimiters: None,
            max_segment: 16 * 1024 * 1024,
            bytes_read: 0,
            structure: Index::EMPTY,
        }
    }

    /// The longest segment accepted before [`StreamError::SegmentTooLong`] (default 16 MiB).
    pub fn with_max_segment(mut self, limit: usize) -> StreamTokenizer<R> {
        self.max_segment = limit;
        self
    }

    /// Detection of the first interchange, once the first segment has been read.
    pub fn detected(&self) -> Option<&Detected> {
        self.detected.as_ref()
    }

    /// Bytes consumed from the reader so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads more bytes, compacting and (up to the limit) growing the buffer.
    fn fill(&mut self) -> Result<(), StreamError> {
        // Bytes move and arrive: the index no longer describes the buffer.
        self.structure = Index::EMPTY;
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end + CHUNK > self.buf.len() {
            if self.end >= self.max_segment {
                return Err(StreamError::SegmentTooLong { offset: self.base, limit: self.max_segment });
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        self.bytes_read += n as u64;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// The next segment, borrowed from the internal buffer until the next call.
    pub fn next_segment(&mut self) -> Result<Option<Segment<'_>>, StreamError> {
        loop {
            let window = &self.buf[..self.end];
            if self.start == self.end && self.eof {
                // An empty input is no interchange, as the slice tokenizer says.
                return if self.delimiters.is_none() { Err(DetectError::Empty.into()) } else { Ok(None) };
            }
            let rest = &window[self.start..];
            if !self.eof && rest.len() < 3 && self.delimiters.is_some() {
                // Whether a new interchange starts here takes three bytes to tell.
                self.fill()?;
                continue;
            }
            if self.delimiters.is_none() || (self.index > 0 && opens_interchange(rest)) {
                if !self.eof && rest.len() < DETECT_WINDOW {
                    self.fill()?;
                    continue;
                }
                match detect(rest) {
                    Ok(d) => {
                        self.start += d.prefix_len;
                        self.delimiters = Some(d.delimiters);
                        self.detected.get_or_insert(d);
                    }
                    Err(DetectError::Empty) if self.delimiters.is_some() => {}
                    Err(e) if self.delimiters.is_none() => return Err(e.into()),
                    Err(_) => {}
                }
            }
            let delimiters = self.delimiters.expect("detected above");
            match scan_indexed(window, self.start, &delimiters, self.eof, &mut self.structure) {
                Scan::Segment { raw_end, full_end, terminated, wrapped } => {
                    let seg_start = self.start;
                    let index = self.index;
                    self.start = full_end;
                    self.index += 1;
                    let raw = &self.buf[seg_start..raw_end];
                    return Ok(Some(Segment::new(raw, &self.buf[raw_end..full_end], self.base + seg_start, index, delimiters, wrapped, terminated)));
                }
                Scan::Blank => {
                    self.start = self.end;
                    return Ok(None);
                }
                Scan::NeedMore => self.fill()?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const X12: &[u8] = b"\xEF\xBB\xBFISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>~\r\nGS*PO*S*R*20260101*1200*1*X*004010~\r\nST*850*0001~\r\nBEG*00*SA*PO1**20260101~\r\nN4*WILKES\nBORO*NC~\r\nSE*4*0001~\r\nGE*1*1~\r\nIEA*1*000000001~\r\n\r\n";

    fn tags(input: &[u8]) -> Vec<String> {
        Tokenizer::new(input).unwrap().map(|s| s.tag_str().into_owned()).collect()
    }

    #[test]
    fn slice_tokenizer_keeps_every_byte() {
        let mut t = Tokenizer::new(X12).unwrap();
        let mut rebuilt = t.prefix().to_vec();
        let segs: Vec<_> = t.by_ref().collect();
        for s in &segs {
            rebuilt.extend_from_slice(s.raw());
            rebuilt.extend_from_slice(s.trailer());
        }
        rebuilt.extend_from_slice(t.suffix());
        assert_eq!(rebuilt, X12);
        assert_eq!(segs.len(), 8);
        assert!(segs[4].is_wrapped());
        assert_eq!(segs[4].text(1), "WILKESBORO");
        assert_eq!(segs[0].offset(), 3);
    }

    #[test]
    fn stream_and_slice_agree_at_every_chunk_size() {
        for limit in [1usize, 2, 3, 7, 64] {
            let reader = Chunky { data: X12, pos: 0, step: limit };
            let mut st = StreamTokenizer::new(reader);
            let mut got = Vec::new();
            while let Some(s) = st.next_segment().unwrap() {
                got.push((s.offset(), s.raw().to_vec(), s.trailer().to_vec()));
            }
            let want: Vec<_> = Tokenizer::new(X12).unwrap().map(|s| (s.offset(), s.raw().to_vec(), s.trailer().to_vec())).collect();
            assert_eq!(got, want, "chunk size {limit}");
        }
    }

    #[test]
    fn edifact_release_character_does_not_end_a_segment() {
        let input = b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'FTX+AAI+++IT?'S OK'UNZ+0+1'";
        assert_eq!(tags(input), ["UNA", "UNB", "FTX", "UNZ"]);
        let t: Vec<_> = Tokenizer::new(input).unwrap().collect();
        assert_eq!(t[2].text(4), "IT'S OK");
    }

    #[test]
    fn a_line_break_between_release_and_terminator_does_not_end_a_segment() {
        let input = b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'FTX+AAI+++IT?\r\n'S OK'UNZ+0+1'";
        assert_eq!(tags(input), ["UNA", "UNB", "FTX", "UNZ"]);
        let t: Vec<_> = Tokenizer::new(input).unwrap().collect();
        assert_eq!(t[2].text(4), "IT'S OK");
    }

    /// Found in a public sample (EDI.Net's x12.810a.edi): segments indented with tabs and
    /// spaces read as tags like "\tGS".
    #[test]
    fn indentation_between_segments_is_layout() {
        let input = b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~\n\tGS*PO*S*R*20260101*1200*1*X*004010~ \n\t\t  ST*850*0001~\n";
        let segs: Vec<_> = Tokenizer::new(input).unwrap().collect();
        assert_eq!(segs.iter().map(|s| s.tag_str().into_owned()).collect::<Vec<_>>(), ["ISA", "GS", "ST"]);
        assert_eq!(segs[1].trailer(), b"~ \n\t\t  ");
        assert!(!segs[1].is_wrapped());
    }

    #[test]
    fn concatenated_interchanges_redetect_delimiters() {
        let a = b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*U*00401*000000001*0*P*>~IEA*0*000000001~";
        let b = b"ISA|00|          |00|          |ZZ|A              |ZZ|B              |260101|1200|U|00401|000000002|0|P|>!IEA|0|000000002!";
        let both = [&a[..], &b[..]].concat();
        let segs: Vec<_> = Tokenizer::new(&both).unwrap().collect();
        assert_eq!(segs.len(), 4);
        assert_eq!(segs[3].text(2), "000000002");
    }

    #[test]
    fn a_set_can_be_re_read_from_its_offset() {
        let report = crate::envelope::check(X12).unwrap();
        let set = &report.interchanges[0].groups[0].sets[0];
        let detected = crate::detect(X12).unwrap();
        let segs = Tokenizer::set_segments(X12, &detected, set);
        let tags: Vec<_> = segs.iter().map(|s| s.tag_str().into_owned()).collect();
        assert_eq!(tags, ["ST", "BEG", "N4", "SE"]);
    }

    /// Found by fuzzing: a read ending between the CR and the LF of a CR LF terminator made the
    /// stream take CR alone for the terminator, and split segments the slice tokenizer did not.
    #[test]
    fn a_crlf_terminator_split_across_reads_is_still_crlf() {
        let input: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>\r\nGS*PO*S*R*20260101*1200*1*X*004010\r\nST*850*0001\r\nBEG*00*SA*A\rB**20260101\r\nSE*3*0001\r\nGE*1*1\r\nIEA*1*000000001\r\n";
        let want: Vec<_> = Tokenizer::new(input).unwrap().map(|s| (s.offset(), s.raw().to_vec(), s.trailer().to_vec())).collect();
        assert_eq!(want.len(), 7);
        for step in 1..=input.len() {
            let mut st = StreamTokenizer::new(Chunky { data: input, pos: 0, step });
            let mut got = Vec::new();
            while let Some(s) = st.next_segment().unwrap() {
                got.push((s.offset(), s.raw().to_vec(), s.trailer().to_vec()));
            }
            assert_eq!(got, want, "chunk size {step}");
        }
    }

    /// Found by fuzzing: an empty stream read as an interchange of no segments (and so validated
    /// as valid), where the slice tokenizer refuses it.
    #[test]
    fn an_empty_stream_is_refused_like_an_empty_slice() {
        assert!(matches!(Tokenizer::new(b""), Err(DetectError::Empty)));
        assert!(matches!(StreamTokenizer::new(&b""[..]).next_segment(), Err(StreamError::Detect(DetectError::Empty))));
        assert!(matches!(StreamTokenizer::new(&b" \r\n"[..]).next_segment(), Err(StreamError::Detect(DetectError::Empty))));
        assert!(crate::validate_stream(&b""[..], &crate::EnvelopeOnly, |_| {}).is_err());
    }

    #[test]
    fn missing_final_terminator_is_reported_by_the_segment() {
        let segs: Vec<_> = Tokenizer::new(b"UNB+UNOA:1+S+R+200101:1200+1'UNZ+0+1\n").unwrap().collect();
        assert!(!segs[1].is_terminated());
        assert_eq!(segs[1].raw(), b"UNZ+0+1");
    }

    /// What the tokenizer yielded before the structural index: `scan` alone, segment by segment
    /// (the same loop as `Tokenizer::next`), as (offset, index, raw, trailer, wrapped, terminated),
    /// and the suffix.
    /// (offset, index, raw, trailer, wrapped, terminated) of each segment.
    type Seen = Vec<(usize, usize, Vec<u8>, Vec<u8>, bool, bool)>;

    fn reference(input: &[u8]) -> (Seen, usize) {
        let detected = detect(input).unwrap();
        let mut d = detected.delimiters;
        let (mut pos, mut index, mut out) = (detected.prefix_len, 0, Vec::new());
        while pos < input.len() {
            if index > 0
                && opens_interchange(&input[pos..])
                && let Ok(new) = detect(&input[pos..])
            {
                d = new.delimiters;
            }
            match scan(input, pos, &d, true) {
                Scan::Segment { raw_end, full_end, terminated, wrapped } => {
                    out.push((pos, index, input[pos..raw_end].to_vec(), input[raw_end..full_end].to_vec(), wrapped, terminated));
                    pos = full_end;
                    index += 1;
                }
                _ => return (out, pos),
            }
        }
        (out, input.len())
    }

    fn segments(input: &[u8]) -> (Seen, usize) {
        let mut t = Tokenizer::new(input).unwrap();
        let segs = t.by_ref().map(|s| (s.offset(), s.index(), s.raw().to_vec(), s.trailer().to_vec(), s.is_wrapped(), s.is_terminated())).collect();
        (segs, input.len() - t.suffix().len())
    }

    const ISA_X12: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>~";
    const UNA_EDIFACT: &[u8] = b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'";

    /// Random bodies after a real header: the delimiters of both standards, release characters,
    /// line breaks (CR LF too), layout, NUL and other control bytes, the letters of envelope tags
    /// and UNA, multi-byte UTF-8, segments longer than a 64-byte block.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"~".to_vec()),
            Just(b"'".to_vec()),
            Just(b"*".to_vec()),
            Just(b"+".to_vec()),
            Just(b"?".to_vec()),
            Just(b"??".to_vec()),
            Just(b"?'".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\t".to_vec()),
            Just(vec![0u8]),
            Just(vec![0x0B]),
            Just(b"UNA:+.? '".to_vec()),
            Just(b"SE*".to_vec()),
            Just(b"ST*850*0001~".to_vec()),
            Just(b"ISA".to_vec()),
            Just("…".as_bytes().to_vec()),
            Just(b"PO1*1*481*BX*308.12*PE*UP*406663330049*VN*YQG6WYKHZV*BP*B0NYRFUSMH".to_vec()),
            "[A-Z0-9]{1,6}".prop_map(String::into_bytes),
            any::<u8>().prop_map(|b| vec![b]),
        ];
        proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
    }

    /// Validates `input` with the bulk-skipping fast path and again by pushing every segment
    /// through a `Pass`, and fails the case unless both report the same.
    fn fast_agrees_with_slow(input: &[u8]) -> Result<(), TestCaseError> {
        let fast = crate::validate(input, &crate::EnvelopeOnly).unwrap();
        let mut pass = crate::Pass::new(&crate::EnvelopeOnly);
        for seg in Tokenizer::new(input).unwrap() {
            pass.push(&seg);
        }
        let slow = pass.finish(fast.standard, input.len() as u64);
        prop_assert_eq!(&fast.findings, &slow.findings);
        prop_assert_eq!(&fast.interchanges, &slow.interchanges);
        prop_assert_eq!(fast.segments, slow.segments);
        Ok(())
    }

    /// A letter for the segment terminator cuts `UNA`/`ISA` short (`UNA:+?.'U` ends a segment at
    /// every `U`): a segment that starts an interchange is found by the general scan, never as a
    /// plain segment from the structural index — at the start of the input or in a set. Found by
    /// the fuzzers (`tokenize`, `validate`).
    #[test]
    fn a_letter_terminator_does_not_cut_an_interchange_start() {
        let inputs: [&[u8]; 3] = [
            b"UNA:+?.'U NB+UNOA:3+AMAZON:14+VENDOR42:14+360301:1200+REF1++++1'UNH+1+DESADV:D:96A:UN'BGM+351+ASN1+9'",
            b"UNA:+U.'N\n ?B+UNOC:3+ACOR\0\0\0\0N:ZZ+VENDOR42:ZZ+260301:1200+42++++1++1'\nUNH+1+ORDERS:D:96A:UN'\nBGM+220+PO42+9'",
            b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO42+9'UNA:+.?*NUNB+UNOA:2+S+R+200101:1200+2NUNH+1+ORDERS:D:96A:UNNBGM+220+PO43+9N",
        ];
        for input in inputs {
            assert_eq!(segments(input), reference(input), "{}", String::from_utf8_lossy(input));
            fast_agrees_with_slow(input).unwrap();
        }
    }

    /// Layout after a terminator at every offset in and across 64-byte blocks (the bulk skip's
    /// block boundaries included): the same as pushing every segment.
    /// A second interchange with an ISA of unusual length, read by the stream in small chunks:
    /// the stream detects its delimiters on the same bytes as the slice tokenizer. Found by the
    /// `tokenize` fuzzer.
    #[test]
    fn a_chunked_stream_detects_a_second_interchange_like_the_slice() {
        let mut input = ISA_X12.to_vec();
        input.extend_from_slice(b"GS*PO*S*R*20260101*1200*7*X*004010~");
        // An ISA longer than 106 bytes (a long sender ID), then segments.
        input.extend_from_slice(b"ISA*00*          *00*          *ZZ*VEmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm*ZZ*R              *260101*1200*U*00401*000000002*0*P*>~\nAK1*PO*1~\nIEA*1*000000002~");
        let want = segments(&input).0;
        for first in 1..=61 {
            let mut stream = StreamTokenizer::new(Chunks { data: &input, step: first });
            let mut got = Vec::new();
            while let Some(s) = stream.next_segment().unwrap() {
                got.push((s.offset(), s.index(), s.raw().to_vec(), s.trailer().to_vec(), s.is_wrapped(), s.is_terminated()));
            }
            assert_eq!(got, want, "reads of {first} bytes");
        }
    }

    /// Reads `step` bytes at a time.
    struct Chunks<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Chunks<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn layout_after_a_terminator_at_every_offset() {
        for layout in [" ", "\r\n", "\n", "\t", "  "] {
            for pad in 0..140 {
                let mut input = b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*20260101*1200*7*X*004010~ST*850*0001~".to_vec();
                input.extend_from_slice("CTP**SLP*1.50~".repeat(12).as_bytes());
                input.extend_from_slice(format!("REF*CR*{}~{layout}", "X".repeat(pad)).as_bytes());
                input.extend_from_slice("CTP**SLP*1.50~".repeat(12).as_bytes());
                input.extend_from_slice(b"SE*27*0001~GE*1*7~IEA*1*000000001~");
                fast_agrees_with_slow(&input).unwrap();
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The structural index finds exactly what `scan` alone finds.
        #[test]
        fn the_index_agrees_with_scan(body in body(), edifact in any::<bool>(), again in any::<bool>()) {
            let mut input = if edifact { UNA_EDIFACT.to_vec() } else { ISA_X12.to_vec() };
            input.extend_from_slice(&body);
            if again {
                // A second interchange with other delimiters.
                input.extend_from_slice(if edifact { ISA_X12 } else { UNA_EDIFACT });
                input.extend_from_slice(&body);
            }
            prop_assert_eq!(segments(&input), reference(&input));
        }

        /// Skipping body segments in bulk validates exactly like pushing every segment.
        #[test]
        fn skipping_bodies_agrees_with_pushing_every_segment(body in body(), trailer in any::<bool>()) {
            let mut input = b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*20260101*1200*7*X*004010~ST*850*0001~".to_vec();
            input.extend_from_slice(&body);
            if trailer {
                input.extend_from_slice(b"~SE*9*0001~GE*1*7~IEA*1*000000001~");
            }
            fast_agrees_with_slow(&input)?;
        }

        /// Skipping in whole blocks (inputs of mostly plain body segments, so that whole blocks of
        /// them occur, with now and then a segment or byte that stops a block) agrees with pushing
        /// every segment.
        #[test]
        fn skipping_whole_blocks_agrees_with_pushing_every_segment(pieces in proptest::collection::vec(prop_oneof![
            8 => Just("PO1*1*481*BX*308.12*PE*UP*406663330049*VN*YQG6WYKHZV~"),
            8 => Just("CTP**SLP*1.50~"),
            4 => Just("REF*CR*VND42~"),
            2 => Just("N9*ZZ*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX~"),
            1 => Just("SAC*A~"),
            1 => Just("ISA~"),
            1 => Just("GE~"),
            1 => Just("UNA:+.? '"),
            1 => Just("~ "),
            1 => Just("~\r\n"),
            1 => Just("\n"),
            1 => Just("?~"),
            1 => Just("UNT*1~"),
            1 => Just("\t"),
            1 => Just("\0"),
            1 => Just("~~"),
        ], 0..120), trailer in any::<bool>(), edifact in any::<bool>()) {
            let body = pieces.iter().flat_map(|p| p.bytes());
            let input = if edifact {
                // With a release character (`?`), `'` ending segments and `+` separating elements.
                let mut input = b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'UNH+1+ORDERS:D:96A:UN'".to_vec();
                input.extend(body.map(|b| match b { b'~' => b'\'', b'*' => b'+', b'\'' => b'~', b => b }));
                if trailer {
                    input.extend_from_slice(b"UNT+9+1'UNZ+1+1'");
                }
                input
            } else {
                let mut input = b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*20260101*1200*7*X*004010~ST*850*0001~".to_vec();
                input.extend(body);
                if trailer {
                    input.extend_from_slice(b"SE*9*0001~GE*1*7~IEA*1*000000001~");
                }
                input
            };
            fast_agrees_with_slow(&input)?;
        }

        /// The stream, fed in random chunks, yields what the slice tokenizer yields (inputs below
        /// the stream's 4 KiB detection window, where both see the same start).
        #[test]
        fn random_chunkings_agree(body in body(), edifact in any::<bool>(), steps in proptest::collection::vec(1usize..200, 1..20)) {
            let mut input = if edifact { UNA_EDIFACT.to_vec() } else { ISA_X12.to_vec() };
            input.extend_from_slice(&body);
            let mut st = StreamTokenizer::new(Steps { data: &input, pos: 0, steps, at: 0 });
            let mut got = Vec::new();
            while let Some(s) = st.next_segment().unwrap() {
                got.push((s.offset(), s.index(), s.raw().to_vec(), s.trailer().to_vec(), s.is_wrapped(), s.is_terminated()));
            }
            prop_assert_eq!(got, segments(&input).0);
        }
    }

    /// A terminator at every offset of a block, followed by each kind of layout, between plain
    /// body segments: skipping in bulk (whole blocks, then segment by segment) validates like
    /// pushing every segment.
    #[test]
    fn bulk_skips_agree_at_every_offset() {
        for pad in 0..130 {
            for layout in ["", " ", "\r\n", "\t", "\n "] {
                let mut input = b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*20260101*1200*7*X*004010~ST*850*0001~".to_vec();
                input.extend_from_slice(b"REF*");
                input.extend(std::iter::repeat_n(b'X', pad));
                input.push(b'~');
                input.extend_from_slice(layout.as_bytes());
                for _ in 0..8 {
                    input.extend_from_slice(b"CTP**SLP*1.50~PO1*1*481*BX*308.12*PE*UP*406663330049~");
                }
                input.extend_from_slice(b"SE*19*0001~GE*1*7~IEA*1*000000001~");
                let fast = crate::validate(&input, &crate::EnvelopeOnly).unwrap();
                let mut pass = crate::Pass::new(&crate::EnvelopeOnly);
                for seg in Tokenizer::new(&input).unwrap() {
                    pass.push(&seg);
                }
                let slow = pass.finish(fast.standard, input.len() as u64);
                assert_eq!(
                    (&fast.findings, &fast.interchanges, fast.segments),
                    (&slow.findings, &slow.interchanges, slow.segments),
                    "pad {pad} layout {layout:?}"
                );
                // The segments after each skip are the iterator's own (offset, index, bytes).
                let all: Vec<_> = Tokenizer::new(&input).unwrap().map(|s| (s.offset(), s.index(), s.raw().to_vec())).collect();
                let mut t = Tokenizer::new(&input).unwrap();
                while let Some(s) = t.next() {
                    assert!(all.contains(&(s.offset(), s.index(), s.raw().to_vec())), "pad {pad} layout {layout:?}: {:?}", String::from_utf8_lossy(s.raw()));
                    t.skip_body();
                }
            }
        }
    }

    /// Segments across 64-byte blocks, CR LF after terminators and wrapped lines, in one input.
    #[test]
    fn block_edges_and_line_breaks() {
        let mut input = ISA_X12.to_vec();
        for n in 0..200 {
            input.extend_from_slice(b"N1*ST*");
            input.extend(std::iter::repeat_n(b'X', n % 70));
            input.extend_from_slice(match n % 4 {
                0 => b"~".as_slice(),
                1 => b"~\r\n",
                2 => b"\n*A~",
                _ => b"~  \t",
            });
        }
        assert_eq!(segments(&input), reference(&input));
        input.truncate(input.len() - 1);
        assert_eq!(segments(&input), reference(&input));
    }

    /// Reads `steps` bytes at a time in turn.
    struct Steps<'a> {
        data: &'a [u8],
        pos: usize,
        steps: Vec<usize>,
        at: usize,
    }

    impl Read for Steps<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let step = self.steps[self.at % self.steps.len()];
            self.at += 1;
            let n = step.min(out.len()).min(self.data.len() - self.pos);
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    struct Chunky<'a> {
        data: &'a [u8],
        pos: usize,
        step: usize,
    }

    impl Read for Chunky<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len() - self.pos);
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
}
