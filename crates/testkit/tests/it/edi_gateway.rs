//! The EDI gateway over HTTP: a vendor's trading-partner settings through the API (saved, read back,
//! refused field by field, kept per vendor and per role); an interchange posted raw (no
//! Idempotency-Key: the intake dedupes on the interchange itself) is logged, listed, kept byte for
//! byte, and a resend changes nothing while new bytes under a used control number are refused; then
//! the portal: the log, an interchange's page with its bytes, the settings, vendor stock, the upload
//! and settings forms, and the "EDI is live" notice that replaces the vendor's document forms; and
//! the vendor admin's whole path by clicks in a real browser, axe-core on every page.

use acorn_domain::edi::{PartnerInput, Source};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::app::hidden;
use acorn_testkit::browser::Browser;
use acorn_testkit::{TestApp, VendorFx, call, gtin_for};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{get, location, sign_in, submit};

/// An 846 inventory advice from the vendor's EDI id (ZZ/ACMEEDI) to ACORN's (ZZ/ACORNRETAIL):
/// warehouse WH1 has 25 eaches of item EDI-SKU-1 available. Control number 000000101.
const STOCK_846: &str = "ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*ACORNRETAIL    *240101*1200*U*00401*000000101*0*P*>~\
GS*IB*ACMEEDI*ACORNRETAIL*20240101*1200*101*X*004010~\
ST*846*0001~\
BIA*00*SI*REPORT-1*20240101~\
N1*WH*Main warehouse*92*WH1~\
LIN**VN*EDI-SKU-1~\
QTY*33*25*EA~\
CTT*1~\
SE*7*0001~\
GE*1*101~\
IEA*1*000000101~";

/// The trading-partner settings the tests use: the vendor is ZZ/ACMEEDI, ACORN is ZZ/ACORNRETAIL.
fn partner_json() -> Value {
    json!({"standard": "x12", "partner_qualifier": "zz", "partner_id": "ACMEEDI", "our_qualifier": "ZZ", "our_id": "ACORNRETAIL"})
}

