//! `acorn edi parse|validate|ack|convert FILE`: exit codes, findings named with their rule and
//! place, acknowledgements on stdout, the JSON view. No database is involved.

mod common;

use common::*;
use std::path::PathBuf;

const VALID_850: &str = "ISA*00*          *00*          *ZZ*ACORNRETAIL    *ZZ*ACME1EDI       *261127*1200*U*00401*000000007*1*P*>~
GS*PO*ACORNRETAIL*ACME1EDI*20261127*1200*7*X*004010~
ST*850*0001~
BEG*00*NE*4XK92P7Q**20261127~
REF*CR*ACME1~
FOB*PP~
CSH*Y~
DTM*064*20261201~
DTM*063*20261208~
N1*ST*RENO DC*92*RNO4~
PO1*1*24*EA*10.5**UP*614141000012*VN*WID-1~
CTT*1~
SE*11*0001~
GE*1*7~
IEA*1*000000007~
";

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn validate_exits_zero_only_for_a_valid_interchange_and_names_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(&dir, "good.edi", VALID_850);
    let r = run_raw(&["edi", "validate", good.to_str().unwrap()]);
    assert!(r.success(), "{r:?}");
    assert!(r.stdout.contains("valid: 1 interchange(s), 1 set(s), 0 error(s)"), "{}", r.stdout);

    let bad =
        file(&dir, "bad.edi", &VALID_850.replace("SE*11*0001", "SE*12*0001").replace("PO1*1*24*EA*10.5**UP*614141000012", "PO1*1*24*EA*10.5**UP*614141000013"));
    let r = run_raw(&["edi", "validate", bad.to_str().unwrap()]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.contains("[count_mismatch]") && r.stdout.contains("SE01"), "{}", r.stdout);
    assert!(r.stdout.contains("[check_digit]") && r.stdout.contains("PO1"), "{}", r.stdout);
    assert!(r.stdout.contains("INVALID"), "{}", r.stdout);

    let r = run_raw(&["edi", "validate", dir.path().join("missing.edi").to_str().unwrap()]);
    assert!(!r.success());
    assert!(r.stderr.contains("missing.edi"), "{}", r.stderr);
}

#[test]
fn ack_prints_a_997_and_a_ta1_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(&dir, "good.edi", VALID_850);
    let r = run_raw(&["edi", "ack", good.to_str().unwrap(), "--control", "42"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stdout.starts_with("ISA*"), "{}", r.stdout);
    assert!(r.stdout.contains("TA1*000000007*"), "ISA14=1 asks for a TA1: {}", r.stdout);
    assert!(r.stdout.contains("ST*997*"), "{}", r.stdout);
    assert!(r.stdout.contains("AK1*PO*7"), "{}", r.stdout);
    assert!(r.stdout.contains("AK9*A*1*1*1"), "{}", r.stdout);
    assert!(r.stdout.contains("*000000042*"), "the given control number: {}", r.stdout);
    let r = run_raw(&["edi", "ack", good.to_str().unwrap(), "--kind", "999"]);
    assert!(r.stdout.contains("ST*999*"), "{}", r.stdout);
}

#[test]
fn parse_summarises_and_convert_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(&dir, "good.edi", VALID_850);
    let r = run_raw(&["edi", "parse", good.to_str().unwrap()]);
    assert!(r.success(), "{r:?}");
    assert!(r.stdout.contains("interchange 000000007 from ZZ/ACORNRETAIL to ZZ/ACME1EDI"), "{}", r.stdout);
    assert!(r.stdout.contains("1 × 850"), "{}", r.stdout);

    let r = run_raw(&["edi", "convert", good.to_str().unwrap()]);
    assert!(r.success(), "{r:?}");
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("convert prints JSON");
    let text = json.to_string();
    assert!(text.contains("\"BEG\"") && text.contains("4XK92P7Q"), "{text}");

    let junk = file(&dir, "junk.txt", "hello, not EDI");
    let r = run_raw(&["edi", "parse", junk.to_str().unwrap()]);
    assert!(!r.success());
    assert!(r.stderr.contains("ISA") || r.stderr.contains("UNB"), "{}", r.stderr);
}
