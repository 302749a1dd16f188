//! Shipments over the native API: ASN validation naming carton and line, SSCCs generated and unique
//! across vendors, replacement with versions kept, labels, routing for Collect, dock appointments
//! for Prepaid, receiving carton by carton with discrepancies, defects with evidence, the 5,000-
//! carton CSV upload (all or nothing) and inbound plans.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, call};
use reqwest::Method;
use serde_json::{Value, json};

fn fields(e: &Value) -> String {
    e["details"]
        .as_array()
        .map(|d| d.iter().map(|x| format!("{}: {}", x["field"].as_str().unwrap_or(""), x["issue"].as_str().unwrap_or(""))).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

fn asn(dc: &str, cartons: Value) -> Value {
    json!({"dc_code": dc, "ship_from_name": "Acme Works", "ship_from": {"line1": "1 Factory Rd", "city": "Dongguan", "postal_code": "523000", "country": "CN"},
           "carrier_scac": "UPSN", "cartons": cartons})
}

#[tokio::test]
async fn asns_are_checked_carton_by_carton_and_written_whole() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let other = app.vendor().await;
    let dc = app.dc("SHP1").await;
    let dc2 = app.dc("SHP2").await;
    let po = app.acked_po(&v, &dc, 10, false).await;
    let po2 = app.acked_po(&v, &dc2, 5, false).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let url = app.url("/api/v1/shipments");
    let n = &po.po.number;

    // Over the acknowledged quantity (split across cartons), another DC's PO, an unknown PO, a bad
    // SSCC check digit and a foreign SSCC: every problem named at once, by carton and item.
    let foreign = acorn_domain::gs1::Sscc::generate(0, &other.gs1_prefix, 1).unwrap();
    let bad = asn(
        &dc.code,
        json!([
            {"items": [{"po_number": n, "line_no": 1, "quantity": 6}]},
            {"items": [{"po_number": n, "line_no": 1, "quantity": 6}]},
            {"items": [{"po_number": po2.po.number, "line_no": 1, "quantity": 1}]},
            {"items": [{"po_number": "NOSUCHPO", "line_no": 1, "quantity": 1}]},
            {"sscc": "006141410000000001", "items": [{"po_number": n, "line_no": 1, "quantity": 1}]},
            {"sscc": foreign.as_str(), "items": [{"po_number": n, "line_no": 1, "quantity": 1}]}
        ]),
    );
    let (s, e) = call(&ops, Method::POST, &url, None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    let f = fields(&e);
    for want in ["cartons[2].items[0]", "cartons[3].items[0]", "cartons[4].sscc", "cartons[5].sscc"] {
        assert!(f.contains(want), "missing {want} in:\n{f}");
    }
    assert!(f.contains("acknowledged and not yet shipped"), "{f}");
    let (_, list) = call(&ops, Method::GET, &url, None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing written");

    // Good: two cartons, SSCCs generated from the vendor's prefix.
    let good = asn(
        &dc.code,
        json!([{"items": [{"po_number": n, "line_no": 1, "quantity": 6}]}, {"items": [{"po_number": n, "line_no": 1, "quantity": 4, "lot": "L42"}]}]),
    );
    let (s, d) = call(&ops, Method::POST, &url, None, Some(&good)).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["confirmation"], "Original");
    assert_eq!(d["carton_count"], 2);
    let ssccs: Vec<String> = d["cartons"].as_array().unwrap().iter().map(|k| k["sscc"].as_str().unwrap().to_string()).collect();
    assert!(ssccs.iter().all(|s| s.len() == 18 && s[1..].starts_with(&v.gs1_prefix)), "{ssccs:?}");
    let id = d["id"].as_str().unwrap().to_string();
    let (_, p) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}", po.po.id)), None, None).await;
    assert_eq!(p["lines"][0]["shipped_eaches"], 10);
    assert_eq!(p["shipments"][0]["id"], d["id"], "the PO shows its ASNs");

    // Nothing is left to ship on that line now.
    let (s, e) = call(&ops, Method::POST, &url, None, Some(&asn(&dc.code, json!([{"items": [{"po_number": n, "line_no": 1, "quantity": 1}]}])))).await;
    assert_eq!(s, 422, "{e}");
    // An SSCC already used (by any vendor) is refused.
    let po3 = app.acked_po(&other, &dc, 3, false).await;
    let other_ops = app.login(&app.user(other.id, &[Role::Operations]).await).await;
    let (s, e) = call(
        &other_ops,
        Method::POST,
        &url,
        None,
        Some(&asn(&dc.code, json!([{"sscc": ssccs[0], "items": [{"po_number": po3.po.number, "line_no": 1, "quantity": 1}]}]))),
    )
    .await;
    assert!(s == 422 || s == 409, "{s} {e}");

    // Replace until arrival: versions are kept.
    let (s, r) = call(
        &ops,
        Method::PUT,
        &app.url(&format!("/api/v1/shipments/{id}")),
        None,
        Some(&asn(&dc.code, json!([{"items": [{"po_number": n, "line_no": 1, "quantity": 9}]}]))),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["confirmation"].as_str(), r["revision"].as_i64(), r["versions"].as_array().unwrap().len()), (Some("Replace"), Some(2), 2));
    let (_, p) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}", po.po.id)), None, None).await;
    assert_eq!(p["lines"][0]["shipped_eaches"], 9);
    let (_, ev) = call(&app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await, Method::GET, &app.url("/api/v1/events"), None, None).await;
    let kinds: Vec<&str> = ev["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"asn.submitted") && kinds.contains(&"asn.replaced"), "{kinds:?}");

    // Labels: a PDF page per carton, an SVG per carton.
    let res = ops.get(app.url(&format!("/api/v1/shipments/{id}/labels"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let svg = ops.get(app.url(&format!("/api/v1/shipments/{id}/labels?format=svg&carton=1"))).send().await.unwrap().text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains(&format!("(00) {}", r["cartons"][0]["sscc"].as_str().unwrap())), "{}", &svg[..200.min(svg.len())]);
}

#[tokio::test]
async fn prepaid_books_the_dock_collect_gets_routed() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("DOK1").await;
    let prepaid = app.acked_po(&v, &dc, 4, false).await;
    let collect = app.acked_po(&v, &dc, 4, true).await;
    let ship_p = app.shipment(&v, &prepaid, 1, 4).await.shipment.id;
    let ship_c = app.shipment(&v, &collect, 1, 4).await.shipment.id;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let cli = Ctx::cli();
    let now = chrono::Utc::now();
    let soon = app.services.add_dock_slot(&cli, dc.id, now + chrono::Duration::hours(5), now + chrono::Duration::hours(6), 1).await.unwrap();
    let later = app.services.add_dock_slot(&cli, dc.id, now + chrono::Duration::hours(30), now + chrono::Duration::hours(31), 1).await.unwrap();
    let later2 = app.services.add_dock_slot(&cli, dc.id, now + chrono::Duration::hours(50), now + chrono::Duration::hours(51), 1).await.unwrap();
    let appt = app.url(&format!("/api/v1/shipments/{ship_p}/appointment"));

    let (s, e) = call(&ops, Method::POST, &appt, None, Some(&json!({"slot_id": soon.id}))).await;
    assert_eq!(s, 422, "booked less than 24 h ahead: {e}");
    assert!(fields(&e).contains("less than 24 h"), "{e}");
    let (s, a) = call(&ops, Method::POST, &appt, None, Some(&json!({"slot_id": later.id}))).await;
    assert_eq!(s, 201, "{a}");
    // The slot is now full for anyone else.
    let another = app.shipment(&v, &app.acked_po(&v, &dc, 2, false).await, 1, 2).await.shipment.id;
    let (s, e) = call(&ops, Method::POST, &app.url(&format!("/api/v1/shipments/{another}/appointment")), None, Some(&json!({"slot_id": later.id}))).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["code"], "slot_full");
    // Reschedule more than 24 h ahead: not a late change; the shipment shows its appointment.
    let (s, moved) = call(&ops, Method::POST, &appt, None, Some(&json!({"slot_id": later2.id}))).await;
    assert_eq!(s, 201, "{moved}");
    assert_eq!(moved["reschedules"], 1);
    let (_, d) = call(&ops, Method::GET, &app.url(&format!("/api/v1/shipments/{ship_p}")), None, None).await;
    let appts = d["appointments"].as_array().unwrap();
    assert_eq!(appts.len(), 2);
    assert!(appts.iter().any(|a| a["status"] == "Booked" && a["slot_id"] == later2.id.to_string()));
    assert!(appts.iter().all(|a| a["late_change"] == false));
    // Collect freight cannot book; it files a routing request the retailer routes.
    let (s, _) = call(&ops, Method::POST, &app.url(&format!("/api/v1/shipments/{ship_c}/appointment")), None, Some(&json!({"slot_id": later2.id}))).await;
    assert_eq!(s, 422);
    let (s, r) = call(
        &ops,
        Method::POST,
        &app.url(&format!("/api/v1/shipments/{ship_c}/routing-request")),
        None,
        Some(&json!({"freight_ready_date": now.date_naive(), "pallets": 2, "weight_kg": 480, "volume_dm3": 2400})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let vm = app.login(&app.user(TenantId::RETAILER, &[Role::VendorManager]).await).await;
    let (_, open) = call(&vm, Method::GET, &app.url("/api/v1/routing-requests"), None, None).await;
    assert!(open.as_array().unwrap().iter().any(|o| o["shipment_id"] == ship_c.to_string()), "{open}");
    let (s, r) =
        call(&vm, Method::POST, &app.url(&format!("/api/v1/shipments/{ship_c}/carrier")), None, Some(&json!({"carrier_scac": "abfs", "arn": "ARN-778812"})))
            .await;
    assert_eq!(s, 200, "{r}");
    let (_, d) = call(&ops, Method::GET, &app.url(&format!("/api/v1/shipments/{ship_c}")), None, None).await;
    assert_eq!((d["status"].as_str(), d["arn"].as_str(), d["carrier_scac"].as_str()), (Some("CarrierAssigned"), Some("ARN-778812"), Some("ABFS")));
}

#[tokio::test]
async fn the_dc_receives_by_carton_and_the_vendor_sees_shortages_as_defects() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RCV1").await;
    let po = app.acked_po(&v, &dc, 10, false).await;
    let shipment = app.shipment(&v, &po, 2, 5).await;
    let id = shipment.shipment.id;
    let ssccs: Vec<String> = shipment.shipment.cartons.iter().map(|k| k.sscc.as_str().to_string()).collect();
    let gtin = po.lines[0].gtin.clone();
    let receiver = app.login(&app.user(TenantId::RETAILER, &[Role::Receiver]).await).await;
    let ops_user = app.user(v.id, &[Role::Operations]).await;
    let ops = app.login(&ops_user).await;

    // The receiver finds the truck by scanning a carton ("(00)" form).
    let (s, found) = call(&receiver, Method::GET, &app.url(&format!("/api/v1/inbound?code=(00){}", ssccs[1])), None, None).await;
    assert_eq!(s, 200, "{found}");
    assert_eq!(found["id"], id.to_string());
    let (s, _) = call(&receiver, Method::POST, &app.url(&format!("/api/v1/shipments/{id}/check-in")), None, None).await;
    assert_eq!(s, 200);
    let (s, _) = call(&receiver, Method::POST, &app.url(&format!("/api/v1/shipments/{id}/check-in")), None, None).await;
    assert_eq!(s, 422, "checked in once");
    let scan = |sscc: String, lines: Value| {
        let (c, u) = (receiver.clone(), app.url(&format!("/api/v1/shipments/{id}/cartons")));
        async move { call(&c, Method::POST, &u, None, Some(&json!({"sscc": sscc, "lines": lines}))).await }
    };
    let (s, k) = scan(ssccs[0].clone(), json!([{"gtin": gtin, "received": 5}])).await;
    assert_eq!((s, k["on_asn"].as_bool()), (201, Some(true)), "{k}");
    // One short, one damaged; and a carton nobody announced, holding an unknown item.
    let (s, k) = scan(ssccs[1].clone(), json!([{"gtin": gtin, "received": 4, "damaged": 1}])).await;
    assert_eq!(s, 201, "{k}");
    let (s, k) = scan("009999999000000017".into(), json!([{"gtin": "4006381333931", "received": 2}])).await;
    assert_eq!((s, k["on_asn"].as_bool(), k["lines"][0]["unexpected"].as_bool()), (201, Some(false), Some(true)), "{k}");
    let (s, e) = scan(ssccs[0].clone(), json!([{"gtin": gtin, "received": 1, "damaged": 2}])).await;
    assert_eq!(s, 422, "damaged above received is refused: {e}");

    let (s, disc) = call(&receiver, Method::POST, &app.url(&format!("/api/v1/shipments/{id}/receipt/close")), None, None).await;
    assert_eq!(s, 200, "{disc}");
    let kinds: Vec<&str> = disc.as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"asn_shortage") && kinds.contains(&"wrong_item"), "{disc}");

    // The vendor sees the receipt at carton level, the PO line progress and the defects with evidence.
    let (_, d) = call(&ops, Method::GET, &app.url(&format!("/api/v1/shipments/{id}")), None, None).await;
    assert_eq!(d["status"], "Received");
    assert_eq!(d["receipt"]["cartons"].as_array().unwrap().len(), 3);
    let (_, p) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}", po.po.id)), None, None).await;
    assert_eq!((p["lines"][0]["received_eaches"].as_i64(), p["lines"][0]["damaged_eaches"].as_i64()), (Some(9), Some(1)));
    assert_eq!(p["lines"][0]["receive_status"], "PARTIALLY_RECEIVED");
    let (_, defects) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}/defects", po.po.id)), None, None).await;
    let shortage = defects.as_array().unwrap().iter().find(|d| d["kind"] == "asn_shortage").unwrap_or_else(|| panic!("{defects}"));
    assert_eq!(shortage["units"], 1);
    assert!(!shortage["evidence"].as_array().unwrap().is_empty());
    let (_, report) = call(&ops, Method::GET, &app.url("/api/v1/defects"), None, None).await;
    assert!(report["defects"].as_array().unwrap().iter().any(|d| d["kind"] == "asn_shortage"), "{report}");
    assert!(app.mail_to(&ops_user.email).await.iter().any(|m| m.subject.contains("discrepanc")), "the vendor is e-mailed about the discrepancy");
}

