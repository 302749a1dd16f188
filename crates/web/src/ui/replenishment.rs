//! The replenishment page, `/replenishment`: the suggestions of the current cycle (or of one status).
//! Retailer buyers see every vendor's, with the stock position, the order-up-to level, the suggested
//! quantity and why, and the vendor's commitment in force (highlighted when it falls short); they
//! save a quantity or reject per row, and tick rows to create the purchase orders in one step (one PO
//! per vendor × DC; the notice links each PO). Vendors see their own, answer each with a commitment
//! (quantity, date, shortfall reason) and see the versions they sent; under VMI they propose orders.
//!
//! Every control works without JavaScript: each row's quantity, reject and commit are small forms of
//! their own, and the row checkboxes belong to the one "Create purchase orders" form through the
//! `form` attribute (a form cannot span table rows). A refused submission shows the page again with
//! the error next to its field and in the summary.

use super::forms::{self, FieldErrors, Post};
use super::lists::{self, Links};
use super::orders::parse_id;
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::forecast::{Commitment, CommitmentInput, SuggestionOrigin, SuggestionStatus};
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use acorn_service::forecast::suggestions::{OrderOptions, SuggestionFilter, SuggestionLine, VmiProposal};
use acorn_service::orders::parse_date;
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

/// Who opens the page: every forecast reader (a vendor sees its own suggestions).
fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Forecasts) >= Access::Read
}

/// Retailer buyers who decide: forecast and PO writers.
fn can_decide(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Forecasts) >= Access::Write && access(auth, Area::PurchaseOrders) >= Access::Write
}

/// A vendor's people who commit and propose.
fn can_commit(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Forecasts) >= Access::Write
}

fn status_key(s: SuggestionStatus) -> &'static str {
    match s {
        SuggestionStatus::Proposed => "repl.status.proposed",
        SuggestionStatus::Adjusted => "repl.status.adjusted",
        SuggestionStatus::Approved => "repl.status.approved",
        SuggestionStatus::Rejected => "repl.status.rejected",
        SuggestionStatus::Ordered => "repl.status.ordered",
    }
}

fn status_badge(s: SuggestionStatus) -> &'static str {
    match s {
        SuggestionStatus::Proposed => "badge-neutral",
        SuggestionStatus::Adjusted => "badge-info",
        SuggestionStatus::Approved | SuggestionStatus::Ordered => "badge-success",
        SuggestionStatus::Rejected => "badge-critical",
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PageQuery {
    vendor: String,
    dc: String,
    status: String,
    cursor: String,
    /// What was just done (the notice).
    done: String,
    /// The POs just created, comma-separated ids.
    po: String,
    /// A quantity rounded up to whole cases: what was typed, what was saved, the case pack.
    typed: String,
    to: String,
    pack: String,
}

impl PageQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("vendor", self.vendor.trim()), ("dc", self.dc.trim()), ("status", self.status.trim())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// This list's address (filters kept, no paging): where forms come back to.
    fn here(&self) -> String {
        format!("/replenishment{}", forms::query(&self.pairs()))
    }
}

/// The page to come back to after a form: the list with its filters, never another site.
fn back_of(f: &forms::FormData) -> String {
    let b = f.get("back").trim();
    if b.starts_with("/replenishment") && !b.starts_with("//") { b.to_string() } else { "/replenishment".to_string() }
}

/// `back` with more query pairs.
fn with(back: &str, pairs: &[(&str, &str)]) -> String {
    let extra = forms::query(pairs);
    if extra.is_empty() {
        back.to_string()
    } else if back.contains('?') {
        format!("{back}&{}", &extra[1..])
    } else {
        format!("{back}{extra}")
    }
}

pub struct CommitView {
    version: usize,
    quantity: i64,
    available_on: String,
    shortfall: i64,
    reason: String,
    by: String,
    at: String,
}

