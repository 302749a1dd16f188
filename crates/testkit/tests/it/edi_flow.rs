//! The EDI gateway end to end, on the real service and file system: an 850 goes out for a new PO;
//! the vendor's 855 and 856 come back through its drop directory and become the PO's
//! acknowledgement and an ASN; a 997 goes back for each; the resent 856 creates nothing; an 855
//! that raises a quantity is refused like a portal acknowledgement; a test interchange changes no
//! data; new content under a used control number is refused.

use acorn_domain::edi::{DocumentStatus, InterchangeStatus, PartnerInput, Source};
use acorn_domain::gs1::Sscc;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_edi::guide::GuideSet;
use acorn_edi::{Delimiters, GroupHeader, InterchangeHeader, Standard, Value, Writer};
use acorn_service::Ctx;
use acorn_service::edi::files;
use acorn_service::edi::log::InterchangeFilter;
use acorn_service::orders::PoDetail;
use acorn_testkit::app::{TestApp, VendorFx};

const OUR_ID: &str = "ACORNRETAIL";

fn partner_id(v: &VendorFx) -> String {
    format!("{}EDI", v.code)
}

/// Sets up the vendor's X12 partner settings as a new vendor admin; returns that admin's e-mail.
async fn set_up_partner(app: &TestApp, v: &VendorFx) -> String {
    let fx = app.user(v.id, &[Role::VendorAdmin]).await;
    let user = app.services.get_user(&Ctx::cli(), fx.id).await.unwrap();
    let admin = Ctx::new(acorn_service::Principal::User(user), "edi-test", "127.0.0.1");
    let input = PartnerInput {
        standard: "x12".into(),
        partner_qualifier: "ZZ".into(),
        partner_id: partner_id(v),
        our_qualifier: "ZZ".into(),
        our_id: OUR_ID.into(),
        ..PartnerInput::default()
    };
    app.services.set_edi_partner(&admin, v.id, input).await.expect("partner settings");
    fx.email
}

/// An interchange from the vendor to ACORN holding one set, written segment by segment from
/// `*`-separated strings (the writer computes SE, GE and IEA).
fn from_vendor(v: &VendorFx, control: u64, functional_id: &str, set: &str, body: &[String], test: bool) -> Vec<u8> {
    let header = InterchangeHeader {
        sender_qualifier: "ZZ".into(),
        sender: partner_id(v),
        receiver_qualifier: "ZZ".into(),
        receiver: OUR_ID.into(),
        control,
        date: "261127".into(),
        time: "1200".into(),
        version: "00401".into(),
        test,
        ack_requested: false,
        charset: String::new(),
    };
    let mut w = Writer::new(Standard::X12, Delimiters::x12_default(None), &header).unwrap();
    let group = GroupHeader {
        functional_id: functional_id.into(),
        sender: partner_id(v),
        receiver: OUR_ID.into(),
        control,
        date: "20261127".into(),
        time: "1200".into(),
        version: "004010".into(),
    };
    w.begin_group(&group).unwrap();
    w.begin_set(set, "0001", "").unwrap();
    for line in body {
        let mut parts = line.split('*');
        let tag = parts.next().unwrap();
        let elements: Vec<Value> = parts.map(Value::from).collect();
        w.segment(tag, &elements).unwrap();
    }
    w.end_set().unwrap();
    w.finish().unwrap()
}

fn gtin_qualifier(gtin: &str) -> &'static str {
    match gtin.len() {
        12 => "UP",
        13 => "EN",
        _ => "UK",
    }
}

/// An 855 answering every line of `po` with `ACK*IA` for `quantity` eaches.
fn ack_855(v: &VendorFx, po: &PoDetail, control: u64, quantity: i64, test: bool) -> Vec<u8> {
    let mut body = vec![format!("BAK*00*AC*{}*{}", po.po.number, po.po.order_date.format("%Y%m%d"))];
    for l in &po.lines {
        body.push(format!("PO1*{}*{}*EA*{}**{}*{}", l.line_no, l.ordered_quantity, l.net_cost, gtin_qualifier(&l.gtin), l.gtin));
        body.push(format!("ACK*IA*{quantity}*EA"));
    }
    body.push(format!("CTT*{}", po.lines.len()));
    from_vendor(v, control, "PR", "855", &body, test)
}

