//! The server-rendered portal: sign-in (password, MFA enrolment and challenge, recovery codes,
//! set-up and reset links), the portal frame with navigation by role, and the pages of each area.
//! Plain forms with redirect-after-POST; every POST carries a CSRF token.

pub mod account;
pub mod audit;
pub mod clients;
pub mod dcs;
pub mod docs;
pub mod forms;
pub mod outbox;
pub mod pages;
pub mod session;
pub mod users;
pub mod vendors;
pub mod view;

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// The portal's routes (API docs page excluded; it is served with the spec).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/locale", post(session::set_locale))
        .route("/mfa", get(session::mfa_page))
        .route("/mfa/enrol", post(session::mfa_enrol))
        .route("/mfa/verify", post(session::mfa_verify))
        .route("/mfa/recover", post(session::mfa_recover))
        .route("/password/forgot", get(session::forgot_page).post(session::forgot))
        .route("/password/reset/{token}", get(session::reset_page).post(session::reset))
        .route("/setup/{token}", get(session::setup_page).post(session::setup))
        .route("/vendors", get(vendors::list).post(vendors::create))
        .route("/vendors.csv", get(vendors::csv))
        .route("/vendors/new", get(vendors::new_page))
        .route("/vendors/{id}", get(vendors::show).post(vendors::update))
        .route("/vendors/{id}/identifiers", post(vendors::add_identifier))
        .route("/vendors/{id}/identifiers/remove", post(vendors::remove_identifier))
        .route("/dcs", get(dcs::list).post(dcs::create))
        .route("/dcs/new", get(dcs::new_page))
        .route("/dcs/{id}", get(dcs::show).post(dcs::update))
        .route("/dcs/{id}/slots", post(dcs::add_slot))
        .route("/dcs/{id}/slots/{slot}/delete", post(dcs::delete_slot))
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new_page))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/name", post(users::rename))
        .route("/users/{id}/roles", post(users::set_roles))
        .route("/users/{id}/status", post(users::set_status))
        .route("/users/{id}/reset-mfa", post(users::reset_mfa))
        .route("/api-clients", get(clients::list).post(clients::create))
        .route("/api-clients/{id}/disable", post(clients::disable))
        .route("/account/sessions", get(account::sessions))
        .route("/account/sessions/end", post(account::end_one))
        .route("/account/sessions/end-others", post(account::end_others))
        .route("/account/security", get(account::security))
        .route("/account/password", post(account::change_password))
        .route("/audit", get(audit::page))
        .route("/outbox", get(outbox::list))
        .route("/outbox/{id}", get(outbox::show))
        .route("/assets/acorn.css", get(css))
        .route("/assets/acorn.js", get(js))
}

const CSS: &str = include_str!("../../assets/acorn.css");
const JS: &str = include_str!("../../assets/acorn.js");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], JS)
}
