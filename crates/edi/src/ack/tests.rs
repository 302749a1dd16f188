//! Acknowledgements end to end: validate a small interchange, add findings, write the ack, check its
//! envelope, and read it back.

use super::*;
use crate::report::{Location, Rule, Scope};
use crate::validate::{EnvelopeOnly, Verdict, validate};

/// Two 810s from a vendor to ACORN.
const TWO_INVOICES: &str = "ISA*00*          *00*          *ZZ*VENDOR1        *ZZ*ACORN          *260101*1200*U*00401*000000001*0*P*>~\
GS*IN*VENDAPP*ACORNAPP*20260101*1200*7*X*004010~\
ST*810*0001~BIG*20260101*INV1**PO1~SE*3*0001~\
ST*810*0002~BIG*20260101*INV2**PO2~SE*3*0002~\
GE*2*7~IEA*1*000000001~";

const EDIFACT_INVOICES: &str = "UNA:+.? 'UNB+UNOC:3+VENDOR1:14+ACORN:14+260101:1200+REF1++++1'\
UNH+1+INVOIC:D:96A:UN'BGM+380+INV1+9'UNT+3+1'\
UNH+2+INVOIC:D:96A:UN'BGM+380+INV2+9'UNT+3+2'UNZ+2+REF1'";

fn validated(input: &str) -> Validation {
    validate(input.as_bytes(), &EnvelopeOnly).unwrap()
}

fn ids(v: &Validation) -> AckIds {
    AckIds::reply_to(&v.interchanges[0], 42, 9, "20260102", "0800")
}

/// A location in set `set` of the first group of the first interchange.
fn at(set: usize, position: usize, tag: &str, element: Option<usize>) -> Location {
    Location {
        interchange_index: Some(0),
        group_index: Some(0),
        set_index: Some(set),
        segment_position: Some(position),
        segment_tag: Some(tag.into()),
        element,
        ..Location::default()
    }
}

/// The ack as text, after checking that its own envelope is clean.
fn text(ack: Option<Vec<u8>>) -> String {
    let bytes = ack.expect("an acknowledgement");
    let report = crate::envelope::check(&bytes).unwrap();
    assert!(report.findings.is_empty(), "{:?}\n{}", report.findings, String::from_utf8_lossy(&bytes));
    String::from_utf8(bytes).unwrap()
}

fn x12(v: &Validation, kind: AckKind) -> String {
    text(x12_acks(v, 0, kind, &ids(v)).unwrap())
}

#[test]
fn a_valid_interchange_gets_an_accepting_997_addressed_back() {
    let v = validated(TWO_INVOICES);
    assert_eq!(
        x12(&v, AckKind::Fa997),
        "ISA*00*          *00*          *ZZ*ACORN          *ZZ*VENDOR1        *260102*0800*U*00401*000000042*0*P*>~\n\
GS*FA*ACORNAPP*VENDAPP*20260102*0800*9*X*004010~\n\
ST*997*0001~\nAK1*IN*7~\nAK2*810*0001~\nAK5*A~\nAK2*810*0002~\nAK5*A~\nAK9*A*2*2*2~\nSE*8*0001~\n\
GE*1*9~\nIEA*1*000000042~\n"
    );
}

#[test]
fn an_element_error_rejects_its_set_and_partially_accepts_the_group() {
    let mut v = validated(TWO_INVOICES);
    let mut loc = at(1, 2, "BIG", Some(4));
    loc.element_ref = Some("324".into());
    loc.loop_id = Some("BIG".into());
    v.findings.push(Finding::error(Scope::Set, Rule::ElementTooLong, loc, "too long").with_value("PO2XXXXXXXXXXXXXXXXXXXXXX"));
    let mut comp = at(1, 2, "BIG", Some(5));
    comp.component = Some(2);
    v.findings.push(Finding::error(Scope::Set, Rule::InvalidCode, comp, "bad code").with_value("Q*Z"));
    assert_eq!(v.group_verdict(0, 0), Verdict::PartiallyAccepted);
    let out = x12(&v, AckKind::Fa997);
    assert!(
        out.contains("AK2*810*0001~\nAK5*A~\nAK2*810*0002~\nAK3*BIG*2*BIG*8~\nAK4*4*324*5*PO2XXXXXXXXXXXXXXXXXXXXXX~\nAK4*5>2**7~\nAK5*R*5~\nAK9*P*2*2*1~\n"),
        "{out}"
    );
}

