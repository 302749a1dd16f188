//! Receiving at the DC, for a tablet on the dock: find the inbound shipment by scanning a carton's
//! SSCC or typing the shipment number, check the truck in, record each carton (received and damaged
//! units per line, prefilled with what the ASN announced), record a carton the ASN does not have,
//! and close the receipt, which shows the discrepancies. Big touch targets, one column at 768 px.

use super::forms::{self, FieldErrors};
use super::orders::{merge, parse_id};
use super::pages::{self, Errors, Shell, access, redirect, render, server_error};
use super::session::Req;
use super::shipments::{DiscrepancyView, ReceiptView, discrepancy_views, local, named, notice_key, receipt_view, remap, status_badge, tz_of, whole};
use super::view::Badge;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::gs1::Sscc;
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::*;
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::receiving::ScanLine;
use acorn_service::shipments::{ShipmentDetail, ShipmentFilter};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

/// Receivers (and admins) receive; everyone else reads receipts on the shipment page.
fn may_receive(auth: &SessionAuth) -> bool {
    access(auth, Area::Receiving) >= Access::Write
}

/// An SSCC as stored (18 digits), or what was typed when it is not one.
fn sscc_key(input: &str) -> String {
    Sscc::parse(input).map(|s| s.as_str().to_string()).unwrap_or_else(|_| input.trim().to_string())
}

// ---------------------------------------------------------------------------------------------
// Find the shipment.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindQuery {
    code: String,
}

pub struct OpenRow {
    id: String,
    number: String,
    vendor_code: String,
    dc_code: String,
    arrived: String,
    cartons: i64,
    units: i64,
}

#[derive(Template)]
#[template(path = "receiving.html")]
struct FindPage {
    t: T,
    shell: Shell,
    errors: Errors,
    code: String,
    open: Vec<OpenRow>,
}

pub async fn find(State(s): State<AppState>, req: Req, Query(fq): Query<FindQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, may_receive).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let code = fq.code.trim().to_string();
    let mut errors = Errors::new();
    let mut status = StatusCode::OK;
    if !code.is_empty() {
        match s.services.find_inbound(&ctx, &code).await {
            Ok(d) => {
                // Scanned a carton: the page opens on it.
                let sscc = sscc_key(&code);
                let on = d.shipment.cartons.iter().any(|k| k.sscc.as_str() == sscc);
                let to = if on { format!("/receiving/{}{}", d.shipment.id, forms::query(&[("sscc", &sscc)])) } else { format!("/receiving/{}", d.shipment.id) };
                return redirect(&to);
            }
            Err(ServiceError::NotFound(_)) => {
                status = StatusCode::NOT_FOUND;
                errors.push(("code".into(), t.t("rcv.not_found").replace("{code}", &code)));
            }
            Err(e) => match forms::field_errors(e, "code") {
                Ok(e) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    errors = e;
                }
                Err(e) => return server_error(t, e),
            },
        }
    }
    let filter = ShipmentFilter { status: Some(ShipmentStatus::CheckedIn), ..ShipmentFilter::default() };
    let dcs = s.services.list_dcs(&ctx).await.unwrap_or_default();
    let open = match s.services.list_shipments(&ctx, filter, None, Some(50)).await {
        Ok(p) => p
            .items
            .iter()
            .map(|h| {
                let sh = &h.shipment;
                let tz = dcs.iter().find(|d| d.id == sh.dc_id).map(|d| d.time_zone.clone()).unwrap_or_else(|| "UTC".into());
                OpenRow {
                    id: sh.id.to_string(),
                    number: sh.shipment_number.clone(),
                    vendor_code: sh.vendor_code.clone(),
                    dc_code: sh.dc_code.clone(),
                    arrived: sh.arrived_at.map(|a| format!("{} {tz}", local(a, tz_of(&tz)))).unwrap_or_default(),
                    cartons: h.carton_count,
                    units: h.unit_count,
                }
            })
            .collect(),
        Err(e) => return server_error(t, e),
    };
    let errors = forms::labelled(t, errors, &[("code", "rcv.code")]);
    (status, render(&FindPage { t, shell, errors, code, open })).into_response()
}

// ---------------------------------------------------------------------------------------------
// One shipment.

pub struct LineInput {
    j: usize,
    po: String,
    line: i64,
    sku: String,
    gtin: String,
    expected: i64,
    received: String,
    damaged: String,
    err_received: String,
    err_damaged: String,
}

