//! People: the user list (retailer admins filter by vendor), the invitation form, and the user page
//! (rename, roles, disable / enable, reset MFA). Vendor admins manage their own vendor's users.

use super::forms::{self, Checked, FieldErrors, FormData};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::people::{Locale, User, UserStatus};
use acorn_domain::policy::{Access, Area, Role};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::users::NewUser;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Field ids of the user forms and their labels.
const LABELS: &[(&str, &str)] = &[("email", "user.email"), ("name", "user.name"), ("roles", "user.roles")];

/// The value of the vendor filter and picker that stands for the retailer's own staff.
const RETAILER: &str = "retailer";

fn role_options(roles: &[Role]) -> Vec<(&'static str, &'static str)> {
    roles.iter().map(|r| (r.as_str(), view::role_key(*r))).collect()
}

/// The tenant chosen in a vendor picker: "retailer", a vendor id, or nothing.
fn picked(v: &str) -> Option<TenantId> {
    match v.trim() {
        "" => None,
        RETAILER => Some(TenantId::RETAILER),
        id => id.parse().ok(),
    }
}

pub struct UserRow {
    id: String,
    name: String,
    email: String,
    org: String,
    roles: Vec<&'static str>,
    status: Badge,
    mfa: Badge,
    pending: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    t: T,
    shell: Shell,
    rows: Vec<UserRow>,
    next_href: String,
    first_href: String,
    can_invite: bool,
    invite_href: String,
    retailer_view: bool,
    vendors: Vec<(String, String)>,
    vendor: String,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    vendor: String,
    cursor: String,
    done: String,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let retailer_view = auth.user.is_retailer();
    let filter = if retailer_view { picked(&lq.vendor) } else { None };
    let cursor = Some(lq.cursor.as_str()).filter(|c| !c.is_empty());
    let page = match s.services.list_users(&ctx, filter, cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let vendors = if retailer_view { pages::vendor_names(&s, &ctx).await } else { Vec::new() };
    let names: HashMap<&str, &str> = vendors.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
    let rows = page
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.name.clone(),
            email: u.email.clone(),
            org: if u.tenant_id.is_retailer() {
                t.t("users.retailer_staff").to_string()
            } else {
                names.get(u.tenant_id.to_string().as_str()).map(|n| n.to_string()).unwrap_or_else(|| u.tenant_id.to_string())
            },
            roles: u.roles.iter().map(|r| view::role_key(*r)).collect(),
            status: view::user_status(u.status),
            mfa: view::mfa_badge(u.mfa_enrolled),
            pending: !u.has_password,
        })
        .collect();
    let vendor = if filter.is_some() { lq.vendor.trim().to_string() } else { String::new() };
    let next_href = page.next.as_deref().map(|n| format!("/users{}", forms::query(&[("vendor", &vendor), ("cursor", n)]))).unwrap_or_default();
    let first_href = if cursor.is_some() { format!("/users{}", forms::query(&[("vendor", &vendor)])) } else { String::new() };
    let list = ListPage {
        t,
        rows,
        next_href,
        first_href,
        can_invite: access(&auth, Area::VendorUsers) >= Access::Write,
        invite_href: format!("/users/new{}", forms::query(&[("vendor", &vendor)])),
        retailer_view,
        vendors,
        vendor,
        notice: view::notice_key(&lq.done),
        shell,
    };
    render(&list)
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    email: String,
    name: String,
    checked: Checked,
    retailer_roles: Vec<(&'static str, &'static str)>,
    vendor_roles: Vec<(&'static str, &'static str)>,
    retailer_view: bool,
    vendors: Vec<(String, String)>,
    vendor: String,
    locale: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    vendor: String,
}