impl CommitView {
    fn of(m: &Commitment, version: usize) -> CommitView {
        CommitView {
            version,
            quantity: m.quantity,
            available_on: m.available_on.map(|d| d.to_string()).unwrap_or_default(),
            shortfall: m.shortfall,
            reason: m.reason.clone(),
            by: m.committed_by.clone(),
            at: view::when(m.committed_at),
        }
    }
}

/// What a row's forms were sent with, to show them again with their errors.
#[derive(Clone, Default)]
pub struct Typed {
    quantity: String,
    reason: String,
    c_quantity: String,
    c_date: String,
    c_reason: String,
}

pub struct Row {
    id: String,
    /// The ids of the row's fields (errors are keyed by them).
    f_sel: String,
    f_qty: String,
    f_cqty: String,
    f_cdate: String,
    f_creason: String,
    vendor: String,
    sku: String,
    title: String,
    item_href: String,
    dc: String,
    on_hand: i64,
    on_order: i64,
    order_up_to: i64,
    computed: i64,
    in_force: i64,
    adjusted: bool,
    case_pack: i64,
    explanation: String,
    vmi: bool,
    delivery_on: String,
    status_key: &'static str,
    badge: &'static str,
    open: bool,
    po_number: String,
    po_href: String,
    commitment: Option<CommitView>,
    short: bool,
    history: Vec<CommitView>,
    /// Whether the vendor may still answer (not rejected).
    committable: bool,
    typed: Typed,
}

fn row(l: &SuggestionLine, typed: Option<&Typed>) -> Row {
    let s = &l.suggestion;
    let versions = l.history.len();
    let in_force = s.current_quantity();
    Row {
        id: s.id.to_string(),
        f_sel: format!("sel-{}", s.id),
        f_qty: format!("qty-{}", s.id),
        f_cqty: format!("c-qty-{}", s.id),
        f_cdate: format!("c-date-{}", s.id),
        f_creason: format!("c-reason-{}", s.id),
        vendor: l.vendor_code.clone(),
        sku: l.vendor_sku.clone(),
        title: l.title.clone(),
        item_href: format!("/items/{}", s.item_id),
        dc: l.dc_code.clone(),
        on_hand: s.on_hand,
        on_order: s.on_order,
        order_up_to: s.order_up_to,
        computed: s.quantity,
        in_force,
        adjusted: s.adjusted_quantity.is_some(),
        case_pack: l.case_pack,
        explanation: s.explanation.clone(),
        vmi: s.origin == SuggestionOrigin::Vmi,
        delivery_on: s.delivery_on.map(|d| d.to_string()).unwrap_or_default(),
        status_key: status_key(s.status),
        badge: status_badge(s.status),
        open: s.is_open(),
        po_number: l.po_number.clone().unwrap_or_default(),
        po_href: s.po_id.map(|p| format!("/orders/{p}")).unwrap_or_default(),
        commitment: l.commitment().map(|m| CommitView::of(m, versions)),
        short: l.short(),
        history: l.history.iter().enumerate().rev().map(|(i, m)| CommitView::of(m, i + 1)).collect(),
        committable: s.status != SuggestionStatus::Rejected,
        typed: typed.cloned().unwrap_or_else(|| Typed {
            quantity: in_force.to_string(),
            c_quantity: l.commitment().map(|m| m.quantity).unwrap_or(in_force).to_string(),
            c_date: l.commitment().and_then(|m| m.available_on).or(s.delivery_on).map(|d| d.to_string()).unwrap_or_default(),
            c_reason: l.commitment().map(|m| m.reason.clone()).unwrap_or_default(),
            reason: String::new(),
        }),
    }
}

/// The approve form and the VMI form as typed.
#[derive(Clone, Default)]
pub struct OptionsTyped {
    ship_start: String,
    ship_end: String,
    delivery_on: String,
}

#[derive(Clone, Default)]
pub struct VmiTyped {
    item: String,
    dc: String,
    quantity: String,
    delivery_on: String,
}

