//! Valid documents, one for every set ACORN has a guide for, with Amazon-retail-like content.
//!
//! A body is written in one notation for both standards — `*` between elements, `>` between the
//! components of a composite — and rendered by the canonical [`Writer`] with the interchange's own
//! delimiters. So EDIFACT data holding a delimiter is escaped by the writer, and every trailer count
//! and control number is the writer's. GTINs, GLNs and SSCCs get their check digits from
//! `acorn_domain::gs1`, never from a literal.

use acorn_domain::gs1::{Sscc, check_digit};
use acorn_edi::{Delimiters, GroupHeader, InterchangeHeader, Standard, Value, Writer};

/// A GS1 key (GTIN, GLN) from its digits without the check digit.
pub fn gs1(body: &str) -> String {
    format!("{body}{}", check_digit(body))
}

/// Carton and pallet SSCCs under the GS1 example company prefix 0614141.
pub fn sscc(serial: u64) -> String {
    Sscc::generate(0, "0614141", serial).expect("the serial fits the prefix").as_str().to_string()
}

/// Amazon's purchase order number for the whole corpus, and the vendor code Amazon knows the vendor by.
const PO: &str = "4QX7R2ZP";
const VENDOR: &str = "ACMEV";

/// One catalogue item as Amazon retail orders it.
struct Item {
    asin: &'static str,
    sku: &'static str,
    /// Product ID qualifier of `gtin` (235): UPC, EAN or GTIN-14.
    qualifier: &'static str,
    gtin: String,
    description: &'static str,
    cost: &'static str,
    list: &'static str,
    quantity: u32,
    uom: &'static str,
}

fn catalogue() -> Vec<Item> {
    vec![
        Item {
            asin: "B07KX9QF2L",
            sku: "KB-RED-10",
            qualifier: "UP",
            gtin: gs1("61414100001"),
            description: "KETTLEBELL 10 LB RED",
            cost: "9.99",
            list: "14.99",
            quantity: 12,
            uom: "EA",
        },
        Item {
            asin: "B08HDR2WQ7",
            sku: "YM-BLU-6MM",
            qualifier: "UP",
            gtin: gs1("61414100002"),
            description: "YOGA MAT 6MM BLUE",
            cost: "12.40",
            list: "19.99",
            quantity: 8,
            uom: "EA",
        },
        Item {
            asin: "B09C4M7TQ1",
            sku: "RB-SET-5",
            qualifier: "EN",
            gtin: gs1("400638133393"),
            description: "RESISTANCE BAND SET 5 PC",
            cost: "24.50",
            list: "34.99",
            quantity: 6,
            uom: "CA",
        },
        Item {
            asin: "B0CJ8W2NZK",
            sku: "KB-RED-10-CS4",
            qualifier: "UK",
            gtin: gs1("1061414100001"),
            description: "KETTLEBELL 10 LB RED CASE OF 4",
            cost: "38.00",
            list: "55.96",
            quantity: 2,
            uom: "CA",
        },
    ]
}

/// Cents of a price written with two decimals.
fn cents(price: &str) -> u64 {
    price.replace('.', "").parse().expect("a price with two decimals")
}

/// `1234` cents as `12.34`.
fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn po_850() -> Vec<String> {
    let items = catalogue();
    let mut body: Vec<String> = [
        format!("BEG*00*NE*{PO}**20260302"),
        "CUR*BY*USD".into(),
        format!("REF*CR*{VENDOR}"),
        "REF*PD*SPRING-DEAL-7".into(),
        "FOB*PP".into(),
        "CSH*N".into(),
        "DTM*064*20260309".into(),
        "DTM*063*20260316".into(),
        "N1*ST**92*RNO4".into(),
        "N3*8000 NORTH VIRGINIA ST".into(),
        "N4*RENO*NV*89506*US".into(),
    ]
    .into();
    for (n, item) in items.iter().enumerate() {
        body.push(format!("PO1*{}*{}*{}*{}*PE*{}*{}*VN*{}*BP*{}", n + 1, item.quantity, item.uom, item.cost, item.qualifier, item.gtin, item.sku, item.asin));
        if n < 2 {
            body.push(format!("CTP**LPR*{}", item.list));
            body.push(format!("PID*F****{}", item.description));
        }
    }
    let units: u32 = items.iter().map(|i| i.quantity).sum();
    body.push(format!("CTT*{}*{units}", items.len()));
    body
}

