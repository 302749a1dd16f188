//! Order-to-dock in the portal, after the acknowledgement, over real HTTP with the cookie client: the
//! vendor builds an ASN with the form (SSCCs generated; an over-quantity row refused on its carton and
//! line, nothing written), prints its labels, books a dock slot and replaces the ASN; the upload; a
//! Collect shipment routed through the transport desk; the receiver finds the truck by a carton's
//! SSCC, checks it in, records one carton in full, one short and one the ASN does not have, and
//! closes; the vendor sees the receipt at carton level and the shortage on /defects. Another vendor
//! gets 404. Then the same path in a real browser, with axe-core on every page.

use acorn_domain::ids::TenantId;
use acorn_domain::master::Dc;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_service::orders::PoDetail;
use acorn_service::shipments::ShipmentFilter;
use acorn_testkit::browser::Browser;
use acorn_testkit::{TestApp, VendorFx, gtin_for, http, shipment_input};
use chrono::{Days, Duration, DurationRound, Utc};
use uuid::Uuid;

use crate::support::{NO_FIELDS, get, id_after, location, sign_in, submit};

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The shipment id in a `/shipments/{id}?…` location.
fn shipment_id(location: &str) -> Uuid {
    id_after("/shipments/", location)
}

/// A PO of `v` at `dc` for one new item, `quantity` eaches, acknowledged in full, its ship window
/// starting today at the DC, so that an ASN shipping now is inside it whatever the hour.
async fn acked(app: &TestApp, v: &VendorFx, dc: &Dc, quantity: i64, collect: bool) -> PoDetail {
    let item = app.item(v).await;
    let tz = acorn_domain::time::zone(&dc.time_zone).unwrap();
    let today = acorn_domain::time::to_local(tz, Utc::now()).date();
    let d = |n: u64| (today + Days::new(n)).to_string();
    let po = app
        .services
        .create_po(
            &Ctx::cli(),
            acorn_service::orders::NewPo {
                vendor_code: v.code.clone(),
                dc_code: dc.code.clone(),
                freight_terms: if collect { "Collect".into() } else { "Prepaid".into() },
                ship_start: d(0),
                ship_end: d(7),
                delivery_start: d(1),
                delivery_end: d(10),
                lines: vec![acorn_service::orders::NewPoLine { vendor_sku: item.vendor_sku.clone(), quantity, backorder_allowed: true, ..Default::default() }],
                ..Default::default()
            },
        )
        .await
        .expect("PO");
    let ctx = app.vendor_ctx(v).await;
    app.services.acknowledge(&ctx, po.po.id, acorn_service::Services::accept_all(&po.lines), acorn_domain::orders::Channel::Api).await.expect("ack");
    app.services.get_po(&Ctx::cli(), po.po.id).await.expect("PO")
}

/// The builder's fields: header, ship-from, and one row per (carton, SSCC, PO, line, quantity).
fn asn(dc: &str, rows: &[(&str, &str, &str, i64, i64)]) -> Vec<(String, String)> {
    let mut f = fields(&[
        ("rows", "4"),
        ("action", "submit"),
        ("dc_code", dc),
        ("shipment_type", "LessThanTruckLoad"),
        ("ship_date", ""),
        ("carrier_scac", "UPSN"),
        ("ship_from_name", "Shenzhen Works"),
        ("ship_from.line1", "8 Harbour Rd"),
        ("ship_from.city", "Shenzhen"),
        ("ship_from.country", "cn"),
    ]);
    for (i, (carton, sscc, po, line, qty)) in rows.iter().enumerate() {
        f.extend([
            (format!("carton-{i}"), carton.to_string()),
            (format!("sscc-{i}"), sscc.to_string()),
            (format!("po-{i}"), po.to_string()),
            (format!("line-{i}"), line.to_string()),
            (format!("qty-{i}"), qty.to_string()),
        ]);
    }
    f
}

/// A dock slot at `dc` two days from now, on the hour.
async fn slot(app: &TestApp, dc: &Dc) -> acorn_domain::master::DockSlot {
    let start = (Utc::now() + Duration::days(2)).duration_trunc(Duration::hours(1)).unwrap();
    app.services.add_dock_slot(&Ctx::cli(), dc.id, start, start + Duration::hours(1), 2).await.expect("slot")
}