fn fields(e: &Value) -> Vec<String> {
    e["details"].as_array().map(|d| d.iter().map(|x| x["field"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

/// Sets the vendor's EDI settings directly (ids ZZ/ACMEEDI → ZZ/ACORNRETAIL).
async fn acme_partner(app: &TestApp, v: &VendorFx) {
    let input = PartnerInput {
        standard: "x12".into(),
        partner_qualifier: "ZZ".into(),
        partner_id: "ACMEEDI".into(),
        our_qualifier: "ZZ".into(),
        our_id: "ACORNRETAIL".into(),
        ..PartnerInput::default()
    };
    app.services.set_edi_partner(&Ctx::cli(), v.id, input).await.expect("EDI partner");
}

/// The item STOCK_846 reports on.
async fn stock_item(app: &TestApp, v: &VendorFx) {
    let item = acorn_service::items::NewItem {
        vendor_sku: "EDI-SKU-1".into(),
        gtin: gtin_for(&v.gs1_prefix),
        title: format!("Stocked {}", v.canary),
        case_pack: 1,
        list_price: "9.99".into(),
        unit_cost: "5.00".into(),
        currency: "USD".into(),
        cost_effective_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
    };
    app.services.create_item(&Ctx::cli(), Some(v.id), item).await.expect("item");
}

/// Posts raw bytes (no Idempotency-Key) and returns status and JSON.
async fn post_raw(c: &reqwest::Client, url: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Value) {
    let mut req = c.post(url).header("content-type", content_type).body(body.to_vec());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Walk fixtures (the access tables): the vendor's EDI settings, under an id of its own.
pub async fn walk_partner(app: &TestApp, v: &VendorFx) {
    let input = PartnerInput {
        standard: "x12".into(),
        partner_qualifier: "ZZ".into(),
        partner_id: format!("{}EDI", v.code),
        our_qualifier: "ZZ".into(),
        our_id: "ACORNRETAIL".into(),
        ..PartnerInput::default()
    };
    app.services.set_edi_partner(&Ctx::cli(), v.id, input).await.expect("walk EDI partner");
}

/// Walk fixtures: an interchange received from the vendor, its file named with the vendor's canary
/// (another vendor's pages must never show it). The same bytes again give the same transaction.
pub async fn walk_interchange(app: &TestApp, v: &VendorFx) -> Uuid {
    walk_partner(app, v).await;
    let id = format!("{:<15}", format!("{}EDI", v.code));
    let body = format!(
        "ISA*00*          *00*          *ZZ*{id}*ZZ*ACORNRETAIL    *240101*1200*U*00401*000000777*0*P*>~GS*IB*{}EDI*ACORNRETAIL*20240101*1200*777*X*004010~ST*846*0001~BIA*00*SI*WALK*20240101~LIN**VN*NO-SUCH-SKU~QTY*33*1*EA~SE*5*0001~GE*1*777~IEA*1*000000777~",
        v.code
    );
    let r = app.services.receive_edi(&Ctx::cli(), v.id, body.into_bytes(), Source::Upload, &format!("{}.edi", v.canary)).await.expect("walk interchange");
    r.interchange.id
}

#[tokio::test]
async fn partner_settings_are_saved_read_back_refused_field_by_field_and_kept_per_vendor_and_role() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let (ta, tb) = (app.token(a.id, &[]).await, app.token(b.id, &[]).await);
    let c = acorn_testkit::http();
    let url = app.url("/api/v1/edi/partner");

    // None yet.
    let (s, e) = call(&c, Method::GET, &url, Some(&ta), None).await;
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")), "{e}");

    // Saved with the defaults of Amazon's retail guides, and the directories made.
    let (s, p) = call(&c, Method::PUT, &url, Some(&ta), Some(&partner_json())).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["vendor_code"].as_str(), p["partner_qualifier"].as_str(), p["partner_id"].as_str()), (Some(a.code.as_str()), Some("ZZ"), Some("ACMEEDI")));
    assert_eq!((p["interchange_version"].as_str(), p["document_version"].as_str(), p["ack_kind"].as_str()), (Some("00401"), Some("004010"), Some("997")));
    assert_eq!((p["element_separator"].as_str(), p["segment_terminator"].as_str(), p["edi_live"].as_bool()), (Some("*"), Some("~"), Some(false)));
    let inbox = p["inbox_dir"].as_str().unwrap().to_string();
    assert!(inbox.ends_with(&format!("edi/{}/inbox", a.code)), "{inbox}");
    assert!(std::path::Path::new(&inbox).is_dir(), "{inbox} was not made");
    let (s, back) = call(&c, Method::GET, &url, Some(&ta), None).await;
    assert_eq!((s, &back), (200, &p));

    // Every bad field named at once; nothing saved.
    let bad = json!({"standard": "x12", "partner_qualifier": "ZZZ", "partner_id": "AN-ID-MUCH-TOO-LONG-FOR-ISA", "our_qualifier": "ZZ", "our_id": "",
        "ack_kind": "998", "element_separator": "~"});
    let (s, e) = call(&c, Method::PUT, &url, Some(&ta), Some(&bad)).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("validation_failed")), "{e}");
    for f in ["partner_qualifier", "partner_id", "our_id", "ack_kind", "element_separator"] {
        assert!(fields(&e).iter().any(|x| x == f), "{f} not named: {e}");
    }
    let (_, still) = call(&c, Method::GET, &url, Some(&ta), None).await;
    assert_eq!(still["partner_id"], "ACMEEDI");
    // The body is JSON with the settings' types.
    let (s, e) = call(&c, Method::PUT, &url, Some(&ta), Some(&json!({"standard": 12}))).await;
    assert_eq!(s, 422, "{e}");

    // Another vendor: A's settings are not found, and A's interchange id is not B's to take.
    let (s, _) = call(&c, Method::GET, &format!("{url}?vendor_code={}", a.code), Some(&tb), None).await;
    assert_eq!(s, 404);
    let (s, _) = call(&c, Method::GET, &url, Some(&tb), None).await;
    assert_eq!(s, 404, "B has none");
    let (s, e) = call(&c, Method::PUT, &url, Some(&tb), Some(&partner_json())).await;
    assert_eq!(s, 409, "A's id claimed by B: {e}");

    // Roles: operations has no Integrations; an auditor reads but does not write; staff name the vendor.
    let ops = app.login(&app.user(a.id, &[Role::Operations]).await).await;
    assert_eq!(call(&ops, Method::GET, &url, None, None).await.0, 403);
    assert_eq!(call(&ops, Method::PUT, &url, None, Some(&partner_json())).await.0, 403);
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let (s, e) = call(&admin, Method::GET, &url, None, None).await;
    assert_eq!((s, fields(&e)), (422, vec!["vendor_code".to_string()]), "{e}");
    let (s, p2) = call(&admin, Method::GET, &format!("{url}?vendor_code={}", a.code.to_lowercase()), None, None).await;
    assert_eq!((s, &p2["partner_id"]), (200, &json!("ACMEEDI")));
    let (s, _) = call(&admin, Method::GET, &format!("{url}?vendor_code=NOSUCH1"), None, None).await;
    assert_eq!(s, 404);
    let auditor = app.login(&app.user(TenantId::RETAILER, &[Role::Auditor]).await).await;
    assert_eq!(call(&auditor, Method::GET, &format!("{url}?vendor_code={}", a.code), None, None).await.0, 200);
    assert_eq!(call(&auditor, Method::PUT, &format!("{url}?vendor_code={}", a.code), None, Some(&partner_json())).await.0, 403);
    let live = json!({"standard": "x12", "partner_qualifier": "ZZ", "partner_id": "ACMEEDI", "our_qualifier": "ZZ", "our_id": "ACORNRETAIL", "edi_live": true});
    let (s, p3) = call(&admin, Method::PUT, &format!("{url}?vendor_code={}", a.code), None, Some(&live)).await;
    assert_eq!((s, p3["edi_live"].as_bool()), (200, Some(true)), "{p3}");

    // The settings are not naturally idempotent: a PUT still needs its key.
    let res = c.put(&url).bearer_auth(&ta).json(&partner_json()).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "idempotency_key_required");
}