#[test]
fn segment_errors_get_their_own_codes_in_position_order() {
    let mut v = validated(TWO_INVOICES);
    v.findings.push(Finding::error(Scope::Set, Rule::SegmentOutOfOrder, at(0, 2, "BIG", None), "late"));
    v.findings.push(Finding::error(Scope::Set, Rule::UnexpectedSegment, at(0, 2, "BIG", None), "unexpected"));
    v.findings.push(Finding::warning(Scope::Set, Rule::MandatorySegmentMissing, at(1, 1, "ST", None), "no N1"));
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("AK2*810*0001~\nAK3*BIG*2**7~\nAK3*BIG*2**2~\nAK5*R*5~\n"), "{out}");
    // A warning accepts the set with errors noted.
    assert!(out.contains("AK2*810*0002~\nAK3*ST*1**3~\nAK5*E*5~\nAK9*P*2*2*1~\n"), "{out}");
}

#[test]
fn envelope_errors_in_a_set_are_ak5_codes() {
    let v = validated(&TWO_INVOICES.replace("SE*3*0002", "SE*4*0009"));
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("AK2*810*0002~\nAK5*R*4*3~\nAK9*P*2*2*1~\n"), "{out}");
}

#[test]
fn a_wrong_group_count_rejects_the_group_with_code_5() {
    let v = validated(&TWO_INVOICES.replace("GE*2*7", "GE*3*7"));
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("AK2*810*0002~\nAK5*A~\nAK9*R*2*2*0*5~\n"), "{out}");
    let v = validated(&TWO_INVOICES.replace("GE*2*7", "GE*3*8"));
    assert!(x12(&v, AckKind::Fa997).contains("AK9*R*2*2*0*5*4~\n"));
}

#[test]
fn every_set_rejected_rejects_the_group_without_group_codes() {
    let mut v = validated(TWO_INVOICES);
    for s in 0..2 {
        v.findings.push(Finding::error(Scope::Set, Rule::MandatoryElementMissing, at(s, 2, "BIG", Some(2)), "no invoice number"));
    }
    assert!(x12(&v, AckKind::Fa997).contains("AK4*2**1~\nAK5*R*5~\nAK9*R*2*2*0~\n"));
}

#[test]
fn ta1_only_when_isa14_asks_and_a_rejected_interchange_gets_no_997() {
    let v = validated(TWO_INVOICES);
    assert!(!x12(&v, AckKind::Fa997).contains("TA1"));

    let asked = TWO_INVOICES.replace("*0*P*>~", "*1*P*>~");
    let v = validated(&asked);
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("*000000042*0*P*>~\nTA1*000000001*260101*1200*A*000~\nGS*FA*"), "{out}");

    let rejected = asked.replace("IEA*1*", "IEA*2*");
    let v = validated(&rejected);
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("TA1*000000001*260101*1200*R*021~\nIEA*0*000000042~\n"), "{out}");
    assert!(!out.contains("GS*"));

    let v = validated(&TWO_INVOICES.replace("IEA*1*", "IEA*2*"));
    assert_eq!(x12_acks(&v, 0, AckKind::Fa997, &ids(&v)).unwrap(), None);
}

#[test]
fn a_short_isa_is_accepted_with_errors_in_the_ta1() {
    let v = validated(&TWO_INVOICES.replace("VENDOR1        ", "VENDOR1").replace("*0*P*>~", "*1*P*>~"));
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("TA1*000000001*260101*1200*E*022~\n"), "{out}");
    assert!(out.contains("AK9*A*2*2*2~"));
}

#[test]
fn acknowledgements_are_not_acknowledged() {
    let v = validated(TWO_INVOICES);
    let ack = x12_acks(&v, 0, AckKind::Fa997, &ids(&v)).unwrap().unwrap();
    let v = validate(&ack, &EnvelopeOnly).unwrap();
    assert_eq!(x12_acks(&v, 0, AckKind::Fa997, &ids(&v)).unwrap(), None);
}

#[test]
fn a_999_uses_ik_segments_versions_and_context() {
    let five = TWO_INVOICES.replace("U*00401", "^*00501").replace("*X*004010~", "*X*005010~");
    let mut v = validated(&five);
    let mut loc = at(0, 2, "BIG", Some(3));
    loc.element_ref = Some("328".into());
    v.findings.push(Finding::error(Scope::Set, Rule::ConditionalElementMissing, loc, "BIG03 needed with BIG04"));
    let out = x12(&v, AckKind::Ia999);
    assert!(
        out.contains("*^*00501*000000042*0*P*>~\nGS*FA*ACORNAPP*VENDAPP*20260102*0800*9*X*005010X231~\nST*999*0001*005010X231~\nAK1*IN*7*005010~\n"),
        "{out}"
    );
    assert!(
        out.contains("AK2*810*0001*005010~\nIK3*BIG*2**8~\nIK4*3*328*2~\nCTX*SITUATIONAL TRIGGER*BIG*2~\nIK5*R*5~\nAK2*810*0002*005010~\nIK5*A~\nAK9*P*2*2*1~"),
        "{out}"
    );
    // A 5010 997 names the group's version too, but no CTX.
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("AK1*IN*7*005010~\nAK2*810*0001~\nAK3*BIG*2**8~\nAK4*3*328*2~\nAK5*R*5~"), "{out}");
}

