//! The server-rendered portal: sign-in (password, MFA enrolment and challenge, recovery codes,
//! set-up and reset links), the portal frame with navigation by role, and the pages of each area.
//! Plain forms with redirect-after-POST; every POST carries a CSRF token.

pub mod account;
pub mod audit;
pub mod bell;
pub mod clients;
pub mod dcs;
pub mod deductions;
pub mod defects;
pub mod docs;
pub mod edi;
pub mod forecast;
pub mod forecast_view;
pub mod forms;
pub mod holidays;
pub mod inbound;
pub mod invoices;
pub mod items;
pub mod lists;
pub mod orders;
pub mod outbox;
pub mod pages;
pub mod payments;
pub mod receiving;
pub mod replenishment;
pub mod returns;
pub mod session;
pub mod shipments;
pub mod terms;
pub mod upload;
pub mod users;
pub mod vendors;
pub mod view;

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// Builds the router and [`ROUTES`] from one list, so the route table the tests walk is exactly
/// the router's.
macro_rules! portal_routes {
    ($($path:literal => $m0:ident($h0:path) $(.$m:ident($h:path))* ;)*) => {
        /// Every portal route with its methods, in the order they are registered.
        pub const ROUTES: &[(&str, &[&str])] = &[$(($path, &[stringify!($m0) $(, stringify!($m))*])),*];

        /// The portal's routes (the API docs page is served with the spec).
        pub fn router() -> Router<AppState> {
            Router::new()$(.route($path, $m0($h0)$(.$m($h))*))*
        }
    };
}