/// What a refused form brings back to the page.
#[derive(Default)]
struct Sent {
    errors: Errors,
    /// The row the errors are about, and its typed values.
    row: Option<(Uuid, Typed)>,
    options: OptionsTyped,
    /// Rows that were ticked.
    ticked: Vec<String>,
    vmi: VmiTyped,
}

#[derive(Template)]
#[template(path = "replenishment.html")]
struct Page {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    /// Rounded-up notice: typed, saved, case pack.
    rounded: Option<(String, String, String)>,
    /// The POs just created: (number, link).
    created: Vec<(String, String)>,
    staff: bool,
    decide: bool,
    commit: bool,
    vmi: bool,
    q: PageQuery,
    here: String,
    filtered: bool,
    statuses: Vec<(&'static str, &'static str)>,
    dcs: Vec<String>,
    rows: Vec<Row>,
    ticked: Vec<String>,
    options: OptionsTyped,
    vmi_typed: VmiTyped,
    next_href: String,
    first_href: String,
}

impl Page {
    fn is_ticked(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }
}

const STATUSES: [SuggestionStatus; 5] =
    [SuggestionStatus::Proposed, SuggestionStatus::Adjusted, SuggestionStatus::Ordered, SuggestionStatus::Rejected, SuggestionStatus::Approved];

#[allow(clippy::too_many_arguments)]
async fn build(s: &AppState, ctx: &Ctx, auth: &SessionAuth, shell: Shell, t: T, q: PageQuery, sent: Sent) -> Result<Page, ServiceError> {
    let cursor = lists::cursor(&q.cursor);
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let filter =
        SuggestionFilter { vendor_code: opt(&q.vendor), dc: opt(&q.dc), item: None, status: opt(&q.status), cursor: cursor.map(str::to_string), limit: None };
    let mut errors = sent.errors;
    let page = match s.services.list_suggestions(ctx, &filter).await {
        Ok(p) => p,
        // A filter that cannot be read is shown against its field, with no rows.
        Err(ServiceError::Invalid(issues)) => {
            errors.extend(issues.into_iter().map(|i| (if i.field == "vendor_code" { "vendor".to_string() } else { i.field }, i.issue)));
            acorn_domain::paging::Page { items: Vec::new(), next: None }
        }
        Err(e) => return Err(e),
    };
    let staff = auth.user.is_retailer();
    let rows = page.items.iter().map(|l| row(l, sent.row.as_ref().filter(|(id, _)| *id == l.suggestion.id).map(|(_, typed)| typed))).collect();
    let mut created = Vec::new();
    for id in q.po.split(',').filter_map(|p| Uuid::parse_str(p.trim()).ok()).take(50) {
        if let Ok(d) = s.services.get_po(ctx, id).await {
            created.push((d.po.number.clone(), format!("/orders/{id}")));
        }
    }
    let rounded = (q.done == "adjusted" && !q.typed.is_empty()).then(|| (q.typed.clone(), q.to.clone(), q.pack.clone()));
    let notice = match q.done.as_str() {
        "adjusted" if rounded.is_none() => "repl.notice.adjusted",
        "rejected" => "repl.notice.rejected",
        "committed" => "repl.notice.committed",
        "proposed" => "repl.notice.proposed",
        _ => "",
    };
    let commit = can_commit(auth);
    let vmi = commit && s.services.vmi_enabled(ctx).await?;
    let dcs = if vmi { s.services.list_dcs(ctx).await?.into_iter().map(|d| d.code).collect() } else { Vec::new() };
    let Links { next_href, first_href, .. } = lists::links("/replenishment", &q.pairs(), cursor, page.next.as_deref());
    Ok(Page {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        notice,
        rounded,
        created,
        staff,
        decide: can_decide(auth),
        commit,
        vmi,
        here: q.here(),
        filtered: q.active(),
        statuses: STATUSES.iter().map(|s| (s.as_str(), status_key(*s))).collect(),
        dcs,
        rows,
        ticked: sent.ticked,
        options: sent.options,
        vmi_typed: sent.vmi,
        next_href,
        first_href,
        q,
    })
}

