//! Tests of the guide interpreter and the built-in guides.

use super::*;
use crate::validate::{Validation, validate};

/// An X12 interchange around one set; `version` is GS08, 5010 versions get the `^` repetition separator.
fn x12(gs01: &str, version: &str, st01: &str, body: &[&str]) -> String {
    let (isa11, isa12) = if version.starts_with("005") { ("^", "00501") } else { ("U", "00401") };
    let mut out = format!(
        "ISA*00*          *00*          *ZZ*AMAZON         *ZZ*VENDOR42       *260301*1200*{isa11}*{isa12}*000000101*0*P*>~GS*{gs01}*AMAZON*VENDOR42*20260301*1200*101*X*{version}~ST*{st01}*0001~"
    );
    for seg in body {
        out.push_str(seg);
        out.push('~');
    }
    out.push_str(&format!("SE*{}*0001~GE*1*101~IEA*1*000000101~", body.len() + 2));
    out
}

/// An EDIFACT interchange (with UNA) around one message of type `message` (`ORDERS:D:96A:UN`).
fn edifact(message: &str, body: &[&str]) -> String {
    let mut out = format!("UNA:+.? 'UNB+UNOC:3+5450534000024:14+4012345000009:14+260301:1200+REF42'UNH+1+{message}'");
    for seg in body {
        out.push_str(seg);
        out.push('\'');
    }
    out.push_str(&format!("UNT+{}+1'UNZ+1+REF42'", body.len() + 2));
    out
}

fn run(input: &str) -> Validation {
    validate(input.as_bytes(), &GuideSet::builtin()).expect("detects")
}

fn assert_valid(input: &str) {
    let v = run(input);
    assert!(v.is_valid(), "{}", v.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
}

const PO_850: &[&str] = &[
    "BEG*00*NE*T8R4LM2Q**20260301",
    "CUR*BY*USD",
    "REF*CR*VND42",
    "REF*PD*SPRING-DEAL-7",
    "FOB*CC",
    "CSH*N",
    "DTM*064*20260310",
    "DTM*063*20260317",
    "N1*ST**92*RNO4",
    "N3*8000 NORTH VIRGINIA ST",
    "N4*RENO*NV*89506*US",
    "PO1*1*12*EA*9.99*PE*UP*614141000012*VN*KB-RED-01",
    "CTP**LPR*14.99",
    "PID*F****RED KETTLE BELL 10 LB",
    "PO1*2*6*CA*24.50*PE*EN*4006381333931",
    "PO1*3*1*EA*120*PE*UK*00614141000012*BP*B00EXAMPLE",
    "CTT*3",
];

#[test]
fn builtin_guides_compile() {
    let set = GuideSet::builtin();
    assert_eq!(set.guides().len(), BUILTIN.len());
}

#[test]
fn valid_850_passes() {
    assert_valid(&x12("PO", "004010", "850", PO_850));
}

/// The 850 with segment `from` (0-based in `PO_850`) replaced by `with` (several segments, or none).
fn po_with(index: usize, with: &[&str]) -> String {
    let mut body: Vec<&str> = PO_850.to_vec();
    body.splice(index..=index, with.iter().copied());
    x12("PO", "004010", "850", &body)
}

fn only_error(input: &str) -> Finding {
    let v = run(input);
    let errors: Vec<_> = v.errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{}", errors.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
    errors.into_iter().next().unwrap_or_else(|| unreachable!())
}

#[test]
fn wrong_order_is_reported_where_it_happens() {
    // CUR moved after the two REFs: position 2 is BEG, then REF, REF, CUR at 5.
    let f = only_error(&x12("PO", "004010", "850", &[&[PO_850[0], PO_850[2], PO_850[3], PO_850[1]], &PO_850[4..]].concat()));
    assert_eq!((f.rule, f.location.segment_position, f.location.segment_tag.as_deref()), (Rule::SegmentOutOfOrder, Some(5), Some("CUR")));
    assert!(f.message.contains("before REF"), "{}", f.message);
}

#[test]
fn too_many_repeats() {
    let f = only_error(&po_with(9, &["N3*A", "N3*B", "N3*C"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.loop_id.as_deref()), (Rule::SegmentOverMaximum, Some(13), Some("N1")));
    let f = only_error(&po_with(16, &["CTT*3", "CTT*3"]));
    assert_eq!((f.rule, f.location.segment_position), (Rule::LoopOverMaximum, Some(19)));
}

#[test]
fn element_rules_name_the_element_and_its_reference() {
    let f = only_error(&po_with(0, &["BEG*00*NE***20260301"]));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.element_ref.as_deref()),
        (Rule::MandatoryElementMissing, Some(2), Some(3), Some("324"))
    );
    let f = only_error(&po_with(0, &["BEG*00*NE*T8R4LM2QT8R4LM2QT8R4LM2**20260301"]));
    assert_eq!((f.rule, f.location.element, f.location.element_ref.as_deref()), (Rule::ElementTooLong, Some(3), Some("324")));
    assert_eq!(f.message, "BEG03 is 23 characters; the maximum is 22");
    assert_eq!(f.value.as_deref(), Some("T8R4LM2QT8R4LM2QT8R4LM2"));
    let f = only_error(&po_with(0, &["BEG*00*XX*T8R4LM2Q**20260301"]));
    assert_eq!((f.rule, f.location.element, f.value.as_deref()), (Rule::InvalidCode, Some(2), Some("XX")));
    let f = only_error(&po_with(0, &["BEG*00*NE*T8R4LM2Q**20260230"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.element), (Rule::InvalidDate, Some(2), Some(5)));
    let f = only_error(&po_with(8, &["N1*ST**92"]));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.loop_id.as_deref()),
        (Rule::ConditionalElementMissing, Some(10), Some(4), Some("N1"))
    );
    assert!(f.message.contains("P0304"), "{}", f.message);
}

