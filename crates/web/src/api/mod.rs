//! The native JSON API under `/api/v1`, documented by an OpenAPI 3.1 document generated from these
//! handlers (`/api/openapi.json`), and the LWA-compatible token endpoint `/auth/o2/token`.

pub mod admin;
pub mod auth;
pub mod dto;
pub mod edi;
pub mod forecast;
pub mod forecast_view;
pub mod idempotency;
pub mod invoices;
pub mod ledger;
pub mod master;
pub mod orders;
pub mod payments;
pub mod replenishment;
pub mod returns;
pub mod shipments;
pub mod token;
pub mod vendor_invoices;

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "ACORN API", version = "1", description = "ACORN's native API. Errors share one body: {code, message, details[{field, issue}], request_id}. POST, PUT and PATCH require an Idempotency-Key header, except where a route dedupes on its content (the EDI intake)."),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        c.add_security_scheme("x-amz-access-token", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-amz-access-token"))));
    }
}

/// The API routes with their OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(admin::me))
        .routes(routes!(master::list_vendors, master::create_vendor))
        .routes(routes!(master::get_vendor, master::update_vendor))
        .routes(routes!(master::add_identifier))
        .routes(routes!(master::remove_identifier))
        .routes(routes!(master::list_dcs, master::create_dc))
        .routes(routes!(master::get_dc, master::update_dc))
        .routes(routes!(master::list_slots, master::create_slot))
        .routes(routes!(master::delete_slot))
        .routes(routes!(admin::list_users, admin::invite_user))
        .routes(routes!(admin::get_user, admin::update_user))
        .routes(routes!(admin::reset_user_mfa))
        .routes(routes!(admin::list_clients, admin::create_client))
        .routes(routes!(admin::disable_client))
        .routes(routes!(admin::audit_log))
        .routes(routes!(orders::list_items, orders::create_item))
        .routes(routes!(orders::get_item))
        .routes(routes!(orders::add_cost))
        .routes(routes!(orders::list_pos, orders::create_po))
        .routes(routes!(orders::upload_pos))
        .routes(routes!(orders::get_po))
        .routes(routes!(orders::change_po))
        .routes(routes!(orders::cancel_po))
        .routes(routes!(orders::list_acks, orders::acknowledge))
        .routes(routes!(orders::preflight))
        .routes(routes!(orders::upload_acks))
        .routes(routes!(orders::list_holidays, orders::add_holiday))
        .routes(routes!(orders::remove_holiday))
        .routes(routes!(orders::list_events))
        .routes(routes!(shipments::list_shipments, shipments::create_shipment))
        .routes(routes!(shipments::upload_shipment))
        .routes(routes!(shipments::get_shipment, shipments::replace_shipment))
        .routes(routes!(shipments::labels))
        .routes(routes!(shipments::request_routing))
        .routes(routes!(shipments::assign_carrier))
        .routes(routes!(shipments::open_routing))
        .routes(routes!(shipments::book_appointment, shipments::cancel_appointment))
        .routes(routes!(shipments::check_in))
        .routes(routes!(shipments::scan_carton))
        .routes(routes!(shipments::close_receipt))
        .routes(routes!(shipments::find_inbound))
        .routes(routes!(shipments::list_defects))
        .routes(routes!(shipments::po_defects))
        .routes(routes!(shipments::inbound_plan))
        .routes(routes!(returns::list_returns, returns::raise_return))
        .routes(routes!(returns::get_return))
        .routes(routes!(returns::answer_return))
        .routes(routes!(returns::complete_return))
        .routes(routes!(returns::cancel_return))
        .routes(routes!(returns::list_return_addresses, returns::put_return_address))
        .routes(routes!(invoices::get_terms, invoices::put_terms))
        .routes(routes!(invoices::invoice_template))
        .routes(routes!(invoices::list_invoices, invoices::submit_invoice))
        .routes(routes!(invoices::invoice_aging))
        .routes(routes!(invoices::upload_invoices))
        .routes(routes!(invoices::submit_credit_note))
        .routes(routes!(invoices::get_invoice))
        .routes(routes!(ledger::list_deductions))
        .routes(routes!(ledger::ledger_totals))
        .routes(routes!(ledger::get_deduction))
        .routes(routes!(ledger::evidence_pack))
        .routes(ledger::dispute_route())
        .routes(routes!(ledger::decide_dispute))
        .routes(routes!(ledger::download_document))
        .routes(routes!(payments::list_payment_runs, payments::run_payments))
        .routes(routes!(payments::get_payment_run))
        .routes(routes!(payments::bank_file))
        .routes(routes!(payments::list_remittances))
        .routes(routes!(payments::get_remittance))
        .routes(routes!(payments::remittance_csv_download))
        .routes(routes!(payments::get_bank_accounts, payments::put_bank_account))
        .routes(routes!(edi::get_partner, edi::put_partner))
        .routes(routes!(edi::list_interchanges))
        .routes(edi::receive_route())
        .routes(routes!(edi::get_interchange))
        .routes(routes!(edi::raw_interchange))
        .routes(routes!(edi::list_stock))
        .routes(routes!(forecast::list_sales, forecast::post_sales))
        .routes(routes!(forecast::get_params, forecast::put_params))
        .routes(routes!(replenishment::list_suggestions))
        .routes(routes!(replenishment::adjust_suggestion))
        .routes(routes!(replenishment::reject_suggestion))
        .routes(routes!(replenishment::approve_suggestions))
        .routes(routes!(replenishment::list_commitments, replenishment::commit))
        .routes(routes!(replenishment::propose_vmi))
        .routes(routes!(forecast_view::get_item_forecast))
        .routes(routes!(forecast_view::list_forecasts))
        .routes(routes!(vendor_invoices::submit_invoices))
        .routes(routes!(token::token))
        .split_for_parts()
}
