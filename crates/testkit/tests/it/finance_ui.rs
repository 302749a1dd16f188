//! Invoice to cash in the portal, by clicks and typing in a real browser (axe-core on every page
//! visited): the vendor flips a PO into an invoice for more than was received and sees the shortage
//! on the line and the claim; the claim is in the ledger with its evidence (receipt carton scans); the
//! vendor disputes it with a proof-of-delivery upload; AP opens the deduction, gets the document and
//! reverses half; AP runs payments; the vendor's remittance shows the invoice, the deduction and the
//! credit, and the amounts add up to the cent. Then, over HTTP, the pages' refusals: the flip's errors
//! on their fields, a dispute without a message, a second dispute, and another vendor's 404s.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_service::orders::PoDetail;
use acorn_service::receiving::ScanLine;
use acorn_store::repo::payments::BankAccount;
use acorn_testkit::browser::Browser;
use acorn_testkit::{TestApp, VendorFx};
use chrono::{Duration, Utc};
use fantoccini::Locator;
use rust_decimal::Decimal;
use std::str::FromStr;

use crate::support::{get, location, sign_in, submit};

/// A small but real PDF: the proof of delivery the vendor uploads.
const POD: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// A PO of 10 eaches at 10.00, acknowledged, shipped in two cartons of 5 and received 5 + 3: the
/// receipt is closed two units short.
async fn received_short(app: &TestApp, v: &VendorFx, dc_code: &str) -> (PoDetail, acorn_service::shipments::ShipmentDetail) {
    received(app, v, dc_code, [5, 3]).await
}

/// A PO of 10 eaches at 10.00, acknowledged, shipped in two cartons of 5 and received with `counts`
/// units per carton; the receipt is closed.
async fn received(app: &TestApp, v: &VendorFx, dc_code: &str, counts: [i64; 2]) -> (PoDetail, acorn_service::shipments::ShipmentDetail) {
    let dc = app.dc(dc_code).await;
    let po = app.acked_po(v, &dc, 10, false).await;
    let asn = app.shipment(v, &po, 2, 5).await;
    let ctx = Ctx::cli();
    app.services.check_in(&ctx, asn.shipment.id).await.expect("check-in");
    for (carton, n) in asn.shipment.cartons.iter().zip(counts) {
        let line = ScanLine { po_number: Some(po.po.number.clone()), line_no: Some(1), gtin: carton.items[0].gtin.clone(), received: n, damaged: 0 };
        app.services.scan_carton(&ctx, asn.shipment.id, carton.sscc.as_str(), vec![line]).await.expect("scan");
    }
    app.services.close_receipt(&ctx, asn.shipment.id).await.expect("close");
    (po, asn)
}

/// The vendor's bank account, set by a user who is both vendor admin and finance.
async fn bank(app: &TestApp, v: &VendorFx) {
    let boss = app.ctx_as(v.id, &[Role::VendorAdmin, Role::Finance]).await;
    let account = BankAccount {
        payee_code: v.code.clone(),
        account_holder: "Fixture Works Ltd".into(),
        account_scheme: "iban".into(),
        account_number: "GB82 WEST 1234 5698 7654 32".into(),
        bank_code: "NWBKGB2L".into(),
        currency: "USD".into(),
        updated_by: String::new(),
        updated_at: Utc::now(),
    };
    app.services.set_bank_account(&boss, v.id, account).await.expect("bank account");
}

async fn sign_out(b: &Browser) -> anyhow::Result<()> {
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;
    Ok(())
}

/// Sets a date input (typing into one depends on the browser's locale).
async fn set_date(b: &Browser, css: &str, value: &str) -> anyhow::Result<()> {
    b.wait_for(css).await?;
    b.client().execute("document.querySelector(arguments[0]).value = arguments[1];", vec![css.into(), value.into()]).await?;
    Ok(())
}

/// An amount as the pages show it ("20.00 USD", "-20.00"), read exactly.
fn amount(text: &str) -> Decimal {
    let number = text.split_whitespace().next().unwrap_or_default();
    Decimal::from_str(number).unwrap_or_else(|e| panic!("`{text}` is not an amount: {e}"))
}

