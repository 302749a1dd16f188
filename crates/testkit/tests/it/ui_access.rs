//! The portal's authorisation table: every GET page of the router (`acorn_web::ui::ROUTES`, built
//! from the same list as the router) × every role × own / other-tenant / missing object, against
//! expectations written here by hand; every POST route refuses a request without its CSRF token.
//! Vendor pages never show another vendor's canary.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, http};
use std::collections::BTreeSet;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Obj {
    None,
    Vendor,
    Dc,
    User,
    Mail,
    Token,
    Item,
    Po,
    Shipment,
    Return,
    Invoice,
    Deduction,
    Document,
    Remittance,
    /// A payment run (the retailer's, of no one vendor).
    Run,
    /// An interchange received from the vendor.
    Interchange,
}

/// Who may open a page.
#[derive(Clone, Copy)]
enum Who {
    /// Anyone, signed in or not (`signed_in` is the status a fully signed-in user gets).
    Public { signed_in: u16, anonymous: u16 },
    /// Signed-in users with one of these roles; others get 403, anonymous visitors go to /login.
    Roles(&'static [&'static str]),
}

const ALL: &[&str] = &[
    "admin",
    "category_manager",
    "vendor_manager",
    "ap_clerk",
    "receiver",
    "auditor",
    "vendor_admin",
    "operations",
    "finance",
    "catalog",
    "marketing",
    "read_only",
];
const NOT_RECEIVER: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "operations", "finance", "catalog", "marketing", "read_only"];

const NOT_MARKETING: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor", "vendor_admin", "operations", "finance", "catalog", "read_only"];
const ITEM_WRITERS: &[&str] = &["admin", "category_manager", "vendor_admin", "catalog"];
const PO_WRITERS: &[&str] = &["admin", "category_manager"];
const ACK_WRITERS: &[&str] = &["vendor_admin", "operations"];
/// Who reads ASNs: everyone but the catalogue and marketing roles.
const ASN_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor", "vendor_admin", "operations", "finance", "read_only"];
const RECEIVERS: &[&str] = &["admin", "receiver"];
/// The holiday calendar: retailer staff (who all read facilities); vendors see its effect, not it.
const RETAILER_STAFF: &[&str] = &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor"];
/// The inbound plan: vendor users who read acknowledgements.
const VENDOR_ACK_READERS: &[&str] = &["vendor_admin", "operations", "finance", "read_only"];
/// The transport desk: retailer staff who read routing.
const ROUTING_DESK: &[&str] = &["admin", "category_manager", "vendor_manager", "receiver", "auditor"];

/// Who reads returns: everyone but the catalogue and marketing roles.
const RETURN_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor", "vendor_admin", "operations", "finance", "read_only"];
/// Retailer staff who raise returns.
const RETURN_RAISERS: &[&str] = &["admin", "category_manager", "receiver"];
/// Who reads invoices and deductions (the same roles): not the receiver, catalogue or marketing roles.
const FINANCE_READERS: &[&str] = &["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "operations", "finance", "read_only"];
/// Vendor users who submit invoices.
const INVOICE_WRITERS: &[&str] = &["vendor_admin", "finance"];
/// Who reads payments and remittances.
const PAYMENT_READERS: &[&str] = &["admin", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "finance", "read_only"];
/// Staff who read payment runs, and who run them (and download bank files).
const RUN_READERS: &[&str] = &["admin", "vendor_manager", "ap_clerk", "auditor"];
const RUN_WRITERS: &[&str] = &["admin", "ap_clerk"];
/// A vendor's people who read its bank accounts.
const VENDOR_PAYMENT_READERS: &[&str] = &["vendor_admin", "finance", "read_only"];
/// The Integrations area: the EDI log and partner settings, and who uploads and edits them.
const EDI_READERS: &[&str] = &["admin", "auditor", "vendor_admin"];
const EDI_WRITERS: &[&str] = &["admin", "vendor_admin"];
/// The forecasts area: everyone but the AP clerk and the receiver reads (vendors their own).
const FORECAST_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "auditor", "vendor_admin", "operations", "finance", "catalog", "marketing", "read_only"];
/// Retailer buyers, who record sales and set planning parameters.
const PLANNERS: &[&str] = &["admin", "category_manager"];
/// A vendor's people (all read their own terms).
const VENDOR_USERS: &[&str] = &["vendor_admin", "operations", "finance", "catalog", "marketing", "read_only"];

