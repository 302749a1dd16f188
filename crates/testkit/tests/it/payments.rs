//! Disputes and payment runs through the use cases: a shortage claim disputed with proof and half
//! reversed, then a payment run whose remittance shows the invoice, the deduction and the credit and
//! adds up to the cent; bank files; bank details masked and guarded; aging.

use acorn_domain::deductions::{DeductionStatus, DisputeOutcome};
use acorn_domain::invoices::InvoiceState;
use acorn_domain::orders::Channel;
use acorn_domain::payments::RemittanceLineKind;
use acorn_domain::policy::Role;
use acorn_service::invoices::{NewInvoice, NewInvoiceLine};
use acorn_service::payments::BankFileFormat;
use acorn_service::receiving::ScanLine;
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::payments::BankAccount;
use acorn_testkit::{TestApp, VendorFx};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A shortage: 10 shipped in two cartons, 8 received, 10 invoiced. Returns (invoice id, claim id, unit cost).
async fn short_invoice(app: &TestApp, v: &VendorFx, dc: &str, number: &str) -> (uuid::Uuid, uuid::Uuid, Decimal) {
    let dc = app.dc(dc).await;
    let po = app.acked_po(v, &dc, 10, false).await;
    let asn = app.shipment(v, &po, 2, 5).await;
    let ctx = Ctx::cli();
    app.services.check_in(&ctx, asn.shipment.id).await.unwrap();
    for (carton, n) in asn.shipment.cartons.iter().zip([5, 3]) {
        let line = ScanLine { po_number: Some(po.po.number.clone()), line_no: Some(1), gtin: carton.items[0].gtin.clone(), received: n, damaged: 0 };
        app.services.scan_carton(&ctx, asn.shipment.id, carton.sscc.as_str(), vec![line]).await.unwrap();
    }
    app.services.close_receipt(&ctx, asn.shipment.id).await.unwrap();
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let t = app.services.invoice_template(&fin, po.po.id).await.unwrap();
    let input = NewInvoice {
        number: number.into(),
        po_number: po.po.number.clone(),
        lines: t
            .lines
            .iter()
            .map(|l| NewInvoiceLine { po_line_no: Some(l.po_line_no), item: String::new(), quantity: l.quantity, unit_cost: l.unit_cost.to_string() })
            .collect(),
        ..Default::default()
    };
    let d = app.services.submit_invoice(&fin, input, Channel::Ui).await.unwrap();
    (d.invoice.id, d.deductions[0].id, t.lines[0].unit_cost)
}

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
    let masked = app.services.set_bank_account(&boss, v.id, account).await.unwrap();
    assert!(!masked.account_number.contains("5698"), "shown masked: {}", masked.account_number);
}