#[tokio::test]
async fn a_vendor_builds_an_asn_prints_its_labels_books_a_slot_and_replaces_it() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let dc = app.dc("ABE2").await;
    let po = acked(&app, &v, &dc, 20, false).await;
    let number = po.po.number.clone();
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;

    // Nothing shipped yet: the index says what to do; the PO page offers to ship; the builder is
    // prefilled with the acknowledged eaches.
    let (status, html) = get(&ops, &app.url("/shipments")).await;
    assert_eq!(status, 200);
    assert!(html.contains("No shipments yet") && html.contains("id=\"new-asn\""), "{html}");
    let (_, html) = get(&ops, &app.url(&format!("/orders/{}", po.po.id))).await;
    assert!(html.contains(&format!("href=\"/shipments/new?po={}\"", po.po.id)), "{html}");
    let (status, html) = get(&ops, &app.url(&format!("/shipments/new?po={}", po.po.id))).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"prefilled\"") && html.contains(&format!("value=\"{number}\"")) && html.contains("name=\"qty-0\""), "{html}");
    assert!(html.contains("value=\"20\"") && html.contains(&format!("<option value=\"{}\" selected>", dc.code)));

    // "Add rows" works without JavaScript and keeps what was typed.
    let mut more = asn(&dc.code, &[("1", "", &number, 1, 5)]);
    more[1].1 = "more".into();
    let res = submit(&app, &ops, "/shipments/new", "/shipments", &more).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"qty-7\"") && !html.contains("id=\"qty-8\"") && html.contains("value=\"Shenzhen Works\""));

    // 15 + 15 of 20 acknowledged: refused on the row that goes over, naming carton and line; nothing written.
    let audit = app.audit_count().await;
    let res = submit(&app, &ops, "/shipments/new", "/shipments", &asn(&dc.code, &[("1", "", &number, 1, 15), ("2", "", &number, 1, 15)])).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("<a href=\"#qty-1\">Row 2, Quantity (eaches): carton 2, item 1: PO {number} line 1: 30 eaches would ship")), "{html}");
    assert!(html.contains("acknowledged and not yet shipped") && html.contains("id=\"qty-1-error\"") && html.contains("value=\"15\""));
    assert_eq!(app.audit_count().await, audit);
    let vctx = app.vendor_ctx(&v).await;
    assert!(app.services.list_shipments(&vctx, ShipmentFilter::default(), None, None).await.unwrap().items.is_empty());
    // A row without a carton number, and a quantity that is not a number, are the page's own errors.
    let res = submit(&app, &ops, "/shipments/new", "/shipments", &asn(&dc.code, &[("", "", &number, 1, 5), ("2", "", &number, 1, 5)])).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("<a href=\"#carton-0\">Row 1, Carton no.: Give the carton number"));

    // Two cartons, SSCCs left blank: ACORN numbers them from the vendor's GS1 prefix.
    let res = submit(&app, &ops, "/shipments/new", "/shipments", &asn(&dc.code, &[("1", "", &number, 1, 12), ("2", "", &number, 1, 8)])).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?done=created"), "{to}");
    let id = shipment_id(&to);
    let d = app.services.get_shipment(&vctx, id).await.unwrap();
    assert_eq!(d.shipment.cartons.len(), 2);
    assert_eq!(d.shipment.total_units(), 20);
    assert!(d.shipment.cartons.iter().all(|k| k.sscc.as_str().starts_with(&format!("0{}", v.gs1_prefix))));
    assert_eq!(d.ship_from_name, "Shenzhen Works");
    assert_eq!(d.shipment.ship_from.country, "CN");
    let (_, html) = get(&ops, &app.url(&to)).await;
    assert!(html.contains("ASN submitted") && html.contains(&d.shipment.shipment_number), "{html}");
    for k in &d.shipment.cartons {
        assert!(html.contains(&k.sscc.human_readable()), "SSCC {} shown human-readable", k.sscc.as_str());
    }
    assert!(html.contains("America/Los_Angeles") && html.contains("id=\"asn-replace\""));

    // Labels: the PDF, and the print view with its linked stylesheet (the CSP forbids inline styles).
    let res = ops.get(app.url(&format!("/shipments/{id}/labels.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, html) = get(&ops, &app.url(&format!("/shipments/{id}/labels"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/assets/labels.css\"") && html.matches("<svg").count() == 2 && !html.contains("<style"), "{html}");
    let (status, css) = get(&http(), &app.url("/assets/labels.css")).await;
    assert_eq!(status, 200);
    assert!(css.contains("@page"));

    // A dock slot two days out: booked from the shipment page.
    let sl = slot(&app, &dc).await;
    let page = format!("/shipments/{id}");
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains(&format!("id=\"book-{}\"", sl.id)) && html.contains("No appointment booked"), "{html}");
    let res = submit(&app, &ops, &page, &format!("/shipments/{id}/appointment"), &fields(&[("slot_id", &sl.id.to_string())])).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/shipments/{id}?done=booked#appointment"));
    let (_, html) = get(&ops, &app.url(&location(&res))).await;
    assert!(html.contains("Dock appointment booked.") && html.contains("id=\"appt-current\"") && html.contains("id=\"appt-cancel\""), "{html}");
    assert_eq!(app.services.get_shipment(&vctx, id).await.unwrap().appointment().map(|a| a.slot_id), Some(sl.id));
    // Booking the same slot again is refused on the slots, not an error page.
    let res = submit(&app, &ops, &page, &format!("/shipments/{id}/appointment"), &fields(&[("slot_id", &sl.id.to_string())])).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"slots-error\""));

    // Replace: the builder holds the current contents; 12 + 6 goes in as revision 2 with the same SSCCs.
    let replace = format!("/shipments/{id}/replace");
    let (status, html) = get(&ops, &app.url(&replace)).await;
    assert_eq!(status, 200);
    let (s1, s2) = (d.shipment.cartons[0].sscc.as_str().to_string(), d.shipment.cartons[1].sscc.as_str().to_string());
    assert!(html.contains(&format!("value=\"{s1}\"")) && html.contains("This will be revision 2."), "{html}");
    let res = submit(&app, &ops, &replace, &replace, &asn(&dc.code, &[("1", &s1, &number, 1, 12), ("2", &s2, &number, 1, 6)])).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/shipments/{id}?done=replaced"));
    let d2 = app.services.get_shipment(&vctx, id).await.unwrap();
    assert_eq!((d2.shipment.revision, d2.shipment.total_units(), d2.versions.len()), (2, 18, 2));
    assert_eq!(d2.shipment.cartons[1].sscc.as_str(), s2);

    // The index and its export list it; another vendor gets 404 and sees nothing of it.
    let (_, html) = get(&ops, &app.url("/shipments?status=Shipped")).await;
    assert!(html.contains(&format!("href=\"/shipments/{id}\"")) && html.contains("Less than truckload"), "{html}");
    let (_, html) = get(&ops, &app.url("/shipments?status=Received")).await;
    assert!(!html.contains(&format!("href=\"/shipments/{id}\"")));
    let (_, csv) = get(&ops, &app.url("/shipments.csv")).await;
    assert!(csv.starts_with("shipment_number,vendor_code,dc_code") && csv.contains(&format!("{},{}", d.shipment.shipment_number, v.code)), "{csv}");
    let w_ops = app.login(&app.user(w.id, &[Role::Operations]).await).await;
    for path in [page.clone(), replace.clone(), format!("/shipments/{id}/labels.pdf"), format!("/shipments/{id}/labels")] {
        assert_eq!(get(&w_ops, &app.url(&path)).await.0, 404, "{path}");
    }
    let (_, html) = get(&w_ops, &app.url("/shipments")).await;
    assert!(!html.contains(&id.to_string()) && !html.contains(&v.code));
    let (_, csv) = get(&w_ops, &app.url("/shipments.csv")).await;
    assert!(!csv.contains(&v.code));
    // Retailer staff read it but are not offered the vendor's forms.
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::VendorManager]).await).await;
    let (status, html) = get(&staff, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"asn-replace\"") && !html.contains("id=\"new-asn\""));
}

