//! Splitting an input into segments, from a slice or a stream, without copying.
//!
//! One scanning function ([`scan`]) finds where a segment ends — the terminator not escaped by a
//! release character, the layout after it (line breaks, indentation), line breaks that wrap it — and both the slice
//! [`Tokenizer`] and the streaming [`StreamTokenizer`] use it, so the two agree byte for byte. A
//! new ISA or UNA in the middle of a file (several interchanges concatenated) re-detects the
//! delimiters, because each interchange declares its own.

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

/// Whether detection took a CR for the terminator because it was the last byte read.
fn cut_after_cr(d: &Detected, rest: &[u8]) -> bool {
    d.delimiters.terminator() == b"\r" && d.isa_len.is_some_and(|len| d.prefix_len + len + 1 == rest.len())
}

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
}

impl<'a> Tokenizer<'a> {
    pub fn new(input: &'a [u8]) -> Result<Tokenizer<'a>, DetectError> {
        let detected = detect(input)?;
        Ok(Tokenizer { input, pos: detected.prefix_len, index: 0, delimiters: detected.delimiters, detected, suffix: input.len() })
    }

    /// Resumes tokenising at byte `offset` (a segment start, e.g. a set's header from
    /// [`crate::SetInfo::offset`]) with known delimiters; segment indexes restart at 0.
    pub fn at(input: &'a [u8], offset: usize, detected: Detected) -> Tokenizer<'a> {
        let pos = offset.min(input.len());
        Tokenizer { input, pos, index: 1, delimiters: detected.delimiters, detected, suffix: input.len() }
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
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.pos >= self.input.len() {
            return None;
        }
        if self.index > 0
            && opens_interchange(&self.input[self.pos..])
            && let Ok(d) = detect(&self.input[self.pos..])
        {
            self.delimiters = d.delimiters;
        }
        match scan(self.input, self.pos, &self.delimiters, true) {
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
            if self.delimiters.is_none() || (self.index > 0 && opens_interchange(rest)) {
                match detect(rest) {
                    // A CR read last may be the first half of a CR LF terminator: read on first.
                    Ok(d) if !self.eof && rest.len() < 4096 && cut_after_cr(&d, rest) => {
                        self.fill()?;
                        continue;
                    }
                    Ok(d) => {
                        self.start += d.prefix_len;
                        self.delimiters = Some(d.delimiters);
                        self.detected.get_or_insert(d);
                    }
                    Err(_) if !self.eof && rest.len() < 4096 => {
                        self.fill()?;
                        continue;
                    }
                    Err(DetectError::Empty) if self.delimiters.is_some() => {}
                    Err(e) if self.delimiters.is_none() => return Err(e.into()),
                    Err(_) => {}
                }
            }
            let delimiters = self.delimiters.expect("detected above");
            match scan(window, self.start, &delimiters, self.eof) {
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
