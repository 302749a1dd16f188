//! Forecasting data in the portal: the weekly sales history (vendor, DC and week filters — staff pick
//! the vendor, a vendor sees its own — keyset paging, CSV export of the current filter), the sales
//! upload for retailer staff (the shared CSV upload page: template, per-row/column report, nothing
//! saved while a row is wrong), and an item's planning parameters per DC (what is in effect and where
//! each value comes from; buyers set the item × DC values).

use super::forms::{self, FieldErrors};
use super::lists::{self, Links};
use super::orders::parse_id;
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::upload::{self, Upload, UploadQuery, uploaded_notice};
use super::view;
use crate::api::forecast::{PlanningIn, sales_query};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::forecast::{ParamSource, PlanningOverrides, week_label};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use acorn_service::forecast::{ItemPlanning, SALES_CSV_COLUMNS, SalesQuery};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::forecast::SalesListRow;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Who reads sales history and planning parameters.
pub(crate) fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Forecasts) >= Access::Read
}

/// Who records sales and sets planning parameters: the retailer's buyers (vendors write in the area
/// only to commit to suggestions).
pub(crate) fn can_plan(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Forecasts) >= Access::Write
}

// ---------------------------------------------------------------------------------------------
// Sales history.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SalesPageQuery {
    vendor: String,
    dc: String,
    from: String,
    to: String,
    cursor: String,
}

