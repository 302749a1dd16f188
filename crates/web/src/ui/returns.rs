//! Returns to vendor in the portal: the index (status, type and vendor code filters, keyset paging,
//! CSV export of the current filter), the new-return form for retailer staff, the return page (key
//! facts, the vendor's answer form — approve with RMA, disposition and return address, or reject with
//! a reason —, staff's complete and cancel buttons, the debit memo, and the timeline), and the
//! vendor's return addresses per return type.

use super::forms::{self, FieldErrors};
use super::lists::{self, Links};
use super::orders::{amount, dc_options, merge, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::deductions::{Deduction, DeductionStatus};
use acorn_domain::ids::TenantId;
use acorn_domain::money;
use acorn_domain::policy::{Access, Area};
use acorn_domain::returns::{self, Answer, Disposition, ReturnRequest, ReturnStatus, ReturnType};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::returns::{NewReturn, ReturnDetail, ReturnFilter};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// Presentation helpers.

pub(crate) fn status_badge(s: ReturnStatus) -> Badge {
    match s {
        ReturnStatus::Requested => Badge { key: "rtv.status.requested", class: "badge-info" },
        ReturnStatus::Approved => Badge { key: "rtv.status.approved", class: "badge-success" },
        ReturnStatus::Rejected => Badge { key: "rtv.status.rejected", class: "badge-critical" },
        ReturnStatus::Completed => Badge { key: "rtv.status.completed", class: "badge-neutral" },
        ReturnStatus::Cancelled => Badge { key: "rtv.status.cancelled", class: "badge-neutral" },
    }
}

pub(crate) fn type_key(t: ReturnType) -> &'static str {
    match t {
        ReturnType::Overstock => "rtv.type.overstock",
        ReturnType::Damaged => "rtv.type.damaged",
        ReturnType::Defective => "rtv.type.defective",
        ReturnType::Expired => "rtv.type.expired",
        ReturnType::Recall => "rtv.type.recall",
    }
}

fn disposition_key(d: Disposition) -> &'static str {
    match d {
        Disposition::ShipBack => "rtv.disposition.ship_back",
        Disposition::Destroy => "rtv.disposition.destroy",
    }
}

fn memo_status_key(s: DeductionStatus) -> &'static str {
    match s {
        DeductionStatus::Open => "rtv.memo.status.open",
        DeductionStatus::Disputed => "rtv.memo.status.disputed",
        DeductionStatus::Recovered => "rtv.memo.status.recovered",
        DeductionStatus::Final => "rtv.memo.status.final",
    }
}

/// The timeline's label of an audited action.
fn step_key(action: &str) -> &'static str {
    match action {
        "return.raised" => "rtv.step.raised",
        "return.approved" => "rtv.step.approved",
        "return.rejected" => "rtv.step.rejected",
        "return.completed" => "rtv.step.completed",
        "return.cancelled" => "rtv.step.cancelled",
        _ => "rtv.step.other",
    }
}

fn notice_key(done: &str) -> &'static str {
    match done {
        "raised" => "rtv.notice.raised",
        "answered" => "rtv.notice.answered",
        "completed" => "rtv.notice.completed",
        "cancelled" => "rtv.notice.cancelled",
        d => view::notice_key(d),
    }
}

/// Who raises, completes and cancels returns: retailer staff with write access.
fn staff_writer(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Returns) >= Access::Write
}

/// Who answers returns and keeps the return addresses: the vendor's people with write access.
fn vendor_writer(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Returns) >= Access::Write
}

fn readers(auth: &SessionAuth) -> bool {
    access(auth, Area::Returns) >= Access::Read
}

fn types(t: T) -> Vec<(&'static str, String)> {
    ReturnType::ALL.iter().map(|r| (r.as_str(), t.t(type_key(*r)).to_string())).collect()
}

// ---------------------------------------------------------------------------------------------
// The index.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    return_type: String,
    vendor_code: String,
    cursor: String,
    done: String,
}