/// The invitation form, filled from `f` (the submitted form, or the page's query string).
async fn new_view(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, errors: Errors, f: &FormData) -> NewPage {
    let retailer_view = auth.user.is_retailer();
    let vendors = if retailer_view { pages::vendor_names(s, &req.ctx(auth)).await } else { Vec::new() };
    let vendor = f.get("vendor").trim();
    let locale = f.get("locale");
    NewPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        email: f.get("email").to_string(),
        name: f.get("name").to_string(),
        checked: Checked::of(f.all("roles")),
        retailer_roles: if retailer_view { role_options(Role::RETAILER) } else { Vec::new() },
        vendor_roles: role_options(Role::VENDOR),
        retailer_view,
        vendors,
        vendor: if vendor.is_empty() { RETAILER.to_string() } else { vendor.to_string() },
        locale: if locale.is_empty() { Locale::En.as_str().to_string() } else { locale.to_string() },
    }
}

pub async fn new_page(State(s): State<AppState>, req: Req, Query(nq): Query<NewQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::VendorUsers) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let prefill = FormData::parse(forms::query(&[("vendor", nq.vendor.trim())]).trim_start_matches('?').as_bytes());
    render(&new_view(&s, &req, &auth, shell, t, Vec::new(), &prefill).await)
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/users/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (auth, f, t) = (&p.auth, &p.f, p.t);
    let mut errors = Errors::new();
    // The new user's tenant: a vendor's admin invites into their own vendor; retailer staff pick.
    let tenant = if auth.user.is_retailer() {
        match picked(f.get("vendor")) {
            Some(t) => t,
            None if f.get("vendor").trim().is_empty() => TenantId::RETAILER,
            None => {
                errors.push(("vendor".into(), t.t("users.vendor_invalid").into()));
                TenantId::RETAILER
            }
        }
    } else {
        auth.user.tenant_id
    };
    let mut roles = Vec::new();
    for r in f.all("roles") {
        match r.parse::<Role>() {
            Ok(r) => roles.push(r),
            Err(e) => errors.push(("roles".into(), e.to_string())),
        }
    }
    let result = if errors.is_empty() {
        let new =
            NewUser { tenant, email: f.get("email").into(), name: f.get("name").into(), roles, locale: Locale::parse(f.get("locale")).unwrap_or_default() };
        s.services.invite_user(&p.ctx(&req), new).await
    } else {
        Err(ServiceError::Invalid(Vec::new()))
    };
    match result {
        Ok(u) => p.once.done(&s, &format!("/users/{}?done=invited", u.id)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "email", async |more| {
                errors.extend(forms::labelled(t, more, LABELS));
                Ok(new_view(&s, &req, auth, p.shell, t, errors, f).await)
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    name: String,
    email: String,
    org: String,
    org_href: String,
    roles: Vec<&'static str>,
    status: Badge,
    active: bool,
    mfa: Badge,
    pending: bool,
    created: String,
    updated: String,
    can_manage: bool,
    is_self: bool,
    role_options: Vec<(&'static str, &'static str)>,
    checked: Checked,
    typed_name: String,
    audit_href: String,
    outbox: bool,
}

/// What the user page shows besides the user: errors and what was typed after a failed
/// submission, or the notice after a successful one.
#[derive(Default)]
struct Extra {
    errors: Errors,
    notice: &'static str,
    name: Option<String>,
    roles: Option<Vec<String>>,
}

async fn detail(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, u: User, extra: Extra) -> DetailPage {
    let (org, org_href) = if u.tenant_id.is_retailer() {
        (t.t("users.retailer_staff").to_string(), String::new())
    } else if auth.user.is_retailer() {
        match s.services.get_vendor(&req.ctx(auth), u.tenant_id).await {
            Ok(v) => (v.vendor.name, format!("/vendors/{}", u.tenant_id)),
            Err(_) => (u.tenant_id.to_string(), String::new()),
        }
    } else {
        (shell.org.clone(), format!("/vendors/{}", u.tenant_id))
    };
    let options = if u.tenant_id.is_retailer() { Role::RETAILER } else { Role::VENDOR };
    DetailPage {
        t,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        id: u.id.to_string(),
        name: u.name.clone(),
        email: u.email.clone(),
        org,
        org_href,
        roles: u.roles.iter().map(|r| view::role_key(*r)).collect(),
        status: view::user_status(u.status),
        active: u.status == UserStatus::Active,
        mfa: view::mfa_badge(u.mfa_enrolled),
        pending: !u.has_password,
        created: view::when(u.created_at),
        updated: view::when(u.updated_at),
        can_manage: access(auth, Area::VendorUsers) >= Access::Write,
        is_self: auth.user.id == u.id,
        role_options: role_options(options),
        checked: Checked(extra.roles.unwrap_or_else(|| u.roles.iter().map(|r| r.as_str().to_string()).collect())),
        typed_name: extra.name.unwrap_or_else(|| u.name.clone()),
        audit_href: if access(auth, Area::Audit) >= Access::Read { format!("/audit?object_type=user&object_id={}", u.id) } else { String::new() },
        outbox: access(auth, Area::VendorUsers) >= Access::Write,
        shell,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.trim()).ok()
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("user")) };
    match s.services.get_user(&req.ctx(&auth), id).await {
        Ok(u) => render(&detail(&s, &req, &auth, shell, t, u, Extra { notice: view::notice_key(&dq.done), ..Extra::default() }).await),
        Err(e) => server_error(t, e),
    }
}