const PAGES: &[(&str, Who, Obj)] = &[
    ("/", Who::Roles(ALL), Obj::None),
    ("/login", Who::Public { signed_in: 303, anonymous: 200 }, Obj::None),
    ("/mfa", Who::Public { signed_in: 303, anonymous: 303 }, Obj::None),
    ("/password/forgot", Who::Public { signed_in: 200, anonymous: 200 }, Obj::None),
    ("/password/reset/{token}", Who::Public { signed_in: 410, anonymous: 410 }, Obj::Token),
    ("/setup/{token}", Who::Public { signed_in: 410, anonymous: 410 }, Obj::Token),
    ("/vendors", Who::Roles(NOT_RECEIVER), Obj::None),
    ("/vendors.csv", Who::Roles(NOT_RECEIVER), Obj::None),
    ("/vendors/new", Who::Roles(&["admin", "category_manager"]), Obj::None),
    ("/vendors/{id}", Who::Roles(NOT_RECEIVER), Obj::Vendor),
    ("/dcs", Who::Roles(ALL), Obj::None),
    ("/dcs/new", Who::Roles(&["admin"]), Obj::None),
    ("/dcs/{id}", Who::Roles(ALL), Obj::Dc),
    ("/holidays", Who::Roles(RETAILER_STAFF), Obj::None),
    ("/users", Who::Roles(&["admin", "auditor", "vendor_admin"]), Obj::None),
    ("/users/new", Who::Roles(&["admin", "vendor_admin"]), Obj::None),
    ("/users/{id}", Who::Roles(&["admin", "auditor", "vendor_admin"]), Obj::User),
    ("/api-clients", Who::Roles(&["admin", "auditor", "vendor_admin"]), Obj::None),
    ("/account/sessions", Who::Roles(ALL), Obj::None),
    ("/account/security", Who::Roles(ALL), Obj::None),
    ("/items", Who::Roles(ALL), Obj::None),
    ("/items.csv", Who::Roles(ALL), Obj::None),
    ("/items/new", Who::Roles(ITEM_WRITERS), Obj::None),
    ("/items/{id}", Who::Roles(ALL), Obj::Item),
    ("/orders", Who::Roles(NOT_MARKETING), Obj::None),
    ("/orders.csv", Who::Roles(NOT_MARKETING), Obj::None),
    ("/orders/new", Who::Roles(PO_WRITERS), Obj::None),
    ("/orders/upload", Who::Roles(PO_WRITERS), Obj::None),
    ("/orders/template.csv", Who::Roles(PO_WRITERS), Obj::None),
    ("/orders/ack-upload", Who::Roles(ACK_WRITERS), Obj::None),
    ("/orders/ack-template.csv", Who::Roles(ACK_WRITERS), Obj::None),
    ("/orders/{id}", Who::Roles(NOT_MARKETING), Obj::Po),
    ("/orders/{id}/ack", Who::Roles(ACK_WRITERS), Obj::Po),
    ("/shipments", Who::Roles(ASN_READERS), Obj::None),
    ("/shipments.csv", Who::Roles(ASN_READERS), Obj::None),
    ("/shipments/new", Who::Roles(ACK_WRITERS), Obj::None),
    ("/shipments/upload", Who::Roles(ACK_WRITERS), Obj::None),
    ("/shipments/template.csv", Who::Roles(ACK_WRITERS), Obj::None),
    ("/shipments/{id}", Who::Roles(ASN_READERS), Obj::Shipment),
    ("/shipments/{id}/replace", Who::Roles(ACK_WRITERS), Obj::Shipment),
    ("/shipments/{id}/labels", Who::Roles(ASN_READERS), Obj::Shipment),
    ("/shipments/{id}/labels.pdf", Who::Roles(ASN_READERS), Obj::Shipment),
    ("/inbound", Who::Roles(VENDOR_ACK_READERS), Obj::None),
    ("/routing", Who::Roles(ROUTING_DESK), Obj::None),
    ("/receiving", Who::Roles(RECEIVERS), Obj::None),
    ("/receiving/{id}", Who::Roles(RECEIVERS), Obj::Shipment),
    ("/defects", Who::Roles(NOT_MARKETING), Obj::None),
    ("/defects.csv", Who::Roles(NOT_MARKETING), Obj::None),
    ("/returns", Who::Roles(RETURN_READERS), Obj::None),
    ("/returns.csv", Who::Roles(RETURN_READERS), Obj::None),
    ("/returns/new", Who::Roles(RETURN_RAISERS), Obj::None),
    ("/returns/addresses", Who::Roles(RETURN_READERS), Obj::None),
    ("/returns/{id}", Who::Roles(RETURN_READERS), Obj::Return),
    ("/invoices", Who::Roles(FINANCE_READERS), Obj::None),
    ("/invoices.csv", Who::Roles(FINANCE_READERS), Obj::None),
    ("/invoices/{id}", Who::Roles(FINANCE_READERS), Obj::Invoice),
    ("/invoices/{id}/credit", Who::Roles(INVOICE_WRITERS), Obj::Invoice),
    ("/orders/{id}/invoice", Who::Roles(INVOICE_WRITERS), Obj::Po),
    ("/deductions", Who::Roles(FINANCE_READERS), Obj::None),
    ("/deductions.csv", Who::Roles(FINANCE_READERS), Obj::None),
    ("/deductions/{id}", Who::Roles(FINANCE_READERS), Obj::Deduction),
    ("/documents/{id}", Who::Roles(FINANCE_READERS), Obj::Document),
    ("/payments", Who::Roles(RUN_READERS), Obj::None),
    ("/payments/{id}", Who::Roles(RUN_READERS), Obj::Run),
    ("/payments/{id}/pain001.xml", Who::Roles(RUN_WRITERS), Obj::Run),
    ("/payments/{id}/bank.csv", Who::Roles(RUN_WRITERS), Obj::Run),
    ("/remittances", Who::Roles(PAYMENT_READERS), Obj::None),
    ("/remittances/{id}", Who::Roles(PAYMENT_READERS), Obj::Remittance),
    ("/bank-accounts", Who::Roles(VENDOR_PAYMENT_READERS), Obj::None),
    ("/terms", Who::Roles(VENDOR_USERS), Obj::None),
    ("/vendors/{id}/terms", Who::Roles(NOT_RECEIVER), Obj::Vendor),
    ("/edi", Who::Roles(EDI_READERS), Obj::None),
    ("/edi.csv", Who::Roles(EDI_READERS), Obj::None),
    ("/edi/upload", Who::Roles(EDI_WRITERS), Obj::None),
    // Staff without `?vendor=` get the vendor picker; a vendor its own settings (none yet is fine).
    ("/edi/partner", Who::Roles(EDI_READERS), Obj::None),
    ("/edi/{id}", Who::Roles(EDI_READERS), Obj::Interchange),
    ("/edi/{id}/raw", Who::Roles(EDI_READERS), Obj::Interchange),
    ("/stock", Who::Roles(ALL), Obj::None),
    ("/stock.csv", Who::Roles(ALL), Obj::None),
    ("/sales", Who::Roles(FORECAST_READERS), Obj::None),
    ("/sales.csv", Who::Roles(FORECAST_READERS), Obj::None),
    ("/sales/upload", Who::Roles(PLANNERS), Obj::None),
    ("/sales/template.csv", Who::Roles(PLANNERS), Obj::None),
    ("/items/{id}/planning", Who::Roles(FORECAST_READERS), Obj::Item),
    ("/replenishment", Who::Roles(FORECAST_READERS), Obj::None),
    ("/forecasts", Who::Roles(FORECAST_READERS), Obj::None),
    ("/forecasts.csv", Who::Roles(FORECAST_READERS), Obj::None),
    ("/items/{id}/forecast", Who::Roles(FORECAST_READERS), Obj::Item),
    ("/notifications", Who::Roles(ALL), Obj::None),
    ("/audit", Who::Roles(&["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin"]), Obj::None),
    ("/outbox", Who::Roles(&["admin", "vendor_admin"]), Obj::None),
    ("/outbox/{id}", Who::Roles(&["admin", "vendor_admin"]), Obj::Mail),
    ("/assets/acorn.css", Who::Public { signed_in: 200, anonymous: 200 }, Obj::None),
    ("/assets/acorn.js", Who::Public { signed_in: 200, anonymous: 200 }, Obj::None),
    ("/assets/labels.css", Who::Public { signed_in: 200, anonymous: 200 }, Obj::None),
];