fn ack_855() -> Vec<String> {
    let items = catalogue();
    // Accepted, accepted with a lower quantity, back-ordered, rejected: the four answers Amazon knows.
    let answers = [("IA", 12, "068*20260309"), ("IQ", 6, "068*20260310"), ("IB", 6, "068*20260320"), ("IR", 0, "")];
    let mut body = vec![format!("BAK*00*AC*{PO}*20260302"), format!("REF*CR*{VENDOR}"), "N1*ST**92*RNO4".into()];
    for (n, (item, (status, qty, date))) in items.iter().zip(answers).enumerate() {
        body.push(format!("PO1*{}*{}*{}*{}*PE*{}*{}*VN*{}", n + 1, item.quantity, item.uom, item.cost, item.qualifier, item.gtin, item.sku));
        let date = if date.is_empty() { String::new() } else { format!("*{date}") };
        body.push(format!("ACK*{status}*{qty}*{}{date}", item.uom));
    }
    body.push(format!("CTT*{}", items.len()));
    body
}

/// Shipment > Order > Tare (one pallet) > Pack (two cartons) > Item.
fn asn_856_5010() -> Vec<String> {
    let items = catalogue();
    vec![
        "BSN*00*ASN-20260305-01*20260305*1430*0001".into(),
        "DTM*011*20260305*1430".into(),
        "DTM*017*20260308".into(),
        "HL*1**S*1".into(),
        "TD1*CTN25*2****G*42.5*LB".into(),
        "TD5**2*UPSN".into(),
        "REF*BM*BOL-778812".into(),
        "N1*ST**92*RNO4".into(),
        format!("N1*SF*ACME SUPPLY CO*92*{VENDOR}"),
        "N3*100 MAIN ST".into(),
        "N4*SEATTLE*WA*98101*US".into(),
        "HL*2*1*O*1".into(),
        format!("PRF*{PO}"),
        "HL*3*2*T*1".into(),
        format!("MAN*GM*{}", sscc(9_000_001)),
        "HL*4*3*P*1".into(),
        format!("MAN*GM*{}", sscc(1_000_001)),
        "HL*5*4*I*0".into(),
        format!("LIN**{}*{}*VN*{}", items[0].qualifier, items[0].gtin, items[0].sku),
        "SN1**12*EA".into(),
        "HL*6*3*P*1".into(),
        format!("MAN*GM*{}", sscc(1_000_002)),
        "HL*7*6*I*0".into(),
        format!("LIN**{}*{}*VN*{}", items[1].qualifier, items[1].gtin, items[1].sku),
        "SN1**6*EA".into(),
        "CTT*7".into(),
    ]
}

/// Direct Fulfillment: Order > Item > Pack, one carton.
fn asn_856_4010() -> Vec<String> {
    let items = catalogue();
    vec![
        "BSN*00*DF-SHIP-90817*20260305*1430".into(),
        "HL*1**O*1".into(),
        "PRF*DF12345678".into(),
        "N1*ST*JANE DOE".into(),
        "N3*1 ELM ST".into(),
        "N4*AUSTIN*TX*78701*US".into(),
        "HL*2*1*I*1".into(),
        format!("LIN*1*{}*{}", items[0].qualifier, items[0].gtin),
        "SN1*1*1*EA".into(),
        "HL*3*2*P*0".into(),
        "TD5**2*UPSN".into(),
        format!("MAN*GM*{}", sscc(1_000_003)),
        "CTT*3".into(),
    ]
}

fn invoice_810() -> Vec<String> {
    let items = catalogue();
    let shipped = [12u64, 6];
    let mut body = vec![
        format!("BIG*20260320*INV-0042*20260302*{PO}"),
        "CUR*SE*USD".into(),
        format!("REF*VN*{VENDOR}"),
        format!("N1*RE*ACME SUPPLY CO*92*{VENDOR}"),
        "N3*100 MAIN ST".into(),
        "N4*SEATTLE*WA*98101*US".into(),
        "N1*ST**92*RNO4".into(),
        "ITD*01*3*2**30**60".into(),
        "DTM*011*20260305".into(),
    ];
    let mut total = 0;
    for (n, (item, qty)) in items.iter().zip(shipped).enumerate() {
        body.push(format!("IT1*{}*{qty}*{}*{}**{}*{}*VN*{}", n + 1, item.uom, item.cost, item.qualifier, item.gtin, item.sku));
        total += qty * cents(item.cost);
    }
    // TDS01 is the invoice total in cents (implied two decimals).
    body.push(format!("TDS*{total}"));
    body.push(format!("CTT*{}", shipped.len()));
    body
}