#[tokio::test]
async fn a_half_reversed_shortage_is_netted_and_credited_on_the_next_remittance_to_the_cent() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let (invoice_id, claim_id, cost) = short_invoice(&app, &v, "PAY1", "P-100").await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let claim = app.services.deduction(&fin, claim_id).await.unwrap().deduction;
    assert_eq!(claim.amount, (cost * Decimal::from(2)).round_dp(2));

    // The vendor disputes with a proof of delivery; the invoice shows as disputed meanwhile.
    let d =
        app.services.open_dispute(&fin, claim_id, "All 10 units were delivered; signed POD attached.", vec![("pod.pdf".into(), PDF.to_vec())]).await.unwrap();
    assert_eq!(d.deduction.status, DeductionStatus::Disputed);
    assert_eq!(d.disputes.len(), 1);
    assert_eq!(d.disputes[0].documents[0].filename, "pod.pdf");
    assert!(d.dispute_refusal.unwrap().contains("open"), "a second dispute waits for the decision");
    let inv = app.services.invoice(&fin, invoice_id).await.unwrap();
    assert_eq!(inv.shown_state, InvoiceState::Disputed);
    let pack = app.services.evidence_pack(&Ctx::cli(), claim_id).await.unwrap();
    assert_eq!(pack.acknowledgements.len(), 1);
    assert_eq!(pack.receipts.len(), 1);
    assert_eq!(pack.shipments.len(), 1);
    assert!(pack.invoice.is_some());

    // A vendor cannot decide, AP can: half reversed.
    assert!(matches!(app.services.decide_dispute(&fin, claim_id, DisputeOutcome::Reversed, None, "no").await, Err(ServiceError::Forbidden)));
    let ap = app.ctx_as(acorn_domain::ids::TenantId::RETAILER, &[Role::ApClerk]).await;
    let half = (claim.amount / Decimal::from(2)).round_dp(2);
    let err = app.services.decide_dispute(&ap, claim_id, DisputeOutcome::PartiallyReversed, Some(&claim.amount.to_string()), "POD shows 9").await.unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)), "a partial reversal is less than the whole: {err:?}");
    let d = app
        .services
        .decide_dispute(&ap, claim_id, DisputeOutcome::PartiallyReversed, Some(&half.to_string()), "POD shows one carton short by 1")
        .await
        .unwrap();
    assert_eq!(d.deduction.reversed, half);
    assert_eq!(d.disputes[0].dispute.outcome, Some(DisputeOutcome::PartiallyReversed));
    assert_eq!(app.services.invoice(&fin, invoice_id).await.unwrap().shown_state, InvoiceState::Approved);

    // No bank account: the vendor is held out of the run.
    let today = Utc::now().date_naive();
    let run = app.services.run_payments(&ap, "USD", today, today + Duration::days(60)).await.unwrap();
    assert_eq!(run.remittances.len(), 0);
    assert_eq!(run.held.len(), 1, "{:?}", run.held);
    bank(&app, &v).await;
    let run = app.services.run_payments(&ap, "USD", today, today + Duration::days(60)).await.unwrap();
    assert_eq!(run.remittances.len(), 1);
    let r = app.services.remittance(&fin, run.remittances[0].id).await.unwrap();
    let kinds: Vec<_> = r.lines.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, [RemittanceLineKind::Invoice, RemittanceLineKind::Credit, RemittanceLineKind::Deduction], "{:#?}", r.lines);
    let invoice_total = cost * Decimal::from(10);
    assert_eq!(r.lines[0].amount, invoice_total.round_dp(2));
    assert_eq!(r.lines[1].amount, half);
    assert_eq!(r.lines[1].reference_id, claim_id, "the credit names the deduction it pays back");
    assert_eq!(r.lines[2].amount, -claim.amount);
    let sum: Decimal = r.lines.iter().map(|l| l.amount).sum();
    assert_eq!(r.remittance.total, sum);
    assert_eq!(r.remittance.total, invoice_total.round_dp(2) - claim.amount + half);
    let inv = app.services.invoice(&fin, invoice_id).await.unwrap();
    assert_eq!(inv.invoice.state, InvoiceState::Scheduled);
    let after = app.services.deduction(&fin, claim_id).await.unwrap().deduction;
    assert_eq!(after.recovered, claim.amount);
    assert_eq!(after.remittance_id, Some(r.remittance.id));

    // The bank file pays the remittance's total.
    let (name, xml) = app.services.payment_file(&ap, run.run.id, BankFileFormat::Pain001).await.unwrap();
    assert!(name.ends_with(".xml"));
    assert!(xml.contains(&format!("<EndToEndId>{}</EndToEndId>", r.remittance.number)), "{xml}");
    assert!(xml.contains(&format!(">{}</InstdAmt>", acorn_domain::money::format_amount(r.remittance.total, "USD"))), "{xml}");
    let (_, csv) = app.services.payment_file(&ap, run.run.id, BankFileFormat::Csv).await.unwrap();
    assert!(csv.contains(&r.remittance.number));
    assert!(matches!(app.services.payment_file(&fin, run.run.id, BankFileFormat::Csv).await, Err(ServiceError::Forbidden)));

    // Paid on the pay date: netted against its own claim, so `deducted`. Nothing is paid twice.
    assert_eq!(app.services.settle_payment_runs().await.unwrap(), 2, "both runs of today (the first paid nobody)");
    assert_eq!(app.services.settle_payment_runs().await.unwrap(), 0);
    assert_eq!(app.services.invoice(&fin, invoice_id).await.unwrap().invoice.state, InvoiceState::Deducted);
    let again = app.services.run_payments(&ap, "USD", today, today + Duration::days(60)).await.unwrap();
    assert_eq!(again.remittances.len(), 0, "everything was paid and netted");
    let other = app.vendor().await;
    let other_fin = app.ctx_as(other.id, &[Role::Finance]).await;
    assert!(matches!(app.services.remittance(&other_fin, r.remittance.id).await, Err(ServiceError::NotFound(_))));
}

