//! Every valid corpus document writes back byte for byte through the owned [`Document`], and an
//! edit with [`Document::set_value`] changes the bytes of exactly the element edited.

use acorn_edi::{Document, Segment, Standard, Tokenizer};

use super::cases::cases;
use super::verdict::{Case, Expect};

fn valid_documents() -> Vec<(&'static str, Vec<u8>)> {
    let cases: Vec<Case> = cases();
    let valid: Vec<_> = cases.iter().filter(|c| matches!(c.expect, Expect::Valid { .. })).map(|c| (c.name, c.bytes())).collect();
    assert!(valid.len() > 20, "the corpus has its valid documents");
    valid
}

#[test]
fn every_valid_document_writes_back_byte_for_byte() {
    for (name, input) in valid_documents() {
        let doc = Document::parse(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(doc.write() == input, "{name}: the written document differs from the input");
    }
}

/// The byte range of element `n` of `seg` in `input`.
fn element_range(input: &[u8], seg: &Segment<'_>, n: usize) -> (usize, usize) {
    let raw = seg.element(n).expect("the element exists").raw();
    // `raw` borrows from `input`: its offset is the distance between the two pointers.
    let start = raw.as_ptr() as usize - input.as_ptr() as usize;
    (start, start + raw.len())
}

/// The range of `before` that `after` replaced: bytes outside it are the same in both.
fn changed_range(before: &[u8], after: &[u8]) -> (usize, usize) {
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let room = before.len().min(after.len()) - prefix;
    let suffix = before.iter().rev().zip(after.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    (prefix, before.len() - suffix)
}

#[test]
fn an_edit_changes_exactly_the_element_edited() {
    let mut edits = 0;
    for (name, input) in valid_documents() {
        let segments: Vec<Segment<'_>> = Tokenizer::new(&input).expect("detects").collect();
        for (index, seg) in segments.iter().enumerate() {
            // The ISA's last element is the component separator; the UNA is fixed-format.
            if seg.is_service_advice() || seg.is("ISA") || seg.element_count() == 0 {
                continue;
            }
            // A value with EDIFACT delimiters in it, which the edit must escape.
            let standard = if seg.delimiters().release.is_some() { Standard::Edifact } else { Standard::X12 };
            let value = if standard == Standard::Edifact { "NEW+VALUE:WITH'MARKS?" } else { "NEW VALUE" };
            for n in [1, seg.element_count()] {
                let (start, end) = element_range(&input, seg, n);
                let mut doc = Document::parse(&input).expect("parses");
                doc.set_value(index, n, value).unwrap_or_else(|e| panic!("{name}: segment {index} element {n}: {e}"));
                let output = doc.write();
                let (from, to) = changed_range(&input, &output);
                assert!(start <= from && to <= end, "{name}: editing {}{n:02} (bytes {start}..{end}) changed bytes {from}..{to}", seg.tag_str());
                let edited = Tokenizer::new(&output).expect("detects").nth(index).expect("the segment is still there");
                assert_eq!(edited.text(n), value, "{name}: {}{n:02} reads back", seg.tag_str());
                edits += 1;
            }
        }
    }
    assert!(edits > 500, "{edits} edits");
}
