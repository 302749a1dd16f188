//! Order-to-dock over the native API: item GTIN rules, PO issue / change / cancel with history and
//! events, acknowledgements with every DOMAIN rule the service enforces, CSV uploads that write all
//! or nothing, the holiday calendar, paging and idempotent retries.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, call, gtin_for, http};
use chrono::{DateTime, Days, Utc};
use reqwest::Method;
use serde_json::{Value, json};

fn fields(e: &Value) -> Vec<String> {
    e["details"]
        .as_array()
        .map(|d| d.iter().map(|x| format!("{}: {}", x["field"].as_str().unwrap_or(""), x["issue"].as_str().unwrap_or(""))).collect())
        .unwrap_or_default()
}

fn day(offset: u64) -> String {
    (Utc::now().date_naive() + Days::new(offset)).to_string()
}

fn po_body(vendor_code: &str, dc: &str, sku: &str, qty: i64) -> Value {
    json!({
        "vendor_code": vendor_code, "dc_code": dc,
        "ship_window": {"start": day(1), "end": day(7)}, "delivery_window": {"start": day(2), "end": day(10)},
        "lines": [{"vendor_sku": sku, "quantity": qty}]
    })
}

#[tokio::test]
async fn items_are_checked_against_the_vendors_gs1_prefix_and_unique_across_vendors() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let cat = app.login(&app.user(a.id, &[Role::Catalog]).await).await;
    let gtin = gtin_for(&a.gs1_prefix);
    let item = |sku: &str, gtin: &str| json!({"vendor_sku": sku, "gtin": gtin, "title": "Kettle", "case_pack": 6, "list_price": "29.99", "unit_cost": "12.50", "currency": "usd"});

    let (s, v) = call(&cat, Method::POST, &app.url("/api/v1/items"), None, Some(&item("KET-1", &gtin))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["gtin"].as_str().unwrap().len(), 14, "stored as GTIN-14");
    assert!(v["retailer_item_id"].as_str().unwrap().starts_with("B0"));
    assert_eq!(v["costs"][0]["unit_cost"], "12.50");
    assert_eq!(v["currency"], "USD");

    // A GTIN under another vendor's prefix is refused with the reason.
    let (s, e) = call(&cat, Method::POST, &app.url("/api/v1/items"), None, Some(&item("KET-2", &gtin_for(&b.gs1_prefix)))).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).iter().any(|f| f.starts_with("gtin: GTIN does not match the brand's GS1 prefix")), "{e}");
    // A wrong check digit names the field.
    let mut bad = gtin.clone();
    let last = bad.pop().unwrap().to_digit(10).unwrap();
    bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
    let (s, e) = call(&cat, Method::POST, &app.url("/api/v1/items"), None, Some(&item("KET-3", &bad))).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).iter().any(|f| f.starts_with("gtin:") && f.contains("check digit")), "{e}");
    // The same GTIN again (even by the same vendor) is a conflict; a duplicate SKU too.
    let (s, e) = call(&cat, Method::POST, &app.url("/api/v1/items"), None, Some(&item("KET-4", &gtin))).await;
    assert_eq!(s, 409, "{e}");
    let (s, e) = call(&cat, Method::POST, &app.url("/api/v1/items"), None, Some(&item("KET-1", &gtin_for(&a.gs1_prefix)))).await;
    assert_eq!(s, 409, "{e}");
    assert!(e["message"].as_str().unwrap().contains("KET-1"));

    // Another vendor cannot see the item; its list is empty.
    let other = app.login(&app.user(b.id, &[Role::Catalog]).await).await;
    let (s, _) = call(&other, Method::GET, &app.url(&format!("/api/v1/items/{}", v["id"].as_str().unwrap())), None, None).await;
    assert_eq!(s, 404);
    let (_, list) = call(&other, Method::GET, &app.url("/api/v1/items"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn staff_issue_a_po_the_vendor_sees_it_at_once_and_acknowledges_it() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("ABE2").await;
    let item = app.item(&v).await;
    let ops_user = app.user(v.id, &[Role::Operations]).await;
    let ops = app.login(&ops_user).await;
    let buyer = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;

    // Validation names every bad field at once and writes nothing.
    let mut bad = po_body(&v.code, "NOPE", "NO-SUCH-SKU", 0);
    bad["ship_window"] = json!({"start": day(7), "end": day(1)});
    let (s, e) = call(&buyer, Method::POST, &app.url("/api/v1/purchase-orders"), None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    let f = fields(&e).join("\n");
    assert!(f.contains("dc_code: `NOPE` is not a DC") && f.contains("ship_end: the ship window ends on"), "{f}");

    let (s, po) = call(&buyer, Method::POST, &app.url("/api/v1/purchase-orders"), None, Some(&po_body(&v.code, &dc.code, &item.vendor_sku, 3))).await;
    assert_eq!(s, 201, "{po}");
    let id = po["id"].as_str().unwrap().to_string();
    let number = po["number"].as_str().unwrap().to_string();
    assert_eq!(number.len(), 8);
    assert_eq!(po["state"], "New");
    assert_eq!(po["lines"][0]["net_cost"], "10.00", "cost in force on the order date");
    assert_eq!(po["total_cost"], "30.00");
    let due: DateTime<Utc> = po["ack_due_at"].as_str().unwrap().parse().unwrap();
    let issued: DateTime<Utc> = po["issued_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - issued, chrono::Duration::hours(24));

    // The vendor sees it at once: in its list (filters), its event feed and its mailbox.
    let (_, list) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders?state=New&dc={}&number={}", dc.code, &number[..4])), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (_, list) = call(&ops, Method::GET, &app.url("/api/v1/purchase-orders?state=Closed"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, events) = call(&ops, Method::GET, &app.url("/api/v1/events"), None, None).await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "po.created" && e["payload"]["number"] == number.as_str()), "{events}");
    assert!(app.mail_to(&ops_user.email).await.iter().any(|m| m.subject.contains(&number)), "the operations user is e-mailed");

    // Acknowledgement rules: more than ordered is refused and nothing is written.
    let ack_url = app.url(&format!("/api/v1/purchase-orders/{id}/acknowledgements"));
    let (s, e) = call(&ops, Method::POST, &ack_url, None, Some(&json!({"lines": [{"line_no": 1, "parts": [{"code": "Accepted", "quantity": 4}]}]}))).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).iter().any(|f| f.starts_with("line[1]")), "{e}");
    // A cost above the PO's is refused.
    let (s, e) = call(
        &ops,
        Method::POST,
        &ack_url,
        None,
        Some(&json!({"lines": [{"line_no": 1, "net_cost": "10.01", "parts": [{"code": "Accepted", "quantity": 3}]}]})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (_, acks) = call(&ops, Method::GET, &ack_url, None, None).await;
    assert_eq!(acks.as_array().unwrap().len(), 0, "refused submissions write nothing");

    // Pre-flight: accepting 1 and backordering 1 leaves 1 unconfirmed.
    let partial = json!({"lines": [{"line_no": 1, "parts": [
        {"code": "Accepted", "quantity": 1},
        {"code": "Backordered", "quantity": 1, "scheduled_ship_date": day(5)}
    ]}]});
    let (s, pf) = call(&ops, Method::POST, &app.url(&format!("/api/v1/purchase-orders/{id}/acknowledgements/preflight")), None, Some(&partial)).await;
    assert_eq!(s, 200, "{pf}");
    assert_eq!(pf["defects"][0]["kind"], "unconfirmed_units");
    assert_eq!(pf["defects"][0]["units"], 1);
    assert_eq!(pf["lines"][0]["rejected"], 1);

    // Submit; a retry with the same Idempotency-Key replays the answer and stores one version.
    let key = uuid::Uuid::now_v7().to_string();
    let send = |key: String| {
        let (ops, url, body) = (ops.clone(), ack_url.clone(), partial.clone());
        async move { ops.post(url).header("Idempotency-Key", key).json(&body).send().await.unwrap() }
    };
    let first = send(key.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again: Value = send(key).await.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["version"], 1);
    assert_eq!(first["lines"][0]["backordered"], 1);

    let (_, detail) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{id}")), None, None).await;
    assert_eq!(detail["state"], "Acknowledged");
    assert_eq!(detail["lines"][0]["confirmation"], "PARTIALLY_ACCEPTED");
    assert_eq!(detail["lines"][0]["committed_eaches"], 2);
    assert_eq!(detail["acknowledgements"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "acknowledged"]);

    // Rejected stays rejected: committing all 3 now is refused.
    let (s, e) = call(&ops, Method::POST, &ack_url, None, Some(&json!({"lines": [{"line_no": 1, "parts": [{"code": "Accepted", "quantity": 3}]}]}))).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).join(" ").contains("stays rejected"), "{e}");

    // The retailer lowers the quantity: a change event; the vendor must acknowledge again.
    let (s, changed) = call(
        &buyer,
        Method::POST,
        &app.url(&format!("/api/v1/purchase-orders/{id}/changes")),
        None,
        Some(&json!({"lines": [{"line_no": 1, "quantity": 2}], "reason": "forecast lowered"})),
    )
    .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["revision"], 2);
    assert_eq!(changed["state"], "New");
    assert!(changed["ack_outstanding"].as_bool().unwrap());
    // Raising a quantity is not a change the retailer can make.
    let (s, e) =
        call(&buyer, Method::POST, &app.url(&format!("/api/v1/purchase-orders/{id}/changes")), None, Some(&json!({"lines": [{"line_no": 1, "quantity": 9}]})))
            .await;
    assert_eq!(s, 422, "{e}");
    let (_, events) = call(&ops, Method::GET, &app.url("/api/v1/events"), None, None).await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "po.changed"), "{events}");

    let (s, v2) = call(&ops, Method::POST, &ack_url, None, Some(&json!({"lines": [{"line_no": 1, "parts": [{"code": "Accepted", "quantity": 2}]}]}))).await;
    assert_eq!(s, 201, "{v2}");
    assert_eq!((v2["version"].as_i64(), v2["po_revision"].as_i64()), (Some(2), Some(2)));
    let (_, detail) = call(&ops, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{id}")), None, None).await;
    assert_eq!(detail["state"], "Acknowledged");
    assert_eq!(detail["acknowledgements"].as_array().unwrap().len(), 2, "every version is kept");

    // The retailer side heard about the acknowledgements.
    let (_, staff_events) = call(&buyer, Method::GET, &app.url("/api/v1/events"), None, None).await;
    assert_eq!(staff_events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "ack.submitted").count(), 2);

    // Cancelling closes it.
    let (s, c) = call(&buyer, Method::POST, &app.url(&format!("/api/v1/purchase-orders/{id}/cancel")), None, Some(&json!({"reason": "range change"}))).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "Closed");
    assert!(c["lines"][0]["cancelled"].as_bool().unwrap());
}

