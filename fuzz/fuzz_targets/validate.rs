//! Validation with the built-in guides, in memory and streamed, must find the same; the
//! acknowledgements (997, 999, CONTRL), the JSON view and the findings' text must not panic.
#![no_main]

use acorn_edi::{AckKind, GuideSet};
use acorn_edi_fuzz::{Chunked, STREAM_WINDOW, ack_ids};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let guides = GuideSet::builtin();
    let slice = acorn_edi::validate(data, &guides);
    let stream = acorn_edi::validate_stream(Chunked::new(data), &guides, |_| {});
    if data.len() < STREAM_WINDOW {
        match (&slice, &stream) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.findings, b.findings, "slice and stream findings differ");
                assert_eq!(a.interchanges, b.interchanges, "slice and stream envelopes differ");
                assert_eq!(a.segments, b.segments);
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("slice {:?} but stream {:?}", a.as_ref().map(|v| v.segments), b.as_ref().map(|v| v.segments)),
        }
    }
    if let Ok(v) = &slice {
        for f in &v.findings {
            let _ = f.to_string();
        }
        let _ = v.is_valid();
        for i in 0..v.interchanges.len() {
            let _ = v.interchange_verdict(i);
            for g in 0..v.interchanges[i].groups.len() {
                let _ = v.group_verdict(i, g);
            }
            for kind in [AckKind::Fa997, AckKind::Ia999] {
                if let Ok(Some(ack)) = acorn_edi::x12_acks(v, i, kind, &ack_ids()) {
                    // An acknowledgement ACORN writes must itself be a well-formed interchange.
                    let report = acorn_edi::envelope::check(&ack).expect("the acknowledgement is an interchange");
                    assert!(report.findings.iter().all(|f| !f.is_error()), "997/999 envelope errors: {:?}", report.findings);
                }
            }
            if let Ok(Some(ack)) = acorn_edi::contrl(v, i, &ack_ids()) {
                let report = acorn_edi::envelope::check(&ack).expect("the CONTRL is an interchange");
                assert!(report.findings.iter().all(|f| !f.is_error()), "CONTRL envelope errors: {:?}", report.findings);
            }
        }
    }
    let _ = acorn_edi::to_json(data);
    let _ = acorn_edi::read_acks(data);
});
