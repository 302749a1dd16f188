//! The portal frame (top bar, navigation by role) and its pages, plus the shared page helpers.

use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::auth::{SessionAuth, Stage};
use acorn_service::notify::UNREAD_CAP;
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
        // A newer submission of the same form took over while this one ran; that one wins.
        ServiceError::Conflict { code: "idempotency_key_in_use", .. } => {
            message(t, StatusCode::CONFLICT, "form.inflight.title", "form.inflight.body", "", "/", "nav.dashboard")
        }
        e => {
            tracing::error!(error = %e, "page failed");
            let id = crate::request::current_request_id();
            message(t, StatusCode::INTERNAL_SERVER_ERROR, "error.server.title", "error.server.body", &id, "/", "nav.dashboard")
        }
    }
}

/// A navigation entry.
pub struct NavItem {
    pub href: String,
    pub key: &'static str,
    /// What the area is for (the dashboard card's text).
    pub desc: &'static str,
    pub current: bool,
}

/// What the frame around every portal page shows.
pub struct Shell {
    pub org: String,
    pub user_name: String,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<NavItem>,
    /// Unread notifications (capped: the top bar shows "99+" from [`UNREAD_CAP`]).
    pub bell: u64,
}

impl Shell {
    /// The bell's count as the top bar shows it.
    pub fn bell_count(&self) -> String {
        if self.bell >= UNREAD_CAP { format!("{}+", UNREAD_CAP - 1) } else { self.bell.to_string() }
    }

    /// `aria-current` for a link of the user menu.
    pub fn here(&self, href: &str) -> bool {
        self.path == href
    }
}

/// What the user's roles allow in an area: decides which links and forms a page offers. The use
/// cases decide again, and alone, whether an action may happen.
pub fn access(auth: &SessionAuth, area: Area) -> Access {
    acorn_domain::policy::best_access(&auth.user.roles, area)
}

/// Navigation: only the pages that exist and the user's roles may use.
pub(crate) fn nav(auth: &SessionAuth, path: &str) -> Vec<NavItem> {
    let mut items: Vec<(String, &'static str, &'static str)> = vec![("/".into(), "nav.dashboard", "")];
    if access(auth, Area::PurchaseOrders) >= Access::Read {
        items.push(("/orders".into(), "nav.orders", "dash.card.orders"));
    }
    if access(auth, Area::Acknowledgements) >= Access::Read {
        items.push(("/shipments".into(), "nav.shipments", "dash.card.shipments"));
    }
    if super::inbound::allowed(auth) {
        items.push(("/inbound".into(), "nav.inbound", "dash.card.inbound"));
    }
    if auth.user.is_retailer() && access(auth, Area::Routing) >= Access::Read {
        items.push(("/routing".into(), "nav.routing", "dash.card.routing"));
    }
    if access(auth, Area::Receiving) >= Access::Write {
        items.push(("/receiving".into(), "nav.receiving", "dash.card.receiving"));
    }
    if access(auth, Area::PurchaseOrders) >= Access::Read {
        items.push(("/defects".into(), "nav.defects", "dash.card.defects"));
    }
    if access(auth, Area::Invoices) >= Access::Read {
        items.push(("/invoices".into(), "nav.invoices", "dash.card.invoices"));
    }
    if access(auth, Area::Payments) >= Access::Read {
        // Staff run payments; a vendor's people read their remittances.
        if auth.user.is_retailer() {
            items.push(("/payments".into(), "nav.payments", "dash.card.payments"));
        } else {
            items.push(("/remittances".into(), "nav.remittances", "dash.card.remittances"));
        }
    }
    if access(auth, Area::Deductions) >= Access::Read {
        items.push(("/deductions".into(), "nav.deductions", "dash.card.deductions"));
    }
    if access(auth, Area::Returns) >= Access::Read {
        items.push(("/returns".into(), "nav.returns", "dash.card.returns"));
    }
    if access(auth, Area::Items) >= Access::Read {
        items.push(("/items".into(), "nav.items", "dash.card.items"));
        // What vendors report in stock by EDI 846, beside the catalogue it is about.
        items.push(("/stock".into(), "nav.stock", "dash.card.stock"));
    }
    if super::forecast::can_read(auth) {
        // Weekly sales history per item × DC, what forecasts are made from.
        items.push(("/sales".into(), "nav.sales", "dash.card.sales"));
        // What the sales become: the forecasts per item × DC, and the orders suggested from them.
        items.push(("/forecasts".into(), "nav.forecasts", "dash.card.forecasts"));
        items.push(("/replenishment".into(), "nav.replenishment", "dash.card.replenishment"));
    }
    if access(auth, Area::Vendors) >= Access::Read {
        // A vendor's people have one vendor: their own.
        let href = if auth.user.is_retailer() { "/vendors".to_string() } else { format!("/vendors/{}", auth.user.tenant_id) };
        let key = if auth.user.is_retailer() { "nav.vendors" } else { "nav.my_vendor" };
        items.push((href, key, "dash.card.vendors"));
    }
    if !auth.user.is_retailer() && access(auth, Area::Terms) >= Access::Read {
        // Staff open a vendor's terms from its page.
        items.push(("/terms".into(), "nav.terms", "dash.card.terms"));
    }
    if access(auth, Area::Facilities) >= Access::Read {
        items.push(("/dcs".into(), "nav.dcs", "dash.card.dcs"));
    }
    if super::holidays::allowed(auth) {
        items.push(("/holidays".into(), "nav.holidays", "dash.card.holidays"));
    }
    if access(auth, Area::VendorUsers) >= Access::Read {
        items.push(("/users".into(), "nav.users", "dash.card.users"));
    }
    if access(auth, Area::Integrations) >= Access::Read {
        items.push(("/api-clients".into(), "nav.clients", "dash.card.clients"));
        // The EDI log, with the trading-partner settings and the upload under it.
        items.push(("/edi".into(), "nav.edi", "dash.card.edi"));
    }
    if access(auth, Area::Audit) >= Access::Read {
        items.push(("/audit".into(), "nav.audit", "dash.card.audit"));
    }
    if access(auth, Area::VendorUsers) >= Access::Write {
        items.push(("/outbox".into(), "nav.outbox", "dash.card.outbox"));
    }
    items
        .into_iter()
        .map(|(href, key, desc)| {
            let current = if href == "/" { path == "/" } else { path == href || path.starts_with(&format!("{href}/")) };
            NavItem { href, key, desc, current }
        })
        .collect()
}

