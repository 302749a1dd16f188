//! The public sample files in `../shared/edi-samples` (provenance in its SOURCES.md, never copied
//! into the repository): a declared verdict for every one, checked against the built-in guides.
//! docs/edi-samples.md explains each verdict.
//!
//! A refused file declares the set of error rules the engine reports and where its first error
//! is; a file whose name says `fail` (a negative fixture of its library) must be refused. A sample
//! added to the directory without a verdict here fails the test, and so does a missing directory.

use std::path::PathBuf;

use acorn_edi::{Finding, GuideSet, validate};

use super::verdict::{At, at};

enum Verdict {
    /// No error (warnings allowed: several samples have an ISA that is not 106 bytes).
    Valid,
    /// Errors with exactly these rule codes, the first of them (in input order) at `first`.
    Refused { codes: &'static [&'static str], first: At },
}

use Verdict::{Refused, Valid};

fn refused(codes: &'static [&'static str], first: At) -> Verdict {
    Refused { codes, first }
}

fn table() -> Vec<(&'static str, Verdict)> {
    vec![
        (
            "edinet__edifact.ORDRSP.edi",
            refused(&["control_number_mismatch", "count_mismatch", "unsupported_set"], at("unsupported_set").set("9IMX20YSP0009").pos(1).tag("UNH").el(2)),
        ),
        (
            "edinet__x12.810a.edi",
            refused(&["segment_out_of_order", "unexpected_segment", "unrecognized_segment"], at("segment_out_of_order").set("0001").pos(30).tag("N1")),
        ),
        (
            "edinet__x12.850.edi",
            refused(&["control_number_mismatch", "invalid_code", "mandatory_segment_missing"], at("invalid_code").set("0003").pos(2).tag("BEG").el(2)),
        ),
        (
            "edinet__x12.850a.edi",
            refused(
                &["control_number_mismatch", "element_too_long", "invalid_code", "mandatory_segment_missing", "unrecognized_segment"],
                at("invalid_code").set("0001").pos(2).tag("BEG").el(2),
            ),
        ),
        ("nodex12__850.edi", refused(&["invalid_code", "mandatory_segment_missing"], at("invalid_code").set("000000010").pos(2).tag("BEG").el(2))),
        ("nodex12__850_2.edi", refused(&["invalid_code", "mandatory_segment_missing"], at("invalid_code").set("000000010").pos(2).tag("BEG").el(2))),
        ("nodex12__850_3.edi", refused(&["invalid_code", "mandatory_segment_missing"], at("mandatory_segment_missing").set("8830").pos(3).tag("REF"))),
        ("nodex12__855.edi", refused(&["invalid_code"], at("invalid_code").set("0005").pos(10).tag("PO1").el(8))),
        ("nodex12__856.edi", refused(&["unsupported_set"], at("unsupported_set").set("0008").pos(1).tag("ST").el(1))),
        ("phpedifact__D96ADESADV.edi", refused(&["unsupported_set"], at("unsupported_set").set("142").pos(1).tag("UNH").el(2))),
        ("phpedifact__example_order_ok.edi", refused(&["unsupported_set"], at("unsupported_set").set("2019265563").pos(1).tag("UNH").el(2))),
        (
            "phpedifact__example_release_character.edi",
            refused(&["count_mismatch", "unsupported_set", "unsupported_syntax"], at("unsupported_syntax").tag("UNB").el(1)),
        ),
        ("phpedifact__example_wrapped.edi", refused(&["unsupported_set", "unsupported_syntax"], at("unsupported_syntax").tag("UNB").el(1))),
        ("staedi__EDIFACT_invoic_d97b_una.edi", refused(&["unsupported_set"], at("unsupported_set").set("00000000000117").pos(1).tag("UNH").el(2))),
        ("staedi__EDIFACT_orders-with-group.edi", refused(&["count_mismatch", "unsupported_set"], at("unsupported_set").set("1").pos(1).tag("UNH").el(2))),
        ("staedi__EDIFACT_wrapped_invoic_d97b_una.edi", refused(&["unsupported_set"], at("unsupported_set").set("00000000000117").pos(1).tag("UNH").el(2))),
        (
            "staedi__extraDelimiter997.edi",
            refused(
                &["element_too_long", "invalid_number", "too_many_components", "too_many_repetitions"],
                at("invalid_number").set("0001").pos(4).tag("AK3").el(2),
            ),
        ),
        ("staedi__invalid997.edi", refused(&["element_too_long", "invalid_number"], at("element_too_long").set("0001").pos(2).tag("AK1").el(1))),
        (
            "staedi__invoice810_po850_dual.edi",
            refused(&["invalid_code", "unrecognized_segment", "unsupported_set"], at("invalid_code").set("000000001").pos(14).tag("IT1").el(6)),
        ),
        ("staedi__simple810.edi", refused(&["invalid_code", "unrecognized_segment"], at("invalid_code").set("000000001").pos(14).tag("IT1").el(6))),
        ("staedi__simple997.edi", Valid),
        ("staedi__simple999.edi", Valid),
        ("staedi__ts210_80char.edi", refused(&["unsupported_set"], at("unsupported_set").set("1305").pos(1).tag("ST").el(1))),
        ("staedi__ts214_ellipses_segterm.edi", refused(&["unsupported_set"], at("unsupported_set").set("757760001").pos(1).tag("ST").el(1))),
        ("stupidedi__004010_FA997_pass1.edi", Valid),
        (
            "stupidedi__004010_IN810_pass1.edi",
            refused(&["invalid_code", "mandatory_element_missing"], at("invalid_code").set("5639689").pos(7).tag("IT1").el(10)),
        ),
        ("stupidedi__004010_PO850_pass1.edi", refused(&["mandatory_segment_missing"], at("mandatory_segment_missing").set("0001").pos(3).tag("REF"))),
        (
            "stupidedi__004010_PR855_fail2.edi",
            refused(
                &["control_number_mismatch", "control_number_syntax", "element_too_long", "envelope_structure", "envelope_value", "isa_layout"],
                at("isa_layout").tag("ISA"),
            ),
        ),
        (
            "stupidedi__004010_PR855_pass1.edi",
            refused(&["invalid_code", "mandatory_segment_missing"], at("invalid_code").set("000002015").pos(2).tag("BAK").el(2)),
        ),
        (
            "stupidedi__004010_SH856_fail2.edi",
            refused(
                &["count_mismatch", "element_too_long", "hierarchy_parent", "segment_out_of_order", "summary_count", "too_many_elements"],
                at("element_too_long").set("0000001").pos(11).tag("N1").el(5),
            ),
        ),
        ("x12types__004010_850.edi", refused(&["invalid_code", "mandatory_segment_missing"], at("invalid_code").set("000000001").pos(2).tag("BEG").el(2))),
        ("x12types__004060_856.edi", refused(&["missing_terminator", "unsupported_set"], at("unsupported_set").set("0008").pos(1).tag("ST").el(1))),
    ]
}

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/edi-samples")
}

