//! Vendors: the list (search, paging, CSV export), the new-vendor form, and the vendor page with its
//! identifiers (vendor codes, payee codes, GS1 company prefixes) and the edit form.

use super::forms::{self, FieldErrors, Post};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::master::{VendorDetail, VendorIdentifierKind, VendorStatus};
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::vendors::{NewVendor, VendorPatch};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    cursor: String,
    done: String,
}

pub struct VendorRow {
    id: String,
    name: String,
    country: String,
    status: Badge,
    created: String,
    created_iso: String,
}

#[derive(Template)]
#[template(path = "vendors.html")]
struct ListPage {
    t: T,
    shell: Shell,
    q: String,
    rows: Vec<VendorRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    can_create: bool,
    notice: &'static str,
}

fn parse_tenant(id: &str) -> Option<TenantId> {
    id.parse::<TenantId>().ok()
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let search = lq.q.trim();
    let cursor = Some(lq.cursor.as_str()).filter(|c| !c.is_empty());
    let page = match s.services.list_vendors(&ctx, Some(search).filter(|q| !q.is_empty()), cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let rows = page
        .items
        .iter()
        .map(|v| VendorRow {
            id: v.id.to_string(),
            name: v.name.clone(),
            country: v.country.clone(),
            status: view::vendor_status(v.status),
            created: view::when(v.created_at),
            created_iso: view::iso(v.created_at),
        })
        .collect();
    let next_href = page.next.as_deref().map(|n| format!("/vendors{}", forms::query(&[("q", search), ("cursor", n)]))).unwrap_or_default();
    let first_href = if cursor.is_some() { format!("/vendors{}", forms::query(&[("q", search)])) } else { String::new() };
    let list = ListPage {
        t,
        q: search.to_string(),
        rows,
        next_href,
        first_href,
        csv_href: format!("/vendors.csv{}", forms::query(&[("q", search)])),
        can_create: access(&auth, Area::Vendors) >= Access::Write,
        notice: view::notice_key(&lq.done),
        shell,
    };
    render(&list)
}

/// A CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// Every vendor of the current search as CSV.
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let search = lq.q.trim();
    let mut out = String::from("id,name,country,status,created_at\r\n");
    let mut cursor: Option<String> = None;
    // At most 200 pages of 500: the export of a very large list stops at 100,000 rows.
    for _ in 0..200 {
        let page = match s.services.list_vendors(&ctx, Some(search).filter(|q| !q.is_empty()), cursor.as_deref(), Some(500)).await {
            Ok(p) => p,
            Err(e) => return server_error(t, e),
        };
        for v in &page.items {
            let row = [v.id.to_string(), v.name.clone(), v.country.clone(), v.status.as_str().to_string(), view::iso(v.created_at)];
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"vendors.csv\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "vendor_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    name: String,
    country: String,
    vendor_codes: String,
    payee_codes: String,
    gs1_prefixes: String,
}

/// Field ids of the vendor forms and their labels.
const NEW_LABELS: &[(&str, &str)] = &[
    ("name", "vendor.name"),
    ("country", "vendor.country"),
    ("vendor_codes", "ident.vendor_codes"),
    ("payee_codes", "ident.payee_codes"),
    ("gs1_prefixes", "ident.gs1_prefixes"),
];
const DETAIL_LABELS: &[(&str, &str)] =
    &[("name", "vendor.name"), ("country", "vendor.country"), ("status", "vendor.status"), ("kind", "ident.kind"), ("value", "ident.value")];

pub async fn new_page(State(s): State<AppState>, req: Req) -> Response {
    let (_, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::Vendors) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render(&NewPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors: Vec::new(),
        name: String::new(),
        country: String::new(),
        vendor_codes: String::new(),
        payee_codes: String::new(),
        gs1_prefixes: String::new(),
    })
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/vendors/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let new = NewVendor {
        name: f.get("name").to_string(),
        country: f.get("country").to_string(),
        vendor_codes: forms::split_list(f.get("vendor_codes")),
        payee_codes: forms::split_list(f.get("payee_codes")),
        gs1_prefixes: forms::split_list(f.get("gs1_prefixes")),
    };
    match s.services.create_vendor(&p.ctx(&req), new).await {
        Ok(d) => p.once.done(&s, &format!("/vendors/{}?done=created", d.vendor.id)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "vendor_codes", async |mut errors| {
                for field in ["vendor_codes", "payee_codes", "gs1_prefixes"] {
                    errors = forms::entries(errors, field, &forms::split_list(f.get(field)));
                }
                Ok(NewPage {
                    t,
                    shell: p.shell,
                    form_token: forms::new_token(),
                    errors: forms::labelled(t, errors, NEW_LABELS),
                    name: f.get("name").into(),
                    country: f.get("country").into(),
                    vendor_codes: f.get("vendor_codes").into(),
                    payee_codes: f.get("payee_codes").into(),
                    gs1_prefixes: f.get("gs1_prefixes").into(),
                })
            })
            .await
        }
    }
}