fn is_retailer(who: &str) -> bool {
    Role::ALL.iter().any(|r| r.as_str() == who && r.is_retailer())
}

#[test]
fn every_portal_route_has_an_expectation() {
    let gets: BTreeSet<&str> = acorn_web::ui::ROUTES.iter().filter(|(_, m)| m.contains(&"get")).map(|(p, _)| *p).collect();
    let table: BTreeSet<&str> = PAGES.iter().map(|(p, _, _)| *p).collect();
    let missing: Vec<_> = gets.difference(&table).collect();
    assert!(missing.is_empty(), "portal pages without an expectation: {missing:?}");
    let stale: Vec<_> = table.difference(&gets).collect();
    assert!(stale.is_empty(), "expectations for pages the router does not have: {stale:?}");
}

struct Tenant {
    id: TenantId,
    canary: String,
    user: uuid::Uuid,
    mail: uuid::Uuid,
    item: uuid::Uuid,
    po: uuid::Uuid,
    shipment: uuid::Uuid,
    ret: uuid::Uuid,
    invoice: uuid::Uuid,
    deduction: uuid::Uuid,
    document: uuid::Uuid,
    /// Set once the payment run has paid the invoice.
    remittance: uuid::Uuid,
    /// An interchange from the vendor, its file named with the canary.
    interchange: uuid::Uuid,
}

