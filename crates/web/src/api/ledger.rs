//! Invoice-to-cash over the API, part two: the deduction ledger (shortage and price claims,
//! chargebacks, accruals, deal funding, return debits) with its totals, each deduction's evidence pack,
//! disputes (the vendor's message and proof files as `multipart/form-data`; AP's decision) and the
//! download of stored documents (always as an attachment, never rendered in the portal's origin).

use super::auth::Api;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::Issues;
use acorn_domain::deductions::{Deduction, DeductionKind, DeductionStatus, DisputeOutcome};
use acorn_domain::money::format_amount;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::deductions::{DeductionDetail, DisputeView, EvidencePack, LedgerTotal};
use acorn_service::documents::MAX_DOCUMENT_BYTES;
use acorn_store::repo::deductions::DeductionFilter;
use acorn_store::repo::documents::Document;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use uuid::Uuid;

/// Proof files one dispute may carry.
pub const MAX_DISPUTE_FILES: usize = 5;
/// The largest dispute upload: five files of the document store's maximum, and room for the form.
pub const MAX_DISPUTE_BODY: usize = MAX_DISPUTE_FILES * MAX_DOCUMENT_BYTES + 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub struct DeductionOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    /// `D` + 8 digits.
    pub number: String,
    pub vendor_code: String,
    /// `shortage`, `price_claim`, `chargeback`, `coop`, `freight_allowance`, `damage_allowance`,
    /// `deal_funding`, `return_debit`.
    pub kind: String,
    /// Printed on remittances and bank files, e.g. `SHT`.
    pub reason_code: String,
    /// One English sentence with the numbers.
    pub description: String,
    pub currency: String,
    pub amount: String,
    /// Netted from payments so far.
    pub recovered: String,
    /// Given back by dispute decisions.
    pub reversed: String,
    /// Still to be netted from payments.
    pub outstanding: String,
    /// `open`, `disputed`, `recovered` or `final`.
    pub status: String,
    pub posted_at: DateTime<Utc>,
    /// Until when the next dispute may be opened (absent: not disputable any more).
    pub dispute_deadline: Option<DateTime<Utc>>,
    pub dispute_attempts: i64,
    pub po_id: Option<Uuid>,
    pub po_number: Option<String>,
    pub shipment_id: Option<Uuid>,
    pub receipt_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub invoice_line_no: Option<i64>,
    pub return_id: Option<Uuid>,
    /// The remittance it was netted on.
    pub remittance_id: Option<Uuid>,
}