pub struct IdentRow {
    value: String,
    description: String,
    added: String,
}

pub struct IdentGroup {
    kind: &'static str,
    key: &'static str,
    items: Vec<IdentRow>,
}

/// What the vendor page's forms show: what was typed when a submission failed, else the vendor.
#[derive(Default)]
pub struct Typed {
    name: String,
    country: String,
    status: String,
    kind: String,
    value: String,
    description: String,
}

#[derive(Template)]
#[template(path = "vendor.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    name: String,
    country: String,
    status: Badge,
    created: String,
    updated: String,
    groups: Vec<IdentGroup>,
    can_edit: bool,
    users_href: String,
    /// The vendor's EDI settings, for those who read them (empty: no link).
    edi_href: String,
    typed: Typed,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

fn detail_page(
    auth: &acorn_service::auth::SessionAuth,
    shell: Shell,
    t: T,
    d: VendorDetail,
    errors: Errors,
    typed: Option<Typed>,
    notice: &'static str,
) -> DetailPage {
    let v = &d.vendor;
    let typed = typed.unwrap_or_else(|| Typed {
        name: v.name.clone(),
        country: v.country.clone(),
        status: v.status.as_str().into(),
        kind: VendorIdentifierKind::VendorCode.as_str().into(),
        ..Typed::default()
    });
    let groups = VendorIdentifierKind::ALL
        .into_iter()
        .map(|k| IdentGroup {
            kind: k.as_str(),
            key: view::ident_plural_key(k),
            items: d.of_kind(k).map(|i| IdentRow { value: i.value.clone(), description: i.description.clone(), added: view::when(i.created_at) }).collect(),
        })
        .collect();
    // Retailer staff who may see users go to this vendor's users; a vendor admin to their own.
    let users_href = if access(auth, Area::VendorUsers) >= Access::Read {
        if auth.user.is_retailer() { format!("/users?vendor={}", v.id) } else { "/users".to_string() }
    } else {
        String::new()
    };
    // Staff open a vendor's EDI settings by its vendor code; a vendor's people open their own.
    let edi_href = match d.of_kind(VendorIdentifierKind::VendorCode).next() {
        Some(code) if super::edi::can_read(auth) && auth.user.is_retailer() => format!("/edi/partner{}", forms::query(&[("vendor", &code.value)])),
        Some(_) if super::edi::can_read(auth) => "/edi/partner".to_string(),
        _ => String::new(),
    };
    DetailPage {
        t,
        form_token: forms::new_token(),
        errors,
        notice,
        id: v.id.to_string(),
        name: v.name.clone(),
        country: v.country.clone(),
        status: view::vendor_status(v.status),
        created: view::when(v.created_at),
        updated: view::when(v.updated_at),
        groups,
        can_edit: access(auth, Area::Vendors) >= Access::Write,
        users_href,
        edi_href,
        typed,
        kinds: VendorIdentifierKind::ALL.into_iter().map(|k| (k.as_str(), view::ident_key(k))).collect(),
        statuses: [VendorStatus::Active, VendorStatus::Suspended].into_iter().map(|st| (st.as_str(), view::vendor_status(st).key)).collect(),
        shell,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_tenant(&id) else { return server_error(t, ServiceError::NotFound("vendor")) };
    match s.services.get_vendor(&req.ctx(&auth), id).await {
        Ok(d) => render(&detail_page(&auth, shell, t, d, Vec::new(), None, view::notice_key(&dq.done))),
        Err(e) => server_error(t, e),
    }
}

/// The start of a form on the vendor page (see [`forms::begin_at`]).
async fn begin(s: &AppState, req: &Req, id: &str, body: &[u8]) -> Result<(Post, TenantId), Response> {
    forms::begin_at(s, req, body, parse_tenant(id), |id| format!("/vendors/{id}")).await
}

pub async fn update(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match begin(&s, &req, &id, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let patch = VendorPatch { name: Some(f.get("name").into()), country: Some(f.get("country").into()), status: VendorStatus::parse(f.get("status")) };
    match s.services.update_vendor(&p.ctx(&req), id, patch).await {
        Ok(_) => p.once.done(&s, &format!("{}?done=saved", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "name", async |errors| {
                let typed = Typed {
                    name: f.get("name").into(),
                    country: f.get("country").into(),
                    status: f.get("status").into(),
                    kind: VendorIdentifierKind::VendorCode.as_str().into(),
                    ..Typed::default()
                };
                let d = s.services.get_vendor(&req.ctx(&p.auth), id).await?;
                Ok(detail_page(&p.auth, p.shell, t, d, forms::labelled(t, errors, DETAIL_LABELS), Some(typed), ""))
            })
            .await
        }
    }
}

pub async fn add_identifier(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match begin(&s, &req, &id, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let result = match VendorIdentifierKind::parse(f.get("kind")) {
        Some(kind) => s.services.add_vendor_identifier(&p.ctx(&req), id, kind, f.get("value"), f.get("description")).await.map(|_| ()),
        None => Err(ServiceError::invalid("kind", t.t("vendor.kind_invalid"))),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("{}?done=added#identifiers", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "value", async |errors| {
                let d = s.services.get_vendor(&req.ctx(&p.auth), id).await?;
                let typed = Typed {
                    name: d.vendor.name.clone(),
                    country: d.vendor.country.clone(),
                    status: d.vendor.status.as_str().into(),
                    kind: f.get("kind").into(),
                    value: f.get("value").into(),
                    description: f.get("description").into(),
                };
                Ok(detail_page(&p.auth, p.shell, t, d, forms::labelled(t, errors, DETAIL_LABELS), Some(typed), ""))
            })
            .await
        }
    }
}

pub async fn remove_identifier(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match begin(&s, &req, &id, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(kind) = VendorIdentifierKind::parse(p.f.get("kind")) else {
        return p.once.failed(&s, p.t, ServiceError::NotFound("identifier")).await;
    };
    match s.services.remove_vendor_identifier(&p.ctx(&req), id, kind, p.f.get("value")).await {
        Ok(()) => p.once.done(&s, &format!("{}?done=removed#identifiers", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, p.t, e, "identifiers", async |errors| {
                let d = s.services.get_vendor(&req.ctx(&p.auth), id).await?;
                Ok(detail_page(&p.auth, p.shell, p.t, d, errors, None, ""))
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::pages::tests::signed_in;
    use acorn_domain::master::{Vendor, VendorIdentifier};
    use acorn_domain::people::Locale;
    use acorn_domain::policy::Role;

    fn shell(path: &str) -> Shell {
        Shell { org: "Retailer".into(), user_name: "Some One".into(), csrf: "tok".into(), path: path.into(), nav: Vec::new(), bell: 0 }
    }

    fn detail() -> VendorDetail {
        let t = chrono::Utc::now();
        let vendor =
            Vendor { id: TenantId::new_v7(), name: "Acme <Inc>".into(), country: "US".into(), status: VendorStatus::Active, created_at: t, updated_at: t };
        let ident = VendorIdentifier { kind: VendorIdentifierKind::VendorCode, value: "ACME1".into(), description: String::new(), created_at: t };
        VendorDetail { vendor, identifiers: vec![ident] }
    }

    #[test]
    fn vendor_page_shows_errors_inline_and_forms_only_to_writers() {
        let t = T::new(Locale::En);
        let admin = signed_in(&[Role::Admin], TenantId::RETAILER);
        let errors = vec![("name".to_string(), "Company name: is required".to_string())];
        let html = detail_page(&admin, shell("/vendors/x"), t, detail(), errors, None, "").render().unwrap();
        assert!(html.contains(r##"<a href="#name">Company name: is required</a>"##));
        assert!(html.contains(r#"id="name-error""#) && html.contains(r#"aria-invalid="true""#));
        assert!(html.contains("Acme &#60;Inc&#62;") || html.contains("Acme &lt;Inc&gt;"));
        assert!(html.contains(r#"name="_csrf" value="tok""#) && html.contains(r#"name="_form""#));
        assert!(html.contains("/identifiers/remove"));
        let reader = signed_in(&[Role::Operations], detail().vendor.id);
        let html = detail_page(&reader, shell("/vendors/x"), t, detail(), Vec::new(), None, "").render().unwrap();
        assert!(!html.contains(r#"method="post" action="/vendors/"#));
        assert!(html.contains("ACME1"));
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("ACME"), "ACME");
        assert_eq!(cell("A, B"), "\"A, B\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
    }
}
