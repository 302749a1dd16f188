//! Mutations of a corpus document, declared as data.
//!
//! Body edits change the notation before the writer renders it, so trailers still count right
//! and an edit breaks exactly the rule it is about. Envelope edits change the written bytes,
//! because the writer would correct a wrong count or control number. Text and byte edits change
//! the layout (a BOM, line breaks, a truncation). Segments are found by tag and 1-based occurrence
//! (`nth`), never by position, so the positions in a case's expected verdict are written by hand
//! and checked, not derived.

use acorn_edi::Delimiters;

use super::generate::{Style, render, spec};

#[derive(Debug, Clone)]
pub enum Edit {
    /// Sets element `element` (1-based, in notation: `>` between components) of the `nth` `tag` of the body.
    Set {
        tag: &'static str,
        nth: usize,
        element: usize,
        value: &'static str,
    },
    /// Adds one to the last digit of a GS1 key (a GTIN or SSCC), breaking its check digit.
    BreakCheckDigit {
        tag: &'static str,
        nth: usize,
        element: usize,
        component: usize,
    },
    Remove {
        tag: &'static str,
        nth: usize,
    },
    /// Inserts a segment (in notation) after the `nth` `tag` of the body.
    InsertAfter {
        tag: &'static str,
        nth: usize,
        segment: &'static str,
    },
    /// Sets an element of a written envelope segment (ISA, SE, GE, IEA, UNT, UNZ).
    Envelope {
        tag: &'static str,
        nth: usize,
        element: usize,
        value: &'static str,
    },
    /// Removes a written segment (a trailer the writer always writes).
    Drop {
        tag: &'static str,
        nth: usize,
    },
    /// Replaces the first occurrence of `find` in the written bytes.
    Text {
        find: &'static str,
        replace: &'static str,
    },
    /// Any other change to the written bytes.
    Bytes(fn(Vec<u8>) -> Vec<u8>),
}

/// The line index of the `nth` segment with tag `tag`, in lines whose elements are split by `sep`.
fn find(lines: &[String], sep: char, tag: &str, nth: usize) -> usize {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.split(sep).next() == Some(tag))
        .nth(nth - 1)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("the document has no {tag} number {nth}"))
}

/// `line` with element `element` set to `value`, splitting on `sep` (adding empty elements as needed).
fn set_element(line: &str, sep: char, element: usize, value: &str) -> String {
    let mut parts: Vec<&str> = line.split(sep).collect();
    if parts.len() <= element {
        parts.resize(element + 1, "");
    }
    parts[element] = value;
    let mut joined = parts.join(&sep.to_string());
    // The writer drops trailing empty elements; so does an edit.
    while joined.ends_with(sep) {
        joined.pop();
    }
    joined
}

fn break_check_digit(line: &str, element: usize, component: usize) -> String {
    let parts: Vec<&str> = line.split('*').collect();
    let mut components: Vec<String> = parts.get(element).unwrap_or_else(|| panic!("{line} has no element {element}")).split('>').map(str::to_string).collect();
    let key = components.get_mut(component - 1).unwrap_or_else(|| panic!("{line}: no component {component}"));
    let last = key.pop().and_then(|c| c.to_digit(10)).unwrap_or_else(|| panic!("{line}: not a GS1 key"));
    key.push(char::from_digit((last + 1) % 10, 10).expect("a digit"));
    set_element(line, '*', element, &components.join(">"))
}

impl Edit {
    fn apply_body(&self, body: &mut Vec<String>) {
        match *self {
            Edit::Set { tag, nth, element, value } => {
                let i = find(body, '*', tag, nth);
                body[i] = set_element(&body[i], '*', element, value);
            }
            Edit::BreakCheckDigit { tag, nth, element, component } => {
                let i = find(body, '*', tag, nth);
                body[i] = break_check_digit(&body[i], element, component);
            }
            Edit::Remove { tag, nth } => {
                let i = find(body, '*', tag, nth);
                body.remove(i);
            }
            Edit::InsertAfter { tag, nth, segment } => {
                let i = find(body, '*', tag, nth);
                body.insert(i + 1, segment.to_string());
            }
            _ => {}
        }
    }

    fn apply_bytes(&self, bytes: Vec<u8>, d: &Delimiters) -> Vec<u8> {
        match *self {
            Edit::Envelope { tag, nth, element, value } => written(bytes, d, |lines, sep| {
                let i = find(lines, sep, tag, nth);
                lines[i] = set_element(&lines[i], sep, element, value);
            }),
            Edit::Drop { tag, nth } => written(bytes, d, |lines, sep| {
                let i = find(lines, sep, tag, nth);
                lines.remove(i);
            }),
            Edit::Text { find, replace } => {
                let text = String::from_utf8(bytes).expect("the corpus is UTF-8");
                assert!(text.contains(find), "the document has no {find:?}");
                text.replacen(find, replace, 1).into_bytes()
            }
            Edit::Bytes(f) => f(bytes),
            _ => bytes,
        }
    }
}

