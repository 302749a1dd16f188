//! The slice `Tokenizer` and the `StreamTokenizer` (fed in small chunks) over the same bytes must
//! yield the same segments: offsets, raw bytes, trailers, indexes and termination.
#![no_main]

use acorn_edi::{StreamTokenizer, Tokenizer};
use acorn_edi_fuzz::{Chunked, STREAM_WINDOW};
use libfuzzer_sys::fuzz_target;

type Seg = (usize, usize, Vec<u8>, Vec<u8>, bool, usize);

fuzz_target!(|data: &[u8]| {
    let slice: Option<(Vec<Seg>, usize, usize)> = Tokenizer::new(data).ok().map(|mut t| {
        let prefix = t.prefix().len();
        let segs: Vec<Seg> =
            t.by_ref().map(|s| (s.offset(), s.index(), s.raw().to_vec(), s.trailer().to_vec(), s.is_terminated(), s.element_count())).collect();
        // Every byte is in the prefix, a segment or the suffix.
        let covered = prefix + segs.iter().map(|s| s.2.len() + s.3.len()).sum::<usize>() + t.suffix().len();
        assert_eq!(covered, data.len(), "the slice tokenizer keeps every byte");
        (segs, prefix, t.suffix().len())
    });
    let mut stream = StreamTokenizer::new(Chunked::new(data));
    let mut got: Vec<Seg> = Vec::new();
    let mut failed = false;
    loop {
        match stream.next_segment() {
            Ok(Some(s)) => got.push((s.offset(), s.index(), s.raw().to_vec(), s.trailer().to_vec(), s.is_terminated(), s.element_count())),
            Ok(None) => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    // The stream looks at most STREAM_WINDOW bytes ahead to detect delimiters; below that the two
    // see the same bytes and must agree exactly.
    if data.len() < STREAM_WINDOW {
        match slice {
            Some((segs, _, _)) => {
                assert!(!failed, "the stream failed where the slice tokenised");
                assert_eq!(got, segs, "stream and slice disagree");
            }
            None => assert!(failed, "the stream tokenised an input the slice refused"),
        }
    }
});
