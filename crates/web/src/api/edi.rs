//! The EDI gateway over the API: a vendor's trading-partner settings, the intake of a raw X12 or
//! EDIFACT interchange (the body as sent, deduplicated on the interchange itself), the EDI log with
//! each interchange's documents, findings and raw bytes, and the stock vendors report by 846.
//!
//! A vendor's principal always means its own vendor; retailer staff name the vendor with
//! `vendor_code` (another vendor's code, for a vendor, is 404 like any other vendor's object).

use super::auth::Api;
use super::ledger::download;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::edi::{
    Direction, EdiDocument, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, PartnerInput, Source, TradingPartner, VendorStock,
};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_service::edi::MAX_INTERCHANGE_BYTES;
use acorn_service::edi::files;
use acorn_service::edi::intake::Received;
use acorn_service::edi::log::{InterchangeDetail, InterchangeFilter};
use acorn_service::{Ctx, ServiceError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use uuid::Uuid;

/// A trimmed, non-empty query value.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The one vendor a request is about (retailer staff must name it).
async fn one_vendor(s: &AppState, ctx: &Ctx, need: Access, vendor_code: &Option<String>) -> Result<TenantId, ServiceError> {
    s.services
        .edi_vendor(ctx, Area::Integrations, need, given(vendor_code))
        .await?
        .ok_or_else(|| ServiceError::invalid("vendor_code", "is required for retailer staff: the vendor code of the vendor whose EDI this is"))
}

// ---------------------------------------------------------------------------------------------
// Trading-partner settings.

#[derive(Deserialize, IntoParams)]
pub struct VendorQuery {
    /// Retailer staff: the vendor (required). Vendors: your own (optional).
    pub vendor_code: Option<String>,
}

/// The settings as entered; blank optional fields take the defaults of Amazon's retail guides.
#[derive(Deserialize, ToSchema)]
pub struct PartnerIn {
    /// `x12` or `edifact`.
    pub standard: String,
    /// Your interchange id qualifier: X12 two characters (`ZZ`, `01`, `12`); EDIFACT up to 4 (`14` = GLN).
    pub partner_qualifier: String,
    /// Your interchange id (ISA06 / UNB sender): X12 at most 15 characters, EDIFACT 35.
    pub partner_id: String,
    /// ACORN's qualifier as you address it.
    pub our_qualifier: String,
    /// ACORN's interchange id as you address it (ISA08 / UNB recipient).
    pub our_id: String,
    /// GS02 application sender code (default: your interchange id).
    #[serde(default)]
    pub partner_group_id: String,
    /// GS03 application receiver code (default: ACORN's interchange id).
    #[serde(default)]
    pub our_group_id: String,
    /// X12 ISA12 `00401` (default) or `00501`; EDIFACT syntax version `3` (default) or `4`.
    #[serde(default)]
    pub interchange_version: String,
    /// X12 GS08 `004010` (default) or `005010`; EDIFACT `D:96A:UN`.
    #[serde(default)]
    pub document_version: String,
    /// EDIFACT syntax identifier `UNOA`…`UNOD` (default `UNOC`); ignored for X12.
    #[serde(default)]
    pub charset: String,
    /// `production` (default) or `test`: test interchanges are acknowledged but change nothing.
    #[serde(default)]
    pub usage: String,
    /// X12 functional acknowledgement: `997` (default) or `999`.
    #[serde(default)]
    pub ack_kind: String,
    /// Delimiters ACORN writes with (defaults `*` `>` `~` for X12, `+` `:` `'` for EDIFACT; repetition `^` for X12 5010).
    #[serde(default)]
    pub element_separator: String,
    #[serde(default)]
    pub component_separator: String,
    #[serde(default)]
    pub repetition_separator: String,
    #[serde(default)]
    pub segment_terminator: String,
    /// While live, acknowledgements, ASNs and invoices arrive by EDI only: the portal forms for them are closed.
    #[serde(default)]
    pub edi_live: bool,
}

impl From<PartnerIn> for PartnerInput {
    fn from(p: PartnerIn) -> PartnerInput {
        PartnerInput {
            standard: p.standard,
            partner_qualifier: p.partner_qualifier,
            partner_id: p.partner_id,
            our_qualifier: p.our_qualifier,
            our_id: p.our_id,
            partner_group_id: p.partner_group_id,
            our_group_id: p.our_group_id,
            interchange_version: p.interchange_version,
            document_version: p.document_version,
            charset: p.charset,
            usage: p.usage,
            ack_kind: p.ack_kind,
            element_separator: p.element_separator,
            component_separator: p.component_separator,
            repetition_separator: p.repetition_separator,
            segment_terminator: p.segment_terminator,
            edi_live: p.edi_live,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartnerOut {
    pub vendor_id: Uuid,
    /// The vendor code EDI file names and directories use.
    pub vendor_code: String,
    pub standard: String,
    pub partner_qualifier: String,
    pub partner_id: String,
    pub our_qualifier: String,
    pub our_id: String,
    pub partner_group_id: String,
    pub our_group_id: String,
    pub interchange_version: String,
    pub document_version: String,
    pub charset: String,
    pub usage: String,
    pub ack_kind: String,
    pub element_separator: String,
    pub component_separator: String,
    pub repetition_separator: String,
    pub segment_terminator: String,
    pub edi_live: bool,
    /// Where the server takes files dropped for this vendor (the watched directory).
    pub inbox_dir: String,
    /// Where the server places what it sends this vendor (acknowledgements, documents).
    pub outbox_dir: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl PartnerOut {
    fn of(p: &TradingPartner, data_dir: &std::path::Path) -> PartnerOut {
        PartnerOut {
            vendor_id: p.tenant.0,
            vendor_code: p.vendor_code.clone(),
            standard: p.standard.as_str().into(),
            partner_qualifier: p.partner_qualifier.clone(),
            partner_id: p.partner_id.clone(),
            our_qualifier: p.our_qualifier.clone(),
            our_id: p.our_id.clone(),
            partner_group_id: p.partner_group_id.clone(),
            our_group_id: p.our_group_id.clone(),
            interchange_version: p.interchange_version.clone(),
            document_version: p.document_version.clone(),
            charset: p.charset.clone(),
            usage: p.usage.as_str().into(),
            ack_kind: p.ack_kind.as_str().into(),
            element_separator: p.element_separator.clone(),
            component_separator: p.component_separator.clone(),
            repetition_separator: p.repetition_separator.clone(),
            segment_terminator: p.segment_terminator.clone(),
            edi_live: p.edi_live,
            inbox_dir: files::inbox(data_dir, &p.vendor_code).display().to_string(),
            outbox_dir: files::outbox(data_dir, &p.vendor_code).display().to_string(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            updated_by: p.updated_by.clone(),
        }
    }
}

/// The vendor's EDI settings (404 while it has none).
#[utoipa::path(get, path = "/api/v1/edi/partner", tag = "edi", params(VendorQuery),
    responses((status = 200, body = PartnerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_partner(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<VendorQuery>) -> ApiResult<Json<PartnerOut>> {
    let tenant = one_vendor(&s, &ctx, Access::Read, &q.vendor_code).await?;
    let p = s.services.edi_partner(&ctx, tenant).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(PartnerOut::of(&p, &s.services.config.data_dir)))
}

/// Create or replace the vendor's EDI settings. Every invalid field is named in `details`; the
/// partner's interchange id must not be another vendor's.
#[utoipa::path(put, path = "/api/v1/edi/partner", tag = "edi", params(VendorQuery), request_body = PartnerIn,
    responses((status = 200, body = PartnerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_partner(
    State(s): State<AppState>,
    Api(ctx): Api,
    Query(q): Query<VendorQuery>,
    JsonBody(b): JsonBody<PartnerIn>,
) -> ApiResult<Json<PartnerOut>> {
    let tenant = one_vendor(&s, &ctx, Access::Write, &q.vendor_code).await?;
    let p = s.services.set_edi_partner(&ctx, tenant, b.into()).await?;
    Ok(Json(PartnerOut::of(&p, &s.services.config.data_dir)))
}

// ---------------------------------------------------------------------------------------------
// The log.

#[derive(Serialize, ToSchema)]
pub struct InterchangeOut {
    /// The interchange's id, which is also the transaction id reported to the sender.
    pub transaction_id: Uuid,
    pub vendor_id: Uuid,
    /// `inbound` (received) or `outbound` (sent).
    pub direction: String,
    /// `documents` or `acknowledgement`.
    pub kind: String,
    /// `x12` or `edifact`.
    pub standard: String,
    /// `upload`, `drop` (the watched directory) or `generated`.
    pub source: String,
    pub filename: String,
    /// `qualifier/id`.
    pub sender: String,
    pub receiver: String,
    pub control_number: String,
    /// SHA-256 of the bytes, hex.
    pub content_hash: String,
    /// Bytes.
    pub size: i64,
    /// A test interchange (ISA15 = T, UNB test indicator 1): acknowledged, no data changed.
    pub test: bool,
    /// `processing`, `success` or `failure`.
    pub status: String,
    /// The set (message) ids inside, in order.
    pub sets: Vec<String>,
    /// One line on what happened, errors first.
    pub summary: String,
    /// Inbound: the acknowledgement sent back. Outbound acknowledgement: what it acknowledges.
    pub related_transaction_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&Interchange> for InterchangeOut {
    fn from(i: &Interchange) -> InterchangeOut {
        InterchangeOut {
            transaction_id: i.id,
            vendor_id: i.tenant.0,
            direction: i.direction.as_str().into(),
            kind: i.kind.as_str().into(),
            standard: i.standard.as_str().into(),
            source: i.source.as_str().into(),
            filename: i.filename.clone(),
            sender: i.sender.clone(),
            receiver: i.receiver.clone(),
            control_number: i.control_number.clone(),
            content_hash: i.content_hash.clone(),
            size: i.size,
            test: i.test,
            status: i.status.as_str().into(),
            sets: sets_of(&i.sets),
            summary: i.summary.clone(),
            related_transaction_id: i.related_id,
            created_at: i.created_at,
            completed_at: i.completed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    /// `850`, `856`, `ORDERS`…
    pub set_id: String,
    pub control_number: String,
    /// `applied`, `unchanged`, `rejected`, `tested`, `recorded`, `sent`, `accepted` or `refused_by_partner`.
    pub status: String,
    /// The ACORN object: `purchase_order`, `po_event`, `acknowledgement`, `shipment`, `invoice`, `stock_report`, `remittance`.
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    /// The business reference (PO number, shipment id, invoice number).
    pub reference: String,
    /// Each error as a sentence naming where it is.
    pub errors: Vec<String>,
}

impl From<&EdiDocument> for DocumentOut {
    fn from(d: &EdiDocument) -> DocumentOut {
        DocumentOut {
            set_id: d.set_id.clone(),
            control_number: d.control_number.clone(),
            status: d.status.as_str().into(),
            object_type: d.object_type.clone(),
            object_id: d.object_id,
            reference: d.reference.clone(),
            errors: d.errors.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InterchangeDetailOut {
    #[serde(flatten)]
    pub interchange: InterchangeOut,
    /// The sets (messages) inside and what became of each.
    pub documents: Vec<DocumentOut>,
    /// The validator's findings: `severity`, `scope`, `rule`, `location` (interchange, group, set,
    /// set_id, segment_position, segment_tag, element, component, offset), `message`, `value`.
    #[schema(value_type = Vec<Object>)]
    pub findings: serde_json::Value,
    /// The acknowledgement sent back (inbound), or the interchange acknowledged (outbound acknowledgement).
    pub related: Option<InterchangeOut>,
}

impl From<&InterchangeDetail> for InterchangeDetailOut {
    fn from(d: &InterchangeDetail) -> InterchangeDetailOut {
        InterchangeDetailOut {
            interchange: InterchangeOut::from(&d.interchange),
            documents: d.documents.iter().map(DocumentOut::from).collect(),
            findings: d.findings.clone(),
            related: d.related.as_ref().map(InterchangeOut::from),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InterchangePage {
    pub items: Vec<InterchangeOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct InterchangeQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `inbound` (received) or `outbound` (sent).
    pub direction: Option<String>,
    /// `documents` or `acknowledgement`.
    pub kind: Option<String>,
    /// `processing`, `success` or `failure`.
    pub status: Option<String>,
    /// Retailer staff: one vendor's (default every vendor's).
    pub vendor_code: Option<String>,
}

impl InterchangeQuery {
    /// The filter's own fields; the vendor is resolved by the use case.
    fn filter(&self) -> Result<InterchangeFilter, ServiceError> {
        let mut issues = Issues::new();
        let direction = given(&self.direction).and_then(|v| issues.field("direction", Direction::parse_or_explain(v)));
        let kind = given(&self.kind).and_then(|v| issues.field("kind", InterchangeKind::parse_or_explain(v)));
        let status = given(&self.status).and_then(|v| issues.field("status", InterchangeStatus::parse_or_explain(v)));
        issues.into_result().map_err(ServiceError::Invalid)?;
        Ok(InterchangeFilter { tenant: None, direction, kind, status })
    }
}

/// The EDI log, newest first: interchanges received and sent (vendors see their own), with filters
/// and keyset paging.
#[utoipa::path(get, path = "/api/v1/edi/interchanges", tag = "edi", params(InterchangeQuery),
    responses((status = 200, body = InterchangePage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_interchanges(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<InterchangeQuery>) -> ApiResult<Json<InterchangePage>> {
    let tenant = s.services.edi_vendor(&ctx, Area::Integrations, Access::Read, given(&q.vendor_code)).await?;
    let filter = InterchangeFilter { tenant, ..q.filter()? };
    let page = s.services.edi_log(&ctx, filter, given(&q.cursor), q.limit).await?;
    Ok(Json(InterchangePage { items: page.items.iter().map(InterchangeOut::from).collect(), next: page.next }))
}

/// One interchange with its documents, the validator's findings and the related acknowledgement.
#[utoipa::path(get, path = "/api/v1/edi/interchanges/{transaction_id}", tag = "edi",
    responses((status = 200, body = InterchangeDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_interchange(State(s): State<AppState>, Api(ctx): Api, Path(transaction_id): Path<Uuid>) -> ApiResult<Json<InterchangeDetailOut>> {
    Ok(Json(InterchangeDetailOut::from(&s.services.edi_interchange(&ctx, transaction_id).await?)))
}

/// The MIME type of an interchange's bytes.
pub fn content_type(standard: EdiStandard) -> &'static str {
    match standard {
        EdiStandard::X12 => "application/edi-x12",
        EdiStandard::Edifact => "application/edifact",
    }
}

/// The name a downloaded interchange gets: the name it arrived under (without any directories),
/// else one made of its direction and control number (its id when it has none).
pub fn raw_filename(i: &Interchange) -> String {
    download_name(&i.filename, i.direction, &i.control_number, i.id, i.standard)
}

fn download_name(sent: &str, direction: Direction, control: &str, id: Uuid, standard: EdiStandard) -> String {
    let sent = sent.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if !sent.is_empty() {
        return sent.to_string();
    }
    let ext = if standard == EdiStandard::X12 { "x12" } else { "edi" };
    let control = if control.trim().is_empty() { id.to_string() } else { control.trim().to_string() };
    format!("{}-{control}.{ext}", direction.as_str())
}

/// The set ids of an interchange, in order (stored comma-separated).
pub fn sets_of(sets: &str) -> Vec<String> {
    sets.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The interchange's bytes as a download, exactly as received or sent.
pub fn raw_download(i: &Interchange, bytes: Vec<u8>) -> Response {
    download(content_type(i.standard), &raw_filename(i), bytes)
}

/// The interchange exactly as received or sent, as an attachment (`application/edi-x12` or
/// `application/edifact`).
#[utoipa::path(get, path = "/api/v1/edi/interchanges/{transaction_id}/raw", tag = "edi",
    responses((status = 200, description = "The bytes, as an attachment", content_type = "application/edi-x12"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn raw_interchange(State(s): State<AppState>, Api(ctx): Api, Path(transaction_id): Path<Uuid>) -> ApiResult<Response> {
    let (i, bytes) = s.services.edi_raw(&ctx, transaction_id).await?;
    Ok(raw_download(&i, bytes))
}

// ---------------------------------------------------------------------------------------------
// Intake.

#[derive(Deserialize, IntoParams)]
pub struct ReceiveQuery {
    /// Retailer staff: the vendor the interchange comes from (required).
    pub vendor_code: Option<String>,
    /// The file's name, kept in the log (at most 200 characters).
    pub filename: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedOut {
    /// The transaction (the interchange as logged).
    pub transaction_id: Uuid,
    /// `success` (every document applied or tested) or `failure`; `processing` only while it runs.
    pub status: String,
    /// These exact bytes arrived before: nothing new was done, and this is the first arrival's transaction.
    pub duplicate: bool,
    pub control_number: String,
    pub documents: Vec<DocumentOut>,
    /// The functional acknowledgement sent back, if any (997/999, TA1 or CONTRL).
    pub ack_transaction_id: Option<Uuid>,
    /// One line on what happened, errors first.
    pub summary: String,
}

impl From<&Received> for ReceivedOut {
    fn from(r: &Received) -> ReceivedOut {
        ReceivedOut {
            transaction_id: r.interchange.id,
            status: r.interchange.status.as_str().into(),
            duplicate: r.duplicate,
            control_number: r.interchange.control_number.clone(),
            documents: r.documents.iter().map(DocumentOut::from).collect(),
            ack_transaction_id: r.ack.as_ref().map(|a| a.id),
            summary: r.interchange.summary.clone(),
        }
    }
}

/// Why a body could not be read: too large (413), or cut off (400).
fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let mib = MAX_INTERCHANGE_BYTES / (1024 * 1024);
        return ApiError {
            details: vec![FieldIssue::new("body", format!("is larger than {mib} MiB"))],
            ..ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("an interchange may be at most {mib} MiB; split the file and send each part"),
            )
        };
    }
    ApiError::bad_request("invalid_body", format!("the body could not be read: {}", e.body_text()))
}

/// Receive one file of EDI from a vendor: the raw X12 or EDIFACT interchange is the body (any
/// content type). It is checked (envelopes, the vendor's and ACORN's ids, the implementation
/// guides), each accepted document is applied as the vendor's own portal or API submission would
/// be, the functional acknowledgement is sent back, and everything is logged. Sending the same
/// bytes again changes nothing and answers with the first transaction (`duplicate: true`), so no
/// `Idempotency-Key` is needed; new bytes under a used control number are refused (`failure`).
#[utoipa::path(post, path = "/api/v1/edi/interchanges", tag = "edi", params(ReceiveQuery),
    request_body(description = "The interchange, byte for byte", content(("application/edi-x12"), ("application/edifact"), ("text/plain"), ("application/octet-stream"))),
    responses((status = 200, body = ReceivedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive_interchange(
    State(s): State<AppState>,
    Api(ctx): Api,
    Query(q): Query<ReceiveQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ReceivedOut>> {
    let tenant = one_vendor(&s, &ctx, Access::Write, &q.vendor_code).await?;
    let bytes = body.map_err(body_error)?;
    if bytes.is_empty() {
        return Err(ApiError {
            details: vec![FieldIssue::new("body", "is empty")],
            ..ApiError::bad_request("empty_body", "send the interchange as the request body; this one was empty")
        });
    }
    let filename = given(&q.filename).unwrap_or_default();
    let r = s.services.receive_edi(&ctx, tenant, bytes.to_vec(), Source::Upload, filename).await?;
    Ok(Json(ReceivedOut::from(&r)))
}

/// The intake with its own body limit: an interchange may be larger than other API bodies.
pub fn receive_route() -> UtoipaMethodRouter<AppState> {
    routes!(receive_interchange).layer(DefaultBodyLimit::max(MAX_INTERCHANGE_BYTES))
}

// ---------------------------------------------------------------------------------------------
// Vendor-reported stock.

#[derive(Deserialize, IntoParams)]
pub struct StockQuery {
    /// Retailer staff: one vendor's (default every vendor's).
    pub vendor_code: Option<String>,
    /// One item's.
    pub item_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct StockOut {
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// The vendor's warehouse code as reported.
    pub warehouse: String,
    /// Eaches available.
    pub available: i64,
    /// The 846 interchange that reported it.
    pub transaction_id: Uuid,
    pub reported_at: DateTime<Utc>,
}

impl StockOut {
    fn of(v: &VendorStock, codes: &[(TenantId, String)]) -> StockOut {
        StockOut {
            vendor_id: v.tenant.0,
            vendor_code: codes.iter().find(|(t, _)| *t == v.tenant).map(|(_, c)| c.clone()).unwrap_or_default(),
            item_id: v.item_id,
            vendor_sku: v.vendor_sku.clone(),
            gtin: v.gtin.clone(),
            title: v.title.clone(),
            warehouse: v.warehouse.clone(),
            available: v.available,
            transaction_id: v.interchange_id,
            reported_at: v.reported_at,
        }
    }
}

/// Stock vendors report by EDI 846, per item and warehouse (vendors see their own; buyers every vendor's).
#[utoipa::path(get, path = "/api/v1/edi/stock", tag = "edi", params(StockQuery),
    responses((status = 200, body = Vec<StockOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_stock(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<StockQuery>) -> ApiResult<Json<Vec<StockOut>>> {
    let vendor = s.services.edi_vendor(&ctx, Area::Items, Access::Read, given(&q.vendor_code)).await?;
    let stock = s.services.vendor_stock(&ctx, vendor, q.item_id).await?;
    let tenants: Vec<TenantId> = stock.iter().map(|v| v.tenant).collect();
    let codes = s.services.edi_vendor_codes(&ctx, &tenants).await?;
    Ok(Json(stock.iter().map(|v| StockOut::of(v, &codes)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_keep_the_sent_name_without_directories_else_name_the_control_number() {
        let id = Uuid::nil();
        assert_eq!(download_name("inbox/../ACME_846.edi", Direction::Inbound, "000000001", id, EdiStandard::X12), "ACME_846.edi");
        assert_eq!(download_name("C:\\edi\\out.edi", Direction::Inbound, "1", id, EdiStandard::X12), "out.edi");
        assert_eq!(download_name("", Direction::Outbound, "000000001", id, EdiStandard::X12), "outbound-000000001.x12");
        assert_eq!(download_name(" ", Direction::Inbound, "", id, EdiStandard::Edifact), format!("inbound-{id}.edi"));
        assert_eq!(content_type(EdiStandard::Edifact), "application/edifact");
        assert_eq!(sets_of("846, 997,"), ["846", "997"]);
    }

    #[test]
    fn bad_filters_are_named() {
        let q = InterchangeQuery {
            cursor: None,
            limit: None,
            direction: Some("sideways".into()),
            kind: Some(" ".into()),
            status: Some("done".into()),
            vendor_code: None,
        };
        let Err(ServiceError::Invalid(issues)) = q.filter() else { panic!("accepted") };
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["direction", "status"]);
    }
}
