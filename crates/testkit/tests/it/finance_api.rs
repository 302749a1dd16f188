//! Invoice-to-cash over the native API and the SP-API-compatible invoice submission, over real HTTP
//! with sessions and tokens: the flipped template, submission with each line's match explained,
//! refusals naming every field, list filters and paging, tenant isolation; disputes uploaded as
//! multipart with their documents downloadable (with safe headers) by the vendor and AP only, AP's
//! decision; a payment run whose remittance JSON and CSV add up to the cent and whose bank file pays it;
//! masked bank accounts; terms; and Amazon's `submitInvoices` with its own example payload, and with a
//! `CreditNote` crediting one of the vendor's invoices in part, then in full.
//!
//! Also the fixtures the authorisation walk (`access.rs`) uses for the finance routes.

use acorn_domain::ids::TenantId;
use acorn_domain::orders::Channel;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_service::invoices::{NewInvoice, NewInvoiceLine};
use acorn_service::receiving::ScanLine;
use acorn_store::repo::payments::BankAccount;
use acorn_testkit::{TestApp, VendorFx, call, http};
use chrono::{Days, Utc};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn fields(e: &Value) -> Vec<String> {
    e["details"].as_array().map(|d| d.iter().map(|x| x["field"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).unwrap()
}

/// A PO of `v` for 10 eaches, acknowledged, shipped in two cartons of 5, checked in, scanned with
/// `received` units per carton and closed.
pub async fn received_po(app: &TestApp, v: &VendorFx, dc: &acorn_domain::master::Dc, received: [i64; 2]) -> acorn_service::orders::PoDetail {
    let po = app.acked_po(v, dc, 10, false).await;
    let asn = app.shipment(v, &po, 2, 5).await;
    let ctx = Ctx::cli();
    app.services.check_in(&ctx, asn.shipment.id).await.unwrap();
    for (carton, n) in asn.shipment.cartons.iter().zip(received) {
        let line = ScanLine { po_number: Some(po.po.number.clone()), line_no: Some(1), gtin: carton.items[0].gtin.clone(), received: n, damaged: 0 };
        app.services.scan_carton(&ctx, asn.shipment.id, carton.sscc.as_str(), vec![line]).await.unwrap();
    }
    app.services.close_receipt(&ctx, asn.shipment.id).await.unwrap();
    app.services.get_po(&ctx, po.po.id).await.unwrap()
}

/// A shortage through the use cases: 10 shipped, 8 received, 10 invoiced. Returns (invoice id, claim id).
pub async fn short_invoice(app: &TestApp, v: &VendorFx, dc: &acorn_domain::master::Dc) -> (uuid::Uuid, uuid::Uuid) {
    let po = received_po(app, v, dc, [5, 3]).await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let input = NewInvoice {
        number: format!("SI-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]),
        po_number: po.po.number.clone(),
        lines: vec![NewInvoiceLine { po_line_no: Some(1), item: String::new(), quantity: 10, unit_cost: "10.00".into() }],
        ..Default::default()
    };
    let d = app.services.submit_invoice(&fin, input, Channel::Ui).await.unwrap();
    (d.invoice.id, d.deductions[0].id)
}

/// A USD bank account for every payee (and vendor) code of `v`, set by a user who is both vendor
/// admin and finance.
pub async fn bank(app: &TestApp, v: &VendorFx) {
    use acorn_domain::master::VendorIdentifierKind as K;
    let boss = app.ctx_as(v.id, &[Role::VendorAdmin, Role::Finance]).await;
    let vendor = app.services.get_vendor(&Ctx::cli(), v.id).await.unwrap();
    for code in vendor.identifiers.iter().filter(|i| i.kind == K::PayeeCode || i.kind == K::VendorCode).map(|i| i.value.clone()) {
        bank_account(app, &boss, v, &code).await;
    }
}

async fn bank_account(app: &TestApp, boss: &Ctx, v: &VendorFx, payee: &str) {
    let account = BankAccount {
        payee_code: payee.to_string(),
        account_holder: "Fixture Works Ltd".into(),
        account_scheme: "iban".into(),
        account_number: "GB82 WEST 1234 5698 7654 32".into(),
        bank_code: "NWBKGB2L".into(),
        currency: "USD".into(),
        updated_by: String::new(),
        updated_at: Utc::now(),
    };
    app.services.set_bank_account(boss, v.id, account).await.unwrap();
}

/// The finance objects the authorisation walk points its routes at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WalkObj {
    Invoice,
    Deduction,
    /// A deduction with a dispute waiting for a decision (a new one once it was decided).
    DisputedDeduction,
    /// A dispute's proof file.
    Document,
    PaymentRun,
    Remittance,
}

impl WalkObj {
    /// The path parameter the object fills.
    pub fn param(self) -> &'static str {
        match self {
            WalkObj::Invoice => "{invoice_id}",
            WalkObj::Deduction | WalkObj::DisputedDeduction => "{deduction_id}",
            WalkObj::Document => "{document_id}",
            WalkObj::PaymentRun => "{run_id}",
            WalkObj::Remittance => "{remittance_id}",
        }
    }
}

static WALK: Mutex<Option<HashMap<(WalkObj, TenantId), String>>> = Mutex::new(None);

fn cached(obj: WalkObj, t: TenantId) -> Option<String> {
    WALK.lock().unwrap().as_ref().and_then(|m| m.get(&(obj, t)).cloned())
}

fn remember(obj: WalkObj, t: TenantId, id: String) {
    WALK.lock().unwrap().get_or_insert_with(HashMap::new).insert((obj, t), id);
}

/// The id of a finance object of vendor `v` for the walk, made once per vendor and reused (a
/// disputed deduction again once its dispute was decided).
pub async fn walk_object(app: &TestApp, obj: WalkObj, v: &VendorFx, dc: &acorn_domain::master::Dc) -> String {
    let ctx = Ctx::cli();
    if let Some(id) = cached(obj, v.id) {
        let fresh = match obj {
            WalkObj::DisputedDeduction => {
                let d = app.services.deduction(&ctx, id.parse().unwrap()).await.unwrap();
                d.disputes.iter().any(|x| x.dispute.decided_at.is_none())
            }
            _ => true,
        };
        if fresh {
            return id;
        }
    }
    match obj {
        WalkObj::Invoice | WalkObj::Deduction | WalkObj::Document => {
            let (invoice, claim) = short_invoice(app, v, dc).await;
            let fin = app.ctx_as(v.id, &[Role::Finance]).await;
            let d = app.services.open_dispute(&fin, claim, "Delivered in full; POD attached.", vec![("pod.pdf".into(), PDF.to_vec())]).await.unwrap();
            remember(WalkObj::Invoice, v.id, invoice.to_string());
            remember(WalkObj::Deduction, v.id, claim.to_string());
            remember(WalkObj::Document, v.id, d.disputes[0].documents[0].id.to_string());
        }
        WalkObj::DisputedDeduction => {
            let (_, claim) = short_invoice(app, v, dc).await;
            let fin = app.ctx_as(v.id, &[Role::Finance]).await;
            app.services.open_dispute(&fin, claim, "Delivered in full.", vec![]).await.unwrap();
            remember(obj, v.id, claim.to_string());
        }
        WalkObj::PaymentRun | WalkObj::Remittance => {
            bank(app, v).await;
            short_invoice(app, v, dc).await;
            let today = Utc::now().date_naive();
            let run = app.services.run_payments(&ctx, "USD", today, today + Days::new(60)).await.unwrap();
            let r = run.remittances.iter().find(|r| r.tenant == v.id).expect("a remittance for the vendor");
            remember(WalkObj::PaymentRun, v.id, run.run.id.to_string());
            remember(WalkObj::Remittance, v.id, r.id.to_string());
        }
    }
    cached(obj, v.id).expect("walk object")
}

/// A `multipart/form-data` body: text fields, then files `(part name, file name, bytes)`.
fn multipart(texts: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = format!("acorn-{}", uuid::Uuid::now_v7().simple());
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (name, filename, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(c: &reqwest::Client, url: &str, token: Option<&str>, form: (String, Vec<u8>)) -> (u16, Value) {
    let mut req = c.post(url).header("content-type", form.0).header("Idempotency-Key", uuid::Uuid::now_v7().to_string()).body(form.1);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn invoices_are_flipped_submitted_matched_refused_listed_and_isolated() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN1").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let token = app.token(a.id, &[]).await;
    let other = app.login(&app.user(b.id, &[Role::Finance]).await).await;
    let po = received_po(&app, &a, &dc, [5, 3]).await;

    // The template: what shipped and is not invoiced yet, at the acknowledged cost.
    let (s, t) = call(&fin, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}/invoice-template", po.po.id)), None, None).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["po"]["number"], po.po.number);
    assert_eq!(t["lines"][0]["quantity"], 10);
    assert_eq!(t["lines"][0]["unit_cost"], "10.00");
    assert_eq!(t["payment_term"], "NET30");
    let (s, _) = call(&other, Method::GET, &app.url(&format!("/api/v1/purchase-orders/{}/invoice-template", po.po.id)), None, None).await;
    assert_eq!(s, 404, "another vendor's PO");

    // Submitted from the template (by an API client): 10 invoiced, 8 received → a shortage claim, explained.
    let body = json!({"number": "INV-A1", "po_number": po.po.number, "total": "100.00",
        "lines": [{"po_line_no": 1, "quantity": t["lines"][0]["quantity"], "unit_cost": t["lines"][0]["unit_cost"]}]});
    let (s, inv) = call(&http(), Method::POST, &app.url("/api/v1/invoices"), Some(&token), Some(&body)).await;
    assert_eq!(s, 201, "{inv}");
    assert_eq!(inv["state"], "approved");
    assert_eq!(inv["channel"], "api");
    assert_eq!(inv["total"], "100.00");
    let m = &inv["lines"][0]["match"];
    assert_eq!(m["outcome"], "shortage", "{m}");
    assert_eq!(m["rule"], "quantity_over_received");
    let sentence = m["description"].as_str().unwrap();
    assert!(sentence.starts_with("Invoiced 10 × 10.0000 = 100.00; received 8 × "), "{sentence}");
    assert!(sentence.contains("shortage of 2 units claimed (20.00)"), "{sentence}");
    assert_eq!(m["explanation"]["received"], 8);
    assert_eq!(m["explanation"]["delta"], "20.00");
    assert_eq!(m["explanation"]["tolerance_amount"], "1.00");
    assert_eq!(m["claims"][0]["amount"], "20.00");
    assert_eq!(inv["deductions"][0]["kind"], "shortage");
    assert_eq!(inv["deductions"][0]["amount"], "20.00");
    assert!(inv["timeline"].as_array().unwrap().len() >= 3, "{inv}");
    let id = inv["id"].as_str().unwrap().to_string();

    // Refused with every reason at once, nothing stored.
    let bad = json!({"number": "INV-A1", "po_number": po.po.number, "total": "1.00",
        "lines": [{"item": "NOPE", "quantity": 1, "unit_cost": "1.00"}, {"po_line_no": 1, "quantity": 99, "unit_cost": "10.00"},
                  {"po_line_no": 1, "quantity": 1, "unit_cost": "ten"}],
        "adjustments": [{"kind": "bonus", "type": "Freight", "amount": "1.00"}, {"kind": "charge", "type": "Tip", "amount": "1.00"}]});
    let (s, e) = call(&fin, Method::POST, &app.url("/api/v1/invoices"), None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["code"], "validation_failed");
    let got = fields(&e);
    for f in ["number", "lines[1].item", "lines[2].quantity", "lines[3].unit_cost", "adjustments[1].kind", "adjustments[2].type", "total"] {
        assert!(got.iter().any(|g| g == f), "{f} named in {e}");
    }
    let (s, e) = call(&fin, Method::POST, &app.url("/api/v1/invoices"), None, Some(&json!({"number": "X", "po_number": "NOSUCHPO", "lines": []}))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["po_number"]);
    // Retailer staff do not submit invoices.
    let ap = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    let (s, e) = call(&ap, Method::POST, &app.url("/api/v1/invoices"), None, Some(&body)).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("vendor_only")), "{e}");

    // Read back; another vendor gets 404, AP sees it.
    let (s, got) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{id}")), None, None).await;
    assert_eq!(s, 200);
    assert_eq!(got["lines"][0]["match"]["outcome"], "shortage");
    assert_eq!(call(&other, Method::GET, &app.url(&format!("/api/v1/invoices/{id}")), None, None).await.0, 404);
    assert_eq!(call(&ap, Method::GET, &app.url(&format!("/api/v1/invoices/{id}")), None, None).await.0, 200);

    // Three more invoices of a fully received PO (3 + 3 + 4 units): list filters and paging.
    let full = received_po(&app, &a, &dc, [5, 5]).await;
    for (n, q) in [("INV-B1", 3), ("INV-B2", 3), ("INV-B3", 4)] {
        let body = json!({"number": n, "po_number": full.po.number, "lines": [{"item": full.lines[0].vendor_sku, "quantity": q, "unit_cost": "10.00"}]});
        let (s, v) = call(&fin, Method::POST, &app.url("/api/v1/invoices"), None, Some(&body)).await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["lines"][0]["match"]["outcome"], "matched", "{v}");
    }
    let list = |q: String| {
        let fin = fin.clone();
        let url = app.url(&format!("/api/v1/invoices?{q}"));
        async move { call(&fin, Method::GET, &url, None, None).await }
    };
    let numbers = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (s, all) = list(String::new()).await;
    assert_eq!(s, 200);
    assert_eq!(numbers(&all), ["INV-A1", "INV-B1", "INV-B2", "INV-B3"]);
    let (_, p1) = list("limit=3".into()).await;
    assert_eq!(numbers(&p1).len(), 3);
    let (_, p2) = list(format!("limit=3&cursor={}", p1["next"].as_str().unwrap())).await;
    assert_eq!(numbers(&p2), ["INV-B3"]);
    assert!(p2["next"].is_null());
    assert_eq!(numbers(&list(format!("po_number={}", full.po.number.to_lowercase())).await.1), ["INV-B1", "INV-B2", "INV-B3"]);
    assert_eq!(numbers(&list(format!("po_id={}", po.po.id)).await.1), ["INV-A1"]);
    assert_eq!(numbers(&list("number=INV-B2".into()).await.1), ["INV-B2"]);
    assert_eq!(numbers(&list("state=approved&invoice_type=Invoice".into()).await.1).len(), 4);
    assert_eq!(numbers(&list("state=paid".into()).await.1).len(), 0);
    assert_eq!(numbers(&list(format!("vendor_code={}", a.code)).await.1).len(), 4);
    assert_eq!(numbers(&list("po_number=NOSUCHPO".into()).await.1).len(), 0);
    let (s, e) = list("state=lost&invoice_type=Bill".into()).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["state", "invoice_type"]);
    let (_, theirs) = call(&other, Method::GET, &app.url("/api/v1/invoices"), None, None).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    assert!(!theirs.to_string().contains(&a.canary));

    // Aging: all current.
    let (s, aging) = call(&fin, Method::GET, &app.url("/api/v1/invoices/aging"), None, None).await;
    assert_eq!(s, 200, "{aging}");
    assert_eq!(aging[0]["bucket"], "current");
    assert_eq!(aging[0]["count"], 4);
    assert_eq!(aging[0]["amount"], "200.00");
}