/// The filters as typed (kept in links, the CSV export and the form).
#[derive(Default)]
pub struct Filters {
    status: String,
    return_type: String,
    vendor_code: String,
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters { status: q.status.trim().to_string(), return_type: q.return_type.trim().to_string(), vendor_code: q.vendor_code.trim().to_uppercase() }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("status", self.status.as_str()), ("return_type", self.return_type.as_str()), ("vendor_code", self.vendor_code.as_str())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    fn filter(&self) -> ReturnFilter {
        ReturnFilter {
            tenant: None,
            status: ReturnStatus::parse(&self.status),
            return_type: ReturnType::parse(&self.return_type),
            vendor_code: Some(self.vendor_code.clone()).filter(|c| !c.is_empty()),
        }
    }
}

pub struct ReturnRow {
    id: String,
    number: String,
    vendor_code: String,
    sku: String,
    title: String,
    dc_code: String,
    rtype: &'static str,
    quantity: i64,
    approved: String,
    value: String,
    status: Badge,
    raised: String,
}

fn row(r: &ReturnRequest) -> ReturnRow {
    ReturnRow {
        id: r.id.to_string(),
        number: r.number.clone(),
        vendor_code: r.vendor_code.clone(),
        sku: r.vendor_sku.clone(),
        title: r.title.clone(),
        dc_code: r.dc_code.clone(),
        rtype: type_key(r.return_type),
        quantity: r.quantity,
        approved: r.approved_quantity.map(|q| q.to_string()).unwrap_or_default(),
        value: amount(money::format_amount(money::checked_extend(r.quantity, r.unit_cost).unwrap_or_default(), &r.currency), &r.currency),
        status: status_badge(r.status),
        raised: view::when(r.raised_at),
    }
}

