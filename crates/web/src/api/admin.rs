//! People and access over the API: the caller itself, users, API clients, and the audit log.

use super::auth::Api;
use super::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::people::{Locale, UserStatus};
use acorn_domain::policy::{Access, Area, Role};
use acorn_service::audit::Filter;
use acorn_service::users::NewUser;
use acorn_service::{Principal, ServiceError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use uuid::Uuid;

/// Who the caller is and what it may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "access", responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
pub async fn me(Api(ctx): Api) -> ApiResult<Json<MeOut>> {
    let access = Area::ALL
        .iter()
        .filter_map(|a| match ctx.principal.access(*a) {
            Access::None => None,
            Access::Read => Some((a.as_str().to_string(), "read".to_string())),
            Access::Write => Some((a.as_str().to_string(), "write".to_string())),
        })
        .collect();
    let tenant = ctx.principal.tenant();
    let vendor_id = (!tenant.is_retailer()).then_some(tenant.0);
    Ok(Json(match &ctx.principal {
        Principal::User(u) => MeOut { kind: "user".into(), user: Some(UserOut::from(u)), client_id: None, vendor_id, access },
        Principal::Client(c) => MeOut { kind: "client".into(), user: None, client_id: Some(c.client_id.clone()), vendor_id, access },
        _ => MeOut { kind: "system".into(), user: None, client_id: None, vendor_id, access },
    }))
}

fn parse_roles(roles: &[String]) -> Result<Vec<Role>, ApiError> {
    roles.iter().enumerate().map(|(i, r)| r.parse::<Role>().map_err(|e| ServiceError::invalid(&format!("roles[{i}]"), e.to_string()).into())).collect()
}

/// The tenant a new object goes to: the caller's own for vendor principals; for the retailer side the
/// given vendor, or the retailer itself.
fn target_tenant(ctx: &acorn_service::Ctx, vendor_id: Option<Uuid>) -> TenantId {
    if ctx.principal.is_retailer_side() { vendor_id.map(TenantId).unwrap_or(TenantId::RETAILER) } else { ctx.principal.tenant() }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "access", params(ListQuery), responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)))]
pub async fn list_users(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<UserPage>> {
    let page = s.services.list_users(&ctx, q.vendor_id.map(TenantId), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(UserPage { items: page.items.iter().map(UserOut::from).collect(), next: page.next }))
}

/// Invite a user: the account is created and a one-time set-up link is e-mailed.
#[utoipa::path(post, path = "/api/v1/users", tag = "access", request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite_user(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<UserIn>) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let roles = parse_roles(&b.roles)?;
    let locale = match b.locale.as_deref() {
        None => Locale::En,
        Some(l) => Locale::parse(l).ok_or_else(|| ApiError::from(ServiceError::invalid("locale", "must be `en` or `zh-CN`")))?,
    };
    let tenant = target_tenant(&ctx, b.vendor_id);
    let u = s.services.invite_user(&ctx, NewUser { tenant, email: b.email, name: b.name, roles, locale }).await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(&u))))
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "access", responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn get_user(State(s): State<AppState>, Api(ctx): Api, Path(user_id): Path<Uuid>) -> ApiResult<Json<UserOut>> {
    Ok(Json(UserOut::from(&s.services.get_user(&ctx, user_id).await?)))
}

/// Rename, change roles, disable or re-enable a user.
#[utoipa::path(patch, path = "/api/v1/users/{user_id}", tag = "access", request_body = UserPatchIn,
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(State(s): State<AppState>, Api(ctx): Api, Path(user_id): Path<Uuid>, JsonBody(b): JsonBody<UserPatchIn>) -> ApiResult<Json<UserOut>> {
    let status = match b.status.as_deref() {
        None => None,
        Some(v) => Some(UserStatus::parse(v).ok_or_else(|| ApiError::from(ServiceError::invalid("status", "must be `active` or `disabled`")))?),
    };
    let roles = b.roles.as_deref().map(parse_roles).transpose()?;
    let user = s.services.update_user(&ctx, user_id, acorn_service::users::UserPatch { name: b.name, roles, status }).await?;
    Ok(Json(UserOut::from(&user)))
}

/// Clear a user's second factor; they enrol again at next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/reset-mfa", tag = "access", responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn reset_user_mfa(State(s): State<AppState>, Api(ctx): Api, Path(user_id): Path<Uuid>) -> ApiResult<Json<UserOut>> {
    Ok(Json(UserOut::from(&s.services.reset_user_mfa(&ctx, user_id).await?)))
}

#[utoipa::path(get, path = "/api/v1/api-clients", tag = "access", params(ListQuery), responses((status = 200, body = ClientPage), (status = 403, body = ErrorBody)))]
pub async fn list_clients(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<ClientPage>> {
    let page = s.services.list_clients(&ctx, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ClientPage { items: page.items.iter().map(ClientOut::from).collect(), next: page.next }))
}

/// Create an API client; the secret and refresh token are shown only in this response.
#[utoipa::path(post, path = "/api/v1/api-clients", tag = "access", request_body = ClientIn,
    responses((status = 201, body = ClientCreatedOut), (status = 422, body = ErrorBody)))]
pub async fn create_client(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<ClientIn>) -> ApiResult<(StatusCode, Json<ClientCreatedOut>)> {
    let scopes = b
        .scopes
        .iter()
        .enumerate()
        .map(|(i, a)| a.parse::<Area>().map_err(|e| ApiError::from(ServiceError::invalid(&format!("scopes[{i}]"), e.to_string()))))
        .collect::<Result<Vec<_>, _>>()?;
    let tenant = target_tenant(&ctx, b.vendor_id);
    if tenant.is_retailer() {
        return Err(ServiceError::invalid("vendor_id", "API clients belong to a vendor; give vendor_id").into());
    }
    let c = s.services.create_client(&ctx, tenant, &b.name, scopes).await?;
    Ok((
        StatusCode::CREATED,
        Json(ClientCreatedOut {
            client_id: c.client_id,
            client_secret: c.client_secret,
            refresh_token: c.refresh_token,
            scopes: c.scopes,
            vendor_id: c.vendor_id.0,
        }),
    ))
}

/// Disable an API client and revoke its tokens.
#[utoipa::path(post, path = "/api/v1/api-clients/{client_pk}/disable", tag = "access", responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn disable_client(State(s): State<AppState>, Api(ctx): Api, Path(client_pk): Path<Uuid>) -> ApiResult<StatusCode> {
    s.services.disable_client_id(&ctx, client_pk).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = AuditPageOut), (status = 403, body = ErrorBody)))]
pub async fn audit_log(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<AuditQuery>) -> ApiResult<Json<AuditPageOut>> {
    let filter = Filter { tenant: q.tenant_id.map(TenantId), object_type: q.object_type, object_id: q.object_id, action_prefix: q.action };
    let page = s.services.audit_log(&ctx, filter, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(Json(AuditPageOut {
        items: page
            .records
            .into_iter()
            .map(|r| AuditOut {
                tenant_id: r.tenant_id.0,
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                before: r.before,
                after: r.after,
                request_id: r.request_id,
                source_ip: r.source_ip,
                hash: r.hash,
            })
            .collect(),
        next: page.next,
    }))
}
