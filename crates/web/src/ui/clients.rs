//! API clients of vendors: the list with the create form and disable buttons. A new client's secret
//! and refresh token are shown once, on the page that answers the create form.

use super::forms::{self, Checked, FieldErrors, FormData};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Field ids of the create form and their labels.
const LABELS: &[(&str, &str)] = &[("name", "client.name"), ("scopes", "client.scopes"), ("vendor", "client.vendor")];

pub struct ClientRow {
    id: String,
    name: String,
    client_id: String,
    vendor: String,
    vendor_id: String,
    scopes: Vec<&'static str>,
    all_scopes: bool,
    created: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ListPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    rows: Vec<ClientRow>,
    can_create: bool,
    retailer_view: bool,
    vendors: Vec<(String, String)>,
    vendor: String,
    name: String,
    checked: Checked,
    scope_options: Vec<(&'static str, &'static str)>,
    next_href: String,
    first_href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
    cursor: Option<String>,
}

/// What the list page shows besides the clients: the create form as typed, its errors, and the page.
struct View<'a> {
    errors: Errors,
    f: &'a FormData,
    cursor: Option<&'a str>,
}

async fn list_view(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, view: View<'_>) -> Result<ListPage, ServiceError> {
    let View { errors, f, cursor } = view;
    let ctx = req.ctx(auth);
    let page = s.services.list_clients(&ctx, cursor, None).await?;
    let next_href = page.next.as_deref().map(|n| format!("/api-clients{}", forms::query(&[("cursor", n)]))).unwrap_or_default();
    let first_href = if cursor.is_some() { "/api-clients".to_string() } else { String::new() };
    let clients = page.items;
    let retailer_view = auth.user.is_retailer();
    let vendors = if retailer_view { pages::vendor_names(s, &ctx).await } else { Vec::new() };
    let names: HashMap<&str, &str> = vendors.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
    let rows = clients
        .iter()
        .map(|c| ClientRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            client_id: c.client_id.clone(),
            vendor: names.get(c.tenant_id.to_string().as_str()).map(|n| n.to_string()).unwrap_or_else(|| shell.org.clone()),
            vendor_id: c.tenant_id.to_string(),
            all_scopes: c.scopes.len() == Area::ALL.len(),
            scopes: c.scopes.iter().map(|a| view::area_key(*a)).collect(),
            created: view::when(c.created_at),
            active: c.disabled_at.is_none(),
        })
        .collect();
    Ok(ListPage {
        t,
        form_token: forms::new_token(),
        errors,
        notice: "",
        rows,
        can_create: access(auth, Area::Integrations) >= Access::Write,
        retailer_view,
        vendors,
        vendor: f.get("vendor").to_string(),
        name: f.get("name").to_string(),
        checked: Checked::of(f.all("scopes")),
        scope_options: Area::ALL.iter().map(|a| (a.as_str(), view::area_key(*a))).collect(),
        next_href,
        first_href,
        shell,
    })
}

pub async fn list(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match list_view(&s, &req, &auth, shell, t, View { errors: Vec::new(), f: &FormData::default(), cursor: dq.cursor.as_deref() }).await {
        Ok(mut p) => {
            p.notice = view::notice_key(&dq.done);
            render(&p)
        }
        Err(e) => server_error(t, e),
    }
}

#[derive(Template)]
#[template(path = "client_created.html")]
struct CreatedPage {
    t: T,
    shell: Shell,
    name: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/api-clients").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (auth, f, t) = (&p.auth, &p.f, p.t);
    let mut errors = Errors::new();
    // A client belongs to one vendor: a vendor's own, or the one retailer staff pick.
    let tenant = if auth.user.is_retailer() {
        match f.get("vendor").trim().parse::<TenantId>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(("vendor".into(), t.t("clients.vendor_required").into()));
                None
            }
        }
    } else {
        Some(auth.user.tenant_id)
    };
    let mut scopes = Vec::new();
    for a in f.all("scopes") {
        match a.parse::<Area>() {
            Ok(a) => scopes.push(a),
            Err(e) => errors.push(("scopes".into(), e.to_string())),
        }
    }
    let result = match tenant {
        Some(tenant) if errors.is_empty() => s.services.create_client(&p.ctx(&req), tenant, f.get("name"), scopes).await,
        _ => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(c) => {
            let page = CreatedPage {
                t,
                shell: p.shell,
                name: f.get("name").trim().to_string(),
                client_id: c.client_id,
                client_secret: c.client_secret,
                refresh_token: c.refresh_token,
            };
            let mut res = (StatusCode::CREATED, render(&page)).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            p.once.done_with(&s, "/api-clients?done=created", res).await
        }
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "name", async |more| {
                errors.extend(forms::labelled(t, forms::rename(more, "vendor_id", "vendor"), LABELS));
                list_view(&s, &req, auth, p.shell, t, View { errors, f, cursor: None }).await
            })
            .await
        }
    }
}

pub async fn disable(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/api-clients").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = p.ctx(&req);
    let id = Uuid::parse_str(id.trim()).ok();
    let result = match id {
        Some(id) => s.services.disable_client_id(&ctx, id).await,
        None => Err(ServiceError::NotFound("API client")),
    };
    match result {
        Ok(()) => p.once.done(&s, "/api-clients?done=disabled").await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}