portal_routes! {
    "/" => get(pages::dashboard);
    "/login" => get(session::login_page).post(session::login);
    "/logout" => post(session::logout);
    "/locale" => post(session::set_locale);
    "/mfa" => get(session::mfa_page);
    "/mfa/enrol" => post(session::mfa_enrol);
    "/mfa/verify" => post(session::mfa_verify);
    "/mfa/recover" => post(session::mfa_recover);
    "/password/forgot" => get(session::forgot_page).post(session::forgot);
    "/password/reset/{token}" => get(session::reset_page).post(session::reset);
    "/setup/{token}" => get(session::setup_page).post(session::setup);
    "/vendors" => get(vendors::list).post(vendors::create);
    "/vendors.csv" => get(vendors::csv);
    "/vendors/new" => get(vendors::new_page);
    "/vendors/{id}" => get(vendors::show).post(vendors::update);
    "/vendors/{id}/identifiers" => post(vendors::add_identifier);
    "/vendors/{id}/identifiers/remove" => post(vendors::remove_identifier);
    "/dcs" => get(dcs::list).post(dcs::create);
    "/dcs/new" => get(dcs::new_page);
    "/dcs/{id}" => get(dcs::show).post(dcs::update);
    "/dcs/{id}/slots" => post(dcs::add_slot);
    "/dcs/{id}/slots/{slot}/delete" => post(dcs::delete_slot);
    "/holidays" => get(holidays::list).post(holidays::add);
    "/holidays/remove" => post(holidays::remove);
    "/users" => get(users::list).post(users::create);
    "/users/new" => get(users::new_page);
    "/users/{id}" => get(users::show);
    "/users/{id}/name" => post(users::rename);
    "/users/{id}/roles" => post(users::set_roles);
    "/users/{id}/status" => post(users::set_status);
    "/users/{id}/reset-mfa" => post(users::reset_mfa);
    "/api-clients" => get(clients::list).post(clients::create);
    "/api-clients/{id}/disable" => post(clients::disable);
    "/account/sessions" => get(account::sessions);
    "/account/sessions/end" => post(account::end_one);
    "/account/sessions/end-others" => post(account::end_others);
    "/account/security" => get(account::security);
    "/account/password" => post(account::change_password);
    "/items" => get(items::list).post(items::create);
    "/items.csv" => get(items::csv);
    "/items/new" => get(items::new_page);
    "/items/{id}" => get(items::show);
    "/items/{id}/costs" => post(items::add_cost);
    "/orders" => get(orders::list).post(orders::create);
    "/orders.csv" => get(orders::csv);
    "/orders/new" => get(orders::new_page);
    "/orders/upload" => get(orders::po_upload_page_get).post(orders::po_upload);
    "/orders/template.csv" => get(orders::po_template);
    "/orders/ack-upload" => get(orders::ack_upload_page_get).post(orders::ack_upload);
    "/orders/ack-template.csv" => get(orders::ack_template);
    "/orders/{id}" => get(orders::show);
    "/orders/{id}/change" => post(orders::change);
    "/orders/{id}/cancel" => post(orders::cancel);
    "/orders/{id}/ack" => get(orders::ack_form).post(orders::acknowledge);
    "/shipments" => get(shipments::list).post(shipments::create);
    "/shipments.csv" => get(shipments::csv);
    "/shipments/new" => get(shipments::new_page);
    "/shipments/upload" => get(shipments::upload_page_get).post(shipments::upload);
    "/shipments/template.csv" => get(shipments::template);
    "/shipments/{id}" => get(shipments::show);
    "/shipments/{id}/replace" => get(shipments::replace_page).post(shipments::replace);
    "/shipments/{id}/labels" => get(shipments::labels_html);
    "/shipments/{id}/labels.pdf" => get(shipments::labels_pdf);
    "/shipments/{id}/routing" => post(shipments::request_routing);
    "/shipments/{id}/carrier" => post(shipments::assign_carrier);
    "/shipments/{id}/appointment" => post(shipments::book);
    "/shipments/{id}/appointment/cancel" => post(shipments::cancel_appointment);
    "/inbound" => get(inbound::page);
    "/routing" => get(shipments::routing_desk);
    "/routing/{id}" => post(shipments::desk_assign);
    "/receiving" => get(receiving::find);
    "/receiving/{id}" => get(receiving::show);
    "/receiving/{id}/check-in" => post(receiving::check_in);
    "/receiving/{id}/cartons" => post(receiving::record);
    "/receiving/{id}/unknown" => post(receiving::record_unknown);
    "/receiving/{id}/close" => post(receiving::close);
    "/defects" => get(defects::page);
    "/returns" => get(returns::list).post(returns::create);
    "/returns.csv" => get(returns::csv);
    "/returns/new" => get(returns::new_page);
    "/returns/addresses" => get(returns::addresses).post(returns::save_address);
    "/returns/{id}" => get(returns::show);
    "/returns/{id}/answer" => post(returns::answer);
    "/returns/{id}/complete" => post(returns::complete);
    "/returns/{id}/cancel" => post(returns::cancel);
    "/defects.csv" => get(defects::csv);
    "/notifications" => get(bell::page);
    "/notifications/read" => post(bell::mark_read);
    "/audit" => get(audit::page);
    "/outbox" => get(outbox::list);
    "/outbox/{id}" => get(outbox::show);
    "/invoices" => get(invoices::list);
    "/invoices.csv" => get(invoices::csv);
    "/invoices/{id}" => get(invoices::show);
    "/invoices/{id}/credit" => get(invoices::credit_form).post(invoices::credit);
    "/orders/{id}/invoice" => get(invoices::flip_form).post(invoices::submit);
    "/deductions" => get(deductions::list);
    "/deductions.csv" => get(deductions::csv);
    "/deductions/{id}" => get(deductions::show);
    "/deductions/{id}/dispute" => post(deductions::dispute);
    "/deductions/{id}/decide" => post(deductions::decide);
    "/documents/{id}" => get(deductions::document);
    "/payments" => get(payments::runs).post(payments::run);
    "/payments/{id}" => get(payments::show_run);
    "/payments/{id}/pain001.xml" => get(payments::pain001);
    "/payments/{id}/bank.csv" => get(payments::bank_csv);
    "/remittances" => get(payments::remittances);
    "/remittances/{id}" => get(payments::remittance);
    "/bank-accounts" => get(payments::bank_accounts).post(payments::set_bank_account);
    "/terms" => get(terms::own);
    "/edi" => get(edi::log);
    "/edi.csv" => get(edi::log_csv);
    "/edi/upload" => get(edi::upload_page_get).post(edi::upload);
    "/edi/partner" => get(edi::partner).post(edi::save_partner);
    "/edi/{id}" => get(edi::show);
    "/edi/{id}/raw" => get(edi::raw);
    "/stock" => get(edi::stock);
    "/stock.csv" => get(edi::stock_csv);
    "/sales" => get(forecast::sales);
    "/sales.csv" => get(forecast::sales_csv);
    "/sales/upload" => get(forecast::upload_page).post(forecast::upload_post);
    "/sales/template.csv" => get(forecast::template);
    "/items/{id}/planning" => get(forecast::planning).post(forecast::save_planning);
    "/replenishment" => get(replenishment::page);
    "/replenishment/approve" => post(replenishment::approve);
    "/replenishment/vmi" => post(replenishment::propose);
    "/replenishment/{id}/adjust" => post(replenishment::adjust);
    "/replenishment/{id}/reject" => post(replenishment::reject);
    "/replenishment/{id}/commit" => post(replenishment::commit);
    "/forecasts" => get(forecast_view::list);
    "/forecasts.csv" => get(forecast_view::csv);
    "/items/{id}/forecast" => get(forecast_view::item);
    "/vendors/{id}/terms" => get(terms::show).post(terms::add);
    "/assets/acorn.css" => get(css);
    "/assets/acorn.js" => get(js);
    "/assets/labels.css" => get(shipments::labels_css);
}

const CSS: &str = include_str!("../../assets/acorn.css");
const JS: &str = include_str!("../../assets/acorn.js");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], JS)
}
