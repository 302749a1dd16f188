//! `Document::parse` then `write` reproduces the input byte for byte; the mappers take every set
//! without panicking; the canonical `Writer` fed the parsed values writes trailers that count right.
#![no_main]

use acorn_edi::{Document, Tokenizer};
use acorn_edi_fuzz::rewrite;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else { return };
    assert_eq!(doc.write(), data, "an unedited document writes back exactly");
    let Ok(report) = acorn_edi::envelope::check(data) else { return };
    let Ok(tokens) = Tokenizer::new(data) else { return };
    let all: Vec<_> = tokens.collect();
    for ic in &report.interchanges {
        for group in &ic.groups {
            for set in &group.sets {
                let segs = acorn_edi::map::set_segments(&all, set);
                let _ = acorn_edi::map::map_inbound(segs);
                rewrite(segs);
            }
        }
    }
});
