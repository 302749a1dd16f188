//! Zero-copy views of segments, elements and components.
//!
//! A [`Segment`] borrows its bytes from the input (or the streaming buffer) and splits them only
//! when asked. Element and component numbers are 1-based, as the standards number them (`ST01`,
//! `C50602`). EDIFACT release characters and line-wrapping newlines stay in the raw bytes, so the
//! writer can reproduce the input exactly; [`Element::value`] removes them, borrowing when there is
//! nothing to remove.

use std::borrow::Cow;

use crate::syntax::Delimiters;

/// One segment of an interchange, borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    raw: &'a [u8],
    trailer: &'a [u8],
    offset: usize,
    index: usize,
    delimiters: Delimiters,
    wrapped: bool,
    terminated: bool,
    /// The tag with wrapping line breaks removed, when a break falls inside it (`Q\nTY`); empty
    /// otherwise (the tag is then borrowed from `raw`).
    unwrapped_tag: [u8; 8],
    unwrapped_len: u8,
    /// Where the tag ends when that was plain to see on construction (an unwrapped segment whose
    /// element separator is its third or fourth byte, or UNA); 0 when `tag` must look for it.
    tag_end: u8,
}

impl<'a> Segment<'a> {
    #[inline]
    pub(crate) fn new(raw: &'a [u8], trailer: &'a [u8], offset: usize, index: usize, delimiters: Delimiters, wrapped: bool, terminated: bool) -> Segment<'a> {
        let mut seg = Segment { raw, trailer, offset, index, delimiters, wrapped, terminated, unwrapped_tag: [0; 8], unwrapped_len: 0, tag_end: 0 };
        if !wrapped {
            // The usual two- and three-byte tags, decided as `tag` would: the first element
            // separator among the first four bytes.
            let e = delimiters.element;
            seg.tag_end = match *raw {
                [b'U', b'N', b'A', ..] if raw.len() == 8 => 3,
                [a, b, c, ..] if a != e && b != e && c == e => 2,
                [a, b, c, d, ..] if a != e && b != e && c != e && d == e => 3,
                _ => 0,
            };
        } else {
            let end = memchr::memchr(delimiters.element, raw).unwrap_or(raw.len());
            let tag = trim_wrap(&raw[..end]);
            if memchr::memchr2(b'\r', b'\n', tag).is_some() {
                for &b in tag.iter().filter(|b| **b != b'\r' && **b != b'\n').take(8) {
                    seg.unwrapped_tag[seg.unwrapped_len as usize] = b;
                    seg.unwrapped_len += 1;
                }
            }
        }
        seg
    }

    /// The segment's bytes without its terminator.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The terminator and the layout after it (line breaks, indentation), exactly as in the input.
    pub fn trailer(&self) -> &'a [u8] {
        self.trailer
    }

    /// Byte offset of the segment's first byte in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// 0-based position of the segment in the input.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// Whether line breaks inside the segment wrap it (they are not part of the data).
    pub fn is_wrapped(&self) -> bool {
        self.wrapped
    }

    /// False only for a last segment that ends without a terminator.
    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    /// The segment tag (`ST`, `BEG`, `UNH`), without wrapping line breaks.
    #[inline(always)]
    pub fn tag(&self) -> &[u8] {
        match self.raw.get(..usize::from(self.tag_end)) {
            Some(tag) if self.tag_end > 0 => tag,
            _ => self.tag_slow(),
        }
    }

    #[inline(never)]
    fn tag_slow(&self) -> &[u8] {
        if self.unwrapped_len > 0 {
            return &self.unwrapped_tag[..self.unwrapped_len as usize];
        }
        if self.is_service_advice() {
            return &self.raw[..3];
        }
        let raw = self.raw;
        let element = self.delimiters.element;
        // Tags are two or three bytes: look at the first four before searching.
        let end = match raw.iter().take(4).position(|b| *b == element) {
            Some(end) => end,
            None => memchr::memchr(element, raw).unwrap_or(raw.len()),
        };
        if self.wrapped { trim_wrap(&raw[..end]) } else { &raw[..end] }
    }

    /// The tag as text (tags are ASCII; anything else shows lossily).
    pub fn tag_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.tag())
    }

    pub fn is(&self, tag: &str) -> bool {
        self.tag() == tag.as_bytes()
    }

    /// Whether this is EDIFACT's UNA service string advice (which is not split into elements).
    pub fn is_service_advice(&self) -> bool {
        self.raw.starts_with(b"UNA") && self.raw.len() == 8
    }

    /// Element `n` (1-based); `None` past the last element present.
    pub fn element(&self, n: usize) -> Option<Element<'a>> {
        self.elements().nth(n.checked_sub(1)?)
    }

    /// The elements after the tag, in order.
    pub fn elements(&self) -> Elements<'a> {
        let parts = if self.is_service_advice() {
            Split::empty()
        } else {
            let mut parts = Split::new(self.raw, self.delimiters.element, self.delimiters.release);
            parts.next(); // the tag
            parts
        };
        Elements { parts, delimiters: self.delimiters, wrapped: self.wrapped }
    }

    /// How many elements follow the tag (trailing empty ones included, as written).
    pub fn element_count(&self) -> usize {
        self.elements().count()
    }

    /// The text of element `n`, or "" when absent.
    pub fn text(&self, n: usize) -> Cow<'a, str> {
        self.element(n).map(|e| e.text()).unwrap_or(Cow::Borrowed(""))
    }
}