fn check(name: &str, input: &[u8], verdict: &Verdict) -> Result<(), String> {
    let v = validate(input, &GuideSet::builtin()).map_err(|e| format!("{name}: not detected as an interchange: {e}"))?;
    let errors: Vec<&Finding> = v.errors().collect();
    let shown = || errors.iter().take(5).map(|f| format!("    {f}")).collect::<Vec<_>>().join("\n");
    match verdict {
        Valid if errors.is_empty() => Ok(()),
        Valid => Err(format!("{name}: declared valid, but:\n{}", shown())),
        Refused { codes, first } => {
            let mut got: Vec<&str> = errors.iter().map(|f| f.rule.code()).collect();
            got.sort_unstable();
            got.dedup();
            if got == *codes && errors.first().is_some_and(|f| first.matches(f)) {
                Ok(())
            } else {
                Err(format!("{name}: declared {codes:?} with the first at {first}; the engine reports {got:?}:\n{}", shown()))
            }
        }
    }
}

#[test]
fn every_public_sample_gets_its_declared_verdict() {
    let dir = samples_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!("the public EDI samples are missing at {} ({e}); they live in shared/edi-samples next to the repository, as in CI", dir.display())
    });
    let mut files: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".edi")).collect();
    files.sort();
    let table = table();
    let declared: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, declared, "every sample file has a declared verdict, and every declared verdict a file");
    let mut failures = Vec::new();
    for (name, verdict) in &table {
        if name.contains("fail") {
            assert!(matches!(verdict, Refused { .. }), "{name} is a negative fixture: it must be declared refused");
        }
        let input = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(e) = check(name, &input, verdict) {
            failures.push(e);
        }
    }
    let valid = table.iter().filter(|(_, v)| matches!(v, Valid)).count();
    println!("{}/{} samples as declared ({valid} valid, {} refused)", table.len() - failures.len(), table.len(), table.len() - valid);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