#[tokio::test]
async fn an_asn_uploads_as_csv_all_or_nothing() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("ABE3").await;
    let po = acked(&app, &v, &dc, 6, false).await;
    let ops = app.login(&app.user(v.id, &[Role::VendorAdmin]).await).await;
    let (status, template) = get(&ops, &app.url("/shipments/template.csv")).await;
    assert_eq!(status, 200);
    assert!(template.starts_with("shipment_number,dc_code,ship_date"), "{template}");
    let header = template.trim_end();
    let row = |qty: i64| format!(",{},,,,UPSN,,,Works,1 Rd,Ningbo,,,CN,A,,,{},1,{qty},,", dc.code, po.po.number);
    let bad = format!("{header}\n{}\n", row(99));
    let res = submit(&app, &ops, "/shipments/upload", "/shipments/upload", &[("csv", bad)]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Problems found") && html.contains("row 2, quantity") && html.contains("99 eaches would ship"), "{html}");
    let vctx = app.vendor_ctx(&v).await;
    assert!(app.services.list_shipments(&vctx, ShipmentFilter::default(), None, None).await.unwrap().items.is_empty());
    let good = format!("{header}\n{}\n", row(6));
    let res = submit(&app, &ops, "/shipments/upload", "/shipments/upload", &[("csv", good)]).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?done=uploaded"), "{to}");
    let (_, html) = get(&ops, &app.url(&to)).await;
    assert!(html.contains("ASN uploaded and submitted."));
    // Retailer staff cannot submit ASNs.
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    assert_eq!(get(&staff, &app.url("/shipments/upload")).await.0, 403);
    assert_eq!(get(&staff, &app.url("/shipments/new")).await.0, 403);
}