fn remittance_820() -> Vec<String> {
    // (invoice, billed, paid) in cents: the second short-paid by a 25.00 deduction (the ADX).
    let invoices = [("INV-0042", 19_428u64, 19_428u64), ("INV-0043", 102_500, 100_000)];
    let paid: u64 = invoices.iter().map(|(_, _, paid)| paid).sum();
    let mut body = vec![
        format!("BPR*C*{}*C*ACH*CTX*01*021000021*DA*123456789*1234567890**01*091000019*DA*987654321*20260330", money(paid)),
        "TRN*1*PAY-2026-0330*1234567890".into(),
        "CUR*PR*USD".into(),
        format!("REF*VR*{VENDOR}"),
        "N1*PR*AMAZON.COM".into(),
        format!("N1*PE*ACME SUPPLY CO*92*{VENDOR}"),
        "ENT*1".into(),
    ];
    for (invoice, billed, paid) in invoices {
        body.push(format!("RMR*IV*{invoice}**{}*{}", money(paid), money(billed)));
        body.push("DTM*003*20260320".into());
    }
    body.push("ADX*-25.00*01*IV*INV-0043".into());
    body
}

fn inventory_846() -> Vec<String> {
    let items = catalogue();
    let on_hand = [140, 0, 36];
    let mut body = vec!["BIA*00*MM*INV-FEED-7*20260301*1200".into(), format!("N1*WH*ACME DC SEATTLE*92*{VENDOR}-DC1")];
    for (item, qty) in items.iter().zip(on_hand) {
        body.push(format!("LIN**{}*{}*VN*{}", item.qualifier, item.gtin, item.sku));
        body.push(format!("QTY*33*{qty}*EA"));
    }
    body.push(format!("CTT*{}", on_hand.len()));
    body
}

fn activity_852() -> Vec<String> {
    let items = catalogue();
    vec![
        "XQ*H*20260222*20260228".into(),
        "N1*BY*AMAZON.COM*92*AMZN".into(),
        format!("LIN**{}*{}", items[0].qualifier, items[0].gtin),
        "ZA*QS*12*EA".into(),
        "ZA*QA*140*EA".into(),
        "SDQ*EA*92*RNO4*80*PHX6*60".into(),
        format!("LIN**{}*{}", items[2].qualifier, items[2].gtin),
        "ZA*QS*3*EA".into(),
        "CTT*2".into(),
    ]
}

fn change_860() -> Vec<String> {
    let items = catalogue();
    vec![
        format!("BCH*04*NE*{PO}***20260302"),
        "DTM*064*20260312".into(),
        "DTM*063*20260319".into(),
        "N1*ST**92*RNO4".into(),
        format!("POC*1*QD*12*2*EA*{}*PE*{}*{}", items[0].cost, items[0].qualifier, items[0].gtin),
        format!("POC*4*DI*2*2*CA*{}*PE*BP*{}", items[3].cost, items[3].asin),
        "CTT*2".into(),
    ]
}

fn change_ack_865() -> Vec<String> {
    let items = catalogue();
    vec![
        format!("BCA*04*AC*{PO}***20260302"),
        "N1*ST**92*RNO4".into(),
        format!("POC*1*QD*12*10*EA*{}*PE*{}*{}", items[0].cost, items[0].qualifier, items[0].gtin),
        "ACK*IQ*10*EA*068*20260310".into(),
        "CTT*1".into(),
    ]
}

/// Amazon acknowledging the vendor's 855 group.
fn fa_997() -> Vec<String> {
    vec!["AK1*PR*101".into(), "AK2*855*0001".into(), "AK5*A".into(), "AK9*A*1*1*1".into()]
}