/// Applies `change` to the written segments as lines without their terminators. Only for the
/// default layout (one segment per line, one-byte terminator), and no segment it touches may
/// hold a release character: the split is naive.
fn written(bytes: Vec<u8>, d: &Delimiters, change: impl FnOnce(&mut Vec<String>, char)) -> Vec<u8> {
    let text = String::from_utf8(bytes).expect("the corpus is UTF-8");
    let term = char::from(d.terminator()[0]);
    let mut lines: Vec<String> = text.lines().map(|l| l.strip_suffix(term).unwrap_or(l).to_string()).collect();
    change(&mut lines, char::from(d.element));
    lines.iter().map(|l| format!("{l}{term}\n")).collect::<String>().into_bytes()
}

/// A corpus document: `doc` in `style`, with `edits` applied.
pub fn build(doc: &str, style: &Style, edits: &[Edit]) -> Vec<u8> {
    let spec = spec(doc);
    let mut body = (spec.body)();
    for e in edits {
        e.apply_body(&mut body);
    }
    let bytes = render(spec, style, &body);
    let d = style.delimiters.unwrap_or_else(|| spec.default_delimiters());
    edits.iter().fold(bytes, |bytes, e| e.apply_bytes(bytes, &d))
}

// Byte transforms the cases use.

pub fn bom(bytes: Vec<u8>) -> Vec<u8> {
    [&b"\xEF\xBB\xBF"[..], &bytes].concat()
}

/// CR LF after every terminator instead of LF.
pub fn crlf(bytes: Vec<u8>) -> Vec<u8> {
    String::from_utf8(bytes).expect("UTF-8").replace('\n', "\r\n").into_bytes()
}

/// The fixed 80-column layout of mainframe senders: one stream cut into lines of 80 bytes, so line
/// breaks fall inside segments (and tags).
pub fn wrap80(bytes: Vec<u8>) -> Vec<u8> {
    wrap(&bytes, 80)
}

/// `bytes` without its line feeds, cut into lines of `width` bytes.
pub fn wrap(bytes: &[u8], width: usize) -> Vec<u8> {
    let stream: Vec<u8> = bytes.iter().copied().filter(|b| *b != b'\n').collect();
    stream.chunks(width).flat_map(|line| line.iter().copied().chain([b'\n'])).collect()
}

/// A line break between an EDIFACT release character and the delimiter it escapes, twice.
pub fn break_after_release(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(text.contains("?+") && text.contains("?'"), "the document escapes + and '");
    text.replacen("?+", "?\n+", 1).replacen("?'", "?\r\n'", 1).into_bytes()
}

/// What a mail gateway leaves in front of the interchange.
pub fn mail_header(bytes: Vec<u8>) -> Vec<u8> {
    [&b"Content-Type: application/EDI-X12\r\n\r\n"[..], &bytes].concat()
}

/// The file cut off in the middle of the second PO1.
pub fn cut_in_second_po1(bytes: Vec<u8>) -> Vec<u8> {
    let cut = b"PO1*2*8*EA*12.4";
    let at = bytes.windows(cut.len()).position(|w| w == cut).expect("the second PO1") + cut.len();
    bytes[..at].to_vec()
}

/// The last terminator (and the line break after it) removed.
pub fn drop_final_terminator(bytes: Vec<u8>) -> Vec<u8> {
    let mut bytes = bytes;
    assert_eq!(bytes.pop(), Some(b'\n'));
    bytes.pop();
    bytes
}

/// The UNA line removed: the interchange relies on EDIFACT's default delimiters.
pub fn without_una(bytes: Vec<u8>) -> Vec<u8> {
    assert!(bytes.starts_with(b"UNA:+.? '\n"), "the default UNA opens the document");
    bytes[10..].to_vec()
}

/// A second interchange appended, with other delimiters (`|` `^` `!`) and another set.
pub fn append_855_in_other_delimiters(bytes: Vec<u8>) -> Vec<u8> {
    let other = build("855", &Style { delimiters: Some(pipe_caret_bang()), ..Style::default() }, &[]);
    [bytes, other].concat()
}

/// X12 with `|` between elements, `^` between components and `!` ending segments.
pub fn pipe_caret_bang() -> Delimiters {
    Delimiters::new(b'|', b'^', None, None, b"!")
}