#[derive(Template)]
#[template(path = "returns.html")]
struct ListPage {
    t: T,
    shell: Shell,
    f: Filters,
    filtered: bool,
    statuses: Vec<(&'static str, &'static str)>,
    types: Vec<(&'static str, String)>,
    rows: Vec<ReturnRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    can_raise: bool,
    retailer: bool,
    notice: &'static str,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let f = Filters::from_query(&lq);
    let cursor = lists::cursor(&lq.cursor);
    let page = match s.services.list_returns(&req.ctx(&auth), f.filter(), cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let Links { next_href, first_href, csv_href } = lists::links("/returns", &f.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        filtered: f.active(),
        statuses: ReturnStatus::ALL.iter().map(|st| (st.as_str(), status_badge(*st).key)).collect(),
        types: types(t),
        rows: page.items.iter().map(row).collect(),
        next_href,
        first_href,
        csv_href,
        can_raise: staff_writer(&auth),
        retailer: auth.user.is_retailer(),
        notice: notice_key(&lq.done),
        f,
        shell,
    })
}

/// Every return of the current filter as CSV (all pages).
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let filter = Filters::from_query(&lq).filter();
    let header = [
        "return_number",
        "vendor_code",
        "vendor_sku",
        "gtin",
        "title",
        "dc_code",
        "return_type",
        "status",
        "quantity",
        "approved_quantity",
        "unit_cost",
        "currency",
        "vendor_rma",
        "disposition",
        "reason",
        "raised_at_utc",
        "answered_at_utc",
        "completed_at_utc",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "returns.csv", &header, |cursor| async move {
        let page = s.services.list_returns(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let rows = page
            .items
            .iter()
            .map(|r| {
                vec![
                    r.number.clone(),
                    r.vendor_code.clone(),
                    r.vendor_sku.clone(),
                    r.gtin.clone(),
                    r.title.clone(),
                    r.dc_code.clone(),
                    r.return_type.as_str().into(),
                    r.status.as_str().into(),
                    r.quantity.to_string(),
                    r.approved_quantity.map(|q| q.to_string()).unwrap_or_default(),
                    money::format_amount(r.unit_cost, &r.currency),
                    r.currency.clone(),
                    r.vendor_rma.clone().unwrap_or_default(),
                    r.disposition.map(|d| d.as_str().to_string()).unwrap_or_default(),
                    r.reason.clone(),
                    view::iso(r.raised_at),
                    r.answered_at.map(view::iso).unwrap_or_default(),
                    r.completed_at.map(view::iso).unwrap_or_default(),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The new-return form.

/// Field ids of the new-return form and their labels.
const NEW_LABELS: &[(&str, &str)] = &[
    ("vendor_code", "rtv.vendor_code"),
    ("item", "rtv.item"),
    ("dc_code", "rtv.dc"),
    ("return_type", "rtv.type"),
    ("quantity", "rtv.quantity"),
    ("reason", "rtv.reason"),
];

/// The form as typed.
#[derive(Default)]
pub struct Typed {
    vendor_code: String,
    item: String,
    dc_code: String,
    return_type: String,
    quantity: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "returns_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    typed: Typed,
    dcs: Vec<(String, String)>,
    types: Vec<(&'static str, String)>,
}

async fn new_view(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, errors: Errors, typed: Typed) -> NewPage {
    let dcs = s.services.list_dcs(&req.ctx(auth)).await.unwrap_or_default();
    NewPage { t, shell, form_token: forms::new_token(), errors, typed, dcs: dc_options(&dcs), types: types(t) }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    vendor_code: String,
    item: String,
}

pub async fn new_page(State(s): State<AppState>, req: Req, Query(nq): Query<NewQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, staff_writer).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let typed = Typed {
        vendor_code: nq.vendor_code.trim().to_string(),
        item: nq.item.trim().to_string(),
        return_type: ReturnType::Overstock.as_str().into(),
        ..Typed::default()
    };
    render(&new_view(&s, &req, &auth, shell, t, Vec::new(), typed).await)
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/returns/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !staff_writer(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let typed = Typed {
        vendor_code: f.get("vendor_code").into(),
        item: f.get("item").into(),
        dc_code: f.get("dc_code").into(),
        return_type: f.get("return_type").into(),
        quantity: f.get("quantity").into(),
        reason: f.get("reason").into(),
    };
    let mut own = Errors::new();
    let quantity = match typed.quantity.trim() {
        "" => {
            own.push(("quantity".into(), t.t("rtv.quantity_required").into()));
            0
        }
        q => q.parse::<i64>().unwrap_or_else(|_| {
            own.push(("quantity".into(), t.t("form.whole_number").replace("{value}", q)));
            0
        }),
    };
    let new = NewReturn {
        vendor_code: typed.vendor_code.clone(),
        item: typed.item.clone(),
        dc_code: typed.dc_code.clone(),
        return_type: typed.return_type.clone(),
        quantity,
        reason: typed.reason.clone(),
    };
    // The page's own errors are on the quantity, which it passes on as 0: the use case refuses that.
    match s.services.raise_return(&p.ctx(&req), new).await {
        Ok(d) => p.once.done(&s, &format!("/returns/{}?done=raised", d.ret.id)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "vendor_code", async |errors| {
                let all = forms::labelled(t, merge(own, errors), NEW_LABELS);
                Ok(new_view(&s, &req, &p.auth, p.shell, t, all, typed).await)
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The return page.

/// The answer forms as typed.
#[derive(Default)]
pub struct AnswerTyped {
    approved_quantity: String,
    vendor_rma: String,
    disposition: String,
    return_address: String,
    rejection_reason: String,
}

pub struct MemoView {
    number: String,
    amount: String,
    status: &'static str,
    posted: String,
    posted_iso: String,
    deadline: String,
    description: String,
}

fn memo_view(d: &Deduction) -> MemoView {
    MemoView {
        number: d.number.clone(),
        amount: amount(money::format_amount(d.amount, &d.currency), &d.currency),
        status: memo_status_key(d.status),
        posted: view::when(d.posted_at),
        posted_iso: view::iso(d.posted_at),
        deadline: d.dispute_deadline.map(view::when).unwrap_or_default(),
        description: d.description.clone(),
    }
}

pub struct StepRow {
    key: &'static str,
    actor: String,
    at: String,
    at_iso: String,
}

#[derive(Template)]
#[template(path = "returns_detail.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    number: String,
    status: Badge,
    vendor_code: String,
    vendor_href: String,
    sku: String,
    gtin: String,
    title: String,
    item_href: String,
    dc_code: String,
    rtype: &'static str,
    quantity: i64,
    unit_cost: String,
    value: String,
    reason: String,
    raised_by: String,
    raised: String,
    approved_quantity: String,
    vendor_rma: String,
    disposition: &'static str,
    return_address: String,
    rejection_reason: String,
    answered: String,
    completed: String,
    /// The debit memo to come, once approved (approved units × unit cost, rounded as posted).
    expected_debit: String,
    memo: Option<MemoView>,
    timeline: Vec<StepRow>,
    can_answer: bool,
    can_complete: bool,
    can_cancel: bool,
    /// The vendor's saved address for this type prefilled the answer form.
    address_saved: bool,
    dispositions: Vec<(&'static str, &'static str)>,
    a: AnswerTyped,
    addresses_href: String,
}

fn detail_page(auth: &SessionAuth, shell: Shell, t: T, d: ReturnDetail, errors: Errors, typed: Option<AnswerTyped>, notice: &'static str) -> DetailPage {
    let r = &d.ret;
    let cur = r.currency.as_str();
    let requested = r.status == ReturnStatus::Requested;
    let a = typed.unwrap_or_else(|| AnswerTyped {
        approved_quantity: r.quantity.to_string(),
        disposition: Disposition::ShipBack.as_str().into(),
        return_address: d.saved_address.clone().unwrap_or_default(),
        ..AnswerTyped::default()
    });
    let expected_debit = match (r.status, r.approved_quantity) {
        (ReturnStatus::Approved, Some(q)) => returns::debit_amount(q, r.unit_cost, cur).map(|v| amount(money::format_amount(v, cur), cur)).unwrap_or_default(),
        _ => String::new(),
    };
    DetailPage {
        t,
        form_token: forms::new_token(),
        errors,
        notice,
        id: r.id.to_string(),
        number: r.number.clone(),
        status: status_badge(r.status),
        vendor_code: r.vendor_code.clone(),
        vendor_href: if auth.user.is_retailer() && access(auth, Area::Vendors) >= Access::Read { format!("/vendors/{}", r.tenant) } else { String::new() },
        sku: r.vendor_sku.clone(),
        gtin: r.gtin.clone(),
        title: r.title.clone(),
        item_href: if access(auth, Area::Items) >= Access::Read { format!("/items/{}", r.item_id) } else { String::new() },
        dc_code: r.dc_code.clone(),
        rtype: type_key(r.return_type),
        quantity: r.quantity,
        unit_cost: amount(money::format_amount(r.unit_cost, cur), cur),
        value: amount(money::format_amount(money::checked_extend(r.quantity, r.unit_cost).unwrap_or_default(), cur), cur),
        reason: r.reason.clone(),
        raised_by: r.raised_by.clone(),
        raised: view::when(r.raised_at),
        approved_quantity: r.approved_quantity.map(|q| q.to_string()).unwrap_or_default(),
        vendor_rma: r.vendor_rma.clone().unwrap_or_default(),
        disposition: r.disposition.map(disposition_key).unwrap_or(""),
        return_address: r.return_address.clone().unwrap_or_default(),
        rejection_reason: r.rejection_reason.clone().unwrap_or_default(),
        answered: r.answered_at.map(view::when).unwrap_or_default(),
        completed: r.completed_at.map(view::when).unwrap_or_default(),
        expected_debit,
        memo: d.debit_memo.as_ref().map(memo_view),
        timeline: d
            .timeline
            .iter()
            .rev()
            .map(|s| StepRow { key: step_key(&s.action), actor: s.actor.clone(), at: view::when(s.at), at_iso: view::iso(s.at) })
            .collect(),
        can_answer: requested && vendor_writer(auth),
        can_complete: r.status == ReturnStatus::Approved && staff_writer(auth),
        can_cancel: requested && staff_writer(auth),
        address_saved: d.saved_address.is_some(),
        dispositions: Disposition::ALL.iter().map(|d| (d.as_str(), disposition_key(*d))).collect(),
        a,
        addresses_href: if vendor_writer(auth) { "/returns/addresses".into() } else { String::new() },
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
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("return")) };
    match s.services.get_return(&req.ctx(&auth), id).await {
        Ok(d) => render(&detail_page(&auth, shell, t, d, Vec::new(), None, notice_key(&dq.done))),
        Err(e) => server_error(t, e),
    }
}

/// Field ids of the answer forms and their labels.
const ANSWER_LABELS: &[(&str, &str)] = &[
    ("approved_quantity", "rtv.approved_quantity"),
    ("vendor_rma", "rtv.vendor_rma"),
    ("disposition", "rtv.disposition"),
    ("return_address", "rtv.return_address"),
    ("rejection_reason", "rtv.rejection_reason"),
];

pub async fn answer(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/returns/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let typed = AnswerTyped {
        approved_quantity: f.get("approved_quantity").into(),
        vendor_rma: f.get("vendor_rma").into(),
        disposition: f.get("disposition").into(),
        return_address: f.get("return_address").into(),
        rejection_reason: f.get("rejection_reason").into(),
    };
    let approve = f.get("decision") != "reject";
    let mut own = Errors::new();
    let answer = if approve {
        let quantity = match typed.approved_quantity.trim() {
            "" => {
                own.push(("approved_quantity".into(), t.t("rtv.approved_quantity_required").into()));
                0
            }
            q => q.parse::<i64>().unwrap_or_else(|_| {
                own.push(("approved_quantity".into(), t.t("form.whole_number").replace("{value}", q)));
                0
            }),
        };
        let disposition = Disposition::parse(typed.disposition.trim()).unwrap_or_else(|| {
            own.push(("disposition".into(), t.t("rtv.disposition_required").into()));
            Disposition::ShipBack
        });
        Answer::Approve { quantity, vendor_rma: typed.vendor_rma.clone(), disposition, return_address: Some(typed.return_address.clone()) }
    } else {
        Answer::Reject { reason: typed.rejection_reason.clone() }
    };
    let result = if own.iter().any(|(f, _)| f == "disposition") {
        Err(ServiceError::Invalid(Vec::new()))
    } else {
        s.services.answer_return(&p.ctx(&req), id, answer).await.map(|_| ())
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("{}?done=answered", p.back)).await,
        Err(e) => {
            let main = if approve { "approved_quantity" } else { "rejection_reason" };
            forms::show_again(&s, p.once, t, e, main, async |errors| {
                let d = s.services.get_return(&req.ctx(&p.auth), id).await?;
                let errors = forms::rename(merge(own, errors), "status", main);
                Ok(detail_page(&p.auth, p.shell, t, d, forms::labelled(t, errors, ANSWER_LABELS), Some(typed), ""))
            })
            .await
        }
    }
}

/// Completing or cancelling: one button each; a refusal is shown on the page against the button.
async fn act(s: AppState, req: Req, id: String, body: Bytes, complete: bool) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/returns/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let result = if complete { s.services.complete_return(&p.ctx(&req), id).await } else { s.services.cancel_return(&p.ctx(&req), id).await };
    let (done, field) = if complete { ("completed", "complete") } else { ("cancelled", "cancel") };
    match result {
        Ok(_) => p.once.done(&s, &format!("{}?done={done}", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, field, async |errors| {
                let d = s.services.get_return(&req.ctx(&p.auth), id).await?;
                Ok(detail_page(&p.auth, p.shell, t, d, errors, None, ""))
            })
            .await
        }
    }
}

pub async fn complete(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    act(s, req, id, body, true).await
}

pub async fn cancel(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    act(s, req, id, body, false).await
}

// ---------------------------------------------------------------------------------------------
// Return addresses.

pub struct AddressRow {
    vendor: String,
    rtype: &'static str,
    address: String,
    updated: String,
}

/// A vendor's address form for one return type.
pub struct AddressForm {
    rtype: &'static str,
    value: &'static str,
    field: String,
    address: String,
    error: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "returns_addresses.html")]
struct AddressesPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    retailer: bool,
    can_edit: bool,
    rows: Vec<AddressRow>,
    forms: Vec<AddressForm>,
}

async fn addresses_view(
    s: &AppState,
    req: &Req,
    auth: &SessionAuth,
    shell: Shell,
    t: T,
    errors: Errors,
    typed: Option<(ReturnType, String)>,
) -> Result<AddressesPage, ServiceError> {
    let ctx = req.ctx(auth);
    let saved = s.services.return_addresses(&ctx, None).await?;
    let retailer = auth.user.is_retailer();
    let names = if retailer { pages::vendor_names(s, &ctx).await } else { Vec::new() };
    let rows = saved
        .iter()
        .map(|a| AddressRow {
            vendor: names.iter().find(|(id, _)| *id == a.tenant.to_string()).map(|(_, n)| n.clone()).unwrap_or_else(|| a.tenant.to_string()),
            rtype: type_key(a.return_type),
            address: a.address.clone(),
            updated: view::when(a.updated_at),
        })
        .collect();
    let forms = ReturnType::ALL
        .iter()
        .map(|rt| {
            let field = format!("address-{}", rt.as_str());
            let current = saved.iter().find(|a| a.return_type == *rt);
            let address = match &typed {
                Some((typed_rt, v)) if typed_rt == rt => v.clone(),
                _ => current.map(|a| a.address.clone()).unwrap_or_default(),
            };
            AddressForm {
                rtype: type_key(*rt),
                value: rt.as_str(),
                error: errors.msg(&field),
                field,
                address,
                updated: current.map(|a| view::when(a.updated_at)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(AddressesPage { t, shell, form_token: forms::new_token(), errors, notice: "", retailer, can_edit: vendor_writer(auth), rows, forms })
}

pub async fn addresses(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, readers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match addresses_view(&s, &req, &auth, shell, t, Vec::new(), None).await {
        Ok(mut page) => {
            page.notice = notice_key(&dq.done);
            render(&page)
        }
        Err(e) => server_error(t, e),
    }
}

pub async fn save_address(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/returns/addresses").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let Some(rt) = ReturnType::parse(f.get("return_type").trim()) else {
        return p.once.failed(&s, t, ServiceError::NotFound("return type")).await;
    };
    let address = f.get("address").to_string();
    let tenant: TenantId = p.auth.user.tenant_id;
    match s.services.set_return_address(&p.ctx(&req), tenant, rt, &address).await {
        Ok(_) => p.once.done(&s, &format!("/returns/addresses?done=saved#address-{}", rt.as_str())).await,
        Err(e) => {
            let field = format!("address-{}", rt.as_str());
            let main = field.clone();
            forms::show_again(&s, p.once, t, e, &main, async |errors| {
                let errors = forms::rename(errors, "address", &field);
                let errors = errors.into_iter().map(|(f, m)| (f, format!("{} ({}): {m}", t.t("rtv.return_address"), t.t(type_key(rt))))).collect();
                addresses_view(&s, &req, &p.auth, p.shell, t, errors, Some((rt, address.clone()))).await
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::known;

    #[test]
    fn every_label_and_badge_is_in_the_catalogue() {
        for st in ReturnStatus::ALL {
            assert!(known(status_badge(*st).key), "{st}");
        }
        for rt in ReturnType::ALL {
            assert!(known(type_key(*rt)), "{rt}");
        }
        for d in Disposition::ALL {
            assert!(known(disposition_key(*d)), "{d}");
        }
        for s in DeductionStatus::ALL {
            assert!(known(memo_status_key(*s)), "{s}");
        }
        for a in ["return.raised", "return.approved", "return.rejected", "return.completed", "return.cancelled", "x"] {
            assert!(known(step_key(a)), "{a}");
        }
        for (_, k) in NEW_LABELS.iter().chain(ANSWER_LABELS) {
            assert!(known(k), "{k}");
        }
        for d in ["raised", "answered", "completed", "cancelled", "saved"] {
            assert!(known(notice_key(d)), "{d}");
        }
        for k in ["rtv.quantity_required", "rtv.approved_quantity_required", "rtv.disposition_required", "form.whole_number"] {
            assert!(known(k), "{k}");
        }
    }
}