impl SalesPageQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("vendor", self.vendor.trim()), ("dc", self.dc.trim()), ("from", self.from.trim()), ("to", self.to.trim())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The use case's query; `Ok(None)` when the vendor named is not one (nothing can match).
    async fn query(&self, s: &AppState, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Option<SalesQuery>, ServiceError> {
        let opt = |v: &str| Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_string);
        let (vendor, dc, from, to) = (opt(&self.vendor), opt(&self.dc), opt(&self.from), opt(&self.to));
        match sales_query(s, ctx, vendor.as_deref(), None, dc.as_deref(), from.as_deref(), to.as_deref()).await {
            Ok(filter) => Ok(Some(SalesQuery { filter, cursor: cursor.map(str::to_string), limit })),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

pub struct SalesRowView {
    vendor: String,
    sku: String,
    gtin: String,
    title: String,
    item_href: String,
    dc: String,
    week: String,
    monday: String,
    units: i64,
    on_hand: String,
    stockout: bool,
}

fn code_of(codes: &[(TenantId, String)], tenant: uuid::Uuid) -> String {
    codes.iter().find(|(t, _)| t.0 == tenant).map(|(_, c)| c.clone()).unwrap_or_default()
}

fn row_view(r: &SalesListRow, codes: &[(TenantId, String)]) -> SalesRowView {
    SalesRowView {
        vendor: code_of(codes, r.tenant_id),
        sku: r.vendor_sku.clone(),
        gtin: r.gtin.clone(),
        title: r.title.clone(),
        item_href: format!("/items/{}", r.item_id),
        dc: r.dc_code.clone(),
        week: week_label(r.week_start),
        monday: r.week_start.to_string(),
        units: r.units,
        on_hand: r.on_hand.map(|n| n.to_string()).unwrap_or_default(),
        stockout: r.on_hand == Some(0),
    }
}

#[derive(Template)]
#[template(path = "sales.html")]
struct SalesPage {
    t: T,
    shell: Shell,
    errors: Errors,
    q: SalesPageQuery,
    filtered: bool,
    retailer: bool,
    can_upload: bool,
    rows: Vec<SalesRowView>,
    next_href: String,
    first_href: String,
    csv_href: String,
}

pub async fn sales(State(s): State<AppState>, req: Req, Query(q): Query<SalesPageQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let cursor = lists::cursor(&q.cursor);
    let mut errors = Vec::new();
    let page = match q.query(&s, &ctx, cursor, None).await {
        Ok(Some(query)) => s.services.list_sales(&ctx, &query).await,
        Ok(None) => Ok(acorn_domain::paging::Page { items: Vec::new(), next: None }),
        // A filter that cannot be read is shown against its field, with no rows.
        Err(ServiceError::Invalid(issues)) => {
            errors = issues.into_iter().map(|i| (i.field, i.issue)).collect();
            Ok(acorn_domain::paging::Page { items: Vec::new(), next: None })
        }
        Err(e) => Err(e),
    };
    let page = match page {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let retailer = auth.user.is_retailer();
    let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.tenant_id)).collect();
    let codes = if retailer { s.services.vendor_codes_of(&ctx, &tenants).await.unwrap_or_default() } else { Vec::new() };
    let Links { next_href, first_href, csv_href } = lists::links("/sales", &q.pairs(), cursor, page.next.as_deref());
    render(&SalesPage {
        t,
        shell,
        errors: forms::labelled(t, errors, FILTER_LABELS),
        filtered: q.active(),
        retailer,
        can_upload: can_plan(&auth),
        rows: page.items.iter().map(|r| row_view(r, &codes)).collect(),
        next_href,
        first_href,
        csv_href,
        q,
    })
}

/// Field ids of the filter bar and their labels.
const FILTER_LABELS: &[(&str, &str)] = &[("vendor", "edi.vendor_code"), ("dc", "sales.dc"), ("from", "sales.from"), ("to", "sales.to")];

/// Every sales row of the current filter as CSV (all pages).
pub async fn sales_csv(State(s): State<AppState>, req: Req, Query(q): Query<SalesPageQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let header = ["vendor_code", "vendor_sku", "gtin", "title", "dc", "week", "week_start", "units", "on_hand"];
    let (s, ctx, q) = (&s, &ctx, &q);
    lists::export(t, "sales-history.csv", &header, |cursor| async move {
        let Some(query) = q.query(s, ctx, cursor.as_deref(), Some(lists::EXPORT_PAGE)).await? else { return Ok((Vec::new(), None)) };
        let page = s.services.list_sales(ctx, &query).await?;
        let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.tenant_id)).collect();
        let codes = s.services.vendor_codes_of(ctx, &tenants).await?;
        let rows = page
            .items
            .iter()
            .map(|r| {
                vec![
                    code_of(&codes, r.tenant_id),
                    r.vendor_sku.clone(),
                    r.gtin.clone(),
                    r.title.clone(),
                    r.dc_code.clone(),
                    week_label(r.week_start),
                    r.week_start.to_string(),
                    r.units.to_string(),
                    r.on_hand.map(|n| n.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The upload.

static SALES_UPLOAD: Upload = Upload {
    title_key: "sales.upload.title",
    context_key: "sales.upload.context",
    fill_key: "sales.upload.fill",
    columns_key: "sales.upload.columns",
    action: "/sales/upload",
    template_href: "/sales/template.csv",
    template_name: "sales-template.csv",
    columns: SALES_CSV_COLUMNS,
    back_href: "/sales",
    back_key: "nav.sales",
    allowed: can_plan,
};

pub async fn upload_page(State(s): State<AppState>, req: Req, Query(uq): Query<UploadQuery>) -> Response {
    upload::show(&s, &req, &SALES_UPLOAD, |t| uploaded_notice(t, "sales.upload.done", &uq)).await
}

pub async fn template(State(s): State<AppState>, req: Req) -> Response {
    upload::template(&s, &req, &SALES_UPLOAD).await
}

pub async fn upload_post(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    upload::post(&s, &req, &body, &SALES_UPLOAD, async |ctx, text| {
        s.services.import_sales_csv(ctx, text).await.map(|r| format!("/sales/upload?done=uploaded&n={}", r.inserted + r.updated))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// An item's planning parameters.

pub(crate) fn source_key(s: ParamSource) -> &'static str {
    match s {
        ParamSource::ItemDc => "planning.source.item_dc",
        ParamSource::Agreement => "planning.source.agreement",
        ParamSource::System => "planning.source.system",
    }
}

/// One DC's row of the table: each value in effect and where it came from.
pub struct DcRow {
    dc: String,
    edit_href: String,
    editing: bool,
    lead: (String, &'static str),
    review: (String, &'static str),
    target: (String, &'static str),
    moq: (String, &'static str),
    cover: (String, &'static str),
    vmi: (String, &'static str),
    updated: String,
}

/// The form as typed (text, empty: not set for this item × DC).
#[derive(Clone, Default)]
pub struct Typed {
    dc: String,
    lead_time_weeks: String,
    review_weeks: String,
    service_target: String,
    moq: String,
    max_cover_weeks: String,
    vmi_min: String,
    vmi_max: String,
}

impl Typed {
    fn of(dc: &str, o: &PlanningOverrides) -> Typed {
        let s = |v: Option<String>| v.unwrap_or_default();
        Typed {
            dc: dc.to_string(),
            lead_time_weeks: s(o.lead_time_weeks.map(|v| v.to_string())),
            review_weeks: s(o.review_weeks.map(|v| v.to_string())),
            service_target: s(o.service_target.map(|v| v.normalize().to_string())),
            moq: s(o.moq.map(|v| v.to_string())),
            max_cover_weeks: s(o.max_cover_weeks.map(|v| v.to_string())),
            vmi_min: s(o.vmi_min.map(|v| v.to_string())),
            vmi_max: s(o.vmi_max.map(|v| v.to_string())),
        }
    }

    fn from_form(f: &forms::FormData) -> Typed {
        Typed {
            dc: f.get("dc").trim().to_uppercase(),
            lead_time_weeks: f.get("lead_time_weeks").into(),
            review_weeks: f.get("review_weeks").into(),
            service_target: f.get("service_target").into(),
            moq: f.get("moq").into(),
            max_cover_weeks: f.get("max_cover_weeks").into(),
            vmi_min: f.get("vmi_min").into(),
            vmi_max: f.get("vmi_max").into(),
        }
    }

    /// The overrides, each field that is not a whole number (or a service target) named; the rules
    /// themselves are the API's and the domain's.
    fn read(&self, t: T) -> Result<PlanningOverrides, Errors> {
        let mut errors = Vec::new();
        let mut int = |field: &str, v: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse::<i64>().map_err(|_| errors.push((field.to_string(), t.t("form.whole_number").replace("{value}", v)))).ok()
        };
        let input = PlanningIn {
            lead_time_weeks: int("lead_time_weeks", &self.lead_time_weeks),
            review_weeks: int("review_weeks", &self.review_weeks),
            service_target: Some(self.service_target.clone()),
            moq: int("moq", &self.moq),
            max_cover_weeks: int("max_cover_weeks", &self.max_cover_weeks),
            vmi_min: int("vmi_min", &self.vmi_min),
            vmi_max: int("vmi_max", &self.vmi_max),
        };
        match input.overrides("") {
            Ok(o) if errors.is_empty() => Ok(o),
            Ok(_) => Err(errors),
            Err(issues) => {
                errors.extend(issues.into_iter().map(|i| (i.field, i.issue)));
                Err(errors)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "planning.html")]
struct PlanningPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    sku: String,
    title: String,
    case_pack: i64,
    vmi: bool,
    agreement: Vec<(&'static str, String)>,
    rows: Vec<DcRow>,
    can_edit: bool,
    typed: Typed,
}

/// The labels of the form's fields (also the API's field names).
const PLANNING_LABELS: &[(&str, &str)] = &[
    ("dc", "sales.dc"),
    ("lead_time_weeks", "planning.lead_time_weeks"),
    ("review_weeks", "planning.review_weeks"),
    ("service_target", "planning.service_target"),
    ("moq", "planning.moq"),
    ("max_cover_weeks", "planning.max_cover_weeks"),
    ("vmi_min", "planning.vmi_min"),
    ("vmi_max", "planning.vmi_max"),
];

fn planning_page(auth: &SessionAuth, shell: Shell, t: T, p: &ItemPlanning, dc: &str, sent: Option<(Typed, Errors)>) -> PlanningPage {
    let editing = p.dcs.iter().find(|d| d.dc.code.eq_ignore_ascii_case(dc)).or(p.dcs.first());
    let editing_code = editing.map(|d| d.dc.code.clone()).unwrap_or_default();
    let rows = p
        .dcs
        .iter()
        .map(|d| {
            let (e, s) = (&d.effective.params, &d.effective.sources);
            DcRow {
                dc: d.dc.code.clone(),
                edit_href: format!("/items/{}/planning?dc={}#edit", p.item.id, d.dc.code),
                editing: d.dc.code == editing_code,
                lead: (e.lead_time_weeks.to_string(), source_key(s.lead_time_weeks)),
                review: (e.review_weeks.to_string(), source_key(s.review_weeks)),
                target: (e.service_target.normalize().to_string(), source_key(s.service_target)),
                moq: (e.moq.to_string(), source_key(s.moq)),
                cover: (e.max_cover_weeks.to_string(), source_key(s.max_cover_weeks)),
                vmi: (e.vmi_min.zip(e.vmi_max).map(|(a, b)| format!("{a}–{b}")).unwrap_or_default(), source_key(s.vmi_range)),
                updated: d.updated_at.map(view::when).unwrap_or_default(),
            }
        })
        .collect();
    let a = &p.agreement.defaults;
    let show = |v: Option<String>| v.unwrap_or_default();
    let agreement = vec![
        ("planning.lead_time_weeks", show(a.lead_time_weeks.map(|v| v.to_string()))),
        ("planning.review_weeks", show(a.review_weeks.map(|v| v.to_string()))),
        ("planning.service_target", show(a.service_target.map(|v| v.normalize().to_string()))),
        ("planning.moq", show(a.moq.map(|v| v.to_string()))),
        ("planning.max_cover_weeks", show(a.max_cover_weeks.map(|v| v.to_string()))),
        ("planning.vmi_range", show(a.vmi_min.zip(a.vmi_max).map(|(x, y)| format!("{x}–{y}")))),
    ];
    let (typed, errors) = sent.unwrap_or_else(|| (editing.map(|d| Typed::of(&d.dc.code, &d.overrides)).unwrap_or_default(), Vec::new()));
    PlanningPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        notice: "",
        id: p.item.id.to_string(),
        sku: p.item.vendor_sku.clone(),
        title: p.item.title.clone(),
        case_pack: p.item.case_pack,
        vmi: p.agreement.vmi,
        agreement,
        rows,
        can_edit: can_plan(auth),
        typed,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanningQuery {
    dc: String,
    done: String,
}

pub async fn planning(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(pq): Query<PlanningQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("item")) };
    match s.services.item_planning(&req.ctx(&auth), id).await {
        Ok(p) => {
            let mut page = planning_page(&auth, shell, t, &p, pq.dc.trim(), None);
            page.notice = view::notice_key(&pq.done);
            render(&page)
        }
        Err(e) => server_error(t, e),
    }
}

pub async fn save_planning(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/items/{id}/planning")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    if !can_plan(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let typed = Typed::from_form(&p.f);
    let ctx = p.ctx(&req);
    let result = match typed.read(t) {
        Ok(o) => s.services.set_item_planning(&ctx, id, &typed.dc, o).await.map(|_| ()),
        Err(errors) => Err(ServiceError::Invalid(errors.into_iter().map(|(f, i)| acorn_domain::validate::FieldIssue::new(f, i)).collect())),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("/items/{id}/planning{}", forms::query(&[("dc", &typed.dc), ("done", "saved")]))).await,
        Err(e) => {
            let read = req.ctx(&p.auth);
            let (auth, shell) = (p.auth, p.shell);
            forms::show_again(&s, p.once, t, e, "lead_time_weeks", async |errors| {
                let plan = s.services.item_planning(&read, id).await?;
                let dc = typed.dc.clone();
                Ok(planning_page(&auth, shell, t, &plan, &dc, Some((typed, forms::labelled(t, errors, PLANNING_LABELS)))))
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::{assert_all_known, known};

    #[test]
    fn every_label_is_in_the_catalogue() {
        assert_all_known(ParamSource::ALL, source_key);
        for (_, k) in PLANNING_LABELS.iter().chain(FILTER_LABELS) {
            assert!(known(k), "{k}");
        }
        for k in [
            SALES_UPLOAD.title_key,
            SALES_UPLOAD.context_key,
            SALES_UPLOAD.fill_key,
            SALES_UPLOAD.columns_key,
            SALES_UPLOAD.back_key,
            "sales.upload.done",
            "planning.vmi_range",
        ] {
            assert!(known(k), "{k}");
        }
    }
}