#[tokio::test]
async fn an_interchange_is_logged_kept_byte_for_byte_and_a_resend_changes_nothing() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    acme_partner(&app, &a).await;
    stock_item(&app, &a).await;
    let (ta, tb) = (app.token(a.id, &[]).await, app.token(b.id, &[]).await);
    let c = acorn_testkit::http();
    let intake = app.url("/api/v1/edi/interchanges");

    // The raw interchange is the body; no Idempotency-Key.
    let (s, r) = post_raw(&c, &format!("{intake}?filename=stock.edi"), Some(&ta), "application/edi-x12", STOCK_846.as_bytes()).await;
    assert_eq!(s, 200, "{r}");
    let id = r["transaction_id"].as_str().expect("transaction id").to_string();
    assert_eq!((r["duplicate"].as_bool(), r["control_number"].as_str()), (Some(false), Some("000000101")), "{r}");
    let docs = r["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1, "{r}");
    assert_eq!((docs[0]["set_id"].as_str(), docs[0]["control_number"].as_str()), (Some("846"), Some("0001")));
    // The 846 names a real item of the vendor's: the stock report is applied.
    assert_eq!(
        (r["status"].as_str(), docs[0]["status"].as_str(), docs[0]["object_type"].as_str()),
        (Some("success"), Some("applied"), Some("stock_report")),
        "{r}"
    );
    assert_eq!(docs[0]["reference"], "REPORT-1");
    let (s, stock) = call(&c, Method::GET, &app.url("/api/v1/edi/stock"), Some(&ta), None).await;
    assert_eq!(s, 200, "{stock}");
    let row = stock.as_array().unwrap().iter().find(|x| x["vendor_sku"] == "EDI-SKU-1").unwrap_or_else(|| panic!("no stock row: {stock}"));
    assert_eq!((row["warehouse"].as_str(), row["available"].as_i64(), row["transaction_id"].as_str()), (Some("WH1"), Some(25), Some(id.as_str())));
    assert_eq!(row["vendor_code"].as_str(), Some(a.code.as_str()));
    let (_, other_stock) = call(&c, Method::GET, &app.url("/api/v1/edi/stock"), Some(&tb), None).await;
    assert_eq!(other_stock, json!([]), "B sees none of A's stock");

    // Listed in the log, newest first, with the filters.
    let (s, log) = call(&c, Method::GET, &intake, Some(&ta), None).await;
    assert_eq!(s, 200, "{log}");
    let listed = |log: &Value| log["items"].as_array().unwrap().iter().any(|i| i["transaction_id"] == id.as_str());
    assert!(listed(&log), "{log}");
    let mine = log["items"].as_array().unwrap().iter().find(|i| i["transaction_id"] == id.as_str()).unwrap();
    assert_eq!((mine["direction"].as_str(), mine["sender"].as_str(), mine["receiver"].as_str()), (Some("inbound"), Some("ZZ/ACMEEDI"), Some("ZZ/ACORNRETAIL")));
    assert_eq!((mine["filename"].as_str(), mine["sets"].clone()), (Some("stock.edi"), json!(["846"])));
    assert!(listed(&call(&c, Method::GET, &format!("{intake}?direction=inbound&kind=documents&status=success"), Some(&ta), None).await.1));
    assert!(!listed(&call(&c, Method::GET, &format!("{intake}?direction=outbound"), Some(&ta), None).await.1));
    assert!(!listed(&call(&c, Method::GET, &format!("{intake}?status=failure"), Some(&ta), None).await.1));
    let (s, e) = call(&c, Method::GET, &format!("{intake}?direction=sideways&status=done"), Some(&ta), None).await;
    assert_eq!((s, fields(&e)), (422, vec!["direction".to_string(), "status".to_string()]), "{e}");
    assert!(!listed(&call(&c, Method::GET, &intake, Some(&tb), None).await.1), "B's log has none of A's");

    // The detail, and the bytes exactly as received.
    let (s, d) = call(&c, Method::GET, &format!("{intake}/{id}"), Some(&ta), None).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["transaction_id"].as_str(), d["documents"][0]["set_id"].as_str()), (Some(id.as_str()), Some("846")));
    assert!(d["findings"].is_array(), "{d}");
    let res = c.get(format!("{intake}/{id}/raw")).bearer_auth(&ta).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/edi-x12");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"stock.edi\""), "{disposition}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), STOCK_846.as_bytes());
    assert_eq!(call(&c, Method::GET, &format!("{intake}/{id}"), Some(&tb), None).await.0, 404);
    assert_eq!(c.get(format!("{intake}/{id}/raw")).bearer_auth(&tb).send().await.unwrap().status(), 404);

    // A resend (here by staff for the vendor) changes nothing: the first transaction.
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let (s, again) = post_raw(&admin, &format!("{intake}?vendor_code={}", a.code), None, "text/plain", STOCK_846.as_bytes()).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!((again["duplicate"].as_bool(), again["transaction_id"].as_str()), (Some(true), Some(id.as_str())), "{again}");
    let (s, e) = post_raw(&admin, &intake, None, "text/plain", STOCK_846.as_bytes()).await;
    assert_eq!((s, fields(&e)), (422, vec!["vendor_code".to_string()]), "staff name the vendor: {e}");

    // The same control number with other bytes is refused, naming it.
    let changed = STOCK_846.replace("QTY*33*25*EA", "QTY*33*30*EA");
    let (s, refused) = post_raw(&c, &intake, Some(&ta), "application/octet-stream", changed.as_bytes()).await;
    assert_eq!(s, 200, "{refused}");
    assert_eq!((refused["status"].as_str(), refused["duplicate"].as_bool()), (Some("failure"), Some(false)), "{refused}");
    assert_ne!(refused["transaction_id"].as_str(), Some(id.as_str()));
    assert!(refused["summary"].as_str().unwrap().contains("000000101"), "{refused}");
    let (_, stock) = call(&c, Method::GET, &app.url("/api/v1/edi/stock"), Some(&ta), None).await;
    assert_eq!(stock[0]["available"], 25, "the refused file changed nothing");

    // Bad bodies and callers.
    let (s, e) = post_raw(&c, &intake, Some(&ta), "application/edi-x12", b"").await;
    assert_eq!((s, e["code"].as_str()), (400, Some("empty_body")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("empty"), "{e}");
    let (s, _) = post_raw(&c, &format!("{intake}?vendor_code={}", a.code), Some(&tb), "text/plain", STOCK_846.as_bytes()).await;
    assert_eq!(s, 404, "B cannot send as A");
    let (s, e) = post_raw(&c, &intake, Some(&tb), "text/plain", STOCK_846.as_bytes()).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("edi_not_set_up")), "B has no settings: {e}");
    let ops = app.login(&app.user(a.id, &[Role::Operations]).await).await;
    assert_eq!(post_raw(&ops, &intake, None, "text/plain", STOCK_846.as_bytes()).await.0, 403);
    assert_eq!(call(&ops, Method::GET, &intake, None, None).await.0, 403);
    // Stock is the Items area: operations reads it.
    assert_eq!(call(&ops, Method::GET, &app.url("/api/v1/edi/stock"), None, None).await.0, 200);
}