/// A 4010 856 (Shipment / Order / Pack / Item) shipping every line of `po` in one carton each.
fn asn_856(v: &VendorFx, po: &PoDetail, control: u64, per_line: i64) -> Vec<u8> {
    let ship = po.po.ship_window.start.format("%Y%m%d");
    let arrive = po.po.delivery_window.start.format("%Y%m%d");
    let mut body = vec![
        format!("BSN*00*EDI-{}*{ship}*1200", po.po.number),
        "HL*1**S".to_string(),
        "TD1*CTN25*1".to_string(),
        "TD5**2*UPSN".to_string(),
        format!("REF*BM*BOL{}", po.po.number),
        format!("DTM*011*{ship}*1200"),
        format!("DTM*017*{arrive}"),
        format!("N1*ST*ACORN DC*92*{}", po.po.dc_code),
        "N1*SF*VENDOR WAREHOUSE".to_string(),
        "N3*1 DOCK ROAD".to_string(),
        "N4*SPARKS*NV*89431*US".to_string(),
        "HL*2*1*O".to_string(),
        format!("PRF*{}", po.po.number),
    ];
    let mut hl = 2;
    for (i, l) in po.lines.iter().enumerate() {
        let sscc = Sscc::generate(0, &v.gs1_prefix, 9_000 + i as u64).unwrap();
        body.push(format!("HL*{}*2*P", hl + 1));
        body.push(format!("MAN*GM*{}", sscc.as_str()));
        body.push(format!("HL*{}*{}*I", hl + 2, hl + 1));
        body.push(format!("LIN*{}*{}*{}", l.line_no, gtin_qualifier(&l.gtin), l.gtin));
        body.push(format!("SN1**{per_line}*EA"));
        hl += 2;
    }
    body.push(format!("CTT*{hl}"));
    from_vendor(v, control, "SH", "856", &body, false)
}

/// Drops `bytes` into the vendor's inbox the careful way (written under a temporary name, renamed
/// into place) and runs one scan, with the watcher's view that the file was renamed in.
async fn drop_file(app: &TestApp, v: &VendorFx, name: &str, bytes: &[u8]) -> acorn_service::edi::dropdir::Taken {
    let inbox = files::inbox(&app.config.data_dir, &v.code);
    std::fs::write(inbox.join(format!("{name}.part")), bytes).unwrap();
    std::fs::rename(inbox.join(format!("{name}.part")), inbox.join(name)).unwrap();
    let target = inbox.join(name);
    let mut taken = app.services.scan_drop_directories(&move |p| p == target).await.expect("scan");
    assert_eq!(taken.len(), 1, "one file taken");
    taken.remove(0)
}

fn outbox_files(app: &TestApp, v: &VendorFx) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(files::outbox(&app.config.data_dir, &v.code))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

async fn log(app: &TestApp, tenant: TenantId) -> Vec<acorn_domain::edi::Interchange> {
    let f = InterchangeFilter { tenant: Some(tenant), ..InterchangeFilter::default() };
    app.services.edi_log(&Ctx::cli(), f, None, Some(100)).await.unwrap().items
}

