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