/// A `multipart/form-data` body of text fields and one file.
fn multipart(texts: &[(&str, String)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = format!("acorn-{}", Uuid::now_v7().simple());
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((filename, bytes)) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Opens the upload page for its tokens and posts the form with `fields` and `file`.
async fn upload(app: &TestApp, c: &reqwest::Client, fields: &[(&str, String)], file: Option<(&str, &[u8])>) -> reqwest::Response {
    let (status, html) = get(c, &app.url("/edi/upload")).await;
    assert_eq!(status, 200, "{html}");
    let mut texts = vec![("_csrf", hidden(&html, "_csrf").expect("csrf")), ("_form", hidden(&html, "_form").expect("form token"))];
    texts.extend(fields.iter().cloned());
    let (content_type, body) = multipart(&texts, file);
    c.post(app.url("/edi/upload")).header("content-type", content_type).body(body).send().await.unwrap()
}

#[tokio::test]
async fn the_portal_shows_the_log_an_interchange_its_bytes_the_settings_and_stock_to_the_right_roles() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    acme_partner(&app, &a).await;
    stock_item(&app, &a).await;
    let r = app.services.receive_edi(&Ctx::cli(), a.id, STOCK_846.as_bytes().to_vec(), Source::Drop, "acme-stock.edi").await.unwrap();
    let id = r.interchange.id;

    let va = app.login(&app.user(a.id, &[Role::VendorAdmin]).await).await;
    let (s, html) = get(&va, &app.url("/edi")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&format!("href=\"/edi/{id}\"")) && html.contains("000000101") && html.contains("ZZ/ACMEEDI"), "{html}");
    assert!(html.contains("href=\"/edi\"") && html.contains("href=\"/stock\""), "navigation offers EDI and stock");
    let (s, html) = get(&va, &app.url("/edi?direction=outbound")).await;
    assert_eq!(s, 200);
    assert!(!html.contains(&format!("href=\"/edi/{id}\"")), "filtered out");

    // The interchange's page: facts, the document and what it became, the bytes one segment a line.
    let (s, html) = get(&va, &app.url(&format!("/edi/{id}"))).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&id.to_string()) && html.contains("acme-stock.edi") && html.contains("REPORT-1"), "{html}");
    assert!(html.contains("\nST*846*0001~\nBIA*00*SI*REPORT-1*20240101~\n"), "segments one per line: {html}");
    assert!(html.contains("N1*WH*Main warehouse*92*WH1~"), "{html}");
    assert!(html.contains(&format!("href=\"/edi/{id}/raw\"")), "download link");
    let res = va.get(app.url(&format!("/edi/{id}/raw"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/edi-x12");
    assert_eq!(res.bytes().await.unwrap().as_ref(), STOCK_846.as_bytes());

    // Settings with the directories an operator drops files into; stock with the reporting interchange.
    let (s, html) = get(&va, &app.url("/edi/partner")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&format!("edi/{}/inbox", a.code)) && html.contains(&format!("edi/{}/outbox", a.code)), "{html}");
    assert!(html.contains("id=\"partner-form\"") && html.contains("value=\"ACMEEDI\""), "a vendor admin edits: {html}");
    let (s, html) = get(&va, &app.url("/stock")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("EDI-SKU-1") && html.contains("WH1") && html.contains(&format!("href=\"/edi/{id}\"")), "{html}");

    // Operations: no EDI (not offered, and refused), but stock.
    let ops = app.login(&app.user(a.id, &[Role::Operations]).await).await;
    let (_, home) = get(&ops, &app.url("/")).await;
    assert!(!home.contains("href=\"/edi\"") && home.contains("href=\"/stock\""), "{home}");
    assert_eq!(get(&ops, &app.url("/edi")).await.0, 403);
    assert_eq!(get(&ops, &app.url(&format!("/edi/{id}"))).await.0, 403);
    assert_eq!(get(&ops, &app.url("/edi/upload")).await.0, 403);
    let (s, html) = get(&ops, &app.url("/stock")).await;
    assert_eq!(s, 200);
    assert!(html.contains("EDI-SKU-1") && !html.contains(&format!("href=\"/edi/{id}\"")), "stock without links to EDI: {html}");

    // Staff: every vendor's, named; an auditor reads the settings without a form.
    let auditor = app.login(&app.user(TenantId::RETAILER, &[Role::Auditor]).await).await;
    let (s, html) = get(&auditor, &app.url(&format!("/edi?vendor={}", a.code))).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("href=\"/edi/{id}\"")) && html.contains(&a.code), "{html}");
    let (s, html) = get(&auditor, &app.url(&format!("/edi?vendor={}", b.code))).await;
    assert_eq!(s, 200);
    assert!(!html.contains(&format!("href=\"/edi/{id}\"")), "B's filter");
    let (s, html) = get(&auditor, &app.url("/edi/partner")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"partner-pick\""), "staff pick the vendor: {html}");
    let (s, html) = get(&auditor, &app.url(&format!("/edi/partner?vendor={}", a.code))).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"partner-facts\"") && !html.contains("id=\"partner-form\""), "{html}");
    assert_eq!(get(&auditor, &app.url("/edi/upload")).await.0, 403);
    let (s, csv) = get(&auditor, &app.url(&format!("/edi.csv?vendor={}", a.code))).await;
    assert_eq!(s, 200);
    assert!(csv.starts_with("transaction_id,vendor_code,") && csv.contains(&id.to_string()), "{csv}");

    // A PO sent by EDI: its page lists the 850, linked to the interchange for those who read EDI.
    let dc = app.dc("EDIP").await;
    let po = app.po(&a, &dc, &[&app.item(&a).await], 5).await.po.id;
    assert!(!get(&va, &app.url(&format!("/orders/{po}"))).await.1.contains("id=\"edi-documents\""), "nothing sent yet");
    app.services.send_edi_documents().await.expect("outbound EDI");
    let sent = app.services.edi_documents_about(&Ctx::cli(), a.id, po).await.unwrap();
    assert_eq!(sent.iter().map(|d| d.set_id.as_str()).collect::<Vec<_>>(), ["850"]);
    let (s, html) = get(&va, &app.url(&format!("/orders/{po}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"edi-documents\"") && html.contains(&format!("href=\"/edi/{}\"", sent[0].interchange_id)), "{html}");
    let (s, html) = get(&ops, &app.url(&format!("/orders/{po}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"edi-documents\"") && !html.contains(&format!("href=\"/edi/{}\"", sent[0].interchange_id)), "{html}");

    // Another vendor sees none of it.
    let vb = app.login(&app.user(b.id, &[Role::VendorAdmin]).await).await;
    assert_eq!(get(&vb, &app.url(&format!("/edi/{id}"))).await.0, 404);
    assert_eq!(get(&vb, &app.url(&format!("/edi/{id}/raw"))).await.0, 404);
    let (_, html) = get(&vb, &app.url("/edi")).await;
    assert!(!html.contains(&id.to_string()), "{html}");
    let (_, html) = get(&vb, &app.url("/stock")).await;
    assert!(!html.contains("EDI-SKU-1"), "{html}");
}

#[tokio::test]
async fn the_forms_save_settings_upload_files_and_edi_live_closes_the_vendors_document_forms() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    stock_item(&app, &a).await;
    let va = app.login(&app.user(a.id, &[Role::VendorAdmin]).await).await;

    // Settings: refused on their fields, then saved.
    let mut settings: Vec<(&str, String)> = vec![
        ("standard", "x12".into()),
        ("partner_qualifier", "ZZZ".into()),
        ("partner_id", "ACMEEDI".into()),
        ("our_qualifier", "ZZ".into()),
        ("our_id", "ACORNRETAIL".into()),
        ("usage", "production".into()),
        ("ack_kind", "997".into()),
    ];
    let res = submit(&app, &va, "/edi/partner", "/edi/partner", &settings).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"partner_qualifier-error\"") && html.contains("is not a qualifier"), "{html}");
    settings[1].1 = "ZZ".into();
    let res = submit(&app, &va, "/edi/partner", "/edi/partner", &settings).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/edi/partner?done=saved".to_string()));
    let partner = app.services.edi_partner(&Ctx::cli(), a.id).await.unwrap().expect("saved");
    assert_eq!((partner.partner_id.as_str(), partner.edi_live), ("ACMEEDI", false));

    // Upload: the transaction's page says what happened; the same file again, that it was already received.
    let res = upload(&app, &va, &[], Some(("stock.edi", STOCK_846.as_bytes()))).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/edi/") && to.ends_with("?done=success"), "{to}");
    let (s, html) = get(&va, &app.url(&to)).await;
    assert_eq!(s, 200);
    assert!(html.contains("Interchange received and processed"), "{html}");
    let res = upload(&app, &va, &[], Some(("again.edi", STOCK_846.as_bytes()))).await;
    assert_eq!(res.status(), 303);
    let again = location(&res);
    assert_eq!(again.split('?').next(), to.split('?').next(), "the first transaction");
    assert!(again.ends_with("?done=duplicate"), "{again}");
    let (_, html) = get(&va, &app.url(&again)).await;
    assert!(html.contains("already received"), "{html}");
    // No file, or an empty one: the field says so.
    let res = upload(&app, &va, &[], None).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Choose the file to upload"));
    let res = upload(&app, &va, &[], Some(("empty.edi", b""))).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("is empty"));

    // Staff upload for a vendor they name.
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let res = upload(&app, &admin, &[], Some(("x.edi", b"ISA"))).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Enter the vendor code"));
    let res = upload(&app, &admin, &[("vendor", a.code.clone())], Some(("x.edi", STOCK_846.as_bytes()))).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).ends_with("?done=duplicate"));

    // EDI live, set by staff for the vendor: the vendor's document forms are replaced by the notice
    // and their posts refused.
    settings.push(("vendor", a.code.clone()));
    settings.push(("edi_live", "1".into()));
    let page = format!("/edi/partner?vendor={}", a.code);
    let res = submit(&app, &admin, &page, "/edi/partner", &settings).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, format!("/edi/partner?vendor={}&done=saved", a.code)));
    assert!(app.services.edi_live(a.id).await.unwrap());
    let dc = app.dc("EDI1").await;
    let po = app.acked_po(&a, &dc, 10, false).await.po.id;
    let ops = app.login(&app.user(a.id, &[Role::Operations]).await).await;
    let live = "EDI is live for your account: acknowledgements, ship notices and invoices arrive by EDI";
    for path in [format!("/orders/{po}/ack"), "/shipments/new".to_string()] {
        let (s, html) = get(&ops, &app.url(&path)).await;
        assert_eq!(s, 200, "{path}");
        assert!(html.contains(live) && !html.contains("name=\"_form\""), "{path}: {html}");
    }
    let (s, html) = get(&ops, &app.url(&format!("/orders/{po}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains(live) && !html.contains(&format!("href=\"/orders/{po}/ack\"")), "{html}");
    let (_, html) = get(&ops, &app.url(&format!("/orders/{po}/ack"))).await;
    let csrf = hidden(&html, "_csrf").expect("csrf");
    let res = ops.post(app.url(&format!("/orders/{po}/ack"))).form(&[("_csrf", csrf.as_str()), ("action", "accept_all")]).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains(live));
    let res = ops.post(app.url("/shipments")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let (s, html) = get(&fin, &app.url(&format!("/orders/{po}/invoice"))).await;
    assert_eq!(s, 200);
    assert!(html.contains(live), "{html}");
    // Staff pages are not the vendor's forms: unaffected.
    let (s, html) = get(&admin, &app.url(&format!("/orders/{po}"))).await;
    assert_eq!(s, 200);
    assert!(!html.contains(live));
}