#[tokio::test]
async fn an_850_goes_out_and_the_855_and_856_come_back_through_the_drop_directory() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("EDI1").await;
    set_up_partner(&app, &v).await;
    let (a, b) = (app.item(&v).await, app.item(&v).await);
    let po = app.po(&v, &dc, &[&a, &b], 24).await;

    // The 850 goes out once, valid against ACORN's own guide, and names the PO.
    assert_eq!(app.services.send_edi_documents().await.unwrap(), 1);
    assert_eq!(app.services.send_edi_documents().await.unwrap(), 0, "a PO is sent once");
    let sent = outbox_files(&app, &v);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("_850_"), "{sent:?}");
    let bytes = std::fs::read(files::outbox(&app.config.data_dir, &v.code).join(&sent[0])).unwrap();
    let checked = acorn_edi::validate(&bytes, &GuideSet::builtin()).unwrap();
    assert!(checked.is_valid(), "{:?}", checked.findings);
    assert!(String::from_utf8_lossy(&bytes).contains(&format!("BEG*00*NE*{}", po.po.number)));
    let about = app.services.edi_documents_about(&Ctx::cli(), v.id, po.po.id).await.unwrap();
    assert_eq!(about.len(), 1);
    assert_eq!((about[0].set_id.as_str(), about[0].status), ("850", DocumentStatus::Sent));

    // The vendor's EDI system answers the 850 with a 997; the 850 shows as accepted.
    let ids = acorn_edi::ack::AckIds::reply_to(&checked.interchanges[0], 300, 300, "20261127", "1200");
    let fa = acorn_edi::ack::x12_acks(&checked, 0, acorn_edi::ack::AckKind::Fa997, &ids).unwrap().expect("a 997 for the 850");
    let taken = drop_file(&app, &v, "fa.edi", &fa).await;
    assert_eq!(taken.status, Some(InterchangeStatus::Success), "{taken:?}");
    let about = app.services.edi_documents_about(&Ctx::cli(), v.id, po.po.id).await.unwrap();
    assert_eq!(about[0].status, DocumentStatus::Accepted, "{about:?}");

    // The vendor's 855 acknowledges every line in full.
    let taken = drop_file(&app, &v, "po-ack.edi", &ack_855(&v, &po, 101, 24, false)).await;
    assert_eq!(taken.status, Some(InterchangeStatus::Success), "{taken:?}");
    assert!(taken.moved_to.starts_with(files::processed(&app.config.data_dir, &v.code)));
    let after = app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap();
    assert_eq!(after.po.acked_revision, after.po.revision, "the 855 acknowledged the PO");
    assert!(after.lines.iter().all(|l| l.committed_eaches == 24));

    // Its 856 becomes the PO's ASN, cartons and SSCCs included.
    let asn = asn_856(&v, &po, 102, 24);
    let taken = drop_file(&app, &v, "asn.edi", &asn).await;
    assert_eq!(
        taken.status,
        Some(InterchangeStatus::Success),
        "{taken:?}: {}",
        log(&app, v.id).await.iter().find(|i| i.direction == acorn_domain::edi::Direction::Inbound).unwrap().summary
    );
    let shipments = app.services.shipments_of_po(&Ctx::cli(), &po.po).await.unwrap();
    assert_eq!(shipments.len(), 1);
    let detail = app.services.get_shipment(&Ctx::cli(), shipments[0].shipment.id).await.unwrap();
    assert_eq!(detail.shipment.cartons.len(), 2);
    assert_eq!(detail.shipment.total_units(), 48);

    // The portal shows them: the PO acknowledged with its ASN, and the EDI documents about it.
    let ops = app.user(v.id, &[Role::Operations, Role::VendorAdmin]).await;
    let web = app.login(&ops).await;
    let page = web.get(app.url(&format!("/orders/{}", po.po.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("EDI-{}", po.po.number)), "the PO page lists the ASN from the 856");
    assert!(page.contains("Acknowledged"), "the PO page shows the acknowledgement");
    for set in ["850", "855", "856"] {
        assert!(page.contains(&format!(">{set}<")), "the PO page's EDI section lists the {set}");
    }
    let edi_log = web.get(app.url("/edi")).send().await.unwrap().text().await.unwrap();
    assert!(edi_log.contains("000000101") && edi_log.contains("000000102"), "the EDI log lists the 855 and 856 interchanges by control number");

    // A 997 went back for the 855 and the 856 (none for the vendor's own 997: acknowledgements are not acknowledged).
    let out = outbox_files(&app, &v);
    assert_eq!(out.iter().filter(|n| n.contains("_997_")).count(), 2, "{out:?}");
    let entries = log(&app, v.id).await;
    let inbound: Vec<_> = entries.iter().filter(|i| i.direction == acorn_domain::edi::Direction::Inbound && i.sets != "997").collect();
    assert_eq!(inbound.len(), 2);
    assert!(inbound.iter().all(|i| i.related_id.is_some()), "each inbound interchange links its 997");

    // The resent 856 creates nothing new and answers with the first transaction.
    let before = log(&app, v.id).await.len();
    let again = app.services.receive_edi(&Ctx::cli(), v.id, asn.clone(), Source::Upload, "asn-again.edi").await.unwrap();
    assert!(again.duplicate);
    assert_eq!(log(&app, v.id).await.len(), before);
    assert_eq!(app.services.shipments_of_po(&Ctx::cli(), &po.po).await.unwrap().len(), 1);
}