#[test]
fn gtin_check_digit_and_summary_count() {
    let f = only_error(&po_with(11, &["PO1*1*12*EA*9.99*PE*UP*614141000013*VN*KB-RED-01"]));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.element_ref.as_deref()),
        (Rule::CheckDigit, Some(13), Some(7), Some("234"))
    );
    // Under a qualifier that is not a GTIN the same value is not checked.
    assert_valid(&po_with(11, &["PO1*1*12*EA*9.99*PE*VN*614141000013"]));
    let f = only_error(&po_with(16, &["CTT*4"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.element), (Rule::SummaryCount, Some(18), Some(1)));
    assert_eq!(f.message, "CTT01 says 4; the set has 3 PO1 loops");
}

const PO_ACK_855: &[&str] = &[
    "BAK*00*AC*T8R4LM2Q*20260301",
    "REF*CR*VND42",
    "N1*ST**92*RNO4",
    "PO1*1*12*EA*9.99*PE*UP*614141000012",
    "ACK*IA*12*EA*068*20260308",
    "PO1*2*6*CA*24.50*PE*EN*4006381333931",
    "ACK*IQ*4*CA*068*20260309",
    "PO1*3*1*EA*120*PE*BP*B00EXAMPLE",
    "ACK*IR*0*EA",
    "CTT*3",
];

/// Shipment > Order > Tare > Pack > Item, two cartons on one pallet.
const ASN_856_5010: &[&str] = &[
    "BSN*00*SHP-0042*20260305*1430*0001",
    "DTM*011*20260305*1430",
    "DTM*017*20260308",
    "HL*1**S*1",
    "TD1*CTN25*2****G*42.5*LB",
    "TD5**2*UPSN",
    "REF*BM*BOL-77",
    "N1*ST**92*RNO4",
    "N1*SF*ACME SUPPLY*92*VND42",
    "N3*100 MAIN ST",
    "N4*SEATTLE*WA*98101*US",
    "HL*2*1*O*1",
    "PRF*T8R4LM2Q",
    "HL*3*2*T*1",
    "MAN*GM*006141411234567890",
    "HL*4*3*P*1",
    "MAN*GM*106141411234567897",
    "HL*5*4*I*0",
    "LIN**UP*614141000012",
    "SN1**12*EA",
    "HL*6*3*P*1",
    "MAN*GM*106141411234567903",
    "HL*7*6*I*0",
    "LIN**EN*4006381333931",
    "SN1**6*EA",
    "CTT*7",
];

/// Direct Fulfillment: Order > Item > Pack.
const ASN_856_4010: &[&str] = &[
    "BSN*00*DF-SHIP-9*20260305*1430",
    "HL*1**O*1",
    "PRF*DF12345678",
    "N1*ST*JANE DOE",
    "N3*1 ELM ST",
    "N4*AUSTIN*TX*78701*US",
    "HL*2*1*I*1",
    "LIN*1*UP*614141000012",
    "SN1*1*1*EA",
    "HL*3*2*P*0",
    "TD5**2*UPSN",
    "MAN*GM*106141411234567897",
    "CTT*3",
];

const INVOICE_810: &[&str] = &[
    "BIG*20260320*INV0042*20260301*T8R4LM2Q",
    "CUR*SE*USD",
    "REF*VN*VND42",
    "N1*RE*ACME SUPPLY*92*VND42",
    "N3*100 MAIN ST",
    "N4*SEATTLE*WA*98101*US",
    "N1*ST**92*RNO4",
    "ITD*01*3*2**30**60",
    "DTM*011*20260305",
    "IT1*1*12*EA*9.99**UP*614141000012",
    "IT1*2*6*CA*24.50**EN*4006381333931",
    "TDS*26688",
    "CTT*2",
];

