//! Purchase orders in the portal: the index (filters as query parameters, keyset paging, CSV export of
//! the current filter), the new-PO form (header and a lines table that grows without JavaScript), the
//! PO page (key facts, lines, every acknowledgement version, the history, and for staff the change and
//! cancel forms), the vendor's acknowledgement grid (accept all, a pre-flight check showing the defects
//! a submission would cause, submit), and the acknowledgement CSV upload with its per-row report.

use super::forms::{self, FieldErrors, FormData};
use super::lists::{self, Links};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::shipments;
use super::upload::{self, Upload, UploadQuery, uploaded_notice};
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::defects::DefectKind;
use acorn_domain::master::Dc;
use acorn_domain::money;
use acorn_domain::orders::*;
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::{Appointment, AppointmentStatus, ShipmentStatus};
use acorn_domain::time;
use acorn_domain::validate::FieldIssue;
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::orders::{LineChange, NewPo, NewPoLine, PoChange, PoDetail, parse_date};
use acorn_service::orders_csv::PO_CSV_COLUMNS;
use acorn_service::{Services, acks};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Empty line rows the new-PO form starts with, and how many "add more rows" adds.
const ROWS_STEP: usize = 5;
/// Line rows the form offers at most (longer POs come by CSV upload).
const MAX_ROWS: usize = 200;
/// An acknowledgement due within this many hours shows as "due soon".
const DUE_SOON_HOURS: i64 = 6;

// ---------------------------------------------------------------------------------------------
// Presentation helpers shared by the order and catalogue pages.

pub(crate) fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.trim()).ok()
}

pub(crate) fn po_state(s: PoState) -> Badge {
    match s {
        PoState::New => Badge { key: "po.state.new", class: "badge-neutral" },
        PoState::Acknowledged => Badge { key: "po.state.acknowledged", class: "badge-success" },
        PoState::Closed => Badge { key: "po.state.closed", class: "badge-neutral" },
    }
}

fn confirmation(l: &PoLine) -> Badge {
    if l.cancelled {
        return Badge { key: "po.line.cancelled", class: "badge-neutral" };
    }
    match l.confirmation {
        LineConfirmation::Unconfirmed => Badge { key: "po.conf.unconfirmed", class: "badge-neutral" },
        LineConfirmation::Accepted => Badge { key: "po.conf.accepted", class: "badge-success" },
        LineConfirmation::PartiallyAccepted => Badge { key: "po.conf.partial", class: "badge-warning" },
        LineConfirmation::Rejected => Badge { key: "po.conf.rejected", class: "badge-critical" },
    }
}

fn receiving(r: ReceiveStatus) -> Badge {
    match r {
        ReceiveStatus::NotReceived => Badge { key: "po.recv.none", class: "badge-neutral" },
        ReceiveStatus::PartiallyReceived => Badge { key: "po.recv.partial", class: "badge-warning" },
        ReceiveStatus::Received => Badge { key: "po.recv.full", class: "badge-success" },
    }
}

fn po_type_key(p: PoType) -> &'static str {
    match p {
        PoType::RegularOrder => "po.type.regular",
        PoType::RushOrder => "po.type.rush",
        PoType::NewProductIntroduction => "po.type.npi",
        PoType::ConsignedOrder => "po.type.consigned",
    }
}

fn unit_key(u: QuantityUnit) -> &'static str {
    match u {
        QuantityUnit::Eaches => "po.unit.eaches",
        QuantityUnit::Cases => "po.unit.cases",
    }
}

fn freight_key(f: FreightTerms) -> &'static str {
    match f {
        FreightTerms::Collect => "po.freight.collect",
        FreightTerms::Prepaid => "po.freight.prepaid",
    }
}

fn reason_key(r: RejectionReason) -> &'static str {
    match r {
        RejectionReason::TemporarilyUnavailable => "ack.reason.unavailable",
        RejectionReason::InvalidProductIdentifier => "ack.reason.invalid_id",
        RejectionReason::ObsoleteProduct => "ack.reason.obsolete",
    }
}

fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::Ui => "ack.channel.ui",
        Channel::Api => "ack.channel.api",
        Channel::Csv => "ack.channel.csv",
        Channel::Edi => "ack.channel.edi",
        Channel::System => "ack.channel.system",
    }
}

fn defect_key(k: DefectKind) -> &'static str {
    match k {
        DefectKind::UnconfirmedUnits => "defect.unconfirmed_units",
        DefectKind::LateAcknowledgement => "defect.late_acknowledgement",
        DefectKind::MissingAsn => "defect.missing_asn",
        DefectKind::LateAsn => "defect.late_asn",
        DefectKind::AsnShortage => "defect.asn_shortage",
        DefectKind::AsnOverage => "defect.asn_overage",
        DefectKind::WrongItem => "defect.wrong_item",
        DefectKind::NotOnTime => "defect.not_on_time",
        DefectKind::LateCancellation => "defect.late_cancellation",
        DefectKind::NoShow => "defect.no_show",
    }
}

/// The notice for `?done=…` on these pages; other values as everywhere else.
pub(crate) fn notice_key(done: &str) -> &'static str {
    match done {
        "issued" => "po.notice.issued",
        "changed" => "po.notice.changed",
        "cancelled" => "po.notice.cancelled",
        "acknowledged" => "ack.notice.done",
        "uploaded" => "upload.notice.done",
        "read" => "bell.notice.read",
        "cost" => "item.notice.cost",
        d => view::notice_key(d),
    }
}

/// An amount with its currency, never rounded: "1234.50 USD".
pub(crate) fn amount(formatted: String, currency: &str) -> String {
    format!("{formatted} {currency}")
}

/// A span of time in whole minutes, hours or days ("45 min", "5 h", "3 d").
pub(crate) fn span(t: T, d: Duration) -> String {
    let minutes = d.num_minutes().max(1);
    let (key, n) = if minutes < 60 {
        ("time.minutes", minutes)
    } else if minutes < 48 * 60 {
        ("time.hours", minutes / 60)
    } else {
        ("time.days", minutes / (24 * 60))
    };
    t.t(key).replace("{n}", &n.to_string())
}

/// A countdown chip ("Ack due in 5 h", "Ack overdue by 2 h"); empty text: no chip.
#[derive(Default)]
pub struct Chip {
    pub text: String,
    pub class: &'static str,
}

/// The acknowledgement chip of a PO whose current revision still awaits acknowledgement.
fn ack_chip(t: T, po: &PurchaseOrder, now: DateTime<Utc>) -> Chip {
    if !po.ack_outstanding() {
        return Chip::default();
    }
    let left = po.ack_due_at - now;
    if left <= Duration::zero() {
        Chip { text: t.t("ack.overdue_by").replace("{time}", &span(t, -left)), class: "badge-critical" }
    } else {
        let class = if left <= Duration::hours(DUE_SOON_HOURS) { "badge-warning" } else { "badge-info" };
        Chip { text: t.t("ack.due_in").replace("{time}", &span(t, left)), class }
    }
}

/// A wall-clock time in a DC's time zone ("2026-03-02 02:00"); UTC when the zone is unknown.
fn local(t: DateTime<Utc>, tz_name: &str) -> String {
    let tz = time::zone(tz_name).unwrap_or(time::UTC);
    time::to_local(tz, t).format("%Y-%m-%d %H:%M").to_string()
}

/// The time of day ("09:00") in a DC's time zone.
fn time_of_day(t: DateTime<Utc>, tz_name: &str) -> String {
    let tz = time::zone(tz_name).unwrap_or(time::UTC);
    time::to_local(tz, t).format("%H:%M").to_string()
}

fn window(w: &Window) -> String {
    format!("{} – {}", w.start, w.end)
}

/// A use case's field names turned into the form's control ids (`lines[2].quantity` → `qty-5`).
fn remap(e: ServiceError, f: impl Fn(&str) -> String) -> ServiceError {
    match e {
        ServiceError::Invalid(issues) => ServiceError::Invalid(issues.into_iter().map(|i| FieldIssue::new(f(&i.field), i.issue)).collect()),
        e => e,
    }
}