#[tokio::test]
async fn in_the_browser_a_short_invoice_is_claimed_disputed_half_reversed_and_paid_to_the_cent() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let (po, asn) = received_short(&app, &v, "FIN1").await;
    bank(&app, &v).await;
    let vendor = app.user(v.id, &[Role::Finance]).await;

    // The vendor opens the PO and flips it into an invoice, keeping the shipped quantity.
    sign_in(&b, &app, &vendor).await?;
    b.click("a[href='/orders']").await?;
    b.wait_for("#orders-table").await?;
    b.assert_accessible().await?;
    b.click(&format!("a[href='/orders/{}']", po.po.id)).await?;
    b.wait_for("#create-invoice").await?;
    b.assert_accessible().await?;
    b.click("#create-invoice").await?;
    b.wait_for("#invoice-submit").await?;
    b.assert_accessible().await?;
    let qty = b.client().find(Locator::Css("#qty-0")).await?.prop("value").await?;
    assert_eq!(qty.as_deref(), Some("10"), "the shipped quantity is prefilled");
    // Submitted without a number first: refused on the field, with the error summary.
    b.click("#invoice-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    assert!(b.text("#number-error").await?.contains("is required"));
    b.fill("#number", "INV-FIN-1").await?;
    b.click("#invoice-submit").await?;

    // The invoice: the line is a shortage, with the numbers compared, and the claim is raised.
    b.wait_for("#invoice-title").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#line-1-outcome").await?, "Shortage");
    let numbers = b.text("#line-1-numbers").await?;
    assert!(numbers.contains("10 × 10 USD = 100.00 USD") && numbers.contains("80.00 USD") && numbers.contains("20.00 USD"), "{numbers}");
    assert!(b.text("#line-1-explanation").await?.contains("shortage of 2 units claimed (20.00)"));
    let invoice_total = amount(&b.text("#invoice-total").await?);
    assert_eq!(invoice_total, Decimal::new(10000, 2));
    let claims = b.text("#invoice-claims").await?;
    assert!(claims.contains("Shortage claim") && claims.contains("20.00 USD"), "{claims}");
    let fin_ctx = app.ctx_as(v.id, &[Role::Finance]).await;
    let claim = app.services.list_deductions(&fin_ctx, Default::default(), None, None).await?.items.remove(0);
    let pdf_href = b.wait_for("#invoice-pdf").await?.attr("href").await?.expect("pdf link");
    // The index lists it as approved, with what is owed in the aging summary.
    b.click("a[href='/invoices']").await?;
    b.wait_for("#invoices-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#invoices-table").await?.contains("INV-FIN-1"));
    assert!(b.text("#aging-table").await?.contains("100.00"));

    // The ledger lists the claim; its page shows the evidence: the receipt's carton scans.
    b.click("a[href='/deductions']").await?;
    b.wait_for("#deductions-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#deductions-table").await?.contains("Shortage claim"));
    assert!(b.text("#totals-table").await?.contains("20.00"));
    b.click(&format!("#deduction-{}", claim.number)).await?;
    b.wait_for("#evidence").await?;
    b.assert_accessible().await?;
    let scans = b.text("#ev-scans-1").await?;
    for carton in &asn.shipment.cartons {
        assert!(scans.contains(carton.sscc.as_str()), "carton {} scanned: {scans}", carton.sscc.as_str());
    }
    assert!(b.text("#ev-checkin-1").await?.contains("Received 8"));
    assert!(b.text("#ev-acks").await?.contains('1'));
    let claimed = amount(&b.text("#deduction-amount").await?);
    assert_eq!(claimed, Decimal::new(2000, 2));

    // The vendor disputes with a message and a proof of delivery.
    let pod = std::env::temp_dir().join(format!("pod-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&pod, POD)?;
    b.fill("#message", "All 10 units were delivered; signed POD attached.").await?;
    b.client().find(Locator::Css("#files")).await?.send_keys(&pod.to_string_lossy()).await?;
    b.click("#dispute-submit").await?;
    b.wait_for("#dispute-1-documents").await?;
    b.assert_accessible().await?;
    let _ = std::fs::remove_file(&pod);
    assert_eq!(b.text("#deduction-status").await?, "Disputed");
    assert!(b.text("#dispute-1-documents").await?.contains(&format!("{}", pod.file_name().unwrap().to_string_lossy())));
    assert!(b.text("#dispute-refusal").await?.contains("open"), "a second dispute waits for the decision");
    sign_out(&b).await?;

    // AP opens the disputed deduction, gets the proof, and reverses half.
    let ap = app.user(TenantId::RETAILER, &[Role::ApClerk]).await;
    sign_in(&b, &app, &ap).await?;
    b.click("a[href='/deductions']").await?;
    b.wait_for("#ledger-tabs").await?;
    b.click("#tab-disputed").await?;
    b.wait_for("#deductions-table").await?;
    b.assert_accessible().await?;
    b.click(&format!("#deduction-{}", claim.number)).await?;
    b.wait_for("#decide-submit").await?;
    b.assert_accessible().await?;
    let doc_href = b.wait_for("#dispute-1-documents a").await?.attr("href").await?.expect("document link");
    // Fetched by a colleague over HTTP (each TOTP code signs in once): a download, never rendered.
    let colleague = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    let res = colleague.get(app.url(&doc_href)).send().await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"].to_str()?.starts_with("attachment; filename=\"pod-"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await?.as_ref(), POD);
    let half = (claimed / Decimal::TWO).round_dp(2);
    b.click("#outcome-partially_reversed").await?;
    b.fill("#reversed_amount", &half.to_string()).await?;
    b.fill("#reason", "The POD shows one carton short by 1 unit.").await?;
    b.click("#decide-submit").await?;
    b.wait_for("#dispute-1-decision").await?;
    b.assert_accessible().await?;
    assert!(b.text("#dispute-1-decision").await?.contains("Partially reversed"));
    assert_eq!(amount(&b.text("#deduction-reversed").await?), half);

    // AP runs payments: USD, paying today the invoices due within 60 days.
    b.click("a[href='/payments']").await?;
    b.wait_for("#run-submit").await?;
    b.assert_accessible().await?;
    b.fill("#currency", "USD").await?;
    set_date(&b, "#pay_date", &Utc::now().date_naive().to_string()).await?;
    set_date(&b, "#due_by", &(Utc::now().date_naive() + Duration::days(60)).to_string()).await?;
    b.click("#run-submit").await?;
    b.wait_for("#run-remittances").await?;
    b.assert_accessible().await?;
    assert!(b.text("#held-none").await.is_ok(), "nobody held back: the vendor has a bank account");
    sign_out(&b).await?;

    // The vendor reads the remittance: the invoice, the credit and the deduction, to the cent.
    sign_in(&b, &app, &vendor).await?;
    b.click("a[href='/remittances']").await?;
    b.wait_for("#remittances-table").await?;
    b.assert_accessible().await?;
    b.click("#remittances-table a").await?;
    b.wait_for("#remittance-lines").await?;
    b.assert_accessible().await?;
    let mut lines = Vec::new();
    for row in b.client().find_all(Locator::Css("#remittance-lines tbody tr")).await? {
        let kind = row.attr("data-kind").await?.unwrap_or_default();
        let text = row.text().await?;
        let value = amount(&row.find(Locator::Css(".amount")).await?.text().await?);
        lines.push((kind, text, value));
    }
    let kinds: Vec<&str> = lines.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds, ["invoice", "credit", "deduction"], "{lines:#?}");
    assert!(lines[0].1.contains("INV-FIN-1"), "{}", lines[0].1);
    assert!(lines[1].1.contains(&claim.number) && lines[2].1.contains(&claim.number), "{lines:#?}");
    let (invoice, credit, deduction) = (lines[0].2, lines[1].2, lines[2].2);
    assert_eq!(invoice, invoice_total);
    assert_eq!(credit, half);
    assert_eq!(deduction, -claimed);
    let total = amount(&b.text("#remittance-total").await?);
    assert_eq!(total, invoice - claimed + credit);
    assert_eq!(total, Decimal::new(9000, 2));
    assert_eq!(total.to_string(), "90.00", "shown to the cent");

    // The remittance advice as CSV, and the invoice PDF, for a colleague of the vendor.
    let href = b.wait_for("#remittance-csv").await?.attr("href").await?.expect("csv link");
    let mate = app.login(&app.user(v.id, &[Role::Finance]).await).await;
    let (status, csv) = get(&mate, &app.url(&href)).await;
    assert_eq!(status, 200);
    assert!(csv.contains(",invoice,INV-FIN-1,") && csv.contains(",credit,") && csv.trim_end().ends_with(",total,,Total paid,90.00"), "{csv}");
    let res = mate.get(app.url(&pdf_href)).send().await?;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await?.starts_with(b"%PDF-"));

    // The bank accounts (masked) and the terms, from the remittances and the navigation.
    b.click("a[href='/remittances']").await?;
    b.click("#bank-accounts").await?;
    b.wait_for("#accounts-table").await?;
    b.assert_accessible().await?;
    let accounts = b.text("#accounts-table").await?;
    assert!(accounts.contains("GB•• •••• ") && !accounts.contains("5698"), "{accounts}");
    assert!(b.exists("#bank-refused").await?, "a finance user alone cannot change bank details");
    b.click("a[href='/terms']").await?;
    b.wait_for("#terms-current").await?;
    b.assert_accessible().await?;
    assert!(b.text("#current-payment").await?.contains("NET30"));
    b.click("a[href='/remittances']").await?;
    b.click("#remittances-table a").await?;
    b.wait_for("#remittance-lines").await?;

    // The same remittance in Chinese.
    b.client().find(Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.wait_for("#remittance-lines").await?;
    b.assert_accessible().await?;
    assert!(b.text("#remittance-title").await?.contains("付款通知"));
    b.close().await
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The pages' refusals over HTTP: every reason of a refused invoice on its field or row at once,
/// nothing stored; a dispute without a message; staff cannot flip; another vendor sees nothing.
#[tokio::test]
async fn the_flip_shows_every_refusal_on_its_field_and_other_vendors_see_nothing() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let (po, _) = received_short(&app, &v, "FIN2").await;
    let fin = app.login(&app.user(v.id, &[Role::Finance]).await).await;
    let page = format!("/orders/{}/invoice", po.po.id);
    let (status, html) = get(&fin, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"qty-0\"") && html.contains("value=\"10\"") && html.contains("<option value=\"Freight\""), "{html}");

    // 11 units where 10 shipped, a bad unit cost, a charge of an allowance type, a wrong total: all at once.
    let form = fields(&[
        ("rows", "1"),
        ("adj_rows", "3"),
        ("action", "submit"),
        ("number", "INV-BAD-1"),
        ("invoice_date", ""),
        ("line-0", "1"),
        ("item-0", ""),
        ("qty-0", "11"),
        ("cost-0", "10.00"),
        ("adj-kind-1", "charge"),
        ("adj-type-1", "Promotional"),
        ("adj-amount-1", "5.00"),
        ("total", "1.00"),
    ]);
    let audit = app.audit_count().await;
    let res = submit(&app, &fin, &page, &page, &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#qty-0\">Line 1, Quantity (eaches): line 1: 11 units invoiced for PO line 1, but only 10 shipped"), "{html}");
    assert!(html.contains("<a href=\"#adj-type-1\">Charge, allowance or tax row 2, Type:") && html.contains("id=\"adj-type-1-error\""), "{html}");
    assert!(html.contains("<a href=\"#total\">Your total: the declared total 1.00 differs"), "{html}");
    assert!(html.contains("value=\"11\"") && html.contains("value=\"INV-BAD-1\""), "typed values are kept");
    assert_eq!(app.audit_count().await, audit, "nothing stored");

    // Not a number: the page's own error, nothing sent.
    let mut bad = form.clone();
    bad[7].1 = "ten".into();
    let res = submit(&app, &fin, &page, &page, &bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"qty-0-error\">`ten` is not a whole number"));

    // "Add more rows" keeps what was typed.
    let mut more = form.clone();
    more[2].1 = "more".into();
    let res = submit(&app, &fin, &page, &page, &more).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"adj-amount-5\"") && html.contains("value=\"11\""));

    // A good one: on to its page.
    let good = fields(&[("rows", "1"), ("adj_rows", "1"), ("action", "submit"), ("number", "INV-OK-1"), ("line-0", "1"), ("qty-0", "10"), ("cost-0", "10")]);
    let res = submit(&app, &fin, &page, &page, &good).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/invoices/") && to.ends_with("?done=submitted"), "{to}");
    let (_, html) = get(&fin, &app.url(&to)).await;
    assert!(html.contains("Invoice submitted and matched.") && html.contains("id=\"line-1-outcome\">Shortage"), "{html}");
    // Nothing left to invoice now.
    let (_, html) = get(&fin, &app.url(&page)).await;
    assert!(html.contains("id=\"nothing-to-invoice\""));

    // A dispute without a message is refused on the field.
    let fctx = app.ctx_as(v.id, &[Role::Finance]).await;
    let claim = app.services.list_deductions(&fctx, Default::default(), None, None).await.unwrap().items.remove(0);
    let dpage = format!("/deductions/{}", claim.id);
    let (_, html) = get(&fin, &app.url(&dpage)).await;
    let csrf = acorn_testkit::app::hidden(&html, "_csrf").unwrap();
    let token = acorn_testkit::app::hidden(&html, "_form").unwrap();
    // A multipart body as a browser sends it (the message blank, no file chosen).
    let boundary = "----acorn-test-boundary";
    let mut body = String::new();
    for (name, value) in [("_csrf", csrf.as_str()), ("_form", token.as_str()), ("message", "  ")] {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
    ));
    body.push_str(&format!("--{boundary}--\r\n"));
    let res = fin
        .post(app.url(&format!("{dpage}/dispute")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#message\">Your message: is required</a>"), "{html}");

    // Staff cannot flip; another vendor gets 404 on all of it.
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    assert_eq!(get(&staff, &app.url(&page)).await.0, 403);
    let w_fin = app.login(&app.user(w.id, &[Role::Finance]).await).await;
    assert_eq!(get(&w_fin, &app.url(&page)).await.0, 404);
    assert_eq!(get(&w_fin, &app.url(&to)).await.0, 404);
    assert_eq!(get(&w_fin, &app.url(&dpage)).await.0, 404);
    let (_, html) = get(&w_fin, &app.url("/invoices")).await;
    assert!(!html.contains("INV-OK-1") && html.contains("No invoices yet"), "{html}");
    let (_, csv) = get(&w_fin, &app.url("/deductions.csv")).await;
    assert!(!csv.contains(&claim.number));
}

/// A PO received in full (10 of 10 at 10.00) and invoiced by the vendor through the use case: an
/// approved invoice of 100.00, every line matched, not in any payment run.
async fn approved_invoice(app: &TestApp, v: &VendorFx, dc_code: &str, number: &str) -> acorn_service::invoices::InvoiceDetail {
    let (po, _) = received(app, v, dc_code, [5, 5]).await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let input = acorn_service::invoices::NewInvoice {
        number: number.into(),
        po_number: po.po.number.clone(),
        lines: vec![acorn_service::invoices::NewInvoiceLine { po_line_no: Some(1), item: String::new(), quantity: 10, unit_cost: "10.00".into() }],
        ..Default::default()
    };
    let d = app.services.submit_invoice(&fin, input, acorn_domain::orders::Channel::Ui).await.expect("invoice");
    assert_eq!(d.invoice.state, acorn_domain::invoices::InvoiceState::Approved);
    d
}

/// Credit notes in the browser (axe-core on every page): the vendor opens an approved invoice and
/// credits 2 of its 10 units; the credit note shows its total and links back, and the invoice lists
/// it. Crediting 9 more is refused on the line's row (8 are left). Crediting the 8 left is the whole
/// open amount of an invoice no payment run has taken (this test runs none), so the invoice and that
/// last credit note are cancelled together.
#[tokio::test]
async fn in_the_browser_a_vendor_credits_part_of_an_invoice_then_the_rest_which_cancels_it() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let invoice = approved_invoice(&app, &v, "FIN7", "INV-CN-1").await;
    let vendor = app.user(v.id, &[Role::Finance]).await;

    // The vendor opens the approved invoice from the index: no credit notes yet.
    sign_in(&b, &app, &vendor).await?;
    b.click("a[href='/invoices']").await?;
    b.wait_for("#invoices-table").await?;
    b.click(&format!("#invoice-{}", invoice.invoice.id)).await?;
    b.wait_for("#credit-notes-none").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#invoice-state").await?, "Approved");

    // Credit note: 2 of the 10 units, at the invoiced cost (the unit cost left empty).
    b.click("#credit-note").await?;
    b.wait_for("#credit-submit").await?;
    b.assert_accessible().await?;
    let date = b.client().find(Locator::Css("#date")).await?.prop("value").await?;
    assert_eq!(date, Some(Utc::now().date_naive().to_string()), "dated today");
    assert_eq!(b.text("#left-0").await?, "10");
    assert_eq!(amount(&b.text("#credit-open").await?), Decimal::new(10000, 2));
    b.fill("#number", "CN-FIN-1").await?;
    b.fill("#qty-0", "2").await?;
    b.click("#credit-submit").await?;

    // The credit note's page: its type, total and the invoice it credits.
    b.wait_for("#credited-invoice").await?;
    b.assert_accessible().await?;
    let title = b.text("#invoice-title").await?;
    assert!(title.starts_with("Credit note") && title.contains("CN-FIN-1") && title.contains("Approved"), "{title}");
    assert!(b.text("#notice").await?.contains("netted from your next payment"));
    assert_eq!(amount(&b.text("#invoice-total").await?), Decimal::new(2000, 2));
    assert_eq!(b.text("#credited-invoice").await?, "INV-CN-1");
    assert!(!b.exists("#credit-note").await?, "a credit note is not credited");
    assert!(b.text("#invoice-lines").await?.contains("10 USD"), "credited at the invoiced cost");

    // Back on the invoice, which lists it; a second credit note for more than is left is refused on the row.
    b.click("#credited-invoice").await?;
    b.wait_for("#invoice-credit-notes").await?;
    b.assert_accessible().await?;
    let notes = b.text("#invoice-credit-notes").await?;
    assert!(notes.contains("CN-FIN-1") && notes.contains("20.00 USD"), "{notes}");
    assert_eq!(b.text("#invoice-state").await?, "Approved");
    b.click("#credit-note").await?;
    b.wait_for("#credit-submit").await?;
    assert_eq!(b.text("#left-0").await?, "8");
    assert_eq!(amount(&b.text("#credit-open").await?), Decimal::new(8000, 2));
    b.fill("#number", "CN-FIN-2").await?;
    b.fill("#qty-0", "9").await?;
    b.click("#credit-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    let error = b.text("#qty-0-error").await?;
    assert!(error.contains("between 1 and the 8 units invoiced and not yet credited"), "{error}");
    let summary = b.text(".error-summary").await?;
    assert!(summary.contains("Line 1, Quantity to credit (eaches)") && !summary.contains("at least one line"), "{summary}");
    let typed = b.client().find(Locator::Css("#number")).await?.prop("value").await?;
    assert_eq!(typed.as_deref(), Some("CN-FIN-2"), "typed values are kept");

    // The 8 left: the whole open amount before payment, so the invoice is cancelled, and the credit note with it.
    b.fill("#qty-0", "8").await?;
    b.click("#credit-submit").await?;
    b.wait_for("#credited-invoice").await?;
    b.assert_accessible().await?;
    assert!(b.text("#notice").await?.contains("both cancelled"));
    assert_eq!(amount(&b.text("#invoice-total").await?), Decimal::new(8000, 2));
    assert_eq!(b.text("#invoice-state").await?, "Cancelled");
    b.click("#credited-invoice").await?;
    b.wait_for("#invoice-credit-notes").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#invoice-state").await?, "Cancelled");
    assert!(!b.exists("#credit-note").await?, "a cancelled invoice offers no credit note");
    let notes = b.text("#invoice-credit-notes").await?;
    assert!(notes.contains("CN-FIN-1") && notes.contains("CN-FIN-2") && notes.contains("80.00 USD") && notes.contains("Cancelled"), "{notes}");
    assert!(b.text("#invoice-timeline").await?.contains("credited in full by credit note CN-FIN-2"));

    // The same invoice in Chinese.
    b.client().find(Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.wait_for("#invoice-credit-notes").await?;
    b.assert_accessible().await?;
    assert!(b.text("#credit-notes-title").await?.contains("贷项通知单"));
    b.close().await
}

/// The credit note form over HTTP: the page's own and the use case's refusals on their fields and
/// rows at once, nothing stored; "Add more rows"; a credit note cannot be credited; staff cannot
/// credit; another vendor sees nothing.
#[tokio::test]
async fn the_credit_note_form_shows_every_refusal_on_its_row_and_other_vendors_see_nothing() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let invoice = approved_invoice(&app, &v, "FIN8", "INV-CN-2").await;
    let fin = app.login(&app.user(v.id, &[Role::Finance]).await).await;
    let page = format!("/invoices/{}/credit", invoice.invoice.id);
    let (status, html) = get(&fin, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"qty-0\"") && html.contains("id=\"left-0\">10<") && html.contains("<option value=\"Freight\""), "{html}");
    let (_, html) = get(&fin, &app.url(&format!("/invoices/{}", invoice.invoice.id))).await;
    assert!(html.contains(&format!("href=\"{page}\"")), "the invoice page links the form");

    // The invoice's own number, a unit cost above the invoiced one, a charge of an allowance type: all at once.
    let form = fields(&[
        ("rows", "1"),
        ("adj_rows", "3"),
        ("action", "submit"),
        ("number", "INV-CN-2"),
        ("date", ""),
        ("line-0", "1"),
        ("item-0", ""),
        ("qty-0", "2"),
        ("cost-0", "12.00"),
        ("adj-kind-1", "charge"),
        ("adj-type-1", "Promotional"),
        ("adj-amount-1", "5.00"),
    ]);
    let audit = app.audit_count().await;
    let res = submit(&app, &fin, &page, &page, &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#number\">Credit note number: number INV-CN-2 is already used"), "{html}");
    assert!(html.contains("<a href=\"#cost-0\">Line 1, Unit cost (empty: as invoiced): cannot exceed the invoiced 10"), "{html}");
    assert!(html.contains("id=\"cost-0-error\"") && html.contains("id=\"adj-type-1-error\""), "{html}");
    assert!(html.contains("value=\"12.00\"") && html.contains("value=\"INV-CN-2\""), "typed values are kept");
    assert_eq!(app.audit_count().await, audit, "nothing stored");

    // Not a number: the page's own error, nothing sent. Nothing to credit: refused on the lines.
    let mut bad = form.clone();
    bad[7].1 = "two".into();
    let res = submit(&app, &fin, &page, &page, &bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"qty-0-error\">`two` is not a whole number"));
    let empty = fields(&[("rows", "1"), ("adj_rows", "1"), ("action", "submit"), ("number", "CN-E"), ("line-0", "1"), ("qty-0", "0")]);
    let res = submit(&app, &fin, &page, &page, &empty).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("<a href=\"#lines\">Lines credited: a credit note credits at least one line or amount"));

    // "Add more rows" keeps what was typed.
    let mut more = form.clone();
    more[2].1 = "more".into();
    let res = submit(&app, &fin, &page, &page, &more).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"adj-amount-5\"") && html.contains("value=\"12.00\""));

    // A good one, at a lower unit cost less a discount (1 × 9.50 − 0.50): on to the credit note's page.
    let good = fields(&[
        ("rows", "1"),
        ("adj_rows", "1"),
        ("action", "submit"),
        ("number", "CN-OK-1"),
        ("line-0", "1"),
        ("qty-0", "1"),
        ("cost-0", "9.50"),
        ("adj-kind-0", "allowance"),
        ("adj-type-0", "Discount"),
        ("adj-amount-0", "0.50"),
    ]);
    let res = submit(&app, &fin, &page, &page, &good).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/invoices/") && to.ends_with("?done=credited"), "{to}");
    let (_, html) = get(&fin, &app.url(&to)).await;
    assert!(html.contains("Credit note submitted and approved.") && html.contains("id=\"invoice-total\"><strong>9.00 USD"), "{html}");
    // A credit note's own form says it cannot be credited.
    let cn_page = format!("{}/credit", to.trim_end_matches("?done=credited"));
    let (status, html) = get(&fin, &app.url(&cn_page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"nothing-to-credit\"") && html.contains("only invoices can be credited") && !html.contains("credit-submit"), "{html}");

    // Staff cannot credit; another vendor gets 404.
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    assert_eq!(get(&staff, &app.url(&page)).await.0, 403);
    let (_, html) = get(&staff, &app.url(&format!("/invoices/{}", invoice.invoice.id))).await;
    assert!(html.contains("CN-OK-1") && !html.contains(&format!("href=\"{page}\"")), "staff see the credit notes, not the form: {html}");
    let w_fin = app.login(&app.user(w.id, &[Role::Finance]).await).await;
    assert_eq!(get(&w_fin, &app.url(&page)).await.0, 404);
    assert_eq!(get(&w_fin, &app.url(&to)).await.0, 404);
}

