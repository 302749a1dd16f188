//! The authorisation table: every API route × every role (and a vendor API client) × own /
//! other-tenant / missing object, against expectations written here by hand from DOMAIN.md's
//! "Who may do what". The test fails when the router has a route without an entry. Every vendor's
//! fixtures carry a canary that must never appear in another vendor's responses.

use crate::finance_api::WalkObj;
use acorn_domain::ids::TenantId;
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, call};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What a route's path parameter points at.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Obj {
    None,
    Vendor,
    Identifier,
    User,
    Client,
    Dc,
    Slot,
    Item,
    Po,
    Holiday,
    /// A Prepaid ASN, shipped.
    Shipment,
    /// A Collect ASN with a routing request filed.
    CollectShipment,
    /// A Prepaid ASN with a booked appointment.
    BookedShipment,
    /// An ASN whose truck has checked in.
    ArrivedShipment,
    /// A return to vendor waiting for the vendor's answer.
    Return,
    /// A return the vendor approved.
    ApprovedReturn,
    /// An invoice, deduction, document, payment run or remittance (see `finance_api::walk_object`).
    Finance(WalkObj),
    /// A vendor with EDI settings, named by `?vendor_code=` (a vendor's own is implied; staff name it).
    EdiVendor,
    /// An interchange received from a vendor (see `crate::edi_gateway::walk_interchange`).
    Interchange,
    /// A proposed replenishment suggestion of 24 units (see `crate::forecast_suggestions::walk_suggestion`).
    Suggestion,
}

/// Objects of the vendor under test the bodies refer to.
struct Walk {
    po_number: String,
    /// A slot with room for this request's booking.
    slot_id: uuid::Uuid,
}

struct Route {
    method: &'static str,
    path: &'static str,
    /// Principals that may use the route (role names, and "client" for a vendor API client with
    /// every scope). Everyone else gets 403.
    allowed: &'static [&'static str],
    obj: Obj,
    ok: u16,
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
    "client",
];
const NOT_RECEIVER: &[&str] = &[
    "admin",
    "category_manager",
    "vendor_manager",
    "ap_clerk",
    "auditor",
    "vendor_admin",
    "operations",
    "finance",
    "catalog",
    "marketing",
    "read_only",
    "client",
];
const VENDOR_WRITERS: &[&str] = &["admin", "category_manager"];
const FACILITY_WRITERS: &[&str] = &["admin"];
const USER_READERS: &[&str] = &["admin", "auditor", "vendor_admin", "client"];
const USER_WRITERS: &[&str] = &["admin", "vendor_admin", "client"];
const ITEM_WRITERS: &[&str] = &["admin", "category_manager", "vendor_admin", "catalog", "client"];
const PO_READERS: &[&str] = &[
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
    "read_only",
    "client",
];
const PO_WRITERS: &[&str] = &["admin", "category_manager"];
const ACK_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor", "vendor_admin", "operations", "finance", "read_only", "client"];
const ACK_WRITERS: &[&str] = &["vendor_admin", "operations", "client"];
const ROUTING_WRITERS: &[&str] = &["admin", "vendor_manager", "receiver", "vendor_admin", "operations", "client"];
const ROUTING_READERS: &[&str] = &["admin", "category_manager", "vendor_manager", "receiver", "auditor", "vendor_admin", "operations", "read_only", "client"];
const CARRIER_ASSIGNERS: &[&str] = &["admin", "vendor_manager", "receiver"];
const RECEIVERS: &[&str] = &["admin", "receiver"];
const VENDOR_ACK_READERS: &[&str] = &["vendor_admin", "operations", "finance", "read_only", "client"];
const RETURN_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor", "vendor_admin", "operations", "finance", "read_only", "client"];
/// Retailer staff who raise, complete and cancel returns.
const RETURN_RAISERS: &[&str] = &["admin", "category_manager", "receiver"];
/// The vendor's people who answer returns and keep its return addresses.
const RETURN_ANSWERERS: &[&str] = &["vendor_admin", "operations", "client"];
const TERMS_WRITERS: &[&str] = &["admin"];
const INVOICE_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "operations", "finance", "read_only", "client"];
/// Retailer writers may not submit (the use case refuses them `vendor_only`, a 422).
const INVOICE_WRITERS: &[&str] = &["admin", "ap_clerk", "vendor_admin", "finance", "client"];
const DEDUCTION_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "operations", "finance", "read_only", "client"];
/// Disputes are opened by the vendor: retailer writers are refused `vendor_only` (422).
const DEDUCTION_WRITERS: &[&str] = &["admin", "ap_clerk", "vendor_admin", "finance", "client"];
const DISPUTE_DECIDERS: &[&str] = &["admin", "ap_clerk"];
const PAYMENT_READERS: &[&str] = &["admin", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "finance", "read_only", "client"];
const PAYMENT_WRITERS: &[&str] = &["admin", "ap_clerk"];
const AUDIT_READERS: &[&str] = &["admin", "category_manager", "vendor_manager", "ap_clerk", "auditor", "vendor_admin", "client"];
/// The Integrations area: the EDI log and trading-partner settings.
const INTEGRATION_READERS: &[&str] = &["admin", "auditor", "vendor_admin", "client"];
const INTEGRATION_WRITERS: &[&str] = &["admin", "vendor_admin", "client"];
/// The forecasts area: everyone but the AP clerk and the receiver reads (vendors their own).
const FORECAST_READERS: &[&str] =
    &["admin", "category_manager", "vendor_manager", "auditor", "vendor_admin", "operations", "finance", "catalog", "marketing", "read_only", "client"];