/// The page's own input errors first; the use case's errors on a field the page already faulted are
/// dropped (they would describe the placeholder the page passed on, not what was typed).
pub(crate) fn merge(own: Errors, theirs: Errors) -> Errors {
    let mut out = own;
    for (f, m) in theirs {
        if !out.iter().any(|(g, _)| *g == f) {
            out.push((f, m));
        }
    }
    out
}

/// Names the field in each message, through a function of the field id.
fn named(errors: Errors, label: impl Fn(&str) -> Option<String>) -> Errors {
    errors
        .into_iter()
        .map(|(f, m)| match label(&f) {
            Some(l) => {
                let m = format!("{l}: {m}");
                (f, m)
            }
            None => (f, m),
        })
        .collect()
}

/// A control's inline error without the label [`named`] put in front for the error summary (in a
/// grid the column header and row already name the control).
fn bare(errors: &Errors, field: &str, label: Option<String>) -> String {
    let msg = errors.msg(field);
    match label {
        Some(l) => msg.replace(&format!("{l}: "), ""),
        None => msg,
    }
}

/// A CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
pub(crate) fn csv_cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

pub(crate) fn csv_row(out: &mut String, cells: &[String]) {
    out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
}

pub(crate) fn csv_download(name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// A whole number typed into a quantity field: blank is 0; anything else is an error message.
fn whole(t: T, v: &str) -> Result<i64, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(0);
    }
    v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| t.t("form.whole_number").replace("{value}", v))
}

// ---------------------------------------------------------------------------------------------
// The index.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    dc: String,
    vendor_code: String,
    from: String,
    to: String,
    number: String,
    awaiting: String,
    cursor: String,
    done: String,
}

