//! Invoice to cash, through the use cases: terms versions, invoices flipped from a PO and refused
//! with every reason, the three-way match with its claims posted to the ledger, and rematching as
//! receipts arrive.

use acorn_domain::deductions::{DeductionKind, DeductionStatus};
use acorn_domain::invoices::InvoiceState;
use acorn_domain::matching::{LineOutcome, MatchRule};
use acorn_domain::orders::Channel;
use acorn_domain::policy::Role;
use acorn_domain::terms::{PaymentTerm, Terms};
use acorn_service::invoices::{NewInvoice, NewInvoiceLine};
use acorn_service::receiving::ScanLine;
use acorn_service::{Ctx, ServiceError};
use acorn_testkit::{TestApp, VendorFx};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromStr;

/// Receives a shipment: carton i gets `counts[i]` units of line 1 (the fixture ships line 1 only).
async fn receive(app: &TestApp, s: &acorn_service::shipments::ShipmentDetail, counts: &[i64]) {
    let ctx = Ctx::cli();
    app.services.check_in(&ctx, s.shipment.id).await.expect("check-in");
    for (carton, n) in s.shipment.cartons.iter().zip(counts) {
        let gtin = carton.items[0].gtin.clone();
        let line = ScanLine { po_number: Some(carton.items[0].po_number.clone()), line_no: Some(1), gtin, received: *n, damaged: 0 };
        app.services.scan_carton(&ctx, s.shipment.id, carton.sscc.as_str(), vec![line]).await.expect("scan");
    }
    app.services.close_receipt(&ctx, s.shipment.id).await.expect("close receipt");
}

fn flipped(template: &acorn_service::invoices::InvoiceTemplate, number: &str) -> NewInvoice {
    NewInvoice {
        number: number.into(),
        po_number: template.po.number.clone(),
        lines: template
            .lines
            .iter()
            .map(|l| NewInvoiceLine { po_line_no: Some(l.po_line_no), item: l.vendor_sku.clone(), quantity: l.quantity, unit_cost: l.unit_cost.to_string() })
            .collect(),
        ..Default::default()
    }
}

async fn finance(app: &TestApp, v: &VendorFx) -> Ctx {
    app.ctx_as(v.id, &[Role::Finance]).await
}

#[tokio::test]
async fn an_invoice_for_more_than_was_received_raises_a_shortage_claim_with_its_evidence() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("INV1").await;
    let po = app.acked_po(&v, &dc, 10, false).await;
    let asn = app.shipment(&v, &po, 2, 5).await;
    receive(&app, &asn, &[5, 3]).await;
    let fin = finance(&app, &v).await;
    let template = app.services.invoice_template(&fin, po.po.id).await.unwrap();
    assert_eq!(template.lines.len(), 1);
    assert_eq!(template.lines[0].quantity, 10, "the flip offers what shipped, not what was received");
    let cost = template.lines[0].unit_cost;
    let d = app.services.submit_invoice(&fin, flipped(&template, "INV-0001"), Channel::Ui).await.unwrap();
    assert_eq!(d.invoice.state, InvoiceState::Approved, "claims raised, so the invoice is approved net of them");
    let line = &d.lines[0];
    let m = line.matched.as_ref().expect("matched");
    assert_eq!(m.outcome, LineOutcome::Shortage);
    assert_eq!(m.explanation.rule, MatchRule::QuantityOverReceived);
    assert_eq!((m.explanation.invoiced_quantity, m.explanation.received), (10, 8));
    assert_eq!(d.deductions.len(), 1);
    let claim = &d.deductions[0];
    assert_eq!(claim.kind, DeductionKind::Shortage);
    assert_eq!(claim.status, DeductionStatus::Open);
    assert_eq!(claim.amount, (cost * Decimal::from(2)).round_dp(2));
    assert!(claim.dispute_deadline.unwrap() > Utc::now() + Duration::days(29));
    assert_eq!(claim.evidence["receipts"].as_array().unwrap().len(), 1, "{}", claim.evidence);
    assert_eq!(claim.evidence["shipments"][0]["number"], asn.shipment.shipment_number.as_str());
    assert_eq!(claim.evidence["match"]["explanation"]["received"], 8);
    let states: Vec<_> = d.timeline.iter().map(|e| e.state).collect();
    assert_eq!(states, [InvoiceState::Submitted, InvoiceState::Matching, InvoiceState::Approved]);

    // The match job finds nothing more to do, writes nothing and posts nothing twice.
    let audits = app.audit_count().await;
    let report = app.services.match_pending(|_| {}).await.unwrap();
    assert_eq!(report.examined, 0);
    assert_eq!(app.audit_count().await, audits);

    // The same number again, for units already invoiced: refused with both reasons, nothing stored.
    let err = app.services.submit_invoice(&fin, flipped(&template, "INV-0001"), Channel::Api).await.unwrap_err();
    let ServiceError::Invalid(issues) = err else { panic!("expected refusals, got {err:?}") };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["number", "lines[1].quantity"], "{issues:?}");
    assert!(issues[0].issue.contains("already used"), "{}", issues[0].issue);
    assert!(issues[1].issue.contains("only 10 shipped"), "{}", issues[1].issue);
    let all = app.services.list_invoices(&fin, Default::default(), None, None).await.unwrap();
    assert_eq!(all.items.len(), 1);

    // Another vendor sees neither the invoice nor the PO's template.
    let other = app.vendor().await;
    let other_fin = finance(&app, &other).await;
    assert!(matches!(app.services.invoice(&other_fin, d.invoice.id).await, Err(ServiceError::NotFound(_))));
    assert!(matches!(app.services.invoice_template(&other_fin, po.po.id).await, Err(ServiceError::NotFound(_))));
}

