//! Returns to vendor over the API: staff raise, complete and cancel returns; the vendor answers them
//! (approve a quantity with its RMA, disposition and return address, or reject with a reason) and
//! keeps its return address per return type. A completed return carries its debit memo. Amounts are
//! decimal strings.

use super::auth::Api;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::deductions::Deduction;
use acorn_domain::ids::TenantId;
use acorn_domain::money::format_amount;
use acorn_domain::returns::{Answer, Disposition, ReturnRequest, ReturnStatus, ReturnType};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_service::ServiceError;
use acorn_service::returns::{NewReturn, ReturnAddress, ReturnDetail, ReturnFilter};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
pub struct ReturnIn {
    pub vendor_code: String,
    /// The vendor SKU or the GTIN of the item.
    pub item: String,
    /// The DC the goods go back from.
    pub dc_code: String,
    /// `overstock`, `damaged`, `defective`, `expired` or `recall`.
    pub return_type: String,
    /// Eaches.
    pub quantity: i64,
    /// Detail beyond the type (optional, at most 500 characters).
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    /// `RTV` + 7 digits.
    pub number: String,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc_code: String,
    pub return_type: String,
    /// Eaches asked for.
    pub quantity: i64,
    /// Cost per each the debit memo charges back (the item's cost in force when raised).
    pub unit_cost: String,
    pub currency: String,
    pub reason: String,
    /// `requested`, `approved`, `rejected`, `completed` or `cancelled`.
    pub status: String,
    pub approved_quantity: Option<i64>,
    pub rejection_reason: Option<String>,
    /// The vendor's return authorisation number.
    pub vendor_rma: Option<String>,
    /// `ship_back` or `destroy`.
    pub disposition: Option<String>,
    pub return_address: Option<String>,
    /// The debit memo (deduction) posted at completion.
    pub deduction_id: Option<Uuid>,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ReturnRequest> for ReturnOut {
    fn from(r: &ReturnRequest) -> ReturnOut {
        ReturnOut {
            id: r.id,
            vendor_id: r.tenant.0,
            number: r.number.clone(),
            vendor_code: r.vendor_code.clone(),
            item_id: r.item_id,
            vendor_sku: r.vendor_sku.clone(),
            gtin: r.gtin.clone(),
            title: r.title.clone(),
            dc_code: r.dc_code.clone(),
            return_type: r.return_type.as_str().into(),
            quantity: r.quantity,
            unit_cost: format_amount(r.unit_cost, &r.currency),
            currency: r.currency.clone(),
            reason: r.reason.clone(),
            status: r.status.as_str().into(),
            approved_quantity: r.approved_quantity,
            rejection_reason: r.rejection_reason.clone(),
            vendor_rma: r.vendor_rma.clone(),
            disposition: r.disposition.map(|d| d.as_str().to_string()),
            return_address: r.return_address.clone(),
            deduction_id: r.deduction_id,
            raised_by: r.raised_by.clone(),
            raised_at: r.raised_at,
            answered_at: r.answered_at,
            completed_at: r.completed_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DebitMemoOut {
    pub id: Uuid,
    /// The deduction number.
    pub number: String,
    pub amount: String,
    pub currency: String,
    /// `open`, `disputed`, `recovered` or `final`.
    pub status: String,
    pub description: String,
    pub posted_at: DateTime<Utc>,
    pub dispute_deadline: Option<DateTime<Utc>>,
}

impl From<&Deduction> for DebitMemoOut {
    fn from(d: &Deduction) -> DebitMemoOut {
        DebitMemoOut {
            id: d.id,
            number: d.number.clone(),
            amount: format_amount(d.amount, &d.currency),
            currency: d.currency.clone(),
            status: d.status.as_str().into(),
            description: d.description.clone(),
            posted_at: d.posted_at,
            dispute_deadline: d.dispute_deadline,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReturnStepOut {
    /// `return.raised`, `return.approved`, `return.rejected`, `return.completed`, `return.cancelled`.
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnDetailOut {
    #[serde(flatten)]
    pub ret: ReturnOut,
    /// Present once the return is completed.
    pub debit_memo: Option<DebitMemoOut>,
    /// What happened, oldest first.
    pub timeline: Vec<ReturnStepOut>,
}

impl From<&ReturnDetail> for ReturnDetailOut {
    fn from(d: &ReturnDetail) -> ReturnDetailOut {
        ReturnDetailOut {
            ret: ReturnOut::from(&d.ret),
            debit_memo: d.debit_memo.as_ref().map(DebitMemoOut::from),
            timeline: d.timeline.iter().map(|s| ReturnStepOut { action: s.action.clone(), actor: s.actor.clone(), at: s.at }).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReturnPage {
    pub items: Vec<ReturnOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ReturnQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `requested`, `approved`, `rejected`, `completed` or `cancelled`.
    pub status: Option<String>,
    /// `overstock`, `damaged`, `defective`, `expired` or `recall`.
    pub return_type: Option<String>,
    pub vendor_code: Option<String>,
}

impl ReturnQuery {
    fn filter(&self) -> Result<ReturnFilter, ServiceError> {
        let mut issues = Issues::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let status = given(&self.status).and_then(|s| issues.field("status", ReturnStatus::parse_or_explain(&s)));
        let return_type = given(&self.return_type).and_then(|s| issues.field("return_type", ReturnType::parse_or_explain(&s)));
        issues.into_result().map_err(ServiceError::Invalid)?;
        Ok(ReturnFilter { tenant: None, status, return_type, vendor_code: given(&self.vendor_code).map(|c| c.to_uppercase()) })
    }
}

/// List returns (vendors see their own), oldest first, with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", params(ReturnQuery),
    responses((status = 200, body = ReturnPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_returns(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ReturnQuery>) -> ApiResult<Json<ReturnPage>> {
    let page = s.services.list_returns(&ctx, q.filter()?, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ReturnPage { items: page.items.iter().map(ReturnOut::from).collect(), next: page.next }))
}

/// Raise a return to a vendor for one item (retailer staff), at the item's cost in force today. A
/// `damaged` return is refused when the vendor's terms have a damage allowance.
#[utoipa::path(post, path = "/api/v1/returns", tag = "returns", request_body = ReturnIn,
    responses((status = 201, body = ReturnDetailOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn raise_return(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ReturnIn>) -> ApiResult<(StatusCode, Json<ReturnDetailOut>)> {
    let new = NewReturn { vendor_code: b.vendor_code, item: b.item, dc_code: b.dc_code, return_type: b.return_type, quantity: b.quantity, reason: b.reason };
    let d = s.services.raise_return(&ctx, new).await?;
    Ok((StatusCode::CREATED, Json(ReturnDetailOut::from(&d))))
}

/// A return with its debit memo and timeline.
#[utoipa::path(get, path = "/api/v1/returns/{return_id}", tag = "returns",
    responses((status = 200, body = ReturnDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_return(State(s): State<AppState>, Api(ctx): Api, Path(return_id): Path<Uuid>) -> ApiResult<Json<ReturnDetailOut>> {
    Ok(Json(ReturnDetailOut::from(&s.services.get_return(&ctx, return_id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerIn {
    /// `approve` or `reject`.
    pub decision: String,
    /// Approve: eaches taken back, 1 to the quantity requested.
    pub approved_quantity: Option<i64>,
    /// Approve: your return authorisation number (at most 40 characters).
    pub vendor_rma: Option<String>,
    /// Approve: `ship_back` or `destroy`.
    pub disposition: Option<String>,
    /// Approve with `ship_back`: where the goods go; default your saved address for the return type.
    pub return_address: Option<String>,
    /// Reject: why.
    pub rejection_reason: Option<String>,
}

impl AnswerIn {
    fn into_answer(self) -> Result<Answer, ServiceError> {
        let mut issues = Issues::new();
        let answer = match self.decision.trim() {
            "approve" => {
                let disposition = match self.disposition.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                    Some(d) => issues.field("disposition", Disposition::parse_or_explain(d)),
                    None => {
                        issues.push(FieldIssue::new("disposition", "is required when approving: ship_back or destroy"));
                        None
                    }
                };
                let quantity = self.approved_quantity.or_else(|| {
                    issues.push(FieldIssue::new("approved_quantity", "is required when approving"));
                    None
                });
                match (quantity, disposition) {
                    (Some(quantity), Some(disposition)) => {
                        Some(Answer::Approve { quantity, vendor_rma: self.vendor_rma.unwrap_or_default(), disposition, return_address: self.return_address })
                    }
                    _ => None,
                }
            }
            "reject" => Some(Answer::Reject { reason: self.rejection_reason.unwrap_or_default() }),
            other => {
                issues.push(FieldIssue::new("decision", format!("`{other}` is not one of approve, reject")));
                None
            }
        };
        issues.into_result().map_err(ServiceError::Invalid)?;
        answer.ok_or_else(|| ServiceError::invalid("decision", "could not be read"))
    }
}

/// Answer a requested return (the vendor): approve a quantity with your RMA, disposition and return
/// address, or reject it with a reason.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/answer", tag = "returns", request_body = AnswerIn,
    responses((status = 200, body = ReturnDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_return(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(return_id): Path<Uuid>,
    JsonBody(b): JsonBody<AnswerIn>,
) -> ApiResult<Json<ReturnDetailOut>> {
    let answer = b.into_answer()?;
    Ok(Json(ReturnDetailOut::from(&s.services.answer_return(&ctx, return_id, answer).await?)))
}

/// Complete an approved return (retailer staff): the goods were shipped back or destroyed; the debit
/// memo is posted. Completing a completed return again posts nothing.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/complete", tag = "returns",
    responses((status = 200, body = ReturnDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_return(State(s): State<AppState>, Api(ctx): Api, Path(return_id): Path<Uuid>) -> ApiResult<Json<ReturnDetailOut>> {
    Ok(Json(ReturnDetailOut::from(&s.services.complete_return(&ctx, return_id).await?)))
}

/// Withdraw a return still waiting for the vendor's answer (retailer staff).
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/cancel", tag = "returns",
    responses((status = 200, body = ReturnDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_return(State(s): State<AppState>, Api(ctx): Api, Path(return_id): Path<Uuid>) -> ApiResult<Json<ReturnDetailOut>> {
    Ok(Json(ReturnDetailOut::from(&s.services.cancel_return(&ctx, return_id).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct ReturnAddressOut {
    pub vendor_id: Uuid,
    pub return_type: String,
    pub address: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&ReturnAddress> for ReturnAddressOut {
    fn from(a: &ReturnAddress) -> ReturnAddressOut {
        ReturnAddressOut { vendor_id: a.tenant.0, return_type: a.return_type.as_str().into(), address: a.address.clone(), updated_at: a.updated_at }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AddressQuery {
    /// Retailer staff: one vendor's addresses (default every vendor's).
    pub vendor_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnAddressIn {
    /// `overstock`, `damaged`, `defective`, `expired` or `recall`.
    pub return_type: String,
    /// At most 500 characters.
    pub address: String,
}

/// The saved return addresses per return type (vendors see their own).
#[utoipa::path(get, path = "/api/v1/return-addresses", tag = "returns", params(AddressQuery),
    responses((status = 200, body = Vec<ReturnAddressOut>), (status = 403, body = ErrorBody)))]
pub async fn list_return_addresses(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<AddressQuery>) -> ApiResult<Json<Vec<ReturnAddressOut>>> {
    let list = s.services.return_addresses(&ctx, q.vendor_id.map(TenantId)).await?;
    Ok(Json(list.iter().map(ReturnAddressOut::from).collect()))
}

/// Save your return address for a return type (the vendor); approvals to ship back are prefilled with it.
#[utoipa::path(put, path = "/api/v1/return-addresses", tag = "returns", request_body = ReturnAddressIn,
    responses((status = 200, body = ReturnAddressOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_return_address(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ReturnAddressIn>) -> ApiResult<Json<ReturnAddressOut>> {
    let return_type = ReturnType::parse_or_explain(&b.return_type).map_err(|e| ServiceError::invalid("return_type", e))?;
    let saved = s.services.set_return_address(&ctx, ctx.principal.tenant(), return_type, &b.address).await?;
    Ok(Json(ReturnAddressOut::from(&saved)))
}