pub struct CartonCard {
    seq: i64,
    sscc: String,
    sscc_raw: String,
    recorded: bool,
    /// The carton the receiver just scanned: its card is highlighted and focused.
    current: bool,
    err: String,
    lines: Vec<LineInput>,
}

/// The unknown-carton form as typed.
#[derive(Default)]
pub struct UnknownTyped {
    sscc: String,
    gtin: String,
    qty: String,
    damaged: String,
}

#[derive(Template)]
#[template(path = "receiving_shipment.html")]
struct ShipmentPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    number: String,
    status: Badge,
    vendor_code: String,
    dc_code: String,
    tz: String,
    ship_date: String,
    arrived: bool,
    cancelled: bool,
    receipt_open: bool,
    cartons: Vec<CartonCard>,
    expected_units: i64,
    recorded_count: usize,
    receipt: Option<ReceiptView>,
    discrepancies: Vec<DiscrepancyView>,
    unknown: UnknownTyped,
    /// A scanned SSCC the ASN does not have.
    stray: bool,
    /// Whether a carton card or the unknown form takes the focus instead of the scan field.
    focus_elsewhere: bool,
}

#[derive(Default)]
struct Extra {
    errors: Errors,
    notice: &'static str,
    scanned: String,
    /// The carton whose form was refused, with what was typed (line → received, damaged).
    typed: Option<(i64, Vec<(String, String)>)>,
    unknown: UnknownTyped,
}

fn page(shell: Shell, t: T, d: &ShipmentDetail, extra: Extra) -> ShipmentPage {
    let sh = &d.shipment;
    let tz = tz_of(&d.dc_time_zone);
    let scanned = Some(extra.scanned.trim()).filter(|c| !c.is_empty()).map(sscc_key);
    let receipt = d.receipt.as_ref();
    let cartons: Vec<CartonCard> = sh
        .cartons
        .iter()
        .map(|k| {
            let recorded = receipt.and_then(|r| r.cartons.iter().find(|c| c.sscc == k.sscc.as_str()));
            let typed = extra.typed.as_ref().filter(|(seq, _)| *seq == k.seq).map(|(_, v)| v);
            let lines = k
                .items
                .iter()
                .enumerate()
                .map(|(j, i)| {
                    let was =
                        recorded.and_then(|c| c.lines.iter().find(|l| l.po_number.as_deref() == Some(i.po_number.as_str()) && l.line_no == Some(i.line_no)));
                    let (received, damaged) = match (typed.and_then(|v| v.get(j)), was) {
                        (Some((r, d)), _) => (r.clone(), d.clone()),
                        (None, Some(l)) => (l.received.to_string(), l.damaged.to_string()),
                        (None, None) => (i.quantity.to_string(), "0".to_string()),
                    };
                    LineInput {
                        j,
                        po: i.po_number.clone(),
                        line: i.line_no,
                        sku: i.vendor_sku.clone(),
                        gtin: i.gtin.clone(),
                        expected: i.quantity,
                        received,
                        damaged,
                        err_received: bare(&extra.errors, &format!("rcv-{}-{j}", k.seq)),
                        err_damaged: bare(&extra.errors, &format!("dmg-{}-{j}", k.seq)),
                    }
                })
                .collect();
            CartonCard {
                seq: k.seq,
                sscc: k.sscc.human_readable(),
                sscc_raw: k.sscc.as_str().to_string(),
                recorded: recorded.is_some(),
                current: scanned.as_deref() == Some(k.sscc.as_str()) || typed.is_some(),
                err: bare(&extra.errors, &format!("carton-{}", k.seq)),
                lines,
            }
        })
        .collect();
    let stray = scanned.as_ref().is_some_and(|c| !sh.cartons.iter().any(|k| k.sscc.as_str() == c));
    let mut unknown = extra.unknown;
    if stray && unknown.sscc.is_empty() {
        unknown.sscc = extra.scanned.trim().to_string();
    }
    let receipt_open = receipt.is_some_and(|r| r.status == ReceiptStatus::Open);
    let focus_elsewhere = receipt_open && (stray || cartons.iter().any(|c| c.current) || !extra.errors.is_empty());
    ShipmentPage {
        t,
        form_token: forms::new_token(),
        notice: extra.notice,
        id: sh.id.to_string(),
        number: sh.shipment_number.clone(),
        status: status_badge(sh.status),
        vendor_code: sh.vendor_code.clone(),
        dc_code: sh.dc_code.clone(),
        tz: d.dc_time_zone.clone(),
        ship_date: format!("{} {}", local(sh.ship_date, tz), d.dc_time_zone),
        arrived: sh.status.arrived(),
        cancelled: sh.status == ShipmentStatus::Cancelled,
        receipt_open,
        expected_units: sh.total_units(),
        recorded_count: cartons.iter().filter(|c| c.recorded).count(),
        cartons,
        receipt: receipt.map(|r| receipt_view(r, tz)),
        discrepancies: receipt.map(|r| discrepancy_views(sh, r)).unwrap_or_default(),
        unknown,
        stray,
        focus_elsewhere,
        errors: extra.errors,
        shell,
    }
}