const REMITTANCE_820: &[&str] = &[
    "BPR*C*1250.00*C*ACH*CTX*01*021000021*DA*123456789*1234567890**01*091000019*DA*987654321*20260330",
    "TRN*1*PAY-2026-0330*1234567890",
    "CUR*PR*USD",
    "REF*VR*VND42",
    "N1*PR*AMAZON.COM",
    "N1*PE*ACME SUPPLY*92*VND42",
    "ENT*1",
    "RMR*IV*INV0042**266.88*266.88",
    "DTM*003*20260320",
    "RMR*IV*INV0043**1000.00*1025.00",
    "ADX*-25.00*01*IV*INV0043",
];

const INVENTORY_846: &[&str] = &[
    "BIA*00*MM*INV-FEED-7*20260301*1200",
    "N1*WH*MAIN DC*92*VND42-DC1",
    "LIN**UP*614141000012",
    "QTY*33*140*EA",
    "LIN**EN*4006381333931",
    "QTY*33*0*EA",
    "CTT*2",
];

const ACTIVITY_852: &[&str] = &[
    "XQ*H*20260222*20260228",
    "N1*BY*AMAZON.COM*92*AMZN",
    "LIN**UP*614141000012",
    "ZA*QS*12*EA",
    "ZA*QA*140*EA",
    "SDQ*EA*92*RNO4*80*PHX6*60",
    "LIN**EN*4006381333931",
    "ZA*QS*3*EA",
    "CTT*2",
];

const CHANGE_860: &[&str] = &[
    "BCH*04*NE*T8R4LM2Q***20260301",
    "DTM*064*20260312",
    "DTM*063*20260319",
    "N1*ST**92*RNO4",
    "POC*1*QD*12*2*EA*9.99*PE*UP*614141000012",
    "POC*3*DI*1*1*EA*120*PE*BP*B00EXAMPLE",
    "CTT*2",
];

const CHANGE_ACK_865: &[&str] =
    &["BCA*04*AC*T8R4LM2Q***20260301", "N1*ST**92*RNO4", "POC*1*QD*12*10*EA*9.99*PE*UP*614141000012", "ACK*IQ*10*EA*068*20260310", "CTT*1"];

const FA_997: &[&str] = &["AK1*PO*101", "AK2*850*0001", "AK5*A", "AK9*A*1*1*1"];

const FA_997_5010: &[&str] = &["AK1*SH*7*005010", "AK2*856*0001", "AK3*MAN*14*HL*8", "AK4*2>2*87*7*106141411234567890", "AK5*R*5", "AK9*R*1*1*0"];

const IA_999: &[&str] =
    &["AK1*SH*7*005010", "AK2*856*0001*005010", "IK3*MAN*14*HL*8", "CTX*SHIPMENT^PALLET>2*HL*12", "IK4*2*87*7*106141411234567890", "IK5*R*5", "AK9*R*1*1*0"];

const ORDERS: &[&str] = &[
    "BGM+220+PO4711+9",
    "DTM+137:20260301:102",
    "DTM+64:20260310:102",
    "DTM+63:20260317:102",
    "RFF+CR:VND42",
    "NAD+BY+5450534000024::9",
    "NAD+SU+4012345000009::9",
    "NAD+DP+5450534000031::9",
    "CUX+2:EUR:9",
    "LIN+1++4006381333931:EN",
    "PIA+5+B00EXAMPLE:BP",
    "IMD+F++:::KETTLE BELL 10 KG?+ CASE",
    "QTY+21:12",
    "PRI+AAA:9.99",
    "LIN+2++5901234123457:EN",
    "QTY+21:6",
    "PRI+AAA:24.5",
    "UNS+S",
    "CNT+2:2",
];

const ORDCHG: &[&str] =
    &["BGM+230+CHG4711+9", "DTM+137:20260302:102", "RFF+ON:PO4711", "NAD+BY+5450534000024::9", "LIN+1+3+4006381333931:EN", "QTY+21:10", "UNS+S", "CNT+2:1"];

const ORDRSP: &[&str] = &[
    "BGM+231+RSP4711+4",
    "DTM+137:20260302:102",
    "RFF+ON:PO4711",
    "NAD+BY+5450534000024::9",
    "NAD+SU+4012345000009::9",
    "LIN+1+5+4006381333931:EN",
    "QTY+21:12",
    "QTY+12:12",
    "LIN+2+3+5901234123457:EN",
    "QTY+21:6",
    "QTY+12:4",
    "DTM+2:20260312:102",
    "UNS+S",
    "CNT+2:2",
];

const DESADV: &[&str] = &[
    "BGM+351+DES4711+9",
    "DTM+137:20260305:102",
    "DTM+11:20260305:102",
    "RFF+ON:PO4711",
    "NAD+SU+4012345000009::9",
    "NAD+DP+5450534000031::9",
    "CPS+1",
    "CPS+2+1",
    "PAC+1++PX",
    "PCI+33E",
    "GIN+BJ+006141411234567890",
    "CPS+3+2",
    "PAC+1++CT",
    "PCI+33E",
    "GIN+BJ+106141411234567897",
    "LIN+1++4006381333931:EN",
    "QTY+12:12",
    "RFF+ON:PO4711",
    "CNT+2:1",
];

