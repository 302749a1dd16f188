//! The fuzz seed corpus: small interchanges of every shape the engine reads, written as files.
//!
//! From the generator (850s with and without line breaks), from the engine's own test inputs (BOM,
//! wrapped segments, EDIFACT release characters, concatenated interchanges with other delimiters,
//! multi-byte terminators, a missing final terminator), from ACORN's writer and acknowledgement
//! builders (997, 999, TA1, CONTRL), small inbound sets for every mapper (855, 865, 856, 810, 846,
//! ORDRSP, DESADV, INVOIC), and — when the directory exists on this machine — the public samples
//! in /work/shared/edi-samples (read at seed time only; they are not part of the repository).

use std::path::Path;

use acorn_edi::{AckIds, AckKind, Delimiters, GroupHeader, GuideSet, InterchangeHeader, Party, Standard, Value, Writer};

use crate::input;

const ISA: &str = "ISA*00*          *00*          *ZZ*AMAZON         *ZZ*VENDOR42       *260301*1200*U*00401*000000001*1*P*>~";

fn x12(gs01: &str, body: &[&str]) -> String {
    let mut s = format!("{ISA}\nGS*{gs01}*AMAZON*VENDOR42*20260301*1200*1*X*004010~\n");
    for seg in body {
        s.push_str(seg);
        s.push_str("~\n");
    }
    s.push_str(&format!("SE*{}*0001~\nGE*1*1~\nIEA*1*000000001~\n", body.len() + 1));
    s
}

fn edifact(message: &str, body: &[&str]) -> String {
    let mut s = format!("UNA:+.? 'UNB+UNOA:3+AMAZON:14+VENDOR42:14+260301:1200+REF1++++1'UNH+1+{message}'");
    for seg in body {
        s.push_str(seg);
        s.push('\'');
    }
    s.push_str(&format!("UNT+{}+1'UNZ+1+REF1'", body.len() + 2));
    s
}

fn ids() -> AckIds {
    AckIds {
        sender: Party { qualifier: "ZZ".into(), id: "VENDOR42".into() },
        receiver: Party { qualifier: "ZZ".into(), id: "AMAZON".into() },
        interchange_control: 7,
        group_control: 7,
        date: "20260301".into(),
        time: "1200".into(),
        test: false,
        delimiters: None,
    }
}

fn written(standard: Standard) -> Vec<u8> {
    let delimiters = match standard {
        Standard::X12 => Delimiters::x12_default(Some(b'^')),
        Standard::Edifact => Delimiters::edifact_default(),
    };
    let header = InterchangeHeader {
        sender_qualifier: "ZZ".into(),
        sender: "ACORN".into(),
        receiver_qualifier: "ZZ".into(),
        receiver: "VENDOR42".into(),
        control: 42,
        date: "260301".into(),
        time: "1200".into(),
        version: if standard == Standard::X12 { "00501".into() } else { "3".into() },
        test: true,
        ack_requested: true,
        charset: "UNOC".into(),
    };
    let mut w = Writer::new(standard, delimiters, &header).expect("header");
    if standard == Standard::X12 {
        let group = GroupHeader {
            functional_id: "PO".into(),
            sender: "ACORN".into(),
            receiver: "VENDOR42".into(),
            control: 9,
            date: "20260301".into(),
            time: "1200".into(),
            version: "005010".into(),
        };
        w.begin_group(&group).expect("group");
        w.begin_set("850", "0001", "").expect("set");
        w.segment("BEG", &["00", "NE", "PO42", "", "20260301"].map(Value::from)).expect("BEG");
        w.segment("PO1", &["1", "12", "EA", "9.99", "PE", "UP", "614141000012"].map(Value::from)).expect("PO1");
        w.segment("CTT", &[Value::from("1")]).expect("CTT");
    } else {
        w.begin_set("ORDERS", "1", "D:96A:UN").expect("set");
        w.segment("BGM", &[Value::from("220"), "PO42".into(), "9".into()]).expect("BGM");
        w.segment("FTX", &[Value::from("AAI"), "".into(), "".into(), acorn_edi::composite(["IT'S+OK: ?"])]).expect("FTX");
        w.segment("LIN", &[Value::from("1"), "".into(), acorn_edi::composite(["614141000012", "EN"])]).expect("LIN");
    }
    w.end_set().expect("end set");
    w.finish().expect("finish")
}