/// An inline error without the label the error summary puts in front ("Carton 2, line 1: …").
fn bare(errors: &Errors, field: &str) -> String {
    let m = errors.msg(field);
    match m.split_once(": ") {
        Some((_, rest)) if errors.has(field) => rest.to_string(),
        _ => m,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
    sscc: String,
}

async fn load(s: &AppState, req: &Req, auth: &SessionAuth, id: Uuid) -> Result<ShipmentDetail, ServiceError> {
    s.services.get_shipment(&req.ctx(auth), id).await
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(q): Query<ShowQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, may_receive).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("shipment")) };
    match load(&s, &req, &auth, id).await {
        Ok(d) => render(&page(shell, t, &d, Extra { notice: notice_key(&q.done), scanned: q.sscc, ..Extra::default() })),
        Err(e) => server_error(t, e),
    }
}

/// A form's answer when the use case refused it: the page again with the errors (422).
async fn again(s: &AppState, req: &Req, p: forms::Post, id: Uuid, e: ServiceError, field: &str, extra: Extra) -> Response {
    let t = p.t;
    forms::show_again(s, p.once, t, e, field, async |errors| {
        let d = load(s, req, &p.auth, id).await?;
        let errors = named(merge(extra.errors, errors), |f| label(t, &d, f));
        Ok(page(p.shell, t, &d, Extra { errors, ..extra }))
    })
    .await
}

/// "Carton 2, line 1 (PO …), Received" for a carton control; the unknown-carton labels.
fn label(t: T, d: &ShipmentDetail, field: &str) -> Option<String> {
    let unknown = [("unknown_sscc", "rcv.unknown.sscc"), ("unknown_gtin", "item.gtin"), ("unknown_qty", "rcv.received"), ("unknown_damaged", "rcv.damaged")];
    if let Some((_, k)) = unknown.iter().find(|(f, _)| *f == field) {
        return Some(format!("{}, {}", t.t("rcv.unknown.title"), t.t(k)));
    }
    if let Some(seq) = field.strip_prefix("carton-") {
        return Some(format!("{} {seq}", t.t("asn.carton")));
    }
    let (col, rest) = field.split_once('-')?;
    let (seq, j) = rest.split_once('-')?;
    let (seq, j) = (seq.parse::<i64>().ok()?, j.parse::<usize>().ok()?);
    let item = d.shipment.cartons.iter().find(|k| k.seq == seq)?.items.get(j)?;
    let what = if col == "dmg" { t.t("rcv.damaged") } else { t.t("rcv.received") };
    Some(format!("{} {seq}, PO {} {} {}, {what}", t.t("asn.carton"), item.po_number, t.t("asn.col.line"), item.line_no))
}

