//! Shipments (ASNs) in the portal: the index (filters, keyset paging, CSV export), the ASN builder
//! (header and a cartons table that grows without JavaScript; rows with the same carton number form
//! one carton; prefilled from a PO's acknowledged, not yet shipped lines, or from the current ASN
//! when replacing it), the CSV upload with its per-row report, the shipment page (key facts,
//! cartons with their SSCCs, versions, labels, routing or dock appointment, and the receipt at
//! carton level with its discrepancies), the printable labels and the retailer's transport desk.

use super::forms::{self, FieldErrors, FormData};
use super::lists::{self, Links};
use super::orders::{dc_options, merge, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::upload::{self, Upload};
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::defects::DefectKind;
use acorn_domain::gs1::Sscc;
use acorn_domain::master::{Address, Dc};
use acorn_domain::orders::FreightTerms;
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::*;
use acorn_domain::time::{self, Tz};
use acorn_domain::validate::FieldIssue;
use acorn_service::auth::SessionAuth;
use acorn_service::dock::{RoutingInput, SlotAvailability};
use acorn_service::shipments::{Header, ShipmentDetail, ShipmentFilter, ShipmentInput};
use acorn_service::shipments_csv::ASN_CSV_COLUMNS;
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Carton rows the builder starts with, and how many "add rows" adds.
const ROWS_STEP: usize = 4;
/// Carton rows the builder offers at most (bigger ASNs come by CSV upload).
const MAX_ROWS: usize = 200;
/// Shipments per index page (each open Prepaid row looks up its appointment).
const PAGE_SIZE: u64 = 25;
/// Days of dock slots the shipment page offers.
const SLOT_DAYS: i64 = 14;
/// Where the labels' print stylesheet is served (the CSP forbids inline styles).
pub const LABELS_CSS_HREF: &str = "/assets/labels.css";

// ---------------------------------------------------------------------------------------------
// Presentation helpers shared by the shipment, receiving and defect pages.

pub(crate) fn status_badge(s: ShipmentStatus) -> Badge {
    match s {
        ShipmentStatus::Created => Badge { key: "shipment.status.created", class: "badge-neutral" },
        ShipmentStatus::TransportationRequested => Badge { key: "shipment.status.transportation_requested", class: "badge-info" },
        ShipmentStatus::CarrierAssigned => Badge { key: "shipment.status.carrier_assigned", class: "badge-info" },
        ShipmentStatus::Shipped => Badge { key: "shipment.status.shipped", class: "badge-info" },
        ShipmentStatus::CheckedIn => Badge { key: "shipment.status.checked_in", class: "badge-warning" },
        ShipmentStatus::Received => Badge { key: "shipment.status.received", class: "badge-success" },
        ShipmentStatus::Cancelled => Badge { key: "shipment.status.cancelled", class: "badge-neutral" },
    }
}

pub(crate) fn type_key(t: ShipmentType) -> &'static str {
    match t {
        ShipmentType::TruckLoad => "shipment.type.truckload",
        ShipmentType::LessThanTruckLoad => "shipment.type.ltl",
        ShipmentType::SmallParcel => "shipment.type.parcel",
    }
}

fn confirmation_key(c: Confirmation) -> &'static str {
    match c {
        Confirmation::Original => "asn.conf.original",
        Confirmation::Replace => "asn.conf.replace",
    }
}

fn freight_key(f: FreightTerms) -> &'static str {
    match f {
        FreightTerms::Collect => "po.freight.collect",
        FreightTerms::Prepaid => "po.freight.prepaid",
    }
}

pub(crate) fn appointment_badge(s: AppointmentStatus) -> Badge {
    match s {
        AppointmentStatus::Booked => Badge { key: "appt.status.booked", class: "badge-info" },
        AppointmentStatus::Cancelled => Badge { key: "appt.status.cancelled", class: "badge-neutral" },
        AppointmentStatus::Completed => Badge { key: "appt.status.completed", class: "badge-success" },
        AppointmentStatus::NoShow => Badge { key: "appt.status.no_show", class: "badge-critical" },
    }
}

/// A compliance defect's badge: critical for goods missing or wrong, warning for lateness.
pub(crate) fn defect_badge(k: DefectKind) -> Badge {
    let (key, critical) = match k {
        DefectKind::UnconfirmedUnits => ("defect.unconfirmed_units", false),
        DefectKind::LateAcknowledgement => ("defect.late_acknowledgement", false),
        DefectKind::MissingAsn => ("defect.missing_asn", true),
        DefectKind::LateAsn => ("defect.late_asn", false),
        DefectKind::AsnShortage => ("defect.asn_shortage", true),
        DefectKind::AsnOverage => ("defect.asn_overage", true),
        DefectKind::WrongItem => ("defect.wrong_item", true),
        DefectKind::NotOnTime => ("defect.not_on_time", true),
        DefectKind::LateCancellation => ("defect.late_cancellation", false),
        DefectKind::NoShow => ("defect.no_show", true),
    };
    Badge { key, class: if critical { "badge-critical" } else { "badge-warning" } }
}

pub(crate) fn tz_of(name: &str) -> Tz {
    time::zone(name).unwrap_or(time::UTC)
}

/// A wall-clock time in a DC's time zone ("2026-03-02 02:00").
pub(crate) fn local(t: DateTime<Utc>, tz: Tz) -> String {
    time::to_local(tz, t).format("%Y-%m-%d %H:%M").to_string()
}

/// The notice for `?done=…` on the shipment and receiving pages.
pub(crate) fn notice_key(done: &str) -> &'static str {
    match done {
        "created" => "asn.notice.created",
        "replaced" => "asn.notice.replaced",
        "uploaded" => "asn.notice.uploaded",
        "routing" => "routing.notice.requested",
        "assigned" => "routing.notice.assigned",
        "booked" => "appt.notice.booked",
        "appt_cancelled" => "appt.notice.cancelled",
        "checked_in" => "rcv.notice.checked_in",
        "recorded" => "rcv.notice.recorded",
        "closed" => "rcv.notice.closed",
        d => view::notice_key(d),
    }
}

/// A control's inline error without the label the error summary puts in front.
pub(crate) fn bare(errors: &Errors, field: &str, label: Option<String>) -> String {
    let msg = errors.msg(field);
    match label {
        Some(l) => msg.replace(&format!("{l}: "), ""),
        None => msg,
    }
}

/// Names the field in each message, through a function of the field id.
pub(crate) fn named(errors: Errors, label: impl Fn(&str) -> Option<String>) -> Errors {
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

/// A use case's field names turned into the form's control ids.
pub(crate) fn remap(e: ServiceError, f: impl Fn(&str) -> String) -> ServiceError {
    match e {
        ServiceError::Invalid(issues) => ServiceError::Invalid(issues.into_iter().map(|i| FieldIssue::new(f(&i.field), i.issue)).collect()),
        e => e,
    }
}

/// A whole number typed into a field; anything else is the message saying so.
pub(crate) fn whole(t: T, v: &str) -> Result<i64, String> {
    let v = v.trim();
    v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| t.t("form.whole_number").replace("{value}", v))
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|s| !s.is_empty())
}

/// A date and time typed as UTC: `2026-03-01T08:00` (a `datetime-local` value), seconds optional,
/// `2026-03-01 08:00`, or a date (midnight).
fn parse_utc(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .ok()
        .map(|n| n.and_utc())
}

fn address_lines(name: &str, a: &Address) -> Vec<String> {
    [name.to_string(), a.line1.clone(), a.line2.clone(), format!("{} {}", a.postal_code, a.city).trim().to_string(), a.region.clone(), a.country.clone()]
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect()
}

