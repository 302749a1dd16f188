//! The server-rendered portal: sign-in (password, MFA enrolment and challenge, recovery codes,
//! set-up and reset links), the portal frame with navigation by role, and the pages of each area.
//! Plain forms with redirect-after-POST; every POST carries a CSRF token.

pub mod docs;
pub mod pages;
pub mod session;

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