#[tokio::test]
async fn a_collect_shipment_is_routed_through_the_transport_desk() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("ABE4").await;
    let po = acked(&app, &v, &dc, 10, true).await;
    let vctx = app.vendor_ctx(&v).await;
    let id = app.services.create_shipment(&vctx, shipment_input(&dc.code, &po.po.number, 1, 10)).await.unwrap().shipment.id;
    let number = app.services.get_shipment(&vctx, id).await.unwrap().shipment.shipment_number;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let page = format!("/shipments/{id}");
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains("id=\"routing-submit\"") && !html.contains("id=\"book-"), "Collect: a routing request, no dock slots");

    let today = Utc::now().date_naive().to_string();
    let request = |weight: &str| fields(&[("freight_ready_date", &today), ("pallets", "1"), ("weight_kg", weight), ("volume_dm3", "800")]);
    let res = submit(&app, &ops, &page, &format!("{page}/routing"), &request("heavy")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#weight_kg\">Weight (kg): `heavy` is not a whole number"), "{html}");
    let res = submit(&app, &ops, &page, &format!("{page}/routing"), &request("120")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{page}?done=routing#routing"));
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains("Awaiting carrier") && html.contains("Routing requested") && !html.contains("id=\"assign-submit\""));
    // The PO page's shipments section says where the routing stands.
    let po_page = format!("/orders/{}", po.po.id);
    let (_, html) = get(&ops, &app.url(&po_page)).await;
    assert!(html.contains(&format!("id=\"po-asn-{id}\"")) && html.contains("Awaiting carrier"), "{html}");

    // The retailer's transport desk: a bad SCAC is refused on its row; then the carrier is assigned.
    let mgr = app.login(&app.user(TenantId::RETAILER, &[Role::VendorManager]).await).await;
    let (status, html) = get(&mgr, &app.url("/routing")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("id=\"scac-{id}\"")) && html.contains(&number) && html.contains(&v.canary), "{html}");
    let res = submit(&app, &mgr, "/routing", &format!("/routing/{id}"), &[(format!("scac-{id}"), "1".into()), (format!("arn-{id}"), "ARN-7781".into())]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("id=\"scac-{id}-error\"")) && html.contains("2 to 4 letters") && html.contains("value=\"ARN-7781\""), "{html}");
    let res =
        submit(&app, &mgr, "/routing", &format!("/routing/{id}"), &[(format!("scac-{id}"), "upsn".into()), (format!("arn-{id}"), "ARN-7781".into())]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/routing?done=assigned");
    let (_, html) = get(&mgr, &app.url("/routing?done=assigned")).await;
    assert!(html.contains("Carrier assigned") && !html.contains(&format!("id=\"scac-{id}\"")));
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains("ARN-7781") && html.contains("id=\"asn-status\">Carrier assigned<"), "{html}");
    let (_, html) = get(&ops, &app.url(&po_page)).await;
    assert!(html.contains("ARN ARN-7781") && html.contains("<code>UPSN</code>") && !html.contains("Awaiting carrier"), "{html}");
    // Vendors have no desk; the API-side rule refuses a vendor assigning a carrier.
    assert_eq!(get(&ops, &app.url("/routing")).await.0, 403);
}