#[tokio::test]
async fn an_invoice_ahead_of_the_goods_waits_for_receipts_and_is_matched_when_they_arrive() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("INV2").await;
    let po = app.acked_po(&v, &dc, 4, false).await;
    let asn = app.shipment(&v, &po, 1, 4).await;
    let fin = finance(&app, &v).await;
    let template = app.services.invoice_template(&fin, po.po.id).await.unwrap();
    let d = app.services.submit_invoice(&fin, flipped(&template, "A-1"), Channel::Api).await.unwrap();
    assert_eq!(d.invoice.state, InvoiceState::PendingReceipt);
    assert_eq!(d.lines[0].outcome(), Some(LineOutcome::PendingReceipt));
    assert!(d.deductions.is_empty(), "no claim while receipts are expected");

    let audits = app.audit_count().await;
    let report = app.services.match_pending(|_| {}).await.unwrap();
    assert_eq!((report.examined, report.pending, report.approved), (1, 1, 0));
    assert_eq!(app.audit_count().await, audits, "an unchanged match writes nothing");

    receive(&app, &asn, &[4]).await;
    let report = app.services.match_pending(|_| {}).await.unwrap();
    assert_eq!((report.examined, report.approved, report.claims_posted), (1, 1, 0));
    let d = app.services.invoice(&fin, d.invoice.id).await.unwrap();
    assert_eq!(d.invoice.state, InvoiceState::Approved);
    assert_eq!(d.lines[0].outcome(), Some(LineOutcome::Matched));
    assert!(d.timeline.iter().any(|e| e.state == InvoiceState::PendingReceipt));
}

#[tokio::test]
async fn refusals_name_every_line_and_prices_above_the_acknowledged_cost_are_claimed() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("INV3").await;
    let po = app.acked_po(&v, &dc, 6, false).await;
    let asn = app.shipment(&v, &po, 1, 6).await;
    receive(&app, &asn, &[6]).await;
    let fin = finance(&app, &v).await;
    let template = app.services.invoice_template(&fin, po.po.id).await.unwrap();
    let mut bad = flipped(&template, "B-1");
    bad.lines.push(NewInvoiceLine { po_line_no: None, item: "NO-SUCH-SKU".into(), quantity: 1, unit_cost: "1.00".into() });
    bad.lines.push(NewInvoiceLine { po_line_no: Some(1), item: String::new(), quantity: 0, unit_cost: "1.123456".into() });
    bad.total = Some("1.00".into());
    let ServiceError::Invalid(issues) = app.services.submit_invoice(&fin, bad, Channel::Api).await.unwrap_err() else { panic!("refusals expected") };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["lines[3].unit_cost", "lines[2].item", "total"], "{issues:?}");

    // 2 % over the acknowledged cost is beyond the default tolerance (1.00 or 1 %): a price claim.
    let cost = template.lines[0].unit_cost;
    let mut dear = flipped(&template, "B-2");
    let higher = (cost * Decimal::from_str("1.02").unwrap()).round_dp(4);
    dear.lines[0].unit_cost = higher.to_string();
    let d = app.services.submit_invoice(&fin, dear, Channel::Api).await.unwrap();
    assert_eq!(d.lines[0].outcome(), Some(LineOutcome::PriceVariance), "{:?}", d.lines[0].matched);
    assert_eq!(d.deductions.len(), 1);
    assert_eq!(d.deductions[0].kind, DeductionKind::PriceClaim);
    assert_eq!(d.deductions[0].amount, ((higher - cost) * Decimal::from(6)).round_dp(2));
}