/// An invoice for more than was received (10 shipped in two cartons, 8 received): its shortage claim
/// is disputed with a proof of delivery; the vendor has a bank account, so a payment run pays it.
/// Returns (invoice, claim, the proof's document).
async fn finance(app: &TestApp, v: &acorn_testkit::VendorFx, dc: &acorn_domain::master::Dc) -> (uuid::Uuid, uuid::Uuid, uuid::Uuid) {
    let po = app.acked_po(v, dc, 10, false).await;
    let asn = app.shipment(v, &po, 2, 5).await;
    let cli = Ctx::cli();
    app.services.check_in(&cli, asn.shipment.id).await.expect("check-in");
    for (carton, n) in asn.shipment.cartons.iter().zip([5, 3]) {
        let line = acorn_service::receiving::ScanLine {
            po_number: Some(po.po.number.clone()),
            line_no: Some(1),
            gtin: carton.items[0].gtin.clone(),
            received: n,
            damaged: 0,
        };
        app.services.scan_carton(&cli, asn.shipment.id, carton.sscc.as_str(), vec![line]).await.expect("scan");
    }
    app.services.close_receipt(&cli, asn.shipment.id).await.expect("close");
    let fin = app.ctx_as(v.id, &[Role::VendorAdmin, Role::Finance]).await;
    let tpl = app.services.invoice_template(&fin, po.po.id).await.expect("template");
    let input = acorn_service::invoices::NewInvoice {
        number: format!("UIA-{}", &v.canary[6..]),
        po_number: po.po.number.clone(),
        lines: tpl
            .lines
            .iter()
            .map(|l| acorn_service::invoices::NewInvoiceLine {
                po_line_no: Some(l.po_line_no),
                item: String::new(),
                quantity: l.quantity,
                unit_cost: l.unit_cost.to_string(),
            })
            .collect(),
        ..Default::default()
    };
    let d = app.services.submit_invoice(&fin, input, acorn_domain::orders::Channel::Ui).await.expect("invoice");
    let claim = d.deductions[0].id;
    let pod = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let disputed = app.services.open_dispute(&fin, claim, "All 10 delivered.", vec![("pod.pdf".into(), pod)]).await.expect("dispute");
    let document = disputed.disputes[0].documents[0].id;
    let account = acorn_store::repo::payments::BankAccount {
        payee_code: v.code.clone(),
        account_holder: "Fixture Works Ltd".into(),
        account_scheme: "iban".into(),
        account_number: "GB82 WEST 1234 5698 7654 32".into(),
        bank_code: "NWBKGB2L".into(),
        currency: "USD".into(),
        updated_by: String::new(),
        updated_at: chrono::Utc::now(),
    };
    app.services.set_bank_account(&fin, v.id, account).await.expect("bank account");
    (d.invoice.id, claim, document)
}