const INVOIC: &[&str] = &[
    "BGM+380+INV-2026-0042+9",
    "DTM+137:20260320:102",
    "RFF+ON:PO4711",
    "NAD+SU+4012345000009::9",
    "RFF+VA:DE123456789",
    "NAD+BY+5450534000024::9",
    "CUX+2:EUR:4",
    "PAT+1++5:3:D:30",
    "LIN+1++4006381333931:EN",
    "QTY+47:12",
    "MOA+203:119.88",
    "PRI+AAA:9.99",
    "TAX+7+VAT+++:::19+S",
    "UNS+S",
    "CNT+2:1",
    "MOA+77:142.66",
    "MOA+79:119.88",
    "TAX+7+VAT+++:::19+S",
    "MOA+124:22.78",
];

const CONTRL: &[&str] = &["UCI+REF42+5450534000024:14+4012345000009:14+7", "UCM+1+ORDERS:D:96A:UN+7"];

/// Every built-in guide accepts a small hand-written document of its own.
#[test]
fn a_valid_document_per_guide_passes() {
    let documents = [
        ("850", x12("PO", "004010VICS", "850", PO_850)),
        ("855", x12("PR", "004010", "855", PO_ACK_855)),
        ("856 5010", x12("SH", "005010", "856", ASN_856_5010)),
        ("856 4010", x12("SH", "004010", "856", ASN_856_4010)),
        ("810", x12("IN", "004010", "810", INVOICE_810)),
        ("820", x12("RA", "004010", "820", REMITTANCE_820)),
        ("846", x12("IB", "004010", "846", INVENTORY_846)),
        ("852", x12("PD", "004010", "852", ACTIVITY_852)),
        ("860", x12("PC", "004010", "860", CHANGE_860)),
        ("865", x12("CA", "004010", "865", CHANGE_ACK_865)),
        ("997", x12("FA", "004010", "997", FA_997)),
        ("997 5010", x12("FA", "005010X230", "997", FA_997_5010)),
        ("999", x12("FA", "005010X231", "999", IA_999)),
        ("ORDERS", edifact("ORDERS:D:96A:UN", ORDERS)),
        ("ORDCHG", edifact("ORDCHG:D:96A:UN", ORDCHG)),
        ("ORDRSP", edifact("ORDRSP:D:96A:UN", ORDRSP)),
        ("DESADV", edifact("DESADV:D:96A:UN", DESADV)),
        ("INVOIC", edifact("INVOIC:D:96A:UN", INVOIC)),
        ("CONTRL", edifact("CONTRL:D:3:UN", CONTRL)),
    ];
    let set = GuideSet::builtin();
    for (name, input) in &documents {
        let v = validate(input.as_bytes(), &set).expect("detects");
        assert!(v.is_valid(), "{name}:\n{}", v.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
    }
    assert_eq!(documents.len(), BUILTIN.len() + 1, "one document per guide file, and one more for the 5010 997");
}

fn asn_with(index: usize, with: &[&str]) -> String {
    let mut body: Vec<&str> = ASN_856_5010.to_vec();
    body.splice(index..=index, with.iter().copied());
    x12("SH", "005010", "856", &body)
}

#[test]
fn hierarchy_rules() {
    // HL 5 claims parent 9, which never occurred.
    let f = only_error(&asn_with(17, &["HL*5*9*I*0"]));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.element_ref.as_deref()),
        (Rule::HierarchyParent, Some(19), Some(2), Some("734"))
    );
    // A shipment under a pack breaks the level matrix.
    let f = only_error(&asn_with(22, &["HL*7*6*S*0"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.element), (Rule::HierarchyParent, Some(24), Some(2)));
    assert_eq!(f.message, "a shipment (S) HL cannot be a child of a pack (carton) (P) HL; it can only be the top of the hierarchy");
    // IDs must increase.
    let f = only_error(&asn_with(20, &["HL*4*3*P*1"]).replace("HL*7*6*I*0", "HL*7*4*I*0"));
    assert_eq!((f.rule, f.location.segment_position, f.location.element), (Rule::HierarchyOrder, Some(22), Some(1)));
    // HL04 = 1 on the last item: no child follows. The finding points at the HL that is wrong.
    let f = only_error(&asn_with(22, &["HL*7*6*I*1"]));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.segment_tag.as_deref()),
        (Rule::HierarchyChildCode, Some(24), Some(4), Some("HL"))
    );
    // HL04 = 0 on a pack that does have an item under it.
    let f = only_error(&asn_with(15, &["HL*4*3*P*0"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.element), (Rule::HierarchyChildCode, Some(17), Some(4)));
}