/// A 999 rejecting a carton SSCC. (The writer has no repeated elements, so the repetition
/// separator is put in by a case.)
fn ia_999() -> Vec<String> {
    vec![
        "AK1*SH*101*005010".into(),
        "AK2*856*0001*005010".into(),
        "IK3*MAN*18*HL*8".into(),
        "CTX*SHIPMENT*HL*17".into(),
        format!("IK4*2*87*7*{}", sscc(1_000_001)),
        "IK5*R*5".into(),
        "AK9*R*1*1*0".into(),
    ]
}

struct EuItem {
    gtin: String,
    asin: &'static str,
    description: &'static str,
    quantity: u32,
    price: &'static str,
}

fn eu_catalogue() -> Vec<EuItem> {
    vec![
        // The description holds EDIFACT delimiters: the writer escapes them with the release character.
        EuItem { gtin: gs1("401234500001"), asin: "B07EU1KB10", description: "KETTLEBELL 10 KG+ CASE", quantity: 12, price: "9.99" },
        EuItem { gtin: gs1("401234500002"), asin: "B07EU2YM06", description: "YOGA MAT 6MM: BLUE (VENDOR'S OWN)", quantity: 6, price: "24.5" },
    ]
}

fn amazon_gln() -> String {
    gs1("545053400002")
}

fn vendor_gln() -> String {
    gs1("401234500000")
}

fn fc_gln() -> String {
    gs1("545053400581")
}

fn orders() -> Vec<String> {
    let items = eu_catalogue();
    let mut body = vec![
        "BGM*220*PO4711*9".into(),
        "DTM*137>20260301>102".into(),
        "DTM*64>20260310>102".into(),
        "DTM*63>20260317>102".into(),
        "FTX*DEL***DELIVER TO GATE 4? NO PALLETS OVER 1.8 M".into(),
        format!("RFF*CR>{VENDOR}"),
        format!("NAD*BY*{}>>9", amazon_gln()),
        format!("NAD*SU*{}>>9", vendor_gln()),
        format!("NAD*DP*{}>>9", fc_gln()),
        "CUX*2>EUR>9".into(),
    ];
    for (n, item) in items.iter().enumerate() {
        body.push(format!("LIN*{}**{}>EN", n + 1, item.gtin));
        body.push(format!("PIA*5*{}>BP", item.asin));
        body.push(format!("IMD*F**>>>{}", item.description));
        body.push(format!("QTY*21>{}", item.quantity));
        body.push(format!("PRI*AAA>{}", item.price));
    }
    body.push("UNS*S".into());
    body.push(format!("CNT*2>{}", items.len()));
    body
}

fn ordchg() -> Vec<String> {
    let items = eu_catalogue();
    vec![
        "BGM*230*CHG4711*9".into(),
        "DTM*137>20260302>102".into(),
        "RFF*ON>PO4711".into(),
        format!("NAD*BY*{}>>9", amazon_gln()),
        format!("LIN*1*3*{}>EN", items[0].gtin),
        "QTY*21>10".into(),
        "UNS*S".into(),
        "CNT*2>1".into(),
    ]
}

fn ordrsp() -> Vec<String> {
    let items = eu_catalogue();
    vec![
        "BGM*231*RSP4711*4".into(),
        "DTM*137>20260302>102".into(),
        "RFF*ON>PO4711".into(),
        format!("NAD*BY*{}>>9", amazon_gln()),
        format!("NAD*SU*{}>>9", vendor_gln()),
        format!("LIN*1*5*{}>EN", items[0].gtin),
        "QTY*21>12".into(),
        "QTY*12>12".into(),
        format!("LIN*2*3*{}>EN", items[1].gtin),
        "QTY*21>6".into(),
        "QTY*12>4".into(),
        "DTM*2>20260312>102".into(),
        "UNS*S".into(),
        "CNT*2>2".into(),
    ]
}

/// Consignment > pallet (SSCC) > carton (SSCC) > line.
fn desadv() -> Vec<String> {
    let items = eu_catalogue();
    vec![
        "BGM*351*DES4711*9".into(),
        "DTM*137>20260305>102".into(),
        "DTM*11>20260305>102".into(),
        "RFF*ON>PO4711".into(),
        format!("NAD*SU*{}>>9", vendor_gln()),
        format!("NAD*DP*{}>>9", fc_gln()),
        "CPS*1".into(),
        "CPS*2*1".into(),
        "PAC*1**PX".into(),
        "PCI*33E".into(),
        format!("GIN*BJ*{}", sscc(9_000_002)),
        "CPS*3*2".into(),
        "PAC*1**CT".into(),
        "PCI*33E".into(),
        format!("GIN*BJ*{}", sscc(1_000_004)),
        format!("LIN*1**{}>EN", items[0].gtin),
        "QTY*12>12".into(),
        "RFF*ON>PO4711".into(),
        "CNT*2>1".into(),
    ]
}