#[tokio::test]
async fn bank_details_need_admin_and_finance_and_a_valid_iban() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let account = BankAccount {
        payee_code: v.code.clone(),
        account_holder: "X".into(),
        account_scheme: "iban".into(),
        account_number: "GB82WEST12345698765433".into(),
        bank_code: "NWBKGB2L".into(),
        currency: "USD".into(),
        updated_by: String::new(),
        updated_at: Utc::now(),
    };
    assert!(matches!(app.services.set_bank_account(&fin, v.id, account.clone()).await, Err(ServiceError::Rejected { .. })));
    let boss = app.ctx_as(v.id, &[Role::VendorAdmin, Role::Finance]).await;
    let ServiceError::Invalid(issues) = app.services.set_bank_account(&boss, v.id, account.clone()).await.unwrap_err() else { panic!() };
    assert_eq!(issues[0].field, "account_number");
    let local = BankAccount { account_scheme: "local".into(), account_number: "000123456789".into(), bank_code: "026009593".into(), ..account };
    app.services.set_bank_account(&boss, v.id, local).await.unwrap();
    let shown = app.services.bank_accounts(&fin, v.id).await.unwrap();
    assert_eq!(shown[0].account_number, "•••• 6789");
}

#[tokio::test]
async fn aging_buckets_what_is_owed_by_days_past_due() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let (invoice_id, _, _) = short_invoice(&app, &v, "PAY3", "AG-1").await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let rows = app.services.invoice_aging(&fin).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].bucket, acorn_domain::payments::AgingBucket::Current);
    let inv = app.services.invoice(&fin, invoice_id).await.unwrap().invoice;
    assert_eq!(rows[0].amount, inv.total);
    let mut late = inv.clone();
    late.due_date = Some(Utc::now().date_naive() - Duration::days(45));
    acorn_store::repo::invoices::update(&app.services.db.conn, &late, inv.updated_at).await.unwrap();
    let rows = app.services.invoice_aging(&Ctx::cli()).await.unwrap();
    assert_eq!(rows[0].bucket, acorn_domain::payments::AgingBucket::Days31To60);
}