#[test]
fn sscc_check_digit_on_man_gm_only() {
    let f = only_error(&asn_with(16, &["MAN*GM*106141411234567890"]));
    assert_eq!((f.rule, f.location.segment_position, f.location.element, f.location.element_ref.as_deref()), (Rule::CheckDigit, Some(18), Some(2), Some("87")));
    assert!(f.message.contains("check digit 0, but the digits before it give 7"), "{}", f.message);
    // Not an SSCC qualifier: not checked.
    assert_valid(&asn_with(16, &["MAN*CP*106141411234567890"]));
    // 856 summary: CTT01 counts HL segments.
    let f = only_error(&asn_with(25, &["CTT*5"]));
    assert_eq!((f.rule, f.message.as_str()), (Rule::SummaryCount, "CTT01 says 5; the set has 7 HL segments"));
}

#[test]
fn edifact_rules_use_components() {
    // The EAN in LIN C212 is checked as a GTIN, located at the component.
    let mut body = ORDERS.to_vec();
    body[9] = "LIN+1++4006381333932:EN";
    let f = only_error(&edifact("ORDERS:D:96A:UN", &body));
    assert_eq!(
        (f.rule, f.location.segment_position, f.location.element, f.location.component, f.location.element_ref.as_deref()),
        (Rule::CheckDigit, Some(11), Some(3), Some(1), Some("7140"))
    );
    // CNT+2 counts the LIN groups.
    let mut body = ORDERS.to_vec();
    body[18] = "CNT+2:3";
    let f = only_error(&edifact("ORDERS:D:96A:UN", &body));
    assert_eq!((f.rule, f.location.element, f.location.component), (Rule::SummaryCount, Some(1), Some(2)));
    // A mandatory component, a too-long value and a non-numeric quantity.
    let mut body = ORDERS.to_vec();
    body[12] = "QTY+21";
    let f = only_error(&edifact("ORDERS:D:96A:UN", &body));
    assert_eq!(
        (f.rule, f.location.element, f.location.component, f.location.element_ref.as_deref()),
        (Rule::MandatoryElementMissing, Some(1), Some(2), Some("6060"))
    );
    let mut body = ORDERS.to_vec();
    body[12] = "QTY+21:1O";
    assert_eq!(only_error(&edifact("ORDERS:D:96A:UN", &body)).rule, Rule::InvalidNumber);
    let mut body = ORDERS.to_vec();
    body[0] = "BGM+220+PO4711PO4711PO4711PO4711PO4711PO4711+9";
    let f = only_error(&edifact("ORDERS:D:96A:UN", &body));
    assert_eq!((f.rule, f.message.as_str()), (Rule::ElementTooLong, "BGM02 is 36 characters; the maximum is 35"));
    // A DESADV package SSCC in GIN+BJ, and a CPS parent that is not open.
    let mut body = DESADV.to_vec();
    body[14] = "GIN+BJ+106141411234567890";
    assert_eq!(only_error(&edifact("DESADV:D:96A:UN", &body)).rule, Rule::CheckDigit);
    let mut body = DESADV.to_vec();
    body[11] = "CPS+3+7";
    assert_eq!(only_error(&edifact("DESADV:D:96A:UN", &body)).rule, Rule::HierarchyParent);
}

#[test]
fn structure_rules_with_loops() {
    // A mandatory segment missing: the 855 without BAK. It is noticed at the next segment.
    let f = only_error(&x12("PR", "004010", "855", &PO_ACK_855[1..]));
    assert_eq!((f.rule, f.location.segment_position, f.location.segment_tag.as_deref()), (Rule::MandatorySegmentMissing, Some(2), Some("BAK")));
    // A segment of a loop that is not open: N3 without its N1.
    let f = only_error(&po_with(5, &["CSH*N", "N3*NOWHERE"]));
    assert_eq!((f.rule, f.location.segment_tag.as_deref()), (Rule::UnexpectedSegment, Some("N3")));
    // A segment the guide doesn't have at all.
    let f = only_error(&po_with(4, &["TD9*X"]));
    assert_eq!((f.rule, f.location.segment_position), (Rule::UnrecognizedSegment, Some(6)));
    // Too many elements, a simple element with components.
    let f = only_error(&po_with(5, &["CSH*N****X"]));
    assert_eq!(
        (f.rule, f.location.element, f.message.as_str()),
        (Rule::TooManyElements, Some(5), "CSH has more than 4 elements: CSH05 is not defined by the guide")
    );
    let f = only_error(&po_with(5, &["CSH*N>Y"]));
    assert_eq!((f.rule, f.location.element), (Rule::TooManyComponents, Some(1)));
    // A bad time, an exclusion (MEA E0803 has no MEA08/MEA03 pair here, so use DTM's C0403 instead).
    let f = only_error(&po_with(6, &["DTM*064*20260310*2575"]));
    assert_eq!((f.rule, f.location.element), (Rule::InvalidTime, Some(3)));
    let f = only_error(&po_with(6, &["DTM*064*20260310**UT"]));
    assert_eq!((f.rule, f.location.element), (Rule::ConditionalElementMissing, Some(3)));
}