#[test]
fn bad_data_with_our_delimiters_is_left_out_not_altered() {
    let mut v = validated(TWO_INVOICES);
    v.findings.push(Finding::error(Scope::Set, Rule::InvalidCode, at(0, 2, "BIG", Some(1)), "bad").with_value("A~B"));
    v.findings.push(Finding::error(Scope::Set, Rule::ElementTooLong, at(0, 2, "BIG", Some(2)), "long").with_value("X".repeat(150)));
    let out = x12(&v, AckKind::Fa997);
    assert!(out.contains("AK4*1**7~\n"), "{out}");
    assert!(out.contains(&format!("AK4*2**5*{}~\n", "X".repeat(99))), "{out}");
}

#[test]
fn errors_say_what_is_wrong() {
    let v = validated(TWO_INVOICES);
    let mut bad = ids(&v);
    bad.date = "260102".into();
    assert_eq!(x12_acks(&v, 0, AckKind::Fa997, &bad).unwrap_err().to_string(), "the acknowledgement's date \"260102\" must be CCYYMMDD");
    let mut long = ids(&v);
    long.sender.id = "A-VERY-LONG-SENDER-ID".into();
    assert_eq!(
        x12_acks(&v, 0, AckKind::Fa997, &long).unwrap_err().to_string(),
        "writing the acknowledgement of interchange 000000001: ISA06 \"A-VERY-LONG-SENDER-ID\" is longer than its fixed width 15"
    );
    assert!(matches!(x12_acks(&v, 3, AckKind::Fa997, &ids(&v)), Err(AckError::NoInterchange { index: 3, count: 1 })));
    let e = validated(EDIFACT_INVOICES);
    assert_eq!(x12_acks(&e, 0, AckKind::Fa997, &ids(&e)).unwrap_err().to_string(), "interchange REF1 is EDIFACT; a 997 acknowledges X12 interchanges only");
    assert!(matches!(contrl(&v, 0, &ids(&v)), Err(AckError::Standard { .. })));
}

#[test]
fn contrl_only_when_asked_and_reports_message_errors() {
    let plain = EDIFACT_INVOICES.replace("+REF1++++1'", "+REF1'");
    let v = validated(&plain);
    assert_eq!(contrl(&v, 0, &ids(&v)).unwrap(), None);

    let mut v = validated(EDIFACT_INVOICES);
    let mut loc = at(1, 2, "BGM", Some(2));
    loc.group_index = Some(0);
    v.findings.push(Finding::error(Scope::Set, Rule::InvalidCode, loc, "unknown invoice"));
    let out = text(contrl(&v, 0, &ids(&v)).unwrap());
    assert_eq!(
        out,
        "UNA:+.? '\nUNB+UNOC:3+ACORN:14+VENDOR1:14+260102:0800+42'\nUNH+1+CONTRL:D:3:UN'\nUCI+REF1+VENDOR1:14+ACORN:14+7'\n\
UCM+1+INVOIC:D:96A:UN+7'\nUCM+2+INVOIC:D:96A:UN+4'\nUCS+2'\nUCD+12+3'\nUNT+7+1'\nUNZ+1+42'\n"
    );
}