#[tokio::test]
async fn terms_are_versioned_and_an_invoice_takes_the_terms_in_force_on_its_date() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let admin = Ctx::cli();
    let view = app.services.terms(&admin, v.id).await.unwrap();
    assert_eq!(view.in_force.version, 0, "defaults until terms are set");
    let mut terms = Terms::default_for("USD");
    terms.payment = PaymentTerm::parse("2/10 NET30", acorn_domain::terms::DueBasis::InvoiceDate).unwrap();
    let today = Utc::now().date_naive();
    let stored = app.services.set_terms(&admin, v.id, terms.clone(), today, "signed agreement").await.unwrap();
    assert_eq!(stored.version.version, 1);

    let mut bad = terms.clone();
    bad.tolerance.percent = Decimal::from(101);
    bad.currency = "XXX".into();
    let ServiceError::Invalid(issues) = app.services.set_terms(&admin, v.id, bad, today - Duration::days(1), "").await.unwrap_err() else { panic!() };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert!(fields.contains(&"tolerance.percent") && fields.contains(&"currency") && fields.contains(&"effective_from"), "{fields:?}");
    let fin = finance(&app, &v).await;
    assert!(matches!(app.services.set_terms(&fin, v.id, terms.clone(), today, "").await, Err(ServiceError::Forbidden)));
    assert_eq!(app.services.terms(&fin, v.id).await.unwrap().versions.len(), 1, "vendors read their terms");

    let dc = app.dc("INV4").await;
    let po = app.acked_po(&v, &dc, 2, false).await;
    let asn = app.shipment(&v, &po, 1, 2).await;
    receive(&app, &asn, &[2]).await;
    let template = app.services.invoice_template(&fin, po.po.id).await.unwrap();
    assert_eq!(template.payment_term, "2/10 NET30");
    let d = app.services.submit_invoice(&fin, flipped(&template, "T-1"), Channel::Ui).await.unwrap();
    assert_eq!(d.invoice.payment_term, "2/10 NET30");
    assert_eq!(d.invoice.terms_version, 1);
    assert_eq!(d.invoice.due_date, Some(today + Duration::days(30)));
    assert_eq!(d.invoice.discount_deadline, Some(today + Duration::days(10)));
}