#[test]
fn repetitions_in_5010() {
    // CTX01 repeats up to 10 times; 11 is one too many.
    let mut body = IA_999.to_vec();
    let reps = ["CTX", &["A"; 11].join("^"), "HL*12"].join("*");
    body[3] = &reps;
    let f = only_error(&x12("FA", "005010X231", "999", &body));
    assert_eq!((f.rule, f.location.element), (Rule::TooManyRepetitions, Some(1)));
}

/// The acceptance test of guides-as-data: one more mandatory segment in a copy of a built-in
/// guide changes the verdict on the same document, with no code change.
#[test]
fn a_modified_guide_changes_the_verdict() {
    let input = x12("PO", "004010", "850", PO_850);
    let original = builtin_source("x12-850-004010.toml").expect("built in");
    let stricter = original.replacen("{ seg = \"PER\", max = 3 },", "{ seg = \"PER\", req = true, max = 3 },", 1);
    assert_ne!(original, stricter);
    let partner = Guide::from_toml(&stricter).expect("compiles");
    assert!(run(&input).is_valid());
    let v = validate(input.as_bytes(), &GuideSet::builtin().with(partner)).expect("detects");
    let errors: Vec<_> = v.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].rule, errors[0].location.segment_tag.as_deref(), errors[0].location.segment_position),
        (Rule::MandatorySegmentMissing, Some("PER"), Some(6))
    );
}

#[test]
fn partner_guides_apply_only_to_their_partner() {
    let input = x12("PO", "004010", "850", PO_850);
    let stricter = builtin_source("x12-850-004010.toml")
        .expect("built in")
        .replacen("{ seg = \"PER\", max = 3 },", "{ seg = \"PER\", req = true, max = 3 },", 1)
        .replacen("standard = \"X12\"", "standard = \"X12\"\npartners = [\"SOMEONE-ELSE\"]", 1);
    let set = GuideSet::builtin().with(Guide::from_toml(&stricter).expect("compiles"));
    assert!(validate(input.as_bytes(), &set).expect("detects").is_valid());
    let ours = stricter.replace("SOMEONE-ELSE", "AMAZON");
    let set = GuideSet::builtin().with(Guide::from_toml(&ours).expect("compiles"));
    assert!(!validate(input.as_bytes(), &set).expect("detects").is_valid());
}