/// A vendor with an invited user, an item (its title carries the canary), a PO at `dc`, and an ASN
/// for another, acknowledged PO.
async fn tenant(app: &TestApp, dc: &acorn_domain::master::Dc) -> Tenant {
    let v = app.vendor().await;
    let item = app.item(&v).await;
    let po = app.po(&v, dc, &[&item], 5).await.po.id;
    let acked = app.acked_po(&v, dc, 4, false).await;
    // Shipping tomorrow: inside the ship window whatever the hour at the DC.
    let mut asn = acorn_testkit::app::shipment_input(&dc.code, &acked.po.number, 2, 2);
    asn.ship_date = Some(chrono::Utc::now() + chrono::Duration::days(1));
    let shipment = app.services.create_shipment(&app.vendor_ctx(&v).await, asn).await.expect("ASN fixture").shipment.id;
    let u = app
        .services
        .invite_user(
            &Ctx::cli(),
            acorn_service::users::NewUser {
                tenant: v.id,
                email: format!("{}@invitee.test", v.canary.to_lowercase()),
                name: format!("Invitee {}", v.canary),
                roles: vec![Role::ReadOnly],
                locale: Default::default(),
            },
        )
        .await
        .unwrap();
    let mail = app.mail_to(&u.email).await[0].id;
    let new = acorn_service::returns::NewReturn {
        vendor_code: v.code.clone(),
        item: item.vendor_sku.clone(),
        dc_code: dc.code.clone(),
        return_type: "overstock".into(),
        quantity: 3,
        reason: format!("Reason {}", v.canary),
    };
    let ret = app.services.raise_return(&Ctx::cli(), new).await.expect("return fixture").ret.id;
    let (invoice, deduction, document) = finance(app, &v, dc).await;
    let interchange = crate::edi_gateway::walk_interchange(app, &v).await;
    Tenant {
        id: v.id,
        canary: v.canary,
        user: u.id,
        mail,
        item: item.id,
        po,
        shipment,
        ret,
        invoice,
        deduction,
        document,
        remittance: uuid::Uuid::nil(),
        interchange,
    }
}