#[tokio::test]
async fn credit_notes_cancel_an_unpaid_invoice_in_full_or_are_netted_from_the_next_payment() {
    use acorn_service::credit_notes::NewCreditNote;
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("INV5").await;
    let fin = finance(&app, &v).await;
    let mut numbers = Vec::new();
    for n in ["C-1", "C-2"] {
        let po = app.acked_po(&v, &dc, 10, false).await;
        let asn = app.shipment(&v, &po, 1, 10).await;
        receive(&app, &asn, &[10]).await;
        let t = app.services.invoice_template(&fin, po.po.id).await.unwrap();
        let d = app.services.submit_invoice(&fin, flipped(&t, n), Channel::Api).await.unwrap();
        assert_eq!(d.invoice.state, InvoiceState::Approved);
        numbers.push(d);
    }
    let line = |qty: i64| NewInvoiceLine { po_line_no: Some(1), item: String::new(), quantity: qty, unit_cost: String::new() };

    // Refused: more than invoiced, an unknown invoice.
    let over = NewCreditNote { number: "CN-X".into(), invoice_number: "C-1".into(), lines: vec![line(11)], ..Default::default() };
    let ServiceError::Invalid(issues) = app.services.submit_credit_note(&fin, over, Channel::Api).await.unwrap_err() else { panic!() };
    assert_eq!(issues[0].field, "lines[1].quantity");
    let unknown = NewCreditNote { number: "CN-Y".into(), invoice_number: "NOPE".into(), lines: vec![line(1)], ..Default::default() };
    let ServiceError::Invalid(issues) = app.services.submit_credit_note(&fin, unknown, Channel::Api).await.unwrap_err() else { panic!() };
    assert_eq!(issues[0].field, "invoice_number");

    // In full, before payment: the invoice and the credit note cancel each other.
    let full = NewCreditNote { number: "CN-1".into(), invoice_number: "C-1".into(), lines: vec![line(10)], ..Default::default() };
    let cn = app.services.submit_credit_note(&fin, full, Channel::Ui).await.unwrap();
    assert_eq!(cn.invoice.state, InvoiceState::Cancelled);
    assert_eq!(cn.invoice.reference_number.as_deref(), Some("C-1"));
    assert_eq!(app.services.invoice(&fin, numbers[0].invoice.id).await.unwrap().invoice.state, InvoiceState::Cancelled);

    // In part: netted from the next payment run beside its invoice.
    let part = NewCreditNote { number: "CN-2".into(), invoice_number: "C-2".into(), lines: vec![line(2)], ..Default::default() };
    let cn2 = app.services.submit_credit_note(&fin, part, Channel::Ui).await.unwrap();
    assert_eq!(cn2.invoice.state, InvoiceState::Approved);
    let boss = app.ctx_as(v.id, &[Role::VendorAdmin, Role::Finance]).await;
    let account = acorn_store::repo::payments::BankAccount {
        payee_code: v.code.clone(),
        account_holder: "Fixture Works".into(),
        account_scheme: "local".into(),
        account_number: "000123456789".into(),
        bank_code: "026009593".into(),
        currency: "USD".into(),
        updated_by: String::new(),
        updated_at: Utc::now(),
    };
    app.services.set_bank_account(&boss, v.id, account).await.unwrap();
    let ap = app.ctx_as(acorn_domain::ids::TenantId::RETAILER, &[Role::ApClerk]).await;
    let today = Utc::now().date_naive();
    let run = app.services.run_payments(&ap, "USD", today, today + Duration::days(90)).await.unwrap();
    let r = app.services.remittance(&fin, run.remittances[0].id).await.unwrap();
    let refs: Vec<_> = r.lines.iter().map(|l| (l.reference.as_str(), l.amount)).collect();
    assert_eq!(refs, [("C-2", numbers[1].invoice.total), ("CN-2", -cn2.invoice.total)], "{:#?}", r.lines);
    assert!(r.lines[1].description.starts_with("Credit note CN-2"), "{}", r.lines[1].description);
    assert_eq!(r.lines[1].kind, acorn_domain::payments::RemittanceLineKind::Invoice, "a netted credit note is a negative invoice line");
    assert_eq!(r.lines[1].reference_id, cn2.invoice.id);
    assert_eq!(r.remittance.total, numbers[1].invoice.total - cn2.invoice.total);
    app.services.settle_payment_runs().await.unwrap();
    assert_eq!(app.services.invoice(&fin, cn2.invoice.id).await.unwrap().invoice.state, InvoiceState::Paid);
}

#[tokio::test]
async fn a_csv_of_invoices_is_stored_whole_or_refused_by_row_and_column() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("INV6").await;
    let fin = finance(&app, &v).await;
    let mut pos = Vec::new();
    for _ in 0..2 {
        let po = app.acked_po(&v, &dc, 4, false).await;
        let asn = app.shipment(&v, &po, 1, 4).await;
        receive(&app, &asn, &[4]).await;
        pos.push(po);
    }
    let sku = &pos[0].lines[0].vendor_sku;
    let sku2 = &pos[1].lines[0].vendor_sku;
    let cost = pos[0].lines[0].net_cost;
    let bad = format!(
        "invoice_number,po_number,item,quantity,unit_cost\nU-1,{},{sku},4,{cost}\nU-2,{},{sku2},5,{cost}\nU-2,{},{sku2},x,{cost}\n",
        pos[0].po.number, pos[1].po.number, pos[1].po.number
    );
    let ServiceError::Invalid(issues) = app.services.import_invoices_csv(&fin, &bad).await.unwrap_err() else { panic!() };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["row 4, quantity", "row 3, quantity"], "an unreadable cell does not hide the other rows' refusals: {issues:?}");
    let over = format!("invoice_number,po_number,item,quantity,unit_cost\nU-1,{},{sku},4,{cost}\nU-2,{},{sku2},5,{cost}\n", pos[0].po.number, pos[1].po.number);
    let ServiceError::Invalid(issues) = app.services.import_invoices_csv(&fin, &over).await.unwrap_err() else { panic!() };
    assert_eq!(issues.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(), ["row 3, quantity"], "{issues:?}");
    assert!(app.services.list_invoices(&fin, Default::default(), None, None).await.unwrap().items.is_empty(), "nothing stored");
    let good = format!("invoice_number,po_number,item,quantity,unit_cost\nU-1,{},{sku},4,{cost}\nU-2,{},{sku2},4,{cost}\n", pos[0].po.number, pos[1].po.number);
    let done = app.services.import_invoices_csv(&fin, &good).await.unwrap();
    assert_eq!(done.len(), 2);
    assert!(done.iter().all(|d| d.invoice.state == InvoiceState::Approved && d.invoice.channel == Channel::Csv));
}