#[test]
fn guides_load_from_a_directory() {
    let dir = std::env::temp_dir().join(format!("acorn-guides-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let stricter = builtin_source("x12-850-004010.toml").expect("built in").replacen("{ seg = \"CUR\" },", "{ seg = \"CUR\", req = true },", 1);
    std::fs::write(dir.join("partner-850.toml"), &stricter).expect("write");
    std::fs::write(dir.join("notes.txt"), "not a guide").expect("write");
    let set = GuideSet::builtin().load_dir(&dir);
    let missing_cur = x12("PO", "004010", "850", &[&PO_850[..1], &PO_850[2..]].concat());
    let v = validate(missing_cur.as_bytes(), &set.expect("loads")).expect("detects");
    assert_eq!(v.errors().map(|f| f.rule).collect::<Vec<_>>(), [Rule::MandatorySegmentMissing]);
    std::fs::write(dir.join("broken.toml"), "standard = \"X12\"\nset = \"850\"").expect("write");
    let err = GuideSet::builtin().load_dir(&dir).expect_err("a broken guide fails the load");
    assert!(err.to_string().contains("broken.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn guide_mistakes_are_errors_with_context() {
    let base = builtin_source("x12-850-004010.toml").expect("built in");
    let cases = [
        (base.replacen("type = \"AN 1/22\"", "type = \"AN 22\"", 1), "BEG03"),
        (base.replacen("syntax = [\"P0304\", \"P0506\", \"P0708\"]", "syntax = [\"P0399\"]", 1), "P0399"),
        (base.replacen("{ seg = \"CUR\" },", "{ seg = \"CUX\" },", 1), "CUX"),
        (base.replacen("loops = \"PO1\"", "loops = \"PO9\"", 1), "PO9"),
        (base.replacen("name = \"Beginning Segment for Purchase Order\"", "nmae = \"typo\"", 1), "nmae"),
        (base.replacen("check = \"gtin\"", "check = \"isbn\"", 1), "isbn"),
    ];
    for (text, mentioned) in &cases {
        let err = Guide::from_toml(text).expect_err(mentioned);
        assert!(err.to_string().contains(mentioned), "{mentioned}: {err}");
    }
}

#[test]
fn a_set_without_a_guide_is_refused_precisely() {
    let v = run(&x12("PO", "004060", "850", PO_850));
    let f = v.errors().next().expect("refused");
    assert_eq!((f.rule, f.location.segment_tag.as_deref(), f.location.element, f.value.as_deref()), (Rule::UnsupportedSet, Some("ST"), Some(1), Some("850")));
    assert!(f.message.contains("004060") && f.message.contains("004010"), "{}", f.message);
    assert_eq!(v.errors().count(), 1);
    let v = run(&x12("XX", "004010", "753", &["BGN*00*1*20260301"]));
    assert_eq!(v.errors().map(|f| f.rule).collect::<Vec<_>>(), [Rule::UnsupportedSet]);
}

#[test]
fn streaming_and_slice_validation_agree_with_guides() {
    let input = asn_with(17, &["HL*5*9*I*0"]);
    let set = GuideSet::builtin();
    let a = validate(input.as_bytes(), &set).expect("detects");
    let b = crate::validate::validate_stream(input.as_bytes(), &set, |_| {}).expect("reads");
    assert_eq!(a.findings, b.findings);
}

/// The public samples: every one validates without a panic (verdicts are printed, not asserted).
#[test]
fn public_samples_do_not_panic() {
    let Ok(dir) = std::fs::read_dir("/work/shared/edi-samples") else { return };
    let mut paths: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "edi")).collect();
    paths.sort();
    let set = GuideSet::builtin();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match validate(&bytes, &set) {
            Ok(v) => {
                let rules: Vec<_> = v.errors().map(|f| f.rule.code()).collect();
                println!("{name}: {} errors {rules:?}", rules.len());
                if std::env::var_os("SHOW_FINDINGS").is_some() {
                    for f in v.errors() {
                        println!("    {f}");
                    }
                }
            }
            Err(e) => println!("{name}: not an interchange: {e}"),
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Random byte mutations of a valid 850 (and 856) never panic the validator.
    #[test]
    fn mutations_never_panic(edits in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 1..12), which in 0usize..3) {
        let text = match which {
            0 => x12("PO", "004010", "850", PO_850),
            1 => asn_with(0, &[ASN_856_5010[0]]),
            _ => edifact("DESADV:D:96A:UN", DESADV),
        };
        let mut bytes = text.into_bytes();
        for (at, byte) in edits {
            let len = bytes.len();
            if let Some(b) = bytes.get_mut(at % len) {
                *b = byte;
            }
        }
        let set = GuideSet::builtin();
        if let Ok(v) = validate(&bytes, &set) {
            for f in &v.findings {
                let _ = f.to_string();
            }
        }
    }
}

/// A corrupt set does not turn into an unbounded list of findings.
#[test]
fn findings_per_set_are_capped() {
    let mut body: Vec<&str> = PO_850.to_vec();
    let bad = vec!["BEG*99*XX*T8R4LM2Q**20269999"; 600];
    body.splice(16..16, bad);
    let v = run(&x12("PO", "004010", "850", &body));
    let guide_findings = v.errors().filter(|f| f.rule != Rule::CountMismatch).count();
    assert_eq!(guide_findings, 1000);
    assert!(v.errors().any(|f| f.message.contains("the rest are not reported")));
}

#[test]
fn fields_split_like_slice_split() {
    for text in ["", "*", "BEG", "BEG*00*NE*T8R4LM2Q**20260301", "A*B*C*D*E*F*G*H*I", "ABCDEFGH*", "*ABCDEFGHIJKLMNOP*", "**********"] {
        let ours: Vec<&[u8]> = super::check::Fields::new(text.as_bytes(), b'*').collect();
        let std: Vec<&[u8]> = text.as_bytes().split(|b| *b == b'*').collect();
        assert_eq!(ours, std, "{text:?}");
    }
}

proptest::proptest! {
    /// Across 64-byte chunks and at their edges too.
    #[test]
    fn fields_split_like_slice_split_at_any_length(text in "[A*]{0,200}") {
        let ours: Vec<&[u8]> = super::check::Fields::new(text.as_bytes(), b'*').collect();
        let std: Vec<&[u8]> = text.as_bytes().split(|b| *b == b'*').collect();
        proptest::prop_assert_eq!(ours, std);
    }

    /// A code list answers like a plain list of its codes, for codes of every length.
    #[test]
    fn code_lists_answer_like_a_list(codes in proptest::collection::vec("[ -~\u{80}]{0,9}", 1..20), probes in proptest::collection::vec("[ -~\u{80}]{0,9}", 0..40)) {
        let list = super::compile::CodeList::new(&codes);
        for probe in codes.iter().chain(&probes) {
            proptest::prop_assert_eq!(list.contains(probe.as_bytes()), codes.contains(probe), "{:?}", probe);
        }
    }
}

/// Values that exercise every check: numbers right and wrong, codes, GTINs with good and bad check
/// digits, dates and times, empty and long values, component and repetition separators, release
/// characters, non-ASCII and control bytes.
const VALUES: &[&str] = &[
    "",
    "1",
    "0",
    "-5",
    "3.5",
    "-3.5",
    "1.2.3",
    "-",
    ".",
    "5.",
    "-.5",
    "12,5",
    "EA",
    "UP",
    "EN",
    "BP",
    "VN",
    "XX",
    "00",
    "NE",
    "ST",
    "92",
    "064",
    "614141000012",
    "614141000013",
    "4006381333931",
    "00614141000012",
    "6141410000",
    "20260301",
    "20261301",
    "20240229",
    "260301",
    "1200",
    "2460",
    "123456",
    "ABC",
    "A1",
    "1A",
    "RED KETTLE",
    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "Ä",
    "A>B",
    ">",
    "A^B",
    "A:B",
    "?+",
    "\u{7}",
    "\u{7f}",
    " ",
];

/// A set's segments with random edits: an element replaced by one of [`VALUES`] (or an element
/// added past the last), a segment removed, repeated or moved.
fn mutate(body: &[&str], sep: char, edits: &[(usize, usize, usize, u8)]) -> Vec<String> {
    let mut segs: Vec<String> = body.iter().map(|s| s.to_string()).collect();
    for &(at, element, value, kind) in edits {
        if segs.is_empty() {
            break;
        }
        let at = at % segs.len();
        match kind % 8 {
            0 => {
                segs.remove(at);
            }
            1 => {
                let seg = segs[at].clone();
                segs.insert(at, seg);
            }
            2 => {
                let seg = segs.remove(at);
                let to = element % (segs.len() + 1);
                segs.insert(to, seg);
            }
            _ => {
                let mut parts: Vec<String> = segs[at].split(sep).map(str::to_string).collect();
                let element = 1 + element % (parts.len() + 1);
                if parts.len() <= element {
                    parts.resize(element + 1, String::new());
                }
                parts[element] = VALUES[value % VALUES.len()].to_string();
                segs[at] = parts.join(&sep.to_string());
            }
        }
    }
    segs
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(384))]

    /// The fast paths of full validation — body segments straight from the structural index, the
    /// segment's tag written only into its findings, the bit-mask element checks, the checker
    /// compiled for AVX2/BMI2/POPCNT (and again for the baseline CPU) — report exactly what the
    /// straightforward path reports: every segment through `Tokenizer::next` and `Pass::push`,
    /// every element through the element-by-element checks.
    #[test]
    fn fast_validation_agrees_with_the_element_by_element_path(
        edits in proptest::collection::vec((0usize..100, 0usize..30, 0usize..1000, proptest::prelude::any::<u8>()), 0..8),
        which in 0usize..7,
        sets in 1usize..3,
    ) {
        let (body, sep) = match which {
            0 | 1 => (PO_850, '*'),
            2 => (ASN_856_5010, '*'),
            3 => (ASN_856_4010, '*'),
            4 => (INVOICE_810, '*'),
            5 => (DESADV, '+'),
            _ => (ORDERS, '+'),
        };
        let segs = mutate(body, sep, &edits);
        let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let one = match which {
            0 | 1 => x12("PO", "004010", "850", &refs),
            2 => x12("SH", "005010", "856", &refs),
            3 => x12("SH", "004010", "856", &refs),
            4 => x12("IN", "004010", "810", &refs),
            5 => edifact("DESADV:D:96A:UN", &refs),
            _ => edifact("ORDERS:D:96A:UN", &refs),
        };
        // More sets in an X12 group: the same set again, under the next control number.
        let text = match (one.find("ST*"), one.find("GE*")) {
            (Some(st), Some(ge)) => {
                let (head, set, tail) = (&one[..st], &one[st..ge], &one[ge..]);
                let mut text = head.to_string();
                for n in 1..=sets {
                    text.push_str(&set.replace("*0001~", &format!("*{n:04}~")));
                }
                text + tail
            }
            _ => one,
        };
        let set = GuideSet::builtin();
        let fast = validate(text.as_bytes(), &set).unwrap();
        // The same fast paths with the checker compiled for the baseline CPU.
        super::check::NO_WIDE.with(|f| f.set(true));
        let baseline = validate(text.as_bytes(), &set).unwrap();
        proptest::prop_assert_eq!(&fast.findings, &baseline.findings, "{}", text);
        super::check::NO_FLAT.with(|f| f.set(true));
        let mut pass = crate::validate::Pass::new(&set);
        for seg in crate::Tokenizer::new(text.as_bytes()).unwrap() {
            pass.push(&seg);
        }
        super::check::NO_FLAT.with(|f| f.set(false));
        super::check::NO_WIDE.with(|f| f.set(false));
        let slow = pass.finish(fast.standard, text.len() as u64);
        proptest::prop_assert_eq!(&fast.findings, &slow.findings, "{}", text);
        proptest::prop_assert_eq!(&fast.interchanges, &slow.interchanges);
        proptest::prop_assert_eq!(fast.segments, slow.segments);
    }
}