/// One element (or component, or repetition) of a segment.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    raw: &'a [u8],
    delimiters: Delimiters,
    wrapped: bool,
}

impl<'a> Element<'a> {
    /// An element of a segment that is not wrapped.
    pub(crate) fn unwrapped(raw: &'a [u8], delimiters: Delimiters) -> Element<'a> {
        Element { raw, delimiters, wrapped: false }
    }

    /// The bytes as written, release characters and wrap line breaks included.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty() || (self.wrapped && self.value().is_empty())
    }

    /// The value with release characters and wrapping line breaks removed.
    pub fn value(&self) -> Cow<'a, [u8]> {
        let needs_release = self.delimiters.release.is_some_and(|r| memchr::memchr(r, self.raw).is_some());
        let needs_unwrap = self.wrapped && memchr::memchr2(b'\r', b'\n', self.raw).is_some();
        if !needs_release && !needs_unwrap {
            return Cow::Borrowed(self.raw);
        }
        let mut out = Vec::with_capacity(self.raw.len());
        let mut bytes = self.raw.iter().copied();
        while let Some(b) = bytes.next() {
            if needs_unwrap && (b == b'\r' || b == b'\n') {
                continue;
            }
            if Some(b) == self.delimiters.release {
                // The escaped byte may sit after a wrapping line break.
                if let Some(next) = bytes.by_ref().find(|&n| !(needs_unwrap && (n == b'\r' || n == b'\n'))) {
                    out.push(next);
                }
                continue;
            }
            out.push(b);
        }
        Cow::Owned(out)
    }

    /// The value as text: UTF-8 when it is, otherwise each byte as Latin-1 (EDIFACT UNOC).
    pub fn text(&self) -> Cow<'a, str> {
        match self.value() {
            Cow::Borrowed(b) => text_of(b),
            Cow::Owned(b) => Cow::Owned(String::from_utf8(b).unwrap_or_else(|e| e.into_bytes().iter().map(|&c| c as char).collect())),
        }
    }

    /// The components of a composite element (a simple element is its own single component).
    pub fn components(&self) -> Elements<'a> {
        Elements { parts: Split::new(self.raw, self.delimiters.component, self.delimiters.release), delimiters: self.delimiters, wrapped: self.wrapped }
    }

    /// Component `n` (1-based).
    pub fn component(&self, n: usize) -> Option<Element<'a>> {
        self.components().nth(n.checked_sub(1)?)
    }

    /// The repetitions of a repeating element; one when the interchange has no repetition separator.
    pub fn repetitions(&self) -> Elements<'a> {
        let parts = match self.delimiters.repetition {
            Some(r) => Split::new(self.raw, r, self.delimiters.release),
            None => Split::whole(self.raw),
        };
        Elements { parts, delimiters: self.delimiters, wrapped: self.wrapped }
    }
}

/// Iterator over elements or components.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    parts: Split<'a>,
    delimiters: Delimiters,
    wrapped: bool,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Element<'a>;
    fn next(&mut self) -> Option<Element<'a>> {
        let raw = self.parts.next()?;
        Some(Element { raw, delimiters: self.delimiters, wrapped: self.wrapped })
    }
}

/// Splits bytes on a separator that a release character may escape; without a separator the
/// bytes are one part.
#[derive(Debug, Clone)]
pub(crate) struct Split<'a> {
    rest: &'a [u8],
    sep: Option<u8>,
    release: Option<u8>,
    done: bool,
}