/// Found by fuzzing: the CONTRL rejecting an unsupported syntax identifier copied it into its own
/// UNB, so the acknowledgement failed the envelope checks itself.
#[test]
fn a_contrl_rejecting_an_unsupported_syntax_is_written_in_unoa() {
    let v = validated(&EDIFACT_INVOICES.replace("UNB+UNOC", "UNB+`UNOC"));
    let out = contrl(&v, 0, &ids(&v)).unwrap().unwrap();
    assert!(text(Some(out.clone())).contains("UNB+UNOA:3+"), "{}", text(Some(out.clone())));
    let report = crate::envelope::check(&out).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn contrl_rejects_at_the_level_in_error() {
    let v = validated(&EDIFACT_INVOICES.replace("UNT+3+2", "UNT+4+2"));
    let out = text(contrl(&v, 0, &ids(&v)).unwrap());
    assert!(out.contains("UCM+2+INVOIC:D:96A:UN+4+29+UNT+2'\n"), "{out}");

    let v = validated(&EDIFACT_INVOICES.replace("UNZ+2", "UNZ+5"));
    let out = text(contrl(&v, 0, &ids(&v)).unwrap());
    assert!(out.contains("UCI+REF1+VENDOR1:14+ACORN:14+4+29+UNZ+2'\nUNT+3+1'"), "{out}");

    let grouped = "UNA:+.? 'UNB+UNOA:3+VENDOR1:14+ACORN:14+260101:1200+REF2++++1'UNG+INVOIC+VEND+ACORN+260101:1200+G1+UN+D:96A'\
UNH+1+INVOIC:D:96A:UN'BGM+380+INV1+9'UNT+3+1'UNE+2+G1'UNZ+1+REF2'";
    let v = validated(grouped);
    let out = text(contrl(&v, 0, &ids(&v)).unwrap());
    assert!(out.contains("UCI+REF2+VENDOR1:14+ACORN:14+7'\nUCF+G1+VEND+ACORN+4+29+UNE+2'\nUNT+4+1'"), "{out}");
}

#[test]
fn read_acks_reads_back_what_x12_acks_wrote() {
    let mut v = validated(&TWO_INVOICES.replace("*0*P*>~", "*1*P*>~"));
    let mut loc = at(1, 2, "BIG", Some(5));
    loc.component = Some(2);
    loc.element_ref = Some("353".into());
    v.findings.push(Finding::error(Scope::Set, Rule::InvalidCode, loc, "bad").with_value("ZZ"));
    let ack = x12_acks(&v, 0, AckKind::Fa997, &ids(&v)).unwrap().unwrap();
    let acks = read_acks(&ack).unwrap();
    assert_eq!(acks.len(), 2);
    let ta1 = &acks[0];
    assert_eq!((ta1.kind, ta1.interchange_control.as_deref(), ta1.status), (ReceivedKind::Ta1, Some("000000001"), Some(Verdict::Accepted)));
    let fa = &acks[1];
    assert_eq!(fa.kind, ReceivedKind::Fa997);
    assert_eq!(fa.ack_interchange, "000000042");
    assert_eq!((fa.functional_id.as_deref(), fa.group_control.as_deref()), (Some("IN"), Some("7")));
    assert_eq!((fa.status, fa.included, fa.received, fa.accepted), (Some(Verdict::PartiallyAccepted), Some(2), Some(2), Some(1)));
    assert_eq!(fa.set_accepted("0001"), Some(true));
    assert_eq!(fa.set_accepted("0002"), Some(false));
    let set = fa.set("0002").unwrap();
    assert_eq!(set.codes, ["5"]);
    let seg = &set.segments[0];
    assert_eq!((seg.tag.as_deref(), seg.position, seg.code.as_deref()), (Some("BIG"), Some(2), Some("8")));
    let el = &seg.elements[0];
    assert_eq!(
        (el.element, el.component, el.element_ref.as_deref(), el.code.as_deref(), el.value.as_deref()),
        (Some(5), Some(2), Some("353"), Some("7"), Some("ZZ"))
    );
}

#[test]
fn read_acks_reads_back_a_999_and_a_contrl() {
    let five = TWO_INVOICES.replace("U*00401", "^*00501").replace("*X*004010~", "*X*005010~");
    let mut v = validated(&five);
    v.findings.push(Finding::error(Scope::Set, Rule::ExclusionViolated, at(0, 2, "BIG", Some(3)), "BIG03 with BIG04"));
    let acks = read_acks(&x12_acks(&v, 0, AckKind::Ia999, &ids(&v)).unwrap().unwrap()).unwrap();
    let ack = &acks[0];
    assert_eq!((ack.kind, ack.version.as_deref()), (ReceivedKind::Ia999, Some("005010")));
    let el = &ack.sets[0].segments[0].elements[0];
    assert_eq!((el.element, el.code.as_deref()), (Some(3), Some("10")));
    assert_eq!((el.context[0].name.as_str(), el.context[0].segment.as_deref(), el.context[0].position), ("SITUATIONAL TRIGGER", Some("BIG"), Some(2)));

    let mut v = validated(EDIFACT_INVOICES);
    v.findings.push(Finding::error(Scope::Set, Rule::ElementTooLong, at(0, 2, "BGM", Some(2)), "long"));
    let acks = read_acks(&contrl(&v, 0, &ids(&v)).unwrap().unwrap()).unwrap();
    assert_eq!(acks.len(), 1);
    let ack = &acks[0];
    assert_eq!((ack.kind, ack.interchange_control.as_deref(), ack.status), (ReceivedKind::Contrl, Some("REF1"), Some(Verdict::Accepted)));
    assert_eq!(ack.set_accepted("1"), Some(false));
    assert_eq!(ack.set_accepted("2"), Some(true));
    assert_eq!(ack.sets[0].version.as_deref(), Some("D:96A:UN"));
    let seg = &ack.sets[0].segments[0];
    assert_eq!((seg.position, seg.elements[0].element, seg.elements[0].code.as_deref()), (Some(2), Some(2), Some("39")));
}

/// The public sample acknowledgements, read where they are (they are not part of the repository).
fn sample(name: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new("/work/shared/edi-samples").join(name);
    let bytes = std::fs::read(&path).ok();
    if bytes.is_none() {
        eprintln!("skipped: {} is not there", path.display());
    }
    bytes
}

#[test]
fn read_acks_reads_public_997_and_999_samples() {
    if let Some(input) = sample("staedi__simple997.edi") {
        let acks = read_acks(&input).unwrap();
        assert_eq!(acks.len(), 1);
        let a = &acks[0];
        assert_eq!((a.functional_id.as_deref(), a.group_control.as_deref(), a.status), (Some("HC"), Some("000001"), Some(Verdict::Rejected)));
        assert_eq!((a.included, a.received, a.accepted), (Some(1), Some(1), Some(0)));
        let set = a.set("0021").unwrap();
        assert_eq!((set.id.as_str(), set.status, set.codes.as_slice()), ("837", Some(Verdict::Rejected), &["5".to_string()][..]));
        let seg = &set.segments[0];
        assert_eq!((seg.tag.as_deref(), seg.position, seg.code.as_deref()), (Some("NM1"), Some(8), Some("8")));
        let el = &seg.elements[0];
        assert_eq!((el.element, el.element_ref.as_deref(), el.code.as_deref(), el.value.as_deref()), (Some(8), Some("66"), Some("7"), Some("MI")));
    }
    if let Some(input) = sample("staedi__simple999.edi") {
        let acks = read_acks(&input).unwrap();
        let a = &acks[0];
        assert_eq!((a.kind, a.version.as_deref(), a.status, a.accepted), (ReceivedKind::Ia999, Some("005010X222"), Some(Verdict::PartiallyAccepted), Some(1)));
        assert_eq!(a.sets.iter().map(|s| s.status).collect::<Vec<_>>(), [Some(Verdict::Accepted), Some(Verdict::Rejected), Some(Verdict::Rejected)]);
        let clm = &a.sets[1].segments[0];
        assert_eq!((clm.context[0].name.as_str(), clm.context[0].reference.as_deref()), ("CLM01", Some("123456789")));
        assert_eq!((clm.elements[0].element, clm.elements[0].code.as_deref()), (Some(2), Some("1")));
        let trigger = &a.sets[2].segments[0].context[0];
        assert_eq!(
            (trigger.name.as_str(), trigger.segment.as_deref(), trigger.position, trigger.element, trigger.component, trigger.element_ref.as_deref()),
            ("SITUATIONAL TRIGGER", Some("CLM"), Some(43), Some(5), Some(3), Some("1325"))
        );
    }
    if let Some(input) = sample("stupidedi__004010_FA997_pass1.edi") {
        let acks = read_acks(&input).unwrap();
        let a = &acks[0];
        assert_eq!((a.ack_interchange.as_str(), a.ack_control.as_str()), ("300044350", "300044350"));
        assert_eq!((a.functional_id.as_deref(), a.group_control.as_deref(), a.status), (Some("AG"), Some("160"), Some(Verdict::Accepted)));
        assert_eq!(a.set_accepted("0160"), Some(true));
    }
}

#[test]
fn malformed_acks_do_not_panic() {
    let odd = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*U*00401*000000001*0*P*>~\
GS*FA*A*B*20260101*1200*1*X*004010~ST*997*0001~AK4*1**7~AK3*BIG~AK5*Q~AK2*810~AK9~CTX~SE*7*0001~\
UNH+1+CONTRL:D:3:UN~UCD~UCS~UCM~GE*1*1~IEA*1*000000001~";
    let acks = read_acks(odd.as_bytes()).unwrap();
    assert_eq!(acks[0].sets[0].id, "810");
    assert_eq!(acks[0].status, None);
}