#[tokio::test]
async fn the_receiver_receives_one_carton_short_and_the_vendor_sees_the_shortage() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let dc = app.dc("ABE5").await;
    let po = acked(&app, &v, &dc, 10, false).await;
    let vctx = app.vendor_ctx(&v).await;
    let d = app.services.create_shipment(&vctx, shipment_input(&dc.code, &po.po.number, 2, 5)).await.unwrap();
    let id = d.shipment.id;
    let (c1, c2) = (d.shipment.cartons[0].sscc.clone(), d.shipment.cartons[1].sscc.clone());
    let rcv = app.login(&app.user(TenantId::RETAILER, &[Role::Receiver]).await).await;

    // Find by a scanned label ("(00) …"); an unknown code is named.
    let (status, html) = get(&rcv, &app.url("/receiving?code=999999")).await;
    assert_eq!(status, 404);
    assert!(html.contains("id=\"code-error\"") && html.contains("`999999`"), "{html}");
    let res = rcv.get(app.url("/receiving")).query(&[("code", c1.human_readable())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/receiving/{id}?sscc={}", c1.as_str()));
    let page = format!("/receiving/{id}");
    let (status, html) = get(&rcv, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"check-in\"") && !html.contains("id=\"record-1\""));
    let res = submit(&app, &rcv, &page, &format!("{page}/check-in"), NO_FIELDS).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&rcv, &app.url(&format!("{page}?sscc={}", c1.as_str()))).await;
    assert!(html.contains("Checked in") && html.contains("id=\"record-1\"") && html.contains("rcv-card-current"), "{html}");
    assert!(html.contains("name=\"rcv-1-0\" type=\"text\" inputmode=\"numeric\" class=\"input-touch\" value=\"5\""), "prefilled with the ASN's quantity");

    // Carton 1 in full; carton 2 with 3 of 5 (first refused: more damaged than received).
    let res = submit(&app, &rcv, &page, &format!("{page}/cartons"), &fields(&[("sscc", c1.as_str()), ("rcv-1-0", "5"), ("dmg-1-0", "0")])).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{page}?done=recorded#carton-2"));
    let res = submit(&app, &rcv, &page, &format!("{page}/cartons"), &fields(&[("sscc", c2.as_str()), ("rcv-2-0", "3"), ("dmg-2-0", "4")])).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"dmg-2-0-error\"") && html.contains("damaged units are part of the 3 received"), "{html}");
    assert!(
        html.contains(&format!("<a href=\"#dmg-2-0\">Carton 2, PO {} Line 1, Damaged: is 4; damaged units", po.po.number)),
        "the summary names carton, PO and line"
    );
    let res = submit(&app, &rcv, &page, &format!("{page}/cartons"), &fields(&[("sscc", c2.as_str()), ("rcv-2-0", "3"), ("dmg-2-0", "1")])).await;
    assert_eq!(res.status(), 303);
    // A carton the ASN does not have: recorded and flagged.
    let stray = acorn_domain::gs1::Sscc::generate(0, &v.gs1_prefix, 999_999).unwrap();
    let (_, html) = get(&rcv, &app.url(&format!("{page}?sscc={}", stray.as_str()))).await;
    assert!(html.contains("id=\"stray\"") && html.contains(&format!("value=\"{}\"", stray.as_str())), "the unknown form takes the scanned SSCC");
    let gtin = gtin_for(&v.gs1_prefix);
    let res =
        submit(&app, &rcv, &page, &format!("{page}/unknown"), &fields(&[("unknown_sscc", stray.as_str()), ("unknown_gtin", &gtin), ("unknown_qty", "2")]))
            .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&rcv, &app.url(&page)).await;
    assert!(html.contains("Not on ASN") && html.contains("id=\"close-receipt\"") && html.contains("<strong>2</strong> / 2"), "{html}");

    let res = submit(&app, &rcv, &page, &format!("{page}/close"), NO_FIELDS).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&rcv, &app.url(&location(&res))).await;
    assert!(
        html.contains("Receipt closed.") && html.contains("id=\"discrepancies\"") && html.contains("ASN shortage") && html.contains("Wrong item"),
        "{html}"
    );
    assert!(!html.contains("id=\"close-receipt\"") && !html.contains("id=\"record-1\""));

    // The vendor sees each carton as scanned, the flags and the discrepancies on the shipment page.
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (_, html) = get(&ops, &app.url(&format!("/shipments/{id}"))).await;
    assert!(html.contains("id=\"receipt-cartons\"") && html.contains(&c2.human_readable()) && html.contains(&stray.human_readable()), "{html}");
    assert!(html.contains("Not on ASN") && html.contains("ASN shortage") && html.contains("id=\"asn-status\">Received<"));
    assert!(!html.contains("id=\"asn-replace\""), "no replacing after arrival");
    // … and the shortage on /defects, with its evidence, and in the export.
    let (status, html) = get(&ops, &app.url("/defects")).await;
    assert_eq!(status, 200);
    assert!(html.contains("ASN shortage") && html.contains(&d.shipment.shipment_number) && html.contains(&po.po.number), "{html}");
    assert!(html.contains("class=\"evidence\""));
    let (_, csv) = get(&ops, &app.url("/defects.csv")).await;
    assert!(csv.starts_with("kind,po_number") && csv.contains(&format!("asn_shortage,{}", po.po.number)), "{csv}");
    // Another vendor: none of it.
    let w_ops = app.login(&app.user(w.id, &[Role::Operations]).await).await;
    let (_, html) = get(&w_ops, &app.url("/defects")).await;
    assert!(!html.contains(&po.po.number) && html.contains("No defects found"));
    assert_eq!(get(&w_ops, &app.url(&format!("/shipments/{id}"))).await.0, 404);
    // Staff pick the vendor.
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::Auditor]).await).await;
    let (_, html) = get(&staff, &app.url(&format!("/defects?vendor={}", v.id.0))).await;
    assert!(html.contains("ASN shortage") && html.contains(&format!("<option value=\"{}\" selected>", v.id.0)), "{html}");
}