#[tokio::test]
async fn disputes_upload_proof_that_only_the_vendor_and_ap_can_download_and_ap_decides() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN2").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let (invoice, claim) = short_invoice(&app, &a, &dc).await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let other = app.login(&app.user(b.id, &[Role::Finance]).await).await;
    let ap = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    let url = app.url(&format!("/api/v1/deductions/{claim}/disputes"));

    // The ledger: filters and totals.
    let (s, l) = call(&fin, Method::GET, &app.url(&format!("/api/v1/deductions?kind=shortage&status=open&invoice_id={invoice}")), None, None).await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["items"][0]["id"], claim.to_string());
    assert_eq!(l["items"][0]["amount"], "20.00");
    assert_eq!(l["items"][0]["outstanding"], "20.00");
    let tomorrow = Utc::now().date_naive() + Days::new(1);
    let (_, none) = call(&fin, Method::GET, &app.url(&format!("/api/v1/deductions?posted_from={tomorrow}")), None, None).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (_, some) = call(&fin, Method::GET, &app.url(&format!("/api/v1/deductions?posted_before={tomorrow}&vendor_code={}", a.code)), None, None).await;
    assert_eq!(some["items"].as_array().unwrap().len(), 1);
    let (s, e) = call(&fin, Method::GET, &app.url("/api/v1/deductions?kind=gift"), None, None).await;
    assert_eq!((s, fields(&e)), (422, vec!["kind".to_string()]));
    let (_, totals) = call(&fin, Method::GET, &app.url("/api/v1/deductions/totals"), None, None).await;
    assert_eq!(totals[0]["kind"], "shortage");
    assert_eq!(totals[0]["count"], 1);
    assert_eq!(totals[0]["amount"], "20.00");
    let (_, theirs) = call(&other, Method::GET, &app.url("/api/v1/deductions"), None, None).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    assert_eq!(call(&other, Method::GET, &app.url(&format!("/api/v1/deductions/{claim}")), None, None).await.0, 404);

    // Not multipart, or too many files: refused before anything is stored.
    let (s, e) = call(&fin, Method::POST, &url, None, Some(&json!({"message": "x"}))).await;
    assert_eq!((s, e["code"].as_str()), (415, Some("unsupported_media_type")), "{e}");
    let six: Vec<(&str, &str, &[u8])> = (0..6).map(|_| ("file", "pod.pdf", PDF)).collect();
    let (s, e) = post_multipart(&fin, &url, None, multipart(&[("message", "six")], &six)).await;
    assert_eq!((s, fields(&e)), (422, vec!["file".to_string()]), "{e}");
    let (s, e) = post_multipart(&fin, &url, None, multipart(&[], &[])).await;
    assert_eq!((s, fields(&e)), (422, vec!["message".to_string()]), "{e}");
    let (s, e) = post_multipart(&fin, &url, None, multipart(&[("message", "exe")], &[("file", "run.exe", b"MZ\x90\0\x03\0\0\0")])).await;
    assert_eq!((s, fields(&e)), (422, vec!["files[1]".to_string()]), "{e}");
    // Another vendor cannot dispute it; AP cannot either.
    let form = || {
        multipart(
            &[("message", "All 10 delivered; signed POD attached.")],
            &[("file", "Lieferschein Müller.pdf", PDF), ("file", "notes.txt", b"carton 2 had 5")],
        )
    };
    assert_eq!(post_multipart(&other, &url, None, form()).await.0, 404);
    let (s, e) = post_multipart(&ap, &url, None, form()).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("vendor_only")), "{e}");

    // The vendor disputes with two files.
    let (s, d) = post_multipart(&fin, &url, None, form()).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "disputed");
    assert_eq!(d["may_dispute"], false);
    assert!(d["dispute_refusal"].is_string());
    let docs = d["disputes"][0]["documents"].as_array().unwrap().clone();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["filename"], "Lieferschein Müller.pdf");
    assert_eq!(docs[0]["content_type"], "application/pdf");
    assert_eq!(docs[1]["content_type"], "text/plain; charset=utf-8");
    let (_, inv) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{invoice}")), None, None).await;
    assert_eq!(inv["state"], "disputed");
    assert_eq!(inv["stored_state"], "approved");
    let (s, e) = post_multipart(&fin, &url, None, form()).await;
    assert_eq!(s, 422, "a second dispute waits for the decision: {e}");

    // The documents: downloadable by the vendor and AP, as attachments that are never sniffed; 404 for another vendor.
    let doc_url = app.url(docs[0]["url"].as_str().unwrap());
    for c in [&fin, &ap] {
        let res = c.get(&doc_url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let cd = h["content-disposition"].to_str().unwrap();
        assert!(cd.starts_with("attachment;"), "{cd}");
        assert!(cd.contains("filename*=UTF-8''Lieferschein%20M%C3%BCller.pdf"), "{cd}");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    }
    let res = fin.get(app.url(docs[1]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let (s, e) = call(&other, Method::GET, &doc_url, None, None).await;
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let token_b = app.token(b.id, &[]).await;
    assert_eq!(call(&http(), Method::GET, &doc_url, Some(&token_b), None).await.0, 404);
    let catalog = app.login(&app.user(a.id, &[Role::Catalog]).await).await;
    assert_eq!(call(&catalog, Method::GET, &doc_url, None, None).await.0, 403, "no access to deductions");

    // The evidence pack.
    let (s, pack) = call(&ap, Method::GET, &app.url(&format!("/api/v1/deductions/{claim}/evidence")), None, None).await;
    assert_eq!(s, 200, "{pack}");
    assert_eq!(pack["acknowledgements"].as_array().unwrap().len(), 1);
    assert_eq!(pack["shipments"].as_array().unwrap().len(), 1);
    assert_eq!(pack["receipts"].as_array().unwrap().len(), 1);
    assert!(pack["invoice"].is_object());
    assert_eq!(pack["deduction"]["disputes"].as_array().unwrap().len(), 1);

    // The decision: not the vendor's; AP half-reverses with a reason.
    let decision = app.url(&format!("/api/v1/deductions/{claim}/decision"));
    let half = json!({"outcome": "partially_reversed", "reversed_amount": "10.00", "reason": "POD shows carton 2 one unit short"});
    assert_eq!(call(&fin, Method::POST, &decision, None, Some(&half)).await.0, 403);
    let (s, e) = call(&ap, Method::POST, &decision, None, Some(&json!({"outcome": "maybe", "reason": ""}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["outcome".to_string()]), "{e}");
    let (s, e) = call(&ap, Method::POST, &decision, None, Some(&json!({"outcome": "partially_reversed", "reversed_amount": "20.00", "reason": "x"}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["reversed_amount".to_string()]), "{e}");
    let (s, d) = call(&ap, Method::POST, &decision, None, Some(&half)).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["reversed"], "10.00");
    assert_eq!(d["disputes"][0]["outcome"], "partially_reversed");
    assert_eq!(d["disputes"][0]["payback"], "10.00");
    assert_eq!(call(&ap, Method::POST, &decision, None, Some(&half)).await.0, 409, "nothing left to decide");
    let (_, inv) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{invoice}")), None, None).await;
    assert_eq!(inv["state"], "approved");
}

#[tokio::test]
async fn a_payment_run_pays_remittances_that_add_up_in_json_csv_and_the_bank_file() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN3").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    short_invoice(&app, &a, &dc).await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let boss = app.login(&app.user(a.id, &[Role::VendorAdmin, Role::Finance]).await).await;
    let other = app.login(&app.user(b.id, &[Role::Finance]).await).await;
    let ap = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    let accounts = app.url(&format!("/api/v1/vendors/{}/bank-accounts", a.id));

    // Bank details: only a user who is both vendor admin and finance; always shown masked.
    let account = json!({"payee_code": a.code, "account_holder": "Fixture Works Ltd", "account_scheme": "iban",
        "account_number": "GB82 WEST 1234 5698 7654 32", "bank_code": "NWBKGB2L", "currency": "USD"});
    let (s, e) = call(&fin, Method::PUT, &accounts, None, Some(&account)).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("banking_needs_admin_and_finance")), "{e}");
    let (s, e) = call(
        &boss,
        Method::PUT,
        &accounts,
        None,
        Some(&json!({"payee_code": "NOPE", "account_holder": "", "account_scheme": "iban",
        "account_number": "GB00 0000", "bank_code": "X", "currency": "XXX"})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    for f in ["payee_code", "account_holder", "currency", "account_number", "bank_code"] {
        assert!(fields(&e).iter().any(|g| g == f), "{f} named in {e}");
    }
    let (s, list) = call(&boss, Method::PUT, &accounts, None, Some(&account)).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list[0]["account_number"], "GB•• •••• 5432");
    let (s, list) = call(&fin, Method::GET, &accounts, None, None).await;
    assert_eq!(s, 200);
    assert!(!list.to_string().contains("56987654"), "{list}");
    assert_eq!(list[0]["account_number"], "GB•• •••• 5432");
    assert_eq!(call(&other, Method::GET, &accounts, None, None).await.0, 404);
    assert_eq!(call(&ap, Method::GET, &app.url(&format!("/api/v1/vendors/{}/bank-accounts", uuid::Uuid::now_v7())), None, None).await.0, 404);

    // AP runs payments; a vendor cannot.
    let due_by = Utc::now().date_naive() + Days::new(60);
    let run_body = json!({"currency": "USD", "due_by": due_by});
    assert_eq!(call(&fin, Method::POST, &app.url("/api/v1/payment-runs"), None, Some(&run_body)).await.0, 403);
    let (s, e) = call(&ap, Method::POST, &app.url("/api/v1/payment-runs"), None, Some(&json!({"currency": "ZZZ", "pay_date": "2001-01-01"}))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["currency", "pay_date"]);
    let (s, run) = call(&ap, Method::POST, &app.url("/api/v1/payment-runs"), None, Some(&run_body)).await;
    assert_eq!(s, 201, "{run}");
    assert_eq!(run["remittances"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(run["total"], "80.00", "100.00 invoiced less the 20.00 shortage claim");
    let run_id = run["id"].as_str().unwrap().to_string();
    let rem_id = run["remittances"][0]["id"].as_str().unwrap().to_string();
    let (s, again) = call(&ap, Method::GET, &app.url(&format!("/api/v1/payment-runs/{run_id}")), None, None).await;
    assert_eq!(s, 200);
    assert_eq!(again["number"], run["number"]);
    let (_, runs) = call(&ap, Method::GET, &app.url("/api/v1/payment-runs"), None, None).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 1);
    // Runs are the retailer's: a vendor sees its remittances instead.
    assert_eq!(call(&fin, Method::GET, &app.url(&format!("/api/v1/payment-runs/{run_id}")), None, None).await.0, 404);
    assert_eq!(call(&fin, Method::GET, &app.url("/api/v1/payment-runs"), None, None).await.1["items"].as_array().unwrap().len(), 0);

    // The remittance, in JSON and CSV, adds up to the cent.
    let (s, r) = call(&fin, Method::GET, &app.url(&format!("/api/v1/remittances/{rem_id}")), None, None).await;
    assert_eq!(s, 200, "{r}");
    let kinds: Vec<_> = r["lines"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["invoice", "deduction"]);
    let sum: Decimal = r["lines"].as_array().unwrap().iter().map(|l| dec(&l["amount"])).sum();
    assert_eq!(sum, dec(&r["total"]));
    assert_eq!(r["total"], "80.00");
    let (_, mine) = call(&fin, Method::GET, &app.url("/api/v1/remittances"), None, None).await;
    assert_eq!(mine["items"][0]["id"], rem_id);
    let (_, theirs) = call(&other, Method::GET, &app.url("/api/v1/remittances"), None, None).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    assert_eq!(call(&other, Method::GET, &app.url(&format!("/api/v1/remittances/{rem_id}")), None, None).await.0, 404);
    let res = fin.get(app.url(&format!("/api/v1/remittances/{rem_id}/csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let number = r["number"].as_str().unwrap();
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains(&format!("{number}.csv")));
    let csv = res.text().await.unwrap();
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("line,kind,reference,description,amount,currency"));
    let rows: Vec<Vec<String>> = rows.map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows.iter().all(|r| r.len() == 6 && r[5] == "USD"), "{csv}");
    assert!(rows[0][3].starts_with("Invoice SI-"), "English descriptions: {csv}");
    let csv_sum: Decimal = rows.iter().map(|r| Decimal::from_str(&r[4]).unwrap()).sum();
    assert_eq!(csv_sum, dec(&r["total"]));
    assert_eq!(call(&other, Method::GET, &app.url(&format!("/api/v1/remittances/{rem_id}/csv")), None, None).await.0, 404);

    // The bank file pays the remittance: pain.001 and CSV, AP only.
    let res = ap.get(app.url(&format!("/api/v1/payment-runs/{run_id}/bank-file?format=pain001"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/xml");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let xml = res.text().await.unwrap();
    assert!(xml.contains(&format!("<EndToEndId>{number}</EndToEndId>")), "{xml}");
    assert!(xml.contains(">80.00</InstdAmt>"), "{xml}");
    let res = ap.get(app.url(&format!("/api/v1/payment-runs/{run_id}/bank-file?format=csv"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.text().await.unwrap().contains(number));
    let (s, e) = call(&ap, Method::GET, &app.url(&format!("/api/v1/payment-runs/{run_id}/bank-file?format=mt940")), None, None).await;
    assert_eq!((s, fields(&e)), (422, vec!["format".to_string()]));
    assert_eq!(call(&fin, Method::GET, &app.url(&format!("/api/v1/payment-runs/{run_id}/bank-file")), None, None).await.0, 403);
}

#[tokio::test]
async fn terms_are_versioned_by_the_retailer_and_read_by_the_vendor() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let buyer = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let other = app.login(&app.user(b.id, &[Role::Finance]).await).await;
    let url = app.url(&format!("/api/v1/vendors/{}/terms", a.id));

    let (s, t) = call(&fin, Method::GET, &url, None, None).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["in_force"]["version"], 0, "the defaults");
    assert_eq!(t["in_force"]["terms"]["payment"]["label"], "NET30");
    assert_eq!(t["in_force"]["terms"]["chargebacks"]["asn_tiers"].as_array().unwrap().len(), 4);
    assert_eq!(call(&other, Method::GET, &url, None, None).await.0, 404);

    let terms = json!({"payment": {"net_days": 30, "discount_percent": "2", "discount_days": 10}, "tolerance": {"absolute": "1.00", "percent": "1"},
        "coop_percent": "1.5", "currency": "USD", "note": "2/10 agreed"});
    assert_eq!(call(&buyer, Method::PUT, &url, None, Some(&terms)).await.0, 403);
    assert_eq!(call(&fin, Method::PUT, &url, None, Some(&terms)).await.0, 403);
    let (s, t) = call(&admin, Method::PUT, &url, None, Some(&terms)).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["in_force"]["version"], 1);
    assert_eq!(t["in_force"]["terms"]["payment"]["label"], "2/10 NET30");
    assert_eq!(t["in_force"]["terms"]["coop_percent"], "1.5");
    assert_eq!(t["versions"][0]["note"], "2/10 agreed");
    let (_, seen) = call(&fin, Method::GET, &url, None, None).await;
    assert_eq!(seen["in_force"]["terms"]["payment"]["label"], "2/10 NET30");

    // Every problem named by its path.
    let bad = json!({"payment": {"net_days": 30, "discount_percent": "2", "discount_days": 0, "basis": "whenever"},
        "tolerance": {"absolute": "x", "percent": "1"},
        "chargebacks": {"asn_tiers": [{"min_on_time_percent": "90", "fee_percent": "2"}], "mismatch_percent": "2", "late_percent": "3",
            "on_time_waiver_percent": "90", "never_delivered_percent": "5", "carton_defect_fee": "2.60", "unconfirmed_percent": "1"},
        "currency": "USD", "effective_from": "2001-01-01"});
    let (s, e) = call(&admin, Method::PUT, &url, None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["tolerance.absolute", "payment.basis"], "numbers and words first");
    let bad = json!({"payment": {"net_days": 30, "discount_percent": "2", "discount_days": 0},
        "tolerance": {"absolute": "1", "percent": "1"},
        "chargebacks": {"asn_tiers": [{"min_on_time_percent": "90", "fee_percent": "2"}], "mismatch_percent": "2", "late_percent": "3",
            "on_time_waiver_percent": "90", "never_delivered_percent": "5", "carton_defect_fee": "2.60", "unconfirmed_percent": "1"},
        "currency": "USD", "effective_from": "2001-01-01"});
    let (s, e) = call(&admin, Method::PUT, &url, None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    for f in ["payment.discount_days", "chargebacks.asn_tiers[0].min_on_time_percent", "effective_from"] {
        assert!(fields(&e).iter().any(|g| g == f), "{f} named in {e}");
    }
    let missing = app.url(&format!("/api/v1/vendors/{}/terms", uuid::Uuid::now_v7()));
    assert_eq!(call(&admin, Method::PUT, &missing, None, Some(&terms)).await.0, 404);
}

/// Amazon's own example pairs of `submitInvoices`, read from the shared models at test time.
fn amazon_examples() -> Vec<(u16, Value, Value)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/sp-api-models/models/vendor-invoices-api-model/vendorInvoices.json");
    let model: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the vendorInvoices model beside the repository")).unwrap();
    let op = &model["paths"]["/vendor/payments/v1/invoices"]["post"];
    let mut out = Vec::new();
    for (status, r) in op["responses"].as_object().unwrap() {
        for pair in r["x-amzn-api-sandbox"]["static"].as_array().into_iter().flatten() {
            out.push((status.parse().unwrap(), pair["request"]["parameters"]["body"]["value"].clone(), pair["response"].clone()));
        }
    }
    out
}

#[tokio::test]
async fn amazon_submit_invoices_maps_the_example_onto_a_real_po() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN4").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let po = received_po(&app, &a, &dc, [5, 5]).await;
    let token = app.token(a.id, &[]).await;
    let url = app.url("/vendor/payments/v1/invoices");
    let examples = amazon_examples();
    let post = |body: Value, token: String| {
        let url = url.clone();
        async move {
            // No Idempotency-Key: SP-API routes dedupe on the invoice number.
            let res = http().post(&url).header("x-amz-access-token", token).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            assert!(res.headers().contains_key("x-amzn-requestid"));
            (status, res.json::<Value>().await.unwrap())
        }
    };

    // The 202 example, adapted: our invoice number and date, items of the real PO (a case of 6 and 4
    // eaches, by SKU and by retailer item id, at the PO cost), a freight charge, and the total they make.
    let (_, request, response) = examples.iter().find(|(s, _, _)| *s == 202).expect("the 202 example").clone();
    assert!(response["payload"]["transactionId"].is_string());
    let mut body = request.clone();
    let inv = &mut body["invoices"][0];
    assert_eq!(inv["invoiceType"], "Invoice");
    inv["id"] = "AMZ-INV-1".into();
    inv["date"] = format!("{}T12:00:00.000Z", Utc::now().date_naive()).into();
    inv["invoiceTotal"] = json!({"currencyCode": "USD", "amount": "102.50"});
    inv["chargeDetails"] = json!([{"type": "Freight", "description": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "2.50"}}]);
    inv["items"] = json!([
        {"itemSequenceNumber": 1, "vendorProductIdentifier": po.lines[0].vendor_sku, "purchaseOrderNumber": po.po.number,
         "invoicedQuantity": {"amount": 1, "unitOfMeasure": "Cases", "unitSize": 6}, "netCost": {"currencyCode": "USD", "amount": "10.00"}},
        {"itemSequenceNumber": 2, "amazonProductIdentifier": po.lines[0].retailer_item_id, "purchaseOrderNumber": po.po.number,
         "invoicedQuantity": {"amount": 4, "unitOfMeasure": "Eaches"}, "netCost": {"currencyCode": "USD", "amount": "10.00"}, "hsnCode": "7606"}
    ]);
    let (s, r) = post(body.clone(), token.clone()).await;
    assert_eq!(s, 202, "{r}");
    let id = r["payload"]["transactionId"].as_str().unwrap().to_string();
    assert!(r.get("errors").is_none(), "{r}");
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let (s, inv) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{id}")), None, None).await;
    assert_eq!(s, 200, "the transaction id is the invoice id: {inv}");
    assert_eq!(inv["number"], "AMZ-INV-1");
    assert_eq!(inv["channel"], "api");
    assert_eq!(inv["total"], "102.50");
    assert_eq!(inv["charges"], "2.50");
    let quantities: Vec<_> = inv["lines"].as_array().unwrap().iter().map(|l| l["quantity"].as_i64().unwrap()).collect();
    assert_eq!(quantities, [6, 4], "cases × unit size → eaches");
    assert_eq!(inv["state"], "approved");

    // The same invoice again is a duplicate, named in Amazon's shape.
    let (s, e) = post(body.clone(), token.clone()).await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["code"], "InvalidInput");
    assert!(e["errors"].as_array().unwrap().iter().any(|x| x["details"] == "invoices[0].id" && x["message"].as_str().unwrap().contains("already used")), "{e}");
    // Another vendor's PO is not found for this vendor.
    let token_b = app.token(b.id, &[]).await;
    body["invoices"][0]["id"] = "AMZ-INV-2".into();
    let (s, e) = post(body.clone(), token_b).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("no purchase order"), "{e}");
    // Two POs in one invoice: refused, naming both.
    let second = app.acked_po(&a, &dc, 5, false).await;
    body["invoices"][0]["items"][1]["purchaseOrderNumber"] = second.po.number.clone().into();
    let (s, e) = post(body.clone(), token.clone()).await;
    assert_eq!(s, 400, "{e}");
    let msg = e["errors"].to_string();
    assert!(msg.contains(&po.po.number) && msg.contains(&second.po.number) && msg.contains("one invoice per purchase order"), "{e}");

    // Amazon's 400 example answers with (at least) Amazon's errors.
    let (_, request, response) = examples.iter().find(|(s, _, _)| *s == 400).expect("the 400 example").clone();
    let (s, e) = post(request, token.clone()).await;
    assert_eq!(s, 400, "{e}");
    for want in response["errors"].as_array().unwrap() {
        assert!(e["errors"].as_array().unwrap().iter().any(|x| x["code"] == want["code"] && x["message"] == want["message"]), "{want} among {e}");
    }
    // No token, or a token without the invoices scope: Amazon's 403.
    let (s, e) = post(json!({"invoices": []}), "nonsense".into()).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (403, Some("Unauthorized")), "{e}");
    let narrow = app.token(a.id, &[acorn_domain::policy::Area::PurchaseOrders]).await;
    let (s, e) = post(body, narrow).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (403, Some("Unauthorized")), "{e}");
}