pub async fn page(State(s): State<AppState>, req: Req, Query(q): Query<PageQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    match build(&s, &ctx, &auth, shell, t, q, Sent::default()).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// A refused form: the page again (422) with the errors, the typed values kept.
async fn again(s: &AppState, req: &Req, p: Post, e: ServiceError, main_field: &str, sent: impl FnOnce(Errors) -> Sent) -> Response {
    let back = back_of(&p.f);
    let kept = forms::FormData::parse(back.split_once('?').map(|(_, qs)| qs).unwrap_or_default().as_bytes());
    let q = PageQuery { vendor: kept.get("vendor").into(), dc: kept.get("dc").into(), status: kept.get("status").into(), ..Default::default() };
    let read = req.ctx(&p.auth);
    let (auth, shell, t) = (p.auth, p.shell, p.t);
    forms::show_again(s, p.once, t, e, main_field, async |errors| build(s, &read, &auth, shell, t, q, sent(errors)).await).await
}

/// A whole number typed into a form, or the message naming it.
fn whole(t: T, v: &str) -> Result<Option<i64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>().map(Some).map_err(|_| t.t("form.whole_number").replace("{value}", v))
}

/// A date typed into a form (`2026-12-01`), blank as none.
fn day(v: &str) -> Result<Option<NaiveDate>, String> {
    let v = v.trim();
    if v.is_empty() { Ok(None) } else { parse_date(v).map(Some) }
}

/// Renames a use case's field errors to a row's field ids (`quantity` → `qty-{id}`) and names the
/// row and the field in the message (the summary lists it away from the row). `names` maps a use
/// case field to the row field's id prefix and label; other errors go to the first.
fn on_row(t: T, errors: Errors, id: Uuid, names: &[(&str, &str, &str)], sku: &str) -> Errors {
    errors
        .into_iter()
        .map(|(f, m)| {
            let (_, to, label) = names.iter().find(|(from, _, _)| *from == f).unwrap_or(&names[0]);
            (format!("{to}-{id}"), format!("{sku}, {}: {m}", t.t(label)))
        })
        .collect()
}

/// The adjust and reject forms' one field.
const QTY: [(&str, &str, &str); 1] = [("quantity", "qty", "repl.quantity")];

/// The SKU and DC a row is about, for its error messages.
async fn label(s: &AppState, ctx: &Ctx, id: Uuid) -> String {
    match s.services.get_suggestion(ctx, id).await {
        Ok(d) => format!("{} @ {}", d.line.vendor_sku, d.line.dc_code),
        Err(_) => String::new(),
    }
}

