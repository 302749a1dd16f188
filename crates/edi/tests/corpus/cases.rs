//! The corpus: every generated document, and one mutation per edge case, each with the verdict
//! the engine must reach — written here by hand, never taken from the engine's output.
//!
//! Positions follow the documents in `generate.rs`. The 850: ST 1, BEG 2, CUR 3, REF 4–5, FOB 6,
//! CSH 7, DTM 8–9, N1 10, N3 11, N4 12, PO1 13 (CTP 14, PID 15), PO1 16 (CTP 17, PID 18), PO1 19,
//! PO1 20, CTT 21, SE 22. The 5010 856: ST 1, BSN 2, DTM 3–4, HL 1 at 5 (shipment: TD1, TD5, REF,
//! N1, N1, N3, N4 at 6–12), HL 2 at 13 (order, PRF 14), HL 3 at 15 (pallet, MAN 16), HL 4 at 17
//! (carton, MAN 18), HL 5 at 19 (item, LIN 20, SN1 21), HL 6 at 22 (carton, MAN 23), HL 7 at 24
//! (item, LIN 25, SN1 26), CTT 27, SE 28. ORDERS: UNH 1, BGM 2, DTM 3–5, FTX 6, RFF 7, NAD 8–10,
//! CUX 11, LIN 12 (PIA, IMD, QTY, PRI 13–16), LIN 17 (18–21), UNS 22, CNT 23, UNT 24. DESADV:
//! UNH 1, BGM 2, DTM 3–4, RFF 5, NAD 6–7, CPS 8, CPS 9 (PAC, PCI, GIN 10–12), CPS 13 (PAC, PCI,
//! GIN 14–16), LIN 17, QTY 18, RFF 19, CNT 20, UNT 21. The 999: ST 1, AK1 2, AK2 3, IK3 4, CTX 5,
//! IK4 6, IK5 7, AK9 8, SE 9.

use acorn_edi::Delimiters;

use super::edit::{self, Edit};
use super::generate::{SETS, Style};
use super::verdict::{At, Case, Expect, at};

fn case(name: &'static str, doc: &'static str, edits: Vec<Edit>, expect: Expect) -> Case {
    Case { name, doc, style: Style::default(), edits, expect }
}

fn styled(name: &'static str, doc: &'static str, style: Style, edits: Vec<Edit>, expect: Expect) -> Case {
    Case { name, doc, style, edits, expect }
}

fn valid() -> Expect {
    Expect::Valid { warnings: vec![] }
}

fn invalid(errors: Vec<At>) -> Expect {
    Expect::Invalid(errors)
}

fn delimiters(d: Delimiters) -> Style {
    Style { delimiters: Some(d), ..Style::default() }
}

/// An error inside set 0001 of an X12 document.
fn x12(rule: &'static str, position: usize, tag: &'static str) -> At {
    at(rule).set("0001").pos(position).tag(tag)
}

/// An error inside message 1 of an EDIFACT document.
fn edi(rule: &'static str, position: usize, tag: &'static str) -> At {
    at(rule).set("1").pos(position).tag(tag)
}