/// The changes the user page offers.
#[derive(Clone, Copy)]
enum Change {
    Name,
    Roles,
    Status,
    ResetMfa,
}

async fn change(s: AppState, req: Req, id: String, body: Bytes, what: Change) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/users/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t, ctx) = (&p.f, p.t, p.ctx(&req));
    let mut typed = Extra::default();
    let (result, done, field) = match what {
        Change::Name => {
            typed.name = Some(f.get("name").to_string());
            (s.services.set_user_name(&ctx, id, f.get("name")).await, "saved", "name")
        }
        Change::Roles => {
            typed.roles = Some(f.all("roles").into_iter().map(str::to_string).collect());
            let roles: Result<Vec<Role>, _> = f.all("roles").into_iter().map(|r| r.parse::<Role>()).collect();
            match roles {
                Ok(roles) => (s.services.set_user_roles(&ctx, id, roles).await, "saved", "roles"),
                Err(e) => (Err(ServiceError::invalid("roles", e.to_string())), "", "roles"),
            }
        }
        Change::Status => {
            let status = UserStatus::parse(f.get("status")).unwrap_or(UserStatus::Active);
            let done = if status == UserStatus::Disabled { "disabled" } else { "enabled" };
            (s.services.set_user_status(&ctx, id, status).await, done, "status")
        }
        Change::ResetMfa => (s.services.reset_user_mfa(&ctx, id).await, "mfa_reset", "mfa"),
    };
    match result {
        Ok(_) => p.once.done(&s, &format!("{}?done={done}", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, field, async |errors| {
                let u = s.services.get_user(&ctx, id).await?;
                let extra = Extra { errors: forms::labelled(t, errors, LABELS), ..typed };
                Ok(detail(&s, &req, &p.auth, p.shell, t, u, extra).await)
            })
            .await
        }
    }
}

pub async fn rename(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    change(s, req, id, body, Change::Name).await
}

pub async fn set_roles(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    change(s, req, id, body, Change::Roles).await
}

pub async fn set_status(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    change(s, req, id, body, Change::Status).await
}

pub async fn reset_mfa(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    change(s, req, id, body, Change::ResetMfa).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_picker_values() {
        assert_eq!(picked(""), None);
        assert_eq!(picked("retailer"), Some(TenantId::RETAILER));
        let v = TenantId::new_v7();
        assert_eq!(picked(&v.to_string()), Some(v));
        assert_eq!(picked("nonsense"), None);
    }
}
