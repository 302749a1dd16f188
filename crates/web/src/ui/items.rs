//! The catalogue: the item index (search, vendor filter for retailer staff, keyset paging, CSV
//! export), the new-item form (retailer staff pick the vendor; a vendor's people add their own), and
//! the item page with its cost history and the add-cost form.

use super::forms::{self, FieldErrors, FormData};
use super::lists::{self, Links};
use super::orders::{amount, merge, notice_key, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::items::{Item, ItemStatus, cost_on};
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::money;
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use acorn_service::items::{ItemDetail, NewItem};
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Field ids of the item forms and their labels.
const LABELS: &[(&str, &str)] = &[
    ("vendor_id", "item.vendor"),
    ("vendor_sku", "item.sku"),
    ("gtin", "item.gtin"),
    ("title", "item.title"),
    ("case_pack", "item.case_pack"),
    ("list_price", "item.list_price"),
    ("unit_cost", "item.unit_cost"),
    ("currency", "item.currency"),
    ("cost_effective_from", "item.effective_from"),
    ("effective_from", "item.effective_from"),
];

fn status_badge(s: ItemStatus) -> view::Badge {
    match s {
        ItemStatus::Active => view::Badge { key: "status.active", class: "badge-success" },
        ItemStatus::Discontinued => view::Badge { key: "item.status.discontinued", class: "badge-neutral" },
    }
}

/// The unit cost in force today of each item (absent when none), in one query per page.
async fn current_costs(s: &AppState, ctx: &Ctx, items: &[Item]) -> HashMap<Uuid, String> {
    let costs = s.services.costs_on(ctx, items, Utc::now().date_naive()).await.unwrap_or_default();
    costs.into_iter().map(|(id, c)| (id, amount(money::format_amount(c.unit_cost, &c.currency), &c.currency))).collect()
}

/// The vendor chosen in the picker.
fn picked(v: &str) -> Option<TenantId> {
    v.trim().parse().ok()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    vendor: String,
    cursor: String,
    done: String,
}

pub struct ItemRow {
    id: String,
    sku: String,
    gtin: String,
    item_id: String,
    title: String,
    vendor: String,
    case_pack: i64,
    list_price: String,
    cost: String,
    status: view::Badge,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ListPage {
    t: T,
    shell: Shell,
    q: String,
    vendor: String,
    vendors: Vec<(String, String)>,
    retailer_view: bool,
    rows: Vec<ItemRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    can_create: bool,
    notice: &'static str,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let retailer_view = auth.user.is_retailer();
    let search = lq.q.trim();
    let vendor = if retailer_view { picked(&lq.vendor) } else { None };
    let cursor = lists::cursor(&lq.cursor);
    let page = match s.services.list_items(&ctx, vendor, Some(search).filter(|q| !q.is_empty()), cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let vendors = if retailer_view { pages::vendor_names(&s, &ctx).await } else { Vec::new() };
    let names: HashMap<&str, &str> = vendors.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
    let costs = current_costs(&s, &ctx, &page.items).await;
    let rows = page
        .items
        .iter()
        .map(|i| ItemRow {
            id: i.id.to_string(),
            sku: i.vendor_sku.clone(),
            gtin: i.gtin.as_str().to_string(),
            item_id: i.retailer_item_id.clone(),
            title: i.title.clone(),
            vendor: names.get(i.tenant.to_string().as_str()).map(|n| n.to_string()).unwrap_or_else(|| i.tenant.to_string()),
            case_pack: i.case_pack,
            list_price: amount(money::format_amount(i.list_price, &i.currency), &i.currency),
            cost: costs.get(&i.id).cloned().unwrap_or_default(),
            status: status_badge(i.status),
        })
        .collect();
    let vendor = vendor.map(|v| v.to_string()).unwrap_or_default();
    let Links { next_href, first_href, csv_href } = lists::links("/items", &[("q", search), ("vendor", vendor.as_str())], cursor, page.next.as_deref());
    render(&ListPage {
        t,
        q: search.to_string(),
        retailer_view,
        vendors,
        rows,
        next_href,
        first_href,
        csv_href,
        can_create: access(&auth, Area::Items) >= Access::Write,
        notice: notice_key(&lq.done),
        vendor,
        shell,
    })
}

/// Every item of the current search as CSV.
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let search = lq.q.trim();
    let vendor = if auth.user.is_retailer() { picked(&lq.vendor) } else { None };
    let header =
        ["vendor_id", "vendor_sku", "gtin", "retailer_item_id", "title", "case_pack", "list_price", "current_unit_cost", "currency", "status", "created_at"];
    let today = Utc::now().date_naive();
    let (s, ctx) = (&s, &ctx);
    lists::export(t, "items.csv", &header, |cursor| async move {
        let page = s.services.list_items(ctx, vendor, Some(search).filter(|q| !q.is_empty()), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let costs = s.services.costs_on(ctx, &page.items, today).await?;
        let rows = page
            .items
            .iter()
            .map(|i| {
                let cost = costs.get(&i.id).map(|c| money::format_amount(c.unit_cost, &c.currency)).unwrap_or_default();
                vec![
                    i.tenant.to_string(),
                    i.vendor_sku.clone(),
                    i.gtin.as_str().to_string(),
                    i.retailer_item_id.clone(),
                    i.title.clone(),
                    i.case_pack.to_string(),
                    money::format_amount(i.list_price, &i.currency),
                    cost,
                    i.currency.clone(),
                    i.status.as_str().to_string(),
                    view::iso(i.created_at),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

/// The new-item form as typed.
#[derive(Default)]
pub struct Typed {
    vendor_id: String,
    vendor_sku: String,
    gtin: String,
    title: String,
    case_pack: String,
    list_price: String,
    unit_cost: String,
    currency: String,
    cost_effective_from: String,
}

impl Typed {
    fn from_form(f: &FormData) -> Typed {
        Typed {
            vendor_id: f.get("vendor_id").into(),
            vendor_sku: f.get("vendor_sku").into(),
            gtin: f.get("gtin").into(),
            title: f.get("title").into(),
            case_pack: f.get("case_pack").into(),
            list_price: f.get("list_price").into(),
            unit_cost: f.get("unit_cost").into(),
            currency: f.get("currency").into(),
            cost_effective_from: f.get("cost_effective_from").into(),
        }
    }
}

#[derive(Template)]
#[template(path = "item_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    typed: Typed,
    retailer_view: bool,
    vendors: Vec<(String, String)>,
    prefixes: String,
}

async fn new_view(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, errors: Errors, typed: Typed) -> NewPage {
    let ctx = req.ctx(auth);
    let retailer_view = auth.user.is_retailer();
    let vendors = if retailer_view { pages::vendor_names(s, &ctx).await } else { Vec::new() };
    // A vendor's people see the GS1 company prefixes their GTINs must carry.
    let prefixes = if retailer_view {
        String::new()
    } else {
        match s.services.get_vendor(&ctx, auth.user.tenant_id).await {
            Ok(v) => v.of_kind(VendorIdentifierKind::Gs1Prefix).map(|i| i.value.clone()).collect::<Vec<_>>().join(", "),
            Err(_) => String::new(),
        }
    };
    NewPage { t, shell, form_token: forms::new_token(), errors, typed, retailer_view, vendors, prefixes }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    vendor: String,
}

pub async fn new_page(State(s): State<AppState>, req: Req, Query(nq): Query<NewQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::Items) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let typed = Typed { vendor_id: nq.vendor.trim().to_string(), case_pack: "1".into(), currency: "USD".into(), ..Typed::default() };
    render(&new_view(&s, &req, &auth, shell, t, Vec::new(), typed).await)
}

/// An optional date typed into a form: blank is none; anything else must be a date.
fn optional_date(t: T, field: &str, v: &str, errors: &mut Errors) -> Option<NaiveDate> {
    match v.trim() {
        "" => None,
        v => match acorn_service::orders::parse_date(v) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((field.to_string(), t.t("form.date_invalid").replace("{value}", v)));
                None
            }
        },
    }
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/items/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let typed = Typed::from_form(f);
    let mut own = Errors::new();
    let case_pack = match typed.case_pack.trim() {
        "" => {
            own.push(("case_pack".into(), t.t("item.case_pack_required").into()));
            0
        }
        v => v.parse::<i64>().unwrap_or_else(|_| {
            own.push(("case_pack".into(), t.t("form.whole_number").replace("{value}", v)));
            0
        }),
    };
    let cost_effective_from = optional_date(t, "cost_effective_from", &typed.cost_effective_from, &mut own);
    let vendor = if p.auth.user.is_retailer() { picked(&typed.vendor_id) } else { None };
    let new = NewItem {
        vendor_sku: typed.vendor_sku.clone(),
        gtin: typed.gtin.clone(),
        title: typed.title.clone(),
        case_pack,
        list_price: typed.list_price.clone(),
        unit_cost: typed.unit_cost.clone(),
        currency: typed.currency.clone(),
        cost_effective_from,
    };
    // A date the page could not read must not silently become "today": nothing is created then.
    let result = if own.iter().any(|(f, _)| f == "cost_effective_from") {
        Err(ServiceError::Invalid(Vec::new()))
    } else {
        s.services.create_item(&p.ctx(&req), vendor, new).await.map(|d| d.item.id)
    };
    match result {
        Ok(id) => p.once.done(&s, &format!("/items/{id}?done=created")).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "vendor_sku", async |errors| {
                let all = merge(own, errors);
                Ok(new_view(&s, &req, &p.auth, p.shell, t, forms::labelled(t, all, LABELS), typed).await)
            })
            .await
        }
    }
}

pub struct CostRow {
    from: String,
    cost: String,
    added: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "item.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    sku: String,
    gtin: String,
    item_id: String,
    title: String,
    vendor_href: String,
    case_pack: i64,
    list_price: String,
    currency: String,
    status: view::Badge,
    current: String,
    created: String,
    costs: Vec<CostRow>,
    can_edit: bool,
    unit_cost: String,
    effective_from: String,
    /// The item's planning parameters per DC, for those who read forecasting data.
    planning_href: String,
}

fn detail_page(auth: &SessionAuth, shell: Shell, t: T, d: ItemDetail, errors: Errors, typed: Option<(String, String)>, notice: &'static str) -> DetailPage {
    let i = &d.item;
    let today = Utc::now().date_naive();
    let current = d.cost_on(today).cloned();
    let mut costs: Vec<CostRow> = d
        .costs
        .iter()
        .map(|c| CostRow {
            from: c.effective_from.to_string(),
            cost: amount(money::format_amount(c.unit_cost, &c.currency), &c.currency),
            added: view::when(c.created_at),
            current: current.as_ref() == Some(c),
        })
        .collect();
    costs.reverse();
    let (unit_cost, effective_from) = typed.unwrap_or_else(|| (String::new(), today.to_string()));
    DetailPage {
        t,
        form_token: forms::new_token(),
        errors,
        notice,
        id: i.id.to_string(),
        sku: i.vendor_sku.clone(),
        gtin: i.gtin.as_str().to_string(),
        item_id: i.retailer_item_id.clone(),
        title: i.title.clone(),
        vendor_href: if auth.user.is_retailer() && access(auth, Area::Vendors) >= Access::Read { format!("/vendors/{}", i.tenant) } else { String::new() },
        case_pack: i.case_pack,
        list_price: amount(money::format_amount(i.list_price, &i.currency), &i.currency),
        currency: i.currency.clone(),
        status: status_badge(i.status),
        current: cost_on(&d.costs, today).map(|c| amount(money::format_amount(c.unit_cost, &c.currency), &c.currency)).unwrap_or_default(),
        created: view::when(i.created_at),
        costs,
        can_edit: access(auth, Area::Items) >= Access::Write,
        unit_cost,
        effective_from,
        planning_href: if super::forecast::can_read(auth) { format!("/items/{}/planning", i.id) } else { String::new() },
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
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("item")) };
    match s.services.get_item(&req.ctx(&auth), id).await {
        Ok(d) => render(&detail_page(&auth, shell, t, d, Vec::new(), None, notice_key(&dq.done))),
        Err(e) => server_error(t, e),
    }
}

pub async fn add_cost(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/items/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let mut own = Errors::new();
    let from = optional_date(t, "effective_from", f.get("effective_from"), &mut own);
    if from.is_none() && own.is_empty() {
        own.push(("effective_from".into(), t.t("item.effective_from_required").into()));
    }
    let result = match from {
        Some(from) => s.services.add_item_cost(&p.ctx(&req), id, f.get("unit_cost"), from).await.map(|_| ()),
        None => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("{}?done=cost#costs", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "unit_cost", async |errors| {
                let d = s.services.get_item(&req.ctx(&p.auth), id).await?;
                let all = merge(own, errors);
                let typed = Some((f.get("unit_cost").to_string(), f.get("effective_from").to_string()));
                Ok(detail_page(&p.auth, p.shell, t, d, forms::labelled(t, all, LABELS), typed, ""))
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::keys;
    use acorn_domain::people::Locale;

    #[test]
    fn labels_and_badges_are_in_the_catalogue() {
        let en = keys(Locale::En);
        for (_, k) in LABELS {
            assert!(en.iter().any(|e| e == k), "{k}");
        }
        for st in ItemStatus::ALL {
            let k = status_badge(*st).key;
            assert!(en.iter().any(|e| e == k), "{k}");
        }
        for k in ["form.date_invalid", "item.case_pack_required", "item.effective_from_required"] {
            assert!(en.iter().any(|e| e == k), "{k}");
        }
    }
}