/// The filters as typed (kept in links, the CSV export and the form).
#[derive(Default)]
pub struct Filters {
    state: String,
    dc: String,
    vendor_code: String,
    from: String,
    to: String,
    number: String,
    awaiting: bool,
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters {
            state: q.state.trim().to_string(),
            dc: q.dc.trim().to_string(),
            vendor_code: q.vendor_code.trim().to_uppercase(),
            from: q.from.trim().to_string(),
            to: q.to.trim().to_string(),
            number: q.number.trim().to_uppercase(),
            awaiting: !q.awaiting.trim().is_empty(),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("state", self.state.as_str()),
            ("dc", self.dc.as_str()),
            ("vendor_code", self.vendor_code.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("number", self.number.as_str()),
            ("awaiting", if self.awaiting { "1" } else { "" }),
        ]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The service filter, and what could not be read (shown, and left out of the filter).
    fn filter(&self, t: T) -> (PoFilter, Errors) {
        let mut errors = Errors::new();
        let mut date = |field: &str, v: &str| {
            if v.is_empty() {
                return None;
            }
            parse_date(v)
                .map_err(|e| errors.push((field.to_string(), format!("{}: {e}", t.t(if field == "from" { "po.filter.from" } else { "po.filter.to" })))))
                .ok()
        };
        let ordered_from = date("from", &self.from);
        let ordered_to = date("to", &self.to);
        let f = PoFilter {
            tenant: None,
            state: PoState::parse(&self.state),
            dc_code: Some(self.dc.to_uppercase()).filter(|c| !c.is_empty()),
            vendor_code: Some(self.vendor_code.clone()).filter(|c| !c.is_empty()),
            ordered_from,
            ordered_to,
            number: Some(self.number.clone()).filter(|n| !n.is_empty()),
            ack_outstanding: self.awaiting,
        };
        (f, errors)
    }
}

pub struct PoRow {
    id: String,
    number: String,
    vendor_code: String,
    dc_code: String,
    po_type: &'static str,
    order_date: String,
    ship_window: String,
    state: Badge,
    lines: i64,
    total: String,
    chip: Chip,
}

fn po_row(t: T, po: &PurchaseOrder, now: DateTime<Utc>) -> PoRow {
    PoRow {
        id: po.id.to_string(),
        number: po.number.clone(),
        vendor_code: po.vendor_code.clone(),
        dc_code: po.dc_code.clone(),
        po_type: po_type_key(po.po_type),
        order_date: po.order_date.to_string(),
        ship_window: window(&po.ship_window),
        state: po_state(po.state),
        lines: po.line_count,
        total: amount(money::format_amount(po.total_cost, &po.currency), &po.currency),
        chip: ack_chip(t, po, now),
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct ListPage {
    t: T,
    shell: Shell,
    errors: Errors,
    f: Filters,
    filtered: bool,
    states: Vec<(&'static str, &'static str)>,
    dcs: Vec<(String, String)>,
    rows: Vec<PoRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    can_issue: bool,
    can_ack: bool,
    notice: &'static str,
}

/// The DC filter's options: code, and code with name.
pub(crate) fn dc_options(dcs: &[Dc]) -> Vec<(String, String)> {
    dcs.iter().map(|d| (d.code.clone(), format!("{} · {}", d.code, d.name))).collect()
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let f = Filters::from_query(&lq);
    let (filter, errors) = f.filter(t);
    let cursor = lists::cursor(&lq.cursor);
    let page = match s.services.list_pos(&ctx, filter, cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let dcs = s.services.list_dcs(&ctx).await.unwrap_or_default();
    let now = Utc::now();
    let rows = page.items.iter().map(|po| po_row(t, po, now)).collect();
    let Links { next_href, first_href, csv_href } = lists::links("/orders", &f.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        errors,
        filtered: f.active(),
        states: PoState::ALL.iter().map(|st| (st.as_str(), po_state(*st).key)).collect(),
        dcs: dc_options(&dcs),
        rows,
        next_href,
        first_href,
        csv_href,
        can_issue: access(&auth, Area::PurchaseOrders) >= Access::Write,
        can_ack: access(&auth, Area::Acknowledgements) >= Access::Write,
        notice: notice_key(&lq.done),
        f,
        shell,
    })
}

/// Every PO of the current filter as CSV (all pages).
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let (filter, _) = Filters::from_query(&lq).filter(t);
    let header = [
        "po_number",
        "vendor_code",
        "dc_code",
        "po_type",
        "state",
        "order_date",
        "ship_start",
        "ship_end",
        "delivery_start",
        "delivery_end",
        "freight_terms",
        "payment_terms",
        "lines",
        "total_cost",
        "currency",
        "revision",
        "ack_due_at_utc",
        "ack_outstanding",
        "issued_at_utc",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "purchase-orders.csv", &header, |cursor| async move {
        let page = s.services.list_pos(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let rows = page
            .items
            .iter()
            .map(|po| {
                vec![
                    po.number.clone(),
                    po.vendor_code.clone(),
                    po.dc_code.clone(),
                    po.po_type.as_str().into(),
                    po.state.as_str().into(),
                    po.order_date.to_string(),
                    po.ship_window.start.to_string(),
                    po.ship_window.end.to_string(),
                    po.delivery_window.start.to_string(),
                    po.delivery_window.end.to_string(),
                    po.freight_terms.as_str().into(),
                    po.payment_terms.as_str().into(),
                    po.line_count.to_string(),
                    money::format_amount(po.total_cost, &po.currency),
                    po.currency.clone(),
                    po.revision.to_string(),
                    view::iso(po.ack_due_at),
                    po.ack_outstanding().to_string(),
                    view::iso(po.issued_at),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The new-PO form.

/// The header of the new-PO form as typed.
#[derive(Default)]
pub struct Header {
    number: String,
    vendor_code: String,
    dc_code: String,
    po_type: String,
    order_date: String,
    ship_start: String,
    ship_end: String,
    delivery_start: String,
    delivery_end: String,
    freight_terms: String,
    payment_terms: String,
    currency: String,
    deal_code: String,
}

impl Header {
    fn from_form(f: &FormData) -> Header {
        Header {
            number: f.get("number").into(),
            vendor_code: f.get("vendor_code").into(),
            dc_code: f.get("dc_code").into(),
            po_type: f.get("po_type").into(),
            order_date: f.get("order_date").into(),
            ship_start: f.get("ship_start").into(),
            ship_end: f.get("ship_end").into(),
            delivery_start: f.get("delivery_start").into(),
            delivery_end: f.get("delivery_end").into(),
            freight_terms: f.get("freight_terms").into(),
            payment_terms: f.get("payment_terms").into(),
            currency: f.get("currency").into(),
            deal_code: f.get("deal_code").into(),
        }
    }
}

/// One row of the lines table as typed, with its errors.
pub struct LineInput {
    i: usize,
    n: usize,
    sku: String,
    qty: String,
    unit: String,
    cost: String,
    bo: bool,
    err_sku: String,
    err_qty: String,
    err_unit: String,
    err_cost: String,
}

impl LineInput {
    fn blank(i: usize) -> LineInput {
        LineInput {
            i,
            n: i + 1,
            sku: String::new(),
            qty: String::new(),
            unit: QuantityUnit::Eaches.as_str().into(),
            cost: String::new(),
            bo: true,
            err_sku: String::new(),
            err_qty: String::new(),
            err_unit: String::new(),
            err_cost: String::new(),
        }
    }

    fn typed(t: T, f: &FormData, i: usize, errors: &Errors) -> LineInput {
        let err = |col: &str| bare(errors, &format!("{col}-{i}"), new_po_label(t, &format!("{col}-{i}")));
        LineInput {
            sku: f.get(&format!("sku-{i}")).into(),
            qty: f.get(&format!("qty-{i}")).into(),
            unit: f.get(&format!("unit-{i}")).into(),
            cost: f.get(&format!("cost-{i}")).into(),
            bo: !f.get(&format!("bo-{i}")).is_empty(),
            err_sku: err("sku"),
            err_qty: err("qty"),
            err_unit: err("unit"),
            err_cost: err("cost"),
            ..LineInput::blank(i)
        }
    }

    fn is_blank(&self) -> bool {
        self.sku.trim().is_empty() && self.qty.trim().is_empty() && self.cost.trim().is_empty()
    }
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    h: Header,
    lines: Vec<LineInput>,
    rows: usize,
    can_add_rows: bool,
    dcs: Vec<(String, String)>,
    po_types: Vec<(&'static str, &'static str)>,
    freights: Vec<(&'static str, &'static str)>,
    terms: Vec<(&'static str, &'static str)>,
    units: Vec<(&'static str, &'static str)>,
}

/// Header fields and their labels.
const NEW_LABELS: &[(&str, &str)] = &[
    ("number", "po.number"),
    ("vendor_code", "po.vendor_code"),
    ("dc_code", "po.dc"),
    ("po_type", "po.type"),
    ("order_date", "po.order_date"),
    ("ship_start", "po.ship_start"),
    ("ship_end", "po.ship_end"),
    ("delivery_start", "po.delivery_start"),
    ("delivery_end", "po.delivery_end"),
    ("freight_terms", "po.freight_terms"),
    ("payment_terms", "po.payment_terms"),
    ("currency", "po.currency"),
    ("deal_code", "po.deal_code"),
];

async fn new_view(s: &AppState, ctx: &acorn_service::Ctx, shell: Shell, t: T, errors: Errors, h: Header, lines: Vec<LineInput>) -> NewPage {
    let dcs = s.services.list_dcs(ctx).await.unwrap_or_default();
    let rows = lines.len();
    NewPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        h,
        lines,
        rows,
        can_add_rows: rows < MAX_ROWS,
        dcs: dc_options(&dcs),
        po_types: PoType::ALL.iter().map(|p| (p.as_str(), po_type_key(*p))).collect(),
        freights: FreightTerms::ALL.iter().map(|f| (f.as_str(), freight_key(*f))).collect(),
        terms: PaymentTerms::ALL.iter().map(|p| (p.as_str(), p.as_str())).collect(),
        units: QuantityUnit::ALL.iter().map(|u| (u.as_str(), unit_key(*u))).collect(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    vendor_code: String,
}

pub async fn new_page(State(s): State<AppState>, req: Req, Query(nq): Query<NewQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::PurchaseOrders) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let h = Header {
        vendor_code: nq.vendor_code.trim().to_string(),
        po_type: PoType::RegularOrder.as_str().into(),
        freight_terms: FreightTerms::Prepaid.as_str().into(),
        payment_terms: PaymentTerms::Net60.as_str().into(),
        ..Header::default()
    };
    let lines = (0..ROWS_STEP).map(LineInput::blank).collect();
    render(&new_view(&s, &req.ctx(&auth), shell, t, Vec::new(), h, lines).await)
}

/// The PO as typed: the use case's input, the form row of each of its lines, and what the page
/// could not read itself.
fn read_new_po(t: T, f: &FormData, rows: usize) -> (NewPo, Vec<usize>, Errors) {
    let mut errors = Errors::new();
    let mut lines = Vec::new();
    let mut row_of = Vec::new();
    for i in 0..rows {
        let l = LineInput::typed(t, f, i, &Vec::new());
        if l.is_blank() {
            continue;
        }
        let quantity = match l.qty.trim() {
            "" => {
                errors.push((format!("qty-{i}"), t.t("po.qty_required").into()));
                0
            }
            q => match q.parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push((format!("qty-{i}"), t.t("form.whole_number").replace("{value}", q)));
                    0
                }
            },
        };
        lines.push(NewPoLine { vendor_sku: l.sku.trim().into(), quantity, unit: l.unit.clone(), net_cost: l.cost.trim().into(), backorder_allowed: l.bo });
        row_of.push(i);
    }
    let new = NewPo {
        number: Some(f.get("number").trim().to_string()).filter(|n| !n.is_empty()),
        vendor_code: f.get("vendor_code").into(),
        dc_code: f.get("dc_code").into(),
        po_type: f.get("po_type").into(),
        order_date: f.get("order_date").into(),
        ship_start: f.get("ship_start").into(),
        ship_end: f.get("ship_end").into(),
        delivery_start: f.get("delivery_start").into(),
        delivery_end: f.get("delivery_end").into(),
        freight_terms: f.get("freight_terms").into(),
        payment_terms: f.get("payment_terms").into(),
        currency: f.get("currency").into(),
        deal_code: Some(f.get("deal_code").trim().to_string()).filter(|d| !d.is_empty()),
        lines,
    };
    (new, row_of, errors)
}

/// `lines[2].quantity` → `qty-<form row>`; `lines` → the first row's SKU; `po` → the vendor code.
fn new_po_field(field: &str, row_of: &[usize]) -> String {
    if field == "lines" {
        return "sku-0".into();
    }
    if field == "po" {
        return "vendor_code".into();
    }
    let Some(rest) = field.strip_prefix("lines[") else { return field.to_string() };
    let Some((n, col)) = rest.split_once("].") else { return "sku-0".into() };
    let row = n.parse::<usize>().ok().and_then(|i| row_of.get(i).copied()).unwrap_or(0);
    let id = match col {
        "quantity" => "qty",
        "unit" => "unit",
        "net_cost" => "cost",
        _ => "sku",
    };
    format!("{id}-{row}")
}

/// "Line 3, Quantity" for a line control, the catalogue label for a header field.
fn new_po_label(t: T, field: &str) -> Option<String> {
    if let Some((col, row)) = field.rsplit_once('-')
        && let Ok(row) = row.parse::<usize>()
    {
        let key = match col {
            "sku" => "po.line.sku",
            "qty" => "po.line.quantity",
            "unit" => "po.line.unit",
            "cost" => "po.line.net_cost",
            _ => return None,
        };
        return Some(format!("{} {}, {}", t.t("po.line"), row + 1, t.t(key)));
    }
    NEW_LABELS.iter().find(|(id, _)| *id == field).map(|(_, k)| t.t(k).to_string())
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/orders/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let rows = f.get("rows").trim().parse::<usize>().unwrap_or(ROWS_STEP).clamp(1, MAX_ROWS);
    if access(&p.auth, Area::PurchaseOrders) < Access::Write {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    if f.get("action") == "more" {
        // "Add more rows" without JavaScript: the same form again, longer. Nothing was done.
        p.once.release(&s).await;
        let more = (rows + ROWS_STEP).min(MAX_ROWS);
        let lines = (0..more).map(|i| LineInput::typed(t, f, i, &Vec::new())).map(|mut l| {
            if l.unit.is_empty() {
                l.unit = QuantityUnit::Eaches.as_str().into();
            }
            if l.i >= rows {
                l.bo = true;
            }
            l
        });
        return render(&new_view(&s, &req.ctx(&p.auth), p.shell, t, Vec::new(), Header::from_form(f), lines.collect()).await);
    }
    let (new, row_of, own) = read_new_po(t, f, rows);
    match s.services.create_po(&p.ctx(&req), new).await {
        // The page's own errors are on quantities, which it passes on as 0: the use case refuses those.
        Ok(d) => p.once.done(&s, &format!("/orders/{}?done=issued", d.po.id)).await,
        Err(e) => {
            let e = remap(e, |field| new_po_field(field, &row_of));
            forms::show_again(&s, p.once, t, e, "vendor_code", async |errors| {
                let errors = named(merge(own, errors), |field| new_po_label(t, field));
                let lines = (0..rows).map(|i| LineInput::typed(t, f, i, &errors)).collect();
                Ok(new_view(&s, &req.ctx(&p.auth), p.shell, t, errors, Header::from_form(f), lines).await)
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The PO page.

pub struct LineRow {
    no: i64,
    sku: String,
    gtin: String,
    item_id: String,
    title: String,
    qty: i64,
    unit: &'static str,
    unit_size: i64,
    eaches: i64,
    cost: String,
    extended: String,
    conf: Badge,
    committed: i64,
    received: i64,
    recv: Badge,
    cancelled: bool,
    /// The change form's values and error for this line.
    new_qty: String,
    cancel: bool,
    err: String,
}

pub struct AckLineRow {
    no: i64,
    accepted: i64,
    backordered: i64,
    rejected: i64,
    reason: &'static str,
    ship: String,
    delivery: String,
    cost: String,
}

pub struct AckView {
    version: i64,
    revision: i64,
    channel: &'static str,
    by: String,
    at: String,
    at_iso: String,
    late: bool,
    accepted: i64,
    backordered: i64,
    rejected: i64,
    lines: Vec<AckLineRow>,
}

pub struct HistoryRow {
    at: String,
    at_iso: String,
    actor: String,
    revision: i64,
    summary: String,
}

/// One ASN carrying lines of the PO.
pub struct PoShipmentRow {
    id: String,
    number: String,
    status: Badge,
    kind: &'static str,
    cartons: i64,
    units: i64,
    ship_date: String,
    /// Getting to the dock: the appointment's or the routing's state (a badge) and its details.
    transport: Option<Badge>,
    transport_detail: String,
    carrier: String,
    tracking: String,
}

/// The PO's ASNs as the shipments section lists them (dock times in the DC's time zone, which the
/// section names once); `appointments` are theirs (any order).
fn shipment_rows(t: T, d: &PoDetail, appointments: &[Appointment]) -> Vec<PoShipmentRow> {
    let tz_name = d.dc_time_zone.as_str();
    d.shipments
        .iter()
        .map(|h| {
            let sh = &h.shipment;
            let (transport, transport_detail) = if let Some(at) = sh.arrived_at {
                (None, t.t("asn.arrived_at").replace("{time}", &local(at, tz_name)))
            } else if sh.status == ShipmentStatus::Cancelled {
                (None, String::new())
            } else {
                match sh.freight_terms {
                    FreightTerms::Collect => match (&sh.arn, sh.status) {
                        (Some(arn), _) => (Some(Badge { key: "shipment.status.carrier_assigned", class: "badge-success" }), format!("ARN {arn}")),
                        (None, ShipmentStatus::TransportationRequested) => (Some(Badge { key: "routing.awaiting", class: "badge-warning" }), String::new()),
                        (None, _) => (Some(Badge { key: "routing.none", class: "badge-neutral" }), String::new()),
                    },
                    FreightTerms::Prepaid => {
                        let mine: Vec<&Appointment> = appointments.iter().filter(|a| a.shipment_id == sh.id).collect();
                        let shown = mine
                            .iter()
                            .rev()
                            .find(|a| matches!(a.status, AppointmentStatus::Booked | AppointmentStatus::Completed))
                            .or_else(|| mine.iter().max_by_key(|a| a.updated_at));
                        match shown {
                            Some(a) => {
                                (Some(shipments::appointment_badge(a.status)), format!("{}–{}", local(a.slot_start, tz_name), time_of_day(a.slot_end, tz_name)))
                            }
                            None => (Some(Badge { key: "appt.none", class: "badge-warning" }), String::new()),
                        }
                    }
                }
            };
            PoShipmentRow {
                id: sh.id.to_string(),
                number: sh.shipment_number.clone(),
                status: shipments::status_badge(sh.status),
                kind: shipments::type_key(sh.shipment_type),
                cartons: h.carton_count,
                units: h.unit_count,
                ship_date: view::when(sh.ship_date),
                transport,
                transport_detail,
                carrier: sh.carrier_scac.clone().unwrap_or_default(),
                tracking: sh.tracking_number.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The appointments of the PO's Prepaid ASNs, for the shipments section (one query, none when the
/// user may not read ASNs or none is Prepaid). The page shows without them if they cannot be read.
async fn po_appointments(s: &AppState, ctx: &acorn_service::Ctx, auth: &SessionAuth, d: &PoDetail) -> Vec<Appointment> {
    let ids: Vec<Uuid> = d.shipments.iter().filter(|h| h.shipment.freight_terms == FreightTerms::Prepaid).map(|h| h.shipment.id).collect();
    if ids.is_empty() || access(auth, Area::Acknowledgements) < Access::Read {
        return Vec::new();
    }
    s.services.appointments_of_shipments(ctx, &ids).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not read the appointments of a PO's ASNs");
        Vec::new()
    })
}

/// When the acknowledgement is due: UTC, at the DC, and the countdown.
pub struct Due {
    utc: String,
    iso: String,
    local: String,
    tz: String,
    chip: Chip,
    outstanding: bool,
}

fn due(t: T, po: &PurchaseOrder, tz: &str, now: DateTime<Utc>) -> Due {
    Due {
        utc: view::when(po.ack_due_at),
        iso: view::iso(po.ack_due_at),
        local: local(po.ack_due_at, tz),
        tz: tz.to_string(),
        chip: ack_chip(t, po, now),
        outstanding: po.ack_outstanding(),
    }
}

/// The change form as typed.
#[derive(Default)]
pub struct ChangeTyped {
    ship_start: String,
    ship_end: String,
    delivery_start: String,
    delivery_end: String,
    reason: String,
    cancel_reason: String,
    /// line number → (new quantity, cancel)
    lines: HashMap<i64, (String, bool)>,
}

impl ChangeTyped {
    fn from_po(po: &PurchaseOrder) -> ChangeTyped {
        ChangeTyped {
            ship_start: po.ship_window.start.to_string(),
            ship_end: po.ship_window.end.to_string(),
            delivery_start: po.delivery_window.start.to_string(),
            delivery_end: po.delivery_window.end.to_string(),
            ..ChangeTyped::default()
        }
    }

    fn from_form(f: &FormData, lines: &[PoLine]) -> ChangeTyped {
        ChangeTyped {
            ship_start: f.get("ship_start").into(),
            ship_end: f.get("ship_end").into(),
            delivery_start: f.get("delivery_start").into(),
            delivery_end: f.get("delivery_end").into(),
            reason: f.get("reason").into(),
            cancel_reason: f.get("cancel_reason").into(),
            lines: lines
                .iter()
                .map(|l| (l.line_no, (f.get(&format!("qty-{}", l.line_no)).to_string(), !f.get(&format!("cancel-{}", l.line_no)).is_empty())))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "order.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    number: String,
    state: Badge,
    vendor_code: String,
    vendor_href: String,
    dc_code: String,
    dc_href: String,
    po_type: &'static str,
    order_date: String,
    ship_window: String,
    delivery_window: String,
    freight: &'static str,
    payment_terms: &'static str,
    currency: String,
    deal_code: String,
    revision: i64,
    total: String,
    issued: String,
    closed: String,
    due: Due,
    lines: Vec<LineRow>,
    acks: Vec<AckView>,
    /// Roles without access to acknowledgements (catalog) see none.
    show_acks: bool,
    history: Vec<HistoryRow>,
    /// The ASNs carrying its lines (for those who read ASNs).
    shipments: Vec<PoShipmentRow>,
    show_shipments: bool,
    can_change: bool,
    can_ack: bool,
    /// The ASN builder prefilled with the acknowledged, not yet shipped eaches (empty: nothing to ship).
    ship_href: String,
    /// The invoice flip for vendor users who submit invoices, once something shipped (empty: none).
    invoice_href: String,
    typed: ChangeTyped,
    /// The vendor's EDI is live: acknowledgements, ASNs and invoices come by EDI (no portal forms).
    edi_live: bool,
    /// The EDI documents about this PO (for those who read EDI or POs).
    edi_documents: Vec<super::edi::AboutRow>,
}

struct Extra {
    errors: Errors,
    notice: &'static str,
    typed: Option<ChangeTyped>,
}

/// What the PO page shows from around the PO: the appointments of its ASNs, whether the vendor's
/// EDI is live (its portal forms for acknowledgements, ASNs and invoices are closed), and the EDI
/// documents about the PO.
struct Around {
    appointments: Vec<Appointment>,
    edi_live: bool,
    edi_documents: Vec<super::edi::AboutRow>,
}

async fn around(s: &AppState, ctx: &acorn_service::Ctx, auth: &SessionAuth, d: &PoDetail) -> Around {
    Around {
        appointments: po_appointments(s, ctx, auth, d).await,
        edi_live: super::edi::live_for(s, auth).await,
        edi_documents: super::edi::documents_about(s, ctx, auth, d.po.tenant, d.po.id).await,
    }
}

fn detail_page(auth: &SessionAuth, shell: Shell, t: T, d: PoDetail, around: Around, extra: Extra, now: DateTime<Utc>) -> DetailPage {
    let Around { appointments, edi_live, edi_documents } = around;
    let appointments = appointments.as_slice();
    let po = &d.po;
    let show_shipments = access(auth, Area::Acknowledgements) >= Access::Read;
    let cur = po.currency.as_str();
    let typed = extra.typed.unwrap_or_else(|| ChangeTyped::from_po(po));
    let lines = d
        .lines
        .iter()
        .map(|l| {
            let (new_qty, cancel) = typed.lines.get(&l.line_no).cloned().unwrap_or_default();
            LineRow {
                no: l.line_no,
                sku: l.vendor_sku.clone(),
                gtin: l.gtin.clone(),
                item_id: l.retailer_item_id.clone(),
                title: l.title.clone(),
                qty: l.ordered_quantity,
                unit: unit_key(l.unit),
                unit_size: l.unit_size,
                eaches: l.ordered_eaches(),
                cost: amount(money::format_amount(l.net_cost, cur), cur),
                extended: amount(money::format_amount(money::checked_extend(l.ordered_eaches(), l.net_cost).unwrap_or_default(), cur), cur),
                conf: confirmation(l),
                committed: l.committed_eaches,
                received: l.received_eaches,
                recv: receiving(l.receive_status),
                cancelled: l.cancelled,
                new_qty,
                cancel,
                err: bare(&extra.errors, &format!("qty-{}", l.line_no), change_label(t, &format!("qty-{}", l.line_no))),
            }
        })
        .collect();
    let acks = d
        .acknowledgements
        .iter()
        .rev()
        .map(|a| AckView {
            version: a.version,
            revision: a.po_revision,
            channel: channel_key(a.channel),
            by: a.submitted_by.clone(),
            at: view::when(a.submitted_at),
            at_iso: view::iso(a.submitted_at),
            late: a.late,
            accepted: a.lines.iter().map(|l| l.accepted).sum(),
            backordered: a.lines.iter().map(|l| l.backordered).sum(),
            rejected: a.lines.iter().map(|l| l.rejected).sum(),
            lines: a
                .lines
                .iter()
                .map(|l| AckLineRow {
                    no: l.line_no,
                    accepted: l.accepted,
                    backordered: l.backordered,
                    rejected: l.rejected,
                    reason: l.rejection_reason.map(reason_key).unwrap_or(""),
                    ship: l.scheduled_ship_date.map(|d| d.to_string()).unwrap_or_default(),
                    delivery: l.scheduled_delivery_date.map(|d| d.to_string()).unwrap_or_default(),
                    cost: amount(money::format_amount(l.net_cost, cur), cur),
                })
                .collect(),
        })
        .collect();
    let history = d
        .history
        .iter()
        .rev()
        .map(|e| HistoryRow { at: view::when(e.at), at_iso: view::iso(e.at), actor: e.actor.clone(), revision: e.revision, summary: e.summary.clone() })
        .collect();
    let open = po.closed_at.is_none();
    DetailPage {
        t,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        id: po.id.to_string(),
        number: po.number.clone(),
        state: po_state(po.state),
        vendor_code: po.vendor_code.clone(),
        vendor_href: if auth.user.is_retailer() && access(auth, Area::Vendors) >= Access::Read { format!("/vendors/{}", po.tenant) } else { String::new() },
        dc_code: po.dc_code.clone(),
        dc_href: if access(auth, Area::Facilities) >= Access::Read { format!("/dcs/{}", po.dc_id) } else { String::new() },
        po_type: po_type_key(po.po_type),
        order_date: po.order_date.to_string(),
        ship_window: window(&po.ship_window),
        delivery_window: window(&po.delivery_window),
        freight: freight_key(po.freight_terms),
        payment_terms: po.payment_terms.as_str(),
        currency: po.currency.clone(),
        deal_code: po.deal_code.clone().unwrap_or_default(),
        revision: po.revision,
        total: amount(money::format_amount(po.total_cost, cur), cur),
        issued: view::when(po.issued_at),
        closed: po.closed_at.map(view::when).unwrap_or_default(),
        due: due(t, po, &d.dc_time_zone, now),
        lines,
        acks,
        show_acks: access(auth, Area::Acknowledgements) >= Access::Read,
        history,
        shipments: if show_shipments { shipment_rows(t, &d, appointments) } else { Vec::new() },
        show_shipments,
        can_change: open && access(auth, Area::PurchaseOrders) >= Access::Write,
        can_ack: open && !edi_live && access(auth, Area::Acknowledgements) >= Access::Write,
        ship_href: if open
            && !edi_live
            && !auth.user.is_retailer()
            && access(auth, Area::Acknowledgements) >= Access::Write
            && d.lines.iter().any(|l| !l.cancelled && l.committed_eaches > l.shipped_eaches)
        {
            format!("/shipments/new?po={}", po.id)
        } else {
            String::new()
        },
        invoice_href: if !edi_live && super::invoices::can_invoice(auth) && d.lines.iter().any(|l| l.shipped_eaches > 0) {
            format!("/orders/{}/invoice", po.id)
        } else {
            String::new()
        },
        typed,
        edi_live,
        edi_documents,
        shell,
    }
}

async fn detail(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, id: Uuid, extra: Extra) -> Result<DetailPage, ServiceError> {
    let ctx = req.ctx(auth);
    let d = s.services.get_po(&ctx, id).await?;
    let around = around(s, &ctx, auth, &d).await;
    Ok(detail_page(auth, shell, t, d, around, extra, Utc::now()))
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
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("purchase order")) };
    match detail(&s, &req, &auth, shell, t, id, Extra { errors: Vec::new(), notice: notice_key(&dq.done), typed: None }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

const CHANGE_LABELS: &[(&str, &str)] = &[
    ("ship_start", "po.ship_start"),
    ("ship_end", "po.ship_end"),
    ("delivery_start", "po.delivery_start"),
    ("delivery_end", "po.delivery_end"),
    ("reason", "po.change.reason"),
    ("cancel_reason", "po.cancel.reason"),
];

fn change_label(t: T, field: &str) -> Option<String> {
    if let Some(no) = field.strip_prefix("qty-") {
        return Some(format!("{} {no}", t.t("po.line")));
    }
    CHANGE_LABELS.iter().find(|(id, _)| *id == field).map(|(_, k)| t.t(k).to_string())
}

pub async fn change(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/orders/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let d = match s.services.get_po(&p.ctx(&req), id).await {
        Ok(d) => d,
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let mut own = Errors::new();
    let mut lines = Vec::new();
    for l in d.lines.iter().filter(|l| !l.cancelled) {
        let cancel = !f.get(&format!("cancel-{}", l.line_no)).is_empty();
        let qty = f.get(&format!("qty-{}", l.line_no)).trim();
        let quantity = match qty {
            "" => None,
            q => match q.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    own.push((format!("qty-{}", l.line_no), t.t("form.whole_number").replace("{value}", q)));
                    None
                }
            },
        };
        if cancel || quantity.is_some_and(|q| q != l.ordered_quantity) {
            lines.push(LineChange { line_no: l.line_no, quantity: if cancel { None } else { quantity }, cancel });
        }
    }
    let change = PoChange {
        ship_window: Some((f.get("ship_start").into(), f.get("ship_end").into())),
        delivery_window: Some((f.get("delivery_start").into(), f.get("delivery_end").into())),
        lines: lines.clone(),
        reason: f.get("reason").into(),
    };
    let result = if own.is_empty() { s.services.change_po(&p.ctx(&req), id, change).await.map(|_| ()) } else { Err(ServiceError::Invalid(Vec::new())) };
    match result {
        Ok(()) => p.once.done(&s, &format!("{}?done=changed", p.back)).await,
        Err(e) => {
            let e = remap(e, |field| match field.strip_prefix("lines[").and_then(|r| r.split(']').next()).and_then(|n| n.parse::<usize>().ok()) {
                Some(i) => lines.get(i).map(|l| format!("qty-{}", l.line_no)).unwrap_or_else(|| "reason".into()),
                None => field.to_string(),
            });
            forms::show_again(&s, p.once, t, e, "reason", async |errors| {
                let errors = named(merge(own, errors), |field| change_label(t, field));
                let extra = Extra { errors, notice: "", typed: Some(ChangeTyped::from_form(f, &d.lines)) };
                let around = around(&s, &req.ctx(&p.auth), &p.auth, &d).await;
                Ok(detail_page(&p.auth, p.shell, t, d, around, extra, Utc::now()))
            })
            .await
        }
    }
}

pub async fn cancel(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/orders/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    match s.services.cancel_po(&p.ctx(&req), id, f.get("cancel_reason")).await {
        Ok(_) => p.once.done(&s, &format!("{}?done=cancelled", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "cancel_reason", async |errors| {
                let d = s.services.get_po(&req.ctx(&p.auth), id).await?;
                let mut typed = ChangeTyped::from_po(&d.po);
                typed.cancel_reason = f.get("cancel_reason").into();
                let extra = Extra { errors: named(errors, |field| change_label(t, field)), notice: "", typed: Some(typed) };
                let around = around(&s, &req.ctx(&p.auth), &p.auth, &d).await;
                Ok(detail_page(&p.auth, p.shell, t, d, around, extra, Utc::now()))
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement grid.

/// One line of the grid: the PO line and what the vendor typed for it, with its errors.
pub struct AckRow {
    no: i64,
    sku: String,
    title: String,
    ordered: i64,
    unit: &'static str,
    eaches: i64,
    po_cost: String,
    cancelled: bool,
    backorder_allowed: bool,
    acc: String,
    bo: String,
    rej: String,
    ship: String,
    reason: String,
    cost: String,
    err_acc: String,
    err_bo: String,
    err_rej: String,
    err_ship: String,
    err_reason: String,
    err_cost: String,
}

impl AckRow {
    /// Whether `reason` is the rejection reason typed for this line.
    pub fn reason_is(&self, reason: &str) -> bool {
        self.reason == reason
    }
}

pub struct DefectRow {
    kind: &'static str,
    line: String,
    units: i64,
    detail: String,
}

#[derive(Template)]
#[template(path = "order_ack.html")]
struct AckPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    id: String,
    number: String,
    state: Badge,
    currency: String,
    revision: i64,
    next_version: i64,
    previous: i64,
    closed: bool,
    due: Due,
    rows: Vec<AckRow>,
    reasons: Vec<(&'static str, &'static str)>,
    checked: bool,
    defects: Vec<DefectRow>,
}

/// What the grid shows: `f` as typed, else the latest acknowledgement, else empty quantities (the
/// PO cost is always prefilled).
fn ack_page(shell: Shell, t: T, d: &PoDetail, f: Option<&FormData>, errors: Errors, check: Option<&acks::Preflight>, now: DateTime<Utc>) -> AckPage {
    let po = &d.po;
    let cur = po.currency.as_str();
    let latest = d.acknowledgements.last();
    let rows = d
        .lines
        .iter()
        .map(|l| {
            let n = l.line_no;
            // The latest version's answer, within what is ordered now (a change may have lowered it).
            let prev = latest.and_then(|a| a.lines.iter().find(|x| x.line_no == n));
            let eaches = l.ordered_eaches();
            let get = |name: &str, fallback: String| match f {
                Some(f) => f.get(&format!("{name}-{n}")).to_string(),
                None => fallback,
            };
            let qty = |v: Option<i64>| v.filter(|q| *q > 0).map(|q| q.to_string()).unwrap_or_default();
            AckRow {
                no: n,
                sku: l.vendor_sku.clone(),
                title: l.title.clone(),
                ordered: l.ordered_quantity,
                unit: unit_key(l.unit),
                eaches,
                po_cost: amount(money::format_amount(l.net_cost, cur), cur),
                cancelled: l.cancelled,
                backorder_allowed: l.backorder_allowed,
                acc: get("acc", qty(prev.map(|p| p.accepted.min(eaches)))),
                bo: get("bo", qty(prev.map(|p| p.backordered.min(eaches - p.accepted.min(eaches))))),
                rej: get("rej", qty(prev.map(|p| p.rejected.min(eaches)))),
                ship: get("ship", prev.and_then(|p| p.scheduled_ship_date).map(|d| d.to_string()).unwrap_or_default()),
                reason: get("reason", prev.and_then(|p| p.rejection_reason).map(|r| r.as_str().to_string()).unwrap_or_default()),
                cost: get("cost", money::format_amount(prev.map_or(l.net_cost, |p| p.net_cost), cur)),
                err_acc: bare(&errors, &format!("acc-{n}"), ack_label(t, &format!("acc-{n}"))),
                err_bo: bare(&errors, &format!("bo-{n}"), ack_label(t, &format!("bo-{n}"))),
                err_rej: bare(&errors, &format!("rej-{n}"), ack_label(t, &format!("rej-{n}"))),
                err_ship: bare(&errors, &format!("ship-{n}"), ack_label(t, &format!("ship-{n}"))),
                err_reason: bare(&errors, &format!("reason-{n}"), ack_label(t, &format!("reason-{n}"))),
                err_cost: bare(&errors, &format!("cost-{n}"), ack_label(t, &format!("cost-{n}"))),
            }
        })
        .collect();
    let defects = check
        .map(|c| {
            c.defects
                .iter()
                .map(|x| DefectRow {
                    kind: defect_key(x.kind),
                    line: x.line_no.map(|n| n.to_string()).unwrap_or_default(),
                    units: x.units,
                    detail: x.detail.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    AckPage {
        t,
        form_token: forms::new_token(),
        errors,
        id: po.id.to_string(),
        number: po.number.clone(),
        state: po_state(po.state),
        currency: po.currency.clone(),
        revision: po.revision,
        next_version: latest.map_or(1, |a| a.version + 1),
        previous: latest.map_or(0, |a| a.version),
        closed: po.closed_at.is_some(),
        due: due(t, po, &d.dc_time_zone, now),
        rows,
        reasons: RejectionReason::ALL.iter().map(|r| (r.as_str(), reason_key(*r))).collect(),
        checked: check.is_some(),
        defects,
        shell,
    }
}

pub async fn ack_form(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::Acknowledgements) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("purchase order")) };
    if super::edi::live_for(&s, &auth).await {
        return super::edi::live_page(shell, t, &format!("/orders/{id}"), StatusCode::OK);
    }
    match s.services.get_po(&req.ctx(&auth), id).await {
        Ok(d) => render(&ack_page(shell, t, &d, None, Vec::new(), None, Utc::now())),
        Err(e) => server_error(t, e),
    }
}

/// The grid as submitted: the use case's input and what the page could not read itself.
fn read_ack(t: T, f: &FormData, lines: &[PoLine]) -> (Vec<AckLineInput>, Errors) {
    let mut errors = Errors::new();
    let mut input = Vec::new();
    for l in lines.iter().filter(|l| !l.cancelled) {
        let n = l.line_no;
        let mut qty = |name: &str| match whole(t, f.get(&format!("{name}-{n}"))) {
            Ok(q) => q,
            Err(m) => {
                errors.push((format!("{name}-{n}"), m));
                0
            }
        };
        let (acc, bo, mut rej) = (qty("acc"), qty("bo"), qty("rej"));
        let reason = RejectionReason::parse(f.get(&format!("reason-{n}")).trim());
        // A reason with no rejected quantity rejects the rest of the line.
        if rej == 0 && reason.is_some() {
            rej = (l.ordered_eaches() - acc - bo).max(0);
        }
        let ship = match f.get(&format!("ship-{n}")).trim() {
            "" => None,
            v => match parse_date(v) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push((format!("ship-{n}"), e));
                    None
                }
            },
        };
        let cost_text = f.get(&format!("cost-{n}")).trim();
        let net_cost = match cost_text {
            "" => None,
            v => match money::parse_amount(v, false) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push((format!("cost-{n}"), e));
                    None
                }
            },
        };
        let part = |code, quantity| AckPart { code, quantity, scheduled_ship_date: None, scheduled_delivery_date: None, rejection_reason: None };
        let mut parts = Vec::new();
        if acc > 0 {
            parts.push(part(AckCode::Accepted, acc));
        }
        if bo > 0 {
            parts.push(AckPart { scheduled_ship_date: ship, ..part(AckCode::Backordered, bo) });
        }
        if rej > 0 {
            parts.push(AckPart { rejection_reason: reason, ..part(AckCode::Rejected, rej) });
        }
        // A line with nothing typed is left out (and counts as rejected, as the check shows).
        if !parts.is_empty() || net_cost.is_some() {
            input.push(AckLineInput { line_no: n, net_cost, parts });
        }
    }
    (input, errors)
}

/// The acknowledgement rules' field names as the grid's control ids: `line[3]` → `acc-3`,
/// `line[3].parts[1].scheduled_ship_date` → `ship-3` (parts are known from the submitted input).
fn ack_field(field: &str, input: &[AckLineInput]) -> String {
    let Some(rest) = field.strip_prefix("line[") else { return "ack-grid".into() };
    let Some((n, tail)) = rest.split_once(']') else { return "ack-grid".into() };
    let Ok(no) = n.parse::<i64>() else { return "ack-grid".into() };
    let tail = tail.trim_start_matches('.');
    if tail.is_empty() {
        return format!("acc-{no}");
    }
    if tail == "net_cost" {
        return format!("cost-{no}");
    }
    let code_field = |code: AckCode| match code {
        AckCode::Accepted => "acc",
        AckCode::Backordered => "bo",
        AckCode::Rejected => "rej",
    };
    if let Some(p) = tail.strip_prefix("parts[")
        && let Some((j, what)) = p.split_once("].")
    {
        let code = j.parse::<usize>().ok().and_then(|j| input.iter().find(|l| l.line_no == no).and_then(|l| l.parts.get(j))).map(|p| p.code);
        let id = match (what, code) {
            ("scheduled_ship_date" | "scheduled_delivery_date", _) => "ship",
            ("rejection_reason", _) => "reason",
            (_, Some(code)) => code_field(code),
            (_, None) => "acc",
        };
        return format!("{id}-{no}");
    }
    format!("acc-{no}")
}

fn ack_label(t: T, field: &str) -> Option<String> {
    let (col, no) = field.rsplit_once('-')?;
    let key = match col {
        "acc" => "ack.accepted",
        "bo" => "ack.backordered",
        "rej" => "ack.rejected",
        "ship" => "ack.ship_date",
        "reason" => "ack.reason",
        "cost" => "ack.net_cost",
        _ => return None,
    };
    Some(format!("{} {no}, {}", t.t("po.line"), t.t(key)))
}

pub async fn acknowledge(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/orders/{id}/ack")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = match super::edi::refuse_when_live(&s, p, &format!("/orders/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let ctx = p.ctx(&req);
    let d = match s.services.get_po(&ctx, id).await {
        Ok(d) => d,
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let action = f.get("action");
    if action == "accept_all" {
        return match s.services.acknowledge(&ctx, id, Services::accept_all(&d.lines), Channel::Ui).await {
            Ok(_) => p.once.done(&s, &format!("/orders/{id}?done=acknowledged#acks")).await,
            Err(e) => {
                forms::show_again(&s, p.once, t, remap(e, |_| "ack-grid".into()), "ack-grid", async |errors| {
                    Ok(ack_page(p.shell, t, &d, None, errors, None, Utc::now()))
                })
                .await
            }
        };
    }
    let (input, own) = read_ack(t, f, &d.lines);
    // "Check", and a submission the page could not read in full, only run the pre-flight: nothing
    // is written.
    if action == "check" || !own.is_empty() {
        p.once.release(&s).await;
        let (status, errors, check) = match s.services.preflight_ack(&req.ctx(&p.auth), id, &input).await {
            Ok(pf) if own.is_empty() => (StatusCode::OK, Vec::new(), Some(pf)),
            Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, own, None),
            Err(e) => match forms::field_errors(remap(e, |field| ack_field(field, &input)), "ack-grid") {
                Ok(theirs) => (StatusCode::UNPROCESSABLE_ENTITY, merge(own, theirs), None),
                Err(e) => return server_error(t, e),
            },
        };
        let errors = named(errors, |field| ack_label(t, field));
        return (status, render(&ack_page(p.shell, t, &d, Some(f), errors, check.as_ref(), Utc::now()))).into_response();
    }
    match s.services.acknowledge(&ctx, id, input.clone(), Channel::Ui).await {
        Ok(_) => p.once.done(&s, &format!("/orders/{id}?done=acknowledged#acks")).await,
        Err(e) => {
            let e = remap(e, |field| ack_field(field, &input));
            forms::show_again(&s, p.once, t, e, "ack-grid", async |errors| {
                Ok(ack_page(p.shell, t, &d, Some(f), named(errors, |field| ack_label(t, field)), None, Utc::now()))
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement and PO CSV uploads (the page and flow are in `upload`).

static ACK_UPLOAD: Upload = Upload {
    title_key: "ack.upload.title",
    context_key: "ack.upload.context",
    fill_key: "upload.step.fill",
    columns_key: "ack.upload.columns",
    action: "/orders/ack-upload",
    template_href: "/orders/ack-template.csv",
    template_name: "acknowledgement-template.csv",
    columns: acks::ACK_CSV_COLUMNS,
    back_href: "/orders",
    back_key: "nav.orders",
    allowed: |auth| access(auth, Area::Acknowledgements) >= Access::Write,
};

pub async fn ack_upload_page_get(State(s): State<AppState>, req: Req, Query(uq): Query<UploadQuery>) -> Response {
    upload::show(&s, &req, &ACK_UPLOAD, |t| uploaded_notice(t, "ack.upload.done", &uq)).await
}

pub async fn ack_template(State(s): State<AppState>, req: Req) -> Response {
    upload::template(&s, &req, &ACK_UPLOAD).await
}

pub async fn ack_upload(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    upload::post(&s, &req, &body, &ACK_UPLOAD, async |ctx, text| {
        s.services.acknowledge_csv(ctx, text).await.map(|done| format!("/orders/ack-upload?done=uploaded&n={}", done.len()))
    })
    .await
}

/// The PO upload: a PO of two lines is two rows with the same `po_number`, or two rows without
/// one that agree on the header columns.
static PO_UPLOAD: Upload = Upload {
    title_key: "po.upload.title",
    context_key: "po.upload.context",
    fill_key: "upload.step.fill",
    columns_key: "po.upload.columns",
    action: "/orders/upload",
    template_href: "/orders/template.csv",
    template_name: "purchase-order-template.csv",
    columns: PO_CSV_COLUMNS,
    back_href: "/orders",
    back_key: "nav.orders",
    allowed: |auth| access(auth, Area::PurchaseOrders) >= Access::Write,
};

pub async fn po_upload_page_get(State(s): State<AppState>, req: Req, Query(uq): Query<UploadQuery>) -> Response {
    upload::show(&s, &req, &PO_UPLOAD, |t| uploaded_notice(t, "po.upload.done", &uq)).await
}

pub async fn po_template(State(s): State<AppState>, req: Req) -> Response {
    upload::template(&s, &req, &PO_UPLOAD).await
}

pub async fn po_upload(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    upload::post(&s, &req, &body, &PO_UPLOAD, async |ctx, text| {
        s.services.import_pos_csv(ctx, text).await.map(|done| format!("/orders/upload?done=uploaded&n={}", done.len()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::{assert_all_known, known};
    use acorn_domain::people::Locale;

    #[test]
    fn every_enum_value_has_a_catalogue_entry() {
        assert_all_known(PoState::ALL, |st| po_state(st).key);
        assert_all_known(PoType::ALL, po_type_key);
        assert_all_known(QuantityUnit::ALL, unit_key);
        assert_all_known(FreightTerms::ALL, freight_key);
        assert_all_known(RejectionReason::ALL, reason_key);
        assert_all_known(Channel::ALL, channel_key);
        assert_all_known(DefectKind::ALL, defect_key);
        for b in [receiving(ReceiveStatus::NotReceived), receiving(ReceiveStatus::PartiallyReceived), receiving(ReceiveStatus::Received)] {
            assert!(known(b.key), "{}", b.key);
        }
        for d in ["issued", "changed", "cancelled", "acknowledged", "uploaded", "read", "cost", "created"] {
            assert!(known(notice_key(d)), "{d}");
        }
        for k in ["time.minutes", "time.hours", "time.days", "ack.due_in", "ack.overdue_by", "po.conf.unconfirmed", "po.conf.accepted", "po.conf.partial"] {
            assert!(known(k), "{k}");
        }
        assert!(known("po.conf.rejected") && known("po.line.cancelled") && known("form.whole_number") && known("po.qty_required"));
        assert!(known("upload.refused") && known("upload.empty") && known("ack.upload.done") && known("po.upload.done"));
        for k in ["ack.upload.title", "ack.upload.context", "ack.upload.columns", "po.upload.title", "po.upload.context", "po.upload.columns"] {
            assert!(known(k), "{k}");
        }
    }

    #[test]
    fn countdowns_count_down_and_turn_critical_when_overdue() {
        let t = T::new(Locale::En);
        assert_eq!(span(t, Duration::minutes(30)), "30 min");
        assert_eq!(span(t, Duration::minutes(5 * 60 + 20)), "5 h");
        assert_eq!(span(t, Duration::hours(72)), "3 d");
        let now = Utc::now();
        let mut po = sample_po(now);
        po.ack_due_at = now + Duration::hours(5) + Duration::minutes(10);
        let chip = ack_chip(t, &po, now);
        assert_eq!((chip.text.as_str(), chip.class), ("Ack due in 5 h", "badge-warning"));
        po.ack_due_at = now + Duration::hours(20);
        assert_eq!(ack_chip(t, &po, now).class, "badge-info");
        po.ack_due_at = now - Duration::hours(2);
        let chip = ack_chip(t, &po, now);
        assert_eq!((chip.text.as_str(), chip.class), ("Ack overdue by 2 h", "badge-critical"));
        po.acked_revision = po.revision;
        assert!(ack_chip(t, &po, now).text.is_empty(), "no chip once acknowledged");
    }

    #[test]
    fn rule_fields_land_on_the_grid_controls() {
        let part = |code| AckPart { code, quantity: 1, scheduled_ship_date: None, scheduled_delivery_date: None, rejection_reason: None };
        let input = vec![AckLineInput { line_no: 3, net_cost: None, parts: vec![part(AckCode::Accepted), part(AckCode::Backordered)] }];
        assert_eq!(ack_field("line[3]", &input), "acc-3");
        assert_eq!(ack_field("line[3].net_cost", &input), "cost-3");
        assert_eq!(ack_field("line[3].parts[1].quantity", &input), "bo-3");
        assert_eq!(ack_field("line[3].parts[1].code", &input), "bo-3");
        assert_eq!(ack_field("line[3].parts[1].scheduled_ship_date", &input), "ship-3");
        assert_eq!(ack_field("line[3].parts[0].rejection_reason", &input), "reason-3");
        assert_eq!(ack_field("po", &input), "ack-grid");
        assert_eq!(new_po_field("lines[1].quantity", &[0, 4]), "qty-4");
        assert_eq!(new_po_field("lines[0].vendor_sku", &[2]), "sku-2");
        assert_eq!(new_po_field("lines", &[]), "sku-0");
        assert_eq!(new_po_field("ship_end", &[]), "ship_end");
        let t = T::new(Locale::En);
        assert_eq!(new_po_label(t, "qty-4").as_deref(), Some("Line 5, Quantity"));
        assert_eq!(new_po_label(t, "vendor_code").as_deref(), Some("Vendor code"));
    }

    #[test]
    fn the_grid_reads_quantities_reasons_and_dates() {
        let t = T::new(Locale::En);
        let now = Utc::now();
        let po = sample_po(now);
        let line = sample_line(&po, 1, 10);
        let f = FormData::parse(b"acc-1=6&bo-1=2&ship-1=2030-01-02&reason-1=TemporarilyUnavailable&cost-1=");
        let (input, errors) = read_ack(t, &f, std::slice::from_ref(&line));
        assert!(errors.is_empty(), "{errors:?}");
        let parts: Vec<(AckCode, i64)> = input[0].parts.iter().map(|p| (p.code, p.quantity)).collect();
        assert_eq!(parts, [(AckCode::Accepted, 6), (AckCode::Backordered, 2), (AckCode::Rejected, 2)], "a reason rejects the rest");
        assert_eq!(input[0].parts[1].scheduled_ship_date.map(|d| d.to_string()).as_deref(), Some("2030-01-02"));
        let f = FormData::parse(b"acc-1=six&ship-1=soon");
        let (_, errors) = read_ack(t, &f, std::slice::from_ref(&line));
        assert!(errors.has("acc-1") && errors.has("ship-1"));
        let (input, _) = read_ack(t, &FormData::parse(b""), &[line]);
        assert!(input.is_empty(), "an untouched line is left out");
    }

    pub(crate) fn sample_po(now: DateTime<Utc>) -> PurchaseOrder {
        let day = now.date_naive();
        PurchaseOrder {
            id: Uuid::now_v7(),
            tenant: acorn_domain::ids::TenantId::new_v7(),
            number: "4XK92P7Q".into(),
            vendor_code: "ACME1".into(),
            dc_id: Uuid::now_v7(),
            dc_code: "ABE2".into(),
            po_type: PoType::RegularOrder,
            state: PoState::New,
            order_date: day,
            ship_window: Window { start: day, end: day },
            delivery_window: Window { start: day, end: day },
            freight_terms: FreightTerms::Prepaid,
            payment_terms: PaymentTerms::Net60,
            currency: "USD".into(),
            deal_code: None,
            revision: 1,
            revision_at: now,
            ack_due_at: now + Duration::hours(24),
            acked_revision: 0,
            reminded_revision: 0,
            line_count: 1,
            total_cost: money::parse_amount("100", false).unwrap(),
            issued_at: now,
            closed_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub(crate) fn sample_line(po: &PurchaseOrder, no: i64, qty: i64) -> PoLine {
        PoLine {
            po_id: po.id,
            line_no: no,
            item_id: Uuid::now_v7(),
            vendor_sku: "ACME-1".into(),
            gtin: "00614141000012".into(),
            retailer_item_id: "B000000001".into(),
            title: "Widget <b>".into(),
            ordered_quantity: qty,
            unit: QuantityUnit::Eaches,
            unit_size: 1,
            net_cost: money::parse_amount("10", false).unwrap(),
            list_price: money::parse_amount("20", false).unwrap(),
            backorder_allowed: true,
            cancelled: false,
            confirmation: LineConfirmation::Unconfirmed,
            committed_eaches: 0,
            shipped_eaches: 0,
            received_eaches: 0,
            damaged_eaches: 0,
            receive_status: ReceiveStatus::NotReceived,
        }
    }
}