impl From<&Deduction> for DeductionOut {
    fn from(d: &Deduction) -> DeductionOut {
        let m = |v: Decimal| format_amount(v, &d.currency);
        DeductionOut {
            id: d.id,
            vendor_id: d.tenant.0,
            number: d.number.clone(),
            vendor_code: d.vendor_code.clone(),
            kind: d.kind.as_str().into(),
            reason_code: d.reason_code.clone(),
            description: d.description.clone(),
            currency: d.currency.clone(),
            amount: m(d.amount),
            recovered: m(d.recovered),
            reversed: m(d.reversed),
            outstanding: m(d.outstanding()),
            status: d.status.as_str().into(),
            posted_at: d.posted_at,
            dispute_deadline: d.dispute_deadline,
            dispute_attempts: d.dispute_attempts,
            po_id: d.po_id,
            po_number: d.po_number.clone(),
            shipment_id: d.shipment_id,
            receipt_id: d.receipt_id,
            invoice_id: d.invoice_id,
            invoice_line_no: d.invoice_line_no,
            return_id: d.return_id,
            remittance_id: d.remittance_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: Uuid,
    pub filename: String,
    /// Sniffed from the bytes at upload.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    pub url: String,
}

impl From<&Document> for DocumentOut {
    fn from(d: &Document) -> DocumentOut {
        DocumentOut {
            id: d.id,
            filename: d.filename.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
            uploaded_by: d.uploaded_by.clone(),
            uploaded_at: d.uploaded_at,
            url: format!("/api/v1/documents/{}", d.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DisputeOut {
    pub id: Uuid,
    /// 1 or 2.
    pub attempt: i64,
    pub message: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    /// `reversed`, `partially_reversed` or `upheld`; absent while open.
    pub outcome: Option<String>,
    pub reversed_amount: Option<String>,
    /// What the decision credits back on the next remittance.
    pub payback: String,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The remittance that paid the reversal back.
    pub credited_remittance_id: Option<Uuid>,
    /// The proof the vendor uploaded.
    pub documents: Vec<DocumentOut>,
}

impl DisputeOut {
    fn of(v: &DisputeView, currency: &str) -> DisputeOut {
        let d = &v.dispute;
        DisputeOut {
            id: d.id,
            attempt: d.attempt,
            message: d.message.clone(),
            opened_by: d.opened_by.clone(),
            opened_at: d.opened_at,
            outcome: d.outcome.map(|o| o.as_str().to_string()),
            reversed_amount: d.reversed_amount.map(|a| format_amount(a, currency)),
            payback: format_amount(d.payback, currency),
            decision_reason: d.decision_reason.clone(),
            decided_by: d.decided_by.clone(),
            decided_at: d.decided_at,
            credited_remittance_id: d.credited_remittance_id,
            documents: v.documents.iter().map(DocumentOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeductionDetailOut {
    #[serde(flatten)]
    pub deduction: DeductionOut,
    /// What proves it, as posted: the numbers compared and the records behind them.
    pub evidence: serde_json::Value,
    pub disputes: Vec<DisputeOut>,
    /// Whether the vendor may open a dispute now.
    pub may_dispute: bool,
    /// Why a dispute cannot be opened now (absent: it can, until `dispute_deadline`).
    pub dispute_refusal: Option<String>,
}

impl From<&DeductionDetail> for DeductionDetailOut {
    fn from(d: &DeductionDetail) -> DeductionDetailOut {
        let c = &d.deduction.currency;
        DeductionDetailOut {
            deduction: DeductionOut::from(&d.deduction),
            evidence: d.deduction.evidence.clone(),
            disputes: d.disputes.iter().map(|v| DisputeOut::of(v, c)).collect(),
            may_dispute: d.dispute_refusal.is_none(),
            dispute_refusal: d.dispute_refusal.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeductionPage {
    pub items: Vec<DeductionOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct LedgerQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `open`, `disputed`, `recovered` or `final`.
    pub status: Option<String>,
    /// `shortage`, `price_claim`, `chargeback`, `coop`, `freight_allowance`, `damage_allowance`,
    /// `deal_funding`, `return_debit`.
    pub kind: Option<String>,
    pub vendor_code: Option<String>,
    pub invoice_id: Option<Uuid>,
    /// Posted on or after this day (UTC).
    pub posted_from: Option<NaiveDate>,
    /// Posted before this day (UTC).
    pub posted_before: Option<NaiveDate>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl LedgerQuery {
    fn filter(&self) -> Result<DeductionFilter, ServiceError> {
        let mut issues = Issues::new();
        let status = given(&self.status).and_then(|v| issues.field("status", DeductionStatus::parse_or_explain(v)));
        let kind = given(&self.kind).and_then(|v| issues.field("kind", DeductionKind::parse_or_explain(v)));
        issues.into_result().map_err(ServiceError::Invalid)?;
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok(DeductionFilter {
            tenant: None,
            status,
            kind,
            vendor_code: given(&self.vendor_code).map(str::to_uppercase),
            invoice_id: self.invoice_id,
            posted_from: self.posted_from.and_then(midnight),
            posted_before: self.posted_before.and_then(midnight),
        })
    }
}

/// The deduction ledger (vendors see their own), oldest first, with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/deductions", tag = "deductions", params(LedgerQuery),
    responses((status = 200, body = DeductionPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_deductions(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<LedgerQuery>) -> ApiResult<Json<DeductionPage>> {
    let page = s.services.list_deductions(&ctx, q.filter()?, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(DeductionPage { items: page.items.iter().map(DeductionOut::from).collect(), next: page.next }))
}

#[derive(Serialize, ToSchema)]
pub struct LedgerTotalOut {
    /// `2026-11`.
    pub month: String,
    pub kind: String,
    pub currency: String,
    pub count: u64,
    pub amount: String,
    pub reversed: String,
    pub outstanding: String,
}

impl From<&LedgerTotal> for LedgerTotalOut {
    fn from(t: &LedgerTotal) -> LedgerTotalOut {
        let m = |v: Decimal| format_amount(v, &t.currency);
        LedgerTotalOut {
            month: t.month.clone(),
            kind: t.kind.as_str().into(),
            currency: t.currency.clone(),
            count: t.count,
            amount: m(t.amount),
            reversed: m(t.reversed),
            outstanding: m(t.outstanding),
        }
    }
}

/// Ledger totals by month, kind and currency (newest month first) of the entries matching the filters
/// (`cursor` and `limit` are ignored).
#[utoipa::path(get, path = "/api/v1/deductions/totals", tag = "deductions", params(LedgerQuery),
    responses((status = 200, body = Vec<LedgerTotalOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ledger_totals(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<LedgerQuery>) -> ApiResult<Json<Vec<LedgerTotalOut>>> {
    Ok(Json(s.services.ledger_totals(&ctx, q.filter()?).await?.iter().map(LedgerTotalOut::from).collect()))
}

/// A deduction with its evidence, its disputes (and their documents) and whether it may be disputed now.
#[utoipa::path(get, path = "/api/v1/deductions/{deduction_id}", tag = "deductions",
    responses((status = 200, body = DeductionDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_deduction(State(s): State<AppState>, Api(ctx): Api, Path(deduction_id): Path<Uuid>) -> ApiResult<Json<DeductionDetailOut>> {
    Ok(Json(DeductionDetailOut::from(&s.services.deduction(&ctx, deduction_id).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct EvidencePackOut {
    pub deduction: DeductionDetailOut,
    /// The PO as ACORN holds it.
    pub purchase_order: Option<serde_json::Value>,
    /// Every acknowledgement version, oldest first.
    pub acknowledgements: Vec<serde_json::Value>,
    /// The ASNs with their cartons.
    pub shipments: Vec<serde_json::Value>,
    pub appointments: Vec<serde_json::Value>,
    /// The receipts with every carton scan and the check-in time.
    pub receipts: Vec<serde_json::Value>,
    /// The invoice and its lines.
    pub invoice: Option<serde_json::Value>,
}

/// The evidence pack of a deduction, assembled from ACORN's own records: the PO, every
/// acknowledgement, the ASNs, appointments, receipts with carton scans, the invoice and the disputes.
#[utoipa::path(get, path = "/api/v1/deductions/{deduction_id}/evidence", tag = "deductions",
    responses((status = 200, body = EvidencePackOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evidence_pack(State(s): State<AppState>, Api(ctx): Api, Path(deduction_id): Path<Uuid>) -> ApiResult<Json<EvidencePackOut>> {
    let detail = s.services.deduction(&ctx, deduction_id).await?;
    let p: EvidencePack = s.services.evidence_pack(&ctx, deduction_id).await?;
    Ok(Json(EvidencePackOut {
        deduction: DeductionDetailOut::from(&detail),
        purchase_order: p.purchase_order,
        acknowledgements: p.acknowledgements,
        shipments: p.shipments,
        appointments: p.appointments,
        receipts: p.receipts,
        invoice: p.invoice,
    }))
}

/// The multipart form of a dispute (documentation only; the handler reads the parts).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DisputeForm {
    /// Why the deduction is wrong (required, at most 4,000 characters).
    message: String,
    /// Zero to five proof files (PDF, PNG, JPEG, TIFF, plain text or CSV; at most 10 MiB each), each
    /// a part named `file` with its file name.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let limit = MAX_DISPUTE_BODY / (1024 * 1024);
        return ApiError::new(status, "body_too_large", format!("the upload is larger than {limit} MiB; send at most {MAX_DISPUTE_FILES} files of 10 MiB"));
    }
    ApiError::bad_request("invalid_multipart", format!("the multipart body could not be read: {}", e.body_text()))
}

/// The vendor disputes a deduction within its window: a `message` and up to five `file` parts of proof
/// (`multipart/form-data`). ACORN adds its own records to the evidence pack. A second attempt is
/// possible within 30 days of the first decision.
#[utoipa::path(post, path = "/api/v1/deductions/{deduction_id}/disputes", tag = "deductions",
    request_body(content = DisputeForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DeductionDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_dispute(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(deduction_id): Path<Uuid>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<DeductionDetailOut>)> {
    // Who may dispute which deduction is settled before the upload is read: the role, then the
    // deduction itself (another vendor's is 404). The use case checks both again.
    acorn_service::authz::require(&ctx, Area::Deductions, Access::Write)?;
    s.services.deduction(&ctx, deduction_id).await?;
    if !is_multipart(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the dispute as multipart/form-data with a `message` part and up to five `file` parts",
        ));
    }
    let mut form = form.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let mut message = String::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut issues = Issues::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "message" => message = field.text().await.map_err(multipart_error)?,
            "file" | "files" | "file[]" => {
                let name = field.file_name().unwrap_or("document").to_string();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if files.len() == MAX_DISPUTE_FILES {
                    issues.push(acorn_domain::validate::FieldIssue::new("file", format!("at most {MAX_DISPUTE_FILES} files may be attached")));
                    continue;
                }
                files.push((name, bytes.to_vec()));
            }
            // Other parts are ignored (clients add their own).
            _ => {}
        }
    }
    issues.into_result().map_err(ServiceError::Invalid)?;
    let d = s.services.open_dispute(&ctx, deduction_id, &message, files).await?;
    Ok((StatusCode::CREATED, Json(DeductionDetailOut::from(&d))))
}

/// The dispute route with its own body limit (five proof files of 10 MiB).
pub fn dispute_route() -> UtoipaMethodRouter<AppState> {
    routes!(open_dispute).layer(DefaultBodyLimit::max(MAX_DISPUTE_BODY))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    /// `reversed`, `partially_reversed` or `upheld`.
    pub outcome: String,
    /// For `partially_reversed`: the amount credited back (less than what stands).
    pub reversed_amount: Option<String>,
    /// Why (required; the vendor sees it).
    pub reason: String,
}

/// AP decides the open dispute of a deduction; a reversal is credited on the next remittance.
#[utoipa::path(post, path = "/api/v1/deductions/{deduction_id}/decision", tag = "deductions", request_body = DecisionIn,
    responses((status = 200, body = DeductionDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_dispute(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(deduction_id): Path<Uuid>,
    JsonBody(b): JsonBody<DecisionIn>,
) -> ApiResult<Json<DeductionDetailOut>> {
    acorn_service::authz::require(&ctx, Area::Deductions, Access::Write)?;
    let outcome = DisputeOutcome::parse_or_explain(b.outcome.trim()).map_err(|e| ServiceError::invalid("outcome", e))?;
    let d = s.services.decide_dispute(&ctx, deduction_id, outcome, b.reversed_amount.as_deref(), &b.reason).await?;
    Ok(Json(DeductionDetailOut::from(&d)))
}

// ---- documents ----

/// RFC 5987 `attr-char`s stay as they are; everything else is percent-encoded.
const ATTR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with the file name twice: plain ASCII for old clients (anything else replaced by `_`),
/// and exact as `filename*=UTF-8''…`.
pub fn attachment(filename: &str) -> String {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", utf8_percent_encode(filename, ATTR))
}

/// A download: the bytes with their type, as an attachment that is never sniffed or cached.
pub fn download(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    if let Ok(v) = HeaderValue::from_str(&attachment(filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// Download a stored document (dispute proof, invoice or return paperwork) — always as an attachment
/// with the type sniffed at upload. Another vendor's document is 404.
#[utoipa::path(get, path = "/api/v1/documents/{document_id}", tag = "documents",
    responses((status = 200, description = "The file, as an attachment"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_document(State(s): State<AppState>, Api(ctx): Api, Path(document_id): Path<Uuid>) -> ApiResult<Response> {
    let (doc, bytes) = s.services.document(&ctx, document_id).await?;
    Ok(download(&doc.content_type, &doc.filename, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_are_ascii_and_exact() {
        assert_eq!(attachment("pod.pdf"), "attachment; filename=\"pod.pdf\"; filename*=UTF-8''pod.pdf");
        assert_eq!(
            attachment("Lieferschein Müller \"1\".pdf"),
            "attachment; filename=\"Lieferschein M_ller _1_.pdf\"; filename*=UTF-8''Lieferschein%20M%C3%BCller%20%221%22.pdf"
        );
        assert_eq!(attachment("收据.pdf"), "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%94%B6%E6%8D%AE.pdf");
    }
}