/// Terms and bank details in the portal over HTTP: staff add a terms version (refused first with
/// every problem on its field), the vendor reads it; bank details need vendor admin and finance
/// together and are shown masked, the account number never echoed.
#[tokio::test]
async fn staff_add_terms_and_a_vendor_admin_in_finance_sets_the_bank_account() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let page = format!("/vendors/{}/terms", v.id);
    let (status, html) = get(&admin, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"terms-defaults\"") && html.contains("value=\"NET30\"") && html.contains("id=\"terms-submit\""), "{html}");
    let (_, html) = get(&admin, &app.url(&format!("/vendors/{}", v.id))).await;
    assert!(html.contains(&format!("href=\"{page}\"")), "the vendor page links its terms");

    let today = Utc::now().date_naive().to_string();
    let terms = |payment: &str, coop: &str, tolerance: &str| {
        fields(&[
            ("payment_term", payment),
            ("due_basis", "invoice_date"),
            ("currency", "USD"),
            ("tolerance_absolute", "1.00"),
            ("tolerance_percent", tolerance),
            ("damage_allowance_percent", "0"),
            ("coop_percent", coop),
            ("freight_allowance_percent", "0"),
            ("asn_tiers", "95:0, 90:2, 80:4, 0:6"),
            ("mismatch_percent", "2"),
            ("late_percent", "3"),
            ("on_time_waiver_percent", "90"),
            ("never_delivered_percent", "5"),
            ("carton_defect_fee", "2.60"),
            ("unconfirmed_percent", "1"),
            ("effective_from", today.as_str()),
            ("note", "Amendment 1"),
        ])
    };
    let audit = app.audit_count().await;
    let res = submit(&app, &admin, &page, &page, &terms("2/10", "1,5", "150")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for id in ["payment_term", "coop_percent", "tolerance_percent"] {
        assert!(html.contains(&format!("<a href=\"#{id}\">")) && html.contains(&format!("id=\"{id}-error\"")), "{id}: {html}");
    }
    assert!(html.contains("value=\"2/10\"") && html.contains("value=\"1,5\""), "typed values are kept");
    assert_eq!(app.audit_count().await, audit, "nothing stored");
    let res = submit(&app, &admin, &page, &page, &terms("2/10 NET30", "1.5", "1")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{page}?done=terms"));
    let (_, html) = get(&admin, &app.url(&location(&res))).await;
    assert!(html.contains("New terms version added.") && html.contains("id=\"terms-v1\"") && html.contains("Amendment 1"), "{html}");

    // The vendor reads its own terms, without a form; AP reads them but cannot add one.
    let fin = app.login(&app.user(v.id, &[Role::Finance]).await).await;
    let (status, html) = get(&fin, &app.url("/terms")).await;
    assert_eq!(status, 200);
    assert!(html.contains("2/10 NET30") && !html.contains("terms-submit"), "{html}");
    let ap = app.login(&app.user(TenantId::RETAILER, &[Role::ApClerk]).await).await;
    let (status, html) = get(&ap, &app.url(&page)).await;
    assert_eq!(status, 200);
    assert!(html.contains("2/10 NET30") && !html.contains("terms-submit"));

    // Bank details: a finance user alone is told who may change them.
    let (status, html) = get(&fin, &app.url("/bank-accounts")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"bank-refused\"") && html.contains("id=\"accounts-none\"") && !html.contains("bank-submit"), "{html}");
    let boss = app.login(&app.user(v.id, &[Role::VendorAdmin, Role::Finance]).await).await;
    let account = |number: &str| {
        fields(&[
            ("payee_code", v.code.as_str()),
            ("account_holder", "Fixture Works Ltd"),
            ("account_scheme", "iban"),
            ("account_number", number),
            ("bank_code", "NWBKGB2L"),
            ("currency", "USD"),
        ])
    };
    let res = submit(&app, &boss, "/bank-accounts", "/bank-accounts", &account("GB82WEST12345698765433")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"account_number-error\"") && !html.contains("GB82WEST12345698765433"), "refused, and the number is not echoed: {html}");
    let res = submit(&app, &boss, "/bank-accounts", "/bank-accounts", &account("GB82 WEST 1234 5698 7654 32")).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&boss, &app.url(&location(&res))).await;
    assert!(html.contains("Bank account saved.") && html.contains("•••• 5432") && !html.contains("12345698"), "{html}");
    assert_eq!(get(&ap, &app.url("/bank-accounts")).await.0, 403);
}