#[tokio::test]
async fn in_the_browser_a_vendor_admin_sets_up_edi_uploads_a_file_and_reads_it_back() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let a = app.vendor().await;
    stock_item(&app, &a).await;
    let u = app.user(a.id, &[Role::VendorAdmin]).await;
    sign_in(&b, &app, &u).await?;

    // The empty log says what it is for and leads to the settings.
    b.click("nav.sidenav a[href='/edi']").await?;
    b.wait_for(".empty-state").await?;
    b.assert_accessible().await?;
    b.click("#edi-partner").await?;
    b.wait_for("#partner-form").await?;
    b.assert_accessible().await?;
    b.fill("#partner_qualifier", "ZZZ").await?;
    b.fill("#partner_id", "ACMEEDI").await?;
    b.fill("#our_qualifier", "ZZ").await?;
    b.fill("#our_id", "ACORNRETAIL").await?;
    b.click("#partner-save").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    assert!(b.text("#partner_qualifier-error").await?.contains("is not a qualifier"));
    b.fill("#partner_qualifier", "ZZ").await?;
    b.click("#partner-save").await?;
    b.wait_for("#partner-inbox").await?;
    b.assert_accessible().await?;
    assert!(b.text("#partner-inbox").await?.ends_with(&format!("edi/{}/inbox", a.code)));

    // Upload a file: its page shows what became of it and its bytes.
    let file = std::env::temp_dir().join(format!("stock-{}.edi", Uuid::now_v7()));
    std::fs::write(&file, STOCK_846)?;
    b.click("#partner-log").await?;
    b.wait_for("#edi-upload").await?;
    b.click("#edi-upload").await?;
    b.wait_for("#file").await?;
    b.assert_accessible().await?;
    b.client().find(Locator::Css("#file")).await?.send_keys(&file.to_string_lossy()).await?;
    b.click("#edi-upload-submit").await?;
    b.wait_for("#edi-facts").await?;
    let _ = std::fs::remove_file(&file);
    b.assert_accessible().await?;
    assert!(b.text("#notice").await?.contains("Interchange received and processed"));
    assert_eq!(b.text("#edi-status").await?, "Success");
    assert!(b.text("#documents-table").await?.contains("REPORT-1"));
    assert!(b.text("#raw-text").await?.contains("ST*846*0001~\nBIA*00*SI*REPORT-1*20240101~"));

    // The log lists it; stock shows what it reported; in Chinese too.
    b.click("nav.breadcrumb a[href='/edi']").await?;
    b.wait_for("#edi-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#edi-table").await?.contains("000000101"));
    b.click("nav.sidenav a[href='/stock']").await?;
    b.wait_for("#stock-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#stock-table").await?.contains("EDI-SKU-1"));

    // New bytes under the same control number: refused, the summary naming it.
    let changed = std::env::temp_dir().join(format!("changed-{}.edi", Uuid::now_v7()));
    std::fs::write(&changed, STOCK_846.replace("QTY*33*25*EA", "QTY*33*30*EA"))?;
    b.goto(&app.url("/edi/upload")).await?;
    b.client().find(Locator::Css("#file")).await?.send_keys(&changed.to_string_lossy()).await?;
    b.click("#edi-upload-submit").await?;
    b.wait_for("#edi-summary").await?;
    let _ = std::fs::remove_file(&changed);
    b.assert_accessible().await?;
    assert_eq!(b.text("#edi-status").await?, "Failure");
    assert!(b.text("#edi-summary").await?.contains("000000101"));

    // EDI live: the acknowledgement form gives way to the notice.
    let dc = app.dc("EDIB").await;
    let po = app.po(&a, &dc, &[&app.item(&a).await], 5).await.po.id;
    b.goto(&app.url("/edi/partner")).await?;
    b.click("#edi_live").await?;
    b.click("#partner-save").await?;
    // The settings page is on screen before and after saving: wait for the redirect-after-POST
    // itself, or the next navigation races the form's and loses.
    for _ in 0..100 {
        if b.current_url().await?.query().is_some_and(|q| q.contains("done=saved")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(b.current_url().await?.query().is_some_and(|q| q.contains("done=saved")), "the settings were saved");
    b.goto(&app.url(&format!("/orders/{po}"))).await?;
    b.wait_for("#edi-live").await?;
    b.assert_accessible().await?;
    assert!(!b.exists("#acknowledge").await?);
    b.goto(&app.url(&format!("/orders/{po}/ack"))).await?;
    b.wait_for("#edi-live-back").await?;
    b.assert_accessible().await?;

    b.goto(&app.url("/stock")).await?;
    b.client().find(Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    assert!(b.text("h1").await?.contains("供应商库存"));
    b.assert_accessible().await?;
    b.close().await
}

#[tokio::test]
async fn in_the_browser_staff_pick_a_vendor_and_read_its_edi() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let a = app.vendor().await;
    acme_partner(&app, &a).await;
    stock_item(&app, &a).await;
    let r = app.services.receive_edi(&Ctx::cli(), a.id, STOCK_846.as_bytes().to_vec(), Source::Drop, "acme.edi").await.unwrap();
    let u = app.user(TenantId::RETAILER, &[Role::Auditor]).await;
    sign_in(&b, &app, &u).await?;
    b.click("nav.sidenav a[href='/edi']").await?;
    b.wait_for("#edi-table").await?;
    b.assert_accessible().await?;
    b.fill("#vendor", &a.code).await?;
    b.click(".filter-bar button[type='submit']").await?;
    b.wait_for("#edi-table").await?;
    b.click(&format!("a[href='/edi/{}']", r.interchange.id)).await?;
    b.wait_for("#edi-facts").await?;
    b.assert_accessible().await?;
    b.click("nav.breadcrumb a[href='/edi']").await?;
    b.wait_for("#edi-partner").await?;
    b.click("#edi-partner").await?;
    b.wait_for("#partner-pick").await?;
    b.assert_accessible().await?;
    b.fill("#vendor", &a.code).await?;
    b.click("#partner-open").await?;
    b.wait_for("#partner-facts").await?;
    b.assert_accessible().await?;
    assert!(b.text("#partner-facts").await?.contains("ZZ/ACMEEDI"));
    b.click("nav.sidenav a[href='/stock']").await?;
    b.wait_for("#stock-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#stock-table").await?.contains(&a.code));

    // A file the validator finds fault with: the findings say where, in words.
    let bad = STOCK_846.replace("000000101", "000000102").replace("SE*7*0001", "SE*9*0001");
    let r = app.services.receive_edi(&Ctx::cli(), a.id, bad.into_bytes(), Source::Drop, "bad.edi").await.unwrap();
    b.goto(&app.url(&format!("/edi/{}", r.interchange.id))).await?;
    b.wait_for("#findings-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#findings-table").await?.contains("segment SE"), "{}", b.text("#findings-table").await?);
    b.close().await
}