/// Writes the seeds into `dir` (created if needed); returns how many.
pub fn write(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the corpus directory");
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (size, term)) in [(1, "~"), (1_500, "~"), (3_000, "~\n"), (6_000, "~\r\n")].into_iter().enumerate() {
        seeds.push((format!("gen-850-{i}"), input::interchange_850(size, i as u64 + 1, term)));
    }
    let fixed: &[(&str, &[u8])] = &[
        ("tokenizer-x12", b"\xEF\xBB\xBFISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>~\r\nGS*PO*S*R*20260101*1200*1*X*004010~\r\nST*850*0001~\r\nBEG*00*SA*PO1**20260101~\r\nN4*WILKES\nBORO*NC~\r\nSE*4*0001~\r\nGE*1*1~\r\nIEA*1*000000001~\r\n\r\n"),
        ("edifact-release", b"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'FTX+AAI+++IT?'S OK'UNZ+0+1'"),
        ("concatenated", b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*U*00401*000000001*0*P*>~IEA*0*000000001~ISA|00|          |00|          |ZZ|A              |ZZ|B              |260101|1200|U|00401|000000002|0|P|>!IEA|0|000000002!"),
        ("unterminated", b"UNB+UNOA:1+S+R+200101:1200+1'UNZ+0+1\n"),
        ("multibyte-terminator", "\u{FEFF}ISA*00**00**ZZ*A*ZZ*B*200910*1930*U*00400*1*0*P*>…\nGS*PO*A*B*20200910*1930*1*X*004010…\nST*850*0001…\nBEG*00*SA*PO1**20200910…\nSE*3*0001…\nGE*1*1…\nIEA*1*1…\n".as_bytes()),
        ("una-custom", b"UNA=*.? ~UNB*UNOA=3*S*R*260101=1200*1~UNH*1*ORDERS=D=96A=UN~BGM*220*PO1*9~UNT*3*1~UNZ*1*1~"),
        ("edifact-no-una", b"UNB+UNOA:3+S+R+260101:1200+1'UNZ+0+1"),
        ("una-repetition", b"UNA:+.?*'UNB+UNOC:4+S+R+20260101:1200+1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++A*B*C'UNT+3+1'UNZ+1+1'"),
        ("isa-5010-repetition", b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*P*>~GS*HC*S*R*20260101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~SV1*HC>99213>25*12.5**UN*1^2~SE*3*0001~GE*1*1~IEA*1*000000001~"),
    ];
    for (name, bytes) in fixed {
        seeds.push((name.to_string(), bytes.to_vec()));
    }
    let bodies: &[(&str, &str, &[&str])] = &[
        ("855", "PR", &["ST*855*0001", "BAK*00*AC*PO42*20260301", "PO1*1*10*EA*9.99**UP*614141000012*VN*SKU1", "ACK*IA*10*EA*068*20260310", "CTT*1"]),
        ("865", "CA", &["ST*865*0001", "BCA*01*AC*PO42**20260301", "POC*1*QD*10*2*EA*9.99**UP*614141000012", "ACK*IQ*8*EA", "CTT*1"]),
        (
            "856",
            "SH",
            &[
                "ST*856*0001",
                "BSN*00*SHIP1*20260301*1200",
                "HL*1**S",
                "TD1*CTN*1****G*12*LB",
                "TD5**2*UPSN",
                "REF*BM*BOL1",
                "DTM*011*20260301",
                "N1*ST**92*RNO4",
                "HL*2*1*O",
                "PRF*PO42",
                "HL*3*2*P",
                "MAN*GM*00006141410000123452",
                "HL*4*3*I",
                "LIN**UP*614141000012*VN*SKU1",
                "SN1**10*EA",
                "CTT*4",
            ],
        ),
        (
            "810",
            "IN",
            &[
                "ST*810*0001",
                "BIG*20260301*INV1**PO42",
                "REF*VN*VND1",
                "N1*RE*VENDOR",
                "ITD*01*3*2**30",
                "DTM*011*20260301",
                "IT1*1*10*EA*9.99**UP*614141000012",
                "TDS*9990",
                "CTT*1",
            ],
        ),
        ("846", "IB", &["ST*846*0001", "BIA*00*MM*INV1*20260301", "LIN**UP*614141000012", "QTY*33*100*EA", "CTT*1"]),
        (
            "850",
            "PO",
            &[
                "ST*850*0001",
                "BEG*00*NE*T8R4LM2Q**20260301",
                "REF*CR*VND42",
                "CSH*N",
                "DTM*064*20260310",
                "DTM*063*20260317",
                "N1*ST**92*RNO4",
                "PO1*1*12*EA*9.99*PE*UP*614141000012",
                "CTT*1",
            ],
        ),
    ];
    for (id, gs01, body) in bodies {
        seeds.push((format!("x12-{id}"), x12(gs01, body).into_bytes()));
    }
    let messages: &[(&str, &[&str])] = &[
        ("ORDRSP:D:96A:UN", &["BGM+231+PO42+29", "DTM+137:20260301:102", "RFF+ON:PO42", "LIN+1+5+614141000012:EN", "QTY+21:10"]),
        (
            "DESADV:D:96A:UN",
            &["BGM+351+ASN1+9", "DTM+137:20260301:102", "RFF+ON:PO42", "NAD+ST+RNO4::92", "CPS+1", "PAC+1++CT", "LIN+1++614141000012:EN", "QTY+12:10"],
        ),
        (
            "INVOIC:D:96A:UN",
            &["BGM+380+INV1+9", "DTM+137:20260301:102", "RFF+ON:PO42", "LIN+1++614141000012:EN", "QTY+47:10", "MOA+203:99.90", "UNS+S", "MOA+77:99.90"],
        ),
    ];
    for (message, body) in messages {
        seeds.push((format!("edifact-{}", &message[..6]), edifact(message, body).into_bytes()));
    }
    seeds.push(("written-x12".into(), written(Standard::X12)));
    seeds.push(("written-edifact".into(), written(Standard::Edifact)));

    // Acknowledgements of a few of the above (they are inputs too: ACORN reads 997/999/CONTRL).
    let guides = GuideSet::builtin();
    let mut acks = Vec::new();
    for (name, bytes) in &seeds {
        let Ok(v) = acorn_edi::validate(bytes, &guides) else { continue };
        for kind in [AckKind::Fa997, AckKind::Ia999] {
            if let Ok(Some(ack)) = acorn_edi::x12_acks(&v, 0, kind, &ids()) {
                acks.push((format!("ack-{}-{name}", kind.set_id()), ack));
            }
        }
        if let Ok(Some(ack)) = acorn_edi::contrl(&v, 0, &ids()) {
            acks.push((format!("ack-contrl-{name}"), ack));
        }
    }
    seeds.extend(acks);

    if let Ok(entries) = std::fs::read_dir("/work/shared/edi-samples") {
        for entry in entries.flatten() {
            let path = entry.path();
            let small = entry.metadata().is_ok_and(|m| m.is_file() && m.len() <= 64 * 1024);
            if small
                && path.extension().is_some_and(|e| e == "edi")
                && let Ok(bytes) = std::fs::read(&path)
            {
                seeds.push((format!("sample-{}", path.file_stem().unwrap_or_default().to_string_lossy()), bytes));
            }
        }
    }
    let n = seeds.len();
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).expect("write a seed");
    }
    println!("{n} seeds in {}", dir.display());
}