#[tokio::test]
async fn a_listed_holiday_adds_a_day_to_the_acknowledgement_clock() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("HOL1").await;
    let item = app.item(&v).await;
    let today = Utc::now().date_naive();
    for d in [today, today + Days::new(1)] {
        app.services.add_holiday(&Ctx::cli(), d, "Company holiday").await.unwrap();
    }
    let po = app.po(&v, &dc, &[&item], 5).await.po;
    // Issued on a holiday, due the day after tomorrow at the same time: both holidays count.
    assert_eq!(po.ack_due_at - po.issued_at, chrono::Duration::hours(72));
}

#[tokio::test]
async fn po_lists_page_by_keyset_and_stay_in_their_tenant() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let dc = app.dc("PAG1").await;
    let ia = app.item(&a).await;
    let ib = app.item(&b).await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(app.po(&a, &dc, &[&ia], 1).await.po.number);
    }
    app.po(&b, &dc, &[&ib], 1).await;
    let token = app.token(a.id, &[]).await;
    let c = http();
    let (_, p1) = call(&c, Method::GET, &app.url("/api/v1/purchase-orders?limit=2"), Some(&token), None).await;
    let cursor = p1["next"].as_str().expect("a second page").to_string();
    let (_, p2) = call(&c, Method::GET, &app.url(&format!("/api/v1/purchase-orders?limit=2&cursor={cursor}")), Some(&token), None).await;
    let seen: Vec<String> =
        p1["items"].as_array().unwrap().iter().chain(p2["items"].as_array().unwrap()).map(|p| p["number"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen, numbers, "every PO of the tenant once, in creation order");
    assert!(p2["next"].is_null());
    assert!(!p2.to_string().contains(&b.canary));
}