/// Amazon's `submitInvoices` with `invoiceType: CreditNote`, over HTTP: an invoice submitted the
/// Amazon way is credited in part (2 units in a case, and the freight), refused when the declared total,
/// the currency or the invoice referenced is wrong, when the items reference two invoices, when more
/// is credited than is left, and for another vendor; then credited in full, which cancels it before payment.
#[tokio::test]
async fn amazon_submit_invoices_takes_a_credit_note_of_one_invoice() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN9").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let po = received_po(&app, &a, &dc, [5, 5]).await;
    let sku = po.lines[0].vendor_sku.clone();
    let token = app.token(a.id, &[]).await;
    let url = app.url("/vendor/payments/v1/invoices");
    let post = |body: Value, token: String| {
        let url = url.clone();
        async move {
            let res = http().post(&url).header("x-amz-access-token", token).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let today = format!("{}T12:00:00.000Z", Utc::now().date_naive());
    let invoice = json!({"invoices": [{
        "invoiceType": "Invoice", "id": "AMZ-INV-9", "date": today, "remitToParty": {"partyId": "ABCDE"},
        "invoiceTotal": {"currencyCode": "USD", "amount": "102.50"},
        "chargeDetails": [{"type": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "2.50"}}],
        "items": [{"itemSequenceNumber": 1, "vendorProductIdentifier": sku, "purchaseOrderNumber": po.po.number,
                   "invoicedQuantity": {"amount": 10, "unitOfMeasure": "Eaches"}, "netCost": {"currencyCode": "USD", "amount": "10.00"}}]
    }]});
    let (s, r) = post(invoice, token.clone()).await;
    assert_eq!(s, 202, "{r}");
    let invoice_id = r["payload"]["transactionId"].as_str().unwrap().to_string();

    // A case of 2 units and the freight credited: 22.50, as declared.
    let credit = |id: &str, reference: &str, amount: Value, total: &str| {
        json!({"invoices": [{
            "invoiceType": "CreditNote", "id": id, "date": today, "remitToParty": {"partyId": "ABCDE"},
            "invoiceTotal": {"currencyCode": "USD", "amount": total},
            "items": [{"itemSequenceNumber": 1, "vendorProductIdentifier": sku, "invoicedQuantity": amount,
                       "netCost": {"currencyCode": "USD", "amount": "10.00"}, "creditNoteDetails": {"referenceInvoiceNumber": reference}}]
        }]})
    };
    let mut part = credit("AMZ-CN-1", "AMZ-INV-9", json!({"amount": 1, "unitOfMeasure": "Cases", "unitSize": 2}), "22.50");
    part["invoices"][0]["chargeDetails"] = json!([{"type": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "2.50"}}]);

    // Refused first, nothing stored: a declared total that is not what the lines and charges make …
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let credit_notes = || {
        let fin = fin.clone();
        let url = app.url(&format!("/api/v1/invoices?invoice_type=CreditNote&po_id={}", po.po.id));
        async move { call(&fin, Method::GET, &url, None, None).await.1["items"].as_array().unwrap().len() }
    };
    let mut wrong = part.clone();
    wrong["invoices"][0]["invoiceTotal"]["amount"] = "20.00".into();
    let (s, e) = post(wrong, token.clone()).await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["details"], "invoices[0].invoiceTotal.amount", "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("invoiceTotal.amount: the declared total 20.00 differs"), "{e}");
    // … another currency than the invoice's …
    let mut euros = part.clone();
    euros["invoices"][0]["invoiceTotal"]["currencyCode"] = "EUR".into();
    euros["invoices"][0]["items"][0]["netCost"]["currencyCode"] = "EUR".into();
    euros["invoices"][0]["chargeDetails"][0]["chargeAmount"]["currencyCode"] = "EUR".into();
    let (s, e) = post(euros, token.clone()).await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["details"], "invoices[0].invoiceTotal.currencyCode", "{e}");
    // … items crediting two invoices …
    let mut two = part.clone();
    let mut second = two["invoices"][0]["items"][0].clone();
    second["itemSequenceNumber"] = 2.into();
    second["creditNoteDetails"]["referenceInvoiceNumber"] = "AMZ-INV-8".into();
    two["invoices"][0]["items"].as_array_mut().unwrap().push(second);
    let (s, e) = post(two, token.clone()).await;
    assert_eq!(s, 400, "{e}");
    let msg = e["errors"].to_string();
    assert!(msg.contains("credits invoices AMZ-INV-8, AMZ-INV-9") && msg.contains("a credit note credits one invoice"), "{e}");
    // … an invoice that is not the vendor's.
    let (s, e) = post(part.clone(), app.token(b.id, &[]).await).await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["details"], "invoices[0].items[0].creditNoteDetails.referenceInvoiceNumber", "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("no invoice AMZ-INV-9 of yours"), "{e}");
    assert_eq!(credit_notes().await, 0, "nothing stored");

    let (s, r) = post(part, token.clone()).await;
    assert_eq!(s, 202, "{r}");
    assert!(r.get("errors").is_none(), "{r}");
    let cn_id = r["payload"]["transactionId"].as_str().unwrap().to_string();
    let (s, cn) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{cn_id}")), None, None).await;
    assert_eq!(s, 200, "the transaction id is the credit note's id: {cn}");
    assert_eq!((cn["invoice_type"].as_str(), cn["reference_number"].as_str()), (Some("CreditNote"), Some("AMZ-INV-9")), "{cn}");
    assert_eq!((cn["number"].as_str(), cn["channel"].as_str(), cn["state"].as_str()), (Some("AMZ-CN-1"), Some("api"), Some("approved")), "{cn}");
    assert_eq!((dec(&cn["subtotal"]), dec(&cn["charges"]), dec(&cn["total"])), (Decimal::new(2000, 2), Decimal::new(250, 2), Decimal::new(2250, 2)));
    assert_eq!(cn["lines"][0]["quantity"], 2, "a case of 2 → 2 eaches");

    // More than is left (8): refused on the item's quantity.
    let (s, e) = post(credit("AMZ-CN-2", "AMZ-INV-9", json!({"amount": 9, "unitOfMeasure": "Eaches"}), "90.00"), token.clone()).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["errors"].as_array().unwrap().iter().any(|x| x["details"] == "invoices[0].items[0].invoicedQuantity.amount"
            && x["message"].as_str().unwrap().contains("the 8 units invoiced and not yet credited")),
        "{e}"
    );
    assert_eq!(credit_notes().await, 1);

    // The 8 left are the whole open 80.00 of an invoice no payment run has taken: both are cancelled.
    let (s, r) = post(credit("AMZ-CN-2", "AMZ-INV-9", json!({"amount": 8, "unitOfMeasure": "Eaches"}), "80.00"), token.clone()).await;
    assert_eq!(s, 202, "{r}");
    let cn2 = r["payload"]["transactionId"].as_str().unwrap();
    let (_, cn) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{cn2}")), None, None).await;
    assert_eq!(cn["state"], "cancelled", "{cn}");
    let (_, inv) = call(&fin, Method::GET, &app.url(&format!("/api/v1/invoices/{invoice_id}")), None, None).await;
    assert_eq!(inv["state"], "cancelled", "{inv}");
    assert_eq!(credit_notes().await, 2);
}