#[tokio::test]
async fn every_role_sees_the_pages_the_policy_allows_and_nothing_else() {
    let app = TestApp::start().await;
    let dc = app.dc("UIA1").await;
    let mut a = tenant(&app, &dc).await;
    let mut b = tenant(&app, &dc).await;
    // One payment run pays both vendors' invoices: a remittance each.
    let ap = app.ctx_as(TenantId::RETAILER, &[Role::ApClerk]).await;
    let today = chrono::Utc::now().date_naive();
    let run = app.services.run_payments(&ap, "USD", today, today + chrono::Duration::days(60)).await.expect("payment run");
    for t in [&mut a, &mut b] {
        t.remittance = run.remittances.iter().find(|r| r.tenant == t.id).expect("a remittance per vendor").id;
    }
    let mut principals: Vec<(&str, reqwest::Client)> = Vec::new();
    for role in Role::ALL {
        let t = if role.is_retailer() { TenantId::RETAILER } else { a.id };
        let u = app.user(t, &[*role]).await;
        principals.push((role.as_str(), app.login(&u).await));
    }
    let anonymous = http();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, who, obj) in PAGES {
        let cases: Vec<(bool, bool)> = match obj {
            Obj::None | Obj::Token => vec![(false, false)],
            Obj::Dc | Obj::Run => vec![(false, false), (false, true)],
            _ => vec![(false, false), (true, false), (false, true)],
        };
        for (other, missing) in cases {
            let t = if other { &b } else { &a };
            let id = if missing {
                uuid::Uuid::now_v7().to_string()
            } else {
                match obj {
                    Obj::None => String::new(),
                    Obj::Vendor => t.id.0.to_string(),
                    Obj::Dc => dc.id.to_string(),
                    Obj::User => t.user.to_string(),
                    Obj::Mail => t.mail.to_string(),
                    Obj::Token => "not-a-real-token".into(),
                    Obj::Item => t.item.to_string(),
                    Obj::Po => t.po.to_string(),
                    Obj::Shipment => t.shipment.to_string(),
                    Obj::Return => t.ret.to_string(),
                    Obj::Invoice => t.invoice.to_string(),
                    Obj::Deduction => t.deduction.to_string(),
                    Obj::Document => t.document.to_string(),
                    Obj::Remittance => t.remittance.to_string(),
                    Obj::Run => run.run.id.to_string(),
                    Obj::Interchange => t.interchange.to_string(),
                }
            };
            let url = app.url(&path.replace("{id}", &id).replace("{token}", &id));
            let status = anonymous.get(&url).send().await.unwrap().status().as_u16();
            let want = match who {
                Who::Public { anonymous, .. } => *anonymous,
                Who::Roles(_) => 303,
            };
            checked += 1;
            if status != want {
                failures.push(format!("GET {path} anonymous (other={other}, missing={missing}): got {status}, want {want}"));
            }
            for (role, c) in &principals {
                let res = c.get(&url).send().await.unwrap();
                let status = res.status().as_u16();
                let body = res.text().await.unwrap_or_default();
                let want = match who {
                    Who::Public { signed_in, .. } => *signed_in,
                    Who::Roles(roles) if !roles.contains(role) => 403,
                    Who::Roles(_) if missing || (other && !is_retailer(role)) => 404,
                    Who::Roles(_) => 200,
                };
                checked += 1;
                if status != want {
                    failures.push(format!("GET {path} as {role} (other={other}, missing={missing}): got {status}, want {want}"));
                }
                if !is_retailer(role) && body.contains(&b.canary) {
                    failures.push(format!("GET {path} as {role}: page shows another vendor's canary"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    let _ = a.canary;
}

#[tokio::test]
async fn every_portal_post_refuses_a_request_without_its_csrf_token() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let audit_before = app.audit_count().await;
    let mut failures = Vec::new();
    let posts: Vec<&str> = acorn_web::ui::ROUTES.iter().filter(|(_, m)| m.contains(&"post")).map(|(p, _)| *p).collect();
    assert!(posts.len() >= 20, "{posts:?}");
    for path in posts {
        let url = app.url(&path.replace("{id}", &a.id.0.to_string()).replace("{slot}", &uuid::Uuid::now_v7().to_string()).replace("{token}", "tok"));
        let res = c.post(&url).form(&[("name", "X"), ("email", "x@example.test"), ("code", "123456"), ("_form", "f")]).send().await.unwrap();
        if res.status() != 403 {
            failures.push(format!("POST {path} without CSRF token: {}", res.status()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(app.audit_count().await, audit_before, "no refused POST changed anything");
    // Still signed in: the forged logout did nothing.
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
}