#[tokio::test]
async fn csv_uploads_write_everything_or_nothing_and_name_row_and_column() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("CSV1").await;
    let i1 = app.item(&v).await;
    let i2 = app.item(&v).await;
    let buyer = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let header = "vendor_code,dc_code,ship_start,ship_end,delivery_start,delivery_end,vendor_sku,quantity,unit,po_number";
    let (s1, e1, d1, d2) = (day(1), day(7), day(2), day(10));
    let row = |sku: &str, qty: &str, unit: &str, number: &str| format!("{},{},{s1},{e1},{d1},{d2},{sku},{qty},{unit},{number}", v.code, dc.code);
    let upload = |body: String| {
        let (c, url) = (buyer.clone(), app.url("/api/v1/purchase-orders/upload"));
        async move {
            let r = c.post(url).header("Idempotency-Key", uuid::Uuid::now_v7().to_string()).header("content-type", "text/csv").body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Row 3 has a bad quantity and row 4 an unknown SKU: both reported, nothing written.
    let bad = [header.to_string(), row(&i1.vendor_sku, "5", "", ""), row(&i2.vendor_sku, "five", "", ""), row("NOPE", "1", "", "")].join("\n");
    let (s, e) = upload(bad).await;
    assert_eq!(s, 422, "{e}");
    let f = fields(&e);
    assert!(f.iter().any(|x| x.starts_with("row 3, quantity")), "{f:?}");
    assert!(f.iter().any(|x| x.starts_with("row 4, vendor_sku")), "{f:?}");
    let (_, list) = call(&buyer, Method::GET, &app.url("/api/v1/purchase-orders"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing written");

    // Good: two unnumbered rows form one PO; two rows with a number form another; one in cases.
    let good = [
        header.to_string(),
        row(&i1.vendor_sku, "5", "", ""),
        row(&i2.vendor_sku, "2", "Cases", ""),
        row(&i1.vendor_sku, "7", "", "CSVPO001"),
        row(&i2.vendor_sku, "1", "", "CSVPO001"),
    ]
    .join("\n");
    let (s, pos) = upload(good).await;
    assert_eq!(s, 201, "{pos}");
    let pos = pos.as_array().unwrap();
    assert_eq!(pos.len(), 2);
    assert!(pos.iter().all(|p| p["line_count"] == 2));
    assert!(pos.iter().any(|p| p["number"] == "CSVPO001"));
    // 5 × 10.00 + 2 cases × 12 × 10.00
    assert!(pos.iter().any(|p| p["total_cost"] == "290.00"), "{pos:?}");

    // Acknowledgements by CSV: one PO accepted in full, an error on another row blocks both.
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let ack_upload = |body: String| {
        let (c, url) = (ops.clone(), app.url("/api/v1/acknowledgements/upload"));
        async move {
            let r = c.post(url).header("Idempotency-Key", uuid::Uuid::now_v7().to_string()).body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let h = "po_number,line_no,accepted,backordered,rejected,rejection_reason,scheduled_ship_date";
    let (s, e) = ack_upload(format!("{h}\nCSVPO001,1,7,,,,\nCSVPO001,2,2,,,,\n")).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).iter().any(|f| f.contains("row 3")), "line 2 ordered 1, 2 accepted: {e}");
    let (s, ok) = ack_upload(format!("{h}\nCSVPO001,1,7,,,,\nCSVPO001,2,,,1,ObsoleteProduct,\n")).await;
    assert_eq!(s, 201, "{ok}");
    assert_eq!(ok[0]["channel"], "csv");
    assert_eq!(ok[0]["lines"][1]["rejection_reason"], "ObsoleteProduct");
}