/// Sales and planning parameters are the retailer's: its buyers record and set them (a vendor's
/// write access in the area is for commitments).
const PLANNERS: &[&str] = &["admin", "category_manager"];
/// A vendor's forecast writers: they answer suggestions and propose VMI orders (the buyers decide).
const COMMITTERS: &[&str] = &["vendor_admin", "operations", "client"];

const TABLE: &[Route] = &[
    Route { method: "GET", path: "/api/v1/me", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/vendors", allowed: NOT_RECEIVER, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/vendors", allowed: VENDOR_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/vendors/{vendor_id}", allowed: NOT_RECEIVER, obj: Obj::Vendor, ok: 200 },
    Route { method: "PATCH", path: "/api/v1/vendors/{vendor_id}", allowed: VENDOR_WRITERS, obj: Obj::Vendor, ok: 200 },
    Route { method: "POST", path: "/api/v1/vendors/{vendor_id}/identifiers", allowed: VENDOR_WRITERS, obj: Obj::Vendor, ok: 201 },
    Route { method: "DELETE", path: "/api/v1/vendors/{vendor_id}/identifiers/{kind}/{value}", allowed: VENDOR_WRITERS, obj: Obj::Identifier, ok: 204 },
    Route { method: "GET", path: "/api/v1/dcs", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/dcs", allowed: FACILITY_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/dcs/{dc_id}", allowed: ALL, obj: Obj::Dc, ok: 200 },
    Route { method: "PUT", path: "/api/v1/dcs/{dc_id}", allowed: FACILITY_WRITERS, obj: Obj::Dc, ok: 200 },
    Route { method: "GET", path: "/api/v1/dcs/{dc_id}/dock-slots", allowed: ALL, obj: Obj::Dc, ok: 200 },
    Route { method: "POST", path: "/api/v1/dcs/{dc_id}/dock-slots", allowed: FACILITY_WRITERS, obj: Obj::Dc, ok: 201 },
    Route { method: "DELETE", path: "/api/v1/dock-slots/{slot_id}", allowed: FACILITY_WRITERS, obj: Obj::Slot, ok: 204 },
    Route { method: "GET", path: "/api/v1/users", allowed: USER_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/users", allowed: USER_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/users/{user_id}", allowed: USER_READERS, obj: Obj::User, ok: 200 },
    Route { method: "PATCH", path: "/api/v1/users/{user_id}", allowed: USER_WRITERS, obj: Obj::User, ok: 200 },
    Route { method: "POST", path: "/api/v1/users/{user_id}/reset-mfa", allowed: USER_WRITERS, obj: Obj::User, ok: 200 },
    Route { method: "GET", path: "/api/v1/api-clients", allowed: USER_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/api-clients", allowed: USER_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "POST", path: "/api/v1/api-clients/{client_pk}/disable", allowed: USER_WRITERS, obj: Obj::Client, ok: 204 },
    Route { method: "GET", path: "/api/v1/audit", allowed: AUDIT_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/items", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/items", allowed: ITEM_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/items/{item_id}", allowed: ALL, obj: Obj::Item, ok: 200 },
    Route { method: "POST", path: "/api/v1/items/{item_id}/costs", allowed: ITEM_WRITERS, obj: Obj::Item, ok: 201 },
    Route { method: "GET", path: "/api/v1/purchase-orders", allowed: PO_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/purchase-orders", allowed: PO_WRITERS, obj: Obj::None, ok: 201 },
    // The walk sends no CSV, so an authorised upload is refused as invalid: 422 proves it passed
    // authorisation; the upload tests cover success.
    Route { method: "POST", path: "/api/v1/purchase-orders/upload", allowed: PO_WRITERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/purchase-orders/{po_id}", allowed: PO_READERS, obj: Obj::Po, ok: 200 },
    Route { method: "POST", path: "/api/v1/purchase-orders/{po_id}/changes", allowed: PO_WRITERS, obj: Obj::Po, ok: 200 },
    Route { method: "POST", path: "/api/v1/purchase-orders/{po_id}/cancel", allowed: PO_WRITERS, obj: Obj::Po, ok: 200 },
    Route { method: "GET", path: "/api/v1/purchase-orders/{po_id}/acknowledgements", allowed: ACK_READERS, obj: Obj::Po, ok: 200 },
    Route { method: "POST", path: "/api/v1/purchase-orders/{po_id}/acknowledgements", allowed: ACK_WRITERS, obj: Obj::Po, ok: 201 },
    Route { method: "POST", path: "/api/v1/purchase-orders/{po_id}/acknowledgements/preflight", allowed: ACK_WRITERS, obj: Obj::Po, ok: 200 },
    Route { method: "POST", path: "/api/v1/acknowledgements/upload", allowed: ACK_WRITERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/holidays", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/holidays", allowed: FACILITY_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "DELETE", path: "/api/v1/holidays/{day}", allowed: FACILITY_WRITERS, obj: Obj::Holiday, ok: 204 },
    Route { method: "GET", path: "/api/v1/events", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/shipments", allowed: ACK_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/shipments", allowed: ACK_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "POST", path: "/api/v1/shipments/upload", allowed: ACK_WRITERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/shipments/{shipment_id}", allowed: ACK_READERS, obj: Obj::Shipment, ok: 200 },
    Route { method: "PUT", path: "/api/v1/shipments/{shipment_id}", allowed: ACK_WRITERS, obj: Obj::Shipment, ok: 200 },
    Route { method: "GET", path: "/api/v1/shipments/{shipment_id}/labels", allowed: ACK_READERS, obj: Obj::Shipment, ok: 200 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/routing-request", allowed: ROUTING_WRITERS, obj: Obj::CollectShipment, ok: 201 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/carrier", allowed: CARRIER_ASSIGNERS, obj: Obj::CollectShipment, ok: 200 },
    Route { method: "GET", path: "/api/v1/routing-requests", allowed: ROUTING_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/appointment", allowed: ROUTING_WRITERS, obj: Obj::Shipment, ok: 201 },
    Route { method: "DELETE", path: "/api/v1/shipments/{shipment_id}/appointment", allowed: ROUTING_WRITERS, obj: Obj::BookedShipment, ok: 200 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/check-in", allowed: RECEIVERS, obj: Obj::Shipment, ok: 200 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/cartons", allowed: RECEIVERS, obj: Obj::ArrivedShipment, ok: 201 },
    Route { method: "POST", path: "/api/v1/shipments/{shipment_id}/receipt/close", allowed: RECEIVERS, obj: Obj::ArrivedShipment, ok: 200 },
    // Without a code the lookup is refused as invalid: 422 proves authorisation passed.
    Route { method: "GET", path: "/api/v1/inbound", allowed: RECEIVERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/defects", allowed: PO_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/purchase-orders/{po_id}/defects", allowed: PO_READERS, obj: Obj::Po, ok: 200 },
    Route { method: "POST", path: "/api/v1/inbound-plans", allowed: VENDOR_ACK_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/returns", allowed: RETURN_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/returns", allowed: RETURN_RAISERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/returns/{return_id}", allowed: RETURN_READERS, obj: Obj::Return, ok: 200 },
    Route { method: "POST", path: "/api/v1/returns/{return_id}/answer", allowed: RETURN_ANSWERERS, obj: Obj::Return, ok: 200 },
    Route { method: "POST", path: "/api/v1/returns/{return_id}/complete", allowed: RETURN_RAISERS, obj: Obj::ApprovedReturn, ok: 200 },
    Route { method: "POST", path: "/api/v1/returns/{return_id}/cancel", allowed: RETURN_RAISERS, obj: Obj::Return, ok: 200 },
    Route { method: "GET", path: "/api/v1/return-addresses", allowed: RETURN_READERS, obj: Obj::None, ok: 200 },
    Route { method: "PUT", path: "/api/v1/return-addresses", allowed: RETURN_ANSWERERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/vendors/{vendor_id}/terms", allowed: NOT_RECEIVER, obj: Obj::Vendor, ok: 200 },
    Route { method: "PUT", path: "/api/v1/vendors/{vendor_id}/terms", allowed: TERMS_WRITERS, obj: Obj::Vendor, ok: 200 },
    Route { method: "GET", path: "/api/v1/purchase-orders/{po_id}/invoice-template", allowed: INVOICE_READERS, obj: Obj::Po, ok: 200 },
    Route { method: "GET", path: "/api/v1/invoices", allowed: INVOICE_READERS, obj: Obj::None, ok: 200 },
    // The walk's invoice names no PO of the vendor's: 422 proves authorisation passed (finance_api covers success).
    Route { method: "POST", path: "/api/v1/invoices", allowed: INVOICE_WRITERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/invoices/aging", allowed: INVOICE_READERS, obj: Obj::None, ok: 200 },
    // No CSV in the walk: 422 proves authorisation passed.
    Route { method: "POST", path: "/api/v1/invoices/upload", allowed: INVOICE_WRITERS, obj: Obj::None, ok: 422 },
    // The walk credits an invoice that does not exist: 422 proves authorisation passed (invoices covers success).
    Route { method: "POST", path: "/api/v1/credit-notes", allowed: INVOICE_WRITERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/invoices/{invoice_id}", allowed: INVOICE_READERS, obj: Obj::Finance(WalkObj::Invoice), ok: 200 },
    Route { method: "GET", path: "/api/v1/deductions", allowed: DEDUCTION_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/deductions/totals", allowed: DEDUCTION_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/deductions/{deduction_id}", allowed: DEDUCTION_READERS, obj: Obj::Finance(WalkObj::Deduction), ok: 200 },
    Route { method: "GET", path: "/api/v1/deductions/{deduction_id}/evidence", allowed: DEDUCTION_READERS, obj: Obj::Finance(WalkObj::Deduction), ok: 200 },
    // The walk sends JSON, not multipart: 415 proves authorisation passed (finance_api covers uploads).
    Route { method: "POST", path: "/api/v1/deductions/{deduction_id}/disputes", allowed: DEDUCTION_WRITERS, obj: Obj::Finance(WalkObj::Deduction), ok: 415 },
    Route {
        method: "POST",
        path: "/api/v1/deductions/{deduction_id}/decision",
        allowed: DISPUTE_DECIDERS,
        obj: Obj::Finance(WalkObj::DisputedDeduction),
        ok: 200,
    },
    Route { method: "GET", path: "/api/v1/documents/{document_id}", allowed: DEDUCTION_READERS, obj: Obj::Finance(WalkObj::Document), ok: 200 },
    Route { method: "GET", path: "/api/v1/payment-runs", allowed: PAYMENT_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/payment-runs", allowed: PAYMENT_WRITERS, obj: Obj::None, ok: 201 },
    Route { method: "GET", path: "/api/v1/payment-runs/{run_id}", allowed: PAYMENT_READERS, obj: Obj::Finance(WalkObj::PaymentRun), ok: 200 },
    Route { method: "GET", path: "/api/v1/payment-runs/{run_id}/bank-file", allowed: PAYMENT_WRITERS, obj: Obj::Finance(WalkObj::PaymentRun), ok: 200 },
    Route { method: "GET", path: "/api/v1/remittances", allowed: PAYMENT_READERS, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/remittances/{remittance_id}", allowed: PAYMENT_READERS, obj: Obj::Finance(WalkObj::Remittance), ok: 200 },
    Route { method: "GET", path: "/api/v1/remittances/{remittance_id}/csv", allowed: PAYMENT_READERS, obj: Obj::Finance(WalkObj::Remittance), ok: 200 },
    Route { method: "GET", path: "/api/v1/vendors/{vendor_id}/bank-accounts", allowed: PAYMENT_READERS, obj: Obj::Vendor, ok: 200 },
    // Banking changes need one user who is both vendor_admin and finance; no single role may: 422
    // `banking_needs_admin_and_finance` (finance_api covers success).
    Route { method: "PUT", path: "/api/v1/vendors/{vendor_id}/bank-accounts", allowed: PAYMENT_READERS, obj: Obj::Vendor, ok: 422 },
    // SP-API: the walk's invoice names no PO of the vendor's; Amazon's 400 proves authorisation passed.
    Route { method: "POST", path: "/vendor/payments/v1/invoices", allowed: INVOICE_WRITERS, obj: Obj::None, ok: 400 },
    Route { method: "GET", path: "/api/v1/edi/partner", allowed: INTEGRATION_READERS, obj: Obj::EdiVendor, ok: 200 },
    Route { method: "PUT", path: "/api/v1/edi/partner", allowed: INTEGRATION_WRITERS, obj: Obj::EdiVendor, ok: 200 },
    Route { method: "GET", path: "/api/v1/edi/interchanges", allowed: INTEGRATION_READERS, obj: Obj::EdiVendor, ok: 200 },
    // The walk's body ({}) is not EDI: it is logged as a failed transaction, which is still a 200.
    Route { method: "POST", path: "/api/v1/edi/interchanges", allowed: INTEGRATION_WRITERS, obj: Obj::EdiVendor, ok: 200 },
    Route { method: "GET", path: "/api/v1/edi/interchanges/{transaction_id}", allowed: INTEGRATION_READERS, obj: Obj::Interchange, ok: 200 },
    Route { method: "GET", path: "/api/v1/edi/interchanges/{transaction_id}/raw", allowed: INTEGRATION_READERS, obj: Obj::Interchange, ok: 200 },
    Route { method: "GET", path: "/api/v1/edi/stock", allowed: ALL, obj: Obj::None, ok: 200 },
    Route { method: "GET", path: "/api/v1/forecast/sales", allowed: FORECAST_READERS, obj: Obj::None, ok: 200 },
    // The walk's body has no records: 422 proves authorisation passed (forecast_data covers success).
    Route { method: "POST", path: "/api/v1/forecast/sales", allowed: PLANNERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/forecast/params/{item_id}", allowed: FORECAST_READERS, obj: Obj::Item, ok: 200 },
    Route { method: "PUT", path: "/api/v1/forecast/params/{item_id}", allowed: PLANNERS, obj: Obj::Item, ok: 200 },
    Route { method: "GET", path: "/api/v1/forecast/suggestions", allowed: FORECAST_READERS, obj: Obj::None, ok: 200 },
    Route { method: "POST", path: "/api/v1/forecast/suggestions/{suggestion_id}/adjust", allowed: PLANNERS, obj: Obj::Suggestion, ok: 200 },
    Route { method: "POST", path: "/api/v1/forecast/suggestions/{suggestion_id}/reject", allowed: PLANNERS, obj: Obj::Suggestion, ok: 200 },
    // The walk names no suggestion: 422 proves authorisation passed (forecast_suggestions covers success).
    Route { method: "POST", path: "/api/v1/forecast/suggestions/approve", allowed: PLANNERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/forecast/suggestions/{suggestion_id}/commitments", allowed: FORECAST_READERS, obj: Obj::Suggestion, ok: 200 },
    Route { method: "POST", path: "/api/v1/forecast/suggestions/{suggestion_id}/commitments", allowed: COMMITTERS, obj: Obj::Suggestion, ok: 201 },
    // The walk's body names no item: 422 proves authorisation passed.
    Route { method: "POST", path: "/api/v1/forecast/vmi-proposals", allowed: COMMITTERS, obj: Obj::None, ok: 422 },
    Route { method: "GET", path: "/api/v1/forecast/items/{item_id}", allowed: FORECAST_READERS, obj: Obj::Item, ok: 200 },
    Route { method: "GET", path: "/api/v1/forecast/forecasts", allowed: FORECAST_READERS, obj: Obj::None, ok: 200 },
];

/// Routes that are not role-based (public by design) and are tested elsewhere.
const PUBLIC: &[(&str, &str)] = &[("POST", "/auth/o2/token")];

fn spec_routes(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_api_route_has_an_expectation() {
    let app = TestApp::start().await;
    let spec: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    let routes = spec_routes(&spec);
    let table: BTreeSet<(String, String)> =
        TABLE.iter().map(|r| (r.method.to_string(), r.path.to_string())).chain(PUBLIC.iter().map(|(m, p)| (m.to_string(), p.to_string()))).collect();
    let missing: Vec<_> = routes.difference(&table).collect();
    assert!(missing.is_empty(), "routes without an expectation in the access table: {missing:?}");
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(stale.is_empty(), "expectations for routes the router does not have: {stale:?}");
}

struct Tenant {
    id: TenantId,
    canary: String,
    user: uuid::Uuid,
    fx: acorn_testkit::VendorFx,
}

/// A date no other check uses (holidays are retailer-wide, one per day).
fn fresh_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap() + chrono::Days::new(rand::random::<u64>() % 30_000)
}

async fn make_object(app: &TestApp, obj: Obj, t: &Tenant, dc: &acorn_domain::master::Dc) -> Option<String> {
    let dc_id = dc.id;
    let ctx = Ctx::cli();
    let s = &app.services;
    Some(match obj {
        Obj::None => return None,
        Obj::Vendor => t.id.0.to_string(),
        Obj::Identifier => {
            let v = format!("P{}", &uuid::Uuid::now_v7().simple().to_string()[23..]).to_uppercase();
            s.add_vendor_identifier(&ctx, t.id, VendorIdentifierKind::PayeeCode, &v, "").await.unwrap();
            format!("{}/payee_code/{}", t.id.0, v)
        }
        Obj::User => {
            let u = app.user(t.id, &[Role::ReadOnly]).await;
            u.id.to_string()
        }
        Obj::Client => s.create_client(&ctx, t.id, "target", vec![]).await.unwrap().id.to_string(),
        Obj::Dc => dc_id.to_string(),
        Obj::Item => app.item(&t.fx).await.id.to_string(),
        Obj::Po => {
            let item = app.item(&t.fx).await;
            app.po(&t.fx, dc, &[&item], 10).await.po.id.to_string()
        }
        Obj::Shipment | Obj::CollectShipment | Obj::BookedShipment | Obj::ArrivedShipment => {
            let collect = obj == Obj::CollectShipment;
            let po = app.acked_po(&t.fx, dc, 10, collect).await;
            let shipment = app.shipment(&t.fx, &po, 1, 2).await.shipment.id;
            match obj {
                Obj::CollectShipment => {
                    let input =
                        acorn_service::dock::RoutingInput { freight_ready_date: chrono::Utc::now().date_naive(), pallets: 1, weight_kg: 100, volume_dm3: 500 };
                    s.request_routing(&app.vendor_ctx(&t.fx).await, shipment, input).await.unwrap();
                }
                Obj::BookedShipment => {
                    s.book_appointment(&app.vendor_ctx(&t.fx).await, shipment, walk_slot(app, dc).await).await.unwrap();
                }
                Obj::ArrivedShipment => {
                    s.check_in(&ctx, shipment).await.unwrap();
                }
                _ => {}
            }
            shipment.to_string()
        }
        Obj::Return | Obj::ApprovedReturn => {
            let item = app.item(&t.fx).await;
            let new = acorn_service::returns::NewReturn {
                vendor_code: t.fx.code.clone(),
                item: item.vendor_sku.clone(),
                dc_code: dc.code.clone(),
                return_type: "overstock".into(),
                quantity: 10,
                reason: String::new(),
            };
            let id = s.raise_return(&ctx, new).await.unwrap().ret.id;
            if obj == Obj::ApprovedReturn {
                let answer = acorn_domain::returns::Answer::Approve {
                    quantity: 10,
                    vendor_rma: "RMA-1".into(),
                    disposition: acorn_domain::returns::Disposition::Destroy,
                    return_address: None,
                };
                s.answer_return(&app.vendor_ctx(&t.fx).await, id, answer).await.unwrap();
            }
            id.to_string()
        }
        Obj::Finance(w) => crate::finance_api::walk_object(app, w, &t.fx, dc).await,
        Obj::EdiVendor => {
            crate::edi_gateway::walk_partner(app, &t.fx).await;
            t.fx.code.clone()
        }
        Obj::Interchange => crate::edi_gateway::walk_interchange(app, &t.fx).await.to_string(),
        Obj::Suggestion => crate::forecast_suggestions::walk_suggestion(app, &t.fx, dc).await.to_string(),
        Obj::Holiday => {
            let day = fresh_day();
            s.add_holiday(&ctx, day, "Test holiday").await.unwrap();
            day.to_string()
        }
        Obj::Slot => {
            let start =
                chrono::Utc::now() + chrono::Duration::days(3 + rand::random::<i64>() % 300) + chrono::Duration::minutes(rand::random::<i64>() % 10_000);
            s.add_dock_slot(&ctx, dc_id, start, start + chrono::Duration::hours(1), 2).await.unwrap().id.to_string()
        }
    })
}

fn fill(path: &str, obj: Obj, id: &str) -> String {
    match obj {
        Obj::None => path.to_string(),
        Obj::Vendor => path.replace("{vendor_id}", id),
        Obj::Identifier => path.replace("{vendor_id}/identifiers/{kind}/{value}", &id.replacen('/', "/identifiers/", 1)),
        Obj::User => path.replace("{user_id}", id),
        Obj::Client => path.replace("{client_pk}", id),
        Obj::Dc => path.replace("{dc_id}", id),
        Obj::Slot => path.replace("{slot_id}", id),
        Obj::Item => path.replace("{item_id}", id),
        Obj::Po => path.replace("{po_id}", id),
        Obj::Holiday => path.replace("{day}", id),
        Obj::Shipment | Obj::CollectShipment | Obj::BookedShipment | Obj::ArrivedShipment => path.replace("{shipment_id}", id),
        Obj::Return | Obj::ApprovedReturn => path.replace("{return_id}", id),
        Obj::EdiVendor => format!("{path}?vendor_code={id}"),
        Obj::Interchange => path.replace("{transaction_id}", id),
        Obj::Suggestion => path.replace("{suggestion_id}", id),
        Obj::Finance(w) => path.replace(w.param(), id),
    }
}

/// A dock slot for one more booking: slots of 10 (the fixture DC's doors), two days ahead and on,
/// a new one whenever the last is full.
async fn walk_slot(app: &TestApp, dc: &acorn_domain::master::Dc) -> uuid::Uuid {
    static SLOTS: std::sync::Mutex<(Option<uuid::Uuid>, i64, i64)> = std::sync::Mutex::new((None, 0, 0));
    let (current, used, made) = *SLOTS.lock().unwrap();
    if let Some(id) = current
        && used < 10
    {
        SLOTS.lock().unwrap().1 += 1;
        return id;
    }
    let start = chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(made);
    let id = app.services.add_dock_slot(&Ctx::cli(), dc.id, start, start + chrono::Duration::hours(1), 10).await.unwrap().id;
    *SLOTS.lock().unwrap() = (Some(id), 1, made + 1);
    id
}

fn body(r: &Route, own: &acorn_testkit::VendorFx, walk: &Walk) -> Option<Value> {
    let own_vendor = own.id;
    let uniq = uuid::Uuid::now_v7().simple().to_string();
    let code = format!("C{}", &uniq[24..]).to_uppercase();
    match (r.method, r.path) {
        ("POST", "/api/v1/vendors") => Some(json!({"name": "New vendor", "country": "DE", "vendor_codes": [code]})),
        ("PATCH", "/api/v1/vendors/{vendor_id}") => Some(json!({"name": "Renamed vendor"})),
        ("POST", "/api/v1/vendors/{vendor_id}/identifiers") => Some(json!({"kind": "payee_code", "value": code})),
        ("POST", "/api/v1/dcs") | ("PUT", "/api/v1/dcs/{dc_id}") => Some(json!({
            "code": format!("D{}", &uniq[27..]).to_uppercase(), "name": "Test DC",
            "address": {"line1": "1 Dock Rd", "city": "Reno", "region": "NV", "postal_code": "89501", "country": "US"},
            "time_zone": "America/Los_Angeles", "dock_doors": 8
        })),
        ("POST", "/api/v1/dcs/{dc_id}/dock-slots") => {
            let start = chrono::Utc::now() + chrono::Duration::days(400) + chrono::Duration::minutes(rand::random::<i64>() % 500_000);
            Some(json!({"starts_at": start, "ends_at": start + chrono::Duration::hours(1), "capacity": 2}))
        }
        ("POST", "/api/v1/users") => {
            Some(json!({"email": format!("{uniq}@invite.test"), "name": "Invited", "roles": ["read_only"], "vendor_id": own_vendor.0}))
        }
        ("PATCH", "/api/v1/users/{user_id}") => Some(json!({"name": "Renamed user"})),
        ("POST", "/api/v1/items") => Some(json!({
            "vendor_id": own_vendor.0, "vendor_sku": format!("S{}", &uniq[20..]), "gtin": acorn_testkit::gtin_for(&own.gs1_prefix),
            "title": "Walk item", "case_pack": 6, "list_price": "9.99", "unit_cost": "4.50", "currency": "USD"
        })),
        ("POST", "/api/v1/items/{item_id}/costs") => Some(json!({"unit_cost": "9.50", "effective_from": "2031-01-01"})),
        ("POST", "/api/v1/purchase-orders") => Some(json!({"vendor_code": own.code, "dc_code": "TST1",
            "ship_window": {"start": "2031-01-02", "end": "2031-01-09"}, "delivery_window": {"start": "2031-01-03", "end": "2031-01-12"},
            "lines": [{"vendor_sku": "WALK-1", "quantity": 5}]})),
        ("POST", "/api/v1/purchase-orders/{po_id}/changes") => Some(json!({"lines": [{"line_no": 1, "quantity": 4}], "reason": "walk"})),
        ("POST", "/api/v1/purchase-orders/{po_id}/cancel") => Some(json!({"reason": "walk"})),
        ("POST", "/api/v1/purchase-orders/{po_id}/acknowledgements") | ("POST", "/api/v1/purchase-orders/{po_id}/acknowledgements/preflight") => {
            Some(json!({"lines": [{"line_no": 1, "parts": [{"code": "Accepted", "quantity": 10}]}]}))
        }
        ("POST", "/api/v1/holidays") => Some(json!({"day": fresh_day(), "name": "Walk day"})),
        ("POST", "/api/v1/shipments") | ("PUT", "/api/v1/shipments/{shipment_id}") => Some(json!({
            "dc_code": "TST1", "ship_from_name": "Walk Works", "ship_from": {"line1": "1 Walk Rd", "city": "Reno", "postal_code": "89501", "country": "US"},
            "cartons": [{"items": [{"po_number": walk.po_number, "line_no": 1, "quantity": 1}]}]
        })),
        ("POST", "/api/v1/shipments/{shipment_id}/routing-request") => {
            Some(json!({"freight_ready_date": chrono::Utc::now().date_naive(), "pallets": 1, "weight_kg": 200, "volume_dm3": 900}))
        }
        ("POST", "/api/v1/shipments/{shipment_id}/carrier") => Some(json!({"carrier_scac": "ABFS", "arn": "ARN-WALK"})),
        ("POST", "/api/v1/shipments/{shipment_id}/appointment") => Some(json!({"slot_id": walk.slot_id})),
        ("POST", "/api/v1/shipments/{shipment_id}/cartons") => Some(json!({"sscc": "UNKNOWN-CARTON", "lines": [{"gtin": "00000000000000", "received": 1}]})),
        ("POST", "/api/v1/inbound-plans") => Some(json!({"items": [{"vendor_sku": "WALK-1", "quantity": 1}]})),
        ("POST", "/api/v1/returns") => Some(json!({"vendor_code": own.code, "item": "WALK-1", "dc_code": "TST1", "return_type": "overstock", "quantity": 2})),
        ("POST", "/api/v1/returns/{return_id}/answer") => Some(json!({
            "decision": "approve", "approved_quantity": 1, "vendor_rma": "RMA-WALK", "disposition": "ship_back", "return_address": "1 Walk Rd, Reno NV"
        })),
        ("PUT", "/api/v1/return-addresses") => Some(json!({"return_type": "overstock", "address": "1 Walk Rd, Reno NV"})),
        ("POST", "/api/v1/api-clients") => Some(json!({"name": "integration", "vendor_id": own_vendor.0})),
        ("PUT", "/api/v1/vendors/{vendor_id}/terms") => {
            Some(json!({"payment": {"net_days": 30}, "tolerance": {"absolute": "1.00", "percent": "1"}, "currency": "USD", "note": "walk"}))
        }
        ("POST", "/api/v1/credit-notes") => {
            Some(json!({"number": "WALK-CN", "invoice_number": "NOSUCHINVOICE", "lines": [{"po_line_no": 1, "quantity": 1, "unit_cost": ""}]}))
        }
        ("POST", "/api/v1/invoices") => {
            Some(json!({"number": format!("W-{}", &uniq[20..]), "po_number": "NOSUCHPO", "lines": [{"item": "WALK-1", "quantity": 1, "unit_cost": "1.00"}]}))
        }
        ("POST", "/api/v1/deductions/{deduction_id}/decision") => Some(json!({"outcome": "upheld", "reason": "The receipt stands"})),
        ("POST", "/api/v1/payment-runs") => Some(json!({"currency": "USD"})),
        ("PUT", "/api/v1/vendors/{vendor_id}/bank-accounts") => Some(json!({"payee_code": own.code, "account_holder": "Walk Works", "account_scheme": "local",
            "account_number": "000123456789", "bank_code": "026009593", "currency": "USD"})),
        ("POST", "/vendor/payments/v1/invoices") => Some(json!({"invoices": [{"invoiceType": "Invoice", "id": format!("W-{}", &uniq[20..]),
            "date": "2026-01-02T00:00:00Z", "remitToParty": {"partyId": own.code}, "invoiceTotal": {"currencyCode": "USD", "amount": "1.00"},
            "items": [{"itemSequenceNumber": 1, "vendorProductIdentifier": "WALK-1", "purchaseOrderNumber": "NOSUCHPO",
                "invoicedQuantity": {"amount": 1, "unitOfMeasure": "Eaches"}, "netCost": {"currencyCode": "USD", "amount": "1.00"}}]}]})),
        // A new interchange id each time: the previous one is released, none collides with another vendor's.
        ("PUT", "/api/v1/edi/partner") => {
            Some(json!({"standard": "x12", "partner_qualifier": "ZZ", "partner_id": format!("W{}", &uniq[20..32]).to_uppercase(),
            "our_qualifier": "ZZ", "our_id": "ACORNWALK"}))
        }
        ("PUT", "/api/v1/forecast/params/{item_id}") => Some(json!({"dc": "TST1", "lead_time_weeks": 3})),
        ("POST", "/api/v1/forecast/suggestions/{suggestion_id}/adjust") => Some(json!({"quantity": 36})),
        ("POST", "/api/v1/forecast/suggestions/{suggestion_id}/commitments") => {
            Some(json!({"quantity": 24, "available_on": (chrono::Utc::now().date_naive() + chrono::Days::new(5)).to_string()}))
        }
        ("POST", _) => Some(json!({})),
        _ => None,
    }
}

/// Status for a principal acting on an object of `owner` (`None`: own tenant / untenanted).
fn expected(r: &Route, who: &str, other_tenant: bool, missing: bool) -> u16 {
    let staff = ["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor"].contains(&who);
    // A document's area follows from its owner, known only once it is found: a missing document (or,
    // for a vendor, another vendor's) is 404 whatever the role.
    if r.obj == Obj::Finance(WalkObj::Document) && (missing || (other_tenant && !staff)) {
        return 404;
    }
    // Payment runs are the retailer's: a vendor that may read payments finds none (it reads its remittances).
    if r.obj == Obj::Finance(WalkObj::PaymentRun) && !staff && r.allowed.contains(&who) {
        return 404;
    }
    if !r.allowed.contains(&who) {
        return 403;
    }
    let retailer = ["admin", "category_manager", "vendor_manager", "ap_clerk", "receiver", "auditor"].contains(&who);
    if missing || (other_tenant && !retailer) {
        return 404;
    }
    r.ok
}

#[tokio::test]
async fn every_role_gets_what_the_policy_table_says_and_nothing_leaks() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let dc = app.dc("TST1").await;
    let ta = Tenant { id: a.id, canary: a.canary.clone(), user: app.user(a.id, &[Role::ReadOnly]).await.id, fx: a.clone() };
    let tb = Tenant { id: b.id, canary: b.canary.clone(), user: app.user(b.id, &[Role::ReadOnly]).await.id, fx: b.clone() };
    // The item every PO created by the walk orders.
    app.services
        .create_item(
            &Ctx::cli(),
            Some(a.id),
            acorn_service::items::NewItem {
                vendor_sku: "WALK-1".into(),
                gtin: acorn_testkit::gtin_for(&a.gs1_prefix),
                title: "Walk item".into(),
                case_pack: 1,
                list_price: "2.00".into(),
                unit_cost: "1.00".into(),
                currency: "USD".into(),
                cost_effective_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
            },
        )
        .await
        .unwrap();
    // An acknowledged PO with room for every ASN the walk submits, and the slot bookings use.
    let walk_po = app.acked_po(&a, &dc, 100_000, false).await;
    let mut walk = Walk { po_number: walk_po.po.number.clone(), slot_id: walk_slot(&app, &dc).await };
    let _ = (ta.user, tb.user);

    // One signed-in session per role (retailer roles on the retailer tenant, vendor roles on A),
    // plus an API client of A with every scope.
    let mut principals: Vec<(String, reqwest::Client, Option<String>)> = Vec::new();
    for role in Role::ALL {
        let tenant = if role.is_retailer() { TenantId::RETAILER } else { a.id };
        let u = app.user(tenant, &[*role]).await;
        principals.push((role.as_str().to_string(), app.login(&u).await, None));
    }
    principals.push(("client".into(), acorn_testkit::http(), Some(app.token(a.id, &[]).await)));

    let mut failures = Vec::new();
    let mut checked = 0;
    for r in TABLE {
        for (who, client, token) in &principals {
            let cases: Vec<(bool, bool)> = match r.obj {
                Obj::None => vec![(false, false)],
                Obj::Dc | Obj::Slot | Obj::Holiday | Obj::Finance(WalkObj::PaymentRun) => vec![(false, false), (false, true)],
                _ => vec![(false, false), (true, false), (false, true)],
            };
            for (other, missing) in cases {
                let target = if other { &tb } else { &ta };
                let id = if missing {
                    match r.obj {
                        Obj::Identifier => format!("{}/payee_code/NOPE", uuid::Uuid::now_v7()),
                        Obj::Holiday => "1901-01-01".to_string(),
                        _ => uuid::Uuid::now_v7().to_string(),
                    }
                } else {
                    make_object(&app, r.obj, target, &dc).await.unwrap_or_default()
                };
                let url = app.url(&fill(r.path, r.obj, &id));
                let method = Method::from_bytes(r.method.as_bytes()).unwrap();
                if r.path.ends_with("/appointment") && r.method == "POST" {
                    walk.slot_id = walk_slot(&app, &dc).await;
                }
                let (status, body_json) = call(client, method, &url, token.as_deref(), body(r, &a, &walk).as_ref()).await;
                checked += 1;
                let want = expected(r, who, other, missing);
                if status != want {
                    failures.push(format!("{} {} as {who} (other={other}, missing={missing}): got {status}, want {want}: {body_json}", r.method, r.path));
                }
                // Vendor-side principals must never see vendor B's canary.
                let retailer = Role::ALL.iter().any(|x| x.as_str() == who && x.is_retailer());
                if !retailer && body_json.to_string().contains(&tb.canary) {
                    failures.push(format!("{} {} as {who}: response leaks another vendor's canary", r.method, r.path));
                }
                // 404s look the same whether the object is missing or another tenant's.
                if status == 404 {
                    assert_eq!(body_json["code"], "not_found");
                    assert_eq!(body_json["message"], "no such resource");
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 500, "the table walk made only {checked} checks");
    let _ = ta.canary;
}
