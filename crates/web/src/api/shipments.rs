//! Shipments over the API: ASNs (submit, replace, CSV upload, carton labels), routing requests and
//! carrier assignment, dock appointments, receiving (check-in, carton scans, closing), compliance
//! defects and inbound plans.

use super::auth::Api;
use super::dto::{AddressDto, ListQuery};
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::labels::{CartonLabel, LabelParty, label_svg, labels_html, labels_pdf};
use crate::state::AppState;
use acorn_domain::defects::Defect;
use acorn_domain::ids::TenantId;
use acorn_domain::master::Address;
use acorn_domain::shipments::*;
use acorn_service::dock::RoutingInput;
use acorn_service::inbound::InboundPlan;
use acorn_service::receiving::ScanLine;
use acorn_service::shipments::{Header, ShipmentFilter};
use acorn_service::shipments::{ShipmentDetail, ShipmentInput};
use acorn_service::{Ctx, ServiceError, Services};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
pub struct CartonItemIn {
    pub po_number: String,
    pub line_no: i64,
    /// Eaches.
    pub quantity: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema)]
pub struct CartonIn {
    /// SSCC-18 (or "(00)"+18 digits); omit to have ACORN number it from your GS1 prefix.
    pub sscc: Option<String>,
    /// 1-based pallet position.
    pub pallet: Option<i64>,
    pub items: Vec<CartonItemIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct ShipmentIn {
    pub shipment_number: Option<String>,
    pub dc_code: String,
    pub ship_from_name: String,
    pub ship_from: AddressDto,
    /// `TruckLoad`, `LessThanTruckLoad` (default) or `SmallParcel`.
    #[serde(default)]
    pub shipment_type: String,
    /// Default: now.
    pub ship_date: Option<DateTime<Utc>>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub carrier_scac: Option<String>,
    pub tracking_number: Option<String>,
    pub bol_number: Option<String>,
    /// Pallets by position, each with an optional SSCC.
    #[serde(default)]
    pub pallets: Vec<Option<String>>,
    pub cartons: Vec<CartonIn>,
}

impl ShipmentIn {
    fn into_input(self) -> ShipmentInput {
        let a = self.ship_from;
        ShipmentInput {
            shipment_number: self.shipment_number,
            dc_code: self.dc_code,
            ship_from_name: self.ship_from_name,
            ship_from: Address { line1: a.line1, line2: a.line2, city: a.city, region: a.region, postal_code: a.postal_code, country: a.country },
            shipment_type: self.shipment_type,
            ship_date: self.ship_date,
            estimated_arrival: self.estimated_arrival,
            carrier_scac: self.carrier_scac,
            tracking_number: self.tracking_number,
            bol_number: self.bol_number,
            pallets: self.pallets,
            cartons: self
                .cartons
                .into_iter()
                .map(|k| CartonInput {
                    sscc: k.sscc,
                    pallet: k.pallet,
                    items: k
                        .items
                        .into_iter()
                        .map(|i| CartonItemInput { po_number: i.po_number, line_no: i.line_no, quantity: i.quantity, lot: i.lot, expiry: i.expiry })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CartonItemOut {
    pub po_number: String,
    pub line_no: i64,
    pub vendor_sku: String,
    pub gtin: String,
    pub quantity: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct CartonOut {
    pub seq: i64,
    pub sscc: String,
    pub pallet: Option<i64>,
    pub items: Vec<CartonItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub shipment_number: String,
    pub vendor_code: String,
    pub dc_code: String,
    /// `Created`, `TransportationRequested`, `CarrierAssigned`, `Shipped`, `CheckedIn`, `Received`, `Cancelled`.
    pub status: String,
    pub shipment_type: String,
    /// `Original` or `Replace`.
    pub confirmation: String,
    pub revision: i64,
    pub freight_terms: String,
    pub ship_date: DateTime<Utc>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub carrier_scac: Option<String>,
    pub tracking_number: Option<String>,
    pub bol_number: Option<String>,
    pub arn: Option<String>,
    pub asn_due_at: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub carton_count: i64,
    pub unit_count: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&Header> for ShipmentOut {
    fn from(h: &Header) -> ShipmentOut {
        let s = &h.shipment;
        ShipmentOut {
            id: s.id,
            vendor_id: s.tenant.0,
            shipment_number: s.shipment_number.clone(),
            vendor_code: s.vendor_code.clone(),
            dc_code: s.dc_code.clone(),
            status: s.status.as_str().into(),
            shipment_type: s.shipment_type.as_str().into(),
            confirmation: s.confirmation.as_str().into(),
            revision: s.revision,
            freight_terms: s.freight_terms.as_str().into(),
            ship_date: s.ship_date,
            estimated_arrival: s.estimated_arrival,
            carrier_scac: s.carrier_scac.clone(),
            tracking_number: s.tracking_number.clone(),
            bol_number: s.bol_number.clone(),
            arn: s.arn.clone(),
            asn_due_at: s.asn_due_at,
            submitted_at: s.submitted_at,
            arrived_at: s.arrived_at,
            received_at: s.received_at,
            carton_count: h.carton_count,
            unit_count: h.unit_count,
            created_at: s.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppointmentOut {
    pub id: Uuid,
    pub slot_id: Uuid,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// `Booked`, `Cancelled`, `Completed`, `NoShow`.
    pub status: String,
    pub reschedules: i64,
    /// Cancelled or moved less than 24 h before the slot.
    pub late_change: bool,
    pub booked_at: DateTime<Utc>,
}

impl From<&Appointment> for AppointmentOut {
    fn from(a: &Appointment) -> AppointmentOut {
        AppointmentOut {
            id: a.id,
            slot_id: a.slot_id,
            slot_start: a.slot_start,
            slot_end: a.slot_end,
            status: a.status.as_str().into(),
            reschedules: a.reschedules,
            late_change: a.late_change,
            booked_at: a.booked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoutingOut {
    pub freight_ready_date: NaiveDate,
    pub pallets: i64,
    pub weight_kg: i64,
    pub volume_dm3: i64,
    pub requested_at: DateTime<Utc>,
    pub carrier_scac: Option<String>,
    pub arn: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
}

impl From<&RoutingRequest> for RoutingOut {
    fn from(r: &RoutingRequest) -> RoutingOut {
        RoutingOut {
            freight_ready_date: r.freight_ready_date,
            pallets: r.pallets,
            weight_kg: r.weight_kg,
            volume_dm3: r.volume_dm3,
            requested_at: r.requested_at,
            carrier_scac: r.carrier_scac.clone(),
            arn: r.arn.clone(),
            assigned_at: r.assigned_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedLineOut {
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    pub gtin: String,
    pub received: i64,
    pub damaged: i64,
    /// Not announced in this carton by the ASN.
    pub unexpected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedCartonOut {
    pub sscc: String,
    /// False for a carton the ASN did not announce.
    pub on_asn: bool,
    pub scanned_at: DateTime<Utc>,
    pub lines: Vec<ReceivedLineOut>,
}

impl From<&ReceivedCarton> for ReceivedCartonOut {
    fn from(k: &ReceivedCarton) -> ReceivedCartonOut {
        ReceivedCartonOut {
            sscc: k.sscc.clone(),
            on_asn: k.on_asn,
            scanned_at: k.scanned_at,
            lines: k
                .lines
                .iter()
                .map(|l| ReceivedLineOut {
                    po_number: l.po_number.clone(),
                    line_no: l.line_no,
                    gtin: l.gtin.clone(),
                    received: l.received,
                    damaged: l.damaged,
                    unexpected: l.unexpected,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    pub id: Uuid,
    /// `Open` or `Closed`.
    pub status: String,
    pub checked_in_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cartons: Vec<ReceivedCartonOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentDetailOut {
    #[serde(flatten)]
    pub shipment: ShipmentOut,
    pub ship_from_name: String,
    pub ship_from: AddressDto,
    pub dc_time_zone: String,
    pub pallets: Vec<Option<String>>,
    pub cartons: Vec<CartonOut>,
    pub routing: Option<RoutingOut>,
    pub appointments: Vec<AppointmentOut>,
    pub receipt: Option<ReceiptOut>,
    /// Submitted versions: revision, confirmation, cartons, units, who and when.
    pub versions: Vec<serde_json::Value>,
}

impl From<&ShipmentDetail> for ShipmentDetailOut {
    fn from(d: &ShipmentDetail) -> ShipmentDetailOut {
        let s = &d.shipment;
        let header =
            Header { shipment: s.clone(), ship_from_name: d.ship_from_name.clone(), carton_count: s.cartons.len() as i64, unit_count: s.total_units() };
        let a = &s.ship_from;
        ShipmentDetailOut {
            shipment: ShipmentOut::from(&header),
            ship_from_name: d.ship_from_name.clone(),
            ship_from: AddressDto {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                region: a.region.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
            },
            dc_time_zone: d.dc_time_zone.clone(),
            pallets: s.pallets.iter().map(|p| p.sscc.as_ref().map(|x| x.as_str().to_string())).collect(),
            cartons: s
                .cartons
                .iter()
                .map(|k| CartonOut {
                    seq: k.seq,
                    sscc: k.sscc.as_str().into(),
                    pallet: k.pallet,
                    items: k
                        .items
                        .iter()
                        .map(|i| CartonItemOut {
                            po_number: i.po_number.clone(),
                            line_no: i.line_no,
                            vendor_sku: i.vendor_sku.clone(),
                            gtin: i.gtin.clone(),
                            quantity: i.quantity,
                            lot: i.lot.clone(),
                            expiry: i.expiry,
                        })
                        .collect(),
                })
                .collect(),
            routing: d.routing.as_ref().map(RoutingOut::from),
            appointments: d.appointments.iter().map(AppointmentOut::from).collect(),
            receipt: d.receipt.as_ref().map(|r| ReceiptOut {
                id: r.id,
                status: r.status.as_str().into(),
                checked_in_at: r.checked_in_at,
                closed_at: r.closed_at,
                cartons: r.cartons.iter().map(ReceivedCartonOut::from).collect(),
            }),
            versions: d.versions.iter().map(|v| serde_json::to_value(v).unwrap_or_default()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentPage {
    pub items: Vec<ShipmentOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ShipmentQuery {
    pub cursor: Option<String>,
    pub limit: Option<u64>,
    pub status: Option<String>,
    /// DC id.
    pub dc_id: Option<Uuid>,
    /// Shipment number or its beginning.
    pub number: Option<String>,
}

/// List shipments (vendors see their own).
#[utoipa::path(get, path = "/api/v1/shipments", tag = "shipments", params(ShipmentQuery),
    responses((status = 200, body = ShipmentPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_shipments(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ShipmentQuery>) -> ApiResult<Json<ShipmentPage>> {
    let status = match q.status.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(ShipmentStatus::parse_or_explain(v).map_err(|e| ServiceError::invalid("status", e))?),
        None => None,
    };
    let filter = ShipmentFilter { tenant: None, status, dc_id: q.dc_id, number: q.number.clone() };
    let page = s.services.list_shipments(&ctx, filter, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ShipmentPage { items: page.items.iter().map(ShipmentOut::from).collect(), next: page.next }))
}

/// Submit an ASN (`Original`) from acknowledged lines of one or more POs for one DC.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "shipments", request_body = ShipmentIn,
    responses((status = 201, body = ShipmentDetailOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_shipment(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ShipmentIn>) -> ApiResult<(StatusCode, Json<ShipmentDetailOut>)> {
    let d = s.services.create_shipment(&ctx, b.into_input()).await?;
    Ok((StatusCode::CREATED, Json(ShipmentDetailOut::from(&d))))
}

/// Submit an ASN from a CSV (a row per carton item; columns as the portal's template); all or nothing.
#[utoipa::path(post, path = "/api/v1/shipments/upload", tag = "shipments", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ShipmentDetailOut), (status = 422, body = ErrorBody)))]
pub async fn upload_shipment(State(s): State<AppState>, Api(ctx): Api, body: String) -> ApiResult<(StatusCode, Json<ShipmentDetailOut>)> {
    let d = s.services.import_shipment_csv(&ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(ShipmentDetailOut::from(&d))))
}

#[utoipa::path(get, path = "/api/v1/shipments/{shipment_id}", tag = "shipments", responses((status = 200, body = ShipmentDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_shipment(State(s): State<AppState>, Api(ctx): Api, Path(shipment_id): Path<Uuid>) -> ApiResult<Json<ShipmentDetailOut>> {
    Ok(Json(ShipmentDetailOut::from(&s.services.get_shipment(&ctx, shipment_id).await?)))
}

/// Replace an ASN (`Replace`) until arrival, at most 7 days after it was first submitted.
#[utoipa::path(put, path = "/api/v1/shipments/{shipment_id}", tag = "shipments", request_body = ShipmentIn,
    responses((status = 200, body = ShipmentDetailOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_shipment(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(shipment_id): Path<Uuid>,
    JsonBody(b): JsonBody<ShipmentIn>,
) -> ApiResult<Json<ShipmentDetailOut>> {
    Ok(Json(ShipmentDetailOut::from(&s.services.replace_shipment(&ctx, shipment_id, b.into_input()).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct LabelQuery {
    /// `pdf` (default, one 4×6 in page per carton), `html` (every label as SVG with a print
    /// stylesheet) or `svg` (one label: the carton given by `carton`, default 1).
    pub format: Option<String>,
    /// Carton position for `svg`.
    pub carton: Option<i64>,
}

/// The labels of a shipment's cartons, from the stored ASN.
pub async fn carton_labels(services: &Services, ctx: &Ctx, shipment_id: Uuid) -> Result<Vec<CartonLabel>, ServiceError> {
    let d = services.get_shipment(ctx, shipment_id).await?;
    let dc = services.get_dc(ctx, d.shipment.dc_id).await?;
    let s = &d.shipment;
    let count = s.cartons.len() as i64;
    Ok(s.cartons
        .iter()
        .map(|k| {
            let mut pos: Vec<String> = k.items.iter().map(|i| i.po_number.clone()).collect();
            pos.dedup();
            CartonLabel {
                sscc: k.sscc.clone(),
                ship_from: LabelParty { name: d.ship_from_name.clone(), address: s.ship_from.clone() },
                ship_to: LabelParty { name: dc.name.clone(), address: dc.address.clone() },
                ship_to_code: dc.code.clone(),
                po_numbers: pos,
                shipment_number: s.shipment_number.clone(),
                carrier_scac: s.carrier_scac.clone(),
                bol_number: s.bol_number.clone(),
                carton_seq: k.seq,
                carton_count: count,
                contents: k.items.iter().map(|i| (i.vendor_sku.clone(), i.quantity)).collect(),
            }
        })
        .collect())
}

/// Labels in the asked format.
pub fn labels_response(labels: &[CartonLabel], format: Option<&str>, carton: Option<i64>, number: &str) -> Result<Response, ServiceError> {
    Ok(match format {
        Some("svg") => {
            let seq = carton.unwrap_or(1);
            let label = labels.iter().find(|l| l.carton_seq == seq).ok_or(ServiceError::NotFound("carton"))?;
            ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], label_svg(label)).into_response()
        }
        Some("html") => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], labels_html(labels)).into_response(),
        Some(f) if f != "pdf" => return Err(ServiceError::invalid("format", format!("`{f}` is not one of pdf, html, svg"))),
        _ => (
            [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, format!("inline; filename=\"labels-{number}.pdf\""))],
            labels_pdf(labels),
        )
            .into_response(),
    })
}

/// Printable 4×6 in carton labels (GS1-128 barcode of (00)+SSCC) as PDF or SVG.
#[utoipa::path(get, path = "/api/v1/shipments/{shipment_id}/labels", tag = "shipments", params(LabelQuery),
    responses((status = 200, description = "application/pdf or image/svg+xml"), (status = 404, body = ErrorBody)))]
pub async fn labels(State(s): State<AppState>, Api(ctx): Api, Path(shipment_id): Path<Uuid>, Query(q): Query<LabelQuery>) -> ApiResult<Response> {
    let labels = carton_labels(&s.services, &ctx, shipment_id).await?;
    let number = labels.first().map(|l| l.shipment_number.clone()).unwrap_or_default();
    Ok(labels_response(&labels, q.format.as_deref(), q.carton, &number)?)
}

#[derive(Deserialize, ToSchema)]
pub struct RoutingIn {
    pub freight_ready_date: NaiveDate,
    pub pallets: i64,
    pub weight_kg: i64,
    pub volume_dm3: i64,
}

/// `Collect` freight: ask the retailer to route the shipment.
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/routing-request", tag = "routing", request_body = RoutingIn,
    responses((status = 201, body = RoutingOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_routing(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(shipment_id): Path<Uuid>,
    JsonBody(b): JsonBody<RoutingIn>,
) -> ApiResult<(StatusCode, Json<RoutingOut>)> {
    let r = s
        .services
        .request_routing(
            &ctx,
            shipment_id,
            RoutingInput { freight_ready_date: b.freight_ready_date, pallets: b.pallets, weight_kg: b.weight_kg, volume_dm3: b.volume_dm3 },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(RoutingOut::from(&r))))
}

#[derive(Deserialize, ToSchema)]
pub struct CarrierIn {
    pub carrier_scac: String,
    /// The retailer's routing reference (ARN).
    pub arn: String,
}

/// The retailer assigns a carrier and reference (ARN) to a routing request.
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/carrier", tag = "routing", request_body = CarrierIn,
    responses((status = 200, body = RoutingOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_carrier(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(shipment_id): Path<Uuid>,
    JsonBody(b): JsonBody<CarrierIn>,
) -> ApiResult<Json<RoutingOut>> {
    Ok(Json(RoutingOut::from(&s.services.assign_carrier(&ctx, shipment_id, &b.carrier_scac, &b.arn).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct OpenRoutingOut {
    pub vendor_id: Uuid,
    pub shipment_id: Uuid,
    #[serde(flatten)]
    pub request: RoutingOut,
}

/// Routing requests waiting for a carrier.
#[utoipa::path(get, path = "/api/v1/routing-requests", tag = "routing", responses((status = 200, body = Vec<OpenRoutingOut>), (status = 403, body = ErrorBody)))]
pub async fn open_routing(State(s): State<AppState>, Api(ctx): Api) -> ApiResult<Json<Vec<OpenRoutingOut>>> {
    let open = s.services.open_routing_requests(&ctx).await?;
    Ok(Json(open.iter().map(|(t, r)| OpenRoutingOut { vendor_id: t.0, shipment_id: r.shipment_id, request: RoutingOut::from(r) }).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct AppointmentIn {
    pub slot_id: Uuid,
}

/// `Prepaid` freight: book a dock slot at the shipment's DC (or move the booked appointment to it).
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/appointment", tag = "routing", request_body = AppointmentIn,
    responses((status = 201, body = AppointmentOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn book_appointment(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(shipment_id): Path<Uuid>,
    JsonBody(b): JsonBody<AppointmentIn>,
) -> ApiResult<(StatusCode, Json<AppointmentOut>)> {
    let a = s.services.book_appointment(&ctx, shipment_id, b.slot_id).await?;
    Ok((StatusCode::CREATED, Json(AppointmentOut::from(&a))))
}

/// Cancel the booked appointment (less than 24 h before the slot it is a late cancellation).
#[utoipa::path(delete, path = "/api/v1/shipments/{shipment_id}/appointment", tag = "routing",
    responses((status = 200, body = AppointmentOut), (status = 404, body = ErrorBody)))]
pub async fn cancel_appointment(State(s): State<AppState>, Api(ctx): Api, Path(shipment_id): Path<Uuid>) -> ApiResult<Json<AppointmentOut>> {
    Ok(Json(AppointmentOut::from(&s.services.cancel_appointment(&ctx, shipment_id).await?)))
}

/// The receiver checks the truck in (arrival); a receipt opens.
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/check-in", tag = "receiving",
    responses((status = 200, body = ReceiptOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in(State(s): State<AppState>, Api(ctx): Api, Path(shipment_id): Path<Uuid>) -> ApiResult<Json<ReceiptOut>> {
    let r = s.services.check_in(&ctx, shipment_id).await?;
    Ok(Json(ReceiptOut { id: r.id, status: r.status.as_str().into(), checked_in_at: r.checked_in_at, closed_at: r.closed_at, cartons: vec![] }))
}

#[derive(Deserialize, ToSchema)]
pub struct ScanLineIn {
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    #[serde(default)]
    pub gtin: String,
    /// Units found, damaged included.
    pub received: i64,
    #[serde(default)]
    pub damaged: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct ScanIn {
    /// The scanned SSCC (unknown cartons are recorded and flagged).
    pub sscc: String,
    pub lines: Vec<ScanLineIn>,
}

/// Record a scanned carton and what it held (again replaces the carton's record).
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/cartons", tag = "receiving", request_body = ScanIn,
    responses((status = 201, body = ReceivedCartonOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scan_carton(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(shipment_id): Path<Uuid>,
    JsonBody(b): JsonBody<ScanIn>,
) -> ApiResult<(StatusCode, Json<ReceivedCartonOut>)> {
    let lines =
        b.lines.into_iter().map(|l| ScanLine { po_number: l.po_number, line_no: l.line_no, gtin: l.gtin, received: l.received, damaged: l.damaged }).collect();
    let k = s.services.scan_carton(&ctx, shipment_id, &b.sscc, lines).await?;
    Ok((StatusCode::CREATED, Json(ReceivedCartonOut::from(&k))))
}

#[derive(Serialize, ToSchema)]
pub struct DiscrepancyOut {
    /// `asn_shortage`, `asn_overage` or `wrong_item`.
    pub kind: String,
    pub sscc: Option<String>,
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    pub gtin: String,
    pub expected: i64,
    pub received: i64,
    pub detail: String,
}

/// Close the receipt: PO lines take the units, finished POs close, differences go to the vendor.
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/receipt/close", tag = "receiving",
    responses((status = 200, body = Vec<DiscrepancyOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_receipt(State(s): State<AppState>, Api(ctx): Api, Path(shipment_id): Path<Uuid>) -> ApiResult<Json<Vec<DiscrepancyOut>>> {
    let d = s.services.close_receipt(&ctx, shipment_id).await?;
    Ok(Json(
        d.iter()
            .map(|d| DiscrepancyOut {
                kind: d.kind.as_str().into(),
                sscc: d.sscc.clone(),
                po_number: d.po_number.clone(),
                line_no: d.line_no,
                gtin: d.gtin.clone(),
                expected: d.expected,
                received: d.received,
                detail: d.detail.clone(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct InboundQuery {
    /// A carton SSCC or a shipment number.
    pub code: Option<String>,
}

/// Find an inbound shipment by a scanned carton SSCC or its shipment number (receivers).
#[utoipa::path(get, path = "/api/v1/inbound", tag = "receiving", params(InboundQuery), responses((status = 200, body = ShipmentDetailOut), (status = 404, body = ErrorBody)))]
pub async fn find_inbound(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<InboundQuery>) -> ApiResult<Json<ShipmentDetailOut>> {
    Ok(Json(ShipmentDetailOut::from(&s.services.find_inbound(&ctx, q.code.as_deref().unwrap_or("")).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceOut {
    pub label: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct DefectOut {
    /// e.g. `unconfirmed_units`, `late_acknowledgement`, `late_asn`, `asn_shortage`, `no_show`.
    pub kind: String,
    pub po_number: String,
    pub shipment_number: Option<String>,
    pub line_no: Option<i64>,
    pub units: i64,
    pub occurred_at: DateTime<Utc>,
    pub evidence: Vec<EvidenceOut>,
}

impl From<&Defect> for DefectOut {
    fn from(d: &Defect) -> DefectOut {
        DefectOut {
            kind: d.kind.as_str().into(),
            po_number: d.po_number.clone(),
            shipment_number: d.shipment_number.clone(),
            line_no: d.line_no,
            units: d.units,
            occurred_at: d.occurred_at,
            evidence: d.evidence.iter().map(|e| EvidenceOut { label: e.label.clone(), value: e.value.clone() }).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DefectReportOut {
    pub defects: Vec<DefectOut>,
    /// PO on-time accuracy of the examined POs, in basis points.
    pub on_time_bp: Option<i64>,
    pub pos_examined: usize,
    /// Cursor for the next page of POs.
    pub next: Option<String>,
}

/// Compliance defects over a page of POs, each with its evidence.
#[utoipa::path(get, path = "/api/v1/defects", tag = "defects", params(ListQuery), responses((status = 200, body = DefectReportOut), (status = 403, body = ErrorBody)))]
pub async fn list_defects(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<DefectReportOut>> {
    let r = s.services.list_defects(&ctx, q.vendor_id.map(TenantId), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(DefectReportOut { defects: r.defects.iter().map(DefectOut::from).collect(), on_time_bp: r.on_time_bp, pos_examined: r.pos_examined, next: r.next }))
}

/// The compliance defects of one PO.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{po_id}/defects", tag = "defects", responses((status = 200, body = Vec<DefectOut>), (status = 404, body = ErrorBody)))]
pub async fn po_defects(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>) -> ApiResult<Json<Vec<DefectOut>>> {
    Ok(Json(s.services.defects_of_po(&ctx, po_id).await?.iter().map(DefectOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanItemIn {
    pub vendor_sku: String,
    pub quantity: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct PlanIn {
    pub items: Vec<PlanItemIn>,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationOut {
    pub vendor_sku: String,
    pub dc_code: String,
    pub po_number: String,
    pub line_no: i64,
    pub quantity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    pub allocations: Vec<AllocationOut>,
    /// Eaches no open PO line needs, per SKU.
    pub unallocated: Vec<(String, i64)>,
}

impl From<InboundPlan> for PlanOut {
    fn from(p: InboundPlan) -> PlanOut {
        PlanOut {
            allocations: p
                .allocations
                .into_iter()
                .map(|a| AllocationOut { vendor_sku: a.vendor_sku, dc_code: a.dc_code, po_number: a.po_number, line_no: a.line_no, quantity: a.quantity })
                .collect(),
            unallocated: p.unallocated,
        }
    }
}

/// Split items and quantities across DCs by open PO lines (nothing is stored).
#[utoipa::path(post, path = "/api/v1/inbound-plans", tag = "shipments", request_body = PlanIn, responses((status = 200, body = PlanOut), (status = 422, body = ErrorBody)))]
pub async fn inbound_plan(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<PlanIn>) -> ApiResult<Json<PlanOut>> {
    let wanted: Vec<(String, i64)> = b.items.into_iter().map(|i| (i.vendor_sku, i.quantity)).collect();
    Ok(Json(PlanOut::from(s.services.inbound_plan(&ctx, &wanted).await?)))
}