#[tokio::test]
async fn a_five_thousand_carton_asn_uploads_in_one_request_or_not_at_all() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("BIG1").await;
    let po = app.acked_po(&v, &dc, 10_000, false).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let header = "dc_code,ship_from_name,ship_from_line1,ship_from_city,ship_from_country,carton,po_number,line_no,quantity";
    let rows = |bad_row: Option<usize>| {
        let mut out = vec![header.to_string()];
        for k in 0..5000 {
            let qty = if Some(k) == bad_row { "two".to_string() } else { "2".to_string() };
            out.push(format!("{},Acme Works,1 Factory Rd,Dongguan,CN,C{k},{},1,{qty}", dc.code, po.po.number));
        }
        out.join("\n")
    };
    let upload = |body: String| {
        let (c, u) = (ops.clone(), app.url("/api/v1/shipments/upload"));
        async move {
            let r = c.post(u).header("Idempotency-Key", uuid::Uuid::now_v7().to_string()).body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, e) = upload(rows(Some(4321))).await;
    assert_eq!(s, 422, "{}", &e.to_string()[..300.min(e.to_string().len())]);
    assert!(fields(&e).contains("row 4323, quantity"), "{}", fields(&e));
    let (_, list) = call(&ops, Method::GET, &app.url("/api/v1/shipments"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing written");

    let (s, d) = upload(rows(None)).await;
    assert_eq!(s, 201, "{}", &d.to_string()[..300.min(d.to_string().len())]);
    assert_eq!((d["carton_count"].as_i64(), d["unit_count"].as_i64()), (Some(5000), Some(10_000)));
    let distinct: std::collections::BTreeSet<&str> = d["cartons"].as_array().unwrap().iter().map(|k| k["sscc"].as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 5000);
}

#[tokio::test]
async fn an_inbound_plan_follows_open_po_lines_across_dcs() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let east = app.dc("EST1").await;
    let west = app.dc("WST1").await;
    let item = app.item(&v).await;
    app.po(&v, &east, &[&item], 30).await;
    app.po(&v, &west, &[&item], 20).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (s, plan) =
        call(&ops, Method::POST, &app.url("/api/v1/inbound-plans"), None, Some(&json!({"items": [{"vendor_sku": item.vendor_sku, "quantity": 60}]}))).await;
    assert_eq!(s, 200, "{plan}");
    let mut by_dc: Vec<(String, i64)> =
        plan["allocations"].as_array().unwrap().iter().map(|a| (a["dc_code"].as_str().unwrap().to_string(), a["quantity"].as_i64().unwrap())).collect();
    by_dc.sort();
    assert_eq!(by_dc, [("EST1".to_string(), 30), ("WST1".to_string(), 20)]);
    assert_eq!(plan["unallocated"], json!([[item.vendor_sku, 10]]));
}