/// Vendors (id, name) sorted by name, for vendor pickers and for naming tenants in lists: one query,
/// for retailer staff. Empty when the list cannot be read (the page then shows ids).
pub async fn vendor_names(s: &AppState, ctx: &acorn_service::Ctx) -> Vec<(String, String)> {
    match s.services.list_vendors(ctx, None, None, Some(500)).await {
        Ok(p) => {
            let mut v: Vec<(String, String)> = p.items.into_iter().map(|v| (v.id.to_string(), v.name)).collect();
            v.sort_by_key(|(_, name)| name.to_lowercase());
            v
        }
        Err(_) => Vec::new(),
    }
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
    // The bell's unread count: the one read every page adds.
    let bell = s.services.unread_count(&req.ctx(&auth)).await.unwrap_or(0);
    let shell =
        Shell { org, user_name: auth.user.name.clone(), csrf: auth.session.csrf_token.clone(), path: req.path.clone(), nav: nav(&auth, &req.path), bell };
    Ok((auth, shell, t))
}

/// [`portal`] for a page only some may open: anyone else gets the forbidden page.
pub async fn portal_for(s: &AppState, req: &Req, allowed: impl FnOnce(&SessionAuth) -> bool) -> Result<(SessionAuth, Shell, T), Response> {
    let (auth, shell, t) = portal(s, req).await?;
    if !allowed(&auth) {
        return Err(server_error(t, ServiceError::Forbidden));
    }
    Ok((auth, shell, t))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: T,
    shell: Shell,
    welcome: String,
    roles: Vec<&'static str>,
    /// (area name, its catalogue key, can write)
    access: Vec<(&'static str, &'static str, bool)>,
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
            Access::Read => Some((a.as_str(), view::area_key(*a), false)),
            Access::Write => Some((a.as_str(), view::area_key(*a), true)),
        })
        .collect();
    let page = DashboardPage {
        t,
        welcome: t.t("dash.welcome").replace("{name}", &auth.user.name),
        roles: auth.user.roles.iter().map(|r| view::role_key(*r)).collect(),
        access,
        shell,
    };
    render(&page)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use acorn_domain::ids::TenantId;
    use acorn_domain::people::{Locale, Session, User, UserStatus};
    use acorn_domain::policy::Role;
    use chrono::Utc;

    /// A fully signed-in session of a user with `roles` in `tenant`.
    pub(crate) fn signed_in(roles: &[Role], tenant: TenantId) -> SessionAuth {
        let t = Utc::now();
        let user = User {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            email: "someone@example.com".into(),
            name: "Some One".into(),
            roles: roles.to_vec(),
            locale: Locale::En,
            status: UserStatus::Active,
            has_password: true,
            mfa_enrolled: true,
            created_at: t,
            updated_at: t,
        };
        let session = Session {
            id_hash: "h".into(),
            user_id: user.id,
            csrf_token: "c".repeat(32),
            created_at: t,
            last_seen_at: t,
            expires_at: t,
            mfa_at: Some(t),
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            revoked_at: None,
        };
        SessionAuth { session, user, stage: Stage::Full }
    }

    fn hrefs(roles: &[Role], tenant: TenantId, path: &str) -> Vec<String> {
        nav(&signed_in(roles, tenant), path).into_iter().map(|n| n.href).collect()
    }

    #[test]
    fn navigation_follows_the_roles() {
        let r = TenantId::RETAILER;
        assert_eq!(
            hrefs(&[Role::Admin], r, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/routing",
                "/receiving",
                "/defects",
                "/invoices",
                "/payments",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                "/vendors",
                "/dcs",
                "/holidays",
                "/users",
                "/api-clients",
                "/edi",
                "/audit",
                "/outbox"
            ]
        );
        assert_eq!(
            hrefs(&[Role::Auditor], r, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/routing",
                "/defects",
                "/invoices",
                "/payments",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                "/vendors",
                "/dcs",
                "/holidays",
                "/users",
                "/api-clients",
                "/edi",
                "/audit"
            ]
        );
        assert_eq!(
            hrefs(&[Role::Receiver], r, "/"),
            ["/", "/orders", "/shipments", "/routing", "/receiving", "/defects", "/returns", "/items", "/stock", "/dcs", "/holidays"]
        );
        assert_eq!(
            hrefs(&[Role::CategoryManager], r, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/routing",
                "/defects",
                "/invoices",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                "/vendors",
                "/dcs",
                "/holidays",
                "/audit"
            ]
        );
        let v = TenantId::new_v7();
        let own = format!("/vendors/{v}");
        assert_eq!(
            hrefs(&[Role::VendorAdmin], v, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/inbound",
                "/defects",
                "/invoices",
                "/remittances",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                own.as_str(),
                "/terms",
                "/dcs",
                "/users",
                "/api-clients",
                "/edi",
                "/audit",
                "/outbox"
            ]
        );
        assert_eq!(
            hrefs(&[Role::Operations], v, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/inbound",
                "/defects",
                "/invoices",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                own.as_str(),
                "/terms",
                "/dcs"
            ]
        );
        // Finance reads acknowledgements (and so plans inbound stock) but has no routing.
        assert_eq!(
            hrefs(&[Role::Finance], v, "/"),
            [
                "/",
                "/orders",
                "/shipments",
                "/inbound",
                "/defects",
                "/invoices",
                "/remittances",
                "/deductions",
                "/returns",
                "/items",
                "/stock",
                "/sales",
                "/forecasts",
                "/replenishment",
                own.as_str(),
                "/terms",
                "/dcs"
            ]
        );
        // Marketing reads the catalogue but not purchase orders.
        assert_eq!(hrefs(&[Role::Marketing], v, "/"), ["/", "/items", "/stock", "/sales", "/forecasts", "/replenishment", own.as_str(), "/terms", "/dcs"]);
        assert_eq!(hrefs(&[], v, "/"), ["/"]);
    }

    #[test]
    fn the_current_section_is_marked() {
        let auth = signed_in(&[Role::Admin], TenantId::RETAILER);
        let current = |path: &str| nav(&auth, path).into_iter().filter(|n| n.current).map(|n| n.href).collect::<Vec<_>>();
        assert_eq!(current("/"), ["/"]);
        assert_eq!(current("/vendors/123"), ["/vendors"]);
        assert_eq!(current("/dcs"), ["/dcs"]);
        assert_eq!(current("/orders/123/ack"), ["/orders"]);
        assert_eq!(current("/items/new"), ["/items"]);
        assert_eq!(current("/shipments/123/replace"), ["/shipments"]);
        assert_eq!(current("/receiving/123"), ["/receiving"]);
        assert_eq!(current("/holidays"), ["/holidays"]);
        assert_eq!(current("/returns/addresses"), ["/returns"]);
        assert_eq!(current("/invoices/123"), ["/invoices"]);
        assert_eq!(current("/deductions/123"), ["/deductions"]);
        assert_eq!(current("/payments/123"), ["/payments"]);
        assert_eq!(current("/edi/partner"), ["/edi"]);
        assert_eq!(current("/stock"), ["/stock"]);
        assert_eq!(current("/sales/upload"), ["/sales"]);
        assert_eq!(current("/forecasts"), ["/forecasts"]);
        assert!(current("/forecasts.csv").is_empty());
        assert_eq!(current("/replenishment"), ["/replenishment"]);
        assert!(current("/edi.csv").is_empty());
        assert!(current("/invoices.csv").is_empty());
        assert!(current("/vendorsx").is_empty());
    }
}