impl<'a> Split<'a> {
    pub(crate) fn new(bytes: &'a [u8], sep: u8, release: Option<u8>) -> Split<'a> {
        Split { rest: bytes, sep: Some(sep), release, done: false }
    }

    fn whole(bytes: &'a [u8]) -> Split<'a> {
        Split { rest: bytes, sep: None, release: None, done: false }
    }

    fn empty() -> Split<'a> {
        Split { rest: b"", sep: None, release: None, done: true }
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.done {
            return None;
        }
        match self.sep.and_then(|sep| find_unescaped(self.rest, sep, self.release)) {
            Some(i) => {
                let part = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                Some(part)
            }
            None => {
                self.done = true;
                Some(self.rest)
            }
        }
    }
}

/// The first `sep` in `bytes` not escaped by an odd run of `release` characters.
pub(crate) fn find_unescaped(bytes: &[u8], sep: u8, release: Option<u8>) -> Option<usize> {
    let mut from = 0;
    loop {
        let i = from + find_byte(sep, &bytes[from..])?;
        match release {
            Some(r) if escaped(&bytes[..i], r) => from = i + 1,
            _ => return Some(i),
        }
    }
}

/// The first `sep` in `bytes`. Elements are mostly a few bytes long: a short loop finds the
/// separator before `memchr` would have set up its search.
#[inline]
fn find_byte(sep: u8, bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    if let Some(i) = bytes.iter().take(SHORT).position(|&b| b == sep) {
        return Some(i);
    }
    if bytes.len() <= SHORT {
        return None;
    }
    memchr::memchr(sep, &bytes[SHORT..]).map(|i| i + SHORT)
}

/// Whether the byte following `before` is escaped: an odd number of release characters end `before`.
/// Line breaks among them are wrapping, not data (they are never data inside a segment), so a
/// fixed-width layout that breaks a line between `?` and `'` does not end the segment there.
pub(crate) fn escaped(before: &[u8], release: u8) -> bool {
    before.iter().rev().filter(|&&b| b != b'\r' && b != b'\n').take_while(|&&b| b == release).count() % 2 == 1
}

fn trim_wrap(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != b'\r' && *b != b'\n').unwrap_or(bytes.len());
    &bytes[start..]
}

/// Bytes as text: UTF-8 when they are, otherwise each byte as Latin-1 (EDIFACT UNOC).
pub(crate) fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&c| char::from(c)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(raw: &[u8], d: Delimiters) -> Segment<'_> {
        Segment::new(raw, b"", 0, 0, d, memchr::memchr2(b'\r', b'\n', raw).is_some(), true)
    }

    #[test]
    fn x12_elements_components_and_repetitions() {
        let d = Delimiters::x12_default(Some(b'^'));
        let s = seg(b"SV1*HC>99213>25*12.5**UN*1^2", d);
        assert_eq!(s.tag(), b"SV1");
        assert_eq!(s.element_count(), 5);
        let composite = s.element(1).unwrap();
        assert_eq!(composite.component(2).unwrap().raw(), b"99213");
        assert!(s.element(3).unwrap().is_empty());
        assert_eq!(s.element(5).unwrap().repetitions().count(), 2);
        assert!(s.element(6).is_none());
        assert!(s.element(0).is_none());
    }

    #[test]
    fn edifact_release_characters_escape_delimiters() {
        let d = Delimiters::edifact_default();
        let s = seg(b"FTX+AAI+++TEXT?+WITH?:MARKS??+END", d);
        assert_eq!(s.element_count(), 5);
        assert_eq!(s.text(4), "TEXT+WITH:MARKS?");
        assert_eq!(s.element(4).unwrap().components().count(), 1);
        assert_eq!(s.text(5), "END");
    }

    #[test]
    fn a_line_break_inside_the_tag_is_not_part_of_it() {
        let d = Delimiters::edifact_default();
        let s = seg(b"Q\nTY+12:24", d);
        assert_eq!(s.tag(), b"QTY");
        assert!(s.is("QTY"));
        assert_eq!(s.element(1).unwrap().component(2).unwrap().raw(), b"24");
    }

    #[test]
    fn a_line_break_between_release_and_delimiter_is_wrapping() {
        let d = Delimiters::edifact_default();
        let s = seg(b"IMD+F++:::KG?\n+ CASE?\r\n:BLUE", d);
        assert_eq!(s.element_count(), 3);
        assert_eq!(s.element(3).unwrap().components().count(), 4);
        assert_eq!(s.element(3).unwrap().component(4).unwrap().text(), "KG+ CASE:BLUE");
        assert!(escaped(b"IT?\n", b'?'));
        assert!(!escaped(b"IT??\n", b'?'));
    }

    #[test]
    fn wrapped_line_breaks_are_not_data() {
        let d = Delimiters::x12_default(None);
        let s = seg(b"N4*WILKES\nBORO*NC", d);
        assert!(s.is_wrapped());
        assert_eq!(s.text(1), "WILKESBORO");
        assert_eq!(s.element(1).unwrap().raw(), b"WILKES\nBORO");
    }
}