async fn sign_out(b: &Browser) -> anyhow::Result<()> {
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;
    Ok(())
}

/// The issue's proof, by clicks and typing: staff issue a PO; the vendor acknowledges it in part
/// with a backorder; builds an ASN with two cartons from the PO page; prints the labels (the PDF is
/// rasterised and its barcodes decoded back to the SSCCs); books an appointment; the receiver checks
/// the truck in and receives one carton short; the vendor sees the receipt and the shortage defect.
/// axe-core runs on every page visited.
#[tokio::test]
async fn in_the_browser_a_po_goes_from_issue_to_dock_and_the_vendor_sees_the_shortage() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("BRW2").await;
    let item = app.item(&v).await;
    let sl = slot(&app, &dc).await;

    // Staff issue the PO by typing into the form.
    let staff = app.user(TenantId::RETAILER, &[Role::CategoryManager]).await;
    sign_in(&b, &app, &staff).await?;
    b.goto(&app.url("/orders/new")).await?;
    b.wait_for("#po-create").await?;
    b.assert_accessible().await?;
    b.fill("#vendor_code", &v.code).await?;
    b.client().find(fantoccini::Locator::Css("#dc_code")).await?.select_by_value(&dc.code).await?;
    let tz = acorn_domain::time::zone(&dc.time_zone).map_err(anyhow::Error::msg)?;
    let today = acorn_domain::time::to_local(tz, Utc::now()).date();
    for (css, offset) in [("#ship_start", 0), ("#ship_end", 7), ("#delivery_start", 1), ("#delivery_end", 10)] {
        let value = (today + Days::new(offset)).to_string();
        b.wait_for(css).await?;
        b.client().execute("document.querySelector(arguments[0]).value = arguments[1];", vec![css.into(), value.into()]).await?;
    }
    b.fill("#sku-0", &item.vendor_sku).await?;
    b.fill("#qty-0", "10").await?;
    b.click("#po-create").await?;
    b.wait_for("#po-title").await?;
    b.assert_accessible().await?;
    let number = b.text("#po-title code").await?;
    sign_out(&b).await?;

    // The vendor acknowledges in part: 8 accepted, 2 backordered with a ship date.
    let ops = app.user(v.id, &[Role::Operations]).await;
    sign_in(&b, &app, &ops).await?;
    let po = app.services.get_po_by_number(&Ctx::cli(), &number).await?;
    b.goto(&app.url(&format!("/orders/{}/ack", po.po.id))).await?;
    b.wait_for("#ack-grid").await?;
    b.assert_accessible().await?;
    b.fill("#acc-1", "8").await?;
    b.fill("#bo-1", "2").await?;
    let backorder_day = (today + Days::new(3)).to_string();
    b.client().execute("document.querySelector('#ship-1').value = arguments[0];", vec![backorder_day.into()]).await?;
    b.click("#ack-submit").await?;
    b.wait_for("#ack-v1").await?;
    b.assert_accessible().await?;
    let acked = app.services.get_po(&Ctx::cli(), po.po.id).await?;
    let line = &acked.acknowledgements[0].lines[0];
    assert_eq!((line.accepted, line.backordered, line.rejected), (8, 2, 0), "a partial acknowledgement with a backorder");
    let po = acked;

    b.goto(&app.url("/shipments")).await?;
    b.wait_for(".empty-state").await?;
    b.assert_accessible().await?;
    b.goto(&app.url(&format!("/orders/{}", po.po.id))).await?;
    b.click("#ship").await?;
    b.wait_for("#asn-submit").await?;
    b.assert_accessible().await?;
    // The builder holds carton 1 with all 10; make it 6 and type carton 2 with the other 4.
    b.fill("#qty-0", "6").await?;
    b.fill("#carton-1", "2").await?;
    b.fill("#po-1", &po.po.number).await?;
    b.fill("#line-1", "1").await?;
    b.fill("#qty-1", "4").await?;
    b.fill("#ship_from_name", "Browser Works").await?;
    b.fill("#ship_from\\.line1", "3 Dock Rd").await?;
    b.fill("#ship_from\\.city", "Xiamen").await?;
    // First without the country: the summary names it.
    b.click("#asn-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    assert!(b.text(".error-summary").await?.contains("ship-from address"));
    b.fill("#ship_from\\.country", "CN").await?;
    b.click("#asn-submit").await?;
    b.wait_for("#asn-status").await?;
    b.assert_accessible().await?;
    let path = b.current_path().await?;
    let id = shipment_id(&path);
    let d = app.services.get_shipment(&app.vendor_ctx(&v).await, id).await?;
    assert_eq!(d.shipment.cartons.iter().map(|k| k.items[0].quantity).collect::<Vec<_>>(), [6, 4]);

    // The labels link works (fetched over HTTP by a colleague: each TOTP code signs in once).
    let href = b.wait_for("#labels-pdf").await?.attr("href").await?.expect("labels link");
    let http_ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let res = http_ops.get(app.url(&href)).send().await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    // Printed labels scan: each page's GS1-128 reads back as (00) + that carton's SSCC.
    if let Some(pages) = acorn_testkit::barcode::decode_pdf(&res.bytes().await?) {
        let want: Vec<Vec<String>> = d.shipment.cartons.iter().map(|k| vec![k.sscc.element_string()]).collect();
        assert_eq!(pages, want);
    }

    // Book the slot by clicking.
    b.click(&format!("#book-{}", sl.id)).await?;
    b.wait_for("#appt-current").await?;
    b.assert_accessible().await?;
    b.goto(&app.url("/shipments")).await?;
    b.wait_for("#shipments-table").await?;
    b.assert_accessible().await?;
    sign_out(&b).await?;

    // The receiver, on the dock.
    let receiver = app.user(TenantId::RETAILER, &[Role::Receiver]).await;
    sign_in(&b, &app, &receiver).await?;
    b.click("a[href='/receiving']").await?;
    b.wait_for("#code").await?;
    b.assert_accessible().await?;
    b.fill("#code", &d.shipment.shipment_number).await?;
    b.click("#find-submit").await?;
    b.wait_for("#check-in").await?;
    b.assert_accessible().await?;
    b.click("#check-in").await?;
    b.wait_for("#record-1").await?;
    b.assert_accessible().await?;
    b.click("#record-1").await?;
    b.wait_for("#notice").await?;
    b.fill("#rcv-2-0", "3").await?;
    b.click("#record-2").await?;
    b.wait_for("#close-receipt").await?;
    b.assert_accessible().await?;
    // The confirm dialog is the script's; answer it yes.
    b.client().execute("window.confirm = function () { return true; };", vec![]).await?;
    b.click("#close-receipt").await?;
    b.wait_for("#discrepancies").await?;
    b.assert_accessible().await?;
    assert!(b.text("#discrepancies").await?.contains("ASN shortage"));
    b.goto(&app.url(&format!("/shipments/{id}"))).await?;
    b.wait_for("#receipt-cartons").await?;
    b.assert_accessible().await?;
    sign_out(&b).await?;

    // The vendor sees the shortage.
    sign_in(&b, &app, &ops).await?;
    b.click("a[href='/defects']").await?;
    b.wait_for("#defects-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#defects-table").await?.contains("ASN shortage"));
    b.goto(&app.url(&format!("/shipments/{id}"))).await?;
    b.wait_for("#receipt-cartons").await?;
    b.assert_accessible().await?;
    b.close().await
}

