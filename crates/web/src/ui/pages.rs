//! The portal frame (top bar, navigation by role) and its pages, plus the shared page helpers.

use super::session::Req;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::auth::{SessionAuth, Stage};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Form errors: (field id, message).
pub type Errors = Vec<(String, String)>;

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// 303 See Other: redirect-after-POST.
pub fn redirect(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    res.headers_mut().insert(header::LOCATION, HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/")));
    res
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    t: T,
    csrf: String,
    back: String,
    title_key: &'static str,
    body_key: &'static str,
    detail: String,
    link: String,
    link_key: &'static str,
}

pub fn message(t: T, status: StatusCode, title_key: &'static str, body_key: &'static str, detail: &str, link: &str, link_key: &'static str) -> Response {
    let page = MessagePage { t, csrf: String::new(), back: "/".into(), title_key, body_key, detail: detail.into(), link: link.into(), link_key };
    (status, render(&page)).into_response()
}

pub fn server_error(t: T, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound(_) => message(t, StatusCode::NOT_FOUND, "error.not_found.title", "error.not_found.body", "", "/", "nav.dashboard"),
        ServiceError::Forbidden => message(t, StatusCode::FORBIDDEN, "error.forbidden.title", "error.forbidden.body", "", "/", "nav.dashboard"),
        e => {
            tracing::error!(error = %e, "page failed");
            let id = crate::request::current_request_id();
            message(t, StatusCode::INTERNAL_SERVER_ERROR, "error.server.title", "error.server.body", &id, "/", "nav.dashboard")
        }
    }
}

/// A navigation entry.
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
}

/// What the frame around every portal page shows.
pub struct Shell {
    pub org: String,
    pub user_name: String,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<NavItem>,
}

/// Navigation: only the areas that exist and the user's roles may use.
fn nav(auth: &SessionAuth, path: &str) -> Vec<NavItem> {
    let all: [(&'static str, &'static str, Option<Area>); 1] = [("/", "nav.dashboard", None)];
    all.into_iter()
        .filter(|(_, _, area)| area.is_none_or(|a| acorn_domain::policy::best_access(&auth.user.roles, a) >= Access::Read))
        .map(|(href, key, _)| NavItem { href, key, current: href == path })
        .collect()
}

/// The fully signed-in session of a portal page, or the redirect to sign in / finish MFA.
pub async fn portal(s: &AppState, req: &Req) -> Result<(SessionAuth, Shell, T), Response> {
    let t0 = T::new(req.locale());
    let auth = match req.session(s).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(redirect("/login")),
        Err(e) => return Err(server_error(t0, e)),
    };
    if auth.stage != Stage::Full {
        return Err(redirect("/mfa"));
    }
    let t = T::new(auth.user.locale);
    let org = if auth.user.is_retailer() {
        t.t("org.retailer").to_string()
    } else {
        match s.services.get_vendor(&req.ctx(&auth), auth.user.tenant_id).await {
            Ok(v) => v.vendor.name,
            Err(_) => String::new(),
        }
    };
    let shell = Shell { org, user_name: auth.user.name.clone(), csrf: auth.session.csrf_token.clone(), path: req.path.clone(), nav: nav(&auth, &req.path) };
    Ok((auth, shell, t))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: T,
    shell: Shell,
    welcome: String,
    roles: Vec<&'static str>,
    /// (area, can write)
    access: Vec<(&'static str, bool)>,
}

pub async fn dashboard(State(s): State<AppState>, req: Req) -> Response {
    let (auth, shell, t) = match portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let access = Area::ALL
        .iter()
        .filter_map(|a| match acorn_domain::policy::best_access(&auth.user.roles, *a) {
            Access::None => None,
            Access::Read => Some((a.as_str(), false)),
            Access::Write => Some((a.as_str(), true)),
        })
        .collect();
    let page = DashboardPage {
        t,
        welcome: t.t("dash.welcome").replace("{name}", &auth.user.name),
        roles: auth.user.roles.iter().map(|r| r.as_str()).collect(),
        access,
        shell,
    };
    render(&page)
}