fn invoic() -> Vec<String> {
    let items = eu_catalogue();
    let line = cents("9.99") * 12;
    let tax = line * 19 / 100;
    vec![
        "BGM*380*INV-2026-0042*9".into(),
        "DTM*137>20260320>102".into(),
        "RFF*ON>PO4711".into(),
        format!("NAD*SU*{}>>9", vendor_gln()),
        "RFF*VA>DE123456789".into(),
        format!("NAD*BY*{}>>9", amazon_gln()),
        "CUX*2>EUR>4".into(),
        "PAT*1**5>3>D>30".into(),
        format!("LIN*1**{}>EN", items[0].gtin),
        "QTY*47>12".into(),
        format!("MOA*203>{}", money(line)),
        "PRI*AAA>9.99".into(),
        "TAX*7*VAT***>>>19*S".into(),
        "UNS*S".into(),
        "CNT*2>1".into(),
        format!("MOA*77>{}", money(line + tax)),
        format!("MOA*79>{}", money(line)),
        "TAX*7*VAT***>>>19*S".into(),
        format!("MOA*124>{}", money(tax)),
    ]
}

fn contrl() -> Vec<String> {
    vec![format!("UCI*REF42*{}>14*{}>14*7", amazon_gln(), vendor_gln()), "UCM*1*ORDERS>D>96A>UN*7".into()]
}

/// One transaction set (or EDIFACT message) and how its interchange is addressed.
pub struct SetSpec {
    /// The name the cases refer to it by.
    pub name: &'static str,
    pub standard: Standard,
    /// ST01 or the UNH message type.
    pub id: &'static str,
    /// GS08, or the UNH message version (`D:96A:UN`).
    pub version: &'static str,
    /// ST03 (X12 5010 implementation convention), empty for none.
    pub st03: &'static str,
    /// GS01; empty for EDIFACT.
    pub functional_id: &'static str,
    /// Amazon sends it (else the vendor does): decides sender and receiver.
    pub from_amazon: bool,
    pub body: fn() -> Vec<String>,
}

impl SetSpec {
    const fn x12(name: &'static str, id: &'static str, version: &'static str, gs01: &'static str, from_amazon: bool, body: fn() -> Vec<String>) -> SetSpec {
        SetSpec { name, standard: Standard::X12, id, version, st03: "", functional_id: gs01, from_amazon, body }
    }

    const fn edifact(name: &'static str, id: &'static str, version: &'static str, from_amazon: bool, body: fn() -> Vec<String>) -> SetSpec {
        SetSpec { name, standard: Standard::Edifact, id, version, st03: "", functional_id: "", from_amazon, body }
    }

    /// The delimiters ACORN writes for this set: `* > ~` (plus `^` repetition from 5010 on) and EDIFACT's defaults.
    pub fn default_delimiters(&self) -> Delimiters {
        match self.standard {
            Standard::X12 => Delimiters::x12_default(self.is_5010().then_some(b'^')),
            Standard::Edifact => Delimiters::edifact_default(),
        }
    }

    fn is_5010(&self) -> bool {
        self.version.starts_with("005")
    }
}