#[tokio::test]
async fn edi_documents_follow_the_same_rules_as_the_portal() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("EDI2").await;
    let admin = set_up_partner(&app, &v).await;
    let item = app.item(&v).await;
    let po = app.po(&v, &dc, &[&item], 24).await;

    // An 855 that raises a quantity is refused, with the reason in the log; the PO stays unacknowledged.
    let raised = app.services.receive_edi(&Ctx::cli(), v.id, ack_855(&v, &po, 201, 30, false), Source::Upload, "raise.edi").await.unwrap();
    assert_eq!(raised.interchange.status, InterchangeStatus::Failure);
    assert_eq!(raised.documents.len(), 1);
    assert_eq!(raised.documents[0].status, DocumentStatus::Rejected);
    assert!(!raised.documents[0].errors.is_empty());
    assert_eq!(app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap().po.acked_revision, 0);
    assert!(raised.ack.is_some(), "a syntactically valid interchange is still acknowledged");
    let mails = app.mail_to(&admin).await;
    assert!(mails.iter().any(|m| m.subject.contains("raise.edi") && m.subject.contains("refused")), "the vendor admin hears of it: {mails:?}");

    // A test interchange is acknowledged but changes no data.
    let test = app.services.receive_edi(&Ctx::cli(), v.id, ack_855(&v, &po, 202, 24, true), Source::Upload, "test.edi").await.unwrap();
    assert_eq!(test.interchange.status, InterchangeStatus::Success);
    assert_eq!(test.documents[0].status, DocumentStatus::Tested);
    assert_eq!(app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap().po.acked_revision, 0);

    // New content under a used control number is refused and changes nothing.
    let reused = app.services.receive_edi(&Ctx::cli(), v.id, ack_855(&v, &po, 201, 24, false), Source::Upload, "reuse.edi").await.unwrap();
    assert!(!reused.duplicate);
    assert_eq!(reused.interchange.status, InterchangeStatus::Failure);
    assert!(reused.interchange.summary.contains("control number"), "{}", reused.interchange.summary);
    assert!(reused.documents.is_empty());
    assert_eq!(app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap().po.acked_revision, 0);

    // A correct 855 under a new control number goes through.
    let ok = app.services.receive_edi(&Ctx::cli(), v.id, ack_855(&v, &po, 203, 24, false), Source::Upload, "ok.edi").await.unwrap();
    assert_eq!(ok.interchange.status, InterchangeStatus::Success, "{}", ok.interchange.summary);
    assert_eq!(app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap().po.acked_revision, 1);

    // A change of the PO goes out as an 860 naming the changed line, and shows on the PO.
    assert_eq!(app.services.send_edi_documents().await.unwrap(), 1, "the 850");
    let change = acorn_service::orders::PoChange {
        lines: vec![acorn_service::orders::LineChange { line_no: 1, quantity: Some(12), ..Default::default() }],
        reason: "forecast lowered".into(),
        ..Default::default()
    };
    app.services.change_po(&Ctx::cli(), po.po.id, change).await.unwrap();
    assert_eq!(app.services.send_edi_documents().await.unwrap(), 1, "the 860");
    let about = app.services.edi_documents_about(&Ctx::cli(), v.id, po.po.id).await.unwrap();
    let sets: Vec<_> = about.iter().map(|d| (d.direction.as_str(), d.set_id.as_str())).collect();
    assert_eq!(
        sets,
        [("inbound", "855"), ("inbound", "855"), ("outbound", "850"), ("outbound", "860")],
        "the refused and the applied 855, then what ACORN sent"
    );
    let sent = acorn_service::edi::files::outbox(&app.config.data_dir, &v.code);
    let pc = std::fs::read_dir(&sent).unwrap().map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().contains("_860_")).expect("an 860 file");
    let text = String::from_utf8(std::fs::read(pc).unwrap()).unwrap();
    assert!(text.contains(&format!("BCH*04*NE*{}", po.po.number)), "{text}");
    assert!(text.contains("POC*1*QD*12**EA*"), "line 1 quantity decreased to 12: {text}");
    let checked = acorn_edi::validate(text.as_bytes(), &GuideSet::builtin()).unwrap();
    assert!(checked.is_valid(), "{:?}", checked.findings);

    // A misaddressed interchange (another sender id) is refused whole.
    let other = VendorFx { code: "OTHER".into(), ..v.clone() };
    let wrong = app.services.receive_edi(&Ctx::cli(), v.id, ack_855(&other, &po, 204, 24, false), Source::Upload, "wrong.edi").await.unwrap();
    assert_eq!(wrong.interchange.status, InterchangeStatus::Failure);
    assert!(wrong.interchange.summary.contains("sender"), "{}", wrong.interchange.summary);
}