pub fn cases() -> Vec<Case> {
    use Edit::*;
    let mut cases: Vec<Case> = SETS.iter().map(|s| case(s.name, s.name, vec![], valid())).collect();
    cases.extend([
        // Check digits.
        case(
            "gtin_check_digit",
            "850",
            vec![BreakCheckDigit { tag: "PO1", nth: 1, element: 7, component: 1 }],
            invalid(vec![x12("check_digit", 13, "PO1").el(7)]),
        ),
        case(
            "sscc_check_digit",
            "856-5010",
            vec![BreakCheckDigit { tag: "MAN", nth: 2, element: 2, component: 1 }],
            invalid(vec![x12("check_digit", 18, "MAN").el(2)]),
        ),
        case(
            "edifact_gtin_check_digit",
            "ORDERS",
            vec![BreakCheckDigit { tag: "LIN", nth: 1, element: 3, component: 1 }],
            invalid(vec![edi("check_digit", 12, "LIN").el(3).comp(1)]),
        ),
        case(
            "edifact_sscc_check_digit",
            "DESADV",
            vec![BreakCheckDigit { tag: "GIN", nth: 2, element: 2, component: 1 }],
            invalid(vec![edi("check_digit", 16, "GIN").el(2).comp(1)]),
        ),
        // Envelope counts and control numbers.
        case("se01_count_wrong", "850", vec![Envelope { tag: "SE", nth: 1, element: 1, value: "21" }], invalid(vec![x12("count_mismatch", 22, "SE").el(1)])),
        case("ge01_count_wrong", "850", vec![Envelope { tag: "GE", nth: 1, element: 1, value: "2" }], invalid(vec![at("count_mismatch").tag("GE").el(1)])),
        case("iea01_count_wrong", "850", vec![Envelope { tag: "IEA", nth: 1, element: 1, value: "2" }], invalid(vec![at("count_mismatch").tag("IEA").el(1)])),
        case(
            "st02_differs_from_se02",
            "850",
            vec![Envelope { tag: "SE", nth: 1, element: 2, value: "0002" }],
            invalid(vec![x12("control_number_mismatch", 22, "SE").el(2)]),
        ),
        case(
            "gs06_differs_from_ge02",
            "850",
            vec![Envelope { tag: "GE", nth: 1, element: 2, value: "102" }],
            invalid(vec![at("control_number_mismatch").tag("GE").el(2)]),
        ),
        case(
            "isa13_differs_from_iea02",
            "850",
            vec![Envelope { tag: "IEA", nth: 1, element: 2, value: "000000102" }],
            invalid(vec![at("control_number_mismatch").tag("IEA").el(2)]),
        ),
        case(
            "unt_count_wrong",
            "ORDERS",
            vec![Envelope { tag: "UNT", nth: 1, element: 1, value: "23" }],
            invalid(vec![edi("count_mismatch", 24, "UNT").el(1)]),
        ),
        case(
            "unh_differs_from_unt",
            "ORDERS",
            vec![Envelope { tag: "UNT", nth: 1, element: 2, value: "2" }],
            invalid(vec![edi("control_number_mismatch", 24, "UNT").el(2)]),
        ),
        case("unz_count_wrong", "ORDERS", vec![Envelope { tag: "UNZ", nth: 1, element: 1, value: "2" }], invalid(vec![at("count_mismatch").tag("UNZ").el(1)])),
        case(
            "unz_reference_wrong",
            "ORDERS",
            vec![Envelope { tag: "UNZ", nth: 1, element: 2, value: "102" }],
            invalid(vec![at("control_number_mismatch").tag("UNZ").el(2)]),
        ),
        styled(
            "duplicate_st02_in_group",
            "850",
            Style { controls: Some(vec!["0001", "0001"]), ..Style::default() },
            vec![],
            invalid(vec![x12("duplicate_control_number", 1, "ST").el(2)]),
        ),
        // The set's trailer never comes: the group trailer reveals it, and is not part of the set.
        case("missing_se", "850", vec![Drop { tag: "SE", nth: 1 }], invalid(vec![at("missing_trailer").set("0001").tag("GE")])),
        case("missing_terminator_at_end", "850", vec![Bytes(edit::drop_final_terminator)], invalid(vec![at("missing_terminator").tag("IEA")])),
        // Cut inside the second PO1: that segment is unterminated, the mandatory CTT loop never
        // comes (noticed after the last segment there is), and the set has no trailer.
        case(
            "truncated_file",
            "850",
            vec![Bytes(edit::cut_in_second_po1)],
            invalid(vec![x12("missing_terminator", 16, "PO1"), x12("mandatory_segment_missing", 16, "CTT"), at("missing_trailer").set("0001")]),
        ),
        // Hierarchy (HL 5 is the item under carton HL 4, at position 19).
        case(
            "hl_parent_nonexistent",
            "856-5010",
            vec![Set { tag: "HL", nth: 5, element: 2, value: "9" }],
            invalid(vec![x12("hierarchy_parent", 19, "HL").el(2)]),
        ),
        case("hl_parent_forward", "856-5010", vec![Set { tag: "HL", nth: 5, element: 2, value: "6" }], invalid(vec![x12("hierarchy_parent", 19, "HL").el(2)])),
        case(
            "hl_level_under_wrong_parent",
            "856-5010",
            vec![Set { tag: "HL", nth: 5, element: 3, value: "O" }],
            invalid(vec![x12("hierarchy_parent", 19, "HL").el(2)]),
        ),
        case("hl_ids_out_of_order", "856-5010", vec![Set { tag: "HL", nth: 7, element: 1, value: "6" }], invalid(vec![x12("hierarchy_order", 24, "HL").el(1)])),
        // HL 5 claims children, but HL 6 hangs under the pallet: the finding points at HL 5.
        case(
            "hl04_child_code_wrong",
            "856-5010",
            vec![Set { tag: "HL", nth: 5, element: 4, value: "1" }],
            invalid(vec![x12("hierarchy_child_code", 19, "HL").el(4)]),
        ),
        case("ctt01_wrong", "850", vec![Set { tag: "CTT", nth: 1, element: 1, value: "5" }], invalid(vec![x12("summary_count", 21, "CTT").el(1)])),
        case("ctt01_wrong_856", "856-5010", vec![Set { tag: "CTT", nth: 1, element: 1, value: "6" }], invalid(vec![x12("summary_count", 27, "CTT").el(1)])),
        case("cnt_wrong", "ORDERS", vec![Set { tag: "CNT", nth: 1, element: 1, value: "2>3" }], invalid(vec![edi("summary_count", 23, "CNT").el(1).comp(2)])),
        // Codes and elements.
        case("enforced_code_unknown", "850", vec![Set { tag: "BEG", nth: 1, element: 2, value: "XX" }], invalid(vec![x12("invalid_code", 2, "BEG").el(2)])),
        case(
            "missing_mandatory_element",
            "850",
            vec![Set { tag: "BEG", nth: 1, element: 3, value: "" }],
            invalid(vec![x12("mandatory_element_missing", 2, "BEG").el(3)]),
        ),
        case(
            "missing_mandatory_component",
            "ORDERS",
            vec![Set { tag: "QTY", nth: 1, element: 1, value: "21" }],
            invalid(vec![edi("mandatory_element_missing", 15, "QTY").el(1).comp(2)]),
        ),
        case(
            "element_too_long",
            "850",
            vec![Set { tag: "BEG", nth: 1, element: 3, value: "4QX7R2ZP4QX7R2ZP4QX7R2Z" }],
            invalid(vec![x12("element_too_long", 2, "BEG").el(3)]),
        ),
        case("invalid_date", "850", vec![Set { tag: "BEG", nth: 1, element: 5, value: "20260230" }], invalid(vec![x12("invalid_date", 2, "BEG").el(5)])),
        case("invalid_time", "850", vec![Set { tag: "DTM", nth: 1, element: 3, value: "2575" }], invalid(vec![x12("invalid_time", 8, "DTM").el(3)])),
        case(
            "invalid_number",
            "ORDERS",
            vec![Set { tag: "QTY", nth: 1, element: 1, value: "21>1O" }],
            invalid(vec![edi("invalid_number", 15, "QTY").el(1).comp(2)]),
        ),
        // N1 P0304: an ID code qualifier without the ID code.
        case(
            "paired_elements_violated",
            "850",
            vec![Set { tag: "N1", nth: 1, element: 4, value: "" }],
            invalid(vec![x12("conditional_element_missing", 10, "N1").el(4)]),
        ),
        case("too_many_elements", "850", vec![Set { tag: "CSH", nth: 1, element: 5, value: "X" }], invalid(vec![x12("too_many_elements", 7, "CSH").el(5)])),
        case(
            "simple_element_with_components",
            "850",
            vec![Set { tag: "CSH", nth: 1, element: 1, value: "N>Y" }],
            invalid(vec![x12("too_many_components", 7, "CSH").el(1)]),
        ),
        // Structure.
        case("missing_mandatory_segment", "850", vec![Remove { tag: "CSH", nth: 1 }], invalid(vec![x12("mandatory_segment_missing", 7, "CSH")])),
        case(
            "segment_out_of_order",
            "850",
            vec![Remove { tag: "CUR", nth: 1 }, InsertAfter { tag: "REF", nth: 2, segment: "CUR*BY*USD" }],
            invalid(vec![x12("segment_out_of_order", 5, "CUR")]),
        ),
        case("loop_over_maximum", "850", vec![InsertAfter { tag: "CTT", nth: 1, segment: "CTT*4*28" }], invalid(vec![x12("loop_over_maximum", 22, "CTT")])),
        case(
            "segment_over_maximum",
            "850",
            vec![InsertAfter { tag: "N3", nth: 1, segment: "N3*DOCK 14" }, InsertAfter { tag: "N3", nth: 2, segment: "N3*GATE 4" }],
            invalid(vec![x12("segment_over_maximum", 13, "N3")]),
        ),
        case(
            "unrecognized_segment",
            "850",
            vec![InsertAfter { tag: "CSH", nth: 1, segment: "NTE*GEN*CALL BEFORE DELIVERY" }],
            invalid(vec![x12("unrecognized_segment", 8, "NTE")]),
        ),
        case("unexpected_segment", "850", vec![InsertAfter { tag: "CSH", nth: 1, segment: "N3*NOWHERE" }], invalid(vec![x12("unexpected_segment", 8, "N3")])),
        // Layouts and delimiters that are valid.
        case(
            "isa_nonstandard_length",
            "850",
            vec![Envelope { tag: "ISA", nth: 1, element: 6, value: "AMAZON" }],
            Expect::Valid { warnings: vec!["isa_layout"] },
        ),
        case("bom_at_start", "850", vec![Bytes(edit::bom)], valid()),
        case("crlf_after_terminators", "850", vec![Bytes(edit::crlf)], valid()),
        case("wrapped_80_columns_x12", "850", vec![Bytes(edit::wrap80)], valid()),
        case("wrapped_80_columns_edifact", "ORDERS", vec![Bytes(edit::wrap80)], valid()),
        case("wrapped_between_release_and_delimiter", "ORDERS", vec![Bytes(edit::break_after_release)], valid()),
        styled("custom_delimiters_x12", "855", delimiters(edit::pipe_caret_bang()), vec![], valid()),
        styled("una_with_other_delimiters", "ORDERS", delimiters(Delimiters::new(b'*', b'=', None, Some(b'#'), b"~")), vec![], valid()),
        case("edifact_without_una", "ORDCHG", vec![Bytes(edit::without_una)], valid()),
        case(
            "release_characters_escape_every_delimiter",
            "ORDERS",
            vec![InsertAfter { tag: "FTX", nth: 1, segment: "FTX*AAI***IT'S 50% OFF: BUY 2+1? YES" }],
            valid(),
        ),
        styled("multibyte_terminator", "846", delimiters(Delimiters::new(b'*', b'>', None, None, "…".as_bytes())), vec![], valid()),
        styled("newline_terminator", "810", delimiters(Delimiters::new(b'*', b'>', None, None, b"\n")), vec![], valid()),
        case("repetition_separator_5010", "999", vec![Text { find: "CTX*SHIPMENT*", replace: "CTX*SHIPMENT^PACK>4^ITEM*" }], valid()),
        case(
            "too_many_repetitions_5010",
            "999",
            vec![Text { find: "CTX*SHIPMENT*", replace: "CTX*A^B^C^D^E^F^G^H^I^J^K*" }],
            invalid(vec![x12("too_many_repetitions", 5, "CTX").el(1)]),
        ),
        styled("test_interchange", "850", Style { test: true, ..Style::default() }, vec![], valid()),
        case("second_interchange_other_delimiters", "850", vec![Bytes(edit::append_855_in_other_delimiters)], valid()),
        // Not an interchange.
        case("garbage_before_isa", "850", vec![Bytes(edit::mail_header)], Expect::Refused("unknown_start")),
    ]);
    cases
}
