//! Retailer master data over the API: vendors with their identifiers, DCs and dock slots.

use super::auth::Api;
use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use acorn_domain::ids::TenantId;
use acorn_domain::master::{VendorIdentifierKind, VendorStatus};
use acorn_service::vendors::{NewVendor, VendorPatch};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use uuid::Uuid;

use crate::state::AppState;

/// List vendors (vendor users and clients see only their own).
#[utoipa::path(get, path = "/api/v1/vendors", tag = "master data", params(ListQuery),
    responses((status = 200, body = VendorPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_vendors(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<VendorPage>> {
    let page = s.services.list_vendors(&ctx, q.q.as_deref(), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(VendorPage { items: page.items.iter().map(VendorOut::summary).collect(), next: page.next }))
}

/// Create a vendor with its first vendor codes, payee codes and GS1 prefixes.
#[utoipa::path(post, path = "/api/v1/vendors", tag = "master data", request_body = VendorIn,
    responses((status = 201, body = VendorOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_vendor(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<VendorIn>) -> ApiResult<(StatusCode, Json<VendorOut>)> {
    let d = s
        .services
        .create_vendor(
            &ctx,
            NewVendor { name: b.name, country: b.country, vendor_codes: b.vendor_codes, payee_codes: b.payee_codes, gs1_prefixes: b.gs1_prefixes },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(VendorOut::detail(&d))))
}

#[utoipa::path(get, path = "/api/v1/vendors/{vendor_id}", tag = "master data",
    responses((status = 200, body = VendorOut), (status = 404, body = ErrorBody)))]
pub async fn get_vendor(State(s): State<AppState>, Api(ctx): Api, Path(vendor_id): Path<Uuid>) -> ApiResult<Json<VendorOut>> {
    Ok(Json(VendorOut::detail(&s.services.get_vendor(&ctx, TenantId(vendor_id)).await?)))
}

#[utoipa::path(patch, path = "/api/v1/vendors/{vendor_id}", tag = "master data", request_body = VendorPatchIn,
    responses((status = 200, body = VendorOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_vendor(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(vendor_id): Path<Uuid>,
    JsonBody(b): JsonBody<VendorPatchIn>,
) -> ApiResult<Json<VendorOut>> {
    let status = match b.status.as_deref() {
        None => None,
        Some(v) => {
            Some(VendorStatus::parse(v).ok_or_else(|| ApiError::from(acorn_service::ServiceError::invalid("status", "must be `active` or `suspended`")))?)
        }
    };
    let id = TenantId(vendor_id);
    s.services.update_vendor(&ctx, id, VendorPatch { name: b.name, country: b.country, status }).await?;
    Ok(Json(VendorOut::detail(&s.services.get_vendor(&ctx, id).await?)))
}

fn kind(s: &str) -> Result<VendorIdentifierKind, ApiError> {
    VendorIdentifierKind::parse(s).ok_or_else(|| acorn_service::ServiceError::invalid("kind", "must be `vendor_code`, `payee_code` or `gs1_prefix`").into())
}

/// Add a vendor code, payee code or GS1 company prefix (unique across all vendors).
#[utoipa::path(post, path = "/api/v1/vendors/{vendor_id}/identifiers", tag = "master data", request_body = IdentifierIn,
    responses((status = 201, body = IdentifierOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_identifier(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(vendor_id): Path<Uuid>,
    JsonBody(b): JsonBody<IdentifierIn>,
) -> ApiResult<(StatusCode, Json<IdentifierOut>)> {
    let i = s.services.add_vendor_identifier(&ctx, TenantId(vendor_id), kind(&b.kind)?, &b.value, &b.description).await?;
    Ok((StatusCode::CREATED, Json(IdentifierOut { kind: i.kind.as_str().into(), value: i.value, description: i.description })))
}

#[utoipa::path(delete, path = "/api/v1/vendors/{vendor_id}/identifiers/{kind}/{value}", tag = "master data",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_identifier(State(s): State<AppState>, Api(ctx): Api, Path((vendor_id, k, value)): Path<(Uuid, String, String)>) -> ApiResult<StatusCode> {
    s.services.remove_vendor_identifier(&ctx, TenantId(vendor_id), kind(&k)?, &value).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/dcs", tag = "master data", responses((status = 200, body = Vec<DcOut>)))]
pub async fn list_dcs(State(s): State<AppState>, Api(ctx): Api) -> ApiResult<Json<Vec<DcOut>>> {
    Ok(Json(s.services.list_dcs(&ctx).await?.iter().map(DcOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/dcs", tag = "master data", request_body = DcIn,
    responses((status = 201, body = DcOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_dc(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<DcIn>) -> ApiResult<(StatusCode, Json<DcOut>)> {
    let dc = s.services.create_dc(&ctx, b.into_input()).await?;
    Ok((StatusCode::CREATED, Json(DcOut::from(&dc))))
}

#[utoipa::path(get, path = "/api/v1/dcs/{dc_id}", tag = "master data", responses((status = 200, body = DcOut), (status = 404, body = ErrorBody)))]
pub async fn get_dc(State(s): State<AppState>, Api(ctx): Api, Path(dc_id): Path<Uuid>) -> ApiResult<Json<DcOut>> {
    Ok(Json(DcOut::from(&s.services.get_dc(&ctx, dc_id).await?)))
}

/// Replace a DC's details (its code stays).
#[utoipa::path(put, path = "/api/v1/dcs/{dc_id}", tag = "master data", request_body = DcIn,
    responses((status = 200, body = DcOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_dc(State(s): State<AppState>, Api(ctx): Api, Path(dc_id): Path<Uuid>, JsonBody(b): JsonBody<DcIn>) -> ApiResult<Json<DcOut>> {
    Ok(Json(DcOut::from(&s.services.update_dc(&ctx, dc_id, b.into_input()).await?)))
}

#[utoipa::path(get, path = "/api/v1/dcs/{dc_id}/dock-slots", tag = "master data", params(SlotQuery),
    responses((status = 200, body = Vec<SlotOut>), (status = 404, body = ErrorBody)))]
pub async fn list_slots(State(s): State<AppState>, Api(ctx): Api, Path(dc_id): Path<Uuid>, Query(q): Query<SlotQuery>) -> ApiResult<Json<Vec<SlotOut>>> {
    let slots = s.services.list_dock_slots(&ctx, dc_id, q.from.unwrap_or_else(Utc::now), q.days.unwrap_or(14)).await?;
    Ok(Json(slots.iter().map(SlotOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/dcs/{dc_id}/dock-slots", tag = "master data", request_body = SlotIn,
    responses((status = 201, body = SlotOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_slot(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(dc_id): Path<Uuid>,
    JsonBody(b): JsonBody<SlotIn>,
) -> ApiResult<(StatusCode, Json<SlotOut>)> {
    let slot = s.services.add_dock_slot(&ctx, dc_id, b.starts_at, b.ends_at, b.capacity).await?;
    Ok((StatusCode::CREATED, Json(SlotOut::from(&slot))))
}

#[utoipa::path(delete, path = "/api/v1/dock-slots/{slot_id}", tag = "master data", responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_slot(State(s): State<AppState>, Api(ctx): Api, Path(slot_id): Path<Uuid>) -> ApiResult<StatusCode> {
    s.services.delete_dock_slot(&ctx, slot_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