pub async fn adjust(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |_| "/replenishment".to_string()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_decide(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let typed = Typed { quantity: p.f.get("quantity").to_string(), reason: p.f.get("reason").to_string(), ..Default::default() };
    let ctx = p.ctx(&req);
    let result = match whole(p.t, &typed.quantity) {
        Ok(q) => s.services.adjust_suggestion(&ctx, id, q, Some(&typed.reason)).await,
        Err(m) => Err(ServiceError::invalid("quantity", m)),
    };
    match result {
        Ok(a) => {
            let back = back_of(&p.f);
            let to = match a.rounded_from {
                Some(typed) => with(
                    &back,
                    &[
                        ("done", "adjusted"),
                        ("typed", &typed.to_string()),
                        ("to", &a.suggestion.current_quantity().to_string()),
                        ("pack", &a.case_pack.to_string()),
                    ],
                ),
                None => with(&back, &[("done", "adjusted")]),
            };
            p.once.done(&s, &format!("{to}#row-{id}")).await
        }
        Err(e) => {
            let sku = label(&s, &req.ctx(&p.auth), id).await;
            let t = p.t;
            again(&s, &req, p, e, "quantity", |errors| Sent { errors: on_row(t, errors, id, &QTY, &sku), row: Some((id, typed)), ..Default::default() }).await
        }
    }
}

pub async fn reject(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |_| "/replenishment".to_string()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_decide(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let ctx = p.ctx(&req);
    match s.services.reject_suggestion(&ctx, id, None).await {
        Ok(_) => {
            let to = with(&back_of(&p.f), &[("done", "rejected")]);
            p.once.done(&s, &to).await
        }
        Err(e) => {
            let sku = label(&s, &req.ctx(&p.auth), id).await;
            let t = p.t;
            again(&s, &req, p, e, "quantity", |errors| Sent { errors: on_row(t, errors, id, &QTY, &sku), ..Default::default() }).await
        }
    }
}

pub async fn approve(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/replenishment").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_decide(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let ticked: Vec<String> = p.f.all("ids").into_iter().map(str::to_string).collect();
    let options = OptionsTyped { ship_start: p.f.get("ship_start").into(), ship_end: p.f.get("ship_end").into(), delivery_on: p.f.get("delivery_on").into() };
    let ids: Vec<Uuid> = ticked.iter().filter_map(|v| Uuid::parse_str(v).ok()).collect();
    let ctx = p.ctx(&req);
    let mut bad = Vec::new();
    let mut date_of = |field: &str, v: &str| match day(v) {
        Ok(d) => d,
        Err(m) => {
            bad.push(acorn_domain::validate::FieldIssue::new(field, m));
            None
        }
    };
    let opts = OrderOptions {
        ship_start: date_of("ship_start", &options.ship_start),
        ship_end: date_of("ship_end", &options.ship_end),
        delivery_on: date_of("delivery_on", &options.delivery_on),
    };
    let result = if bad.is_empty() { s.services.approve_suggestions(&ctx, &ids, &opts).await } else { Err(ServiceError::Invalid(bad)) };
    match result {
        Ok(pos) => {
            let list: Vec<String> = pos.iter().map(|p| p.po_id.to_string()).collect();
            let to = with(&back_of(&p.f), &[("po", &list.join(","))]);
            p.once.done(&s, &to).await
        }
        Err(ServiceError::Invalid(issues)) => {
            // `ids[i]` is the i-th ticked row: its error goes next to that row's checkbox.
            let read = req.ctx(&p.auth);
            let mut errors: Errors = Vec::new();
            for i in issues {
                let place = i.field.strip_prefix("ids[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok());
                match place.and_then(|n| ids.get(n)) {
                    Some(id) => errors.push((format!("sel-{id}"), format!("{}: {}", label(&s, &read, *id).await, i.issue))),
                    None if i.field == "ids" => errors.push(("create-pos".into(), i.issue)),
                    None => errors.push((i.field, i.issue)),
                }
            }
            let errors = forms::labelled(p.t, errors, OPTION_LABELS);
            again(&s, &req, p, ServiceError::Invalid(Vec::new()), "create-pos", move |_| Sent { errors, options, ticked, ..Default::default() }).await
        }
        Err(e) => again(&s, &req, p, e, "create-pos", |errors| Sent { errors, options, ticked, ..Default::default() }).await,
    }
}

/// The approve form's option fields and their labels.
const OPTION_LABELS: &[(&str, &str)] = &[("ship_start", "repl.ship_start"), ("ship_end", "repl.ship_end"), ("delivery_on", "repl.delivery_on")];

pub async fn commit(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |_| "/replenishment".to_string()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_commit(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let typed = Typed {
        c_quantity: p.f.get("quantity").to_string(),
        c_date: p.f.get("available_on").to_string(),
        c_reason: p.f.get("shortfall_reason").to_string(),
        ..Default::default()
    };
    let ctx = p.ctx(&req);
    let mut bad = Vec::new();
    let quantity = whole(p.t, &typed.c_quantity).unwrap_or_else(|m| {
        bad.push(acorn_domain::validate::FieldIssue::new("quantity", m));
        None
    });
    let available_on = day(&typed.c_date).unwrap_or_else(|m| {
        bad.push(acorn_domain::validate::FieldIssue::new("available_on", m));
        None
    });
    let result = if bad.is_empty() {
        s.services.commit_to_suggestion(&ctx, id, CommitmentInput { quantity, available_on, shortfall_reason: typed.c_reason.clone() }).await.map(|_| ())
    } else {
        match s.services.authorize_commitment(&ctx, id).await {
            Ok(_) => Err(ServiceError::Invalid(bad)),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(()) => {
            let to = with(&back_of(&p.f), &[("done", "committed")]);
            p.once.done(&s, &format!("{to}#row-{id}")).await
        }
        Err(e) => {
            let sku = label(&s, &req.ctx(&p.auth), id).await;
            let names = [
                ("quantity", "c-qty", "repl.commit.quantity"),
                ("available_on", "c-date", "repl.commit.available_on"),
                ("shortfall_reason", "c-reason", "repl.commit.reason"),
            ];
            let t = p.t;
            again(&s, &req, p, e, "quantity", |errors| Sent { errors: on_row(t, errors, id, &names, &sku), row: Some((id, typed)), ..Default::default() }).await
        }
    }
}

/// The VMI form's fields and their labels.
const VMI_LABELS: &[(&str, &str)] =
    &[("vmi-item", "repl.vmi.item"), ("vmi-dc", "sales.dc"), ("vmi-quantity", "repl.vmi.quantity"), ("vmi-delivery_on", "repl.delivery_on")];

pub async fn propose(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/replenishment").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !can_commit(&p.auth) {
        return p.once.failed(&s, p.t, ServiceError::Forbidden).await;
    }
    let typed =
        VmiTyped { item: p.f.get("item").into(), dc: p.f.get("dc").into(), quantity: p.f.get("quantity").into(), delivery_on: p.f.get("delivery_on").into() };
    let ctx = p.ctx(&req);
    let mut bad = Vec::new();
    let quantity = whole(p.t, &typed.quantity).unwrap_or_else(|m| {
        bad.push(acorn_domain::validate::FieldIssue::new("quantity", m));
        None
    });
    let delivery_on = day(&typed.delivery_on).unwrap_or_else(|m| {
        bad.push(acorn_domain::validate::FieldIssue::new("delivery_on", m));
        None
    });
    let result = if bad.is_empty() {
        let proposal = VmiProposal { item_id: None, vendor_sku: typed.item.clone(), dc_code: typed.dc.clone(), quantity, delivery_on };
        s.services.propose_vmi_order(&ctx, proposal).await.map(|_| ())
    } else {
        Err(ServiceError::Invalid(bad))
    };
    match result {
        Ok(()) => {
            let to = with(&back_of(&p.f), &[("done", "proposed")]);
            p.once.done(&s, &to).await
        }
        Err(e) => {
            let t = p.t;
            again(&s, &req, p, e, "vmi-quantity", move |errors| {
                let errors = errors.into_iter().map(|(f, m)| if f.starts_with("vmi-") { (f, m) } else { (format!("vmi-{f}"), m) }).collect();
                Sent { errors: forms::labelled(t, errors, VMI_LABELS), vmi: typed, ..Default::default() }
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
        assert_all_known(SuggestionStatus::ALL, status_key);
        for (_, k) in OPTION_LABELS.iter().chain(VMI_LABELS) {
            assert!(known(k), "{k}");
        }
        for k in ["repl.notice.adjusted", "repl.notice.rejected", "repl.notice.committed", "repl.notice.proposed", "repl.title"] {
            assert!(known(k), "{k}");
        }
    }

    #[test]
    fn forms_come_back_to_the_list_only() {
        let f = forms::FormData::parse(b"back=%2Freplenishment%3Fdc%3DFCA1");
        assert_eq!(back_of(&f), "/replenishment?dc=FCA1");
        assert_eq!(back_of(&forms::FormData::parse(b"back=https%3A%2F%2Fevil.test")), "/replenishment");
        assert_eq!(with("/replenishment?dc=A", &[("done", "rejected")]), "/replenishment?dc=A&done=rejected");
        assert_eq!(with("/replenishment", &[("done", "rejected")]), "/replenishment?done=rejected");
    }
}
