//! Replenishment over the API: the suggestions of the current cycle (or of one status) for both
//! sides, the buyer's decisions — adjust a quantity, reject, approve a selection into purchase orders
//! in one step — the vendor's commitments (versions, the latest in force) and, under VMI, the
//! vendor's order proposals. POSTs take an `Idempotency-Key` like every write; approving suggestions
//! that were ordered before also answers with their PO rather than making another.

use super::auth::Api;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::forecast::{Commitment, CommitmentInput};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_service::ServiceError;
use acorn_service::forecast::suggestions::{ApprovedPo, OrderOptions, SuggestionDetail, SuggestionFilter, SuggestionLine, VmiProposal};
use acorn_service::orders::parse_date;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A date field as sent: blank or absent is none, anything else must be `2026-12-01`.
fn date(issues: &mut Issues, field: &str, v: &Option<String>) -> Option<NaiveDate> {
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    issues.field(field, parse_date(v))
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentOut {
    pub id: Uuid,
    /// 1 for the first answer, then 2, 3…: the highest is in force.
    pub version: usize,
    /// Units the vendor can supply.
    pub quantity: i64,
    /// From when (none when nothing can be supplied).
    pub available_on: Option<NaiveDate>,
    /// Units short of what was asked.
    pub shortfall: i64,
    /// Why it falls short.
    pub reason: String,
    pub committed_by: String,
    pub committed_at: DateTime<Utc>,
}

impl CommitmentOut {
    fn of(m: &Commitment, version: usize) -> CommitmentOut {
        CommitmentOut {
            id: m.id,
            version,
            quantity: m.quantity,
            available_on: m.available_on,
            shortfall: m.shortfall,
            reason: m.reason.clone(),
            committed_by: m.committed_by.clone(),
            committed_at: m.committed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub id: Uuid,
    /// `job` (the forecast run) or `vmi` (the vendor's proposal).
    pub origin: String,
    /// The forecast run that computed it (none for a VMI proposal).
    pub run_id: Option<Uuid>,
    /// `proposed`, `adjusted`, `approved`, `rejected` or `ordered`.
    pub status: String,
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub case_pack: i64,
    pub dc: String,
    pub on_hand: i64,
    pub on_order: i64,
    pub backorders: i64,
    /// S, the order-up-to level (a VMI proposal: the agreed maximum).
    pub order_up_to: i64,
    /// max(0, S − position), before case pack, MOQ and cover cap.
    pub raw_quantity: i64,
    /// The quantity computed (or proposed), in units.
    pub quantity: i64,
    /// The buyer's quantity, when adjusted.
    pub adjusted_quantity: Option<i64>,
    /// What is ordered when approved: the adjusted quantity, else the computed one.
    pub quantity_in_force: i64,
    /// Expected fill rate with this order, ×10⁴ (9500 = 95 %).
    pub fill_rate_e4: i64,
    pub leftover: i64,
    /// Why this quantity, in words.
    pub explanation: String,
    /// The delivery date a VMI proposal asks for.
    pub delivery_on: Option<NaiveDate>,
    pub po_id: Option<Uuid>,
    pub po_number: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The vendor's commitment in force, if it answered.
    pub commitment: Option<CommitmentOut>,
}

impl From<&SuggestionLine> for SuggestionOut {
    fn from(l: &SuggestionLine) -> SuggestionOut {
        let s = &l.suggestion;
        SuggestionOut {
            id: s.id,
            origin: s.origin.as_str().into(),
            run_id: s.run_id,
            status: s.status.as_str().into(),
            vendor_id: s.tenant.0,
            vendor_code: l.vendor_code.clone(),
            item_id: s.item_id,
            vendor_sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            title: l.title.clone(),
            case_pack: l.case_pack,
            dc: l.dc_code.clone(),
            on_hand: s.on_hand,
            on_order: s.on_order,
            backorders: s.backorders,
            order_up_to: s.order_up_to,
            raw_quantity: s.raw_quantity,
            quantity: s.quantity,
            adjusted_quantity: s.adjusted_quantity,
            quantity_in_force: s.current_quantity(),
            fill_rate_e4: s.fill_rate_e4,
            leftover: s.leftover,
            explanation: s.explanation.clone(),
            delivery_on: s.delivery_on,
            po_id: s.po_id,
            po_number: l.po_number.clone(),
            decided_by: s.decided_by.clone(),
            decided_at: s.decided_at,
            created_at: s.created_at,
            commitment: l.commitment().map(|m| CommitmentOut::of(m, l.history.len())),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct SuggestionListQuery {
    /// Retailer staff: one vendor's (default every vendor's). Vendors: their own.
    pub vendor_code: Option<String>,
    /// A DC code.
    pub dc: Option<String>,
    pub item_id: Option<Uuid>,
    /// One status; without it, the current cycle: the latest run's suggestions, every open one, and
    /// every one decided since that run started.
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionPage {
    pub items: Vec<SuggestionOut>,
    pub next: Option<String>,
}

/// Replenishment suggestions, newest first, keyset-paged (vendors see their own).
#[utoipa::path(get, path = "/api/v1/forecast/suggestions", tag = "forecast", params(SuggestionListQuery),
    responses((status = 200, body = SuggestionPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_suggestions(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<SuggestionListQuery>) -> ApiResult<Json<SuggestionPage>> {
    let f = SuggestionFilter { vendor_code: q.vendor_code, dc: q.dc, item: q.item_id, status: q.status, cursor: q.cursor, limit: q.limit };
    let page = s.services.list_suggestions(&ctx, &f).await?;
    Ok(Json(SuggestionPage { items: page.items.iter().map(SuggestionOut::from).collect(), next: page.next }))
}

#[derive(Deserialize, ToSchema)]
pub struct AdjustIn {
    /// Units to order, 0 or more; rounded up to whole cases of the item's case pack.
    pub quantity: Option<i64>,
    /// Why (kept in the audit log).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AdjustedOut {
    pub suggestion: SuggestionOut,
    /// The quantity sent, when it was not whole cases and was rounded up.
    pub rounded_from: Option<i64>,
    pub case_pack: i64,
}

/// Set the quantity to order (retailer buyers). A quantity that is not whole cases is rounded up to
/// the case pack and `rounded_from` says what was sent.
#[utoipa::path(post, path = "/api/v1/forecast/suggestions/{suggestion_id}/adjust", tag = "forecast", request_body = AdjustIn,
    responses((status = 200, body = AdjustedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn adjust_suggestion(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(suggestion_id): Path<Uuid>,
    JsonBody(b): JsonBody<AdjustIn>,
) -> ApiResult<Json<AdjustedOut>> {
    let a = s.services.adjust_suggestion(&ctx, suggestion_id, b.quantity, b.reason.as_deref()).await?;
    let detail = s.services.get_suggestion(&ctx, a.suggestion.id).await?;
    Ok(Json(AdjustedOut { suggestion: SuggestionOut::from(&detail.line), rounded_from: a.rounded_from, case_pack: a.case_pack }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RejectIn {
    /// Why (kept in the audit log).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Reject a suggestion (retailer buyers): nothing is ordered. Rejecting it again changes nothing.
#[utoipa::path(post, path = "/api/v1/forecast/suggestions/{suggestion_id}/reject", tag = "forecast", request_body = RejectIn,
    responses((status = 200, body = SuggestionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject_suggestion(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(suggestion_id): Path<Uuid>,
    JsonBody(b): JsonBody<RejectIn>,
) -> ApiResult<Json<SuggestionOut>> {
    s.services.reject_suggestion(&ctx, suggestion_id, b.reason.as_deref()).await?;
    Ok(Json(SuggestionOut::from(&s.services.get_suggestion(&ctx, suggestion_id).await?.line)))
}

#[derive(Deserialize, ToSchema)]
pub struct ApproveIn {
    /// The suggestions to order.
    #[serde(default)]
    pub ids: Vec<Uuid>,
    /// Ship window (both or neither), `2026-12-01`. Default: from today until the delivery date.
    pub ship_start: Option<String>,
    pub ship_end: Option<String>,
    /// Delivery date. Default: today plus the longest lead time of the PO's items (a VMI proposal's
    /// own date when it has one).
    pub delivery_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovedPoOut {
    pub po_id: Uuid,
    pub number: String,
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub dc: String,
    pub suggestion_ids: Vec<Uuid>,
    /// False when these suggestions had been ordered before: this is their PO, no new one was made.
    pub created: bool,
}

impl From<&ApprovedPo> for ApprovedPoOut {
    fn from(p: &ApprovedPo) -> ApprovedPoOut {
        ApprovedPoOut {
            po_id: p.po_id,
            number: p.number.clone(),
            vendor_id: p.vendor_id.0,
            vendor_code: p.vendor_code.clone(),
            dc: p.dc_code.clone(),
            suggestion_ids: p.suggestion_ids.clone(),
            created: p.created,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApprovedOut {
    pub purchase_orders: Vec<ApprovedPoOut>,
}

/// Approve suggestions into purchase orders in one step (retailer buyers): one PO per vendor × DC,
/// one line per suggestion, at the item's cost in force. Problems are named `ids[i]` or by option.
#[utoipa::path(post, path = "/api/v1/forecast/suggestions/approve", tag = "forecast", request_body = ApproveIn,
    responses((status = 200, body = ApprovedOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_suggestions(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ApproveIn>) -> ApiResult<Json<ApprovedOut>> {
    let mut issues = Issues::new();
    let opts = OrderOptions {
        ship_start: date(&mut issues, "ship_start", &b.ship_start),
        ship_end: date(&mut issues, "ship_end", &b.ship_end),
        delivery_on: date(&mut issues, "delivery_on", &b.delivery_on),
    };
    if let Err(e) = issues.into_result() {
        // Authorised first: a caller that may not approve learns nothing about its request.
        s.services.authorize_approval(&ctx)?;
        return Err(ServiceError::Invalid(e).into());
    }
    let pos = s.services.approve_suggestions(&ctx, &b.ids, &opts).await?;
    Ok(Json(ApprovedOut { purchase_orders: pos.iter().map(ApprovedPoOut::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct CommitmentIn {
    /// Units you can supply: 0 up to the suggestion's quantity (the PO line's once ordered).
    pub quantity: Option<i64>,
    /// From when, `2026-12-01`: required when quantity > 0, today or later (at the DC).
    pub available_on: Option<String>,
    /// Required when committing less than asked.
    #[serde(default)]
    pub shortfall_reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionCommitmentsOut {
    pub suggestion: SuggestionOut,
    /// What a commitment answers: the quantity in force, or the PO line's once ordered.
    pub asked: i64,
    /// Every version, oldest first; the last is in force.
    pub commitments: Vec<CommitmentOut>,
}

impl From<&SuggestionDetail> for SuggestionCommitmentsOut {
    fn from(d: &SuggestionDetail) -> SuggestionCommitmentsOut {
        SuggestionCommitmentsOut {
            suggestion: SuggestionOut::from(&d.line),
            asked: d.asked,
            commitments: d.line.history.iter().enumerate().map(|(i, m)| CommitmentOut::of(m, i + 1)).collect(),
        }
    }
}

/// Answer a suggestion (the suggestion's vendor): the quantity and date you can supply, or a
/// shortfall with a reason. Each answer is a new version; the latest is in force and shown to the buyer.
#[utoipa::path(post, path = "/api/v1/forecast/suggestions/{suggestion_id}/commitments", tag = "forecast", request_body = CommitmentIn,
    responses((status = 201, body = SuggestionCommitmentsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn commit(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(suggestion_id): Path<Uuid>,
    JsonBody(b): JsonBody<CommitmentIn>,
) -> ApiResult<(StatusCode, Json<SuggestionCommitmentsOut>)> {
    let mut issues = Issues::new();
    let available_on = date(&mut issues, "available_on", &b.available_on);
    let input = CommitmentInput { quantity: b.quantity, available_on, shortfall_reason: b.shortfall_reason };
    if let Err(bad) = issues.into_result() {
        s.services.authorize_commitment(&ctx, suggestion_id).await?;
        return Err(ServiceError::Invalid(bad).into());
    }
    s.services.commit_to_suggestion(&ctx, suggestion_id, input).await?;
    Ok((StatusCode::CREATED, Json(SuggestionCommitmentsOut::from(&s.services.get_suggestion(&ctx, suggestion_id).await?))))
}

/// A suggestion with every commitment the vendor made to it.
#[utoipa::path(get, path = "/api/v1/forecast/suggestions/{suggestion_id}/commitments", tag = "forecast",
    responses((status = 200, body = SuggestionCommitmentsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_commitments(State(s): State<AppState>, Api(ctx): Api, Path(suggestion_id): Path<Uuid>) -> ApiResult<Json<SuggestionCommitmentsOut>> {
    Ok(Json(SuggestionCommitmentsOut::from(&s.services.get_suggestion(&ctx, suggestion_id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct VmiProposalIn {
    pub item_id: Option<Uuid>,
    /// The DC's code.
    #[serde(default)]
    pub dc: String,
    /// Units, whole cases, keeping on hand + on order + this within the agreed VMI range.
    pub quantity: Option<i64>,
    /// Delivery date, `2026-12-01`, today or later.
    pub delivery_on: Option<String>,
}

/// Propose an order under VMI (the vendor, when its agreement has VMI): it becomes a suggestion
/// (origin `vmi`, status `proposed`) the buyer approves like any other.
#[utoipa::path(post, path = "/api/v1/forecast/vmi-proposals", tag = "forecast", request_body = VmiProposalIn,
    responses((status = 201, body = SuggestionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_vmi(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<VmiProposalIn>) -> ApiResult<(StatusCode, Json<SuggestionOut>)> {
    let mut issues = Issues::new();
    let delivery_on = date(&mut issues, "delivery_on", &b.delivery_on);
    if b.item_id.is_none() {
        issues.push(FieldIssue::new("item_id", "is required: the id of the item to order"));
    }
    if let Err(bad) = issues.into_result() {
        // Authorised first: a caller that may not propose learns nothing about its request.
        s.services.authorize_vmi(&ctx)?;
        return Err(ServiceError::Invalid(bad).into());
    }
    let proposal = VmiProposal { item_id: b.item_id, vendor_sku: String::new(), dc_code: b.dc, quantity: b.quantity, delivery_on };
    let sug = s.services.propose_vmi_order(&ctx, proposal).await?;
    Ok((StatusCode::CREATED, Json(SuggestionOut::from(&s.services.get_suggestion(&ctx, sug.id).await?.line))))
}