pub async fn check_in(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/receiving/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.services.check_in(&p.ctx(&req), id).await {
        Ok(_) => p.once.done(&s, &format!("/receiving/{id}?done=checked_in")).await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

pub async fn record(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/receiving/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let d = match load(&s, &req, &p.auth, id).await {
        Ok(d) => d,
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let sscc = p.f.get("sscc").to_string();
    let Some(carton) = d.shipment.cartons.iter().find(|k| k.sscc.as_str() == sscc.trim()) else {
        return p.once.failed(&s, t, ServiceError::NotFound("carton")).await;
    };
    let seq = carton.seq;
    let mut own = Errors::new();
    let mut typed = Vec::new();
    let mut lines = Vec::new();
    for (j, i) in carton.items.iter().enumerate() {
        let (rf, df) = (format!("rcv-{seq}-{j}"), format!("dmg-{seq}-{j}"));
        let (r, dm) = (p.f.get(&rf).to_string(), p.f.get(&df).to_string());
        let received = whole(t, if r.trim().is_empty() { "0" } else { &r }).map_err(|m| own.push((rf.clone(), m))).unwrap_or(0);
        let damaged = whole(t, if dm.trim().is_empty() { "0" } else { &dm }).map_err(|m| own.push((df.clone(), m))).unwrap_or(0);
        typed.push((r, dm));
        lines.push(ScanLine { po_number: Some(i.po_number.clone()), line_no: Some(i.line_no), gtin: i.gtin.clone(), received, damaged });
    }
    let result = if own.is_empty() { s.services.scan_carton(&p.ctx(&req), id, &sscc, lines).await.map(|_| ()) } else { Err(ServiceError::Invalid(Vec::new())) };
    match result {
        Ok(()) => {
            // On to the next carton not yet recorded, else to closing.
            let recorded: Vec<&str> = d.receipt.iter().flat_map(|r| &r.cartons).map(|c| c.sscc.as_str()).collect();
            let next = d.shipment.cartons.iter().find(|k| k.seq != seq && !recorded.contains(&k.sscc.as_str())).map(|k| format!("#carton-{}", k.seq));
            p.once.done(&s, &format!("/receiving/{id}?done=recorded{}", next.unwrap_or_else(|| "#close".into()))).await
        }
        Err(e) => {
            let e = remap(e, |field| match field.strip_prefix("lines[").and_then(|r| r.split_once("].")) {
                Some((j, "damaged")) => format!("dmg-{seq}-{j}"),
                Some((j, _)) => format!("rcv-{seq}-{j}"),
                None => format!("carton-{seq}"),
            });
            let field = format!("carton-{seq}");
            again(&s, &req, p, id, e, &field, Extra { errors: own, typed: Some((seq, typed)), ..Extra::default() }).await
        }
    }
}

pub async fn record_unknown(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/receiving/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = p.t;
    let u = UnknownTyped {
        sscc: p.f.get("unknown_sscc").into(),
        gtin: p.f.get("unknown_gtin").into(),
        qty: p.f.get("unknown_qty").into(),
        damaged: p.f.get("unknown_damaged").into(),
    };
    let mut own = Errors::new();
    let received = whole(t, &u.qty).map_err(|m| own.push(("unknown_qty".into(), m))).unwrap_or(0);
    let damaged = whole(t, if u.damaged.trim().is_empty() { "0" } else { &u.damaged }).map_err(|m| own.push(("unknown_damaged".into(), m))).unwrap_or(0);
    let line = ScanLine { po_number: None, line_no: None, gtin: u.gtin.trim().to_string(), received, damaged };
    let result =
        if own.is_empty() { s.services.scan_carton(&p.ctx(&req), id, &u.sscc, vec![line]).await.map(|_| ()) } else { Err(ServiceError::Invalid(Vec::new())) };
    match result {
        Ok(()) => p.once.done(&s, &format!("/receiving/{id}?done=recorded#recorded")).await,
        Err(e) => {
            let e = remap(e, |field| match field {
                "sscc" => "unknown_sscc".into(),
                f if f.ends_with(".damaged") => "unknown_damaged".into(),
                f if f.ends_with(".received") => "unknown_qty".into(),
                _ => "unknown_gtin".into(),
            });
            again(&s, &req, p, id, e, "unknown_sscc", Extra { errors: own, unknown: u, ..Extra::default() }).await
        }
    }
}

pub async fn close(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/receiving/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.services.close_receipt(&p.ctx(&req), id).await {
        Ok(_) => p.once.done(&s, &format!("/receiving/{id}?done=closed#receipt")).await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_codes_match_stored_ssccs() {
        let s = Sscc::generate(0, "0614141", 1).unwrap();
        assert_eq!(sscc_key(&format!("(00) {}", s.as_str())), s.as_str());
        assert_eq!(sscc_key(&format!("00{}", s.as_str())), s.as_str());
        assert_eq!(sscc_key(" ASN0000001 "), "ASN0000001");
    }

    #[test]
    fn inline_errors_drop_the_summary_label() {
        let errors = vec![("rcv-1-0".to_string(), "Carton 1, PO X line 1, Received: is -1".to_string())];
        assert_eq!(bare(&errors, "rcv-1-0"), "is -1");
        assert_eq!(bare(&errors, "dmg-1-0"), "");
    }
}