pub(crate) fn weekday_key(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match d {
        Mon => "day.mon",
        Tue => "day.tue",
        Wed => "day.wed",
        Thu => "day.thu",
        Fri => "day.fri",
        Sat => "day.sat",
        Sun => "day.sun",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

// ---------------------------------------------------------------------------------------------
// The index.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    dc: String,
    number: String,
    cursor: String,
    done: String,
}

/// The filters as typed (kept in links, the CSV export and the form).
#[derive(Default)]
pub struct Filters {
    status: String,
    dc: String,
    number: String,
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters { status: q.status.trim().to_string(), dc: q.dc.trim().to_uppercase(), number: q.number.trim().to_string() }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("status", self.status.as_str()), ("dc", self.dc.as_str()), ("number", self.number.as_str())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    fn filter(&self, dcs: &[Dc]) -> ShipmentFilter {
        let dc_id = if self.dc.is_empty() {
            None
        } else {
            // An unknown DC matches nothing rather than everything.
            Some(dcs.iter().find(|d| d.code == self.dc).map(|d| d.id).unwrap_or(Uuid::nil()))
        };
        ShipmentFilter { tenant: None, status: ShipmentStatus::parse(&self.status), dc_id, number: opt(&self.number) }
    }
}

pub struct ShipmentRow {
    id: String,
    number: String,
    vendor_code: String,
    dc_code: String,
    status: Badge,
    kind: &'static str,
    cartons: i64,
    units: i64,
    ship_date: String,
    asn_due: String,
    late: bool,
    transport: String,
}

#[derive(Template)]
#[template(path = "shipments.html")]
struct ListPage {
    t: T,
    shell: Shell,
    f: Filters,
    filtered: bool,
    statuses: Vec<(&'static str, &'static str)>,
    dcs: Vec<(String, String)>,
    rows: Vec<ShipmentRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    can_create: bool,
    notice: &'static str,
}

/// What the index says about getting the goods to the dock: arrival, the appointment (Prepaid,
/// one lookup per open row) or the routing (Collect).
async fn transport(s: &AppState, ctx: &Ctx, t: T, h: &Header, tz: Tz, tz_name: &str) -> String {
    let sh = &h.shipment;
    if let Some(at) = sh.arrived_at {
        return t.t("asn.arrived_at").replace("{time}", &format!("{} {tz_name}", local(at, tz)));
    }
    if sh.status == ShipmentStatus::Cancelled {
        return "—".into();
    }
    match sh.freight_terms {
        FreightTerms::Collect => match (&sh.arn, &sh.carrier_scac) {
            (Some(arn), scac) => format!("{} · ARN {arn}", scac.as_deref().unwrap_or("")),
            _ if sh.status == ShipmentStatus::TransportationRequested => t.t("routing.awaiting").to_string(),
            _ => t.t("routing.none").to_string(),
        },
        FreightTerms::Prepaid => match s.services.get_shipment(ctx, sh.id).await.ok().and_then(|d| d.appointment().map(|a| a.slot_start)) {
            Some(start) => format!("{} {tz_name}", local(start, tz)),
            None => t.t("appt.none").to_string(),
        },
    }
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let dcs = s.services.list_dcs(&ctx).await.unwrap_or_default();
    let f = Filters::from_query(&lq);
    let cursor = lists::cursor(&lq.cursor);
    let page = match s.services.list_shipments(&ctx, f.filter(&dcs), cursor, Some(PAGE_SIZE)).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let mut rows = Vec::with_capacity(page.items.len());
    for h in &page.items {
        let sh = &h.shipment;
        let tz_name = dcs.iter().find(|d| d.id == sh.dc_id).map(|d| d.time_zone.clone()).unwrap_or_else(|| "UTC".into());
        let tz = tz_of(&tz_name);
        rows.push(ShipmentRow {
            id: sh.id.to_string(),
            number: sh.shipment_number.clone(),
            vendor_code: sh.vendor_code.clone(),
            dc_code: sh.dc_code.clone(),
            status: status_badge(sh.status),
            kind: type_key(sh.shipment_type),
            cartons: h.carton_count,
            units: h.unit_count,
            ship_date: view::when(sh.ship_date),
            asn_due: view::when(sh.asn_due_at),
            late: sh.first_submitted_at > sh.asn_due_at,
            transport: transport(&s, &ctx, t, h, tz, &tz_name).await,
        });
    }
    let Links { next_href, first_href, csv_href } = lists::links("/shipments", &f.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        filtered: f.active(),
        statuses: ShipmentStatus::ALL.iter().map(|st| (st.as_str(), status_badge(*st).key)).collect(),
        dcs: dc_options(&dcs),
        rows,
        next_href,
        first_href,
        csv_href,
        can_create: can_write_asn(&auth),
        notice: notice_key(&lq.done),
        f,
        shell,
    })
}

/// Vendor writers (vendor admin, operations) submit and replace ASNs.
fn can_write_asn(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Acknowledgements) >= Access::Write
}