/// A dock slot at `dc` starting `days` days from now, on the hour, for `capacity` appointments.
async fn slot_in(app: &TestApp, dc: &Dc, days: i64, capacity: i64) -> acorn_domain::master::DockSlot {
    let start = (Utc::now() + Duration::days(days)).duration_trunc(Duration::hours(1)).unwrap();
    app.services.add_dock_slot(&Ctx::cli(), dc.id, start, start + Duration::hours(1), capacity).await.expect("slot")
}

/// The portal's gaps closed, by clicks and typing: the vendor plans inbound stock (an unknown SKU
/// named on its line, then the split by DC and PO with what no PO needs); the PO page lists the
/// PO's ASN with its appointment state and links to it; the booking table shows what is left of
/// each slot (another vendor's booking counted, a full slot offered no button) and counts the
/// vendor's own booking. axe-core runs on every page visited.
#[tokio::test]
async fn in_the_browser_a_vendor_plans_inbound_sees_the_asn_on_its_po_and_books_what_is_left() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let dc = app.dc("GAP1").await;
    let po = acked(&app, &v, &dc, 20, false).await;
    let spare = app.item(&v).await;
    let roomy = slot_in(&app, &dc, 2, 2).await;
    let tight = slot_in(&app, &dc, 3, 1).await;
    // Another vendor already holds one place in each slot.
    let other = acked(&app, &w, &dc, 10, false).await;
    let w_ctx = app.vendor_ctx(&w).await;
    for sl in [&roomy, &tight] {
        let asn = app.services.create_shipment(&w_ctx, shipment_input(&dc.code, &other.po.number, 1, 5)).await?;
        app.services.book_appointment(&w_ctx, asn.shipment.id, sl.id).await?;
    }

    let ops = app.user(v.id, &[Role::Operations]).await;
    sign_in(&b, &app, &ops).await?;

    // The inbound plan, from the navigation.
    b.click("a[href='/inbound']").await?;
    b.wait_for("#plan-intro").await?;
    b.assert_accessible().await?;
    let sku = po.lines[0].vendor_sku.clone();
    b.fill("#lines", &format!("{sku}, 30\nNOPE-1, 5")).await?;
    b.click("#plan-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    let summary = b.text(".error-summary").await?;
    assert!(summary.contains("Line 2:") && summary.contains("NOPE-1"), "{summary}");
    assert!(b.text("#lines-error").await?.contains("Line 2:"));
    // (A tab typed would move the focus; pasted columns keep theirs, and the unit tests read them.)
    b.fill("#lines", &format!("{sku} 30\n\n{}, 4", spare.vendor_sku)).await?;
    b.click("#plan-submit").await?;
    b.wait_for("#plan-table").await?;
    b.assert_accessible().await?;
    let table = b.text("#plan-table").await?;
    assert!(table.contains(&sku) && table.contains(&dc.code) && table.contains(&po.po.number), "{table}");
    assert!(table.contains(&spare.vendor_sku) && table.contains("Not placed"), "{table}");
    assert_eq!(b.text("#plan-placed").await?, "20");
    assert_eq!(b.text("#plan-unplaced").await?, "14");
    assert!(b.text("#plan-dcs").await?.contains(&dc.code));
    // Retailer pages are not on a vendor's menu; the plan is.
    assert!(!b.exists("a[href='/holidays']").await?);

    // An ASN for the PO: the PO page lists it, with no appointment yet, and links to it.
    let asn = app.services.create_shipment(&app.vendor_ctx(&v).await, shipment_input(&dc.code, &po.po.number, 2, 10)).await?;
    let number = asn.shipment.shipment_number.clone();
    b.goto(&app.url(&format!("/orders/{}", po.po.id))).await?;
    b.wait_for("#po-shipments").await?;
    b.assert_accessible().await?;
    let listed = b.text("#po-shipments").await?;
    assert!(listed.contains(&number) && listed.contains("No appointment booked") && listed.contains("UPSN"), "{listed}");
    b.click(&format!("#po-asn-{}", asn.shipment.id)).await?;
    b.wait_for("#slots-table").await?;
    b.assert_accessible().await?;

    // What is left of each slot: one of two, and none of one (no button, marked full).
    assert_eq!(b.text(&format!("#slot-{}-remaining", roomy.id)).await?, "1");
    assert_eq!(b.text(&format!("#slot-{}-remaining", tight.id)).await?, "0");
    assert_eq!(b.text(&format!("#slot-{}-full", tight.id)).await?, "Full");
    assert!(!b.exists(&format!("#book-{}", tight.id)).await?);
    b.click(&format!("#book-{}", roomy.id)).await?;
    b.wait_for("#appt-current").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text(&format!("#slot-{}-remaining", roomy.id)).await?, "0");

    // Back on the PO page the ASN shows its booked slot, in Chinese too.
    b.goto(&app.url(&format!("/orders/{}", po.po.id))).await?;
    b.wait_for("#po-shipments").await?;
    let listed = b.text("#po-shipments").await?;
    let tz = acorn_domain::time::zone(&dc.time_zone).map_err(anyhow::Error::msg)?;
    let start = acorn_domain::time::to_local(tz, roomy.starts_at).format("%Y-%m-%d %H:%M").to_string();
    assert!(listed.contains("Booked") && listed.contains(&start), "{listed}");
    assert!(b.text("#shipments").await?.contains(&dc.time_zone));
    b.client().find(fantoccini::Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.wait_for("#po-shipments").await?;
    b.assert_accessible().await?;
    assert!(b.text("#shipments-title").await?.contains("发货"));
    b.goto(&app.url("/inbound")).await?;
    b.wait_for("#plan-intro").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#inbound-title").await?, "入库计划");

    // A catalogue user reads the PO but not ASNs: no shipments section.
    let catalog = app.login(&app.user(v.id, &[Role::Catalog]).await).await;
    let (status, html) = get(&catalog, &app.url(&format!("/orders/{}", po.po.id))).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"po-title\"") && !html.contains("po-shipments"), "{html}");
    b.close().await
}