#[tokio::test]
async fn invoices_upload_as_csv_all_or_nothing_with_rows_named() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN5").await;
    let a = app.vendor().await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let po = received_po(&app, &a, &dc, [5, 5]).await;
    let (number, sku) = (&po.po.number, &po.lines[0].vendor_sku);
    let upload = |csv: String| {
        let fin = fin.clone();
        let url = app.url("/api/v1/invoices/upload");
        async move {
            let res =
                fin.post(url).header("content-type", "text/csv").header("Idempotency-Key", uuid::Uuid::now_v7().to_string()).body(csv).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let bad = format!("invoice_number,po_number,item,quantity,unit_cost\nC-1,{number},{sku},3,10.00\nC-2,{number},{sku},x,10.00\nC-3,{number},NOPE,1,10.00\n");
    let (s, e) = upload(bad).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["row 3, quantity", "row 4, item"], "an unreadable cell hides no other row's refusal: {e}");
    let bad = format!("invoice_number,po_number,item,quantity,unit_cost\nC-1,{number},{sku},3,10.00\nC-3,{number},NOPE,1,10.00\n");
    let (s, e) = upload(bad).await;
    assert_eq!(s, 422, "{e}");
    assert!(fields(&e).iter().all(|f| f.starts_with("row 3")), "{e}");
    let (_, list) = call(&fin, Method::GET, &app.url("/api/v1/invoices"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing stored");

    let good =
        format!("invoice_number,po_number,item,quantity,unit_cost\nC-1,{number},{sku},3,10.00\nC-2,{number},{sku},4,10.00\nC-2,{number},{sku},3,10.00\n");
    let (s, v) = upload(good).await;
    assert_eq!(s, 201, "{v}");
    let got: Vec<_> =
        v.as_array().unwrap().iter().map(|i| (i["number"].as_str().unwrap(), i["total"].as_str().unwrap(), i["channel"].as_str().unwrap())).collect();
    assert_eq!(got, [("C-1", "30.00", "csv"), ("C-2", "70.00", "csv")]);
    assert_eq!(v[1]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(v[1]["lines"][1]["match"]["outcome"], "matched");
}

#[tokio::test]
async fn dispute_uploads_take_five_files_of_ten_mib_and_no_more() {
    let app = TestApp::start().await;
    let dc = app.dc("FIN6").await;
    let a = app.vendor().await;
    let (_, claim) = short_invoice(&app, &a, &dc).await;
    let fin = app.login(&app.user(a.id, &[Role::Finance]).await).await;
    let url = app.url(&format!("/api/v1/deductions/{claim}/disputes"));
    let pdf = |mib: usize| {
        let mut b = PDF.to_vec();
        b.resize(mib * 1024 * 1024, b'\n');
        b
    };
    // Over the store's 10 MiB: named by its position.
    let big = pdf(11);
    let (s, e) = post_multipart(&fin, &url, None, multipart(&[("message", "big")], &[("file", "a.pdf", &pdf(1)), ("file", "b.pdf", &big)])).await;
    assert_eq!((s, fields(&e)), (422, vec!["files[2]".to_string()]), "{e}");
    // Six files of 9 MiB: more than the route takes.
    let nine = pdf(9);
    let six: Vec<(&str, &str, &[u8])> = (0..6).map(|_| ("file", "pod.pdf", nine.as_slice())).collect();
    let (s, e) = post_multipart(&fin, &url, None, multipart(&[("message", "six")], &six)).await;
    assert_eq!((s, e["code"].as_str()), (413, Some("body_too_large")), "{e}");
    // Two of 9 MiB (above the API's usual 16 MiB body): stored, and downloadable whole.
    let (s, d) = post_multipart(&fin, &url, None, multipart(&[("message", "two scans")], &[("file", "a.pdf", &nine), ("file", "b.pdf", &nine)])).await;
    assert_eq!(s, 201, "{d}");
    let docs = d["disputes"][0]["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1]["size"], 9 * 1024 * 1024);
    let res = fin.get(app.url(docs[1]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap().len(), 9 * 1024 * 1024);
}