#[tokio::test]
async fn a_closed_po_draws_its_chargebacks_once_and_accruals_follow_the_terms() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let mut terms = acorn_domain::terms::Terms::default_for("USD");
    terms.coop_percent = Decimal::from(2);
    app.services.set_terms(&Ctx::cli(), v.id, terms, Utc::now().date_naive(), "co-op 2 %").await.unwrap();
    let money_people = app.user(v.id, &[Role::Finance]).await;
    let ops = app.user(v.id, &[Role::Operations]).await;
    let (invoice_id, _, cost) = short_invoice(&app, &v, "PAY4", "CB-1").await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    // The claim is mailed to finance (with its dispute window to act on); the co-op accrual is not.
    let subjects: Vec<String> = app.mail_to(&money_people.email).await.into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects.iter().filter(|s| s.contains("Shortage claim")).count(), 1, "{subjects:?}");
    assert!(!subjects.iter().any(|s| s.contains("co-op")), "{subjects:?}");
    assert!(!app.mail_to(&ops.email).await.iter().any(|m| m.subject.contains("claim")), "operations is not mailed about money");
    let inv = app.services.invoice(&fin, invoice_id).await.unwrap();
    let coop: Vec<_> = inv.deductions.iter().filter(|d| d.kind == acorn_domain::deductions::DeductionKind::Coop).collect();
    assert_eq!(coop.len(), 1, "{:#?}", inv.deductions);
    assert_eq!(coop[0].amount, (inv.invoice.subtotal * Decimal::from(2) / Decimal::from(100)).round_dp(2));
    assert!(coop[0].dispute_deadline.is_none(), "accruals under agreed percentages are not disputable");

    // Nothing is charged while the PO is open; once closed, the ASN shortage (2 units) draws 2 % of their cost.
    assert_eq!(app.services.assess_chargebacks().await.unwrap().posted, 0);
    let po = acorn_store::repo::orders::get(&app.services.db.conn, None, inv.invoice.po_id).await.unwrap().unwrap();
    let mut closed = po.clone();
    closed.closed_at = Some(Utc::now());
    closed.state = acorn_domain::orders::PoState::Closed;
    acorn_store::repo::orders::update(&app.services.db.conn, &closed, po.updated_at).await.unwrap();
    let report = app.services.assess_chargebacks().await.unwrap();
    assert_eq!(report.posted, 1, "{report:?}");
    assert_eq!(app.services.assess_chargebacks().await.unwrap().posted, 0, "posted once");
    let ledger = app
        .services
        .list_deductions(
            &fin,
            acorn_store::repo::deductions::DeductionFilter { kind: Some(acorn_domain::deductions::DeductionKind::Chargeback), ..Default::default() },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(ledger.items.len(), 1);
    let cb = &ledger.items[0];
    assert_eq!(cb.amount, (cost * Decimal::from(2) * Decimal::from(2) / Decimal::from(100)).round_dp(2));
    assert!(cb.description.contains("ASN shortage"), "{}", cb.description);
    assert_eq!(cb.evidence["defect"]["kind"], "asn_shortage");
    let totals = app.services.ledger_totals(&fin, Default::default()).await.unwrap();
    let kinds: Vec<_> = totals.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["shortage", "chargeback", "coop"], "{totals:?}");
}

#[tokio::test]
async fn an_invoice_paid_inside_its_discount_window_earns_the_early_pay_discount() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let mut terms = acorn_domain::terms::Terms::default_for("USD");
    terms.payment = acorn_domain::terms::PaymentTerm::parse("2/10 NET30", acorn_domain::terms::DueBasis::InvoiceDate).unwrap();
    app.services.set_terms(&Ctx::cli(), v.id, terms, Utc::now().date_naive(), "2/10 NET30").await.unwrap();
    let (invoice_id, claim_id, _) = short_invoice(&app, &v, "PAY5", "D-1").await;
    bank(&app, &v).await;
    let fin = app.ctx_as(v.id, &[Role::Finance]).await;
    let inv = app.services.invoice(&fin, invoice_id).await.unwrap().invoice;
    let today = Utc::now().date_naive();
    assert_eq!(inv.discount_deadline, Some(today + Duration::days(10)));
    // Paid today although due in 30 days: inside the discount window, so it is in the run.
    let ap = app.ctx_as(acorn_domain::ids::TenantId::RETAILER, &[Role::ApClerk]).await;
    let run = app.services.run_payments(&ap, "USD", today, today).await.unwrap();
    let r = app.services.remittance(&fin, run.remittances[0].id).await.unwrap();
    let discount = (inv.total * Decimal::from(2) / Decimal::from(100)).round_dp(2);
    let lines: Vec<_> = r.lines.iter().map(|l| (l.kind, l.amount)).collect();
    let claim = app.services.deduction(&fin, claim_id).await.unwrap().deduction;
    assert_eq!(lines, [(RemittanceLineKind::Invoice, inv.total), (RemittanceLineKind::Discount, -discount), (RemittanceLineKind::Deduction, -claim.amount)]);
    assert_eq!(r.remittance.total, inv.total - discount - claim.amount);
}