/// Every shipment of the current filter as CSV (all pages).
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let dcs = s.services.list_dcs(&ctx).await.unwrap_or_default();
    let filter = Filters::from_query(&lq).filter(&dcs);
    let header = [
        "shipment_number",
        "vendor_code",
        "dc_code",
        "status",
        "shipment_type",
        "freight_terms",
        "confirmation",
        "revision",
        "cartons",
        "units",
        "ship_date_utc",
        "asn_due_at_utc",
        "first_submitted_at_utc",
        "asn_late",
        "carrier_scac",
        "tracking_number",
        "bol_number",
        "arn",
        "arrived_at_utc",
        "received_at_utc",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "shipments.csv", &header, |cursor| async move {
        let page = s.services.list_shipments(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let rows = page
            .items
            .iter()
            .map(|h| {
                let sh = &h.shipment;
                vec![
                    sh.shipment_number.clone(),
                    sh.vendor_code.clone(),
                    sh.dc_code.clone(),
                    sh.status.as_str().into(),
                    sh.shipment_type.as_str().into(),
                    sh.freight_terms.as_str().into(),
                    sh.confirmation.as_str().into(),
                    sh.revision.to_string(),
                    h.carton_count.to_string(),
                    h.unit_count.to_string(),
                    view::iso(sh.ship_date),
                    view::iso(sh.asn_due_at),
                    view::iso(sh.first_submitted_at),
                    (sh.first_submitted_at > sh.asn_due_at).to_string(),
                    sh.carrier_scac.clone().unwrap_or_default(),
                    sh.tracking_number.clone().unwrap_or_default(),
                    sh.bol_number.clone().unwrap_or_default(),
                    sh.arn.clone().unwrap_or_default(),
                    sh.arrived_at.map(view::iso).unwrap_or_default(),
                    sh.received_at.map(view::iso).unwrap_or_default(),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The ASN builder (new and replace).

/// The builder's header as typed.
#[derive(Default)]
pub struct Head {
    shipment_number: String,
    dc_code: String,
    shipment_type: String,
    ship_date: String,
    estimated_arrival: String,
    carrier_scac: String,
    tracking_number: String,
    bol_number: String,
    ship_from_name: String,
    line1: String,
    line2: String,
    city: String,
    region: String,
    postal_code: String,
    country: String,
}

impl Head {
    fn from_form(f: &FormData) -> Head {
        Head {
            shipment_number: f.get("shipment_number").into(),
            dc_code: f.get("dc_code").into(),
            shipment_type: f.get("shipment_type").into(),
            ship_date: f.get("ship_date").into(),
            estimated_arrival: f.get("estimated_arrival").into(),
            carrier_scac: f.get("carrier_scac").into(),
            tracking_number: f.get("tracking_number").into(),
            bol_number: f.get("bol_number").into(),
            ship_from_name: f.get("ship_from_name").into(),
            line1: f.get("ship_from.line1").into(),
            line2: f.get("ship_from.line2").into(),
            city: f.get("ship_from.city").into(),
            region: f.get("ship_from.region").into(),
            postal_code: f.get("ship_from.postal_code").into(),
            country: f.get("ship_from.country").into(),
        }
    }

    fn with_ship_from(mut self, name: &str, a: &Address) -> Head {
        self.ship_from_name = name.into();
        self.line1 = a.line1.clone();
        self.line2 = a.line2.clone();
        self.city = a.city.clone();
        self.region = a.region.clone();
        self.postal_code = a.postal_code.clone();
        self.country = a.country.clone();
        self
    }

    fn from_detail(d: &ShipmentDetail) -> Head {
        let s = &d.shipment;
        let dt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
        Head {
            shipment_number: s.shipment_number.clone(),
            dc_code: s.dc_code.clone(),
            shipment_type: s.shipment_type.as_str().into(),
            ship_date: dt(s.ship_date),
            estimated_arrival: s.estimated_arrival.map(dt).unwrap_or_default(),
            carrier_scac: s.carrier_scac.clone().unwrap_or_default(),
            tracking_number: s.tracking_number.clone().unwrap_or_default(),
            bol_number: s.bol_number.clone().unwrap_or_default(),
            ..Head::default()
        }
        .with_ship_from(&d.ship_from_name, &s.ship_from)
    }
}

/// Header fields and their labels.
const HEAD_LABELS: &[(&str, &str)] = &[
    ("shipment_number", "asn.number"),
    ("dc_code", "asn.dc"),
    ("shipment_type", "asn.type"),
    ("ship_date", "asn.ship_date_utc"),
    ("estimated_arrival", "asn.eta_utc"),
    ("carrier_scac", "asn.carrier_scac"),
    ("tracking_number", "asn.tracking"),
    ("bol_number", "asn.bol"),
    ("ship_from_name", "asn.ship_from_name"),
    ("ship_from.line1", "dc.line1"),
    ("ship_from.city", "dc.city"),
    ("ship_from.country", "dc.country"),
];

/// The columns of the cartons table: control id prefix and label.
const COLS: &[(&str, &str)] = &[
    ("carton", "asn.col.carton"),
    ("sscc", "asn.col.sscc"),
    ("po", "asn.col.po"),
    ("line", "asn.col.line"),
    ("qty", "asn.col.qty"),
    ("lot", "asn.col.lot"),
    ("expiry", "asn.col.expiry"),
];

/// One row of the cartons table as typed, with its errors.
pub struct CartonRow {
    i: usize,
    n: usize,
    carton: String,
    sscc: String,
    po: String,
    line: String,
    qty: String,
    lot: String,
    expiry: String,
    err_carton: String,
    err_sscc: String,
    err_po: String,
    err_line: String,
    err_qty: String,
    err_lot: String,
    err_expiry: String,
}

impl CartonRow {
    fn blank(i: usize) -> CartonRow {
        CartonRow {
            i,
            n: i + 1,
            carton: String::new(),
            sscc: String::new(),
            po: String::new(),
            line: String::new(),
            qty: String::new(),
            lot: String::new(),
            expiry: String::new(),
            err_carton: String::new(),
            err_sscc: String::new(),
            err_po: String::new(),
            err_line: String::new(),
            err_qty: String::new(),
            err_lot: String::new(),
            err_expiry: String::new(),
        }
    }

    fn typed(t: T, f: &FormData, i: usize, errors: &Errors) -> CartonRow {
        let get = |col: &str| f.get(&format!("{col}-{i}")).to_string();
        let err = |col: &str| bare(errors, &format!("{col}-{i}"), builder_label(t, &format!("{col}-{i}")));
        CartonRow {
            carton: get("carton"),
            sscc: get("sscc"),
            po: get("po"),
            line: get("line"),
            qty: get("qty"),
            lot: get("lot"),
            expiry: get("expiry"),
            err_carton: err("carton"),
            err_sscc: err("sscc"),
            err_po: err("po"),
            err_line: err("line"),
            err_qty: err("qty"),
            err_lot: err("lot"),
            err_expiry: err("expiry"),
            ..CartonRow::blank(i)
        }
    }

    fn is_blank(&self) -> bool {
        [&self.carton, &self.sscc, &self.po, &self.line, &self.qty, &self.lot, &self.expiry].iter().all(|v| v.trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "shipment_new.html")]
struct BuilderPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    h: Head,
    rows: Vec<CartonRow>,
    row_count: usize,
    can_add_rows: bool,
    dcs: Vec<(String, String)>,
    types: Vec<(&'static str, &'static str)>,
    /// Where the form posts: `/shipments` or `/shipments/{id}/replace`.
    action: String,
    /// The shipment replaced (empty for a new ASN).
    id: String,
    number: String,
    /// "This will be revision 3." when replacing.
    next_revision: String,
    /// The PO the rows were prefilled from.
    from_po: String,
}

struct Builder {
    errors: Errors,
    h: Head,
    rows: Vec<CartonRow>,
    replacing: Option<(Uuid, String, i64)>,
    from_po: String,
}

async fn builder(s: &AppState, ctx: &Ctx, shell: Shell, t: T, b: Builder) -> BuilderPage {
    let dcs = s.services.list_dcs(ctx).await.unwrap_or_default();
    let row_count = b.rows.len();
    let (action, id, number, next_revision) = match &b.replacing {
        Some((id, number, revision)) => {
            (format!("/shipments/{id}/replace"), id.to_string(), number.clone(), t.t("asn.replace.next").replace("{n}", &(revision + 1).to_string()))
        }
        None => ("/shipments".to_string(), String::new(), String::new(), String::new()),
    };
    BuilderPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors: b.errors,
        h: b.h,
        rows: b.rows,
        row_count,
        can_add_rows: row_count < MAX_ROWS,
        dcs: dc_options(&dcs),
        types: ShipmentType::ALL.iter().map(|k| (k.as_str(), type_key(*k))).collect(),
        action,
        id,
        number,
        next_revision,
        from_po: b.from_po,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    po: String,
}

/// Rows for a PO's acknowledged, not yet shipped eaches: one carton per line.
fn rows_from_po(d: &acorn_service::orders::PoDetail) -> Vec<CartonRow> {
    let mut rows = Vec::new();
    for l in d.lines.iter().filter(|l| !l.cancelled) {
        let open = l.committed_eaches - l.shipped_eaches;
        if open > 0 {
            let mut r = CartonRow::blank(rows.len());
            r.carton = (rows.len() + 1).to_string();
            r.po = d.po.number.clone();
            r.line = l.line_no.to_string();
            r.qty = open.to_string();
            rows.push(r);
        }
    }
    rows
}

/// Pads the rows with blank ones to at least `min` (and a multiple of nothing: just enough).
fn pad(mut rows: Vec<CartonRow>, min: usize) -> Vec<CartonRow> {
    while rows.len() < min {
        rows.push(CartonRow::blank(rows.len()));
    }
    rows
}

pub async fn new_page(State(s): State<AppState>, req: Req, Query(nq): Query<NewQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_write_asn).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if super::edi::live_for(&s, &auth).await {
        return super::edi::live_page(shell, t, "/shipments", StatusCode::OK);
    }
    let ctx = req.ctx(&auth);
    let mut h = Head { shipment_type: ShipmentType::LessThanTruckLoad.as_str().into(), ..Head::default() };
    // The ship-from of the vendor's latest ASN, as a start.
    if let Ok(p) = s.services.list_shipments(&ctx, ShipmentFilter::default(), None, Some(1)).await
        && let Some(last) = p.items.first()
    {
        h = h.with_ship_from(&last.ship_from_name, &last.shipment.ship_from);
    }
    let mut rows = Vec::new();
    let mut from_po = String::new();
    if let Some(po_id) = Some(nq.po.trim()).filter(|p| !p.is_empty()) {
        let Some(po_id) = parse_id(po_id) else { return server_error(t, ServiceError::NotFound("purchase order")) };
        let d = match s.services.get_po(&ctx, po_id).await {
            Ok(d) => d,
            Err(e) => return server_error(t, e),
        };
        h.dc_code = d.po.dc_code.clone();
        rows = rows_from_po(&d);
        from_po = d.po.number.clone();
    }
    let rows = pad(rows, ROWS_STEP);
    render(&builder(&s, &ctx, shell, t, Builder { errors: Vec::new(), h, rows, replacing: None, from_po }).await)
}

/// The ASN as typed: the use case's input, the form rows of each carton's items, and what the page
/// could not read itself.
fn read_builder(t: T, f: &FormData, rows: usize) -> (ShipmentInput, Vec<Vec<usize>>, Errors) {
    let mut errors = Errors::new();
    let mut cartons: Vec<CartonInput> = Vec::new();
    let mut origin: Vec<Vec<usize>> = Vec::new();
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    for i in 0..rows {
        let r = CartonRow::typed(t, f, i, &Vec::new());
        if r.is_blank() {
            continue;
        }
        let reference = r.carton.trim().to_uppercase();
        if reference.is_empty() {
            errors.push((format!("carton-{i}"), t.t("asn.carton_required").into()));
            continue;
        }
        let mut number = |col: &str, v: &str| match v.trim() {
            "" => {
                errors.push((format!("{col}-{i}"), t.t("asn.value_required").into()));
                0
            }
            v => whole(t, v).unwrap_or_else(|m| {
                errors.push((format!("{col}-{i}"), m));
                0
            }),
        };
        let line_no = number("line", &r.line);
        let quantity = number("qty", &r.qty);
        let expiry = match r.expiry.trim() {
            "" => None,
            v => {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| errors.push((format!("expiry-{i}"), t.t("form.date_invalid").replace("{value}", v)))).ok()
            }
        };
        let k = *by_ref.entry(reference).or_insert_with(|| {
            cartons.push(CartonInput { sscc: None, pallet: None, items: Vec::new() });
            origin.push(Vec::new());
            cartons.len() - 1
        });
        let sscc = r.sscc.trim();
        if !sscc.is_empty() {
            match &cartons[k].sscc {
                Some(other) if other != sscc => {
                    errors.push((format!("sscc-{i}"), t.t("asn.sscc_differs").replace("{sscc}", other).replace("{carton}", r.carton.trim())))
                }
                _ => cartons[k].sscc = Some(sscc.to_string()),
            }
        }
        cartons[k].items.push(CartonItemInput { po_number: r.po.trim().to_string(), line_no, quantity, lot: opt(&r.lot), expiry });
        origin[k].push(i);
    }
    let mut when = |field: &str| match f.get(field).trim() {
        "" => None,
        v => parse_utc(v).or_else(|| {
            errors.push((field.to_string(), t.t("asn.datetime_invalid").replace("{value}", v)));
            None
        }),
    };
    let ship_date = when("ship_date");
    let estimated_arrival = when("estimated_arrival");
    let input = ShipmentInput {
        shipment_number: opt(f.get("shipment_number")),
        dc_code: f.get("dc_code").trim().into(),
        ship_from_name: f.get("ship_from_name").trim().into(),
        ship_from: Address {
            line1: f.get("ship_from.line1").trim().into(),
            line2: f.get("ship_from.line2").trim().into(),
            city: f.get("ship_from.city").trim().into(),
            region: f.get("ship_from.region").trim().into(),
            postal_code: f.get("ship_from.postal_code").trim().into(),
            country: f.get("ship_from.country").trim().to_uppercase(),
        },
        shipment_type: f.get("shipment_type").into(),
        ship_date,
        estimated_arrival,
        carrier_scac: opt(f.get("carrier_scac")),
        tracking_number: opt(f.get("tracking_number")),
        bol_number: opt(f.get("bol_number")),
        pallets: Vec::new(),
        cartons,
    };
    (input, origin, errors)
}

/// A use case's field (`cartons[1].items[0].quantity`) as the builder's control (`qty-<row>`).
fn builder_field(field: &str, origin: &[Vec<usize>]) -> String {
    let first_row = origin.first().and_then(|r| r.first()).copied().unwrap_or(0);
    if let Some(rest) = field.strip_prefix("cartons[") {
        let Some((k, rest)) = rest.split_once(']') else { return format!("carton-{first_row}") };
        let rows = k.parse::<usize>().ok().and_then(|k| origin.get(k));
        let carton_row = rows.and_then(|r| r.first()).copied().unwrap_or(first_row);
        if rest == ".sscc" {
            return format!("sscc-{carton_row}");
        }
        if let Some(item) = rest.strip_prefix(".items[")
            && let Some((j, col)) = item.split_once("].")
        {
            let row = j.parse::<usize>().ok().and_then(|j| rows.and_then(|r| r.get(j))).copied().unwrap_or(carton_row);
            let id = match col {
                "po_number" => "po",
                "line_no" => "line",
                "lot" => "lot",
                "expiry" => "expiry",
                _ => "qty",
            };
            return format!("{id}-{row}");
        }
        return format!("carton-{carton_row}");
    }
    match field {
        "ship_from" => "ship_from.line1".into(),
        "cartons" | "pallets" => format!("carton-{first_row}"),
        f if HEAD_LABELS.iter().any(|(id, _)| *id == f) => f.to_string(),
        _ => format!("carton-{first_row}"),
    }
}

/// "Row 3, Quantity" for a cartons-table control, the catalogue label for a header field.
fn builder_label(t: T, field: &str) -> Option<String> {
    if let Some((col, row)) = field.rsplit_once('-')
        && let Ok(row) = row.parse::<usize>()
    {
        let key = COLS.iter().find(|(c, _)| *c == col)?.1;
        return Some(format!("{} {}, {}", t.t("asn.row"), row + 1, t.t(key)));
    }
    HEAD_LABELS.iter().find(|(id, _)| *id == field).map(|(_, k)| t.t(k).to_string())
}

/// The rows to show again: as many as were sent, each as typed with its errors.
fn typed_rows(t: T, f: &FormData, rows: usize, errors: &Errors) -> Vec<CartonRow> {
    (0..rows).map(|i| CartonRow::typed(t, f, i, errors)).collect()
}

/// The builder's POST (new or replace): "add rows", or submit.
async fn submit_builder(s: &AppState, req: &Req, p: forms::Post, replacing: Option<(Uuid, String, i64)>) -> Response {
    let (f, t) = (&p.f, p.t);
    let rows = f.get("rows").trim().parse::<usize>().unwrap_or(ROWS_STEP).clamp(1, MAX_ROWS);
    if !can_write_asn(&p.auth) {
        return p.once.failed(s, t, ServiceError::Forbidden).await;
    }
    let from_po = f.get("from_po").to_string();
    if f.get("action") == "more" {
        // "Add rows" without JavaScript: the same form again, longer. Nothing was done.
        p.once.release(s).await;
        let more = (rows + ROWS_STEP).min(MAX_ROWS);
        let b = Builder { errors: Vec::new(), h: Head::from_form(f), rows: typed_rows(t, f, more, &Vec::new()), replacing, from_po };
        return render(&builder(s, &req.ctx(&p.auth), p.shell, t, b).await);
    }
    let (input, origin, own) = read_builder(t, f, rows);
    let ctx = p.ctx(req);
    let result = if !own.is_empty() {
        // Nothing is sent with a value the page could not read.
        Err(ServiceError::Invalid(Vec::new()))
    } else {
        match &replacing {
            Some((id, ..)) => s.services.replace_shipment(&ctx, *id, input).await,
            None => s.services.create_shipment(&ctx, input).await,
        }
    };
    match result {
        Ok(d) => {
            let done = if replacing.is_some() { "replaced" } else { "created" };
            p.once.done(s, &format!("/shipments/{}?done={done}", d.shipment.id)).await
        }
        Err(e) => {
            let e = remap(e, |field| builder_field(field, &origin));
            let first = format!("carton-{}", origin.first().and_then(|r| r.first()).copied().unwrap_or(0));
            forms::show_again(s, p.once, t, e, &first, async |errors| {
                let errors = named(merge(own, errors), |field| builder_label(t, field));
                let rows = typed_rows(t, f, rows, &errors);
                Ok(builder(s, &req.ctx(&p.auth), p.shell, t, Builder { errors, h: Head::from_form(f), rows, replacing, from_po }).await)
            })
            .await
        }
    }
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/shipments/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = match super::edi::refuse_when_live(&s, p, "/shipments").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    submit_builder(&s, &req, p, None).await
}

/// Rows for the current contents of a shipment: one per carton item, the carton number its position.
fn rows_from_shipment(s: &Shipment) -> Vec<CartonRow> {
    let mut rows = Vec::new();
    for k in &s.cartons {
        for i in &k.items {
            let mut r = CartonRow::blank(rows.len());
            r.carton = k.seq.to_string();
            r.sscc = k.sscc.as_str().to_string();
            r.po = i.po_number.clone();
            r.line = i.line_no.to_string();
            r.qty = i.quantity.to_string();
            r.lot = i.lot.clone().unwrap_or_default();
            r.expiry = i.expiry.map(|d| d.to_string()).unwrap_or_default();
            rows.push(r);
        }
    }
    rows
}

pub async fn replace_page(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_write_asn).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("shipment")) };
    if super::edi::live_for(&s, &auth).await {
        return super::edi::live_page(shell, t, &format!("/shipments/{id}"), StatusCode::OK);
    }
    let ctx = req.ctx(&auth);
    let d = match s.services.get_shipment(&ctx, id).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    let sh = &d.shipment;
    let rows = rows_from_shipment(sh);
    let min = rows.len() + ROWS_STEP;
    let b = Builder {
        errors: Vec::new(),
        h: Head::from_detail(&d),
        rows: pad(rows, min.min(MAX_ROWS)),
        replacing: Some((id, sh.shipment_number.clone(), sh.revision)),
        from_po: String::new(),
    };
    render(&builder(&s, &ctx, shell, t, b).await)
}

pub async fn replace(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/shipments/{id}/replace")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = match super::edi::refuse_when_live(&s, p, &format!("/shipments/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let current = match s.services.get_shipment(&p.ctx(&req), id).await {
        Ok(d) => d,
        Err(e) => return p.once.failed(&s, p.t, e).await,
    };
    let replacing = Some((id, current.shipment.shipment_number.clone(), current.shipment.revision));
    submit_builder(&s, &req, p, replacing).await
}

// ---------------------------------------------------------------------------------------------
// ASN CSV upload (the page and flow are in `upload`).

/// The ASN upload: rows with the same `carton` form one carton.
static ASN_UPLOAD: Upload = Upload {
    title_key: "asn.upload.title",
    context_key: "asn.upload.context",
    fill_key: "asn.upload.step.fill",
    columns_key: "asn.upload.columns",
    action: "/shipments/upload",
    template_href: "/shipments/template.csv",
    template_name: "asn-template.csv",
    columns: ASN_CSV_COLUMNS,
    back_href: "/shipments",
    back_key: "nav.shipments",
    allowed: can_write_asn,
};

pub async fn upload_page_get(State(s): State<AppState>, req: Req) -> Response {
    upload::show(&s, &req, &ASN_UPLOAD, |_| String::new()).await
}

pub async fn template(State(s): State<AppState>, req: Req) -> Response {
    upload::template(&s, &req, &ASN_UPLOAD).await
}

pub async fn upload(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    upload::post(&s, &req, &body, &ASN_UPLOAD, async |ctx, text| {
        s.services.import_shipment_csv(ctx, text).await.map(|d| format!("/shipments/{}?done=uploaded", d.shipment.id))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The shipment page.

pub struct ItemView {
    po: String,
    po_href: String,
    line: i64,
    sku: String,
    gtin: String,
    qty: i64,
    lot: String,
    expiry: String,
}

pub struct CartonView {
    seq: i64,
    sscc: String,
    pallet: String,
    items: Vec<ItemView>,
}

pub struct VersionView {
    revision: i64,
    confirmation: &'static str,
    cartons: usize,
    units: i64,
    by: String,
    at: String,
}

pub struct RoutingView {
    ready: String,
    pallets: i64,
    weight: i64,
    volume: i64,
    requested: String,
    carrier: String,
    arn: String,
    assigned: String,
}

pub struct ApptView {
    start: String,
    end: String,
    status: Badge,
    reschedules: i64,
    late: bool,
    booked: String,
}

pub struct SlotView {
    id: String,
    date: String,
    weekday: &'static str,
    start: String,
    end: String,
    capacity: i64,
    /// Appointments the slot still takes (capacity minus those booked in it).
    remaining: i64,
    /// No room left (and not this shipment's own slot).
    full: bool,
    bookable: bool,
    current: bool,
}

pub struct ReceivedLineView {
    pub(crate) po: String,
    pub(crate) line: String,
    pub(crate) gtin: String,
    pub(crate) received: i64,
    pub(crate) damaged: i64,
    pub(crate) unexpected: bool,
}

pub struct ReceivedView {
    pub(crate) sscc: String,
    pub(crate) on_asn: bool,
    pub(crate) scanned: String,
    pub(crate) lines: Vec<ReceivedLineView>,
}

pub struct ReceiptView {
    pub(crate) open: bool,
    pub(crate) checked_in: String,
    pub(crate) closed: String,
    pub(crate) cartons: Vec<ReceivedView>,
    pub(crate) units: i64,
    pub(crate) damaged: i64,
}

pub struct DiscrepancyView {
    pub(crate) kind: Badge,
    pub(crate) sscc: String,
    pub(crate) po: String,
    pub(crate) line: String,
    pub(crate) gtin: String,
    pub(crate) expected: i64,
    pub(crate) received: i64,
    pub(crate) detail: String,
}

/// The routing-request form as typed.
pub struct RoutingTyped {
    freight_ready_date: String,
    pallets: String,
    weight_kg: String,
    volume_dm3: String,
}

/// The assign-carrier form as typed.
#[derive(Default)]
pub struct AssignTyped {
    scac: String,
    arn: String,
}

#[derive(Template)]
#[template(path = "shipment.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    number: String,
    status: Badge,
    confirmation: &'static str,
    revision: i64,
    vendor_code: String,
    dc_code: String,
    dc_href: String,
    tz: String,
    freight: &'static str,
    collect: bool,
    kind: &'static str,
    ship_date: String,
    ship_date_local: String,
    eta: String,
    asn_due: String,
    asn_due_local: String,
    first_submitted: String,
    late: bool,
    submitted: String,
    carrier: String,
    tracking: String,
    bol: String,
    arn: String,
    ship_from: Vec<String>,
    carton_count: usize,
    units: i64,
    cartons: Vec<CartonView>,
    versions: Vec<VersionView>,
    can_replace: bool,
    receiving_href: String,
    routing: Option<RoutingView>,
    can_request_routing: bool,
    can_assign: bool,
    rt: RoutingTyped,
    at: AssignTyped,
    appointment: Option<ApptView>,
    /// Cancelling now is a late cancellation (less than 24 h before the slot).
    cancel_late: bool,
    appointments: Vec<ApptView>,
    can_book: bool,
    slots: Vec<SlotView>,
    slots_from: String,
    slots_to: String,
    receipt: Option<ReceiptView>,
    discrepancies: Vec<DiscrepancyView>,
}

#[derive(Default)]
struct Extra {
    errors: Errors,
    notice: &'static str,
    rt: Option<RoutingTyped>,
    at: AssignTyped,
}

fn appt_view(a: &Appointment, tz: Tz) -> ApptView {
    ApptView {
        start: local(a.slot_start, tz),
        end: time::to_local(tz, a.slot_end).format("%H:%M").to_string(),
        status: appointment_badge(a.status),
        reschedules: a.reschedules,
        late: a.late_change,
        booked: view::when(a.booked_at),
    }
}

pub(crate) fn receipt_view(r: &Receipt, tz: Tz) -> ReceiptView {
    ReceiptView {
        open: r.status == ReceiptStatus::Open,
        checked_in: local(r.checked_in_at, tz),
        closed: r.closed_at.map(|c| local(c, tz)).unwrap_or_default(),
        units: r.cartons.iter().flat_map(|k| &k.lines).map(|l| l.received).sum(),
        damaged: r.cartons.iter().flat_map(|k| &k.lines).map(|l| l.damaged).sum(),
        cartons: r
            .cartons
            .iter()
            .map(|k| ReceivedView {
                sscc: Sscc::parse(&k.sscc).map(|s| s.human_readable()).unwrap_or_else(|_| k.sscc.clone()),
                on_asn: k.on_asn,
                scanned: local(k.scanned_at, tz),
                lines: k
                    .lines
                    .iter()
                    .map(|l| ReceivedLineView {
                        po: l.po_number.clone().unwrap_or_default(),
                        line: l.line_no.map(|n| n.to_string()).unwrap_or_default(),
                        gtin: l.gtin.clone(),
                        received: l.received,
                        damaged: l.damaged,
                        unexpected: l.unexpected,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The differences between the ASN and a closed receipt.
pub(crate) fn discrepancy_views(s: &Shipment, r: &Receipt) -> Vec<DiscrepancyView> {
    if r.status != ReceiptStatus::Closed {
        return Vec::new();
    }
    acorn_domain::receiving::discrepancies(s, r)
        .into_iter()
        .map(|d| DiscrepancyView {
            kind: defect_badge(d.kind),
            sscc: d.sscc.as_deref().map(|x| Sscc::parse(x).map(|s| s.human_readable()).unwrap_or_else(|_| x.to_string())).unwrap_or_default(),
            po: d.po_number.clone().unwrap_or_default(),
            line: d.line_no.map(|n| n.to_string()).unwrap_or_default(),
            gtin: d.gtin.clone(),
            expected: d.expected,
            received: d.received,
            detail: d.detail,
        })
        .collect()
}

/// The DC's dock slots from the start of today (DC time) for [`SLOT_DAYS`], with what may be booked.
async fn slot_views(s: &AppState, ctx: &Ctx, d: &ShipmentDetail, tz: Tz, now: DateTime<Utc>) -> Result<(Vec<SlotView>, String, String), ServiceError> {
    let today = time::to_local(tz, now).date();
    let from = time::from_local(tz, today.and_hms_opt(0, 0, 0).unwrap_or_default()).unwrap_or(now);
    let slots: Vec<SlotAvailability> = s.services.dock_slot_availability(ctx, d.shipment.dc_id, from, SLOT_DAYS).await?;
    let current = d.appointments.iter().find(|a| a.status == AppointmentStatus::Booked).map(|a| a.slot_id);
    let views = slots
        .iter()
        .filter(|a| a.slot.ends_at > now)
        .map(|a| {
            let sl = &a.slot;
            let start = time::to_local(tz, sl.starts_at);
            let current = current == Some(sl.id);
            SlotView {
                id: sl.id.to_string(),
                date: start.format("%Y-%m-%d").to_string(),
                weekday: weekday_key(chrono::Datelike::weekday(&start.date())),
                start: start.format("%H:%M").to_string(),
                end: time::to_local(tz, sl.ends_at).format("%H:%M").to_string(),
                capacity: sl.capacity,
                remaining: a.remaining,
                full: a.remaining <= 0 && !current,
                bookable: acorn_domain::dock::check_bookable(sl.starts_at, now).is_ok(),
                current,
            }
        })
        .collect();
    Ok((views, today.to_string(), (today + Duration::days(SLOT_DAYS - 1)).to_string()))
}

async fn detail(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, id: Uuid, extra: Extra) -> Result<DetailPage, ServiceError> {
    let ctx = req.ctx(auth);
    let d = s.services.get_shipment(&ctx, id).await?;
    let now = Utc::now();
    let sh = &d.shipment;
    let tz = tz_of(&d.dc_time_zone);
    let open = !sh.status.arrived() && sh.status != ShipmentStatus::Cancelled;
    let collect = sh.freight_terms == FreightTerms::Collect;
    let routing_w = access(auth, Area::Routing) >= Access::Write;
    let retailer = auth.user.is_retailer();
    let current = d.appointment().filter(|a| a.status == AppointmentStatus::Booked);
    let can_book = open && !collect && routing_w;
    let (slots, slots_from, slots_to) = if can_book { slot_views(s, &ctx, &d, tz, now).await? } else { (Vec::new(), String::new(), String::new()) };
    let cartons = sh
        .cartons
        .iter()
        .map(|k| CartonView {
            seq: k.seq,
            sscc: k.sscc.human_readable(),
            pallet: k.pallet.map(|p| p.to_string()).unwrap_or_default(),
            items: k
                .items
                .iter()
                .map(|i| ItemView {
                    po: i.po_number.clone(),
                    po_href: format!("/orders/{}", i.po_id),
                    line: i.line_no,
                    sku: i.vendor_sku.clone(),
                    gtin: i.gtin.clone(),
                    qty: i.quantity,
                    lot: i.lot.clone().unwrap_or_default(),
                    expiry: i.expiry.map(|e| e.to_string()).unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let rt = extra.rt.unwrap_or_else(|| RoutingTyped {
        freight_ready_date: sh.ship_date.date_naive().to_string(),
        pallets: "1".into(),
        weight_kg: String::new(),
        volume_dm3: String::new(),
    });
    Ok(DetailPage {
        t,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        id: sh.id.to_string(),
        number: sh.shipment_number.clone(),
        status: status_badge(sh.status),
        confirmation: confirmation_key(sh.confirmation),
        revision: sh.revision,
        vendor_code: sh.vendor_code.clone(),
        dc_code: sh.dc_code.clone(),
        dc_href: if access(auth, Area::Facilities) >= Access::Read { format!("/dcs/{}", sh.dc_id) } else { String::new() },
        tz: d.dc_time_zone.clone(),
        freight: freight_key(sh.freight_terms),
        collect,
        kind: type_key(sh.shipment_type),
        ship_date: view::when(sh.ship_date),
        ship_date_local: local(sh.ship_date, tz),
        eta: sh.estimated_arrival.map(view::when).unwrap_or_default(),
        asn_due: view::when(sh.asn_due_at),
        asn_due_local: local(sh.asn_due_at, tz),
        first_submitted: view::when(sh.first_submitted_at),
        late: sh.first_submitted_at > sh.asn_due_at,
        submitted: view::when(sh.submitted_at),
        carrier: sh.carrier_scac.clone().unwrap_or_default(),
        tracking: sh.tracking_number.clone().unwrap_or_default(),
        bol: sh.bol_number.clone().unwrap_or_default(),
        arn: sh.arn.clone().unwrap_or_default(),
        ship_from: address_lines(&d.ship_from_name, &sh.ship_from),
        carton_count: sh.cartons.len(),
        units: sh.total_units(),
        cartons,
        versions: d
            .versions
            .iter()
            .rev()
            .map(|v| VersionView {
                revision: v.revision,
                confirmation: confirmation_key(v.confirmation),
                cartons: v.cartons,
                units: v.units,
                by: v.submitted_by.clone(),
                at: view::when(v.submitted_at),
            })
            .collect(),
        can_replace: open && can_write_asn(auth),
        receiving_href: if access(auth, Area::Receiving) >= Access::Write && sh.status != ShipmentStatus::Cancelled {
            format!("/receiving/{}", sh.id)
        } else {
            String::new()
        },
        routing: d.routing.as_ref().map(|r| RoutingView {
            ready: r.freight_ready_date.to_string(),
            pallets: r.pallets,
            weight: r.weight_kg,
            volume: r.volume_dm3,
            requested: view::when(r.requested_at),
            carrier: r.carrier_scac.clone().unwrap_or_default(),
            arn: r.arn.clone().unwrap_or_default(),
            assigned: r.assigned_at.map(view::when).unwrap_or_default(),
        }),
        can_request_routing: open && collect && d.routing.is_none() && routing_w && !retailer,
        can_assign: open && collect && d.routing.is_some() && routing_w && retailer,
        rt,
        at: extra.at,
        cancel_late: current.is_some_and(|a| acorn_domain::dock::is_late_change(a.slot_start, now)),
        appointment: current.map(|a| appt_view(a, tz)),
        appointments: d.appointments.iter().rev().map(|a| appt_view(a, tz)).collect(),
        can_book,
        slots,
        slots_from,
        slots_to,
        discrepancies: d.receipt.as_ref().map(|r| discrepancy_views(sh, r)).unwrap_or_default(),
        receipt: d.receipt.as_ref().map(|r| receipt_view(r, tz)),
        shell,
    })
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("shipment")) };
    match detail(&s, &req, &auth, shell, t, id, Extra { notice: notice_key(&dq.done), ..Extra::default() }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

const ROUTING_LABELS: &[(&str, &str)] = &[
    ("freight_ready_date", "routing.ready_date"),
    ("pallets", "routing.pallets"),
    ("weight_kg", "routing.weight_kg"),
    ("volume_dm3", "routing.volume_dm3"),
    ("assign_scac", "asn.carrier_scac"),
    ("assign_arn", "routing.arn"),
    ("slots", "appt.slots"),
];

pub async fn request_routing(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/shipments/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let rt = RoutingTyped {
        freight_ready_date: f.get("freight_ready_date").into(),
        pallets: f.get("pallets").into(),
        weight_kg: f.get("weight_kg").into(),
        volume_dm3: f.get("volume_dm3").into(),
    };
    let mut own = Errors::new();
    let date = match NaiveDate::parse_from_str(rt.freight_ready_date.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            own.push(("freight_ready_date".into(), t.t("form.date_invalid").replace("{value}", rt.freight_ready_date.trim())));
            None
        }
    };
    let mut num = |field: &str, v: &str| {
        whole(t, v)
            .map_err(|m| {
                own.push((field.to_string(), m));
            })
            .unwrap_or(0)
    };
    let pallets = num("pallets", &rt.pallets);
    let weight_kg = num("weight_kg", &rt.weight_kg);
    let volume_dm3 = num("volume_dm3", &rt.volume_dm3);
    let result = match date {
        Some(freight_ready_date) if own.is_empty() => {
            s.services.request_routing(&p.ctx(&req), id, RoutingInput { freight_ready_date, pallets, weight_kg, volume_dm3 }).await.map(|_| ())
        }
        _ => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("/shipments/{id}?done=routing#routing")).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "freight_ready_date", async |errors| {
                let errors = forms::labelled(t, merge(own, errors), ROUTING_LABELS);
                detail(&s, &req, &p.auth, p.shell, t, id, Extra { errors, rt: Some(rt), ..Extra::default() }).await
            })
            .await
        }
    }
}

/// The carrier and ARN the retailer assigns, from the shipment page or the transport desk.
async fn assign(s: &AppState, req: &Req, p: &forms::Post, id: Uuid, scac: &str, arn: &str) -> Result<(), ServiceError> {
    s.services.assign_carrier(&p.ctx(req), id, scac, arn).await.map(|_| ())
}

pub async fn assign_carrier(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/shipments/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let at = AssignTyped { scac: p.f.get("assign_scac").into(), arn: p.f.get("assign_arn").into() };
    match assign(&s, &req, &p, id, &at.scac, &at.arn).await {
        Ok(()) => p.once.done(&s, &format!("/shipments/{id}?done=assigned#routing")).await,
        Err(e) => {
            let e = remap(e, |field| match field {
                "carrier_scac" => "assign_scac".into(),
                "arn" => "assign_arn".into(),
                f => f.to_string(),
            });
            forms::show_again(&s, p.once, t, e, "assign_scac", async |errors| {
                let errors = forms::labelled(t, errors, ROUTING_LABELS);
                detail(&s, &req, &p.auth, p.shell, t, id, Extra { errors, at, ..Extra::default() }).await
            })
            .await
        }
    }
}

pub async fn book(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/shipments/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let result = match parse_id(p.f.get("slot_id")) {
        Some(slot) => s.services.book_appointment(&p.ctx(&req), id, slot).await.map(|_| ()),
        None => Err(ServiceError::NotFound("dock slot")),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("/shipments/{id}?done=booked#appointment")).await,
        Err(ServiceError::NotFound("dock slot")) => {
            let e = ServiceError::invalid("slots", t.t("appt.slot_gone"));
            forms::show_again(&s, p.once, t, e, "slots", async |errors| {
                detail(&s, &req, &p.auth, p.shell, t, id, Extra { errors: forms::labelled(t, errors, ROUTING_LABELS), ..Extra::default() }).await
            })
            .await
        }
        Err(e) => {
            let e = remap(e, |_| "slots".into());
            forms::show_again(&s, p.once, t, e, "slots", async |errors| {
                detail(&s, &req, &p.auth, p.shell, t, id, Extra { errors: forms::labelled(t, errors, ROUTING_LABELS), ..Extra::default() }).await
            })
            .await
        }
    }
}

pub async fn cancel_appointment(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/shipments/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.services.cancel_appointment(&p.ctx(&req), id).await {
        Ok(_) => p.once.done(&s, &format!("/shipments/{id}?done=appt_cancelled#appointment")).await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Labels.

/// The carton labels as a PDF (one 4×6 in page per carton).
pub async fn labels_pdf(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    labels(s, req, id, false).await
}

/// The carton labels as an HTML print view (one 4×6 in page per label when printed).
pub async fn labels_html(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    labels(s, req, id, true).await
}

async fn labels(s: AppState, req: Req, id: String, html: bool) -> Response {
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("shipment")) };
    let labels = match crate::api::shipments::carton_labels(&s.services, &req.ctx(&auth), id).await {
        Ok(l) if !l.is_empty() => l,
        Ok(_) => return server_error(t, ServiceError::NotFound("carton")),
        Err(e) => return server_error(t, e),
    };
    if html {
        let body = crate::labels::labels_html_with_stylesheet(&labels, LABELS_CSS_HREF);
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body).into_response();
    }
    let number = labels[0].shipment_number.clone();
    match crate::api::shipments::labels_response(&labels, None, None, &number) {
        Ok(mut r) => {
            r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => server_error(t, e),
    }
}

/// The labels' print stylesheet.
pub async fn labels_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], crate::labels::LABELS_CSS)
}

// ---------------------------------------------------------------------------------------------
// The retailer's transport desk.

pub struct DeskRow {
    id: String,
    number: String,
    vendor: String,
    dc_code: String,
    ready: String,
    pallets: i64,
    weight: i64,
    volume: i64,
    requested: String,
    scac: String,
    arn: String,
    err_scac: String,
    err_arn: String,
}

#[derive(Template)]
#[template(path = "routing.html")]
struct DeskPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    rows: Vec<DeskRow>,
    can_assign: bool,
}

/// What the desk shows besides the requests: errors, the notice, and the row a refused assignment
/// came from (shipment id, SCAC and ARN as typed).
#[derive(Default)]
struct DeskExtra {
    errors: Errors,
    notice: &'static str,
    typed: Option<(Uuid, AssignTyped)>,
}

async fn desk(s: &AppState, ctx: &Ctx, auth: &SessionAuth, shell: Shell, t: T, extra: DeskExtra) -> Result<DeskPage, ServiceError> {
    let DeskExtra { errors, notice, typed } = extra;
    let open = s.services.open_routing_requests(ctx).await?;
    let names: HashMap<String, String> = pages::vendor_names(s, ctx).await.into_iter().collect();
    // The shipments waiting for a carrier, in one query; any other (a job moved it on) one by one.
    let filter = ShipmentFilter { status: Some(ShipmentStatus::TransportationRequested), ..ShipmentFilter::default() };
    let waiting: HashMap<Uuid, Header> =
        s.services.list_shipments(ctx, filter, None, Some(500)).await.map(|p| p.items.into_iter().map(|h| (h.shipment.id, h)).collect()).unwrap_or_default();
    let mut rows = Vec::with_capacity(open.len());
    for (tenant, r) in open {
        let (number, dc_code) = match waiting.get(&r.shipment_id) {
            Some(h) => (h.shipment.shipment_number.clone(), h.shipment.dc_code.clone()),
            None => match s.services.get_shipment(ctx, r.shipment_id).await {
                Ok(d) => (d.shipment.shipment_number, d.shipment.dc_code),
                Err(_) => continue,
            },
        };
        let id = r.shipment_id;
        let (scac, arn, err_scac, err_arn) = match &typed {
            Some((tid, at)) if *tid == id => (at.scac.clone(), at.arn.clone(), errors.msg(&format!("scac-{id}")), errors.msg(&format!("arn-{id}"))),
            _ => (String::new(), String::new(), String::new(), String::new()),
        };
        rows.push(DeskRow {
            id: id.to_string(),
            number,
            vendor: names.get(&tenant.0.to_string()).cloned().unwrap_or_else(|| tenant.0.to_string()),
            dc_code,
            ready: r.freight_ready_date.to_string(),
            pallets: r.pallets,
            weight: r.weight_kg,
            volume: r.volume_dm3,
            requested: view::when(r.requested_at),
            scac,
            arn,
            err_scac,
            err_arn,
        });
    }
    Ok(DeskPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        notice,
        rows,
        can_assign: auth.user.is_retailer() && access(auth, Area::Routing) >= Access::Write,
    })
}

/// Retailer staff who read routing see the desk; vendors follow their own requests on each shipment.
fn desk_allowed(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Routing) >= Access::Read
}

pub async fn routing_desk(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, desk_allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match desk(&s, &req.ctx(&auth), &auth, shell, t, DeskExtra { notice: notice_key(&dq.done), ..DeskExtra::default() }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

pub async fn desk_assign(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |_| "/routing".to_string()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let at = AssignTyped { scac: p.f.get(&format!("scac-{id}")).into(), arn: p.f.get(&format!("arn-{id}")).into() };
    match assign(&s, &req, &p, id, &at.scac, &at.arn).await {
        Ok(()) => p.once.done(&s, "/routing?done=assigned").await,
        Err(e) => {
            let e = remap(e, |field| match field {
                "arn" => format!("arn-{id}"),
                _ => format!("scac-{id}"),
            });
            let number = s.services.get_shipment(&req.ctx(&p.auth), id).await.map(|d| d.shipment.shipment_number).unwrap_or_default();
            forms::show_again(&s, p.once, t, e, &format!("scac-{id}"), async |errors| {
                let errors = named(errors, |field| {
                    let key = if field.starts_with("arn-") { "routing.arn" } else { "asn.carrier_scac" };
                    Some(format!("{number} · {}", t.t(key)))
                });
                let inline =
                    errors.iter().map(|(f, m)| (f.clone(), m.split_once(": ").map(|(_, r)| r.to_string()).unwrap_or_else(|| m.clone()))).collect::<Errors>();
                let mut page = desk(&s, &req.ctx(&p.auth), &p.auth, p.shell, t, DeskExtra { errors: inline, notice: "", typed: Some((id, at)) }).await?;
                page.errors = errors;
                Ok(page)
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::{assert_all_known, known};
    use acorn_domain::people::Locale;

    #[test]
    fn every_enum_value_has_a_catalogue_entry() {
        assert_all_known(ShipmentStatus::ALL, |st| status_badge(st).key);
        assert_all_known(ShipmentType::ALL, type_key);
        assert_all_known(Confirmation::ALL, confirmation_key);
        assert_all_known(AppointmentStatus::ALL, |a| appointment_badge(a).key);
        assert_all_known(DefectKind::ALL, |k| defect_badge(k).key);
        for d in ["created", "replaced", "uploaded", "routing", "assigned", "booked", "appt_cancelled", "checked_in", "recorded", "closed", "saved"] {
            assert!(known(notice_key(d)), "{d}");
        }
        for (_, k) in HEAD_LABELS.iter().chain(COLS).chain(ROUTING_LABELS) {
            assert!(known(k), "{k}");
        }
        for k in ["asn.row", "asn.carton_required", "asn.value_required", "asn.sscc_differs", "asn.datetime_invalid", "asn.arrived_at", "appt.slot_gone"] {
            assert!(known(k), "{k}");
        }
        for k in ["routing.awaiting", "routing.none", "appt.none", "form.whole_number", "form.date_invalid"] {
            assert!(known(k), "{k}");
        }
    }

    #[test]
    fn rows_with_one_carton_number_form_one_carton() {
        let t = T::new(Locale::En);
        let f = FormData::parse(
            b"dc_code=ABE2&carton-0=1&po-0=PO1&line-0=1&qty-0=5&carton-1=2&sscc-1=&po-1=PO1&line-1=1&qty-1=3&carton-2=1&po-2=PO1&line-2=2&qty-2=4&lot-2=L1&expiry-2=2030-01-31&ship_date=2030-01-02T08:30",
        );
        let (input, origin, errors) = read_builder(t, &f, 4);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(input.cartons.len(), 2);
        assert_eq!(input.cartons[0].items.len(), 2);
        assert_eq!(input.cartons[0].items[1].lot.as_deref(), Some("L1"));
        assert_eq!(origin, vec![vec![0, 2], vec![1]]);
        assert_eq!(input.ship_date.map(view::iso).as_deref(), Some("2030-01-02T08:30:00Z"));
        assert_eq!(builder_field("cartons[0].items[1].quantity", &origin), "qty-2");
        assert_eq!(builder_field("cartons[1].sscc", &origin), "sscc-1");
        assert_eq!(builder_field("cartons[0].items[0].line_no", &origin), "line-0");
        assert_eq!(builder_field("ship_from", &origin), "ship_from.line1");
        assert_eq!(builder_field("cartons", &origin), "carton-0");
        assert_eq!(builder_field("dc_code", &origin), "dc_code");
        assert_eq!(builder_label(t, "qty-2").as_deref(), Some("Row 3, Quantity (eaches)"));

        let f = FormData::parse(b"carton-0=&po-0=PO1&qty-0=x&carton-1=A&sscc-1=1&line-1=&qty-1=2&carton-2=a&sscc-2=2&line-2=1&qty-2=1&ship_date=soon");
        let (_, _, errors) = read_builder(t, &f, 3);
        for id in ["carton-0", "line-1", "sscc-2", "ship_date"] {
            assert!(errors.has(id), "{id}: {errors:?}");
        }
    }
}