/// Every set with a built-in guide: one document each.
pub const SETS: &[SetSpec] = &[
    SetSpec::x12("850", "850", "004010", "PO", true, po_850),
    SetSpec::x12("855", "855", "004010", "PR", false, ack_855),
    SetSpec::x12("856-5010", "856", "005010", "SH", false, asn_856_5010),
    SetSpec::x12("856-4010", "856", "004010", "SH", false, asn_856_4010),
    SetSpec::x12("810", "810", "004010", "IN", false, invoice_810),
    SetSpec::x12("820", "820", "004010", "RA", true, remittance_820),
    SetSpec::x12("846", "846", "004010", "IB", false, inventory_846),
    SetSpec::x12("852", "852", "004010", "PD", true, activity_852),
    SetSpec::x12("860", "860", "004010", "PC", true, change_860),
    SetSpec::x12("865", "865", "004010", "CA", false, change_ack_865),
    SetSpec::x12("997", "997", "004010", "FA", true, fa_997),
    SetSpec { st03: "005010X231", ..SetSpec::x12("999", "999", "005010X231", "FA", true, ia_999) },
    SetSpec::edifact("ORDERS", "ORDERS", "D:96A:UN:EAN008", true, orders),
    SetSpec::edifact("ORDCHG", "ORDCHG", "D:96A:UN:EAN008", true, ordchg),
    SetSpec::edifact("ORDRSP", "ORDRSP", "D:96A:UN:EAN008", false, ordrsp),
    SetSpec::edifact("DESADV", "DESADV", "D:96A:UN:EAN007", false, desadv),
    SetSpec::edifact("INVOIC", "INVOIC", "D:96A:UN:EAN008", false, invoic),
    SetSpec::edifact("CONTRL", "CONTRL", "D:3:UN", true, contrl),
];

pub fn spec(name: &str) -> &'static SetSpec {
    SETS.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no corpus document {name:?}"))
}

/// How a document is written: its delimiters, test flag and set control numbers.
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// `None`: the set's default delimiters.
    pub delimiters: Option<Delimiters>,
    /// ISA15 = `T` / UNB test indicator.
    pub test: bool,
    /// One set per control number, all with the same body; `None`: one set, `0001` in X12 and
    /// `1` in EDIFACT (as Amazon numbers its messages).
    pub controls: Option<Vec<&'static str>>,
}

/// A notation line as the writer's tag and elements.
fn parse_notation(line: &str) -> (&str, Vec<Value>) {
    let mut parts = line.split('*');
    let tag = parts.next().unwrap_or_default();
    let elements = parts.map(|e| if e.contains('>') { Value::Composite(e.split('>').map(str::to_string).collect()) } else { Value::from(e) }).collect();
    (tag, elements)
}

/// The interchange around `body` (one set per control number in the style).
pub fn render(spec: &SetSpec, style: &Style, body: &[String]) -> Vec<u8> {
    let delimiters = style.delimiters.unwrap_or_else(|| spec.default_delimiters());
    let (amazon, vendor) = match spec.standard {
        Standard::X12 => (("ZZ", "AMAZON".to_string()), ("ZZ", "ACMESUPPLY".to_string())),
        Standard::Edifact => (("14", amazon_gln()), ("14", vendor_gln())),
    };
    let (from, to) = if spec.from_amazon { (amazon, vendor) } else { (vendor, amazon) };
    let header = InterchangeHeader {
        sender_qualifier: from.0.into(),
        sender: from.1.clone(),
        receiver_qualifier: to.0.into(),
        receiver: to.1.clone(),
        control: 101,
        date: "260302".into(),
        time: "0915".into(),
        version: match spec.standard {
            Standard::X12 if spec.is_5010() => "00501".into(),
            Standard::X12 => "00401".into(),
            Standard::Edifact => "3".into(),
        },
        test: style.test,
        ack_requested: false,
        charset: "UNOC".into(),
    };
    let mut w = Writer::new(spec.standard, delimiters, &header).expect("the header fits the ISA");
    if spec.standard == Standard::X12 {
        let group = GroupHeader {
            functional_id: spec.functional_id.into(),
            sender: from.1.clone(),
            receiver: to.1.clone(),
            control: 101,
            date: "20260302".into(),
            time: "0915".into(),
            version: spec.version.into(),
        };
        w.begin_group(&group).expect("group");
    }
    let default = [if spec.standard == Standard::X12 { "0001" } else { "1" }];
    for control in style.controls.as_deref().unwrap_or(&default) {
        let version = if spec.standard == Standard::X12 { spec.st03 } else { spec.version };
        w.begin_set(spec.id, control, version).expect("set");
        for line in body {
            let (tag, elements) = parse_notation(line);
            w.segment(tag, &elements).unwrap_or_else(|e| panic!("{}: {line}: {e}", spec.name));
        }
        w.end_set().expect("set trailer");
    }
    w.finish().expect("interchange trailer")
}
